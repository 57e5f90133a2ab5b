"""Round 36: the MCQ row writers say why they skip a clip, and the report says what the tables cover.

``synth``'s ``manifest.json`` ``mcq_coverage`` re-derived the reasons a clip has no row from its
labels, beside the criteria of :mod:`camerabench.synth.mcq` (a hand-made shot geometry with a
visible fraction but no height got "no steady class" although ``shot_rows`` skips it for its
missing subject). The writers now return their skips (``*_rows_and_skips``) and the manifest
records them; ``camerabench report`` says under its MCQ table how many clips each table covers.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.report import write_report
from camerabench.eval.results import CategoryAccuracy, EvaluationResult, MCQResult, MethodResult
from camerabench.synth import generate as gen
from camerabench.synth import mcq
from camerabench.synth.mcq import (
    FEW_DISTRACTORS,
    MCQ_TABLE,
    NO_CATEGORY,
    NO_CLEAR_YES,
    NO_STEADY_CLASS,
    NO_SUBJECT,
    SEVERAL_CLEAR_YES,
    SHOT_QUESTIONS,
    SHOT_TABLE,
    ShotGeometry,
    camera_movement_rows,
    camera_movement_rows_and_skips,
    shot_rows,
    shot_rows_and_skips,
)
from camerabench.taxonomy import Primitive

# --------------------------------------------------------------------------- the writers' skips


def _only(*yes: Primitive, no: tuple[Primitive, ...] | None = None) -> dict[Primitive, bool | None]:
    """Labels: ``yes`` clear yes, ``no`` clear no (default: every other primitive), the rest unknown."""
    nos = set(Primitive) - set(yes) if no is None else set(no)
    return {p: True if p in yes else False if p in nos else None for p in Primitive}


MOVEMENT_CLIPS = [
    ("pan.mp4", _only(Primitive.PAN_LEFT)),
    ("still.mp4", {}),
    ("two.mp4", _only(Primitive.PAN_LEFT, Primitive.TILT_UP)),
    ("few.mp4", _only(Primitive.PAN_RIGHT, no=(Primitive.PAN_LEFT,))),
]


def test_movement_skips_name_each_clip_without_a_row_and_keep_the_rows() -> None:
    rows, skipped = camera_movement_rows_and_skips(MOVEMENT_CLIPS, seed=3)
    assert rows == camera_movement_rows(MOVEMENT_CLIPS, seed=3)  # the old function's rows, unchanged
    assert [r.paths for r in rows] == [("videos/pan.mp4",)]
    assert skipped == {"still.mp4": NO_CLEAR_YES, "two.mp4": SEVERAL_CLEAR_YES, "few.mp4": FEW_DISTRACTORS}
    assert list(skipped) == ["still.mp4", "two.mp4", "few.mp4"]  # in the clips' order


def test_generate_uses_the_writers_reasons() -> None:
    # one set of names: the manifest's reasons are mcq's constants, not copies
    for name in (
        "NO_CLEAR_YES",
        "SEVERAL_CLEAR_YES",
        "FEW_DISTRACTORS",
        "NO_SUBJECT",
        "NO_STEADY_CLASS",
        "NO_CATEGORY",
    ):
        assert getattr(gen, name) is getattr(mcq, name)
    clips = [SimpleNamespace(video=v) for v, _ in MOVEMENT_CLIPS]
    rows, skipped = camera_movement_rows_and_skips(MOVEMENT_CLIPS, seed=0)
    cov = gen._movement_coverage(clips, rows, skipped)  # type: ignore[arg-type]
    assert (cov["rows"], cov["clips_with_rows"], cov["clips_without_rows"]) == (1, 1, 3)
    assert cov["without_rows"][FEW_DISTRACTORS] == {"count": 1, "videos": ["few.mp4"]}


def test_generate_refuses_skips_that_do_not_match_the_rows() -> None:
    clips = [SimpleNamespace(video=v) for v, _ in MOVEMENT_CLIPS]
    rows, skipped = camera_movement_rows_and_skips(MOVEMENT_CLIPS, seed=0)
    with pytest.raises(CameraBenchError, match=r"with a row and skipped, or neither: \['still.mp4'\]"):
        gen._movement_coverage(clips, rows, {k: v for k, v in skipped.items() if k != "still.mp4"})  # type: ignore[arg-type]
    with pytest.raises(CameraBenchError, match=r"with a row and skipped.*\['pan.mp4'\]"):
        gen._movement_coverage(clips, rows, {**skipped, "pan.mp4": NO_CLEAR_YES})  # type: ignore[arg-type]
    with pytest.raises(CameraBenchError, match=r"skipped but not a clip: \['other.mp4'\]"):
        gen._movement_coverage(clips, rows, {**skipped, "other.mp4": NO_CLEAR_YES})  # type: ignore[arg-type]


def test_shot_skips_per_category() -> None:
    steady = ShotGeometry("a.mp4", (28.0,) * 3, (0.0, 1.0, 0.0), (1.0,) * 3, (0.5,) * 3, (0.5,) * 3)
    between = ShotGeometry("b.mp4", (34.0,) * 3, (10.0,) * 3)
    rows, skipped = shot_rows_and_skips([steady, between], seed=1)
    assert rows == shot_rows([steady, between], seed=1)
    assert list(skipped) == list(SHOT_QUESTIONS)
    assert {r.category for r in rows} == set(SHOT_QUESTIONS)  # a.mp4 has a row in every category
    assert skipped == {
        "lens size": {"b.mp4": NO_STEADY_CLASS},
        "camera angle": {"b.mp4": NO_STEADY_CLASS},
        "shot size": {"b.mp4": NO_SUBJECT},
        "composition": {"b.mp4": NO_SUBJECT},
    }


def test_a_subject_without_a_height_is_no_subject_for_the_shot_size() -> None:
    # shot_rows needs the visible fraction and the height for a shot size: without the height
    # it skips the clip for its subject (was recorded as "no class holds ... at every frame")
    g = ShotGeometry("c.mp4", (34.0,) * 3, (10.0,) * 3, (1.0,) * 3, None, (0.5,) * 3)
    rows, skipped = shot_rows_and_skips([g], seed=0)
    assert [r.category for r in rows] == ["composition"]
    assert skipped["shot size"] == {"c.mp4": NO_SUBJECT}
    cov = gen._shot_coverage([g], rows, skipped)
    assert cov["categories"]["shot size"]["without_rows"] == {NO_SUBJECT: {"count": 1, "videos": ["c.mp4"]}}
    assert gen._shot_coverage([g], rows) == cov  # the two-argument form asks shot_rows_and_skips itself
    assert (cov["clips_with_rows"], cov["without_rows"]) == (1, {})


def test_a_clip_with_no_row_in_any_category_is_counted_once() -> None:
    g = ShotGeometry("d.mp4", (34.0,) * 3, (10.0,) * 3)
    cov = gen._shot_coverage([g], *shot_rows_and_skips([g], seed=0))
    assert (cov["written"], cov["without_rows"]) == (False, {NO_CATEGORY: {"count": 1, "videos": ["d.mp4"]}})


# --------------------------------------------------------------------------- the report


def _mcq_result() -> MCQResult:
    return MCQResult({"camera movement": CategoryAccuracy(0.5, 4, 4, 2, 0, 0, 0)}, 0.5, 0.5, 4, 2, 0, 0, 0)


def _coverage() -> dict[str, Any]:
    clips = [SimpleNamespace(video=v) for v, _ in MOVEMENT_CLIPS]
    shots = [ShotGeometry(v, (28.0,) * 3, (0.0,) * 3) for v, _ in MOVEMENT_CLIPS]
    shots[1] = ShotGeometry("still.mp4", (34.0,) * 3, (10.0,) * 3)
    return {
        MCQ_TABLE: gen._movement_coverage(clips, *camera_movement_rows_and_skips(MOVEMENT_CLIPS, seed=0)),  # type: ignore[arg-type]
        SHOT_TABLE: gen._shot_coverage(shots, *shot_rows_and_skips(shots, seed=0)),
    }


def _dataset(tmp_path: Path, manifest: dict[str, Any] | None, text: str | None = None) -> Dataset:
    root = tmp_path / "data"
    root.mkdir()
    if manifest is not None or text is not None:
        (root / "manifest.json").write_text(text if text is not None else json.dumps(manifest, indent=1))
    return Dataset(root)


def _report(tmp_path: Path, dataset: Any, mcq_result: MCQResult | None = None) -> str:
    methods = {"m": MethodResult(mcq=mcq_result or _mcq_result())}
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    ev = Evaluation(result, dataset, {})
    return write_report("d", "r", tmp_path / "report", evaluation=ev, gallery=0).read_text(encoding="utf-8")


def test_report_says_how_many_clips_each_table_covers(tmp_path: Path) -> None:
    md = _report(tmp_path, _dataset(tmp_path, {"clips": [], "mcq_coverage": _coverage()}))
    section = md.split("## Multiple choice")[1]
    assert f"`{MCQ_TABLE}` covers 1 of 4 clips (1 row); 3 have no row: " in section
    assert f"{FEW_DISTRACTORS} (1), {NO_CLEAR_YES} (1), {SEVERAL_CLEAR_YES} (1)." in section
    assert (
        f"`{SHOT_TABLE}` covers 3 of 4 clips (6 rows; clips per category: lens size 3, camera angle 3, "
        f"shot size 0, composition 0); 1 has no row: {NO_CATEGORY} (1)." in section
    )
    assert section.index("| m |") < section.index("covers 1 of 4 clips")  # under the table
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert f"<code>{MCQ_TABLE}</code> covers 1 of 4 clips" in html


def test_report_says_a_table_no_clip_has_a_row_in_is_not_written(tmp_path: Path) -> None:
    clips = [SimpleNamespace(video="still.mp4")]
    cov = {MCQ_TABLE: gen._movement_coverage(clips, *camera_movement_rows_and_skips([("still.mp4", {})], seed=0))}  # type: ignore[arg-type]
    md = _report(tmp_path, _dataset(tmp_path, {"mcq_coverage": cov}))
    assert f"`{MCQ_TABLE}`: no clip of 1 has a row ({NO_CLEAR_YES} (1)), so the table is not written." in md


@pytest.mark.parametrize("manifest", [None, {}, {"clips": [{"video": "a.mp4"}]}])
def test_no_coverage_no_sentence(tmp_path: Path, manifest: dict[str, Any] | None) -> None:
    # a public dataset (no manifest.json), or a manifest written before mcq_coverage was added
    md = _report(tmp_path, _dataset(tmp_path, manifest))
    assert "## Multiple choice" in md and "mcq_coverage" not in md and "covers" not in md


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c.__setitem__(MCQ_TABLE, []), "must be an object, got list"),
        (lambda c: c[MCQ_TABLE].__setitem__("clips", 9), "1 clips with rows and 3 without are not its 9 clips"),
        (lambda c: c[MCQ_TABLE].__setitem__("rows", -1), "rows must be an integer >= 0, got -1"),
        (lambda c: c[MCQ_TABLE].__setitem__("rows", 0), "0 rows for 1 clips"),
        (lambda c: c[MCQ_TABLE]["without_rows"].popitem(), "do not add up to clips_without_rows"),
        (lambda c: c[SHOT_TABLE].__setitem__("categories", {"x": 1}), "categories must map"),
    ],
)
def test_malformed_coverage_is_refused_naming_the_line_before_the_old_report_goes(
    tmp_path: Path, change: Any, problem: str
) -> None:
    cov = _coverage()
    change(cov)
    dataset = _dataset(tmp_path, {"mcq_coverage": cov})
    out = tmp_path / "report"
    old = _report(tmp_path, SimpleNamespace(manifest={}))
    with pytest.raises(FileFormatError, match=f"manifest.json:\\d+: mcq_coverage\\[.*{problem}"):
        _report(tmp_path, dataset)
    assert (out / "report.md").read_text(encoding="utf-8") == old  # refused before anything was rewritten


def test_coverage_not_an_object_is_refused(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path, None, text='{\n "mcq_coverage": 3\n}')
    with pytest.raises(FileFormatError, match=r"manifest.json:2: mcq_coverage: must be an object, got int"):
        _report(tmp_path, dataset)


def test_a_report_without_mcq_does_not_read_the_coverage(tmp_path: Path) -> None:
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods={"m": MethodResult()})
    ev = Evaluation(result, SimpleNamespace(manifest={"mcq_coverage": 3}), {})  # type: ignore[arg-type]
    md = write_report("d", "r", tmp_path / "report", evaluation=ev, gallery=0).read_text(encoding="utf-8")
    assert "Multiple choice" not in md
