"""Hostile-input sweep of the evaluation, fifth pass: multiple-choice rows of a ``predict`` that
stopped in (or before) its answering pass.

Rows the answering pass never asked count as missing (wrong under ``--failed lowest``, left out
under ``drop``), not as outside the method's coverage; numbers are checked against the counts
done by hand.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from camerabench.eval.evaluate import evaluate
from camerabench.records import AnswerRecord, RunInfo, write_answers, write_run_info
from camerabench.shotbench import MCQRow, write_mcq_table

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
CATEGORIES = ("camera movement", "shot size")  # two rows each


def _data(root: Path) -> Path:
    (root / "videos").mkdir(parents=True)
    (root / "videos" / "v.mp4").write_bytes(b"")
    rows = [
        MCQRow(str(i), "t", ("video",), ("videos/v.mp4",), f"Which {i}?", dict(OPTIONS), "A", CATEGORIES[i // 2], i + 2)
        for i in range(4)
    ]
    write_mcq_table(root / "labels" / "shotbench" / "t.tsv", rows)
    return root


def _answer_run(folder: Path, asked: list[str], finished: bool) -> None:
    info = RunInfo(method="m", command="answer", seconds_per_video={f"t:{i}": 0.1 for i in asked})
    info.finished = "2026-01-01T00:00:00" if finished else None
    write_run_info(folder / "answer_run.json", info)


def test_rows_an_interrupted_answering_pass_never_asked_count_as_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _data(tmp_path / "data"), tmp_path / "run"
    # the pass answered row 0 (right) and row 1 (wrong), then was killed: the shot-size rows were never asked
    write_answers(
        run / "m" / "answers.jsonl", [AnswerRecord("0", "m", "A", table="t"), AnswerRecord("1", "m", "B", table="t")]
    )
    _answer_run(run / "m", ["0", "1"], finished=False)
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None
    assert "m: 2 of 4 multiple-choice rows have no answer because its answering pass did not finish" in caplog.text
    assert (mcq.rows, mcq.correct, mcq.missing) == (4, 1, 2)
    shot = mcq.per_category["shot size"]
    # no shot-size row was answered: no accuracy (stop 46; 0.0 read as every row answered wrongly),
    # left out of the mean and the pooled accuracy, its rows still missing
    assert shot.covered and (shot.missing, shot.scored) == (2, 0) and math.isnan(shot.accuracy)
    assert mcq.pooled_accuracy == 1 / 2 and mcq.mean_accuracy == 1 / 2
    assert mcq.note is not None and "2 of 4 rows never asked" in mcq.note

    # under drop they are left out, still counted
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, failed="drop", n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None and mcq.missing == 2 and "(left out)" in caplog.text
    assert mcq.pooled_accuracy == 1 / 2 and math.isnan(mcq.per_category["shot size"].accuracy)
    assert mcq.note is not None and "2 failed or missing rows left out" in mcq.note

    # rows the pass asked and the method does not answer (no record) stay outside its coverage
    _answer_run(run / "m", ["0", "1", "2", "3"], finished=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None and "multiple-choice rows have no answer" not in caplog.text
    assert not mcq.per_category["shot size"].covered and (mcq.missing, mcq.pooled_accuracy) == (0, 1 / 2)

    # a finished pass: the shot-size rows are outside the method's coverage, as before
    _answer_run(run / "m", ["0", "1"], finished=True)
    mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None and not mcq.per_category["shot size"].covered and mcq.missing == 0


def test_a_predict_stopped_before_its_answering_pass_shows_every_row_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _data(tmp_path / "data"), tmp_path / "run"
    (run / "m").mkdir(parents=True)
    write_run_info(run / "m" / "run.json", RunInfo(method="m", finished="2026-01-01T00:00:00"))  # score pass done
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert (
        "m: 4 of 4 multiple-choice rows have no answer because its folder has no answers.jsonl and no "
        "answer_run.json (it answered none of them)"
    ) in caplog.text  # what is known, not a guess at why (red team R58)
    assert mcq is not None and (mcq.rows, mcq.missing, mcq.correct) == (4, 4, 0)
    assert math.isnan(mcq.pooled_accuracy)  # nothing answered: no accuracy (stop 46; 0.0 before)
    assert all(c.covered for c in mcq.per_category.values())

    # killed after the answering pass wrote answer_run.json, before its first answer
    _answer_run(run / "m", [], finished=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert "m: 4 of 4 multiple-choice rows have no answer because its answering pass did not finish" in caplog.text
    assert mcq is not None and mcq.missing == 4

    # a finished pass without any answer: the method answers no row (no section, as before)
    _answer_run(run / "m", ["0", "1", "2", "3"], finished=True)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        result = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result
    assert result.methods["m"].mcq is None and "multiple-choice rows have no answer" not in caplog.text
