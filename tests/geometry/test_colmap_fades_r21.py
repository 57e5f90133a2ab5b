"""``colmap`` on a fade and a dip to black (red team R21).

Before: the dark frames of a fade are not blank (their structure is above their noise), so the
blank-end trim kept them, COLMAP verified no match across them and the whole clip failed ("COLMAP
verified only 0 matches between frames 0 and 1 ... a black or uniform frame, a cut, or motion too
fast"), where ``fast`` scored it. Now frames below ``DIM_CONTRAST`` of the clip's contrast are
left out (at the ends: trimmed; inside: bridged, or split there when the frames either side do not
relate), and a failure names them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.colmap import DIM_CONTRAST, ColmapPredictor
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.taxonomy import Primitive
from camerabench.video import write_video

FPS = 10.0
QUESTIONS = [Question(p.question, p) for p in (Primitive.PAN_RIGHT, Primitive.PAN_LEFT, Primitive.STATIC)]


def _faded(frames: NDArray[np.uint8], gains: NDArray[np.float64]) -> NDArray[np.uint8]:
    return np.clip(frames.astype(np.float64) * gains[:, None, None, None], 0, 255).astype(np.uint8)


def _turn_deg(c2w: NDArray[np.float64]) -> float:
    rel = np.einsum("ij,njk->nik", c2w[0, :3, :3].T, c2w[:, :3, :3])
    return float(np.rad2deg(np.linalg.norm(Rotation.from_matrix(rel).as_rotvec(), axis=1)).max())


def test_a_fade_in_and_out_over_a_pan_is_trimmed_not_failed(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]]
) -> None:
    n = 24
    pan = rotation_clip(Primitive.PAN_RIGHT, 0.4, n=n, size=(160, 120))
    # 0 -> 1 over the first 8 frames and back to 0 over the last 8: the gain is what scales contrast
    gains = np.minimum(1.0, np.minimum(np.arange(n), n - 1 - np.arange(n)) / 8)
    video = tmp_path / "fade.mp4"
    write_video(video, _faded(pan, gains), fps=FPS)
    result = ColmapPredictor(sample_fps=FPS).predict(video, QUESTIONS)
    traj = result.trajectory
    assert traj is not None
    # the frames whose gain is under DIM_CONTRAST (the clip's own contrast is that of gain 1) are
    # left out; black ones count as blank, the others as dim
    dark = gains < DIM_CONTRAST
    skipped = result.info["dim_frames_skipped"]["start"] + result.info["blank_frames_skipped"]["start"]
    assert skipped == int(np.argmin(dark))
    assert result.info["dim_frames_skipped"]["start"] > 0 and result.info["dim_frames_skipped"]["end"] > 0
    assert traj.timestamps[0] >= np.argmin(dark) / FPS - 1e-6
    assert traj.timestamps[-1] <= (n - 1 - np.argmin(dark[::-1])) / FPS + 1e-6
    assert result.scores[Primitive.PAN_RIGHT.question] > result.scores[Primitive.PAN_LEFT.question]


def _dip(n: int) -> NDArray[np.float64]:
    """Gain of a dip to black: 1, down to 0 over 5 frames, black for 4, up over 5, 1."""
    return np.r_[np.ones(6), np.linspace(0.8, 0.0, 5), np.zeros(4), np.linspace(0.0, 0.8, 5), np.ones(n - 20)]


def test_a_dip_to_black_on_a_still_camera_is_bridged(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]]
) -> None:
    still = np.repeat(rotation_clip(Primitive.PAN_RIGHT, 0.3, n=2, size=(160, 120))[:1], 26, axis=0)
    gains = _dip(26)
    video = tmp_path / "dip.mp4"
    write_video(video, _faded(still, gains), fps=FPS)
    result = ColmapPredictor(sample_fps=FPS).predict(video, QUESTIONS)
    traj = result.trajectory
    assert traj is not None
    left_out = result.info["dim_frames_skipped"]["inside"] + result.info["blank_frames_skipped"]["inside"]
    assert left_out == int((gains < DIM_CONTRAST).sum())
    assert "cuts_s" not in result.info and "split_at_dim_frames_s" not in result.info
    assert traj.timestamps == pytest.approx(np.flatnonzero(gains >= DIM_CONTRAST) / FPS)
    assert _turn_deg(traj.cam_c2w) < 0.5  # still on both sides of the dip


def test_a_dip_that_nothing_bridges_splits_there_and_a_failure_names_the_dim_frames(
    tmp_path: Path, rotation_clip: Callable[..., NDArray[np.uint8]]
) -> None:
    # after the dip the picture is mirrored: the same colours (no cut), nothing that COLMAP matches
    n = 30
    pan = rotation_clip(Primitive.PAN_RIGHT, 0.4, n=n, size=(160, 120))
    pan[15:] = pan[15:, :, ::-1]
    gains = _dip(n)
    video = tmp_path / "dip_flip.mp4"
    write_video(video, _faded(pan, gains), fps=FPS)
    result = ColmapPredictor(sample_fps=FPS).predict(video, QUESTIONS)
    traj = result.trajectory
    assert traj is not None
    first_after = int(np.flatnonzero((gains >= DIM_CONTRAST) & (np.arange(n) > 10))[0])
    assert result.info["split_at_dim_frames_s"] == [pytest.approx(first_after / FPS)]
    assert traj.timestamps[0] == pytest.approx(first_after / FPS)  # the longer part, after the dip
    # too few frames on either side of it: the failure says the dim frames were left out
    short = tmp_path / "short.mp4"
    short_gains = np.array([1.0, 1.0, 0.1, 0.0, 0.0, 0.0, 0.1, 1.0, 1.0])  # 2 frames with a picture a side
    write_video(short, _faded(pan[11:20], short_gains), fps=FPS)
    with pytest.raises(PredictionError, match=r"dim frame\(s\) \(grey-level contrast under 0.3 .* are left out"):
        ColmapPredictor(sample_fps=FPS).predict(short, QUESTIONS)
