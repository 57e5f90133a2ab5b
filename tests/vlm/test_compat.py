"""Pixel preparation without torchvision, checked against transformers' own PIL image processor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

from camerabench.baselines.vlm.compat import PixelSpec, prepare_image, prepare_video

SPEC = PixelSpec(min_pixels=56 * 56, max_pixels=360 * 420)


def reference(frame: np.ndarray) -> tuple[torch.Tensor, list[int]]:
    """transformers' PIL Qwen2-VL image processor (no torchvision needed) on one frame."""
    proc = Qwen2VLImageProcessorPil(min_pixels=SPEC.min_pixels, max_pixels=SPEC.max_pixels)
    out = proc(images=[frame], return_tensors="pt")
    return out["pixel_values"], out["image_grid_thw"][0].tolist()


def test_image_pixels_equal_the_transformers_processor_when_no_resize_is_needed() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (56, 84, 3), dtype=np.uint8)
    pixels, grid = reference(frame)
    mine = prepare_image(frame, SPEC)
    assert list(mine.grid_thw) == grid == [1, 4, 6]
    assert mine.num_tokens == 6
    torch.testing.assert_close(mine.pixel_values, pixels, rtol=0, atol=1e-6)


def test_resized_image_matches_the_processor_up_to_resampling() -> None:
    # PIL's bicubic and torch's antialiased bicubic differ slightly; sizes must agree exactly
    frame = np.random.default_rng(1).integers(0, 256, (100, 150, 3), dtype=np.uint8)
    pixels, grid = reference(frame)
    mine = prepare_image(frame, SPEC)
    assert list(mine.grid_thw) == grid
    assert float((mine.pixel_values - pixels).abs().mean()) < 0.02


def test_video_patches_hold_each_frame_in_its_temporal_slot() -> None:
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, (2, 56, 84, 3), dtype=np.uint8)
    video = prepare_video(frames, 8.0, SPEC)
    assert video.grid_thw == (1, 4, 6)
    patch = SPEC.patch_size
    layout = video.pixel_values.reshape(-1, 3, 2, patch, patch)  # (patches, C, T, P, P)
    for t in range(2):
        ref, _ = reference(frames[t])  # a still image fills both temporal slots with itself
        torch.testing.assert_close(layout[:, :, t], ref.reshape(-1, 3, 2, patch, patch)[:, :, t], rtol=0, atol=1e-6)


def test_odd_frame_counts_repeat_the_last_frame_and_fps_sets_the_temporal_spacing() -> None:
    frames = np.random.default_rng(3).integers(0, 256, (3, 56, 56, 3), dtype=np.uint8)
    video = prepare_video(frames, 4.0, SPEC)
    assert video.grid_thw == (2, 4, 4)
    assert video.second_per_grid_t == pytest.approx(0.5)
    assert video.fps == 4.0
    layout = video.pixel_values.reshape(2, 16, 3, 2, 14, 14)
    torch.testing.assert_close(layout[1, :, :, 0], layout[1, :, :, 1])  # frame 2 padded with itself
    assert not torch.equal(layout[0, :, :, 0], layout[0, :, :, 1])


def test_pixel_cap_bounds_the_frame_size() -> None:
    frames = np.zeros((2, 720, 1280, 3), dtype=np.uint8)
    video = prepare_video(frames, 8.0, SPEC)
    height, width = video.size_hw
    assert height * width <= 360 * 420
    assert height % 28 == 0 and width % 28 == 0


@pytest.mark.parametrize(
    ("frames", "fps"),
    [
        (np.zeros((0, 56, 56, 3), np.uint8), 8.0),
        (np.zeros((2, 56, 56), np.uint8), 8.0),
        (np.zeros((2, 56, 56, 3), np.uint8), 0.0),
    ],
)
def test_bad_video_input_is_rejected(frames: np.ndarray, fps: float) -> None:
    with pytest.raises(ValueError):
        prepare_video(frames, fps, SPEC)


def test_broken_torchvision_becomes_importable_with_stand_in_operators(tmp_path: Path) -> None:
    # a stand-in for the CUDA torchvision wheel next to CPU torch: its extension cannot load, and
    # its import registers a fake kernel for torchvision::nms, which then does not exist
    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "_C.so").write_text("not a shared library")
    (package / "__init__.py").write_text(
        "import torch\n\n"
        "@torch.library.register_fake('torchvision::nms')\n"
        "def _meta_nms(dets, scores, iou_threshold):\n"
        "    return dets.new_empty(0, dtype=torch.long)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    plain = subprocess.run([sys.executable, "-c", "import torchvision"], env=env, capture_output=True, text=True)
    assert plain.returncode != 0 and "torchvision::nms" in plain.stderr
    guarded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from camerabench.baselines.vlm.compat import ensure_transformers_importable as f; f(); import torchvision",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert guarded.returncode == 0, guarded.stderr
