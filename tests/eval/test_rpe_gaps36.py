"""RPE over consecutive associated poses: pairs spanning a gap (lost tracking) left out and counted."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from evo.core import metrics
from scipy.spatial.transform import Rotation

from camerabench.eval.trajectory_error import gt_trajectories, trajectory_errors, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz, to_evo
from camerabench.video import sample_indices


def _helix(ts: np.ndarray, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Camera-to-world poses along a helix (Umeyama-alignable), optionally jittered."""
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[np.cos(ts), np.sin(ts), 0.3 * ts] + noise * rng.standard_normal((len(ts), 3))
    rotvecs = np.c_[0.1 * np.sin(ts), 0.2 * ts, 0.05 * ts] + noise * rng.standard_normal((len(ts), 3))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    return c2w


GT_TS = np.arange(101) / 10.0  # 10 fps, 10 s
GT = Trajectory(_helix(GT_TS), None, GT_TS)


def _evo_rpe(ref: Trajectory, est: Trajectory, segments: list[np.ndarray]) -> tuple[float, float]:
    """evo's RPE (translation, rotation RMSE) pooled over runs of consecutive poses, after evo's
    Sim(3) alignment of the whole estimate (same timestamps on both sides)."""
    ref_evo, est_evo = to_evo(ref), to_evo(est)
    est_evo.align(ref_evo, correct_scale=True)
    out = []
    for relation in (metrics.PoseRelation.translation_part, metrics.PoseRelation.rotation_angle_deg):
        errors = []
        for ids in segments:
            r, e = to_evo(ref), to_evo(est)
            e.align(r, correct_scale=True)  # the same alignment: on all poses
            r.reduce_to_ids(ids)
            e.reduce_to_ids(ids)
            rpe = metrics.RPE(relation, delta=1, delta_unit=metrics.Unit.frames)
            rpe.process_data((r, e))
            errors.append(rpe.error)
        out.append(float(np.sqrt(np.mean(np.square(np.concatenate(errors))))))
    return out[0], out[1]


def test_gap_free_rpe_equals_evo() -> None:
    est = Trajectory(_helix(GT_TS, 0.01), None, GT_TS)
    got = trajectory_errors(est, GT)
    trans, rot = _evo_rpe(GT, est, [np.arange(len(GT_TS))])
    assert got["rpe_trans_rmse"] == pytest.approx(trans, rel=1e-9)
    assert got["rpe_rot_deg_rmse"] == pytest.approx(rot, rel=1e-9)
    assert got["rpe_pairs"] == 100 and got["rpe_gap_pairs"] == 0 and "note" not in got
    assert got["rpe_step_s"] == pytest.approx(0.1)


def test_a_lost_tracking_gap_is_left_out_of_rpe_and_noted() -> None:
    keep = (GT_TS < 2.0) | (GT_TS > 5.0)  # tracking lost from 2 s to 5 s
    ts = GT_TS[keep]
    est = Trajectory(_helix(1.05 * ts, 0.001), None, ts)  # drifting: its error grows with the motion
    got = trajectory_errors(est, GT)
    # old: the 1.9 -> 5.1 s pair (3.2 s of motion) was one of the frame-to-frame pairs in the RMSE
    assert got["rpe_gap_pairs"] == 1 and got["rpe_pairs"] == len(ts) - 2
    assert "1 of 69 RPE pairs left out" in got["note"] and "3.2 s, from 1.9 s" in got["note"]
    first, second = np.flatnonzero(ts < 2.0), np.flatnonzero(ts > 5.0)
    trans, rot = _evo_rpe(Trajectory(GT.cam_c2w[keep], None, ts), est, [first, second])
    assert got["rpe_trans_rmse"] == pytest.approx(trans, rel=1e-9)
    assert got["rpe_rot_deg_rmse"] == pytest.approx(rot, rel=1e-9)
    with_gap, _ = _evo_rpe(Trajectory(GT.cam_c2w[keep], None, ts), est, [np.arange(len(ts))])
    assert with_gap > 1.5 * got["rpe_trans_rmse"]  # what the gap pair added
    # APE as before: every associated pose
    assert got["matched_poses"] == len(ts) and math.isfinite(got["ape_trans_rmse"])


@pytest.mark.parametrize("gt_fps", [10.0, 24.0, 30.0])
def test_estimate_sampled_below_the_ground_truth_rate_keeps_every_pair(gt_fps: float) -> None:
    # the demo's case: a method sampling the clip at 5 fps against ground truth at 10-30 fps
    gt_ts = np.arange(int(6 * gt_fps) + 1) / gt_fps
    gt = Trajectory(_helix(gt_ts), None, gt_ts)
    idx = sample_indices(gt_ts, fps=5.0)
    est = Trajectory(_helix(gt_ts[idx], 0.01), None, gt_ts[idx])
    got = trajectory_errors(est, gt)
    assert got["rpe_gap_pairs"] == 0 and got["rpe_pairs"] == len(idx) - 1 and "note" not in got
    assert got["rpe_step_s"] == pytest.approx(0.2, abs=0.5 / gt_fps)
    trans, rot = _evo_rpe(Trajectory(gt.cam_c2w[idx], None, gt_ts[idx]), est, [np.arange(len(idx))])
    assert got["rpe_trans_rmse"] == pytest.approx(trans, rel=1e-9)
    assert got["rpe_rot_deg_rmse"] == pytest.approx(rot, rel=1e-9)


def test_estimate_denser_than_the_ground_truth_steps_by_its_frames() -> None:
    ts = np.arange(301) / 30.0  # 30 fps against 10 fps: pairs one ground-truth frame apart
    got = trajectory_errors(Trajectory(_helix(ts, 0.01), None, ts), GT)
    assert got["rpe_gap_pairs"] == 0 and got["rpe_pairs"] == 100
    assert got["rpe_step_s"] == pytest.approx(0.1)


def test_too_few_pairs_left_gives_nan_rpe_with_a_note() -> None:
    # 100 fps poses at 0-0.04 s and 9.9-10 s: associated with ground-truth poses 0, 9.9 and 10 s
    ts = np.r_[np.arange(5) / 100.0, 9.9 + np.arange(11) / 100.0]
    got = trajectory_errors(Trajectory(_helix(ts, 0.01), None, ts), GT)
    assert got["matched_poses"] == 3 and got["rpe_pairs"] == 1 and got["rpe_gap_pairs"] == 1
    assert math.isnan(got["rpe_trans_rmse"]) and math.isnan(got["rpe_rot_deg_rmse"])
    assert math.isnan(got["rpe_step_s"]) is False and "RPE undefined: 1 pair(s)" in got["note"]
    assert math.isfinite(got["ape_rot_deg_rmse"])  # APE as before


def test_one_warning_counts_clips_with_gaps(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    (method / "trajectories").mkdir(parents=True)
    gt_dir.mkdir()
    keep = (GT_TS < 2.0) | (GT_TS > 5.0)
    for stem, ts in (("a", GT_TS), ("b", GT_TS[keep]), ("c", GT_TS[keep])):
        save_npz(gt_dir / f"{stem}.npz", GT)
        save_npz(method / "trajectories" / f"{stem}.npz", Trajectory(_helix(ts, 0.01), None, ts))
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    section, rows = result
    gap_warnings = [r.getMessage() for r in caplog.records if "gaps between consecutive poses" in r.getMessage()]
    assert len(gap_warnings) == 1
    assert "2 of 3 evaluated trajectories" in gap_warnings[0] and "2 RPE pair(s)" in gap_warnings[0]
    assert [r["rpe_gap_pairs"] for r in rows] == [0, 1, 1]
    assert math.isfinite(section.mean.rpe_trans_rmse)


def test_the_gap_warning_under_a_fixed_span_speaks_of_poses_without_a_pair(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    (method / "trajectories").mkdir(parents=True)
    gt_dir.mkdir()
    keep = (GT_TS < 2.0) | (GT_TS > 5.0)
    save_npz(gt_dir / "b.npz", GT)
    save_npz(method / "trajectories" / "b.npz", Trajectory(_helix(GT_TS[keep], 0.01), None, GT_TS[keep]))
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method), rpe_delta_s=0.5)
    assert result is not None
    # poses at 1.5-1.9 s find none 0.5 s later (2.0-2.4 s are missing): 5 poses without a pair
    assert result[1][0]["rpe_gap_pairs"] == 5
    messages = [r.getMessage() for r in caplog.records if "1 of 1 evaluated trajectories" in r.getMessage()]
    assert len(messages) == 1 and "consecutive" not in messages[0]
    assert "poses with no pose 0.5 s later" in messages[0] and "5 pose(s) without an RPE pair" in messages[0]
