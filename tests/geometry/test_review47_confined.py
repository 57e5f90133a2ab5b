"""Review RV47a of the confined-parallax rule (:data:`fast.CONFINED_PARALLAX_CELLS`): edge inputs
of the rule, the cells counted under a picture crop, and the chain's dense-pair bookkeeping.

The clip builder is ``tests/geometry/test_confined_parallax47.py``'s, copied with the blocks'
offsets a parameter: a camera panning over a weakly textured desk while two strongly textured
blocks (which hold the SIFT matches) are pushed about in its lower right quarter, one right and one
down. :func:`fast.rotation_with_movers` is switched off as there, to isolate the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast
from camerabench.trajectory import picture_intrinsic

from .layouts import desk_with_pushed_blocks

WIDTH, HEIGHT = 320, 240
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
PAN_DEG = 0.4  # a frame


def _clip(offsets: Sequence[int], seed: int = 0) -> NDArray[np.uint8]:
    """One frame an offset: frame i pans PAN_DEG * i, its blocks pushed ``offsets[i]`` steps."""
    return desk_with_pushed_blocks(offsets, K, PAN_DEG, seed, (WIDTH, HEIGHT))


@pytest.fixture(autouse=True)
def _no_movers_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "rotation_with_movers", lambda *args, **kwargs: None)


def _run(frames: NDArray[np.uint8], **kw: object) -> tuple[fast.Trajectory, list]:
    return fast.estimate_trajectory(frames, np.arange(len(frames)) / 5.0, **kw)


def test_no_dense_points_keeps_the_sift_pose(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense flow that finds no point at all (an empty (0, 2) set) is no crash: the confined SIFT
    pose stands, as where the rule is off."""
    frames = _clip(range(6))
    limit = fast.CONFINED_PARALLAX_CELLS
    empty = np.zeros((0, 2))
    monkeypatch.setattr(fast, "dense_correspondences", lambda *args, **kwargs: (empty, empty))
    traj, pairs = _run(frames)
    monkeypatch.setattr(fast, "CONFINED_PARALLAX_CELLS", 0)
    _, off = _run(frames)
    confined = [p.inlier_cells for _, _, p in pairs if not p.rotation_only]
    assert confined and max(confined) <= limit
    assert [(a, b) for a, b, _ in pairs] == [(a, b) for a, b, _ in off]
    assert traj.meta[fast.META_DENSE_FLOW_PAIRS] == 0


def test_a_mask_that_leaves_dense_flow_few_cells_keeps_the_sift_pose() -> None:
    """With ``usable`` true only over the blocks' quarter, SIFT and dense flow alike see only the
    blocks: dense flow reaches at most 4 cells (fewer than MOVERS_MIN_CELLS), so no pair is
    replaced and the translating SIFT poses stand."""
    frames = _clip(range(6))
    usable = np.zeros((HEIGHT, WIDTH), bool)
    usable[HEIGHT // 4 :, WIDTH // 2 :] = True
    traj, pairs = _run(frames, usable=usable)
    assert any(not p.rotation_only and p.inlier_cells <= fast.CONFINED_PARALLAX_CELLS for _, _, p in pairs)
    assert traj.meta[fast.META_DENSE_FLOW_PAIRS] == 0


def test_odd_portrait_frames_count_cells_over_the_whole_frame() -> None:
    """A portrait frame of odd sides: a sideways move seen over the whole frame reaches all 16
    cells, the same move seen only in its lower right quarter 4 (the principal point is at the
    centre, so the grid spans the frame)."""
    width, height = 181, 321
    k = fast.intrinsic_from_fov(width, height, 60.0)
    rng = np.random.default_rng(5)
    pts = np.c_[rng.uniform(0, width, 500), rng.uniform(0, height, 500)]
    depth = rng.uniform(2.0, 8.0, 500)
    rays = np.c_[pts, np.ones(500)] @ np.linalg.inv(k).T * depth[:, None]
    moved = (rays + np.array([0.3, 0.0, 0.0])) @ k.T
    pts_b = moved[:, :2] / moved[:, 2:]
    whole = fast.estimate_pair(pts, pts_b, k)
    assert not whole.rotation_only and whole.inlier_cells == 16
    quarter = (pts[:, 0] > width / 2 + 2) & (pts[:, 1] > height / 2 + 2)
    part = fast.estimate_pair(pts[quarter], pts_b[quarter], k)
    assert not part.rotation_only and part.inlier_cells == 4


def test_a_translation_over_a_whole_off_centre_picture_reaches_every_cell() -> None:
    """A picture in the right half of a 640x240 frame (``picture`` of estimate_trajectory): a move
    seen all over the picture should reach all 16 cells of it."""
    picture = (320, 0, 640, 240)
    k = picture_intrinsic(picture, 60.0)
    rng = np.random.default_rng(6)
    pts = np.c_[rng.uniform(320, 640, 500), rng.uniform(0, 240, 500)]
    depth = rng.uniform(2.0, 8.0, 500)
    rays = np.c_[pts, np.ones(500)] @ np.linalg.inv(k).T * depth[:, None]
    moved = (rays + np.array([0.3, 0.0, 0.0])) @ k.T
    pair = fast.estimate_pair(pts, moved[:, :2] / moved[:, 2:], k, region=picture)
    assert not pair.rotation_only
    assert pair.inlier_cells == 16
    # the intrinsics' [0, 2 cx] grid (no region) would put the picture in its right half: 8 cells
    assert fast.estimate_pair(pts, moved[:, :2] / moved[:, 2:], k).inlier_cells == 8


def test_a_replaced_confined_pair_ends_the_segment() -> None:
    """Blocks still in frame 1 (SIFT relates 0-1, rotation-only), pushed from frame 2 on: SIFT still
    relates 0-2 (plenty of inliers) but dense flow replaces its confined pose. Objects pushed in
    front hold the keyframe's matches, so the segment ends at frame 1 and the chain goes on from
    there with shorter baselines (as where dense flow relates a pair SIFT could not)."""
    frames = _clip([0, 0, 3, 6, 9, 12])
    _, pairs = _run(frames)
    keyed = [(a, b) for a, b, _ in pairs]
    assert (0, 1) in keyed and (0, 2) not in keyed and (1, 2) in keyed


@pytest.mark.parametrize("region", [(10, 0, 10, 240), (0, 50, 320, 20), (0, 0, float("nan"), 240)])
def test_a_region_that_is_no_rectangle_is_refused(region: tuple[float, float, float, float]) -> None:
    rng = np.random.default_rng(8)
    pts = np.c_[rng.uniform(0, WIDTH, 200), rng.uniform(0, HEIGHT, 200)]
    depth = rng.uniform(2.0, 8.0, 200)
    rays = np.c_[pts, np.ones(200)] @ np.linalg.inv(K).T * depth[:, None]
    moved = (rays + np.array([0.3, 0.0, 0.0])) @ K.T
    with pytest.raises(ValueError, match="x0 < x1 and y0 < y1"):
        fast.estimate_pair(pts, moved[:, :2] / moved[:, 2:], K, region=region)
