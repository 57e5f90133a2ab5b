"""CLI handlers: ``camerabench evaluate`` and ``camerabench report``."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from typing import Any

from camerabench.eval.evaluate import evaluate, strict_json
from camerabench.eval.report import write_report

__all__ = ["evaluate_command", "report_command", "summary_lines"]

log = logging.getLogger(__name__)


def _pct(x: Any) -> str:
    return f"{100 * x:.1f}" if isinstance(x, float) and math.isfinite(x) else "n/a"


def summary_lines(metrics: dict[str, Any]) -> list[str]:
    """A short human-readable table of the headline numbers, one line per method."""
    lines = []
    chance = metrics.get("chance")
    if chance:
        lines.append(f"{'chance':<16} mean AP {_pct(chance['mean_ap'])}")
    for name, m in metrics["methods"].items():
        parts = [f"{name:<16}"]
        if "binary" in m:
            b = m["binary"]
            lo, hi = b["ci95"]["mean_ap"]
            parts.append(
                f"mean AP {_pct(b['mean_ap'])} [{_pct(lo)}, {_pct(hi)}] ({b['failed']} failed, {b['missing']} missing)"
            )
        if "vqa" in m:
            parts.append(f"VQA acc {_pct(m['vqa']['overall']['acc'])} group {_pct(m['vqa']['overall']['group_acc'])}")
        if "retrieval" in m:
            parts.append(f"retrieval group {_pct(m['retrieval']['group'])}")
        if "captions" in m and "minilm" in m["captions"]:
            parts.append(f"caption MiniLM cos {m['captions']['minilm']['cosine']:.3f}")
        if "trajectory" in m:
            t = m["trajectory"]
            ape = t["mean"]["ape_trans_rmse"]
            parts.append(f"APE {ape:.4g} ({t['ok']}/{t['clips']} clips)" if math.isfinite(ape) else "APE n/a")
        lines.append("  ".join(parts))
    return lines


def evaluate_command(args: argparse.Namespace) -> int:
    """``camerabench evaluate --data DATA --run RUN [--json] [--failed lowest|drop] [--bootstrap N]``."""
    logging.captureWarnings(True)  # undefined-metric warnings go through logging like the rest
    ev = evaluate(args.data, args.run, failed=args.failed, n_bootstrap=args.bootstrap)
    metrics = ev.metrics
    if args.json:
        sys.stdout.write(json.dumps(strict_json(metrics), allow_nan=False) + "\n")
    else:
        for line in summary_lines(metrics):
            sys.stdout.write(line + "\n")
        sys.stdout.write(f"evaluated {len(metrics['methods'])} method(s) in {args.run} on {args.data}\n")
    return 0


def report_command(args: argparse.Namespace) -> int:
    """``camerabench report --data DATA --run RUN --out DIR [--failed ...] [--bootstrap N]``."""
    logging.captureWarnings(True)
    path = write_report(args.data, args.run, args.out, failed=args.failed, n_bootstrap=args.bootstrap)
    sys.stdout.write(f"report written to {path} (and {path.with_suffix('.html').name}, metrics.json, CSVs)\n")
    return 0
