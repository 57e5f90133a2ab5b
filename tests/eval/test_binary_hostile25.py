"""Round 25: notes of the binary section and of the paired test name everything left out.

``compare_methods`` left out primitives whose common samples have one class only (or no common
sample) without a word; ``binary_section`` built its note by assignment in some branches, so a
later branch could replace an earlier note. Every branch now appends, and the report shows them.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.ap import PrimitiveSamples
from camerabench.eval.binary import ResolvedSamples, binary_section, compare_methods
from camerabench.eval.report import write_report
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT, ROLL = Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ROLL_CLOCKWISE
VIDEOS = ["a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4"]


def _res(labels: list[bool], videos: list[str] | None = None, shift: float = 0.0) -> ResolvedSamples:
    y = np.array(labels)
    return ResolvedSamples(y, np.linspace(1, 0, y.size) + shift, videos or VIDEOS[: y.size])


def test_paired_test_names_primitives_with_one_class_in_the_common_videos() -> None:
    good = [True, True, False, False]
    a = {PAN.value: _res(good), TILT.value: _res([True, True, True, True]), ROLL.value: _res([False, False])}
    b = {PAN.value: _res(good, shift=0.1), TILT.value: _res([True] * 4, shift=0.1), ROLL.value: _res([False, False])}
    comp = compare_methods("a", "b", a, b, n_bootstrap=0)
    assert comp.primitives == [PAN.value] and comp.samples == 4 and comp.diff == 0.0
    assert comp.note == (
        f"left out 2 primitive(s) whose common samples have one class only: {TILT.value} (4 common, all Yes), "
        f"{ROLL.value} (2 common, all No)"
    )


def test_paired_test_names_a_primitive_with_no_common_video_and_one_evaluated_for_one_method() -> None:
    good = [True, True, False, False]
    a = {PAN.value: _res(good), TILT.value: _res([True, False], ["a.mp4", "b.mp4"]), ROLL.value: _res(good)}
    b = {PAN.value: _res(good), TILT.value: _res([True, False], ["c.mp4", "d.mp4"])}
    comp = compare_methods("a", "b", a, b, n_bootstrap=0)
    assert comp.primitives == [PAN.value]
    assert comp.note == (
        f"left out 1 primitive(s) evaluated for one method only: {ROLL.value}; "
        f"left out 1 primitive(s) whose common samples have one class only: {TILT.value} (no common sample)"
    )


def test_an_untested_comparison_keeps_the_names_of_the_left_out_primitives() -> None:
    one = _res([True, True])
    comp = compare_methods("a", "b", {PAN.value: one}, {PAN.value: one}, n_bootstrap=10)
    assert comp.primitives == [] and math.isnan(comp.diff) and math.isnan(comp.p_value)
    assert comp.note == (
        "not tested: no primitive that both methods answered with both classes among their common samples; "
        f"left out 1 primitive(s) whose common samples have one class only: {PAN.value} (2 common, all Yes)"
    )


def _samples(labels: list[bool], status: list[str]) -> PrimitiveSamples:
    ok = np.array([s == "ok" for s in status])
    scores = np.where(ok, np.linspace(1, 0, len(labels)), math.nan)
    return PrimitiveSamples(VIDEOS[: len(labels)], np.array(labels), scores, np.array(status), {})


@pytest.mark.parametrize("policy", ["lowest", "drop"])
def test_binary_section_keeps_every_note(policy: str) -> None:
    # PAN: every sample failed (lowest: AP of a constant score; drop: all dropped); TILT: one positive
    samples = {
        PAN: _samples([True, True, False, False, False], ["failed"] * 5),
        TILT: _samples([True, False, False, False, False], ["ok"] * 5),
        ROLL: _samples([True, True, False, False, False], ["ok", "ok", "ok", "ok", "failed"]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        section, _ = binary_section(samples, policy=policy, n_bootstrap=20)  # type: ignore[arg-type]
    assert section.note is not None
    parts = section.note.split("; ")
    first = (
        f"1 primitive(s) with no scored sample: {PAN.value} (5 failed, 0 missing)"
        if policy == "lowest"
        else "6 failed/missing samples were dropped"
    )
    assert parts[0].startswith(first)
    assert any(p.startswith(f"1 primitive(s) have a class held by fewer than 2 videos ({TILT.value})") for p in parts)


def _rec(video: str, prim: Primitive, label: bool, method: str, failed: bool) -> ScoreRecord:
    if failed:
        return ScoreRecord.failed(video, prim.question, method, "model crashed")
    return ScoreRecord(video, prim.question, method, 0.9 if label else 0.1, primitive=prim.value)


def test_report_shows_every_note_of_sections_and_comparisons(tmp_path: Path) -> None:
    labels = {PAN: [True, True, False, False, False], TILT: [False, False, False, False, True]}
    data = tmp_path / "data"
    for prim, ys in labels.items():
        recs = [BinaryRecord.make(v, prim, y) for v, y in zip(VIDEOS, ys, strict=True)]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)
    run = tmp_path / "run"
    # m1 fails PAN on c.mp4 (a drop note) and keeps TILT's one positive (a thin-class note);
    # m2 fails TILT on e.mp4: the common TILT videos of m1 and m2 are then all No
    fails = {"m1": {(PAN, "c.mp4")}, "m2": {(TILT, "e.mp4")}}
    for m, bad in fails.items():
        recs = [_rec(v, p, y, m, (p, v) in bad) for p, ys in labels.items() for v, y in zip(VIDEOS, ys, strict=True)]
        write_scores(run / m / "scores.jsonl", recs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = write_report(data, run, tmp_path / "report", failed="drop", n_bootstrap=20, gallery=0).read_text()
    assert "m1: 1 failed/missing samples were dropped" in text
    assert f"1 primitive(s) have a class held by fewer than 2 videos ({TILT.value})" in text
    assert f"left out 1 primitive(s) whose common samples have one class only: {TILT.value} (4 common, all No)" in text
