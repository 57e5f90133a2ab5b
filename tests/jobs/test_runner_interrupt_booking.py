"""An interrupt that lands after a video's records are on disk but before its run.json entries
are made (a CI flake: run.json lacked the timing of the last recorded caption).

The runner now completes the entries of a video whose records reached the file before it saves
run.json and says how many were recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from camerabench.fileio import append_jsonl
from camerabench.jobs import runner
from camerabench.records import read_run_info, read_scores
from camerabench.runfolder import MethodFolder


def _interrupt_after_append(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """append_jsonl writes as before, then the ``after``-th call is followed by Ctrl-C (the signal
    arriving between the append and the bookkeeping that follows it)."""
    calls = {"n": 0}

    def append_then_interrupt(path: Any, records: Any) -> None:
        append_jsonl(path, records)
        calls["n"] += 1
        if calls["n"] == after:
            raise KeyboardInterrupt

    monkeypatch.setattr(runner, "append_jsonl", append_then_interrupt)


def test_run_json_holds_every_recorded_video_after_an_interrupt_past_the_append(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _interrupt_after_append(monkeypatch, 2)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        runner.run_predict(data, "dummy", out, workers=1)
    folder = MethodFolder.of(out, "dummy")
    recorded = {r.video for r in read_scores(folder.scores)}
    assert len(recorded) == 2
    info = read_run_info(folder.run_info)
    # was: the second video's records on disk, its timing missing from run.json
    assert set(info.seconds_per_video) == recorded
    assert info.finished is None
    assert "with 2 of 6 videos recorded" in caplog.text


def test_a_resumed_run_after_such_an_interrupt_runs_only_the_rest(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_after_append(monkeypatch, 3)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        runner.run_predict(data, "dummy", out, workers=1)
    monkeypatch.undo()
    summary = runner.run_predict(data, "dummy", out, workers=1, resume=True)
    assert (summary.videos_skipped, summary.videos_run) == (3, 3)
    info = read_run_info(MethodFolder.of(out, "dummy").run_info)
    assert info.finished is not None and len(info.seconds_per_video) == 6
