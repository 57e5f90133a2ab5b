"""Hostile inputs, round 30: atomic writes, appends and folder locks (camerabench.fileio, camerabench.locks).

A full disk, a read-only location and a file system without locks are simulated (monkeypatch);
links, folders, pipes and lock files are real.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from camerabench import fileio, locks
from camerabench.errors import CameraBenchError
from camerabench.fileio import WriteError, append_jsonl, atomic_open, write_json
from camerabench.locks import LOCK_FILE, FolderInUseError, FolderLock

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process start times read /proc (Linux)")

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
EROFS = OSError(errno.EROFS, os.strerror(errno.EROFS))


class _Os:
    """``os`` as camerabench.fileio sees it, with some calls replaced."""

    def __init__(self, **replaced: Any) -> None:
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def _fail(exc: OSError) -> Any:
    def call(*_: object, **__: object) -> None:
        raise exc

    return call


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- a full disk -----------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_a_disk_filling_up_at_any_step_keeps_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """Regression guard (it held before): the previous content stays, no temporary file, one line
    naming the file and the reason."""
    path = tmp_path / "run.json"
    write_json(path, {"videos": 3})
    before = path.read_bytes()
    if step != "write":
        monkeypatch.setattr(fileio, "os", _Os(**{step: _fail(ENOSPC)}))
    with pytest.raises(WriteError) as err, atomic_open(path) as fh:
        fh.write('{"videos": 4, "tor')
        if step == "write":  # what fh.write raises when the disk fills under it
            raise ENOSPC
    assert str(err.value) == f"{path}: cannot write: No space left on device"
    assert path.read_bytes() == before and _leftovers(tmp_path) == []


def test_a_temporary_file_that_cannot_be_removed_does_not_hide_why_the_write_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The location turned read-only mid-write (the rename refused, then the removal of the
    temporary file too): was a bare ``OSError: [Errno 30]`` traceback about neither file."""
    path = tmp_path / "run.json"
    write_json(path, {"videos": 3})
    monkeypatch.setattr(fileio, "os", _Os(replace=_fail(EROFS), unlink=_fail(EROFS)))
    with caplog.at_level(logging.WARNING), pytest.raises(WriteError) as err:
        write_json(path, {"videos": 4})
    monkeypatch.undo()
    assert str(err.value) == f"{path}: cannot write: Read-only file system"
    (left,) = _leftovers(tmp_path)
    assert f"cannot remove the temporary file {tmp_path / left} of the failed write (Read-only file system)" in (
        caplog.text
    )
    assert fileio.read_json(path) == {"videos": 3}


# --- a read-only folder ----------------------------------------------------------------------


def test_a_folder_that_refuses_new_files_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was ``run/dummy/run.json: cannot write: Permission denied`` for a run.json that may not
    exist: the folder is at fault (root is let in, so the refusal is simulated)."""
    folder = tmp_path / "run" / "dummy"
    folder.mkdir(parents=True)
    real_open = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(os.fsdecode(path)).parent == folder and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(WriteError) as err:
        write_json(folder / "run.json", {})
    assert str(err.value) == (
        f"{folder / 'run.json'}: cannot write: Permission denied (no new file can be made in the folder {folder})"
    )


# --- what is at the target's path ------------------------------------------------------------


def test_a_folder_at_the_target_is_refused_before_the_work_is_done(tmp_path: Path) -> None:
    """Was: the caller's work (an encoded video, a trajectory) done and written, then refused by the rename."""
    (tmp_path / "clip.mp4").mkdir()
    worked = []
    with pytest.raises(WriteError, match=r"clip\.mp4: is a folder, not a file$"), atomic_open(tmp_path / "clip.mp4"):
        worked.append(True)
    assert worked == [] and _leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["pipe", "link to a pipe", "link to a folder"])
def test_a_pipe_or_a_link_to_a_folder_at_the_target_is_refused_not_replaced(tmp_path: Path, kind: str) -> None:
    """Was: the pipe (a device such as /dev/null alike) or the link to a folder replaced by the file."""
    path = tmp_path / "metrics.json"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "results").mkdir()
    if kind == "pipe":
        os.mkfifo(path)
        expected = "is not a regular file (a pipe, socket or device): remove it to write this file"
    elif kind == "link to a pipe":
        path.symlink_to(tmp_path / "fifo")
        expected = f"is a link to {tmp_path / 'fifo'}, which is not a regular file (a pipe, socket or device)"
    else:
        path.symlink_to(tmp_path / "results")
        expected = f"is a link to the folder {tmp_path / 'results'}, not a file"
    with pytest.raises(WriteError) as err:
        write_json(path, {})
    assert str(err.value).startswith(f"{path}: {expected}")
    assert path.is_symlink() if kind != "pipe" else not path.is_file()
    with pytest.raises(WriteError) as err:
        append_jsonl(path, [{}])  # was: a pipe without a reader waited on without end
    assert str(err.value).startswith(f"{path}: {expected}")


def test_a_link_at_an_output_is_replaced_by_the_file_with_a_warning_its_target_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: replaced without a word (a researcher finds the link gone); the target must not be
    written (a DVC or git-annex cache file, the file of another run)."""
    target = tmp_path / "cache" / "metrics.json"
    target.parent.mkdir()
    target.write_text('{"ap": 0.5}\n')
    path = tmp_path / "metrics.json"
    path.symlink_to(target)
    with caplog.at_level(logging.WARNING):
        write_json(path, {"ap": 0.7})
    assert not path.is_symlink() and fileio.read_json(path) == {"ap": 0.7}
    assert target.read_text() == '{"ap": 0.5}\n'
    assert f"{path}: was a link to {target}; camerabench writes its outputs as files of their own" in caplog.text


def test_appending_to_a_link_appends_to_a_copy_not_to_the_links_target(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: the lines appended to the target (another run's scores; every other write replaced the link)."""
    other = tmp_path / "run_a" / "scores.jsonl"
    other.parent.mkdir()
    other.write_text('{"video": "a.mp4"}\n')
    path = tmp_path / "run_b" / "scores.jsonl"
    path.parent.mkdir()
    path.symlink_to(other)
    with caplog.at_level(logging.WARNING):
        append_jsonl(path, [{"video": "b.mp4"}])
    assert other.read_text() == '{"video": "a.mp4"}\n'
    assert not path.is_symlink() and path.read_text() == '{"video": "a.mp4"}\n{"video": "b.mp4"}\n'
    assert f"{path}: was a link to {other}" in caplog.text


def test_appending_to_a_broken_link_creates_no_file_where_it_points(tmp_path: Path) -> None:
    """Was: the link's missing target created (outside the run folder), the link left."""
    nowhere = tmp_path / "elsewhere" / "scores.jsonl"
    nowhere.parent.mkdir()
    path = tmp_path / "scores.jsonl"
    path.symlink_to(nowhere)
    append_jsonl(path, [{"video": "b.mp4"}])
    assert not nowhere.exists()
    assert not path.is_symlink() and path.read_text() == '{"video": "b.mp4"}\n'


# --- locks: what the lock file says ----------------------------------------------------------


def _start_time_of_this_process() -> int:
    data = Path(f"/proc/{os.getpid()}/stat").read_bytes()
    return int(data[data.rfind(b")") + 2 :].split()[19])


@linux_only
def test_the_lock_file_records_pid_host_and_start_time(tmp_path: Path) -> None:
    with FolderLock(tmp_path / "run folder" / "métho d 中") as lock:  # spaces and non-ASCII in the path
        lines = lock.path.read_text().splitlines()
        assert lines == [str(os.getpid()), f"host {socket.gethostname()}", f"started {_start_time_of_this_process()}"]
        with pytest.raises(FolderInUseError) as err:
            FolderLock(lock.folder, "run folder").acquire()
        assert str(err.value).startswith(f"{lock.folder}: run folder in use by another camerabench process (pid ")
    assert not lock.path.exists()


def _held_by(folder: Path, text: str) -> FolderLock:
    """A lock held by this process, its file then rewritten as another holder's."""
    lock = FolderLock(folder)
    lock.acquire()
    lock.path.write_text(text)
    return lock


def _refusal(folder: Path) -> str:
    with pytest.raises(FolderInUseError) as err:
        FolderLock(folder, "run folder").acquire()
    return str(err.value)


def test_a_holder_on_another_host_is_named_with_its_host(tmp_path: Path) -> None:
    """A shared folder (NFS) locked from another machine: was ``(pid 4242)``, a pid that names
    nothing (or another process) here; a user finding no such process took the lock for stale."""
    lock = _held_by(tmp_path, "4242\nhost node17.cluster\nstarted 1234\n")
    try:
        assert "(pid 4242 on host node17.cluster); wait for it" in _refusal(tmp_path)
        with open(lock.path, "rb") as fh:
            assert locks.lock_holder(fh.fileno()) == "pid 4242 on host node17.cluster"
    finally:
        lock.release()


def test_a_holder_whose_recorded_pid_has_ended_is_said_to_have_ended(tmp_path: Path) -> None:
    """The lock held on by a process the recorded one forked (a data-loader worker): was ``(pid N)``
    for a pid that is gone."""
    lock = _held_by(tmp_path, f"999999999\nhost {socket.gethostname()}\n")
    try:
        assert "(pid 999999999, which has ended: a process it started holds the lock on; stop that one)" in (
            _refusal(tmp_path)
        )
    finally:
        lock.release()


@linux_only
def test_a_holder_whose_pid_now_names_another_process_is_told_from_it(tmp_path: Path) -> None:
    """PID reuse: the recorded pid is alive but started at another time (another process)."""
    lock = _held_by(
        tmp_path, f"{os.getpid()}\nhost {socket.gethostname()}\nstarted {_start_time_of_this_process() + 1}\n"
    )
    try:
        assert f"(pid {os.getpid()}, which has ended (the pid now names another process)" in _refusal(tmp_path)
    finally:
        lock.release()


# --- locks: a lock file left behind ----------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "warned"),
    [
        ("999999999\n", "left by pid 999999999, which no longer holds the lock"),  # a killed run (old format)
        ("1\nhost {host}\nstarted 1\n", "left by pid 1, which no longer holds the lock"),  # a live pid reused
        ("4242\nhost node17.cluster\n", "left by pid 4242 on host node17.cluster, which this machine cannot see"),
        ("42\x00\x00#", "holds no pid ('42\\x00\\x00#'), what a process stopped while writing it leaves"),
    ],
    ids=["killed", "pid reused", "another host", "garbage"],
)
def test_a_lock_file_left_behind_is_taken_over_with_a_warning_naming_who_left_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, left: str, warned: str
) -> None:
    """Was: taken over without a word (the earlier run was killed: its output may be partial;
    from another host, on a file system keeping locks per machine, it may still be running)."""
    (tmp_path / LOCK_FILE).write_text(left.format(host=socket.gethostname()))
    with caplog.at_level(logging.WARNING), FolderLock(tmp_path, "method folder") as lock:
        assert lock.path.read_text().splitlines()[0] == str(os.getpid())
    assert f"{tmp_path / LOCK_FILE}: {warned}" in caplog.text and "taking the method folder over" in caplog.text
    if "node17" in left:
        assert "NFS mounted with nolock or local_lock" in caplog.text


def test_an_empty_lock_file_is_taken_over_quietly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / LOCK_FILE).write_text("")
    with caplog.at_level(logging.WARNING), FolderLock(tmp_path):
        pass
    assert caplog.text == ""


@pytest.mark.parametrize("code", [errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP])
def test_a_file_system_without_locks_is_said_to_have_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """NFS without its lock service, Lustre without -o flock: was ``.camerabench.lock: cannot
    write: No locks available`` (the file had been written)."""
    monkeypatch.setattr(locks.fcntl, "flock", _fail(OSError(code, os.strerror(code))))
    with pytest.raises(CameraBenchError) as err:
        FolderLock(tmp_path, "method folder").acquire()
    assert str(err.value) == (
        f"{tmp_path}: cannot lock the method folder: its file system provides no file locks (flock: "
        f"{os.strerror(code)}; an NFS mount without its lock service, Lustre without -o flock?); choose an "
        "output folder on a file system that does"
    )
