"""Hostile input to the job runner, run.json and the command line, round 9.

run.json counts that no run writes (negative, beyond what a JSON number holds, more failed
videos than failures listed) are refused when built and when read; a Ray port in digits other
than 0-9 is refused; an interrupted run's run.json counts what it recorded; a method's return
values that are not scores, answers or writable text fail that video (or question, or row)
with the reason instead of stopping the run or passing for ok; a method's ``sys.exit(0)`` is an
error, not a successful exit of an unfinished run.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.base import VideoResult
from camerabench.baselines.dummy import DummyPredictor
from camerabench.cli import main
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.jobs.ray_backend import _check_reachable
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, read_answers, read_run_info, read_scores
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(6)]  # the videos of the six_videos fixture (tests/conftest.py)
FINISHED = "2026-01-01T00:00:00+00:00"
_REAL_PREDICT = DummyPredictor.predict


def _predict_with(monkeypatch: pytest.MonkeyPatch, per_video: dict[str, Any]) -> None:
    """DummyPredictor.predict returns ``per_video[name](result, questions)`` for the named videos."""

    def predict(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        result = _REAL_PREDICT(self, video_path, questions)
        change = per_video.get(video_path.name)
        return change(result, questions) if change else result

    monkeypatch.setattr(DummyPredictor, "predict", predict)


# --- run.json counts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"videos_ok": -3}, "videos_ok must be a count (an integer >= 0), got -3"),
        ({"videos_failed": -1}, "videos_failed must be a count (an integer >= 0), got -1"),
        ({"videos_ok": 2**53 + 1}, "videos_ok must be a count of at most 2**53"),
        (
            {"videos_failed": 2, "failures": {"a.mp4": "x"}, "finished": FINISHED},
            "videos_failed is 2 but failures lists 1 video(s)",
        ),
    ],
)
def test_a_run_info_built_in_code_is_checked_as_one_read_from_run_json(fields: dict[str, Any], message: str) -> None:
    """Only from_dict checked the counts: RunInfo(videos_ok=-3) was written to run.json as it was."""
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        RunInfo("m", **fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"videos_ok": 10**30}, "videos_ok must be a count of at most 2**53 (what a JSON number holds exactly)"),
        (
            {"videos_failed": 3, "failures": {}, "finished": FINISHED},
            "videos_failed is 3 but failures lists 0 video(s)",
        ),
    ],
)
def test_run_json_counts_no_run_writes_are_refused_naming_the_line(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    """Both were read as they were: 10**30 videos ok in the results; 3 failed videos with no reason."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"method": "m", "schema_version": 1, **fields}, indent=2))
    key = next(k for k in ("videos_ok", "videos_failed") if k in fields)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if f'"{key}"' in text)
    with pytest.raises(FileFormatError) as exc:
        read_run_info(path)
    assert str(exc.value).startswith(f"{path}:{line}: {message}")


@pytest.mark.parametrize(
    "fields",
    [
        # an interrupted run of an earlier camerabench: the counts of its last finished part
        {"videos_failed": 3, "failures": {}, "finished": None},
        # a failed video since removed from the dataset: its failure is kept, not counted
        {"videos_ok": 5, "videos_failed": 0, "failures": {"gone.mp4": "x"}, "finished": FINISHED},
    ],
)
def test_run_json_files_real_runs_write_are_still_read(tmp_path: Path, fields: dict[str, Any]) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"method": "m", "schema_version": 1, **fields}))
    info = read_run_info(path)
    assert (info.videos_ok, info.videos_failed) == (fields.get("videos_ok", 0), fields["videos_failed"])


def test_a_failed_video_that_left_the_dataset_leaves_a_readable_run_json(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner's own output with more failures than failed videos counted (see above)."""
    from camerabench.labelfiles import read_binary_file

    run_predict(data, "dummy", tmp_path, options={"fail_videos": ["v5.mp4"]})
    (data / "videos" / "v5.mp4").unlink()
    for path in (data / "labels" / "binary_classification").glob("*.jsonl"):
        write_binary_file(path, [r for r in read_binary_file(path) if r.image != "v5.mp4"])
    summary = run_predict(data, "dummy", tmp_path, resume=True, options={"fail_videos": ["v5.mp4"]})
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert (info.videos_ok, info.videos_failed, set(info.failures)) == (5, 0, {"v5.mp4"})
    assert (summary.videos_ok, summary.videos_failed) == (5, 0)


def test_an_interrupted_runs_run_json_counts_what_it_recorded_and_resume_completes(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, six_videos_reference: bytes
) -> None:
    """Ctrl-C on the fourth video left run.json saying 0 videos ok beside 3 recorded (the counts of
    no part of the run); evaluation reports these counts."""
    calls = 0

    def interrupt_on_the_fourth(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        return _REAL_PREDICT(self, video_path, questions)

    monkeypatch.setattr(DummyPredictor, "predict", interrupt_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        run_predict(data, "dummy", tmp_path)
    monkeypatch.undo()
    scores = read_scores(tmp_path / "dummy" / "scores.jsonl")
    assert len({r.video for r in scores}) == 3  # the records written so far survive
    first = read_run_info(tmp_path / "dummy" / "run.json")
    assert (first.finished, first.videos_ok, first.videos_failed) == (None, 3, 0)

    summary = run_predict(data, "dummy", tmp_path, resume=True)
    assert (summary.videos_skipped, summary.videos_run, summary.videos_ok) == (3, 3, 6)
    assert (tmp_path / "dummy" / "scores.jsonl").read_bytes() == six_videos_reference


def test_a_resumed_runs_run_json_counts_the_earlier_part_from_the_start(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resumed run's run.json kept the earlier finished part's counts until it finished again."""

    def fails(result: VideoResult, questions: Any) -> VideoResult:
        raise PredictionError("no frames")

    _predict_with(monkeypatch, {"v0.mp4": fails, "v1.mp4": fails})
    run_predict(data, "dummy", tmp_path)
    seen: list[tuple[int, int]] = []

    def look(result: VideoResult, questions: Any) -> VideoResult:
        info = read_run_info(tmp_path / "dummy" / "run.json")
        seen.append((info.videos_ok, info.videos_failed))
        return result

    _predict_with(monkeypatch, {"v0.mp4": fails, "v1.mp4": look})
    run_predict(data, "dummy", tmp_path, resume=True, retry_failed=True)
    # was (4, 2): v0 and v1 are being run again, not failed ((4, 1) if run.json was saved after v0)
    assert seen[0] in [(4, 0), (4, 1)]
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert (info.videos_ok, info.videos_failed, set(info.failures)) == (5, 1, {"v0.mp4"})


# --- what a method returns ---------------------------------------------------------------


def test_a_video_whose_every_question_failed_is_a_failed_video(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NaN for every question, or no scores at all, was counted as an ok video (run.json and the
    summary) while its records were all failures, and read back as failed on --resume."""

    def nan(result: VideoResult, questions: Any) -> VideoResult:
        return VideoResult({q.text: math.nan for q in questions})

    def one_nan(result: VideoResult, questions: Any) -> VideoResult:
        return VideoResult({**result.scores, questions[0].text: math.inf})

    _predict_with(
        monkeypatch,
        {"v1.mp4": nan, "v2.mp4": lambda r, qs: VideoResult({}), "v3.mp4": one_nan},  # v3: one question
    )
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (4, 2)
    assert summary.failures == {
        "v1.mp4": "non-finite score nan",
        "v2.mp4": "the method returned no score for this question",
    }
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert (info.videos_ok, info.videos_failed, info.failures) == (4, 2, summary.failures)
    v3 = [r for r in read_scores(tmp_path / "dummy" / "scores.jsonl") if r.video == "v3.mp4"]
    assert sorted(r.status for r in v3) == ["failed", "ok"]


def test_a_question_the_method_says_it_could_not_score_is_recorded_with_its_reason(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team R55: a VLM question holding a control token got the generic reason "the method
    returned no score for this question" (the real one was only in the log and run.json)."""

    def refuses_one(result: VideoResult, questions: Any) -> VideoResult:
        first = questions[0].text
        scores = {k: v for k, v in result.scores.items() if k != first}
        return VideoResult(scores, failed={first: "holds '<|im_end|>', a control token of the tokenizer"})

    _predict_with(monkeypatch, {"v1.mp4": refuses_one})
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (6, 0)  # its other question was scored
    v1 = {r.status: r for r in read_scores(tmp_path / "dummy" / "scores.jsonl") if r.video == "v1.mp4"}
    assert sorted(v1) == ["failed", "ok"]
    assert v1["failed"].reason == "holds '<|im_end|>', a control token of the tokenizer"


def test_scores_that_are_not_real_numbers_fail_that_question_not_the_video(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An integer beyond a float failed the whole video with a bare OverflowError; text was read
    as a number; None failed with "AttributeError: 'NoneType' object has no attribute 'info'"."""

    def first_is(value: Any) -> Any:
        return lambda result, questions: VideoResult({**result.scores, questions[0].text: value})

    _predict_with(
        monkeypatch,
        {
            "v0.mp4": first_is(10**400),
            "v1.mp4": first_is("0.7"),
            "v2.mp4": first_is(np.array([0.1, 0.2])),
            "v3.mp4": first_is(np.float32(0.25)),  # a numpy scalar is a number
            "v4.mp4": lambda result, questions: None,
        },
    )
    summary = run_predict(data, "dummy", tmp_path)
    assert summary.failures == {"v4.mp4": "the method returned NoneType, not a VideoResult"}
    records = {(r.video, r.question): r for r in read_scores(tmp_path / "dummy" / "scores.jsonl")}
    first = sorted({q for _, q in records})[0]  # the dataset's questions come sorted
    failed = {v: r.reason for (v, q), r in records.items() if r.status == "failed" and v != "v4.mp4"}
    assert failed.pop("v2.mp4").startswith("the method's score (ndarray) is not a real number: TypeError: ")
    assert failed == {
        "v0.mp4": "the method's score (int) is not a real number: OverflowError: int too large to convert to float",
        "v1.mp4": "the method's score is a str, not a real number: '0.7'",
    }
    assert all(records[(v, first)].status == "failed" for v in ("v0.mp4", "v1.mp4", "v2.mp4"))
    assert records[("v3.mp4", first)].score == 0.25
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)


def test_a_lone_surrogate_in_a_reason_or_the_details_fails_that_video_only(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception naming a file with an undecodable byte (``\\udcff``) stopped the whole run with a
    UnicodeEncodeError traceback when its failure was appended; so did details with one, at run.json."""

    def raises(result: VideoResult, questions: Any) -> VideoResult:
        raise PredictionError("cannot open clip_\udcff.mp4")

    def details(result: VideoResult, questions: Any) -> VideoResult:
        result.info = {"note": "x\ud800"}
        return result

    _predict_with(monkeypatch, {"v1.mp4": raises, "v2.mp4": details})
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (4, 2)
    assert summary.failures["v1.mp4"] == "cannot open clip_\\udcff.mp4"
    assert "not JSON (UnicodeEncodeError" in summary.failures["v2.mp4"]
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert info.finished is not None and info.failures == summary.failures
    assert {r.reason for r in read_scores(tmp_path / "dummy" / "scores.jsonl") if r.video == "v1.mp4"} == {
        "cannot open clip_\\udcff.mp4"
    }


def test_a_trajectory_that_cannot_be_saved_fails_that_video_only(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trajectory that is no Trajectory, or whose scene depth is no number, stopped the whole run
    with an AttributeError (ValueError) traceback when it was saved, 2 of 6 videos recorded."""
    from camerabench.trajectory import META_SCENE_DEPTH, Trajectory

    def poses(depth: Any) -> Trajectory:
        return Trajectory(np.tile(np.eye(4), (3, 1, 1)), None, np.arange(3.0), {META_SCENE_DEPTH: depth})

    def with_trajectory(trajectory: Any) -> Any:
        def change(result: VideoResult, questions: Any) -> VideoResult:
            result.trajectory = trajectory
            return result

        return change

    _predict_with(
        monkeypatch,
        {
            "v1.mp4": with_trajectory(poses(2.5)),
            "v2.mp4": with_trajectory("not a trajectory"),
            "v3.mp4": with_trajectory(poses("deep")),
        },
    )
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (4, 2)
    assert summary.failures["v2.mp4"] == "the method's VideoResult.trajectory is a str, not a Trajectory"
    assert summary.failures["v3.mp4"].startswith("the method's trajectory cannot be saved (ValueError: ")
    folder = tmp_path / "dummy"
    assert {r.video for r in read_scores(folder / "scores.jsonl") if r.status == "failed"} == {"v2.mp4", "v3.mp4"}
    assert sorted(p.name for p in folder.rglob("*.npz")) == ["v1.npz"]


@pytest.fixture()
def mcq_data(tmp_path: Path) -> Path:
    root = tmp_path / "mcq"
    write_video(root / "videos" / "a.mp4", np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    pan = Primitive.PAN_LEFT
    write_binary_file(root / "labels" / "binary_classification" / pan.file,
                      [BinaryRecord("a.mp4", pan.question, "Yes", pan.task, pan.label_name)])  # fmt: skip
    options = {"A": "Pan left", "B": "Static shot"}
    rows = [
        MCQRow(str(i), "bench", ("video",), ("videos/a.mp4",), f"Camera {i}?", options, "A", "camera movement", i)
        for i in range(3)
    ]
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", rows)
    return root


def test_an_answer_that_is_not_text_fails_that_row(
    mcq_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone surrogate stopped the run with a UnicodeEncodeError traceback; bytes were recorded
    as the answer "b'A'"."""
    replies = {"0": "<answer>A\ud800</answer>", "1": b"A", "2": "<answer>B</answer>"}
    monkeypatch.setattr(DummyPredictor, "answer", lambda self, row, media: replies[row.index])
    summary = run_predict(mcq_data, "dummy", tmp_path)
    assert summary.answers is not None
    assert (summary.answers.videos_ok, summary.answers.videos_failed) == (1, 2)
    answers = {a.index: a for a in read_answers(tmp_path / "dummy" / "answers.jsonl")}
    assert answers["0"].reason == "the answer is not valid Unicode text (surrogates not allowed at character 9)"
    assert answers["1"].reason == "the method returned bytes, not an answer string"
    assert answers["2"].answer == "<answer>B</answer>"


# --- the command line --------------------------------------------------------------------


def test_sys_exit_0_in_a_method_is_an_error_and_resume_completes(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A method (or a library it calls) that called sys.exit() mid-run made ``camerabench predict``
    exit 0 with 2 of 6 videos done, after a warning that the run was "terminated (SIGTERM)"."""

    def leave(result: VideoResult, questions: Any) -> VideoResult:
        raise SystemExit(0)

    _predict_with(monkeypatch, {"v2.mp4": leave})
    argv = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path)]
    with caplog.at_level(logging.WARNING):
        assert main(argv) == 1
    assert "SIGTERM" not in caplog.text
    assert "stopped by a call to sys.exit(0) (the method's, or a library's it uses) with 2 of 6 videos" in caplog.text
    assert "a call to sys.exit(0) (the method's, or a library's it uses) stopped the run before it finished" in (
        caplog.text
    )
    monkeypatch.undo()
    assert main([*argv, "--resume"]) == 0
    assert read_run_info(tmp_path / "dummy" / "run.json").videos_ok == 6


def test_sys_exit_with_a_failing_status_is_left_as_it_is(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leave(result: VideoResult, questions: Any) -> VideoResult:
        raise SystemExit(3)

    _predict_with(monkeypatch, {"v0.mp4": leave})
    with pytest.raises(SystemExit) as exc:
        run_predict(data, "dummy", tmp_path)
    assert exc.value.code == 3


# --- Ray addresses -----------------------------------------------------------------------


@pytest.mark.parametrize("port", ["６３７９", "63²9", "٦٣٧٩"])
def test_a_ray_port_in_other_digits_than_0_to_9_is_refused(port: str) -> None:
    """Full-width ``６３７９`` was probed as port 6379; ``63²9`` (isdigit, but not int) raised a
    bare ValueError traceback."""
    with pytest.raises(CameraBenchError) as exc:
        _check_reachable(f"127.0.0.1:{port}")
    assert str(exc.value) == (
        f"could not reach the Ray cluster at 127.0.0.1:{port}: its port {port!r} is not written in the digits 0-9; "
        "retype the address"
    )
