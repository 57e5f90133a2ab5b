"""``camerabench synth``: render a synthetic benchmark with exact ground truth."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from camerabench.cli.args import non_negative_int, path_arg, positive_float, positive_int
from camerabench.cli.method_flags import GivenOnce
from camerabench.errors import CameraBenchError
from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_PRESET, DEFAULT_SEED, DEFAULT_SIZE, PRESETS

__all__ = ["add_parser", "parse_size", "run"]


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


def add_parser(sub: Any) -> argparse.ArgumentParser:
    width, height = DEFAULT_SIZE
    p: argparse.ArgumentParser = sub.add_parser(
        "synth", help="generate the synthetic benchmark with exact ground truth"
    )
    p.add_argument("--out", type=path_arg, required=True, action=GivenOnce, help="dataset folder to write")
    p.add_argument(
        "--clips",
        type=positive_int,
        default=None,
        action=GivenOnce,
        help="number of clips (default: the preset's full set)",
    )
    p.add_argument("--seed", type=non_negative_int, default=DEFAULT_SEED, action=GivenOnce)
    p.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET, action=GivenOnce)
    p.add_argument("--size", default=None, action=GivenOnce, help=f"frame size WxH (default {width}x{height})")
    p.add_argument(
        "--fps", type=positive_float, default=None, action=GivenOnce, help=f"frame rate (default {DEFAULT_FPS:g})"
    )
    p.add_argument(
        "--workers", type=positive_int, default=None, action=GivenOnce, help="render processes (default: all cores)"
    )
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.synth.generate import generate_dataset

    # "is not None": an empty --size (--size "$UNSET") is refused, not read as the default size
    size = parse_size(args.size) if args.size is not None else DEFAULT_SIZE
    fps = args.fps if args.fps is not None else DEFAULT_FPS
    out = generate_dataset(
        args.out, clips=args.clips, seed=args.seed, preset=args.preset, size=size, fps=fps, workers=args.workers
    )
    sys.stdout.write(f"synthetic {args.preset} dataset written to {out}\n")
    return 0
