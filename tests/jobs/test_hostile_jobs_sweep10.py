"""Hostile input to the job runner and the command line, round 10.

What a method prints goes to stderr, so that stdout holds only the command's summary line; the
workers that run are recorded, not the ``--workers`` asked (10**20), with one warning when more
are asked than the machine has CPUs; ``--ray-address`` is read without the spaces a copied address
brings; ``--resume`` over the run.json of another job (a caption run's, for predict) says so;
``calibrate --method`` is a folder name of ``--run``, not a path into another run.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.dummy import DummyPredictor
from camerabench.cli import build_parser, main
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions
from camerabench.jobs.runner import _Execution, _processes, run_caption, run_predict
from camerabench.records import read_run_info
from camerabench.runfolder import MethodFolder

_REAL_PREDICT = DummyPredictor.predict
_REAL_CAPTION = DummyPredictor.caption


# --- a method's output and the summary line --------------------------------------------------


@pytest.mark.parametrize("command", ["predict", "caption"])
def test_what_a_method_prints_goes_to_stderr_and_stdout_is_the_summary_line(
    command: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """stdout was ``loading...[native]loading...[native]...predict dummy: 6 videos (...)``: a script
    reading the summary line got the method's chatter in front of it."""

    def chatter() -> None:
        print("loading weights...", end="")  # what a method's library does
        os.write(1, b"[native]")  # what native code writes to the file descriptor

    def predict(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        chatter()
        return _REAL_PREDICT(self, video_path, questions)

    def caption(self: DummyPredictor, video_path: Path, question: str, mode: str) -> str:
        chatter()
        return _REAL_CAPTION(self, video_path, question, mode)

    monkeypatch.setattr(DummyPredictor, "predict", predict)
    monkeypatch.setattr(DummyPredictor, "caption", caption)
    print("before", flush=True)  # what was printed before the command stays on stdout
    assert main([command, "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")]) == 0
    out, err = capfd.readouterr()
    assert out.startswith("before\n")
    summary = out.removeprefix("before\n")
    assert summary.startswith(f"{command} dummy: 6 videos (6 ok, 0 failed) in ")
    assert summary.count("\n") == 1 and summary.endswith("\n")
    assert err.count("loading weights...") == 6 and err.count("[native]") == 6
    # and stdout is stdout again once the command is done
    print("after")
    os.write(1, b"native after\n")
    assert capfd.readouterr().out == "after\nnative after\n"


# --- --workers beyond what runs ---------------------------------------------------------------


def test_workers_beyond_the_videos_are_recorded_as_what_ran_with_one_warning(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """--workers 10**20 was recorded as 100000000000000000000 in run.json's settings and backend,
    without a word, though at most one process per video runs."""
    run_predict(data, "dummy", tmp_path)
    with caplog.at_level(logging.WARNING, logger="camerabench"):
        run_predict(data, "dummy", tmp_path, workers=10**20, resume=True)
    warned = [r.getMessage() for r in caplog.records if "more than the" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("workers=100000000000000000000 is more than the ")
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert info.settings["workers"] == 1  # nothing left to run: in this process
    assert info.backend["workers"] == 1


@pytest.mark.parametrize(
    ("execution", "jobs", "processes"),
    [
        (_Execution("local", 10**20, RayOptions()), 6, 6),
        (_Execution("local", 4, RayOptions()), 6, 4),
        (_Execution("local", 4, RayOptions()), 0, 1),
        (_Execution("local", 1, RayOptions()), 6, 1),
        # 9 videos over 4 actors, 3 a call (ceil(9 / 4)): 3 calls, so 3 actors (run_on_ray's split)
        (_Execution("ray", 4, RayOptions(videos_per_call=4), actors=True), 9, 3),
        (_Execution("ray", 10**20, RayOptions(), actors=True), 5, 5),
    ],
)
def test_the_processes_recorded_are_those_that_run(execution: _Execution, jobs: int, processes: int) -> None:
    assert _processes(execution, jobs) == processes


# --- --ray-address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "read"), [("auto ", "auto"), ("\tauto", "auto"), (" 10.0.0.2:6379 ", "10.0.0.2:6379")]
)
def test_a_ray_address_is_read_without_the_spaces_around_it(given: str, read: str) -> None:
    """``--ray-address "auto "`` reached Ray, which said only "Invalid address format: auto"."""
    args = build_parser().parse_args(
        ["predict", "--data", "d", "--method", "dummy", "--out", "o", "--backend", "ray", "--ray-address", given]
    )
    assert args.ray_address == read


@pytest.mark.parametrize("given", ["10.0.0.2: 6379", "", "  ", "auto\x00"])
def test_a_ray_address_with_spaces_inside_is_refused_naming_the_flag(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["caption", "--data", "d", "--method", "dummy", "--out", "o", "--backend", "ray", "--ray-address", given])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --ray-address: must be 'auto' or HOST:PORT without spaces, got {given!r}" in err


# --- --resume over another job's run.json ------------------------------------------------------


def test_resuming_predict_over_a_caption_runs_run_json_says_so(data: Path, tmp_path: Path) -> None:
    """Was refused as "cannot --resume with settings that differ from the earlier run (mode: "whole"
    -> (not set))": the user never set a mode."""
    run_predict(data, "dummy", tmp_path)
    run_caption(data, "dummy", tmp_path)
    folder = MethodFolder.of(tmp_path, "dummy")
    shutil.copyfile(folder.caption_run_info, folder.run_info)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", tmp_path, resume=True)
    assert str(exc.value).startswith(
        f"{folder.run_info}: holds a caption run of method 'dummy', not a predict run; cannot --resume the predict run"
    )


def test_resuming_caption_over_a_predict_runs_run_json_says_so(data: Path, tmp_path: Path) -> None:
    run_predict(data, "dummy", tmp_path)
    run_caption(data, "dummy", tmp_path)
    folder = MethodFolder.of(tmp_path, "dummy")
    shutil.copyfile(folder.run_info, folder.caption_run_info)
    with pytest.raises(CameraBenchError, match="holds a predict run of method 'dummy', not a caption run"):
        run_caption(data, "dummy", tmp_path, resume=True)


# --- calibrate --method and --from ---------------------------------------------------------------


@pytest.mark.parametrize("given", ["../run2/dummy", "", ".", "..", "/abs/dummy"])
def test_calibrate_method_must_be_a_folder_name_of_the_run(
    given: str, data: Path, run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--run RUN --method ../run2/dummy`` calibrated another run's method folder and wrote its
    calibration.json there; ``--method ""`` read RUN itself ("RUN/scores.jsonl: no scores")."""
    other = tmp_path / "run2"
    shutil.copytree(run, other)
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--data", str(data), "--run", str(run), "--method", given, "--folds", "2"])
    assert exc.value.code == 2
    assert f"argument --method: must be the name of a method folder in --run (e.g. fast), not a path: {given!r}" in (
        capsys.readouterr().err
    )
    assert not MethodFolder.of(other, "dummy").calibration.exists()


def test_calibrate_from_an_empty_path_is_refused(data: Path, run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--from "$UNSET"`` was read as the current folder ("dummy/calibration.json: no calibration file")."""
    with pytest.raises(SystemExit):
        main(["calibrate", "--data", str(data), "--run", str(run), "--method", "dummy", "--from", ""])
    assert "argument --from: must be a path, got ''" in capsys.readouterr().err


def test_calibrate_from_a_dangling_link_says_it_is_a_link(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Stop 46 (R37): ``--from`` a link to a deleted calibration said only "no calibration file"."""
    link = tmp_path / "calibration.json"
    link.symlink_to(tmp_path / "gone" / "calibration.json")
    with caplog.at_level(logging.ERROR):
        code = main(["calibrate", "--data", str(data), "--run", str(run), "--method", "dummy", "--from", str(link)])
    assert code != 0
    said = f"{link}: is a link to {tmp_path / 'gone' / 'calibration.json'}, which is not a calibration file"
    assert any(said in r.getMessage() for r in caplog.records)


# --- train --temperature ---------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["1e-300", "0.001", "0", "nan", "inf"])
def test_a_grpo_temperature_that_overflows_the_logits_is_refused(
    given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--temperature 1e-300`` was taken (it is > 0) and stopped GRPO at its first generation with
    torch's traceback "probability tensor contains either inf, nan or element < 0" (logits / 1e-300)."""
    argv = ["train", "--stage", "grpo", "--data", "d", "--model", "m", "--out", "o", "--temperature", given]
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --temperature: must be a finite number >= 0.01 (lower overflows the logits), got {given!r}" in err
    assert build_parser().parse_args([*argv[:-1], "0.01"]).temperature == 0.01
