"""Red team R103: a still camera's scene with a sky drifting across its top 40 % (a photo of a
house) was masked as a picture-in-picture inset (a lasting rectangle in the house, motion
outside it): 28-40 % of the frame left out, and ``fast`` read the drifting sky as a translation.
An inset is an overlay only when the picture moves on every side of it; the same bordered box
(and a corner logo) over a pan still are masked."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import detect_inset, static_mask

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
W, H, N = 480, 270, 12
SKY = 108  # the top 40 % of the frame
BOX = (150, 150, 440, 255)  # a white-bordered picture in the scene (a window, a painting)
LOGO = (16, 12, 80, 44)


def _first_frame(name: str, w: int, h: int) -> NDArray[np.uint8]:
    cap = cv2.VideoCapture(str(VIDEOS / f"{name}.mp4"))
    ok, frame = cap.read()
    cap.release()
    assert ok, f"{name}.mp4: no frame"
    return cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (w, h), interpolation=cv2.INTER_AREA)


def _noise(h: int, w: int, sigma: float, seed: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 255, size=(h, w)).astype(np.uint8), (0, 0), sigma)


def _scene(width: int) -> NDArray[np.uint8]:
    scene = _noise(H, width, 1.6, 0)
    x0, y0, x1, y1 = BOX
    scene[y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = 255
    scene[y0:y1, x0:x1] = _first_frame("kivy_city_widen", x1 - x0, y1 - y0)
    return scene


def test_a_still_scene_under_a_drifting_sky_is_not_masked() -> None:
    """Old code: inset (143, 144, 442, 262) masked, 31 % of the frame (the box's side left of it
    is still, only the sky above it drifts)."""
    frames = np.repeat(_scene(W)[None], N, axis=0)
    sky = _noise(SKY, W, 1.2, 1)
    for i in range(N):
        frames[i, :SKY] = np.roll(sky, -4 * i, axis=1)  # drifting left, 4 px a frame
    assert detect_inset(frames) is None
    mask = static_mask(frames)
    assert mask.inset is None and mask.overlay_px == 0 and mask.usable.all()


def test_an_inset_and_a_logo_over_a_pan_are_still_masked() -> None:
    wide = _scene(W + 4 * N)
    frames = np.stack([wide[:, 4 * i : 4 * i + W] for i in range(N)])  # a pan, 4 px a frame
    x0, y0, x1, y1 = BOX
    frames[:, y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = wide[None, y0 - 2 : y1 + 2, x0 - 2 : x1 + 2]  # a still inset
    lx0, ly0, lx1, ly1 = LOGO
    frames[:, ly0:ly1, lx0:lx1] = _noise(ly1 - ly0, lx1 - lx0, 1.0, 2)  # a still textured logo
    box = detect_inset(frames)
    assert box is not None and np.allclose(box, (x0 - 2, y0 - 2, x1 + 2, y1 + 2), atol=2)
    mask = static_mask(frames)
    assert mask.inset == box
    assert not mask.usable[y0 - 2 : y1 + 2, x0 - 2 : x1 + 2].any()
    assert (~mask.usable[ly0:ly1, lx0:lx1]).mean() > 0.95  # the logo (but a few of its flat pixels)
    assert mask.usable[60:SKY, 200:440].all()  # the panning picture between them
