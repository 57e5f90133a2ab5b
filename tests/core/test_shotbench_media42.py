"""ShotBench tables and replies (round 42): media paths that differ from their file on disk only in
letter case or Unicode form, Windows separators mixed with '/', paths written as Python tuples,
and option texts matched in the form replies are read in (design.md B10's scoring rule)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.shotbench import COLUMNS, Choice, extract_choice, read_mcq_table

OPTIONS = '{"A": "Pan left", "B": "Tilt up"}'


def _table(root: Path, media: list[str], path: str, type: str = '["video"]', options: str = OPTIONS) -> Path:
    for name in media:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    row = ["1", type, path, "How does the camera move?", options, "B", "camera movement"]
    table = root / "t.tsv"
    table.write_text("\t".join(COLUMNS) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    return table


# --- a medium named in other letter case or Unicode form --------------------------------------

NFC = "video/caf\u00e9.mp4"
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize(
    ("disk", "written", "said"),
    [
        ("video/clip.mp4", "video/Clip.mp4", "on disk as 'video/clip.mp4', in other letter case"),
        ("Video/Clip.MP4", "./video/clip.mp4", "on disk as 'Video/Clip.MP4', in other letter case"),
        (NFD, NFC, "on disk as 'video/cafe\\u0301.mp4', in another Unicode form than the table's 'video/caf\\xe9.mp4'"),
        (NFC, NFD, "on disk as 'video/caf\\xe9.mp4', in another Unicode form than the table's 'video/cafe\\u0301.mp4'"),
        (
            NFD.replace("caf", "Caf"),
            NFC,
            "on disk as 'video/Cafe\\u0301.mp4', in other letter case and another Unicode form",
        ),
    ],
    ids=["case", "folder-case", "nfd-on-disk", "nfc-on-disk", "both"],
)
def test_a_missing_medium_names_the_file_on_disk_it_differs_from_in_case_or_form(
    tmp_path: Path, disk: str, written: str, said: str
) -> None:
    """Was a plain "media not found: video/café.mp4 (line 2)", the two names printing alike."""
    table = _table(tmp_path, [disk], repr([written]))
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: media not found") as err:
        read_mcq_table(table, tmp_path)
    assert said in str(err.value)


def test_a_missing_medium_with_no_near_name_on_disk_is_named_as_before(tmp_path: Path) -> None:
    table = _table(tmp_path, ["video/clip.mp4", "video/CLIP.mp4"], "['video/other.mp4']")
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(table, tmp_path)
    assert str(err.value).endswith("rows: video/other.mp4 (line 2)")
    # two files alike: which one was meant is a guess, so neither is named
    table = _table(tmp_path, [], "['video/Clip.mp4']")
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(table, tmp_path)
    assert str(err.value).endswith("rows: video/Clip.mp4 (line 2)")


# --- a Windows separator mixed with '/' -------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "write"),
    [
        ("['video/sub\\clip.mp4']", "['video/sub/clip.mp4']"),  # was a warning, then "media not found"
        ("['video/sub\\\\clip.mp4']", "['video/sub/clip.mp4']"),  # an escaped backslash: "media not found"
        ("video/sub\\clip.mp4", "video/sub/clip.mp4"),  # a bare path: "media not found"
        ("['video/x\\xmas.mp4']", "['video/x/xmas.mp4']"),  # was "path is not a list (truncated \\xXX)"
    ],
)
@pytest.mark.parametrize("with_root", [True, False])
def test_a_windows_separator_mixed_with_slashes_is_named(
    tmp_path: Path, cell: str, write: str, with_root: bool, recwarn: pytest.WarningsRecorder
) -> None:
    """Without a data folder the first three were accepted, to fail when the medium was opened."""
    table = _table(tmp_path, ["video/sub/clip.mp4", "video/x/xmas.mp4"], cell)
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: path .* separates folders with '\\' \(a Windows path\)") as e:
        read_mcq_table(table, tmp_path if with_root else None)
    assert str(e.value).endswith(f"write {write!r}")
    assert not [w for w in recwarn if "escape" in str(w.message)]  # Python's invalid-escape warning


def test_a_windows_drive_mixed_with_slashes_is_refused_without_a_warning(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    table = _table(tmp_path, ["video/a.mp4"], "['C:\\media/a.mp4']")
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: path .*C:.* must be relative to the data folder"):
        read_mcq_table(table)
    assert not [w for w in recwarn if "escape" in str(w.message)]  # was an invalid-escape warning first


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("['video/a\\n.mp4']", "path 'video/a\\n.mp4' holds a control character"),
        (
            "['video/a.mp4', 'video\\\\a.mp4']",
            "path lists 'video/a.mp4' and 'video\\\\a.mp4' (one file) more than once",
        ),
    ],
)
def test_backslash_escapes_with_slashes_keep_their_errors(tmp_path: Path, cell: str, error: str) -> None:
    table = _table(tmp_path, ["video/a.mp4"], cell)
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(table, tmp_path)
    assert error in str(err.value)


# --- a path written as a Python tuple ---------------------------------------------------------


@pytest.mark.parametrize("with_root", [True, False])
@pytest.mark.parametrize(
    ("cell", "type", "paths"),
    [
        ("('video/a.mp4',)", '["video"]', ("video/a.mp4",)),
        ("('video/a.mp4', 'video/b.mp4')", "('video',)", ("video/a.mp4", "video/b.mp4")),
        ("('video/a.mp4')", "('video')", ("video/a.mp4",)),  # a tuple that lost its comma: one string
    ],
)
def test_a_path_written_as_a_tuple_reads_as_the_list(
    tmp_path: Path, cell: str, type: str, paths: tuple[str, ...], with_root: bool
) -> None:
    """Was one bare path "('video/a.mp4',)": "media not found", or accepted with no data folder."""
    table = _table(tmp_path, ["video/a.mp4", "video/b.mp4"], cell, type=type)
    row = read_mcq_table(table, tmp_path if with_root else None)[0]
    assert row.paths == paths and row.kind == "video"


def test_a_parenthesised_path_that_is_no_tuple_of_strings_is_refused(tmp_path: Path) -> None:
    table = _table(tmp_path, ["video/a.mp4"], "(video/a.mp4)")
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(table)
    assert str(err.value).endswith(
        "t.tsv:2: path '(video/a.mp4)' is not a tuple of strings; write a list such as \"['video/a.mp4']\""
    )


# --- option texts matched in the form replies are read in -------------------------------------

ODD = {"A": "Zoom in…", "B": "Tilt up", "C": "Ｗｉｄｅ shot", "D": "Pan ½ turn"}
MOVES = {"A": "Pan left", "B": "Tilt up", "C": "Zoom in", "D": "Static"}


@pytest.mark.parametrize(
    ("reply", "options", "expected"),
    [
        ("Zoom in…", ODD, Choice("A", "text")),  # the option quoted verbatim: was unparsed
        ("The camera does: Zoom in…", ODD, Choice("A", "text")),
        ("Ｗｉｄｅ shot", ODD, Choice("C", "text")),
        ("Wide shot", ODD, Choice("C", "text")),
        ("Pan ½ turn", ODD, Choice("D", "text")),
        ("It is not a Ｗｉｄｅ shot", ODD, Choice(None, "unparsed")),  # negated, as for any option text
        ("B—Tilt up", MOVES, Choice("B", "text")),  # was unparsed: texts were looked for between spaces
        ("B/Tilt up", MOVES, Choice("B", "text")),
        ("The camera is ecstatic", MOVES, Choice(None, "unparsed")),  # not inside a word: unchanged
    ],
)
def test_option_texts_are_matched_as_replies_are_read(reply: str, options: dict[str, str], expected: Choice) -> None:
    """ShotBench's scorer finds an option's text in the reply as written; a reply is read in NFKC
    (``Ｂ`` is ``B``), its options were not, so a reply copying an option was not matched."""
    assert extract_choice(reply, options) == expected


def test_an_answer_alike_a_distractor_in_compatibility_form_is_refused(tmp_path: Path) -> None:
    """``Tilt up`` and ``Ｔｉｌｔ ｕｐ`` read as one text: a reply naming it cannot tell them apart (was read)."""
    options = '{"A": "Ｔｉｌｔ ｕｐ", "B": "Tilt up"}'
    table = _table(tmp_path, ["video/a.mp4"], "['video/a.mp4']", options=options)
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: the answer B's text 'Tilt up' is also option A's"):
        read_mcq_table(table)
