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

When the ground-truth camera does not translate (pan, tilt, roll, zoom, static clips), the
translation errors and the alignment ``scale`` are NaN with a note: a similarity alignment can
shrink any estimated translation onto the fixed centre, so no error would be measured and no
scale is determined. Rotation errors remain.
When the estimated camera does not translate, any scale aligns it equally well: the errors are
measured, the reported ``scale`` is NaN with a note (and the record's ``static_estimate``).

Rotation blocks that :func:`~camerabench.trajectory.pose_problem` accepts (orthonormal within
its tolerance, 1e-3: float32 files, rounded text) are projected onto SO(3) (their nearest
rotation) before evo sees them: evo's rotation angle refuses any block off by more than 1e-6.

When the associated poses cover only part of the ground truth's time (an estimate of part of
the clip, timestamps in frames rather than seconds) or of the estimate's, the errors are those of
that part: the clip's record says so in its ``note`` (and ``partial``), and one warning counts
such clips.

Units: translation errors are in ground-truth units (the estimate is scaled onto it),
rotation errors in degrees. RPE uses consecutive associated poses (delta = 1 frame).
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import FileFormatError
from camerabench.eval.ap import mean_ignoring_nan
from camerabench.eval.results import TrajectoryErrors, TrajectoryMeans, TrajectoryResult, escaped_text
from camerabench.runfolder import MethodRun, video_file_stem
from camerabench.trajectory import Trajectory, pose_problem
from camerabench.trajectory_formats import load_npz, read_tum, to_evo

__all__ = [
    "COLLINEAR_RATIO",
    "STATIC_FLOOR",
    "STATIC_RATIO",
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

_METRICS = ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse")


def _is_point(positions: NDArray[np.float64]) -> bool:
    """Whether the centres differ by no more than :data:`STATIC_RATIO` of their largest coordinate
    (or :data:`STATIC_FLOOR`)."""
    spread = float(np.max(np.abs(positions - positions.mean(axis=0))))
    return spread <= max(STATIC_RATIO * float(np.max(np.abs(positions))), STATIC_FLOOR)


def _is_line_or_point(positions: NDArray[np.float64]) -> bool:
    if _is_point(positions):
        return True
    sv = np.linalg.svd(positions - positions.mean(axis=0), compute_uv=False)
    # off the line by round-off only: a dolly far from the origin, whose centres are rounded to
    # the float grid there, is still a line (Umeyama would fit the rotation about it to the rounding)
    roundoff = max(STATIC_RATIO * float(np.max(np.abs(positions))), STATIC_FLOOR) * math.sqrt(len(positions))
    return bool(sv[1] <= max(COLLINEAR_RATIO * sv[0], roundoff))


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
        ValueError: the pose arrays are not both (N, 4, 4) with N > 0.
    """
    if est_c2w.ndim != 3 or est_c2w.shape[1:] != (4, 4) or est_c2w.shape != ref_c2w.shape or not len(est_c2w):
        raise ValueError(f"poses must both be (N, 4, 4) with N > 0, got {est_c2w.shape} and {ref_c2w.shape}")
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


def trajectory_errors(est: Trajectory, ref: Trajectory, max_diff_s: float | None = None) -> dict[str, Any]:
    """APE / RPE of one estimate against its reference after Sim(3) alignment.

    Args:
        est: the method's trajectory.
        ref: the ground truth.
        max_diff_s: association tolerance in seconds (default: half the reference frame gap).

    Returns:
        ``{"ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse",
        "alignment", "scale", "matched_poses", "zoom_log_ratio_rmse"}``, with ``"note"`` (why
        a value is NaN, or what the errors cover), ``"partial": True`` and
        ``"static_estimate": True`` when they apply.

    Raises:
        ValueError: either trajectory is not a rigid camera trajectory
            (:func:`~camerabench.trajectory.pose_problem`: non-finite poses, rotation blocks
            that are not rotations, timestamps that do not increase, non-positive focal
            lengths), or fewer than 2 poses could be associated by timestamp.
    """
    from evo.core import metrics, sync
    from evo.core.geometry import GeometryException
    from evo.core.lie_algebra import se3

    for what, traj in (("estimate", est), ("ground truth", ref)):
        problem = pose_problem(traj)
        if problem is not None:
            raise ValueError(f"{what}: {problem}")
    est, ref = _on_so3(est), _on_so3(ref)
    if max_diff_s is None:
        gaps = np.diff(ref.timestamps)
        max_diff_s = 0.5 * float(np.median(gaps)) if gaps.size else 0.01
    try:
        ref_evo, est_evo = sync.associate_trajectories(to_evo(ref), to_evo(est), max_diff=max_diff_s)
    except sync.SyncException as exc:
        raise ValueError(f"estimate and ground truth cannot be associated by timestamp: {exc}") from exc
    n = ref_evo.num_poses
    if n < 2:
        raise ValueError(f"only {n} pose(s) of the estimate match ground-truth timestamps within {max_diff_s:.3g} s")
    ref_pos, est_pos = ref_evo.positions_xyz, est_evo.positions_xyz
    alignment = "sim3_umeyama"
    if _is_line_or_point(ref_pos) or _is_line_or_point(est_pos):
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
    gt_static = _is_point(ref_pos)
    if gt_static:  # orientation_sim3's scale fitted centres that do not move: 0 (or round-off), said below
        out["scale"] = math.nan
    if _is_point(est_pos):  # aligned by orientation_sim3, which took scale 1
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
    if gt_static:
        notes.append(
            "ground-truth camera centre does not move: translation errors and the alignment scale are "
            "undefined (a Sim(3) alignment may shrink any estimated translation to a point)"
        )
    if notes:
        out["note"] = "; ".join(notes)
        log.debug("trajectory error: %s", out["note"])  # counted in one warning by trajectory_section
    data = (ref_evo, est_evo)
    for key, cls, relation in (
        ("ape_trans_rmse", metrics.APE, metrics.PoseRelation.translation_part),
        ("ape_rot_deg_rmse", metrics.APE, metrics.PoseRelation.rotation_angle_deg),
        ("rpe_trans_rmse", metrics.RPE, metrics.PoseRelation.translation_part),
        ("rpe_rot_deg_rmse", metrics.RPE, metrics.PoseRelation.rotation_angle_deg),
    ):
        if gt_static and relation is metrics.PoseRelation.translation_part:
            out[key] = math.nan
            continue
        metric = cls(relation)
        metric.process_data(data)
        out[key] = float(metric.get_statistic(metrics.StatisticsType.rmse))
    out["zoom_log_ratio_rmse"] = _zoom_error(est, ref, est_evo.timestamps, ref_evo.timestamps)
    return out


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
    """RMSE of log(f_i / f_0) between estimate and reference (NaN without intrinsics)."""
    if est.intrinsic is None or ref.intrinsic is None:
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


def trajectory_section(
    gt_files: Mapping[str, Path], run: MethodRun, videos: Collection[str] | None = None
) -> tuple[TrajectoryResult, list[dict[str, Any]]] | None:
    """The ``trajectory`` section of one method (None if it wrote no trajectories).

    Every ground-truth clip gets a row: ``ok`` with its errors, ``failed`` with the reason
    (the method's recorded failure, or why evaluation was impossible) or ``missing``. Errors
    are aggregated over the ``ok`` clips under either failed-sample policy (an error has no
    worst value to stand in for a failure); failed and missing clips are counted.

    Trajectory files named for no video of the dataset (``videos``; without them, for no
    ground-truth clip), such as ``clip.npz`` for a video ``clip.mov`` whose file is
    ``%clip.mov.npz``, are named in a warning: their clips would otherwise count as missing
    with no sign why.
    """
    if not gt_files or not run.has_trajectories:
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
        try:
            errors = trajectory_errors(load_npz(est_path), _load_gt(gt_path))
        except (ValueError, FileFormatError) as exc:
            log.warning("%s: trajectory of %s cannot be evaluated: %s", escaped_text(run.name), escaped_text(stem), exc)
            row.update({"status": "failed", "reason": str(exc)})
        else:
            row.update({"status": "ok", **errors})
        rows.append(row)
    ok = [r for r in rows if r["status"] == "ok"]
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
    )
    return section, rows
