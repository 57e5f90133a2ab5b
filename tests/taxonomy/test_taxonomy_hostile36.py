"""Hostile inputs, round 36: contradictory compound annotations, cut clips, look-up hints, MCQ labels and seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.synth.mcq import ShotGeometry, camera_movement_rows, shot_rows
from camerabench.taxonomy import (
    CompoundMotion,
    Movement,
    Primitive,
    RawAnnotation,
    Steadiness,
    TaxonomyDataError,
    binary_records,
    derive_labels,
    primitives_named,
    vqa_task,
)
from camerabench.taxonomy.vqa_tasks import load_vqa_tasks

P = Primitive
TILT_UP_ONLY = {p: p is P.TILT_UP for p in P}


# --- rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steadiness", "movement", "compound"),
    [
        (Steadiness.STATIC, Movement.NO, CompoundMotion.ARC_CLOCKWISE),
        (Steadiness.SMOOTH, Movement.NO, CompoundMotion.DOLLY_ZOOM_IN),
        (Steadiness.STATIC, Movement.MAJOR_SIMPLE, CompoundMotion.CRANE_UP),
    ],
)
def test_a_compound_motion_on_a_non_moving_camera_is_refused(
    steadiness: Steadiness, movement: Movement, compound: CompoundMotion
) -> None:
    # rule 2 came first: an arc on a static camera was labelled Static True, every direction False
    with pytest.raises(ValueError, match=f"compound motion {compound.value} is annotated"):
        RawAnnotation(steadiness, movement, {}, frozenset({compound}))


def test_a_cut_clip_is_ambiguous_everywhere_whatever_its_shots_were_annotated() -> None:
    # one shot static, the other panning: the annotation was refused instead of rule 1's None everywhere
    for ann in (
        RawAnnotation(Steadiness.STATIC, Movement.NO, {P.PAN_LEFT: "yes"}, shot_transition=True),
        RawAnnotation(Steadiness.SMOOTH, Movement.NO, {}, frozenset({CompoundMotion.ARC_CLOCKWISE}), True),
    ):
        assert derive_labels(ann) == {p: None for p in P}
    # without the cut the same annotation still contradicts itself
    with pytest.raises(ValueError, match="Pan_Left is answered 'yes'"):
        RawAnnotation(Steadiness.STATIC, Movement.NO, {P.PAN_LEFT: "yes"})


# --- look-ups by name ---------------------------------------------------------------------------


def test_an_unknown_primitive_name_names_the_closest_primitive() -> None:
    typed_meant = [
        ("pan_left", "Pan_Left"),
        ("PAN LEFT", "Pan_Left"),
        ("Pan-Left", "Pan_Left"),
        ("roll counter-clockwise", "Roll_Counterclockwise"),
        ("Move_Rigt", "Move_Right"),
        ("static", "Static"),
    ]
    for typed, meant in typed_meant:
        with pytest.raises(KeyError, match=f"did you mean '{meant}'") as err:
            P.from_name(typed)
        assert "valid names: Move_In" in str(err.value)
    # no hint when nothing is close: "anticlockwise" is the opposite of Roll_Clockwise, however
    # close the spelling
    for typed in ("roll anticlockwise", "foo", ""):
        with pytest.raises(KeyError) as err:
            P.from_name(typed)
        assert "did you mean" not in str(err.value), typed


def test_an_unknown_vqa_task_names_the_closest_task() -> None:
    with pytest.raises(KeyError, match="did you mean 'has_pan_left'"):
        vqa_task("Has-Pan-Left")
    with pytest.raises(KeyError, match="did you mean 'pan_left_vs_pan_right'"):
        vqa_task("pan_left_vs_pan_rigt")
    with pytest.raises(KeyError) as err:
        vqa_task("something else")
    assert "did you mean" not in str(err.value)


def test_primitives_named_refuses_what_is_not_text() -> None:
    with pytest.raises(TypeError, match="reads text"):
        primitives_named(None)  # type: ignore[arg-type]


def test_binary_records_refuse_labels_that_are_not_a_mapping() -> None:
    with pytest.raises(ValueError, match=r"a\.mp4: labels must map Primitive"):
        binary_records({"a.mp4": [True] * 15})  # type: ignore[dict-item]


# --- task files ---------------------------------------------------------------------------------


def test_a_sequence_as_a_yaml_key_is_a_taxonomy_error(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text("has_motion:\n  ? [a, b]\n  : {skill: s}\n", "utf-8")
    with pytest.raises(TaxonomyDataError, match=r"tasks\.yaml: invalid YAML: a key must be a name, got a sequence"):
        load_vqa_tasks(path)


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_bytes(b"has_motion:\n  has_pan_left:\n    skill: caf\xe9\n")
    with pytest.raises(TaxonomyDataError, match=r"tasks\.yaml: line 3: not UTF-8 text"):
        load_vqa_tasks(path)


# --- multiple-choice rows ------------------------------------------------------------------------


def test_numpy_booleans_make_the_same_row_as_python_booleans() -> None:
    # np.True_ is not True: the clip silently got no row
    plain = camera_movement_rows([("a.mp4", TILT_UP_ONLY)], seed=4)
    numpy = camera_movement_rows([("a.mp4", {p: np.bool_(v) for p, v in TILT_UP_ONLY.items()})], seed=4)
    assert len(plain) == 1 and numpy == plain
    # every single clear motion (booleans of either kind), with every other label clear no,
    # ambiguous or missing: one right option, four distinct texts, or no row at all
    for prim in P:
        for rest in (False, np.False_, None):
            labels = {p: np.True_ if p is prim else rest for p in P}
            rows = camera_movement_rows([("a.mp4", labels)], seed=1)
            if rest is None:
                assert rows == []  # no clear-no distractor: no row rather than a guessable one
                continue
            (row,) = rows
            assert row.options[row.answer] == prim.mcq_option
            assert len(set(row.options.values())) == len(row.options) == 4
            assert [primitives_named(t)[0] for t in row.options.values()].count(prim) == 1


@pytest.mark.parametrize(
    "labels",
    [
        {p.value: v for p, v in TILT_UP_ONLY.items()},  # keyed by name: no primitive was ever found
        {**TILT_UP_ONLY, P.TILT_UP: 1},  # 1 is not True: no row
        {**TILT_UP_ONLY, P.TILT_UP: "yes"},
        {**TILT_UP_ONLY, P.PAN_LEFT: float("nan")},  # read as ambiguous
    ],
)
def test_labels_outside_the_tri_state_are_refused(labels: dict[object, object]) -> None:
    with pytest.raises(CameraBenchError, match=r"a\.mp4: label"):
        camera_movement_rows([("a.mp4", labels)], seed=0)  # type: ignore[list-item]


def test_a_video_given_twice_is_refused() -> None:
    # two rows for one video with different right answers
    pan = {p: p is P.PAN_LEFT for p in P}
    with pytest.raises(CameraBenchError, match=r"'a\.mp4' is given twice"):
        camera_movement_rows([("a.mp4", TILT_UP_ONLY), ("a.mp4", pan)], seed=0)
    shot = ShotGeometry("a.mp4", (28.0,) * 3, (0.0,) * 3)
    with pytest.raises(CameraBenchError, match=r"'a\.mp4' is given twice"):
        shot_rows([shot, shot], seed=0)


def test_a_seed_that_is_not_an_integer_is_refused() -> None:
    # True and 1.0 seeded other shuffles than 1: the table could not be made again from --seed 1
    shot = ShotGeometry("a.mp4", (28.0,) * 3, (0.0,) * 3)
    for seed in (True, 1.0, "1", None):
        with pytest.raises(CameraBenchError, match="seed must be an integer"):
            camera_movement_rows([("a.mp4", TILT_UP_ONLY)], seed=seed)  # type: ignore[arg-type]
        with pytest.raises(CameraBenchError, match="seed must be an integer"):
            shot_rows([shot], seed=seed)  # type: ignore[arg-type]
    # a numpy integer is the same seed as the int
    clips = [(f"{i}.mp4", {p: p is prim for p in P}) for i, prim in enumerate(P)]
    assert camera_movement_rows(clips, seed=np.int64(7)) == camera_movement_rows(clips, seed=7)  # type: ignore[arg-type]
    assert shot_rows([shot], seed=np.int64(7)) == shot_rows([shot], seed=7)  # type: ignore[arg-type]


def test_subject_measurements_of_different_lengths_are_refused() -> None:
    # shot_rows stopped with zip's "argument 2 is shorter than argument 1"
    with pytest.raises(CameraBenchError, match=r"a\.mp4: subject_visible, subject_height_fraction"):
        ShotGeometry("a.mp4", (28.0,) * 3, (0.0,) * 3, (1.0, 1.0, 1.0), (0.5,), (0.5, 0.5, 0.5))
