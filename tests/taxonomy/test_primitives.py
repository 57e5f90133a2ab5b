import json

import pytest

from camerabench.taxonomy import (
    CompoundMotion,
    GroundMotion,
    Movement,
    Primitive,
    SceneDynamics,
    Speed,
    Steadiness,
    TrackingKind,
)
from camerabench.taxonomy.primitives import taxonomy_data

# Prevalence table of design.md B1: (positives, total) per file.
PUBLISHED_COUNTS = {
    "Move_In": (161, 549),
    "Move_Out": (53, 549),
    "Move_Up": (29, 430),
    "Move_Down": (37, 430),
    "Move_Right": (77, 487),
    "Move_Left": (56, 488),
    "Zoom_In": (50, 450),
    "Zoom_Out": (46, 452),
    "Pan_Right": (77, 512),
    "Pan_Left": (79, 512),
    "Tilt_Up": (58, 458),
    "Tilt_Down": (35, 456),
    "Roll_Clockwise": (42, 470),
    "Roll_Counterclockwise": (48, 470),
    "Static": (94, 966),
}


def test_fifteen_primitives_named_like_the_public_files(public_data):
    files = sorted(p.stem for p in (public_data / "binary_classification").glob("*.jsonl"))
    assert sorted(p.value for p in Primitive) == files
    assert set(PUBLISHED_COUNTS) == {p.value for p in Primitive}


@pytest.mark.parametrize("prim", list(Primitive), ids=lambda p: p.value)
def test_question_task_label_name_verbatim(public_data, prim):
    with open(public_data / "binary_classification" / prim.file) as fh:
        rows = [json.loads(line) for line in fh]
    assert {r["question"] for r in rows} == {prim.question}
    assert {r["task"] for r in rows} == {prim.task}
    assert {r["label_name"] for r in rows} == {prim.label_name}


def test_opposites_are_involutive_and_confusables_symmetric():
    for p in Primitive:
        if p.opposite is not None:
            assert p.opposite.opposite is p
            assert p.opposite is not p
        for c in p.confusable:
            assert p in c.confusable
    assert Primitive.STATIC.opposite is None
    pairs = {(p, c) for p in Primitive for c in p.confusable}
    assert (Primitive.PAN_LEFT, Primitive.MOVE_LEFT) in pairs
    assert (Primitive.TILT_UP, Primitive.MOVE_UP) in pairs
    assert (Primitive.ZOOM_IN, Primitive.MOVE_IN) in pairs


def test_axis_and_sign_opposites_mirror():
    for p in Primitive:
        if p.opposite is not None:
            assert p.axis == p.opposite.axis
            assert p.sign == -p.opposite.sign != 0


def test_from_name_accepts_every_spelling():
    p = Primitive.ROLL_COUNTERCLOCKWISE
    for name in (p.value, p.task, p.file, p.question, p.label_name, p.name):
        assert Primitive.from_name(name) is p
    with pytest.raises(KeyError, match="valid names: Move_In"):
        Primitive.from_name("Pan Sideways")
    assert Primitive.from_question("Does the camera pan to the left?") is Primitive.PAN_LEFT
    assert Primitive.from_question("Is the scene dynamic?") is None


@pytest.mark.parametrize("prim", list(Primitive), ids=lambda p: p.value)
def test_caption_patterns_find_own_phrase_and_not_the_opposite(prim):
    text = f"the camera {prim.caption_phrase} slowly."
    assert any(pat.search(text) for pat in prim.caption_patterns)
    if prim.opposite is not None:
        assert not any(pat.search(text) for pat in prim.opposite.caption_patterns)


def test_caption_patterns_hit_real_captions(public_data):
    captions = [c["answer"].lower() for c in json.loads((public_data / "caption_data.json").read_text())]
    for prim in (Primitive.PAN_LEFT, Primitive.PAN_RIGHT, Primitive.ZOOM_IN, Primitive.TILT_UP, Primitive.MOVE_IN):
        hits = sum(any(p.search(c) for p in prim.caption_patterns) for c in captions)
        assert hits >= 10, (prim, hits)


@pytest.mark.parametrize(
    ("enum_cls", "section"),
    [
        (Primitive, "binary"),
        (CompoundMotion, "compound"),
        (GroundMotion, "ground_centric"),
        (Steadiness, "steadiness"),
        (Movement, "movement"),
        (Speed, "speed"),
        (SceneDynamics, "scene_dynamics"),
        (TrackingKind, "tracking"),
    ],
)
def test_enums_and_yaml_agree(enum_cls, section):
    assert {m.value for m in enum_cls} == set(taxonomy_data()[section])
    for m in enum_cls:
        assert m.definition or enum_cls in (Speed, TrackingKind)


def test_extended_questions_come_from_public_vqa_files(public_data):
    texts = set()
    for path in (public_data / "vqa_and_retrieval").glob("*/*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            texts |= {row["pos_text"], row["neg_text"]}
    for m in [*CompoundMotion, *GroundMotion, *TrackingKind]:
        assert m.question in texts, m
    assert Speed.SLOW.question in texts and Speed.FAST.question in texts
    assert SceneDynamics.STATIC.question in texts and SceneDynamics.DYNAMIC.question in texts
    for m in CompoundMotion:
        assert m.opposite.opposite is m
        assert any(p.search(f"the camera {m.caption_phrase}.") for p in m.caption_patterns)


def test_each_multiple_choice_wording_names_exactly_its_primitive() -> None:
    from camerabench.taxonomy import primitives_named

    for prim in Primitive:
        assert primitives_named(prim.mcq_option) == [prim], prim
