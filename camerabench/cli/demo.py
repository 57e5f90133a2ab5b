"""``camerabench demo``: the main job (synthesise, predict, caption, evaluate, report)."""

from __future__ import annotations

import argparse
import logging
import math
from typing import TYPE_CHECKING, Any

from camerabench.cli.args import path_arg, positive_int
from camerabench.cli.method_flags import GivenOnce

__all__ = ["add_parser", "run", "summary_line"]

if TYPE_CHECKING:
    from camerabench.jobs.demo import DemoResult


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("demo", help="the main job: synthesise, predict, evaluate and report")
    p.add_argument(
        "--out",
        type=path_arg,
        default="demo_out",
        action=GivenOnce,
        help=(
            "output folder (default demo_out): data/, run/ and report/. Run again into the same folder, "
            "after an interruption or a finished demo, it resumes: the dataset is reused, finished predictions "
            "and captions are kept, the report is rewritten. A folder holding anything besides data/, run/ and "
            "report/ (a run folder's method folders, other files), another dataset (preset, clips, seed, size, fps "
            "or generator version) or another method's results is refused, never mixed in"
        ),
    )
    p.add_argument(
        "--clips",
        type=positive_int,
        default=None,
        action=GivenOnce,
        help="synthetic clips (default: the standard preset's full set)",
    )
    p.add_argument(
        "--workers", type=positive_int, default=None, action=GivenOnce, help="processes (default: all cores)"
    )
    return p


def summary_line(result: DemoResult) -> str:
    """One line per demo: each method's mean AP with what it leaves out, never hidden: videos whose
    prediction failed, primitives whose AP is undefined (left out of the mean), samples failed or
    with no record, and a method read while a run still held it."""
    from camerabench.eval.results import escaped_text

    parts = []
    for method, m in result.metrics.methods.items():
        part = escaped_text(method)
        info = m.run_info
        if info is not None:
            part += f" {info.videos_failed} of {info.videos_ok + info.videos_failed} videos failed,"
        binary = m.binary
        if binary is None:
            part += " mean AP n/a (no binary-classification scores)"
        else:
            total = len(binary.per_primitive)
            if math.isfinite(binary.mean_ap):
                ap = f"{100 * binary.mean_ap:.1f} over {binary.primitives_in_mean} of {total} primitives"
                if binary.primitives_in_mean < total:
                    ap += f" ({total - binary.primitives_in_mean} undefined)"
            else:
                ap = f"undefined (no primitive of {total} with both classes)"
            part += f" mean AP {ap} ({binary.failed} failed, {binary.missing} missing of {binary.samples} samples)"
        if m.in_progress is not None:
            part += f" [partial: {m.in_progress}]"
        parts.append(part)
    html = result.report.with_suffix(".html")
    # escaped: an --out with a line break or a byte that is not UTF-8 broke the one line (or, on a
    # strict UTF-8 stdout, ended the finished demo in a UnicodeEncodeError traceback)
    where = escaped_text(f"{result.report} and {html}" if html.is_file() else str(result.report))
    return f"demo finished in {result.seconds:.0f} s: " + "; ".join(parts) + f"; report: {where}"


def run(args: argparse.Namespace) -> int:
    from camerabench.cli.taxonomy import write_output
    from camerabench.jobs.demo import run_demo

    # undefined-metric warnings go through logging as in evaluate and report (printed raw, each
    # came with the source line that raised it: "  per_ap[name] = average_precision(...)")
    logging.captureWarnings(True)
    result = run_demo(args.out, clips=args.clips, workers=args.workers, progress=True)
    return write_output(summary_line(result) + "\n")
