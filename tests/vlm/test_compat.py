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

from camerabench.baselines.vlm.compat import PixelSpec, patch_timestamps, prepare_image, prepare_video

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


# --- Qwen3-VL: the same pipeline against transformers' Qwen3-VL processor -----------------------

QWEN3_VIDEO = PixelSpec(
    patch_size=16,
    min_pixels=0,
    max_pixels=360 * 420,
    image_mean=(0.5, 0.5, 0.5),
    image_std=(0.5, 0.5, 0.5),
    clip_budget=True,
    clip_min_pixels=4096,
    clip_max_pixels=25165824,
)
QWEN3_IMAGE = PixelSpec(
    patch_size=16, min_pixels=56 * 56, max_pixels=360 * 420, image_mean=(0.5,) * 3, image_std=(0.5,) * 3
)


@pytest.fixture()
def qwen3_processor(tiny_qwen3_ckpt: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """transformers' own ``Qwen3VLProcessor`` (video processor ``Qwen3VLVideoProcessor``, PIL image
    processor), made to run without torchvision: torchvision's ``normalize`` (``(x - mean) / std``)
    is the one operator it needs once frames need no resizing, and the processor's class check
    looks the video processor base class up among transformers' torchvision-gated exports."""
    import transformers.image_processing_backends as backends
    import transformers.processing_utils as processing_utils
    import transformers.video_processing_utils as video_utils
    from transformers import AutoTokenizer, Qwen3VLProcessor
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

    def normalize(x: torch.Tensor, mean: list[float], std: list[float], inplace: bool = False) -> torch.Tensor:
        shape = (-1, 1, 1)
        return (x - torch.as_tensor(mean).view(shape)) / torch.as_tensor(std).view(shape)

    monkeypatch.setattr(backends, "tvF", type("tvF", (), {"normalize": staticmethod(normalize)}), raising=False)
    mixin = video_utils.VideoProcessorMixin
    monkeypatch.setattr(processing_utils.transformers_module, "VideoProcessorMixin", mixin, raising=False)
    size = {"shortest_edge": QWEN3_VIDEO.clip_min_pixels, "longest_edge": QWEN3_VIDEO.clip_max_pixels}
    video = Qwen3VLVideoProcessor(
        patch_size=16,
        size=size,
        do_convert_rgb=False,
        do_resize=False,
        do_sample_frames=False,
        cap_pixels_per_frame=False,
    )
    image = Qwen2VLImageProcessorPil(
        patch_size=16, image_mean=[0.5] * 3, image_std=[0.5] * 3, min_pixels=56 * 56, max_pixels=360 * 420
    )
    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3_ckpt, local_files_only=True)
    return Qwen3VLProcessor(image_processor=image, tokenizer=tokenizer, video_processor=video)


def test_qwen3_pixels_and_prompt_equal_the_transformers_processor(
    qwen3_processor: object, tiny_qwen3_ckpt: Path
) -> None:
    from transformers.video_utils import VideoMetadata

    from camerabench.baselines.vlm.checkpoint import load_qwen_vl

    rng = np.random.default_rng(7)
    frames = rng.integers(0, 256, (5, 64, 96, 3), dtype=np.uint8)  # odd count: the last frame is repeated
    still = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    fps = 4.0
    vl = load_qwen_vl(tiny_qwen3_ckpt, device="cpu")
    assert vl.spec == QWEN3_VIDEO and vl.image_spec == QWEN3_IMAGE  # what the tiny checkpoint's files say
    video, image = prepare_video(frames, fps, vl.spec), prepare_image(still, vl.image_spec)
    ours = vl.encode([video, image, "Does the camera pan?"])

    text = vl.render([video, image, "Does the camera pan?"])
    metadata = VideoMetadata(total_num_frames=5, fps=fps, frames_indices=list(range(5)))
    ref = qwen3_processor(  # type: ignore[operator]
        text=[text], videos=[frames], images=[still], video_metadata=[metadata], return_tensors="pt"
    )
    assert ref["video_grid_thw"][0].tolist() == list(video.grid_thw) == [3, 4, 6]
    assert ref["image_grid_thw"][0].tolist() == list(image.grid_thw) == [1, 4, 6]
    torch.testing.assert_close(video.pixel_values, ref["pixel_values_videos"], rtol=0, atol=1e-6)
    torch.testing.assert_close(image.pixel_values, ref["pixel_values"], rtol=0, atol=1e-6)

    # transformers 5.24 replaces only the template's <|video_pad|>, so its prompt keeps the
    # template's own start/end tokens around the per-patch ones; Qwen3-VL's processor as released,
    # camerabench and transformers 5.25 replace them with the expansion. Apart from those two
    # tokens: identical, whichever the installed transformers does.
    start, end = (vl.tokenizer.convert_tokens_to_ids(t) for t in ("<|vision_start|>", "<|vision_end|>"))
    ref_ids, ref_mm = ref["input_ids"][0].tolist(), ref["mm_token_type_ids"][0].tolist()
    outer_start = ref_ids.index(start)
    video_ends = [i for i, t in enumerate(ref_ids) if t == end][: video.grid_thw[0] + 1]
    outer_end = video_ends[-1]
    if ref_ids[outer_end - 1] == end:  # the template's end follows the last patch's end (5.24)
        keep = [i for i in range(len(ref_ids)) if i not in (outer_start, outer_end)]
        ref_ids, ref_mm = [ref_ids[i] for i in keep], [ref_mm[i] for i in keep]
    assert ours.input_ids.tolist() == ref_ids
    assert ours.mm_token_type_ids.tolist() == ref_mm
    decoded = vl.tokenizer.decode(ours.input_ids)
    # frames at 0, .25, .5, .75 and 1 s (the last repeated): patches at .125, .625 and 1 s
    assert "<0.1 seconds><|vision_start|>" in decoded and "<0.6 seconds>" in decoded and "<1.0 seconds>" in decoded


@pytest.mark.parametrize(
    ("frames", "height", "width", "max_pixels", "clip_min"),
    [(8, 480, 640, 360 * 420, 4096), (5, 1080, 1920, 360 * 640, 4096), (2, 48, 64, 360 * 420, 128 * 32 * 32),
     (16, 100, 300, 32 * 32 * 4, 4096), (9, 720, 1280, 360 * 420, 20 * 360 * 420)],
)  # fmt: skip
def test_qwen3_clip_budget_sizes_equal_the_video_processor(
    frames: int, height: int, width: int, max_pixels: int, clip_min: int
) -> None:
    """Frame sizes under Qwen3-VL's whole-clip bounds: the processor's own patch count for a
    clip bound of (per-frame cap x frames) is the count of our resized frames."""
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

    spec = PixelSpec(**{**QWEN3_VIDEO.__dict__, "max_pixels": max_pixels, "clip_min_pixels": clip_min})
    video = prepare_video(np.zeros((frames, height, width, 3), np.uint8), 8.0, spec)
    lower, upper = spec.clip_bounds(frames)
    size = {"shortest_edge": lower, "longest_edge": upper}
    reference = Qwen3VLVideoProcessor(patch_size=16).get_num_of_video_patches(frames, height, width, {"size": size})
    assert int(np.prod(video.grid_thw)) == reference
    h, w = video.size_hw
    assert h % 32 == 0 and w % 32 == 0
    assert h * w <= max_pixels


def test_qwen3_patch_timestamps_follow_the_processor() -> None:
    from transformers import Qwen3VLProcessor

    for indices, fps in (([0, 1, 2, 3, 4], 4.0), ([0, 3, 6, 9, 12, 15], 30.0), ([0], 8.0)):
        reference = Qwen3VLProcessor._calculate_timestamps(None, list(indices), fps, 2)  # type: ignore[arg-type]
        assert patch_timestamps(np.array(indices) / fps) == pytest.approx(reference, abs=1e-12)
    assert patch_timestamps(np.array([10.0, 10.5, 11.0])) == [0.25, 1.0]  # times count from the first frame
