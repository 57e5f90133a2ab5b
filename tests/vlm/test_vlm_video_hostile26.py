"""Hostile video inputs, round 26: how a video becomes the frames and timing Qwen-VL is given.

Short clips get Qwen's processors' frame floor (not one frame padded to a still temporal patch), the
rate the model is told is the sampling clock's when the frames are its ticks (not the first-to-last
mean, which moved Qwen2.5-VL's temporal positions), and frames a uniform time axis cannot place
(a variable frame rate) are warned about and noted.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, load_qwen_vl
from camerabench.errors import PredictionError
from camerabench.video import write_video


@pytest.fixture(scope="module")
def vl25(tiny_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_ckpt, device="cpu")


@pytest.fixture(scope="module")
def vl3(tiny_qwen3_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_qwen3_ckpt, device="cpu")


def _noise(frames: int, height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (frames, height, width, 3), dtype=np.uint8)


def _video(folder: Path, name: str, frames: int, fps: float) -> Path:
    path = folder / name
    write_video(path, _noise(frames), fps=fps)
    return path


def _vfr_video(path: Path, times: list[float]) -> Path:
    """Frames at the given times (ms time base): a variable frame rate."""
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        for t in times:
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# --- clips shorter than a few ticks of the sampling clock -----------------------------------------


@pytest.mark.parametrize("arch", ["qwen2.5", "qwen3"])
def test_two_frame_clip_shorter_than_a_tick_keeps_both_frames(
    vl25: QwenVL, vl3: QwenVL, arch: str, tmp_path: Path
) -> None:
    """2 frames at 25 fps read at 8 fps: the model got the first frame alone (a still temporal patch)."""
    vl = vl25 if arch == "qwen2.5" else vl3
    video = qwen.encode_video(vl, _video(tmp_path, "two.mp4", 2, 25.0), sample_fps=8.0)
    assert len(video.frame_times_s) == 2
    assert video.grid_thw[0] == 1
    assert video.notes == {"frames_at_sample_fps": 1, "frames_sampled_evenly": 2}
    assert video.fps == pytest.approx(25.0)  # the two frames' own spacing, 0.04 s
    # the temporal patch holds two different frames (patch values are laid out channel, frame, pixels)
    frames = video.pixel_values.reshape(video.pixel_values.shape[0], 3, 2, -1)
    assert not np.allclose(frames[:, :, 0].numpy(), frames[:, :, 1].numpy())


def test_three_frame_clip_is_padded_with_its_last_frame_not_cut(vl25: QwenVL, tmp_path: Path) -> None:
    video = qwen.encode_video(vl25, _video(tmp_path, "three.mp4", 3, 25.0), sample_fps=8.0)
    assert len(video.frame_times_s) == 3
    assert video.grid_thw[0] == 2  # frames 0-1 and 2-2 (the processor's padding)
    last = video.pixel_values.reshape(*video.grid_thw, 3, 2, -1)[1]
    assert np.array_equal(last[..., 0, :].numpy(), last[..., 1, :].numpy())


def test_short_clip_counted_with_its_floor_before_decoding(
    vl25: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 frames at 25 fps (0.16 s): 1 frame at 8 fps (4 tokens) fitted 6 positions; the 4 frames read (8) do not."""
    path = _video(tmp_path, "short.mp4", 4, 25.0)
    monkeypatch.setattr(vl25.model.config.get_text_config(), "max_position_embeddings", 6)

    def no_decoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the video was decoded")

    monkeypatch.setattr(qwen, "read_video", no_decoding)
    with pytest.raises(PredictionError, match=r"short\.mp4: .* is 4 frames, 8 visual tokens, more than the 6"):
        qwen.encode_video(vl25, path, sample_fps=8.0)


# --- the rate the model is told --------------------------------------------------------------------


@pytest.mark.parametrize("fps", [25.0, 30000 / 1001, 30.0, 60.0])
def test_rate_told_is_the_sampling_clock_for_common_frame_rates(vl25: QwenVL, tmp_path: Path, fps: float) -> None:
    """2 s read at 8 fps: the first-to-last mean (8.036 for 30 fps) was told, not the clock's 8."""
    video = qwen.encode_video(vl25, _video(tmp_path, "clip.mp4", round(2 * fps), fps), sample_fps=8.0)
    assert video.fps == 8.0
    assert video.second_per_grid_t == 0.25
    # every frame within half a stream frame (and the container's rounding) of the time it is told
    told = np.arange(len(video.frame_times_s)) / video.fps
    assert np.max(np.abs(video.frame_times_s - video.frame_times_s[0] - told)) <= 0.6 / fps


def test_qwen25_temporal_positions_follow_the_frames_times(vl25: QwenVL, tmp_path: Path) -> None:
    """30 fps read at 8 fps: the patches' rope times floor(t * 2 tokens/s) fell one behind every other patch."""
    video = qwen.encode_video(vl25, _video(tmp_path, "clip30.mp4", 60, 30.0), sample_fps=8.0)
    enc = vl25.encode([video, "Does the camera move?"])
    positions = vl25.rope_positions(enc)
    is_video = enc.mm_token_type_ids > 0
    first = int(positions[0][is_video][0])
    per_patch = positions[0][is_video].reshape(video.grid_thw[0], -1)[:, 0] - first
    patch_start = video.frame_times_s[::2] - video.frame_times_s[0]
    tokens_per_second = vl25.model.config.vision_config.tokens_per_second
    assert per_patch.tolist() == np.floor(patch_start * tokens_per_second + 1e-9).astype(int).tolist()


def test_told_rate_of_a_slower_stream_is_its_own() -> None:
    """Every frame of a 5 fps stream read at 8 fps: its rate, not the clock's (no frame is repeated)."""
    assert qwen.told_rate(np.arange(10) / 5.0, 8.0, 5.0) == 5.0
    assert qwen.told_rate(np.array([0.0]), 8.0, 25.0) == 25.0


# --- variable frame rate --------------------------------------------------------------------------


def test_variable_frame_rate_off_the_uniform_axis_is_warned_and_noted(
    vl25: QwenVL, vl3: QwenVL, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """1 s at 30 fps then 2 s at 5 fps: Qwen2.5-VL places the 18 frames 0.165 s apart, up to 0.27 s off."""
    path = _vfr_video(tmp_path / "vfr.mkv", [*(np.arange(30) / 30), *(1 + np.arange(10) / 5)])
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.qwen"):
        video = qwen.encode_video(vl25, path, sample_fps=8.0)
    assert len(video.frame_times_s) == 18
    error = video.notes["frame_time_error_s"]
    told = np.arange(18) / video.fps
    assert error == pytest.approx(np.max(np.abs(video.frame_times_s - video.frame_times_s[0] - told)), abs=1e-6)
    assert error > 0.5 / video.fps
    assert any("not evenly spaced" in r.getMessage() and "vfr.mkv" in r.getMessage() for r in caplog.records)
    # Qwen3-VL is told each temporal patch's own time in the prompt: nothing to note
    assert "frame_time_error_s" not in qwen.encode_video(vl3, path, sample_fps=8.0).notes
