"""Hostile inputs for the taxonomy: contradictory annotations, caption-pattern false hits, public names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.taxonomy import (
    CompoundMotion,
    Movement,
    Primitive,
    RawAnnotation,
    Steadiness,
    derive_labels,
    primitives_named,
    vqa_tasks,
)

P = Primitive


def test_compounds_as_list_does_not_crash_derive_labels() -> None:
    ann = RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {}, [CompoundMotion.ARC_CLOCKWISE])  # type: ignore[arg-type]
    labels = derive_labels(ann)
    assert all(labels[p] is None for p in P if p is not P.STATIC)
    assert labels[P.STATIC] is False


@pytest.mark.parametrize(
    ("steadiness", "movement"),
    [(Steadiness.STATIC, Movement.MAJOR_SIMPLE), (Steadiness.SMOOTH, Movement.NO), (Steadiness.STATIC, Movement.NO)],
)
def test_yes_on_a_non_moving_camera_is_refused(steadiness: Steadiness, movement: Movement) -> None:
    with pytest.raises(ValueError, match="Pan_Left is answered 'yes'"):
        RawAnnotation(steadiness, movement, {P.PAN_LEFT: "yes"})


def test_simple_move_both_ways_is_ambiguous() -> None:
    labels = derive_labels(
        RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: "yes", P.PAN_RIGHT: "yes"})
    )
    assert labels[P.PAN_LEFT] is None
    assert labels[P.PAN_RIGHT] is None
    assert labels[P.TILT_UP] is False
    # there-and-back is annotated major_complex and keeps both clear yes
    both = derive_labels(
        RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_COMPLEX, {P.PAN_LEFT: "yes", P.PAN_RIGHT: "yes"})
    )
    assert both[P.PAN_LEFT] is True and both[P.PAN_RIGHT] is True


@pytest.mark.parametrize("answer", [float("nan"), "Yes", True, None, 1])
def test_out_of_range_answers_are_refused(answer: object) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: answer})  # type: ignore[dict-item]


def test_advanced_is_not_a_forward_move() -> None:
    # a real CameraBench caption: the word "advanced" named Move_In
    text = "during this advanced and complex maneuver, it also rolls, all while maintaining minimal shaking"
    assert P.MOVE_IN not in primitives_named(text)
    assert primitives_named("The camera advances toward the door") == [P.MOVE_IN]


def test_still_as_an_adverb_is_not_static() -> None:
    assert primitives_named("The camera is still panning left") == [P.PAN_LEFT]
    assert primitives_named("The camera remains still.") == [P.STATIC]
    assert primitives_named("The camera is still throughout the clip") == [P.STATIC]


def test_each_caption_phrase_names_only_its_primitive() -> None:
    for p in P:
        assert primitives_named(f"The camera {p.caption_phrase}.") == [p], p
        assert primitives_named(p.mcq_option) == [p], p


@pytest.mark.parametrize(
    "name", ["pan_left", "PAN LEFT", "Pan-Left", "Pаn_Left", "Pan_Left\u200b", "Pan Left?", "Pan_Lef"]
)
def test_from_name_refuses_look_alikes(name: str) -> None:
    with pytest.raises(KeyError):
        P.from_name(name)


def test_from_name_accepts_every_public_spelling_of_the_right_primitive() -> None:
    for p in P:
        for spelling in (p.value, p.task, p.file, p.question, p.label_name, p.name, f"  {p.task}\n"):
            assert P.from_name(spelling) is p


def test_names_match_the_public_binary_files(public_data: Path) -> None:
    for attr in ("question", "task", "label_name", "file", "caption_phrase"):
        values = [getattr(p, attr) for p in P]
        assert len(set(values)) == len(values), attr
    for p in P:
        lines = (public_data / "binary_classification" / p.file).read_text("utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        assert records, p.file
        assert {(r["question"], r["task"], r["label_name"]) for r in records} == {(p.question, p.task, p.label_name)}


def test_vqa_tasks_match_the_public_files(public_data: Path) -> None:
    for task in vqa_tasks():
        path = public_data / "vqa_and_retrieval" / task.file
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        assert records, task.file
        found = {(r["skill"], r["pos_question"], r["neg_question"]) for r in records}
        assert found == {(task.skill, task.pos_question, task.neg_question)}, task.file
