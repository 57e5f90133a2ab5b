"""Reading a run folder (design.md A3) and matching its records to the labels.

``RUN/<method>/scores.jsonl``, ``captions.jsonl``, ``trajectories/<stem>.npz`` and
``run.json`` are read through :mod:`camerabench.records`. A method folder is any
subfolder of RUN holding at least one of those files.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from camerabench.errors import FileFormatError
from camerabench.eval.ap import PrimitiveSamples
from camerabench.records import CaptionRecord, RunInfo, ScoreRecord, read_captions, read_run_info, read_scores
from camerabench.taxonomy import BinaryRecord

__all__ = ["MethodRun", "binary_samples", "read_run"]

log = logging.getLogger(__name__)

_RUN_FILES = ("scores.jsonl", "captions.jsonl", "run.json", "trajectories")


@dataclass
class MethodRun:
    """One method's outputs in a run folder.

    Attributes:
        name: the method folder name.
        folder: ``RUN/<method>``.
        scores: (video, question) -> record (None when there is no ``scores.jsonl``).
        captions: video -> caption record (None when there is no ``captions.jsonl``).
        info: ``run.json`` if present.
        duplicates: number of (video, question) keys recorded more than once (an ok record
            wins over a failed one; otherwise the later line wins).
    """

    name: str
    folder: Path
    scores: dict[tuple[str, str], ScoreRecord] | None = None
    captions: dict[str, CaptionRecord] | None = None
    info: RunInfo | None = None
    duplicates: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def trajectories_dir(self) -> Path:
        return self.folder / "trajectories"

    def trajectory_path(self, video: str) -> Path:
        return self.trajectories_dir / f"{Path(video).stem}.npz"

    @property
    def has_trajectories(self) -> bool:
        return self.trajectories_dir.is_dir() and any(self.trajectories_dir.glob("*.npz"))

    def settings(self) -> dict[str, object]:
        return dict(self.info.settings) if self.info else {}


def _index_scores(path: Path) -> tuple[dict[tuple[str, str], ScoreRecord], int]:
    out: dict[tuple[str, str], ScoreRecord] = {}
    duplicates = 0
    for rec in read_scores(path):
        key = (rec.video, rec.question)
        old = out.get(key)
        if old is not None:
            duplicates += 1
            if old.status == "ok" and rec.status != "ok":
                continue
        out[key] = rec
    if duplicates:
        log.warning("%s: %d (video, question) pairs are recorded more than once; ok records win", path, duplicates)
    return out, duplicates


def _index_captions(path: Path) -> dict[str, CaptionRecord]:
    out: dict[str, CaptionRecord] = {}
    for rec in read_captions(path):
        old = out.get(rec.video)
        if old is not None and old.status == "ok" and rec.status != "ok":
            continue
        out[rec.video] = rec
    return out


def read_method(folder: str | Path) -> MethodRun:
    """Read one ``RUN/<method>`` folder."""
    folder = Path(folder)
    run = MethodRun(folder.name, folder)
    if (folder / "scores.jsonl").is_file():
        run.scores, run.duplicates = _index_scores(folder / "scores.jsonl")
    if (folder / "captions.jsonl").is_file():
        run.captions = _index_captions(folder / "captions.jsonl")
    if (folder / "run.json").is_file():
        run.info = read_run_info(folder / "run.json")
    return run


def read_run(run_dir: str | Path) -> dict[str, MethodRun]:
    """Every method folder of a run, by name (sorted).

    Raises:
        FileFormatError: RUN is not a folder or holds no method folder.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileFormatError(run_dir, "run folder not found")
    methods = {
        p.name: read_method(p)
        for p in sorted(run_dir.iterdir())
        if p.is_dir() and not p.name.startswith(".") and any((p / f).exists() for f in _RUN_FILES)
    }
    if not methods:
        raise FileFormatError(run_dir, "no method folder (RUN/<method>/scores.jsonl, captions.jsonl, ...) found")
    return methods


def binary_samples(records: list[BinaryRecord], question: str, run: MethodRun) -> PrimitiveSamples:
    """Align one primitive's labels with a method's score records by (video, question).

    A label with no record is ``missing``; a record with status failed is ``failed``.
    """
    n = len(records)
    labels = np.fromiter((r.label == "Yes" for r in records), dtype=bool, count=n)
    scores = np.full(n, math.nan)
    status = np.full(n, "missing", dtype=object)
    reasons: dict[str, int] = {}
    table = run.scores or {}
    for i, r in enumerate(records):
        rec = table.get((r.image, question))
        if rec is None:
            continue
        status[i] = rec.status
        if rec.status == "ok":
            scores[i] = float(rec.score)  # type: ignore[arg-type]
        else:
            reason = rec.reason or "unknown"
            reasons[reason] = reasons.get(reason, 0) + 1
    return PrimitiveSamples([r.image for r in records], labels, scores, status.astype(str), reasons)
