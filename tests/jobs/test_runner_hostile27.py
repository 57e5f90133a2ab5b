"""Round 27: ``--resume`` and the videos a method answers none of the questions of (no record).

Such a video (a geometric method on a clip labelled only on what it cannot answer) left nothing in
scores.jsonl, and ``done`` was read from the records alone: every resume ran it again. run.json now
marks it (``video_info[video][NO_RECORDS_KEY]``) once it is booked, and a resume takes it as done
while its questions and file are those it was run with.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.base import VideoResult
from camerabench.baselines.dummy import DummyPredictor
from camerabench.eval.results import UNANSWERABLE_KEY
from camerabench.jobs.runner import NO_RECORDS_KEY, run_predict
from camerabench.locks import FolderInUseError, FolderLock
from camerabench.records import read_run_info, read_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import Primitive

NOTHING = "v1.mp4"  # the video the method answers none of the questions of
_PREDICT = DummyPredictor.predict


def _answers_nothing_on(monkeypatch: pytest.MonkeyPatch, ran: list[str], interrupt: str | None = None) -> None:
    """``dummy`` answers none of NOTHING's questions (every one unanswerable), and logs each video it runs."""

    def predict(self: DummyPredictor, video_path: Path, questions: list[Any]) -> VideoResult:
        ran.append(video_path.name)
        if video_path.name == interrupt:
            raise KeyboardInterrupt
        if video_path.name == NOTHING:
            return VideoResult({}, unanswerable={q.text: "not a camera motion" for q in questions})
        return _PREDICT(self, video_path, questions)

    monkeypatch.setattr(DummyPredictor, "predict", predict)


@pytest.fixture()
def own(data: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(data, tmp_path / "own"))


def test_a_video_answering_nothing_is_done_on_resume(
    own: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    _answers_nothing_on(monkeypatch, ran)
    out = tmp_path / "out"
    first = run_predict(own, "dummy", out)
    assert first.unanswerable_questions == 2 and (first.videos_ok, first.videos_failed) == (6, 0)
    folder = MethodFolder.of(out, "dummy")
    assert NOTHING not in {r.video for r in read_scores(folder.scores)}
    # which questions it found unanswerable there, and why, beside the count (evaluate reads them)
    found = {q: "not a camera motion" for q in (Primitive.PAN_LEFT.question, Primitive.TILT_UP.question)}
    assert read_run_info(folder.run_info).video_info[NOTHING] == {NO_RECORDS_KEY: 2, UNANSWERABLE_KEY: found}
    ran.clear()
    summary = run_predict(own, "dummy", out, resume=True)
    # was: (1, 5), v1 run again on every resume
    assert ran == []
    assert (summary.videos_run, summary.videos_skipped, summary.videos_ok) == (0, 6, 6)
    info = read_run_info(folder.run_info)
    assert info.video_info[NOTHING] == {NO_RECORDS_KEY: 2, UNANSWERABLE_KEY: found}
    assert NOTHING in info.seconds_per_video


def test_after_an_interrupt_a_video_answering_nothing_is_not_run_again(
    own: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    _answers_nothing_on(monkeypatch, ran, interrupt="v3.mp4")
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_predict(own, "dummy", out)
    assert ran == ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4"]
    ran.clear()
    _answers_nothing_on(monkeypatch, ran)
    summary = run_predict(own, "dummy", out, resume=True)
    # was: v1 run again (4 run, 2 skipped); v3, interrupted mid-way, is run again
    assert ran == ["v3.mp4", "v4.mp4", "v5.mp4"]
    assert (summary.videos_run, summary.videos_skipped) == (3, 3)


def _regenerate(own: Path, video: str) -> None:
    from camerabench.video import write_video

    write_video(own / "videos" / video, np.full((4, 16, 16, 3), 200, np.uint8), fps=4)


def test_a_video_answering_nothing_whose_file_changed_runs_again_even_after_an_interrupt(
    own: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    _answers_nothing_on(monkeypatch, ran)
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    _regenerate(own, NOTHING)
    ran.clear()
    # the resume that is to run it again is interrupted on it: run.json takes the new file's digest
    _answers_nothing_on(monkeypatch, ran, interrupt=NOTHING)
    with pytest.raises(KeyboardInterrupt):
        run_predict(own, "dummy", out, resume=True)
    assert ran == [NOTHING]
    info = read_run_info(MethodFolder.of(out, "dummy").run_info)
    assert NOTHING not in info.seconds_per_video and NOTHING not in info.video_info
    ran.clear()
    _answers_nothing_on(monkeypatch, ran)
    assert run_predict(own, "dummy", out, resume=True).videos_run == 1
    assert ran == [NOTHING]


def test_a_video_answering_nothing_whose_questions_grew_runs_the_new_ones(
    own: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camerabench.labelfiles import write_binary_file
    from camerabench.taxonomy import BinaryRecord, Primitive

    ran: list[str] = []
    _answers_nothing_on(monkeypatch, ran)
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    zoom = Primitive.ZOOM_IN
    write_binary_file(own / "labels" / "binary_classification" / zoom.file, [BinaryRecord.make(NOTHING, zoom, True)])
    ran.clear()
    summary = run_predict(own, "dummy", out, resume=True)
    assert ran == [NOTHING] and summary.unanswerable_questions == 3


def test_a_video_whose_records_were_removed_by_hand_runs_again(own: Path, tmp_path: Path) -> None:
    """No marker without records: a video whose lines were removed from scores.jsonl is run again."""
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    scores = MethodFolder.of(out, "dummy").scores
    lines = [ln for ln in scores.read_text().splitlines() if json.loads(ln)["video"] != "v2.mp4"]
    scores.write_text("".join(ln + "\n" for ln in lines))
    summary = run_predict(own, "dummy", out, resume=True)
    assert (summary.videos_run, summary.videos_skipped) == (1, 5)


def test_a_hand_edited_marker_that_does_not_count_every_question_runs_the_video_again(
    own: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    _answers_nothing_on(monkeypatch, ran)
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    run_json = MethodFolder.of(out, "dummy").run_info
    doc = json.loads(run_json.read_text())
    doc["video_info"][NOTHING][NO_RECORDS_KEY] = 1  # one of its two questions
    run_json.write_text(json.dumps(doc))
    ran.clear()
    assert run_predict(own, "dummy", out, resume=True).videos_run == 1 and ran == [NOTHING]


def test_a_resume_into_a_folder_in_use_is_refused_before_it_touches_it(own: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    folder = MethodFolder.of(out, "dummy")
    before = (folder.scores.read_bytes(), folder.run_info.read_bytes())
    with FolderLock(folder.path), pytest.raises(FolderInUseError):
        run_predict(own, "dummy", out, resume=True)
    assert (folder.scores.read_bytes(), folder.run_info.read_bytes()) == before


def test_without_question_digests_a_video_lacking_a_new_question_runs_again(own: Path, tmp_path: Path) -> None:
    """A run.json without question digests (one by an older camerabench) and a label file added
    since: was, the new question of the recorded videos never asked. (A run.json deleted is no
    longer resumed: the settings of the records are unknown, red team R80.)"""
    from camerabench.labelfiles import write_binary_file
    from camerabench.records import write_run_info
    from camerabench.taxonomy import BinaryRecord, Primitive

    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    folder = MethodFolder.of(out, "dummy")
    older = read_run_info(folder.run_info)
    older.questions_sha256 = {}
    write_run_info(folder.run_info, older)
    zoom = Primitive.ZOOM_IN
    write_binary_file(own / "labels" / "binary_classification" / zoom.file, [BinaryRecord.make("v4.mp4", zoom, True)])
    summary = run_predict(own, "dummy", out, resume=True)
    assert (summary.videos_run, summary.videos_skipped) == (1, 5)
    keys = [(r.video, r.question) for r in read_scores(folder.scores)]
    assert (("v4.mp4", zoom.question)) in keys and len(keys) == len(set(keys)) == 13
    assert run_predict(own, "dummy", out, resume=True).videos_run == 0


def test_resume_retry_failed_drops_the_old_failure_of_a_video_that_now_succeeds(own: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (own / "videos" / "v2.mp4").rename(tmp_path / "v2.mp4")
    assert run_predict(own, "dummy", out).videos_failed == 1
    (tmp_path / "v2.mp4").rename(own / "videos" / "v2.mp4")
    summary = run_predict(own, "dummy", out, resume=True, retry_failed=True)
    assert (summary.videos_run, summary.videos_failed, summary.failures) == (1, 0, {})
    info = read_run_info(MethodFolder.of(out, "dummy").run_info)
    assert info.failures == {} and (info.videos_ok, info.videos_failed) == (6, 0)


def test_resuming_into_a_linked_scores_file_never_writes_the_links_target(
    own: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a scores file tracked by DVC / git-annex is a link into a cache: the resume used to mend
    # (and then append to) the cache's file through the link
    out = tmp_path / "out"
    run_predict(own, "dummy", out)
    folder = MethodFolder.of(out, "dummy")
    lines = folder.scores.read_bytes().splitlines(keepends=True)
    cache = tmp_path / "cache.jsonl"
    cache.write_bytes(b"".join(lines[:3]) + lines[3].rstrip(b"\n"))  # cut short: a crash mid-append
    before = cache.read_bytes()
    folder.scores.unlink()
    folder.scores.symlink_to(cache)
    run_predict(own, "dummy", out, resume=True)
    assert cache.read_bytes() == before
    assert not folder.scores.is_symlink()
    assert {r.video for r in read_scores(folder.scores)} == {f"v{k}.mp4" for k in range(6)}
    assert "the link is replaced" in caplog.text
