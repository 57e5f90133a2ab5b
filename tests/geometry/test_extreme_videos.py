"""Valid but extreme videos through ``fast`` (hostile-input sweep): each test fails without its fix."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.baselines.geometry.twoview import fit_rotation_zoom
from camerabench.baselines.registry import get_predictor
from camerabench.taxonomy import Primitive
from camerabench.video import write_video


def _texture(h: int, w: int, seed: int = 0) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for s in (2, 6, 20):
        img += cv2.GaussianBlur(rng.normal(0, 1, (h, w, 3)).astype(np.float32), (0, 0), s) * s
    return ((img - img.min()) / (img.max() - img.min()) * 255).astype(np.uint8)


def test_fast_zoom_out_by_four_is_a_zoom_out(tmp_path: Path) -> None:
    """x1/1.05 a frame for 30 frames (x0.24): SIFT relates the keyframe to the next sampled
    frames but not to the last, whose dense-flow points were counted against the keyframe's
    SIFT inliers (the overlap rule passed) and read as a small move that replaced the whole
    zoom (Zoom_Out 0.0 before); now the segment ends where SIFT's overlap does."""
    h, w = 180, 320
    base = _texture(4 * h, 4 * w)
    frames = []
    for i in range(30):
        m = cv2.getRotationMatrix2D((2 * w, 2 * h), 0.0, 1.05**-i)
        m[:, 2] -= np.array([1.5 * w, 1.5 * h])
        frames.append(cv2.warpAffine(base, m, (w, h), borderMode=cv2.BORDER_REFLECT))
    video = tmp_path / "zoom_out.mp4"
    write_video(video, np.stack(frames), fps=30)
    traj, _ = get_predictor("fast").trajectory(video)
    scores = trajectory_scores(traj)
    assert scores[Primitive.ZOOM_OUT] == pytest.approx(30 * np.log(1.05) - np.log(1.05), abs=0.15)
    assert max(scores[Primitive.MOVE_IN], scores[Primitive.MOVE_OUT], scores[Primitive.ZOOM_IN]) < 0.05


def test_half_turn_roll_is_not_a_folded_zoom() -> None:
    """Matches rotated by 180 deg about the centre: the fit started at no motion ended in a fold
    (a ~170 deg turn about a tilted axis with a x0.003 zoom, rays behind camera b); it is a roll."""
    k = np.array([[277.0, 0.0, 160.0], [0.0, 277.0, 90.0], [0.0, 0.0, 1.0]])
    rng = np.random.default_rng(0)
    pts_a = rng.uniform([0, 0], [320, 180], (80, 2))
    pts_b = 2 * k[:2, 2] - pts_a + rng.normal(0, 0.2, pts_a.shape)
    rot, zoom, err = fit_rotation_zoom(pts_a, pts_b, k)
    assert zoom == pytest.approx(1.0, abs=0.01)
    assert np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1))) == pytest.approx(180.0, abs=1.0)
    assert abs(rot[2, 2]) == pytest.approx(1.0, abs=1e-3)  # about the optical axis
    assert np.median(err) < 1.0
