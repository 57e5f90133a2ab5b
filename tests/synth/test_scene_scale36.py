"""scene_scale with subjects, its upper bound, and dolly zooms out checked against the scene (round 36).

Subjects are placed for scale 1 (bottoms 1.5 m below the camera): at scale 15 crossing objects hung
21 m above the scaled ground; scene_scale 1e300 was accepted (frames black or refused only when
rendered); a dolly zoom out moved up to 6 m forward unchecked, and the boxes' region ignored the
lane |x| < 1 m (x scale) that build_scene keeps clear when the scene has subjects.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth.scene import SceneOptions, Subject, build_scene
from camerabench.synth.specs import MAX_SCENE_SCALE, ClipSpec
from camerabench.taxonomy import CompoundMotion as C
from camerabench.taxonomy import Primitive as P  # noqa: N817
from camerabench.taxonomy import TrackingKind

TAIL = {"moves": ((P.MOVE_IN, 2.0),), "tracking": TrackingKind.TAIL}


@pytest.mark.parametrize(
    ("changes", "knob"),
    [({"moving_objects": 2}, "moving_objects"), ({"large_subject": True}, "large_subject"), (TAIL, "tracking")],
)
def test_subjects_placed_for_scale_1_refuse_a_scaled_scene(changes: dict[str, object], knob: str) -> None:
    ClipSpec("x", **changes)  # type: ignore[arg-type]
    with pytest.raises(CameraBenchError, match=rf"scene_scale 15.0 .*would hang 21 m above it.*allowed: 1 with {knob}"):
        ClipSpec("x", scene_scale=15.0, **changes)  # type: ignore[arg-type]
    # the pivot box stays at the pivot the camera aims at: compounds keep any scale
    ClipSpec("arc", compound=C.ARC_CLOCKWISE, compound_magnitude=20.0, scene_scale=15.0)


@pytest.mark.parametrize("scale", [1e300, 3e7, MAX_SCENE_SCALE * 1.001])
def test_scene_scale_has_an_upper_bound(scale: float) -> None:
    said = rf"scene_scale {re.escape(repr(scale))} is out of range .*allowed: \[1, 1000\]"
    with pytest.raises(CameraBenchError, match=said):
        ClipSpec("x", scene_scale=scale)
    assert ClipSpec("x", scene_scale=MAX_SCENE_SCALE).scene_scale == MAX_SCENE_SCALE


def test_boxes_keep_the_lane_clear_when_there_are_subjects() -> None:
    subj = (Subject((0.0, 0.9, 6.0), (0.8, 1.2, 0.8), (0.1, 0.0, 0.0)),)  # moving: not a static box
    for scale in (1.0, 3.0):
        for seed in range(30):
            scene = build_scene(np.random.default_rng(seed), SceneOptions(scale=scale, subjects=subj))
            # box faces (cull_back) of the static boxes: every corner at |x| >= 1 m x scale
            static = [q for q in scene.quads if q.cull_back and not any(q.velocity_mps) and q.origin[2] > 3.0 * scale]
            xs = [abs(q.origin[0] + t * q.edge_u[0] + s * q.edge_v[0]) for q in static for t in (0, 1) for s in (0, 1)]
            assert xs and min(xs) >= 1.0 * scale - 1e-9


def test_dolly_zoom_out_is_checked_against_the_scene() -> None:
    # the lane is clear: dolly zooms out of up to 5.9 m pass (the boxes start 3.75 m ahead)
    ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=5.9)
    # tilted down 20 deg, 5.9 m forward goes 2 m down: under the ground (old: accepted)
    with pytest.raises(CameraBenchError, match=r"compound_magnitude 'Move_In 5.9' .*the ground may stand after 4.39 m"):
        ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=5.9, initial_pitch_deg=-20.0)
    # the crossing objects 1.8 m ahead, the large subject 1.85 m ahead
    with pytest.raises(CameraBenchError, match=r"a moving object may stand after 1.8 m"):
        ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=2.0, moving_objects=1)
    with pytest.raises(CameraBenchError, match=r"the large subject may stand after 1.85 m"):
        ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=2.0, large_subject=True)


def test_straight_moves_use_the_lane_only_with_subjects() -> None:
    # a tail tracking shot of 5 m stays in the lane (old: refused at the boxes' 3.75 m)
    ClipSpec("tail", moves=((P.MOVE_IN, 5.0),), tracking=TrackingKind.TAIL)
    with pytest.raises(CameraBenchError, match=r"a static box may stand after 3.75 m"):
        ClipSpec("in", moves=((P.MOVE_IN, 5.0),))
