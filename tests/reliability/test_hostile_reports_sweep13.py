"""Thirteenth round, reports: figures that read better than they are, knobs and methods left out of
tables without a word, and stale files of an earlier report left beside a new one."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.knobs import knob_section
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    CalibrationResult,
    CategoryAccuracy,
    EvaluationResult,
    KnobAP,
    MCQResult,
    MethodResult,
    PrimitiveCounts,
    Reliability,
)


def _binary(ap: float, ok: int = 10) -> BinaryResult:
    return BinaryResult(
        mean_ap=ap,
        per_primitive={"Pan_Right": ap},
        failed=10 - ok,
        missing=0,
        samples=10,
        roc_auc={"Pan_Right": ap},
        mean_roc_auc=ap,
        ci95=BinaryCI({"Pan_Right": (math.nan, math.nan)}, (math.nan, math.nan)),
        chance={"Pan_Right": 0.5},
        mean_chance=0.5,
        counts={"Pan_Right": PrimitiveCounts(10, 10, 5, ok, 10 - ok, 0, 0)},
        primitives_in_mean=1,
        failed_policy="lowest",
        failure_reasons={"boom": 10 - ok} if ok < 10 else {},
    )


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012


def _report(out: Path, methods: dict[str, MethodResult], **kw: Any) -> str:
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods, **kw)
    ev = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    return write_report("data", "run", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- rounding


def _mcq(accuracy: float) -> MCQResult:
    acc = CategoryAccuracy(accuracy, 2500, 2500, round(2500 * accuracy), 0, 0, 0)
    return MCQResult({"shot size": acc}, accuracy, accuracy, 2500, acc.correct, 0, 0, 0)


def test_a_near_perfect_score_is_not_shown_as_the_perfect_one(tmp_path: Path) -> None:
    """Accuracy (or AP) 0.9996 and 1.0 both read 100.0: the method with a wrong answer looked perfect;
    0.0004 read 0.0, as if none were right."""
    methods = {"near": MethodResult(mcq=_mcq(0.9996)), "perfect": MethodResult(mcq=_mcq(1.0))}
    methods["low"] = MethodResult(mcq=_mcq(0.0004))
    md = _report(tmp_path / "r", methods)
    assert "| near | >99.9 | >99.9 | 2500 | 0 | 0 | 0 | >99.9 |" in md
    assert "| perfect | 100.0 | 100.0 | 2500 | 0 | 0 | 0 | 100.0 |" in md
    assert "| low | \\<0.1 | \\<0.1 | 2500 | 0 | 0 | 0 | \\<0.1 |" in md  # '<' escaped in markdown
    assert "<td>&lt;0.1</td>" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- knobs


def _resolved(videos: list[str]) -> dict[str, dict[str, ResolvedSamples]]:
    labels = np.array([k % 2 == 0 for k in range(len(videos))])
    scores = np.linspace(0.1, 0.9, len(videos))
    return {"m": {"Pan_Right": ResolvedSamples(labels, scores, videos)}}


def test_a_knob_no_clip_turns_on_is_kept_with_zero_clips_and_no_ap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The manifest names 'dark' on every clip, always off: it vanished from the knob table."""
    videos = [f"v{k}.mp4" for k in range(4)]
    manifest = {"clips": [{"video": v, "knobs": {"blur": k < 2, "dark": False}} for k, v in enumerate(videos)]}
    with caplog.at_level(logging.WARNING):
        table = knob_section(_resolved(videos), manifest)
    assert list(table["m"]) == ["blur", "dark", "none"]
    dark = table["m"]["dark"]
    assert (dark.clips, dark.samples, dark.primitives) == (0, 0, 0) and math.isnan(dark.mean_ap)
    assert table["m"]["blur"].clips == 2
    assert "names 1 knob(s) that no clip turns on (dark)" in caplog.text
    md = _report(tmp_path / "r", {"m": MethodResult(binary=_binary(0.5))}, knobs=table)
    assert "| dark | 0 | n/a (0) |" in md
    assert "turned on by no clip (0 clips, no AP): dark." in md


def test_knobs_all_turned_on_somewhere_get_no_empty_group(caplog: pytest.LogCaptureFixture) -> None:
    videos = ["a.mp4", "b.mp4"]
    manifest = {"clips": [{"video": "a.mp4", "knobs": {"blur": True}}, {"video": "b.mp4", "knobs": {}}]}
    with caplog.at_level(logging.WARNING):
        table = knob_section(_resolved(videos), manifest)
    assert list(table["m"]) == ["blur", "none"]
    assert "no clip turns on" not in caplog.text


# --------------------------------------------------------------------------- calibration table


def _calibration() -> CalibrationResult:
    return CalibrationResult("raw scores", 0.2, 0.1, 10, {"Pan_Right": 0.2}, Reliability(10, [0.5], [0.5], [10]))


def test_methods_with_binary_results_but_no_calibration_row_are_named_with_why(tmp_path: Path) -> None:
    """A method whose every score failed, or whose scores are no probabilities, had no row and no word."""
    methods = {
        "prob": MethodResult(binary=_binary(0.7), calibration=_calibration()),
        "allfail": MethodResult(binary=_binary(0.5, ok=0)),
        "geometric": MethodResult(binary=_binary(0.6)),
    }
    md = _report(tmp_path / "r", methods)
    assert "| prob | raw scores | 10 |" in md
    assert (
        "No Brier score or ECE (no P(yes) to assess) for allfail: no binary sample was scored; geometric: its "
        "scores are not P(yes) (a geometric method's are motion sizes; a probability must lie in [0, 1]) and no "
        "calibration map applies to them." in md
    )


def test_a_calibration_section_without_any_row_still_says_why(tmp_path: Path) -> None:
    md = _report(tmp_path / "r", {"geometric": MethodResult(binary=_binary(0.6))})
    assert "## Calibration of P(yes)" in md and "geometric: its scores are not P(yes)" in md
    assert not (tmp_path / "r" / "calibration.csv").exists() and not (tmp_path / "r" / "reliability.png").exists()


# --------------------------------------------------------------------------- a report written twice


def test_a_report_written_again_removes_the_earlier_reports_stale_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """binary_ap.csv and knobs.csv of methods a and b stayed beside a report of method c alone."""
    out = tmp_path / "r"
    knobs = {"a": {"blur": KnobAP(0.5, 1, 2, 2)}}
    _report(out, {"a": MethodResult(binary=_binary(0.9)), "b": MethodResult(binary=_binary(0.8))}, knobs=knobs)
    assert (out / "binary_ap.csv").is_file() and (out / "knobs.csv").is_file()
    (out / "gallery" / "a").mkdir(parents=True)
    (out / "gallery" / "a" / "v0.png").write_bytes(b"old image")  # as an earlier report with a gallery drew
    (out / "notes.txt").write_text("mine")
    mcq = MCQResult({"x": CategoryAccuracy(0.5, 2, 2, 1, 0, 0, 0)}, 0.5, 0.5, 2, 1, 0, 0, 0)
    with caplog.at_level(logging.WARNING):
        md = _report(out, {"c": MethodResult(mcq=mcq)})
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert left == [
        ".camerabench-report",  # the folder's marker (a report's files are replaced here)
        "failures.csv",
        "failures.png",
        "mcq.csv",
        "metrics.json",
        "notes.txt",
        "report.html",
        "report.md",
    ]
    assert "CSV files: `failures.csv`, `mcq.csv`." in md
    assert "removed 7 file(s) an earlier report wrote there that this one does not" in caplog.text


def test_a_report_written_again_with_the_same_content_removes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "r"
    methods = {"a": MethodResult(mcq=_mcq(0.5))}
    _report(out, methods)
    before = sorted(p.name for p in out.iterdir())
    with caplog.at_level(logging.WARNING):
        _report(out, methods)
    assert sorted(p.name for p in out.iterdir()) == before
    assert "removed" not in caplog.text
