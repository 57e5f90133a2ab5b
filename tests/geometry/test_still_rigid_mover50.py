"""A still camera behind a large rigid mover (:func:`fast.still_camera` with :func:`fast.rigid_share`).

A still scene keeps a small share of the matches at zero flow while a large subject sliding past
holds the rest as one image similarity: still. A camera trucking past a near scene of varied
depth over a far background (zero flow) leaves the same zero-flow share, but its near flow
varies with depth (projected here from 3D points): not still.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast

K = np.array([[400.0, 0.0, 240.0], [0.0, 400.0, 135.0], [0.0, 0.0, 1.0]])
NOISE = 0.02


def _similarity(pts: NDArray[np.float64], scale: float, angle_deg: float, shift: tuple[float, float]) -> NDArray:
    c, s = np.cos(np.deg2rad(angle_deg)), np.sin(np.deg2rad(angle_deg))
    centre = pts.mean(axis=0)
    return (pts - centre) @ (scale * np.array([[c, -s], [s, c]])).T + centre + np.asarray(shift)


def _scene(rng: np.random.Generator, n_still: int) -> NDArray[np.float64]:
    """Zero-flow points around the frame's border (a still scene around a large subject)."""
    border = np.r_[rng.uniform([0, 0], [480, 40], (n_still // 2, 2)), rng.uniform([0, 0], [60, 270], (n_still // 2, 2))]
    return border


def test_large_rigid_subject_before_still_camera_is_still() -> None:
    """15 % of the matches at zero flow in the top row and left column, 85 % on a board that
    slides 12 px, turns 1 deg and nears 1 %: below STILL_MIN_SHARE, still all the same."""
    rng = np.random.default_rng(50)
    scene = _scene(rng, 30)
    board = rng.uniform([80, 50], [470, 265], (170, 2))
    pts_a = np.r_[scene, board]
    pts_b = np.r_[scene, _similarity(board, 1.01, 1.0, (12.0, 3.0))] + rng.normal(0.0, NOISE, pts_a.shape)
    assert len(scene) / len(pts_a) < fast.STILL_MIN_SHARE
    pair = fast.still_camera(pts_a, pts_b, K)
    assert pair is not None and pair.still and pair.rotation_only
    assert np.allclose(pair.rot_b_from_a, np.eye(3)) and pair.zoom == 1.0
    assert 25 <= pair.num_inliers <= 35 and pair.moving_share > 0.8


def test_trucking_camera_over_far_background_is_not_still() -> None:
    """The same zero-flow share from a far background (at infinity: no flow under translation),
    and the near scene of a camera trucking 0.05 units right at depths 2-8: its flow (f t / Z,
    3-10 px) is no one similarity, so the pair is not still."""
    rng = np.random.default_rng(51)
    scene = _scene(rng, 30)
    near = rng.uniform([80, 50], [470, 265], (170, 2))
    depth = rng.uniform(2.0, 8.0, len(near))
    flow = np.c_[-K[0, 0] * 0.05 / depth, np.zeros(len(near))]
    pts_a = np.r_[scene, near]
    pts_b = np.r_[scene, near + flow] + rng.normal(0.0, NOISE, pts_a.shape)
    assert fast.rigid_share(near, near + flow, NOISE) < 0.7  # a 1 px gate holds a slice of the depths
    assert fast.still_camera(pts_a, pts_b, K) is None


def test_too_few_at_zero_flow_is_not_still_even_behind_a_rigid_mover() -> None:
    """Under STILL_RIGID_MIN_SHARE at zero flow the pair is not still, rigid mover or not."""
    rng = np.random.default_rng(52)
    scene = _scene(rng, 14)
    board = rng.uniform([80, 50], [470, 265], (186, 2))
    pts_a = np.r_[scene, board]
    pts_b = np.r_[scene, _similarity(board, 1.0, 0.0, (12.0, 0.0))] + rng.normal(0.0, NOISE, pts_a.shape)
    assert len(scene) / len(pts_a) < fast.STILL_RIGID_MIN_SHARE
    assert fast.still_camera(pts_a, pts_b, K) is None


def test_rigid_share_counts_the_similarity_and_refuses_two_matches() -> None:
    """A similarity's matches all fit; 30 % of them thrown 20-40 px off do not."""
    rng = np.random.default_rng(53)
    pts_a = rng.uniform([0, 0], [480, 270], (100, 2))
    pts_b = _similarity(pts_a, 0.98, -2.0, (5.0, -7.0)) + rng.normal(0.0, NOISE, pts_a.shape)
    assert fast.rigid_share(pts_a, pts_b, NOISE) == 1.0
    off = pts_b.copy()
    off[:30] += rng.uniform(20.0, 40.0, (30, 2)) * rng.choice([-1.0, 1.0], (30, 2))
    assert fast.rigid_share(pts_a, off, NOISE) == pytest.approx(0.7)
    with pytest.raises(ValueError, match="at least 3 matches"):
        fast.rigid_share(pts_a[:2], pts_b[:2], NOISE)
