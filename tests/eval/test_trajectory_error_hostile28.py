"""Round 28, trajectory errors: degenerate ground truths, rotations off SO(3), coordinates far out.

Expected numbers come from numpy / scipy here, not from the code under test.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.eval.trajectory_error import gt_trajectories, trajectory_errors, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory, pose_problem
from camerabench.trajectory_formats import save_npz

N = 30
TS = np.arange(N) / 10.0
CURVE_POS = np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)]
ROTVECS = np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.linspace(0, 0.2, N)]
PAN_ROTVECS = np.c_[np.zeros(N), np.linspace(0, 0.6, N), np.zeros(N)]


def _poses(positions: np.ndarray, rotvecs: np.ndarray) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(positions), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = positions
    return c2w


def _rotation_rmse_deg(est: np.ndarray, ref: np.ndarray) -> float:
    """RMSE of the angle of R_ref^T R_est, by scipy (the alignment rotation is the identity here)."""
    rel = Rotation.from_matrix(np.einsum("nji,njk->nik", ref[:, :3, :3], est[:, :3, :3]))
    return float(np.degrees(np.sqrt(np.mean(rel.magnitude() ** 2))))


# --------------------------------------------------------------------------- pure pan ground truth


def test_a_pan_ground_truth_leaves_the_scale_undefined_not_zero() -> None:
    """A camera rotating in place against an estimate that translates: the scale was reported
    as 0.0 with the note 'the estimated centres move against the ground truth's'. Any scale
    fits a point: NaN, and the rotation error is still measured."""
    gt = _poses(np.zeros((N, 3)), PAN_ROTVECS)
    tilt = Rotation.from_euler("x", 2.0, degrees=True).as_matrix()
    est = gt.copy()
    est[::2, :3, :3] = tilt @ gt[::2, :3, :3]  # 2 deg off about the world x axis, alternating sign:
    est[1::2, :3, :3] = tilt.T @ gt[1::2, :3, :3]  # the chordal mean of the offsets is the identity
    est[:, :3, 3] = np.c_[np.linspace(0, 1, N), np.zeros(N), np.zeros(N)]
    got = trajectory_errors(Trajectory(est, None, TS), Trajectory(gt, None, TS))
    assert math.isnan(got["scale"])
    assert "move against" not in got["note"]
    assert "ground-truth camera centre does not move" in got["note"] and "scale" in got["note"]
    assert math.isnan(got["ape_trans_rmse"]) and math.isnan(got["rpe_trans_rmse"])
    assert "static_estimate" not in got
    assert got["ape_rot_deg_rmse"] == pytest.approx(_rotation_rmse_deg(est, gt), abs=1e-9)
    assert got["ape_rot_deg_rmse"] == pytest.approx(2.0, abs=1e-9)
    rel_est = np.einsum("nji,njk->nik", est[:-1, :3, :3], est[1:, :3, :3])
    rel_gt = np.einsum("nji,njk->nik", gt[:-1, :3, :3], gt[1:, :3, :3])
    rpe = Rotation.from_matrix(np.einsum("nji,njk->nik", rel_gt, rel_est)).magnitude()
    assert got["rpe_rot_deg_rmse"] == pytest.approx(float(np.degrees(np.sqrt(np.mean(rpe**2)))), rel=1e-9)


# --------------------------------------------------------------------------- rotations off SO(3)


@pytest.mark.parametrize("factor", [1.00001, 1.0001])
def test_a_rotation_off_by_storage_precision_is_measured_not_an_evo_crash(factor: float) -> None:
    """pose_problem accepts rotation blocks off by up to 1e-3, evo's so3_log refuses those off by
    more than 1e-6: LieAlgebraException escaped trajectory_errors (and the whole evaluation)."""
    gt = _poses(CURVE_POS, ROTVECS)
    offset = Rotation.from_euler("y", 3.0, degrees=True).as_matrix()
    est = gt.copy()
    est[:, :3, :3] = gt[:, :3, :3] @ offset
    exact = est.copy()
    est[::3, :3, :3] *= factor
    assert pose_problem(Trajectory(est, None, TS)) is None
    got = trajectory_errors(Trajectory(est, None, TS), Trajectory(gt, None, TS))
    assert got["alignment"] == "sim3_umeyama"
    assert got["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert got["ape_rot_deg_rmse"] == pytest.approx(_rotation_rmse_deg(exact, gt), abs=1e-6)
    assert got["ape_rot_deg_rmse"] == pytest.approx(3.0, abs=1e-6)
    got_gt_off = trajectory_errors(Trajectory(exact, None, TS), Trajectory(est, None, TS))  # the GT's blocks off
    assert got_gt_off["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-6)


def test_a_scaled_rotation_is_not_called_a_reflection() -> None:
    """1.0004 R is orthonormal within the tolerance but its determinant is 1.0012: the message
    printed 'determinant 1, not +1 (a reflection)'."""
    c2w = _poses(CURVE_POS, ROTVECS)
    c2w[4, :3, :3] *= 1.0004
    problem = pose_problem(Trajectory(c2w, None, TS))
    assert problem is not None
    assert problem.startswith(f"frame 4: rotation block has determinant {np.linalg.det(c2w[4, :3, :3]):.6g}")
    assert "reflection" not in problem
    c2w[4, :3, :3] = c2w[4, :3, :3] / 1.0004 @ np.diag([1.0, 1.0, -1.0])
    assert "(a reflection)" in str(pose_problem(Trajectory(c2w, None, TS)))


# --------------------------------------------------------------------------- far from the origin


def _umeyama_sim3_ape(est: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """Umeyama (1991) in numpy on the given centres: (scale, APE translation RMSE)."""
    mu_e, mu_r = est.mean(axis=0), ref.mean(axis=0)
    e, r = est - mu_e, ref - mu_r
    cov = r.T @ e / len(est)
    u, d, vt = np.linalg.svd(cov)
    s = np.eye(3)
    s[2, 2] = np.sign(np.linalg.det(u) * np.linalg.det(vt))
    rot = u @ s @ vt
    scale = float(np.trace(np.diag(d) @ s) / (e**2).sum(axis=1).mean())
    aligned = scale * e @ rot.T
    return scale, float(np.sqrt(((aligned - r) ** 2).sum(axis=1).mean()))


def test_a_path_far_from_the_origin_is_measured_not_called_static() -> None:
    """A 10-unit curve 1e11 units from the origin (float resolution there: 1.5e-5) was 'not
    moving' (spread below 1e-10 of the coordinates): translation errors NaN with a false note."""
    origin = 1e11 * np.array([1.0, -0.7, 0.4])
    gt_pos = CURVE_POS * (10 / 3) + origin
    gt = _poses(gt_pos, ROTVECS)
    est_pos = CURVE_POS + 0.01 * np.c_[np.cos(np.arange(N)), np.sin(np.arange(N)), np.zeros(N)]  # known wobble
    est = _poses(est_pos, ROTVECS)
    got = trajectory_errors(Trajectory(est, None, TS), Trajectory(gt, None, TS))
    assert "note" not in got, got.get("note")
    # gt_pos - gt_pos[0] is exact (Sterbenz): the reference computed on small numbers
    scale, ape = _umeyama_sim3_ape(est_pos, gt_pos - gt_pos[0])
    assert got["scale"] == pytest.approx(scale, rel=1e-5)
    assert got["ape_trans_rmse"] == pytest.approx(ape, abs=1e-4)  # a few units in the last place at 1e11
    assert ape > 1e-2  # the wobble is measured, not round-off


def test_a_still_camera_far_from_the_origin_is_still_static() -> None:
    """The lower bound still calls centres that differ by round-off (1 ulp at 6.4e6) static."""
    gt_pos = np.array([6.4e6, 1e5, 3e3]) + np.random.default_rng(0).normal(size=(N, 3)) * 1e-9
    got = trajectory_errors(
        Trajectory(_poses(CURVE_POS, ROTVECS), None, TS), Trajectory(_poses(gt_pos, ROTVECS), None, TS)
    )
    assert math.isnan(got["ape_trans_rmse"]) and math.isnan(got["scale"])
    assert got["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- the section's counts


def test_section_counts_each_undefined_clip_with_its_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Old: the clip with a rotation off by 1e-5 raised evo's LieAlgebraException out of the
    section; the pan clip's scale 0.0 was no undefined scale."""
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    curve = _poses(CURVE_POS, ROTVECS)
    pan = _poses(np.zeros((N, 3)), PAN_ROTVECS)
    moving_pan = pan.copy()
    moving_pan[:, 0, 3] = np.linspace(0, 1, N)
    off = curve.copy()
    off[5, :3, :3] *= 1.00001
    for stem, gt, est, ts in (
        ("a_pan", pan, moving_pan, TS),
        ("b_off_so3", curve, off, TS),
        ("c_one_pose", curve, curve[:1], TS[:1]),
        ("d_no_overlap", curve, curve, TS + 100.0),
    ):
        save_npz(gt_dir / f"{stem}.npz", Trajectory(gt, None, TS))
        save_npz(method / "trajectories" / f"{stem}.npz", Trajectory(est, None, ts))
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.trajectory_error"):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    section, rows = result
    by_clip = {r["clip"]: r for r in rows}
    assert [by_clip[c]["status"] for c in ("a_pan", "b_off_so3", "c_one_pose", "d_no_overlap")] == [
        "ok",
        "ok",
        "failed",
        "failed",
    ]
    assert "only 1 pose(s)" in by_clip["c_one_pose"]["reason"]
    assert "cannot be associated by timestamp" in by_clip["d_no_overlap"]["reason"]
    assert math.isnan(by_clip["a_pan"]["scale"])
    assert by_clip["b_off_so3"]["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert (section.ok, section.failed, section.clips, section.clips_with_translation_error) == (2, 2, 4, 1)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("cannot be evaluated" in w for w in warnings) == 2
    # the pan clip counts once, for its ground truth; its estimate moves
    counts = [w for w in warnings if "have undefined translation errors" in w]
    assert len(counts) == 1
    assert "1 have undefined translation errors" in counts[0] and "and 0 an undefined alignment scale" in counts[0]
