"""``fast``'s gross-mismatch check when the guessed focal length is wrong.

A rotation+zoom seen through a wrongly guessed focal length leaves a misfit of its own (synthetic
seed 1 ``zoom_out_and_tilt_up``: 44.7 deg true against the 60 deg guess); with gross radial
mismatches among the inliers, :func:`~camerabench.baselines.geometry.fast.rotation_with_mismatches`
must fit the focal length too, or the consensus misses its share and the pair reads as a move.
The matches are projections of known 3D points through a known camera, so the truth is exact.

And through an uncorrected barrel lens (seed 2 ``lens_distortion_tilt_down``): a rotation stays a
rotation, a move stays a move. Those frames are made with OpenCV's own radial model
(``cv2.projectPoints`` with ``k1``), not with the division model that
:func:`~camerabench.baselines.geometry.twoview.fit_rotation_zoom_radial` fits, so the fit is
checked against an independent lens.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast, twoview
from camerabench.trajectory import intrinsic_from_fov

K = np.array([[250.0, 0, 160], [0, 250.0, 96], [0, 0, 1]])  # the guess
FOCAL_RATIO = 1.4  # the true focal length over the guessed one


def _with_focal(k: np.ndarray, scale: float) -> np.ndarray:
    out = k.copy()
    out[:2, :2] *= scale
    return out


def _project(points_cam: np.ndarray, k: np.ndarray) -> np.ndarray:
    uv = points_cam @ k.T
    return uv[:, :2] / uv[:, 2:]


def _points(seed: int, n: int = 400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(-3, 3, (n, 2)), rng.uniform(4, 10, n)]


def _tilt_zoom_out(
    share_bad: float, seed: int, deg: float = 11.0, zoom: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A tilt with a zoom out through the true camera (focal FOCAL_RATIO x the guess), seen in
    frame a, with ``share_bad`` of the matches displaced 10-40 px outwards along their ray from
    the centre (they fit the essential matrix of a forward move). Returns (a, b, rotation)."""
    rot = Rotation.from_euler("x", deg, degrees=True).as_matrix()
    k_true = _with_focal(K, FOCAL_RATIO)
    pts = _points(seed)
    rng = np.random.default_rng(seed + 1)
    a = _project(pts, k_true)
    b = _project(pts @ rot.T, _with_focal(k_true, zoom))
    seen = (a >= 0).all(1) & (a < [320, 192]).all(1) & (b >= 0).all(1) & (b < [320, 192]).all(1)
    a, b = a[seen], b[seen]
    a = a + rng.normal(0, 0.1, a.shape)
    b = b + rng.normal(0, 0.1, b.shape)
    offset = b - K[:2, 2]
    radius = np.linalg.norm(offset, axis=1)
    bad = rng.choice(len(a), int(share_bad * len(a)), replace=False)
    b[bad] += offset[bad] / radius[bad, None] * rng.uniform(10.0, 40.0, (len(bad), 1))
    return a, b, rot


def test_free_focal_fit_recovers_the_true_focal_length() -> None:
    a, b, rot = _tilt_zoom_out(0.0, seed=1)
    r_fit, zoom, k_fit, residual = twoview.fit_rotation_zoom_focal(a, b, K, fast.FOCAL_SIGMA)
    assert k_fit[0, 0] / K[0, 0] == pytest.approx(FOCAL_RATIO, rel=0.03)
    assert k_fit[1, 1] / K[1, 1] == pytest.approx(FOCAL_RATIO, rel=0.03)
    assert (k_fit[:2, 2] == K[:2, 2]).all()
    assert zoom == pytest.approx(0.8, rel=0.01)
    assert np.rad2deg(Rotation.from_matrix(r_fit @ rot.T).magnitude()) < 0.2
    assert np.median(residual) < 0.3
    # residuals measured through the fitted intrinsics agree with the fit's own
    transfer = twoview.rotation_zoom_residual(a, b, k_fit, r_fit, zoom)
    np.testing.assert_allclose(transfer, residual, atol=1e-6)
    # without a prior the intrinsics are k_a's
    assert (twoview.fit_rotation_zoom_focal(a, b, K)[2] == K).all()


@pytest.mark.parametrize("share_bad", [0.15, 0.3])
def test_rotation_with_mismatches_through_a_wrong_focal_guess(share_bad: float) -> None:
    a, b, _ = _tilt_zoom_out(share_bad, seed=3)
    gate = 1.0
    # the guessed focal length's rotation+zoom leaves too few of the matches within the gate
    # (the check with a fixed focal length would fail, else this test proves nothing)
    r_fixed, z_fixed, _ = twoview.fit_rotation_zoom(a, b, K)
    assert np.median(twoview.rotation_zoom_residual(a, b, K, r_fixed, z_fixed)) > gate
    good = np.ones(len(a), bool)
    for _ in range(3):  # even refitted to the true consensus alone
        r_fixed, z_fixed, _ = twoview.fit_rotation_zoom(a[good], b[good], K)
        good = twoview.rotation_zoom_residual(a, b, K, r_fixed, z_fixed) <= gate
    assert good.mean() < fast.MISMATCH_MIN_SHARE
    consensus = fast.rotation_with_mismatches(a, b, K, gate)
    assert consensus is not None
    r_fit, zoom, parallax = consensus
    assert parallax <= gate
    # the angles and the zoom are the guessed focal length's (as estimate_pair keeps them): the
    # same pixel motion is a larger turn of a wider camera, about FOCAL_RATIO times the true one
    assert zoom == pytest.approx(0.8, rel=0.05)
    angle = np.rad2deg(Rotation.from_matrix(r_fit).as_rotvec())
    assert angle[0] == pytest.approx(11.0 * FOCAL_RATIO, rel=0.1)
    assert abs(angle[1]) < 1.0 and abs(angle[2]) < 1.0
    pair = fast.estimate_pair(a, b, K)
    assert pair.rotation_only


@pytest.mark.parametrize("centre", [(0.0, 0.0, 0.6), (0.0, 0.0, -0.6), (0.3, 0.0, 0.0), (0.0, 0.3, 0.0)])
def test_mismatch_check_with_free_focal_leaves_translations_alone(centre: tuple[float, float, float]) -> None:
    # moves seen through the same wrong guess: the free focal length must not absorb parallax
    k_true = _with_focal(K, FOCAL_RATIO)
    pts = _points(12)
    rng = np.random.default_rng(13)
    a = _project(pts, k_true) + rng.normal(0, 0.1, (len(pts), 2))
    b = _project(pts - np.asarray(centre), k_true) + rng.normal(0, 0.1, (len(pts), 2))
    assert fast.rotation_with_mismatches(a, b, K, gate=1.0) is None
    pair = fast.estimate_pair(a, b, K)
    assert not pair.rotation_only
    major = int(np.argmax(np.abs(centre)))
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a
    assert np.sign(centre_b[major]) == np.sign(centre[major])


def _left_part(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The matches whose frame-a pixel lies in the left 2 of the 4 grid columns (8 of 16 cells):
    texture confined to part of the frame, as on a clip whose other side is sky or a blank wall."""
    keep = a[:, 0] < 150.0
    return a[keep], b[keep]


def test_mismatch_check_on_matches_confined_to_part_of_the_frame() -> None:
    a, b, _ = _tilt_zoom_out(0.2, seed=5)
    a, b = _left_part(a, b)
    assert fast._cells(a, 320, 192) < fast.MISMATCH_MIN_CELLS  # else this test proves nothing
    consensus = fast.rotation_with_mismatches(a, b, K, 1.0)
    assert consensus is not None
    assert consensus[1] == pytest.approx(0.8, rel=0.05)


@pytest.mark.parametrize("centre", [(0.0, 0.0, 0.6), (0.3, 0.0, 0.0)])
def test_confined_translations_stay_translations(centre: tuple[float, float, float]) -> None:
    k_true = _with_focal(K, FOCAL_RATIO)
    pts = _points(14)
    rng = np.random.default_rng(15)
    a = _project(pts, k_true) + rng.normal(0, 0.1, (len(pts), 2))
    b = _project(pts - np.asarray(centre), k_true) + rng.normal(0, 0.1, (len(pts), 2))
    a, b = _left_part(a, b)
    assert fast.rotation_with_mismatches(a, b, K, gate=1.0) is None


# ---- an uncorrected barrel lens ----------------------------------------------------------------

WIDTH, HEIGHT = 320, 192
K_LENS = intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
K1 = -0.25  # the synthetic lens-distortion knob's barrel lens at this size


def _scene(seed: int, n: int = 500) -> np.ndarray:
    """Points at depths 4-12 that fill a 60 deg view (camera-a coordinates)."""
    rng = np.random.default_rng(seed)
    depth = rng.uniform(4.0, 12.0, n)
    xy = rng.uniform(-1.0, 1.0, (n, 2)) * depth[:, None] * [0.62, 0.4]
    return np.c_[xy, depth]


def _view(points_a: np.ndarray, rot_b_from_a: np.ndarray, t_b_from_a: np.ndarray, k1: float) -> np.ndarray:
    """Pixels of the points in a camera at ``X_b = R X_a + t`` seen through OpenCV's radial lens."""
    rvec = cv2.Rodrigues(rot_b_from_a)[0]
    px, _ = cv2.projectPoints(points_a, rvec, np.asarray(t_b_from_a, float), K_LENS, np.array([k1, 0.0, 0.0, 0.0]))
    return np.asarray(px.reshape(-1, 2), dtype=np.float64)


def _pair(rot: np.ndarray, t: np.ndarray, k1: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    points = _scene(seed)
    rng = np.random.default_rng(seed + 100)
    a = _view(points, np.eye(3), np.zeros(3), k1)
    b = _view(points, rot, t, k1)
    inside = (a >= 0).all(1) & (a < [WIDTH, HEIGHT]).all(1) & (b >= 0).all(1) & (b < [WIDTH, HEIGHT]).all(1)
    a, b = a[inside], b[inside]
    return a + rng.normal(0.0, 0.08, a.shape), b + rng.normal(0.0, 0.08, b.shape)


@pytest.mark.parametrize(("axis", "deg"), [(0, 12.0), (0, -14.0), (1, 16.0)])
def test_rotation_through_barrel_lens_is_rotation_only(axis: int, deg: float) -> None:
    rotvec = np.zeros(3)
    rotvec[axis] = np.deg2rad(deg)
    rot = Rotation.from_rotvec(rotvec).as_matrix()
    a, b = _pair(rot, np.zeros(3), K1)
    # the pinhole model alone reads the lens as parallax (else this test proves nothing)
    _, _, plain = twoview.fit_rotation_zoom(a, b, K_LENS, focal_sigma=fast.FOCAL_SIGMA)
    assert np.median(plain) > 1.0
    pair = fast.estimate_pair(a, b, K_LENS)
    assert pair.rotation_only
    angle = np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a).as_rotvec())
    assert np.sign(angle[axis]) == np.sign(deg)
    assert abs(angle[axis]) == pytest.approx(abs(deg), rel=0.15)


@pytest.mark.parametrize("t", [(0.4, 0.0, 0.0), (0.0, 0.3, 0.0), (0.0, 0.0, -0.6), (0.0, 0.0, 0.6)])
@pytest.mark.parametrize("k1", [0.0, K1])
def test_translation_through_lens_still_translates(t: tuple[float, float, float], k1: float) -> None:
    a, b = _pair(np.eye(3), np.asarray(t), k1, seed=3)
    pair = fast.estimate_pair(a, b, K_LENS)
    assert not pair.rotation_only
    major = int(np.argmax(np.abs(t)))
    # X_b = X_a + t: the camera moved by -t
    assert np.sign(pair.t_b_from_a[major]) == np.sign(t[major])


def test_radial_fit_recovers_opencv_lens_and_pinhole() -> None:
    rot = Rotation.from_rotvec([0.0, np.deg2rad(9.0), 0.0]).as_matrix()
    a, b = _pair(rot, np.zeros(3), K1, seed=5)
    r_fit, zoom, k, residual = twoview.fit_rotation_zoom_radial(a, b, K_LENS)
    # division model k ~ k1 to first order; OpenCV's and the division model differ at 2nd order
    assert -0.45 < k < -0.2
    assert np.median(residual) < 0.3
    assert zoom == pytest.approx(1.0, abs=0.01)
    assert np.rad2deg(Rotation.from_matrix(r_fit @ rot.T).magnitude()) < 0.5
    a0, b0 = _pair(rot, np.zeros(3), 0.0, seed=5)
    _, _, k0, _ = twoview.fit_rotation_zoom_radial(a0, b0, K_LENS)
    assert abs(k0) < 0.03
