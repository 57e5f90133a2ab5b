"""Review of R33 (times from the first frame shown; declared rates the frames contradict).

- A Matroska stream declaring 30 fps whose frames lie 0.1 s apart was noted (``declared_fps``,
  a warning) only without a freeze: with one, the rate was replaced by 10 fps with nothing said.
- An MP4's average rate counts the last frame's display time: a short variable-rate clip (3 frames
  0.1 and 0.033 s apart, an 18 fps average) was said to declare a rate not its frames' (15 fps).
- The time origin is the first frame shown on every reading path, also where a stream starts at
  an open-GOP keyframe whose leading frames the decoder does not show (HEVC RASL frames).
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import probe_video, read_video, sample_indices

SAMPLINGS = [{}, {"fps": 8.0}, {"fps": 2.0}, {"num_frames": 7}]


def _mpeg4(path: Path, fmt: str, pts: list[int], rate: int, declared: int | None = None) -> Path:
    """MPEG-4 Part 2 frames (no B-frames) at ``pts / rate`` s; the stream declares ``declared`` fps."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("mpeg4", rate=declared or rate)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, rate)
        for i, p in enumerate(pts):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), 7 * i % 256, np.uint8), format="rgb24")
            frame.pts, frame.time_base = p, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _times(path: Path) -> np.ndarray:
    """Independently of camerabench: the shown frames' times, from the first one."""
    with av.open(str(path)) as container:
        times = np.array(sorted(f.time for f in container.decode(video=0)), dtype=np.float64)
    return times - times[0]


def _declares(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "the stream declares" in r.getMessage()]


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_declared_rate_contradicted_across_a_freeze_is_noted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, sampling: dict
) -> None:
    pts = list(range(20)) + list(range(40, 60))  # 10 fps frames, a 2.1 s freeze in the middle
    path = _mpeg4(tmp_path / "freeze30.mkv", "matroska", pts, 10, declared=30)
    with av.open(str(path)) as container:
        assert container.streams.video[0].average_rate == 30  # the file declares 30 fps
    assert np.median(np.diff(_times(path))) == pytest.approx(0.1)  # its frames lie 0.1 s apart
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.native_fps == pytest.approx(10.0)
    assert clip.notes["declared_fps"] == 30.0 and clip.notes["timestamp_gaps"] == 1
    (message,) = _declares(caplog)
    assert "freeze30.mkv: the stream declares 30 fps" in message and "apart from the timestamp gaps" in message
    info = probe_video(path)
    assert info.notes["declared_fps"] == 30.0 and info.fps == pytest.approx(10.0)


@pytest.mark.parametrize("pts", [[0, 1, 2, 62, 63], [*range(10), *range(70, 80)]], ids=["5frames", "20frames"])
def test_mp4_average_counting_a_freeze_is_not_called_declared(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, pts: list[int]
) -> None:
    """An MP4's average rate counts the freeze (and the last frame's display time) as frame time:
    it is the frames' own mean, not a rate declared against them."""
    path = _mpeg4(tmp_path / "freeze.mp4", "mp4", pts, 30)
    with av.open(str(path)) as container:
        average = container.streams.video[0].average_rate
    assert average is not None and float(average) < 15  # the freeze pulled the average down
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip, info = read_video(path), probe_video(path)
    assert "declared_fps" not in clip.notes and "declared_fps" not in info.notes
    assert clip.notes["timestamp_gaps"] == 1
    assert clip.native_fps == info.fps == pytest.approx(30.0)  # the rate apart from the freeze
    assert _declares(caplog) == []


def test_short_variable_rate_mp4_keeps_its_average(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _mpeg4(tmp_path / "three.mp4", "mp4", [0, 3, 4], 30)  # 0.1 s, then 0.033 s
    with av.open(str(path)) as container:
        average = container.streams.video[0].average_rate
    assert average is not None
    times = _times(path)
    mean = (len(times) - 1) / times[-1]
    assert abs(float(average) / mean - 1) > 0.1  # 18 fps against the 15 of first to last
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip, info = read_video(path), probe_video(path)
    assert clip.native_fps == info.fps == float(average)
    assert clip.notes == {} and info.notes == {}
    assert caplog.text == ""


def _hevc_open_gop(path: Path, n: int = 40) -> Path:
    """HEVC with open GOPs (a CRA every 12 frames, B-frames leading it in display order)."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 255, (64, 64 + 3 * n, 3), dtype=np.uint8)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx265", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        stream.options = {
            "preset": "ultrafast",
            "x265-params": "keyint=12:min-keyint=12:open-gop=1:bframes=3:scenecut=0:log-level=error",
        }
        for i in range(n):
            img = np.ascontiguousarray(base[:, 3 * i : 3 * i + 64])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize("fmt", ["matroska", "mp4", "mpegts"])
@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps8", "fps2", "num7"])
def test_stream_cut_at_an_open_gop_keyframe_counts_from_its_first_shown_frame(
    tmp_path_factory: pytest.TempPathFactory, fmt: str, sampling: dict
) -> None:
    """A copy from the second keyframe on (``ffmpeg -ss -c copy`` without an edit list): the
    decoder does not show the leading frames that refer to the cut-off GOP, whose packets come
    first in presentation order; every reading path counts from the first frame shown."""
    folder = tmp_path_factory.mktemp("og")
    src = _hevc_open_gop(folder / "src.mp4")
    dst = folder / f"cut.{ {'matroska': 'mkv', 'mp4': 'mp4', 'mpegts': 'ts'}[fmt] }"
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        keyframes = 0
        for packet in inp.demux(s_in):
            if packet.dts is None:
                continue
            keyframes += bool(packet.is_keyframe)
            if keyframes >= 2:
                packet.stream = s_out
                out.mux(packet)
    with av.open(str(dst)) as container:
        packets = [p.pts for p in container.demux(video=0) if p.pts is not None]
    with av.open(str(dst)) as container:
        shown = sorted(f.pts for f in container.decode(video=0) if f.pts is not None)
    assert min(packets) < shown[0]  # packets whose frames are not shown come first in time
    expected = _times(dst)
    info = probe_video(dst)
    assert info.timestamps is not None
    np.testing.assert_allclose(info.timestamps, expected, atol=1e-9)
    clip = read_video(dst, **sampling)
    np.testing.assert_array_equal(clip.indices, sample_indices(info.timestamps, **sampling))
    np.testing.assert_array_equal(clip.timestamps, info.timestamps[clip.indices])
    assert clip.notes.get("start_time_s") == info.notes.get("start_time_s")
    assert info.notes["start_time_s"] > 0
