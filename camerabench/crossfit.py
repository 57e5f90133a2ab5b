"""Cross-fitting folds by video: the one assignment calibration and fusion share.

Methods fitted on a labelled dataset (score calibration, the fusion model) are evaluated on the
same dataset with video-level cross-fitting: each video is scored by a model that never saw it.
The folds must be the same for every piece fitted on a dataset, so they come from here.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["video_folds"]


def video_folds(videos: Sequence[str], n_splits: int = 5) -> dict[str, int]:
    """Video -> fold in ``range(k)``, ``k = min(n_splits, number of videos)``.

    :class:`sklearn.model_selection.GroupKFold` over the sorted video names with each video its
    own group (deterministic: the same videos always get the same folds).

    Example:
        >>> video_folds(["a.mp4", "b.mp4", "c.mp4"], 2)
        {'a.mp4': 0, 'b.mp4': 1, 'c.mp4': 0}
    """
    from sklearn.model_selection import GroupKFold

    names = sorted(set(videos))
    k = min(n_splits, len(names))
    if k < 2:
        return dict.fromkeys(names, 0)
    out: dict[str, int] = {}
    for fold, (_, test) in enumerate(GroupKFold(n_splits=k).split(names, groups=names)):
        for i in test:
            out[names[i]] = fold
    return dict(sorted(out.items()))
