"""Camera trajectories: poses (camera-to-world), intrinsics, timestamps and provenance.

Conventions for the whole package (OpenCV / COLMAP camera frame): x right, y down, z forward.
``cam_c2w[i]`` maps camera-i coordinates to world coordinates; ``intrinsic[i]`` is the 3x3 K
of frame i in pixels at the resolution the trajectory was estimated at.

Besides :class:`Trajectory` this module holds what every producer and consumer of trajectories
shares: the keys of :attr:`Trajectory.meta` (``META_*``), the pinhole intrinsics of a camera
known only by its field of view (:func:`focal_from_fov`, :func:`pinhole_intrinsic`,
:func:`intrinsic_from_fov`) and pose interpolation between known frames
(:func:`interpolate_poses`). Files are read and written by :mod:`camerabench.trajectory_formats`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from camerabench.errors import CameraBenchError

__all__ = [
    "MAX_COORDINATE",
    "META_ASSUMED_FOV_DEG",
    "META_BLANK_FRAMES",
    "META_DENSE_FLOW_PAIRS",
    "META_FOCAL_FIXED",
    "META_FRAME",
    "META_IMAGE_NAMES",
    "META_ROTATION_ONLY",
    "META_SCENE_DEPTH",
    "META_TIMESTAMPS",
    "META_TRANSLATION_UNIT",
    "TIMESTAMPS_FRAME_INDEX",
    "Trajectory",
    "focal_from_fov",
    "interpolate_poses",
    "intrinsic_from_fov",
    "picture_intrinsic",
    "pinhole_intrinsic",
    "pose_issue",
    "pose_problem",
]

#: Median depth of the scene seen from the first frame, in trajectory units: the scale that
#: translation is divided by when scoring (monocular methods know translation only up to scale).
META_SCENE_DEPTH = "scene_depth"
#: True when the camera centre was held fixed because the frames show no parallax.
META_ROTATION_ONLY = "rotation_only"
#: How the timestamps were made; :data:`TIMESTAMPS_FRAME_INDEX` when the file had none.
META_TIMESTAMPS = "timestamps"
#: Value of :data:`META_TIMESTAMPS`: timestamps are frame indices, to be replaced by real times.
TIMESTAMPS_FRAME_INDEX = "frame index"
#: True when the file gave ONE intrinsic matrix for every frame: MegaSaM's single (3, 3)
#: ``intrinsic`` (it optimises one focal length for the whole video), a COLMAP model whose
#: images all share one camera (``--ImageReader.single_camera``, the usual choice for video).
#: The method held the focal length fixed instead of measuring it per frame, so the zoom is
#: unknown (not "none"): :func:`camerabench.baselines.geometry.scoring.decompose` reports
#: ``zoom_known`` False as for a trajectory without intrinsics. The K stays, broadcast to every
#: frame, for what needs a camera (projection, trajectory error).
META_FOCAL_FIXED = "focal_fixed"
#: Image names of the frames, in trajectory order (COLMAP models).
META_IMAGE_NAMES = "image_names"
#: Words saying what unit translation is in (for methods whose scale changes along the path).
META_TRANSLATION_UNIT = "translation_unit"
#: Horizontal field of view (degrees) assumed for the first frame's intrinsics.
META_ASSUMED_FOV_DEG = "assumed_fov_deg"
#: Coordinate frame of the poses (``"world"`` for ground truth).
META_FRAME = "frame"
#: How many frame pairs were related by dense optical flow instead of feature matches.
META_DENSE_FLOW_PAIRS = "dense_flow_pairs"
#: Seconds of the frames inside the clip that were left out as blank (black, white or uniform:
#: a flash, a dropped frame): nothing in them can be measured, so they have no pose.
META_BLANK_FRAMES = "blank_frames_s"

#: Largest deviation accepted in a pose's rotation block, both max |R^T R - I| and |det R - 1|.
#: Rotations stored in float32 (MegaSaM files) deviate by ~1e-7; a similarity transform with its
#: scale folded into R (scale 1.001 already gives 2e-3), a transposed or corrupt row, or a
#: reflection is far above it.
POSE_TOLERANCE = 1e-3

#: Largest camera-centre coordinate accepted. No unit puts a camera this far from the origin
#: (1e100 nanometres are 1e82 light years); beyond it, path lengths and the squares of an
#: alignment overflow float64 and the scores would come out as silent zeros.
MAX_COORDINATE = 1e100


@dataclass
class Trajectory:
    """A camera trajectory.

    Attributes:
        cam_c2w: (N, 4, 4) camera-to-world poses.
        intrinsic: (N, 3, 3) pinhole intrinsics per frame (None if unknown, e.g. TUM files). A
            single (3, 3) K is broadcast to every frame; a reader of a file that holds one K for
            the whole video also sets ``meta[META_FOCAL_FIXED]`` (the focal length was not
            measured per frame, so the zoom is unknown).
        timestamps: (N,) seconds.
        meta: provenance, under the ``META_*`` keys of this module (e.g.
            ``{META_ROTATION_ONLY: True}``).
    """

    cam_c2w: NDArray[np.float64]
    intrinsic: NDArray[np.float64] | None
    timestamps: NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cam_c2w = _real_array(self.cam_c2w, "cam_c2w")
        self.timestamps = _real_array(self.timestamps, "timestamps")
        if not isinstance(self.meta, dict):  # readers call meta.get
            raise ValueError(f"meta must be a dict, got {type(self.meta).__name__}")
        n = self.cam_c2w.shape[0]
        if self.cam_c2w.shape != (n, 4, 4) or n == 0:
            raise ValueError(f"cam_c2w must be (N, 4, 4) with N > 0, got {self.cam_c2w.shape}")
        if self.timestamps.shape != (n,):
            raise ValueError(f"timestamps must be ({n},), got {self.timestamps.shape}")
        if self.intrinsic is not None:
            k = _real_array(self.intrinsic, "intrinsic")
            if k.shape == (3, 3):
                k = np.broadcast_to(k, (n, 3, 3)).copy()
            if k.shape != (n, 3, 3):
                raise ValueError(f"intrinsic must be (3, 3) or ({n}, 3, 3), got {k.shape}")
            self.intrinsic = k

    def __len__(self) -> int:
        return int(self.cam_c2w.shape[0])

    @property
    def positions(self) -> NDArray[np.float64]:
        """(N, 3) camera centres in world coordinates."""
        return self.cam_c2w[:, :3, 3]

    @property
    def focal_px(self) -> NDArray[np.float64] | None:
        """(N,) mean of fx, fy per frame, or None."""
        if self.intrinsic is None:
            return None
        return 0.5 * self.intrinsic[:, 0, 0] + 0.5 * self.intrinsic[:, 1, 1]  # no overflow near 1e308


def _real_array(value: Any, name: str) -> NDArray[np.float64]:
    """``value`` as float64, refusing complex numbers (numpy would drop their imaginary part with
    only a warning) and values that are not numbers: booleans, strings (``"1.0"`` was read as
    1.0), dates and durations (whose unit numpy drops), as the file readers refuse them."""
    arr = np.asarray(value)
    if arr.dtype == object:  # e.g. a list mixing Python and NumPy numbers: each must be a number
        odd = next((v for v in arr.flat if not _is_real(v)), None)
        if odd is not None:
            raise ValueError(f"{name} must be real numbers, got {odd!r} ({type(odd).__name__})")
    elif arr.dtype.kind not in "iuf":  # NumPy counts timedelta64 as an integer type
        raise ValueError(f"{name} must be real numbers, got dtype {arr.dtype}")
    try:
        return np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be real numbers, got dtype {arr.dtype}: {exc}") from None


def _is_real(value: Any) -> bool:
    """A real number (NumPy scalars included), not a bool or a string."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def focal_from_fov(width_px: int, fov_deg: float) -> float:
    """Focal length in pixels of a pinhole camera with this horizontal field of view.

    Example:
        >>> round(focal_from_fov(320, 90.0), 6)
        160.0

    Raises:
        ValueError: ``fov_deg`` is not in (0, 180) (a pinhole camera sees less than a half
            space: 0 gave a division by zero, 180 a focal length of 1e-14 px), ``width_px`` is
            not a real number (a string, a bool) or not positive and finite.
    """
    if not _is_real(fov_deg) or not 0.0 < float(fov_deg) < 180.0:  # NaN fails too
        raise ValueError(f"field of view must be between 0 and 180 degrees (a pinhole camera), got {fov_deg}")
    if not _is_real(width_px):  # "640" was "must be positive and finite, got 640 px"
        raise ValueError(
            f"image width must be positive and finite, got {width_px!r} ({type(width_px).__name__}): "
            "not a number of pixels"
        )
    if not 0 < width_px < np.inf:  # an infinite width gave an infinite focal length
        raise ValueError(f"image width must be positive and finite, got {width_px} px")
    return 0.5 * width_px / float(np.tan(np.deg2rad(fov_deg) / 2))


def pinhole_intrinsic(focal_px: float, width: int, height: int) -> NDArray[np.float64]:
    """K with square pixels and the principal point at the image centre (pixel centres at integers).

    Example:
        >>> pinhole_intrinsic(100.0, 5, 3).tolist()
        [[100.0, 0.0, 2.0], [0.0, 100.0, 1.0], [0.0, 0.0, 1.0]]
    """
    return np.array([[focal_px, 0.0, (width - 1) / 2], [0.0, focal_px, (height - 1) / 2], [0.0, 0.0, 1.0]])


def intrinsic_from_fov(width: int, height: int, fov_deg: float) -> NDArray[np.float64]:
    """K of a ``width`` x ``height`` camera known only by the field of view across its longer side.

    The guess for a video whose intrinsics are unknown: :func:`focal_from_fov` of the longer side
    (the width of a landscape frame) with the principal point at the image centre
    (:func:`pinhole_intrinsic`). The longer side, not the width: a phone held upright records
    its lens's wide angle vertically, and a portrait crop keeps the camera's focal length. On
    portrait crops (9:16) of real clips of ``benchmarks/bench_real.py`` whose lens is known (a
    70 deg surveillance camera, turned digitally), the width's 60 deg gave a focal length half
    the true one and leaked the motion into other primitives (a pan: zoom in 0.027, roll 0.009;
    a tilt: zoom out 0.058, roll 0.042), the longer side's 0.006 / 0.002 and 0.021 / 0.011.

    Example:
        >>> intrinsic_from_fov(321, 181, 90.0).round(6).tolist()
        [[160.5, 0.0, 160.0], [0.0, 160.5, 90.0], [0.0, 0.0, 1.0]]
        >>> intrinsic_from_fov(181, 321, 90.0)[0, 0].round(6)  # upright: the height's 90 deg
        np.float64(160.5)
    """
    return pinhole_intrinsic(focal_from_fov(max(width, height), fov_deg), width, height)


def picture_intrinsic(picture: tuple[int, int, int, int], fov_deg: float) -> NDArray[np.float64]:
    """The guessed K of frames whose picture is the ``(x0, y0, x1, y1)`` region (end exclusive)
    inside black bars or blurred side panels (``StaticMask.picture`` of ``camerabench.baselines.geometry.overlay``):
    ``fov_deg`` across the picture's longer side, the principal point at its centre, as ``fast``
    assumes. A boxed picture is a whole camera frame scaled down; the frame's own size put the
    focal length of a 9:16 phone video posted in a 16:9 frame between blurred copies of itself at
    1.8x the picture's guess, and of a 4:3 clip pillarboxed in 16:9 at 1.33x (real pans read
    0.57-0.72x as wide by ``colmap``, and a sideways move read as a pan by ``fast``).

    Raises:
        CameraBenchError: ``picture`` is not a region of positive size at non-negative pixels.

    Example:
        >>> picture_intrinsic((164, 0, 316, 270), 60.0).round(1).tolist()  # 152x270 inside 480x270
        [[233.8, 0.0, 239.5], [0.0, 233.8, 134.5], [0.0, 0.0, 1.0]]
    """
    x0, y0, x1, y1 = (int(v) for v in picture)
    if not (0 <= x0 < x1 and 0 <= y0 < y1):
        raise CameraBenchError(f"picture {tuple(picture)} is not a region (x0, y0, x1, y1) of positive size")
    k = intrinsic_from_fov(x1 - x0, y1 - y0, fov_deg)
    k[0, 2] += x0
    k[1, 2] += y0
    return k


def interpolate_poses(
    times: ArrayLike,
    cam_c2w: NDArray[np.float64],
    query_times: ArrayLike,
    intrinsic: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Poses (and intrinsics) at ``query_times`` from the poses known at ``times``.

    Between two known frames the rotation is interpolated by slerp, the camera centre linearly
    in time and the focal length geometrically (log-linearly) in time: a constant-rate pan,
    dolly or zoom stays constant-rate. At a known time the known pose is returned as it is.
    Query times outside ``[times[0], times[-1]]`` are clamped to that range: a trajectory is
    never extrapolated.

    Args:
        times: (K,) increasing times of the known frames (K >= 1).
        cam_c2w: (K, 4, 4) their camera-to-world poses.
        query_times: (M,) times to interpolate at.
        intrinsic: (K, 3, 3) their intrinsics, or None. The interpolated K is the earlier known
            frame's with its fx row and fy row each scaled geometrically (the principal point
            stays).

    Returns:
        ``(cam_c2w (M, 4, 4), intrinsic (M, 3, 3) or None)``.

    Raises:
        ValueError: no known frame, known times that are not finite and strictly increasing (two
            frames at one time gave NaN poses through a division by zero), poses or intrinsics
            that do not match the times, a known pose that is not a rigid camera pose
            (:func:`pose_issue`: a rotation block that is no rotation, a bottom row other than
            ``[0, 0, 0, 1]``, a non-finite value), a focal length (fx or fy) that is not positive and finite,
            or query times that are not a 1-D array of finite numbers.

    Example:
        >>> c2w = np.tile(np.eye(4), (2, 1, 1))
        >>> c2w[1, :3, 3] = [0.0, 0.0, 2.0]
        >>> k = np.stack([np.eye(3), np.diag([4.0, 4.0, 1.0])])
        >>> poses, ks = interpolate_poses([0.0, 1.0], c2w, [0.5, 3.0], k)
        >>> poses[:, 2, 3].tolist(), ks[:, 0, 0].tolist()
        ([1.0, 2.0], [2.0, 4.0])
    """
    from scipy.spatial.transform import Rotation, Slerp

    known = np.asarray(times, dtype=np.float64)
    c2w = np.asarray(cam_c2w, dtype=np.float64)
    query = np.asarray(query_times, dtype=np.float64)
    _check_interpolation(known, c2w, query, intrinsic)
    query = np.clip(query, known[0], known[-1])
    out = np.tile(np.eye(4), (len(query), 1, 1))
    k_out = None if intrinsic is None else np.empty((len(query), 3, 3))
    if len(known) == 1:
        out[:] = c2w[0]
        if k_out is not None and intrinsic is not None:
            k_out[:] = intrinsic[0]
        return out, k_out
    segment = np.clip(np.searchsorted(known, query, side="right") - 1, 0, len(known) - 2)
    for j in np.unique(segment):
        sel = segment == j
        span = known[[j, j + 1]]
        inner = query[sel]
        frac = (inner - span[0]) / (span[1] - span[0])
        out[sel, :3, :3] = Slerp(span, Rotation.from_matrix(c2w[[j, j + 1], :3, :3]))(inner).as_matrix()
        out[sel, :3, 3] = c2w[j, :3, 3] + frac[:, None] * (c2w[j + 1, :3, 3] - c2w[j, :3, 3])
        if k_out is not None and intrinsic is not None:
            # fx and fy each geometrically: one ratio for both gave fy the zoom of fx
            focal_ratio = np.diagonal(intrinsic[j + 1, :2, :2]) / np.diagonal(intrinsic[j, :2, :2])
            k_seg = np.broadcast_to(intrinsic[j], (len(inner), 3, 3)).copy()
            k_seg[:, :2, :2] *= (focal_ratio[None, :] ** frac[:, None])[:, :, None]
            k_out[sel] = k_seg
    index = np.minimum(np.searchsorted(known, query), len(known) - 1)
    hit = known[index] == query
    out[hit] = c2w[index[hit]]
    if k_out is not None and intrinsic is not None:
        k_out[hit] = intrinsic[index[hit]]
    return out, k_out


def _check_interpolation(
    known: NDArray[np.float64],
    c2w: NDArray[np.float64],
    query: NDArray[np.float64],
    intrinsic: NDArray[np.float64] | None,
) -> None:
    """What :func:`interpolate_poses` refuses (see there)."""
    if known.ndim != 1 or len(known) == 0:
        raise ValueError(f"times must be a non-empty 1-D array, got shape {known.shape}")
    if c2w.shape != (len(known), 4, 4):
        raise ValueError(f"cam_c2w must be ({len(known)}, 4, 4) for {len(known)} times, got {c2w.shape}")
    if intrinsic is not None:
        k = np.asarray(intrinsic, dtype=np.float64)
        if k.shape != (len(known), 3, 3):
            raise ValueError(f"intrinsic must be ({len(known)}, 3, 3) for {len(known)} times, got {k.shape}")
        focal = np.diagonal(k[:, :2, :2], axis1=1, axis2=2)  # (K, 2): fx, fy
        good = (np.isfinite(focal) & (focal > 0)).all(axis=1)
        if not good.all():
            i = int(np.argmax(~good))
            fx, fy = focal[i]
            bad = fx if not (np.isfinite(fx) and fx > 0) else fy
            raise ValueError(f"known frame {i}: focal length {bad:g} is not positive and finite (fx {fx:g}, fy {fy:g})")
    if not np.isfinite(known).all():
        raise ValueError(f"known time {int(np.argmax(~np.isfinite(known)))} is not finite")
    steps = np.diff(known)
    if not (steps > 0).all():
        i = int(np.argmax(~(steps > 0))) + 1
        raise ValueError(
            f"known times must be strictly increasing: time {i} is {known[i]:g} after {known[i - 1]:g} "
            "(two poses at one time cannot be interpolated between)"
        )
    # Slerp reads any matrix as its nearest rotation: between I and 2I it gave I at t = 0.5, yet 2I
    # at t = 1 (a known pose is returned as it is); the checks every pose reader makes.
    issue = pose_issue(Trajectory(c2w, None, known))
    if issue is not None:
        frame, problem = issue
        raise ValueError(f"known frame {frame}: {problem}: poses are interpolated between rigid camera poses only")
    if query.ndim != 1:  # a (M, 1) column indexed the poses as a 4-D array
        raise ValueError(f"query_times must be a 1-D array, got shape {query.shape}")
    if not np.isfinite(query).all():
        raise ValueError(f"query time {int(np.argmax(~np.isfinite(query.ravel())))} is not finite")


def pose_problem(traj: Trajectory, min_poses: int = 1) -> str | None:
    """Why ``traj`` is not a usable rigid camera trajectory, or None when it is.

    Checks: at least ``min_poses`` poses; finite poses and timestamps; camera centres within
    :data:`MAX_COORDINATE`; each pose's bottom row
    ``[0, 0, 0, 1]``; its rotation block orthonormal with determinant +1 within
    :data:`POSE_TOLERANCE`; timestamps strictly increasing; intrinsics, when known, finite with
    positive focal lengths, a pinhole K (bottom row ``[0, 0, 1]``, ``K[1, 0]`` = 0, within
    :data:`INTRINSIC_TOLERANCE`) and fx / fy within :data:`MAX_FOCAL_RATIO` of each other. The
    first problem found is named with its frame index.

    Example:
        >>> import numpy as np
        >>> poses = np.stack([np.eye(4), np.eye(4)])
        >>> pose_problem(Trajectory(poses, None, np.array([0.0, 0.1]))) is None
        True
        >>> poses[1, :3, :3] *= 1.1  # a scale folded into the rotation
        >>> pose_problem(Trajectory(poses, None, np.array([0.0, 0.1])))
        'frame 1: rotation block is not orthonormal (max |R^T R - I| = 0.21)'
    """
    issue = pose_issue(traj, min_poses)
    return None if issue is None else (issue[1] if issue[0] is None else f"frame {issue[0]}: {issue[1]}")


def pose_issue(traj: Trajectory, min_poses: int = 1) -> tuple[int | None, str] | None:
    """What :func:`pose_problem` finds, as ``(frame index, problem)`` (the index None when the
    problem is not one frame's), so a reader can name the line the frame came from."""
    n = len(traj)
    if n < min_poses:
        return None, f"{n} pose(s); at least {min_poses} are needed"
    c2w, ts = traj.cam_c2w, traj.timestamps
    bad = ~np.isfinite(c2w).all(axis=(1, 2))
    if bad.any():
        return int(np.argmax(bad)), "pose is not finite"
    if not np.isfinite(ts).all():
        return int(np.argmax(~np.isfinite(ts))), "timestamp is not finite"
    far = np.abs(c2w[:, :3, 3]).max(axis=1)
    if (far > MAX_COORDINATE).any():
        i = int(np.argmax(far > MAX_COORDINATE))
        return i, f"camera centre coordinate {far[i]:.3g} is beyond {MAX_COORDINATE:g} (a corrupt value?)"
    bottom = np.abs(c2w[:, 3, :] - np.array([0.0, 0.0, 0.0, 1.0])).max(axis=1)
    if (bottom > POSE_TOLERANCE).any():
        i = int(np.argmax(bottom > POSE_TOLERANCE))
        return i, f"bottom row is {c2w[i, 3].tolist()}, not [0, 0, 0, 1]"
    rot = c2w[:, :3, :3]
    ortho = np.abs(np.einsum("nji,njk->nik", rot, rot) - np.eye(3)).max(axis=(1, 2))
    if (ortho > POSE_TOLERANCE).any():
        i = int(np.argmax(ortho > POSE_TOLERANCE))
        return i, f"rotation block is not orthonormal (max |R^T R - I| = {ortho[i]:.2g})"
    det = np.linalg.det(rot)
    if (np.abs(det - 1.0) > POSE_TOLERANCE).any():
        i = int(np.argmax(np.abs(det - 1.0) > POSE_TOLERANCE))
        if det[i] < 0:
            return i, f"rotation block has determinant {det[i]:.3g}, not +1 (a reflection)"
        # orthonormal within the tolerance yet det off by more: a scale folded into the rotation
        # (1.0004 R has det 1.0012); '.3g' printed it as 'determinant 1, not +1 (a reflection)'
        return i, f"rotation block has determinant {det[i]:.6g}, not +1 (a scale folded into the rotation?)"
    if n > 1 and not (np.diff(ts) > 0).all():
        i = int(np.argmax(~(np.diff(ts) > 0))) + 1
        return i, f"timestamp {ts[i]:g} does not increase (previous {ts[i - 1]:g})"
    with np.errstate(over="ignore"):
        span = ts[-1] - ts[0]
    if not np.isfinite(span):  # durations and rates would be inf and 0: a corrupt timestamp
        i = int(np.argmax(np.abs(ts)))
        return i, (
            f"timestamps run from {ts[0]:g} to {ts[-1]:g} s, a duration beyond what can be computed with "
            "(a corrupt timestamp?)"
        )
    if traj.intrinsic is not None:
        k = traj.intrinsic
        if not np.isfinite(k).all():
            return int(np.argmax(~np.isfinite(k).all(axis=(1, 2)))), "intrinsics are not finite"
        focal_ok = (k[:, 0, 0] > 0) & (k[:, 1, 1] > 0)
        if not focal_ok.all():
            i = int(np.argmax(~focal_ok))
            return i, f"focal length is not positive (fx {k[i, 0, 0]:g}, fy {k[i, 1, 1]:g})"
        return _intrinsic_issue(k)
    return None


#: Largest deviation accepted where a pinhole K holds 0 or 1: its bottom row ``[0, 0, 1]``
#: (absolute) and ``K[1, 0]`` (relative to fy). K stored in float32 holds 0 and 1 exactly; a K
#: scaled as a whole (``K[2, 2]`` = 2: a homogeneous matrix, or a transposed K) is far beyond it.
INTRINSIC_TOLERANCE = 1e-6

#: Largest ratio fx / fy (or fy / fx) accepted. Real cameras have square or nearly square
#: pixels (fx / fy = 1; NTSC DV's 0.9 and PAL widescreen's 1.46 are the oddest digital video
#: formats), and anamorphic lenses squeeze by at most 2x (1.33x, 1.5x, 1.8x and 2x are sold); 4
#: leaves room for an estimated focal pair that disagrees, while a 10x or 20x ratio is a unit
#: mix-up or a corrupt value that would make the mean focal length (zoom) meaningless.
MAX_FOCAL_RATIO = 4.0


def _intrinsic_issue(k: NDArray[np.float64]) -> tuple[int, str] | None:
    """The first frame whose finite K with positive focal lengths is not a pinhole K."""
    fx, fy = k[:, 0, 0], k[:, 1, 1]
    bottom = np.abs(k[:, 2, :] - np.array([0.0, 0.0, 1.0])).max(axis=1)
    if (bottom > INTRINSIC_TOLERANCE).any():
        i = int(np.argmax(bottom > INTRINSIC_TOLERANCE))
        return i, f"intrinsics' bottom row is {k[i, 2].tolist()}, not [0, 0, 1] (not a pinhole K)"
    shear = np.abs(k[:, 1, 0]) > INTRINSIC_TOLERANCE * fy
    if shear.any():
        i = int(np.argmax(shear))
        return i, f"intrinsics' K[1, 0] is {k[i, 1, 0]:g}, not 0 (not a pinhole K; a transposed K?)"
    with np.errstate(over="ignore", under="ignore"):
        ratio = np.maximum(fx / fy, fy / fx)  # fx/fy both > 0: no NaN; 1e300/1e-300 is inf, refused
    uneven = ratio > MAX_FOCAL_RATIO
    if uneven.any():
        i = int(np.argmax(uneven))
        return i, (
            f"focal lengths fx {fx[i]:g} and fy {fy[i]:g} differ by a factor {ratio[i]:.3g}, beyond "
            f"{MAX_FOCAL_RATIO:g} (pixels are square or nearly; anamorphic lenses reach 2x)"
        )
    return None
