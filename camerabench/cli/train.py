"""``camerabench train``: fine-tune a Qwen2.5-VL checkpoint on a dataset's labels."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from camerabench.baselines.vlm.config import TrainConfig
from camerabench.cli.args import fraction, non_negative_int, positive_float, positive_int

__all__ = ["add_parser", "run"]


def _defaults() -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(TrainConfig)}


def add_parser(sub: Any) -> argparse.ArgumentParser:
    d = _defaults()
    p: argparse.ArgumentParser = sub.add_parser("train", help="fine-tune a Qwen2.5-VL checkpoint on a dataset's labels")
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
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


def run(args: argparse.Namespace) -> int:
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
