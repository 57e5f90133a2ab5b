"""Hostile inputs, round 36: the synthetic renderer (render.py, textures.py, nuisances.py).

- a frame in which no ray hits a quad failed inside ``cv2.remap`` (empty maps) instead of being black;
- a quad's texture index past the bank drew another texture's coarser mip level (one past the
  end), a negative one counted from the end; quads with non-perpendicular edges drew a wrong shape;
  a NaN origin silently dropped the quad and a NaN shade or repeat made the frame NaN;
- a focal length of 0, NaN or a pose with NaN failed in OpenCV or ``int(nan)``; a negative focal
  length drew a mirrored picture, a scaled rotation or a reflection a wrong one, skew was
  ignored by the renderer but used by ``project_points``; a size of 0 or a float size failed in OpenCV;
- a wall 1 mm ahead of the camera, facing it, was clipped away whole (the scene behind drawn);
- an empty or NaN texture bank, an unknown texture name, a NaN flicker amplitude, a logo in a
  frame under 16x16 and subtitles at fps 0 crashed without naming the input, or were accepted.

And the geometry round trip: boxes of rendered clips are drawn where the *written* ground
truth (world-frame poses, per-frame intrinsics, subject centres, lens k1) projects them.

None of these changes a valid frame (the preset clips' hashes were compared before and after).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth import generate as gen
from camerabench.synth.generate import render_clip
from camerabench.synth.nuisances import apply_overlays, flicker_gains
from camerabench.synth.render import Quad, Scene, TextureBank, project_points, render_frame
from camerabench.synth.specs import ClipSpec
from camerabench.synth.textures import TEXTURE_NAMES, texture_index
from camerabench.taxonomy import CompoundMotion, Primitive
from camerabench.trajectory import pinhole_intrinsic

W, H = 32, 24
K = pinhole_intrinsic(30.0, W, H)
WALL = Quad((-5.0, -5.0, 5.0), (10.0, 0.0, 0.0), (0.0, 10.0, 0.0), 1)
FAR = Quad((-50.0, -50.0, 50.0), (100.0, 0.0, 0.0), (0.0, 100.0, 0.0), 0)


def _bank() -> TextureBank:
    """Uniform textures: 0 grey 0.2, 1 white."""
    return TextureBank(np.stack([np.full((4, 4, 3), c, np.float32) for c in (0.2, 1.0)]))


# 1. nothing hit


def test_a_frame_whose_rays_hit_nothing_is_black() -> None:
    away = np.eye(4)
    away[:3, :3] = np.diag([-1.0, 1.0, -1.0])  # turned round: the only quad is behind
    img = render_frame(Scene([WALL]), _bank(), away, K, W, H)  # before: cv2.error (empty maps)
    assert img.shape == (H, W, 3) and not img.any()


def test_a_frame_partly_hitting_nothing_is_black_there() -> None:
    small = Quad((-0.5, -0.5, 5.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), 1)
    img = render_frame(Scene([small]), _bank(), np.eye(4), K, W, H)
    assert img[H // 2, W // 2, 0] == pytest.approx(1.0) and img[0, 0].max() == 0.0


# 2. quads the renderer cannot draw


def _wall(**changes: Any) -> Quad:
    return dataclasses.replace(WALL, **changes)


@pytest.mark.parametrize(
    ("quad", "message"),
    [
        (_wall(texture=2), "texture 2, outside the bank's 0..1"),  # before: texture 0's level 1
        (_wall(texture=-1), "texture -1"),  # before: texture 1
        (_wall(texture=99), "texture 99"),  # before: IndexError on a flat index
        (_wall(edge_v=(10.0, 10.0, 0.0)), "not perpendicular"),  # before: drawn as a wrong shape
        (_wall(origin=(0.0, 0.0, float("nan"))), "non-finite origin"),  # before: left out silently
        (_wall(velocity_mps=(float("inf"), 0.0, 0.0)), "non-finite origin at time 1 s"),
        (_wall(shade=float("nan")), "non-finite shade"),  # before: a NaN frame
        (_wall(repeat_u=float("nan")), "non-finite repeat"),  # before: a NaN frame
        (_wall(repeat_u=0.0), "repeat that is not > 0"),
        (_wall(shade=-1.0), "negative shade"),
        (_wall(edge_u=(0.0, 0.0, 0.0)), "edge of length 0"),
    ],
)
def test_quads_that_cannot_be_drawn_are_refused(quad: Quad, message: str) -> None:
    with pytest.raises(CameraBenchError, match="quad 1 of the scene") as err:
        render_frame(Scene([FAR, quad]), _bank(), np.eye(4), K, W, H, time_s=1.0)
    assert message in str(err.value)


def test_a_sheared_quad_was_drawn_with_the_wrong_area() -> None:
    """Why shear is refused: the edge tests assume a rectangle (this documents the old error)."""
    sheared = Quad((-1.0, -1.0, 3.0), (2.0, 0.0, 0.0), (2.0, 2.0, 0.0), 1)
    o, u, v = (np.asarray(x) for x in (sheared.origin, sheared.edge_u, sheared.edge_v))
    uv, _ = project_points(np.stack([o, o + u, o + u + v, o + v]), np.eye(4), K)
    true_area = abs(cv2.contourArea(uv.astype(np.float32)))
    rect = Quad((-1.0, -1.0, 3.0), (2.0, 0.0, 0.0), (0.0, 2.0, 0.0), 1)  # same area, perpendicular edges
    drawn = render_frame(Scene([rect]), _bank(), np.eye(4), K, W, H, supersample=4)[..., 0].sum()
    assert drawn == pytest.approx(true_area, rel=0.01)  # a rectangle is drawn right
    with pytest.raises(CameraBenchError, match="rectangles"):
        render_frame(Scene([sheared]), _bank(), np.eye(4), K, W, H)


# 3. camera arguments


def _k(**entries: float) -> np.ndarray:
    k = K.copy()
    for key, value in entries.items():
        k[int(key[1]), int(key[2])] = value
    return k


def _pose(rot: np.ndarray | None = None, centre: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> np.ndarray:
    pose = np.eye(4)
    if rot is not None:
        pose[:3, :3] = rot
    pose[:3, 3] = centre
    return pose


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"intrinsic": _k(k00=0.0)}, "intrinsic must be a finite pinhole"),  # before: cv2.error
        ({"intrinsic": _k(k00=-30.0)}, "intrinsic must be"),  # before: a mirrored picture
        ({"intrinsic": _k(k11=float("nan"))}, "intrinsic must be"),  # before: int(nan)
        ({"intrinsic": _k(k00=float("inf"))}, "intrinsic must be"),
        ({"intrinsic": _k(k01=5.0)}, "intrinsic must be"),  # before: skew ignored (project_points uses it)
        ({"intrinsic": _k(k22=2.0)}, "intrinsic must be"),
        ({"cam_c2w": _pose(centre=(float("nan"), 0.0, 0.0))}, "finite 4x4"),  # before: cv2.error
        ({"cam_c2w": _pose(2 * np.eye(3))}, "must be rigid"),  # before: a wrong picture
        ({"cam_c2w": _pose(np.diag([1.0, 1.0, -1.0]))}, "determinant"),  # before: a reflection
        ({"time_s": float("nan")}, "time_s must be a finite number"),  # before: cv2.error
        ({"width": 0}, "width must be an integer >= 1"),  # before: cv2.error
        ({"height": 12.5}, "height must be an integer >= 1"),  # before: OpenCV overload error
        ({"supersample": 0}, "supersample must be an integer >= 1"),
        ({"supersample": 1.5}, "supersample"),  # before: silently 1
    ],
)
def test_camera_arguments_that_cannot_be_drawn_are_refused(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"cam_c2w": np.eye(4), "intrinsic": K, "width": W, "height": H} | kwargs
    with pytest.raises(CameraBenchError, match="render_frame") as err:
        render_frame(Scene([FAR, WALL]), _bank(), **args)
    assert message in str(err.value)


@pytest.mark.parametrize(("focal", "size"), [(1e-9, (W, H)), (1e12, (W, H)), (30.0, (1, 1)), (30.0, (7, 1))])
def test_extreme_but_valid_cameras_render(focal: float, size: tuple[int, int]) -> None:
    width, height = size
    img = render_frame(Scene([FAR, WALL]), _bank(), np.eye(4), pinhole_intrinsic(focal, width, height), width, height)
    assert img.shape == (height, width, 3) and np.isfinite(img).all()
    # a focal length near 0 sees past the wall's sides only (rays nearly in the image plane);
    # a huge one sees the wall's centre
    assert img.max() == (0.0 if focal < 1 else pytest.approx(1.0))


# 4. the near plane


@pytest.mark.parametrize("gap_m", [1e-3, 5e-4, 2e-2])
def test_a_wall_just_ahead_of_the_camera_is_drawn(gap_m: float) -> None:
    camera = _pose(centre=(0.0, 0.0, 5.0 - gap_m))
    img = render_frame(Scene([FAR, WALL]), _bank(), camera, K, W, H)
    np.testing.assert_allclose(img, 1.0)  # before (1 mm): the far grey quad behind the wall


def test_an_oblique_wall_passing_1mm_from_the_camera_is_drawn() -> None:
    # a wall through (0.001, 0, 0) turned 60 degrees about y: it covers the view's right part
    c, s = np.cos(np.radians(60)), np.sin(np.radians(60))
    u = np.array([s, 0.0, c]) * 20  # along the wall, mostly sideways, away from the camera
    centre = np.array([1e-3, 0.0, 0.0])
    wall = Quad(tuple(centre - u / 2 - [0, 5, 0]), tuple(u), (0.0, 10.0, 0.0), 1)  # type: ignore[arg-type]
    img = render_frame(Scene([FAR, wall]), _bank(), np.eye(4), K, W, H, supersample=1)
    # reference: where each pixel's ray meets the wall's plane in front of the camera
    n = np.cross(u, [0.0, 10.0, 0.0])
    xs = (np.arange(W) - K[0, 2]) / K[0, 0]
    t = (n @ centre) / (n[0] * xs + n[2])
    expected = np.where((t > 0) & (t < 40), 1.0, 0.2)
    np.testing.assert_allclose(img[H // 2, :, 0], expected, atol=1e-6)


# 5. textures, flicker, overlays


def test_an_empty_or_nan_texture_bank_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one texture"):  # before: ZeroDivisionError
        TextureBank(np.zeros((0, 4, 4, 3), np.float32))
    tex = np.zeros((3, 4, 4, 3), np.float32)
    tex[2, 1, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"texture\(s\) \[2\] hold NaN"):  # before: accepted, NaN frames
        TextureBank(tex)


def test_an_unknown_texture_name_is_named() -> None:
    with pytest.raises(ValueError, match="unknown texture 'brik'; known: astronaut"):
        texture_index("brik")  # before: "tuple.index(x): x not in tuple"
    assert texture_index("brick", low_texture=True) == TEXTURE_NAMES.index("brick") + len(TEXTURE_NAMES)


@pytest.mark.parametrize("amplitude", [float("nan"), float("inf")])
def test_a_non_finite_flicker_amplitude_is_refused(amplitude: float) -> None:
    with pytest.raises(CameraBenchError, match="flicker amplitude must be a finite number"):
        flicker_gains(4, amplitude, np.random.default_rng(0))  # before: NaN (or inf/0) gains


@pytest.mark.parametrize("size", [(15, 9), (8, 8), (16, 1), (1, 1)])
def test_a_logo_in_a_frame_too_small_for_it_is_refused(size: tuple[int, int]) -> None:
    width, height = size
    frames = np.zeros((2, height, width, 3), np.uint8)
    with pytest.raises(CameraBenchError, match=f"a {width}x{height} frame is too (small|narrow) for the logo"):
        apply_overlays(frames, ("logo",), 4.0)  # before: ValueError (broadcast) or cv2.error


@pytest.mark.usefixtures("tiny_textures")
def test_a_logo_clip_under_16x16_is_refused_by_name() -> None:
    # (render_clip now refuses a frame under 16x16 as generate_dataset does, before the logo's own check)
    with pytest.raises(CameraBenchError, match="frame size must be even and at least 16x16, got 8x8"):
        render_clip(ClipSpec("x", overlays=("logo",), duration_s=0.5), 0, 0, (8, 8), 4.0)


@pytest.mark.parametrize("fps", [0.0, float("nan"), -1.0])
def test_subtitles_at_a_frame_rate_that_is_not_positive_are_refused(fps: float) -> None:
    frames = np.zeros((2, 32, 32, 3), np.uint8)
    with pytest.raises(CameraBenchError, match="fps must be a finite number > 0"):
        apply_overlays(frames, ("subtitles",), fps)  # before: ZeroDivisionError / int(nan)


# 6. the round trip: the written ground truth projects each box where it is drawn


@pytest.fixture
def lone_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenes of the first subject box alone (shade 1, white) on black: its coverage is exact."""
    real = gen.build_scene

    def build(rng: np.random.Generator, options: Any) -> Scene:
        quads = real(rng, options).quads
        first = len(quads) - 6 * len(options.subjects)
        return Scene([dataclasses.replace(q, shade=1.0) for q in quads[first : first + 6]])

    monkeypatch.setattr(gen, "build_scene", build)
    monkeypatch.setattr(gen, "_SUPERSAMPLE", 4)  # finer coverage at the box's edges
    bank = TextureBank(np.ones((2 * len(TEXTURE_NAMES), 4, 4, 3), np.float32))
    monkeypatch.setattr(gen, "texture_bank", lambda: bank)


def _box_silhouette(clip: gen.RenderedClip, frame: int, k1: float) -> np.ndarray:
    """The box's outline in frame ``frame`` from the written ground truth alone (convex hull)."""
    traj = clip.trajectory
    axes = clip.level_to_world[:3, :3]  # the boxes are axis-aligned in the level frame
    half = clip.subject_sizes_m[0] / 2
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
    corners = clip.subject_centres_m[frame, 0] + (signs * half) @ axes.T
    c2w, k = traj.cam_c2w[frame], traj.intrinsic[frame]
    w2c = np.linalg.inv(c2w)
    assert np.all((corners @ w2c[:3, :3].T + w2c[:3, 3])[:, 2] > 0)  # in front of the camera
    rvec, _ = cv2.Rodrigues(w2c[:3, :3])
    uv, _ = cv2.projectPoints(corners, rvec, w2c[:3, 3], k, None)  # OpenCV's pinhole, not the renderer's
    hull = cv2.convexHull(uv.reshape(-1, 2).astype(np.float32)).reshape(-1, 2).astype(np.float64)
    if k1 == 0:
        return hull
    # the lens bends the outline's edges: distort points along them (OpenCV's forward model)
    steps = np.linspace(0.0, 1.0, 64, endpoint=False)[:, None, None]
    outline = (hull + steps * (np.roll(hull, -1, axis=0) - hull)).transpose(1, 0, 2).reshape(-1, 2)
    rays = np.c_[(outline - k[:2, 2]) / np.diag(k)[:2], np.ones(len(outline))]
    bent, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), k, np.array([k1, 0.0, 0.0, 0.0]))
    return bent.reshape(-1, 2)


PAN = ((Primitive.PAN_LEFT, 8.0),)


@pytest.mark.usefixtures("lone_subject")
@pytest.mark.parametrize(
    ("spec", "tol_px"),
    [
        # the pivot box of an arc, a crane and a dolly zoom (focal length changing) stays centred
        # (scene_scale 1.5: a 40 degree arc passes x = 3.86 m, where a side wall may stand at scale 1; the
        # fixture draws the box alone, so the frames are those of scale 1)
        (
            ClipSpec(
                "arc", compound=CompoundMotion.ARC_CLOCKWISE, compound_magnitude=40.0, shake_deg=1.0, scene_scale=1.5
            ),
            0.15,
        ),
        (ClipSpec("crane", compound=CompoundMotion.CRANE_UP, compound_magnitude=20.0), 0.15),
        (ClipSpec("dzoom", compound=CompoundMotion.DOLLY_ZOOM_IN, compound_magnitude=2.0), 0.15),
        # a box crossing the frame while the camera pans, moves in or zooms (with shake, a lens)
        (ClipSpec("pan", moves=PAN, moving_objects=1, initial_pitch_deg=-14.0, shake_deg=1.0), 0.15),
        (ClipSpec("zoom", moves=((Primitive.ZOOM_IN, 1.5),), moving_objects=1, initial_pitch_deg=-14.0), 0.15),
        (ClipSpec("dolly", moves=((Primitive.MOVE_IN, 0.6),), moving_objects=1, initial_pitch_deg=-14.0), 0.15),
        (ClipSpec("lens", moves=PAN, moving_objects=1, initial_pitch_deg=-14.0, lens_k1=-0.2), 0.15),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_boxes_are_drawn_where_the_written_ground_truth_projects_them(spec: ClipSpec, tol_px: float) -> None:
    width, height = 128, 96
    clip = render_clip(spec, 5, 2, (width, height), 4.0)
    assert not np.allclose(clip.level_to_world, np.eye(4))  # a world frame of its own
    ys, xs = np.mgrid[0:height, 0:width]
    centroids = []
    for i in range(len(clip.trajectory)):
        hull = _box_silhouette(clip, i, spec.lens_k1)
        if hull.min() < 2 or hull[:, 0].max() > width - 3 or hull[:, 1].max() > height - 3:
            continue  # (partly) outside the frame
        coverage = clip.frames[i, ..., 0].astype(np.float64) / 255.0
        area = coverage.sum()
        found = np.array([(coverage * xs).sum(), (coverage * ys).sum()]) / area
        m = cv2.moments(hull.astype(np.float32))
        expected = np.array([m["m10"], m["m01"]]) / m["m00"]
        assert area == pytest.approx(m["m00"], rel=0.02), i
        assert np.linalg.norm(found - expected) < tol_px, (i, found, expected)
        centroids.append(expected)
    assert len(centroids) >= 3
    if spec.moving_objects:
        assert np.ptp(np.array(centroids), axis=0).max() > 5  # the box moves across the picture
