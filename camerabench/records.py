"""Typed, versioned records of a run folder and their JSONL files.

``RUN/<method>/scores.jsonl`` holds one :class:`ScoreRecord` per (video, question);
``captions.jsonl`` one :class:`CaptionRecord` per video; ``run.json`` one :class:`RunInfo`.
Readers validate every line and name the file and line of anything malformed.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from camerabench import __version__
from camerabench.errors import FileFormatError
from camerabench.fileio import read_json, read_jsonl, write_json, write_jsonl
from camerabench.taxonomy import Primitive

__all__ = [
    "SCHEMA_VERSION",
    "CaptionRecord",
    "RunInfo",
    "ScoreRecord",
    "Status",
    "config_hash",
    "git_commit",
    "now_iso",
    "read_captions",
    "read_run_info",
    "read_scores",
    "write_captions",
    "write_run_info",
    "write_scores",
]

SCHEMA_VERSION = 1
Status = Literal["ok", "failed"]
_STATUSES = ("ok", "failed")


def _check_common(obj: dict[str, Any], kind: str) -> None:
    version = obj.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ValueError(f"{kind} schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
    if obj.get("status") not in _STATUSES:
        raise ValueError(f"status must be 'ok' or 'failed', got {obj.get('status')!r}")
    if not isinstance(obj.get("video"), str) or not obj["video"]:
        raise ValueError("video must be a non-empty string")


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
        if self.status == "ok":
            if self.score is None or not math.isfinite(self.score):
                raise ValueError(f"an ok score must be a finite number, got {self.score!r}")
        elif self.status == "failed":
            if self.score is not None:
                raise ValueError("a failed record carries no score")
            if not self.reason:
                raise ValueError("a failed record needs a reason")
        if self.primitive is not None:
            Primitive(self.primitive)  # raises ValueError for unknown names

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> ScoreRecord:
        _check_common(obj, "score record")
        score = obj.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise ValueError(f"score must be a number or null, got {score!r}")
        return cls(
            video=obj["video"],
            question=str(obj["question"]),
            method=str(obj["method"]),
            score=None if score is None else float(score),
            status=obj["status"],
            reason=obj.get("reason"),
            primitive=obj.get("primitive"),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def failed(cls, video: str, question: str, method: str, reason: str, primitive: str | None = None) -> ScoreRecord:
        return cls(video, question, method, None, "failed", reason, primitive)


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
        if self.status == "ok" and not isinstance(self.caption, str):
            raise ValueError("an ok caption record needs a caption string")
        if self.status == "failed" and not self.reason:
            raise ValueError("a failed record needs a reason")

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> CaptionRecord:
        _check_common(obj, "caption record")
        return cls(
            video=obj["video"],
            method=str(obj["method"]),
            caption=obj.get("caption"),
            status=obj["status"],
            reason=obj.get("reason"),
            question=obj.get("question", "Describe the camera movement in this video."),
            mode=obj.get("mode", "whole"),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(path: str | Path | None = None) -> str | None:
    """The git commit of the source tree camerabench runs from, or None outside a checkout."""
    where = Path(path) if path else Path(__file__).resolve().parent
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
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> RunInfo:
        if obj.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"run.json schema_version {obj.get('schema_version')!r} is not {SCHEMA_VERSION}")
        known = set(cls.__dataclass_fields__)
        unknown = set(obj) - known
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        return cls(**obj)


def read_scores(path: str | Path) -> list[ScoreRecord]:
    return read_jsonl(path, ScoreRecord.from_dict)


def write_scores(path: str | Path, records: list[ScoreRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_captions(path: str | Path) -> list[CaptionRecord]:
    return read_jsonl(path, CaptionRecord.from_dict)


def write_captions(path: str | Path, records: list[CaptionRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_run_info(path: str | Path) -> RunInfo:
    obj = read_json(path)
    if not isinstance(obj, dict):
        raise FileFormatError(path, "run.json must hold a JSON object")
    try:
        return RunInfo.from_dict(obj)
    except (TypeError, ValueError) as exc:
        raise FileFormatError(path, str(exc)) from exc


def write_run_info(path: str | Path, info: RunInfo) -> None:
    write_json(path, info.to_dict())
