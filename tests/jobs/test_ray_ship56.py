"""The Ray backend's shipping of video bytes (``--ship-videos``) never blocks on a named pipe.

``_ship`` checked ``is_file()`` and then read the file: a video swapped for a named pipe between the
two blocked the driver in ``open()`` until a writer came (a red-team case; locally the same swap
is caught by the fingerprint, which opens without blocking).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from camerabench.jobs.ray_backend import _read_regular


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    clip = tmp_path / "v.mp4"
    clip.write_bytes(b"frames")
    assert _read_regular(clip) == b"frames"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_not_read_and_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "v.mp4"
    os.mkfifo(fifo)
    out: list[bytes | None] = []
    worker = threading.Thread(target=lambda: out.append(_read_regular(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # release the blocked open before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a named pipe blocked")
    assert out == [None]
