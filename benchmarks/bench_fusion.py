"""Fusion of ``fast`` and ``colmap`` on the hard preset, and ``fast``'s VQA accuracy after calibration.

1. Hard preset (seed 0, or ``--seed``): ``fast`` and ``colmap`` (5 fps, 256 px, as the demo runs it), a
   ``fusion`` of the two trained on the same clips and predicted cross-fitted (each clip scored
   by the stack fitted without its fold, whose model choice was made inside that fold's
   training videos), then mean AP with its 95% bootstrap interval per method, the model each
   fold chose, and per hard-case knob the paired bootstrap difference fusion - better input
   (the input with the higher overall mean AP) with its 95% interval and the number of
   bootstrap replicates it rests on (a replicate counts only when every primitive of the knob
   keeps both classes, so a knob of 4-7 clips has few: its interval is then coarse).
2. Standard preset (seed 0): ``fast``'s paired-VQA binary accuracy with its scores thresholded
   at 0.5, then after ``calibrate`` (cross-fitted probabilities, P(yes) > 0.5), with the Brier
   score and ECE.

Everything goes through the package (``generate_dataset``, ``run_predict``, ``train_fusion``,
``calibrate_run``, ``evaluate``). Runs already in ``--work`` are reused (``--resume``), so a
second call only re-evaluates; a resume refuses input runs whose method defaults changed since,
and ``--reuse-inputs`` then scores fusion on them as they are (the log says when they ran).
Fusion is cross-fitted over ``--folds`` video folds (default: the method's own,
``fusion.DEFAULT_N_SPLITS``).

Usage::

    python benchmarks/bench_fusion.py [--work DIR] [--clips N] [--seed S] [--folds K] [--reuse-inputs]
        [--no-calibration] [--workers K] [--save FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

from camerabench.baselines.fusion import DEFAULT_N_SPLITS, train_fusion
from camerabench.eval.binary import ResolvedSamples, compare_methods
from camerabench.eval.calibration import calibrate_run
from camerabench.eval.evaluate import evaluate
from camerabench.eval.knobs import clip_groups
from camerabench.fileio import read_json
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder
from camerabench.synth import generate_dataset

log = logging.getLogger("bench_fusion")

#: COLMAP as the demo runs it (README: about as good as its defaults and ~5x faster).
COLMAP_OPTIONS = {"sample_fps": 5, "max_side": 256}


def _dataset(path: Path, preset: str, clips: int | None, seed: int = 0) -> Path:
    if not (path / "manifest.json").is_file():
        t0 = time.perf_counter()
        generate_dataset(path, clips=clips, seed=seed, preset=preset)
        log.info("generated %s (%s) in %.0f s", path, preset, time.perf_counter() - t0)
    return path


def _predict(
    data: Path, method: str, run: Path, workers: int, options: dict[str, Any] | None = None, reuse: bool = False
) -> None:
    folder = MethodFolder.of(run, method)
    resume = folder.scores.is_file()
    if reuse and resume:  # as they are, even when the method's defaults changed since
        log.info("reusing %s as it is (run finished %s)", folder.scores, read_json(folder.run_info).get("finished"))
        return
    summary = run_predict(data, method, run, workers=workers, resume=resume, options=options)
    log.info(summary.line("predict", "scores.jsonl"))


def _subset(resolved: dict[str, ResolvedSamples], videos: set[str]) -> dict[str, ResolvedSamples]:
    out = {}
    for prim, r in resolved.items():
        idx = [i for i, v in enumerate(r.videos) if v in videos]
        out[prim] = ResolvedSamples(r.labels[idx], r.scores[idx], [r.videos[i] for i in idx], r.answered)
    return out


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}" if math.isfinite(x) else "  n/a"


def fusion_figures(
    work: Path,
    clips: int | None,
    workers: int,
    n_bootstrap: int,
    seed: int = 0,
    folds: int = DEFAULT_N_SPLITS,
    reuse: bool = False,
) -> dict[str, Any]:
    data = _dataset(work / "hard", "hard", clips, seed)
    run = work / "run-hard"
    _predict(data, "fast", run, workers, reuse=reuse)
    _predict(data, "colmap", run, workers, COLMAP_OPTIONS, reuse=reuse)
    model = work / "fusion-model"
    trained = train_fusion(data, run, ["fast", "colmap"], model, n_splits=folds, overwrite=True)  # a rerun retrains
    log.info("fusion trained -> %s", trained.path)
    shutil.rmtree(MethodFolder.of(run, "fusion").path, ignore_errors=True)  # the model changed: predict again
    _predict(data, "fusion", run, 1, {"model": str(model), "inputs_run": str(run)})
    ev = evaluate(data, run, n_bootstrap=n_bootstrap)
    methods = ev.result.methods
    overall = {}
    for m in ("fast", "colmap", "fusion"):
        b = methods[m].binary
        assert b is not None
        overall[m] = {"mean_ap": b.mean_ap, "ci95": list(b.ci95.mean_ap), "failed": b.failed}
    better = max(("fast", "colmap"), key=lambda m: overall[m]["mean_ap"])
    test = compare_methods("fusion", better, ev.resolved["fusion"], ev.resolved[better], n_bootstrap)
    per_knob = {}
    for knob, videos in clip_groups(ev.dataset.manifest).items():
        res_f, res_b = _subset(ev.resolved["fusion"], videos), _subset(ev.resolved[better], videos)
        t = compare_methods("fusion", better, res_f, res_b, n_bootstrap)
        per_knob[knob] = {
            "clips": len(videos),
            "fast": ev.result.knobs["fast"][knob].mean_ap,
            "colmap": ev.result.knobs["colmap"][knob].mean_ap,
            "fusion": ev.result.knobs["fusion"][knob].mean_ap,
            "diff_vs_better": t.diff,
            "diff_ci95": list(t.ci95),
            "replicates": t.n_bootstrap,
            "primitives": len(t.primitives),
        }
    m = trained.model
    chosen = {"full": m.full, **{str(f): st for f, st in m.folds.items()}}
    return {
        "clips": len(ev.dataset.videos()),
        "folds": folds,
        "stacks": {k: {"variant": st.variant, "c": st.c, "coef": st.coef} for k, st in chosen.items() if st},
        "overall": overall,
        "better_input": better,
        "fusion_minus_better": {"diff": test.diff, "ci95": list(test.ci95), "p_value": test.p_value},
        "per_knob": per_knob,
    }


def calibration_figures(work: Path, clips: int | None, workers: int, n_bootstrap: int) -> dict[str, Any]:
    data = _dataset(work / "std", "standard", clips)
    run = work / "run-std"
    _predict(data, "fast", run, workers)
    MethodFolder.of(run, "fast").calibration.unlink(missing_ok=True)
    before = evaluate(data, run, n_bootstrap=n_bootstrap).result.methods["fast"]
    calibrate_run(data, run, "fast")
    after = evaluate(data, run, n_bootstrap=n_bootstrap).result.methods["fast"]
    assert before.vqa is not None and after.vqa is not None and after.calibration is not None
    return {
        "vqa_acc_raw_threshold": before.vqa.overall.acc,
        "raw_threshold": before.vqa.yes_threshold,
        "vqa_acc_calibrated": after.vqa.overall.acc,
        "vqa_q_acc_raw": before.vqa.overall.q_acc,
        "vqa_q_acc_calibrated": after.vqa.overall.q_acc,
        "tasks_answered": after.vqa.tasks_answered,
        "pairs": after.vqa.pairs,
        "calibration_source": after.calibration.source,
        "brier": after.calibration.brier,
        "ece": after.calibration.ece,
        "maps": after.calibration.maps,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default="bench_fusion_work", help="datasets and runs (reused when present)")
    ap.add_argument("--clips", type=int, default=None, help="clips per preset (default: the full presets)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0, help="seed of the hard preset (the standard one keeps seed 0)")
    ap.add_argument("--folds", type=int, default=DEFAULT_N_SPLITS, help="video-level cross-fitting folds of fusion")
    ap.add_argument(
        "--reuse-inputs", action="store_true", help="score fusion on the input runs in --work as they are (no resume)"
    )
    ap.add_argument("--no-calibration", action="store_true", help="skip part 2 (the standard preset)")
    ap.add_argument("--save", default=None, help="also write the figures as JSON here")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    warnings.simplefilter("ignore", category=UserWarning)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    fusion = fusion_figures(work, args.clips, args.workers, args.bootstrap, args.seed, args.folds, args.reuse_inputs)
    cal = None if args.no_calibration else calibration_figures(work, args.clips, args.workers, args.bootstrap)

    print(f"\nhard preset, {fusion['clips']} clips, fusion cross-fit ({fusion['folds']} folds): mean AP (%) [95% CI]")
    for m, o in fusion["overall"].items():
        lo, hi = o["ci95"]
        print(f"  {m:<8} {_pct(o['mean_ap'])} [{_pct(lo)}, {_pct(hi)}]  ({o['failed']} failed samples)")
    d = fusion["fusion_minus_better"]
    print(
        f"  fusion - {fusion['better_input']}: {_pct(d['diff'])} [{_pct(d['ci95'][0])}, {_pct(d['ci95'][1])}]"
        f" p={d['p_value']:.3f}"
    )
    print("  stacks (variant, C): " + ", ".join(f"{k}: {v['variant']} {v['c']:g}" for k, v in fusion["stacks"].items()))
    print(f"\nper knob: mean AP (%) and fusion - {fusion['better_input']} [95% CI] (bootstrap replicates)")
    print(f"  {'knob':<22}{'clips':>6} {'fast':>6} {'colmap':>6} {'fusion':>6}  diff [CI]")
    for k, r in fusion["per_knob"].items():
        print(
            f"  {k:<22}{r['clips']:>6} {_pct(r['fast'])}  {_pct(r['colmap'])}  {_pct(r['fusion'])}"
            f"  {_pct(r['diff_vs_better'])} [{_pct(r['diff_ci95'][0])}, {_pct(r['diff_ci95'][1])}] ({r['replicates']})"
        )
    if cal is not None:
        _print_calibration(cal)
    if args.save:
        Path(args.save).write_text(json.dumps({"fusion": fusion, "calibration": cal}, indent=2) + "\n")


def _print_calibration(cal: dict[str, Any]) -> None:
    print(
        f"\nstandard preset, fast paired-VQA Acc: {_pct(cal['vqa_acc_raw_threshold'])} at score > "
        f"{cal['raw_threshold']}, {_pct(cal['vqa_acc_calibrated'])} on calibrated P(yes) > 0.5 "
        f"({cal['calibration_source']}); Q-Acc {_pct(cal['vqa_q_acc_raw'])} -> {_pct(cal['vqa_q_acc_calibrated'])}; "
        f"Brier {cal['brier']:.3f}, ECE {cal['ece']:.3f}"
    )


if __name__ == "__main__":
    main()
