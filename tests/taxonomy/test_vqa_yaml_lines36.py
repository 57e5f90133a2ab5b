"""Round 36: schema errors in a VQA task file name the line of the offending folder, task or
field (before, only the file); a key repeated in one mapping names both lines (before, only the
second, inside PyYAML's multi-line text). And ``synth --size`` given twice compares the parsed
size: ``64x48`` and ``64X48`` are the same size (before, refused as two different values)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from camerabench.cli import build_parser
from camerabench.cli import synth as synth_cli
from camerabench.errors import CameraBenchError
from camerabench.taxonomy import TaxonomyDataError, VQATask
from camerabench.taxonomy.vqa_tasks import load_vqa_tasks, parse_vqa_tasks, vqa_tasks

_TASK = "f:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n"

# (file text, line named, problem) -- line 1 is the first line of the file
_CASES = [
    # a field missing: the task's line
    ("f:\n  t:\n    skill: s\n    pos_question: p\n", 2, "f.t: missing field(s) neg_question"),
    # an unknown field: that field's line
    (_TASK + "    bogus: 1\n", 6, "f.t: unknown field(s) bogus"),
    # a field of the wrong type: that field's line
    ("f:\n  t:\n    skill: s\n    pos_question: [p]\n    neg_question: n\n", 4, "f.t.pos_question: expected a"),
    ("f:\n  t:\n    skill: Bad Name\n    pos_question: p\n    neg_question: n\n", 3, "f.t.skill: 'Bad Name'"),
    ("f:\n  t:\n    skill: s\n    pos_question: q\n    neg_question: q\n", 5, "f.t: pos_question and neg_question"),
    # a task that is not a mapping, a folder that is not a mapping, bad names
    ("f:\n  t: 3\n", 2, "f.t: expected a mapping"),
    (_TASK + "g: 3\n", 6, "g: expected a non-empty mapping"),
    (_TASK + "G:\n  u: {}\n", 6, "skill folder 'G' is not a lower_snake_case name"),
    (_TASK + "  U:\n    skill: s\n", 6, "f: task name 'U' is not"),
    # a task name used in two folders: the second, naming the first's folder and line
    (_TASK + "g:\n  x:\n    skill: s\n    pos_question: p\n    neg_question: n\n  t: {}\n", 11, "g.t: task name"),
]


@pytest.mark.parametrize(("text", "line", "problem"), _CASES)
def test_a_schema_error_names_the_file_and_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TaxonomyDataError) as info:
        load_vqa_tasks(path)
    # old: f"{path}: {problem}" with no line
    assert str(info.value).startswith(f"{path}: line {line}: {problem}"), str(info.value)
    assert info.value.line == line


def test_a_task_name_used_twice_names_the_first_folder_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(_TASK + "g:\n  t:\n    skill: s\n    pos_question: p\n    neg_question: n\n", "utf-8")
    with pytest.raises(TaxonomyDataError) as info:
        load_vqa_tasks(path)
    assert str(info.value) == f"{path}: line 7: g.t: task name already used in folder f (line 2)"


@pytest.mark.parametrize(
    ("text", "key", "first", "again"),
    [
        (_TASK + "  t:\n    skill: s\n", "t", 2, 6),  # a task twice in one folder
        ("f:\n  t:\n    skill: s\n    skill: u\n    pos_question: p\n    neg_question: n\n", "skill", 3, 4),
        (_TASK + _TASK, "f", 1, 6),  # a folder twice
    ],
)
def test_a_repeated_key_names_both_lines(tmp_path: Path, text: str, key: str, first: int, again: int) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(TaxonomyDataError) as info:
        load_vqa_tasks(path)
    # old: "invalid YAML: duplicate key 't'" and PyYAML's mark of the second only, over two lines
    assert str(info.value) == f"{path}: line {again}: duplicate key {key!r} (first on line {first})"


def test_a_well_formed_file_and_a_plain_dict_still_read(tmp_path: Path) -> None:
    path = tmp_path / "tasks.yaml"
    path.write_text(_TASK, "utf-8")
    tasks = load_vqa_tasks(path)
    assert tasks == (VQATask("f", "s", "t", "p", "n"),)
    assert load_vqa_tasks() == vqa_tasks() and len(vqa_tasks()) > 0
    # a plain dict has no lines: the message is as before
    with pytest.raises(TaxonomyDataError) as info:
        parse_vqa_tasks({"f": {"t": {"skill": "s"}}}, "example")
    assert str(info.value) == "example: f.t: missing field(s) neg_question, pos_question"
    assert info.value.line is None


# --- synth --size ---------------------------------------------------------------------------------


def _parse(*size_flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["synth", "--out", "o", *size_flags])


@pytest.mark.parametrize("second", ["64X48", " 64 x 48 ", "064x048"])
def test_the_same_size_written_two_ways_is_taken(second: str) -> None:
    # old: "--size: given twice, as '64x48' and as '64X48': give it once"
    args = _parse("--size", "64x48", "--size", second)
    assert args.size == (64, 48)


def test_two_different_sizes_are_still_refused_naming_both(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parse("--size", "64X48", "--size", "320x192")
    assert exc.value.code == 2
    assert "given twice, as '64x48' and as '320x192'" in capsys.readouterr().err


def test_run_hands_the_generator_the_parsed_size(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import camerabench.synth.generate as gen

    seen: dict[str, object] = {}

    def fake_generate(out: object, **kwargs: object) -> object:
        seen.update(kwargs)
        return out

    monkeypatch.setattr(gen, "generate_dataset", fake_generate)
    for flags, expected in [
        (["--size", "64x48", "--size", "64X48"], (64, 48)),
        ([], synth_cli.DEFAULT_SIZE),
    ]:
        args = build_parser().parse_args(["synth", "--out", str(tmp_path / "d"), *flags])
        assert synth_cli.run(args) == 0
        assert seen["size"] == expected and type(seen["size"][0]) is int  # type: ignore[index]


@pytest.mark.parametrize("size", ["48by32", "", "²x²"])
def test_text_that_is_no_size_is_still_refused_by_run_in_one_line(size: str) -> None:
    args = _parse("--size", size)
    assert args.size == size
    with pytest.raises(CameraBenchError, match="--size must look like WIDTHxHEIGHT"):
        synth_cli.run(args)
