"""Exclusive use of an output folder by one process at a time (Linux and other POSIX systems).

A job that writes into a folder (``predict`` / ``caption`` into ``RUN/<method>``, ``synth`` into
its dataset folder) holds :class:`FolderLock` on it for as long as it writes. The lock is an
``fcntl.flock`` on the file :data:`LOCK_FILE` inside the folder, so the kernel releases it when
the holding process ends for any reason, ``SIGKILL`` included: a killed run never leaves the
folder locked. A second writer gets a one-line :class:`FolderInUseError` naming the folder and
the holder's process id (written into the lock file, with the holder's host name and, on Linux,
its start time). The holder removes the lock file when it releases the lock (a taker checks that
the file it locked is still the one at the path, so the removal cannot let two writers in); a
killed holder leaves it behind, unlocked and harmless: the next taker takes the folder over
with a warning naming the pid (and host) that left it.

Whether a folder is locked is the kernel's flock alone, never whether the recorded pid is
alive: a pid can be reused by another process after a reboot or a long time, and the holder's
lock can be held on by a process it forked. The pid, host and start time only make the
messages right: a holder on another machine is named with its host (its pid means nothing
here), and a recorded pid that has ended or now names another process (its start time differs)
is said to be gone, the lock held by a process it started.

flock locks are advisory: they keep camerabench processes apart on one machine, and on network
file systems where those share flock between machines (NFSv4, NFSv3 with its lock service,
Lustre mounted with ``-o flock``). Where a file system keeps them per machine (NFS mounted with
``nolock`` or ``local_lock``, Lustre with ``localflock``), a lock file left by another host is
taken over with a warning saying so; where it has no locks at all, acquiring is an error saying so.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "run" / "fast"
    >>> with FolderLock(folder) as lock:
    ...     lock.path.name, lock.path.exists()
    ('.camerabench.lock', True)
    >>> lock.path.exists()
    False
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from camerabench.errors import CameraBenchError
from camerabench.fileio import make_folder, write_error

__all__ = ["LOCK_FILE", "FolderInUseError", "FolderLock", "lock_holder"]

log = logging.getLogger(__name__)

#: The lock file's name inside a locked folder.
LOCK_FILE = ".camerabench.lock"


class FolderInUseError(CameraBenchError):
    """Another process holds the lock on the folder."""


class FolderLock:
    """An exclusive, non-blocking lock on ``folder`` (created when missing); a context manager.

    Args:
        folder: the folder to lock.
        what: how the folder is named in the error message (e.g. ``"run folder"``).

    Raises (on acquiring):
        FolderInUseError: another process holds it.
        CameraBenchError: the folder cannot be created or the lock file cannot be written
            (naming the path and the operating system's reason), or a symbolic link, pipe or
            device is in the lock file's place (a link is never followed: its target was
            truncated and overwritten with the pid).
    """

    def __init__(self, folder: str | Path, what: str = "folder") -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_FILE
        self.what = what
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        make_folder(self.folder)
        while True:
            fd = self._lock_once()
            if fd is not None:
                break
        try:
            self._warn_taken_over(_read_holder(fd))
            os.ftruncate(fd, 0)
            os.write(fd, _Holder.of_this_process().text().encode("utf-8", "backslashreplace"))
        except OSError as exc:
            self._fd = fd
            self.release()
            raise write_error(self.path, exc) from exc
        self._fd = fd

    def _lock_once(self) -> int | None:
        """The locked file descriptor, or None when the lock file was replaced meanwhile (retry)."""
        try:
            # O_NOFOLLOW: a symbolic link in the lock file's place is never followed, so its target
            # (a file of the user's) is not truncated and overwritten with a pid; O_NONBLOCK: a pipe
            # there is not waited on (both are refused below)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP and self.path.is_symlink():
                raise self._not_a_lock_file("a symbolic link") from None
            raise write_error(self.path, exc) from exc
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise self._not_a_lock_file("not a regular file (a pipe, socket or device)")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise FolderInUseError(
                f"{self.folder}: {self.what} in use by another camerabench process ({holder.who()}); "
                "wait for it to finish or choose another output folder"
            ) from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in _NO_LOCKS:  # it was "cannot write: No locks available", the file written
                raise CameraBenchError(
                    f"{self.folder}: cannot lock the {self.what}: its file system provides no file locks "
                    f"(flock: {exc.strerror or exc}; an NFS mount without its lock service, Lustre without "
                    "-o flock?); choose an output folder on a file system that does"
                ) from exc
            raise write_error(self.path, exc) from exc
        # The holder before us removes the file when it releases: the lock we got may be on that
        # removed file. It counts only if the path still names the file we locked.
        if not _same_file(self.path, fd):
            os.close(fd)
            return None
        return fd

    def _warn_taken_over(self, left: _Holder) -> None:
        """Warn that the lock file just locked was left by a process that no longer holds it."""
        if not left.raw.strip():  # new (ours), or emptied by a holder stopped before writing it
            return
        if left.pid is None:
            log.warning(
                "%s: holds no pid (%r), what a process stopped while writing it leaves; taking the %s over",
                self.path,
                left.raw[:40],
                self.what,
            )
        elif left.host is not None and left.host != _host():
            log.warning(
                "%s: left by pid %d on host %s, which this machine cannot see: the file system let this process "
                "lock it, so that process has ended, unless this file system keeps locks per machine (NFS "
                "mounted with nolock or local_lock, Lustre with localflock); if that run still goes on there, "
                "stop one of the two; taking the %s over",
                self.path,
                left.pid,
                left.host,
                self.what,
            )
        else:
            log.warning(
                "%s: left by pid %d, which no longer holds the lock (it ended without removing the file: killed?); "
                "taking the %s over",
                self.path,
                left.pid,
                self.what,
            )

    def _not_a_lock_file(self, what: str) -> CameraBenchError:
        return CameraBenchError(
            f"{self.path}: is {what}, not the lock file camerabench writes (a plain file); "
            f"remove it to use the {self.what}"
        )

    def release(self) -> None:
        """Give the lock up: remove the lock file, then close it (which releases the flock).

        The file at the path is removed only while it is the one locked: one removed by hand
        during the run and made anew by another process is that process's lock (removing it
        let a third writer in). A lock file that cannot be removed (a folder made read-only
        during the run) is left with a warning, unlocked and harmless: the error was raised
        instead of the run's own (its result, or the reason it stopped).
        """
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                if _same_file(self.path, fd):
                    self.path.unlink()
            except OSError as exc:
                reason = exc.strerror or exc
                log.warning("%s: cannot remove the lock file (%s); it is left, unlocked", self.path, reason)
            finally:
                os.close(fd)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


#: What flock answers on a file system without file locks.
_NO_LOCKS = (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP)


def _host() -> str:
    return socket.gethostname()


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot (Linux's /proc/<pid>/stat field 22);
    None where that cannot be read (another system, the process gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat_line = fh.read()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces and parentheses: fields
    # are counted from the last ')'
    fields = stat_line[stat_line.rfind(b")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (one of another user's included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # there, but another user's
        return True
    except (OverflowError, ValueError):  # no pid at all (beyond the system's range)
        return False
    return True


@dataclass(frozen=True)
class _Holder:
    """What a lock file says of the process that wrote it: ``PID`` on its first line, then
    ``host NAME`` and (Linux) ``started TICKS`` lines (an earlier camerabench wrote the pid
    only: read as this host's)."""

    raw: str
    pid: int | None = None
    host: str | None = None
    started: int | None = None

    @classmethod
    def of_this_process(cls) -> _Holder:
        pid = os.getpid()
        return cls("", pid, _host(), _start_time(pid) if sys.platform.startswith("linux") else None)

    @classmethod
    def parse(cls, raw: str) -> _Holder:
        lines = raw.splitlines()
        first = lines[0].strip() if lines else ""
        if not (first.isascii() and first.isdigit()) or int(first) == 0:  # pid 0 names no process
            return cls(raw)
        fields = dict(line.partition(" ")[::2] for line in lines[1:])
        started = fields.get("started", "").strip()
        return cls(
            raw,
            int(first),
            fields.get("host") or None,
            int(started) if started.isascii() and started.isdigit() else None,
        )

    def text(self) -> str:
        lines = [str(self.pid), f"host {self.host}"]
        if self.started is not None:
            lines.append(f"started {self.started}")
        return "\n".join(lines) + "\n"

    def who(self) -> str:
        """The holder of a lock held now, for :class:`FolderInUseError`."""
        if self.pid is None:
            return "a process that has not written its pid yet"
        if self.host is not None and self.host != _host():
            return f"pid {self.pid} on host {self.host}"
        if not _alive(self.pid):
            return f"pid {self.pid}, which has ended: a process it started holds the lock on; stop that one"
        if self.started is not None and _start_time(self.pid) not in (None, self.started):
            return (
                f"pid {self.pid}, which has ended (the pid now names another process): a process it started holds "
                "the lock on; stop that one"
            )
        return f"pid {self.pid}"


def lock_holder(fd: int) -> str:
    """Who holds the lock on the lock file open as ``fd`` (asked while a flock on it fails), as
    :class:`FolderInUseError` names it: ``"pid N"``, ``"pid N on host H"``, or what is known.

    The lock file holds more than the pid (its host, its start time): a reader of the pid alone
    (the whole text as digits) finds none.
    """
    return _read_holder(fd).who()


def _read_holder(fd: int) -> _Holder:
    """What the lock file open as ``fd`` says of its holder (no pid while it has not written it yet)."""
    return _Holder.parse(os.pread(fd, 4096, 0).decode("utf-8", errors="replace"))


def _same_file(path: Path, fd: int) -> bool:
    """Whether ``path`` names the file open as ``fd`` (False when nothing is at ``path``)."""
    try:
        at_path = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (at_path.st_dev, at_path.st_ino) == (mine.st_dev, mine.st_ino)
