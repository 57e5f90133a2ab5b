"""Hostile inputs the loaders once crashed on or read wrong without a word.

Each case was found by a sweep of broken variants of the public label files, ShotBench tables,
a synthetic dataset's manifest and a run's records: a raw traceback (RecursionError,
TypeError, zipfile.BadZipFile, ...) is now a one-line error naming the file and line, and a
silently wrong reading (a repeated option letter, a media path outside the data folder, a knob
"false" counted as on, an empty label file) is now an error or a warning.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import read_binary_dir, read_caption_file, read_vqa_dir, read_vqa_file
from camerabench.records import read_captions, read_run_info, read_scores
from camerabench.shotbench import COLUMNS, read_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT
HEADER = "\t".join(COLUMNS)
OPTIONS = '{"A": "Pan left", "B": "Tilt up"}'
ROW = "\t".join(["0", '["video"]', "['video/a.mp4']", "How does the camera move?", OPTIONS, "B", "camera movement"])


def _binary_jsonl() -> str:
    return "".join(json.dumps(BinaryRecord.make(v, PAN, v == "a.mp4").to_dict()) + "\n" for v in ("a.mp4", "b.mp4"))


def _table(root: Path, *rows: str, header: str = HEADER) -> Path:
    (root / "video").mkdir(exist_ok=True)
    (root / "video" / "a.mp4").write_bytes(b"")
    path = root / "t.tsv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- empty label files and folders: read as empty, with a warning naming them -----------------


def _empty_binary_file(tmp_path: Path) -> tuple[Path, Any]:
    (tmp_path / PAN.file).write_text("\n \n")
    return tmp_path / PAN.file, read_binary_dir(tmp_path)


def _empty_vqa_file(tmp_path: Path) -> tuple[Path, Any]:
    (tmp_path / "t.jsonl").write_text("")
    return tmp_path / "t.jsonl", read_vqa_file(tmp_path / "t.jsonl")


def _empty_caption_list(tmp_path: Path) -> tuple[Path, Any]:
    (tmp_path / "caption_data.json").write_text("[]\n")
    return tmp_path / "caption_data.json", read_caption_file(tmp_path / "caption_data.json")


def _header_only_table(tmp_path: Path) -> tuple[Path, Any]:
    path = _table(tmp_path)
    return path, read_mcq_table(path, tmp_path)


def _empty_binary_folder(tmp_path: Path) -> tuple[Path, Any]:
    return tmp_path, read_binary_dir(tmp_path)


def _empty_vqa_folder(tmp_path: Path) -> tuple[Path, Any]:
    return tmp_path, read_vqa_dir(tmp_path)


@pytest.mark.parametrize(
    ("read", "expected", "message"),
    [
        (_empty_binary_file, {PAN: []}, "holds no record"),
        (_empty_vqa_file, [], "holds no pair"),
        (_empty_caption_list, [], "holds no caption item"),
        (_header_only_table, [], "holds no question"),
        (_empty_binary_folder, {}, "holds no <Primitive>.jsonl label file"),
        (_empty_vqa_folder, {}, "holds no <skill>/<task>.jsonl task file"),
    ],
    ids=["binary-file", "vqa-file", "caption-list", "shotbench-header-only", "binary-folder", "vqa-folder"],
)
def test_empty_label_input_is_read_as_empty_with_a_warning(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    read: Callable[[Path], tuple[Path, Any]],
    expected: Any,
    message: str,
) -> None:
    with caplog.at_level(logging.WARNING):
        path, value = read(tmp_path)
    assert value == expected
    warnings = [r.getMessage() for r in caplog.records if message in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: ")


# --- label files whose name keeps them from being read ---------------------------------------


@pytest.mark.parametrize("name", ["Pan_Left.JSONL", "Pan_Left.json", "Tilt_Up.Jsonl"])
def test_binary_label_file_with_another_suffix_is_an_error(tmp_path: Path, name: str) -> None:
    (tmp_path / PAN.file).write_text(_binary_jsonl())
    (tmp_path / name).write_text(_binary_jsonl())
    with pytest.raises(FileFormatError, match=r"label files end in '\.jsonl' \(lower case\)") as info:
        read_binary_dir(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / name}: ")


def test_vqa_task_file_with_another_suffix_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "motion").mkdir()
    (tmp_path / "motion" / "moving.json").write_text("")
    with pytest.raises(FileFormatError, match=r"moving\.json: label files end in '\.jsonl'"):
        read_vqa_dir(tmp_path)


def test_other_files_beside_binary_labels_are_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / PAN.file).write_text(_binary_jsonl())
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    with caplog.at_level(logging.WARNING):
        data = read_binary_dir(tmp_path)
    assert [r.image for r in data[PAN]] == ["a.mp4", "b.mp4"]
    assert [r.getMessage() for r in caplog.records] == [f"{tmp_path / 'notes.txt'}: not a .jsonl label file; not read"]


# --- ShotBench rows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ROW.replace(OPTIONS, '{"A": "Pan left", "B": "Tilt up", "B": "Zoom in"}'), "the key 'B' appears twice"),
        (ROW.replace(OPTIONS, '{"A\\n": "Pan left", "B": "Tilt up"}'), "keys must be letters A-Z"),
        (ROW.replace(OPTIONS, "[" * 100000), "options is nested too deeply"),
        (ROW.replace('["video"]', "[" * 100000), "type is nested too deeply"),
        (ROW.replace("['video/a.mp4']", "[{[]: 1}]"), "path is not a list"),
        (ROW.replace("['video/a.mp4']", "['/etc/hostname']"), "path '/etc/hostname' must be relative to the data"),
        (ROW.replace("['video/a.mp4']", "['../../a.mp4']"), "path '../../a.mp4' must be relative to the data"),
        (ROW + "\tstray", "8 cells, the header has 7"),
    ],
    ids=["repeated-letter", "letter-newline", "options-deep", "type-deep", "path-unhashable", "path-absolute",
         "path-parent", "extra-cell"],
)  # fmt: skip
def test_bad_shotbench_row_names_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    path = _table(tmp_path, ROW.replace("0\t", "1\t", 1), row)
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(path, tmp_path)
    assert str(info.value).startswith(f"{path}:3: ") and message in str(info.value)


def test_repeated_shotbench_column_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, ROW + "\tA", header=HEADER + "\tanswer")
    with pytest.raises(FileFormatError, match=r"t\.tsv:1: column\(s\) \['answer'\] appear more than once"):
        read_mcq_table(path, tmp_path)


def test_trailing_empty_cells_are_still_read(tmp_path: Path) -> None:
    rows = read_mcq_table(_table(tmp_path, ROW + "\t\t "), tmp_path)
    assert [(r.index, r.answer, r.options, r.category) for r in rows] == [
        ("0", "B", {"A": "Pan left", "B": "Tilt up"}, "camera movement")
    ]


def _damage(book: Path, how: str) -> None:
    if how == "truncated":
        book.write_bytes(book.read_bytes()[:200])
        return
    with zipfile.ZipFile(book) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            if how == "no-workbook" and name == "xl/workbook.xml":
                continue
            z.writestr(name, b"<broken" if how == "bad-sheet" and name == "xl/worksheets/sheet1.xml" else data)


@pytest.mark.parametrize("how", ["truncated", "bad-sheet", "no-workbook"])
def test_damaged_xlsx_is_a_format_error(tmp_path: Path, how: str) -> None:
    import pandas as pd

    book = tmp_path / "book.xlsx"
    pd.DataFrame([ROW.split("\t")], columns=list(COLUMNS)).to_excel(book, index=False)
    assert [r.answer for r in read_mcq_table(book)] == ["B"]
    _damage(book, how)
    with pytest.raises(FileFormatError, match=rf"^{book}: not an xlsx table: "):
        read_mcq_table(book)


# --- manifest.json ------------------------------------------------------------------------


def _manifest(tmp_path: Path, clips: list[dict[str, Any]]) -> Dataset:
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": "t", "clips": clips}, indent=2) + "\n")
    return Dataset(tmp_path)


@pytest.mark.parametrize(
    ("clips", "message"),
    [
        ([{"video": "a.mp4", "knobs": {"blur": False}}, {"video": "a.mp4", "knobs": {"blur": True}}],
         r"manifest\.json:10: clips\[1\] repeats the video 'a\.mp4' of clips\[0\]"),
        ([{"video": "a.mp4", "knobs": {"blur": "false"}}],
         r"manifest\.json:7: clips\[0\]\.knobs\['blur'\] must be true or false, got 'false'"),
        ([{"video": "a.mp4", "knobs": {"blur": float("nan")}}],
         r"manifest\.json:7: clips\[0\]\.knobs\['blur'\] must be true or false, got nan"),
    ],
    ids=["repeated-video", "knob-string", "knob-nan"],
)  # fmt: skip
def test_bad_manifest_clip_names_file_and_line(tmp_path: Path, clips: list[dict[str, Any]], message: str) -> None:
    ds = _manifest(tmp_path, clips)
    with pytest.raises(FileFormatError, match=message):
        ds.validate()


def test_manifest_knobs_of_booleans_numbers_and_null_are_read(tmp_path: Path) -> None:
    clips = [{"video": "a.mp4", "knobs": {"blur": True, "shake": 0, "noise": None}}, {"video": "b.mp4"}]
    assert _manifest(tmp_path, clips).manifest["clips"] == clips


# --- run records --------------------------------------------------------------------------

SCORE = {"schema_version": 1, "video": "a.mp4", "question": PAN.question, "method": "m", "score": 0.5,
         "status": "ok", "reason": None, "primitive": PAN.value}  # fmt: skip


def test_score_record_whose_primitive_is_not_its_questions_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    path.write_text(json.dumps(SCORE) + "\n" + json.dumps({**SCORE, "primitive": "Tilt_Up"}) + "\n")
    with pytest.raises(FileFormatError, match=r"scores\.jsonl:2: primitive 'Tilt_Up' does not match the question"):
        read_scores(path)
    other = {**SCORE, "question": "Is the camera moving?", "primitive": "Tilt_Up"}  # not a primitive's question
    path.write_text(json.dumps({**SCORE, "primitive": None}) + "\n" + json.dumps(other) + "\n")
    assert [(r.question, r.primitive) for r in read_scores(path)] == [
        (PAN.question, None),
        ("Is the camera moving?", "Tilt_Up"),
    ]


def test_failed_caption_record_with_a_caption_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "captions.jsonl"
    row = {"video": "a.mp4", "method": "m", "caption": "Pans left.", "status": "failed", "reason": "timeout"}
    path.write_text(json.dumps({**row, "caption": None}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(FileFormatError, match=r"captions\.jsonl:2: a failed record carries no caption"):
        read_captions(path)


@pytest.mark.parametrize("method", ["", "  "])
def test_run_json_with_an_empty_method_is_an_error(tmp_path: Path, method: str) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"schema_version": 1, "method": method, "videos_ok": 1}, indent=2))
    with pytest.raises(FileFormatError, match=rf"^{path}:3: method must be a non-empty string, got '{method}'$"):
        read_run_info(path)
