"""Red team R55: ``predict`` (and ``caption``) exited 0 when every video failed, so a script that
checks the status took a run of failures for a result. Now status 1 with the first reason, the
summary line and run.json as before; a run with some videos ok still exits 0."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.cli import main


def _dataset(six_videos: Path, tmp_path: Path, missing: int) -> Path:
    data = Path(shutil.copytree(six_videos, tmp_path / "data"))
    for v in sorted((data / "videos").iterdir())[:missing]:
        v.unlink()  # labelled, not there: failed ("video file not found")
    return data


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_a_run_whose_every_video_failed_exits_1_with_the_first_reason(
    kind: str, six_videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    data = _dataset(six_videos, tmp_path, missing=6)
    with caplog.at_level(logging.ERROR):
        status = main([kind, "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")])
    assert status == 1
    assert "(0 ok, 6 failed)" in capsys.readouterr().out  # the summary line is still written
    info_file = tmp_path / "run" / "dummy" / ("run.json" if kind == "predict" else "caption_run.json")
    info = json.loads(info_file.read_text())
    assert info["videos_ok"] == 0 and info["videos_failed"] == 6
    first = next(iter(info["failures"].values()))
    assert "dummy: every one of the 6 videos failed" in caplog.text and first in caplog.text


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_a_run_with_some_videos_ok_exits_0(
    kind: str, six_videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _dataset(six_videos, tmp_path, missing=5)
    assert main([kind, "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")]) == 0
    assert "(1 ok, 5 failed)" in capsys.readouterr().out
