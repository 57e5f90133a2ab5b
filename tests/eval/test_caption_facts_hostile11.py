"""The motion-fact parser (``caption_facts``) on realistic and hostile captions.

Each case gave silently wrong facts before the fix: a negation that was not seen, a subject's
motion counted as the camera's, a wording the taxonomy's patterns miss, an elided verb.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.eval.caption_metrics import _facts_vs_reference, caption_facts

# --------------------------------------------------------------------------- negation


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        ("The camera doesn't pan left.", set()),
        ("The camera doesn\u2019t pan left.", set()),  # curly apostrophe, as VLMs write it
        ("The camera DOESN'T TILT UP.", set()),
        ("The camera neither pans left nor tilts up.", set()),
        ("The camera pans left rather than tilting up.", {"Pan_Left"}),
        ("Instead of panning left, the camera tilts up.", {"Tilt_Up"}),
        ("No tilt\nPans left", {"Pan_Left"}),  # a line break ends the negation's scope
        ("no zoom then tilts up", {"Tilt_Up"}),  # "then" opens a new clause
        ("The camera doesn't zoom and pans left.", {"Pan_Left"}),
        ("The camera does not only pan left but also tilts up.", {"Pan_Left", "Tilt_Up"}),
    ],
)
def test_negation_scope(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        # unchanged behaviour, kept as guards for the scope fix
        ("The camera does not pan left; it remains completely still.", {"Static"}),
        ("Without any panning to the right, the camera rolls counterclockwise.", {"Roll_Counterclockwise"}),
        ("The camera never tilts up.", set()),
        ("The camera does not zoom and pan left.", set()),
        ("Without tilting and panning left.", set()),
        ("The camera is not static; it pans left.", {"Pan_Left"}),
    ],
)
def test_negation_still_negates(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts


# --------------------------------------------------------------------------- whose motion


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        ("The car moves left while the camera stays still.", {"Static"}),
        ("The camera follows a woman as she moves to the left.", set()),
        # real CameraBench references: the subject's motion, not the camera's
        (
            "The camera quickly moves forward, smoothly panning left to track the girl, then tilts up as she "
            "ascends the stairs, maintaining minimal shaking throughout.",
            {"Move_In", "Pan_Left", "Tilt_Up"},
        ),
        (
            "The camera tilts up with some shaking, then moves forward to track a person moving backward while "
            "facing the camera, following the subject from behind with slightly unsteady movement.",
            {"Move_In", "Tilt_Up"},
        ),
        # a motion noun after an article is still the camera's
        (
            "The camera moves forward to follow the cyclists, maintaining a slightly unsteady motion with some "
            "shaking, and adds a slight pan to the right at the end.",
            {"Move_In", "Pan_Right"},
        ),
    ],
)
def test_subject_motion_is_not_the_cameras(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        ("The camera is still moving forward.", {"Move_In"}),
        ("The camera is still panning left.", {"Pan_Left"}),
        ("The camera is fixed on the dancer as it pans left.", {"Pan_Left"}),
        ("A locked-off shot of a kitchen.", {"Static"}),
        ("The camera stays put.", {"Static"}),
        ("The camera does not move at all.", {"Static"}),
        ("The camera does not move forward.", set()),
        ("There is no camera movement.", {"Static"}),
    ],
)
def test_static_wordings(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts


# --------------------------------------------------------------------------- wordings


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        ("The camera pans left, then right.", {"Pan_Left", "Pan_Right"}),
        ("The camera tilts up and then down.", {"Tilt_Up", "Tilt_Down"}),
        ("The camera pans left, then back to the right.", {"Pan_Left", "Pan_Right"}),
        ("The camera pans left and right repeatedly.", {"Pan_Left", "Pan_Right"}),
        ("The camera zooms in and out.", {"Zoom_In", "Zoom_Out"}),
        ("The camera moves forward and up the hill.", {"Move_In"}),  # "up the hill" is no direction
        ("The camera swivels to the left.", {"Pan_Left"}),
        ("The camera dollies forward.", {"Move_In"}),
        ("The camera dollys forward.", {"Move_In"}),
        ("The camera tracks backward.", {"Move_Out"}),
        ("The camera rotates clockwise.", {"Roll_Clockwise"}),
        ("The camera moves slowly upward.", {"Move_Up"}),
        ("The camera arcs slowly in a clockwise direction.", {"Arc_Clockwise"}),
        ("The camera slightly pans left.", {"Pan_Left"}),
        ("The camera pans slightly to the right.", {"Pan_Right"}),
        ("A right pan and a zoom-in on the lion.", {"Pan_Right", "Zoom_In"}),
        ("It adds a subtle counterclockwise roll.", {"Roll_Counterclockwise"}),
        ("It ends with a slight forward movement.", {"Move_In"}),
        ("There is no upward tilt.", set()),
        # a negated first verb carries over to the direction whose verb is left out
        ("The camera doesn't pan left and then right.", set()),
        ("The camera does not pan left, then right.", set()),
        ("It never pans left and then right; it only tilts up.", {"Tilt_Up"}),
        ("The camera does not zoom and pans left, then right.", {"Pan_Left", "Pan_Right"}),
    ],
)
def test_wordings_the_patterns_missed(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts


def test_markdown_case_and_unpunctuated() -> None:
    assert caption_facts("**Camera:**\n- PANS LEFT\n- no tilt up\n- Zooms In") == {"Pan_Left", "Zoom_In"}
    assert caption_facts("camera pans left no zoom in then tilts up") == {"Pan_Left", "Tilt_Up"}


# --------------------------------------------------------------------------- effect on the metric


def test_fact_f1_vs_reference_counts_synonyms() -> None:
    refs = {"v.mp4": ["The camera smoothly dollies forward with minimal shaking."]}
    scores = _facts_vs_reference({"v.mp4": "The camera moves forward."}, refs)
    assert (scores.tp, scores.fp, scores.fn) == (1, 0, 0)
    scores = _facts_vs_reference({"v.mp4": "The camera doesn't move forward; it pans left."}, refs)
    assert (scores.tp, scores.fp, scores.fn) == (0, 1, 1)


def test_real_references_spot_check(public_data: Path) -> None:
    """Hand-read references from caption_data.json and the facts they state."""
    expected = {
        "The camera smoothly dollies forward, leading the subject from the front as the subject gradually "
        "becomes larger in the frame.": {"Move_In"},
        "The camera arcs slowly and smoothly in a clockwise direction, maintaining a steady and fluid motion "
        "throughout.": {"Arc_Clockwise"},
        "The camera trucks left with a very smooth motion, seamlessly following the rock climber as they move "
        "leftward on the mountain, pausing intermittently.": {"Move_Left"},
        "The camera moves slowly upward with a very smooth and steady motion, showing no signs of shaking.": {
            "Move_Up"
        },
        "The camera remains completely fixed, exhibiting no movement or vibration.": {"Static"},
    }
    answers = {row["answer"] for row in json.loads((public_data / "caption_data.json").read_text("utf-8"))}
    for caption, facts in expected.items():
        assert caption in answers, caption
        assert caption_facts(caption) == facts, caption
