"""``camerabench synth``: the command-line handler."""

from __future__ import annotations

import argparse
import logging

from camerabench.errors import CameraBenchError
from camerabench.synth.generate import generate_dataset

__all__ = ["parse_size", "synth_command"]

log = logging.getLogger(__name__)

DEFAULT_SIZE = (320, 192)
DEFAULT_FPS = 10.0


def parse_size(text: str) -> tuple[int, int]:
    """``"320x192"`` -> ``(320, 192)``.

    Example:
        >>> parse_size("320x192")
        (320, 192)
    """
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise CameraBenchError(f"--size must look like WIDTHxHEIGHT (e.g. 320x192), got {text!r}")
    return int(parts[0]), int(parts[1])


def synth_command(args: argparse.Namespace) -> int:
    """Write a synthetic dataset folder; see ``camerabench synth --help``."""
    size = parse_size(args.size) if args.size else DEFAULT_SIZE
    fps = args.fps if args.fps is not None else DEFAULT_FPS
    out = generate_dataset(
        args.out, clips=args.clips, seed=args.seed, preset=args.preset, size=size, fps=fps, workers=args.workers
    )
    log.info("synthetic %s dataset written to %s", args.preset, out)
    return 0
