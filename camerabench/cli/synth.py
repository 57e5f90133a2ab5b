"""``camerabench synth``: render a synthetic benchmark with exact ground truth."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, NamedTuple

from camerabench.cli.args import MAX_SEED, bounded_int, path_arg, positive_int
from camerabench.cli.method_flags import GivenOnce
from camerabench.errors import CameraBenchError
from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_PRESET, DEFAULT_SEED, DEFAULT_SIZE, PRESETS
from camerabench.synth.specs import MAX_CLIP_FPS, MIN_CLIP_FPS

__all__ = ["MAX_CLIPS", "FrameSize", "add_parser", "fps_arg", "parse_size", "run", "seed_arg", "size_arg"]

#: Most clips: the generator's ``MAX_CLIPS`` (``camerabench.synth.generate``, not imported here: it takes
#: half a second, on every command's ``--help``; tests check the two agree).
MAX_CLIPS = 10_000


def fps_arg(text: str) -> float:
    """``--fps``: a finite number from the generator's lowest to its highest frame rate (2 frames in
    a clip at least, high-speed cameras at most), checked here so that the message names the flag and
    the range (the generator's said "(0, 240]", then refused 0.5 with "at least 1").

    Example:
        >>> fps_arg("24")
        24.0
        >>> fps_arg("0.5")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be a finite number from 1 to 240, got '0.5'
    """
    why = f"a finite number from {MIN_CLIP_FPS:g} to {MAX_CLIP_FPS:g}"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}") from None
    if not (math.isfinite(value) and MIN_CLIP_FPS <= value <= MAX_CLIP_FPS):
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
    return value


def seed_arg(text: str) -> int:
    """``--seed``: an integer from 0 to 2**64 - 1 (numpy's and torch's generators take 64 bits).

    Example:
        >>> seed_arg("-1")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be an integer from 0 to 18446744073709551615 (2**64 - 1), got '-1'
    """
    why = f"an integer from 0 to {MAX_SEED} (2**64 - 1)"
    shown = text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"  # a 5000-digit one
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {why}, got {shown!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be {why}, got {shown!r}")
    return value


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
        help="dataset folder to write (a finished dataset there made with the same options and camerabench is kept "
        "as it is, every file checked against its manifest's SHA-256: nothing to do; an interrupted generation with "
        "the same options is resumed, its finished clips kept; an earlier dataset is replaced otherwise, saying why)",
    )
    p.add_argument(
        "--clips",
        type=bounded_int(MAX_CLIPS),
        default=None,
        action=GivenOnce,
        help=f"number of clips, 1 to {MAX_CLIPS} (default: the preset's full set)",
    )
    p.add_argument(
        "--seed",
        type=seed_arg,
        default=DEFAULT_SEED,
        action=GivenOnce,
        help=f"random seed, 0 to 2**64 - 1 (default {DEFAULT_SEED})",
    )
    p.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET, action=GivenOnce)
    p.add_argument(
        "--size", type=size_arg, default=None, action=GivenOnce, help=f"frame size WxH (default {width}x{height})"
    )
    p.add_argument(
        "--fps",
        type=fps_arg,
        default=None,
        action=GivenOnce,
        help=f"frame rate, {MIN_CLIP_FPS:g} to {MAX_CLIP_FPS:g} (default {DEFAULT_FPS:g})",
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
    manifest = Path(args.out) / "manifest.json"
    before = _identity(manifest)
    out = generate_dataset(
        args.out, clips=args.clips, seed=args.seed, preset=args.preset, size=size, fps=fps, workers=args.workers
    )
    # a finished dataset kept as it was (same options and files): its manifest, written last by every
    # generation (atomically: a new file), is the same file; the line says so rather than "written"
    done = "already in" if before is not None and _identity(manifest) == before else "written to"
    # escaped (a line break, a byte that is not UTF-8) and written as stdout can take it: a path
    # it could not encode (``dé`` under PYTHONIOENCODING=ascii) ended the finished render in a traceback
    return write_output(f"synthetic {args.preset} dataset {done} {escaped_text(str(out))}\n")


def _identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, mtime in ns) of ``path``, None where there is no such file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns
