"""Hostile inputs on the evaluation and report layer, round 8: extreme scores against
scikit-learn, mathtext in method and primitive names, raw HTML in the markdown report."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval import plots
from camerabench.eval.ap import average_precision, resolve_failed, weighted_ap_matrix
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    EvaluationResult,
    MethodResult,
)

from .test_report_hostile import _binary

LOWEST = -sys.float_info.max
NEXT_UP = float(np.nextafter(LOWEST, 0.0))


# --------------------------------------------------------------------------- AP on extreme scores


@pytest.mark.parametrize(
    ("labels", "scores"),
    [
        ([1, 0, 1, 0, 0], [0.5] * 5),  # all equal: the prevalence
        ([1, 0, 1, 0], [1e308, -1e308, 1e308, 0.0]),
        ([1, 0, 1, 0, 1], [0.5, 0.5, 0.2, 0.2, 0.9]),  # ties across positives and negatives
        ([0, 1, 0, 1], [5e-324, 0.0, 1e-320, 5e-324]),  # subnormal scores
        ([1, 0, 0, 1, 0], [LOWEST, NEXT_UP, sys.float_info.max, 0.0, LOWEST]),
    ],
)
def test_ap_of_extreme_and_tied_scores_equals_sklearn(labels: list[int], scores: list[float]) -> None:
    want = average_precision_score(labels, scores)
    assert average_precision(labels, scores) == pytest.approx(want, abs=1e-12)
    assert weighted_ap_matrix(labels, scores, np.ones((1, len(labels))))[0] == pytest.approx(want, abs=1e-12)


def test_a_failure_below_the_most_negative_float_does_not_tie_it_with_the_next_float() -> None:
    # the most negative float (a sentinel) and the float just above it, a failure below both:
    # moving the sentinel up one step tied it with the positive, halving this AP
    labels = [True, False, False]
    resolved, keep = resolve_failed([NEXT_UP, LOWEST, math.nan], [True, True, False], "lowest")
    assert keep.all() and np.isfinite(resolved).all()
    assert resolved[2] < resolved[1] < resolved[0]
    assert average_precision(labels, resolved) == average_precision_score(labels, [2.0, 1.0, 0.0]) == 1.0
    # many scores, the failures tying with each other at the bottom: the same AP as ranks give
    rng = np.random.default_rng(3)
    scores = rng.choice([LOWEST, NEXT_UP, -1.0, 0.0, 2.5, sys.float_info.max], size=40)
    ok = rng.random(40) < 0.8
    y = rng.random(40) < 0.4
    resolved, _ = resolve_failed(np.where(ok, scores, np.nan), ok, "lowest")
    ranks = np.unique(scores[ok], return_inverse=True)[1] + 1.0
    reference = np.where(ok, 0.0, -1.0)
    reference[ok] = ranks
    assert average_precision(y, resolved) == pytest.approx(average_precision_score(y, reference), abs=1e-12)
    assert np.array_equal(np.argsort(resolved[ok], kind="stable"), np.argsort(scores[ok], kind="stable"))


# --------------------------------------------------------------------------- names in figures


def test_dollar_signs_in_series_and_category_names_are_drawn_as_written() -> None:
    fig, axes = plots.new_figure(4, 3)
    ax = axes[0, 0]
    plots.plot_grouped_bars(
        ax,
        {"a$\\frac$": {"x$y$": 0.5}, "cost $5 or $6": {"x$y$": 0.2}},
        ["x$y$"],
        reference={"x$y$": 0.1},
        reference_label="c$h$",
    )
    fig.savefig(io.BytesIO(), format="png")  # mathtext "\frac" without arguments: a parse error
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [r"c\$h\$", r"a\$\frac\$", r"cost \$5 or \$6"]
    # what matplotlib draws: the text with the escaped dollars as dollars, no math
    drawn = [legend.get_texts()[0]._preprocess_math(t.get_text()) for t in legend.get_texts()]  # type: ignore[attr-defined]
    assert drawn == [("c$h$", False), ("a$\\frac$", False), ("cost $5 or $6", False)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [r"x\$y\$"]
    assert plots.short_label("$" * 50).count(r"\$") == 39  # shortened first, then escaped whole


# --------------------------------------------------------------------------- markdown report


class _NoDataset:
    manifest: dict[str, Any] = {}  # noqa: RUF012


def _report(tmp_path: Path, methods: dict[str, MethodResult]) -> Path:
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    out = tmp_path / "report"
    write_report("data", "run", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0)  # type: ignore[arg-type]
    return out


def test_a_method_named_with_mathtext_does_not_stop_the_report(tmp_path: Path) -> None:
    out = _report(tmp_path, {"a$\\frac$": MethodResult(binary=_binary({"Pan_Right": 0.5}))})
    assert (out / "ap_per_primitive.png").is_file()
    assert "| a$\\\\frac$ | binary |" in (out / "report.md").read_text(encoding="utf-8")


def test_html_in_names_and_reasons_is_shown_as_text_in_the_rendered_markdown(tmp_path: Path) -> None:
    import markdown_it  # the CommonMark renderer (dev dependency)

    method = "<script>alert(1)</script>&amp;"
    reason = "decoder: <img src=x onerror=alert(2)> & `<b>kept in code</b>`"
    unmatched = "a lone ` then <i>raw</i>"  # no code span: the backtick is literal
    reasons = {reason: 2, unmatched: 1}
    out = _report(
        tmp_path,
        {method: MethodResult(binary=_binary({"Pan_Right": 0.5}, failed=sum(reasons.values()), reasons=reasons))},
    )
    md = (out / "report.md").read_text(encoding="utf-8")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<script" not in rendered and "<img src=x" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in rendered  # the name as written, entity too
    assert "<code>&lt;b&gt;kept in code&lt;/b&gt;</code>" in rendered  # a code span keeps its text
    assert "&lt;img src=x onerror=alert(2)&gt; &amp; " in rendered
    assert "a lone ` then &lt;i&gt;raw&lt;/i&gt;" in rendered and "<i>" not in rendered
    # the HTML report escapes them as before
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html_text and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in html_text


def test_the_gallery_shows_the_methods_own_score_when_failures_rank_below_a_sentinel(tmp_path: Path) -> None:
    from camerabench.eval.evaluate import evaluate
    from camerabench.eval.gallery import worst_clips
    from camerabench.labelfiles import write_binary_file
    from camerabench.records import ScoreRecord, write_scores
    from camerabench.taxonomy import BinaryRecord, Primitive

    pan = Primitive.PAN_RIGHT
    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{k}.mp4" for k in range(4)]
    write_binary_file(
        data / "labels" / "binary_classification" / pan.file,
        [BinaryRecord.make(v, pan, k in (0, 3)) for k, v in enumerate(videos)],
    )
    scores = [LOWEST, 0.5, NEXT_UP]
    records = [ScoreRecord(v, pan.question, "m", s, primitive=pan.value) for v, s in zip(videos, scores, strict=False)]
    records.append(ScoreRecord.failed(videos[3], pan.question, "m", "boom", pan.value))
    write_scores(run / "m" / "scores.jsonl", records)
    ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    # ranking v1 > v2 > v0 > failed v3: positives at ranks 3 and 4
    assert ev.result.methods["m"].binary.per_primitive["Pan_Right"] == pytest.approx(
        average_precision_score([1, 0, 0, 1], [1.0, 3.0, 2.0, 0.0])
    )
    shown = {e.video: e.score for e in worst_clips(ev, per_class=3)["m"]}
    assert shown["v0.mp4"] == LOWEST and shown["v1.mp4"] == 0.5
