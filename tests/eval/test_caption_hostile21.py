"""Caption metrics, round 21: "but" before a past verb, paths read as vertical moves, other subjects.

Each fail-first case below read a fact the caption does not state of the camera (or missed one
it does):

- "never panned left but tilted up": the taxonomy reads a shared past verb ("tilted") only after
  {camera_subject}, which did not know "but" as a clause joint, so Tilt_Up was lost;
- "moves down the street": a path along a flat street, not a downward move (as "glides down the
  hallway" already was not); "moves up the stairs" keeps its upward move;
- "the car turns and moves left", "the car suddenly moves left": another subject's motion.
"""

from __future__ import annotations

import pytest

from camerabench.eval.caption_metrics import caption_facts
from camerabench.taxonomy.primitives import primitives_named

# --------------------------------------------------------------------------- "but" as a clause joint


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The camera never panned left but tilted up.", {"Tilt_Up"}),
        ("The camera did not zoom in but moved forward.", {"Move_In"}),
        ("The camera did not pan but rolled clockwise.", {"Roll_Clockwise"}),
        # the present form, for comparison
        ("The camera never pans left but tilts up.", {"Tilt_Up"}),
        # the first clause stays negated
        ("The camera never panned left but stayed still.", {"Static"}),
    ],
)
def test_but_before_a_past_verb(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


def test_but_in_the_taxonomy_macro() -> None:
    assert [p.value for p in primitives_named("never panned left but tilted up")] == ["Pan_Left", "Tilt_Up"]


# --------------------------------------------------------------------------- a path is not a vertical move


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The camera moves down the street.", set()),
        ("The camera moves down the hallway.", set()),
        ("The camera moved down the street.", set()),
        ("The camera is moving up the road toward the gate.", set()),
        ("The camera moves up a long corridor.", set()),
        # as the glide forms read (present and past)
        ("The camera glides down the hallway.", set()),
        ("The camera glided down the hallway.", set()),
        # a vertical path keeps its move
        ("The camera moves up the stairs.", {"Move_Up"}),
        ("The camera moved up the stairs.", {"Move_Up"}),
        ("The camera glides up the stairs.", {"Move_Up"}),
        ("The camera moves down the side of the building.", {"Move_Down"}),
        ("The camera glided down the face of the cliff.", {"Move_Down"}),
        # no path: unchanged
        ("The camera moves down.", {"Move_Down"}),
        ("The camera moves down toward the table.", {"Move_Down"}),
        ("The camera moved upward, then down.", {"Move_Up", "Move_Down"}),
    ],
)
def test_path_is_not_a_vertical_move(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


# --------------------------------------------------------------------------- another subject


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The car turns and moves left.", set()),
        ("The car suddenly moves left.", set()),
        ("As the dog stops and moves right, the camera pans left.", {"Pan_Left"}),
        ("She turns around and moves forward.", set()),
        ("The car turned and moved left.", set()),
        ("The car suddenly moved left.", set()),
        # the camera's own motion is kept
        ("The camera turns and moves left.", {"Move_Left"}),
        ("The camera slowly moves left.", {"Move_Left"}),
        ("The camera suddenly moves left.", {"Move_Left"}),
        ("The camera turned and moved left.", {"Move_Left"}),
        # an object of a verb before "and" is no subject
        ("The camera passes the parked cars and moves left.", {"Move_Left"}),
        ("It follows the runner and then moves left.", {"Move_Left"}),
    ],
)
def test_other_subject(text: str, facts: set[str]) -> None:
    assert caption_facts(text) == facts


# --------------------------------------------------------------------------- the taxonomy's macros


def test_not_path_in_the_taxonomy_patterns() -> None:
    assert [p.value for p in primitives_named("the camera moves down the street")] == []
    assert [p.value for p in primitives_named("the camera moves up the stairs")] == ["Move_Up"]
    assert [p.value for p in primitives_named("then moved down the hallway")] == []


def test_caption_macro_names_its_fragment_or_fails_clearly() -> None:
    from camerabench.taxonomy.primitives import caption_macro

    assert caption_macro("not_path").startswith("(?!")
    with pytest.raises(KeyError, match="not_path"):
        caption_macro("no_such_macro")
