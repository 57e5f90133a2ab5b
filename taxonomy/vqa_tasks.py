"""VQA / retrieval task definitions, backed by ``vqa_tasks.yaml``.

Each task is one public ``vqa_and_retrieval/<folder>/<task>.jsonl`` file: a skill folder, the
``skill`` field written in every pair, the task name and the positive / negative question. The
wording is data (the YAML file, validated when read); which clips answer a question is not (the
synthetic predicates live in :mod:`camerabench.synth.annotate`).

Example:
    >>> task = vqa_task("has_pan_left")
    >>> task.folder, task.skill
    ('has_motion', 'has_rotation')
    >>> task.pos_question
    'Does the camera pan to the left?'
    >>> task.file
    'has_motion/has_pan_left.jsonl'
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "VQA_TASKS_FILE",
    "TaxonomyDataError",
    "VQATask",
    "load_vqa_tasks",
    "parse_vqa_tasks",
    "vqa_task",
    "vqa_tasks",
]

VQA_TASKS_FILE = "vqa_tasks.yaml"
"""File name of the task definitions inside the ``camerabench.taxonomy`` package."""

_FIELDS = ("skill", "pos_question", "neg_question")
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class TaxonomyDataError(ValueError):
    """A taxonomy data file is malformed; the message names the file and the offending entry."""

    def __init__(self, source: str, problem: str, line: int | None = None) -> None:
        self.source = source
        self.problem = problem
        self.line = line  # 1-based line of the offending entry, when known
        super().__init__(f"{source}: line {line}: {problem}" if line is not None else f"{source}: {problem}")


@dataclass(frozen=True)
class VQATask:
    """One public VQA / retrieval task.

    Attributes:
        folder: Skill folder under ``vqa_and_retrieval/``, e.g. ``has_motion``.
        skill: The ``skill`` field of each pair, e.g. ``has_rotation`` (finer than the folder).
        task: Task name, which is also the file stem, e.g. ``has_pan_left``.
        pos_question: Question a positive video answers Yes.
        neg_question: Question a negative video answers Yes.
    """

    folder: str
    skill: str
    task: str
    pos_question: str
    neg_question: str

    @property
    def file(self) -> str:
        """Path of the task's file relative to ``vqa_and_retrieval/``."""
        return f"{self.folder}/{self.task}.jsonl"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key repeated in one mapping (plain PyYAML keeps the last) and
    records the line of every key, so that schema errors can name it."""


class _LinedDict(dict[Any, Any]):
    """A mapping read from YAML with the 1-based line of each key (``key_lines``)."""

    key_lines: dict[Any, int]


class _DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key repeated in one mapping, with the lines of both."""

    def __init__(self, key: object, first: int, again: int, mark: yaml.Mark) -> None:
        self.problem_text = f"duplicate key {key!r} (first on line {first})"
        self.line = again
        super().__init__(None, None, self.problem_text, mark)


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            # a list or mapping as a key (``? [a, b]``) stopped the reader with a bare TypeError
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, got a {key_node.id}", key_node.start_mark
            ) from None
        line = key_node.start_mark.line + 1
        if key in seen:
            raise _DuplicateKeyError(key, seen[key], line, key_node.start_mark)
        seen[key] = line
    mapping = _LinedDict(loader.construct_mapping(node, deep=deep))
    mapping.key_lines = seen
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _line(mapping: object, key: object) -> int | None:
    """The line of ``key`` in a mapping read by :func:`load_vqa_tasks`; None for a plain dict."""
    return mapping.key_lines.get(key) if isinstance(mapping, _LinedDict) else None


def parse_vqa_tasks(data: object, source: str) -> tuple[VQATask, ...]:
    """Validate parsed YAML and build the tasks, in file order.

    Args:
        data: The parsed document: ``{folder: {task: {skill, pos_question, neg_question}}}``.
        source: Name of the file (or other origin) used in error messages.

    Raises:
        TaxonomyDataError: A level is not a mapping, a name is not lower_snake_case, a field is
            missing, unknown, empty or not a string, a task name repeats across folders, or a
            task asks the same question twice. When ``data`` was read by :func:`load_vqa_tasks`
            the message names the line of the offending folder, task or field.

    Example:
        >>> doc = {"scene_dynamics": {"is_scene_static_or_not": {
        ...     "skill": "scene_dynamics",
        ...     "pos_question": "Is the scene in the video completely static?",
        ...     "neg_question": "Is the scene in the video dynamic?"}}}
        >>> [t.file for t in parse_vqa_tasks(doc, "example")]
        ['scene_dynamics/is_scene_static_or_not.jsonl']
        >>> parse_vqa_tasks({"f": {"t": {"skill": "s"}}}, "example")
        Traceback (most recent call last):
        ...
        camerabench.taxonomy.vqa_tasks.TaxonomyDataError: example: f.t: missing field(s) neg_question, pos_question
    """
    if not isinstance(data, dict) or not data:
        raise TaxonomyDataError(source, "expected a non-empty mapping of skill folder -> tasks")
    tasks: list[VQATask] = []
    folder_of: dict[str, tuple[str, int | None]] = {}  # task -> its folder and line
    for folder, entries in data.items():
        folder_line = _line(data, folder)
        if not isinstance(folder, str) or not _NAME.fullmatch(folder):
            raise TaxonomyDataError(source, f"skill folder {folder!r} is not a lower_snake_case name", folder_line)
        if not isinstance(entries, dict) or not entries:
            raise TaxonomyDataError(
                source, f"{folder}: expected a non-empty mapping of task name -> fields", folder_line
            )
        for task, fields in entries.items():
            where = f"{folder}.{task}"
            task_line = _line(entries, task)
            if not isinstance(task, str) or not _NAME.fullmatch(task):
                raise TaxonomyDataError(
                    source, f"{folder}: task name {task!r} is not a lower_snake_case name", task_line
                )
            if task in folder_of:
                first, first_line = folder_of[task]
                on = f" (line {first_line})" if first_line is not None else ""
                raise TaxonomyDataError(source, f"{where}: task name already used in folder {first}{on}", task_line)
            if not isinstance(fields, dict):
                raise TaxonomyDataError(
                    source, f"{where}: expected a mapping with keys {', '.join(_FIELDS)}", task_line
                )
            missing = sorted(set(_FIELDS) - set(fields))
            unknown = sorted((k for k in fields if k not in _FIELDS), key=str)
            if missing:
                raise TaxonomyDataError(source, f"{where}: missing field(s) {', '.join(missing)}", task_line)
            if unknown:
                names = ", ".join(str(k) for k in unknown)
                raise TaxonomyDataError(source, f"{where}: unknown field(s) {names}", _line(fields, unknown[0]))
            for key in _FIELDS:
                value = fields[key]
                if not isinstance(value, str) or not value.strip():
                    raise TaxonomyDataError(
                        source, f"{where}.{key}: expected a non-empty string, got {value!r}", _line(fields, key)
                    )
            if not _NAME.fullmatch(fields["skill"]):
                raise TaxonomyDataError(
                    source,
                    f"{where}.skill: {fields['skill']!r} is not a lower_snake_case name",
                    _line(fields, "skill"),
                )
            if fields["pos_question"] == fields["neg_question"]:
                raise TaxonomyDataError(
                    source, f"{where}: pos_question and neg_question are the same", _line(fields, "neg_question")
                )
            folder_of[task] = (folder, task_line)
            tasks.append(VQATask(folder, fields["skill"], task, fields["pos_question"], fields["neg_question"]))
    return tuple(tasks)


def load_vqa_tasks(path: str | Path | None = None) -> tuple[VQATask, ...]:
    """Read and validate a task file.

    Args:
        path: A YAML file in the layout of ``vqa_tasks.yaml``; None reads the packaged file.

    Raises:
        TaxonomyDataError: The file is not valid YAML (a repeated key included) or fails
            :func:`parse_vqa_tasks`; the message names the file and the line (a repeated key:
            both lines), e.g. ``tasks.yaml: line 5: f.t: missing field(s) neg_question``.
    """
    if path is None:
        resource = resources.files("camerabench.taxonomy").joinpath(VQA_TASKS_FILE)
        source, text = str(resource), resource.read_text("utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except UnicodeDecodeError as exc:
            # the bare decode error named neither the file nor the line
            line = Path(path).read_bytes()[: exc.start].count(b"\n") + 1
            raise TaxonomyDataError(source, f"line {line}: not UTF-8 text ({exc.reason})") from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects
    except _DuplicateKeyError as exc:
        raise TaxonomyDataError(source, exc.problem_text, exc.line) from exc
    except yaml.YAMLError as exc:
        raise TaxonomyDataError(source, f"invalid YAML: {exc}") from exc
    return parse_vqa_tasks(data, source)


@functools.cache
def vqa_tasks() -> tuple[VQATask, ...]:
    """The packaged task definitions, in file order (read once)."""
    return load_vqa_tasks()


def vqa_task(name: str) -> VQATask:
    """The packaged task called ``name``.

    Raises:
        KeyError: No task has that name; the message names the closest task (case, spaces,
            hyphens or a typo).
    """
    tasks = vqa_tasks()
    for task in tasks:
        if task.task == name:
            return task
    names = [task.task for task in tasks]
    closest = _closest_task(name, names)
    hint = f"; did you mean {closest!r}?" if closest is not None else ""
    raise KeyError(f"unknown VQA task {name!r}{hint} (the tasks are listed in {VQA_TASKS_FILE})")


def _fold(name: str) -> str:
    """A name as a user might type it, folded: ``Has-Pan Left`` -> ``haspanleft``."""
    return re.sub(r"[\W_]+", "", name.casefold())


def _closest_task(name: object, names: list[str]) -> str | None:
    """The task a mistyped name most likely means (case, spaces, hyphens or a typo), or None."""
    if not isinstance(name, str) or not _fold(name):
        return None
    folded = {_fold(n): n for n in names}
    if _fold(name) in folded:
        return folded[_fold(name)]
    found = difflib.get_close_matches(_fold(name), list(folded), n=1, cutoff=0.9)
    return folded[found[0]] if found else None
