"""Hostile inputs to the SFT and GRPO trainers that crashed late or trained on something else than
asked: a GRPO group larger than the device can sample at once, a negative seed that drew the same
data as its positive twin, a multiple-choice pool whose right answers are all one letter, and a GRPO
run in which no completion's answer could be read."""

from __future__ import annotations

import logging
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from camerabench.baselines.vlm import grpo as grpo_module
from camerabench.baselines.vlm.config import GRPOConfig
from camerabench.baselines.vlm.grpo import Reward, build_prompts, check_group_memory, device_memory, grpo
from camerabench.baselines.vlm.train import build_examples, seeded_rng
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.shotbench import MCQRow, write_mcq_table

from .test_run_bounds47 import _ReachedMediaError, _stop_at_media

CPU = torch.device("cpu")
#: the tiny checkpoint's key/value cache per token in float32: 2 x 2 layers x 2 key/value heads x 16 x 4 bytes
TINY_KV = 2 * 2 * 2 * 16 * 4


# --------------------------------------------------------------------------- GRPO group_size vs memory


def test_a_group_no_machine_can_sample_is_refused_before_the_media(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """group_size=10**7 (1 prompt a step: under the 10-million cap) passed every check; its completions'
    key/value cache is 10**7 x 257 tokens x 512 bytes = 1.2 TiB, far beyond this machine's memory: it ran
    out of memory at the first generation, after the media were decoded and the model loaded."""
    _stop_at_media(monkeypatch)
    config = GRPOConfig(group_size=10**7, prompts_per_step=1, device="cpu")
    config.check()  # the settings alone pass
    memory = device_memory(CPU)
    assert memory is not None and memory < 10**7 * 257 * TINY_KV
    with pytest.raises(CameraBenchError, match=r"GRPO: group_size 10000000 cannot be sampled on cpu") as err:
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    message = str(err.value)
    assert "max_new_tokens 256 + 1 prompt token) x 512 bytes a token" in message
    assert "2 x 2 layers x 2 key/value heads x head_dim 16 x 4 bytes" in message
    assert "give group_size at most" in message
    assert not (tmp_path / "out").exists()
    with pytest.raises(_ReachedMediaError):  # the default group is accepted
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", GRPOConfig(device="cpu"))


def test_the_largest_group_that_fits_passes_and_one_more_is_refused(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is the weights (twice: the frozen reference of a full fine-tune with a KL term) plus
    group_size x (max_new_tokens + 1) tokens of cache, against the device's memory."""
    from camerabench.baselines.vlm.checkpoint import _weight_shapes

    params = sum(int(torch.tensor(s).prod()) for s in _weight_shapes(tiny_ckpt)[0].values())
    per_completion = (9 + 1) * TINY_KV
    memory = 2 * 4 * params + 100 * per_completion + per_completion // 2
    monkeypatch.setattr(grpo_module, "device_memory", lambda device: memory)
    check_group_memory(tiny_ckpt, GRPOConfig(group_size=100, max_new_tokens=9), CPU, torch.float32)
    with pytest.raises(CameraBenchError, match=r"group_size 101 cannot .* give group_size at most 100 "):
        check_group_memory(tiny_ckpt, GRPOConfig(group_size=101, max_new_tokens=9), CPU, torch.float32)
    # without the KL term there is no reference copy: room for the weights' size in completions more
    no_ref = GRPOConfig(group_size=101 + 4 * params // per_completion, max_new_tokens=9, kl_coef=0.0)
    check_group_memory(tiny_ckpt, no_ref, CPU, torch.float32)


def test_weights_that_leave_no_room_for_two_completions_say_so(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grpo_module, "device_memory", lambda device: 1000)
    with pytest.raises(CameraBenchError, match=r"the weights leave room for fewer than 2 completions"):
        check_group_memory(tiny_ckpt, GRPOConfig(group_size=2), CPU, torch.float32)


def test_an_unknown_device_memory_is_not_checked(tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grpo_module, "device_memory", lambda device: None)
    check_group_memory(tiny_ckpt, GRPOConfig(group_size=10**7, prompts_per_step=1), CPU, torch.float32)


# --------------------------------------------------------------------------- negative seeds


def test_a_negative_seed_draws_other_data_than_its_positive_twin(tiny_data: tuple[Path, dict[str, str]]) -> None:
    """random.Random(-5) is random.Random(5): seed -5 drew seed 5's balanced subset and order."""
    data = Dataset(tiny_data[0])
    assert seeded_rng(-5).random() != seeded_rng(5).random()
    assert seeded_rng(5).random() == random.Random(5).random()  # seeds >= 0 keep their runs
    orders = {
        seed: [p.prompt + str(p.video) for p in build_prompts(data, GRPOConfig(seed=seed))] for seed in range(-4, 5)
    }
    assert len({tuple(o) for o in orders.values()}) > 5, orders
    assert any(orders[-s] != orders[s] for s in range(1, 5))
    sft = {seed: [(e.video, e.prompt) for e in build_examples(data, seed=seed)] for seed in (-3, 3)}
    assert sft[-3] != sft[3]


# --------------------------------------------------------------------------- one right letter


def _mcq_data(tmp_path: Path, tiny_data: tuple[Path, dict[str, str]], answers: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(tiny_data[0], root)
    options = {"A": "Pan", "B": "Tilt", "C": "Static"}
    rows = [
        MCQRow(str(i), "cm", ("video",), (f"videos/{name}",), "How?", options, a, "c", 0)
        for i, (name, a) in enumerate(zip(sorted(tiny_data[1]), answers, strict=True))
    ]
    write_mcq_table(root / "labels" / "shotbench" / "cm.tsv", rows)
    return root


def test_a_pool_whose_right_answers_are_all_one_letter_is_warned_about(
    tmp_path: Path, tiny_data: tuple[Path, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    """Four rows all answered "A": always answering A scored 100% (SFT's loss and GRPO's accuracy
    reward taught the letter), without a word."""
    data = Dataset(_mcq_data(tmp_path, tiny_data, "AAAA"))
    with caplog.at_level(logging.WARNING):
        build_prompts(data, GRPOConfig())
        build_examples(data)
    messages = [r.getMessage() for r in caplog.records if "multiple-choice rows" in r.getMessage()]
    assert len(messages) == 2, messages
    assert messages[0].startswith("GRPO: all 4 multiple-choice rows (cm) have the right answer A")
    assert messages[1].startswith("training: all 4 multiple-choice rows (cm) have the right answer A")


def test_mixed_letters_are_not_warned_about(
    tmp_path: Path, tiny_data: tuple[Path, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    data = Dataset(_mcq_data(tmp_path, tiny_data, "AABA"))
    with caplog.at_level(logging.WARNING):
        build_prompts(data, GRPOConfig())
        build_examples(data)
    assert "multiple-choice rows" not in caplog.text


# --------------------------------------------------------------------------- unparsed answers


def test_a_grpo_run_with_no_readable_answer_ends_with_a_warning(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, ~1 s) Every completion unparsed (scored wrong), the format term varying: the run
    learnt the format alone and was saved with only per-step counts in the log."""
    formats = iter([True, False, False, True])

    def reward(text: str, target: Any, config: GRPOConfig) -> Reward:
        ok = next(formats)
        return Reward(config.format_weight * ok, False, ok, parsed=False)

    monkeypatch.setattr(grpo_module, "score_completion", reward)
    config = GRPOConfig(steps=2, prompts_per_step=1, group_size=2, max_new_tokens=3, mcq=False, device="cpu")
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    assert "none of the run's 4 completions had an answer that could be read" in caplog.text
    assert "max_new_tokens (3: are the completions cut before their answer?)" in caplog.text


def test_some_unparsed_answers_are_counted_at_the_end(caplog: pytest.LogCaptureFixture) -> None:
    history = [
        grpo_module.StepStats(1, 0.5, 0.5, 0.0, 0.0, 0, 2, 0.0, unparsed=3),
        grpo_module.StepStats(2, 0.5, 0.5, 0.0, 0.0, 0, 2, 0.0, unparsed=0),
    ]
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        grpo_module._warn_unparsed(history, GRPOConfig(group_size=4))
    assert "3 of 16 completions (18.8%) had no answer that could be read" in caplog.text
