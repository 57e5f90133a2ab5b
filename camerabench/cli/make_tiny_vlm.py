"""``camerabench make-tiny-vlm``: a tiny random Qwen2.5-VL or Qwen3-VL checkpoint for smoke tests."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from camerabench.baselines.vlm.arch import ARCHS
from camerabench.cli.args import path_arg, torch_seed
from camerabench.cli.method_flags import GivenOnce

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "make-tiny-vlm", help="write a tiny random Qwen2.5-VL or Qwen3-VL checkpoint for smoke tests"
    )
    p.add_argument("--out", type=path_arg, required=True, action=GivenOnce)
    p.add_argument("--seed", type=torch_seed, default=0, action=GivenOnce)
    p.add_argument(
        "--arch",
        choices=[a.name for a in ARCHS.values()],
        default="qwen2.5-vl",
        action=GivenOnce,
        help="model generation (default qwen2.5-vl)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace what --out holds (refused otherwise unless it is empty or a tiny checkpoint make-tiny-vlm "
        "wrote: a trained or downloaded model there would be lost)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from camerabench.baselines.vlm.checkpoint import check_tiny_out
    from camerabench.baselines.vlm.tiny import make_tiny_vlm
    from camerabench.fileio import make_folder

    make_folder(Path(args.out).parent)  # a file in the way: one line naming it, not a raw OSError
    check_tiny_out(args.out, overwrite=args.overwrite)  # a trained or downloaded model is not replaced silently
    out = make_tiny_vlm(args.out, seed=args.seed, arch=args.arch)
    sys.stdout.write(f"wrote a tiny random {args.arch} checkpoint to {out}\n")
    return 0
