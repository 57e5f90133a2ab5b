"""Hostile inputs for the Qwen-VL checkpoints and training, thirteenth round: quantized checkpoints,
a LoRA adapter in or as the checkpoint folder, weights holding tensors the model has no place for,
a dtype or device refused only after the training media were decoded, and GRPO replies of two
think/answer rounds rewarded as well formed."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from camerabench.baselines.vlm.checkpoint import check_checkpoint, load_qwen_vl
from camerabench.baselines.vlm.config import DEFAULT_FORMAT_PATTERN, GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import GRPOPrompt, grpo, score_completion
from camerabench.baselines.vlm.train import train
from camerabench.errors import CameraBenchError, FileFormatError

from .conftest import edited_copy

# --- checkpoint folders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quant", "method"),
    [
        # the published Qwen2.5-VL-7B-Instruct-AWQ: load stopped with "requires gptqmodel" (ImportError)
        ({"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm", "zero_point": True}, "awq"),
        ({"quant_method": "bitsandbytes", "load_in_4bit": True}, "bitsandbytes"),
        # loaded, quietly dequantised on CPU, as if it were the full-precision model
        ({"quant_method": "fp8", "activation_scheme": "dynamic"}, "fp8"),
    ],
)
def test_quantized_checkpoint_is_refused_before_work(
    tiny_ckpt: Path, tmp_path: Path, quant: dict[str, Any], method: str
) -> None:
    change: Callable[[Any], None] = lambda c: c.__setitem__("quantization_config", quant)  # noqa: E731
    folder = edited_copy(tiny_ckpt, tmp_path / "ckpt", "config.json", change)
    match = rf"ckpt/config\.json: a quantized checkpoint \(quantization_config: {method}\)"
    with pytest.raises(FileFormatError, match=match):
        check_checkpoint(folder)


def _write_adapter(folder: Path) -> None:
    """peft's files for a LoRA adapter of the tiny model's first q_proj."""
    from safetensors.torch import save_file

    config = {"peft_type": "LORA", "base_model_name_or_path": "Qwen/Qwen2.5-VL-3B-Instruct", "r": 4}
    (folder / "adapter_config.json").write_text(json.dumps({**config, "lora_alpha": 8, "target_modules": ["q_proj"]}))
    prefix = "base_model.model.model.language_model.layers.0.self_attn.q_proj"
    weights = {f"{prefix}.lora_A.weight": torch.ones(4, 64), f"{prefix}.lora_B.weight": torch.ones(64, 4)}
    save_file(weights, folder / "adapter_model.safetensors")


def test_adapter_beside_the_weights_is_refused_before_work(tiny_ckpt: Path, tmp_path: Path) -> None:
    """transformers applied such an adapter, unmerged, when loading the folder (a model that was not
    the weights'), and a model trained from it failed to save after the whole training."""
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    _write_adapter(folder)
    with pytest.raises(FileFormatError, match=r"ckpt/adapter_config\.json: the checkpoint folder holds a LoRA/PEFT"):
        check_checkpoint(folder)


def test_adapter_folder_given_as_the_model_says_what_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "adapter"
    folder.mkdir()
    _write_adapter(folder)
    with pytest.raises(FileFormatError, match=r"a LoRA/PEFT adapter \(adapter_config\.json\), not a model checkpoint"):
        check_checkpoint(folder)


def test_weights_holding_tensors_the_model_has_no_place_for_are_refused_at_load(
    tiny_ckpt: Path, tmp_path: Path
) -> None:
    """An unmerged LoRA tensor in model.safetensors was dropped with a log line: the model run was
    the base one, not the one the weights describe."""
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    weights = load_file(folder / "model.safetensors")
    weights["model.layers.0.self_attn.q_proj.lora_A.weight"] = torch.zeros(4, 64)
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(
        FileFormatError, match=r"ckpt/model\.safetensors: 1 LoRA/PEFT adapter tensor\(s\) in the weights"
    ):
        load_qwen_vl(folder, device="cpu")


def test_other_leftover_tensors_are_named_in_a_warning(
    tiny_ckpt: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A tensor the model has no place for that is no adapter (a module a published checkpoint may
    carry) is used by nothing: the load goes on and the warning names it."""
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    weights = load_file(folder / "model.safetensors")
    weights["model.extra_head.weight"] = torch.zeros(4, 4)
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    load_qwen_vl(folder, device="cpu")
    assert "1 tensor(s) in the weights are not part of the qwen2.5-vl model" in caplog.text
    assert "extra_head" in caplog.text


def test_the_tiny_checkpoints_load_without_tensors_left_over(tiny_ckpt: Path, older_ckpt: Path) -> None:
    assert load_qwen_vl(tiny_ckpt, device="cpu").layout == "current"
    assert load_qwen_vl(older_ckpt, device="cpu").layout == "older"


# --- training settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("config", [TrainConfig(dtype="float16"), GRPOConfig(dtype="half")])
def test_dtype_that_is_not_supported_is_refused_by_the_config(config: TrainConfig | GRPOConfig) -> None:
    with pytest.raises(CameraBenchError, match=r"dtype must be one of bfloat16, bf16, float32, fp32 or unset"):
        config.check()


@pytest.mark.parametrize("stage", ["sft", "grpo"])
def test_bad_device_is_refused_before_the_data_is_read(tiny_ckpt: Path, tmp_path: Path, stage: str) -> None:
    """It was refused when the model loaded, after every training video had been decoded (here the
    data folder does not exist: the old code stopped on that instead)."""
    with pytest.raises(CameraBenchError, match=r"invalid device 'no-such-device'"):
        if stage == "sft":
            train(tmp_path / "no_data", tiny_ckpt, tmp_path / "out", TrainConfig(device="no-such-device"))
        else:
            grpo(tmp_path / "no_data", tiny_ckpt, tmp_path / "out", GRPOConfig(device="no-such-device"))
    assert not (tmp_path / "out").exists()


# --- GRPO format reward ---------------------------------------------------------------------------

_BINARY = GRPOPrompt("Does the camera pan right?", "Yes", "binary", video="a.mp4")


@pytest.mark.parametrize(
    "reply",
    [
        "<think>it slides</think><answer>Yes</answer><think>again</think><answer>Yes</answer>",
        "<think>it slides</think><answer>Yes</answer><answer>Yes</answer>",
        "<think>a<think>b</think></think><answer>Yes</answer>",
        "<think>a</answer><answer>Yes</think><answer>Yes</answer>",
    ],
)
def test_reply_of_more_than_one_think_and_answer_block_is_not_well_formed(reply: str) -> None:
    reward = score_completion(reply, _BINARY, GRPOConfig())
    assert reward.correct
    assert not reward.format_ok
    assert reward.value == pytest.approx(0.9)


@pytest.mark.parametrize(
    "reply",
    ["<think>the view\nslides right</think>\n<answer>Yes</answer>\n", "  <think></think><answer>Yes.</answer>"],
)
def test_one_think_then_one_answer_block_is_well_formed(reply: str) -> None:
    assert re.fullmatch(DEFAULT_FORMAT_PATTERN, reply, flags=re.DOTALL)
    assert score_completion(reply, _BINARY, GRPOConfig()).value == pytest.approx(1.0)
