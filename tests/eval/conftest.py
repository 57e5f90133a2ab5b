"""Fixtures of the evaluation tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def dummy_run(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished local ``dummy`` run on ``six_videos`` (tests/conftest.py), one per test module
    (copied, never edited, by the tests)."""
    from camerabench.jobs.runner import run_predict

    run = tmp_path_factory.mktemp("run") / "run"
    run_predict(six_videos, "dummy", run)
    return run
