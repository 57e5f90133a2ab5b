"""Hostile-input sweep of the evaluation, fourth pass: ok captions without a word, captions in
scripts rouge-score cannot read, a run still being written in the JSON document, the paired
tests of many methods, and score records written without their primitive under a calibration.

Numbers are checked against the metric computed without the change (the same seed gives the
same numbers) or against the calibration map applied by hand.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval import ap as ap_module
from camerabench.eval import caption_metrics
from camerabench.eval.ap import BootstrapCache, bootstrap_mean_ap
from camerabench.eval.binary import ResolvedSamples, compare_methods
from camerabench.eval.calibration import calibrate_run, calibrated_run, read_calibration
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import EvaluationResult, read_metrics
from camerabench.labelfiles import CaptionItem, write_binary_file, write_caption_file
from camerabench.locks import FolderLock
from camerabench.records import CaptionRecord, ScoreRecord, write_captions, write_scores
from camerabench.runfolder import read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
Q = "Describe the camera movement in this video."


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(caption_metrics.shutil, "which", lambda name: None)  # no METEOR: Java-free and fast


def _captions(data: Path, run: Path, refs: dict[str, str], captions: dict[str, str]) -> None:
    write_caption_file(data / "labels" / "caption_data.json", [CaptionItem(v, Q, r) for v, r in refs.items()])
    write_captions(run / "m" / "captions.jsonl", [CaptionRecord(v, "m", c, question=Q) for v, c in captions.items()])


# --------------------------------------------------------------------------- ok captions without a word


@pytest.mark.usefixtures("no_java")
def test_ok_captions_without_a_word_are_counted_in_a_note_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    refs = {v: "The camera pans left." for v in ("a.mp4", "b.mp4", "c.mp4", "d.mp4")}
    _captions(data, run, refs, {"a.mp4": "", "b.mp4": "   ", "c.mp4": "...", "d.mp4": "The camera pans left."})
    with caplog.at_level(logging.WARNING):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    cap = ev.result.methods["m"].captions
    assert cap is not None and cap.note is not None
    expected = "3 of 4 ok captions hold no word (e.g. 'a.mp4': ''): they are evaluated as the empty caption"
    assert expected in cap.note and f"m: {expected}" in caplog.text
    # still evaluated, as the empty caption: neither failed nor missing
    assert (cap.evaluated, cap.failed, cap.missing) == (4, 0, 0)
    rows = {r["video"]: r for r in ev.caption_rows["m"]}
    assert [rows[v]["compat_bleu2"] for v in ("a.mp4", "b.mp4", "c.mp4")] == [0.0, 0.0, 0.0]
    assert rows["d.mp4"]["compat_meteor_lookalike"] == 1.0

    _captions(data, run, refs, dict.fromkeys(refs, "Pans left."))
    cap = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].captions
    assert cap is not None and cap.note is None


@pytest.mark.usefixtures("no_java")
def test_the_report_says_when_the_coco_numbers_were_tokenised_without_java(tmp_path: Path) -> None:
    # red team R60: report.md and captions.csv said "coco = pycocoevalcap" while the fallback
    # tokeniser was used; only metrics.json's tokenizer field said so
    from camerabench.eval.report import write_report

    data, run = tmp_path / "data", tmp_path / "run"
    refs = {v: "The camera pans left." for v in ("a.mp4", "b.mp4")}
    _captions(data, run, refs, {"a.mp4": "The camera pans left slowly.", "b.mp4": "It tilts up."})
    ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    coco = ev.result.methods["m"].captions.coco  # type: ignore[union-attr]
    assert coco is not None and "PTBTokenizer needs Java" in coco.tokenizer
    md = write_report(data, run, tmp_path / "report", evaluation=ev, gallery=0).read_text(encoding="utf-8")
    assert "The `coco` numbers below are not pycocoevalcap's own" in md
    assert f"m: {coco.tokenizer}" in md


# --------------------------------------------------------------------------- captions in other scripts


@pytest.mark.usefixtures("no_java")
def test_captions_rouge_score_cannot_read_are_named_in_a_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    refs = {
        "a.mp4": "摄像机向左平移。",
        "b.mp4": "Камера поворачивается влево.",
        "c.mp4": "La caméra panote à gauche.",
    }
    _captions(data, run, refs, refs)  # every caption is its reference
    with caplog.at_level(logging.WARNING):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    cap = ev.result.methods["m"].captions
    assert cap is not None and cap.note is not None
    expected = "2 of 3 caption pairs hold a text with words but no ASCII letter or digit (e.g. 'a.mp4')"
    assert expected in cap.note and expected in caplog.text
    rows = {r["video"]: r for r in ev.caption_rows["m"]}
    # identical texts: rouge-score reads nothing of the Chinese and Russian ones, all of the French one
    assert [rows[v]["compat_rouge_l"] for v in refs] == [0.0, 0.0, 1.0]
    assert cap.coco is not None and cap.coco.bleu1 == pytest.approx(1.0)  # BLEU compares them as they are

    _captions(data, run, {"c.mp4": refs["c.mp4"], "d.mp4": "Static."}, {"c.mp4": refs["c.mp4"], "d.mp4": "Static."})
    cap = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].captions
    assert cap is not None and cap.note is None


# --------------------------------------------------------------------------- a run still being written


def _binary(root: Path, videos: list[str], labels: list[bool], prim: Primitive = PAN) -> None:
    write_binary_file(
        root / "labels" / "binary_classification" / prim.file,
        [BinaryRecord.make(v, prim, y) for v, y in zip(videos, labels, strict=True)],
    )


def test_a_run_still_being_written_is_in_the_json_document(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, ["a.mp4", "b.mp4"], [True, False])
    for name in ("m", "n"):
        write_scores(run / name / "scores.jsonl", [ScoreRecord("a.mp4", PAN.question, name, 0.9, primitive=PAN.value)])
    with FolderLock(run / "m"):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    doc = ev.result.to_json()  # the document of `evaluate --json` and of the report's metrics.json
    assert doc["methods"]["m"]["in_progress"] == ev.in_progress["m"]
    assert "a running predict or caption" in doc["methods"]["m"]["in_progress"]
    assert "in_progress" not in doc["methods"]["n"]
    # it reads back
    (tmp_path / "metrics.json").write_text(json.dumps(doc), encoding="utf-8")
    back = read_metrics(tmp_path / "metrics.json")
    assert back.methods["m"].in_progress == ev.in_progress["m"] and back.methods["n"].in_progress is None

    # a finished run's document has no such key: it reads as before (older readers refuse unknown keys)
    done = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.to_json()
    assert all("in_progress" not in m for m in done["methods"].values())
    assert json.loads(json.dumps(done)) == EvaluationResult.from_dict(done).to_json()


# --------------------------------------------------------------------------- paired tests of many methods


def _methods(n_methods: int, n_videos: int = 40) -> dict[str, dict[str, ResolvedSamples]]:
    rng = np.random.default_rng(3)
    videos = [f"v{i:03d}.mp4" for i in range(n_videos)]
    labels = {p: rng.random(n_videos) < 0.4 for p in (PAN.value, TILT.value)}
    return {
        f"m{k}": {
            p: ResolvedSamples(y, np.round(y * rng.uniform(0, 1) + rng.random(n_videos), 1), videos)
            for p, y in labels.items()
        }
        for k in range(n_methods)
    }


def test_paired_tests_sharing_a_cache_give_the_same_numbers_computing_each_method_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolved = _methods(5)
    pairs = list(itertools.combinations(sorted(resolved), 2))
    alone = [compare_methods(a, b, resolved[a], resolved[b], 200, 7).to_dict() for a, b in pairs]

    calls: list[int] = []
    bca: list[int] = []
    real = ap_module.weighted_ap_matrix

    def counted(*args: Any) -> Any:
        # the bootstrap's calls; a paired test's permutations (its p-value) mix the two methods'
        # scores, so they are the pair's own and not cached; the BCa intervals' own (in ``ap``: the
        # point estimate and the jackknife over videos) are counted apart
        caller = sys._getframe(1).f_code.co_name
        if caller == "ap":
            bca.append(1)
        elif caller != "statistic":
            calls.append(1)
        return real(*args)

    monkeypatch.setattr(ap_module, "weighted_ap_matrix", counted)
    cache = BootstrapCache()
    cis = [bootstrap_mean_ap({p: r.as_tuple() for p, r in resolved[m].items()}, 200, 7, cache) for m in resolved]
    shared = [compare_methods(a, b, resolved[a], resolved[b], 200, 7, cache).to_dict() for a, b in pairs]
    assert shared == alone  # bit for bit
    assert len(calls) == 5 * 2  # once per method and primitive, for the intervals and all 10 tests
    assert len(bca) == 5 * 2 * 2  # the BCa's point estimate and jackknife: once per method and primitive too
    assert [c.to_dict() for c in cis] == [
        bootstrap_mean_ap({p: r.as_tuple() for p, r in resolved[m].items()}, 200, 7).to_dict() for m in resolved
    ]

    # a cache too small for one method's primitives recomputes, with the same numbers
    small = BootstrapCache(max_values=200)
    assert [compare_methods(a, b, resolved[a], resolved[b], 200, 7, small).to_dict() for a, b in pairs] == alone
    # another seed or resample count is another draw, not a cached one
    assert compare_methods("m0", "m1", resolved["m0"], resolved["m1"], 200, 8, cache).to_dict() == (
        compare_methods("m0", "m1", resolved["m0"], resolved["m1"], 200, 8).to_dict()
    )


def test_evaluate_gives_the_paired_tests_of_separate_calls(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    resolved = _methods(3, n_videos=12)
    videos = resolved["m0"][PAN.value].videos
    for prim in (PAN, TILT):
        _binary(data, videos, [bool(y) for y in resolved["m0"][prim.value].labels], prim)
    for name, per in resolved.items():
        write_scores(
            run / name / "scores.jsonl",
            [
                ScoreRecord(v, prim.question, name, float(s), primitive=prim.value)
                for prim in (PAN, TILT)
                for v, s in zip(videos, per[prim.value].scores, strict=True)
            ],
        )
    ev = evaluate(data, run, n_bootstrap=100, seed=5, captions_minilm=False)
    assert ev.result.comparisons is not None
    expected = [
        compare_methods(a, b, ev.resolved[a], ev.resolved[b], 100, 5).to_dict()
        for a, b in itertools.combinations(sorted(ev.resolved), 2)
    ]
    assert [c.to_dict() for c in ev.result.comparisons] == expected


# --------------------------------------------------------------------------- records without their primitive


def test_score_records_without_their_primitive_get_their_primitives_calibration(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    rng = np.random.default_rng(0)
    videos = [f"v{i:02d}.mp4" for i in range(10)]
    labels = {PAN: rng.random(10) < 0.5, TILT: rng.random(10) < 0.4}
    # two scales: degrees for Pan_Left, fractions for Tilt_Up (the pooled map suits neither)
    scale = {PAN: 40.0, TILT: 0.1}
    for prim, y in labels.items():
        _binary(data, videos, [bool(v) for v in y], prim)
    records = [
        ScoreRecord(v, prim.question, "m", float(scale[prim] * (y[i] + rng.random())))  # no primitive given
        for prim, y in labels.items()
        for i, v in enumerate(videos)
    ]
    write_scores(run / "m" / "scores.jsonl", records)
    calibrate_run(data, run, "m", n_splits=2)
    method = read_method(run / "m")
    cal = read_calibration(method.layout.calibration)
    calibrated = calibrated_run(method, cal, data)
    assert calibrated.pooled == 0  # every record is a primitive's question: none needs the pooled map
    table = calibrated.run.scores
    assert table is not None
    for rec in records:
        assert rec.score is not None
        prim = Primitive.from_question(rec.question)
        assert prim is not None
        expected, used = cal.probability(rec.score, prim.value, rec.video, True)
        assert used == prim.value
        assert table[(rec.video, rec.question)].score == pytest.approx(expected)


def test_scores_rewritten_after_the_calibration_was_fitted_are_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{i}.mp4" for i in range(6)]
    labels = [True, False, True, False, True, False]
    _binary(data, videos, labels)

    def scores(scale: float) -> list[ScoreRecord]:
        return [
            ScoreRecord(v, PAN.question, "m", scale * (i + 2 * y), primitive=PAN.value)
            for i, (v, y) in enumerate(zip(videos, labels, strict=True))
        ]

    write_scores(run / "m" / "scores.jsonl", scores(1.0))
    cal, _ = calibrate_run(data, run, "m", n_splits=2)
    assert cal.scores_digest is not None
    assert read_calibration(run / "m" / "calibration.json").scores_digest == cal.scores_digest
    with caplog.at_level(logging.WARNING):
        evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    assert "calibration was fitted on" not in caplog.text

    write_scores(run / "m" / "scores.jsonl", scores(100.0))  # predict run again, on another scale
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    assert "m: its scored binary samples are not those its calibration was fitted on" in caplog.text
    assert "run `camerabench calibrate` again" in caplog.text
