"""Bounds, round 41: ``--device cpu:N`` and the LoRA rank.

``cpu:1`` passed :func:`resolve_device` and ran as plain cpu (torch drops a CPU device's index);
a LoRA rank above the model's matrices was not checked, so a huge one ran out of memory only when
the adapters were made, after every training medium was decoded. The tiny checkpoints are the
session fixtures of ``conftest.py``; nothing here trains.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.checkpoint import load_qwen_vl, resolve_device
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.train import freeze, train
from camerabench.errors import CameraBenchError

#: SFT on the binary labels only, on the CPU.
SFT: dict[str, Any] = {"captions": False, "mcq": False, "device": "cpu", "epochs": 0.1}

#: The tiny checkpoints' smallest LoRA-adapted dimension: k_proj/v_proj, 2 key/value heads x 16.
TINY_LIMIT = 32


def _no_media(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the training media were decoded: the refusal should come first")


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


# --- 1. --device cpu:N ------------------------------------------------------------------------------


def test_torch_runs_cpu_n_as_plain_cpu() -> None:
    """What the refusal rests on: torch 2.13 takes cpu:7 and puts tensors and models on plain cpu."""
    assert torch.zeros(1, device="cpu:7").device == torch.device("cpu")
    layer = torch.nn.Linear(2, 2).to("cpu:7")
    assert next(layer.parameters()).device == torch.device("cpu")
    assert torch.device("cpu:0") != torch.device("cpu")


@pytest.mark.parametrize("device", ["cpu:1", "cpu:7"])
def test_a_cpu_index_is_refused(device: str) -> None:
    """input: cpu:1 / cpu:7. old: accepted (device(type='cpu', index=7)), run as cpu, logged as cpu:7.
    new: refused in one line, saying there is one CPU device."""
    with pytest.raises(CameraBenchError) as exc:
        resolve_device(device)
    message = str(exc.value)
    assert message.startswith(f"device {device!r}: there is one CPU device (cpu or cpu:0)"), message
    assert "use --device cpu" in message
    assert "\n" not in message


def test_cpu_0_is_plain_cpu() -> None:
    """input: cpu:0. old: device(type='cpu', index=0), unequal to the cpu its tensors are on. new: cpu."""
    assert resolve_device("cpu:0") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("CUDA", "(device names are lower-case, without spaces: 'cuda')"),
        (" cuda", "(device names are lower-case, without spaces: 'cuda')"),
        ("0", "(for the CUDA device 0, give cuda:0)"),
        ("cuda:-1", "give cpu, cuda, cuda:N (N counting from 0) or mps"),
        ("cuda:01", "give cpu, cuda, cuda:N (N counting from 0) or mps"),
        ("cpu,cuda", "give cpu, cuda, cuda:N (N counting from 0) or mps"),
    ],
)
def test_names_torch_refuses_say_what_to_give(device: str, message: str) -> None:
    """input: CUDA / ' cuda' / '0'. old: torch's parser message and the list of forms. new: the same,
    ending with the name meant (CUDA -> cuda, 0 -> cuda:0); the others end as before."""
    with pytest.raises(CameraBenchError) as exc:
        resolve_device(device)
    assert str(exc.value).startswith(f"invalid device {device!r}: ")
    assert str(exc.value).endswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("device", ["xpu", "privateuseone", "meta"])
def test_device_types_torch_knows_but_the_model_does_not_run_on(device: str) -> None:
    with pytest.raises(CameraBenchError, match=f"not on {device!r} devices"):
        resolve_device(device)


def test_train_refuses_cpu_1_before_the_checkpoint(
    tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """input: train(device='cpu:1'). old: the media were decoded and the model trained on cpu.
    new: refused first."""
    monkeypatch.setattr(train_module, "check_media_decode", _no_media)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    with pytest.raises(CameraBenchError, match="there is one CPU device"):
        train(tiny_data[0], tmp_path / "base", tmp_path / "out", TrainConfig(**{**SFT, "device": "cpu:1"}))
    assert not (tmp_path / "out").exists()


# --- 2. the LoRA rank ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ckpt", ["tiny_ckpt", "tiny_qwen3_ckpt", "older_ckpt"])
def test_a_rank_above_the_models_matrices_is_refused_before_the_media(
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    ckpt: str,
) -> None:
    """input: TrainConfig(lora=True, lora_rank=33) on a model whose k_proj is 64 -> 32 (the 7B's:
    3584 -> 512), and lora_rank=10**9. old: every medium decoded, then adapters made (10**9: out of
    memory). new: refused from config.json before the media, naming the limit and where it comes from."""
    model = request.getfixturevalue(ckpt)
    monkeypatch.setattr(train_module, "check_media_decode", _no_media)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    for rank in (TINY_LIMIT + 1, 10**9):
        config = TrainConfig(**SFT, lora=True, lora_rank=rank)
        with pytest.raises(CameraBenchError) as exc:
            train(tiny_data[0], model, tmp_path / "out", config)
        message = str(exc.value)
        assert message.startswith(f"training: lora_rank {rank} is above {TINY_LIMIT}, the smallest dimension"), message
        assert "k_proj/v_proj: 2 key/value heads x head_dim 16" in message
        assert f"give at most {TINY_LIMIT}" in message


def test_the_limit_itself_and_a_rank_without_lora_pass_the_check(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rank at the limit, or any rank with LoRA off (unused), goes on to the media."""

    class MediaReachedError(Exception):
        pass

    def media_reached(*args: Any, **kwargs: Any) -> None:
        raise MediaReachedError

    monkeypatch.setattr(train_module, "check_media_decode", media_reached)
    for extra in ({"lora": True, "lora_rank": TINY_LIMIT}, {"lora": False, "lora_rank": 10**9}):
        with pytest.raises(MediaReachedError):
            train(tiny_data[0], tiny_ckpt, tmp_path / "out", TrainConfig(**SFT, **extra))


def test_freeze_refuses_the_rank_on_the_loaded_model(tiny_ckpt: Path) -> None:
    """input: freeze(vl, lora=True, lora_rank=33) (GRPO's path: it makes the adapters after the media).
    old: rank-33 adapters made on 32-wide matrices (a huge rank: out of memory here). new: refused
    before peft allocates anything, naming the smallest matrix."""
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    with pytest.raises(CameraBenchError) as exc:
        freeze(vl, True, TINY_LIMIT + 1, False)
    message = str(exc.value)
    assert message.startswith(f"lora_rank {TINY_LIMIT + 1} is above {TINY_LIMIT}"), message
    assert "self_attn.k_proj: 32 x 64" in message
    assert not any("lora_" in name for name, _ in vl.model.named_parameters())  # no adapter was made


@pytest.mark.parametrize(
    ("rank", "lora", "message"),
    [
        (0, True, "lora_rank must be >= 1 (the LoRA adapters' rank), got 0"),
        (-4, True, "lora_rank must be >= 1 (the LoRA adapters' rank), got -4"),
        (0, False, "lora_rank must be >= 1 (the LoRA adapters' rank), got 0; it is used only with lora"),
        (2.5, True, "lora_rank must be an integer, got 2.5"),
        (True, True, "lora_rank must be an integer, got True"),
    ],
)
def test_rank_below_one_or_not_an_integer_is_named_alone(rank: Any, lora: bool, message: str) -> None:
    """input: lora_rank=0 / -4. old: "lora_rank and max_side must be >= 1, got 0 and None" (which one?).
    new: the rank alone is named. 2.5 and True were refused as before (kept)."""
    for what, config in (("training", TrainConfig), ("GRPO", GRPOConfig)):
        with pytest.raises(CameraBenchError) as exc:
            config(lora=lora, lora_rank=rank).check()
        assert str(exc.value) == f"{what}: {message}"


def test_max_side_below_one_is_named_alone() -> None:
    """input: max_side=0. old: "lora_rank and max_side must be >= 1, got 16 and 0". new: max_side alone."""
    with pytest.raises(CameraBenchError) as exc:
        TrainConfig(max_side=0).check()
    assert str(exc.value) == "max_side must be >= 1, got 0"
    with pytest.raises(CameraBenchError) as exc:
        GRPOConfig(max_side=0).check()
    assert str(exc.value) == "GRPO: max_side must be >= 1, got 0"


def test_grpo_refuses_a_rank_above_the_models_matrices_before_the_media(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GRPO checks the rank from config.json before its media, as train() does (it was refused
    only in freeze(), after every medium was decoded)."""
    import camerabench.baselines.vlm.grpo as grpo_module

    monkeypatch.setattr(grpo_module, "check_media_decode", _no_media)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    config = GRPOConfig(steps=1, mcq=False, device="cpu", lora=True, lora_rank=TINY_LIMIT + 1)
    with pytest.raises(CameraBenchError, match=rf"^GRPO: lora_rank {TINY_LIMIT + 1} is above {TINY_LIMIT}"):
        grpo_module.grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
