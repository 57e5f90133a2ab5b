"""Hostile inputs for GRPO, sixteenth round: yes/no replies that negate their answer (``I can't
say yes``) or contradict it (``Yes, it does not pan left``) were read as that answer and rewarded;
unparsed replies are counted per step; a group of equal rewards got a small advantage of one sign
from the rounding of its mean; NaN or infinite rewards are refused by name."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
from camerabench.baselines.vlm.grpo import GRPOConfig, GRPOPrompt, extract_yes_no, group_advantages, score_completion
from camerabench.errors import CameraBenchError

_YES = GRPOPrompt("Does the camera pan left?", "Yes", "binary", video="a.mp4")
_NO = GRPOPrompt("Does the camera pan left?", "No", "binary", video="a.mp4")

# --------------------------------------------------------------------------- negated yes/no

#: (reply, reading): None is unparsed. The first group was read as the negated word before.
_REPLIES = [
    # a yes/no right after a negation, filler words between: rejected, not given
    ("I can't say yes", None),
    ("I would not say yes", None),
    ("not yes", None),
    ("I cannot say yes", None),
    ("I don\u2019t think the answer is yes", None),
    ("never yes", None),
    ("hardly a yes", None),
    ('not "yes"', None),
    ("not **yes**", None),
    ("I wouldn't say no", None),
    ("I am not sure it's yes", None),
    ("I'm not going to say yes", None),
    ("<think>it pans</think><answer>not yes</answer>", None),
    ("<answer>Not YES</answer>", None),
    ("ＮＯＴ ＹＥＳ", None),  # full-width, read in NFKC form
    # a Yes whose clause negates the question's verb: contradicts itself
    ("Yes, it does not pan left", None),
    ("Yes, the camera doesn't pan left", None),
    ("Yes, it cannot be static", None),
    # clear answers stay
    ("No, it does not", "No"),
    ("No, it doesn't.", "No"),
    ("Yes.", "Yes"),
    ("yes, the camera pans left", "Yes"),
    ("<answer>No</answer>", "No"),
    ("ＹＥＳ", "Yes"),
    ("Yes, it does", "Yes"),
    ("Yes, definitely", "Yes"),
    ("Answer: NO", "No"),
    ("No, the camera is static", "No"),
    ("No, not at all", "No"),
    # punctuation ends a negation's reach; a negated word that is no filler does not reach
    ("Not sure, but yes", "Yes"),
    ("Not at all. No.", "No"),
    ("Not really, no.", "No"),
    ("Yes, it pans left, not right", "Yes"),
    ("Yes. It does not stop moving.", "Yes"),
    ("The camera does not move, so no.", "No"),
    ("It doesn't stay still so yes", "Yes"),
    ("knot yes", "Yes"),
    ("<think>not yes? maybe</think><answer>Yes</answer>", "Yes"),  # the thinking is not the answer
    # unparsed as before
    ("yes or no", None),
    ("maybe", None),
    ("Nope", None),
    ("", None),
]


@pytest.mark.parametrize(("reply", "reading"), _REPLIES)
def test_yes_no_reading(reply: str, reading: str | None) -> None:
    assert extract_yes_no(reply) == reading


@pytest.mark.parametrize("reply", ["<think>x</think><answer>I can't say yes</answer>", "Yes, it does not pan left"])
def test_negated_yes_is_not_rewarded_and_is_counted_unparsed(reply: str) -> None:
    for target in (_YES, _NO):  # neither answer: the reply gave none
        reward = score_completion(reply, target, GRPOConfig())
        assert (reward.correct, reward.parsed) == (False, False)
    formatted = score_completion(reply, _YES, GRPOConfig())
    assert formatted.value == pytest.approx(0.1 if formatted.format_ok else 0.0)


def test_clear_answer_is_parsed() -> None:
    reward = score_completion("<think>x</think><answer>No, it does not</answer>", _NO, GRPOConfig())
    assert (reward.correct, reward.parsed, reward.value) == (True, True, pytest.approx(1.0))
    wrong = score_completion("<think>x</think><answer>Yes</answer>", _NO, GRPOConfig())
    assert (wrong.correct, wrong.parsed) == (False, True)


def test_negation_check_is_linear_on_a_long_reply() -> None:
    assert extract_yes_no("not " * 20_000 + "yes") is None
    assert extract_yes_no("n't say " * 15_000 + ". yes") == "Yes"
    assert extract_yes_no("yes, " + "it " * 40_000) == "Yes"


def test_step_counts_unparsed_completions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step whose groups all get equal rewards returns before any update: the count is the reward's."""
    replies = {1: "not yes", 2: "I can't say yes", 3: "Yes", 4: "maybe"}
    monkeypatch.setattr(grpo_module, "_sample", lambda model, vl, enc, config, eos: [torch.tensor([i]) for i in (1, 2)])
    vl: Any = type("VL", (), {"decode": staticmethod(lambda c: replies[int(c[0])])})()
    model: Any = type("M", (), {"eval": lambda self: None})()
    config = GRPOConfig(group_size=2, prompts_per_step=1)
    stats = grpo_module._step(
        model, vl, [_NO], lambda p: None, lambda e, c: None, None, [], contextlib.nullcontext(), config, [0]
    )
    assert (stats.unparsed, stats.accuracy, stats.filtered) == (2, 0.0, 1)


# --------------------------------------------------------------------------- advantages


@pytest.mark.parametrize(("value", "size"), [(0.9, 8), (0.9, 3), (0.1, 8), (0.3, 6), (0.7, 12)])
def test_equal_rewards_have_exactly_zero_advantage_when_kept(value: float, size: int) -> None:
    """The float32 mean of ``size`` copies of ``value`` is off by a unit in the last place: divided
    by the 1e-4 guard it gave every completion of the group an advantage of one sign (-6e-4 for a
    default group of 8 answers all right and all unformatted, 0.9) when filtering was off."""
    rewards = torch.tensor([[value] * size, [1.0] + [0.0] * (size - 1)], dtype=torch.float32)
    adv, keep = group_advantages(rewards, filter_groups=False)
    assert adv[0].tolist() == [0.0] * size
    assert keep.tolist() == [True, True]
    assert adv[1, 0] > 0 and math.isclose(float(adv[1].sum()), 0.0, abs_tol=1e-5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_rewards_are_refused_by_group_and_completion(bad: float) -> None:
    rewards = torch.tensor([[1.0, 0.0, 1.0], [0.0, bad, 1.0]])
    with pytest.raises(CameraBenchError, match=r"rewards must be finite numbers, got .* in group 1 \(completion 1\)"):
        group_advantages(rewards)


def test_reward_weights_beyond_float32_are_refused_not_blamed_on_the_lr() -> None:
    """Weights finite as Python floats but whose reward overflows the float32 tensor of a step."""
    config = GRPOConfig(accuracy_weight=1e39, format_weight=0.1)
    values = [score_completion(r, _YES, config).value for r in ("Yes", "No")]
    with pytest.raises(CameraBenchError, match="rewards must be finite numbers, got inf in group 0"):
        group_advantages(torch.tensor([values], dtype=torch.float32))
