"""A colour cast changing during a shot is no cut (red team R108).

Before: a phone's automatic white balance re-adapting while the camera moves (indoors to
outdoors: channel gains from (1.25, 1, 0.75) to (0.85, 1, 1.2) in 0.8 s) moves every pixel's hue,
and the hue-saturation histograms of sampled frames 0.2 s apart came 0.37-0.52 apart, over
:data:`~camerabench.baselines.geometry.shots.CUT_DISTANCE`; the level ratio stayed under
:data:`~camerabench.baselines.geometry.shots.EXPOSURE_RATIO`, so the exposure branch never asked
whether the picture was the same. R108's nine such clips (a still camera, pans, tilts, a zoom, a
truck) were cut 2-4 times, and the longest shot scored: a pan of 15 deg read 0.147 of 0.262.
Now a change that balancing each frame to grey takes back under the limit, between frames laid out
alike, with the cast going on changing the same way in a neighbouring step, is judged as a change
of exposure is: a cut only where the grey texture changes too or the picture is not laid out alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from camerabench.baselines.geometry.shots import detect_cuts
from camerabench.taxonomy import Primitive

FPS = 30
SIZE = (256, 128)


def _gains(t: float, start: float = 1.0, seconds: float = 0.8) -> np.ndarray:
    x = float(np.clip((t - start) / seconds, 0, 1))
    x = x * x * (3 - 2 * x)
    return np.array([1.25 - 0.4 * x, 1.0, 0.75 + 0.45 * x])


def _cast(frame: np.ndarray, gains: np.ndarray) -> np.ndarray:
    return np.asarray(np.clip(frame.astype(np.float64) * gains, 0, 255).round(), np.uint8)


def test_a_white_balance_shift_during_a_pan_is_no_cut(pano_view: Any, fast_on_frames: Any) -> None:
    frames = np.stack([_cast(pano_view(-10 + 20 * i / 90, size=SIZE), _gains(i / FPS)) for i in range(91)])
    assert detect_cuts(frames[::6]) == []  # fast's 5 fps
    scores, info = fast_on_frames(frames, "awb_pan", FPS)
    assert "cuts_s" not in info, info
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.radians(20), rel=0.1)


def test_a_cut_under_a_colour_cast_is_still_a_cut(pano_view: Any, first_frame: Any) -> None:
    """The cast is taken off only to ask whether one picture is seen in another colour: a cut to
    another scene, or to the other side of this one, with the cast changing across it, is a cut."""
    import cv2

    city = cv2.resize(first_frame("kivy_city_rotate.mp4"), SIZE, interpolation=cv2.INTER_AREA)
    warm, cool = _gains(0.0), _gains(9.0)
    to_city = np.stack([_cast(pano_view(0, size=SIZE), warm)] * 5 + [_cast(city, cool)] * 5)
    assert detect_cuts(to_city) == [5]
    across = np.stack([_cast(pano_view(-35, size=SIZE), warm)] * 5 + [_cast(pano_view(35, size=SIZE), cool)] * 5)
    assert detect_cuts(across) == [5]


@pytest.mark.parametrize("second", ["same", "rolled"])
def test_a_cut_to_another_grade_of_one_composition_is_a_cut(pano_view: Any, second: str) -> None:
    """Red team R110: a match cut to the same framing in another grade, or a jump cut between two
    cameras 4 deg apart set to two white balances, looks like a cast of one picture (thumbnails
    correlating 0.97-1.00, balanced 0.24-0.35 apart), but its cast changes at once and holds either
    side (a neighbouring step carries 0.00-0.01 of it, a white balance re-adapting 0.64 or more):
    a cut. The first version of the rule took them for casts."""
    import cv2

    warm, cool = np.array([1.15, 1.0, 0.85]), np.array([0.9, 1.0, 1.12])
    view = pano_view(0, size=SIZE)
    if second == "rolled":
        turn = cv2.getRotationMatrix2D((SIZE[0] / 2, SIZE[1] / 2), 4.0, 1.0)
        other = np.asarray(cv2.warpAffine(view, turn, SIZE, borderMode=cv2.BORDER_REFLECT101), np.uint8)
    else:
        other = view
    frames = np.stack([_cast(view, warm)] * 5 + [_cast(other, cool)] * 5)
    assert detect_cuts(frames) == [5]
