"""Exclusive use of an output folder by one process at a time (Linux and other POSIX systems).

A job that writes into a folder (``predict`` / ``caption`` into ``RUN/<method>``, ``synth`` into
its dataset folder) holds :class:`FolderLock` on it for as long as it writes. The lock is an
``fcntl.flock`` on the file :data:`LOCK_FILE` inside the folder, so the kernel releases it when
the holding process ends for any reason, ``SIGKILL`` included: a killed run never leaves the
folder locked. A second writer gets a one-line :class:`FolderInUseError` naming the folder and
the holder's process id (written into the lock file). The holder removes the lock file when it
releases the lock (a taker checks that the file it locked is still the one at the path, so the
removal cannot let two writers in); a killed holder leaves it behind, unlocked and harmless.

flock locks are advisory and local: they keep camerabench processes apart on one machine (and
on network file systems only where those implement flock).

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
import stat
from pathlib import Path
from types import TracebackType
from typing import Self

from camerabench.errors import CameraBenchError
from camerabench.fileio import make_folder, write_error

__all__ = ["LOCK_FILE", "FolderInUseError", "FolderLock"]

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
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
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
            who = f"pid {holder}" if holder else "a process that has not written its pid yet"
            raise FolderInUseError(
                f"{self.folder}: {self.what} in use by another camerabench process ({who}); "
                "wait for it to finish or choose another output folder"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise write_error(self.path, exc) from exc
        # The holder before us removes the file when it releases: the lock we got may be on that
        # removed file. It counts only if the path still names the file we locked.
        if not _same_file(self.path, fd):
            os.close(fd)
            return None
        return fd

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


def _read_holder(fd: int) -> str:
    """The pid the holder wrote into the lock file ('' while it has not written it yet)."""
    data = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip()
    return data if data.isdigit() else ""


def _same_file(path: Path, fd: int) -> bool:
    """Whether ``path`` names the file open as ``fd`` (False when nothing is at ``path``)."""
    try:
        at_path = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (at_path.st_dev, at_path.st_ino) == (mine.st_dev, mine.st_ino)
