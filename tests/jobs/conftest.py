"""Fixtures for the job tests: one Ray instance for the whole session (starting one takes seconds)."""

from __future__ import annotations

import logging
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from camerabench.jobs.runner import run_predict


@pytest.fixture(scope="session")
def ray_instance() -> Iterator[None]:
    """A local Ray instance on 2 CPUs, shared by every test that runs the Ray backend.

    The runner uses a Ray instance already running in its process as it is, so tests do not
    pay Ray's start-up per run.
    """
    import ray

    # a small object store (the tests move a few MB): by default Ray reserves 30% of the memory
    # address="local": always a new instance of the tests' own, never a cluster this machine runs
    # (a "ray start --head" left /tmp/ray/ray_current_cluster, which ray.init() would join)
    sigterm = signal.getsignal(signal.SIGTERM)
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        object_store_memory=256 * 2**20,
    )
    # ray.init installs a SIGTERM handler of its own that ray.shutdown keeps (it exits at once): the
    # tests that follow in this process, which send SIGTERM to it, expect the default action
    signal.signal(signal.SIGTERM, sigterm)
    yield
    ray.shutdown()
    signal.signal(signal.SIGTERM, sigterm)


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
