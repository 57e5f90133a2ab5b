"""The command line in hostile environments (red team R93): closed or full standard streams, a
deleted current folder, the C locale with Python's UTF-8 mode off, SIGTERM, over-long names and
link loops in ``--out``."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from camerabench import cli
from camerabench.jobs import runner


class _FullDisk:
    """A standard output on a full disk (``> /dev/full``)."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_closed_standard_streams_are_the_null_device(
    six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", None)  # Python's sys.stdout when descriptor 1 was closed at start
    monkeypatch.setattr(sys, "stderr", None)
    out = tmp_path / "run"
    # old code: AttributeError ('NoneType' object has no attribute 'write') from the progress bar, no scores
    assert cli.main(["predict", "--data", str(six_videos), "--method", "dummy", "--out", str(out)]) == 0
    lines = (out / "dummy" / "scores.jsonl").read_text().splitlines()
    assert len(lines) == 12 and all(json.loads(line)["status"] == "ok" for line in lines)
    assert cli.main(["taxonomy"]) == 0


def test_a_full_standard_output_is_one_error(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    with caplog.at_level(logging.ERROR):
        assert cli.main(["taxonomy"]) == 1  # old code: an OSError [Errno 28] traceback
    assert "cannot write the command's output to standard output: No space left on device" in caplog.text
    assert isinstance(sys.stdout, _FullDisk)  # the command's guard is taken off again


def test_a_deleted_current_folder_is_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert cli.main(["predict", "--data", "d", "--method", "dummy", "--out", "rel"]) == 1
    assert "the current folder no longer exists" in capsys.readouterr().err
    assert not (tmp_path / "rel").exists()


def test_undecodable_arguments_under_an_ascii_file_system_encoding_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "getfilesystemencoding", lambda: "ascii")
    out = tmp_path / "donn\udcc3\udca9es"  # 'données' decoded as ASCII with surrogateescape
    assert cli.main(["predict", "--data", str(tmp_path), "--method", "dummy", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "file-system encoding here (ascii" in err and "PYTHONUTF8=1" in err
    assert not any(tmp_path.iterdir())  # old code: an empty run folder, then a run.json that could not be written


def _deliver_sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100):  # the handler runs in the main thread between bytecodes
        time.sleep(0.01)


def test_sigterm_unwinds_every_command_and_the_runners_handler_nests() -> None:
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with pytest.raises(cli.Terminated) as caught, cli.sigterm_unwinds():
            _deliver_sigterm()
        assert caught.value.code == 143
        with cli.sigterm_unwinds():
            outer = signal.getsignal(signal.SIGTERM)
            with pytest.raises(runner._Terminated), runner._sigterm_unwinds():  # predict's own, over the CLI's
                assert signal.getsignal(signal.SIGTERM) is not outer
                _deliver_sigterm()
            assert signal.getsignal(signal.SIGTERM) is outer
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_make_tiny_vlm_names_an_overlong_name_and_a_link_loop(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert cli.main(["make-tiny-vlm", "--out", str(tmp_path / ("x" * 300))]) == 1  # old code: OSError traceback
    assert "is 300 bytes in UTF-8, more than the 255 a file name may have" in caplog.text
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert cli.main(["make-tiny-vlm", "--out", str(tmp_path / "loop1" / "sub")]) == 1
    assert "a link loop (it leads back to itself)" in caplog.text  # was: "(a broken link)"


def test_a_method_folder_path_that_cannot_be_resolved_is_not_called_a_link_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(self: Path, strict: bool = False) -> Path:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(Path, "resolve", gone)
    with pytest.raises(cli.CameraBenchError, match="cannot resolve the method folder's path") as caught:
        runner._resolved(tmp_path / "run" / "dummy")
    assert "link loop" not in str(caught.value)


class _NoCountStream:
    """A stream whose ``write`` returns None, as some notebook streams' do."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self) -> None:
        self.text: list[str] = []

    def write(self, text: str) -> None:
        self.text.append(text)

    def flush(self) -> None:
        pass


def test_a_stream_whose_write_returns_none_takes_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _NoCountStream()
    monkeypatch.setattr(sys, "stdout", stream)
    assert cli.main(["taxonomy"]) == 0  # the guard counted int(None): a TypeError traceback
    assert "".join(stream.text).endswith("binary primitives\n")
