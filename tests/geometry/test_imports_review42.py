"""Review of the fixed-focal imports and checkpoint permissions (R12/R13 follow-up).

Before: a MegaSaM npz whose single K kept a frame axis, (1,3,3), was refused ("intrinsic must be
(3, 3) or (N, 3, 3)") instead of being read as the one K for the video it is; a trajectory whose
focal length was held fixed was written as CUT3R output or DROID-SLAM intrinsics rows without a
word, and read back with its zoom "measured" as none; a checkpoint written into a group's shared
(set-group-ID) folder lost that bit on its folders.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.predictor import ZOOM_FIXED_REASON
from camerabench.baselines.geometry.scoring import decompose
from camerabench.baselines.vlm.checkpoint import checkpoint_folder
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_FOCAL_FIXED, Trajectory
from camerabench.trajectory_formats import load_npz, read_trajectory, write_trajectory

K = np.array([[50.0, 0.0, 31.5], [0.0, 50.0, 23.5], [0.0, 0.0, 1.0]])


def _pan(n: int = 12, degrees: float = 20.0) -> NDArray[np.float64]:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0.0, degrees, n)[:, None], degrees=True).as_matrix()
    return c2w


def test_megasam_single_intrinsic_with_a_frame_axis_is_a_fixed_focal(tmp_path: Path) -> None:
    np.savez(tmp_path / "clip.npz", cam_c2w=_pan(), intrinsic=K[None].astype(np.float32))
    traj = load_npz(tmp_path / "clip.npz")  # was FileFormatError: intrinsic must be (3, 3) or (12, 3, 3)
    assert traj.meta[META_FOCAL_FIXED] is True
    assert traj.intrinsic is not None and traj.intrinsic.shape == (12, 3, 3)
    assert not decompose(traj).zoom_known
    questions = [Question(p.question, p) for p in Primitive]
    result = TrajectoryPredictor(traj_dir=str(tmp_path), format="megasam").predict(tmp_path / "clip.mp4", questions)
    assert result.info["zoom_known"] is False
    assert result.unanswerable[Primitive.ZOOM_IN.question] == ZOOM_FIXED_REASON
    assert result.scores[Primitive.PAN_RIGHT.question] > 0.3
    np.savez(tmp_path / "one.npz", cam_c2w=_pan(1), intrinsic=K[None])  # one pose: its own K
    assert META_FOCAL_FIXED not in load_npz(tmp_path / "one.npz").meta


@pytest.mark.parametrize(("fmt", "name"), [("cut3r", "clip")])  # poses rows keep it: test_droid_fixed_focal.py
def test_writing_a_fixed_focal_as_per_frame_intrinsics_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, fmt: str, name: str
) -> None:
    traj = Trajectory(_pan(), K, np.arange(12.0), {META_FOCAL_FIXED: True})
    with caplog.at_level(logging.WARNING, logger="camerabench.trajectory_formats"):
        write_trajectory(tmp_path / name, traj, fmt)
    assert f"one intrinsic matrix for the whole video ({META_FOCAL_FIXED}: its zoom is unknown)" in caplog.text
    assert str(tmp_path / name) in caplog.text
    back = read_trajectory(tmp_path / name, fmt)  # what the warning is about: the flag is gone
    assert META_FOCAL_FIXED not in back.meta and decompose(back).zoom_known
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.trajectory_formats"):
        write_trajectory(tmp_path / f"b{name}", Trajectory(_pan(), K, np.arange(12.0)), fmt)
    assert META_FOCAL_FIXED not in caplog.text  # a measured one is written without a word


def test_checkpoint_folders_keep_a_shared_folders_group_bit(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2775)
    if not shared.stat().st_mode & stat.S_ISGID:
        pytest.skip("this file system does not keep the set-group-ID bit")
    old = os.umask(0o002)
    try:
        with checkpoint_folder(shared / "model") as tmp:
            (tmp / "sub").mkdir()
            (tmp / "sub" / "weights.bin").write_bytes(b"0")
            (tmp / "config.json").write_text("{}")
            (tmp / "model.safetensors").write_bytes(b"0")
            (tmp / "model.safetensors").chmod(0o600)  # as safetensors writes it
    finally:
        os.umask(old)
    out = shared / "model"
    for folder in (out, out / "sub"):  # as mkdir there makes them: 2775 (was 0775)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o2775, folder
    for file in (out / "config.json", out / "model.safetensors", out / "sub" / "weights.bin"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o664, file
