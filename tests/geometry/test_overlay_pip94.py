"""Editing layouts of red team R94, built from the committed real clips: a split screen with a
thin divider between the pictures is refused as the one without is (its two edges are one
seam), and a picture-in-picture inset (a still clip in a white border over a pan) is found and
masked, so that the main picture decides; a bordered rectangle painted into the panning scene
(scenery: it moves with the scene) and the same rectangle under a still camera are not insets."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import (
    SPLIT_SEAM_SPREAD,
    detect_inset,
    split_screen_evidence,
    static_mask,
)
from camerabench.baselines.geometry.predictor import sampled_clip
from camerabench.errors import PredictionError

from .layouts import split_screen

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
#: the inset as in R94's pip clips: half the width and height of the main picture (the 360x270
#: vtest pan), 12 px from its top right corner, inside a 2 px white border
INSET = (168, 12, 348, 147)


def _grey(name: str) -> NDArray[np.uint8]:  # sampled as fast and colmap sample them
    frames = sampled_clip(VIDEOS / f"{name}.mp4", 5.0, 6, 480, 3000).frames
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def _with_inset(main: NDArray[np.uint8], inset: NDArray[np.uint8]) -> NDArray[np.uint8]:
    out = main.copy()
    x0, y0, x1, y1 = INSET
    n = min(len(out), len(inset))
    out = out[:n]
    out[:, y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = 255
    for i in range(n):
        out[i, y0:y1, x0:x1] = cv2.resize(inset[i], (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    return out


def test_a_divider_between_a_pan_and_a_still_clip_is_one_seam() -> None:
    """Old: the divider's two edges, a work pixel apart, made a spread of 0.70: no drift test, Static."""
    grey = np.stack(
        [
            cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
            for f in split_screen(
                sampled_clip(VIDEOS / "opencv_vtest_digital_pan_right.mp4", 5.0, 6, 480, 3000).frames,
                sampled_clip(VIDEOS / "opencv_tree_static.mp4", 5.0, 6, 480, 3000).frames,
            )
        ]
    )
    w = grey.shape[2]
    grey[:, :, w // 2 - 2 : w // 2 + 2] = 0  # a 4 px black divider
    seam = {e.axis: e for e in split_screen_evidence(grey)}["x"]
    assert abs(seam.at_px - w // 2) <= 3 and seam.spread <= SPLIT_SEAM_SPREAD and seam.found
    with pytest.raises(PredictionError, match=r"split screen, seam at x="):
        static_mask(grey)


def test_a_still_inset_over_a_pan_is_masked() -> None:
    """Old: nothing masked; the still inset outvoted the pan (fast read R94's slow pan as Static)."""
    grey = _with_inset(_grey("opencv_vtest_digital_pan_right"), _grey("opencv_tree_static"))
    box = detect_inset(grey)
    assert box is not None
    # the border's outer edges, within the steps' two-pixel width
    assert np.allclose(box, (INSET[0] - 2, INSET[1] - 2, INSET[2] + 2, INSET[3] + 2), atol=2)
    mask = static_mask(grey)
    assert mask.inset == box and mask.info()["inset_px"] == list(box)
    x0, y0, x1, y1 = INSET
    assert not mask.usable[y0 - 4 : y1 + 4, x0 - 4 : x1 + 4].any()  # the inset and its border
    assert mask.usable[y1 + 20 :, : x0 - 20].all()  # the main picture below and left of it


def test_a_bordered_rectangle_in_the_scene_is_no_inset() -> None:
    """The same white-bordered box painted into the source before the pan (a picture on a wall,
    a window) moves with the scene; under a still camera nothing moves: neither is an inset."""
    still = _grey("opencv_tree_static")[:, :, :]
    painted = still[0].copy()
    painted[40:160, 100:300] = 255
    painted[42:158, 102:298] = cv2.resize(_grey("kivy_city_widen")[0], (196, 116))
    n, h, w = 12, 270, 360
    wide = cv2.resize(painted, (w + 4 * n, h))
    panning = np.stack([wide[:, 4 * i : 4 * i + w] for i in range(n)])  # 4 px a frame
    assert detect_inset(panning) is None
    assert detect_inset(np.repeat(wide[None, :, :w], n, axis=0)) is None
    assert static_mask(panning).inset is None


def test_a_band_of_dense_texture_moving_under_a_pan_is_not_an_inset() -> None:
    """Red team R96: a pan over a band of gravel between a smooth sky and smooth water kept
    grey-level steps at most of the band's pixels in most frames, its edges made a rectangle, and
    44 % of the frame was masked as an inset (the clip failed: too little left to analyse). An
    inset's edge keeps its grey levels too."""
    rng = np.random.default_rng(3)
    width = 480
    sky = np.tile(np.linspace(150, 200, 90, dtype=np.float32)[:, None], (1, width + 200))
    band = rng.integers(0, 255, size=(110, width + 200)).astype(np.uint8)  # old code: inset (1, 90, 479, 200)
    water = np.tile(np.linspace(60, 90, 70, dtype=np.float32)[:, None], (1, width + 200))
    scene = np.vstack([sky.astype(np.uint8), band, water.astype(np.uint8)])
    frames = np.stack([scene[:, 15 * i : 15 * i + width] for i in range(13)])  # a pan, 15 px a frame
    assert detect_inset(frames) is None
    assert static_mask(frames).inset is None
