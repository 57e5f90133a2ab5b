"""Trajectory metrics through evo: exact similarity transforms and known perturbations."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.eval.trajectory_error import gt_trajectories, orientation_sim3, trajectory_errors, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz, to_evo, write_tum


def _poses(positions: np.ndarray, rotvecs: np.ndarray) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(positions), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = positions
    return c2w


def _similarity(c2w: np.ndarray, seed: int = 0) -> tuple[np.ndarray, float]:
    """Apply a random Sim(3) to world coordinates: x' = s R x + t; poses' = [R R_i, s R p_i + t]."""
    rng = np.random.default_rng(seed)
    rot = Rotation.random(random_state=seed).as_matrix()
    scale = float(rng.uniform(0.2, 5.0))
    trans = rng.normal(size=3) * 3
    out = c2w.copy()
    out[:, :3, :3] = rot @ c2w[:, :3, :3]
    out[:, :3, 3] = scale * c2w[:, :3, 3] @ rot.T + trans
    return out, scale


N = 30
TS = np.arange(N) / 10.0
CURVE = _poses(
    np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)],
    np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.linspace(0, 0.2, N)],
)
LINE = _poses(np.c_[np.zeros(N), np.zeros(N), np.linspace(0, 2, N)], np.zeros((N, 3)))  # dolly
PAN = _poses(np.zeros((N, 3)), np.c_[np.zeros(N), np.linspace(0, 0.6, N), np.zeros(N)])  # rotation only


@pytest.mark.parametrize(
    ("name", "gt", "alignment"),
    [("curve", CURVE, "sim3_umeyama"), ("line", LINE, "sim3_orientation"), ("pan", PAN, "sim3_orientation")],
)
def test_similarity_transformed_estimate_has_zero_error(name: str, gt: np.ndarray, alignment: str) -> None:
    est_c2w, scale = _similarity(gt, seed=len(name))
    errors = trajectory_errors(Trajectory(est_c2w, None, TS), Trajectory(gt, None, TS))
    assert errors["alignment"] == alignment
    assert errors["matched_poses"] == N
    for key in ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"):
        if name == "pan" and "trans" in key:
            assert math.isnan(errors[key]), key  # a fixed centre has no translation error
        else:
            assert errors[key] == pytest.approx(0.0, abs=1e-6), key
    if name != "pan":  # a static path has no scale to recover
        assert errors["scale"] == pytest.approx(1 / scale, rel=1e-6)


def test_evo_umeyama_rejects_a_straight_line() -> None:
    """The reason for the orientation-based alignment: evo cannot align a dolly path."""
    from evo.core.geometry import GeometryException

    est = to_evo(Trajectory(_similarity(LINE)[0], None, TS))
    with pytest.raises(GeometryException):
        est.align(to_evo(Trajectory(LINE, None, TS)), correct_scale=True)


def test_known_orientation_perturbation() -> None:
    # every estimated camera is rotated by 2 degrees about its own x axis; centres are exact
    offset = np.eye(4)
    offset[:3, :3] = Rotation.from_euler("x", 2.0, degrees=True).as_matrix()
    est = CURVE @ offset
    errors = trajectory_errors(Trajectory(est, None, TS), Trajectory(CURVE, None, TS))
    assert errors["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)
    assert errors["ape_rot_deg_rmse"] == pytest.approx(2.0, abs=1e-9)


def test_known_translation_perturbation_on_a_dolly() -> None:
    # GT dollies along z; the estimate zigzags by +-d along x. Orientations agree, so the
    # alignment rotation is the identity and the least-squares scale is A / (A + N d^2).
    d = 0.05
    est = LINE.copy()
    est[:, 0, 3] = d * (-1.0) ** np.arange(N)
    errors = trajectory_errors(Trajectory(est, None, TS), Trajectory(LINE, None, TS))
    assert errors["alignment"] == "sim3_orientation"
    z_c = LINE[:, 2, 3] - LINE[:, 2, 3].mean()
    a = float((z_c**2).sum())
    s = a / (a + N * d**2)
    assert errors["scale"] == pytest.approx(s, rel=1e-12)
    expected_ape = math.sqrt((s**2 * N * d**2 + (1 - s) ** 2 * a) / N)
    assert errors["ape_trans_rmse"] == pytest.approx(expected_ape, rel=1e-9)
    assert errors["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-9)


def test_static_ground_truth_has_no_translation_error_but_rotation_error() -> None:
    # a fixed camera; the estimate jitters in position (which a Sim(3) could scale away) and
    # rolls by +-3 degrees on alternate frames (their chordal mean is the identity)
    still = _poses(np.zeros((N, 3)), np.zeros((N, 3)))
    sign = (-1.0) ** np.arange(N)
    est = _poses(np.c_[0.05 * sign, np.zeros(N), np.zeros(N)], np.c_[np.zeros(N), np.zeros(N), np.radians(3.0) * sign])
    errors = trajectory_errors(Trajectory(est, None, TS), Trajectory(still, None, TS))
    assert math.isnan(errors["ape_trans_rmse"]) and math.isnan(errors["rpe_trans_rmse"])
    assert "undefined" in errors["note"]
    assert errors["ape_rot_deg_rmse"] == pytest.approx(3.0, abs=1e-9)


def test_orientation_sim3_recovers_rotation() -> None:
    est, _ = _similarity(LINE, seed=4)
    rot, trans, scale = orientation_sim3(est, LINE)
    aligned = scale * est[:, :3, 3] @ rot.T + trans
    np.testing.assert_allclose(aligned, LINE[:, :3, 3], atol=1e-9)


def test_zoom_error_uses_relative_focal_lengths() -> None:
    k_gt = np.tile(np.diag([500.0, 500.0, 1.0]), (N, 1, 1))
    k_gt[:, 0, 0] = k_gt[:, 1, 1] = np.linspace(500, 750, N)
    k_est = k_gt * 0.5  # another resolution, same zoom ratios
    k_est[:, 2, 2] = 1
    errors = trajectory_errors(Trajectory(CURVE, k_est, TS), Trajectory(CURVE, k_gt, TS))
    assert errors["zoom_log_ratio_rmse"] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(
        trajectory_errors(Trajectory(CURVE, None, TS), Trajectory(CURVE, k_gt, TS))["zoom_log_ratio_rmse"]
    )


def test_section_reports_every_clip(tmp_path: Path) -> None:
    gt_dir = tmp_path / "gt"
    save_npz(gt_dir / "a.npz", Trajectory(CURVE, None, TS))
    write_tum(gt_dir / "b.txt", Trajectory(LINE, None, TS))
    save_npz(gt_dir / "c.npz", Trajectory(PAN, None, TS))
    save_npz(gt_dir / "d.npz", Trajectory(PAN, None, TS))
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / "a.npz", Trajectory(_similarity(CURVE)[0], None, TS))
    save_npz(method / "trajectories" / "b.npz", Trajectory(_similarity(LINE)[0], None, TS))
    save_npz(method / "trajectories" / "c.npz", Trajectory(PAN[:1], None, TS[:1] + 100))  # no matching time
    gt_files = gt_trajectories(gt_dir)
    assert list(gt_files) == ["a", "b", "c", "d"]
    result = trajectory_section(gt_files, MethodRun("m", method))
    assert result is not None
    section, rows = result
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "missing"]
    assert (section.ok, section.failed, section.missing, section.clips) == (2, 1, 1, 4)
    assert section.mean.ape_trans_rmse == pytest.approx(0.0, abs=1e-6)
    assert section.alignment_counts == {"sim3_umeyama": 1, "sim3_orientation": 1}
    assert trajectory_section(gt_files, MethodRun("n", tmp_path / "run" / "n")) is None


def test_section_warns_once_with_the_clips_whose_errors_are_undefined(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # one warning for the method, not one per clip (a demo printed 56), with the counts
    gt_dir = tmp_path / "gt"
    save_npz(gt_dir / "a.npz", Trajectory(CURVE, None, TS))
    save_npz(gt_dir / "b.npz", Trajectory(PAN, None, TS))
    save_npz(gt_dir / "c.npz", Trajectory(PAN, None, TS))
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / "a.npz", Trajectory(_similarity(CURVE)[0], None, TS))
    save_npz(method / "trajectories" / "b.npz", Trajectory(PAN, None, TS))  # neither centre moves
    save_npz(method / "trajectories" / "c.npz", Trajectory(PAN, None, TS))
    with caplog.at_level(logging.DEBUG, logger="camerabench.eval.trajectory_error"):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "m: of 3 evaluated trajectories, 2 have undefined translation errors (the ground-truth camera centre "
        "does not move) and 2 an undefined alignment scale (the estimated one does not): NaN, left out of the "
        "means (each clip's note says which)"
    ]
    assert result[0].clips_with_translation_error == 1
