"""Report figures, red team R35: each figure's data read back from its matplotlib Axes (as the red
team's capture did) and compared with an independent computation (scikit-learn, numpy).

1. one colour per method in every figure, and a PR legend naming every method;
2. a method's own chance level (``--failed drop``) drawn where it differs from the dataset's;
3. a bootstrap interval drawn as it is, even when it does not hold the point estimate;
5. reliability: bin counts shown, no line across an empty bin, the diagonal once;
7. the knob figure on a fixed 0-100 axis;
8. failures.png says when there is nothing to count, and counts the unanswerable samples.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve

import camerabench.eval.report as report
from camerabench.eval import plots
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.results import (
    CalibrationResult,
    Chance,
    EvaluationResult,
    KnobAP,
    MethodResult,
    Reliability,
)

from .test_report_hostile import _binary, _NoDataset

PRIMS = ["Move_In", "Pan_Left", "Tilt_Up"]


def _figures(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, result: EvaluationResult, **ev: Any) -> dict[str, Any]:
    """Write the report of ``result``; its figures by file name (report._save patched to keep them)."""
    figs: dict[str, Any] = {}
    save = report._save

    def keep(fig: Any, path: Path, dpi: int = 110) -> None:
        figs[Path(path).name] = fig
        save(fig, path, dpi)

    monkeypatch.setattr(report, "_save", keep)
    evaluation = Evaluation(result, _NoDataset(), {}, **ev)
    report.write_report("data", "run", tmp_path / "report", evaluation=evaluation, gallery=0)
    return figs


def _rgba(c: Any) -> tuple[float, ...]:
    return tuple(np.round(to_rgba(c), 6))


def _samples(rng: np.random.Generator, n: int, positives: int, one_class: bool = False) -> ResolvedSamples:
    labels = np.zeros(n, bool) if one_class else np.arange(n) < positives
    return ResolvedSamples(labels, rng.random(n), [f"v{k}" for k in range(n)])


def _drop_evaluation() -> tuple[EvaluationResult, dict[str, dict[str, ResolvedSamples]]]:
    """Three methods; ``a`` draws no curve on Move_In (all its samples dropped: no labels), so a
    panel's colour cycle would give ``b`` the colour ``a`` has elsewhere."""
    rng = np.random.default_rng(0)
    resolved = {
        "a": {"Move_In": _samples(rng, 0, 0), "Pan_Left": _samples(rng, 6, 1), "Tilt_Up": _samples(rng, 12, 3)},
        "b": {p: _samples(rng, 12, 1 if p != "Tilt_Up" else 3) for p in PRIMS},
        "c": {p: _samples(rng, 12, 2) for p in PRIMS},
    }
    methods = {}
    for m, per in resolved.items():
        b = _binary({p: 0.5 if per[p].labels.size else math.nan for p in PRIMS})
        own = {p: float(per[p].labels.mean()) if per[p].labels.size else math.nan for p in PRIMS}
        methods[m] = MethodResult(binary=dataclasses.replace(b, chance=own))
    shared = {p: float(resolved["b"][p].labels.mean()) for p in PRIMS}  # every labelled sample: b kept them all
    chance = Chance(shared, float(np.mean(list(shared.values()))))
    return EvaluationResult("data", "run", "drop", 10, 0, methods=methods, chance=chance), resolved


def test_pr_curves_keep_one_colour_per_method_and_a_legend_naming_all(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, resolved = _drop_evaluation()
    figs = _figures(monkeypatch, tmp_path, result, resolved=resolved)
    fig = figs["pr_curves.png"]
    (leg,) = fig.legends  # was: one legend on the first panel with a curve, a colour per panel's cycle
    named = {t.get_text(): _rgba(h.get_color()) for t, h in zip(leg.get_texts(), leg.legend_handles, strict=True)}
    assert {"a", "b", "c"} <= set(named)
    assert len({named[m] for m in "abc"}) == 3
    for ax, p in zip(fig.axes, PRIMS, strict=False):
        curves = [line for line in ax.get_lines() if not line.get_gid()]
        for line in curves:
            m = line.get_label()
            assert _rgba(line.get_color()) == named[m], (p, m)  # was: b drawn in a's blue on Move_In
            precision, recall, _ = precision_recall_curve(resolved[m][p].labels, resolved[m][p].scores)
            np.testing.assert_allclose(line.get_xdata(), recall)
            np.testing.assert_allclose(line.get_ydata(), precision)
        assert sorted(line.get_label() for line in curves) == sorted(m for m in "abc" if resolved[m][p].labels.size)
    # the AP bars give each method the colour of its PR curves
    ap = figs["ap_per_primitive.png"].axes[0]
    bars = {c.get_label(): c for c in ap.containers if type(c).__name__ == "BarContainer"}
    for m in "abc":
        assert all(_rgba(patch.get_facecolor()) == named[m] for patch in bars[m].patches)


def test_own_chance_is_drawn_where_it_differs_from_the_datasets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, resolved = _drop_evaluation()
    figs = _figures(monkeypatch, tmp_path, result, resolved=resolved)
    shared = {p: resolved["b"][p].labels.mean() for p in PRIMS}
    fig = figs["pr_curves.png"]
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "chance (all labelled samples)" in names and any("own samples" in n for n in names)
    pan = fig.axes[PRIMS.index("Pan_Left")]
    lines = {line.get_gid(): line for line in pan.get_lines() if line.get_gid()}
    assert lines["chance"].get_ydata()[0] == pytest.approx(shared["Pan_Left"])  # 1/12
    own = resolved["a"]["Pan_Left"].labels.mean()  # 1/6: a kept 6 of the 12 samples
    assert lines["chance a"].get_ydata()[0] == pytest.approx(own) and own != pytest.approx(shared["Pan_Left"])
    assert "chance b" not in lines  # b's own chance is the dataset's: one line
    ap = figs["ap_per_primitive.png"].axes[0]
    owns = [c for c in ap.collections if "own samples" in c.get_label()]
    (ticks,) = owns
    # a's Pan_Left: a tick at its own chance (%), in a's colour
    a_pan = PRIMS.index("Pan_Left") - 0.4 + 0.8 / 3 * 0.5  # a: the first of three bars at Pan_Left's tick
    offsets = ticks.get_offsets()
    hit = [k for k, (x, _) in enumerate(offsets) if math.isclose(x, a_pan)]
    assert len(hit) == 1 and offsets[hit[0]][1] == pytest.approx(100 * own)
    bars = {c.get_label(): c for c in ap.containers if type(c).__name__ == "BarContainer"}
    assert _rgba(ticks.get_facecolors()[hit[0]]) == _rgba(bars["a"].patches[0].get_facecolor())


def test_a_bootstrap_interval_is_drawn_as_it_is() -> None:
    _, axes = plots.new_figure(6, 4)
    ax = plots.plot_ap_bars(
        axes[0, 0], {"m": {"P": 0.50, "Q": 0.7}}, ["P", "Q"], ci95={"m": {"P": [0.60, 0.90], "Q": [0.2, 0.65]}}
    )
    (eb,) = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    segs = sorted(sorted(s[:, 1]) for s in eb.lines[2][0].get_segments())
    np.testing.assert_allclose(segs, [[20, 65], [60, 90]])  # was [[20, 70], [50, 90]]: cut at the bar top


def _reliability(y: np.ndarray, p: np.ndarray) -> Reliability:
    true, pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    counts, _ = np.histogram(p, bins=np.linspace(0, 1, 11))
    return Reliability(10, pred.tolist(), true.tolist(), [int(c) for c in counts if c])


def test_reliability_shows_counts_gaps_and_one_diagonal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    # x: 163 samples in bin 0, one in bin 1, none in bins 2-6, 20 in bin 7
    px = np.concatenate([rng.uniform(0.01, 0.09, 163), [0.15], rng.uniform(0.71, 0.79, 20)])
    yx = rng.random(px.size) < px
    py = rng.uniform(0.01, 0.99, 200)
    yy = rng.random(py.size) < py
    rel = {"x": _reliability(yx, px), "y": _reliability(yy, py)}
    result, _ = _drop_evaluation()
    methods = {m: dataclasses.replace(result.methods["a"]) for m in ("x", "y")}
    for m in methods:
        methods[m].calibration = CalibrationResult("raw", 0.1, 0.1, 200, {}, rel[m])
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    figs = _figures(monkeypatch, tmp_path, result)
    ax = figs["reliability.png"].axes[0]
    diagonals = [line for line in ax.get_lines() if line.get_gid() == "diagonal"]
    assert len(diagonals) == 1  # was one per method
    x_line = next(line for line in ax.get_lines() if line.get_label() == "x")
    xs = np.asarray(x_line.get_xdata(), float)
    # the empty bins 2-6 break the line between the second and third points
    assert np.isnan(xs).sum() == 1 and np.flatnonzero(np.isnan(xs))[0] == 2
    np.testing.assert_allclose(xs[~np.isnan(xs)], rel["x"].prob_pred)
    sizes = [c for c in ax.collections if c.get_gid() == "bin counts"]
    assert len(sizes) == 2
    x_sizes = next(c for c in sizes if np.allclose(c.get_offsets()[:, 0], rel["x"].prob_pred)).get_sizes()
    counts = np.asarray(rel["x"].counts, float)
    assert counts.tolist() == [163, 1, 20]
    # marker area grows with the count, in proportion beyond a floor
    np.testing.assert_allclose(np.diff(x_sizes) / np.diff(counts), (x_sizes[0] - x_sizes[1]) / (163 - 1))
    assert x_sizes[0] > 10 * x_sizes[1]


def test_knob_figure_has_a_fixed_axis_when_every_knob_is_undefined(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = _drop_evaluation()
    knobs = {m: {k: KnobAP(math.nan, 0, 0, 0) for k in ("blur", "shake")} for m in ("a", "b")}
    result = dataclasses.replace(result, knobs=knobs)
    ax = _figures(monkeypatch, tmp_path, result)["ap_per_knob.png"].axes[0]
    assert ax.get_ylim() == (0, 100)  # was -0.055..0.055
    assert [t.get_text() for t in ax.texts].count("n/a") == 4


def test_failures_figure_says_when_nothing_failed_and_counts_unanswerable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = _drop_evaluation()
    ax = _figures(monkeypatch, tmp_path / "none", result)["failures.png"].axes[0]
    assert not ax.get_legend() and not [c for c in ax.containers if any(p.get_height() for p in c.patches)]
    assert [t.get_text() for t in ax.texts] == ["no failed, missing or unanswerable samples"]
    b = result.methods["b"].binary
    assert b is not None
    result.methods["b"].binary = dataclasses.replace(b, unanswerable=7, failed=2)
    ax = _figures(monkeypatch, tmp_path / "some", result)["failures.png"].axes[0]
    bars = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    order = list(result.methods)
    assert bars == {
        "binary failed": [2.0 if m == "b" else 0.0 for m in order],
        "binary unanswerable": [7.0 if m == "b" else 0.0 for m in order],
    }
