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

A ``calibration.json`` is checked when read (:func:`read_calibration`; a hand-edited file can
hold anything): a field out of range, and a map that the file's own fields say was fitted but is
not there (no ``pooled`` entry, a map dropped from samples of both classes, a video in a fold no
map was fitted for), is refused naming the file, line and field. A map absent by the file's own
account (samples of one class) is read; the scores it leaves without a map count as failed.

Example:
    >>> import numpy as np
    >>> m = CalibrationMap.fit("isotonic", np.array([0.0, 1.0, 2.0, 3.0]), np.array([0, 0, 1, 1]))
    >>> m.apply(np.array([0.5, 2.5])).tolist()
    [0.0, 1.0]
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import json
import logging
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from camerabench.crossfit import (
    binary_values,
    clip_names,
    content_prints,
    held_out_videos,
    label_digests,
    same_file_keys,
    scored_prints,
    training_files,
    training_prints,
    video_folds,
)
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.eval.ap import UndefinedMetricWarning, _real_values, _three_items, _video_names
from camerabench.eval.results import UNANSWERABLE_KEY, CalibrationResult, Reliability, escaped_text
from camerabench.fileio import FieldError, parse_member, read_json_document, write_json
from camerabench.locks import FolderLock
from camerabench.records import ScoreRecord, now_iso
from camerabench.runfolder import MethodFolder, MethodRun, read_method
from camerabench.taxonomy import Primitive

__all__ = [
    "CALIBRATION_SCHEMA_VERSION",
    "DEFAULT_N_SPLITS",
    "MAP_KINDS",
    "POOLED",
    "PROBABILITY_KINDS",
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
    "scores_digest",
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


def _interp(s: NDArray[np.float64], x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.interp(s, x, y)`` (constant beyond the ends) by the fraction of each segment:
    ``np.interp`` takes the slope first, which for thresholds 3e-323 apart is 1 / 3e-323 = inf
    (P(yes) came out inf); the fraction of two tiny differences is finite. A segment wider than
    the largest float (thresholds -1.7e308 and 1.7e308: its width overflowed to inf, and inf / inf
    gave P(yes) NaN) takes the fraction of the halved differences, which cannot overflow (the
    halves of finite numbers are at most half the largest float apart); only such segments are
    halved, so subnormal thresholds keep their exact differences."""
    if len(x) == 1:
        return np.where(np.isnan(s), np.nan, y[0])
    clipped = np.clip(s, x[0], x[-1])
    i = np.clip(np.searchsorted(x, clipped, side="right") - 1, 0, len(x) - 2)
    with np.errstate(over="ignore"):
        width = x[i + 1] - x[i]
        offset = clipped - x[i]  # at most width: finite wherever width is
    wide = np.isinf(width)
    if wide.any():
        width = np.where(wide, x[i + 1] / 2 - x[i] / 2, width)
        offset = np.where(wide, clipped / 2 - x[i] / 2, offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(width > 0, offset / width, 1.0)  # a step (repeated threshold): its right value
    out = y[i] + frac * (y[i + 1] - y[i])
    out = np.where(s < x[0], y[0], np.where(s > x[-1], y[-1], out))
    return np.asarray(np.where(np.isnan(s), np.nan, out))


#: Gradient tolerance of the Platt fit (:func:`_platt_fit`).
_PLATT_TOL = 1e-10


class MapUndefinedError(ValueError):
    """A map of this kind cannot be written in floats for these scores (a Platt slope past
    1e308 for scores of 1e-323): model choice leaves the kind out, with a warning."""


def _platt_fit(scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> tuple[float, float]:
    """(a, b) of Platt's sigmoid P = 1/(1+exp(-(a s + b))) on smoothed targets."""
    from sklearn.linear_model import LogisticRegression

    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    t_pos, t_neg = (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)
    target = np.where(labels, t_pos, t_neg)
    # Each sample enters once as a positive with weight t and once as a negative with 1 - t:
    # the weighted log loss is the cross-entropy against the soft target t.
    # Centre and scale the score, u = (s - centre) / (peak * spread), so the solver's tolerance
    # means the same for degrees and for fractions, and neither scores of 1e-200 nor of 1e200
    # under- or overflow (np.std of 1e200 is inf, of 1e-200 is 0): the spread is the standard
    # deviation of the deviations divided by their largest magnitude. The scores are first divided
    # by their largest magnitude: the deviations of scores spanning -1.7e308..1.7e308 (and the
    # median of two huge middle scores) would overflow to inf.
    top = float(np.max(np.abs(scores)))
    if top == 0.0 or not math.isfinite(top):
        top = 1.0
    norm = scores / top
    centre = float(np.median(norm))
    dev = norm - centre
    peak = float(np.max(np.abs(dev)))
    if peak == 0.0 or not math.isfinite(peak):  # every score equal: the fit is a constant
        peak, spread = 1.0, 1.0
    else:
        spread = float(np.std(dev / peak)) or 1.0
    u = dev / peak / spread
    x = np.concatenate([u, u])[:, None]
    y = np.concatenate([np.ones(len(scores)), np.zeros(len(scores))])
    w = np.concatenate([target, 1 - target])
    # tol: lbfgs stops when the largest gradient component is below it; scikit-learn's default
    # (1e-4) left the slope 0.1% short of the optimum of this objective (45.747 for 45.803):
    # 1e-10 converges to the float resolution of the loss
    lr = LogisticRegression(C=math.inf, tol=_PLATT_TOL, max_iter=10_000).fit(x, y, sample_weight=w)
    # P = sigmoid(c u + d) = sigmoid(a s + b) with a = c / (peak spread top), b = d - c centre / (peak spread)
    c, d = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    a = c / spread / peak / top
    b = d - c * centre / (spread * peak)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise MapUndefinedError(
            f"Platt scaling gave a non-finite map (a={a}, b={b}): the scores' scale is beyond a float's range"
        )
    return a, b


@dataclass(frozen=True)
class CalibrationMap:
    """One score -> P(yes) map.

    Attributes:
        kind: ``platt``, ``isotonic`` or ``constant`` (training samples of one class only: its
            Laplace-smoothed prevalence (positives + 1) / (n + 2), the rule of succession, so
            the probability is never exactly 0 or 1).
        params: ``platt``: ``{"a", "b"}``; ``isotonic``: ``{"x", "y"}`` (thresholds, ascending);
            ``constant``: ``{"p"}``.
    """

    kind: MapKind
    params: dict[str, Any]

    @classmethod
    def fit(cls, kind: str, scores: NDArray[np.float64], labels: NDArray[np.bool_]) -> CalibrationMap:
        """Fit a map of ``kind`` to (N,) scores and (N,) boolean labels.

        Raises:
            ValueError: an unknown ``kind`` (always, checked first: with labels of one class it
                was accepted, as the map is then a constant), labels that are not booleans or 0/1
                (:func:`~camerabench.crossfit.binary_values`: ``"No"`` or NaN cast to bool was a
                positive), scores or labels that are not 1-D (a (1, N) row was read as one
                sample, a (N, 1) column failed inside scikit-learn, a scalar was ``len()``'s
                TypeError), scores that are not real numbers, scores and labels of other lengths
                or none, or a score that is not finite. The message names the argument.
        """
        if not isinstance(kind, str) or kind not in MAP_KINDS:
            raise ValueError(f"kind: unknown calibration map {kind!r} (known: {', '.join(MAP_KINDS)})")
        scores = _real_values(scores, "scores")
        labels = binary_values(labels, "labels")
        for name, arr in (("scores", scores), ("labels", labels)):
            if arr.ndim != 1:
                raise ValueError(f"{name}: a calibration map is fitted on 1-D (N,) {name}, got shape {arr.shape}")
        n, n_pos = len(labels), int(labels.sum())
        if n == 0 or len(scores) != n:
            raise ValueError(f"a calibration map needs scores and labels of one length >= 1, got {len(scores)} and {n}")
        if not np.isfinite(scores).all():
            raise ValueError("a calibration map is fitted on finite scores only")
        if n_pos in (0, n):
            return cls("constant", {"p": (n_pos + 1) / (n + 2)})
        if kind == "platt":
            a, b = _platt_fit(scores, labels)
            return cls("platt", {"a": a, "b": b})
        if kind == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            # fitted on the ranks of the distinct scores, thresholds mapped back to scores:
            # scikit-learn merges scores closer than 1e-15 (its float resolution, in absolute
            # terms), so probabilities of 1e-20 and 6e-20 would become one score
            distinct = np.unique(scores)
            rank = np.searchsorted(distinct, scores).astype(np.float64)
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(rank, labels.astype(float))
            x = distinct[np.rint(iso.X_thresholds_).astype(np.int64)]
            return cls("isotonic", {"x": x.tolist(), "y": iso.y_thresholds_.tolist()})
        raise AssertionError(f"unhandled calibration map {kind!r}")  # MAP_KINDS are all handled above

    def apply(self, scores: NDArray[np.float64] | Sequence[float]) -> NDArray[np.float64]:
        """P(yes) for each score (NaN stays NaN), in the shape of ``scores``.

        Raises:
            ValueError: scores that are not real numbers (a complex score lost its imaginary
                part; a string was read as a number), or a ragged list, naming ``scores``.
        """
        s = _real_values(scores, "scores")
        if self.kind == "platt":
            with np.errstate(over="ignore"):
                return np.asarray(1.0 / (1.0 + np.exp(-(self.params["a"] * s + self.params["b"]))))
        if self.kind == "isotonic":
            out = _interp(s, np.asarray(self.params["x"], np.float64), np.asarray(self.params["y"], np.float64))
            return np.where(np.isnan(s), np.nan, out)
        return np.where(np.isnan(s), np.nan, float(self.params["p"]))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> CalibrationMap:
        """The map a :meth:`to_dict` object describes, checked (a hand-edited file can hold anything).

        Raises:
            ValueError: not an object, unknown kind, a missing parameter, a parameter that is not a
                finite number, isotonic thresholds that are empty, of unequal lengths or not
                ascending, or a probability outside [0, 1].
        """
        if not isinstance(obj, Mapping):
            raise ValueError(f"a calibration map must be a JSON object, got {_show(obj)}")
        kind = obj.get("kind")
        keys = {"platt": ("a", "b"), "isotonic": ("x", "y"), "constant": ("p",)}.get(str(kind))
        if keys is None:
            raise ValueError(f"unknown calibration map kind {kind!r} (known: platt, isotonic, constant)")
        missing = [k for k in keys if k not in obj]
        if missing:
            raise ValueError(f"calibration map {kind!r} lacks {missing}")
        if kind == "platt":
            return cls("platt", {k: _finite(obj[k], k) for k in keys})
        if kind == "constant":
            return cls("constant", {"p": _probability(obj["p"], "p")})
        x, y = obj["x"], obj["y"]
        if not isinstance(x, list) or not isinstance(y, list) or not x or len(x) != len(y):
            raise ValueError(f"isotonic x and y must be non-empty lists of one length, got {_show(x)} and {_show(y)}")
        xs = [_finite(v, "x") for v in x]
        ys = [_probability(v, "y") for v in y]
        if any(b < a for a, b in itertools.pairwise(xs)):
            raise ValueError("isotonic thresholds x must be ascending")
        if any(b < a for a, b in itertools.pairwise(ys)):
            raise ValueError("isotonic probabilities y must be non-decreasing")
        return cls("isotonic", {"x": xs, "y": ys})


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _finite(value: Any, name: str) -> float:
    """``value`` if it is a finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {_show(value)}")
    return float(value)


def _probability(value: Any, name: str) -> float:
    p = _finite(value, name)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {_show(value)}")
    return p


def _count(value: Any, name: str) -> int:
    """``value`` if it is a non-negative JSON integer (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {_show(value)}")
    return value


def _fold_key(value: Any) -> int:
    """A fold number written as a JSON object key ("0", "1", ...)."""
    if not isinstance(value, str) or not value.isdigit() or not value.isascii():
        raise ValueError(f"a fold must be a non-negative integer, got {_show(value)}")
    return int(value)


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
    undefined: dict[str, str] = {}
    if len(np.unique(folds)) >= 2:
        for kind in MAP_KINDS:
            try:
                losses[kind] = _cv_log_loss(kind, scores, labels, folds)
            except MapUndefinedError as exc:  # left out of the choice, said why
                undefined[kind] = str(exc)
    usable = [k for k in MAP_KINDS if k not in undefined]
    if not usable:
        raise MapUndefinedError("; ".join(f"{k}: {why}" for k, why in undefined.items()))
    for kind, why in undefined.items():
        log.warning("%s map left out of the choice: %s", kind, why)
        losses[kind] = math.nan
    # a kind whose every cross-validation fit was of one class (a constant) can still be undefined on
    # all samples (Platt's slope on scores of 0 and 1e-320): it was an uncaught MapUndefinedError
    for best in sorted(usable, key=lambda k: (losses.get(k, math.inf), MAP_KINDS.index(k))):
        try:
            return CalibrationMap.fit(best, scores, labels), losses
        except MapUndefinedError as exc:
            log.warning("%s map left out of the choice: %s", best, exc)
            undefined[best] = str(exc)
            losses[best] = math.nan
    raise MapUndefinedError("; ".join(f"{k}: {why}" for k, why in undefined.items()))


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
        """Raises :class:`FieldError` (a ValueError naming the member) for anything malformed."""
        if not isinstance(obj, Mapping):
            raise FieldError(f"must be a JSON object, got {_show(obj)}")
        full = parse_member(("full",), CalibrationMap.from_dict, obj["full"]) if obj.get("full") is not None else None
        folds = obj.get("folds") or {}
        if not isinstance(folds, Mapping):
            raise FieldError(f"folds must be a JSON object, got {_show(folds)}", "folds")
        if folds and full is None:
            raise FieldError("holds fold maps but no full map", "folds")
        losses = obj.get("cv_log_loss") or {}
        if not isinstance(losses, Mapping):
            raise FieldError(f"cv_log_loss must be a JSON object, got {_show(losses)}", "cv_log_loss")
        samples = parse_member(("samples",), _count, obj.get("samples", 0), "samples")
        positives = parse_member(("positives",), _count, obj.get("positives", 0), "positives")
        if positives > samples:
            raise FieldError(f"positives ({positives}) exceed samples ({samples})", "positives")
        note = obj.get("note")
        if note is not None and not isinstance(note, str):
            raise FieldError(f"note must be a string or null, got {_show(note)}", "note")
        return cls(
            full=full,
            folds={
                parse_member(("folds", k), _fold_key, k): parse_member(("folds", k), CalibrationMap.from_dict, m)
                for k, m in folds.items()
            },
            cv_log_loss={
                k: (math.nan if v is None else parse_member(("cv_log_loss", k), _finite, v, f"cv_log_loss {k}"))
                for k, v in losses.items()
            },
            samples=samples,
            positives=positives,
            note=note,
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
    one_class: list[tuple[int, int, int]] = []  # (fold, training samples, positives among them)
    for f in sorted(set(folds_of.values())):
        train = fold != f
        if not train.any():  # every sample is in fold f: its videos get the pooled map of fold f
            continue
        n_train, pos_train = int(train.sum()), int(labels[train].sum())
        if pos_train in (0, n_train):
            # every positive (or negative) is in fold f: the map fitted without them is a constant P(yes)
            # (the smoothed prevalence), the same for each of the fold's videos, positives and negatives
            # alike: it was given to them without a word
            one_class.append((f, n_train, pos_train))
        train_videos = [v for v, t in zip(videos, train, strict=True) if t]
        if len(train_videos) >= 2:
            per_fold[f], _ = _choose_and_fit(scores[train], labels[train], train_videos, n_splits)
        else:
            per_fold[f] = CalibrationMap.fit("platt", scores[train], labels[train])
    if one_class:
        f, n_train, pos_train = one_class[0]
        log.warning(
            "calibration of %s: the training videos of %d of its %d folds hold one class only (e.g. fold %d: %d of "
            "%d samples positive): each video of those folds gets one constant P(yes), the smoothed prevalence "
            "(%s), whatever its score; the cross-fitted Brier score and ECE of %s measure that constant",
            name,
            len(one_class),
            len(set(folds_of.values())),
            f,
            pos_train,
            n_train,
            ", ".join(f"fold {g}: {(p + 1) / (n + 2):.3g}" for g, n, p in one_class),
            name,
        )
    return PrimitiveCalibration(full, per_fold, losses, n, n_pos)


def _check_n_splits(n_splits: Any) -> int:
    """``n_splits`` as an int; refuse one that is not an integer >= 2 (a float, a bool, 1, 0, a negative)."""
    if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer):
        raise CameraBenchError(f"calibration folds must be an integer >= 2, got {n_splits!r}")
    if n_splits < 2:
        raise CameraBenchError(
            f"calibration is cross-fitted over video folds: it needs at least 2 folds (--folds), got {n_splits}"
        )
    return int(n_splits)


def _sample_arrays(name: Any, value: Any) -> tuple[NDArray[Any], NDArray[Any], list[str]]:
    """One primitive's (labels, scores, videos) as two 1-D arrays of one length and a list of video
    names (str), their values not yet checked.

    Raises:
        ValueError: ``value`` is not the 3 items (labels, scores, videos) (2 items were a
            TypeError about a missing argument), labels or scores that are not 1-D, videos that are
            not a sequence, lengths that differ, or a video id that is not a string (sorting 1 among
            "x" was Python's ``TypeError: '<' not supported``; refused rather than ordered by
            ``str``: the calibration file keys videos by name, so 1 and "1" would be one video there
            and two here). The message names the primitive.
    """
    labels, scores, videos = _three_items(value, f"calibration samples of {name}: the value")
    try:
        y, s = np.asarray(labels), np.asarray(scores)
    except ValueError as e:  # a ragged nest of lists
        raise ValueError(f"calibration samples of {name}: labels and scores must be 1-D arrays: {e}") from e
    v = _video_names(videos, f"calibration samples of {name}")
    if y.ndim != 1 or s.ndim != 1 or not len(y) == len(s) == len(v):
        raise ValueError(
            f"calibration samples of {name}: labels, scores and videos must be 1-D of one length, got "
            f"{y.shape}, {s.shape} and {len(v)}"
        )
    return y, s, v


def _checked_samples(name: Any, value: Any) -> tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]:
    """One primitive's (labels, scores, videos), checked and as arrays (see :func:`fit_calibration`)."""
    if name == POOLED:  # it was silently replaced by the map of every primitive's samples
        raise ValueError(
            f"calibration samples: {POOLED!r} is not a primitive: its map is fitted here on every primitive's samples"
        )
    known = [p.value for p in Primitive]
    if name not in known:  # a typo ("pan_left") fitted a map of its own that no question ever used
        by_lower = {k.lower(): k for k in known}
        close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.0)
        raise ValueError(
            f"calibration samples: {_show(name)} is not a primitive name (a file stem of the taxonomy, e.g. "
            f"'Pan_Left'): did you mean {by_lower[close[0]]!r}? A map under another key would be applied to no "
            "question"
        )
    y, s, v = _sample_arrays(name, value)
    # 2 or 0.5 as a label was a positive of its own kind: np.sum counted 0.5, astype(bool) True
    y = binary_values(y, f"calibration samples of {name}: labels")
    if s.dtype.kind not in "iuf" or s.dtype.kind == "b":
        raise ValueError(f"calibration samples of {name}: scores must be numbers, got dtype {s.dtype}")
    s = s.astype(np.float64)
    bad = ~np.isfinite(s)
    if bad.any():
        raise ValueError(
            f"calibration samples of {name}: {int(bad.sum())} of {len(s)} scores are not finite (e.g. "
            f"{float(s[bad][0])!r} on {v[int(np.flatnonzero(bad)[0])]}): a score -> P(yes) map is fitted on "
            "finite scores"
        )
    return y, s, v


def fit_calibration(
    samples: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    n_splits: int = DEFAULT_N_SPLITS,
    same_clip: Mapping[str, str] | None = None,
) -> tuple[dict[str, PrimitiveCalibration], dict[str, int]]:
    """Per-primitive calibrations plus the pooled one, and the video folds.

    Args:
        samples: primitive stem -> (labels (N,), scores (N,), videos (N,)), scored samples only.
        n_splits: video-level folds.
        same_clip: video -> clip key (:func:`~camerabench.crossfit.same_file_keys`): the names of
            one clip (a linked or copied file) are one video for the folds and the inner model
            choice, so no map is fitted on a clip's label under one name and applied to it under another.

    Returns:
        ``(per_key, folds)``: primitive stem (and :data:`POOLED`) -> calibration; video -> fold.

    Raises:
        CameraBenchError: ``n_splits`` is not an integer >= 2.
        ValueError: a value that is not the 3 items (labels, scores, videos); a video id that is
            not a string (video names: refused rather than ordered by ``str``, as the file keys
            videos by name); fewer than 2 videos (no video could be cross-fitted: a map fitted without
            its fold would be fitted on nothing); a key :data:`POOLED` (that map is fitted
            here, on every primitive's samples); a key that is not a primitive name
            (:class:`~camerabench.taxonomy.Primitive` value, e.g. ``Pan_Left``: the message names
            the closest one); labels, scores and videos
            of different lengths; labels other than booleans or 0/1 (as
            :func:`~camerabench.eval.ap.average_precision` accepts them, in an object column too); scores that are not
            finite (NaN or infinite). The message names the primitive.

    More folds than videos are one fold per video (leave one video out), with a warning.
    """
    n_splits = _check_n_splits(n_splits)
    if not isinstance(samples, Mapping):
        raise ValueError(
            f"calibration samples: expected a mapping primitive -> (labels, scores, videos), got {_show(samples)}"
        )
    samples = {name: _checked_samples(name, value) for name, value in samples.items()}
    videos = sorted({v for _, _, vs in samples.values() for v in vs})
    # one clip under two names (a linked or copied file) in two folds: the map of one fold saw its label
    clip = clip_names(videos, same_clip)
    clips = sorted(set(clip.values()))
    if len(clips) < 2:
        raise ValueError(
            f"cross-fitting needs scored samples of at least 2 videos, got {len(clips)}"
            + (f" (the {len(videos)} names are one clip)" if len(videos) > 1 else "")
        )
    if len(clips) < len(videos):
        log.warning(
            "calibration: %d of the %d scored videos are another video's file under another name (e.g. %s is %s): "
            "each clip's names are kept in one fold",
            len(videos) - len(clips),
            len(videos),
            next(v for v in videos if clip[v] != v),
            clip[next(v for v in videos if clip[v] != v)],
        )
    if n_splits > len(clips):
        log.warning(
            "calibration: %d folds asked (--folds) but the scored binary samples are of %d videos: using %d folds "
            "(one video each)",
            n_splits,
            len(clips),
            len(clips),
        )
    folds_clip = video_folds(clips, n_splits)
    folds_of = {v: folds_clip[clip[v]] for v in videos}
    samples = {name: (y, s, [clip[x] for x in v]) for name, (y, s, v) in samples.items()}
    out = {name: _fit_primitive(s, y, list(v), folds_clip, name) for name, (y, s, v) in samples.items()}
    if samples:
        y_all = np.concatenate([y for y, _, _ in samples.values()])
        s_all = np.concatenate([s for _, s, _ in samples.values()])
        v_all = [v for _, _, vs in samples.values() for v in vs]
        out[POOLED] = _fit_primitive(s_all, y_all, v_all, folds_clip, POOLED)
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
        scores_digest: digest of the scored samples it was fitted on (:func:`scores_digest`):
            evaluation on the fitting dataset warns when the method's scores have changed since
            (None in older files).
        video_labels: video of the fitting dataset -> digest of its binary labels
            (:func:`~camerabench.crossfit.label_digests`): a moved or copied fitting dataset is
            recognised by its videos and labels, not its folder (empty in older files).
        video_files: video of the fitting dataset -> the identity of its file
            (:func:`~camerabench.crossfit.same_file_keys`): a video scored later that is one of
            those files under another name (a link made since, or on another dataset) is that
            clip, and gets the map of the fold that left it out (empty in older files).
        video_prints: video of the fitting dataset -> the content fingerprint of its file
            (:func:`~camerabench.crossfit.content_prints`): a video of another folder with a
            training video's name and labels is that video only when its file has this
            fingerprint (another synthetic seed keeps names and labels, not clips); empty in
            older files, whose videos are matched by name and labels only (with a warning).
        schema_version: version of this file's layout.
    """

    method: str
    fitted_on_data: str
    fitted_on_run: str
    video_folds: dict[str, int]
    per_primitive: dict[str, PrimitiveCalibration]
    created: str = field(default_factory=now_iso)
    copied_from: str | None = None
    video_labels: dict[str, str] = field(default_factory=dict)
    scores_digest: str | None = None
    video_files: dict[str, str] = field(default_factory=dict)
    video_prints: dict[str, str] = field(default_factory=dict)
    schema_version: int = CALIBRATION_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "method": self.method,
            "fitted_on_data": self.fitted_on_data,
            "fitted_on_run": self.fitted_on_run,
            "created": self.created,
            "copied_from": self.copied_from,
            "video_labels": dict(self.video_labels),
            "scores_digest": self.scores_digest,
            "video_files": dict(self.video_files),
            "video_prints": dict(self.video_prints),
            "video_folds": dict(self.video_folds),
            "per_primitive": {k: v.to_dict() for k, v in self.per_primitive.items()},
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Calibration:
        """The calibration a :meth:`to_dict` object describes, checked (a hand-edited file can hold
        anything): besides each field's own range, a map the other fields say ``calibrate`` fitted
        must be there (:func:`_check_complete`).

        Raises:
            FieldError: the message, and the keys that lead to the member (to name its line).
        """
        if "per_primitive" not in obj and "video_folds" not in obj:
            # another JSON file (a run.json, a fusion model) given as a calibration: not "schema_version
            # 2 is not 1" (a fusion.json) or "schema_version None is not 1" (a run.json)
            what = f" (a {obj['method']} model?)" if obj.get("method") == "fusion" else ""
            raise FieldError(
                f"not a calibration file{what}: it has neither per_primitive nor video_folds; a calibration is "
                "the calibration.json that `camerabench calibrate` writes in RUN/<method>/"
            )
        version = obj.get("schema_version")
        # true == 1 in Python: a boolean was read as version 1
        if isinstance(version, bool) or not isinstance(version, int):
            raise FieldError(f"schema_version must be an integer, got {_show(version)}", "schema_version")
        if version > CALIBRATION_SCHEMA_VERSION:
            raise FieldError(
                f"calibration schema_version {version} is newer than this camerabench reads "
                f"({CALIBRATION_SCHEMA_VERSION}): written by a newer version; update camerabench or calibrate again",
                "schema_version",
            )
        if version != CALIBRATION_SCHEMA_VERSION:
            raise FieldError(
                f"calibration schema_version {version} is not {CALIBRATION_SCHEMA_VERSION} (an unknown layout): "
                "calibrate again",
                "schema_version",
            )
        for key in ("method", "fitted_on_data", "fitted_on_run"):
            if not isinstance(obj.get(key), str) or not obj[key]:
                raise FieldError(f"{key} must be a non-empty string, got {_show(obj.get(key))}", key)
        for key in ("created", "copied_from"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise FieldError(f"{key} must be a string or null, got {_show(obj[key])}", key)
        folds, per = obj.get("video_folds"), obj.get("per_primitive")
        if not isinstance(folds, Mapping):
            raise FieldError(f"video_folds must be a JSON object (video -> fold), got {_show(folds)}", "video_folds")
        if not isinstance(per, Mapping):
            raise FieldError(f"per_primitive must be a JSON object, got {_show(per)}", "per_primitive")
        video_folds = {str(k): parse_member(("video_folds", k), _count, v, "fold") for k, v in folds.items()}
        if obj.get("scores_digest") is not None and not isinstance(obj["scores_digest"], str):
            raise FieldError(
                f"scores_digest must be a string or null, got {_show(obj['scores_digest'])}", "scores_digest"
            )
        digests = obj.get("video_labels") or {}
        if not isinstance(digests, Mapping) or not all(isinstance(v, str) for v in digests.values()):
            raise FieldError(
                f"video_labels must be a JSON object (video -> label digest string), got {_show(digests)}",
                "video_labels",
            )
        files = obj.get("video_files") or {}  # absent in older files
        if not isinstance(files, Mapping) or not all(isinstance(v, str) for v in files.values()):
            raise FieldError(
                f"video_files must be a JSON object (video -> file identity string), got {_show(files)}",
                "video_files",
            )
        prints = obj.get("video_prints") or {}  # absent in older files
        if not isinstance(prints, Mapping) or not all(isinstance(v, str) for v in prints.values()):
            raise FieldError(
                f"video_prints must be a JSON object (video -> content fingerprint string), got {_show(prints)}",
                "video_prints",
            )
        _check_fitting_videos(video_folds, {"video_labels": digests, "video_files": files, "video_prints": prints})
        known = {p.value for p in Primitive} | {POOLED}
        per_primitive = {}
        for key, value in per.items():
            if key not in known:
                raise FieldError(
                    f"{key!r} is not a primitive file stem (e.g. 'Pan_Left') or {POOLED!r}", "per_primitive", key
                )
            cal = parse_member(("per_primitive", key), PrimitiveCalibration.from_dict, value)
            stray = sorted(set(cal.folds) - set(video_folds.values()))
            if stray:
                raise FieldError(
                    f"{key}: fold {stray[0]} is the fold of no video in video_folds", "per_primitive", key, "folds"
                )
            per_primitive[key] = cal
        _check_complete(video_folds, per_primitive)
        return cls(
            method=obj["method"],
            fitted_on_data=obj["fitted_on_data"],
            fitted_on_run=obj["fitted_on_run"],
            video_folds=video_folds,
            per_primitive=per_primitive,
            created=obj.get("created") or "",
            copied_from=obj.get("copied_from"),
            video_labels={str(k): str(v) for k, v in digests.items()},
            scores_digest=obj.get("scores_digest"),
            video_files={str(k): str(v) for k, v in files.items()},
            video_prints={str(k): str(v) for k, v in prints.items()},
        )

    def fitted_on(self, data_dir: str | Path) -> bool:
        """Whether ``data_dir`` is the dataset this calibration was fitted on (same resolved path)."""
        return str(Path(data_dir).resolve()) == self.fitted_on_data

    def _map(self, key: str, video: str, cross_fit: bool) -> tuple[CalibrationMap | None, str]:
        """The primitive's map, else the pooled one. A video of the fitting dataset (cross-fit)
        only ever gets a map fitted without its fold, never the full map that saw its label."""
        fold = self.video_folds.get(video) if cross_fit else None
        for used in (key, POOLED):
            cal = self.per_primitive.get(used)
            if cal is None or cal.full is None:
                continue
            if fold is None:
                return cal.full, used
            if fold in cal.folds:
                return cal.folds[fold], used
        return None, POOLED

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

        Raises:
            ValueError: ``score`` is not one real number (an array, a string, a complex number),
                or ``video`` is not a string.
        """
        if isinstance(score, bool | np.bool_) or not isinstance(score, int | float | np.integer | np.floating):
            raise ValueError(f"score: one real number is scored at a time, got {_show(score)}")
        if not isinstance(video, str):
            raise ValueError(f"video: a video name (str), got {_show(video)}")
        m, used = self._map(primitive or POOLED, video, cross_fit)
        if m is None:
            return math.nan, used
        return float(m.apply([score])[0]), used


def _fold_list(folds: Sequence[int]) -> str:
    folds = sorted(folds)
    if not folds:
        return "none"
    if folds == list(range(folds[0], folds[-1] + 1)) and len(folds) > 2:
        return f"{folds[0]}-{folds[-1]}"
    return ", ".join(map(str, folds))


def _check_fitting_videos(video_folds: Mapping[str, int], named: Mapping[str, Mapping[str, Any]]) -> None:
    """The videos the other per-video fields name are the fitting videos of ``video_folds``.

    ``calibrate`` writes ``video_labels``, ``video_files`` and ``video_prints`` for exactly the
    videos it gives a fold. A fitting video taken out of ``video_folds`` by hand (red team R76)
    was scored with the full map, which saw its label (in-sample calibration, reported as
    "cross-fitted on 7 of 8 videos"); a video given a fold but no label digest would be taken
    for a video of other data on a moved dataset.

    Raises:
        FieldError: naming the first video and the field (to name its line).
    """
    for key, videos in named.items():
        foldless = sorted(str(v) for v in videos if str(v) not in video_folds)
        if foldless:
            raise FieldError(
                f"{key} names {len(foldless)} video(s) that video_folds gives no fold ({', '.join(foldless[:3])}): "
                "calibrate writes both for the same fitting videos (edited by hand?); calibrate again",
                key,
                foldless[0],
            )
    labels = named.get("video_labels") or {}
    if labels:  # empty in older files (no digests to compare)
        unlabelled = sorted(v for v in video_folds if v not in labels)
        if unlabelled:
            raise FieldError(
                f"video_folds gives a fold to {len(unlabelled)} video(s) that video_labels has no digest of "
                f"({', '.join(unlabelled[:3])}): calibrate writes both for the same fitting videos "
                "(edited by hand?); calibrate again",
                "video_folds",
                unlabelled[0],
            )


def _check_complete(video_folds: Mapping[str, int], per: Mapping[str, PrimitiveCalibration]) -> None:
    """Refuse a calibration whose own fields say a map is missing, or a video's fold has none.

    ``calibrate`` fits a map on any samples of both classes, fits the :data:`POOLED` one on every
    primitive's samples together (so its counts are their sums), and gives every fold a map of
    the pooled samples fitted without it. A hand edit that drops a map (or puts a video in a fold
    no map was fitted for) left those scores with no map at all: counted as failed by evaluation,
    which changed its metrics without an error. A map that is absent by the file's own account
    (samples of one class, recorded as such) is accepted.
    """
    if POOLED not in per:
        raise FieldError(
            f"has no {POOLED!r} entry: `camerabench calibrate` fits it on every primitive's samples together "
            "(the map of questions whose primitive has none, and of every fold without a map of its own); "
            "calibrate again",
            "per_primitive",
        )
    for key, cal in per.items():
        if cal.full is None and cal.samples >= 2 and 0 < cal.positives < cal.samples:
            raise FieldError(
                f"{key} has no map (full is null), but its {cal.samples} samples hold both classes ({cal.positives} "
                "positive): `camerabench calibrate` fits a map on them",
                "per_primitive",
                key,
                "full",
            )
    pooled = per[POOLED]
    # the pooled map is fitted on every primitive's samples: at least those of the entries here (a
    # calibration may hold some primitives only), so a pooled entry of one class made by editing its
    # counts does not pass for one absent by the file's own account
    for name in ("samples", "positives"):
        total = sum(getattr(cal, name) for key, cal in per.items() if key != POOLED)
        if getattr(pooled, name) < total:
            raise FieldError(
                f"{POOLED} records {getattr(pooled, name)} {name}, fewer than the primitives record together "
                f"({total}): the pooled map is fitted on every primitive's samples",
                "per_primitive",
                POOLED,
                name,
            )
    if pooled.full is not None:
        # each video of the fitting dataset is calibrated by a map fitted without its fold: the
        # pooled map has one for every fold (its samples are of every video in video_folds)
        model, whose = sorted(pooled.folds), f"the folds of the {POOLED} map"
    else:  # no map at all (samples of one class): folds are 0 .. k-1, each holding a video
        model, whose = list(range(len(set(video_folds.values())))), "the folds of its videos"
    for video, fold in video_folds.items():
        if fold not in model:
            raise FieldError(
                f"fold {fold} of {video!r} is outside the model's folds ({whose}: {_fold_list(model)}): no map "
                "was fitted without that fold",
                "video_folds",
                video,
            )
    for key, cal in per.items():
        if key != POOLED:
            _check_primitive_folds(key, cal, sorted(set(video_folds.values())))


def _check_primitive_folds(key: str, cal: PrimitiveCalibration, folds: list[int]) -> None:
    """Refuse a primitive's map that lacks the map of a fold ``calibrate`` fitted (its videos fell
    back to the pooled map without a word).

    ``calibrate`` gives a primitive that has a map one fitted without each fold (:func:`_fit_primitive`),
    except a fold that holds every one of its samples (nothing to fit without it): then that one
    fold has none, and every other fold's map is fitted on all its samples, the very fit of its
    full map (the same samples and folds give the same map). So a map may lack one fold only, and
    only when each fold map it has is its full map.
    """
    if cal.full is None:
        return
    missing = [f for f in folds if f not in cal.folds]
    if not missing:
        return
    full = cal.full.to_dict()
    if len(missing) == 1 and cal.folds and all(m.to_dict() == full for m in cal.folds.values()):
        return  # every sample of the primitive in that fold: no map could be fitted without it
    raise FieldError(
        f"{key} has no map of fold {missing[0]} (it has maps of folds {_fold_list(list(cal.folds))}): "
        "`camerabench calibrate` fits one without each fold that leaves samples of it to fit on, so the videos of "
        f"fold {missing[0]} would fall back to the {POOLED} map; calibrate again",
        "per_primitive",
        key,
        "folds",
    )


def write_calibration(path: str | Path, calibration: Calibration) -> None:
    """Write ``calibration.json`` (atomically)."""
    write_json(path, calibration.to_dict())


def read_calibration(path: str | Path) -> Calibration:
    """Read a ``calibration.json``.

    Raises:
        FileFormatError: not a calibration file.
    """
    doc = read_json_document(path)
    if not isinstance(doc.value, dict):
        raise doc.error(f"a calibration must be a JSON object, got {type(doc.value).__name__}")
    try:
        return Calibration.from_dict(doc.value)
    except FieldError as exc:
        keys = list(exc.keys)
        if keys and str(exc).startswith(f"{keys[-1]} "):  # the message names its own member
            keys.pop()
        where = ".".join(str(k) for k in keys)
        raise doc.error(f"malformed calibration: {where + ': ' if where else ''}{exc}", *exc.keys) from None


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


def scores_digest(samples: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]) -> str:
    """SHA-256 of scored samples (as :func:`calibration_samples` gives them): primitive, video,
    label and the exact score of each, in a fixed order.

    Raises:
        ValueError: a value that is not (labels, scores, videos) of 1-D arrays of one length with
            string video ids, naming the primitive (:func:`fit_calibration` refuses the same).
    """
    samples = {name: _sample_arrays(name, value) for name, value in samples.items()}
    rows = sorted(
        (name, video, bool(label), float(score).hex())
        for name, (labels, scores, videos) in samples.items()
        for label, score, video in zip(labels, scores, videos, strict=True)
    )
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


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
            except for ``copied_from``, so evaluation uses its full maps (except on the videos
            it was fitted on: the fitting dataset, or a copy of it with the same labels).

    Returns:
        ``(calibration, path written)``.

    Raises:
        CameraBenchError: no such method folder, no binary labels, no scored sample, a run
            (its run.json) of another dataset that still exists, or a method folder that a
            running ``predict`` or ``caption`` holds (:class:`~camerabench.locks.FolderInUseError`).
    """
    # "fast/" (a shell's completion), "./fast": the calibration is of the folder's method, by the
    # name evaluation reads it under (evaluation refuses a calibration of another name)
    folder = MethodFolder(Path(os.path.normpath(MethodFolder.of(run_dir, method).path)))
    method = folder.name or folder.path.resolve().name
    if not folder.path.is_dir():
        raise CameraBenchError(f"{folder.path}: no such method folder")
    # a predict (or caption) still writing the scores would be calibrated on the part it has written
    with FolderLock(folder.path, what="method folder"):
        return _calibrate_locked(folder, data_dir, run_dir, method, n_splits, copy_from)


def _calibrate_locked(
    folder: MethodFolder,
    data_dir: str | Path,
    run_dir: str | Path,
    method: str,
    n_splits: int,
    copy_from: str | Path | None,
) -> tuple[Calibration, Path]:
    if copy_from is None:
        _check_n_splits(n_splits)
    if copy_from is not None:
        source = Path(copy_from)
        given = source
        if source.is_dir():
            source = MethodFolder.of(source, method).calibration
        if not source.is_file():
            own = given / MethodFolder.of(given, method).calibration.name
            if given.is_dir() and own.is_file():  # --from R1/fast: a method folder, not its run folder
                raise CameraBenchError(
                    f"{given}: is a method folder (it holds {own.name}), and --from looks for "
                    f"<run>/{method}/{own.name} ({source}): give the run folder {given.parent}, not its method "
                    f"folder (or the file {own} itself)"
                )
            if source.is_symlink():  # a link whose target is gone (or is no file): say so, not "no file"
                raise CameraBenchError(
                    f"{source}: is a link to {os.readlink(source)}, which is not a calibration file (moved or deleted?)"
                )
            raise CameraBenchError(f"{source}: no calibration file (run `camerabench calibrate` on that run first)")
        if source.resolve() == folder.calibration.resolve():
            raise CameraBenchError(f"{source}: is the calibration of {folder.path} itself; nothing to copy")
        cal = read_calibration(source)
        if cal.method != method:
            raise CameraBenchError(
                f"{source}: calibrates the scores of method {cal.method!r}, not {method!r} "
                "(scores of different methods do not share a scale)"
            )
        cal.copied_from = str(source.resolve())
        unfitted = sorted(p.value for p in Dataset(data_dir).binary if p.value not in cal.per_primitive)
        write_calibration(folder.calibration, cal)
        if unfitted:
            log.warning(
                "%s: the calibration copied from %s was fitted on no sample of %d primitives labelled in %s (%s): "
                "their scores will be calibrated by its pooled map of the primitives it was fitted on (%s)",
                folder.path,
                source,
                len(unfitted),
                data_dir,
                ", ".join(unfitted),
                ", ".join(sorted(k for k in cal.per_primitive if k != POOLED)) or "none",
            )
        log.info("%s: calibration fitted on %s applied to %s", folder.path, cal.fitted_on_data, data_dir)
        return cal, folder.calibration
    dataset = Dataset(data_dir)
    dataset.validate()
    if not dataset.binary:
        raise CameraBenchError(f"{data_dir}: no binary labels to calibrate on")
    run = read_method(folder.path)
    if run.scores is None:
        raise CameraBenchError(f"{folder.scores}: no scores to calibrate")
    scored = run.info.data if run.info is not None else None
    data = str(Path(data_dir).resolve())
    if scored is not None and scored != data:
        if Path(scored).exists():  # its labels are not the labels of the videos the run scored
            raise CameraBenchError(
                f"{folder.run_info}: the run scored another dataset ({scored}, not {data}): calibrate it "
                "with that --data"
            )
        log.warning("%s: the run scored %s, which is gone; taking %s as it moved", folder.run_info, scored, data)
    # videos changed since the run: their scores are of the files as they were (said, not refused: as evaluate)
    from camerabench.eval.evaluate import changed_videos_note  # evaluate imports this module

    changed = changed_videos_note(run, dataset, {}, captions=False)
    if changed is not None:
        log.warning("%s: %s", method, changed)
    samples = calibration_samples(dataset, run)
    if not any(len(y) for y, _, _ in samples.values()):
        table = run.scores
        failed = sum(1 for p, recs in dataset.binary.items() for r in recs if (r.image, p.question) in table)
        why = (
            f"all {failed} records that match a binary label are failed"
            if failed
            else "no record matches a binary label"
        )
        raise CameraBenchError(f"{folder.scores}: no scored sample to calibrate on: {why} of {data_dir}")
    videos = {v for _, _, vs in samples.values() for v in vs}
    same_clip = same_file_keys({v: dataset.video_path(v) for v in videos})
    n_clips = len(set(clip_names(videos, same_clip).values()))
    if n_clips < 2:
        names = f" (its {len(videos)} names are one clip: links or copies of one file)" if len(videos) > 1 else ""
        raise CameraBenchError(
            f"{folder.scores}: scored binary samples of {n_clips} video only{names}; calibration is cross-fitted "
            "over video folds and needs at least 2 videos"
        )
    labels = np.concatenate([y for y, _, _ in samples.values()])
    if labels.all() or not labels.any():
        raise CameraBenchError(
            f"{data_dir}: every scored binary sample is labelled {'Yes' if labels.all() else 'No'}: "
            "a score -> P(yes) map cannot be fitted on one class"
        )
    per, folds = fit_calibration(samples, n_splits, same_clip)
    cal = Calibration(
        method=method,
        fitted_on_data=str(Path(data_dir).resolve()),
        fitted_on_run=str(Path(run_dir).resolve()),
        video_folds=folds,
        per_primitive=per,
        video_labels={v: d for v, d in label_digests(dataset.binary.values()).items() if v in folds},
        scores_digest=scores_digest(samples),
        video_files={v: same_clip[v] for v in folds},
        video_prints=content_prints({v: dataset.video_path(v) for v in folds}),
    )
    write_calibration(folder.calibration, cal)
    return cal, folder.calibration


# --------------------------------------------------------------------------- evaluation

#: Reliability bins: 10 equal-width bins over [0, 1], the reliability diagrams of
#: Niculescu-Mizil & Caruana (2005); ECE is computed over the same bins.
RELIABILITY_BINS = 10

#: Method kinds (``run.json`` ``method_kind``, the predictor class's ``kind``) whose raw scores
#: are P(yes) by declaration: ``semantic`` (a VLM's VQAScore, the model's probability of
#: *Yes*), ``fusion`` (a stacked P(yes)) and ``test`` (``dummy``'s uniform pseudo-random
#: forecasts in [0, 1), the test suite's stand-in for a VQAScore). A ``geometric`` method's
#: scores are motion magnitudes (degrees, zoom log-ratios, ...): never probabilities, whatever
#: their values; only a calibration map makes P(yes) of them.
PROBABILITY_KINDS: frozenset[str] = frozenset({"semantic", "fusion", "test"})


def _raw_probability_problem(run: MethodRun, p: NDArray[np.float64]) -> str | None:
    """Why a method's raw scores ``p`` (its scored binary samples) are not P(yes), or None when they are.

    The method's declared kind decides (``run.json`` ``method_kind``; :data:`PROBABILITY_KINDS`),
    and a declared probability outside [0, 1] is not one either. A run that declares no kind (no
    ``run.json``: a hand-made folder, or one written by another tool) is read as evaluation reads
    its kind (:func:`camerabench.eval.evaluate.method_kind`): geometric when it wrote trajectories
    (no P(yes)); otherwise as a VQAScore-like method when every score lies in [0, 1], the only
    evidence such a folder gives.
    """
    in_range = bool(((p >= 0) & (p <= 1)).all())
    declared = run.info.method_kind if run.info is not None else None
    if declared:
        if declared not in PROBABILITY_KINDS:
            return f"its run.json declares a {declared} method, whose scores are not probabilities"
        return None if in_range else f"its run.json declares a {declared} method, but not all its scores lie in [0, 1]"
    undeclared = "it declares no kind (no method_kind in a run.json)"
    if run.has_trajectories:
        return f"{undeclared} and wrote trajectories: a geometric method"
    return None if in_range else f"{undeclared} and not all its scores lie in [0, 1]"


@dataclass
class CalibratedRun:
    """A method's scores as calibrated probabilities, and how they were obtained.

    Attributes:
        run: a copy of the method's run whose ok scores are P(yes).
        calibration: the calibration used.
        cross_fit: whether videos the calibration was fitted on got their out-of-fold maps.
        pooled: labelled binary samples (those the calibration section counts) calibrated by the
            pooled map (a primitive without a map of its own); records of other questions and
            videos are calibrated by it too, but not counted.
        undefined: records left without a probability (no map at all); they count as failed.
        unfitted: primitive -> its labelled binary samples calibrated by the pooled map although the calibration
            was fitted on no sample of that primitive (a calibration of other data, applied to
            primitives it did not have): counted among ``pooled`` too, and warned about.
        scores_changed: on the dataset the calibration was fitted on, whether the run's scored
            binary samples differ from those it was fitted on (its ``scores_digest``: scores
            re-run after calibrating, a map that may be stale); None when that cannot be checked
            (a calibration of other data or copied from another run, or a file without a digest).
    """

    run: MethodRun
    calibration: Calibration
    cross_fit: bool
    pooled: int = 0
    undefined: int = 0
    held_out: int = 0
    videos: int = 0
    unfitted: dict[str, int] = field(default_factory=dict)
    scores_changed: bool | None = None

    @property
    def source(self) -> str:
        if not self.cross_fit:
            return "fitted on other data"
        if self.held_out < self.videos:  # a dataset that gained videos since the fit
            return f"cross-fitted on {self.held_out} of {self.videos} videos, fitted on other data elsewhere"
        return "cross-fitted"


def calibrated_run(run: MethodRun, calibration: Calibration, data_dir: str | Path) -> CalibratedRun:
    """``run`` with every ok score replaced by its calibrated P(yes).

    Each video the calibration was fitted on gets the map of the fold that left it out
    (cross-fitting): on the fitting dataset, and on a moved or copied one (same video, same
    labels; :func:`~camerabench.crossfit.held_out_videos`), and a video that is one of their files
    under another name (:func:`~camerabench.crossfit.training_files`: a link to a training clip)
    gets the map of the fold that left that clip out; other videos get the full maps. A record
    with no map (no per-primitive and no pooled map) becomes failed with that reason.
    """
    if calibration.method != run.name:
        raise CameraBenchError(
            f"{escaped_text(str(run.folder))}: a calibration of method {escaped_text(calibration.method)!r} cannot "
            f"calibrate the scores of {escaped_text(run.name)!r} (scores of different methods do not share a scale)"
        )
    same = calibration.fitted_on(data_dir)
    table = run.scores or {}
    dataset = Dataset(data_dir)
    digests = label_digests(dataset.binary.values())
    # the videos with an ok score of a binary sample: those the calibration metrics are computed on
    samples = calibration_samples(dataset, run)
    scored = {v for _, _, videos in samples.values() for v in videos}
    # a training video's name and labels are that video only when the clip scored is the one fitted on (another
    # synthetic seed keeps the names and labels of its clips, not the clips; so does a dataset regenerated in
    # place). The clip scored is the file the run recorded when it scored it (run.json's video_sha256), else the
    # file now; the run the calibration was fitted on, its scored samples unchanged, scored the fitted clips.
    fitted_samples = (
        same
        and calibration.copied_from is None
        and calibration.scores_digest is not None
        and scores_digest(samples) == calibration.scores_digest
    )
    prints: dict[str, str] = {}
    if calibration.video_prints and (same or calibration.video_labels) and not fitted_samples:
        recorded = run.info.video_sha256 if run.info is not None else {}
        wanted = [v for v in calibration.video_folds if v in calibration.video_prints]
        prints = scored_prints(
            {v: recorded[v] for v in wanted if v in recorded}, {v: dataset.video_path(v) for v in wanted}
        )
    seen = held_out_videos(
        calibration.video_folds, calibration.video_labels, same, digests, calibration.video_prints, prints
    )
    regenerated = sorted(set(calibration.video_folds) - seen) if same else []
    if regenerated:
        log.warning(
            "%s: %d videos of %s, the dataset its calibration was fitted on, are other clips than those fitted on "
            "(their files changed since, e.g. %s: the folder regenerated in place): they get the full maps, which "
            "never saw their labels",
            escaped_text(run.name),
            len(regenerated),
            escaped_text(str(data_dir)),
            escaped_text(regenerated[0]),
        )
    # a training clip under another name (a link made since, or in another dataset): the full map saw its label
    ok = sorted({r.video for r in table.values() if r.status == "ok" and r.score is not None} - seen)
    linked = (
        training_files(calibration.video_files, same_file_keys({v: dataset.video_path(v) for v in ok}))
        if calibration.video_files and ok
        else {}
    )
    # ... or copied under another name: the clip scored (run.json's record, else the file now) is a fitted one
    unlinked = [v for v in ok if v not in linked]
    if calibration.video_prints and unlinked:
        recorded = run.info.video_sha256 if run.info is not None else {}
        copied = scored_prints(
            {v: recorded[v] for v in unlinked if v in recorded}, {v: dataset.video_path(v) for v in unlinked}
        )
        linked |= training_prints(calibration.video_prints, copied)
    if linked:
        example = next(iter(linked))
        log.warning(
            "%s: %d of its videos on %s are files of clips the calibration was fitted on (links or copies under "
            "other names; e.g. %s is the file of %s on %s): each gets the map of the fold that left that clip out, "
            "never the map that saw its label",
            escaped_text(run.name),
            len(linked),
            escaped_text(str(data_dir)),
            escaped_text(example),
            escaped_text(linked[example]),
            escaped_text(calibration.fitted_on_data),
        )
    held = (seen | set(linked)) & scored
    if seen & scored and not same:
        unprinted = len({v for v in seen & scored if v not in calibration.video_prints or v not in prints})
        log.warning(
            "%s: %d of the videos scored on %s are videos the calibration was fitted on (on %s; same names and "
            "labels: a moved or copied dataset%s): each gets the map of the fold that left it out, never the map "
            "that saw its label",
            escaped_text(run.name),
            len(seen & scored),
            escaped_text(str(data_dir)),
            escaped_text(calibration.fitted_on_data),
            (
                "; their files have the contents fitted on"
                if not unprinted
                else f"; {unprinted} of them matched by name and labels only, without comparing their files ("
                + (
                    "the calibration file records no content fingerprints: calibrate again to match by content"
                    if not calibration.video_prints
                    else "a file not fingerprinted then or unreadable now"
                )
                + ")"
            ),
        )
    elif not same and not calibration.video_labels and scored & set(calibration.video_folds):
        log.warning(
            "%s: %s holds videos named as those the calibration was fitted on (on %s), and the calibration "
            "file is too old to tell by their labels whether they are those videos (a moved dataset): they get "
            "the full maps; calibrate again to have held-out maps for them",
            escaped_text(run.name),
            escaped_text(str(data_dir)),
            escaped_text(calibration.fitted_on_data),
        )
    fitted_digest = calibration.scores_digest if same and calibration.copied_from is None else None
    changed = None if fitted_digest is None else scores_digest(samples) != fitted_digest
    if changed:
        log.warning(
            "%s: its scored binary samples are not those its calibration was fitted on (%s, fitted %s): its "
            "scores.jsonl or the labels changed since, and the maps may not fit the scores' scale; run "
            "`camerabench calibrate` again",
            escaped_text(run.name),
            escaped_text(str(run.layout.calibration)),
            calibration.created or "at an unknown time",
        )
    cross_fit = bool(held)
    out: dict[tuple[str, str], ScoreRecord] = {}
    pooled = undefined = 0
    unmapped: set[tuple[str, str]] = set()
    # the calibration section counts the labelled binary samples (its samples, failed, no map): pooled and
    # unfitted count those too (a VQA record of no primitive was counted next to the binary samples)
    labelled = {(r.image, prim.question) for prim, recs in dataset.binary.items() for r in recs}
    unfitted: dict[str, int] = {}
    for key, rec in table.items():
        if rec.status != "ok" or rec.score is None:
            out[key] = rec
            continue
        # a record written without its primitive (by another tool) is still its question's: the
        # calibration was fitted on it by question (calibration_samples), so it gets that map
        asked = Primitive.from_question(rec.question)
        primitive = rec.primitive or (asked.value if asked is not None else None)
        if rec.video in linked:  # scored as the training clip it is: by the map of its fold
            p, used = calibration.probability(float(rec.score), primitive, linked[rec.video], True)
        else:
            p, used = calibration.probability(float(rec.score), primitive, rec.video, rec.video in seen)
        sample = (rec.video, rec.question) in labelled
        pooled += used == POOLED and sample
        if (
            sample
            and used == POOLED
            and math.isfinite(p)
            and primitive is not None
            and primitive not in calibration.per_primitive
        ):
            unfitted[primitive] = unfitted.get(primitive, 0) + 1
        if math.isfinite(p):
            out[key] = dataclasses.replace(rec, score=p)
        else:
            undefined += 1
            unmapped.add(key)
            out[key] = ScoreRecord.failed(rec.video, rec.question, rec.method, "no calibration map", rec.primitive)
    if undefined:
        # these are every ok score without a map, of any question and video; the calibration section
        # counts the labelled binary samples among them: say how many, so the two counts agree
        no_map = len(labelled & unmapped)
        log.warning(
            "%s: %d scores have no calibration map (neither their primitive's nor the pooled one): counted as "
            "failed; %d of them are labelled binary samples (left out of the Brier score and ECE), %d are of a "
            "question or video without a binary label",
            escaped_text(run.name),
            undefined,
            no_map,
            undefined - no_map,
        )
    if unfitted:
        # the pooled map is of the other primitives' scores: scores of another primitive may be on another
        # scale (degrees, zoom ratios), so its P(yes) is an extrapolation the reader has to know about
        log.warning(
            # counted over the labelled binary samples, as the calibration section counts them
            "%s: its calibration (fitted on %s) has no sample of %s: %d scores of %s were calibrated by the pooled "
            "map of the primitives it was fitted on (%s); calibrate on labels of them for maps of their own",
            escaped_text(run.name),
            escaped_text(calibration.fitted_on_data),
            "primitive " + ", ".join(sorted(unfitted)) if len(unfitted) == 1 else f"{len(unfitted)} primitives",
            sum(unfitted.values()),
            "it" if len(unfitted) == 1 else ", ".join(sorted(unfitted)),
            ", ".join(sorted(k for k in calibration.per_primitive if k != POOLED)) or "none",
        )
    copy = dataclasses.replace(run, scores=out)
    return CalibratedRun(
        copy,
        calibration,
        cross_fit,
        pooled,
        undefined,
        len(held),
        len(scored),
        dict(sorted(unfitted.items())),
        changed,
    )


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


def _left_out(dataset: Dataset, run: MethodRun, calibrated: CalibratedRun | None) -> tuple[int, int, int, int]:
    """Labelled binary samples left out of the calibration metrics: (failed, no score record,
    ok score without a calibration map, unanswerable). Unanswerable: no score record, and the run
    recorded that the method found the question unanswerable on that video (run.json's
    ``video_info[video]`` :data:`~camerabench.eval.results.UNANSWERABLE_KEY`), as the binary
    section counts them: outside its coverage, not missing."""
    table = run.scores or {}
    after = calibrated.run.scores or {} if calibrated is not None else table
    video_info = run.info.video_info if run.info is not None else {}
    failed = missing = no_map = outside = 0
    for prim, recs in dataset.binary.items():
        for r in recs:
            key = (r.image, prim.question)
            rec = table.get(key)
            if rec is None:
                details = video_info.get(r.image)
                found = details.get(UNANSWERABLE_KEY) if isinstance(details, dict) else None
                if isinstance(found, dict) and prim.question in found:
                    outside += 1
                else:
                    missing += 1
            elif rec.status != "ok" or rec.score is None:
                failed += 1
            elif (cal := after.get(key)) is None or cal.status != "ok" or cal.score is None:
                no_map += 1
    return failed, missing, no_map, outside


def calibration_section(
    dataset: Dataset, run: MethodRun, calibrated: CalibratedRun | None, calibration_file: Path | None = None
) -> CalibrationResult | None:
    """Brier score, ECE and reliability data of a method's P(yes) on its scored binary samples.

    With a calibration, the calibrated probabilities (out-of-fold on the fitting dataset).
    Without one, the raw scores when they are P(yes) by the method's declared kind (a VQAScore,
    fusion's P(yes); :data:`PROBABILITY_KINDS`) and all lie in [0, 1]; otherwise None (logged
    with the reason): a score that is not a probability has no Brier score, even when its values
    happen to lie in [0, 1] (a geometric method's motion magnitudes). A run without a declared
    kind is read as :func:`_raw_probability_problem` says.
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    source_run = calibrated.run if calibrated is not None else run
    samples = calibration_samples(dataset, source_run)
    y = np.concatenate([s[0] for s in samples.values()]) if samples else np.zeros(0, bool)
    p = np.concatenate([s[1] for s in samples.values()]) if samples else np.zeros(0)
    if len(y) == 0:
        return None
    if calibrated is None and (problem := _raw_probability_problem(run, p)) is not None:
        declared = run.info.method_kind if run.info is not None else None
        # a declared probability out of [0, 1] is a broken file; a geometric method's scores are
        # not meant to be probabilities, so their having none is only said
        (log.warning if declared in PROBABILITY_KINDS else log.info)(
            "%s: no Brier score or ECE of its raw scores (no calibration.json): %s; "
            "`camerabench calibrate` maps them to P(yes)",
            escaped_text(run.name),
            problem,
        )
        return None
    # Brier score and ECE need no second class (a mean squared error, a sum of per-bin gaps):
    # a primitive whose scored samples all share one label has both, as scikit-learn computes them
    per: dict[str, float] = {}
    for name, (yy, pp, _) in samples.items():
        if len(yy) == 0:
            warnings.warn(f"Brier score of {name} is undefined: no scored sample", UndefinedMetricWarning, stacklevel=2)
            per[name] = math.nan
        else:
            per[name] = float(brier_score_loss(yy.astype(np.int64), pp, pos_label=1))
    brier = float(brier_score_loss(y.astype(np.int64), p, pos_label=1))
    ece = _ece(y, p, RELIABILITY_BINS)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=RELIABILITY_BINS, strategy="uniform")
    counts = np.bincount(_bin_ids(p, RELIABILITY_BINS), minlength=RELIABILITY_BINS)
    nonempty = [int(c) for c in counts if c > 0]
    reliability = Reliability(RELIABILITY_BINS, prob_pred.tolist(), prob_true.tolist(), nonempty)
    failed, missing, no_map, outside = _left_out(dataset, run, calibrated)
    if failed or missing or no_map:
        log.warning(
            "%s: of %d labelled binary samples, %d failed, %d have no score record and %d have no calibration "
            "map: left out of the Brier score and ECE (computed on the %d others%s)",
            escaped_text(run.name),
            failed + missing + no_map + outside + len(y),
            failed,
            missing,
            no_map,
            len(y),
            f"; {outside} more are questions the method found unanswerable on their video, outside its coverage"
            if outside
            else "",
        )
    if calibrated is None:
        return CalibrationResult(
            "raw scores",
            brier,
            ece,
            len(y),
            per,
            reliability,
            failed=failed,
            missing=missing,
            no_calibration_map=0,
            unanswerable=outside or None,
        )
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
        failed=failed,
        missing=missing,
        no_calibration_map=no_map,
        unanswerable=outside or None,
        pooled=calibrated.pooled,
        unfitted=dict(calibrated.unfitted),
        map_notes={
            k: v.note or "no map" for k, v in sorted(cal.per_primitive.items()) if k != POOLED and v.full is None
        },
        scores_changed=calibrated.scores_changed,
    )
