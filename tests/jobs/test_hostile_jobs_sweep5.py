"""Hostile input to the jobs (sweep 5): ``videos_per_call`` given from Python to a method run as
Ray tasks, which only the actors of model methods read (was ignored silently: ``RayOptions``
could not tell its default from a given value)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import camerabench.jobs.runner as runner
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import DEFAULT_VIDEOS_PER_CALL, ClusterInfo, RayOptions
from camerabench.jobs.runner import run_predict


class _StopError(Exception):
    """Raised where the run would connect to Ray: everything before it has run."""


def _no_cluster(address: object) -> None:
    raise _StopError


@pytest.mark.parametrize(
    ("workers", "ray", "ignored"),
    [
        (None, RayOptions(videos_per_call=8), "videos_per_call ignored"),
        (3, RayOptions(videos_per_call=1), "workers, videos_per_call ignored"),
        (None, RayOptions(), None),  # nothing given: nothing to warn of
        (None, RayOptions(videos_per_call=8, actors=True), None),  # an actor pool reads it
    ],
)
def test_videos_per_call_given_to_a_method_run_as_ray_tasks_warns(
    workers: int | None,
    ray: RayOptions,
    ignored: str | None,
    data: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runner, "connect", _no_cluster)
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        run_predict(data, "dummy", tmp_path / "r", workers=workers, backend="ray", ray=ray)
    if ignored is None:
        assert "ignored" not in caplog.text
    else:
        assert f"{ignored}: with backend 'ray', method 'dummy' runs one Ray task per video" in caplog.text
        assert caplog.text.count("ignored") == 1


def test_videos_per_call_flag_warns_once(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "connect", _no_cluster)
    argv = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "c"), "--backend", "ray"]
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        main([*argv, "--videos-per-call", "8"])
    # the command line's own flag name, and not again from the library
    assert caplog.text.count("ignored") == 1 and "--videos-per-call ignored: with --backend ray" in caplog.text


def test_videos_per_call_default_is_not_given_but_still_four() -> None:
    assert RayOptions().videos_per_call is None
    assert (RayOptions().per_call, RayOptions(videos_per_call=2).per_call) == (DEFAULT_VIDEOS_PER_CALL, 2) == (4, 2)
    with pytest.raises(CameraBenchError, match="videos_per_call must be >= 1, got 0"):
        RayOptions(videos_per_call=0)
    # run.json records the value the actors used, not None
    cluster = ClusterInfo("local", 1, 2.0, 0.0)
    for ray, used in ((RayOptions(), 4), (RayOptions(videos_per_call=3), 3)):
        record = runner._backend_record(runner._Execution("ray", 2, ray, actors=True), cluster)
        assert record["videos_per_call"] == used
