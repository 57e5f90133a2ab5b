"""Parallax carried by SIFT inliers in a small part of the frame is put to dense flow
(:data:`fast.CONFINED_PARALLAX_CELLS`).

A camera panning 0.4 deg a frame over a weakly textured desk (smooth, low-contrast: SIFT finds
almost nothing on it) while two strongly textured blocks are pushed about in its lower right
quarter (one right, one down: no single image motion), as a hand pushes a cube on the real ViSP
desk. The blocks hold the SIFT matches, and the essential matrix reads their two motions as a
translation. The test for a turning camera behind movers (:func:`fast.rotation_with_movers`)
relates such pairs here, so it is switched off to isolate the rule (on the real desk clips its
band test rejects them: DIS flow bleeds off the hand onto the desk).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast

WIDTH, HEIGHT = 320, 240
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
PAN_DEG = 0.4  # a frame
FRAMES = 10


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float, lo: float, hi: float) -> NDArray:
    noise = cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), sigma)
    return ((noise - noise.min()) / (noise.max() - noise.min()) * (hi - lo) + lo).astype(np.float32)


def _clip(seed: int = 0) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    desk = _texture(rng, (HEIGHT, 2 * WIDTH), 6.0, 90, 170)
    block = _texture(rng, (50, 50), 1.0, 20, 235)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    pixels = np.stack([xs, ys, np.ones_like(xs)], -1).reshape(-1, 3)
    frames = []
    for i in range(FRAMES):
        turn = K @ Rotation.from_rotvec([0.0, np.deg2rad(PAN_DEG * i), 0.0]).as_matrix() @ np.linalg.inv(K)
        src = pixels @ np.linalg.inv(turn).T
        map_x = (src[:, 0] / src[:, 2] + WIDTH / 2).reshape(HEIGHT, WIDTH).astype(np.float32)
        map_y = (src[:, 1] / src[:, 2]).reshape(HEIGHT, WIDTH).astype(np.float32)
        img = cv2.remap(desk, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        for x0, y0, dx, dy in ((180, 120, 5, 0), (240, 60, -1, 6)):  # pushed right; pushed down
            x, y = x0 + dx * i, y0 + dy * i
            h, w = img[y : y + 50, x : x + 50].shape
            img[y : y + h, x : x + w] = block[:h, :w]
        img = img + rng.normal(0.0, 2.0, img.shape)
        frames.append(np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, 2))
    return np.stack(frames)


@pytest.fixture(scope="module")
def clip() -> NDArray[np.uint8]:
    return _clip()


def _last_pose(frames: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64], list]:
    traj, pairs = fast.estimate_trajectory(frames, np.arange(len(frames)) / 5.0)
    return Rotation.from_matrix(traj.cam_c2w[-1][:3, :3]).as_rotvec(degrees=True), traj.cam_c2w[-1][:3, 3], pairs


def test_confined_parallax_is_related_by_dense_flow(clip: NDArray[np.uint8], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "rotation_with_movers", lambda *args, **kwargs: None)
    angles, centre, pairs = _last_pose(clip)
    assert all(p.rotation_only for _, _, p in pairs)
    assert np.abs(angles[1]) == pytest.approx(PAN_DEG * (FRAMES - 1), abs=0.1)  # the pan, 3.6 deg
    assert np.abs(angles[[0, 2]]).max() < 0.2 and not centre.any()


def test_without_the_rule_the_blocks_read_as_translation(
    clip: NDArray[np.uint8], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clip does exercise the rule: with it off, SIFT's confined inliers give a translating
    camera that turns the wrong way."""
    limit = fast.CONFINED_PARALLAX_CELLS
    monkeypatch.setattr(fast, "rotation_with_movers", lambda *args, **kwargs: None)
    monkeypatch.setattr(fast, "CONFINED_PARALLAX_CELLS", 0)
    angles, centre, pairs = _last_pose(clip)
    confined = [p.inlier_cells for _, _, p in pairs if not p.rotation_only]
    assert confined and max(confined) <= limit
    assert np.linalg.norm(centre) > 0.1 or abs(abs(angles[1]) - PAN_DEG * (FRAMES - 1)) > 1.0


def test_a_translating_pair_records_the_cells_its_inliers_reach() -> None:
    """Points of a sideways move over the whole frame reach every cell; the same move seen only in
    the lower right quarter reaches 4."""
    rng = np.random.default_rng(3)
    pts = np.c_[rng.uniform(0, WIDTH, 400), rng.uniform(0, HEIGHT, 400)]
    depth = rng.uniform(2.0, 8.0, 400)
    rays = np.c_[pts, np.ones(400)] @ np.linalg.inv(K).T * depth[:, None]
    moved = (rays + np.array([0.3, 0.0, 0.0])) @ K.T
    pts_b = moved[:, :2] / moved[:, 2:]
    pair = fast.estimate_pair(pts, pts_b, K)
    assert not pair.rotation_only and pair.inlier_cells == 16
    quarter = (pts[:, 0] > WIDTH / 2) & (pts[:, 1] > HEIGHT / 2)
    part = fast.estimate_pair(pts[quarter], pts_b[quarter], K)
    assert not part.rotation_only and part.inlier_cells == 4


def test_a_dense_pair_that_turns_as_the_sift_pose_does_not_replace_it(
    clip: NDArray[np.uint8], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the dense pair turns the camera within CONFINED_ROTATION_DEG of the SIFT pose (a forward
    move read by both), the SIFT pose stands: with the bound this loose every confined pair stands."""
    monkeypatch.setattr(fast, "rotation_with_movers", lambda *args, **kwargs: None)
    monkeypatch.setattr(fast, "CONFINED_ROTATION_DEG", 180.0)
    _, _, pairs = _last_pose(clip)
    assert any(not p.rotation_only and p.inlier_cells <= 8 for _, _, p in pairs)
