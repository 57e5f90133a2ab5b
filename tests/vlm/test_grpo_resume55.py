"""Resumable GRPO (``train --stage grpo --resume``), as SFT's (test_train_resume55).

- interrupted at step k (KeyboardInterrupt raised part-way into the step's sampling, after it drew
  from torch's generator), the run leaves its resume state beside ``--out``; ``--resume`` finishes it
  and the saved weights and history equal the uninterrupted run's bit for bit (CPU);
- a resume with changed settings is refused naming the setting; a run without ``--resume`` over a
  state is refused naming ``--resume``; an SFT state is not taken for a GRPO one.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

import camerabench.baselines.vlm.grpo as grpo_module
from camerabench.baselines.vlm.grpo import GRPOConfig, grpo
from camerabench.baselines.vlm.train import resume_state_dir
from camerabench.errors import CameraBenchError

from . import test_grpo

toy_data = test_grpo.toy_data  # the fixture: the tiny clips and 4 MCQ rows whose answer reads "Yes"

# 4 toy MCQ prompts, 2 a step: the walk's second pass starts at step 3; 8 completions of one token each
CONFIG = GRPOConfig(
    steps=5, prompts_per_step=2, group_size=8, lr=2e-4, kl_coef=0.1, max_new_tokens=1, binary=False,
    reasoning=False, device="cpu", seed=0,
)  # fmt: skip


def _interrupt_in_sampling(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Raise KeyboardInterrupt in step ``step`` (1-based, of this run) after its first group was
    sampled: the torch generator and the prompt walk have moved on from where the last step left them."""
    real = grpo_module._sample
    calls = {"n": 0}

    def hook(*args: Any, **kwargs: Any) -> list[torch.Tensor]:
        calls["n"] += 1
        out = real(*args, **kwargs)
        if calls["n"] == (step - 1) * CONFIG.prompts_per_step + 1:
            raise KeyboardInterrupt
        return out

    monkeypatch.setattr(grpo_module, "_sample", hook)


def _history(out: Path) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = json.loads((out / "camerabench_train.json").read_text())["history"]
    return history


@pytest.fixture(scope="module")
def reference(tiny_ckpt: Path, toy_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uninterrupted run's model."""
    out = tmp_path_factory.mktemp("grpo_ref") / "model"
    grpo(toy_data, tiny_ckpt, out, CONFIG)
    return out


def test_interrupted_then_resumed_saves_the_uninterrupted_model(
    tiny_ckpt: Path,
    toy_data: Path,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = tmp_path / "model"
    state = resume_state_dir(out)
    _interrupt_in_sampling(monkeypatch, 4)  # after a periodic save at step 2 and the walk's second pass began
    with pytest.raises(KeyboardInterrupt), caplog.at_level(logging.INFO, logger="camerabench.baselines.vlm.grpo"):
        grpo(toy_data, tiny_ckpt, out, CONFIG, save_every=2)
    assert "resume state after step 2 of 5 saved" in caplog.text
    assert f"GRPO interrupted at step 4 of 5; no model saved to {out}" in caplog.text
    assert f"the run's state after step 3 of 5 is saved in {state}: run the same command with --resume" in caplog.text
    assert not out.exists()
    assert sorted(p.name for p in state.iterdir()) == ["step-00000003.json", "step-00000003.pt"]
    monkeypatch.undo()

    # without --resume: refused naming the state and --resume; the state is kept
    with pytest.raises(CameraBenchError, match=r"resume state in .*~resume \(saved after step 3\).*--resume"):
        grpo(toy_data, tiny_ckpt, out, CONFIG)
    assert (state / "step-00000003.pt").is_file()

    result = grpo(toy_data, tiny_ckpt, out, CONFIG, resume=True, save_every=2)
    assert len(result.history) == 5 and not state.exists()

    want, got = load_file(reference / "model.safetensors"), load_file(out / "model.safetensors")
    assert set(want) == set(got)
    assert [k for k in want if not want[k].equal(got[k])] == []
    base = load_file(next(tiny_ckpt.glob("*.safetensors")))
    assert any(not base[k].equal(want[k]) for k in base if k in want)  # GRPO changed the weights
    ref, new = _history(reference), _history(out)
    # NaN (a step without update) != NaN: compared as JSON text
    assert json.dumps(new) == json.dumps(ref)
    assert any(math.isfinite(h["kl"]) for h in ref) and any(h["filtered"] for h in ref)  # updates and filtering
    # steps 4 and 5 have groups whose completions' rewards differ: their sampling decides the weights
    assert all(h["equal_rewards"] < h["groups"] for h in ref[3:])
    assert json.loads((out / "camerabench_train.json").read_text())["resumed_after_steps"] == [3]


def test_resume_refused_when_settings_differ_and_an_sft_state_is_not_grpo(
    tiny_ckpt: Path, toy_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "model"
    _interrupt_in_sampling(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        grpo(toy_data, tiny_ckpt, out, CONFIG)
    monkeypatch.undo()
    state = resume_state_dir(out)
    assert (state / "step-00000001.pt").is_file()  # saved on the interrupt (save_every 100)
    changed = GRPOConfig(**{**CONFIG.__dict__, "kl_coef": 0.2})
    with pytest.raises(CameraBenchError, match=r"refusing to resume.*setting kl_coef: 0\.1 then, 0\.2 now"):
        grpo(toy_data, tiny_ckpt, out, changed, resume=True)

    from camerabench.baselines.vlm.train import TrainConfig, train

    with pytest.raises(
        CameraBenchError, match=r"refusing to resume.*state is of a --stage grpo run, this is --stage sft"
    ):
        train(toy_data, tiny_ckpt, out, TrainConfig(epochs=1, mcq=False, device="cpu"), resume=True)
    # --overwrite starts anew (the state deleted), and the finished run leaves no state
    result = grpo(toy_data, tiny_ckpt, out, GRPOConfig(**{**CONFIG.__dict__, "steps": 2}), overwrite=True)
    assert len(result.history) == 2 and not state.exists()
    with pytest.raises(CameraBenchError, match=r"nothing to resume.*holds the finished model"):
        grpo(toy_data, tiny_ckpt, out, CONFIG, resume=True)
