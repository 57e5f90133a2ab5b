"""Hostile label folders: repeated and contradictory labels, label paths of the wrong kind.

An exact repeat of a label is dropped with a warning naming the file and both lines; the same
(video, question) labelled both Yes and No is an error naming both lines; a label path that
is a file where a folder belongs (or the reverse) is an error, raised before any video is run.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import read_binary_file, read_caption_file, read_vqa_file, write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT


def _row(video: str, yes: bool) -> dict[str, Any]:
    return BinaryRecord.make(video, PAN, yes).to_dict()


def _write_lines(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize(
    ("rows", "kept", "warning"),
    [
        (
            [_row("a.mp4", True), _row("b.mp4", False), _row("a.mp4", True)],
            2,
            "Pan_Left.jsonl:3: repeats line 1 exactly",
        ),
        ([_row("a.mp4", False), _row("a.mp4", False), _row("a.mp4", False)], 1, "Pan_Left.jsonl:2: repeats line 1"),
    ],
    ids=["once", "twice"],
)
def test_identical_duplicate_label_is_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, rows: list[dict[str, Any]], kept: int, warning: str
) -> None:
    path = _write_lines(tmp_path / PAN.file, rows)
    with caplog.at_level(logging.WARNING):
        recs = read_binary_file(path)
    assert len(recs) == kept and len({(r.image, r.question) for r in recs}) == kept
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(str(path)) and warning in m for m in messages), messages
    assert len(messages) == len(rows) - kept  # one warning per dropped repeat


def test_identical_duplicate_line_with_other_spacing_is_still_a_repeat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / PAN.file
    row = _row("a.mp4", True)
    path.write_text(json.dumps(row) + "\n" + json.dumps(row, indent=None, separators=(",", ":")) + "\n")
    with caplog.at_level(logging.WARNING):
        assert read_binary_file(path) == [BinaryRecord(**row)]
    assert "Pan_Left.jsonl:2: repeats line 1 exactly" in caplog.text


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_row("a.mp4", True), _row("a.mp4", False)],
         r"Pan_Left\.jsonl:2: a\.mp4 is labelled both 'Yes' and 'No' .* \(line 1 and this line\)"),
        ([_row("a.mp4", False), _row("b.mp4", True), _row("c.mp4", True), _row("a.mp4", True)],
         r"Pan_Left\.jsonl:4: a\.mp4 is labelled both 'No' and 'Yes' .* \(line 1 and this line\)"),
    ],
    ids=["adjacent", "apart"],
)  # fmt: skip
def test_yes_and_no_for_the_same_video_is_an_error(tmp_path: Path, rows: list[dict[str, Any]], message: str) -> None:
    path = _write_lines(tmp_path / PAN.file, rows)
    with pytest.raises(FileFormatError, match=message):
        read_binary_file(path)


def test_repeated_vqa_pair_and_caption_item_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    q1, q2 = "Is the camera moving?", "Is the camera fixed?"
    pair = {"skill": "s", "task": "t", "images": ["a.mp4", "b.mp4"], "texts": [q1, q2], "pos_video": "a.mp4",
            "neg_video": "b.mp4", "pos_text": q1, "neg_text": q2, "pos_question": q1, "neg_question": q2}  # fmt: skip
    vqa = _write_lines(tmp_path / "t.jsonl", [pair, {**pair, "pos_video": "c.mp4", "images": ["c.mp4", "b.mp4"]}, pair])
    item = {"video": "a.mp4", "question": "Describe the camera movement in this video.", "answer": "Static."}
    cap = tmp_path / "caption_data.json"
    cap.write_text(json.dumps([item, {**item, "answer": "Still."}, item], indent=4))
    with caplog.at_level(logging.WARNING):
        assert len(read_vqa_file(vqa)) == 2
        assert [i.answer for i in read_caption_file(cap)] == ["Static.", "Still."]  # two references for one video
    assert f"{vqa}:3: repeats line 1 exactly" in caplog.text
    assert f"{cap}:12: repeats line 2 exactly" in caplog.text


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    _write_lines(data / "labels" / "binary_classification" / PAN.file, [_row("a.mp4", True), _row("b.mp4", False)])
    (data / "videos").mkdir()
    for v in ("a.mp4", "b.mp4"):
        (data / "videos" / v).write_bytes(b"")
    return data


def _replace(path: Path, kind: str) -> None:
    """Put a file where ``path`` (a folder) was, or a folder where it (a file) was."""
    if path.is_dir():
        for p in sorted(path.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
        path.rmdir()
    elif path.exists():
        path.unlink()
    if kind == "file":
        path.write_text("not a folder\n")
    else:
        path.mkdir()


@pytest.mark.parametrize(
    ("relative", "kind", "message"),
    [
        ("labels/binary_classification", "file", "is a file, not a folder"),
        ("labels/vqa_and_retrieval", "file", "is a file, not a folder"),
        ("labels", "file", "is a file, not a folder"),
        ("labels/caption_data.json", "folder", "is a folder, not a file"),
        ("manifest.json", "folder", "is a folder, not a file"),
        ("videos", "file", "is a file, not a folder"),
    ],
)
def test_label_path_of_the_wrong_kind_is_an_error_before_any_video(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, relative: str, kind: str, message: str
) -> None:
    data = _data(tmp_path)
    (data / relative).parent.mkdir(parents=True, exist_ok=True)
    _replace(data / relative, kind)
    with pytest.raises(FileFormatError) as info:
        Dataset(data).validate()
    assert str(info.value) == f"{data / relative}: {message}"
    out = tmp_path / "run"
    with caplog.at_level(logging.ERROR):
        assert main(["predict", "--data", str(data), "--method", "dummy", "--out", str(out)]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"{data / relative}: {message}"]
    assert not out.exists()


def test_contradictory_labels_stop_predict_before_any_video(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _data(tmp_path)
    path = _write_lines(
        data / "labels" / "binary_classification" / PAN.file, [_row("a.mp4", True), _row("a.mp4", False)]
    )
    with caplog.at_level(logging.ERROR):
        assert main(["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")]) == 1
    assert f"{path}:2: a.mp4 is labelled both 'Yes' and 'No'" in caplog.text
    assert not (tmp_path / "run").exists()


def test_public_labels_pass_the_checks_and_round_trip(
    public_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The checks accept every public binary label file as it is, without a warning."""
    with caplog.at_level(logging.WARNING):
        for path in sorted((public_data / "binary_classification").glob("*.jsonl")):
            write_binary_file(tmp_path / path.name, read_binary_file(path))
            assert (tmp_path / path.name).read_bytes() == path.read_bytes()
    assert not caplog.records
