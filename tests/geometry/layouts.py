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


def split_screen(frames_a: NDArray[np.uint8], frames_b: NDArray[np.uint8], stacked: bool = False) -> NDArray[np.uint8]:
    """Two clips in one frame, as reaction and comparison videos post them: the middle half of
    each clip's width side by side (``a`` left), or of its height one above the other (``a``
    on top); the shorter clip sets the length."""
    n = min(len(frames_a), len(frames_b))
    a, b = frames_a[:n], frames_b[:n]
    if a.shape[1:3] != b.shape[1:3]:
        b = np.stack([cv2.resize(f, (a.shape[2], a.shape[1]), interpolation=cv2.INTER_AREA) for f in b])
    h, w = a.shape[1:3]
    if stacked:
        top = h // 4
        return np.concatenate([a[:, top : top + h // 2], b[:, top : top + h // 2]], axis=1)
    left = w // 4
    return np.concatenate([a[:, :, left : left + w // 2], b[:, :, left : left + w // 2]], axis=2)


def texture_poor(frames: NDArray[np.uint8], contrast: float = 0.25) -> NDArray[np.uint8]:
    """Each frame's grey levels pulled towards its mean grey to ``contrast`` of their spread, as
    in grey, texture-poor footage (the visp clips of the real set: a grey cube on a grey table)."""
    mean = frames.reshape(len(frames), -1).mean(axis=1)[:, None, None, None]
    return np.clip(np.round(mean + (frames - mean) * contrast), 0, 255).astype(np.uint8)
