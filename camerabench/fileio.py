"""Atomic file writes and validated JSON / JSONL reading.

Every file camerabench writes goes to a temporary name in the same folder and is renamed
into place, so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from camerabench.errors import FileFormatError

__all__ = [
    "append_jsonl",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "iter_jsonl",
    "read_json",
    "read_jsonl",
    "write_json",
    "write_jsonl",
]

T = TypeVar("T")


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with open(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_json(path: str | Path, obj: Any, indent: int | None = 2) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n")


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a syntax error names the file and line."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object per line (UTF-8 kept, as the public files have it)."""
    with atomic_open(path, "w") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def append_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """Append complete lines and fsync (used for resumable per-video results).

    Each call writes whole lines in one ``write``; a reader ignores nothing - a torn last
    line (power loss) is reported as a format error naming the line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())


def iter_jsonl(path: str | Path, parse: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    """Yield ``parse(obj)`` for each non-empty line; errors name file and line.

    ``parse`` may raise ``ValueError``/``KeyError``/``TypeError`` for a record that does not
    fit its schema; the error is re-raised as :class:`FileFormatError` with the line number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise FileFormatError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", lineno) from exc
            if not isinstance(obj, dict):
                raise FileFormatError(path, f"expected a JSON object, got {type(obj).__name__}", lineno)
            try:
                yield parse(obj)
            except (KeyError, ValueError, TypeError) as exc:
                msg = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise FileFormatError(path, msg, lineno) from exc


def read_jsonl(path: str | Path, parse: Callable[[dict[str, Any]], T]) -> list[T]:
    return list(iter_jsonl(path, parse))
