"""``camerabench demo``: the main job (synthesise, predict, caption, evaluate, report)."""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, Any

from camerabench.cli.args import path_arg, positive_int

__all__ = ["add_parser", "run", "summary_line"]

if TYPE_CHECKING:
    from camerabench.jobs.demo import DemoResult


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("demo", help="the main job: synthesise, predict, evaluate and report")
    p.add_argument("--out", type=path_arg, default="demo_out", help="output folder (default demo_out)")
    p.add_argument(
        "--clips", type=positive_int, default=None, help="synthetic clips (default: the standard preset's full set)"
    )
    p.add_argument("--workers", type=positive_int, default=None, help="processes (default: all cores)")
    return p


def summary_line(result: DemoResult) -> str:
    parts = []
    for method, m in result.metrics.methods.items():
        binary = m.binary
        if binary is None:
            parts.append(f"{method} mean AP n/a (0 failed of 0)")
            continue
        undefined = "undefined (no primitive with both classes)"
        ap = f"{100 * binary.mean_ap:.1f}" if math.isfinite(binary.mean_ap) else undefined
        parts.append(f"{method} mean AP {ap} ({binary.failed} failed of {binary.samples})")
    html = result.report.with_suffix(".html")
    where = f"{result.report} and {html}" if html.is_file() else str(result.report)
    return f"demo finished in {result.seconds:.0f} s: " + "; ".join(parts) + f"; report: {where}"


def run(args: argparse.Namespace) -> int:
    from camerabench.jobs.demo import run_demo

    result = run_demo(args.out, clips=args.clips, workers=args.workers, progress=True)
    sys.stdout.write(summary_line(result) + "\n")
    return 0
