"""Speed of the synthetic benchmark generator.

Prints (1) single-process frames rendered per second (rendering only, no encoding) at the
default 320x192, per supersampling factor, and (2) the wall-clock time to write the default
standard set (`camerabench synth --preset standard`, all clips, encoding and label files
included) with the given number of worker processes (default 1: the seconds per clip of one
process), in total and per clip. Wall-clock seconds depend on what else the machine runs, so
CPU seconds of all processes and the load average before and after are printed as well.

Usage:
    python benchmarks/bench_synth.py [--workers 1] [--frames 50] [--skip-full]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from camerabench.synth import generate_dataset, preset_specs
from camerabench.synth.generate import CLIP_DURATION_S
from camerabench.synth.render import render_frame
from camerabench.synth.scene import build_scene
from camerabench.synth.specs import camera_path
from camerabench.synth.textures import texture_bank
from camerabench.trajectory import pinhole_intrinsic


def render_rate(frames: int, supersample: int, size: tuple[int, int] = (320, 192)) -> float:
    """Frames per second of render_frame alone, over a pan clip's poses in one random scene."""
    width, height = size
    bank = texture_bank()
    scene = build_scene(np.random.default_rng(0))
    spec = next(s for s in preset_specs("standard") if s.name == "pan_left")
    path = camera_path(spec, frames, 10.0)
    k = pinhole_intrinsic(0.9 * width, width, height)
    render_frame(scene, bank, path.cam_c2w[0], k, width, height, 0.0, supersample)  # warm-up
    t0 = time.perf_counter()
    for i in range(frames):
        render_frame(scene, bank, path.cam_c2w[i], k, width, height, float(path.times_s[i]), supersample)
    return frames / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--skip-full", action="store_true", help="only measure the render rate")
    args = parser.parse_args()

    t0 = time.perf_counter()
    texture_bank()
    print(f"texture bank build: {time.perf_counter() - t0:.2f} s")
    for ss in (1, 2):
        print(f"render_frame 320x192, supersample {ss}: {render_rate(args.frames, ss):.1f} frames/s (1 process)")

    if args.skip_full:
        return
    specs = preset_specs("standard")
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cpu0 = _cpu_s()
        generate_dataset(Path(tmp) / "standard", workers=args.workers)
        wall = time.perf_counter() - t0
        cpu = _cpu_s() - cpu0
    frames = len(specs) * round(CLIP_DURATION_S * 10.0)
    print(
        f"standard set: {len(specs)} clips, {frames} frames, 320x192 @ 10 fps, {args.workers} workers: "
        f"{wall:.1f} s wall ({frames / wall:.1f} frames/s), {cpu:.1f} s CPU in all processes"
    )
    print(
        f"per clip: {wall / len(specs):.2f} s wall, {cpu / len(specs):.2f} s CPU "
        f"(machine load average 1/5/15 min before: {load_before}, after: {_load()})"
    )


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
