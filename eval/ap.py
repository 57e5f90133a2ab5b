"""Binary average precision (design.md B3): AP, ROC-AUC, chance, bootstrap CIs, paired test.

Point estimates come from scikit-learn (``average_precision_score``, ``roc_auc_score``); the
bootstrap intervals of AP are scipy's BCa intervals over resampled videos (:func:`bootstrap_mean_ap`),
that of a paired difference the percentile interval (:func:`paired_bootstrap_test`, which says why). A
split with no positives or no negatives has no defined AP / ROC-AUC: the result is NaN and a
:class:`UndefinedMetricWarning` is issued (never 0, unlike the reference scripts).

Failed samples follow the policy of :mod:`camerabench.eval.failed` (:func:`resolve_failed`):
with ``"lowest"`` they are ranked below every successful score; with ``"drop"`` they are removed.

Example:
    >>> average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    0.8333333333333333
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

from camerabench.crossfit import binary_values
from camerabench.eval.failed import FailedPolicy, apply_failed_policy, lowest_scores
from camerabench.eval.results import BinaryCI, PairedTest

__all__ = [
    "BootstrapCache",
    "PrimitiveSamples",
    "ThinClassWarning",
    "UndefinedMetricWarning",
    "average_precision",
    "bootstrap_mean_ap",
    "chance_ap",
    "mean_ignoring_nan",
    "paired_bootstrap_test",
    "random_ap",
    "resolve_failed",
    "roc_auc",
    "thin_class",
    "weighted_ap_matrix",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined on this split (e.g. AP with no positives); the value is NaN."""


class ThinClassWarning(UndefinedMetricWarning):
    """A class of a primitive is held by fewer than 2 videos: its bootstrap interval (and a paired
    test on it) is undefined, NaN, since every replicate resamples that one video or none."""


def _one_class(labels: NDArray[np.bool_]) -> bool:
    return bool(labels.all() or not labels.any())


def _binary_labels(labels: ArrayLike) -> NDArray[np.bool_]:
    """``labels`` as booleans (:func:`~camerabench.crossfit.binary_values`).

    Raises:
        ValueError: any label but a boolean or 0/1 (``"No"``, 2, -1, 0.5, NaN, ``pd.NA``): casting
            it to bool would silently make it a positive. The message names its position.
    """
    return binary_values(labels, "labels")


def _real_values(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """``values`` as float64, refusing what ``np.asarray(values, dtype=float)`` got wrong or left unclear.

    Raises:
        ValueError: a ragged nest of lists (numpy's "inhomogeneous shape"), a complex value (a complex
            array lost its imaginary part with a ComplexWarning; a complex in a list was float()'s
            TypeError), a string (``"0.5"`` was silently read as a number) or another non-number
            (None), naming ``name`` and the first bad value's position.
    """
    try:
        raw = np.asarray(values)
    except ValueError as e:
        raise ValueError(f"{name} must be an array of real numbers of one shape (a ragged list?): {e}") from e
    if raw.dtype.kind in "biuf":
        return np.asarray(raw, dtype=np.float64)
    flat = np.asarray(values, dtype=object).ravel() if raw.dtype.kind in "US" else raw.ravel()
    for i, v in enumerate(flat):
        if not isinstance(v, int | float | np.bool_ | np.integer | np.floating):
            where = f"position {i}" if raw.ndim == 1 else f"flat position {i}" if raw.ndim else "the value"
            kind = "a complex number" if isinstance(v, complex | np.complexfloating) else "not a real number"
            raise ValueError(f"{name} must be real numbers: {where} is {_show_value(v)} ({kind})")
    return np.asarray(raw, dtype=np.float64)


def _show_value(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_arrays(labels: ArrayLike, scores: ArrayLike) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    y = _binary_labels(labels)
    s = _real_values(scores, "scores")
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"labels and scores must be 1-D of the same length, got {y.shape} and {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite (resolve failed samples first)")
    return y, s


def _defined(y: NDArray[np.bool_], metric: str, name: str) -> bool:
    """False (after an :class:`UndefinedMetricWarning`) when the split has one class or none."""
    if y.size and not _one_class(y):
        return True
    warnings.warn(
        f"{metric}{' of ' + name if name else ''} is undefined: {int(y.sum())} positives among {y.size} samples",
        UndefinedMetricWarning,
        stacklevel=3,
    )
    return False


def average_precision(labels: ArrayLike, scores: ArrayLike, name: str = "") -> float:
    """AP of one binary task via ``sklearn.metrics.average_precision_score``.

    Args:
        labels: (N,) truthy = positive (*Yes*).
        scores: (N,) finite scores, higher = more likely positive.
        name: what the task is, for the warning text.

    Returns:
        AP in [0, 1]; NaN with an :class:`UndefinedMetricWarning` when the split has no
        positives or no negatives (or no samples).
    """
    y, s = _as_arrays(labels, scores)
    return float(average_precision_score(y, _ranks(s))) if _defined(y, "AP", name) else math.nan


def roc_auc(labels: ArrayLike, scores: ArrayLike, name: str = "") -> float:
    """ROC-AUC via ``sklearn.metrics.roc_auc_score``; NaN + warning on a one-class split."""
    y, s = _as_arrays(labels, scores)
    return float(roc_auc_score(y, _ranks(s))) if _defined(y, "ROC-AUC", name) else math.nan


def _ranks(s: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each score's rank among the distinct scores (0 for the lowest; tied scores share one), for
    scikit-learn's AP and ROC-AUC, which depend on the scores' order and ties alone.

    scikit-learn finds ties by subtracting neighbouring scores (``np.diff``), which overflows
    between scores of opposite sign near the float limit (``-1e308`` and ``1e308``: a raw numpy
    ``RuntimeWarning: overflow encountered in subtract`` per call, twenty in one evaluation);
    ranks differ by at most N. :func:`numpy.unique` tells ties by comparing, as scikit-learn's
    difference does for finite scores (``a - b == 0`` exactly when ``a == b``, ``-0.0`` and
    ``0.0`` tied), so every AP and AUC is the one of the scores themselves.

    Example:
        >>> _ranks(np.array([1e308, -1e308, 0.0, -0.0, 5.0])).tolist()
        [3.0, 0.0, 1.0, 1.0, 2.0]
    """
    return np.unique(s, return_inverse=True)[1].reshape(s.shape).astype(np.float64)


def chance_ap(labels: ArrayLike) -> float:
    """AP of a constant (uninformative) score = the prevalence; NaN when undefined.

    >>> chance_ap([1, 0, 0, 0])
    0.25
    """
    y = _binary_labels(labels)
    if y.size == 0 or _one_class(y):
        return math.nan
    return float(y.mean())


def random_ap(labels: ArrayLike) -> float:
    """Expected AP of uniformly random scores (a random ranking, no ties); NaN when undefined.

    AP is biased upward at finite size: with ``R`` positives among ``N`` samples its expectation
    over the ``N!`` rankings is ``(R - 1) / (N - 1) + (N - R) / (N (N - 1)) * H_N`` (``H_N`` the
    N-th harmonic number; Bestgen 2015, "Exact expected average precision of the random baseline
    for system evaluation", Prague Bull. Math. Linguistics 103), above the prevalence ``R / N``
    that a constant score gets (:func:`chance_ap`): on CameraBench's public labels, 13.2 against
    12.2 mean AP. This is sklearn's AP (precision at each positive's rank, averaged), which has no
    interpolation, so the formula holds for it exactly.

    >>> random_ap([1, 0])  # AP 1 or 1/2, each with probability 1/2
    0.75
    >>> round(random_ap([1] + [0] * 9), 4), chance_ap([1] + [0] * 9)
    (0.2929, 0.1)
    """
    y = _binary_labels(labels)
    if y.size == 0 or _one_class(y):
        return math.nan
    n, r = y.size, int(y.sum())
    harmonic = float(np.sum(1.0 / np.arange(1, n + 1)))
    return (r - 1) / (n - 1) + (n - r) / (n * (n - 1)) * harmonic


def resolve_failed(
    scores: ArrayLike, ok: ArrayLike, policy: FailedPolicy
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The failed-sample policy on binary scores (:func:`~camerabench.eval.failed.apply_failed_policy`).

    Args:
        scores: (N,) scores; entries where ``ok`` is False are ignored (may be NaN).
        ok: (N,) True where the method produced a score: booleans or 0/1 (not the status
            strings of :class:`PrimitiveSamples`: use its ``ok``).
        policy: ``"lowest"``: failed samples get a score strictly below every successful one
            (they tie with each other at the bottom of the ranking); ``"drop"``: they are removed.

    Returns:
        ``(scores, keep)``: finite scores for every sample and the mask of samples to evaluate.

    Raises:
        ValueError: ``ok`` flags that are not booleans or 0/1 (``"failed"``, NaN), naming the
            first; an ok sample whose score is not finite. Score files refuse one when read;
            +-inf here was ranked as an extreme score when the primitive had a failure (the
            scores became ranks) and refused without one.

    >>> resolve_failed([0.5, float("nan"), 0.2], [True, False, True], "lowest")[0].tolist()
    [0.5, -0.8, 0.2]
    """
    s, ok_mask = _real_values(scores, "scores"), binary_values(ok, "ok")
    if s.shape == ok_mask.shape and np.isinf(s[ok_mask]).any():
        bad = sorted({float(v) for v in s[ok_mask] if np.isinf(v)})
        raise ValueError(f"a scored sample has the score {bad[0]}: scores must be finite (NaN only where failed)")
    keep = apply_failed_policy(ok, policy)
    return lowest_scores(scores, ok), keep


@dataclass
class PrimitiveSamples:
    """One method's samples of one binary primitive, aligned with the labels.

    Attributes:
        videos: (N,) video names, in label-file order.
        labels: (N,) True for *Yes*.
        scores: (N,) method scores (NaN where not ok).
        status: (N,) ``"ok"``, ``"failed"`` or ``"missing"`` (no record at all).
    """

    videos: list[str]
    labels: NDArray[np.bool_]
    scores: NDArray[np.float64]
    status: NDArray[np.str_]
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> NDArray[np.bool_]:
        return np.asarray(self.status == "ok")


def weighted_ap_matrix(labels: ArrayLike, scores: ArrayLike, weights: ArrayLike) -> NDArray[np.float64]:
    """AP for many sample weightings at once (bootstrap resamples as integer weights).

    Implements the step-wise AP of ``sklearn.metrics.average_precision_score`` with
    ``sample_weight`` (tied scores form one threshold), vectorised over resamples. Written by
    hand because one scikit-learn call per resample and primitive makes the bootstrap the
    slowest part of an evaluation; the tests check it equals scikit-learn.

    Args:
        labels: (N,) binary labels.
        scores: (N,) finite scores.
        weights: (B, N) non-negative weights, one row per resample.

    Returns:
        (B,) AP per row; NaN for rows whose weighted split has no positives or no negatives
        (every row when there are no samples).

    Raises:
        ValueError: labels other than 0/1, non-finite scores, or weights that are not (B, N)
            finite non-negative numbers.
    """
    y, s = _as_arrays(labels, scores)
    w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    if w.ndim != 2 or w.shape[1] != y.size:
        raise ValueError(f"weights must be (B, {y.size}), got {w.shape}")
    if not (np.isfinite(w) & (w >= 0)).all():
        raise ValueError("weights must be finite and non-negative")
    if y.size == 0:
        return np.full(w.shape[0], np.nan)
    order, starts = _tie_groups(s)
    w_sorted = w[:, order]
    tp = np.add.reduceat(w_sorted * y[order], starts, axis=1)
    fp = np.add.reduceat(w_sorted * ~y[order], starts, axis=1)
    return _ap_of_counts(tp, fp)


def _tie_groups(s: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The samples in decreasing score order (stable) and the first position of each tie group in it."""
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    return order, np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])


def _ap_of_counts(tp: NDArray[np.float64], fp: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`weighted_ap_matrix` from the weighted positives and negatives (B, G) of each tie group,
    in decreasing score order."""
    tp_cum, fp_cum = np.cumsum(tp, axis=1), np.cumsum(fp, axis=1)
    pos_total, neg_total = tp_cum[:, -1], fp_cum[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp_cum + fp_cum > 0, tp_cum / (tp_cum + fp_cum), 0.0)
        ap = (tp / pos_total[:, None] * precision).sum(axis=1)
    ap[(pos_total == 0) | (neg_total == 0)] = np.nan
    return np.asarray(ap)


class BootstrapCache:
    """Bootstrap results shared by the intervals and paired tests of one evaluation.

    Testing every pair of M methods computes each method's replicate APs on each primitive
    M - 1 times over: same labels, scores, videos and resamples. This cache keeps them, keyed
    by the exact inputs (labels, scores, the videos' columns, the resample count and seed), so
    that each is computed once and every number is the one computed without it. The BCa
    intervals take their replicates from here, and keep their jackknife (one AP per video left
    out, per primitive and method) here too (``resampled``; small: one AP per video). Held by
    :func:`~camerabench.eval.evaluate.evaluate` for one evaluation; its size is bounded (the
    least recently used entries are dropped first).

    Args:
        max_values: most replicate APs kept (8 bytes each); the default keeps 128 MB.
    """

    def __init__(self, max_values: int = 1 << 24) -> None:
        self.max_values = max_values
        self._weights: tuple[tuple[int, int, int], NDArray[np.int64]] | None = None
        self._aps: OrderedDict[bytes, NDArray[np.float64]] = OrderedDict()
        self._points: dict[bytes, float] = {}
        self._stored = 0
        self.resampled: dict[bytes, NDArray[np.float64]] = {}  # APs of :class:`_ResampledAP`

    def weights(self, n_videos: int, n_bootstrap: int, seed: int) -> NDArray[np.int64]:
        """(B, n_videos) resample multiplicities of ``seed``: those of :func:`_resample_weights`
        on a new ``default_rng(seed)``, as every caller draws them (the last one is kept)."""
        key = (n_videos, n_bootstrap, seed)
        if self._weights is None or self._weights[0] != key:
            self._weights = (key, _resample_weights(n_videos, n_bootstrap, np.random.default_rng(seed)))
        return self._weights[1]

    def ap_matrix(
        self,
        y: NDArray[np.bool_],
        s: NDArray[np.float64],
        cols: NDArray[np.int64],
        n_videos: int,
        n_bootstrap: int,
        seed: int,
    ) -> NDArray[np.float64]:
        """:func:`weighted_ap_matrix` of ``y``, ``s`` on the columns ``cols`` of :meth:`weights`."""
        key = _digest(b"ap", y, s, cols, np.array([n_videos, n_bootstrap, seed], dtype=np.int64))
        found = self._aps.get(key)
        if found is not None:
            self._aps.move_to_end(key)
            return found
        aps = weighted_ap_matrix(y, s, self.weights(n_videos, n_bootstrap, seed)[:, cols])
        aps.flags.writeable = False
        self._aps[key] = aps
        self._stored += aps.size
        while self._stored > self.max_values and len(self._aps) > 1:
            self._stored -= self._aps.popitem(last=False)[1].size
        return aps

    def point_ap(self, y: NDArray[np.bool_], s: NDArray[np.float64], name: str) -> float:
        """:func:`average_precision` of ``y``, ``s`` (kept only where defined: an undefined
        one warns each time, as without the cache)."""
        if y.size == 0 or _one_class(_binary_labels(y)):
            return average_precision(y, s, name=name)
        key = _digest(b"point", y, s)
        if key not in self._points:
            self._points[key] = average_precision(y, s, name=name)
        return self._points[key]


def _digest(tag: bytes, *arrays: NDArray[Any]) -> bytes:
    """A key of the exact contents of ``arrays`` (dtype, shape and bytes of each)."""
    h = hashlib.blake2b(tag, digest_size=32)
    for a in arrays:
        arr = np.ascontiguousarray(a)
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.digest()


def _video_index(video_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    """Column of each video, in sorted order (the order the resamples' columns follow). The videos
    are names (str: :func:`_checked_primitives` refuses others), so sorting them cannot fail."""
    videos = sorted({v for vs in video_lists for v in vs})
    return {v: i for i, v in enumerate(videos)}


def _checked_primitives(
    per_primitive: Mapping[str, Any], what: str
) -> dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]:
    """``per_primitive`` (name -> (labels, scores, videos)) checked, as arrays and lists.

    Video ids must be strings (video names, as in the label files). Ids of other types are refused
    rather than ordered by ``str``: 1 and "1" would be two videos of one name (resampled apart, and
    written as one key in a calibration file), and sorting ints among strings was Python's
    ``TypeError: '<' not supported``.

    Raises:
        ValueError: a value that is not a 3-item (labels, scores, videos) (a forgotten ``videos``
            was ``IndexError: tuple index out of range``), labels or scores as :func:`average_precision`
            refuses them, videos of another length or a video id that is not a string; naming
            ``what``, the primitive and the item.
    """
    if not isinstance(per_primitive, Mapping):
        raise ValueError(
            f"{what}: expected a mapping primitive -> (labels, scores, videos), got {type(per_primitive).__name__}"
        )
    out = {}
    for name, value in per_primitive.items():
        labels, scores, videos = _three_items(value, f"{what}: the value of primitive {name!r}")
        try:
            y, s = _as_arrays(labels, scores)
        except ValueError as e:
            raise ValueError(f"{what}: primitive {name!r}: {e}") from e
        vs = _video_names(videos, f"{what}: primitive {name!r}")
        if len(vs) != y.size:
            raise ValueError(
                f"{what}: primitive {name!r}: labels, scores and videos must have one length, got {y.size} "
                f"and {len(vs)}"
            )
        out[name] = (y, s, vs)
    return out


def _three_items(value: Any, where: str) -> tuple[Any, Any, Any]:
    """``value`` as the 3 items (labels, scores, videos) of a primitive's samples, or a ValueError
    starting with ``where`` (a forgotten ``videos`` was ``IndexError: tuple index out of range``)."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 3:
        got = f"{len(value)} item(s)" if isinstance(value, Sequence) else type(value).__name__
        raise ValueError(f"{where} must be the 3 items (labels, scores, videos), got {got}")
    labels, scores, videos = value
    return labels, scores, videos


def _video_names(videos: Any, where: str) -> list[str]:
    """``videos`` as a list of video names, or a ValueError starting with ``where``: a sequence (not
    one text) of strings. Ids of other types are refused, not ordered by ``str``: 1 and "1" would be
    two videos here and one key in a calibration file, which keys videos by name."""
    if isinstance(videos, str | bytes) or not isinstance(videos, Sequence | np.ndarray):
        raise ValueError(f"{where}: videos must be a sequence of video names, got {_show_value(videos)}")
    vs = list(videos)
    bad = next((i for i, v in enumerate(vs) if not isinstance(v, str)), None)
    if bad is not None:
        raise ValueError(
            f"{where}: video ids must be strings (video names): position {bad} is {_show_value(vs[bad])} of type "
            f"{type(vs[bad]).__name__} (ids of other types are refused, not ordered by str: 1 and '1' would be two "
            "videos here and one in a calibration file)"
        )
    return vs


def _resample_weights(n_videos: int, n_bootstrap: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """(B, n_videos) multiplicities of a with-replacement resample of the videos: the video
    indices ``rng.integers(0, n_videos, (B, n_videos))``, drawn as :func:`scipy.stats.bootstrap`
    draws them, so that its BCa interval on the same ``rng`` rests on the same replicates."""
    if n_videos == 0:
        return np.zeros((n_bootstrap, 0), dtype=np.int64)
    return _multiplicities(rng.integers(0, n_videos, (n_bootstrap, n_videos)), n_videos)


def _multiplicities(indices: NDArray[np.int64], n_videos: int) -> NDArray[np.int64]:
    """(..., n_videos) how often each video is drawn in each row of ``indices`` (..., k)."""
    rows = np.reshape(indices, (-1, indices.shape[-1]))
    offsets = np.arange(rows.shape[0], dtype=np.int64)[:, None] * n_videos
    counts = np.bincount((rows + offsets).ravel(), minlength=rows.shape[0] * n_videos)
    return np.reshape(counts, (*indices.shape[:-1], n_videos))


def _row_mean_of(values: NDArray[np.float64], columns: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Per replicate, the mean over ``columns`` when every one of them is defined in it, else NaN.

    ``columns`` are the primitives the point estimate averages (those with both classes in the
    full sample). A replicate in which one of them lost a class estimates the mean over fewer
    primitives, a different quantity: averaging what is left would shift the interval (away
    from a point estimate held down by a rare-positive primitive, for instance), so such a
    replicate is left out of the mean's interval instead.
    """
    if not columns.any():
        return np.full(values.shape[0], np.nan)
    chosen = values[:, columns]
    complete = np.isfinite(chosen).all(axis=1)
    out = np.full(values.shape[0], np.nan)
    out[complete] = chosen[complete].mean(axis=1)
    return out


def _two_classes(y: NDArray[np.bool_]) -> bool:
    return bool(y.any() and not y.all())


def thin_class(labels: ArrayLike, videos: Sequence[str]) -> str | None:
    """Why a bootstrap of this primitive has no interval, or None when it has one.

    A bootstrap replicate resamples videos (two samples of one video are one draw). When the
    positives, or the negatives, lie on fewer than 2 distinct videos, every replicate holds
    copies of that one video or none of the class: its "interval" is zero-width (one positive
    ranked first gives (1, 1)) or rests on replicates with one class. A primitive with one
    class only (or no sample) is not thin: its AP itself is undefined.

    Returns:
        e.g. ``"its positives lie on 1 video"``, or None.

    >>> thin_class([1, 0, 0], ["a", "b", "c"])
    'its positives lie on 1 video'
    """
    y = _binary_labels(labels)
    if y.size != len(videos):
        raise ValueError(f"labels and videos must have the same length, got {y.size} and {len(videos)}")
    if not _two_classes(y):
        return None
    for cls, what in ((True, "positives"), (False, "negatives")):
        held = len({v for v, lab in zip(videos, y.tolist(), strict=True) if lab == cls})
        if held < 2:
            return f"its {what} lie on {held} video"
    return None


def _warn_thin(what: str, thin: Mapping[str, str], used: int, total: int, stacklevel: int, also: str = "") -> None:
    """One :class:`ThinClassWarning` naming each thin primitive and why, and what was left out
    (``also``: what else uses the same primitives, said where some are left)."""
    named = "; ".join(f"{n} ({why})" for n, why in thin.items())
    rest = (
        f"{what} uses {used} of {total} primitive(s){also}" if used else f"{what} is undefined (NaN): no primitive left"
    )
    warnings.warn(
        f"bootstrap interval of AP is undefined (NaN) for {len(thin)} primitive(s) whose class is held by fewer "
        f"than 2 videos, as every replicate resamples that one video or none: {named}; {rest}",
        ThinClassWarning,
        stacklevel=stacklevel + 1,
    )


class _ResampledAP:
    """The AP of primitives on resamples given as video indices, as :func:`scipy.stats.bootstrap`
    hands them to a vectorised statistic: each row of indices becomes multiplicities
    (:func:`_multiplicities`) and :func:`weighted_ap_matrix` scores every row at once. Results
    are kept per index array (the point estimate's and the jackknife's), so that the mean's
    statistic reuses the primitives' APs instead of computing them again.

    Args:
        samples: per primitive, (labels, finite scores, column of each sample's video).
        n_videos: how many videos the columns index.
        store: where the APs are kept, keyed by the exact inputs (a :class:`BootstrapCache`'s
            ``resampled``, shared by the intervals and tests of one evaluation).
    """

    def __init__(
        self,
        samples: Sequence[tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]]],
        n_videos: int,
        store: dict[bytes, NDArray[np.float64]],
    ) -> None:
        self.samples = samples
        self.n_videos = n_videos
        # the multiplicities of the last index array only: the jackknife hands its (n, n - 1) indices
        # in chunks (:func:`_bca_ci`), and keeping every chunk's would hold n * n numbers again
        self._weights: tuple[bytes, NDArray[np.int64]] | None = None
        self._aps = store
        self._keys = [_digest(b"resampled", y, s, cols, np.array([n_videos])) for y, s, cols in samples]

    def ap(self, indices: NDArray[np.int64], j: int) -> NDArray[np.float64]:
        """AP of primitive ``j`` on each row of ``indices`` (..., k): shape (...)."""
        idx = np.asarray(indices, dtype=np.int64)
        key = _digest(b"idx", idx)
        full = self._keys[j] + key
        if full not in self._aps:
            if self._weights is None or self._weights[0] != key:
                self._weights = (key, np.reshape(_multiplicities(idx, self.n_videos), (-1, self.n_videos)))
            y, s, cols = self.samples[j]
            self._aps[full] = weighted_ap_matrix(y, s, self._weights[1][:, cols])
        return np.reshape(self._aps[full], idx.shape[:-1])

    def statistic(self, primitives: Sequence[int]) -> Any:
        """A vectorised statistic for :func:`scipy.stats.bootstrap` of the video indices: the
        mean AP over ``primitives``."""

        def stat(indices: NDArray[np.int64], axis: int = -1) -> NDArray[np.float64]:
            idx = np.moveaxis(np.asarray(indices), axis, -1)
            return np.asarray(np.mean([self.ap(idx, j) for j in primitives], axis=0), dtype=np.float64)

        return stat


_JACKKNIFE_VALUES = 1 << 19
"""Video indices per chunk of the BCa jackknife (:func:`_bca_ci`): scipy's jackknife builds an
(n, n - 1) index array and hands it to the statistic at once unless given ``batch``; at 5,000
videos that held 2.6 GB, at 20,000 it was killed on a 23 GB machine (red team R81). Chunks of
``max(1, _JACKKNIFE_VALUES // n)`` left-out videos bound each chunk's arrays (indices,
multiplicities, the AP's weight matrices: about a dozen of 8 bytes a value at once). Peak memory
traced by ``tracemalloc`` for one primitive of 2,000 videos, 20 resamples: 392 MB unchunked,
206 MB with 2**21, 52 MB with 2**19, 13 MB with 2**17, in about the same time; 2**19 keeps the
chunks large enough that the per-chunk Python work is negligible even at 20,000 videos (26
left-out videos a chunk). Each left-out video's AP is computed row by row as before, so the
interval is the same to the bit (tested)."""

_NO_SPREAD = 1e-12
"""Replicates of an AP (or a difference of APs) within this of each other have no spread: they
differ by rounding only (AP 1 computed as 1 - 1e-16 in some replicates)."""


def _percentile_ci(replicates: NDArray[np.float64]) -> tuple[float, float]:
    """95 % percentile interval (2.5th and 97.5th percentiles) of the finite ``replicates``; NaN
    without one."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(finite, [2.5, 97.5])
    return (float(lo), float(hi))


def _bca_ci(replicates: NDArray[np.float64], statistic: Any, n_videos: int, what: str) -> tuple[float, float]:
    """95 % BCa interval (:func:`scipy.stats.bootstrap`, ``method="BCa"``) of ``statistic`` of
    the video indices, on the bootstrap ``replicates`` already computed. The jackknife is handed to
    ``statistic`` in chunks of videos (:data:`_JACKKNIFE_VALUES`), so memory grows with the videos,
    not with their square.

    Only the finite replicates are handed to scipy (as ``bootstrap_result``, with no further
    resample): a replicate in which a primitive lost a class is left out, as the percentile
    interval left it out. Given NaN replicates, scipy's quantiles (and its bias correction's
    rank of the point estimate) are NaN or shifted, so they are never passed. The acceleration
    comes from scipy's jackknife over the videos (each left out once). Returns NaN without a
    finite replicate. A bootstrap distribution with no spread (every replicate the same value
    to within :data:`_NO_SPREAD`, rounding: e.g. AP 1 in each) has that value as every quantile:
    the interval is (lowest, highest replicate), where scipy's acceleration is 0/0 and its
    interval NaN. Where scipy's interval is otherwise NaN, an
    :class:`UndefinedMetricWarning` names ``what`` and scipy's reason; a warning scipy issued
    on a finite interval is issued again.
    """
    from scipy.stats import bootstrap

    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return (math.nan, math.nan)
    if finite.max() - finite.min() <= _NO_SPREAD:
        return (float(finite.min()), float(finite.max()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = bootstrap(
            (np.arange(n_videos),),
            statistic,
            n_resamples=0,
            batch=max(1, _JACKKNIFE_VALUES // max(n_videos, 1)),
            bootstrap_result=SimpleNamespace(bootstrap_distribution=finite),
            vectorized=True,
            confidence_level=0.95,
            method="BCa",
        )
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if math.isnan(lo) or math.isnan(hi):
        reasons = "; ".join(sorted({str(w.message) for w in caught})) or "no reason given"
        warnings.warn(
            f"BCa bootstrap interval of {what} is undefined (NaN) on {finite.size} replicate(s): {reasons}",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return (math.nan, math.nan)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return (lo, hi)


def bootstrap_mean_ap(
    per_primitive: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    n_bootstrap: int = 1000,
    seed: int = 0,
    cache: BootstrapCache | None = None,
) -> BinaryCI:
    """95% BCa bootstrap CIs of each primitive's AP and of their unweighted mean.

    Videos are resampled jointly across primitives (a video counts once per replicate in
    every primitive it belongs to), so the CI of the mean keeps the correlation between
    primitives that share videos. Each interval is :func:`scipy.stats.bootstrap`'s
    bias-corrected and accelerated one (``method="BCa"``) of the video indices: the replicates
    are drawn as scipy draws them (``default_rng(seed).integers``), computed once per primitive
    (``cache``) and handed to scipy without the degenerate ones; the acceleration is scipy's
    jackknife over the videos.

    Coverage of the true AP (red team R59 / F61a; binormal scores, negatives N(0, 1), positives
    N(d, 1), d = 0.5, 1, 1.5, 2 on 4 primitives sharing the videos, truth from 2e6 samples,
    each class on >= 2 videos, 1000 resamples; 200 seeds, 600 at 100 videos / 0.3), percentile
    interval (used until F61a) -> BCa:

    ========  ==========  =====================  ===================
    videos    prevalence  mean AP                single primitive
    ========  ==========  =====================  ===================
    40        0.3         0.835 -> 0.915         0.900 -> 0.924
    100       0.3         0.907 -> 0.920         0.924 -> 0.945
    40        0.06        0.490 -> 0.665         0.856 -> 0.886
    100       0.06        0.750 -> 0.870         0.909 -> 0.926
    ========  ==========  =====================  ===================

    Both fall short of 95 % where positives are rare: there the sample AP itself runs high
    (mean +0.15 above the truth at 40 videos and prevalence 0.06), and a missing interval lies
    above the truth (65 of 67 BCa misses there). Read a rare primitive's interval as optimistic.

    Args:
        per_primitive: name -> (labels (N,), finite scores (N,), videos (N,)).
        n_bootstrap: resamples (0 disables, giving NaN intervals).
        seed: RNG seed.
        cache: replicate APs shared with other intervals and paired tests (the same numbers).

    Returns:
        The intervals; ``degenerate`` counts replicates in which a primitive had one class
        only: such a replicate is left out of that primitive's interval and of the mean's
        (whose replicates average the same primitives in every replicate). Without resamples
        the intervals are NaN and ``degenerate`` is None. A primitive whose positives, or
        negatives, lie on fewer than 2 videos (:func:`thin_class`) has no interval: it is NaN,
        named in a :class:`ThinClassWarning`, and the mean's interval averages the other
        primitives with both classes (the warning says how many), NaN when none is left; as
        the mean AP leaves out primitives whose AP is undefined. ``mean_ap_estimate`` is the
        mean AP over the primitives the mean's interval averages (``mean_ap_primitives`` of
        them; NaN when none): the estimate that interval is of, which differs from the mean of
        every primitive when one is thin (red team R97). The other primitives'
        intervals are those computed with it (videos are resampled over all primitives).
        Replicates with no spread (AP 1 in each) give (lowest, highest replicate); an interval
        scipy's BCa cannot give is NaN with an :class:`UndefinedMetricWarning` (:func:`_bca_ci`).
    """
    n_bootstrap, seed = _checked_draws(n_bootstrap, seed)
    per_primitive = _checked_primitives(per_primitive, "bootstrap_mean_ap")
    names = list(per_primitive)
    if n_bootstrap <= 0 or not names:
        return BinaryCI({n: (math.nan, math.nan) for n in names}, (math.nan, math.nan))
    # a primitive with one class has no interval anyway (every replicate is degenerate)
    thin = {n: why for n in names if (why := thin_class(per_primitive[n][0], per_primitive[n][2])) is not None}
    index = _video_index([v for _, _, v in per_primitive.values()])
    cache = cache if cache is not None else BootstrapCache()
    aps = np.empty((n_bootstrap, len(names)))
    samples = []
    for j, name in enumerate(names):
        y, s, videos = per_primitive[name]
        cols = np.fromiter((index[v] for v in videos), dtype=np.int64, count=len(videos))
        samples.append((*_as_arrays(y, s), cols))
        aps[:, j] = cache.ap_matrix(*samples[-1], len(index), n_bootstrap, seed)
    two = np.array([_two_classes(_binary_labels(per_primitive[n][0])) for n in names], dtype=bool)
    in_mean = two & np.array([n not in thin for n in names], dtype=bool)
    mean = _row_mean_of(aps, in_mean)
    if thin:
        _warn_thin("the mean AP interval", thin, int(in_mean.sum()), int(two.sum()), stacklevel=2)
    resampled = _ResampledAP(samples, len(index), cache.resampled)
    nan_ci = (math.nan, math.nan)
    per_ci = {
        n: _bca_ci(aps[:, j], resampled.statistic([j]), len(index), f"the AP of {n}") if in_mean[j] else nan_ci
        for j, n in enumerate(names)
    }
    mean_ci = (
        _bca_ci(mean, resampled.statistic(np.flatnonzero(in_mean).tolist()), len(index), "the mean AP")
        if in_mean.any()
        else nan_ci
    )
    # the estimate the mean's interval is of: the mean AP over the same primitives
    estimate = (
        float(np.mean([cache.point_ap(*samples[j][:2], name=names[j]) for j in np.flatnonzero(in_mean)]))
        if in_mean.any()
        else math.nan
    )
    return BinaryCI(
        per_primitive=per_ci,
        mean_ap=mean_ci,
        degenerate={n: int(np.isnan(aps[:, j]).sum()) for j, n in enumerate(names)},
        mean_ap_estimate=estimate,
        mean_ap_primitives=int(in_mean.sum()),
    )


def _checked_draws(n_bootstrap: Any, seed: Any) -> tuple[int, int]:
    """``n_bootstrap`` and ``seed`` checked as :func:`camerabench.eval.evaluate.evaluate` checks
    them (a TypeError or ValueError naming the argument: ``1.5`` was numpy's "'float' object cannot be
    interpreted as an integer", ``seed=-1`` its "expected non-negative integer")."""
    from camerabench.eval.evaluate import check_n_bootstrap, check_seed  # evaluate imports this module

    return check_n_bootstrap(n_bootstrap), check_seed(seed)


def paired_bootstrap_test(
    per_primitive_a: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    per_primitive_b: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    n_bootstrap: int = 1000,
    seed: int = 0,
    cache: BootstrapCache | None = None,
) -> PairedTest:
    """Paired test of mean AP(A) - mean AP(B) on the same samples: a bootstrap interval and a
    permutation p-value.

    Both methods must be given the same (video, label) samples per primitive in the same
    order. The interval: each bootstrap replicate resamples the videos once and scores both
    methods on it; a replicate counts when every primitive of the interval is defined in it.
    ``cache`` shares each method's replicate APs between the tests of one evaluation (the same
    numbers, computed once).

    The p-value is a paired permutation test (:func:`scipy.stats.permutation_test`,
    ``permutation_type="samples"``): under "no difference" the two methods' scores of a video are
    exchangeable, so each permutation swaps A's and B's scores on a random half of the videos (all
    of a video's samples together) and recomputes the mean-AP difference over the primitives of
    ``diff``; ``n_bootstrap`` permutations, or all of them where 2 ** videos is fewer (exact). It
    replaced the bootstrap's p-value, min(1, 2 * min(P*(diff <= 0), P*(diff >= 0))): with a class
    on 2 or 3 videos, as on the real clip sets, two methods with one score distribution came out
    p < 0.05 in 16 % of 400 simulations with 2 positives per primitive and 17-20 % on the real
    set's labels (red team R59; the permutation test 6-8 %), and a single replicate gave p = 0.

    A primitive whose positives, or negatives, lie on fewer than 2 videos (:func:`thin_class`)
    has no bootstrap (every replicate resamples that one video or none). Where other primitives
    have one, the test leaves it out: ``diff``, the interval and the p-value all average those
    other primitives, so that the interval is that of the difference beside it (red team R97: a
    difference of +0.5 over 8 primitives printed beside an interval of [-34.2, -6.5] over 4 of
    them); a :class:`ThinClassWarning` names it and says how many primitives the test uses.
    Where every primitive is thin, there is no interval (NaN, with the warning), and ``diff`` and
    the permutation p-value (which needs no spread of videos) average them all.
    ``primitives`` of the result names the primitives the three numbers average.

    Coverage of the true difference (F63b; binormal scores, negatives N(0, 1), positives N(d, 1),
    B with d = 0.5, 1, 1.5, 2 on 4 primitives sharing the videos, A with the same d (equal) or
    d + 0.5 (A better: true difference 0.126 at prevalence 0.3, 0.161 at 0.06, from 2e6
    samples), A's and B's noise on a sample correlated 0.5 (a shared term, as both see the same
    clip); each class on >= 2 videos, 1000 resamples and permutations, 200 seeds each): the BCa
    interval (returned until F63b), with its misses below / above the truth, then the percentile
    interval of the same replicates (2.5 / 97.5 %; returned), and how often the permutation p-value is < 0.05 (the
    false-positive rate where the methods are equal, the power where A is better):

    ======  ==========  =====================================  =====================================
    videos  prevalence  equal: BCa (low/high), pct, p < 0.05   A better: BCa (low/high), pct, power
    ======  ==========  =====================================  =====================================
    40      0.3         0.885 (12/11), 0.945, 0.065            0.900 (8/12), 0.920, 0.590
    100     0.3         0.920 (7/9), 0.940, 0.065              0.900 (7/13), 0.920, 0.890
    40      0.06        0.870 (13/13), 0.930, 0.070            0.855 (10/19), 0.925, 0.185
    100     0.06        0.895 (8/13), 0.955, 0.050             0.915 (7/10), 0.945, 0.355
    ======  ==========  =====================================  =====================================

    The BCa interval of the difference falls short of 95 % everywhere (0.855-0.92; the standard
    error of each rate is about 0.015 to 0.025), and short of the percentile interval of the same
    replicates (0.92-0.955) at the same width (within 0.004): the replicates' difference runs
    closer to 0 than the observed one, and the bias correction moves the interval away from 0
    (in 70 % of 40 seeds at 40 videos / 0.3 where the methods are equal, by 0.013 on average
    against a mean absolute difference of 0.049), so that misses grow on both sides. So the
    interval returned is the percentile one (where a single method's AP takes BCa:
    :func:`bootstrap_mean_ap`). The permutation p-value holds its level (0.05-0.07 of 200 where
    the methods are equal) and is the test to go by. With rare positives a real difference of
    0.16 is found in 19 % (40 videos) to 36 % (100) of the runs only.

    Returns:
        The observed mean-AP difference (over the primitives with both classes, but the thin
        ones where some are not; NaN when there is none), the 95 % percentile interval of the
        bootstrap replicates' difference over the same primitives (its coverage measured above;
        a replicate in which one lost a class is left out; NaN where each is thin), the
        two-sided permutation p-value over the same primitives (NaN without a difference or
        with ``n_bootstrap`` 0), how many bootstrap replicates the interval rests on, and the
        primitives the three average.
    """
    n_bootstrap, seed = _checked_draws(n_bootstrap, seed)
    per_primitive_a = _checked_primitives(per_primitive_a, "paired_bootstrap_test (method A)")
    per_primitive_b = _checked_primitives(per_primitive_b, "paired_bootstrap_test (method B)")
    names = [n for n in per_primitive_a if n in per_primitive_b]
    unmatched = [n for n in per_primitive_a if n not in per_primitive_b] + [
        n for n in per_primitive_b if n not in per_primitive_a
    ]
    if unmatched and names:  # compare_methods names them in its note; a direct call got no word (R59)
        warnings.warn(
            f"paired test: {len(unmatched)} primitive(s) given for one method only are left out: "
            f"{', '.join(unmatched)}; the difference averages the {len(names)} common one(s)",
            UserWarning,
            stacklevel=2,
        )
    for n in names:
        ya, _, va = per_primitive_a[n]
        yb, _, vb = per_primitive_b[n]
        if list(va) != list(vb) or not np.array_equal(ya, yb):
            raise ValueError(f"paired test needs the same samples for both methods ({n} differs)")
    if not names:
        raise ValueError("paired test needs at least one common primitive")
    cache = cache if cache is not None else BootstrapCache()
    obs_a = np.array([cache.point_ap(*_as_arrays(*per_primitive_a[n][:2]), name=n) for n in names])
    obs_b = np.array([cache.point_ap(*_as_arrays(*per_primitive_b[n][:2]), name=n) for n in names])
    # the observed difference averages the primitives with a defined AP (both classes)
    two = np.array([_two_classes(_binary_labels(per_primitive_a[n][0])) for n in names], dtype=bool)
    if n_bootstrap <= 0:
        diff = float(np.mean(obs_a[two]) - np.mean(obs_b[two])) if two.any() else math.nan
        return PairedTest(diff, (math.nan, math.nan), math.nan, 0, [n for n, t in zip(names, two, strict=True) if t])
    # the replicates average those of them whose classes each lie on 2 videos or more (a class on
    # one video is copied or lost by every replicate: no spread to test)
    thin = {n: why for n in names if (why := thin_class(per_primitive_a[n][0], per_primitive_a[n][2])) is not None}
    defined = two & np.array([n not in thin for n in names], dtype=bool)
    if thin:
        _warn_thin(
            "the paired test's interval",
            thin,
            int(defined.sum()),
            int(two.sum()),
            stacklevel=2,
            also="; its difference and p-value average the same ones (the thin ones are left out of the test)",
        )
    # the difference, the interval and the p-value over the same primitives: those with an interval,
    # or every one with both classes where none has one (then no interval)
    tested = defined if defined.any() else two
    diff = float(np.mean(obs_a[tested]) - np.mean(obs_b[tested])) if tested.any() else math.nan
    # a thin primitive left out of the test is left out of the resampled videos too: the numbers are
    # those of the test called without it
    if defined.any() and thin:
        keep = np.array([n not in thin for n in names], dtype=bool)
        names, two, defined, tested = [n for n in names if n not in thin], two[keep], defined[keep], tested[keep]
    index = _video_index([per_primitive_a[n][2] for n in names])
    per_delta = np.empty((n_bootstrap, len(names)))
    for j, n in enumerate(names):
        y, sa, videos = per_primitive_a[n]
        sb = per_primitive_b[n][1]
        cols = np.fromiter((index[v] for v in videos), dtype=np.int64, count=len(videos))
        ap_a = cache.ap_matrix(*_as_arrays(y, sa), cols, len(index), n_bootstrap, seed)
        per_delta[:, j] = ap_a - cache.ap_matrix(*_as_arrays(y, sb), cols, len(index), n_bootstrap, seed)
    deltas = _row_mean_of(per_delta, defined)
    finite = deltas[np.isfinite(deltas)]
    # the percentile interval: the BCa one covered the true difference less often (F63b, docstring)
    ci = _percentile_ci(finite) if defined.any() else (math.nan, math.nan)
    used = [n for n, t in zip(names, tested, strict=True) if t]
    p = _permutation_p_value(per_primitive_a, per_primitive_b, used, index, n_bootstrap, seed)
    return PairedTest(diff, ci, p, int(finite.size), used)


def _permutation_p_value(
    per_primitive_a: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    per_primitive_b: Mapping[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]],
    names: Sequence[str],
    index: Mapping[str, int],
    n_permutations: int,
    seed: int,
) -> float:
    """Two-sided p-value of the mean-AP difference over primitives ``names`` by swapping the two
    methods' scores video by video (see :func:`paired_bootstrap_test`); NaN without a primitive.

    Each primitive's samples are stacked twice (A's scores, then B's); a permutation's weights
    keep A's copy of a sample where its video is not swapped and B's where it is, so
    :func:`weighted_ap_matrix`'s step-wise AP of those weights is every permutation's AP of "A"
    at once, ties across the two copies ranked as one AP of those scores ranks them. The weights
    are 0 or 1, so each tie group's weighted positives and negatives are whole numbers, counted
    from the swaps directly (one byte a sample, not a float weight matrix), and "B"'s side, the
    other copy of every sample, has the group's counts less "A"'s: exactly the numbers
    :func:`weighted_ap_matrix` sums for either side (``tests/eval/test_permutation_counts56.py``
    checks the p-values against it), in about a quarter of the time.
    """
    if not names:
        return math.nan
    from scipy.stats import permutation_test

    stacked = []
    for n in names:
        y, sa, videos = per_primitive_a[n]
        yy, ss = _as_arrays(np.r_[y, y], np.r_[_as_arrays(y, sa)[1], _as_arrays(y, per_primitive_b[n][1])[1]])
        cols = np.fromiter((index[v] for v in videos), dtype=np.int64, count=len(videos))
        order, starts = _tie_groups(ss)
        # per sorted position: the video's column, whether the copy is B's, whether it is positive
        copy_of_b = order >= len(videos)
        group_pos = np.add.reduceat(yy[order].astype(np.float64), starts)
        group_neg = np.add.reduceat((~yy[order]).astype(np.float64), starts)
        stacked.append((cols[order % len(videos)], copy_of_b, yy[order], starts, group_pos, group_neg))

    def statistic(side_a: NDArray[np.float64], side_b: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
        # side_a[..., v] is 1 where video v's scores were swapped (B's on the side of A)
        moved = np.moveaxis(np.asarray(side_a), axis, -1)
        swapped = np.reshape(moved, (-1, len(index))) == 1

        def difference(primitive: tuple[NDArray[Any], ...]) -> NDArray[np.float64]:
            sorted_cols, copy_of_b, positive, starts, group_pos, group_neg = primitive
            on_a = swapped[:, sorted_cols] == copy_of_b  # A's side: A's copy unless swapped
            tp = np.add.reduceat(on_a & positive, starts, axis=1, dtype=np.int64).astype(np.float64)
            fp = np.add.reduceat(on_a & ~positive, starts, axis=1, dtype=np.int64).astype(np.float64)
            return _ap_of_counts(tp, fp) - _ap_of_counts(group_pos - tp, group_neg - fp)

        out = np.zeros(swapped.shape[0])
        for diff in threads.map(difference, stacked):  # summed in the primitives' order, whichever ends first
            out += diff
        return np.reshape(out / len(stacked), moved.shape[:-1])

    n_videos = len(index)
    # the primitives in threads: numpy's gathers, reductions and divisions release the GIL (8 tests on the
    # public labels' 1,071 videos: 7.1-7.5 s in one thread, 3.7-4.2 s in two on 2 cores; same p-values)
    with ThreadPoolExecutor(max_workers=min(len(stacked), _cores()), thread_name_prefix="camerabench-perm") as threads:
        result = permutation_test(
            (np.zeros(n_videos), np.ones(n_videos)),
            statistic,
            permutation_type="samples",
            vectorized=True,
            n_resamples=n_permutations,
            alternative="two-sided",
            rng=np.random.default_rng(seed),
        )
    return float(result.pvalue)


def _cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform (macOS)
        return max(1, os.cpu_count() or 1)


def mean_ignoring_nan(values: Sequence[float]) -> float:
    """Unweighted mean of the defined (not NaN) values; NaN if none is defined.

    An infinite value is not left out: it makes the mean infinite (+inf or -inf). Both +inf and
    -inf among the values have no mean (inf - inf): the result is NaN, with an
    :class:`UndefinedMetricWarning` saying so (it was NaN with numpy's "invalid value" RuntimeWarning).

    Raises:
        ValueError: a value that is not a real number (None, a string, a complex number): NaN is
            how an undefined value is written; None became NaN and was silently left out. Values
            that are not a flat sequence (a ragged or nested list, a 2-D array), naming the shape.
    """
    try:
        raw = np.asarray(values)
    except ValueError as e:  # a ragged nest of lists
        raise ValueError(
            f"values must be a flat sequence of numbers (NaN where undefined), not a ragged list: {e}"
        ) from e
    if raw.ndim != 1:
        raise ValueError(
            f"values must be a flat (1-D) sequence of numbers (NaN where undefined), got shape {raw.shape}"
        )
    if raw.dtype.kind not in "biuf":
        bad = next(
            (i for i, v in enumerate(raw) if not isinstance(v, int | float | np.bool_ | np.integer | np.floating)), None
        )
        if bad is not None:
            raise ValueError(f"values must be numbers (NaN where undefined): position {bad} is {raw[bad]!r}")
    arr = np.asarray(raw, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    if not arr.size:
        return math.nan
    if np.isposinf(arr).any() and np.isneginf(arr).any():
        warnings.warn(
            "the mean is undefined (NaN): the values hold both +inf and -inf (inf - inf)",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return math.nan
    return float(arr.mean())
