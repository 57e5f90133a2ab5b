"""ShotBench replies in Japanese and Korean read as their option letter, as the Chinese ones do.

Japanese and Korean answer cues (``答え：b``, ``正解は（b）``, ``選択肢b``, ``정답: b``, ``답: b``,
``정답은 (b)``) left a lower-case letter unparsed, and a negation that follows the letter
(``Bではない``, ``B가 아니``, ``B번이 아닙니다``) was read as B. Upper-case letters next to kana or
hangul (``答えはB``, ``Bです``, ``B입니다``, ``B번``) were read already and still are.
"""

from __future__ import annotations

import pytest

from camerabench.shotbench import Choice, extract_choice

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot", "D": "Zoom in"}
B = Choice("B", "letter")
UNPARSED = Choice(None, "unparsed")


@pytest.mark.parametrize(
    "reply",
    [
        "答え：b",  # answer: b
        "答え：bです",  # answer: b (polite copula after the letter)
        "答えは：b",
        "答えは（b）",  # the answer is (b)
        "答えは「b」です",
        "正解：b",  # correct answer: b
        "正解は【b】",
        "正解は（b）です。",
        "選択肢b",  # option b
        "選択肢 b",
        "選択肢（b）",
        "정답: b",  # correct answer: b
        "정답：b입니다",
        "정답은: b",
        "정답은 (b)",  # the correct answer is (b)
        "정답은 (b)입니다",
        "정답: b번",  # answer: number b
        "답: b",  # answer: b
        "답은 (b)",
        "<think>カメラが上を向く</think>答え：b",
    ],
)
def test_a_japanese_or_korean_cue_makes_a_lower_case_letter_a_label(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == B


@pytest.mark.parametrize(
    "reply",
    ["答え：B", "答えはB", "正解はB", "正解：B", "Bです", "選択肢B", "정답: B", "정답은 B", "답: B", "B입니다", "B번"],
)
def test_upper_case_letters_next_to_kana_or_hangul_still_read(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == B


def test_a_bare_lower_case_letter_after_is_stays_unparsed_as_in_chinese() -> None:
    # 答案是b (the answer is b) is a sentence, not a label; so are 答えはb, 正解はb, 정답은 b; a word
    # after a lower-case letter (です, 입니다, 번) is no cue, as 项 in b项 is none
    replies = ["答案是b", "答えはb", "正解はb", "정답은 b", "답은 b", "bです", "b입니다", "b번", "b项"]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)


@pytest.mark.parametrize(
    "reply",
    [
        "Bではない",  # not B: was read as B
        "Bではありません",
        "Bじゃない",
        "Bは正解ではない",  # B is not the correct answer
        "答えはBではない",
        "【B】ではない",
        "答え：bではない",  # a cued lower-case letter, negated
        "B가 아니",  # not B
        "B이 아니",
        "B가 아닙니다",
        "B는 아님",
        "B번이 아닙니다",  # not number B
        "B가 정답이 아닙니다",  # B is not the correct answer
        "정답: b가 아니",
        "Tilt upではない",  # the option text, negated
        "Tilt up이 아닙니다",
    ],
)
def test_a_negation_after_the_letter_rejects_it(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == UNPARSED


def test_a_letter_then_an_unrelated_word_is_no_negation() -> None:
    # 問題ない (no problem) and 아이 (child) are not ではない and 아니
    assert extract_choice("Bで問題ない", OPTIONS) == B
    assert extract_choice("B 아이", OPTIONS) == B
    assert extract_choice("SUBではない。答え：B", OPTIONS) == B  # the B of SUB stands not alone


def test_a_reply_naming_two_letters_stays_unparsed() -> None:
    replies = [
        "答え：b、c",
        "答え：b、cではない",  # b, not c: two letters, as "answer: b, not c" is
        "正解は（b）か（c）",
        "選択肢bまたはc",
        "정답: b 또는 c",
        "정답은 (b), (c)가 아니라",
        "답: b번 또는 c번",
    ]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)


def test_a_cued_letter_that_is_no_option_stays_unparsed() -> None:
    replies = ["答え：e", "正解は（e）", "選択肢e", "정답: e", "답: e", "정답은 (e)"]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)


def test_english_cues_and_negations_are_unchanged() -> None:
    assert extract_choice("answer: b", OPTIONS) == B
    assert extract_choice("the answer is b", OPTIONS) == UNPARSED
    assert extract_choice("not B", OPTIONS) == UNPARSED
    assert extract_choice("B, not a close-up", OPTIONS) == B
