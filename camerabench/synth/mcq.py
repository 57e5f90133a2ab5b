"""ShotBench-style multiple-choice rows with exact answers, for the dimension the renderer defines.

Camera movement comes straight from the taxonomy: a clip gets a row when exactly one of the 15
primitives is a clear *yes* for it, and its three distractors are primitives that are a clear
*no* (its opposite and confusable partners first, then the static shot, then the rest in
taxonomy order), so every row has one right option. Option texts are the taxonomy's
``mcq_option`` wording (``Truck left``, ``Static shot``); the letters are shuffled by a seed.

Lens size, camera angle and shot size are left out: their answers would need ShotBench's exact
option vocabulary and thresholds, which are not published with the table.

Example:
    >>> rows = camera_movement_rows([("pan.mp4", {p: p is Primitive.PAN_LEFT for p in Primitive})], seed=0)
    >>> row = rows[0]
    >>> row.options[row.answer], len(row.options)
    ('Pan left', 4)
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive, TriState

__all__ = ["CAMERA_MOVEMENT_QUESTION", "MCQ_TABLE", "camera_movement_rows"]

#: File stem of the table ``synth`` writes (``labels/shotbench/<stem>.tsv``).
MCQ_TABLE = "synth_camera_movement"
CAMERA_MOVEMENT_QUESTION = "Which camera movement does this video show?"
_OPTIONS = 4


def _distractors(truth: Primitive, labels: Mapping[Primitive, TriState]) -> list[Primitive]:
    preferred = [truth.opposite, *truth.confusable, Primitive.STATIC, *Primitive]
    ordered = [p for p in dict.fromkeys(preferred) if p is not None and p is not truth]
    return [p for p in ordered if labels.get(p) is False][: _OPTIONS - 1]


def camera_movement_rows(clips: Sequence[tuple[str, Mapping[Primitive, TriState]]], seed: int) -> list[MCQRow]:
    """One row per clip with exactly one clear-yes primitive and enough clear-no distractors.

    Args:
        clips: (video file name inside ``videos/``, tri-state labels) per clip.
        seed: shuffles the option letters (the same seed gives the same table).
    """
    rows: list[MCQRow] = []
    for video, labels in clips:
        yes = [p for p in Primitive if labels.get(p) is True]
        if len(yes) != 1:
            continue
        truth = yes[0]
        distractors = _distractors(truth, labels)
        if len(distractors) < _OPTIONS - 1:
            continue
        choices = [truth, *distractors]
        random.Random(f"{seed}:{video}").shuffle(choices)
        letters = "ABCDEFGHIJ"[: len(choices)]
        options = {letter: p.mcq_option for letter, p in zip(letters, choices, strict=True)}
        answer = letters[choices.index(truth)]
        index = str(len(rows))
        media = (f"videos/{video}",)
        line = len(rows) + 2
        rows.append(
            MCQRow(
                index, MCQ_TABLE, ("video",), media, CAMERA_MOVEMENT_QUESTION, options, answer, "camera movement", line
            )
        )
    return rows
