"""The clip lists of the ``standard`` and ``hard`` presets.

``standard``: every direction primitive alone in both directions at two speeds, static
clips, a fixed camera that shakes, motions too small to name, and compositions (pan + dolly,
truck + pan, tilt + pedestal, pan + tilt, zoom + pan, roll + dolly, arcs, cranes, dolly
zooms), ordered so that any prefix is varied (``--clips N`` takes the first N; more than the
full set adds seeded random compositions).

``hard``: one knob per failure mode CameraBench reports for SfM, each on a few motions;
every clip records ``failure_mode`` and its ``knobs``.

The taxonomy's speed (``slow`` / ``regular`` / ``fast``) is how fast the motion appears
(taxonomy/primitives.yaml: "noticeable motion but at a slow/fast motion speed"), not the size of the
move in metres. The low-parallax knob's translations (:func:`_low_parallax_speed`) move the fast
class's 4x in a scene 15x farther away: their image motion is what a move of 4/15 of the fast
magnitude shows in a standard scene, 0.48 m for the truck (the slow class's is 0.6 m), 0.59 m for
the dolly (slow: 0.8 m) and 0.27 m for the pedestal (slow: 0.4 m). Measured at 160x96 (red team
R28): 6.5 px of image motion for ``low_parallax_move_right_fast`` against 9.7 px for a standard slow
truck, a log-scale expansion of 0.06 for ``low_parallax_move_in_fast`` against 0.10 for a slow dolly
in. The three (``low_parallax_move_right_fast``, ``_move_in_fast``, ``_move_up_fast``) were labelled
``fast`` ("moves right quickly", positives of "fast"); they are labelled ``slow``, as the changing-
motion knob's pans slower than a standard slow pan are (the clip names keep ``_fast``, the size of
the move, so that their files keep their names). The ``Speed`` of a clip cannot be left ambiguous:
:class:`~camerabench.synth.specs.ClipSpec` and the captions and VQA predicates of
:mod:`camerabench.synth.annotate` take one of the three classes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# the knobs are defined beside ClipSpec, which checks a clip's knobs and failure mode against them
from camerabench.synth.specs import FAILURE_MODES, KNOBS, MINOR_MAGNITUDES, ClipSpec
from camerabench.taxonomy import CompoundMotion, Primitive, Speed, TrackingKind

__all__ = [
    "ARC_LIKE_PAIRS",
    "FAILURE_MODES",
    "KNOBS",
    "MAGNITUDES",
    "MINOR_MAGNITUDES",
    "PRESETS",
    "extra_pairs",
    "lens_k1_for_size",
    "preset_specs",
]

P = Primitive

#: magnitude per primitive axis and speed (metres, degrees, focal ratio); all clearly visible
#: at 320x192 over a 2.5 s clip in scenes 3-20 m deep.
MAGNITUDES: dict[str, dict[Speed, float]] = {
    "tz": {Speed.SLOW: 0.8, Speed.REGULAR: 1.4, Speed.FAST: 2.2},
    "tx": {Speed.SLOW: 0.6, Speed.REGULAR: 1.1, Speed.FAST: 1.8},
    "ty": {Speed.SLOW: 0.4, Speed.REGULAR: 0.7, Speed.FAST: 1.0},
    "yaw": {Speed.SLOW: 8.0, Speed.REGULAR: 15.0, Speed.FAST: 28.0},
    "pitch": {Speed.SLOW: 6.0, Speed.REGULAR: 11.0, Speed.FAST: 18.0},
    "roll": {Speed.SLOW: 8.0, Speed.REGULAR: 15.0, Speed.FAST: 28.0},
    "zoom": {Speed.SLOW: 1.25, Speed.REGULAR: 1.5, Speed.FAST: 1.9},
}
#: rolling-shutter readout time, as a fraction of the frame interval (a phone sensor reads its
#: rows out over most of a 30 fps frame interval)
ROLLING_SHUTTER_READOUT = 0.9
#: barrel distortion (OpenCV's k1 on normalised coordinates): about 8% of the radius at the
#: frame corners for the presets' 58-64 degree fields of view, an action-camera look. This is the
#: lens knob's ``k1`` in frames as wide as the default 5:3 or wider (16:9 included); taller frames
#: get :func:`lens_k1_for_size`.
LENS_K1 = -0.25
#: the low-frame-rate knob's frame rate and how much faster than the ``fast`` speed class it moves
LOW_FPS = 4.0
LOW_FPS_SPEEDUP = 1.6
#: the changing-motion knob's clip length (seconds): a move over 10 s, a 10 s hold, back over 10 s
LONG_CLIP_S = 30.0


def _mag(prim: Primitive, speed: Speed) -> float:
    return MAGNITUDES[prim.axis][speed]


def _simple(prim: Primitive, speed: Speed, **kw: object) -> ClipSpec:
    suffix = "" if speed is Speed.REGULAR else f"_{speed.value}"
    return ClipSpec(name=f"{prim.value.lower()}{suffix}", moves=((prim, _mag(prim, speed)),), speed=speed, **kw)  # type: ignore[arg-type]


def _combo(prims: tuple[Primitive, ...], speed: Speed = Speed.REGULAR, **kw: object) -> ClipSpec:
    name = "+".join(p.value.lower() for p in prims)
    return ClipSpec(name=name, moves=tuple((p, _mag(p, speed)) for p in prims), speed=speed, **kw)  # type: ignore[arg-type]


def _compound(c: CompoundMotion, magnitude: float, **kw: object) -> ClipSpec:
    return ClipSpec(name=c.value.lower(), compound=c, compound_magnitude=magnitude, **kw)  # type: ignore[arg-type]


_DIRECTIONS = [p for p in Primitive if p is not Primitive.STATIC]


def _standard() -> list[ClipSpec]:
    first = [ClipSpec(name="static")] + [_simple(p, Speed.REGULAR) for p in _DIRECTIONS]
    second = [ClipSpec(name="static")] + [
        _simple(p, Speed.SLOW if i % 2 == 0 else Speed.FAST) for i, p in enumerate(_DIRECTIONS)
    ]
    extras = [
        ClipSpec(name="static"),
        ClipSpec(name="static_shaky", shake_deg=0.6),
        ClipSpec(name="minor_pan", moves=((P.PAN_LEFT, MINOR_MAGNITUDES["yaw"]),), minor=True, speed=Speed.SLOW),
        ClipSpec(name="minor_dolly", moves=((P.MOVE_IN, MINOR_MAGNITUDES["tz"]),), minor=True, speed=Speed.SLOW),
        _combo((P.PAN_LEFT, P.MOVE_IN)),
        _combo((P.PAN_RIGHT, P.MOVE_OUT)),
        _combo((P.MOVE_RIGHT, P.PAN_RIGHT)),
        _combo((P.MOVE_LEFT, P.PAN_LEFT)),
        _combo((P.TILT_UP, P.MOVE_UP)),
        _combo((P.TILT_DOWN, P.MOVE_DOWN)),
        _combo((P.PAN_RIGHT, P.TILT_UP)),
        _combo((P.ZOOM_IN, P.PAN_LEFT)),
        _combo((P.ROLL_CLOCKWISE, P.MOVE_IN)),
        _combo((P.ROLL_COUNTERCLOCKWISE, P.MOVE_OUT)),
        _combo((P.MOVE_LEFT, P.TILT_DOWN)),
        _combo((P.MOVE_DOWN, P.PAN_RIGHT)),
        _combo((P.ZOOM_OUT, P.TILT_UP)),
        _combo((P.MOVE_UP, P.ROLL_COUNTERCLOCKWISE)),
        _combo((P.MOVE_RIGHT, P.ZOOM_IN)),
        _combo((P.ROLL_CLOCKWISE, P.MOVE_LEFT)),
        ClipSpec(name="static"),
        _compound(CompoundMotion.ARC_CLOCKWISE, 25.0),
        _compound(CompoundMotion.ARC_COUNTERCLOCKWISE, 25.0),
        _compound(CompoundMotion.CRANE_UP, 18.0),
        _compound(CompoundMotion.CRANE_DOWN, 18.0),
        _compound(CompoundMotion.DOLLY_ZOOM_IN, 2.0),
        _compound(CompoundMotion.DOLLY_ZOOM_OUT, 2.0),
    ]
    return first + second + extras


def _with_knob(spec: ClipSpec, knob: str, **changes: object) -> ClipSpec:
    knobs = dict.fromkeys(KNOBS, False)
    knobs[knob] = True
    return dataclasses.replace(spec, name=f"{knob}_{spec.name}", failure_mode=knob, knobs=knobs, **changes)  # type: ignore[arg-type]


#: the low-parallax knob's scene distance and translation factors
LOW_PARALLAX_SCENE_SCALE = 15.0
LOW_PARALLAX_TRANSLATION_FACTOR = 4.0


def _low_parallax_speed(moves: tuple[tuple[Primitive, float], ...], speed: Speed) -> Speed:
    """The speed a low-parallax clip's motion appears at: a translation ``t`` in a scene
    :data:`LOW_PARALLAX_SCENE_SCALE` times farther moves the image as ``t / scale`` does in a
    standard scene; below the slow class's magnitude it is slow (the module's docstring gives the
    measured figures). Rotations do not depend on the scene's distance: their speed is kept."""
    translations = [(p, m) for p, m in moves if p.is_translation]
    if translations and all(m / LOW_PARALLAX_SCENE_SCALE < _mag(p, Speed.SLOW) for p, m in translations):
        return Speed.SLOW
    return speed


def _hard() -> list[ClipSpec]:
    out: list[ClipSpec] = []
    # low parallax: the scene is 15x farther; translations are 4x larger so they stay visible
    # (and then appear slower than a standard slow move: labelled slow, _low_parallax_speed)
    for spec in [
        _simple(P.PAN_LEFT, Speed.REGULAR),
        _simple(P.MOVE_RIGHT, Speed.FAST),
        _simple(P.MOVE_IN, Speed.FAST),
        ClipSpec(name="static"),
        _simple(P.TILT_UP, Speed.REGULAR),
        _simple(P.MOVE_UP, Speed.FAST),
    ]:
        moves = tuple((p, m * LOW_PARALLAX_TRANSLATION_FACTOR if p.is_translation else m) for p, m in spec.moves)
        speed = _low_parallax_speed(moves, spec.speed)
        out.append(_with_knob(spec, "low_parallax", scene_scale=LOW_PARALLAX_SCENE_SCALE, moves=moves, speed=speed))
    for spec in [
        _simple(P.PAN_RIGHT, Speed.REGULAR),
        _simple(P.MOVE_IN, Speed.REGULAR),
        _simple(P.ZOOM_IN, Speed.REGULAR),
        ClipSpec(name="static"),
        _simple(P.TILT_DOWN, Speed.REGULAR),
        _simple(P.MOVE_LEFT, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "low_texture_low_light", low_texture=True, exposure=0.3, noise_sigma=3.0))
    # tracking: a subject 3.5 m ahead moves with the camera and keeps its framing
    tail = _simple(P.MOVE_IN, Speed.FAST)
    lead = _simple(P.MOVE_OUT, Speed.FAST)
    out.append(_with_knob(dataclasses.replace(tail, name="tail_move_in"), "tracking", tracking=TrackingKind.TAIL))
    out.append(_with_knob(dataclasses.replace(lead, name="lead_move_out"), "tracking", tracking=TrackingKind.LEAD))
    out.append(
        _with_knob(
            dataclasses.replace(_simple(P.MOVE_IN, Speed.REGULAR), name="tail_move_in_slow"),
            "tracking",
            tracking=TrackingKind.TAIL,
        )
    )
    out.append(
        _with_knob(
            dataclasses.replace(_simple(P.MOVE_OUT, Speed.REGULAR), name="lead_move_out_slow"),
            "tracking",
            tracking=TrackingKind.LEAD,
        )
    )
    for spec in [
        _simple(P.ROLL_CLOCKWISE, Speed.REGULAR),
        _simple(P.ROLL_COUNTERCLOCKWISE, Speed.REGULAR),
        _simple(P.ROLL_CLOCKWISE, Speed.SLOW),
        _simple(P.ROLL_COUNTERCLOCKWISE, Speed.FAST),
    ]:
        out.append(_with_knob(spec, "roll_low_parallax", scene_scale=15.0))
    for spec in [
        ClipSpec(name="static"),
        _simple(P.PAN_LEFT, Speed.REGULAR),
        _simple(P.MOVE_RIGHT, Speed.REGULAR),
        _simple(P.MOVE_IN, Speed.REGULAR),
        _simple(P.TILT_UP, Speed.REGULAR),
        _simple(P.ZOOM_OUT, Speed.REGULAR),
        _simple(P.ROLL_COUNTERCLOCKWISE, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "moving_objects", moving_objects=3))
    for spec in [
        ClipSpec(name="static"),
        _simple(P.PAN_RIGHT, Speed.REGULAR),
        _simple(P.MOVE_LEFT, Speed.REGULAR),
        _simple(P.MOVE_OUT, Speed.REGULAR),
        _simple(P.TILT_DOWN, Speed.REGULAR),
        _simple(P.ZOOM_IN, Speed.REGULAR),
        _simple(P.MOVE_UP, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "handheld_shake", shake_deg=0.8))
    for spec in [
        _simple(P.PAN_LEFT, Speed.FAST),
        _simple(P.PAN_RIGHT, Speed.FAST),
        _simple(P.MOVE_RIGHT, Speed.FAST),
        _simple(P.TILT_UP, Speed.FAST),
        _simple(P.ROLL_CLOCKWISE, Speed.FAST),
        _simple(P.ZOOM_OUT, Speed.FAST),
        _simple(P.MOVE_DOWN, Speed.FAST),
    ]:
        out.append(_with_knob(spec, "motion_blur", motion_blur=5))
    for spec in [
        ClipSpec(name="static"),
        _simple(P.PAN_RIGHT, Speed.SLOW),
        _simple(P.MOVE_IN, Speed.REGULAR),
        _simple(P.MOVE_DOWN, Speed.REGULAR),
        _simple(P.TILT_DOWN, Speed.SLOW),
        _simple(P.ZOOM_OUT, Speed.REGULAR),
        _simple(P.ZOOM_IN, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "noise_compression", noise_sigma=8.0, crf=36))
    out.extend(_internet_video())
    # interleave the knobs so that any prefix covers many failure modes
    by_knob: dict[str, list[ClipSpec]] = {}
    for spec in out:
        by_knob.setdefault(str(spec.failure_mode), []).append(spec)
    interleaved: list[ClipSpec] = []
    for i in range(max(len(v) for v in by_knob.values())):
        interleaved.extend(v[i] for v in by_knob.values() if i < len(v))
    return interleaved


def _internet_video() -> list[ClipSpec]:
    """Nuisances of footage from the internet (issue 14): the camera motion, and so the labels,
    are those of the clip without the nuisance, except for a scene cut (every label ambiguous)."""
    out: list[ClipSpec] = []
    for spec in [
        _simple(P.PAN_LEFT, Speed.FAST),
        _simple(P.PAN_RIGHT, Speed.REGULAR),
        _simple(P.TILT_UP, Speed.FAST),
        _simple(P.MOVE_RIGHT, Speed.FAST),
        ClipSpec(name="static"),
        _simple(P.ROLL_CLOCKWISE, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "rolling_shutter", rolling_shutter=ROLLING_SHUTTER_READOUT))
    for spec in [
        _simple(P.PAN_RIGHT, Speed.REGULAR),
        _simple(P.ZOOM_IN, Speed.REGULAR),
        _simple(P.MOVE_IN, Speed.REGULAR),
        ClipSpec(name="static"),
        _simple(P.TILT_DOWN, Speed.REGULAR),
        _simple(P.MOVE_LEFT, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "lens_distortion", lens_k1=LENS_K1))
    for spec, overlays in [
        (_simple(P.PAN_LEFT, Speed.SLOW), ("logo",)),
        (_simple(P.MOVE_IN, Speed.REGULAR), ("subtitles",)),
        (_simple(P.TILT_UP, Speed.REGULAR), ("letterbox",)),
        (_simple(P.ZOOM_OUT, Speed.REGULAR), ("pillarbox",)),
        (ClipSpec(name="static"), ("logo", "subtitles")),
        (_simple(P.MOVE_RIGHT, Speed.REGULAR), ("logo", "letterbox")),
        (_simple(P.PAN_RIGHT, Speed.SLOW), ("subtitles", "pillarbox")),
        (_simple(P.ROLL_COUNTERCLOCKWISE, Speed.REGULAR), ("logo", "subtitles", "letterbox")),
    ]:
        out.append(_with_knob(spec, "static_overlay", overlays=overlays))
    for i in range(4):
        out.append(_with_knob(ClipSpec(name=f"static_{i}"), "large_subject", large_subject=True))
    for spec in [
        ClipSpec(name="static"),
        _simple(P.PAN_RIGHT, Speed.SLOW),
        _simple(P.MOVE_IN, Speed.REGULAR),
        _simple(P.ZOOM_IN, Speed.REGULAR),
        _simple(P.TILT_DOWN, Speed.REGULAR),
    ]:
        out.append(_with_knob(spec, "exposure_flicker", flicker=0.25))
    for spec, after in [
        (_simple(P.PAN_LEFT, Speed.REGULAR), ((P.MOVE_IN, _mag(P.MOVE_IN, Speed.REGULAR)),)),
        (ClipSpec(name="static"), ((P.PAN_RIGHT, _mag(P.PAN_RIGHT, Speed.REGULAR)),)),
        (_simple(P.MOVE_RIGHT, Speed.REGULAR), ()),
    ]:
        out.append(_with_knob(spec, "scene_cut", scene_cut=True, cut_moves=after))
    for prim in (P.PAN_LEFT, P.PAN_RIGHT, P.MOVE_LEFT, P.TILT_DOWN, P.MOVE_IN):
        spec = _simple(prim, Speed.FAST)
        moves = tuple((p, m * LOW_FPS_SPEEDUP) for p, m in spec.moves)
        out.append(_with_knob(spec, "low_fps_fast_motion", fps=LOW_FPS, moves=moves))
    for prim in (P.PAN_RIGHT, P.PAN_LEFT):
        # the fast class's 28 deg, but over a third of the 30 s clip: 2.8 deg/s, slower than the
        # standard slow pan (8 deg in 2.5 s, 3.2 deg/s); it was labelled fast ("pans right quickly")
        spec = dataclasses.replace(_simple(prim, Speed.FAST), speed=Speed.SLOW)
        out.append(
            _with_knob(
                dataclasses.replace(spec, name=f"{prim.value.lower()}_hold_back"),
                "long_changing_motion",
                duration_s=LONG_CLIP_S,
                profile="there_hold_back",
            )
        )
    return out


#: Two moves whose first and last lines of sight meet ahead of the camera (3.4-4.3 m at the
#: presets' magnitudes): the camera circles that point, an arc (a truck with a pan the other way)
#: or a crane (a pedestal with a tilt the other way), whose directions the taxonomy leaves
#: ambiguous (rule 3). The random extras drew them as clear Move_Right + Pan_Left (and clear No
#: elsewhere, clear negatives of the arc tasks); they are not drawn.
ARC_LIKE_PAIRS: frozenset[frozenset[Primitive]] = frozenset(
    {
        frozenset({P.MOVE_LEFT, P.PAN_RIGHT}),  # arc clockwise
        frozenset({P.MOVE_RIGHT, P.PAN_LEFT}),  # arc counterclockwise
        frozenset({P.MOVE_UP, P.TILT_DOWN}),  # crane up
        frozenset({P.MOVE_DOWN, P.TILT_UP}),  # crane down
    }
)


PRESETS = ("standard", "hard")
#: :func:`~camerabench.synth.generate.generate_dataset`'s defaults (here, so the command line
#: shows them without importing the renderer): the preset, the frame size (width, height) in
#: pixels, the frame rate and the seed.
DEFAULT_PRESET = "standard"
DEFAULT_SIZE = (320, 192)
DEFAULT_FPS = 10.0
DEFAULT_SEED = 0


#: height over width of the frames in which the lens knob's ``k1`` is :data:`LENS_K1` (the default size's)
LENS_REFERENCE_ASPECT = DEFAULT_SIZE[1] / DEFAULT_SIZE[0]


def lens_k1_for_size(width: int, height: int) -> float:
    """The lens knob's barrel distortion ``k1`` in a ``width`` x ``height`` frame.

    :data:`LENS_K1` in frames as wide as :data:`LENS_REFERENCE_ASPECT` (5:3) or wider, 16:9
    included. In a taller frame the corners lie farther out in normalised coordinates (the focal
    length is set from the width), and ``k1 = -0.25`` folded the picture back there (4:3, square
    and portrait frames were refused): there ``k1`` is scaled by ``(1 + a0^2) / (1 + a^2)``, ``a``
    the frame's height over width and ``a0`` the reference's, so that ``k1 r_c^2``, the
    distortion's share of the corner radius ``r_c``, is the same as in a 5:3 frame (about 13%
    at the shortest focal length a first frame gets, inside the 14.8% where the radial model
    folds back: :func:`~camerabench.synth.nuisances.check_lens_fold`).

    Example:
        >>> lens_k1_for_size(320, 192), lens_k1_for_size(320, 180), round(lens_k1_for_size(640, 480), 4)
        (-0.25, -0.25, -0.2176)
    """
    ratio = (1.0 + (height / width) ** 2) / (1.0 + LENS_REFERENCE_ASPECT**2)
    return LENS_K1 / max(1.0, ratio)


def preset_specs(
    preset: str, clips: int | None = None, seed: int = 0, size: tuple[int, int] | None = None
) -> list[ClipSpec]:
    """The clip specs of a preset.

    Args:
        preset: ``standard`` or ``hard``.
        clips: how many (default: the full preset). Fewer takes the first ``clips``; more
            appends random compositions of two primitives drawn from ``seed``, without
            repeating a pair until every pair (:func:`extra_pairs`) has been drawn.
        seed: seed for the random extras.
        size: the frame size (width, height) the clips are rendered at: the lens knob's clips get
            :func:`lens_k1_for_size` (default: :data:`LENS_K1`, which folds back in frames taller
            than about 0.72 of their width).

    Example:
        >>> [s.name for s in preset_specs("standard", 3)]
        ['static', 'move_in', 'move_out']
    """
    if preset == "standard":
        specs = _standard()
    elif preset == "hard":
        specs = _hard()
        if size is not None:
            k1 = lens_k1_for_size(*size)
            specs = [dataclasses.replace(s, lens_k1=k1) if s.knobs.get("lens_distortion") else s for s in specs]
    else:
        raise ValueError(f"unknown preset {preset!r}; choose from {PRESETS}")
    if clips is None:
        return specs
    if clips < 1:
        raise ValueError(f"clips must be at least 1, got {clips}")
    if clips <= len(specs):
        return specs[:clips]
    rng = np.random.default_rng([seed, 7])
    extra: list[ClipSpec] = []
    pairs = extra_pairs()
    pool: list[tuple[Primitive, Primitive]] = []
    while len(specs) + len(extra) < clips:
        # every pair once (in a random order) before any repeats: random draws with replacement
        # repeated pairs (seed 1, 90 clips: tilt_down + pan_left three times)
        if not pool:
            pool = [pairs[int(i)] for i in rng.permutation(len(pairs))]
        p1, p2 = pool.pop()
        if rng.integers(2):
            p1, p2 = p2, p1
        speed = [Speed.SLOW, Speed.REGULAR, Speed.FAST][int(rng.integers(3))]
        extra.append(_combo((p1, p2), speed))
    return specs + extra


def extra_pairs() -> list[tuple[Primitive, Primitive]]:
    """The two-move compositions the random extras of :func:`preset_specs` draw from: every
    unordered pair of direction primitives on two different axes (opposite directions on one axis
    cancel out) that is not in :data:`ARC_LIKE_PAIRS` (an arc or crane, labelled as two clear moves).

    Example:
        >>> len(extra_pairs())
        80
    """
    return [
        (p1, p2)
        for i, p1 in enumerate(_DIRECTIONS)
        for p2 in _DIRECTIONS[i + 1 :]
        if p1.axis != p2.axis and frozenset((p1, p2)) not in ARC_LIKE_PAIRS
    ]
