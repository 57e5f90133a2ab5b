"""Plots for reports. Every function draws on a matplotlib ``Axes`` it is given and returns it.

Callers choose the backend; :func:`new_figure` makes a figure with the non-interactive Agg
backend (reports are written headless).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["new_figure", "plot_ap_bars", "plot_counts", "plot_grouped_bars", "plot_pr_curve", "plot_reliability"]


def new_figure(width_in: float, height_in: float, nrows: int = 1, ncols: int = 1) -> tuple[Any, Any]:
    """``(figure, axes)`` on the Agg canvas, without touching pyplot's global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def plot_grouped_bars(
    ax: Any,
    values: Mapping[str, Mapping[str, float]],
    categories: Sequence[str],
    errors: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    reference: Mapping[str, float] | None = None,
    reference_label: str = "chance",
    ylabel: str = "",
    percent: bool = True,
) -> Any:
    """Bars per category, one colour per series; NaN values are drawn as an empty slot.

    Args:
        ax: matplotlib Axes.
        values: series name -> category -> value.
        categories: x-axis order.
        errors: series -> category -> [lo, hi] (drawn as error bars when finite).
        reference: category -> value drawn as a black tick (e.g. chance).
    """
    scale = 100.0 if percent else 1.0
    series = list(values)
    n = max(len(series), 1)
    width = 0.8 / n
    x = np.arange(len(categories))
    for k, name in enumerate(series):
        v = np.array([values[name].get(c, math.nan) for c in categories], dtype=float) * scale
        pos = x - 0.4 + width * (k + 0.5)
        ax.bar(pos, np.nan_to_num(v, nan=0.0), width, label=name)
        if errors and name in errors:
            lo = np.array([errors[name].get(c, [math.nan, math.nan])[0] for c in categories], dtype=float) * scale
            hi = np.array([errors[name].get(c, [math.nan, math.nan])[1] for c in categories], dtype=float) * scale
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v)
            if ok.any():
                yerr = np.vstack([np.clip(v[ok] - lo[ok], 0, None), np.clip(hi[ok] - v[ok], 0, None)])
                ax.errorbar(pos[ok], v[ok], yerr=yerr, fmt="none", ecolor="0.2", elinewidth=0.8, capsize=1.5)
    if reference:
        ref = np.array([reference.get(c, math.nan) for c in categories], dtype=float) * scale
        ax.scatter(x, ref, marker="_", s=200, color="black", zorder=3, label=reference_label)
    ax.set_xticks(x)
    ax.set_xticklabels(categories, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncols=min(len(series) + 1, 4))
    ax.grid(axis="y", alpha=0.3)
    return ax


def plot_ap_bars(
    ax: Any,
    ap: Mapping[str, Mapping[str, float]],
    primitives: Sequence[str],
    ci95: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    chance: Mapping[str, float] | None = None,
) -> Any:
    """AP (%) per primitive, methods side by side, with 95% CIs and the chance level."""
    plot_grouped_bars(ax, ap, primitives, errors=ci95, reference=chance, ylabel="AP (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Average precision per primitive")
    return ax


def plot_pr_curve(ax: Any, labels: ArrayLike, scores: ArrayLike, name: str) -> Any:
    """Precision-recall curve (``sklearn.metrics.precision_recall_curve``) of one method."""
    from sklearn.metrics import precision_recall_curve

    y = np.asarray(labels).astype(bool)
    if y.size == 0 or y.all() or not y.any():
        return ax
    precision, recall, _ = precision_recall_curve(y, np.asarray(scores, dtype=float))
    ax.step(recall, precision, where="post", label=name, linewidth=1.0)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    return ax


def plot_counts(ax: Any, counts: Mapping[str, Mapping[str, int]], title: str = "Failed and missing samples") -> Any:
    """Stacked bars: method -> {kind: count}."""
    methods = list(counts)
    kinds = sorted({k for c in counts.values() for k in c})
    bottom = np.zeros(len(methods))
    for kind in kinds:
        v = np.array([counts[m].get(kind, 0) for m in methods], dtype=float)
        ax.bar(methods, v, bottom=bottom, label=kind)
        bottom += v
    ax.set_title(title)
    ax.set_ylabel("count")
    if kinds:
        ax.legend(fontsize=7)
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_reliability(ax: Any, prob_pred: Sequence[float], prob_true: Sequence[float], name: str) -> Any:
    """Reliability diagram: fraction of positives against mean P(yes) per bin, with the diagonal."""
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=0.8)
    if len(prob_pred):
        ax.plot(prob_pred, prob_true, marker="o", markersize=3, linewidth=1.0, label=name)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean P(yes) in bin")
    ax.set_ylabel("fraction of positives")
    ax.set_title("Reliability")
    ax.legend(fontsize=7)
    return ax
