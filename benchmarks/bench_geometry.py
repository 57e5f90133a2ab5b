"""Speed and quality of the geometric baselines on a synthetic dataset.

Prints, per method: seconds per clip, that time divided by the time to just decode the same
frames (same sampling rate and size), failures with their reasons, and average precision per
primitive (``sklearn.metrics.average_precision_score`` on the dataset's binary labels; a failed
video gets the lowest score, as ``camerabench evaluate --failed lowest`` does) with the mean
over the 15 primitives. With ``--per-mode`` (on a hard-preset dataset) AP is also given per
failure mode: the clips of that mode plus the clean clips, so every split has both classes.

Usage::

    python benchmarks/bench_geometry.py --data DATA [--methods fast colmap] [--clips N]
        [--generate standard|hard] [--per-mode] [--scorer default|camerabench]

``--generate PRESET`` first writes a dataset to ``--data`` with ``camerabench.synth``.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score

from camerabench.baselines.registry import get_predictor
from camerabench.dataset import Dataset, Question
from camerabench.errors import PredictionError, VideoError
from camerabench.taxonomy import Primitive
from camerabench.video import read_video

log = logging.getLogger("bench_geometry")


def _decode_seconds(video: Path, fps: float, max_side: int) -> float:
    start = time.perf_counter()
    read_video(video, fps=fps, max_side=max_side)
    return time.perf_counter() - start


def run_method(data: Dataset, videos: list[str], method: str, options: dict[str, Any]) -> dict[str, Any]:
    """Scores per video (None for a failure), seconds per clip, decode seconds, failures."""
    predictor = get_predictor(method, **options)
    predictor.setup()
    settings = predictor.settings()
    questions = [Question(p.question, p) for p in Primitive]
    scores: dict[str, dict[Primitive, float] | None] = {}
    seconds: list[float] = []
    decode: list[float] = []
    failures: dict[str, str] = {}
    for video in videos:
        path = data.video_path(video)
        decode.append(_decode_seconds(path, float(settings["sample_fps"]), int(settings["max_side"])))
        start = time.perf_counter()
        try:
            result = predictor.predict(path, questions)
        except (PredictionError, VideoError) as exc:
            failures[video] = str(exc)
            scores[video] = None
        else:
            scores[video] = {Primitive.from_question(q): s for q, s in result.scores.items()}  # type: ignore[misc]
        seconds.append(time.perf_counter() - start)
        log.info("%s %s %.2fs %s", method, video, seconds[-1], failures.get(video, "ok"))
    return {"scores": scores, "seconds": seconds, "decode": decode, "failures": failures}


def average_precision(
    data: Dataset, scores: dict[str, dict[Primitive, float] | None], videos: set[str]
) -> dict[Primitive, float]:
    """AP per primitive over the labelled videos in ``videos``; failures get the lowest score."""
    out: dict[Primitive, float] = {}
    for prim in Primitive:
        recs = [r for r in data.binary.get(prim, []) if r.image in videos]
        labels = np.array([r.positive for r in recs], dtype=int)
        ok = [s[prim] for s in (scores[r.image] for r in recs) if s is not None]
        floor = (min(ok) - 1.0) if ok else 0.0
        values = np.array([scores[r.image][prim] if scores[r.image] is not None else floor for r in recs])  # type: ignore[index]
        if labels.size == 0 or labels.min() == labels.max():
            warnings.warn(f"{prim.value}: one-class split ({labels.size} samples): AP undefined", stacklevel=2)
            out[prim] = float("nan")
        else:
            out[prim] = float(average_precision_score(labels, values))
    return out


def _print_ap(title: str, ap: dict[Primitive, float]) -> None:
    print(f"  {title}: mean AP {np.nanmean(list(ap.values())):.3f}")
    print("    " + "  ".join(f"{p.value}={v:.3f}" for p, v in ap.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--methods", nargs="+", default=["fast", "colmap"])
    parser.add_argument("--clips", type=int, default=None, help="use only the first N videos")
    parser.add_argument("--generate", choices=["standard", "hard"], default=None)
    parser.add_argument("--per-mode", action="store_true")
    parser.add_argument("--scorer", default="default")
    parser.add_argument("--workers", type=int, default=None, help="synth workers")
    parser.add_argument("--only", default=None, help="comma-separated substrings: use only matching videos")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.generate:
        from camerabench.synth import generate_dataset

        start = time.perf_counter()
        generate_dataset(args.data, preset=args.generate, workers=args.workers)
        print(f"generated {args.generate} dataset in {time.perf_counter() - start:.1f} s")
    data = Dataset(args.data)
    videos = [v for v in data.videos() if data.video_path(v).is_file()][: args.clips]
    if args.only:
        videos = [v for v in videos if any(part in v for part in args.only.split(","))]
    clips = {c["video"]: c for c in data.manifest.get("clips", [])}
    print(f"{len(videos)} clips from {args.data}")
    for method in args.methods:
        res = run_method(data, videos, method, {"scorer": args.scorer})
        sec, dec = np.array(res["seconds"]), np.array(res["decode"])
        print(f"\n== {method} (scorer {args.scorer})")
        print(
            f"  seconds per clip: mean {sec.mean():.2f}, median {np.median(sec):.2f}, max {sec.max():.2f};"
            f" decode only: mean {dec.mean():.3f}; method / decode = {sec.sum() / dec.sum():.1f}x"
        )
        print(f"  failures: {len(res['failures'])} of {len(videos)}")
        for video, reason in res["failures"].items():
            print(f"    {video}: {reason}")
        _print_ap("all clips", average_precision(data, res["scores"], set(videos)))
        if args.per_mode:
            clean = {v for v in videos if not clips.get(v, {}).get("failure_mode")}
            modes = sorted({m for v in videos if (m := clips.get(v, {}).get("failure_mode"))})
            for mode in modes:
                members = {v for v in videos if clips.get(v, {}).get("failure_mode") == mode}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ap = average_precision(data, res["scores"], members | clean)
                    ap_mode = average_precision(data, res["scores"], members)
                fails = sum(1 for v in members if v in res["failures"])
                defined = [v for v in ap_mode.values() if not np.isnan(v)]
                mode_only = float(np.mean(defined)) if defined else float("nan")
                print(
                    f"  mode {mode}: {len(members)} clips, {fails} failed; mean AP (mode + clean) "
                    f"{np.nanmean(list(ap.values())):.3f}; mean AP (mode only, defined splits) "
                    f"{mode_only:.3f} over {len(defined)} primitives"
                )


if __name__ == "__main__":
    main()
