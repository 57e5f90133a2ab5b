"""Report fixes, red team R58: ``mcq.csv`` and ``calibration.csv`` written as the other CSVs
(fractions at full precision, NaN, plain column names), each method's own chance level under
``--failed drop``, what is known of a predict run without any answers file (not a guess), and a
relative ``RunInfo.data`` compared resolved with the ``--data`` evaluated."""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss

from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, RunInfo, ScoreRecord, write_answers, write_run_info, write_scores
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = [f"v{i}.mp4" for i in range(6)]
PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
LABELS = {PAN: [True, False, True, False, False, False], TILT: [False, True, False, False, True, False]}
SCORES = {PAN: [0.9, 0.2, 0.6, 0.4, 0.1, 0.3], TILT: [0.3, 0.8, 0.1, 0.5, 0.7, 0.2]}
OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
CATEGORY = ["camera movement"] * 3 + ["shot size"] * 2 + ["lighting"]


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, Path]:
    """Two primitives with both classes; methods ``a`` (every sample scored, answers) and ``b``
    (v0's samples failed, a predict run whose folder holds no answers file)."""
    data, run = tmp_path / "data", tmp_path / "run"
    for prim, labels in LABELS.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, y) for v, y in zip(VIDEOS, labels, strict=True)],
        )
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")  # the MCQ rows need their media; no video is decoded
    rows = [
        MCQRow(str(i), "t", ("video",), (f"videos/{v}",), "Which?", dict(OPTIONS), "A", CATEGORY[i], i + 2)
        for i, v in enumerate(VIDEOS)
    ]
    write_mcq_table(data / "labels" / "shotbench" / "t.tsv", rows)
    for name in ("a", "b"):
        recs = [
            ScoreRecord.failed(v, p.question, name, "decoder crashed", p.value)
            if name == "b" and v == "v0.mp4"
            else ScoreRecord(v, p.question, name, s, primitive=p.value)
            for p in (PAN, TILT)
            for v, s in zip(VIDEOS, SCORES[p], strict=True)
        ]
        write_scores(run / name / "scores.jsonl", recs)
        failures = {"v0.mp4": "decoder crashed"} if name == "b" else {}
        info = RunInfo(
            method=name,
            data=str(data.resolve()),
            finished="2026-01-01T00:00:00+00:00",
            videos_ok=6 - len(failures),
            videos_failed=len(failures),
            failures=failures,
        )
        write_run_info(run / name / "run.json", info)
    # a: rows 0 and 2 right, 1 wrong (camera movement 2/3); 3 right, 4 failed (shot size 1/2); lighting unanswered
    write_answers(
        run / "a" / "answers.jsonl",
        [
            AnswerRecord("0", "a", "A", table="t"),
            AnswerRecord("1", "a", "B", table="t"),
            AnswerRecord("2", "a", "<answer>A</answer>", table="t"),
            AnswerRecord("3", "a", "A", table="t"),
            AnswerRecord("4", "a", None, "failed", "timeout", table="t"),
        ],
    )
    return data, run


def _report(data: Path, run: Path, out: Path, failed: str) -> str:
    with pytest.warns(UserWarning):  # b's MCQ accuracy is undefined (no answer at all)
        md = write_report(data, run, out, failed=failed, n_bootstrap=0, gallery=0)
    return md.read_text(encoding="utf-8")


def _csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {r["method"]: r for r in csv.DictReader(f)}


def _md_row(md: str, first: str) -> list[str]:
    line = next(x for x in md.splitlines() if x.startswith(f"| {first} |"))
    return [c.strip() for c in line.split("|")[1:-1]]


def test_mcq_csv_holds_fractions_at_full_precision_and_nan(made: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report"
    md = _report(*made, out, "lowest")
    rows = _csv(out / "mcq.csv")
    metrics = json.loads((out / "metrics.json").read_text())["methods"]["a"]["mcq"]
    camera, size = 2 / 3, 1 / 2  # counted by hand from the answers above (the failed row wrong under lowest)
    a = rows["a"]
    # was: "58.3", "60.0", "66.7", "50.0", "—" (the display cells, percent rounded to 0.1)
    assert math.isclose(float(a["Avg"]), (camera + size) / 2, rel_tol=1e-12)
    assert math.isclose(float(a["pooled"]), 3 / 5, rel_tol=1e-12)
    assert math.isclose(float(a["camera movement"]), camera, rel_tol=1e-12)
    assert float(a["shot size"]) == size
    assert float(a["Avg"]) == metrics["mean_accuracy"] and float(a["pooled"]) == metrics["pooled_accuracy"]
    assert math.isnan(float(a["lighting"]))  # outside a's coverage: "—" in the table, NaN here
    assert (a["rows"], a["failed"], a["shot size: failed"], a["lighting: missing"]) == ("6", "1", "1", "1")
    b = rows["b"]  # no answer at all: "n/a" in the table, NaN here
    assert all(math.isnan(float(b[k])) for k in ("Avg", "pooled", "camera movement", "shot size"))
    assert "n/a" not in (out / "mcq.csv").read_text(encoding="utf-8")
    # the report's table keeps its display
    assert _md_row(md.split("## Multiple choice", 1)[1], "a")[1:3] == ["58.3", "60.0"]


def test_calibration_csv_has_plain_columns_and_nan(made: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report"
    md = _report(*made, out, "lowest")
    with (out / "calibration.csv").open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    # was: "failed (left out)", "scores calibrated by the pooled map", ... and "—" placeholders
    assert header == [
        "method", "probabilities", "samples", "failed", "missing", "no_calibration_map", "pooled_map_scores",
        "unfitted_primitive_scores", "brier", "ece", "fitted_on", "scores_changed",
    ]  # fmt: skip
    a = _csv(out / "calibration.csv")["a"]
    y = np.concatenate([LABELS[PAN], LABELS[TILT]])
    p = np.concatenate([SCORES[PAN], SCORES[TILT]])
    assert math.isclose(float(a["brier"]), brier_score_loss(y, p), rel_tol=1e-12)
    assert (a["probabilities"], a["samples"], a["failed"]) == ("raw scores", "12", "0")
    # raw scores: no map, so no pooled-map count, unfitted scores or stale-map check (was "—")
    assert all(math.isnan(float(a[k])) for k in ("pooled_map_scores", "unfitted_primitive_scores", "scores_changed"))
    assert "—" not in (out / "calibration.csv").read_text(encoding="utf-8")
    assert "| failed (left out) |" in md  # the report's table keeps its headers


def test_under_drop_each_method_shows_its_own_chance(made: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report"
    md = _report(*made, out, "drop")
    shared = np.mean([np.mean(LABELS[PAN]), np.mean(LABELS[TILT])])  # every labelled sample
    own_b = np.mean([np.mean(LABELS[PAN][1:]), np.mean(LABELS[TILT][1:])])  # v0's samples dropped
    assert not math.isclose(own_b, shared)
    metrics = json.loads((out / "metrics.json").read_text())
    assert math.isclose(metrics["methods"]["b"]["binary"]["mean_chance"], own_b, rel_tol=1e-12)
    # was: one "chance" row of 33.3 (all labelled samples) beside b's mean AP over its own samples
    header = next(x for x in md.splitlines() if x.startswith("| method | kind | mean AP"))
    assert header.rstrip(" |").endswith("chance (own samples)")
    assert _md_row(md, "b")[-1] == f"{100 * own_b:.1f}" and _md_row(md, "a")[-1] == f"{100 * shared:.1f}"
    assert _md_row(md, "chance (all labelled samples)")[2] == f"{100 * shared:.1f}"
    assert "| primitive | a | b | chance (all labelled samples) |" in md
    rows = _csv(out / "binary_summary.csv")
    assert math.isclose(float(rows["b"]["mean_chance"]), own_b, rel_tol=1e-12)
    assert math.isclose(float(rows["chance"]["mean_chance"]), shared, rel_tol=1e-12)


def test_under_lowest_one_chance_row_is_right(made: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report"
    md = _report(*made, out, "lowest")  # every method has every sample: one chance for all
    assert "own samples" not in md and "| chance |" in md
    rows = _csv(out / "binary_summary.csv")
    assert float(rows["a"]["mean_chance"]) == float(rows["b"]["mean_chance"]) == float(rows["chance"]["mean_ap"])


def test_a_run_without_an_answers_file_is_said_so_not_guessed(
    made: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="no answers.jsonl and no answer_run"):
        result = evaluate(*made, n_bootstrap=0, captions_minilm=False).result
    mcq = result.methods["b"].mcq
    assert mcq is not None and (mcq.rows, mcq.missing) == (6, 6)
    assert mcq.note is not None
    # was: "6 of 6 rows never asked (the answering pass did not finish)", a guess at the cause
    said = "6 of 6 rows without an answer (its folder has no answers.jsonl and no answer_run.json; it answered none"
    assert said in mcq.note
    assert "did not finish" not in mcq.note and "did not finish" not in caplog.text
    assert "b: 6 of 6 multiple-choice rows have no answer because its folder has no answers.jsonl" in caplog.text


def test_a_relative_run_data_is_compared_resolved(
    made: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, run = made
    monkeypatch.chdir(tmp_path)
    for name, made_on in (("a", "data"), ("b", "elsewhere")):  # a hand-written run.json: relative paths
        path = run / name / "run.json"
        doc = json.loads(path.read_text())
        doc["data"] = made_on
        path.write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning):
        evaluate(Path("data"), run, n_bootstrap=0, captions_minilm=False)
    made_on_warnings = [r.getMessage() for r in caplog.records if "the run was made on" in r.getMessage()]
    # was: "a: the run was made on data, not on /tmp/.../data", the same folder
    assert made_on_warnings == [
        f"b: the run was made on elsewhere ({tmp_path.resolve() / 'elsewhere'}), not on {data.resolve()} "
        "(the --data evaluated)"
    ]
    assert os.path.samefile(Path.cwd(), tmp_path)


def test_a_run_made_on_the_same_folder_through_a_link_gives_no_warning(
    made: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    link = tmp_path / "link"
    link.symlink_to(data, target_is_directory=True)
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning):
        evaluate(link, run, n_bootstrap=0, captions_minilm=False)
    assert "the run was made on" not in caplog.text
