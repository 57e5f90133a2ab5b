"""Review of stop 48's geometry commits: cuts found where frames cannot be related
(``shots.UnrelatedCuts``, ``FastPredictor._estimate_cut_shot``) and the colmap rotation-only chain's
dense flow.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import colmap, fast
from camerabench.baselines.geometry.shots import GREY_CUT_DISTANCE, UnrelatedCuts, detect_cuts, grey_texture

from .test_unrelated_cuts48 import _pan, _texture

W, H = 320, 240


def _grey_rgb(grey: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.ascontiguousarray(np.repeat(grey[..., None], 3, -1))


def test_a_lone_colourless_pair_has_nothing_to_stand_out_of() -> None:
    """One pair of colourless frames in a colour clip (or a two-frame clip) has no other pair of
    its kind: its change cannot be told to stand out of the clip's, so it is no cut (it read as
    one, "inf x" the median, at any texture change over the grey floor)."""
    colour = _pan(_texture(1, 12.0), 12)
    smooth = cv2.cvtColor(_texture(3, 60.0)[40:280, 20:340], cv2.COLOR_RGB2GRAY)
    xx = np.mgrid[:H, :W][1]
    stripes = ((np.sin(xx / 3.0) > 0) * 160 + 40).astype(np.uint8)
    frames = np.stack([*colour[:5], _grey_rgb(smooth), _grey_rgb(stripes), *colour[7:]])
    change = cv2.compareHist(
        grey_texture(frames[5]), grey_texture(frames[6]), cv2.HISTCMP_BHATTACHARYYA
    )  # independent of UnrelatedCuts: the grey texture change of the pair
    assert change > 4 * GREY_CUT_DISTANCE
    check = UnrelatedCuts(frames)
    assert check(6) is None
    # the colour pairs into and out of the grey frames do have a reference: their change stands out
    assert [k for k in range(1, 12) if check(k) is not None] == [5, 7]
    two = np.stack([colour[0], _pan(_texture(2, 14.0), 1)[0]])
    assert UnrelatedCuts(two)(1) is None


def test_a_second_colourless_pair_gives_the_reference_back() -> None:
    """With other colourless pairs to compare with, a grey change that stands out is a cut."""
    grey = [_grey_rgb(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)) for f in _pan(_texture(1, 12.0), 8)]
    xx = np.mgrid[:H, :W][1]
    stripes = _grey_rgb(((np.sin(xx / 3.0) > 0) * 160 + 40).astype(np.uint8))
    frames = np.stack([*grey[:4], stripes, stripes, stripes, stripes])
    found = UnrelatedCuts(frames)(4)
    assert found is not None and found[1] >= 4.0


def _cut_shot(frames: NDArray[np.uint8]) -> tuple[slice, list[int], int]:
    predictor = fast.FastPredictor(fast.FastOptions())
    predictor.setup()
    grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    ts = np.arange(len(frames)) / 5.0
    assert detect_cuts(frames) == []  # the colour cue misses every cut here
    shot, _, traj, _, cuts, found = predictor._estimate_cut_shot(Path("clip.mp4"), frames, ts, grays, [], [], 0)
    assert len(traj.timestamps) == shot.stop - shot.start
    assert np.array_equal(traj.timestamps, ts[shot])
    return shot, cuts, found


@pytest.mark.parametrize(("first", "cut"), [(1, 1), (11, 11)])
def test_a_missed_cut_at_the_first_or_last_pair(first: int, cut: int) -> None:
    frames = np.stack(_pan(_texture(1, 12.0), 12)[:first] + _pan(_texture(2, 14.0), 12)[first:])
    shot, cuts, found = _cut_shot(frames)
    assert cuts == [cut] and found == 1
    assert (shot.start, shot.stop) == ((1, 12) if cut == 1 else (0, 11))


def test_two_missed_cuts_in_one_clip() -> None:
    a, b, c = (_pan(_texture(s, hue), 12) for s, hue in ((1, 12.0), (2, 14.0), (5, 10.0)))
    shot, cuts, found = _cut_shot(np.stack(a[:4] + b[4:8] + c[8:]))
    assert cuts == [4, 8] and found == 2
    assert (shot.start, shot.stop) == (0, 4)  # the earliest of the equally long shots


def test_colmap_chain_computes_each_pairs_dense_flow_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Matches confined to one corner: the still test behind confined matches reads the pair's
    dense flow, and the chain's own dense-flow tests took it again (twice per pair)."""
    frames = _pan(_texture(1, 12.0), 6, step=4)
    grays = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    k = fast.intrinsic_from_fov(W, H, 60.0)
    rng = np.random.default_rng(0)
    pts = rng.uniform([10, 10], [70, 60], (60, 2))  # one cell of the 4x4 grid
    pairs = {(i, i + 1): (pts, pts - [4.0, 0.0]) for i in range(5)}
    calls: Counter[tuple[int, int]] = Counter()
    real = fast.dense_correspondences

    def counted(a: NDArray[np.uint8], b: NDArray[np.uint8], *args: Any, **kw: Any) -> Any:
        i = next(n for n in range(len(grays)) if a is grays[n] or np.shares_memory(a, grays[n]))
        calls[(i, i + 1)] += 1
        return real(a, b, *args, **kw)

    monkeypatch.setattr(fast, "dense_correspondences", counted)
    monkeypatch.setattr(colmap, "dense_correspondences", counted)
    traj = colmap.rotation_only_trajectory(pairs, np.arange(6) / 10.0, k, grays, None)
    assert sum(calls.values()) > 0
    assert max(calls.values()) == 1, calls
    monkeypatch.setattr(fast, "dense_correspondences", real)
    monkeypatch.setattr(colmap, "dense_correspondences", real)
    again = colmap.rotation_only_trajectory(pairs, np.arange(6) / 10.0, k, grays, None)
    assert np.array_equal(traj.cam_c2w, again.cam_c2w)


def test_still_pair_hands_back_the_flow_it_read() -> None:
    frames = _pan(_texture(1, 12.0), 2, step=4)
    grays = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    k = fast.intrinsic_from_fov(W, H, 60.0)
    pts = np.random.default_rng(1).uniform([10, 10], [70, 60], (60, 2))
    rot, zoom, residual = fast.fit_rotation_zoom(pts, pts - [4.0, 0.0], k)
    still, flow = colmap._still_pair(pts, pts - [4.0, 0.0], k, rot, zoom, residual, grays, None, (0, 1))
    assert not still and flow is not None
    ref = fast.dense_correspondences(grays[0], grays[1], None)
    assert np.array_equal(flow[0], ref[0]) and np.array_equal(flow[1], ref[1])
    assert colmap._still_pair(pts, pts - [4.0, 0.0], k, rot, zoom, residual, None, None, (0, 1)) == (False, None)
