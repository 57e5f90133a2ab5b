"""Binary tasks: per-video tri-state labels -> CameraBench ``binary_classification`` records.

Pure functions; reading and writing the files lives in :mod:`camerabench.labelfiles`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Literal

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
        for prim in Primitive:
            value = per_prim.get(prim)
            if value is not None:
                out[prim].append(BinaryRecord.make(video, prim, bool(value)))
    return out


def labels_from_binary_records(records: Iterable[BinaryRecord]) -> dict[str, dict[Primitive, bool]]:
    """Invert :func:`binary_records`: video -> primitive -> label (ambiguous ones absent)."""
    out: dict[str, dict[Primitive, bool]] = {}
    for rec in records:
        out.setdefault(rec.image, {})[rec.primitive] = rec.positive
    return out
