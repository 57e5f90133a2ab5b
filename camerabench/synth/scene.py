"""Random 3D scenes with real parallax: ground, walls, boxes, photo panels, a far sky box.

Scenes are built in the *level frame* of the clip: the first camera sits at the origin
looking along +z, axes x right, y down, z forward, with the ground plane at
``y = camera_height_m`` below it. Everything is scaled by ``scale`` about the camera (the
low-parallax knob moves the whole scene far away).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from camerabench.synth.render import Quad, Scene
from camerabench.synth.textures import GROUND, PHOTOS, SKY, WALL, texture_index

__all__ = ["SceneOptions", "Subject", "box_quads", "build_scene"]

_SUN = np.array([0.4, -0.8, 0.45]) / np.linalg.norm([0.4, -0.8, 0.45])


@dataclass(frozen=True)
class Subject:
    """A box that moves at constant velocity (a tracked subject or a passing object).

    Attributes:
        centre_m: (3,) centre of the box at time 0, level frame.
        size_m: (3,) box extent along x, y, z.
        velocity_mps: (3,) velocity in metres per second.
    """

    centre_m: tuple[float, float, float]
    size_m: tuple[float, float, float]
    velocity_mps: tuple[float, float, float]


@dataclass(frozen=True)
class SceneOptions:
    """Scene knobs.

    Attributes:
        camera_height_m: camera height above the ground at the first frame.
        scale: all static geometry is scaled about the camera by this factor (low parallax).
        low_texture: use the blurred, low-contrast texture variants.
        subjects: moving boxes (tracked subjects, passing objects).
        keep_clear_m: no static box is placed closer than this to the camera path's start
            along z (room to dolly in). With subjects, static boxes also keep out of the lane
            ``|x| < 1 m`` in which the subjects move.
    """

    camera_height_m: float = 1.5
    scale: float = 1.0
    low_texture: bool = False
    subjects: tuple[Subject, ...] = ()
    keep_clear_m: float = 3.5


def _shade(normal: np.ndarray) -> float:
    n = normal / np.linalg.norm(normal)
    return float(0.55 + 0.45 * abs(n @ _SUN))


def _quad(
    origin: np.ndarray,
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    texture: int,
    tile_m: float | None,
    rng: np.random.Generator,
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Quad:
    lu, lv = float(np.linalg.norm(edge_u)), float(np.linalg.norm(edge_v))
    ru, rv = (1.0, 1.0) if tile_m is None else (max(lu / tile_m, 1.0), max(lv / tile_m, 1.0))
    return Quad(
        origin=tuple(float(x) for x in origin),  # type: ignore[arg-type]
        edge_u=tuple(float(x) for x in edge_u),  # type: ignore[arg-type]
        edge_v=tuple(float(x) for x in edge_v),  # type: ignore[arg-type]
        texture=texture,
        repeat_u=ru,
        repeat_v=rv,
        shade=_shade(np.cross(edge_u, edge_v)),
        velocity_mps=velocity,
        offset=(float(rng.random()), float(rng.random())),
    )


def box_quads(
    centre: np.ndarray,
    size: np.ndarray,
    textures: list[int],
    rng: np.random.Generator,
    velocity: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> list[Quad]:
    """The 6 faces of an axis-aligned box (texture ``textures[i % len]`` on face i)."""
    c = np.asarray(centre, dtype=np.float64)
    hx, hy, hz = np.asarray(size, dtype=np.float64) / 2
    ex, ey, ez = np.array([2 * hx, 0, 0]), np.array([0, 2 * hy, 0]), np.array([0, 0, 2 * hz])
    lo = c - [hx, hy, hz]
    # (origin, edge_u, edge_v) with edge_u x edge_v pointing out of the box
    faces = [
        (lo + ex, -ex, ey),  # front (z min), normal -z
        (lo + ez, ex, ey),  # back, normal +z
        (lo, ez, ey),  # left (x min), normal -x
        (lo + ex + ez, -ez, ey),  # right, normal +x
        (lo, ex, ez),  # top (y min: up), normal -y
        (lo + ey, ez, ex),  # bottom, normal +y
    ]
    return [
        dataclasses.replace(_quad(o, u, v, textures[i % len(textures)], None, rng, velocity), cull_back=True)
        for i, (o, u, v) in enumerate(faces)
    ]


def build_scene(rng: np.random.Generator, options: SceneOptions | None = None) -> Scene:
    """A random scene: ground, sky box, side and back walls, boxes, photo panels, subjects.

    Args:
        rng: the clip's random generator (the only source of randomness).
        options: knobs.
    """
    opt = options or SceneOptions()
    low = opt.low_texture

    def tex(names: tuple[str, ...]) -> int:
        return texture_index(str(rng.choice(names)), low)

    k = opt.scale
    h = opt.camera_height_m * k
    quads: list[Quad] = []
    far = 90.0 * k
    # ground plane out to the sky box
    quads.append(
        _quad(
            np.array([-far, h, -far]), np.array([2 * far, 0, 0]), np.array([0, 0, 2 * far]), tex(GROUND), 2.5 * k, rng
        )
    )
    # sky box: 4 sides and a top, from the ground up
    top = -far
    sky = tex(SKY)
    side_tex = [tex((*SKY, "coffee", "rocket", "astronaut")) for _ in range(4)]
    quads.append(
        _quad(
            np.array([-far, top, far]), np.array([2 * far, 0, 0]), np.array([0, h - top, 0]), side_tex[0], 25.0 * k, rng
        )
    )
    quads.append(
        _quad(
            np.array([-far, top, -far]),
            np.array([2 * far, 0, 0]),
            np.array([0, h - top, 0]),
            side_tex[1],
            25.0 * k,
            rng,
        )
    )
    quads.append(
        _quad(
            np.array([-far, top, -far]),
            np.array([0, 0, 2 * far]),
            np.array([0, h - top, 0]),
            side_tex[2],
            25.0 * k,
            rng,
        )
    )
    quads.append(
        _quad(
            np.array([far, top, -far]), np.array([0, 0, 2 * far]), np.array([0, h - top, 0]), side_tex[3], 25.0 * k, rng
        )
    )
    quads.append(
        _quad(np.array([-far, top, -far]), np.array([2 * far, 0, 0]), np.array([0, 0, 2 * far]), sky, 30.0 * k, rng)
    )

    # walls: left, right (from behind the camera to the back wall), back
    wall_h = float(rng.uniform(3.0, 6.0)) * k
    back_z = float(rng.uniform(14.0, 22.0)) * k
    left_x = -float(rng.uniform(3.0, 6.0)) * k
    right_x = float(rng.uniform(3.0, 6.0)) * k
    behind = -12.0 * k
    if rng.random() < 0.85:
        quads.append(
            _quad(
                np.array([left_x, h - wall_h, behind]),
                np.array([0, 0, back_z - behind]),
                np.array([0, wall_h, 0]),
                tex(WALL),
                2.0 * k,
                rng,
            )
        )
    if rng.random() < 0.85:
        quads.append(
            _quad(
                np.array([right_x, h - wall_h, behind]),
                np.array([0, 0, back_z - behind]),
                np.array([0, wall_h, 0]),
                tex(WALL),
                2.0 * k,
                rng,
            )
        )
    if rng.random() < 0.8:
        quads.append(
            _quad(
                np.array([left_x, h - wall_h, back_z]),
                np.array([right_x - left_x, 0, 0]),
                np.array([0, wall_h, 0]),
                tex(WALL + PHOTOS),
                4.0 * k,
                rng,
            )
        )

    # boxes standing on the ground, in front of the camera
    for _ in range(int(rng.integers(4, 7))):
        size = rng.uniform([0.5, 0.5, 0.5], [1.6, 2.2, 1.6]) * k
        x = float(rng.uniform(left_x + size[0], right_x - size[0]))
        if opt.subjects and abs(x) < 1.0 * k + size[0] / 2:  # keep the subjects' lane free
            x = float(np.sign(x) or 1.0) * (1.0 * k + size[0] / 2)
        z = float(rng.uniform(opt.keep_clear_m * k + size[2], back_z - size[2] - 1.0 * k))
        centre = np.array([x, h - size[1] / 2, z])
        faces = [texture_index(str(rng.choice(PHOTOS + WALL)), low) for _ in range(3)]
        quads.extend(box_quads(centre, size, faces, rng))

    # free-standing photo panels facing the camera
    for _ in range(int(rng.integers(1, 3))):
        w = float(rng.uniform(1.2, 2.5)) * k
        ph = w * float(rng.uniform(0.6, 1.0))
        x = float(rng.uniform(left_x + 0.2 * k, right_x - w - 0.2 * k))
        z = float(rng.uniform(6.0 * k, back_z - 1.5 * k))
        y_top = h - ph - float(rng.uniform(0.3, 1.2)) * k
        quads.append(
            _quad(
                np.array([x, y_top, z]),
                np.array([w, 0, 0]),
                np.array([0, ph, 0]),
                texture_index(str(rng.choice(PHOTOS)), low),
                None,
                rng,
            )
        )

    # moving subjects (not scaled: they live near the camera)
    for subj in opt.subjects:
        faces = [texture_index(str(rng.choice(PHOTOS)), low) for _ in range(3)]
        quads.extend(box_quads(np.array(subj.centre_m), np.array(subj.size_m), faces, rng, subj.velocity_mps))
    return Scene(quads)
