"""A Matroska/WebM file cut short (a broken download or copy) decodes its first part without an
error, and such containers declare no frame count: the frames it gives are checked against the
duration it declares."""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import declared_duration, probe_video, read_video

FPS = 30


def _write_mkv(path: Path, frames: int = 60, audio_s: float = 0.0) -> Path:
    """A 128x96 H.264 Matroska clip of a textured pan, ``frames`` at 30 fps (plus ``audio_s``
    seconds of silent AAC when given)."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 128, 96, "yuv420p"
        sound = out.add_stream("aac", rate=48000) if audio_s else None
        for _ in range(frames):
            img = np.roll(img, 2, axis=1)
            for packet in video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            samples = int(audio_s * 48000)
            for start in range(0, samples, 1024):
                chunk = np.zeros((1, min(1024, samples - start)), np.float32)
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 48000, start
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return path


def _cut(path: Path, share: float) -> Path:
    data = path.read_bytes()
    cut = path.with_name(f"cut_{path.name}")
    cut.write_bytes(data[: int(len(data) * share)])
    return cut


@pytest.mark.parametrize("fps", [None, 5.0])
def test_a_matroska_file_cut_short_is_flagged_with_both_durations(tmp_path: Path, caplog, fps) -> None:
    cut = _cut(_write_mkv(tmp_path / "pan.mkv"), 0.5)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(cut, fps=fps)
    assert clip.notes["seconds_declared"] == pytest.approx(2.0, abs=0.05)
    assert clip.notes["seconds_covered"] < 1.5
    assert clip.notes["frames_decoded"] < 60
    assert "cut_pan.mkv" in caplog.text and "declares 2.00 s (truncated or damaged file)" in caplog.text


def test_probing_a_cut_matroska_file_flags_it_too(tmp_path: Path) -> None:
    cut = _cut(_write_mkv(tmp_path / "pan.mkv"), 0.5)
    notes = probe_video(cut).notes
    assert notes["seconds_declared"] == pytest.approx(2.0, abs=0.05)
    assert notes["seconds_covered"] < 1.5


def test_a_whole_matroska_file_is_not_flagged(tmp_path: Path, caplog) -> None:
    path = _write_mkv(tmp_path / "pan.mkv")
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, fps=None)
    assert len(clip.frames) == 60
    assert "seconds_declared" not in clip.notes
    assert "truncated" not in caplog.text


def test_a_longer_sound_track_is_named_as_a_possible_reason(tmp_path: Path, caplog) -> None:
    # the container's duration is the longest stream's: 3 s of sound over 1 s of video
    path = _write_mkv(tmp_path / "talk.mkv", frames=30, audio_s=3.0)
    assert declared_duration(path) == pytest.approx(3.0, abs=0.1)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, fps=None)
    assert len(clip.frames) == 30
    assert "or another stream runs longer than the video" in caplog.text
