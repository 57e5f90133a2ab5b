"""Two-view math shared by the geometric estimators: rotation (+ zoom) between two frames.

A camera that only rotates (and zooms) maps image a to image b by ``x_b ~ K_b R K_a^-1 x_a``,
whatever the depth of the scene. :func:`fit_rotation_zoom` fits that model to matched pixels
(kornia has no such model): RANSAC is left to select the inliers, and the rotation is fitted to
their bearing vectors, which is more accurate than decomposing an 8-DOF homography (design.md
B9). ``fast`` uses it for every pair of frames; ``colmap`` for videos without parallax.

:func:`localisation_noise_px` measures how precisely features are located on a clip (the
standard deviation of a keypoint's position), the unit the gates of both methods are stated in:
a residual is compared with what noise alone would leave on *that* clip, not with a pixel
count tuned on clean renders.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

__all__ = [
    "LENS_BOUND_SHARE",
    "LENS_K2_BOUND",
    "LENS_K_BOUND",
    "LENS_LOG_FOCAL_BOUND",
    "LENS_MAX_BEND",
    "MIN_MATCHES",
    "ROTATION_RESIDUAL_PER_SIGMA",
    "LensFit",
    "fit_rotation_zoom",
    "fit_rotation_zoom_focal",
    "fit_rotation_zoom_lens",
    "fit_rotation_zoom_radial",
    "localisation_noise_px",
    "rotation_zoom_residual",
    "rotation_zoom_transfer",
    "sigma_from_sampson",
]

MIN_MATCHES = 20
"""Fewest feature matches (and RANSAC inliers) a pair of frames needs.

A count, not a density: it is what the fits need to be over-determined (an essential matrix has
5 degrees of freedom, rotation + zoom 4), so that RANSAC's inlier set and the medians taken over
it mean something; it does not scale with the resolution. Where fewer SIFT matches exist (weak
texture), ``fast`` relates the frames by dense flow instead, so this count does not decide
whether a clip fails.
"""

#: Median transfer error (pixels) of a correct rotation+zoom fit, per unit of localisation
#: noise: with independent Gaussian noise of standard deviation sigma on each coordinate in both
#: images, the 2D error is Rayleigh with scale sigma*sqrt(2), whose median is
#: 2 sqrt(ln 2) sigma = 1.665 sigma.
ROTATION_RESIDUAL_PER_SIGMA = 2.0 * np.sqrt(np.log(2.0))

#: Median of |N(0, 1)|: the Sampson distance of a correct correspondence is, to first order,
#: the Gaussian noise along the normal of the epipolar variety, so sigma = median|d| / 0.6745.
_MEDIAN_ABS_NORMAL = 0.6744897501960817


FOCAL_FOV_RANGE_DEG = (5.0, 120.0)
"""Fields of view (degrees, across the frame's longer side, as
:func:`~camerabench.trajectory.intrinsic_from_fov` takes them) a free focal length may take in
:func:`fit_rotation_zoom`.

From a long telephoto (5 deg) to an ultra-wide phone or action camera (120 deg; a pinhole that
is wider is a fisheye, which no pinhole model fits). Without the bound the fit explains a
forward move toward a slanted plane (a dolly toward a poster) as a rotation+zoom seen through a
focal length of ~2 % of the guess (a 178 deg pinhole): 0.13 px of median misfit for a move of
40 % of the distance toward a plane turned 35 deg, where any focal length in this range leaves
8.7-10.4 px (simulated, 480x360, ``tests/geometry/test_fast.py``). The rotations seen through a
wrong focal guess that the free focal length is for stay well inside it (40 % off in the tests;
renders and real clips are 60 deg). The same escape had taken forward moves of the presets for
zooms in some pairs: with the bound, standard + hard preset (seed 0) Move_In AP 0.800 -> 0.846,
low texture and light knob 0.933 -> 0.940, mean 0.969 -> 0.972; the standard preset and the
real set (``bench_real.py``) kept every score.
"""


def sigma_from_sampson(sampson_px: NDArray[np.float64]) -> float:
    """Localisation noise (standard deviation per coordinate, pixels) from Sampson distances.

    Example:
        >>> d = np.random.default_rng(0).normal(0.0, 0.4, 20000)
        >>> round(sigma_from_sampson(d), 2)
        0.4
    """
    d = np.abs(np.asarray(sampson_px, dtype=np.float64))
    d = d[np.isfinite(d)]
    return float(np.median(d) / _MEDIAN_ABS_NORMAL) if d.size else float("nan")


def localisation_noise_px(pts_a: NDArray[np.float64], pts_b: NDArray[np.float64]) -> float:
    """Localisation noise of matched keypoints (pixels, per coordinate), NaN below 8 matches.

    A fundamental matrix (OpenCV, least median of squares: robust to the moving objects and
    mismatches a real clip has) is fitted to the matches; a fundamental matrix explains every
    rigid motion (translation, rotation, zoom), so what is left (the Sampson distance, see
    :func:`sigma_from_sampson`) is the noise of the keypoint positions, whatever the camera
    did. The fit takes 7 degrees of freedom of the M residuals: the estimate is slightly low
    for a few dozen matches.

    LMedS costs ~9 ms a pair (1,000 samples). Measured and not kept: OpenCV's USAC_ACCURATE
    fit (threshold three times a plain 8-point fit's noise) is faster (2.5 ms) and, on 150
    simulated pairs, closer to the true noise (1.04 +- 0.09 of it against LMedS's 1.09 +- 0.15),
    but on the real clips of ``benchmarks/bench_real.py`` it read 0.94-1.12 of LMedS per clip
    and 1.03-1.13 on raw matches with moving objects; every gate was measured with LMedS, and
    the still desk with a hand pushing a cube (ViSP ``mbt/cube``) lost some of its stillness
    (Static AP 1.0 -> 0.967 on that set), so the estimator stays until the gates are re-measured.
    Also measured and not kept: fitting the LMedS model to 150 / 250 / 400 evenly spaced matches
    and taking the Sampson distances of all: 7.0 / 8.0 / 9.1 ms against 10.1 ms a pair on 368
    real-set pairs (median 418 matches; the 7-point samples cost the time, not the residuals),
    for noise estimates 0.91-1.22 / 0.92-1.15 / 0.92-1.09 of the full fit (5th-95th percentile).

    Example:
        >>> rng = np.random.default_rng(1)
        >>> pts_a = rng.uniform(0, 400, (400, 2))
        >>> pts_b = pts_a * 1.05 + [3.0, -2.0]  # a zoom and a shift
        >>> noisy_b = pts_b + rng.normal(0.0, 0.5, pts_b.shape)
        >>> round(localisation_noise_px(pts_a + rng.normal(0.0, 0.5, pts_a.shape), noisy_b), 1)
        0.5
    """
    import cv2

    if not (np.isfinite(pts_a).all() and np.isfinite(pts_b).all()):  # OpenCV fits them and returns noise ~0
        raise ValueError("matched points must be finite")
    if len(pts_a) < 8:
        return float("nan")
    f_mat, _ = cv2.findFundamentalMat(
        np.asarray(pts_a, np.float64), np.asarray(pts_b, np.float64), cv2.FM_LMEDS, 1.0, 0.999
    )
    if f_mat is None or f_mat.shape != (3, 3):
        return float("nan")
    homog_a = np.c_[pts_a, np.ones(len(pts_a))]
    homog_b = np.c_[pts_b, np.ones(len(pts_b))]
    fa = homog_a @ f_mat.T
    fb = homog_b @ f_mat
    sampson = np.sum(homog_b * fa, axis=1) / np.sqrt(fa[:, 0] ** 2 + fa[:, 1] ** 2 + fb[:, 0] ** 2 + fb[:, 1] ** 2)
    return sigma_from_sampson(sampson)


def fit_rotation_zoom_focal(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    focal_sigma: float | None = None,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64], NDArray[np.float64]]:
    """:func:`fit_rotation_zoom` that also returns the intrinsics of image a it fitted.

    With ``focal_sigma`` the focal length is fitted (see :func:`fit_rotation_zoom`), and the
    rotation+zoom holds only through that focal length: residuals of other matches under the fit
    (:func:`rotation_zoom_residual`) must be measured with these intrinsics, not ``k_a``.

    Returns:
        ``(R_b_from_a (3, 3), zoom, K_a fitted (3, 3), residual_px (M,))``; the intrinsics are a
        copy of ``k_a`` (its focal lengths scaled by the fitted factor, 1 when ``focal_sigma`` is
        None).

    Raises:
        ValueError: as :func:`fit_rotation_zoom`.

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> grid = np.stack(np.meshgrid(np.linspace(0, 200, 6), np.linspace(0, 160, 5)), -1).reshape(-1, 2)
        >>> rot, zoom, k_fit, residual = fit_rotation_zoom_focal(grid, (grid - k[:2, 2]) * 1.1 + k[:2, 2], k, 0.3)
        >>> round(zoom, 6), round(float(k_fit[0, 0]), 3), bool(residual.max() < 1e-6)
        (1.1, 200.0, True)
    """
    return _fit_rotation_zoom(pts_a, pts_b, k_a, focal_sigma)


def fit_rotation_zoom(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    focal_sigma: float | None = None,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """Rotation and focal scale mapping image-a points to image-b points (no translation).

    Model: ``x_b ~ K_b R K_a^-1 x_a`` with ``K_b`` = ``K_a`` with focal multiplied by ``zoom``.
    Robust (soft-L1, 1 px scale) least squares over the rotation vector and log zoom, started
    from the matches' 2D similarity (:func:`_similarity_start`: 12.6 -> 7.0 evaluations a fit on
    the 754 fits of a 720p pan and the 22 real clips, the optima within 5e-4 deg) unless no
    motion fits them better.

    The focal length of a video is guessed, and a rotation seen through a wrong focal length is
    not exactly a rotation+zoom of the guessed camera: the misfit grows with the angle and with
    the focal error, and would read as parallax. With ``focal_sigma`` the focal length of ``k_a``
    is a free parameter too, held near its guess by a log-normal prior of that width (a residual
    of ``log(f / f_guess) / focal_sigma`` pixels) and within the fields of view of
    :data:`FOCAL_FOV_RANGE_DEG`; small rotations leave it at the guess.

    Args:
        pts_a: (M, 2) pixels in image a.
        pts_b: (M, 2) matching pixels in image b.
        k_a: (3, 3) intrinsics of image a.
        focal_sigma: width of the prior on log focal length; None keeps ``k_a``'s focal fixed.

    Returns:
        ``(R_b_from_a (3, 3), zoom, residual_px (M,))``.

    Raises:
        ValueError: fewer than 2 matches (the 4-5 parameters are not determined: no matches
            would give "no rotation, no zoom" from nothing), points of other shapes, or
            non-finite points or focal lengths.

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> grid = np.stack(np.meshgrid(np.linspace(0, 200, 6), np.linspace(0, 160, 5)), -1)
        >>> pts_a = grid.reshape(-1, 2)
        >>> pts_b = (pts_a - k[:2, 2]) * 1.1 + k[:2, 2]  # a 10 % zoom in, no rotation
        >>> rot, zoom, residual = fit_rotation_zoom(pts_a, pts_b, k)
        >>> round(zoom, 6), bool(np.allclose(rot, np.eye(3), atol=1e-6))
        (1.1, True)
    """
    rot, zoom, _, err = _fit_rotation_zoom(pts_a, pts_b, k_a, focal_sigma)
    return rot, zoom, err


def _fit_rotation_zoom(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    focal_sigma: float | None,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64], NDArray[np.float64]]:
    """:func:`fit_rotation_zoom_focal`'s fit (see :func:`fit_rotation_zoom`)."""
    import cv2

    pts_a = np.asarray(pts_a, dtype=np.float64)
    pts_b = np.asarray(pts_b, dtype=np.float64)
    if pts_a.ndim != 2 or pts_a.shape[1:] != (2,) or pts_b.shape != pts_a.shape:
        raise ValueError(f"matches must be two (M, 2) arrays of one shape, got {pts_a.shape} and {pts_b.shape}")
    if len(pts_a) < 2:
        raise ValueError(f"{len(pts_a)} match(es): a rotation and zoom needs at least 2")
    if not (np.isfinite(pts_a).all() and np.isfinite(pts_b).all() and np.isfinite(k_a).all() and k_a[0, 0] > 0):
        raise ValueError("matches and intrinsics must be finite, with a positive focal length")
    free_focal = focal_sigma is not None
    prior_width = focal_sigma if focal_sigma is not None else 1.0
    focal, centre = np.array([k_a[0, 0], k_a[1, 1]]), k_a[:2, 2]
    offsets = pts_a - centre  # rays of image a: (offset / focal, 1), with k_a's skew ignored (none is made)

    fixed_rays = np.ones((len(offsets), 3))
    fixed_rays[:, :2] = offsets / focal

    def model(params: NDArray[np.float64]) -> tuple[Any, ...]:
        f_a = focal * np.exp(params[4]) if free_focal else focal
        rays = fixed_rays
        if free_focal:
            rays = fixed_rays.copy()
            rays[:, :2] /= np.exp(params[4])
        rot, d_rot = cv2.Rodrigues(params[:3])
        q = rays @ rot.T
        ratio = q[:, :2] / q[:, 2:3]
        f_b = f_a * np.exp(params[3])
        return f_b, rays, rot, d_rot, q, ratio

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        f_b, _, _, _, _, ratio = model(params)
        res = (ratio * f_b + centre - pts_b).ravel()
        return np.append(res, params[4] / prior_width) if free_focal else res

    def jacobian(params: NDArray[np.float64]) -> NDArray[np.float64]:
        """Exact derivatives (cv2.Rodrigues gives the rotation matrix's): 4-5x fewer model
        evaluations than finite differences, and the same optimum."""
        f_b, rays, rot, d_rot, q, ratio = model(params)
        jac = np.zeros((2 * len(rays) + free_focal, len(params)))

        def d_projection(dq: NDArray[np.float64]) -> NDArray[np.float64]:
            return ((dq[:, :2] - ratio * dq[:, 2:3]) / q[:, 2:3] * f_b).ravel()

        for k in range(3):
            jac[: 2 * len(rays), k] = d_projection(rays @ d_rot[k].reshape(3, 3).T)
        jac[: 2 * len(rays), 3] = (ratio * f_b).ravel()
        if free_focal:
            d_rays = np.zeros_like(rays)
            d_rays[:, :2] = -rays[:, :2]
            jac[:-1, 4] = d_projection(d_rays @ rot.T) + (ratio * f_b).ravel()
            jac[-1, 4] = 1.0 / prior_width
        return jac

    half_side = float(max(centre))  # the fields of view are across the longer side (intrinsic_from_fov)
    x0 = np.zeros(5 if focal_sigma is not None else 4)
    start = _similarity_start(offsets, pts_b - centre, focal)
    lower, upper = np.full_like(x0, -np.inf), np.full_like(x0, np.inf)
    if free_focal:  # the focal length within FOCAL_FOV_RANGE_DEG (and never excluding the guess)
        widest, narrowest = (
            np.log(half_side / np.tan(np.deg2rad(fov) / 2.0) / focal[0]) for fov in FOCAL_FOV_RANGE_DEG[::-1]
        )
        lower[4], upper[4] = min(widest, -1e-6), max(narrowest, 1e-6)
    if start is not None:
        moved = x0.copy()
        moved[:4] = start
        if _soft_l1(residual(moved)) <= _soft_l1(residual(x0)):  # a degenerate similarity stays at no motion
            x0 = moved
    fit = least_squares(residual, x0, jac=jacobian, loss="soft_l1", f_scale=1.0, method="trf", bounds=(lower, upper))
    # A field of view for camera b (after the zoom) within FOCAL_FOV_RANGE_DEG, widened to the guess.
    f_lo, f_hi = (half_side / np.tan(np.deg2rad(fov) / 2.0) for fov in FOCAL_FOV_RANGE_DEG[::-1])
    f_lo, f_hi = min(f_lo, focal[0]), max(f_hi, focal[0])

    def folded(params: NDArray[np.float64]) -> bool:
        f_b, _, _, _, q, _ = model(params)
        return bool((q[:, 2] <= 0).any() or not f_lo <= float(f_b[0]) <= f_hi)

    if len(pts_a) >= 2 and start is not None and folded(fit.x):
        # A large roll (a half turn between sampled frames) can end in a projective fold: a turn
        # of ~170 deg about a tilted axis seen through a x0.003 "zoom", rays behind camera b,
        # which no camera does. Refit from the roll and scale of the matches' 2D similarity
        # about the principal point alone; keep it unless it fits worse and is no more plausible.
        restart = np.zeros_like(x0)
        restart[2:4] = start[2:4]
        refit = least_squares(
            residual, restart, jac=jacobian, loss="soft_l1", f_scale=1.0, method="trf", bounds=(lower, upper)
        )
        if not folded(refit.x) or refit.cost <= fit.cost:
            fit = refit
    rot = cv2.Rodrigues(fit.x[:3])[0]
    err = np.linalg.norm(residual(fit.x)[: 2 * len(pts_a)].reshape(-1, 2), axis=1)
    k_fit = np.array(k_a, dtype=np.float64)
    if free_focal:
        k_fit[:2, :2] *= np.exp(fit.x[4])
    return rot, float(np.exp(fit.x[3])), k_fit, err


LENS_K_BOUND = 0.5
"""Largest ``|k|`` of the one-coefficient division model of lens distortion that
:func:`fit_rotation_zoom_radial` may fit (normalised by the guessed focal length).

The model: a pixel at offset ``x_d`` from the principal point (in units of the focal length) is
the ray ``x_d / (1 + k |x_d|^2)`` (Fitzgibbon's division model; barrel distortion has k < 0).
On the lens-distortion knob's renders (OpenCV radial ``k1 = -0.25`` at 320x192, 60 deg, 13 % of
the corner radius) the fits of the rotating pairs gave k = -0.30 to -0.35 (seed 2
``lens_distortion_tilt_down``, 14 pairs); 0.5 is about 20 % of the corner radius of a 60 deg 5:3
frame. Not measured on a real distorted clip (the real set has none). Translating pairs often
end on the bound (the coefficient absorbs what it can of the parallax), which is why
``fast`` accepts the refit only when it leaves no more than noise and explains most of the
pinhole misfit (see its ``estimate_pair``).
"""


LENS_MAX_BEND = 0.5
"""Largest ``|k| r^2`` :func:`fit_rotation_zoom_radial` may reach at the farthest point of image a
(``r`` its offset from the principal point in focal lengths): the division model is one-to-one
only while ``|k| r^2 < 1`` (at ``k r^2 = -1`` a ray goes to infinity and past it rays are mirrored
through the principal point; at ``k r^2 = 1`` the picture folds back). At this share a corner
pixel's ray is at most 2x (barrel) or 2/3 (pincushion) of its pixel's radius. It binds before
:data:`LENS_K_BOUND` only where ``r^2 > 1`` (a frame wider than about 100 deg at 16:9: option
``fov_deg``); 60 deg frames (``r^2 <= 0.67`` for any aspect, the principal point at the centre)
never reach it.
"""


def _undistort_division(offsets: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    """Normalised offsets (M, 2) of distorted pixels to undistorted ones (division model)."""
    return offsets / (1.0 + k * np.sum(offsets * offsets, axis=1, keepdims=True))


def _distort_division(offsets: NDArray[np.float64], k: float) -> NDArray[np.float64]:
    """Inverse of :func:`_undistort_division`: solves ``r_u = r_d / (1 + k r_d^2)`` for ``r_d``
    in its cancellation-free form ``r_d = 2 r_u / (1 + sqrt(1 - 4 k r_u^2))`` (clipped where no
    real root exists: for ``k > 0``, rays beyond ``r_u = 1 / (2 sqrt(k))``, which no pixel of the
    lens shows; at ``k = 0.5`` that is 0.707, just past the 0.673 corner of a 60 deg 5:3 frame)."""
    r2 = np.sum(offsets * offsets, axis=1, keepdims=True)
    return np.asarray(offsets * 2.0 / (1.0 + np.sqrt(np.maximum(1.0 - 4.0 * k * r2, 0.0))))


def fit_rotation_zoom_radial(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    bound: float = LENS_K_BOUND,
) -> tuple[NDArray[np.float64], float, float, NDArray[np.float64]]:
    """:func:`fit_rotation_zoom` seen through a lens with radial distortion shared by both frames.

    A camera that only rotates, seen through an uncorrected barrel lens, is not a rotation+zoom
    of a pinhole: the misfit grows with the angle and the distortion and would read as parallax.
    Here one division-model coefficient k (:data:`LENS_K_BOUND`, normalised by ``k_a``'s focal
    length) is fitted with the rotation and the zoom (robust soft-L1, 1 px, started from the
    pinhole fit); the residual is measured in frame b's (distorted) pixels. ``|k|`` is also held
    to :data:`LENS_MAX_BEND` over the largest radius ``r`` of the points of image a
    (``|k| r^2 <= LENS_MAX_BEND``), where the model stays one-to-one: beyond ``k r^2 = -1`` it
    mirrors rays through the principal point and beyond ``k r^2 = 1`` it folds back. That binds
    only on frames wider than about 100 deg (a 60 deg 5:3 frame's corner has ``r^2 = 0.45``).

    Returns:
        ``(R_b_from_a (3, 3), zoom, k, residual_px (M,))``.

    Raises:
        ValueError: as :func:`fit_rotation_zoom`.

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> grid = np.stack(np.meshgrid(np.linspace(0, 200, 6), np.linspace(0, 160, 5)), -1).reshape(-1, 2)
        >>> rays = _undistort_division((grid - k[:2, 2]) / 200.0, -0.2)
        >>> moved = _distort_division(rays * 1.05, -0.2) * 200.0 + k[:2, 2]  # a 5 % zoom
        >>> _, zoom, k1, res = fit_rotation_zoom_radial(grid, moved, k)
        >>> round(zoom, 4), round(k1, 4), bool(res.max() < 1e-6)
        (1.05, -0.2, True)
    """
    import cv2

    rot0, zoom0, _ = fit_rotation_zoom(pts_a, pts_b, k_a)  # validates the input
    pts_a = np.asarray(pts_a, dtype=np.float64)
    pts_b = np.asarray(pts_b, dtype=np.float64)
    focal, centre = np.array([k_a[0, 0], k_a[1, 1]]), k_a[:2, 2]
    offsets_a = (pts_a - centre) / focal

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        rays = np.c_[_undistort_division(offsets_a, params[4]), np.ones(len(offsets_a))]
        q = rays @ cv2.Rodrigues(params[:3])[0].T
        image_b = _distort_division(q[:, :2] / q[:, 2:3] * np.exp(params[3]), params[4])
        return np.asarray((image_b * focal + centre - pts_b).ravel())

    x0 = np.r_[cv2.Rodrigues(rot0)[0].ravel(), np.log(zoom0), 0.0]
    r2_max = float(np.max(np.sum(offsets_a * offsets_a, axis=1)))
    k_max = min(bound, LENS_MAX_BEND / r2_max) if r2_max > 0 else bound  # all points at the centre: k is free
    lower = np.r_[np.full(4, -np.inf), -k_max]
    upper = np.r_[np.full(4, np.inf), k_max]
    fit = least_squares(residual, x0, loss="soft_l1", f_scale=1.0, method="trf", bounds=(lower, upper))
    err = np.linalg.norm(residual(fit.x).reshape(-1, 2), axis=1)
    return cv2.Rodrigues(fit.x[:3])[0], float(np.exp(fit.x[3])), float(fit.x[4]), err


LENS_K2_BOUND = 1.0
"""Largest ``|k2|`` (the second, ``r^4`` coefficient of the division model, normalised by the
fitted focal length) that :func:`fit_rotation_zoom_lens` may fit.

Measured (``fast``'s keyframe pairs that reach the lens refit, 2026-12, red team R106): a barrel lens
of OpenCV ``k1 = -0.45`` seen as a 46 deg frame through the 60 deg guess fits ``k2`` -0.75 to
-0.81 (0.5 held it at its bound with 0.09-0.10 px left instead of 0.075-0.087 px); equidistant
fisheyes of 160 and 170 deg fit -0.03. A fit that ends on this bound is not taken
(:data:`LENS_BOUND_SHARE`).
"""

LENS_LOG_FOCAL_BOUND = 1.5
"""Largest ``|log|`` of the factor :func:`fit_rotation_zoom_lens` may apply to the guessed focal
length (x0.22 to x4.5).

Measured (as :data:`LENS_K2_BOUND`): equidistant fisheyes of 160 and 170 deg seen through the 60
deg guess fit -0.88 and -0.95 (x0.41 and x0.39, the ratio of the guess to the fisheye's
``r = f theta`` focal length is 0.41 and 0.39); the 46 deg barrel lens +0.30 (x1.35; 1.36 expected).
Translating pairs run off to -1.5, where a focal length of a fifth of the guess flattens the
picture's parallax (forward moves of the standard and hard presets: 0.6-1.4 px left there against
noise gates of 0.37-1.6 px): such a fit ends on the bound and is not taken
(:data:`LENS_BOUND_SHARE`).
"""

LENS_BOUND_SHARE = 0.99
"""A parameter of :func:`fit_rotation_zoom_lens` past this share of its bound is "at its bound":
the fit ran off along a direction the matches do not fix, which is what parallax does to it, and
no lens was measured (see ``LensFit.at_bound``)."""


class LensFit(NamedTuple):
    """What :func:`fit_rotation_zoom_lens` fitted."""

    rot_b_from_a: NDArray[np.float64]
    """(3, 3) rotation from camera a to camera b."""
    zoom: float
    """Focal length of b over that of a."""
    k1: float
    """``r^2`` coefficient of the division model (normalised by the fitted focal length)."""
    k2: float
    """``r^4`` coefficient of the division model (normalised by the fitted focal length)."""
    focal_scale: float
    """Focal length of a (and of the lens's normalisation) over the guessed one."""
    residual_px: NDArray[np.float64]
    """(M,) transfer error in frame b's (distorted) pixels."""
    at_bound: bool
    """A parameter ended within :data:`LENS_BOUND_SHARE` of its bound, or the lens is not one-to-one
    over the radii of the points (a ray would be seen twice): the fit is no measurement of a lens."""


def _undistort_division2(offsets: NDArray[np.float64], k1: float, k2: float) -> NDArray[np.float64]:
    """Normalised offsets (M, 2) of distorted pixels to rays: ``x_d / (1 + k1 r_d^2 + k2 r_d^4)``."""
    r2 = np.sum(offsets * offsets, axis=1, keepdims=True)
    return offsets / (1.0 + k1 * r2 + k2 * r2 * r2)


def _distort_division2(offsets: NDArray[np.float64], k1: float, k2: float) -> NDArray[np.float64]:
    """Inverse of :func:`_undistort_division2` by Newton's method on the radius (8 steps from the
    one-coefficient solution of :func:`_distort_division`, exact for ``k2 = 0``)."""
    r_u = np.sqrt(np.sum(offsets * offsets, axis=1, keepdims=True))
    r_d = 2.0 * r_u / (1.0 + np.sqrt(np.maximum(1.0 - 4.0 * k1 * r_u * r_u, 0.0)))
    for _ in range(8):
        slope = 1.0 - r_u * (2.0 * k1 * r_d + 4.0 * k2 * r_d**3)
        step = (r_d - r_u * (1.0 + k1 * r_d**2 + k2 * r_d**4)) / np.where(np.abs(slope) < 1e-9, 1e-9, slope)
        r_d = r_d - step
    return np.asarray(offsets * np.where(r_u > 1e-12, r_d / np.maximum(r_u, 1e-12), 1.0))


def fit_rotation_zoom_lens(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    start: tuple[NDArray[np.float64], float, float] | None = None,
) -> LensFit:
    """:func:`fit_rotation_zoom_radial` with a lens beyond its one coefficient: two division-model
    coefficients (``x_d / (1 + k1 r^2 + k2 r^4)``, :data:`LENS_K2_BOUND`) and a free focal length
    (:data:`LENS_LOG_FOCAL_BOUND`), shared by both frames.

    One coefficient at the guessed focal length fits a moderate barrel lens; a strong one (OpenCV
    ``k1 = -0.45``) or a fisheye (``r = f theta``, 160-170 deg) leaves 0.4-1.3 px, which reads as
    parallax. ``k1`` is held to the bound of :func:`fit_rotation_zoom_radial` (computed over the
    guessed focal length). Robust soft-L1 (1 px), started from ``start`` (the one-coefficient refit's rotation,
    zoom and ``k``) or the pinhole fit. The fit's extra freedom absorbs part of any parallax: see
    ``LensFit.at_bound`` and ``fast``'s ``estimate_pair`` for what it is trusted with.

    Raises:
        ValueError: as :func:`fit_rotation_zoom`.

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> grid = np.stack(np.meshgrid(np.linspace(0, 200, 9), np.linspace(0, 160, 7)), -1).reshape(-1, 2)
        >>> f_true = 240.0  # the guess (200) is 17 % short
        >>> rays = _undistort_division2((grid - k[:2, 2]) / f_true, -0.3, -0.2)
        >>> c, s = np.cos(0.1), np.sin(0.1)  # a 5.7 deg pan and a 5 % zoom
        >>> q = np.c_[rays, np.ones(len(rays))] @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]).T
        >>> moved = _distort_division2(q[:, :2] / q[:, 2:] * 1.05, -0.3, -0.2) * f_true + k[:2, 2]
        >>> fit = fit_rotation_zoom_lens(grid, moved, k)
        >>> round(fit.zoom, 4), round(fit.focal_scale, 3), round(fit.k1, 3), bool(fit.residual_px.max() < 1e-4)
        (1.05, 1.2, -0.3, True)
    """
    import cv2

    pts_a = np.asarray(pts_a, dtype=np.float64)
    pts_b = np.asarray(pts_b, dtype=np.float64)
    if start is None:
        rot0, zoom0, _ = fit_rotation_zoom(pts_a, pts_b, k_a)  # validates the input
        k0 = 0.0
    else:
        rot0, zoom0, k0 = start
    focal, centre = np.array([k_a[0, 0], k_a[1, 1]]), k_a[:2, 2]
    offsets_guess = (pts_a - centre) / focal
    r2_max = float(np.max(np.sum(offsets_guess * offsets_guess, axis=1))) if len(pts_a) else 0.0
    k1_max = min(LENS_K_BOUND, LENS_MAX_BEND / r2_max) if r2_max > 0 else LENS_K_BOUND

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        f_fit = focal * np.exp(params[6])
        rays = np.c_[_undistort_division2((pts_a - centre) / f_fit, params[4], params[5]), np.ones(len(pts_a))]
        q = rays @ cv2.Rodrigues(params[:3])[0].T
        image_b = _distort_division2(q[:, :2] / q[:, 2:3] * np.exp(params[3]), params[4], params[5])
        return np.asarray((image_b * f_fit + centre - pts_b).ravel())

    bounds = np.array([k1_max, LENS_K2_BOUND, LENS_LOG_FOCAL_BOUND])
    x0 = np.r_[cv2.Rodrigues(rot0)[0].ravel(), np.log(zoom0), np.clip(k0, -k1_max, k1_max), 0.0, 0.0]
    fit = least_squares(
        residual,
        x0,
        loss="soft_l1",
        f_scale=1.0,
        method="trf",
        bounds=(np.r_[np.full(4, -np.inf), -bounds], np.r_[np.full(4, np.inf), bounds]),
    )
    k1, k2, log_focal = (float(v) for v in fit.x[4:])
    err = np.linalg.norm(residual(fit.x).reshape(-1, 2), axis=1)
    # one-to-one over the radii of the points (in the fitted focal length): 1 + k1 r^2 + k2 r^4 > 0
    # and r / (1 + k1 r^2 + k2 r^4) growing with r
    r2 = np.linspace(0.0, r2_max * np.exp(-2.0 * log_focal), 64)
    denominator = 1.0 + k1 * r2 + k2 * r2 * r2
    growing = 1.0 - k1 * r2 - 3.0 * k2 * r2 * r2
    at_bound = bool(
        np.any(np.abs(fit.x[4:]) > LENS_BOUND_SHARE * bounds) or np.any(denominator <= 0) or np.any(growing <= 0)
    )
    return LensFit(
        cv2.Rodrigues(fit.x[:3])[0], float(np.exp(fit.x[3])), k1, k2, float(np.exp(log_focal)), err, at_bound
    )


def _soft_l1(residual: NDArray[np.float64]) -> float:
    """The soft-L1 cost (1 px scale) that :func:`fit_rotation_zoom` minimises."""
    return float(np.sum(2.0 * (np.sqrt(1.0 + residual**2) - 1.0)))


def _similarity_start(
    offsets_a: NDArray[np.float64], offsets_b: NDArray[np.float64], focal: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """A start for :func:`fit_rotation_zoom` (rotation vector, log zoom) from the matches' 2D
    similarity about the principal point (OpenCV's LMedS fit): its scale is the zoom, its angle
    the roll, and where it takes the principal point the pan and tilt (to first order). None
    where OpenCV finds no similarity."""
    import cv2

    similarity, _ = cv2.estimateAffinePartial2D(offsets_a, offsets_b, method=cv2.LMEDS)
    if similarity is None or not np.isfinite(similarity).all():
        return None
    scale = max(float(np.hypot(similarity[0, 0], similarity[1, 0])), 1e-6)
    start = np.zeros(4)
    f_b = focal * scale
    start[0] = -similarity[1, 2] / f_b[1]
    start[1] = similarity[0, 2] / f_b[0]
    start[2] = np.arctan2(similarity[1, 0], similarity[0, 0])
    start[3] = np.log(scale)
    return start


def rotation_zoom_transfer(
    pts_a: NDArray[np.float64],
    k_a: NDArray[np.float64],
    rot_b_from_a: NDArray[np.float64],
    zoom: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Where points of frame a land in frame b under a rotation+zoom (:func:`fit_rotation_zoom`'s
    model): (M, 2) pixel positions and (M,) whether the ray is in front of camera b (a point
    whose ray turns behind the camera has no image in b; its position is then meaningless).

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> pts, ahead = rotation_zoom_transfer(np.array([[150.0, 120.0]]), k, np.eye(3), 2.0)
        >>> pts.round(6), ahead
        (array([[200., 160.]]), array([ True]))
    """
    k_b = k_a.copy()
    k_b[:2, :2] *= zoom
    rays = np.c_[pts_a, np.ones(len(pts_a))] @ np.linalg.inv(k_a).T @ rot_b_from_a.T
    proj = rays @ k_b.T
    return proj[:, :2] / proj[:, 2:3], np.asarray(proj[:, 2] > 0.0)


def rotation_zoom_residual(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    rot_b_from_a: NDArray[np.float64],
    zoom: float,
) -> NDArray[np.float64]:
    """(M,) transfer error (pixels) of matches under a rotation+zoom (:func:`fit_rotation_zoom`'s model).

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> pts = np.array([[50.0, 40.0], [150.0, 120.0]])
        >>> rotation_zoom_residual(pts, (pts - k[:2, 2]) * 1.1 + k[:2, 2] + [0.0, 3.0], k, np.eye(3), 1.1).round(6)
        array([3., 3.])
    """
    moved, _ = rotation_zoom_transfer(pts_a, k_a, rot_b_from_a, zoom)
    return np.asarray(np.linalg.norm(moved - pts_b, axis=1))
