"""A video a geometric method fails on: only the questions it can answer are booked as failed.

Its questions outside what the method answers (the VQA questions: no primitive) were recorded as
failed, and evaluation then took VQA as covered by the method and scored the failures as wrong
(VQA acc 0.0 for a method that answers no VQA question).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs import runner
from camerabench.jobs.runner import NO_RECORDS_KEY, run_predict
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.records import read_run_info, read_scores
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory

VIDEOS = [f"v{i}.mp4" for i in range(6)]
BROKEN = "v1.mp4"
UNREADABLE = "cannot open video (Invalid data found when processing input)"


def small_pan() -> Trajectory:
    """Five poses of a 0.2 rad pan at 4 fps with a 20 px focal length: what the stub ``fast`` returns."""
    n = 5
    yaw = np.linspace(0.0, 0.2, n)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 0] = c2w[:, 2, 2] = np.cos(yaw)
    c2w[:, 0, 2], c2w[:, 2, 0] = np.sin(yaw), -np.sin(yaw)
    intrinsic = np.tile(np.array([[20.0, 0, 8], [0, 20.0, 8], [0, 0, 1]]), (n, 1, 1))
    return Trajectory(c2w, intrinsic, np.arange(n) / 4.0)


def _pair(i: int) -> VQAPair:
    pos, neg = VIDEOS[i], VIDEOS[i + 1]
    return VQAPair(
        "sk",
        "task",
        (pos, neg),
        (f"pos {i}", f"neg {i}"),
        pos,
        neg,
        f"pos {i}",
        f"neg {i}",
        f"Is the camera doing thing {i}?",
        f"Is the camera not doing thing {i}?",
    )


def _dataset(root: Path, binary_videos: list[str]) -> Path:
    """Binary labels (pan left, tilt up) on ``binary_videos``, one VQA task of pairs (v0, v1),
    (v2, v3), (v4, v5); the videos are empty files (the method is stubbed below)."""
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(binary_videos)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    write_vqa_file(root / "labels" / "vqa_and_retrieval" / "sk" / "task.jsonl", [_pair(i) for i in (0, 2, 4)])
    (root / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (root / "videos" / v).write_bytes(b"")
    return root


@pytest.fixture(autouse=True)
def _quick_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """``fast`` with its estimation stubbed (and no set-up): a panning trajectory, and v1.mp4
    unreadable (the error a damaged file gives). The rest of the predictor (scores, unanswerable)
    is the real one."""

    def estimate(self: FastPredictor, video_path: Path) -> tuple[Trajectory, dict[str, object]]:
        if video_path.name == BROKEN:
            raise PredictionError(f"{video_path}: {UNREADABLE}")
        return small_pan(), {}

    monkeypatch.setattr(FastPredictor, "estimate", estimate)
    monkeypatch.setattr(FastPredictor, "setup", lambda self: None)  # torch's thread count: process-wide


def test_a_failed_video_books_only_the_questions_the_method_answers_and_vqa_stays_undefined(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "data", VIDEOS)
    summary = run_predict(data, "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    assert set(summary.failures) == {BROKEN} and UNREADABLE in summary.failures[BROKEN]
    # every video's VQA questions (2 of v1 as well) are unanswerable, none is a failure
    assert summary.unanswerable_questions == 12
    recs = read_scores(tmp_path / "run" / "fast" / "scores.jsonl")
    failed = [r for r in recs if r.status == "failed"]
    assert {(r.video, r.question) for r in failed} == {
        (BROKEN, Primitive.PAN_LEFT.question),
        (BROKEN, Primitive.TILT_UP.question),
    }
    assert all(r.primitive is not None for r in recs)  # no record of a VQA question at all

    result = evaluate(data, tmp_path / "run", n_bootstrap=10, captions_minilm=False).result.methods["fast"]
    assert result.vqa is None and result.retrieval is None  # n/a, not 0.0 from failures scored as wrong
    assert result.binary is not None


def test_a_failed_video_with_only_unanswerable_questions_fails_none_and_is_done_on_resume(tmp_path: Path) -> None:
    """v1 is labelled only in VQA pairs: no question of it could have been answered."""
    data = _dataset(tmp_path / "data", [v for v in VIDEOS if v != BROKEN])
    out = tmp_path / "run"
    summary = run_predict(data, "fast", out)
    assert summary.failures == {} and (summary.videos_ok, summary.videos_failed) == (6, 0)
    assert BROKEN not in {r.video for r in read_scores(out / "fast" / "scores.jsonl")}
    details = read_run_info(out / "fast" / "run.json").video_info[BROKEN]
    assert details[NO_RECORDS_KEY] == 2
    assert UNREADABLE in details[runner._UNSCORED_FAILURE_KEY]  # the reason is kept, not dropped

    again = run_predict(data, "fast", out, resume=True)
    assert (again.videos_run, again.videos_skipped) == (0, 6)


def test_a_method_that_may_answer_every_question_still_fails_every_question() -> None:
    """The default (``dummy`` answers VQA questions too): every question of the video is a failure,
    once (a question asked twice was recorded twice, read back as a duplicate)."""
    questions = [Question(Primitive.PAN_LEFT.question, Primitive.PAN_LEFT), Question("Is the camera doing thing 0?")]
    outcome = runner._predict_failed("dummy", 0.1, "boom", "v.mp4", "v.mp4", [*questions, *questions])
    assert [r["question"] for r in outcome.records] == [q.text for q in questions]
    assert outcome.failure == "boom" and outcome.unanswerable == 0


def test_a_question_asked_twice_of_a_failed_video_is_recorded_once() -> None:
    q = Question(Primitive.PAN_LEFT.question, Primitive.PAN_LEFT)
    vqa = Question("Is the camera doing thing 0?")
    outcome = runner._predict_failed("fast", 0.1, "boom", "v.mp4", "v.mp4", [q, vqa, q, vqa])
    assert [r["question"] for r in outcome.records] == [q.text]
    assert outcome.failure == "boom" and outcome.unanswerable == 1
