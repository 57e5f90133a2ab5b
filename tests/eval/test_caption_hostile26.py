"""Caption metrics, round 26: caption_facts on wordings VLMs (Qwen2.5-VL, GPT-4o) write.

Each fail-first case below was read wrongly before this round: a vertical move read from a
path ("up and down the street"), another subject's motion read as the camera's ("the car then
moved left", "the people move left"), a hedged "mostly static shot" read as Static, or a fact
the caption states missed ("moves closer", "a slow push-in", "pans 90 degrees to the right",
"circles the statue clockwise", "never moves").
"""

from __future__ import annotations

import pytest

from camerabench.eval.caption_metrics import caption_facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # a path is no vertical move, also when both directions share it
        ("The camera moves up and down the street.", set()),
        ("The camera moved up and down the street.", set()),
        ("The camera glides up and down the hallway.", set()),
        ("The camera moves up or down the road, then pans left.", {"Pan_Left"}),
        # ... a vertical path still is one, and so are bare directions
        ("The camera moves up and down the stairs.", {"Move_Up"}),
        ("The camera moves up and down.", {"Move_Up", "Move_Down"}),
    ],
)
def test_up_and_down_a_path(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # another subject opening its clause, "then"/"later"/"also" before its verb
        ("The camera follows the car; the car then moved left.", set()),
        ("The camera follows the car. The car then moved left.", set()),
        ("The camera follows the man. He then moved left.", set()),
        ("The camera follows the man. They then moved to the right.", set()),
        ("The camera pans right. The car then moves left.", {"Pan_Right"}),
        ("The camera follows the cyclist, the cyclist later moves right.", set()),
        ("The man then turned and moved left.", set()),
        # the plain verb after a plural subject
        ("The people move left while the camera stays still.", {"Static"}),
        ("The birds rise up into the sky as the camera tilts up.", {"Tilt_Up"}),
        ("The cars move left and right.", set()),
    ],
)
def test_other_subject_is_no_camera_fact(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # the camera is the subject: kept (these pass before and after this round)
        ("The camera follows the car then moves left.", {"Move_Left"}),
        ("The camera follows the car, then moves left.", {"Move_Left"}),
        ("The camera then moved left.", {"Move_Left"}),
        ("It then moved left.", {"Move_Left"}),
        ("The camera pans left as it moves forward.", {"Pan_Left", "Move_In"}),
        ("The camera begins to move left.", {"Move_Left"}),
        ("Move left, then tilt up.", {"Move_Left", "Tilt_Up"}),
        ("The slow pan left reveals a house.", {"Pan_Left"}),
    ],
)
def test_camera_subject_is_kept(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


@pytest.mark.parametrize(
    "text",
    [
        "A mostly static shot with a slight pan to the right.",
        "The shot is a largely static camera with a small zoom in.",
        "There is almost no camera movement.",
        "There is little to no camera movement.",
        "A nearly fixed camera.",
    ],
)
def test_hedged_static_is_not_static(text: str) -> None:
    assert "Static" not in caption_facts(text)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The camera never moves.", {"Static"}),
        ("The camera never moved, while the dancers spun.", {"Static"}),
        ("A static shot, no camera movement.", {"Static"}),
        ("The camera never moves left.", set()),
    ],
)
def test_static_wordings(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The shot features a slow push-in toward the actor.", {"Move_In"}),
        ("The shot features a pull-back to reveal the room.", {"Move_Out"}),
        ("The camera pans 90 degrees to the right.", {"Pan_Right"}),
        ("The camera rolls 45° counterclockwise.", {"Roll_Counterclockwise"}),
        ("The camera rotates about 180 degrees clockwise.", {"Roll_Clockwise"}),
        ("The camera slowly moves closer to the subject.", {"Move_In"}),
        ("It then rolls clockwise and moves closer to the table.", {"Roll_Clockwise", "Move_In"}),
        ("The man moves closer to the camera.", set()),
        ("The camera is not moving closer.", set()),
        ("The camera orbits around the statue clockwise.", {"Arc_Clockwise"}),
        ("The camera circles clockwise around the statue.", {"Arc_Clockwise"}),
        ("The camera circled the statue counterclockwise.", {"Arc_Counterclockwise"}),
        ("The bird circles clockwise overhead.", set()),
    ],
)
def test_stated_facts_are_read(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


def test_vlm_list_caption() -> None:
    """A markdown answer as GPT-4o writes it: each step a fact, the others' motion none."""
    text = (
        "**Camera movement:**\n"
        "1. The camera pans 30 degrees left.\n"
        "2. Then it tilts up and finally zooms in.\n"
        "- The crowd then moved to the right.\n"
        "- The camera does not roll."
    )
    assert caption_facts(text) == {"Pan_Left", "Tilt_Up", "Zoom_In"}
