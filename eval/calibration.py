"""Calibration of a method's scores: per primitive, a map from score to P(yes).

Geometric scores are motion magnitudes (degrees, scene depths, zoom ratios), not
probabilities, so thresholding them at 0.5 for VQA's yes/no answer is arbitrary. A
:class:`Calibration` holds, per binary primitive, one of two scikit-learn maps fitted on a
labelled dataset:

- ``platt``: Platt scaling, P = 1 / (1 + exp(-(a s + b))), fitted by
  :class:`~sklearn.linear_model.LogisticRegression` without penalty on Platt's smoothed targets
  (a positive counts as (N+ + 1) / (N+ + 2), a negative as 1 / (N- + 2)), as
  :class:`sklearn.calibration.CalibratedClassifierCV` ``method="sigmoid"`` does; the
  smoothing keeps the slope finite when the scores separate the classes perfectly, which
  geometric scores often do.
- ``isotonic``: :class:`~sklearn.isotonic.IsotonicRegression` (non-decreasing, clipped outside
  the fitted range), stored as its thresholds and applied by linear interpolation exactly as
  its ``predict`` does.

The kind is chosen per primitive by cross-validated log loss (the lower wins; ties go to
Platt, the map with two parameters). Folds are by video (a video is never in a training and a
test fold at once) and the same for every primitive, so :meth:`Calibration.probability` can
give each video of the fitting dataset the map of the fold that left it out: scores evaluated
on the data the calibration was fitted on are out-of-fold (cross-fitted), and inside each
fold the kind is chosen again on that fold's training videos only. On other data the map fitted
on every video is used.

Only scored (``ok``) samples are fitted and calibrated: a failed sample has no score, and
evaluation counts it by its own policy. A primitive with one class only (or fewer than two
samples) has no map (its kind is ``undefined``, with a warning); its questions, and questions
that are not one of the 15 primitives, use the ``pooled`` map fitted on every primitive's
samples together.

Example:
    >>> import numpy as np
    >>> m = CalibrationMap.fit("isotonic", np.array([0.0, 1.0, 2.0, 3.0]), np.array([0, 0, 1, 1]))
    >>> m.apply(np.array([0.5, 2.5])).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from camerabench.crossfit import video_folds
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.results import CalibrationResult, Reliability
from camerabench.fileio import read_json, write_json
from camerabench.records import ScoreRecord, now_iso
from camerabench.runfolder import MethodFolder, MethodRun, read_method

__all__ = [
    "CALIBRATION_SCHEMA_VERSION",
    "DEFAULT_N_SPLITS",
    "MAP_KINDS",
    "POOLED",
    "RELIABILITY_BINS",
    "CalibratedRun",
    "Calibration",
    "CalibrationMap",
    "PrimitiveCalibration",
    "calibrate_run",
    "calibrated_run",
    "calibration_samples",
    "calibration_section",
    "fit_calibration",
    "read_calibration",
    "write_calibration",
]

log = logging.getLogger(__name__)

CALIBRATION_SCHEMA_VERSION = 1
#: The candidate maps, in the order ties are broken.
MAP_KINDS: tuple[str, ...] = ("platt", "isotonic")
#: Key of the map fitted on every primitive's samples together.
POOLED = "pooled"
#: Video-level folds: 5 is scikit-learn's default for cross-validation; fewer when there are
#: fewer videos.
DEFAULT_N_SPLITS = 5

MapKind = Literal["platt", "isotonic", "constant"]


# --------------------------------------------------------------------------- maps


def _platt_fit(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> tuple[float, float]:
    """(a, b) of Platt's sigmoid P = 1/(1+exp(-(a s + b))) on smoothed targets."""
    from sklearn.linear_model import LogisticRegression

    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    t_pos, t_neg = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    target = np.where(labels, t_pos, t_neg)
    # Each sample enters once as a positive with weight t and once as a negative with 1 - t:
    # the weighted log loss is the cross-entropy against the soft target t.
    x = np.concatenate([scores, scores])[:, None]
    y = np.concatenate([np.ones(len(scores)), np.zeros(len(scores))])
    w = np.concatenate([target, 1 - target])
    # Scale the score so the solver's tolerance means the same for degrees and for fractions.
    scale = float(np.std(scores)) or 1.0
    lr = LogisticRegression(C=math.inf, max_iter=1000).fit(x / scale, y, sample_weight=w)
    return float(lr.coef_[0, 0]) / scale, float(lr.intercept_[0])


@dataclass(frozen=True)
class CalibrationMap:
    """One score -> P(yes) map.

    Attributes:
        kind: ``platt``, ``isotonic`` or ``constant`` (a training fold with one class only: its
            Laplace-smoothed prevalence (positives + 1) / (n + 2), the rule of succession, so
            the probability is never exactly 0 or 1).
        params: ``platt``: ``{"a", "b"}``; ``isotonic``: ``{"x", "y"}`` (thresholds, ascending);
            ``constant``: ``{"p"}``.
    """

    kind: MapKind
    params: dict[str, Any]

    @classmethod
    def fit(cls, kind: str, scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> CalibrationMap:
        """Fit a map of ``kind`` to (N,) scores and (N,) boolean labels."""
        scores = np.asarray(scores, dtype=np.float64)
        labels = np.asarray(labels, dtype=bool)
        n, n_pos = len(labels), int(labels.sum())
        if n_pos in (0, n):
            return cls("constant", {"p": (n_pos + 1) / (n + 2)})
        if kind == "platt":
            a, b = _platt_fit(scores, labels)
            return cls("platt", {"a": a, "b": b})
        if kind == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, labels.astype(float))
            return cls("isotonic", {"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()})
        raise ValueError(f"unknown calibration map {kind!r} (known: {', '.join(MAP_KINDS)})")

    def apply(self, scores: NDArray[np.float64] | Sequence[float]) -> NDArray[np.float64]:
        """P(yes) for each score (NaN stays NaN)."""
        s = np.asarray(scores, dtype=np.float64)
        if self.kind == "platt":
            with np.errstate(over="ignore"):
                return np.asarray(1.0 / (1.0 + np.exp(-(self.params["a"] * s + self.params["b"]))))
        if self.kind == "isotonic":
            out = np.interp(s, self.params["x"], self.params["y"])
            return np.where(np.isnan(s), np.nan, out)
        return np.where(np.isnan(s), np.nan, float(self.params["p"]))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> CalibrationMap:
        kind = obj.get("kind")
        keys = {"platt": ("a", "b"), "isotonic": ("x", "y"), "constant": ("p",)}.get(str(kind))
        if keys is None:
            raise ValueError(f"unknown calibration map kind {kind!r}")
        missing = [k for k in keys if k not in obj]
        if missing:
            raise ValueError(f"calibration map {kind!r} lacks {missing}")
        return cls(kind, {k: obj[k] for k in keys})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- model choice and folds


def _log_loss(labels: NDArray[np.bool_], p: NDArray[np.float64]) -> float:
    from sklearn.metrics import log_loss

    return float(log_loss(labels.astype(int), p, labels=[0, 1]))


def _cv_log_loss(kind: str, scores: NDArray[np.float64], labels: NDArray[np.bool_], folds: NDArray[np.int64]) -> float:
    """Out-of-fold log loss of maps of ``kind`` over the given folds."""
    p = np.full(len(scores), np.nan)
    for f in np.unique(folds):
        test = folds == f
        p[test] = CalibrationMap.fit(kind, scores[~test], labels[~test]).apply(scores[test])
    return _log_loss(labels, p)


def _choose_and_fit(
    scores: NDArray[np.float64], labels: NDArray[np.bool_], videos: Sequence[str], n_splits: int
) -> tuple[CalibrationMap, dict[str, float]]:
    """The map kind with the lowest cross-validated log loss, refitted on all samples."""
    folds_of = video_folds(videos, n_splits)
    folds = np.array([folds_of[v] for v in videos])
    losses: dict[str, float] = {}
    if len(np.unique(folds)) >= 2:
        for kind in MAP_KINDS:
            losses[kind] = _cv_log_loss(kind, scores, labels, folds)
    best = min(MAP_KINDS, key=lambda k: (losses.get(k, math.inf), MAP_KINDS.index(k)))
    return CalibrationMap.fit(best, scores, labels), losses


# --------------------------------------------------------------------------- the calibration


@dataclass
class PrimitiveCalibration:
    """The calibration of one primitive (or of the pooled samples).

    Attributes:
        full: the map fitted on every sample (None when undefined).
        folds: fold -> the map fitted without that fold's videos (its kind chosen on them).
        cv_log_loss: kind -> cross-validated log loss on every sample (what chose ``full``).
        samples: scored samples fitted on.
        positives: positives among them.
        note: why the primitive has no map, when it has none.
    """

    full: CalibrationMap | None
    folds: dict[int, CalibrationMap] = field(default_factory=dict)
    cv_log_loss: dict[str, float] = field(default_factory=dict)
    samples: int = 0
    positives: int = 0
    note: str | None = None

    @property
    def kind(self) -> str:
        return self.full.kind if self.full is not None else "undefined"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "full": self.full.to_dict() if self.full else None,
            "folds": {str(k): m.to_dict() for k, m in self.folds.items()},
            "cv_log_loss": {k: (v if math.isfinite(v) else None) for k, v in self.cv_log_loss.items()},
            "samples": self.samples,
            "positives": self.positives,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> PrimitiveCalibration:
        full = obj.get("full")
        return cls(
            full=CalibrationMap.from_dict(full) if full else None,
            folds={int(k): CalibrationMap.from_dict(m) for k, m in (obj.get("folds") or {}).items()},
            cv_log_loss={k: (math.nan if v is None else float(v)) for k, v in (obj.get("cv_log_loss") or {}).items()},
            samples=int(obj.get("samples", 0)),
            positives=int(obj.get("positives", 0)),
            note=obj.get("note"),
        )


def _fit_primitive(
    scores: NDArray[np.float64], labels: NDArray[np.bool_], videos: list[str], folds_of: Mapping[str, int], name: str
) -> PrimitiveCalibration:
    n, n_pos = len(labels), int(labels.sum())
    if n < 2 or n_pos in (0, n):
        note = f"{n} scored samples, {n_pos} positive: one class only, no calibration"
        warnings.warn(f"calibration of {name} is undefined: {note}", UndefinedMetricWarning, stacklevel=3)
        return PrimitiveCalibration(None, samples=n, positives=n_pos, note=note)
    n_splits = len(set(folds_of.values()))
    full, losses = _choose_and_fit(scores, labels, videos, n_splits)
    fold = np.array([folds_of[v] for v in videos])
    per_fold: dict[int, CalibrationMap] = {}
    for f in sorted(set(folds_of.values())):
        train = fold != f
        train_videos = [v for v, t in zip(videos, train, strict=True) if t]
        if len(train_videos) >= 2:
            per_fold[f], _ = _choose_and_fit(scores[train], labels[train], train_videos, n_splits)
        else:
            per_fold[f] = CalibrationMap.fit("platt", scores[train], labels[train])
    return PrimitiveCalibration(full, per_fold, losses, n, n_pos)


def fit_calibration(
    samples: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    n_splits: int = DEFAULT_N_SPLITS,
) -> tuple[dict[str, PrimitiveCalibration], dict[str, int]]:
    """Per-primitive calibrations plus the pooled one, and the video folds.

    Args:
        samples: primitive stem -> (labels (N,), scores (N,), videos (N,)), scored samples only.
        n_splits: video-level folds.

    Returns:
        ``(per_key, folds)``: primitive stem (and :data:`POOLED`) -> calibration; video -> fold.
    """
    videos = sorted({v for _, _, vs in samples.values() for v in vs})
    folds_of = video_folds(videos, n_splits)
    out = {name: _fit_primitive(s, y, list(v), folds_of, name) for name, (y, s, v) in samples.items()}
    if samples:
        y_all = np.concatenate([y for y, _, _ in samples.values()])
        s_all = np.concatenate([s for _, s, _ in samples.values()])
        v_all = [v for _, _, vs in samples.values() for v in vs]
        out[POOLED] = _fit_primitive(s_all, y_all, v_all, folds_of, POOLED)
    return out, folds_of


@dataclass
class Calibration:
    """A method's calibration, as saved in ``RUN/<method>/calibration.json``.

    Attributes:
        method: the method folder it was fitted for.
        fitted_on_data: the dataset folder (resolved) whose labels it was fitted on.
        fitted_on_run: the run folder whose scores it was fitted on.
        video_folds: video of the fitting dataset -> its fold (cross-fitting).
        per_primitive: primitive stem, and :data:`POOLED` -> calibration.
        created: when it was fitted.
        copied_from: the calibration file this one was copied from (applied to another
            dataset), or None.
        schema_version: version of this file's layout.
    """

    method: str
    fitted_on_data: str
    fitted_on_run: str
    video_folds: dict[str, int]
    per_primitive: dict[str, PrimitiveCalibration]
    created: str = field(default_factory=now_iso)
    copied_from: str | None = None
    schema_version: int = CALIBRATION_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "method": self.method,
            "fitted_on_data": self.fitted_on_data,
            "fitted_on_run": self.fitted_on_run,
            "created": self.created,
            "copied_from": self.copied_from,
            "video_folds": dict(self.video_folds),
            "per_primitive": {k: v.to_dict() for k, v in self.per_primitive.items()},
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Calibration:
        version = obj.get("schema_version")
        if version != CALIBRATION_SCHEMA_VERSION:
            raise ValueError(f"calibration schema_version {version!r} is not {CALIBRATION_SCHEMA_VERSION}")
        return cls(
            method=str(obj["method"]),
            fitted_on_data=str(obj["fitted_on_data"]),
            fitted_on_run=str(obj["fitted_on_run"]),
            video_folds={str(k): int(v) for k, v in obj["video_folds"].items()},
            per_primitive={k: PrimitiveCalibration.from_dict(v) for k, v in obj["per_primitive"].items()},
            created=str(obj.get("created", "")),
            copied_from=obj.get("copied_from"),
        )

    def fitted_on(self, data_dir: str | Path) -> bool:
        """Whether ``data_dir`` is the dataset this calibration was fitted on (same resolved path)."""
        return str(Path(data_dir).resolve()) == self.fitted_on_data

    def _map(self, key: str, video: str, cross_fit: bool) -> tuple[CalibrationMap | None, str]:
        cal = self.per_primitive.get(key)
        used = key
        if cal is None or cal.full is None:
            cal, used = self.per_primitive.get(POOLED), POOLED
        if cal is None or cal.full is None:
            return None, used
        fold = self.video_folds.get(video) if cross_fit else None
        if fold is not None and fold in cal.folds:
            return cal.folds[fold], used
        return cal.full, used

    def probability(self, score: float, primitive: str | None, video: str, cross_fit: bool) -> tuple[float, str]:
        """P(yes) of one score and the map used (the primitive's, or :data:`POOLED`).

        Args:
            score: the method's score.
            primitive: the question's primitive stem, None for other questions.
            video: the video (selects the out-of-fold map when ``cross_fit``).
            cross_fit: evaluate on the fitting dataset: each of its videos gets the map of the
                fold that left it out.

        Returns:
            ``(p, key)``; p is NaN when neither the primitive nor the pooled map is defined.
        """
        m, used = self._map(primitive or POOLED, video, cross_fit)
        if m is None:
            return math.nan, used
        return float(m.apply([score])[0]), used


def write_calibration(path: str | Path, calibration: Calibration) -> None:
    """Write ``calibration.json`` (atomically)."""
    write_json(path, calibration.to_dict())


def read_calibration(path: str | Path) -> Calibration:
    """Read a ``calibration.json``.

    Raises:
        FileFormatError: not a calibration file.
    """
    obj = read_json(path)
    if not isinstance(obj, dict):
        raise FileFormatError(Path(path), "a calibration must be a JSON object")
    try:
        return Calibration.from_dict(obj)
    except (KeyError, TypeError, ValueError) as exc:
        raise FileFormatError(Path(path), f"malformed calibration: {exc}") from exc


# --------------------------------------------------------------------------- from a run folder


def calibration_samples(
    dataset: Dataset, run: MethodRun
) -> dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]:
    """Per primitive stem: (labels, scores, videos) of the method's scored binary samples."""
    table = run.scores or {}
    out: dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]] = {}
    for prim, recs in dataset.binary.items():
        labels: list[bool] = []
        scores: list[float] = []
        videos: list[str] = []
        for r in recs:
            rec = table.get((r.image, prim.question))
            if rec is None or rec.status != "ok" or rec.score is None:
                continue
            labels.append(r.label == "Yes")
            scores.append(float(rec.score))
            videos.append(r.image)
        out[prim.value] = (np.array(labels, dtype=bool), np.array(scores, dtype=np.float64), videos)
    return out


def calibrate_run(
    data_dir: str | Path,
    run_dir: str | Path,
    method: str,
    n_splits: int = DEFAULT_N_SPLITS,
    copy_from: str | Path | None = None,
) -> tuple[Calibration, Path]:
    """Fit (or copy) the calibration of ``RUN/<method>`` and save it as its ``calibration.json``.

    Args:
        data_dir: the labelled dataset to fit on (the dataset the run scored).
        run_dir: the run folder.
        method: the method folder name.
        n_splits: video-level folds for the model choice and the cross-fitting.
        copy_from: instead of fitting, apply the calibration of another run: a run folder
            (its ``<method>/calibration.json``) or a calibration file. It is copied unchanged
            except for ``copied_from``, so evaluation uses its full maps (no video of this
            dataset is in its folds unless it is the same dataset).

    Returns:
        ``(calibration, path written)``.

    Raises:
        CameraBenchError: no such method folder, no binary labels, or no scored sample.
    """
    folder = MethodFolder.of(run_dir, method)
    if not folder.path.is_dir():
        raise CameraBenchError(f"{folder.path}: no such method folder")
    if copy_from is not None:
        source = Path(copy_from)
        if source.is_dir():
            source = MethodFolder.of(source, method).calibration
        if not source.is_file():
            raise CameraBenchError(f"{source}: no calibration file (run `camerabench calibrate` on that run first)")
        cal = read_calibration(source)
        cal.copied_from = str(source.resolve())
        write_calibration(folder.calibration, cal)
        log.info("%s: calibration fitted on %s applied to %s", folder.path, cal.fitted_on_data, data_dir)
        return cal, folder.calibration
    dataset = Dataset(data_dir)
    dataset.validate()
    if not dataset.binary:
        raise CameraBenchError(f"{data_dir}: no binary labels to calibrate on")
    run = read_method(folder.path)
    if run.scores is None:
        raise CameraBenchError(f"{folder.scores}: no scores to calibrate")
    samples = calibration_samples(dataset, run)
    if not any(len(y) for y, _, _ in samples.values()):
        raise CameraBenchError(f"{folder.scores}: no scored sample matches a binary label of {data_dir}")
    per, folds = fit_calibration(samples, n_splits)
    cal = Calibration(
        method=method,
        fitted_on_data=str(Path(data_dir).resolve()),
        fitted_on_run=str(Path(run_dir).resolve()),
        video_folds=folds,
        per_primitive=per,
    )
    write_calibration(folder.calibration, cal)
    return cal, folder.calibration


# --------------------------------------------------------------------------- evaluation

#: Reliability bins: 10 equal-width bins over [0, 1], the reliability diagrams of
#: Niculescu-Mizil & Caruana (2005); ECE is computed over the same bins.
RELIABILITY_BINS = 10


@dataclass
class CalibratedRun:
    """A method's scores as calibrated probabilities, and how they were obtained.

    Attributes:
        run: a copy of the method's run whose ok scores are P(yes).
        calibration: the calibration used.
        cross_fit: whether each video of the fitting dataset got its out-of-fold map.
        pooled: records calibrated by the pooled map (not a primitive question, or a primitive
            without a map of its own).
        undefined: records left without a probability (no map at all); they count as failed.
    """

    run: MethodRun
    calibration: Calibration
    cross_fit: bool
    pooled: int = 0
    undefined: int = 0

    @property
    def source(self) -> str:
        return "cross-fitted" if self.cross_fit else "fitted on other data"


def calibrated_run(run: MethodRun, calibration: Calibration, data_dir: str | Path) -> CalibratedRun:
    """``run`` with every ok score replaced by its calibrated P(yes).

    On the dataset the calibration was fitted on, each video gets the map of the fold that left
    it out (cross-fitting); elsewhere the full maps. A record with no map (no per-primitive and
    no pooled map) becomes failed with that reason.
    """
    cross_fit = calibration.fitted_on(data_dir)
    table = run.scores or {}
    out: dict[tuple[str, str], ScoreRecord] = {}
    pooled = undefined = 0
    for key, rec in table.items():
        if rec.status != "ok" or rec.score is None:
            out[key] = rec
            continue
        p, used = calibration.probability(float(rec.score), rec.primitive, rec.video, cross_fit)
        pooled += used == POOLED
        if math.isfinite(p):
            out[key] = dataclasses.replace(rec, score=p)
        else:
            undefined += 1
            out[key] = ScoreRecord.failed(rec.video, rec.question, rec.method, "no calibration map", rec.primitive)
    copy = dataclasses.replace(run, scores=out)
    return CalibratedRun(copy, calibration, cross_fit, pooled, undefined)


def _bin_ids(p: NDArray[np.float64], n_bins: int) -> NDArray[np.int64]:
    """Equal-width bin of each probability, as ``sklearn.calibration.calibration_curve(strategy=
    "uniform")`` bins them: bin i is (i/n, (i+1)/n] (the first also holds 0)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.asarray(np.searchsorted(edges[1:-1], p))


def _ece(labels: NDArray[np.bool_], p: NDArray[np.float64], n_bins: int) -> float:
    """Sum over equal-width bins of (bin share) x |fraction of positives - mean P(yes)|."""
    bins = _bin_ids(p, n_bins)
    total = 0.0
    for b in np.unique(bins):
        m = bins == b
        total += m.mean() * abs(labels[m].mean() - p[m].mean())
    return float(total)


def calibration_section(
    dataset: Dataset, run: MethodRun, calibrated: CalibratedRun | None, calibration_file: Path | None = None
) -> CalibrationResult | None:
    """Brier score, ECE and reliability data of a method's P(yes) on its scored binary samples.

    With a calibration, the calibrated probabilities (out-of-fold on the fitting dataset).
    Without one, the raw scores when every scored binary sample lies in [0, 1] (a VQAScore is
    P(yes)); otherwise None: a score that is not a probability has no Brier score.
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    source_run = calibrated.run if calibrated is not None else run
    samples = calibration_samples(dataset, source_run)
    y = np.concatenate([s[0] for s in samples.values()]) if samples else np.zeros(0, bool)
    p = np.concatenate([s[1] for s in samples.values()]) if samples else np.zeros(0)
    if len(y) == 0:
        return None
    if calibrated is None and not ((p >= 0) & (p <= 1)).all():
        return None
    per: dict[str, float] = {}
    for name, (yy, pp, _) in samples.items():
        if len(yy) == 0 or yy.all() or not yy.any():
            warnings.warn(f"Brier score of {name} is undefined: one class only", UndefinedMetricWarning, stacklevel=2)
            per[name] = math.nan
        else:
            per[name] = float(brier_score_loss(yy, pp))
    if y.all() or not y.any():
        warnings.warn("calibration metrics are undefined: one class only", UndefinedMetricWarning, stacklevel=2)
        brier, ece = math.nan, math.nan
        reliability = Reliability(RELIABILITY_BINS, [], [], [])
    else:
        brier = float(brier_score_loss(y, p))
        ece = _ece(y, p, RELIABILITY_BINS)
        prob_true, prob_pred = calibration_curve(y, p, n_bins=RELIABILITY_BINS, strategy="uniform")
        counts = np.bincount(_bin_ids(p, RELIABILITY_BINS), minlength=RELIABILITY_BINS)
        reliability = Reliability(
            RELIABILITY_BINS, prob_pred.tolist(), prob_true.tolist(), [int(c) for c in counts if c > 0]
        )
    if calibrated is None:
        return CalibrationResult("raw scores", brier, ece, len(y), per, reliability)
    cal = calibrated.calibration
    return CalibrationResult(
        calibrated.source,
        brier,
        ece,
        len(y),
        per,
        reliability,
        fitted_on_data=cal.fitted_on_data,
        calibration_file=str(calibration_file) if calibration_file else None,
        copied_from=cal.copied_from,
        maps={k: v.kind for k, v in cal.per_primitive.items()},
    )
