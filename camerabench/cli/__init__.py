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
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from camerabench import __version__
from camerabench.cli.args import read_negative_numbers
from camerabench.errors import CameraBenchError

__all__ = ["COMMANDS", "Terminated", "build_parser", "main", "method_output_to_stderr", "sigterm_unwinds"]

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


class Terminated(SystemExit):
    """SIGTERM arrived during a command: unwound like Ctrl-C (what the command cleans up on an
    interrupt is cleaned up), then the process exits with 128 + 15."""


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM (``kill``, a batch system's time limit) raises
    :class:`Terminated` instead of ending the process on the spot, so that every command cleans up
    as on Ctrl-C: a ``report`` killed half-way left its CSVs and plots without report.md and a
    stale lock, ``synth`` exited without saying how to continue (red team R93). The jobs runner and
    training install their own handler over this one while they run (it carries
    ``camerabench_unwinds``) and restore it after. Only in the main thread and only where SIGTERM
    has its default action (a caller's own handler is left alone)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise Terminated(128 + signum)

    terminated.camerabench_unwinds = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _StdoutError(CameraBenchError):
    """Standard output could not take the command's output (a full disk, an I/O error)."""


class _GuardedStdout:
    """``sys.stdout`` while a command runs: a write or flush that fails with an ``OSError`` other
    than a closed pipe (which :func:`~camerabench.cli.taxonomy.write_output` handles) is a
    one-line error naming standard output: ``camerabench taxonomy > /dev/full`` and ``evaluate
    --json`` onto a full disk ended in an ``OSError: [Errno 28]`` traceback (red team R93)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _failed(self, exc: OSError) -> _StdoutError:
        return _StdoutError(
            f"cannot write the command's output to standard output: {exc.strerror or exc} (what the command "
            "wrote to files is kept)"
        )

    def write(self, text: str) -> int:
        try:
            written = self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc
        return len(text) if written is None else int(written)  # some streams (a notebook's) return None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._failed(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _environment_problem(argv: Sequence[str]) -> str | None:
    """Why the command cannot run in this process's environment, before anything is done: the
    current folder deleted (a shell left in a removed folder: torch's import then died with "Intel
    oneMKL FATAL ERROR", a report with a FileNotFoundError traceback, a relative --out was called a
    link loop), or an argument holding bytes the file-system encoding cannot decode (the C or POSIX
    locale with Python's UTF-8 mode turned off, ``PYTHONUTF8=0``: a path ``données/`` became
    ``donn\udcc3\udca9es`` and run.json could not hold it, after the run folder was made)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return "the current folder no longer exists (deleted while this shell was in it): cd to an existing folder"
    encoding = sys.getfilesystemencoding()
    if encoding.replace("-", "").lower() == "utf8":
        # a name in another encoding (Latin-1) under a UTF-8 locale: the commands that can (evaluate,
        # report) read and escape it; a record that must hold it says so, naming the file
        return None
    for arg in argv:
        if any("\udc80" <= c <= "\udcff" for c in arg):
            return (
                f"the argument {arg!a} holds bytes that Python's file-system encoding here ({encoding}: the C or "
                "POSIX locale with Python's UTF-8 mode off) cannot decode: run with LC_ALL=C.UTF-8 or PYTHONUTF8=1"
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code.

    The logging set-up it makes (a stderr handler on the root logger, its level, warnings sent
    through logging) is undone when it returns or raises, so that a caller in the same process
    (a notebook) gets its own logging back.

    A standard stream closed when the program started (``camerabench ... >&-``, ``2>&-``; Python
    then has ``sys.stdout`` / ``sys.stderr`` None) is the null device: the summary line's write
    stopped finished commands with an ``AttributeError`` traceback, and the progress bar a
    ``predict`` before its first video (red team R93).
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (the process's stream)
    problem = _environment_problem(sys.argv[1:] if argv is None else argv)
    if problem is not None:
        sys.stderr.write(f"camerabench: {problem}\n")
        return 1
    # one command at a time in a process: commands share its logging set-up, sys.stdout and SIGTERM
    # handler, and two run from threads at once left the root logger changed (red team R95)
    with _ONE_AT_A_TIME, sigterm_unwinds():
        try:
            # building the parser imports every command module: a Ctrl-C (or SIGTERM) there stops it too
            args = build_parser().parse_args(argv)
        except KeyboardInterrupt:
            sys.stderr.write("camerabench: interrupted\n")
            return 130
        except Terminated:
            sys.stderr.write("camerabench: terminated (SIGTERM)\n")
            return 143
        with _logging_restored():
            return _run(args)


#: Held while a command runs (:func:`main`).
_ONE_AT_A_TIME = threading.RLock()


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
    stdout = sys.stdout
    sys.stdout = _GuardedStdout(stdout)
    try:
        with sigterm_unwinds():  # a no-op under main's (kept for callers of _run)
            code = int(handler(args))
        try:
            sys.stdout.flush()  # a full disk under a redirected stdout fails here, not at exit
        except BrokenPipeError:  # the reader is gone (``| head``): what it did not read it did not want
            _output_to_null(stdout)
        return code
    except Terminated:
        log.error("terminated (SIGTERM)")
        return 143
    except _StdoutError as exc:
        log.error("%s", exc)
        _output_to_null(stdout)
        return 1
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
    finally:
        if isinstance(sys.stdout, _GuardedStdout):
            sys.stdout = stdout


def _output_to_null(stream: Any) -> None:
    """Point ``stream``'s descriptor at the null device after it failed, so that what is still
    buffered is dropped at exit, not reported again as "Exception ignored ... OSError"."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # no descriptor (a caller's stream): nothing to point elsewhere
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
