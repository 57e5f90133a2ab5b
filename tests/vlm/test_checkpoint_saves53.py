"""Saving a model on a full disk, and saves killed outright (red team R68).

- A full disk while the weights were written (safetensors' writer raises its own ``SafetensorError``,
  not an ``OSError``) ended ``train`` (after every step had run) and ``make-tiny-vlm`` in a
  traceback; now the one-line write error naming the folder (for ``train``: that the training
  finished and, since round 55, that ``--resume`` saves the model from the state kept beside it).
- A save killed outright leaves its temporary ``.<name>.<random>`` folder (the size of a model); the
  next save to the same folder warns about it by name.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from camerabench.baselines.vlm.checkpoint import checkpoint_folder, unfinished_saves
from camerabench.fileio import WriteError


def test_a_full_disk_while_the_weights_are_written_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    """``make-tiny-vlm`` under a file-size limit of 100 KiB (a stand-in for a full disk: the tiny
    model's weights are larger): the write fails in safetensors' Rust writer."""
    out = tmp_path / "tiny"
    script = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (100 * 1024, 100 * 1024)); "
        "from camerabench.cli import main; sys.exit(main(['make-tiny-vlm', '--out', sys.argv[1]]))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
    assert errors == [
        f"ERROR camerabench: {out}: cannot write the model weights: Error while serializing: I/O error: "
        "File too large (os error 27)"
    ]
    assert not out.exists() and unfinished_saves(out) == []  # nothing half-written is left


def test_an_os_error_in_the_block_is_a_write_error_naming_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "model"
    with pytest.raises(WriteError) as caught, checkpoint_folder(out) as tmp:
        (tmp / "config.json").write_text("{}")
        raise OSError(28, "No space left on device")
    assert str(caught.value) == f"{out}: cannot write: No space left on device"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_save_that_did_not_finish_is_named_by_the_next_save(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "model"
    killed = tmp_path / ".model.k1ll3d_x"  # what tempfile.mkdtemp(prefix=".model.") makes
    killed.mkdir()
    (tmp_path / ".model~replaced.abcd1234").mkdir()  # an old model moved aside: another kind of leftover
    (tmp_path / ".model.probe.abcd1234").mkdir()  # not a save's folder
    (tmp_path / ".model.other").mkdir()  # not mkdtemp's 8 characters
    (tmp_path / ".model.abcd1234").write_text("a file, not a folder")
    assert unfinished_saves(out) == [killed]
    with caplog.at_level(logging.WARNING), checkpoint_folder(out) as tmp:
        (tmp / "config.json").write_text("{}")
    assert (out / "config.json").read_text() == "{}"
    [warning] = [r.getMessage() for r in caplog.records if "did not finish" in r.getMessage()]
    assert warning == (
        f"{out}: 1 folder(s) beside it (.model.k1ll3d_x) are saves that did not finish (a process killed while "
        "writing them, or one writing them now): never a complete model; delete them when no save runs"
    )
    assert killed.is_dir()  # left: another process may be writing it
    assert unfinished_saves(out) == [killed]  # the save's own folder is gone once it is in place
