"""Paired-VQA cells whose question the method did not answer on that video are outside its
coverage, not missing (red team R17).

A geometric method answers only the 15 primitive questions: asked the negated question of a
pair ("Is the camera free from any leftward pan?") it names it unanswerable. Before, run.json left
those questions out (:func:`_found_unanswerable` removed what the method never answers), so
evaluate counted the cells as *missing*: wrong answers under ``--failed lowest`` (Q-Acc 0 by
construction), whole pairs dropped under ``drop``, and the Failures table listed them as missing.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.cli.evaluate import summary_lines
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.eval.results import UNANSWERABLE_KEY, EvaluationResult, ResultFormatError, VQAResult
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.runfolder import read_run
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import write_trajectory
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(4)]
LEFT = Primitive.PAN_LEFT.question
RIGHT = Primitive.PAN_RIGHT.question
#: a question naming no primitive: a geometric method never answers it
FREE = "Is the camera free from any leftward pan?"
REASON = "geometric methods answer only the 15 primitive questions"


def _pan(i: int) -> Trajectory:
    """Four poses turning about the camera's y axis, one way on even ``i``, the other on odd."""
    from scipy.spatial.transform import Rotation

    yaw = np.linspace(0.0, 0.05 * (i + 1), 4) * (1 if i % 2 == 0 else -1)
    c2w = np.tile(np.eye(4), (4, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", yaw[:, None]).as_matrix()
    return Trajectory(c2w, None, np.linspace(0.0, 0.75, 4))


def _pair(task: str, pos: str, neg: str, pv: str, nv: str, pq: str, nq: str) -> VQAPair:
    return VQAPair("pan", task, (pv, nv), (pos, neg), pv, nv, pos, neg, pq, nq)


#: task -> its pairs: ``free`` pairs a primitive question with one the method never answers,
#: ``sides`` two primitive questions (answered)
TASKS = {
    "free": [
        _pair("free", "pans left", "holds still", "v1.mp4", "v0.mp4", LEFT, FREE),
        _pair("free", "pans left", "holds still", "v3.mp4", "v2.mp4", LEFT, FREE),
    ],
    "sides": [
        _pair("sides", "pans left", "pans right", "v1.mp4", "v0.mp4", LEFT, RIGHT),
        _pair("sides", "pans left", "pans right", "v3.mp4", "v2.mp4", LEFT, RIGHT),
    ],
}


def _write_data(root: Path, tasks: dict[str, list[VQAPair]]) -> None:
    recs = [BinaryRecord.make(v, Primitive.PAN_LEFT, i % 2 == 1) for i, v in enumerate(VIDEOS)]
    write_binary_file(root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    for task, pairs in tasks.items():
        write_vqa_file(root / "labels" / "vqa_and_retrieval" / "pan" / f"{task}.jsonl", pairs)
    for i, v in enumerate(VIDEOS):
        write_video(root / "videos" / v, np.full((4, 16, 16, 3), 40 * i, np.uint8), fps=4)
    (root / "tum").mkdir()
    for i in range(len(VIDEOS)):
        write_trajectory(root / "tum" / f"v{i}.txt", _pan(i), "tum")


def _options(root: Path) -> dict[str, str]:
    return {"traj_dir": str(root / "tum"), "format": "tum"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Four tiny videos, a Pan_Left binary file, the two VQA tasks, and a finished ``trajectory`` run."""
    from camerabench.jobs.runner import run_predict

    root = tmp_path_factory.mktemp("vqa_coverage") / "data"
    _write_data(root, TASKS)
    run = root.parent / "run"
    run_predict(root, "trajectory", run, options=_options(root))
    return root, run


def _video_info(run: Path) -> dict[str, dict[str, object]]:
    return json.loads((run / "trajectory" / "run.json").read_text())["video_info"]  # type: ignore[no-any-return]


def _evaluate(data: Path, run: Path, failed: str = "lowest") -> EvaluationResult:
    return evaluate(data, run, failed=failed, n_bootstrap=0, captions_minilm=False).result  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the runner


def test_run_json_records_the_questions_the_method_never_answers_per_video(made: tuple[Path, Path]) -> None:
    info = _video_info(made[1])
    # was: no entry (never-answered questions were left out, so evaluation could not tell them apart)
    for v in VIDEOS:
        assert info[v][UNANSWERABLE_KEY] == {FREE: REASON}, v  # only the question asked, with its reason
    # the primitive (binary) questions stay answered: scored, not recorded as unanswerable
    scores = [json.loads(line) for line in (made[1] / "trajectory" / "scores.jsonl").read_text().splitlines()]
    assert {(r["video"], r["question"]) for r in scores} == {(v, q) for v in VIDEOS for q in (LEFT, RIGHT)}
    assert all(r["status"] == "ok" for r in scores)


def test_resume_keeps_the_record_and_a_rerun_video_records_it_again(made: tuple[Path, Path], tmp_path: Path) -> None:
    from camerabench.jobs.runner import run_predict

    data, run = made
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    records = copy / "trajectory" / "scores.jsonl"
    # the last video's records removed: resume runs it again, and keeps the other videos' entries
    lines = records.read_text().splitlines(keepends=True)
    records.write_text("".join(line for line in lines if '"v3.mp4"' not in line))
    summary = run_predict(data, "trajectory", copy, resume=True, options=_options(data))
    assert summary.videos_run == 1
    info = _video_info(copy)
    # was: no entry for any video, kept (v0) or run again (v3)
    assert info["v0.mp4"][UNANSWERABLE_KEY] == info["v3.mp4"][UNANSWERABLE_KEY] == {FREE: REASON}
    assert info == _video_info(run)


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize("failed", ["lowest", "drop"])
def test_pairs_with_a_never_answered_cell_are_outside_coverage_under_every_policy(
    made: tuple[Path, Path], failed: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.vqa"):
        result = _evaluate(*made, failed=failed)
    m = result.methods["trajectory"]
    vqa, ret = m.vqa, m.retrieval
    assert vqa is not None and ret is not None
    # was: missing 4, the free task scored (Q-Acc 0 by construction under lowest; dropped pairs under drop)
    assert (vqa.missing, vqa.failed, vqa.dropped_pairs) == (0, 0, 0)
    assert (vqa.unanswerable_cells, vqa.unanswerable_pairs, vqa.unanswerable_tasks) == (4, 2, ["pan/free"])
    assert list(vqa.per_task) == ["pan/sides"] and list(ret.per_task) == ["pan/sides"]
    assert (vqa.tasks_answered, vqa.tasks_total, vqa.pairs, vqa.cells) == (1, 2, 2, 8)
    assert ret.tasks_answered == 1
    assert vqa.overall == vqa.per_task["pan/sides"]  # the mean is over the task in coverage only
    assert vqa.note is not None and "2 pair(s) have a cell (4 cells in all)" in vqa.note and "pan/free" in vqa.note
    said = [r for r in caplog.records if "did not answer on that video" in r.getMessage()]
    assert len(said) == 1
    # the binary section is unchanged: its question is answered everywhere
    assert m.binary is not None and (m.binary.unanswerable, m.binary.missing) == (0, 0)


def test_every_task_outside_coverage_gives_nan_with_a_warning(made: tuple[Path, Path]) -> None:
    run = read_run(made[1])["trajectory"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sections = vqa_retrieval_sections({("pan", "free"): TASKS["free"]}, run, "lowest")
    # was: scored, every cell of the never-answered question missing (acc 0.5 at most, Q-Acc 0)
    assert sections is not None
    vqa, ret = sections
    assert all(math.isnan(x) for x in (vqa.overall.acc, vqa.overall.q_acc, ret.text, ret.group))
    assert (vqa.tasks_answered, vqa.unanswerable_tasks, vqa.per_task, vqa.missing) == (0, ["pan/free"], {}, 0)
    assert any(issubclass(w.category, UndefinedMetricWarning) for w in caught)
    VQAResult.from_dict(vqa.to_dict())  # consistent: it reads back


def test_a_run_json_without_the_record_still_counts_them_missing(made: tuple[Path, Path], tmp_path: Path) -> None:
    """A run by an older camerabench (no never-answered questions in run.json): missing, as before."""
    copy = tmp_path / "run"
    shutil.copytree(made[1], copy)
    path = copy / "trajectory" / "run.json"
    doc = json.loads(path.read_text())
    for details in doc["video_info"].values():
        details.pop(UNANSWERABLE_KEY, None)
    path.write_text(json.dumps(doc))
    vqa = _evaluate(made[0], copy).methods["trajectory"].vqa
    assert vqa is not None and (vqa.missing, vqa.unanswerable_cells, vqa.tasks_answered) == (4, None, 2)


# --------------------------------------------------------------------------- the document


def test_the_counts_read_back_and_inconsistent_ones_are_refused(made: tuple[Path, Path]) -> None:
    result = _evaluate(*made)
    doc = result.to_json()
    vqa_doc = doc["methods"]["trajectory"]["vqa"]
    assert (vqa_doc["unanswerable_cells"], vqa_doc["unanswerable_pairs"], vqa_doc["unanswerable_tasks"]) == (
        4,
        2,
        ["pan/free"],
    )
    back = EvaluationResult.from_dict(json.loads(json.dumps(doc)))
    assert back.methods["trajectory"].vqa == result.methods["trajectory"].vqa
    # an older document (no such fields) still reads, its tasks then not adding up is only "at most"
    old = {k: v for k, v in vqa_doc.items() if not k.startswith("unanswerable_")}
    old["tasks_total"] = old["tasks_answered"] + len(old["unanswered_tasks"])
    assert VQAResult.from_dict(old).unanswerable_cells is None
    for bad in (
        {"unanswerable_pairs": None},  # cells without pairs
        {"unanswerable_cells": 9},  # more than 4 per pair
        {"unanswerable_tasks": None},  # a task unaccounted for
        {"unanswerable_tasks": ["pan/free", "pan/sides"]},  # a scored task as outside coverage too
    ):
        with pytest.raises(ResultFormatError):
            VQAResult.from_dict({**vqa_doc, **bad})


def test_report_and_summary_show_the_count(made: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report"
    text = write_report(made[0], made[1], out, n_bootstrap=0, gallery=0).read_text(encoding="utf-8")
    with (out / "failures.csv").open() as f:
        rows = list(csv.DictReader(f))
    vqa_row = next(r for r in rows if r["method"] == "trajectory" and r["section"] == "vqa")
    # was: missing 4 and no unanswerable column
    assert (vqa_row["missing"], vqa_row["unanswerable"]) == ("0", "4")
    assert "2 pair(s) with a cell (4 cells)" in text and "pan/free" in text
    assert "2 pair(s) with a cell (4 cells)" in (out / "report.html").read_text(encoding="utf-8")
    line = summary_lines(_evaluate(*made))[-1]
    assert "4 cells unanswerable: 2 pairs outside coverage" in line
