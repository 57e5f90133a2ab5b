"""Red team R90 on imported trajectories: the float32 test and noise floors of the motion scorer,
the Euler continuity fix at a million poses, and the trajectory writers' pose checks."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.scoring import (
    continuous_euler_deg,
    decompose,
    stored_as_float32,
    trajectory_scores,
)
from camerabench.errors import FileFormatError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory
from camerabench.trajectory_formats import (
    FORMATS,
    c2w_to_pose_array,
    pose_array_to_c2w,
    read_colmap_model,
    read_cut3r,
    read_megasam,
    read_trajectory,
    write_trajectory,
)

MOVES = [p for p in Primitive if p.value.startswith("Move_")]


def _dolly(n: int, length: float, centre: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> NDArray[np.float64]:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, 3] = centre
    c2w[:, 2, 3] += np.linspace(0.0, length, n)
    return c2w


# --- SW1: a float64 trajectory far from the origin is no float32 one -------------------------------


def test_a_float64_dolly_at_utm_coordinates_is_a_move() -> None:
    traj = Trajectory(_dolly(25, 1.0, (5e5, 4e6, 0.0)), None, np.arange(25) / 10, {META_SCENE_DEPTH: 2.0})
    assert not stored_as_float32(traj)  # was True: 64 eps of the row's largest coordinate (4e6)
    scores = trajectory_scores(traj)
    assert scores[Primitive.MOVE_IN] == pytest.approx(0.5)  # 1 m over a 2 m scene; was 0
    assert scores[Primitive.STATIC] == pytest.approx(-0.5)


def test_float32_rounding_that_hides_a_move_is_said(caplog: pytest.LogCaptureFixture) -> None:
    # The same dolly stored as float32: 0.25 m steps at 4e6, a move under the 40 m floor cannot be
    # told from rounding. It is still zeroed, but not silently.
    c2w = _dolly(25, 1.0, (5e5, 4e6, 0.0)).astype(np.float32).astype(np.float64)
    traj = Trajectory(c2w, None, np.arange(25) / 10, {META_SCENE_DEPTH: 2.0})
    assert stored_as_float32(traj)
    with caplog.at_level(logging.WARNING):
        motion = decompose(traj)
    assert trajectory_scores(traj)[Primitive.MOVE_IN] == 0.0
    assert len(motion.notes) == 1 and "float32 rounding (0.25 at coordinate 4e+06) hides motion" in motion.notes[0]
    assert motion.notes[0] in caplog.text


def test_float32_rounding_of_a_pure_pan_at_unit_scale_is_silent() -> None:
    # MegaSaM at its own scale: the centre of a float32 world-to-camera pan wanders by rounding only.
    rot = Rotation.from_rotvec(np.outer(np.linspace(0.0, 0.5, 30), [0.0, 1.0, 0.0])).as_matrix()
    c2w = np.tile(np.eye(4), (30, 1, 1))
    c2w[:, :3, :3] = Rotation.random(random_state=5).as_matrix() @ rot
    c2w[:, :3, 3] = (0.3, -1.2, 0.8)
    rows = c2w_to_pose_array(c2w, world_to_camera=True).astype(np.float32).astype(np.float64)
    traj = Trajectory(pose_array_to_c2w(rows, world_to_camera=True), None, np.arange(30) / 10, {META_SCENE_DEPTH: 1.0})
    assert stored_as_float32(traj) and np.ptp(traj.positions, axis=0).max() > 0
    motion = decompose(traj)
    assert motion.notes == () and np.abs(motion.t_rel).max() == 0.0


# --- SW2: scale-free translation is relative to the trajectory's own numbers ---------------------------


@pytest.mark.parametrize("length", [1e-7, 1e-9, 1.0, 1e6])
def test_a_dolly_scores_the_same_in_any_unit(length: float) -> None:
    scores = trajectory_scores(Trajectory(_dolly(25, length), np.diag([300.0, 300.0, 1.0]), np.arange(25) / 10))
    assert scores[Primitive.MOVE_IN] == pytest.approx(1.0)  # was 0 below 1e-6 units
    assert scores[Primitive.STATIC] == pytest.approx(-1.0)


@pytest.mark.parametrize("scale", [1e-9, 1.0, 1e3])
def test_a_still_camera_that_jitters_stays_still_in_any_unit(scale: float, caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(7)
    c2w = np.tile(np.eye(4), (40, 1, 1))
    c2w[:, :3, 3] = (2.0 * scale, 0.0, scale) + 0.01 * scale * rng.normal(size=(40, 3))
    with caplog.at_level(logging.WARNING):
        motion = decompose(Trajectory(c2w, None, np.arange(40) / 10))
    assert motion.translation_unit == "none" and np.abs(motion.path[:, :3]).max() == 0.0
    assert "read as a still camera that jitters" in caplog.text and len(motion.notes) == 1


# --- HANG1: continuous_euler_deg vectorised ------------------------------------------------------------


def _continuous_euler_loop(rel_rot: NDArray[np.float64]) -> NDArray[np.float64]:
    """The loop continuous_euler_deg was before R90 (20 us a pose), as the reference."""
    raw = Rotation.from_matrix(rel_rot).as_euler("YXZ", degrees=True)
    alt = np.stack([raw[:, 0] + 180.0, 180.0 - raw[:, 1], raw[:, 2] + 180.0], axis=1)
    out = raw.copy()
    for i in range(1, len(raw)):
        prev = out[i - 1]
        best = None
        for cand in (raw[i], alt[i]):
            near = prev + (cand - prev + 180.0) % 360.0 - 180.0
            if best is None or np.abs(near - prev).sum() < np.abs(best - prev).sum():
                best = near
        out[i] = best
    return out


def _walks() -> list[NDArray[np.float64]]:
    rng = np.random.default_rng(11)
    walks = []
    for step in (1.0, 20.0, 90.0, 170.0):  # degrees a pose, per axis
        angles = np.cumsum(rng.normal(scale=step, size=(300, 3)), axis=0)
        walks.append(Rotation.from_euler("YXZ", angles, degrees=True).as_matrix())
    walks.append(Rotation.random(300, random_state=3).as_matrix())  # unrelated poses
    # through gimbal lock: tilts that pass 90 deg (within 1e-7 deg) and back, panning and rolling
    tilt = np.concatenate([np.linspace(0.0, 90.0 - 1e-7, 50), [90.0, 90.0 + 1e-7], np.linspace(90.0, 250.0, 80)])
    n = len(tilt)
    gimbal = np.stack([np.linspace(0.0, 400.0, n), tilt, np.linspace(0.0, -300.0, n)], axis=1)
    walks.append(Rotation.from_euler("YXZ", gimbal, degrees=True).as_matrix())
    walks.append(
        Rotation.from_euler("YXZ", gimbal + rng.normal(scale=1e-6, size=gimbal.shape), degrees=True).as_matrix()
    )
    walks.append(Rotation.from_euler("X", np.repeat([[90.0], [-90.0]], 20, axis=0), degrees=True).as_matrix())
    return walks


@pytest.mark.filterwarnings("ignore:Gimbal lock detected")  # scipy's, at a tilt of exactly 90 deg
def test_continuous_euler_is_the_loop_it_replaced() -> None:
    for rel_rot in _walks():
        expected = _continuous_euler_loop(rel_rot)
        np.testing.assert_allclose(continuous_euler_deg(rel_rot), expected, rtol=0, atol=1e-8)
    one = Rotation.from_euler("Y", [[30.0]], degrees=True).as_matrix()
    np.testing.assert_allclose(continuous_euler_deg(one), [[30.0, 0.0, 0.0]], atol=1e-12)


# --- API1-3: the writers check the poses as the readers do; errors that say what is wrong -----------


def _bad_trajectories() -> dict[str, tuple[Trajectory, str]]:
    scaled = _dolly(3, 2.0)
    scaled[:, :3, :3] *= 2.0
    k = np.diag([300.0, 300.0, 1.0])
    return {
        "scaled": (Trajectory(scaled, k, np.arange(3.0)), "rotation block is not orthonormal"),
        "reflection": (Trajectory(np.tile(np.diag([-1.0, 1.0, 1.0, 1.0]), (2, 1, 1)), k, np.arange(2.0)), "reflection"),
        "nan": (Trajectory(np.full((2, 4, 4), np.nan), k, np.arange(2.0)), "pose is not finite"),
        "unsorted": (Trajectory(_dolly(3, 1.0), k, np.array([2.0, 1.0, 0.0])), "timestamp 1 does not increase"),
    }


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", list(_bad_trajectories()))
def test_writers_refuse_what_their_readers_refuse(tmp_path: Path, fmt: str, case: str) -> None:
    traj, reason = _bad_trajectories()[case]
    name = "poses.npy" if fmt.startswith("poses") else ("clip" if FORMATS[fmt].folder else "clip.txt")
    path = tmp_path / name
    with pytest.raises(FileFormatError, match=f"not written: .*{reason}"):
        write_trajectory(path, traj, fmt)
    assert list(tmp_path.iterdir()) == []  # nothing written
    # what the writer accepts, its reader reads back
    good = Trajectory(_dolly(3, 1.0), np.diag([300.0, 300.0, 1.0]), np.arange(3.0))
    write_trajectory(path, good, fmt)
    np.testing.assert_allclose(read_trajectory(path, fmt).cam_c2w, good.cam_c2w, atol=1e-12)


def test_pose_array_errors_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"must be an \(N, 4, 4\) array, got shape \(4, 4\)"):
        c2w_to_pose_array(np.eye(4), True)  # was a bare IndexError
    with pytest.raises(ValueError, match="pose row 1 holds NaN or infinite values"):
        pose_array_to_c2w(np.array([[0, 0, 0, 0, 0, 0, 1.0], [0, 0, 0, np.nan, 0, 0, 1]]), True)  # zero norm


@pytest.mark.parametrize("reader", [read_megasam, read_colmap_model, read_cut3r])
def test_readers_name_a_symbolic_link_loop(tmp_path: Path, reader: object) -> None:
    os.symlink("loop", tmp_path / "loop")  # was "file not found" / "folder not found"
    with pytest.raises(FileFormatError, match="is a symbolic link loop"):
        reader(tmp_path / "loop")  # type: ignore[operator]
