"""Absurd arguments stop a command before any work; bad imported poses are recorded failures."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.registry import predictor_class
from camerabench.cli import main
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import read_run_info, read_scores
from camerabench.synth import generate_dataset
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import read_trajectory


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "camerabench.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["synth", "--fps", "nan"], "argument --fps: must be a finite number from 1 to 240, got 'nan'"),
        (["synth", "--fps", "-2"], "argument --fps: must be a finite number from 1 to 240, got '-2'"),
        (["synth", "--seed", "-1"], "argument --seed: must be an integer from 0 to 18446744073709551615"),
        (["synth", "--clips", "0"], "argument --clips: must be an integer from 1 to 10000, got '0'"),
        (["synth", "--workers", "0"], "argument --workers: must be an integer >= 1, got '0'"),
        (["predict", "--data", "D", "--method", "fast", "--workers", "0"], "argument --workers: must be an integer"),
        (["evaluate", "--data", "D", "--run", "R", "--bootstrap", "-5"], "argument --bootstrap: must be an integer"),
        (["train", "--data", "D", "--model", "M", "--lr", "nan"], "argument --lr: must be a finite number > 0"),
        (["train", "--data", "D", "--model", "M", "--warmup", "1.5"], "argument --warmup: must be a number in [0, 1)"),
        (["demo", "--clips", "-3"], "argument --clips: must be an integer >= 1"),
    ],
)
def test_out_of_range_flags_stop_at_parsing(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # main() in this process (what ``python -m camerabench.cli`` runs, as the size case below
    # checks in a real process): a process per case cost ~3 s of the suite's time limit each
    if args[0] in ("synth", "predict", "train"):
        args = [*args, "--out", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as stop:
        main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": (100000, 100000)}, "larger than 4096 pixels on a side"),
        ({"fps": float("nan")}, "fps must be a finite number in [1, 240], got nan"),
        ({"fps": 1e9}, "fps must be a finite number in [1, 240]"),
        ({"seed": -1}, "seed must be an integer >= 0, got -1"),
        ({"clips": 0}, "clips must be an integer >= 1, got 0"),
        ({"workers": 0}, "workers must be an integer >= 1, got 0"),
    ],
)
def test_generate_dataset_checks_its_arguments_before_writing(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(CameraBenchError, match=None) as info:
        generate_dataset(tmp_path / "data", **kwargs)
    assert message in str(info.value)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("kind", ["predict", "caption"])
@pytest.mark.parametrize("layout", ["no videos folder", "empty videos folder"])
def test_a_dataset_without_videos_is_an_error_not_an_empty_run(
    tmp_path: Path, kind: str, layout: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A mistyped --data used to give a run of 0 videos, reported as success."""
    data = tmp_path / "data"
    data.mkdir()
    if layout == "empty videos folder":
        (data / "videos").mkdir()
    with caplog.at_level(logging.INFO):
        assert main([kind, "--data", str(data), "--method", "fast", "--out", str(tmp_path / "out")]) == 1
    expected = f"{data}: no videos to {kind}: {data / 'videos'} holds no files and no label file names a video"
    assert expected in caplog.text
    assert not (tmp_path / "out").exists()


def test_cli_size_beyond_the_limit_is_one_line(tmp_path: Path) -> None:
    proc = _cli("synth", "--out", str(tmp_path / "out"), "--size", "100000x100000")
    assert proc.returncode == 1
    assert "frame size 100000x100000 is larger than 4096 pixels on a side" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


# --- imported trajectories -------------------------------------------------------------------------


def _poses(n: int = 5) -> np.ndarray:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0, 20, n)[:, None], degrees=True).as_matrix()
    c2w[:, 0, 3] = np.linspace(0, 1, n)
    return c2w


def _megasam(path: Path, c2w: np.ndarray) -> None:
    np.savez(path, cam_c2w=c2w, intrinsic=np.array([[200.0, 0, 160], [0, 200, 96], [0, 0, 1]]))


def _scaled(c2w: np.ndarray) -> np.ndarray:
    c2w[2, :3, :3] *= 1.05
    return c2w


def _reflected(c2w: np.ndarray) -> np.ndarray:
    c2w[3, :3, 0] *= -1
    return c2w


def _nan(c2w: np.ndarray) -> np.ndarray:
    c2w[1, 2, 3] = np.nan
    return c2w


def _bottom(c2w: np.ndarray) -> np.ndarray:
    c2w[4, 3, 0] = 2.0
    return c2w


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (_scaled, "frame 2: rotation block is not orthonormal"),
        (_reflected, "frame 3: rotation block has determinant -1, not +1 (a reflection)"),
        (_nan, "frame 1: pose is not finite"),
        (_bottom, "frame 4: bottom row is [2.0, 0.0, 0.0, 1.0], not [0, 0, 0, 1]"),
    ],
)
def test_megasam_poses_that_are_not_rigid_are_file_errors(tmp_path: Path, corrupt, message: str) -> None:
    path = tmp_path / "clip.npz"
    _megasam(path, corrupt(_poses()))
    with pytest.raises(FileFormatError, match=None) as info:
        read_trajectory(path, "megasam")
    assert str(path) in str(info.value) and message in str(info.value)


def test_tum_timestamps_out_of_order_and_kitti_nan_are_file_errors(tmp_path: Path) -> None:
    tum = tmp_path / "clip.txt"
    tum.write_text("0.0 0 0 0 0 0 0 1\n0.2 0 0 1 0 0 0 1\n0.1 0 0 2 0 0 0 1\n")
    with pytest.raises(FileFormatError, match=r"clip\.txt:3: pose 2: timestamp 0\.1 does not increase"):
        read_trajectory(tum, "tum")
    kitti = tmp_path / "k.txt"
    kitti.write_text("1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 nan 0 1 0 0 0 0 1 0\n")
    with pytest.raises(FileFormatError, match=str(kitti)):
        read_trajectory(kitti, "kitti")


def test_a_single_pose_is_a_failure_not_a_static_camera(tmp_path: Path) -> None:
    (tmp_path / "traj").mkdir()
    _megasam(tmp_path / "traj" / "clip.npz", _poses(1))
    predictor = predictor_class("trajectory")(traj_dir=str(tmp_path / "traj"), format="megasam", sample_fps=10)
    questions = [Question(p.question, p) for p in Primitive]
    with pytest.raises(PredictionError, match=r"clip\.npz: 1 pose\(s\); at least 2 are needed"):
        predictor.predict(tmp_path / "videos" / "clip.mp4", questions)


def test_bad_imported_files_are_recorded_failures_with_their_reasons(tmp_path: Path) -> None:
    data, traj_dir = tmp_path / "data", tmp_path / "traj"
    traj_dir.mkdir()
    videos = ["good.mp4", "scaled.mp4", "single.mp4"]
    recs = [BinaryRecord(v, Primitive.PAN_RIGHT.question, "Yes", Primitive.PAN_RIGHT.task,
                         Primitive.PAN_RIGHT.label_name) for v in videos]  # fmt: skip
    write_binary_file(data / "labels" / "binary_classification" / Primitive.PAN_RIGHT.file, recs)
    (data / "videos").mkdir(parents=True)
    _megasam(traj_dir / "good.npz", _poses())
    _megasam(traj_dir / "scaled.npz", _scaled(_poses()))
    _megasam(traj_dir / "single.npz", _poses(1))
    summary = run_predict(data, "trajectory", tmp_path / "run", options={"traj_dir": str(traj_dir), "sample_fps": 10})
    assert (summary.videos_ok, summary.videos_failed) == (1, 2)
    by_video = {r.video: r for r in read_scores(tmp_path / "run" / "trajectory" / "scores.jsonl")}
    assert by_video["good.mp4"].status == "ok"
    assert (
        by_video["scaled.mp4"].status == "failed"
        and "rotation block is not orthonormal" in by_video["scaled.mp4"].reason
    )
    assert by_video["single.mp4"].status == "failed" and "at least 2 are needed" in by_video["single.mp4"].reason
    info = read_run_info(tmp_path / "run" / "trajectory" / "run.json")
    assert set(info.failures) == {"scaled.mp4", "single.mp4"}


def test_trajectory_of_rigid_poses_still_reads() -> None:
    traj = Trajectory(_poses(), None, np.arange(5) / 10)
    assert traj.cam_c2w.shape == (5, 4, 4)


def test_imported_trajectories_of_videos_sharing_a_stem_are_not_confused(tmp_path: Path) -> None:
    videos, traj_dir = tmp_path / "videos", tmp_path / "traj"
    videos.mkdir()
    traj_dir.mkdir()
    for name in ("clip.mp4", "clip.mov", "solo.mp4"):
        (videos / name).write_bytes(b"")
    _megasam(traj_dir / "clip.npz", _poses())
    _megasam(traj_dir / "solo.npz", _poses())
    predictor = predictor_class("trajectory")(traj_dir=str(traj_dir), format="megasam", sample_fps=10)
    questions = [Question(p.question, p) for p in Primitive]
    with pytest.raises(PredictionError, match=r"clip\.mov shares the stem 'clip' with clip\.mp4: name its megasam"):
        predictor.predict(videos / "clip.mov", questions)
    assert predictor.predict(videos / "solo.mp4", questions).info["trajectory_file"] == str(traj_dir / "solo.npz")
    _megasam(traj_dir / "clip.mov.npz", _poses())  # named by the whole video name: used
    assert predictor.predict(videos / "clip.mov", questions).info["trajectory_file"] == str(traj_dir / "clip.mov.npz")
