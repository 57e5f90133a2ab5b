"""DROID-SLAM / MegaSaM pose arrays whose intrinsics rows all repeat one calibration.

DROID-SLAM holds the calibration it is given fixed, so its ``intrinsics.npy`` repeats one row. Read
as a focal length measured per frame, every zoom came out a made-up 0 (``zoom_known``) and Static
was answered from rotation and translation alone, as for MegaSaM's single (3,3) K before.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.predictor import ZOOM_FIXED_REASON
from camerabench.baselines.geometry.scoring import decompose
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_FOCAL_FIXED, Trajectory
from camerabench.trajectory_formats import c2w_to_pose_array, read_trajectory, write_trajectory

K = np.array([[400.0, 0.0, 160.0], [0.0, 400.0, 120.0], [0.0, 0.0, 1.0]])


def _pan(n: int = 12, degrees: float = 20.0) -> NDArray[np.float64]:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0.0, degrees, n)[:, None], degrees=True).as_matrix()
    return c2w


def _droid_folder(folder: Path, fxfycxcy: NDArray[np.float64]) -> Path:
    """DROID-SLAM's ``save_reconstruction`` layout: poses (world-to-camera), tstamps, intrinsics / 8."""
    folder.mkdir()
    n = len(fxfycxcy)
    np.save(folder / "poses.npy", c2w_to_pose_array(_pan(n), world_to_camera=True).astype(np.float32))
    np.save(folder / "tstamps.npy", np.arange(n, dtype=np.float32) * 2)
    np.save(folder / "intrinsics.npy", (fxfycxcy / 8).astype(np.float32))
    return folder / "poses.npy"


def test_droid_rows_of_one_calibration_are_a_fixed_focal(tmp_path: Path) -> None:
    rows = np.tile([400.0, 400.0, 160.0, 120.0], (12, 1))
    traj = read_trajectory(_droid_folder(tmp_path / "fixed", rows), "poses")
    assert traj.meta[META_FOCAL_FIXED] is True
    assert traj.intrinsic is not None and np.allclose(traj.intrinsic[0], K)
    assert not decompose(traj).zoom_known
    # a focal measured per frame (varying in its last digits, as an estimate does) stays measured
    varying = rows.copy()
    varying[:, :2] *= 1.0 + 1e-3 * np.sin(np.arange(12))[:, None]
    measured = read_trajectory(_droid_folder(tmp_path / "measured", varying), "poses")
    assert META_FOCAL_FIXED not in measured.meta and decompose(measured).zoom_known
    # one pose: its row is its own K, not a repeated one
    one = read_trajectory(_droid_folder(tmp_path / "one", rows[:1]), "poses")
    assert META_FOCAL_FIXED not in one.meta


def test_the_trajectory_method_leaves_zoom_and_static_unanswered(tmp_path: Path) -> None:
    rows = np.tile([400.0, 400.0, 160.0, 120.0], (12, 1))
    _droid_folder(tmp_path / "clip", rows)
    questions = [Question(p.question, p) for p in Primitive]
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses")
    result = predictor.predict(tmp_path / "clip.mp4", questions)
    assert result.info["zoom_known"] is False
    assert result.unanswerable[Primitive.ZOOM_IN.question] == ZOOM_FIXED_REASON
    assert result.unanswerable[Primitive.ZOOM_OUT.question] == ZOOM_FIXED_REASON
    assert Primitive.STATIC.question in result.unanswerable
    assert result.scores[Primitive.PAN_RIGHT.question] > 0.3  # the pan is still measured


@pytest.mark.parametrize("name", ["poses.npy", "poses.txt"])
def test_the_flag_survives_writing_and_a_constant_measured_focal_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    fixed = Trajectory(_pan(), np.broadcast_to(K, (12, 3, 3)).copy(), np.arange(12.0), {META_FOCAL_FIXED: True})
    with caplog.at_level(logging.WARNING, logger="camerabench.trajectory_formats"):
        (tmp_path / "a").mkdir()
        write_trajectory(tmp_path / "a" / name, fixed, "poses")
    assert caplog.text == ""  # nothing is lost: the rows read back as one calibration
    back = read_trajectory(tmp_path / "a" / name, "poses")
    assert back.meta[META_FOCAL_FIXED] is True and not decompose(back).zoom_known
    measured = Trajectory(_pan(), np.broadcast_to(K, (12, 3, 3)).copy(), np.arange(12.0))
    (tmp_path / "b").mkdir()
    with caplog.at_level(logging.WARNING, logger="camerabench.trajectory_formats"):
        write_trajectory(tmp_path / "b" / name, measured, "poses")
    assert "focal length is the same in every frame" in caplog.text and str(tmp_path / "b" / name) in caplog.text
    assert read_trajectory(tmp_path / "b" / name, "poses").meta[META_FOCAL_FIXED] is True
    varied = np.broadcast_to(K, (12, 3, 3)).copy()
    varied[5, 0, 0] = 401.0
    (tmp_path / "c").mkdir()
    flagged = Trajectory(_pan(), varied, np.arange(12.0), {META_FOCAL_FIXED: True})
    with pytest.raises(ValueError, match="frame 5's differs"):
        write_trajectory(tmp_path / "c" / name, flagged, "poses")
    assert not (tmp_path / "c" / name).exists()  # refused before anything is written


def test_a_drifting_principal_point_or_float32_noise_is_still_one_focal(tmp_path: Path) -> None:
    """Red team R23: the zoom reads fx and fy only; a cx drifting 0-3.2 px, or fx/fy one float32
    step apart, read as a measured zoom of 0 (Static answered)."""
    rows = np.tile([400.0, 400.0, 160.0, 120.0], (12, 1))
    rows[:, 2] += np.linspace(0.0, 3.2, 12)
    drift = read_trajectory(_droid_folder(tmp_path / "drift", rows), "poses")
    assert drift.meta[META_FOCAL_FIXED] is True and not decompose(drift).zoom_known
    ulp = np.tile([400.0, 400.0, 160.0, 120.0], (12, 1))
    ulp[5, :2] = np.nextafter(np.float32(50.0), np.float32(51.0)) * 8  # one float32 step at 1/8 scale
    assert read_trajectory(_droid_folder(tmp_path / "ulp", ulp), "poses").meta[META_FOCAL_FIXED] is True
    zoomed = np.tile([400.0, 400.0, 160.0, 120.0], (12, 1))
    zoomed[6:, :2] *= 1.01  # a 1% zoom from frame 6: measured
    assert META_FOCAL_FIXED not in read_trajectory(_droid_folder(tmp_path / "zoom", zoomed), "poses").meta


def test_a_text_pose_folder_is_found_by_the_trajectory_method(tmp_path: Path) -> None:
    """Red team R23: ``{stem}/poses.txt`` (written by write_trajectory) was not looked for."""
    (tmp_path / "clip").mkdir()
    traj = Trajectory(_pan(), np.broadcast_to(K, (12, 3, 3)).copy(), np.arange(12.0))
    write_trajectory(tmp_path / "clip" / "poses.txt", traj, "poses")
    questions = [Question(p.question, p) for p in Primitive]
    result = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").predict(tmp_path / "clip.mp4", questions)
    assert result.scores[Primitive.PAN_RIGHT.question] > 0.3


def test_no_zoom_error_for_an_estimate_of_fixed_focal() -> None:
    """Red team R23: a fixed-focal estimate of a zoom-in clip read a zoom error of 0.24 (its
    repeated K taken for a measured "no zoom"); without intrinsics it was NaN."""
    from camerabench.eval.trajectory_error import trajectory_errors

    ts = np.arange(12.0) / 10
    gt_k = np.broadcast_to(K, (12, 3, 3)).copy()
    gt_k[:, 0, 0] = gt_k[:, 1, 1] = 400.0 * np.linspace(1.0, 1.5, 12)  # a zoom in
    c2w = _pan()
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, 12)  # and a move, so the alignment is defined
    gt = Trajectory(c2w, gt_k, ts)
    fixed = Trajectory(c2w, np.broadcast_to(K, (12, 3, 3)).copy(), ts, {META_FOCAL_FIXED: True})
    measured = Trajectory(c2w, np.broadcast_to(K, (12, 3, 3)).copy(), ts)
    assert np.isnan(trajectory_errors(fixed, gt)["zoom_log_ratio_rmse"])
    assert trajectory_errors(measured, gt)["zoom_log_ratio_rmse"] > 0.2  # a measured "no zoom" is wrong by that
