"""Typed, versioned records of a run folder and their JSONL files.

``RUN/<method>/scores.jsonl`` holds one :class:`ScoreRecord` per (video, question);
``captions.jsonl`` one :class:`CaptionRecord` per video; ``run.json`` one :class:`RunInfo`.
Readers validate every line (fields present, JSON types as documented, finite scores) and
name the file and line of anything malformed; in ``run.json`` the line of the offending field.
``run.json`` is written as standard JSON: a number that is not finite in the free-form
``video_info`` is ``null`` there (an undefined value, as in ``metrics.json``).
A last line that does not parse and has no line break after it (a run stopped while appending)
is reported as an incomplete last line; ``--resume`` drops it and runs that video again.
Fields a record does not define are ignored, so other tools may add their own; a key that differs
from a field's name only in case (``"Score"``, a hand edit) is refused.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np

from camerabench import __version__
from camerabench.errors import FileFormatError
from camerabench.fileio import iter_jsonl_numbered, read_error, read_json_document, write_json, write_jsonl
from camerabench.taxonomy import Primitive

__all__ = [
    "CAPTION_MODES",
    "SCHEMA_VERSION",
    "AnswerRecord",
    "CaptionRecord",
    "RunInfo",
    "ScoreRecord",
    "Status",
    "config_hash",
    "git_commit",
    "iter_records",
    "now_iso",
    "read_answers",
    "read_captions",
    "read_run_info",
    "read_scores",
    "write_answers",
    "write_captions",
    "write_run_info",
    "write_scores",
]

SCHEMA_VERSION = 1
Status = Literal["ok", "failed"]
_STATUSES = ("ok", "failed")
_PRIMITIVE_STEMS = frozenset(p.value for p in Primitive)


class _FieldError(ValueError):
    """A field of a JSON object has the wrong type or value; ``keys`` leads to it."""

    def __init__(self, message: str, *keys: str) -> None:
        super().__init__(message)
        self.keys = keys


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(obj: dict[str, Any], key: str, optional: bool = False) -> Any:
    """``obj[key]`` if it is a non-empty string (or, when ``optional``, absent / null)."""
    if optional and obj.get(key) is None:
        return None
    value = obj[key]
    if not isinstance(value, str) or not value.strip():  # "  " names no method, question or reason
        raise _FieldError(f"{key} must be a non-empty string{' or null' if optional else ''}, got {_show(value)}", key)
    return value


def _version_problem(kind: str, version: Any) -> str | None:
    """Why ``schema_version`` ``version`` of a ``kind`` cannot be read here (None when it can).

    A newer number is a file written by a newer camerabench (upgrade to read it); an older one
    (there is none before 1) or anything that is not a whole number was not written by camerabench.
    """
    if isinstance(version, bool) or not isinstance(version, int):
        if version is None:
            return f"{kind} has no schema_version (expected {SCHEMA_VERSION}); was it written by camerabench?"
        return (
            f"{kind} schema_version must be an integer, got {_show(version)} "
            f"(this camerabench {__version__} reads version {SCHEMA_VERSION})"
        )
    if version > SCHEMA_VERSION:
        return (
            f"{kind} schema_version {version}: written by a newer camerabench than this one "
            f"({__version__}, which reads version {SCHEMA_VERSION}); upgrade camerabench to read it"
        )
    if version < SCHEMA_VERSION:
        return (
            f"{kind} schema_version {version}: older than any this camerabench ({__version__}) "
            f"reads (version {SCHEMA_VERSION}); it was not written by a released camerabench"
        )
    return None


def _unwritable_text(value: Any, where: str = "") -> tuple[str, str] | None:
    """``(where, text)`` of the first string in ``value`` (keys and items of nested objects and
    lists included) that UTF-8 cannot hold: a lone surrogate, which JSON writes as an escape
    (``"\\ud800"``) and Python reads, but which no UTF-8 file holds, so rewriting the record
    (``--resume``) would fail with a UnicodeEncodeError."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where, value
        return None
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items()]
    elif isinstance(value, list):
        items = list(enumerate(value))
    for key, item in items:
        here = f"{where}[{key!r}]" if where else str(key)
        if isinstance(key, str) and _unwritable_text(key) is not None:
            return (f"a key of {where}" if where else "a key"), key
        found = _unwritable_text(item, here)
        if found is not None:
            return found
    return None


def _check_text(obj: dict[str, Any], keys: Any) -> None:
    """Refuse a lone surrogate in the fields ``keys`` of ``obj`` (see :func:`_unwritable_text`)."""
    for key in keys:
        found = _unwritable_text(obj.get(key), key)
        if found is not None:
            raise _FieldError(
                f"{found[0]} holds {_show(found[1])}, a lone surrogate escape that is not text "
                "(no UTF-8 file can hold it)",
                key,
            )


def _check_case(obj: dict[str, Any], fields: Any) -> None:
    """Refuse a key that differs from a field's name only in case (``"Score"``, a hand edit):
    it was ignored as another tool's field, the record read without its score (or, beside
    ``"score"``, with the other of the two values)."""
    names = {name.casefold(): name for name in fields}
    for key in obj:
        name = names.get(key.casefold()) if isinstance(key, str) else None
        if name is not None and key != name:
            raise _FieldError(
                f"the key {key!r} differs from the field {name!r} only in case (keys are case-sensitive)", key
            )


def _check_common(obj: dict[str, Any], kind: str, keys: Any = ()) -> None:
    problem = _version_problem(kind, obj.get("schema_version", SCHEMA_VERSION))
    if problem:
        raise ValueError(problem)
    _check_text(obj, keys)
    _check_case(obj, keys)
    if obj.get("status") not in _STATUSES:
        raise ValueError(f"status must be 'ok' or 'failed', got {_show(obj.get('status'))}")
    if not isinstance(obj.get("video"), str) or not obj["video"].strip():
        raise ValueError(f"video must be a non-empty string, got {_show(obj.get('video'))}")


def _values(record: Any) -> dict[str, Any]:
    """A record's fields by name, as :meth:`from_dict` finds them in a JSON object (not copied)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _score(score: Any) -> float | None:
    """A score field as a float (None stays None): a real number, a NumPy one included
    (``np.float32(0.5)`` is 0.5); what the reader and the constructor both accept.

    Raises:
        ValueError: not a real number (a string, a bool), or an integer too large for a float.
    """
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise ValueError(f"score must be a number or null, got {_show(score)}")
    try:
        return float(score)
    except OverflowError:
        raise ValueError("score is an integer too large to be a finite number") from None


def _check_primitive(primitive: Any, question: Any) -> None:
    """``primitive`` is None or a primitive's file stem, and the one ``question`` asks about
    when ``question`` is a primitive's verbatim question."""
    if primitive is None:
        return
    if not isinstance(primitive, str) or primitive not in _PRIMITIVE_STEMS:
        raise ValueError(f"primitive {primitive!r} is not a primitive file stem (e.g. 'Pan_Left') or null")
    asked = Primitive.from_question(question) if isinstance(question, str) else None
    if asked is not None and asked.value != primitive:
        raise ValueError(f"primitive {primitive!r} does not match the question, the {asked.value} question")


def _index(index: Any) -> str:
    """An answer record's ``index`` as text: a non-empty string, or an integer (a JSON number, or
    a tool that read the index column as numbers), without white space at its ends."""
    if isinstance(index, bool) or not isinstance(index, int | str) or not str(index).strip():
        raise ValueError(f"index must be a non-empty string or an integer, got {_show(index)}")
    return str(index).strip()


@dataclass(frozen=True)
class ScoreRecord:
    """One method's answer to one question about one video.

    Attributes:
        video: video file name as in the label files (e.g. ``clip_0001.mp4``).
        question: the question text scored.
        method: method name (``fast``, ``colmap``, ``qwen-vl``, ...).
        score: a finite real (higher = more likely *yes*); None when ``status == "failed"``.
        status: ``ok`` or ``failed``.
        reason: why the sample failed (required when failed).
        primitive: file stem of the binary primitive the question belongs to, if any.
    """

    video: str
    question: str
    method: str
    score: float | None
    status: Status = "ok"
    reason: str | None = None
    primitive: str | None = None
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        """The checks :meth:`from_dict` applies to a line of ``scores.jsonl`` (so that
        :func:`write_scores` writes only what :func:`read_scores` reads back); a NumPy score is
        kept as its Python float."""
        values = _values(self)
        _check_common(values, "score record")
        _text(values, "question")
        _text(values, "method")
        _text(values, "reason", optional=True)
        object.__setattr__(self, "score", _score(self.score))
        _check_primitive(self.primitive, self.question)
        if self.status == "ok":
            if self.score is None or not math.isfinite(self.score):
                raise ValueError(f"an ok score must be a finite number, got {self.score!r}")
        elif self.status == "failed":
            if self.score is not None:
                raise ValueError("a failed record carries no score")
            if not self.reason:
                raise ValueError("a failed record needs a reason")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> ScoreRecord:
        _check_common(obj, "score record", cls.__dataclass_fields__)
        score = obj.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise ValueError(f"score must be a number or null, got {_show(score)}")
        primitive = _text(obj, "primitive", optional=True)
        _check_primitive(primitive, obj.get("question"))
        return cls(
            video=obj["video"],
            question=_text(obj, "question"),
            method=_text(obj, "method"),
            score=_score(score),
            status=obj["status"],
            reason=_text(obj, "reason", optional=True),
            primitive=primitive,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def failed(cls, video: str, question: str, method: str, reason: str, primitive: str | None = None) -> ScoreRecord:
        return cls(video, question, method, None, "failed", reason, primitive)


#: Caption modes: the whole video at once, or ShareGPT4Video's differential sliding window
#: (the modes a caption record may name; methods implement some of them).
CAPTION_MODES: tuple[str, ...] = ("whole", "diffsw")


def _check_caption(caption: Any) -> None:
    if caption is not None and not isinstance(caption, str):
        raise ValueError(f"caption must be a string or null, got {_show(caption)}")


@dataclass(frozen=True)
class CaptionRecord:
    """One caption of one video by one method (``caption`` is None when failed)."""

    video: str
    method: str
    caption: str | None
    status: Status = "ok"
    reason: str | None = None
    question: str = "Describe the camera movement in this video."
    mode: str = "whole"
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        """The checks :meth:`from_dict` applies to a line of ``captions.jsonl`` (so that
        :func:`write_captions` writes only what :func:`read_captions` reads back)."""
        values = _values(self)
        _check_common(values, "caption record")
        _text(values, "method")
        _check_caption(self.caption)
        _text(values, "reason", optional=True)
        _text(values, "question")
        _text(values, "mode")
        if self.status == "ok" and not isinstance(self.caption, str):
            raise ValueError("an ok caption record needs a caption string")
        if self.status == "failed":
            if self.caption is not None:
                raise ValueError("a failed record carries no caption")
            if not self.reason:
                raise ValueError("a failed record needs a reason")
        if self.mode not in CAPTION_MODES:
            raise ValueError(f"mode must be one of {', '.join(CAPTION_MODES)}, got {_show(self.mode)}")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> CaptionRecord:
        _check_common(obj, "caption record", cls.__dataclass_fields__)
        caption = obj.get("caption")
        _check_caption(caption)
        return cls(
            video=obj["video"],
            method=_text(obj, "method"),
            caption=caption,
            status=obj["status"],
            reason=_text(obj, "reason", optional=True),
            question=_text(obj, "question") if "question" in obj else "Describe the camera movement in this video.",
            mode=_text(obj, "mode") if "mode" in obj else "whole",
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_answer_fields(obj: dict[str, Any]) -> None:
    """An answer record's version, text and status (:func:`_check_common` but for ``video``)."""
    problem = _version_problem("answer record", obj.get("schema_version", SCHEMA_VERSION))
    if problem:
        raise ValueError(problem)
    _check_text(obj, AnswerRecord.__dataclass_fields__)
    _check_case(obj, AnswerRecord.__dataclass_fields__)
    if obj.get("status") not in _STATUSES:
        raise ValueError(f"status must be 'ok' or 'failed', got {_show(obj.get('status'))}")


def _check_answer(answer: Any) -> None:
    if answer is not None and not isinstance(answer, str):
        raise ValueError(f"answer must be a string or null, got {_show(answer)}")


@dataclass(frozen=True)
class AnswerRecord:
    """One method's answer to one multiple-choice row (``RUN/<method>/answers.jsonl``).

    Attributes:
        index: the row's ``index`` in its table (text; a JSON number is read as its text).
        method: method name.
        answer: the raw answer text (a letter, a sentence, a ``<think>``/``<answer>`` reply);
            None when failed. Which option it names is decided at evaluation.
        status: ``ok`` or ``failed``.
        reason: why the row failed (required when failed), or why a method does not answer it.
        table: the table's file stem, when a data folder holds several tables (else None).
    """

    index: str
    method: str
    answer: str | None
    status: Status = "ok"
    reason: str | None = None
    table: str | None = None
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        """The checks :meth:`from_dict` applies to a line of ``answers.jsonl`` (so that
        :func:`write_answers` writes only what :func:`read_answers` reads back); an integer
        ``index`` is kept as its text, as the reader reads a JSON number."""
        values = _values(self)
        _check_answer_fields(values)
        object.__setattr__(self, "index", _index(self.index))
        _text(values, "method")
        _check_answer(self.answer)
        _text(values, "reason", optional=True)
        _text(values, "table", optional=True)
        if self.status == "ok" and not isinstance(self.answer, str):
            raise ValueError("an ok answer record needs the answer text")
        if self.status == "failed":
            if self.answer is not None:
                raise ValueError("a failed record carries no answer")
            if not self.reason:
                raise ValueError("a failed record needs a reason")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> AnswerRecord:
        _check_answer_fields(obj)
        index = _index(obj.get("index"))
        answer = obj.get("answer")
        _check_answer(answer)
        return cls(
            index=index,
            method=_text(obj, "method"),
            answer=answer,
            status=obj["status"],
            reason=_text(obj, "reason", optional=True),
            table=_text(obj, "table", optional=True),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(path: str | Path | None = None) -> str | None:
    """The git commit of the source tree camerabench runs from, or None outside a checkout.

    Without ``path``, read once per process (the code that runs was loaded then): a commit made
    in the checkout while a run goes on must not be recorded for files the run writes later (a
    run's run.json and answer_run.json named two commits).
    """
    if not path:
        return _own_commit()
    return _commit_of(Path(path))


@functools.cache
def _own_commit() -> str | None:
    return _commit_of(Path(__file__).resolve().parent)


def _commit_of(where: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def config_hash(model_dir: str | Path | None) -> str | None:
    """SHA-256 of ``config.json`` in a model folder (None if there is no model)."""
    if model_dir is None:
        return None
    cfg = Path(model_dir) / "config.json"
    return hashlib.sha256(cfg.read_bytes()).hexdigest() if cfg.is_file() else None


@dataclass
class RunInfo:
    """Provenance of one method's run (``RUN/<method>/run.json``)."""

    method: str
    command: str = "predict"
    settings: dict[str, Any] = field(default_factory=dict)
    #: ``geometric``, ``semantic`` or ``test``: the predictor class's ``kind`` (None in files
    #: written by other tools).
    method_kind: str | None = None
    data: str | None = None
    #: ``predict``: video -> SHA-256 of the questions the dataset asks of it (the job runner
    #: writes it); ``--resume`` runs again a video whose questions have changed since.
    questions_sha256: dict[str, str] = field(default_factory=dict)
    #: ``predict`` and ``caption``: video -> fingerprint of its file
    #: (:func:`~camerabench.runfolder.video_fingerprint`); ``--resume`` runs again a video
    #: whose file has changed since (a dataset regenerated in place under the same names).
    video_sha256: dict[str, str] = field(default_factory=dict)
    model_path: str | None = None
    model_config_sha256: str | None = None
    package_version: str = __version__
    git_commit: str | None = None
    started: str = field(default_factory=now_iso)
    finished: str | None = None
    videos_ok: int = 0
    videos_failed: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    seconds_per_video: dict[str, float] = field(default_factory=dict)
    #: video -> what the method reported about it (decoding notes such as frames declared vs
    #: decoded, display rotation; the model it chose, e.g. rotation-only). A number there that is
    #: not finite (NaN: undefined) is written as ``null`` (:func:`write_run_info`); files written
    #: before hold a bare ``NaN``, which is read as NaN and written as ``null`` again.
    video_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: where the latest part of the run ran: ``name`` (``local`` or ``ray``) and the size of the
    #: machine or cluster (``nodes``, ``cpus``, ``gpus``, workers), as the job runner writes it.
    backend: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        """Every field checked as :meth:`from_dict` checks it, so that a RunInfo built in code
        (a negative count, a count no JSON reader holds) cannot be written to run.json.

        A NumPy number is kept as the Python number of the same value (``np.int64(3)`` as ``3`` in
        a count, ``np.float32(0.5)`` as ``0.5`` in a timing or in ``settings``), as
        :class:`ScoreRecord` keeps a NumPy score; a NumPy bool in ``settings``, ``video_info`` and
        ``backend`` as a bool. Anything else JSON cannot hold there (a set, an array, a path, a key
        that is not a string) is refused, naming where it is: it failed only when written.
        """
        for name in self.__dataclass_fields__:
            value = _run_value(name, getattr(self, name))
            setattr(self, name, value)
            _check_run_field(name, value)
        _check_run_counts(self.finished, self.videos_failed, self.failures)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> RunInfo:
        """A run.json object, every field checked against its type.

        ``settings`` is free-form (each method's options), except ``settings.yes_threshold``,
        which evaluation reads as the score above which a VQA answer is *Yes*: when present it
        must be a finite number.

        Raises:
            ValueError: a missing ``method``, an unknown field, or a field of the wrong type
                (the message names the field).
        """
        problem = _version_problem("run.json", obj.get("schema_version"))
        if problem:
            raise _FieldError(problem, *(["schema_version"] if "schema_version" in obj else []))
        known = set(cls.__dataclass_fields__)
        unknown = set(obj) - known
        if unknown:
            _check_case(obj, known)  # "Method": named as a field's name in the wrong case
            raise _FieldError(f"unknown fields {sorted(unknown)}", sorted(unknown)[0])
        if "method" not in obj:
            raise ValueError("missing field 'method'")
        for key, value in obj.items():
            _check_run_field(key, value)
        _check_text(obj, obj)  # run.json is written again by --resume
        return cls(**obj)  # __post_init__: the counts against the failures listed


_R = TypeVar("_R")


def _ends_mid_line(path: Path, line: int) -> bool:
    """Whether ``line`` is the last line of ``path`` and no line break follows it.

    Raises:
        FileFormatError: the file cannot be read again (an I/O error, a stale NFS handle): it was
            a bare ``OSError`` traceback in place of the error about the line.
    """
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            if size == 0:
                return False
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return False
            fh.seek(0)
            breaks = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except OSError as exc:
        raise read_error(path, exc) from exc
    return line == breaks + 1


def iter_records(path: str | Path, parse: Callable[[dict[str, Any]], _R]) -> Iterator[tuple[int, _R]]:
    """``(line number, record)`` for each non-blank line of a records file (JSONL).

    Raises:
        FileFormatError: as :func:`~camerabench.fileio.iter_jsonl_numbered`; a malformed last
            line without a line break after it is named as an incomplete last line (a run
            stopped while writing it).
    """
    path = Path(path)
    try:
        yield from iter_jsonl_numbered(path, parse)
    except FileFormatError as exc:
        cause = exc.__cause__
        # a cut record is not JSON, or, cut within a character, not UTF-8 (its last character unfinished)
        torn = isinstance(cause, json.JSONDecodeError) or (
            isinstance(cause, UnicodeDecodeError) and cause.reason == "unexpected end of data"
        )
        if not torn or exc.line is None or exc.path != path:
            raise
        if _ends_mid_line(path, exc.line):
            raise FileFormatError(
                path,
                f"incomplete last line, with no line break after it (a run stopped while writing it?): "
                f"{exc.problem}; `--resume` drops it and runs that video again",
                exc.line,
            ) from exc
        cut = _looks_cut(cause) if isinstance(cause, json.JSONDecodeError) else None
        if cut is None:
            raise
        raise FileFormatError(
            path,
            f"not valid JSON, and the line looks cut: {cut} (bytes lost, e.g. by a copy that did not finish?): "
            f"{exc.problem}; restore the file, or remove the line (`--resume` then runs its video, or row, again)",
            exc.line,
        ) from exc


def _looks_cut(exc: json.JSONDecodeError) -> str | None:
    """How the line ``exc`` failed on looks cut within a record, or None when it does not: it
    starts a JSON object and ends before the object does (the parser ran out of the line, or it
    ends without the closing brace), or a whole record follows the cut one on the same line (the
    line break between them lost too).

    Example:
        >>> def fail(line):
        ...     try:
        ...         json.loads(line)
        ...     except json.JSONDecodeError as exc:
        ...         return _looks_cut(exc)
        >>> fail('{"video": "a.mp4", "sco' + "\\n")
        'it ends mid-record (after column 23, before the record closes)'
        >>> fail('{"video": "a.mp4", "sc{"video": "b.mp4"}')
        'it ends mid-record at column 23, where a whole record follows on the same line (its line break lost)'
        >>> fail('{"video": "a.mp4",, "score": 1}') is None
        True
    """
    text = exc.doc.rstrip()
    if not text.lstrip().startswith("{"):
        return None
    if exc.pos >= len(text) or exc.msg.startswith("Unterminated string") or not text.endswith("}"):
        return f"it ends mid-record (after column {len(text)}, before the record closes)"
    start = text.find('{"', 1)
    while start != -1:
        try:
            rest = json.loads(text[start:])
        except json.JSONDecodeError:
            rest = None
        if isinstance(rest, dict):
            return (
                f"it ends mid-record at column {start + 1}, where a whole record follows on the same line "
                "(its line break lost)"
            )
        start = text.find('{"', start + 1)
    return None


def _read_records(path: str | Path, parse: Callable[[dict[str, Any]], _R]) -> list[_R]:
    return [rec for _, rec in iter_records(path, parse)]


def read_scores(path: str | Path) -> list[ScoreRecord]:
    return _read_records(path, ScoreRecord.from_dict)


def write_scores(path: str | Path, records: list[ScoreRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_captions(path: str | Path) -> list[CaptionRecord]:
    return _read_records(path, CaptionRecord.from_dict)


def write_captions(path: str | Path, records: list[CaptionRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_answers(path: str | Path) -> list[AnswerRecord]:
    return _read_records(path, AnswerRecord.from_dict)


def write_answers(path: str | Path, records: list[AnswerRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


_RUN_TEXT = ("method", "command", "package_version", "started")
_RUN_OPTIONAL_TEXT = ("method_kind", "data", "model_path", "model_config_sha256", "git_commit", "finished")
_RUN_COUNTS = ("videos_ok", "videos_failed", "schema_version")
#: What ``run.json`` may say in ``command`` (the job kinds, :data:`camerabench.runfolder.JobKind`)
#: and ``method_kind`` (the predictor classes' ``kind``): evaluation reads both (a run of
#: ``"Predict"`` would not be read as a predict run; a ``"Geometric"`` method would head a table
#: of its own).
_RUN_CHOICES = {
    "command": ("predict", "caption", "answer"),
    "method_kind": ("geometric", "semantic", "fusion", "test"),
}


def _is_number(value: Any) -> bool:
    """A finite JSON number (an integer too large for a float is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


#: The largest count run.json may hold: integers above 2**53 are not exact in JSON readers that
#: read numbers as doubles (RFC 8259, section 6), so other tools would read another count.
_MAX_COUNT = 2**53


def _check_run_counts(finished: Any, videos_failed: Any, failures: Any) -> None:
    """Refuse a finished run whose ``videos_failed`` exceeds the failures it lists.

    The job runner counts, when a run finishes, the videos of the dataset that are in
    ``failures``; ``failures`` may list more (videos since removed from the dataset: their
    records are kept, not counted), never fewer. A run not finished keeps the counts of its
    last finished part while ``failures`` changes (earlier camerabench versions), so it is
    not checked.
    """
    if finished is None or not isinstance(failures, dict) or not isinstance(videos_failed, int):
        return
    if videos_failed > len(failures):
        raise _FieldError(
            f"videos_failed is {videos_failed} but failures lists {len(failures)} video(s): a finished run "
            "lists the reason of every failed video it counts",
            "videos_failed",
        )


#: The run.json fields whose values are free-form JSON (the methods' options and details, the backend).
_RUN_FREE_FORM = ("settings", "video_info", "backend")


def _python_number(value: Any) -> Any:
    """A NumPy integer, float or bool as the Python one of the same value; anything else as it is."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating) and type(value) is not float:
        return float(value)  # exact: every NumPy float of 32 bits or 64 is a Python float
    return value


def _json_value(value: Any, where: str) -> Any:
    """``value`` (a free-form field of run.json, at ``where``) as JSON holds it: NumPy numbers
    and bools made Python ones (:func:`_python_number`); the same object when nothing changed.

    Raises:
        _FieldError: a value JSON cannot hold (a set, an array, a path: ``where`` and its type
            named) or an object key that is not a string (JSON would write ``1`` as ``"1"``).
    """
    value = _python_number(value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _FieldError(
                    f"{where} has the key {_show(key)} of type {type(key).__name__}: keys of a JSON object are strings",
                    where.split("[", 1)[0],
                )
            out[key] = _json_value(item, f"{where}[{key!r}]")
        return value if all(out[k] is value[k] for k in value) else out
    if isinstance(value, list | tuple):
        items = [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    hint = "; give a list (sorted(...))" if isinstance(value, set | frozenset) else ""
    hint = "; give a list (.tolist())" if isinstance(value, np.ndarray) else hint
    raise _FieldError(
        f"{where} must be a JSON value (a string, number, boolean, null, list or object), got "
        f"{type(value).__name__} {_show(value)}{hint}",
        where.split("[", 1)[0],
    )


def _run_value(key: str, value: Any) -> Any:
    """run.json field ``key``'s ``value`` with NumPy numbers made Python ones (a count's NumPy
    integer, a timing's NumPy float; the free-form fields' values, :func:`_json_value`); a NumPy
    float or bool in a count is left for :func:`_check_run_field` to refuse."""
    if key in _RUN_COUNTS and isinstance(value, np.integer):
        return int(value)
    if key == "seconds_per_video" and isinstance(value, dict):
        seconds = {video: _python_number(s) if not isinstance(s, np.bool_) else s for video, s in value.items()}
        return value if all(seconds[v] is value[v] for v in value) else seconds
    if key in _RUN_FREE_FORM and isinstance(value, dict):
        return _json_value(value, key)
    return value


def _check_run_field(key: str, value: Any) -> None:
    """Raise a :class:`_FieldError` when ``value`` is not what run.json field ``key`` holds."""
    kind = type(value).__name__
    if key in _RUN_TEXT and not isinstance(value, str):
        raise _FieldError(f"{key} must be a string, got {kind}", key)
    if key == "method" and not value.strip():
        raise _FieldError(f"method must be a non-empty string, got {_show(value)}", key)
    if key in _RUN_OPTIONAL_TEXT and value is not None and not isinstance(value, str):
        raise _FieldError(f"{key} must be a string or null, got {kind}", key)
    if key in _RUN_CHOICES and value is not None and value not in _RUN_CHOICES[key]:
        raise _FieldError(f"{key} must be one of {', '.join(_RUN_CHOICES[key])}, got {_show(value)}", key)
    if key in _RUN_COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise _FieldError(f"{key} must be a count (an integer >= 0), got {_show(value)}", key)
    if key in _RUN_COUNTS and value > _MAX_COUNT:
        raise _FieldError(
            f"{key} must be a count of at most 2**53 (what a JSON number holds exactly), got {_show(value)}", key
        )
    if key in ("settings", "failures", "seconds_per_video", "video_info", "backend") and not isinstance(value, dict):
        raise _FieldError(f"{key} must be a JSON object, got {kind}", key)
    if key == "settings" and "yes_threshold" in value and not _is_number(value["yes_threshold"]):
        raise _FieldError(
            f"settings.yes_threshold must be a finite number, got {_show(value['yes_threshold'])}",
            key,
            "yes_threshold",
        )
    if key in ("questions_sha256", "video_sha256"):
        if not isinstance(value, dict):
            raise _FieldError(f"{key} must be a JSON object, got {kind}", key)
        for video, digest in value.items():
            if not isinstance(digest, str):
                raise _FieldError(f"{key}[{video!r}] must be a string, got {_show(digest)}", key, video)
    if key == "failures":
        for video, reason in value.items():
            if not isinstance(reason, str):
                raise _FieldError(f"failures[{video!r}] must be a string (the reason), got {_show(reason)}", key, video)
    if key == "video_info":
        for video, details in value.items():
            if not isinstance(details, dict):
                raise _FieldError(f"video_info[{video!r}] must be a JSON object, got {_show(details)}", key, video)
    if key == "seconds_per_video":
        for video, seconds in value.items():
            if not _is_number(seconds) or seconds < 0:
                raise _FieldError(
                    f"seconds_per_video[{video!r}] must be a number >= 0, got {_show(seconds)}", key, video
                )


def read_run_info(path: str | Path) -> RunInfo:
    """A ``run.json`` / ``caption_run.json``, checked field by field.

    Raises:
        FileFormatError: unreadable, not JSON, not an object, or a field that does not fit
            (naming the line of that field).
    """
    doc = read_json_document(path)
    if not isinstance(doc.value, dict):
        raise doc.error(f"{doc.path.name} must hold a JSON object, got {type(doc.value).__name__}")
    try:
        return RunInfo.from_dict(doc.value)
    except _FieldError as exc:
        raise doc.error(str(exc), *exc.keys) from exc
    except (TypeError, ValueError) as exc:
        raise doc.error(str(exc)) from exc


def _standard_json(value: Any) -> Any:
    """``value`` with every float that is not finite (NaN, infinities) replaced by None: JSON has
    no such numbers, and Python's bare ``NaN`` is refused by other readers (jq, ``JSON.parse``).

    Example:
        >>> _standard_json({"noise": float("nan"), "frames": [1, float("inf")], "gain": 2.5})
        {'noise': None, 'frames': [1, None], 'gain': 2.5}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _standard_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_standard_json(v) for v in value]
    return value


def write_run_info(path: str | Path, info: RunInfo) -> None:
    """Write ``info`` as standard JSON: a number that is not finite (NaN, an undefined value; an
    infinity) is written as ``null``, as ``metrics.json`` writes undefined metrics. Only the
    free-form fields can hold one (``video_info``, the methods' details, in practice): the
    counts, timings and ``settings.yes_threshold`` are checked finite.

    The fields are checked again as :class:`RunInfo` checks them when built (the job runner sets
    ``settings`` and ``video_info`` after that): a NumPy number is written as its Python number.

    Raises:
        ValueError: a field JSON cannot hold (a set in ``settings``), naming ``path`` and the field.
    """
    values = info.to_dict()
    try:
        for name in values:
            values[name] = _run_value(name, values[name])
            _check_run_field(name, values[name])
    except _FieldError as exc:
        raise ValueError(f"{path}: not written: {exc}") from exc
    write_json(path, _standard_json(values))
