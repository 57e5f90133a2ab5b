"""How imported trajectories are matched to their ground truth by time (round 36).

Real SLAM/SfM outputs: TUM files with Unix times, timestamps in milliseconds or frame indices,
keyframe subsets, estimates at another pose rate than the ground truth, clocks offset.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.eval.trajectory_error import gt_trajectories, trajectory_errors, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

GT_TS = np.arange(100) / 10.0  # a 10 s clip, ground truth at 10 fps
EST_TS = np.arange(300) / 30.0  # its estimate at 30 fps


def _curve(ts: np.ndarray, noise: float = 0.0) -> np.ndarray:
    """Poses at times ``ts``; ``noise``: an error that depends on the time only."""
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[np.sin(ts), ts**2 / 5, ts] + noise * np.c_[np.sin(37 * ts), np.cos(53 * ts), np.sin(71 * ts)]
    c2w[:, :3, :3] = Rotation.from_euler("xyz", np.c_[0.1 * ts, 0.05 * np.cos(ts), noise * np.sin(29 * ts)]).as_matrix()
    return c2w


GT = Trajectory(_curve(GT_TS), None, GT_TS)


def _est(stamps: np.ndarray, true_ts: np.ndarray = EST_TS) -> Trajectory:
    """Poses at the times ``true_ts``, written with the timestamps ``stamps``."""
    return Trajectory(_curve(true_ts, 0.01), None, np.asarray(stamps, dtype=np.float64))


def test_unix_times_against_a_ground_truth_from_zero_are_named() -> None:
    # a TUM file from a real rig: the same 10 s, on the Unix clock
    with pytest.raises(ValueError, match="cannot be associated by timestamp") as info:
        trajectory_errors(_est(EST_TS + 1305031102.17), GT)
    assert "start at 1.305e+09 s: absolute (Unix) times? the ground truth's start at 0 s" in str(info.value)
    # EuRoC / ROS: Unix nanoseconds, whose steps are 1e9 times too
    with pytest.raises(ValueError, match="nanoseconds in the estimate rather than seconds"):
        trajectory_errors(_est(EST_TS * 1e9 + 1.4e18), GT)


@pytest.mark.parametrize(
    ("stamps", "true_ts", "unit"),
    [
        (EST_TS * 1000, EST_TS, "milliseconds in the estimate"),
        (np.arange(300.0), EST_TS, r"frame indices \(a ratio of 30.2"),  # was: 10 poses matched, frame k with k s
        (np.arange(10, 300.0), EST_TS[10:], "frame indices"),  # the estimate started at frame 10
        (np.array([3.0, 8, 9, 17, 30, 41, 60, 75, 92, 130, 180, 231, 290]), None, "frame indices"),  # keyframes
    ],
)
def test_timestamps_in_another_unit_are_refused_not_matched(stamps: np.ndarray, true_ts: np.ndarray, unit: str) -> None:
    true = stamps / 30.0 if true_ts is None else true_ts
    with pytest.raises(ValueError, match=f"not in the same unit: .*{unit}"):
        trajectory_errors(_est(stamps, true), GT)


def test_a_ground_truth_in_frame_indices_is_refused_too() -> None:
    gt_frames = Trajectory(_curve(EST_TS), None, np.arange(300.0))
    with pytest.raises(ValueError, match=r"frame indices .* in the ground truth rather than seconds"):
        trajectory_errors(_est(EST_TS), gt_frames)


def test_each_ground_truth_pose_is_compared_once() -> None:
    # 30 fps estimate of the first third (99 poses, fewer than the ground truth's 100, yet denser):
    # evo paired each of the 34 ground-truth poses with three estimated ones
    part = trajectory_errors(_est(EST_TS[:99], EST_TS[:99]), GT)
    assert part["matched_poses"] == 34 and part["partial"] is True
    # the same as each ground-truth pose with its nearest estimated one (3.3 s: the last, 3.27 s)
    nearest = np.r_[np.arange(0, 99, 3), 98]
    pairs = Trajectory(_curve(EST_TS[nearest], 0.01), None, GT_TS[:34])
    alone = trajectory_errors(pairs, Trajectory(GT.cam_c2w[:34], None, GT_TS[:34]))
    for key in ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"):
        assert part[key] == pytest.approx(alone[key], rel=1e-9)
    # keyframes at two consecutive 30 fps frames nearest one ground-truth pose: one of them only
    kf = np.array([0, 3, 6, 9, 10, 30, 31, 60, 90, 150, 210, 297])
    got = trajectory_errors(_est(EST_TS[kf], EST_TS[kf]), GT)
    # not partial; the keyframes' 2-2.9 s intervals (median step 0.67 s) are RPE gaps since round 36
    assert got["matched_poses"] == 10 and "partial" not in got and got["rpe_gap_pairs"] == 3


def test_two_matched_poses_are_too_few() -> None:
    est = _est(np.array([0.0, 0.1, 50.0, 51.0]), np.array([0.0, 0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match=r"only 2 pose\(s\) .*at least 3 are needed"):
        trajectory_errors(est, GT)


def test_clocks_offset_past_half_the_clip_are_refused() -> None:
    # the same 10 s, its clock 9.5 s ahead: 5 poses of each overlap, matched with the wrong ones
    with pytest.raises(ValueError, match=r"overlap in time over 9.5-9.9 s only \(5 poses\), 4% .*offset") as info:
        trajectory_errors(_est(EST_TS + 9.5), GT)
    assert "the estimate starts +9.5 s from the ground truth" in str(info.value)


def test_a_failed_clip_names_both_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    save_npz(gt_dir / "a.npz", GT)
    save_npz(method / "trajectories" / "a.npz", _est(EST_TS * 1000))
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    row = result[1][0]
    assert row["status"] == "failed"
    assert row["reason"].startswith(f"{method / 'trajectories' / 'a.npz'} against the ground truth {gt_dir / 'a.npz'}")
    assert "milliseconds" in row["reason"] and "milliseconds" in caplog.text
