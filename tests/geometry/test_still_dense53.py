"""A camera held still behind movers whose flow bleeds onto the still scene (:func:`fast.rotation_with_movers`).

A fixed camera over a desk while a textured block slides across it; the desk beside the block is
dragged along by up to 1.5 px, fading over 16-20 px (as DIS flow reaches off a mover onto the
still scene next to it), and every frame has its own sensor noise. The dense points fit the
identity across the frame, but many of them lie just above its radius: more than
:data:`fast.MOVERS_BAND_RATIO` of the fitted share. A fit that holds the camera still is allowed
:data:`fast.MOVERS_HELD_BAND_RATIO`; a fit that turns the camera (the same desk panned 1.5 deg)
keeps the tighter ratio.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast

WIDTH, HEIGHT = 256, 192
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
BLOCK = (50, 150, 60, 170)  # rows, columns of the block in frame a
SHIFT = 8  # px the block slides right


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float, lo: float, hi: float) -> NDArray:
    noise = cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), sigma)
    return ((noise - noise.min()) / (noise.max() - noise.min()) * (hi - lo) + lo).astype(np.float32)


def _desk(pan_deg: float, decay_px: float, seed: int) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Frames a and b: the desk beside the block dragged away from it (1.5 px at its edge, fading
    by ``exp(-d / decay_px)``), the camera panned by ``pan_deg`` (a true rotation), noise 6 grey levels."""
    rng = np.random.default_rng(seed)
    desk = _texture(rng, (HEIGHT, WIDTH), 2.0, 68, 188)
    block = _texture(rng, (BLOCK[1] - BLOCK[0], BLOCK[3] - BLOCK[2]), 1.0, 28, 228)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    off_x = np.maximum(np.maximum(BLOCK[2] - xs, xs - BLOCK[3]), 0)
    off_y = np.maximum(np.maximum(BLOCK[0] - ys, ys - BLOCK[1]), 0)
    side = np.where(xs < (BLOCK[2] + BLOCK[3] + SHIFT) / 2, -1.0, 1.0)
    drag = (1.5 * np.exp(-np.hypot(off_x, off_y) / decay_px) * side).astype(np.float32)
    a = desk.copy()
    a[BLOCK[0] : BLOCK[1], BLOCK[2] : BLOCK[3]] = block
    moved = cv2.remap(desk, xs - drag, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    moved[BLOCK[0] : BLOCK[1], BLOCK[2] + SHIFT : BLOCK[3] + SHIFT] = block
    turn = K @ Rotation.from_rotvec([0.0, np.deg2rad(pan_deg), 0.0]).as_matrix() @ np.linalg.inv(K)
    src = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(-1, 3) @ np.linalg.inv(turn).T
    map_x = (src[:, 0] / src[:, 2]).reshape(HEIGHT, WIDTH).astype(np.float32)
    map_y = (src[:, 1] / src[:, 2]).reshape(HEIGHT, WIDTH).astype(np.float32)
    b = cv2.remap(moved, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    a, b = a + rng.normal(0.0, 6.0, a.shape), b + rng.normal(0.0, 6.0, b.shape)
    return np.clip(a, 0, 255).astype(np.uint8), np.clip(b, 0, 255).astype(np.uint8)


def test_still_camera_with_bleeding_movers_is_held_still() -> None:
    """Fitted identity with a wide band: movers in front of a camera that does not move."""
    gray_a, gray_b = _desk(0.0, 16.0, 54)
    pair = fast.rotation_with_movers(gray_a, gray_b, K)
    assert pair is not None and pair.with_movers and pair.rotation_only
    assert np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a).magnitude()) < 0.1
    assert abs(pair.zoom - 1.0) < 3e-3 and not pair.t_b_from_a.any()  # the outward drag: x1.001
    assert 0.1 < pair.moving_share < 0.5  # the block's points, beyond the band


def test_the_held_ratio_is_what_admits_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same pair under the turning camera's band ratio is rejected: its band is wider than
    MOVERS_BAND_RATIO of its fitted share."""
    monkeypatch.setattr(fast, "MOVERS_HELD_BAND_RATIO", fast.MOVERS_BAND_RATIO)
    gray_a, gray_b = _desk(0.0, 16.0, 54)
    assert fast.rotation_with_movers(gray_a, gray_b, K) is None


def test_turning_camera_keeps_the_tight_band() -> None:
    """The desk panned 1.5 deg (about 6 px) with the same bleeding: the fit moves every point
    far beyond its radius, so the band must stay under MOVERS_BAND_RATIO, which it does not."""
    gray_a, gray_b = _desk(1.5, 20.0, 53)
    assert fast.rotation_with_movers(gray_a, gray_b, K) is None
    monkeypatch = pytest.MonkeyPatch()
    with monkeypatch.context() as patched:  # with a ratio as loose as the held one it would pass
        patched.setattr(fast, "MOVERS_BAND_RATIO", fast.MOVERS_HELD_BAND_RATIO)
        turned = fast.rotation_with_movers(gray_a, gray_b, K)
    assert turned is not None
    assert np.rad2deg(Rotation.from_matrix(turned.rot_b_from_a).magnitude()) == pytest.approx(1.5, abs=0.1)
