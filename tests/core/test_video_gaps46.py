"""Timestamp gaps measured against the frames' median interval, not the container's average rate.

An MP4's average frame rate is its frame count over its duration: a freeze counts as frame time and
pulls it down. 11 frames of 30 fps with a 2 s freeze were reported at 4.71 fps ("9.4 frame intervals
at the stream's 4.71 fps"); in 5 frames the average fell to 1.22 fps and the freeze went unflagged.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import probe_video, read_video

READS = [{}, {"fps": 5.0}, {"num_frames": 4}]


def _write(path: Path, intervals: list[float], tb: Fraction = Fraction(1, 90000), fmt: str = "mp4") -> Path:
    """A clip whose frames lie ``intervals`` apart (seconds), as a phone stores it (H.264 with
    B-frames, in 1/90000 s)."""
    times = np.concatenate([[0.0], np.cumsum(intervals)])
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = tb
        stream.options = {"preset": "ultrafast", "bf": "2"}  # B-frames, as phones encode
        for i, t in enumerate(times):
            img = np.zeros((32, 32, 3), np.uint8)
            img[:, (2 * i) % 32] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = round(t / tb), tb
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_a_freeze_in_five_frames_is_flagged_at_the_true_rate(tmp_path: Path) -> None:
    """5 frames of 30 fps, 2 s frozen between the 2nd and 3rd: the MP4's average rate was 1.22 fps,
    4 of whose intervals (3.3 s) the 2 s freeze was not: no note, and a duration of 2.92 s."""
    path = _write(tmp_path / "short.mp4", [1 / 30, 2.0, 1 / 30, 1 / 30], tb=Fraction(1, 30000))
    with av.open(str(path)) as container:
        assert float(container.streams.video[0].average_rate) == pytest.approx(1.2195, abs=1e-3)
    info = probe_video(path)
    assert info.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 2.0}
    assert info.fps == 30.0
    assert info.duration_s == pytest.approx(2.0 + 4 / 30)
    for sampling in READS:
        clip = read_video(path, **sampling)
        assert clip.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 2.0}, sampling
        assert clip.native_fps == 30.0, sampling


def test_three_frames_with_a_gap_are_flagged(tmp_path: Path) -> None:
    """Of two intervals, the shorter is the frame interval: 0.5 s after 1/30 s is a gap."""
    path = _write(tmp_path / "three.mp4", [1 / 30, 0.5])
    clip = read_video(path)
    assert clip.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 0.5}
    assert clip.native_fps == 30.0


def test_the_warning_counts_the_gap_in_the_streams_frame_intervals(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """11 frames at 30 fps, a 2 s freeze: the gap is 60 frame intervals at 30 fps, not 9.4 at 4.71."""
    path = _write(tmp_path / "eleven.mp4", [1 / 30] * 4 + [2.0] + [1 / 30] * 5, tb=Fraction(1, 30000))
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        info = probe_video(path)
    assert info.fps == 30.0
    assert info.duration_s == pytest.approx(2.0 + 10 / 30)
    assert "60.0 frame intervals at the stream's 30 fps" in caplog.text
    assert "4.71" not in caplog.text


def test_a_variable_rate_clip_with_a_freeze_reports_its_rate_apart_from_the_freeze(tmp_path: Path) -> None:
    """A phone clip at 30 fps, then 15 fps (low light), then 30 fps, paused 1 s: its average rate
    without the freeze (20 frames over 2/3 s, 20 over 4/3 s, 20 over 2/3 s: 22.5 fps), not 16.8 fps."""
    path = _write(tmp_path / "vfr_freeze.mp4", [1 / 30] * 20 + [1 / 15] * 20 + [1.0] + [1 / 30] * 20)
    clip = read_video(path, fps=5.0)
    assert clip.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 1.0}
    assert clip.native_fps == pytest.approx(22.5, rel=1e-4)


def test_a_low_light_stretch_is_no_gap(tmp_path: Path) -> None:
    """Frames at 10 fps (three 30 fps intervals) for a while, in a 30 fps clip: no gap, and the
    reported rate stays the container's average."""
    path = _write(tmp_path / "lowlight.mp4", [1 / 30] * 20 + [1 / 10] * 10 + [1 / 30] * 20)
    info = probe_video(path)
    assert info.notes == {}
    with av.open(str(path)) as container:
        assert info.fps == float(container.streams.video[0].average_rate)


def test_a_declared_rate_that_the_frames_keep_is_kept(tmp_path: Path) -> None:
    """Matroska declares 30 fps; its frames lie 1/30 s apart but for a lost 0.4 s: the declared rate."""
    path = _write(tmp_path / "drop.mkv", [1 / 30] * 12 + [0.4] + [1 / 30] * 12, tb=Fraction(1, 1000), fmt="matroska")
    clip = read_video(path)
    assert clip.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 0.4}
    assert clip.native_fps == 30.0
