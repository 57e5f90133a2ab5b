"""VQA task definitions: the packaged YAML matches the public files; malformed files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from camerabench.labelfiles import read_vqa_file
from camerabench.taxonomy import TaxonomyDataError, VQATask, vqa_task, vqa_tasks
from camerabench.taxonomy.vqa_tasks import load_vqa_tasks


def test_packaged_tasks_load_in_file_order() -> None:
    tasks = vqa_tasks()
    assert tasks and all(isinstance(t, VQATask) for t in tasks)
    assert len({t.task for t in tasks}) == len(tasks)
    # folders are contiguous, so the file groups each folder's tasks under one key
    folders = [t.folder for t in tasks]
    assert [f for i, f in enumerate(folders) if i == 0 or f != folders[i - 1]] == list(dict.fromkeys(folders))
    assert vqa_task("pan_left_vs_pan_right") == VQATask(
        "motion_direction",
        "rotation_direction",
        "pan_left_vs_pan_right",
        "Does the camera pan to the left?",
        "Does the camera pan to the right?",
    )
    with pytest.raises(KeyError, match="no_such_task"):
        vqa_task("no_such_task")


def test_wording_matches_the_public_files(public_data: Path) -> None:
    """Every task that exists publicly has the public skill field, task name and questions (every line)."""
    compared = 0
    for task in vqa_tasks():
        path = public_data / "vqa_and_retrieval" / task.file
        if not path.exists():
            continue
        compared += 1
        wording = {(p.skill, p.task, p.pos_question, p.neg_question) for p in read_vqa_file(path)}
        assert wording == {(task.skill, task.task, task.pos_question, task.neg_question)}, task.file
    assert compared == len(vqa_tasks()), "every packaged task is a public one"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: [b\n", "invalid YAML"),
        ("- a\n", "expected a non-empty mapping of skill folder"),
        ("Has_Motion:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n", "'Has_Motion' is not"),
        ("f: []\n", "f: expected a non-empty mapping of task name"),
        ("f:\n  t: text\n", "f.t: expected a mapping"),
        ("f:\n  t:\n    skill: s\n    pos_question: p\n", "f.t: missing field(s) neg_question"),
        ("f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n    extra: x\n", "unknown field(s) extra"),
        (
            "f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: 3\n",
            "f.t.neg_question: expected a non-empty",
        ),
        (
            "f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: ' '\n",
            "f.t.neg_question: expected a non-empty",
        ),
        ("f:\n  t:\n    skill: s\n    pos_question: q\n    neg_question: q\n", "f.t: pos_question and neg_question"),
        ("f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n  t:\n    skill: s\n", "duplicate key 't'"),
        (
            "f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n"
            "g:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n",
            "g.t: task name already used in folder f",
        ),
    ],
)
def test_malformed_files_are_named_in_the_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TaxonomyDataError) as info:
        load_vqa_tasks(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert problem in message, message


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text("f:\n  t:\n    skill: s\n    pos_question: 'Yes: p?'\n    neg_question: n?\n", "utf-8")
    assert load_vqa_tasks(path) == (VQATask("f", "s", "t", "Yes: p?", "n?"),)
