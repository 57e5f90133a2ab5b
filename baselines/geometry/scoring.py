"""Camera trajectory -> camera-centric motion -> one continuous score per binary primitive.

Pure functions, no IO. Conventions (``taxonomy/primitives.yaml``): camera axes x right, y down,
z forward; motion relative to the FIRST frame, ``R_rel = R_c2w[0].T @ R_c2w[i]``,
``t_rel = R_c2w[0].T @ (C_i - C_0)``. Move_In = +t_z, Move_Right = +t_x, Move_Up = -t_y;
Pan_Right = positive rotation about the camera +y axis, Tilt_Up = positive rotation about +x,
Roll_Clockwise = positive rotation about +z; Zoom_In = focal length grows.

The zoom is known only from intrinsics measured per frame. A trajectory without intrinsics (TUM,
KITTI, poses without ``intrinsics.npy``), or with one K for the whole video (flagged
``meta[META_FOCAL_FIXED]``: MegaSaM's single ``intrinsic``, a COLMAP model whose images share one
camera) has :attr:`MotionSeries.zoom_known` False and :attr:`MotionSeries.zoom_unknown` says why;
its zoom component is then 0 for lack of a measurement, not a measured "no zoom", so neither the
zoom scores nor Static (a camera that only zooms looks still without it) mean anything.

Translation from monocular methods has an arbitrary scale. It is divided by the *scene scale*:
``traj.meta[META_SCENE_DEPTH]`` (median depth of the scene seen from the first frame, in the
trajectory's units) when the method knows it — then a translation of 0.1 means "a tenth of the
way to the scene", which is comparable across videos and with rotation in radians (both move
the image by about that fraction of the focal length). Without it the total camera path length
is used and :attr:`MotionSeries.translation_unit` says so. A camera centre that moves by no more
than noise does not move: its translation is zero, not float32 rounding blown up to a unit path.
Noise is the rounding of the positions (:func:`translation_noise_floor`, measured for float32 and
float64 poses, relative to the coordinates' magnitude) and, without a scene depth, the poses' own
jitter (:func:`translation_jitter`: a still camera's centre jitter divided by its own path length
read as a full-size move). Both are relative to the trajectory's own numbers: its units are
arbitrary (MegaSaM, CUT3R and DROID-SLAM are scale-free), so a dolly of 1e-9 units is a move.
Translation zeroed while the centre did move comes with a warning (:attr:`MotionSeries.notes`).
Positions far from the world origin (UTM, ECEF) are fine in float64: translation is taken relative
to the first camera centre before any other arithmetic, and float64 poses 6e6 from the origin
wander by nanometres. In float32 they are rounded to 0.25-0.5 m there, and moves under the float32
floor (metres) cannot be measured: a warning says so.

:func:`decompose` refuses (``PredictionError``) what is no rigid camera path
(:func:`camerabench.trajectory.pose_problem`): a reflection or a scaled rotation, timestamps out
of order, a focal length that is not positive and finite. Such input would otherwise give
numbers that look like motion. So is a single pose: it shows no motion at all, and would score
as a still camera.

Two scorers, selected by name (:data:`SCORERS`):

* ``camerabench``: the published mapping (design.md B5), verbatim: last frame relative to the
  first, In = +dz, ..., Pan/Tilt/Roll = +/- Euler angles (degrees), Zoom = +/- (zoom - 1),
  Static = -max(|dx|, |dy|, |dz|, |angles| / 180, |zoom - 1|).
* ``default``: integrates frame-to-frame motion, each step expressed in the camera's own frame
  at that time (so a pan combined with a dolly is a dolly along the optical axis, not a
  sideways move), and scores each primitive by the largest excursion in its direction over the
  clip (maximum draw-up of the integrated signal), so a pan right and back is a pan right *and*
  a pan left, not static. Rotation in radians, translation in scene-depth units, zoom as the log
  focal ratio: all three approximate image motion in focal-length units. Static is minus the
  largest range of any component.

Example:
    >>> import numpy as np
    >>> from camerabench.trajectory import META_SCENE_DEPTH, Trajectory
    >>> c2w = np.tile(np.eye(4), (3, 1, 1))
    >>> c2w[:, 2, 3] = [0.0, 0.1, 0.2]          # forward along +z
    >>> traj = Trajectory(c2w, None, np.arange(3.0), meta={META_SCENE_DEPTH: 1.0})
    >>> s = trajectory_scores(traj, scorer="camerabench")
    >>> round(s[Primitive.MOVE_IN], 3), round(s[Primitive.MOVE_OUT], 3), round(s[Primitive.STATIC], 3)
    (0.2, -0.2, -0.2)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_FOCAL_FIXED, META_SCENE_DEPTH, Trajectory, pose_problem

__all__ = [
    "COMPONENTS",
    "SCORERS",
    "ZOOM_FOCAL_FIXED",
    "ZOOM_NO_INTRINSICS",
    "MotionSeries",
    "Scorer",
    "camerabench_scores",
    "component_excursions",
    "continuous_euler_deg",
    "decompose",
    "default_scores",
    "get_scorer",
    "max_drawup",
    "motion_scores",
    "stored_as_float32",
    "trajectory_scores",
    "translation_jitter",
    "translation_noise_floor",
    "zoom_unknown_reason",
]

log = logging.getLogger(__name__)

#: :attr:`MotionSeries.zoom_unknown` of a trajectory without intrinsics.
ZOOM_NO_INTRINSICS = "the trajectory has no intrinsics"
#: ... of one flagged ``meta[META_FOCAL_FIXED]``.
ZOOM_FOCAL_FIXED = (
    "the trajectory has one intrinsic matrix for the whole video (a focal length held fixed, not measured per frame)"
)


def zoom_unknown_reason(traj: Trajectory) -> str | None:
    """Why ``traj``'s zoom is unknown (:data:`ZOOM_NO_INTRINSICS`, :data:`ZOOM_FOCAL_FIXED`), or None
    when its intrinsics are measured per frame."""
    if traj.intrinsic is None:
        return ZOOM_NO_INTRINSICS
    if traj.meta.get(META_FOCAL_FIXED):
        return ZOOM_FOCAL_FIXED
    return None


#: Motion components in the order of :attr:`MotionSeries.components` columns; names are the
#: ``Primitive.axis`` values.
COMPONENTS: tuple[str, ...] = ("tx", "ty", "tz", "pitch", "yaw", "roll", "zoom")


@dataclass(frozen=True)
class MotionSeries:
    """Camera-centric motion of one trajectory, per frame.

    Attributes:
        timestamps: (N,) seconds.
        t_rel: (N, 3) camera centre relative to the first frame, in first-camera axes, divided by
            ``scale`` (x right, y down, z forward).
        euler_deg: (N, 3) ``(yaw, pitch, roll)`` of ``R_rel`` in degrees, intrinsic Y-X-Z order
            (pan about y, then tilt about the panned x, then roll about the optical axis),
            continuous along the clip (:func:`continuous_euler_deg`): a 360 deg pan ends at yaw
            360, not 0, and a tilt past 90 deg stays a tilt.
        zoom_ratio: (N,) focal length over the first frame's (all ones when the zoom is unknown).
        path: (N, 7) the integrated frame-to-frame motion, columns :data:`COMPONENTS`:
            translation steps in each previous camera's axes (scene-depth units), rotation steps as
            rotation vectors in each previous camera's axes (radians), and log zoom ratio.
        scale: what translation was divided by (trajectory units).
        translation_unit: ``"scene_depth"`` or ``"path_length"`` (how ``scale`` was chosen) or
            ``"none"`` (the camera does not move).
        zoom_known: False when the trajectory has no intrinsics, or one K for the whole video
            (``meta[META_FOCAL_FIXED]``): its focal length was not measured per frame.
        zoom_unknown: why the zoom is unknown (:func:`zoom_unknown_reason`), None when known.
        notes: warnings about the scores (each also logged): translation of a centre that moved
            but was read as not moving (float32 rounding far from the origin, jitter).
    """

    timestamps: NDArray[np.float64]
    t_rel: NDArray[np.float64]
    euler_deg: NDArray[np.float64]
    zoom_ratio: NDArray[np.float64]
    path: NDArray[np.float64]
    scale: float
    translation_unit: str
    zoom_known: bool
    zoom_unknown: str | None = None
    notes: tuple[str, ...] = ()

    def component(self, name: str) -> NDArray[np.float64]:
        """(N,) integrated path of one component (a :data:`COMPONENTS` name)."""
        return self.path[:, COMPONENTS.index(name)]


#: Camera-centre displacement, relative to the largest camera-centre coordinate, that is rounding
#: noise, not motion, in a trajectory that went through float32 (:func:`stored_as_float32`).
#: Measured with rotation-only trajectories (2-300 poses, centres 1e-3 to 1e6 from the world
#: origin, pans up to 720 deg) stored as float32 world-to-camera matrices or float32
#: ``[t, q_xyzw]`` rows (MegaSaM / DROID-SLAM ``poses.npy``) and turned back into camera-to-world
#: poses: the centre then wanders by at most 2.7e-7 of its coordinates; the floor is 37 times that.
TRANSLATION_NOISE_RELATIVE = 1e-5

#: The same for a trajectory whose numbers are float64 throughout (text files: TUM, KITTI,
#: COLMAP; float64 arrays). Measured as above (2-300 poses, centres 1e-3 to 1e7 from the origin,
#: pans of 10 to 720 deg, float64 world-to-camera matrices and ``[t, q_xyzw]`` rows turned back
#: into camera-to-world poses): the centre wanders by at most 7.2 float64 epsilons (1.6e-15) of
#: its coordinates; the floor is 256 epsilons (5.7e-14, 36 times that). UTM (5.4e6 m) or ECEF
#: (6.4e6 m) coordinates then have a floor of 0.3 to 0.4 nanometres, where the float32 one would
#: be 54 to 64 m and hide any camera move.
TRANSLATION_NOISE_RELATIVE_FLOAT64 = 256 * float(np.finfo(np.float64).eps)

#: Largest camera-centre wander measured from float32 rounding alone, relative to the largest
#: centre coordinate (the measurement of :data:`TRANSLATION_NOISE_RELATIVE`): a centre zeroed by the
#: float32 floor that moved more than this moved by more than rounding, and a warning says so.
TRANSLATION_ROUNDING_FLOAT32 = 2.7e-7

#: Translation floor, in scene depths, above which the float32 floor (:func:`translation_noise_floor`)
#: hides moves worth a warning even when the centre moved by rounding only: 1/30 of the smallest
#: translation a caption names (``describe.MIN_AMOUNT``, 0.03 scene depths). A MegaSaM trajectory at
#: its usual scale (coordinates of about 1, scene depth about 1) has a floor of 1e-5 scene depths and
#: stays silent; float32 UTM coordinates (5e6 m, floor 50 m) over a 10 m scene warn.
FLOAT32_HIDDEN_MOVE = 1e-3

#: Poses from which, without a scene depth, centre jitter is told from movement
#: (:func:`translation_jitter`): the fewest for which ``describe.NOISE_MIN_FRAMES`` tells them apart.
JITTER_MIN_POSES = 10

#: Without a scene depth, a centre whose largest displacement from the first is at most this many
#: times its jitter (:func:`translation_jitter`) is a still camera that jitters, not a move (its
#: jitter divided by its own path length read as a full-size move). Measured: white Gaussian centre
#: noise, 10 to 3,000 poses (20,000 draws each up to 100 poses, 2,000 above): the largest
#: displacement reached 6.2-7.3 times the jitter at the 99th percentile, 7.3-8.2 at the 99.9th, 11.0
#: at most (10 poses); a smoothstep-eased move over the whole path measures 112 times at 10 poses
#: (467 at 20), one eased over half the path and then held 44 (172 at 20). It is
#: ``describe.NOISE_MARGIN``, the margin the captions name a direction with. Relative to the
#: trajectory's own jitter, so it holds in any unit: it replaced an absolute floor of 1e-6 units that
#: read a dolly of 1e-7 units (MegaSaM, CUT3R and DROID-SLAM are scale-free) as a still camera.
JITTER_MARGIN = 12.0

#: How far (in float64 epsilons of its own magnitude) a camera-centre coordinate may be from a
#: float32 for :func:`stored_as_float32` to count it as one: a centre stored as float32 (MegaSaM,
#: CUT3R ``.npz``) is one exactly; a float64 number that is not a float32 is typically 1e7
#: epsilons of its own magnitude (a quarter of a float32 step) from the nearest one. Relative to
#: each pose's LARGEST coordinate (as it was), a float64 dolly from 0 to 1 m at (5e5, 4e6) read as
#: float32, and the 40 m float32 floor zeroed it.
_FLOAT32_MATCH_EPS = 64

#: The same for a world-to-camera translation recomputed in float64 from the camera-to-world pose
#: (``inv(c2w)``), relative to the magnitudes the inversion mixes into each coordinate
#: (``sum_i |R_ij| |C_i|``, :func:`stored_as_float32`). Measured on float32 world-to-camera poses
#: turned into camera-to-world ones in float64 and back (2-50 poses, centres 1e-3 to 1e7 from the
#: origin, random and near-identity rotations): ``[t, q]`` rows (``poses.npy``, 3,000 trajectories)
#: at most 10.5 epsilons of that bound; whole float32 4x4 matrices (rotation blocks not quite
#: orthonormal, 10,000 trajectories) at most 543. A rotation that mixes little leaves a small
#: coordinate its own small bound: the (5e5, 4e6) dolly is float64 by this test too.
_FLOAT32_W2C_MATCH_EPS = 2048


def _all_float32(values: NDArray[np.float64], magnitude: NDArray[np.float64], eps: int) -> bool:
    """Whether every entry of ``values`` is a float32 number, up to ``eps`` float64 epsilons of
    ``magnitude`` (same shape: an entry's own magnitude, or what arithmetic mixed into it)."""
    if not np.abs(values).max() <= np.finfo(np.float32).max:  # beyond float32's range
        return False
    rounded = values.astype(np.float32).astype(np.float64)
    tolerance = eps * float(np.finfo(np.float64).eps) * magnitude
    return bool((np.abs(values - rounded) <= tolerance).all())


def stored_as_float32(traj: Trajectory) -> bool:
    """Whether ``traj``'s camera positions went through float32: each coordinate of its camera
    centres, or of the translations of its world-to-camera poses, is a float32 number (to a few
    float64 roundings of its own magnitude, :data:`_FLOAT32_MATCH_EPS`, or of what the inversion
    of the pose mixed into it, :data:`_FLOAT32_W2C_MATCH_EPS`).

    MegaSaM and CUT3R ``.npz`` files and float32 ``poses.npy`` rows give such trajectories. A
    float64 trajectory whose coordinates all happen to be float32 numbers (whole metres, or
    multiples of 1/32 m around 5e5) cannot be told from one and is counted as float32.
    """
    c2w = traj.cam_c2w
    centres = c2w[:, :3, 3]
    if _all_float32(centres, np.abs(centres), _FLOAT32_MATCH_EPS):
        return True
    w2c_t = np.asarray(np.linalg.inv(c2w)[:, :3, 3], dtype=np.float64)
    mixed = np.einsum("nji,nj->ni", np.abs(c2w[:, :3, :3]), np.abs(centres))  # sum_i |R_ij| |C_i|
    return _all_float32(w2c_t, mixed, _FLOAT32_W2C_MATCH_EPS)


def translation_noise_floor(traj: Trajectory) -> float:
    """Largest camera-centre displacement (trajectory units) of ``traj`` that is rounding, not motion.

    A fraction of the largest centre coordinate: :data:`TRANSLATION_NOISE_RELATIVE` when the
    positions went through float32 (:func:`stored_as_float32`: rounding of poses far from the
    world origin), :data:`TRANSLATION_NOISE_RELATIVE_FLOAT64` otherwise. Relative to the
    trajectory's own coordinates, in whatever unit they are. Expects finite poses with rotation
    blocks (:func:`camerabench.trajectory.pose_problem` None), as :func:`decompose` checks first.
    """
    relative = TRANSLATION_NOISE_RELATIVE if stored_as_float32(traj) else TRANSLATION_NOISE_RELATIVE_FLOAT64
    return relative * float(np.abs(traj.positions).max())


def translation_jitter(positions: NDArray[np.float64]) -> float | None:
    """RMS jitter of camera centres (trajectory units, per axis) from their second differences
    (white noise of RMS s per axis gives second differences of RMS ``sqrt(6) s``; a smooth move
    almost none), or None for fewer than :data:`JITTER_MIN_POSES` poses, too few to tell jitter
    from movement.

    Example:
        >>> line = np.zeros((12, 3))
        >>> line[:, 2] = np.linspace(0.0, 1e-9, 12)  # a straight dolly: no jitter
        >>> float(translation_jitter(line)) < 1e-20
        True
    """
    if len(positions) < JITTER_MIN_POSES:
        return None
    rel = positions - positions[0]
    second = rel[2:] - 2.0 * rel[1:-1] + rel[:-2]
    return float(np.sqrt(np.mean(second**2) / 6.0))


def _scene_scale(traj: Trajectory) -> tuple[float, str, bool, tuple[str, ...]]:
    """(what translation is divided by, its :attr:`MotionSeries.translation_unit`, whether the
    camera centre moves more than noise, warnings about a centre that moved but is held still)."""
    depth = traj.meta.get(META_SCENE_DEPTH)
    positions = traj.positions
    displacement = float(np.linalg.norm(positions - positions[0], axis=1).max())
    floor = translation_noise_floor(traj)
    moves = displacement > floor
    notes: list[str] = []
    if depth is not None:
        # float() reads True and "1" as 1.0: a flag or a text is no depth, however it converts
        if isinstance(depth, (str, bytes)) or np.asarray(depth).dtype.kind in "bUS" or np.ndim(depth) != 0:
            raise CameraBenchError(
                f"trajectory meta {META_SCENE_DEPTH}={depth!r} must be a positive number, not a {type(depth).__name__}"
            )
        try:
            depth = float(depth)
        except (TypeError, ValueError):
            raise CameraBenchError(f"trajectory meta {META_SCENE_DEPTH}={depth!r} must be a positive number") from None
        if not np.isfinite(depth) or depth <= 0:
            raise CameraBenchError(f"trajectory meta {META_SCENE_DEPTH}={depth!r} must be a positive number")
    if not moves and displacement > 0 and floor > TRANSLATION_NOISE_RELATIVE_FLOAT64 * float(np.abs(positions).max()):
        notes.extend(_float32_hidden(positions, displacement, floor, depth))
        for note in notes:
            log.warning("%s", note)
    if depth is not None:
        return depth, "scene_depth", moves, tuple(notes)
    jitter = translation_jitter(positions) if moves else None
    if jitter is not None and displacement <= JITTER_MARGIN * jitter:
        notes.append(
            f"the camera centre moves by up to {displacement:.3g} (trajectory units, no scene depth), only "
            f"{displacement / jitter:.3g} times its jitter ({jitter:.3g} RMS, from its second differences; "
            f"a move needs more than {JITTER_MARGIN:g} times): read as a still camera that jitters, translation "
            "scores 0"
        )
        moves = False
        log.warning("%s", notes[-1])
    if not moves:
        return 1.0, "none", False, tuple(notes)
    steps = np.linalg.norm(np.diff(traj.positions, axis=0), axis=1)
    length = float(steps.sum())
    log.warning(
        "trajectory has no %s: translation divided by its path length (%.4g), so translation "
        "magnitudes are not comparable across videos",
        META_SCENE_DEPTH,
        length,
    )
    return length, "path_length", True, tuple(notes)


def _float32_hidden(
    positions: NDArray[np.float64], displacement: float, floor: float, depth: float | None
) -> list[str]:
    """The warning for float32 positions whose displacement the float32 floor zeroed, when it may
    hide a move: the centre moved more than float32 rounding alone does
    (:data:`TRANSLATION_ROUNDING_FLOAT32`), or the floor is at least :data:`FLOAT32_HIDDEN_MOVE`
    scene depths. [] otherwise (rounding of a camera that only turns, a floor too small to matter)."""
    far = np.abs(positions)
    coordinate = float(far.max())
    beyond_rounding = displacement > TRANSLATION_ROUNDING_FLOAT32 * coordinate
    visible = depth is not None and floor / float(depth) >= FLOAT32_HIDDEN_MOVE
    if not (beyond_rounding or visible):
        return []
    step = float(np.spacing(np.float32(coordinate)))
    in_depths = f" ({floor / float(depth):.3g} scene depths)" if depth is not None else ""
    return [
        f"the camera positions' float32 rounding ({step:.3g} at coordinate {coordinate:.4g}) hides motion "
        f"under it: a camera-centre displacement of up to {floor:.3g}{in_depths} cannot be told from rounding, "
        f"so the measured {displacement:.3g} is read as none and every translation score is 0 (store the "
        "poses in float64, or relative to a nearby origin)"
    ]


def continuous_euler_deg(rel_rot: NDArray[np.float64]) -> NDArray[np.float64]:
    """(N, 3) intrinsic Y-X-Z ``(yaw, pitch, roll)`` degrees of (N, 3, 3) rotations, continuous in N.

    Each rotation has two Euler triples, ``(y, p, r)`` and ``(y + 180, 180 - p, r + 180)``, each
    angle up to multiples of 360. scipy gives the one with ``|p| <= 90`` and angles in
    ``[-180, 180]``: a 360 deg pan ends at yaw 0 (static), a 180 deg tilt at yaw 180 and roll 180
    with no tilt. Here each frame takes the triple nearest the previous frame's (the first
    frame's is scipy's), which follows the camera as long as it turns less than 180 deg about
    an axis between two poses.

    Example:
        >>> yaw = Rotation.from_euler("Y", np.linspace(0.0, 360.0, 13)[:, None], degrees=True).as_matrix()
        >>> float(continuous_euler_deg(yaw)[-1, 0].round(6))
        360.0
        >>> tilt = Rotation.from_euler("X", np.linspace(0.0, 150.0, 7)[:, None], degrees=True).as_matrix()
        >>> continuous_euler_deg(tilt)[-1].round(6).tolist()
        [0.0, 150.0, 0.0]
    """
    raw = Rotation.from_matrix(rel_rot).as_euler("YXZ", degrees=True)
    alt = np.stack([raw[:, 0] + 180.0, 180.0 - raw[:, 1], raw[:, 2] + 180.0], axis=1)
    n = len(raw)
    if n < 2:
        return raw
    cands = np.stack([raw, alt])  # (2, N, 3): branch 0 is scipy's triple, 1 the other

    def wrap(d: NDArray[np.float64]) -> NDArray[np.float64]:
        return (d + 180.0) % 360.0 - 180.0  # each angle within 180 of 0

    # cost[a, b, i-1]: how far branch b of frame i is from branch a of frame i-1 (each angle taken
    # within 180 of it): only the branch chosen for frame i-1 matters, not its multiple of 360
    cost = np.abs(wrap(cands[None, :, 1:] - cands[:, None, :-1])).sum(axis=-1)
    # the branch frame i takes after branch a (ties to scipy's, as the nearest-first rule did)
    after = (cost[:, 1] < cost[:, 0]).astype(np.int8)  # (2, N-1)
    const = after[0] == after[1]  # the same branch after either: the choice does not depend on a
    swap = (after[0] == 1) & (after[1] == 0)  # the other branch after each
    # branch of frame i: the last frame j <= i with a constant choice fixes it, every swap since
    # flips it (frame 0 is scipy's: branch 0)
    idx = np.arange(1, n)
    last = np.maximum.accumulate(np.where(const, idx, 0))
    fixed = np.where(last > 0, after[0][np.maximum(last - 1, 0)], 0)
    swaps = np.concatenate([[0], np.cumsum(swap)])
    branch = np.concatenate([[0], (fixed + swaps[idx] - swaps[last]) % 2])
    chosen = cands[branch, np.arange(n)]
    # each frame within 180 of the previous, per angle: the previous plus the wrapped step
    steps = wrap(np.diff(chosen, axis=0))
    return np.concatenate([chosen[:1], chosen[:1] + np.cumsum(steps, axis=0)])


def decompose(traj: Trajectory) -> MotionSeries:
    """Camera-centric motion relative to the first frame (see module docstring).

    Args:
        traj: N >= 2 camera-to-world poses.

    Returns:
        The per-frame motion.

    Raises:
        PredictionError: the trajectory has a single pose (it shows no motion at all, which is
            not a still camera), or is not a rigid camera path in time order with positive
            finite focal lengths (the message names the first bad frame).
        CameraBenchError: ``traj.meta[META_SCENE_DEPTH]`` is not a positive number.
    """
    if len(traj) < 2:
        raise PredictionError(
            f"a trajectory of {len(traj)} pose shows no motion at all (not a still camera): scoring it needs two poses"
        )
    c2w = traj.cam_c2w
    finite = np.isfinite(c2w).all(axis=(1, 2))
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise PredictionError(
            f"the trajectory contains NaN or infinite poses: {len(bad)} of {len(traj)}, the first at frame {bad[0]}"
        )
    problem = pose_problem(traj)
    if problem is not None:
        raise PredictionError(f"not a usable camera trajectory: {problem}")
    rot_c2w = c2w[:, :3, :3]
    scale, unit, moves, notes = _scene_scale(traj)
    # A centre that moves by rounding noise only is held still (see translation_noise_floor).
    centres = c2w[:, :3, 3] if moves else np.broadcast_to(c2w[0, :3, 3], (len(traj), 3))
    r0 = rot_c2w[0]
    rel_rot = np.einsum("ji,njk->nik", r0, rot_c2w)  # R0^T @ R_i
    euler_deg = continuous_euler_deg(rel_rot)
    unknown = zoom_unknown_reason(traj)
    focal = traj.focal_px if unknown is None else None  # one fixed focal length measures no zoom
    step_rot = np.einsum("nji,njk->nik", rot_c2w[:-1], rot_c2w[1:])  # R_{k-1}^T R_k
    step_rotvec = Rotation.from_matrix(step_rot).as_rotvec()
    # Overflow (a focal length of 1e-320 px, a translation of 1e99 over a scene depth of 1e-300)
    # is refused below with its reason, not warned about and scored as inf or NaN.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
        t_rel = (centres - centres[0]) @ r0 / scale  # rows: R0^T (C_i - C_0)
        zoom_ratio = focal / focal[0] if focal is not None else np.ones(len(traj))
        log_zoom = np.log(zoom_ratio)
        # Frame-to-frame steps in the previous camera's axes, integrated.
        step_t = np.einsum("nji,nj->ni", rot_c2w[:-1], np.diff(centres, axis=0)) / scale
        # rotvec columns are (about x, about y, about z) = (pitch, yaw, roll)
        steps = np.concatenate([step_t, step_rotvec, np.diff(log_zoom)[:, None]], axis=1)
        path = np.concatenate([np.zeros((1, 7)), np.cumsum(steps, axis=0)], axis=0)
        drawups = np.abs(path - path[0]).max(axis=0) * 2  # max_drawup reaches at most twice this
    if focal is not None and not (np.isfinite(log_zoom).all() and np.isfinite(drawups[6])):
        i = int(np.argmax(~np.isfinite(log_zoom))) if not np.isfinite(log_zoom).all() else len(traj) - 1
        raise PredictionError(
            f"frame {i}: focal length {focal[i]:.3g} px against the first frame's {focal[0]:.3g} px: a zoom "
            "ratio beyond what can be computed with (a corrupt focal length?)"
        )
    if not (np.isfinite(t_rel).all() and np.isfinite(drawups[:3]).all()):
        raise PredictionError(
            f"camera translation of up to {float(np.abs(centres - centres[0]).max()):.3g} over a scale of "
            f"{scale:.3g} ({unit}) is beyond what can be computed with (a corrupt {META_SCENE_DEPTH}?)"
        )
    return MotionSeries(
        timestamps=traj.timestamps,
        t_rel=t_rel,
        euler_deg=euler_deg,
        zoom_ratio=zoom_ratio,
        path=path,
        scale=scale,
        translation_unit=unit,
        zoom_known=unknown is None,
        zoom_unknown=unknown,
        notes=notes,
    )


def max_drawup(series: NDArray[np.float64]) -> float:
    """Largest rise of a series: ``max_{j <= k} (s_k - s_j)`` (0 for a non-increasing one).

    Example:
        >>> max_drawup(np.array([0.0, 2.0, 1.0, 3.0, -1.0]))
        3.0
        >>> max_drawup(-np.array([0.0, 2.0, 1.0, 3.0, -1.0]))
        4.0
    """
    s = np.asarray(series, dtype=np.float64)
    if s.size == 0:
        return 0.0
    return float(np.max(s - np.minimum.accumulate(s)))


def component_excursions(motion: MotionSeries) -> dict[tuple[str, int], float]:
    """(component, sign) -> the largest excursion of the integrated path in that direction.

    Units: scene-depth units for translation, radians for rotation, log ratio for zoom.
    """
    out: dict[tuple[str, int], float] = {}
    for name in COMPONENTS:
        s = motion.component(name)
        out[(name, 1)] = max_drawup(s)
        out[(name, -1)] = max_drawup(-s)
    return out


Scorer = Callable[[MotionSeries], dict[Primitive, float]]


def camerabench_scores(motion: MotionSeries) -> dict[Primitive, float]:
    """The published CameraBench mapping (design.md B5), from the last frame's relative pose."""
    dx, dy, dz = (float(v) for v in motion.t_rel[-1])
    yaw, pitch, roll = (float(v) for v in motion.euler_deg[-1])
    zoom = float(motion.zoom_ratio[-1])
    value = {"tx": dx, "ty": dy, "tz": dz, "yaw": yaw, "pitch": pitch, "roll": roll, "zoom": zoom - 1.0}
    scores = {p: p.sign * value[p.axis] for p in Primitive if p is not Primitive.STATIC}
    scores[Primitive.STATIC] = -max(
        abs(dx), abs(dy), abs(dz), abs(yaw) / 180, abs(pitch) / 180, abs(roll) / 180, abs(zoom - 1)
    )
    return scores


def default_scores(motion: MotionSeries) -> dict[Primitive, float]:
    """Integrated frame-to-frame motion, largest excursion per direction (module docstring)."""
    exc = component_excursions(motion)
    scores = {p: exc[(p.axis, p.sign)] for p in Primitive if p is not Primitive.STATIC}
    ranges = [float(np.ptp(motion.component(c))) for c in COMPONENTS]
    scores[Primitive.STATIC] = -max(ranges)
    return scores


#: Scorer name -> function. ``default`` is used unless a method is given ``scorer=...``.
SCORERS: dict[str, Scorer] = {"default": default_scores, "camerabench": camerabench_scores}


def get_scorer(name: str) -> Scorer:
    """The scorer registered as ``name``.

    Raises:
        CameraBenchError: unknown name (the message lists the known ones).
    """
    if name not in SCORERS:
        raise CameraBenchError(f"unknown scorer {name!r} (known: {', '.join(SCORERS)})")
    return SCORERS[name]


def trajectory_scores(traj: Trajectory, scorer: str = "default") -> dict[Primitive, float]:
    """One finite score per primitive (higher = more likely yes) for a trajectory.

    Args:
        traj: the camera trajectory.
        scorer: a :data:`SCORERS` name.
    """
    return motion_scores(decompose(traj), scorer)


def motion_scores(motion: MotionSeries, scorer: str = "default") -> dict[Primitive, float]:
    """:func:`trajectory_scores` of a trajectory already decomposed (:func:`decompose`), so that a
    caller who needs the motion too decomposes it once (a million poses take seconds).

    Raises:
        PredictionError: a score is not finite.
    """
    scores = get_scorer(scorer)(motion)
    bad = [p.value for p, v in scores.items() if not np.isfinite(v)]
    if bad:
        raise PredictionError(f"non-finite motion scores for {bad}")
    return scores
