"""``camerabench calibrate``: fit a method's score -> P(yes) maps and save them in its folder."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import PurePath
from typing import Any

from camerabench.cli.args import path_arg
from camerabench.cli.method_flags import GivenOnce
from camerabench.cli.train import fold_count
from camerabench.errors import CameraBenchError

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)


def _folder_name(text: str) -> str:
    """The name of a method folder in ``--run``: one folder name, not a path (``--method ../run2/fast``
    calibrated another run's folder and wrote its calibration.json there; ``--method ""`` read the run
    folder itself as a method folder).

    Example:
        >>> _folder_name("fast"), _folder_name("./fast/")
        ('fast', './fast/')
        >>> _folder_name("../run2/fast")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be the name of a method folder in --run (e.g. fast), not a path: '../run2/fast'
    """
    parts = PurePath(text).parts  # "dummy/" and "./dummy" (a shell's completion) are the folder dummy
    if len(parts) != 1 or parts[0] in ("/", "..") or not text.strip() or not text.isprintable():
        raise argparse.ArgumentTypeError(
            f"must be the name of a method folder in --run (e.g. fast), not a path: {text!r}"
        )
    return text


def add_parser(sub: Any) -> argparse.ArgumentParser:
    # the --folds default is taken in run(): importing camerabench.eval.calibration here (scikit-learn,
    # about 1.5 s) would slow every command, which all build this parser
    p: argparse.ArgumentParser = sub.add_parser(
        "calibrate",
        help="fit per-primitive score -> P(yes) maps of a method (RUN/<method>/calibration.json)",
    )
    p.add_argument("--data", type=path_arg, required=True, action=GivenOnce, help="labelled dataset the run scored")
    p.add_argument("--run", type=path_arg, required=True, action=GivenOnce, help="run folder")
    p.add_argument("--method", type=_folder_name, required=True, action=GivenOnce, help="method folder name in RUN")
    p.add_argument(
        "--folds",
        type=fold_count,
        default=None,
        action=GivenOnce,
        help="video-level folds for cross-fitting, an integer >= 2 (fewer are used when there are fewer videos)",
    )
    p.add_argument(
        "--from",
        dest="copy_from",
        type=path_arg,
        default=None,
        action=GivenOnce,
        metavar="RUN2|FILE",
        help="apply the calibration of another run (its <method>/calibration.json, or a file) instead of fitting",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.eval.calibration import DEFAULT_N_SPLITS, calibrate_run
    from camerabench.runfolder import check_dataset_finished

    if args.copy_from is not None and args.folds is not None:
        # a copied calibration is applied as it was fitted: the folds would be ignored without a word
        raise CameraBenchError("--folds only applies when fitting; --from copies a fitted calibration as it is")
    logging.captureWarnings(True)
    check_dataset_finished(args.data)  # a synth run interrupted or still running: part of the labels
    cal, path = calibrate_run(
        args.data,
        args.run,
        args.method,
        n_splits=args.folds if args.folds is not None else DEFAULT_N_SPLITS,
        copy_from=args.copy_from,
    )
    kinds: dict[str, int] = {}
    for c in cal.per_primitive.values():
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    verb = f"copied from {cal.copied_from}" if cal.copied_from else f"fitted on {cal.fitted_on_data}"
    sys.stdout.write(f"calibrated {cal.method}: {what} ({verb}) -> {path}\n")
    return 0
