"""``camerabench taxonomy [--json]``: the primitives, their questions and definitions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["PIPE_CLOSED", "add_parser", "run", "write_output"]

#: The exit status of a command whose reader closed its output early (``camerabench taxonomy |
#: head -3``): 128 + SIGPIPE, the status of a shell tool the closed pipe ends (``seq 1e6 | head``).
PIPE_CLOSED = 141


def write_output(text: str) -> int:
    """Write ``text`` to stdout and flush it; return 0, or :data:`PIPE_CLOSED` when the reader is
    gone (``| head``), without a traceback.

    Text stdout cannot encode (a path with ``é`` under ``PYTHONIOENCODING=ascii``, a byte that is
    not UTF-8 on a strict UTF-8 stdout) is written backslash-escaped (``d\\xe9mo``), as the log
    lines show it: it stopped a finished command with a ``UnicodeEncodeError`` traceback.

    A closed pipe stopped ``camerabench taxonomy | head -3`` with a ``BrokenPipeError`` traceback
    (and Python's "Exception ignored ... BrokenPipeError" at exit). What was not written is what
    the reader did not want; stdout is pointed at the null device, so that nothing else tries.
    """
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding, getattr(stream, "errors", None) or "strict")
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        try:
            fd = stream.fileno()
        except (OSError, ValueError):  # a stream without a descriptor (a caller's): nothing to point elsewhere
            return PIPE_CLOSED
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)  # what is still buffered goes nowhere at exit, not into a second traceback
        os.close(devnull)
        return PIPE_CLOSED
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser("taxonomy", help="list the primitives, their questions and definitions")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.taxonomy import Primitive

    rows = [
        {
            "name": p.value,
            "task": p.task,
            "question": p.question,
            "definition": p.definition,
            "file": f"binary_classification/{p.file}",
            "label_name": p.label_name,
            "opposite": p.opposite.value if p.opposite else None,
            "confusable": [c.value for c in p.confusable],
            "caption_phrase": p.caption_phrase,
        }
        for p in Primitive
    ]
    if args.json:
        return write_output(json.dumps(rows, indent=2) + "\n")
    width = max(len(r["name"]) for r in rows)
    lines = [f"{r['name']:<{width}}  {r['question']}\n" for r in rows]
    return write_output("".join(lines) + f"{len(rows)} binary primitives\n")
