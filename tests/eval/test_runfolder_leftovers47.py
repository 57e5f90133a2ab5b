"""Run-folder and evaluation leftovers of red team R37.

1. ``predict --resume`` took a video whose scores.jsonl lost one of its lines (removed by hand)
   as done: evaluate then counted that question missing. It now runs the video again, its old
   lines dropped (each (video, question) once), and names the video.
2. ``evaluate`` echoed run.json's ``videos_ok`` / ``videos_failed``; they now come from the
   records, with a warning naming run.json and both counts where it disagrees (the whole run's: a
   dataset holding part of the run's videos is not a disagreement).
3. A line cut in the middle of scores.jsonl was named as invalid JSON without saying it looks cut.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder


def _lines(out: Path) -> list[str]:
    return MethodFolder.of(out, "dummy").scores.read_text().splitlines(keepends=True)


def _write(out: Path, lines: list[str]) -> None:
    MethodFolder.of(out, "dummy").scores.write_text("".join(lines))


def test_resume_runs_again_a_video_that_lost_one_score_line(
    six_videos: Path, six_videos_reference: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "run"
    run_predict(six_videos, "dummy", out)
    lines = _lines(out)
    video = json.loads(lines[1])["video"]
    assert sum(json.loads(line)["video"] == video for line in lines) > 1  # others of its lines stay
    _write(out, lines[:1] + lines[2:])
    with caplog.at_level(logging.WARNING):
        summary = run_predict(six_videos, "dummy", out, resume=True)
    assert summary.videos_run == 1, summary  # old code: 0 run, the question left without a record
    assert video in caplog.text and "is run again" in caplog.text
    keys = [(json.loads(line)["video"], json.loads(line)["question"]) for line in _lines(out)]
    assert len(keys) == len(set(keys))  # the video's old lines are not kept beside the new ones
    assert MethodFolder.of(out, "dummy").scores.read_bytes() == six_videos_reference
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert run_predict(six_videos, "dummy", out, resume=True).videos_run == 0  # complete now
    assert "is run again" not in caplog.text


def test_evaluate_counts_videos_from_the_records(
    dummy_run: Path, six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = Path(shutil.copytree(dummy_run, tmp_path / "run"))
    lines = _lines(out)
    records = [json.loads(line) for line in lines]
    videos = sorted({r["video"] for r in records})
    gone = videos[0]
    _write(out, [line for line, r in zip(lines, records, strict=True) if r["video"] != gone])
    info = json.loads(MethodFolder.of(out, "dummy").run_info.read_text())
    assert (info["videos_ok"], info["videos_failed"]) == (len(videos), 0)
    with caplog.at_level(logging.WARNING):
        result = evaluate(six_videos, out, n_bootstrap=0, captions_minilm=False).result
    run_info = result.methods["dummy"].run_info
    assert run_info is not None
    assert (run_info.videos_ok, run_info.videos_failed) == (len(videos) - 1, 0)  # old code: run.json's 6
    said = [r.getMessage() for r in caplog.records if "run.json" in r.getMessage() and "counts" in r.getMessage()]
    assert len(said) == 1 and f"counts {len(videos)} video(s) ok" in said[0] and f"{len(videos) - 1} ok" in said[0]


def test_a_dataset_holding_part_of_the_runs_videos_is_counted_without_a_warning(
    dummy_run: Path, six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A preset evaluated on its own from a run over several (benchmarks/bench_geometry.py): run.json
    counts the whole run, the records are compared whole, the dataset's videos are reported."""
    from camerabench.labelfiles import read_binary_file, write_binary_file

    part = Path(shutil.copytree(six_videos, tmp_path / "part"))
    label_files = sorted((part / "labels" / "binary_classification").glob("*.jsonl"))
    kept = sorted({r.image for r in read_binary_file(label_files[0])})[:4]
    for path in label_files:
        write_binary_file(path, [r for r in read_binary_file(path) if r.image in kept])
    for video in (part / "videos").iterdir():
        if video.name not in kept:
            video.unlink()
    with caplog.at_level(logging.WARNING):
        result = evaluate(part, dummy_run, n_bootstrap=0, captions_minilm=False).result
    run_info = result.methods["dummy"].run_info
    assert run_info is not None and (run_info.videos_ok, run_info.videos_failed) == (4, 0)
    assert "records read count" not in caplog.text  # old code: "counts 6 video(s) ok ... records read count 4"


def test_evaluate_of_an_untouched_run_says_nothing_of_its_counts(
    dummy_run: Path, six_videos: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        result = evaluate(six_videos, dummy_run, n_bootstrap=0, captions_minilm=False).result
    run_info = result.methods["dummy"].run_info
    assert run_info is not None and (run_info.videos_ok, run_info.videos_failed) == (6, 0)
    assert "records read count" not in caplog.text


@pytest.mark.parametrize("glued", [False, True], ids=["line-break-kept", "line-break-lost"])
def test_a_line_cut_in_the_middle_of_the_scores_is_said_to_look_cut(
    dummy_run: Path, six_videos: Path, tmp_path: Path, glued: bool
) -> None:
    out = Path(shutil.copytree(dummy_run, tmp_path / "run"))
    lines = _lines(out)
    assert len(lines) > 4
    cut = lines[2][: len(lines[2]) // 2]
    # bytes lost within line 3: its end (and, glued, its line break: line 4 follows on line 3)
    _write(out, [*lines[:2], cut + ("" if glued else "\n"), *lines[3:]])
    with pytest.raises(FileFormatError) as caught:
        evaluate(six_videos, out, n_bootstrap=0, captions_minilm=False)
    message = str(caught.value)
    assert message.startswith(f"{MethodFolder.of(out, 'dummy').scores}:3: not valid JSON")
    assert "looks cut" in message and "ends mid-record" in message
    assert ("line break lost" in message) == glued
