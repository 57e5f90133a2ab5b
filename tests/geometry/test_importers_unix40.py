"""Stop 40: imported poses timed in absolute seconds (TUM RGB-D's Unix times) are timed from the
video's first frame, as they were paired, so that the saved trajectory meets ground truth.

Before: the scores took the first pose as the video's first frame, while the trajectory kept its
Unix times (1.3e9 s); ``evaluate`` then could not associate it with ground truth timed from 0.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import importers
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.trajectory import META_TIMESTAMPS, Trajectory
from camerabench.trajectory_formats import write_trajectory
from camerabench.video import write_video

FPS = 10.0
UNIX = 1305031102.0  # the first timestamp of TUM RGB-D's freiburg1_xyz


def _video(path: Path, n: int = 10) -> Path:
    frames: NDArray[np.uint8] = np.random.default_rng(0).integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=FPS, preset="ultrafast")
    return path


def _tum(path: Path, start: float, n: int = 10) -> None:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, n)
    write_trajectory(path, Trajectory(c2w, None, start + np.arange(n) / FPS), "tum")


def test_unix_times_are_timed_from_the_first_frame(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    video = _video(tmp_path / "clip.mp4")
    _tum(tmp_path / "clip.txt", UNIX)
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(10) / FPS, atol=1e-6)
    assert traj.meta[META_TIMESTAMPS] == importers.TIMESTAMPS_SHIFTED
    assert "after the end of the" in caplog.text and "clip.txt" in caplog.text


def test_times_within_the_video_are_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # an estimate that began 0.3 s into a 1 s video: its times are seconds of the video
    video = _video(tmp_path / "clip.mp4")
    _tum(tmp_path / "clip.txt", 0.3, n=5)
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, 0.3 + np.arange(5) / FPS, atol=1e-9)
    assert META_TIMESTAMPS not in traj.meta
    assert "after the end of the" not in caplog.text


def test_without_the_video_nothing_can_be_told(tmp_path: Path) -> None:
    _tum(tmp_path / "clip.txt", UNIX)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(tmp_path / "clip.mp4")
    assert traj.timestamps[0] == pytest.approx(UNIX)
