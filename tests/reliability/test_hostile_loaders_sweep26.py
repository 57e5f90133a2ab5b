"""Hostile variants of the real label files and ShotBench tables (round 26).

Copies of the public CameraBench files (and ShotBench rows as released and as the synthetic
generator writes them) bent the way people and tools bend them: JSON arrays and JSON Lines mixed
up, a last line cut short, video names misspelt by a space or a letter's case, ShotBench answers
written as option texts, media missing from a partial copy. Each error names the file, the line
and what is wrong; harmless variants (BOM, CRLF, blank lines) read as the original.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import read_binary_file, read_caption_file, read_vqa_file
from camerabench.shotbench import COLUMNS, read_mcq_table

PAN_LEFT = "binary_classification/Pan_Left.jsonl"
VQA = "vqa_and_retrieval/motion_direction/pan_left_vs_pan_right.jsonl"


def _real_lines(public_data: Path, name: str, n: int = 4) -> list[bytes]:
    """The first ``n`` lines of a public label file, each ending in a newline."""
    with open(public_data / name, "rb") as fh:
        return [fh.readline() for _ in range(n)]


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- JSON vs JSON Lines


@pytest.mark.parametrize("indent", [None, 2])
def test_a_binary_label_file_holding_a_json_array_says_so(
    public_data: Path, tmp_path: Path, indent: int | None
) -> None:
    """Was ``expected a JSON object, got list`` (one line) or ``invalid JSON: Expecting value`` on
    the ``[`` line of a pretty-printed array, the array itself never named."""
    records = [json.loads(line) for line in _real_lines(public_data, PAN_LEFT)]
    path = _write(tmp_path / "Pan_Left.jsonl", json.dumps(records, indent=indent).encode())
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: holds a JSON array \(a \.json document\)"):
        read_binary_file(path)


def test_a_vqa_task_file_holding_a_json_array_says_so(public_data: Path, tmp_path: Path) -> None:
    pairs = [json.loads(line) for line in _real_lines(public_data, VQA, 2)]
    path = _write(tmp_path / "task.jsonl", b"\xef\xbb\xbf" + json.dumps(pairs, indent=4).encode())
    with pytest.raises(FileFormatError, match=r"task\.jsonl:1: holds a JSON array.*one JSON object per line"):
        read_vqa_file(path)


def test_a_record_written_over_several_lines_says_so(public_data: Path, tmp_path: Path) -> None:
    """A record pretty-printed between one-line records: was ``Expecting property name ...``."""
    first, second = _real_lines(public_data, PAN_LEFT, 2)
    pretty = json.dumps(json.loads(second), indent=2).encode() + b"\n"
    path = _write(tmp_path / "Pan_Left.jsonl", first + pretty)
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: holds a JSON object written over several lines"):
        read_binary_file(path)


def test_two_records_on_one_line_say_so(public_data: Path, tmp_path: Path) -> None:
    """Two files concatenated, the first without a final newline: was ``Extra data (column 191)``."""
    a, b, c = _real_lines(public_data, PAN_LEFT, 3)
    path = _write(tmp_path / "Pan_Left.jsonl", a + b.rstrip(b"\n") + c)
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: holds more than one JSON value on this line"):
        read_binary_file(path)


def test_a_last_line_cut_short_says_the_file_may_be_cut_short(public_data: Path, tmp_path: Path) -> None:
    data = b"".join(_real_lines(public_data, PAN_LEFT))
    path = _write(tmp_path / "Pan_Left.jsonl", data[:-30])
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:4: invalid JSON: .*the file may be cut short"):
        read_binary_file(path)
    # a bad line in the middle is not called cut short
    lines = _real_lines(public_data, PAN_LEFT)
    path = _write(tmp_path / "mid.jsonl", lines[0] + lines[1][:-30] + b"\n" + lines[2])
    with pytest.raises(FileFormatError, match=r"mid\.jsonl:2: invalid JSON") as info:
        read_binary_file(path)
    assert "cut short" not in str(info.value)


def test_a_caption_file_written_as_json_lines_says_so(public_data: Path, tmp_path: Path) -> None:
    """Was ``invalid JSON: Extra data (column 1)`` on line 2."""
    items = json.loads((public_data / "caption_data.json").read_text(encoding="utf-8"))[:3]
    path = _write(tmp_path / "caption_data.json", b"".join(json.dumps(i).encode() + b"\n" for i in items))
    with pytest.raises(FileFormatError, match=r"caption_data\.json:2: holds one JSON object per line \(JSON Lines\)"):
        read_caption_file(path)


def test_harmless_variants_of_the_real_files_read_as_the_originals(
    public_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A BOM (warned), CRLF, blank lines in the middle and at the end, no final newline: the
    same records (accepted before this round too; kept so that the new layout errors stay off)."""
    for name, read in ((PAN_LEFT, read_binary_file), (VQA, read_vqa_file)):
        lines = _real_lines(public_data, name)
        bent = b"\xef\xbb\xbf" + (lines[0] + b"\n" + b"".join(lines[1:]) + b"\n\n").replace(b"\n", b"\r\n")
        assert read(_write(tmp_path / "bent" / name, bent)) == read(_write(tmp_path / "plain" / name, b"".join(lines)))
        assert read(_write(tmp_path / "last" / name, b"".join(lines).rstrip(b"\n"))) == read(tmp_path / "plain" / name)
    caption = (public_data / "caption_data.json").read_bytes()
    with caplog.at_level(logging.WARNING):
        bent_items = read_caption_file(_write(tmp_path / "c.json", b"\xef\xbb\xbf" + caption.replace(b"\n", b"\r\n")))
    assert bent_items == read_caption_file(public_data / "caption_data.json")
    assert "byte-order mark" in caplog.text


# --------------------------------------------------------------------------- names in a dataset


def _dataset(root: Path, files: list[str], binary: list[bytes] = (), vqa: list[bytes] = ()) -> Dataset:
    for name in files:
        _write(root / "videos" / name, b"")
    if binary:
        _write(root / "labels" / PAN_LEFT, b"".join(binary))
    if vqa:
        _write(root / "labels" / VQA, b"".join(vqa))
    return Dataset(root)


def test_a_label_naming_a_video_with_a_trailing_space_names_its_line(public_data: Path, tmp_path: Path) -> None:
    """Was the file only: a search through 500 lines for a name that differs by a space."""
    lines = _real_lines(public_data, PAN_LEFT, 3)
    videos = [json.loads(line)["image"] for line in lines]
    bad = json.loads(lines[2])
    bad["image"] += " "
    ds = _dataset(tmp_path, videos, binary=[*lines[:2], (json.dumps(bad) + "\n").encode()])
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:3: the video '.*\.mp4 ' begins or ends with a space$"):
        ds.validate()


def test_a_vqa_pair_naming_a_video_in_other_letter_case_names_its_line(public_data: Path, tmp_path: Path) -> None:
    lines = _real_lines(public_data, VQA, 3)
    pairs = [json.loads(line) for line in lines]
    files = sorted({v for p in pairs for v in p["images"]})
    wrong = pairs[2]["neg_video"].upper()
    pairs[2].update(neg_video=wrong, images=[pairs[2]["pos_video"], wrong])
    ds = _dataset(tmp_path, files, vqa=[(json.dumps(p) + "\n").encode() for p in pairs])
    with pytest.raises(
        FileFormatError,
        match=r"pan_left_vs_pan_right\.jsonl:3: the video '.*' is not in .*; the file there is '.*' "
        r"\(other letter case\)",
    ):
        ds.validate()


def test_two_labels_differing_only_in_case_name_the_line_of_the_one_without_a_file(
    public_data: Path, tmp_path: Path
) -> None:
    """``clip.mp4`` (a file) labelled Yes on line 1, ``CLIP.MP4`` (no file) No on line 2."""
    first = json.loads(_real_lines(public_data, PAN_LEFT, 1)[0])
    second = {**first, "image": first["image"].upper(), "label": "No"}
    ds = _dataset(tmp_path, [first["image"]], binary=[(json.dumps(r) + "\n").encode() for r in (first, second)])
    with pytest.raises(
        FileFormatError,
        match=r"Pan_Left\.jsonl:2: the video '.*' is not in .*; the file there is '.*' \(other letter case\)",
    ):
        ds.validate()


def test_a_caption_naming_a_video_as_dot_slash_names_its_line(public_data: Path, tmp_path: Path) -> None:
    items = json.loads((public_data / "caption_data.json").read_text(encoding="utf-8"))[:2]
    ds = _dataset(tmp_path, [i["video"] for i in items])
    items[1]["video"] = "./" + items[1]["video"]
    _write(tmp_path / "labels" / "caption_data.json", json.dumps(items, indent=4).encode())
    # the item's "video" is on line 8 of the 4-space layout: [, {, video, question, answer, }, {, video
    with pytest.raises(
        FileFormatError, match=r"caption_data\.json:8: the video '\./.*' is not written as its file.*\)$"
    ):
        ds.validate()


# --------------------------------------------------------------------------- ShotBench tables


def _row(index: str, path: str, answer: str = "B", options: str = '{"A": "Pan left", "B": "Tilt up"}') -> str:
    """A row as the synthetic generator writes it (JSON cells quoted, as csv writes them)."""
    quoted_options = '"' + options.replace('"', '""') + '"'
    cells = [index, '"[""video""]"', path, "Which camera movement does this video show?", quoted_options, answer]
    return "\t".join([*cells, "camera movement"]) + "\n"


def _shotbench(root: Path, rows: list[str], media: list[str]) -> Path:
    for name in media:
        _write(root / name, b"")
    return _write(root / "labels" / "shotbench" / "t.tsv", ("\t".join(COLUMNS) + "\n" + "".join(rows)).encode())


def test_every_missing_shotbench_medium_is_counted_and_named_at_once(tmp_path: Path) -> None:
    """Was the first one only (``t.tsv:3: media not found in DATA: videos/c1.mp4``): a partial
    copy was found out one missing clip at a time."""
    rows = [_row(str(i), f"['videos/c{i}.mp4']") for i in range(9)]
    table = _shotbench(tmp_path, rows, ["videos/c0.mp4", "videos/c5.mp4"])
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(table, tmp_path)
    text = str(info.value)
    assert text.startswith(f"{table}:3: media not found in {tmp_path}: 7 file(s), named by 7 of 9 rows: ")
    assert "videos/c1.mp4 (line 3), videos/c2.mp4 (line 4)" in text and text.endswith("and 2 more")
    with pytest.raises(FileFormatError, match=r"t\.tsv:3: media not found .* 7 file\(s\)"):
        Dataset(tmp_path).validate()


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("b", "(write the letter alone: 'B')"),
        ("(B)", "(write the letter alone: 'B')"),
        ("Tilt up", "(it gives option B's text 'Tilt up': write its letter 'B')"),
        ("B. Tilt up", "(it gives option B's text 'Tilt up': write its letter 'B')"),
        ("tilt UP", "(it gives option B's text 'Tilt up': write its letter 'B')"),
    ],
)
def test_a_shotbench_answer_written_otherwise_than_a_letter_says_which_letter(
    tmp_path: Path, answer: str, hint: str
) -> None:
    table = _shotbench(tmp_path, [_row("0", "['videos/a.mp4']", answer=answer)], ["videos/a.mp4"])
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(table, tmp_path)
    assert str(info.value) == f"{table}:2: answer {answer!r} is not one of the option letters A, B {hint}"


def test_a_shotbench_answer_outside_its_options_gets_no_hint(tmp_path: Path) -> None:
    table = _shotbench(tmp_path, [_row("0", "['videos/a.mp4']", answer="E")], ["videos/a.mp4"])
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(table, tmp_path)
    assert str(info.value).endswith("answer 'E' is not one of the option letters A, B")


@pytest.mark.parametrize("path", ["['videos/a.mp4 ']", "[' videos/a.mp4']", '["videos/a.mp4\\t"]'])
def test_a_shotbench_path_with_white_space_at_an_end_says_so(tmp_path: Path, path: str) -> None:
    """Was ``media not found in DATA: videos/a.mp4 `` (the space unseen), and without a data
    folder it was read, to fail when the medium was opened."""
    table = _shotbench(tmp_path, [_row("0", path)], ["videos/a.mp4"])
    for root in (tmp_path, None):
        with pytest.raises(
            FileFormatError, match=r"t\.tsv:2: path '.*' begins or ends with white space; write 'videos/a\.mp4'"
        ):
            read_mcq_table(table, root)
