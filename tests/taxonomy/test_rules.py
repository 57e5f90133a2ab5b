"""One test per clear/ambiguous rule of design.md B2."""

import pytest

from camerabench.taxonomy import (
    DIRECTION_PRIMITIVES,
    CompoundMotion,
    Movement,
    Primitive,
    RawAnnotation,
    Steadiness,
    derive_labels,
)

P = Primitive


def test_rule1_shot_transition_or_unlabeled_is_ambiguous_everywhere():
    ann = RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: "yes"}, shot_transition=True)
    assert set(derive_labels(ann).values()) == {None}
    assert set(derive_labels(RawAnnotation(None, Movement.NO)).values()) == {None}
    assert set(derive_labels(RawAnnotation(Steadiness.STATIC, None)).values()) == {None}


def test_rule2_static_or_no_movement_means_every_direction_false():
    for ann in (
        RawAnnotation(Steadiness.STATIC, Movement.NO),
        RawAnnotation(Steadiness.UNSTEADY, Movement.NO, {P.PAN_LEFT: "unknown"}),
        RawAnnotation(Steadiness.STATIC, Movement.MINOR),
    ):
        labels = derive_labels(ann)
        assert all(labels[p] is False for p in DIRECTION_PRIMITIVES)


def test_rule3_arc_or_crane_makes_directions_ambiguous():
    for compound in (CompoundMotion.ARC_CLOCKWISE, CompoundMotion.CRANE_DOWN):
        ann = RawAnnotation(
            Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.MOVE_RIGHT: "yes", P.PAN_LEFT: "yes"}, frozenset({compound})
        )
        labels = derive_labels(ann)
        assert all(labels[p] is None for p in DIRECTION_PRIMITIVES)
        assert labels[P.STATIC] is False
    # a dolly zoom is not an arc or crane: its components stay labelled
    ann = RawAnnotation(
        Steadiness.SMOOTH,
        Movement.MAJOR_SIMPLE,
        {P.MOVE_OUT: "yes", P.ZOOM_IN: "yes"},
        frozenset({CompoundMotion.DOLLY_ZOOM_IN}),
    )
    labels = derive_labels(ann)
    assert labels[P.MOVE_OUT] is True and labels[P.ZOOM_IN] is True and labels[P.PAN_LEFT] is False


def test_rule4_no_becomes_ambiguous_when_shaky_minor_or_complex():
    clear = derive_labels(RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: "yes"}))
    assert clear[P.PAN_LEFT] is True and clear[P.PAN_RIGHT] is False
    shaky = derive_labels(RawAnnotation(Steadiness.UNSTEADY, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: "yes"}))
    assert shaky[P.PAN_LEFT] is True and shaky[P.PAN_RIGHT] is None
    very_shaky = derive_labels(RawAnnotation(Steadiness.VERY_UNSTEADY, Movement.MAJOR_SIMPLE, {P.TILT_UP: "yes"}))
    assert very_shaky[P.TILT_UP] is True and very_shaky[P.TILT_DOWN] is None
    complex_ = derive_labels(RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_COMPLEX, {P.PAN_LEFT: "yes"}))
    assert complex_[P.PAN_LEFT] is True and complex_[P.ZOOM_IN] is None


def test_rule4_unknown_is_ambiguous_and_minor_yes_is_ambiguous():
    labels = derive_labels(RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.ZOOM_IN: "unknown"}))
    assert labels[P.ZOOM_IN] is None and labels[P.ZOOM_OUT] is False
    minor = derive_labels(RawAnnotation(Steadiness.SMOOTH, Movement.MINOR, {P.PAN_LEFT: "yes"}))
    assert all(minor[p] is None for p in DIRECTION_PRIMITIVES)


@pytest.mark.parametrize(
    ("steadiness", "movement", "expected"),
    [
        (Steadiness.STATIC, Movement.NO, True),
        (Steadiness.UNSTEADY, Movement.NO, False),
        (Steadiness.VERY_SMOOTH, Movement.NO, False),
        (Steadiness.STATIC, Movement.MINOR, False),
        (Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, False),
    ],
)
def test_rule5_static_only_for_a_fixed_unshaken_camera(steadiness, movement, expected):
    assert derive_labels(RawAnnotation(steadiness, movement))[P.STATIC] is expected


def test_invalid_annotation_rejected():
    with pytest.raises(ValueError, match="one of"):
        RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.PAN_LEFT: "maybe"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="Static is derived"):
        RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE, {P.STATIC: "yes"})


def test_all_fifteen_keys_in_enum_order():
    labels = derive_labels(RawAnnotation(Steadiness.SMOOTH, Movement.MAJOR_SIMPLE))
    assert list(labels) == list(Primitive)
