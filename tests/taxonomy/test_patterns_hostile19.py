"""Past-tense caption patterns: "the camera panned left" states Pan_Left as "pans left" does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from camerabench.eval.caption_metrics import caption_facts
from camerabench.taxonomy import CompoundMotion, Primitive, primitives_named
from camerabench.taxonomy import primitives as primitives_module

P = Primitive

#: The past tense of each primitive's caption phrase (and of its synonyms).
PAST_PHRASES = {
    P.MOVE_IN: ["moved forward", "dollied in", "glided forward", "pushed in", "advanced toward the door"],
    P.MOVE_OUT: ["moved backward", "dollied out", "pulled back", "retreated", "drifted backward"],
    P.MOVE_UP: ["moved up", "pedestaled up", "rose vertically", "ascended"],
    P.MOVE_DOWN: ["moved down", "pedestalled down", "lowered vertically", "descended"],
    P.MOVE_RIGHT: ["trucked right", "moved to the right", "slid right", "travelled to the right"],
    P.MOVE_LEFT: ["trucked left", "moved laterally to the left", "slid to the left", "dollied to the left"],
    P.ZOOM_IN: ["zoomed in", "zoomed in on the face"],
    P.ZOOM_OUT: ["zoomed out", "zoomed out to reveal the city"],
    P.PAN_RIGHT: ["panned right", "panned to the right", "panned rightward", "panned from left to right"],
    P.PAN_LEFT: ["panned left", "panned to the left", "panned leftward", "panned from the right to the left"],
    P.TILT_UP: ["tilted up", "tilted upward", "tilted from bottom to top"],
    P.TILT_DOWN: ["tilted down", "tilted downwards"],
    P.ROLL_CLOCKWISE: ["rolled clockwise", "rotated clockwise"],
    P.ROLL_COUNTERCLOCKWISE: ["rolled counterclockwise", "rolled anti-clockwise"],
    P.STATIC: ["remained completely still", "stayed static", "was fixed"],
}
COMPOUND_PAST = {
    CompoundMotion.ARC_CLOCKWISE: "arced clockwise",
    CompoundMotion.ARC_COUNTERCLOCKWISE: "orbited counterclockwise",
    CompoundMotion.CRANE_UP: "craned up",
    CompoundMotion.CRANE_DOWN: "craned downward",
    CompoundMotion.DOLLY_ZOOM_IN: "performed a dolly zoom, moving backward while it zoomed in",
    CompoundMotion.DOLLY_ZOOM_OUT: "performed a dolly zoom, moving forward while it zoomed out",
}


@pytest.mark.parametrize(("prim", "phrase"), [(p, ph) for p, phs in PAST_PHRASES.items() for ph in phs])
def test_past_tense_names_the_primitive_and_not_its_opposite(prim: Primitive, phrase: str) -> None:
    text = f"The camera {phrase}."
    assert primitives_named(text) == [prim]
    assert caption_facts(text) == {prim.value}


def test_every_primitive_has_a_past_tense() -> None:
    assert set(PAST_PHRASES) == set(Primitive)


@pytest.mark.parametrize(("motion", "phrase"), list(COMPOUND_PAST.items()), ids=lambda x: str(x))
def test_past_tense_names_compound_motions(motion: CompoundMotion, phrase: str) -> None:
    assert motion.value in caption_facts(f"The camera {phrase}.")
    assert motion.opposite.value not in caption_facts(f"The camera {phrase}.")


def test_the_brief_s_past_tense_captions_give_their_facts() -> None:
    text = (
        "The camera panned left, tilted up and zoomed in. Then it rolled clockwise, moved forward, "
        "dollied in, trucked left, pedestaled up and glided forward."
    )
    assert caption_facts(text) == {
        "Pan_Left",
        "Tilt_Up",
        "Zoom_In",
        "Roll_Clockwise",
        "Move_In",
        "Move_Left",
        "Move_Up",
    }


@pytest.mark.parametrize(
    "caption",
    [
        "The camera did not pan left.",
        "The camera didn't zoom in.",
        "The camera didn\u2019t tilt up at all.",
        "The camera never tilted up.",
        "The camera never moved forward.",
        "It never panned left.",
        "The camera neither panned left nor tilted down.",
    ],
)
def test_negated_past_tense_gives_no_fact(caption: str) -> None:
    assert caption_facts(caption) == set()


def test_negation_of_one_past_verb_does_not_reach_the_next_clause() -> None:
    assert caption_facts("The camera did not zoom in and panned left.") == {"Pan_Left"}
    assert caption_facts("The camera never zoomed in, but it panned right.") == {"Pan_Right"}


@pytest.mark.parametrize(
    "caption",
    [
        "The car moved left.",
        "A ball rolled clockwise across the floor.",
        "The wheel rotated counterclockwise.",
        "As she ascended the stairs, the scene stayed bright.",
        "The skateboarder descended the steps.",
        "The crowd retreated.",
        "He pulled out a phone.",
        "The shot showcases advanced maneuvers.",
        "During this advanced and complex sequence the lights change.",
        "A zoomed-in shot of a face.",
        "A zoomed in view of a face.",
        "The image is zoomed in on the face.",
        "The camera is slightly tilted down toward the street.",
        "The cyclist glided forward the whole way.",
    ],
)
def test_past_tense_of_other_subjects_and_framing_is_no_camera_fact(caption: str) -> None:
    assert caption_facts(caption) == set()


def test_another_subject_s_past_motion_beside_the_camera_s() -> None:
    assert caption_facts("The car moved left while the camera panned right.") == {"Pan_Right"}
    assert caption_facts("The camera tilted up as the girl ascended the stairs.") == {"Tilt_Up"}
    assert caption_facts("The drone rose vertically, then moved left.") == {"Move_Up", "Move_Left"}
    assert caption_facts("The camera initially panned right, and later trucked left.") == {"Pan_Right", "Move_Left"}


def test_past_from_to_reads_the_end_direction_only() -> None:
    assert caption_facts("The camera panned left to right.") == {"Pan_Right"}
    assert caption_facts("The camera trucked from right to left.") == {"Move_Left"}
    assert caption_facts("The camera moved from the left side to the right side.") == {"Move_Right"}


def test_unknown_macro_in_a_pattern_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"\{nope\}.*caption_macros does not define"):
        primitives_module._expand("binary", "Move_In", "{nope}moved forward")
    with pytest.raises(ValueError, match=r"caption_macros\.bad is a string or a mapping"):
        primitives_module._macro_fragment("bad", 3)
    with pytest.raises(ValueError, match="unknown keys"):
        primitives_module._macro_fragment("bad", {"after_word": ["camera"]})
    with pytest.raises(ValueError, match="allows nothing"):
        primitives_module._macro_fragment("bad", {"after_words": []})


_PAST = {
    "pans": "panned", "tilts": "tilted", "moves": "moved", "zooms": "zoomed", "rolls": "rolled",
    "dollies": "dollied", "trucks": "trucked", "pedestals": "pedestaled", "glides": "glided",
    "remains": "remained", "stays": "stayed", "is": "was", "rises": "rose", "lowers": "lowered",
    "ascends": "ascended", "descends": "descended", "pulls": "pulled", "pushes": "pushed",
    "advances": "advanced", "retreats": "retreated", "slides": "slid", "arcs": "arced",
    "orbits": "orbited", "cranes": "craned", "rotates": "rotated", "travels": "travelled",
    "drifts": "drifted", "tracks": "tracked",
}  # fmt: skip
_FINITE = re.compile(r"\b(" + "|".join(_PAST) + r")\b", re.IGNORECASE)


def test_real_captions_in_the_past_tense_keep_their_facts(public_data: Path) -> None:
    """Every fourth of the 727 distinct public captions (in sorted order, to stay under a second),
    each finite motion verb put in the past tense: the facts stay those of the present-tense text
    (caption_metrics reads elided verbs and "back and forth" in the past tense too since round 20).
    (All 727: 701 of 701 rewritten texts keep their facts; 687 before round 20's caption_metrics
    change, 78 before the past-tense patterns.)"""
    texts = sorted({item["answer"] for item in json.loads((public_data / "caption_data.json").read_text())})[::4]
    same = lost_only = 0
    for text in texts:
        past = _FINITE.sub(lambda m: _PAST[m.group(1).lower()], text)
        if past == text:
            continue
        now, then = caption_facts(text), caption_facts(past)
        assert then <= now, (past, sorted(then - now))
        same += now == then
        lost_only += now != then
    assert (same, lost_only) == (173, 0)
