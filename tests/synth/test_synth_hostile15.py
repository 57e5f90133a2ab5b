"""Hostile inputs, round 15: what the synthetic generator reported, averaged, labelled and drew for
inputs the presets never use.

- a large subject across a scene cut: ``subject_coverage_min`` was the first shot's alone;
- an even ``motion_blur`` (4) averaged 5 sub-frames, an exposure one sub-frame longer than 4;
- a compound move too small to see (a 0.001 degree arc) was a clear positive of its VQA tasks,
  and a minor arc, or one there and back, too;
- a frame much taller than wide (16x4096) saw 179 degrees vertically through a pinhole camera.

None of these changes a preset clip (their frames and labels are the benchmark).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth import generate as gen
from camerabench.synth.annotate import SynthClip, vqa_pairs
from camerabench.synth.generate import _parse_size, _shutter, generate_dataset, render_clip
from camerabench.synth.presets import preset_specs
from camerabench.synth.specs import MINOR_COMPOUND_MAGNITUDES, MINOR_MAGNITUDES, ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Primitive, derive_labels
from camerabench.taxonomy.rules import DIRECTION_PRIMITIVES

P = Primitive
C = CompoundMotion


@pytest.mark.usefixtures("tiny_textures")
def test_subject_coverage_of_a_scene_cut_is_the_smaller_shot_s(monkeypatch: pytest.MonkeyPatch) -> None:
    # the camera backs away from the board after the cut: the second shot's coverage is smaller
    per_shot: list[float] = []
    render_shot = gen._render_shot

    def spy(*args: Any, **kwargs: Any) -> Any:
        shot = render_shot(*args, **kwargs)
        per_shot.append(shot.nuisances["subject_coverage_min"])
        return shot

    monkeypatch.setattr(gen, "_render_shot", spy)
    spec = ClipSpec("cut", scene_cut=True, large_subject=True, cut_moves=((P.MOVE_OUT, 1.4),))
    clip = render_clip(spec, 0, 0, (32, 32), 4.0)
    assert len(per_shot) == 2 and per_shot[1] < per_shot[0]  # the case this test is about
    assert clip.nuisances["subject_coverage_min"] == min(per_shot)  # before: per_shot[0]


def _impulse_response(sub: int) -> np.ndarray:
    """Weight of each fine frame in frame 1 (fine frame ``sub``) of a 3-frame clip."""
    n_fine = 2 * sub + 1
    out = []
    for k in range(n_fine):
        rendered = np.zeros((n_fine, 1, 1, 3), dtype=np.float32)
        rendered[k] = 1.0
        out.append(float(_shutter(rendered, sub)[1, 0, 0, 0]))
    return np.array(out)


def test_even_motion_blur_exposes_sub_intervals_centred_on_the_frame() -> None:
    weights = _impulse_response(4)
    # fine frames 2..6 around frame 1 (fine frame 4), the ends at half weight: an exposure of 4
    # sub-frame intervals (before: 5 sub-frames at 1/5 each, 5 intervals long)
    np.testing.assert_allclose(weights, [0, 0, 0.125, 0.25, 0.25, 0.25, 0.125, 0, 0], atol=1e-7)
    centre = float((weights * np.arange(len(weights))).sum())
    assert centre == pytest.approx(4.0)
    # the odd sub the hard preset uses is unchanged: 5 sub-frames at 1/5
    np.testing.assert_allclose(_impulse_response(5), [0] * 3 + [0.2] * 5 + [0] * 3, atol=1e-7)


def test_even_motion_blur_keeps_a_constant_image_and_the_clip_ends() -> None:
    rendered = np.full((9, 2, 2, 3), 0.3, dtype=np.float32)
    np.testing.assert_allclose(_shutter(rendered, 4), 0.3, atol=1e-6)
    # the first frame has no sub-frames before it: its own counts in full, the far end half
    rendered = np.zeros((9, 1, 1, 3), dtype=np.float32)
    rendered[0] = 1.0
    assert float(_shutter(rendered, 4)[0, 0, 0, 0]) == pytest.approx(1 / 2.5)


@pytest.mark.parametrize("compound", list(C))
def test_a_compound_too_small_to_see_is_not_a_clear_move(compound: CompoundMotion) -> None:
    limit = MINOR_COMPOUND_MAGNITUDES[compound]
    with pytest.raises(ValueError, match="too small to name"):  # before: a clear compound
        ClipSpec("x", compound=compound, compound_magnitude=limit / 1000)
    with pytest.raises(ValueError, match="is not minor"):
        ClipSpec("x", compound=compound, compound_magnitude=limit * 1.01, minor=True)
    ClipSpec("x", compound=compound, compound_magnitude=limit, minor=True)
    ClipSpec("x", compound=compound, compound_magnitude=limit * 1.01)


def test_compound_minor_magnitudes_follow_the_primitives() -> None:
    # an arc pans (yaw) and trucks; a crane tilts and pedestals; a dolly zoom dollies and zooms
    assert MINOR_COMPOUND_MAGNITUDES[C.ARC_CLOCKWISE] == MINOR_MAGNITUDES["yaw"]
    assert MINOR_COMPOUND_MAGNITUDES[C.CRANE_DOWN] == MINOR_MAGNITUDES["pitch"]
    # a 0.09 m dolly zoom in changes the focal length by (6 + 0.09) / 6 = 1.015, the minor zoom
    assert MINOR_COMPOUND_MAGNITUDES[C.DOLLY_ZOOM_IN] == pytest.approx(6 * (MINOR_MAGNITUDES["zoom"] - 1))
    for spec in preset_specs("standard"):
        if spec.compound is not None:  # the presets' compounds are clear of the bound
            assert spec.compound_magnitude > 10 * MINOR_COMPOUND_MAGNITUDES[spec.compound]


def _clips(*specs: ClipSpec) -> list[SynthClip]:
    return [SynthClip(f"{s.name}.mp4", s, derive_labels(raw_annotation(s))) for s in specs]


def test_minor_compounds_are_neither_positives_nor_negatives() -> None:
    tiny_cw = ClipSpec("tiny_cw", compound=C.ARC_CLOCKWISE, compound_magnitude=0.001, minor=True)
    tiny_dz = ClipSpec("tiny_dz", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=0.05, minor=True)
    pairs = vqa_pairs(_clips(tiny_cw, tiny_dz, ClipSpec("still")))
    # before: the 0.001 degree arc was the positive of has_arc_clockwise
    assert ("has_motion", "has_arc_clockwise") not in pairs
    videos = {v for ps in pairs.values() for p in ps for v in (p.pos_video, p.neg_video)}
    assert videos <= {"still.mp4"}
    labels = derive_labels(raw_annotation(tiny_cw))
    assert all(labels[p] is None for p in DIRECTION_PRIMITIVES)


def test_an_arc_there_and_back_is_no_side_of_clockwise_versus_counterclockwise() -> None:
    # clockwise and back is counterclockwise too: before, it was the "clockwise" side of a pair
    back = ClipSpec("cw_back", compound=C.ARC_CLOCKWISE, compound_magnitude=25.0, profile="there_hold_back")
    ccw = ClipSpec("ccw", compound=C.ARC_COUNTERCLOCKWISE, compound_magnitude=25.0)
    cw = ClipSpec("cw", compound=C.ARC_CLOCKWISE, compound_magnitude=25.0)
    assert ("motion_direction", "arc_ccw_vs_arc_cc") not in vqa_pairs(_clips(back, ccw))
    pairs = vqa_pairs(_clips(back, ccw, cw))[("motion_direction", "arc_ccw_vs_arc_cc")]
    assert [(p.pos_video, p.neg_video) for p in pairs] == [("ccw.mp4", "cw.mp4")]


@pytest.mark.parametrize("size", [(16, 4096), (16, 46), (64, 192)])
def test_frames_too_tall_for_a_pinhole_camera_are_refused(size: tuple[int, int], tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="pinhole"):  # before: up to 179 degrees vertically
        _parse_size(size)
    with pytest.raises(CameraBenchError, match="pinhole"):
        render_clip(ClipSpec("still"), 0, 0, size, 4.0)
    with pytest.raises(CameraBenchError, match=r"at most \d+ pixels"):
        generate_dataset(tmp_path / "out", clips=1, size=size, fps=4.0, workers=1)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size", [(16, 44), (192, 320), (320, 192), (4096, 16)])
def test_frames_a_pinhole_camera_can_see_are_kept(size: tuple[int, int]) -> None:
    # portrait 9:16-like frames and very wide ones (their focal length is set from the width)
    assert _parse_size(size) == size


@pytest.mark.usefixtures("tiny_textures")
def test_the_widest_frame_allowed_sees_at_most_the_limit() -> None:
    clip = render_clip(ClipSpec("still"), 0, 0, (16, 44), 4.0)
    assert clip.trajectory.intrinsic is not None
    fy = clip.trajectory.intrinsic[:, 1, 1]
    fov = np.degrees(2 * np.arctan(44 / (2 * fy)))
    assert float(fov.max()) <= gen.MAX_FOV_DEG
