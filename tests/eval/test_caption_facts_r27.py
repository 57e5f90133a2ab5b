"""Red team R27: the motion facts of captions and MCQ options.

Key-value answers read by their value, negation through hedges ("does not appear to be"),
Static never beside a movement (design.md B2), common wordings, one reading of option text for
``choose_option``, and a note for captions the English-only parser cannot read.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from camerabench.baselines.geometry.describe import MotionEvent, caption_from_events
from camerabench.baselines.geometry.predictor import choose_option
from camerabench.eval import caption_metrics as cap
from camerabench.labelfiles import CaptionItem
from camerabench.records import CaptionRecord
from camerabench.runfolder import MethodRun
from camerabench.synth.annotate import caption
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Primitive, Speed
from camerabench.taxonomy.caption_facts import caption_facts, option_primitives


def test_the_caption_metrics_read_facts_through_the_taxonomy_parser() -> None:
    assert cap.caption_facts is caption_facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # 1. a key-value answer: the value decides
        ("Zoom in: no. Pan left: yes.", {"Pan_Left"}),
        ("- Pan left: yes\n- Zoom in: no\n- Tilt up: No", {"Pan_Left"}),
        ('{"pan_left": true, "zoom_in": false}', {"Pan_Left"}),
        ('{"pan_left": false, "zoom_in": true}', {"Zoom_In"}),
        ("Pan left = yes; Tilt up = none", {"Pan_Left"}),
        ("Static: yes", {"Static"}),
        ("Static: no. Pan right: yes", {"Pan_Right"}),
        # 2. negation through auxiliaries, "appear/seem to be" and adjectives
        ("The camera does not appear to be zooming in.", set()),
        ("The camera does not seem to be panning left.", set()),
        ("At no point does the camera zoom in.", set()),
        ("There is no visible or noticeable zoom in.", set()),
        ("The camera hardly pans left.", set()),
        ("The camera barely tilts up.", set()),
        ("The camera fails to pan left.", set()),
        ("There is barely any zoom in.", set()),
        # "barely" before an adjective states the motion, small (a CameraBench reference caption)
        ("The camera tracks forward, with a barely noticeable downward tilt.", {"Move_In", "Tilt_Down"}),
        # ... without breaking what was held up
        ("The camera does not pan left or tilt up.", set()),
        ("The camera does not pan left, tilt up, or zoom in.", set()),
        ("The camera pans left rather than tilting up.", {"Pan_Left"}),
        ("The camera tilts up instead of panning left.", {"Tilt_Up"}),
        ("The camera does not zoom and pans left.", {"Pan_Left"}),
        ("The camera not only pans left but also tilts up.", {"Pan_Left", "Tilt_Up"}),
        ("The camera is not shaky and appears to be panning left.", {"Pan_Left"}),
        ("The camera does not appear to be zooming in, but it pans left.", {"Pan_Left"}),
        # 3. Static is a camera still for the whole clip: never beside a movement
        ("The camera is static at first, then pans left.", {"Pan_Left"}),
        ("There is no camera movement except a slight pan left.", {"Pan_Left"}),
        ("The camera is static. It pans left.", {"Pan_Left"}),
        ("The camera is static.", {"Static"}),
        # 4. wordings
        ("The camera moves in.", {"Move_In"}),
        ("The camera moves out.", {"Move_Out"}),
        ("The camera moves in and out.", {"Move_In", "Move_Out"}),
        ("The camera booms up.", {"Move_Up"}),
        ("The camera rises.", {"Move_Up"}),
        ("The camera rises above the trees.", {"Move_Up"}),
        ("The drone flies forward.", {"Move_In"}),
        ("The drone flies upward.", {"Move_Up"}),
        ("The camera strafes left.", {"Move_Left"}),
        ("The camera moves sideways to the left.", {"Move_Left"}),
        ("The camera moves away from the subject.", {"Move_Out"}),
        ("The camera pans left and back.", {"Pan_Left", "Pan_Right"}),
        ("The camera tilts up to the sky, then back down.", {"Tilt_Up", "Tilt_Down"}),
        ("Static.", {"Static"}),
        ("Movement: static.", {"Static"}),
        ("Camera movement: none.", {"Static"}),
        ("The camera follows the dog as it moves forward.", set()),
        ("The camera follows the dog as it pans left.", {"Pan_Left"}),  # only a camera pans
        # ... and what those wordings must not read
        ("The camera moves in front of the car.", set()),
        ("The car moves in.", set()),
        ("A rising sun over the sea.", set()),
        ("The camera tilts up as the car moves away.", {"Tilt_Up"}),
        ("The camera does not pan left and back.", set()),
        ("The camera does not dolly zoom in.", set()),
    ],
)
def test_caption_facts_r27(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


def test_a_dolly_zoom_states_the_facts_of_the_taxonomy_compound() -> None:
    # the compound's own caption phrase is the independent reference of what a dolly zoom states
    for member, words in ((CompoundMotion.DOLLY_ZOOM_IN, "in"), (CompoundMotion.DOLLY_ZOOM_OUT, "out")):
        expected = caption_facts(f"The camera {member.caption_phrase}.")
        assert member.value in expected and len(expected) == 3
        assert caption_facts(f"The camera dolly zooms {words}.") == expected


def test_a_there_and_back_clip_caption_and_its_short_wording_read_as_its_labels() -> None:
    spec = ClipSpec("x", moves=((Primitive.PAN_LEFT, 8.0),), profile="there_hold_back")
    yes = {p.value for p, answer in raw_annotation(spec).directions.items() if answer == "yes"}
    assert caption_facts(caption(spec)) == yes
    assert caption_facts("The camera pans left and back.") == yes


def test_every_caption_the_geometric_writer_writes_parses_back_to_its_events() -> None:
    moving = [p for p in Primitive if p is not Primitive.STATIC]
    checked = 0
    for a, b in itertools.permutations(moving, 2):
        for start in (0.5, 1.0):  # simultaneous, sequential
            events = [MotionEvent(a, 0.1, 0, 1, Speed.REGULAR), MotionEvent(b, 0.1, start, start + 1, Speed.SLOW)]
            assert caption_facts(caption_from_events(events, None, None)) == {a.value, b.value}
            checked += 1
    assert caption_facts(caption_from_events([], None, None)) == {"Static"}
    assert checked == 2 * len(moving) * (len(moving) - 1)


@pytest.mark.parametrize(
    ("option", "named"),
    [
        ("Track left", ["Move_Left"]),
        ("Dolly forward", ["Move_In"]),
        ("Pan left then right", ["Pan_Right", "Pan_Left"]),
        ("Static shot, no zoom in", ["Static"]),
        ("Boom up", ["Move_Up"]),
        ("Crane up", []),  # a compound motion: no primitive score answers it
        ("Handheld", []),
    ],
)
def test_options_are_read_as_captions(option: str, named: list[str]) -> None:
    assert [p.value for p in option_primitives(option)] == named


def test_choose_option_reads_options_as_captions() -> None:
    scores = {p: 0.0 for p in Primitive} | {Primitive.MOVE_LEFT: 0.9, Primitive.PAN_LEFT: 0.3}
    assert choose_option({"A": "Pan left", "B": "Track left"}, scores) == "B"
    # "no zoom in" names no zoom: the option is Static alone
    scores = {p: 0.0 for p in Primitive} | {Primitive.STATIC: 0.5, Primitive.ZOOM_IN: -1.0}
    assert choose_option({"A": "Static shot, no zoom in", "B": "Pan left"}, scores) == "A"
    for prim in Primitive:  # the taxonomy's own option names still read as their primitive
        assert option_primitives(prim.mcq_option) == [prim]


def test_a_caption_in_another_language_is_counted_in_the_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)  # Java-free
    items = [CaptionItem(v, "Describe.", "The camera pans left.") for v in ("a.mp4", "b.mp4", "c.mp4")]
    run = MethodRun(
        "m",
        Path("."),
        captions={
            "a.mp4": CaptionRecord("a.mp4", "m", "镜头向左平移。"),
            "b.mp4": CaptionRecord("b.mp4", "m", "Камера панорамирует влево."),
            "c.mp4": CaptionRecord("c.mp4", "m", "The camera pans left."),
        },
    )
    out = cap.caption_section(items, run, None, "lowest", with_minilm=False)
    assert out is not None
    section, rows = out
    assert section.note is not None
    assert "2 of 3 captions hold words but no English letter (e.g. 'a.mp4')" in section.note
    assert "reads English only" in section.note
    assert [r["facts"] for r in rows] == ["", "", "Pan_Left"]
