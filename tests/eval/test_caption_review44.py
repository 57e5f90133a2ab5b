"""Caption motion facts (review 44 of the R27 parser): wordings a careful reader reads one way and the
parser read another.

Each expected fact set is the reading a person gives the caption (the taxonomy's primitives named
by the words), written here by hand; none is taken from the parser's output.
"""

from __future__ import annotations

import pytest

from camerabench.taxonomy.caption_facts import caption_facts, option_primitives


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # was []: "not"/"never" before "stop" negated the motion that goes on
        ("The camera doesn't stop panning left.", {"Pan_Left"}),
        ("The camera never stops moving forward, tilting up at the end.", {"Move_In", "Tilt_Up"}),
        ("The camera does not cease zooming in.", {"Zoom_In"}),
        # ... while plain negations still negate
        ("The camera does not pan left.", set()),
        ("The camera never pans left; it tilts up.", {"Tilt_Up"}),
        ("The camera does not stop; it keeps panning left.", {"Pan_Left"}),
    ],
)
def test_a_negated_stop_asserts_the_motion(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


@pytest.mark.parametrize(
    "caption",
    [
        # were []: a still value under a key other than "static"/"movement" was dropped
        "Camera: static",
        "Shot: static.",
        "Shot type: static",
        "The camera movement is as follows: static.",
        "Camera view: fixed",
    ],
)
def test_a_still_value_of_a_camera_key_is_static(caption: str) -> None:
    assert caption_facts(caption) == {"Static"}


def test_a_still_value_of_another_key_says_nothing_of_the_camera() -> None:
    assert caption_facts("Subject: static") == set()


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # were []: a direction as the value of a motion key
        ("Pan: left. Tilt: none. Zoom: in.", {"Pan_Left", "Zoom_In"}),
        ("Roll: clockwise", {"Roll_Clockwise"}),
        ("Truck: right", {"Move_Right"}),
        ('{"pan": "left", "tilt": "none"}', {"Pan_Left"}),
        ("- Pan direction: right\n- Zoom: no", {"Pan_Right"}),
    ],
)
def test_a_direction_value_names_the_motion_of_its_key(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


def test_multiple_choice_options_read_key_direction_answers() -> None:
    assert [p.value for p in option_primitives("Pan: left")] == ["Pan_Left"]


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # was {"Move_Left"}: the subject's motion in a structured answer, and Static dropped beside it
        ("Camera: static. Subject: moving left.", {"Static"}),
        ("Subject motion: the man moves forward. Camera motion: pan right.", {"Pan_Right"}),
        # a subject key whose value speaks of the camera keeps it
        ("Subject: a man walking, the camera pans left.", {"Pan_Left"}),
    ],
)
def test_a_subject_key_states_the_subjects_motion(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # was {"Pan_Left", "Zoom_In"}: a question answered no still stated its motion
        ("Is the camera zooming in? No. Is it panning left? Yes.", {"Pan_Left"}),
        ("Does the camera pan? No, it stays static.", {"Static"}),
        ("Does the camera tilt up? Yes", {"Tilt_Up"}),
    ],
)
def test_a_question_answered_yes_or_no_is_read_by_its_answer(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # was {"Move_Left"}: "who turns and moves left" read as the camera's move (and Static dropped)
        ("A static shot of a woman who turns and moves left.", {"Static"}),
        ("The camera tracks a runner who stops and then moves left.", set()),
        # the camera's own verb after the relative clause is kept
        ("The camera follows a man who turns and walks away, then pans left.", {"Pan_Left"}),
    ],
)
def test_a_relative_clauses_second_verb_is_its_subjects(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        # was {"Move_Left"}: the participle after "a group of trucks" read as the camera's move
        ("The camera tracks a group of trucks moving from right to left.", set()),
        # was {"Move_Left"}, Static dropped beside it
        ("A static shot of people moving left.", {"Static"}),
        ("A wide shot of a crowd slowly moving forward, then the camera pans right.", {"Pan_Right"}),
        # the camera's own participle is kept: after a comma, or after the camera named by "of"
        ("The camera pans across a row of houses, moving right.", {"Move_Right"}),
        ("A shot of the camera moving left.", {"Move_Left"}),
        ("The camera trucks right past a line of cars.", {"Move_Right"}),
    ],
)
def test_a_participle_after_the_object_of_of_is_that_objects_motion(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("The camera not only pans left but also tilts up.", {"Pan_Left", "Tilt_Up"}),
        ("The camera is no longer static; it pans right.", {"Pan_Right"}),
        ("The camera pans left without zooming in.", {"Pan_Left"}),
        ("The camera pans left, not right.", {"Pan_Left"}),
        ("Note: the camera pans left.", {"Pan_Left"}),
        ("At no point in the video does the camera pan left; it tilts up.", {"Tilt_Up"}),
        ("The camera remains static as the car moves from left to right.", {"Static"}),
    ],
)
def test_edge_wordings_the_r27_rules_already_read(caption: str, expected: set[str]) -> None:
    assert caption_facts(caption) == expected


def test_a_long_run_of_spaces_reads_as_one_space() -> None:
    """Was quadratic in the run's length (16,000 spaces: 3.4 s) before any reading; the facts are
    those of the caption with one space."""
    gap = " \t" * 20_000
    assert caption_facts(f"The camera pans{gap}left.\n\n- It tilts up") == {"Pan_Left", "Tilt_Up"}
