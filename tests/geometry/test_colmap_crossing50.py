"""``colmap``'s no-parallax shortcut with one object crossing a still or turning camera (stop 50).

A tripod tilt with a car crossing up to 60 % of the frame (R49's ``bikes_cyclist_tilt_down``) had 11
of 89 verified pairs with parallax, all of it the car's, over the shortcut's 10 %, so a model was
built and read the tilt as a move. Pairs whose inliers reach at most
:data:`fast.CONFINED_PARALLAX_CELLS` cells of the 4x4 grid now count with the pairs without parallax
(:func:`colmap.confined_parallax`); :func:`colmap.match_frames` counts them
(:attr:`colmap.MatchedFrames.confined_parallax`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import colmap, fast

WIDTH, HEIGHT = 320, 240


def _grid_cells(pts: NDArray[np.float64]) -> int:
    """Independent count: cells of a 4x4 grid holding a point (integer division of the pixels)."""
    col = np.clip((pts[:, 0] // (WIDTH / 4)).astype(int), 0, 3)
    row = np.clip((pts[:, 1] // (HEIGHT / 4)).astype(int), 0, 3)
    return len(set(zip(row.tolist(), col.tolist(), strict=True)))


@pytest.mark.parametrize("blocks", [1, 2, 4, 8, 9, 12, 16])
def test_confined_parallax_is_at_most_the_gate_in_cells(blocks: int) -> None:
    rng = np.random.default_rng(blocks)
    cells = rng.choice(16, size=blocks, replace=False)
    pts = np.concatenate(
        [
            np.column_stack(
                [
                    (c % 4 + rng.uniform(0.05, 0.95, 20)) * WIDTH / 4,
                    (c // 4 + rng.uniform(0.05, 0.95, 20)) * HEIGHT / 4,
                ]
            )
            for c in cells
        ]
    )
    assert _grid_cells(pts) == blocks
    assert colmap.confined_parallax(pts, (HEIGHT, WIDTH)) == (blocks <= fast.CONFINED_PARALLAX_CELLS)


def _textured(rng: np.random.Generator, height: int, width: int) -> NDArray[np.float64]:
    """Smooth random texture, 0-255."""
    import cv2

    noise = rng.uniform(0, 255, (height // 4, width // 4)).astype(np.float32)
    return np.clip(cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.float64)


def _strips_over_tilt(contrast: float) -> NDArray[np.uint8]:
    """8 RGB frames: a backdrop of texture ``contrast`` (0: flat grey) shifting up 2 px a frame (a
    tilt) and, in the upper left quarter (4 cells of the 4x4 grid), three textured strips sliding
    sideways at 2, 5 and 9 px a frame (things at three depths: parallax)."""
    rng = np.random.default_rng(0)
    back = _textured(rng, HEIGHT + 40, WIDTH)
    strips = [_textured(rng, 40, 400) for _ in range(3)]
    frames = []
    for i in range(8):
        frame = back[40 - 2 * i : 40 - 2 * i + HEIGHT] * contrast + 100
        for k, (strip, speed) in enumerate(zip(strips, (2, 5, 9), strict=True)):
            frame[k * 40 : (k + 1) * 40, : WIDTH // 2] = strip[:, speed * i : speed * i + WIDTH // 2]
        frames.append(np.repeat(np.clip(frame, 0, 255).astype(np.uint8)[..., None], 3, axis=2))
    return np.stack(frames)


def test_match_frames_counts_parallax_pairs_confined_to_one_quarter(tmp_path: Path) -> None:
    """Over a flat backdrop every feature lies on the strips: each pair COLMAP finds with parallax has
    its inliers in their 4 cells and is counted confined."""
    focal = float(fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)[0, 0])
    matched = colmap.match_frames(_strips_over_tilt(0.0), tmp_path, num_threads=1, prior_focal_px=focal)
    parallax_pairs = matched.verified - matched.without_parallax
    assert parallax_pairs > 0
    assert matched.confined_parallax == parallax_pairs


def test_match_frames_does_not_count_parallax_pairs_spread_over_the_frame(tmp_path: Path) -> None:
    """With a textured backdrop the pairs' inliers reach (nearly) the whole frame: pairs with
    parallax, none of them confined."""
    focal = float(fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)[0, 0])
    matched = colmap.match_frames(_strips_over_tilt(0.2), tmp_path, num_threads=1, prior_focal_px=focal)
    assert matched.verified - matched.without_parallax > 0
    assert matched.confined_parallax == 0
