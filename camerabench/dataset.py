"""A dataset folder (design.md A3): videos, public-format labels, optional ground truth.

```
DATA/videos/<video>.mp4
DATA/labels/binary_classification/<Primitive>.jsonl
DATA/labels/vqa_and_retrieval/<skill>/<task>.jsonl
DATA/labels/caption_data.json
DATA/labels/shotbench/<name>.tsv|.xlsx  (ShotBench multiple-choice tables; media paths relative to DATA)
DATA/gt/<video>.npz, DATA/gt/<video>.txt     (synthetic only)
DATA/manifest.json                           (synthetic only)
```

Labels are parsed on first use and cached; :meth:`Dataset.validate` parses every label file
and the manifest at once, so a job can refuse a broken dataset before it touches a video.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camerabench.errors import FileFormatError
from camerabench.fileio import JsonDocument, read_json_document
from camerabench.labelfiles import (
    CAPTION_QUESTION,
    CaptionItem,
    VQAPair,
    check_video_name,
    read_binary_dir,
    read_caption_file,
    read_vqa_dir,
)
from camerabench.runfolder import video_file_stem
from camerabench.shotbench import MCQRow, read_mcq_dir
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

    def _labels(self, name: str) -> Path | None:
        """``labels/<name>`` when it exists (None when it does not); ``labels`` must be a folder."""
        if self.labels_dir.exists() and not self.labels_dir.is_dir():
            raise FileFormatError(self.labels_dir, "is a file, not a folder")
        path = self.labels_dir / name
        return path if path.exists() or path.is_symlink() else None

    @functools.cached_property
    def binary(self) -> dict[Primitive, list[BinaryRecord]]:
        folder = self._labels("binary_classification")
        return read_binary_dir(folder) if folder is not None else {}

    @functools.cached_property
    def vqa(self) -> dict[tuple[str, str], list[VQAPair]]:
        folder = self._labels("vqa_and_retrieval")
        return read_vqa_dir(folder) if folder is not None else {}

    @functools.cached_property
    def captions(self) -> list[CaptionItem]:
        path = self._labels("caption_data.json")
        return read_caption_file(path) if path is not None else []

    @functools.cached_property
    def mcq(self) -> dict[str, list[MCQRow]]:
        """ShotBench-format tables in ``labels/shotbench/`` by file stem (media checked to exist)."""
        folder = self._labels("shotbench")
        return read_mcq_dir(folder, data_root=self.root) if folder is not None else {}

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json`` (empty when absent), checked: an object whose ``clips`` list names videos."""
        if not (self.manifest_path.exists() or self.manifest_path.is_symlink()):
            return {}
        doc = read_json_document(self.manifest_path)
        _check_manifest(doc)
        data: dict[str, Any] = doc.value
        return data

    def validate(self) -> None:
        """Parse every label file and the manifest now (they are cached for later use).

        Raises:
            FileFormatError: the first problem found, naming the file and line.
        """
        if self.videos_dir.exists() and not self.videos_dir.is_dir():
            raise FileFormatError(self.videos_dir, "is a file, not a folder")
        _ = self.binary, self.vqa, self.captions, self.mcq, self.manifest

    def videos(self) -> list[str]:
        """Every video named by a label file or present in ``videos/`` (subfolders included, as
        ``sub/clip.mp4``; hidden files and folders left out), sorted."""
        names: set[str] = set()
        if self.videos_dir.is_dir():
            for path in self.videos_dir.rglob("*"):
                relative = path.relative_to(self.videos_dir)
                if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                    names.add(relative.as_posix())
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
        """Ground truth ``gt/<name>.npz`` if present, else None (``<name>``: :func:`video_file_stem`)."""
        path = self.gt_dir / f"{video_file_stem(video)}.npz"
        return load_npz(path) if path.is_file() else None


def _knob_value(value: Any) -> bool:
    """Whether a knob value is one the per-knob evaluation reads right (it tests truth): a
    boolean, null or a finite number; not a string ("false" would count as on) nor NaN."""
    if value is None or isinstance(value, bool):
        return True
    return isinstance(value, int | float) and math.isfinite(value)


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_manifest(doc: JsonDocument) -> None:
    """A manifest is an object; its ``clips``, when present, a list of objects each naming a
    different video.

    A clip's ``knobs`` (when present) is an object of booleans (null or finite numbers
    accepted) and its ``failure_mode`` a string or null: the per-knob evaluation reads them.
    """
    if not isinstance(doc.value, dict):
        raise doc.error(f"the manifest must hold a JSON object, got {type(doc.value).__name__}")
    if "clips" not in doc.value:
        return
    clips = doc.value["clips"]
    if not isinstance(clips, list):
        raise doc.error(f"'clips' must be a list, got {type(clips).__name__}", "clips")
    first: dict[str, int] = {}
    for i, clip in enumerate(clips):
        if not isinstance(clip, dict):
            raise doc.error(f"clips[{i}] must be an object, got {type(clip).__name__}", "clips", i)
        try:
            video = check_video_name(clip.get("video"), f"clips[{i}].video")
        except ValueError as exc:
            raise doc.error(str(exc), "clips", i) from exc
        if video in first:
            raise doc.error(f"clips[{i}] repeats the video {video!r} of clips[{first[video]}]", "clips", i)
        first[video] = i
        knobs = clip.get("knobs")
        if knobs is not None and not isinstance(knobs, dict):
            raise doc.error(f"clips[{i}].knobs must be an object, got {type(knobs).__name__}", "clips", i, "knobs")
        for name, value in (knobs or {}).items():
            if not _knob_value(value):
                raise doc.error(
                    f"clips[{i}].knobs[{name!r}] must be true or false, got {_show(value)}", "clips", i, "knobs", name
                )
        mode = clip.get("failure_mode")
        if mode is not None and not isinstance(mode, str):
            raise doc.error(
                f"clips[{i}].failure_mode must be a string or null, got {type(mode).__name__}",
                "clips",
                i,
                "failure_mode",
            )
