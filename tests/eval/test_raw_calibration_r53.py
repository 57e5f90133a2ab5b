"""Round 53: raw scores get a Brier score and ECE only when the method declares them P(yes).

A geometric method's scores are motion magnitudes (degrees, zoom log-ratios); when they all
happened to lie in [0, 1] (``fast`` without Static labels), the calibration section read them as
P(yes): a Brier score, an ECE and a reliability diagram of numbers that are no probabilities.
Tests marked "was" fail on the code before this round.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.eval.calibration import PROBABILITY_KINDS, calibrate_run, calibration_section
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

PAN = Primitive.PAN_LEFT
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]
LABELS = {v: i % 2 == 0 for i, v in enumerate(VIDEOS)}
# every score in [0, 1]: magnitudes that look like probabilities
SCORES = [0.9, 0.1, 0.7, 0.3, 0.6, 0.2, 0.8, 0.4]


@pytest.fixture(scope="module", autouse=True)
def _plots_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """matplotlib's import and first figure (about a second, once per process), outside the tests' timing."""
    from camerabench.eval.plots import new_figure

    fig, _ = new_figure(1, 1)
    fig.savefig(tmp_path_factory.mktemp("warm") / "warm.png")


def _data(root: Path) -> Path:
    data = root / "data"
    write_binary_file(
        data / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord(v, PAN.question, "Yes" if y else "No", PAN.task, PAN.label_name) for v, y in LABELS.items()],
    )
    return data


def _method(
    run: Path,
    name: str,
    kind: str | None,
    scores: list[float] = SCORES,
    run_json: bool = True,
    data: Path | None = None,
) -> Path:
    """RUN/<name> with scores.jsonl and (``run_json``) a run.json declaring ``kind``."""
    folder = MethodFolder(run / name)
    write_scores(
        folder.scores,
        [ScoreRecord(v, PAN.question, name, s, primitive=PAN.value) for v, s in zip(VIDEOS, scores, strict=True)],
    )
    if run_json:
        write_run_info(
            folder.run_info,
            RunInfo(method=name, method_kind=kind, data=str(data.resolve()) if data else None, finished="now"),
        )
    return folder.path


def _trajectory(folder: Path) -> None:
    poses = np.repeat(np.eye(4)[None], 3, axis=0)
    save_npz(MethodFolder(folder).trajectory(VIDEOS[0]), Trajectory(poses, None, np.arange(3.0)))


def test_a_geometric_method_s_scores_in_0_1_have_no_brier_score(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    _method(run, "geo", "geometric", data=data)
    with caplog.at_level(logging.INFO, logger="camerabench.eval.calibration"):
        section = calibration_section(Dataset(data), read_method(run / "geo"), None)
    # was: CalibrationResult('raw scores', brier=..., ece=...) of motion magnitudes
    assert section is None
    assert "geo: no Brier score or ECE of its raw scores" in caplog.text
    assert "declares a geometric method, whose scores are not probabilities" in caplog.text


@pytest.mark.parametrize("kind", sorted(PROBABILITY_KINDS))
def test_methods_declaring_p_yes_keep_their_raw_brier_score(tmp_path: Path, kind: str) -> None:
    from sklearn.metrics import brier_score_loss

    data, run = _data(tmp_path), tmp_path / "run"
    _method(run, "m", kind, data=data)
    section = calibration_section(Dataset(data), read_method(run / "m"), None)
    assert section is not None and section.source == "raw scores"
    assert section.brier == pytest.approx(brier_score_loss([int(LABELS[v]) for v in VIDEOS], SCORES), rel=1e-12)


def test_a_declared_probability_out_of_0_1_is_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    _method(run, "vlm", "semantic", [*SCORES[:-1], 1.5], data=data)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        section = calibration_section(Dataset(data), read_method(run / "vlm"), None)
    assert section is None
    # was: None without a word
    assert "declares a semantic method, but not all its scores lie in [0, 1]" in caplog.text


def test_a_hand_made_folder_with_trajectories_is_read_as_geometric(tmp_path: Path) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    folder = _method(run, "hand", None, run_json=False)
    assert calibration_section(Dataset(data), read_method(folder), None) is not None  # no kind, no trajectory
    _trajectory(folder)
    # was: a Brier score of its scores; evaluation calls the method geometric (it wrote trajectories)
    assert calibration_section(Dataset(data), read_method(folder), None) is None


def test_a_run_json_without_method_kind_falls_back_like_a_hand_made_folder(tmp_path: Path) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    folder = _method(run, "other", None, data=data)  # a run.json written by another tool
    assert calibration_section(Dataset(data), read_method(folder), None) is not None
    _trajectory(folder)
    assert calibration_section(Dataset(data), read_method(folder), None) is None


def test_a_calibrated_geometric_method_keeps_its_section(tmp_path: Path) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    _method(run, "geo", "geometric", [s * 40 for s in SCORES], data=data)  # degrees
    calibrate_run(data, run, "geo", n_splits=2)
    section = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["geo"].calibration
    assert section is not None and section.source == "cross-fitted"


def test_evaluate_and_report_leave_a_geometric_method_out_of_the_reliability_diagram(tmp_path: Path) -> None:
    data, run = _data(tmp_path), tmp_path / "run"
    _method(run, "geo", "geometric", data=data)
    ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    # was: {'source': 'raw scores', 'brier': ..., 'ece': ...}
    assert ev.result.methods["geo"].calibration is None
    assert ev.result.to_dict()["methods"]["geo"].get("calibration") is None
    out = tmp_path / "report"
    md = write_report(data, run, out, evaluation=ev, gallery=0).read_text(encoding="utf-8")
    # was: reliability.png drawn of geo's raw scores, and a calibration.csv row
    assert not (out / "reliability.png").exists()
    assert not (out / "calibration.csv").exists()
    assert "No Brier score or ECE (no P(yes) to assess) for geo:" in md
