"""GRPO samples with plain temperature sampling whatever the checkpoint's generation_config.json
says (red team R25): a saved ``no_repeat_ngram_size`` changed the completions (6 repeated tokens in
16 completions -> 0) while the loss scores them as softmax(logits / T) samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

import camerabench.baselines.vlm.grpo as grpo
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.config import GRPOConfig
from camerabench.baselines.vlm.qwen import encode_video
from camerabench.dataset import Dataset


def _completions(model_dir: Path, video: Path) -> list[list[int]]:
    torch.manual_seed(0)
    vl = load_qwen_vl(model_dir, device="cpu", dtype="float32")
    cfg = GRPOConfig(group_size=8, max_new_tokens=24, max_side=64, sample_fps=2, temperature=1.5)
    enc = vl.encode([encode_video(vl, video, sample_fps=2, max_side=64), "Does the camera move? Answer Yes or No."])
    before = vl.model.generation_config.to_dict()
    out = [c.tolist() for c in grpo._sample(vl.model, vl, enc, cfg, grpo._eos_ids(vl))]
    assert vl.model.generation_config.to_dict() == before  # the model's own configuration is put back
    return out


def test_a_saved_generation_config_does_not_change_grpo_sampling(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data = Dataset(tiny_data[0])
    video = data.video_path(data.videos()[0])
    plain = _completions(tiny_ckpt, video)
    edited = tmp_path / "edited"
    shutil.copytree(tiny_ckpt, edited)
    path = edited / "generation_config.json"
    config = json.loads(path.read_text()) if path.is_file() else {}
    config.update({"no_repeat_ngram_size": 1, "min_new_tokens": 20, "bad_words_ids": [[5]]})
    path.write_text(json.dumps(config))
    assert _completions(edited, video) == plain
    assert any(len(c) != len(set(c)) for c in plain)  # repeats that no_repeat_ngram_size=1 would forbid
