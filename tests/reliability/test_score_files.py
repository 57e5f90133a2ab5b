"""Score files from other tools: records that match no label, empty files, failed VQA tasks, paired tests.

A method whose records match no label (video names with a folder prefix, edited question
text) or whose ``scores.jsonl`` is empty is reported with every sample missing and a warning
naming the likely cause, never with a silently absent AP section; a VQA task whose cells all
failed is scored as wrong under ``--failed lowest``; a paired test between two methods with no
common primitive is skipped with a note.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.binary import ResolvedSamples, compare_methods
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]
POS_Q, NEG_Q = "Is the camera moving?", "Is the camera fixed?"


def _labels() -> dict[Primitive, list[BinaryRecord]]:
    return {
        PAN: [BinaryRecord.make(v, PAN, v in ("a.mp4", "b.mp4")) for v in VIDEOS],
        TILT: [BinaryRecord.make(v, TILT, v in ("c.mp4", "d.mp4")) for v in VIDEOS],
    }


def _pairs() -> list[VQAPair]:
    return [
        VQAPair("motion", "moving", (p, n), (POS_Q, NEG_Q), p, n, POS_Q, NEG_Q, POS_Q, NEG_Q)
        for p, n in (("a.mp4", "b.mp4"), ("c.mp4", "d.mp4"))
    ]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for prim, recs in _labels().items():
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    write_vqa_file(root / "labels" / "vqa_and_retrieval" / "motion" / "moving.jsonl", _pairs())
    return root


def _binary_records(method: str, video: Callable[[str], str] = str, question: Callable[[str], str] = str):
    return [
        ScoreRecord(video(r.image), question(p.question), method, 1.0 if r.label == "Yes" else 0.0, primitive=p.value)
        for p, recs in _labels().items()
        for r in recs
    ]


def _vqa_records(method: str, failed: bool = False) -> list[ScoreRecord]:
    out = []
    for pair in _pairs():
        for video, question, expected in pair.cells:
            out.append(
                ScoreRecord.failed(video, question, method, "model crashed")
                if failed
                else ScoreRecord(video, question, method, 0.9 if expected else 0.1)
            )
    return out


UNMATCHED = [
    ("folder-prefix", lambda m: _binary_records(m, video=lambda v: f"videos/{v}"),
     "the records name videos with a different folder prefix than the labels (records 'videos/a.mp4', "
     "labels 'a.mp4')"),
    ("other-names", lambda m: _binary_records(m, video=lambda v: v.replace(".mp4", ".mov")),
     "no record names a labelled video (records e.g. 'a.mov', labels e.g. 'a.mp4')"),
    ("edited-question", lambda m: _binary_records(m, question=lambda q: q.replace("camera", "shot")),
     "no record asks a labelled question; was the question text edited?"),
    ("case-and-spacing", lambda m: _binary_records(m, question=lambda q: " " + q.upper()),
     "the question texts differ from the labels' in case or spacing"),
    ("empty-file", lambda m: [], "no score record (scores.jsonl is empty or absent)"),
    ("run-json-only", None, "no score record (scores.jsonl is empty or absent)"),
]  # fmt: skip


@pytest.mark.parametrize("policy", ["lowest", "drop"])
@pytest.mark.parametrize(("records", "cause"), [u[1:] for u in UNMATCHED], ids=[u[0] for u in UNMATCHED])
def test_records_matching_no_label_count_every_sample_missing(
    data: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    records: Callable[[str], list[ScoreRecord]] | None,
    cause: str,
    policy: str,
) -> None:
    run = tmp_path / "run"
    if records is None:
        write_run_info(run / "other" / "run.json", RunInfo("other"))
    else:
        write_scores(run / "other" / "scores.jsonl", records("other"))
    with caplog.at_level(logging.WARNING), pytest.warns(UndefinedMetricWarning) if policy == "drop" else nullcontext():
        result = evaluate(data, run, failed=policy, n_bootstrap=0, captions_minilm=False).result  # type: ignore[arg-type]
    binary = result.methods["other"].binary
    assert binary is not None  # never a silently absent AP section
    assert (binary.missing, binary.failed) == (8, 0)
    assert all(c.missing == c.labelled == 4 and c.ok == 0 for c in binary.counts.values())
    if policy == "lowest":  # every sample ranked lowest: AP is the prevalence
        assert binary.samples == 8 and binary.mean_ap == pytest.approx(binary.mean_chance) == 0.5
    else:
        assert binary.samples == 0 and math.isnan(binary.mean_ap)
    assert binary.note is not None and cause in binary.note
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and cause in r.getMessage()]
    assert warned and warned[0].startswith("other: no ")


def test_records_that_match_get_no_unmatched_note(data: Path, tmp_path: Path) -> None:
    write_scores(tmp_path / "run" / "m" / "scores.jsonl", _binary_records("m"))
    binary = evaluate(data, tmp_path / "run", n_bootstrap=0, captions_minilm=False).result.methods["m"].binary
    assert binary is not None and binary.note is None and binary.mean_ap == 1.0 and binary.missing == 0


@pytest.mark.parametrize(
    ("policy", "acc", "pairs"),
    [("lowest", 0.0, 2), ("drop", math.nan, 0)],
)
def test_vqa_task_whose_cells_all_failed_counts_as_failed(
    data: Path, tmp_path: Path, policy: str, acc: float, pairs: int
) -> None:
    run = tmp_path / "run"
    write_scores(run / "m" / "scores.jsonl", _binary_records("m") + _vqa_records("m", failed=True))
    with pytest.warns(UndefinedMetricWarning, match="motion/moving") if policy == "drop" else nullcontext():
        result = evaluate(data, run, failed=policy, n_bootstrap=0, captions_minilm=False).result  # type: ignore[arg-type]
    vqa, retrieval = result.methods["m"].vqa, result.methods["m"].retrieval
    assert vqa is not None and retrieval is not None
    assert vqa.unanswered_tasks == []
    # answered, and failed: under drop no pair is left, so the task's figure is undefined, not answered
    assert vqa.tasks_answered == (1 if policy == "lowest" else 0)
    assert vqa.undefined_tasks == (None if policy == "lowest" else ["motion/moving"])
    assert (vqa.failed, vqa.missing, vqa.pairs) == (8, 0, pairs)
    task = vqa.per_task["motion/moving"]
    for value in (task.acc, task.q_acc, task.video_acc, task.group_acc, retrieval.group):
        assert value == acc or (math.isnan(acc) and math.isnan(value))


def test_vqa_task_without_any_record_is_unanswered_not_failed(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    failed_cells = _vqa_records("m", failed=True)
    write_scores(run / "m" / "scores.jsonl", _binary_records("m") + failed_cells[:1])
    vqa = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].vqa
    assert vqa is not None and vqa.tasks_answered == 1 and (vqa.failed, vqa.missing) == (1, 7)
    write_scores(run / "m" / "scores.jsonl", _binary_records("m"))
    assert evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].vqa is None


@pytest.mark.parametrize("policy", ["lowest", "drop"])
def test_paired_test_without_a_common_primitive_is_skipped_with_a_note(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, policy: str
) -> None:
    run = tmp_path / "run"
    write_scores(run / "full" / "scores.jsonl", _binary_records("full") + _vqa_records("full"))
    write_scores(run / "vqa_only" / "scores.jsonl", _vqa_records("vqa_only"))
    with caplog.at_level(logging.WARNING), pytest.warns(UndefinedMetricWarning) if policy == "drop" else nullcontext():
        ev = evaluate(data, run, failed=policy, n_bootstrap=20, captions_minilm=False)  # type: ignore[arg-type]
    (comp,) = ev.result.comparisons or []
    assert (comp.a, comp.b, comp.primitives, comp.samples, comp.n_bootstrap) == ("full", "vqa_only", [], 0, 0)
    assert math.isnan(comp.diff) and math.isnan(comp.p_value)
    assert comp.note == "not tested: vqa_only answered none of the binary questions"
    assert "paired test full vs vqa_only skipped: vqa_only answered none of the binary questions" in caplog.text
    doc = json.loads(json.dumps(ev.result.to_json(), allow_nan=False))
    assert doc["comparisons"][0]["diff"] is None and doc["comparisons"][0]["note"] == comp.note
    vqa_only = ev.result.methods["vqa_only"]
    assert vqa_only.vqa is not None and vqa_only.vqa.overall.acc == 1.0
    assert vqa_only.binary is not None and vqa_only.binary.missing == 8


def test_report_shows_the_skipped_paired_test(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_scores(run / "full" / "scores.jsonl", _binary_records("full"))
    write_scores(run / "vqa_only" / "scores.jsonl", _vqa_records("vqa_only"))
    path = write_report(data, run, tmp_path / "report", n_bootstrap=0)
    assert "full vs vqa_only: not tested: vqa_only answered none of the binary questions" in path.read_text()
    csv_lines = (path.parent / "comparisons.csv").read_text().splitlines()
    assert csv_lines[0].endswith(",note") and csv_lines[1].endswith("answered none of the binary questions")


def _resolved(answered: bool, shift: float = 0.0) -> ResolvedSamples:
    labels = np.array([True, True, False, False])
    return ResolvedSamples(labels, labels.astype(float) + shift, VIDEOS, answered)


def test_paired_test_leaves_out_primitives_one_method_never_answered() -> None:
    a = {PAN.value: _resolved(True), TILT.value: _resolved(True)}
    b = {PAN.value: _resolved(True, 0.5), TILT.value: _resolved(False)}
    comp = compare_methods("a", "b", a, b, n_bootstrap=10)
    assert comp.primitives == [PAN.value] and comp.samples == 4 and comp.diff == 0.0
    assert comp.note == f"left out 1 primitive(s) that one method has no record for: {TILT.value}"


def test_paired_test_on_common_samples_with_one_class_only_is_skipped() -> None:
    one_class = ResolvedSamples(np.array([True, True]), np.array([0.1, 0.2]), VIDEOS[:2])
    comp = compare_methods("a", "b", {PAN.value: one_class}, {PAN.value: one_class}, n_bootstrap=10)
    assert comp.primitives == [] and math.isnan(comp.diff)
    assert comp.note is not None and comp.note.startswith("not tested: no primitive that both methods answered")
