"""Hostile inputs, round 16: clips with nothing to match.

Each test failed on the code before this round: ``colmap`` ran feature extraction and two
mappings on a clip of blank frames and named COLMAP's empty models as the reason; its
rotation-only failures gave frame numbers of the shot without their times.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry import colmap
from camerabench.errors import PredictionError
from camerabench.video import write_video


def test_colmap_refuses_a_blank_clip_before_matching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_video(tmp_path / "grey.mp4", np.full((6, 64, 64, 3), 120, np.uint8), fps=5)

    def no_matching(*args: object, **kwargs: object) -> None:
        raise AssertionError("COLMAP was run on blank frames")

    monkeypatch.setattr(colmap, "match_frames", no_matching)
    # was "COLMAP gave no usable model: ... no model; ... no model; no rotation-only estimate either"
    with pytest.raises(PredictionError, match=r"grey\.mp4: every one of the 6 sampled frames is blank"):
        colmap.ColmapPredictor(deterministic=True).estimate(tmp_path / "grey.mp4")


def test_colmap_rotation_only_failures_give_the_times() -> None:
    k = np.array([[100.0, 0, 63.5], [0, 100.0, 47.5], [0, 0, 1]])
    rng = np.random.default_rng(0)
    pts = rng.random((30, 2)) * 100
    ts = np.array([1.0, 1.2, 1.4, 1.6])
    # frame 2 has no verified pair: frames 1-3 are verified around it
    pairs = {(0, 1): (pts, pts + 1), (1, 3): (pts, pts + 2), (1, 2): (pts[:3], pts[:3])}
    with pytest.raises(
        PredictionError, match=r"frames 1 and 2, and frame 2 has .*; frame 2 is at t=1\.40 s, frame 1 at t=1\.20 s"
    ):
        colmap.rotation_only_trajectory(pairs, ts, k)
    with pytest.raises(
        PredictionError, match=r"frames 0 and 1, and none between frame 0 .*; frames 0 and 1 are at t=1\.00 and 1\.20 s"
    ):
        colmap.rotation_only_trajectory({(1, 2): (pts, pts)}, ts[:3], k)
