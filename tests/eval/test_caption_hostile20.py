"""Caption metrics, round 20: the caption-facts rewrites read the past tense as the taxonomy does.

The taxonomy's caption patterns read "panned left", "moved forward", ...; the rewrites that
:func:`caption_facts` applies first (an elided verb, "back and forth", "from left to right",
the end of a negation's scope at a new finite verb) knew only the present tense, so each
fail-first case below lost a fact (or read a negated one) in the past tense that its present
form gives.
"""

from __future__ import annotations

import pytest

from camerabench.eval.caption_metrics import caption_facts

# --------------------------------------------------------------------------- negation scope


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # a past-tense finite verb after "and" starts a new predicate, as "pans" does
        ("The camera did not zoom and panned left.", {"Pan_Left"}),
        ("The camera does not zoom and pans left.", {"Pan_Left"}),
        ("The camera never zoomed and then tilted up.", {"Tilt_Up"}),
        ("The camera did not move and remained still.", {"Static"}),
        ("The camera didn't zoom and dollied in.", {"Move_In"}),
        # ... an irregular past too
        ("The camera did not pan and rose up.", {"Move_Up"}),
        # but a participle after "has not" is under the negation
        ("The camera has not zoomed and panned left.", set()),
        # "not A or B" negates both
        ("The camera did not pan left or tilt up.", set()),
        ("The camera does not pan left or tilt up.", set()),
        ("The camera never pans left or tilts up; it zooms in.", {"Zoom_In"}),
        ("The camera neither panned left nor tilted down.", set()),
        ("The camera neither pans left nor tilts down.", set()),
        # a clause break ends the negation before "or"
        ("The camera does not zoom, but pans left or tilts up.", {"Pan_Left", "Tilt_Up"}),
    ],
)
def test_negation_scope_in_both_tenses(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


# --------------------------------------------------------------------------- elided verbs, both ways, from-to


@pytest.mark.parametrize(
    ("present", "past", "facts"),
    [
        ("The camera moves forward and down.", "The camera moved forward and down.", {"Move_In", "Move_Down"}),
        (
            "The camera moves down and to the left.",
            "The camera moved down and to the left.",
            {"Move_Down", "Move_Left"},
        ),
        ("The camera tilts up and down.", "The camera tilted up and down.", {"Tilt_Up", "Tilt_Down"}),
        ("The camera pans left, then right.", "The camera panned left, then right.", {"Pan_Left", "Pan_Right"}),
        ("The camera zooms in and out.", "The camera zoomed in and out.", {"Zoom_In", "Zoom_Out"}),
        ("The camera dollies in and out.", "The camera dollied in and out.", {"Move_In", "Move_Out"}),
        (
            "The camera dollies forward and downward.",
            "The camera dollied forward and downward.",
            {"Move_In", "Move_Down"},
        ),
        ("The drone glides forward and left.", "The drone glided forward and left.", {"Move_In", "Move_Left"}),
        ("The camera pushes forward and up.", "The camera pushed forward and up.", {"Move_In", "Move_Up"}),
        (
            "The camera rolls clockwise, then counterclockwise.",
            "The camera rolled clockwise, then counterclockwise.",
            {"Roll_Clockwise", "Roll_Counterclockwise"},
        ),
        (
            "The camera rotates clockwise and then counterclockwise.",
            "The camera rotated clockwise and then counterclockwise.",
            {"Roll_Clockwise", "Roll_Counterclockwise"},
        ),
        ("The camera slides left and then right.", "The camera slid left and then right.", {"Move_Left", "Move_Right"}),
        ("The camera pedestals up and down.", "The camera pedestaled up and down.", {"Move_Up", "Move_Down"}),
        ("The camera cranes up and down.", "The camera craned up and down.", {"Crane_Up", "Crane_Down"}),
        (
            "The camera arcs clockwise and then counterclockwise.",
            "The camera arced clockwise and then counterclockwise.",
            {"Arc_Clockwise", "Arc_Counterclockwise"},
        ),
        # both ways
        ("The camera pans back and forth.", "The camera panned back and forth.", {"Pan_Left", "Pan_Right"}),
        ("The camera trucks back and forth.", "The camera trucked back and forth.", {"Move_Left", "Move_Right"}),
        ("The camera tilts back and forth.", "The camera tilted back and forth.", {"Tilt_Up", "Tilt_Down"}),
        # from-to
        (
            "The camera pans from left to right and back.",
            "The camera panned from left to right and back.",
            {"Pan_Left", "Pan_Right"},
        ),
        ("The camera moves from right to left.", "The camera moved from right to left.", {"Move_Left"}),
        ("The camera tilts from top to bottom.", "The camera tilted from top to bottom.", {"Tilt_Down"}),
        # negation carries to the elided verb
        ("The camera does not pan left, then right.", "The camera did not pan left, then right.", set()),
        ("The camera never moves forward and down.", "The camera never moved forward and down.", set()),
    ],
)
def test_past_tense_reads_as_present(present: str, past: str, facts: set[str]) -> None:
    assert caption_facts(present) == facts
    assert caption_facts(past) == facts


@pytest.mark.parametrize(
    "text",
    [
        # another subject's motion is not the camera's, its elided second direction neither
        "The car moves left and right.",
        "The car moved left and right.",
        "A ball rolled clockwise, then counterclockwise.",
        "The car moves from left to right.",
        "The car moved from left to right.",
        # a path, not a direction
        "The dancer glided forward and left the stage.",
    ],
)
def test_other_subject_elided_direction_is_no_camera_fact(text: str) -> None:
    assert caption_facts(text) == set()


# --------------------------------------------------------------------------- the camera operator


@pytest.mark.parametrize(
    "text",
    [
        "The camera operator tilts up.",
        "The camera operator tilted up.",
        "The cameraman tilts up.",
        "The cameraman tilted up.",
        "The camera person tilted up to the sky.",
    ],
)
def test_camera_operator_moves_the_camera(text: str) -> None:
    assert caption_facts(text) == {"Tilt_Up"}


@pytest.mark.parametrize(
    ("present", "past"),
    [
        ("The camera holds its position.", "The camera held its position."),
        ("The camera remains in place.", "The camera remained in place."),
        ("The camera does not move at all.", "The camera did not move at all."),
    ],
)
def test_past_tense_static_wordings(present: str, past: str) -> None:
    assert caption_facts(present) == {"Static"}
    assert caption_facts(past) == {"Static"}


def test_noun_with_elided_direction_still_expands() -> None:
    # "a slight zoom in and out" names no other subject: both directions are read
    assert caption_facts("The camera pans left with a slight zoom in and out.") == {"Pan_Left", "Zoom_In", "Zoom_Out"}


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # "moved" is read of the camera after a clause joint; "back" before the elided verb kept it out
        ("The camera moved from left to right and back.", {"Move_Left", "Move_Right"}),
        ("The camera moved left and back right.", {"Move_Left", "Move_Right"}),
        ("The camera tilted up, back down.", {"Tilt_Up", "Tilt_Down"}),
        ("The camera pans left and back right.", {"Pan_Left", "Pan_Right"}),
        ("The camera did not pan left and back right.", set()),
        # the operator of the subject's camera, not the camera: another subject
        ("The camera tracks a cameraman who moves left.", set()),
    ],
)
def test_back_before_an_elided_past_verb(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts
