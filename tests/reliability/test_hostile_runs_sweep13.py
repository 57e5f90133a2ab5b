"""Hostile run folders, thirteenth round: states of ``RUN/<method>`` and of a run's inputs that
hung, crashed with a traceback, lost computed work or left wrong files.

- a last line cut within a UTF-8 character was reported as a file that is not UTF-8, not as
  the incomplete last line ``--resume`` mends;
- a pipe in place of ``scores.jsonl`` made ``--resume`` wait without end;
- a ``scores.jsonl`` the run cannot append to was found after the first video's work;
- a lock file that cannot be removed replaced the run's result (or its error) with a
  PermissionError traceback; a lock file removed by hand and made anew by a second run was
  removed by the first, letting a third writer in;
- a method raising a ``BaseException`` that is no ``Exception`` (``asyncio.CancelledError``)
  stopped the run with a traceback, or killed the worker process;
- a file name near the 255-byte limit could not be written (its temporary name was too long);
- a trajectory an earlier run saved stayed beside a video this run failed on, and was
  evaluated as this run's.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import json
import logging
import os
import shutil
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.base import VideoResult
from camerabench.baselines.dummy import DummyPredictor
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import atomic_write_text, read_text
from camerabench.jobs.runner import run_predict
from camerabench.jobs.workers import run_in_workers
from camerabench.locks import LOCK_FILE, FolderInUseError, FolderLock
from camerabench.records import read_run_info, read_scores
from camerabench.runfolder import read_method

_REAL_PREDICT = DummyPredictor.predict


@pytest.fixture()
def data(six_videos: Path, tmp_path: Path) -> Path:
    """A private copy of the six-video dataset (some tests change a video)."""
    return Path(shutil.copytree(six_videos, tmp_path / "data"))


@pytest.fixture()
def run(data: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    run_predict(data, "dummy", out)
    return out


def _predict_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The videos DummyPredictor.predict is called on (in this process)."""
    calls: list[str] = []

    def predict(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        calls.append(video_path.name)
        return _REAL_PREDICT(self, video_path, questions)

    monkeypatch.setattr(DummyPredictor, "predict", predict)
    return calls


# --- a last line cut within a character ------------------------------------------------------


def test_a_last_line_cut_within_a_character_is_an_incomplete_line_and_resume_completes(run: Path, data: Path) -> None:
    """A run stopped while appending a failure reason in French ('échec') left its last byte
    0xc3: read as 'not UTF-8 text', which sends the user to re-encode a file that only needs
    ``--resume``."""
    scores = run / "dummy" / "scores.jsonl"
    whole = scores.read_bytes()
    lines = whole.splitlines(keepends=True)
    record = json.loads(lines[-1])
    torn = json.dumps({**record, "score": None, "status": "failed", "reason": "échec"}, ensure_ascii=False).encode()
    scores.write_bytes(b"".join(lines[:-1]) + torn[: torn.index("é".encode()) + 1])
    with pytest.raises(FileFormatError) as exc:
        read_method(run / "dummy")
    message = str(exc.value)
    assert message.startswith(f"{scores}:{len(lines)}: incomplete last line, with no line break after it")
    assert "`--resume` drops it and runs that video again" in message
    run_predict(data, "dummy", run, resume=True)
    assert scores.read_bytes() == whole
    # only a character cut at the end of the last line is taken for an interrupted append
    scores.write_bytes(whole[:-3] + b"\xff}")
    with pytest.raises(FileFormatError) as exc:
        read_method(run / "dummy")
    assert "not UTF-8 text: byte 0xff" in str(exc.value) and "incomplete" not in str(exc.value)


# --- what stands in place of scores.jsonl ----------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes (POSIX)")
def test_a_pipe_in_place_of_the_scores_file_is_refused_not_waited_on(run: Path, data: Path) -> None:
    scores = run / "dummy" / "scores.jsonl"
    scores.unlink()
    os.mkfifo(scores)
    raised: list[BaseException] = []

    def resume() -> None:
        try:
            run_predict(data, "dummy", run, resume=True)
        except BaseException as exc:  # noqa: BLE001 - checked below
            raised.append(exc)

    thread = threading.Thread(target=resume)
    thread.start()
    thread.join(5)
    waited = thread.is_alive()
    if waited:  # the old code reads the pipe: a writer that closes it lets the read end
        fd = os.open(scores, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join()
    assert not waited, "--resume waited on the pipe"
    assert len(raised) == 1 and isinstance(raised[0], CameraBenchError)
    assert str(raised[0]) == (
        f"{scores}: is not a regular file (a pipe, socket or device): remove it to run into this folder"
    )


def test_a_scores_file_the_run_cannot_append_to_is_refused_before_any_video(
    run: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only scores.jsonl (root is let in, so the refusal is simulated): the first
    video's work was done, then lost, before the append said so."""
    scores = run / "dummy" / "scores.jsonl"
    lines = scores.read_text().splitlines(keepends=True)
    scores.write_text("".join(ln for ln in lines if json.loads(ln)["video"] < "v3"))  # v0-v2 recorded
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(os.fsdecode(path)) == scores and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    calls = _predict_calls(monkeypatch)
    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", run, resume=True)
    assert str(exc.value).startswith(f"{scores}: cannot write: Permission denied")
    assert calls == []  # refused before any video ran


# --- the lock file ---------------------------------------------------------------------------


def test_a_lock_file_removed_by_hand_is_not_removed_from_under_its_new_holder(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "dummy"
    first = FolderLock(folder)
    first.acquire()
    (folder / LOCK_FILE).unlink()  # "a stale lock": removed by hand while the first run goes on
    second = FolderLock(folder)
    second.acquire()  # a new file, a new lock: the first run's is on the removed one
    try:
        first.release()
        assert (folder / LOCK_FILE).exists()  # the second run's lock file stays
        with pytest.raises(FolderInUseError):  # so a third writer is still kept out
            FolderLock(folder).acquire()
    finally:
        second.release()
    assert not (folder / LOCK_FILE).exists()


def _lock_unremovable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Path.unlink refuses the lock file (the folder made read-only during the run)."""
    real_unlink = Path.unlink

    def unlink(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.name == LOCK_FILE:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)


def test_a_lock_file_that_cannot_be_removed_leaves_the_finished_run_as_it_is(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every video recorded, then a PermissionError traceback for the lock file."""
    _lock_unremovable(monkeypatch)
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (6, 0)
    assert f"{tmp_path / 'dummy' / LOCK_FILE}: cannot remove the lock file (Permission denied)" in caplog.text
    monkeypatch.undo()
    run_predict(data, "dummy", tmp_path, resume=True)  # the file left is unlocked


def test_a_lock_file_that_cannot_be_removed_does_not_hide_why_the_run_stopped(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lock_unremovable(monkeypatch)

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", tmp_path)
    assert str(exc.value).startswith(f"{tmp_path / 'dummy' / 'run.json'}: cannot write: No space left on device")


# --- exceptions that are no Exception --------------------------------------------------------


def test_a_cancelled_error_from_a_method_fails_that_video_only(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncio.CancelledError (a BaseException) from a method's own event loop stopped the run."""

    def predict(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        if video_path.name == "v1.mp4":
            raise asyncio.CancelledError("request cancelled")
        return _REAL_PREDICT(self, video_path, questions)

    monkeypatch.setattr(DummyPredictor, "predict", predict)
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    assert summary.failures == {"v1.mp4": "CancelledError: request cancelled"}

    def interrupt(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(DummyPredictor, "predict", interrupt)  # Ctrl-C still stops the run
    with pytest.raises(KeyboardInterrupt):
        run_predict(data, "dummy", tmp_path / "again")


_JOBS = """
import asyncio


def noop(*args):
    pass


def job(kind, x):
    if kind == "cancelled":
        raise asyncio.CancelledError(f"cancelled on {x}")
    return x
"""


@pytest.fixture()
def jobs_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    folder = tmp_path / "jobs_module"
    folder.mkdir()
    (folder / "sweep13_jobs.py").write_text(textwrap.dedent(_JOBS))
    monkeypatch.syspath_prepend(str(folder))  # spawned workers get the parent's sys.path
    yield importlib.import_module("sweep13_jobs")
    sys.modules.pop("sweep13_jobs", None)


def test_a_cancelled_error_in_a_worker_is_that_jobs_failure_not_a_death(jobs_module: ModuleType) -> None:
    """It killed the worker: recorded as 'worker process died (exit code 1)', a new one started."""
    jobs = [("ok", 0), ("cancelled", 1), ("ok", 2)]
    done = {d.index: (d.result, d.died) for d in run_in_workers(jobs, 1, jobs_module.noop, (), jobs_module.job, "w")}
    assert done == {0: (0, None), 1: (None, "CancelledError: cancelled on 1"), 2: (2, None)}


# --- file names near the limit ---------------------------------------------------------------


@pytest.mark.parametrize("stem", ["a" * 251, "a" + "é" * 125])  # 255 bytes with .npz; the second cut mid-character
def test_a_file_name_near_the_limit_is_written(tmp_path: Path, stem: str) -> None:
    """A video named with 251 bytes before .mp4 has its trajectory as <stem>.npz (255 bytes): the
    temporary name beside it was 14 bytes longer, and the run stopped with 'File name too long'."""
    path = tmp_path / f"{stem}.npz"
    atomic_write_text(path, "x")
    assert read_text(path) == "x"
    assert os.listdir(tmp_path) == [path.name]


# --- a trajectory of an earlier run ----------------------------------------------------------


def test_a_trajectory_of_an_earlier_run_is_removed_when_this_run_fails_on_its_video(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v1 is replaced by another clip; the resumed run fails on it, and its old trajectory (of the
    old clip) stayed: evaluation reads the trajectory file, so it scored the old clip's estimate."""
    from camerabench.trajectory import Trajectory
    from camerabench.video import write_video

    def predict(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        result: VideoResult = _REAL_PREDICT(self, video_path, questions)
        result.trajectory = Trajectory(np.tile(np.eye(4), (3, 1, 1)), None, np.arange(3.0), {})
        return result

    monkeypatch.setattr(DummyPredictor, "predict", predict)
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    kept = run / "dummy" / "trajectories" / "v1.npz"
    assert kept.is_file()

    write_video(data / "videos" / "v1.mp4", np.full((4, 16, 16, 3), 200, np.uint8), fps=4)

    def fail_on_v1(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        if video_path.name == "v1.mp4":
            raise PredictionError("v1.mp4: cannot estimate")
        return predict(self, video_path, questions)

    monkeypatch.setattr(DummyPredictor, "predict", fail_on_v1)
    run_predict(data, "dummy", run, resume=True)
    assert read_run_info(run / "dummy" / "run.json").failures == {"v1.mp4": "v1.mp4: cannot estimate"}
    assert {r.status for r in read_scores(run / "dummy" / "scores.jsonl") if r.video == "v1.mp4"} == {"failed"}
    assert not kept.exists()
    assert (run / "dummy" / "trajectories" / "v2.npz").is_file()  # the others' stay
