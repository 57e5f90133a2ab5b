"""Trajectory import: every format round-trips, pose directions and quaternion orders are right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import importers
from camerabench.baselines.geometry.predictor import UNANSWERABLE_REASON
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory


def _random_traj(n: int = 12, seed: int = 0) -> Trajectory:
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.random(n, random_state=seed).as_matrix()
    c2w[:, :3, 3] = rng.normal(size=(n, 3))
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (n, 1, 1))
    k[:, 0, 0] *= np.linspace(1, 1.5, n)
    k[:, 1, 1] *= np.linspace(1, 1.5, n)
    return Trajectory(c2w, k, np.arange(n) / 10.0)


@pytest.mark.parametrize("fmt", sorted(importers.FORMATS))
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    traj = _random_traj()
    target = tmp_path / importers.FORMATS[fmt][0].format(stem="clip")
    importers.write_trajectory(target, traj, fmt)
    found = importers.find_trajectory_file(tmp_path, "clip", fmt)
    assert found == target
    back = importers.read_trajectory(found, fmt)
    np.testing.assert_allclose(back.cam_c2w, traj.cam_c2w, atol=1e-6)
    if fmt in ("megasam", "colmap"):
        assert back.intrinsic is not None
        np.testing.assert_allclose(back.intrinsic, traj.intrinsic, atol=1e-9)
    if fmt in ("megasam", "tum"):
        np.testing.assert_allclose(back.timestamps, traj.timestamps, atol=1e-6)


def test_pose_array_direction_and_quaternion_order(tmp_path: Path) -> None:
    # A camera at world (1, 2, 3), rotated 90 deg about world z (scalar-last quaternion).
    q_xyzw = [0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]
    c2w_row = np.array([[1.0, 2.0, 3.0, *q_xyzw]])
    c2w = importers.pose_array_to_c2w(c2w_row, world_to_camera=False)[0]
    np.testing.assert_allclose(c2w[:3, 3], [1, 2, 3])
    np.testing.assert_allclose(c2w[:3, 0], [0, 1, 0], atol=1e-12)  # camera x axis now points along world y
    # The same pose stored world-to-camera: the camera centre is -R^T t.
    w2c = np.linalg.inv(c2w)
    w2c_row = np.concatenate([w2c[:3, 3], Rotation.from_matrix(w2c[:3, :3]).as_quat()])[None]
    np.save(tmp_path / "clip.npy", w2c_row)
    back = importers.read_trajectory(tmp_path / "clip.npy", "poses")
    np.testing.assert_allclose(back.cam_c2w[0], c2w, atol=1e-12)
    # Wrong quaternion order (scalar first) is caught when it breaks the norm, never silently swapped.
    bad = np.array([[0, 0, 0, 1.0, 0, 0, 0.5]])
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(FileFormatError, match="quaternion norm"):
        importers.read_trajectory(tmp_path / "bad.npy", "poses")


def test_tum_quaternions_through_evo(tmp_path: Path) -> None:
    # TUM stores "t x y z qx qy qz qw": write one line by hand and check the rotation.
    (tmp_path / "clip.txt").write_text(f"0.5 1 2 3 0 0 {np.sin(np.pi / 4)} {np.cos(np.pi / 4)}\n")
    traj = importers.read_trajectory(tmp_path / "clip.txt", "tum")
    np.testing.assert_allclose(traj.cam_c2w[0, :3, 0], [0, 1, 0], atol=1e-9)
    np.testing.assert_allclose(traj.cam_c2w[0, :3, 3], [1, 2, 3])


def test_megasam_depth_and_poses_intrinsics(tmp_path: Path) -> None:
    traj = _random_traj(5)
    depths = np.full((5, 4, 6), 7.0)
    depths[0, 0, 0] = 0.0  # invalid pixels are ignored
    importers.write_megasam(tmp_path / "clip_sgd_cvd_hr.npz", traj, depths)
    back = importers.read_trajectory(importers.find_trajectory_file(tmp_path, "clip", "megasam"), "megasam")
    assert back.meta["scene_depth"] == 7.0
    np.savez(tmp_path / "scaled.npz", cam_c2w=traj.cam_c2w, scene_depth=2.5)
    assert importers.read_trajectory(tmp_path / "scaled.npz", "megasam").meta["scene_depth"] == 2.5
    folder = tmp_path / "other"
    folder.mkdir()
    importers.write_pose_array(folder / "poses.npy", traj, world_to_camera=True)
    np.save(folder / "intrinsics.npy", np.tile([300.0, 310.0, 160.0, 96.0], (5, 1)))
    arr = importers.read_trajectory(importers.find_trajectory_file(tmp_path, "other", "poses"), "poses")
    assert arr.intrinsic is not None and arr.intrinsic[0, 1, 1] == 310.0


def test_predictor(tmp_path: Path) -> None:
    c2w = np.tile(np.eye(4), (6, 1, 1))
    c2w[:, 2, 3] = np.linspace(0, 0.5, 6)  # forward
    importers.write_trajectory(tmp_path / "walk.txt", Trajectory(c2w, None, np.arange(6.0)), "tum")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    questions = [Question(p.question, p) for p in Primitive] + [Question("Is the scene dynamic?")]
    result = pred.predict(tmp_path / "walk.mp4", questions)
    assert result.scores[Primitive.MOVE_IN.question] > result.scores[Primitive.MOVE_OUT.question]
    assert len(result.scores) == 15
    assert result.unanswerable == {"Is the scene dynamic?": UNANSWERABLE_REASON}
    assert result.info["translation_unit"] == "path_length"
    assert "moves forward" in pred.caption(tmp_path / "walk.mp4", "Describe the camera movement.")
    with pytest.raises(PredictionError, match="no tum trajectory for 'missing'"):
        pred.predict(tmp_path / "missing.mp4", questions)


def test_predictor_options(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="does not take option"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), max_side=3)
    with pytest.raises(CameraBenchError, match="needs option traj_dir"):
        importers.TrajectoryPredictor()
    with pytest.raises(CameraBenchError, match="unknown trajectory format"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="ply")
    with pytest.raises(CameraBenchError, match="unknown scorer"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), scorer="best")
