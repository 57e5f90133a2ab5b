"""Hostile inputs, round 16: what the synthetic generator drew, labelled and reported for inputs the
presets never use.

- an arc (crane, dolly zoom) with a scene cut: the shot after the cut repeated the compound move,
  captioned "remains completely still";
- a tracking shot too small to name (``minor``) was a positive of the tracking VQA tasks;
- a dolly zoom (or zoom) out shortening the focal length until a frame saw 177 degrees: only the
  first frame's field of view was checked;
- ``distortion_margin_px`` was the first shot's last frame's, not the smallest over every frame;
- cut moves too small to name, or after a minor first shot, failed inside the renderer with a
  message about ``minor``.

None of these changes a preset clip (their frames and labels are the benchmark).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth import generate as gen
from camerabench.synth.annotate import SynthClip, caption, vqa_pairs
from camerabench.synth.generate import generate_dataset, render_clip
from camerabench.synth.nuisances import distortion_margin
from camerabench.synth.render import TextureBank
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Primitive, TrackingKind, derive_labels

P = Primitive
C = CompoundMotion


def _clip(spec: ClipSpec) -> SynthClip:
    return SynthClip(f"{spec.name}.mp4", spec, derive_labels(raw_annotation(spec)))


# 1. a compound move with a scene cut


@pytest.mark.usefixtures("tiny_textures")
@pytest.mark.parametrize(("compound", "magnitude"), [(C.ARC_CLOCKWISE, 25.0), (C.DOLLY_ZOOM_IN, 2.0)])
def test_the_shot_after_a_cut_does_not_repeat_the_compound(compound: CompoundMotion, magnitude: float) -> None:
    spec = ClipSpec("cut", compound=compound, compound_magnitude=magnitude, scene_cut=True)
    assert caption(spec).endswith("Then the video cuts to another scene, where the camera remains completely still.")
    clip = render_clip(spec, 0, 0, (16, 16), 4.0)
    cut = clip.nuisances["cut_frame"]
    poses, k = clip.trajectory.cam_c2w, clip.trajectory.intrinsic
    assert k is not None
    # the first shot makes the compound move ...
    assert not np.allclose(poses[0], poses[cut - 1])
    # ... the second one, as its caption says, stands still (it repeated the compound)
    np.testing.assert_allclose(poses[cut:], np.broadcast_to(poses[cut], poses[cut:].shape), atol=1e-12)
    np.testing.assert_allclose(k[cut:], np.broadcast_to(k[cut], k[cut:].shape))
    # both shots hold the same boxes (the pivot's box is scenery after the cut)
    assert clip.subject_centres_m.shape == (len(poses), 1, 3)


# 2. tracking shots too small to name


def test_a_minor_tracking_shot_is_no_positive_of_the_tracking_tasks() -> None:
    tiny_tail = ClipSpec("tiny_tail", moves=((P.MOVE_IN, 0.03),), minor=True, tracking=TrackingKind.TAIL)
    tiny_lead = ClipSpec("tiny_lead", moves=((P.MOVE_OUT, 0.03),), minor=True, tracking=TrackingKind.LEAD)
    tail = ClipSpec("tail", moves=((P.MOVE_IN, 2.2),), tracking=TrackingKind.TAIL)
    lead = ClipSpec("lead", moves=((P.MOVE_OUT, 2.2),), tracking=TrackingKind.LEAD)
    pan = ClipSpec("pan", moves=((P.PAN_LEFT, 15.0),))
    pairs = vqa_pairs([_clip(s) for s in (tiny_tail, tiny_lead, tail, lead, pan)])
    tasks = ("is_tracking", "has_lead_tracking", "has_tail_tracking", "lead_tracking_vs_tail_tracking")
    used = {(p.task, p.pos_video) for (_, task), ps in pairs.items() if task in tasks for p in ps}
    used |= {(p.task, p.neg_video) for (_, task), ps in pairs.items() if task in tasks for p in ps}
    assert {v for _, v in used} >= {"tail.mp4", "lead.mp4"}  # clear tracking shots are still asked about
    assert not {v for _, v in used} & {"tiny_tail.mp4", "tiny_lead.mp4"}  # before: positives


def test_only_minor_tracking_shots_make_no_tracking_pairs() -> None:
    tiny = ClipSpec("tiny", moves=((P.MOVE_IN, 0.03),), minor=True, tracking=TrackingKind.TAIL)
    pairs = vqa_pairs([_clip(tiny), _clip(ClipSpec("pan", moves=((P.PAN_LEFT, 15.0),)))])
    assert not {task for _, task in pairs} & {"is_tracking", "has_tail_tracking"}


# 3. focal lengths a pinhole camera cannot show


@pytest.mark.parametrize(
    "spec",
    [
        ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=5.9),  # 177 degrees at the end
        ClipSpec("zo", moves=((P.ZOOM_OUT, 10.0),)),
        ClipSpec("cut", scene_cut=True, cut_moves=((P.ZOOM_OUT, 10.0),)),  # after the cut
        ClipSpec("blur", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=4.0, motion_blur=3),
    ],
    ids=["dolly_zoom_out", "zoom_out", "zoom_out_after_cut", "dolly_zoom_out_blurred"],
)
def test_a_clip_whose_frames_see_past_a_pinhole_is_refused(monkeypatch: pytest.MonkeyPatch, spec: ClipSpec) -> None:
    def no_render() -> TextureBank:
        raise AssertionError("refused before rendering")

    monkeypatch.setattr(gen, "texture_bank", no_render)
    with pytest.raises(CameraBenchError, match=rf"clip '{spec.name}'.* degrees.*at most 120 degrees"):
        render_clip(spec, 0, 0, (16, 16), 4.0)


@pytest.mark.usefixtures("tiny_textures")
def test_a_dolly_zoom_out_within_a_pinhole_renders() -> None:
    clip = render_clip(ClipSpec("dzo", compound=C.DOLLY_ZOOM_OUT, compound_magnitude=3.8), 0, 0, (16, 16), 4.0)
    k = clip.trajectory.intrinsic
    assert k is not None
    fov = np.degrees(2 * np.arctan(16 / (2 * k[:, 0, 0])))
    assert fov.max() <= 120.0 and fov.max() > 100.0


def test_a_preset_that_would_see_past_a_pinhole_is_refused_before_work(tmp_path: Path) -> None:
    # 64x176 passes the first-frame check (115 degrees), yet zoom_out (clip 8) ends at 130 degrees
    out = tmp_path / "ds"
    with pytest.raises(CameraBenchError, match=r"clip 'zoom_out'.*less tall frame"):
        generate_dataset(out, clips=9, preset="standard", size=(64, 176), fps=2.0, workers=1)
    assert not out.exists()


# 4. the lens distortion margin


@pytest.mark.usefixtures("tiny_textures")
@pytest.mark.parametrize(
    "spec",
    [
        # the margin in pixels grows as the focal length shrinks: a zoom out's last frame has the largest
        # (k1 = -0.1 keeps every frame's corners inside the radius where the Brown model folds back)
        ClipSpec("zoom", moves=((P.ZOOM_OUT, 1.8),), lens_k1=-0.1),
        ClipSpec("cut", moves=((P.ZOOM_OUT, 1.8),), scene_cut=True, cut_moves=((P.ZOOM_OUT, 1.8),), lens_k1=-0.1),
    ],
    ids=["zoom_out", "zoom_out_on_both_sides_of_a_cut"],
)
def test_the_distortion_margin_is_the_smallest_over_every_frame(spec: ClipSpec) -> None:
    clip = render_clip(spec, 0, 1, (32, 32), 4.0)
    k = clip.trajectory.intrinsic
    assert k is not None
    margins = np.array([distortion_margin(ki, 32, 32, -0.1) for ki in k])
    assert len({tuple(m) for m in margins}) > 1  # the case this test is about: the margin changes
    assert clip.nuisances["distortion_margin_px"] == margins.min(axis=0).tolist()


# 5. the moves after a cut


def test_cut_moves_too_small_to_name_are_refused() -> None:
    with pytest.raises(ValueError, match=r"cut_moves: Pan_Right 0.1 is too small to name"):
        ClipSpec("cut", moves=((P.PAN_LEFT, 10.0),), scene_cut=True, cut_moves=((P.PAN_RIGHT, 0.1),))


@pytest.mark.usefixtures("tiny_textures")
def test_a_minor_first_shot_may_cut_to_a_clear_move() -> None:
    # before: ValueError "a minor move is at most 0.6 along yaw; Pan_Right 10 is not minor"
    spec = ClipSpec("cut", moves=((P.PAN_LEFT, 0.5),), minor=True, scene_cut=True, cut_moves=((P.PAN_RIGHT, 10.0),))
    clip = render_clip(spec, 0, 0, (16, 16), 4.0)
    assert clip.nuisances["cut_frame"] == 5
