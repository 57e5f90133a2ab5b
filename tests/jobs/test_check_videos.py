"""The check before a predict run starts (:meth:`Predictor.check_videos`): a folder of per-video
files that belongs to another dataset is one error up front, not a recorded failure per video."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.vlm.qwen import QwenVLOptions, QwenVLPredictor
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder, read_method
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz, write_trajectory


def _trajectory() -> Trajectory:
    """Four poses moving forward over the 1 s of a six_videos clip (4 frames at 4 fps)."""
    c2w = np.tile(np.eye(4), (4, 1, 1))
    c2w[:, 2, 3] = np.linspace(0.0, 0.3, 4)
    return Trajectory(c2w, None, np.linspace(0.0, 0.75, 4))


def _traj_dir(path: Path, stems: list[str]) -> Path:
    path.mkdir()
    for stem in stems:
        write_trajectory(path / f"{stem}.txt", _trajectory(), "tum")
    return path


def test_another_datasets_trajectory_folder_is_refused_before_any_video(data: Path, tmp_path: Path) -> None:
    traj_dir = _traj_dir(tmp_path / "other_traj", ["other_0", "other_1", "other_2", "other_3"])
    out = tmp_path / "run"
    with pytest.raises(CameraBenchError) as err:
        run_predict(data, "trajectory", out, options={"traj_dir": str(traj_dir), "format": "tum"})
    msg = str(err.value)
    assert msg.startswith(f"{traj_dir}: no tum trajectory of any of the 6 videos of this dataset")
    assert "looked for the stems v0, v1, v2, ..." in msg and "(for v0: v0.tum, v0.txt)" in msg
    assert "but it holds 4 files (e.g. other_0.txt, other_1.txt, other_2.txt)" in msg
    # nothing was written: no records, no run.json
    assert not (out / "trajectory" / "scores.jsonl").exists()
    assert not (out / "trajectory" / "run.json").exists()


def test_the_check_runs_before_dispatch_to_workers_or_ray(data: Path, tmp_path: Path) -> None:
    traj_dir = _traj_dir(tmp_path / "other_traj", ["other_0"])
    options = {"traj_dir": str(traj_dir), "format": "tum"}
    match = re.escape(f"{traj_dir}: no tum trajectory of any of the 6 videos")
    with pytest.raises(CameraBenchError, match=match):
        run_predict(data, "trajectory", tmp_path / "run", workers=2, options=options)
    # refused before connecting to a cluster (none runs here) or starting a task
    with pytest.raises(CameraBenchError, match=match):
        run_predict(data, "trajectory", tmp_path / "run_ray", options=options, backend="ray")
    assert not (tmp_path / "run" / "trajectory" / "scores.jsonl").exists()
    assert not (tmp_path / "run_ray" / "trajectory" / "scores.jsonl").exists()


def test_an_empty_or_wrong_format_folder_is_refused(data: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CameraBenchError, match=re.escape(f"{empty}: no megasam trajectory") + ".*it is empty"):
        run_predict(data, "trajectory", tmp_path / "run", options={"traj_dir": str(empty)})
    # the files are this dataset's, but of another format: looked for v0.npz, v0_sgd_cvd_hr.npz, ...
    tum = _traj_dir(tmp_path / "tum", ["v0", "v1"])
    with pytest.raises(CameraBenchError, match=r"\(for v0: v0\.npz, v0_sgd_cvd_hr\.npz, v0_droid\.npz\)"):
        run_predict(data, "trajectory", tmp_path / "run2", options={"traj_dir": str(tum), "format": "megasam"})


def test_a_partly_matching_folder_runs_and_records_the_others_as_failures(data: Path, tmp_path: Path) -> None:
    traj_dir = _traj_dir(tmp_path / "traj", ["v0", "v3"])
    out = tmp_path / "run"
    summary = run_predict(data, "trajectory", out, options={"traj_dir": str(traj_dir), "format": "tum"})
    assert (summary.videos_ok, summary.videos_failed) == (2, 4)
    assert set(summary.failures) == {"v1.mp4", "v2.mp4", "v4.mp4", "v5.mp4"}
    assert summary.failures["v1.mp4"].startswith("no tum trajectory for 'v1'; tried")
    scores = read_method(out / "trajectory").scores or {}
    assert {v for (v, _), rec in scores.items() if rec.status == "ok"} == {"v0.mp4", "v3.mp4"}


def test_a_trajectory_named_by_the_whole_video_name_counts(data: Path, tmp_path: Path) -> None:
    traj_dir = _traj_dir(tmp_path / "traj", ["v2.mp4"])  # v2.mp4.txt
    summary = run_predict(data, "trajectory", tmp_path / "run", options={"traj_dir": str(traj_dir), "format": "tum"})
    assert (summary.videos_ok, summary.videos_failed) == (1, 5)


def test_the_default_hook_does_nothing(data: Path, tmp_path: Path) -> None:
    summary = run_predict(data, "dummy", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (6, 0)


def _qwen(geometry_run: Path) -> QwenVLPredictor:
    # options built directly: the hook reads geometry_run only, no checkpoint is needed for it
    return QwenVLPredictor(QwenVLOptions(model="unused", geometry_run=str(geometry_run)))


def test_qwen_geometry_run_of_another_dataset_is_refused(data: Path, tmp_path: Path) -> None:
    geometry = MethodFolder.of(tmp_path / "geo", "fast")
    for name in ("other_a.mp4", "other_b.mp4"):
        geometry.trajectories.mkdir(parents=True, exist_ok=True)
        save_npz(geometry.trajectory(name), _trajectory())
    videos = {f"v{i}.mp4": data / "videos" / f"v{i}.mp4" for i in range(6)}
    with pytest.raises(CameraBenchError) as err:
        _qwen(geometry.path).check_videos(videos)
    msg = str(err.value)
    assert msg.startswith(f"geometry_run={geometry.path}: none of the 2 trajectories in {geometry.trajectories}")
    assert "(6 videos): looked for v0.npz, v1.npz, v2.npz, ..., found e.g. other_a.npz, other_b.npz" in msg
    # one video with its trajectory: the run goes ahead (the others fail one by one, with their reason)
    save_npz(geometry.trajectory("v4.mp4"), _trajectory())
    assert _qwen(geometry.path).check_videos(videos) is None
    # without geometry_run there is nothing to check
    assert QwenVLPredictor(QwenVLOptions(model="unused")).check_videos(videos) is None
