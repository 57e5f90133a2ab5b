"""Dense flow measured on frame b brought to frame a's scale (``rescaled_dense_correspondences``):
over a large zoom its points follow the true zoom map (DIS alone loses points and accuracy at the
border), and the warp removes only the zoom: two walls at different depths seen by a camera
moving forward still show parallax."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import (
    dense_correspondences,
    estimate_pair,
    rescaled_dense_correspondences,
)
from camerabench.trajectory import intrinsic_from_fov

W, H = 320, 192
CENTRE = np.array([(W - 1) / 2, (H - 1) / 2])


def _wall(seed: int) -> NDArray[np.float64]:
    """A dim, smooth, low-contrast wall (+-6 grey levels), larger than a frame."""
    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.normal(0, 1, (3 * H, 3 * W)), (0, 0), 8)
    return np.asarray(128 + 6 * wall / wall.std(), dtype=np.float64)


def _scaled(wall: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """The frame seeing ``wall``'s centre magnified ``scale`` times about the frame's centre."""
    cy, cx = (np.array(wall.shape) - 1) / 2
    to_wall = np.array([[1 / scale, 0, cx - CENTRE[0] / scale], [0, 1 / scale, cy - CENTRE[1] / scale]])
    frame = cv2.warpAffine(wall, to_wall, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    return np.asarray(frame, dtype=np.float64)


def _grey(frame: NDArray[np.float64], seed: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return np.clip(frame + rng.normal(0, 2.0, frame.shape), 0, 255).astype(np.uint8)


def _zoom_error(pts_a: NDArray[np.float64], pts_b: NDArray[np.float64], zoom: float) -> NDArray[np.float64]:
    return np.asarray(np.linalg.norm(pts_b - (CENTRE + (pts_a - CENTRE) * zoom), axis=1))


@pytest.mark.parametrize("zoom", [1.3, 1 / 1.3])
def test_rescaled_flow_follows_a_large_zoom(zoom: float) -> None:
    wall = _wall(0)
    gray_a, gray_b = _grey(_scaled(wall, 1.0), 1), _grey(_scaled(wall, zoom), 2)
    pts_a, pts_b = rescaled_dense_correspondences(gray_a, gray_b, zoom, CENTRE)
    plain_a, _ = dense_correspondences(gray_a, gray_b)
    error = _zoom_error(pts_a, pts_b, zoom)
    assert len(pts_a) > len(plain_a)  # DIS alone keeps fewer points over the scale change
    assert np.median(error) < 0.7
    assert np.percentile(error, 90) < 1.3
    inside = (pts_b >= 0) & (pts_b <= [W - 1, H - 1])
    assert inside.all()  # mapped back into frame b, none from the resampled frame's empty border


def test_rescaled_flow_keeps_parallax() -> None:
    """A camera moving 0.2 depth units forward: the left half a wall at depth 1 (x1.25), the right
    half one at depth 2 (x1.11). Rescaled by the zoom between them, each half still moves by its
    own scale, and the pair translates forward."""
    near, far = _wall(0), _wall(1)
    moved = 0.2
    near_zoom, far_zoom = 1 / (1 - moved), 2 / (2 - moved)
    frame_b = _scaled(far, far_zoom)
    frame_b[:, : W // 2] = _scaled(near, near_zoom)[:, : W // 2]
    frame_a = _scaled(far, 1.0)
    frame_a[:, : W // 2] = _scaled(near, 1.0)[:, : W // 2]
    gray_a, gray_b = _grey(frame_a, 1), _grey(frame_b, 2)
    zoom = float(np.sqrt(near_zoom * far_zoom))
    pts_a, pts_b = rescaled_dense_correspondences(gray_a, gray_b, zoom, CENTRE)
    left = pts_a[:, 0] < W // 2 - 16
    right = pts_a[:, 0] > W // 2 + 16
    assert left.sum() > 20 and right.sum() > 20
    assert np.median(_zoom_error(pts_a[left], pts_b[left], near_zoom)) < 1.0
    assert np.median(_zoom_error(pts_a[right], pts_b[right], far_zoom)) < 1.0
    pair = estimate_pair(pts_a, pts_b, intrinsic_from_fov(W, H, 60.0), seed=0)
    assert not pair.rotation_only
    direction = pair.t_b_from_a / np.linalg.norm(pair.t_b_from_a)
    assert direction[2] < -0.9  # the scene comes closer: b's camera is ahead of a's


def test_rescaled_flow_refuses_a_bad_zoom() -> None:
    gray = _grey(_scaled(_wall(0), 1.0), 1)
    with pytest.raises(ValueError, match="zoom must be finite and positive"):
        rescaled_dense_correspondences(gray, gray, 0.0, CENTRE)
