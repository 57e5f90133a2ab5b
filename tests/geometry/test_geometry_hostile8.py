"""Hostile inputs to the geometric methods, eighth round: repeated texture, frames of another dtype,
trajectories of a one-frame video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.overlay import detect_bars, static_mask
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.errors import PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import write_trajectory
from camerabench.video import write_video

#: A checkerboard of 20 px squares seen by a 240x144 camera panning right 10 px a frame.
SQUARE_PX, STEP_PX, WIDTH, HEIGHT = 20, 10, 240, 144


def checker_pan(n: int = 5, step: int = STEP_PX) -> NDArray[np.uint8]:
    y, x = np.mgrid[0:HEIGHT, 0 : WIDTH + step * n]
    board = (((x // SQUARE_PX) + (y // SQUARE_PX)) % 2 * 200 + 30).astype(np.uint8)
    return np.stack([np.repeat(board[:, step * i : step * i + WIDTH, None], 3, axis=2) for i in range(n)])


def test_a_checkerboard_shifted_by_half_its_period_is_no_half_turn() -> None:
    # Two frames 20 px apart show the board with its colours inverted: SIFT matched its corners so
    # that the only translating pose turned the camera by 180 deg to look at the board from behind
    # (rays 120-180 deg apart). It was taken: a 20 px pan read as a half-turn with a forward move.
    frames = checker_pan(3)
    k = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
    kp_a, desc_a = fast._features(frames[0, ..., 0], 1000, None)
    kp_b, desc_b = fast._features(frames[2, ..., 0], 1000, None)
    idx = fast._match(desc_a, desc_b)
    with pytest.raises(PredictionError, match=r"frames 0-2: .*from opposite sides \(rays 1\d\d deg apart"):
        fast.estimate_pair(
            kp_a[idx[:, 0]].astype(np.float64), kp_b[idx[:, 1]].astype(np.float64), k, label="frames 0-2"
        )


@pytest.mark.parametrize("dtype", [np.float64, np.uint16, np.int64, np.bool_])
def test_overlay_detection_refuses_frames_that_are_no_grey_levels(dtype: type) -> None:
    # A float clip (0-1, as scikit-image gives) was cast to uint8: all black, so a letterbox bar
    # was not found (a uniform picture is no bar); 16-bit levels wrapped modulo 256.
    rng = np.random.default_rng(0)
    frames = rng.random((4, 60, 80))
    frames[:, :8] = 0
    assert detect_bars((frames * 255).astype(np.uint8))["top"] == 8  # the same clip in grey levels
    with pytest.raises(ValueError, match=f"frames must be uint8 \\(grey levels 0-255\\), got dtype {np.dtype(dtype)}"):
        detect_bars(frames.astype(dtype))
    with pytest.raises(ValueError, match="must be uint8"):
        static_mask(np.repeat(frames.astype(dtype)[..., None], 3, axis=3))


def test_overlay_detection_names_frames_of_different_sizes() -> None:
    # numpy's "setting an array element with a sequence ... inhomogeneous shape" before
    frames = [np.zeros((64, 96), np.uint8), np.zeros((32, 96), np.uint8)]
    with pytest.raises(ValueError, match=r"frames must all have one size, got shapes \(32, 96\), \(64, 96\)"):
        static_mask(frames * 3)
    with pytest.raises(ValueError, match="one size"):
        detect_bars(frames)


def test_overlay_detection_still_takes_rgb_and_rgba_lists() -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (4, 40, 50, 3), dtype=np.uint8)
    rgb[:, :5] = 0
    expected = {"top": 5, "bottom": 0, "left": 0, "right": 0}
    assert detect_bars(list(rgb)) == expected
    assert detect_bars(np.concatenate([rgb, rgb[..., :1]], axis=3)) == expected
    with pytest.raises(ValueError, match=r"\(N, H, W\) grey or \(N, H, W, 3\) RGB"):
        detect_bars(rgb[..., :2])


def test_a_checkerboard_pan_video_is_a_pan_right_not_a_half_turn(tmp_path: Path) -> None:
    # 5 px a frame at 10 fps: fast samples 5 frames a second, 10 px apart (frames 0 and 2 are 20 px,
    # half the board's period, apart). Before: pan left 180 deg, move right and move in 0.99.
    path = tmp_path / "checker.mp4"
    write_video(path, checker_pan(10, step=5), fps=10.0)
    traj, info = fast.FastPredictor().estimate(path)
    assert info["rotation_only"] is True
    scores = trajectory_scores(traj)
    # 45 px over the clip at a focal length of 208 px; the pair that cannot be related ends its
    # keyframe segment a frame earlier and the pan is chained from the frames between
    focal = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)[0, 0]
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(45 / focal, rel=0.1)
    assert scores[Primitive.PAN_LEFT] < 0.01
    assert np.abs(traj.positions).max() == 0.0  # no translation


def _pan_poses(n: int) -> Trajectory:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("Y", np.linspace(0.0, 30.0, n)[:, None], degrees=True).as_matrix()
    k = np.tile(np.array([[300.0, 0, 16], [0, 300.0, 16], [0, 0, 1]]), (n, 1, 1))
    return Trajectory(c2w, k, np.arange(n) / 10.0)


def _one_frame_video(tmp_path: Path) -> Path:
    path = tmp_path / "one.mp4"
    write_video(path, np.random.default_rng(0).integers(0, 255, (1, 32, 32, 3), dtype=np.uint8), fps=10.0)
    return path


def test_poses_without_timestamps_are_not_spread_over_a_one_frame_video(tmp_path: Path) -> None:
    # Before: 5 poses spread over the frame's 0.1 s, a 30 deg pan in 0.08 s ("pans right quickly").
    video = _one_frame_video(tmp_path)
    write_trajectory(tmp_path / "one.npy", _pan_poses(5), "poses")
    pred = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses")
    with pytest.raises(PredictionError, match=r"one\.mp4: the video decodes 1 frame: .*give sample_fps"):
        pred.trajectory(video)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="poses", sample_fps=2.0).trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(5) / 2.0)  # the rate given, unchecked


def test_timestamps_are_not_squeezed_into_a_one_frame_video(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Before: the 0.4 s of timestamps were taken for frame indices and squeezed into 0.08 s.
    video = _one_frame_video(tmp_path)
    write_trajectory(tmp_path / "one.npz", _pan_poses(5), "megasam")
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="megasam").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(5) / 10.0)
    assert "time span not checked" in caplog.text and "decodes 1 frame" in caplog.text
