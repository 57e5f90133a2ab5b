"""Hostile real-world videos (round 22): clips trimmed by an MP4 edit list, anamorphic clips
turned upright by a display matrix."""

from __future__ import annotations

import fractions
import logging
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.video import probe_video, read_video

SAMPLINGS = [{}, {"fps": 5.0}, {"num_frames": 4}]


def _trimmed(path: Path, n: int = 12, cut: int = 3) -> Path:
    """An mp4 whose first ``cut`` frames lie before its edit list's start (as ``ffmpeg -ss 0.3
    -c copy`` or a phone's trim writes it): frame i is uniformly grey at level 20 * i."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"

        def mux(packets: list[av.Packet]) -> None:
            for packet in packets:  # shifted back: the muxer writes an edit list starting at 0
                assert packet.pts is not None and packet.dts is not None
                packet.pts -= cut  # in the encoder's time base, 1/10 s
                packet.dts -= cut
                container.mux(packet)

        for i in range(n):
            img = np.full((48, 64, 3), 20 * i, np.uint8)
            mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        mux(stream.encode(None))
    with av.open(str(path)) as container:  # the file really carries frames a player does not show
        video = container.streams.video[0]
        assert video.time_base == fractions.Fraction(1, 10240) and video.frames == n
        assert sum(p.is_discard for p in container.demux(video)) == cut
    return path


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps", "num_frames"])
def test_a_clip_trimmed_by_an_edit_list_is_not_reported_truncated(tmp_path: Path, caplog, sampling) -> None:
    """Before: the 3 frames before the edit's start counted as declared, so a clean trimmed clip
    was flagged "decoded 9 frames but the container declares 12 (truncated or damaged file)"."""
    path = _trimmed(tmp_path / "trimmed.mp4")
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        info = probe_video(path)
        clip = read_video(path, **sampling)
    assert "truncated" not in caplog.text
    assert info.notes == {} and clip.notes == {}
    # the frames a player shows: from the edit's start (time 0), frames 3..11 of the recording
    assert info.num_frames == 9
    np.testing.assert_allclose(info.timestamps, np.arange(9) / 10)
    np.testing.assert_allclose(clip.timestamps, info.timestamps[clip.indices])
    levels = clip.frames.reshape(len(clip), -1).mean(axis=1)
    np.testing.assert_allclose(levels, 20 * (clip.indices + 3), atol=3)


def _anamorphic_turned(path: Path) -> Path:
    """32x48 stored pixels of sample aspect ratio 2:1 (a 64x48 picture), shown turned 90 degrees."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 48, "yuv420p"
        stream.codec_context.sample_aspect_ratio = fractions.Fraction(2, 1)
        stream.set_display_rotation(90)
        for i in range(5):
            img = np.full((48, 32, 3), 30 * i, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    with av.open(str(path)) as container:
        assert container.streams.video[0].sample_aspect_ratio == fractions.Fraction(2, 1)
    return path


@pytest.mark.parametrize("sampling", SAMPLINGS, ids=["all", "fps", "num_frames"])
def test_the_display_size_of_a_turned_anamorphic_clip_is_the_frames_size(tmp_path: Path, sampling) -> None:
    """Before: ``display_size`` was the stretched size before turning upright, [64, 48], for
    frames 48 wide and 64 high."""
    path = _anamorphic_turned(tmp_path / "turned.mp4")
    info = probe_video(path)
    clip = read_video(path, **sampling)
    assert (info.width, info.height) == (48, 64)
    assert clip.frames.shape[1:3] == (64, 48)
    for notes in (info.notes, clip.notes):
        assert notes["sample_aspect_ratio"] == "2:1"
        assert notes["display_size"] == [48, 64]
