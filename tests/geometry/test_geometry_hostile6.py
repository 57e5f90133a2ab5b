"""Hostile input, sixth sweep: ``fast`` on clips that open or close on black, grey footage, frames
too small for features, timestamps without a time step; pose interpolation and pinhole
intrinsics given what they cannot work with; trajectories of complex numbers or of timestamps
whose span overflows.

Cases of ``test_scoring_hostile*.py``, ``test_fast.py``, ``tests/core/test_trajectory*.py`` and
``tests/reliability/test_hostile_*`` are not repeated. Each test names what happened before.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast, shots
from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory, focal_from_fov, interpolate_poses, intrinsic_from_fov
from camerabench.video import write_video

PAN = [Question(Primitive.PAN_RIGHT.question, Primitive.PAN_RIGHT)]


@pytest.fixture
def pan_frames(rotation_clip: Callable[..., NDArray[np.uint8]]) -> NDArray[np.uint8]:
    """12 frames of a pan right by 0.3 rad (tests/geometry/conftest.py)."""
    return rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)


# --- pose interpolation -------------------------------------------------------------------------

TWO = np.tile(np.eye(4), (2, 1, 1))
TWO[1, 0, 3] = 1.0


@pytest.mark.parametrize(
    ("times", "poses", "query", "intrinsic", "reason"),
    [
        # was a RuntimeWarning and NaN poses (0 / 0 over a zero time step)
        ([0.0, 0.0], TWO, [0.0, 0.5], None, r"strictly increasing: time 1 is 0 after 0 \(two poses at one time"),
        ([1.0, 0.0], TWO, [0.5], None, r"strictly increasing: time 1 is 0 after 1"),  # scipy's message
        ([0.0, np.nan], TWO, [0.5], None, r"known time 1 is not finite"),  # "zero norm quaternions"
        ([0.0, 1.0], TWO, [np.nan], None, r"query time 0 is not finite"),
        ([0.0, 1.0, 2.0], TWO, [0.5], None, r"cam_c2w must be \(3, 4, 4\) for 3 times"),  # was silently used
        ([], TWO[:0], [0.5], None, r"non-empty"),  # was an IndexError
        ([0.0, 1.0], TWO, [0.5], np.stack([np.eye(3), -np.eye(3)]), r"known frame 1: focal length -1"),  # NaN K
        ([0.0, 1.0], TWO, [0.5], np.eye(3), r"intrinsic must be \(2, 3, 3\)"),
    ],
)
def test_interpolation_refuses_what_it_cannot_interpolate_between(
    times: list[float], poses: NDArray[np.float64], query: list[float], intrinsic: Any, reason: str
) -> None:
    with warnings.catch_warnings(), pytest.raises(ValueError, match=reason):
        warnings.simplefilter("error")
        interpolate_poses(times, poses, query, intrinsic)


def test_interpolation_still_interpolates_and_clamps() -> None:
    poses, ks = interpolate_poses([0.0, 2.0], TWO, [0.5, -1.0, 5.0], np.stack([np.eye(3), 4 * np.eye(3)]))
    assert poses[:, 0, 3].tolist() == [0.25, 0.0, 1.0]
    assert ks is not None and ks[:, 0, 0] == pytest.approx([4**0.25, 1.0, 4.0])


# --- pinhole intrinsics from a field of view ------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "fov", "reason"),
    [
        (320, 0.0, "between 0 and 180"),  # was a ZeroDivisionError
        (320, 180.0, "between 0 and 180"),  # was a focal length of 1e-14 px
        (320, -60.0, "between 0 and 180"),  # was a negative focal length
        (320, float("nan"), "between 0 and 180"),  # was a NaN focal length
        (0, 60.0, "width must be positive"),  # was a focal length of 0
    ],
)
def test_a_field_of_view_no_pinhole_has_is_refused(width: int, fov: float, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        focal_from_fov(width, fov)
    with pytest.raises(ValueError, match=reason):
        intrinsic_from_fov(width, width // 2, fov)


# --- trajectories -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["cam_c2w", "timestamps", "intrinsic"])
def test_complex_numbers_are_refused_not_truncated_to_their_real_part(field: str) -> None:
    # was a ComplexWarning only, and the imaginary part dropped
    args: dict[str, Any] = {"cam_c2w": np.tile(np.eye(4), (3, 1, 1)), "intrinsic": None, "timestamps": np.arange(3.0)}
    args[field] = (np.eye(3) if field == "intrinsic" else args[field]).astype(complex)
    with warnings.catch_warnings(), pytest.raises(ValueError, match=f"{field} must be real numbers, got dtype complex"):
        warnings.simplefilter("error")
        Trajectory(**args)


@pytest.mark.parametrize("consumer", [trajectory_scores, describe_trajectory])
def test_timestamps_whose_span_overflows_are_refused_naming_the_frame(consumer: Callable[..., Any]) -> None:
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[:, 0, 3] = [0.0, 1.0, 2.0]
    traj = Trajectory(c2w, None, np.array([-1e308, 0.0, 1e308]), meta={"scene_depth": 1.0})
    # the caption was an overflow warning and a duration of inf: "trucks right slowly"
    with (
        warnings.catch_warnings(),
        pytest.raises(PredictionError, match=r"frame 0: timestamps run from -1e\+308 to 1e\+308 s"),
    ):
        warnings.simplefilter("error")
        consumer(traj)


# --- fast: arguments of estimate_trajectory ---------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda t: np.r_[t[:5], t[4], t[6:]], r"frame 5 at 0.8 s follows frame 4 at 0.8 s \(two frames at one time"),
        (lambda t: np.r_[t[:5], t[3], t[6:]], r"frame 5 at 0.6 s follows frame 4 at 0.8 s$"),
        (lambda t: np.r_[np.nan, t[1:]], r"timestamp of frame 0 is not finite"),
        (lambda t: t[:-1], r"timestamps must be 12 real numbers"),
    ],
)
def test_fast_refuses_timestamps_without_a_time_step(
    pan_frames: NDArray[np.uint8], edit: Callable[[NDArray[np.float64]], NDArray[np.float64]], reason: str
) -> None:
    # each gave a trajectory that scoring refused later without the reason (or NaN poses where
    # a keyframe segment was interpolated over a zero time step)
    with pytest.raises(CameraBenchError, match=reason):
        fast.estimate_trajectory(pan_frames, edit(np.arange(12) / 5.0))


@pytest.mark.parametrize("size", [(8, 8), (16, 4000)])
def test_frames_too_small_for_features_are_a_recorded_failure(size: tuple[int, int]) -> None:
    height, width = size
    frames = np.random.default_rng(0).integers(0, 255, (4, height, width, 3)).astype(np.uint8)
    # 8x8 was a raw cv2.error from DIS flow; 16x4000 a trajectory from 2 rows of dense flow
    with pytest.raises(PredictionError, match=rf"frames of {width}x{height} px: .* at least 32 px"):
        fast.estimate_trajectory(frames, np.arange(4) / 5.0)


@pytest.mark.parametrize(
    ("frames", "reason"),
    [
        (np.zeros((4, 64, 64, 3), np.float32), r"uint8 RGB, got shape \(4, 64, 64, 3\) dtype float32"),
        (np.zeros((4, 64, 64), np.uint8), r"uint8 RGB, got shape \(4, 64, 64\)"),
        (np.zeros((1, 64, 64, 3), np.uint8), r"1 frame\(s\) given; relating frames needs two"),
    ],
)
def test_fast_refuses_arrays_that_are_no_clip(frames: NDArray[Any], reason: str) -> None:
    with pytest.raises(CameraBenchError, match=reason):
        fast.estimate_trajectory(frames, np.arange(len(frames)) / 5.0)


# --- fast: blank frames at the ends -----------------------------------------------------------


def test_blank_frames_are_those_without_structure(pan_frames: NDArray[np.uint8]) -> None:
    grey = cv2.cvtColor(pan_frames[0], cv2.COLOR_RGB2GRAY)
    assert not fast.blank_frame(grey)
    assert fast.blank_frame(np.zeros_like(grey)) and fast.blank_frame(np.full_like(grey, 255))
    noise = np.clip(128 + np.random.default_rng(0).normal(0, 3, grey.shape), 0, 255).astype(np.uint8)
    assert fast.blank_frame(noise)  # sensor noise is no structure
    frames = [np.zeros_like(grey)] * 2 + [grey] * 3 + [np.full_like(grey, 255)]
    assert fast.blank_ends(frames) == (2, 1)
    assert fast.blank_ends([np.zeros_like(grey)] * 3) == (3, 0)


@pytest.mark.parametrize("where", ["start", "end"])
def test_a_black_stretch_longer_than_the_picture_is_skipped_not_estimated(
    tmp_path: Path, pan_frames: NDArray[np.uint8], where: str
) -> None:
    # 7 black frames and 5 of a pan: the black stretch was the longest "shot", and the video
    # failed with "frames 0-1: only 0 feature matches" although the picture pans
    black = np.zeros_like(pan_frames[:7])
    frames = np.r_[black, pan_frames[7:]] if where == "start" else np.r_[pan_frames[:5], black]
    video = tmp_path / "clip.mp4"
    write_video(video, frames, fps=5.0)
    result = fast.FastPredictor().predict(video, PAN)
    assert result.info["blank_frames_skipped"] == {
        "start": 7 if where == "start" else 0,
        "end": 0 if where == "start" else 7,
        "inside": 0,
    }
    assert result.info["frames"] == 12
    traj = result.trajectory
    assert traj is not None and len(traj) == 5
    visible = np.arange(12)[7:] if where == "start" else np.arange(12)[:5]
    assert traj.timestamps == pytest.approx(visible / 5.0)
    # the pan over those 5 frames: 4 of the 11 steps of 0.3 rad (the focal length is guessed)
    assert 0.3 * 4 / 11 * 0.5 < result.scores[PAN[0].text] < 0.3 * 4 / 11 * 2


def test_an_all_black_video_says_every_frame_is_blank(tmp_path: Path) -> None:
    video = tmp_path / "black.mp4"
    write_video(video, np.zeros((6, 96, 160, 3), np.uint8), fps=5.0)
    with pytest.raises(PredictionError, match=r"black\.mp4: every one of the 6 sampled frames is blank"):
        fast.FastPredictor().predict(video, PAN)


def test_a_single_picture_between_black_needs_two_frames(tmp_path: Path, pan_frames: NDArray[np.uint8]) -> None:
    video = tmp_path / "flash.mp4"
    black = np.zeros_like(pan_frames[:3])
    write_video(video, np.r_[black, pan_frames[5:6], black], fps=5.0)
    with pytest.raises(PredictionError, match=r"flash\.mp4: only 1 of the 7 sampled frames is not blank"):
        fast.FastPredictor().predict(video, PAN)


# --- fast: frame pairs without colour ---------------------------------------------------------


def _lowest_saturation_share(frame: NDArray[np.uint8]) -> float:
    """Independent reference: the share of pixels in the first saturation bin of OpenCV's histogram."""
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    bins = shots.histogram_bins(*frame.shape[:2])
    hist = cv2.calcHist([hsv], [0, 1], None, list(bins), [0, 180, 0, 256])
    return float(hist[:, 0].sum() / hist.sum())


@pytest.mark.parametrize("size", [(192, 320), (48, 64), (37, 51)])
def test_colourless_pairs_use_the_cut_detectors_lowest_saturation_bin(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    frames = []
    for share in (0.0, 0.94, 0.95, 0.96, 1.0, 1.0, 0.5, 1.0, 0.99):  # share of pixels at low saturation
        frame = rng.integers(0, 255, (*size, 3)).astype(np.uint8)
        frame[..., 0] = 255  # strongly saturated ...
        frame[..., 1] = frame[..., 2] = 0
        low = rng.random(size) < share  # ... except these, greyish with saturation around the bin edge
        grey = rng.integers(100, 200, size)
        tint = rng.integers(0, 14, size)  # saturation up to ~35 of 255: either side of the first bin's edge
        frame[low] = np.stack([grey + tint, grey, grey], axis=-1)[low].clip(0, 255).astype(np.uint8)
        frames.append(frame)
    clip = np.stack(frames)
    grey_ref = np.array([_lowest_saturation_share(f) >= shots.COLOURLESS_SHARE for f in clip])
    expected = int(np.count_nonzero(grey_ref[1:] & grey_ref[:-1]))
    assert fast.colourless_pairs(clip) == expected
    assert fast.colourless_pairs(clip[:1]) == 0


def test_grey_footage_counts_its_colourless_pairs_in_run_info(tmp_path: Path, pan_frames: NDArray[np.uint8]) -> None:
    grey = np.stack([cv2.cvtColor(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB) for f in pan_frames[:5]])
    write_video(tmp_path / "grey.mp4", grey, fps=5.0)
    assert fast.FastPredictor().predict(tmp_path / "grey.mp4", PAN).info["colourless_pairs"] == 4
    assert fast.colourless_pairs(pan_frames[:5]) == 0
