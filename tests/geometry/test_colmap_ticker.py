"""``colmap``'s rotation-only chain and a still camera under a news ticker (red team R21).

Before: a still camera over a weakly textured scene with text scrolling sideways in a band along
the bottom read as a pan (``ticker_still`` Pan_Right 0.55): the ticker's verified matches are the
majority of each consecutive pair and the rotation+zoom chain followed them. Now every chained
pair goes through ``fast``'s still tests (``still_camera``, ``still_behind_confined_matches``),
and a pair judged still gets the identity rotation and zoom 1 (``still_pairs`` in the meta).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.colmap import rotation_only_trajectory

H, W, BAND = 240, 320, 40
K = np.array([[277.0, 0.0, (W - 1) / 2], [0.0, 277.0, (H - 1) / 2], [0.0, 0.0, 1.0]])


def _weak_scene(width: int, seed: int = 0) -> NDArray[np.uint8]:
    """A smooth, low-contrast scene (few SIFT features, but structure for dense flow)."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.0, 1.0, (H // 8 + 2, width // 8 + 2)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, H), interpolation=cv2.INTER_CUBIC)[:H, :width]
    return np.clip(100 + 40 * smooth, 0, 255).astype(np.uint8)


def _frames(n: int, pan_px: float, ticker_px: float) -> NDArray[np.uint8]:
    """Grey frames: the scene seen ``pan_px`` further right each frame, under a ticker band whose
    text moves left by ``ticker_px`` a frame."""
    scene = _weak_scene(W + int(pan_px * n) + 2)
    out = []
    for i in range(n):
        x = round(pan_px * i)
        frame = scene[:, x : x + W].copy()
        frame[H - BAND :] = 20
        cv2.putText(frame, "BREAKING NEWS MARKETS UP 3 PCT", (int(W - ticker_px * i), H - 12), 0, 0.8, 255, 2)
        out.append(frame)
    return np.stack(out)


def _rolling_frames(n: int, roll_deg: float) -> NDArray[np.uint8]:
    """Grey frames of the weak scene rolling ``roll_deg`` a frame about the centre, as
    :func:`_frames`' band (burnt in: it does not roll) lies over it; a point at p in frame 0 is at
    ``R^i (p - c) + c`` in frame i (R: ``roll_deg`` in image coordinates)."""
    scene = _weak_scene(W)
    centre = K[:2, 2]
    out = []
    for i in range(n):
        turn = Rotation.from_euler("z", roll_deg * i, degrees=True).as_matrix()[:2, :2]
        m = np.c_[turn, centre - turn @ centre]
        frame = cv2.warpAffine(scene, m, (W, H), borderMode=cv2.BORDER_REFLECT)
        frame[H - BAND :] = 20
        cv2.putText(frame, "BREAKING NEWS MARKETS UP 3 PCT", (W, H - 12), 0, 0.8, 255, 2)
        out.append(frame)
    return np.stack(out)


def _ticker_pairs(
    n: int, pan_px: float, ticker_px: float, seed: int = 1
) -> dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Matches of consecutive frames as COLMAP verifies them on such a clip: many on the ticker
    (moving by ``ticker_px``), a few spread over the scene (moving by ``pan_px``)."""
    rng = np.random.default_rng(seed)
    pairs = {}
    for i in range(n - 1):
        tick = np.c_[rng.uniform(10, W - 10, 150), rng.uniform(H - BAND + 5, H - 5, 150)]
        scene = np.c_[rng.uniform(10, W - 10, 15), rng.uniform(10, H - BAND - 10, 15)]
        pts_a = np.r_[tick, scene]
        pts_b = np.r_[tick - [ticker_px, 0.0], scene - [pan_px, 0.0]] + rng.normal(0.0, 0.02, (165, 2))
        pairs[(i, i + 1)] = (pts_a, pts_b)
    return pairs


def test_a_still_camera_under_a_ticker_is_still_with_the_frames() -> None:
    n = 6
    pairs = _ticker_pairs(n, pan_px=0.0, ticker_px=8.0)
    ts = np.arange(n) / 5.0
    # without the frames: the ticker's matches drive the chain (what R21 found)
    blind = rotation_only_trajectory(pairs, ts, K)
    assert blind.meta["still_pairs"] == 0
    turned = np.rad2deg(np.linalg.norm(Rotation.from_matrix(blind.cam_c2w[-1, :3, :3]).as_rotvec()))
    assert turned > 1.0  # 8 px a frame at f=277: ~1.6 deg a pair, read as a pan
    traj = rotation_only_trajectory(pairs, ts, K, _frames(n, pan_px=0.0, ticker_px=8.0))
    assert traj.meta["still_pairs"] == n - 1
    np.testing.assert_allclose(traj.cam_c2w, np.tile(np.eye(4), (n, 1, 1)))
    np.testing.assert_allclose(traj.intrinsic, np.tile(K, (n, 1, 1)))


def test_a_pan_under_a_ticker_stays_a_pan() -> None:
    n = 6
    pan_px = 4.0
    pairs = _ticker_pairs(n, pan_px=pan_px, ticker_px=8.0)
    # the scene's own matches follow the pan too, as COLMAP's would
    traj = rotation_only_trajectory(pairs, np.arange(n) / 5.0, K, _frames(n, pan_px=pan_px, ticker_px=8.0))
    assert traj.meta["still_pairs"] == 0
    turned = np.rad2deg(np.linalg.norm(Rotation.from_matrix(traj.cam_c2w[-1, :3, :3]).as_rotvec()))
    assert turned > 1.0


def test_a_still_camera_behind_a_large_mover_is_still_from_the_matches_alone() -> None:
    # a third of the matches at zero flow all over the frame, the rest on one large object moving
    # 6 px a frame: the rotation+zoom fit follows the object (still_camera, no frames needed)
    rng = np.random.default_rng(2)
    n = 4
    pairs = {}
    for i in range(n - 1):
        still = rng.uniform([5, 5], [W - 5, H - 5], (60, 2))
        mover = rng.uniform([40, 40], [W - 40, H - 40], (120, 2))
        pts_a = np.r_[still, mover]
        pts_b = np.r_[still, mover + np.array([6.0, 0.0])] + rng.normal(0.0, 0.02, (180, 2))
        pairs[(i, i + 1)] = (pts_a, pts_b)
    traj = rotation_only_trajectory(pairs, np.arange(n) / 5.0, K)
    assert traj.meta["still_pairs"] == n - 1
    np.testing.assert_allclose(traj.cam_c2w, np.tile(np.eye(4), (n, 1, 1)))


def test_a_slow_roll_within_the_zero_flow_radius_is_not_still() -> None:
    # consecutive frames of a slow roll (0.1 deg a pair about the centre: at most 0.35 px of flow,
    # within still_camera's zero-flow radius): the fit moves the matches by less than the band, so
    # the pair keeps its rotation and 2 deg accumulate over 20 pairs (a real digital roll,
    # opencv_tree at 10 fps, read half as much roll when such pairs were made still)
    rng = np.random.default_rng(3)
    n = 21
    turn = Rotation.from_euler("z", 0.1, degrees=True).as_matrix()[:2, :2]
    centre = K[:2, 2]
    pairs = {}
    for i in range(n - 1):
        pts_a = rng.uniform([5, 5], [W - 5, H - 5], (400, 2))
        pts_b = (pts_a - centre) @ turn.T + centre + rng.normal(0.0, 0.15, (400, 2))
        pairs[(i, i + 1)] = (pts_a, pts_b)
    traj = rotation_only_trajectory(pairs, np.arange(n) / 10.0, K, _rolling_frames(n, 0.1))
    assert traj.meta["still_pairs"] == 0
    rolled = np.rad2deg(np.linalg.norm(Rotation.from_matrix(traj.cam_c2w[-1, :3, :3]).as_rotvec()))
    np.testing.assert_allclose(rolled, 0.1 * (n - 1), rtol=0.1)
