"""Run settings that passed every check and wasted a run: a learning rate far above any AdamW
fine-tuning's, a GRPO step of more prompts than the pool holds (and a step repeating a prompt where
two shuffled passes meet), and an SFT batch larger than the training set."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from camerabench.baselines.vlm import grpo as grpo_module
from camerabench.baselines.vlm.config import MAX_LR, GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import build_prompts, grpo, step_batches
from camerabench.baselines.vlm.train import train, warn_batch_above_examples
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError

# --------------------------------------------------------------------------- learning rate


@pytest.mark.parametrize("config", [TrainConfig(lr=1e30), TrainConfig(lr=1.5), GRPOConfig(lr=1e30), GRPOConfig(lr=2.0)])
def test_learning_rate_above_one_is_refused_by_name(config: TrainConfig | GRPOConfig) -> None:
    """lr=1e30 passed check() (it is finite in float32) and stopped with a non-finite loss after loading."""
    with pytest.raises(CameraBenchError, match=r"(training|GRPO): lr must be at most 1, got .*1e-6 to 1e-3"):
        config.check()


def test_learning_rate_at_the_bound_and_defaults_pass() -> None:
    assert MAX_LR == 1.0
    for config in (TrainConfig(lr=1.0), GRPOConfig(lr=1.0), TrainConfig(), GRPOConfig(), TrainConfig(lr=1e-3)):
        config.check()


def test_train_refuses_a_huge_learning_rate_before_touching_the_checkpoint(tmp_path: Path) -> None:
    """The refusal comes from the settings, not from the (missing) checkpoint or data loaded later."""
    with pytest.raises(CameraBenchError, match=r"training: lr must be at most 1, got 1e\+30"):
        train(tmp_path / "data", tmp_path / "model", tmp_path / "out", TrainConfig(lr=1e30, device="cpu"))


# --------------------------------------------------------------------------- GRPO prompt pool


class _ReachedMediaError(Exception):
    """Raised where the run would start decoding media."""


def _stop_at_media(monkeypatch: pytest.MonkeyPatch) -> None:
    def reached(*args: object, **kwargs: object) -> None:
        raise _ReachedMediaError

    monkeypatch.setattr(grpo_module, "check_media_decode", reached)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", reached)


def test_grpo_step_of_more_prompts_than_the_pool_is_refused_before_the_media(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10**6 prompts x 8 completions passed (under the 10 million cap) over a pool of 8 prompts: each
    step sampled 8 million completions, the same 8 prompts over and over, for days."""
    data = tiny_data[0]
    pool = len(build_prompts(Dataset(data), GRPOConfig(device="cpu")))
    assert pool == 8
    _stop_at_media(monkeypatch)
    for per_step in (10**6, pool + 1):
        config = GRPOConfig(prompts_per_step=per_step, group_size=8, device="cpu")
        config.check()  # the settings alone are fine: only the pool makes it wrong
        with pytest.raises(CameraBenchError, match=rf"prompts_per_step {per_step} is more than the {pool} distinct"):
            grpo(data, tiny_ckpt, tmp_path / "out", config)
    with pytest.raises(_ReachedMediaError):  # the whole pool in one step is accepted
        grpo(data, tiny_ckpt, tmp_path / "out", GRPOConfig(prompts_per_step=pool, device="cpu"))


def test_grpo_steps_never_repeat_a_prompt_where_two_passes_meet() -> None:
    """5 prompts, 3 per step: the second step took the last 2 of the first pass and then a prompt from
    a fresh shuffle, which could be one of those 2 again."""
    rng = random.Random(0)
    batches = step_batches(5, 3, rng)
    steps = [next(batches) for _ in range(200)]
    assert all(len(set(b)) == 3 for b in steps), [b for b in steps if len(set(b)) < 3][:3]
    flat = [i for b in steps for i in b]
    # every pass of 5 still takes each prompt once
    assert all(sorted(flat[k : k + 5]) == list(range(5)) for k in range(0, len(flat) - 4, 5))
    # the first pass is the seeded shuffle, taken from its end, as before
    first = list(range(5))
    random.Random(0).shuffle(first)
    assert flat[:5] == first[::-1]


def test_grpo_whole_pool_per_step_takes_every_prompt_each_step() -> None:
    batches = step_batches(4, 4, random.Random(3))
    assert all(sorted(next(batches)) == [0, 1, 2, 3] for _ in range(20))


# --------------------------------------------------------------------------- SFT batch vs examples


def test_batch_larger_than_the_training_set_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    """--batch-size 1000000 on 40 examples said nothing: every step took all 40."""
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"):
        warn_batch_above_examples(40, TrainConfig(batch_size=10**6, epochs=2))
        warn_batch_above_examples(40, TrainConfig(batch_size=8, grad_accum=8, epochs=1))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "batch_size x grad_accum = 1000000 x 1 = 1000000 examples per optimizer step" in messages[0]
    assert "more than the 40 training examples: every step takes all 40 (a batch of 40, not 64)" in messages[1]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"):
        warn_batch_above_examples(40, TrainConfig(batch_size=8, grad_accum=5, epochs=1))
    assert not caplog.records


def test_train_warns_about_the_batch_before_the_media(
    tiny_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from camerabench.baselines.vlm import train as train_module

    def reached(*args: object, **kwargs: object) -> None:
        raise _ReachedMediaError

    monkeypatch.setattr(train_module, "check_media_decode", reached)
    config = TrainConfig(batch_size=10**6, epochs=1, device="cpu")
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"), pytest.raises(_ReachedMediaError):
        train(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    assert "batch_size x grad_accum = 1000000 x 1" in caplog.text
