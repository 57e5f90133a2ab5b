"""--resume takes the ShotBench rows a method found outside what it answers (no record) as done.

They leave no record in answers.jsonl, so before answer_run.json kept them (``video_info[row]``:
:data:`NO_RECORDS_KEY` and :data:`ROW_SHA256_KEY`) every resume, and every rerun of ``demo`` into
its folder, ran them again ("answer fast: 3 videos to run, 2 already done").
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from camerabench.jobs.runner import NO_RECORDS_KEY, ROW_SHA256_KEY, run_predict
from camerabench.records import read_answers, read_run_info, write_run_info
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.video import write_video

CAMERA = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}


def _rows(size_question: str = "Size?") -> list[MCQRow]:
    return [
        # a camera-movement row of a featureless clip: the geometric method fails on it (a record)
        MCQRow("0", "bench", ("video",), ("video/b.mp4",), "Camera?", CAMERA, "C", "camera movement", 2),
        # outside what a trajectory tells: no record
        MCQRow(
            "1", "bench", ("image",), ("image/c.jpg",), size_question, {"A": "Wide", "B": "Close"}, "B", "shot size", 3
        ),
        MCQRow(
            "2", "bench", ("video",), ("video/b.mp4",), "Light?", {"A": "Day", "B": "Night"}, "A", "lighting type", 4
        ),
    ]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_video(root / "video" / "b.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=4)
    (root / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "image" / "c.jpg"), np.full((16, 16, 3), 128, np.uint8))
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", _rows())
    return root


def _answered_rows(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The 'answer fast: N rows to run, M already done' lines logged so far."""
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("answer fast:")]


def test_rows_outside_what_the_method_answers_are_done_on_resume(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    first = run_predict(data, "fast", run).answers
    assert first is not None and (first.videos_run, first.unanswerable_questions) == (3, 2)
    folder = MethodFolder.of(run, "fast")
    assert [a.index for a in read_answers(folder.answers)] == ["0"]  # the failed row; 1 and 2 leave none
    info = read_run_info(folder.answer_run_info)
    for key in ("bench:1", "bench:2"):
        assert info.video_info[key][NO_RECORDS_KEY] == 1 and len(info.video_info[key][ROW_SHA256_KEY]) == 64
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.runner"):
        again = run_predict(data, "fast", run, resume=True).answers
    assert again is not None
    assert (again.videos_run, again.videos_skipped, again.unanswerable_questions) == (0, 3, 0)
    assert _answered_rows(caplog) == ["answer fast: 0 rows to run, 3 already done"]
    assert (again.videos_ok, again.videos_failed) == (0, 1)  # the rows outside stay neither
    assert "2 outside what it answers" in again.line("answer", "answers.jsonl", unit="rows")
    # kept for the next resume too
    assert read_run_info(folder.answer_run_info).video_info == info.video_info


def test_a_row_edited_since_is_run_again(data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    run = tmp_path / "run"
    run_predict(data, "fast", run)
    folder = MethodFolder.of(run, "fast")
    before = read_run_info(folder.answer_run_info).video_info["bench:1"][ROW_SHA256_KEY]
    write_mcq_table(data / "labels" / "shotbench" / "bench.tsv", _rows("Shot size?"))
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.runner"):
        again = run_predict(data, "fast", run, resume=True).answers
    assert again is not None and (again.videos_run, again.unanswerable_questions) == (1, 1)
    messages = [r.getMessage() for r in caplog.records]
    assert any("changed since the earlier run" in m and "bench:1" in m for m in messages)
    after = read_run_info(folder.answer_run_info).video_info["bench:1"]
    assert after[NO_RECORDS_KEY] == 1 and after[ROW_SHA256_KEY] != before
    third = run_predict(data, "fast", run, resume=True).answers
    assert third is not None and third.videos_run == 0


def test_a_changed_medium_reruns_its_row(data: Path, tmp_path: Path) -> None:
    # the finding may rest on the medium (a zoom row of a video whose trajectory has no intrinsics)
    run = tmp_path / "run"
    run_predict(data, "fast", run)
    cv2.imwrite(str(data / "image" / "c.jpg"), np.full((16, 16, 3), 30, np.uint8))
    again = run_predict(data, "fast", run, resume=True).answers
    assert again is not None and again.videos_run == 1


def test_an_older_answer_run_json_reruns_those_rows_as_before(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_predict(data, "fast", run)
    path = MethodFolder.of(run, "fast").answer_run_info
    info = read_run_info(path)
    info.video_info = {}  # what a camerabench before this kept for those rows
    write_run_info(path, info)
    again = run_predict(data, "fast", run, resume=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (2, 1)
    assert read_run_info(path).video_info["bench:2"][NO_RECORDS_KEY] == 1  # from now on kept
    third = run_predict(data, "fast", run, resume=True).answers
    assert third is not None and third.videos_run == 0


def test_a_row_listed_as_failed_without_a_record_is_run_again(data: Path, tmp_path: Path) -> None:
    # not what a row outside the method's answers leaves (a hand-edited answer_run.json)
    run = tmp_path / "run"
    run_predict(data, "fast", run)
    path = MethodFolder.of(run, "fast").answer_run_info
    info = read_run_info(path)
    info.failures["bench:2"] = "edited"
    info.videos_failed += 1
    write_run_info(path, info)
    again = run_predict(data, "fast", run, resume=True).answers
    assert again is not None and again.videos_run == 1
    assert "bench:2" not in read_run_info(path).failures


def test_the_failed_row_is_still_retried_only_with_retry_failed(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_predict(data, "fast", run)
    again = run_predict(data, "fast", run, resume=True, retry_failed=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (1, 2)
    assert again.failures.keys() == {"bench:0"}
