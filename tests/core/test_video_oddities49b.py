"""Out-of-range sample aspect ratios mid-stream, probe_video's orientation notes, and repeated
timestamps under a declared rate they contradict (helper F49v2)."""

from __future__ import annotations

import logging
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.errors import VideoError
from camerabench.video import probe_video, read_video

_WORLD = np.random.default_rng(0).integers(0, 255, (12, 64, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)


def _pan(n: int, x0: int = 0) -> np.ndarray:
    """A 160x96 window sliding 5 px right per frame over a textured image, from column ``x0``."""
    return np.stack([_WORLD[:, x0 + 5 * i : x0 + 5 * i + 160] for i in range(n)])


def _write(path: Path, fmt: str, frames: np.ndarray, pts: list[int] | None = None, sar: Fraction | None = None) -> Path:
    """H.264 (intra only) at 10 fps in ``fmt``; with ``pts``, the packets' times in 1/100 s (each
    packet's decoding time one tick earlier where the next repeats its time, so the muxer takes it)."""
    tb = Fraction(1, 100)
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        s.options = {"x264-params": "keyint=1:bframes=0"}
        s.codec_context.time_base = tb  # the H.264 headers then declare 100 fps
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        packets = []
        for i, a in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")
            frame.pts, frame.time_base = 10 * i + 10, tb
            packets += s.encode(frame)
        packets += s.encode(None)
        for i, p in enumerate(packets):  # one packet a frame, in order (intra only)
            if pts is not None:
                repeats_next = i + 1 < len(pts) and pts[i + 1] == pts[i]
                p.pts, p.dts, p.time_base = pts[i], pts[i] - repeats_next, tb
            c.mux(p)
    return path


def _which(frames: np.ndarray, reference: np.ndarray) -> list[int]:
    diff = np.abs(frames[:, None].astype(np.int16) - reference[None].astype(np.int16)).mean(axis=(2, 3, 4))
    return [int(i) for i in diff.argmin(axis=1)]


@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 4}])
def test_an_out_of_range_ratio_mid_stream_is_named_and_not_counted_as_rescaled(
    tmp_path: Path, sampling: dict, caplog: pytest.LogCaptureFixture
) -> None:
    # two parts joined (cat a.ts b.ts): square pixels, then 10:1 (damage): the frames stay at their
    # stored size; the note said "5:1" (the probe's cap) and counted the frames as scaled
    a, b = _pan(10, 0), _pan(10, 200)
    path = tmp_path / "sar.ts"
    path.write_bytes(
        _write(tmp_path / "a.ts", "mpegts", a, [10 + 10 * i for i in range(10)]).read_bytes()
        + _write(tmp_path / "b.ts", "mpegts", b, [110 + 10 * i for i in range(10)], Fraction(10)).read_bytes()
    )
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.frames.shape[1:] == (96, 160, 3)
    change = clip.notes["sample_aspect_ratio_changes"]
    assert change["ratios"] == ["1:1", "10:1 ignored (out of range)"] and change["frames_rescaled"] == 0
    assert "5:1" not in caplog.text and "stored size" in caplog.text
    shown = _which(clip.frames, np.concatenate([a, b]))
    assert shown == sorted(shown) and shown[-1] >= 18  # the second part is there, at its stored size


def test_an_out_of_range_ratio_then_a_real_one_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "sar2.ts"
    path.write_bytes(
        _write(tmp_path / "a.ts", "mpegts", _pan(10), [10 + 10 * i for i in range(10)], Fraction(10)).read_bytes()
        + _write(tmp_path / "b.ts", "mpegts", _pan(10), [110 + 10 * i for i in range(10)], Fraction(2)).read_bytes()
    )
    with pytest.raises(VideoError, match=r"sar2\.ts: the frame size changes from 160x96 to 320x96.*10:1 to 2:1"):
        read_video(path)


def test_probe_video_notes_the_display_mirroring_read_video_notes(tmp_path: Path) -> None:
    # an MP4 whose tkhd matrix mirrors the picture left to right: probe_video said nothing of it
    stored = _pan(6)
    path = _write(tmp_path / "mirrored.mp4", "mp4", stored)
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    offset = at - 4 + (48 if data[at + 4] == 0 else 60)  # the matrix, from the box start
    data[offset : offset + 36] = struct.pack(">9i", -0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    with av.open(str(path)) as c:  # independent reference: the decoder's pictures, as stored
        decoded = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
    clip = read_video(path, num_frames=3)
    assert np.abs(clip.frames.astype(int) - decoded[clip.indices][:, :, ::-1].astype(int)).mean() < 10
    info = probe_video(path)
    assert info.notes["display_mirrored"] is True and info.notes["display_rotation_cw_deg"] == 0
    for key in ("display_mirrored", "display_rotation_cw_deg"):
        assert info.notes[key] == clip.notes[key]


@pytest.mark.parametrize("fmt", ["mpegts", "matroska"])
def test_repeated_timestamps_are_timed_by_their_span_not_a_rate_they_contradict(
    tmp_path: Path, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    # frames two at each time, 0.2 s apart (10 fps over the span), under H.264 headers declaring 100 fps:
    # the transport stream's frames were timed 0.01 s apart, the clip read as 0.29 s long
    frames = _pan(30)
    pts = [10 + 10 * (i - i % 2) for i in range(30)]
    path = _write(tmp_path / f"pairs.{'ts' if fmt == 'mpegts' else 'mkv'}", fmt, frames, pts)
    with av.open(str(path)) as c:  # independent reference: the times the container gives the frames
        times = [float(f.time) for f in c.decode(video=0)]
    assert len(set(times)) < len(times)
    span_rate = (len(times) - 1) / (max(times) - min(times))
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path)
    assert clip.native_fps == pytest.approx(span_rate, rel=0.1) and clip.native_fps < 20
    assert clip.timestamps[-1] == pytest.approx(max(times) - min(times), rel=0.1)
    assert clip.notes["timestamps_repeated"] > 0 and np.all(np.diff(clip.timestamps) > 0)
    shown = _which(clip.frames, frames)
    assert shown == sorted(shown)  # the pan read in its order
    sampled = read_video(path, fps=5.0)
    assert len(sampled) == pytest.approx(len(times) / 2, abs=1)
