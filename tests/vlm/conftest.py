"""Fixtures for the VLM tests: a tiny checkpoint, tiny clips with known camera motion, an older-layout copy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.labelfiles import CaptionItem, write_binary_file, write_caption_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

WIDTH, HEIGHT, FRAMES, FPS = 64, 48, 8, 8.0


def texture(seed: int, width: int = 3 * WIDTH) -> np.ndarray:
    """A smooth random RGB texture, (HEIGHT, width, 3) uint8."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (HEIGHT // 8, width // 8, 3)).astype(np.float64)
    return np.kron(coarse, np.ones((8, 8, 1))).astype(np.uint8)


def clip_frames(kind: str, seed: int, frames: int = FRAMES) -> np.ndarray:
    """``pan``: the view slides right over a texture (content moves left); ``static``: fixed view."""
    tex = texture(seed)
    step = 6 if kind == "pan" else 0
    return np.stack([tex[:, i * step : i * step + WIDTH] for i in range(frames)])


def write_dataset(root: Path) -> dict[str, str]:
    """Four clips (two panning right, two static) with Pan_Right/Static labels and captions.

    Returns:
        video name -> kind.
    """
    kinds = {"pan_a.mp4": "pan", "pan_b.mp4": "pan", "still_a.mp4": "static", "still_b.mp4": "static"}
    for i, (name, kind) in enumerate(kinds.items()):
        write_video(root / "videos" / name, clip_frames(kind, seed=i), fps=FPS)
    binary = root / "labels" / "binary_classification"
    for prim in (Primitive.PAN_RIGHT, Primitive.STATIC):
        recs = [
            BinaryRecord.make(name, prim, (kind == "pan") == (prim is Primitive.PAN_RIGHT))
            for name, kind in kinds.items()
        ]
        write_binary_file(binary / f"{prim.value}.jsonl", recs)
    captions = [
        CaptionItem(
            name,
            "Describe the camera movement in this video.",
            "The camera pans right." if kind == "pan" else "The camera remains completely still.",
        )
        for name, kind in kinds.items()
    ]
    write_caption_file(root / "labels" / "caption_data.json", captions)
    return kinds


def edited_copy(src: Path, dst: Path, file: str, change: Callable[[Any], None]) -> Path:
    """A copy of checkpoint folder ``src`` at ``dst`` whose JSON ``file`` is edited in place by ``change``."""
    shutil.copytree(src, dst)
    data = json.loads((dst / file).read_text())
    change(data)
    (dst / file).write_text(json.dumps(data))
    return dst


def to_older_layout(src: Path, dst: Path) -> None:
    """Rewrite a transformers-5 Qwen2.5-VL checkpoint in the layout of the published 7B (transformers 4.49).

    Flat config.json (text settings at the root, ``rope_scaling`` of type ``mrope``,
    ``torch_dtype``, the 4.49 vision keys ``in_chans``/``spatial_patch_size``), weights named
    ``model.layers.*``/``visual.*`` (transformers 5 already saves these legacy names; the renaming
    also covers files written with the in-memory names), ``preprocessor_config.json`` with ``min_pixels``/``max_pixels``
    and no video processor config, and the chat template in ``chat_template.json``.
    """
    import json
    import shutil

    from safetensors.torch import load_file, save_file

    dst.mkdir(parents=True)
    cfg = json.loads((src / "config.json").read_text())
    text = cfg.pop("text_config")
    rope = text.pop("rope_parameters")
    for key in ("model_type", "layer_types", "dtype"):
        text.pop(key, None)
    vision = cfg.pop("vision_config")
    vision.pop("rope_parameters", None)
    vision.pop("model_type", None)
    vision["in_chans"] = vision.pop("in_channels")
    vision["spatial_patch_size"] = vision["patch_size"]
    cfg.pop("dtype", None)
    old = {
        **cfg,
        **text,
        "vision_config": vision,
        "rope_theta": rope["rope_theta"],
        "rope_scaling": {"type": "mrope", "mrope_section": rope["mrope_section"]},
        "torch_dtype": "float32",
        "transformers_version": "4.49.0.dev0",
    }
    (dst / "config.json").write_text(json.dumps(old, indent=2))
    weights = load_file(src / "model.safetensors")
    renamed = {}
    for key, value in weights.items():
        if key.startswith("model.language_model."):
            key = "model." + key[len("model.language_model.") :]
        elif key.startswith("model.visual."):
            key = key[len("model.") :]
        renamed[key] = value.contiguous()
    save_file(renamed, dst / "model.safetensors", metadata={"format": "pt"})
    for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copyfile(src / name, dst / name)
    proc = json.loads((src / "processor_config.json").read_text())["image_processor"]
    preprocessor = {
        "min_pixels": proc["size"]["shortest_edge"],
        "max_pixels": 12845056,
        "patch_size": proc["patch_size"],
        "temporal_patch_size": proc["temporal_patch_size"],
        "merge_size": proc["merge_size"],
        "image_mean": proc["image_mean"],
        "image_std": proc["image_std"],
        "do_rescale": True,
        "do_normalize": True,
        "do_resize": True,
        "do_convert_rgb": True,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2_5_VLProcessor",
    }
    (dst / "preprocessor_config.json").write_text(json.dumps(preprocessor, indent=2))
    template = (src / "chat_template.jinja").read_text()
    (dst / "chat_template.json").write_text(json.dumps({"chat_template": template}, indent=2))


@pytest.fixture(scope="session")
def tiny_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Qwen2.5-VL checkpoint (current transformers layout)."""
    return make_tiny_vlm(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture(scope="session")
def tiny_qwen3_ckpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random Qwen3-VL checkpoint."""
    return make_tiny_vlm(tmp_path_factory.mktemp("ckpt3") / "tiny_qwen3", arch="qwen3-vl")


@pytest.fixture(scope="session")
def older_ckpt(tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same weights in the published 7B's (transformers 4.49) layout."""
    dst = tmp_path_factory.mktemp("old") / "tiny_old"
    to_older_layout(tiny_ckpt, dst)
    return dst


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A dataset folder with four clips (video name -> "pan" or "static")."""
    root = tmp_path_factory.mktemp("data")
    return root, write_dataset(root)


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread() -> Iterator[None]:
    """The tiny model is far faster single-threaded (2 intra-op threads on a busy 2-core machine
    spin against each other); restored afterwards so other test folders are unaffected."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
