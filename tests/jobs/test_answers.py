"""predict answers a dataset's ShotBench rows into answers.jsonl; evaluate scores them."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import _saved_trajectory, run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import read_answers, read_run_info
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    frames = np.zeros((4, 32, 32, 3), np.uint8)
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.integers(0, 255, (160, 400, 3), dtype=np.uint8), (0, 0), 1.5)
    panning = np.stack([texture[16:144, 8 * i : 8 * i + 192] for i in range(10)])  # textured, moving
    write_video(root / "videos" / "a.mp4", panning, fps=5)
    write_video(root / "video" / "b.mp4", frames, fps=4)
    (root / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "image" / "c.jpg"), np.full((16, 16, 3), 128, np.uint8))
    pan = Primitive.PAN_LEFT
    write_binary_file(root / "labels" / "binary_classification" / pan.file,
                      [BinaryRecord("a.mp4", pan.question, "Yes", pan.task, pan.label_name)])  # fmt: skip
    options = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
    rows = [
        MCQRow("0", "bench", ("video",), ("videos/a.mp4",), "Camera?", options, "A", "camera movement", 2),
        MCQRow("1", "bench", ("video",), ("video/b.mp4",), "Camera?", options, "C", "camera movement", 3),
        MCQRow(
            "2", "bench", ("image",), ("image/c.jpg",), "Size?", {"A": "Wide", "B": "Close-up"}, "B", "shot size", 4
        ),
    ]
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", rows)
    return root


def test_rows_are_answered_recorded_resumed_and_scored(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    summary = run_predict(data, "dummy", run)
    assert summary.answers is not None
    assert (summary.answers.videos_total, summary.answers.videos_ok) == (3, 3)
    folder = MethodFolder.of(run, "dummy")
    answers = read_answers(folder.answers)
    assert [(a.table, a.index) for a in answers] == [("bench", "0"), ("bench", "1"), ("bench", "2")]
    assert all(a.status == "ok" and a.answer and a.answer.startswith("<answer>") for a in answers)
    info = read_run_info(folder.answer_run_info)
    assert info.command == "answer" and set(info.seconds_per_video) == {"bench:0", "bench:1", "bench:2"}
    before = folder.answers.read_bytes()
    again = run_predict(data, "dummy", run, resume=True)
    assert again.answers is not None and again.answers.videos_skipped == 3
    assert folder.answers.read_bytes() == before
    result = evaluate(data, run, n_bootstrap=10).result
    mcq = result.methods["dummy"].mcq
    assert mcq is not None and mcq.rows == 3 and mcq.missing == 0 and mcq.failed == 0
    doc = json.loads(json.dumps(result.to_json()))
    assert set(doc["methods"]["dummy"]["mcq"]["per_category"]) == {"camera movement", "shot size"}


def test_a_geometric_method_answers_camera_movement_only(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    summary = run_predict(data, "fast", run)
    assert summary.answers is not None
    assert summary.answers.unanswerable_questions == 1  # the shot-size image row is outside coverage
    answers = {a.index: a for a in read_answers(MethodFolder.of(run, "fast").answers)}
    assert set(answers) == {"0", "1"}  # no record for the image row: coverage, not failure
    mcq = evaluate(data, run, n_bootstrap=10).result.methods["fast"].mcq
    assert mcq is not None and not mcq.per_category["shot size"].covered
    assert mcq.note is not None and "shot size" in mcq.note


def test_the_score_pass_trajectory_is_reused_for_rows_of_its_videos(data: Path, tmp_path: Path) -> None:
    from camerabench.baselines.geometry.fast import FastPredictor
    from camerabench.dataset import Dataset

    run = tmp_path / "run"
    run_predict(data, "fast", run)
    folder, ds = MethodFolder.of(run, "fast"), Dataset(data)
    rows = ds.mcq["bench"]
    assert _saved_trajectory(folder, ds, rows[0], FastPredictor) == str(folder.trajectory("a.mp4"))
    assert _saved_trajectory(folder, ds, rows[1], FastPredictor) is None  # video/ is not videos/
    assert _saved_trajectory(folder, ds, rows[2], FastPredictor) is None  # an image


def test_the_report_has_the_mcq_table(data: Path, tmp_path: Path) -> None:
    from camerabench.eval.report import write_report

    run = tmp_path / "run"
    run_predict(data, "fast", run)
    report = write_report(data, run, tmp_path / "report", n_bootstrap=10, gallery=0)
    text = report.read_text()
    assert "## Multiple choice (ShotBench tables)" in text
    assert "| method | Avg | pooled | rows | unparsed | failed | missing | camera movement | shot size |" in text
    assert "outside the method's coverage (no answer recorded): shot size" in text
    assert (tmp_path / "report" / "mcq.csv").is_file()


def test_answer_jobs_carry_absolute_media_paths(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ray worker's working folder is not the driver's: the answering pass's media lists and saved
    trajectories go to the jobs as absolute paths even when --data and --out are relative (R31)."""
    from camerabench.jobs import runner

    seen: list[tuple[list[str], str | None]] = []
    real = runner._answer_job

    def spy(key, row, media, trajectory_path):
        seen.append((list(media), trajectory_path))
        return real(key, row, media, trajectory_path)

    monkeypatch.setattr(runner, "_answer_job", spy)
    monkeypatch.chdir(tmp_path)
    summary = run_predict(Path("data"), "fast", Path("run"), workers=1)
    assert summary.answers is not None and summary.answers.videos_total == 3
    assert seen, "the answering pass ran no job in this process"
    for media, trajectory in seen:
        assert all(Path(m).is_absolute() and Path(m).exists() for m in media)
        assert trajectory is None or (Path(trajectory).is_absolute() and Path(trajectory).is_file())
    assert any(t is not None for _, t in seen)  # a.mp4's row reuses the score pass's trajectory
