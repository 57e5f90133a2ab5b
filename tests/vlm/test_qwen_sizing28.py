"""Qwen-VL input sizing, round 28: the up-front length check's frame size and the checkpoint's frame counts.

The check that a video fits the model's positions before decoding it assumed at most
``max(max_pixels, min_pixels)`` pixels a frame, which rounding each side to the patch factor exceeds
at extreme aspect ratios: such a video was decoded whole, then refused at tokenisation. The frame
floor was a hard-coded 4 whatever the checkpoint's video processor said, and its ``max_frames`` was
not read at all.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import (
    QwenVL,
    VideoSampling,
    check_checkpoint,
    load_qwen_vl,
    read_video_sampling,
)
from camerabench.baselines.vlm.compat import PixelSpec, video_token_count
from camerabench.errors import FileFormatError, PredictionError
from camerabench.video import write_video

from .conftest import edited_copy


@pytest.fixture(scope="module")
def vl25(tiny_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_ckpt, device="cpu")


@pytest.fixture(scope="module")
def vl3(tiny_qwen3_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_qwen3_ckpt, device="cpu")


def _video_proc(change: dict[str, Any]) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["video_processor"].update(change)

    return edit


@pytest.fixture(scope="module")
def vl_frames(tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> QwenVL:
    """The tiny Qwen2.5-VL whose video processor asks for 6 to 8 frames."""
    dst = tmp_path_factory.mktemp("frames") / "ckpt"
    edited_copy(tiny_ckpt, dst, "processor_config.json", _video_proc({"min_frames": 6, "max_frames": 8, "fps": 2}))
    return load_qwen_vl(dst, device="cpu")


def _video(path: Path, frames: int, fps: float, height: int = 48, width: int = 64) -> Path:
    rng = np.random.default_rng(0)
    write_video(path, rng.integers(0, 256, (frames, height, width, 3), dtype=np.uint8), fps=fps)
    return path


def _no_decoding(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the video was decoded")


# --- the up-front check: the frame size after rounding to the patch factor ---------------------------


@pytest.mark.parametrize("arch", ["qwen2.5", "qwen3"])
def test_extreme_aspect_ratio_refused_before_decoding(
    vl25: QwenVL, vl3: QwenVL, arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1024x32 frames at one factor squared a frame: 28x140 (Qwen2.5-VL) or 32x160 (Qwen3-VL), 5 tokens
    a temporal patch, not the 1 (+1) the header check counted; 4 frames are 10 tokens, over 6 positions."""
    vl = vl25 if arch == "qwen2.5" else vl3
    factor = vl.spec.factor
    spec = dataclasses.replace(vl.spec, max_pixels=factor**2, min_pixels=0 if vl.spec.clip_budget else factor**2)
    monkeypatch.setattr(vl, "spec", spec)
    monkeypatch.setattr(vl.model.config.get_text_config(), "max_position_embeddings", 6)
    monkeypatch.setattr(qwen, "read_video", _no_decoding)
    path = _video(tmp_path / "wide.mp4", 4, 25.0, height=32, width=1024)
    assert video_token_count(4, 32, 1024, spec) == 10
    with pytest.raises(PredictionError, match=r"wide\.mp4: .* is 4 frames, 10 visual tokens, more than the 6"):
        qwen.encode_video(vl, path, sample_fps=8.0)


def test_extreme_aspect_ratio_that_fits_is_settled_by_the_header(
    vl25: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound is exact for Qwen2.5-VL: 10 positions hold the 10 tokens, without the decoding probe."""
    spec = dataclasses.replace(vl25.spec, max_pixels=784, min_pixels=784)
    monkeypatch.setattr(vl25.model.config.get_text_config(), "max_position_embeddings", 10)
    monkeypatch.setattr(qwen, "probe_video", _no_decoding)
    path = _video(tmp_path / "wide.mp4", 4, 25.0, height=32, width=1024)
    assert qwen.refuse_too_long(vl25, path, 8.0, spec) is None
    assert qwen._surely_fits(path, 8.0, spec, 10)
    assert not qwen._surely_fits(path, 8.0, spec, 9)


def test_header_size_is_the_size_read_video_gives(tmp_path: Path) -> None:
    path = _video(tmp_path / "clip.mp4", 2, 25.0, height=48, width=64)
    assert qwen._header_size(path, None) == (64, 48)
    assert qwen._header_size(path, 32) == (32, 24)


def test_enlarging_branch_above_both_bounds_is_counted() -> None:
    """29x3569 with Qwen2.5-VL's video bounds (100352..151200 pixels) becomes 56x3528 = 197568 pixels."""
    spec = PixelSpec(min_pixels=128 * 28 * 28, max_pixels=151200)
    assert qwen._frame_pixels_bound(3569, 29, spec) == 197568
    assert video_token_count(2, 29, 3569, spec) == 197568 // 28**2


@pytest.mark.parametrize(
    "spec",
    [
        PixelSpec(min_pixels=128 * 28 * 28, max_pixels=151200),
        PixelSpec(min_pixels=3136, max_pixels=784),
        PixelSpec(patch_size=16, min_pixels=0, max_pixels=1024, clip_budget=True, clip_min_pixels=4096),
        PixelSpec(
            patch_size=16,
            min_pixels=50000,
            max_pixels=151200,
            clip_budget=True,
            clip_min_pixels=131072,
            clip_max_pixels=200000,
        ),
    ],
    ids=["qwen25-video", "qwen25-tiny", "qwen3-tiny", "qwen3-clip-capped"],
)
def test_frame_bound_holds_for_every_frame_count(spec: PixelSpec) -> None:
    """The per-frame bound times the temporal patches is never below the tokens the processor gives."""
    rng = np.random.default_rng(3)
    sizes = [(32, 1024), (29, 3569), (1080, 1920), (7, 1400), (1, 200), (300, 301)]
    sizes += [(int(h), int(w)) for h, w in rng.integers(1, 2000, (40, 2)) if max(h, w) / min(h, w) <= 200]
    for height, width in sizes:
        per_patch = qwen._frame_pixels_bound(width, height, spec) // spec.factor**2
        for frames in (1, 2, 3, 4, 5, 7, 16, 37, 400):
            assert video_token_count(frames, height, width, spec) <= -(-frames // 2) * per_patch, (height, width)


# --- the checkpoint's frame counts ------------------------------------------------------------------


def test_checkpoint_min_frames_is_the_floor(vl_frames: QwenVL, tmp_path: Path) -> None:
    """8 frames at 25 fps (0.32 s) read at 8 fps: 3 ticks; the checkpoint asks for 6 (4 was hard-coded)."""
    video = qwen.encode_video(vl_frames, _video(tmp_path / "short.mp4", 8, 25.0), sample_fps=8.0)
    assert len(video.frame_times_s) == 6
    assert video.notes == {"frames_at_sample_fps": 3, "frames_sampled_evenly": 6}


def test_checkpoint_max_frames_samples_down_evenly(
    vl_frames: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 s at 8 fps is 16 ticks; the checkpoint takes at most 8: 8 frames from the first to the last,
    never all 16 kept first, counted in the notes."""
    reads: list[dict[str, Any]] = []
    read = qwen.read_video

    def spy(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs)
        return read(*args, **kwargs)

    monkeypatch.setattr(qwen, "read_video", spy)
    video = qwen.encode_video(vl_frames, _video(tmp_path / "long.mp4", 16, 8.0), sample_fps=8.0)
    assert len(video.frame_times_s) == 8
    assert video.frame_times_s[0] == pytest.approx(0.0) and video.frame_times_s[-1] == pytest.approx(15 / 8)
    assert video.notes == {"frames_at_sample_fps": 16, "frames_sampled_evenly": 8, "max_frames": 8}
    assert all(r.get("num_frames") == 8 for r in reads)


def test_checkpoint_max_frames_counted_by_the_length_check(
    vl_frames: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 ticks of 64x48 (8 temporal patches of 4 tokens: 32) do not fit 20 positions; the 8 frames
    the checkpoint keeps (16 tokens) do: not refused."""
    path = _video(tmp_path / "long.mp4", 16, 8.0)
    assert video_token_count(15, 48, 64, vl_frames.spec) == 32
    monkeypatch.setattr(vl_frames.model.config.get_text_config(), "max_position_embeddings", 20)
    video = qwen.encode_video(vl_frames, path, sample_fps=8.0)
    assert video.num_tokens == 16


def test_sampling_read_from_the_checkpoint(vl_frames: QwenVL, vl25: QwenVL) -> None:
    assert vl_frames.sampling == VideoSampling(6, 8, 2.0, "processor_config.json:video_processor")
    assert vl25.sampling == VideoSampling(4, None, None, "processor_config.json:video_processor")


def test_sampling_from_older_layout_preprocessor_config(older_ckpt: Path, tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data.update(min_frames=2, max_frames=64)

    ckpt = edited_copy(older_ckpt, tmp_path / "old", "preprocessor_config.json", edit)
    got = read_video_sampling(ckpt)
    assert (got.min_frames, got.max_frames, got.fps) == (2, 64, None)
    assert read_video_sampling(older_ckpt).min_frames == 4


def test_sampling_from_video_preprocessor_config(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    """Qwen3-VL's published layout: video_preprocessor_config.json beside preprocessor_config.json."""
    ckpt = tmp_path / "q3"
    edited_copy(tiny_qwen3_ckpt, ckpt, "config.json", lambda c: None)
    composite = json.loads((ckpt / "processor_config.json").read_text())
    (ckpt / "processor_config.json").unlink()
    (ckpt / "preprocessor_config.json").write_text(json.dumps(composite["image_processor"]))
    video = {**composite["video_processor"], "fps": 2, "min_frames": 4, "max_frames": 768}
    (ckpt / "video_preprocessor_config.json").write_text(json.dumps(video))
    assert read_video_sampling(ckpt) == VideoSampling(4, 768, 2.0, "video_preprocessor_config.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"min_frames": 0}, r"video_processor: min_frames must be a positive integer, got 0"),
        ({"min_frames": "4"}, r"min_frames must be a positive integer, got '4'"),
        ({"max_frames": True}, r"max_frames must be a positive integer, got True"),
        ({"max_frames": 2.0}, r"max_frames must be a positive integer, got 2\.0"),
        ({"min_frames": 9, "max_frames": 8}, r"min_frames 9 exceeds max_frames 8"),
        ({"max_frames": 2}, r"min_frames \(default 4\) 4 exceeds max_frames 2"),
        ({"fps": 0}, r"fps must be a positive finite number, got 0"),
        ({"fps": "2"}, r"fps must be a positive finite number, got '2'"),
    ],
)
def test_bad_frame_settings_refused_naming_file_and_key(
    tiny_ckpt: Path, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    ckpt = edited_copy(tiny_ckpt, tmp_path / "bad", "processor_config.json", _video_proc(change))
    with pytest.raises(FileFormatError, match=r"processor_config\.json.*" + message):
        read_video_sampling(ckpt)
    with pytest.raises(FileFormatError, match=message):  # before any worker starts
        check_checkpoint(ckpt)
