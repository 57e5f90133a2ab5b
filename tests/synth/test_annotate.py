"""Synthetic VQA predicates: exactly one pair per taxonomy task, bound in the task file's order."""

from __future__ import annotations

import pytest

from camerabench.synth.annotate import PREDICATES, VQA_TASKS, SynthClip, bind_predicates
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import Primitive, derive_labels, vqa_tasks


def test_every_task_has_predicates_and_every_predicate_a_task() -> None:
    tasks = {t.task for t in vqa_tasks()}
    assert set(PREDICATES) == tasks, (
        f"tasks without predicates: {sorted(tasks - set(PREDICATES))}; "
        f"predicates without a task: {sorted(set(PREDICATES) - tasks)}"
    )
    assert [t.definition for t in VQA_TASKS] == list(vqa_tasks())


def test_a_mismatch_names_both_sides() -> None:
    tasks = vqa_tasks()[:2]
    predicates = {tasks[0].task: PREDICATES[tasks[0].task], "not_a_task": PREDICATES[tasks[1].task]}
    with pytest.raises(ValueError, match=r"vqa_tasks\.yaml") as info:
        bind_predicates(tasks, predicates)
    assert tasks[1].task in str(info.value) and "not_a_task" in str(info.value)


def test_predicates_answer_as_the_labels_say() -> None:
    spec = ClipSpec("pan_left", moves=((Primitive.PAN_LEFT, 15.0),))
    clip = SynthClip("a.mp4", spec, derive_labels(raw_annotation(spec)))
    task = {t.definition.task: t for t in VQA_TASKS}
    assert task["has_pan_left"].positive(clip) and not task["has_pan_left"].negative(clip)
    assert task["has_pan_right"].negative(clip) and not task["has_pan_right"].positive(clip)
    assert task["pan_left_vs_pan_right"].positive(clip)
