"""``colmap``'s still-pair test where the rotation+zoom fit followed a large mover only part way (R86).

A still camera over a textured scene with a large textured block sliding across it keeps most
matches at zero flow, spread over the frame; the pair's least-squares rotation+zoom, pulled by the
block's matches, moves them off zero flow by a few zero-flow radii r, under the ``STILL_BAND`` r band
test that alone made such a pair still before. Then fewer than half of the chained pairs counted
still, the ``mostly_still`` guard of ``ColmapPredictor._shot`` did not fire, and a real still
camera with a person crossing (R86's ``static_person_crossing_china``) was given the model's truck
(Move_Left 0.753). ``colmap.STILL_MAJORITY`` makes such a pair still; a slow roll, whose fit follows
its slow matches, stays a roll.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import colmap, fast
from camerabench.baselines.geometry.twoview import fit_rotation_zoom

from .layouts import consecutive_sift_pairs

WIDTH, HEIGHT, FRAMES = 160, 120, 10
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)


def _block_crossing_still_scene(size: int = 60, step: int = 6) -> NDArray[np.uint8]:
    """(FRAMES, H, W, 3): a still textured scene, a textured ``size`` px block sliding ``step`` px a frame."""
    rng = np.random.default_rng(0)
    scene = cv2.normalize(
        cv2.GaussianBlur(rng.uniform(0, 255, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), 1.5),
        None,
        30,
        220,
        cv2.NORM_MINMAX,
    )
    block = cv2.normalize(
        cv2.GaussianBlur(rng.uniform(0, 255, (size, size)).astype(np.float32), (0, 0), 1.2),
        None,
        0,
        255,
        cv2.NORM_MINMAX,
    )
    frames = []
    for i in range(FRAMES):
        img = scene.copy()
        top, left = (HEIGHT - size) // 2, 10 + step * i
        img[top : top + size, left : left + size] = block
        frames.append(cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_GRAY2RGB))
    return np.stack(frames)


@pytest.fixture(scope="module")
def crossing() -> dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]]:
    pairs, _ = consecutive_sift_pairs(_block_crossing_still_scene())
    return pairs


def test_the_fit_moves_the_still_scene_by_less_than_the_band(crossing: dict) -> None:
    """The case the band test misses: most matches at zero flow, the fit moving them r..STILL_BAND r."""
    for a, b in crossing.values():
        still = fast.still_camera(a, b, K)
        assert still is not None
        r = still.parallax_gate_px
        at_zero = np.linalg.norm(b - a, axis=1) <= r
        assert at_zero.mean() >= colmap.STILL_MAJORITY
        rot, zoom, _ = fit_rotation_zoom(a, b, K)
        moved = float(np.median(colmap.rotation_zoom_residual(a[at_zero], a[at_zero], K, rot, zoom)))
        assert r < moved < fast.STILL_BAND * r


def test_without_the_majority_rule_the_guard_would_not_fire(crossing: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(colmap, "STILL_MAJORITY", 1.01)  # unreachable: the band test alone, as before
    traj = colmap.rotation_only_trajectory(crossing, np.arange(FRAMES) / 10.0, K)
    assert 2 * traj.meta["still_pairs"] <= FRAMES - 1  # not mostly still: the model's motion would be given
    assert np.rad2deg(Rotation.from_matrix(traj.cam_c2w[-1, :3, :3]).magnitude()) > 0.3


def test_a_still_camera_behind_a_large_mover_is_still(crossing: dict) -> None:
    traj = colmap.rotation_only_trajectory(crossing, np.arange(FRAMES) / 10.0, K)
    assert traj.meta["still_pairs"] == FRAMES - 1
    np.testing.assert_allclose(traj.cam_c2w, np.tile(np.eye(4), (FRAMES, 1, 1)), atol=1e-12)
    assert traj.intrinsic is not None
    np.testing.assert_allclose(traj.intrinsic, np.tile(K, (FRAMES, 1, 1)))


@pytest.mark.parametrize("seed", range(3))
def test_a_slow_roll_with_every_match_near_zero_flow_stays_a_roll(seed: int) -> None:
    """A 0.2 deg roll (flow 0.45 px, under the zero-flow radius of 0.15-0.2 px noise): the fit follows it."""
    w, h = 320, 240
    k = fast.intrinsic_from_fov(w, h, 60.0)
    rng = np.random.default_rng(seed)
    a = rng.uniform([0.0, 0.0], [w, h], (600, 2))
    t = np.deg2rad(0.2)
    b = k[:2, 2] + (a - k[:2, 2]) @ np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
    a, b = a + rng.normal(0.0, 0.15, a.shape), b + rng.normal(0.0, 0.15, b.shape)
    still = fast.still_camera(a, b, k)
    assert still is not None  # fast's test alone would call it still
    assert np.mean(np.linalg.norm(b - a, axis=1) <= still.parallax_gate_px) >= colmap.STILL_MAJORITY
    rot, zoom, residual = fit_rotation_zoom(a, b, k)
    assert np.rad2deg(Rotation.from_matrix(rot).magnitude()) == pytest.approx(0.2, abs=0.02)
    is_still, _ = colmap._still_pair(a, b, k, rot, zoom, residual, None, None, (0, 1))
    assert not is_still
