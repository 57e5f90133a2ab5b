"""R32: lines and points with position noise are aligned by orientation; unit ratio with a tolerance;
the warning for an RPE span shorter than the sampling step.

References are computed here with numpy (Umeyama, the orientation alignment, APE), not with the
package's functions.
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
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

N = 50
TS = np.arange(N) / 10.0  # 10 fps
S = np.linspace(0.0, 1.0, N)
ROTVECS = np.c_[np.zeros(N), np.linspace(0.0, 0.5, N), np.zeros(N)]
SIGMA = 1e-4  # 0.1 mm jitter


def _traj(pos: np.ndarray, rotvecs: np.ndarray = ROTVECS, ts: np.ndarray = TS) -> Trajectory:
    c2w = np.tile(np.eye(4), (len(pos), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = pos
    return Trajectory(c2w, None, ts.copy())


def _jitter(pos: np.ndarray, seed: int, sigma: float = SIGMA) -> np.ndarray:
    return pos + np.random.default_rng(seed).normal(0.0, sigma, pos.shape)


def _apply(traj: Trajectory, rot: np.ndarray, trans: np.ndarray, scale: float) -> np.ndarray:
    c = traj.cam_c2w.copy()
    c[:, :3, :3] = rot @ c[:, :3, :3]
    c[:, :3, 3] = scale * c[:, :3, 3] @ rot.T + trans
    return c


def _ape(aligned: np.ndarray, ref: Trajectory) -> tuple[float, float]:
    """(translation RMSE, rotation RMSE in degrees) of aligned poses against the reference."""
    te = np.linalg.norm(aligned[:, :3, 3] - ref.cam_c2w[:, :3, 3], axis=1)
    rel = np.einsum("nji,njk->nik", ref.cam_c2w[:, :3, :3], aligned[:, :3, :3])
    ang = np.degrees(Rotation.from_matrix(rel).magnitude())
    return float(np.sqrt(np.mean(te**2))), float(np.sqrt(np.mean(ang**2)))


def _umeyama(est: Trajectory, ref: Trajectory) -> tuple[float, float, float]:
    """Own Umeyama Sim(3) of the centres: (ape translation, ape rotation deg, scale)."""
    x, y = est.cam_c2w[:, :3, 3], ref.cam_c2w[:, :3, 3]
    mx, my = x.mean(0), y.mean(0)
    u, d, vt = np.linalg.svd((y - my).T @ (x - mx) / len(x))
    w = np.diag([1.0, 1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    rot = u @ w @ vt
    scale = float(np.trace(np.diag(d) @ w) / ((x - mx) ** 2).sum() * len(x))
    return (*_ape(_apply(est, rot, my - scale * rot @ mx, scale), ref), scale)


def _orientation(est: Trajectory, ref: Trajectory) -> tuple[float, float, float]:
    """Own orientation alignment (chordal mean rotation, least-squares scale >= 0 and translation)."""
    m = sum(r @ e.T for r, e in zip(ref.cam_c2w[:, :3, :3], est.cam_c2w[:, :3, :3], strict=True))
    u, _, vt = np.linalg.svd(m)
    rot = u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt
    x, y = est.cam_c2w[:, :3, 3], ref.cam_c2w[:, :3, 3]
    xc, yc = (x - x.mean(0)) @ rot.T, y - y.mean(0)
    scale = max(0.0, float((xc * yc).sum() / (xc**2).sum()))
    return (*_ape(_apply(est, rot, y.mean(0) - scale * rot @ x.mean(0), scale), ref), scale)


LINE = np.c_[2.0 * S, np.zeros(N), np.zeros(N)]  # a 2 m dolly
ARC = np.c_[2.0 * np.cos(np.pi * S), 2.0 * np.sin(np.pi * S), np.zeros(N)]
CRANE = np.c_[np.zeros(N), 1.5 * np.sin(0.5 * np.pi * S), 1.5 * (1.0 - np.cos(0.5 * np.pi * S)) + 0.3 * S]
TRUCK_DOLLY = np.c_[np.minimum(S, 0.5) * 2.0, np.zeros(N), np.maximum(S - 0.5, 0.0) * 2.0]  # right, then in


def test_noisy_dolly_is_aligned_by_orientation_not_rotated_about_the_line() -> None:
    gt, est = _traj(_jitter(LINE, 1)), _traj(_jitter(LINE, 2))
    sv = np.linalg.svd(gt.cam_c2w[:, :3, 3] - gt.cam_c2w[:, :3, 3].mean(0), compute_uv=False)
    assert 1e-6 < sv[1] / sv[0] < 1e-3  # well above round-off: the old test called it a plane
    got = trajectory_errors(est, gt)
    want_t, want_r, want_s = _orientation(est, gt)
    assert got["alignment"] == "sim3_orientation"
    assert got["ape_rot_deg_rmse"] == pytest.approx(want_r, abs=1e-6) and want_r < 1e-6  # identical orientations
    assert got["ape_trans_rmse"] == pytest.approx(want_t, rel=1e-6)
    assert got["scale"] == pytest.approx(want_s, rel=1e-9)
    assert _umeyama(est, gt)[1] > 5.0  # what Umeyama gives it: a rotation about the line fitted to the jitter


def test_noisy_tripod_is_static_like_an_exact_one() -> None:
    centre = np.ones((N, 3))
    exact = trajectory_errors(_traj(_jitter(centre, 2)), _traj(centre))
    got = trajectory_errors(_traj(_jitter(centre, 2)), _traj(_jitter(centre, 1)))
    for out in (exact, got):
        assert out["alignment"] == "sim3_orientation"
        assert math.isnan(out["ape_trans_rmse"]) and math.isnan(out["rpe_trans_rmse"]) and math.isnan(out["scale"])
        assert out["ape_rot_deg_rmse"] < 1e-6
        assert "ground-truth camera centre does not move" in out["note"]


def test_a_noisy_static_estimate_of_a_moving_camera_has_no_scale() -> None:
    got = trajectory_errors(_traj(_jitter(np.ones((N, 3)), 3)), _traj(_jitter(LINE, 1)))
    assert got["alignment"] == "sim3_orientation" and got.get("static_estimate") is True
    assert math.isnan(got["scale"]) and math.isfinite(got["ape_trans_rmse"])


@pytest.mark.parametrize("path", [ARC, CRANE, TRUCK_DOLLY], ids=["arc", "crane", "truck_dolly"])
@pytest.mark.parametrize("sigma", [0.0, SIGMA, 1e-3])
def test_curved_paths_keep_umeyama(path: np.ndarray, sigma: float) -> None:
    rot = Rotation.from_rotvec([0.3, -0.2, 0.5]).as_matrix()
    gt = _traj(_jitter(path, 1, sigma))
    est_c2w = _apply(_traj(_jitter(path, 2, sigma)), rot, np.array([1.0, -2.0, 0.5]), 0.4)
    est = Trajectory(est_c2w, None, TS.copy())
    got = trajectory_errors(est, gt)
    want_t, want_r, want_s = _umeyama(est, gt)
    assert got["alignment"] == "sim3_umeyama"
    assert got["ape_trans_rmse"] == pytest.approx(want_t, rel=1e-6, abs=1e-12)
    assert got["ape_rot_deg_rmse"] == pytest.approx(want_r, rel=1e-6, abs=1e-9)
    assert got["scale"] == pytest.approx(want_s, rel=1e-9)


@pytest.mark.parametrize(("bump", "alignment"), [(3.0, "sim3_orientation"), (25.0, "sim3_umeyama")])
def test_a_line_is_a_line_until_its_bump_is_clearly_above_its_own_noise(bump: float, alignment: str) -> None:
    """Relative to the path's noise, not its length: the same at 0.1 mm and at 1 cm jitter."""
    for sigma in (SIGMA, 1e-2):
        off = np.sin(np.pi * S) - np.sin(np.pi * S).mean()
        path = LINE + np.c_[np.zeros(N), bump * sigma * off / off.std(), np.zeros(N)]
        got = trajectory_errors(_traj(_jitter(path, 2, sigma)), _traj(_jitter(path, 1, sigma)))
        assert got["alignment"] == alignment, sigma


@pytest.mark.parametrize("degenerate", ["gt", "estimate"])
def test_mixed_noisy_line_and_curve_is_aligned_by_orientation(degenerate: str) -> None:
    line, arc = _traj(_jitter(LINE, 1)), _traj(_jitter(ARC, 2))
    est, gt = (arc, line) if degenerate == "gt" else (line, arc)
    got = trajectory_errors(est, gt)
    want_t, want_r, _ = _orientation(est, gt)
    assert got["alignment"] == "sim3_orientation"
    assert got["ape_trans_rmse"] == pytest.approx(want_t, rel=1e-6)
    assert got["ape_rot_deg_rmse"] == pytest.approx(want_r, abs=1e-6)


def test_too_few_poses_for_a_noise_estimate_keep_the_round_off_test() -> None:
    ts = TS[:6]
    arc = ARC[::8][:6]  # 6 poses on the arc: below NOISE_WINDOW + 2 (no noise estimate), still a plane
    got = trajectory_errors(_traj(_jitter(arc, 2), ROTVECS[:6], ts), _traj(arc, ROTVECS[:6], ts))
    assert got["alignment"] == "sim3_umeyama"


@pytest.mark.parametrize("n", [25, 37, 50, 100])
def test_frame_index_timestamps_are_refused_at_every_length(n: int) -> None:
    ts = np.arange(n) / 10.0
    gt = _traj(ARC[:n] if n <= N else np.c_[np.cos(ts), np.sin(ts), 0.1 * ts], np.zeros((n, 3)), ts)
    est = Trajectory(gt.cam_c2w.copy(), None, np.arange(n, dtype=float))
    if n == 50:  # the case the exact comparison let through
        assert float(np.median(np.diff(est.timestamps)) / np.median(np.diff(ts))) < 10.0
    with pytest.raises(ValueError, match="not in the same unit"):
        trajectory_errors(est, gt)


def test_a_30_fps_estimate_of_a_10_fps_ground_truth_is_not_a_unit_mismatch() -> None:
    gt = _traj(ARC)
    ts = np.arange(3 * N - 2) / 30.0
    fine = np.c_[2.0 * np.cos(np.pi * ts / TS[-1]), 2.0 * np.sin(np.pi * ts / TS[-1]), np.zeros(len(ts))]
    got = trajectory_errors(_traj(fine, np.zeros((len(ts), 3)), ts), gt)
    assert got["matched_poses"] == N


def test_the_short_rpe_warning_says_which_span_problem_it_is(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    (method / "trajectories").mkdir(parents=True)
    gt_dir.mkdir()
    for stem in ("a", "b"):
        save_npz(gt_dir / f"{stem}.npz", _traj(ARC))
        save_npz(method / "trajectories" / f"{stem}.npz", _traj(_jitter(ARC, 2)))

    def warning(span: float) -> str:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method), rpe_delta_s=span)
        assert result is not None and all(math.isnan(r["rpe_trans_rmse"]) for r in result[1])
        found = [r.getMessage() for r in caplog.records if "under 2 pairs" in r.getMessage()]
        assert len(found) == 1
        return found[0]

    short = warning(0.05)  # under the 0.1 s step
    assert "2 with the span shorter than their poses' sampling step" in short and "longer" not in short
    long = warning(TS[-1] + 1.0)  # longer than the 4.9 s clips
    assert "2 with the span about as long as the clip or longer" in long and "shorter" not in long
