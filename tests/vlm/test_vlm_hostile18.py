"""Hostile inputs, eighteenth round: a ``min_pixels`` option above ``mcq_max_pixels`` failed every
multiple-choice row one by one; GRPO and training settings finite in float64 but not in float32
(the rewards, the KL term and Adam run in float32), or that round to 0 there, passed the check;
the GRPO reward functions crashed on a completion that is not text, scored a case-variant nested
tag as well formed and scored every completion wrong against a target it cannot equal; group
advantages failed on integer rewards and overflowed in half precision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.config import DEFAULT_FORMAT_PATTERN, GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import GRPOPrompt, group_advantages, score_completion
from camerabench.errors import CameraBenchError
from camerabench.shotbench import MCQRow

_ROW = MCQRow("0", "t", ("video",), ("v.mp4",), "How?", {"A": "Pan left", "B": "Tilt up"}, "B", "m", 2)
_MCQ = GRPOPrompt("p", "B", "mcq", row=_ROW)
_YES = GRPOPrompt("p", "Yes", "binary", video="v.mp4")

# --------------------------------------------------------------------------- min_pixels vs mcq_max_pixels


def test_min_pixels_option_above_mcq_max_pixels_is_refused_up_front() -> None:
    """Accepted, then every multiple-choice row failed with the same CameraBenchError at run time."""
    with pytest.raises(
        CameraBenchError,
        match=r"option min_pixels \(100000\) exceeds option mcq_max_pixels \(50000\).*multiple-choice",
    ):
        qwen.QwenVLOptions(model="m", min_pixels=100_000, mcq_max_pixels=50_000).check_values("qwen-vl")


def test_min_pixels_option_above_default_mcq_max_pixels_says_it_is_the_default() -> None:
    with pytest.raises(
        CameraBenchError, match=r"option min_pixels \(300000\) exceeds option mcq_max_pixels \(230400, its default\)"
    ):
        qwen.QwenVLOptions(model="m", min_pixels=300_000, max_pixels=400_000).check_values("qwen-vl")


def test_min_pixels_option_above_mcq_max_pixels_is_refused_before_the_checkpoint_is_read(tmp_path: Path) -> None:
    """The predictor refuses it when built (the runner builds one in the main process before any row)."""
    with pytest.raises(CameraBenchError, match=r"min_pixels \(100000\) exceeds option mcq_max_pixels \(50000\)"):
        qwen.QwenVLPredictor(model=str(tmp_path / "none"), min_pixels=100_000, mcq_max_pixels=50_000)


def test_min_pixels_option_within_both_caps_is_accepted() -> None:
    qwen.QwenVLOptions(model="m", min_pixels=50_000, mcq_max_pixels=50_000).check_values("qwen-vl")


# --------------------------------------------------------------------------- float32 range of the settings


@pytest.mark.parametrize("name", ["accuracy_weight", "format_weight", "kl_coef", "lr"])
def test_grpo_float_beyond_float32_is_refused(name: str) -> None:
    """1e39 is finite in float64 but inf in float32, where rewards and the loss are computed
    (a temperature that large is refused by its own bound, MAX_TEMPERATURE: test_generation_bounds46)."""
    with pytest.raises(CameraBenchError, match=rf"GRPO: {name} .*float32.*got 1e\+39"):
        GRPOConfig(**{name: 1e39}).check()


def test_grpo_reward_weights_whose_sum_overflows_float32_are_refused() -> None:
    """Each fits in float32, their sum (a completion right and well formed) does not: an inf reward."""
    config = GRPOConfig(accuracy_weight=3e38, format_weight=3e38)
    with pytest.raises(CameraBenchError, match=r"accuracy_weight \+ format_weight = 6e\+38.*float32"):
        config.check()


def test_train_lr_beyond_float32_is_refused() -> None:
    with pytest.raises(CameraBenchError, match=r"training: lr .*float32.*got 1e\+39"):
        TrainConfig(lr=1e39).check()


@pytest.mark.parametrize(("config", "name"), [(GRPOConfig(lr=1e-50), "lr"), (TrainConfig(lr=1e-50), "lr")])
def test_positive_lr_that_is_zero_in_float32_is_refused(config: Any, name: str) -> None:
    """Adam stepped by 0: the run trained nothing and saved the base model."""
    with pytest.raises(CameraBenchError, match=rf"{name} 1e-50 is 0 in float32"):
        config.check()


def test_kl_coef_that_is_zero_in_float32_is_refused() -> None:
    """A reference model was kept and run for a KL term that came to 0."""
    with pytest.raises(CameraBenchError, match=r"kl_coef 1e-50 is 0 in float32"):
        GRPOConfig(kl_coef=1e-50).check()


def test_reward_weights_below_the_advantage_guard_are_refused() -> None:
    """Reward differences of 1e-9 over a std of ~1e-9 + 1e-4: every advantage about 1e-5, no learning."""
    with pytest.raises(CameraBenchError, match=r"reward weights sum to 1e-09, below the advantage guard 0.0001"):
        GRPOConfig(accuracy_weight=1e-9, format_weight=0.0).check()


def test_ordinary_settings_still_pass() -> None:
    GRPOConfig().check()
    GRPOConfig(kl_coef=0.0, format_weight=0.0, accuracy_weight=1.0).check()
    TrainConfig().check()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"updates_per_batch": 10**30}, r"steps x updates_per_batch"),
        ({"prompts_per_step": 10**30}, r"prompts_per_step x group_size"),
        ({"group_size": 10**30}, r"prompts_per_step x group_size"),
    ],
)
def test_grpo_absurd_per_step_counts_are_refused(changes: dict[str, int], message: str) -> None:
    """prompts_per_step=1e30 filled a batch list without end after the model was loaded."""
    with pytest.raises(CameraBenchError, match=message):
        GRPOConfig(**changes).check()


# --------------------------------------------------------------------------- the reward functions


@pytest.mark.parametrize("completion", [None, 5, b"B", ["B"]])
def test_completion_that_is_not_text_is_refused_by_name(completion: Any) -> None:
    """It raised TypeError from unicodedata.normalize, naming neither the completion nor the reward."""
    for target in (_MCQ, _YES):
        with pytest.raises(CameraBenchError, match=r"a completion must be text, got"):
            score_completion(completion, target, GRPOConfig())


@pytest.mark.parametrize(
    "reply",
    [
        "<think>a</think><answer>No<ANSWER>Yes</answer>",  # two answers, the parser reads both
        "<think>x<THINK>y</think><answer>Yes</answer>",  # a nested think block
        "<think>x</think><answer>Yes</Answer></answer>",
    ],
)
def test_case_variant_nested_tags_are_not_well_formed(reply: str) -> None:
    """The blocks may hold no tag, in any case: the answer parser reads ``<ANSWER>`` as a tag too."""
    assert score_completion(reply, _YES, GRPOConfig()).format_ok is False


def test_well_formed_reply_still_is() -> None:
    reward = score_completion("<think>\nIt <b>tilts</b> up\n</think>\n<answer>B</answer>\n", _MCQ, GRPOConfig())
    assert (reward.format_ok, reward.correct, reward.value) == (True, True, 1.0)
    assert DEFAULT_FORMAT_PATTERN  # the pattern the config uses by default


@pytest.mark.parametrize(
    "target",
    [
        GRPOPrompt("p", "yes", "binary", video="v.mp4"),  # the reader gives "Yes": never equal
        GRPOPrompt("p", "B", "binary", video="v.mp4"),
        GRPOPrompt("p", "b", "mcq", row=_ROW),
        GRPOPrompt("p", "C", "mcq", row=_ROW),  # no such option
    ],
)
def test_target_no_answer_can_equal_is_refused(target: GRPOPrompt) -> None:
    """Every completion was scored wrong against it, without a word."""
    with pytest.raises(CameraBenchError, match=r"answer .* can never be read"):
        score_completion("<think>x</think><answer>Yes</answer>", target, GRPOConfig())


@pytest.mark.parametrize("reply", ["", "   \n\t", "<think></think><answer></answer>", "<think>" * 2000])
def test_empty_or_tag_only_replies_are_unparsed_and_wrong(reply: str) -> None:
    for target in (_MCQ, _YES):
        reward = score_completion(reply, target, GRPOConfig())
        assert (reward.correct, reward.parsed) == (False, False)


# --------------------------------------------------------------------------- group advantages


@pytest.mark.parametrize("rewards", [torch.tensor([[1, 0, 0, 1]]), torch.tensor([[True, False, False, True]])])
def test_integer_or_bool_rewards_give_advantages(rewards: torch.Tensor) -> None:
    """RuntimeError "mean(): could not infer output dtype" before."""
    advantages, keep = group_advantages(rewards)
    assert advantages.dtype == torch.float32
    assert [round(a, 4) for a in advantages[0].tolist()] == [0.8659, -0.8659, -0.8659, 0.8659]
    assert keep.tolist() == [True]


def test_half_precision_rewards_do_not_overflow_the_std() -> None:
    """The squared deviations of 6e4 overflow float16: the std was inf and every advantage 0."""
    advantages, _ = group_advantages(torch.tensor([[6e4, -6e4]], dtype=torch.float16))
    assert advantages.dtype == torch.float16
    assert advantages[0].tolist() == pytest.approx([0.7071, -0.7071], abs=1e-3)


@pytest.mark.parametrize("rewards", [[[1.0, 0.0]], torch.zeros((0, 4))])
def test_rewards_not_a_tensor_of_groups_are_refused(rewards: Any) -> None:
    with pytest.raises(CameraBenchError, match=r"rewards must be"):
        group_advantages(rewards)
