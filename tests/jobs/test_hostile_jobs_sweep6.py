"""Hostile input to the jobs and the command line (sweep 6): paths with control characters, a
broken link as the output, a mistyped bootstrap count, running out of memory, an ``--out`` that is a
method folder or makes the method folder the dataset itself, and the demo given ``workers=0`` or a
run folder holding another method's results, a torch seed beyond 64 bits, and ``workers`` given as a
numpy integer."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

import camerabench.eval.evaluate as evaluate_module
from camerabench.cli import main
from camerabench.cli.evaluate import MAX_BOOTSTRAP
from camerabench.errors import CameraBenchError
from camerabench.jobs.demo import run_demo
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import SCORES_FILE


@pytest.mark.parametrize("bad", ["r\nx", "r\tx", "r\x1bx", "r\x7fx"])
@pytest.mark.parametrize("flag", ["--out", "--data"])
def test_a_path_with_a_control_character_is_refused_at_parsing(
    bad: str, flag: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = {"--data": str(data), "--out": str(tmp_path / "run")}
    args[flag] = str(tmp_path / bad)
    argv = ["predict", "--method", "dummy", *(x for kv in args.items() for x in kv)]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: must be a path without control characters" in err and repr(bad[1]) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written


def test_a_broken_link_as_out_names_the_link_and_its_target(data: Path, tmp_path: Path) -> None:
    link = tmp_path / "runs"
    link.symlink_to(tmp_path / "nowhere" / "runs")
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", link)
    message = str(exc.value)
    assert message.startswith(f"{link / 'dummy'}: cannot create the folder: {link} is a link to ")
    assert f"{tmp_path / 'nowhere' / 'runs'}, which does not exist (a broken link)" in message
    assert "File exists" not in message


@pytest.mark.parametrize("command", ["evaluate", "report"])
def test_a_huge_bootstrap_count_is_a_usage_error_not_a_memory_traceback(
    command: str, run: Path, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--data", str(data), "--run", str(run), "--bootstrap", "1000000000000"]
    if command == "report":
        argv += ["--out", str(tmp_path / "rep")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --bootstrap: must be an integer from 0 to {MAX_BOOTSTRAP}, got '1000000000000'" in err
    assert MAX_BOOTSTRAP == 100_000
    assert not (tmp_path / "rep").exists()


def test_the_largest_bootstrap_count_is_accepted() -> None:
    from camerabench.cli import build_parser

    args = build_parser().parse_args(["evaluate", "--data", "d", "--run", "r", "--bootstrap", str(MAX_BOOTSTRAP)])
    assert args.bootstrap == MAX_BOOTSTRAP


def test_running_out_of_memory_is_one_line_and_exit_1(
    run: Path, data: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def too_big(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 14.6 TiB for an array")

    monkeypatch.setattr(evaluate_module, "evaluate", too_big)
    with caplog.at_level(logging.ERROR):
        code = main(["evaluate", "--data", str(data), "--run", str(run)])
    assert code == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "out of memory (Unable to allocate 14.6 TiB for an array): use smaller inputs or settings, "
        "or a machine with more memory"
    ]


def test_an_out_that_is_a_method_folder_is_refused(run: Path, data: Path) -> None:
    before = sorted(p.name for p in (run / "dummy").iterdir())
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", run / "dummy")
    assert str(exc.value) == (
        f"{run / 'dummy'}: is the method folder of a run, not a run folder: pass the folder that holds it "
        "(results go to --out/dummy/)"
    )
    assert sorted(p.name for p in (run / "dummy").iterdir()) == before  # no run/dummy/dummy/


def test_a_method_folder_that_is_the_dataset_itself_is_refused(data: Path, tmp_path: Path) -> None:
    # --data X/dummy --out X: the run's dummy/ folder would be the dataset folder
    dataset = Path(shutil.copytree(data, tmp_path / "X" / "dummy"))
    with pytest.raises(CameraBenchError, match=r"the run folder's dummy/ folder is the dataset .* itself") as exc:
        run_predict(dataset, "dummy", tmp_path / "X")
    assert str(exc.value).startswith(f"{tmp_path / 'X'}: ")
    assert sorted(p.name for p in dataset.iterdir()) == ["labels", "videos"]  # no scores.jsonl, run.json, lock
    # through a link to it, too
    (tmp_path / "L").mkdir()
    (tmp_path / "L" / "dummy").symlink_to(dataset)
    with pytest.raises(CameraBenchError, match="is the dataset"):
        run_predict(dataset, "dummy", tmp_path / "L")
    assert not (dataset / SCORES_FILE).exists()


@pytest.mark.parametrize("workers", [0, -2])
def test_demo_refuses_workers_below_one_before_any_work(workers: int, tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match=rf"^workers must be an integer >= 1, got {workers}$"):
        run_demo(tmp_path / "demo", clips=1, workers=workers)
    assert not (tmp_path / "demo").exists()  # was: 0 meant all cores, without a word


def test_demo_into_a_run_folder_holding_another_method_is_refused(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    shutil.copytree(run, out / "run")  # a dummy run copied into the demo's run folder
    (out / "run" / "notes").mkdir()  # a folder without run files is not a method folder
    with pytest.raises(CameraBenchError) as exc:
        run_demo(out, clips=1, workers=1)
    assert str(exc.value) == (
        f"{out / 'run'} holds the results of 1 method(s) the demo does not run (dummy): "
        "its report would include them; choose another --out, or move them away"
    )
    assert sorted(os.listdir(out)) == ["run"]  # nothing generated


def test_demo_resumes_into_its_own_method_folders(run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the check lets the demo's own methods through: it reaches the dataset step
    import camerabench.synth as synth

    class _ReachedError(Exception):
        pass

    def generate(*args: object, **kwargs: object) -> None:
        raise _ReachedError

    monkeypatch.setattr(synth, "generate_dataset", generate)
    out = tmp_path / "demo"
    shutil.copytree(run, out / "run")
    with pytest.raises(_ReachedError):
        run_demo(out, clips=1, workers=1, methods={"dummy": {}})


@pytest.mark.parametrize("command", [["make-tiny-vlm"], ["train", "--data", "d", "--model", "m"]])
def test_a_seed_torch_cannot_take_is_a_usage_error(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:  # was: a torch "Overflow when unpacking long long" traceback
        main([*command, "--out", str(tmp_path / "o"), "--seed", str(2**64)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --seed: must be an integer from 0 to {2**64 - 1} (2**64 - 1), got '{2**64}'" in err
    assert not (tmp_path / "o").exists()


def test_the_largest_torch_seed_is_accepted() -> None:
    import torch

    from camerabench.cli import build_parser

    args = build_parser().parse_args(["make-tiny-vlm", "--out", "o", "--seed", str(2**64 - 1)])
    assert args.seed == 2**64 - 1
    torch.Generator().manual_seed(args.seed)  # torch takes it


def test_workers_given_as_a_numpy_integer_is_taken_as_its_value(data: Path, tmp_path: Path) -> None:
    import numpy as np

    from camerabench.records import read_run_info

    summary = run_predict(data, "dummy", tmp_path / "r", workers=np.int64(1))  # was: refused, "got np.int64(1)"
    assert (summary.videos_ok, summary.videos_failed) == (6, 0)
    info = read_run_info(tmp_path / "r" / "dummy" / "run.json")
    assert info.settings["workers"] == 1 and type(info.settings["workers"]) is int
    for bad in (np.float64(2.0), np.True_, np.int64(0)):
        with pytest.raises(CameraBenchError, match=r"^workers must be an integer >= 1, got "):
            run_predict(data, "dummy", tmp_path / "bad", workers=bad)  # type: ignore[arg-type]


def test_a_run_folder_given_as_one_of_its_files_names_the_mistake(run: Path) -> None:
    from camerabench.errors import FileFormatError
    from camerabench.runfolder import read_run

    scores = run / "dummy" / SCORES_FILE
    with pytest.raises(FileFormatError) as exc:  # was: "run folder not found", for a file that is there
        read_run(scores)
    assert str(exc.value) == f"{scores}: is a file, not a run folder: pass the folder that holds RUN/<method>/"


def test_a_broken_link_in_a_run_folder_is_warned_of_not_dropped_silently(
    run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.runfolder import read_run

    (run / "fast").symlink_to(tmp_path / "moved" / "fast")  # a method folder linked from a run since moved
    (run / ".hidden").symlink_to(tmp_path / "nowhere")  # hidden entries stay left out without a word
    with caplog.at_level(logging.WARNING):
        methods = read_run(run)
    assert list(methods) == ["dummy"]
    warned = [r.getMessage() for r in caplog.records if "link(s) to nothing" in r.getMessage()]
    assert warned == [
        f"{run}: 1 link(s) to nothing left out (e.g. fast -> {tmp_path / 'moved' / 'fast'}): "
        "a method folder linked from a moved or deleted run?"
    ]


def test_a_caption_run_stopped_before_its_first_caption_is_a_method_folder(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.jobs.runner import run_caption
    from camerabench.records import read_run_info, write_run_info
    from camerabench.runfolder import MethodFolder, read_run

    out = tmp_path / "r"
    run_caption(data, "dummy", out)
    folder = MethodFolder.of(out, "dummy")
    folder.captions.unlink()  # as killed before its first caption: caption_run.json alone
    info = read_run_info(folder.caption_run_info)
    info.finished, info.seconds_per_video, info.videos_ok = None, {}, 0
    write_run_info(folder.caption_run_info, info)
    assert folder.holds_outputs()
    with caplog.at_level(logging.WARNING):
        methods = read_run(out)  # was: "no method folder found", the stopped run not mentioned
    assert list(methods) == ["dummy"] and methods["dummy"].captions is None
    assert "the caption run did not finish (caption_run.json has no finish time" in caplog.text
    # and --out RUN/dummy for RUN is refused by it
    with pytest.raises(CameraBenchError, match="is the method folder of a run"):
        run_predict(data, "dummy", folder.path)
