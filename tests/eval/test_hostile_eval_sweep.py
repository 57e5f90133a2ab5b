"""Hostile-input sweep of the evaluation side: records that match no label or row are counted,
the mean AP says which primitives it leaves out, and quoted option letters are read.

Numbers are checked against ``sklearn.metrics.average_precision_score`` computed here.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from pathlib import Path

import pytest
from sklearn.metrics import average_precision_score

from camerabench.cli import main
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.evaluate import evaluate
from camerabench.eval.mcq import Choice, extract_choice
from camerabench.eval.report import write_report
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, ScoreRecord, write_answers, write_scores
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4"]
PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
PAN_LABELS = [True, False, True, False]
PAN_SCORES = [0.9, 0.8, 0.3, 0.1]
OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Pan_Left with both classes, Tilt_Up with negatives only (AP undefined), one MCQ table."""
    root = tmp_path / "data"
    binary = root / "labels" / "binary_classification"
    write_binary_file(
        binary / PAN.file, [BinaryRecord.make(v, PAN, y) for v, y in zip(VIDEOS, PAN_LABELS, strict=True)]
    )
    write_binary_file(binary / TILT.file, [BinaryRecord.make(v, TILT, False) for v in VIDEOS])
    (root / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (root / "videos" / v).write_bytes(b"")  # the MCQ rows need their media; no video is decoded
    rows = [
        MCQRow(str(i), "t", ("video",), (f"videos/{v}",), "Which?", dict(OPTIONS), "A", "camera movement", i + 2)
        for i, v in enumerate(VIDEOS[:2])
    ]
    write_mcq_table(root / "labels" / "shotbench" / "t.tsv", rows)
    return root


def _scores(run: Path, extra: list[ScoreRecord] | None = None) -> None:
    recs = [ScoreRecord(v, PAN.question, "m", s, primitive=PAN.value) for v, s in zip(VIDEOS, PAN_SCORES, strict=True)]
    recs += [ScoreRecord(v, TILT.question, "m", 0.5, primitive=TILT.value) for v in VIDEOS]
    write_scores(run / "m" / "scores.jsonl", [*recs, *(extra or [])])


def test_score_records_asking_a_question_the_labels_do_not_ask_are_counted(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    # v0 is labelled for Pan_Left and Tilt_Up only: a Zoom_In score and an edited question match nothing
    zoom = Primitive.ZOOM_IN
    _scores(
        run,
        [
            ScoreRecord("v0.mp4", zoom.question, "m", 0.7, primitive=zoom.value),
            ScoreRecord("v1.mp4", PAN.question.upper(), "m", 0.2),
        ],
    )
    with caplog.at_level(logging.WARNING), pytest.warns(UndefinedMetricWarning, match="Tilt_Up is undefined"):
        result = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result
    assert "m: 2 score record(s) ask a labelled video a question its labels do not ask" in caplog.text
    assert result.methods["m"].binary is not None
    assert result.methods["m"].binary.per_primitive[PAN.value] == pytest.approx(
        average_precision_score(PAN_LABELS, PAN_SCORES)
    )


def test_matching_score_records_give_no_unasked_question_warning(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _scores(tmp_path / "run")
    with caplog.at_level(logging.WARNING), pytest.warns(UndefinedMetricWarning):
        evaluate(data, tmp_path / "run", n_bootstrap=0, captions_minilm=False)
    assert "do not ask" not in caplog.text


def test_answer_records_matching_no_row_are_counted(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    _scores(run)
    write_answers(
        run / "m" / "answers.jsonl",
        [
            AnswerRecord("0", "m", "A", table="t"),  # right
            AnswerRecord("1", "m", "A", table="other"),  # no table 'other': row 1 stays missing
            AnswerRecord("99", "m", "A"),  # no row 99 in any table
        ],
    )
    with caplog.at_level(logging.WARNING), pytest.warns(UndefinedMetricWarning):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert "m: 2 answer record(s) match no multiple-choice row of the dataset" in caplog.text
    assert mcq is not None and (mcq.correct, mcq.missing, mcq.rows) == (1, 1, 2)
    assert mcq.pooled_accuracy == 0.5


def test_the_mean_ap_says_which_primitives_it_leaves_out(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    _scores(run)
    expected = average_precision_score(PAN_LABELS, PAN_SCORES)  # Tilt_Up has no positive: left out
    assert main(["evaluate", "--data", str(data), "--run", str(run), "--bootstrap", "5"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("m "))
    assert f"mean AP {100 * expected:.1f}" in line and "over 1/2 primitives" in line

    out = tmp_path / "report"
    with pytest.warns(UndefinedMetricWarning, match="Tilt_Up is undefined"):
        md = write_report(data, run, out, n_bootstrap=5, gallery=0).read_text()
    assert "Mean AP of m averages 1 of 2 primitives; it leaves out 1 with undefined AP" in md
    assert "Tilt_Up." in md
    with (out / "binary_summary.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["method"] == "m")
    assert (row["primitives_in_mean"], row["primitives"]) == ("1", "2")
    assert math.isclose(float(row["mean_ap"]), expected)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["methods"]["m"]["binary"]["per_primitive"][TILT.value] is None


@pytest.mark.parametrize(
    ("reply", "letter"),
    [('The answer is "B".', "B"), ("'C'", "C"), ("`A`", "A"), ("\u201cB\u201d", "B"), ("I'd say C", "C")],
)
def test_a_quoted_option_letter_is_read(reply: str, letter: str) -> None:
    assert extract_choice(reply, OPTIONS) == Choice(letter, "letter")


def test_a_quoted_option_text_is_read() -> None:
    assert extract_choice('It is a "static shot".', OPTIONS) == Choice("C", "text")
