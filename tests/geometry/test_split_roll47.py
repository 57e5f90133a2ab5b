"""A lasting edge that is no seam: a scene's soft band above something moving is one camera.

The phone layout of the real visp ``mire2`` roll (a box moved by hand over the lower half of a
rolled still camera) was refused as two stacked pictures: a poster's band a few rows wide gave a
lasting step near the middle, and the box moved across it. Two pictures meet between two
adjacent rows (:data:`SPLIT_SEAM_SPREAD`)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import SPLIT_SEAM_SPREAD, split_screen_evidence, static_mask

from .test_split_screen import _frames, _grey


def _rolled_with_box(soft_px: int) -> NDArray[np.uint8]:
    """The real still tree clip rolled digitally (cv2.warpAffine, 1 degree a frame about the
    centre), with its lower half replaced by a box (the clip's own first frame) pushed up by
    hand 3 px a frame, meeting the picture above over ``soft_px`` rows (0: a sharp line)."""
    frames = _frames("opencv_tree_static")
    n, h, w, _ = frames.shape
    out = np.empty_like(frames)
    for i in range(n):
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(i), 1.0)
        out[i] = cv2.warpAffine(frames[i], turn, (w, h), borderMode=cv2.BORDER_REFLECT)
    box = np.stack([np.roll(frames[0] // 3, -3 * i, axis=0) for i in range(n)])  # a dark box
    weight = np.zeros((h, 1, 1))
    weight[h // 2 :] = 1.0
    if soft_px:
        weight[h // 2 - soft_px // 2 : h // 2 + soft_px // 2, 0, 0] = np.linspace(0, 1, 2 * (soft_px // 2))
    return np.round(out * (1 - weight) + box * weight).astype(np.uint8)


def test_a_box_moved_below_a_soft_edge_is_no_split_screen() -> None:
    """Old: refused as "two pictures one above the other" (a PredictionError)."""
    grey = _grey(_rolled_with_box(12))
    evidence = {e.axis: e for e in split_screen_evidence(grey)}
    assert evidence["y"].edge_ratio > 3  # a lasting step near the middle, 12 rows wide
    assert evidence["y"].spread > SPLIT_SEAM_SPREAD
    assert not evidence["y"].found
    static_mask(grey)  # no error


def test_the_same_box_behind_a_sharp_line_is_still_a_split_screen() -> None:
    """Meeting between two adjacent rows, a still picture above a moving one stays refused."""
    evidence = {e.axis: e for e in split_screen_evidence(_grey(_rolled_with_box(0)))}
    assert evidence["y"].spread <= SPLIT_SEAM_SPREAD and evidence["y"].found
