"""Fixer F103 (red team R101): colmap's initial pair by triangulation angle, and a dim shot at a
clip's end after a cut kept as a shot (not trimmed as a fade)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.colmap import dim_end_shots, dim_frames, triangulation_angle_deg

K = np.array([[300.0, 0.0, 160.0], [0.0, 300.0, 120.0], [0.0, 0.0, 1.0]])


def _scene(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(-2, 2, (200, 2)), rng.uniform(4, 8, 200)]


def _project(world: np.ndarray, rot: np.ndarray, centre: np.ndarray) -> np.ndarray:
    cam = (world - centre) @ rot.T  # camera 2 from world: x = R (X - C)
    pix = cam @ K.T
    return pix[:, :2] / pix[:, 2:]


def _essential(rot: np.ndarray, centre: np.ndarray) -> np.ndarray:
    t = -rot @ centre
    tx = np.array([[0, -t[2], t[1]], [t[2], 0, -t[0]], [-t[1], t[0], 0]])
    return tx @ rot


@pytest.mark.parametrize(
    ("centre", "turn_deg"),
    [(np.array([0.0, 0.0, 1.0]), 0.0), (np.array([0.6, 0.0, 0.0]), 3.0), (np.array([0.2, -0.1, 0.5]), -2.0)],
)
def test_triangulation_angle_matches_the_scene(centre: np.ndarray, turn_deg: float) -> None:
    world = _scene()
    rot = Rotation.from_euler("y", turn_deg, degrees=True).as_matrix()
    pts1, pts2 = _project(world, np.eye(3), np.zeros(3)), _project(world, rot, centre)
    a, b = world, world - centre
    expected = np.degrees(np.median(np.arccos((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))))
    got = triangulation_angle_deg(pts1, pts2, K, _essential(rot, centre))
    assert got == pytest.approx(expected, rel=1e-3)


def test_triangulation_angle_small_without_translation() -> None:
    """A camera that has stopped (R98's dolly after its stop): no angle to start a model from."""
    world = _scene()
    tiny = np.array([0.005, 0.0, 0.0])
    got = triangulation_angle_deg(
        _project(world, np.eye(3), np.zeros(3)), _project(world, np.eye(3), tiny), K, _essential(np.eye(3), tiny)
    )
    assert got < 0.1


def _picture(seed: int = 0) -> np.ndarray:
    """Structure, not snow (fast.blank_frame takes noise alone for a blank frame): blurred blobs."""
    import cv2

    rng = np.random.default_rng(seed)
    blobs = cv2.GaussianBlur(rng.uniform(0, 1, (96, 128)), (0, 0), 4)
    blobs = (blobs - blobs.min()) / (blobs.max() - blobs.min())
    return 20 + 215 * blobs


def test_cut_to_a_dark_shot_is_kept() -> None:
    """A lit shot cut to a dark one held at a sixth of its level (R99 c01: day to night): the dark
    frames are dim (dim_frames) and, the level held on both sides of the step, a shot."""
    lit, dark = _picture(0), _picture(1) / 6
    rng = np.random.default_rng(2)
    grays = [np.clip(lit + rng.normal(0, 1, lit.shape), 0, 255).astype(np.uint8) for _ in range(6)]
    grays += [np.clip(dark + rng.normal(0, 1, dark.shape), 0, 255).astype(np.uint8) for _ in range(6)]
    dim = dim_frames(grays)
    assert dim.tolist() == [False] * 6 + [True] * 6
    shot, cuts = dim_end_shots(grays, dim)
    assert cuts == [6]
    assert shot.tolist() == [False] * 6 + [True] * 6
    # the same at the start: a dark shot cut to a lit one
    shot, cuts = dim_end_shots(grays[::-1], dim[::-1])
    assert cuts == [6]
    assert shot.tolist() == [True] * 6 + [False] * 6


def test_fade_stays_a_fade() -> None:
    """A fade to black (gains ramping down): the dim frames are no shot, no cut."""
    lit = _picture(0)
    gains = [1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.25, 0.15, 0.1, 0.06, 0.04]
    grays = [(lit * g).astype(np.uint8) for g in gains]
    dim = dim_frames(grays)
    assert dim[-4:].all() and not dim[:4].any()
    shot, cuts = dim_end_shots(grays, dim)
    assert cuts == []
    assert not shot.any()
