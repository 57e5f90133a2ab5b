"""``fast`` on blank frames inside a clip (a flash, a black or dropped frame).

Grey footage (black-and-white film, night vision, a surveillance camera), where no colour
cue sees a cut. Before: flow into a blank frame is zero, so the frame after a textured one was read as a still
camera and given the previous frame's pose (a pan that stops for one frame and jumps on); a
white frame failed the whole clip ("only 0 feature matches and 0 dense-flow points"). Now the
frame is skipped: the frames on either side are related across it and it has no pose.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_BLANK_FRAMES
from camerabench.video import write_video

PAN = [Question(Primitive.PAN_RIGHT.question, Primitive.PAN_RIGHT)]
FPS = 5.0


@pytest.fixture
def pan_frames(rotation_clip: Callable[..., NDArray[np.uint8]]) -> NDArray[np.uint8]:
    """12 frames of a pan right by 0.3 rad (tests/geometry/conftest.py), in grey: in colour
    footage the colour cue of the cut detector reads a black or white frame as two cuts, and
    the longest shot is estimated (``tests/geometry/test_geometry_hostile6.py``)."""
    colour = rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)
    grey = colour.mean(axis=3, keepdims=True).round().astype(np.uint8)
    return np.ascontiguousarray(np.repeat(grey, 3, axis=3))


def _yaw_deg(c2w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Turn about the camera's vertical axis of each pose, relative to the first."""
    rel = np.einsum("ij,njk->nik", c2w[0, :3, :3].T, c2w[:, :3, :3])
    return np.asarray(np.rad2deg(Rotation.from_matrix(rel).as_rotvec()[:, 1]))


@pytest.mark.parametrize("level", [0, 255, 128])
def test_a_blank_frame_inside_a_pan_is_skipped_not_given_a_still_pose(
    tmp_path: Path, pan_frames: NDArray[np.uint8], level: int
) -> None:
    frames = pan_frames.copy()
    frames[6] = level  # black, white or uniform grey
    video = tmp_path / "flash.mp4"
    write_video(video, frames, fps=FPS)
    result = fast.FastPredictor().predict(video, PAN)
    traj = result.trajectory
    assert traj is not None
    assert result.info["blank_frames_skipped"] == {"start": 0, "end": 0, "inside": 1}
    assert traj.meta[META_BLANK_FRAMES] == [pytest.approx(6 / FPS)]
    visible = [i for i in range(12) if i != 6]
    assert traj.timestamps == pytest.approx(np.array(visible) / FPS)
    # the pan goes on across the gap: the poses on either side are two steps of the pan apart
    # (the old code gave frame 6 frame 5's pose), and every step turns the same way
    yaw = _yaw_deg(traj.cam_c2w)
    steps = np.diff(yaw)
    assert np.all(np.sign(steps) == np.sign(steps[0]))
    one_step = np.median(np.abs(steps[[0, 1, 2, 3, 4, 6, 7, 8, 9]]))
    assert abs(steps[5]) == pytest.approx(2 * one_step, rel=0.25)
    # the same pan as without the blank frame
    plain = tmp_path / "plain.mp4"
    write_video(plain, pan_frames, fps=FPS)
    reference = fast.FastPredictor().predict(plain, PAN)
    assert reference.trajectory is not None
    assert yaw == pytest.approx(np.delete(_yaw_deg(reference.trajectory.cam_c2w), 6), abs=0.1 * abs(yaw[-1]))
    assert result.scores[PAN[0].text] == pytest.approx(reference.scores[PAN[0].text], rel=0.2)


def test_two_blank_frames_in_a_row_are_both_skipped(pan_frames: NDArray[np.uint8]) -> None:
    frames = pan_frames.copy()
    frames[4:6] = 0
    times = np.arange(12) / FPS
    traj, pairs = fast.estimate_trajectory(frames, times)
    assert traj.timestamps == pytest.approx(np.delete(times, [4, 5]))
    assert traj.meta[META_BLANK_FRAMES] == pytest.approx([0.8, 1.0])
    assert not {4, 5} & {b for _, b, _ in pairs}


def test_a_blank_last_frame_given_to_estimate_trajectory_ends_the_chain(pan_frames: NDArray[np.uint8]) -> None:
    # the predictor trims blank ends; called directly, the chain must still stop (not loop)
    frames = pan_frames[:6].copy()
    frames[5] = 0
    traj, _ = fast.estimate_trajectory(frames, np.arange(6) / FPS)
    assert len(traj) == 5
    assert traj.meta[META_BLANK_FRAMES] == [pytest.approx(1.0)]


def test_a_blank_first_frame_given_to_estimate_trajectory_is_named(pan_frames: NDArray[np.uint8]) -> None:
    frames = pan_frames[:6].copy()
    frames[0] = 0
    with pytest.raises(PredictionError, match=r"frames 0-1 .*frame 0 is blank"):
        fast.estimate_trajectory(frames, np.arange(6) / FPS)


def test_frames_that_do_not_relate_across_a_blank_frame_fail_with_the_reason(
    rotation_clip: Callable[..., NDArray[np.uint8]], pan_frames: NDArray[np.uint8]
) -> None:
    # a blank frame between two unrelated pictures (a cut through black): nothing bridges it
    other = rotation_clip(Primitive.TILT_UP, 0.3, n=12)[::-1, ::-1]
    frames = np.r_[pan_frames[:4], np.zeros_like(pan_frames[:1]), np.ascontiguousarray(other[:4])]
    with pytest.raises(PredictionError, match=r"frames 3-5"):
        fast.estimate_trajectory(frames, np.arange(9) / FPS)


# --- colour footage: the cut detector reads a flash as two cuts --------------------------------


def test_a_flash_in_colour_footage_is_no_cut(tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]]) -> None:
    # before: cuts at 1.2 s and 1.4 s, and only the longest "shot" (0-1.0 s) was estimated
    frames = rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)
    frames[6] = 255
    video = tmp_path / "flash.mp4"
    write_video(video, frames, fps=FPS)
    result = fast.FastPredictor().predict(video, PAN)
    traj = result.trajectory
    assert traj is not None
    assert "cuts_s" not in result.info
    assert result.info["blank_frames_skipped"]["inside"] == 1
    assert traj.timestamps == pytest.approx(np.delete(np.arange(12), 6) / FPS)
    yaw = _yaw_deg(traj.cam_c2w)
    assert np.all(np.sign(np.diff(yaw)) == np.sign(yaw[-1]))


def test_a_cut_through_a_black_frame_stays_a_cut(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]]
) -> None:
    # two shots of other colours on either side of the black frame: a cut, the longest shot estimated
    first = rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)
    second = np.ascontiguousarray(255 - first[:5, :, :, ::-1])  # other hues
    frames = np.r_[first[:6], np.zeros_like(first[:1]), second]
    video = tmp_path / "cut.mp4"
    write_video(video, frames, fps=FPS)
    result = fast.FastPredictor().predict(video, PAN)
    assert result.info["cuts_s"] == [pytest.approx(1.2), pytest.approx(1.4)]
    assert result.info["shot_s"] == [pytest.approx(0.0), pytest.approx(1.0)]


def test_a_flash_between_frames_that_do_not_relate_falls_back_to_the_longest_shot(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]], caplog: pytest.LogCaptureFixture
) -> None:
    # the same colours after the flash (the picture mirrored: no camera motion gives that) but
    # nothing that relates
    frames = rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)
    frames[6] = 255
    frames[7:] = frames[7:, :, ::-1]
    video = tmp_path / "flip.mp4"
    write_video(video, frames, fps=FPS)
    with caplog.at_level("WARNING"):
        result = fast.FastPredictor().predict(video, PAN)
    assert "taken for cuts instead" in caplog.text
    assert result.info["cuts_s"] == [pytest.approx(1.2), pytest.approx(1.4)]
    assert result.info["shot_s"] == [pytest.approx(0.0), pytest.approx(1.0)]


def test_colmap_leaves_out_a_fade_in_and_a_flash(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]], pan_frames: NDArray[np.uint8]
) -> None:
    from camerabench.baselines.geometry.colmap import ColmapPredictor

    questions = [Question(p.question, p) for p in (Primitive.PAN_RIGHT, Primitive.PAN_LEFT, Primitive.STATIC)]
    colmap = ColmapPredictor(sample_fps=FPS, deterministic=True)
    # grey footage opening on black: no colour cut to see, so the black frames went to COLMAP,
    # which found nothing in them (they counted against the registered share)
    video = tmp_path / "fade.mp4"
    write_video(video, np.r_[np.zeros_like(pan_frames[:3]), pan_frames], fps=FPS)
    result = colmap.predict(video, questions)
    assert result.info["blank_frames_skipped"] == {"start": 3, "end": 0, "inside": 0}
    assert result.trajectory is not None
    assert result.trajectory.timestamps[0] == pytest.approx(3 / FPS)
    assert result.scores[Primitive.PAN_RIGHT.question] > result.scores[Primitive.PAN_LEFT.question]
    # a flash in colour footage: read as two cuts, only the longest "shot" was reconstructed
    pan = rotation_clip(Primitive.PAN_RIGHT, 0.3, n=12)
    pan[7] = 255
    video = tmp_path / "flash.mp4"
    write_video(video, pan, fps=FPS)
    result = colmap.predict(video, questions)
    assert result.info["blank_frames_skipped"] == {"start": 0, "end": 0, "inside": 1}
    assert "cuts_s" not in result.info
    assert result.trajectory is not None
    assert result.trajectory.timestamps == pytest.approx(np.delete(np.arange(12), 7) / FPS)
    assert result.scores[Primitive.PAN_RIGHT.question] > result.scores[Primitive.PAN_LEFT.question]
