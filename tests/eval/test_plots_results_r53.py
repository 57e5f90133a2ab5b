"""Round 53 (red team R53, eval): a reliability diagram of values outside [0, 1], bad bin counts,
clip_frames blaming a caller's bad argument on the video, a hand-edited mean AP contradicting the
per-primitive APs, and calibration.csv rounded to 4 digits.

Each test fails on the code before this round.
"""

from __future__ import annotations

import csv
import json
import math
import re
import statistics
from pathlib import Path
from typing import Any

import av
import matplotlib
import numpy as np
import pytest
from sklearn.calibration import calibration_curve

matplotlib.use("Agg")

from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.gallery import clip_frames
from camerabench.eval.plots import new_figure, plot_reliability
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    CalibrationResult,
    EvaluationResult,
    MethodResult,
    PrimitiveCounts,
    Reliability,
    read_metrics,
)
from camerabench.video import write_video

RNG = np.random.default_rng(53)


def _ax() -> Any:
    return new_figure(1, 1)[1][0, 0]


# --------------------------------------------------------------------------- plot_reliability


def test_reliability_of_raw_scores_outside_0_1_is_refused_as_sklearn_refuses_them() -> None:
    y = RNG.integers(0, 2, 40)
    raw = RNG.normal(0.5, 1.0, 40)  # motion sizes / logits, not P(yes)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        calibration_curve(y, raw, n_bins=10)  # the independent reference refuses them too
    # the bins' means computed by hand, as calibration_curve would (its bins over [min, max])
    edges = np.linspace(raw.min(), raw.max(), 4)
    ids = np.clip(np.searchsorted(edges[1:-1], raw, side="right"), 0, 2)
    pred = [float(raw[ids == b].mean()) for b in range(3)]
    true = [float(y[ids == b].mean()) for b in range(3)]
    bad = next(i for i, v in enumerate(pred) if not 0 <= v <= 1)
    # old: accepted, the point drawn at (1.5, ...) off the fixed 0..1 axes: silently missing
    with pytest.raises(
        ValueError, match=rf"^raw: bin {bad}: prob_pred\[{bad}\] is {re.escape(repr(pred[bad]))}, outside"
    ):
        plot_reliability(_ax(), pred, true, "raw")
    with pytest.raises(ValueError, match=r"^m: bin 1: prob_true\[1\] is 2\.0, outside \[0, 1\].*probabilities"):
        plot_reliability(_ax(), [0.2, 0.5], [0.1, 2.0], "m")
    with pytest.raises(ValueError, match=r"^m: bin 0: prob_pred\[0\] is -0\.3, outside"):
        plot_reliability(_ax(), [-0.3, 0.5], [0.1, 0.2], "m")


def test_reliability_draws_calibration_curves_points_as_they_are() -> None:
    y = RNG.integers(0, 2, 200)
    p = np.clip(y * 0.3 + RNG.uniform(0, 0.7, 200), 0, 1)
    true, pred = calibration_curve(y, p, n_bins=10)
    counts = np.histogram(p, bins=np.linspace(0, 1, 11))[0]
    counts = counts[counts > 0]
    ax = plot_reliability(_ax(), list(pred), list(true), "m", counts=[int(c) for c in counts], n_bins=10)
    drawn = next(line for line in ax.get_lines() if line.get_gid() != "diagonal").get_xydata()
    kept = drawn[~np.isnan(drawn[:, 0])]  # a gap (NaN) where a bin between two points is empty
    np.testing.assert_allclose(kept, np.column_stack([pred, true]))
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)


@pytest.mark.parametrize("n_bins", [2.5, 0, -1, True, np.float64(10.0)])
def test_reliability_refuses_n_bins_that_is_not_a_positive_integer(n_bins: Any) -> None:
    # old: 2.5 a bare numpy TypeError, 0 and -1 accepted silently
    with pytest.raises(ValueError, match=r"^m: n_bins must be an integer >= 1"):
        plot_reliability(_ax(), [0.2, 0.5], [0.1, 0.9], "m", n_bins=n_bins)


def test_reliability_refuses_more_points_than_bins() -> None:
    with pytest.raises(ValueError, match=r"^m: 3 reliability points for 2 bins"):
        plot_reliability(_ax(), [0.2, 0.5, 0.9], [0.1, 0.5, 0.9], "m", n_bins=2)


@pytest.mark.parametrize("count", [-1, math.nan, 1.5, True, math.inf])
def test_reliability_refuses_a_count_that_is_not_a_whole_number(count: Any) -> None:
    # old: -1 a sqrt RuntimeWarning and a lost marker, NaN no marker, silently
    with pytest.raises(ValueError, match=r"^m: the count of bin 1 must be a whole number >= 0"):
        plot_reliability(_ax(), [0.2, 0.5], [0.1, 0.9], "m", counts=[3, count])


def test_reliability_keeps_an_undefined_bin_as_a_gap_and_a_zero_count() -> None:
    ax = plot_reliability(_ax(), [0.2, math.nan, 0.9], [0.1, math.nan, 0.8], "m", counts=[3, 0, 5], n_bins=10)
    markers = next(c for c in ax.collections if c.get_gid() == "bin counts")
    np.testing.assert_array_equal(markers.get_offsets(), [[0.2, 0.1], [0.9, 0.8]])


# --------------------------------------------------------------------------- clip_frames


@pytest.fixture(scope="module")
def seven_frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "seven.mp4"
    write_video(path, RNG.integers(0, 256, (7, 48, 64, 3), dtype=np.uint8), fps=10)
    return path


@pytest.mark.parametrize(("kw", "what"), [
    ({"count": 0}, "count"), ({"count": -1}, "count"), ({"count": 2.5}, "count"), ({"count": True}, "count"),
    ({"max_side": 0}, "max_side"), ({"max_side": 1}, "max_side"), ({"max_side": 2.5}, "max_side"),
])  # fmt: skip
def test_clip_frames_refuses_a_bad_argument_before_reading_the_file(
    kw: dict[str, Any], what: str, tmp_path: Path
) -> None:
    without: list[str] = []
    missing = tmp_path / "no_such.mp4"  # refused before the file is looked at: not "missing"
    # old: None, and "<file>: num_frames must be positive" counted among the images without frames
    with pytest.raises(ValueError, match=rf"^clip_frames: {what} must be an integer >= "):
        clip_frames(missing, without=without, **kw)
    assert without == []


def test_clip_frames_returns_at_most_count_frames_the_clip_has(seven_frames: Path) -> None:
    with av.open(str(seven_frames)) as container:  # independent count of the clip's frames
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 7
    for count in (1, 4, 7, 1000):
        got = clip_frames(seven_frames, count=count, max_side=32)
        assert got is not None and got.shape[0] == min(count, frames) and max(got.shape[1:3]) <= 32


# --------------------------------------------------------------------------- read_metrics


def _metrics(per: dict[str, float], **edit: Any) -> dict[str, Any]:
    defined = [v for v in per.values() if not math.isnan(v)]
    mean = statistics.fmean(defined) if defined else math.nan  # the reference: plain Python's mean
    binary = BinaryResult(
        mean_ap=mean,
        per_primitive=per,
        failed=0,
        missing=0,
        samples=2 * len(per),
        roc_auc=dict(per),
        mean_roc_auc=mean,
        ci95=BinaryCI({p: (math.nan, math.nan) for p in per}, (math.nan, math.nan)),
        chance={p: 0.5 for p in per},
        mean_chance=0.5,
        counts={p: PrimitiveCounts(2, 2, 1, 2, 0, 0, 0) for p in per},
        primitives_in_mean=len(defined),
        failed_policy="lowest",
        failure_reasons={},
    )
    result = EvaluationResult("data", "run", "lowest", 0, 0, methods={"m": MethodResult(binary=binary)})
    doc: dict[str, Any] = result.to_json()
    doc["methods"]["m"]["binary"].update(edit)
    return doc


def _read(tmp_path: Path, doc: dict[str, Any]) -> EvaluationResult:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return read_metrics(path)


PER = {"Pan_Left": 1 / 3, "Pan_Right": 0.25, "Tilt_Up": math.nan, "Zoom_In": 0.9}


def test_read_metrics_accepts_the_mean_of_the_defined_aps(tmp_path: Path) -> None:
    binary = _read(tmp_path, _metrics(PER)).methods["m"].binary
    assert binary is not None and binary.mean_ap == pytest.approx(statistics.fmean([1 / 3, 0.25, 0.9]), rel=1e-12)
    none = _read(tmp_path, _metrics({"Pan_Left": math.nan})).methods["m"].binary  # no AP defined: null
    assert none is not None and math.isnan(none.mean_ap)


@pytest.mark.parametrize(("value", "shown"), [(0.99, "0.99"), (None, "null"), (0.4944, "0.4944")])
def test_read_metrics_refuses_a_mean_ap_contradicting_per_primitive(value: Any, shown: str, tmp_path: Path) -> None:
    expected = statistics.fmean([1 / 3, 0.25, 0.9])
    # old: accepted, the report's mean AP 0.99 beside per-primitive APs whose mean is 0.494
    with pytest.raises(FileFormatError) as info:
        _read(tmp_path, _metrics(PER, mean_ap=value))
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'metrics.json'}:")
    assert f"methods.m.binary.mean_ap: {shown} contradicts per_primitive" in message
    assert f"{float(message.rsplit(' ', 1)[1]):.15f}" == f"{expected:.15f}"


def test_read_metrics_refuses_a_defined_mean_when_no_ap_is(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"mean_ap: 0\.5 contradicts per_primitive: .* 0 defined values is null"):
        _read(tmp_path, _metrics({"Pan_Left": math.nan}, mean_ap=0.5))


def test_read_metrics_refuses_a_mean_roc_auc_contradicting_roc_auc(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"methods\.m\.binary\.mean_roc_auc: 0\.1 contradicts roc_auc"):
        _read(tmp_path, _metrics(PER, mean_roc_auc=0.1))


# --------------------------------------------------------------------------- calibration.csv


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012


def test_calibration_csvs_keep_full_precision(tmp_path: Path) -> None:
    brier, ece, tilt = 1 / 3, 2 / 7, 0.123456789
    cal = CalibrationResult(
        source="raw scores",
        brier=brier,
        ece=ece,
        samples=12,
        per_primitive_brier={"Pan_Left": brier, "Tilt_Up": tilt},
        reliability=Reliability(10, [0.5], [0.5], [12]),
        failed=0,
        missing=0,
    )
    result = EvaluationResult("data", "run", "lowest", 0, 0, methods={"m": MethodResult(calibration=cal)})
    md = write_report(
        "data",
        "run",
        tmp_path,
        evaluation=Evaluation(result, _NoDataset(), {}),
        gallery=0,
    ).read_text(encoding="utf-8")
    with (tmp_path / "calibration.csv").open(encoding="utf-8", newline="") as f:
        row = next(csv.DictReader(f))
    # old: "0.3333" and "0.2857" (4 digits) where the other CSVs keep the float
    assert (float(row["brier"]), float(row["ece"])) == (brier, ece)
    with (tmp_path / "calibration_per_primitive.csv").open(encoding="utf-8", newline="") as f:
        per = {r["primitive"]: r["Brier"] for r in csv.DictReader(f)}
    assert (float(per["Pan_Left"]), float(per["Tilt_Up"])) == (brier, tilt)
    assert "| 0.3333 | 0.2857 |" in md and "| 0.1235 |" in md  # the markdown tables still round
