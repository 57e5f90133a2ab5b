"""R33: one time convention (seconds from the first frame shown), declared rates the frames
contradict, and frames without timestamps.

Before: a ``.ts`` remux (start 0.2 s, the B-frame delay) or an ``-itsoffset 0.6`` MP4 gave the
container's times, which ``fast`` wrote into trajectories paired with ground truth timed from 0
(APE 0.0063 -> 0.0395); a Matroska stream declaring 30 fps with frames 0.1 s apart reported 30 fps
and 2.43 s; frames without timestamps were timed by the rate with nothing said.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import probe_video, read_video, sample_indices, write_video

N = 25
SAMPLINGS = [{}, {"fps": 8.0}, {"fps": 2.0}, {"num_frames": 7}]


def _frames(n: int = N) -> np.ndarray:
    """A textured pan: every frame differs, so a frame picked wrongly shows in the pixels."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 255, (48, 64 + 3 * n, 3), dtype=np.uint8)
    return np.stack([base[:, 3 * i : 3 * i + 64] for i in range(n)])


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 fps H.264 MP4 (x264 with B-frames: its edit list starts the first frame at 0)."""
    path = tmp_path_factory.mktemp("r33") / "src.mp4"
    write_video(path, _frames(), fps=10)
    return path


def _remux(
    src: Path,
    dst: Path,
    fmt: str,
    shift_s: float = 0.0,
    rate: Fraction | None = None,
    opts: dict[str, str] | None = None,
) -> Path:
    """``src``'s packets copied into ``fmt`` (``ffmpeg -c copy``), their times moved by ``shift_s``
    (``-itsoffset``), the declared rate replaced by ``rate`` (a mislabelled stream)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt, options=opts or {}) as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        if rate is not None:
            s_out.codec_context.framerate = rate
        assert s_in.time_base is not None
        shift = round(shift_s / s_in.time_base)
        for packet in inp.demux(s_in):
            if packet.dts is None or packet.pts is None:
                continue
            packet.pts += shift
            packet.dts += shift
            packet.stream = s_out
            out.mux(packet)
    return dst


def _container_times(path: Path) -> list[float | None]:
    """Independently of camerabench: the decoded frames' times as PyAV gives them."""
    with av.open(str(path)) as container:
        return [f.time for f in container.decode(video=0)]


@pytest.mark.parametrize(
    ("fmt", "name", "shift_s", "opts"),
    [
        ("mpegts", "remux.ts", 0.0, {}),  # ffmpeg -i x.mp4 -c copy x.ts: starts at the B-frame delay
        ("mp4", "offset.mp4", 0.6, {}),  # ffmpeg -itsoffset 0.6 -i x.mp4 -c copy
        ("mp4", "noedit.mp4", 0.0, {"use_editlist": "0"}),  # no edit list: the delay shows
    ],
)
@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_times_count_from_the_first_frame_whatever_the_container_start(
    source: Path, tmp_path: Path, fmt: str, name: str, shift_s: float, opts: dict[str, str], sampling: dict
) -> None:
    moved = _remux(source, tmp_path / name, fmt, shift_s, opts=opts)
    start = min(t for t in _container_times(moved) if t is not None)
    assert start > 0.1  # the container really starts late (else the test shows nothing)
    ref, clip = read_video(source, **sampling), read_video(moved, **sampling)
    assert ref.timestamps[0] == 0.0 and "start_time_s" not in ref.notes
    # the same frames, at the same times (bit for bit: the times come from pts less the first's)
    np.testing.assert_array_equal(clip.indices, ref.indices)
    np.testing.assert_array_equal(clip.timestamps, ref.timestamps)
    np.testing.assert_array_equal(clip.frames, ref.frames)
    assert clip.native_fps == ref.native_fps
    assert clip.notes == {"start_time_s": pytest.approx(start, abs=1e-9)}


def test_probe_times_count_from_the_first_frame(source: Path, tmp_path: Path) -> None:
    moved = _remux(source, tmp_path / "offset.mp4", "mp4", 0.6)
    times = np.array(sorted(t for t in _container_times(moved) if t is not None))
    info, ref = probe_video(moved), probe_video(source)
    assert info.timestamps is not None and ref.timestamps is not None
    np.testing.assert_allclose(info.timestamps, times - times[0], atol=1e-12)
    np.testing.assert_array_equal(info.timestamps, ref.timestamps)
    assert (info.num_frames, info.fps, info.duration_s) == (ref.num_frames, ref.fps, ref.duration_s)
    assert info.notes == {"start_time_s": pytest.approx(float(times[0]), abs=1e-9)}
    # the frames read_video keeps at 2 fps are counted from the probe's times, as documented
    kept = read_video(moved, fps=2.0)
    np.testing.assert_array_equal(kept.indices, sample_indices(info.timestamps, fps=2.0))
    np.testing.assert_array_equal(kept.timestamps, info.timestamps[kept.indices])


def _mpeg4_mkv(path: Path, pts: list[int], rate: int = 10) -> Path:
    """Matroska frames at ``pts / rate`` s, negative ones kept (an edit list / ``-ss`` before 0)."""
    with av.open(str(path), "w", format="matroska", options={"avoid_negative_ts": "disabled"}) as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, rate)
        for i, p in enumerate(pts):
            img = np.full((16, 16, 3), 10 * i, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = p, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_negative_start_is_shifted_the_same_way(tmp_path: Path, sampling: dict) -> None:
    pts = list(range(-4, 8))
    path = _mpeg4_mkv(tmp_path / "neg.mkv", pts)
    times = _container_times(path)
    assert times[0] is not None and times[0] == pytest.approx(-0.4)  # PyAV sees the negative start
    clip = read_video(path, **sampling)
    expected = (np.array(pts, dtype=np.float64) - pts[0]) / 10
    np.testing.assert_allclose(clip.timestamps, expected[clip.indices], atol=1e-12)
    assert clip.timestamps[0] == 0.0
    assert clip.notes == {"start_time_s": pytest.approx(-0.4)}
    info = probe_video(path)
    assert info.timestamps is not None
    np.testing.assert_allclose(info.timestamps, expected, atol=1e-12)
    assert info.notes == {"start_time_s": pytest.approx(-0.4)} and info.duration_s == pytest.approx(1.2)


# --- 2. a declared rate the frame times contradict ---------------------------------------------


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_declared_rate_contradicted_by_the_frames_is_replaced_and_noted(
    source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, sampling: dict
) -> None:
    path = _remux(source, tmp_path / "rate30.mkv", "matroska", rate=Fraction(30))
    with av.open(str(path)) as container:  # the file declares 30 fps ...
        assert container.streams.video[0].average_rate == 30
    times = np.array(_container_times(path), dtype=np.float64)
    steps = np.diff(np.sort(times))
    assert np.median(steps) == pytest.approx(0.1)  # ... while its frames lie 0.1 s apart
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.native_fps == pytest.approx(len(steps) / steps.sum())  # 10 fps, the frames' rate
    assert clip.notes == {"declared_fps": 30.0}
    (record,) = caplog.records
    assert "rate30.mkv: the stream declares 30 fps" in record.getMessage()
    info = probe_video(path)
    assert info.fps == pytest.approx(10.0) and info.duration_s == pytest.approx(2.5)  # was 30 fps, 2.433 s
    assert info.notes == {"declared_fps": 30.0}


def test_ntsc_rate_against_a_round_declared_rate_is_not_flagged(tmp_path: Path, caplog) -> None:
    """Frames at 29.97 fps in a stream declaring 30 (0.1% apart, Matroska's 1 ms rounding on
    top): the declared rate stays, nothing said."""
    src = tmp_path / "ntsc.mp4"
    write_video(src, _frames(), fps=30000 / 1001)
    path = _remux(src, tmp_path / "ntsc30.mkv", "matroska", rate=Fraction(30))
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip, info = read_video(path), probe_video(path)
    with av.open(str(path)) as container:
        average = container.streams.video[0].average_rate
    assert average is not None
    declared = float(average)
    assert clip.native_fps == info.fps == declared
    assert "declared_fps" not in clip.notes and "declared_fps" not in info.notes
    assert caplog.text == ""


def test_variable_rate_whose_average_is_declared_is_not_flagged(tmp_path: Path, caplog) -> None:
    """A phone in low light: intervals of 1 and 2 frames of 30 fps; the median interval (1/30 s) is
    not the average rate the MP4 declares, which the frames' mean rate agrees with."""
    path = tmp_path / "vfr.mp4"
    pts = [k + k // 2 for k in range(20)]  # 0, 1, 3, 4, 6, 7, ...
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=30)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 30)
        for i, p in enumerate(pts):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 10 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = p, Fraction(1, 30)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with av.open(str(path)) as container:
        average = container.streams.video[0].average_rate
    assert average is not None
    declared = float(average)
    times = np.array(_container_times(path), dtype=np.float64)
    assert abs(declared * np.median(np.diff(times)) - 1) > 0.1  # the median alone would trigger
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path)
    assert clip.native_fps == declared and clip.notes == {}
    assert caplog.text == ""


# --- 3. frames without timestamps ----------------------------------------------------------------


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_frames_without_timestamps_are_noted_and_warned(
    source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, sampling: dict
) -> None:
    """H.264 copied into Matroska 1 s before 0 (negative times kept): the decoder returns the
    frames before 0 without a time."""
    path = _remux(source, tmp_path / "untimed.mkv", "matroska", -1.0, opts={"avoid_negative_ts": "disabled"})
    times = _container_times(path)
    missing = sum(t is None for t in times)
    assert missing > 0 and len(times) == N
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.notes == {"timestamps_missing": missing}
    np.testing.assert_allclose(clip.timestamps, clip.indices / 10.0)  # timed by the declared 10 fps
    (record,) = caplog.records
    assert "untimed.mkv" in record.getMessage() and "carry no timestamp" in record.getMessage()
    info = probe_video(path)
    assert info.notes == {"timestamps_missing": missing} and info.duration_s == pytest.approx(2.5)
