"""Hostile inputs, round 14: specs whose labels disagreed with the frames rendered, captions that
said what the labels deny, and a frame size the overlays could not take.

- a rolling-shutter move there and back reused the frame rendered on the way there for the way
  back (the same pose at the middle row, but the rows skewed the other way);
- a rolling shutter with lens distortion dropped the distortion (the manifest still listed it);
- a tracking shot of any kind but a lone dolly (a side tracking shot, a tail shot moving back, a
  pan, a move there and back, a scene cut) rendered a subject the camera leaves behind;
- a move too small to name labelled a clear yes, and a big move marked minor captioned "moves
  only very slightly";
- the shaking fixed camera captioned "stays in place" (read as Static, labelled False) and a move
  there and back captioned without its way back (labelled yes);
- a logo overlay in a frame under 32 pixels wide: a numpy broadcast traceback.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from camerabench.eval.caption_metrics import caption_facts
from camerabench.synth.annotate import caption
from camerabench.synth.generate import render_clip
from camerabench.synth.nuisances import apply_overlays
from camerabench.synth.presets import preset_specs
from camerabench.synth.specs import MINOR_MAGNITUDES, ClipSpec, raw_annotation
from camerabench.taxonomy import Primitive, TrackingKind, derive_labels

P = Primitive


def test_rolling_shutter_frames_of_a_move_there_and_back_are_each_rendered() -> None:
    # frames 0 and 3 share the middle row's pose; the rows below it are exposed later: moving on
    # at frame 0, coming back at frame 3. Before: frame 3 was frame 0 taken from the cache.
    spec = ClipSpec("x", moves=((P.PAN_RIGHT, 20.0),), profile="there_hold_back", rolling_shutter=1.0, duration_s=0.4)
    clip = render_clip(spec, 0, 0, (16, 16), 10.0)
    assert len(clip.frames) == 4
    np.testing.assert_allclose(clip.trajectory.cam_c2w[0], clip.trajectory.cam_c2w[3], atol=1e-9)
    diff = np.abs(clip.frames[0].astype(int) - clip.frames[3].astype(int))
    assert diff.max() > 20


def test_rolling_shutter_with_lens_distortion_is_refused() -> None:
    # before: rendered without the distortion, while the manifest listed lens_k1 = -0.25
    with pytest.raises(ValueError, match="lens distortion"):
        ClipSpec("x", moves=((P.PAN_RIGHT, 15.0),), rolling_shutter=0.9, lens_k1=-0.25)


@pytest.mark.parametrize(
    "changes",
    [
        {"tracking": TrackingKind.SIDE, "moves": ((P.MOVE_IN, 2.2),)},  # rendered as a lead shot
        {"tracking": TrackingKind.TAIL, "moves": ((P.MOVE_OUT, 2.2),)},  # subject walks away ahead
        {"tracking": TrackingKind.TAIL, "moves": ((P.PAN_LEFT, 15.0),)},  # subject stood still
        {"tracking": TrackingKind.TAIL, "moves": ((P.MOVE_IN, 2.2), (P.PAN_LEFT, 15.0))},
        {"tracking": TrackingKind.LEAD, "moves": ((P.MOVE_OUT, 2.2),), "profile": "there_hold_back"},  # camera still
        {"tracking": TrackingKind.TAIL, "moves": ((P.MOVE_IN, 2.2),), "scene_cut": True},
    ],
)
def test_tracking_shots_the_renderer_does_not_draw_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="tracking"):
        ClipSpec("x", **changes)


def test_the_rendered_tracking_shots_are_accepted() -> None:
    ClipSpec("x", moves=((P.MOVE_IN, 2.2),), tracking=TrackingKind.TAIL, shake_deg=0.5)
    ClipSpec("x", moves=((P.MOVE_OUT, 2.2),), tracking=TrackingKind.LEAD)


def test_a_move_at_the_minor_magnitude_is_minor_and_above_it_is_not() -> None:
    limit = MINOR_MAGNITUDES["yaw"]
    with pytest.raises(ValueError, match="too small to name"):  # before: Pan_Left labelled True
        ClipSpec("x", moves=((P.PAN_LEFT, limit),))
    with pytest.raises(ValueError, match="too small to name"):
        ClipSpec("x", moves=((P.PAN_LEFT, 1e-3),))
    with pytest.raises(ValueError, match="is not minor"):  # before: "moves only very slightly"
        ClipSpec("x", moves=((P.PAN_LEFT, 28.0),), minor=True)
    minor = derive_labels(raw_annotation(ClipSpec("x", moves=((P.PAN_LEFT, limit),), minor=True)))
    assert minor[P.PAN_LEFT] is None
    clear = derive_labels(raw_annotation(ClipSpec("x", moves=((P.PAN_LEFT, limit * 1.01),))))
    assert clear[P.PAN_LEFT] is True


def test_captions_state_what_the_labels_say() -> None:
    # every fact a synthetic caption states is not labelled False, and every clear yes is stated
    specs = [*preset_specs("standard"), *preset_specs("hard")]
    for spec in specs:
        labels = derive_labels(raw_annotation(spec))
        facts = caption_facts(caption(spec))
        said_false = [p.value for p in Primitive if labels[p] is False and p.value in facts]
        unsaid = [p.value for p in Primitive if labels[p] is True and p.value not in facts]
        assert not said_false and not unsaid, (spec.name, caption(spec), said_false, unsaid)
    shaky = ClipSpec("x", shake_deg=0.6)
    assert derive_labels(raw_annotation(shaky))[P.STATIC] is False
    assert "Static" not in caption_facts(caption(shaky))  # before: "stays in place"
    back = ClipSpec("x", moves=((P.PAN_RIGHT, 28.0),), profile="there_hold_back")
    assert {"Pan_Left", "Pan_Right"} <= caption_facts(caption(back))  # before: Pan_Left unsaid


@pytest.mark.parametrize("size", [(16, 16), (16, 64), (64, 16), (30, 18)])
def test_overlays_fit_in_the_smallest_frames(size: tuple[int, int]) -> None:
    width, height = size
    for r in range(1, 5):
        for overlays in itertools.combinations(("logo", "subtitles", "letterbox", "pillarbox"), r):
            frames = np.full((2, height, width, 3), 128, np.uint8)
            where = apply_overlays(frames, overlays, 10.0)  # before: ValueError (broadcast) with a logo
            if where["logo"] is not None:
                x0, y0, x1, y1 = where["logo"]
                assert 0 <= x0 < x1 <= width - where["bars"]["right"] and 0 <= y0 < y1 <= height


def test_a_logo_clip_renders_at_16x16() -> None:
    spec = ClipSpec("x", overlays=("logo", "pillarbox"), duration_s=0.2)
    clip = render_clip(spec, 0, 0, (16, 16), 10.0)
    assert clip.frames.shape == (2, 16, 16, 3)
    assert clip.nuisances["overlays"]["logo"] is not None
