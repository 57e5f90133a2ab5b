"""Hostile run folders, round 17: a method folder whose run.json names another method, labels
added after the run (missing samples said, under both policies), every sample failed under
``drop``, and ``metrics.json`` read back with its undefined metrics kept."""

from __future__ import annotations

import json
import logging
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import read_metrics, strict_json
from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

PRIMS = (Primitive.PAN_LEFT, Primitive.TILT_UP)


def _copy(src: Path, tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(src, dest)
    return dest


def test_method_folder_whose_run_json_names_another_method_is_said(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = _copy(dummy_run, tmp_path, "run")
    shutil.copytree(run / "dummy", run / "other")  # a copied folder: the same method evaluated twice
    (run / "reports").mkdir()  # a folder without outputs is not a method
    (run / "reports" / "metrics.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        ev = evaluate(six_videos, run, n_bootstrap=0, captions_minilm=False)
    assert sorted(ev.result.methods) == ["dummy", "other"]
    other = ev.result.methods["other"]
    assert other.run_info is not None and other.run_info.method == "dummy"
    said = [r.getMessage() for r in caplog.records if "run.json is a run of method" in r.getMessage()]
    # was: no word; the copy was reported as a method of its own
    assert said == [
        "other: its run.json is a run of method 'dummy': a folder copied or renamed from another "
        "method's? (evaluated under the folder's name 'other')"
    ]


@pytest.mark.parametrize("policy", ["lowest", "drop"])
def test_videos_labelled_after_the_run_count_as_missing_and_are_said(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, policy: str
) -> None:
    data = _copy(six_videos, tmp_path, "data")
    run = _copy(dummy_run, tmp_path, "run")
    write_video(data / "videos" / "v6.mp4", np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    videos = [f"v{i}.mp4" for i in range(7)]
    for prim in PRIMS:
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(videos)]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.evaluate"):
        ev = evaluate(data, run, failed=policy, n_bootstrap=0, captions_minilm=False)  # type: ignore[arg-type]
    binary = ev.result.methods["dummy"].binary
    assert binary is not None
    assert binary.missing == 2
    assert all(c.labelled == 7 and c.missing == 1 for c in binary.counts.values())
    assert binary.samples == (14 if policy == "lowest" else 12)
    how = "ranked below every score" if policy == "lowest" else "left out"
    said = [
        r.getMessage()
        for r in caplog.records
        if r.name == "camerabench.eval.evaluate" and "have no score record" in r.getMessage()
    ]
    # was: under lowest, only the counts in the JSON; nothing in the log
    assert said == [
        f"dummy: 2 of 14 labelled binary samples have no score record (labels added after the run, or an "
        f"unfinished run?): they count as missing ({how})"
    ]


def test_a_complete_run_says_nothing_of_missing_samples(
    six_videos: Path, dummy_run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        ev = evaluate(six_videos, dummy_run, n_bootstrap=0, captions_minilm=False)
    assert ev.result.methods["dummy"].binary is not None
    assert not [r for r in caplog.records if "labelled binary samples have no score" in r.getMessage()]
    assert not [r for r in caplog.records if "run.json is a run of method" in r.getMessage()]


def test_every_sample_failed_under_drop_is_nan_and_reads_back_as_nan(
    six_videos: Path, dummy_run: Path, tmp_path: Path
) -> None:
    run = _copy(dummy_run, tmp_path, "run")
    scores = run / "dummy" / "scores.jsonl"
    recs = [json.loads(line) for line in scores.read_text().splitlines()]
    failed = [dict(r, score=None, status="failed", reason="boom") for r in recs]
    scores.write_text("".join(json.dumps(r) + "\n" for r in failed))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ev = evaluate(six_videos, run, failed="drop", n_bootstrap=0, captions_minilm=False)
    assert any(issubclass(w.category, UndefinedMetricWarning) for w in caught)
    binary = ev.result.methods["dummy"].binary
    assert binary is not None and binary.failed == 12 and binary.samples == 0
    assert math.isnan(binary.mean_ap)
    assert all(math.isnan(v) for v in binary.per_primitive.values())
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(strict_json(ev.result.to_dict())))
    back = read_metrics(path).methods["dummy"].binary
    assert back is not None and math.isnan(back.mean_ap) and back.failed == 12
    assert all(math.isnan(v) for v in back.per_primitive.values())
