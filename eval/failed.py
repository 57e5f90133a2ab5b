"""The failed-sample policy (design.md A4), applied by every section through one function.

A sample is *failed* when the method recorded a failure for it and *missing* when it has no
record at all; both are treated alike. :func:`apply_failed_policy` decides which units are
evaluated:

- ``"lowest"``: every unit is kept and each failed entry counts as the worst outcome its
  metric has: a score below every successful one in AP (:func:`lowest_scores`), a wrong
  answer and a lost comparison in paired VQA / retrieval, the empty caption in caption
  metrics. Methods with and without failures are then scored on the same samples.
- ``"drop"``: units with any failed entry are left out, so a method with failures is scored
  on fewer samples than one without (the sections say so in a ``note``).

Trajectory errors have no worst value, so the trajectory section averages its errors over
the clips that could be evaluated under either policy and counts the others.

Example:
    >>> apply_failed_policy([[True, True], [True, False]], "drop").tolist()
    [True, False]
    >>> lowest_scores([0.5, float("nan"), 0.2], [True, False, True]).tolist()
    [0.5, -0.8, 0.2]
"""

from __future__ import annotations

from typing import Literal, cast, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from camerabench.crossfit import binary_values

__all__ = [
    "FAILED_POLICIES",
    "FailedPolicy",
    "apply_failed_policy",
    "check_failed_policy",
    "lowest_scores",
]

FailedPolicy = Literal["lowest", "drop"]

#: The policies, in the order the command line lists them (the first is the default).
FAILED_POLICIES: tuple[str, ...] = get_args(FailedPolicy)


def check_failed_policy(policy: str) -> FailedPolicy:
    """``policy`` if it is a known policy.

    Raises:
        ValueError: any other value.
    """
    if policy in FAILED_POLICIES:
        return cast(FailedPolicy, policy)
    raise ValueError(f"failed-sample policy must be 'lowest' or 'drop', got {policy!r}")


def apply_failed_policy(ok: ArrayLike, policy: str) -> NDArray[np.bool_]:
    """Which units are evaluated under ``policy``.

    Args:
        ok: (N,) or (N, K) True where the method produced an output (booleans or 0/1, see
            :func:`~camerabench.crossfit.binary_values`); a unit is one row (one sample, or one VQA pair of 4 cells).
        policy: ``"lowest"`` keeps every unit (the caller scores failed entries as the worst
            outcome); ``"drop"`` keeps the units whose entries are all ok.

    Returns:
        (N,) mask of the units to evaluate.

    Raises:
        ValueError: unknown policy, or ``ok`` flags that are not booleans or 0/1 (a status
            string such as ``"failed"`` or a NaN flag).
    """
    mask = binary_values(ok, "ok")
    if mask.ndim == 0:
        raise ValueError("ok must have one row per unit")
    if check_failed_policy(policy) == "lowest":
        return np.ones(mask.shape[0], dtype=bool)
    return np.asarray(mask.all(axis=tuple(range(1, mask.ndim))))


def lowest_scores(scores: ArrayLike, ok: ArrayLike) -> NDArray[np.float64]:
    """Scores with every failed entry set strictly below every successful one.

    Failed entries tie with each other at the bottom of the ranking (all of them get the
    lowest successful score minus 1, or 0 when nothing succeeded). Where subtracting 1 does not
    change the lowest score (``|score| >= 2**53``), the next float below it is used instead, so
    a failure never ties with a successful sample. When the lowest score is the most negative
    float (and there is a failure), no float lies below it: the successful scores are then
    replaced by their dense ranks (1 for the lowest; order and ties kept) and failures get 0.

    Raises:
        ValueError: ``scores`` and ``ok`` of different shapes, a NaN score where ``ok``, or
            ``ok`` flags that are not booleans or 0/1 (:func:`~camerabench.crossfit.binary_values`).
    """
    s = np.asarray(scores, dtype=np.float64).copy()
    ok_mask = binary_values(ok, "ok")
    if s.shape != ok_mask.shape:
        raise ValueError(f"scores and ok must have one shape, got {s.shape} and {ok_mask.shape}")
    if np.isnan(s[ok_mask]).any():
        # np.unique sorts NaN last: its dense rank would put the sample above every score
        raise ValueError("a successful sample has a NaN score (mark failed samples as not ok)")
    if not ok_mask.any():
        s[~ok_mask] = 0.0
        return s
    if ok_mask.all():
        return s
    lowest = float(s[ok_mask].min())
    below = lowest - 1.0
    if below >= lowest:
        with np.errstate(over="ignore"):
            below = float(np.nextafter(lowest, -np.inf))
    if not np.isfinite(below):
        # the lowest score is the most negative float (a sentinel such as -sys.float_info.max):
        # no finite score lies below it. Moving it one step up would tie it with a score that is
        # that next float, so the successful scores become their dense ranks 1, 2, ... instead
        # (their order and ties, all that a ranking metric reads, exactly kept) and failures 0
        ranks = np.unique(s[ok_mask], return_inverse=True)[1]
        s[ok_mask] = np.asarray(ranks, dtype=np.float64).reshape(-1) + 1.0
        below = 0.0
    s[~ok_mask] = below
    return s
