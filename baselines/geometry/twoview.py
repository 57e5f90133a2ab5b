"""Two-view math shared by the geometric estimators: rotation (+ zoom) between two frames.

A camera that only rotates (and zooms) maps image a to image b by ``x_b ~ K_b R K_a^-1 x_a``,
whatever the depth of the scene. :func:`fit_rotation_zoom` fits that model to matched pixels
(kornia has no such model): RANSAC is left to select the inliers, and the rotation is fitted to
their bearing vectors, which is more accurate than decomposing an 8-DOF homography (design.md
B9). ``fast`` uses it for every pair of frames; ``colmap`` for videos without parallax.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

__all__ = ["MIN_MATCHES", "fit_rotation_zoom"]

MIN_MATCHES = 20
"""Fewest feature matches (and RANSAC inliers) a pair of frames needs."""


def _project(k: NDArray[np.float64], rays: NDArray[np.float64]) -> NDArray[np.float64]:
    uvw = rays @ k.T
    return uvw[:, :2] / uvw[:, 2:3]


def fit_rotation_zoom(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    focal_sigma: float | None = None,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """Rotation and focal scale mapping image-a points to image-b points (no translation).

    Model: ``x_b ~ K_b R K_a^-1 x_a`` with ``K_b`` = ``K_a`` with focal multiplied by ``zoom``.
    Robust (soft-L1, 1 px scale) least squares over the rotation vector and log zoom.

    The focal length of a video is guessed, and a rotation seen through a wrong focal length is
    not exactly a rotation+zoom of the guessed camera: the misfit grows with the angle and with
    the focal error, and would read as parallax. With ``focal_sigma`` the focal length of ``k_a``
    is a free parameter too, held near its guess by a log-normal prior of that width (a residual
    of ``log(f / f_guess) / focal_sigma`` pixels); small rotations leave it at the guess.

    Args:
        pts_a: (M, 2) pixels in image a.
        pts_b: (M, 2) matching pixels in image b.
        k_a: (3, 3) intrinsics of image a.
        focal_sigma: width of the prior on log focal length; None keeps ``k_a``'s focal fixed.

    Returns:
        ``(R_b_from_a (3, 3), zoom, residual_px (M,))``.

    Example:
        >>> k = np.array([[200.0, 0.0, 100.0], [0.0, 200.0, 80.0], [0.0, 0.0, 1.0]])
        >>> grid = np.stack(np.meshgrid(np.linspace(0, 200, 6), np.linspace(0, 160, 5)), -1)
        >>> pts_a = grid.reshape(-1, 2)
        >>> pts_b = (pts_a - k[:2, 2]) * 1.1 + k[:2, 2]  # a 10 % zoom in, no rotation
        >>> rot, zoom, residual = fit_rotation_zoom(pts_a, pts_b, k)
        >>> round(zoom, 6), bool(np.allclose(rot, np.eye(3), atol=1e-6))
        (1.1, True)
    """
    homog_a = np.concatenate([pts_a, np.ones((len(pts_a), 1))], axis=1)

    def scaled(k: NDArray[np.float64], log_scale: float) -> NDArray[np.float64]:
        out = k.copy()
        out[:2, :2] *= np.exp(log_scale)
        return out

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        k = scaled(k_a, params[4]) if focal_sigma is not None else k_a
        rays_a = homog_a @ np.linalg.inv(k).T
        rot = Rotation.from_rotvec(params[:3]).as_matrix()
        res = (_project(scaled(k, params[3]), rays_a @ rot.T) - pts_b).ravel()
        if focal_sigma is None:
            return res
        return np.append(res, params[4] / focal_sigma)

    x0 = np.zeros(5 if focal_sigma is not None else 4)
    fit = least_squares(residual, x0, loss="soft_l1", f_scale=1.0, method="trf")
    rot = Rotation.from_rotvec(fit.x[:3]).as_matrix()
    err = np.linalg.norm(residual(fit.x)[: 2 * len(pts_a)].reshape(-1, 2), axis=1)
    return rot, float(np.exp(fit.x[3])), err
