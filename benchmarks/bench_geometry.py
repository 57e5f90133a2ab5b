"""Speed and quality of the geometric baselines on synthetic datasets.

Prints, per method: seconds per clip, that time divided by the time to just decode the same
frames (same sampling rate and size), failures with their reasons, and average precision per
primitive (``sklearn.metrics.average_precision_score`` on the dataset's binary labels; a failed
video gets the lowest score, as ``camerabench evaluate --failed lowest`` does) with the mean
over the 15 primitives.

With ``--hard HARD_DATA`` (a hard-preset dataset) the methods also run on those clips, and AP is
given per failure mode over the standard clips plus that mode's clips (so every primitive has
both classes and the drop from the standard AP is the mode's cost), with the failures per mode.

Usage::

    python benchmarks/bench_geometry.py --data DATA [--hard HARD_DATA] [--methods fast colmap]
        [--clips N] [--only SUBSTRINGS] [--generate] [--scorer default|camerabench] [--save FILE]

``--generate`` first writes the datasets with ``camerabench.synth`` (standard preset to
``--data``, hard preset to ``--hard``).
"""

from __future__ import annotations

import argparse
import json
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

Scores = dict[str, dict[Primitive, float] | None]
"""clip key -> scores per primitive, None for a failed video."""


def _decode_seconds(video: Path, fps: float, max_side: int) -> float:
    start = time.perf_counter()
    read_video(video, fps=fps, max_side=max_side)
    return time.perf_counter() - start


def run_method(data: Dataset, videos: list[str], method: str, options: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Scores per clip key ``prefix + video``, seconds per clip, decode seconds, failures."""
    predictor = get_predictor(method, **options)
    predictor.setup()
    settings = predictor.settings()
    questions = [Question(p.question, p) for p in Primitive]
    scores: Scores = {}
    seconds: list[float] = []
    decode: list[float] = []
    failures: dict[str, str] = {}
    for video in videos:
        key = prefix + video
        path = data.video_path(video)
        decode.append(_decode_seconds(path, float(settings["sample_fps"]), int(settings["max_side"])))
        start = time.perf_counter()
        try:
            result = predictor.predict(path, questions)
        except (PredictionError, VideoError) as exc:
            failures[key] = str(exc)
            scores[key] = None
        else:
            scores[key] = {Primitive.from_name(q): s for q, s in result.scores.items()}
        seconds.append(time.perf_counter() - start)
        log.info("%s %s %.2fs %s", method, key, seconds[-1], failures.get(key, "ok"))
    return {"scores": scores, "seconds": seconds, "decode": decode, "failures": failures}


def labels_of(data: Dataset, videos: list[str], prefix: str) -> dict[Primitive, dict[str, bool]]:
    """Primitive -> clip key -> label, for the labelled clips among ``videos``."""
    keep = set(videos)
    return {
        prim: {prefix + r.image: r.positive for r in records if r.image in keep}
        for prim, records in data.binary.items()
    }


def average_precision(
    labels: dict[Primitive, dict[str, bool]], scores: Scores, keys: set[str]
) -> dict[Primitive, float]:
    """AP per primitive over the clips in ``keys``; failures get a score below every other one."""
    out: dict[Primitive, float] = {}
    for prim in Primitive:
        clips = [k for k in labels.get(prim, {}) if k in keys]
        y = np.array([labels[prim][k] for k in clips], dtype=int)
        ok = [s[prim] for s in (scores[k] for k in clips) if s is not None]
        floor = (min(ok) - 1.0) if ok else 0.0
        values = [s[prim] if (s := scores[k]) is not None else floor for k in clips]
        if y.size == 0 or y.min() == y.max():
            warnings.warn(f"{prim.value}: one-class split ({y.size} clips): AP undefined", stacklevel=2)
            out[prim] = float("nan")
        else:
            out[prim] = float(average_precision_score(y, values))
    return out


def _print_ap(title: str, ap: dict[Primitive, float]) -> None:
    print(f"  {title}: mean AP {np.nanmean(list(ap.values())):.3f}")
    print("    " + "  ".join(f"{p.value}={v:.3f}" for p, v in ap.items()))


def _videos(data: Dataset, clips: int | None, only: str | None) -> list[str]:
    videos = [v for v in data.videos() if data.video_path(v).is_file()][:clips]
    if only:
        videos = [v for v in videos if any(part in v for part in only.split(","))]
    return videos


def _method_options(specs: list[str]) -> dict[str, dict[str, Any]]:
    """``["colmap.sample_fps=5", ...]`` -> ``{"colmap": {"sample_fps": 5}}``."""
    out: dict[str, dict[str, Any]] = {}
    for spec in specs:
        name, sep, raw = spec.partition("=")
        method, dot, key = name.partition(".")
        if not sep or not dot:
            raise SystemExit(f"--option {spec!r}: expected METHOD.KEY=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(method, {})[key] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="standard-preset dataset")
    parser.add_argument("--hard", type=Path, default=None, help="hard-preset dataset (AP per failure mode)")
    parser.add_argument("--methods", nargs="+", default=["fast", "colmap"])
    parser.add_argument("--clips", type=int, default=None, help="use only the first N videos of each dataset")
    parser.add_argument("--only", default=None, help="comma-separated substrings: use only matching videos")
    parser.add_argument("--generate", action="store_true", help="write the datasets first")
    parser.add_argument("--scorer", default="default")
    parser.add_argument("--save", type=Path, default=None, help="write per-clip scores and failures as JSON")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="METHOD.KEY=VALUE",
        help="a method option, e.g. colmap.sample_fps=5 (repeatable; VALUE is read as JSON, else as a string)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.generate:
        from camerabench.synth import generate_dataset

        for folder, preset in ((args.data, "standard"), (args.hard, "hard")):
            if folder is not None:
                start = time.perf_counter()
                generate_dataset(folder, preset=preset)
                print(f"generated the {preset} preset in {time.perf_counter() - start:.1f} s -> {folder}")
    sets = [("std/", Dataset(args.data))] + ([("hard/", Dataset(args.hard))] if args.hard else [])
    plan = {prefix: _videos(data, args.clips, args.only) for prefix, data in sets}
    labels: dict[Primitive, dict[str, bool]] = {p: {} for p in Primitive}
    modes: dict[str, str | None] = {}
    for prefix, data in sets:
        for prim, by_clip in labels_of(data, plan[prefix], prefix).items():
            labels[prim].update(by_clip)
        for clip in data.manifest.get("clips", []):
            modes[prefix + clip["video"]] = clip.get("failure_mode")
    print("clips: " + ", ".join(f"{len(plan[p])} from {d.root}" for p, d in sets))
    options = _method_options(args.option)
    saved: dict[str, Any] = {}
    for method in args.methods:
        opts = {"scorer": args.scorer, **options.get(method, {})}
        runs = {prefix: run_method(data, plan[prefix], method, opts, prefix) for prefix, data in sets}
        print(f"\n== {method} ({', '.join(f'{k}={v}' for k, v in opts.items())})")
        for prefix, res in runs.items():
            sec, dec = np.array(res["seconds"]), np.array(res["decode"])
            print(
                f"  {prefix} seconds per clip: mean {sec.mean():.2f}, median {np.median(sec):.2f}, max {sec.max():.2f};"
                f" decode only: mean {dec.mean():.3f}; method / decode = {sec.sum() / dec.sum():.1f}x;"
                f" failures {len(res['failures'])} of {len(sec)}"
            )
            for key, reason in res["failures"].items():
                print(f"    {key}: {reason}")
        scores: Scores = {k: v for res in runs.values() for k, v in res["scores"].items()}
        std_keys = {"std/" + v for v in plan["std/"]}
        _print_ap("standard preset", average_precision(labels, scores, std_keys))
        if args.hard:
            hard_keys = {"hard/" + v for v in plan["hard/"]}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _print_ap("standard + hard", average_precision(labels, scores, std_keys | hard_keys))
                for mode in sorted({m for k in hard_keys if (m := modes.get(k))}):
                    members = {k for k in hard_keys if modes.get(k) == mode}
                    ap = average_precision(labels, scores, std_keys | members)
                    failed = sum(1 for k in members if scores[k] is None)
                    print(
                        f"  mode {mode}: {len(members)} clips, {failed} failed; mean AP over standard + mode clips "
                        f"{np.nanmean(list(ap.values())):.3f}"
                    )
        saved[method] = {
            "options": opts,
            "scores": {k: None if v is None else {p.value: s for p, s in v.items()} for k, v in scores.items()},
            "failures": {k: r for res in runs.values() for k, r in res["failures"].items()},
            "seconds": {p: res["seconds"] for p, res in runs.items()},
            "decode_seconds": {p: res["decode"] for p, res in runs.items()},
        }
    if args.save:
        args.save.write_text(json.dumps(saved, indent=1))
        print(f"\nsaved per-clip results to {args.save}")


if __name__ == "__main__":
    main()
