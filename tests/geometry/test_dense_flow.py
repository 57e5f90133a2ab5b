"""fast relates frames with too little texture for SIFT by dense flow; black frames still fail."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import (
    _features,
    _match,
    dense_correspondences,
    estimate_trajectory,
    noise_sigma,
)
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.errors import PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_DENSE_FLOW_PAIRS

N = 10


def _weak_texture_clip(shift_px: float, seed: int = 0) -> NDArray[np.uint8]:
    """A dim, smooth, low-contrast wall (+-6 grey levels) under sensor noise, panned by a crop."""
    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.normal(0, 1, (240, 600)), (0, 0), 8)
    wall = 128 + 6 * wall / wall.std()
    frames = []
    for i in range(N):
        x = round(100 + shift_px * i)
        grey = np.clip(wall[20:212, x : x + 320] + rng.normal(0, 2.0, (192, 320)), 0, 255).astype(np.uint8)
        frames.append(np.repeat(grey[:, :, None], 3, axis=2))
    return np.stack(frames)


def test_sift_finds_nothing_on_the_weak_texture_clip() -> None:
    frames = _weak_texture_clip(4)
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames[:2]]
    feats = [_features(g, 1000) for g in grey]
    assert len(_match(feats[0][1], feats[1][1])) < 20  # the case the fallback exists for
    pts_a, pts_b = dense_correspondences(grey[0], grey[1])
    assert len(pts_a) > 100
    np.testing.assert_allclose(np.median(pts_b - pts_a, axis=0), [-4.0, 0.0], atol=0.5)  # content moves left


@pytest.mark.parametrize(("shift", "expected"), [(4.0, Primitive.PAN_RIGHT), (-4.0, Primitive.PAN_LEFT)])
def test_a_pan_over_weak_texture_is_estimated(shift: float, expected: Primitive) -> None:
    traj, _ = estimate_trajectory(_weak_texture_clip(shift), np.arange(N) / 5.0)
    assert traj.meta[META_DENSE_FLOW_PAIRS] > 0
    scores = trajectory_scores(traj, "default")
    assert max(scores, key=lambda p: scores[p]) is expected


def test_a_still_camera_over_weak_texture_comes_out_still() -> None:
    traj, _ = estimate_trajectory(_weak_texture_clip(0.0), np.arange(N) / 5.0)
    scores = trajectory_scores(traj, "default")
    moving = {p: v for p, v in scores.items() if p is not Primitive.STATIC}
    assert max(moving.values()) < 0.01


def test_black_frames_still_cannot_be_related() -> None:
    with pytest.raises(PredictionError, match=r"frames 0-1 .*: only 0 feature matches: frame 0 is blank"):
        estimate_trajectory(np.zeros((N, 192, 320, 3), np.uint8), np.arange(N) / 5.0)


def test_noise_estimate_on_known_noise() -> None:
    rng = np.random.default_rng(1)
    for sigma in (1.0, 3.0, 8.0):
        grey = np.clip(128 + rng.normal(0, sigma, (256, 256)), 0, 255).astype(np.uint8)
        assert noise_sigma(grey) == pytest.approx(sigma, rel=0.15)


def test_a_panning_camera_with_a_large_mover_is_a_rotation_not_parallax(rotation_clip) -> None:  # type: ignore[no-untyped-def]
    # A pan (0.5 degree between the two frames, focal 300 px) over a photo mosaic, and a textured
    # object a third of the frame in size moving 24 px across it, the other way: its flow is no
    # rotation of the scene's, and the scene's rotation+zoom holds the rest of the frame.
    from camerabench.baselines.geometry.fast import rotation_with_movers

    frames = rotation_clip(Primitive.PAN_LEFT, np.deg2rad(0.5), n=2, size=(480, 270), focal_px=300.0)
    patch = np.ascontiguousarray(rotation_clip(Primitive.ZOOM_IN, 0.0, n=2, size=(170, 150), focal_px=90.0)[0])
    frames[0, 60:210, 120:290] = patch
    frames[1, 60:210, 144:314] = patch
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    k = np.array([[300.0, 0, 239.5], [0, 300.0, 134.5], [0, 0, 1]])
    pair = rotation_with_movers(grey[0], grey[1], k)
    assert pair is not None and pair.with_movers and pair.rotation_only
    assert 0.1 < pair.moving_share < 0.45  # the object's points
    yaw = np.rad2deg(np.arctan2(pair.rot_b_from_a[0, 2], pair.rot_b_from_a[2, 2]))
    assert yaw == pytest.approx(0.5, abs=0.05)  # X_b = R X_a: the camera turned left by 0.5 degree
    assert pair.zoom == pytest.approx(1.0, abs=0.005)


def test_a_translating_camera_is_not_taken_for_a_rotation_with_movers(tmp_path: Path) -> None:
    # The standard preset's truck right: parallax spread continuously by depth, no mover.
    from camerabench.baselines.geometry.fast import rotation_with_movers
    from camerabench.synth import generate_dataset
    from camerabench.trajectory import intrinsic_from_fov
    from camerabench.video import read_video

    data = generate_dataset(tmp_path / "data", clips=6, seed=0, workers=1)  # clip 5 is the truck right
    clip = read_video(data / "videos" / "synth_005_move_right.mp4", fps=5.0)
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in clip.frames]
    k = intrinsic_from_fov(grey[0].shape[1], grey[0].shape[0], 60.0)
    for a, b in ((0, 2), (4, 6), (6, 8)):
        assert rotation_with_movers(grey[a], grey[b], k) is None, (a, b)
