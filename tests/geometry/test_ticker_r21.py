"""fast: a news ticker (text scrolling sideways in a band along the bottom) over a still scene (R21).

Over a weakly textured still scene the ticker's text holds most SIFT matches of a pair; the scene
keeps a few at zero flow all over the frame, too few for the still test and enough to spread the
matches over most cells, so the confined-matches test did not apply and the ticker read as a pan
(R21: Pan_Right 1.12 on a still camera). Only the matches that carry the pair's motion count now.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.trajectory import intrinsic_from_fov
from camerabench.video import write_video

H, W, N, FPS = 240, 320, 15, 5.0
BAND = 40  # ticker band height (17 % of the frame)
SCROLL = 24  # px a frame the ticker's text moves left
TEXT = "BREAKING NEWS  markets up 3%  weather sunny  sport 2-1  " * 3
QUESTIONS = [Question(p.question, p) for p in (Primitive.PAN_RIGHT, Primitive.PAN_LEFT, Primitive.STATIC)]


def _weak_scene(width: int, seed: int = 0) -> NDArray[np.float32]:
    """Weak smooth texture (structure for dense flow, few SIFT matches) with a few small
    high-contrast squares spread over it (the scene's few SIFT matches, all over the frame)."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (H, width)).astype(np.float32), (0, 0), 4.0)
    scene = 110 + noise / noise.std() * 6
    xs, ys = rng.integers(10, width - 20, width // 20), rng.integers(10, H - BAND - 20, width // 20)
    for x, y in zip(xs, ys, strict=True):
        scene[y : y + 8, x : x + 8] = float(rng.choice([30.0, 220.0]))
    return np.clip(scene, 0, 255).astype(np.float32)


def _with_ticker(picture: NDArray[np.float32], i: int) -> NDArray[np.uint8]:
    frame = np.repeat(np.clip(picture, 0, 255).round().astype(np.uint8)[..., None], 3, axis=2)
    frame[H - BAND :] = (20, 20, 20)
    cv2.putText(frame, TEXT, (10 - SCROLL * i, H - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 0), 2)
    return frame


def _yaw_deg(c2w: NDArray[np.float64]) -> float:
    """Turn about the camera's vertical axis of the last pose relative to the first."""
    rel = c2w[0, :3, :3].T @ c2w[-1, :3, :3]
    return float(np.rad2deg(Rotation.from_matrix(rel).as_rotvec()[1]))


def test_ticker_over_still_weak_scene_reads_still(tmp_path: Path) -> None:
    scene = _weak_scene(W)
    video = tmp_path / "ticker_still.mp4"
    write_video(video, np.stack([_with_ticker(scene, i) for i in range(N)]), fps=FPS)
    result = fast.FastPredictor().predict(video, QUESTIONS)
    assert result.trajectory is not None
    # old: the ticker's matches read as a pan (yaw jumping 0 -> 8 -> 16 -> 0 deg between keyframes)
    turns = [np.rad2deg(Rotation.from_matrix(c[:3, :3]).magnitude()) for c in result.trajectory.cam_c2w]
    assert max(turns) < 0.05
    assert result.scores[Primitive.PAN_RIGHT.question] <= 0.0
    assert result.scores[Primitive.PAN_LEFT.question] <= 0.0
    assert result.scores[Primitive.STATIC.question] > -0.01  # a still trajectory scores 0 (a pan -1.1 here)


def test_same_ticker_over_a_panning_scene_stays_a_pan(tmp_path: Path) -> None:
    step = 4  # px a frame the scene moves left: the camera pans right
    rng = np.random.default_rng(1)  # a textured scene, as a real pan would show
    blocks = rng.uniform(0, 255, (H // 6, (W + step * N) // 6))
    strong = cv2.resize(blocks, (W + step * N, H), interpolation=cv2.INTER_NEAREST)
    wide = 0.5 * _weak_scene(W + step * N) + 0.5 * strong.astype(np.float32)
    video = tmp_path / "ticker_pan.mp4"
    write_video(video, np.stack([_with_ticker(wide[:, step * i : step * i + W], i) for i in range(N)]), fps=FPS)
    result = fast.FastPredictor().predict(video, QUESTIONS)
    assert result.trajectory is not None
    # the scene's motion, not the ticker's nor none: 4 px a frame through the assumed 60 deg field
    focal = intrinsic_from_fov(W, H, 60.0)[0, 0]
    expected = np.rad2deg(np.arctan(step * (N - 1) / focal))
    assert abs(_yaw_deg(result.trajectory.cam_c2w) - expected) < 0.25 * expected
    assert result.scores[Primitive.PAN_RIGHT.question] > 0.0
    assert result.scores[Primitive.STATIC.question] <= 0.0


def test_only_matches_that_carry_the_motion_count_as_confined(monkeypatch: pytest.MonkeyPatch) -> None:
    scene = _weak_scene(W, seed=2)
    a, b = (cv2.cvtColor(_with_ticker(scene, i), cv2.COLOR_RGB2GRAY) for i in (12, 13))
    (kp_a, d_a), (kp_b, d_b) = fast._features(a, 1000), fast._features(b, 1000)
    idx = fast._match(d_a, d_b)
    pts_a, pts_b = kp_a[idx[:, 0]].astype(np.float64), kp_b[idx[:, 1]].astype(np.float64)
    k = intrinsic_from_fov(W, H, 60.0)
    # the ticker is one rigid image motion: the still test's rigid-mover rule (stop 46) reads the pair
    # still by itself; without that rule, the rule for confined matches below must
    assert fast.estimate_pair(pts_a, pts_b, k).still
    monkeypatch.setattr(fast, "STILL_RIGID_MIN_SHARE", fast.STILL_MIN_SHARE)
    pair = fast.estimate_pair(pts_a, pts_b, k)
    at_zero = np.linalg.norm(pts_b - pts_a, axis=1) < 0.5
    assert at_zero.any() and not pair.still  # some scene matches, but too few for the still test
    assert fast._cells(pts_a, W, H) > fast.CONFINED_MAX_CELLS  # all matches: spread, not confined
    assert fast.still_behind_confined_matches(pts_a, pair, a, b, k) is None
    still = fast.still_behind_confined_matches(pts_a, pair, a, b, k, pts_b=pts_b)
    assert still is not None and still.still
