"""Hostile trajectories: each is read correctly or fails its video naming the file, never a wrong number.

Found by a sweep of trajectory import and trajectory error; the cases already covered by
``tests/core/test_trajectory_formats*.py``, ``tests/geometry/test_importers.py`` and
``tests/eval/test_trajectory_error.py`` are not repeated.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench import trajectory_formats as tf
from camerabench.baselines.geometry import importers
from camerabench.dataset import Question
from camerabench.errors import FileFormatError, PredictionError
from camerabench.eval.trajectory_error import trajectory_errors
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory

N = 12


def _dolly_right(n: int = N, scale: float = 1.0) -> Trajectory:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, scale, n)
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (n, 1, 1))
    return Trajectory(c2w, k, np.arange(n) / 10.0)


def test_colmap_names_with_unpadded_frame_numbers_are_in_frame_order(tmp_path: Path) -> None:
    import pycolmap

    tf.write_colmap_model(tmp_path / "padded", _dolly_right())
    rec = pycolmap.Reconstruction(str(tmp_path / "padded"))
    for image in rec.images.values():  # frame_0.png ... frame_11.png: "frame_10" < "frame_2" as text
        image.name = f"frame_{image.image_id - 1}.png"
    (tmp_path / "unpadded").mkdir()
    rec.write_text(str(tmp_path / "unpadded"))
    traj = tf.read_trajectory(tmp_path / "unpadded", "colmap")
    assert traj.meta["image_names"] == [f"frame_{i}.png" for i in range(N)]
    np.testing.assert_allclose(traj.positions[:, 0], np.linspace(0.0, 1.0, N), atol=1e-12)


def test_camera_centres_too_far_to_compute_with_fail_the_video(tmp_path: Path) -> None:
    far = _dolly_right(scale=1e307)  # written by hand: write_trajectory refuses such centres
    quat = Rotation.from_matrix(far.cam_c2w[:, :3, :3]).as_quat()
    rows = np.c_[far.timestamps, far.cam_c2w[:, :3, 3], quat]
    (tmp_path / "clip.txt").write_text("".join(" ".join(repr(float(v)) for v in row) + "\n" for row in rows))
    with pytest.raises(FileFormatError, match=r"clip\.txt:2: pose 1: camera centre coordinate 9.09e\+305 is beyond"):
        tf.read_trajectory(tmp_path / "clip.txt", "tum")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    with pytest.raises(PredictionError, match=r"clip\.txt:2: pose 1: camera centre"):  # was: "no motion"
        pred.predict(tmp_path / "clip.mp4", [Question(Primitive.MOVE_RIGHT.question, Primitive.MOVE_RIGHT)])


def test_a_static_estimate_has_no_alignment_scale_but_its_errors(caplog: pytest.LogCaptureFixture) -> None:
    gt = _dolly_right()
    gt.cam_c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0, 20, N)[:, None], degrees=True).as_matrix()
    static = Trajectory(np.tile(np.eye(4), (N, 1, 1)), None, gt.timestamps)
    static.cam_c2w[:, :3, :3] = gt.cam_c2w[:, :3, :3]
    with caplog.at_level(logging.WARNING):
        errors = trajectory_errors(static, gt)
    assert math.isnan(errors["scale"])  # was 1.0: any scale aligns a point equally well
    assert "scale is undefined" in errors["note"]  # the section's one warning counts such clips
    # every scale puts the estimate on the centroid of the ground truth: the error is its spread
    spread = gt.positions - gt.positions.mean(axis=0)
    assert errors["ape_trans_rmse"] == pytest.approx(float(np.sqrt((spread**2).sum(axis=1).mean())), rel=1e-9)
    assert errors["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-6)
    steps = np.linalg.norm(np.diff(gt.positions, axis=0), axis=1)
    assert errors["rpe_trans_rmse"] == pytest.approx(float(np.sqrt((steps**2).mean())), rel=1e-9)
