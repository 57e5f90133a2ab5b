"""A keyframe segment ends where objects start moving in front, also when their motion shows only as
confined parallax that dense flow contradicts between the last two frames (``fast``'s chain).

A camera held still zooms out (x0.985 a frame) over a weakly textured desk with two textured blocks
that a hand starts pushing at frame 10, as on the real desk zoom out (``visp_mbt_cube_digital_zoom_out``
of ``benchmarks/real_clips.yaml``, where a hand pushes the paper from frame 9). Against the first
frame, 10 frames and a x0.87 zoom back, the SIFT matches on the moved blocks read as a translation in
a few cells that dense flow, across the zoom, cannot recheck; between frames 9 and 10 the same kind of
parallax is contradicted by dense flow (``confined_parallax``). The segment must end at frame 9.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast

from .layouts import desk_zooming_out_with_pushed_blocks

FRAMES = 12
ZOOM = 0.985  # a frame
PUSHED_FROM = 10
CASES = [(1, 20.0), (3, 20.0), (3, 28.0)]  # (seed, scene pixels the blocks are pushed a frame)


def _clip(seed: int, push: float) -> NDArray[np.uint8]:
    return desk_zooming_out_with_pushed_blocks(FRAMES, ZOOM, PUSHED_FROM, push, seed)


@pytest.mark.parametrize(("seed", "push"), CASES)
def test_the_keyframe_pair_across_the_push_reads_confined_parallax(seed: int, push: float) -> None:
    """The clip exercises the rule: SIFT's matches of frames 0 and 10 give a translating pair whose
    inliers reach at most CONFINED_PARALLAX_CELLS cells (the blocks)."""
    frames = _clip(seed, push)
    k = fast.intrinsic_from_fov(frames.shape[2], frames.shape[1], 60.0)
    grays = [frames[i, :, :, 0] for i in (0, PUSHED_FROM)]
    (kp_a, desc_a), (kp_b, desc_b) = (fast._features(g, 1000) for g in grays)
    idx = fast._match(desc_a, desc_b)
    pair = fast.estimate_pair(kp_a[idx[:, 0]].astype(float), kp_b[idx[:, 1]].astype(float), k)
    assert not pair.rotation_only
    assert pair.inlier_cells <= fast.CONFINED_PARALLAX_CELLS


@pytest.mark.parametrize(("seed", "push"), CASES)
def test_a_still_camera_zooming_out_while_blocks_are_pushed_stays_still(seed: int, push: float) -> None:
    """Every pair is a rotation+zoom; the camera neither moves nor turns and zooms out as built
    (x0.985 a frame: x0.847 at the last frame)."""
    traj, pairs = fast.estimate_trajectory(_clip(seed, push), np.arange(FRAMES) / 5.0)
    assert all(p.rotation_only for _, _, p in pairs)
    assert not traj.cam_c2w[:, :3, 3].any()
    turn = Rotation.from_matrix(traj.cam_c2w[-1, :3, :3]).magnitude()
    assert np.rad2deg(turn) < 0.5
    focal = np.asarray(traj.focal_px)
    assert focal[-1] / focal[0] == pytest.approx(ZOOM ** (FRAMES - 1), rel=0.01)
