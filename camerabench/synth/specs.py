"""Motion specs: what the camera does in a clip, its exact trajectory, and its labels.

A :class:`ClipSpec` names camera-centric moves (``(primitive, magnitude)`` pairs, relative
to the first frame), an optional compound move (arc, crane, dolly zoom), the speed class,
hand-held shake and the difficulty knobs. :func:`camera_path` turns it into per-frame
level-frame poses and focal lengths; :func:`raw_annotation` turns it into the
:class:`~camerabench.taxonomy.RawAnnotation` a careful annotator would write, and
:func:`~camerabench.taxonomy.derive_labels` gives the tri-state labels.

Conventions (pinned in ``taxonomy/primitives.yaml``): camera axes x right, y down, z forward;
``R_rel = R_c2w[0].T @ R_c2w[i]``, ``t_rel = R_c2w[0].T @ (C_i - C_0)``; Move_In = +t_z,
Move_Right = +t_x, Move_Up = -t_y; Pan_Right = +rotation about camera y; Tilt_Up = +rotation
about camera x; Roll_Clockwise = +rotation about camera z; Zoom_In = focal grows.
Magnitudes: metres for translations, degrees for rotations, the focal ratio (> 1) for zoom.

An arc is *clockwise seen from above* when the camera circles the subject clockwise on a map
with x to the right and z (forward) up: it trucks left while panning right.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError
from camerabench.taxonomy import (
    CompoundMotion,
    Movement,
    Primitive,
    RawAnnotation,
    Speed,
    Steadiness,
    TrackingKind,
)
from camerabench.taxonomy.rules import Answer

__all__ = [
    "FAILURE_MODES",
    "KNOBS",
    "MINOR_COMPOUND_MAGNITUDES",
    "MINOR_MAGNITUDES",
    "OVERLAYS",
    "PROFILES",
    "CameraPath",
    "ClipSpec",
    "camera_path",
    "camera_path_at",
    "ease",
    "progress",
    "raw_annotation",
    "rot_x",
    "rot_y",
    "rot_z",
]

_AXES = ("tx", "ty", "tz", "yaw", "pitch", "roll", "zoom")
#: static overlays a clip may carry (:attr:`ClipSpec.overlays`)
OVERLAYS = ("logo", "subtitles", "letterbox", "pillarbox")
#: motion profiles (:attr:`ClipSpec.profile`)
PROFILES = ("ease", "there_hold_back")
#: hard-preset knobs (each clip of the hard preset sets exactly one to True; the manifest records
#: every one of them for every clip), the names :attr:`ClipSpec.knobs` may hold
KNOBS = (
    "low_parallax",
    "low_texture_low_light",
    "tracking",
    "roll_low_parallax",
    "moving_objects",
    "handheld_shake",
    "motion_blur",
    "noise_compression",
    "rolling_shutter",
    "lens_distortion",
    "static_overlay",
    "large_subject",
    "exposure_flicker",
    "scene_cut",
    "low_fps_fast_motion",
    "long_changing_motion",
)
#: the failure modes a clip may exercise (:attr:`ClipSpec.failure_mode`): one per knob
FAILURE_MODES = KNOBS


#: what a clip name may hold (it becomes part of the video's file name)
_SPEC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+\-]*")


def _check_number(key: str, value: object, low: float | None = None, inclusive: bool = True) -> None:
    """A finite real number (``>= low``, or ``> low`` when not ``inclusive``); else ValueError naming ``key``."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)
    if not ok or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise ValueError(f"{key} must be a finite number, got {value!r}")
    if low is not None and (float(value) < low or (not inclusive and float(value) == low)):  # type: ignore[arg-type]
        raise ValueError(f"{key} must be {'>=' if inclusive else '>'} {low:g}, got {value!r}")


#: Largest magnitude of a move too small to name, per axis (metres, degrees, focal ratio): a clip
#: whose moves are all at most these is ``minor`` (every label ambiguous), one with a move above
#: them is not. A 0.001 degree pan not marked minor was labelled a clear Pan_Left over frames that
#: do not change, and a 28 degree pan marked minor was captioned "moves only very slightly".
MINOR_MAGNITUDES: dict[str, float] = {
    "tz": 0.04,
    "tx": 0.03,
    "ty": 0.02,
    "yaw": 0.6,
    "pitch": 0.5,
    "roll": 0.6,
    "zoom": 1.015,
}

#: the one move each rendered tracking shot makes (the subject moves with it, ahead of the camera)
_TRACKING_MOVES = {TrackingKind.TAIL: Primitive.MOVE_IN, TrackingKind.LEAD: Primitive.MOVE_OUT}


def _check_moves(key: str, moves: object) -> None:
    """Moves the renderer draws as their labels say: ``(primitive, magnitude)`` pairs, one per axis
    (opposite directions on one axis cancel out, yet both were labelled yes), a magnitude that moves
    the camera (a zoom's focal ratio above 1: below it Zoom_In zoomed out)."""
    if not isinstance(moves, tuple):
        raise ValueError(f"{key} must be a tuple of (primitive, magnitude) pairs, got {moves!r}")
    axes: dict[str, Primitive] = {}
    for move in moves:
        if not isinstance(move, tuple) or len(move) != 2 or not isinstance(move[0], Primitive):
            raise ValueError(f"{key}: each move is a (Primitive, magnitude) pair, got {move!r}")
        prim, mag = move
        if prim is Primitive.STATIC:
            raise ValueError(f"{key}: Static is not a move")
        where = f"{key}: magnitude of {prim.value}"
        if prim.axis == "zoom":
            _check_number(where, mag, low=1.0, inclusive=False)
        else:
            _check_number(where, mag, low=0.0, inclusive=False)
        if prim.axis in axes:
            raise ValueError(f"{key}: {axes[prim.axis].value} and {prim.value} move along the same axis ({prim.axis})")
        axes[prim.axis] = prim


def _check_knob_name(what: str, name: object, known: tuple[str, ...]) -> None:
    """``name`` is one of ``known``; else a CameraBenchError naming it, the closest known name and
    all of them (the manifest records the known knobs only: another name was dropped from it)."""
    if isinstance(name, str) and name in known:
        return
    close = difflib.get_close_matches(name, known, n=1) if isinstance(name, str) else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise CameraBenchError(f"unknown {what} {name!r}{hint}; known: {', '.join(known)}")


def _check_knobs(knobs: object, failure_mode: object) -> None:
    """Knobs are a dict of known knob names to True/False; the failure mode is None or a known one."""
    if not isinstance(knobs, dict):
        raise CameraBenchError(f"knobs must be a dict of knob name -> True/False, got {knobs!r}")
    for name, value in knobs.items():
        _check_knob_name("knob", name, KNOBS)
        if not isinstance(value, bool | np.bool_):
            # the manifest records bool(value): a knob set to "false" was recorded as on
            raise CameraBenchError(f"knob {name!r} must be True or False, got {value!r}")
    if failure_mode is not None:
        _check_knob_name("failure_mode", failure_mode, FAILURE_MODES)


def _check_minor(minor: bool, what: str, mag: float, limit: float, where: str = "") -> None:
    """A move (or compound) at most ``limit`` must be ``minor`` (its labels ambiguous), one above it must not."""
    if minor and mag > limit:
        raise ValueError(f"a minor move is at most {limit:g}{where}; {what} is not minor")
    if not minor and mag <= limit:
        raise ValueError(
            f"{what} is too small to name (at most {limit:g}{where}); set minor=True (its labels are then ambiguous)"
        )


#: Bounds of the nuisance knobs (each measured through ``render_clip``; beyond them a clip's
#: frames are flat, saturated or drowned, while its labels still name a motion):
#: - brightness: a frame's 8-bit levels are ``255 * colour * exposure * gain``, the flicker gain
#:   ``exp(flicker * u)`` with ``u`` in [-1, 1]. Measured over 200 frames of the standard preset
#:   (rendered colours 0.01-0.71): at a total gain of 1.5 the worst frame has 12% of its pixels
#:   clipped to white (2.5: 77%, and 13% of the frames over half white; 8: frames all white); at
#:   0.2 every frame keeps >= 25 grey levels and a standard deviation >= 2.8 levels (0.01: 2 levels,
#:   frames half black; 0.001: all black). Flicker 800 overflowed float32 (gains of 1e285 recorded).
MAX_GAIN = 1.5
MIN_GAIN = 0.2
#: exposure alone (flicker 0) within the gains; the low-light knob uses 0.3
EXPOSURE_RANGE = (MIN_GAIN, MAX_GAIN)
#: the largest flicker any exposure allows: gains exp(+-a) both inside [MIN_GAIN, MAX_GAIN]
#: (a = ln(1.5 / 0.2) / 2 = 1.007); the flicker knob uses 0.25 (gains 0.78-1.28)
MAX_FLICKER = 1.0
#: - noise: Gaussian noise of sigma levels over a picture scaled by the darkest gain ``g``
#:   (``exposure * exp(-flicker)``) is sigma / g levels at gain 1. Measured at gain 1: sigma 24
#:   leaves every frame correlated >= 0.5 with its noiseless self (mean 0.79) and clips 3% more
#:   pixels (sigma 64: 0.21, 14%; sigma 1000 saturated 89% of the pixels); at gain 0.3, sigma 8
#:   already correlates only 0.45, as sigma 24 at gain 1. The presets: 3 at exposure 0.3 (10 at
#:   gain 1), 8 at exposure 1.
MAX_NOISE_PER_GAIN = 24.0
#: - crf: libx264's constant rate factor is 0-51 for 8-bit video; it encodes a larger one as 51
#:   (measured: crf 52 and 60 wrote the same bytes as 51), and the manifest recorded a compression
#:   the video does not have. The compression knob uses 36.
MAX_CRF = 51
#: - motion blur: the sub-frames sample one frame interval's exposure (``_shutter``); every one is a
#:   full render, so time grows with their number, while the blur's length does not (it is one
#:   frame interval's motion): 64 samples the hard preset's fastest blurred move (28 deg pan, about
#:   7 px a frame at 320x192) every 0.1 px. The motion-blur knob uses 5.
MAX_MOTION_BLUR = 64
#: - hand-held shake: rotations of up to ``shake_deg`` (and 1 cm per degree of translation) at
#:   1.5-7 Hz; measured at 10 fps, consecutive frames turn by up to 2.06 x shake_deg (5: 10 deg,
#:   20: 41 deg, two thirds of the 58-64 deg field of view). At 5 deg the sway stays below the
#:   smallest named rotation the presets make (a slow 6 deg tilt), so the labelled move, not the
#:   shake, is what the frames show. The shake knob uses 0.8 ("very unsteady" from 1).
MAX_SHAKE_DEG = 5.0
#: - lens: the widest frame the generator accepts (a width:height of 4096:16) with the longest first
#:   focal length (0.8 x 1.4 times the width for a zoom out) has its corners at a normalised radius
#:   of 0.446; a barrel ``k1`` below -4 / (27 * 0.446**2) = -0.743 folds the picture back inside
#:   every frame (:func:`~camerabench.synth.nuisances.check_lens_fold`). The lens knob uses -0.25,
#:   scaled toward 0 for taller frames (``presets.lens_k1_for_size``).
MIN_LENS_K1 = -0.75
#: - frame rate and length: a clip's own ``fps`` is one the dataset's may be (``generate.MIN_FPS`` /
#:   ``generate.MAX_FPS``: below 1 fps the frames are over a second apart, above 240 fps no
#:   consumer camera films); ``render_clip`` renders ``round(duration_s * fps)`` frames and
#:   refuses fewer than 2 or more than ``generate.MAX_CLIP_FRAMES``. A ``duration_s`` under
#:   :data:`MIN_CLIP_DURATION_S` has fewer than 2 frames at every frame rate (0.001 s), one over
#:   :data:`MAX_CLIP_DURATION_S` more than 100,000 at every one; with both set the frame count is
#:   known and checked here. (fps 1e-6, 1e6 and 1e300 were only refused when rendered, after the
#:   clip had been put into a preset or a manifest.)
MIN_CLIP_FPS = 1.0
MAX_CLIP_FPS = 240.0
#: most frames a clip may have (``generate.MAX_CLIP_FRAMES``)
MAX_CLIP_FRAMES = 100_000
#: 2 frames at :data:`MAX_CLIP_FPS` (``round(duration_s * fps) >= 2``)
MIN_CLIP_DURATION_S = 1.5 / MAX_CLIP_FPS
#: :data:`MAX_CLIP_FRAMES` frames at :data:`MIN_CLIP_FPS` (27.8 hours; the hard preset's longest clip is 30 s)
MAX_CLIP_DURATION_S = MAX_CLIP_FRAMES / MIN_CLIP_FPS
#: - scene scale: the subjects (tracked, pivot, crossing objects, large subject) are not scaled;
#:   they stand on the ground of scale 1 (1.5 m below the first camera) and the crossing objects
#:   pass at z 1.8-3.6 m, in front of the static boxes (front faces >= 3.75 m x scale). Below 1
#:   the ground (1.5 m x scale) rises through every subject's lower part, boxes reach into the
#:   crossing objects' path (below 0.96), and the back wall (>= 14 m x scale) comes in front of
#:   the arc and crane pivot at 6 m (below 0.46). The knob moves the scene away (low parallax:
#:   15 in the hard preset); it never brings it closer.
#:   Above 1 the crossing objects, the large subject and a tracked subject would hang above the
#:   scaled ground (their bottoms 1.5 m below the camera, the ground 1.5 m x scale: 21 m above it at
#:   15), so a clip with them keeps scale 1 (:data:`_FLOATING_SUBJECTS`; no preset combines them).
#:   Scaling them with the scene instead would make them part of the far, low-parallax scene the
#:   knobs exist to contrast with (crossing objects near the camera, a subject covering 40% of the
#:   frame 2 m ahead, a tracked subject 3.5 m ahead). The arc/crane/dolly-zoom pivot box stays at
#:   the pivot the camera path aims at (6 m ahead at camera height), which no scale moves.
MIN_SCENE_SCALE = 1.0
#:   Upper bound (measured through ``render_clip`` at 64x40, seed 0): a still camera or a pan
#:   renders the same frames (within 1 level) as at scale 1 up to 1.5e7; at 2e7 the renderer's
#:   float32 mip level (which grows as scale**4) overflows (7% of the levels off by > 2), at 3e7 16%
#:   of the pixels are black, at 1e20 all of them, and at 1e300 render_frame refuses the scene
#:   (non-finite texture repeats) only once the clip is rendered. Long before that the camera's
#:   translations leave the frames: a 2 m dolly in changes them by 17 levels on average at scale 1,
#:   8 at 15, 1.3 at 100 and 0.22 at 1000 (0.01 at 1e4), and from 1e4 a dolly zoom's frames differ
#:   from the next decade's in sparse pixels by up to 48 levels. 1000 (67 times the preset's 15)
#:   keeps every picture exact and a metre's move still (barely) in the frames.
MAX_SCENE_SCALE = 1000.0
#: the knobs that put subjects in the scene which are placed for scale 1 (see above)
_FLOATING_SUBJECTS = ("moving_objects", "large_subject", "tracking")


def _refuse(spec_name: str, knob: str, value: object, allowed: str, why: str) -> None:
    raise CameraBenchError(f"clip {spec_name!r}: {knob} {value!r} is out of range ({why}); allowed: {allowed}")


def _check_bounds(spec: ClipSpec) -> None:
    """The nuisance knobs, frame rate, length and scene scale within the bounds above, and the
    camera's path inside the scene (:func:`_check_path`, :func:`_check_circle`). Raises
    CameraBenchError naming the clip, the knob, its value and the range."""
    name = spec.name
    lo, hi = EXPOSURE_RANGE
    if not lo <= spec.exposure <= hi:
        _refuse(name, "exposure", spec.exposure, f"[{lo:g}, {hi:g}]", "frames turn black below, white above")
    if spec.flicker > MAX_FLICKER:
        _refuse(name, "flicker", spec.flicker, f"[0, {MAX_FLICKER:g}]", "frames flicker to black or white")
    bright, dark = spec.exposure * math.exp(spec.flicker), spec.exposure * math.exp(-spec.flicker)
    if bright > MAX_GAIN or dark < MIN_GAIN:
        _refuse(
            name,
            "flicker",
            spec.flicker,
            f"exposure * exp(+-flicker) in [{MIN_GAIN:g}, {MAX_GAIN:g}], here at most "
            f"{math.log(min(hi / spec.exposure, spec.exposure / lo)):.3g}",
            f"with exposure {spec.exposure:g} the frames' gains reach {dark:.3g}-{bright:.3g}",
        )
    most = MAX_NOISE_PER_GAIN * dark
    if spec.noise_sigma > most:
        _refuse(
            name,
            "noise_sigma",
            spec.noise_sigma,
            f"[0, {most:.3g}] ({MAX_NOISE_PER_GAIN:g} times the darkest gain, exposure * exp(-flicker) = {dark:.3g})",
            "the noise drowns the picture",
        )
    if spec.crf > MAX_CRF:
        _refuse(name, "crf", spec.crf, f"[0, {MAX_CRF}]", "libx264 encodes a larger crf as 51")
    if spec.motion_blur > MAX_MOTION_BLUR:
        _refuse(
            name,
            "motion_blur",
            spec.motion_blur,
            f"[1, {MAX_MOTION_BLUR}]",
            "each sub-frame is a full render; more sample the blur finer than a pixel",
        )
    if spec.shake_deg > MAX_SHAKE_DEG:
        _refuse(
            name,
            "shake_deg",
            spec.shake_deg,
            f"[0, {MAX_SHAKE_DEG:g}]",
            "the shake outswings the moves the labels name",
        )
    if spec.lens_k1 < MIN_LENS_K1:
        _refuse(name, "lens_k1", spec.lens_k1, f">= {MIN_LENS_K1:g}", "the picture folds back inside every frame")
    _check_timing(spec)
    if spec.scene_scale < MIN_SCENE_SCALE:
        _refuse(
            name,
            "scene_scale",
            spec.scene_scale,
            f">= {MIN_SCENE_SCALE:g}",
            "the subjects are not scaled: below 1 the ground rises through them and the static boxes and "
            "walls close in on them",
        )
    if spec.scene_scale > MAX_SCENE_SCALE:
        _refuse(
            name,
            "scene_scale",
            spec.scene_scale,
            f"[{MIN_SCENE_SCALE:g}, {MAX_SCENE_SCALE:g}]",
            "the camera's moves leave the frames above (a 2 m dolly changes them by under 0.2 levels), and "
            "the renderer's float32 arithmetic overflows from 2e7 (frames wrong, then black)",
        )
    floating = [k for k in _FLOATING_SUBJECTS if getattr(spec, k) not in (0, False, None)]
    if spec.scene_scale != 1.0 and floating:
        _refuse(
            name,
            "scene_scale",
            spec.scene_scale,
            f"1 with {', '.join(floating)}",
            f"{', '.join(floating)} place their subjects for scale 1, standing on the ground 1.5 m below the "
            f"camera; the scaled ground is {1.5 * spec.scene_scale:g} m below it, so they would hang "
            f"{1.5 * (spec.scene_scale - 1):g} m above it",
        )
    _check_path(spec, "moves", spec.moves)
    _check_path(spec, "cut_moves", spec.cut_moves)
    if spec.compound is CompoundMotion.DOLLY_ZOOM_IN:
        # a dolly zoom in backs straight off along -z by its magnitude
        _check_path(spec, "compound_magnitude", ((Primitive.MOVE_OUT, spec.compound_magnitude),))
    if spec.compound is CompoundMotion.DOLLY_ZOOM_OUT:
        # a dolly zoom out moves straight in along +z by its magnitude (toward the pivot)
        _check_path(spec, "compound_magnitude", ((Primitive.MOVE_IN, spec.compound_magnitude),))
    if spec.compound in _CIRCLING:
        _check_circle(spec)


def _check_timing(spec: ClipSpec) -> None:
    """``fps`` and ``duration_s`` (when set) within the bounds above, and their frame count when both are."""
    name = spec.name
    if spec.fps is not None and not MIN_CLIP_FPS <= spec.fps <= MAX_CLIP_FPS:
        _refuse(
            name,
            "fps",
            spec.fps,
            f"[{MIN_CLIP_FPS:g}, {MAX_CLIP_FPS:g}]",
            "the dataset's frame rates: frames over a second apart below, faster than any consumer camera above",
        )
    if spec.duration_s is not None and not MIN_CLIP_DURATION_S <= spec.duration_s <= MAX_CLIP_DURATION_S:
        _refuse(
            name,
            "duration_s",
            spec.duration_s,
            f"[{MIN_CLIP_DURATION_S:g}, {MAX_CLIP_DURATION_S:g}] s",
            f"under 2 frames at {MAX_CLIP_FPS:g} fps below, over {MAX_CLIP_FRAMES} frames at {MIN_CLIP_FPS:g} fps "
            "above: no frame rate renders it",
        )
    if spec.fps is not None and spec.duration_s is not None:
        frames = round(spec.duration_s * spec.fps)
        if not 2 <= frames <= MAX_CLIP_FRAMES:
            _refuse(
                name,
                "duration_s",
                spec.duration_s,
                f"[{1.5 / spec.fps:.3g}, {MAX_CLIP_FRAMES / spec.fps:.6g}] s at {spec.fps:g} fps",
                f"{spec.duration_s:g} s at {spec.fps:g} fps is {frames} frame(s); a clip has 2 to {MAX_CLIP_FRAMES}",
            )


#: compounds that move the camera on a circle of radius PIVOT_DISTANCE_M about the pivot
_CIRCLING = (
    CompoundMotion.ARC_CLOCKWISE,
    CompoundMotion.ARC_COUNTERCLOCKWISE,
    CompoundMotion.CRANE_UP,
    CompoundMotion.CRANE_DOWN,
)
#: an arc or crane is checked chord by chord, each at most this many degrees; the circle is within
#: the chord's sagitta of it (6 m x (1 - cos 0.5 deg) = 0.23 mm), added to the margin
_CHORD_DEG = 1.0


def _has_subjects(spec: ClipSpec) -> bool:
    """The scene has subjects (``generate._subjects``: a tracked subject, the pivot of a compound
    move, in both shots of a scene cut, crossing objects, the large subject)."""
    return spec.tracking is not None or spec.compound is not None or spec.moving_objects > 0 or spec.large_subject


def _regions(spec: ClipSpec, lane: bool = True) -> list[tuple[str, NDArray[np.float64], NDArray[np.float64]]]:
    """:data:`_OBSTACLES` (and the subjects' regions the clip has) as scaled boxes, grown by the
    hand-held shake's translation (1 cm per degree on each axis). With subjects (and ``lane``) the
    static boxes are :data:`_LANE_BOXES`: the lane between them is clear."""
    margin = 0.01 * spec.shake_deg
    regions = list(_OBSTACLES)
    if lane and _has_subjects(spec):
        # build_scene keeps its static boxes out of the subjects' lane |x| < 1 m (x scale)
        regions.remove(_BOXES)
        regions.extend(_LANE_BOXES)
    if spec.moving_objects:
        regions.append(_MOVING_OBJECTS)
    if spec.large_subject:
        regions.append(_LARGE_SUBJECT)
    out = []
    for what, lo, hi, scaled in regions:
        k = spec.scene_scale if scaled else 1.0
        out.append((what, np.array(lo) * k - margin, np.array(hi) * k + margin))
    return out


def _check_circle(spec: ClipSpec) -> None:
    """An arc's or crane's camera (the renderer's own path, :func:`camera_path_at`, turned by the
    first frame's tilt) stays out of the regions :func:`_check_path` keeps straight moves out of:
    an arc past 30 degrees is over 3 m to the side (where a side wall may stand at scene_scale 1),
    past 68 degrees 3.75 m ahead (the boxes)."""
    mag = spec.compound_magnitude
    chords = max(1, math.ceil(mag / _CHORD_DEG))
    step = mag / chords
    sagitta = PIVOT_DISTANCE_M * (1.0 - math.cos(math.radians(step / 2)))
    # the full path, eased progress 0 -> 1 over the chords' ends
    base = _pose(rot_x(spec.initial_pitch_deg), np.zeros(3))
    prog = np.linspace(0.0, 1.0, chords + 1)
    poses, _ = _compound_path(spec, prog, base, np.repeat(base[None], chords + 1, axis=0), np.ones(chords + 1))
    centres = poses[:, :3, 3]
    # without the subjects' lane (conservative): a circle leaves the lane sideways and may come
    # back into it level with the boxes (an arc at scale 3 re-enters it at 151 deg, 9 cm beside them)
    for what, lo, hi in _regions(spec, lane=False):
        low, high = lo - sagitta, hi + sagitta
        for i in range(chords):
            start = centres[i]
            entry = _segment_entry(centres[i + 1] - start, low - start, high - start)
            if entry is None:
                continue
            angle = (i + entry) * step
            _refuse(
                spec.name,
                "compound_magnitude",
                f"{spec.compound.value} {mag:g}",  # type: ignore[union-attr]
                f"at most {angle:.3g} deg here",
                f"the camera circles the pivot {PIVOT_DISTANCE_M:g} m ahead and reaches where {what} may stand "
                f"after {angle:.3g} deg (scene_scale {spec.scene_scale:g}, shake {spec.shake_deg:g} deg, "
                f"initial pitch {spec.initial_pitch_deg:g} deg); frames would be rendered from inside the scene",
            )


#: Where the camera may not go, in the level frame at ``scene_scale`` 1 (x right, y down, z
#: forward, the first camera at the origin), the worst case over the random draws of
#: ``scene.build_scene`` (all scaled by ``scene_scale``) and ``generate._subjects`` (not scaled):
#: ``(what, low corner, high corner, scaled)``. A camera inside one renders from within the
#: geometry (a wall's back, the inside of a box: frames of one texture) while the labels name its move.
_INF = math.inf
_Region = tuple[str, tuple[float, float, float], tuple[float, float, float], bool]
_BOXES: _Region = ("a static box", (-_INF, -0.7, 3.75), (_INF, _INF, _INF), True)
#: with subjects, ``build_scene`` moves a box whose centre is within 1 m + half its width of x = 0
#: out to that distance: every box is at |x| >= 1 m (x scale), the subjects' lane clear
_LANE_BOXES: tuple[_Region, ...] = (
    ("a static box", (1.0, -0.7, 3.75), (_INF, _INF, _INF), True),
    ("a static box", (-_INF, -0.7, 3.75), (-1.0, _INF, _INF), True),
)
_OBSTACLES: tuple[_Region, ...] = (
    # the ground is camera_height_m = 1.5 m below the camera
    ("the ground", (-_INF, 1.5, -_INF), (_INF, _INF, _INF), True),
    # side walls at |x| = 3-6 m, from z = -12 m to the back wall (<= 22 m), 3-6 m high
    ("a side wall", (3.0, -4.5, -12.0), (_INF, _INF, 22.0), True),
    ("a side wall", (-_INF, -4.5, -12.0), (-3.0, _INF, 22.0), True),
    # the back wall at z = 14-22 m
    ("the back wall", (-_INF, -4.5, 14.0), (_INF, _INF, _INF), True),
    # boxes: front faces at z >= keep_clear_m + half their depth = 3.5 + 0.25 m, up to 2.2 m tall
    _BOXES,
    # photo panels: z >= 6 m, from 0.3 m above the ground up to 1.2 + 2.5 m above it
    ("a photo panel", (-_INF, -2.2, 6.0), (_INF, _INF, _INF), True),
    # the sky box 90 m away on every side and above
    ("the sky box", (90.0, -_INF, -_INF), (_INF, _INF, _INF), True),
    ("the sky box", (-_INF, -_INF, -_INF), (-90.0, _INF, _INF), True),
    ("the sky box", (-_INF, -_INF, 90.0), (_INF, _INF, _INF), True),
    ("the sky box", (-_INF, -_INF, -_INF), (_INF, _INF, -90.0), True),
    ("the sky box", (-_INF, -_INF, -_INF), (_INF, -90.0, _INF), True),
)
#: the crossing objects (``moving_objects``): z 2.2-3.2 m +- 0.4 m, up to 1.7 m tall, across the frame
_MOVING_OBJECTS = ("a moving object", (-_INF, -0.2, 1.8), (_INF, _INF, 3.6), False)
#: the large subject: a 1.4 m wide, 2 m tall, 0.3 m deep board 2 m ahead crossing x -0.5..0.5 m
_LARGE_SUBJECT = ("the large subject", (-1.2, -0.5, 1.85), (1.2, _INF, 2.15), False)


def _segment_entry(end: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64]) -> float | None:
    """The fraction of the segment from the origin to ``end`` at which it enters the box
    ``[lo, hi]`` (slab method), or None when it does not."""
    t0, t1 = 0.0, 1.0
    for axis in range(3):
        d = float(end[axis])
        if d == 0.0:
            if not lo[axis] <= 0.0 <= hi[axis]:
                return None
            continue
        a, b = sorted(((float(lo[axis])) / d, (float(hi[axis])) / d))
        t0, t1 = max(t0, a), min(t1, b)
        if t0 > t1:
            return None
    return t0


def _check_path(spec: ClipSpec, knob: str, moves: tuple[tuple[Primitive, float], ...]) -> None:
    """The camera's straight path from its first position (``moves``' translations, turned by the
    first frame's tilt) stays out of every :data:`_OBSTACLES` region (and the subjects' when the
    clip has them), by the hand-held shake's translation (1 cm per degree on each axis) too."""
    comp = _components(moves)
    end = rot_x(spec.initial_pitch_deg) @ np.array([comp["tx"], comp["ty"], comp["tz"]])
    if not np.any(end):
        return
    for what, low, high in _regions(spec):
        entry = _segment_entry(end, low, high)
        if entry is None:
            continue
        length = float(np.linalg.norm(end))
        shown = ", ".join(f"{p.value} {m:g}" for p, m in moves)
        _refuse(
            spec.name,
            knob,
            shown,
            f"at most {entry * length:.3g} m in this direction",
            f"the camera travels {length:.3g} m and reaches where {what} may stand after {entry * length:.3g} m "
            f"(scene_scale {spec.scene_scale:g}, shake {spec.shake_deg:g} deg); frames would be rendered from "
            f"inside the scene",
        )


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines one synthetic clip (besides the seed).

    Attributes:
        name: short description used in the video file name, e.g. ``pan_left_fast``.
        moves: camera-centric moves ``(primitive, magnitude)``; magnitudes are positive, the
            primitive gives the direction (metres, degrees, or focal ratio for zoom).
        compound: an arc, crane or dolly zoom (with ``compound_magnitude``: degrees of arc
            or crane elevation, metres of dolly for a dolly zoom).
        speed: the speed class the magnitudes were chosen for.
        minor: the motion is deliberately too small to name (labels become ambiguous): every move
            within :data:`MINOR_MAGNITUDES`, a compound within :data:`MINOR_COMPOUND_MAGNITUDES`.
        shake_deg: amplitude of hand-held rotational shake in degrees (0: none).
        tracking: lead or tail tracking of a moving subject.
        moving_objects: number of boxes crossing the scene.
        scene_scale: the static scene is this many times farther away (low parallax).
        low_texture: low-contrast textures.
        exposure: brightness multiplier (low light < 1).
        noise_sigma: Gaussian sensor noise, in units of 8-bit levels.
        crf: H.264 constant rate factor (compression).
        motion_blur: shutter sub-frames averaged per frame (1: none).
        failure_mode: the hard-preset failure mode this clip exercises, if any (one of
            :data:`FAILURE_MODES`).
        initial_pitch_deg: the first frame's tilt (positive = up) in the level frame.
        rolling_shutter: sensor readout time as a fraction of the frame interval (0: global
            shutter); row ``r`` of ``H`` is exposed ``((r + 0.5) / H - 0.5) * rolling_shutter / fps``
            seconds after the frame time, with the camera pose of that instant.
        lens_k1: first radial distortion coefficient of the Brown model (OpenCV's ``k1``, in
            normalised image coordinates); negative is barrel distortion.
        overlays: static content burnt in after rendering: ``logo`` (a picture in the top-right
            corner), ``subtitles`` (text at the bottom, changing every 2 s),
            ``letterbox`` (black bars top and bottom), ``pillarbox`` (black bars left and right).
        large_subject: a textured box covering at least 40% of the frame crosses in front of
            the camera.
        flicker: per-frame exposure gain ``exp(flicker * u)``, ``u`` uniform in [-1, 1] (time-lapse).
        scene_cut: halfway through, the clip cuts to another scene and camera (a shot transition).
        cut_moves: the camera moves of the shot after the cut (none: a still camera); ``moves``,
            ``compound`` and ``minor`` are the first shot's.
        fps: the clip's own frame rate (default: the dataset's).
        duration_s: the clip's length (default: the dataset's clip duration).
        profile: ``ease`` (one eased move over the clip) or ``there_hold_back`` (the move over
            the first third, a hold, and the same move back over the last third).
        knobs: which of the hard-preset :data:`KNOBS` this clip sets (name -> True/False; a name
            left out is False), recorded in the manifest.

    Raises:
        CameraBenchError: ``knobs`` names a knob not in :data:`KNOBS` or holds a value that is not
            True/False, or ``failure_mode`` is not one of :data:`FAILURE_MODES`; or a nuisance knob
            is past its bound (exposure, flicker, noise_sigma, crf, motion_blur, shake_deg, lens_k1,
            fps, duration_s and their frame count, scene_scale: :data:`MAX_GAIN` and the constants
            beside it), or the moves, a dolly zoom in, an arc or a crane take the camera to where
            the scene's geometry may stand (:data:`_OBSTACLES`); the message names the clip, the
            knob, its value and the range allowed.
        ValueError: any other field is out of range.
    """

    name: str
    moves: tuple[tuple[Primitive, float], ...] = ()
    compound: CompoundMotion | None = None
    compound_magnitude: float = 0.0
    speed: Speed = Speed.REGULAR
    minor: bool = False
    shake_deg: float = 0.0
    tracking: TrackingKind | None = None
    moving_objects: int = 0
    scene_scale: float = 1.0
    low_texture: bool = False
    exposure: float = 1.0
    noise_sigma: float = 0.0
    crf: int = 18
    motion_blur: int = 1
    failure_mode: str | None = None
    initial_pitch_deg: float = 0.0
    rolling_shutter: float = 0.0
    lens_k1: float = 0.0
    overlays: tuple[str, ...] = ()
    large_subject: bool = False
    flicker: float = 0.0
    scene_cut: bool = False
    cut_moves: tuple[tuple[Primitive, float], ...] = ()
    fps: float | None = None
    duration_s: float | None = None
    profile: str = "ease"
    knobs: dict[str, bool] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SPEC_NAME.fullmatch(self.name):
            # the name becomes part of the video's file name (a "/" wrote outside videos/)
            raise ValueError(f"clip name must be letters, digits, '_', '+' or '-', got {self.name!r}")
        _check_knobs(self.knobs, self.failure_mode)
        _check_moves("moves", self.moves)
        _check_moves("cut_moves", self.cut_moves)
        if not isinstance(self.minor, bool):
            raise ValueError(f"minor must be True or False, got {self.minor!r}")
        for prim, mag in self.moves:
            _check_minor(self.minor, f"{prim.value} {mag:g}", mag, MINOR_MAGNITUDES[prim.axis], f" along {prim.axis}")
        for prim, mag in self.cut_moves:
            # the shot after the cut is rendered as a clip of its own, not minor (``minor`` is the
            # first shot's): a move too small to name failed there with a message about ``minor``
            # and was captioned as a named move
            if mag <= MINOR_MAGNITUDES[prim.axis]:
                raise ValueError(
                    f"cut_moves: {prim.value} {mag:g} is too small to name (at most {MINOR_MAGNITUDES[prim.axis]:g} "
                    f"along {prim.axis}); the shot after a cut moves clearly or not at all"
                )
        for key in ("shake_deg", "noise_sigma", "flicker", "rolling_shutter"):
            _check_number(key, getattr(self, key), low=0.0)
        for key in ("scene_scale", "exposure"):
            _check_number(key, getattr(self, key), low=0.0, inclusive=False)
        for key in ("initial_pitch_deg", "lens_k1"):
            _check_number(key, getattr(self, key))
        for key in ("fps", "duration_s"):
            if getattr(self, key) is not None:
                _check_number(key, getattr(self, key), low=0.0, inclusive=False)
        for key, low in (("motion_blur", 1), ("moving_objects", 0), ("crf", 0)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{key} must be an integer >= {low}, got {value!r}")
        if self.compound is not None:
            if not isinstance(self.compound, CompoundMotion):
                raise ValueError(f"compound must be a CompoundMotion, got {self.compound!r}")
            if self.moves or self.cut_moves:
                # the compound's path replaces the moves' poses: they would be labelled, not rendered
                moves = self.moves or self.cut_moves
                raise ValueError(f"a compound move ({self.compound.value}) takes no other moves, got {moves!r}")
            highest = _COMPOUND_LIMITS[self.compound]
            mag = self.compound_magnitude
            _check_number("compound_magnitude", mag, low=0.0, inclusive=False)
            if mag >= highest:
                raise ValueError(f"compound_magnitude of {self.compound.value} must be below {highest:g}, got {mag!r}")
            # like a move's: a 0.001 degree arc was a clear Arc positive over frames that do not change
            _check_minor(self.minor, f"{self.compound.value} {mag:g}", mag, MINOR_COMPOUND_MAGNITUDES[self.compound])
        if self.cut_moves and not self.scene_cut:
            raise ValueError(f"cut_moves are the moves after a scene cut; this clip has none: {self.cut_moves!r}")
        if self.tracking is not None:
            if not isinstance(self.tracking, TrackingKind):
                raise ValueError(f"tracking must be a TrackingKind, got {self.tracking!r}")
            # the renderer moves the subject along the camera's dolly: only a lone dolly in
            # (tail) or out (lead) keeps it framed; anything else was labelled a tracking shot
            # of a subject the camera leaves behind (a side or pan tracking shot rendered as lead)
            move = _TRACKING_MOVES.get(self.tracking)
            if move is None:
                kinds = ", ".join(k.value for k in _TRACKING_MOVES)
                raise ValueError(f"tracking {self.tracking.value!r} is not rendered; choose from {kinds}")
            if len(self.moves) != 1 or self.moves[0][0] is not move or self.scene_cut or self.profile != "ease":
                # (a move there and back ends where it started: the constant-speed path between
                # its ends stood still)
                raise ValueError(
                    f"a {self.tracking.value} tracking shot is one {move.value} move, profile 'ease', "
                    f"no scene cut; got moves {self.moves!r}, profile {self.profile!r}, scene_cut {self.scene_cut}"
                )
        if not isinstance(self.speed, Speed):
            raise ValueError(f"speed must be a Speed, got {self.speed!r}")
        unknown = set(self.overlays) - set(OVERLAYS)
        if unknown:
            raise ValueError(f"unknown overlays {sorted(unknown)}; choose from {OVERLAYS}")
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose from {PROFILES}")
        if not 0.0 <= self.rolling_shutter <= 1.0:
            raise ValueError(f"rolling_shutter is a share of the frame interval in [0, 1], got {self.rolling_shutter}")
        if self.rolling_shutter and (
            self.motion_blur > 1 or self.shake_deg > 0 or self.tracking is not None or self.lens_k1 != 0
        ):
            # a lens distortion was dropped from the frames (the manifest still listed it)
            raise ValueError(
                "rolling shutter is rendered for plain moves only (no blur, shake, tracking or lens distortion)"
            )
        _check_bounds(self)

    @property
    def is_static(self) -> bool:
        """No intentional movement (the camera may still shake)."""
        return not self.moves and self.compound is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description for the manifest."""
        return {
            "name": self.name,
            "moves": [{"primitive": p.value, "magnitude": round(float(m), 6)} for p, m in self.moves],
            "compound": self.compound.value if self.compound else None,
            "compound_magnitude": self.compound_magnitude,
            "speed": self.speed.value,
            "minor": self.minor,
            "shake_deg": self.shake_deg,
            "tracking": self.tracking.value if self.tracking else None,
            "moving_objects": self.moving_objects,
            "scene_scale": self.scene_scale,
            "low_texture": self.low_texture,
            "exposure": self.exposure,
            "noise_sigma": self.noise_sigma,
            "crf": self.crf,
            "motion_blur": self.motion_blur,
            "initial_pitch_deg": self.initial_pitch_deg,
            "rolling_shutter": self.rolling_shutter,
            "lens_k1": self.lens_k1,
            "overlays": list(self.overlays),
            "large_subject": self.large_subject,
            "flicker": self.flicker,
            "scene_cut": self.scene_cut,
            "cut_moves": [{"primitive": p.value, "magnitude": round(float(m), 6)} for p, m in self.cut_moves],
            "fps": self.fps,
            "duration_s": self.duration_s,
            "profile": self.profile,
        }


@dataclass(frozen=True)
class CameraPath:
    """Per-frame camera in the clip's level frame.

    Attributes:
        cam_c2w: (N, 4, 4) camera-to-level-frame poses (without shake).
        focal_scale: (N,) focal length relative to the first frame's.
        times_s: (N,) frame times.
    """

    cam_c2w: NDArray[np.float64]
    focal_scale: NDArray[np.float64]
    times_s: NDArray[np.float64]


def rot_x(deg: float) -> NDArray[np.float64]:
    """Rotation about +x by ``deg`` (positive = the optical axis turns toward -y: tilt up)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> NDArray[np.float64]:
    """Rotation about +y by ``deg`` (positive = the optical axis turns toward +x: pan right)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg: float) -> NDArray[np.float64]:
    """Rotation about +z by ``deg`` (positive = x turns toward +y: roll clockwise)."""
    a = np.deg2rad(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def ease(tau: NDArray[np.float64]) -> NDArray[np.float64]:
    """Motion progress 0 -> 1: half constant speed, half smoothstep (starts moving at once).

    Example:
        >>> ease(np.array([0.0, 0.5, 1.0])).tolist()
        [0.0, 0.5, 1.0]
    """
    tau = np.clip(tau, 0.0, 1.0)
    return 0.5 * tau + 0.5 * tau * tau * (3 - 2 * tau)


def _pose(rot: NDArray[np.float64], centre: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.eye(4)
    out[:3, :3] = rot
    out[:3, 3] = centre
    return out


def _components(moves: tuple[tuple[Primitive, float], ...]) -> dict[str, float]:
    comp = dict.fromkeys(_AXES, 0.0)
    comp["zoom"] = 0.0  # log focal ratio
    for prim, mag in moves:
        if prim is Primitive.STATIC:
            raise ValueError("Static is not a move")
        if mag < 0:
            raise ValueError(f"magnitudes are positive (the primitive gives the sign), got {mag} for {prim.value}")
        if prim.axis == "zoom":
            comp["zoom"] += prim.sign * float(np.log(mag))
        else:
            comp[prim.axis] += prim.sign * mag
    return comp


#: distance from the camera to the pivot of arcs, cranes and dolly zooms (metres)
PIVOT_DISTANCE_M = 6.0
#: compound magnitudes a clip may ask for (exclusive): an arc of half a circle, a crane to straight
#: overhead, a dolly zoom out (the camera moves forward) that stops before the pivot, where the
#: focal length reached 0 and then turned negative
_COMPOUND_LIMITS: dict[CompoundMotion, float] = {
    CompoundMotion.ARC_CLOCKWISE: 180.0,
    CompoundMotion.ARC_COUNTERCLOCKWISE: 180.0,
    CompoundMotion.CRANE_UP: 90.0,
    CompoundMotion.CRANE_DOWN: 90.0,
    CompoundMotion.DOLLY_ZOOM_IN: math.inf,
    CompoundMotion.DOLLY_ZOOM_OUT: PIVOT_DISTANCE_M,
}


#: Largest magnitude of a compound move too small to name (degrees of arc or crane elevation,
#: metres of dolly for a dolly zoom): the magnitude up to which one of the moves that make it up
#: is within :data:`MINOR_MAGNITUDES` (an arc: the pan and the truck; a crane: the tilt and the
#: pedestal; a dolly zoom: the dolly and the zoom, whose focal ratio is the distances' ratio). A
#: clip with a compound at most this is ``minor``, one above it is not. (Rounded to 1e-6: the dolly
#: zoom in's 0.09 m, a focal ratio of exactly 1.015, came out as 0.0899....)
_ARC_MINOR = max(MINOR_MAGNITUDES["yaw"], math.degrees(math.asin(MINOR_MAGNITUDES["tx"] / PIVOT_DISTANCE_M)))
_CRANE_MINOR = max(MINOR_MAGNITUDES["pitch"], math.degrees(math.asin(MINOR_MAGNITUDES["ty"] / PIVOT_DISTANCE_M)))
# a dolly zoom in backs off by m, its focal length growing by (d + m) / d; a dolly zoom out moves
# in by m, its focal length shrinking by (d - m) / d
_DOLLY_ZOOM_IN_MINOR = max(MINOR_MAGNITUDES["tz"], PIVOT_DISTANCE_M * (MINOR_MAGNITUDES["zoom"] - 1))
_DOLLY_ZOOM_OUT_MINOR = max(MINOR_MAGNITUDES["tz"], PIVOT_DISTANCE_M * (1 - 1 / MINOR_MAGNITUDES["zoom"]))
MINOR_COMPOUND_MAGNITUDES: dict[CompoundMotion, float] = {
    CompoundMotion.ARC_CLOCKWISE: round(_ARC_MINOR, 6),
    CompoundMotion.ARC_COUNTERCLOCKWISE: round(_ARC_MINOR, 6),
    CompoundMotion.CRANE_UP: round(_CRANE_MINOR, 6),
    CompoundMotion.CRANE_DOWN: round(_CRANE_MINOR, 6),
    CompoundMotion.DOLLY_ZOOM_IN: round(_DOLLY_ZOOM_IN_MINOR, 6),
    CompoundMotion.DOLLY_ZOOM_OUT: round(_DOLLY_ZOOM_OUT_MINOR, 6),
}


def progress(spec: ClipSpec, tau: NDArray[np.float64]) -> NDArray[np.float64]:
    """Motion progress (0 at the first pose, 1 at the full move) at clip fractions ``tau``.

    ``ease``: :func:`ease` over the clip. ``there_hold_back``: eased to 1 over the first third,
    held, eased back to 0 over the last third (frames at ``tau`` and ``1 - tau`` share a pose).

    Example:
        >>> spec = ClipSpec("x", profile="there_hold_back")
        >>> progress(spec, np.array([0.0, 1 / 3, 0.5, 2 / 3, 1.0])).round(6).tolist()
        [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    tau = np.asarray(tau, dtype=np.float64)
    if spec.profile == "there_hold_back":
        return np.minimum(ease(3.0 * tau), ease(3.0 * (1.0 - tau)))
    return ease(tau)


def camera_path(spec: ClipSpec, num_frames: int, fps: float) -> CameraPath:
    """The exact camera path of a clip in its level frame (first camera at the origin)."""
    if num_frames < 2:
        raise ValueError(f"a clip needs at least 2 frames, got {num_frames}")
    times = np.arange(num_frames) / fps
    return camera_path_at(spec, times, float(times[-1]))


def camera_path_at(spec: ClipSpec, times_s: NDArray[np.float64], duration_s: float) -> CameraPath:
    """The camera at any times of a clip lasting ``duration_s`` (before 0 and after the end it
    holds still); rolling shutter asks for the pose of each row's instant."""
    times = np.asarray(times_s, dtype=np.float64)
    prog = progress(spec, times / duration_s)
    base = _pose(rot_x(spec.initial_pitch_deg), np.zeros(3))
    comp = _components(spec.moves)
    poses = np.empty((len(times), 4, 4))
    focal = np.exp(comp["zoom"] * prog)
    for i, s in enumerate(prog):
        rel_rot = rot_y(comp["yaw"] * s) @ rot_x(comp["pitch"] * s) @ rot_z(comp["roll"] * s)
        rel_t = np.array([comp["tx"], comp["ty"], comp["tz"]]) * s
        poses[i] = base @ _pose(rel_rot, rel_t)
    if spec.compound is not None:
        poses, focal = _compound_path(spec, prog, base, poses, focal)
    return CameraPath(poses, focal, times)


def _compound_path(
    spec: ClipSpec,
    prog: NDArray[np.float64],
    base: NDArray[np.float64],
    poses: NDArray[np.float64],
    focal: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    d = PIVOT_DISTANCE_M
    mag = spec.compound_magnitude
    out = poses.copy()
    focal = focal.copy()
    for i, s in enumerate(prog):
        if spec.compound in (CompoundMotion.ARC_CLOCKWISE, CompoundMotion.ARC_COUNTERCLOCKWISE):
            # camera on a circle of radius d around the pivot (0, 0, d), facing it
            alpha = -mag * s if spec.compound is CompoundMotion.ARC_CLOCKWISE else mag * s
            a = np.deg2rad(alpha)
            centre = np.array([d * np.sin(a), 0.0, d - d * np.cos(a)])
            rel = _pose(rot_y(-alpha), centre)
        elif spec.compound in (CompoundMotion.CRANE_UP, CompoundMotion.CRANE_DOWN):
            # camera on a vertical circle around the pivot, tilting to keep it framed; a crane
            # down starts high (elevation = mag) and ends level
            elev = mag * s if spec.compound is CompoundMotion.CRANE_UP else mag * (1 - s)
            b = np.deg2rad(elev)
            centre = np.array([0.0, -d * np.sin(b), d - d * np.cos(b)])
            rel = _pose(rot_x(-elev), centre)
        elif spec.compound in (CompoundMotion.DOLLY_ZOOM_IN, CompoundMotion.DOLLY_ZOOM_OUT):
            # the pivot keeps its image size: focal grows in proportion to the distance
            back = mag * s if spec.compound is CompoundMotion.DOLLY_ZOOM_IN else -mag * s
            rel = _pose(np.eye(3), np.array([0.0, 0.0, -back]))
            focal[i] = (d + back) / d
        else:  # pragma: no cover - every CompoundMotion is handled above
            raise ValueError(f"unsupported compound {spec.compound}")
        out[i] = base @ rel
    return out, focal


def shake_offsets(amplitude_deg: float, times_s: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64]:
    """(N, 4, 4) hand-held shake: smooth random rotations (degrees) and translations (metres).

    A sum of sinusoids at 1.5-7 Hz with random phases per axis; translation amplitude is
    1 cm per degree of rotational amplitude.
    """
    n = len(times_s)
    out = np.repeat(np.eye(4)[None], n, axis=0)
    if amplitude_deg <= 0:
        return out
    freqs = rng.uniform(1.5, 7.0, size=(6, 3))
    phases = rng.uniform(0, 2 * np.pi, size=(6, 3))
    weights = rng.uniform(0.5, 1.0, size=(6, 3))
    wave = (weights[None] * np.sin(2 * np.pi * freqs[None] * times_s[:, None, None] + phases[None])).sum(axis=2)
    wave /= np.abs(wave).max(axis=0, keepdims=True) + 1e-12
    for i in range(n):
        r = (
            rot_y(amplitude_deg * wave[i, 0])
            @ rot_x(amplitude_deg * wave[i, 1])
            @ rot_z(0.5 * amplitude_deg * wave[i, 2])
        )
        out[i] = _pose(r, 0.01 * amplitude_deg * wave[i, 3:6])
    return out


def relative_motion(cam_c2w: NDArray[np.float64], focal_px: NDArray[np.float64] | None) -> dict[str, Any]:
    """Last frame relative to the first, in the package's conventions (for the manifest).

    Returns:
        ``t_m``: [x, y, z] translation in first-camera axes (metres; Move_In = +z, Move_Up = -y);
        ``pan_deg``, ``tilt_deg``, ``roll_deg``: the tripod-head decomposition
        ``R_rel = R_y(pan) R_x(tilt) R_z(roll)`` (Pan_Right, Tilt_Up, Roll_Clockwise positive);
        ``zoom_ratio``: last focal length over first.

    Example:
        >>> poses = np.stack([np.eye(4), np.eye(4)])
        >>> poses[1, :3, :3] = rot_y(10.0)
        >>> relative_motion(poses, np.array([100.0, 150.0]))["pan_deg"], relative_motion(poses, None)["zoom_ratio"]
        (10.0, None)
    """
    from scipy.spatial.transform import Rotation  # well-kept Euler decomposition

    r0 = cam_c2w[0, :3, :3]
    r_rel = r0.T @ cam_c2w[-1, :3, :3]
    t_rel = r0.T @ (cam_c2w[-1, :3, 3] - cam_c2w[0, :3, 3])
    pan, tilt, roll = Rotation.from_matrix(r_rel).as_euler("YXZ", degrees=True)
    return {
        "t_m": [round(float(v), 6) + 0.0 for v in t_rel],
        "pan_deg": round(float(pan), 6) + 0.0,
        "tilt_deg": round(float(tilt), 6) + 0.0,
        "roll_deg": round(float(roll), 6) + 0.0,
        "zoom_ratio": None if focal_px is None else round(float(focal_px[-1] / focal_px[0]), 6),
    }


def steadiness(spec: ClipSpec) -> Steadiness:
    """Steadiness an annotator would give: static, very smooth, unsteady or very unsteady."""
    if spec.shake_deg >= 1.0:
        return Steadiness.VERY_UNSTEADY
    if spec.shake_deg > 0:
        return Steadiness.UNSTEADY
    return Steadiness.STATIC if spec.is_static else Steadiness.VERY_SMOOTH


def raw_annotation(spec: ClipSpec) -> RawAnnotation:
    """The annotation a careful CameraBench annotator would write for this clip.

    A scene cut is a shot transition (every label ambiguous, the taxonomy's rule 1). A move that
    goes there and back (profile ``there_hold_back``) is annotated with both directions ``yes``
    and movement ``major_complex`` (its direction changes), so under rule 4 every other
    direction is ambiguous. A ``minor`` move stays ``minor`` whatever its profile: the taxonomy's
    movement answer (no / minor / major_simple / major_complex) splits only a major movement into
    simple and complex, and a motion too small to name has no direction an annotator could see
    change; under rule 4 every direction of a minor movement, even a "yes", is ambiguous (a minor
    pan there and back was labelled a clear Pan_Left and Pan_Right).
    """
    if spec.scene_cut:
        return RawAnnotation(steadiness(spec), Movement.MAJOR_COMPLEX, shot_transition=True)
    if spec.is_static:
        return RawAnnotation(steadiness(spec), Movement.NO)
    movement = Movement.MINOR if spec.minor else Movement.MAJOR_SIMPLE
    directions: dict[Primitive, Answer] = {p: "yes" for p, _ in spec.moves}
    if spec.profile == "there_hold_back":
        if not spec.minor:
            movement = Movement.MAJOR_COMPLEX
        for p, _ in spec.moves:
            back = p.opposite
            if back is not None:
                directions[back] = "yes"
    compounds: frozenset[CompoundMotion] = frozenset()
    if spec.compound is not None:
        compounds = frozenset({spec.compound})
        if spec.compound is CompoundMotion.DOLLY_ZOOM_IN:
            directions.update({Primitive.MOVE_OUT: "yes", Primitive.ZOOM_IN: "yes"})
        elif spec.compound is CompoundMotion.DOLLY_ZOOM_OUT:
            directions.update({Primitive.MOVE_IN: "yes", Primitive.ZOOM_OUT: "yes"})
    return RawAnnotation(steadiness(spec), movement, directions, compounds)
