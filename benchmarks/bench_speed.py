"""Seconds per clip of ``fast`` against the time to decode the clip, at 480p, 720p and 1080p.

For each size one 30 fps clip of about ten seconds is made: a synthetic pan
(:func:`camerabench.synth.render_clip`, the standard preset's Pan_Right clip, rendered once at
854x480 for 2.5 s) played forward and back until the clip is long enough (no cut), upscaled
with a cubic filter to the size, given sensor grain (Gaussian, sigma 2 grey levels) so the
encoder has detail to spend bits on, and encoded with :func:`camerabench.video.write_video`
(H.264, crf 18, preset medium). The clips are kept in ``--work`` and reused.

Per size it prints the clip's bitrate and the medians over ``--repeats`` runs (run one after
the other, in turns, so that load from other processes falls on all alike) of:

- ``decode``: every frame decoded with the decoder's threads and no colour conversion, as a
  player would (the reference the ratio is taken against);
- ``read_video``: :func:`camerabench.video.read_video` at ``fast``'s sampling (``sample_fps``
  and ``max_side`` defaults): frames that are neither sampled nor referred to by other frames
  are not decoded, and only the sampled ones are converted to RGB;
- ``fast``: ``FastPredictor.estimate`` on the clip (reading plus geometry), and
  ``fast / decode``.

Wall-clock seconds depend on what else the machine runs, so process CPU seconds (all threads)
are printed as well, and the load average before and after. ``--profile`` adds, per size, the
seconds one ``fast`` run spends in each stage (decode, conversion, overlay mask, SIFT, matching,
pair geometry, dense flow; cProfile). ``--video-module FILE`` times another copy of
``camerabench/video.py`` (for instance the code before a change) in place of the installed one,
for ``read_video`` and ``fast`` alike.

Usage::

    python benchmarks/bench_speed.py [--sizes 480 720 1080] [--seconds 10] [--repeats 3]
        [--work DIR] [--profile] [--video-module FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import av
import numpy as np

from camerabench.fileio import atomic_open
from camerabench.video import write_video

FPS = 30.0
RENDER_SIZE = (854, 480)
CLIP_INDEX = 9  # the standard preset's Pan_Right clip
GRAIN_SIGMA = 2.0
#: 16:9 frame sizes by their height.
SIZES = {480: (854, 480), 720: (1280, 720), 1080: (1920, 1080)}


def base_frames(work: Path) -> np.ndarray:
    """The rendered 2.5 s pan at 854x480 (cached in ``work``)."""
    cache = work / "pan_854x480.npy"
    if cache.is_file():
        try:
            cached = np.load(cache)
        except (OSError, ValueError, EOFError) as exc:  # a truncated file, or not an array
            raise SystemExit(
                f"bench_speed.py: {cache}: cannot be read ({exc}); delete it to render the pan again"
            ) from None
        if cached.dtype != np.uint8 or cached.ndim != 4 or cached.shape[1:] != (RENDER_SIZE[1], RENDER_SIZE[0], 3):
            raise SystemExit(
                f"bench_speed.py: {cache}: holds {cached.dtype} frames of shape {cached.shape}, "
                f"not the {RENDER_SIZE[0]}x{RENDER_SIZE[1]} RGB pan; delete it to render the pan again"
            )
        return cached
    from camerabench.synth import render_clip
    from camerabench.synth.presets import preset_specs

    t0 = time.perf_counter()
    spec = preset_specs("standard", 12, 0)[CLIP_INDEX]
    frames = render_clip(spec, 0, CLIP_INDEX, RENDER_SIZE, FPS).frames
    with atomic_open(cache, "wb") as fh:  # an interrupted save leaves no truncated cache to be read back
        np.save(fh, frames)
    print(f"rendered {len(frames)} frames at {RENDER_SIZE[0]}x{RENDER_SIZE[1]} in {time.perf_counter() - t0:.0f} s")
    return frames


def make_clip(work: Path, height: int, seconds: float) -> Path:
    """The ``height``p clip of about ``seconds`` (reused when already in ``work``)."""
    import cv2

    width, height = SIZES[height]
    video = work / f"pan_{height}p_{seconds:g}s.mp4"
    if video.is_file():
        return video
    base = base_frames(work)
    cycle = [*range(len(base)), *range(len(base) - 2, 0, -1)]  # forward, then back (no frame twice)
    n = max(2, round(seconds * FPS))
    index = [cycle[i % len(cycle)] for i in range(n)]
    rng = np.random.default_rng(0)
    frames = np.empty((n, height, width, 3), np.uint8)
    for out, i in zip(frames, index, strict=True):
        img = base[i]
        if (width, height) != RENDER_SIZE:
            img = cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)
        out[:] = np.clip(img + rng.normal(0.0, GRAIN_SIGMA, img.shape), 0, 255)
    t0 = time.perf_counter()
    write_video(video, frames, fps=FPS)
    print(f"wrote {video.name} ({n} frames) in {time.perf_counter() - t0:.0f} s")
    return video


def decode_all(video: Path) -> int:
    """Decode every frame with the decoder's threads, no colour conversion; returns the count."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall and process CPU seconds of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall and median CPU seconds."""
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def load_video_module(path: Path) -> Any:
    """The module at ``path``, which must define ``read_video``."""
    if not path.is_file():
        raise SystemExit(f"bench_speed.py: --video-module {path}: {'is a folder' if path.is_dir() else 'no such file'}")
    spec = importlib.util.spec_from_file_location("camerabench_video_under_test", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"bench_speed.py: --video-module {path}: cannot load as a Python module (a .py file)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    if not callable(getattr(module, "read_video", None)):
        raise SystemExit(
            f"bench_speed.py: --video-module {path}: defines no read_video function (a copy of camerabench/video.py?)"
        )
    return module


def frames_bytes(height: int, seconds: float) -> int:
    """Bytes of the frames :func:`make_clip` holds in memory for the ``height``p clip."""
    width, height = SIZES[height]
    return max(2, round(seconds * FPS)) * width * height * 3


def check_args(args: argparse.Namespace) -> None:
    """Refuse, before anything is rendered, what would fail or measure something else later."""
    if args.repeats < 1:
        raise SystemExit(f"bench_speed.py: --repeats {args.repeats}: at least 1 run is needed for a median")
    if not (math.isfinite(args.seconds) and round(args.seconds * FPS) >= 2):
        raise SystemExit(f"bench_speed.py: --seconds {args.seconds:g}: the clip needs at least 2 frames at {FPS:g} fps")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    need = max(frames_bytes(h, args.seconds) for h in args.sizes)
    if need > memory:
        raise SystemExit(
            f"bench_speed.py: --seconds {args.seconds:g}: the {max(args.sizes)}p clip's frames take "
            f"{need / 1e9:.1f} GB in memory before encoding; this machine has {memory / 1e9:.1f} GB"
        )
    if args.work is not None and args.work.exists() and not args.work.is_dir():
        raise SystemExit(f"bench_speed.py: --work {args.work}: is a file, not a folder")


#: Stages of one ``fast`` run, as (label, function name as cProfile reports it, file it is in).
STAGES = (
    ("read_video (decode + convert)", "read_video", "video.py"),
    ("  decode", "<method 'decode' of 'av.video.stream.VideoStream' objects>", "~"),
    ("  convert to RGB (sampled frames)", "<method 'to_ndarray' of 'av.video.frame.VideoFrame' objects>", "~"),
    ("overlay mask", "static_mask", "overlay.py"),
    ("SIFT", "<method 'detectAndCompute' of 'cv2.Feature2D' objects>", "~"),
    ("matching", "_match", "fast.py"),
    ("pair geometry (RANSAC, pose, zoom)", "estimate_pair", "fast.py"),
    ("dense flow", "dense_correspondences", "fast.py"),
    ("total", "estimate", "fast.py"),
)


def profile_fast(estimate: Callable[[Path], Any], video: Path) -> str:
    """Cumulative seconds of one ``fast`` run per stage (:data:`STAGES`), under cProfile: the calling
    thread's only (SIFT and most of the matching run in threads beside it; the time it waits for
    them shows in its stages)."""
    prof = cProfile.Profile()
    prof.runcall(estimate, video)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    lines = []
    for label, name, where in STAGES:
        cum = sum(v[3] for (file, _, func), v in stats.items() if func == name and file.endswith(where))
        calls = sum(v[1] for (file, _, func), v in stats.items() if func == name and file.endswith(where))
        if calls:
            lines.append(f"  {label:36s} {cum:6.2f} s ({calls} calls)")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docstring's usage line names every flag)."""
    parser = argparse.ArgumentParser(prog="bench_speed.py", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[480, 720, 1080], choices=sorted(SIZES))
    parser.add_argument("--seconds", type=float, default=10.0, help="clip length (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; medians are printed")
    parser.add_argument("--work", type=Path, default=None, help="keep the clips here (default: a temporary folder)")
    parser.add_argument("--profile", action="store_true", help="print where one fast run spends its time")
    parser.add_argument("--video-module", type=Path, default=None, help="time this copy of camerabench/video.py")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    check_args(args)

    import camerabench.baselines.geometry.fast as fast_module
    import camerabench.baselines.geometry.predictor as predictor_module  # fast reads its clip through it

    if args.video_module is not None:
        predictor_module.read_video = load_video_module(args.video_module).read_video
        print(f"video module: {args.video_module}")
    read_video = predictor_module.read_video
    predictor = fast_module.FastPredictor()
    predictor.setup()
    sample_fps, max_side = predictor.opt("sample_fps"), predictor.opt("max_side")

    with tempfile.TemporaryDirectory(prefix="camerabench-bench-speed-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        clips = {h: make_clip(work, h, args.seconds) for h in args.sizes}
        predictor.estimate(clips[args.sizes[0]])  # warm-up: imports, first-call set-up
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        runs: dict[int, dict[str, list[tuple[float, float]]]] = {h: {} for h in clips}
        for _ in range(args.repeats):
            for h, video in clips.items():
                runs[h].setdefault("decode", []).append(timed(partial(decode_all, video)))
                runs[h].setdefault("read", []).append(
                    timed(partial(read_video, video, fps=sample_fps, max_side=max_side))
                )
                runs[h].setdefault("fast", []).append(timed(partial(predictor.estimate, video)))
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"fast: sample_fps {sample_fps:g}, max_side {max_side}; medians of {args.repeats} runs (wall s / CPU s)")
        for h, video in clips.items():
            with av.open(str(video)) as container:
                frames = container.streams.video[0].frames
            seconds = frames / FPS
            mbps = video.stat().st_size * 8 / seconds / 1e6
            med = {k: medians(v) for k, v in runs[h].items()}
            print(
                f"{h}p ({SIZES[h][0]}x{h}, {frames} frames, {seconds:.1f} s, {mbps:.1f} Mbit/s): "
                f"decode {med['decode'][0]:.2f} / {med['decode'][1]:.2f}; "
                f"read_video {med['read'][0]:.2f} / {med['read'][1]:.2f}; "
                f"fast {med['fast'][0]:.2f} / {med['fast'][1]:.2f}; "
                f"fast / decode {med['fast'][0] / med['decode'][0]:.1f}x wall, "
                f"{med['fast'][1] / med['decode'][1]:.1f}x CPU"
            )
        if args.profile:
            for h, video in clips.items():
                table = profile_fast(predictor.estimate, video)
                print(f"{h}p: one fast run under cProfile, cumulative seconds\n{table}")


if __name__ == "__main__":
    main()
