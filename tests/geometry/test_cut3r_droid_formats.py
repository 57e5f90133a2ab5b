"""The ``cut3r`` format (CUT3R demo output folders), DROID-SLAM's 1/8-resolution intrinsics, and
the frame numbers of ``poses`` files surviving a round trip through ``tstamps``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.trajectory import META_SCENE_DEPTH, META_TIMESTAMPS, TIMESTAMPS_FRAME_INDEX, Trajectory
from camerabench.trajectory_formats import (
    DROID_INTRINSICS_SCALE,
    FORMATS,
    find_trajectory_file,
    read_trajectory,
    write_trajectory,
)

K = np.array([[400.0, 0.0, 256.0], [0.0, 410.0, 144.0], [0.0, 0.0, 1.0]])


def _traj(frames: list[int], intrinsic: bool = True) -> Trajectory:
    n = len(frames)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, n)
    angle = np.linspace(0.0, 0.3, n)
    c2w[:, 0, 0], c2w[:, 0, 2], c2w[:, 2, 0], c2w[:, 2, 2] = np.cos(angle), np.sin(angle), -np.sin(angle), np.cos(angle)
    k = np.tile(K, (n, 1, 1)) if intrinsic else None
    return Trajectory(c2w, k, np.asarray(frames, dtype=np.float64))


def _cut3r(folder: Path, frames: dict[str, dict[str, np.ndarray]]) -> Path:
    (folder / "camera").mkdir(parents=True)
    for name, arrays in frames.items():
        np.savez(folder / "camera" / name, **arrays)
    return folder


def _frame(i: int) -> dict[str, np.ndarray]:
    pose = np.eye(4, dtype=np.float32)
    pose[0, 3] = 0.1 * i
    return {"pose": pose, "intrinsics": K.astype(np.float32)}


# --------------------------------------------------------------------------- cut3r
def test_cut3r_is_a_format_found_per_video_stem(tmp_path: Path) -> None:
    assert "cut3r" in FORMATS
    folder = _cut3r(tmp_path / "clip", {f"{i:06d}.npz": _frame(i) for i in range(3)})
    (tmp_path / "other").mkdir()  # no camera/: not found
    assert find_trajectory_file(tmp_path, "clip", "cut3r") == folder
    assert find_trajectory_file(tmp_path, "other", "cut3r") is None
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="cut3r", sample_fps=10.0).trajectory(
        tmp_path / "clip.mp4"
    )
    np.testing.assert_allclose(traj.timestamps, [0.0, 0.1, 0.2])
    assert info["trajectory_file"] == str(folder)


def test_cut3r_frames_in_numeric_order_with_gaps_and_depth(tmp_path: Path) -> None:
    # 10 sorts before 9 by name; frames 3-8 are missing and stay a gap in time.
    folder = _cut3r(tmp_path / "clip", {"000010.npz": _frame(10), "000009.npz": _frame(9), "0.npz": _frame(0)})
    (folder / "depth").mkdir()
    np.save(folder / "depth" / "0.npy", np.array([[1.0, 2.0], [3.0, np.nan]], dtype=np.float32))
    traj = read_trajectory(folder, "cut3r")
    np.testing.assert_array_equal(traj.timestamps, [0.0, 9.0, 10.0])
    np.testing.assert_allclose(traj.cam_c2w[:, 0, 3], [0.0, 0.9, 1.0], rtol=1e-6)
    assert traj.intrinsic is not None
    np.testing.assert_allclose(traj.intrinsic[1], K)
    assert traj.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX
    assert traj.meta[META_SCENE_DEPTH] == 2.0


def test_cut3r_round_trip_keeps_frame_numbers(tmp_path: Path) -> None:
    traj = _traj([0, 1, 5, 12])
    write_trajectory(tmp_path / "clip", traj, "cut3r")
    assert sorted(p.name for p in (tmp_path / "clip" / "camera").iterdir()) == [
        "000000.npz",
        "000001.npz",
        "000005.npz",
        "000012.npz",
    ]
    back = read_trajectory(tmp_path / "clip", "cut3r")
    np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    np.testing.assert_array_equal(back.cam_c2w, traj.cam_c2w)
    assert back.intrinsic is not None and traj.intrinsic is not None
    np.testing.assert_array_equal(back.intrinsic, traj.intrinsic)


def test_cut3r_writer_needs_intrinsics_and_numbers_seconds_by_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(CameraBenchError, match="intrinsics"):
        write_trajectory(tmp_path / "a", _traj([0, 1], intrinsic=False), "cut3r")
    seconds = Trajectory(_traj([0, 1]).cam_c2w, np.tile(K, (2, 1, 1)), np.array([0.0, 0.5]))
    write_trajectory(tmp_path / "b", seconds, "cut3r")
    assert "no frame indices" in caplog.text
    np.testing.assert_array_equal(read_trajectory(tmp_path / "b", "cut3r").timestamps, [0.0, 1.0])


def _bad_pose() -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] *= 1.5
    return pose


@pytest.mark.parametrize(
    ("files", "bad", "message"),
    [
        ({}, "camera", "no camera file"),
        ({"000000.npz": {"pose": np.eye(4)}}, "000000.npz", r"no 'intrinsics' array \(found \['pose'\]\)"),
        ({"000000.npz": {"pose": np.eye(3), "intrinsics": K}}, "000000.npz", r"pose must be \(4, 4\)"),
        ({"000000.npz": {"pose": np.eye(4), "intrinsics": K[:2]}}, "000000.npz", r"intrinsics must be \(3, 3\)"),
        ({"000000.npz": {"pose": np.full((4, 4), np.nan), "intrinsics": K}}, "000000.npz", "NaN or infinite"),
        (
            {"000000.npz": _frame(0), "000001.npz": {"pose": _bad_pose(), "intrinsics": K}},
            "000001.npz",
            "not orthonormal",
        ),
        ({"000001.npz": _frame(1), "1.npz": _frame(1)}, "1.npz", "frame number 1 is also the number of 000001.npz"),
        ({"last.npz": _frame(0)}, "last.npz", "named by its frame number"),
        (
            {"000000.npz": {"pose": np.eye(4), "intrinsics": np.array(["a"] * 9).reshape(3, 3)}},
            "000000.npz",
            "expected real numbers",
        ),
    ],
)
def test_cut3r_malformed_output_names_the_file(
    tmp_path: Path, files: dict[str, dict[str, np.ndarray]], bad: str, message: str
) -> None:
    folder = _cut3r(tmp_path / "clip", files)
    with pytest.raises(FileFormatError, match=message) as info:
        read_trajectory(folder, "cut3r")
    assert str(info.value).startswith(str(folder / "camera" / bad) if bad != "camera" else str(folder / "camera"))


def test_cut3r_folder_without_camera_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clip").mkdir()
    with pytest.raises(FileFormatError, match="no camera/ folder"):
        read_trajectory(tmp_path / "clip", "cut3r")


# --------------------------------------------------------------------------- DROID-SLAM / MegaSaM poses
def test_droid_intrinsics_beside_tstamps_are_scaled_to_image_resolution(tmp_path: Path) -> None:
    folder = tmp_path / "clip"
    folder.mkdir()
    write_trajectory(folder / "poses.npy", _traj([0, 1, 2], intrinsic=False), "poses")
    np.save(folder / "intrinsics.npy", np.tile([50.0, 51.0, 32.0, 18.0], (3, 1)).astype(np.float32))  # 1/8
    np.save(folder / "tstamps.npy", np.array([0.0, 4.0, 9.0], dtype=np.float32))
    traj = read_trajectory(folder / "poses.npy", "poses")
    assert traj.intrinsic is not None
    np.testing.assert_allclose(traj.intrinsic[0], [[400.0, 0.0, 256.0], [0.0, 408.0, 144.0], [0.0, 0.0, 1.0]])
    assert DROID_INTRINSICS_SCALE == 8.0
    # MegaSaM's reconstruction (no tstamps.npy) saves them already at image resolution.
    (folder / "tstamps.npy").unlink()
    megasam = read_trajectory(folder / "poses.npy", "poses")
    assert megasam.intrinsic is not None
    np.testing.assert_allclose(megasam.intrinsic[0, 0, 0], 50.0)


@pytest.mark.parametrize("name", ["poses.npy", "poses.txt"])
def test_poses_round_trip_keeps_gapped_frame_numbers_and_intrinsics(tmp_path: Path, name: str) -> None:
    traj = _traj([0, 3, 4, 11])
    write_trajectory(tmp_path / name, traj, "poses")
    back = read_trajectory(tmp_path / name, "poses")
    np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    np.testing.assert_allclose(back.cam_c2w, traj.cam_c2w, atol=1e-12)
    assert back.intrinsic is not None and traj.intrinsic is not None
    np.testing.assert_allclose(back.intrinsic, traj.intrinsic, rtol=1e-12)


def test_poses_timed_in_seconds_write_no_tstamps(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    stale = tmp_path / "tstamps.npy"
    np.save(stale, np.array([0.0, 7.0]))  # another trajectory's
    traj = Trajectory(_traj([0, 1]).cam_c2w, np.tile(K, (2, 1, 1)), np.array([0.0, 0.5]))
    write_trajectory(tmp_path / "poses.npy", traj, "poses")
    assert not stale.exists()
    assert "no frame indices" in caplog.text
    back = read_trajectory(tmp_path / "poses.npy", "poses")
    np.testing.assert_array_equal(back.timestamps, [0.0, 1.0])
    assert back.intrinsic is not None
    np.testing.assert_allclose(back.intrinsic[0], K)
