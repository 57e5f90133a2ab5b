"""``--resume`` of a run whose run.json has no question digests (written by a camerabench older
than them): a run cut between two lines of one video's records kept that video as done with part
of its records (evaluate then counted the rest missing). Such videos are now run again; a
question the method can never answer (:meth:`Predictor.never_answers`) does not make a video
look cut short."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from camerabench.jobs.runner import run_predict
from camerabench.records import read_scores
from camerabench.runfolder import MethodFolder


def _as_older_version(out: Path, method: str) -> None:
    """run.json without the question digests, as camerabench wrote it before they were kept."""
    info = MethodFolder.of(out, method).run_info
    doc = json.loads(info.read_text())
    assert doc.pop("questions_sha256"), "the run kept question digests"
    info.write_text(json.dumps(doc))


def _cut_after(out: Path, method: str, video: str, keep: int) -> int:
    """Keep the first ``keep`` lines of ``video``'s records (an interruption between two lines)."""
    scores = MethodFolder.of(out, method).output("predict")
    lines = scores.read_text().splitlines(keepends=True)
    kept, seen = [], 0
    for line in lines:
        if json.loads(line)["video"] == video:
            seen += 1
            if seen > keep:
                continue
        kept.append(line)
    scores.write_text("".join(kept))
    return seen


def _records_of(out: Path, method: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rec in read_scores(MethodFolder.of(out, method).output("predict")):
        counts[rec.video] = counts.get(rec.video, 0) + 1
    return counts


def test_an_old_run_cut_between_a_videos_lines_runs_that_video_again(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    full = _records_of(out, "dummy")
    video = max(full, key=lambda v: (full[v], v))
    _as_older_version(out, "dummy")
    assert _cut_after(out, "dummy", video, 1) == full[video] > 1
    with caplog.at_level(logging.WARNING):
        run_predict(data, "dummy", out, resume=True)
    assert _records_of(out, "dummy") == full  # old code: the cut video kept 1 record, done
    assert "without the questions' digests in run.json" in caplog.text


def test_a_geometric_run_is_not_rerun_for_questions_it_never_answers(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A geometric method records nothing for questions without a primitive: an old run.json
    (no digests) must not make every video look cut short for them."""
    out = tmp_path / "out"
    run_predict(data, "fast", out, options={"sample_fps": 2.0})
    before = MethodFolder.of(out, "fast").output("predict").read_bytes()
    _as_older_version(out, "fast")
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "fast", out, resume=True, options={"sample_fps": 2.0})
    assert summary.videos_run == 0, summary
    assert MethodFolder.of(out, "fast").output("predict").read_bytes() == before
    assert "lack a record" not in caplog.text
