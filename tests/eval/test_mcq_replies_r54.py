"""MCQ replies whose thinking writes ``<answer>`` tags: an answer tag inside the thinking is
thinking, so it must not make the reply's real answer (outside the thinking) go unread."""

from __future__ import annotations

import pytest

from camerabench.eval.mcq import Choice, extract_choice, mcq_section
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow, answer_text

OPTIONS = {"A": "Pan left", "B": "Dolly in", "C": "Tilt up", "D": "Static"}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # the reasoning prompt names the tags; a model quoting them while thinking, then answering
        # after </think> without tags: the answer was read from the empty tags only (unparsed)
        ("<think>I must give the letter inside <answer></answer>. It moves forward.</think>\nB", Choice("B", "letter")),
        ("<think>so <answer>A</answer>? no, it moves forward</think>B", Choice("B", "letter")),
        ("<think>draft <answer>C</answer></think>\n\nDolly in", Choice("B", "text")),
        # a chat template that opens the think block: the tags before </think> are thinking too
        ("format: <answer>A</answer>, the view moves forward</think>\n\nThe answer is B.", Choice("B", "letter")),
    ],
)
def test_answer_tags_inside_thinking_do_not_hide_the_answer(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, OPTIONS) == expected


def test_answer_text_of_tags_only_inside_thinking_is_the_reply_outside_it() -> None:
    assert answer_text("<think>use <answer></answer></think> (B) ") == "B"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # unchanged: tags outside the thinking still decide, and two of them naming two letters are unparsed
        ("<think>format <answer>X</answer></think><answer>B</answer>", Choice("B", "letter")),
        ("<think>draft <answer>A</answer></think>C<answer>B</answer>", Choice("B", "letter")),
        ("<answer>B</answer><answer>C</answer>", Choice(None, "unparsed")),
        # a reply cut off inside its thinking answers nothing, whatever tags it wrote there
        ("<think>the view rises, <answer>C</answer>", Choice(None, "unparsed")),
        ("<think>A is wrong</think><answer></answer>", Choice(None, "unparsed")),
    ],
)
def test_answer_tags_outside_thinking_still_decide(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, OPTIONS) == expected


def test_scored_correct_in_the_mcq_section() -> None:
    row = MCQRow("0", "t", ("video",), ("video/0.mp4",), "How does it move?", OPTIONS, "B", "camera movement", 2)
    reply = "<think>I must answer inside <answer></answer>; the view moves forward.</think>\nB"
    res = mcq_section([row], {("t", "0"): AnswerRecord("0", "m", reply, table="t")})
    assert res is not None
    assert (res.correct, res.unparsed) == (1, 0)
    assert res.extraction == {"letter": 1, "text": 0, "unparsed": 0}
