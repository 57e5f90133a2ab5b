"""Readers and writers for the three public CameraBench label formats.

- ``binary_classification/<Primitive>.jsonl``: :class:`~camerabench.taxonomy.BinaryRecord`
- ``vqa_and_retrieval/<skill>/<task>.jsonl``: :class:`VQAPair`
- ``caption_data.json``: :class:`CaptionItem`

Writing a file that was read reproduces it line for line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from camerabench.errors import FileFormatError
from camerabench.fileio import atomic_write_text, read_json, read_jsonl, write_jsonl
from camerabench.taxonomy import BinaryRecord, Primitive

__all__ = [
    "CAPTION_QUESTION",
    "CaptionItem",
    "VQAPair",
    "read_binary_dir",
    "read_binary_file",
    "read_caption_file",
    "read_vqa_dir",
    "read_vqa_file",
    "write_binary_file",
    "write_caption_file",
    "write_vqa_file",
]

CAPTION_QUESTION = "Describe the camera movement in this video."

_BINARY_FIELDS = ("image", "question", "label", "task", "label_name")


def _parse_binary(obj: dict[str, Any]) -> BinaryRecord:
    missing = [f for f in _BINARY_FIELDS if f not in obj]
    if missing:
        raise ValueError(f"missing field(s) {missing}")
    extra = sorted(set(obj) - set(_BINARY_FIELDS))
    if extra:
        raise ValueError(f"unexpected field(s) {extra}")
    if obj["label"] not in ("Yes", "No"):
        raise ValueError(f"label must be 'Yes' or 'No', got {obj['label']!r}")
    for f in _BINARY_FIELDS:
        if not isinstance(obj[f], str):
            raise ValueError(f"field {f!r} must be a string")
    rec = BinaryRecord(**{f: obj[f] for f in _BINARY_FIELDS})
    try:
        prim = Primitive.from_name(rec.task)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from exc
    if rec.question != prim.question:
        raise ValueError(f"question {rec.question!r} is not the {prim.task} question {prim.question!r}")
    return rec


def read_binary_file(path: str | Path) -> list[BinaryRecord]:
    """All records of one binary-classification file, in file order, validated."""
    path = Path(path)
    recs = read_jsonl(path, _parse_binary)
    tasks = {r.task for r in recs}
    if len(tasks) > 1:
        raise FileFormatError(path, f"one file must hold one task, found {sorted(tasks)}")
    return recs


def write_binary_file(path: str | Path, records: list[BinaryRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_binary_dir(folder: str | Path) -> dict[Primitive, list[BinaryRecord]]:
    """Every ``<Primitive>.jsonl`` present in a folder (absent primitives are absent keys).

    Raises:
        FileFormatError: a ``.jsonl`` file whose name is not a primitive, or whose records
            belong to another primitive.
    """
    folder = Path(folder)
    out: dict[Primitive, list[BinaryRecord]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        try:
            prim = Primitive(path.stem)
        except ValueError as exc:
            raise FileFormatError(path, f"{path.stem!r} is not a primitive file name") from exc
        recs = read_binary_file(path)
        if recs and recs[0].primitive is not prim:
            raise FileFormatError(path, f"file holds {recs[0].task} records, not {prim.task}")
        out[prim] = recs
    return {p: out[p] for p in Primitive if p in out}


@dataclass(frozen=True)
class VQAPair:
    """One Winoground-style pair: a positive and a negative (video, question).

    The positive question is answered *Yes* on the positive video and *No* on the negative
    video; the negative question the other way round.
    """

    skill: str
    task: str
    images: tuple[str, str]
    texts: tuple[str, str]
    pos_video: str
    neg_video: str
    pos_text: str
    neg_text: str
    pos_question: str
    neg_question: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["images"], d["texts"] = list(self.images), list(self.texts)
        return d

    @property
    def cells(self) -> list[tuple[str, str, bool]]:
        """The 4 (video, question, expected answer) cells."""
        return [
            (self.pos_video, self.pos_question, True),
            (self.neg_video, self.pos_question, False),
            (self.neg_video, self.neg_question, True),
            (self.pos_video, self.neg_question, False),
        ]


_VQA_FIELDS = tuple(VQAPair.__dataclass_fields__)


def _parse_vqa(obj: dict[str, Any]) -> VQAPair:
    missing = [f for f in _VQA_FIELDS if f not in obj]
    if missing:
        raise ValueError(f"missing field(s) {missing}")
    for f in ("images", "texts"):
        if not (isinstance(obj[f], list) and len(obj[f]) == 2):
            raise ValueError(f"{f!r} must be a list of two strings")
    pair = VQAPair(**{**obj, "images": tuple(obj["images"]), "texts": tuple(obj["texts"])})
    if pair.images != (pair.pos_video, pair.neg_video):
        raise ValueError("images must be [pos_video, neg_video]")
    if pair.texts != (pair.pos_text, pair.neg_text):
        raise ValueError("texts must be [pos_text, neg_text]")
    return pair


def read_vqa_file(path: str | Path) -> list[VQAPair]:
    return read_jsonl(path, _parse_vqa)


def write_vqa_file(path: str | Path, pairs: list[VQAPair]) -> None:
    write_jsonl(path, (p.to_dict() for p in pairs))


def read_vqa_dir(folder: str | Path) -> dict[tuple[str, str], list[VQAPair]]:
    """``(skill folder, task file stem)`` -> pairs, for every ``<skill>/<task>.jsonl``."""
    folder = Path(folder)
    return {(p.parent.name, p.stem): read_vqa_file(p) for p in sorted(folder.glob("*/*.jsonl"))}


@dataclass(frozen=True)
class CaptionItem:
    video: str
    question: str
    answer: str


def read_caption_file(path: str | Path) -> list[CaptionItem]:
    """Items of ``caption_data.json`` (a JSON list of {video, question, answer})."""
    data = read_json(path)
    if not isinstance(data, list):
        raise FileFormatError(path, "caption_data.json must hold a JSON list")
    items = []
    for i, obj in enumerate(data):
        if not isinstance(obj, dict) or set(obj) != {"video", "question", "answer"}:
            raise FileFormatError(path, f"item {i} must be an object with keys video, question, answer")
        items.append(CaptionItem(str(obj["video"]), str(obj["question"]), str(obj["answer"])))
    return items


def write_caption_file(path: str | Path, items: list[CaptionItem]) -> None:
    """Write in the public layout (a JSON list, 4-space indent)."""
    import json

    atomic_write_text(path, json.dumps([asdict(i) for i in items], indent=4))
