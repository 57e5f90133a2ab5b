"""Questions per second for Qwen2.5-VL VQAScore: naive (one full pass per question) vs prefix-cached.

By default it runs the tiny random checkpoint (``camerabench make-tiny-vlm``) on CPU. Speed does
not depend on the weights, only on the architecture and the number of tokens, so ``--arch 7b``
builds a randomly initialised model with the full Qwen2.5-VL-7B architecture (meant for a GPU in
bfloat16; ``--text-layers``/``--vision-depth`` shrink it for a smoke run) with the tiny
checkpoint's tokenizer and processor settings.

Usage:
    python benchmarks/bench_vlm.py [--repeats 3] [--large-frames 80] [--threads N] [--device cpu] [--dtype float32]
    python benchmarks/bench_vlm.py --arch 7b --device cuda --dtype bfloat16 [--text-layers 28] [--vision-depth 32]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, load_qwen_vl, resolve_device, resolve_dtype
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError
from camerabench.taxonomy import Primitive
from camerabench.video import write_video

# The 15 binary questions plus paired-VQA style questions: ~30 questions per video, as in CameraBench.
QUESTIONS = [p.question for p in Primitive] + [
    f"Does the camera {p.caption_phrase} while the subject stays in the centre of the frame?" for p in Primitive
]
BATCHES = (1, 8, 32)


def clip(path: Path, frames: int, width: int, height: int) -> Path:
    rng = np.random.default_rng(0)
    tex = rng.integers(0, 256, (height // 8, (width + 4 * frames) // 8 + 1, 3)).astype(np.uint8)
    tex = np.kron(tex, np.ones((8, 8, 1), dtype=np.uint8))
    write_video(path, np.stack([tex[:height, 4 * i : 4 * i + width] for i in range(frames)]), fps=8)
    return path


def random_7b(vl: QwenVL, text_layers: int, vision_depth: int) -> None:
    """Replace ``vl.model`` by a randomly initialised Qwen2.5-VL-7B (same device and dtype)."""
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    tiny = vl.model.config
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": 152064,
            "hidden_size": 3584,
            "intermediate_size": 18944,
            "num_hidden_layers": text_layers,
            "num_attention_heads": 28,
            "num_key_value_heads": 4,
            "max_position_embeddings": 128000,
            "rms_norm_eps": 1e-6,
            "rope_parameters": {"rope_type": "default", "rope_theta": 1_000_000.0, "mrope_section": [16, 24, 24]},
        },
        vision_config={
            "depth": vision_depth,
            "hidden_size": 1280,
            "intermediate_size": 3420,
            "num_heads": 16,
            "out_hidden_size": 3584,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "tokens_per_second": 2,
            "window_size": 112,
            "fullatt_block_indexes": [i for i in (7, 15, 23, 31) if i < vision_depth],
        },
        image_token_id=tiny.image_token_id,
        video_token_id=tiny.video_token_id,
        vision_start_token_id=tiny.vision_start_token_id,
        vision_end_token_id=tiny.vision_end_token_id,
    )
    device, dtype = vl.device, vl.dtype
    with torch.device(device):
        model = Qwen2_5_VLForConditionalGeneration._from_config(config, dtype=dtype)
    vl.model = model.eval()
    print(
        f"random Qwen2.5-VL-7B architecture: {text_layers} text layers, vision depth {vision_depth}, "
        f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters"
    )


def measure(methods: dict[str, Callable[[], None]], repeats: int) -> dict[str, tuple[float, float]]:
    """Median wall seconds and median process CPU seconds per call of each method.

    Repeats are interleaved (A B C, A B C, ...) so that load from other processes on a shared
    machine hits every method alike; CPU time (all threads of this process) is the steadier
    figure when the machine is busy.
    """
    wall: dict[str, list[float]] = {name: [] for name in methods}
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return {name: (float(np.median(wall[name])), float(np.median(cpu[name]))) for name in methods}


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = low - 1
        if n < low:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {low}, got {text!r}")
        return n

    parse.__name__ = f"whole number >= {low}"
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docstring's usage lines name every flag)."""
    parser = argparse.ArgumentParser(prog="bench_vlm.py", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=_at_least(1), default=3)
    parser.add_argument("--large-frames", type=_at_least(1), default=80, help="frames of the large clip (8 fps)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--arch", choices=["tiny", "7b"], default="tiny")
    parser.add_argument(
        "--text-layers", type=_at_least(1), default=None, help="7b: decoder layers (default 28, as in the real model)"
    )
    parser.add_argument(
        "--vision-depth", type=_at_least(1), default=None, help="7b: vision blocks (default 32, as in the real model)"
    )
    parser.add_argument("--threads", type=_at_least(1), default=None, help="torch intra-op threads (default: torch's)")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.arch != "7b":
        shrink = [
            flag
            for flag, value in (("--text-layers", args.text_layers), ("--vision-depth", args.vision_depth))
            if value is not None
        ]
        if shrink:
            parser.error(f"{' and '.join(shrink)} shape the random 7b model: without --arch 7b they do nothing")
    text_layers = 28 if args.text_layers is None else args.text_layers
    vision_depth = 32 if args.vision_depth is None else args.vision_depth
    try:  # one line, before the tiny checkpoint is written (was a traceback from the model's load)
        resolve_dtype(args.dtype, resolve_device(args.device))
    except CameraBenchError as exc:
        raise SystemExit(f"bench_vlm.py: {exc}") from None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, {args.dtype}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        vl = load_qwen_vl(make_tiny_vlm(tmp / "tiny"), device=args.device, dtype=args.dtype)
        if args.arch == "7b":
            random_7b(vl, text_layers, vision_depth)
        cases = {
            "8 frames 64x48": clip(tmp / "small.mp4", 8, 64, 48),
            f"{args.large_frames} frames 320x192": clip(tmp / "large.mp4", args.large_frames, 320, 192),
        }
        n = len(QUESTIONS)
        print(f"{n} questions per video, video encoding included; median of {args.repeats} interleaved runs")
        print("questions/s by wall time (questions per CPU-second in brackets)")
        names = ["naive", *(f"cached b={b}" for b in BATCHES)]
        print(f"{'video':<24}{'tokens':>8}" + "".join(f"{name:>20}" for name in names))
        for label, path in cases.items():
            video = qwen.encode_video(vl, path)
            tokens = len(vl.encode([video, qwen.vqa_prompt(QUESTIONS[0])]))

            def naive(path: Path = path) -> None:
                v = qwen.encode_video(vl, path)
                for q in QUESTIONS:
                    qwen.yes_probability_naive(vl, v, q)

            methods: dict[str, Callable[[], None]] = {"naive": naive}
            for batch in BATCHES:

                def cached(path: Path = path, batch: int = batch) -> None:
                    v = qwen.encode_video(vl, path)
                    qwen.yes_probabilities(vl, v, QUESTIONS, batch_size=batch)

                methods[f"cached b={batch}"] = cached
            results = measure(methods, args.repeats)
            cells = "".join(f"{f'{n / w:.1f} ({n / c:.1f})':>20}" for w, c in (results[name] for name in names))
            print(f"{label:<24}{tokens:>8}{cells}")


if __name__ == "__main__":
    main()
