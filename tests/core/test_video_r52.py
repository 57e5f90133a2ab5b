"""Red-team review R52 of the video reader: damaged packets, late-starting Matroska, display
matrices that scale, MP4s cut in their moov box, argument types, empty files."""

from __future__ import annotations

import logging
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.errors import VideoError
from camerabench.video import (
    check_video,
    declared_duration,
    probe_video,
    read_video,
    resized_size,
    sample_indices,
    write_video,
)


def _mkv(path: Path, n: int = 25, start_ms: int = 0, size: tuple[int, int] = (64, 96)) -> Path:
    """An H.264 Matroska clip of ``n`` frames at 10 fps (one keyframe), the first at ``start_ms``."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (size[0] * 2, size[1] * 2 + 2 * n, 3), dtype=np.uint8)
    tb = Fraction(1, 1000)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = size[1], size[0], "yuv420p"
        stream.options = {"g": "250", "crf": "18"}
        stream.time_base = tb
        stream.codec_context.time_base = tb
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(base[i : i + size[0], 2 * i : 2 * i + size[1]]))
            frame.pts, frame.time_base = start_ms + 100 * i, tb
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _damage(path: Path, which: set[int]) -> None:
    """Bytes flipped in place (bit rot) in the payload of the ``which``-th packets of the video stream."""
    with av.open(str(path)) as container:
        spans = [(p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size > 0]
    data = bytearray(path.read_bytes())
    for i in which:
        pos, size = spans[i]
        for j in range(pos + 4, pos + size, 3):
            data[j] ^= 0xFF
    path.write_bytes(bytes(data))


# --- 1. a damaged packet mid-stream is skipped, not fatal ------------------------------------------


def test_damaged_packets_mid_stream_are_skipped_and_reported(tmp_path, caplog):
    path = _mkv(tmp_path / "rot.mkv")
    _damage(path, {10, 11})
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path)  # was: VideoError "corrupt video stream after 10 frames (Invalid data ...)"
    assert 20 <= len(clip) < 25
    assert clip.notes["damaged_packets_skipped"] >= 1
    assert clip.notes["decoding_errors"] >= 1
    assert clip.notes["frames_decoded"] == len(clip)
    assert "artefacts" in caplog.text
    # the one-pass, frame-skipping and two-pass readers agree on the damaged file
    by_fps, by_count = read_video(path, fps=5), read_video(path, num_frames=len(clip))
    np.testing.assert_array_equal(by_count.frames, clip.frames)
    np.testing.assert_array_equal(by_fps.timestamps, clip.timestamps[by_fps.indices])
    np.testing.assert_array_equal(by_fps.frames, clip.frames[by_fps.indices])
    assert probe_video(path).num_frames == len(clip)
    assert check_video(path) == 25


def test_a_stream_whose_packets_all_fail_to_decode_is_an_error(tmp_path):
    path = _mkv(tmp_path / "all.mkv")
    _damage(path, set(range(25)))
    with pytest.raises(VideoError, match=r"all\.mkv: corrupt video stream: the decoder rejected \d+ of its 25"):
        read_video(path)
    first_key = _mkv(tmp_path / "key.mkv")
    _damage(first_key, {0})  # the only keyframe: nothing decodes
    with pytest.raises(VideoError, match=r"key\.mkv: .*0 frames decoded"):
        read_video(first_key, fps=5)


def test_a_clean_file_decodes_as_pyav_does(tmp_path):
    path = _mkv(tmp_path / "clean.mkv")
    with av.open(str(path)) as container:
        expected = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    clip = read_video(path)
    np.testing.assert_array_equal(clip.frames, expected)
    assert clip.notes == {}


# --- 2. Matroska whose timestamps start late ------------------------------------------------------


def test_late_starting_mkv_is_not_flagged_as_truncated(tmp_path):
    path = _mkv(tmp_path / "late.mkv", start_ms=36_000_000)  # ffmpeg -ss ... -copyts -c copy: at 10 h
    clip = read_video(path)
    # R33: the times count from the first frame; the container's 10 h start is noted
    assert clip.timestamps[0] == 0.0 and clip.timestamps[-1] == pytest.approx(2.4)
    # was: frames_decoded, seconds_covered 2.5, seconds_declared 36002.5
    assert clip.notes == {"start_time_s": pytest.approx(36_000.0)}
    assert declared_duration(path) == pytest.approx(2.5)  # was 36002.5
    assert probe_video(path).notes == {"start_time_s": pytest.approx(36_000.0)}


def test_late_starting_mkv_cut_short_is_still_flagged(tmp_path):
    path = _mkv(tmp_path / "cut.mkv", n=60, start_ms=36_000_000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    clip = read_video(path)
    assert clip.notes["seconds_declared"] == pytest.approx(6.0)
    assert clip.notes["seconds_covered"] < 4.5
    start0 = _mkv(tmp_path / "cut0.mkv", n=60)
    data = start0.read_bytes()
    start0.write_bytes(data[: len(data) // 2])
    assert read_video(start0).notes["seconds_declared"] == pytest.approx(6.0)


# --- 3. a display matrix that scales or shears ----------------------------------------------------


def _with_matrix(path: Path, matrix: list[int]) -> Path:
    write_video(path, np.random.default_rng(0).integers(0, 255, (3, 32, 48, 3), dtype=np.uint8), fps=10)
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    start, version = at - 4, data[at + 4]
    offset = start + (48 if version == 0 else 60)
    a, b, c, d = matrix  # stored a, b, u, c, d, v, x, y, w
    data[offset : offset + 36] = struct.pack(">9i", a, b, 0, c, d, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    return path


ONE = 0x10000


def test_a_display_matrix_that_stretches_is_not_called_a_rotation(tmp_path):
    stretch = _with_matrix(tmp_path / "stretch.mp4", [2 * ONE, 0, 0, ONE])
    with pytest.raises(VideoError, match=r"stretch\.mp4: the display matrix .* stretches the picture unevenly") as err:
        read_video(stretch)
    assert "not a rotation" in str(err.value) and "degrees clockwise" not in str(err.value)
    shear = _with_matrix(tmp_path / "shear.mp4", [ONE, 0, ONE // 2, ONE])
    with pytest.raises(VideoError, match=r"shears the picture"):
        read_video(shear)
    # a uniform scale changes the size a player shows, not the picture: read as it is
    uniform = _with_matrix(tmp_path / "uniform.mp4", [2 * ONE, 0, 0, 2 * ONE])
    assert read_video(uniform).frames.shape == (3, 32, 48, 3)


# --- 4. an MP4 cut inside its moov box ------------------------------------------------------------


def _cut_in_moov(tmp_path: Path, name: str, box: bytes) -> Path:
    """A clip (moov at the end) cut 8 bytes into the ``box`` inside its moov box."""
    path = tmp_path / name
    write_video(path, np.random.default_rng(0).integers(0, 255, (5, 16, 16, 3), dtype=np.uint8), fps=10)
    data = path.read_bytes()
    moov = data.rfind(b"moov")
    path.write_bytes(data[: data.index(box, moov) + 8])
    return path


def test_an_mp4_cut_inside_its_moov_box_says_so(tmp_path):
    in_tkhd = _cut_in_moov(tmp_path, "tkhd.mp4", b"tkhd")  # FFmpeg is left with one 'data' stream
    with pytest.raises(VideoError, match=r"tkhd\.mp4: no video stream: its header \(the MP4's moov box\) is cut"):
        read_video(in_tkhd)  # was: "no video stream"
    in_minf = _cut_in_moov(tmp_path, "minf.mp4", b"minf")  # a video stream of no codec
    with pytest.raises(VideoError, match=r"minf\.mp4: the video stream has no codec: .*moov box\) is cut"):
        read_video(in_minf)  # was: AttributeError 'NoneType' object has no attribute 'framerate'


def test_argument_types_are_checked_alike(tmp_path):
    path = tmp_path / "x.mp4"
    write_video(path, np.random.default_rng(0).integers(0, 255, (6, 32, 48, 3), dtype=np.uint8), fps=10)
    for kw, msg in [
        ({"num_frames": 2.0}, "num_frames must be a positive integer"),  # was: TypeError from np.linspace
        ({"num_frames": True}, "num_frames must be a positive integer"),
        ({"fps": True}, "fps must be a positive number"),  # was: read at 1 fps
        ({"fps": "5"}, "fps must be a positive number"),
        ({"max_frames": True}, "max_frames must be an integer"),
        ({"max_side": 64.0}, "max_side must be an integer"),
    ]:
        with pytest.raises(ValueError, match=msg):
            read_video(path, **kw)
    # NumPy integers, as resized_size takes them (max_side=np.int64(64) was refused)
    as_numpy = read_video(path, max_side=np.int64(24), num_frames=np.int64(3), max_frames=np.int32(3))
    as_python = read_video(path, max_side=24, num_frames=3, max_frames=3)
    np.testing.assert_array_equal(as_numpy.frames, as_python.frames)
    assert resized_size(48, 32, np.int64(24)) == (24, 16)


def test_sample_indices_of_no_frames_keeps_none():
    for kw in ({"fps": 5}, {"num_frames": 3}, {}):
        kept = sample_indices(np.array([]), **kw)  # was: IndexError with fps
        assert kept.dtype == np.int64 and kept.shape == (0,)
    with pytest.raises(ValueError, match="timestamps must be finite"):
        sample_indices(np.array([0.0, np.nan, 0.2]), fps=5)  # was: [0, 1] with a RuntimeWarning


# --- 6. an empty file -----------------------------------------------------------------------------


def test_an_empty_file_is_said_to_be_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    for read in (read_video, check_video, probe_video):
        with pytest.raises(VideoError, match=r"empty\.mp4: the file is empty \(0 bytes\)"):
            read(path)  # was: "cannot open video (... Invalid data found when processing input ...)"
