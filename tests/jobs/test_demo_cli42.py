"""Hostile use, round 42: ``camerabench demo``, ``synth`` and ``taxonomy`` as users run them.

``camerabench taxonomy | head -3`` (a reader that closes the pipe) ended in a BrokenPipeError
traceback; a path stdout cannot encode (``dé`` under ``PYTHONIOENCODING=ascii``, a byte that is not
UTF-8, a line break) ended a finished synth or demo in a UnicodeEncodeError traceback or broke its
one summary line; an interrupted demo said "continue with --resume", a flag ``camerabench demo``
refuses; the demo printed undefined-metric warnings raw, with the source line that raised them.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

import camerabench.cli.synth as synth_cli
import camerabench.cli.taxonomy as taxonomy_cli
import camerabench.jobs.demo as demo
import camerabench.synth as synth
import camerabench.synth.generate as generate
from camerabench.cli import main
from camerabench.cli.demo import summary_line

METHODS: dict[str, dict[str, Any]] = {"dummy": {}}


def _closed_pipe(monkeypatch: pytest.MonkeyPatch) -> io.TextIOWrapper:
    """stdout as the write end of a pipe whose reader is gone (``| head`` after its lines)."""
    read, write = os.pipe()
    os.close(read)
    stream = open(write, "w", encoding="utf-8")  # noqa: SIM115 (closed by the test)
    monkeypatch.setattr("sys.stdout", stream)
    return stream


def _strict_stdout(monkeypatch: pytest.MonkeyPatch, encoding: str) -> io.BytesIO:
    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding=encoding, errors="strict"))
    return raw


# --- taxonomy into a closed pipe ------------------------------------------------------------------


@pytest.mark.parametrize("as_json", [False, True])
def test_taxonomy_into_a_closed_pipe_exits_quietly(as_json: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _closed_pipe(monkeypatch)
    try:
        # was: BrokenPipeError traceback (and "Exception ignored ..." at exit)
        assert taxonomy_cli.run(argparse.Namespace(json=as_json)) == taxonomy_cli.PIPE_CLOSED
        stream.write("what is still buffered goes to the null device\n")
        stream.flush()  # no second BrokenPipeError at exit
    finally:
        stream.close()


# --- a path stdout cannot take --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "name", "shown"),
    [("ascii", "dé", "d\\xe9"), ("utf-8", "d\udcffx", "d\\xffx"), ("utf-8", "a\nb", "a\\nb")],
)
def test_synth_says_where_it_wrote_a_path_stdout_cannot_take(
    encoding: str, name: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / name
    monkeypatch.setattr(generate, "generate_dataset", lambda *a, **k: out)  # the render itself is not the case
    raw = _strict_stdout(monkeypatch, encoding)
    args = argparse.Namespace(out=str(out), clips=1, seed=0, preset="standard", size=None, fps=None, workers=1)
    assert synth_cli.run(args) == 0  # was: UnicodeEncodeError after the whole render (or a line cut in two)
    import sys

    sys.stdout.flush()
    text = raw.getvalue().decode(encoding)
    assert text == f"synthetic standard dataset written to {tmp_path.as_posix()}/{shown}\n"


def _result(report: Path) -> demo.DemoResult:
    binary = SimpleNamespace(
        mean_ap=0.5, per_primitive={"Pan_Left": 0.5}, primitives_in_mean=1, failed=0, missing=0, samples=2
    )
    method = SimpleNamespace(binary=binary, run_info=SimpleNamespace(videos_ok=1, videos_failed=0), in_progress=None)
    result = SimpleNamespace(metrics=SimpleNamespace(methods={"fast": method}), report=report, seconds=1.0)
    return cast(demo.DemoResult, result)


def test_the_demo_summary_is_one_line_whatever_the_out_path(tmp_path: Path) -> None:
    line = summary_line(_result(tmp_path / "a\nb\udcff" / "report" / "report.md"))
    assert "\n" not in line  # was: the line broken at the path's line break
    assert line.endswith("a\\nb\\xff/report/report.md")  # was: a lone surrogate no UTF-8 stdout takes


def test_the_demo_summary_on_an_ascii_stdout_after_a_finished_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "démo" / "report" / "report.md"
    monkeypatch.setattr(demo, "run_demo", lambda *a, **k: _result(report))
    captured: list[bool] = []
    monkeypatch.setattr(logging, "captureWarnings", captured.append)
    raw = _strict_stdout(monkeypatch, "ascii")
    assert main(["demo", "--out", str(tmp_path / "démo")]) == 0  # was: UnicodeEncodeError traceback
    import sys

    sys.stdout.flush()
    assert raw.getvalue().decode("ascii").endswith("d\\xe9mo/report/report.md\n")
    # undefined-metric warnings go through logging, as in evaluate (they were printed raw with source lines)
    assert captured == [True]


# --- an interrupted demo --------------------------------------------------------------------------


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _stopped_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "camerabench.jobs.demo" and "stopped" in r.getMessage()]


def test_an_interrupted_demo_says_to_run_it_again_not_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(synth, "generate_dataset", lambda *a, **k: None)
    monkeypatch.setattr(demo, "run_predict", _interrupt)
    out = tmp_path / "my demo"
    with caplog.at_level(logging.INFO), pytest.raises(KeyboardInterrupt):
        demo.run_demo(out, clips=1, workers=1, methods=METHODS)
    # was: only the predict step's "continue with --resume" (`camerabench demo --resume`: an unknown flag)
    assert _stopped_lines(caplog) == [
        f"demo stopped during [2/4] predict dummy; to continue, run `camerabench demo --out '{out}' --clips 1` "
        "again (no --resume): the dataset and the finished predictions and captions are kept"
    ]


def test_a_demo_interrupted_while_rendering_says_the_dataset_is_rendered_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(synth, "generate_dataset", _interrupt)
    monkeypatch.setattr(demo, "run_predict", _interrupt)
    with caplog.at_level(logging.INFO), pytest.raises(KeyboardInterrupt):
        demo.run_demo(tmp_path / "d", workers=1, methods=METHODS)
    (line,) = _stopped_lines(caplog)
    assert line.startswith("demo stopped during [1/4] generating the dataset; to continue, run `camerabench demo")
    assert "--clips" not in line and line.endswith("its clips already rendered are kept and the rest rendered")
