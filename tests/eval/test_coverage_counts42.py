"""Rows and samples outside a method's coverage, as its run recorded, are counted as such in the
``mcq`` and ``calibration`` sections (red team R17), as the binary section already counts them.

A ``trajectory`` run on TUM files (no intrinsics) finds every camera-movement row naming Static
or a zoom outside what it answers (``answer_run.json`` records each such row), and the zoom and
static questions unanswerable on every video (``run.json``'s ``found_unanswerable``). Before,
evaluate counted those rows as missing (wrong) as soon as one row of the category failed
(``accuracy 0.0, missing 3``), and the calibration section counted those samples as missing while
the binary section said unanswerable.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.cli.evaluate import summary_lines
from camerabench.eval.calibration import calibrate_run
from camerabench.eval.evaluate import evaluate
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    CalibrationResult,
    CategoryAccuracy,
    EvaluationResult,
    MCQResult,
    ResultFormatError,
    strict_json,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import write_trajectory
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(8)]
#: options naming Static and a zoom: a trajectory without intrinsics answers none of these rows
CAMERA = {"A": "Pan left", "B": "Tilt up", "C": "Static shot", "D": "Zoom in"}
CATEGORY = "camera movement"
#: the video without a TUM file: its row and its samples fail
NO_FILE = "v0.mp4"


def _pan(i: int) -> Trajectory:
    """Four poses turning about the camera's y axis, right on even ``i`` and left on odd, by more with ``i``."""
    from scipy.spatial.transform import Rotation

    yaw = np.linspace(0.0, 0.05 * (i + 1), 4) * (1 if i % 2 == 0 else -1)
    c2w = np.tile(np.eye(4), (4, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", yaw[:, None]).as_matrix()
    return Trajectory(c2w, None, np.linspace(0.0, 0.75, 4))


def _rows() -> list[MCQRow]:
    return [
        MCQRow(str(i), "bench", ("video",), (f"videos/{v}",), "Camera?", CAMERA, "ABCD"[i % 4], CATEGORY, i + 2)
        for i, v in enumerate(VIDEOS)
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Eight tiny videos labelled on Pan_Left and Zoom_In, a camera-movement table, TUM files for
    all but :data:`NO_FILE`, and a finished ``trajectory`` run on them."""
    from camerabench.jobs.runner import run_predict

    root = tmp_path_factory.mktemp("coverage") / "data"
    for prim in (Primitive.PAN_LEFT, Primitive.ZOOM_IN):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    for i, v in enumerate(VIDEOS):
        write_video(root / "videos" / v, np.full((4, 16, 16, 3), 25 * i, np.uint8), fps=4)
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", _rows())
    (root / "tum").mkdir()
    for i, v in enumerate(VIDEOS):
        if v != NO_FILE:
            write_trajectory(root / "tum" / f"v{i}.txt", _pan(i), "tum")
    run = root.parent / "run"
    run_predict(root, "trajectory", run, options={"traj_dir": str(root / "tum"), "format": "tum"})
    return root, run


def _evaluate(data: Path, run: Path, failed: str = "lowest") -> EvaluationResult:
    return evaluate(data, run, failed=failed, n_bootstrap=0, captions_minilm=False).result  # type: ignore[arg-type]


# --------------------------------------------------------------------------- MCQ


@pytest.mark.parametrize("failed", ["lowest", "drop"])
def test_rows_the_pass_found_outside_its_answers_are_not_missing(made: tuple[Path, Path], failed: str) -> None:
    mcq = _evaluate(*made, failed=failed).methods["trajectory"].mcq
    assert mcq is not None
    cat = mcq.per_category["camera movement"]
    # was: scored 8, failed 1, missing 7, accuracy 0.0 (the 7 rows outside coverage read as wrong)
    assert (cat.rows, cat.failed, cat.missing, cat.unanswerable, cat.covered) == (8, 1, 0, 7, True)
    assert (mcq.missing, mcq.failed, mcq.unanswerable) == (0, 1, 7)
    if failed == "lowest":  # the one failed row is the method's: in coverage, wrong
        assert (cat.scored, cat.accuracy, mcq.mean_accuracy) == (1, 0.0, 0.0)
    else:  # dropped: no row left to score
        assert cat.scored == 0 and math.isnan(cat.accuracy) and math.isnan(mcq.mean_accuracy)
    assert mcq.note is not None and "7 of 8 rows outside the method's coverage" in mcq.note


def test_a_category_whose_rows_are_all_outside_stays_uncovered_and_counts_no_missing(
    made: tuple[Path, Path], tmp_path: Path
) -> None:
    data = made[0]
    # every TUM file there: no failed row, every row outside what the method answers
    (data_copy := tmp_path / "data").mkdir()
    for part in ("labels", "videos"):
        shutil.copytree(data / part, data_copy / part)
    shutil.copytree(data / "tum", data_copy / "tum")
    write_trajectory(data_copy / "tum" / "v0.txt", _pan(0), "tum")
    from camerabench.jobs.runner import run_predict

    options = {"traj_dir": str(data_copy / "tum"), "format": "tum"}
    run_predict(data_copy, "trajectory", tmp_path / "run", options=options)
    mcq = _evaluate(data_copy, tmp_path / "run").methods["trajectory"].mcq
    assert mcq is not None
    cat = mcq.per_category["camera movement"]
    # was: missing 8 in the category (rows the method found outside its answers read as unanswered)
    assert (cat.covered, cat.missing, cat.unanswerable, cat.scored) == (False, 0, 8, 0)
    assert math.isnan(cat.accuracy) and mcq.unanswerable == 8 and mcq.missing == 0


def test_rows_never_asked_stay_missing() -> None:
    rows = [dataclasses.replace(r, answer="A") for r in _rows()[:4]]
    answers = {("bench", "0"): AnswerRecord("0", "trajectory", "A", table="bench")}
    res = mcq_section(rows, answers, unasked={("bench", "1")}, unanswerable={("bench", "2"), ("bench", "0")})
    assert res is not None
    cat = res.per_category["camera movement"]
    # row 0 has a record (scored by it); 1 never asked: missing; 2 outside coverage; 3 no record: missing
    assert (cat.scored, cat.correct, cat.missing, cat.unanswerable) == (3, 1, 2, 1)
    assert res.unanswerable == 1 and res.missing == 2


def test_the_count_is_shown_serialised_and_read_back(made: tuple[Path, Path], tmp_path: Path) -> None:
    result = _evaluate(*made)
    mcq = result.methods["trajectory"].mcq
    assert mcq is not None
    doc = json.loads(json.dumps(strict_json(result.to_dict())))
    assert doc["methods"]["trajectory"]["mcq"]["unanswerable"] == 7
    assert doc["methods"]["trajectory"]["mcq"]["per_category"]["camera movement"]["unanswerable"] == 7
    back = EvaluationResult.from_dict(doc).methods["trajectory"].mcq
    assert back is not None and back.unanswerable == 7
    line = next(x for x in summary_lines(result) if x.startswith("trajectory"))
    assert "(1 failed, 0 missing, 7/8 rows outside coverage)" in line  # was: 7 missing, nothing outside
    out = tmp_path / "report"
    md = write_report(*made, out, failed="lowest", n_bootstrap=0, gallery=0).read_text(encoding="utf-8")
    part = md.split("## Multiple choice", 1)[1]
    assert "(1 failed, 7 unanswerable)" in part
    with (out / "mcq.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert table[0]["missing"] == "0" and table[0]["unanswerable"] == "7"
    assert table[0]["camera movement: unanswerable"] == "7"
    with (out / "failures.csv").open(encoding="utf-8", newline="") as f:
        failures = {r["section"]: r for r in csv.DictReader(f)}
    assert (failures["mcq"]["missing"], failures["mcq"]["unanswerable"]) == ("0", "7")


def test_older_documents_load_and_counts_that_disagree_are_refused() -> None:
    old = {"accuracy": 0.0, "rows": 2, "scored": 2, "correct": 0, "unparsed": 0, "failed": 1, "missing": 1}
    assert CategoryAccuracy.from_dict(old).unanswerable is None
    cat = CategoryAccuracy(math.nan, 3, 0, 0, 0, 0, 0, covered=False, unanswerable=3)
    good = MCQResult({"c": cat}, math.nan, math.nan, 3, 0, 0, 0, 0, unanswerable=3)
    assert MCQResult.from_dict(json.loads(json.dumps(strict_json(good.to_dict())))).unanswerable == 3
    with pytest.raises(ResultFormatError, match="unanswerable"):
        MCQResult.from_dict(strict_json(dataclasses.replace(good, unanswerable=None).to_dict()))
    with pytest.raises(ResultFormatError, match="more than the 3 rows"):
        CategoryAccuracy.from_dict(strict_json(dataclasses.replace(cat, missing=1).to_dict()))


# --------------------------------------------------------------------------- calibration


def test_calibration_counts_the_unanswerable_samples_as_the_binary_section_does(
    made: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    run = shutil.copytree(run, tmp_path / "run")
    calibrate_run(data, run, "trajectory", n_splits=2)
    with caplog.at_level(logging.WARNING):
        result = _evaluate(data, run)
    m = result.methods["trajectory"]
    assert m.binary is not None and m.calibration is not None
    # the zoom samples of the 7 videos with a TUM file; v0's two samples failed
    assert (m.binary.unanswerable, m.binary.missing, m.binary.failed) == (7, 0, 2)
    # was: missing 7 (the binary section's unanswerable samples read as having no score record)
    assert (m.calibration.unanswerable, m.calibration.missing, m.calibration.failed) == (7, 0, 2)
    said = [r.getMessage() for r in caplog.records if "of 16 labelled binary samples" in r.getMessage()]
    assert said and "0 have no score record" in said[0] and "7 more are questions the method found" in said[0]
    doc = json.loads(json.dumps(strict_json(result.to_dict())))
    assert doc["methods"]["trajectory"]["calibration"]["unanswerable"] == 7
    back = EvaluationResult.from_dict(doc).methods["trajectory"].calibration
    assert back is not None and back.unanswerable == 7
    out = tmp_path / "report"
    write_report(data, run, out, failed="lowest", n_bootstrap=0, gallery=0)
    with (out / "calibration.csv").open(encoding="utf-8", newline="") as f:
        row = next(csv.DictReader(f))
    assert row["missing"] == "0" and row["unanswerable"] == "7"


def test_an_older_calibration_document_still_loads() -> None:
    doc = {
        "source": "raw scores",
        "brier": 0.1,
        "ece": 0.1,
        "samples": 1,
        "per_primitive_brier": {"Pan_Left": 0.1},
        "reliability": {"n_bins": 10, "prob_pred": [0.5], "prob_true": [1.0], "counts": [1]},
        "failed": 0,
        "missing": 0,
    }
    assert CalibrationResult.from_dict(doc).unanswerable is None
