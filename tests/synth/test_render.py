"""The renderer draws known 3D geometry where the pinhole model projects it, with occlusion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.synth.render import Quad, Scene, TextureBank, project_points, render_frame

W, H = 160, 120
# non-square pixels and an off-centre principal point catch swapped fx/fy or cx/cy
K = np.array([[150.0, 0.0, 83.3], [0.0, 140.0, 57.8], [0.0, 0.0, 1.0]])


def _bank() -> TextureBank:
    """Uniform textures: 0 black, 1 white, 2 red, 3 green."""
    colours = [(0, 0, 0), (1, 1, 1), (1, 0, 0), (0, 1, 0)]
    return TextureBank(np.stack([np.broadcast_to(np.float32(c), (8, 8, 3)) for c in colours]))


def _camera(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c2w = np.eye(4)
    c2w[:3, :3] = Rotation.from_rotvec(rng.normal(scale=0.4, size=3)).as_matrix()
    c2w[:3, 3] = rng.normal(scale=2.0, size=3)
    return c2w


def _quad_facing(c2w: np.ndarray, centre_cam: np.ndarray, half_m: float, texture: int, tilt_deg: float) -> Quad:
    """A square around ``centre_cam`` (camera coordinates), tilted about the camera's y axis."""
    rot = c2w[:3, :3] @ Rotation.from_euler("y", tilt_deg, degrees=True).as_matrix()
    eu, ev = rot[:, 0] * 2 * half_m, rot[:, 1] * 2 * half_m
    centre_w = c2w[:3, :3] @ centre_cam + c2w[:3, 3]
    origin = centre_w - eu / 2 - ev / 2
    return Quad(tuple(origin), tuple(eu), tuple(ev), texture)  # type: ignore[arg-type]


def _background(c2w: np.ndarray) -> Quad:
    return _quad_facing(c2w, np.array([0.0, 0.0, 50.0]), 200.0, 0, 0.0)


def _pixel(c2w: np.ndarray, point_cam: list[float]) -> tuple[int, int]:
    """(row, col) of the pixel where a camera-frame point projects."""
    uv, _ = project_points((c2w[:3, :3] @ np.asarray(point_cam) + c2w[:3, 3])[None], c2w, K)
    return int(np.rint(uv[0, 1])), int(np.rint(uv[0, 0]))


def _corners(q: Quad) -> np.ndarray:
    o, u, v = (np.asarray(x) for x in (q.origin, q.edge_u, q.edge_v))
    return np.stack([o, o + u, o + u + v, o + v])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_projected_quad_matches_rendered_pixels(seed: int) -> None:
    c2w = _camera(seed)
    quad = _quad_facing(c2w, np.array([0.4, -0.3, 6.0]), 1.0, 1, tilt_deg=35.0)
    img = render_frame(Scene([_background(c2w), quad]), _bank(), c2w, K, W, H, supersample=4)
    coverage = img[..., 0].astype(np.float64)  # white quad on black: coverage per pixel
    uv, depth = project_points(_corners(quad), c2w, K)
    assert np.all(depth > 0)
    poly = uv.astype(np.float32)
    # independent reference: the projected polygon's area and centroid (OpenCV moments)
    moments = cv2.moments(poly)
    ref_area = moments["m00"]
    ref_centroid = np.array([moments["m10"], moments["m01"]]) / ref_area
    ys, xs = np.mgrid[0:H, 0:W]
    area = coverage.sum()
    centroid = np.array([(coverage * xs).sum(), (coverage * ys).sum()]) / area
    assert area == pytest.approx(abs(ref_area), rel=0.01)
    np.testing.assert_allclose(centroid, ref_centroid, atol=0.05)  # sub-pixel
    # each projected corner lies on the quad's edge: pixels around it are partly covered
    for u, v in uv:
        patch = coverage[int(np.rint(v)) - 1 : int(np.rint(v)) + 2, int(np.rint(u)) - 1 : int(np.rint(u)) + 2]
        assert 0 < patch.mean() < 1


def test_nearer_quad_occludes_farther_one() -> None:
    c2w = _camera(5)
    far = _quad_facing(c2w, np.array([0.0, 0.0, 8.0]), 1.5, 2, 0.0)  # red, big, far
    near = _quad_facing(c2w, np.array([0.3, 0.0, 4.0]), 0.4, 3, 0.0)  # green, small, near
    for order in ([far, near], [near, far]):  # drawing order must not matter (z-buffer)
        img = render_frame(Scene([_background(c2w), *order]), _bank(), c2w, K, W, H, supersample=2)
        assert np.allclose(img[_pixel(c2w, [0.3, 0.0, 4.0])], [0, 1, 0], atol=1e-5)  # near one in front
        assert np.allclose(img[_pixel(c2w, [-1.0, 0.0, 8.0])], [1, 0, 0], atol=1e-5)  # far one beside it


def test_point_behind_camera_is_not_drawn() -> None:
    c2w = np.eye(4)
    behind = _quad_facing(c2w, np.array([0.0, 0.0, -3.0]), 1.0, 1, 0.0)
    img = render_frame(Scene([_background(c2w), behind]), _bank(), c2w, K, W, H, supersample=1)
    assert img.max() == 0.0


def test_texture_is_mapped_by_quad_coordinates() -> None:
    # a 2x2 texture: left half red, right half green, along edge_u
    tex = np.zeros((1, 2, 2, 3), dtype=np.float32)
    tex[0, :, 0] = (1, 0, 0)
    tex[0, :, 1] = (0, 1, 0)
    bank = TextureBank(tex)
    quad = Quad((-1.0, -1.0, 5.0), (2.0, 0.0, 0.0), (0.0, 2.0, 0.0), 0)
    img = render_frame(Scene([quad]), bank, np.eye(4), K, W, H, supersample=2)
    (ul, vl), (ur, vr) = project_points(np.array([[-0.5, 0.0, 5.0], [0.5, 0.0, 5.0]]), np.eye(4), K)[0]
    assert img[int(np.rint(vl)), int(np.rint(ul)), 0] > 0.9  # edge_u's start is red
    assert img[int(np.rint(vr)), int(np.rint(ur)), 1] > 0.9  # its end is green
