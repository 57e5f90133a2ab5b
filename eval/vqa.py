"""Paired VQA and Winoground-style retrieval (design.md B4).

Each :class:`~camerabench.labelfiles.VQAPair` has 4 (video, question) cells; in the order of
``VQAPair.cells`` their yes-scores are ``s = [s(pT,pV), s(pT,nV), s(nT,nV), s(nT,pV)]``
(pT/nT = positive/negative question, pV/nV = positive/negative video).

- VQA: a cell is answered *Yes* when its score exceeds ``yes_threshold`` and *No* when it is
  below (a score equal to the threshold is wrong either way, as the reference's strict
  ``yes > no``). Binary Acc = correct cells / 4; Q-Acc: a question is correct when answered
  correctly on both videos (/2); video accuracy: a video is correct when both questions are
  answered correctly on it (/2); group accuracy: all 4 cells correct.
- Retrieval: Text correct if s(pT,pV) > s(nT,pV) and s(nT,nV) > s(pT,nV); Video correct if
  s(pT,pV) > s(pT,nV) and s(nT,nV) > s(nT,pV); Group = both (chance 25 / 25 / 16.7).
  Equal scores are a lost comparison for both cells, never broken by pair or file order.

:func:`vqa_retrieval_sections` counts the cells scored exactly at the threshold and the
comparisons between equal scores, in its note and a warning (a method answering 0.5 everywhere
scores 0 with the threshold 0.5, and every comparison ties).

A task is answered when the method has a record (ok or failed) for at least one of its
cells; a task with no record at all is outside the method's coverage (a geometric method
answers only the binary-primitive questions) and is listed, not scored. A cell with no record
whose question the run recorded the method did not answer on that video (run.json's
``video_info[video]`` :data:`~camerabench.eval.results.UNANSWERABLE_KEY`: one it never answers,
such as a geometric method's "Is the camera free from any leftward pan?", or one it found
unanswerable there) is :data:`UNANSWERABLE`: its pair is outside the method's coverage, left
out under every failed policy and counted (``unanswerable_cells``, ``unanswerable_pairs``); a
task left with no pair so is listed in ``unanswerable_tasks``, not scored (before, such cells
were missing: wrong answers under ``--failed lowest``, Q-Acc 0 by construction). In answered tasks,
failed (or missing) cells follow :func:`~camerabench.eval.failed.apply_failed_policy`: with
``--failed lowest`` a failed cell counts as a wrong answer and every comparison that involves
it as lost, so a task whose cells all failed scores 0; with ``--failed drop`` pairs with any
failed cell are left out, and a task left with no pair is NaN (with a warning), listed in
``undefined_tasks`` and not counted in ``tasks_answered``. Scores are
given per task, per skill folder (unweighted mean over its tasks) and overall (unweighted
mean over tasks).

Example:
    >>> import numpy as np
    >>> vqa_scores(np.array([[0.9, 0.1, 0.8, 0.2]]), np.ones((1, 4), bool), 0.5).group_acc
    1.0
"""

from __future__ import annotations

import dataclasses
import logging
import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from camerabench.crossfit import binary_values
from camerabench.eval.ap import UndefinedMetricWarning, mean_ignoring_nan
from camerabench.eval.failed import FailedPolicy, apply_failed_policy
from camerabench.eval.results import UNANSWERABLE_KEY, RetrievalResult, RetrievalScores, VQAResult, VQAScores
from camerabench.labelfiles import VQAPair
from camerabench.runfolder import MethodRun

__all__ = [
    "RETRIEVAL_KEYS",
    "UNANSWERABLE",
    "VQA_KEYS",
    "pair_cells",
    "retrieval_scores",
    "vqa_retrieval_sections",
    "vqa_scores",
]

#: The VQA and retrieval scores, in table order.
VQA_KEYS = tuple(f.name for f in dataclasses.fields(VQAScores))
RETRIEVAL_KEYS = tuple(f.name for f in dataclasses.fields(RetrievalScores))

Scores = TypeVar("Scores", VQAScores, RetrievalScores)

log = logging.getLogger(__name__)

#: The status of a cell without a record whose question the run recorded the method did not
#: answer on that video (outside its coverage, neither failed nor missing).
UNANSWERABLE = "unanswerable"


def pair_cells(pairs: list[VQAPair], run: MethodRun) -> tuple[NDArray[np.float64], NDArray[np.str_]]:
    """(P, 4) yes-scores (NaN where not ok) and (P, 4) status (``ok``/``failed``/``missing``, or
    :data:`UNANSWERABLE` for a cell with no record whose question run.json's ``video_info[video]``
    :data:`~camerabench.eval.results.UNANSWERABLE_KEY` names; a run.json without it: missing)."""
    scores = np.full((len(pairs), 4), math.nan)
    status = np.full((len(pairs), 4), "missing", dtype=object)
    table = run.scores or {}
    video_info = run.info.video_info if run.info is not None else {}
    for i, pair in enumerate(pairs):
        for j, (video, question, _) in enumerate(pair.cells):
            rec = table.get((video, question))
            if rec is None:
                details = video_info.get(video)
                found = details.get(UNANSWERABLE_KEY) if isinstance(details, dict) else None
                if isinstance(found, dict) and question in found:
                    status[i, j] = UNANSWERABLE
                continue
            status[i, j] = rec.status
            if rec.status == "ok":
                scores[i, j] = rec.score
    return scores, status.astype(str)


def _mean(x: NDArray[np.bool_]) -> float:
    return float(x.mean()) if x.size else math.nan


def _real_scores(scores: Any) -> NDArray[np.float64]:
    """``scores`` as a float64 array; complex scores are refused (numpy's cast would drop their
    imaginary part with only a ComplexWarning).

    Raises:
        ValueError: complex scores, or scores that are not numbers.
    """
    if np.iscomplexobj(scores):
        raise ValueError("scores must be real numbers, got complex values (their imaginary part would be dropped)")
    try:
        return np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"scores must be a (P, 4) array of real numbers, got {type(scores).__name__}: {exc}") from None


def _check_threshold(yes_threshold: object) -> float:
    """``yes_threshold`` as a float: a finite real number (Python's or numpy's, or a 0-d array;
    not a bool, which ``True`` read as 1.0 would be).

    It is not held to [0, 1]: a method's scores need not be probabilities (a geometric method's
    are motion sizes, Static <= 0), and run.json's ``settings.yes_threshold``, which
    :func:`~camerabench.eval.evaluate.yes_threshold` passes here, may be any finite number
    (:mod:`camerabench.records` checks only that).

    Raises:
        TypeError: not a real number (a text, None, a bool, an array of several values), named.
        ValueError: NaN (every comparison with it is false, every cell would be answered wrong) or
            infinite (every cell would be answered *Yes*, or every one *No*).
    """
    value = yes_threshold
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(
            f"yes_threshold must be a finite real number, got {type(yes_threshold).__name__} {yes_threshold!r}"
        )
    threshold = float(value)
    if math.isnan(threshold):
        raise ValueError("the VQA yes threshold is NaN (yes_threshold): no score is above or below it")
    if math.isinf(threshold):
        answer = "No" if threshold > 0 else "Yes"
        raise ValueError(f"the VQA yes threshold is {threshold} (yes_threshold): every cell would be answered {answer}")
    return threshold


def _warn_no_pair(what: str) -> None:
    """The warning of a score of no pair: NaN (the package's undefined metric)."""
    warnings.warn(f"{what} is undefined on 0 pairs: NaN", UndefinedMetricWarning, stacklevel=3)


def _check_cells(scores: NDArray[np.float64], ok: NDArray[np.bool_]) -> None:
    """(P, 4) scores and (P, 4) ok mask, with a number in every ok cell.

    Raises:
        ValueError: other shapes, ``ok`` flags that are not booleans or 0/1 (raised before, by
            :func:`~camerabench.crossfit.binary_values`: a status string such as ``"failed"``
            cast to bool was a success), or an ok cell whose score is NaN (a failure must be marked
            as one, not counted as a wrong answer by accident) or infinite (score files refuse
            one, and AP refuses it: two cells of +inf would tie and lose every comparison).
    """
    if scores.ndim != 2 or scores.shape[1:] != (4,) or ok.shape != scores.shape:
        raise ValueError(f"scores and ok must both be (P, 4), got {scores.shape} and {ok.shape}")
    if np.isnan(scores[ok]).any():
        raise ValueError("an ok cell has a NaN score (mark failed cells as not ok)")
    if np.isinf(scores[ok]).any():
        raise ValueError("an ok cell has an infinite score: scores must be finite")


def vqa_scores(scores: NDArray[np.float64], ok: NDArray[np.bool_], yes_threshold: float) -> VQAScores:
    """Binary Acc, Q-Acc, video and group accuracy of (P, 4) yes-scores (cells as above).

    On 0 pairs every figure is NaN, with an :class:`~camerabench.eval.ap.UndefinedMetricWarning`.

    Raises:
        ValueError: see :func:`_check_cells`; complex scores; or a ``yes_threshold`` that is not
            finite (NaN: every comparison with it is false, every cell would be answered wrong;
            +-inf: every *Yes*, or every *No*, would be).
        TypeError: a ``yes_threshold`` that is not a real number (a text, None, a bool, an array
            of several values), named.
    """
    scores, ok = _real_scores(scores), binary_values(ok, "ok")
    _check_cells(scores, ok)
    yes_threshold = _check_threshold(yes_threshold)
    if not len(scores):
        _warn_no_pair("VQA accuracy")
    expected_yes = np.array([True, False, True, False])
    with np.errstate(invalid="ignore"):
        answered_right = np.where(expected_yes, scores > yes_threshold, scores < yes_threshold)
    c = answered_right & ok
    return VQAScores(
        acc=_mean(c),
        q_acc=_mean(np.concatenate([c[:, 0] & c[:, 1], c[:, 2] & c[:, 3]])),
        video_acc=_mean(np.concatenate([c[:, 0] & c[:, 3], c[:, 1] & c[:, 2]])),
        group_acc=_mean(np.asarray(c.all(axis=1))),
    )


#: The cell pairs (``a``, ``b``) retrieval compares (a wins when ``s[a] > s[b]``): text, then video.
_COMPARED = ((0, 3), (2, 1), (0, 1), (2, 3))


def retrieval_scores(scores: NDArray[np.float64], ok: NDArray[np.bool_]) -> RetrievalScores:
    """Winoground text / video / group accuracy of (P, 4) yes-scores; failed cells lose.

    On 0 pairs every figure is NaN, with an :class:`~camerabench.eval.ap.UndefinedMetricWarning`.

    Raises:
        ValueError: see :func:`_check_cells`; complex scores.
    """
    scores, ok = _real_scores(scores), binary_values(ok, "ok")
    _check_cells(scores, ok)
    if not len(scores):
        _warn_no_pair("Retrieval accuracy")

    def gt(a: int, b: int) -> NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return np.asarray((scores[:, a] > scores[:, b]) & ok[:, a] & ok[:, b])

    (t1, t2, v1, v2) = (gt(a, b) for a, b in _COMPARED)
    text = t1 & t2
    video = v1 & v2
    return RetrievalScores(text=_mean(text), video=_mean(video), group=_mean(text & video))


def _mean_scores(scores: list[Scores]) -> Scores:
    """Field-wise unweighted mean (NaN-aware) of task scores of one type."""
    cls = type(scores[0])
    return cls(**{f.name: mean_ignoring_nan([getattr(s, f.name) for s in scores]) for f in dataclasses.fields(cls)})


def _aggregate(per_task: Mapping[tuple[str, str], Scores]) -> tuple[Scores, dict[str, Scores]]:
    """(overall, per skill): unweighted means over tasks."""
    skills = sorted({s for s, _ in per_task})
    per_skill = {s: _mean_scores([m for (sk, _), m in per_task.items() if sk == s]) for s in skills}
    return _mean_scores(list(per_task.values())), per_skill


def _check_repeats(skill: str, task: str, pairs: list[VQAPair]) -> None:
    """Refuse a pair given twice in one task (as written, or with its two sides swapped).

    It is the same test: its 4 cells would be counted twice, and the task's accuracy weighted
    towards it (:func:`~camerabench.labelfiles.read_vqa_file` drops such a repeat with a warning;
    pairs built in memory reach here unchecked).

    Raises:
        ValueError: naming the task and the pair's positive and negative (video, question).
    """
    seen: set[frozenset[tuple[str, str, str]]] = set()
    for pair in pairs:
        key = frozenset(
            {(pair.pos_video, pair.pos_question, pair.pos_text), (pair.neg_video, pair.neg_question, pair.neg_text)}
        )
        if key in seen:
            raise ValueError(
                f"VQA task {skill}/{task}: the pair of {pair.pos_video!r} / {pair.pos_question!r} against "
                f"{pair.neg_video!r} / {pair.neg_question!r} is given twice: its cells would be counted twice"
            )
        seen.add(key)


def vqa_retrieval_sections(
    vqa_labels: Mapping[tuple[str, str], list[VQAPair]],
    run: MethodRun,
    policy: FailedPolicy = "lowest",
    yes_threshold: float = 0.5,
    name: str | None = None,
    warn_coverage: bool = True,
) -> tuple[VQAResult, RetrievalResult] | None:
    """The ``vqa`` and ``retrieval`` sections of one method, or None if it answered no task.

    A task counts as answered when the method has at least one record (ok or failed) among
    its cells; unanswered tasks are listed and left out of the means (a geometric method
    answers only the tasks whose questions are binary-primitive questions). A pair with an
    :data:`UNANSWERABLE` cell is left out under every policy and counted, with a note and a
    warning; a task with records but no other pair is listed (``unanswerable_tasks``), not
    scored (every figure NaN, with a warning, when no task is left). In answered tasks, failed
    and missing cells follow ``policy``: a task whose cells all failed is scored as wrong under
    ``lowest``.

    Every warning starts with the method's name: ``name`` (the name the evaluation shows it
    under), or ``run.name`` when None. ``warn_coverage=False`` keeps the coverage warning to the
    section's note (a second pass over the same cells, calibrated: the pairs outside the method's
    coverage are the same, and were warned of once).

    Raises:
        ValueError: a task that lists one pair twice (:func:`_check_repeats`), or a ``yes_threshold``
            that is NaN or infinite.
        TypeError: a ``yes_threshold`` that is not a real number (:func:`_check_threshold`).
    """
    method = run.name if name is None else name
    yes_threshold = _check_threshold(yes_threshold)
    for (skill, task), pairs in vqa_labels.items():
        _check_repeats(skill, task, pairs)
    per_task_vqa: dict[tuple[str, str], VQAScores] = {}
    per_task_ret: dict[tuple[str, str], RetrievalScores] = {}
    counts = {"pairs": 0, "cells": 0, "failed": 0, "missing": 0, "dropped_pairs": 0, "at_threshold": 0, "tied": 0}
    outside = {"cells": 0, "pairs": 0}
    unanswered: list[str] = []
    undefined: list[str] = []  # answered, but no pair left to score: NaN, not counted as answered
    uncovered: list[str] = []  # with records, but every pair has a cell outside the method's coverage
    for (skill, task), pairs in sorted(vqa_labels.items()):
        scores, status = pair_cells(pairs, run)
        if np.isin(status, ("missing", UNANSWERABLE)).all():
            unanswered.append(f"{skill}/{task}")
            continue
        # a pair with a cell the method did not answer on its video is outside its coverage: left
        # out under every policy, before the failed policy sees its other cells
        covered = ~(status == UNANSWERABLE).any(axis=1)
        outside["cells"] += int((status == UNANSWERABLE).sum())
        outside["pairs"] += int((~covered).sum())
        if pairs and not covered.any():
            uncovered.append(f"{skill}/{task}")
            continue
        scores, status = scores[covered], status[covered]
        ok = status == "ok"
        counts["failed"] += int((status == "failed").sum())
        counts["missing"] += int((status == "missing").sum())
        keep = apply_failed_policy(ok, policy)
        counts["dropped_pairs"] += int((~keep).sum())
        if pairs and not keep.any():
            undefined.append(f"{skill}/{task}")
            warnings.warn(
                f"{method}: VQA task {skill}/{task} is undefined: every pair has a failed or missing cell "
                f"and --failed {policy} drops them",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        scores, ok = scores[keep], ok[keep]
        counts["at_threshold"] += int((ok & (scores == yes_threshold)).sum())
        counts["tied"] += sum(int((ok[:, a] & ok[:, b] & (scores[:, a] == scores[:, b])).sum()) for a, b in _COMPARED)
        counts["pairs"] += len(scores)
        counts["cells"] += 4 * len(scores)
        if len(scores):
            per_task_vqa[(skill, task)] = vqa_scores(scores, ok, yes_threshold)
            per_task_ret[(skill, task)] = retrieval_scores(scores, ok)
        else:  # undefined, warned of above with the task's name
            per_task_vqa[(skill, task)] = VQAScores(math.nan, math.nan, math.nan, math.nan)
            per_task_ret[(skill, task)] = RetrievalScores(math.nan, math.nan, math.nan)
    if not per_task_vqa and not uncovered:
        return None
    tasks_total = len(vqa_labels)
    note = None
    if outside["pairs"]:
        coverage = (
            f"{outside['pairs']} pair(s) have a cell ({outside['cells']} cells in all) whose question the method "
            "did not answer on that video, as its run recorded (one it never answers, or found unanswerable "
            "there): outside its coverage, not scored under any --failed policy"
            + (
                f"; {len(uncovered)} task(s) with records have no other pair (not scored, not among the tasks "
                f"answered): {', '.join(uncovered)}"
                if uncovered
                else ""
            )
        )
        if warn_coverage:
            log.warning("%s: VQA/retrieval: %s", method, coverage)
        note = coverage
    if policy == "drop" and counts["dropped_pairs"]:
        dropped = (
            f"{counts['dropped_pairs']} pairs with failed/missing cells were dropped: this method was scored on "
            "different pairs than methods without failures"
        )
        note = "; ".join(n for n in (note, dropped) if n)
    ties = []
    if counts["at_threshold"]:
        ties.append(
            f"{counts['at_threshold']} of {counts['cells']} cells scored exactly the yes threshold {yes_threshold:g} "
            "(neither above nor below it: answered wrong)"
        )
    if counts["tied"]:
        ties.append(
            f"{counts['tied']} of {4 * counts['pairs']} retrieval comparisons between equal scores "
            "(neither cell ranks first: lost)"
        )
    if ties:
        log.warning("%s: VQA/retrieval: %s", method, "; ".join(ties))
        note = "; ".join(n for n in (note, *ties) if n)
    if undefined:
        note = "; ".join(
            n
            for n in (
                note,
                f"{len(undefined)} task(s) with records have no pair left to score (undefined: not among the tasks "
                f"answered, left out of the means): {', '.join(undefined)}",
            )
            if n
        )
    answered = len(per_task_vqa) - len(undefined)
    if per_task_vqa:
        overall, per_skill = _aggregate(per_task_vqa)
        ret_overall, ret_per_skill = _aggregate(per_task_ret)
    else:  # every task with records is outside the method's coverage: no figure
        warnings.warn(
            f"{method}: VQA and retrieval are undefined: every task with records has a cell outside the method's "
            "coverage in each of its pairs",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        overall, per_skill = VQAScores(math.nan, math.nan, math.nan, math.nan), {}
        ret_overall, ret_per_skill = RetrievalScores(math.nan, math.nan, math.nan), {}
    vqa = VQAResult(
        overall=overall,
        per_skill=per_skill,
        per_task={f"{s}/{t}": m for (s, t), m in per_task_vqa.items()},
        yes_threshold=yes_threshold,
        tasks_answered=answered,
        tasks_total=tasks_total,
        unanswered_tasks=unanswered,
        pairs=counts["pairs"],
        cells=counts["cells"],
        failed=counts["failed"],
        missing=counts["missing"],
        dropped_pairs=counts["dropped_pairs"],
        failed_policy=policy,
        note=note,
        undefined_tasks=undefined or None,
        unanswerable_cells=outside["cells"] or None,
        unanswerable_pairs=outside["pairs"] or None,
        unanswerable_tasks=uncovered or None,
    )
    retrieval = RetrievalResult(
        text=ret_overall.text,
        video=ret_overall.video,
        group=ret_overall.group,
        per_skill=ret_per_skill,
        per_task={f"{s}/{t}": m for (s, t), m in per_task_ret.items()},
        tasks_answered=answered,
        tasks_total=tasks_total,
        undefined_tasks=undefined or None,
    )
    return vqa, retrieval
