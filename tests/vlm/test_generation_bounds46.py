"""Bounds, round 46: the reply length and the GRPO sampling temperature.

``max_new_tokens=10**30`` passed every check (qwen-vl captions and replies, ``train --stage grpo``):
generation was capped only at the model's positions (32768 on the tiny model), so every caption or
completion ran for minutes on random tokens before being refused or cut. ``temperature=1e30`` passed
too: sampling was uniform over the vocabulary (no NaN), every completion ran to ``max_new_tokens``
and the rewards were noise, for all the run's steps. The tiny checkpoints are ``conftest.py``'s
session fixtures.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.qwen as qwen
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.config import MAX_TEMPERATURE, GRPOConfig, check_max_new_tokens, context_limit
from camerabench.baselines.vlm.grpo import grpo
from camerabench.errors import CameraBenchError, FileFormatError

#: The tiny checkpoints' positions (config.json text_config.max_position_embeddings, and the
#: tokenizer's model_max_length).
TINY_POSITIONS = 32768


def _no_media(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the training media were decoded: the refusal should come first")


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


# --- 1. the context limit, from the checkpoint's files ---------------------------------------------


@pytest.mark.parametrize("ckpt", ["tiny_ckpt", "tiny_qwen3_ckpt", "older_ckpt"])
def test_context_limit_is_read_from_the_files(ckpt: str, request: pytest.FixtureRequest) -> None:
    """Both layouts (text_config, and the older flat config.json) and both generations give 32768."""
    limit = context_limit(request.getfixturevalue(ckpt))
    assert limit is not None and limit[0] == TINY_POSITIONS


def test_the_tokenizer_limit_counts_when_smaller(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    folder.mkdir()
    for name in ("config.json", "tokenizer_config.json"):
        shutil.copyfile(tiny_ckpt / name, folder / name)
    tok = json.loads((folder / "tokenizer_config.json").read_text())
    tok["model_max_length"] = 1000
    (folder / "tokenizer_config.json").write_text(json.dumps(tok))
    assert context_limit(folder) == (1000, "tokenizer_config.json model_max_length")
    tok["model_max_length"] = int(1e30)  # transformers' "no limit"
    (folder / "tokenizer_config.json").write_text(json.dumps(tok))
    assert context_limit(folder) == (TINY_POSITIONS, "config.json text_config.max_position_embeddings")
    tok["model_max_length"] = "long"
    (folder / "tokenizer_config.json").write_text(json.dumps(tok))
    with pytest.raises(FileFormatError, match="model_max_length must be a number >= 1"):
        context_limit(folder)


def test_check_max_new_tokens_names_the_setting_value_and_limit(tiny_ckpt: Path) -> None:
    check_max_new_tokens(tiny_ckpt, {"max_new_tokens": TINY_POSITIONS - 1}, "GRPO:")  # the limit itself passes
    with pytest.raises(CameraBenchError) as exc:
        check_max_new_tokens(tiny_ckpt, {"max_new_tokens": TINY_POSITIONS}, "GRPO:")
    message = str(exc.value)
    assert message.startswith(f"GRPO: max_new_tokens {TINY_POSITIONS} leaves no room for the prompt"), message
    assert f"within the {TINY_POSITIONS} tokens of {tiny_ckpt}" in message
    assert f"give at most {TINY_POSITIONS - 1}" in message


# --- 2. qwen-vl: max_new_tokens / mcq_max_new_tokens --------------------------------------------------


@pytest.mark.parametrize("name", ["max_new_tokens", "mcq_max_new_tokens"])
@pytest.mark.parametrize("value", [TINY_POSITIONS, 10**30])
def test_qwen_vl_refuses_a_reply_longer_than_the_context_before_loading(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: int
) -> None:
    """input: qwen-vl option max_new_tokens=10**30 (or 32768 on a 32768-position model).
    old: accepted; every caption ran to the model's positions (minutes), then was refused.
    new: refused when the options are read (main process, before any worker, weight or video)."""
    monkeypatch.setattr(qwen, "load_qwen_vl", _no_load)
    with pytest.raises(CameraBenchError) as exc:
        qwen.QwenVLOptions.from_mapping({"model": str(tiny_ckpt), name: value}, method="qwen-vl")
    message = str(exc.value)
    assert message.startswith(f"method 'qwen-vl': option {name} {value} leaves no room for the prompt"), message
    assert f"give at most {TINY_POSITIONS - 1}" in message
    ok = qwen.QwenVLOptions.from_mapping({"model": str(tiny_ckpt), name: TINY_POSITIONS - 1}, method="qwen-vl")
    assert getattr(ok, name) == TINY_POSITIONS - 1


def test_generate_text_refuses_before_encoding(tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """input: generate_text(max_new_tokens=10**30) from the library. old: generated up to the model's
    32768 positions. new: refused before the prompt is encoded."""
    vl = load_qwen_vl(tiny_ckpt, device="cpu")

    def no_encode(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the prompt was encoded: the refusal should come first")

    monkeypatch.setattr(vl, "encode", no_encode)
    expected = rf"max_new_tokens {10**30} leaves no room .* at most {TINY_POSITIONS - 1}"
    with pytest.raises(CameraBenchError, match=expected):
        qwen.generate_text(vl, ["Describe it."], max_new_tokens=10**30)


# --- 3. GRPO: max_new_tokens and temperature ------------------------------------------------------------


@pytest.mark.parametrize("value", [TINY_POSITIONS, 10**30])
def test_grpo_refuses_max_new_tokens_before_the_media(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: int
) -> None:
    """input: train --stage grpo --max-new-tokens 10**30. old: every completion of every step ran to
    the model's positions. new: refused from config.json before any medium is decoded."""
    monkeypatch.setattr(grpo_module, "check_media_decode", _no_media)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    config = GRPOConfig(max_new_tokens=value, device="cpu", mcq=False)
    with pytest.raises(CameraBenchError, match=rf"^GRPO: max_new_tokens {value} leaves no room for the prompt"):
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("temperature", [100.5, 1e4, 1e30, 3e38])
def test_grpo_refuses_a_temperature_above_the_bound(temperature: float) -> None:
    """input: GRPOConfig(temperature=1e30). old: accepted (finite in float32); sampling was uniform over
    the vocabulary for all the run's steps. new: refused with the reason."""
    with pytest.raises(CameraBenchError) as exc:
        GRPOConfig(temperature=temperature).check()
    message = str(exc.value)
    assert message.startswith(f"GRPO: temperature must be at most {MAX_TEMPERATURE:g}, got {temperature:g}"), message
    assert "uniform over the vocabulary" in message


@pytest.mark.parametrize("temperature", [0.01, 1.0, 2.0, MAX_TEMPERATURE])
def test_usual_temperatures_and_the_bound_itself_pass(temperature: float) -> None:
    GRPOConfig(temperature=temperature).check()


def test_what_the_bound_rests_on(tiny_ckpt: Path) -> None:
    """At the bound the completions' log-probabilities (as the loss computes them) are already those
    of uniform random tokens to 1%, with no NaN: nothing above it is sampling from the model."""
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    enc = vl.encode(["Does the camera pan? Answer."])
    completions = [torch.tensor([vl.token_id("Yes"), vl.im_end_id]), torch.tensor([vl.token_id("No")])]
    uniform = -math.log(vl.model.config.get_text_config().vocab_size - len(grpo_module._suppressed(vl)))
    for temperature in (MAX_TEMPERATURE, 1e30):
        logp, mask = grpo_module._logps(vl.model, vl, enc, completions, temperature)
        values = logp.detach()[mask.bool()]
        assert bool(torch.isfinite(values).all())
        assert float((values - uniform).abs().max()) < 0.01 * abs(uniform)
    logp, mask = grpo_module._logps(vl.model, vl, enc, completions, 1.0)
    assert float((logp.detach()[mask.bool()] - uniform).abs().max()) > 0.05 * abs(uniform)  # at 1.0 the model matters
