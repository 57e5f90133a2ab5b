"""Fixtures for the geometric baselines: trajectories built from plain geometric descriptions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory

MakeTraj = Callable[..., Trajectory]


def _axis_angle(axis_world: NDArray[np.float64], angle_rad: float) -> NDArray[np.float64]:
    return Rotation.from_rotvec(axis_world / np.linalg.norm(axis_world) * angle_rad).as_matrix()


def build_motion(
    primitive: Primitive,
    amount: float,
    n: int = 20,
    seed: int = 0,
    focal_px: float = 300.0,
    there_and_back: bool = False,
) -> Trajectory:
    """A trajectory doing ``primitive`` by ``amount`` (rad, scene-depth units, or zoom log-ratio).

    Built in world coordinates from a random first pose, by geometric descriptions that do not
    use camerabench's decomposition: e.g. Pan_Right turns the optical axis toward the first
    camera's +x axis (rotation about the first camera's y axis, in world coordinates); Move_Up
    moves the centre along the first camera's -y axis; Roll_Clockwise turns the camera's x axis
    toward its +y axis.
    """
    rng = np.random.default_rng(seed)
    r0 = Rotation.random(random_state=seed).as_matrix()
    c0 = rng.normal(size=3) * 5
    x0, y0, z0 = r0[:, 0], r0[:, 1], r0[:, 2]
    frac = np.linspace(0.0, 1.0, n)
    if there_and_back:
        frac = np.sin(np.pi * frac)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    focal = np.full(n, focal_px)
    for i, f in enumerate(frac):
        rot, centre = r0, c0.copy()
        a = amount * f
        axis = primitive.axis
        if axis == "yaw":  # Pan_Right (+): optical axis z0 turns toward x0, i.e. about +y0
            rot = _axis_angle(np.cross(z0, x0), primitive.sign * a) @ r0
        elif axis == "pitch":  # Tilt_Up (+): optical axis turns toward -y0 (up): about +x0
            rot = _axis_angle(np.cross(z0, -y0), primitive.sign * a) @ r0
        elif axis == "roll":  # Roll_Clockwise (+): x axis turns toward +y: about +z0
            rot = _axis_angle(np.cross(x0, y0), primitive.sign * a) @ r0
        elif axis == "tz":
            centre = c0 + primitive.sign * a * z0
        elif axis == "tx":
            centre = c0 + primitive.sign * a * x0
        elif axis == "ty":  # Move_Up (sign -1 on ty) goes along -y0
            centre = c0 + primitive.sign * a * y0
        elif axis == "zoom":
            focal[i] = focal_px * np.exp(primitive.sign * a)
        c2w[i, :3, :3] = rot
        c2w[i, :3, 3] = centre
    k = np.zeros((n, 3, 3))
    k[:, 0, 0] = k[:, 1, 1] = focal
    k[:, 0, 2], k[:, 1, 2], k[:, 2, 2] = 160.0, 96.0, 1.0
    return Trajectory(c2w, k, np.arange(n) / 10.0, meta={"scene_depth": 1.0})


@pytest.fixture
def make_motion() -> MakeTraj:
    """Factory: ``make_motion(primitive, amount, n=20, seed=0, ...)`` -> Trajectory."""
    return build_motion
