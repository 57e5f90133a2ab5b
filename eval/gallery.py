"""The failure gallery: per method and primitive, the clips it scored worst, with what to draw.

For each primitive a method has binary results for, :func:`worst_clips` takes the positives
with the lowest scores and the negatives with the highest (the samples AP was computed on,
after the failed-sample policy), keeps those ranked past at least one sample of the other
class (the ones that cost AP), and orders them by how far they were misranked:
``misranked`` is the fraction of the other class ranked at or beyond the sample (ties count
half), so 1.0 is a positive below every negative or a negative above every positive.
Failed and missing samples carry the recorded status and reason.

:func:`motion_curves` turns a trajectory into what a person reads off a clip: rotation (pan,
tilt, roll in degrees), translation in the first camera's axes (right, up, forward) and the
focal-length ratio, over time. :func:`clip_frames` decodes a few frames of a clip for a strip.
Reports and notebooks draw them with :mod:`camerabench.eval.plots`.

Example:
    >>> import numpy as np
    >>> from camerabench.trajectory import Trajectory
    >>> c2w = np.stack([np.eye(4)] * 2)
    >>> c2w[1, :3, 3] = [1.0, 0.0, 0.0]  # the camera moves right
    >>> motion_curves(Trajectory(c2w, None, np.array([0.0, 1.0]))).translation[-1].tolist()
    [1.0, -0.0, 0.0]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.crossfit import binary_values
from camerabench.errors import CameraBenchError
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.evaluate import Evaluation, primitive_order
from camerabench.eval.knobs import clip_groups
from camerabench.runfolder import video_file_stem
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory, pose_issue
from camerabench.trajectory_formats import load_npz

__all__ = [
    "DEFAULT_MAX_CLIPS",
    "DEFAULT_PER_CLASS",
    "GalleryEntry",
    "MotionCurves",
    "clip_frames",
    "load_motion",
    "misranked_fraction",
    "motion_curves",
    "worst_clips",
]

log = logging.getLogger(__name__)

#: Positives (lowest scores) and negatives (highest scores) looked at per primitive.
DEFAULT_PER_CLASS = 3
#: Entries kept per method (the most misranked first), so a report stays quick to write and read.
DEFAULT_MAX_CLIPS = 8


@dataclass(frozen=True)
class GalleryEntry:
    """One badly ranked (method, primitive, clip) sample.

    Attributes:
        method: method folder name.
        primitive: primitive file stem (``Pan_Left``).
        video: the video's name as in the labels.
        positive: the label (True = the clip shows the primitive).
        score: the score AP was computed on (a failed sample's stand-in under ``lowest``).
        status: ``ok``, ``failed`` or ``missing``.
        reason: why the sample failed (None when ok).
        misranked: fraction of the other class ranked at or beyond this sample (ties half).
        knobs: the clip's hard-case knobs from ``manifest.json`` (``["none"]`` when none is on;
            empty without a manifest that names knobs).
        trajectory: the method's estimated trajectory file (None when it wrote none).
        ape_rot_deg: the clip's APE rotation RMSE in degrees (NaN when not evaluated).
        ape_trans: the clip's APE translation RMSE in ground-truth units (NaN when undefined).
    """

    method: str
    primitive: str
    video: str
    positive: bool
    score: float
    status: str
    reason: str | None
    misranked: float
    knobs: tuple[str, ...] = ()
    trajectory: Path | None = None
    ape_rot_deg: float = math.nan
    ape_trans: float = math.nan


def misranked_fraction(labels: NDArray[np.bool_], scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per sample, the fraction of the other class ranked at or beyond it (ties count half).

    A positive's value is the share of negatives scored above it; a negative's the share of
    positives scored below it. NaN when the other class is empty.

    Raises:
        ValueError: a label that is not a boolean or 0/1 (:func:`~camerabench.crossfit.binary_values`:
            ``"No"`` or 2 cast to bool would silently be a positive), or labels and scores of
            different shapes.

    Example:
        >>> misranked_fraction(np.array([True, True, False]), np.array([0.9, 0.1, 0.5])).tolist()
        [0.0, 1.0, 0.5]
    """
    y = binary_values(labels, "labels")
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores must have one shape, got {y.shape} and {s.shape}")
    pos, neg = s[y], s[~y]
    out = np.full(s.shape, math.nan)
    # sorted look-ups, not an (n_pos, n_neg) comparison matrix: a large dataset stays fast; a
    # NaN score compares false with everything, as with ``>``, ``<`` and ``==``
    if neg.size:
        other = np.sort(neg[~np.isnan(neg)])
        left, right = np.searchsorted(other, pos, "left"), np.searchsorted(other, pos, "right")
        out[y] = np.where(np.isnan(pos), 0.0, other.size - right + 0.5 * (right - left)) / neg.size
    if pos.size:
        other = np.sort(pos[~np.isnan(pos)])
        left, right = np.searchsorted(other, neg, "left"), np.searchsorted(other, neg, "right")
        out[~y] = np.where(np.isnan(neg), 0.0, left + 0.5 * (right - left)) / pos.size
    return out


def _written(path: Path) -> bool:
    """Whether the method wrote ``path``: a file, or one that cannot be looked up (a name too long,
    a folder that cannot be searched), which :func:`load_motion` then names with the reason."""
    try:
        return path.is_file()
    except OSError:
        return True


def _knobs_by_video(manifest: Mapping[str, Any], path: str = "manifest.json") -> dict[str, tuple[str, ...]]:
    """Video -> the knobs it has on (``none`` for a clean clip); ``path`` names the manifest in
    :func:`clip_groups`' warnings."""
    out: dict[str, list[str]] = {}
    for knob, videos in clip_groups(manifest, str(path)).items():
        for v in videos:
            out.setdefault(v, []).append(knob)
    return {v: tuple(sorted(k)) for v, k in out.items()}


def _primitive_entries(
    ev: Evaluation, method: str, primitive: str, res: ResolvedSamples, per_class: int
) -> list[GalleryEntry]:
    y, s = res.labels, res.scores
    if not y.any() or y.all():
        return []
    bad = misranked_fraction(y, s)
    run = ev.runs[method]
    question = Primitive(primitive).question
    knobs = _knobs_by_video(ev.dataset.manifest, str(ev.dataset.manifest_path))
    traj_rows = {r["clip"]: r for r in ev.trajectory_rows.get(method, [])}
    # tied scores by video name, not by the label file's order (NaN, compared false, last)
    names = np.asarray(res.videos, dtype=str)
    pos = [i for i in np.lexsort((names, s)) if y[i]][:per_class]
    neg = [i for i in np.lexsort((names, -s)) if not y[i]][:per_class]
    out = []
    for i in (*pos, *neg):
        if bad[i] <= 0:
            continue
        video = res.videos[i]
        rec = (run.scores or {}).get((video, question))
        status = "missing" if rec is None else rec.status
        traj = run.trajectory_path(video)
        row = traj_rows.get(video_file_stem(video), {})
        out.append(
            GalleryEntry(
                method=method,
                primitive=primitive,
                video=video,
                positive=bool(y[i]),
                # the method's own score (the resolved one may be a rank: see lowest_scores)
                score=float(rec.score)
                if rec is not None and rec.status == "ok" and rec.score is not None
                else float(s[i]),
                status=status,
                reason=None if rec is None else rec.reason,
                misranked=float(bad[i]),
                knobs=knobs.get(video, ()),
                trajectory=traj if _written(traj) else None,
                ape_rot_deg=float(row.get("ape_rot_deg_rmse", math.nan)),
                ape_trans=float(row.get("ape_trans_rmse", math.nan)),
            )
        )
    return out


def worst_clips(
    ev: Evaluation,
    per_class: int = DEFAULT_PER_CLASS,
    max_clips: int | None = DEFAULT_MAX_CLIPS,
    methods: Sequence[str] | None = None,
) -> dict[str, list[GalleryEntry]]:
    """method -> its worst-ranked samples, the most misranked first (see the module docstring).

    Args:
        ev: an evaluation (:func:`camerabench.eval.evaluate.evaluate`).
        per_class: positives and negatives looked at per primitive.
        max_clips: entries kept per method (None: all).
        methods: the methods (default: every method with binary results).

    Returns:
        Entries sorted by ``misranked`` (descending), then primitive order, positives first,
        the score (the lowest positive, the highest negative first) and the video name; methods
        with nothing misranked map to an empty list.
    """
    order = {p: k for k, p in enumerate(primitive_order())}
    out: dict[str, list[GalleryEntry]] = {}
    for method in methods if methods is not None else sorted(ev.resolved):
        entries = [
            e
            for p, res in ev.resolved.get(method, {}).items()
            for e in _primitive_entries(ev, method, p, res, per_class)
        ]
        entries.sort(
            key=lambda e: (
                -e.misranked,
                order.get(e.primitive, len(order)),
                not e.positive,
                e.score if e.positive else -e.score,
                e.video,
            )
        )
        out[method] = entries if max_clips is None else entries[:max_clips]
    return out


@dataclass(frozen=True)
class MotionCurves:
    """A trajectory as camera-centric motion over time, relative to its first frame.

    Attributes:
        t: (N,) seconds from the first pose.
        rotation_deg: (N, 3) pan (right +), tilt (up +), roll (clockwise +) in degrees:
            intrinsic Y-X-Z Euler angles of the rotation from the first camera.
        translation: (N, 3) camera centre in the first camera's axes: right, up, forward
            (the trajectory's units).
        zoom: (N,) focal length over the first frame's (ones when the intrinsics are unknown).
    """

    t: NDArray[np.float64]
    rotation_deg: NDArray[np.float64]
    translation: NDArray[np.float64]
    zoom: NDArray[np.float64]

    def scaled(self, factor: float) -> MotionCurves:
        """The same motion with the translation multiplied by ``factor``."""
        return MotionCurves(self.t, self.rotation_deg, self.translation * factor, self.zoom)

    @property
    def path_length(self) -> float:
        """Length of the camera path (sum of the steps between poses)."""
        if len(self.t) < 2:
            return 0.0
        # the steps between finite poses (a NaN pose is a gap, not an undefined length)
        return float(np.nansum(np.linalg.norm(np.diff(self.translation, axis=0), axis=1)))


def motion_curves(traj: Trajectory) -> MotionCurves:
    """The camera-centric motion of ``traj`` (see :class:`MotionCurves`; conventions as in README).

    A pose holding NaN or inf (a method that lost track) is a gap in the curves. Every other pose
    must pass the checks the trajectory readers make (:func:`camerabench.trajectory.pose_issue`):
    a rotation block that is not a rotation (a scale folded into it, a reflection) would be drawn
    as motion the camera did not make, so it is refused, as are timestamps that are not finite
    or do not increase, and intrinsics that are not a pinhole K.

    Raises:
        ValueError: the first pose is not finite (no motion relative to it), or the first problem
            :func:`~camerabench.trajectory.pose_issue` finds, naming its frame.
    """
    from scipy.spatial.transform import Rotation

    c2w = traj.cam_c2w
    # a pose holding NaN or inf (a method that lost track) is a gap in the curves, not an error
    finite = np.asarray(np.isfinite(c2w).all(axis=(1, 2)), dtype=bool)
    if not finite[0]:
        raise ValueError("its first pose is not finite (NaN or inf): no motion relative to it")
    _check_poses(traj, finite)
    r0 = c2w[0, :3, :3]
    rel = np.einsum("ji,njk->nik", r0, c2w[finite, :3, :3])
    yxz = np.full((len(c2w), 3), math.nan)
    yxz[finite] = Rotation.from_matrix(rel).as_euler("YXZ", degrees=True)
    t_cam = (c2w[:, :3, 3] - c2w[0, :3, 3]) @ r0  # rows: R0^T (p - p0)
    t_cam[~finite] = math.nan
    translation = np.stack([t_cam[:, 0], -t_cam[:, 1], t_cam[:, 2]], axis=1)
    focal = traj.focal_px
    zoom = focal / focal[0] if focal is not None and focal[0] > 0 else np.ones(len(traj))
    return MotionCurves(traj.timestamps - traj.timestamps[0], yxz, translation, np.asarray(zoom, dtype=np.float64))


def _check_poses(traj: Trajectory, finite: NDArray[np.bool_]) -> None:
    """:func:`~camerabench.trajectory.pose_issue` of ``traj`` with its non-finite poses (gaps) and
    their intrinsics stood in for by the first frame's: every pose drawn is checked, and every
    timestamp (a gap still has a time)."""
    c2w = traj.cam_c2w.copy()
    c2w[~finite] = c2w[0]
    intrinsic = None
    if traj.intrinsic is not None:
        intrinsic = traj.intrinsic.copy()
        intrinsic[~finite] = intrinsic[0]
    issue = pose_issue(Trajectory(c2w, intrinsic, traj.timestamps))
    if issue is not None:
        frame, problem = issue
        where = "" if frame is None else f"frame {frame}: "
        raise ValueError(f"{where}{problem}: not a rigid camera trajectory, its motion cannot be drawn")


def load_motion(path: Path | None, without: list[str] | None = None) -> MotionCurves | None:
    """:func:`motion_curves` of a trajectory file, None when absent or unreadable (logged).

    A file that is gone (deleted after the run) or unreadable, one whose poses are not rigid
    camera poses in time order (refused by :func:`motion_curves`: not drawn at all), and one whose
    poses are not all finite (drawn with gaps), are logged as a warning naming the file and, when ``without`` is
    given, said in a line appended to it (``path: why``), so that the caller can say so.
    """
    if path is None:
        return None
    why = _not_usable(path, "trajectory")
    if why is not None:
        log.warning("%s: no trajectory for the gallery: %s", path, why)
        if without is not None:
            without.append(f"{path}: {why}")
        return None
    try:
        traj = load_npz(path)
        curves = motion_curves(traj)
    except (ValueError, CameraBenchError) as exc:
        log.warning("%s: cannot read the trajectory: %s", path, exc)
        if without is not None:
            without.append(f"{path}: cannot read the trajectory: {exc}")
        return None
    bad = int((~np.isfinite(traj.cam_c2w).all(axis=(1, 2))).sum())
    if bad:
        why = f"{bad} of {len(traj)} poses are not finite (NaN or inf): drawn as gaps"
        log.warning("%s: %s", path, why)
        if without is not None:
            without.append(f"{path}: {why}")
    return curves


def _not_usable(path: Path, what: str) -> str | None:
    """Why ``path`` cannot be read as a ``what`` file now (None when it is a file): gone, not a
    file, or not even looked up (a name too long for the file system, a folder it lies in that
    cannot be searched)."""
    try:
        if path.is_file():
            return None
        return f"the {what} file does not exist" if not path.exists() else f"the {what} path is not a file"
    except OSError as exc:  # is_file() lets ENAMETOOLONG and EACCES through
        return f"the {what} file cannot be looked up ({exc.strerror or exc})"


def clip_frames(
    path: Path, count: int = 4, max_side: int = 160, without: list[str] | None = None
) -> NDArray[np.uint8] | None:
    """Up to ``count`` evenly spaced frames of a video, (N, H, W, 3) with N = min(``count``, the
    frames the clip has) (a strip of a short clip shows all its frames), None when it cannot be
    decoded. The longer side is at most ``max_side`` pixels.

    A video file that is missing (deleted after the run, a dataset copied without its videos),
    cannot be looked up (a name too long, a folder that cannot be searched) or cannot be decoded
    is logged as a warning naming the file, and, when ``without`` is
    given, a line saying which file and why is appended to it, so that the caller can count
    the gallery images drawn without frames (their strip reads "no frames").

    Raises:
        ValueError: ``count`` that is not an integer >= 1, or ``max_side`` that is not an integer
            >= 2 (frames are resized to even sides): the caller's error, refused before any file is
            read, not a video drawn without frames.
    """
    from camerabench.video import read_video

    for what, value, least in (("count", count, 1), ("max_side", max_side, 2)):
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"clip_frames: {what} must be an integer >= {least}, got {value!r} (for {path})")
    why = _not_usable(path, "video")
    if why is not None:
        log.warning("%s: no frames for the gallery: %s", path, why)
        if without is not None:
            without.append(f"{path}: {why}")
        return None
    try:
        return read_video(path, num_frames=count, max_side=max_side).frames
    except (ValueError, CameraBenchError) as exc:
        log.warning("%s: no frames for the gallery: %s", path, exc)
        if without is not None:  # the decoder's message may name the file already
            without.append(str(exc) if str(exc).startswith(f"{path}:") else f"{path}: {exc}")
        return None
