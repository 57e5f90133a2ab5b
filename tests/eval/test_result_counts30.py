"""Round 30: counts that did not reach the typed result and the report.

- a knob's failed, missing and dropped samples (only in the binary totals, or a warning);
- VQA tasks whose figure is undefined counted among the tasks answered;
- two long method names differing in the middle drawn with the same legend text.

Each test fails on the code before this round.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval import report as report_module
from camerabench.eval.ap import PrimitiveSamples, UndefinedMetricWarning
from camerabench.eval.binary import ResolvedSamples, resolve_samples
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.knobs import knob_section
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    CalibrationResult,
    EvaluationResult,
    KnobAP,
    MethodResult,
    PrimitiveCounts,
    Reliability,
    read_metrics,
    strict_json,
)
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.labelfiles import VQAPair
from camerabench.records import ScoreRecord
from camerabench.runfolder import MethodRun

#: Two method names whose legend labels, each cut alone, read the same (they differ in the middle).
LONG_A = "a" * 30 + "_variant_one_" + "b" * 30
LONG_B = "a" * 30 + "_variant_two_" + "b" * 30


@pytest.fixture(scope="module", autouse=True)
def _plots_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """matplotlib's import and first figure (about a second, once per process), outside the tests' timing."""
    from camerabench.eval.plots import new_figure

    fig, _ = new_figure(1, 1)
    fig.savefig(tmp_path_factory.mktemp("warm") / "warm.png")


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012
    vqa: dict[Any, Any] = {}  # noqa: RUF012


# --------------------------------------------------------------------------- knob counts

#: v1, v2 have the knob 'blur'; v3, v4 none. v2 failed on both primitives, v4 is absent from the run.
MANIFEST = {
    "clips": [
        {"video": "v1.mp4", "knobs": {"blur": True}},
        {"video": "v2.mp4", "knobs": {"blur": True}},
        {"video": "v3.mp4", "knobs": {"blur": False}},
        {"video": "v4.mp4", "knobs": {"blur": False}},
    ]
}


def _samples() -> dict[str, PrimitiveSamples]:
    videos = ["v1.mp4", "v2.mp4", "v3.mp4", "v4.mp4"]
    status = np.array(["ok", "failed", "ok", "missing"])
    return {
        prim: PrimitiveSamples(
            videos, np.array([True, False, True, False]), np.array([0.9, math.nan, 0.4, math.nan]), status
        )
        for prim in ("pan_left", "tilt_up")
    }


def _knobs(policy: str) -> dict[str, KnobAP]:
    samples = _samples()
    resolved = {p: resolve_samples(s, policy) for p, s in samples.items()}  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return knob_section({"m": resolved}, MANIFEST, samples={"m": samples})["m"]


def test_a_knobs_failed_missing_and_dropped_samples_are_counted_per_knob() -> None:
    """Old: knob_section took no samples; a knob's failed clip was only in the binary totals."""
    drop = _knobs("drop")
    assert (drop["blur"].samples, drop["blur"].failed, drop["blur"].missing, drop["blur"].dropped) == (2, 2, 0, 2)
    assert (drop["none"].samples, drop["none"].failed, drop["none"].missing, drop["none"].dropped) == (2, 0, 2, 2)
    lowest = _knobs("lowest")  # kept, ranked below every score: nothing dropped
    assert (lowest["blur"].samples, lowest["blur"].failed, lowest["blur"].missing, lowest["blur"].dropped) == (
        4, 2, 0, 0,
    )  # fmt: skip
    assert (lowest["none"].failed, lowest["none"].missing, lowest["none"].dropped) == (0, 2, 0)


def test_the_undefined_knob_warning_gives_the_counts_and_uncounted_knobs_stay_none() -> None:
    """Old: the warning said only how many clips had no evaluated sample."""
    samples = _samples()
    resolved = {p: resolve_samples(s, "drop") for p, s in samples.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UndefinedMetricWarning)
        knob_section({"m": resolved}, MANIFEST, samples={"m": samples})
    texts = [str(w.message) for w in caught]
    assert any("'blur'" in t and t.endswith("(2 failed and 0 missing samples, 2 of them dropped)") for t in texts)
    assert any("'none'" in t and t.endswith("(0 failed and 2 missing samples, 2 of them dropped)") for t in texts)
    manifest = {"clips": [*MANIFEST["clips"], {"video": "v5.mp4", "knobs": {"blur": False, "rain": False}}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        counted = knob_section({"m": resolved}, manifest, samples={"m": samples})["m"]
        uncounted = knob_section({"m": resolved}, manifest)["m"]
    assert (counted["rain"].clips, counted["rain"].failed, counted["rain"].dropped) == (0, 0, 0)
    assert all(e.failed is None and e.missing is None and e.dropped is None for e in uncounted.values())


def test_knob_counts_round_trip_through_metrics_json_and_older_documents_still_read(tmp_path: Path) -> None:
    """Old: KnobAP had no failed/missing/dropped (TypeError); a document with them was refused."""
    nan = (math.nan, math.nan)
    binary = BinaryResult(  # the method the knob table is of: its binary totals hold the knob's counts
        0.5, {"Pan_Left": 0.5}, 2, 1, 2, {"Pan_Left": 0.5}, 0.5, BinaryCI({"Pan_Left": nan}, nan),
        {"Pan_Left": 0.5}, 0.5, {"Pan_Left": PrimitiveCounts(5, 2, 1, 2, 2, 1, 3)}, 1, "drop", {"boom": 2},
    )  # fmt: skip
    result = EvaluationResult(
        "d",
        "r",
        "drop",
        0,
        0,
        methods={"m": MethodResult(binary=binary)},
        knobs={"m": {"blur": KnobAP(0.5, 1, 2, 2, failed=2, missing=1, dropped=3)}},
    )
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(result.to_json()))
    back = read_metrics(path).knobs["m"]["blur"]
    assert (back.failed, back.missing, back.dropped) == (2, 1, 3)
    old = {"mean_ap": None, "primitives": 0, "clips": 2, "samples": 0}  # written before the counts
    path.write_text(json.dumps({**result.to_json(), "knobs": {"m": {"blur": old}}}))
    back = read_metrics(path).knobs["m"]["blur"]
    assert math.isnan(back.mean_ap) and back.failed is None and back.dropped is None
    assert "failed" not in KnobAP(0.5, 1, 2, 2).to_dict()


def test_the_reports_knob_table_and_csv_carry_the_counts(tmp_path: Path) -> None:
    """Old: the knob cell gave the AP and primitives only; knobs.csv had no count columns."""
    knobs = {
        "m": {
            "blur": KnobAP(math.nan, 0, 2, 0, failed=2, missing=1, dropped=3),
            "none": KnobAP(0.75, 2, 2, 4, failed=0, missing=0, dropped=0),
            "old": KnobAP(0.5, 1, 1, 2),  # a document older than the counts
        }
    }
    result = EvaluationResult("d", "r", "drop", 0, 0, methods={"m": MethodResult()}, knobs=knobs)
    md = write_report("d", "r", tmp_path, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0)  # type: ignore[arg-type]
    text = md.read_text(encoding="utf-8")
    assert "| blur | 2 | n/a (0); failed 2, missing 1, 3 dropped |" in text
    assert "| none | 2 | 75.0 (2) |" in text
    with (tmp_path / "knobs.csv").open(encoding="utf-8") as fh:
        rows = {r["knob"]: r for r in csv.DictReader(fh)}
    assert (rows["blur"]["failed"], rows["blur"]["missing"], rows["blur"]["dropped"]) == ("2", "1", "3")
    assert (rows["old"]["failed"], rows["old"]["dropped"]) == ("", "")


# --------------------------------------------------------------------------- VQA undefined tasks


def _pair(task: str, i: int) -> VQAPair:
    return VQAPair(
        "skill", task, (f"p{i}.mp4", f"n{i}.mp4"), (f"pt{i}", f"nt{i}"),
        f"p{i}.mp4", f"n{i}.mp4", f"pt{i}", f"nt{i}", f"pq{i}", f"nq{i}",
    )  # fmt: skip


def _vqa_run(failed_pair: VQAPair, ok_pair: VQAPair) -> MethodRun:
    table = {}
    for (video, question, _), x in zip(ok_pair.cells, [0.9, 0.1, 0.8, 0.2], strict=True):
        table[(video, question)] = ScoreRecord(video, question, "m", x)
    for k, (video, question, _) in enumerate(failed_pair.cells):
        table[(video, question)] = (
            ScoreRecord(video, question, "m", 0.9)
            if k
            else ScoreRecord(video, question, "m", None, status="failed", reason="boom")
        )
    return MethodRun("m", Path("."), scores=table)


def test_a_vqa_task_with_every_pair_dropped_is_undefined_not_answered() -> None:
    """Old: tasks_answered 2 of 2 while task 'gone' was NaN; nothing named it in the result."""
    gone, kept = _pair("gone", 0), _pair("kept", 1)
    labels = {("skill", "gone"): [gone], ("skill", "kept"): [kept]}
    with pytest.warns(UndefinedMetricWarning, match="skill/gone is undefined"):
        got = vqa_retrieval_sections(labels, _vqa_run(gone, kept), "drop")
    assert got is not None
    vqa, ret = got
    assert (vqa.tasks_answered, vqa.tasks_total, vqa.undefined_tasks) == (1, 2, ["skill/gone"])
    assert (ret.tasks_answered, ret.undefined_tasks) == (1, ["skill/gone"])
    assert math.isnan(vqa.per_task["skill/gone"].acc) and vqa.overall.acc == 1.0
    assert vqa.note is not None and "1 task(s) with records have no pair left to score" in vqa.note
    assert "skill/gone" in vqa.note
    lowest = vqa_retrieval_sections(labels, _vqa_run(gone, kept), "lowest")
    assert lowest is not None  # under lowest the failed cell is a wrong answer: the task is defined
    assert (lowest[0].tasks_answered, lowest[0].undefined_tasks, lowest[1].undefined_tasks) == (2, None, None)


def test_undefined_vqa_tasks_reach_metrics_json_and_the_report(tmp_path: Path) -> None:
    """Old: no undefined_tasks field (and the report did not name the tasks)."""
    gone, kept = _pair("gone", 0), _pair("kept", 1)
    labels = {("skill", "gone"): [gone], ("skill", "kept"): [kept]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        got = vqa_retrieval_sections(labels, _vqa_run(gone, kept), "drop")
    assert got is not None
    result = EvaluationResult("d", "r", "drop", 0, 0, methods={"m": MethodResult(vqa=got[0], retrieval=got[1])})
    doc = strict_json(result.to_dict())
    assert doc["methods"]["m"]["vqa"]["undefined_tasks"] == ["skill/gone"]
    assert EvaluationResult.from_dict(doc).methods["m"].vqa.undefined_tasks == ["skill/gone"]  # type: ignore[union-attr]
    text = write_report(
        "d",
        "r",
        tmp_path / "rep",
        evaluation=Evaluation(result, _NoDataset(), {}),
        gallery=0,  # type: ignore[arg-type]
    ).read_text(encoding="utf-8")
    assert "| m | 1/2 |" in text
    assert "m: 1 task(s) with records but no pair left to score" in text and "skill/gone." in text


# --------------------------------------------------------------------------- legend labels


def _captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The figures the report saves, by file name, instead of writing them."""
    figures: dict[str, Any] = {}
    monkeypatch.setattr(report_module, "_save", lambda fig, path, dpi=110: figures.__setitem__(Path(path).name, fig))
    return figures


def test_reliability_legend_tells_apart_long_names_differing_in_the_middle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Old: both lines were labelled 'aaaaaaaaaaaaaaaaaaa…bbbbbbbbbbbbbbbbbbbb'."""
    figures = _captured(monkeypatch)

    def cal(p: float) -> CalibrationResult:
        return CalibrationResult("raw scores", 0.2, 0.1, 4, {"pan_left": 0.2}, Reliability(10, [p], [p], [4]))

    methods = {LONG_A: MethodResult(calibration=cal(0.3)), LONG_B: MethodResult(calibration=cal(0.7))}
    ev = Evaluation(EvaluationResult("d", "r", "lowest", 0, 0, methods=methods), _NoDataset(), {})  # type: ignore[arg-type]
    report_module._calibration_part(report_module._Doc(), ev, tmp_path, [])
    ax = figures["reliability.png"].axes[0]
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(legend_texts) == 2 and len(set(legend_texts)) == 2
    assert any("one" in t for t in legend_texts) and any("two" in t for t in legend_texts)


def test_pr_curves_and_no_curve_notes_tell_apart_long_names_differing_in_the_middle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Old: the two curves' legend entries (and the two 'no curve' notes) read the same."""
    figures = _captured(monkeypatch)
    videos = ["v1", "v2", "v3", "v4"]

    def res(labels: list[bool]) -> ResolvedSamples:
        return ResolvedSamples(np.array(labels), np.array([0.9, 0.6, 0.4, 0.1]), videos)

    resolved = {n: {"pan_left": res([True, False, True, False]), "tilt_up": res([False] * 4)} for n in (LONG_A, LONG_B)}
    ev = Evaluation(EvaluationResult("d", "r", "lowest", 0, 0), _NoDataset(), {}, resolved=resolved)  # type: ignore[arg-type]
    report_module._pr_figure(report_module._Doc(), ev, tmp_path, ["pan_left", "tilt_up"], [LONG_A, LONG_B], {})
    fig = figures["pr_curves.png"]
    curves, no_curve = fig.axes[0], fig.axes[1]
    labels = [line.get_label() for line in curves.get_lines() if not line.get_label().startswith("_")]
    assert len(labels) == 2 and len(set(labels)) == 2
    notes = [t.get_text() for t in no_curve.texts if t.get_gid() == "no curve"]
    assert len(notes) == 2 and len(set(notes)) == 2 and all(n.endswith("no curve (labels of one class)") for n in notes)
