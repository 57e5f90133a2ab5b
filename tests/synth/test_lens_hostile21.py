"""Hostile inputs, round 21: barrel lens distortion that folds back inside the frame.

The renderer's lens is OpenCV's radial model with only ``k1``: ``r_d = r (1 + k1 r^2)`` in
normalised coordinates. For ``k1 < 0`` it grows with ``r`` only up to ``r^2 = 1 / (3 |k1|)``
(``r_d = 0.7698`` for the hard preset's ``k1 = -0.25``); frame pixels beyond that radius have no
scene point under the model, and ``cv2.undistortPoints`` returned points that do not map back to
them (the corners mirrored, tens of pixels off) while the labels described a lens image. With the
focal length set from the width (0.8-1 times it) the corners pass the fold for frames taller than
about 0.72 of their width (4:3, square, portrait), for a zoom out, or for a stronger ``k1`` at the
default 320x192; such clips are now refused, naming the clip, ``k1`` and the limit.

None of this changes a preset clip at the default size (its frames and labels are the benchmark).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth import generate as gen
from camerabench.synth.generate import CLIP_DURATION_S, generate_dataset, render_clip
from camerabench.synth.nuisances import check_lens_fold, distortion_maps, distortion_margin, fold_radius
from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_SIZE, LENS_K1, preset_specs
from camerabench.synth.specs import ClipSpec
from camerabench.taxonomy import Primitive
from camerabench.trajectory import pinhole_intrinsic

P = Primitive


def _short_k(width: int, height: int) -> np.ndarray:
    """The shortest focal length a first frame gets (0.8 times the width)."""
    return pinhole_intrinsic(0.8 * width, width, height)


def _diagonal_radii(width: int, height: int, k1: float) -> tuple[np.ndarray, np.ndarray]:
    """Undistorted normalised radius of the pixels from the centre to the corner, and how far (px)
    re-distorting them lands from the pixel."""
    k = _short_k(width, height)
    map_x, map_y = distortion_maps(k, width, height, k1, (0, 0))
    t = np.linspace(0.0, 1.0, 33)
    cols = np.round((width - 1) / 2 + t * (width - 1) / 2).astype(int)
    rows = np.round((height - 1) / 2 + t * (height - 1) / 2).astype(int)
    keep = np.r_[True, (np.diff(cols) != 0) | (np.diff(rows) != 0)]  # each pixel once
    cols, rows = cols[keep], rows[keep]
    und = np.c_[map_x[rows, cols], map_y[rows, cols]].astype(np.float64)
    x = (und - k[:2, 2]) / k[0, 0]
    r2 = (x**2).sum(axis=1, keepdims=True)
    back = x * (1 + k1 * r2) * k[0, 0] + k[:2, 2]
    return np.sqrt(r2[:, 0]), np.abs(back - np.c_[cols, rows]).max(axis=1)


def test_the_fold_radius_is_where_the_radial_model_stops_growing() -> None:
    r = np.linspace(0.0, 2.0, 200001)
    drawn = r * (1 + LENS_K1 * r**2)
    assert fold_radius(LENS_K1) == pytest.approx(drawn.max(), abs=1e-9)
    assert fold_radius(0.1) == np.inf and fold_radius(0.0) == np.inf


@pytest.mark.parametrize("size", [(64, 64), (192, 320), (640, 480)], ids=["square", "portrait", "4:3"])
def test_maps_that_fold_back_inside_the_frame_are_refused(size: tuple[int, int]) -> None:
    # before: maps whose corner pixels re-distorted 5-68 px away (192x320: the undistorted radius
    # rose to 1.38 and fell back to 1.06 along the diagonal, a mirrored picture)
    width, height = size
    with pytest.raises(CameraBenchError, match=rf"lens_k1 -0.25 folds the picture back inside a {width}x{height}"):
        distortion_maps(_short_k(width, height), width, height, LENS_K1, (0, 0))
    with pytest.raises(CameraBenchError, match=r"normalised radii only up to 0\.7698"):
        distortion_margin(_short_k(width, height), width, height, LENS_K1)


@pytest.mark.parametrize("size", [DEFAULT_SIZE, (640, 192)], ids=["default", "wide"])
def test_frames_inside_the_fold_keep_an_exact_monotonic_lens(size: tuple[int, int]) -> None:
    radii, error_px = _diagonal_radii(*size, LENS_K1)
    assert np.all(np.diff(radii) > 0)
    assert radii.max() ** 2 < 1 / (3 * abs(LENS_K1))  # inside the fold
    assert error_px.max() < 1e-3


def test_pincushion_never_folds() -> None:
    radii, error_px = _diagonal_radii(64, 64, 0.25)
    assert np.all(np.diff(radii) > 0) and error_px.max() < 1e-3


def test_the_suggested_k1_is_the_limit() -> None:
    k = _short_k(64, 64)
    with pytest.raises(CameraBenchError) as info:
        check_lens_fold(k, 64, 64, LENS_K1, "clip 'x': ")
    message = str(info.value)
    assert message.startswith("clip 'x': lens_k1 -0.25")
    found = re.search(r"use a lens_k1 above (-[0-9.]+)", message)
    assert found is not None
    limit = float(found.group(1))
    check_lens_fold(k, 64, 64, limit * 0.999)
    with pytest.raises(CameraBenchError):
        check_lens_fold(k, 64, 64, limit * 1.001)


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        (ClipSpec("square_lens", moves=((P.PAN_RIGHT, 15.0),), lens_k1=LENS_K1), (32, 32)),
        # the corners pass the fold as the focal length shortens: a zoom out in a 32x20 (320x192 shape)
        (ClipSpec("zoom_out_lens", moves=((P.ZOOM_OUT, 1.8),), lens_k1=LENS_K1), (32, 20)),
        (ClipSpec("strong_lens", lens_k1=-0.5), (32, 20)),
        (
            ClipSpec(
                "cut_lens", scene_cut=True, cut_moves=((P.ZOOM_OUT, 1.8),), moves=((P.PAN_LEFT, 10.0),), lens_k1=-0.25
            ),
            (32, 20),
        ),
    ],
    ids=["square", "zoom_out", "strong_k1", "zoom_out_after_a_cut"],
)
def test_render_clip_refuses_a_clip_whose_lens_folds(
    spec: ClipSpec, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: rendered, with mirrored corners, and labelled as a lens image
    def no_render(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered a clip whose lens folds back")

    monkeypatch.setattr(gen, "_render_shot", no_render)
    with pytest.raises(CameraBenchError, match=rf"clip '{spec.name}': lens_k1 {spec.lens_k1:g} folds the picture"):
        render_clip(spec, 0, 0, size, 4.0)


def test_generate_dataset_takes_the_hard_preset_in_a_square_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # refused as a whole before (the lens clip's k1 -0.25 folds back in a square frame); the
    # preset's k1 is now scaled to the frame's shape (presets.lens_k1_for_size) and passes
    jobs: list[Any] = []

    def no_render(job: Any) -> None:
        jobs.append(job)
        raise KeyboardInterrupt  # stop at the first clip handed to a renderer

    monkeypatch.setattr(gen, "_render_job", no_render)
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(tmp_path / "out", clips=10, preset="hard", size=(192, 192), workers=1)
    assert jobs, "no clip reached the renderer"


def test_every_preset_clip_passes_at_the_default_size() -> None:
    for preset in ("standard", "hard"):
        for spec in preset_specs(preset):
            fps = float(spec.fps or DEFAULT_FPS)
            n = max(2, round((spec.duration_s or CLIP_DURATION_S) * fps))
            gen._check_clip_fov(spec, DEFAULT_SIZE, fps, n)
    lens = [s for s in preset_specs("hard") if s.lens_k1]
    assert len(lens) == 6 and {s.lens_k1 for s in lens} == {LENS_K1}
