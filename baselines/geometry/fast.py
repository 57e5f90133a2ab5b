"""``fast``: a two-view camera-motion estimator chained over the frames of a video.

Per pair of sampled frames (each frame against the current keyframe, see
:func:`estimate_trajectory`):

1. SIFT keypoints and descriptors (OpenCV: ~10x faster than kornia's SIFT on CPU, design.md B9),
   matched with kornia's mutual-nearest-neighbour + ratio test (``match_smnn``).
2. Inliers from kornia's RANSAC for an essential matrix on calibrated points: a rotating or
   zooming camera satisfies an essential matrix too, so these are the inliers of every motion.
3. A rotation + focal-scale model fitted to the inlier correspondences (4 parameters; kornia
   has no such model, so it is a small ``scipy.optimize.least_squares`` problem on bearing
   vectors: ~0.005 deg per pair where decomposing the homography gives ~0.08 deg, B9).
4. Model choice: when the rotation+zoom model explains the essential-matrix inliers to within
   ``parallax_px`` (median reprojection error), the pair is rotation(+zoom) only; otherwise the
   rotation and translation direction come from the essential matrix (kornia
   ``motion_from_essential_choose_solution``), zoom is taken as unchanged, and the translation
   length is set to ``1 / median depth`` of the triangulated inliers — i.e. translation is
   measured in units of the scene depth seen at that pair, the scale the motion scorers use
   (``meta["scene_depth"] = 1``). Monocular two-view geometry has no other scale: this is
   stated in the trajectory's meta and in run.json.

The intrinsics are not known for a video: the focal length of the first frame is assumed from a
horizontal field of view (option ``fov_deg``, default 60) with the principal point at the
centre. A wrong guess scales rotation angles but not their signs or ranking.

Known limits (measured on the synthetic presets, see ``benchmarks/bench_geometry.py``): a dolly
zoom (translation along the optical axis while the focal length changes) is ambiguous in two
views — zoom and depth trade off — and comes out as a translation, often of the wrong sign;
frames too dark or textureless for SIFT make the video fail.

Pairs are chained into camera-to-world poses. A pair with too few matches (no texture, a cut,
a motion too fast for the frame rate) makes the video fail with that reason: there is no
honest way to bridge it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.motion import META_SCENE_DEPTH
from camerabench.baselines.geometry.predictor import GeometricPredictor
from camerabench.errors import PredictionError
from camerabench.trajectory import Trajectory
from camerabench.video import read_video

__all__ = ["FastPredictor", "PairMotion", "estimate_pair", "estimate_trajectory", "fit_rotation_zoom", "focal_from_fov"]

log = logging.getLogger(__name__)

MIN_MATCHES = 20
"""Fewest feature matches (and RANSAC inliers) a pair needs."""


@dataclass(frozen=True)
class PairMotion:
    """Motion from frame a to frame b.

    Attributes:
        rot_b_from_a: (3, 3) rotation taking camera-a coordinates to camera-b coordinates.
        t_b_from_a: (3,) translation of the same transform (``X_b = R X_a + t``), in units of the
            median scene depth seen by camera a (zero for a rotation-only pair).
        zoom: focal length of b over a.
        rotation_only: True when the rotation+zoom model was chosen.
        num_matches: feature matches.
        num_inliers: essential-matrix RANSAC inliers.
        parallax_px: median reprojection error of the rotation+zoom model on those inliers.
    """

    rot_b_from_a: NDArray[np.float64]
    t_b_from_a: NDArray[np.float64]
    zoom: float
    rotation_only: bool
    num_matches: int
    num_inliers: int
    parallax_px: float


def focal_from_fov(width_px: int, fov_deg: float) -> float:
    """Focal length in pixels for a horizontal field of view.

    Example:
        >>> round(focal_from_fov(320, 90.0), 6)
        160.0
    """
    return 0.5 * width_px / float(np.tan(np.deg2rad(fov_deg) / 2))


def _project(k: NDArray[np.float64], rays: NDArray[np.float64]) -> NDArray[np.float64]:
    uvw = rays @ k.T
    return uvw[:, :2] / uvw[:, 2:3]


def fit_rotation_zoom(
    pts_a: NDArray[np.float64], pts_b: NDArray[np.float64], k_a: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """Rotation and focal scale mapping image-a points to image-b points (no translation).

    Model: ``x_b ~ K_b R K_a^-1 x_a`` with ``K_b`` = ``K_a`` with focal multiplied by ``zoom``.
    Robust (soft-L1, 1 px scale) least squares over the rotation vector and log zoom.

    Args:
        pts_a: (M, 2) pixels in image a.
        pts_b: (M, 2) matching pixels in image b.
        k_a: (3, 3) intrinsics of image a.

    Returns:
        ``(R_b_from_a (3, 3), zoom, residual_px (M,))``.
    """
    rays_a = np.concatenate([pts_a, np.ones((len(pts_a), 1))], axis=1) @ np.linalg.inv(k_a).T

    def k_b(log_zoom: float) -> NDArray[np.float64]:
        k = k_a.copy()
        k[0, 0] *= np.exp(log_zoom)
        k[1, 1] *= np.exp(log_zoom)
        return k

    def residual(params: NDArray[np.float64]) -> NDArray[np.float64]:
        rot = Rotation.from_rotvec(params[:3]).as_matrix()
        return (_project(k_b(params[3]), rays_a @ rot.T) - pts_b).ravel()

    fit = least_squares(residual, np.zeros(4), loss="soft_l1", f_scale=1.0, method="trf")
    rot = Rotation.from_rotvec(fit.x[:3]).as_matrix()
    err = np.linalg.norm(residual(fit.x).reshape(-1, 2), axis=1)
    return rot, float(np.exp(fit.x[3])), err


def _features(gray: NDArray[np.uint8], max_features: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    import cv2

    sift = cv2.SIFT_create(nfeatures=max_features)  # type: ignore[attr-defined]
    kps, desc = sift.detectAndCompute(gray, None)
    if desc is None:
        return np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32)
    return np.array([kp.pt for kp in kps], dtype=np.float32), desc.astype(np.float32)


def _match(desc_a: NDArray[np.float32], desc_b: NDArray[np.float32]) -> NDArray[np.int64]:
    import torch
    from kornia.feature import match_smnn

    if len(desc_a) < 2 or len(desc_b) < 2:
        return np.zeros((0, 2), np.int64)
    _, idx = match_smnn(torch.from_numpy(desc_a), torch.from_numpy(desc_b), th=0.85)
    return idx.numpy().astype(np.int64)


def estimate_pair(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    parallax_px: float = 1.0,
    seed: int = 0,
    label: str = "",
) -> PairMotion:
    """Motion between two frames from matched pixels (see module docstring).

    Args:
        pts_a: (M, 2) pixels in frame a.
        pts_b: (M, 2) matching pixels in frame b.
        k_a: (3, 3) intrinsics of frame a (frame b's are ``k_a`` with focal times ``zoom``).
        parallax_px: largest median rotation+zoom residual still called rotation-only.
        seed: RANSAC seed (results are reproducible).
        label: names the pair in error messages.

    Raises:
        PredictionError: too few matches or inliers.
    """
    import torch
    from kornia.geometry.epipolar import motion_from_essential_choose_solution
    from kornia.geometry.ransac import RANSAC

    if len(pts_a) < MIN_MATCHES:
        raise PredictionError(f"{label}: only {len(pts_a)} feature matches (too little texture or too fast motion)")
    focal = 0.5 * (k_a[0, 0] + k_a[1, 1])
    a64, b64 = torch.from_numpy(pts_a).double(), torch.from_numpy(pts_b).double()
    k_inv = np.linalg.inv(k_a)
    cal_a = torch.from_numpy((np.c_[pts_a, np.ones(len(pts_a))] @ k_inv.T)[:, :2])
    cal_b = torch.from_numpy((np.c_[pts_b, np.ones(len(pts_b))] @ k_inv.T)[:, :2])
    # One robust model selects the inliers of every motion: a pure rotation satisfies any
    # essential matrix, and a pure zoom the one of a forward translation, so the essential
    # matrix's inliers are the support of the rotation+zoom fit as well. Small sample batches:
    # after the ratio test most matches are inliers and the default 2048-sample batches cost ~10x.
    ransac = RANSAC(
        "essential", inl_th=1.0 / focal, batch_size=64, max_iter=2, max_lo_iters=0, refine_iters=1, seed=seed
    )
    e_mat, e_inl = ransac(cal_a, cal_b)
    e_mask = e_inl.numpy()
    num_e = int(e_mask.sum())
    if num_e < MIN_MATCHES:
        raise PredictionError(f"{label}: only {num_e} of {len(pts_a)} matches fit a two-view model")
    rot, zoom, err = fit_rotation_zoom(pts_a[e_mask], pts_b[e_mask], k_a)
    parallax = float(np.median(err))
    if parallax <= parallax_px:
        return PairMotion(rot, np.zeros(3), zoom, True, len(pts_a), num_e, parallax)
    k_t = torch.from_numpy(k_a)
    rot_e, t_e, points, num_front = motion_from_essential_choose_solution(
        e_mat, k_t, k_t, a64, b64, mask=torch.from_numpy(e_mask)
    )
    depth = points.numpy()[e_mask, 2]
    depth = depth[depth > 0]
    if int(num_front) < MIN_MATCHES or depth.size == 0:
        raise PredictionError(
            f"{label}: no consistent relative pose (only {int(num_front)} points in front of both views)"
        )
    log.debug("%s: %d of %d inliers in front of both views", label, int(num_front), num_e)
    t_unit = t_e.numpy().reshape(3)
    return PairMotion(rot_e.numpy(), t_unit / float(np.median(depth)), 1.0, False, len(pts_a), num_e, parallax)


def estimate_trajectory(
    frames: NDArray[np.uint8],
    timestamps: NDArray[np.float64],
    fov_deg: float = 60.0,
    parallax_px: float = 1.0,
    max_features: int = 1000,
    min_overlap: float = 0.35,
) -> tuple[Trajectory, list[tuple[int, int, PairMotion]]]:
    """Chain two-view motion over (N, H, W, 3) RGB frames into a trajectory.

    Frame-to-frame parallax is often below the noise of feature positions, so every frame is
    related to the current *keyframe* ``a``, not to its predecessor: frames ``a+1, a+2, ...``
    that show only rotation(+zoom) relative to ``a`` get their pose from that fit; the first one
    with parallax (or the last one that still overlaps ``a`` well: ``min_overlap`` of the inliers
    of ``(a, a+1)``) becomes the next keyframe. When a keyframe pair shows parallax, its relative
    pose comes from the essential matrix and the frames between are interpolated (rotation by
    slerp, position linearly in time).

    Returns:
        The trajectory (first camera at the origin, translation in scene-depth units,
        ``intrinsic`` with the focal length changing by the estimated zoom) and every estimated
        pair as ``(a, b, motion)``.
    """
    import cv2

    n, height, width = frames.shape[:3]
    focal0 = focal_from_fov(width, fov_deg)
    k = np.array([[focal0, 0.0, (width - 1) / 2], [0.0, focal0, (height - 1) / 2], [0.0, 0.0, 1.0]])
    feats = [_features(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), max_features) for f in frames]
    c2w = np.tile(np.eye(4), (n, 1, 1))
    intr = np.tile(k, (n, 1, 1))
    pairs: list[tuple[int, int, PairMotion]] = []

    def relate(a: int, b: int) -> PairMotion:
        idx = _match(feats[a][1], feats[b][1])
        label = f"frames {a}-{b} (t={timestamps[a]:.2f}-{timestamps[b]:.2f} s)"
        pts_a, pts_b = feats[a][0][idx[:, 0]].astype(np.float64), feats[b][0][idx[:, 1]].astype(np.float64)
        return estimate_pair(pts_a, pts_b, intr[a], parallax_px=parallax_px, seed=a * n + b, label=label)

    def place(a: int, b: int, pair: PairMotion) -> None:
        b_from_a = np.eye(4)
        b_from_a[:3, :3], b_from_a[:3, 3] = pair.rot_b_from_a, pair.t_b_from_a
        c2w[b] = c2w[a] @ np.linalg.inv(b_from_a)
        intr[b] = intr[a]
        intr[b, :2, :2] *= pair.zoom

    a = 0
    while a < n - 1:
        last_rotation_only = a
        first_inliers = 0
        parallax_at: int | None = None
        for b in range(a + 1, n):
            try:
                pair = relate(a, b)
            except PredictionError:
                if b == a + 1:
                    raise  # consecutive frames that cannot be related: nothing to bridge with
                break
            if b == a + 1:
                first_inliers = pair.num_inliers
            elif pair.num_inliers < min_overlap * first_inliers:
                break
            pairs.append((a, b, pair))
            place(a, b, pair)
            if not pair.rotation_only:
                parallax_at = b
                break
            last_rotation_only = b
        if parallax_at is None:
            a = last_rotation_only
            continue
        b = parallax_at
        if b > a + 1:  # in-between frames: interpolate between the two keyframes
            from scipy.spatial.transform import Slerp

            span = timestamps[[a, b]]
            inner = np.clip(timestamps[a + 1 : b], span[0], span[1])
            slerp = Slerp(span, Rotation.from_matrix(c2w[[a, b], :3, :3]))
            frac = (inner - span[0]) / (span[1] - span[0])
            c2w[a + 1 : b, :3, :3] = slerp(inner).as_matrix()
            c2w[a + 1 : b, :3, 3] = c2w[a, :3, 3] + frac[:, None] * (c2w[b, :3, 3] - c2w[a, :3, 3])
            intr[a + 1 : b] = intr[a]
        a = b
    meta = {
        META_SCENE_DEPTH: 1.0,
        "translation_unit": "median scene depth seen at each keyframe pair (two-view, per-pair scale)",
        "rotation_only": all(p.rotation_only for _, _, p in pairs),
        "assumed_fov_deg": fov_deg,
    }
    return Trajectory(c2w, intr, timestamps, meta=meta), pairs


class FastPredictor(GeometricPredictor):
    """Two-view geometry chained over frames (module docstring).

    Options:
        scorer: motion scorer name (default ``default``).
        sample_fps: frames per second sampled from the video (default 5).
        max_side: longer image side in pixels after resizing (default 480).
        fov_deg: assumed horizontal field of view of the first frame (default 60).
        parallax_px: rotation-only decision threshold in pixels (default 1.0).
        deterministic: single-threaded OpenCV too (results are reproducible either way: RANSAC
            is seeded).
    """

    name: ClassVar[str] = "fast"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "scorer": "default",
        "sample_fps": 5.0,
        "max_side": 480,
        "fov_deg": 60.0,
        "parallax_px": 1.0,
        "deterministic": False,
    }

    def setup(self) -> None:
        """One torch thread: the tensors are small and thread start-up costs more than it saves
        (measured 1.7x faster per clip on 2 busy cores); one OpenCV thread when deterministic."""
        import torch

        torch.set_num_threads(1)
        if self.opt("deterministic"):
            import cv2

            cv2.setNumThreads(1)

    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        clip = read_video(video_path, fps=self.opt("sample_fps"), max_side=self.opt("max_side"))
        if len(clip) < 2:
            raise PredictionError(f"{video_path}: {len(clip)} frame(s) sampled; two are needed")
        traj, pairs = estimate_trajectory(
            clip.frames, clip.timestamps, fov_deg=self.opt("fov_deg"), parallax_px=self.opt("parallax_px")
        )
        info = {
            "frames": len(clip),
            "keyframes": sorted({0, *(b for _, b, p in pairs if not p.rotation_only)}),
            "parallax_pairs": sum(not p.rotation_only for _, _, p in pairs),
            "rotation_only": bool(traj.meta["rotation_only"]),
            "median_inliers": float(np.median([p.num_inliers for _, _, p in pairs])),
        }
        return traj, info
