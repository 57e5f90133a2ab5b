"""More hostile inputs to the qwen-vl method and its training (see test_vlm_hostile.py).

Checkpoints whose config.json disagrees with the weights or with itself in ways no cheap header
check sees, a generation config with a bad token id, an output folder that is the base model,
and batches that do not divide the data (which used to run fewer epochs than asked).
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import check_checkpoint, load_qwen_vl
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import grpo
from camerabench.baselines.vlm.train import build_examples, train
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError

from .conftest import edited_copy


@pytest.mark.parametrize(
    ("change", "match"),
    [
        # a vision MLP size no checked tensor shows: was transformers' RuntimeError pointing at a log report
        (
            lambda c: c["vision_config"].__setitem__("intermediate_size", 32),
            r"model\.safetensors: tensor \S+visual\.blocks\.0\.mlp\.\S+ has shape \[\d+, \d+\], but config\.json "
            r"gives the model \[\d+, \d+\] \(and 9 more\)",
        ),
        # loaded, then every video failed with a raw reshape error
        (
            lambda c: c["vision_config"].__setitem__("num_heads", 3),
            r"config\.json: vision_config\.hidden_size 32 is not divisible by vision_config\.num_heads 3",
        ),
        # loaded, then every video failed with a raw split error
        (
            lambda c: c["text_config"]["rope_parameters"].__setitem__("mrope_section", [1, 1, 1]),
            r"config\.json: the text model's rope mrope_section \[1, 1, 1\] sums to 3, but its attention heads "
            r"take 8 frequencies",
        ),
        # no mrope_section: transformers' 7B default [16, 24, 24] does not fit this model
        (
            lambda c: c["text_config"].__delitem__("rope_parameters"),
            r"config\.json: the text model's rope mrope_section \[16, 24, 24\] sums to 64",
        ),
        # was reported as "the tokenizer (tokenizer.json) does not load: ... hidden_size"
        (
            lambda c: c["text_config"].__setitem__("hidden_size", "64"),
            r"config\.json: transformers refuses it: .*hidden_size",
        ),
        (lambda c: c.__setitem__("dtype", "foo"), r"config\.json: transformers refuses it: .*foo"),
    ],
)
def test_config_that_cannot_run_is_refused_at_load(
    tiny_ckpt: Path, tmp_path: Path, change: Callable[[Any], None], match: str
) -> None:
    folder = edited_copy(tiny_ckpt, tmp_path / "ckpt", "config.json", change)
    with pytest.raises(FileFormatError, match=match) as exc:
        load_qwen_vl(folder, device="cpu")
    assert "tokenizer" not in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("eos_token_id", "x", "eos_token_id must be a token id or a list of token ids"),
        ("eos_token_id", [602, None], "eos_token_id must be a token id or a list"),
        ("pad_token_id", -1, "pad_token_id must be a token id"),
    ],
)
def test_generation_config_with_a_bad_token_id_is_refused_before_work(
    tiny_ckpt: Path, tmp_path: Path, key: str, value: Any, match: str
) -> None:
    """Was loaded, then every caption failed with ``TypeError: new(): invalid data type 'str'``."""
    folder = edited_copy(tiny_ckpt, tmp_path / "ckpt", "generation_config.json", lambda g: g.__setitem__(key, value))
    with pytest.raises(FileFormatError, match=rf"generation_config\.json: {match}"):
        check_checkpoint(folder)
    with pytest.raises(FileFormatError, match=rf"generation_config\.json: {match}"):
        qwen.QwenVLPredictor(model=str(folder), device="cpu")
    check_checkpoint(tiny_ckpt)  # the healthy one (eos_token_id a list of ids) passes


def _no_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("the model must not be loaded")


def test_output_folder_that_is_the_base_checkpoint_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to train, then delete the base model and write the result there (naming itself as base_model)."""
    root, _ = tiny_data
    base = tmp_path / "base"
    shutil.copytree(tiny_ckpt, base)
    link = tmp_path / "link"
    link.symlink_to(base)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    before = sorted(p.name for p in base.iterdir())
    for out in (base, link, tmp_path / "x" / ".." / "base"):
        with pytest.raises(CameraBenchError, match="the output folder is the checkpoint training starts from"):
            train(root, base, out, TrainConfig(captions=False, device="cpu"))
        with pytest.raises(CameraBenchError, match="the output folder is the checkpoint training starts from"):
            grpo(root, base, out, GRPOConfig(device="cpu"))
    assert sorted(p.name for p in base.iterdir()) == before


@pytest.mark.parametrize(
    ("batch_size", "grad_accum", "epochs"),
    [(32, 1, 2.0), (3, 1, 2.0), (6, 2, 2.0)],
)
def test_every_epoch_asked_for_is_run_when_the_batch_does_not_divide_the_data(
    tiny_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    batch_size: int,
    grad_accum: int,
    epochs: float,
) -> None:
    """16 examples at batch 32 for 2 epochs ran 1 step (one epoch); at batch 3, 11 steps (< 2 epochs of 6)."""
    root, _ = tiny_data
    n = len(build_examples(Dataset(root), captions=False, mcq=False))
    assert n == 16
    micro_batches = math.ceil(n / batch_size)
    per_epoch = math.ceil(micro_batches / grad_accum)
    config = TrainConfig(
        epochs=epochs,
        lr=1e-4,
        batch_size=batch_size,
        grad_accum=grad_accum,
        captions=False,
        mcq=False,
        device="cpu",
        max_pixels=28 * 28 * 4,
        sample_fps=2.0,
    )
    result = train(root, tiny_ckpt, tmp_path / "ft", config)
    assert result.steps == int(epochs) * per_epoch
    assert len(result.epoch_losses) == int(epochs)
    info = json.loads((tmp_path / "ft" / "camerabench_train.json").read_text())
    assert info["steps"] == result.steps
