"""GRPO after SFT: the reward, group advantages and filtering, and learning on a toy task (CLI end to end)."""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from pathlib import Path

import pytest
import torch

from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.grpo import (
    GRPOConfig,
    GRPOPrompt,
    build_prompts,
    extract_yes_no,
    group_advantages,
    grpo,
    score_completion,
)
from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.shotbench import MCQRow, write_mcq_table

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
ROW = MCQRow("1", "t", ("video",), ("videos/pan_a.mp4",), "How does the camera move?", OPTIONS, "B", "cm", 2)
MCQ = GRPOPrompt("prompt", "B", "mcq", row=ROW)
YES = GRPOPrompt("Does the camera pan right?", "Yes", "binary", video="pan_a.mp4")


@pytest.mark.parametrize(
    ("text", "correct", "format_ok"),
    [
        ("<think>the view rises</think><answer>B</answer>", True, True),
        ("<think>x</think>\n<answer>(B) Tilt up</answer>\n", True, True),
        ("<think>x</think><answer>A</answer>", False, True),
        ("B", True, False),  # right, unformatted
        ("The camera tilts up. Tilt up.", True, False),  # option text rule
        ("<answer>B</answer>", True, False),  # no think block
        ("<think>x</think><answer>B</answer> extra", True, False),  # text after the answer
        ("<think>x</think><answer>A or B</answer>", False, True),  # two letters: unparsed, wrong
    ],
)
def test_mcq_reward_on_hand_written_completions(text: str, correct: bool, format_ok: bool) -> None:
    r = score_completion(text, MCQ, GRPOConfig())
    assert (r.correct, r.format_ok) == (correct, format_ok)
    assert r.value == pytest.approx(0.9 * correct + 0.1 * format_ok)


def test_binary_reward_and_configurable_weights_and_format() -> None:
    config = GRPOConfig(accuracy_weight=0.5, format_weight=0.5)
    assert score_completion("<think>pans</think><answer>Yes</answer>", YES, config).value == 1.0
    assert score_completion("<think>pans</think><answer>No</answer>", YES, config).value == 0.5
    assert score_completion("Yes, it does.", YES, config).value == 0.5
    assert score_completion("Yes or no?", YES, config).value == 0.0
    observation = GRPOConfig(format_pattern=r"<observation>.*</observation><think>.*</think><answer>.*</answer>")
    assert not score_completion("<think>a</think><answer>Yes</answer>", YES, observation).format_ok
    assert score_completion(
        "<observation>o</observation><think>a</think><answer>Yes</answer>", YES, observation
    ).format_ok


def test_extract_yes_no() -> None:
    assert extract_yes_no("Yes.") == "Yes"
    assert extract_yes_no("no") == "No"
    assert extract_yes_no("I think yes, but no.") is None
    assert extract_yes_no("<think>no idea</think><answer>YES</answer>") == "Yes"
    assert extract_yes_no("Nope") is None
    assert extract_yes_no("no?") == "No"
    assert extract_yes_no("") is None


def test_group_advantages_and_filtering_against_hand_computed_values() -> None:
    rewards = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1], [1.0, 0.9, 0.1, 0.0]])
    adv, keep = group_advantages(rewards)
    # group 0: mean 0.25, sample std sqrt((0.75^2 + 3 * 0.25^2) / 3) = 0.5
    assert adv[0].tolist() == pytest.approx([0.75 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001, -0.25 / 0.5001])
    # group 2: mean 0.5, deviations 0.5, 0.4, -0.4, -0.5, sample std sqrt(0.82 / 3)
    std = math.sqrt((0.25 + 0.16 + 0.16 + 0.25) / 3)
    assert adv[2].tolist() == pytest.approx([d / (std + 1e-4) for d in (0.5, 0.4, -0.4, -0.5)], rel=1e-5)
    assert adv[1].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert keep.tolist() == [True, False, True]
    _, keep_all = group_advantages(rewards, filter_groups=False)
    assert keep_all.tolist() == [True, True, True]
    with pytest.raises(CameraBenchError):
        group_advantages(torch.tensor([[1.0], [0.0]]))


def test_bad_settings_are_refused() -> None:
    for bad in (
        GRPOConfig(group_size=1),
        GRPOConfig(kl_coef=-0.1),
        GRPOConfig(accuracy_weight=0, format_weight=0),
        GRPOConfig(format_pattern="<think>("),
        GRPOConfig(binary=False, mcq=False),
        GRPOConfig(clip_eps=1.5),
    ):
        with pytest.raises(CameraBenchError):
            bad.check()


@pytest.fixture(scope="module")
def toy_data(tiny_data: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny clips plus a multiple-choice table whose right option is always the one reading "Yes"
    (its letter alternates), a task the tiny model's Yes-leaning output layer makes learnable."""
    root = tmp_path_factory.mktemp("toy") / "data"
    shutil.copytree(tiny_data[0], root)
    rows = []
    for i, name in enumerate(sorted(tiny_data[1])):
        options, answer = ({"A": "Yes", "B": "No"}, "A") if i % 2 == 0 else ({"A": "No", "B": "Yes"}, "B")
        rows.append(MCQRow(str(i), "toy", ("video",), (f"videos/{name}",), "Is this a video?", options, answer, "t", 0))
    write_mcq_table(root / "labels" / "shotbench" / "toy.tsv", rows)
    return root


def test_prompt_pool_holds_balanced_binary_questions_and_mcq_rows(toy_data: Path) -> None:
    prompts = build_prompts(Dataset(toy_data), GRPOConfig())
    binary = [p for p in prompts if p.kind == "binary"]
    mcq = [p for p in prompts if p.kind == "mcq"]
    assert sorted(p.answer for p in binary) == ["No"] * 4 + ["Yes"] * 4
    assert all("<answer></answer>" in p.prompt for p in prompts)  # reasoning prompts by default
    assert sorted(p.answer for p in mcq) == ["A", "A", "B", "B"]
    assert all(p.row is not None and p.row.options[p.answer] == "Yes" for p in mcq)
    assert len(build_prompts(Dataset(toy_data), GRPOConfig(binary=False))) == 4


def test_cli_grpo_raises_the_mean_reward_on_a_toy_task(
    tiny_ckpt: Path,
    toy_data: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "grpo"
    argv = ["train", "--stage", "grpo", "--data", str(toy_data), "--model", str(tiny_ckpt), "--out", str(out)]
    argv += ["--no-binary", "--no-reasoning", "--max-new-tokens", "1", "--steps", "12", "--prompts-per-step", "2"]
    argv += ["--group-size", "8", "--lr", "1e-3", "--device", "cpu", "--seed", "0"]
    with caplog.at_level(logging.INFO, logger="camerabench.baselines.vlm.grpo"):
        assert main(argv) == 0
    history = json.loads((out / "camerabench_train.json").read_text())["history"]
    assert len(history) == 12
    rewards = [h["reward"] for h in history]
    first, last = sum(rewards[:3]) / 3, sum(rewards[-3:]) / 3
    assert last > first + 0.3, rewards
    assert max(h["accuracy"] for h in history[-3:]) > 0.8
    assert sum(h["filtered"] for h in history) > 0  # all-wrong and all-right groups are dropped
    updated = [h for h in history if h["filtered"] < h["groups"]]
    assert updated and all(math.isfinite(h["kl"]) and h["kl"] >= 0 for h in updated)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("step ")]
    assert len(lines) == 12
    assert all(re.search(r"reward [\d.]+ accuracy [\d.]+ format [\d.]+ kl \S+ filtered \d+/2", x) for x in lines)
    assert "mean reward" in capsys.readouterr().out
    tuned = load_qwen_vl(out).model.state_dict()
    base = load_qwen_vl(tiny_ckpt).model.state_dict()
    assert any(not torch.equal(base[k], tuned[k]) for k in base if ".language_model." in k)
    assert all(torch.equal(base[k], tuned[k]) for k in base if ".visual." in k)


@pytest.mark.parametrize(("lora", "dtype"), [(False, None), (True, None), (False, "bfloat16")])
def test_kl_to_the_reference_is_zero_before_the_first_update(
    tiny_ckpt: Path, toy_data: Path, tmp_path: Path, lora: bool, dtype: str | None
) -> None:
    """Reference = the SFT model (a frozen copy, or the LoRA model with its adapters off): the
    first step's KL, measured before any update, is 0 (also under bfloat16 autocast); training
    moves the policy away from it."""
    config = GRPOConfig(
        steps=4, prompts_per_step=2, group_size=8, lr=1e-3, kl_coef=0.1, max_new_tokens=1, binary=False,
        reasoning=False, filter_groups=False, lora=lora, device="cpu", dtype=dtype, accuracy_weight=1.0,
        format_weight=0.0,
    )  # fmt: skip
    result = grpo(toy_data, tiny_ckpt, tmp_path / "out", config)
    assert result.history[0].kl == pytest.approx(0.0, abs=1e-6)
    assert all(math.isfinite(s.kl) for s in result.history)  # no group filtered: every step updates
    # a step with mixed rewards (some right, some wrong) moves the policy: the later steps' KL is > 0
    mixed = [i for i, s in enumerate(result.history[:-1]) if 0 < s.reward < 1]
    assert mixed, [s.reward for s in result.history]
    assert all(s.kl > 1e-4 for s in result.history[mixed[0] + 1 :])
