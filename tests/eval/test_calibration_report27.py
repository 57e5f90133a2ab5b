"""Round 27: what a calibration did to a method's scores reaches the typed result, metrics.json
and the report's calibration section.

Each test fails on the code before this round.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval.calibration import calibrate_run, fit_calibration
from camerabench.eval.evaluate import Evaluation, evaluate
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    CalibrationResult,
    EvaluationResult,
    MethodResult,
    Reliability,
    strict_json,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT, ZOOM = Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ZOOM_IN


def _copy(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def _calibration(run: Path, data: Path, method: str = "dummy") -> CalibrationResult:
    cal = evaluate(data, run, n_bootstrap=0).result.methods[method].calibration
    assert cal is not None
    return cal


@pytest.fixture(scope="module", autouse=True)
def _plots_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """matplotlib's import and first figure (about a second, once per process), outside the tests' timing."""
    from camerabench.eval.plots import new_figure

    fig, _ = new_figure(1, 1)
    fig.savefig(tmp_path_factory.mktemp("warm") / "warm.png")


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012


def _report(out: Path, calibrations: dict[str, CalibrationResult]) -> str:
    """report.md of a result holding only these calibration sections (no other plots: fast)."""
    methods = {n: MethodResult(calibration=c) for n, c in calibrations.items()}
    result = EvaluationResult("data", "run", "lowest", 0, 0, methods=methods)
    ev = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    return write_report("data", "run", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")


def _result(**kw: Any) -> CalibrationResult:
    base: dict[str, Any] = {
        "source": "cross-fitted",
        "brier": 0.2,
        "ece": 0.1,
        "samples": 12,
        "per_primitive_brier": {PAN.value: 0.2, TILT.value: 0.3},
        "reliability": Reliability(10, [0.5], [0.5], [12]),
        "fitted_on_data": "/data",
        "calibration_file": "/run/m/calibration.json",
        "maps": {PAN.value: "platt", "pooled": "platt"},
        "failed": 0,
        "missing": 0,
        "no_calibration_map": 0,
        "pooled": 6,
        "unfitted": {TILT.value: 6},
        "map_notes": {},
        "scores_changed": False,
    }
    return CalibrationResult(**{**base, **kw})


def _roundtrip(result: EvaluationResult) -> EvaluationResult:
    return EvaluationResult.from_dict(json.loads(json.dumps(strict_json(result.to_dict()))))


# --------------------------------------------------------------------------- a primitive the calibration has no map of


def test_scores_of_a_primitive_the_calibration_lacks_are_counted_in_the_result_and_metrics_json(
    dummy_run: Path, six_videos: Path, tmp_path: Path
) -> None:
    # old: CalibratedRun.unfitted reached the log only; the result and metrics.json had no such count
    run = _copy(dummy_run, tmp_path / "run")
    _, path = calibrate_run(six_videos, run, "dummy", n_splits=2)
    full = path.read_text()
    doc = json.loads(full)
    del doc["per_primitive"][TILT.value]  # a calibration.json with some primitives only
    path.write_text(json.dumps(doc))
    ev = evaluate(six_videos, run, n_bootstrap=0)
    cal = ev.result.methods["dummy"].calibration
    assert cal is not None
    assert cal.unfitted == {TILT.value: 6} and cal.pooled == 6
    assert TILT.value not in (cal.maps or {})
    back = _roundtrip(ev.result).methods["dummy"].calibration
    assert back is not None and back.unfitted == {TILT.value: 6} and back.pooled == 6
    # a calibration covering every primitive: the count is there, and zero
    path.write_text(full)
    again = _calibration(run, six_videos)
    assert again.unfitted == {} and again.pooled == 0
    assert strict_json(again.to_dict())["unfitted"] == {}


def test_the_report_names_the_primitive_and_count_calibrated_by_other_primitives_map(tmp_path: Path) -> None:
    # old: the calibration table had no such column and the report said nothing of it
    md = _report(tmp_path / "r", {"m": _result()})
    assert "| m | cross-fitted | 12 | 0 | 0 | 0 | 6 | Tilt_Up: 6 |" in md
    assert "m: its calibration was fitted on no sample of Tilt_Up (6 scores)" in md
    assert "| m | Tilt_Up | pooled (the calibration has no sample of it) | 6 | 0.3 |" in md
    with (tmp_path / "r" / "calibration_per_primitive.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["method", "primitive", "map", "scores calibrated by a map of other primitives", "Brier"]
    assert ["m", "Tilt_Up", "pooled (the calibration has no sample of it)", "6", "0.3"] in rows


# --------------------------------------------------------------------------- scores re-run after calibrating


def _rescore(run: Path, factor: float) -> None:
    """Rewrite the dummy's scores (a method re-run after calibrating, on another scale)."""
    path = run / "dummy" / "scores.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for rec in lines:
        if rec.get("score") is not None:
            rec["score"] = rec["score"] * factor + 1.0
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))


def test_scores_rerun_after_calibrating_are_flagged_in_result_metrics_and_report(
    dummy_run: Path, six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # old: only a log warning; the report showed the stale maps' Brier and ECE as if current
    run = _copy(dummy_run, tmp_path / "run")
    calibrate_run(six_videos, run, "dummy", n_splits=2)
    assert _calibration(run, six_videos).scores_changed is False
    _rescore(run, 30.0)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        ev = evaluate(six_videos, run, n_bootstrap=0)
    cal = ev.result.methods["dummy"].calibration
    assert cal is not None and cal.scores_changed is True
    assert "are not those its calibration was fitted on" in caplog.text
    back = _roundtrip(ev.result).methods["dummy"].calibration
    assert back is not None and back.scores_changed is True
    md = _report(tmp_path / "r", {"dummy": cal})
    assert "| yes: the maps may be stale |" in md
    assert "dummy: its scored binary samples are not those its calibration" in md
    assert "run `camerabench calibrate` again" in md


def test_a_copied_calibration_is_said_to_be_unchecked_not_current(
    dummy_run: Path, six_videos: Path, tmp_path: Path
) -> None:
    # old: nothing in the result told "checked and unchanged" from "could not be checked"
    source = _copy(dummy_run, tmp_path / "a")
    calibrate_run(six_videos, source, "dummy", n_splits=2)
    run = _copy(dummy_run, tmp_path / "b")
    calibrate_run(six_videos, run, "dummy", copy_from=source)
    cal = _calibration(run, six_videos)
    assert cal.scores_changed is None and cal.copied_from is not None
    assert "scores_changed" not in cal.to_dict()  # None: left out of metrics.json, read back as None
    raw = CalibrationResult("raw scores", 0.2, 0.1, 10, {PAN.value: 0.2}, Reliability(10, [0.5], [0.5], [10]))
    raw.failed = raw.missing = raw.no_calibration_map = 0
    md = _report(tmp_path / "r", {"dummy": cal, "raw": raw})
    row = next(line for line in md.splitlines() if line.startswith("| dummy | "))
    assert row.endswith("| not checked |")
    assert "| raw | raw scores | 10 | 0 | 0 | 0 | — | — |" in md


def test_a_metrics_json_without_the_new_counts_says_not_recorded(tmp_path: Path) -> None:
    old = _result(pooled=None, unfitted=None, map_notes=None, scores_changed=None)
    md = _report(tmp_path / "r", {"m": old})
    assert "| m | cross-fitted | 12 | 0 | 0 | 0 | not recorded | not recorded |" in md


# --------------------------------------------------------------------------- primitives without a map of their own


def _write_run(root: Path) -> tuple[Path, Path]:
    """Pan_Left of both classes, Tilt_Up labelled Yes on every video, Zoom_In failed on every video."""
    data, run = root / "data", root / "run"
    videos = [f"v{i}.mp4" for i in range(8)]
    rng = np.random.default_rng(0)
    records = []
    for prim, labels in ((PAN, [i % 2 == 0 for i in range(8)]), (TILT, [True] * 8), (ZOOM, [i < 4 for i in range(8)])):
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, y) for v, y in zip(videos, labels, strict=True)],
        )
        for v, y in zip(videos, labels, strict=True):
            if prim is ZOOM:
                records.append(ScoreRecord.failed(v, prim.question, "m", "no zoom estimate", prim.value))
            else:
                records.append(ScoreRecord(v, prim.question, "m", float(2 * y + rng.normal()), primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    write_scores(MethodFolder.of(run, "m").scores, records)
    return data, run


def test_primitives_without_a_map_and_a_nan_brier_are_shown_with_why(tmp_path: Path) -> None:
    # old: the per-primitive maps, why one had none, and the per-primitive Brier (NaN for Zoom_In) were in
    # metrics.json at most; the report showed only the overall Brier and ECE
    data, run = _write_run(tmp_path)
    with pytest.warns(Warning):
        calibrate_run(data, run, "m", n_splits=2)
    with pytest.warns(Warning, match="Brier score of Zoom_In is undefined: no scored sample"):
        cal = _calibration(run, data, "m")
    assert cal.map_notes == {
        TILT.value: "8 scored samples, 8 positive: one class only, no calibration",
        ZOOM.value: "0 scored samples, 0 positive: one class only, no calibration",
    }
    assert cal.pooled == 8 and cal.unfitted == {}  # Tilt_Up's scores: the pooled map, fitted on them too
    assert math.isnan(cal.per_primitive_brier[ZOOM.value]) and cal.failed == 8
    md = _report(tmp_path / "r", {"m": cal})
    assert "| m | Pan_Left | " in md
    assert "| m | Tilt_Up | pooled (8 scored samples, 8 positive: one class only, no calibration) | 0 |" in md
    assert (
        "| m | Zoom_In | pooled (0 scored samples, 0 positive: one class only, no calibration) | 0 | "
        "n/a: no scored sample |" in md
    )


# --------------------------------------------------------------------------- fit_calibration keys


@pytest.mark.parametrize(
    ("key", "closest"),
    [("pan_left", "Pan_Left"), ("Zoom_Inn", "Zoom_In"), ("tilt up", "Tilt_Up"), ("Roll_CW", "Roll_Clockwise")],
)
def test_a_key_that_is_no_primitive_name_is_refused_naming_the_closest(key: str, closest: str) -> None:
    # old: fitted a map under the typo, which no question ever used
    labels = np.arange(8) % 2 == 0
    samples = {key: (labels, labels + np.linspace(0, 0.5, 8), [f"v{i}.mp4" for i in range(8)])}
    with pytest.raises(ValueError, match=rf"{key!r} is not a primitive name .* did you mean {closest!r}\?"):
        fit_calibration(samples, 2)
