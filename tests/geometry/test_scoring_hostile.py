"""Hostile but valid-looking trajectories through scoring, captions, shots and the ``trajectory`` method.

Each test names what it guards: input that used to crash with a traceback or give numbers that
look like camera motion but are not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import importers, shots
from camerabench.baselines.geometry.describe import describe_trajectory, motion_strengths
from camerabench.baselines.geometry.scoring import decompose, trajectory_scores
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import c2w_to_pose_array, write_trajectory
from camerabench.video import write_video

MOVES = (
    Primitive.MOVE_IN,
    Primitive.MOVE_OUT,
    Primitive.MOVE_LEFT,
    Primitive.MOVE_RIGHT,
    Primitive.MOVE_UP,
    Primitive.MOVE_DOWN,
)


def pan(
    n: int = 20,
    deg: float = 30.0,
    centre: tuple[float, float, float] = (0.0, 0.0, 0.0),
    focal: Any = None,
    ts: Any = None,
    first: NDArray[np.float64] | None = None,
) -> Trajectory:
    """A pan right by ``deg`` about the camera's y axis, from rotation ``first`` (identity)."""
    rotvec = np.zeros((n, 3))
    rotvec[:, 1] = np.deg2rad(np.linspace(0.0, deg, n))
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = (np.eye(3) if first is None else first) @ Rotation.from_rotvec(rotvec).as_matrix()
    c2w[:, :3, 3] = centre
    k = None if focal is None else np.stack([np.diag([f, f, 1.0]) for f in np.broadcast_to(focal, (n,))])
    return Trajectory(c2w, k, np.arange(n) / 10.0 if ts is None else np.asarray(ts, dtype=np.float64))


def with_pose(traj: Trajectory, edit: Callable[[NDArray[np.float64]], None]) -> Trajectory:
    c2w = traj.cam_c2w.copy()
    edit(c2w)
    return Trajectory(c2w, traj.intrinsic, traj.timestamps, traj.meta)


def _reflect_frame_5(c: NDArray[np.float64]) -> None:
    c[5, :3, 0] *= -1


def _reflect_all(c: NDArray[np.float64]) -> None:
    c[:, :3, 0] *= -1


def _scale_rotation(c: NDArray[np.float64]) -> None:
    c[:, :3, :3] *= 2.0


def _bad_bottom_row(c: NDArray[np.float64]) -> None:
    c[:, 3, 2] = 1.0


NOT_A_CAMERA_PATH = {
    # name: (trajectory, what the error names)
    "one frame reflected (was a scipy ValueError)": (with_pose(pan(10), _reflect_frame_5), "frame 5.*reflection"),
    "every frame reflected (read as a pan left)": (with_pose(pan(10), _reflect_all), "frame 0.*reflection"),
    "scale folded into R (read as a pan)": (with_pose(pan(10), _scale_rotation), "not orthonormal"),
    "bottom row not 0 0 0 1": (with_pose(pan(10), _bad_bottom_row), "bottom row"),
    "timestamps decreasing": (pan(10, ts=np.arange(10)[::-1] / 10.0), "timestamp"),
    "timestamps repeated (caption said quickly)": (pan(10, ts=np.r_[0.0, 0, 0, 1 + np.arange(7) / 10]), "timestamp"),
    "timestamp NaN": (pan(10, ts=np.r_[np.nan, 1 + np.arange(9) / 10]), "timestamp is not finite"),
    "focal zero (non-finite scores, no reason given)": (pan(10, focal=0.0), "focal length is not positive"),
    "focal negative (read as no zoom)": (pan(10, focal=-300.0), "focal length is not positive"),
    "focal going to zero": (pan(10, focal=np.r_[[300.0] * 9, 0.0]), "frame 9: focal length is not positive"),
    "focal going to inf": (pan(10, focal=np.r_[[300.0] * 9, np.inf]), "intrinsics are not finite"),
    "focal NaN (caption ignored it)": (pan(10, focal=np.r_[300.0, np.nan, [300.0] * 8]), "frame 1: intrinsics"),
}

CONSUMERS: dict[str, Callable[[Trajectory], object]] = {
    "scores": trajectory_scores,
    "camerabench scores": lambda t: trajectory_scores(t, "camerabench"),
    "caption": describe_trajectory,
    "strengths": lambda t: motion_strengths(decompose(t)),
}


@pytest.mark.parametrize("consumer", list(CONSUMERS))
@pytest.mark.parametrize("case", list(NOT_A_CAMERA_PATH))
def test_a_trajectory_that_is_no_camera_path_is_refused_naming_the_frame(case: str, consumer: str) -> None:
    traj, reason = NOT_A_CAMERA_PATH[case]
    with pytest.raises(PredictionError, match=reason):
        CONSUMERS[consumer](traj)


def test_a_scene_depth_that_is_not_a_number_is_a_clear_error() -> None:
    traj = pan(5)
    traj.meta["scene_depth"] = "abc"  # was a bare ValueError from float()
    with pytest.raises(CameraBenchError, match="scene_depth='abc' must be a positive number"):
        trajectory_scores(traj)


def _float32_world_to_camera(traj: Trajectory) -> Trajectory:
    """``traj`` as a float32 world-to-camera file (MegaSaM / DROID-SLAM poses) would give it back."""
    w2c = np.linalg.inv(traj.cam_c2w).astype(np.float32).astype(np.float64)
    return Trajectory(np.linalg.inv(w2c).astype(np.float64), traj.intrinsic, traj.timestamps, dict(traj.meta))


def _assert_pure_pan(traj: Trajectory) -> None:
    scores = trajectory_scores(traj)
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.deg2rad(30.0), rel=1e-4)
    assert all(scores[p] == 0.0 for p in MOVES), {p.value: scores[p] for p in MOVES}
    caption = describe_trajectory(traj)
    assert caption.startswith("The camera pans right"), caption
    assert " while " not in caption, caption  # was "... while it trucks left quickly while it moves backward ..."


def test_a_float32_world_to_camera_pure_pan_is_not_a_move() -> None:
    # The camera centre, recomputed from float32 R and t, wanders by ~1e-6: divided by its own
    # path length that was a full-size move in every direction.
    traj = _float32_world_to_camera(pan(30, centre=(3.0, -2.0, 7.0), first=Rotation.random(random_state=1).as_matrix()))
    assert np.ptp(traj.positions, axis=0).max() > 1e-7  # the noise is there
    assert decompose(traj).translation_unit == "none"
    _assert_pure_pan(traj)


def test_a_pure_pan_with_sub_micrometre_jitter_is_not_a_move() -> None:
    rng = np.random.default_rng(0)
    traj = with_pose(pan(30), lambda c: c.__setitem__((slice(None), slice(0, 3), 3), 1e-9 * rng.normal(size=(30, 3))))
    _assert_pure_pan(traj)
    # A small but real, straight move is still a move (translation is scale-free without depth).
    dolly = np.tile(np.eye(4), (10, 1, 1))
    dolly[:, 2, 3] = np.linspace(0.0, 1e-4, 10)
    assert trajectory_scores(Trajectory(dolly, None, np.arange(10.0)))[Primitive.MOVE_IN] == pytest.approx(1.0)


def test_float32_noise_far_from_the_origin_is_not_a_move_even_with_a_scene_depth() -> None:
    # Georeferenced coordinates (UTM: ~5e6 m) in float32: the centre wanders by ~1 m while the
    # camera only pans; 1 m over a 10 m scene read as a move of a tenth of the scene.
    traj = _float32_world_to_camera(pan(30, centre=(5e5, 5e6, 30.0), first=Rotation.random(random_state=2).as_matrix()))
    traj.meta["scene_depth"] = 10.0
    assert np.ptp(traj.positions, axis=0).max() > 0.1
    _assert_pure_pan(traj)


def test_poses_npy_float32_pure_pan_through_the_trajectory_method(tmp_path: Path) -> None:
    traj = pan(30, centre=(3.0, -2.0, 7.0), first=Rotation.random(random_state=2).as_matrix())
    np.save(tmp_path / "clip.npy", c2w_to_pose_array(traj.cam_c2w, world_to_camera=True).astype(np.float32))
    read, _ = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="poses").trajectory(tmp_path / "clip.mp4")
    _assert_pure_pan(read)


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        (np.zeros((3, 20, 30), np.uint8), r"\(N, H, W, 3\) RGB, got shape \(3, 20, 30\)"),  # was cv2.error
        (np.zeros((3, 20, 30, 3), np.float64), "uint8 RGB"),  # was cv2.error
    ],
)
def test_detect_cuts_refuses_frames_it_cannot_read(frames: NDArray[Any], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        shots.detect_cuts(frames)


def test_detect_cuts_refuses_float_frames_instead_of_missing_cuts() -> None:
    pale = np.full((3, 20, 30, 3), (200, 150, 150), np.uint8)
    deep = np.full((3, 20, 30, 3), (200, 20, 20), np.uint8)  # same hue, other saturation
    clip = np.concatenate([pale, deep])
    assert shots.detect_cuts(clip) == [3]
    # As float32 in [0, 1] OpenCV's saturation is 0-1: all in one bin, and the cut was missed.
    with pytest.raises(ValueError, match="uint8 RGB"):
        shots.detect_cuts(clip.astype(np.float32) / 255)


@pytest.mark.parametrize("cuts", [[8, 3], [12], [-2]])
def test_longest_shot_refuses_cuts_that_are_not_frame_boundaries(cuts: list[int]) -> None:
    # Of 10 frames, [8, 3] gave the shot (0, 8) across a cut, [12] gave (0, 12) and [-2] gave
    # (-2, 10): shots past the frames.
    with pytest.raises(ValueError, match=r"increasing frame indices in 1\.\.9"):
        shots.longest_shot(cuts, 10)


@pytest.fixture
def video_of(tmp_path: Path) -> Callable[[float], Path]:
    """Factory: ``clip.mp4``, grey 32x32 frames at 10 fps lasting ``duration`` seconds."""

    def make(duration: float) -> Path:
        video = tmp_path / "clip.mp4"
        write_video(video, np.full((round(duration * 10), 32, 32, 3), 128, np.uint8), fps=10.0)
        return video

    return make


@pytest.mark.parametrize(
    "timestamps",
    [
        1.4e18 + np.arange(30) * 5e9 / 30,  # nanoseconds (EuRoC / ROS), 30 poses over 5 s
        np.arange(30) * 5.0,  # frame indices of a 6 fps sampling written as TUM timestamps
    ],
    ids=["nanoseconds", "frame-indices"],
)
def test_tum_timestamps_that_are_not_seconds_are_fitted_to_the_video(
    video_of: Callable[[float], Path], tmp_path: Path, timestamps: NDArray[np.float64], caplog: pytest.LogCaptureFixture
) -> None:
    video = video_of(5.0)
    write_trajectory(tmp_path / "clip.txt", pan(30, deg=60.0, ts=timestamps), "tum")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    with caplog.at_level(logging.WARNING):
        traj, _ = pred.trajectory(video)
    assert "not seconds of this video" in caplog.text
    np.testing.assert_allclose(traj.timestamps, np.arange(30) * 5.0 / 30, atol=1e-6)
    # 60 deg in 5 s is a fast pan; as seconds the timestamps made it a 145 s (or 4.6e10 s) slow one.
    assert pred.caption(video, "Describe the camera movement.") == (
        "The camera pans right quickly (the zoom is not known: the trajectory has no intrinsics)."
    )
    # Seconds are kept as they are, an epoch offset included.
    seconds = tmp_path / "seconds"
    seconds.mkdir()
    write_trajectory(seconds / "clip.txt", pan(50, ts=1.7e9 + np.arange(50) / 10.0), "tum")
    kept, _ = importers.TrajectoryPredictor(traj_dir=str(seconds), format="tum").trajectory(video)
    np.testing.assert_array_equal(kept.timestamps, 1.7e9 + np.arange(50) / 10.0)


def test_a_trajectory_covering_part_of_the_video_is_scored_with_a_warning(
    video_of: Callable[[float], Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    video = video_of(10.0)
    write_trajectory(tmp_path / "clip.txt", pan(10, ts=np.arange(10) / 10.0), "tum")
    with caplog.at_level(logging.WARNING):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    assert "span 0.9 s of the 10 s video" in caplog.text


def test_sample_fps_that_runs_past_the_video_is_an_error(video_of: Callable[[float], Path], tmp_path: Path) -> None:
    video = video_of(5.0)
    write_trajectory(tmp_path / "clip.txt", pan(50), "kitti")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti", sample_fps=2.0)
    reason = r"clip\.txt: 50 poses at sample_fps 2 span 24\.5 s but clip\.mp4 lasts 5 s"
    with pytest.raises(PredictionError, match=reason):
        pred.trajectory(video)
    ok = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="kitti", sample_fps=10.0)
    assert ok.trajectory(video)[0].timestamps[-1] == pytest.approx(4.9)
