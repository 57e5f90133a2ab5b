"""Run folders read back after hand edits, concatenations and interrupted writes.

Repeated caption and answer records are counted like repeated score records (and reach the
evaluation result); ``--resume`` drops exact repeats, keeps a whole last record that lost its
line break, and runs again a video whose records an interrupted append cut short; a torn
last line is named as such; a file mixing methods, or of another method than its run.json,
is refused naming its line; records of videos the dataset does not have are counted.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import (
    AnswerRecord,
    CaptionRecord,
    RunInfo,
    ScoreRecord,
    read_scores,
    write_answers,
    write_captions,
    write_run_info,
    write_scores,
)
from camerabench.runfolder import read_method
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

VIDEOS = ["v0.mp4", "v1.mp4", "v2.mp4"]
PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three tiny videos, each asked two questions."""
    root = tmp_path_factory.mktemp("hostile") / "data"
    for prim in (PAN, TILT):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    for v in VIDEOS:
        write_video(root / "videos" / v, np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    return root


@pytest.fixture(scope="module")
def reference(data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The output files of uninterrupted ``dummy`` predict and caption runs, and their run records."""
    run = tmp_path_factory.mktemp("reference")
    run_predict(data, "dummy", run, progress=False)
    run_caption(data, "dummy", run, progress=False)
    names = ("scores.jsonl", "captions.jsonl", "run.json", "caption_run.json")
    return {name.split(".")[0]: (run / "dummy" / name).read_bytes() for name in names}


def _resume(data: Path, tmp_path: Path, kind: str, content: bytes, reference: dict[str, bytes]) -> tuple[int, bytes]:
    """Write ``content`` as the output of an earlier run (with the reference run's record: records
    without one are not resumed), resume it: (videos run, output)."""
    out = tmp_path / "dummy" / f"{kind}.jsonl"
    out.parent.mkdir(parents=True)
    out.write_bytes(content)
    record = "run" if kind == "scores" else "caption_run"
    (out.parent / f"{record}.json").write_bytes(reference[record])
    job = run_predict if kind == "scores" else run_caption
    summary = job(data, "dummy", tmp_path, resume=True, progress=False)
    return summary.videos_run, out.read_bytes()


# --- repeated records ---------------------------------------------------------------------


def _caption(video: str, text: str | None) -> CaptionRecord:
    return CaptionRecord(video, "m", text) if text is not None else CaptionRecord(video, "m", None, "failed", "boom")


@pytest.mark.parametrize("order", ["ok-then-failed", "failed-then-ok"])
def test_repeated_captions_are_counted_and_ok_wins(
    tmp_path: Path, order: str, caplog: pytest.LogCaptureFixture
) -> None:
    recs = [_caption("a.mp4", "pans left"), _caption("a.mp4", None), _caption("b.mp4", "static")]
    if order == "failed-then-ok":
        recs[:2] = recs[1::-1]
    write_captions(tmp_path / "m" / "captions.jsonl", [*recs, recs[2]])  # b.mp4 repeated exactly
    with caplog.at_level(logging.WARNING):
        run = read_method(tmp_path / "m")
    assert run.caption_duplicates == 2
    assert run.captions is not None and run.captions["a.mp4"].caption == "pans left"
    assert "2 videos recorded more than once (1 exact repeats of a line)" in caplog.text


def test_repeated_answers_are_counted(tmp_path: Path) -> None:
    write_answers(tmp_path / "m" / "answers.jsonl", [AnswerRecord("1", "m", "A"), AnswerRecord("1", "m", "B")])
    run = read_method(tmp_path / "m")
    assert run.answer_duplicates == 1
    assert run.answers is not None and run.answers[(None, "1")].answer == "B"


def test_repeated_captions_and_answers_reach_the_evaluation(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run" / "m"
    write_captions(folder / "captions.jsonl", [_caption("v0.mp4", "x"), _caption("v0.mp4", "y")])
    write_answers(folder / "answers.jsonl", [AnswerRecord("1", "m", "A")] * 3)
    result = evaluate(data, tmp_path / "run", n_bootstrap=10, captions_minilm=False).result
    method = result.methods["m"]
    assert (method.duplicate_captions, method.duplicate_answers) == (1, 1)
    assert result.to_dict()["methods"]["m"]["duplicate_captions"] == 1


def test_caption_resume_drops_an_exact_repeat(data: Path, tmp_path: Path, reference: dict[str, bytes]) -> None:
    lines = reference["captions"].splitlines(keepends=True)
    ran, out = _resume(data, tmp_path, "captions", lines[0] + reference["captions"], reference)
    assert ran == 0 and out == reference["captions"]


# --- interrupted appends ------------------------------------------------------------------


def _last_video_cut(scores: bytes, at: int) -> bytes:
    """The scores of an interrupted append: the last video's second record cut after ``at`` bytes."""
    lines = scores.splitlines(keepends=True)
    assert [json.loads(ln)["video"] for ln in lines[-2:]] == ["v2.mp4", "v2.mp4"]
    return b"".join(lines[:-1]) + lines[-1][:at]


@pytest.mark.parametrize(
    "at",
    [40, 13, -1],
    ids=["torn-after-the-name", "torn-within-the-name", "whole-record-without-line-break"],
)
def test_predict_resume_runs_again_a_video_whose_records_were_cut_short(
    data: Path, tmp_path: Path, reference: dict[str, bytes], at: int
) -> None:
    ran, out = _resume(data, tmp_path, "scores", _last_video_cut(reference["scores"], at), reference)
    assert ran == 1
    assert out == reference["scores"]  # v2's cut-short question is answered again, nothing lost


def test_caption_resume_keeps_a_whole_last_record_without_its_line_break(
    data: Path, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    ran, out = _resume(data, tmp_path, "captions", reference["captions"][:-1], reference)
    assert ran == 0 and out == reference["captions"]


def test_a_torn_last_line_is_named_as_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "m" / "scores.jsonl"
    write_scores(path, [ScoreRecord("a.mp4", PAN.question, "m", 0.5)])
    with open(path, "a") as fh:
        fh.write('{"video": "b.mp4", "quest')
    with pytest.raises(FileFormatError, match=r"scores.jsonl:2: incomplete last line.*--resume"):
        read_method(tmp_path / "m")
    with pytest.raises(FileFormatError, match=r"scores.jsonl:2: incomplete last line"):
        read_scores(path)
    path.write_text(path.read_text() + "\n")  # the same text ended by a line break: invalid JSON that looks cut
    with pytest.raises(FileFormatError, match=r"scores.jsonl:2: not valid JSON, and the line looks cut.*invalid JSON"):
        read_scores(path)


# --- records of other methods or videos ---------------------------------------------------


def test_a_file_mixing_methods_is_refused_naming_the_line(tmp_path: Path) -> None:
    recs = [CaptionRecord("a.mp4", "m", "x"), CaptionRecord("b.mp4", "n", "y")]
    write_captions(tmp_path / "m" / "captions.jsonl", recs)
    with pytest.raises(FileFormatError, match=r"captions.jsonl:2: a record of method 'n' in a file of method 'm'"):
        read_method(tmp_path / "m")


def test_records_of_another_method_than_run_json_are_refused(tmp_path: Path) -> None:
    write_run_info(tmp_path / "m" / "run.json", RunInfo(method="colmap"))
    write_scores(tmp_path / "m" / "scores.jsonl", [ScoreRecord("a.mp4", PAN.question, "fast", 0.5)])
    with pytest.raises(FileFormatError, match=r"scores.jsonl:1: a record of method 'fast', but run.json"):
        read_method(tmp_path / "m")


def test_records_of_videos_not_in_the_dataset_are_counted(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recs = [ScoreRecord(v, p.question, "m", 0.5, primitive=p.value) for v in VIDEOS for p in (PAN, TILT)]
    recs += [ScoreRecord("videos/v0.mp4", PAN.question, "m", 0.5), ScoreRecord("gone.mp4", PAN.question, "m", 0.1)]
    write_scores(tmp_path / "run" / "m" / "scores.jsonl", recs)
    with caplog.at_level(logging.WARNING):
        evaluate(data, tmp_path / "run", n_bootstrap=10, captions_minilm=False)
    assert "m: 2 score record(s) name 2 video(s) not in the dataset (e.g. 'gone.mp4')" in caplog.text
