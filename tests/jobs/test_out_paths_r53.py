"""An ``--out`` through a symbolic-link loop, or longer than the system takes (red-team R4).

Python 3.11's ``Path.resolve`` raised a bare ``RuntimeError: Symlink loop from ...`` traceback in
synth, demo, report and train; predict and caption said the folder was "the method folder of a
run" (the run files' lookup failing with ELOOP / ENAMETOOLONG counted as "there").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.jobs.demo import run_demo
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.runfolder import MethodFolder, check_outside_dataset, read_method
from camerabench.synth.generate import generate_dataset

LOOP_SAYS = r"lp/x\S*: runs through a link loop: \S*lp is a link loop \(-> lp\), a link that leads back to itself"
LONG_SAYS = r"cannot be looked up: File name too long \(the path is \d+ bytes long, more than the 4095"


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    """``tmp_path/lp``, a link to itself."""
    os.symlink("lp", tmp_path / "lp")
    return tmp_path / "lp"


@pytest.fixture
def long_out(tmp_path: Path) -> Path:
    """A path of 20 names of 250 characters (more than PATH_MAX), nothing of it created."""
    return tmp_path.joinpath(*["e" * 250] * 20)


def test_check_outside_dataset_names_the_loop(loop: Path, tmp_path: Path) -> None:
    # report and train --method fusion: was RuntimeError("Symlink loop from '.../lp/x'")
    with pytest.raises(CameraBenchError, match=LOOP_SAYS):
        check_outside_dataset(loop / "x", tmp_path / "data", "report folder")


def test_out_that_is_the_loop_itself(loop: Path, tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match=r"lp: is a link loop \(-> lp\), a link that leads back to itself"):
        check_outside_dataset(loop, tmp_path / "data", "report folder")


def test_synth_names_the_loop(loop: Path) -> None:
    with pytest.raises(CameraBenchError, match=LOOP_SAYS):  # was RuntimeError from _enclosing_dataset
        generate_dataset(loop / "x", clips=2)
    assert not (loop.parent / "x").exists()


def test_synth_long_out(long_out: Path) -> None:
    with pytest.raises(CameraBenchError, match=LONG_SAYS):  # was OSError [Errno 36] from exists()
        generate_dataset(long_out, clips=2)


def test_demo_names_the_loop(loop: Path) -> None:
    with pytest.raises(CameraBenchError, match=LOOP_SAYS):  # was RuntimeError from _check_location
        run_demo(loop / "x", clips=2)


def test_demo_long_out(long_out: Path) -> None:
    with pytest.raises(CameraBenchError, match=LONG_SAYS):  # was OSError [Errno 36] from exists()
        run_demo(long_out, clips=2)


def test_method_folder_through_a_loop_is_no_method_folder(loop: Path) -> None:
    # was True: ELOOP on RUN/scores.jsonl counted as "there"
    with pytest.raises(FileFormatError, match=LOOP_SAYS):
        MethodFolder(loop / "x").holds_outputs()


def test_method_folder_too_long(long_out: Path) -> None:
    with pytest.raises(FileFormatError, match=r"scores\.jsonl: " + LONG_SAYS):  # was True (ENAMETOOLONG)
        MethodFolder(long_out).holds_outputs()


def test_read_method_too_long(long_out: Path) -> None:
    with pytest.raises(FileFormatError, match=LONG_SAYS):
        read_method(long_out / "dummy")


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_predict_and_caption_name_the_loop(kind: str, loop: Path, data: Path) -> None:
    job = run_predict if kind == "predict" else run_caption
    with pytest.raises(CameraBenchError, match=LOOP_SAYS) as caught:
        job(data, "dummy", loop / "x")
    assert "method folder of a run" not in str(caught.value)


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_predict_and_caption_long_out(kind: str, long_out: Path, data: Path) -> None:
    job = run_predict if kind == "predict" else run_caption
    with pytest.raises(CameraBenchError, match=LONG_SAYS) as caught:
        job(data, "dummy", long_out)
    assert "method folder of a run" not in str(caught.value)


def test_evaluate_run_through_a_loop_unchanged(loop: Path) -> None:
    from camerabench.runfolder import read_run

    with pytest.raises(FileFormatError, match=r"run folder is a link loop \(-> lp\)"):
        read_run(loop)
