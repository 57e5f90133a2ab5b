"""Hostile inputs, follow-ups of round 16: trajectory meta and arrays that are no numbers, the
frame size ``read_video``'s ``max_side`` gives, and the frame times of a probed video with a gap.

Videos are tiny clips written here with PyAV (16x16 px, at most 20 frames).
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from camerabench.errors import FileFormatError
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory
from camerabench.trajectory_formats import load_npz, save_npz
from camerabench.video import probe_video, read_video, resized_size, sample_indices, write_video


def _poses(n: int = 2) -> np.ndarray:
    return np.tile(np.eye(4), (n, 1, 1))


def _with_depth(depth: Any) -> Trajectory:
    return Trajectory(_poses(), None, np.array([0.0, 0.1]), {META_SCENE_DEPTH: depth})


# --- save_npz: a scene depth it writes is one load_npz reads back, the same ----------------------


@pytest.mark.parametrize(
    "depth",
    [True, np.True_, "2", b"2", 1 + 0j, np.timedelta64(5, "ms"), [2.0], np.array([2.0]), 0, -1.0, np.nan, np.inf],
    ids=repr,
)
def test_save_npz_refuses_a_scene_depth_it_would_not_read_back(tmp_path: Path, depth: Any) -> None:
    """True and "2" were written as 1.0 and 2.0 (read back as real depths); 0, NaN and (1,) arrays
    made files that load_npz refuses. Refused (ValueError, as the runner records it), nothing written."""
    path = tmp_path / "t.npz"
    with pytest.raises(ValueError, match=f"trajectory meta {META_SCENE_DEPTH}="):
        save_npz(path, _with_depth(depth))
    assert not path.exists()


@pytest.mark.parametrize(
    "depth", [2**53 + 1, np.int64(2**53 + 1), np.uint64(2**64 - 1), np.longdouble(1) / 3], ids=repr
)
def test_save_npz_refuses_a_scene_depth_float64_cannot_hold(tmp_path: Path, depth: Any) -> None:
    """An integer past 2**53 was written rounded: read back, another depth."""
    if isinstance(depth, np.longdouble) and np.finfo(np.longdouble).nmant <= 52:
        pytest.skip("long double is float64 on this platform")
    with pytest.raises(ValueError, match="not held exactly in float64"):
        save_npz(tmp_path / "t.npz", _with_depth(depth))


@pytest.mark.parametrize(
    "depth", [2, np.int64(3), 2.5, np.float32(0.1), np.array(4.0), 1e99], ids=repr
)  # up to 1e100 (R80)
def test_save_npz_round_trips_real_scene_depths_exactly(tmp_path: Path, depth: Any) -> None:
    save_npz(tmp_path / "t.npz", _with_depth(depth))
    back = load_npz(tmp_path / "t.npz").meta[META_SCENE_DEPTH]
    assert type(back) is float and back == depth


def test_load_npz_refuses_durations_whose_unit_it_would_drop(tmp_path: Path) -> None:
    """timedelta64 counts as an integer type in NumPy: 0 and 1 ms were read as 0 and 1 s."""
    path = tmp_path / "t.npz"
    np.savez(path, cam_c2w=_poses(), timestamps=np.array([0, 1], dtype="timedelta64[ms]"))
    with pytest.raises(FileFormatError, match=r"timestamps: expected real numbers, got dtype timedelta64\[ms\]"):
        load_npz(path)
    np.savez(path, cam_c2w=_poses(), scene_depth=np.timedelta64(5, "ms"))
    with pytest.raises(FileFormatError, match="scene_depth: expected real numbers"):
        load_npz(path)


# --- Trajectory(...): arrays that are no numbers ----------------------------------------------------

NOT_NUMBERS = {
    "number strings": lambda a: a.astype(str),
    "bytes": lambda a: a.astype(bytes),
    "booleans": lambda a: a.astype(bool),
    "dates": lambda a: a.astype("datetime64[D]"),
    "durations": lambda a: a.astype("timedelta64[s]"),
    "object booleans": lambda a: a.astype(bool).astype(object),
    "object strings": lambda a: a.astype(str).astype(object),
}


@pytest.mark.parametrize("kind", sorted(NOT_NUMBERS))
@pytest.mark.parametrize("name", ["cam_c2w", "intrinsic", "timestamps"])
def test_trajectory_refuses_arrays_that_are_no_numbers(kind: str, name: str) -> None:
    """np.array(["1.0"]) and bool arrays were converted to 1.0 (the file readers refuse them)."""
    args = {"cam_c2w": _poses(), "intrinsic": np.eye(3), "timestamps": np.array([0.0, 1.0])}
    args[name] = NOT_NUMBERS[kind](args[name].astype(np.int64))
    with pytest.raises(ValueError, match=f"{name} must be real numbers"):
        Trajectory(args["cam_c2w"], args["intrinsic"], args["timestamps"])


def test_trajectory_still_takes_integers_float32_and_lists_of_numbers() -> None:
    traj = Trajectory(_poses().astype(np.float32), np.eye(3, dtype=np.int64), [0, np.float32(0.5)])
    assert traj.timestamps.tolist() == [0.0, 0.5] and traj.timestamps.dtype == np.float64
    assert traj.intrinsic is not None and traj.intrinsic.dtype == np.float64
    mixed = np.array([0, 0.5], dtype=object)
    assert Trajectory(_poses(), None, mixed).timestamps.tolist() == [0.0, 0.5]


# --- resized_size: the frame size read_video's max_side gives --------------------------------------


@pytest.mark.parametrize("max_side", [None, 2, 7, 12, 40])
def test_resized_size_is_the_size_read_video_gives(tmp_path: Path, max_side: int | None) -> None:
    path = tmp_path / "c.mp4"
    write_video(path, np.zeros((2, 18, 34, 3), np.uint8), fps=10)  # 34x18 as written
    clip = read_video(path, max_side=max_side)
    assert resized_size(34, 18, max_side) == (clip.frames.shape[2], clip.frames.shape[1])


@pytest.mark.parametrize(
    ("args", "what"),
    [
        ((34, 18, 1), "max_side"),
        ((34, 18, 2.5), "max_side"),
        ((0, 18, 8), "width"),
        ((34, True, 8), "height"),
        ((34.0, 18, 8), "width"),
    ],
)
def test_resized_size_refuses_what_is_no_size(args: tuple[Any, ...], what: str) -> None:
    with pytest.raises(ValueError, match=what):
        resized_size(*args)


# --- probe_video: frame times, so that a sampling's frames can be counted exactly ----------------


def _write(path: Path, pts: list[int], fmt: str = "mp4", rate: int = 10) -> None:
    """A 16x16 clip whose frames carry presentation times ``pts`` / ``rate`` s."""
    with av.open(str(path), "w", format=fmt, options={"avoid_negative_ts": "disabled"}) as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, rate)
        for p in pts:
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = p, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def test_probe_video_gives_frame_times_that_count_a_gapped_files_samples(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Frames 0-0.9 s and 5.0-5.9 s: the duration (6.2 s) spans the gap, so counting ticks from it
    said 12 frames at 2 fps where read_video keeps 5; the probe's times count them exactly."""
    path = tmp_path / "gap.mp4"
    _write(path, list(range(10)) + list(range(50, 60)))
    with caplog.at_level(logging.WARNING):
        info = probe_video(path)
    assert info.notes["timestamp_gaps"] == 1 and info.num_frames == 20
    assert info.timestamps is not None and len(info.timestamps) == info.num_frames
    clip = read_video(path)
    np.testing.assert_array_equal(info.timestamps, clip.timestamps)
    sampled = read_video(path, fps=2.0)
    assert len(sample_indices(info.timestamps, fps=2.0)) == len(sampled) == 5
    assert info.duration_s == pytest.approx(5.9 + 1 / info.fps)  # the documented span, gap included
    with pytest.raises(ValueError, match="read-only"):
        info.timestamps[0] = 1.0


@pytest.mark.parametrize(("fmt", "pts"), [("mp4", [7]), ("matroska", [-3, -2, -1, 0, 1]), ("matroska", [3, 4])])
def test_probe_video_times_and_duration_of_odd_clips_are_the_files(fmt: str, pts: list[int], tmp_path: Path) -> None:
    """One frame lasts one declared frame interval; times count from the first frame shown (R33: the
    container's were kept, and trajectories timed by them were paired with the wrong ground-truth
    frames), negative ones included, the container's start in ``notes["start_time_s"]``; no rate
    is made up."""
    path = tmp_path / f"c.{'mkv' if fmt == 'matroska' else fmt}"
    _write(path, pts, fmt)
    info = probe_video(path)
    assert info.fps == 10.0  # declared
    assert info.timestamps is not None
    np.testing.assert_allclose(info.timestamps, (np.array(pts) - pts[0]) / 10, atol=1e-12)
    assert info.notes.get("start_time_s") == pytest.approx(pts[0] / 10)
    assert info.duration_s == pytest.approx((pts[-1] - pts[0]) / 10 + 0.1)
