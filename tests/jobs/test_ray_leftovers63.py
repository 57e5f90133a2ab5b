"""The Ray backend's leftovers of red teams R62 and R63.

- R62 #2: with ``--ship-videos`` a failed video's reason named the worker's temporary copy
  (``/tmp/camerabench-ship-.../1/clip.mp4: ...``), not the dataset's file the local backend names.
- R62 #6: with ``RAY_ADDRESS`` set, the log said "starting a local instance" for a run that joined
  (and failed to reach) that address.
- R63 #8: a cluster lost mid-run (the driver's raylet died) recorded every remaining video failed
  with "LocalRayletDiedError", then Ray's client ended the process in the next pass; now the run
  stops with one error naming the cluster, the videos finished and ``--resume``.
"""

from __future__ import annotations

import logging
import operator
import os
from pathlib import Path
from typing import Any

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, connect, run_on_ray
from camerabench.jobs.workers import job_error

from .ray_fakes import FakeRayInit, FakeRayRun


def _local_reason(fn: Any, *job: Any) -> str:
    """The reason the local backend records for ``fn(*job)`` (its worker's ``job_error``)."""
    try:
        fn(*job)
    except OSError as exc:
        return job_error(exc)
    raise AssertionError(f"{fn} did not fail on {job}")


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_shipped_videos_failure_names_the_datasets_file_as_locally(
    ray_here: None, tmp_path: Path, actors: bool
) -> None:
    clip = tmp_path / "it's a clip.mp4"  # a quote: the reason holds the path as repr() writes it
    clip.write_bytes(b"not a folder")
    jobs = [(str(clip),)]
    ship = RayOptions(ship_videos=True, videos_per_call=1)
    [done] = run_on_ray(jobs, operator.add, (1, 2), os.listdir, "w", ship, actors, 1, file_fields=(0,))
    expected = _local_reason(os.listdir, str(clip))
    assert str(clip) in expected  # the reference names the file (NotADirectoryError's filename)
    assert done.died == expected


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_shipped_videos_path_in_a_result_is_the_datasets_file(ray_here: None, tmp_path: Path, actors: bool) -> None:
    """The runner's job function records an unreadable video as a failed outcome (a result), whose
    reason named the temporary copy: ``str`` returns the path the job function was given."""
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"frames")
    ship = RayOptions(ship_videos=True, videos_per_call=1)
    [done] = run_on_ray([(str(clip),)], operator.add, (1, 2), str, "w", ship, actors, 1, file_fields=(0,))
    assert (done.result, done.died) == (str(clip), None)


def test_a_copy_path_is_mapped_back_in_plain_and_repr_forms() -> None:
    job, copy = ("/data/a b'c.mp4", 7), ("/tmp/camerabench-ship-x/0/a b'c.mp4", 7)
    reason = f"{copy[0]}: cannot open video (repr {copy[0]!r})"
    assert ray_backend._original_paths(reason, job, copy) == f"{job[0]}: cannot open video (repr {job[0]!r})"
    assert ray_backend._original_paths(reason, job, job) == reason  # nothing shipped: left as it is


def test_the_log_names_the_address_in_ray_address(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeRayInit(monkeypatch)  # clears RAY_ADDRESS
    monkeypatch.setenv("RAY_ADDRESS", "127.0.0.1:1")
    with caplog.at_level(logging.INFO, logger=ray_backend.__name__), connect(None):
        pass
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ray: ")]
    assert said[0] == "ray: joining the cluster at 127.0.0.1:1 (from RAY_ADDRESS)"
    assert fake.calls == [None]  # ray.init(None) joins RAY_ADDRESS's cluster


def test_without_ray_address_the_log_says_a_local_instance_starts(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path)  # no 'ray start' address file there
    with caplog.at_level(logging.INFO, logger=ray_backend.__name__), connect(None):
        pass
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ray: ")]
    assert said[0] == "ray: starting a local instance"


def _ray_errors() -> dict[str, BaseException]:
    from ray import exceptions as rx

    return {
        "LocalRayletDiedError": rx.LocalRayletDiedError(),
        "RaySystemError": rx.RaySystemError("Failed to connect to GCS"),
        "WorkerCrashedError": rx.WorkerCrashedError(),
        "ActorDiedError": rx.ActorDiedError(),
        "NodeDiedError": rx.NodeDiedError("node 1 died"),
        "OutOfMemoryError": rx.OutOfMemoryError("killed"),
    }


@pytest.mark.parametrize(
    ("name", "loss"),
    [
        ("LocalRayletDiedError", "was lost"),
        ("RaySystemError", "had a system error"),
        ("WorkerCrashedError", None),
        ("ActorDiedError", None),
        ("NodeDiedError", None),
        ("OutOfMemoryError", None),
    ],
)
def test_only_a_lost_raylet_or_a_system_error_is_the_clusters(name: str, loss: str | None) -> None:
    assert ray_backend._cluster_loss(_ray_errors()[name]) == loss


class _FailingGet:
    """``ray.get`` of :class:`FakeRayRun` raising ``error`` (each time) for the refs whose results hold
    ``bad``: a task's ``("done", bad, [])``, or an actor call's list holding ``(i, "done", bad, [])``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, bad: int, error: BaseException) -> None:
        import ray

        self.bad, self.error, self.cancelled, self.killed = bad, error, 0, 0
        self.get = ray.get
        monkeypatch.setattr(ray, "get", self.failing_get)
        monkeypatch.setattr(ray, "cancel", lambda ref, force=False: self._count("cancelled"))
        monkeypatch.setattr(ray, "kill", lambda actor: self._count("killed"))
        monkeypatch.setattr(ray, "get_runtime_context", lambda: type("C", (), {"gcs_address": "10.0.0.9:6379"})())

    def _count(self, what: str) -> None:
        setattr(self, what, getattr(self, what) + 1)

    def failing_get(self, ref: Any) -> Any:
        value = self.get(ref)
        held = [value] if isinstance(value, tuple) else value
        if isinstance(held, list) and any(isinstance(v, tuple) and self.bad in v[1:3] for v in held):
            raise self.error
        return value


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_lost_cluster_stops_the_run_with_one_error(monkeypatch: pytest.MonkeyPatch, actors: bool) -> None:
    from ray.exceptions import LocalRayletDiedError

    FakeRayRun(monkeypatch, cpus=1.0)
    fake = _FailingGet(monkeypatch, bad=-2, error=LocalRayletDiedError())
    jobs = [(i,) for i in range(5)]
    dones = []
    with pytest.raises(CameraBenchError) as caught:
        for done in run_on_ray(
            jobs, operator.add, (1, 2), operator.neg, "method 'x'", RayOptions(videos_per_call=1), actors, 1
        ):
            dones.append(done)
    assert [(d.index, d.result, d.died) for d in dones] == [(0, 0, None), (1, -1, None)]
    message = str(caught.value)
    assert message.startswith("method 'x': the Ray cluster at 10.0.0.9:6379 was lost after 2 video(s) of this run (")
    assert "LocalRayletDiedError" in message and "--resume" in message
    assert (fake.cancelled, fake.killed) == (0, 0)  # nothing is asked of a cluster that is gone


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_worker_crash_is_still_the_videos_failure_after_a_retry(
    monkeypatch: pytest.MonkeyPatch, actors: bool
) -> None:
    from ray.exceptions import WorkerCrashedError

    FakeRayRun(monkeypatch, cpus=1.0)
    _FailingGet(monkeypatch, bad=-2, error=WorkerCrashedError())
    jobs = [(i,) for i in range(4)]
    dones = list(run_on_ray(jobs, operator.add, (1, 2), operator.neg, "w", RayOptions(videos_per_call=1), actors, 1))
    assert sorted((d.index, d.result) for d in dones) == [(0, 0), (1, -1), (2, None), (3, -3)]
    [died] = [d.died for d in dones if d.index == 2]
    assert died is not None and "again when retried" in died and "WorkerCrashedError" in died
