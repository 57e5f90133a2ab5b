"""Timestamps that start again within a stream, and warnings given once per read (helper F49v)."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import read_video

_WORLD = np.random.default_rng(0).integers(0, 255, (12, 64, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)


def _pan(n: int, x0: int) -> np.ndarray:
    """A 160x96 window sliding 5 px right per frame over a textured image, from column ``x0``."""
    return np.stack([_WORLD[:, x0 + 5 * i : x0 + 5 * i + 160] for i in range(n)])


def _ts(path: Path, frames: np.ndarray, pts: list[int], tb: Fraction, sar: Fraction | None = None) -> bytes:
    with av.open(str(path), "w", format="mpegts") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        s.options = {"x264-params": "bframes=0"}
        s.codec_context.time_base = tb
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        for a, t in zip(frames, pts, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(a), format="rgb24")
            frame.pts, frame.time_base = t, tb
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path.read_bytes()


def _which(frames: np.ndarray, reference: np.ndarray) -> list[int]:
    """The index of the reference frame each frame is nearest to (mean absolute difference)."""
    diff = np.abs(frames[:, None].astype(np.int16) - reference[None].astype(np.int16)).mean(axis=(2, 3, 4))
    return [int(i) for i in diff.argmin(axis=1)]


@pytest.mark.parametrize("offset", [5, 45])  # the second part's clock starts 0.05 or 0.45 s in
@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 5}])
def test_parts_whose_clock_starts_again_are_read_one_after_the_other(
    tmp_path: Path, offset: int, sampling: dict, caplog: pytest.LogCaptureFixture
) -> None:
    # two 10-frame pans joined end to end (cat a.ts b.ts), the second's times starting again inside the
    # first's: sorting by time wove them together (frames 0, 10, 1, 11, ...: a pan read as jitter)
    tb = Fraction(1, 100)
    first, second = _pan(10, 0), _pan(10, 200)
    path = tmp_path / "joined.ts"
    path.write_bytes(
        _ts(tmp_path / "a.ts", first, [10 * i for i in range(10)], tb)
        + _ts(tmp_path / "b.ts", second, [offset + 10 * i for i in range(10)], tb)
    )
    with av.open(str(path)) as c:  # independent reference: the decoder's order is the parts' order
        decoded = np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
        c.seek(0)
    reference = np.concatenate([first, second])
    order = _which(decoded, reference)
    assert order == sorted(order)  # the decoder gives the parts in turn (FFmpeg loses one frame at the join)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    shown = _which(clip.frames, reference)
    assert shown == sorted(shown) and shown[0] == 0 and shown[-1] >= 18
    assert np.all(np.diff(clip.timestamps) > 0)
    assert clip.notes["timestamps_reset"] == 1 and "timestamps_backwards" not in clip.notes
    assert "start again" in caplog.text and "joined.ts" in caplog.text


def test_a_frame_muxed_out_of_order_is_still_put_in_place(tmp_path: Path) -> None:
    # intra-only frames whose packets come in file order 0 1 2 4 5 3 6 ...: a short step back, sorted
    frames = _pan(10, 0)
    order = [0, 1, 2, 4, 5, 3, 6, 7, 8, 9]
    path = tmp_path / "swapped.mkv"
    with av.open(str(path), "w", format="matroska") as c:
        s = c.add_stream("mjpeg", rate=10)
        s.width, s.height, s.pix_fmt = 160, 96, "yuvj420p"
        s.codec_context.time_base = Fraction(1, 10)
        for dts, k in enumerate(order):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[k]), format="rgb24").reformat(
                format="yuvj420p"
            )
            for p in s.encode(frame):
                p.pts, p.dts, p.time_base = k + 5, dts, Fraction(1, 10)  # a decoding time never after its pts
                c.mux(p)
    clip = read_video(path)
    assert _which(clip.frames, frames) == list(range(10))
    assert "timestamps_reset" not in clip.notes and clip.notes["timestamps_backwards"] >= 1


def test_first_frame_warnings_are_given_once_when_reading_falls_back_to_a_second_pass(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # an implausible sample aspect ratio and times that repeat (a part whose clock starts again at 0):
    # the one-pass reading meets the first frame, gives up at the repeat, and the scan met it again
    tb = Fraction(1, 10)
    path = tmp_path / "twice.ts"
    path.write_bytes(
        _ts(tmp_path / "a.ts", _pan(10, 0), list(range(10)), tb, Fraction(10))
        + _ts(tmp_path / "b.ts", _pan(10, 200), list(range(10)), tb, Fraction(10))
    )
    for sampling in ({}, {"fps": 5.0}, {"num_frames": 4}):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="camerabench.video"):
            clip = read_video(path, **sampling)
        assert "timestamps_reset" in clip.notes  # the second pass was taken (each part timed by its own clock)
        said = [r for r in caplog.records if "implausible sample aspect ratio" in r.getMessage()]
        assert len(said) == 1, [r.getMessage() for r in said]
