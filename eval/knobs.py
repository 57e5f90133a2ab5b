"""Mean AP per hard-case knob: how each method does on the clips where one knob is turned on.

The synthetic hard preset writes, per clip of ``manifest.json``, ``"knobs": {name: value}`` (a
knob counts as on when its value is true or a non-zero number; null and 0 are off, anything
else, such as NaN or the string ``"false"``, is an error) and ``"failure_mode": name``; a clip is
in the group of every knob it turns on and of its failure mode (null or ``"none"``: none). Clips
with no knob on form the group ``none``. AP is computed on the samples AP was computed on for
the whole dataset (after the failed-sample policy), restricted to each group's clips.

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
            ``failure_mode`` is no string or null.
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
            log.warning("manifest.json clips[%d]: video %r is not a file name; the clip is in no knob group", k, video)
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


def subset_ap(
    resolved: Mapping[str, ResolvedSamples],
    videos: Collection[str],
    name: str = "",
    method: str = "",
    samples: Mapping[Any, PrimitiveSamples] | None = None,
) -> KnobAP:
    """Mean AP of one method over the samples of ``videos``.

    Primitives whose samples on these videos have one class only are left out (small groups
    often lack one class; ``primitives`` says how many are left); the mean is over the others.
    When none is left (every sample of the group a negative, say, or the group's clips absent from
    the samples) the mean AP is undefined: NaN, with an :class:`UndefinedMetricWarning` that
    says why and how many of the group's clips have no evaluated sample.

    Args:
        resolved: primitive stem -> the samples AP was computed on.
        videos: the clips of the group.
        name: the group's name, for warning texts.
        method: the method's name, for warning texts.
        samples: primitive (or its stem) -> the method's samples before the failed-sample policy
            (:func:`~camerabench.eval.binary.binary_samples`); with them the result counts the
            group's failed, missing and dropped samples (None without them).

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
    if not aps:  # an empty group too: its NaN is warned of like any other (red team R59)
        unsampled = len(set(videos) - sampled)
        known = next((v for res in resolved.values() for v in res.videos), None)
        given = next(iter(sorted(videos)), None)
        hint = (
            f" (clips are named as the label files name them, e.g. {known!r}; the group names e.g. {given!r})"
            if known is not None and given is not None
            else ""
        )
        why = (
            "it holds no clip"
            if not videos
            else "none of its clips has an evaluated sample" + hint
            if not n_samples
            else f"no primitive has both classes among its {n_samples} samples ({positives} positive)"
        )
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
) -> dict[str, dict[str, KnobAP]]:
    """method -> knob -> mean AP on that knob's clips, for every method with binary results.

    A knob the manifest names but no clip turns on is kept, with 0 clips and an undefined (NaN)
    mean AP, and named in a warning: left out, a reader could not tell a knob never tested from
    one never named.

    Args:
        resolved: method -> primitive stem -> the samples AP was computed on.
        manifest: the dataset's ``manifest.json``.
        samples: method -> primitive (or its stem) -> its samples before the failed-sample
            policy; with them each :class:`KnobAP` counts the knob's failed, missing and dropped
            samples (a method absent from it gets None counts, as without it).
    """
    groups = clip_groups(manifest)
    never = sorted(_named_knobs(manifest) - set(groups)) if groups else []
    if never and resolved:
        log.warning(
            "manifest.json names %d knob(s) that no clip turns on (%s): they have no clip to compute an AP on "
            "(0 clips, AP undefined)",
            len(never),
            ", ".join(never),
        )
    return {
        method: dict(
            sorted(
                [
                    (knob, subset_ap(res, videos, knob, method, (samples or {}).get(method)))
                    for knob, videos in groups.items()
                ]
                + [(knob, _never_on(samples is not None and method in samples)) for knob in never]
            )
        )
        for method, res in resolved.items()
    }


def _never_on(counted: bool) -> KnobAP:
    """The entry of a knob no clip turns on: 0 clips, AP undefined (counts 0 when counted)."""
    zero = 0 if counted else None
    return KnobAP(mean_ap=math.nan, primitives=0, clips=0, samples=0, failed=zero, missing=zero, dropped=zero)


def knob_trajectory_errors(
    rows: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any], metrics: Sequence[str] = ("ape_rot_deg_rmse",)
) -> dict[str, dict[str, float]]:
    """knob -> metric -> mean over that knob's evaluated clips, plus ``clips`` and ``ok`` counts.

    ``rows`` are one method's per-clip trajectory rows (``Evaluation.trajectory_rows[method]``,
    keyed by ``clip`` = :func:`~camerabench.runfolder.video_file_stem`); a mean ignores NaN
    (e.g. translation errors of clips whose camera does not translate) and is NaN when no clip
    of the group has a value. An infinite error (no trajectory evaluation gives one: a row
    edited or read from elsewhere) is no figure to average: it is left out of the mean, counted
    under ``<metric>_not_finite`` and named in a warning. A knob the manifest names but no clip
    turns on is kept with 0 clips and NaN means, as :func:`knob_section` keeps it.

    Example:
        >>> rows = [{"clip": "a", "status": "ok", "ape_rot_deg_rmse": 2.0}, {"clip": "b", "status": "failed"}]
        >>> knob_trajectory_errors(rows, {"clips": [{"video": "a.mp4", "knobs": {"blur": True}},
        ...                                         {"video": "b.mp4", "knobs": {"blur": True}}]})
        {'blur': {'ape_rot_deg_rmse': 2.0, 'ape_rot_deg_rmse_not_finite': 0, 'clips': 2, 'ok': 1}}
    """
    by_clip = {str(r.get("clip")): r for r in rows}
    out: dict[str, dict[str, float]] = {}
    groups = clip_groups(manifest)
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
