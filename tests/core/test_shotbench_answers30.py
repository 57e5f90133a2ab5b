"""Round 30: free-text replies to ShotBench questions read as an option letter.

A lower-case letter right after an explicit cue (``answer: b``, ``answer is (b)``, ``option b``,
``choice c``) names that option; it was unparsed, so scored wrong. The cue is what keeps the
article "a" from being read as option A (``option a director would use`` is not A), and a
sentence (``the answer is b``) stays unread as before. ShotBench's own scorer
(Vchitect/ShotBench, evaluation/calculate_scores.py) reads upper-case letters only and sends the
rest to a GPT-4o judge and then a random letter, which are not followed: a reply naming two
letters or a letter that is no option is counted unparsed, not guessed.
"""

from __future__ import annotations

import time

import pytest

from camerabench.records import AnswerRecord
from camerabench.shotbench import Choice, MCQRow, extract_choice
from eval.mcq import mcq_section

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Zoom in", "D": "Static shot"}
UNPARSED = Choice(None, "unparsed")


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("Answer: b", "B"),
        ("answer: (b)", "B"),
        ("answer is (b)", "B"),
        ("The answer is (b).", "B"),
        ("The answer is **c**", "C"),
        ("option b", "B"),
        ("Option b.", "B"),
        ("choice c", "C"),
        ("I choose option d", "D"),
        ("**Answer:** b", "B"),
        ("Final answer: c", "C"),
        ("answer:b", "B"),
        ("Answer - d", "D"),
        ("Answer: a", "A"),
        ("option a.", "A"),
        ("<think>the view rises, so B</think>\n<answer>answer: b</answer>", "B"),
        ("Answer: \uff42", "B"),  # a full-width letter after the cue (NFKC)
        ("answer\uff1a c", "C"),  # a full-width colon
    ],
)
def test_a_lower_case_letter_after_an_answer_cue_names_that_option(reply: str, letter: str) -> None:
    """These were all unparsed: lower-case letters were read only in a one-letter reply."""
    assert extract_choice(reply, OPTIONS) == Choice(letter, "letter")


def test_the_cue_does_not_turn_the_article_into_option_a() -> None:
    assert extract_choice("option a.", OPTIONS) == Choice("A", "letter")
    # "a" followed by a word is the article: the reply names option D's text
    assert extract_choice("option a static shot", OPTIONS) == Choice("D", "text")
    assert extract_choice("Answer: a tilt up", OPTIONS) == Choice("B", "text")
    assert extract_choice("The option a director would use is C", OPTIONS) == Choice("C", "letter")
    assert extract_choice("answer: a wide shot", OPTIONS) == UNPARSED  # no option's text either
    assert extract_choice("Answer: i think b", OPTIONS) == UNPARSED  # the pronoun; "b" has no cue


def test_a_sentence_with_is_and_a_bare_letter_stays_unread_but_a_bracketed_one_is_read() -> None:
    """``the answer is b`` is pinned as no option by an earlier round; ``(b)`` is a label."""
    assert extract_choice("the answer is b", OPTIONS) == UNPARSED
    assert extract_choice("The answer is b.", OPTIONS) == UNPARSED
    assert extract_choice("The correct option is c", OPTIONS) == UNPARSED
    assert extract_choice("The answer is (b).", OPTIONS) == Choice("B", "letter")
    assert extract_choice("The correct option is 'c'", OPTIONS) == Choice("C", "letter")


def test_a_letter_glued_to_a_word_is_no_cued_letter() -> None:
    assert extract_choice("option b.", OPTIONS) == Choice("B", "letter")
    for reply in ("answer: b-roll", "answer: b's", "answer: bb", "options b and c", "answer b"):
        assert extract_choice(reply, OPTIONS) == UNPARSED, reply
    # an abbreviation after the cue is no letter: the reply names B by its text, as it did
    assert extract_choice("Answer: e.g. a tilt up", OPTIONS) == Choice("B", "text")
    assert extract_choice("Answer: i.e. tilt up", {**OPTIONS, "E": "Dolly", "I": "Truck"}) == Choice("B", "text")


def test_a_reply_naming_two_letters_with_a_cue_is_unparsed_not_guessed() -> None:
    """``answer: b or C`` was C and ``The answer is B, not option c`` was B: the lower-case letter
    went unseen. Each reply below names one option by its cue alone (``answer: b``), and two
    with the other letter: which one it means is a guess."""
    replies = {  # two letters -> the same reply naming one
        "answer: b or C": "answer: b",
        "The answer is B, not option c": "The answer is B",
        "answer: b or c": "answer: b",
        "answer: b, not c.": "answer: b.",
        "answer: b. option c": "answer: b.",
        "Answer: b\nAnswer: c": "Answer: b\n",
        "option b or a": "option b",
    }
    for reply, one in replies.items():
        assert extract_choice(reply, OPTIONS) == UNPARSED, reply
        assert extract_choice(one, OPTIONS) == Choice("B", "letter"), one
    # the same rule for upper-case letters, unchanged: ShotBench's can_infer_option wants one hit
    assert extract_choice("A or B", OPTIONS) == UNPARSED
    assert extract_choice("not A, B", OPTIONS) == UNPARSED


def test_a_cued_letter_that_is_no_option_is_unparsed_not_the_text_that_follows() -> None:
    """``option e, tilt up`` with options A-D was B (by its text); as ``E, tilt up`` it names
    an option that does not exist."""
    assert extract_choice("option e, tilt up", OPTIONS) == UNPARSED
    assert extract_choice("Answer: e", OPTIONS) == UNPARSED
    assert extract_choice("E", OPTIONS) == UNPARSED  # unchanged: upper case beyond the options
    five = {**OPTIONS, "E": "Dolly in"}
    assert extract_choice("option e, tilt up", five) == Choice("E", "letter")


def test_a_negated_cue_is_unparsed() -> None:
    assert extract_choice("option b", OPTIONS) == Choice("B", "letter")
    assert extract_choice("not option b", OPTIONS) == UNPARSED
    assert extract_choice("No option a", OPTIONS) == UNPARSED
    assert extract_choice("Tilt up, not option a.", OPTIONS) == UNPARSED  # as "Tilt up, not A" is


def test_a_cued_letter_wins_over_an_option_text_as_an_upper_case_letter_does() -> None:
    """``Answer: b, pan left`` was A (its text); ``B, pan left`` was and is B."""
    assert extract_choice("B, pan left", OPTIONS) == Choice("B", "letter")
    assert extract_choice("Answer: b, pan left", OPTIONS) == Choice("B", "letter")
    # an option's text alone, whole words, case-insensitive: unchanged
    assert extract_choice("tilt UP", OPTIONS) == Choice("B", "text")
    assert extract_choice("It tilts upward", OPTIONS) == UNPARSED
    assert extract_choice("Tilt up or pan left", OPTIONS) == UNPARSED


def test_replies_as_shotvl_and_qwen_write_them() -> None:
    """ShotVL-3B's logged replies (Vchitect/ShotBench eval_results): a think block that may name a
    letter, then ``<answer>X</answer>``; Qwen2.5-VL writes ``B``, ``B.``, ``B. Tilt up``."""
    shotvl = "<think> The view rises. Therefore, the correct answer is D.</think> <answer>B</answer>"
    assert extract_choice(shotvl, OPTIONS) == Choice("B", "letter")
    for reply in ("B", "B.", "B. Tilt up", "The answer is B", "\uff22"):
        assert extract_choice(reply, OPTIONS) == Choice("B", "letter"), reply
    thinking = "<think>Answer: c </think> <answer>answer: b</answer>"
    assert extract_choice(thinking, OPTIONS) == Choice("B", "letter")


def test_the_mcq_section_scores_a_cued_lower_case_letter_and_counts_an_invalid_one_unparsed() -> None:
    rows = [
        MCQRow(str(i), "t", ("video",), (f"video/{i}.mp4",), "Move?", dict(OPTIONS), "B", "camera movement", i + 2)
        for i in range(3)
    ]
    answers = {
        (None, "0"): AnswerRecord("0", "m", "<answer>Answer: b</answer>"),
        (None, "1"): AnswerRecord("1", "m", "option e, tilt up"),
        (None, "2"): AnswerRecord("2", "m", "answer: b or C"),
    }
    res = mcq_section(rows, answers)
    assert res is not None
    assert (res.correct, res.unparsed) == (1, 2)
    assert res.extraction == {"letter": 1, "text": 0, "unparsed": 2}


def test_a_cue_followed_by_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    """``answer`` and 30,000 spaces took 12 s (the label rule's two white-space runs backtracked
    against each other); a 160,000-character reply took minutes."""
    reply = "answer" + " " * 30_000 + "x"
    start = time.perf_counter()
    assert extract_choice(reply, OPTIONS) == UNPARSED
    assert extract_choice("Answer:" + " " * 30_000 + "b", OPTIONS) == Choice("B", "letter")
    assert time.perf_counter() - start < 0.5
