"""Geometric methods answer ShotBench-style camera-movement questions from their motion scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.baselines.geometry.predictor import choose_option
from camerabench.baselines.registry import get_predictor
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive

# The option text ShotBench-style tables use for each primitive.
WORDING = {
    Primitive.MOVE_IN: "Push in",
    Primitive.MOVE_OUT: "Pull out",
    Primitive.MOVE_UP: "Pedestal up",
    Primitive.MOVE_DOWN: "Pedestal down",
    Primitive.MOVE_LEFT: "Truck left",
    Primitive.MOVE_RIGHT: "Truck right",
    Primitive.PAN_LEFT: "Pan left",
    Primitive.PAN_RIGHT: "Pan right",
    Primitive.TILT_UP: "Tilt up",
    Primitive.TILT_DOWN: "Tilt down",
    Primitive.ROLL_CLOCKWISE: "Roll clockwise",
    Primitive.ROLL_COUNTERCLOCKWISE: "Roll counterclockwise",
    Primitive.ZOOM_IN: "Zoom in",
    Primitive.ZOOM_OUT: "Zoom out",
    Primitive.STATIC: "Static shot",
}


def _row(index: int, video: str, truth: Primitive) -> MCQRow:
    """Four options: the truth, its opposite, its confusable partner and a static shot (when distinct)."""
    others = [truth.opposite, *truth.confusable, Primitive.STATIC, Primitive.PAN_LEFT, Primitive.TILT_UP]
    chosen = [truth, *[p for p in dict.fromkeys(others) if p is not None and p is not truth][:3]]
    chosen.sort(key=lambda p: (index * 7 + list(Primitive).index(p)) % 5)  # the right letter moves around
    options = {letter: WORDING[p] for letter, p in zip("ABCD", chosen, strict=False)}
    answer = next(letter for letter, text in options.items() if text == WORDING[truth])
    return MCQRow(str(index), "synth", ("video",), (f"videos/{video}",), "How does the camera move?", options,
                  answer, "camera movement", index + 2)  # fmt: skip


def test_every_option_wording_names_its_primitive() -> None:
    scores = {p: 0.0 for p in Primitive}
    for prim, text in WORDING.items():
        assert choose_option({"A": "Handheld", "B": text}, scores | {prim: 1.0}) == "B"


@pytest.mark.slow
def test_fast_answers_the_clean_single_motion_clips(synth_dataset: Path) -> None:
    manifest = json.loads((synth_dataset / "manifest.json").read_text())
    predictor = get_predictor("fast")
    predictor.setup()
    wrong = []
    asked = 0
    for i, clip in enumerate(manifest["clips"]):
        moves = clip["motion"]["moves"]
        truth = Primitive(moves[0]["primitive"]) if len(moves) == 1 else Primitive.STATIC if not moves else None
        if truth is None or clip["motion"]["minor"]:
            continue
        row = _row(i, clip["video"], truth)
        reply = predictor.answer(row, row.media(synth_dataset))
        asked += 1
        if reply != row.answer:
            wrong.append((clip["video"], row.options, reply, row.answer))
    assert asked >= 14
    assert not wrong, wrong


def test_rows_outside_camera_movement_are_not_answered(tmp_path: Path) -> None:
    predictor = get_predictor("fast")
    row = MCQRow("0", "t", ("image",), ("image/a.jpg",), "What is the shot size?", {"A": "Wide", "B": "Close-up"},
                 "A", "shot size", 2)  # fmt: skip
    assert predictor.answer(row, row.media(tmp_path)) is None
