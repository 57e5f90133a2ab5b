"""Hostile variants of the real label files and ShotBench rows (round 41).

Copies of the public CameraBench files bent as real-world tools bend them: a video named by its
URL (or percent-encoded as in one), records separated by commas, ShotBench cells written with
Python's notation (``str(dict)``, ``['video']``) or with Windows paths, and a large set of task
files (speed). Each error names the file and line and what is wrong; a readable variant reads as
the original.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import check_video_name, read_binary_file, read_vqa_file
from camerabench.shotbench import COLUMNS, read_mcq_table
from camerabench.taxonomy import Primitive

PAN_LEFT = "binary_classification/Pan_Left.jsonl"
VQA = "vqa_and_retrieval/motion_direction/pan_left_vs_pan_right.jsonl"


def _real_lines(public_data: Path, name: str, n: int = 3) -> list[bytes]:
    with open(public_data / name, "rb") as fh:
        return [fh.readline() for _ in range(n)]


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- video names


@pytest.mark.parametrize("prefix", ["https://example.com/videos/", "file:///data/camerabench/", "s3://bucket/"])
def test_a_label_naming_a_video_by_its_url_says_it_is_a_url(public_data: Path, tmp_path: Path, prefix: str) -> None:
    """Was "not written as its file is (write 'https:/example.com/...')": normalising the URL
    suggested a name that is neither the URL nor a file."""
    lines = _real_lines(public_data, PAN_LEFT)
    bad = json.loads(lines[1])
    bad["image"] = prefix + bad["image"]
    root = tmp_path / "data"
    for line in lines:
        _write(root / "videos" / json.loads(line)["image"], b"")
    _write(root / "labels" / PAN_LEFT, lines[0] + (json.dumps(bad) + "\n").encode() + lines[2])
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: 'image' is a URL, not a file name: .*download"):
        Dataset(root).validate()


def test_a_name_with_a_colon_but_no_url_scheme_is_still_a_video_name() -> None:
    assert check_video_name("take 12:30.mp4") == "take 12:30.mp4"
    assert check_video_name("a:b/c.mp4") == "a:b/c.mp4"


def test_a_label_naming_a_video_percent_encoded_names_its_file(public_data: Path, tmp_path: Path) -> None:
    """``my%20clip.mp4`` (copied from a URL) for the file ``my clip.mp4``: was counted as a missing
    video in a warning (each run recording it failed), while its file sat in videos/ unlabelled."""
    rec = json.loads(_real_lines(public_data, PAN_LEFT, 1)[0])
    root = tmp_path / "data"
    _write(root / "videos" / "my clip.mp4", b"")
    _write(root / "labels" / PAN_LEFT, (json.dumps({**rec, "image": "my%20clip.mp4"}) + "\n").encode())
    with pytest.raises(
        FileFormatError, match=r"Pan_Left\.jsonl:1: the video 'my%20clip\.mp4' is percent-encoded .*'my clip\.mp4'"
    ):
        Dataset(root).validate()


def test_a_file_whose_name_holds_a_percent_sign_is_still_read(public_data: Path, tmp_path: Path) -> None:
    rec = json.loads(_real_lines(public_data, PAN_LEFT, 1)[0])
    root = tmp_path / "data"
    _write(root / "videos" / "100%25.mp4", b"")
    _write(root / "labels" / PAN_LEFT, (json.dumps({**rec, "image": "100%25.mp4"}) + "\n").encode())
    ds = Dataset(root)
    ds.validate()
    assert ds.videos() == ["100%25.mp4"]


# --------------------------------------------------------------------------- JSON Lines layout


@pytest.mark.parametrize("name", [PAN_LEFT, VQA])
def test_records_separated_by_commas_say_so(public_data: Path, tmp_path: Path, name: str) -> None:
    """Each line ``{...},`` (a JSON array without its brackets): was "holds a JSON object written
    over several lines", which it is not."""
    lines = [line.rstrip(b"\n") + b",\n" for line in _real_lines(public_data, name)]
    path = _write(tmp_path / Path(name).name, b"".join(lines))
    read = read_binary_file if name == PAN_LEFT else read_vqa_file
    with pytest.raises(FileFormatError, match=r"\.jsonl:1: ends with a ',' after its record: .*remove it$"):
        read(path)


def test_an_object_cut_at_a_comma_is_still_said_to_span_lines(public_data: Path, tmp_path: Path) -> None:
    line = _real_lines(public_data, PAN_LEFT, 1)[0].decode()
    head, _, tail = line.partition('"question"')
    path = _write(tmp_path / "Pan_Left.jsonl", (head.rstrip() + "\n" + '"question"' + tail).encode())
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: holds a JSON object written over several lines"):
        read_binary_file(path)


# --------------------------------------------------------------------------- speed


def test_vqa_questions_are_not_compared_with_every_primitive_per_pair(
    public_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading 3,240 task files (140,000 pairs) took 10 s of CPU, most of it comparing each question
    with the 15 primitives' questions (15 property look-ups per question). Counted, not timed."""
    pairs = [json.loads(line) for line in (public_data / VQA).read_text(encoding="utf-8").splitlines() if line]
    path = _write(tmp_path / "task.jsonl", "".join(json.dumps(p) + "\n" for p in pairs).encode())
    calls = 0
    question = Primitive.question

    def counted(self: Primitive) -> str:
        nonlocal calls
        calls += 1
        return question.fget(self)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Primitive, "question", property(counted))
    assert len(read_vqa_file(path)) == len(pairs) > 20
    # the table of the 15 once, then one look-up per question (to compare its spelling); it was up
    # to 15 per question: 1,680 for this file of 80 pairs
    assert calls <= len(Primitive) + 2 * len(pairs)


# --------------------------------------------------------------------------- ShotBench


def _table(root: Path, media: list[str], **cells: str) -> Path:
    for name in media:
        _write(root / name, b"")
    row = {
        "index": "0",
        "type": '["video"]',
        "path": "['video/a.mp4']",
        "question": "How does the camera move?",
        "options": '{"A": "Pan left", "B": "Tilt up"}',
        "answer": "B",
        "category": "camera movement",
        **cells,
    }
    text = "\t".join(COLUMNS) + "\n" + "\t".join(row[c] for c in COLUMNS) + "\n"
    return _write(root / "labels" / "shotbench" / "t.tsv", text.encode())


def test_options_written_as_a_python_dict_read_as_the_json_object(tmp_path: Path) -> None:
    """``str(dict)``, as pandas writes a dict column: was "options is not a JSON object"."""
    json_rows = read_mcq_table(_table(tmp_path / "j", ["video/a.mp4"]), tmp_path / "j")
    path = _table(tmp_path / "p", ["video/a.mp4"], options="{'A': 'Pan left', 'B': \"Director's tilt up\"}")
    rows = read_mcq_table(path, tmp_path / "p")
    assert rows[0].options == {"A": "Pan left", "B": "Director's tilt up"}
    assert [r.answer for r in rows] == [r.answer for r in json_rows] == ["B"]


def test_a_python_dict_repeating_an_option_letter_is_refused(tmp_path: Path) -> None:
    path = _table(tmp_path, ["video/a.mp4"], options="{'A': 'Pan left', 'B': 'Tilt up', 'A': 'Zoom in'}")
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: options: the key 'A' appears twice"):
        read_mcq_table(path, tmp_path)


def test_a_type_written_as_a_python_list_reads_as_the_json_list(tmp_path: Path) -> None:
    """``['video']`` (the path column's notation): was "type is not a list"."""
    rows = read_mcq_table(_table(tmp_path, ["video/a.mp4"], type="['video']"), tmp_path)
    assert rows[0].types == ("video",) and rows[0].kind == "video"


@pytest.mark.parametrize(
    ("cell", "write"),
    [
        ("['video\\a.mp4']", "['video/a.mp4']"),  # was "'video\x07.mp4' holds a control character"
        ("['video\\clip.mp4']", "['video/clip.mp4']"),  # was a SyntaxWarning, then "media not found"
        ("['video\\\\clip.mp4']", "['video/clip.mp4']"),  # repr() of a Windows path: "media not found"
        ("video\\clip.mp4", "video/clip.mp4"),  # a bare path: "media not found"
    ],
)
@pytest.mark.parametrize("with_root", [True, False])
def test_a_windows_media_path_says_to_write_slashes(tmp_path: Path, cell: str, write: str, with_root: bool) -> None:
    """Without a data folder the row was accepted, and every run of it failed to open its medium."""
    path = _table(tmp_path, ["video/a.mp4", "video/clip.mp4"], path=cell)
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: path .* separates folders with '\\' \(a Windows path\)") as e:
        read_mcq_table(path, tmp_path if with_root else None)
    assert str(e.value).endswith(f"write {write!r}")


def test_media_paths_with_escapes_of_characters_and_spaces_still_read(tmp_path: Path) -> None:
    cell = "['video/caf\\xe9 take.mp4', \"video/director's cut.mp4\"]"
    rows = read_mcq_table(_table(tmp_path, ["video/café take.mp4", "video/director's cut.mp4"], path=cell), tmp_path)
    assert rows[0].paths == ("video/café take.mp4", "video/director's cut.mp4")


@pytest.mark.parametrize("with_root", [True, False])
def test_a_media_url_is_refused(tmp_path: Path, with_root: bool) -> None:
    """Was "media not found" (with a data folder) or accepted (without one)."""
    path = _table(tmp_path, ["video/a.mp4"], path="['https://example.com/video/a.mp4']")
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: path 'https://example\.com/video/a\.mp4' is a URL"):
        read_mcq_table(path, tmp_path if with_root else None)
