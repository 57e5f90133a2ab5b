"""Hostile variants of the label, ShotBench and run-record files (sixth sweep).

Each case is a file a person or another tool could write; the loaders give the right result or
an error naming the file (and line) and what is wrong, never a silent drop or a silent misread.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.errors import FileFormatError
from camerabench.labelfiles import (
    check_video_name,
    read_binary_dir,
    read_caption_file,
    read_vqa_dir,
    read_vqa_file,
)
from camerabench.records import read_answers, read_captions, read_run_info, read_scores
from camerabench.shotbench import read_mcq_dir, read_mcq_table

REAL = Path("/work/shared/data/camerabench")
PAN_LEFT = (
    '{"image": "a.mp4", "question": "Does the camera pan to the left?", "label": "Yes", "task": "Pan Left", '
    '"label_name": "cam_motion.camera_centric_movement.pan_left.has_pan_left"}\n'
)
HEADER = "index\ttype\tpath\tquestion\toptions\tanswer\tcategory\n"
OPTIONS = '{"A": "Pan left", "B": "Tilt up"}'


def _first_real_line(pattern: str) -> str:
    """The first line of the first public label file matching ``pattern`` (a real record)."""
    path = sorted(REAL.glob(pattern))[0]
    with open(path, encoding="utf-8") as fh:
        return fh.readline()


def _row(index: str = "1", path: str = "['video/a.mp4']", question: str = "How does the camera move?",
         options: str = OPTIONS, answer: str = "A") -> str:  # fmt: skip
    return "\t".join([index, '["video"]', path, question, options, answer, "camera movement"]) + "\n"


def _table(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "shots.tsv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- video names


@pytest.mark.parametrize("name", ["C:\\clips\\a.mp4", "c:/clips/a.mp4", "D:\\a.mp4"])
def test_a_windows_drive_path_is_not_a_video_inside_videos(name: str) -> None:
    with pytest.raises(ValueError, match=r"'video' must name a file inside videos/"):
        check_video_name(name)


def test_a_binary_label_naming_a_windows_drive_path_is_an_error_naming_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "binary_classification"
    folder.mkdir()
    real = json.loads(_first_real_line("binary_classification/Pan_Left.jsonl"))
    hostile = {**real, "image": "C:\\Users\\me\\clips\\" + real["image"]}
    (folder / "Pan_Left.jsonl").write_text(
        _first_real_line("binary_classification/Pan_Left.jsonl") + json.dumps(hostile) + "\n", encoding="utf-8"
    )
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: 'image' must name a file inside videos/"):
        read_binary_dir(folder)


@pytest.mark.parametrize("name", [".", "./", "sub/.."])
def test_a_video_name_that_is_the_folder_itself_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"'video' must"):
        check_video_name(name)


def test_a_name_with_a_colon_that_is_no_drive_is_still_a_video_name() -> None:
    assert check_video_name("take:1.mp4") == "take:1.mp4"  # a legal POSIX file name
    assert check_video_name("sub/clip.mp4") == "sub/clip.mp4"


# --------------------------------------------------------------------------- label files left unread


def test_label_files_in_a_subfolder_of_binary_classification_are_reported_not_silently_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "binary_classification"
    (folder / "more").mkdir(parents=True)
    (folder / "Pan_Left.jsonl").write_text(PAN_LEFT, encoding="utf-8")
    (folder / "more" / "Tilt_Up.jsonl").write_text(_first_real_line("binary_classification/Tilt_Up.jsonl"))
    with caplog.at_level(logging.WARNING):
        labels = read_binary_dir(folder)
    assert [p.value for p in labels] == ["Pan_Left"]
    assert "more: a folder (holding 1 .jsonl file(s)); not read" in caplog.text


def test_vqa_task_files_nested_below_a_skill_folder_are_reported_not_silently_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = sorted(REAL.glob("vqa_and_retrieval/*/*.jsonl"))[0]
    folder = tmp_path / "vqa_and_retrieval"
    (folder / src.parent.name / "extra").mkdir(parents=True)
    (folder / src.parent.name / "extra" / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / src.parent.name / "extra" / "b.jsonl").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert read_vqa_dir(folder) == {}
    assert "extra: a folder (holding 2 .jsonl file(s)); not read" in caplog.text


# --------------------------------------------------------------------------- VQA and captions


def test_a_vqa_pair_whose_two_texts_are_the_same_is_an_error_naming_the_line(tmp_path: Path) -> None:
    line = _first_real_line("vqa_and_retrieval/*/*.jsonl")
    pair = json.loads(line)
    pair["neg_text"] = pair["pos_text"]
    pair["texts"] = [pair["pos_text"], pair["pos_text"]]
    path = tmp_path / "task.jsonl"
    path.write_text(line + json.dumps(pair) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"task\.jsonl:2: pos_text and neg_text are the same text"):
        read_vqa_file(path)


def test_a_caption_file_asking_two_questions_is_an_error_naming_the_item(tmp_path: Path) -> None:
    items: list[dict[str, Any]] = json.loads((REAL / "caption_data.json").read_text(encoding="utf-8"))[:3]
    items[2] = {**items[2], "question": "How does the camera move?"}
    path = tmp_path / "caption_data.json"
    path.write_text(json.dumps(items, indent=4), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"caption_data\.json:12: item 2 asks 'How does the camera move\?'"):
        read_caption_file(path)
    items[2]["question"] = items[0]["question"]
    path.write_text(json.dumps(items, indent=4), encoding="utf-8")
    assert len(read_caption_file(path)) == 3


# --------------------------------------------------------------------------- ShotBench tables


def test_a_shotbench_path_with_a_windows_drive_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = _table(tmp_path, _row(), _row(index="2", path="['C:\\\\ShotBench\\\\video\\\\a.mp4']"))
    with pytest.raises(FileFormatError, match=r"shots\.tsv:3: path 'C:\\\\ShotBench.*inside it"):
        read_mcq_table(path)


def test_a_shotbench_row_listing_one_medium_twice_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, _row(path="['video/a.mp4', 'video/a.mp4']"))
    with pytest.raises(FileFormatError, match=r"shots\.tsv:2: path lists 'video/a\.mp4' more than once"):
        read_mcq_table(path)


def test_a_shotbench_question_without_a_word_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, _row(question=" ? "))
    with pytest.raises(FileFormatError, match=r"shots\.tsv:2: question has no word"):
        read_mcq_table(path)


def test_a_shotbench_option_without_a_word_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, _row(options='{"A": "Pan left", "B": "..."}'))
    with pytest.raises(FileFormatError, match=r"shots\.tsv:2: option B's text '\.\.\.' has no word"):
        read_mcq_table(path)


def test_shotbench_distractors_with_the_same_text_are_read_with_a_warning_naming_the_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _table(tmp_path, _row(), _row(index="2", options='{"A": "Pan left", "B": "Tilt up", "C": "tilt up."}'))
    with caplog.at_level(logging.WARNING):
        rows = read_mcq_table(path)
    assert [r.answer for r in rows] == ["A", "A"]
    assert "shots.tsv:3: options B and C have the same text 'Tilt up'" in caplog.text
    assert "shots.tsv:2" not in caplog.text


def test_files_in_a_shotbench_folder_that_are_not_tables_are_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "shotbench"
    (folder / "more").mkdir(parents=True)
    (folder / "main.tsv").write_text(HEADER + _row(), encoding="utf-8")
    (folder / "extra.csv").write_text(HEADER.replace("\t", ","), encoding="utf-8")  # a CSV table is read (R79)
    (folder / "notes.txt").write_text(HEADER, encoding="utf-8")
    (folder / "more" / "b.tsv").write_text(HEADER + _row(), encoding="utf-8")
    (folder / ".hidden.tsv").write_text("junk", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        tables = read_mcq_dir(folder)
    assert list(tables) == ["extra", "main"]
    assert (
        "2 entries are not a .tsv, .csv, .xlsx or .xlsm table directly in the folder; not read: more/, notes.txt"
        in caplog.text
    )
    assert ".hidden" not in caplog.text


# --------------------------------------------------------------------------- run records

SCORE = {"video": "a.mp4", "question": "Does the camera pan to the left?", "method": "m", "score": 0.5, "status": "ok"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"video": "   "}, "video must be a non-empty string, got '   '"),
        ({"method": " "}, "method must be a non-empty string, got ' '"),
        ({"question": "\t"}, "question must be a non-empty string, got '\\\\t'"),
        ({"status": "failed", "score": None, "reason": "  "}, "reason must be a non-empty string or null"),
    ],
)
def test_a_score_record_with_a_blank_text_field_is_an_error_naming_the_line(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "scores.jsonl"
    path.write_text(json.dumps(SCORE) + "\n" + json.dumps({**SCORE, **change}) + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"scores\.jsonl:2: " + message):
        read_scores(path)


def test_blank_text_in_caption_and_answer_records_is_an_error(tmp_path: Path) -> None:
    caps = tmp_path / "captions.jsonl"
    caps.write_text(json.dumps({"video": "a.mp4", "method": "m", "caption": "x", "status": "ok", "question": " "}))
    with pytest.raises(FileFormatError, match=r"captions\.jsonl:1: question must be a non-empty string"):
        read_captions(caps)
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"index": "1", "method": "m", "answer": "B", "status": "ok", "table": " "}))
    with pytest.raises(FileFormatError, match=r"answers\.jsonl:1: table must be a non-empty string or null"):
        read_answers(answers)


@pytest.mark.parametrize(
    ("field", "value"), [("command", "Predict"), ("command", "evaluate"), ("method_kind", "Geometric")]
)
def test_a_run_json_command_or_method_kind_outside_the_known_ones_is_an_error_naming_the_line(
    tmp_path: Path, field: str, value: str
) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"method": "m", "schema_version": 1, field: value}, indent=2), encoding="utf-8")
    with pytest.raises(FileFormatError, match=rf"run\.json:\d: {field} must be one of .*, got '{value}'"):
        read_run_info(path)


def test_a_run_json_with_known_command_and_kind_reads(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    for command, kind in [("predict", "geometric"), ("caption", None), ("answer", "semantic")]:
        path.write_text(json.dumps({"method": "m", "schema_version": 1, "command": command, "method_kind": kind}))
        info = read_run_info(path)
        assert (info.command, info.method_kind) == (command, kind)
