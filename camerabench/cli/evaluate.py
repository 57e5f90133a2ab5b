"""``camerabench evaluate``: every metric for every method in a run folder."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from typing import TYPE_CHECKING, Any

from camerabench.cli.args import path_arg
from camerabench.cli.method_flags import GivenOnce
from camerabench.eval import DEFAULT_N_BOOTSTRAP
from camerabench.eval.failed import FAILED_POLICIES

if TYPE_CHECKING:
    from camerabench.eval.results import BinaryResult, EvaluationResult, VQAResult

__all__ = [
    "MAX_BOOTSTRAP",
    "add_evaluation_flags",
    "add_parser",
    "add_rpe_span_flag",
    "bootstrap_count",
    "rpe_span",
    "run",
    "summary_lines",
]

#: The most bootstrap resamples ``--bootstrap`` takes (100 times the default): the resamples are held
#: in memory at once, so a mistyped count (``--bootstrap 1000000000000``) would end in a traceback
#: from the allocator, or an evaluation that never finishes, instead of a usage error. The same cap
#: as the library's :data:`camerabench.eval.evaluate.MAX_N_BOOTSTRAP` (that module takes seconds to
#: import, too slow for building the parser of every command; a test holds the two equal).
MAX_BOOTSTRAP = 100 * DEFAULT_N_BOOTSTRAP


def bootstrap_count(text: str) -> int:
    """``--bootstrap``: an integer from 0 (no confidence intervals: ``n/a`` in the summary, null in
    ``--json``, as ``n_bootstrap=0`` of the library) to :data:`MAX_BOOTSTRAP`.

    Example:
        >>> bootstrap_count("0"), bootstrap_count("1000")
        (0, 1000)
        >>> bootstrap_count("-1")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be an integer from 0 to 100000, got '-1'
    """
    why = f"must be an integer from 0 to {MAX_BOOTSTRAP}, got {text!r}"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(why) from None
    if not 0 <= value <= MAX_BOOTSTRAP:
        raise argparse.ArgumentTypeError(why)
    return value


def add_evaluation_flags(p: argparse.ArgumentParser) -> None:
    """``--failed`` and ``--bootstrap``, shared by ``evaluate`` and ``report``."""
    p.add_argument(
        "--failed",
        choices=FAILED_POLICIES,
        default=FAILED_POLICIES[0],
        action=GivenOnce,
        help="how failed samples are scored",
    )
    p.add_argument(
        "--bootstrap",
        type=bootstrap_count,
        default=DEFAULT_N_BOOTSTRAP,
        action=GivenOnce,
        metavar="N",
        help=f"bootstrap resamples for confidence intervals and paired tests: an integer from 0 to {MAX_BOOTSTRAP} "
        f"(default {DEFAULT_N_BOOTSTRAP}; 0: none, every interval and p-value is n/a, null in --json); drawn "
        "with seed 0, so a rerun gives the same intervals (the Python API's evaluate takes seed=)",
    )


def rpe_span(text: str) -> float:
    """``--rpe-span``: a finite number of seconds above 0.

    Example:
        >>> rpe_span("0.2")
        0.2
        >>> rpe_span("nan")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be a finite number of seconds above 0, got 'nan'
    """
    why = f"must be a finite number of seconds above 0, got {text!r}"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(why) from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(why)
    return value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("evaluate", help="metrics for every method in a run folder")
    p.add_argument("--data", type=path_arg, required=True, action=GivenOnce)
    p.add_argument("--run", type=path_arg, required=True, action=GivenOnce)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_evaluation_flags(p)
    add_rpe_span_flag(p)
    return p


def add_rpe_span_flag(p: argparse.ArgumentParser) -> None:
    """``--rpe-span SECONDS`` (``evaluate`` and ``report``)."""
    p.add_argument(
        "--rpe-span",
        type=rpe_span,
        default=None,
        action=GivenOnce,
        metavar="SECONDS",
        help="RPE over pose pairs this many seconds apart, the same span at every frame rate (default: between "
        "consecutive poses, whose step is the coarser of the method's and the ground truth's sampling steps)",
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}" if math.isfinite(x) else "n/a"


def _interval_over(b: BinaryResult) -> str:
    """``: the interval of E over K/N`` when the mean AP interval averages fewer primitives than
    the mean AP (E: their mean AP, the estimate the interval is about; red team R97: an interval
    beside a mean it did not hold read as contradicting it), else ``""``.

    The mean AP averages the N primitives with a defined AP; its bootstrap interval leaves out
    those whose positives or negatives lie on fewer than 2 videos (their own interval is NaN,
    :func:`~camerabench.eval.ap.bootstrap_mean_ap`), so it need not hold the mean printed
    beside it. Nothing is added when the interval is undefined (no resample, or none left).
    """
    lo, hi = b.ci95.mean_ap
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    # the count the evaluation recorded (red team R100: a primitive in the mean's interval whose own
    # interval failed would be miscounted from the intervals), counted from them for an older file
    in_interval = b.ci95.mean_ap_primitives
    if in_interval is None:
        in_interval = sum(
            1
            for name, ap in b.per_primitive.items()
            if math.isfinite(ap) and all(math.isfinite(x) for x in b.ci95.per_primitive.get(name, (math.nan, math.nan)))
        )
    if in_interval >= b.primitives_in_mean:
        return ""
    estimate = b.ci95.mean_ap_estimate  # the mean over those K (None in a file of an older camerabench)
    of = f": the interval of {_pct(estimate)}" if estimate is not None else ""
    return f"{of} over {in_interval}/{b.primitives_in_mean}"


def _vqa_counts(v: VQAResult, *, with_retrieval: bool) -> str:
    """``(VQA/retrieval cells: F failed, M missing[, D pairs dropped][, U cells unanswerable: P pairs
    outside coverage])``: the section's own counts, those of ``--json`` and the report's failures
    table (retrieval is scored on the same cells, so it has no count of its own)."""
    dropped = f", {v.dropped_pairs} pairs dropped" if v.dropped_pairs else ""
    outside = (
        f", {v.unanswerable_cells} cells unanswerable: {v.unanswerable_pairs} pairs outside coverage"
        if v.unanswerable_cells
        else ""
    )
    which = "VQA/retrieval" if with_retrieval else "VQA"
    return f"({which} cells: {v.failed} failed, {v.missing} missing{dropped}{outside})"


def summary_lines(result: EvaluationResult) -> list[str]:
    """A short human-readable table of the headline numbers, one line per method.

    The mean AP's 95 % interval reads ``[lo, hi: the interval of E over K/N]`` when it averages K of the N
    primitives of the mean (the others have a class on fewer than 2 videos): it need not then
    hold the mean. An MCQ section's counts name the rows of categories outside the method's
    coverage, which neither its failed nor its missing count holds, and its stale rows (answered
    before the row changed: not scored) when there are any. The VQA cells' failed and missing
    counts (and those outside coverage) follow the retrieval figure, scored on the same cells. A method name is shown
    escaped (:func:`~camerabench.eval.results.escaped_text`): one of a hand-made result may
    hold a lone surrogate (a byte that is not UTF-8), which a UTF-8 stdout cannot print, or a
    line break, which would split its line.
    """
    from camerabench.eval.results import escaped_text

    lines = []
    if result.chance is not None:
        lines.append(f"{'chance':<16} mean AP {_pct(result.chance.mean_ap)}")
    for name, m in result.methods.items():
        parts = [f"{escaped_text(name):<16}"]
        if m.binary is not None:
            b = m.binary
            lo, hi = b.ci95.mean_ap
            # the mean averages the primitives with defined AP: say over how many
            over = f"over {b.primitives_in_mean}/{len(b.per_primitive)} primitives"
            parts.append(
                f"mean AP {_pct(b.mean_ap)} [{_pct(lo)}, {_pct(hi)}{_interval_over(b)}] "
                f"({over}, {b.failed} failed, {b.missing} missing"
                + (f", {b.unanswerable} unanswerable" if b.unanswerable else "")
                + ")"
            )
        if m.vqa is not None:
            parts.append(f"VQA acc {_pct(m.vqa.overall.acc)} group {_pct(m.vqa.overall.group_acc)}")
        if m.retrieval is not None:
            parts.append(f"retrieval group {_pct(m.retrieval.group)}")
        if m.vqa is not None:
            # retrieval is scored on the VQA cells: one count for both, after both
            parts[-1] += " " + _vqa_counts(m.vqa, with_retrieval=m.retrieval is not None)
        if m.captions is not None and m.captions.minilm is not None:
            parts.append(f"caption MiniLM cos {m.captions.minilm.cosine:.3f}")
        if m.mcq is not None:
            q = m.mcq
            # a category outside coverage is in neither count: its rows would read as "0 missing"
            outside = sum(c.rows for c in q.per_category.values() if not c.covered)
            # and the rows of covered categories the method recorded as outside what it answers
            outside += sum(c.unanswerable or 0 for c in q.per_category.values() if c.covered)
            # rows answered before they changed (not scored against the rows as they are now)
            stale = f", {q.stale} stale" if q.stale else ""
            counts = f"({q.failed} failed, {q.missing} missing{stale}" + (
                f", {outside}/{q.rows} rows outside coverage)" if outside else ")"
            )
            parts.append(f"MCQ avg {_pct(q.mean_accuracy)} pooled {_pct(q.pooled_accuracy)} {counts}")
        if m.changed_videos:  # changed, or no longer readable (gone): the note says which (R116)
            changed = " changed since its run" in m.changed_videos
            gone = " can no longer be read" in m.changed_videos
            parts.append(
                "(videos changed and gone since the run)"
                if changed and gone
                else "(videos changed since the run)"
                if changed
                else "(videos gone or unreadable since the run)"
            )
        if m.trajectory is not None:
            t = m.trajectory
            ape = t.mean.ape_trans_rmse
            counted = (
                f"{t.ok}/{t.clips} clips"
                + (f", {t.failed} failed" if t.failed else "")
                + (f", {t.missing} missing" if t.missing else "")
            )
            parts.append(f"APE {ape:.4g} ({counted})" if math.isfinite(ape) else f"APE n/a ({counted})")
        lines.append("  ".join(parts))
    return lines


def run(args: argparse.Namespace) -> int:
    """Evaluate; print the JSON document (``--json``) or the summary lines.

    Paths are printed escaped (``\\xff`` for a byte that is not UTF-8, ``\\n`` for a line
    break): as given, a path with such a byte stops a strict UTF-8 stdout with a
    ``UnicodeEncodeError`` after the whole evaluation, or writes bytes no UTF-8 reader takes.
    """
    from camerabench.eval.evaluate import evaluate
    from camerabench.eval.results import escaped_text
    from camerabench.runfolder import check_dataset_finished

    logging.captureWarnings(True)  # undefined-metric warnings go through logging like the rest
    check_dataset_finished(args.data)  # a synth run interrupted or still running: part of the labels
    result = evaluate(
        args.data, args.run, failed=args.failed, n_bootstrap=args.bootstrap, rpe_span_s=args.rpe_span
    ).result
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), allow_nan=False) + "\n")
    else:
        for line in summary_lines(result):
            sys.stdout.write(line + "\n")
        run_dir, data_dir = escaped_text(str(args.run)), escaped_text(str(args.data))
        sys.stdout.write(f"evaluated {len(result.methods)} method(s) in {run_dir} on {data_dir}\n")
    return 0
