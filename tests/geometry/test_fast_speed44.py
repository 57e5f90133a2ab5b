"""fast's RANSAC cascade gives the motion the kornia-only pipeline gave."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast

K = np.array([[250.0, 0, 160], [0, 250.0, 96], [0, 0, 1]])


def _points(seed: int, n: int = 400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(-3, 3, (n, 2)), rng.uniform(4, 10, n)]


def _project(points_cam: np.ndarray, k: np.ndarray) -> np.ndarray:
    uv = points_cam @ k.T
    return uv[:, :2] / uv[:, 2:]


def test_a_rotation_under_the_floor_is_settled_by_the_cheap_ransac(monkeypatch: pytest.MonkeyPatch) -> None:
    pts = _points(3)
    rng = np.random.default_rng(4)
    rot = Rotation.from_euler("yx", [3.0, -1.0], degrees=True).as_matrix()
    k_b = K.copy()
    k_b[:2, :2] *= 1.02
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts @ rot.T, k_b) + rng.normal(0, 0.2, (len(pts), 2))
    b[:40] += rng.uniform(-40, 40, (40, 2))  # gross mismatches
    quick = fast._rotation_under_floor(a, b, K, 1.0)
    assert quick is not None and quick.rotation_only
    assert np.rad2deg(Rotation.from_matrix(quick.rot_b_from_a @ rot.T).magnitude()) < 0.05
    assert quick.zoom == pytest.approx(1.02, rel=2e-3)
    assert 340 <= quick.num_inliers <= 370  # the mismatches left out
    # what estimate_pair returns for a segment's later pairs, and what kornia's RANSAC gives
    lazy = fast.estimate_pair(a, b, K, measure_noise=False)
    assert lazy.num_inliers == quick.num_inliers
    np.testing.assert_array_equal(lazy.rot_b_from_a, quick.rot_b_from_a)
    monkeypatch.setattr(fast, "_rotation_under_floor", lambda *args: None)
    slow = fast.estimate_pair(a, b, K, measure_noise=False)
    assert np.rad2deg(Rotation.from_matrix(slow.rot_b_from_a @ lazy.rot_b_from_a.T).magnitude()) < 0.02
    assert abs(slow.num_inliers - lazy.num_inliers) <= 10


@pytest.mark.parametrize("centre", [(0.4, 0.0, 0.0), (0.0, 0.0, 0.4), (0.15, 0.0, 0.0)])
def test_parallax_goes_to_kornias_ransac_unchanged(monkeypatch: pytest.MonkeyPatch, centre: tuple) -> None:
    pts = _points(5)
    rng = np.random.default_rng(6)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts - np.asarray(centre), K) + rng.normal(0, 0.2, (len(pts), 2))
    assert fast._rotation_under_floor(a, b, K, 1.0) is None  # a rotation leaves more than 1 px
    cascaded = fast.estimate_pair(a, b, K, measure_noise=False)
    monkeypatch.setattr(fast, "_rotation_under_floor", lambda *args: None)
    alone = fast.estimate_pair(a, b, K, measure_noise=False)
    assert not cascaded.rotation_only
    np.testing.assert_array_equal(cascaded.t_b_from_a, alone.t_b_from_a)
    np.testing.assert_array_equal(cascaded.rot_b_from_a, alone.rot_b_from_a)
    assert cascaded.num_inliers == alone.num_inliers
