"""DROID-SLAM's intrinsics scale checked against the ``images.npy`` its ``save_reconstruction``
writes beside them (N, 3, H, W): at 1/8 of the tracked images in DROID-SLAM itself, at image
resolution in a fork, which was multiplied by 8 all the same."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import read_trajectory, write_trajectory


def _droid_folder(tmp_path: Path, fxfycxcy: list[float], images_shape: tuple[int, ...] | None) -> Path:
    folder = tmp_path / "clip"
    folder.mkdir()
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[:, 0, 3] = [0.0, 0.1, 0.2]
    write_trajectory(folder / "poses.npy", Trajectory(c2w, None, np.array([0.0, 1.0, 2.0])), "poses")
    np.save(folder / "intrinsics.npy", np.tile(fxfycxcy, (3, 1)).astype(np.float32))
    np.save(folder / "tstamps.npy", np.array([0.0, 4.0, 9.0], dtype=np.float32))
    if images_shape is not None:
        np.save(folder / "images.npy", np.zeros(images_shape, np.uint8))
    return folder / "poses.npy"


def test_droid_intrinsics_at_one_eighth_of_the_images_are_scaled(tmp_path: Path) -> None:
    # 512 px wide images, cx 32 = 256 / 8: DROID-SLAM's own layout
    traj = read_trajectory(_droid_folder(tmp_path, [50.0, 50.0, 32.0, 24.0], (3, 3, 384, 512)), "poses")
    assert traj.intrinsic is not None
    assert traj.intrinsic[0, 0, 0] == pytest.approx(400.0) and traj.intrinsic[0, 0, 2] == pytest.approx(256.0)


def test_intrinsics_already_at_image_resolution_are_not_scaled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a fork that saves image-resolution intrinsics: cx 256 of 512 px; was multiplied by 8 (fx 3200)
    with caplog.at_level(logging.WARNING):
        traj = read_trajectory(_droid_folder(tmp_path, [400.0, 400.0, 256.0, 192.0], (3, 3, 384, 512)), "poses")
    assert traj.intrinsic is not None
    assert traj.intrinsic[0, 0, 0] == pytest.approx(400.0) and traj.intrinsic[0, 0, 2] == pytest.approx(256.0)
    assert "already at image resolution" in caplog.text and "images.npy" in caplog.text


def test_without_images_the_droid_scale_stands(tmp_path: Path) -> None:
    traj = read_trajectory(_droid_folder(tmp_path, [400.0, 400.0, 256.0, 192.0], None), "poses")
    assert traj.intrinsic is not None and traj.intrinsic[0, 0, 0] == pytest.approx(3200.0)
