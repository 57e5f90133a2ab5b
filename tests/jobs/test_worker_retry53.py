"""A local worker that dies on a job gets that job run once more (red team R62: the Ray backend ran
such a video again and it succeeded, the local backend recorded it failed): a worker killed from
outside, or for memory other jobs took, is not the job's failure; a second death is."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from camerabench.jobs.runner import run_predict
from camerabench.jobs.workers import run_in_workers
from camerabench.records import read_scores

#: Jobs for spawned workers: ``once`` kills its worker the first time it runs (a marker file says
#: it ran), ``always`` every time, ``ok`` returns its number.
_JOBS = """
import os
import signal
from pathlib import Path


def noop(*args):
    pass


def job(kind, x, marker):
    if kind == "always" or (kind == "once" and not Path(marker).exists()):
        Path(marker).write_text("ran")
        os.kill(os.getpid(), signal.SIGKILL)
    return x
"""


@pytest.fixture()
def jobs_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    folder = tmp_path / "jobs_module"
    folder.mkdir()
    (folder / "retry53_jobs.py").write_text(textwrap.dedent(_JOBS))
    monkeypatch.syspath_prepend(str(folder))  # spawned workers get the parent's sys.path
    yield importlib.import_module("retry53_jobs")
    sys.modules.pop("retry53_jobs", None)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_job_whose_worker_was_killed_once_is_run_again_and_succeeds(
    jobs_module: ModuleType, tmp_path: Path, workers: int
) -> None:
    jobs = [("ok", 0, str(tmp_path / "m0")), ("once", 1, str(tmp_path / "m1")), ("ok", 2, str(tmp_path / "m2"))]
    runs = run_in_workers(jobs, workers, jobs_module.noop, (), jobs_module.job, "w")
    done = {d.index: (d.result, d.died) for d in runs}
    assert done == {0: (0, None), 1: (1, None), 2: (2, None)}
    assert (tmp_path / "m1").read_text() == "ran"  # it did die once


def test_a_job_whose_worker_dies_twice_is_that_jobs_failure(
    jobs_module: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = [("always", 0, str(tmp_path / "m0")), ("ok", 1, str(tmp_path / "m1"))]
    dones = list(run_in_workers(jobs, 1, jobs_module.noop, (), jobs_module.job, "w"))
    assert [d.index for d in dones] == [1, 0]  # the retry after the other jobs: a job killed for hanging holds none
    done = {d.index: (d.result, d.died) for d in dones}
    assert done[1] == (1, None)
    assert done[0][0] is None
    assert done[0][1] == (
        "worker process died (signal 9, SIGKILL - e.g. killed for lack of memory) while processing this video,"
        " again when retried"
    )
    deaths = [r.getMessage() for r in caplog.records if "died" in r.getMessage()]
    assert len(deaths) == 2 and deaths[1].endswith("again")
    assert deaths[0].endswith("on job 0; running it again after the others")


def test_a_video_whose_worker_was_killed_once_is_scored_as_in_a_run_without_the_kill(tmp_path: Path) -> None:
    """Through predict: the ``dummy`` method with ``die_videos`` dies on every try (recorded
    failed, with the retry said); the same video in a run with no death gets the same scores
    as the others keep."""
    from camerabench.synth import generate_dataset

    data = tmp_path / "data"
    generate_dataset(data, clips=3, size=(64, 48), seed=0)
    videos = sorted(p.name for p in (data / "videos").iterdir())
    clean = run_predict(data, "dummy", tmp_path / "clean", workers=2)
    dying = run_predict(data, "dummy", tmp_path / "dying", workers=2, options={"die_videos": [videos[0]]})
    assert clean.videos_ok == 3 and dying.videos_ok == 2
    assert dying.failures[videos[0]].endswith("while processing this video, again when retried")
    ok = {json.dumps(r.to_dict(), sort_keys=True) for r in read_scores(tmp_path / "dying" / "dummy" / "scores.jsonl")}
    ref = {json.dumps(r.to_dict(), sort_keys=True) for r in read_scores(tmp_path / "clean" / "dummy" / "scores.jsonl")}
    assert {r for r in ok if '"status": "ok"' in r} == {r for r in ref if videos[0] not in r}
