"""Metamorphic properties of the trajectory errors (APE / RPE after Sim(3) alignment).

Each test states a specific expected number, computed here independently (numpy's Umeyama,
scipy's rotations), so that a change in alignment, association, RPE pairing or units fails it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.eval.trajectory_error import trajectory_errors
from camerabench.trajectory import Trajectory

Array = NDArray[np.float64]


def _curve(t: Array) -> Array:
    """A camera moving on a non-planar curve and turning: Umeyama's case."""
    c2w = np.tile(np.eye(4), (len(t), 1, 1))
    c2w[:, :3, 3] = np.c_[np.cos(2 * t), np.sin(3 * t), 0.5 * t]
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[0.3 * np.sin(t), 0.2 * t, 0.1 * np.cos(2 * t)]).as_matrix()
    return c2w


def _dolly(t: Array) -> Array:
    """A camera moving on a straight line, fixed orientation: the orientation alignment's case."""
    c2w = np.tile(np.eye(4), (len(t), 1, 1))
    c2w[:, :3, 3] = np.c_[np.zeros_like(t), np.zeros_like(t), 2 * t]
    c2w[:, :3, :3] = Rotation.from_euler("y", 10, degrees=True).as_matrix()
    return c2w


def _similarity(c2w: Array, rot: Array, trans: Array, scale: float) -> Array:
    """World transform x -> scale rot x + trans applied to camera-to-world poses."""
    out = c2w.copy()
    out[:, :3, :3] = rot @ c2w[:, :3, :3]
    out[:, :3, 3] = scale * c2w[:, :3, 3] @ rot.T + trans
    return out


def _alternating(n: int) -> Array:
    return np.where(np.arange(n) % 2 == 0, 1.0, -1.0)


def _umeyama_aligned(est: Array, ref: Array) -> Array:
    """``est`` mapped onto ``ref`` by the least-squares similarity of the centres (Umeyama 1991)."""
    x, y = est[:, :3, 3], ref[:, :3, 3]
    mx, my = x.mean(axis=0), y.mean(axis=0)
    cov = (y - my).T @ (x - mx) / len(x)
    u, d, vt = np.linalg.svd(cov)
    s_fix = np.diag([1.0, 1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    rot = u @ s_fix @ vt
    scale = float(np.trace(np.diag(d) @ s_fix) / ((x - mx) ** 2).sum(axis=1).mean())
    return _similarity(est, rot, my - scale * rot @ mx, scale)


def _ape_trans(est: Array, ref: Array) -> float:
    return float(np.sqrt(np.mean(np.sum((est[:, :3, 3] - ref[:, :3, 3]) ** 2, axis=1))))


def _rpe_trans(est: Array, ref: Array) -> float:
    """RMSE of the translation of (Q_i^-1 Q_i+1)^-1 (P_i^-1 P_i+1) over consecutive poses."""
    errs = []
    for i in range(len(est) - 1):
        rel_ref = np.linalg.inv(ref[i]) @ ref[i + 1]
        rel_est = np.linalg.inv(est[i]) @ est[i + 1]
        errs.append(np.linalg.norm((np.linalg.inv(rel_ref) @ rel_est)[:3, 3]))
    return float(np.sqrt(np.mean(np.square(errs))))


def _traj(c2w: Array, t: Array) -> Trajectory:
    return Trajectory(c2w, None, t)


T30 = np.arange(60) / 30.0
WORLD = Rotation.from_rotvec([0.4, -1.1, 2.0]).as_matrix()
SHIFT = np.array([5.0, -3.0, 100.0])


@pytest.mark.parametrize("path", [_curve, _dolly])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_similarity_image_of_ground_truth_has_zero_error(path, scale):
    gt = path(T30)
    out = trajectory_errors(_traj(_similarity(gt, WORLD, SHIFT, scale), T30), _traj(gt, T30))
    assert out["alignment"] == ("sim3_umeyama" if path is _curve else "sim3_orientation")
    for key in ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"):
        assert out[key] == pytest.approx(0.0, abs=1e-8), key
    assert out["scale"] == pytest.approx(1.0 / scale, rel=1e-9)
    assert out["matched_poses"] == 60 and out["rpe_pairs"] == 59


def _noisy_translation(gt: Array, axis: Array) -> Array:
    """Centres moved 0.01 along ``axis``, alternately forward and back: no similarity absorbs it."""
    est = gt.copy()
    est[:, :3, 3] += 0.01 * _alternating(len(gt))[:, None] * axis
    return est


@pytest.mark.parametrize("path", [_curve, _dolly])
def test_alternating_centre_offset_gives_umeyama_residual(path):
    gt = path(T30)
    est = _noisy_translation(gt, np.array([1.0, 0.0, 0.0]))
    out = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    if path is _curve:  # expected: the residual of the centres' own least-squares similarity
        aligned = _umeyama_aligned(est, gt)
        assert out["ape_trans_rmse"] == pytest.approx(_ape_trans(aligned, gt), rel=1e-6)
        assert out["rpe_trans_rmse"] == pytest.approx(_rpe_trans(aligned, gt), rel=1e-6)
    else:  # orientations equal: R = I, the offsets (perpendicular to the line) survive whole
        assert out["ape_trans_rmse"] == pytest.approx(0.01, rel=1e-3)
        assert out["rpe_trans_rmse"] == pytest.approx(0.02, rel=1e-3)
        assert out["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert 0.0099 < out["ape_trans_rmse"] <= 0.01 + 1e-12  # alignment cannot absorb the zero-mean zigzag


@pytest.mark.parametrize("path", [_curve, _dolly])
def test_alternating_one_degree_rotation_gives_one_and_two_degrees(path):
    gt = path(T30)
    est = gt.copy()
    wobble = Rotation.from_rotvec(np.outer(_alternating(60), [0.0, 0.0, math.radians(1.0)])).as_matrix()
    est[:, :3, :3] = wobble @ gt[:, :3, :3]
    out = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    # the centres are untouched (Umeyama: identity) and the chordal mean of +-1 deg is identity
    assert out["ape_rot_deg_rmse"] == pytest.approx(1.0, rel=1e-9)
    # consecutive poses are 2 degrees apart about the same axis, in opposite directions each step
    assert out["rpe_rot_deg_rmse"] == pytest.approx(2.0, rel=1e-9)
    assert out["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert out["scale"] == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize("path", [_curve, _dolly])
def test_same_rigid_world_transform_of_both_changes_nothing(path):
    gt = path(T30)
    est = _noisy_translation(gt, np.array([0.0, 0.0, 1.0]))
    est[:, :3, :3] = Rotation.from_rotvec(np.outer(_alternating(60), [0.02, 0.0, 0.0])).as_matrix() @ est[:, :3, :3]
    base = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    moved = trajectory_errors(
        _traj(_similarity(est, WORLD, SHIFT * 1e3, 1.0), T30), _traj(_similarity(gt, WORLD, SHIFT * 1e3, 1.0), T30)
    )
    for key in ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse", "scale"):
        assert moved[key] == pytest.approx(base[key], rel=1e-6), key
    assert base["ape_rot_deg_rmse"] > 1.0  # 0.02 rad = 1.146 deg wobble, measured
    assert base["ape_trans_rmse"] > 0.009


@pytest.mark.parametrize("path", [_curve, _dolly])
@pytest.mark.parametrize("scale", [1e-3, 7.0, 1e3])
def test_scaling_ground_truth_scales_translation_errors_only(path, scale):
    gt = path(T30)
    est = _noisy_translation(gt, np.array([1.0, 0.0, 0.0]))
    base = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    big = gt.copy()
    big[:, :3, 3] *= scale
    out = trajectory_errors(_traj(est, T30), _traj(big, T30))
    assert out["ape_trans_rmse"] == pytest.approx(scale * base["ape_trans_rmse"], rel=1e-6)
    assert out["rpe_trans_rmse"] == pytest.approx(scale * base["rpe_trans_rmse"], rel=1e-6)
    assert out["ape_rot_deg_rmse"] == pytest.approx(base["ape_rot_deg_rmse"], rel=1e-6, abs=1e-9)
    assert out["rpe_rot_deg_rmse"] == pytest.approx(base["rpe_rot_deg_rmse"], rel=1e-6, abs=1e-9)
    assert out["scale"] == pytest.approx(scale * base["scale"], rel=1e-6)


def test_shuffled_rows_are_refused():
    perm = np.random.default_rng(0).permutation(60)
    gt = _curve(T30)
    with pytest.raises(ValueError, match="does not increase"):
        trajectory_errors(_traj(gt[perm], T30[perm]), _traj(gt, T30))
    with pytest.raises(ValueError, match=r"ground truth: .*does not increase"):
        trajectory_errors(_traj(gt, T30), _traj(gt[perm], T30[perm]))


def test_5fps_estimate_pairs_with_same_time_30fps_ground_truth():
    t_gt = np.arange(90) / 30.0
    gt = _curve(t_gt)
    idx = np.arange(0, 90, 6)  # 5 fps: every sixth ground-truth frame
    est = _noisy_translation(gt[idx], np.array([0.0, 1.0, 0.0]))
    # times off by 0.4 frame (within half a ground-truth gap): still paired with frame 6k
    t_est = t_gt[idx] + 0.4 / 30.0
    out = trajectory_errors(_traj(est, t_est), _traj(gt, t_gt))
    aligned = _umeyama_aligned(est, gt[idx])
    assert out["matched_poses"] == 15
    assert out["ape_trans_rmse"] == pytest.approx(_ape_trans(aligned, gt[idx]), rel=1e-6)
    assert out["rpe_trans_rmse"] == pytest.approx(_rpe_trans(aligned, gt[idx]), rel=1e-6)
    assert out["rpe_step_s"] == pytest.approx(0.2, rel=1e-9)  # the coarser step, as documented
    assert out["rpe_pairs"] == 14 and out["rpe_gap_pairs"] == 0
    fixed = trajectory_errors(_traj(est, t_est), _traj(gt, t_gt), rpe_delta_s=0.4)
    assert fixed["rpe_step_s"] == pytest.approx(0.4, rel=1e-9) and fixed["rpe_pairs"] == 13


def test_30fps_estimate_against_10fps_ground_truth_steps_a_tenth_of_a_second():
    t_gt, t_est = np.arange(30) / 10.0, np.arange(90) / 30.0
    out = trajectory_errors(_traj(_curve(t_est), t_est), _traj(_curve(t_gt), t_gt))
    assert out["matched_poses"] == 30 and out["rpe_pairs"] == 29
    assert out["rpe_step_s"] == pytest.approx(0.1, rel=1e-9)
    assert out["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)


def test_still_estimate_against_moving_ground_truth_measures_errors_without_scale():
    gt = _dolly(T30)
    est = gt.copy()
    est[:, :3, 3] = [1.0, 2.0, 3.0]
    out = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    assert math.isnan(out["scale"]) and out["static_estimate"] is True
    assert "estimated camera centre does not move" in out["note"]
    centres = gt[:, :3, 3]  # the still estimate lands on their mean: the error is their spread
    spread = float(np.sqrt(np.mean(np.sum((centres - centres.mean(axis=0)) ** 2, axis=1))))
    assert out["ape_trans_rmse"] == pytest.approx(spread, rel=1e-9)
    assert out["rpe_trans_rmse"] == pytest.approx(2.0 / 30.0, rel=1e-9)  # each ground-truth step missed
    assert out["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-9)


def test_moving_estimate_against_still_ground_truth_gives_nan_translation():
    gt = np.tile(np.eye(4), (60, 1, 1))
    gt[:, :3, :3] = Rotation.from_euler("y", 30 * T30[:, None], degrees=True).as_matrix()
    gt[:, :3, 3] = [1.0, 2.0, 3.0]
    est = _dolly(T30)
    est[:, :3, :3] = gt[:, :3, :3]
    wobble = Rotation.from_rotvec(np.outer(_alternating(60), [math.radians(1.0), 0.0, 0.0])).as_matrix()
    est[:, :3, :3] = wobble @ est[:, :3, :3]
    out = trajectory_errors(_traj(est, T30), _traj(gt, T30))
    assert math.isnan(out["ape_trans_rmse"]) and math.isnan(out["rpe_trans_rmse"]) and math.isnan(out["scale"])
    assert "ground-truth camera centre does not move" in out["note"]
    assert out["ape_rot_deg_rmse"] == pytest.approx(1.0, rel=1e-9)
    assert out["rpe_rot_deg_rmse"] == pytest.approx(2.0, rel=1e-9)
