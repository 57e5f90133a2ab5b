"""Hostile videos, second sweep: odd timestamps, damaged files, pixel formats, rotation with odd sizes.

Each case asserts what the user gets: frames in the right order and colours, motion read in the
upright picture, and a damaged file's facts (frames missing, times going backwards) in a warning
naming the file and in run.json, not silently estimated as if the file were clean.
"""

from __future__ import annotations

import fractions
import json
import logging
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.baselines.registry import get_predictor
from camerabench.errors import PredictionError, VideoError
from camerabench.jobs import run_predict
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import Primitive
from camerabench.video import probe_video, read_video

H, W, N, SHIFT = 72, 96, 16, 3
MS = fractions.Fraction(1, 1000)


def _pan(n: int = N, h: int = H, w: int = W) -> NDArray[np.uint8]:
    """Frames of a camera panning right (the picture slides left) over smooth random blobs."""
    coarse = np.random.default_rng(0).integers(0, 256, (h // 4 + 1, (w + SHIFT * n) // 4 + 1, 3), dtype=np.uint8)
    tex = cv2.resize(coarse, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)[:h]
    return np.stack([tex[:, SHIFT * i : SHIFT * i + w] for i in range(n)])


def _encode(path: Path, frames: NDArray[np.uint8], codec: str, pix_fmt: str, rotation: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream(codec, rate=10)  # a video stream: its type depends on ``codec``
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = pix_fmt
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for img in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
        container.mux(stream.encode(None))
    return path


def _luma(frames: NDArray[np.uint8]) -> NDArray[np.int64]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]).astype(np.int64)


def _scores(path: Path) -> dict[Primitive, float]:
    traj, _ = get_predictor("fast").estimate(path)
    return trajectory_scores(traj, "default")


# --- frames lost in the middle of a damaged file ---------------------------------------------

GAP_TIMES = [100 * i for i in range(6)] + [100 * i for i in range(12, 16)]  # frames 6-11 missing


@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 4}])
def test_frames_missing_from_the_middle_are_flagged(write_mjpeg, tmp_path: Path, caplog, sampling) -> None:
    """A Matroska file declares no frame count: frames lost in its middle (0.5 s -> 1.2 s at
    10 fps) were estimated as one step without a word, in the warnings or in run.json."""
    frames = _pan()
    path = write_mjpeg(tmp_path / "gap.mkv", frames[[*range(6), *range(12, 16)]], GAP_TIMES)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.notes == {"timestamp_gaps": 1, "longest_timestamp_gap_s": 0.7}
    assert "gap.mkv: 1 gap(s) in the frame timestamps, the longest 0.7 s (from 0.500 s to 1.200 s" in caplog.text


def test_a_damaged_matroska_cluster_is_flagged_not_silently_skipped(tmp_path: Path, caplog) -> None:
    """Zeroing a sixth of a lossless Matroska file: the demuxer resynchronises past the damage
    and drops those frames, with no corrupt packet and no frame count to compare with."""
    clean = _encode(tmp_path / "clean.mkv", _pan(), "ffv1", "gray")
    data = bytearray(clean.read_bytes())
    third = len(data) // 3
    data[third : third + len(data) // 6] = bytes(len(data) // 6)
    damaged = tmp_path / "damaged.mkv"
    damaged.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(damaged)
    assert len(clip) < N
    assert clip.notes["timestamp_gaps"] >= 1 and clip.notes["longest_timestamp_gap_s"] > 0.4
    assert "damaged.mkv: " in caplog.text and "frames missing from a damaged file" in caplog.text


def test_the_gap_reaches_run_json(write_mjpeg, tmp_path: Path) -> None:
    frames = _pan()
    write_mjpeg(tmp_path / "data" / "videos" / "gap.mkv", frames[[*range(6), *range(12, 16)]], GAP_TIMES)
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)
    info = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())["video_info"]["gap.mkv"]
    assert info["timestamp_gaps"] == 1 and info["longest_timestamp_gap_s"] == 0.7


def test_a_variable_frame_rate_is_not_a_gap(write_mjpeg, tmp_path: Path) -> None:
    times = [0, 100, 150, 400, 420, 700, 710, 720, 1000, 1100, 1150, 1400, 1500, 1600, 1700, 1800]
    clip = read_video(write_mjpeg(tmp_path / "vfr.mkv", _pan(), times), fps=5.0)
    assert clip.notes == {}
    assert clip.timestamps.tolist() == [0.0, 0.15, 0.4, 0.7, 0.72, 1.0, 1.15, 1.4, 1.6, 1.8]


# --- timestamps that go backwards ------------------------------------------------------------


def test_timestamps_that_go_backwards_are_ordered_and_flagged(write_mjpeg, tmp_path: Path, caplog) -> None:
    """Frames muxed last to first with times 1.6 s down to 0.1 s were put in time order
    silently: a pan right read as a pan left, nothing said."""
    frames = _pan()
    path = write_mjpeg(tmp_path / "reversed.mkv", frames, [100 * (N - i) for i in range(N)])
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, fps=5.0)
    # R33: the times count from the first frame shown, the container's 0.1 s start is noted
    assert clip.notes == {"timestamps_backwards": N - 1, "start_time_s": pytest.approx(0.1)}
    assert "reversed.mkv: the frame timestamps go backwards 15 time(s) in decoding order" in caplog.text
    assert clip.timestamps[0] == 0.0
    # the earliest time is the last frame written (brightness: JPEG subsamples the colours)
    first = _luma(clip.frames[:1])
    assert np.abs(first - _luma(frames[-1:])).mean() < 4 < 10 < np.abs(first - _luma(frames[:1])).mean()


def test_increasing_timestamps_are_not_flagged(write_mjpeg, tmp_path: Path, caplog) -> None:
    path = write_mjpeg(tmp_path / "clean.mkv", _pan(), [100 * i for i in range(N)])
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        assert read_video(path, num_frames=5).notes == {}
        assert probe_video(path).num_frames == N
    assert caplog.text == ""


# --- pixel formats and containers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "codec", "pix_fmt"),
    [
        ("yuv444.mp4", "libx264", "yuv444p"),
        ("deep.mkv", "libx264", "yuv420p10le"),
        ("alpha.mov", "qtrle", "argb"),
        ("alpha.mkv", "ffv1", "bgra"),
        ("alpha.webm", "libvpx-vp9", "yuva420p"),
        ("jpeg.avi", "mjpeg", "yuvj420p"),
        ("odd.mkv", "ffv1", "yuv420p"),
    ],
)
def test_pixel_formats_decode_to_the_colours_written(tmp_path: Path, name, codec, pix_fmt) -> None:
    """Brightness pixel by pixel (chroma of a fine texture is subsampled away) and the colour
    cast of a tinted picture (a swapped channel or a wrong colour matrix shifts it)."""
    pan = _pan(6, 71, 95) if name.startswith("odd") else _pan(6)
    frames = (pan * np.array([0.4, 0.7, 1.0])).astype(np.uint8)
    clip = read_video(_encode(tmp_path / name, frames, codec, pix_fmt))
    assert clip.frames.shape == frames.shape
    assert np.abs(_luma(clip.frames) - _luma(frames)).mean() < 4
    np.testing.assert_allclose(clip.frames.mean(axis=(0, 1, 2)), frames.mean(axis=(0, 1, 2)), atol=3)


def test_a_grey_video_decodes_to_three_equal_channels(tmp_path: Path) -> None:
    frames = _pan(4)
    clip = read_video(_encode(tmp_path / "grey.mkv", frames, "ffv1", "gray"))
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]).astype(int)
    assert (clip.frames[..., 0] == clip.frames[..., 2]).all()
    assert np.abs(clip.frames[..., 1].astype(int) - grey).mean() < 2


# --- rotation, odd sizes, frozen and tiny videos through fast --------------------------------


@pytest.mark.parametrize(("rotation", "expected"), [(90, Primitive.TILT_UP), (-90, Primitive.TILT_DOWN)])
def test_a_rotated_video_of_odd_size_reads_the_pan_in_the_upright_picture(tmp_path: Path, rotation, expected) -> None:
    path = _encode(tmp_path / "odd.mp4", _pan(h=71, w=95), "libx264rgb", "rgb24", rotation=rotation)
    assert read_video(path, num_frames=2).frames.shape[1:3] == (95, 71)
    scores = _scores(path)
    assert max(scores, key=lambda p: scores[p]) is expected
    assert scores[expected] > 0.3 and abs(scores[Primitive.PAN_RIGHT]) < 0.1


def test_a_frozen_video_is_static(tmp_path: Path) -> None:
    path = _encode(tmp_path / "frozen.mp4", np.repeat(_pan(1), N, axis=0), "libx264", "yuv420p")
    scores = _scores(path)
    assert all(abs(v) < 0.02 for v in scores.values())


def test_a_single_frame_rotated_video_fails_naming_the_file(tmp_path: Path) -> None:
    path = _encode(tmp_path / "one.mp4", _pan(1), "libx264", "yuv420p", rotation=90)
    assert read_video(path).frames.shape == (1, W, H, 3)
    with pytest.raises(PredictionError, match=r"one\.mp4: the video decodes 1 frame; relating frames needs two"):
        get_predictor("fast").estimate(path)


def test_an_audio_only_file_named_as_a_video_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "talk.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        for i in range(4):
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 16000, i * 1024
            container.mux(stream.encode(sound))
        container.mux(stream.encode(None))
    with pytest.raises(VideoError, match=r"talk\.mp4: no video stream$"):  # no word of a damaged header
        get_predictor("fast").estimate(path)


def test_a_colmap_failure_names_the_file(tmp_path: Path) -> None:
    """``fast`` names the video in every reason; ``colmap``'s reasons from the model stage (no
    usable model, pure rotation) did not, so the Python API's error said nothing of which file."""
    path = _encode(tmp_path / "dark.mp4", np.zeros((8, H, W, 3), np.uint8), "libx264", "yuv420p")
    with pytest.raises(
        PredictionError, match=r"^\S*dark\.mp4: every one of the 8 sampled frames is blank"
    ):  # refused before COLMAP runs (it was "COLMAP gave no usable model: ... a black or uniform frame")
        get_predictor("colmap").estimate(path)
