"""Round 44 leftovers: bench_real_degraded.py resumes its method runs (a note says what each run is
of, and a run of other clips, settings or code is refused, not reused); ``train --lr -1e-5`` gets
the value's refusal, not argparse's "expected one argument"; ``evaluate`` warns of method folders
whose records all name one method that has no folder of its own."""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from camerabench.cli import main as cli_main
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_test44", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


degraded = _load("bench_real_degraded")


# --- bench_real_degraded.py: --resume ---------------------------------------------------------------


def _main(data: Path, work: Path, *extra: str) -> None:
    degraded.main(["--data", str(data), "--work", str(work), "--variants", "reencode", "--methods", "dummy", *extra])


@pytest.fixture(scope="module")
def first_work(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --work folder after one finished call (the variant built, dummy run and scored)."""
    work = tmp_path_factory.mktemp("deg44") / "w"
    _main(six_videos, work, "--save", str(work.parent / "first.json"))
    return work


@pytest.fixture()
def work(first_work: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(first_work, tmp_path / "w"))


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The run_predict calls of the script (each call's keyword arguments), run for real."""
    seen: list[dict[str, Any]] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return run_predict(*args, **kwargs)

    monkeypatch.setattr(degraded, "run_predict", counted)
    return seen


def _figures(path: Path) -> dict[str, Any]:
    fig = json.loads(path.read_text())["reencode"]["dummy"]
    return {k: fig[k] for k in ("mean_ap", "per_primitive", "failures", "ranking_losses")}


def test_resume_reuses_a_finished_run(
    six_videos: Path, first_work: Path, work: Path, tmp_path: Path, calls: list[dict[str, Any]]
) -> None:
    """Every method was run again after an interruption (only the variants were reused): with
    --resume a finished run of the same note is reused, its figures the same."""
    _main(six_videos, work, "--resume", "--save", str(tmp_path / "again.json"))
    assert calls == []
    assert _figures(tmp_path / "again.json") == _figures(first_work.parent / "first.json")
    assert json.loads((tmp_path / "again.json").read_text())["reencode"]["dummy"]["run"] == "reused"
    _main(six_videos, work)  # without --resume: run again, as before
    assert len(calls) == 1 and not calls[0]["resume"]


def test_resume_continues_an_interrupted_run(
    six_videos: Path, first_work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "w"  # its own (a copy of first_work would be a run of first_work's variant)
    _main(six_videos, work)
    calls: list[dict[str, Any]] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return run_predict(*args, **kwargs)

    monkeypatch.setattr(degraded, "run_predict", counted)
    method = work / "reencode" / "runs" / "dummy" / "dummy"
    info = json.loads((method / "run.json").read_text())
    info["finished"] = None  # as an interrupted run leaves it
    (method / "run.json").write_text(json.dumps(info))
    lines = (method / "scores.jsonl").read_text().splitlines(keepends=True)
    kept = [line for line in lines if json.loads(line)["video"] != "v5.mp4"]
    assert len(kept) < len(lines)
    (method / "scores.jsonl").write_text("".join(kept))
    _main(six_videos, work, "--resume", "--save", str(tmp_path / "again.json"))
    assert [c["resume"] for c in calls] == [True]
    assert _figures(tmp_path / "again.json") == _figures(first_work.parent / "first.json")


@pytest.mark.parametrize(
    ("field", "value"),
    [("settings", {"seed": 7}), ("git_commit", "0" * 40), ("dataset", "f" * 64), ("method", "fast")],
)
def test_resume_refuses_a_run_of_another_note(
    six_videos: Path, work: Path, calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, field: str, value: Any
) -> None:
    """A run of other settings, code or clips is refused before any work, naming what differs."""
    monkeypatch.setattr(degraded, "make_variant", lambda *a, **k: pytest.fail("a variant was built"))
    note = work / "reencode" / "runs" / "dummy.json"
    earlier = json.loads(note.read_text())
    note.write_text(json.dumps(earlier | {field: value}))
    with pytest.raises(SystemExit) as exc:
        _main(six_videos, work, "--resume")
    message = str(exc.value.code)
    assert message.startswith(f"bench_real_degraded.py: --resume: {note.parent / 'dummy'} is a run of dummy"), message
    assert f"{field} " in message and "\n" not in message
    assert calls == []


def test_resume_refuses_a_run_without_its_note(
    six_videos: Path, work: Path, calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run folder an older copy of the script left (no note): what it is of is not known."""
    monkeypatch.setattr(degraded, "make_variant", lambda *a, **k: pytest.fail("a variant was built"))
    (work / "reencode" / "runs" / "dummy.json").unlink()
    with pytest.raises(SystemExit) as exc:
        _main(six_videos, work, "--resume")
    assert "without a note of what it is of" in str(exc.value.code)
    assert calls == []


# --- train: negative numbers are values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "flag", "value"),
    [
        (["--lr", "-1e-5"], "--lr", "-1e-5"),  # was: argument --lr: expected one argument
        (["--lr", "-1E-5", "--epochs", "1"], "--lr", "-1E-5"),
        (["--lr", "-inf"], "--lr", "-inf"),
        (["--lr", "-nan"], "--lr", "-nan"),
        (["--lr", "0"], "--lr", "0"),
        (["--lr", "nan"], "--lr", "nan"),
        (["--lr", "inf"], "--lr", "inf"),
        (["--epochs", "0"], "--epochs", "0"),
        (["--epochs", "-2e1"], "--epochs", "-2e1"),
        (["--stage", "grpo", "--kl-coef", "-1e-3"], "--kl-coef", "-1e-3"),
        (["--stage", "grpo", "--temperature", "-1e-2"], "--temperature", "-1e-2"),
        (["--stage", "grpo", "--clip-eps", "-Infinity"], "--clip-eps", "-Infinity"),
        (["--seed", "-1e3"], "--seed", "-1e3"),
    ],
)
def test_train_numbers_refused_by_their_own_check(
    flags: list[str], flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_main(["train", "--data", "d", "--out", "o", *flags])
    assert exc.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"camerabench train: error: argument {flag}: must be "), last
    assert last.endswith(f"got {value!r}"), last


def test_train_positive_exponent_and_non_numbers_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    from camerabench.cli import build_parser

    args = build_parser().parse_args(["train", "--data", "d", "--out", "o", "--lr", "1e-5"])
    assert args.lr == 1e-5
    with pytest.raises(SystemExit):  # a flag-like word is still a flag, not --lr's value
        build_parser().parse_args(["train", "--data", "d", "--out", "o", "--lr", "-x"])
    assert "argument --lr: expected one argument" in capsys.readouterr().err


# --- evaluate: folders of one method that has none ---------------------------------------------------


@pytest.fixture(scope="module")
def dummy_run(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run44")
    run_predict(six_videos, "dummy", out / "seed0")
    run_predict(six_videos, "dummy", out / "seed1", options={"seed": 1})
    return out


def _evaluate(data: Path, run: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    return [r.getMessage() for r in caplog.records if "which has no folder of its own" in r.getMessage()]


def test_two_folders_of_one_absent_method_are_warned_of(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    for name in ("geom-a", "geom-b"):
        shutil.copytree(dummy_run / "seed0" / "dummy", run / name)
    warned = _evaluate(six_videos, run, caplog)
    assert len(warned) == 1, warned
    assert "method folders 'geom-a', 'geom-b' all hold records of method 'dummy'" in warned[0]


def test_one_renamed_folder_or_runs_of_other_settings_not_warned_of(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    shutil.copytree(dummy_run / "seed0" / "dummy", run / "dummy-seed0")
    assert _evaluate(six_videos, run, caplog) == []  # a renamed run
    shutil.copytree(dummy_run / "seed1" / "dummy", run / "dummy-seed1")
    assert _evaluate(six_videos, run, caplog) == []  # two settings compared
    shutil.copytree(dummy_run / "seed0" / "dummy", run / "dummy-seed0 - Copy")
    warned = _evaluate(six_videos, run, caplog)  # the copy shares its settings with dummy-seed0 only
    assert len(warned) == 1 and "'dummy-seed0', 'dummy-seed0 - Copy' all hold" in warned[0], warned
    shutil.copytree(dummy_run / "seed0" / "dummy", run / "dummy")  # the method's own folder: read_run's warning
    assert _evaluate(six_videos, run, caplog) == []


def test_an_unquoted_all_digit_sha256_is_said_to_be_read_as_a_number(tmp_path: Path) -> None:
    """Red team R66: YAML reads an unquoted all-digit digest as an integer; the message said only
    "not 0" (or the number), not why."""
    real = _load("bench_real")
    text = (BENCH / "real_clips_film.yaml").read_text()
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("sha256:"))
    clips = tmp_path / "clips.yaml"
    clips.write_text(text.replace(line, line.split("sha256:")[0] + "sha256: " + "1" * 64, 1))
    with pytest.raises(SystemExit) as stop:
        real.load_clips(clips)
    message = str(stop.value)
    assert message.startswith(f"{clips}, line ") and "sha256 must be 64 lower-case hex digits, not 1111" in message
    assert message.endswith("(YAML read it as a number: quote the digest)")
