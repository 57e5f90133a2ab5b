"""The ``camerabench`` command line (design.md A2 is the contract).

One module per command, each with ``add_parser(subparsers)`` (its flags, with defaults and
choices taken from the library) and ``run(args) -> int`` (calls the library and prints the
one-line summary). Known errors (:class:`~camerabench.errors.CameraBenchError`) become a
one-line message and exit code 1, and so does running out of memory. Command modules import
heavy libraries inside ``run`` so ``camerabench --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence

from camerabench import __version__
from camerabench.cli.args import read_negative_numbers
from camerabench.errors import CameraBenchError

__all__ = ["COMMANDS", "build_parser", "main", "method_output_to_stderr"]

log = logging.getLogger("camerabench")

#: command -> the module that defines it (design.md A2 order).
COMMANDS: dict[str, str] = {
    "taxonomy": "camerabench.cli.taxonomy",
    "synth": "camerabench.cli.synth",
    "predict": "camerabench.cli.predict",
    "evaluate": "camerabench.cli.evaluate",
    "calibrate": "camerabench.cli.calibrate",
    "report": "camerabench.cli.report",
    "caption": "camerabench.cli.caption",
    "train": "camerabench.cli.train",
    "make-tiny-vlm": "camerabench.cli.make_tiny_vlm",
    "demo": "camerabench.cli.demo",
}


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global flags plus every command's subparser."""
    # allow_abbrev off, here and in every subparser: ``--sample 2`` was taken as ``--sample-fps 2``,
    # and a later flag sharing the prefix would silently change what an old command line means
    parser = argparse.ArgumentParser(
        prog="camerabench",
        description="Camera-motion understanding in video, geometric and semantic.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"camerabench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS.values():
        module = importlib.import_module(module_name)
        p = module.add_parser(sub)
        p.set_defaults(handler=module.run)
    for command_parser in sub.choices.values():  # every parser a command module added (read at parse time)
        command_parser.allow_abbrev = False
        # ``--fps -1e-3``, ``--lr -inf``: the value's own refusal, not "expected one argument"
        read_negative_numbers(command_parser)
        # ``camerabench taxonomy -v`` as well as ``camerabench -v taxonomy`` (it was "unrecognized
        # arguments: -v"); SUPPRESS: not given after the command, the one before it stands
        command_parser.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
        )
    read_negative_numbers(parser)
    return parser


def _own_info(record: logging.LogRecord) -> bool:
    """What a command prints: camerabench's INFO lines and every library's warnings and errors.

    Other libraries' INFO lines (absl's "Using default tokenizer", sentence-transformers' model
    loading during ``evaluate``) are noise in a command's output; ``--verbose`` shows them all.
    """
    return record.levelno >= logging.WARNING or record.name.split(".")[0] == "camerabench"


@contextlib.contextmanager
def method_output_to_stderr() -> Iterator[None]:
    """While a command runs methods, what they print goes to stderr, so that stdout holds only
    the command's summary line (a script reads it; a method's ``print("loading...", end="")``
    ran into it: ``loading...predict dummy: 6 videos ...``).

    Stderr, not nowhere: a method's output is diagnostics, like the log and the progress bar,
    and is still seen. Both ``print`` (``sys.stdout``) and what native code writes to file
    descriptor 1 are redirected; worker processes started meanwhile inherit the redirection.
    Where descriptor 1 cannot be redirected (no such descriptor), ``sys.stdout`` still is.
    """
    for stream in (sys.stdout, sys.__stdout__):
        if stream is not None:
            stream.flush()  # what was printed before goes to stdout, in order
    try:
        saved: int | None = os.dup(1)
    except OSError:  # stdout closed: nothing at the descriptor level to redirect
        saved = None
    if saved is not None:
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for stream in (sys.stdout, sys.__stdout__):  # a method's output still buffered goes to stderr too
            if stream is not None:
                stream.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Undo, on the way out (a return or an exception), what a command changes in the process's
    logging: the root logger's handlers and level (:func:`main`'s ``basicConfig``) and
    :func:`logging.captureWarnings` (``evaluate``, ``report``, ``calibrate``, ``demo`` turn it on).

    A program exits after :func:`main`, so this changes nothing for the command line; a caller
    in the same process (the calibration notebook runs ``main(["train", ...])``) kept a stderr
    handler at INFO and warnings sent through logging for the rest of its session.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    showwarning = warnings.showwarning  # logging.captureWarnings(True) replaces it
    try:
        yield
    finally:
        if warnings.showwarning is not showwarning:  # captured by the command, not before it
            logging.captureWarnings(False)
            warnings.showwarning = showwarning
        for handler in list(root.handlers):  # a copy: removing from the list being walked skipped the next one
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code.

    The logging set-up it makes (a stderr handler on the root logger, its level, warnings sent
    through logging) is undone when it returns or raises, so that a caller in the same process
    (a notebook) gets its own logging back.
    """
    try:
        # building the parser imports every command module: a Ctrl-C there is an interrupt too
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        sys.stderr.write("camerabench: interrupted\n")
        return 130
    with _logging_restored():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Set up logging for the command and run it (:func:`main`)."""
    root = logging.getLogger()
    fresh = not root.handlers  # a program of its own (a caller's logging setup is left alone)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    if fresh and not args.verbose:
        for printer in root.handlers:
            printer.addFilter(_own_info)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return int(handler(args))
    except CameraBenchError as exc:
        log.error("%s", exc)
        return 1
    except KeyboardInterrupt:
        # Jobs save what they finished and log how to continue before this reaches here.
        log.error("interrupted")
        return 130
    except MemoryError as exc:  # an input too large for this machine: one line, not the allocator's traceback
        detail = f" ({exc})" if str(exc) else ""
        log.error("out of memory%s: use smaller inputs or settings, or a machine with more memory", detail)
        return 1


if __name__ == "__main__":
    sys.exit(main())
