"""Scene cuts: where consecutive sampled frames show different shots.

Frames on either side of a cut cannot be related by camera motion, and the taxonomy makes
every label of a clip with a shot transition ambiguous (rule 1), so a geometric method should
neither fail on a cut nor chain motion across it: it records the cut and estimates the motion
of the longest shot (:func:`longest_shot`).

A cut is found from colour alone, the classic shot-boundary cue: the Bhattacharyya distance
between the hue-saturation histograms (OpenCV ``calcHist`` / ``compareHist``) of consecutive
sampled frames exceeds :data:`CUT_DISTANCE`. Hue and saturation do not change with exposure, so
exposure flicker (a time-lapse) is not a cut.

Example:
    >>> rng = np.random.default_rng(0)
    >>> a = np.repeat(rng.integers(0, 80, size=(1, 40, 60, 3)), 4, axis=0).astype(np.uint8)
    >>> b = np.repeat(rng.integers(150, 255, size=(1, 40, 60, 3)), 3, axis=0).astype(np.uint8)
    >>> b[..., 0] = 20
    >>> cuts = detect_cuts(np.concatenate([a, b]))
    >>> cuts, longest_shot(cuts, 7)
    ([4], (0, 4))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["CUT_DISTANCE", "cut_distances", "detect_cuts", "longest_shot"]

CUT_DISTANCE = 0.35
"""Bhattacharyya distance (0 same, 1 disjoint) of hue-saturation histograms above which two
consecutive sampled frames belong to different shots. Measured with :func:`cut_distances` on the
hard synthetic preset (seed 0, frames sampled at 5 fps as ``fast`` does): at most 0.21 between
the frames of the 84 clips without a cut (the largest on a fast pan with motion blur, 0.15 with
exposure flicker), 0.47, 0.60 and 0.81 across the 3 cuts. Real footage is still to check: cuts
between shots of one location can have similar colours."""

_BINS = (30, 32)


def _histogram(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    import cv2

    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, list(_BINS), [0, 180, 0, 256])
    hist = np.asarray(hist, dtype=np.float32)
    return (hist / np.float32(max(float(hist.sum()), 1.0))).astype(np.float32)


def cut_distances(frames: NDArray[np.uint8]) -> NDArray[np.float64]:
    """(N - 1,) Bhattacharyya distances between the colour histograms of consecutive RGB frames."""
    import cv2

    hists = [_histogram(f) for f in frames]
    return np.array(
        [cv2.compareHist(hists[i], hists[i + 1], cv2.HISTCMP_BHATTACHARYYA) for i in range(len(hists) - 1)],
        dtype=np.float64,
    )


def detect_cuts(frames: NDArray[np.uint8]) -> list[int]:
    """Indices ``k`` of (N, H, W, 3) RGB frames that start a new shot (a cut between k-1 and k)."""
    if len(frames) < 2:
        return []
    return [int(i) + 1 for i in np.flatnonzero(cut_distances(frames) > CUT_DISTANCE)]


def longest_shot(cuts: list[int], num_frames: int) -> tuple[int, int]:
    """``(start, stop)`` frame range of the longest shot (the earliest among equals).

    Example:
        >>> longest_shot([], 10), longest_shot([3, 8], 10)
        ((0, 10), (3, 8))
    """
    bounds = [0, *cuts, num_frames]
    lengths = np.diff(bounds)
    i = int(np.argmax(lengths))
    return bounds[i], bounds[i + 1]
