"""Exception types shared across camerabench."""

from __future__ import annotations

from pathlib import Path


class CameraBenchError(Exception):
    """Base class: the CLI turns these into a one-line error and exit code 1."""


class FileFormatError(CameraBenchError, ValueError):
    """A file is malformed; the message names the file, the line (when known) and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {problem}")


class VideoError(CameraBenchError):
    """A video is missing, unreadable or has no frames."""


class PredictionError(CameraBenchError):
    """A method could not handle one video; recorded as a failed sample with this reason."""


class NotBuiltError(CameraBenchError):
    """A command or method that this version of camerabench does not provide yet."""
