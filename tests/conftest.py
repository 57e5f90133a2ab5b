"""Shared fixtures: the public CameraBench label files and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
