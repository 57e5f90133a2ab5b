"""``camerabench report``: report.md / report.html with tables and plots, metrics.json and CSVs."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from camerabench.cli.args import non_negative_int, path_arg
from camerabench.cli.evaluate import add_evaluation_flags, add_rpe_span_flag
from camerabench.cli.method_flags import GivenOnce

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("report", help="write report.md / report.html with tables and plots")
    p.add_argument("--data", type=path_arg, required=True, action=GivenOnce)
    p.add_argument("--run", type=path_arg, required=True, action=GivenOnce)
    p.add_argument("--out", type=path_arg, required=True, action=GivenOnce)
    add_evaluation_flags(p)
    add_rpe_span_flag(p)
    p.add_argument(
        "--gallery",
        type=non_negative_int,
        default=None,
        action=GivenOnce,
        metavar="N",
        help="failure gallery: the N worst-ranked samples per method with frames and trajectories (default 8; 0: none)",
    )
    p.add_argument(
        "--no-reuse",
        dest="reuse",
        action="store_false",
        help="evaluate again even when REPORT_DIR holds the evaluation of the same inputs and settings (by "
        "default a report of unchanged label, score, answer and caption files with the same options renders "
        "from it)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Evaluate (or reuse the folder's evaluation of the same inputs) and write the report folder; print where it is."""
    from camerabench.dataset import Dataset
    from camerabench.eval.report import write_report
    from camerabench.runfolder import check_dataset_finished, check_outside_dataset

    logging.captureWarnings(True)
    Dataset(args.data)  # a missing dataset is named first
    check_dataset_finished(args.data)  # a synth run interrupted or still running
    # its files would be left out of the dataset with a warning on every later run (or, a gallery
    # clip with a video extension, taken as a video)
    check_outside_dataset(args.out, args.data, "report folder")
    # write_report makes the folder (a file in the way or a read-only location stops it before the
    # evaluation) and removes what it made when the evaluation fails (no such run)
    gallery = {} if args.gallery is None else {"gallery": args.gallery}
    path = write_report(
        args.data,
        args.run,
        args.out,
        failed=args.failed,
        n_bootstrap=args.bootstrap,
        rpe_span_s=args.rpe_span,
        reuse=args.reuse,
        **gallery,
    )
    sys.stdout.write(f"report written to {path} (and {path.with_suffix('.html').name}, metrics.json, CSVs)\n")
    return 0
