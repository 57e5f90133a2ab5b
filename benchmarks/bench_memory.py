"""Peak memory of ``camerabench predict --method fast`` against clip length.

Writes one 1080p clip per length (a cheap synthetic pan: a smooth random texture sliding
sideways, encoded with :func:`camerabench.video.write_video`), then runs ``predict --method fast``
on each in a fresh process and prints that process's peak resident set size
(``resource.getrusage``). Decoding streams and keeps only the sampled frames, so the peak should
stay well under 1 GB and grow only with the sampled frames (``sample_fps`` x duration at
``max_side``), not with the decoded ones.

Usage:
    python benchmarks/bench_memory.py [--lengths 5 60] [--fps 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from camerabench.video import write_video

WIDTH, HEIGHT = 1920, 1080
SHIFT_PX = 2  # texture slide per frame

_CHILD = """
import resource, sys
from camerabench.cli import main
code = main(["predict", "--data", sys.argv[1], "--method", "fast", "--out", sys.argv[2]])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(code)
"""


def pan_frames(num_frames: int, seed: int = 0) -> np.ndarray:
    """(N, 1080, 1920, 3) frames as a strided view of one wide texture (no per-frame copies)."""
    import cv2

    rng = np.random.default_rng(seed)
    width = WIDTH + SHIFT_PX * num_frames
    coarse = rng.integers(0, 256, (HEIGHT // 6, width // 6 + 1, 3), dtype=np.uint8)
    texture = np.ascontiguousarray(cv2.resize(coarse, (width, HEIGHT), interpolation=cv2.INTER_CUBIC))
    s0, s1, s2 = texture.strides
    return np.lib.stride_tricks.as_strided(
        texture, shape=(num_frames, HEIGHT, WIDTH, 3), strides=(SHIFT_PX * s1, s0, s1, s2), writeable=False
    )


def make_dataset(root: Path, seconds: float, fps: float) -> Path:
    """A dataset folder holding one clip of ``seconds`` (reused when already there)."""
    video = root / "videos" / f"pan_{seconds:g}s.mp4"
    if not video.is_file():
        video.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        write_video(video, pan_frames(round(seconds * fps)), fps=fps, crf=23, preset="ultrafast")
        print(f"wrote {video} ({video.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return root


def peak_rss_mb(data: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time (s) of ``predict --method fast`` on ``data`` in a new process."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(data), str(out)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"predict failed on {data}:\n{proc.stderr}")
    kib = int(proc.stdout.strip().splitlines()[-1])  # Linux reports ru_maxrss in KiB
    return kib / 1024, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=float, nargs="+", default=[5.0, 60.0], help="clip lengths in seconds")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of the clips")
    parser.add_argument("--out", type=Path, default=None, help="keep the clips here (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="camerabench-bench-memory-") as tmp:
        root = args.out or Path(tmp)
        for seconds in args.lengths:
            data = make_dataset(root / f"data_{seconds:g}s", seconds, args.fps)
            run = Path(tmp) / f"run_{seconds:g}s"
            rss, wall = peak_rss_mb(data, run)
            frames = round(seconds * args.fps)
            print(
                f"{seconds:g} s clip ({frames} frames, {WIDTH}x{HEIGHT} @ {args.fps:g} fps): "
                f"predict --method fast peak RSS {rss:.0f} MB, {wall:.1f} s"
            )


if __name__ == "__main__":
    main()
