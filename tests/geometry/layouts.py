"""Internet-video layouts built from real clips, for the geometry tests (not a test module)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def phone_in_landscape(frames: NDArray[np.uint8], width: int = 480, height: int = 270) -> NDArray[np.uint8]:
    """The middle 9:16 of each frame, centred in a 16:9 frame over a blurred (sigma 12 px),
    darkened (60%) copy of itself enlarged to the frame's width, as phone apps post them."""
    n, h, w, _ = frames.shape
    crop = round(h * 9 / 16)
    portrait = frames[:, :, (w - crop) // 2 : (w - crop) // 2 + crop]
    inner = round(crop * height / h) // 2 * 2
    out = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        big = cv2.resize(portrait[i], (width, round(h * width / crop)))
        top = (big.shape[0] - height) // 2
        out[i] = (cv2.GaussianBlur(big[top : top + height], (0, 0), 12) * 0.6).astype(np.uint8)
        x0 = (width - inner) // 2
        out[i, :, x0 : x0 + inner] = cv2.resize(portrait[i], (inner, height))
    return out


def landscape_in_portrait(frames: NDArray[np.uint8], width: int = 202, height: int = 360) -> NDArray[np.uint8]:
    """The whole frame, fitted to a portrait frame's width, over a blurred enlarged copy."""
    n, h, w, _ = frames.shape
    inner = round(h * width / w) // 2 * 2
    out = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        big = cv2.resize(frames[i], (round(w * height / h), height))
        left = (big.shape[1] - width) // 2
        out[i] = (cv2.GaussianBlur(big[:, left : left + width], (0, 0), 8) * 0.6).astype(np.uint8)
        y0 = (height - inner) // 2
        out[i, y0 : y0 + inner] = cv2.resize(frames[i], (width, inner))
    return out
