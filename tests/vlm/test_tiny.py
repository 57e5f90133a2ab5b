"""The tiny checkpoint: builds, saves, reloads offline through from_pretrained, and has Qwen's tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, Qwen2_5_VLForConditionalGeneration

from camerabench.baselines.vlm.tiny import QWEN_SPECIAL_TOKENS
from camerabench.cli import main


def test_tiny_checkpoint_reloads_with_the_saved_weights(tiny_ckpt: Path, tmp_path: Path) -> None:
    model, info = Qwen2_5_VLForConditionalGeneration.from_pretrained(
        tiny_ckpt, local_files_only=True, output_loading_info=True
    )
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    model.save_pretrained(tmp_path / "resaved")
    saved, resaved = load_file(tiny_ckpt / "model.safetensors"), load_file(tmp_path / "resaved" / "model.safetensors")
    assert set(saved) == set(resaved)
    for key, value in saved.items():
        assert torch.equal(resaved[key], value), key
    text = model.config.text_config
    assert (text.hidden_size, text.num_hidden_layers, model.config.vision_config.depth) == (64, 2, 2)
    assert model.config.vision_config.out_hidden_size == text.hidden_size
    head_dim = text.hidden_size // text.num_attention_heads
    assert sum(text.rope_parameters["mrope_section"]) == head_dim // 2


def test_tokenizer_has_qwen_special_tokens_and_single_yes_no(tiny_ckpt: Path) -> None:
    tok = AutoTokenizer.from_pretrained(tiny_ckpt, local_files_only=True)
    config = json.loads((tiny_ckpt / "config.json").read_text())
    ids = [tok.convert_tokens_to_ids(t) for t in QWEN_SPECIAL_TOKENS]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # Qwen's order, all distinct
    assert config["video_token_id"] == tok.convert_tokens_to_ids("<|video_pad|>")
    assert config["vision_start_token_id"] == tok.convert_tokens_to_ids("<|vision_start|>")
    assert len(tok.encode("Yes", add_special_tokens=False)) == 1
    assert len(tok.encode("No", add_special_tokens=False)) == 1
    assert tok.encode("<|im_start|>user\n", add_special_tokens=False)[0] == tok.convert_tokens_to_ids("<|im_start|>")
    round_trip = "Does the camera pan to the left? Please only answer Yes or No."
    assert tok.decode(tok.encode(round_trip, add_special_tokens=False)) == round_trip


def test_cli_writes_the_same_checkpoint_for_the_same_seed(tiny_ckpt: Path, tmp_path: Path) -> None:
    assert main(["make-tiny-vlm", "--out", str(tmp_path / "again")]) == 0
    a, b = load_file(tiny_ckpt / "model.safetensors"), load_file(tmp_path / "again" / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert main(["make-tiny-vlm", "--out", str(tmp_path / "other"), "--seed", "1"]) == 0
    c = load_file(tmp_path / "other" / "model.safetensors")
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_an_out_folder_that_is_not_a_checkpoint_is_refused_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # make-tiny-vlm --out given a dataset folder had replaced it with a checkpoint (the dataset lost).
    dataset = tmp_path / "data"
    (dataset / "videos").mkdir(parents=True)
    (dataset / "manifest.json").write_text("{}\n")
    assert main(["make-tiny-vlm", "--out", str(dataset)]) != 0
    assert "not a checkpoint (no config.json); refusing to replace it" in caplog.text
    assert sorted(p.name for p in dataset.iterdir()) == ["manifest.json", "videos"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me\n")
    assert main(["make-tiny-vlm", "--out", str(a_file)]) != 0
    assert "is a file, not a checkpoint folder" in caplog.text
    assert a_file.read_text() == "keep me\n"
    # an empty folder, and then the checkpoint written there, are replaced
    (tmp_path / "empty").mkdir()
    assert main(["make-tiny-vlm", "--out", str(tmp_path / "empty")]) == 0
    assert main(["make-tiny-vlm", "--out", str(tmp_path / "empty"), "--seed", "1"]) == 0
    assert (tmp_path / "empty" / "config.json").is_file()
