"""Hostile run folders and method return values, round 18.

A folder of the run folder that is not a method folder (a misspelt ``scores.json`` or
``Scores.jsonl``, a run folder nested inside, a link back to the run folder) is left out with a
warning naming it and why, not dropped from the report without a word; a run file put directly
in RUN is named; a link loop is not called a link to nothing; a run folder, or a folder in it,
that cannot be read is an error naming it (was a traceback); ``trajectories`` that is a file,
and ``caption_run.json`` that is a folder, are errors (were read as no trajectories, no caption
run). The runner counts and warns of scores a method returns for questions it was not asked
(another video's question, a Question object for a key), and records one score per question
text.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import camerabench.jobs.runner as runner
from camerabench.baselines.base import VideoResult
from camerabench.baselines.dummy import DummyPredictor
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.jobs.runner import run_predict
from camerabench.records import read_scores
from camerabench.runfolder import CAPTION_RUN_INFO_FILE, SCORES_FILE, TRAJECTORIES_DIR, read_run

_REAL_PREDICT = DummyPredictor.predict


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- folders of RUN that are not method folders ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scores.json", "holds scores.json (for scores.jsonl?), not scores.jsonl, captions.jsonl"),
        ("Scores.jsonl", "holds Scores.jsonl (for scores.jsonl?), not scores.jsonl, captions.jsonl"),
        ("RUN.JSON", "holds RUN.JSON (for run.json?)"),
    ],
)
def test_a_folder_with_a_misspelt_run_file_is_warned_of_by_name(
    name: str, expected: str, run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The folder was left out without a word: the method was missing from the report."""
    typo = run / "fast"
    typo.mkdir()
    shutil.copy(run / "dummy" / SCORES_FILE, typo / name)
    with caplog.at_level(logging.WARNING):
        methods = read_run(run)
    assert list(methods) == ["dummy"]  # not an error: other tools may put folders there
    (warned,) = [w for w in _warnings(caplog) if "fast" in w]
    assert warned.startswith(f"{typo}: not a method folder, left out: ")
    assert expected in warned and "rename the file" in warned


def test_other_folders_are_named_with_what_they_hold_and_hidden_ones_stay_silent(
    run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (run / "empty").mkdir()
    (run / "notes").mkdir()
    (run / "notes" / "todo.txt").write_text("x")
    (run / "calib").mkdir()
    (run / "calib" / "calibration.json").write_text("{}")  # calibration alone: no run of the method
    (run / ".cache").mkdir()
    (run / ".cache" / "scores.json").write_text("{}")
    (run / "README.md").write_text("a note beside the methods")  # a file naming no run file: silent
    with caplog.at_level(logging.WARNING):
        assert list(read_run(run)) == ["dummy"]
    warned = _warnings(caplog)
    assert len(warned) == 3 and not any(".cache" in w or "README" in w for w in warned)
    assert f"{run / 'empty'}: not a method folder, left out: an empty folder" in warned[1]
    assert warned[2].startswith(f"{run / 'notes'}: not a method folder, left out: holds no run file")
    assert warned[2].endswith("only todo.txt")
    assert warned[0].endswith("only calibration.json")


def test_a_run_file_directly_in_the_run_folder_is_named(run: Path, caplog: pytest.LogCaptureFixture) -> None:
    shutil.copy(run / "dummy" / SCORES_FILE, run / SCORES_FILE)  # a method's file one folder too high
    with caplog.at_level(logging.WARNING):
        assert list(read_run(run)) == ["dummy"]
    assert _warnings(caplog) == [
        f"{run / SCORES_FILE}: not a method folder, left out: a run file directly in the run folder "
        "(expected scores.jsonl in a method folder RUN/<method>/)"
    ]


def test_a_run_folder_nested_in_the_run_folder_is_named_in_the_warning_and_the_error(
    run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (run / "group").mkdir()
    shutil.move(run / "dummy", run / "group" / "dummy")
    with caplog.at_level(logging.WARNING), pytest.raises(FileFormatError) as exc:
        read_run(run)
    hint = "holds the method folder(s) dummy: a run folder inside the run folder?"
    assert _warnings(caplog) == [f"{run / 'group'}: not a method folder, left out: {hint}"]
    assert str(exc.value).endswith(f"found (1 entry(ies) left out, e.g. group: {hint})")


def test_links_back_to_the_run_folder_and_link_loops_are_named_as_what_they_are(
    run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A link loop was warned of as a 'link to nothing ... from a moved or deleted run'; a link to the
    run folder itself was left out without a word."""
    (run / "loop").symlink_to(run / "loop")
    (run / "up").symlink_to(run)
    (run / "dummy" / "up").symlink_to(run)  # inside a method folder: not followed, harmless
    with caplog.at_level(logging.WARNING):
        assert list(read_run(run)) == ["dummy"]
    assert _warnings(caplog) == [
        f"{run}: 1 link loop(s) left out (e.g. loop -> {run / 'loop'}): a link that leads back to itself",
        f"{run / 'up'}: not a method folder, left out: a link to the run folder itself, or a folder above it "
        f"(-> {run})",
    ]
    loop = run.parent / "loop_run"
    loop.symlink_to(loop)
    with pytest.raises(FileFormatError, match=r"loop_run: run folder is a link loop \(-> "):
        read_run(loop)  # was: "run folder not found"


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path, method: str) -> None:
    """``Path.<method>`` of ``denied`` (for stat: of what is inside it) raises EACCES, as for a
    file or folder without read (search) permission (tests run as root read anything)."""
    real = getattr(Path, method)

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == denied if method == "stat" else self == denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, guarded)


def test_an_unreadable_run_folder_is_an_error_naming_it(run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _deny(monkeypatch, run, "iterdir")
    with pytest.raises(FileFormatError) as exc:  # was: a PermissionError traceback
        read_run(run)
    assert str(exc.value) == f"{run}: cannot read the run folder: Permission denied"


def test_a_method_folder_that_cannot_be_searched_is_an_error_naming_it(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deny(monkeypatch, run / "dummy", "stat")  # stat of dummy/scores.jsonl fails, as without x permission
    with pytest.raises(FileFormatError) as exc:  # was: a PermissionError traceback
        read_run(run)
    assert str(exc.value).startswith(f"{run / 'dummy'}: cannot read: Permission denied (fix its permissions")


def test_trajectories_that_are_a_file_or_a_link_loop_are_an_error(run: Path) -> None:
    """Read as a method without trajectories: its trajectory section left out without a word."""
    traj = run / "dummy" / TRAJECTORIES_DIR
    traj.write_bytes(b"")
    with pytest.raises(FileFormatError) as exc:
        read_run(run)
    assert str(exc.value) == f"{traj}: is a file, not the folder of the method's trajectories"
    traj.unlink()
    traj.symlink_to(traj)
    with pytest.raises(FileFormatError, match=r"trajectories: is a link loop \(-> .*\), not the folder"):
        read_run(run)


def test_a_caption_run_json_that_is_a_folder_is_an_error(run: Path) -> None:
    """Left out without a word: an unfinished caption run was not warned of."""
    (run / "dummy" / CAPTION_RUN_INFO_FILE).mkdir()
    with pytest.raises(FileFormatError, match=r"caption_run\.json: is a folder, not a file"):
        read_run(run)


# --- the runner: scores for questions not asked -----------------------------------------------


def _predict_with(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    def predict(self: DummyPredictor, video_path: Path, questions: list[Question]) -> VideoResult:
        result = _REAL_PREDICT(self, video_path, questions)
        return change(video_path.name, result, questions)

    monkeypatch.setattr(DummyPredictor, "predict", predict)


def test_scores_for_questions_not_asked_are_counted_and_warned_of(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Dropped without a word: a method keying scores by another text lost them unsaid."""

    def change(video: str, result: VideoResult, questions: list[Question]) -> VideoResult:
        if video in ("v1.mp4", "v3.mp4"):
            result.scores["Is the camera zooming?"] = 0.5  # not asked of this video
            result.scores[f"{video}: {questions[0].text}"] = 0.1  # keyed with the video's name
        return result

    _predict_with(monkeypatch, change)
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "dummy", tmp_path / "r")
    assert summary.unasked_scores == 4 and summary.videos_ok == 6
    (warned,) = [w for w in _warnings(caplog) if "not asked" in w]
    assert warned.startswith(
        "method 'dummy' returned 4 score(s) on 2 video(s) for questions it was not asked, not recorded "
        "(e.g. on v1.mp4: 'Is the camera zooming?')"
    )
    scores = read_scores(tmp_path / "r" / "dummy" / SCORES_FILE)
    assert len(scores) == 12 and all(r.status == "ok" for r in scores)


def test_scores_keyed_by_question_objects_are_named_not_lost_unsaid(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def change(video: str, result: VideoResult, questions: list[Question]) -> VideoResult:
        return VideoResult({q: 0.5 for q in questions})

    _predict_with(monkeypatch, change)
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "dummy", tmp_path / "r")
    assert summary.unasked_scores == 12 and summary.videos_failed == 6
    (warned,) = [w for w in _warnings(caplog) if "not asked" in w]
    assert "12 score(s) on 6 video(s)" in warned and "e.g. on v0.mp4: Question(text=" in warned


def test_a_question_text_asked_twice_is_recorded_once(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Two records of one (video, question) were written: the run read back with duplicates."""
    real_job = runner._predict_job

    def job(video: str, path: str, questions: list[Question]) -> Any:  # the same text asked twice
        return real_job(video, path, [*questions, Question(questions[0].text)])

    monkeypatch.setattr(runner, "_predict_job", job)
    with caplog.at_level(logging.WARNING):
        run_predict(data, "dummy", tmp_path / "r")
    scores = read_scores(tmp_path / "r" / "dummy" / SCORES_FILE)
    assert len(scores) == 12 and len({(r.video, r.question) for r in scores}) == 12
    assert read_run(tmp_path / "r")["dummy"].duplicates == 0


def test_a_method_folder_that_is_a_link_loop_is_an_error_naming_it(data: Path, tmp_path: Path) -> None:
    """Was a RuntimeError traceback ('Symlink loop from ...') from resolving the method folder."""
    out = tmp_path / "r"
    out.mkdir()
    (out / "dummy").symlink_to(out / "dummy")
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", out)
    assert str(exc.value).startswith(f"{out / 'dummy'}: a link loop (a link that leads back to itself) on the way")
