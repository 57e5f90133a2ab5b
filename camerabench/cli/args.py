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
import re
from collections.abc import Callable

__all__ = [
    "MAX_SEED",
    "NEGATIVE_NUMBER",
    "bounded_int",
    "float_within",
    "fraction",
    "non_negative_int",
    "path_arg",
    "positive_float",
    "positive_int",
    "read_negative_numbers",
    "torch_seed",
]

_DIGITS = r"\d(?:_?\d)*"  # what float and int read as digits: 1_000 too, never 1__0 or _1

#: What the command line reads as a negative number, not a flag, after a flag that takes a value:
#: every form ``float`` reads (``-1e-5``, ``-1E5``, ``-.5``, ``-1_000``, ``-inf``, ``-nan``).
#: argparse's own pattern (``-1``, ``-0.5`` only, before Python 3.13) took ``--fps -1e-3`` for
#: ``--fps`` without its value: "expected one argument" instead of the value's own refusal ("must be
#: a finite number > 0"). Any other text that starts with a dash and a digit (``--size -320x192``,
#: ``-1e``) is a value too, refused by the flag's own type: no flag of ours starts so
#: (:func:`read_negative_numbers` refuses one), and argparse's "expected one argument" named neither
#: the value nor what is wrong with it (red team R84). Every command's parser reads it
#: (:func:`read_negative_numbers`).
NEGATIVE_NUMBER = re.compile(
    rf"^-(?:{_DIGITS}\.?(?:{_DIGITS})?|\.{_DIGITS})(?:[eE][-+]?{_DIGITS})?$|^-(?:inf|infinity|nan)$|^-\.?\d",
    re.IGNORECASE,
)

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


def float_within(low_open: float, high: float) -> Callable[[str], float]:
    """An argument type for a finite number in ``(low_open, high]``.

    Example:
        >>> float_within(0, 1000)("8")
        8.0
        >>> float_within(0, 1000)("1e9")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be a finite number > 0 and <= 1000, got '1e9'
    """

    def parse(text: str) -> float:
        why = f"a finite number > {low_open:g} and <= {high:g}"
        value = _float(text, why)
        if not low_open < value <= high:
            raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
        return value

    parse.__name__ = "float_within"  # argparse names the type by it in its own messages
    return parse


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


def read_negative_numbers(parser: argparse.ArgumentParser) -> None:
    """Make ``parser`` read every :data:`NEGATIVE_NUMBER` as a value, not a flag (call it once its
    flags are added).

    Raises:
        ValueError: ``parser`` has a flag that looks like a negative number (``-1``): it would be
            taken for a value, or a value for it.

    Example:
        >>> p = argparse.ArgumentParser()
        >>> _ = p.add_argument("--shift", type=float)
        >>> read_negative_numbers(p)
        >>> p.parse_args(["--shift", "-1e-5"]).shift  # argparse alone: "expected one argument"
        -1e-05
    """
    shadowed = [s for a in parser._actions for s in a.option_strings if NEGATIVE_NUMBER.match(s)]
    if shadowed:
        raise ValueError(f"{parser.prog}: flag {shadowed[0]} looks like a negative number")
    parser._negative_number_matcher = NEGATIVE_NUMBER  # read when the command line is parsed


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
