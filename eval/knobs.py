"""Mean AP per hard-case knob: how each method does on the clips where one knob is turned on.

The synthetic hard preset writes, per clip of ``manifest.json``, ``"knobs": {name: value}`` (a
knob counts as on when its value is true or a non-zero number; null and 0 are off, anything
else, such as NaN or the string ``"false"``, is an error) and ``"failure_mode": name``; a clip is
in the group of every knob it turns on and of its failure mode (null or ``"none"``: none). Clips
with no knob on form the group ``none`` (the clean clips). AP is computed on the samples AP was
computed on for the whole dataset (after the failed-sample policy), restricted to clips of a
group: each knob gets two APs (:class:`~camerabench.eval.results.KnobAP`), on its clips alone
and on its clips together with the clean ones (the knob AP of ``benchmarks/bench_geometry.py``).

Example:
    >>> clip_groups({"clips": [{"video": "a.mp4", "knobs": {"blur": True}}, {"video": "b.mp4", "knobs": {}}]})
    {'blur': {'a.mp4'}, 'none': {'b.mp4'}}
"""

from __future__ import annotations

import logging
import math
import numbers
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from camerabench.errors import FileFormatError
from camerabench.eval.ap import PrimitiveSamples, UndefinedMetricWarning, average_precision, mean_ignoring_nan
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.results import KnobAP
from camerabench.runfolder import video_file_stem

__all__ = ["clip_groups", "knob_section", "knob_trajectory_errors", "subset_ap"]

log = logging.getLogger(__name__)

#: The group of the clips with no knob on.
NO_KNOB = "none"


def _is_number(value: Any) -> bool:
    """A real number (numpy's included), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _knob_on(value: Any) -> bool | None:
    """Whether a knob value turns its knob on; None when it is no knob value.

    A knob value is a boolean, null (off) or a finite number (on when not 0), as
    :class:`~camerabench.dataset.Dataset` accepts them; NaN is no value (it is truthy) and a
    string neither (``"false"`` is truthy).
    """
    if value is None:
        return False
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if _is_number(value) and math.isfinite(float(value)):
        return float(value) != 0.0
    return None


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip_groups(manifest: Mapping[str, Any], path: str = "manifest.json") -> dict[str, set[str]]:
    """Hard-case group -> videos, from ``manifest["clips"][i]["knobs"]`` (or ``failure_mode``).

    ``path`` names the manifest in errors and warnings (the dataset's
    :attr:`~camerabench.dataset.Dataset.manifest_path`, where it has one).

    Clips with no knob set form the group ``none``. Empty when the manifest names neither. A
    clip whose ``video`` is not a name (a number, null, empty) is left out with a warning; a
    video listed twice is in the groups of every knob either entry turns on (``none`` only when
    neither does).

    A clip's ``failure_mode`` puts it in that group too (its knobs need not turn it on; when
    they turn it off, a warning names the clip).

    Raises:
        FileFormatError: naming ``path`` and the clip, when a knob value is no boolean, null or
            finite number (NaN, a string: its truth would turn the knob on), ``knobs`` is no
            object or null, a knob named ``none`` (the group of clips with no knob on) is on, or a
            ``failure_mode`` is no string or null. A dataset's manifest is refused for each of
            these when it is read (:class:`~camerabench.dataset.Dataset`, naming its line),
            before any method is evaluated; here they guard a manifest given directly.
    """
    clips = manifest.get("clips")
    if not isinstance(clips, list):
        return {}
    on: dict[str, set[str]] = {}  # video -> its knobs that are on
    seen_any = False
    for k, clip in enumerate(clips):
        if not isinstance(clip, dict) or "video" not in clip:
            continue
        video = clip["video"]
        if not isinstance(video, str) or not video:
            log.warning("%s: clips[%d]: video %r is not a file name; the clip is in no knob group", path, k, video)
            continue
        knobs = clip.get("knobs")
        names: list[str] = []
        mode = clip.get("failure_mode")
        if mode is not None and not isinstance(mode, str):
            raise FileFormatError(
                path, f"clips[{k}] (video {video!r}): failure_mode must be a string or null, got {_show(mode)}"
            )
        if knobs is not None and not isinstance(knobs, dict):
            # a list of knob names (["motion_blur"]) put the clip in no knob group, silently
            raise FileFormatError(
                path, f"clips[{k}] (video {video!r}): knobs must be an object (knob -> true/false), got {_show(knobs)}"
            )
        if isinstance(knobs, dict):
            seen_any = True
            for name, v in knobs.items():
                is_on = _knob_on(v)
                if is_on is None:
                    raise FileFormatError(
                        path,
                        f"clips[{k}] (video {video!r}): knobs[{str(name)!r}] must be true or false (or a finite "
                        f"number), got {_show(v)}",
                    )
                if is_on:
                    names.append(str(name))
        if mode and mode != NO_KNOB:
            # the failure mode the clip exercises is its group, whether or not its knobs say so
            # too: with a knobs object that does not turn it on (an older or hand-written
            # manifest), the clip was counted under "none", as a clip with no hard case
            seen_any = True
            if isinstance(knobs, dict) and mode in knobs and not _knob_on(knobs[mode]):
                log.warning(
                    "%s: clips[%d] (video %r) has the failure_mode %r but its knobs turn %r off: it is counted "
                    "in the group of its failure mode",
                    path,
                    k,
                    video,
                    mode,
                    mode,
                )
            names.append(mode)
        elif "failure_mode" in clip:
            seen_any = True
        if NO_KNOB in names:
            # the group of the clips with no knob on: a knob of that name would be merged with them
            raise FileFormatError(
                path,
                f"clips[{k}] (video {video!r}): a knob named {NO_KNOB!r} is turned on; that is the name of the group "
                "of clips with no knob on",
            )
        on.setdefault(video, set()).update(names)
    groups: dict[str, set[str]] = {}
    for video, knobs_on in on.items():
        for name in sorted(knobs_on) or [NO_KNOB]:
            groups.setdefault(name, set()).add(video)
    return dict(sorted(groups.items())) if seen_any else {}


def _stem(primitive: Any) -> str:
    """A primitive's file stem: a :class:`~camerabench.taxonomy.Primitive`'s value, or the stem itself."""
    return str(getattr(primitive, "value", primitive))


def _unscored_counts(
    resolved: Mapping[str, ResolvedSamples], samples: Mapping[Any, PrimitiveSamples], videos: Collection[str]
) -> tuple[int, int, int]:
    """(failed, missing, dropped) labelled samples of ``videos``, over the primitives of ``resolved``.

    ``dropped`` is how many of the group's labelled samples are not among the evaluated ones
    (the failed and missing ones ``--failed drop`` left out).
    """
    by_stem = {_stem(p): smp for p, smp in samples.items()}
    failed = missing = dropped = 0
    for prim, res in resolved.items():
        smp = by_stem.get(prim)
        if smp is None:
            continue
        status = [s for v, s in zip(smp.videos, smp.status, strict=True) if v in videos]
        failed += sum(s == "failed" for s in status)
        missing += sum(s == "missing" for s in status)
        dropped += len(status) - sum(v in videos for v in res.videos)
    return failed, missing, dropped


def _video_names(videos: object, name: str) -> frozenset[str]:
    """``videos`` as a set of names: any collection of str (a list, a set, a pandas Series by its
    values: ``v in series`` tests its index, and ``if series`` raises)."""
    group = f" of knob {name!r}" if name else ""
    if isinstance(videos, str | bytes):
        raise ValueError(
            f"the videos{group} must be a collection of video names, not one name ({videos!r}): "
            f"pass [{videos!r}] for a single clip"
        )
    if not isinstance(videos, Iterable):
        raise ValueError(f"the videos{group} must be a collection of video names, got {type(videos).__name__}")
    names = list(videos)
    odd = next(((i, v) for i, v in enumerate(names) if not isinstance(v, str)), None)
    if odd is not None:
        raise ValueError(
            f"the videos{group} must be video names (str): entry {odd[0]} is {type(odd[1]).__name__} {odd[1]!r}"
        )
    return frozenset(names)


def _manifest_labels(manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """video -> primitive -> label (null: ambiguous), of the clips whose ``labels`` the manifest
    records (the synthetic generator's do; other manifests need not)."""
    clips = manifest.get("clips")
    return {
        clip["video"]: clip["labels"]
        for clip in (clips if isinstance(clips, list) else [])
        if isinstance(clip, dict) and isinstance(clip.get("video"), str) and isinstance(clip.get("labels"), dict)
    }


def _undefined_reason(
    videos: frozenset[str],
    n_samples: int,
    positives: int,
    sampled: set[str],
    listed: set[str] | None,
    known: str | None,
    labels: Mapping[str, Mapping[str, Any]] | None,
) -> str:
    """Why no primitive has a defined AP on ``videos``, in words, from the labels.

    ``listed``: the videos of the label files (the samples before the failed-sample policy;
    None when not given). ``labels``: video -> primitive -> label (None: ambiguous) as the
    manifest records them, when it does.
    """
    if not videos:
        return "it holds no clip"
    known_labels = [labels[v] for v in videos if labels is not None and v in labels]
    ambiguous = sum(bool(lab) and all(value is None for value in lab.values()) for lab in known_labels)
    both = f"no primitive has both a clear yes and a clear no on its {len(videos)} clips"
    if known_labels and ambiguous == len(videos):
        return (
            f"{both} (every label of its clips is ambiguous, as the taxonomy's rule 1 makes a clip across a scene cut)"
        )
    some = f"every label of {ambiguous} of them is ambiguous" if ambiguous else ""
    if n_samples:
        # the sample counts differ between methods (their coverage, --failed drop): in the warning
        return f"{both} ({some})" if some else both
    absent = videos - (listed if listed is not None else sampled)
    if listed is not None and len(absent) < len(videos):
        # in the label files, but none evaluated: their samples failed or are missing and were dropped
        also = f"; {some}" if some else ""
        return f"{both}: none of its clips has an evaluated sample (their labelled samples were dropped{also})"
    if ambiguous and ambiguous + len(videos - set(labels or {})) == len(videos):
        # the clips the manifest records labels of are all ambiguous; the others are not in it
        return (
            f"{both} (every label of {ambiguous} of its clips is ambiguous; the manifest records no label of the "
            "others)"
        )
    where = "among the labelled samples of the label files" if listed is not None else "among the evaluated samples"
    given = next(iter(sorted(absent)), None)
    hint = (
        f" (a clip every label of which is ambiguous is in no label file, as a clip across a scene cut; else its "
        f"name differs: the label files name clips e.g. {known!r}, the group e.g. {given!r})"
        if known is not None and given is not None
        else ""
    )
    return f"none of its clips is {where}{hint}"


def subset_ap(
    resolved: Mapping[str, ResolvedSamples],
    videos: Collection[str],
    name: str = "",
    method: str = "",
    samples: Mapping[Any, PrimitiveSamples] | None = None,
    labels: Mapping[str, Mapping[str, Any]] | None = None,
) -> KnobAP:
    """Mean AP of one method over the samples of ``videos``.

    Primitives whose samples on these videos have one class only are left out (small groups
    often lack one class; ``primitives`` says how many are left); the mean is over the others.
    When none is left (every sample of the group a negative, say, every label of its clips
    ambiguous, or the group's clips absent from the label files) the mean AP is undefined: NaN,
    with an :class:`UndefinedMetricWarning` that says why and how many of the group's clips have
    no evaluated sample; the returned ``note`` says why. A hint at the clips' names is given
    only when the group's clips are absent from the label files and not known to be ambiguous.

    Args:
        resolved: primitive stem -> the samples AP was computed on.
        videos: the clips of the group.
        name: the group's name, for warning texts.
        method: the method's name, for warning texts.
        samples: primitive (or its stem) -> the method's samples before the failed-sample policy
            (:func:`~camerabench.eval.binary.binary_samples`); with them the result counts the
            group's failed, missing and dropped samples (None without them).
        labels: video -> primitive -> label, None where ambiguous (``manifest.json``'s clip
            ``labels``, where it records them): to tell a group whose labels are all ambiguous
            (not in the label files) from one whose names the label files do not use.

    Raises:
        ValueError: ``videos`` is one name (a str would be read as a clip per character) or not
            a collection of names (a pandas Series is read by its values, not its index).
    """
    videos = _video_names(videos, name)
    aps: list[float] = []
    n_samples = positives = 0
    sampled: set[str] = set()
    for prim, res in resolved.items():
        idx = [i for i, v in enumerate(res.videos) if v in videos]
        y = res.labels[idx]
        n_samples += len(idx)
        positives += int(y.sum())
        sampled.update(res.videos[i] for i in idx)
        if y.size and y.any() and not y.all():
            aps.append(average_precision(y, res.scores[idx], name=f"{prim} on {name}"))
    counts = _unscored_counts(resolved, samples, videos) if samples is not None else None
    note = None
    if not aps:  # an empty group too: its NaN is warned of like any other (red team R59)
        unsampled = len(set(videos) - sampled)
        listed = {v for smp in samples.values() for v in smp.videos} if samples is not None else None
        known = next((v for res in resolved.values() for v in res.videos), None)
        if known is None and listed:
            known = min(listed)
        note = _undefined_reason(videos, n_samples, positives, sampled, listed, known, labels)
        why = f"{note} ({n_samples} samples, {positives} positive)" if n_samples else note
        unscored = (
            f" ({counts[0]} failed and {counts[1]} missing samples, {counts[2]} of them dropped)"
            if counts is not None
            else ""
        )
        warnings.warn(
            f"{method + ': ' if method else ''}mean AP on the clips of knob {name!r} is undefined: {why}; "
            f"{unsampled} of its {len(videos)} clips have no evaluated sample (not labelled, or failed/missing "
            f"and dropped){unscored}",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    failed, missing, dropped = counts if counts is not None else (None, None, None)
    return KnobAP(
        mean_ap=mean_ignoring_nan(aps),
        primitives=len(aps),
        clips=len(videos),
        samples=n_samples,
        failed=failed,
        missing=missing,
        dropped=dropped,
        note=note,
    )


def _named_knobs(manifest: Mapping[str, Any]) -> set[str]:
    """Every knob name a clip of ``manifest`` lists in its ``knobs``, on or off."""
    clips = manifest.get("clips")
    return {
        str(name)
        for clip in (clips if isinstance(clips, list) else [])
        if isinstance(clip, dict) and isinstance(clip.get("video"), str) and clip["video"]
        if isinstance(clip.get("knobs"), dict)
        for name in clip["knobs"]
    }


def knob_section(
    resolved: Mapping[str, Mapping[str, ResolvedSamples]],
    manifest: Mapping[str, Any],
    samples: Mapping[str, Mapping[Any, PrimitiveSamples]] | None = None,
    path: str = "manifest.json",
) -> dict[str, dict[str, KnobAP]]:
    """method -> knob -> its two mean APs, for every method with binary results.

    Each :class:`KnobAP` holds the mean AP on the knob's clips alone (``mean_ap``; with a
    ``note`` saying why when it is undefined) and on the clean clips (group ``none``) together
    with the knob's (``with_clean_ap``: the knob AP ``benchmarks/bench_geometry.py`` reports,
    over its standard clips plus the mode's). ``with_clean_ap`` is NaN, with one logged warning,
    when the dataset has no clean clip (a hard preset alone); the entry ``none`` has its own AP there.
    The failed, missing and dropped counts are of the knob's clips only.

    A knob the manifest names but no clip turns on is kept, with 0 clips and undefined (NaN)
    mean APs, and named in a warning: left out, a reader could not tell a knob never tested from
    one never named.

    Args:
        resolved: method -> primitive stem -> the samples AP was computed on.
        manifest: the dataset's ``manifest.json``.
        samples: method -> primitive (or its stem) -> its samples before the failed-sample
            policy; with them each :class:`KnobAP` counts the knob's failed, missing and dropped
            samples (a method absent from it gets None counts, as without it).
        path: the manifest's path, as errors and warnings name it (:func:`clip_groups`).
    """
    groups = clip_groups(manifest, path)
    never = sorted(_named_knobs(manifest) - set(groups)) if groups else []
    if never and resolved:
        log.warning(
            "%s names %d knob(s) that no clip turns on (%s): they have no clip to compute an AP on "
            "(0 clips, AP undefined)",
            path,
            len(never),
            ", ".join(never),
        )
    labels = _manifest_labels(manifest)
    clean = groups.get(NO_KNOB, set())
    if groups and not clean and resolved:
        # a fact of the dataset, not of a method: logged once, as the knobs no clip turns on are
        log.warning(
            "the AP of each knob with the clean clips (those with no knob on; the knob AP of "
            "benchmarks/bench_geometry.py) is undefined (NaN): the dataset has no clean clip"
        )
    out: dict[str, dict[str, KnobAP]] = {}
    for method, res in resolved.items():
        smp = (samples or {}).get(method)
        table: dict[str, KnobAP] = {}
        for knob, videos in groups.items():
            entry = subset_ap(res, videos, knob, method, smp, labels)
            if knob == NO_KNOB:
                entry.with_clean_ap, entry.with_clean_primitives = entry.mean_ap, entry.primitives
            elif clean:
                both = subset_ap(res, clean | videos, f"{knob} with the clean clips", method, labels=labels)
                entry.with_clean_ap, entry.with_clean_primitives = both.mean_ap, both.primitives
            else:
                entry.with_clean_ap, entry.with_clean_primitives = math.nan, 0
            table[knob] = entry
        for knob in never:
            table[knob] = _never_on(samples is not None and method in samples)
        out[method] = dict(sorted(table.items()))
    return out


def _never_on(counted: bool) -> KnobAP:
    """The entry of a knob no clip turns on: 0 clips, APs undefined (counts 0 when counted)."""
    zero = 0 if counted else None
    return KnobAP(
        mean_ap=math.nan,
        primitives=0,
        clips=0,
        samples=0,
        failed=zero,
        missing=zero,
        dropped=zero,
        with_clean_ap=math.nan,
        with_clean_primitives=0,
        note="no clip turns it on",
    )


def knob_trajectory_errors(
    rows: Sequence[Mapping[str, Any]],
    manifest: Mapping[str, Any],
    metrics: Sequence[str] = ("ape_rot_deg_rmse",),
    path: str = "manifest.json",
) -> dict[str, dict[str, float]]:
    """knob -> metric -> mean over that knob's evaluated clips, plus ``clips`` and ``ok`` counts.

    ``rows`` are one method's per-clip trajectory rows (``Evaluation.trajectory_rows[method]``,
    keyed by ``clip`` = :func:`~camerabench.runfolder.video_file_stem`); a mean ignores NaN
    (e.g. translation errors of clips whose camera does not translate) and is NaN when no clip
    of the group has a value. An infinite error (no trajectory evaluation gives one: a row
    edited or read from elsewhere) is no figure to average: it is left out of the mean, counted
    under ``<metric>_not_finite`` and named in a warning. A knob the manifest names but no clip
    turns on is kept with 0 clips and NaN means, as :func:`knob_section` keeps it. ``path`` names
    the manifest in errors (:func:`clip_groups`).

    Example:
        >>> rows = [{"clip": "a", "status": "ok", "ape_rot_deg_rmse": 2.0}, {"clip": "b", "status": "failed"}]
        >>> knob_trajectory_errors(rows, {"clips": [{"video": "a.mp4", "knobs": {"blur": True}},
        ...                                         {"video": "b.mp4", "knobs": {"blur": True}}]})
        {'blur': {'ape_rot_deg_rmse': 2.0, 'ape_rot_deg_rmse_not_finite': 0, 'clips': 2, 'ok': 1}}
    """
    by_clip = {str(r.get("clip")): r for r in rows}
    out: dict[str, dict[str, float]] = {}
    groups = clip_groups(manifest, path)
    never = _named_knobs(manifest) - set(groups) if groups else set()
    for knob, videos in sorted([*groups.items(), *((k, set[str]()) for k in never)], key=lambda kv: kv[0]):
        group = [by_clip[s] for s in (video_file_stem(v) for v in sorted(videos)) if s in by_clip]
        ok = [r for r in group if r.get("status") == "ok"]
        entry: dict[str, float] = {}
        for m in metrics:
            numbers = [(str(r.get("clip")), float(r[m])) for r in ok if _is_number(r.get(m))]
            infinite = [clip for clip, x in numbers if math.isinf(x)]
            values = [x for _, x in numbers if math.isfinite(x)]
            if infinite:
                log.warning(
                    "knob %s: %d of %d evaluated clips have an infinite %s (e.g. %s): left out of its mean, "
                    "counted under %s_not_finite",
                    knob,
                    len(infinite),
                    len(ok),
                    m,
                    infinite[0],
                    m,
                )
            entry[m] = mean_ignoring_nan(values) if values else math.nan
            entry[f"{m}_not_finite"] = len(infinite)
        entry["clips"] = len(videos)
        entry["ok"] = len(ok)
        out[knob] = entry
    return out
