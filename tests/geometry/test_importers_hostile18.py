"""Hostile imported trajectories, eighteenth round: what the timestamps flag says once the poses are
timed in seconds, DROID-SLAM keyframes and their ``tstamps.npy``, files that are no NumPy file
under an .npz / .npy name, and frame-index trajectories with far more poses than the video has
frames.

Cases already handled (and tested elsewhere) are not repeated here: 13- or 16-column KITTI lines,
reflections and scaled rotations, zero quaternions, NaN intrinsics, repeated or decreasing
timestamps, comments between TUM lines, CRLF and a byte-order mark, object arrays.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import importers
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.errors import FileFormatError
from camerabench.trajectory import META_TIMESTAMPS, TIMESTAMPS_FRAME_INDEX, Trajectory
from camerabench.trajectory_formats import read_trajectory, write_trajectory
from camerabench.video import write_video

N_FRAMES, FPS = 10, 10.0  # a 1 s video


def _poses(n: int) -> Trajectory:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, n)  # rightward
    return Trajectory(c2w, None, np.arange(n, dtype=np.float64))


def _video(path: Path, n: int = N_FRAMES) -> Path:
    frames: NDArray[np.uint8] = np.random.default_rng(0).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=FPS, preset="ultrafast")
    return path


# --------------------------------------------------------------------------- the timestamps flag
def test_poses_timed_by_sample_fps_are_no_longer_flagged_as_frame_indices(tmp_path: Path) -> None:
    # Before: the seconds kept meta[META_TIMESTAMPS] == "frame index" (a reader of the flag would
    # take 0.25 s steps for frame indices).
    write_trajectory(tmp_path / "clip.npy", _poses(5), "poses")
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses", sample_fps=4.0).trajectory(
        tmp_path / "clip.mp4"
    )
    np.testing.assert_allclose(traj.timestamps, np.arange(5) / 4.0)
    assert traj.meta[META_TIMESTAMPS] == importers.TIMESTAMPS_SAMPLE_FPS != TIMESTAMPS_FRAME_INDEX
    # No video, no sample_fps: the timestamps are still frame indices, and keep saying so.
    kept, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").trajectory(tmp_path / "clip.mp4")
    np.testing.assert_array_equal(kept.timestamps, np.arange(5.0))
    assert kept.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX


def test_poses_spread_over_the_video_say_so(tmp_path: Path) -> None:
    write_trajectory(tmp_path / "clip.npy", _poses(5), "poses")
    video = _video(tmp_path / "clip.mp4")
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(5) * 0.2)
    assert traj.meta[META_TIMESTAMPS] == importers.TIMESTAMPS_VIDEO_DURATION


def test_file_timestamps_refitted_to_the_video_say_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 5 poses 100 s apart for a 1 s video: not seconds of it, spread over it with a warning; before,
    # nothing in the trajectory said its timestamps were no longer the file's.
    poses = _poses(5)
    write_trajectory(tmp_path / "clip.txt", Trajectory(poses.cam_c2w, None, np.arange(5) * 100.0), "tum")
    video = _video(tmp_path / "clip.mp4")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(5) * 0.2)
    assert traj.meta[META_TIMESTAMPS] == importers.TIMESTAMPS_FITTED
    assert "not seconds of this video" in caplog.text


def test_reading_a_trajectory_leaves_the_readers_meta_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The timed trajectory gets its own meta dict, not the read one's with the flag overwritten.
    read = read_trajectory(_write(tmp_path), "poses")
    monkeypatch.setattr(importers, "read_trajectory", lambda path, fmt: read)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses", sample_fps=2.0).trajectory(
        tmp_path / "clip.mp4"
    )
    assert traj.meta is not read.meta and read.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX


def _write(tmp_path: Path) -> Path:
    write_trajectory(tmp_path / "clip.npy", _poses(5), "poses")
    return tmp_path / "clip.npy"


# --------------------------------------------------------------------------- DROID-SLAM keyframes
def _droid(tmp_path: Path, tstamps: NDArray[np.generic] | None, n: int = 4) -> Path:
    """A DROID-SLAM ``save_reconstruction`` folder: keyframe poses (world-to-camera) and their
    float32 indices in the image stream."""
    folder = tmp_path / "clip"
    folder.mkdir()
    write_trajectory(folder / "poses.npy", _poses(n), "poses")
    if tstamps is not None:
        np.save(folder / "tstamps.npy", tstamps)
    return folder / "poses.npy"


def test_droid_keyframes_are_timed_by_their_tstamps(tmp_path: Path) -> None:
    # Before: keyframes 0, 1, 2 and 9 were read as frames 0, 1, 2, 3, so the 0.75 of the path
    # covered between the last two seemed covered in a third of the time.
    path = _droid(tmp_path, np.array([0, 1, 2, 9], dtype=np.float32))
    traj = read_trajectory(path, "poses")
    np.testing.assert_array_equal(traj.timestamps, [0.0, 1.0, 2.0, 9.0])
    assert traj.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX
    timed, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses", sample_fps=10.0).trajectory(
        tmp_path / "clip.mp4"
    )
    np.testing.assert_allclose(timed.timestamps, [0.0, 0.1, 0.2, 0.9])
    (tmp_path / "clip" / "tstamps.npy").unlink()  # without them: frames 0, 1, 2, 3 as before
    np.testing.assert_array_equal(read_trajectory(path, "poses").timestamps, np.arange(4.0))


@pytest.mark.parametrize(
    ("tstamps", "message"),
    [
        (np.array([0, 1, 2], dtype=np.float32), r"tstamps\.npy: 3 tstamps \(frame indices\) for 4 poses"),
        (np.array([0, 1, 1.5, 3], dtype=np.float32), r"tstamps\.npy: entry 2: 1\.5 is not a frame index"),
        (np.array([0, 2, 1, 3], dtype=np.float32), r"tstamps\.npy: entry 2: frame index 1 does not increase"),
        (np.array([0, 1, np.nan, 3]), r"tstamps\.npy: entry 2: nan is not a frame index"),
        (np.array([-1, 0, 1, 2]), r"tstamps\.npy: entry 0: -1 is not a frame index"),
        (np.zeros((4, 2)), r"tstamps\.npy: expected an \(N,\) tstamps \(frame indices\) array, got \(4, 2\)"),
        (np.array(["0", "1", "2", "3"]), r"tstamps\.npy: tstamps \(frame indices\): expected real numbers"),
    ],
)
def test_droid_tstamps_that_time_no_keyframes_name_the_file(
    tmp_path: Path, tstamps: NDArray[np.generic], message: str
) -> None:
    with pytest.raises(FileFormatError, match=message):
        read_trajectory(_droid(tmp_path, tstamps), "poses")


def test_droid_tstamps_as_text_name_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    folder.mkdir()
    write_trajectory(folder / "poses.txt", _poses(3), "poses")
    (folder / "tstamps.txt").write_text("0\n# keyframes\n4\n4\n")
    with pytest.raises(FileFormatError, match=r"tstamps\.txt:4: entry 2: frame index 4 does not increase"):
        read_trajectory(folder / "poses.txt", "poses")
    (folder / "tstamps.txt").write_text("0\n4\n7\n")
    np.testing.assert_array_equal(read_trajectory(folder / "poses.txt", "poses").timestamps, [0.0, 4.0, 7.0])


# --------------------------------------------------------------------------- no NumPy file
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file, not an"),
        (b"  \n\t", r"not an .*: it starts with b'  \\n\\t', neither a NumPy array nor a zip archive"),
        (b"0 0 0 0 0 0 1\n", "neither a NumPy array nor a zip archive"),
    ],
)
@pytest.mark.parametrize(("name", "fmt"), [("clip.npz", "megasam"), ("clip.npy", "poses")])
def test_a_file_that_is_no_numpy_file_says_so_not_pickled_data(
    tmp_path: Path, content: bytes, message: str, name: str, fmt: str
) -> None:
    # Before: NumPy took it for a pickle: "This file contains pickled (object) data" or "No data left".
    (tmp_path / name).write_bytes(content)
    with pytest.raises(FileFormatError, match=message) as info:
        read_trajectory(tmp_path / name, fmt)
    assert "pickle" not in str(info.value) and info.value.path == tmp_path / name


# --------------------------------------------------------------------------- far more poses than frames
def test_far_more_poses_than_video_frames_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 100 frame-index poses spread over a 10-frame video: the trajectory of another video, or frames
    # extracted at a rate the video does not have; before, silently a 10x faster camera.
    write_trajectory(tmp_path / "clip.npy", _poses(100), "poses")
    video = _video(tmp_path / "clip.mp4")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").trajectory(video)
    assert "100 poses cover 100 frames but clip.mp4 decodes 10" in caplog.text
    np.testing.assert_allclose(traj.timestamps[-1], 0.99)
    caplog.clear()
    write_trajectory(tmp_path / "clip.npy", _poses(N_FRAMES), "poses")  # one pose a frame: no warning
    with caplog.at_level(logging.WARNING):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").trajectory(video)
    assert "decodes" not in caplog.text
