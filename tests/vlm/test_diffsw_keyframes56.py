"""DiffSW key frames span the whole video (red-team R10).

A video shorter than ``keyframe_interval_s`` was captioned from its first frame alone (status ok),
and on the interval's ticks the end of the video after the last tick was never shown (a 1.97 s clip
at a 1 s interval: key frames at 0 and 1 s). Key frames are now the first frame, the ticks, and the
last frame when it lies more than half an interval after the last tick (or the ticks gave only the
first frame); a one-frame video is noted as such in the caption's details.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, load_qwen_vl
from camerabench.baselines.vlm.compat import prepare_image
from camerabench.errors import CameraBenchError
from camerabench.video import read_video, write_video

from .conftest import WIDTH, texture


@pytest.fixture(scope="module")
def vl(tiny_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_ckpt, device="cpu")


def _video(path: Path, frames: int, fps: float) -> Path:
    write_video(path, np.stack([texture(seed)[:, :WIDTH] for seed in range(frames)]), fps=fps)
    return path


def _spy(monkeypatch: pytest.MonkeyPatch, reply: str | None = "x") -> list[list[Any]]:
    """Record every generate_text call's content; reply ``reply`` (None: the real model's reply)."""
    calls: list[list[Any]] = []
    real = qwen.generate_text

    def spy(vl: QwenVL, content: list[Any], max_new_tokens: int = 256) -> str:
        calls.append(content)
        return real(vl, content, max_new_tokens) if reply is None else reply

    monkeypatch.setattr(qwen, "generate_text", spy)
    return calls


# --- the selection itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frames", "fps", "interval", "expected"),
    [
        (60, 30.0, 1.0, [0, 30, 59]),  # 1.97 s: the last 0.97 s after the 1 s tick was never shown
        (13, 24.0, 1.0, [0, 12]),  # 0.5 s, shorter than the interval: was the first frame alone
        (13, 24.0, 100.0, [0, 12]),  # far shorter than the interval
        (2, 25.0, 1.0, [0, 1]),  # two frames: both
        (75, 25.0, 0.7, [0, 17, 35, 52, 70]),  # last frame 0.16 s after the 2.8 s tick: within half of 0.7 s
        (41, 10.0, 1.0, [0, 10, 20, 30, 40]),  # the last tick is the last frame
    ],
)
def test_key_frames_are_the_ticks_and_the_last_frame_past_half_an_interval(
    frames: int, fps: float, interval: float, expected: list[int]
) -> None:
    keep, evenly = qwen.diffsw_keyframes(np.arange(frames) / fps, interval, 16)
    assert keep.tolist() == expected and not evenly


def test_the_last_frame_is_added_just_past_half_an_interval_only() -> None:
    share = qwen.DIFFSW_LAST_FRAME_SHARE
    assert share == 0.5
    within = np.array([0.0, 0.25, 0.5, 1.0, 1.5])  # last frame 0.5 s after the 1 s tick
    past = np.array([0.0, 0.25, 0.5, 1.0, 1.5001])
    assert qwen.diffsw_keyframes(within, 1.0, 16)[0].tolist() == [0, 3]
    assert qwen.diffsw_keyframes(past, 1.0, 16)[0].tolist() == [0, 3, 4]


def test_max_keyframes_is_kept_when_the_last_frame_would_exceed_it() -> None:
    """4 s at 10 fps, 1 s interval: ticks 0-3 s and the last frame (3.9 s) make 5 > 4: evenly spread."""
    times = np.arange(40) / 10.0
    keep, evenly = qwen.diffsw_keyframes(times, 1.0, 4)
    assert evenly and keep.tolist() == [0, 13, 26, 39]
    keep, evenly = qwen.diffsw_keyframes(times, 1.0, 5)
    assert not evenly and keep.tolist() == [0, 10, 20, 30, 39]


def test_one_frame_and_too_few_key_frames() -> None:
    keep, evenly = qwen.diffsw_keyframes(np.array([0.0]), 1.0, 16)
    assert keep.tolist() == [0] and not evenly
    with pytest.raises(CameraBenchError, match="max_keyframes must be at least 2"):
        qwen.diffsw_keyframes(np.arange(10) / 10.0, 1.0, 1)
    with pytest.raises(CameraBenchError, match="max_keyframes must be at least 2"):
        qwen.diffsw_caption(None, "unused.mp4", max_keyframes=1)  # type: ignore[arg-type]
    with pytest.raises(CameraBenchError, match="max_keyframes"):
        qwen.QwenVLPredictor(model="unused", max_keyframes=1)


# --- through diffsw_caption ------------------------------------------------------------------


def test_a_video_shorter_than_the_interval_gets_its_first_and_last_frame(
    vl: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0.54 s at 24 fps (13 frames), 1 s interval: was one call on frame 0 and the summary."""
    path = _video(tmp_path / "short.mp4", 13, 24.0)
    calls = _spy(monkeypatch)
    details: dict[str, Any] = {}
    qwen.diffsw_caption(vl, path, "Describe.", keyframe_interval_s=1.0, details=details)
    assert [sum(not isinstance(c, str) for c in call) for call in calls] == [1, 2, 0]
    last = read_video(path, num_frames=2).frames[-1]
    assert torch.equal(calls[1][1].pixel_values, prepare_image(last, vl.image_spec).pixel_values)
    assert "the current frame at 0.5 s" in calls[1][-1]
    assert details["key_frames"] == 2 and details["key_frame_times_s"] == pytest.approx([0.0, 0.5], abs=1e-3)
    assert "one_frame_video" not in details


def test_the_end_after_the_last_tick_is_shown_with_the_real_tiny_model(
    vl: QwenVL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2 s at 8 fps (last frame 1.875 s), 1 s interval: the key frames were 0 and 1 s only."""
    path = _video(tmp_path / "two.mp4", 16, 8.0)
    calls = _spy(monkeypatch, reply=None)
    caption = qwen.diffsw_caption(vl, path, "Describe.", keyframe_interval_s=1.0, max_new_tokens=2)
    assert isinstance(caption, str) and caption
    assert len(calls) == 4  # first frame, two changes, the summary
    expected = read_video(path, fps=1.0).frames.tolist() + read_video(path, num_frames=2).frames[-1:].tolist()
    images = [calls[0][0], calls[1][1], calls[2][1]]
    for image, frame in zip(images, np.array(expected, dtype=np.uint8), strict=True):
        assert torch.equal(image.pixel_values, prepare_image(frame, vl.image_spec).pixel_values)
    assert "previous frame at 1.0 s and the current frame at 1.9 s" in calls[2][-1]
    assert "[1.9 s, change]" in calls[3][0]


def test_a_one_frame_video_is_noted_in_the_caption_details(
    tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = _video(tmp_path / "one.mp4", 1, 8.0)
    predictor = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu")
    calls = _spy(monkeypatch)
    with caplog.at_level(logging.WARNING, logger=qwen.__name__):
        assert predictor.caption(path, "Describe.", mode="diffsw") == "x"
    assert len(calls) == 2  # the frame, then the summary
    details = predictor.caption_details(path)
    assert details["key_frames"] == 1 and "still frame" in details["one_frame_video"]
    assert "one.mp4: one frame" in caplog.text
    assert predictor.caption_details(tmp_path / "other.mp4") == {}
