"""``evaluate_run``: every metric for every method of a run folder, as one JSON-able dict.

Structure (design.md A2, issue 5)::

    {"data": ..., "run": ..., "failed_policy": ..., "n_bootstrap": ..., "seed": ...,
     "chance": {"per_primitive": {...}, "mean_ap": x},
     "methods": {NAME: {"binary": {...}, "vqa": {...}, "retrieval": {...},
                        "captions": {...}, "trajectory": {...}, "run_info": {...}}},
     "comparisons": [{"a": NAME, "b": NAME, "diff": x, "ci95": [lo, hi], "p_value": p}]}

A section is absent when its labels or the method's outputs are. AP, accuracies and
similarities are fractions in [0, 1]; undefined values are NaN (``NaN`` in the JSON text).
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from camerabench.dataset import Dataset
from camerabench.eval.ap import FailedPolicy
from camerabench.eval.binary import ResolvedSamples, binary_samples, binary_section, chance_section, compare_methods
from camerabench.eval.caption_metrics import caption_section
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_section
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.runfolder import MethodRun, read_run
from camerabench.taxonomy import Primitive

__all__ = ["Evaluation", "evaluate", "evaluate_run", "json_safe", "primitive_order", "strict_json", "yes_threshold"]

log = logging.getLogger(__name__)

DEFAULT_YES_THRESHOLD = 0.5


@dataclass
class Evaluation:
    """The metrics dict plus the per-sample material reports draw from."""

    metrics: dict[str, Any]
    dataset: Dataset
    runs: dict[str, MethodRun]
    resolved: dict[str, dict[str, ResolvedSamples]] = field(default_factory=dict)
    caption_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    trajectory_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def yes_threshold(run: MethodRun) -> tuple[float, str]:
    """The score above which a method's answer counts as *Yes* in VQA, and where it came from.

    ``run.json`` ``settings.yes_threshold`` when the method declares one; otherwise 0.5, which
    reads a score as P(Yes) (VQAScore).
    """
    value = run.settings().get("yes_threshold")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), "run.json settings.yes_threshold"
    return DEFAULT_YES_THRESHOLD, "default (score read as P(Yes))"


def _run_info(run: MethodRun) -> dict[str, Any]:
    if run.info is None:
        return {}
    info = run.info
    return {
        "method": info.method,
        "settings": info.settings,
        "model_path": info.model_path,
        "package_version": info.package_version,
        "git_commit": info.git_commit,
        "videos_ok": info.videos_ok,
        "videos_failed": info.videos_failed,
        "started": info.started,
        "finished": info.finished,
    }


def evaluate(
    data_dir: str | Path,
    run_dir: str | Path,
    failed: FailedPolicy = "lowest",
    n_bootstrap: int = 1000,
    seed: int = 0,
    captions_minilm: bool = True,
) -> Evaluation:
    """Evaluate every method of RUN on every label file of DATA (see :func:`evaluate_run`)."""
    if failed not in ("lowest", "drop"):
        raise ValueError(f"failed must be 'lowest' or 'drop', got {failed!r}")
    dataset = Dataset(data_dir)
    runs = read_run(run_dir)
    binary = dataset.binary
    metrics: dict[str, Any] = {
        "data": str(Path(data_dir)),
        "run": str(Path(run_dir)),
        "failed_policy": failed,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "methods": {},
    }
    if binary:
        metrics["chance"] = chance_section(binary)
    gt_files = gt_trajectories(dataset.gt_dir)
    ev = Evaluation(metrics, dataset, runs)
    for name, run in runs.items():
        log.info("evaluating %s", name)
        out: dict[str, Any] = {}
        if run.info is not None:
            out["run_info"] = _run_info(run)
        if run.duplicates:
            out["duplicate_records"] = run.duplicates
        if binary and run.scores is not None:
            samples = {p: binary_samples(recs, p.question, run) for p, recs in binary.items()}
            if any((s.status != "missing").any() for s in samples.values()):
                out["binary"], ev.resolved[name] = binary_section(samples, failed, n_bootstrap, seed)
        if dataset.vqa and run.scores is not None:
            threshold, source = yes_threshold(run)
            sections = vqa_retrieval_sections(dataset.vqa, run, failed, threshold)
            if sections is not None:
                out["vqa"], out["retrieval"] = sections
                out["vqa"]["yes_threshold_source"] = source
        if dataset.captions:
            cap = caption_section(dataset.captions, run, binary, failed, with_minilm=captions_minilm)
            if cap is not None:
                out["captions"], ev.caption_rows[name] = cap
        traj = trajectory_section(gt_files, run)
        if traj is not None:
            out["trajectory"], ev.trajectory_rows[name] = traj
        metrics["methods"][name] = out
    comparisons = []
    for a, b in itertools.combinations(sorted(ev.resolved), 2):
        result = compare_methods(ev.resolved[a], ev.resolved[b], n_bootstrap, seed)
        comparisons.append({"a": a, "b": b, **result})
    if comparisons:
        metrics["comparisons"] = comparisons
    ev.metrics = json_safe(metrics)
    return ev


def evaluate_run(
    data_dir: str | Path,
    run_dir: str | Path,
    failed: FailedPolicy = "lowest",
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Every metric for every method in RUN on every label file present in DATA.

    Args:
        data_dir: dataset folder (design.md A3).
        run_dir: run folder holding one subfolder per method.
        failed: ``"lowest"`` (failed and missing samples ranked below every score, counted)
            or ``"drop"`` (left out; methods are then scored on different samples).
        n_bootstrap: resamples for the 95% confidence intervals and the paired tests.
        seed: bootstrap seed.

    Returns:
        The metrics dict described in this module's docstring; per primitive keys are file
        stems (``Pan_Left``), skill keys folder names.
    """
    return evaluate(data_dir, run_dir, failed, n_bootstrap, seed).metrics


def primitive_order() -> list[str]:
    """Primitive stems in taxonomy order (tables and plots use it)."""
    return [p.value for p in Primitive]


def json_safe(obj: Any) -> Any:
    """Plain Python containers and numbers (numpy scalars and arrays converted; NaN stays NaN)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def strict_json(obj: Any) -> Any:
    """Replace NaN/inf by None so the output is standard JSON (null = undefined metric)."""
    if isinstance(obj, dict):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strict_json(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
