"""ClipSpec's bounds on frame rate and length, on arcs and cranes against the scene, on
``scene_scale`` below 1, and ``render_clip``'s frame-size check (round 36, second part).

Before: fps 1e-6 / 1e6 / 1e300 and durations 0.001 / 1e300 were taken by ClipSpec and refused only
when rendered; a 40 degree arc at scene_scale 1 passed x = 3.86 m, behind the side walls of some of
the scenes drawn; a crane up 60 degrees with the camera tilted down 60 swung into the boxes;
scene_scale 0.5 raised the ground through the (unscaled) subjects; and ``render_clip`` drew and
wrote 15x9, 8x8 and 2x2 clips that ``generate_dataset`` refuses.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth import generate as gen
from camerabench.synth import specs
from camerabench.synth.scene import SceneOptions, build_scene
from camerabench.synth.specs import PIVOT_DISTANCE_M, ClipSpec, camera_path
from camerabench.taxonomy import CompoundMotion, Primitive

P = Primitive
C = CompoundMotion


def _refused(match: str, **changes: Any) -> None:
    """ClipSpec("x", **changes) is refused with a message matching ``match``."""
    with pytest.raises(CameraBenchError, match=match):
        ClipSpec("x", **changes)


# --- frame rate and duration ---------------------------------------------------------------------


def test_the_bounds_are_the_generators() -> None:
    # a clip's own rate is one the dataset's may be; its frame count what render_clip renders
    assert (specs.MIN_CLIP_FPS, specs.MAX_CLIP_FPS) == (gen.MIN_FPS, gen.MAX_FPS)
    assert specs.MAX_CLIP_FRAMES == gen.MAX_CLIP_FRAMES
    assert specs.MIN_CLIP_DURATION_S == 1.5 / gen.MAX_FPS
    assert specs.MAX_CLIP_DURATION_S == gen.MAX_CLIP_FRAMES / gen.MIN_FPS


@pytest.mark.parametrize("fps", [0.999, 240.001, 1e-6, 1e6, 1e300])
def test_a_frame_rate_outside_1_to_240_is_refused(fps: float) -> None:
    _refused(rf"clip 'x': fps {re.escape(repr(fps))} is out of range .*allowed: \[1, 240\]", fps=fps)
    for ok in (1, 1.0, 4.0, 240.0):  # at and within the bounds
        assert ClipSpec("x", fps=ok).fps == ok


@pytest.mark.parametrize("duration", [0.006, 1e-9, 100_000.1, 1e300])
def test_a_duration_no_frame_rate_renders_is_refused(duration: float) -> None:
    value = re.escape(repr(duration))
    _refused(rf"clip 'x': duration_s {value} is out of range .*allowed: \[0\.00625, 100000\] s", duration_s=duration)


def test_the_shortest_and_longest_durations_have_2_and_100000_frames() -> None:
    short = ClipSpec("short", duration_s=specs.MIN_CLIP_DURATION_S)
    assert gen._frame_count(short, gen.MAX_FPS) == 2
    with pytest.raises(CameraBenchError, match=r"is 1 frame\(s\)"):  # at any lower rate it has fewer
        gen._frame_count(short, 239.0)
    long = ClipSpec("long", duration_s=specs.MAX_CLIP_DURATION_S)
    assert gen._frame_count(long, gen.MIN_FPS) == gen.MAX_CLIP_FRAMES
    with pytest.raises(CameraBenchError, match="more than 100000"):
        gen._frame_count(long, 1.001)


@pytest.mark.parametrize(
    ("duration", "fps"),
    [(0.01, 10.0), (0.14, 10.0), (0.15, 10.0), (0.2, 10.0), (1.4, 1.0), (1.5, 1.0), (416.0, 240.0), (417.0, 240.0)],
)
def test_with_both_set_the_spec_takes_exactly_what_render_clip_renders(duration: float, fps: float) -> None:
    try:  # the renderer's own frame count (the clip's rate set on the dataset)
        gen._frame_count(ClipSpec("x", duration_s=duration), fps)
    except CameraBenchError as exc:
        frames = round(duration * fps)
        said = (
            rf"duration_s {re.escape(repr(duration))} is out of range \({duration:g} s at {fps:g} fps is {frames} frame"
        )
        _refused(said, fps=fps, duration_s=duration)
        assert "frame" in str(exc)
    else:
        assert ClipSpec("x", duration_s=duration, fps=fps).duration_s == duration


# --- arcs and cranes against the scene -------------------------------------------------------------


def _side_walls(seed: int, scale: float) -> list[float]:
    """|x| of the side walls build_scene draws (quads along z at a constant x inside the sky box)."""
    scene = build_scene(np.random.default_rng(seed), SceneOptions(scale=scale))
    return [
        abs(q.origin[0])
        for q in scene.quads
        if q.edge_u[0] == 0 and q.edge_u[1] == 0 and q.edge_u[2] > 20 * scale and abs(q.origin[0]) < 80 * scale
    ]


def test_a_40_degree_arc_passes_where_real_side_walls_stand() -> None:
    spec = ClipSpec("arc", compound=C.ARC_CLOCKWISE, compound_magnitude=40.0, scene_scale=1.5)
    reach = float(np.abs(camera_path(spec, 200, 80.0).cam_c2w[:, 0, 3]).max())
    assert reach == pytest.approx(PIVOT_DISTANCE_M * math.sin(math.radians(40.0)))  # 3.86 m to the side
    walls = [x for seed in range(40) for x in _side_walls(seed, 1.0)]
    assert min(walls) >= 3.0 and any(x < reach for x in walls)  # scale 1: behind a wall in some scenes
    assert all(x > reach for seed in range(40) for x in _side_walls(seed, 1.5))  # scale 1.5: never
    said = r"compound_magnitude 'Arc_Clockwise 40' .*a side wall may stand after 30 deg"
    _refused(said, compound=C.ARC_CLOCKWISE, compound_magnitude=40.0)


@pytest.mark.parametrize(
    ("changes", "ok", "refused", "what", "angle"),
    [
        # x = 6 sin a reaches the side walls' 3 m (x scale) at 30 deg, 4.5 m at scale 1.5 at 48.6 deg
        ({}, 29.9, 30.1, "a side wall", 30.0),
        ({"shake_deg": 1.0}, 29.8, 29.95, "a side wall", math.degrees(math.asin(2.99 / 6))),
        ({"scene_scale": 1.5}, 48.5, 48.7, "a side wall", math.degrees(math.asin(0.75))),
        # z = 6 (1 - cos a) reaches the boxes' 3.75 m x 3 at 151 deg
        ({"scene_scale": 3.0}, 151.0, 151.1, "a static box", math.degrees(math.acos(1 - 11.25 / 6))),
        # (moving objects with scene_scale 3 are refused since round 36: subjects stand at scale 1;
        # the moving objects' region is covered by the dolly zoom out test of test_scene_scale36.py)
    ],
)
@pytest.mark.parametrize("arc", [C.ARC_CLOCKWISE, C.ARC_COUNTERCLOCKWISE])
def test_arcs_stop_where_the_circle_reaches_the_scene(
    arc: CompoundMotion, changes: dict[str, Any], ok: float, refused: float, what: str, angle: float
) -> None:
    ClipSpec("x", compound=arc, compound_magnitude=ok, **changes)
    with pytest.raises(CameraBenchError, match=rf"'{arc.value} {refused:g}' .*reaches where {what} may stand") as exc:
        ClipSpec("x", compound=arc, compound_magnitude=refused, **changes)
    said = float(str(exc.value).split("allowed: at most ")[1].split(" deg")[0])
    assert said == pytest.approx(angle, abs=0.05)


def test_a_crane_under_a_tilted_down_camera_stays_out_of_the_boxes() -> None:
    # the pivot is 6 m along the optical axis: tilted down 60 deg, a crane up swings the camera forward
    ClipSpec("ok", compound=C.CRANE_UP, compound_magnitude=40.0, initial_pitch_deg=-60.0)
    ClipSpec("level", compound=C.CRANE_UP, compound_magnitude=89.0)  # level: straight up, over everything
    with pytest.raises(CameraBenchError, match=r"'Crane_Up 60' .*reaches where a static box may stand") as exc:
        ClipSpec("x", compound=C.CRANE_UP, compound_magnitude=60.0, initial_pitch_deg=-60.0)
    angle = float(str(exc.value).split("allowed: at most ")[1].split(" deg")[0])
    # the renderer's own path there: 3.75 m ahead and under the tallest box's top (y down)
    far = ClipSpec("x", compound=C.CRANE_UP, compound_magnitude=60.0, initial_pitch_deg=-60.0, scene_scale=20.0)
    path = camera_path(far, 601, 240.0)
    elevation = specs.progress(far, path.times_s / path.times_s[-1]) * 60.0
    inside = (path.cam_c2w[:, 2, 3] >= 3.75) & (path.cam_c2w[:, 1, 3] >= -0.7)
    assert elevation[np.argmax(inside)] == pytest.approx(angle, abs=0.1)


# --- scene_scale below 1 ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.5, 0.99, 1e-9])
def test_a_scene_scale_below_1_is_refused(scale: float) -> None:
    _refused(rf"clip 'x': scene_scale {scale!r} is out of range .*allowed: >= 1", scene_scale=scale)
    assert ClipSpec("x", scene_scale=1.0).scene_scale == 1.0
    # why: the subjects stand on the ground of scale 1; the scaled ground rises through them
    rng = np.random.default_rng(0)
    spec = ClipSpec("x", compound=C.ARC_CLOCKWISE, compound_magnitude=20.0, moving_objects=2)
    subjects = gen._subjects(spec, rng, 0.0, 2.5, spec.compound)
    bottoms = [s.centre_m[1] + s.size_m[1] / 2 for s in subjects]
    assert bottoms == pytest.approx([1.5] * 3)  # they stand on the ground of scale 1
    ground = build_scene(np.random.default_rng(0), SceneOptions(scale=scale)).quads[0]
    assert ground.origin[1] == pytest.approx(1.5 * scale) and ground.origin[1] < min(bottoms)


# --- render_clip's frame size ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(15, 9), (17, 16), (16, 15), (8, 8), (2, 2), (4098, 16)])
def test_render_clip_refuses_the_sizes_generate_dataset_refuses(
    size: tuple[int, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_shot(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("rendered a clip that should have been refused")

    monkeypatch.setattr(gen, "_render_shot", no_shot)
    spec = ClipSpec("x", moves=((P.PAN_RIGHT, 15.0),))
    with pytest.raises(CameraBenchError, match=rf"frame size .*{size[0]}x{size[1]}") as exc:
        gen.render_clip(spec, 0, 0, size, 4.0)
    with pytest.raises(CameraBenchError) as by_dataset:
        gen.generate_dataset(tmp_path / "d", clips=1, size=size, workers=1)
    assert str(exc.value) == str(by_dataset.value)


@pytest.mark.usefixtures("tiny_textures")
@pytest.mark.parametrize("size", [(32.0, 20), (32, True), (32,), "32x20"])
def test_render_clip_refuses_a_size_that_is_not_two_integers(size: Any) -> None:
    with pytest.raises(CameraBenchError, match="frame size must be two integers"):
        gen.render_clip(ClipSpec("x"), 0, 0, size, 4.0)
    # (16x16, also given as a list, still renders)
    clip = gen.render_clip(ClipSpec("x", duration_s=0.2), 0, 0, [16, 16], 10.0)  # type: ignore[arg-type]
    assert clip.frames.shape == (2, 16, 16, 3)
