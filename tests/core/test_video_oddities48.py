"""Interlaced video, extreme sample aspect ratios and an edit list that cuts off every frame (red team R42)."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import VideoError, probe_video, read_video


def _frames(n: int, w: int, h: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.repeat(np.repeat(rng.integers(0, 255, (n, h // 8, w // 8, 3), dtype=np.uint8), 8, 1), 8, 2)


def _encode(path: Path, frames: np.ndarray, sar: Fraction | None = None, params: str = "", fmt: str = "mp4") -> Path:
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        if params:
            s.options = {"x264-params": params}
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        for a in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path


@pytest.mark.parametrize(("params", "order"), [("tff=1", "top field first"), ("bff=1", "bottom field first")])
@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 3}])
def test_interlaced_video_is_noted_with_its_field_order(
    tmp_path: Path, params: str, order: str, sampling: dict, caplog: pytest.LogCaptureFixture
) -> None:
    path = _encode(tmp_path / "i.mkv", _frames(8, 64, 48), params=f"interlaced=1:{params}", fmt="matroska")
    with av.open(str(path)) as c:  # independent reference: FFmpeg's flags on the decoded frame
        assert next(c.decode(video=0)).interlaced_frame
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.notes["interlaced"] == order
    assert "interlaced" in caplog.text and str(path) in caplog.text
    assert probe_video(path).notes["interlaced"] == order


def test_progressive_video_has_no_interlace_note(tmp_path: Path) -> None:
    path = _encode(tmp_path / "p.mkv", _frames(4, 64, 48), fmt="matroska")
    assert "interlaced" not in read_video(path).notes


@pytest.mark.parametrize("sar", [Fraction(10), Fraction(1, 10), Fraction(5)])
@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 3}])
def test_implausible_sample_aspect_ratio_is_said_in_the_notes(tmp_path: Path, sar: Fraction, sampling: dict) -> None:
    frames = _frames(4, 64, 32)
    path = _encode(tmp_path / "x.mp4", frames, sar=sar)
    with av.open(str(path)) as c:
        assert c.streams.video[0].sample_aspect_ratio == sar  # the file really says it
    clip = read_video(path, **sampling)
    assert clip.frames.shape[1:3] == (32, 64)  # read at the stored size, as the note says
    assert clip.notes["sample_aspect_ratio_ignored"] == f"{sar.numerator}:{sar.denominator}"
    assert "sample_aspect_ratio" not in clip.notes


def test_plausible_sample_aspect_ratio_is_not_said_ignored(tmp_path: Path) -> None:
    clip = read_video(_encode(tmp_path / "a.mp4", _frames(4, 64, 32), sar=Fraction(2)))
    assert clip.frames.shape[1:3] == (32, 128)
    assert clip.notes["sample_aspect_ratio"] == "2:1" and "sample_aspect_ratio_ignored" not in clip.notes


def test_edit_list_that_cuts_off_every_frame_is_said(tmp_path: Path) -> None:
    src = _encode(tmp_path / "src.mp4", _frames(6, 64, 48), params="bframes=0")
    out = tmp_path / "cut.mp4"
    with av.open(str(src)) as i, av.open(str(out), "w") as o:  # every time negative: before the edit list
        s = o.add_stream_from_template(i.streams.video[0])
        for p in i.demux(i.streams.video[0]):
            if p.dts is None or p.pts is None:
                continue
            p.pts, p.dts, p.stream = p.pts - 100000, p.dts - 100000, s
            o.mux(p)
    with av.open(str(out)) as c:  # independent reference: FFmpeg shows nothing of it
        packets = [p for p in c.demux(video=0) if p.size]
        assert packets and all(p.is_discard for p in packets)
    for sampling in ({}, {"fps": 5.0}, {"num_frames": 3}):
        with pytest.raises(VideoError, match=r"cut\.mp4.*no decodable frames.*all 6 of its packets lie before"):
            read_video(out, **sampling)
    with pytest.raises(VideoError, match="edit list"):
        probe_video(out)
