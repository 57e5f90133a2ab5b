"""The binary-classification section of an evaluation: AP per primitive, mean, CIs, counts."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from camerabench.eval.ap import (
    BootstrapCache,
    PrimitiveSamples,
    average_precision,
    bootstrap_mean_ap,
    chance_ap,
    mean_ignoring_nan,
    paired_bootstrap_test,
    random_ap,
    resolve_failed,
    roc_auc,
    thin_class,
)
from camerabench.eval.failed import FailedPolicy
from camerabench.eval.results import (
    UNANSWERABLE_KEY,
    BinaryResult,
    Chance,
    Comparison,
    PairedTest,
    PrimitiveCounts,
)
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import BinaryRecord, Primitive

__all__ = [
    "UNANSWERABLE",
    "BinarySamples",
    "ResolvedSamples",
    "binary_samples",
    "binary_section",
    "chance_section",
    "compare_methods",
    "resolve_samples",
    "within_coverage",
]

log = logging.getLogger(__name__)

Resolved = tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]

#: The status of a sample without a record whose question the run recorded the method found
#: unanswerable on its video (run.json's ``video_info[video]``
#: :data:`~camerabench.eval.results.UNANSWERABLE_KEY`): outside the method's coverage, neither
#: ok, failed nor missing, and left out of AP under every failed-sample policy.
UNANSWERABLE = "unanswerable"


@dataclass
class BinarySamples(PrimitiveSamples):
    """:class:`~camerabench.eval.ap.PrimitiveSamples` whose ``status`` may also be
    :data:`UNANSWERABLE`, with the reasons the run recorded for those samples (reason -> count)."""

    unanswerable_reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class ResolvedSamples:
    """Samples of one primitive after the failed-sample policy: what AP is computed on.

    ``answered`` is False when the method has no record (ok or failed) for any sample of the
    primitive: its samples are all missing (or unanswerable), and a paired test leaves the
    primitive out. Samples the method found unanswerable are not among them (any policy).
    """

    labels: NDArray[np.bool_]
    scores: NDArray[np.float64]
    videos: list[str]
    answered: bool = True

    def as_tuple(self) -> Resolved:
        return self.labels, self.scores, self.videos


def resolve_samples(samples: PrimitiveSamples, policy: FailedPolicy) -> ResolvedSamples:
    """The samples AP is computed on: those the method found unanswerable left out (outside its
    coverage, under every policy), then the failed-sample policy applied to the rest of one primitive."""
    inside = within_coverage(samples)
    scores, keep = resolve_failed(inside.scores, inside.ok, policy)
    videos = [v for v, k in zip(inside.videos, keep, strict=True) if k]
    answered = bool((inside.status != "missing").any())
    return ResolvedSamples(inside.labels[keep], scores[keep], videos, answered)


def within_coverage(samples: PrimitiveSamples) -> PrimitiveSamples:
    """``samples`` less those the method found unanswerable (:data:`UNANSWERABLE`): the samples
    that are ok, failed or missing, which the failed-sample policy and the knob counts see."""
    inside = np.asarray(samples.status != UNANSWERABLE)
    if inside.all():
        return samples
    return PrimitiveSamples(
        list(itertools.compress(samples.videos, inside)),
        samples.labels[inside],
        samples.scores[inside],
        samples.status[inside],
        dict(samples.reasons),
    )


def chance_section(binary_labels: Mapping[Primitive, list[BinaryRecord]]) -> Chance:
    """The chance row: AP of a constant score = prevalence, per primitive and mean; and the
    expected AP of uniformly random scores (:func:`random_ap`), which is higher at finite size."""
    labels = {p.value: [r.label == "Yes" for r in recs] for p, recs in binary_labels.items()}
    per = {name: chance_ap(y) for name, y in labels.items()}
    rand = {name: random_ap(y) for name, y in labels.items()}
    return Chance(per, mean_ignoring_nan(list(per.values())), rand, mean_ignoring_nan(list(rand.values())))


def binary_section(
    samples: Mapping[Primitive, PrimitiveSamples],
    policy: FailedPolicy = "lowest",
    n_bootstrap: int = 1000,
    seed: int = 0,
    cache: BootstrapCache | None = None,
) -> tuple[BinaryResult, dict[str, ResolvedSamples]]:
    """AP, ROC-AUC, chance, CIs and counts for one method.

    Args:
        samples: primitive -> the method's aligned samples (see :func:`binary_samples`).
        policy: failed-sample policy (design.md A4); missing samples are treated as failed.
        n_bootstrap: resamples for the 95% CIs.
        seed: RNG seed of the bootstrap.
        cache: replicate APs shared with the paired tests of the same evaluation.

    Returns:
        ``(section, resolved)``: the section and, per primitive stem, the samples AP was
        computed on (for plots, per-knob AP and paired tests).
    """
    resolved = {p.value: resolve_samples(s, policy) for p, s in samples.items()}
    per_ap: dict[str, float] = {}
    per_auc: dict[str, float] = {}
    chance: dict[str, float] = {}
    counts: dict[str, PrimitiveCounts] = {}
    reasons: dict[str, int] = {}
    outside_reasons: dict[str, int] = {}  # why the method found samples unanswerable -> how many
    for prim, smp in samples.items():
        name = prim.value
        res = resolved[name]
        per_ap[name] = average_precision(res.labels, res.scores, name=name)
        per_auc[name] = roc_auc(res.labels, res.scores, name=name)
        chance[name] = chance_ap(res.labels)
        n_failed = int((smp.status == "failed").sum())
        n_missing = int((smp.status == "missing").sum())
        n_outside = int((smp.status == UNANSWERABLE).sum())
        counts[name] = PrimitiveCounts(
            labelled=len(smp.videos),
            samples=len(res.videos),
            positives=int(res.labels.sum()),
            ok=int(smp.ok.sum()),
            failed=n_failed,
            missing=n_missing,
            dropped=len(smp.videos) - n_outside - len(res.videos),
            unanswerable=n_outside,
        )
        for reason, k in smp.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + k
        for reason, k in getattr(smp, "unanswerable_reasons", {}).items():
            outside_reasons[reason] = outside_reasons.get(reason, 0) + k
    undefined = [n for n, v in per_ap.items() if not math.isfinite(v)]
    if undefined:
        log.warning("mean AP leaves out %d primitive(s) with undefined AP: %s", len(undefined), ", ".join(undefined))
    ci = bootstrap_mean_ap(
        {n: r.as_tuple() for n, r in resolved.items() if n not in undefined},
        n_bootstrap=n_bootstrap,
        seed=seed,
        cache=cache,
    )
    for n in undefined:
        ci.per_primitive[n] = (math.nan, math.nan)
    failed = sum(c.failed for c in counts.values())
    missing = sum(c.missing for c in counts.values())
    notes: list[str] = []  # every branch appends: no note replaces an earlier one
    if policy == "lowest" and failed and not any(c.ok for c in counts.values()):
        # every sample ties below every score: each AP is the prevalence, a number no score made
        notes.append(
            f"no binary sample was scored ({failed} failed, {missing} missing): every AP is that of a "
            "constant score (the chance level), not a measurement of the method"
        )
    # a primitive whose AP is undefined (one class only) is left out of the mean AP, scored or not
    unscored = [n for n, c in counts.items() if c.labelled and not c.ok and n not in undefined]
    if policy == "lowest" and unscored and any(c.ok for c in counts.values()):
        # a primitive whose every sample failed or is missing: its AP is the prevalence, which the
        # mean AP averages in as if the method had scored it (the whole method's case is above)
        shown = ", ".join(f"{n} ({counts[n].failed} failed, {counts[n].missing} missing)" for n in unscored[:5])
        more = f" and {len(unscored) - 5} more" if len(unscored) > 5 else ""
        notes.append(
            f"{len(unscored)} primitive(s) with no scored sample: {shown}{more}: their AP is that of a constant "
            "score (the chance level), not a measurement of the method; the mean AP includes them"
        )
    if policy == "drop" and (failed or missing):
        notes.append(
            f"{failed + missing} failed/missing samples were dropped: this method was scored on "
            "different samples than methods without failures"
        )
    thin = [n for n, r in resolved.items() if n not in undefined and thin_class(r.labels, r.videos) is not None]
    if thin and n_bootstrap > 0:
        # bootstrap_mean_ap warned; the report says it too, beside the interval it changes, with the
        # mean AP over those primitives (ci95.mean_ap_estimate): the number that interval is of (R97)
        kept = len(per_ap) - len(undefined) - len(thin)
        shown = ", ".join(thin[:5]) + (f" and {len(thin) - 5} more" if len(thin) > 5 else "")
        over = (
            f", whose mean AP is {100 * ci.mean_ap_estimate:.1f} (that interval's estimate; the mean AP of all "
            f"{kept + len(thin)} is {100 * mean_ignoring_nan(list(per_ap.values())):.1f})"
            if kept and ci.mean_ap_estimate is not None and math.isfinite(ci.mean_ap_estimate)
            else ""
        )
        notes.append(
            f"{len(thin)} primitive(s) have a class held by fewer than 2 videos ({shown}): their bootstrap "
            f"interval is undefined, and the mean AP interval averages the other {kept} primitive(s)"
            + (over if kept else " (none: it is undefined)")
        )
    outside = sum(c.unanswerable for c in counts.values())
    if outside:
        why = "; ".join(f"{r} ({k})" for r, k in sorted(outside_reasons.items(), key=lambda kv: -kv[1]))
        # a primitive left with no sample the method could answer: its AP is undefined, out of the mean
        none_left = [n for n, c in counts.items() if c.unanswerable and c.unanswerable == c.labelled]
        lost = (
            f"; {len(none_left)} primitive(s) have no sample it could answer ({', '.join(none_left)}): their AP is "
            "undefined and left out of the mean AP"
            if none_left
            else ""
        )
        notes.append(
            f"{outside} labelled sample(s) the method found unanswerable on their video, as the run recorded "
            f"({why}): outside its coverage, left out of AP (neither failed nor missing){lost}"
        )
    note = "; ".join(notes) or None
    section = BinaryResult(
        mean_ap=mean_ignoring_nan(list(per_ap.values())),
        per_primitive=per_ap,
        failed=failed,
        missing=missing,
        samples=sum(c.samples for c in counts.values()),
        roc_auc=per_auc,
        mean_roc_auc=mean_ignoring_nan(list(per_auc.values())),
        ci95=ci,
        chance=chance,
        mean_chance=mean_ignoring_nan(list(chance.values())),
        counts=counts,
        primitives_in_mean=len(per_ap) - len(undefined),
        failed_policy=policy,
        failure_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
        note=note,
        unanswerable=outside,
        unanswerable_reasons=dict(sorted(outside_reasons.items(), key=lambda kv: -kv[1])) or None,
    )
    return section, resolved


def compare_methods(
    a: str,
    b: str,
    resolved_a: Mapping[str, ResolvedSamples],
    resolved_b: Mapping[str, ResolvedSamples],
    n_bootstrap: int = 1000,
    seed: int = 0,
    cache: BootstrapCache | None = None,
) -> Comparison:
    """Paired test of mean AP between methods ``a`` and ``b`` on their common samples (a bootstrap
    interval and a permutation p-value: :func:`~camerabench.eval.ap.paired_bootstrap_test`).

    Samples are matched per primitive by video; with ``--failed lowest`` both methods have
    every labelled sample, with ``drop`` only the videos both scored are compared. Primitives
    whose common samples have one class only (or none in common) are left out, and so are
    primitives one of the methods has no record for at all or that only one method was evaluated
    on: the note gives the count and names of each kind. A primitive whose common samples have
    a class held by fewer than 2 videos has no bootstrap interval (no spread to resample): where
    other primitives have one, it is left out of the test, so that the difference, the interval
    and the p-value all average the same primitives (red team R97: a difference over 8 primitives
    printed beside an interval over 4 of them); where none has one, there is no interval (NaN)
    and the difference and the p-value average them all. The note and a
    :class:`~camerabench.eval.ap.ThinClassWarning` name it; ``primitives`` of the comparison are
    the primitives the three numbers average, and ``samples`` their samples.
    Without a common primitive (e.g. one method answered only VQA questions) no test runs: the
    comparison carries NaN and a note saying why. A test over so few videos that they have
    fewer distinct resamples than the replicates drawn (6 videos or fewer for 1000) says so in
    its note and a warning: its interval's replicates repeat a few resamples (its p-value is then
    the exact permutation test over every swap of the videos).

    Testing many pairs, give every test one ``cache``: each method's replicate APs are then
    computed once instead of once per pair (the numbers are the same).
    """
    per_a: dict[str, Resolved] = {}
    per_b: dict[str, Resolved] = {}
    unanswered: list[str] = []
    thin: dict[str, str] = {}  # primitive -> why its common samples cannot be bootstrapped
    one_class: dict[str, str] = {}  # primitive -> which single class its common samples hold
    for name in resolved_a:
        if name not in resolved_b:
            continue
        ra, rb = resolved_a[name], resolved_b[name]
        if not (ra.answered and rb.answered):
            unanswered.append(name)
            continue
        # a video may hold several samples of one primitive: the k-th of ``a`` pairs with the k-th of
        # ``b`` (a dict of first or last positions would pair both with one of ``b``'s scores)
        pos_b: dict[str, list[int]] = {}
        for i, v in enumerate(rb.videos):
            pos_b.setdefault(v, []).append(i)
        seen: dict[str, int] = {}
        ia: list[int] = []
        ib: list[int] = []
        for i, v in enumerate(ra.videos):
            k = seen.get(v, 0)
            seen[v] = k + 1
            if k < len(pos_b.get(v, ())):
                ia.append(i)
                ib.append(pos_b[v][k])
        if not np.array_equal(ra.labels[ia], rb.labels[ib]):
            raise ValueError(f"paired test {a} vs {b}: the two methods' samples of {name} have different labels")
        y = ra.labels[ia]
        if y.size == 0 or y.all() or not y.any():
            # no AP to compare: left out, and named in the note
            one_class[name] = (
                "no common sample" if y.size == 0 else f"{y.size} common, all {'Yes' if y.all() else 'No'}"
            )
            continue
        videos = [ra.videos[i] for i in ia]
        why_thin = thin_class(y, videos) if n_bootstrap > 0 else None
        if why_thin is not None:
            thin[name] = why_thin  # left out of the test unless every primitive is thin: paired_bootstrap_test warns
        per_a[name] = (y, ra.scores[ia], videos)
        per_b[name] = (y, rb.scores[ib], videos)
    notes: list[str] = []  # every left-out primitive is named: none is dropped silently
    unmatched = [n for n in resolved_a if n not in resolved_b] + [n for n in resolved_b if n not in resolved_a]
    if unmatched:
        # a primitive evaluated for one method only: nothing to pair it with
        notes.append(f"left out {len(unmatched)} primitive(s) evaluated for one method only: {', '.join(unmatched)}")
    unanswered_note = None
    if unanswered:
        unanswered_note = (
            f"left out {len(unanswered)} primitive(s) that one method has no record for: {', '.join(unanswered)}"
        )
        notes.append(unanswered_note)
    if one_class:
        # no AP on one class: the primitive cannot enter the difference
        named = ", ".join(f"{n} ({why})" for n, why in one_class.items())
        notes.append(f"left out {len(one_class)} primitive(s) whose common samples have one class only: {named}")
    if thin:
        # a class on one video: every replicate resamples that video or none, so no spread to test
        named = "; ".join(f"{n} ({why})" for n, why in thin.items())
        used = len(per_a) - len(thin)
        notes.append(
            f"left out {len(thin)} primitive(s) whose common samples have a class held by fewer than 2 videos "
            f"(no bootstrap interval): {named}; the difference, the interval and the p-value all average the "
            f"other {used} of {len(per_a)} primitive(s)"
            if used
            else f"{len(thin)} primitive(s) have a class held by fewer than 2 of the common videos: {named}; no "
            "interval (undefined): the difference and the permutation p-value average all of them"
        )
    if not per_a:
        why = "no primitive that both methods answered with both classes among their common samples"
        if unanswered and len(unanswered) == len(set(resolved_a) & set(resolved_b)):
            silent = [m for m, res in ((a, resolved_a), (b, resolved_b)) if not any(r.answered for r in res.values())]
            if silent:
                why = f"{' and '.join(silent)} answered none of the binary questions"
                notes = [n for n in notes if n != unanswered_note]  # all of them: the reason says so
        log.warning("paired test %s vs %s skipped: %s", a, b, why)
        skipped = PairedTest(math.nan, (math.nan, math.nan), math.nan, 0)
        return Comparison.of(a, b, skipped, [], 0, note="; ".join([f"not tested: {why}", *notes]))
    test = paired_bootstrap_test(per_a, per_b, n_bootstrap=n_bootstrap, seed=seed, cache=cache)
    # the primitives the difference, the interval and the p-value average (the thin ones left out
    # where others have an interval)
    tested = sorted(test.primitives if test.primitives is not None else per_a)
    n_videos = len({v for n in tested for v in per_a[n][2]})
    # distinct multisets of n_videos drawn from n_videos (past 30 videos, more than any bootstrap)
    resamples = math.comb(2 * n_videos - 1, n_videos) if n_videos <= 30 else None
    if resamples is not None and resamples < n_bootstrap and len(thin) < len(per_a):
        # two videos have 3 resamples, one with both classes: every replicate repeats the observed
        # difference, and the test reports p = 0 for a difference seen on one pair of clips
        few = (
            f"only {n_videos} videos in common, which have {resamples} distinct resamples for "
            f"{n_bootstrap} replicates: the interval rests on repeats of a few resamples"
        )
        log.warning("paired test %s vs %s: %s", a, b, few)
        notes.append(few)
    counts = _counts_note(test, n_videos, n_bootstrap)
    if counts is not None:
        notes.append(counts)
    samples = int(sum(len(per_a[n][2]) for n in tested))
    return Comparison.of(a, b, test, tested, samples, note="; ".join(notes) or None)


def _permutations_used(n_videos: int, n_permutations: int) -> int:
    """How many permutations the paired test's p-value rests on: ``n_permutations`` random swaps of
    the ``n_videos`` common videos' scores, or every one of the ``2 ** n_videos`` swaps where they
    are no more (:func:`scipy.stats.permutation_test`'s exact test; 0 when none is asked for).

    Example:
        >>> _permutations_used(8, 200), _permutations_used(3, 200), _permutations_used(100, 1000)
        (200, 8, 1000)
    """
    if n_permutations <= 0:
        return 0
    return n_permutations if n_videos >= n_permutations.bit_length() else min(n_permutations, 2**n_videos)


def _counts_note(test: PairedTest, n_videos: int, n_bootstrap: int) -> str | None:
    """What a comparison's ``n_bootstrap`` counts, where it is 0 beside a p-value.

    ``n_bootstrap`` is the bootstrap replicates the interval rests on (those in which the
    difference is defined); the p-value comes from permutations of the videos' scores, whose count
    is :func:`_permutations_used`. Beside a p-value from 200 permutations, ``"n_bootstrap": 0`` (every
    primitive's class on one video: no interval) read as a p-value from no resample at all (red
    team R82). None when there is an interval (its replicates are what the field says) or no
    p-value.
    """
    permutations = _permutations_used(n_videos, n_bootstrap)
    if not math.isfinite(test.p_value) or test.n_bootstrap != 0 or permutations == 0:
        return None
    exact = n_videos < n_bootstrap.bit_length() and 2**n_videos <= n_bootstrap
    which = f"all {permutations} swaps (exact)" if exact else f"{permutations} random swaps"
    interval = " (none: no interval)" if test.n_bootstrap == 0 else ""
    return (
        f"n_bootstrap ({test.n_bootstrap}) counts the bootstrap replicates the interval rests on{interval}; the "
        f"p-value rests on {which} of the two methods' scores over the {n_videos} common videos"
    )


def binary_samples(records: list[BinaryRecord], question: str, run: MethodRun) -> BinarySamples:
    """Align one primitive's labels with a method's score records by (video, question).

    A label with no record is ``missing``, or :data:`UNANSWERABLE` when the run recorded that the
    method found the question unanswerable on that video (run.json's ``video_info[video]``
    :data:`~camerabench.eval.results.UNANSWERABLE_KEY`; a run.json without it: missing, as
    before); a record with status failed is ``failed``.

    Raises:
        ValueError: a video labelled both *Yes* and *No* (its one score would be ranked as a
            positive and as a negative: half of it right whatever the method answers). The
            label readers refuse such a file; this guards records built otherwise.
    """
    seen: dict[str, str] = {}
    for r in records:
        if seen.setdefault(r.image, r.label) != r.label:
            raise ValueError(f"{r.image} is labelled both 'Yes' and 'No' for {question!r}")
    n = len(records)
    labels = np.fromiter((r.label == "Yes" for r in records), dtype=bool, count=n)
    scores = np.full(n, math.nan)
    status = np.full(n, "missing", dtype=object)
    reasons: dict[str, int] = {}
    outside: dict[str, int] = {}
    table = run.scores or {}
    video_info = run.info.video_info if run.info is not None else {}
    for i, r in enumerate(records):
        rec = table.get((r.image, question))
        if rec is None:
            details = video_info.get(r.image)
            found = details.get(UNANSWERABLE_KEY) if isinstance(details, dict) else None
            if isinstance(found, dict) and question in found:
                status[i] = UNANSWERABLE
                why = str(found[question])
                outside[why] = outside.get(why, 0) + 1
            continue
        status[i] = rec.status
        if rec.status == "ok":
            scores[i] = float(rec.score)  # type: ignore[arg-type]
        else:
            reason = rec.reason or "unknown"
            reasons[reason] = reasons.get(reason, 0) + 1
    return BinarySamples([r.image for r in records], labels, scores, status.astype(str), reasons, outside)
