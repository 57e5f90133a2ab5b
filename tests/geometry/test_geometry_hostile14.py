"""Hostile inputs, round 14: the geometric path given trajectories and matches that show no motion.

Each test failed on the code before this round: a trajectory of one pose (a saved trajectory
reused for captions and answers, the geometry hint of the VLM) was captioned "remains completely
still" and answered and scored as a still camera; the two-view fit gave "no rotation, no zoom"
for no matches at all, and the noise estimate a noise of ~0 px for a NaN point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.twoview import fit_rotation_zoom, localisation_noise_px
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory

K = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
ONE_POSE = Trajectory(np.eye(4)[None], K[None], np.zeros(1))


def test_a_single_pose_is_not_captioned_as_a_still_camera() -> None:
    # was "The camera remains completely still." (also the VLM's geometry hint, qwen.geometry_summary)
    with pytest.raises(PredictionError, match="1 pose shows no motion"):
        describe_trajectory(ONE_POSE)


def test_two_poses_are_still_captioned() -> None:
    two = Trajectory(np.tile(np.eye(4), (2, 1, 1)), np.tile(K, (2, 1, 1)), np.array([0.0, 0.2]))
    assert describe_trajectory(two) == "The camera remains completely still."


@pytest.mark.parametrize("call", ["predict", "caption", "answer"])
def test_a_reused_single_pose_trajectory_is_a_failure_not_a_still_camera(tmp_path: Path, call: str) -> None:
    """A saved trajectory of one pose reused for captions and answers (runner.reuse_trajectory):
    predict scored every primitive 0 and Static -0, caption said still, answer picked the static option."""
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path))
    video = tmp_path / "clip.mp4"
    predictor.reuse_trajectory(video, ONE_POSE)
    with pytest.raises(PredictionError, match=r"clip\.mp4: the trajectory has 1 pose, which shows no motion"):
        if call == "predict":
            predictor.predict(video, [Question(Primitive.STATIC.question, Primitive.STATIC)])
        elif call == "caption":
            predictor.caption(video, "Describe the camera motion.")
        else:
            row = MCQRow(
                "0",
                "t",
                ("video",),
                ("clip.mp4",),
                "How does the camera move?",
                {"A": "The camera pans left", "B": "No movement"},
                "B",
                "camera movement",
                2,
            )
            predictor.answer(row, [video])


GRID = np.stack(np.meshgrid(np.linspace(0, 200, 6), np.linspace(0, 160, 5)), -1).reshape(-1, 2)


@pytest.mark.parametrize(
    ("pts_a", "pts_b", "k", "reason"),
    [
        # was the identity rotation and zoom 1 from no matches: "no motion" invented
        (np.zeros((0, 2)), np.zeros((0, 2)), K, r"0 match\(es\): a rotation and zoom needs at least 2"),
        # was some rotation fitted to one point (4 unknowns, 2 equations)
        (GRID[:1], GRID[:1] + np.array([2.0, 0.0]), K, r"1 match\(es\)"),
        # were scipy's "Residuals are not finite in the initial point"
        (GRID, np.where(np.arange(30)[:, None] == 3, np.nan, GRID), K, "must be finite"),
        (GRID, GRID, np.diag([0.0, 0.0, 1.0]), "positive focal length"),
        # was a broadcast error deep in the model
        (GRID, GRID[:10], K, r"one shape, got \(30, 2\) and \(10, 2\)"),
    ],
)
def test_the_rotation_zoom_fit_refuses_matches_that_determine_nothing(
    pts_a: np.ndarray, pts_b: np.ndarray, k: np.ndarray, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        fit_rotation_zoom(pts_a, pts_b, k)


def test_the_noise_estimate_refuses_a_nan_point_instead_of_reading_no_noise() -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 200, (30, 2))
    b = a + rng.normal(0.0, 0.5, a.shape)
    b[3] = np.nan  # OpenCV fitted the rest and the noise read 1.8e-14 px
    with pytest.raises(ValueError, match="must be finite"):
        localisation_noise_px(a, b)
