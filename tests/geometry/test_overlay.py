"""Static overlays, bars and cuts are found on frames whose ground truth is known."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.overlay import BAR_MARGIN_PX, detect_bars, static_mask
from camerabench.baselines.geometry.shots import CUT_DISTANCE, cut_distances, detect_cuts, longest_shot

H, W, N = 120, 200, 10


def _texture(seed: int, width: int) -> NDArray[np.uint8]:
    """A blurred random texture with corners everywhere (a stand-in for a scene)."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, size=(H, width)).astype(np.float32), (0, 0), 1.5)
    return np.clip((img - img.mean()) * 4 + 128, 0, 255).astype(np.uint8)


def _pan(step_px: int, seed: int = 0) -> NDArray[np.uint8]:
    """(N, H, W) frames of a picture moving left by ``step_px`` per frame."""
    big = _texture(seed, W + N * step_px)
    return np.stack([big[:, i * step_px : i * step_px + W] for i in range(N)])


def _logo(frames: NDArray[np.uint8], top: int) -> tuple[slice, slice]:
    box = (slice(top + 4, top + 24), slice(W - 40, W - 6))
    frames[:, box[0], box[1]] = _texture(7, W)[:20, :34]
    return box


def test_bars_and_logo_are_masked_and_the_moving_picture_is_not() -> None:
    frames = _pan(4)
    frames[:, :14] = 0  # letterbox bars, 14 px
    frames[:, H - 14 :] = 0
    box = _logo(frames, 14)
    m = static_mask(frames)
    assert m.bars == {"top": 14, "bottom": 14, "left": 0, "right": 0}
    assert not m.usable[: 14 + BAR_MARGIN_PX].any() and not m.usable[H - 14 - BAR_MARGIN_PX :].any()
    assert m.usable[box].mean() < 0.1  # the logo
    middle = m.usable[40:80]
    assert middle.mean() > 0.95  # the scene in the middle of the picture stays usable
    assert m.overlay_px > 0 and 0 < m.masked_fraction < 0.5
    assert m.info()["masked_fraction"] == round(m.masked_fraction, 4)


def test_pillarbox_bars() -> None:
    frames = _pan(3)
    frames[:, :, :20] = 0
    frames[:, :, W - 20 :] = 0
    assert detect_bars(frames) == {"top": 0, "bottom": 0, "left": 20, "right": 20}


def test_still_camera_masks_no_overlay() -> None:
    """Nothing moves: the logo agrees with the scene, so nothing is an overlay."""
    frames = np.repeat(_texture(1, W)[None], N, axis=0)
    _logo(frames, 0)
    m = static_mask(frames)
    assert not m.any and m.moving_pairs == 0


def test_still_scene_with_a_moving_subject_is_not_an_overlay() -> None:
    """A still camera with a subject crossing: the still background must stay usable."""
    frames = np.repeat(_texture(2, W)[None], N, axis=0)
    subject = _texture(3, 2 * W)
    for i in range(N):
        frames[i, 30:110, 20 + 8 * i : 100 + 8 * i] = subject[30:110, 8 * i : 80 + 8 * i]
    assert not static_mask(frames).any


def test_cut_is_found_and_flicker_is_not_a_cut() -> None:
    rng = np.random.default_rng(0)
    rgb_a = np.stack([cv2.applyColorMap(f, cv2.COLORMAP_OCEAN) for f in _pan(3, seed=4)])
    rgb_b = np.stack([cv2.applyColorMap(f, cv2.COLORMAP_AUTUMN) for f in _pan(3, seed=5)])
    gains = rng.uniform(0.75, 1.3, size=N)
    flicker = np.clip(rgb_a * gains[:, None, None, None], 0, 255).astype(np.uint8)
    assert cut_distances(flicker).max() < CUT_DISTANCE
    assert detect_cuts(flicker) == []
    cut = np.concatenate([rgb_a[:4], rgb_b[:7]])
    assert detect_cuts(cut) == [4]
    assert longest_shot([4], len(cut)) == (4, 11)


def test_mask_memory_is_a_few_frames_not_the_clip_many_times_over() -> None:
    """The test runs frame by frame: beyond the frames themselves it holds a few frames' worth
    (the earlier whole-clip int16 differences held ~7x the clip: 270 MB for 300 frames at 480x270)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (300, 72, 96), dtype=np.uint8)  # every pair moves
    static_mask(frames[:8])  # imports done outside the measurement
    tracemalloc.start()
    try:
        mask = static_mask(frames)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert mask.moving_pairs == len(frames) - 1
    assert peak < 0.5 * frames.nbytes
