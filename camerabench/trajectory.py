"""Camera trajectories: poses (camera-to-world) + intrinsics + timestamps, and their files.

Conventions for the whole package (OpenCV / COLMAP camera frame): x right, y down, z forward.
``cam_c2w[i]`` maps camera-i coordinates to world coordinates; ``intrinsic[i]`` is the 3x3 K
of frame i in pixels at the resolution the trajectory was estimated at.

Files: ``<video>.npz`` holds ``cam_c2w`` (N,4,4), ``intrinsic`` (N,3,3), ``timestamps`` (N,)
(the MegaSaM layout plus timestamps); ``<video>.txt`` is the same poses in TUM format
(``t x y z qx qy qz qw``), read and written through evo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import FileFormatError
from camerabench.fileio import atomic_open

__all__ = ["Trajectory", "from_evo", "load_npz", "read_tum", "save_npz", "to_evo", "write_tum"]


@dataclass
class Trajectory:
    """A camera trajectory.

    Attributes:
        cam_c2w: (N, 4, 4) camera-to-world poses.
        intrinsic: (N, 3, 3) pinhole intrinsics per frame (None if unknown, e.g. TUM files).
        timestamps: (N,) seconds.
        meta: free-form provenance (e.g. ``{"rotation_only": True}``).
    """

    cam_c2w: NDArray[np.float64]
    intrinsic: NDArray[np.float64] | None
    timestamps: NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cam_c2w = np.asarray(self.cam_c2w, dtype=np.float64)
        self.timestamps = np.asarray(self.timestamps, dtype=np.float64)
        n = self.cam_c2w.shape[0]
        if self.cam_c2w.shape != (n, 4, 4) or n == 0:
            raise ValueError(f"cam_c2w must be (N, 4, 4) with N > 0, got {self.cam_c2w.shape}")
        if self.timestamps.shape != (n,):
            raise ValueError(f"timestamps must be ({n},), got {self.timestamps.shape}")
        if self.intrinsic is not None:
            k = np.asarray(self.intrinsic, dtype=np.float64)
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
        return 0.5 * (self.intrinsic[:, 0, 0] + self.intrinsic[:, 1, 1])


def save_npz(path: str | Path, traj: Trajectory) -> None:
    """Write ``cam_c2w``, ``intrinsic`` (if known), ``timestamps`` and ``scene_depth`` (if in meta), atomically."""
    arrays: dict[str, Any] = {"cam_c2w": traj.cam_c2w, "timestamps": traj.timestamps}
    if traj.intrinsic is not None:
        arrays["intrinsic"] = traj.intrinsic
    if traj.meta.get("scene_depth") is not None:  # the translation scale of a monocular estimate
        arrays["scene_depth"] = np.float64(traj.meta["scene_depth"])
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load_npz(path: str | Path, timestamps_fps: float | None = None) -> Trajectory:
    """Read a MegaSaM-style npz (``cam_c2w`` and ``intrinsic``; ``timestamps`` optional).

    Args:
        path: the file.
        timestamps_fps: when the file has no ``timestamps``, use ``arange(N) / fps``; without it
            frame indices are used as timestamps.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "cam_c2w" not in data:
                raise FileFormatError(path, f"no 'cam_c2w' array (found {sorted(data.files)})")
            c2w = np.asarray(data["cam_c2w"], dtype=np.float64)
            k = np.asarray(data["intrinsic"], dtype=np.float64) if "intrinsic" in data else None
            ts = np.asarray(data["timestamps"], dtype=np.float64) if "timestamps" in data else None
            meta = {"scene_depth": float(data["scene_depth"])} if "scene_depth" in data else {}
    except (OSError, ValueError) as exc:
        raise FileFormatError(path, f"cannot read npz: {exc}") from exc
    if ts is None:
        ts = np.arange(len(c2w), dtype=np.float64) / (timestamps_fps or 1.0)
    try:
        return Trajectory(c2w, k, ts, meta)
    except ValueError as exc:
        raise FileFormatError(path, str(exc)) from exc


def to_evo(traj: Trajectory) -> Any:
    """An ``evo.core.trajectory.PoseTrajectory3D`` with the same poses and timestamps."""
    from evo.core.trajectory import PoseTrajectory3D

    return PoseTrajectory3D(poses_se3=[p.copy() for p in traj.cam_c2w], timestamps=traj.timestamps.copy())


def from_evo(evo_traj: Any, intrinsic: NDArray[np.float64] | None = None) -> Trajectory:
    poses = np.stack(evo_traj.poses_se3)
    return Trajectory(poses, intrinsic, np.asarray(evo_traj.timestamps, dtype=np.float64))


def write_tum(path: str | Path, traj: Trajectory) -> None:
    """TUM file (``t x y z qx qy qz qw``) through evo, atomically."""
    from evo.tools import file_interface

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    file_interface.write_tum_trajectory_file(str(tmp), to_evo(traj))
    tmp.replace(path)


def read_tum(path: str | Path) -> Trajectory:
    """Read a TUM file through evo (no intrinsics)."""
    from evo.tools import file_interface
    from evo.tools.file_interface import FileInterfaceException

    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    try:
        return from_evo(file_interface.read_tum_trajectory_file(str(path)))
    except FileInterfaceException as exc:
        raise FileFormatError(path, f"not a TUM trajectory: {exc}") from exc
