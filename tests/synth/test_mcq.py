"""Synthetic ShotBench-style camera-movement rows: one right option, read back through the dataset."""

from __future__ import annotations

from pathlib import Path

from camerabench.dataset import Dataset
from camerabench.synth.mcq import MCQ_TABLE, camera_movement_rows
from camerabench.taxonomy import Primitive, primitives_named


def test_every_row_has_exactly_one_option_that_is_a_clear_yes(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    rows = ds.mcq[MCQ_TABLE]
    labels = {p: {r.image: r.positive for r in recs} for p, recs in ds.binary.items()}
    assert len(rows) >= 15  # static and every primitive alone, in both directions
    for row in rows:
        video = Path(row.paths[0]).name
        assert row.media(standard_tiny)[0].is_file()
        named = {letter: primitives_named(text) for letter, text in row.options.items()}
        assert all(len(ps) == 1 for ps in named.values()), row.options
        truths = [letter for letter, ps in named.items() if labels[ps[0]].get(video) is True]
        falses = [letter for letter, ps in named.items() if labels[ps[0]].get(video) is False]
        assert truths == [row.answer] and len(falses) == len(row.options) - 1, (video, row.options)


def test_clips_with_several_or_no_clear_motions_get_no_row() -> None:
    none = {p: None for p in Primitive}
    two = {p: p in (Primitive.PAN_LEFT, Primitive.MOVE_IN) or None for p in Primitive}
    one = {p: p is Primitive.TILT_UP for p in Primitive}
    rows = camera_movement_rows([("a.mp4", none), ("b.mp4", two), ("c.mp4", one)], seed=3)
    assert [r.paths for r in rows] == [("videos/c.mp4",)]
    assert rows[0].options[rows[0].answer] == "Tilt up"
    again = camera_movement_rows([("c.mp4", one)], seed=3)
    assert again[0].options == rows[0].options  # the seed fixes the letters
