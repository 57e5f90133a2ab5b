"""ClipSpec's bounds on its nuisance knobs and on where its moves take the camera (round 36).

Before: flicker 8 gave all-black and all-white frames, flicker 800 recorded gains of 1e285, noise
1000 saturated 89% of the pixels, exposure 0.001 / 100 gave all-black / all-white clips, crf 60 was
encoded as 51, and a dolly of 4 m went into the boxes: clips whose labels name a motion no pixel shows.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError
from camerabench.synth import specs
from camerabench.synth.generate import FOCAL_PER_WIDTH, MAX_SIDE, ZOOM_OUT_FOCAL_FACTOR, render_clip
from camerabench.synth.presets import PRESETS, preset_specs
from camerabench.synth.specs import ClipSpec
from camerabench.taxonomy import CompoundMotion, Primitive

P = Primitive
SIZE = (32, 20)
FPS = 2.0  # 5 frames of the default 2.5 s


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # the texture bank is built on the first render (about 0.8 s); later renders take ~15 ms
    render_clip(ClipSpec("warm"), 0, 0, SIZE, FPS)


def _stats(frames: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per frame: the standard deviation (levels) and the share of pixels clipped to 0 or 255."""
    flat = frames.reshape(len(frames), -1).astype(np.float64)
    return flat.std(axis=1), ((flat == 0) | (flat == 255)).mean(axis=1)


# --- every preset clip stays valid ---------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_clip_and_knob_variant_is_accepted(preset: str) -> None:
    # the full preset, the seeded extras past it, and the lens knob's k1 for every aspect ratio
    sizes = [None, (320, 192), (320, 180), (640, 480), (192, 320), (16, 4096), (4096, 16), (32, 32)]
    for size in sizes:
        for seed in (0, 1):
            for spec in preset_specs(preset, 150, seed, size):
                # rebuilding it runs every check again (nothing was refused on the way)
                assert dataclasses.replace(spec) == spec


# --- the brightness knobs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "knob", "allowed"),
    [
        ({"flicker": 5.0}, "flicker", r"\[0, 1\]"),
        ({"flicker": 800.0}, "flicker", r"\[0, 1\]"),
        ({"flicker": 0.5}, "flicker", r"exposure \* exp\(\+-flicker\) in \[0\.2, 1\.5\], here at most 0\.405"),
        ({"exposure": 0.001}, "exposure", r"\[0\.2, 1\.5\]"),
        ({"exposure": 100.0}, "exposure", r"\[0\.2, 1\.5\]"),
        ({"noise_sigma": 1000.0}, "noise_sigma", r"\[0, 24\]"),
        ({"noise_sigma": 8.0, "exposure": 0.3}, "noise_sigma", r"\[0, 7\.2\]"),
        ({"crf": 60}, "crf", r"\[0, 51\]"),
        ({"motion_blur": 1000}, "motion_blur", r"\[1, 64\]"),
        ({"shake_deg": 20.0}, "shake_deg", r"\[0, 5\]"),
        ({"lens_k1": -5.0}, "lens_k1", r">= -0\.75"),
    ],
)
def test_a_knob_past_its_bound_is_refused(changes: dict[str, float], knob: str, allowed: str) -> None:
    value = changes[knob]
    with pytest.raises(CameraBenchError, match=rf"clip 'bad': {knob} {value!r} is out of range \(.*allowed: {allowed}"):
        ClipSpec("bad", moves=((P.PAN_LEFT, 15.0),), **changes)  # type: ignore[arg-type]


def test_the_knobs_at_their_bounds_are_accepted() -> None:
    ClipSpec("a", exposure=specs.MIN_GAIN, noise_sigma=specs.MAX_NOISE_PER_GAIN * specs.MIN_GAIN)
    ClipSpec("b", exposure=specs.MAX_GAIN, crf=specs.MAX_CRF, motion_blur=specs.MAX_MOTION_BLUR)
    ClipSpec("c", exposure=math.sqrt(specs.MIN_GAIN * specs.MAX_GAIN) * 0.9999, flicker=specs.MAX_FLICKER)
    ClipSpec("d", shake_deg=specs.MAX_SHAKE_DEG, lens_k1=specs.MIN_LENS_K1)


def test_the_lens_bound_is_where_every_accepted_frame_folds() -> None:
    # the corners nearest the centre: the widest frame, the longest first focal length (a zoom out)
    corner = math.hypot((MAX_SIDE - 1) / 2, 7.5) / (FOCAL_PER_WIDTH[0] * MAX_SIDE * ZOOM_OUT_FOCAL_FACTOR)
    fold_k1 = -4.0 / (27.0 * corner**2)
    assert specs.MIN_LENS_K1 < fold_k1 < specs.MIN_LENS_K1 + 0.01


@pytest.mark.parametrize(
    ("exposure", "flicker"),
    [(specs.MAX_GAIN, 0.0), (specs.MIN_GAIN, 0.0), (math.sqrt(specs.MIN_GAIN * specs.MAX_GAIN), specs.MAX_FLICKER)],
    ids=["brightest", "darkest", "widest_flicker"],
)
def test_frames_at_the_brightness_bounds_are_neither_flat_nor_saturated(exposure: float, flicker: float) -> None:
    spec = ClipSpec("edge", moves=((P.PAN_RIGHT, 15.0),), exposure=exposure, flicker=flicker)
    clip = render_clip(spec, 0, 3, SIZE, FPS)
    std, clipped = _stats(clip.frames)
    assert std.min() > 1.5  # a picture, not a flat frame
    assert clipped.max() < 0.35  # (flicker 8: whole frames at 0 or 255)
    gains = np.array(clip.nuisances.get("exposure_gains", [1.0])) * spec.exposure
    assert gains.min() >= specs.MIN_GAIN and gains.max() <= specs.MAX_GAIN


def test_noise_at_its_bound_leaves_the_picture() -> None:
    # the low-light knob's exposure with the most noise it allows
    clean = ClipSpec("dim", moves=((P.PAN_RIGHT, 15.0),), exposure=0.3)
    noisy = dataclasses.replace(clean, noise_sigma=specs.MAX_NOISE_PER_GAIN * 0.3)
    a = render_clip(clean, 0, 5, SIZE, FPS).frames.reshape(5, -1).astype(np.float64)
    b = render_clip(noisy, 0, 5, SIZE, FPS).frames.reshape(5, -1).astype(np.float64)
    corr = [np.corrcoef(x, y)[0, 1] for x, y in zip(a, b, strict=True)]
    assert min(corr) > 0.3
    assert _stats(b.astype(np.uint8).reshape(5, 20, 32, 3))[1].max() < 0.2
    with pytest.raises(CameraBenchError, match="noise_sigma"):
        dataclasses.replace(clean, noise_sigma=specs.MAX_NOISE_PER_GAIN * 0.3 + 0.1)


# --- where the moves take the camera ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "what", "at_most"),
    [
        ({"moves": ((P.MOVE_IN, 4.0),)}, "a static box", "3.75"),
        ({"moves": ((P.MOVE_RIGHT, 3.5),)}, "a side wall", "3"),
        ({"moves": ((P.MOVE_LEFT, 3.2), (P.PAN_LEFT, 10.0))}, "a side wall", "3"),
        ({"moves": ((P.MOVE_DOWN, 2.0),)}, "the ground", "1.5"),
        ({"moves": ((P.MOVE_OUT, 95.0),)}, "the sky box", "90"),
        # a tilted-down first frame: the dolly heads for the ground (1.5 m / sin 30 deg)
        ({"moves": ((P.MOVE_IN, 3.2),), "initial_pitch_deg": -30.0}, "the ground", "3"),
        ({"moves": ((P.MOVE_IN, 2.0),), "moving_objects": 1}, "a moving object", "1.8"),
        ({"moves": ((P.MOVE_IN, 2.0),), "large_subject": True}, "the large subject", "1.85"),
        # the hand-held shake sways the camera 1 cm per degree
        ({"moves": ((P.MOVE_RIGHT, 2.98),), "shake_deg": 3.0}, "a side wall", "2.97"),
        ({"moves": ((P.MOVE_IN, 60.0),), "scene_scale": 15.0}, "a static box", "56.2"),
    ],
)
def test_a_move_into_the_scene_geometry_is_refused(kwargs: dict[str, object], what: str, at_most: str) -> None:
    with pytest.raises(
        CameraBenchError, match=rf"clip 'x': moves .* reaches where {what} may stand .*allowed: at most {at_most} m"
    ):
        ClipSpec("x", **kwargs)  # type: ignore[arg-type]


def test_the_shot_after_a_cut_and_a_dolly_zoom_are_bounded_too() -> None:
    with pytest.raises(CameraBenchError, match=r"clip 'c': cut_moves 'Move_Right 4' .*a side wall"):
        ClipSpec("c", scene_cut=True, cut_moves=((P.MOVE_RIGHT, 4.0),))
    with pytest.raises(CameraBenchError, match=r"clip 'd': compound_magnitude 'Move_Out 100' .*the sky box"):
        ClipSpec("d", compound=CompoundMotion.DOLLY_ZOOM_IN, compound_magnitude=100.0)
    ClipSpec("d", compound=CompoundMotion.DOLLY_ZOOM_IN, compound_magnitude=80.0)


def test_a_path_over_the_walls_is_accepted() -> None:
    # the walls are at most 6 m high (4.5 m above the camera): at z = 14 m this path is 7 m up
    ClipSpec("over", moves=((P.MOVE_UP, 8.0), (P.MOVE_IN, 16.0)))
    # the low-parallax knob's scene is 15 times larger: its 4x translations stay inside it
    ClipSpec("far", moves=((P.MOVE_IN, 8.8),), scene_scale=15.0)


@pytest.mark.parametrize(
    "move",
    [(P.MOVE_IN, 3.7), (P.MOVE_RIGHT, 2.95), (P.MOVE_LEFT, 2.95), (P.MOVE_DOWN, 1.45)],
    ids=lambda m: f"{m[0].value}_{m[1]:g}" if isinstance(m, tuple) else str(m),
)
def test_a_move_just_inside_the_bound_renders_a_picture(move: tuple[Primitive, float]) -> None:
    spec = ClipSpec("edge", moves=(move,))
    for index in range(3):  # three scenes
        std, clipped = _stats(render_clip(spec, 0, index, SIZE, FPS).frames)
        assert std.min() > 3.0
        assert clipped.max() < 0.2
