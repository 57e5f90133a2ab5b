"""MCQ answer extraction against hand-worked replies, and accuracy against hand counts."""

from __future__ import annotations

import math

import pytest

from camerabench.eval.mcq import Choice, extract_choice, mcq_section
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow

OPTIONS = {"A": "Close-up", "B": "Extreme close-up", "C": "Medium shot", "D": "Wide shot"}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("B", Choice("B", "letter")),
        ("(B)", Choice("B", "letter")),
        ("B. Extreme close-up", Choice("B", "letter")),
        ("**C**", Choice("C", "letter")),
        ("The answer is [D]!", Choice("D", "letter")),
        ("D; final answer: D", Choice("D", "letter")),  # the same letter twice is one letter
        ("<think>A or B? The face fills the frame.</think><answer>B</answer>", Choice("B", "letter")),
        ("<ANSWER> c </ANSWER>", Choice("C", "letter")),  # a reply of one letter and nothing else, in any case
        ("It is a wide shot.", Choice("D", "text")),
        ("medium SHOT", Choice("C", "text")),
        ("a medium shot", Choice("C", "text")),  # the article 'a' is not option A
        ("Extreme close-up", Choice("B", "text")),  # 'Close-up' appears only inside it
        ("An extreme close-up, not a close-up", Choice(None, "unparsed")),  # 'close-up' on its own too
        ("close-up", Choice("A", "text")),
        ("A or B", Choice(None, "unparsed")),
        ("I cannot tell.", Choice(None, "unparsed")),
        ("", Choice(None, "unparsed")),
        ("E", Choice(None, "unparsed")),  # not an option of this row
    ],
)
def test_extraction_rules(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, OPTIONS) == expected


def _row(index: str, category: str, answer: str = "A") -> MCQRow:
    return MCQRow(
        index, "t", ("image",), (f"image/{index}.jpg",), "q?", dict(OPTIONS), answer, category, int(index) + 2
    )


def test_accuracy_per_category_mean_and_pooled_by_hand() -> None:
    rows = [_row("0", "shot size"), _row("1", "shot size"), _row("2", "shot size"), _row("3", "lens size")]
    answers = {
        (None, "0"): AnswerRecord("0", "m", "A"),  # right
        (None, "1"): AnswerRecord("1", "m", "Wide shot"),  # wrong (text rule -> D)
        (None, "2"): AnswerRecord("2", "m", "no idea"),  # unparsed: wrong
        ("t", "3"): AnswerRecord("3", "m", "<answer>A</answer>", table="t"),  # right
    }
    res = mcq_section(rows, answers)
    assert res is not None
    assert res.per_category["shot size"].accuracy == pytest.approx(1 / 3)
    assert res.per_category["lens size"].accuracy == 1.0
    assert res.mean_accuracy == pytest.approx((1 / 3 + 1) / 2)  # ShotBench's Avg: categories weigh the same
    assert res.pooled_accuracy == pytest.approx(2 / 4)
    assert (res.rows, res.correct, res.unparsed, res.failed, res.missing) == (4, 2, 1, 0, 0)
    assert res.extraction == {"letter": 2, "text": 1, "unparsed": 1}


def test_failed_and_missing_rows_under_both_policies() -> None:
    rows = [_row("0", "camera movement"), _row("1", "camera movement"), _row("2", "camera movement")]
    answers = {
        (None, "0"): AnswerRecord("0", "m", "A"),
        (None, "1"): AnswerRecord("1", "m", None, "failed", "video could not be decoded"),
    }  # row 2 has no record
    lowest = mcq_section(rows, answers, "lowest")
    assert lowest is not None and lowest.pooled_accuracy == pytest.approx(1 / 3)
    assert (lowest.failed, lowest.missing, lowest.note) == (1, 1, None)
    drop = mcq_section(rows, answers, "drop")
    assert drop is not None and drop.pooled_accuracy == 1.0
    assert drop.per_category["camera movement"].scored == 1
    assert drop.note is not None and "2 failed or missing rows left out" in drop.note


def test_a_category_with_nothing_scored_is_nan_with_a_warning() -> None:
    rows = [_row("0", "composition"), _row("1", "shot size")]
    answers = {
        (None, "0"): AnswerRecord("0", "m", None, "failed", "image could not be decoded"),
        (None, "1"): AnswerRecord("1", "m", "A"),
    }
    with pytest.warns(UserWarning, match="undefined .* for composition"):
        res = mcq_section(rows, answers, "drop")
    assert res is not None and math.isnan(res.per_category["composition"].accuracy)
    assert res.per_category["composition"].covered
    assert res.mean_accuracy == 1.0  # over the categories where accuracy is defined
    assert mcq_section([], answers) is None


def test_categories_without_any_answer_are_outside_coverage() -> None:
    # a geometric method answers camera movement only; lighting is not counted against it
    rows = [_row("0", "camera movement"), _row("1", "camera movement"), _row("2", "lighting type")]
    answers = {(None, "0"): AnswerRecord("0", "fast", "A"), (None, "1"): AnswerRecord("1", "fast", "B")}
    res = mcq_section(rows, answers, "lowest")
    assert res is not None
    lighting = res.per_category["lighting type"]
    assert not lighting.covered and math.isnan(lighting.accuracy) and lighting.scored == 0
    assert res.mean_accuracy == 0.5 and res.pooled_accuracy == 0.5
    assert res.rows == 3 and res.missing == 0
    assert res.note == "outside the method's coverage (no answer recorded): lighting type"


def test_the_section_round_trips_through_the_json_document() -> None:
    from camerabench.eval.results import MCQResult, strict_json

    rows = [_row("0", "camera movement"), _row("1", "lighting type")]
    res = mcq_section(rows, {(None, "0"): AnswerRecord("0", "m", "A")})
    assert res is not None
    doc = strict_json(res.to_dict())
    assert doc["per_category"]["lighting type"]["accuracy"] is None
    back = MCQResult.from_dict(doc)
    assert back.per_category["camera movement"] == res.per_category["camera movement"]
    assert math.isnan(back.per_category["lighting type"].accuracy)
