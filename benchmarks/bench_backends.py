"""Videos per second of ``predict --method fast`` on the local and the Ray backend, on this machine.

Renders a small synthetic standard set, then runs ``fast`` on it:

- local, in this process (``--workers 1``);
- local, ``--workers N`` processes;
- Ray, a local instance with N CPUs, one task per video (the instance's start-up is timed
  apart: a cluster is started once and runs many jobs, so it is not part of the rate).

Each rate is videos / wall-clock seconds of the ``run_predict`` call (set-up of the method and
worker processes included), the best of ``--repeats``. It also checks that the Ray backend's
``scores.jsonl`` is byte-identical to the local one.

Usage:
    python benchmarks/bench_backends.py [--clips 12] [--workers 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from camerabench.jobs.runner import run_predict
from camerabench.synth import generate_dataset


def timed_run(data: Path, out: Path, repeats: int, **kwargs: object) -> tuple[float, bytes]:
    """Best wall-clock seconds of ``repeats`` fresh runs, and the scores file of the last."""
    best = float("inf")
    for i in range(repeats):
        run = out / f"r{i}"
        t0 = time.perf_counter()
        run_predict(data, "fast", run, **kwargs)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - t0)
    return best, (run / "fast" / "scores.jsonl").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import ray

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = generate_dataset(root / "data", clips=args.clips, seed=0, workers=args.workers)
        n = args.clips
        rows: list[tuple[str, float]] = []
        seconds, reference = timed_run(data, root / "in-process", args.repeats)
        rows.append(("local, in this process", seconds))
        seconds, local = timed_run(data, root / "local", args.repeats, workers=args.workers)
        rows.append((f"local, {args.workers} worker processes", seconds))
        t0 = time.perf_counter()
        ray.init(num_cpus=args.workers, include_dashboard=False, logging_level=logging.WARNING)
        startup = time.perf_counter() - t0
        try:
            seconds, on_ray = timed_run(data, root / "ray", args.repeats, workers=args.workers, backend="ray")
            rows.append((f"ray, local instance, {args.workers} CPUs, one task per video", seconds))
        finally:
            ray.shutdown()
        print(f"fast on {n} synthetic standard clips (320x192, 10 fps), best of {args.repeats}")
        for name, secs in rows:
            print(f"  {name:<55} {n / secs:6.2f} videos/s  ({secs:5.1f} s)")
        print(f"  ray instance start-up (once per cluster, not in the rates) {startup:.1f} s")
        same = on_ray == local == reference
        print(f"  scores.jsonl byte-identical across backends: {same}")


if __name__ == "__main__":
    main()
