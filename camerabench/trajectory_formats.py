"""Every trajectory file format camerabench reads or writes, as read/write pairs.

Each reader returns a :class:`~camerabench.trajectory.Trajectory` and raises
:class:`~camerabench.errors.FileFormatError` (naming the file, and the line for text formats)
for a missing or malformed file; each writer writes atomically. The formats, by name
(:data:`FORMATS`, what ``camerabench predict --method trajectory --format`` takes):

* ``megasam``: MegaSaM / camerabench npz: ``cam_c2w`` (N,4,4) camera-to-world, ``intrinsic``
  (3,3) or (N,3,3), optionally ``timestamps`` (N,), ``depths`` (N,H,W) or a scalar
  ``scene_depth``. camerabench's own ``trajectories/<stem>.npz`` and ``DATA/gt/<stem>.npz``
  are this layout (:func:`save_npz` / :func:`load_npz`). A single (3,3) ``intrinsic`` (what
  MegaSaM's ``cvd_opt`` saves: it optimises one focal length for the whole video) is the same K
  for every frame, flagged ``meta[META_FOCAL_FIXED]``: the zoom was not measured.
* ``poses``: (N,7) **world-to-camera** ``[tx ty tz qx qy qz qw]`` rows as ``.npy`` or text
  (MegaSaM / DROID-SLAM ``poses.npy``), with ``intrinsics.npy`` (N,4) ``fx fy cx cy`` beside a
  ``poses.npy``, and ``tstamps.npy`` (N,) beside it: the frame indices of DROID-SLAM's keyframes
  (its ``save_reconstruction`` keeps only those), used as the poses' frame-index timestamps.
  Beside ``tstamps.npy`` the intrinsics are DROID-SLAM's, at 1/8 resolution, and are scaled by
  :data:`DROID_INTRINSICS_SCALE`; MegaSaM's (no ``tstamps.npy``) are read as they are.
* ``poses-c2w``: the same rows camera-to-world (DROID-SLAM's returned trajectory).
* ``tum``: TUM text ``t x y z qx qy qz qw`` camera-to-world; read as evo reads it (the lines
  parsed as a whole, the quaternions turned into rotations by scipy), written through evo.
* ``kitti``: KITTI text, 12 numbers per line (3x4 camera-to-world); read as evo reads it,
  written through evo.
* ``colmap``: a COLMAP sparse model folder (``cameras``, ``images``, ``points3D`` as .bin or
  .txt) through pycolmap; registered images in name order, numbers in names compared as numbers;
  two images of one frame number (a multi-camera model) are an error. Its frame-index
  timestamps are the frame numbers the image names carry (``frame_0007.png``: 7), so frames
  that were not registered leave a gap in time (whether the numbers count the video's frames from
  0 or 1 is decided against the video: :mod:`camerabench.baselines.geometry.importers`).
  Names that are times in seconds, as the TUM RGB-D
  benchmark names its frames (``rgb/1305031102.175304.png``), give those times, in seconds.
  Registered images that all share one camera (COLMAP's ``single_camera``, usual for video) have
  one focal length held fixed: flagged ``meta[META_FOCAL_FIXED]``, the zoom was not measured.
  COLMAP 3.12 and later also write ``rigs`` and ``frames``: a model holds both or neither.
* ``cut3r``: a CUT3R demo output folder (``demo.py --output_dir``), one per video: ``camera/``
  holds ``000000.npz``, ``000001.npz``, ... (the frame index, as a number), each with ``pose``
  (4,4) camera-to-world and ``intrinsics`` (3,3) at CUT3R's processing resolution;
  ``depth/000000.npy`` gives the scene depth. Frame numbers are the frame-index timestamps.

Quaternions: evo uses wxyz internally, the pose arrays, TUM files and pycolmap xyzw; every
reader and writer here says which, and the round trips are tested. Formats without timestamps
get frame indices and ``meta[META_TIMESTAMPS] = TIMESTAMPS_FRAME_INDEX``, so that a caller who
knows the frame rate can replace them. MegaSaM depths and COLMAP points give
``meta[META_SCENE_DEPTH]`` (median depth seen from the first frame).
"""

from __future__ import annotations

import errno
import functools
import io
import logging
import numbers
import os
import re
import stat
import struct
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.fileio import _check_readable, _link_problem, atomic_open, read_error, read_text, stand_in
from camerabench.trajectory import (
    INTRINSIC_TOLERANCE,
    MAX_COORDINATE,
    META_FOCAL_FIXED,
    META_IMAGE_NAMES,
    META_SCENE_DEPTH,
    META_TIMESTAMPS,
    TIMESTAMPS_FRAME_INDEX,
    Trajectory,
    pose_issue,
    pose_problem,
)

__all__ = [
    "DROID_INTRINSICS_SCALE",
    "FORMATS",
    "META_FRAME_NUMBERS",
    "SCENE_DEPTH_RANGE",
    "TrajectoryFormat",
    "c2w_to_pose_array",
    "candidate_paths",
    "colmap_c2w",
    "colmap_median_depth",
    "colmap_models",
    "find_trajectory_file",
    "from_evo",
    "load_npz",
    "missing_notes",
    "pose_array_to_c2w",
    "read_colmap_model",
    "read_cut3r",
    "read_kitti",
    "read_megasam",
    "read_pose_array",
    "read_trajectory",
    "read_tum",
    "save_npz",
    "to_evo",
    "write_colmap_model",
    "write_cut3r",
    "write_kitti",
    "write_megasam",
    "write_pose_array",
    "write_trajectory",
    "write_tum",
]

PathLike = str | Path

log = logging.getLogger(__name__)

#: ``meta`` key of a trajectory whose frame-index timestamps are frame numbers the data carries
#: (a COLMAP model's image names, CUT3R's ``camera/`` file names, DROID-SLAM's ``tstamps``), not
#: 0, 1, 2, ... given to poses without them; its value says where they come from. A caller timing
#: the poses against a video may rely on them (:mod:`camerabench.baselines.geometry.importers`).
META_FRAME_NUMBERS = "frame_numbers_from"


# --------------------------------------------------------------------------- helpers
def _require_file(path: Path) -> None:
    """Refuse ``path`` unless it is a regular file, saying what it is: a folder, a broken symbolic
    link or a link loop (both were "file not found", red team R90), not there at all."""
    _check_readable(path)


def _require_folder(folder: Path) -> None:
    """Refuse ``folder`` unless it is a folder, saying what it is: a file, a broken symbolic link or
    a link loop (both were "folder not found", red team R90), not there at all."""
    try:
        mode = folder.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            raise FileFormatError(folder, _link_problem(folder, exc) or "folder not found") from None
        raise read_error(folder, exc) from exc
    if not stat.S_ISDIR(mode):
        raise FileFormatError(folder, "is a file, not a folder")


def _check_to_write(path: PathLike, traj: Trajectory) -> None:
    """Refuse, before anything is written, a trajectory its format's reader would refuse or read
    back as another one (:func:`~camerabench.trajectory.pose_problem`, the check every reader makes):
    a rotation block scaled by 2 was written as the identity, a reflection as a file the reader
    refuses, NaN poses and timestamps out of order as they came (red team R90).

    Raises:
        FileFormatError: naming ``path`` and the first bad frame (a ``ValueError`` too, as the
            writers' other refusals).
    """
    problem = pose_problem(traj)
    if problem is not None:
        raise FileFormatError(path, f"not written: not a usable camera trajectory: {problem}")


#: First bytes of an .npy array and of an npz archive (a zip file; ``PK\x05\x06`` when empty).
_NPY_MAGIC, _ZIP_MAGIC = b"\x93NUMPY", b"PK"


def _check_numpy_file(path: Path, what: str) -> None:
    """Refuse a file that is neither an .npy array nor an npz archive by its first bytes: NumPy
    takes anything else for a pickle and says the file "contains pickled (object) data" (an empty
    file, or a text file saved under an .npz or .npy name)."""
    _require_file(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise FileFormatError(path, f"cannot read {what}: {exc}") from exc
    if not head:
        raise FileFormatError(path, f"empty file, not an {what}")
    if (pointer := stand_in(head, f"the {what}")) is not None:
        raise FileFormatError(path, pointer)
    head = head[: len(_NPY_MAGIC)]
    if not (head.startswith(_NPY_MAGIC) or head.startswith(_ZIP_MAGIC)):
        raise FileFormatError(path, f"not an {what}: it starts with {head!r}, neither a NumPy array nor a zip archive")


def _read_npz(path: Path, names: Collection[str]) -> tuple[dict[str, NDArray[Any]], list[str]]:
    """The arrays ``names`` that an npz archive holds, and the names of all its arrays."""
    _check_numpy_file(path, "npz archive")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise FileFormatError(path, f"cannot read npz: {exc}") from exc
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise FileFormatError(path, "not an npz archive (a single .npy array?)")
    try:
        with data:
            found = sorted(data.files)
            return {name: np.asarray(data[name]) for name in names if name in found}, found
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise FileFormatError(path, f"cannot read npz: {exc}") from exc


def _read_text(path: Path) -> str:
    """The text of ``path``: UTF-8, a byte-order mark skipped with a warning, read by
    :func:`camerabench.fileio.read_text`, which says what the file is when it is UTF-16 or UTF-32
    text (a UTF-16 TUM file was "'utf-8' codec can't decode byte 0xff in position 0", red team R80),
    a folder or a link that cannot be followed."""
    return read_text(path)


def _numeric_rows(
    path: Path, columns: int, what: str, text: str | None = None
) -> tuple[NDArray[np.float64], list[int]]:
    """(N, columns) numbers of a text file with one row per line.

    The rules are those of the TUM RGB-D benchmark's own tools (``associate.py``,
    ``evaluate_ate.py``): fields are separated by spaces, tabs or commas, in any number;
    leading and trailing white space, blank lines and lines starting with ``#`` are ignored.
    (evo's reader is stricter: single spaces only, a trailing space or a blank line makes it
    fail or miscount.) A field is a number as Python's ``float`` reads it, finite, without ``_``.

    A file of plain numeric lines is parsed as a whole (:func:`_numeric_rows_fast`); anything
    else, and every error, goes line by line, which names the first bad line.

    Args:
        text: the file's text when the caller has read it (:func:`_read_text`).

    Returns:
        The rows and the (1-based) line number of each.
    """
    if text is None:
        text = _read_text(path)
    fast = _numeric_rows_fast(text, columns)
    if fast is not None:
        return fast
    rows: list[list[float]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.replace(",", " ").split()
        if len(fields) != columns:
            problem = f"{what} lines hold {columns} numbers (separated by spaces, tabs or commas); found {len(fields)}"
            raise FileFormatError(path, problem, number)
        try:
            if "_" in stripped:  # float() takes "1_000"; no trajectory writer does
                raise ValueError(stripped)
            row = [float(f) for f in fields]
        except ValueError:
            raise FileFormatError(path, f"not a number in {stripped!r}", number) from None
        if not all(np.isfinite(row)):
            raise FileFormatError(path, "NaN or infinite value", number)
        rows.append(row)
        lines.append(number)
    if not rows:
        raise FileFormatError(path, f"no {what} line")
    return np.asarray(rows, dtype=np.float64), lines


#: Line breaks of ``str.splitlines`` other than ``\n`` and ``\r\n``: where one is, lines are
#: counted line by line.
_OTHER_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _scan_bytes(raw: bytes, block: int = 1 << 20) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """Where in ``raw`` the line ends (``\n``) are, where the fields begin (a byte that is no
    separator, space, tab, comma or line end, after one that is) and where the bytes are that a
    number or a separator does not hold (all but ``+ , - . 0-9 e E``, space, tab, line end).
    Looked at in blocks: whole-text temporaries cost more in page faults than in arithmetic."""
    data = np.frombuffer(raw, dtype=np.uint8)
    ends, first, other = [], [], []
    after_separator = True
    for at in range(0, len(data), block):
        part = data[at : at + block]
        separator = (part <= ord(" ")) | (part == ord(","))  # the control bytes are all "other"
        begins = ~separator
        begins[1:] &= separator[:-1]
        begins[0] &= after_separator
        after_separator = bool(separator[-1])
        line_end = part == ord("\n")
        kept = (part >= ord("+")) & (part <= ord("9")) & (part != ord("/"))  # + , - . 0-9
        kept |= (part | 0x20) == ord("e")
        kept |= (part == ord(" ")) | (part == ord("\t")) | line_end
        ends.append(np.flatnonzero(line_end) + at)
        first.append(np.flatnonzero(begins) + at)
        other.append(np.flatnonzero(~kept) + at)
    empty = np.zeros(0, dtype=np.intp)
    return tuple(np.concatenate(found) if found else empty for found in (ends, first, other))  # type: ignore[return-value]


def _numeric_rows_fast(text: str, columns: int) -> tuple[NDArray[np.float64], list[int]] | None:
    """What :func:`_numeric_rows` returns for ``text``, found with whole-array operations (a
    million TUM lines took 30 s line by line), or None where that cannot tell: a line that is
    neither a comment nor blank and holds a character other than a number's (digits, ``.``,
    ``e``, ``E``, ``+``, ``-``) or a separator (``_``, ``nan``, a stray comma only), a field
    count other than ``columns``, a field ``float`` refuses, a value that is not finite, no data
    line, or line breaks other than ``\n`` and ``\r\n``. The line-by-line reading then gives the
    result or the error, with its line: the two agree on every file (the comment and blank lines
    are those of ``str.splitlines`` and ``str.strip``, the numbers ``float``'s)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    raw = text.encode("utf-8")
    ends, first, other = _scan_bytes(raw)  # line i is raw[starts[i]:ends[i]]
    if not raw.endswith(b"\n"):
        ends = np.append(ends, len(raw))
    starts = np.concatenate(([0], ends[:-1] + 1))
    fields = np.diff(np.searchsorted(first, np.append(starts, len(raw))))  # fields of each line
    comment = np.zeros(len(ends), dtype=bool)
    for i in np.unique(np.searchsorted(ends, other)).tolist():  # comments hold any text
        line = raw[starts[i] : ends[i]].decode("utf-8")
        if any(c in line for c in _OTHER_LINE_BREAKS) or not line.strip().startswith("#"):
            return None
        comment[i] = True
    blank = (fields == 0) & ~comment
    for i in np.flatnonzero(blank).tolist():
        if b"," in raw[starts[i] : ends[i]]:  # a line of commas is no blank line
            return None
    kept = ~comment & ~blank
    if not kept.any() or (fields[kept] != columns).any():
        return None
    if comment.any():  # the text of the other lines (blank ones hold no field)
        cut = np.flatnonzero(comment).tolist()
        bounds = zip([0, *(ends[i] + 1 for i in cut)], [*(starts[i] for i in cut), len(raw)], strict=True)
        raw = b"".join(raw[a:b] for a, b in bounds)
    if b"," in raw:
        raw = raw.replace(b",", b" ")
    try:  # NumPy reads each field with Python's own float parser (PyOS_string_to_double)
        values = np.loadtxt(io.TextIOWrapper(io.BytesIO(raw), encoding="ascii"), comments=None, ndmin=2)
    except ValueError:  # "1e", "1-2", "--1": the line-by-line reading names it
        return None
    if values.shape != (int(kept.sum()), columns) or not np.isfinite(values).all():  # "1e999"
        return None
    return values, (np.flatnonzero(kept) + 1).tolist()


def _frame_index_timestamps(n: int) -> NDArray[np.float64]:
    return np.arange(n, dtype=np.float64)


#: How far from 1 a stored quaternion's norm may be before it is an error, not rounding.
QUATERNION_NORM_TOLERANCE = 1e-3


def _real(path: Path, name: str, array: NDArray[Any]) -> NDArray[np.float64]:
    """``array`` as float64, refusing dtypes whose conversion would change or invent values.

    Complex numbers would lose their imaginary part, booleans and strings are not numbers, and
    durations (timedelta64, which NumPy counts as integers) would lose their unit: 1 ms was read
    as 1 s.
    """
    if array.dtype.kind not in "iuf":
        raise FileFormatError(path, f"{name}: expected real numbers, got dtype {array.dtype}")
    return np.asarray(array, dtype=np.float64)


def _quaternion_norm_problem(norm: float) -> str | None:
    """Why a quaternion of this norm is not a stored rotation (None when it is one, up to rounding)."""
    if abs(norm - 1.0) <= QUATERNION_NORM_TOLERANCE:
        return None
    return f"quaternion norm {norm:.4g} is not 1"


def _trajectory(path: Path, *args: Any, **kwargs: Any) -> Trajectory:
    """A :class:`Trajectory`, its shape errors reported against ``path``."""
    try:
        return Trajectory(*args, **kwargs)
    except ValueError as exc:
        raise FileFormatError(path, str(exc)) from exc


#: Range of scene depths (``meta[META_SCENE_DEPTH]``, the scale translation is divided by) taken
#: from a file: the bound :data:`~camerabench.trajectory.MAX_COORDINATE` puts on camera positions
#: (a depth is a distance in the same units, and no unit puts a scene 1e100 away), and its inverse
#: (1e-100 of any unit, nanometres included, is 1e-74 Planck lengths). Within it, a translation up
#: to MAX_COORDINATE divided by the depth stays below 1e200, finite in float64; outside it a corrupt
#: value was scored as it came: MegaSaM depths of 1e-300 gave Move_In 1.4e300, depths of 1e300
#: every primitive 1e-300, both "ok" (red team R80).
SCENE_DEPTH_RANGE = (1.0 / MAX_COORDINATE, MAX_COORDINATE)


def _depth_problem(what: str, depth: float) -> str | None:
    """Why ``depth`` (described as ``what``: the field it comes from) is no scene depth, or None."""
    low, high = SCENE_DEPTH_RANGE
    if not np.isfinite(depth) or depth <= 0:
        return f"{what} is {depth}, not a positive finite depth"
    if not low <= depth <= high:
        side = "below" if depth < low else "above"
        return (
            f"{what} is {depth:.3g}, {side} the range {low:g} to {high:g} (the bound camera positions have) "
            "that a scene depth in any unit lies in: a corrupt value?"
        )
    return None


def _check_depth(path: Path, what: str, depth: float) -> float:
    """``depth``, or a :class:`FileFormatError` naming ``path`` when it is no scene depth (:func:`_depth_problem`)."""
    problem = _depth_problem(what, depth)
    if problem is not None:
        raise FileFormatError(path, problem)
    return depth


# --------------------------------------------------------------------------- npz (camerabench, MegaSaM)
def save_npz(path: PathLike, traj: Trajectory) -> None:
    """Write ``cam_c2w``, ``intrinsic`` (if known), ``timestamps`` and ``scene_depth`` (if in meta).

    A trajectory flagged ``meta[META_FOCAL_FIXED]`` (one K for the whole video) is written with
    that single (3,3) ``intrinsic``, which :func:`load_npz` reads back flagged.

    Raises:
        ValueError: ``meta[META_SCENE_DEPTH]`` is not what :func:`load_npz` reads back as the
            same depth: a positive finite real number held exactly in float64 (``True`` and
            ``"2"`` were written as 1.0 and 2.0; a NaN, 0 or (1,) array made a file its reader
            refuses). Nothing is written then. Or the trajectory is flagged
            ``meta[META_FOCAL_FIXED]`` but its frames' intrinsics differ. Or its poses are no rigid
            camera path in time order (:func:`_check_to_write`: a :class:`FileFormatError`).
    """
    _check_to_write(path, traj)
    arrays: dict[str, Any] = {"cam_c2w": traj.cam_c2w, "timestamps": traj.timestamps}
    if traj.intrinsic is not None:
        arrays["intrinsic"] = _intrinsic_to_save(traj)
    if traj.meta.get(META_SCENE_DEPTH) is not None:  # the translation scale of a monocular estimate
        arrays["scene_depth"] = _scene_depth_to_save(traj.meta[META_SCENE_DEPTH])
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def _intrinsic_to_save(traj: Trajectory) -> NDArray[np.float64]:
    """``traj``'s (N,3,3) intrinsics, or its single (3,3) K when it is flagged
    ``meta[META_FOCAL_FIXED]`` (so that the flag survives the file)."""
    k = traj.intrinsic
    assert k is not None
    if not traj.meta.get(META_FOCAL_FIXED):
        return k
    if not (k == k[0]).all():
        i = int(np.argmax(~(k == k[0]).all(axis=(1, 2))))
        raise ValueError(
            f"trajectory meta {META_FOCAL_FIXED} says one K for every frame, but frame {i}'s differs from the first's"
        )
    return k[0]


def _warn_focal_fixed_lost(path: Path, traj: Trajectory, layout: str) -> None:
    """Warn that ``traj``, flagged ``meta[META_FOCAL_FIXED]`` (one K for the whole video: its zoom is
    unknown), is written as ``layout``, which holds a K per frame: read back, its equal Ks are a
    measured focal length, and the zoom reads as measured none."""
    if traj.intrinsic is not None and traj.meta.get(META_FOCAL_FIXED):
        log.warning(
            "%s: the trajectory has one intrinsic matrix for the whole video (%s: its zoom is unknown), but %s "
            "holds one per frame: read back, its zoom reads as measured, and none",
            path,
            META_FOCAL_FIXED,
            layout,
        )


def _scene_depth_to_save(value: Any) -> np.float64:
    """``value`` as the float64 :func:`load_npz` accepts and reads back equal to it (see :func:`save_npz`)."""
    depth = np.asarray(value)
    what = f"trajectory meta {META_SCENE_DEPTH}={value!r}"
    if depth.dtype.kind not in "iuf":  # as _real: no bool, text, complex number or duration
        raise ValueError(
            f"{what} must be a real number (int or float), got {type(value).__name__} of dtype {depth.dtype}"
        )
    if depth.shape != ():
        raise ValueError(f"{what} must be a single number, got shape {depth.shape}")
    saved = np.float64(depth)
    if not (np.isfinite(saved) and saved > 0):
        raise ValueError(f"{what} is not a positive finite depth")
    if _depth_problem("it", float(saved)) is not None:  # load_npz would refuse the file
        raise ValueError(f"{what} is outside {SCENE_DEPTH_RANGE[0]:g} to {SCENE_DEPTH_RANGE[1]:g} (a corrupt value?)")
    exact = int(saved) == int(depth) if depth.dtype.kind in "iu" else saved == depth  # 2**53 + 1, a long double
    if not exact:
        raise ValueError(f"{what} is not held exactly in float64 (it would be read back as {float(saved)!r})")
    return saved


def load_npz(path: PathLike, timestamps_fps: float | None = None) -> Trajectory:
    """Read an npz with ``cam_c2w`` and optionally ``intrinsic``, ``timestamps``, ``scene_depth``.

    A (3,3) ``intrinsic`` is one K for the whole video (MegaSaM's): broadcast to every frame and
    flagged ``meta[META_FOCAL_FIXED]`` (the focal length was held fixed, so the zoom is unknown);
    so is a (1,3,3) one beside two or more poses (that K with a frame axis: it was refused as no
    (N,3,3)); an (N,3,3) one is measured per frame.

    Args:
        path: the file.
        timestamps_fps: when the file has no ``timestamps``, use ``arange(N) / fps``; without it
            frame indices are used as timestamps.
    """
    path = Path(path)
    fps = timestamps_fps
    if fps is not None and (isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not 0 < fps < np.inf):
        # 0 meant frame indices, NaN NaN times, a negative rate times running backwards, inf all zero
        raise ValueError(f"timestamps_fps must be a positive finite frame rate or None, got {timestamps_fps!r}")
    arrays, found = _read_npz(path, ("cam_c2w", "intrinsic", "timestamps", "scene_depth"))
    if "cam_c2w" not in arrays:
        raise FileFormatError(path, f"no 'cam_c2w' array (found {found})")
    meta: dict[str, Any] = {}
    c2w = _real(path, "cam_c2w", arrays["cam_c2w"])
    k = _real(path, "intrinsic", arrays["intrinsic"]) if "intrinsic" in arrays else None
    ts = _real(path, "timestamps", arrays["timestamps"]) if "timestamps" in arrays else None
    if "scene_depth" in arrays:
        depth = _real(path, "scene_depth", arrays["scene_depth"])
        if depth.shape != ():
            raise FileFormatError(path, f"bad array: scene_depth must be a scalar, got shape {depth.shape}")
        meta[META_SCENE_DEPTH] = _check_depth(path, "scene_depth", float(depth))
    if k is not None and k.shape == (1, 3, 3) and c2w.ndim > 0 and c2w.shape[0] > 1:  # one K with a frame axis
        k = k[0]
    if k is not None and k.shape == (3, 3):
        meta[META_FOCAL_FIXED] = True
    if ts is None:
        ts = np.arange(len(c2w), dtype=np.float64) / (1.0 if timestamps_fps is None else float(timestamps_fps))
    else:
        _check_timestamp_resolution(path, arrays["timestamps"].dtype, ts)
    return _trajectory(path, c2w, k, ts, meta)


#: Coarsest rounding of timestamps (s) taken without checking it against their spacing.
TIMESTAMP_RESOLUTION = 1e-4


def _check_timestamp_resolution(path: Path, dtype: np.dtype[Any], ts: NDArray[np.float64]) -> None:
    """Refuse timestamps stored in a type too coarse for their magnitude: float32 seconds of a
    clock at 1e6 s are rounded to 1/16 s, so 10 fps poses came out 0.0625 and 0.125 s apart
    (silently wrong speeds), and at Unix time (1.7e9 s) every pose of a clip had one time."""
    if ts.ndim != 1 or len(ts) < 2 or not np.isfinite(ts).all():
        return  # Trajectory and pose_problem say what is wrong
    biggest = float(np.abs(ts).max())
    resolution = float(np.spacing(biggest))  # integers are exact in float64 up to 2**53
    if np.issubdtype(dtype, np.floating):
        resolution = max(resolution, float(np.spacing(dtype.type(biggest))))
    with np.errstate(over="ignore"):  # a span beyond float64: pose_problem's
        step = float(ts[-1] - ts[0]) / (len(ts) - 1)
    # Below 0.1 ms, equal or decreasing times are the file's own (pose_problem names them).
    if resolution >= TIMESTAMP_RESOLUTION and resolution > 0.1 * abs(step):
        raise FileFormatError(
            path,
            f"timestamps of magnitude {biggest:.4g} held as {dtype} are rounded to {resolution:.3g} s, "
            f"beyond a tenth of their mean step {step:.3g} s: store them as times from the first frame",
        )


def read_megasam(path: PathLike) -> Trajectory:
    """MegaSaM output npz; ``depths`` (if any) give the first frame's median scene depth.

    That median (of the positive finite depths of ``depths[0]``), like a ``scene_depth``, must lie
    in :data:`SCENE_DEPTH_RANGE`, the bound camera positions have (a corrupt depth map was scored as
    it came, every translation multiplied by up to 1e300)."""
    path = Path(path)
    traj = load_npz(path)
    arrays, found = _read_npz(path, ("depths",) if META_SCENE_DEPTH not in traj.meta else ())
    if "depths" in arrays:
        depths = arrays["depths"]
        if depths.ndim < 3 or len(depths) != len(traj):
            raise FileFormatError(path, f"depths must be ({len(traj)}, H, W) like cam_c2w, got {depths.shape}")
        depth0 = _real(path, "depths", depths[0])
        valid = depth0[np.isfinite(depth0) & (depth0 > 0)]
        if valid.size == 0:
            raise FileFormatError(path, "depths[0] has no positive finite value")
        median = float(np.median(valid))
        traj.meta[META_SCENE_DEPTH] = _check_depth(path, "depths: the median of depths[0] (the scene depth)", median)
    if "timestamps" not in found:
        traj.meta[META_TIMESTAMPS] = TIMESTAMPS_FRAME_INDEX
    return traj


def write_megasam(path: PathLike, traj: Trajectory, depths: NDArray[np.float64] | None = None) -> None:
    """Write the MegaSaM layout (``cam_c2w``, ``intrinsic``, ``timestamps``, optional ``depths``);
    poses its reader would refuse are refused first (:func:`_check_to_write`)."""
    _check_to_write(path, traj)
    if depths is None:
        save_npz(path, traj)
        return
    arrays: dict[str, Any] = {"cam_c2w": traj.cam_c2w, "timestamps": traj.timestamps, "depths": depths}
    if traj.intrinsic is not None:
        arrays["intrinsic"] = _intrinsic_to_save(traj)
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


# --------------------------------------------------------------------------- TUM (evo)
def to_evo(traj: Trajectory) -> Any:
    """An ``evo.core.trajectory.PoseTrajectory3D`` with the same poses and timestamps."""
    from evo.core.trajectory import PoseTrajectory3D

    return PoseTrajectory3D(poses_se3=[p.copy() for p in traj.cam_c2w], timestamps=traj.timestamps.copy())


def from_evo(evo_traj: Any, intrinsic: NDArray[np.float64] | None = None) -> Trajectory:
    """A :class:`Trajectory` from an evo ``PoseTrajectory3D`` (poses and timestamps)."""
    poses = np.stack(evo_traj.poses_se3)
    return Trajectory(poses, intrinsic, np.asarray(evo_traj.timestamps, dtype=np.float64))


def write_tum(path: PathLike, traj: Trajectory) -> None:
    """TUM file (``t x y z qx qy qz qw``, camera-to-world) through evo; poses its reader would
    refuse are refused first (:func:`_check_to_write`: evo wrote a scaled rotation as a quaternion
    of a rotation, and failed on NaN with a LinAlgError)."""
    from evo.tools import file_interface

    _check_to_write(path, traj)
    with atomic_open(path, "w") as fh:
        file_interface.write_tum_trajectory_file(fh, to_evo(traj))


def read_tum(path: PathLike) -> Trajectory:
    """Read a TUM file (no intrinsics): the rows evo's ``read_tum_trajectory_file`` reads, under
    :func:`_numeric_rows`'s rules, turned into poses all at once (evo made a matrix per pose:
    30 s for a million)."""
    from scipy.spatial.transform import Rotation

    path = Path(path)
    text = _read_text(path)
    rows, lines = _numeric_rows(path, 8, "TUM", text)
    _check_tum_header(path, text, lines[0])
    _check_timestamp_resolution(path, np.dtype(np.float64), rows[:, 0])  # 19-digit times that differ past float64
    norms = np.linalg.norm(rows[:, 4:], axis=1)
    bad = (norms == 0) | ~(np.abs(norms - 1.0) <= QUATERNION_NORM_TOLERANCE)
    if bad.any():
        i = int(np.argmax(bad))
        if norms[i] == 0:
            raise FileFormatError(path, "the quaternion is zero", lines[i])
        # evo would normalise it without a word
        raise FileFormatError(path, f"{_quaternion_norm_problem(float(norms[i]))} (is it qx qy qz qw?)", lines[i])
    poses = np.zeros((len(rows), 4, 4))
    poses[:, 3, 3] = 1.0
    poses[:, :3, :3] = Rotation.from_quat(rows[:, 4:]).as_matrix()  # x y z w, as the file
    poses[:, :3, 3] = rows[:, 1:4]
    traj = Trajectory(poses, None, rows[:, 0].copy())
    _check_poses(path, traj, lines)
    return traj


def _quaternion_component(name: str) -> str | None:
    """Which quaternion component a column name of a header names (``qw``, ``q_w``, ``q_RS_w``,
    ``quat_x``: "w", "x"), or None for another column."""
    letters = re.sub(r"[^a-z]", "", name.lower())
    return letters[-1] if letters.startswith("q") and letters[-1:] in ("w", "x", "y", "z") else None


def _check_tum_header(path: Path, text: str, first_data_line: int) -> None:
    """Refuse a TUM file whose header (a comment line of 8 column names before the first pose)
    names its quaternion columns in another order than ``qx qy qz qw``: EuRoC-style tools write
    ``timestamp,x,y,z,qw,qx,qy,qz``, whose rows were read with w as qx, each pose turned by up to
    180 degrees without a word."""
    for number, line in enumerate(_first_lines(text, first_data_line - 1), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        names = re.sub(r"\[[^\]]*\]", " ", stripped.lstrip("#")).replace(",", " ").split()  # units: "[m]"
        if len(names) != 8:
            continue
        order = "".join(_quaternion_component(n) or "?" for n in names[4:])
        if sorted(order) == ["w", "x", "y", "z"] and order != "xyzw":
            raise FileFormatError(
                path,
                f"the header names the quaternion columns {' '.join(names[4:])} ({order[0]} first): a TUM file "
                "holds t x y z qx qy qz qw (w last); reorder the columns",
                number,
            )


def _first_lines(text: str, count: int) -> list[str]:
    """``text.splitlines()[:count]`` without splitting the whole of a long text."""
    size = 4096
    while size < len(text):
        head = text[:size].splitlines()
        if len(head) > count:  # the last one may be cut short; those before are whole
            return head[:count]
        size *= 2
    return text.splitlines()[:count]


def _check_poses(path: Path, traj: Trajectory, lines: list[int]) -> None:
    """The poses of a text file with one pose per data line (``lines``: each pose's line number)
    checked by :func:`~camerabench.trajectory.pose_issue`; the error names the bad pose's line."""
    issue = pose_issue(traj)
    if issue is not None:
        frame, problem = issue
        if frame is None or len(lines) != len(traj):
            raise FileFormatError(path, problem if frame is None else f"frame {frame}: {problem}")
        raise FileFormatError(path, f"pose {frame}: {problem}", lines[frame])


# --------------------------------------------------------------------------- KITTI (evo)
def read_kitti(path: PathLike) -> Trajectory:
    """KITTI pose file (3x4 camera-to-world per line, as evo's ``read_kitti_poses_file`` reads
    it, under :func:`_numeric_rows`'s rules); frame indices as timestamps."""
    path = Path(path)
    rows, lines = _numeric_rows(path, 12, "KITTI")
    poses = np.zeros((len(rows), 4, 4))
    poses[:, 3, 3] = 1.0
    poses[:, :3, :] = rows.reshape(-1, 3, 4)
    traj = Trajectory(poses, None, _frame_index_timestamps(len(poses)), meta={META_TIMESTAMPS: TIMESTAMPS_FRAME_INDEX})
    _check_poses(path, traj, lines)
    return traj


def write_kitti(path: PathLike, traj: Trajectory) -> None:
    """KITTI pose file through evo; poses its reader would refuse are refused first
    (:func:`_check_to_write`)."""
    from evo.core.trajectory import PosePath3D
    from evo.tools import file_interface

    _check_to_write(path, traj)
    with atomic_open(path, "w") as fh:
        file_interface.write_kitti_poses_file(fh, PosePath3D(poses_se3=list(traj.cam_c2w)))


# --------------------------------------------------------------------------- pose arrays
def pose_array_to_c2w(poses: NDArray[np.float64], world_to_camera: bool) -> NDArray[np.float64]:
    """(N, 7) ``[tx ty tz qx qy qz qw]`` rows -> (N, 4, 4) camera-to-world.

    Args:
        poses: the rows (quaternion scalar-last, as scipy and DROID-SLAM write it).
        world_to_camera: True if a row maps world to camera coordinates (MegaSaM ``poses.npy``).

    Example:
        >>> row = np.array([[1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 1.0]])
        >>> pose_array_to_c2w(row, world_to_camera=True)[0, :3, 3].tolist()
        [-1.0, -2.0, -3.0]
    """
    from scipy.spatial.transform import Rotation

    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 2 or poses.shape[1] != 7:  # a single (7,) row gave a bare IndexError
        raise ValueError(f"pose rows must be an (N, 7) array of [tx ty tz qx qy qz qw], got shape {poses.shape}")
    finite = np.isfinite(poses).all(axis=1)
    if not finite.all():  # scipy said "Found zero norm quaternions" of a NaN quaternion
        i = int(np.argmax(~finite))
        raise ValueError(f"pose row {i} holds NaN or infinite values: {poses[i].tolist()}")
    # scipy silently normalised a quaternion of norm 2 (read_pose_array refuses it: the same rule)
    off = np.abs(np.linalg.norm(poses[:, 3:7], axis=1) - 1.0) > QUATERNION_NORM_TOLERANCE
    if off.any():
        i = int(np.argmax(off))
        problem = _quaternion_norm_problem(float(np.linalg.norm(poses[i, 3:7])))
        raise ValueError(f"pose row {i}: {problem} (tolerance {QUATERNION_NORM_TOLERANCE:g}): not a rotation")
    mats = np.tile(np.eye(4), (len(poses), 1, 1))
    mats[:, :3, :3] = Rotation.from_quat(poses[:, 3:7]).as_matrix()
    mats[:, :3, 3] = poses[:, :3]
    out = np.asarray(np.linalg.inv(mats) if world_to_camera else mats, dtype=np.float64)
    return out


def c2w_to_pose_array(cam_c2w: NDArray[np.float64], world_to_camera: bool) -> NDArray[np.float64]:
    """Inverse of :func:`pose_array_to_c2w`.

    Raises:
        ValueError: ``cam_c2w`` is not an (N, 4, 4) array (a single (4, 4) pose gave a bare IndexError).
    """
    from scipy.spatial.transform import Rotation

    cam_c2w = np.asarray(cam_c2w)
    if cam_c2w.ndim != 3 or cam_c2w.shape[1:] != (4, 4):
        raise ValueError(f"camera-to-world poses must be an (N, 4, 4) array, got shape {cam_c2w.shape}")
    mats = np.linalg.inv(cam_c2w) if world_to_camera else cam_c2w
    quat_xyzw = Rotation.from_matrix(mats[:, :3, :3]).as_quat()
    return np.concatenate([mats[:, :3, 3], quat_xyzw], axis=1)


def _intrinsics_path(path: Path) -> Path | None:
    """``intrinsics.npy`` (N,4) beside a ``poses.npy`` (``.txt`` beside ``.txt``), else None."""
    if path.stem != "poses":
        return None
    return path.with_name("intrinsics" + path.suffix)


#: Factor from the ``intrinsics.npy`` DROID-SLAM's ``save_reconstruction`` writes to those of the
#: images it tracked. Checked in princeton-vl/DROID-SLAM: ``droid_slam/motion_filter.py``
#: appends ``intrinsics / 8.0`` to the ``DepthVideo`` (its 1/8-resolution feature maps), and
#: ``save_reconstruction`` in ``demo.py`` saves ``droid.video.intrinsics[:t]`` with
#: ``tstamps.npy`` beside them. MegaSaM's ``save_full_reconstruction``
#: (``camera_tracking_scripts/test_demo.py``) saves ``intrinsics * 8.0`` and no ``tstamps.npy``.
#: Either way the images are the ones DROID-SLAM tracked (resized to about 384x512), not the
#: video's frames.
DROID_INTRINSICS_SCALE = 8.0


def _droid_intrinsics_scale(k_path: Path, fxfycxcy: NDArray[np.float64]) -> float:
    """:data:`DROID_INTRINSICS_SCALE`, unless the ``images.npy`` DROID-SLAM's
    ``save_reconstruction`` writes beside them (N, 3, H, W: the tracked images) says the
    intrinsics are already at image resolution (a fork): then 1, with a warning. The principal
    point is near the image centre: ``cx`` is compared with W/2 at both scales (only the array's
    header is read)."""
    images = k_path.with_name("images.npy")
    if k_path.suffix != ".npy" or not images.is_file() or not len(fxfycxcy):
        return DROID_INTRINSICS_SCALE
    try:
        shape = np.load(images, mmap_mode="r", allow_pickle=False).shape
    except (OSError, ValueError, EOFError) as exc:
        log.warning("%s: not read (%s): DROID-SLAM's intrinsics are taken at 1/8 resolution", images, exc)
        return DROID_INTRINSICS_SCALE
    if len(shape) != 4 or shape[-1] < 2:
        return DROID_INTRINSICS_SCALE
    half_width = shape[-1] / 2.0
    cx = float(np.median(fxfycxcy[:, 2]))
    if abs(cx - half_width) < abs(cx * DROID_INTRINSICS_SCALE - half_width):
        log.warning(
            "%s: principal point x %.4g is near half the width of the images in %s (%d px): intrinsics already "
            "at image resolution (not DROID-SLAM's 1/8), taken as they are",
            k_path,
            cx,
            images.name,
            shape[-1],
        )
        return 1.0
    return DROID_INTRINSICS_SCALE


def _tstamps_path(path: Path) -> Path | None:
    """``tstamps.npy`` (N,) beside a ``poses.npy`` (``.txt`` beside ``.txt``), else None."""
    if path.stem != "poses":
        return None
    return path.with_name("tstamps" + path.suffix)


def _read_frame_numbers(path: Path, n: int) -> NDArray[np.float64]:
    """The frame index of each of ``n`` poses from a DROID-SLAM ``tstamps`` file.

    DROID-SLAM's ``save_reconstruction`` keeps only its keyframes: ``poses.npy`` holds them and
    ``tstamps.npy`` their indices in the image stream it read (float32 whole numbers, increasing,
    with gaps). Without them the keyframes were spread evenly over the video, which made a camera
    that moved in a burst move steadily.
    """
    what = "tstamps (frame indices)"
    if path.suffix == ".npy":
        _check_numpy_file(path, ".npy array")
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise FileFormatError(path, f"cannot read npy: {exc}") from exc
        if not isinstance(arr, np.ndarray) or not (arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1)):
            shape = arr.shape if isinstance(arr, np.ndarray) else type(arr).__name__
            raise FileFormatError(path, f"expected an (N,) {what} array, got {shape}")
        frames = _real(path, what, arr.reshape(-1))
        lines: list[int] | None = None
    else:
        rows, lines = _numeric_rows(path, 1, what)
        frames = rows[:, 0]
    if len(frames) != n:
        raise FileFormatError(path, f"{len(frames)} {what} for {n} poses")
    bad = ~np.isfinite(frames) | (frames < 0) | (frames != np.round(frames))
    if bad.any():
        i = int(np.argmax(bad))
        raise FileFormatError(
            path, f"entry {i}: {frames[i]:g} is not a frame index (a whole number >= 0)", lines[i] if lines else None
        )
    if n > 1 and not (np.diff(frames) > 0).all():
        i = int(np.argmax(~(np.diff(frames) > 0))) + 1
        raise FileFormatError(
            path,
            f"entry {i}: frame index {frames[i]:g} does not increase (previous {frames[i - 1]:g})",
            lines[i] if lines else None,
        )
    return np.asarray(frames, dtype=np.float64)


def _load_array(path: Path, columns: int, what: str) -> tuple[NDArray[np.float64], list[int] | None]:
    """An (N, columns) array from ``.npy`` or from text (one row per line, with line numbers)."""
    if path.suffix != ".npy":
        return _numeric_rows(path, columns, what)
    _check_numpy_file(path, ".npy array")
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise FileFormatError(path, f"cannot read npy: {exc}") from exc
    if not isinstance(arr, np.ndarray) or arr.ndim != 2 or arr.shape[1] != columns or len(arr) == 0:
        shape = arr.shape if isinstance(arr, np.ndarray) else type(arr).__name__
        raise FileFormatError(path, f"expected an (N, {columns}) {what} array, got {shape}")
    values = _real(path, what, arr)
    if not np.all(np.isfinite(values)):
        raise FileFormatError(path, f"{what} array contains NaN or inf")
    return values, None


def read_pose_array(path: PathLike, world_to_camera: bool) -> Trajectory:
    """(N,7) ``[t, q_xyzw]`` rows from ``.npy`` or text, with ``intrinsics`` (N,4) beside ``poses.*``.

    Beside a ``poses.*``, ``tstamps.*`` marks DROID-SLAM's ``save_reconstruction`` layout: its
    entries are the poses' frame indices and ``intrinsics.*`` are at 1/8 resolution, so they are
    multiplied by :data:`DROID_INTRINSICS_SCALE`. Without ``tstamps.*`` (MegaSaM's
    ``save_full_reconstruction``, which writes none and saves its intrinsics already times 8) they
    are taken as they are.

    Intrinsics rows whose focal lengths are all the same (two or more poses; ``fx`` and ``fy``
    within float32 rounding, :func:`_one_focal`, whatever the principal point) are one calibration
    repeated per pose, not a focal length measured per frame: the trajectory is flagged
    ``meta[META_FOCAL_FIXED]`` and its zoom is unknown. DROID-SLAM holds the calibration it is given
    fixed (its bundle adjustment does not optimise intrinsics), so its ``intrinsics.npy`` repeats one
    row; read as measured, every zoom came out a made-up 0 and Static was answered on rotation and
    translation alone. A focal length a method did measure varies between frames in its last digits.

    Args:
        path: the file.
        world_to_camera: True if the rows map world to camera coordinates (MegaSaM ``poses.npy``).
    """
    path = Path(path)
    poses, lines = _load_array(path, 7, "pose [t, q_xyzw]")
    norms = np.linalg.norm(poses[:, 3:7], axis=1)
    if np.any(np.abs(norms - 1.0) > QUATERNION_NORM_TOLERANCE):
        bad = int(np.argmax(np.abs(norms - 1.0)))
        line = lines[bad] if lines is not None else None
        raise FileFormatError(path, f"row {bad}: quaternion norm {norms[bad]:.4f} is not 1 (is it [t, q_xyzw]?)", line)
    t_path = _tstamps_path(path)
    droid = t_path is not None and t_path.is_file()  # DROID-SLAM's save_reconstruction layout
    meta: dict[str, Any] = {META_TIMESTAMPS: TIMESTAMPS_FRAME_INDEX}
    intrinsic = None
    k_path = _intrinsics_path(path)
    if k_path is not None and k_path.is_file():
        fxfycxcy, _ = _load_array(k_path, 4, "intrinsics [fx fy cx cy]")
        if len(fxfycxcy) != len(poses):
            raise FileFormatError(k_path, f"{len(fxfycxcy)} rows of [fx fy cx cy] for {len(poses)} poses")
        if droid:  # DROID-SLAM keeps them at its 1/8 feature resolution (see DROID_INTRINSICS_SCALE)
            fxfycxcy = fxfycxcy * _droid_intrinsics_scale(k_path, fxfycxcy)
        intrinsic = np.zeros((len(poses), 3, 3))
        intrinsic[:, 0, 0], intrinsic[:, 1, 1] = fxfycxcy[:, 0], fxfycxcy[:, 1]
        intrinsic[:, 0, 2], intrinsic[:, 1, 2], intrinsic[:, 2, 2] = fxfycxcy[:, 2], fxfycxcy[:, 3], 1.0
        if _one_focal(fxfycxcy):
            meta[META_FOCAL_FIXED] = True  # one calibration repeated per pose: the zoom was not measured
    if droid:  # DROID-SLAM keyframes: their frame indices
        assert t_path is not None
        frames = _read_frame_numbers(t_path, len(poses))
        meta[META_FRAME_NUMBERS] = t_path.name
    else:
        frames = _frame_index_timestamps(len(poses))
    c2w = pose_array_to_c2w(poses, world_to_camera)
    return Trajectory(c2w, intrinsic, frames, meta=meta)


#: Largest relative difference between two rows' ``fx`` (or ``fy``) that :func:`_one_focal` takes
#: for the same value: 8 float32 rounding steps (2**-23 each), what storing one calibration in
#: float32 and scaling it can leave; a focal length a method estimates varies far more (CUT3R's
#: per-frame estimates of a still camera, 1e-3 and more).
ONE_FOCAL_TOLERANCE = 8 * 2.0**-23


def _one_focal(fxfycxcy: NDArray[np.float64]) -> bool:
    """Whether (N, 4) ``fx fy cx cy`` rows (N >= 2) hold one focal length: ``fx`` and ``fy`` the
    same in every row within :data:`ONE_FOCAL_TOLERANCE` (the zoom reads them only; a principal
    point that drifts says nothing of the zoom).

    Example:
        >>> rows = np.tile([400.0, 400.0, 160.0, 120.0], (3, 1))
        >>> rows[:, 2] += [0.0, 1.5, 3.2]  # the principal point drifts, the focal length does not
        >>> _one_focal(rows), _one_focal(rows * [1, 1.001, 1, 1]), _one_focal(rows[:1])
        (True, True, False)
        >>> rows[2, 0] *= 1.001  # one frame zoomed in
        >>> _one_focal(rows)
        False
    """
    if len(fxfycxcy) < 2:
        return False
    f = fxfycxcy[:, :2]
    return bool(np.all(np.abs(f - f[0]) <= ONE_FOCAL_TOLERANCE * np.abs(f[0])))


def _save_array(path: Path, array: NDArray[np.float64]) -> None:
    if path.suffix == ".npy":
        with atomic_open(path, "wb") as fh:
            np.save(fh, array)
    else:
        with atomic_open(path, "w") as fh:
            np.savetxt(fh, array, fmt="%.17g", delimiter=" ")


def _whole_frame_numbers(ts: NDArray[np.float64]) -> bool:
    """Whether timestamps ``ts`` are frame indices: whole numbers >= 0 (increasing: Trajectory's)."""
    return bool(np.isfinite(ts).all() and (ts >= 0).all() and (ts == np.round(ts)).all())


def write_pose_array(path: PathLike, traj: Trajectory, world_to_camera: bool) -> None:
    """Write (N,7) ``[t, q_xyzw]`` rows (world-to-camera if asked) as ``.npy`` or text.

    A file named ``poses.*`` is written in DROID-SLAM's ``save_reconstruction`` layout when the
    timestamps are frame indices (whole numbers >= 0): ``tstamps.*`` (N,) holds them, so frames
    with gaps between them keep their frame numbers, and ``intrinsics.*`` (N,4) ``fx fy cx cy``
    (when the trajectory has intrinsics) are at DROID-SLAM's 1/8 resolution, as
    :func:`read_pose_array` reads them beside ``tstamps.*``. Other timestamps (seconds) are not
    written, with a warning (the format holds frame indices only), and the intrinsics are written
    as they are, as MegaSaM writes them. A trajectory flagged ``meta[META_FOCAL_FIXED]`` is written
    with its one K repeated per pose (refused, before anything is written, when its frames' Ks
    differ), which :func:`read_pose_array` reads back flagged (as it does
    any equal rows: an unflagged trajectory whose focal length is the same in every frame reads back
    with its zoom unknown, with a warning here).
    """
    path = Path(path)
    _check_to_write(path, traj)
    k_path = _intrinsics_path(path)
    t_path = _tstamps_path(path)
    fxfycxcy = _pinhole_params(traj, "intrinsics rows") if k_path is not None and traj.intrinsic is not None else None
    if fxfycxcy is not None and traj.meta.get(META_FOCAL_FIXED):
        _intrinsic_to_save(traj)  # refuses, before anything is written, a flagged one whose Ks differ
    frames = t_path is not None and _whole_frame_numbers(traj.timestamps)
    if t_path is not None and not frames:
        log.warning(
            "%s: timestamps (%s, ...) are no frame indices: not written (tstamps hold frame indices); the poses "
            "will be read as frames 0, 1, 2, ...",
            path,
            ", ".join(f"{t:g}" for t in traj.timestamps[:3]),
        )
    _save_array(path, c2w_to_pose_array(traj.cam_c2w, world_to_camera))
    if k_path is not None and fxfycxcy is not None:
        if not traj.meta.get(META_FOCAL_FIXED) and _one_focal(fxfycxcy):
            log.warning(
                "%s: the trajectory's focal length is the same in every frame: read back, %s's equal rows are one "
                "calibration held fixed, and its zoom is unknown",
                path,
                k_path.name,
            )
        _save_array(k_path, fxfycxcy / DROID_INTRINSICS_SCALE if frames else fxfycxcy)
    if t_path is not None:
        if frames:
            _save_array(t_path, np.asarray(traj.timestamps, dtype=np.float64))
        elif t_path.is_file():  # an old one would time these poses with another trajectory's frames
            t_path.unlink()


def _pinhole_params(traj: Trajectory, what: str) -> NDArray[np.float64]:
    """(N, 4) ``fx fy cx cy`` of ``traj``'s intrinsics, refusing a skew ``K[0, 1]`` they cannot hold
    (it was dropped without a word)."""
    k = traj.intrinsic
    assert k is not None
    skew = np.abs(k[:, 0, 1]) > INTRINSIC_TOLERANCE * np.abs(k[:, 0, 0])
    if skew.any():
        i = int(np.argmax(skew))
        raise CameraBenchError(f"{what} hold fx fy cx cy and no skew, but frame {i} has K[0, 1] = {k[i, 0, 1]:g}")
    return np.stack([k[:, 0, 0], k[:, 1, 1], k[:, 0, 2], k[:, 1, 2]], axis=1)


# --------------------------------------------------------------------------- COLMAP model (pycolmap)
def colmap_c2w(image: Any) -> NDArray[np.float64]:
    """(4, 4) camera-to-world pose of a registered ``pycolmap.Image``."""
    w2c = np.eye(4)
    w2c[:3, :] = np.asarray(image.cam_from_world().matrix(), dtype=np.float64)
    c2w = np.asarray(np.linalg.inv(w2c), dtype=np.float64)
    return c2w


def colmap_median_depth(rec: Any, image: Any) -> float | None:
    """Median depth (in model units) of the 3D points seen by ``image``; None if it sees none."""
    w2c = np.asarray(image.cam_from_world().matrix(), dtype=np.float64)
    pts = [rec.points3D[p.point3D_id].xyz for p in image.points2D if p.has_point3D()]
    if not pts:
        return None
    depth = (np.asarray(pts) @ w2c[:3, :3].T + w2c[:3, 3])[:, 2]
    depth = depth[depth > 0]
    return float(np.median(depth)) if depth.size else None


class _BinaryCursor:
    """Reads a COLMAP binary file front to back; running out of bytes is an error naming the file.

    pycolmap does not check for the end of a binary file: a truncated one reads as zeros, as
    fewer records, or loops forever on an image name that never ends.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data = path.read_bytes()
        except OSError as exc:
            raise FileFormatError(path, f"cannot read: {exc}") from exc
        self.offset = 0

    def _need(self, size: int) -> None:
        if self.offset + size > len(self.data):
            left = len(self.data) - self.offset
            raise FileFormatError(self.path, f"truncated: {size} bytes needed at byte {self.offset}, {left} left")

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        self._need(size)
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return values

    def count(self) -> int:
        return int(self.take("<Q")[0])

    def skip(self, count: int, size: int) -> None:
        self._need(count * size)
        self.offset += count * size

    def skip_name(self) -> None:
        end = self.data.find(b"\0", self.offset)
        if end < 0:
            raise FileFormatError(self.path, f"truncated: the image name at byte {self.offset} never ends")
        self.offset = end + 1

    def check_quaternion(self, what: str, qvec: tuple[float, ...]) -> None:
        problem = _quaternion_norm_problem(float(np.linalg.norm(qvec)))
        if problem is not None:  # pycolmap would normalise it without a word
            raise FileFormatError(self.path, f"{what}: {problem}")

    def finish(self) -> None:
        if self.offset != len(self.data):
            extra = len(self.data) - self.offset
            raise FileFormatError(
                self.path, f"{extra} bytes after its last record: a wrong record count or a corrupt file"
            )


def _camera_num_params(path: Path, model_id: int) -> int:
    import pycolmap

    models = {int(m): m for m in pycolmap.CameraModelId.__members__.values() if int(m) >= 0}
    if model_id not in models:
        raise FileFormatError(path, f"unknown camera model id {model_id}")
    return len(pycolmap.Camera.create_from_model_id(1, models[model_id], 1.0, 1, 1).params)


def _colmap_text_lines(text: str) -> list[str]:
    """The lines of a COLMAP text file as its reader splits them (at ``\n`` only: a form feed or
    ``\x85`` in an image name is no line break), after dropping a byte-order mark and turning
    ``\r\n`` and lone ``\r`` (old Mac line ends, which COLMAP would read as one long line) into ``\n``."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def _check_colmap_cameras(folder: Path, lines: list[tuple[int, str]]) -> set[int]:
    """Each ``cameras.txt`` line holds as many finite parameters as its model takes (COLMAP's
    reader says only ``Check failed: camera.VerifyParams()``)."""
    import pycolmap

    seen: dict[str, int] = {}
    for number, line in lines:
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        where = f"cannot read COLMAP model: cameras.txt line {number}"
        if fields[0] in seen:  # COLMAP's reader says "Check failed: cameras_.emplace(...).second"
            raise FileFormatError(folder, f"{where}: camera id {fields[0]} is also that of line {seen[fields[0]]}")
        seen[fields[0]] = number
        model = pycolmap.CameraModelId.__members__.get(fields[1]) if len(fields) > 1 else None
        if model is None or int(model) < 0:
            raise FileFormatError(folder, f"{where}: no known camera model in {line!r}")
        expected = _camera_num_params(folder / "cameras.txt", int(model))
        if len(fields) - 4 != expected:
            raise FileFormatError(
                folder,
                f"{where}: camera {fields[0]}: {fields[1]} takes {expected} parameters after WIDTH HEIGHT, "
                f"found {max(len(fields) - 4, 0)}",
            )
        try:
            params = [float(f) for f in fields[4:]]
        except ValueError:
            raise FileFormatError(folder, f"{where}: not a number in {line!r}") from None
        if not np.isfinite(params).all():
            raise FileFormatError(folder, f"{where}: camera {fields[0]}: a parameter is NaN or infinite")
    return {int(camera_id) for camera_id in seen if camera_id.isdigit()}


#: Fields of an ``images.txt`` image line: IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME.
_IMAGE_FIELDS = 10


def _check_colmap_binary(folder: Path) -> None:
    """Walk every binary file of the model (layout of COLMAP's ``reconstruction_io_binary.cc``)."""
    if (folder / "rigs.bin").is_file():
        cur = _BinaryCursor(folder / "rigs.bin")
        for _ in range(cur.count()):
            rig_id, num_sensors = cur.take("<II")
            if num_sensors > 0:
                cur.take("<iI")  # the reference sensor
            for _ in range(max(num_sensors - 1, 0)):
                *_, has_pose = cur.take("<iIB")
                if has_pose:
                    cur.check_quaternion(f"rig {rig_id} sensor_from_rig", cur.take("<7d")[:4])
        cur.finish()
    cur = _BinaryCursor(folder / "cameras.bin")
    cameras: set[int] = set()
    for _ in range(cur.count()):
        camera_id, model_id, _, _ = cur.take("<IiQQ")
        if camera_id in cameras:
            raise FileFormatError(cur.path, f"camera id {camera_id} is used twice")
        cameras.add(camera_id)
        cur.skip(_camera_num_params(cur.path, model_id), 8)
    cur.finish()
    if (folder / "frames.bin").is_file():
        cur = _BinaryCursor(folder / "frames.bin")
        for _ in range(cur.count()):
            frame_id, _, *pose, num_data = cur.take("<II7dI")
            cur.check_quaternion(f"frame {frame_id}", tuple(pose[:4]))
            cur.skip(num_data, 16)
        cur.finish()
    cur = _BinaryCursor(folder / "images.bin")
    ids: dict[str, str] = {}
    for _ in range(cur.count()):
        image_id, *pose, camera_id = cur.take("<I7dI")
        cur.check_quaternion(f"image {image_id}", tuple(pose[:4]))
        _check_image_ids(cur.path, f"record {len(ids) + 1}", str(image_id), str(camera_id), ids, cameras)
        cur.skip_name()
        cur.skip(cur.count(), 24)  # points2D: x, y, point3D_id
    cur.finish()
    cur = _BinaryCursor(folder / "points3D.bin")
    for _ in range(cur.count()):
        cur.skip(cur.take("<Q3d3BdQ")[-1], 8)  # the track: image_id, point2D_idx
    cur.finish()


def _check_image_ids(
    path: Path, where: str, image_id: str, camera_id: str, ids: dict[str, str], cameras: set[int], prefix: str = ""
) -> None:
    """An image (``where``: its ``images.txt`` line or ``images.bin`` record, for the message) has
    an image id not used before (``ids``: id -> where) and a camera of the model (``cameras``)."""
    if image_id in ids:
        raise FileFormatError(path, f"{prefix}{where}: image id {image_id} is also that of {ids[image_id]}")
    ids[image_id] = where
    if not (camera_id.isdigit() and int(camera_id) in cameras):
        known = ", ".join(str(c) for c in sorted(cameras)[:5]) + (", ..." if len(cameras) > 5 else "")
        raise FileFormatError(
            path, f"{prefix}{where}: image {image_id}: camera {camera_id} is not in the model's cameras ({known})"
        )


def _check_colmap_text(folder: Path, fixed: Path) -> Path:
    """Check ``cameras.txt`` and the poses of ``images.txt`` and ``frames.txt``; the model folder
    pycolmap can read.

    Returns ``folder``, or ``fixed`` holding copies of its text files without the UTF-8
    byte-order mark that COLMAP's reader does not skip and with ``\n`` line ends
    (:func:`_colmap_text_lines`).
    """
    texts: dict[str, str] = {}
    for name in ("rigs.txt", "cameras.txt", "frames.txt", "images.txt", "points3D.txt"):
        if (folder / name).is_file():  # UTF-16 text named as such (read_text), not as a stray byte 0xff
            texts[name] = read_text(folder / name)
    data = {
        name: [(n, line.strip()) for n, line in enumerate(_colmap_text_lines(text), start=1)]
        for name, text in texts.items()
    }
    cameras = _check_colmap_cameras(folder, data.get("cameras.txt", []))
    for name, first, what in (("images.txt", 1, "image"), ("frames.txt", 2, "frame")):
        lines = iter(data.get(name, []))
        ids: dict[str, str] = {}
        named: dict[str, tuple[int, str]] = {}  # image name -> (line, image id)
        for number, line in lines:
            if not line or line.startswith("#"):
                continue
            fields = [f.decode() for f in line.encode().split()]  # at ASCII white space, as C++ >> does
            if name == "images.txt" and len(fields) != _IMAGE_FIELDS:
                raise FileFormatError(
                    folder / name,
                    f"image line of {len(fields)} fields, not {_IMAGE_FIELDS} (IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID "
                    "NAME)"
                    + (
                        ": white space in the image name? COLMAP's text format reads a name up to the first space"
                        if len(fields) > _IMAGE_FIELDS  # COLMAP would cut the name there without a word
                        else ""
                    ),
                    number,
                )
            try:
                qvec = [float(f) for f in fields[first : first + 4]]
                pose = [float(f) for f in fields[first : first + 7]]
            except ValueError:
                raise FileFormatError(folder / name, f"not a number in {line!r}", number) from None
            if not np.isfinite(pose).all():  # COLMAP's reader says only "Check failed: line_stream1 >> ..."
                raise FileFormatError(folder / name, f"{what} {fields[0]}: a pose value is NaN or infinite", number)
            problem = _quaternion_norm_problem(float(np.linalg.norm(qvec))) if len(qvec) == 4 else None
            if problem is not None:  # pycolmap would normalise it without a word
                raise FileFormatError(folder / name, f"{what} {fields[0]}: {problem}", number)
            if name == "images.txt":  # COLMAP's reader says "Check failed: inserted" or "Rig with ID 7 does not exist"
                where, prefix = f"images.txt line {number}", "cannot read COLMAP model: "  # as cameras.txt's errors
                _check_image_ids(folder, where, fields[0], fields[8], ids, cameras, prefix)
                if fields[9] in named:  # name order is frame order: two images of one name leave it undefined
                    raise FileFormatError(
                        folder / name,
                        f"image {fields[0]}: its name {fields[9]!r} is image {named[fields[9]][1]}'s too (line "
                        f"{named[fields[9]][0]}): image names give the frame order",
                        number,
                    )
                named[fields[9]] = (number, fields[0])
            if name == "images.txt":  # the next line (which may be empty) lists the image's points2D;
                # pycolmap drops an image whose points2D line is missing at the end of the file
                number, points = next(lines, (number + 1, "# the end of the file"))
                if points.startswith("#") or len(points.split()) % 3:
                    raise FileFormatError(
                        folder / name, "expected the image's POINTS2D line (X Y POINT3D_ID ...)", number
                    )
    if not any(text.startswith("\ufeff") or "\r" in text for text in texts.values()):
        return folder
    for name, text in texts.items():
        (fixed / name).write_text("".join(line + "\n" for line in _colmap_text_lines(text)), encoding="utf-8")
    return fixed


def _frame_order_key(name: str) -> tuple[tuple[Any, ...], str]:
    """Sort key putting image names in frame order: runs of digits compare as numbers.

    Example:
        >>> sorted(["f_10.png", "f_9.png", "f_1.png"], key=_frame_order_key)
        ['f_1.png', 'f_9.png', 'f_10.png']
    """
    parts = re.split(r"(\d+)", name)  # text, digits, text, ...: the same type at each position
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def _frame_numbers(names: list[str]) -> list[int] | None:
    """The frame number of each image name, or None when the names hold none to compare.

    The frame number of a name is its last run of digits that is not the same in every name
    (``img_0007_x2.png``: 7). None for fewer than two names, names without digits, names of
    different patterns (different counts of digit runs) or names whose digits never vary.
    """
    if len(names) < 2:
        return None
    runs = [[int(d) for d in re.findall(r"\d+", name)] for name in names]
    if not any(runs) or len({len(r) for r in runs}) != 1:
        return None
    varying = [i for i in range(len(runs[0])) if len({r[i] for r in runs}) > 1]
    if not varying:
        return None
    return [r[varying[-1]] for r in runs]


def _check_frame_numbers(folder: Path, names: list[str]) -> None:
    """Refuse image names (in frame order) that hold more than one sequence of frames.

    Two images with one frame number (:func:`_frame_numbers`) are two views of one frame: a
    multi-camera model (``cam0/0001.png``, ``cam1/0001.png``) or several videos, whose name
    order would join their paths end to end. Names without digits give no frame order: a warning.
    """
    if len(names) < 2:
        return
    if not any(re.search(r"\d", name) for name in names):
        log.warning("%s: the image names hold no frame numbers; the frames are taken in name order", folder)
        return
    numbers = _frame_numbers(names)
    if numbers is None:
        return
    seen: dict[int, str] = {}
    for name, number in zip(names, numbers, strict=True):
        if number in seen:
            raise FileFormatError(
                folder,
                f"images {seen[number]} and {name} carry the same frame number {number}: several cameras or "
                "videos in one model? The trajectory method reads one camera's frames of one video",
            )
        seen[number] = name


def _colmap_frame_times(folder: Path, names: list[str]) -> NDArray[np.float64]:
    """Frame-index timestamps of a model's images (in frame order): their frame numbers when the
    names carry them, so that a model that registered frames 0-2 and 7-9 keeps the gap (indices
    0-5 would spread the six poses evenly over the video and halve the speed of the movement);
    else 0, 1, 2, ..."""
    numbers = _frame_numbers(names)
    if numbers is None:
        return _frame_index_timestamps(len(names))
    times = np.asarray(numbers, dtype=np.float64)
    if not (np.diff(times) > 0).all():
        log.warning(
            "%s: the frame numbers of the image names do not increase in name order; the frames are taken as "
            "evenly spaced",
            folder,
        )
        return _frame_index_timestamps(len(names))
    return times


#: An image name that is its time in seconds, as the TUM RGB-D benchmark names its frames
#: (``rgb/1305031102.175304.png``).
_SECONDS_NAME = re.compile(r"(\d+\.\d+)\.[A-Za-z][A-Za-z0-9]*")


def _name_seconds(names: list[str]) -> dict[str, float] | None:
    """Each image name's time in seconds when every name (its last path part) is a time in seconds
    (:data:`_SECONDS_NAME`), else None. Their digits were taken as two frame numbers, of which the
    fractional part counted: ``1305031102.175304.png`` and ``1305031103.175304.png`` were one
    frame of two cameras, and other models' frames were taken as evenly spaced."""
    matches = [_SECONDS_NAME.fullmatch(name.replace("\\", "/").rsplit("/", 1)[-1]) for name in names]
    if len(names) < 2 or not all(matches):
        return None
    return {name: float(m.group(1)) for name, m in zip(names, matches, strict=True) if m is not None}


def _check_colmap_files(folder: Path) -> None:
    """A text model holds ``cameras.txt``, ``images.txt`` and ``points3D.txt`` (COLMAP's reader says
    that all its files "do not exist" when one is missing, or the three are not in one format)."""
    ext = "txt" if (folder / "cameras.txt").is_file() else "bin"
    missing = [
        f"{name}.{ext}" for name in ("cameras", "images", "points3D") if not (folder / f"{name}.{ext}").is_file()
    ]
    if missing:
        present = sorted(
            p.name
            for p in folder.iterdir()
            if p.stem in ("cameras", "images", "points3D") and p.suffix in (".bin", ".txt")
        )
        raise FileFormatError(
            folder,
            "cannot read COLMAP model: it holds cameras, images and points3D (and from COLMAP 3.12 on also rigs "
            f"and frames), all .bin or all .txt; found {', '.join(present)}, no {', '.join(missing)}",
        )


def _check_colmap_rigs_frames(folder: Path, ext: str) -> None:
    """A model of COLMAP 3.12 or later holds ``rigs`` and ``frames`` (in the format of its other
    files) beside the classic three, an older one neither: with one of the two missing pycolmap's
    reader fails with its internal text ("unordered_map::at" without frames, "Rig with ID 1 does
    not exist" without rigs); without both it makes one rig per camera and one frame per image."""
    present = [name for name in ("rigs", "frames") if (folder / f"{name}.{ext}").is_file()]
    if len(present) == 1:
        missing = "frames" if present == ["rigs"] else "rigs"
        raise FileFormatError(
            folder,
            f"cannot read COLMAP model: it holds {present[0]}.{ext} but no {missing}.{ext}; a model of COLMAP 3.12 "
            f"or later holds both (an older one neither, and is read without them): copy {missing}.{ext} with "
            "the rest of the model",
        )


def _is_colmap_model(folder: Path) -> bool:
    return folder.is_dir() and any((folder / f"cameras.{ext}").is_file() for ext in ("bin", "txt"))


def read_colmap_model(folder: PathLike) -> Trajectory:
    """A COLMAP sparse model: registered images in name order (numbers in names compared as
    numbers, so that ``frame_10`` follows ``frame_9``), per-image K, median first-frame depth.

    When the registered images (two or more) all share one camera, their focal length was held
    fixed (COLMAP refines one camera's parameters for all of them), not measured per image: the
    trajectory is flagged ``meta[META_FOCAL_FIXED]`` and its zoom is unknown. Images with their
    own cameras keep their measured focal lengths."""
    import pycolmap

    folder = Path(folder)
    _require_folder(folder)
    if not _is_colmap_model(folder):
        raise FileFormatError(folder, "no cameras.bin or cameras.txt: not a COLMAP sparse model folder")
    binary = all((folder / f"{name}.bin").is_file() for name in ("cameras", "images", "points3D"))
    if not binary:
        _check_colmap_files(folder)
    _check_colmap_rigs_frames(folder, "bin" if binary else "txt")
    if binary:
        _check_colmap_binary(folder)
    with tempfile.TemporaryDirectory() as fixed:
        source = folder if binary else _check_colmap_text(folder, Path(fixed))
        # pycolmap reports a missing rig, camera or point (an inconsistent model) as IndexError or
        # KeyError when it is used; MemoryError: a corrupt length field.
        try:
            rec = pycolmap.Reconstruction(str(source))
            registered = [im for im in rec.images.values() if im.has_pose]
            seconds = _name_seconds([im.name for im in registered])
            images = sorted(registered, key=lambda im: _frame_order_key(im.name))
            if seconds is not None:  # "1305031102.2.png" follows "1305031102.175304.png"
                images = sorted(images, key=lambda im: seconds[im.name])
            c2w = np.stack([colmap_c2w(im) for im in images]) if images else None
            intrinsic = [np.asarray(im.camera.calibration_matrix(), dtype=np.float64) for im in images]
            cameras = {im.camera_id for im in images}
            depth = colmap_median_depth(rec, images[0]) if images else None
        except (RuntimeError, ValueError, OSError, MemoryError, IndexError, KeyError) as exc:
            raise FileFormatError(folder, f"cannot read COLMAP model: {exc}") from exc
    if c2w is None:
        raise FileFormatError(folder, "the COLMAP model has no registered image")
    names = [im.name for im in images]
    twice = sorted(name for name, n in Counter(names).items() if n > 1)
    if twice:  # name order is frame order: two images of one name leave it undefined (text: checked above)
        raise FileFormatError(
            folder / f"images.{'bin' if binary else 'txt'}", f"image name(s) used twice: {', '.join(twice[:3])}"
        )
    meta: dict[str, Any] = {META_IMAGE_NAMES: names}
    if len(images) > 1 and len(cameras) == 1:  # one camera, one focal length, for every image
        meta[META_FOCAL_FIXED] = True
    if seconds is not None:  # times in seconds, as a TUM file's
        times = np.asarray([seconds[name] for name in names], dtype=np.float64)
        same = np.flatnonzero(np.diff(times) == 0)
        if same.size:
            i = int(same[0])
            raise FileFormatError(
                folder, f"images {names[i]} and {names[i + 1]} carry the same time: several cameras in one model?"
            )
    else:
        _check_frame_numbers(folder, names)
        meta[META_TIMESTAMPS] = TIMESTAMPS_FRAME_INDEX
        times = _colmap_frame_times(folder, names)
        numbers = _frame_numbers(names)
        if numbers is not None and np.array_equal(times, numbers):  # not 0, 1, 2, ... for want of numbers
            meta[META_FRAME_NUMBERS] = "image names"
    if depth is not None:  # from the points3D seen by the first image
        what = f"the median depth of the 3D points image {names[0]} sees (the scene depth)"
        meta[META_SCENE_DEPTH] = _check_depth(folder, what, depth)
    traj = _trajectory(folder, c2w, np.stack(intrinsic), times, meta)
    # the checks every other reader makes (read_colmap_model is also called on its own)
    issue = pose_issue(traj)
    if issue is not None:
        frame, problem = issue
        raise FileFormatError(folder, problem if frame is None else f"image {names[frame]} (frame {frame}): {problem}")
    return traj


def write_colmap_model(folder: PathLike, traj: Trajectory, size: tuple[int, int] = (320, 192)) -> None:
    """Write poses and intrinsics as a COLMAP sparse model (one PINHOLE camera per image, no points).

    Images are named ``frame_00000.png``, ... so that name order is frame order; ``size`` is the
    (width, height) of every camera. A trajectory flagged ``meta[META_FOCAL_FIXED]`` (one K for the
    whole video) gets one camera shared by every image, as COLMAP's ``single_camera`` writes it,
    which :func:`read_colmap_model` reads back flagged.

    Raises:
        CameraBenchError: no intrinsics, a skew K, or a trajectory flagged
            ``meta[META_FOCAL_FIXED]`` whose frames' intrinsics differ.
    """
    import pycolmap

    _check_to_write(folder, traj)
    if traj.intrinsic is None:
        raise CameraBenchError("a COLMAP model needs intrinsics")
    params = _pinhole_params(traj, "a COLMAP model's PINHOLE cameras")
    shared = bool(traj.meta.get(META_FOCAL_FIXED))
    if shared and not (params == params[0]).all():
        raise CameraBenchError(
            f"trajectory meta {META_FOCAL_FIXED} says one camera for every frame, but the frames' intrinsics differ"
        )
    folder = Path(folder)
    rec = pycolmap.Reconstruction()
    for i, (pose, fxfycxcy) in enumerate(zip(traj.cam_c2w, params, strict=True)):
        camera_id = 1 if shared else i + 1
        if not shared or i == 0:
            cam = pycolmap.Camera(
                model="PINHOLE", width=size[0], height=size[1], params=fxfycxcy.tolist(), camera_id=camera_id
            )
            rec.add_camera_with_trivial_rig(cam)
        w2c = np.linalg.inv(pose)
        cam_from_world = pycolmap.Rigid3d(pycolmap.Rotation3d(w2c[:3, :3]), w2c[:3, 3])
        image = pycolmap.Image(name=f"frame_{i:05d}.png", camera_id=camera_id, image_id=i + 1)
        rec.add_image_with_trivial_frame(image, cam_from_world)
    folder.mkdir(parents=True, exist_ok=True)
    rec.write(str(folder))


# --------------------------------------------------------------------------- CUT3R demo output
#: File name of one frame's camera in a CUT3R output folder's ``camera/``: its frame number.
_CUT3R_NAME = re.compile(r"(\d+)\.npz")


def _is_cut3r_output(folder: Path) -> bool:
    return folder.is_dir() and (folder / "camera").is_dir()


def _cut3r_array(path: Path, arrays: dict[str, NDArray[Any]], name: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    array = _real(path, name, arrays[name])
    if array.shape != shape:
        raise FileFormatError(path, f"{name} must be {shape}, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise FileFormatError(path, f"{name} holds NaN or infinite values")
    return array


def read_cut3r(folder: PathLike) -> Trajectory:
    """A CUT3R demo output folder (``demo.py --output_dir``): one ``camera/NNNNNN.npz`` per frame.

    As CUT3R's ``demo.py`` (``prepare_output``) writes them: ``pose`` (4,4) camera-to-world (its
    ``cam2world_tosave``, from ``pose_encoding_to_camera``) and ``intrinsics`` (3,3) at the
    resolution CUT3R ran at (``--size``, 512 by default), named by the frame's index, ``000000.npz``
    on. Frames are ordered by their number as a number; the numbers are the frame-index
    timestamps, so a missing file leaves a gap in time. ``depth/NNNNNN.npy`` of the first frame,
    when there, gives the median scene depth (``meta[META_SCENE_DEPTH]``).
    """
    folder = Path(folder)
    _require_folder(folder)
    camera = folder / "camera"
    if not camera.is_dir():
        raise FileFormatError(folder, "no camera/ folder: not a CUT3R output folder (demo.py --output_dir)")
    numbered: dict[int, Path] = {}
    for entry in sorted(camera.iterdir(), key=lambda p: p.name):
        if entry.suffix.lower() != ".npz":
            continue
        match = _CUT3R_NAME.fullmatch(entry.name)
        if match is None:
            raise FileFormatError(entry, "a CUT3R camera file is named by its frame number (000000.npz, ...)")
        number = int(match.group(1))
        if number in numbered:
            raise FileFormatError(
                entry, f"frame number {number} is also the number of {numbered[number].name}: two cameras of one frame"
            )
        numbered[number] = entry
    if not numbered:
        raise FileFormatError(camera, "no camera file (NNNNNN.npz): CUT3R wrote no frame here")
    frames = sorted(numbered)
    c2w = np.empty((len(frames), 4, 4))
    intrinsic = np.empty((len(frames), 3, 3))
    for i, number in enumerate(frames):
        path = numbered[number]
        arrays, found = _read_npz(path, ("pose", "intrinsics"))
        missing = [name for name in ("pose", "intrinsics") if name not in arrays]
        if missing:
            raise FileFormatError(path, f"no {' or '.join(repr(m) for m in missing)} array (found {found})")
        c2w[i] = _cut3r_array(path, arrays, "pose", (4, 4))
        intrinsic[i] = _cut3r_array(path, arrays, "intrinsics", (3, 3))
    traj = _trajectory(camera, c2w, intrinsic, np.asarray(frames, dtype=np.float64), {})
    issue = pose_issue(traj)
    if issue is not None:
        frame, problem = issue
        raise FileFormatError(numbered[frames[frame]] if frame is not None else camera, problem)
    traj.meta[META_TIMESTAMPS] = TIMESTAMPS_FRAME_INDEX
    traj.meta[META_FRAME_NUMBERS] = "camera/ file names"
    depth_path = folder / "depth" / numbered[frames[0]].with_suffix(".npy").name
    if depth_path.is_file():
        _check_numpy_file(depth_path, ".npy array")
        try:
            depth = np.load(depth_path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise FileFormatError(depth_path, f"cannot read npy: {exc}") from exc
        if not isinstance(depth, np.ndarray) or depth.ndim != 2:
            shape = depth.shape if isinstance(depth, np.ndarray) else type(depth).__name__
            raise FileFormatError(depth_path, f"expected an (H, W) depth map, got {shape}")
        depth = _real(depth_path, "depth", depth)
        valid = depth[np.isfinite(depth) & (depth > 0)]
        if valid.size == 0:
            raise FileFormatError(depth_path, "the depth map has no positive finite value")
        median = float(np.median(valid))
        traj.meta[META_SCENE_DEPTH] = _check_depth(depth_path, "the median of the depth map (the scene depth)", median)
    return traj


def write_cut3r(folder: PathLike, traj: Trajectory) -> None:
    """Write ``traj`` as CUT3R's demo does: ``camera/NNNNNN.npz`` with ``pose`` (camera-to-world)
    and ``intrinsics`` (3,3), in float64, named by the frame number (six digits): the timestamps
    when they are frame indices (whole numbers >= 0), so gaps survive; else (seconds, which the
    format cannot hold) 0, 1, 2, ..., with a warning, as the other frame-index formats write them.
    A trajectory flagged ``meta[META_FOCAL_FIXED]`` is written with a warning: the folder holds a K
    per frame, read back as a measured focal length.

    Raises:
        CameraBenchError: no intrinsics (CUT3R writes them for every frame).
    """
    _check_to_write(folder, traj)
    if traj.intrinsic is None:
        raise CameraBenchError("a CUT3R output folder holds intrinsics for every frame; the trajectory has none")
    frames = traj.timestamps
    if not _whole_frame_numbers(frames):
        log.warning(
            "%s: timestamps (%s, ...) are no frame indices: the camera files are numbered 0, 1, 2, ...",
            folder,
            ", ".join(f"{t:g}" for t in frames[:3]),
        )
        frames = _frame_index_timestamps(len(traj))
    _warn_focal_fixed_lost(Path(folder), traj, "a CUT3R output folder (camera/NNNNNN.npz intrinsics per frame)")
    camera = Path(folder) / "camera"
    camera.mkdir(parents=True, exist_ok=True)
    for pose, k, number in zip(traj.cam_c2w, traj.intrinsic, frames, strict=True):
        with atomic_open(camera / f"{int(number):06d}.npz", "wb") as fh:
            np.savez(fh, pose=pose, intrinsics=k)


# --------------------------------------------------------------------------- by format name
@dataclass(frozen=True)
class TrajectoryFormat:
    """One trajectory format: its reader, writer and where a video's file is looked for.

    Attributes:
        name: the format's name (a :data:`FORMATS` key).
        read: path -> trajectory.
        write: (path, trajectory) -> None.
        patterns: candidate paths relative to a trajectory folder, ``{stem}`` replaced by the
            video's file stem; the first existing one is used.
        folder: the trajectory is a folder (a COLMAP model, a CUT3R output folder), not a file.
        is_folder_of: for a folder format, whether a folder holds one trajectory of it.
    """

    name: str
    read: Callable[[Path], Trajectory]
    write: Callable[[Path, Trajectory], None]
    patterns: tuple[str, ...]
    folder: bool = False
    is_folder_of: Callable[[Path], bool] = Path.is_dir


#: Format name -> :class:`TrajectoryFormat`.
FORMATS: dict[str, TrajectoryFormat] = {
    fmt.name: fmt
    for fmt in (
        TrajectoryFormat(
            "megasam", read_megasam, write_megasam, ("{stem}.npz", "{stem}_sgd_cvd_hr.npz", "{stem}_droid.npz")
        ),
        TrajectoryFormat(
            "poses",
            functools.partial(read_pose_array, world_to_camera=True),
            functools.partial(write_pose_array, world_to_camera=True),
            ("{stem}.npy", "{stem}/poses.npy", "{stem}/poses.txt"),
        ),
        TrajectoryFormat(
            "poses-c2w",
            functools.partial(read_pose_array, world_to_camera=False),
            functools.partial(write_pose_array, world_to_camera=False),
            ("{stem}.npy", "{stem}/poses.npy", "{stem}/poses.txt"),
        ),
        # the format's own extension first: a folder holding both <stem>.txt and <stem>.kitti holds
        # a KITTI file by that name, while its .txt may be another format's (a TUM file)
        TrajectoryFormat("tum", read_tum, write_tum, ("{stem}.tum", "{stem}.txt")),
        TrajectoryFormat("kitti", read_kitti, write_kitti, ("{stem}.kitti", "{stem}.txt")),
        TrajectoryFormat(
            "colmap",
            read_colmap_model,
            write_colmap_model,
            ("{stem}/sparse/0", "{stem}/0", "{stem}"),
            folder=True,
            is_folder_of=_is_colmap_model,
        ),
        TrajectoryFormat("cut3r", read_cut3r, write_cut3r, ("{stem}",), folder=True, is_folder_of=_is_cut3r_output),
    )
}


def _format(fmt: str) -> TrajectoryFormat:
    if fmt not in FORMATS:
        raise CameraBenchError(f"unknown trajectory format {fmt!r} (known: {', '.join(FORMATS)})")
    return FORMATS[fmt]


def candidate_paths(folder: PathLike, stem: str, fmt: str) -> list[Path]:
    """Where a video's trajectory of format ``fmt`` is looked for in ``folder``, in order."""
    return [Path(folder) / pattern.format(stem=stem) for pattern in _format(fmt).patterns]


def find_trajectory_file(folder: PathLike, stem: str, fmt: str) -> Path | None:
    """The first existing :func:`candidate_paths` entry (a model folder for ``colmap``, a folder
    holding ``camera/`` for ``cut3r``), or None.

    For ``colmap``, ``<stem>/sparse/0`` stands for the models COLMAP's mapper writes in
    ``<stem>/sparse`` (``0``, ``1``, ...; :func:`colmap_models`): where ``sparse/0`` is no model
    (an empty folder) but another is, the first of those is found. Which of several models to
    take is the caller's choice (:mod:`camerabench.baselines.geometry.importers`)."""
    form = _format(fmt)
    for path in candidate_paths(folder, stem, fmt):
        if (form.folder and form.is_folder_of(path)) or (not form.folder and path.is_file()):
            return path
        if fmt == "colmap" and path.parent.name == "sparse":
            models = colmap_models(path.parent)
            if models:
                return models[0]
    return None


def colmap_models(sparse: PathLike) -> list[Path]:
    """The COLMAP models in a mapper's output folder ``sparse``: its subfolders named by a number
    (``0``, ``1``, ...) that hold a model (:func:`_is_colmap_model`), in number order; [] when
    ``sparse`` is no folder."""
    sparse = Path(sparse)
    if not sparse.is_dir():
        return []
    numbered = [p for p in sparse.iterdir() if p.name.isdigit() and _is_colmap_model(p)]
    return sorted(numbered, key=lambda p: (int(p.name), p.name))


def _link_note(part: Path) -> str | None:
    """What ``part`` is when it is a symbolic link that cannot be followed: a link loop (it leads
    back to itself; it was called a broken link to a file that does not exist, naming itself, red
    team R80) or a broken link; None otherwise."""
    if not part.is_symlink():
        return None
    try:
        os.stat(part)
    except OSError as exc:
        try:
            target = os.readlink(part)
        except OSError as unread:
            target = f"unreadable: {unread}"
        if exc.errno == errno.ELOOP:
            return f"{part} is a symbolic link loop (it points to {target}, which leads back to it)"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"{part} is a broken link (to {target}, which does not exist)"
        return f"{part} is a symbolic link (to {target}) that cannot be followed: {exc.strerror or exc}"
    return None


#: The files of a COLMAP model other than ``cameras``, by which a folder missing ``cameras`` is
#: recognised as a model that lost it (not any folder).
_COLMAP_OTHER_FILES = ("images", "points3D", "rigs", "frames")


def _partial_colmap_note(folder: Path) -> str | None:
    """What is wrong with ``folder`` when it holds a COLMAP model's files but no ``cameras.bin`` or
    ``cameras.txt`` (the file :func:`_is_colmap_model` looks for): without it the model was not
    found, and the folder was listed as if it were a trajectory (red team R80). None otherwise."""
    if not folder.is_dir() or _is_colmap_model(folder):
        return None
    held = sorted(p.name for p in folder.iterdir() if p.stem in _COLMAP_OTHER_FILES and p.suffix in (".bin", ".txt"))
    if not held:
        return None
    return f"{folder} holds {', '.join(held)} but no cameras.bin or cameras.txt: a COLMAP model missing its cameras"


def missing_notes(folder: PathLike, stem: str, fmt: str) -> list[str]:
    """Why no :func:`candidate_paths` entry of ``stem`` was found, where something is there:
    a candidate (or a folder above it, inside ``folder``) that is a broken symbolic link or a link
    loop; a folder where a file of ``fmt`` is expected (``clip.txt/``); for ``colmap`` a folder
    holding a model's files but no ``cameras``, and a ``<stem>/sparse`` folder whose numbered
    folders hold no model; for ``cut3r`` a ``<stem>`` folder without ``camera/``. [] otherwise."""
    folder = Path(folder)
    form = _format(fmt)
    notes: list[str] = []
    seen: set[Path] = set()
    for path in candidate_paths(folder, stem, fmt):
        part = folder
        for name in path.relative_to(folder).parts:
            part = part / name
            if part in seen:
                continue
            seen.add(part)
            link = _link_note(part)
            if link is not None:
                notes.append(link)
        if not form.folder and path.is_dir():
            notes.append(f"{path} is a folder, not a {fmt} file")
        elif fmt == "colmap":
            partial = _partial_colmap_note(path)
            if partial is not None:
                notes.append(partial)
        elif fmt == "cut3r" and path.is_dir() and not form.is_folder_of(path):
            notes.append(f"{path} holds no camera/ folder (a CUT3R output folder holds camera/000000.npz, ...)")
    sparse = folder / stem / "sparse"
    if fmt == "colmap" and sparse.is_dir() and not colmap_models(sparse):
        held = sorted(p.name for p in sparse.iterdir())
        what = f"holds {', '.join(held[:5])}{', ...' if len(held) > 5 else ''}" if held else "is empty"
        notes.append(f"{sparse} {what}: no COLMAP model (a numbered folder with cameras.bin or cameras.txt)")
        for name in held:
            partial = _partial_colmap_note(sparse / name) if name.isdigit() and sparse / name not in seen else None
            if partial is not None:
                notes.append(partial)
    return notes


def read_trajectory(path: PathLike, fmt: str) -> Trajectory:
    """Read one trajectory file (or COLMAP folder) of format ``fmt`` (a :data:`FORMATS` key).

    The poses are checked to be rigid camera poses (:func:`camerabench.trajectory.pose_problem`).

    Raises:
        FileFormatError: the file cannot be read as ``fmt``, or its poses are not rigid, finite
            and in time order (the message names the first bad frame).
    """
    path = Path(path)
    traj = _format(fmt).read(path)
    problem = pose_problem(traj)
    if problem is not None:
        raise FileFormatError(path, problem)
    return traj


def write_trajectory(path: PathLike, traj: Trajectory, fmt: str) -> None:
    """Write ``traj`` in format ``fmt`` (a :data:`FORMATS` key).

    Raises:
        FileFormatError: the poses are no rigid camera path in time order, with finite poses and
            intrinsics (:func:`~camerabench.trajectory.pose_problem`, what every reader refuses):
            nothing is written.
    """
    _format(fmt).write(Path(path), traj)
