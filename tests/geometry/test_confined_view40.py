"""fast: the still-behind-confined-matches check votes only with points the pair keeps in view (stop 40).

A turning camera whose keyframe pair has little overlap left holds its SIFT matches in the few
cells that both frames still show; the dense flow elsewhere runs between pictures that no longer
overlap and reads near zero. Those points cannot tell a still camera from a turning one.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

import camerabench.baselines.geometry.fast as fast
from camerabench.baselines.geometry.twoview import rotation_zoom_transfer

H, W = 180, 240
F = W / 2 / np.tan(np.radians(30.0))
K = np.array([[F, 0.0, (W - 1) / 2], [0.0, F, (H - 1) / 2], [0.0, 0.0, 1.0]])
GRAIN = 2.0


def _weak(seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 1, (H, W)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 4.0)
    return np.clip(110 + smooth / smooth.std() * 6, 0, 255).astype(np.float32)


def _pair(pan_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame a (weak texture, strong texture in its right-hand column of cells) and frame b, the
    same camera panned right by ``pan_deg`` (exact rotation homography); where b sees what a did
    not, a wall of repeating weak texture shows the same picture as a there."""
    weak = _weak(0)
    a = weak.copy()
    strong = np.random.default_rng(1).uniform(0, 255, (H // 6, W // 24)).astype(np.float32)
    a[:, 3 * W // 4 :] = cv2.resize(strong, (W // 4, H), interpolation=cv2.INTER_NEAREST)
    rot = Rotation.from_euler("y", -pan_deg, degrees=True).as_matrix()  # b from a; image content moves left
    hom = K @ rot @ np.linalg.inv(K)
    b = cv2.warpPerspective(a, hom, (W, H), flags=cv2.INTER_LINEAR, borderValue=-1.0)
    seen = cv2.warpPerspective(np.ones_like(a), hom, (W, H), flags=cv2.INTER_NEAREST, borderValue=0.0) > 0
    b = np.where(seen & (b >= 0), b, weak)
    grain = np.random.default_rng(3).normal(0.0, GRAIN, (2, H, W))  # sensor noise, new in every frame
    a, b = (np.clip(f + g, 0, 255).round().astype(np.uint8) for f, g in zip((a, b), grain, strict=True))
    return a, b, rot


def test_turning_camera_with_little_overlap_left_is_not_still() -> None:
    a, b, rot = _pair(40.0)
    (kp_a, d_a), (kp_b, d_b) = fast._features(a, 1000), fast._features(b, 1000)
    idx = fast._match(d_a, d_b)
    pts_a, pts_b = kp_a[idx[:, 0]].astype(np.float64), kp_b[idx[:, 1]].astype(np.float64)
    pair = fast.estimate_pair(pts_a, pts_b, K)
    assert pair.rotation_only and not pair.still
    turn = np.degrees(Rotation.from_matrix(pair.rot_b_from_a @ rot.T).magnitude())
    assert turn < 1.0  # the matches give the true pan
    assert fast._cells(pts_a, W, H) <= fast.CONFINED_MAX_CELLS  # confined: the check applies
    # old: the dense flow left of the overlap (pictures that no longer overlap) read near zero: "still"
    assert fast.still_behind_confined_matches(pts_a, pair, a, b, K) is None


def test_points_carried_out_of_view() -> None:
    rot = Rotation.from_euler("y", -40.0, degrees=True).as_matrix()
    pts = np.array([[10.0, 90.0], [230.0, 90.0]])
    moved, ahead = rotation_zoom_transfer(pts, K, rot, 1.0)
    assert ahead.all()
    assert moved[0, 0] < 0.0 <= moved[1, 0] < W  # the left point leaves the frame, the right one stays
    behind = Rotation.from_euler("y", 170.0, degrees=True).as_matrix()
    assert not rotation_zoom_transfer(pts, K, behind, 1.0)[1].any()
