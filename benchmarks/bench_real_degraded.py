"""The real-footage regression set under internet-video nuisances: how much AP each one costs.

Each variant is a copy of the real set (the dataset folder ``bench_real.py --work W`` leaves in
``W/data``) with every clip decoded, degraded as below and re-encoded (H.264 mp4,
:func:`camerabench.video.write_video`); the labels are the originals, as none of the nuisances
is camera motion (``shake`` excepted: a shaken camera is no longer "completely still", so its
Static negatives are expected to rise). The nuisances are the hard preset's, applied to real
frames instead of renders:

- ``reencode``: the frames re-encoded at crf 18 (the reference: a second generation only);
- ``crf40``: heavy compression (crf 40: blocking, smeared texture);
- ``noise``: Gaussian sensor noise, sigma 6 grey levels, then crf 28;
- ``overlay``: letterbox bars (12% of the height, top and bottom), a corner logo and a line of
  burnt-in subtitles, all still while the scene moves;
- ``lowfps``: every third frame kept, at a third of the frame rate (faster apparent motion);
- ``half``: half the width and height (INTER_AREA);
- ``flicker``: exposure gain 1 + 0.15 sin(2.1 i) on frame i (time-lapse flicker);
- ``shake``: hand-held shake, a random translation of sigma 1.5 px per frame.

For each variant and method it prints the mean AP (failed clips ranked lowest), the AP per
primitive, failed clips with their reasons, and every ranking loss: a primitive whose lowest
scored positive clip has a negative clip at or above it, with both clips and scores, so a drop
can be traced to the clips that cause it.

A finished variant is reused (``W2/<variant>/done``). Each method runs into
``W2/<variant>/runs/<method>/``, beside a note of what the run is of (``<method>.json``: the
dataset's fingerprint, the variant, the method's settings and the git commit). Without
``--resume`` every method runs again; with it, a finished run is reused and an interrupted one
continued (the job runner's ``--resume``), and a run whose note differs (another dataset, other
settings, a commit since) or has no note is refused before any work: its figures would not be
those of this code and these clips. Edits not yet committed are not in the note: after changing
the code, rerun without ``--resume``. The seconds are the method's own per clip, summed (run.json),
so that a continued run counts the part before the interruption too.

Usage::

    python benchmarks/bench_real.py --work W --methods fast        # builds W/data
    python benchmarks/bench_real_degraded.py --data W/data --work W2 [--variants crf40 noise ...]
        [--methods fast] [--save FILE] [--resume]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.registry import predictor_class
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict
from camerabench.records import git_commit, read_scores
from camerabench.runfolder import read_method
from camerabench.taxonomy import Primitive
from camerabench.video import read_video, write_video

Frames = NDArray[np.uint8]
#: a nuisance: (frames, fps, random generator) -> (frames, fps, crf)
Nuisance = Callable[[Frames, float, np.random.Generator], tuple[Frames, float, int]]


def _reencode(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    return f, fps, 18


def _crf40(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    return f, fps, 40


def _noise(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    return np.clip(f + rng.normal(0.0, 6.0, f.shape), 0, 255).astype(np.uint8), fps, 28


def _overlay(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    out = f.copy()
    h, w = out.shape[1:3]
    bar = int(0.12 * h)
    out[:, :bar] = 0
    out[:, h - bar :] = 0
    for img in out:
        cv2.rectangle(img, (w - 60, bar + 5), (w - 10, bar + 30), (255, 255, 255), -1)
        cv2.putText(img, "CHANNEL", (w - 58, bar + 24), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (200, 0, 0), 1)
        cv2.putText(img, "Subtitles stay put here", (10, h - bar - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255,) * 3, 2)
    return out, fps, 23


def _lowfps(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    return f[::3], fps / 3.0, 23


def _half(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    h, w = f.shape[1:3]
    size = (w // 4 * 2, h // 4 * 2)
    return np.stack([cv2.resize(x, size, interpolation=cv2.INTER_AREA) for x in f]), fps, 23


def _flicker(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    gain = 1.0 + 0.15 * np.sin(np.arange(len(f)) * 2.1)
    return np.clip(f * gain[:, None, None, None], 0, 255).astype(np.uint8), fps, 23


def _shake(f: Frames, fps: float, rng: np.random.Generator) -> tuple[Frames, float, int]:
    out = []
    for img in f:
        dx, dy = rng.normal(0.0, 1.5, 2)
        shift = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
        out.append(cv2.warpAffine(img, shift, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT))
    return np.stack(out), fps, 23


VARIANTS: dict[str, Nuisance] = {
    "reencode": _reencode,
    "crf40": _crf40,
    "noise": _noise,
    "overlay": _overlay,
    "lowfps": _lowfps,
    "half": _half,
    "flicker": _flicker,
    "shake": _shake,
}


def fingerprint(source: Path) -> str:
    """sha256 of the dataset at ``source``: its label files and its videos (names and bytes)."""
    digest = hashlib.sha256()
    labels = source / "labels"
    for path in sorted(p for p in labels.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(labels).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for clip_name in Dataset(source).videos():
        digest.update(f"videos/{clip_name}\0".encode())
        digest.update(hashlib.sha256((source / "videos" / clip_name).read_bytes()).digest())
    return digest.hexdigest()


def reused_variant(out: Path, print_: str) -> bool:
    """Whether ``out`` holds a finished variant of the dataset whose :func:`fingerprint` is ``print_``.

    Raises:
        CameraBenchError: a finished variant of another dataset, or one whose marker does not say
            which (made by an older copy of this script): its figures would be of that dataset.
    """
    done = out / "done"
    if not done.is_file():
        return False
    try:
        made_from = json.loads(done.read_text()).get("fingerprint")
    except (json.JSONDecodeError, AttributeError):
        made_from = None
    if made_from != print_:
        what = "another dataset" if made_from else "a dataset it does not name (an older run)"
        raise CameraBenchError(
            f"--work: {out} holds a degraded copy of {what}, not of this --data: "
            "use another --work, or delete that folder to build it again"
        )
    return True


def make_variant(source: Path, name: str, out: Path, print_: str | None = None) -> Path:
    """``out``/data: the dataset at ``source`` with every video degraded by ``name`` (reused when
    a finished copy of the same dataset is there: :func:`reused_variant`)."""
    data = out / "data"
    print_ = fingerprint(source) if print_ is None else print_
    done = out / "done"
    if reused_variant(out, print_):
        return data
    shutil.rmtree(out, ignore_errors=True)
    (data / "videos").mkdir(parents=True)
    shutil.copytree(source / "labels", data / "labels")
    # the dataset's own video list (the package's rules: a hidden or temporary file left by an
    # interrupted bench_real.py, such as .clip.mp4.<hash>.tmp, is not a clip)
    for clip_name in Dataset(source).videos():
        video = source / "videos" / clip_name
        clip = read_video(video, fps=None)
        rng = np.random.default_rng(zlib.crc32(f"{name}/{video.name}".encode()))  # the same noise every time
        frames, fps, crf = VARIANTS[name](clip.frames, clip.native_fps, rng)
        (data / "videos" / clip_name).parent.mkdir(parents=True, exist_ok=True)
        write_video(data / "videos" / clip_name, frames, fps, crf=crf)
    done.write_text(json.dumps({"source": str(source.resolve()), "fingerprint": print_}) + "\n")
    return data


def ranking_losses(data: Path, scores_path: Path) -> list[str]:
    """Each primitive whose lowest-scored positive has negatives at or above it (a failed or
    missing score ranks lowest, as in ``--failed lowest``)."""
    score = {(r.video, r.primitive): r.score for r in read_scores(scores_path) if r.score is not None}
    lines = []
    for primitive, records in Dataset(data).binary.items():
        name = primitive.value

        def value(video: str, name: str = name) -> float:
            s = score.get((video, name))
            return -math.inf if s is None or not math.isfinite(s) else float(s)

        pos = [r.image for r in records if r.label == "Yes"]
        neg = [r.image for r in records if r.label == "No"]
        if not pos or not neg:
            continue
        low = min(pos, key=value)
        above = sorted((n for n in neg if value(n) >= value(low)), key=value, reverse=True)
        if above:
            shown = ", ".join(f"{n} {value(n):.3f}" for n in above)
            lines.append(f"{name}: lowest positive {low} {value(low):.3f}; negatives at or above it: {shown}")
    return lines


def run_note(print_: str, variant: str, method: str, commit: str | None) -> dict[str, Any]:
    """What a method's run in a variant is of (written to ``runs/<method>.json`` before it starts):
    a run is reused or continued by ``--resume`` only while every field is the same."""
    settings = predictor_class(method).Options.from_mapping({}, method=method).to_dict()
    return {
        "dataset": print_,
        "variant": variant,
        "method": method,
        "settings": json.loads(json.dumps(settings, default=str)),
        "git_commit": commit,
    }


def resumable_run(runs: Path, method: str, note: dict[str, Any]) -> bool:
    """Whether ``runs/<method>`` holds a run ``--resume`` may reuse or continue (False: none there).

    Raises:
        CameraBenchError: a run whose note (``runs/<method>.json``) is missing, unreadable, or
            differs from ``note`` (its figures would be of other clips, settings or code).
    """
    root, path = runs / method, runs / f"{method}.json"
    if not root.exists():
        return False
    try:
        earlier = json.loads(path.read_text())
    except FileNotFoundError:
        earlier = None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CameraBenchError(f"--resume: {path}: cannot be read ({exc}); rerun without --resume") from exc
    if not isinstance(earlier, dict):
        raise CameraBenchError(
            f"--resume: {root} holds a run without a note of what it is of ({path.name}: made by an older copy of "
            "this script?): rerun without --resume to run it again"
        )
    differ = [
        f"{key} {json.dumps(earlier.get(key), sort_keys=True)} -> {json.dumps(value, sort_keys=True)}"
        for key, value in note.items()
        if earlier.get(key) != value
    ]
    if differ:
        raise CameraBenchError(
            f"--resume: {root} is a run of {method} other than this one would be ({'; '.join(differ)}): rerun "
            "without --resume to run it again, or use another --work"
        )
    return True


def bench(data: Path, runs: Path, method: str, note: dict[str, Any], resume: bool = False) -> dict[str, Any]:
    """Run ``method`` on the variant at ``data`` into ``runs/<method>/`` (with ``resume``, a
    finished run there of the same ``note`` is reused, an interrupted one continued) and score it."""
    root, note_path = runs / method, runs / f"{method}.json"
    how = "run"
    if resume and resumable_run(runs, method, note):
        earlier = read_method(root / method).info if (root / method).is_dir() else None
        how = "reused" if earlier is not None and earlier.finished is not None else "continued"
    if how == "run":
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        note_path.write_text(json.dumps(note, indent=1, sort_keys=True) + "\n")
    if how != "reused":
        run_predict(data, method, root, workers=1, resume=how == "continued", progress=False)
    info = read_method(root / method).info
    if info is None:
        raise SystemExit(f"{root / method}: the run wrote no run.json")
    result = evaluate(data, root, failed="lowest", n_bootstrap=0, captions_minilm=False).result
    binary = result.methods[method].binary if method in result.methods else None
    return {
        "mean_ap": None if binary is None else binary.mean_ap,
        "per_primitive": {} if binary is None else dict(binary.per_primitive),
        "failures": dict(info.failures),
        "ranking_losses": ranking_losses(data, root / method / "scores.jsonl"),
        "seconds": math.fsum(info.seconds_per_video.values()),
        "run": how,
    }


def build_parser() -> argparse.ArgumentParser:
    """The command line (the docstring's usage line names every flag)."""
    parser = argparse.ArgumentParser(
        prog="bench_real_degraded.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the real set's dataset folder (bench_real's W/data)")
    parser.add_argument("--work", type=Path, required=True, help="the degraded copies and runs go here")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--methods", nargs="+", default=["fast"])
    parser.add_argument("--save", type=Path, default=None, help="write the figures as JSON")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the finished runs of an earlier call with this --work, continue its interrupted ones",
    )
    return parser


def check_args(args: argparse.Namespace) -> tuple[str, str | None]:
    """Refuse, before any variant is built, what would fail or mislead later; the dataset's
    :func:`fingerprint` and the git commit of the code (for :func:`run_note`).

    Raises:
        CameraBenchError: a repeated variant or method, an unknown method or one that needs options
            (this script gives none), a dataset without videos or binary labels, a ``--work`` that is a
            file, inside the dataset or holding variants of another dataset, a ``--save`` that cannot
            be written; with ``--resume``, a run in a finished variant that is not of these settings,
            this dataset and this commit (:func:`resumable_run`).
    """
    for flag, given in (("--variants", args.variants), ("--methods", args.methods)):
        twice = sorted({x for x in given if given.count(x) > 1})
        if twice:
            raise CameraBenchError(f"{flag} {' '.join(given)}: {', '.join(twice)} given twice")
    for method in args.methods:
        predictor_class(method).Options.from_mapping({}, method=method)
    if not (args.data / "videos").is_dir() or not (args.data / "labels").is_dir():
        raise CameraBenchError(
            f"{args.data}: not a dataset folder with videos/ and labels/ (run bench_real.py --work W first)"
        )
    data = Dataset(args.data)
    if not data.videos():
        raise CameraBenchError(f"{args.data}: no videos")
    missing = [v for v in data.videos() if not data.video_path(v).is_file()]
    if missing:  # each variant would fail on it after the videos before it were degraded
        raise CameraBenchError(
            f"{args.data}: {len(missing)} video(s) its labels name have no file in videos/: {', '.join(missing[:5])}"
            + (", ..." if len(missing) > 5 else "")
        )
    if not data.binary:
        raise CameraBenchError(f"{args.data}: no binary labels (labels/binary_classification/): nothing to score")
    if args.work.exists() and not args.work.is_dir():
        raise CameraBenchError(f"--work {args.work}: is a file, not a folder")
    if args.work.resolve().is_relative_to(args.data.resolve()):
        raise CameraBenchError(f"--work {args.work}: is inside --data {args.data}; put the degraded copies elsewhere")
    if args.save is not None:
        if args.save.is_dir():
            raise CameraBenchError(f"--save {args.save}: is a folder; give a file name")
        if not args.save.parent.is_dir():
            raise CameraBenchError(f"--save {args.save}: the folder {args.save.parent} does not exist")
    print_ = fingerprint(args.data)
    commit = git_commit()
    for name in args.variants:
        # an unfinished variant is built again, its runs removed with it: nothing there to resume
        if reused_variant(args.work / name, print_) and args.resume:
            for method in args.methods:
                resumable_run(args.work / name / "runs", method, run_note(print_, name, method, commit))
    return print_, commit


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:  # refusals as one line, as the package's CLI gives them
        run(args)
    except CameraBenchError as exc:
        raise SystemExit(f"bench_real_degraded.py: {exc}") from None


def run(args: argparse.Namespace) -> None:
    """Check every argument (before any variant is built), then benchmark."""
    print_, commit = check_args(args)
    logging.basicConfig(level=logging.ERROR)
    figures: dict[str, dict[str, Any]] = {}
    for name in args.variants:
        data = make_variant(args.data, name, args.work / name, print_)
        for method in args.methods:
            note = run_note(print_, name, method, commit)
            res = bench(data, args.work / name / "runs", method, note, resume=args.resume)
            figures.setdefault(name, {})[method] = res
            ap = "n/a" if res["mean_ap"] is None else f"{res['mean_ap']:.3f}"
            how = "" if res["run"] == "run" else f" (run {res['run']})"
            print(f"\n== {name} / {method}: mean AP {ap}, {len(res['failures'])} failed, {res['seconds']:.0f} s{how}")
            print("  " + "  ".join(f"{p.value}={res['per_primitive'].get(p.value, math.nan):.3f}" for p in Primitive))
            for video, reason in sorted(res["failures"].items()):
                print(f"  FAILED {video}: {reason}")
            for line in res["ranking_losses"]:
                print(f"  loss {line}")
    if args.save:
        args.save.write_text(json.dumps(figures, indent=1, default=str))
        print(f"\nsaved the figures to {args.save}")


if __name__ == "__main__":
    main()
