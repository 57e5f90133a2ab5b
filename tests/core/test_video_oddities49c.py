"""An MP4 whose media header (mdhd) declares a time scale of 0 (helper F49v3): FFmpeg read it as
1 tick per second, so 12 frames at 10 fps came back as 1 frame of 1/1024 fps (or, with the movie
header's time scale 0 too, 2 frames at [0, 1024] s); it must be refused with a clear error."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.errors import VideoError
from camerabench.video import probe_video, read_video

_N = 12


def _write(path: Path, audio: bool = False, options: dict[str, str] | None = None) -> Path:
    """12 frames of 64x48 H.264 at 10 fps (times 0, 0.1, ..., 1.1 s), optionally with an AAC track."""
    rng = np.random.default_rng(1)
    with av.open(str(path), "w", format="mp4", options=options or {}) as c:
        v = c.add_stream("libx264", rate=10)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = c.add_stream("aac", rate=8000) if audio else None
        for i in range(_N):
            img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
        if a is not None:
            for i in range(10):
                samples = np.zeros((1, 1024), dtype=np.float32)
                af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                af.sample_rate, af.pts, af.time_base = 8000, 1024 * i, Fraction(1, 8000)
                c.mux(a.encode(af))
            c.mux(a.encode(None))
    return path


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, offset of the body, end) of each box between ``start`` and ``end`` (32-bit sizes only)."""
    out = []
    while start + 8 <= end:
        (size,) = struct.unpack(">I", data[start : start + 4])
        out.append((data[start + 4 : start + 8], start + 8, start + size))
        start += size
    return out


def _child(data: bytes, parent: tuple[bytes, int, int], kind: bytes) -> tuple[bytes, int, int]:
    return next(b for b in _boxes(data, parent[1], parent[2]) if b[0] == kind)


def _zero_timescale(path: Path, handler: bytes = b"vide", movie: bool = False) -> Path:
    """Overwrite with 0 the time scale of the mdhd box of the track whose hdlr is ``handler``
    (and, with ``movie``, of the mvhd box): 4 bytes after version/flags and the two times."""
    data = bytearray(path.read_bytes())
    moov = next(b for b in _boxes(bytes(data), 0, len(data)) if b[0] == b"moov")
    targets = []
    for trak in (b for b in _boxes(bytes(data), moov[1], moov[2]) if b[0] == b"trak"):
        mdia = _child(bytes(data), trak, b"mdia")
        hdlr = _child(bytes(data), mdia, b"hdlr")
        if data[hdlr[1] + 8 : hdlr[1] + 12] == handler:
            targets.append(_child(bytes(data), mdia, b"mdhd"))
    if movie:
        targets.append(_child(bytes(data), moov, b"mvhd"))
    assert len(targets) == 1 + movie
    for _, body, _ in targets:
        at = body + (20 if data[body] == 1 else 12)
        assert struct.unpack(">I", data[at : at + 4])[0] > 0  # a real time scale was there
        data[at : at + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    return path


def test_intact_file_reads_its_twelve_frames(tmp_path: Path) -> None:
    clip = read_video(_write(tmp_path / "ok.mp4"))
    assert len(clip.frames) == _N
    np.testing.assert_allclose(clip.timestamps, np.arange(_N) / 10, atol=1e-3)


@pytest.mark.parametrize("movie", [False, True], ids=["mdhd", "mdhd+mvhd"])
def test_zero_media_timescale_is_refused(tmp_path: Path, movie: bool) -> None:
    path = _zero_timescale(_write(tmp_path / "zero.mp4"), movie=movie)
    with av.open(str(path)) as c:  # what FFmpeg makes of it: a time unit of 1 s
        assert c.streams.video[0].time_base == Fraction(1)
    for read in (read_video, probe_video, lambda p: read_video(p, fps=5.0), lambda p: read_video(p, num_frames=4)):
        with pytest.raises(VideoError) as err:
            read(path)
        msg = str(err.value)
        assert str(path) in msg
        assert "media header (mdhd box)" in msg and "time scale of 0" in msg
        assert "no frame times can be read" in msg
        assert ("mvhd" in msg) == movie


def test_zero_timescale_of_another_track_does_not_stop_the_video(tmp_path: Path) -> None:
    path = _zero_timescale(_write(tmp_path / "audio0.mp4", audio=True), handler=b"soun")
    clip = read_video(path)
    assert len(clip.frames) == _N
    np.testing.assert_allclose(clip.timestamps, np.arange(_N) / 10, atol=1e-3)


def test_zero_timescale_of_video_beside_audio_is_refused(tmp_path: Path) -> None:
    path = _zero_timescale(_write(tmp_path / "video0.mp4", audio=True), handler=b"vide")
    with pytest.raises(VideoError, match=r"video track \(ID 1\) a time scale of 0"):
        read_video(path)


def test_coarse_but_real_timescale_reads_normally(tmp_path: Path) -> None:
    # a 1/600 s time unit (QuickTime's usual) is checked against the mdhd box and found real
    path = _write(tmp_path / "qt600.mp4", options={"video_track_timescale": "600"})
    with av.open(str(path)) as c:
        assert c.streams.video[0].time_base == Fraction(1, 600)
    clip = read_video(path)
    assert len(clip.frames) == _N
    np.testing.assert_allclose(clip.timestamps, np.arange(_N) / 10, atol=2e-3)
