"""``colmap``'s rotation-only chain relates frames that COLMAP verifies too few matches between by
dense flow, as ``fast`` does (red team R86: a real pan over a sky failed with "COLMAP verified only
18 matches between frames 5 and 6, and none between frame 5 and a later one").

A 160x120 pan of 2 px a frame over a smooth gradient with faint blurred texture: COLMAP's SIFT
verifies no pair (measured: 0 matches at this texture amplitude, 30-33 at twice it), while DIS
finds ~295 points on image structure per pair.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import colmap, fast
from camerabench.baselines.geometry.scoring import camerabench_scores, decompose
from camerabench.baselines.geometry.twoview import fit_rotation_zoom
from camerabench.errors import PredictionError
from camerabench.taxonomy import Primitive

WIDTH, HEIGHT, FRAMES = 160, 120, 8
PAN_PX = 2.0  # the view moves right over the picture: the content moves left, a pan right
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)


def _sky_pan(texture: float) -> NDArray[np.uint8]:
    """(FRAMES, H, W, 3) RGB frames of a pan right over a gradient with ``texture`` grey levels of
    blurred noise."""
    rng = np.random.default_rng(0)
    width = WIDTH + int(PAN_PX * FRAMES) + 8
    yy, xx = np.mgrid[0:HEIGHT, 0:width].astype(np.float64)
    noise = cv2.GaussianBlur(rng.normal(0.0, 1.0, (HEIGHT, width)), (0, 0), 3.0)
    picture = (60 + 0.5 * xx + 0.4 * yy + texture * noise / noise.std()).astype(np.float32)
    out = []
    for f in range(FRAMES):
        shift = np.float32([[1, 0, PAN_PX * f], [0, 1, 0]])
        view = cv2.warpAffine(picture, shift, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        out.append(np.repeat(np.clip(view, 0, 255).astype(np.uint8)[..., None], 3, axis=2))
    return np.stack(out)


@pytest.fixture(scope="module")
def sky() -> tuple[dict, NDArray[np.uint8]]:
    frames = _sky_pan(3.0)
    with tempfile.TemporaryDirectory() as tmp:
        matched = colmap.match_frames(frames, Path(tmp), num_threads=1, prior_focal_px=float(K[0, 0]))
    grays = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    return matched.pairs, grays


def test_colmap_verifies_too_few_matches_and_the_old_chain_fails(sky: tuple[dict, NDArray[np.uint8]]) -> None:
    pairs, grays = sky
    assert all(len(pairs.get((i, i + 1), ((),))[0]) < colmap.MIN_MATCHES for i in range(FRAMES - 1))
    assert len(fast.dense_correspondences(grays[0], grays[1])[0]) >= 10 * colmap.MIN_MATCHES
    with pytest.raises(PredictionError, match="and none between frame 0 and a later one"):
        colmap.rotation_only_trajectory(pairs, np.arange(FRAMES) / 10.0, K, grays, dense_fallback=False)


def test_dense_flow_relates_the_pairs_as_a_pan_right(sky: tuple[dict, NDArray[np.uint8]]) -> None:
    pairs, grays = sky
    traj = colmap.rotation_only_trajectory(pairs, np.arange(FRAMES) / 10.0, K, grays)
    assert traj.meta["dense_flow_unmatched_pairs"] == FRAMES - 1
    assert traj.meta["dense_flow_pairs"] == FRAMES - 1
    scores = camerabench_scores(decompose(traj))
    assert max(scores, key=lambda p: scores[p]) is Primitive.PAN_RIGHT
    # the pan's angle against the rotation fitted to the true flow (every pixel PAN_PX to the left;
    # a uniform shift reads as a smaller turn than arctan(PAN_PX / f) since a turn moves the edges more)
    ys, xs = np.mgrid[8:HEIGHT:8, 8:WIDTH:8]
    grid = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float64)
    truth = fit_rotation_zoom(grid, grid - [PAN_PX, 0.0], K)[0]
    expected = np.rad2deg(Rotation.from_matrix(truth).magnitude()) * (FRAMES - 1)
    turned = Rotation.from_matrix(traj.cam_c2w[-1, :3, :3]).as_rotvec(degrees=True)
    assert abs(turned[1]) == pytest.approx(expected, rel=0.05)
    assert np.abs(turned[[0, 2]]).max() < 0.1 * expected


def test_a_blank_frame_still_fails_with_the_reason(sky: tuple[dict, NDArray[np.uint8]]) -> None:
    pairs, grays = sky
    grays = grays.copy()
    grays[3] = 128  # uniform: nothing for dense flow either
    with pytest.raises(PredictionError, match="nor can dense flow relate them: frame 3 is blank"):
        colmap.rotation_only_trajectory(pairs, np.arange(FRAMES) / 10.0, K, grays)
