"""Runs that meet trouble, round 15: an exception whose message cannot be read, failures of
videos removed from the dataset under ``--retry-failed``, NaN in a method's per-video details
(run.json must stay standard JSON), and a hand-edited run.json ``failures`` that disagrees with
the records."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import camerabench.baselines.dummy as dummy
from camerabench.baselines.base import VideoResult
from camerabench.errors import CameraBenchError
from camerabench.fileio import write_json
from camerabench.jobs import ray_backend
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.jobs.workers import exception_reason, job_error, run_in_workers
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, read_run_info, read_scores, write_run_info
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = [f"v{i}.mp4" for i in range(6)]  # the videos of the six_videos fixture (tests/conftest.py)
UNREADABLE = "OpaqueError (its message could not be read: str() raised RuntimeError)"


class OpaqueError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message")


class OpaqueBenchError(CameraBenchError):
    def __str__(self) -> str:
        return None  # type: ignore[return-value]  # str() raises TypeError


def _strict(text: str) -> Any:
    """Parse ``text`` as standard JSON (NaN and Infinity refused, as jq and JSON.parse do)."""

    def refuse(name: str) -> Any:
        raise ValueError(f"not standard JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture()
def own_data(six_videos: Path, tmp_path: Path) -> Path:
    own = tmp_path / "data"
    shutil.copytree(six_videos, own)
    return own


# --- 1. an exception whose str() raises --------------------------------------------------------


def test_the_reason_of_an_exception_whose_message_cannot_be_read() -> None:
    assert exception_reason(OpaqueError()) == job_error(OpaqueError()) == UNREADABLE
    assert job_error(OpaqueBenchError()) == ("OpaqueBenchError (its message could not be read: str() raised TypeError)")
    assert job_error(ValueError("bad\nframe")) == "ValueError: bad (+1 more lines)"  # unchanged
    assert exception_reason(ValueError("bad\nframe")) == "ValueError: bad\nframe"


def test_a_video_whose_exception_has_no_readable_message_is_recorded_as_failed(
    six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In this process: the reason named RuntimeError (the __str__'s error), not the method's."""
    predict = dummy.DummyPredictor.predict

    def raising(self: Any, path: Path, questions: Any) -> VideoResult:
        if path.name == "v1.mp4":
            raise OpaqueError()
        return predict(self, path, questions)

    monkeypatch.setattr(dummy.DummyPredictor, "predict", raising)
    summary = run_predict(six_videos, "dummy", tmp_path)
    assert summary.failures == {"v1.mp4": UNREADABLE}
    failed = [r for r in read_scores(tmp_path / "dummy" / "scores.jsonl") if r.status == "failed"]
    assert {r.video for r in failed} == {"v1.mp4"} and {r.reason for r in failed} == {UNREADABLE}


_JOBS = """
class OpaqueError(Exception):
    def __str__(self):
        raise RuntimeError("no message")


def noop(*args):
    pass


def job(kind, x):
    if kind == "opaque":
        raise OpaqueError()
    return x
"""


@pytest.fixture()
def jobs_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    folder = tmp_path / "jobs_module"
    folder.mkdir()
    (folder / "hostile_jobs15.py").write_text(textwrap.dedent(_JOBS))
    monkeypatch.syspath_prepend(str(folder))  # spawned workers get the parent's sys.path
    yield importlib.import_module("hostile_jobs15")
    sys.modules.pop("hostile_jobs15", None)


def test_in_a_worker_process_the_job_fails_and_the_worker_goes_on(jobs_module: ModuleType) -> None:
    """job_error raised in the worker's handler: the worker died (exit code 1) on that job."""
    jobs = [("ok", 0), ("opaque", 1), ("ok", 2)]
    done = {d.index: (d.result, d.died) for d in run_in_workers(jobs, 1, jobs_module.noop, (), jobs_module.job, "w")}
    assert done == {0: (0, None), 1: (None, UNREADABLE), 2: (2, None)}


def test_in_a_ray_worker_the_job_fails() -> None:
    """The Ray worker's handler (run here, without a cluster): it raised, failing the Ray task."""

    def job() -> None:
        raise OpaqueError()

    assert ray_backend._run_job(job, (), {}) == ("failed", UNREADABLE)


# --- 2. --retry-failed and videos removed from the dataset -----------------------------------


def _remove_video(data: Path, video: str) -> None:
    """Take ``video`` out of the dataset: its file and its labels."""
    (data / "videos" / video).unlink()
    kept = [v for v in VIDEOS if v != video]
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):  # as the six_videos fixture labels them
        recs = [BinaryRecord.make(v, prim, VIDEOS.index(v) % 2 == 0) for v in kept]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_retry_failed_keeps_the_records_of_a_video_no_longer_in_the_dataset(
    own_data: Path, tmp_path: Path, kind: str
) -> None:
    """README: videos removed from the dataset keep their records; --retry-failed deleted those
    of a failed one (and its failure), though it could not run it again."""
    job = run_predict if kind == "predict" else run_caption
    output, info_name = ("scores.jsonl", "run.json") if kind == "predict" else ("captions.jsonl", "caption_run.json")
    (own_data / "videos" / "v1.mp4").rename(tmp_path / "v1.mp4")  # fails: file not found
    run = tmp_path / "run"
    assert job(own_data, "dummy", run).failures.keys() == {"v1.mp4"}
    before = [ln for ln in (run / "dummy" / output).read_text().splitlines() if '"v1.mp4"' in ln]
    assert before
    (tmp_path / "v1.mp4").rename(own_data / "videos" / "v1.mp4")
    _remove_video(own_data, "v1.mp4")

    summary = job(own_data, "dummy", run, resume=True, retry_failed=True)
    assert (summary.videos_run, summary.videos_ok, summary.videos_failed) == (0, 5, 0)
    after = [ln for ln in (run / "dummy" / output).read_text().splitlines() if '"v1.mp4"' in ln]
    assert after == before
    info = read_run_info(run / "dummy" / info_name)
    assert set(info.failures) == {"v1.mp4"} and (info.videos_ok, info.videos_failed) == (5, 0)


# --- 3. NaN in a method's per-video details ----------------------------------------------------


def test_nan_in_the_details_is_written_as_null_and_read_back(
    six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predict = dummy.DummyPredictor.predict

    def with_details(self: Any, path: Path, questions: Any) -> VideoResult:
        result = predict(self, path, questions)
        details = {"noise": float("nan"), "ratio": float("-inf"), "steps": [1.5, float("nan")], "frames": 4}
        return VideoResult(result.scores, info=details)

    monkeypatch.setattr(dummy.DummyPredictor, "predict", with_details)
    run_predict(six_videos, "dummy", tmp_path)
    info_path = tmp_path / "dummy" / "run.json"
    doc = _strict(info_path.read_text())  # bare NaN before: jq and JSON.parse refused the file
    assert doc["video_info"]["v0.mp4"] == {"noise": None, "ratio": None, "steps": [1.5, None], "frames": 4}
    assert read_run_info(info_path).video_info["v3.mp4"]["steps"] == [1.5, None]
    assert run_predict(six_videos, "dummy", tmp_path, resume=True).videos_run == 0


def test_an_older_run_json_with_bare_nan_reads_and_is_rewritten_as_standard_json(
    six_videos: Path, tmp_path: Path
) -> None:
    run_predict(six_videos, "dummy", tmp_path)
    info_path = tmp_path / "dummy" / "run.json"
    doc = json.loads(info_path.read_text())
    doc["video_info"] = {"v2.mp4": {"noise": "NAN_HERE"}}
    info_path.write_text(json.dumps(doc, indent=2).replace('"NAN_HERE"', "NaN"))  # as earlier versions wrote it
    noise = read_run_info(info_path).video_info["v2.mp4"]["noise"]
    assert noise != noise  # NaN, read as written
    summary = run_predict(six_videos, "dummy", tmp_path, resume=True)
    assert (summary.videos_run, summary.videos_ok) == (0, 6)
    assert _strict(info_path.read_text())["video_info"] == {"v2.mp4": {"noise": None}}


def test_write_run_info_writes_standard_json(tmp_path: Path) -> None:
    info = RunInfo(method="dummy", video_info={"v.mp4": {"a": float("inf"), "b": {"c": float("nan")}}})
    write_run_info(tmp_path / "run.json", info)
    assert _strict((tmp_path / "run.json").read_text())["video_info"] == {"v.mp4": {"a": None, "b": {"c": None}}}


# --- 4. run.json's failures against the records -----------------------------------------------


def test_a_hand_edited_failure_of_an_ok_video_is_not_counted_after_resume(
    six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_predict(six_videos, "dummy", tmp_path)
    info_path = tmp_path / "dummy" / "run.json"
    doc = json.loads(info_path.read_text())
    doc["failures"] = {"v1.mp4": "edited by hand"}
    write_json(info_path, doc)
    summary = run_predict(six_videos, "dummy", tmp_path, resume=True)
    info = read_run_info(info_path)
    assert (summary.videos_ok, summary.videos_failed) == (info.videos_ok, info.videos_failed) == (6, 0)
    assert info.failures == {}
    warned = "lists 1 video(s) as failed whose records are ok (e.g. v1.mp4)"
    assert any(warned in r.getMessage() for r in caplog.records)


def test_a_failure_removed_by_hand_from_run_json_is_counted_from_the_records(six_videos: Path, tmp_path: Path) -> None:
    """The converse: a video whose records all failed, timed in run.json but left out of
    ``failures``, was counted ok."""
    options = {"fail_videos": ["v4.mp4"]}
    run_predict(six_videos, "dummy", tmp_path, options=options)
    info_path = tmp_path / "dummy" / "run.json"
    doc = json.loads(info_path.read_text())
    doc.update(failures={}, videos_failed=0, videos_ok=6)
    write_json(info_path, doc)
    summary = run_predict(six_videos, "dummy", tmp_path, resume=True, options=options)
    info = read_run_info(info_path)
    assert (summary.videos_ok, summary.videos_failed) == (info.videos_ok, info.videos_failed) == (5, 1)
    assert info.failures == {"v4.mp4": "dummy failure requested for v4.mp4"}


def test_retry_failed_does_not_run_again_a_video_listed_failed_by_hand(six_videos: Path, tmp_path: Path) -> None:
    run_predict(six_videos, "dummy", tmp_path)
    info_path = tmp_path / "dummy" / "run.json"
    doc = json.loads(info_path.read_text())
    doc["failures"] = {"v1.mp4": "edited by hand"}
    write_json(info_path, doc)
    summary = run_predict(six_videos, "dummy", tmp_path, resume=True, retry_failed=True)
    assert (summary.videos_run, summary.videos_ok, summary.videos_failed) == (0, 6, 0)
