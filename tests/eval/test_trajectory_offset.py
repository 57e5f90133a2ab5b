"""Estimates that start after the clip's first frame, and RPE over a fixed time span."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from evo.core import metrics
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import importers
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.eval.trajectory_error import trajectory_errors
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import to_evo, write_trajectory
from camerabench.video import write_video


def _helix(ts: np.ndarray) -> np.ndarray:
    """Camera-to-world poses along a helix rising faster and faster (no time shift of it is a similarity
    of it), turning as they go."""
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[np.cos(ts), np.sin(ts), 0.03 * ts**2]
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[0.1 * np.sin(ts), 0.2 * ts, 0.05 * ts]).as_matrix()
    return c2w


GT_TS = np.arange(100) / 10.0  # 100 frames at 10 fps
GT = Trajectory(_helix(GT_TS), None, GT_TS)


# ------------------------------------------------------------------ evaluation: the start assumed
def test_an_estimate_from_frame_10_timed_from_0_is_flagged() -> None:
    # the poses of frames 10-99 exactly, their times written from 0
    late = Trajectory(GT.cam_c2w[10:], None, GT_TS[:90])
    got = trajectory_errors(late, GT)
    assert got["start_assumed"] is True
    assert "pairing assumes the estimate starts at the clip's first frame" in got["note"]
    assert got["ape_trans_rmse"] > 0.01  # paired frame 10 with frame 0: wrong, and now said


def test_the_same_estimate_timed_from_its_frame_is_exact_and_not_flagged() -> None:
    timed = Trajectory(GT.cam_c2w[10:], None, GT_TS[10:])
    got = trajectory_errors(timed, GT)
    assert "start_assumed" not in got
    assert got["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9)  # the poses are the ground truth's own
    assert got["matched_poses"] == 90


def test_a_whole_clip_estimate_at_a_lower_rate_is_not_flagged() -> None:
    ts = GT_TS[::3]  # 34 poses over the whole clip
    got = trajectory_errors(Trajectory(_helix(ts), None, ts), GT)
    assert "start_assumed" not in got


# ------------------------------------------------------------------ RPE over a fixed span
def _drifting(fps: float) -> Trajectory:
    """The helix estimated 5 % too fast (an error that grows with the time between two poses)."""
    ts = np.arange(round(9.9 * fps) + 1) / fps
    return Trajectory(_helix(1.05 * ts), None, ts)


GT30_TS = np.arange(298) / 30.0
GT30 = Trajectory(_helix(GT30_TS), None, GT30_TS)


def test_rpe_over_a_fixed_span_is_the_same_at_10_and_30_fps() -> None:
    at10 = trajectory_errors(_drifting(10.0), GT30, rpe_delta_s=0.2)
    at30 = trajectory_errors(_drifting(30.0), GT30, rpe_delta_s=0.2)
    assert at10["rpe_step_s"] == pytest.approx(0.2) and at30["rpe_step_s"] == pytest.approx(0.2)
    for key in ("rpe_trans_rmse", "rpe_rot_deg_rmse"):
        assert at30[key] == pytest.approx(at10[key], rel=0.05), key
    # consecutive poses (the default): the steps differ (0.1 vs 1/30 s) and so does RPE
    d10, d30 = trajectory_errors(_drifting(10.0), GT30), trajectory_errors(_drifting(30.0), GT30)
    assert d10["rpe_step_s"] == pytest.approx(0.1) and d30["rpe_step_s"] == pytest.approx(1 / 30)
    assert d10["rpe_trans_rmse"] > 2.0 * d30["rpe_trans_rmse"]


def test_fixed_span_rpe_equals_evos_rpe_over_that_many_frames() -> None:
    est = _drifting(30.0)
    got = trajectory_errors(est, GT30, rpe_delta_s=0.2)
    ref_evo, est_evo = to_evo(GT30), to_evo(est)
    est_evo.align(ref_evo, correct_scale=True)
    for key, relation in (
        ("rpe_trans_rmse", metrics.PoseRelation.translation_part),
        ("rpe_rot_deg_rmse", metrics.PoseRelation.rotation_angle_deg),
    ):
        rpe = metrics.RPE(relation, delta=6, delta_unit=metrics.Unit.frames, all_pairs=True)  # 6 frames: 0.2 s
        rpe.process_data((ref_evo, est_evo))
        assert got[key] == pytest.approx(rpe.get_statistic(metrics.StatisticsType.rmse), rel=1e-9), key
    assert got["rpe_pairs"] == len(GT30_TS) - 6 and got["rpe_gap_pairs"] == 0


def test_a_span_shorter_than_the_sampling_step_gives_no_rpe() -> None:
    got = trajectory_errors(_drifting(10.0), GT30, rpe_delta_s=0.05)
    assert np.isnan(got["rpe_trans_rmse"]) and got["rpe_pairs"] == 0
    assert "shorter than the poses' sampling step" in got["note"]
    with pytest.raises(CameraBenchError, match="rpe_delta_s"):
        trajectory_errors(_drifting(10.0), GT30, rpe_delta_s=0.0)


# ------------------------------------------------------------------ importer: start_frame
@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100-frame 10 fps video (10 s)."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    frames = np.random.default_rng(0).integers(0, 255, (100, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=10.0, preset="ultrafast")
    return path


def _late_file(folder: Path, fmt: str) -> None:
    """Poses of frames 10-99 (90), in a format without timestamps: numbered 0-89."""
    folder.mkdir()
    ts = GT_TS[10:]
    write_trajectory(
        folder / importers.FORMATS[fmt].patterns[0].format(stem="clip"), Trajectory(_helix(ts), None, ts), fmt
    )


def test_start_frame_times_an_estimate_from_its_first_frame(tmp_path: Path, video: Path) -> None:
    _late_file(tmp_path / "k", "kitti")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti", sample_fps=10.0, start_frame=10)
    traj, info = pred.estimate(video)
    np.testing.assert_allclose(traj.timestamps, GT_TS[10:], atol=1e-9)  # frame k at k / 10 s
    assert info["start_frame"] == 10
    # without sample_fps: spread over the rest of the video, frames 10-99: the same times
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti", start_frame=10)
    np.testing.assert_allclose(pred.estimate(video)[0].timestamps, GT_TS[10:], atol=1e-9)


def test_start_frame_shifts_file_times_that_start_at_0(tmp_path: Path, video: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    write_trajectory(folder / "clip.txt", Trajectory(_helix(GT_TS[10:]), None, GT_TS[:90]), "tum")
    pred = importers.TrajectoryPredictor(traj_dir=str(folder), format="tum", start_frame=10)
    np.testing.assert_allclose(pred.estimate(video)[0].timestamps, GT_TS[10:], atol=1e-9)


def test_start_frame_past_the_video_or_running_past_its_end_is_refused(tmp_path: Path, video: Path) -> None:
    _late_file(tmp_path / "k", "kitti")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti", start_frame=100)
    with pytest.raises(PredictionError, match="past the video's last frame"):
        pred.estimate(video)
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti", sample_fps=10.0, start_frame=80)
    with pytest.raises(PredictionError, match=r"run to 16\.9 s"):
        pred.estimate(video)
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti", start_frame=5)
    with pytest.raises(PredictionError, match="not there to time it"):
        pred.estimate(tmp_path / "clip.mp4")


def test_fewer_poses_than_frames_spread_over_the_video_warn(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _late_file(tmp_path / "k", "kitti")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="kitti")
    with caplog.at_level(logging.WARNING):
        traj, _ = pred.estimate(video)
    assert traj.timestamps[0] == 0.0
    assert "taking the first pose as its first frame" in caplog.text and "give start_frame" in caplog.text


def test_numbered_frames_from_10_without_sample_fps_are_timed_at_their_numbers(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # frames 10-99 of a 100-frame video: no stride of 2 or more reaches 99 within the video, so
    # frame k is the video's frame k (red team R56: such numbers were stretched over the clip)
    folder = tmp_path / "c"
    folder.mkdir()
    write_trajectory(
        folder / "clip", Trajectory(_helix(GT_TS[10:]), np.diag([30.0, 30.0, 1.0]), np.arange(10.0, 100.0)), "cut3r"
    )
    pred = importers.TrajectoryPredictor(traj_dir=str(folder), format="cut3r")
    with caplog.at_level(logging.WARNING):
        np.testing.assert_allclose(pred.estimate(video)[0].timestamps, GT_TS[10:], atol=1e-9)
    assert "is taken as the video's first" not in caplog.text
    # with sample_fps the numbers are kept: frame 10 at 1 s (as before)
    pred = importers.TrajectoryPredictor(traj_dir=str(folder), format="cut3r", sample_fps=10.0)
    np.testing.assert_allclose(pred.estimate(video)[0].timestamps, GT_TS[10:], atol=1e-9)
