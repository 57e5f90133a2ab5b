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

__all__ = ["fraction", "non_negative_int", "path_arg", "positive_float", "positive_int"]


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


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    value = _int(text, "an integer >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def path_arg(text: str) -> str:
    """A file or folder path that is not empty (``--out "$UNSET"`` would otherwise mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a path, got {text!r}")
    return text
