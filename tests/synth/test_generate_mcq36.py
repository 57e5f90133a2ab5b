"""Round 36: ``camerabench synth`` counts the clips its ShotBench-style MCQ tables leave out.

A clip without exactly one clear-yes primitive, or without three clear-no distractors, got no
camera-movement row, and a clip whose shot classes are not steady got no shot row: both were
dropped silently (and a table no clip had a row in was silently not written). The generator now
logs one summary line and records per table, in ``manifest.json``'s ``mcq_coverage``, how many
clips have rows and, per reason, which do not.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.dataset import Dataset
from camerabench.synth import generate as gen
from camerabench.synth.mcq import MCQ_TABLE, SHOT_TABLE, ShotGeometry, shot_rows
from camerabench.synth.presets import preset_specs
from camerabench.synth.specs import ClipSpec

SIZE = (32, 20)
FPS = 2.0


def _specs(*names: str) -> list[ClipSpec]:
    """Specs of the standard and hard presets by name (both presets' names are distinct)."""
    by_name = {s.name: s for preset in ("standard", "hard") for s in preset_specs(preset, size=SIZE)}
    return [by_name[n] for n in names]


def _generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> tuple[Path, dict[str, Any]]:
    specs = _specs(*names)
    monkeypatch.setattr(gen, "preset_specs", lambda *args, **kwargs: specs)
    out = gen.generate_dataset(tmp_path / "d", size=SIZE, fps=FPS, workers=1)
    return out, json.loads((out / "manifest.json").read_text())


def test_clips_without_a_movement_row_are_counted_by_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_textures: None, caplog: pytest.LogCaptureFixture
) -> None:
    # static: one row; static_shaky: no clear yes; pan_left+move_in: two clear yes;
    # handheld_shake_pan_right: one clear yes (Pan_Right) but a single clear no
    with caplog.at_level(logging.INFO, logger=gen.__name__):
        out, manifest = _generate(
            tmp_path, monkeypatch, "static", "static_shaky", "pan_left+move_in", "handheld_shake_pan_right"
        )
    cov = manifest["mcq_coverage"][MCQ_TABLE]
    assert (cov["written"], cov["rows"], cov["clips"], cov["clips_with_rows"], cov["clips_without_rows"]) == (
        True,
        1,
        4,
        1,
        3,
    )
    assert cov["without_rows"] == {
        gen.NO_CLEAR_YES: {"count": 1, "videos": ["synth_001_static_shaky.mp4"]},
        gen.SEVERAL_CLEAR_YES: {"count": 1, "videos": ["synth_002_pan_left_and_move_in.mp4"]},
        gen.FEW_DISTRACTORS: {"count": 1, "videos": ["synth_003_handheld_shake_pan_right.mp4"]},
    }
    ds = Dataset(out)
    ds.validate()  # the dataset reader tolerates the new manifest key
    assert ds.manifest["mcq_coverage"] == manifest["mcq_coverage"]
    table = ds.mcq[MCQ_TABLE]
    assert [r.paths for r in table] == [("videos/synth_000_static.mp4",)]
    shot = manifest["mcq_coverage"][SHOT_TABLE]
    assert shot["rows"] == len(ds.mcq[SHOT_TABLE])
    assert set(shot["categories"]) == {"lens size", "camera angle", "shot size", "composition"}
    lines = [r.getMessage() for r in caplog.records if "ShotBench-style MCQ tables" in r.getMessage()]
    assert len(lines) == 1
    assert f"{MCQ_TABLE}: 1 row(s) for 1/4 clips (3 without a row: " in lines[0]
    assert f"{gen.NO_CLEAR_YES} (1)" in lines[0] and f"{gen.FEW_DISTRACTORS} (1)" in lines[0]


def test_no_clip_with_a_movement_row_is_said_and_the_table_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_textures: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=gen.__name__):
        out, manifest = _generate(tmp_path, monkeypatch, "static_shaky", "pan_left+move_in")
    assert not (out / "labels" / "shotbench" / f"{MCQ_TABLE}.tsv").exists()
    cov = manifest["mcq_coverage"][MCQ_TABLE]
    assert (cov["written"], cov["rows"], cov["clips_with_rows"], cov["clips_without_rows"]) == (False, 0, 0, 2)
    assert {k: v["count"] for k, v in cov["without_rows"].items()} == {gen.NO_CLEAR_YES: 1, gen.SEVERAL_CLEAR_YES: 1}
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "MCQ tables" in r.getMessage()]
    assert len(warned) == 1
    assert f"{MCQ_TABLE}: no clip of 2 has a row" in warned[0].getMessage()
    assert "the table is not written" in warned[0].getMessage()
    assert MCQ_TABLE not in Dataset(out).mcq


def test_shot_coverage_per_category_and_reason() -> None:
    steady = ShotGeometry("a.mp4", (28.0, 28.0, 28.0), (0.0, 1.0, 0.0))  # lens size and camera angle rows
    # 34 mm is within the margin of the wide / medium boundary, 10 degrees between eye level and angled
    between = ShotGeometry("b.mp4", (34.0, 34.0, 34.0), (10.0, 10.0, 10.0))
    # a subject in view whose shot size and composition fall between classes
    gaps = ShotGeometry("c.mp4", (34.0,) * 3, (10.0,) * 3, (0.9, 0.9, 0.9), (0.5, 0.5, 0.5), (0.58, 0.58, 0.58))
    shots = [steady, between, gaps]
    rows = shot_rows(shots, seed=0)
    cov = gen._shot_coverage(shots, rows)
    assert (cov["written"], cov["rows"], cov["clips_with_rows"], cov["clips_without_rows"]) == (True, 2, 1, 2)
    assert cov["without_rows"] == {gen.NO_CATEGORY: {"count": 2, "videos": ["b.mp4", "c.mp4"]}}
    cats = cov["categories"]
    assert cats["lens size"]["without_rows"] == {gen.NO_STEADY_CLASS: {"count": 2, "videos": ["b.mp4", "c.mp4"]}}
    assert cats["shot size"]["without_rows"] == {
        gen.NO_STEADY_CLASS: {"count": 1, "videos": ["c.mp4"]},
        gen.NO_SUBJECT: {"count": 2, "videos": ["a.mp4", "b.mp4"]},
    }
    assert cats["composition"]["clips_with_rows"] == 0 and cats["camera angle"]["rows"] == 1

    none = gen._shot_coverage([between], shot_rows([between], seed=0))
    assert (none["written"], none["rows"], none["clips_without_rows"]) == (False, 0, 1)


def test_one_summary_line_names_every_table(caplog: pytest.LogCaptureFixture) -> None:
    full = gen._coverage(3, {}, 3)
    empty = gen._coverage(2, {gen.NO_CATEGORY: ["a.mp4", "b.mp4"]}, 0)
    with caplog.at_level(logging.INFO, logger=gen.__name__):
        gen._log_coverage({MCQ_TABLE: full, SHOT_TABLE: empty})
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert f"{MCQ_TABLE}: 3 row(s) for all 3 clips" in record.getMessage()
    assert f"{SHOT_TABLE}: no clip of 2 has a row ({gen.NO_CATEGORY} (2))" in record.getMessage()
