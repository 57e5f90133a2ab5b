"""Shared fixtures: the public CameraBench label files and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def copy_source_tree(dest: Path) -> Path:
    """The package's sources copied to ``dest`` (returned), for tests that build or install it:
    ``pyproject.toml``, its readme and the folders its ``package-dir`` maps.

    A build writes ``build/`` and ``*.egg-info`` into the folder it builds; two such tests running
    at once in the checkout (the suite runs on several pytest-xdist workers) would share them.
    """
    import shutil
    import tomllib

    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    names = {"pyproject.toml", meta["project"]["readme"], *meta["tool"]["setuptools"]["package-dir"].values()}
    dest.mkdir(parents=True, exist_ok=True)
    for name in sorted(names):
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def public_data_dir() -> Path:
    """``../shared/data/camerabench`` beside the checkout (or ``$CAMERABENCH_PUBLIC_DATA``).

    These files are part of every developer and CI machine; their absence is an error, not a skip.
    """
    env = os.environ.get("CAMERABENCH_PUBLIC_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "camerabench"
    if not (path / "binary_classification").is_dir():
        raise FileNotFoundError(f"public CameraBench labels not found at {path} (set CAMERABENCH_PUBLIC_DATA)")
    return path


@pytest.fixture(scope="session")
def public_data() -> Path:
    return public_data_dir()


#: The six tiny videos of :func:`six_videos` (dark 16x16 frames; the dummy method scores them).
SIX_VIDEOS = [f"v{i}.mp4" for i in range(6)]


@pytest.fixture(scope="module")
def six_videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset of six tiny videos, each labelled on two primitives (for the job-runner tests)."""
    import numpy as np

    from camerabench.labelfiles import write_binary_file
    from camerabench.taxonomy import BinaryRecord, Primitive
    from camerabench.video import write_video

    root = tmp_path_factory.mktemp("six") / "data"
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(SIX_VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    frames = np.zeros((4, 16, 16, 3), np.uint8)
    for v in SIX_VIDEOS:
        write_video(root / "videos" / v, frames, fps=4)
    return root


@pytest.fixture(scope="module")
def six_videos_reference(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """scores.jsonl of an uninterrupted local ``dummy`` run on :func:`six_videos`."""
    from camerabench.jobs.runner import run_predict

    run = tmp_path_factory.mktemp("reference")
    run_predict(six_videos, "dummy", run)
    return (run / "dummy" / "scores.jsonl").read_bytes()
