"""Hostile trajectories, second sweep: turns of 180 deg and more, odd units and time scales, a
first pose far from identity, NaN in the middle, COLMAP models that registered some frames,
trajectories without intrinsics (zoom unknown) and numbers beyond float range.

Each test asserts the motion the camera really makes (a 360 deg pan right reads as a pan right,
in both scorers), or a reason naming what is wrong. Cases of ``test_scoring_hostile.py`` and the
``tests/reliability/test_hostile_trajectories_sweep*.py`` files are not repeated.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pycolmap
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import describe_trajectory, motion_strengths
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.predictor import CAMERA_MOVEMENT, ZOOM_UNKNOWN_REASON, choose_option
from camerabench.baselines.geometry.scoring import decompose, trajectory_scores
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory
from camerabench.trajectory_formats import read_trajectory, write_colmap_model, write_trajectory
from camerabench.video import write_video

SCORERS = ("default", "camerabench")


def turn(axis: int, deg: float, n: int, centres: Any = None, first: NDArray[np.float64] | None = None) -> Trajectory:
    """A turn by ``deg`` about camera axis ``axis`` (0 tilt, 1 pan, 2 roll), ``n`` poses 0.1 s apart."""
    rotvec = np.zeros((n, 3))
    rotvec[:, axis] = np.deg2rad(np.linspace(0.0, deg, n))
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvec).as_matrix()
    if centres is not None:
        c2w[:, :3, 3] = centres
    if first is not None:
        c2w = first @ c2w
    # per-frame intrinsics: the zoom is measured (none); a TUM file written from it drops them
    return Trajectory(c2w, np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1)), np.arange(n) / 10.0)


def top(scores: dict[Primitive, float]) -> Primitive:
    return max(scores, key=lambda p: scores[p])


@pytest.mark.parametrize("scorer", SCORERS)
@pytest.mark.parametrize(
    ("axis", "deg", "n", "expected"),
    [
        (1, 360.0, 73, Primitive.PAN_RIGHT),  # camerabench scorer: static (yaw wrapped to 0)
        (1, -360.0, 73, Primitive.PAN_LEFT),
        (1, 720.0, 145, Primitive.PAN_RIGHT),
        (1, 180.0, 31, Primitive.PAN_RIGHT),  # yaw exactly 180 at the end
        (0, 180.0, 30, Primitive.TILT_UP),  # camerabench scorer: pan right 180 + roll 180, no tilt
        (0, -135.0, 30, Primitive.TILT_DOWN),
        (2, 270.0, 46, Primitive.ROLL_CLOCKWISE),  # camerabench scorer: roll counterclockwise 90
    ],
)
def test_turns_of_180_deg_and_more_read_as_the_turn_made(
    scorer: str, axis: int, deg: float, n: int, expected: Primitive
) -> None:
    scores = trajectory_scores(turn(axis, deg, n), scorer)
    assert top(scores) is expected, {p.value: round(v, 3) for p, v in scores.items()}
    amount = abs(deg) if scorer == "camerabench" else np.deg2rad(abs(deg))
    assert scores[expected] == pytest.approx(amount, rel=1e-6)
    others = [v for p, v in scores.items() if p not in (expected, Primitive.STATIC)]
    assert max(others) == pytest.approx(0.0, abs=1e-6)
    assert scores[Primitive.STATIC] < -0.7  # not static


def test_a_360_deg_pan_is_captioned_and_answered_as_a_pan_right() -> None:
    traj = turn(1, 360.0, 73)
    assert describe_trajectory(traj) == "The camera pans right quickly."
    strengths = motion_strengths(decompose(traj))
    assert choose_option({"A": "Static", "B": "Pan left", "C": "Pan right"}, strengths) == "C"


def test_a_first_pose_far_from_identity_gives_the_same_scores_as_identity() -> None:
    centres = np.c_[np.zeros(30), np.zeros(30), np.linspace(0.0, 2.0, 30)]  # forward while rolling
    plain = turn(2, 90.0, 30, centres=centres)
    first = np.eye(4)
    first[:3, :3] = Rotation.from_euler("YXZ", [170.0, 80.0, -120.0], degrees=True).as_matrix()
    first[:3, 3] = [1e3, -5e2, 7.0]
    moved = turn(2, 90.0, 30, centres=centres, first=first)
    for traj in (plain, moved):
        traj.meta[META_SCENE_DEPTH] = 4.0
    for scorer in SCORERS:
        a, b = trajectory_scores(plain, scorer), trajectory_scores(moved, scorer)
        for p in Primitive:
            assert b[p] == pytest.approx(a[p], abs=1e-9), (scorer, p)
    scores = trajectory_scores(moved)
    assert scores[Primitive.MOVE_IN] == pytest.approx(0.5)  # 2 units over a scene depth of 4
    assert scores[Primitive.ROLL_CLOCKWISE] == pytest.approx(np.pi / 2)
    # rolling about the optical axis does not turn the forward move sideways
    assert max(scores[p] for p in (Primitive.MOVE_LEFT, Primitive.MOVE_RIGHT, Primitive.MOVE_UP)) < 1e-9


@pytest.mark.parametrize("depth", [None, 5.0])
def test_scores_do_not_depend_on_the_translation_unit(depth: float | None) -> None:
    rng = np.random.default_rng(3)
    centres = np.cumsum(rng.normal(size=(25, 3)) * [0.1, 0.02, 0.05], axis=0)
    metres = turn(1, 20.0, 25, centres=centres)
    millimetres = turn(1, 20.0, 25, centres=centres * 1000.0)
    if depth is not None:
        metres.meta[META_SCENE_DEPTH] = depth
        millimetres.meta[META_SCENE_DEPTH] = depth * 1000.0
    for scorer in SCORERS:
        a, b = trajectory_scores(metres, scorer), trajectory_scores(millimetres, scorer)
        for p in Primitive:
            assert b[p] == pytest.approx(a[p], rel=1e-9, abs=1e-12), (scorer, p)
    assert describe_trajectory(metres) == describe_trajectory(millimetres)


def test_timestamp_spacing_changes_speed_words_only() -> None:
    base = turn(1, 30.0, 20)
    tiny = Trajectory(base.cam_c2w, base.intrinsic, np.arange(20.0) * 1e-9)
    huge = Trajectory(base.cam_c2w, base.intrinsic, np.arange(20.0) * 1e6)
    for scorer in SCORERS:
        assert trajectory_scores(tiny, scorer) == trajectory_scores(huge, scorer) == trajectory_scores(base, scorer)
    assert describe_trajectory(tiny) == "The camera pans right quickly."
    assert describe_trajectory(huge) == "The camera pans right slowly."


def test_two_poses_are_enough_for_a_pan() -> None:
    traj = turn(1, 30.0, 2)
    assert trajectory_scores(traj)[Primitive.PAN_RIGHT] == pytest.approx(np.deg2rad(30.0))
    assert trajectory_scores(traj, "camerabench")[Primitive.PAN_RIGHT] == pytest.approx(30.0)
    assert describe_trajectory(traj) == "The camera pans right quickly."


def test_a_nan_pose_in_the_middle_is_refused_naming_its_frame() -> None:
    traj = turn(1, 30.0, 10)
    traj.cam_c2w[6, 0, 3] = np.nan
    for consume in (trajectory_scores, describe_trajectory):
        # was "the trajectory contains NaN or infinite poses", with no frame
        with pytest.raises(PredictionError, match="NaN or infinite poses: 1 of 10, the first at frame 6"):
            consume(traj)


# --- COLMAP models that registered only some frames -------------------------------------------


def _partial_model(folder: Path, frames: list[int], total: int = 10) -> Path:
    """A model of a constant-rate pan right over ``total`` frames that registered ``frames``."""
    full = turn(1, 45.0, total)
    k = np.array([[300.0, 0.0, 160.0], [0.0, 300.0, 96.0], [0.0, 0.0, 1.0]])
    write_colmap_model(folder / "full", Trajectory(full.cam_c2w[frames], k, np.arange(len(frames), dtype=float)))
    rec = pycolmap.Reconstruction(str(folder / "full"))
    for image in rec.images.values():  # written as frame_00000 ... in order: rename to the frame kept
        image.name = f"frame_{frames[image.image_id - 1]:04d}.png"
    (folder / "clip").mkdir()
    rec.write_text(str(folder / "clip"))
    return folder


def test_colmap_frames_are_timed_by_the_frame_numbers_of_their_names(tmp_path: Path) -> None:
    model = _partial_model(tmp_path, [0, 1, 2, 7, 8, 9])
    traj = read_trajectory(model / "clip", "colmap")
    assert traj.timestamps.tolist() == [0.0, 1.0, 2.0, 7.0, 8.0, 9.0]  # was 0 ... 5
    # with sample_fps: frame k at k / sample_fps
    at_fps, _ = TrajectoryPredictor(traj_dir=str(model), format="colmap", sample_fps=10.0).estimate(
        tmp_path / "clip.mp4"
    )
    np.testing.assert_allclose(at_fps.timestamps, [0.0, 0.1, 0.2, 0.7, 0.8, 0.9])
    # without it: frames 0 to 9 cover the 1 s video (evenly spaced, the gap kept)
    write_video(tmp_path / "clip.mp4", np.full((10, 32, 32, 3), 128, np.uint8), fps=10.0)
    fitted, _ = TrajectoryPredictor(traj_dir=str(model), format="colmap").estimate(tmp_path / "clip.mp4")
    np.testing.assert_allclose(fitted.timestamps, [0.0, 0.1, 0.2, 0.7, 0.8, 0.9], atol=1e-9)


def test_colmap_frames_numbered_from_one_are_timed_like_frames_from_zero(tmp_path: Path) -> None:
    model = _partial_model(tmp_path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], total=11)  # ffmpeg's %04d
    write_video(tmp_path / "clip.mp4", np.full((10, 32, 32, 3), 128, np.uint8), fps=10.0)
    traj, _ = TrajectoryPredictor(traj_dir=str(model), format="colmap").estimate(tmp_path / "clip.mp4")
    np.testing.assert_allclose(traj.timestamps, np.arange(10) / 10.0, atol=1e-9)


def test_colmap_frames_past_the_video_at_sample_fps_name_the_frame_numbers(tmp_path: Path) -> None:
    model = _partial_model(tmp_path, [0, 1, 2, 97, 98, 99], total=100)
    write_video(tmp_path / "clip.mp4", np.full((10, 32, 32, 3), 128, np.uint8), fps=10.0)
    predictor = TrajectoryPredictor(traj_dir=str(model), format="colmap", sample_fps=10.0)
    reason = (
        r"6 poses \(frame numbers 0 to 99 in their image names\) at sample_fps 10 span 9\.9 s but clip\.mp4 lasts 1 s"
    )
    with pytest.raises(PredictionError, match=reason):
        predictor.estimate(tmp_path / "clip.mp4")


# --- trajectories without intrinsics: zoom is unknown, not zero --------------------------------


def test_zoom_questions_of_a_trajectory_without_intrinsics_have_no_made_up_score(tmp_path: Path) -> None:
    questions = [Question(p.question, p) for p in Primitive]
    write_trajectory(tmp_path / "clip.txt", turn(1, 30.0, 20), "tum")  # TUM: no intrinsics
    result = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").predict(tmp_path / "clip.mp4", questions)
    # was Zoom_In = Zoom_Out = 0.0 for every video of the run; Static too is unknown without the zoom
    zoom = {Primitive.ZOOM_IN.question, Primitive.ZOOM_OUT.question}
    assert set(result.scores) == {q.text for q in questions} - zoom - {Primitive.STATIC.question}
    assert {q: result.unanswerable[q] for q in zoom} == dict.fromkeys(zoom, ZOOM_UNKNOWN_REASON)
    assert result.unanswerable[Primitive.STATIC.question].startswith(ZOOM_UNKNOWN_REASON)
    assert result.scores[Primitive.PAN_RIGHT.question] == pytest.approx(np.deg2rad(30.0))
    # with intrinsics the zoom is scored (here: none)
    (tmp_path / "k").mkdir()
    with_k = turn(1, 30.0, 20)
    with_k.intrinsic = np.tile(np.diag([300.0, 300.0, 1.0]), (20, 1, 1))
    write_trajectory(tmp_path / "k" / "clip.npz", with_k, "megasam")
    scored = TrajectoryPredictor(traj_dir=str(tmp_path / "k"), format="megasam").predict(
        tmp_path / "clip.mp4", questions
    )
    assert scored.scores[Primitive.ZOOM_IN.question] == 0.0 and not scored.unanswerable


def test_a_zoom_choice_is_not_answered_from_a_trajectory_without_intrinsics(tmp_path: Path) -> None:
    write_trajectory(tmp_path / "clip.txt", turn(1, 30.0, 20), "tum")
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    media = [tmp_path / "clip.mp4"]

    def row(options: dict[str, str]) -> MCQRow:
        return MCQRow(
            "1", "t", ("video",), ("clip.mp4",), "How does the camera move?", options, "A", CAMERA_MOVEMENT, 2
        )

    # a zooming camera would read as "no zoom": the row is not answered (was "A")
    assert predictor.answer(row({"A": "Pan right", "B": "Zoom in"}), media) is None
    assert predictor.answer(row({"A": "Tilt up", "B": "Pan right"}), media) == "B"


# --- numbers beyond float range --------------------------------------------------------------


def _zoom(focal: list[float]) -> Trajectory:
    k = np.stack([np.diag([f, f, 1.0]) for f in focal])
    return Trajectory(np.tile(np.eye(4), (len(focal), 1, 1)), k, np.arange(len(focal)) / 10.0)


CONSUMERS = {
    "scores": trajectory_scores,
    "caption": describe_trajectory,
    "strengths": lambda t: motion_strengths(decompose(t)),
}


@pytest.mark.parametrize("consumer", list(CONSUMERS))
def test_a_zoom_ratio_that_overflows_is_refused_naming_the_frame(consumer: str) -> None:
    # was a RuntimeWarning and inf / NaN: "non-finite motion scores", a caption, strengths of NaN
    traj = _zoom([1e-320, 300.0, 300.0])
    with (
        warnings.catch_warnings(),
        pytest.raises(PredictionError, match=r"frame 1: focal length 300 px against the first frame's 1e-320 px"),
    ):
        warnings.simplefilter("error")
        CONSUMERS[consumer](traj)


@pytest.mark.parametrize("consumer", list(CONSUMERS))
def test_a_translation_that_overflows_over_the_scene_depth_is_refused(consumer: str) -> None:
    c2w = np.tile(np.eye(4), (10, 1, 1))
    c2w[:, 2, 3] = np.linspace(0.0, 1e99, 10)
    traj = Trajectory(c2w, None, np.arange(10) / 10.0, meta={META_SCENE_DEPTH: 1e-300})
    # the caption was a raw IndexError from describe.py
    with (
        warnings.catch_warnings(),
        pytest.raises(PredictionError, match=r"translation of up to 1e\+99 over a scale of 1e-300 \(scene_depth\)"),
    ):
        warnings.simplefilter("error")
        CONSUMERS[consumer](traj)


def test_focal_lengths_near_the_float_limit_are_a_zoom_not_an_overflow() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was "overflow encountered in add" and an infinite focal length
        scores = trajectory_scores(_zoom([300.0, 1e308, 1e308]))
    assert scores[Primitive.ZOOM_IN] == pytest.approx(np.log(1e308 / 300.0))


def test_colmap_frame_numbers_out_of_name_order_fall_back_to_name_order(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _partial_model(tmp_path, [0, 1, 2], total=3)
    rec = pycolmap.Reconstruction(str(model / "clip"))
    for image in rec.images.values():  # last varying numbers 5, 3, 4 in name order
        image.name = ["a1_5.png", "a2_3.png", "a3_4.png"][image.image_id - 1]
    rec.write_text(str(model / "clip"))
    with caplog.at_level(logging.WARNING):
        traj = read_trajectory(model / "clip", "colmap")
    assert traj.timestamps.tolist() == [0.0, 1.0, 2.0]
    assert "clip: the frame numbers of the image names do not increase in name order" in caplog.text
