"""Fixtures for the job tests: one Ray instance for the whole session (starting one takes seconds)."""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from camerabench.jobs.runner import run_predict


@contextlib.contextmanager
def local_ray() -> Iterator[None]:
    """A local Ray instance of the tests' own on 2 CPUs, shut down on exit.

    A small object store (the tests move a few MB): by default Ray reserves 30% of the memory.
    ``address="local"``: always a new instance, never a cluster this machine runs (a ``ray start
    --head`` left /tmp/ray/ray_current_cluster, which ``ray.init()`` would join). ``ray.init``
    installs a SIGTERM handler of its own that ``ray.shutdown`` keeps (it exits at once): the
    earlier one is put back, as the tests that follow in this process send SIGTERM to it and
    expect the default action.
    """
    import ray

    sigterm = signal.getsignal(signal.SIGTERM)
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        object_store_memory=256 * 2**20,
    )
    signal.signal(signal.SIGTERM, sigterm)
    try:
        yield
    finally:
        ray.shutdown()
        signal.signal(signal.SIGTERM, sigterm)


@pytest.fixture(scope="module")
def ray_here() -> Iterator[None]:
    """A local Ray instance (:func:`local_ray`) for one module's Ray cases, shut down after them, so
    that the files that must find no Ray running (``test_ray_hostile14.py``) find none whichever
    worker runs them after which file. One already running in this process is used as it is."""
    import ray

    if ray.is_initialized():
        yield
        return
    with local_ray():
        yield


@pytest.fixture(scope="module")
def ray_instance(ray_here: None) -> None:
    """:func:`ray_here` under its older name. It was a session-wide instance: a worker that ran a file
    using it before ``test_ray_hostile14.py`` failed that file's cases, depending on how xdist handed
    out the files (a new Ray test file changed that)."""


@pytest.fixture()
def data(six_videos: Path, tmp_path: Path) -> Path:
    """A private copy of the six-video dataset (a test may write next to it)."""
    return Path(shutil.copytree(six_videos, tmp_path / "data"))


@pytest.fixture()
def run(data: Path, tmp_path: Path) -> Path:
    """A finished dummy run on :func:`data`."""
    out = tmp_path / "run"
    run_predict(data, "dummy", out)
    return out
