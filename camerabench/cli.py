"""The ``camerabench`` command line (design.md A2 is the contract).

Each subcommand is a thin layer over a plain Python function; handlers are imported lazily
so ``camerabench --help`` is fast. Known errors (:class:`CameraBenchError`) become a one-line
message and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from camerabench import __version__
from camerabench.errors import CameraBenchError
from camerabench.lazy import import_attr

__all__ = ["build_parser", "main", "method_options"]

log = logging.getLogger("camerabench")

# command -> "module:function"; the function takes the parsed Namespace and returns an exit code.
HANDLERS: dict[str, str] = {
    "taxonomy": "camerabench.cli:taxonomy_command",
    "synth": "camerabench.synth.command:synth_command",
    "predict": "camerabench.runner:predict_command",
    "caption": "camerabench.runner:caption_command",
    "evaluate": "camerabench.eval.command:evaluate_command",
    "report": "camerabench.eval.command:report_command",
    "train": "camerabench.baselines.vlm.train:train_command",
    "make-tiny-vlm": "camerabench.baselines.vlm.tiny:make_tiny_command",
    "demo": "camerabench.demo:demo_command",
}

# Method options shared by predict and caption: (flag, type, help). Unset ones are not passed.
_METHOD_OPTIONS: list[tuple[str, Callable[[str], object] | None, str]] = [
    ("--model", str, "local checkpoint directory (qwen-vl)"),
    ("--scorer", str, "trajectory -> score mapping: 'default' (integrated motion) or 'camerabench' (published)"),
    ("--traj-dir", str, "folder of trajectory files (trajectory method)"),
    ("--format", str, "trajectory file format: megasam, poses, tum, kitti, colmap (trajectory method)"),
    ("--sample-fps", float, "frames per second sampled from each video"),
    ("--max-side", int, "resize frames so the longer side is at most this many pixels"),
    ("--device", str, "torch device for model methods (cpu, cuda, cuda:1)"),
    ("--dtype", str, "model dtype: bfloat16 or float32"),
    ("--batch-size", int, "questions scored per forward pass (qwen-vl)"),
    ("--max-pixels", int, "pixel budget per video frame (qwen-vl; default 360*420)"),
    ("--min-pixels", int, "minimum pixels per video frame (qwen-vl)"),
    ("--max-new-tokens", int, "longest caption in tokens (qwen-vl)"),
    ("--deterministic", None, "single-threaded, bit-reproducible mode (colmap)"),
]


def method_options(args: argparse.Namespace) -> dict[str, object]:
    """The method options the user set, keyed by their Python names."""
    out: dict[str, object] = {}
    for flag, _, _ in _METHOD_OPTIONS:
        key = flag.lstrip("-").replace("-", "_")
        value = getattr(args, key, None)
        if value not in (None, False):
            out[key] = value
    return out


def _add_method_options(p: argparse.ArgumentParser) -> None:
    for flag, typ, help_ in _METHOD_OPTIONS:
        if typ is None:
            p.add_argument(flag, action="store_true", help=help_)
        else:
            p.add_argument(flag, type=typ, help=help_)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="camerabench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"camerabench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("taxonomy", help="list the primitives, their questions and definitions")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("synth", help="generate the synthetic benchmark with exact ground truth")
    p.add_argument("--out", required=True, help="dataset folder to write")
    p.add_argument("--clips", type=int, default=None, help="number of clips (default: the preset's full set)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preset", choices=["standard", "hard"], default="standard")
    p.add_argument("--size", default=None, help="frame size WxH (default 320x192)")
    p.add_argument("--fps", type=float, default=None, help="frame rate (default 10)")
    p.add_argument("--workers", type=int, default=None, help="render processes (default: all cores)")

    p = sub.add_parser("predict", help="score every labelled question of a dataset with one method")
    p.add_argument("--data", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--out", required=True, help="run folder; results go to OUT/<method>/")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="skip videos already recorded")
    _add_method_options(p)

    p = sub.add_parser("evaluate", help="metrics for every method in a run folder")
    p.add_argument("--data", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--failed", choices=["lowest", "drop"], default="lowest", help="how failed samples are scored")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for confidence intervals")

    p = sub.add_parser("report", help="write report.md / report.html with tables and plots")
    p.add_argument("--data", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--failed", choices=["lowest", "drop"], default="lowest")
    p.add_argument("--bootstrap", type=int, default=1000)

    p = sub.add_parser("caption", help="caption every video with one method")
    p.add_argument("--data", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", choices=["whole", "diffsw"], default="whole")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--resume", action="store_true")
    _add_method_options(p)

    p = sub.add_parser("train", help="fine-tune a Qwen2.5-VL checkpoint on a dataset's labels")
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--lora", action="store_true")
    p.add_argument("--epochs", type=float, default=6)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--warmup", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--sample-fps", type=float, default=8.0)
    p.add_argument("--max-side", type=int, default=None)
    p.add_argument("--train-vision", action="store_true", help="also train the vision tower and merger")
    p.add_argument("--no-captions", action="store_true", help="leave caption examples out of the mixture")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None)
    p.add_argument("--dtype", default=None)

    p = sub.add_parser("make-tiny-vlm", help="write a tiny random Qwen2.5-VL checkpoint for smoke tests")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("demo", help="the main job: synthesise, predict, evaluate and report")
    p.add_argument("--out", default="demo_out")
    p.add_argument("--clips", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    return parser


def taxonomy_command(args: argparse.Namespace) -> int:
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
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            sys.stdout.write(f"{r['name']:<{width}}  {r['question']}\n")
        sys.stdout.write(f"{len(rows)} binary primitives\n")
    return 0


def _resolve(command: str) -> Callable[[argparse.Namespace], int]:
    func: Callable[[argparse.Namespace], int] = import_attr(HANDLERS[command], f"'camerabench {command}'")
    return func


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(_resolve(args.command)(args))
    except CameraBenchError as exc:
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
