"""Hostile inputs to the qwen-vl method: damaged checkpoints, bad settings, odd videos, bad training data.

Each one must be a one-line camerabench error naming the file or setting (before work starts where
possible), or a recorded per-video failure with its reason; never a raw library exception or a
silently wrong result.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import grpo
from camerabench.baselines.vlm.train import build_examples, train
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.video import write_video


def damaged(src: Path, dst: Path, damage: Callable[[Path], None]) -> Path:
    shutil.copytree(src, dst)
    damage(dst)
    return dst


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _set(key: str, value: Any, sub: str | None = None) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        def change(data: Any) -> None:
            (data[sub] if sub else data)[key] = value

        edit_json(folder / ("processor_config.json" if sub and sub.endswith("processor") else "config.json"), change)

    return damage


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (_set("patch_size", "abc", "video_processor"), r"processor_config\.json: video_processor: patch_size"),
        (_set("patch_size", 16, "video_processor"), r"patch_size is 16, but config\.json's vision_config"),
        (_set("merge_size", 3, "video_processor"), "merge_size is 3"),
        (_set("image_mean", [0.5, 0.5], "video_processor"), "image_mean must be three"),
        (_set("image_std", [0, 0, 0], "image_processor"), "image_std must be three positive"),
        (_set("size", [1, 2], "video_processor"), "'size' must be an object"),
        (_set("size", {"shortest_edge": 3136, "longest_edge": -5}, "video_processor"), "longest_edge must be"),
        (_set("text_config", "x"), r"config\.json: text_config must be an object"),
        (_set("vision_config", [1]), r"config\.json: vision_config must be an object"),
        (_set("video_token_id", None), r"config\.json: video_token_id must be a token id"),
        (lambda d: (d / "generation_config.json").write_text("{"), r"generation_config\.json:1: invalid JSON"),
    ],
)
def test_damaged_checkpoint_is_refused_before_work(
    tiny_ckpt: Path, tmp_path: Path, damage: Callable[[Path], None], match: str
) -> None:
    """Checked when the options are validated (no model built), naming the file."""
    folder = damaged(tiny_ckpt, tmp_path / "ckpt", damage)
    with pytest.raises(FileFormatError, match=match):
        qwen.QwenVLPredictor(model=str(folder), device="cpu")


def _drop_lm_head(folder: Path) -> None:
    from safetensors.torch import load_file, save_file

    weights = {k: v for k, v in load_file(folder / "model.safetensors").items() if not k.startswith("lm_head")}
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})


def _drop_video_from_template(folder: Path) -> None:
    (folder / "chat_template.jinja").write_text("{% for m in messages %}{{ m['role'] }}{% endfor %}")


def _break_tokenizer_model(folder: Path) -> None:
    edit_json(folder / "tokenizer.json", lambda data: data.__setitem__("model", {}))


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (_drop_lm_head, r"model\.safetensors: 1 tensor\(s\) of the model are missing: lm_head\.weight"),
        (_set("video_token_id", 612), r"config\.json: video_token_id is 612, but the tokenizer's <\|video_pad\|>"),
        (_drop_video_from_template, r"chat template renders a video as 0 <\|video_pad\|>"),
        (lambda d: (d / "chat_template.jinja").write_text("{% for x in %}"), "chat template does not render"),
        (_break_tokenizer_model, r"the tokenizer \(tokenizer\.json\) does not load"),
    ],
)
def test_checkpoint_that_cannot_work_is_refused_at_load(
    tiny_ckpt: Path, tmp_path: Path, damage: Callable[[Path], None], match: str
) -> None:
    """Refused when the model is loaded, not per video (and never loaded with random weights)."""
    folder = damaged(tiny_ckpt, tmp_path / "ckpt", damage)
    with pytest.raises(FileFormatError, match=match):
        load_qwen_vl(folder, device="cpu")


def test_pixel_budget_below_one_frame_is_refused(tiny_ckpt: Path) -> None:
    for name in ("max_pixels", "mcq_max_pixels"):
        with pytest.raises(CameraBenchError, match=rf"option {name} must be >= 784"):
            qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", **{name: 100})


def test_video_of_extreme_aspect_ratio_is_a_prediction_error(tiny_ckpt: Path, tmp_path: Path) -> None:
    path = tmp_path / "wide.mp4"
    write_video(path, np.zeros((2, 4, 1000, 3), np.uint8), fps=8)
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    with pytest.raises(PredictionError, match=r"wide\.mp4: 1000x4 frames .*aspect ratio"):
        p.predict(path, [Question("Does the camera pan to the right?")])


def test_generation_with_nan_logits_fails_instead_of_replying(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    root, _ = tiny_data
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=2)
    with torch.no_grad():
        p.vl.model.lm_head.weight.fill_(float("nan"))
    with pytest.raises(PredictionError, match="non-finite next-token logits"):
        p.caption(root / "videos" / "pan_a.mp4", "Describe the camera.", mode="whole")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"epochs": float("nan")}, "epochs must be a finite number"),
        ({"epochs": float("inf")}, "epochs must be a finite number"),
        ({"lr": float("nan")}, "lr must be a finite number"),
        ({"sample_fps": float("nan")}, "sample_fps must be a finite number"),
        ({"batch_size": 1.5}, "batch_size must be an integer"),
        ({"lora": True, "lora_rank": 0}, "lora_rank"),
    ],
)
def test_bad_training_settings_are_refused(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(CameraBenchError, match=match):
        TrainConfig(**changes).check()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"temperature": float("inf")}, "temperature must be a finite number"),
        ({"kl_coef": float("inf")}, "kl_coef must be a finite number"),
        ({"sample_fps": float("inf")}, "sample_fps must be a finite number"),
        ({"group_size": 2.5}, "group_size must be an integer"),
    ],
)
def test_bad_grpo_settings_are_refused(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(CameraBenchError, match=match):
        GRPOConfig(**changes).check()


@pytest.fixture()
def data_missing_videos(tiny_data: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    root, _ = tiny_data
    data = tmp_path / "data"
    shutil.copytree(root, data)
    (data / "videos" / "pan_a.mp4").unlink()
    return data


def test_training_labels_naming_missing_videos_are_refused_before_training(
    data_missing_videos: Path, tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import camerabench.baselines.vlm.grpo as grpo_module
    import camerabench.baselines.vlm.train as train_module

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(train_module, "load_qwen_vl", no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", no_load)
    match = r"binary_classification/(Pan_Right|Static)\.jsonl: names video 'pan_a\.mp4'"
    with pytest.raises(FileFormatError, match=match):
        train(data_missing_videos, tiny_ckpt, tmp_path / "out", TrainConfig(captions=False, device="cpu"))
    with pytest.raises(FileFormatError, match=match):
        grpo(data_missing_videos, tiny_ckpt, tmp_path / "out", GRPOConfig(device="cpu"))
    # captions too: a caption whose video is missing
    for f in (data_missing_videos / "labels" / "binary_classification").glob("*.jsonl"):
        f.unlink()
    with pytest.raises(FileFormatError, match=r"caption_data\.json: names video 'pan_a\.mp4'"):
        build_examples(Dataset(data_missing_videos), captions=True, mcq=False)


def test_training_media_that_do_not_decode_are_refused_before_the_model_loads(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged clip would stop training when an epoch reached it, with nothing saved."""
    import camerabench.baselines.vlm.grpo as grpo_module
    import camerabench.baselines.vlm.train as train_module
    from camerabench.errors import VideoError

    root, _ = tiny_data
    data = tmp_path / "data"
    shutil.copytree(root, data)
    damaged = sorted((data / "videos").glob("*.mp4"))[:2]
    for path in damaged:
        path.write_bytes(path.read_bytes()[:300])  # cut inside the header: no frame decodes

    def no_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(train_module, "load_qwen_vl", no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", no_load)
    for run in (
        lambda: train(data, tiny_ckpt, tmp_path / "out", TrainConfig(captions=False, device="cpu")),
        lambda: grpo(data, tiny_ckpt, tmp_path / "out", GRPOConfig(device="cpu")),
    ):
        with pytest.raises(VideoError, match=r"^2 of \d+ training media do not decode") as exc:
            run()
        assert all(str(path) in str(exc.value) for path in damaged)
        assert not (tmp_path / "out").exists()


def test_checkpoint_with_nan_weights_is_refused_at_load(tiny_ckpt: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    def poison(folder: Path) -> None:
        weights = load_file(folder / "model.safetensors")
        name = sorted(weights)[0]
        weights[name] = weights[name].clone()
        weights[name].view(-1)[0] = float("nan")
        save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})

    ckpt = damaged(tiny_ckpt, tmp_path / "diverged", poison)
    with pytest.raises(FileFormatError, match=r"model\.safetensors: 1 tensor\(s\) hold NaN or infinite values: "):
        load_qwen_vl(ckpt, device="cpu")
    load_qwen_vl(tiny_ckpt, device="cpu")  # the healthy copy loads
