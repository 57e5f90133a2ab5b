"""Twelfth round of hostile videos: a stream read after its file was closed (a crash on a
truncated MPEG-TS file), ``max_side`` values the resizing cannot honour, and a frame rate that
neither the stream nor its frames give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

import camerabench.video as video
from camerabench.errors import VideoError
from camerabench.video import probe_video, read_video, resize_frames, write_video


def _frames(n: int, h: int = 16, w: int = 24) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (n, h, w, 3), dtype=np.uint8)


def _truncated_ts(path: Path) -> Path:
    """An H.264 MPEG-TS recording cut off after its first frame (12 frames at 10 fps written)."""
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width, stream.pix_fmt = 32, 48, "yuv420p"
        for img in np.random.default_rng(1).integers(0, 255, (12, 32, 48, 3), dtype=np.uint8):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    path.write_bytes(path.read_bytes()[:1966])
    return path


def test_a_truncated_ts_file_sampled_by_rate_does_not_crash_the_process(tmp_path: Path) -> None:
    """The frame rate was read from the stream after the file was closed (freed memory): the
    interpreter died with a segmentation fault. Run in a child process so that the crash is a
    failure here, not the end of the test session."""
    path = _truncated_ts(tmp_path / "cut.ts")
    code = (
        "import sys; from camerabench.video import read_video\n"
        "clip = read_video(sys.argv[1], fps=4.0)\n"
        "print(len(clip), clip.native_fps)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    count, rate = done.stdout.split()
    assert int(count) == 1 and float(rate) > 0


@pytest.mark.parametrize(("max_side", "expected"), [(15, (10, 14)), (23, (16, 22)), (3, (2, 2))])
def test_the_longer_side_never_exceeds_an_odd_max_side(max_side: int, expected: tuple[int, int]) -> None:
    """Even sides were rounded half to even past the bound: 24x16 with max_side=15 gave 16x10."""
    out = resize_frames(_frames(1), max_side)
    assert out.shape[1:3] == expected
    assert max(out.shape[1:3]) <= max_side


def test_read_video_keeps_within_an_odd_max_side(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, _frames(3), fps=10)
    clip = read_video(path, max_side=15)
    assert clip.frames.shape[1:3] == (10, 14)


@pytest.mark.parametrize("max_side", [1, 0, -4, True, 8.5])
def test_a_max_side_the_resizing_cannot_honour_is_refused(tmp_path: Path, max_side: object) -> None:
    """max_side=1 (or 0, or -4) gave 2x2 frames without a word; 8.5 failed inside OpenCV/PyAV."""
    path = tmp_path / "clip.mp4"
    write_video(path, _frames(3), fps=10)
    with pytest.raises(ValueError, match=r"max_side must be an integer >= 2"):
        read_video(path, max_side=max_side)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"max_side must be an integer >= 2"):
        resize_frames(_frames(1), max_side)  # type: ignore[arg-type]


@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 2}])
def test_one_frame_and_no_frame_rate_is_not_invented_as_1_fps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sampling: dict[str, float]
) -> None:
    """A stream that declares no rate (FFmpeg guesses none) with one frame: probe_video said
    1 fps and 1 s, read_video a native rate of 1 fps, numbers no file gave."""
    path = tmp_path / "one.mkv"
    write_video(path, _frames(1), fps=10)
    monkeypatch.setattr(video, "_native_fps", lambda stream: 0.0)
    with pytest.raises(VideoError, match=r"one\.mkv: the stream declares no frame rate .* unknown"):
        probe_video(path)
    with pytest.raises(VideoError, match=r"one\.mkv: the stream declares no frame rate"):
        read_video(path, **sampling)  # type: ignore[arg-type]
