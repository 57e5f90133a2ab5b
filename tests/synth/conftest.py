"""Fixtures: one tiny rendering of the full standard preset, shared by the synth tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.synth import generate as gen
from camerabench.synth import generate_dataset
from camerabench.synth.render import TextureBank
from camerabench.synth.textures import TEXTURE_NAMES

#: small enough to render the whole standard preset in a few seconds, large enough for flow
TINY_SIZE = (128, 96)
TINY_FPS = 4.0


@pytest.fixture(scope="session")
def standard_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full standard preset (every primitive, compositions, static, minor) at 128x96, 4 fps."""
    out = tmp_path_factory.mktemp("synth") / "standard"
    return generate_dataset(out, seed=3, preset="standard", size=TINY_SIZE, fps=TINY_FPS, workers=1)


@pytest.fixture
def tiny_textures(monkeypatch: pytest.MonkeyPatch) -> None:
    """4x4 random textures in place of the real ones (3 s to build): these tests need geometry only."""
    bank = TextureBank(np.random.default_rng(0).random((2 * len(TEXTURE_NAMES), 4, 4, 3), dtype=np.float32))
    monkeypatch.setattr(gen, "texture_bank", lambda: bank)
