"""Eleventh hostile-input round, multiple-choice reply parsing: replies that named one option and
were read as another (a letter in a think block, a letter the reply rejects, the text fallback
after two letters, a second ``<answer>`` tag), replies lost to zero-width characters or look-alike
letters, and a reply that took time quadratic in its length."""

from __future__ import annotations

import pytest

from camerabench.eval.mcq import Choice, extract_choice, mcq_section
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow, answer_text

MOVES = {"A": "Pan left", "B": "Pan right", "C": "Tilt up", "D": "Static"}
SHOT_SIZES = {"A": "Close-up", "B": "Extreme close-up", "C": "Medium shot", "D": "Wide shot"}
NESTED = {"A": "Pan", "B": "Pan left", "C": "Tilt up", "D": "Static"}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("The answer is B.", Choice("B", "letter")),
        ("Answer: (C)", Choice("C", "letter")),
        ("**B**", Choice("B", "letter")),
        ("B) Pan left", Choice("B", "letter")),  # the letter wins over the text it is given with
        ("Option B", Choice("B", "letter")),
        ("b.", Choice("B", "letter")),
        ("Pan left", Choice("A", "text")),
        ("<answer>D</answer>", Choice("D", "letter")),
        ("<think>Maybe A, maybe B, C?</think><answer>D</answer>", Choice("D", "letter")),
        ("\\boxed{B}", Choice("B", "letter")),
        ("Not sure, but B", Choice("B", "letter")),  # a negation of another word
        ("No doubt: B", Choice("B", "letter")),
        ("B" + " and so on" * 1000, Choice("B", "letter")),  # a 10,000-character reply
        ("\uff21", Choice("A", "letter")),  # full width
    ],
)
def test_replies_read_right_before_are_read_the_same(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, MOVES) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "I think it's A or B",
        "Not A; it is C",
        "A. No wait, D.",
        "None of the above",
        "",
        "   \n\t ",
        "E",
        "The answer is E",
        "The camera pans left.",  # no option's text as written
        "Pan left or pan right",
        "x " * 5000,
    ],
)
def test_replies_naming_two_options_or_none_are_unparsed(reply: str) -> None:
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")


@pytest.mark.parametrize(
    ("reply", "options", "expected"),
    [("Pan", NESTED, Choice("A", "text")), ("pan left", NESTED, Choice("B", "text"))],
)
def test_an_option_text_inside_another_names_only_itself(reply: str, options: dict[str, str], expected: Choice) -> None:
    assert extract_choice(reply, options) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # was B: the "B." in the thinking was the one letter of the reply
        ("<think>\nNot B.\n</think>\nStatic", Choice("D", "text")),
        # a chat template opens the think block, so the reply only closes it: was B
        ("Not B.\n</think>\nStatic", Choice("D", "text")),
        # was unparsed: the thinking's A and the answer's C were two letters
        ("<think>Option A. pans left? </think>\nThe answer is C", Choice("C", "letter")),
        # an answer tag inside the thinking is thinking: was A
        ("<think>draft: <answer>A</answer></think><answer>C</answer>", Choice("C", "letter")),
        # the stop string </answer> is cut off the reply: was unparsed
        ("<think>it rises</think><answer>C", Choice("C", "letter")),
    ],
)
def test_the_think_block_is_not_the_answer(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, MOVES) == expected


@pytest.mark.parametrize("reply", ["<think>I'd pick A. Let me check the", "<think>B.", "Hmm, C.</think>"])
def test_a_reply_cut_off_while_thinking_names_no_option(reply: str) -> None:
    """A reply stopped at its token limit inside the think block was read by the letter it was
    weighing (``A``): it gave no answer."""
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")


def test_two_answer_tags_naming_different_options_are_unparsed() -> None:
    """The first tag was taken (A), the second ignored."""
    assert extract_choice("<answer>A</answer><answer>B</answer>", MOVES) == Choice(None, "unparsed")
    assert extract_choice("<answer>A</answer> <answer>(A)</answer>", MOVES) == Choice("A", "letter")


def test_the_answer_text_of_a_reasoning_reply_leaves_out_the_thinking() -> None:
    # answer_text is also what the GRPO trainer's yes/no reward reads
    assert answer_text("<think>yes or no? It rises.</think>No") == "No"
    assert answer_text("<answer>Yes</answer><answer>No</answer>") == "Yes No"
    assert answer_text("<think>cut off") == ""


def test_two_letters_are_unparsed_whatever_option_text_the_reply_names() -> None:
    """Was A: two letters fell through to the text rule, which found the text of the option the
    reply rejects."""
    reply = "Answer: B. Explanation: option A would be a pan left."
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")


@pytest.mark.parametrize(
    "reply",
    [
        "Not B",
        "The answer is not B",
        "It isn't B",
        "It isn\u2019t (B)",
        "not pan left",
        "It is not static",
        "NOT STATIC",
    ],
)
def test_an_option_the_reply_rejects_is_not_its_answer(reply: str) -> None:
    """Each was read as the option it rejects."""
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")


def test_the_article_a_before_several_option_texts_is_unparsed() -> None:
    """Was option A: the article ``A`` fell back to the letter when two texts were named."""
    assert extract_choice("A wide shot, not a close-up", SHOT_SIZES) == Choice(None, "unparsed")
    assert extract_choice("A medium shot.", SHOT_SIZES) == Choice("C", "text")  # unchanged
    assert extract_choice("A is correct", SHOT_SIZES) == Choice("A", "letter")  # unchanged


@pytest.mark.parametrize(
    ("reply", "letter"),
    [("\u0410", "A"), ("\u0412", "B"), ("Answer: \u0421", "C"), ("\u0391", "A"), ("<answer>\u0412</answer>", "B")],
)
def test_a_lone_cyrillic_or_greek_look_alike_letter_is_that_letter(reply: str, letter: str) -> None:
    """Was unparsed: Cyrillic ``А``/``В``/``С`` and Greek ``Α`` are drawn as A, B, C."""
    assert extract_choice(reply, MOVES) == Choice(letter, "letter")


def test_look_alike_letters_in_a_cyrillic_reply_stay_words() -> None:
    # "В кадре" is Russian ("in the frame"): its В is a word, not option B
    assert extract_choice("\u0412 \u043a\u0430\u0434\u0440\u0435 C", MOVES) == Choice("C", "letter")


@pytest.mark.parametrize("reply", ["B\u200b", "\u200bB", "\ufeffThe answer is B\u200d."])
def test_zero_width_characters_do_not_hide_the_letter(reply: str) -> None:
    """Was unparsed: a zero-width space glued to ``B`` made a token that is no letter."""
    assert extract_choice(reply, MOVES) == Choice("B", "letter")


def test_many_unclosed_answer_tags_are_read() -> None:
    """160,000 characters of ``<answer>`` took 28 s (the tag expression rescanned to the end from
    each one); the tags are now walked once. (No clock here: 40,000 characters took 2 s before.)"""
    assert extract_choice("<answer>" * 5000, MOVES) == Choice(None, "unparsed")
    assert extract_choice("<answer>" * 5000 + "B", MOVES) == Choice("B", "letter")
    assert extract_choice("<think>" * 5000 + "</think>B", MOVES) == Choice("B", "letter")


def test_the_section_counts_hostile_replies_as_unparsed() -> None:
    replies = {
        "1": "<think>Not B.</think>Static",  # right (D)
        "2": "Answer: B. Explanation: option A would be a pan left.",  # unparsed
        "3": "Not B",  # unparsed
        "4": "<answer>A</answer><answer>B</answer>",  # unparsed
        "5": "\u0412",  # right (B)
    }
    answers = {"1": "D", "2": "A", "3": "B", "4": "A", "5": "B"}
    rows = [MCQRow(i, "t", ("video",), ("v.mp4",), "q", MOVES, answers[i], "camera movement", int(i)) for i in replies]
    records = {(None, i): AnswerRecord(index=i, method="m", answer=r) for i, r in replies.items()}
    section = mcq_section(rows, records)
    assert section is not None
    assert (section.correct, section.unparsed, section.rows) == (2, 3, 5)
    assert section.extraction == {"letter": 1, "text": 1, "unparsed": 3}
    assert section.pooled_accuracy == pytest.approx(2 / 5)


@pytest.mark.parametrize(
    "reply",
    [
        "E. Pan left",
        "E) Pan left",
        "E: pan left",
        "(E) Pan left",
        "**E.** Pan left",
        "e. pan left",
        "<answer>E. Pan left</answer>",
        "<think>it pans</think>\nE. Pan left",
        "The answer is E. Pan left",
        "Answer: (E) pan left",
        "Option E: pan left",
    ],
)
def test_a_label_letter_that_is_no_option_is_unparsed(reply: str) -> None:
    """Was A (by the text "Pan left"): the reply names option E, which does not exist."""
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")


@pytest.mark.parametrize(
    ("reply", "options", "expected"),
    [
        ("A wide shot", SHOT_SIZES, Choice("D", "text")),  # the article, not a label
        ("I think pan left", MOVES, Choice("A", "text")),  # the pronoun
        ("e.g. pan left", MOVES, Choice("A", "text")),  # an abbreviation, not a label
        ("A. Pan left", MOVES, Choice("A", "letter")),
        ("Answer: B. Pan right", MOVES, Choice("B", "letter")),
        ("E. Pan left", {**MOVES, "E": "Pan up"}, Choice("E", "letter")),  # E exists: the letter wins
        ("E. Truck left", {**MOVES, "E": "Truck left"}, Choice("E", "letter")),
    ],
)
def test_label_letters_that_are_options_or_words_are_read_as_before(
    reply: str, options: dict[str, str], expected: Choice
) -> None:
    assert extract_choice(reply, options) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("No, B", Choice("B", "letter")),
        ("No. B", Choice("B", "letter")),
        ("No - the answer is B", Choice("B", "letter")),
        ("No! (B)", Choice("B", "letter")),
        ("No, pan right", Choice("B", "text")),
        ("No. Static.", Choice("D", "text")),
    ],
)
def test_a_no_followed_by_punctuation_is_an_interjection(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, MOVES) == expected


@pytest.mark.parametrize("reply", ["No B", "No static", "No, not B", "No. It isn't static"])
def test_a_no_or_not_right_before_the_option_still_rejects_it(reply: str) -> None:
    assert extract_choice(reply, MOVES) == Choice(None, "unparsed")
