"""A jump cut within one scene is a cut, not camera motion (helper F106).

Before: ``fast`` read a still shot cut to a 1.15x crop of itself shifted 0.2 of the width (a
YouTube "punch-in", which the colour cue cannot see: one scene, one palette) as camera motion in
one sampled step (red team R104 ``crop115_still``: Pan_Right 0.214, Zoom_In 0.142, truth Static).
A step that jumps by a large rotation or zoom between two holds, its frames sharp, is now a cut
(``cuts_from_jumps_s``); a real zoom of the same size over 1 s stays a zoom.

The clips are crops of the first frame of a committed real clip (``opencv_tree_static.mp4``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.taxonomy import Primitive

VIDEOS = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
FPS = 10
W, H = 240, 136
CROP = 1.15  # the punch-in's scale
SHIFT = 0.2  # how far its centre moves, of the first window's width


@pytest.fixture(scope="module")
def scene() -> NDArray[np.uint8]:
    path = VIDEOS / "opencv_tree_static.mp4"
    assert path.is_file(), f"{path} is missing: the committed real clips are part of every checkout"
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)


def _window(scene: NDArray[np.uint8], progress: float) -> NDArray[np.uint8]:
    """The window of width 0.6 of the scene at its centre (progress 0), or CROP times narrower with its
    centre SHIFT of its width to the right (progress 1), in between by the zoom's log, at W x H."""
    import cv2

    height, width = scene.shape[:2]
    w0 = 0.6 * width
    w = w0 / CROP**progress
    h = w * H / W
    cx, cy = width / 2 + progress * SHIFT * w0, height / 2
    src = np.float32([[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2], [cx - w / 2, cy + h / 2]])
    dst = np.float32([[0, 0], [W, 0], [0, H]])
    return np.asarray(cv2.warpAffine(scene, cv2.getAffineTransform(src, dst), (W, H), flags=cv2.INTER_AREA), np.uint8)


def test_a_punch_in_jump_cut_is_a_cut_with_static_scores(
    scene: NDArray[np.uint8], fast_on_frames: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # 1.6 s still, then 2.4 s still at the punch-in (the cut between frames sampled 0.2 s apart)
    frames = np.stack([_window(scene, 0.0 if i < 16 else 1.0) for i in range(40)])
    with caplog.at_level(logging.WARNING):
        scores, info = fast_on_frames(frames, "punch_in", FPS)
    # found at the sampled frames (jump_cuts) or, reading the video frames between them, where one
    # frame carries the window's zoom (fast.window_jump, which runs first)
    assert [1.6] in (info.get("cuts_from_jumps_s"), info.get("cuts_from_window_jumps_s")), info
    assert info["cuts_s"] == [1.6]
    assert "jump cut" in caplog.text
    # the longest shot (the punch-in, held) is still: no motion scores, Static's score (minus the
    # strongest motion's) at zero; before, Pan_Right and Zoom_In read the jump
    assert max(abs(score) for score in scores.values()) < 0.05, scores


def test_a_real_zoom_of_the_same_size_over_a_second_is_not_a_cut(scene: NDArray[np.uint8], fast_on_frames: Any) -> None:
    # 1.2 s still, the same reframing as a continuous zoom in and pan right over 1 s, 1.8 s still
    frames = np.stack([_window(scene, float(np.clip((i - 12) / 10, 0, 1))) for i in range(40)])
    scores, info = fast_on_frames(frames, "zoom", FPS)
    assert "cuts_from_jumps_s" not in info and "cuts_s" not in info, info
    assert scores[Primitive.ZOOM_IN] > 0.1 > scores[Primitive.ZOOM_OUT], scores
    assert scores[Primitive.STATIC] < -0.1, scores
