"""Red team R52: multiple-choice keys and the records writers (findings 1, 7 and 8).

Rows and records are refused where they are made, by the rules their readers apply, so that no
writer saves a file its reader refuses and no scorer reads a lower-case key as the article "a".
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.mcq import match_answers, mcq_section, same_number_rows, whole_number
from camerabench.records import (
    AnswerRecord,
    CaptionRecord,
    ScoreRecord,
    read_answers,
    read_captions,
    read_scores,
    write_answers,
    write_captions,
    write_scores,
)
from camerabench.shotbench import MCQRow, extract_choice, read_mcq_table, write_mcq_table

OPTIONS = {"A": "Wide shot", "B": "Close-up"}


def _row(index: str = "1", options: dict[str, str] | None = None, answer: str = "B", line: int = 2) -> MCQRow:
    return MCQRow(index, "t", ("video",), ("v.mp4",), "Shot size?", dict(options or OPTIONS), answer, "shot size", line)


# --------------------------------------------------------------------------- finding 1: option keys


def test_lower_case_option_keys_are_refused_where_a_row_is_made_naming_row_and_key() -> None:
    with pytest.raises(ValueError, match=r"row t/1: option 'a': keys must be letters A-Z.*write 'A'"):
        _row(options={"a": "Wide shot", "b": "Close-up"}, answer="b")


def test_a_row_whose_options_change_after_it_is_made_is_refused_by_the_scorer_and_the_writer(tmp_path: Path) -> None:
    row = _row()
    row.options.clear()
    row.options.update({"a": "Wide shot", "b": "Close-up"})
    with pytest.raises(ValueError, match=r"row t/1: option 'a'"):
        mcq_section([row], {("t", "1"): AnswerRecord("1", "m", "It is a close-up")})
    with pytest.raises(ValueError, match=r"row t/1: option 'a'"):
        write_mcq_table(tmp_path / "t.tsv", [row])
    assert not (tmp_path / "t.tsv").exists()


def test_extract_choice_refuses_lower_case_keys_not_reading_the_article_as_option_a() -> None:
    with pytest.raises(ValueError, match=r"option 'a': keys must be letters A-Z"):
        extract_choice("It is a close-up", {"a": "Wide shot", "b": "Close-up"})
    # the same question with the table's keys is read by its text, and the letter is read
    assert extract_choice("It is a close-up", OPTIONS).letter == "B"
    assert extract_choice("B", OPTIONS).letter == "B"


def test_the_writer_refuses_what_its_reader_refuses_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "t.tsv"
    with pytest.raises(ValueError, match=r"row t/1: options must be a JSON object of at least two options"):
        write_mcq_table(out, [_row(options={"A": "Static"}, answer="A")])
    with pytest.raises(ValueError, match=r"row t/1: index '1' is given twice"):
        write_mcq_table(out, [_row(), _row()])
    assert not out.exists()


def test_valid_rows_round_trip_through_the_table_unchanged(tmp_path: Path) -> None:
    rows = [_row("1"), _row("02", {"A": "Pan left", "B": "Tilt up", "C": "Static"}, "C", 3)]
    write_mcq_table(tmp_path / "t.tsv", rows)
    assert read_mcq_table(tmp_path / "t.tsv") == rows
    answers = {("t", "1"): AnswerRecord("1", "m", "It is a close-up"), ("t", "02"): AnswerRecord("02", "m", "C")}
    res = mcq_section(rows, answers)
    assert res is not None and (res.correct, res.rows, res.pooled_accuracy) == (2, 2, 1.0)


# --------------------------------------------------------------------------- finding 8: index and argument types


def test_an_integer_row_index_is_refused_naming_the_index() -> None:
    with pytest.raises(TypeError, match=r"row t/1: index must be a string .*got int 1"):
        _row(1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"index ' 1' must be non-empty text without white space"):
        _row(" 1")
    with pytest.raises(TypeError, match=r"index must be a string \(an index is text\), got int 1"):
        whole_number(1)


def test_an_integer_answers_key_is_refused_naming_the_key() -> None:
    rows = [_row("1")]
    for call in (match_answers, mcq_section):
        with pytest.raises(TypeError, match=r"answers: the key \('t', 1\) must be \(table or None, index\)"):
            call(rows, {("t", 1): AnswerRecord("1", "m", "B")})
    assert same_number_rows([_row("1"), _row("01")]) is not None


@pytest.mark.parametrize("reply", [None, b"B", 2])
def test_extract_choice_refuses_a_reply_that_is_not_text(reply: object) -> None:
    with pytest.raises(TypeError, match=rf"reply must be a string, got {type(reply).__name__}"):
        extract_choice(reply, OPTIONS)  # type: ignore[arg-type]


def test_extract_choice_refuses_options_that_are_not_a_mapping_of_texts() -> None:
    with pytest.raises(TypeError, match=r"options must be a mapping of option letter to text, got list"):
        extract_choice("B", ["Wide shot", "Close-up"])  # type: ignore[arg-type]
    for text in (None, math.nan, 3):
        with pytest.raises(ValueError, match=r"option 'A': .*got the text"):
            extract_choice("B", {"A": text, "B": "Close-up"})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- finding 7: records


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ScoreRecord("a.mp4", "Q?", "m", None, status="OK"), r"status must be 'ok' or 'failed', got 'OK'"),  # type: ignore[arg-type]
        (lambda: ScoreRecord("", "Q?", "m", 0.5), r"video must be a non-empty string"),
        (lambda: ScoreRecord("a.mp4", " ", "m", 0.5), r"question must be a non-empty string"),
        (lambda: ScoreRecord("a.mp4", "Q?", "", 0.5), r"method must be a non-empty string"),
        (lambda: ScoreRecord("a.mp4", "Q?", "m", "0.5"), r"score must be a number or null, got '0.5'"),  # type: ignore[arg-type]
        (lambda: ScoreRecord("a.mp4", "Q?", "m", np.bool_(True)), r"score must be a number or null"),  # type: ignore[arg-type]
        (lambda: ScoreRecord("a.mp4", "Q?", "m", 10**400), r"score is an integer too large"),
        (lambda: ScoreRecord("a.mp4", "Q?", "m", 0.5, primitive="Pan"), r"primitive 'Pan' is not a primitive"),
        (lambda: CaptionRecord("", "m", "pans left"), r"video must be a non-empty string"),
        (lambda: CaptionRecord("a.mp4", "m", 5), r"caption must be a string or null, got 5"),  # type: ignore[arg-type]
        (lambda: AnswerRecord("", "m", "B"), r"index must be a non-empty string or an integer, got ''"),
        (lambda: AnswerRecord("1", "", "B"), r"method must be a non-empty string"),
        (lambda: AnswerRecord("1", "m", "B", table=""), r"table must be a non-empty string or null"),
        (lambda: AnswerRecord("1", "m", "B", status="OK"), r"status must be 'ok' or 'failed'"),  # type: ignore[arg-type]
    ],
)
def test_records_are_refused_when_made_as_their_readers_refuse_them(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_the_readers_refuse_those_lines_with_the_same_words(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    line = {"video": "a.mp4", "question": "Q?", "method": "m", "score": None, "status": "OK", "schema_version": 1}
    path.write_text(json.dumps(line) + "\n")
    with pytest.raises(ValueError, match=r"scores.jsonl:1: status must be 'ok' or 'failed', got 'OK'"):
        read_scores(path)


def test_numpy_scores_are_their_python_values_and_round_trip(tmp_path: Path) -> None:
    records = [
        ScoreRecord("a.mp4", "Q?", "m", np.float32(0.5)),  # type: ignore[arg-type]
        ScoreRecord("b.mp4", "Q?", "m", np.int64(2)),  # type: ignore[arg-type]
        ScoreRecord("c.mp4", "Q?", "m", None, "failed", "decode error"),
    ]
    assert [type(r.score) for r in records[:2]] == [float, float] and records[1].score == 2.0
    write_scores(tmp_path / "s.jsonl", records)
    assert read_scores(tmp_path / "s.jsonl") == records


def test_valid_answer_and_caption_records_round_trip_unchanged(tmp_path: Path) -> None:
    answers = [AnswerRecord("01", "m", "<answer>B</answer>", table="t"), AnswerRecord("2", "m", None, "failed", "oom")]
    write_answers(tmp_path / "a.jsonl", answers)
    assert read_answers(tmp_path / "a.jsonl") == answers
    # an integer index is the answers.jsonl format's number: kept as its text, as the reader reads it
    assert AnswerRecord(7, "m", "B").index == "7"  # type: ignore[arg-type]
    captions = [CaptionRecord("a.mp4", "m", "The camera pans left."), CaptionRecord("b.mp4", "m", None, "failed", "x")]
    write_captions(tmp_path / "c.jsonl", captions)
    assert read_captions(tmp_path / "c.jsonl") == captions
