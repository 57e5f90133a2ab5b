"""Red team R51: trajectories far from the world origin, COLMAP model checks, pose-array and
interpolation input checks.

* A float64 trajectory in UTM (5.4e6 m) or ECEF (6.4e6 m) coordinates scored as still: the
  translation noise floor, tuned for float32 rounding (1e-5 of the largest coordinate, 54 m here),
  was applied to float64 text files too. The reference is the same trajectory moved to the origin.
* ``read_colmap_model`` skipped the pose checks every other reader makes.
* ``pose_array_to_c2w``, ``interpolate_poses`` and ``focal_from_fov`` crashed or took input that
  their siblings refuse.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.scoring import decompose, trajectory_scores
from camerabench.errors import FileFormatError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory, focal_from_fov, interpolate_poses
from camerabench.trajectory_formats import (
    c2w_to_pose_array,
    pose_array_to_c2w,
    read_colmap_model,
    read_pose_array,
    read_trajectory,
    read_tum,
)

MOVES = [p for p in Primitive if p.axis in ("tx", "ty", "tz")]


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # "translation divided by its path length" on every read


def _tum_file(path: Path, c2w: NDArray[np.float64]) -> Path:
    """``c2w`` as a TUM text file (6 decimals of position, 10 of quaternion), one pose per 0.1 s."""
    quat = Rotation.from_matrix(c2w[:, :3, :3]).as_quat()
    rows = [
        f"{i / 10:.1f} " + " ".join(f"{v:.6f}" for v in c2w[i, :3, 3]) + " " + " ".join(f"{v:.10f}" for v in quat[i])
        for i in range(len(c2w))
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def _at_origin(traj: Trajectory) -> Trajectory:
    """The same motion with the first camera centre moved to the world origin."""
    c2w = traj.cam_c2w.copy()
    c2w[:, :3, 3] -= c2w[0, :3, 3]
    return Trajectory(c2w, traj.intrinsic, traj.timestamps, dict(traj.meta))


def _truck_and_pan(n: int, centre: tuple[float, float, float], metres: float, pan_deg: float) -> NDArray[np.float64]:
    """Camera trucking ``metres`` right (world +x, camera +x) while panning ``pan_deg`` right."""
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("Y", np.linspace(0.0, pan_deg, n)[:, None], degrees=True).as_matrix()
    c2w[:, :3, 3] = np.asarray(centre) + np.outer(np.linspace(0.0, metres, n), [1.0, 0.0, 0.0])
    return c2w


@pytest.mark.parametrize(
    ("centre", "pan_deg"),
    [((450000.0, 5400000.0, 100.0), 0.0), ((4.2e6, 1.7e5, 4.8e6), 0.0), ((-2.1e6, 6.4e6, 3.0e5), 12.0)],
    ids=["utm_truck", "ecef_truck", "ecef_truck_and_pan"],
)
def test_a_float64_trajectory_far_from_the_origin_scores_as_at_the_origin(
    tmp_path: Path, centre: tuple[float, float, float], pan_deg: float
) -> None:
    traj = read_tum(_tum_file(tmp_path / "far.txt", _truck_and_pan(30, centre, 20.0, pan_deg)))
    origin = _at_origin(traj)
    far_scores, origin_scores = trajectory_scores(traj), trajectory_scores(origin)
    assert origin_scores[Primitive.MOVE_RIGHT] > 0.5  # the reference sees the truck
    for p in Primitive:  # was Move_Right 0.0 and every move 0 far from the origin
        assert far_scores[p] == pytest.approx(origin_scores[p], rel=1e-6, abs=1e-9), p.value
    assert decompose(traj).translation_unit == "path_length"
    caption = describe_trajectory(traj)
    assert caption == describe_trajectory(origin)
    assert "trucks right" in caption, caption  # was "no measured pan, tilt, roll or translation"


def _float32_c2w(c2w: NDArray[np.float64]) -> Trajectory:
    """``c2w`` stored as float32 camera-to-world matrices (MegaSaM / CUT3R ``.npz``) and read back."""
    return Trajectory(c2w.astype(np.float32).astype(np.float64), None, np.arange(len(c2w)) / 10)


def test_float32_rounding_far_from_the_origin_still_reads_still() -> None:
    # Centre jitter of up to 2 float32 steps (0.5 m each at 5.4e6): what float32 pose files far from
    # the origin hold for a still camera; the float32 floor (1e-5 of the coordinates) covers it.
    rng = np.random.default_rng(3)
    c2w = _truck_and_pan(30, (450000.0, 5400000.0, 100.0), 0.0, 25.0)
    c2w[:, :3, 3] += rng.uniform(-1.0, 1.0, size=(30, 3))
    traj = _float32_c2w(c2w)
    assert np.ptp(traj.positions, axis=0).max() >= 0.5  # the rounding noise is there
    assert decompose(traj).translation_unit == "none"
    scores = trajectory_scores(traj)
    assert all(scores[p] == 0.0 for p in MOVES), {p.value: scores[p] for p in MOVES}
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.deg2rad(25.0), rel=1e-4)
    # in float64 the same jitter is a measurement, not rounding: white noise about one point is
    # still (within 12 times its own jitter), a 40 m truck through it is a move
    assert decompose(Trajectory(c2w, None, np.arange(30) / 10)).translation_unit == "none"
    c2w[:, 0, 3] += np.linspace(0.0, 40.0, 30)
    assert decompose(Trajectory(c2w, None, np.arange(30) / 10)).translation_unit == "path_length"


def test_float32_world_to_camera_rows_far_from_the_origin_still_read_still(tmp_path: Path) -> None:
    # DROID-SLAM / MegaSaM poses.npy: float32 [t, q] world-to-camera rows of a pure pan at ECEF
    # coordinates; the camera centre recomputed in float64 from them wanders by metres.
    c2w = _truck_and_pan(40, (4.2e6, 1.7e5, 4.8e6), 0.0, 30.0)
    c2w[:, :3, :3] = Rotation.random(random_state=4).as_matrix() @ c2w[:, :3, :3]
    np.save(tmp_path / "poses.npy", c2w_to_pose_array(c2w, world_to_camera=True).astype(np.float32))
    traj = read_pose_array(tmp_path / "poses.npy", world_to_camera=True)
    assert np.ptp(traj.positions, axis=0).max() > 0.1
    assert decompose(traj).translation_unit == "none"
    scores = trajectory_scores(traj)
    assert all(scores[p] == 0.0 for p in MOVES), {p.value: scores[p] for p in MOVES}


def test_a_real_move_in_float32_far_from_the_origin_is_still_a_move() -> None:
    traj = _float32_c2w(_truck_and_pan(30, (450000.0, 5400000.0, 100.0), 500.0, 0.0))
    assert trajectory_scores(traj)[Primitive.MOVE_RIGHT] == pytest.approx(1.0, rel=1e-3)


# --- COLMAP model: the pose checks of the other readers --------------------------------------------


def _colmap_text_model(folder: Path, fx: float, fy: float) -> Path:
    folder.mkdir()
    (folder / "cameras.txt").write_text(f"1 PINHOLE 640 360 {fx:g} {fy:g} 320 180\n")
    (folder / "points3D.txt").write_text("")
    (folder / "images.txt").write_text("1 1 0 0 0 1 2 3 1 frame_1.png\n\n2 1 0 0 0 0 0 5 1 frame_2.png\n\n")
    return folder


def test_read_colmap_model_refuses_what_read_trajectory_refuses(tmp_path: Path) -> None:
    model = _colmap_text_model(tmp_path / "bad", 500.0, 5100.0)
    reason = r"image frame_1\.png \(frame 0\): focal lengths fx 500 and fy 5100 differ by a factor 10\.2, beyond 4"
    with pytest.raises(FileFormatError, match=reason) as direct:  # was a trajectory with fx/fy 10.2
        read_colmap_model(model)
    assert str(model) in str(direct.value)
    with pytest.raises(FileFormatError, match=reason):
        read_trajectory(model, "colmap")
    good = read_colmap_model(_colmap_text_model(tmp_path / "good", 500.0, 510.0))
    assert good.focal_px is not None and good.focal_px.tolist() == [505.0, 505.0]


# --- small API input checks ------------------------------------------------------------------------


def test_pose_array_to_c2w_names_a_shape_it_cannot_read() -> None:
    with pytest.raises(ValueError, match=r"pose rows must be an \(N, 7\) array .* got shape \(7,\)"):
        pose_array_to_c2w(np.array([0, 0, 0, 0, 0, 0, 1.0]), world_to_camera=False)  # was IndexError
    with pytest.raises(ValueError, match=r"got shape \(2, 6\)"):
        pose_array_to_c2w(np.zeros((2, 6)), world_to_camera=False)


@pytest.mark.parametrize("norm", [2.0, 0.5, 1.0015])
def test_pose_array_to_c2w_refuses_the_quaternions_read_pose_array_refuses(tmp_path: Path, norm: float) -> None:
    rows = np.array([[0, 0, 0, 0, 0, 0, 1.0], [1, 2, 3, 0, 0, 0, norm]])
    with pytest.raises(ValueError, match=rf"pose row 1: quaternion norm {norm:.4g} is not 1 \(tolerance 0\.001\)"):
        pose_array_to_c2w(rows, world_to_camera=False)  # was normalised silently
    np.save(tmp_path / "poses.npy", rows)
    with pytest.raises(FileFormatError, match="row 1: quaternion norm"):
        read_pose_array(tmp_path / "poses.npy", world_to_camera=False)


def test_pose_array_to_c2w_and_read_pose_array_accept_the_same_rounding(tmp_path: Path) -> None:
    rows = np.array([[1, 2, 3, 0, 0, 0, 1.0005]])  # within the tolerance: float rounding of a quaternion
    np.save(tmp_path / "poses.npy", rows)
    read = read_pose_array(tmp_path / "poses.npy", world_to_camera=False)
    np.testing.assert_array_equal(read.cam_c2w, pose_array_to_c2w(rows, world_to_camera=False))
    np.testing.assert_allclose(read.cam_c2w[0, :3, :3], np.eye(3), atol=1e-12)


def test_interpolate_poses_refuses_a_matrix_that_is_no_rotation() -> None:
    c2w = np.stack([np.eye(4), np.diag([2.0, 2.0, 2.0, 1.0])])  # gave I at t = 0.5 but 2I at t = 1
    not_orthonormal = "known frame 1: rotation block is not orthonormal (max |R^T R - I| = 3)"
    with pytest.raises(ValueError, match=re.escape(not_orthonormal)):
        interpolate_poses([0.0, 1.0], c2w, [0.5, 1.0])
    mirror = np.stack([np.eye(4), np.diag([1.0, 1.0, -1.0, 1.0])])
    with pytest.raises(ValueError, match=r"known frame 1: rotation block has determinant -1, not \+1 \(a reflection\)"):
        interpolate_poses([0.0, 1.0], mirror, [0.5])
    # a float32-rounded rotation is still one
    turn = np.tile(np.eye(4), (2, 1, 1))
    turn[1, :3, :3] = Rotation.from_euler("Y", 40.0, degrees=True).as_matrix().astype(np.float32)
    mid, _ = interpolate_poses([0.0, 1.0], turn, [0.5])
    assert Rotation.from_matrix(mid[0, :3, :3]).magnitude() == pytest.approx(np.deg2rad(20.0), rel=1e-6)


@pytest.mark.parametrize(("width", "shown"), [("640", "'640' (str)"), (True, "True (bool)"), (None, "None (NoneType)")])
def test_focal_from_fov_says_a_width_that_is_not_a_number_is_not_one(width: object, shown: str) -> None:
    # "640" was "image width must be positive and finite, got 640 px": as if 640 px were wrong
    expected = f"image width must be positive and finite, got {shown}: not a number of pixels"
    with pytest.raises(ValueError, match=re.escape(expected)):
        focal_from_fov(width, 90.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image width must be positive and finite, got -640 px"):
        focal_from_fov(-640, 90.0)
