"""Ninth hostile-input round: synthetic clip specs, output folders and the taxonomy's label inputs."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from camerabench.errors import CameraBenchError
from camerabench.runfolder import SYNTH_INCOMPLETE_FILE
from camerabench.synth import generate_dataset
from camerabench.synth.specs import ClipSpec
from camerabench.taxonomy import (
    BinaryRecord,
    CompoundMotion,
    Movement,
    Primitive,
    RawAnnotation,
    Steadiness,
    binary_records,
    labels_from_binary_records,
    primitives_named,
)

P = Primitive


# --- clip specs whose labels said one thing and whose camera did another --------------------------


def test_opposite_moves_on_one_axis_are_refused() -> None:
    # before: labelled Pan_Left and Pan_Right both True while the camera did not turn at all
    with pytest.raises(ValueError, match="Pan_Left and Pan_Right move along the same axis"):
        ClipSpec("x", moves=((P.PAN_LEFT, 15.0), (P.PAN_RIGHT, 15.0)))


@pytest.mark.parametrize(
    ("move", "message"),
    [
        ((P.MOVE_IN, 0.0), "Move_In must be > 0"),  # labelled Move_In, camera still
        ((P.MOVE_IN, math.nan), "Move_In must be a finite number"),  # cv2.remap traceback
        ((P.ZOOM_IN, 0.5), "Zoom_In must be > 1"),  # labelled Zoom_In, zoomed out to half
        ((P.ZOOM_IN, 0.0), "Zoom_In must be > 1"),  # NaN-to-int traceback
        (("Pan_Left", 15.0), r"a \(Primitive, magnitude\) pair"),  # AttributeError traceback
    ],
)
def test_moves_that_do_not_move_the_camera_as_labelled_are_refused(move: tuple[Any, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClipSpec("x", moves=(move,))


def test_a_compound_move_takes_no_other_moves() -> None:
    # before: Pan_Left labelled True, but the dolly zoom's path replaced the pan (pan_deg 0)
    with pytest.raises(ValueError, match="takes no other moves"):
        ClipSpec("x", moves=((P.PAN_LEFT, 15.0),), compound=CompoundMotion.DOLLY_ZOOM_IN, compound_magnitude=2.0)


@pytest.mark.parametrize(
    ("compound", "magnitude", "message"),
    [
        (CompoundMotion.DOLLY_ZOOM_OUT, 7.0, "must be below 6"),  # focal ratio -0.17
        (CompoundMotion.DOLLY_ZOOM_IN, 0.0, "must be > 0"),  # labelled Move_Out + Zoom_In, no motion
        (CompoundMotion.ARC_CLOCKWISE, math.inf, "must be a finite number"),
    ],
)
def test_compound_magnitudes_outside_the_renderable_range_are_refused(
    compound: CompoundMotion, magnitude: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ClipSpec("x", compound=compound, compound_magnitude=magnitude)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shake_deg": math.nan}, "shake_deg must be a finite number"),  # steadiness smooth, NaN poses
        ({"exposure": math.nan}, "exposure must be a finite number"),  # black frames, labels kept
        ({"scene_scale": 0.0}, "scene_scale must be > 0"),  # ZeroDivisionError
        ({"fps": math.nan}, "fps must be a finite number"),  # NaN-to-int traceback
        ({"motion_blur": 0}, "motion_blur must be an integer >= 1"),
        ({"name": "../../escape"}, "clip name must be"),  # the video would be written outside videos/
        ({"cut_moves": ((P.MOVE_IN, 1.0),)}, "moves after a scene cut"),  # recorded, never rendered
    ],
)
def test_knob_values_that_cannot_be_rendered_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ClipSpec(**{"name": "x", "moves": ((P.PAN_LEFT, 15.0),), **changes})


# --- output folders ---------------------------------------------------------------------------


@pytest.mark.parametrize("inner", ["sub", "labels/binary_classification/x", "../outer/videos/new"])
def test_out_inside_a_synthetic_dataset_is_refused(tmp_path: Path, inner: str) -> None:
    # before: written there; regenerating the outer dataset then deleted it with labels/ or videos/
    outer = tmp_path / "outer"
    (outer / "labels" / "binary_classification").mkdir(parents=True)
    (outer / "videos").mkdir()
    (outer / "manifest.json").write_text('{"generator": "camerabench.synth"}')
    out = outer / inner
    with pytest.raises(CameraBenchError, match=r"is inside the synthetic dataset folder .*outer"):
        generate_dataset(out, clips=1, size=(16, 16), fps=2.0, workers=1)
    assert not out.exists()


def test_out_inside_an_interrupted_generation_is_refused(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / SYNTH_INCOMPLETE_FILE).write_text("camerabench.synth: generation started, not finished\n")
    with pytest.raises(CameraBenchError, match="is inside the synthetic dataset folder"):
        generate_dataset(outer / "gt" / "more", clips=1, size=(16, 16), fps=2.0, workers=1)
    assert sorted(p.name for p in outer.iterdir()) == [SYNTH_INCOMPLETE_FILE]


# --- taxonomy: labels outside the tri-state, members given by name ----------------------------


@pytest.mark.parametrize("value", ["False", "no", math.nan, 2, 0.0])
def test_binary_records_refuse_labels_outside_the_tri_state(value: object) -> None:
    # before: bool(value) made every one of these a "Yes" record (0.0 a "No")
    with pytest.raises(ValueError, match="must be True, False or None"):
        binary_records({"a.mp4": {P.PAN_LEFT: value}})  # type: ignore[dict-item]


def test_binary_records_refuse_primitives_given_by_name() -> None:
    # before: the key was never looked up: no record at all, silently
    with pytest.raises(ValueError, match="keyed by Primitive members, got 'Pan_Left'"):
        binary_records({"a.mp4": {"Pan_Left": True}})  # type: ignore[dict-item]


def test_binary_records_keep_booleans_and_leave_out_none() -> None:
    import numpy as np

    recs = binary_records({"a.mp4": {P.PAN_LEFT: np.bool_(True), P.PAN_RIGHT: False, P.TILT_UP: None}})
    assert [r.label for r in recs[P.PAN_LEFT]] == ["Yes"]
    assert [r.label for r in recs[P.PAN_RIGHT]] == ["No"]
    assert recs[P.TILT_UP] == []


def test_a_binary_record_label_must_be_yes_or_no() -> None:
    # before: "yes" (lower case) was read as a negative
    with pytest.raises(ValueError, match="label must be 'Yes' or 'No', got 'yes'"):
        BinaryRecord("a.mp4", P.PAN_LEFT.question, "yes", P.PAN_LEFT.task, P.PAN_LEFT.label_name)  # type: ignore[arg-type]


def test_conflicting_binary_records_are_refused() -> None:
    # before: the later record won
    recs = [BinaryRecord.make("a.mp4", P.PAN_LEFT, True), BinaryRecord.make("a.mp4", P.PAN_LEFT, False)]
    with pytest.raises(ValueError, match="Pan_Left is labelled both Yes and No"):
        labels_from_binary_records(recs)
    same = [BinaryRecord.make("a.mp4", P.PAN_LEFT, True)] * 2
    assert labels_from_binary_records(same) == {"a.mp4": {P.PAN_LEFT: True}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # a static camera: Static came out False
        ({"steadiness": "static", "movement": Movement.NO}, "steadiness must be a Steadiness"),
        ({"steadiness": Steadiness.SMOOTH, "movement": "major_simple"}, "movement must be a Movement"),
        # the direction keyed by name was read as "no": Pan_Left False
        (
            {"steadiness": Steadiness.SMOOTH, "movement": Movement.MAJOR_SIMPLE, "directions": {"Pan_Left": "yes"}},
            "keyed by Primitive members",
        ),
        # an arc by name was ignored: directions labelled instead of ambiguous
        (
            {
                "steadiness": Steadiness.SMOOTH,
                "movement": Movement.MAJOR_SIMPLE,
                "compounds": frozenset({"Arc_Clockwise"}),
            },
            "CompoundMotion members",
        ),
        # the string "no" is truthy: every label became ambiguous
        (
            {"steadiness": Steadiness.SMOOTH, "movement": Movement.MAJOR_SIMPLE, "shot_transition": "no"},
            "shot_transition must be True or False",
        ),
    ],
)
def test_raw_annotations_refuse_members_given_as_strings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RawAnnotation(**kwargs)


@pytest.mark.parametrize("name", [3, None, b"Pan_Left"])
def test_from_name_and_from_question_refuse_non_strings(name: object) -> None:
    # before: AttributeError ('int' object has no attribute 'strip')
    with pytest.raises(TypeError, match="is a string"):
        Primitive.from_name(name)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is a string"):
        Primitive.from_question(name)  # type: ignore[arg-type]


def test_every_primitive_name_is_unique_and_round_trips() -> None:
    for attr in ("value", "file", "task", "question", "label_name", "caption_phrase", "mcq_option"):
        names = [str(getattr(p, attr)).lower() for p in Primitive]
        assert len(set(names)) == len(names), attr  # unique even ignoring case
    for p in Primitive:
        for name in (p.value, p.name, p.file, p.task, p.question, p.label_name, f"  {p.task} "):
            assert Primitive.from_name(name) is p
        assert Primitive.from_question(p.question) is p
        if p is not Primitive.STATIC:
            assert primitives_named(f"The camera {p.caption_phrase}.") == [p]
    # another case or spelling is no name: a clear KeyError, never another primitive
    for wrong in ("pan_left", "pan left", "Pan-Left", "Pan_Left.JSONL"):
        with pytest.raises(KeyError, match="valid names"):
            Primitive.from_name(wrong)
