"""The ``trajectory`` method: finds each video's trajectory file, reads it, scores it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry import importers
from camerabench.baselines.geometry.predictor import UNANSWERABLE_REASON, ZOOM_UNKNOWN_REASON
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import write_trajectory


def test_predictor(tmp_path: Path) -> None:
    c2w = np.tile(np.eye(4), (6, 1, 1))
    c2w[:, 2, 3] = np.linspace(0, 0.5, 6)  # forward
    write_trajectory(tmp_path / "walk.txt", Trajectory(c2w, None, np.arange(6.0)), "tum")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    questions = [Question(p.question, p) for p in Primitive] + [Question("Is the scene dynamic?")]
    result = pred.predict(tmp_path / "walk.mp4", questions)
    assert result.scores[Primitive.MOVE_IN.question] > result.scores[Primitive.MOVE_OUT.question]
    # a TUM file has no intrinsics: the zoom questions, and Static (a zoom alone would read as
    # still), have no score (not a made-up 0)
    assert len(result.scores) == 12
    static = result.unanswerable.pop(Primitive.STATIC.question)
    assert static.startswith(ZOOM_UNKNOWN_REASON) and "static is unknown" in static
    assert result.unanswerable == {
        "Is the scene dynamic?": UNANSWERABLE_REASON,
        Primitive.ZOOM_IN.question: ZOOM_UNKNOWN_REASON,
        Primitive.ZOOM_OUT.question: ZOOM_UNKNOWN_REASON,
    }
    assert result.info["translation_unit"] == "path_length"
    assert "moves forward" in pred.caption(tmp_path / "walk.mp4", "Describe the camera movement.")
    with pytest.raises(PredictionError, match="no tum trajectory for 'missing'"):
        pred.predict(tmp_path / "missing.mp4", questions)


def test_predictor_options(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="does not take option"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), max_side=3)
    with pytest.raises(CameraBenchError, match="needs option traj_dir"):
        importers.TrajectoryPredictor()
    with pytest.raises(CameraBenchError, match="option format must be one of megasam, poses"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="ply")
    with pytest.raises(CameraBenchError, match="option scorer must be one of default, camerabench"):
        importers.TrajectoryPredictor(traj_dir=str(tmp_path), scorer="best")


def test_predictor_reads_every_format_and_gives_frame_index_formats_video_times(tmp_path: Path) -> None:
    c2w = np.tile(np.eye(4), (5, 1, 1))
    c2w[:, 0, 3] = np.linspace(0, 0.4, 5)  # rightward
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (5, 1, 1))
    traj = Trajectory(c2w, k, np.arange(5) / 10.0)
    questions = [Question(Primitive.MOVE_RIGHT.question, Primitive.MOVE_RIGHT)]
    for fmt in importers.FORMATS:
        folder = tmp_path / fmt
        folder.mkdir()
        write_trajectory(folder / importers.FORMATS[fmt].patterns[0].format(stem="clip"), traj, fmt)
        # (sample_fps can do nothing for tum, whose every line has its time: refused there)
        pred = importers.TrajectoryPredictor(traj_dir=str(folder), format=fmt, sample_fps=None if fmt == "tum" else 4.0)
        result = pred.predict(tmp_path / "clip.mp4", questions)
        assert result.scores[Primitive.MOVE_RIGHT.question] > 0.1, fmt
        assert result.trajectory is not None
        expected = traj.timestamps if fmt in ("megasam", "tum") else np.arange(5) / 4.0
        np.testing.assert_allclose(result.trajectory.timestamps, expected, err_msg=fmt)


def test_a_malformed_file_fails_the_video_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "clip.txt").write_text("0 0 0 0 0 0 0 1\n1 0 0 0\n")
    pred = importers.TrajectoryPredictor(traj_dir=str(tmp_path), format="tum")
    with pytest.raises(PredictionError, match=r"clip\.txt:2: TUM lines hold 8 numbers"):
        pred.predict(tmp_path / "clip.mp4", [Question(Primitive.STATIC.question, Primitive.STATIC)])
