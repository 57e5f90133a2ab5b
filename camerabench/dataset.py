"""A dataset folder (design.md A3): videos, public-format labels, optional ground truth.

```
DATA/videos/<video>.mp4
DATA/labels/binary_classification/<Primitive>.jsonl
DATA/labels/vqa_and_retrieval/<skill>/<task>.jsonl
DATA/labels/caption_data.json
DATA/gt/<video>.npz, DATA/gt/<video>.txt     (synthetic only)
DATA/manifest.json                           (synthetic only)
```
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camerabench.errors import FileFormatError
from camerabench.fileio import read_json
from camerabench.labelfiles import (
    CAPTION_QUESTION,
    CaptionItem,
    VQAPair,
    read_binary_dir,
    read_caption_file,
    read_vqa_dir,
)
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import load_npz

__all__ = ["Dataset", "Question"]


@dataclass(frozen=True, order=True)
class Question:
    """A question to score on a video; ``primitive`` is set for the 15 binary questions."""

    text: str
    primitive: Primitive | None = None


class Dataset:
    """Read access to one dataset folder (labels are parsed once and cached)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileFormatError(self.root, "dataset folder not found")

    @property
    def videos_dir(self) -> Path:
        return self.root / "videos"

    @property
    def labels_dir(self) -> Path:
        return self.root / "labels"

    @property
    def gt_dir(self) -> Path:
        return self.root / "gt"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def video_path(self, video: str) -> Path:
        return self.videos_dir / video

    @functools.cached_property
    def binary(self) -> dict[Primitive, list[BinaryRecord]]:
        folder = self.labels_dir / "binary_classification"
        return read_binary_dir(folder) if folder.is_dir() else {}

    @functools.cached_property
    def vqa(self) -> dict[tuple[str, str], list[VQAPair]]:
        folder = self.labels_dir / "vqa_and_retrieval"
        return read_vqa_dir(folder) if folder.is_dir() else {}

    @functools.cached_property
    def captions(self) -> list[CaptionItem]:
        path = self.labels_dir / "caption_data.json"
        return read_caption_file(path) if path.is_file() else []

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        if not self.manifest_path.is_file():
            return {}
        data = read_json(self.manifest_path)
        if not isinstance(data, dict):
            raise FileFormatError(self.manifest_path, "manifest must be a JSON object")
        return data

    def videos(self) -> list[str]:
        """Every video named by a label file or present in ``videos/``, sorted."""
        names: set[str] = set()
        if self.videos_dir.is_dir():
            names |= {p.name for p in self.videos_dir.iterdir() if p.is_file() and not p.name.startswith(".")}
        for recs in self.binary.values():
            names |= {r.image for r in recs}
        for pairs in self.vqa.values():
            for pair in pairs:
                names |= set(pair.images)
        names |= {c.video for c in self.captions}
        return sorted(names)

    def questions(self) -> dict[str, list[Question]]:
        """Video -> the distinct questions its labels ask (binary and VQA), sorted.

        Videos with no labelled question get the 15 binary questions, so every video in
        ``videos/`` is scored.
        """
        out: dict[str, set[Question]] = {v: set() for v in self.videos()}
        for prim, recs in self.binary.items():
            for r in recs:
                out[r.image].add(Question(prim.question, prim))
        for pairs in self.vqa.values():
            for pair in pairs:
                for video, text, _ in pair.cells:
                    out[video].add(Question(text, Primitive.from_question(text)))
        default = {Question(p.question, p) for p in Primitive}
        return {v: sorted(qs or default, key=lambda q: q.text) for v, qs in out.items()}

    def caption_question(self) -> str:
        return self.captions[0].question if self.captions else CAPTION_QUESTION

    def gt_trajectory(self, video: str) -> Trajectory | None:
        """Ground truth ``gt/<stem>.npz`` if present, else None."""
        path = self.gt_dir / f"{Path(video).stem}.npz"
        return load_npz(path) if path.is_file() else None
