"""Hostile run records, round 23: keys that differ from a field's name only in case (a hand edit,
silently ignored), integers longer than Python converts (Python's advice, no line in run.json),
and writers given what standard UTF-8 JSON cannot hold: a lone surrogate (a UnicodeEncodeError
traceback) or a number that is not finite (a bare ``NaN`` written to the file)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from camerabench.errors import FileFormatError
from camerabench.fileio import WriteError, append_jsonl, write_json, write_jsonl
from camerabench.records import (
    RunInfo,
    ScoreRecord,
    read_answers,
    read_captions,
    read_run_info,
    read_scores,
    write_run_info,
    write_scores,
)

SCORE = {"video": "a.mp4", "question": "Does the camera pan left?", "method": "m", "status": "ok", "score": 0.5}
CAPTION = {"video": "a.mp4", "method": "m", "status": "ok", "caption": "The camera pans left."}
ANSWER = {"index": "1", "method": "m", "status": "ok", "answer": "A"}


def _jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# --- keys that differ from a field's name only in case ----------------------------------------


def test_a_score_keyed_score_in_capitals_names_the_key_not_a_missing_score(tmp_path: Path) -> None:
    row = {k: v for k, v in SCORE.items() if k != "score"} | {"Score": 0.9}
    path = _jsonl(tmp_path / "scores.jsonl", json.dumps(SCORE | {"scorer": "tool", "Notes": "x"}), json.dumps(row))
    # was "an ok score must be a finite number, got None": the 0.9 in the file not named
    with pytest.raises(FileFormatError, match=r"scores\.jsonl:2: the key 'Score' differs from the field 'score'"):
        read_scores(path)


@pytest.mark.parametrize(
    ("read", "row", "key"),
    [
        (read_scores, SCORE | {"SCORE": 0.9}, "SCORE"),
        (read_captions, CAPTION | {"Caption": "The camera tilts up."}, "Caption"),
        (read_answers, ANSWER | {"Answer": "B"}, "Answer"),
    ],
)
def test_a_key_beside_its_field_in_another_case_is_refused(
    read: Any, row: dict[str, Any], key: str, tmp_path: Path
) -> None:
    path = _jsonl(tmp_path / "x.jsonl", json.dumps(row))
    # was read with one of the two values, the other ignored as another tool's field
    with pytest.raises(
        FileFormatError, match=rf"x\.jsonl:1: the key '{key}' differs from the field '{key.lower()}' only in case"
    ):
        read(path)


def test_run_json_with_method_in_capitals_says_so_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text('{\n  "method": "m",\n  "schema_version": 1,\n  "Method": "n"\n}\n', encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"run\.json:4: the key 'Method' differs from the field 'method' only"):
        read_run_info(path)  # was "unknown fields ['Method']"


# --- integers longer than Python converts ------------------------------------------------------


def test_a_5000_digit_score_names_the_number_and_line(tmp_path: Path) -> None:
    long = json.dumps(SCORE)[:-1] + ', "extra": ' + "9" * 5000 + "}"
    path = _jsonl(tmp_path / "scores.jsonl", json.dumps(SCORE), long)
    with pytest.raises(
        FileFormatError, match=r"scores\.jsonl:2: invalid JSON: Exceeds the limit .* an integer of 5000 digits"
    ) as exc:
        read_scores(path)
    assert "set_int_max_str_digits" not in str(exc.value)  # was Python's advice to the programmer


def test_a_5000_digit_count_in_run_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text('{\n  "method": "m",\n  "schema_version": 1,\n  "videos_ok":\n   -' + "7" * 5000 + "\n}\n")
    # was no line at all
    with pytest.raises(
        FileFormatError,
        match=r"run\.json:5: invalid JSON: Exceeds the limit .* an integer of 5000 digits \(-7777",
    ):
        read_run_info(path)


# --- writers: lone surrogates ----------------------------------------------------------------


def test_write_scores_with_a_lone_surrogate_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    write_scores(path, [ScoreRecord("a.mp4", "q", "m", 0.5)])
    before = path.read_bytes()
    records = [ScoreRecord("a.mp4", "q", "m", 0.5), ScoreRecord("clip_\udcff.mp4", "q", "m", 0.25)]
    # was a UnicodeEncodeError traceback naming no file
    with pytest.raises(WriteError, match=r"scores\.jsonl: record 2 holds a lone surrogate escape.*clip_\\udcff"):
        write_scores(path, records)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["scores.jsonl"]  # no temporary file left


def test_append_with_a_lone_surrogate_appends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    append_jsonl(path, [SCORE])
    before = path.read_bytes()
    with pytest.raises(WriteError, match=r"scores\.jsonl: record 2 holds a lone surrogate"):
        append_jsonl(path, [SCORE, SCORE | {"reason": "x\ud800"}])  # was a UnicodeEncodeError traceback
    assert path.read_bytes() == before
    assert read_scores(path)[0].score == 0.5


def test_write_run_info_with_a_lone_surrogate_keeps_the_old_run_json(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    write_run_info(path, RunInfo(method="m"))
    before = path.read_bytes()
    with pytest.raises(WriteError, match=r"run\.json: holds a lone surrogate escape"):
        write_run_info(path, RunInfo(method="m", settings={"video_dir": "x\udcff"}))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


# --- writers: numbers that are not finite ------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_write_jsonl_never_writes_a_bare_nan(value: float, tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    # was written as the bare NaN / Infinity no standard JSON reader accepts
    with pytest.raises(WriteError, match=r"rows\.jsonl: record 1 holds a number that is not finite"):
        write_jsonl(path, [{"x": [1.0, value]}])
    assert not path.exists()
    with pytest.raises(WriteError, match=r"rows\.jsonl: record 2 holds a number that is not finite"):
        append_jsonl(path, [{"x": 1.0}, {"x": value}])
    assert not path.exists()


def test_write_json_never_writes_a_bare_nan(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_json(path, {"a": 1})
    with pytest.raises(WriteError, match=r"manifest\.json: holds a number that is not finite"):
        write_json(path, {"a": math.nan})
    assert json.loads(path.read_text()) == {"a": 1}
