"""Trajectory metrics through evo: APE and RPE after Sim(3) alignment, per clip and aggregated.

The estimate ``RUN/<method>/trajectories/<stem>.npz`` is associated with the ground truth
``DATA/gt/<stem>.npz`` (or ``<stem>.txt``, TUM) by timestamp (``evo.core.sync``), aligned
with a similarity transform, and compared with ``evo.core.metrics.APE`` / ``RPE``.

Alignment: evo's Umeyama Sim(3) (``traj.align(ref, correct_scale=True)``) when the camera
centres span a plane or a volume. Umeyama is undefined on straight-line or static paths
(dolly, truck, pan, tilt, zoom clips): evo raises ``GeometryException`` (or, on nearly
collinear paths, returns a rotation about the line fitted to noise). Those clips are aligned
with the orientations as well (:func:`orientation_sim3`): the rotation is the chordal mean of
``R_gt_i R_est_i^T`` and scale and translation the least-squares fit of the centres under
that rotation. Every clip's record says which alignment it used; no clip is dropped.
A path is a line (a point) when its spread off its best line (around its centre) is not clearly
above its own position noise: at most :data:`NOISE_FACTOR` (10) times the noise measured on the
path itself (:func:`_position_noise`: the residual of local cubic fits in time, robustly), or
float round-off (:data:`COLLINEAR_RATIO`, :data:`STATIC_RATIO`). Round-off alone was the test
before: a 2 m dolly with 0.1 mm jitter (second over first singular value 1.9e-4) got Umeyama and an
APE rotation of 66.75 degrees for identical orientations (178 in one evaluated run), a tripod pan
whose centre jitters by 0.1 mm 84-94 degrees and a scale of 0.13; both now get
:func:`orientation_sim3` (rotation error 0), the pan's translation errors and scale NaN as for a
fixed centre. Above 10 times the noise, Umeyama's rotation about the line is off by at most about
8 degrees (:data:`NOISE_FACTOR`). Of the synthetic presets' ground truths (``standard``: 57,
``hard``: 90 shots), the arcs and cranes keep Umeyama; only the handheld-shake clips changed (a
line or a point with 4 mm white shake, 0.8-1.2 times its spread off the line or around the
centre), to a line (3) or a point (4 of ``hard``, ``static_shaky`` of ``standard``). A path of
fewer than :data:`NOISE_WINDOW` + 2 poses has no noise estimate: round-off alone.

When the ground-truth camera does not translate (pan, tilt, roll, zoom, static clips), the
translation errors and the alignment ``scale`` are NaN with a note: a similarity alignment can
shrink any estimated translation onto the fixed centre, so no error would be measured and no
scale is determined. Rotation errors remain.
When the estimated camera does not translate, any scale aligns it equally well: the errors are
measured, the reported ``scale`` is NaN with a note (and the record's ``static_estimate``).

Rotation blocks that :func:`~camerabench.trajectory.pose_problem` accepts (orthonormal within
its tolerance, 1e-3: float32 files, rounded text) are projected onto SO(3) (their nearest
rotation) before evo sees them: evo's rotation angle refuses any block off by more than 1e-6.

Association is one to one: each ground-truth pose takes the estimated pose nearest in time
(within half its median frame gap), and an estimated pose nearest to two ground-truth poses goes to
the closer one. evo's ``associate_trajectories`` starts from the trajectory with fewer poses and
can give one pose to several of the other: a 30 fps estimate of the first third of a 10 fps clip
(fewer poses than the ground truth, yet denser) had each ground-truth pose compared three times.

When the associated poses cover only part of the ground truth's time (an estimate of part of
the clip) or of the estimate's, the errors are those of that part: the clip's record says so in
its ``note`` (and ``partial``), and one warning counts such clips. No number is made from timings
that do not describe the same seconds; these are refused (ValueError, a failed clip whose reason
says what the timestamps look like):

- fewer than :data:`MIN_MATCHED` associated poses;
- associated poses spanning under :data:`MIN_OVERLAP` of the shorter trajectory's time span (the
  two are offset in time: neither lies within the other);
- one trajectory's time span and median time step both :data:`UNIT_RATIO` or more times the
  other's, to a relative 1e-9 (frame indices, milliseconds or nanoseconds against seconds: these
  can still overlap the other's seconds and be associated, each pose with the wrong one; without
  the tolerance, frame indices 0-49 against a 10 fps ground truth, a step ratio of
  9.999999999999991, were paired 5 poses wrongly, APE 1.37 and 136 degrees, where 25 and 100
  poses were refused).

The messages name absolute (Unix) times against times from 0, a constant offset and the likely
unit. No offset or unit is guessed and corrected: a file's time origin is not documented by TUM.
An estimate with fewer poses than the ground truth whose times start at the ground truth's and end
early is paired on the assumption that it starts at the clip's first frame (an estimate of frames
10-99 whose times were written from 0 is indistinguishable from one of frames 0-89): its record
says so (``start_assumed``, and the note) and one warning counts such clips; the importer's
``start_frame`` (:mod:`camerabench.baselines.geometry.importers`) times such an estimate from
where it began.

Units: translation errors are in ground-truth units (the estimate is scaled onto it),
rotation errors in degrees.

RPE is over consecutive associated poses (evo's ``RPE`` with ``delta = 1`` frame of the associated
pairs): its step is the coarser of the two trajectories' sampling steps (an estimate sampled at 5
fps against 30 fps ground truth: pairs 0.2 s apart; a 30 fps estimate against 10 fps ground truth:
0.1 s). The record's ``rpe_step_s`` is the median time between the paired poses and ``rpe_pairs``
their number: a keyframe-only estimate (DROID-SLAM's keyframes, sparse and irregular) is measured
keyframe to keyframe, over a longer step than a dense method's, and its RPE is comparable only with
figures of a like ``rpe_step_s``. A pair whose poses are more than :data:`RPE_GAP_FACTOR` times that
step apart (in ground-truth time) spans a gap, where the estimate lost tracking or the ground truth
has no poses: it compares seconds of motion with the other pairs' one step and is left out of RPE
(evo gives each consecutive pair's error, ``RPE.error``; the RMSE is taken over the others), counted
in ``rpe_gap_pairs`` and said in the ``note``; one warning counts such clips. Fewer than
:data:`MIN_RPE_PAIRS` pairs left: RPE is NaN (note, and counted in that warning). APE uses every
associated pose.

RPE over a fixed time span: evo's RPE takes its step in frames, metres or degrees, not seconds, so
a consecutive-pose RPE of a 30 fps estimate (pairs 1/30 s apart) and of a 10 fps one (0.1 s) of the
same motion differ about threefold. ``rpe_delta_s`` (of :func:`trajectory_errors` and
:func:`trajectory_section`) pairs each associated pose with the one nearest ``rpe_delta_s`` seconds
later (within half the coarser sampling step), as the TUM benchmark's ``evaluate_rpe.py`` does with
``--delta_unit s``, and has evo's RPE measure those pairs: the same span whatever the frame rates
(``rpe_step_s`` is then about ``rpe_delta_s``). Poses finding no partner across a gap are counted in
``rpe_gap_pairs``. A span shorter than the sampling step has no pair (RPE NaN; the record's
``rpe_span_short``): the warning counting clips under :data:`MIN_RPE_PAIRS` pairs says how many are
so and how many have a span about as long as the clip (it asked "is the span longer than the
clips?" of both). The default (None) keeps the consecutive-pose RPE described above.

Scene cuts: a synthetic clip with a cut has ground truth in two unrelated world frames (the
camera "turns" 158 degrees and jumps 6.8 m at the cut), and no alignment of one trajectory across
it means anything. Its npz records where each shot starts (:data:`GT_SHOT_STARTS`, written by
``camerabench synth`` since generator version 4). Such a clip is evaluated within one shot: the
shot every estimated pose lies in (the ``fast`` method estimates the longest shot), its record
carrying ``shot_frames`` ``[start, stop)`` and a note; an estimate with poses in more than one shot
fails with the reason (no errors, left out of the means). One warning counts the clips restricted
and one those left out (``failed`` counts the latter). The ground truth of older datasets, and a
TUM ``.txt`` ground truth, records no cut: it is evaluated whole (their manifest's
``nuisances.cut_frame`` names the cut). A cut is not guessed from a jump in the poses: a whip pan
or a low frame rate jumps too.
"""

from __future__ import annotations

import itertools
import logging
import math
import numbers
import unicodedata
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.ap import mean_ignoring_nan
from camerabench.eval.results import TrajectoryErrors, TrajectoryMeans, TrajectoryResult, escaped_text
from camerabench.runfolder import MethodRun, video_file_stem
from camerabench.trajectory import META_FOCAL_FIXED, Trajectory, pose_problem
from camerabench.trajectory_formats import load_npz, read_tum, to_evo

__all__ = [
    "COLLINEAR_RATIO",
    "ESTIMATE_NOISE_FACTOR",
    "GT_SHOT_STARTS",
    "MIN_MATCHED",
    "MIN_OVERLAP",
    "MIN_RPE_PAIRS",
    "NOISE_FACTOR",
    "NOISE_WINDOW",
    "RPE_GAP_FACTOR",
    "STATIC_FLOOR",
    "STATIC_RATIO",
    "UNIT_RATIO",
    "gt_shot_starts",
    "gt_trajectories",
    "orientation_sim3",
    "trajectory_errors",
    "trajectory_section",
]

log = logging.getLogger(__name__)

COLLINEAR_RATIO = 1e-6
"""Second / first singular value of the centre covariance below which a path counts as a line (or
below which its second singular value is round-off: :data:`STATIC_RATIO` of the largest coordinate,
times the square root of the number of centres)."""

STATIC_RATIO = 1e-12
"""Largest offset of a camera centre from their mean, as a fraction of the largest centre coordinate,
at or below which a camera counts as not translating: its centres then differ by float round-off
only (about 4500 units in the last place; 6 um at the 6.4e6 m of an Earth-centred position).
Relative, not a length: a trajectory in kilometres and the same one in millimetres, or a monocular
estimate at any scale, are judged alike. It was 1e-10, which called a 3 m path 1e11 m from the
origin (1.5e-5 m resolution there: 200000 units in the last place) 'not moving' and dropped its
translation errors."""
STATIC_FLOOR = 1e-15
"""Centres at the origin that differ by at most this are not translating whatever their largest
coordinate: the round-off left where unit-size translations cancel (a pose times its inverse, a
rotation-only chain) is a few times 2.2e-16, and its largest coordinate is that round-off itself,
so the relative test alone called such an estimate moving and fitted a scale to the round-off."""

NOISE_FACTOR = 10.0
"""Spread of the camera centres off their best line (around their centre), as a multiple of their
own position noise (:func:`_position_noise`), at or below which the path counts as a line (a point).
Umeyama's rotation about the line is fitted to the centres' offsets from it: with an off-line shape
of RMS ``S`` seen through noise ``sigma`` in each trajectory its error grows like
``atan(sqrt(2) sigma / S)``; a measured spread above 10 sigma (``S`` above ``sqrt(99)`` sigma) bounds
it by ``atan(sqrt(2 / 99))`` = 8.1 degrees (measured, a 2 m line with a bump of 10 sigma, 200 draws
each: at most 8.1 degrees at 12 poses, 4.4 at 25, 3.8 at 50; medians 1.6, 1.1, 0.8), where pure
noise (``S`` = 0: a dolly, a tripod, with jitter) measures a spread of about 1.1 sigma and gets an
arbitrary rotation (66.75 degrees on a 2 m dolly with 0.1 mm jitter, 84-94 on a tripod pan with
0.1 mm jitter, before this test). Around a point the same factor bounds the scale Umeyama (or
:func:`orientation_sim3`) would fit to the spread to about 10%: below it, no translation is measured."""

ESTIMATE_NOISE_FACTOR = 3.0
"""The same test for an estimate's line, looser: the ground truth says whether the motion is a line
(:data:`NOISE_FACTOR`); an estimate counts as one only when its spread off its line is within 3
sigma of its own noise (not clearly above it: a method that estimated a straight move, a
rotation-only chain with jitter). A noisy estimate of a curve is aligned by Umeyama as evo does
(measured: an estimate with 0.03 noise of a curve whose spread off its line is 5.6 times that
noise, as hostile test 10 has it, read as a line at 10 and lost evo's alignment)."""

NOISE_WINDOW = 7
"""Consecutive poses per local cubic fit of :func:`_position_noise` (3 degrees of freedom per
coordinate left for the noise); a path of fewer than ``NOISE_WINDOW + 2`` poses has no noise
estimate and is judged by :data:`COLLINEAR_RATIO` and :data:`STATIC_RATIO` (round-off) alone."""

MIN_MATCHED = 3
"""Fewest associated poses a clip's errors are measured on. Two poses give one relative pose
(RPE of a single pair) and a Sim(3) alignment (7 parameters) fitted to two centres and two
orientations: the errors would describe the fit, not the trajectory."""

MIN_OVERLAP = 0.5
"""Least fraction of the shorter trajectory's time span that the associated poses must span.
An estimate of part of a clip lies within the ground truth's time (fraction 1, measured with a
``partial`` note), and so does a ground truth of part of the estimate's; less than half means
the two are offset in time (clocks with different origins), where poses are matched with the
wrong ones."""

UNIT_RATIO = 10.0
"""Ratio of time spans and of median time steps from which two trajectories' timestamps are
taken to be in different units: frame indices of a video at 10 fps or more, milliseconds,
nanoseconds, against seconds. An estimate of a tenth of a clip at ten times the ground truth's
pose rate would also reach it; a legitimate difference in rate (30 fps estimate, 10 fps ground
truth) or in coverage (an estimate of the first second) reaches one ratio, not both."""

RPE_GAP_FACTOR = 2.5
"""Time between two consecutive associated poses, as a multiple of the RPE step (the larger of the
estimate's and the ground truth's median time steps), beyond which the pair spans a gap and is left
out of RPE. Sampling a 24 fps clip at 5 fps gives steps of 4 and 5 frames (the median 5);
one dropped frame doubles a step and stays in; a lost-tracking gap of seconds is tens of steps."""

MIN_RPE_PAIRS = 2
"""Fewest pose pairs (left after gaps) an RPE is measured on: the fewest of a gap-free clip of
:data:`MIN_MATCHED` poses. One pair's error is that of a single relative pose."""

_METRICS = ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse")


def _roundoff(positions: NDArray[np.float64]) -> float:
    """The centres' float round-off: :data:`STATIC_RATIO` of their largest coordinate (or :data:`STATIC_FLOOR`)."""
    return max(STATIC_RATIO * float(np.max(np.abs(positions))), STATIC_FLOOR)


def _position_noise(values: NDArray[np.float64], times: NDArray[np.float64]) -> float:
    """Per-coordinate standard deviation of the noise in ``values`` (N, c) sampled at ``times``: NaN
    with fewer than :data:`NOISE_WINDOW` + 2 poses.

    Each run of :data:`NOISE_WINDOW` consecutive poses is fitted a cubic in time (least squares, on
    the poses' own times: irregular sampling and gaps are fitted as they are); its residual has
    ``NOISE_WINDOW - 4`` degrees of freedom per coordinate. A smooth motion leaves a residual of its
    fourth-order term only (a circle sampled 20 times per turn: 1e-3 of its radius), white noise its
    variance: the median of the windows' residual variances, divided by the median of a chi-square
    over its degrees of freedom (Wilson-Hilferty), estimates the noise's variance, robust to the few
    windows where the motion jerks (a start, a stop, a gap).
    """
    n, c = values.shape
    w = NOISE_WINDOW
    if n < w + 2:
        return math.nan
    idx = np.arange(n - w + 1)[:, None] + np.arange(w)
    t = times[idx] - times[idx].mean(axis=1, keepdims=True)
    t = t / np.max(np.abs(t), axis=1, keepdims=True)  # times increase: no window spans 0 s
    design = t[..., None] ** np.arange(4)  # (M, w, 4)
    y = values[idx]  # (M, w, c)
    resid = y - design @ (np.linalg.pinv(design) @ y)
    dof = (w - 4) * c
    var = (resid**2).sum(axis=(1, 2)) / dof
    return math.sqrt(float(np.median(var)) / (1.0 - 2.0 / (9.0 * dof)) ** 3)


def _is_point(positions: NDArray[np.float64], times: NDArray[np.float64] | None = None) -> bool:
    """Whether the centres differ by no more than :data:`STATIC_RATIO` of their largest coordinate
    (or :data:`STATIC_FLOOR`), or (with their ``times``) their spread around their centre (RMS along
    its largest direction) is at most :data:`NOISE_FACTOR` times their noise (:func:`_position_noise`)."""
    centred = positions - positions.mean(axis=0)
    if float(np.max(np.abs(centred))) <= _roundoff(positions):
        return True
    if times is None:
        return False
    spread = float(np.linalg.svd(centred, compute_uv=False)[0]) / math.sqrt(len(centred))
    return bool(spread <= NOISE_FACTOR * _position_noise(centred, times))  # NaN noise: False


def _is_line_or_point(positions: NDArray[np.float64], times: NDArray[np.float64], factor: float = NOISE_FACTOR) -> bool:
    """Whether the centres (at ``times``) are a point (:func:`_is_point`) or a line: their spread
    off the best line (RMS along the largest direction across it) is at most :data:`COLLINEAR_RATIO`
    of that along it, round-off, or ``factor`` times the noise of their offsets across it
    (:data:`NOISE_FACTOR` for a ground truth, :data:`ESTIMATE_NOISE_FACTOR` for an estimate)."""
    if _is_point(positions, times):
        return True
    centred = positions - positions.mean(axis=0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    # off the line by round-off only: a dolly far from the origin, whose centres are rounded to
    # the float grid there, is still a line (Umeyama would fit the rotation about it to the rounding)
    if sv[1] <= max(COLLINEAR_RATIO * sv[0], _roundoff(positions) * math.sqrt(len(positions))):
        return True
    across = centred @ vt[1:].T  # (N, 2): the offsets from the line, whose noise Umeyama would rotate about it to
    return bool(sv[1] / math.sqrt(len(positions)) <= factor * _position_noise(across, times))


def _pose_array(value: Any, name: str) -> NDArray[np.float64]:
    """``value`` (an array or nested sequences of real numbers) as a float64 array; named in a
    ValueError when it holds no real numbers (complex values, texts, ragged rows)."""
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must hold real numbers, got complex values")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be an (N, 4, 4) array of real numbers, got {type(value).__name__}: {exc}"
        ) from None


def orientation_sim3(
    est_c2w: NDArray[np.float64], ref_c2w: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Similarity (R, t, s) mapping the estimate onto the reference, using orientations.

    ``R`` = projection onto SO(3) of sum_i R_ref_i R_est_i^T (chordal L2 mean); then
    ``s >= 0, t`` minimise sum_i |p_ref_i - (s R p_est_i + t)|^2. When the estimated centres
    do not move (:data:`STATIC_RATIO`), the scale is undetermined and set to 1.

    Args:
        est_c2w: (N, 4, 4) estimated camera-to-world poses.
        ref_c2w: (N, 4, 4) reference poses associated with them.

    Returns:
        ``(R (3, 3), t (3,), s)`` such that ``x_ref = s R x_est + t``.

    Raises:
        ValueError: the poses are not both (N, 4, 4) arrays of real numbers with N > 0 (array-likes,
            such as a list of 4x4 arrays, are converted), or hold a NaN or infinite value (named:
            the SVD of the rotations would not converge).
    """
    est_c2w, ref_c2w = _pose_array(est_c2w, "est_c2w"), _pose_array(ref_c2w, "ref_c2w")
    if est_c2w.ndim != 3 or est_c2w.shape[1:] != (4, 4) or est_c2w.shape != ref_c2w.shape or not len(est_c2w):
        raise ValueError(f"poses must both be (N, 4, 4) with N > 0, got {est_c2w.shape} and {ref_c2w.shape}")
    for name, poses in (("est_c2w", est_c2w), ("ref_c2w", ref_c2w)):
        bad = ~np.isfinite(poses).all(axis=(1, 2))
        if bad.any():
            raise ValueError(
                f"{name}: pose {int(np.argmax(bad))} holds a NaN or infinite value ({int(bad.sum())} of {len(poses)} "
                "poses do): no similarity can be fitted"
            )
    m = np.einsum("nij,nkj->ik", ref_c2w[:, :3, :3], est_c2w[:, :3, :3])
    u, _, vt = np.linalg.svd(m)
    d = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    p_est, p_ref = est_c2w[:, :3, 3], ref_c2w[:, :3, 3]
    e_c = (p_est - p_est.mean(axis=0)) @ rot.T
    r_c = p_ref - p_ref.mean(axis=0)
    if _is_point(p_est):
        scale = 1.0
    else:
        # s >= 0: if the estimate runs against the reference, the best non-negative scale is 0;
        # e_c divided by its largest coordinate first, so that its squares neither under- nor overflow
        size = float(np.max(np.abs(e_c)))
        e_n = e_c / size
        scale = max(0.0, float((r_c * e_n).sum() / (e_n**2).sum()) / size)
    trans = p_ref.mean(axis=0) - scale * rot @ p_est.mean(axis=0)
    return rot, trans, scale


def _relative_focal(traj: Trajectory, idx: NDArray[np.int64]) -> NDArray[np.float64] | None:
    f = traj.focal_px
    return None if f is None else np.asarray(f[idx] / f[idx[0]])


def _seconds(value: object, name: str, zero: bool) -> float:
    """``value`` as a float number of seconds: a real number (Python or numpy; not a bool, not a
    text), finite, and positive (or zero, when ``zero``).

    Raises:
        CameraBenchError: naming ``name`` and the value found.
    """
    bound = "non-negative" if zero else "positive"
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise CameraBenchError(
            f"{name} must be a {bound} finite number of seconds, got {type(value).__name__} {value!r}"
        )
    seconds = float(value)
    if not (math.isfinite(seconds) and (seconds >= 0.0 if zero else seconds > 0.0)):
        raise CameraBenchError(f"{name} must be a {bound} finite number of seconds, got {value!r}")
    return seconds


def trajectory_errors(
    est: Trajectory, ref: Trajectory, max_diff_s: float | None = None, rpe_delta_s: float | None = None
) -> dict[str, Any]:
    """APE / RPE of one estimate against its reference after Sim(3) alignment.

    Args:
        est: the method's trajectory.
        ref: the ground truth.
        max_diff_s: association tolerance in seconds, finite and >= 0 (0: equal timestamps only;
            default: half the reference frame gap).
        rpe_delta_s: RPE over pose pairs this many seconds apart (:func:`_rpe_pairs_at`), the same
            for every frame rate; None (default): over consecutive associated poses, whose step is
            the coarser sampling step (``rpe_step_s`` says which).

    Returns:
        ``{"ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse",
        "alignment", "scale", "matched_poses", "rpe_pairs", "rpe_gap_pairs", "rpe_step_s",
        "zoom_log_ratio_rmse"}`` (RPE's pairs, those left out across a gap, their median time step), with
        ``"note"`` (why a value is NaN, or what the errors cover), ``"partial": True``,
        ``"static_estimate": True`` and ``"rpe_span_short": True`` (``rpe_delta_s`` under the
        sampling step: no RPE pair) when they apply.

    Raises:
        ValueError: either trajectory is not a rigid camera trajectory
            (:func:`~camerabench.trajectory.pose_problem`: non-finite poses, rotation blocks
            that are not rotations, timestamps that do not increase, non-positive focal
            lengths), or their timestamps do not describe the same seconds: fewer than
            :data:`MIN_MATCHED` poses associated, an overlap under :data:`MIN_OVERLAP`, units
            apart by :data:`UNIT_RATIO` (the message says what the timestamps look like).
        CameraBenchError: ``rpe_delta_s`` is not a positive finite number of seconds, or
            ``max_diff_s`` not a non-negative finite one (a real number, Python's or numpy's;
            not a bool or a text).
        TypeError: ``est`` or ``ref`` is not a :class:`~camerabench.trajectory.Trajectory`.
    """
    from evo.core import metrics
    from evo.core.geometry import GeometryException
    from evo.core.lie_algebra import se3

    for what, traj in (("est", est), ("ref", ref)):
        if not isinstance(traj, Trajectory):
            raise TypeError(
                f"trajectory_errors: {what} must be a camerabench.trajectory.Trajectory (poses, intrinsics and "
                f"timestamps; camerabench.trajectory_formats.load_npz reads one), got {type(traj).__name__}"
            )
    if rpe_delta_s is not None:
        rpe_delta_s = _seconds(rpe_delta_s, "rpe_delta_s", zero=False)
    if max_diff_s is not None:
        max_diff_s = _seconds(max_diff_s, "max_diff_s", zero=True)
    for what, traj in (("estimate", est), ("ground truth", ref)):
        problem = pose_problem(traj)
        if problem is not None:
            raise ValueError(f"{what}: {problem}")
    est, ref = _on_so3(est), _on_so3(ref)
    if max_diff_s is None:
        gaps = np.diff(ref.timestamps)
        max_diff_s = 0.5 * float(np.median(gaps)) if gaps.size else 0.01
    unit = _unit_mismatch(est.timestamps, ref.timestamps)
    if unit is not None:
        raise ValueError(f"timestamps of the estimate and the ground truth are not in the same unit: {unit}")
    ri, ei = _associate(ref.timestamps, est.timestamps, max_diff_s)
    n = len(ri)
    if n == 0:
        raise ValueError(
            f"estimate and ground truth cannot be associated by timestamp: no estimated pose within {max_diff_s:.3g} "
            f"s of a ground-truth one; {_timing_hint(est.timestamps, ref.timestamps)}"
        )
    if n < MIN_MATCHED:
        raise ValueError(
            f"only {n} pose(s) of the estimate match ground-truth timestamps within {max_diff_s:.3g} s (at least "
            f"{MIN_MATCHED} are needed); {_timing_hint(est.timestamps, ref.timestamps)}"
        )
    matched_span = float(ref.timestamps[ri[-1]] - ref.timestamps[ri[0]])
    shorter = min(_duration(est.timestamps), _duration(ref.timestamps))
    if matched_span < MIN_OVERLAP * shorter:
        raise ValueError(
            f"estimate and ground truth overlap in time over {_span(ref.timestamps[ri])} only ({n} poses), "
            f"{matched_span / shorter:.0%} of the shorter one's {shorter:.3g} s (at least {MIN_OVERLAP:.0%} needed); "
            f"{_timing_hint(est.timestamps, ref.timestamps)}"
        )
    ref_evo, est_evo = to_evo(ref), to_evo(est)
    ref_evo.reduce_to_ids(ri)
    est_evo.reduce_to_ids(ei)
    ref_pos, est_pos = ref_evo.positions_xyz, est_evo.positions_xyz
    alignment = "sim3_umeyama"
    if _is_line_or_point(ref_pos, ref_evo.timestamps) or _is_line_or_point(
        est_pos, est_evo.timestamps, ESTIMATE_NOISE_FACTOR
    ):
        alignment = "sim3_orientation"
    else:
        try:
            _, _, scale = est_evo.align(ref_evo, correct_scale=True)
        except GeometryException:
            alignment = "sim3_orientation"
    if alignment == "sim3_orientation":
        rot, trans, scale = orientation_sim3(np.stack(est_evo.poses_se3), np.stack(ref_evo.poses_se3))
        est_evo.scale(scale)
        est_evo.transform(se3(rot, trans))
    out: dict[str, Any] = {"alignment": alignment, "scale": float(scale), "matched_poses": int(n)}
    notes = []
    gt_static = _is_point(ref_pos, ref_evo.timestamps)
    if gt_static:  # orientation_sim3's scale fitted centres that do not move: 0 (or round-off), said below
        out["scale"] = math.nan
    if _is_point(est_pos, est_evo.timestamps):  # aligned by orientation_sim3 (scale 1, or fitted to noise)
        out["scale"] = math.nan
        out["static_estimate"] = True
        notes.append("estimated camera centre does not move: the alignment scale is undefined")
    elif scale == 0.0 and not gt_static:  # the best non-negative scale for an estimate moving against the reference
        notes.append(
            "the estimated centres move against the ground truth's: the best non-negative scale is 0, which "
            "shrinks the estimate to a point (translation errors are the ground truth's spread)"
        )
    coverage = _coverage_note(est.timestamps, ref.timestamps, ref_evo.timestamps)
    if coverage is not None:
        out["partial"] = True
        notes.append(coverage)
    start = _start_assumed_note(est.timestamps, ref.timestamps)
    if start is not None:
        out["start_assumed"] = True
        notes.append(start)
    if gt_static:
        notes.append(
            "ground-truth camera centre does not move: translation errors and the alignment scale are "
            "undefined (a Sim(3) alignment may shrink any estimated translation to a point)"
        )
    sampling_step = max(_step(est.timestamps), _step(ref.timestamps))
    if rpe_delta_s is None:
        rpe_keep, rpe_note = _rpe_pairs(ref_evo.timestamps, sampling_step)
        pair_ids = np.flatnonzero(rpe_keep)
        pairs = np.c_[pair_ids, pair_ids + 1]
        rpe_gaps = int(rpe_keep.size - rpe_keep.sum())
    else:
        pairs, rpe_gaps, rpe_note = _rpe_pairs_at(ref_evo.timestamps, float(rpe_delta_s), sampling_step)
        if rpe_delta_s < sampling_step * (1.0 - 1e-9):  # _rpe_pairs_at's "shorter than the sampling step"
            out["rpe_span_short"] = True
    out["rpe_pairs"] = len(pairs)
    out["rpe_gap_pairs"] = rpe_gaps
    pair_spans = ref_evo.timestamps[pairs[:, 1]] - ref_evo.timestamps[pairs[:, 0]]
    out["rpe_step_s"] = float(np.median(pair_spans)) if len(pairs) else math.nan
    rpe_defined = out["rpe_pairs"] >= MIN_RPE_PAIRS
    if rpe_note is not None:
        notes.append(rpe_note)
    if notes:
        out["note"] = "; ".join(notes)
        log.debug("trajectory error: %s", out["note"])  # counted in one warning by trajectory_section
    data = (ref_evo, est_evo)
    for key, relation in (
        ("ape_trans_rmse", metrics.PoseRelation.translation_part),
        ("ape_rot_deg_rmse", metrics.PoseRelation.rotation_angle_deg),
    ):
        if gt_static and relation is metrics.PoseRelation.translation_part:
            out[key] = math.nan
            continue
        ape = metrics.APE(relation)
        ape.process_data(data)
        out[key] = float(ape.get_statistic(metrics.StatisticsType.rmse))
    for key, relation in (
        ("rpe_trans_rmse", metrics.PoseRelation.translation_part),
        ("rpe_rot_deg_rmse", metrics.PoseRelation.rotation_angle_deg),
    ):
        if (gt_static and relation is metrics.PoseRelation.translation_part) or not rpe_defined:
            out[key] = math.nan
            continue
        rpe = metrics.RPE(relation, delta=1, delta_unit=metrics.Unit.frames, all_pairs=False)
        if rpe_delta_s is None:
            rpe.process_data(data)
            # evo's consecutive pairs (i, i + 1): error i is pair i's; RMSE over the pairs within no gap
            if list(rpe.delta_ids) != list(range(1, n)) or len(rpe.error) != n - 1:
                raise RuntimeError(f"evo's RPE gave pairs {rpe.delta_ids[:5]}... for {n} poses, not consecutive ones")
            out[key] = float(np.sqrt(np.mean(np.square(rpe.error[rpe_keep]))))
        else:
            # evo's RPE of consecutive poses over the pairs laid end to end (i1, j1, i2, j2, ...):
            # its errors 0, 2, 4, ... are those of the pairs (i, j)
            rpe.process_data((_pair_path(ref_evo, pairs), _pair_path(est_evo, pairs)))
            if len(rpe.error) != 2 * len(pairs) - 1:
                raise RuntimeError(f"evo's RPE gave {len(rpe.error)} errors for {len(pairs)} pose pairs end to end")
            out[key] = float(np.sqrt(np.mean(np.square(rpe.error[0::2]))))
    out["zoom_log_ratio_rmse"] = _zoom_error(est, ref, est_evo.timestamps, ref_evo.timestamps)
    return out


def _rpe_pairs(ts: NDArray[np.float64], step: float) -> tuple[NDArray[np.bool_], str | None]:
    """Which consecutive pairs of the associated poses (times ``ts``) RPE uses, and a note on those
    it leaves out (or on too few left), or None.

    A pair whose poses are more than :data:`RPE_GAP_FACTOR` times ``step`` apart spans a gap.
    """
    dt = np.diff(ts)
    limit = RPE_GAP_FACTOR * step
    keep = dt <= limit * (1.0 + 1e-9)
    parts = []
    gaps = int(keep.size - keep.sum())
    if gaps:
        k = int(np.argmax(dt))
        parts.append(
            f"{gaps} of {dt.size} RPE pairs left out: their poses are more than {RPE_GAP_FACTOR:g} times the "
            f"step ({step:.3g} s) apart, a gap in the poses (lost tracking, or keyframes far apart); the "
            f"longest {float(dt[k]):.3g} s, from {float(ts[k]):.4g} s"
        )
    if int(keep.sum()) < MIN_RPE_PAIRS:
        parts.append(
            f"RPE undefined: {int(keep.sum())} pair(s) of consecutive poses within no gap (at least "
            f"{MIN_RPE_PAIRS} needed)"
        )
    return keep, "; ".join(parts) or None


def _rpe_pairs_at(
    ts: NDArray[np.float64], delta: float, sampling_step: float
) -> tuple[NDArray[np.int64], int, str | None]:
    """Pose pairs ``(i, j)`` (indices into the associated poses, times ``ts``) ``delta`` seconds
    apart, the count of poses that found no partner across a gap, and a note, or None.

    As the TUM benchmark's ``evaluate_rpe.py`` with ``--delta_unit s`` pairs them: each pose ``i``
    with the pose nearest in time to ``ts[i] + delta``, here accepted within half the coarser
    sampling step (``sampling_step``, the larger of the estimate's and the ground truth's median
    time steps) so that every pair spans ``delta`` to within half a frame whatever the frame rate.
    A pose whose ``ts[i] + delta`` lies within the poses' time but has no pose that near (a gap:
    lost tracking, keyframes far apart) has no pair and is counted. A ``delta`` under the
    sampling step gives no pair (the poses are not that close): RPE undefined, said in the note.
    """
    tol = 0.5 * sampling_step * (1.0 + 1e-9) + 1e-12 * max(1.0, float(np.max(np.abs(ts))))
    parts = []
    if delta < sampling_step * (1.0 - 1e-9):
        parts.append(
            f"RPE undefined: its span {delta:.3g} s is shorter than the poses' sampling step {sampling_step:.3g} s "
            "(no two poses that close)"
        )
        return np.empty((0, 2), dtype=np.int64), 0, "; ".join(parts)
    target = ts + delta
    j = np.clip(np.searchsorted(ts, target), 1, len(ts) - 1)
    j = np.where(np.abs(ts[j - 1] - target) <= np.abs(ts[j] - target), j - 1, j)
    ok = (np.abs(ts[j] - target) <= tol) & (j > np.arange(len(ts)))
    within = target <= ts[-1] + tol  # a pair there is expected: the poses reach that far
    gaps = int((within & ~ok).sum())
    pairs = np.c_[np.flatnonzero(ok), j[ok]].astype(np.int64)
    if gaps:
        parts.append(
            f"{gaps} pose(s) with no pose {delta:.3g} s later (within {tol:.3g} s) for RPE: a gap in the poses "
            "(lost tracking, or keyframes far apart)"
        )
    if len(pairs) < MIN_RPE_PAIRS:
        parts.append(
            f"RPE undefined: {len(pairs)} pair(s) of poses {delta:.3g} s apart (at least {MIN_RPE_PAIRS} needed)"
        )
    return pairs.reshape(-1, 2), gaps, "; ".join(parts) or None


def _pair_path(traj: Any, pairs: NDArray[np.int64]) -> Any:
    """An evo ``PosePath3D`` of ``traj``'s poses of ``pairs`` laid end to end: i1, j1, i2, j2, ..."""
    from evo.core.trajectory import PosePath3D

    return PosePath3D(poses_se3=[traj.poses_se3[int(k)] for k in pairs.reshape(-1)])


def _start_assumed_note(est_ts: NDArray[np.float64], ref_ts: NDArray[np.float64]) -> str | None:
    """A note when the pairing rests on the estimate starting at the clip's first frame, else None.

    That is when the estimate has fewer poses than the ground truth, its times start at the
    ground truth's (within half a ground-truth frame gap) and it ends before the ground truth
    does (by more than a frame gap of either, as :func:`_coverage_note` counts): an estimate of
    frames 10 to 99 of a 100-frame clip whose times were written from 0 looks exactly like this
    (an estimate of frames 0 to 89), and is paired frame 10 with frame 0. Timestamps cannot tell
    the two apart; the importer's ``start_frame`` says where such an estimate began.
    """
    if len(est_ts) >= len(ref_ts) or len(ref_ts) < 2:
        return None
    gaps = [float(np.median(np.diff(t))) for t in (est_ts, ref_ts) if len(t) > 1]
    ref_gap = float(np.median(np.diff(ref_ts)))
    if abs(float(est_ts[0] - ref_ts[0])) > 0.5 * ref_gap + 1e-9:
        return None
    if float(ref_ts[-1] - est_ts[-1]) <= 1e-9 + max(gaps) + 0.5 * ref_gap:
        return None
    return (
        f"pairing assumes the estimate starts at the clip's first frame: its {len(est_ts)} poses (fewer than the "
        f"ground truth's {len(ref_ts)}) start at the ground truth's time {float(ref_ts[0]):.4g} s and end at "
        f"{float(est_ts[-1]):.4g} s, before its {float(ref_ts[-1]):.4g} s; an estimate that began at a later frame "
        "but wrote its times from 0 is paired with the wrong poses (give the trajectory importer start_frame)"
    )


def _on_so3(traj: Trajectory) -> Trajectory:
    """``traj`` with each rotation block replaced by its nearest rotation (``U V^T`` of its SVD) and
    the bottom rows made ``[0, 0, 0, 1]``, where they are not exactly so.

    :func:`~camerabench.trajectory.pose_problem` accepts blocks off by up to 1e-3 (storage
    precision), evo's ``so3_log`` refuses those off by more than 1e-6: a rotation stored as
    1.00001 R raised evo's ``LieAlgebraException`` out of the evaluation of every method.
    """
    c2w = traj.cam_c2w
    rot = c2w[:, :3, :3]
    off = np.abs(np.einsum("nji,njk->nik", rot, rot) - np.eye(3)).max(axis=(1, 2)) > 0.0
    off |= (c2w[:, 3, :] != np.array([0.0, 0.0, 0.0, 1.0])).any(axis=1)
    if not off.any():
        return traj
    fixed = c2w.copy()
    u, _, vt = np.linalg.svd(rot[off])
    fixed[off, :3, :3] = u @ vt  # det +1: pose_problem refused blocks whose det is not within 1e-3 of 1
    fixed[:, 3, :] = [0.0, 0.0, 0.0, 1.0]
    return Trajectory(fixed, traj.intrinsic, traj.timestamps, traj.meta)


def _span(ts: NDArray[np.float64]) -> str:
    return f"{float(ts[0]):.3g}-{float(ts[-1]):.3g} s"


def _duration(ts: NDArray[np.float64]) -> float:
    return float(ts[-1] - ts[0])


def _step(ts: NDArray[np.float64]) -> float:
    """Median time step (0 for a single pose)."""
    return float(np.median(np.diff(ts))) if len(ts) > 1 else 0.0


def _associate(
    ref_ts: NDArray[np.float64], est_ts: NDArray[np.float64], max_diff: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """One-to-one association: indices ``(ref, est)`` of pose pairs, increasing in both.

    Each ground-truth pose takes the nearest estimated pose within ``max_diff``
    (``evo.core.sync.matching_time_indices``); an estimated pose so taken by several (a ground
    truth locally denser than half its median step) stays with the closest only (the earlier
    on a tie).
    """
    from evo.core.sync import matching_time_indices

    r, e = matching_time_indices(ref_ts, est_ts, max_diff)
    ri, ei = np.asarray(r, dtype=np.int64), np.asarray(e, dtype=np.int64)
    if not len(ri):
        return ri, ei
    dt = np.abs(ref_ts[ri] - est_ts[ei])
    order = np.lexsort((dt, ei))  # by estimated pose, the closest first
    keep = np.sort(order[np.r_[True, np.diff(ei[order]) != 0]])
    return ri[keep], ei[keep]


def _timing(ts: NDArray[np.float64]) -> str:
    return f"{len(ts)} poses from {float(ts[0]):.10g} to {float(ts[-1]):.10g} s, median step {_step(ts):.3g} s"


def _unit_name(ratio: float) -> str:
    """The unit a span ``ratio`` times that of seconds suggests."""
    for factor, name in ((1e9, "nanoseconds"), (1e6, "microseconds"), (1e3, "milliseconds")):
        if factor / 2 <= ratio <= factor * 2:
            return name
    return f"frame indices (a ratio of {ratio:.3g}: frames at about {ratio:.3g} fps)"


_UNIT_TOLERANCE = 1e-9
"""Relative tolerance of the :data:`UNIT_RATIO` comparison: float round-off in spans and steps."""


def _unit_mismatch(est_ts: NDArray[np.float64], ref_ts: NDArray[np.float64]) -> str | None:
    """What unit one trajectory's timestamps seem to be in against the other's seconds, when their
    spans and median steps both differ by :data:`UNIT_RATIO` or more; else None."""
    pairs = (("estimate", est_ts, "ground truth", ref_ts), ("ground truth", ref_ts, "estimate", est_ts))
    for what, ts, other, other_ts in pairs:
        span, other_span = _duration(ts), _duration(other_ts)
        step, other_step = _step(ts), _step(other_ts)
        if min(span, other_span, step, other_step) <= 0.0:
            continue
        ratio = span / other_span
        # relative tolerance: frame indices 0..49 against 10 fps seconds give a step ratio of 9.999999999999991
        if min(ratio, step / other_step) >= UNIT_RATIO * (1.0 - _UNIT_TOLERANCE):
            return (
                f"the {what}'s span {span:.4g} (median step {step:.3g}) where the {other}'s span {other_span:.4g} s "
                f"(median step {other_step:.3g} s): {_unit_name(ratio)} in the {what} rather than seconds? "
                f"({what}: {_timing(ts)}; {other}: {_timing(other_ts)})"
            )
    return None


#: First timestamp from which a time is taken as absolute: Unix seconds are past 1e9 since 2001
#: (1e8 is 1973), Unix nanoseconds (EuRoC, ROS bags) past 1e17; a clip's own time is far below.
_ABSOLUTE_S = 1e8
_ABSOLUTE_NS = 1e17


def _timing_hint(est_ts: NDArray[np.float64], ref_ts: NDArray[np.float64]) -> str:
    """Both trajectories' timing and what a mismatch between them looks like (absolute times, an
    offset between their clocks), for a refusal."""
    timing = f"estimate: {_timing(est_ts)}; ground truth: {_timing(ref_ts)}"
    for what, ts, other, other_ts in (
        ("estimate", est_ts, "ground truth", ref_ts),
        ("ground truth", ref_ts, "estimate", est_ts),
    ):
        start, other_start = abs(float(ts[0])), abs(float(other_ts[0]))
        if start >= _ABSOLUTE_S and other_start < _ABSOLUTE_S:
            kind = "Unix times in nanoseconds (EuRoC, ROS)" if start >= _ABSOLUTE_NS else "absolute (Unix) times"
            return (
                f"the {what}'s timestamps start at {float(ts[0]):.4g} s: {kind}? the {other}'s start at "
                f"{float(other_ts[0]):.4g} s ({timing})"
            )
    offset = float(est_ts[0] - ref_ts[0])
    spans = sorted((_duration(est_ts), _duration(ref_ts)))
    if spans[0] > 0 and spans[1] <= 1.5 * spans[0] and abs(offset) > 0.5 * spans[0]:
        return (
            f"the two span {spans[0]:.3g} and {spans[1]:.3g} s but the estimate starts {offset:+.4g} s from the ground "
            f"truth: an offset between their clocks (the estimate started at another frame, or its times from "
            f"another origin)? ({timing})"
        )
    return timing


def _coverage_note(
    est_ts: NDArray[np.float64], ref_ts: NDArray[np.float64], matched_ts: NDArray[np.float64]
) -> str | None:
    """Why the associated poses cover only part of the ground truth or of the estimate, or None.

    The errors are measured on the associated poses only; an estimate of the first second of a
    ten-second clip (a run that decoded part of the video) would otherwise get the errors of
    that second as the clip's, with no sign. A part shorter than one frame gap of either
    trajectory (a lower frame rate ends a little earlier), plus the association tolerance (half
    a ground-truth frame gap), does not count; two frames of the same rate left out do.
    """
    gaps = [float(np.median(np.diff(t))) for t in (est_ts, ref_ts) if len(t) > 1]
    ref_gap = float(np.median(np.diff(ref_ts))) if len(ref_ts) > 1 else 0.0
    slack = 1e-9 + max(gaps, default=0.0) + 0.5 * ref_gap
    first, last = float(matched_ts[0]), float(matched_ts[-1])
    parts = []
    for what, ts in (("ground truth", ref_ts), ("estimate", est_ts)):
        if first - float(ts[0]) > slack or float(ts[-1]) - last > slack:
            parts.append(f"the {what} spans {_span(ts)}")
    if not parts:
        return None
    return (
        f"errors measured on the associated poses only ({len(matched_ts)} over {_span(matched_ts)}), "
        f"but {' and '.join(parts)}"
    )


def _zoom_error(est: Trajectory, ref: Trajectory, est_ts: NDArray[np.float64], ref_ts: NDArray[np.float64]) -> float:
    """RMSE of log(f_i / f_0) between estimate and reference: NaN without intrinsics, or when the
    estimate's focal length was held fixed (``meta[META_FOCAL_FIXED]``: MegaSaM's single K,
    DROID-SLAM's calibration, a COLMAP model with one shared camera), whose zoom is unknown, not a
    measured "none" (a zoom-in clip imported so read an error of 0.24, as if the method had
    measured no zoom)."""
    if est.intrinsic is None or ref.intrinsic is None or est.meta.get(META_FOCAL_FIXED):
        return math.nan
    ei = np.searchsorted(est.timestamps, est_ts).clip(0, len(est) - 1)
    ri = np.searchsorted(ref.timestamps, ref_ts).clip(0, len(ref) - 1)
    fe, fr = _relative_focal(est, ei), _relative_focal(ref, ri)
    if fe is None or fr is None:
        return math.nan
    return float(np.sqrt(np.mean((np.log(fe) - np.log(fr)) ** 2)))


def _nanmedian(values: list[float]) -> float:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else math.nan


def gt_trajectories(gt_dir: Path) -> dict[str, Path]:
    """Clip stem -> ground-truth file (``.npz`` preferred over ``.txt``)."""
    if not gt_dir.is_dir():
        return {}
    out: dict[str, Path] = {p.stem: p for p in sorted(gt_dir.glob("*.txt"))}
    out.update({p.stem: p for p in sorted(gt_dir.glob("*.npz"))})
    return dict(sorted(out.items()))


def _load_gt(path: Path) -> Trajectory:
    return load_npz(path) if path.suffix == ".npz" else read_tum(path)


#: The key of a ground-truth npz's shot starts (frame indices where each shot begins, ``[0, cut]``
#: for a clip with a scene cut), as :mod:`camerabench.synth.generate` writes it (its
#: ``GT_SHOT_STARTS``: eval does not import synth).
GT_SHOT_STARTS = "shot_starts"


def gt_shot_starts(path: Path, num_poses: int) -> list[int]:
    """The frame indices where the shots of the ground truth ``path`` (``num_poses`` poses) start:
    :data:`GT_SHOT_STARTS` of an npz, ``[0]`` (one shot) when the file records none.

    Raises:
        FileFormatError: the npz cannot be read, or its shot starts are not increasing integer frame
            indices starting at 0 and below ``num_poses``.
    """
    if path.suffix != ".npz":
        return [0]
    try:
        with np.load(path, allow_pickle=False) as data:
            if GT_SHOT_STARTS not in data.files:
                return [0]
            value = np.asarray(data[GT_SHOT_STARTS])
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise FileFormatError(path, f"cannot read npz: {exc}") from exc
    if (
        value.ndim != 1
        or value.size == 0
        or value.dtype.kind not in "iu"
        or int(value[0]) != 0
        or bool((np.diff(value) <= 0).any())
        or int(value[-1]) >= num_poses
    ):
        raise FileFormatError(
            path,
            f"{GT_SHOT_STARTS} must be increasing integer frame indices from 0 below its {num_poses} poses, "
            f"got {value.tolist()!r} (dtype {value.dtype})",
        )
    return [int(v) for v in value]


def _shot_of(est: Trajectory, ref: Trajectory, starts: list[int]) -> tuple[int, int] | str:
    """``(start, stop)`` of the ground-truth shot every estimated pose lies in (within half a
    ground-truth frame gap of its first and last time), or why there is none."""
    ts = ref.timestamps
    tol = 0.5 * float(np.median(np.diff(ts))) if len(ts) > 1 else 0.0
    bounds = [*starts, len(ts)]
    lo, hi = float(est.timestamps.min()), float(est.timestamps.max())
    for start, stop in itertools.pairwise(bounds):
        if lo >= ts[start] - tol and hi <= ts[stop - 1] + tol:
            return start, stop
    shots = ", ".join(f"frames {a}-{b - 1} ({_span(ts[a:b])})" for a, b in itertools.pairwise(bounds))
    return (
        f"the ground truth has a scene cut (shots: {shots}; the shots are in unrelated world frames) and the "
        f"estimate's poses ({_span(est.timestamps)}) do not lie within one shot: no alignment across a cut "
        f"means anything (estimate one shot, as the fast method does the longest)"
    )


def _shot_part(traj: Trajectory, start: int, stop: int) -> Trajectory:
    intrinsic = None if traj.intrinsic is None else traj.intrinsic[start:stop]
    return Trajectory(traj.cam_c2w[start:stop], intrinsic, traj.timestamps[start:stop], meta=dict(traj.meta))


def trajectory_section(
    gt_files: Mapping[str, Path],
    run: MethodRun,
    videos: Collection[str] | None = None,
    rpe_delta_s: float | None = None,
) -> tuple[TrajectoryResult, list[dict[str, Any]]] | None:
    """The ``trajectory`` section of one method (None if it wrote no trajectories and is no
    trajectory method: ``run.json``'s ``method_kind`` is not ``geometric``).

    A geometric method's run whose every video failed still gets its section, with 0 of N clips
    evaluated, its failures counted and the errors NaN (with a warning): otherwise those clips
    were counted in no trajectory figure at all.

    Every ground-truth clip gets a row: ``ok`` with its errors, ``failed`` with the reason
    (the method's recorded failure, or why evaluation was impossible) or ``missing``. Errors
    are aggregated over the ``ok`` clips under either failed-sample policy (an error has no
    worst value to stand in for a failure); failed and missing clips are counted.

    Trajectory files named for no video of the dataset (``videos``; without them, for no
    ground-truth clip), such as ``clip.npz`` for a video ``clip.mov`` whose file is
    ``%clip.mov.npz``, are named in a warning: their clips would otherwise count as missing
    with no sign why.

    ``rpe_delta_s``: as :func:`trajectory_errors` takes it (None: RPE over consecutive poses).
    """
    geometric = run.info is not None and run.info.method_kind == "geometric"
    if not gt_files or not (run.has_trajectories or geometric):
        return None
    known = set(gt_files) if videos is None else {video_file_stem(v) for v in videos}
    stray = sorted(p.stem for p in run.trajectories_dir.glob("*.npz") if p.stem not in known)
    if stray:
        log.warning(
            "%s: %d trajectory file(s) in %s are named for no video of the dataset (e.g. %s.npz): not "
            "evaluated; a video's file is named by camerabench.runfolder.video_file_stem (e.g. %s.npz)",
            escaped_text(run.name),
            len(stray),
            escaped_text(str(run.trajectories_dir)),
            escaped_text(stray[0]),
            escaped_text(next(iter(gt_files))),
        )
        by_form = {unicodedata.normalize("NFC", k): k for k in known}
        other = [s for s in stray if unicodedata.normalize("NFC", s) in by_form]
        if other:  # the names print alike: show their code points
            log.warning(
                "%s: %d of them differ from a video's file name only in Unicode form (e.g. %a.npz, the video's "
                "%a.npz: accents composed differently, as in file names written on macOS); rename them as the "
                "dataset spells its videos",
                escaped_text(run.name),
                len(other),
                other[0],
                by_form[unicodedata.normalize("NFC", other[0])],
            )
    failures = run.info.failures if run.info else {}
    failures_by_stem = {video_file_stem(v): r for v, r in failures.items()}
    rows: list[dict[str, Any]] = []
    for stem, gt_path in gt_files.items():
        row: dict[str, Any] = {"clip": stem}
        est_path = run.trajectories_dir / f"{stem}.npz"
        if not est_path.is_file():
            reason = failures_by_stem.get(stem)
            row.update({"status": "failed" if reason else "missing", "reason": reason or "no trajectory file"})
            rows.append(row)
            continue
        starts: list[int] = [0]
        shot: tuple[int, int] | str | None = None
        try:
            est, ref = load_npz(est_path), _load_gt(gt_path)
            starts = gt_shot_starts(gt_path, len(ref))
            shot = _shot_of(est, ref, starts) if len(starts) > 1 else None
            if isinstance(shot, str):
                raise ValueError(shot)
            if shot is not None:
                ref = _shot_part(ref, *shot)
            errors = trajectory_errors(est, ref, rpe_delta_s=rpe_delta_s)
        except FileFormatError as exc:  # names its file
            log.warning("%s: trajectory of %s cannot be evaluated: %s", escaped_text(run.name), escaped_text(stem), exc)
            row.update({"status": "failed", "reason": str(exc)})
        except ValueError as exc:  # about the pair: both files named
            reason = f"{est_path} against the ground truth {gt_path}: {exc}"
            log.warning(
                "%s: trajectory of %s cannot be evaluated: %s", escaped_text(run.name), escaped_text(stem), reason
            )
            row.update({"status": "failed", "reason": reason})
            if isinstance(shot, str):
                row["scene_cut"] = True
        else:
            row.update({"status": "ok", **errors})
            if isinstance(shot, tuple):
                note = (
                    f"the ground truth has a scene cut (shots start at frames {starts}): evaluated within its shot "
                    f"of frames {shot[0]}-{shot[1] - 1}, where the estimate lies"
                )
                row.update({"shot_frames": list(shot), "note": "; ".join(filter(None, (note, row.get("note"))))})
        rows.append(row)
    ok = [r for r in rows if r["status"] == "ok"]
    restricted = [r["clip"] for r in ok if "shot_frames" in r]
    if restricted:
        log.warning(
            "%s: %d of %d evaluated trajectories have a scene cut in their ground truth, e.g. %s: evaluated within "
            "the one shot their estimate lies in (each clip's shot_frames and note say which)",
            escaped_text(run.name),
            len(restricted),
            len(ok),
            escaped_text(restricted[0]),
        )
    across = [r["clip"] for r in rows if r.get("scene_cut")]
    if across:
        log.warning(
            "%s: %d clip(s) with a scene cut in their ground truth have an estimate spanning more than one shot, "
            "e.g. %s: not evaluated (no errors; counted as failed, each clip's reason says why)",
            escaped_text(run.name),
            len(across),
            escaped_text(across[0]),
        )
    partial = [r["clip"] for r in ok if r.get("partial")]
    if partial:
        log.warning(
            "%s: %d of %d evaluated trajectories cover only part of their ground truth's time (or it only part "
            "of theirs), e.g. %s: their errors are over the associated poses only (each clip's note says which)",
            escaped_text(run.name),
            len(partial),
            len(ok),
            escaped_text(partial[0]),
        )
    assumed = [r["clip"] for r in ok if r.get("start_assumed")]
    if assumed:
        log.warning(
            "%s: %d of %d evaluated trajectories have fewer poses than their ground truth, start at its first time "
            "and end early, e.g. %s: pairing assumes they start at the clip's first frame; one that began at a "
            "later frame but wrote its times from 0 is paired with the wrong poses (import it with start_frame)",
            escaped_text(run.name),
            len(assumed),
            len(ok),
            escaped_text(assumed[0]),
        )
    gapped = [r["clip"] for r in ok if r.get("rpe_gap_pairs")]
    if gapped:
        no_rpe = sum(r["rpe_pairs"] < MIN_RPE_PAIRS for r in ok)
        if rpe_delta_s is None:
            what = f"gaps between consecutive poses (more than {RPE_GAP_FACTOR:g} times their step"
            left = "RPE pair(s) spanning them left out"
        else:  # _rpe_pairs_at: poses with no partner rpe_delta_s later
            what = f"poses with no pose {rpe_delta_s:g} s later (within half a sampling step"
            left = "pose(s) without an RPE pair"
        log.warning(
            "%s: %d of %d evaluated trajectories have %s: lost tracking, or keyframes far apart), e.g. %s: %d %s; "
            "%d clip(s) have under %d pairs left: RPE NaN, left out of the means (each clip's note says which)",
            escaped_text(run.name),
            len(gapped),
            len(ok),
            what,
            escaped_text(gapped[0]),
            sum(r["rpe_gap_pairs"] for r in ok),
            left,
            no_rpe,
            MIN_RPE_PAIRS,
        )
    short = [r["clip"] for r in ok if not r.get("rpe_gap_pairs") and r["rpe_pairs"] < MIN_RPE_PAIRS]
    if short:  # no gap: too few poses, or (with rpe_delta_s) a span shorter than the step or as long as the clip
        span = "consecutive poses" if rpe_delta_s is None else f"poses {rpe_delta_s:g} s apart"
        why = ""
        if rpe_delta_s is not None:
            below = sum(bool(r.get("rpe_span_short")) for r in ok if r["clip"] in short)
            kinds = []
            if below:
                kinds.append(f"{below} with the span shorter than their poses' sampling step")
            if len(short) - below:
                kinds.append(f"{len(short) - below} with the span about as long as the clip or longer, or few poses")
            why = f" ({'; '.join(kinds)})"
        log.warning(
            "%s: %d of %d evaluated trajectories have under %d pairs of %s%s, e.g. %s: RPE NaN, left out of the "
            "means (each clip's note says which)",
            escaped_text(run.name),
            len(short),
            len(ok),
            MIN_RPE_PAIRS,
            span,
            why,
            escaped_text(short[0]),
        )
    if not ok:
        log.warning(
            "%s: none of the %d clips with ground truth has an evaluated trajectory (%d failed, %d missing): "
            "trajectory errors NaN",
            escaped_text(run.name),
            len(rows),
            sum(r["status"] == "failed" for r in rows),
            sum(r["status"] == "missing" for r in rows),
        )
    no_translation = sum(not math.isfinite(r["ape_trans_rmse"]) for r in ok)
    # a static ground truth leaves the scale undefined too: those clips are counted in no_translation
    no_scale = sum(bool(r.get("static_estimate")) for r in ok)
    if no_translation or no_scale:
        log.warning(
            "%s: of %d evaluated trajectories, %d have undefined translation errors (the ground-truth camera "
            "centre does not move) and %d an undefined alignment scale (the estimated one does not): NaN, "
            "left out of the means (each clip's note says which)",
            escaped_text(run.name),
            len(ok),
            no_translation,
            no_scale,
        )
    section = TrajectoryResult(
        clips=len(rows),
        ok=len(ok),
        failed=sum(r["status"] == "failed" for r in rows),
        missing=sum(r["status"] == "missing" for r in rows),
        mean=TrajectoryMeans(**{k: mean_ignoring_nan([r[k] for r in ok]) for k in (*_METRICS, "zoom_log_ratio_rmse")}),
        median=TrajectoryErrors(**{k: _nanmedian([r[k] for r in ok]) for k in _METRICS}),
        clips_with_translation_error=sum(math.isfinite(r["ape_trans_rmse"]) for r in ok),
        alignment_counts={a: sum(r.get("alignment") == a for r in ok) for a in ("sim3_umeyama", "sim3_orientation")},
        units={"trans": "ground-truth units", "rot": "degrees"},
        # the step of the clips in the RPE means: a clip under MIN_RPE_PAIRS pairs has no RPE
        rpe_step_s=_nanmedian([r["rpe_step_s"] for r in ok if r["rpe_pairs"] >= MIN_RPE_PAIRS]),
        rpe_pairs=sum(r["rpe_pairs"] for r in ok),
        rpe_gap_pairs=sum(r["rpe_gap_pairs"] for r in ok),
        rpe_gap_clips=len(gapped),
        shot_clips=sum("shot_frames" in r for r in ok),
    )
    return section, rows
