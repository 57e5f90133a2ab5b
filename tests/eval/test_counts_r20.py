"""Counts and errors red team R20 found unclear.

- F1: ``camerabench evaluate``'s summary line showed no failed or missing count for the paired
  VQA cells (only ``--json`` and the report had them), and no warning said so; retrieval is
  scored on the same cells, so the one count stands for both.
- F2: a label naming its video in other letter case than the file in ``videos/`` gave "the
  videos X and Y differ only in letter case ... rename one", naming the first label file of the
  correct spelling; it names the label file and line of the spelling not on disk now.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest

from camerabench.cli.evaluate import summary_lines
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.eval.failed import FailedPolicy
from camerabench.eval.report import write_report
from camerabench.eval.results import EvaluationResult
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(4)]
EXTRA = "extra.mp4"  # named by a VQA pair only; the dummy method is told to fail on it
LEFT = Primitive.PAN_LEFT.question
RIGHT = Primitive.PAN_RIGHT.question


def _pair(pv: str, nv: str) -> VQAPair:
    texts = ("pans left", "pans right")
    return VQAPair("pan", "sides", (pv, nv), texts, pv, nv, *texts, LEFT, RIGHT)


PAIRS = [_pair("v1.mp4", "v0.mp4"), _pair("v3.mp4", "v2.mp4"), _pair(EXTRA, "v0.mp4")]


def _write_data(root: Path) -> None:
    recs = [BinaryRecord.make(v, Primitive.PAN_LEFT, i % 2 == 1) for i, v in enumerate(VIDEOS)]
    write_binary_file(root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    write_vqa_file(root / "labels" / "vqa_and_retrieval" / "pan" / "sides.jsonl", PAIRS)
    for i, v in enumerate([*VIDEOS, EXTRA]):
        write_video(root / "videos" / v, np.full((4, 16, 16, 3), 40 * i, np.uint8), fps=4)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The data, and a dummy run that failed on ``extra.mp4`` and lost its (v3, Pan_Right) record."""
    from camerabench.jobs.runner import run_predict

    root = tmp_path_factory.mktemp("counts_r20") / "data"
    _write_data(root)
    run = root.parent / "run"
    run_predict(root, "dummy", run, options={"fail_videos": [EXTRA]})
    scores = run / "dummy" / "scores.jsonl"
    lines = scores.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if (json.loads(x)["video"], json.loads(x)["question"]) != ("v3.mp4", RIGHT)]
    assert len(kept) == len(lines) - 1
    scores.write_text("".join(kept), encoding="utf-8")
    return root, run


def _expected_counts(run: Path) -> tuple[int, int]:
    """Failed and missing VQA cells, counted from scores.jsonl: every (video, question) of each pair."""
    status = {}
    for line in (run / "dummy" / "scores.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        status[(rec["video"], rec["question"])] = rec["status"]
    cells = [(v, q) for p in PAIRS for v in (p.pos_video, p.neg_video) for q in (p.pos_question, p.neg_question)]
    failed = sum(status.get(c) == "failed" for c in cells)
    missing = sum(c not in status for c in cells)
    return failed, missing


def _evaluate(data: Path, run: Path, failed: FailedPolicy = "lowest") -> EvaluationResult:
    return evaluate(data, run, failed=failed, n_bootstrap=0, captions_minilm=False).result


def test_summary_line_and_warning_show_the_vqa_failed_and_missing_cells(
    made: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    failed, missing = _expected_counts(made[1])
    assert (failed, missing) == (2, 1)  # the two cells on extra.mp4, the one record removed
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.evaluate"):
        result = _evaluate(*made)
    vqa = result.methods["dummy"].vqa
    assert vqa is not None and (vqa.failed, vqa.missing) == (failed, missing)
    line = summary_lines(result)[-1]
    # was: "VQA acc .. group ..  retrieval group .." with no count (the binary part's own counts only)
    after = line.split("  retrieval group ", 1)[1]
    assert re.match(rf"(\d+\.\d|n/a) \(VQA/retrieval cells: {failed} failed, {missing} missing\)(  |$)", after), line
    warned = [r.getMessage() for r in caplog.records if "VQA/retrieval" in r.getMessage()]
    # was: no warning (binary samples without a record had one)
    assert warned == [
        f"dummy: VQA/retrieval: {failed} failed and {missing} missing (no score record) of {4 * len(PAIRS)} VQA "
        "cells in the answered tasks (retrieval is scored on the same cells): --failed lowest, answered wrong, "
        "and every retrieval comparison involving them lost"
    ]


def test_drop_policy_line_counts_the_dropped_pairs(made: tuple[Path, Path]) -> None:
    result = _evaluate(*made, failed="drop")
    vqa = result.methods["dummy"].vqa
    assert vqa is not None and vqa.dropped_pairs == 2  # the pair on extra.mp4, the one missing a v3 cell
    assert "(VQA/retrieval cells: 2 failed, 1 missing, 2 pairs dropped)" in summary_lines(result)[-1]


def test_the_counts_are_those_of_json_and_the_report(made: tuple[Path, Path], tmp_path: Path) -> None:
    failed, missing = _expected_counts(made[1])
    doc = _evaluate(*made).to_json()["methods"]["dummy"]["vqa"]
    assert (doc["failed"], doc["missing"]) == (failed, missing)
    out = tmp_path / "report"
    write_report(made[0], made[1], out, n_bootstrap=0, gallery=0)
    with (out / "failures.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["method"] == "dummy" and r["section"] == "vqa")
    assert (int(row["failed"]), int(row["missing"])) == (failed, missing)


def test_no_count_warning_without_failures(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from camerabench.jobs.runner import run_predict

    data = tmp_path / "data"
    _write_data(data)
    run_predict(data, "dummy", tmp_path / "run")
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.evaluate"):
        result = _evaluate(data, tmp_path / "run")
    assert not [r for r in caplog.records if "VQA/retrieval" in r.getMessage()]
    assert "(VQA/retrieval cells: 0 failed, 0 missing)" in summary_lines(result)[-1]


# --------------------------------------------------------------------------- F2: letter case


def _case_data(root: Path, files: list[str], labels: dict[Primitive, list[str]]) -> dict[Primitive, Path]:
    for name in files:
        write_video(root / "videos" / name, np.zeros((2, 8, 8, 3), np.uint8), fps=2)
    paths = {}
    for prim, videos in labels.items():
        paths[prim] = root / "labels" / "binary_classification" / prim.file
        write_binary_file(paths[prim], [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(videos)])
    return paths


def test_a_label_in_other_letter_case_names_its_own_file_and_line(tmp_path: Path) -> None:
    """As R20: the right spelling in Move_In (read first), the wrong one on Pan_Left line 2."""
    paths = _case_data(
        tmp_path,
        ["a.mp4", "b.mp4"],
        {Primitive.MOVE_IN: ["a.mp4", "b.mp4"], Primitive.PAN_LEFT: ["a.mp4", "B.MP4"]},
    )
    with pytest.raises(FileFormatError) as info:
        Dataset(tmp_path).validate()
    # was: "Move_In.jsonl:2: the videos 'B.MP4' and 'b.mp4' differ only in letter case ... rename one"
    assert (info.value.path, info.value.line) == (paths[Primitive.PAN_LEFT], 2)
    assert str(info.value) == (
        f"{paths[Primitive.PAN_LEFT]}:2: the video 'B.MP4' is not in {tmp_path / 'videos'}; the file there is "
        "'b.mp4' (other letter case): write 'b.mp4' in the label file, or rename the file"
    )


@pytest.mark.parametrize(
    ("files", "names"),
    [(["a.mp4", "b.mp4", "B.mp4"], ["a.mp4"]), (["a.mp4"], ["a.mp4", "c.mp4", "C.mp4"])],
    ids=["two-files", "two-labels-without-files"],
)
def test_two_names_neither_a_misspelling_of_a_file_still_say_rename_one(
    tmp_path: Path, files: list[str], names: list[str]
) -> None:
    _case_data(tmp_path, files, {Primitive.PAN_LEFT: names})
    with pytest.raises(FileFormatError, match=r"differ only in letter case.*; rename one$"):
        Dataset(tmp_path).validate()
