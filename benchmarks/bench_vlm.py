"""Questions per second for Qwen2.5-VL VQAScore: naive (one full pass per question) vs prefix-cached.

Runs on the tiny random checkpoint (``camerabench make-tiny-vlm``) on CPU. Speed does not depend
on the weights, only on the architecture and the number of tokens, so the tiny model measures
the *relative* gain of prefix reuse; the absolute speed of the 7B architecture needs a GPU.

Usage:
    python benchmarks/bench_vlm.py [--repeats 3] [--large-frames 80] [--device cpu] [--dtype float32]
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
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.tiny import make_tiny_vlm
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


def timed(fn: Callable[[], None], repeats: int) -> float:
    """Median wall time of ``repeats`` calls (the machine may be shared: the median resists outliers)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-frames", type=int, default=80, help="frames of the large clip (8 fps)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, {args.dtype}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        vl = load_qwen_vl(make_tiny_vlm(tmp / "tiny"), device=args.device, dtype=args.dtype)
        cases = {
            "8 frames 64x48": clip(tmp / "small.mp4", 8, 64, 48),
            f"{args.large_frames} frames 320x192": clip(tmp / "large.mp4", args.large_frames, 320, 192),
        }
        print(f"{len(QUESTIONS)} questions per video; median of {args.repeats} runs; includes encoding the video")
        header = "".join(f"{f'cached b={b} q/s':>18}" for b in BATCHES)
        print(f"{'video':<36}{'tokens':>8}{'naive q/s':>12}{header}")
        for label, path in cases.items():
            video = qwen.encode_video(vl, path)
            tokens = len(vl.encode([video, qwen.vqa_prompt(QUESTIONS[0])]))

            def naive(path: Path = path) -> None:
                v = qwen.encode_video(vl, path)
                for q in QUESTIONS:
                    qwen.yes_probability_naive(vl, v, q)

            row = f"{label:<36}{tokens:>8}{len(QUESTIONS) / timed(naive, args.repeats):>12.1f}"
            for batch in BATCHES:

                def cached(path: Path = path, batch: int = batch) -> None:
                    v = qwen.encode_video(vl, path)
                    qwen.yes_probabilities(vl, v, QUESTIONS, batch_size=batch)

                row += f"{len(QUESTIONS) / timed(cached, args.repeats):>18.1f}"
            print(row)


if __name__ == "__main__":
    main()
