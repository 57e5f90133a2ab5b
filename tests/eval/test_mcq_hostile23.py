"""Hostile inputs, round 23: multiple-choice answers to rows the dataset does not have (counted in
the section and said in the report, no longer in the log only), and per-category failed and
missing rows in the report table and ``mcq.csv`` (rows of a category the method never answered
counted in the report's missing total)."""

from __future__ import annotations

import csv
import json
import warnings
from pathlib import Path

from camerabench.eval.evaluate import Evaluation
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    CategoryAccuracy,
    EvaluationResult,
    MCQResult,
    MethodResult,
    read_metrics,
    strict_json,
)
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow

from .test_report_hostile import _NoDataset

OPTIONS = {"A": "Close-up", "B": "Wide shot"}


def _row(index: str, category: str = "shot size", table: str = "t") -> MCQRow:
    return MCQRow(index, table, ("image",), (f"image/{index}.jpg",), "q?", dict(OPTIONS), "A", category, 2)


def _answer(index: str, table: str | None = "t", reply: str | None = "A") -> AnswerRecord:
    if reply is None:
        return AnswerRecord(index, "m", None, "failed", "decode error", table=table)
    return AnswerRecord(index, "m", reply, table=table)


def _report(tmp_path: Path, mcq: MCQResult) -> tuple[str, list[list[str]]]:
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods={"m": MethodResult(mcq=mcq)})
    out = tmp_path / "report"
    ev = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    md = write_report("d", "r", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")
    with (out / "mcq.csv").open(encoding="utf-8", newline="") as f:
        return md, list(csv.reader(f))


# --------------------------------------------------------------------------- answers to no row


def test_answers_to_rows_the_dataset_lacks_are_counted_and_noted() -> None:
    rows = [_row("0"), _row("1")]
    answers = {
        ("t", "0"): _answer("0"),
        ("t", "1"): _answer("1", reply="B"),
        ("t", "7"): _answer("7"),  # a row of another version of the table
        ("other", "0"): _answer("0", table="other"),  # a table the dataset does not have
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = mcq_section(rows, answers)
    assert res is not None and (res.rows, res.correct) == (2, 1)
    # was: warned about in the log only; the section said nothing of them
    assert res.unmatched_answers == 2
    assert res.note == (
        "2 answer records match no row of the multiple-choice tables (e.g. table 'other', index '0'): not evaluated"
    )
    clean = mcq_section(rows, {("t", "0"): _answer("0"), (None, "1"): _answer("1", table=None)})
    assert clean is not None and clean.unmatched_answers is None and clean.note is None


def test_the_unmatched_count_round_trips_and_older_documents_still_load(tmp_path: Path) -> None:
    res = mcq_section([_row("0"), _row("1", "lighting")], {("t", "0"): _answer("0"), (None, "9"): _answer("9", None)})
    assert res is not None and res.unmatched_answers == 1
    doc = json.loads(json.dumps(strict_json(res.to_dict())))
    assert doc["unmatched_answers"] == 1
    back = MCQResult.from_dict(doc)
    assert back.unmatched_answers == 1 and back.note == res.note
    assert strict_json(back.to_dict()) == doc  # nothing lost or added on the way back
    # a document of an earlier camerabench has no such key: it loads, the count unknown (None)
    del doc["unmatched_answers"]
    older = MCQResult.from_dict(doc)
    assert older.unmatched_answers is None and "unmatched_answers" not in older.to_dict()
    # and a whole metrics.json written by one
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods={"m": MethodResult(mcq=older)})
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(strict_json(result.to_dict())), encoding="utf-8")
    loaded = read_metrics(path)
    assert loaded.methods["m"].mcq is not None and loaded.methods["m"].mcq.unmatched_answers is None


def test_the_report_says_answers_to_no_row(tmp_path: Path) -> None:
    res = mcq_section([_row("0")], {("t", "0"): _answer("0"), ("t", "5"): _answer("5")})
    assert res is not None
    md, _ = _report(tmp_path, res)
    mcq_part = md.split("## Multiple choice", 1)[1]
    assert "m: 1 answer record matches no row of the multiple-choice tables (e.g. table 't', index '5')" in mcq_part


# --------------------------------------------------------------------------- per-category counts


def test_per_category_failed_and_missing_in_the_table_and_the_csv(tmp_path: Path) -> None:
    rows = [_row("0"), _row("1"), _row("2"), _row("3"), _row("4", "lighting"), _row("5", "lighting")]
    answers = {("t", "0"): _answer("0"), ("t", "1"): _answer("1", reply=None)}  # 2 and 3 missing
    res = mcq_section(rows, answers)
    assert res is not None
    shot, light = res.per_category["shot size"], res.per_category["lighting"]
    assert (shot.failed, shot.missing, light.covered, light.missing) == (1, 2, False, 2)
    assert (res.failed, res.missing) == (1, 2)  # the section's totals stay over the covered categories
    md, table = _report(tmp_path, res)
    line = next(x for x in md.split("## Multiple choice", 1)[1].split("\n") if x.startswith("| m |"))
    cells = [c.strip() for c in line.split("|")[1:-1]]
    # method, Avg, pooled, rows, unparsed, failed, missing, shot size, lighting
    # was: the category cells without their counts. The lighting rows, a category the method
    # answers none of, are outside its coverage, not missing (a geometric method answers only
    # camera-movement rows): the total stays 2 and their cell "—"; mcq.csv gives their count
    assert cells == ["m", "25.0", "25.0", "6", "0", "1", "2", "25.0 (1 failed, 2 missing)", "—"]
    assert "outside the method's coverage" in md
    header, values = table
    # the earlier columns kept as they were, per-category counts appended
    assert header == [
        "method", "Avg", "pooled", "rows", "unparsed", "failed", "missing", "shot size", "lighting",
        "shot size: failed", "shot size: missing", "lighting: failed", "lighting: missing",
    ]  # fmt: skip
    # full-precision fractions and nan, as the other CSVs (red team R58: the table's display cells)
    assert values == ["m", "0.25", "0.25", "6", "0", "1", "2", "0.25", "nan", "1", "2", "0", "2"]


def test_a_category_without_failed_or_missing_rows_keeps_its_plain_cell(tmp_path: Path) -> None:
    mcq = MCQResult({"shot size": CategoryAccuracy(0.5, 2, 2, 1, 0, 0, 0)}, 0.5, 0.5, 2, 1, 0, 0, 0)
    md, table = _report(tmp_path, mcq)
    line = next(x for x in md.split("## Multiple choice", 1)[1].split("\n") if x.startswith("| m |"))
    assert line.split("|")[-2].strip() == "50.0"
    assert table[1][-3:] == ["0.5", "0", "0"]  # mcq.csv: a fraction (red team R58)
