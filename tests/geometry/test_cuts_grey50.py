"""Scene cuts (``shots.detect_cuts``) in footage without colour.

Grey pixels have no hue: a cut between two black-and-white shots measured 0 on the hue-saturation
histograms and the clip was taken for one shot (a warning said the cut could not be seen). A pair
of colourless frames is now compared by its grey-level texture (local binary patterns,
``shots.GREY_CUT_DISTANCE``), which exposure changes and camera motion leave alone.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.shots import (
    GREY_CUT_DISTANCE,
    detect_cuts,
    flash_frames,
    grey_texture,
)

H, W = 72, 96


def _blobs(seed: int) -> NDArray[np.float32]:
    """A smooth grey scene (blurred noise), larger than a frame, 0-1."""
    noise = np.random.default_rng(seed).random((H + 40, W + 40)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 2)
    return (smooth - smooth.min()) / (smooth.max() - smooth.min())


def _bricks(seed: int) -> NDArray[np.float32]:
    """A sharp-edged grey scene (grainy bricks of random grey levels), larger than a frame, 0-1."""
    rng = np.random.default_rng(seed)
    cells = rng.random(((H + 40) // 8 + 1, (W + 40) // 12 + 1)).astype(np.float32)
    bricks = np.kron(cells, np.ones((8, 12), np.float32))[: H + 40, : W + 40]
    return 0.8 * bricks + 0.2 * rng.random(bricks.shape).astype(np.float32)


def _shot(scene: NDArray[np.float32], n: int, step: int = 4, flicker: bool = True) -> NDArray[np.uint8]:
    """``n`` grey RGB frames of a pan across ``scene`` (``step`` px a frame), the exposure going
    up and down by a third (gain and offset) when ``flicker``."""
    frames = []
    for i in range(n):
        gain, offset = (1.0 + 0.2 * (-1) ** i, 10.0 * (i % 3)) if flicker else (1.0, 0.0)
        crop = scene[10 : 10 + H, i * step : i * step + W]
        grey = np.clip(40 + 150 * crop * gain + offset, 0, 255).astype(np.uint8)
        frames.append(np.repeat(grey[..., None], 3, axis=-1))
    return np.stack(frames)


def test_a_cut_between_grey_shots_is_found() -> None:
    """Old: [] (no hue, the cut unseen); now the cut, whatever the flicker and the pan."""
    frames = np.concatenate([_shot(_blobs(0), 5), _shot(_bricks(1), 5, flicker=False)])
    assert detect_cuts(frames) == [5]


@pytest.mark.parametrize(("scene", "flicker"), [(_blobs, True), (_bricks, False)])
def test_grey_flicker_and_pans_are_not_cuts(scene, flicker: bool) -> None:
    """Exposure flicker (gain +-20%, offsets) and a pan inside one grey shot change the grey
    histogram wholesale but not the texture: no cut."""
    frames = _shot(scene(2), 10, step=4, flicker=flicker)
    assert detect_cuts(frames) == []


@pytest.mark.parametrize("inserted", [1, 2, 3])
def test_a_grey_intercut_is_cut_in_and_out(inserted: int) -> None:
    """A-B-A with B 1-3 frames: old [], now a cut into B and one back."""
    a, b = _shot(_blobs(3), 10, flicker=False), _shot(_bricks(4), inserted, flicker=False)
    frames = np.concatenate([a[:4], b, a[4:8]])
    assert detect_cuts(frames) == [4, 4 + inserted]


def test_the_grey_texture_ignores_exposure_and_sees_other_scenes() -> None:
    frame = _shot(_blobs(5), 1, flicker=False)[0]
    brighter = np.clip(frame.astype(np.float32) * 1.3 + 15, 0, 255).astype(np.uint8)
    other = _shot(_bricks(5), 1, flicker=False)[0]

    def distance(x: NDArray[np.uint8], y: NDArray[np.uint8]) -> float:
        return float(cv2.compareHist(grey_texture(x), grey_texture(y), cv2.HISTCMP_BHATTACHARYYA))

    assert distance(frame, brighter) < GREY_CUT_DISTANCE
    assert distance(frame, other) > 1.5 * GREY_CUT_DISTANCE
    assert grey_texture(frame).shape == (256,)
    assert grey_texture(frame).sum() == pytest.approx(1.0)


def test_a_white_frame_between_two_grey_shots_is_no_flash() -> None:
    """Old: two grey frames always read alike, so a blank frame between two different grey shots
    was a flash inside one shot and both cuts were dropped; now they are cuts."""
    a, b = _shot(_blobs(6), 4, flicker=False), _shot(_bricks(7), 4, flicker=False)
    white = np.full((1, H, W, 3), 255, np.uint8)
    frames = np.concatenate([a, white, b])
    cuts = detect_cuts(frames)
    assert cuts == [4, 5]
    assert flash_frames(frames, cuts, lambda k: k == 4) == []
    # the same blank frame inside one grey shot stays a flash
    same = np.concatenate([a, white, _shot(_blobs(6), 8, flicker=False)[4:]])
    assert flash_frames(same, [4, 5], lambda k: k == 4) == [4]


def test_the_warning_names_the_grey_cue(caplog) -> None:
    """Old: '... a cut between them cannot be seen from hue and saturation'."""
    frames = np.concatenate([_shot(_blobs(8), 4), _shot(_bricks(9), 4, flicker=False)])
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.geometry.shots"):
        assert detect_cuts(frames, "bw.mp4") == [4]
    assert "bw.mp4: 7 of 7 consecutive frame pairs carry no colour" in caplog.text
    assert "grey-level texture" in caplog.text
    assert "cannot be seen" not in caplog.text


def test_colour_pairs_keep_the_colour_cue() -> None:
    """A grey shot cut to a colour shot of the same texture: the pair is not colourless, the
    hue-saturation histograms see the cut as before; grey texture alone would not."""
    grey = _shot(_blobs(10), 4, flicker=False)
    colour = grey[:4].copy()
    colour[..., 0] = np.clip(colour[..., 0].astype(np.int16) + 60, 0, 255).astype(np.uint8)
    assert detect_cuts(np.concatenate([grey, colour])) == [4]
