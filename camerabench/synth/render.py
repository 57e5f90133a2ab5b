"""A vectorised numpy ray caster for scenes made of textured planar quads.

Every pixel (times ``supersample``² sub-samples) casts a ray through the pinhole camera
(``K^-1``, camera-to-world pose), is intersected with every quad, keeps the nearest hit
(a z-buffer over camera depth), and samples that quad's texture with trilinear mip-mapping
(a box-filtered pyramid; the mip level follows the ray footprint on the surface, so distant
or grazing surfaces do not alias and make features flicker). Sub-samples are averaged.

Why not a library: the usual rasterisers (OpenGL, pyrender, pytorch3d) need a GPU context or
heavy dependencies that are not available here; a quad scene is simple enough that an exact
ray caster in numpy is short, deterministic and easy to verify (see the projection test).

Conventions: world and camera frames are right-handed with camera axes x right, y down,
z forward (OpenCV). Pixel ``(u, v)`` has its centre at integer coordinates, so a camera
point ``X`` is drawn at ``(fx X/Z + cx, fy Y/Z + cy)``.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError

__all__ = ["TEXTURE_SIZE", "Quad", "Scene", "TextureBank", "project_points", "render_frame"]

log = logging.getLogger(__name__)

#: Side of every (square) texture at mip level 0, in texels; a power of two.
TEXTURE_SIZE = 256
_NEAR_M = 1e-3
_NEAR_CLIP_M = 2 * _NEAR_M  # quads are clipped here to find the pixels that may see them
#: How far a camera's rotation may be from a rotation matrix (orthonormal, determinant +1); the
#: renderer inverts it by transposing. Composed rotations are orthonormal to about 1e-15.
_ROTATION_TOL = 1e-6
#: How far from perpendicular a quad's edges may be, as ``|u.v| / (|u| |v|)``; the texture and
#: edge tests below hold for rectangles only (a parallelogram sheared by 45 degrees drew 2.5 % too much).
_PERPENDICULAR_TOL = 1e-6


@dataclass(frozen=True)
class Quad:
    """A textured parallelogram ``origin + a * edge_u + b * edge_v`` with ``a, b`` in [0, 1].

    Attributes:
        origin: (3,) world position of the corner at ``a = b = 0`` (metres), at time 0.
        edge_u: (3,) first edge (metres); the texture's horizontal axis.
        edge_v: (3,) second edge (metres), perpendicular to ``edge_u``; the texture's vertical axis.
        texture: index into the :class:`TextureBank`.
        repeat_u: how many times the texture tiles along ``edge_u``.
        repeat_v: how many times the texture tiles along ``edge_v``.
        shade: brightness multiplier (baked lighting).
        velocity_mps: (3,) world velocity of the whole quad in metres per second (moving objects).
        offset: texture coordinate offset (u, v), in tiles, to vary reused textures.
        cull_back: the quad is a face of a closed solid with ``edge_u x edge_v`` pointing
            outward; it is skipped when the camera is behind it (it cannot be visible).
    """

    origin: tuple[float, float, float]
    edge_u: tuple[float, float, float]
    edge_v: tuple[float, float, float]
    texture: int
    repeat_u: float = 1.0
    repeat_v: float = 1.0
    shade: float = 1.0
    velocity_mps: tuple[float, float, float] = (0.0, 0.0, 0.0)
    offset: tuple[float, float] = (0.0, 0.0)
    cull_back: bool = False


@dataclass
class Scene:
    """A list of quads in world coordinates (struct-of-arrays view built on demand)."""

    quads: list[Quad] = field(default_factory=list)

    def arrays(self, time_s: float) -> dict[str, NDArray[Any]]:
        """Quad parameters at ``time_s`` as arrays of shape (Q, ...)."""
        if not self.quads:
            raise ValueError("the scene has no quads")
        vel = np.array([q.velocity_mps for q in self.quads], dtype=np.float64)
        return {
            "origin": np.array([q.origin for q in self.quads], dtype=np.float64) + vel * time_s,
            "edge_u": np.array([q.edge_u for q in self.quads], dtype=np.float64),
            "edge_v": np.array([q.edge_v for q in self.quads], dtype=np.float64),
            "texture": np.array([q.texture for q in self.quads], dtype=np.int64),
            "repeat": np.array([(q.repeat_u, q.repeat_v) for q in self.quads], dtype=np.float64),
            "offset": np.array([q.offset for q in self.quads], dtype=np.float64),
            "shade": np.array([q.shade for q in self.quads], dtype=np.float64),
            "cull_back": np.array([q.cull_back for q in self.quads], dtype=bool),
        }


class TextureBank:
    """Square RGB textures with box-filtered mip pyramids, for wrap-around trilinear lookup.

    All levels of all textures live in one atlas image: texture i owns a cell holding its
    level 0 on the left and levels 1, 2, ... stacked on the right, each padded by one texel
    of its own wrapped content. A trilinear lookup is then two ``cv2.remap`` bilinear gathers
    (OpenCV: a well-kept, fast C++ resampler) at per-sample atlas coordinates. The atlas has a
    fourth channel of zeros: ``cv2.remap`` has a SIMD path for 4-channel float images and gathers
    RGB + 0 in 0.6 ms where RGB alone took 1.5 ms (245760 lookups, one thread), the RGB values
    identical.

    Args:
        textures: (T, S, S, 3) float32 in [0, 1] with S a power of two.
    """

    def __init__(self, textures: NDArray[np.float32]) -> None:
        textures = np.asarray(textures, dtype=np.float32)
        if textures.ndim != 4 or textures.shape[1] != textures.shape[2] or textures.shape[3] != 3:
            raise ValueError(f"textures must be (T, S, S, 3), got {textures.shape}")
        size = textures.shape[1]
        if size & (size - 1) or size < 2:
            raise ValueError(f"texture size must be a power of two >= 2, got {size}")
        if textures.shape[0] == 0:  # (was a ZeroDivisionError laying out the atlas)
            raise ValueError("textures must hold at least one texture, got none")
        bad = ~np.isfinite(textures).all(axis=(1, 2, 3))
        if bad.any():  # (frames drawn with them were NaN, written as black or white pixels)
            raise ValueError(f"textures must be finite; texture(s) {np.flatnonzero(bad).tolist()[:10]} hold NaN or inf")
        self.count = textures.shape[0]
        self.size = size
        sizes = [size >> k for k in range(int(np.log2(size)) + 1)]
        # layout of one cell: (x, y) of each padded level
        offsets = [(0, 0)]
        y = 0
        for s in sizes[1:]:
            offsets.append((size + 2, y))
            y += s + 2
        cell_w, cell_h = size + 2 + sizes[1] + 2, max(size + 2, y)
        columns = int(np.ceil(np.sqrt(self.count)))
        rows = int(np.ceil(self.count / columns))
        self.atlas = np.zeros((rows * cell_h, columns * cell_w, 4), dtype=np.float32)  # RGB + 0
        self.level_sizes = np.array(sizes, dtype=np.float32)
        # level size of each ``level * count + texture`` index (a take instead of a division per lookup)
        self._flat_sizes = np.repeat(self.level_sizes, self.count)
        # (levels, T) top-left of the unpadded texels of each level of each texture
        self.origin_x = np.zeros((len(sizes), self.count), dtype=np.float32)
        self.origin_y = np.zeros((len(sizes), self.count), dtype=np.float32)
        level = textures
        for k, s in enumerate(sizes):
            for i in range(self.count):
                r, c = divmod(i, columns)
                x0, y0 = c * cell_w + offsets[k][0], r * cell_h + offsets[k][1]
                # the level padded by one texel of its own wrapped content (what np.pad's "wrap"
                # gives, written in place: padding the whole stack first took most of the build)
                cell = self.atlas[y0 : y0 + s + 2, x0 : x0 + s + 2, :3]
                cell[1:-1, 1:-1] = level[i]
                cell[0, 1:-1] = level[i, -1]
                cell[-1, 1:-1] = level[i, 0]
                cell[:, 0] = cell[:, -2]
                cell[:, -1] = cell[:, 1]
                self.origin_x[k, i], self.origin_y[k, i] = x0 + 1, y0 + 1
            if s > 1:
                level = level.reshape(self.count, s // 2, 2, s // 2, 2, 3).mean(axis=(2, 4), dtype=np.float32)

    @property
    def max_level(self) -> int:
        return len(self.level_sizes) - 1

    def _bilinear(
        self,
        flat: NDArray[np.intp],
        s_scaled: NDArray[np.float32],
        t_scaled: NDArray[np.float32],
        shape: tuple[int, int],
    ) -> NDArray[np.float32]:
        """Bilinear lookups; ``flat = level * count + texture``; ``s_scaled``, ``t_scaled``: the
        coordinates times the level's size; ``shape`` (rows, cols) holds them all."""
        import cv2

        # texel centres of a level of size n sit at (i + 0.5) / n, i.e. map = origin - 0.5 + s n
        map_x = self.origin_x.ravel().take(flat)
        map_x += s_scaled
        map_y = self.origin_y.ravel().take(flat)
        map_y += t_scaled
        map_x -= 0.5
        map_y -= 0.5
        n = len(flat)
        pad = shape[0] * shape[1] - n
        if pad:
            map_x, map_y = np.pad(map_x, (0, pad)), np.pad(map_y, (0, pad))
        out = cv2.remap(
            self.atlas, map_x.reshape(shape), map_y.reshape(shape), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        return np.asarray(out, dtype=np.float32).reshape(-1, 4)[:n]

    def sample(
        self,
        tex: NDArray[np.integer[Any]],
        s: NDArray[np.float32],
        t: NDArray[np.float32],
        lod: NDArray[np.float32],
        shape: tuple[int, int] | None = None,
        *,
        with_zeros: bool = False,
    ) -> NDArray[np.float32]:
        """Trilinear lookup.

        Args:
            tex: (P,) texture indices.
            s: (P,) horizontal coordinate in tiles (wraps).
            t: (P,) vertical coordinate in tiles (wraps).
            lod: (P,) level of detail (0 = full resolution; fractional values blend two levels).
            shape: a (rows, cols) grid with rows * cols >= P to lay the lookups out on (OpenCV
                needs 2-D maps); default: rows of 1024.
            with_zeros: return (P, 4): RGB and the atlas's channel of zeros, as OpenCV's
                4-channel remap gives them (the renderer drops the zeros after blending; a copy
                to (P, 3) per lookup cost more than the lookup's fast path saved).

        Returns:
            (P, 3) colours ((P, 4) ``with_zeros``).
        """
        n = len(tex)
        if n == 0:  # (OpenCV refuses empty maps)
            return np.zeros((0, 4 if with_zeros else 3), dtype=np.float32)
        if shape is None:
            shape = (-(-n // 1024), 1024)
        s = np.asarray(s - np.floor(s), dtype=np.float32)
        t = np.asarray(t - np.floor(t), dtype=np.float32)
        # (np.minimum/np.maximum: the same values as np.clip, several times faster on float32)
        lod = np.minimum(np.maximum(lod, np.float32(0.0)), np.float32(self.max_level)).astype(np.float32)
        base = np.minimum(lod.astype(np.intp), self.max_level - 1)
        # lod - base is exact in float32 (0 <= lod - base <= 1 with base an integer), so a float32
        # ``frac`` gives the float64 one's products; repeated per channel, as a contiguous
        # multiply (a broadcast over the channels took three times as long)
        frac = np.repeat(lod - base.astype(np.float32), 4).reshape(-1, 4)
        flat = base * self.count + tex
        size = self._flat_sizes.take(flat)
        s_lo, t_lo = s * size, t * size
        lo = self._bilinear(flat, s_lo, t_lo, shape)
        # the next level is half the size: s * size / 2 is exactly s * (size / 2) (powers of two)
        s_lo *= 0.5
        t_lo *= 0.5
        hi = self._bilinear(flat + self.count, s_lo, t_lo, shape)
        hi -= lo
        hi *= frac
        hi += lo
        return hi if with_zeros else np.ascontiguousarray(hi[:, :3])


def project_points(
    points_world: NDArray[np.float64], cam_c2w: NDArray[np.float64], intrinsic: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pinhole projection.

    Args:
        points_world: (N, 3) world points.
        cam_c2w: (4, 4) camera-to-world pose.
        intrinsic: (3, 3) K in pixels.

    Returns:
        ``(uv_px (N, 2), depth_m (N,))``: pixel coordinates (centre of pixel (0, 0) at (0, 0))
        and camera-frame depth Z.

    Example:
        >>> K = np.array([[100.0, 0, 50], [0, 100, 40], [0, 0, 1]])
        >>> uv, z = project_points(np.array([[1.0, 0.5, 10.0]]), np.eye(4), K)
        >>> uv.tolist(), z.tolist()
        ([[60.0, 45.0]], [10.0])
    """
    rot, centre = cam_c2w[:3, :3], cam_c2w[:3, 3]
    pts_cam = (np.asarray(points_world, dtype=np.float64) - centre) @ rot
    depth = pts_cam[:, 2]
    uvw = pts_cam @ intrinsic.T
    return uvw[:, :2] / uvw[:, 2:3], depth


def render_frame(
    scene: Scene,
    bank: TextureBank,
    cam_c2w: NDArray[np.float64],
    intrinsic: NDArray[np.float64],
    width: int,
    height: int,
    time_s: float = 0.0,
    supersample: int = 2,
) -> NDArray[np.float32]:
    """Render one frame.

    Args:
        scene: the quads (moving quads are placed at ``time_s``).
        bank: their textures.
        cam_c2w: (4, 4) camera-to-world pose.
        intrinsic: (3, 3) K in pixels at ``width`` x ``height``.
        width: image width in pixels.
        height: image height in pixels.
        time_s: scene time in seconds.
        supersample: sub-samples per pixel side (averaged; anti-aliases quad edges).

    Returns:
        (height, width, 3) float32 linear colours (0..1 before exposure). Rays that hit
        nothing are black.

    Raises:
        CameraBenchError: a size or ``supersample`` that is not an integer >= 1, a pose that is
            not finite and rigid (a rotation matrix and a position), an ``intrinsic`` that is
            not a finite pinhole ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` with ``fx, fy > 0``,
            a ``time_s`` that is not finite, or a quad that cannot be drawn (:func:`_check_quads`).
    """
    _check_frame_arguments(cam_c2w, intrinsic, width, height, time_s, supersample)
    ss = int(supersample)
    fx, fy = float(intrinsic[0, 0]), float(intrinsic[1, 1])
    cx, cy = float(intrinsic[0, 2]), float(intrinsic[1, 2])
    # sample centres in pixel coordinates; the ss x ss samples of pixel x average to x
    us = (np.arange(width * ss) + 0.5) / ss - 0.5
    vs = (np.arange(height * ss) + 0.5) / ss - 0.5
    xn = ((us - cx) / fx).astype(np.float32)  # ray direction in the camera frame: (xn, yn, 1)
    yn = ((vs - cy) / fy).astype(np.float32)
    hs, ws = len(vs), len(us)
    # a hit nearer than the near plane is within this distance of the camera (the longest ray to depth 1)
    near_reach = _NEAR_CLIP_M * 1.01 * float(np.sqrt(1 + max(xn[0] ** 2, xn[-1] ** 2) + max(yn[0] ** 2, yn[-1] ** 2)))

    rot = np.asarray(cam_c2w[:3, :3], dtype=np.float64)
    centre = np.asarray(cam_c2w[:3, 3], dtype=np.float64)
    q = scene.arrays(time_s)
    _check_quads(q, bank.count, time_s)
    # quad geometry in the camera frame
    o_c = (q["origin"] - centre) @ rot
    u_c = q["edge_u"] @ rot
    v_c = q["edge_v"] @ rot
    n_c = np.cross(u_c, v_c)
    uu = np.einsum("ij,ij->i", u_c, u_c)
    vv = np.einsum("ij,ij->i", v_c, v_c)

    # Per quad, with s = sign(n.O): the ray (x, y, 1) hits the plane at depth t = |n.O| / D,
    # D = s n.d, and inside the quad iff the four affine "edge" functions E1..E4 of (x, y) are
    # all >= 0 (E1 = D uu a, E3 = D uu (1 - a), E2, E4 likewise for b; E1 + E3 = uu D, so they
    # also imply D >= 0: the hit is in front of the camera). Each costs one broadcast pass.
    num = np.einsum("ij,ij->i", n_c, o_c)
    sgn = np.sign(num)[:, None]
    alpha = num[:, None] * u_c - np.einsum("ij,ij->i", u_c, o_c)[:, None] * n_c  # a = alpha.d / (uu n.d)
    beta = num[:, None] * v_c - np.einsum("ij,ij->i", v_c, o_c)[:, None] * n_c
    edges = np.stack([sgn * alpha, sgn * beta, sgn * (uu[:, None] * n_c - alpha), sgn * (vv[:, None] * n_c - beta)], 1)
    front = sgn * n_c  # D = front.d
    abs_num = np.abs(num)

    depth = np.full((hs, ws), np.inf, dtype=np.float32)
    qid = np.full((hs, ws), -1, dtype=np.intp)
    back_facing = q["cull_back"] & (num >= 0)  # the camera is behind an outward-facing face
    edges32 = edges.astype(np.float32)
    front32 = front.astype(np.float32)
    # scratch buffers, reused by every quad's window (allocating them per quad cost more than
    # the arithmetic); E1, E2 and D of the nearest hit are recomputed per pixel after the loop
    # from its quad's coefficients, with the same float32 operations in the same order
    scratch_a = np.empty(hs * ws, dtype=np.float32)
    scratch_b = np.empty(hs * ws, dtype=np.float32)
    scratch_c = np.empty(hs * ws, dtype=np.float32)
    hit_a = np.empty(hs * ws, dtype=bool)
    hit_b = np.empty(hs * ws, dtype=bool)
    for i in range(len(o_c)):
        if back_facing[i] or num[i] == 0:  # culled, or seen edge-on
            continue
        r0, r1, c0, c1 = _sample_window(o_c[i], u_c[i], v_c[i], fx, fy, cx, cy, ss, hs, ws, near_reach)
        if r0 >= r1 or c0 >= c1:
            continue
        x = xn[c0:c1]
        y = yn[r0:r1, None]
        shape_w = (r1 - r0, c1 - c0)
        m = shape_w[0] * shape_w[1]
        a, b, c = (buf[:m].reshape(shape_w) for buf in (scratch_a, scratch_b, scratch_c))
        e = edges32[i]
        # inside = min(min(E1, E2), min(E3, E4)), each E = e0 * x + e2 + e1 * y
        np.add(e[0, 0] * x + e[0, 2], e[0, 1] * y, out=a)
        np.add(e[1, 0] * x + e[1, 2], e[1, 1] * y, out=b)
        np.minimum(a, b, out=a)
        np.add(e[2, 0] * x + e[2, 2], e[2, 1] * y, out=b)
        np.add(e[3, 0] * x + e[3, 2], e[3, 1] * y, out=c)
        np.minimum(b, c, out=b)
        np.minimum(a, b, out=a)
        f = front32[i]
        np.add(f[0] * x + f[2], f[1] * y, out=b)  # D
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(np.float32(abs_num[i]), b, out=b)  # camera depth Z of the hit
        win = (slice(r0, r1), slice(c0, c1))
        hit = hit_a[:m].reshape(shape_w)
        np.greater_equal(a, 0, out=hit)
        depth_w = depth[win]
        closer = hit_b[:m].reshape(shape_w)
        np.less(b, depth_w, out=closer)
        np.logical_and(hit, closer, out=hit)
        np.copyto(depth_w, b, where=hit)
        np.copyto(qid[win], i, where=hit)

    valid = qid >= 0
    all_valid = bool(valid.all())
    xr, yc = xn[None, :], yn[:, None]
    # E1, E2, D of each pixel's nearest hit (pixels that hit nothing use the last quad's, unused)
    e1_full = edges32[:, 0, 0].take(qid) * xr + edges32[:, 0, 2].take(qid) + edges32[:, 0, 1].take(qid) * yc
    e2_full = edges32[:, 1, 0].take(qid) * xr + edges32[:, 1, 2].take(qid) + edges32[:, 1, 1].take(qid) * yc
    d_full = front32[:, 0].take(qid) * xr + front32[:, 2].take(qid) + front32[:, 1].take(qid) * yc
    if all_valid:
        ids, e1v, e2v, dv = qid.ravel(), e1_full.ravel(), e2_full.ravel(), d_full.ravel()
        dd = (xn[None, :] ** 2 + yn[:, None] ** 2 + 1).ravel()
    else:
        log.debug("%d of %d rays hit nothing", int((~valid).sum()), valid.size)
        ids, e1v, e2v, dv = qid[valid], e1_full[valid], e2_full[valid], d_full[valid]
        dd = (xn[None, :] ** 2 + yn[:, None] ** 2 + 1)[valid]
    # Texture coordinates: a = E1 / (uu D), b = E2 / (vv D), times repeats, plus offsets.
    # Mip level: a sample subtends 1 / (f ss) rad; at range r = Z |d| on a plane seen at
    # cos = D / (|n| |d|) its footprint is r / (f ss cos) = |n.O| |n| |d|^2 / (f ss D^2) metres.
    texels_per_m = bank.size * np.maximum(q["repeat"][:, 0] / np.sqrt(uu), q["repeat"][:, 1] / np.sqrt(vv))
    lod_scale = (abs_num * np.linalg.norm(n_c, axis=1) * texels_per_m / (0.5 * (fx + fy) * ss)).astype(np.float32)
    scale_u = (q["repeat"][:, 0] / uu).astype(np.float32)
    scale_v = (q["repeat"][:, 1] / vv).astype(np.float32)
    inv_d = np.float32(1.0) / dv
    s = e1v * inv_d * scale_u.take(ids) + q["offset"][:, 0].astype(np.float32).take(ids)
    tt = e2v * inv_d * scale_v.take(ids) + q["offset"][:, 1].astype(np.float32).take(ids)
    lod = np.log2(np.maximum(lod_scale.take(ids) * dd * inv_d * inv_d, np.float32(1.0)))
    shape = (hs, ws) if all_valid else None
    # RGB + 0 (TextureBank: 4-channel images are faster to remap and resize), RGB kept at the end
    colour = bank.sample(q["texture"].take(ids), s, tt, lod, shape, with_zeros=True)
    # (one shade per sample repeated per channel: a contiguous multiply, 3x faster than a broadcast)
    colour *= np.repeat(q["shade"].astype(np.float32).take(ids), 4).reshape(-1, 4)
    if all_valid:
        rgb0 = colour.reshape(hs, ws, 4)
    else:
        rgb0 = np.zeros((hs, ws, 4), dtype=np.float32)
        rgb0[valid] = colour
    import cv2

    # the channel of zeros dropped (OpenCV copies the values; 15x faster than numpy's strided copy)
    out = np.asarray(cv2.cvtColor(rgb0, cv2.COLOR_RGBA2RGB), dtype=np.float32)
    if ss > 1:
        # OpenCV: INTER_AREA at an integer factor is the exact box average (on RGB: a 4-channel
        # INTER_AREA sums in another order and differed in the last bit)
        out = np.asarray(cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA), dtype=np.float32)
    return out


def _check_frame_arguments(
    cam_c2w: NDArray[np.float64],
    intrinsic: NDArray[np.float64],
    width: int,
    height: int,
    time_s: float,
    supersample: int,
) -> None:
    """Refuse what :func:`render_frame` would draw wrongly or crash on (see its Raises)."""
    for name, value in (("width", width), ("height", height), ("supersample", supersample)):
        # (a float size failed inside OpenCV; 0 or a negative one failed in cv2.remap)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise CameraBenchError(f"render_frame: {name} must be an integer >= 1, got {value!r}")
    pose = np.asarray(cam_c2w, dtype=np.float64)
    if pose.shape != (4, 4) or not np.isfinite(pose).all():
        raise CameraBenchError(
            f"render_frame: the pose must be a finite 4x4 camera-to-world matrix, got {pose.tolist()}"
        )
    rot = pose[:3, :3]
    # the renderer inverts the rotation by transposing it: a scaled or sheared one drew a
    # silently wrong picture, a reflection a mirrored one
    if (
        np.abs(rot.T @ rot - np.eye(3)).max() > _ROTATION_TOL
        or np.linalg.det(rot) < 0
        or np.abs(pose[3] - [0, 0, 0, 1]).max() > _ROTATION_TOL
    ):
        raise CameraBenchError(
            f"render_frame: the pose must be rigid (a rotation matrix, determinant +1, and a last row "
            f"0 0 0 1), got {pose.tolist()}"
        )
    k = np.asarray(intrinsic, dtype=np.float64)
    # skew and a last row other than (0, 0, 1) were ignored here but used by project_points
    if (
        k.shape != (3, 3)
        or not np.isfinite(k).all()
        or not (k[0, 0] > 0 and k[1, 1] > 0)
        or k[0, 1] != 0
        or k[1, 0] != 0
        or k[2].tolist() != [0.0, 0.0, 1.0]
    ):
        raise CameraBenchError(
            "render_frame: the intrinsic must be a finite pinhole matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] "
            f"with fx, fy > 0, got {k.tolist()}"
        )
    if isinstance(time_s, bool) or not isinstance(time_s, numbers.Real) or not np.isfinite(time_s):
        raise CameraBenchError(f"render_frame: time_s must be a finite number, got {time_s!r}")


def _check_quads(q: dict[str, NDArray[Any]], textures: int, time_s: float) -> None:
    """Refuse quads :func:`render_frame` would draw wrongly: a texture index outside the bank (one
    past the end drew another texture's coarser mip level, a negative one counted from the end),
    a NaN/inf field (the quad vanished or the frame turned NaN), a zero-length edge, edges that
    are not perpendicular (:data:`_PERPENDICULAR_TOL`), a repeat that is not > 0 or a negative shade.

    Raises:
        CameraBenchError: naming the first such quad (its index in ``Scene.quads``) and the field.
    """

    def refuse(index: int, problem: str) -> None:
        raise CameraBenchError(f"render_frame: quad {index} of the scene {problem}")

    bad = np.flatnonzero((q["texture"] < 0) | (q["texture"] >= textures))
    if len(bad):
        refuse(int(bad[0]), f"has texture {int(q['texture'][bad[0]])}, outside the bank's 0..{textures - 1}")
    for name in ("origin", "edge_u", "edge_v", "repeat", "offset", "shade"):
        values = q[name].reshape(len(q[name]), -1)
        bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
        if len(bad):
            at = f" at time {time_s:g} s" if name == "origin" else ""
            refuse(int(bad[0]), f"has a non-finite {name}{at}: {values[bad[0]].tolist()}")
    lu = np.linalg.norm(q["edge_u"], axis=1)
    lv = np.linalg.norm(q["edge_v"], axis=1)
    bad = np.flatnonzero((lu == 0) | (lv == 0))
    if len(bad):
        refuse(int(bad[0]), "has an edge of length 0")
    cos = np.abs(np.einsum("ij,ij->i", q["edge_u"], q["edge_v"])) / (lu * lv)
    bad = np.flatnonzero(cos > _PERPENDICULAR_TOL)
    if len(bad):
        refuse(int(bad[0]), f"has edges that are not perpendicular (cos {cos[bad[0]]:.3g}); quads are rectangles")
    bad = np.flatnonzero((q["repeat"] <= 0).any(axis=1))
    if len(bad):
        refuse(int(bad[0]), f"has a texture repeat that is not > 0: {q['repeat'][bad[0]].tolist()}")
    bad = np.flatnonzero(q["shade"] < 0)
    if len(bad):
        refuse(int(bad[0]), f"has a negative shade {float(q['shade'][bad[0]]):g}")


def _sample_window(
    o: NDArray[np.float64],
    u: NDArray[np.float64],
    v: NDArray[np.float64],
    fx: float,
    fy: float,
    cx: float,
    cy: float,
    ss: int,
    hs: int,
    ws: int,
    near_reach: float,
) -> tuple[int, int, int, int]:
    """Rows/cols of sub-samples that may see the quad (its projected bounding box).

    The quad is clipped to the part in front of the near plane (a convex polygon), which
    projects inside the box of its projected vertices; a quad entirely behind gets an empty
    window. The part clipped off, between the camera and the near plane, is seen only by a
    camera within ``near_reach`` of the quad (millimetres); there the window is the whole frame
    (a wall 1 mm ahead, facing the camera, was clipped away whole and the scene behind it drawn).
    """
    polygon = np.stack([o, o + u, o + u + v, o + v])
    in_front = polygon[:, 2].min() >= _NEAR_CLIP_M
    if not in_front and _distance_to_rectangle(o, u, v) < near_reach:
        return 0, hs, 0, ws
    # nothing to clip in front of the near plane (_clip_near would return the polygon as it is)
    corners_list = polygon.tolist() if in_front else _clip_near(polygon).tolist()
    if len(corners_list) == 0:
        return 0, 0, 0, 0
    # the same float64 arithmetic as numpy's, in Python floats (numpy's per-call overhead
    # dominated this function)
    px = [fx * p[0] / p[2] + cx for p in corners_list]
    py = [fy * p[1] / p[2] + cy for p in corners_list]
    c0 = min(max(math.floor((min(px) + 0.5) * ss - 1), 0), ws)
    c1 = min(max(math.ceil((max(px) + 0.5) * ss + 1), 0), ws)
    r0 = min(max(math.floor((min(py) + 0.5) * ss - 1), 0), hs)
    r1 = min(max(math.ceil((max(py) + 0.5) * ss + 1), 0), hs)
    return r0, r1, c0, c1


def _distance_to_rectangle(o: NDArray[np.float64], u: NDArray[np.float64], v: NDArray[np.float64]) -> float:
    """Distance from the camera (the origin) to the rectangle ``o + a u + b v``, ``a, b`` in [0, 1]."""
    a = min(max(float(-o @ u) / float(u @ u), 0.0), 1.0)
    b = min(max(float(-o @ v) / float(v @ v), 0.0), 1.0)
    return float(np.linalg.norm(o + a * u + b * v))


def _clip_near(polygon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Clip a convex polygon (K, 3), vertices in order, to ``z >= near`` (Sutherland-Hodgman)."""
    near = _NEAR_CLIP_M
    out: list[NDArray[np.float64]] = []
    k = len(polygon)
    for i in range(k):
        cur, nxt = polygon[i], polygon[(i + 1) % k]
        cur_in, nxt_in = cur[2] >= near, nxt[2] >= near
        if cur_in:
            out.append(cur)
        if cur_in != nxt_in:
            w = (near - cur[2]) / (nxt[2] - cur[2])
            out.append(cur + w * (nxt - cur))
    return np.array(out).reshape(-1, 3)
