"""A run killed outright (SIGKILL, power loss) keeps its last seconds' records without their
run.json entries (timing, per-video details: run.json is saved every few seconds). Red team R62:
``evaluate`` then checked none of those videos for a changed file, and ``--resume`` never
restored their entries. Now ``evaluate`` checks every recorded video, and ``--resume`` runs the
videos recorded after the last one run.json keeps again (their records are replaced by identical
ones)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict
from camerabench.records import read_run_info, read_scores, write_run_info
from camerabench.runfolder import MethodFolder

LOST = "v5.mp4"  # the last video recorded (one worker: the dataset's order)


def _kill_after_records(run: Path, *lost: str) -> None:
    """What a SIGKILL between the last videos' records and the next run.json save leaves: their
    records, no timing or details (their fingerprints, recorded when the run started, stay)."""
    path = MethodFolder.of(run, "dummy").run_info
    info = read_run_info(path)
    assert [r.video for r in read_scores(MethodFolder.of(run, "dummy").scores)][-1] == LOST
    for video in lost or (LOST,):
        assert video in info.seconds_per_video and video in info.video_sha256
        info.seconds_per_video.pop(video)
        info.video_info.pop(video, None)
    info.finished = None
    write_run_info(path, info)


def _rows(run: Path) -> list[tuple[str, str, float | None]]:
    return sorted((r.video, r.question, r.score) for r in read_scores(MethodFolder.of(run, "dummy").scores))


def test_evaluate_checks_the_recorded_videos_run_json_lost(
    data: Path, run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _kill_after_records(run)
    videos = data / "videos"
    other = next(p for p in sorted(videos.iterdir()) if p.name != LOST)
    shutil.copyfile(other, videos / LOST)  # another clip under the lost video's name
    with caplog.at_level(logging.WARNING):
        note = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos
    assert note is not None and note.startswith(f"1 of the 6 videos it scored changed since its run (e.g. {LOST})")


def test_resume_runs_the_videos_run_json_lost_again(data: Path, run: Path, caplog: pytest.LogCaptureFixture) -> None:
    before = _rows(run)
    full = read_run_info(MethodFolder.of(run, "dummy").run_info)
    _kill_after_records(run)
    with caplog.at_level(logging.WARNING):
        run_predict(data, "dummy", run, resume=True)
    assert "run.json keeps no timing or details of the last 1 recorded video(s) (e.g. v5.mp4)" in caplog.text
    info = read_run_info(MethodFolder.of(run, "dummy").run_info)
    assert set(info.seconds_per_video) == set(full.seconds_per_video)
    assert info.video_info.get(LOST) == full.video_info.get(LOST)
    assert (info.videos_ok, info.videos_failed) == (full.videos_ok, full.videos_failed)
    assert _rows(run) == before  # the same records, once each
    # a complete run.json: nothing run again
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run_predict(data, "dummy", run, resume=True)
    assert "keeps no timing" not in caplog.text and "0 videos to run, 6 already done" in caplog.text


def test_resume_leaves_an_entry_lost_before_the_last_booked_video(data: Path, run: Path) -> None:
    """A recorded video without an entry before videos run.json keeps was not lost by an
    interruption (a run.json deleted and rebuilt by a resume keeps none of the videos recorded
    before): it is not run again, on every resume (was: it would be, every time)."""
    _kill_after_records(run, "v1.mp4")
    assert run_predict(data, "dummy", run, resume=True).videos_run == 0
