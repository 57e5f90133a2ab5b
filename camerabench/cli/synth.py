"""``camerabench synth``: render a synthetic benchmark with exact ground truth."""

from __future__ import annotations

import argparse
from typing import Any, NamedTuple

from camerabench.cli.args import non_negative_int, path_arg, positive_float, positive_int
from camerabench.cli.method_flags import GivenOnce
from camerabench.errors import CameraBenchError
from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_PRESET, DEFAULT_SEED, DEFAULT_SIZE, PRESETS

__all__ = ["FrameSize", "add_parser", "parse_size", "run", "size_arg"]


def parse_size(text: str) -> tuple[int, int]:
    """``"320x192"`` -> ``(320, 192)``.

    Digits are ASCII only: ``str.isdigit`` also takes ``"²"``, which ``int`` then refuses with a
    traceback.

    Example:
        >>> parse_size("320x192")
        (320, 192)
        >>> parse_size("²x²")
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: --size must look like WIDTHxHEIGHT (e.g. 320x192), got '²x²'
    """
    parts = [p.strip() for p in text.lower().split("x")]
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise CameraBenchError(f"--size must look like WIDTHxHEIGHT (e.g. 320x192), got {text!r}")
    if any(len(p.lstrip("0")) > _MAX_SIZE_DIGITS for p in parts):
        # (a 5000-digit side ended in a ValueError traceback: Python turns no text that long into an integer)
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} characters)"
        raise CameraBenchError(f"--size {shown}: a side of more than {_MAX_SIZE_DIGITS} digits is no frame size")
    return int(parts[0]), int(parts[1])


#: most digits of a --size side read as a number (the generator refuses sides over 4096 pixels)
_MAX_SIZE_DIGITS = 9


class FrameSize(NamedTuple):
    """A parsed ``--size``: compares as ``(width, height)`` and shows as ``'WIDTHxHEIGHT'`` (in
    "given twice, as '64x48' and as '320x192'")."""

    width: int
    height: int

    def __repr__(self) -> str:
        return repr(f"{self.width}x{self.height}")


def size_arg(text: str) -> FrameSize | str:
    """The ``--size`` argument type: the parsed size, so that ``64x48`` and ``64X48`` given twice
    are the same value; text that is no size stays text, refused by :func:`run` with
    :func:`parse_size`'s one-line error (exit status 1, as before) rather than argparse's usage.

    Example:
        >>> size_arg(" 64 X 48 ") == size_arg("64x48") == (64, 48)
        True
        >>> size_arg("64by48")
        '64by48'
    """
    try:
        return FrameSize(*parse_size(text))
    except CameraBenchError:
        return text  # parsed again, and refused, by run()


def add_parser(sub: Any) -> argparse.ArgumentParser:
    width, height = DEFAULT_SIZE
    p: argparse.ArgumentParser = sub.add_parser(
        "synth", help="generate the synthetic benchmark with exact ground truth"
    )
    p.add_argument(
        "--out",
        type=path_arg,
        required=True,
        action=GivenOnce,
        help="dataset folder to write (an interrupted generation there is resumed when the options are the same: "
        "its finished clips are kept; an earlier dataset is replaced otherwise)",
    )
    p.add_argument(
        "--clips",
        type=positive_int,
        default=None,
        action=GivenOnce,
        help="number of clips (default: the preset's full set)",
    )
    p.add_argument("--seed", type=non_negative_int, default=DEFAULT_SEED, action=GivenOnce)
    p.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET, action=GivenOnce)
    p.add_argument(
        "--size", type=size_arg, default=None, action=GivenOnce, help=f"frame size WxH (default {width}x{height})"
    )
    p.add_argument(
        "--fps", type=positive_float, default=None, action=GivenOnce, help=f"frame rate (default {DEFAULT_FPS:g})"
    )
    p.add_argument(
        "--workers", type=positive_int, default=None, action=GivenOnce, help="render processes (default: all cores)"
    )
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.cli.taxonomy import write_output
    from camerabench.eval.results import escaped_text
    from camerabench.synth.generate import generate_dataset

    # only an absent --size is the default: an empty one (--size "$UNSET") is text, refused below
    size = args.size
    if size is None:
        size = DEFAULT_SIZE
    elif isinstance(size, str):  # text size_arg could not read (or a caller's own namespace): refused here
        size = parse_size(size)
    fps = args.fps if args.fps is not None else DEFAULT_FPS
    out = generate_dataset(
        args.out, clips=args.clips, seed=args.seed, preset=args.preset, size=size, fps=fps, workers=args.workers
    )
    # escaped (a line break, a byte that is not UTF-8) and written as stdout can take it: a path
    # it could not encode (``dé`` under PYTHONIOENCODING=ascii) ended the finished render in a traceback
    return write_output(f"synthetic {args.preset} dataset written to {escaped_text(str(out))}\n")
