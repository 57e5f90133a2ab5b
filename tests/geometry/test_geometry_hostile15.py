"""Hostile inputs, round 15: the geometric path given one pose, masks that hide the picture,
scene depths that are no numbers, and trajectories refused after their timing was looked at.

Each test failed on the code before this round: ``trajectory_scores`` / ``decompose`` of one pose
scored a still camera (all zeros); ``fast`` blamed a black frame, a cut or fast motion when its
overlay/bar mask had left nothing of the picture; a ``scene_depth`` of True or "1" was read as
1.0; a one-pose trajectory file was refused for its video's timing (or after a warning about it).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.scoring import decompose, trajectory_scores
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory
from camerabench.trajectory_formats import write_trajectory
from camerabench.video import write_video


@pytest.mark.parametrize("scorer", ["default", "camerabench"])
def test_one_pose_is_not_scored_as_a_still_camera(scorer: str) -> None:
    # was every score 0.0 and Static -0.0: the top Static score of any trajectory
    one = Trajectory(np.eye(4)[None], None, np.zeros(1), meta={META_SCENE_DEPTH: 1.0})
    with pytest.raises(PredictionError, match="a trajectory of 1 pose shows no motion at all"):
        trajectory_scores(one, scorer)
    with pytest.raises(PredictionError, match="needs two poses"):
        decompose(one)


def test_two_still_poses_are_still_a_still_camera() -> None:
    two = Trajectory(np.tile(np.eye(4), (2, 1, 1)), None, np.array([0.0, 0.2]))
    assert decompose(two).translation_unit == "none"
    assert trajectory_scores(two)[Primitive.STATIC] == 0.0


def _dolly(depth: object) -> Trajectory:
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[:, 2, 3] = [0.0, 0.5, 1.0]
    return Trajectory(c2w, None, np.arange(3.0), meta={META_SCENE_DEPTH: depth})


@pytest.mark.parametrize("depth", [True, np.True_, "1", b"1", np.str_("2.5"), np.array(True)], ids=repr)
def test_a_scene_depth_that_is_no_number_is_refused(depth: object) -> None:
    # was read as 1.0 (or 2.5): the translation was scored in made-up scene depths
    with pytest.raises(CameraBenchError, match=r"trajectory meta scene_depth=.* must be a positive number"):
        decompose(_dolly(depth))


@pytest.mark.parametrize("depth", [2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0)], ids=repr)
def test_a_numeric_scene_depth_is_still_read(depth: object) -> None:
    motion = decompose(_dolly(depth))
    assert motion.translation_unit == "scene_depth"
    assert motion.t_rel[-1, 2] == pytest.approx(0.5)


@pytest.fixture(scope="module")
def matcher_loaded() -> None:
    """torch and kornia, which ``fast`` matches features with, imported once (about 3 s), not
    in the first test that relates frames."""
    import kornia.feature  # noqa: F401


def _pan_frames(n: int = 4, h: int = 80, w: int = 64) -> NDArray[np.uint8]:
    """A textured picture panning 3 px a frame (features and dense flow relate it unmasked)."""
    import cv2

    rng = np.random.default_rng(0)
    world = cv2.GaussianBlur((rng.random((h, w + 3 * n)) * 255).astype(np.uint8), (0, 0), 1.5)
    world = cv2.normalize(world, None, 0, 255, cv2.NORM_MINMAX)
    return np.stack([np.repeat(world[:, 3 * i : 3 * i + w, None], 3, axis=2) for i in range(n)])


def test_a_mask_over_the_whole_frame_is_named_as_the_reason(matcher_loaded: None) -> None:
    frames = _pan_frames()
    # was "0 feature matches and 0 dense-flow points ... (a black or uniform frame, a cut, or motion too fast)"
    with pytest.raises(PredictionError, match="covers the whole frame: nothing is left to analyse") as err:
        fast.estimate_trajectory(frames, np.arange(4) / 5.0, usable=np.zeros(frames.shape[1:3], bool))
    assert "uniform frame" not in str(err.value)


def test_a_mask_leaving_too_little_is_named_with_its_share(matcher_loaded: None) -> None:
    frames = _pan_frames()
    usable = np.zeros(frames.shape[1:3], bool)
    usable[30:40, 20:44] = True  # 240 of 5120 px: a few SIFT matches, 3 dense-flow points
    with pytest.raises(PredictionError, match=r"mask of static overlays and bars covers 95% of the frame") as err:
        fast.estimate_trajectory(frames, np.arange(4) / 5.0, usable=usable)
    assert "(20 needed): too little to analyse" in str(err.value)
    assert "uniform frame" not in str(err.value)


def test_a_black_clip_under_a_mask_keeps_its_reason(matcher_loaded: None) -> None:
    # the mask is not why: without it, too, there is no image structure
    frames = np.zeros((3, 64, 64, 3), np.uint8)
    usable = np.ones((64, 64), bool)
    usable[:10] = False
    with pytest.raises(PredictionError, match="frame 0 is blank") as err:
        fast.estimate_trajectory(frames, np.arange(3) / 5.0, usable=usable)
    assert "mask" not in str(err.value)


@pytest.mark.parametrize("usable", [np.ones((10, 10), bool), np.ones((80, 64), np.uint8)], ids=["shape", "dtype"])
def test_a_mask_unlike_the_frames_is_refused(usable: NDArray[np.generic], matcher_loaded: None) -> None:
    # a mask of another size was passed to OpenCV, which ignored it without a word
    with pytest.raises(CameraBenchError, match=r"usable must be an \(80, 64\) bool mask"):
        fast.estimate_trajectory(_pan_frames(), np.arange(4) / 5.0, usable=usable)  # type: ignore[arg-type]


def test_a_one_pose_file_is_refused_before_its_video_is_timed(tmp_path: Path) -> None:
    # was "the video decodes 1 frame ...; give sample_fps": given, it failed as one pose anyway
    write_trajectory(tmp_path / "clip.npy", Trajectory(np.eye(4)[None], None, np.zeros(1)), "poses")
    write_video(tmp_path / "clip.mp4", np.zeros((1, 32, 32, 3), np.uint8), fps=5)
    with pytest.raises(PredictionError, match=r"clip\.npy: 1 pose\(s\); at least 2 are needed"):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").estimate(tmp_path / "clip.mp4")


def test_a_one_pose_file_is_refused_without_a_warning_first(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # was "no video and no sample_fps: pose timestamps are frame indices", then the refusal
    write_trajectory(tmp_path / "clip.npy", Trajectory(np.eye(4)[None], None, np.zeros(1)), "poses")
    with caplog.at_level(logging.WARNING), pytest.raises(PredictionError, match="at least 2 are needed"):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").estimate(tmp_path / "clip.mp4")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_timestamps_out_of_order_are_refused_without_a_coverage_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_video(tmp_path / "clip.mp4", np.zeros((10, 32, 32, 3), np.uint8), fps=5)
    (tmp_path / "clip.txt").write_text("0 0 0 0 0 0 0 1\n0.3 0 0 0 0 0 0 1\n0.2 0 0 0 0 0 0 1\n")
    with caplog.at_level(logging.WARNING), pytest.raises(PredictionError, match="does not increase"):
        TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").estimate(tmp_path / "clip.mp4")
    assert not [r for r in caplog.records if "describe that part only" in r.getMessage()]


def test_a_short_trajectory_is_still_scored_with_its_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_video(tmp_path / "clip.mp4", np.zeros((10, 32, 32, 3), np.uint8), fps=5)
    (tmp_path / "clip.txt").write_text("0 0 0 0 0 0 0 1\n0.1 0 0 0 0 0 0 1\n0.2 0 0 0 0 0 0 1\n")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").estimate(tmp_path / "clip.mp4")
    assert len(traj) == 3
    assert any("describe that part only" in r.getMessage() for r in caplog.records)
