"""Broadcast graphics over soft footage, built from the committed real clips (red team R114).

A sports broadcast's scoreboard and channel logo are crisp, high-contrast graphics; the pitch under
a long lens is soft (fine grass, motion blur). The graphics then held most of the pixels with 2-D
structure (``CORNER_MIN_EIG``): on R114's long-lens tracking pans 70-76 % of them, so that 31-43 %
of the structured pixels changed in a pair and, by cells, 35-67 % of the cells: no pair counted as
moving, nothing was masked, and ``fast`` read the pans as a still camera (Pan_Left 0.000 of 0.225,
Pan_Right 0.001 of 0.288). The moving test now also counts the cells with fine structure
(:data:`overlay.FINE_MIN_EIG`, :data:`overlay.MOVING_FINE_SHARE`), where the soft scene weighs as
the cells it covers. Here the committed ``vtest`` pan, softened by a Gaussian blur (sigma 2 px, at
fast's 480 px) stands in for the pitch.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import static_mask
from camerabench.video import read_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _soft_grey(name: str, sigma: float = 2.0) -> NDArray[np.uint8]:
    frames = read_video(VIDEOS / name, fps=5.0, max_side=480).frames
    return np.stack([cv2.GaussianBlur(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), (0, 0), sigma) for f in frames])


def _broadcast_graphics(grey: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A scoreboard (white text on a dark plate, top left) and a white "TV5" logo (top right) burnt
    into every frame; also where their letters are."""
    out = grey.copy()
    w = out.shape[2]
    board = np.full((22, 150), 25, np.uint8)
    cv2.putText(board, "FCB 2-1 RMA 67:12", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 255, 1)
    logo = np.zeros((34, 70), np.uint8)
    cv2.putText(logo, "TV5", (4, 27), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2)
    out[:, 10:32, 10:160] = board
    out[:, 10:44, w - 80 : w - 10][:, logo > 0] = 255
    letters = np.zeros(out.shape[1:], dtype=bool)
    letters[10:32, 10:160] = board == 255
    letters[10:44, w - 80 : w - 10] = logo > 0
    return out, letters


def test_broadcast_graphics_over_a_soft_pan_are_masked() -> None:
    """Old: 0 of 19 pairs moving (the graphics hold most corners), nothing masked."""
    grey, letters = _broadcast_graphics(_soft_grey("opencv_vtest_digital_pan_right.mp4"))
    mask = static_mask(grey)
    assert mask.moving_pairs >= 3, mask.moving_pairs  # 5 of 19
    assert (~mask.usable[letters]).all()
    # the graphics and their margins, not the scene: under their boxes grown by the margin
    assert mask.overlay_px < (22 + 12) * (150 + 12) + (34 + 12) * (70 + 12), mask.overlay_px


def test_the_same_graphics_over_a_still_camera_mask_nothing() -> None:
    grey, _ = _broadcast_graphics(_soft_grey("opencv_vtest_static.mp4"))
    mask = static_mask(grey)
    assert mask.moving_pairs == 0
    assert mask.usable.all()
