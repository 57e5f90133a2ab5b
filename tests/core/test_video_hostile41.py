"""Hostile real-world videos (round 41): H.264 with B-frames in AVI, whose frames carry their
decoding times (FFmpeg's AVI reader has no presentation times to give), read in scrambled order."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.video import probe_video, read_video

N = 20


def _levels(frames: NDArray[np.uint8]) -> list[int]:
    """Frame i of :func:`_write` is uniformly grey at 10 + 7 i: the index each frame shows."""
    return np.round((frames.reshape(len(frames), -1).mean(axis=1) - 10) / 7).astype(int).tolist()


def _write(path: Path, bframes: int = 2) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        # no B-pyramid: B-frames nothing refers to, which a sampling by rate does not decode
        stream.options = {"bf": str(bframes), "g": "10", "x264-params": "b-pyramid=0"}
        for i in range(N):
            img = np.full((48, 64, 3), 10 + 7 * i, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def avi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = _write(tmp_path_factory.mktemp("avi") / "dvr.avi")
    with av.open(str(path)) as container:  # the packets are stamped in file (decoding) order
        stamps = [p.pts for p in container.demux(container.streams.video[0]) if p.size]
    assert stamps == sorted(stamps)
    return path


@pytest.mark.parametrize("sampling", [{}, {"num_frames": 5}], ids=["all", "num_frames"])
def test_b_frames_in_avi_are_read_in_the_order_they_are_shown(avi: Path, caplog, sampling) -> None:
    """Before: the frames were sorted by their decoding times: [0, 3, 1, 2, 6, 4, 5, ...], a pan
    read as a camera jittering back and forth, with only "timestamps go backwards" said."""
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(avi, **sampling)
    expected = list(range(N)) if not sampling else [0, 5, 10, 14, 19]
    assert _levels(clip.frames) == expected
    assert clip.indices.tolist() == expected
    # FFmpeg's AVI times start at 0.1: the times count from the first frame (R33), the start is noted
    np.testing.assert_allclose(clip.timestamps, np.array(expected) / 10, atol=1e-12)
    assert clip.notes == {"timestamps_in_decoding_order": True, "start_time_s": 0.1}
    assert "dvr.avi: the frames carry their decoding times, not their presentation times" in caplog.text
    assert "go backwards" not in caplog.text


@pytest.mark.parametrize(("fps", "expected"), [(10 / 7, [0, 7, 14]), (2.5, [0, 4, 8, 12, 16])])
def test_b_frames_in_avi_sampled_by_rate_keep_the_frames_of_their_times(avi: Path, fps, expected) -> None:
    """Before: at 10/7 fps the frames nothing refers to were not decoded, which hid the decoding
    order: frames 9 and 16 were returned as the ones at 0.8 s and 1.5 s, nothing said."""
    clip = read_video(avi, fps=fps)
    assert _levels(clip.frames) == expected
    np.testing.assert_allclose(clip.timestamps, np.array(expected) / 10, atol=1e-12)
    assert clip.notes == {"timestamps_in_decoding_order": True, "start_time_s": 0.1}


def test_probing_b_frames_in_avi_gives_increasing_times(avi: Path) -> None:
    info = probe_video(avi)
    assert info.num_frames == N and info.notes == {"timestamps_in_decoding_order": True, "start_time_s": 0.1}
    assert info.timestamps is not None
    np.testing.assert_allclose(info.timestamps, np.arange(N) / 10, atol=1e-12)


@pytest.mark.parametrize("name", ["plain.avi", "bframes.mp4"])
def test_avi_without_b_frames_and_mp4_with_them_are_not_flagged(tmp_path: Path, caplog, name) -> None:
    path = _write(tmp_path / name, bframes=0 if name.endswith(".avi") else 2)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        for sampling in ({}, {"fps": 10 / 7}, {"num_frames": 5}):
            clip = read_video(path, **sampling)
            # FFmpeg's AVI times start at 0.1 (R33: the times count from the first frame, the start is noted)
            assert clip.notes == ({"start_time_s": 0.1} if name.endswith(".avi") else {})
            assert clip.timestamps[0] == 0.0
            assert _levels(clip.frames) == clip.indices.tolist()
    assert caplog.text == ""
