"""``camerabench train``: fine-tune a Qwen2.5-VL checkpoint, or fit a fusion model, on a dataset's labels.

``--method qwen-vl`` (the default) fine-tunes ``--model`` into ``--out``; ``--method fusion``
fits the per-primitive stacks over the outputs of ``--inputs`` in ``--run`` into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from camerabench.baselines.vlm.config import TrainConfig
from camerabench.cli.args import fraction, non_negative_int, positive_float, positive_int
from camerabench.errors import CameraBenchError

__all__ = ["TRAINABLE", "add_parser", "run"]

#: Methods ``train`` can train.
TRAINABLE: tuple[str, ...] = ("qwen-vl", "fusion")


def _defaults() -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    d = _defaults()
    p: argparse.ArgumentParser = sub.add_parser(
        "train", help="fine-tune a Qwen2.5-VL checkpoint, or fit a fusion model, on a dataset's labels"
    )
    p.add_argument("--method", choices=TRAINABLE, default=TRAINABLE[0], help="what to train (default qwen-vl)")
    p.add_argument("--data", required=True)
    p.add_argument("--model", default=None, help="checkpoint to fine-tune (qwen-vl)")
    p.add_argument("--out", required=True)
    p.add_argument("--run", default=None, help="run folder holding the inputs' method folders (fusion)")
    p.add_argument("--inputs", default=None, help="comma-separated input methods, e.g. fast,colmap (fusion)")
    p.add_argument("--folds", type=positive_int, default=5, help="video-level cross-fitting folds (fusion)")
    p.add_argument("--lora", action="store_true")
    p.add_argument("--epochs", type=positive_float, default=d["epochs"])
    p.add_argument("--lr", type=positive_float, default=d["lr"])
    p.add_argument("--warmup", type=fraction, default=d["warmup"])
    p.add_argument("--batch-size", type=positive_int, default=d["batch_size"])
    p.add_argument("--grad-accum", type=positive_int, default=d["grad_accum"])
    p.add_argument("--sample-fps", type=positive_float, default=d["sample_fps"])
    p.add_argument("--max-side", type=positive_int, default=d["max_side"])
    p.add_argument("--train-vision", action="store_true", help="also train the vision tower and merger")
    p.add_argument("--no-captions", action="store_true", help="leave caption examples out of the mixture")
    p.add_argument("--seed", type=non_negative_int, default=d["seed"])
    p.add_argument("--device", default=d["device"])
    p.add_argument("--dtype", default=d["dtype"])
    return p


def _run_fusion(args: argparse.Namespace) -> int:
    from camerabench.baselines.fusion import train_fusion

    if not args.run or not args.inputs:
        raise CameraBenchError("train --method fusion needs --run RUN and --inputs A,B")
    inputs = [x.strip() for x in args.inputs.split(",") if x.strip()]
    result = train_fusion(args.data, args.run, inputs, args.out, n_splits=args.folds)
    n = len(result.model.primitives)
    sys.stdout.write(
        f"trained fusion of {', '.join(inputs)} on {n} primitives ({len(result.model.video_folds)} videos, "
        f"{len(set(result.model.video_folds.values()))} folds) -> {result.path}\n"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    if args.method == "fusion":
        return _run_fusion(args)
    if not args.model:
        raise CameraBenchError("train --method qwen-vl needs --model PATH")
    from camerabench.baselines.vlm.train import train

    config = TrainConfig(
        epochs=args.epochs,
        lr=args.lr,
        warmup=args.warmup,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        sample_fps=args.sample_fps,
        max_side=args.max_side,
        lora=args.lora,
        train_vision=args.train_vision,
        captions=not args.no_captions,
        seed=args.seed,
        device=args.device,
        dtype=args.dtype,
    )
    result = train(args.data, args.model, args.out, config)
    first, last = result.epoch_losses[0], result.epoch_losses[-1]
    sys.stdout.write(
        f"trained {result.steps} steps on {result.num_examples} examples: loss {first:.4f} -> {last:.4f}; "
        f"checkpoint {result.out_dir}\n"
    )
    return 0
