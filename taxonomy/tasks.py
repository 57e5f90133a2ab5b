"""Binary tasks: per-video tri-state labels -> CameraBench ``binary_classification`` records.

Pure functions; reading and writing the files lives in :mod:`camerabench.labelfiles`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from camerabench.taxonomy.primitives import Primitive

__all__ = ["BinaryRecord", "binary_records", "labels_from_binary_records"]


@dataclass(frozen=True)
class BinaryRecord:
    """One line of a public ``binary_classification/<Primitive>.jsonl`` file (field order kept)."""

    image: str
    question: str
    label: Literal["Yes", "No"]
    task: str
    label_name: str

    def __post_init__(self) -> None:
        if self.label not in ("Yes", "No"):
            # anything else (``"yes"``, True) read as a negative
            raise ValueError(f"label must be 'Yes' or 'No', got {self.label!r}")

    @property
    def primitive(self) -> Primitive:
        return Primitive.from_name(self.task)

    @property
    def positive(self) -> bool:
        return self.label == "Yes"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def make(cls, video: str, primitive: Primitive, label: bool) -> BinaryRecord:
        return cls(
            image=video,
            question=primitive.question,
            label="Yes" if label else "No",
            task=primitive.task,
            label_name=primitive.label_name,
        )


def binary_records(
    labels: Mapping[str, Mapping[Primitive, bool | None]],
) -> dict[Primitive, list[BinaryRecord]]:
    """Build the 15 binary task files from per-video labels.

    Args:
        labels: video file name -> primitive -> True / False / None. Videos keep the mapping's
            order; None (ambiguous) and missing primitives are left out.

    Returns:
        One list per primitive, in :class:`Primitive` order (a list may be empty).

    Example:
        >>> recs = binary_records({"a.mp4": {Primitive.PAN_LEFT: True, Primitive.PAN_RIGHT: None}})
        >>> [r.label for r in recs[Primitive.PAN_LEFT]], recs[Primitive.PAN_RIGHT]
        (['Yes'], [])
    """
    out: dict[Primitive, list[BinaryRecord]] = {p: [] for p in Primitive}
    for video, per_prim in labels.items():
        if not isinstance(per_prim, Mapping):
            # a list or a bare label stopped the build with "'list' object has no attribute 'items'"
            raise ValueError(f"{video}: labels must map Primitive -> True / False / None, got {per_prim!r}")
        for key, value in per_prim.items():
            # a key by name ("Pan_Left") was never looked up, so its label was left out; a value
            # outside the tri-state ("False", NaN, 2) became "Yes" through bool()
            if not isinstance(key, Primitive):
                raise ValueError(f"{video}: labels are keyed by Primitive members, got {key!r}")
            if value is not None and not isinstance(value, bool | np.bool_):
                raise ValueError(f"{video}: label of {key.value} must be True, False or None, got {value!r}")
        for prim in Primitive:
            value = per_prim.get(prim)
            if value is not None:
                out[prim].append(BinaryRecord.make(video, prim, bool(value)))
    return out


def labels_from_binary_records(records: Iterable[BinaryRecord]) -> dict[str, dict[Primitive, bool]]:
    """Invert :func:`binary_records`: video -> primitive -> label (ambiguous ones absent)."""
    out: dict[str, dict[Primitive, bool]] = {}
    for rec in records:
        per_video = out.setdefault(rec.image, {})
        prim = rec.primitive
        if per_video.get(prim, rec.positive) != rec.positive:
            # the later record silently won
            raise ValueError(f"{rec.image}: {prim.value} is labelled both Yes and No")
        per_video[prim] = rec.positive
    return out
