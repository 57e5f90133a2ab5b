"""``camerabench caption``: caption every video of a dataset with one method."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from camerabench.baselines.base import CAPTION_MODES
from camerabench.baselines.registry import METHODS
from camerabench.cli import method_output_to_stderr
from camerabench.cli.args import path_arg, positive_int
from camerabench.cli.backend_flags import add_backend_flags, backend_options
from camerabench.cli.method_flags import GivenOnce, add_method_flags, method_options

__all__ = ["add_parser", "run"]

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("caption", help="caption every video with one method")
    p.add_argument("--data", type=path_arg, required=True, action=GivenOnce, help="dataset folder")
    p.add_argument("--method", required=True, action=GivenOnce, help=f"method name: {', '.join(METHODS)}")
    p.add_argument(
        "--out",
        type=path_arg,
        required=True,
        action=GivenOnce,
        help="run folder; captions go to OUT/<method>/captions.jsonl",
    )
    p.add_argument("--mode", choices=CAPTION_MODES, default=CAPTION_MODES[0], action=GivenOnce)
    p.add_argument(
        "--workers",
        type=positive_int,
        action=GivenOnce,
        default=None,  # None: not given (ignored by methods that run as Ray tasks, with a warning)
        help="processes (default 1); with --backend ray, actors for model methods",
    )
    p.add_argument("--resume", action="store_true", help="skip videos already captioned")
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="with --resume: run again the videos the earlier run recorded as failed (run.json's failures)",
    )
    add_method_flags(p)
    add_backend_flags(p)
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.jobs.runner import run_caption
    from camerabench.runfolder import CAPTION_RUN_INFO_FILE, CAPTIONS_FILE

    backend = backend_options(args)  # first: it clears a --workers it warned is ignored
    with method_output_to_stderr():  # stdout keeps only the summary line
        summary = run_caption(
            args.data,
            args.method,
            args.out,
            args.mode,
            args.workers,  # None: not given (1)
            args.resume,
            method_options(args),
            progress=True,
            retry_failed=args.retry_failed,
            **backend,
        )
    sys.stdout.write(summary.line("caption", CAPTIONS_FILE) + "\n")
    nothing = summary.every_video_failed(CAPTION_RUN_INFO_FILE)
    if nothing is not None:
        log.error("%s", nothing)
        return 1
    return 0
