"""Frames whose size or sample aspect ratio (SAR) changes within the stream (red team R39)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import VideoError, read_video


def _segment(path: Path, frames: np.ndarray, sar: Fraction | None) -> bytes:
    with av.open(str(path), "w", format="mpegts") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        for a in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path.read_bytes()


def _joined(tmp_path: Path, *parts: tuple[np.ndarray, Fraction | None]) -> Path:
    out = tmp_path / "joined.ts"
    out.write_bytes(b"".join(_segment(tmp_path / f"{i}.ts", f, sar) for i, (f, sar) in enumerate(parts)))
    return out


def _frames(n: int, w: int, h: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.repeat(np.repeat(rng.integers(0, 255, (n, h // 8, w // 8, 3), dtype=np.uint8), 8, 1), 8, 2)


def test_sar_change_to_another_displayed_shape_is_refused(tmp_path: Path) -> None:
    path = _joined(tmp_path, (_frames(6, 64, 32), None), (_frames(6, 64, 32, 1), Fraction(2)))
    with pytest.raises(
        VideoError, match=r"64x32 to 128x32, another shape.*sample aspect ratio changed from 1:1 to 2:1"
    ):
        read_video(path)


def _timed_segment(path: Path, frames: np.ndarray, sar: Fraction | None, start: int) -> bytes:
    """:func:`_segment` whose frames' times go on from ``start`` frames (a stream that continues)."""
    with av.open(str(path), "w", format="mpegts") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        for i, a in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")
            frame.pts, frame.time_base = start + i, Fraction(1, 10)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path.read_bytes()


@pytest.mark.parametrize("sars", [(None, Fraction(2)), (Fraction(2), None)], ids=["1:1-2:1", "2:1-1:1"])
@pytest.mark.parametrize("fps", [2.0, 3.0])
def test_sar_change_is_found_when_sampling_skips_the_key_frame_that_starts_it(
    tmp_path: Path, sars: tuple[Fraction | None, Fraction | None], fps: float
) -> None:
    # 10 + 20 frames at 10 fps, times going on; the second segment's key frame (frame 10) is not one of
    # the frames 2 or 3 fps read, and the frames read after it are no key frames
    path = tmp_path / "joined.ts"
    path.write_bytes(
        _timed_segment(tmp_path / "a.ts", _frames(10, 64, 32), sars[0], 0)
        + _timed_segment(tmp_path / "b.ts", _frames(20, 64, 32, 1), sars[1], 10)
    )
    with av.open(str(path)) as c:
        keys = [i for i, f in enumerate(c.decode(video=0)) if f.key_frame]
    assert keys[:2] == [0, 10]
    with pytest.raises(VideoError, match=r"another shape.*sample aspect ratio changed"):
        read_video(path, fps=fps)


def test_sar_change_keeping_the_displayed_shape_is_read_with_a_note(tmp_path: Path) -> None:
    a = _frames(6, 64, 32)
    path = _joined(tmp_path, (a, None), (a[:, :, ::2], Fraction(2)))  # stored 32x32 at 2:1: shown 64x32
    clip = read_video(path)
    assert clip.frames.shape[1:] == (32, 64, 3)  # the first frame's displayed size (a joined .ts may lose one)
    assert clip.notes["sample_aspect_ratio_changes"] == {"ratios": ["1:1", "2:1"], "frames_rescaled": 6}
    assert clip.notes["frame_size_changes"] == {"sizes": ["64x32", "32x32"], "frames_resized": 6}


def test_resolution_change_of_the_same_shape_is_noted(tmp_path: Path) -> None:
    path = _joined(tmp_path, (_frames(6, 64, 32), None), (_frames(6, 128, 64, 1), None))
    clip = read_video(path)
    assert clip.frames.shape[1:] == (32, 64, 3)  # the first frame's displayed size (a joined .ts may lose one)
    assert clip.notes["frame_size_changes"] == {"sizes": ["64x32", "128x64"], "frames_resized": 6}
    assert "sample_aspect_ratio_changes" not in clip.notes


def test_mp4_cut_inside_its_mdat_names_the_truncation(tmp_path: Path) -> None:
    full = tmp_path / "full.mp4"
    with av.open(str(full), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 32, "yuv420p"
        for a in _frames(10, 64, 32):
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    data = full.read_bytes()
    at = data.index(b"mdat") - 4
    declared = int.from_bytes(data[at : at + 4], "big")
    assert data.index(b"moov") > at  # moov after mdat: the cut loses it
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: at + declared // 2])
    with pytest.raises(
        VideoError,
        match=rf"the mdat box declares {declared} bytes but the file ends {declared // 2} "
        r"bytes into it, and there is no moov box: the file is truncated",
    ):
        read_video(cut)
