"""``camerabench predict``: score every labelled question of a dataset with one method."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from camerabench.baselines.registry import METHODS, predictor_class
from camerabench.cli import method_output_to_stderr
from camerabench.cli.args import path_arg, positive_int
from camerabench.cli.backend_flags import add_backend_flags, backend_options
from camerabench.cli.method_flags import GivenOnce, add_method_flags, method_options
from camerabench.errors import CameraBenchError

__all__ = ["add_parser", "method_name", "run"]

log = logging.getLogger(__name__)


def method_name(text: str) -> str:
    """``--method``: a registered method's name. An unknown one is a usage error (exit status 2, as
    every other bad flag value), refused before any work; it exited 1 after the parse.

    Example:
        >>> method_name("dummy")
        'dummy'
        >>> method_name("fsat")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: unknown method 'fsat'; did you mean 'fast'? (known: fast, colmap, ...)
    """
    if text not in METHODS:
        try:
            predictor_class(text)  # raises for a name not in METHODS (before importing anything), with its hint
        except CameraBenchError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "predict", help="score every labelled question of a dataset with one method"
    )
    p.add_argument("--data", type=path_arg, required=True, action=GivenOnce, help="dataset folder")
    p.add_argument(
        "--method", type=method_name, required=True, action=GivenOnce, help=f"method name: {', '.join(METHODS)}"
    )
    p.add_argument(
        "--out", type=path_arg, required=True, action=GivenOnce, help="run folder; results go to OUT/<method>/"
    )
    p.add_argument(
        "--workers",
        type=positive_int,
        action=GivenOnce,
        default=None,  # None: not given (ignored by methods that run as Ray tasks, with a warning)
        help="processes (default 1); with --backend ray, actors for model methods",
    )
    p.add_argument("--resume", action="store_true", help="skip videos already recorded")
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run again the videos the earlier run recorded as failed (run.json's failures)",
    )
    add_method_flags(p)
    add_backend_flags(p)
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.jobs.runner import run_predict
    from camerabench.runfolder import ANSWERS_FILE, RUN_INFO_FILE, SCORES_FILE

    options = method_options(args)
    if args.method in METHODS and "inputs_run" in predictor_class(args.method).Options.__dataclass_fields__:
        options.setdefault("inputs_run", args.out)  # a method over other methods' outputs reads them from --out
    backend = backend_options(args)  # first: it clears a --workers it warned is ignored
    with method_output_to_stderr():  # stdout keeps only the summary line
        summary = run_predict(
            args.data,
            args.method,
            args.out,
            args.workers,  # None: not given (1)
            args.resume,
            options,
            progress=True,
            retry_failed=args.retry_failed,
            **backend,
        )
    if summary.unanswerable_questions:
        # counted over the videos this part ran: a resumed run's earlier part recorded no count
        log.info(
            "%d (video, question) pairs of the %d video(s) run now are outside what %s can answer",
            summary.unanswerable_questions,
            summary.videos_run,
            args.method,
        )
    sys.stdout.write(summary.line("predict", SCORES_FILE) + "\n")
    if summary.answers is not None:
        if summary.answers.unanswerable_questions:
            log.info(
                "%d multiple-choice rows are outside what %s answers",
                summary.answers.unanswerable_questions,
                args.method,
            )
        sys.stdout.write(summary.answers.line("answer", ANSWERS_FILE, unit="rows") + "\n")
    nothing = summary.every_video_failed(RUN_INFO_FILE)
    if nothing is not None and not (summary.answers is not None and summary.answers.videos_ok):
        log.error("%s", nothing)
        return 1
    return 0
