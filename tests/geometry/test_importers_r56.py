"""Red team R56: imported trajectories whose frame numbers were stretched over the clip, several
COLMAP models, two formats' files of one name, runs whose every trajectory failed, and the
messages for a broken link or an empty ``sparse/0``.

Numbers are checked against evo's own API (association, Umeyama Sim(3), APE) on the same poses at
their true times (frame k of the 10 fps test video at k / 10 s)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pycolmap
import pytest
from evo.core import metrics, sync
from evo.core.trajectory import PoseTrajectory3D
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import importers
from camerabench.errors import PredictionError
from camerabench.eval.trajectory_error import trajectory_errors, trajectory_section
from camerabench.records import RunInfo
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import (
    save_npz,
    write_colmap_model,
    write_cut3r,
    write_kitti,
    write_megasam,
    write_pose_array,
    write_tum,
)
from camerabench.video import write_video

FPS, FRAMES = 10.0, 25
TS = np.arange(FRAMES) / FPS  # the true time of each video frame
K = np.array([[30.0, 0.0, 16.0], [0.0, 30.0, 16.0], [0.0, 0.0, 1.0]])


def _arc(ts: np.ndarray) -> np.ndarray:
    """Camera-to-world poses on a rising, turning arc (no time shift of it is a similarity of it)."""
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[2 * np.cos(ts), 2 * np.sin(ts), 0.3 * ts**2]
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[0.1 * np.sin(ts), 0.3 * ts, 0.05 * ts]).as_matrix()
    return c2w


GT = Trajectory(_arc(TS), None, TS)


def _estimate() -> np.ndarray:
    """The ground truth in another similarity frame (rotated, moved, scaled 0.4), with noise."""
    rng = np.random.default_rng(5)
    rot = Rotation.from_euler("z", 40, degrees=True).as_matrix()
    est = GT.cam_c2w.copy()
    est[:, :3, 3] = (rot @ (est[:, :3, 3] + rng.normal(0, 0.03, (FRAMES, 3))).T).T * 0.4 + [5.0, -1.0, 2.0]
    est[:, :3, :3] = rot @ est[:, :3, :3] @ Rotation.from_rotvec(rng.normal(0, 0.01, (FRAMES, 3))).as_matrix()
    return est


EST = _estimate()


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 25-frame 10 fps video (2.5 s)."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    frames = np.random.default_rng(0).integers(0, 255, (FRAMES, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=FPS, preset="ultrafast")
    return path


def _evo_ape(frames: np.ndarray) -> float:
    """evo's APE (translation RMSE, Sim(3) Umeyama) of the estimate's poses of video ``frames`` at
    their true times against the ground truth."""
    ref = PoseTrajectory3D(poses_se3=list(GT.cam_c2w), timestamps=TS)
    est = PoseTrajectory3D(poses_se3=list(EST[frames]), timestamps=TS[frames])
    ref, est = sync.associate_trajectories(ref, est, max_diff=0.01)
    est.align(ref, correct_scale=True)
    ape = metrics.APE(metrics.PoseRelation.translation_part)
    ape.process_data((ref, est))
    return float(ape.get_statistic(metrics.StatisticsType.rmse))


def _colmap(folder: Path, frames: np.ndarray) -> None:
    """A COLMAP model of the estimate's poses of video ``frames``, images named ``frame_%05d.png``
    by their frame numbers (renamed through pycolmap)."""
    write_colmap_model(
        folder,
        Trajectory(EST[frames], np.tile(K, (len(frames), 1, 1)), np.arange(len(frames), dtype=np.float64)),
        size=(32, 32),
    )
    rec = pycolmap.Reconstruction(str(folder))
    for image in rec.images.values():
        image.name = f"frame_{int(frames[int(image.name[6:11])]):05d}.png"
    rec.write(str(folder))


def _imported(traj_dir: Path, fmt: str, video: Path) -> tuple[Trajectory, dict]:
    return importers.TrajectoryPredictor(traj_dir=str(traj_dir), format=fmt).estimate(video)


# ------------------------------------------------------------------ 1: several COLMAP models
def test_several_colmap_models_the_largest_is_scored_at_its_frames_times(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, rest = np.arange(0, 8), np.arange(8, FRAMES)
    _colmap(tmp_path / "clip" / "sparse" / "0", first)
    _colmap(tmp_path / "clip" / "sparse" / "1", rest)
    with caplog.at_level(logging.WARNING):
        traj, info = _imported(tmp_path, "colmap", video)
    assert "COLMAP wrote 2 models of this video, 0 (8 images), 1 (17 images)" in caplog.text
    assert info["colmap_model"].endswith("sparse/1") and info["colmap_models"] == {"0": 8, "1": 17}
    np.testing.assert_allclose(traj.timestamps, TS[rest], atol=1e-9)
    got = trajectory_errors(traj, GT)["ape_trans_rmse"]
    assert got == pytest.approx(_evo_ape(rest), rel=1e-6)


def test_the_larger_early_model_is_timed_by_the_numbers_of_the_later_one_too(tmp_path: Path, video: Path) -> None:
    # red team R57: frames 0-11 beside a model of 14-20: the chosen model's own last number (11)
    # allows a stride of 2, so it was spread over the clip (frame 11 at 2.3 s); the other model's
    # numbers (20, twice past the last frame 24) say the images count the frames one by one
    first, later = np.arange(0, 12), np.arange(14, 21)
    _colmap(tmp_path / "clip" / "sparse" / "0", first)
    _colmap(tmp_path / "clip" / "sparse" / "1", later)
    traj, info = _imported(tmp_path, "colmap", video)
    assert info["colmap_model"].endswith("sparse/0")
    np.testing.assert_allclose(traj.timestamps, TS[first], atol=1e-9)
    assert trajectory_errors(traj, GT)["ape_trans_rmse"] == pytest.approx(_evo_ape(first), rel=1e-6)


def test_colmap_frames_0_to_19_of_25_are_timed_at_their_frames(tmp_path: Path, video: Path) -> None:
    frames = np.arange(20)
    _colmap(tmp_path / "clip" / "sparse" / "0", frames)
    traj, _ = _imported(tmp_path, "colmap", video)
    np.testing.assert_allclose(traj.timestamps, TS[frames], atol=1e-9)  # not spread over the 2.5 s
    assert trajectory_errors(traj, GT)["ape_trans_rmse"] == pytest.approx(_evo_ape(frames), rel=1e-6)


# ------------------------------------------------------------------ 2: DROID-SLAM keyframes
def test_droid_keyframes_to_20_of_25_are_timed_at_their_frames(tmp_path: Path, video: Path) -> None:
    kf = np.array([0, 2, 3, 5, 8, 10, 13, 15, 18, 20])
    (tmp_path / "clip").mkdir()
    write_pose_array(
        tmp_path / "clip" / "poses.npy",
        Trajectory(EST[kf], np.tile(K, (len(kf), 1, 1)), kf.astype(float)),
        world_to_camera=True,
    )
    traj, _ = _imported(tmp_path, "poses", video)
    np.testing.assert_allclose(traj.timestamps, TS[kf], atol=1e-9)
    assert trajectory_errors(traj, GT)["ape_trans_rmse"] == pytest.approx(_evo_ape(kf), rel=1e-6)


# ------------------------------------------------------------------ 1(b): spread by assumption, said
def test_frames_0_to_7_of_25_are_spread_with_a_warning_naming_the_overrides(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    frames = np.arange(8)  # its first 8 frames, or every 3rd: nothing says which
    write_cut3r(tmp_path / "clip", Trajectory(EST[frames], np.tile(K, (8, 1, 1)), frames.astype(np.float64)))
    with caplog.at_level(logging.WARNING):
        traj, _ = _imported(tmp_path, "cut3r", video)
    np.testing.assert_allclose(traj.timestamps, frames * 2.5 / 8, atol=1e-9)  # the documented spread
    assert "spread evenly over the whole video" in caplog.text
    assert "the last numbered frame as its last" in caplog.text
    assert "sample_fps" in caplog.text and "start_frame" in caplog.text
    # with sample_fps, the true timing, and evo's numbers
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="cut3r", sample_fps=FPS)
    timed, _ = pred.estimate(video)
    assert trajectory_errors(timed, GT)["ape_trans_rmse"] == pytest.approx(_evo_ape(frames), rel=1e-6)


def test_every_video_spread_by_assumption_is_warned_of(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # KITTI has no frame numbers: 10 poses spread over the clip, said for each video, not once
    write_kitti(tmp_path / "clip.kitti", Trajectory(EST[::3][:8], None, np.arange(8.0)))
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti")
    with caplog.at_level(logging.WARNING):
        pred.estimate(video)
        pred.estimate(video)
    assert caplog.text.count("spread evenly over the whole video") == 2


# ------------------------------------------------------------------ 3: two formats' files of one name
def test_kitti_reads_its_own_extension_beside_a_tum_txt(tmp_path: Path, video: Path) -> None:
    write_tum(tmp_path / "clip.txt", Trajectory(EST, None, TS))
    write_kitti(tmp_path / "clip.kitti", Trajectory(EST, None, TS))
    traj, info = _imported(tmp_path, "kitti", video)
    assert info["trajectory_file"] == str(tmp_path / "clip.kitti")
    np.testing.assert_allclose(traj.cam_c2w, EST, atol=1e-6)


def test_a_bad_file_names_the_other_candidate_beside_it(tmp_path: Path, video: Path) -> None:
    (tmp_path / "clip.npz").write_text("not a trajectory\n")  # read first: megasam looks for it first
    write_megasam(tmp_path / "clip_sgd_cvd_hr.npz", Trajectory(EST, np.tile(K, (FRAMES, 1, 1)), TS))
    with pytest.raises(PredictionError, match=r"clip\.npz: .*also there, not read: .*clip_sgd_cvd_hr\.npz"):
        _imported(tmp_path, "megasam", video)


# ------------------------------------------------------------------ 4: every trajectory failed
def test_a_geometric_run_whose_every_video_failed_gets_a_section(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gt_dir = tmp_path / "gt"
    for stem in ("a", "b", "c"):
        save_npz(gt_dir / f"{stem}.npz", GT)
    folder = tmp_path / "run" / "trajectory"
    folder.mkdir(parents=True)
    failures = {"a.mp4": "a.txt:1: bad", "b.mp4": "b.txt:1: bad"}  # c: not run at all
    info = RunInfo(method="trajectory", method_kind="geometric", videos_failed=2, failures=failures)
    gt_files = {p.stem: p for p in sorted(gt_dir.glob("*.npz"))}
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_files, MethodRun("trajectory", folder, info=info))
    assert result is not None
    section, rows = result
    assert (section.clips, section.ok, section.failed, section.missing) == (3, 0, 2, 1)
    assert [r["status"] for r in rows] == ["failed", "failed", "missing"]
    assert math.isnan(section.mean.ape_trans_rmse)
    assert "none of the 3 clips with ground truth has an evaluated trajectory (2 failed, 1 missing)" in caplog.text
    # a semantic method writes no trajectories: no section, as before
    semantic = RunInfo(method="vlm", method_kind="semantic")
    assert trajectory_section(gt_files, MethodRun("vlm", folder, info=semantic)) is None


# ------------------------------------------------------------------ 5: broken link, empty sparse/0
def test_a_broken_link_is_named(tmp_path: Path, video: Path) -> None:
    (tmp_path / "clip").symlink_to(tmp_path / "nowhere")
    with pytest.raises(PredictionError, match=r"clip is a broken link \(to .*nowhere, which does not exist\)"):
        _imported(tmp_path, "colmap", video)


def test_an_empty_sparse_0_beside_a_model_in_sparse_1(
    tmp_path: Path, video: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "clip" / "sparse" / "0").mkdir(parents=True)
    _colmap(tmp_path / "clip" / "sparse" / "1", np.arange(FRAMES))
    with caplog.at_level(logging.WARNING):
        traj, info = _imported(tmp_path, "colmap", video)
    assert "0 hold(s) no COLMAP model" in caplog.text
    assert info["colmap_model"].endswith("sparse/1") and info["colmap_folders_without_model"] == ["0"]
    assert trajectory_errors(traj, GT)["ape_trans_rmse"] == pytest.approx(_evo_ape(np.arange(FRAMES)), rel=1e-6)
    # sparse/ holding no model at all: named in the error
    (tmp_path / "clip" / "sparse" / "1").rename(tmp_path / "model")
    with pytest.raises(PredictionError, match=r"sparse holds 0: no COLMAP model"):
        _imported(tmp_path, "colmap", video)
