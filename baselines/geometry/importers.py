"""Trajectories estimated elsewhere (MegaSaM, DROID-SLAM, CUT3R, MASt3R, VGGSfM, ...), read and scored.

``camerabench predict --method trajectory --traj-dir DIR --format FMT`` looks up, for each
video ``<stem>.mp4``, the file of that stem in ``DIR``:

* ``megasam``: ``<stem>.npz``, ``<stem>_sgd_cvd_hr.npz`` or ``<stem>_droid.npz`` holding
  ``cam_c2w`` (N,4,4) camera-to-world, ``intrinsic`` (3,3) or (N,3,3), optionally ``depths``
  (N,H,W) or a scalar ``scene_depth``, optionally ``timestamps`` (N,). camerabench's own
  ``trajectories/<stem>.npz`` and ``DATA/gt/<stem>.npz`` are in this layout.
* ``poses``: ``<stem>.npy`` or ``<stem>/poses.npy``, (N,7) **world-to-camera**
  ``[tx ty tz qx qy qz qw]`` (MegaSaM / DROID-SLAM ``poses.npy``), and optionally
  ``<stem>/intrinsics.npy`` (N,4) ``fx fy cx cy``.
* ``poses-c2w``: the same files holding camera-to-world rows (DROID-SLAM's returned trajectory).
* ``tum``: ``<stem>.txt`` or ``<stem>.tum``, TUM ``t x y z qx qy qz qw`` camera-to-world (evo).
* ``kitti``: ``<stem>.txt`` or ``<stem>.kitti``, KITTI 3x4 camera-to-world rows (evo).
* ``colmap``: a COLMAP sparse model folder (``cameras``, ``images``, ``points3D`` as .bin or
  .txt) at ``<stem>/sparse/0``, ``<stem>/0`` or ``<stem>/``; images in name order.

Scale: MegaSaM depths and COLMAP points give the median scene depth seen from the first frame
(``meta["scene_depth"]``), so translation is measured in scene depths; the other formats carry
no depth and translation is divided by the path length (see
:mod:`camerabench.baselines.geometry.motion`). Quaternions: evo uses wxyz, the pose arrays and
pycolmap use xyzw; every reader and writer here says which and the round trips are tested.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.motion import META_SCENE_DEPTH
from camerabench.baselines.geometry.predictor import GeometricPredictor
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import atomic_open
from camerabench.trajectory import Trajectory, load_npz, read_tum, save_npz, write_tum

__all__ = [
    "FORMATS",
    "TrajectoryPredictor",
    "c2w_to_pose_array",
    "find_trajectory_file",
    "pose_array_to_c2w",
    "read_colmap_model",
    "read_kitti",
    "read_megasam",
    "read_pose_array",
    "read_trajectory",
    "write_colmap_model",
    "write_kitti",
    "write_megasam",
    "write_pose_array",
    "write_trajectory",
]

log = logging.getLogger(__name__)

#: format -> candidate file names relative to the trajectory folder (``{stem}`` is replaced).
FORMATS: dict[str, tuple[str, ...]] = {
    "megasam": ("{stem}.npz", "{stem}_sgd_cvd_hr.npz", "{stem}_droid.npz"),
    "poses": ("{stem}.npy", "{stem}/poses.npy"),
    "poses-c2w": ("{stem}.npy", "{stem}/poses.npy"),
    "tum": ("{stem}.txt", "{stem}.tum"),
    "kitti": ("{stem}.txt", "{stem}.kitti"),
    "colmap": ("{stem}/sparse/0", "{stem}/0", "{stem}"),
}


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
    poses = np.asarray(poses, dtype=np.float64)
    mats = np.tile(np.eye(4), (len(poses), 1, 1))
    mats[:, :3, :3] = Rotation.from_quat(poses[:, 3:7]).as_matrix()
    mats[:, :3, 3] = poses[:, :3]
    out = np.asarray(np.linalg.inv(mats) if world_to_camera else mats, dtype=np.float64)
    return out


def c2w_to_pose_array(cam_c2w: NDArray[np.float64], world_to_camera: bool) -> NDArray[np.float64]:
    """Inverse of :func:`pose_array_to_c2w`."""
    mats = np.linalg.inv(cam_c2w) if world_to_camera else np.asarray(cam_c2w)
    quat_xyzw = Rotation.from_matrix(mats[:, :3, :3]).as_quat()
    return np.concatenate([mats[:, :3, 3], quat_xyzw], axis=1)


def read_pose_array(path: Path, world_to_camera: bool) -> Trajectory:
    """A ``poses.npy`` (N,7) file (and ``intrinsics.npy`` (N,4) beside it, if present)."""
    try:
        poses = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise FileFormatError(path, f"cannot read npy: {exc}") from exc
    if poses.ndim != 2 or poses.shape[1] != 7 or len(poses) == 0:
        raise FileFormatError(path, f"expected an (N, 7) array [t, q_xyzw], got shape {poses.shape}")
    if not np.all(np.isfinite(poses)):
        raise FileFormatError(path, "pose array contains NaN or inf")
    norms = np.linalg.norm(poses[:, 3:7], axis=1)
    if np.any(np.abs(norms - 1.0) > 1e-3):
        bad = int(np.argmax(np.abs(norms - 1.0)))
        raise FileFormatError(path, f"row {bad}: quaternion norm {norms[bad]:.4f} is not 1 (is it [t, q_xyzw]?)")
    intrinsic = None
    k_path = path.with_name("intrinsics.npy")
    if path.name == "poses.npy" and k_path.is_file():
        fxfycxcy = np.load(k_path, allow_pickle=False)
        if fxfycxcy.shape != (len(poses), 4):
            raise FileFormatError(k_path, f"expected ({len(poses)}, 4) [fx fy cx cy], got {fxfycxcy.shape}")
        intrinsic = np.zeros((len(poses), 3, 3))
        intrinsic[:, 0, 0], intrinsic[:, 1, 1] = fxfycxcy[:, 0], fxfycxcy[:, 1]
        intrinsic[:, 0, 2], intrinsic[:, 1, 2], intrinsic[:, 2, 2] = fxfycxcy[:, 2], fxfycxcy[:, 3], 1.0
    c2w = pose_array_to_c2w(poses, world_to_camera)
    return Trajectory(c2w, intrinsic, np.arange(len(poses), dtype=np.float64), meta={"timestamps": "frame index"})


def write_pose_array(path: Path, traj: Trajectory, world_to_camera: bool) -> None:
    """Write (N,7) ``[t, q_xyzw]`` rows atomically (world-to-camera if asked)."""
    with atomic_open(path, "wb") as fh:
        np.save(fh, c2w_to_pose_array(traj.cam_c2w, world_to_camera))


# --------------------------------------------------------------------------- MegaSaM npz
def read_megasam(path: Path) -> Trajectory:
    """MegaSaM output npz; ``depths`` (if any) give the first frame's median scene depth."""
    traj = load_npz(path)
    with np.load(path, allow_pickle=False) as data:
        if "scene_depth" in data:  # written by tools that know the scale but keep no depth maps
            traj.meta[META_SCENE_DEPTH] = float(data["scene_depth"])
        elif "depths" in data:
            depth0 = np.asarray(data["depths"][0], dtype=np.float64)
            valid = depth0[np.isfinite(depth0) & (depth0 > 0)]
            if valid.size == 0:
                raise FileFormatError(path, "depths[0] has no positive finite value")
            traj.meta[META_SCENE_DEPTH] = float(np.median(valid))
        if "timestamps" not in data:
            traj.meta["timestamps"] = "frame index"
    return traj


def write_megasam(path: Path, traj: Trajectory, depths: NDArray[np.float64] | None = None) -> None:
    """Write the MegaSaM layout (``cam_c2w``, ``intrinsic``, ``timestamps``, optional ``depths``)."""
    if depths is None:
        save_npz(path, traj)
        return
    arrays: dict[str, Any] = {"cam_c2w": traj.cam_c2w, "timestamps": traj.timestamps, "depths": depths}
    if traj.intrinsic is not None:
        arrays["intrinsic"] = traj.intrinsic
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


# --------------------------------------------------------------------------- KITTI (evo)
def read_kitti(path: Path) -> Trajectory:
    """KITTI pose file (3x4 camera-to-world per line) through evo; frame indices as timestamps."""
    from evo.tools import file_interface
    from evo.tools.file_interface import FileInterfaceException

    try:
        evo_path = file_interface.read_kitti_poses_file(str(path))
    except (FileInterfaceException, ValueError) as exc:
        raise FileFormatError(path, f"not a KITTI pose file: {exc}") from exc
    poses = np.stack(evo_path.poses_se3)
    return Trajectory(poses, None, np.arange(len(poses), dtype=np.float64), meta={"timestamps": "frame index"})


def write_kitti(path: Path, traj: Trajectory) -> None:
    """KITTI pose file through evo, atomically."""
    from evo.core.trajectory import PosePath3D
    from evo.tools import file_interface

    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    file_interface.write_kitti_poses_file(str(tmp), PosePath3D(poses_se3=list(traj.cam_c2w)))
    tmp.replace(path)


# --------------------------------------------------------------------------- COLMAP model
def read_colmap_model(folder: Path) -> Trajectory:
    """A COLMAP sparse model: registered images in name order, per-image K, median first-frame depth."""
    import pycolmap

    if not any((folder / f"cameras.{ext}").is_file() for ext in ("bin", "txt")):
        raise FileFormatError(folder, "no cameras.bin or cameras.txt: not a COLMAP sparse model folder")
    try:
        rec = pycolmap.Reconstruction(str(folder))
    except (RuntimeError, ValueError) as exc:
        raise FileFormatError(folder, f"cannot read COLMAP model: {exc}") from exc
    images = sorted((im for im in rec.images.values() if im.has_pose), key=lambda im: im.name)
    if not images:
        raise FileFormatError(folder, "the COLMAP model has no registered image")
    c2w = np.stack([_colmap_c2w(im) for im in images])
    intrinsic = np.stack([np.asarray(im.camera.calibration_matrix(), dtype=np.float64) for im in images])
    meta: dict[str, Any] = {"timestamps": "frame index", "image_names": [im.name for im in images]}
    depth = colmap_median_depth(rec, images[0])
    if depth is not None:
        meta[META_SCENE_DEPTH] = depth
    return Trajectory(c2w, intrinsic, np.arange(len(images), dtype=np.float64), meta=meta)


def _colmap_c2w(image: Any) -> NDArray[np.float64]:
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


def write_colmap_model(folder: Path, traj: Trajectory, size: tuple[int, int] = (320, 192)) -> None:
    """Write poses and intrinsics as a COLMAP sparse model (one PINHOLE camera per image, no points).

    Images are named ``frame_00000.png``, ... so that name order is frame order.
    """
    import pycolmap

    if traj.intrinsic is None:
        raise CameraBenchError("a COLMAP model needs intrinsics")
    rec = pycolmap.Reconstruction()
    for i, (pose, k) in enumerate(zip(traj.cam_c2w, traj.intrinsic, strict=True)):
        cam = pycolmap.Camera(
            model="PINHOLE", width=size[0], height=size[1], params=[k[0, 0], k[1, 1], k[0, 2], k[1, 2]], camera_id=i + 1
        )
        rec.add_camera_with_trivial_rig(cam)
        w2c = np.linalg.inv(pose)
        cam_from_world = pycolmap.Rigid3d(pycolmap.Rotation3d(w2c[:3, :3]), w2c[:3, 3])
        image = pycolmap.Image(name=f"frame_{i:05d}.png", camera_id=i + 1, image_id=i + 1)
        rec.add_image_with_trivial_frame(image, cam_from_world)
    folder.mkdir(parents=True, exist_ok=True)
    rec.write(str(folder))


# --------------------------------------------------------------------------- dispatch
def find_trajectory_file(traj_dir: Path, stem: str, fmt: str) -> Path:
    """The first existing candidate of :data:`FORMATS` ``[fmt]`` for this video stem.

    Raises:
        PredictionError: none exists (the message lists every path tried).
    """
    tried = [traj_dir / pattern.format(stem=stem) for pattern in FORMATS[fmt]]
    for path in tried:
        if fmt == "colmap" and path.is_dir() and any((path / f"cameras.{e}").is_file() for e in ("bin", "txt")):
            return path
        if fmt != "colmap" and path.is_file():
            return path
    raise PredictionError(f"no {fmt} trajectory for {stem!r}; tried {', '.join(str(p) for p in tried)}")


def read_trajectory(path: Path, fmt: str) -> Trajectory:
    """Read one trajectory file (or COLMAP folder) of format ``fmt`` (a :data:`FORMATS` key)."""
    if fmt not in FORMATS:
        raise CameraBenchError(f"unknown trajectory format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "megasam":
        return read_megasam(path)
    if fmt in ("poses", "poses-c2w"):
        return read_pose_array(path, world_to_camera=fmt == "poses")
    if fmt == "tum":
        return read_tum(path)
    if fmt == "kitti":
        return read_kitti(path)
    return read_colmap_model(path)


def write_trajectory(path: Path, traj: Trajectory, fmt: str) -> None:
    """Write ``traj`` in format ``fmt`` (used for round trips and by tools that export)."""
    if fmt == "megasam":
        write_megasam(path, traj)
    elif fmt in ("poses", "poses-c2w"):
        write_pose_array(path, traj, world_to_camera=fmt == "poses")
    elif fmt == "tum":
        write_tum(path, traj)
    elif fmt == "kitti":
        write_kitti(path, traj)
    elif fmt == "colmap":
        write_colmap_model(path, traj)
    else:
        raise CameraBenchError(f"unknown trajectory format {fmt!r} (known: {', '.join(FORMATS)})")


class TrajectoryPredictor(GeometricPredictor):
    """Scores trajectories that another tool estimated (``--traj-dir``, ``--format``).

    Options:
        traj_dir: folder of trajectory files (required).
        format: a :data:`FORMATS` key (default ``megasam``).
        scorer: a motion scorer name (default ``default``).
        sample_fps: frame rate of the poses, for formats without timestamps (default: the poses
            are spread evenly over the video's duration; without the video, one per second).
    """

    name: ClassVar[str] = "trajectory"
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "scorer": "default",
        "traj_dir": None,
        "format": "megasam",
        "sample_fps": None,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if self.opt("traj_dir") is None:
            raise CameraBenchError("method 'trajectory' needs --traj-dir (the folder of trajectory files)")
        if self.opt("format") not in FORMATS:
            raise CameraBenchError(f"unknown trajectory format {self.opt('format')!r} (known: {', '.join(FORMATS)})")
        if not Path(self.opt("traj_dir")).is_dir():
            raise CameraBenchError(f"{self.opt('traj_dir')}: trajectory folder not found")

    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        fmt = self.opt("format")
        path = find_trajectory_file(Path(self.opt("traj_dir")), Path(video_path).stem, fmt)
        try:
            traj = read_trajectory(path, fmt)
        except FileFormatError as exc:
            raise PredictionError(str(exc)) from exc
        if traj.meta.get("timestamps") == "frame index":
            traj = Trajectory(traj.cam_c2w, traj.intrinsic, self._timestamps(video_path, len(traj)), traj.meta)
        return traj, {"trajectory_file": str(path), "format": fmt}

    def _timestamps(self, video_path: Path, n: int) -> NDArray[np.float64]:
        fps = self.opt("sample_fps")
        if fps is not None:
            return np.arange(n, dtype=np.float64) / float(fps)
        if Path(video_path).is_file():
            from camerabench.video import probe_video

            return np.arange(n, dtype=np.float64) * (probe_video(video_path).duration_s / n)
        log.warning("%s: no video and no sample_fps: pose timestamps are frame indices", video_path)
        return np.arange(n, dtype=np.float64)
