"""Hostile file systems, round 41: run folders and records files on laptops, NFS/SMB shares,
cluster scratch and cloud-synced folders (camerabench.fileio, records, runfolder).

A stale NFS handle, an I/O error mid-read, a file system that takes UTF-8 names only or refuses
the characters Windows forbids are simulated (monkeypatch); long names and paths, carriage
returns, sync clients' conflicted copies and permissions are real.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from camerabench import fileio
from camerabench.errors import FileFormatError
from camerabench.fileio import WriteError, write_json
from camerabench.records import ScoreRecord, read_scores, write_scores
from camerabench.runfolder import read_method, read_run

_QUESTION = "Does the camera pan left?"


def _method(tmp_path: Path, videos: int = 2) -> Path:
    folder = tmp_path / "run" / "dummy"
    folder.mkdir(parents=True)
    write_scores(folder / "scores.jsonl", [ScoreRecord(f"v{i}.mp4", _QUESTION, "dummy", 0.5) for i in range(videos)])
    return folder


def _oserror(code: int, path: Any = None) -> OSError:
    return OSError(code, os.strerror(code), *([os.fsdecode(path)] if path is not None else []))


# --- NFS: a stale file handle, an I/O error ----------------------------------------------------


def test_a_stale_nfs_handle_on_a_records_file_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a bare ``OSError: [Errno 116] Stale file handle`` traceback (read_scores), and in a run
    folder 'cannot read: Stale file handle (fix its permissions, ...)' about the method folder."""
    scores = _method(tmp_path) / "scores.jsonl"
    real_stat = os.stat

    def stale(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path) == str(scores):
            raise _oserror(errno.ESTALE, path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stale)
    for read in (lambda: read_scores(scores), lambda: read_run(tmp_path / "run")):
        with pytest.raises(FileFormatError) as err:
            read()
        assert str(err.value).startswith(f"{scores}: cannot read: Stale file handle (the file was replaced or removed")
        assert "permissions" not in str(err.value)


class _FailingAfter:
    """A binary file whose reads fail with EIO after its first line (a disk or share failing)."""

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by __exit__
        self._lines = 0

    def __enter__(self) -> _FailingAfter:
        return self

    def __exit__(self, *_: object) -> None:
        self._fh.close()

    def readline(self, *_: object) -> bytes:
        self._lines += 1
        if self._lines > 1:
            raise _oserror(errno.EIO)
        return self._fh.readline()

    def __iter__(self) -> _FailingAfter:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line


def test_an_io_error_mid_read_names_the_file_and_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was a bare ``OSError: [Errno 5] Input/output error`` traceback naming no file."""
    scores = _method(tmp_path, videos=3) / "scores.jsonl"
    monkeypatch.setattr(fileio, "open", lambda path, mode="r", *a, **k: _FailingAfter(Path(path)), raising=False)
    with pytest.raises(FileFormatError) as err:
        read_scores(scores)
    assert str(err.value).startswith(f"{scores}:2: cannot read: Input/output error (the disk or the network share")


# --- long names and paths ----------------------------------------------------------------------


def test_a_name_too_long_to_read_is_an_error_naming_it(tmp_path: Path) -> None:
    """A 306-byte name (150 two-byte characters): was a bare ``OSError: [Errno 36]`` traceback."""
    path = tmp_path / ("é" * 150 + ".jsonl")
    with pytest.raises(FileFormatError) as err:
        read_scores(path)
    assert str(err.value) == (
        f"{path}: cannot read: File name too long (the name '{'é' * 37}...' is 306 "
        "bytes in UTF-8, more than the 255 a file name may have)"
    )


def test_a_name_or_path_too_long_to_write_says_which(tmp_path: Path) -> None:
    """Was 'cannot write: File name too long', naming neither the name at fault nor the path's length."""
    with pytest.raises(WriteError) as err:
        write_json(tmp_path / ("é" * 150 + ".json"), {})
    assert "is 305 bytes in UTF-8, more than the 255 a file name may have" in str(err.value)
    deep = tmp_path.joinpath(*["d" * 200] * 21, "run.json")
    with pytest.raises(WriteError) as err:
        write_json(deep, {})
    assert "the path is" in str(err.value) and "more than the 4095 the system takes" in str(err.value)


def test_a_long_name_is_not_cut_within_a_character_for_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 245-byte name of two-byte characters: its temporary name kept the first 200 bytes, half
    a character at the end, which file systems that hold UTF-8 names only (ZFS utf8only, SMB,
    exFAT) refuse with EILSEQ: the file could not be written there."""
    real_open = os.open

    def utf8_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        try:
            os.fsencode(path).decode("utf-8")
        except UnicodeDecodeError:
            raise _oserror(errno.EILSEQ, path) from None
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", utf8_only)
    path = tmp_path / ("x" + "é" * 120 + ".npz")
    fileio.atomic_write_bytes(path, b"data")
    assert path.read_bytes() == b"data"


# --- names Windows file systems refuse ---------------------------------------------------------


def test_a_name_a_windows_share_refuses_says_which_character(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run folder named with a time (``10:30``) on an SMB / exFAT mount: was 'cannot write:
    Invalid argument' and nothing more."""
    real_mkdir = os.mkdir

    def windows(path: Any, *args: Any, **kwargs: Any) -> None:
        if ":" in Path(path).name:
            raise _oserror(errno.EINVAL, path)
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", windows)
    with pytest.raises(WriteError) as err:
        write_json(tmp_path / "run-10:30" / "dummy" / "run.json", {})
    assert "cannot write: Invalid argument (the name 'run-10:30' holds ':', which Windows file systems" in str(
        err.value
    )


# --- line ends ---------------------------------------------------------------------------------


def test_records_separated_by_carriage_returns_alone_are_not_called_a_torn_last_line(tmp_path: Path) -> None:
    """A records file saved with classic Mac line ends (CR alone): was 'incomplete last line ...
    `--resume` drops it', the whole file being one line (what --resume would drop is every record)."""
    scores = _method(tmp_path) / "scores.jsonl"
    scores.write_bytes(scores.read_bytes().replace(b"\n", b"\r"))
    with pytest.raises(FileFormatError) as err:
        read_scores(scores)
    assert str(err.value).startswith(f"{scores}:1: records separated by a carriage return alone (CR")
    assert "incomplete" not in str(err.value) and "--resume" not in str(err.value)


# --- cloud-sync clients ------------------------------------------------------------------------


def test_a_sync_clients_conflicted_copy_of_a_records_file_is_warned_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two machines appending to one synced run leave half of the records in a conflicted copy,
    which was left out without a word; AppleDouble and office lock files stay silent."""
    folder = _method(tmp_path)
    copies = ["scores (Ada's conflicted copy 2024-05-01).jsonl", "run.sync-conflict-20240501-101010-ABCDEFG.json"]
    for name in [*copies, "._scores.jsonl", ".~lock.scores.jsonl#", "notes.txt"]:
        (folder / name).write_text("{}\n")
    with caplog.at_level(logging.WARNING):
        run = read_method(folder)
    assert run.scores is not None and len(run.scores) == 2
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 2
    assert f"holds {copies[0]}, a second version of scores.jsonl" in warned[1]
    assert f"holds {copies[1]}, a second version of run.json" in warned[0]


# --- permissions in shared folders -------------------------------------------------------------


def _umask() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    pytest.skip("the umask is read from /proc (Linux)")


def test_a_rewritten_file_keeps_its_permissions(tmp_path: Path) -> None:
    """A group-writable run.json in a shared folder, rewritten (``--resume`` by a colleague with
    another umask): was given the umask's permissions, so the group could no longer write it."""
    path = tmp_path / "run.json"
    write_json(path, {"videos": 1})
    kept = 0o664 if (0o666 & ~_umask()) != 0o664 else 0o640
    path.chmod(kept)
    write_json(path, {"videos": 2})
    assert stat.S_IMODE(path.stat().st_mode) == kept and fileio.read_json(path) == {"videos": 2}
