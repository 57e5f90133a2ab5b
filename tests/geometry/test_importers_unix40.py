"""Stop 40: imported poses timed in absolute seconds (TUM RGB-D's Unix times) keep their clock,
with a warning that says what pairs with them and how to time them from the video.

Before: ``predict`` said nothing; the scores took the first pose as the video's first frame while
the saved trajectory kept its Unix times (1.3e9 s), and ``evaluate`` against ground truth timed
from 0 refused the clip. Times are not moved (ground truth on the same clock, as TUM RGB-D's own,
pairs with them); ``start_frame`` times them from the video.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.trajectory import Trajectory
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


def test_unix_times_are_kept_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    video = _video(tmp_path / "clip.mp4")
    _tum(tmp_path / "clip.txt", UNIX)
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, UNIX + np.arange(10) / FPS)
    assert "clip.txt: the first pose is at 1.30503e+09 s, after the end of the" in caplog.text
    assert "give start_frame (0: the video's first frame)" in caplog.text


def test_start_frame_times_them_from_the_video(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    video = _video(tmp_path / "clip.mp4")
    _tum(tmp_path / "clip.txt", UNIX)
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum", start_frame=0).trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(10) / FPS, atol=1e-6)
    assert "after the end of the" not in caplog.text


def test_times_within_the_video_get_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # an estimate that began 0.3 s into a 1 s video: its times are seconds of the video
    video = _video(tmp_path / "clip.mp4")
    _tum(tmp_path / "clip.txt", 0.3, n=5)
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="tum").trajectory(video)
    np.testing.assert_allclose(traj.timestamps, 0.3 + np.arange(5) / FPS, atol=1e-9)
    assert "after the end of the" not in caplog.text
