"""Red-team review R80 of the Qwen-VL checkpoint checks and captions.

1. A special token id outside the vocabulary (``text_config.eos_token_id`` 99999 with 614 tokens)
   was accepted: that stop token can never be produced. Now refused, naming the file and field.
2. A caption cut by ``max_new_tokens`` was recorded as a finished one. It is still kept (status
   ok: caption records have no field for it), with one warning and a ``cut_at_max_new_tokens``
   note in caption_run.json's ``video_info``.
3. Bad config.json values (0 heads, ``hidden_act`` "banana", vision ``window_size`` 0, a sliding
   window of 1) surfaced as bare ZeroDivisionError / KeyError / tensor size errors. Now refused by
   the pre-flight check, naming config.json, the field and the value.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, check_checkpoint, load_qwen_vl
from camerabench.errors import FileFormatError

from .conftest import edited_copy


def _set(section: str | None, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(cfg: dict[str, Any]) -> None:
        (cfg[section] if section else cfg)[key] = value

    return change


def _refused(folder: Path, message: str, file: str = "config.json") -> None:
    with pytest.raises(FileFormatError, match=message) as info:
        check_checkpoint(folder)
    assert str(info.value).startswith(str(folder / file) + ": ")


# --- 1. special token ids within the vocabulary -------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "shown"),
    [
        ("text_config", "eos_token_id", 99999, "is 99999"),  # R80 cfg_eos_oob
        ("text_config", "eos_token_id", [602, 99999], r"\[602, 99999\] holds 99999"),
        ("text_config", "pad_token_id", "VOCAB", "is VOCAB"),  # one past the last row
        ("text_config", "bos_token_id", -1, "is -1"),
        (None, "eos_token_id", 700, "is 700"),  # at the root (the older flat layout's place)
    ],
)
def test_special_token_ids_outside_the_vocabulary_are_refused(
    tiny_ckpt: Path, tmp_path: Path, section: str | None, key: str, value: Any, shown: str
) -> None:
    """old: check_checkpoint passed (and generation stopped only at <|im_end|> or max_new_tokens)."""
    vocab = json.loads((tiny_ckpt / "config.json").read_text())["text_config"]["vocab_size"]
    value = vocab if value == "VOCAB" else value
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _set(section, key, value))
    where = f"{section}." if section else ""
    _refused(
        bad,
        rf"{re.escape(where + key)} {shown.replace('VOCAB', str(vocab))}, outside the model's vocabulary of "
        rf"{vocab} tokens \(text_config\.vocab_size\)",
    )


def test_the_last_token_of_the_vocabulary_is_a_valid_end_token(tiny_ckpt: Path, tmp_path: Path) -> None:
    vocab = json.loads((tiny_ckpt / "config.json").read_text())["text_config"]["vocab_size"]
    ok = edited_copy(tiny_ckpt, tmp_path / "ok", "config.json", _set("text_config", "eos_token_id", [602, vocab - 1]))
    assert check_checkpoint(ok) == "current"


def test_generation_config_end_token_outside_the_vocabulary_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "generation_config.json", _set(None, "eos_token_id", [602, 5000]))
    _refused(
        bad, r"eos_token_id \[602, 5000\] holds 5000, outside the model's vocabulary of 614", "generation_config.json"
    )


# --- 3. config.json values the model cannot run with ----------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        (
            "text_config",
            "num_attention_heads",
            0,
            r"text_config\.num_attention_heads must be a positive integer, got 0",
        ),
        ("text_config", "intermediate_size", -5, r"text_config\.intermediate_size must be a positive integer, got -5"),
        ("vision_config", "num_heads", 0, r"vision_config\.num_heads must be a positive integer, got 0"),
        ("vision_config", "window_size", 0, r"vision_config\.window_size must be a positive integer, got 0"),
        ("vision_config", "depth", 0, r"vision_config\.depth must be a positive integer, got 0"),
        ("text_config", "hidden_act", "banana", r"text_config\.hidden_act 'banana' is not an activation .*\bsilu\b"),
        ("vision_config", "hidden_act", "Silu", r"vision_config\.hidden_act 'Silu' is not an activation"),
        (
            "text_config",
            "num_attention_heads",
            3,
            r"text_config\.hidden_size 64 is not divisible by text_config\.num_attention_heads 3",
        ),
        (
            "text_config",
            "num_key_value_heads",
            3,
            r"text_config\.num_attention_heads 4 is not divisible by text_config\.num_key_value_heads 3",
        ),
        # 27 // spatial_merge_size 2 // patch_size 14 == 0: ZeroDivisionError on every video
        ("vision_config", "window_size", 27, r"vision_config\.window_size 27 is smaller than one merged patch \(.*28"),
    ],
)
def test_config_values_the_model_cannot_run_with_are_refused_before_loading(
    tiny_ckpt: Path, tmp_path: Path, section: str, key: str, value: Any, message: str
) -> None:
    """old: a bare ZeroDivisionError / KeyError 'banana' at setup or on every video (or, for the head
    counts, a weight-shape error giving a made-up shape)."""
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _set(section, key, value))
    _refused(bad, message)
    with pytest.raises(FileFormatError, match=message):
        qwen.QwenVLOptions(model=str(bad)).validate("qwen-vl")


def test_qwen3_activation_is_checked(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    bad = edited_copy(tiny_qwen3_ckpt, tmp_path / "bad", "config.json", _set("vision_config", "hidden_act", "banana"))
    _refused(bad, r"vision_config\.hidden_act 'banana' is not an activation")


def _sliding(window: Any, use: bool = True) -> Callable[[dict[str, Any]], None]:
    def change(cfg: dict[str, Any]) -> None:  # R80 c2_slide1
        cfg["text_config"].update(
            use_sliding_window=use, sliding_window=window, max_window_layers=0, layer_types=["sliding_attention"] * 2
        )

    return change


@pytest.mark.parametrize("window", [1, 0])
def test_a_sliding_window_below_two_is_refused(tiny_ckpt: Path, tmp_path: Path, window: int) -> None:
    """old: every video failed with "The size of tensor a (97) must match the size of tensor b (36)"."""
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _sliding(window))
    _refused(bad, rf"text_config\.sliding_window must be an integer >= 2 where layers use it .*got {window}")


def test_sliding_layers_without_a_window_are_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _sliding(4, use=False))
    _refused(bad, r"text_config\.layer_types has sliding_attention layers, but no sliding window is set")


def test_a_sliding_window_of_two_runs(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """The bound is the smallest window that runs: a window of 2 passes the check and scores a video."""
    ok = edited_copy(tiny_ckpt, tmp_path / "ok", "config.json", _sliding(2))
    vl = load_qwen_vl(ok, device="cpu")
    video = qwen.encode_video(vl, tiny_data[0] / "videos" / "pan_a.mp4", 2.0)
    (p,) = qwen.yes_probabilities(vl, video, ["Is the camera static?"])
    assert 0.0 <= p <= 1.0


# --- 2. a caption cut at max_new_tokens is noted ---------------------------------------------------


def _replies(vl: QwenVL, tokens: list[str]) -> None:
    """Make the model's n-th generated token ``tokens[n]`` (the last one from then on): a forward
    hook on the output layer, one call per generated token."""
    ids = [int(vl.tokenizer.convert_tokens_to_ids(t)) for t in tokens]
    calls = [0]

    def hook(module: Any, args: Any, output: torch.Tensor) -> torch.Tensor:
        output = output.clone()
        output[..., ids[min(calls[0], len(ids) - 1)]] = output.abs().max() + 100.0
        calls[0] += 1
        return output

    vl.model.lm_head.register_forward_hook(hook)


@pytest.mark.parametrize(("max_new", "cut"), [(2, True), (3, False)])
def test_a_caption_cut_at_max_new_tokens_is_noted(
    tiny_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    max_new: int,
    cut: bool,
) -> None:
    """The model writes "Yes", "Yes", then ends its turn. With max_new_tokens 2 the caption is cut
    (old: nothing said); with 3 the end token is the last one allowed: finished, nothing noted."""
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=max_new)
    _replies(p.vl, ["Yes", "Yes", "<|im_end|>"])
    video = tiny_data[0] / "videos" / "pan_a.mp4"
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.qwen"):
        assert p.caption(video) == "YesYes"
    warned = [r.getMessage() for r in caplog.records if "max_new_tokens" in r.getMessage()]
    if cut:
        assert p.caption_details(video) == {qwen.CUT_KEY: 2}
        assert len(warned) == 1 and warned[0].startswith("pan_a.mp4: the caption was cut at max_new_tokens=2")
    else:
        assert p.caption_details(video) == {}
        assert warned == []


def test_a_diffsw_caption_notes_its_cut_replies(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]) -> None:
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=2)
    _replies(p.vl, ["Yes"])  # never ends: every reply is cut
    video = tiny_data[0] / "videos" / "pan_a.mp4"
    assert p.caption(video, mode="diffsw") == "YesYes"
    details = p.caption_details(video)
    assert details[qwen.CUT_KEY] == 2
    # one reply per key frame (the first frame's caption, then each change), then the summary
    assert details[qwen.DIFFSW_CUT_KEY] == details["key_frames"] >= 2
