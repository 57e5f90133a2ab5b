"""Captions from trajectories: which primitives, in what order, how fast, how steady."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory


def _trajectory(yaw_deg: np.ndarray, pitch_deg: np.ndarray, fps: float = 10.0) -> Trajectory:
    n = len(yaw_deg)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    # about camera +y (pan right) then +x (tilt up), as in the taxonomy's conventions
    c2w[:, :3, :3] = Rotation.from_euler("YX", np.c_[yaw_deg, pitch_deg], degrees=True).as_matrix()
    # per-frame intrinsics: the zoom is measured (none), so the words are of the motion alone
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1))
    return Trajectory(c2w, k, np.arange(n) / fps, meta={"scene_depth": 1.0})


def test_single_movements_and_speed(make_motion) -> None:
    assert describe_trajectory(make_motion(Primitive.PAN_RIGHT, 0.0)) == "The camera remains completely still."
    # 20 frames at 10 fps = 1.9 s: 0.3 rad is ~9 deg/s (quick), 0.1 rad ~3 deg/s (slow)
    assert describe_trajectory(make_motion(Primitive.PAN_LEFT, 0.3)) == "The camera pans left quickly."
    assert describe_trajectory(make_motion(Primitive.TILT_UP, 0.1)) == "The camera tilts up slowly."
    assert describe_trajectory(make_motion(Primitive.MOVE_IN, 0.1)) == "The camera moves forward."
    assert describe_trajectory(make_motion(Primitive.ZOOM_OUT, 0.3)) == "The camera zooms out."


def test_order_and_simultaneity() -> None:
    ramp = np.linspace(0, 10, 11)
    yaw = np.r_[ramp, np.full(11, 10.0)]
    pitch = np.r_[np.zeros(11), ramp]
    assert describe_trajectory(_trajectory(yaw, pitch)) == "The camera pans right quickly, then tilts up quickly."
    both = describe_trajectory(_trajectory(ramp, -ramp))
    assert both == "The camera pans right quickly while it tilts down quickly."  # 10 deg/s


def test_shake_is_named() -> None:
    rng = np.random.default_rng(0)
    shaky = describe_trajectory(_trajectory(rng.normal(0, 0.5, 30), rng.normal(0, 0.5, 30)))
    assert "unsteady" in shaky or "shaky" in shaky
    assert "pans" not in shaky
