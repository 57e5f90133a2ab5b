"""Review 49 of ``fast``'s lens refit and rescaled dense flow (commits 31606df, 99966f4).

* A rotation that is rotation-only only through the lens refit
  (:func:`~camerabench.baselines.geometry.twoview.fit_rotation_zoom_radial`) takes that refit's
  rotation and zoom, not the pinhole fit's that the lens bends (the pair's residual was already
  the refit's). The frames are drawn through OpenCV's radial model (``cv2.projectPoints``), not
  through the division model the refit uses.
* The division model stays one-to-one over the points (``twoview.LENS_MAX_BEND``): on a wide
  assumed field of view a free coefficient had mirrored the corner rays through the centre.
* :func:`~camerabench.baselines.geometry.fast.rescaled_dense_correspondences` about an
  off-centre principal point (a cropped picture) follows the zoom about that point.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast, twoview
from camerabench.trajectory import intrinsic_from_fov

W, H = 320, 192
K1 = -0.25  # the synthetic lens knob's barrel lens at 320x192


def _scene(k: NDArray[np.float64], seed: int, n: int = 600) -> NDArray[np.float64]:
    """Points at depths 4-12 filling the view of intrinsics ``k`` (camera-a coordinates)."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(4.0, 12.0, n)
    half = np.array([k[0, 2] / k[0, 0], k[1, 2] / k[1, 1]])
    return np.c_[rng.uniform(-1.0, 1.0, (n, 2)) * depth[:, None] * half, depth]


def _pair(
    k: NDArray[np.float64], rot: NDArray[np.float64], t: NDArray[np.float64], k1: float, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pixels in a (identity) and b (``X_b = R X_a + t``) seen through OpenCV's radial lens ``k1``."""
    points = _scene(k, seed)
    dist = np.array([k1, 0.0, 0.0, 0.0])
    a = cv2.projectPoints(points, np.zeros(3), np.zeros(3), k, dist)[0].reshape(-1, 2)
    b = cv2.projectPoints(points, cv2.Rodrigues(rot)[0], np.asarray(t, float), k, dist)[0].reshape(-1, 2)
    inside = (a >= 0).all(1) & (a < [W, H]).all(1) & (b >= 0).all(1) & (b < [W, H]).all(1)
    rng = np.random.default_rng(seed + 100)
    a, b = a[inside], b[inside]
    return a + rng.normal(0.0, 0.08, a.shape), b + rng.normal(0.0, 0.08, b.shape)


def _angle_deg(r: NDArray[np.float64], truth: NDArray[np.float64]) -> float:
    return float(np.rad2deg(Rotation.from_matrix(r @ truth.T).magnitude()))


@pytest.mark.parametrize("deg", [12.0, -14.0])
def test_lens_refit_gives_the_pair_its_rotation_and_zoom(deg: float) -> None:
    k = intrinsic_from_fov(W, H, 60.0)
    rot = Rotation.from_euler("x", deg, degrees=True).as_matrix()
    a, b = _pair(k, rot, np.zeros(3), K1)
    # only the lens refit makes this pair rotation-only, and the pinhole fit is bent by the lens
    # (else this test proves nothing)
    free = twoview.fit_rotation_zoom(a, b, k, focal_sigma=fast.FOCAL_SIGMA)[2]
    assert np.median(free) > 1.0
    r_pin, zoom_pin, _ = twoview.fit_rotation_zoom(a, b, k)
    assert _angle_deg(r_pin, rot) > 0.3 or abs(zoom_pin - 1.0) > 0.002
    pair = fast.estimate_pair(a, b, k)
    assert pair.rotation_only
    assert pair.parallax_px <= pair.parallax_gate_px
    assert _angle_deg(pair.rot_b_from_a, rot) < 0.2
    assert pair.zoom == pytest.approx(1.0, abs=0.001)


def test_radial_fit_stays_one_to_one_on_a_wide_frame() -> None:
    """A sideways move assumed at 120 deg: the corner rays' ``r^2`` reaches ~4, where an
    unchecked ``k`` of -0.26 (inside LENS_K_BOUND) sent ``1 + k r^2`` below zero."""
    k = intrinsic_from_fov(W, H, 120.0)
    a, b = _pair(k, np.eye(3), np.array([0.4, 0.0, 0.0]), 0.0, seed=3)
    offsets = (a - k[:2, 2]) / k[0, 0]
    r2 = np.sum(offsets**2, axis=1)
    assert r2.max() > 2.0  # k = -LENS_K_BOUND alone would mirror these (else this proves nothing)
    _, _, k_fit, residual = twoview.fit_rotation_zoom_radial(a, b, k)
    assert abs(k_fit) * r2.max() <= twoview.LENS_MAX_BEND + 1e-9
    assert (1.0 + k_fit * r2 > 0).all()  # every ray keeps its side of the principal point
    assert np.isfinite(residual).all()
    assert not fast.estimate_pair(a, b, k).rotation_only


def test_radial_fit_bound_leaves_60_deg_frames_alone() -> None:
    """A division-model lens of k = -0.45 at 60 deg (inside both bounds) is recovered exactly."""
    k = intrinsic_from_fov(W, H, 60.0)
    grid = np.stack(np.meshgrid(np.linspace(0, W - 1, 12), np.linspace(0, H - 1, 8)), -1).reshape(-1, 2)
    rot = Rotation.from_euler("y", 4.0, degrees=True).as_matrix()
    rays = np.c_[twoview._undistort_division((grid - k[:2, 2]) / k[0, 0], -0.45), np.ones(len(grid))] @ rot.T
    moved = twoview._distort_division(rays[:, :2] / rays[:, 2:] * 1.02, -0.45) * k[0, 0] + k[:2, 2]
    r_fit, zoom, k_fit, residual = twoview.fit_rotation_zoom_radial(grid, moved, k)
    assert k_fit == pytest.approx(-0.45, abs=1e-4)
    assert zoom == pytest.approx(1.02, abs=1e-5)
    assert _angle_deg(r_fit, rot) < 1e-3
    assert residual.max() < 1e-4


@pytest.mark.parametrize("case", ["centre", "two", "collinear"])
def test_radial_fit_on_degenerate_points(case: str) -> None:
    k = intrinsic_from_fov(W, H, 60.0)
    c = k[:2, 2]
    if case == "centre":  # no radius: k is undetermined and must stay at its start
        a = np.tile(c, (30, 1))
        b = a + np.array([2.0, -1.0])
    elif case == "two":
        a = np.array([[10.0, 20.0], [300.0, 150.0]])
        b = a + np.array([1.0, 1.0])
    else:
        x = np.linspace(0.0, W - 1.0, 30)
        a = np.c_[x, 0.5 * x]
        b = c + (a - c) * 1.1
    rot, zoom, k_fit, residual = twoview.fit_rotation_zoom_radial(a, b, k)
    assert np.isfinite(rot).all() and np.isfinite(zoom) and zoom > 0
    assert abs(k_fit) <= twoview.LENS_K_BOUND
    assert np.isfinite(residual).all() and residual.shape == (len(a),)
    if case == "centre":
        assert k_fit == 0.0


def _wall(seed: int) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.normal(0, 1, (3 * H, 3 * W)), (0, 0), 6)
    return np.asarray(128 + 10 * wall / wall.std(), dtype=np.float64)


@pytest.mark.parametrize("zoom", [1.25, 1 / 1.25])
def test_rescaled_flow_about_an_off_centre_principal_point(zoom: float) -> None:
    """A picture cropped off-centre: its principal point (110, 70) is not the frame's centre."""
    centre = np.array([110.0, 70.0])
    wall = _wall(4)
    wc = (np.array(wall.shape[::-1]) - 1) / 2

    def frame(scale: float) -> NDArray[np.uint8]:
        to_wall = np.array([[1 / scale, 0, wc[0] - centre[0] / scale], [0, 1 / scale, wc[1] - centre[1] / scale]])
        img = cv2.warpAffine(wall, to_wall, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        return np.clip(img, 0, 255).astype(np.uint8)

    pts_a, pts_b = fast.rescaled_dense_correspondences(frame(1.0), frame(zoom), zoom, centre)
    assert len(pts_a) >= twoview.MIN_MATCHES
    error = np.linalg.norm(pts_b - (centre + (pts_a - centre) * zoom), axis=1)
    assert np.median(error) < 0.5
    assert ((pts_b >= 0) & (pts_b <= [W - 1, H - 1])).all()
