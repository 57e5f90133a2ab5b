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


def _texture() -> NDArray[np.uint8]:
    """A 1280x1280 photo mosaic (scikit-image sample images) for homography-warped clips."""
    import cv2
    from skimage import data

    tiles = [cv2.resize(img, (640, 640)) for img in (data.astronaut(), data.coffee(), data.chelsea(), data.rocket())]
    return np.concatenate([np.concatenate(tiles[:2], 1), np.concatenate(tiles[2:], 1)], 0)


def render_rotation_clip(
    primitive: Primitive, amount: float, n: int = 8, size: tuple[int, int] = (240, 144), focal_px: float = 200.0
) -> NDArray[np.uint8]:
    """Frames of a camera rotating or zooming in front of a distant photo: exact homographies.

    ``amount`` is radians for yaw/pitch/roll and the log focal ratio for zoom. Frame i sees the
    texture through ``H_i = K_i R_i^T K_tex^-1`` with ``R_i`` the camera-to-world rotation built
    as in :func:`build_motion` (Pan_Right = rotation about +y, etc.).
    """
    import cv2

    texture = _texture()
    width, height = size
    k_tex = np.array([[focal_px, 0, (texture.shape[1] - 1) / 2], [0, focal_px, (texture.shape[0] - 1) / 2], [0, 0, 1]])
    frames = []
    for i in range(n):
        a = amount * i / (n - 1)
        rotvec = np.zeros(3)
        focal = focal_px
        if primitive.axis == "zoom":
            focal = focal_px * np.exp(primitive.sign * a)
        else:
            rotvec[{"pitch": 0, "yaw": 1, "roll": 2}[primitive.axis]] = primitive.sign * a
        k = np.array([[focal, 0, (width - 1) / 2], [0, focal, (height - 1) / 2], [0, 0, 1]])
        homography = k @ Rotation.from_rotvec(rotvec).as_matrix().T @ np.linalg.inv(k_tex)
        frames.append(cv2.warpPerspective(texture, homography, (width, height), flags=cv2.INTER_AREA))
    return np.stack(frames)


@pytest.fixture
def rotation_clip() -> Callable[..., NDArray[np.uint8]]:
    """Factory: ``rotation_clip(primitive, amount, n=8, size=(240, 144), focal_px=200)`` -> frames."""
    return render_rotation_clip


@pytest.fixture(scope="session")
def standard_dataset(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The whole standard synthetic preset (57 clips, seed 0): compositions, arcs, dolly zooms."""
    from camerabench.synth import generate_dataset

    return generate_dataset(tmp_path_factory.mktemp("standard") / "data", seed=0, workers=2)
