"""Twelfth round, label loaders: hostile CameraBench and ShotBench label files.

Each case loads a real public file where one applies, then a hostile variant written to
``tmp_path``; every variant used to crash with an OSError or read wrong labels without a word.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import check_video_name, read_binary_file, read_vqa_file
from camerabench.shotbench import COLUMNS, MCQRow, read_mcq_table, write_mcq_table
from camerabench.taxonomy import Primitive

PAN = Primitive("Pan_Left")
ZOOM = Primitive("Zoom_In")


def _binary(video: str, label: str = "Yes", prim: Primitive = PAN, **change: Any) -> dict[str, Any]:
    return {
        "image": video,
        "question": prim.question,
        "label": label,
        "task": prim.task,
        "label_name": prim.label_name,
        **change,
    }


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _dataset(root: Path, videos: list[str], files: dict[str, list[dict[str, Any]]]) -> Dataset:
    (root / "videos").mkdir(parents=True)
    for v in videos:
        (root / "videos" / v).write_bytes(b"")
    for rel, rows in files.items():
        _jsonl(root / "labels" / rel, rows)
    return Dataset(root)


def _first_real(public_data: Path, rel: str) -> dict[str, Any]:
    line = (public_data / rel).read_text(encoding="utf-8").splitlines()[0]
    obj: dict[str, Any] = json.loads(line)
    return obj


# --- video names longer than any file system holds: an OSError traceback ---------------------


def test_a_label_naming_a_video_longer_than_255_bytes_is_an_error_naming_the_line(
    public_data: Path, tmp_path: Path
) -> None:
    real = read_binary_file(public_data / "binary_classification" / PAN.file)
    assert real  # the real file reads
    path = _jsonl(tmp_path / PAN.file, [_binary("a.mp4"), _binary("é" * 128 + ".mp4", "No")])
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: 'image' has a name longer than 255 bytes"):
        read_binary_file(path)
    assert check_video_name("é" * 125 + ".mp4")  # 254 bytes: still a name


def test_a_video_path_longer_than_the_system_allows_is_a_format_error_not_an_oserror(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "d", ["a.mp4"], {f"binary_classification/{PAN.file}": [_binary("ab/" * 1500 + "x.mp4")]})
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: the video 'ab/ab/.*cannot be looked up in"):
        ds.validate()


# --- a binary record's task written otherwise than the primitive's task -------------------------


@pytest.mark.parametrize("task", ["Pan_Left", " Pan Left ", "Pan_Left.jsonl", PAN.question, PAN.label_name])
def test_a_binary_task_written_otherwise_is_an_error_naming_the_line(
    public_data: Path, tmp_path: Path, task: str
) -> None:
    real = _first_real(public_data, f"binary_classification/{PAN.file}")
    assert read_binary_file(_jsonl(tmp_path / "ok" / PAN.file, [real]))[0].task == "Pan Left"
    # one record spelled otherwise was read as a second task ("one file must hold one task,
    # found ['Pan Left', 'Pan_Left']"); a whole file of them was read without a word
    path = _jsonl(tmp_path / PAN.file, [_binary("a.mp4", task=task)])
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: task .* is not written as the primitive's task"):
        read_binary_file(path)


# --- a VQA question written as a primitive's question in other spacing or case --------------------


def _pair(pos: str, neg: str, pos_q: str, neg_q: str, **change: Any) -> dict[str, Any]:
    return {
        "skill": "has_intrinsic_change",
        "task": "has_zoom_in",
        "images": [pos, neg],
        "texts": [pos_q, neg_q],
        "pos_video": pos,
        "neg_video": neg,
        "pos_text": pos_q,
        "neg_text": neg_q,
        "pos_question": pos_q,
        "neg_question": neg_q,
        **change,
    }


NEG_ZOOM = "Is the camera free from any zoom in effects?"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (ZOOM.question + " ", "has white space at an end or a run of it"),
        ("Does the camera  zoom in?", "has white space at an end or a run of it"),
        ("Does the camera\tzoom in?", "has white space at an end or a run of it"),
        (ZOOM.question.lower(), "is the Zoom In question in other letter case"),
    ],
)
def test_a_vqa_question_spelled_otherwise_than_the_binary_one_is_an_error(
    public_data: Path, tmp_path: Path, question: str, message: str
) -> None:
    # a Yes in the VQA file against a No in the binary file for one video was not seen, and the
    # video was asked the question twice (once in each spelling)
    real = read_vqa_file(public_data / "vqa_and_retrieval" / "has_motion" / "has_zoom_in.jsonl")
    assert real[0].pos_question == ZOOM.question
    ds = _dataset(
        tmp_path / "d",
        ["a.mp4", "b.mp4"],
        {
            f"binary_classification/{ZOOM.file}": [_binary("b.mp4", "No", ZOOM)],
            "vqa_and_retrieval/has_motion/has_zoom_in.jsonl": [_pair("b.mp4", "a.mp4", question, NEG_ZOOM)],
        },
    )
    with pytest.raises(FileFormatError, match=rf"has_zoom_in\.jsonl:1: 'pos_question' .*{message}"):
        ds.validate()
    # written as the binary question, the contradiction is found
    vqa = tmp_path / "d" / "labels" / "vqa_and_retrieval" / "has_motion" / "has_zoom_in.jsonl"
    _jsonl(vqa, [_pair("b.mp4", "a.mp4", ZOOM.question, NEG_ZOOM)])
    with pytest.raises(FileFormatError, match=r"expects 'Yes' from b\.mp4 .* expects 'No'"):
        Dataset(tmp_path / "d").validate()


# --- a VQA pair written twice, the second time the other way round --------------------------------


def test_a_vqa_pair_repeated_with_positive_and_negative_swapped_is_dropped_as_a_repeat(
    public_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    real = _first_real(public_data, "vqa_and_retrieval/has_motion/has_zoom_in.jsonl")
    swapped = _pair(real["neg_video"], real["pos_video"], real["neg_question"], real["pos_question"])
    swapped["texts"] = [real["neg_text"], real["pos_text"]]
    swapped["pos_text"], swapped["neg_text"] = real["neg_text"], real["pos_text"]
    assert read_vqa_file(_jsonl(tmp_path / "ok.jsonl", [real]))  # the real pair alone reads
    # its 4 cells and 2 texts were scored twice: the pair counted double in every VQA metric
    path = _jsonl(tmp_path / "has_zoom_in.jsonl", [real, swapped])
    assert len(read_vqa_file(path)) == 1
    assert "has_zoom_in.jsonl:2: repeats the pair of line 1 with its two sides swapped" in caplog.text
    # an exact repeat is still dropped with a warning
    assert len(read_vqa_file(_jsonl(tmp_path / "rep.jsonl", [real, real]))) == 1
    assert "rep.jsonl:2: repeats line 1 exactly" in caplog.text


def test_a_vqa_pair_with_the_same_cells_and_other_texts_is_kept(tmp_path: Path) -> None:
    # other texts are another retrieval test: kept
    first = _pair("a.mp4", "b.mp4", ZOOM.question, NEG_ZOOM)
    other = {**first, "texts": ["Zooms in", "No zoom"], "pos_text": "Zooms in", "neg_text": "No zoom"}
    assert len(read_vqa_file(_jsonl(tmp_path / "t.jsonl", [first, other]))) == 2


# --- ShotBench: one medium in two spellings, and quoting ------------------------------------------


def _row(**change: str) -> str:
    cells = {
        "index": "0",
        "type": '["video"]',
        "path": "['video/a.mp4']",
        "question": "How does the camera move?",
        "options": '{"A": "Pan left", "B": "Tilt up"}',
        "answer": "B",
        "category": "camera movement",
        **change,
    }
    return "\t".join(cells[c] for c in COLUMNS)


def _table(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "video").mkdir(exist_ok=True)
    (tmp_path / "video" / "a.mp4").write_bytes(b"")
    (tmp_path / "video" / "b.mp4").write_bytes(b"")
    path = tmp_path / "t.tsv"
    path.write_text("\n".join(["\t".join(COLUMNS), *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("second", ["./video/a.mp4", "video//a.mp4", "video/./a.mp4", "video\\\\a.mp4"])
def test_a_shotbench_row_listing_one_medium_in_two_spellings_is_an_error(tmp_path: Path, second: str) -> None:
    # the model was shown the one video twice
    path = _table(tmp_path, [_row(index="1"), _row(path=f"['video/a.mp4', {second!r}]", type='["video"]')])
    with pytest.raises(FileFormatError, match=r"t\.tsv:3: path lists 'video/a\.mp4' and .* \(one file\) more than"):
        read_mcq_table(path, tmp_path)
    ok = _table(tmp_path, [_row(path="['video/a.mp4', 'video/b.mp4']")])
    assert read_mcq_table(ok, tmp_path)[0].paths == ("video/a.mp4", "video/b.mp4")


@pytest.mark.parametrize(
    "question",
    ['"Wide" or close-up?', '"How does the camera move?'],
    ids=["quote-then-text", "unclosed-quote"],
)
def test_a_shotbench_cell_with_a_broken_quote_is_an_error_naming_its_line(tmp_path: Path, question: str) -> None:
    # '"Wide" or close-up?' was read as 'Wide or close-up?' (the quotes lost); an unclosed quote
    # swallowed the rows after it into one cell
    path = _table(tmp_path, [_row(index="1"), _row(question=question), _row(index="2"), _row(index="3")])
    with pytest.raises(FileFormatError, match=r"t\.tsv:3: not a TSV row: .*a cell that starts with '\"' must end"):
        read_mcq_table(path, tmp_path)
    # quoted as TSV quotes it (what write_mcq_table writes), a question starting with a quote reads
    good = _table(tmp_path, [_row(question='"""Wide"" or close-up?"')])
    assert read_mcq_table(good, tmp_path)[0].question == '"Wide" or close-up?'
    row = MCQRow("0", "t", ("video",), ("video/a.mp4",), question, {"A": "Pan left", "B": "Tilt"}, "A", "shot size", 2)
    write_mcq_table(tmp_path / "t.tsv", [row])
    assert read_mcq_table(tmp_path / "t.tsv", tmp_path) == [row]
