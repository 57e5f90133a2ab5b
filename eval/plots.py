"""Plots for reports. Every function draws on a matplotlib ``Axes`` it is given and returns it.

Callers choose the backend; :func:`new_figure` makes a figure with the non-interactive Agg
backend (reports are written headless).

A figure of :func:`new_figure` is drawn with per-glyph font fallback: its labels fall back on any
installed font of :data:`FALLBACK_FONTS` (CJK fonts: a ShotBench category or a method folder named
in Chinese), in an ``rc_context`` around its drawing only (the user's ``rcParams`` stay as they
are). A label with a character no installed font has is drawn with a box for it, and said once in a
warning naming the label (not one warning per glyph).
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from camerabench.eval.results import escaped_text

if TYPE_CHECKING:
    from camerabench.eval.gallery import MotionCurves

__all__ = [
    "FALLBACK_FONTS",
    "fallback_fonts",
    "figure_fonts",
    "legend",
    "method_colours",
    "new_figure",
    "plain_text",
    "plot_ap_bars",
    "plot_counts",
    "plot_frame_strip",
    "plot_grouped_bars",
    "plot_motion",
    "plot_pr_curve",
    "plot_reliability",
    "series_colours",
    "short_label",
    "short_labels",
]

#: The longest series name a plot shows whole; a longer one keeps its head and tail.
LABEL_LIMIT = 40
#: Legend entries drawn inside the axes; more go beside it, in columns of LEGEND_ROWS.
LEGEND_INSIDE = 8
LEGEND_ROWS = 20

#: Fonts a label falls back on, when installed, for characters the main font lacks (CJK first).
FALLBACK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Noto Sans SC",
    "Noto Sans JP",
    "Noto Sans TC",
    "Noto Sans KR",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans JP",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "Arial Unicode MS",
    "Malgun Gothic",
    "NanumGothic",
    "Yu Gothic",
    "MS Gothic",
    "TakaoGothic",
    "IPAGothic",
    "Unifont",
)

#: Matplotlib's warning for one character its fonts lack (drawn as a box).
#: How far a fraction may lie outside [0, 1] by rounding and still be drawn (results.py's slack).
_ROUNDING = 1e-9
_MISSING_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from font\(s\)")
#: Labels already named in a missing-glyph warning in this process (each is said once).
_UNDRAWABLE_SAID: set[str] = set()


def fallback_fonts() -> list[str]:
    """The installed fonts of :data:`FALLBACK_FONTS`, in its order (matplotlib's font list)."""
    from matplotlib import font_manager

    installed = set(font_manager.fontManager.get_font_names())
    return [name for name in FALLBACK_FONTS if name in installed]


def _with_fallback(families: Sequence[str] | str, fallback: Sequence[str]) -> list[str]:
    families = [families] if isinstance(families, str) else list(families)
    return families + [f for f in fallback if f not in families]


@contextmanager
def figure_fonts() -> Iterator[list[str]]:
    """An ``rc_context`` whose ``font.family`` is the current one followed by the installed
    :func:`fallback_fonts` (matplotlib >= 3.6 falls back per glyph along the list); yields those
    fonts. The global ``rcParams`` are as before on leaving it."""
    import matplotlib as mpl

    fallback = fallback_fonts()
    with mpl.rc_context({"font.family": _with_fallback(mpl.rcParams["font.family"], fallback)}):
        yield fallback


def _undrawable(fig: Any, codepoints: set[int]) -> None:
    """Warn once naming the labels of ``fig`` with a character of ``codepoints`` (drawn as boxes)."""
    from matplotlib.text import Text

    chars = "".join(sorted(chr(c) for c in codepoints))
    labels = sorted(
        {t.get_text() for t in fig.findobj(Text) if t.get_text() and any(ch in t.get_text() for ch in chars)}
    )
    new = [label for label in labels if label not in _UNDRAWABLE_SAID]
    if not new and labels:
        return
    _UNDRAWABLE_SAID.update(new)
    shown = ", ".join(repr(short_label(label, 60)) for label in new[:5]) + (", ..." if len(new) > 5 else "")
    warnings.warn(
        f"{len(new)} figure label(s) have characters no installed font has ({escaped_text(chars)}: drawn as "
        f"boxes): {shown or '(no label holds them)'}; install a font that has them (e.g. Noto Sans CJK) to "
        "draw them",
        UserWarning,
        stacklevel=2,
    )


def _plain_text_rc() -> Any:
    """An ``rc_context`` of the text settings of every report figure, whatever the user's
    ``matplotlibrc`` or style says: its labels are escaped for matplotlib's own mathtext
    (:func:`plain_text`), not for LaTeX. With ``text.usetex: True`` a figure would need a LaTeX
    installation to be saved (else a ``RuntimeError`` after the whole evaluation) and a method
    named ``a_b`` or ``50%`` would break LaTeX; with ``text.parse_math: False`` every escaped
    ``$`` would be drawn as ``\\$``."""
    import matplotlib as mpl

    return mpl.rc_context({"text.usetex": False, "text.parse_math": True})


@functools.cache
def _figure_class() -> type:
    from matplotlib.figure import Figure

    class ReportFigure(Figure):
        """A figure drawn with :func:`figure_fonts`, missing glyphs said once (module docstring)."""

        def draw(self, renderer: Any) -> None:
            from matplotlib.text import Text

            with (
                _plain_text_rc(),
                figure_fonts() as fallback,
                warnings.catch_warnings(record=True) as caught,
            ):
                warnings.filterwarnings("always", message=_MISSING_GLYPH.pattern)
                for text in self.findobj(Text):  # texts made before drawing keep the settings of their making
                    text.set_usetex(False)
                    text.set_parse_math(True)
                    if fallback:
                        text.set_fontfamily(_with_fallback(text.get_fontfamily(), fallback))
                super().draw(renderer)
            missing: set[int] = set()
            for w in caught:
                m = _MISSING_GLYPH.match(str(w.message))
                if m:
                    missing.add(int(m.group(1)))
                else:  # not ours to swallow
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
            if missing:
                _undrawable(self, missing)

    return ReportFigure


def short_label(name: str, limit: int = LABEL_LIMIT) -> str:
    """``name`` for a legend or tick label: whole up to ``limit`` characters, else its head and
    tail around an ellipsis (a 240-character method name would push the axes out of the figure;
    the report's tables carry the whole name). Escaped first, as :func:`plain_text` does.

    Example:
        >>> short_label("fast")
        'fast'
        >>> short_label("a" * 30 + "_variant_" + "b" * 30, limit=21)
        'aaaaaaaaaa…bbbbbbbbbb'

    Raises:
        ValueError: ``limit`` is below 1 (no label fits).
    """
    if limit < 1:
        raise ValueError(f"short_label: limit must be at least 1 character, got {limit}")
    name = escaped_text(name)  # before cutting: an escape is not cut in two
    if len(name) > limit:
        head = (limit - 1) // 2
        name = name[:head] + "\u2026" + name[len(name) - (limit - 1 - head) :]
    return plain_text(name)


def short_labels(names: Sequence[str], limit: int = LABEL_LIMIT) -> list[str]:
    """:func:`short_label` of each name, kept distinct: names cut to the same label (long names
    that differ in the middle) show the part where they differ instead, and labels still alike
    (the same name twice) are numbered, so that no two legend entries or ticks read the same.

    Example:
        >>> short_labels(["x" * 30 + "A" + "y" * 30, "x" * 30 + "B" + "y" * 30], limit=15)
        ['…xxxxxxAyyyyyy…', '…xxxxxxByyyyyy…']
    """
    labels = [short_label(n, limit) for n in names]
    groups: dict[str, list[int]] = {}
    for k, label in enumerate(labels):
        groups.setdefault(label, []).append(k)
    for same in groups.values():
        if len(same) < 2:
            continue
        texts = [escaped_text(names[k]) for k in same]
        p = next((i for i, chars in enumerate(zip(*texts, strict=False)) if len(set(chars)) > 1), min(map(len, texts)))
        start, width = max(0, p - 6), max(limit - 2, 8)
        for k, text in zip(same, texts, strict=True):
            cut = (
                ("\u2026" if start else "")
                + text[start : start + width]
                + ("\u2026" if start + width < len(text) else "")
            )
            labels[k] = plain_text(cut)
    alike = Counter(labels)
    numbered: Counter[str] = Counter()
    for k, label in enumerate(labels):
        if alike[label] > 1:
            numbered[label] += 1
            labels[k] = f"{label} ({numbered[label]})"
    return labels


def series_colours(n: int) -> list[Any] | None:
    """``n`` distinct colours when the colour cycle of ``axes.prop_cycle`` (10 by default; a
    style or ``matplotlibrc`` may give fewer) would repeat one, else None (the cycle).

    A plot of one series per method passes these to each series: the eleventh PR curve or
    reliability line of the cycle would take the first one's colour, and the legend could not
    tell them apart.
    """
    import matplotlib as mpl
    from matplotlib import colormaps

    cycle = mpl.rcParams["axes.prop_cycle"].by_key().get("color", [])
    if n <= len(cycle):
        return None

    if n <= 20:
        return [colormaps["tab20"](k) for k in range(n)]
    return list(colormaps["turbo"](np.linspace(0.03, 0.97, n)))


def _cycle_colours(n: int) -> list[Any]:
    """The first ``n`` colours of ``axes.prop_cycle``, repeating when it has fewer."""
    import matplotlib as mpl

    cycle = mpl.rcParams["axes.prop_cycle"].by_key().get("color", []) or ["C0"]
    return [cycle[k % len(cycle)] for k in range(n)]


def method_colours(names: Sequence[str]) -> dict[str, Any]:
    """One fixed colour per name, in the order given: the colour cycle of ``axes.prop_cycle``
    while it has enough colours, else :func:`series_colours`.

    A report gives every figure the colours of all its methods, so that a method keeps its colour in
    every figure and every panel: a panel's next cycle colour would shift every later method when
    one draws nothing there (no curve: one class, all its samples failed).
    """
    names = list(dict.fromkeys(names))
    colours = series_colours(len(names)) or _cycle_colours(len(names))
    return dict(zip(names, colours, strict=True))


def plain_text(text: str) -> str:
    """``text`` as matplotlib draws it literally: each ``$`` escaped, a lone surrogate (a folder
    name's byte that is not UTF-8) and a control character shown as ``\\xff``, ``\\n``
    (:func:`~camerabench.eval.results.escaped_text`).

    Two unescaped dollar signs make matplotlib read what lies between them as mathtext: a
    method named ``a$x$`` would be drawn as an italic *x*, and one named ``a$\\frac$`` would
    stop the report with a parse error when the figure is saved.

    Example:
        >>> print(plain_text("cost $5 or $6"))
        cost \\$5 or \\$6

    A lone surrogate would stop the drawing with a ``TypeError`` from matplotlib's font code
    (a method named by a hand-made result or ``metrics.json`` holding ``"\\udcff"``).
    """
    return escaped_text(text).replace("$", r"\$")


def legend(ax: Any, fontsize: float = 7, ncols: int = 1) -> None:
    """The axes' legend: inside it for a few entries, beside it (in columns) for many, so
    that 50 methods do not cover the plot or push it out of the figure."""
    n = len(ax.get_legend_handles_labels()[1])
    if n <= LEGEND_INSIDE:
        ax.legend(fontsize=fontsize, ncols=ncols)
    else:
        ax.legend(fontsize=fontsize, ncols=math.ceil(n / LEGEND_ROWS), loc="upper left", bbox_to_anchor=(1.01, 1.0))


def new_figure(
    width_in: float,
    height_in: float,
    nrows: int = 1,
    ncols: int = 1,
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
) -> tuple[Any, Any]:
    """``(figure, axes)`` on the Agg canvas, without touching pyplot's global state (nothing to
    close after saving: no figure is left open in pyplot).

    ``nrows=0`` gives no axes (``None``), for callers that lay out their own; ``layout=None``
    skips matplotlib's constrained layout (about half the drawing time of a small figure). The
    figure draws its labels with font fallback (see the module docstring).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _plain_text_rc():  # the axes' tick formatters read text.usetex when made
        fig = _figure_class()(figsize=(width_in, height_in), layout=layout)
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False) if nrows > 0 else None
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
    colours: Mapping[str, Any] | None = None,
    own_reference: Mapping[str, Mapping[str, float]] | None = None,
    own_reference_label: str = "chance on the method's own samples",
) -> Any:
    """Bars per category, one colour per series; an undefined value (NaN, or infinite) gets no bar.

    Its empty slot is marked ``n/a`` at the foot of the axes, so that it does not read as a
    bar of height 0.

    Args:
        ax: matplotlib Axes.
        values: series name -> category -> value.
        categories: x-axis order.
        errors: series -> category -> [lo, hi] (drawn as error bars when finite).
        reference: category -> value drawn as a black tick (e.g. chance).
        colours: series name -> colour (:func:`method_colours`: the same in every figure); None:
            the colour cycle (:func:`series_colours` beyond it).
        own_reference: series -> category -> its own reference value (the chance level over the
            samples a method kept under ``--failed drop``), drawn over its bar as a black-edged
            triangle in its colour where it differs from ``reference``.

    Each interval of ``errors`` is drawn as it is, from ``lo`` to ``hi``, wherever the value lies
    (a percentile-bootstrap interval need not hold its point estimate).

    Raises:
        ValueError: an interval in ``errors`` is not a pair ``[lo, hi]`` (one value, three
            values, a bare number) or has ``lo > hi``; the message names the series and category.
    """
    scale = 100.0 if percent else 1.0
    intervals = {name: _intervals(name, errors[name], categories) for name in values if errors and name in errors}
    series = list(values)
    n = max(len(series), 1)
    width = 0.8 / n
    x = np.arange(len(categories))
    names = short_labels(series)
    cycle = series_colours(len(series)) or _cycle_colours(len(series))
    own_x: list[float] = []
    own_y: list[float] = []
    own_c: list[Any] = []
    for k, name in enumerate(series):
        v = np.array([values[name].get(c, math.nan) for c in categories], dtype=float) * scale
        pos = x - 0.4 + width * (k + 0.5)
        defined = np.isfinite(v)
        colour = colours[name] if colours is not None and name in colours else cycle[k]
        ax.bar(pos[defined], v[defined], width, label=names[k], color=colour)  # keeps its legend entry when empty
        for at in pos[~defined]:
            ax.text(at, 0.01, "n/a", transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="bottom",
                    fontsize=6, color="0.4")  # fmt: skip
        if name in intervals:
            lo, hi = intervals[name][0] * scale, intervals[name][1] * scale
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(v)
            if ok.any():  # the interval as it is: from lo to hi, even where v lies outside it
                yerr = np.vstack([np.zeros(int(ok.sum())), hi[ok] - lo[ok]])
                ax.errorbar(pos[ok], lo[ok], yerr=yerr, fmt="none", ecolor="0.2", elinewidth=0.8, capsize=1.5)
        if own_reference and name in own_reference:
            shared = reference or {}
            for at, c in zip(pos, categories, strict=True):
                own = own_reference[name].get(c, math.nan)
                if math.isfinite(own) and not math.isclose(own, shared.get(c, math.nan), rel_tol=1e-9, abs_tol=1e-12):
                    own_x.append(float(at))
                    own_y.append(own * scale)
                    own_c.append(colour)
    if reference:
        ref = np.array([reference.get(c, math.nan) for c in categories], dtype=float) * scale
        ax.scatter(x, ref, marker="_", s=200, color="black", zorder=3, label=plain_text(reference_label))
    if own_x:
        # a triangle edged in black: a tick in the bar's own colour would vanish inside its bar
        ax.scatter(own_x, own_y, marker="v", s=28, c=own_c, edgecolors="black", linewidths=0.6, zorder=4,
                   label=plain_text(own_reference_label))  # fmt: skip
    ax.set_xticks(x)
    # shortened as legend entries are: a 300-character knob name would squeeze the axes to nothing
    ax.set_xticklabels(short_labels(categories), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    if series or reference:
        legend(ax, fontsize=7, ncols=min(len(series) + 1 + bool(own_x), 4))
    ax.grid(axis="y", alpha=0.3)
    return ax


def _intervals(
    name: str, errors: Mapping[str, Sequence[float]], categories: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` arrays over ``categories`` of one series' intervals (NaN where none is given).

    Raises:
        ValueError: an interval is not two numbers, or its ``lo`` exceeds its ``hi``.
    """
    lo = np.full(len(categories), math.nan)
    hi = np.full(len(categories), math.nan)
    for k, c in enumerate(categories):
        if c not in errors:
            continue
        interval = errors[c]
        try:
            pair = np.asarray(interval, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: the interval of {c!r} must be two numbers [lo, hi], got {interval!r}") from None
        if pair.shape != (2,):
            raise ValueError(
                f"{name}: the interval of {c!r} must be two numbers [lo, hi], "
                f"got {np.size(pair)} value(s): {interval!r}"
            )
        if pair[0] > pair[1]:  # NaN compares false: an undefined bound is drawn as no error bar
            raise ValueError(f"{name}: the interval of {c!r} has lo {pair[0]:g} above hi {pair[1]:g}")
        lo[k], hi[k] = pair
    return lo, hi


def plot_ap_bars(
    ax: Any,
    ap: Mapping[str, Mapping[str, float]],
    primitives: Sequence[str],
    ci95: Mapping[str, Mapping[str, Sequence[float]]] | None = None,
    chance: Mapping[str, float] | None = None,
    chance_label: str = "chance",
    colours: Mapping[str, Any] | None = None,
    own_chance: Mapping[str, Mapping[str, float]] | None = None,
    own_chance_label: str = "chance on the method's own samples (its colour)",
) -> Any:
    """AP (%) per primitive, methods side by side, with 95% CIs and the chance level.

    ``chance`` is the chance level of all the labelled samples (a black tick); ``own_chance``,
    method -> primitive -> the chance level of the samples that method kept (``--failed drop``
    leaves its failed ones out), is drawn over its bar in its colour where it differs.

    Raises:
        ValueError: an AP or chance level outside 0..1 (an AP given in percent would be drawn
            as a bar cut off at the top of the 0-100 axes, reading as 100%).
    """
    owns = [(f"{m} (chance)", per) for m, per in (own_chance or {}).items()]
    for name, per in (*ap.items(), *([("chance", chance)] if chance else []), *owns):
        for p, value in per.items():
            # rounding slack: scikit-learn's AP of a perfect ranking can sum to 1.0000000000000002
            # (seed 1's standard + hard Move_Right), which metrics.json reads as 1 (results.py)
            if math.isfinite(value) and not -_ROUNDING <= value <= 1 + _ROUNDING:
                raise ValueError(f"{name}: the AP of {p!r} must lie in 0..1, got {value!r}")
    plot_grouped_bars(
        ax,
        ap,
        primitives,
        errors=ci95,
        reference=chance,
        reference_label=chance_label,
        ylabel="AP (%)",
        colours=colours,
        own_reference=own_chance,
        own_reference_label=own_chance_label,
    )
    ax.set_ylim(0, 100)
    ax.set_title("Average precision per primitive")
    return ax


def plot_pr_curve(
    ax: Any, labels: ArrayLike, scores: ArrayLike, name: str, label: str | None = None, color: Any = None
) -> Any:
    """Precision-recall curve (``sklearn.metrics.precision_recall_curve``) of one method.

    The series is labelled ``label`` (display text, as :func:`short_labels` gives for all the
    methods of a figure: two long names that differ in the middle then stay apart), else
    :func:`short_label` of ``name``; error messages name ``name``. ``color``: the series' colour
    (:func:`series_colours`; None: the next of the axes' cycle).

    No curve is drawn when the labels have one class only (the curve is undefined); the axes
    say so instead of being left blank.

    Raises:
        ValueError: a label is not a boolean or 0/1 (a 2, -1, 0.5, NaN or ``"yes"`` would
            otherwise be read as a positive), the labels or scores are not one-dimensional,
            a score is NaN or infinite, or scores and labels differ in length.
    """
    from sklearn.metrics import precision_recall_curve

    shown = short_label(name) if label is None else label
    y = _binary_labels(labels, name)
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1:
        raise ValueError(f"{name}: scores must be one-dimensional, got shape {s.shape}")
    if s.shape != y.shape:
        raise ValueError(f"{name}: {s.size} scores for {y.size} labels")
    if not np.isfinite(s).all():
        raise ValueError(
            f"{name}: {int((~np.isfinite(s)).sum())} scores are NaN or infinite; a curve needs every score"
        )
    if y.size == 0 or y.all() or not y.any():
        why = "no labels" if y.size == 0 else "labels of one class"
        below = sum(t.get_gid() == "no curve" for t in ax.texts)  # one line per method, stacked
        ax.text(0.5, 0.9 - 0.08 * below, f"{shown}: no curve ({why})", ha="center", va="center",
                fontsize=6, color="0.4", transform=ax.transAxes, gid="no curve")  # fmt: skip
        return ax
    precision, recall, _ = precision_recall_curve(y, s)
    ax.step(recall, precision, where="post", label=shown, linewidth=1.0, color=color)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    return ax


def _binary_labels(labels: ArrayLike, name: str) -> np.ndarray:
    """``labels`` as a 1-D boolean array; each must be a boolean or the number 0 or 1.

    Raises:
        ValueError: another value (the first is named), or not one-dimensional.
    """
    raw = np.asarray(labels)
    if raw.ndim != 1:
        raise ValueError(f"{name}: labels must be one-dimensional, got shape {raw.shape}")
    if raw.dtype == np.bool_:
        return raw
    if raw.dtype.kind in "iuf":
        bad = ~np.isin(raw, (0, 1))  # NaN is in neither
    else:  # strings, objects: only Python/numpy booleans and the numbers 0 and 1
        bad = np.array(
            [not (isinstance(v, bool | np.bool_) or (isinstance(v, int | float | np.number) and v in (0, 1)))
             for v in raw.tolist()],
            dtype=bool,
        )  # fmt: skip
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: labels must be booleans or 0/1; {int(bad.sum())} are not (label {k} is {raw.tolist()[k]!r})"
        )
    return raw.astype(bool)


def plot_counts(
    ax: Any,
    counts: Mapping[str, Mapping[str, int]],
    title: str = "Failed and missing samples",
    empty: str = "no failed or missing samples",
) -> Any:
    """Stacked bars: method -> {kind: count}. Kinds whose every count is 0 are left out; with
    none left the axes say ``empty`` instead.

    Raises:
        ValueError: a count that is not a whole number >= 0 (NaN, negative, fractional): a NaN
            would turn every bar stacked above it into NaN.
    """
    methods = list(counts)
    for m in methods:
        for kind, n in counts[m].items():
            if isinstance(n, bool) or not isinstance(n, numbers.Real) or not (n >= 0 and float(n).is_integer()):
                raise ValueError(f"{m}: the count of {kind!r} must be a whole number >= 0, got {n!r}")
    # a kind no method has any of draws no section and no legend entry (8 empty sections read as data)
    kinds = sorted({k for c in counts.values() for k, n in c.items() if n})
    if not kinds:
        ax.text(0.5, 0.5, empty, ha="center", va="center", fontsize=8, color="0.3", transform=ax.transAxes)
    bottom = np.zeros(len(methods))
    colours = series_colours(len(kinds))  # 5 sections' failed and missing, and run.json's: 11 kinds
    for k, (kind, label) in enumerate(zip(kinds, short_labels(kinds), strict=True)):
        v = np.array([counts[m].get(kind, 0) for m in methods], dtype=float)
        ax.bar(range(len(methods)), v, bottom=bottom, label=label, color=None if colours is None else colours[k])
        bottom += v
    ax.set_title(plain_text(title))
    ax.set_ylabel("count")
    if kinds:
        ax.legend(fontsize=7)
    else:
        ax.set_yticks([])
    ax.set_xticks(range(len(methods)), short_labels(methods), rotation=30, ha="right")
    return ax


def _check_reliability_arguments(
    name: str,
    prob_pred: Sequence[float],
    prob_true: Sequence[float],
    counts: Sequence[int] | None,
    n_bins: int | None,
    largest: int | None,
) -> None:
    """Refuse what :func:`plot_reliability` would draw wrongly or silently not at all (see there)."""
    for what, values in (("prob_pred", prob_pred), ("prob_true", prob_true)):
        for i, v in enumerate(np.asarray(values, dtype=float).ravel()):
            if math.isfinite(v) and not 0.0 <= v <= 1.0:
                raise ValueError(
                    f"{name}: bin {i}: {what}[{i}] is {float(v)!r}, outside [0, 1]: a reliability diagram needs "
                    "probabilities (P(yes), e.g. calibrated scores), not raw scores"
                )
    if n_bins is not None:
        if isinstance(n_bins, bool | np.bool_) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
            raise ValueError(f"{name}: n_bins must be an integer >= 1 (the equal-width bins), got {n_bins!r}")
        if len(prob_pred) > n_bins:
            raise ValueError(f"{name}: {len(prob_pred)} reliability points for {n_bins} bins (one per non-empty bin)")
    for i, n in enumerate([] if counts is None else counts):
        if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Real) or not (n >= 0 and float(n).is_integer()):
            raise ValueError(f"{name}: the count of bin {i} must be a whole number >= 0 (samples in it), got {n!r}")
    if largest is not None and (
        isinstance(largest, bool | np.bool_)
        or not isinstance(largest, numbers.Real)
        or not (largest >= 0 and float(largest).is_integer())
    ):
        raise ValueError(f"{name}: largest must be a whole number >= 0 (the largest count), got {largest!r}")


def plot_reliability(
    ax: Any,
    prob_pred: Sequence[float],
    prob_true: Sequence[float],
    name: str,
    label: str | None = None,
    color: Any = None,
    counts: Sequence[int] | None = None,
    n_bins: int | None = None,
    largest: int | None = None,
) -> Any:
    """Reliability diagram: fraction of positives against mean P(yes) per bin, with the diagonal
    (drawn once however many methods share the axes).

    ``counts``: samples in each bin (a marker's area is proportional to its count, scaled so that
    ``largest``, default the largest of ``counts``, gets the biggest marker: pass the largest over
    all methods of the axes). ``n_bins``: the equal-width bins the points come from (bin i is
    (i/n, (i+1)/n], the first also holds 0, as ``sklearn.calibration.calibration_curve`` bins): the
    line is not drawn across an empty bin between two points.

    The series is labelled ``label`` when given (see :func:`plot_pr_curve`), else
    :func:`short_label` of ``name``; ``color`` as in :func:`plot_pr_curve`.

    A bin whose values are NaN or infinite is a gap in the line; a series with no defined bin
    (nothing binned, an undefined calibration) draws no line and is named on the axes as ``n/a``.

    Raises:
        ValueError: ``prob_pred`` and ``prob_true`` differ in length (one point per bin each); a
            finite value of either outside [0, 1] (raw scores passed as probabilities: the point would
            be drawn off the 0..1 axes and silently missing); ``n_bins`` that is not an integer >= 1,
            or fewer than the points; a count, or ``largest``, that is not a whole number >= 0 (a NaN
            or negative count draws no marker).
    """
    _check_reliability_arguments(name, prob_pred, prob_true, counts, n_bins, largest)
    if len(prob_pred) != len(prob_true):
        raise ValueError(
            f"{name}: reliability needs one fraction of positives per bin: {len(prob_pred)} mean P(yes) values "
            f"for {len(prob_true)} fractions"
        )
    if counts is not None and len(counts) != len(prob_pred):
        raise ValueError(f"{name}: reliability needs one count per bin: {len(counts)} counts for {len(prob_pred)} bins")
    shown = short_label(name) if label is None else label
    if not any(line.get_gid() == "diagonal" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=0.8, gid="diagonal")
    x, y = np.asarray(prob_pred, dtype=float).ravel(), np.asarray(prob_true, dtype=float).ravel()
    defined = np.isfinite(x) & np.isfinite(y)
    if defined.any():  # an undefined bin (NaN or infinite) is a gap in the line, not a point off the axes
        x, y = np.where(defined, x, np.nan), np.where(defined, y, np.nan)
        lx, ly = x, y
        if n_bins is not None and len(x) > 1:
            # each point's bin (a bin's mean lies in it; 1e-9 for a mean rounded just above its upper edge)
            edges = np.linspace(0.0, 1.0, n_bins + 1)
            ids = np.searchsorted(edges[1:-1], np.nan_to_num(x, nan=-1.0) - 1e-9).astype(float)
            apart = np.flatnonzero(np.diff(ids) > 1) + 1  # an empty bin between two points: a gap there
            lx, ly = np.insert(x, apart, np.nan), np.insert(y, apart, np.nan)
        (line,) = ax.plot(lx, ly, linewidth=1.0, color=color, marker="o" if counts is None else None, markersize=3,
                          label=shown)  # fmt: skip
        if counts is not None:
            n = np.asarray(counts, dtype=float)
            top = float(largest if largest is not None else max(n.max(initial=0), 1))
            sizes = 6 + 120 * n / max(top, 1)  # area in points^2 proportional to the count
            ax.scatter(x[defined], y[defined], s=sizes[defined], color=line.get_color(), alpha=0.7,
                       edgecolors="white", linewidths=0.4, zorder=3, gid="bin counts")  # fmt: skip
    else:  # nothing binned, or every bin undefined: said on the axes, not an empty plot read as "no method"
        below = sum(t.get_gid() == "n/a" for t in ax.texts)  # one line per method, stacked
        ax.text(0.5, 0.9 - 0.08 * below, f"{shown}: n/a (no bin with a defined value)", ha="center",
                va="center", fontsize=6, color="0.4", transform=ax.transAxes, gid="n/a")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean P(yes) in bin")
    ax.set_ylabel("fraction of positives")
    ax.set_title("Reliability")
    if ax.get_legend_handles_labels()[1]:  # nothing binned (no scored sample): no line to name
        legend(ax, fontsize=7)
    return ax


def plot_frame_strip(ax: Any, frames: ArrayLike | None, title: str = "", gap_px: int = 2) -> Any:
    """Frames (N, H, W, C) side by side, left to right in time; "no frames" when None or empty.

    ``C`` is 3 (RGB), 4 (RGBA) or 1 (grey); integer frames hold 0..255, float frames 0..1.

    Raises:
        ValueError: frames that are not (N, H, W, C) with C in 1, 3, 4 (a grey stack (N, H, W)
            included), of a dtype that is not a number, with a value outside that range, or NaN.
    """
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(plain_text(title), fontsize=7)
    arr = None if frames is None else np.asarray(frames)
    if arr is None or arr.size == 0:
        ax.text(0.5, 0.5, "no frames", ha="center", va="center", fontsize=7, transform=ax.transAxes)
        return ax
    if arr.ndim != 4 or arr.shape[3] not in (1, 3, 4):
        raise ValueError(f"frames must be (N, H, W, C) with C = 3 (RGB), 4 (RGBA) or 1 (grey), got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        top = 255
    elif arr.dtype.kind == "f":
        top = 1
        if not np.isfinite(arr).all():
            raise ValueError(f"frames: {int((~np.isfinite(arr)).sum())} float values are NaN or infinite")
    else:
        raise ValueError(f"frames must hold numbers, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() > top:
        raise ValueError(
            f"frames of dtype {arr.dtype} must lie in 0..{top}, got {arr.min():g}..{arr.max():g}"
            + (" (float frames in 0..255: divide by 255)" if top == 1 and arr.max() <= 255 else "")
        )
    _, h, _, c = arr.shape
    sep = np.full((h, gap_px, c), top, dtype=arr.dtype)
    ax.imshow(np.concatenate([x for f in arr for x in (f, sep)][:-1], axis=1))
    return ax


#: What :func:`plot_motion` draws per component: the curves' attribute, its labels and units.
_MOTION_COMPONENTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "rotation": ("rotation_deg", ("pan R", "tilt U", "roll CW"), "degrees"),
    "translation": ("translation", ("right", "up", "forward"), "GT units"),
    "zoom": ("zoom", ("zoom",), "focal / first"),
}


def plot_motion(
    ax: Any,
    truth: MotionCurves | None,
    estimate: MotionCurves | None,
    component: str = "rotation",
    estimate_label: str = "estimate",
    legend: bool = True,
) -> Any:
    """One component of camera motion over time: the truth solid, the estimate dashed.

    Args:
        ax: matplotlib Axes.
        truth: the ground truth's :class:`~camerabench.eval.gallery.MotionCurves` (or None).
        estimate: the method's (or None); scale its translation beforehand if it is up to scale.
        component: ``rotation`` (pan, tilt, roll in degrees), ``translation`` (right, up,
            forward in the first camera's axes) or ``zoom`` (focal-length ratio).
        estimate_label: legend name of the estimate.
        legend: name the components (colours) in a legend.

    Curves of no pose are drawn as absent ("no trajectory" when neither has a pose).

    Raises:
        ValueError: an unknown ``component``, or curves whose values are not one row of
            ``len(names)`` columns per time (e.g. rotation of shape (N, 5)).
    """
    if component not in _MOTION_COMPONENTS:
        raise ValueError(f"component must be one of {', '.join(_MOTION_COMPONENTS)}, got {component!r}")
    attr, names, unit = _MOTION_COMPONENTS[component]
    colours = ("tab:blue", "tab:orange", "tab:green")
    named = False
    for curves, style, which in ((truth, "-", "truth"), (estimate, "--", "estimate")):
        if curves is None or len(curves.t) == 0:
            continue
        values = np.asarray(getattr(curves, attr), dtype=float)
        shapes = {(len(curves.t), len(names))} | ({(len(curves.t),)} if len(names) == 1 else set())
        if values.shape not in shapes:
            raise ValueError(
                f"the {which}'s {attr} must be ({len(curves.t)}, {len(names)}) for {len(curves.t)} times "
                f"({', '.join(names)}), got shape {values.shape}"
            )
        values = values.reshape(len(curves.t), -1)
        values = np.where(np.isfinite(values), values, np.nan)  # an infinite value is a gap, as NaN is
        for k in range(values.shape[1]):
            ax.plot(curves.t, values[:, k], style, color=colours[k], linewidth=1.0, label=None if named else names[k])
        named = True
    if not named:
        ax.text(0.5, 0.5, "no trajectory", ha="center", va="center", fontsize=7, transform=ax.transAxes)
    elif legend and len(names) > 1:
        ax.legend(fontsize=5, loc="best")
    ax.set_title(f"{component} ({unit}); solid true, dashed {short_label(estimate_label)}", fontsize=7)
    ax.set_xlabel("s", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.grid(alpha=0.3)
    return ax
