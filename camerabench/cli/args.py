"""Argument types for numeric and path flags: bad values stop the command before any work.

Each type raises ``argparse.ArgumentTypeError``, so argparse prints the flag, the value and why,
with the usage line, and exits with status 2.

Example:
    >>> positive_float("2.5"), positive_int("3"), non_negative_int("0"), fraction("0.05")
    (2.5, 3, 0, 0.05)
    >>> positive_float("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a finite number > 0, got 'nan'
    >>> path_arg("runs/a b")
    'runs/a b'
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = [
    "MAX_SEED",
    "bounded_int",
    "fraction",
    "non_negative_int",
    "path_arg",
    "positive_float",
    "positive_int",
    "torch_seed",
]

#: The largest seed torch takes (``torch.manual_seed`` overflows above an unsigned 64-bit integer).
MAX_SEED = 2**64 - 1


def _float(text: str, why: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
    return value


def _int(text: str, why: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _float(text, "a finite number > 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1)."""
    value = _float(text, "a number in [0, 1)")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    value = _int(text, "an integer >= 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def bounded_int(highest: int) -> Callable[[str], int]:
    """An argument type for an integer in ``[1, highest]`` (a count whose memory or time grows with it).

    Example:
        >>> bounded_int(10)("10")
        10
        >>> bounded_int(10)("11")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be an integer from 1 to 10, got '11'
    """

    def parse(text: str) -> int:
        why = f"an integer from 1 to {highest}"
        value = _int(text, why)
        if not 1 <= value <= highest:
            raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
        return value

    parse.__name__ = "bounded_int"  # argparse names the type by it in its own messages
    return parse


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    value = _int(text, "an integer >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def torch_seed(text: str) -> int:
    """A seed for torch: an integer in ``[0, 2**64 - 1]`` (a larger one would stop the command after
    its set-up with torch's ``Overflow when unpacking long long`` traceback)."""
    why = f"an integer from 0 to {MAX_SEED} (2**64 - 1)"
    value = _int(text, why)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
    return value


def path_arg(text: str) -> str:
    """A file or folder path that is not empty (``--out "$UNSET"`` would otherwise mean the current
    folder) and holds no control character (a newline or tab pasted with a path would name a folder
    no one meant, printed over two lines in every message)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a path, got {text!r}")
    bad = next((c for c in text if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise argparse.ArgumentTypeError(f"must be a path without control characters, got {text!r} (holds {bad!r})")
    return text
