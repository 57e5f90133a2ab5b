"""A video the labels name that is not in videos/ is never counted ok (red team R54).

A label named ``missing.mp4``, absent from videos/, in a tracking VQA pair only: ``fast`` answers
none of its questions, so its failure ("video file not found") left no record and no failure, and
``predict`` said "7 videos (7 ok, 0 failed)" with 6 files present (run.json's ``videos_ok`` 7),
against the dataset's own warning that a run records each missing video as failed. Here the counts
are checked against the files actually in videos/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.cli import main
from camerabench.errors import PredictionError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import NO_RECORDS_KEY, run_predict
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.records import read_run_info, read_scores
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from tests.jobs.test_failed_unanswerable36 import small_pan

PRESENT = [f"v{i}.mp4" for i in range(4)]
MISSING = "missing.mp4"
TRACKING = ("Does the camera track the subject as they move?", "Is the video not a tracking shot?")


def _dataset(root: Path) -> Path:
    """Binary labels (pan left) on the videos present; one tracking VQA pair (``missing.mp4``, v0)."""
    recs = [BinaryRecord.make(v, Primitive.PAN_LEFT, i % 2 == 0) for i, v in enumerate(PRESENT)]
    write_binary_file(root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    pair = VQAPair(
        "general_tracking", "is_tracking", (MISSING, PRESENT[0]), TRACKING, MISSING, PRESENT[0], *TRACKING, *TRACKING
    )
    write_vqa_file(root / "labels" / "vqa_and_retrieval" / "tracking_shot" / "is_tracking.jsonl", [pair])
    (root / "videos").mkdir(parents=True)
    for v in PRESENT:
        (root / "videos" / v).write_bytes(b"")
    return root


def _present(data: Path) -> set[str]:
    """The labelled videos whose files are in videos/ (the independent count of what can be ok)."""
    return {p.name for p in (data / "videos").iterdir() if p.is_file()} & {*PRESENT, MISSING}


def _stub_fast(monkeypatch: pytest.MonkeyPatch, reads_file: bool) -> None:
    """``fast`` with its estimation stubbed (a panning trajectory; no set-up). ``reads_file``: a
    missing file fails as the real estimation's does ("video file not found"); else the stub never
    looks at the file (a method that answers without reading it)."""

    def estimate(self: FastPredictor, video_path: Path) -> tuple[Trajectory, dict[str, object]]:
        if reads_file and not video_path.is_file():
            raise PredictionError(f"{video_path}: video file not found")
        return small_pan(), {}

    monkeypatch.setattr(FastPredictor, "estimate", estimate)
    monkeypatch.setattr(FastPredictor, "setup", lambda self: None)


@pytest.mark.parametrize("reads_file", [True, False], ids=["method-fails-on-it", "method-never-reads-it"])
def test_a_missing_video_is_failed_in_the_summary_line_and_run_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reads_file: bool
) -> None:
    _stub_fast(monkeypatch, reads_file)
    data = _dataset(tmp_path / "data")
    out = tmp_path / "run"
    present = _present(data)
    labelled = {*PRESENT, MISSING}
    assert main(["predict", "--data", str(data), "--method", "fast", "--out", str(out)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("predict fast:"))
    counts = re.match(r"predict fast: (\d+) videos \((\d+) ok, (\d+) failed\)", line)
    assert counts is not None, line  # no other figure: every video is ok or failed
    assert tuple(map(int, counts.groups())) == (len(labelled), len(present), len(labelled - present))  # was 5, 5, 0

    info = read_run_info(out / "fast" / "run.json")
    assert (info.videos_ok, info.videos_failed) == (len(present), len(labelled - present))  # was (5, 0)
    assert set(info.failures) == labelled - present
    assert "video file not found" in info.failures[MISSING]
    assert NO_RECORDS_KEY not in info.video_info[MISSING]  # not "done, answering none of its questions"
    # its questions are outside what fast answers (no record of them), not failed records
    assert MISSING not in {r.video for r in read_scores(out / "fast" / "scores.jsonl")}
    assert set(info.video_info[MISSING]["found_unanswerable"]) == set(TRACKING)
    assert not (out / "fast" / "trajectories" / "missing.npz").exists()

    # evaluation counts the run's videos from its records and run.json as the runner does
    summary = evaluate(data, out, n_bootstrap=0, captions_minilm=False).result.methods["fast"].run_info
    assert summary is not None
    assert (summary.videos_ok, summary.videos_failed) == (len(present), len(labelled - present))


def test_resume_runs_a_missing_video_again_and_counts_it_ok_once_its_file_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stub_fast(monkeypatch, reads_file=True)
    data = _dataset(tmp_path / "data")
    out = tmp_path / "run"
    first = run_predict(data, "fast", out)
    assert (first.videos_ok, first.videos_failed) == (len(PRESENT), 1)

    again = run_predict(data, "fast", out, resume=True)  # still missing: run again, failed again
    assert (again.videos_run, again.videos_skipped) == (1, len(PRESENT))
    assert (again.videos_ok, again.videos_failed) == (len(PRESENT), 1)

    (data / "videos" / MISSING).write_bytes(b"")  # the download finished
    done = run_predict(data, "fast", out, resume=True)
    assert (done.videos_run, done.videos_skipped) == (1, len(PRESENT))
    assert (done.videos_ok, done.videos_failed) == (len(_present(data)), 0)
    info = read_run_info(out / "fast" / "run.json")
    assert info.failures == {} and (info.videos_ok, info.videos_failed) == (len(PRESENT) + 1, 0)
    assert info.video_info[MISSING][NO_RECORDS_KEY] == 2  # now done, answering none of its questions
    assert run_predict(data, "fast", out, resume=True).videos_run == 0
