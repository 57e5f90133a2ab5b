"""Follow-ups of the twelfth round: frame rates no part of a file gave (a cut-off ``.ts`` file's
FFmpeg-guessed field rate, a raw ``.h264`` stream's assumed 25 fps), ShotBench media typed
against their extension, and manifest clips naming a video in another spelling."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError, VideoError
from camerabench.shotbench import COLUMNS, read_mcq_table
from camerabench.video import probe_video, read_video


def _encode(path: Path, fmt: str, codec: str, n: int, pix_fmt: str = "yuv420p") -> Path:
    """``n`` random frames at 10 fps: 48x32, or 64x64 for libx265 (whose encoder corrupts the
    heap at 48x32, too few coding-tree rows)."""
    h, w = (64, 64) if codec == "libx265" else (32, 48)
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.height, stream.width, stream.pix_fmt = h, w, pix_fmt
        for img in np.random.default_rng(1).integers(0, 255, (n, h, w, 3), dtype=np.uint8):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format=pix_fmt)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# --- 1. a cut-off .ts file: no average rate, FFmpeg guesses the field rate ------------------


@pytest.mark.parametrize(("cut", "frames"), [(3760, 2), (3000, 1), (1966, 1)])
def test_a_cut_off_ts_file_reports_its_frames_rate_not_ffmpegs_guess(tmp_path: Path, cut: int, frames: int) -> None:
    """12 frames at 10 fps cut to the first two (at a packet boundary, 20 x 188 bytes), inside the
    second or inside the first: the container has no average rate and FFmpeg's guessed rate is
    20 fps (the H.264 field rate). probe_video said 20 fps and 0.15 s although the frames lie
    0.1 s apart; read_video a native rate of 20. A partial last frame is left out (R119: it
    decodes damaged) unless it is the file's only one."""
    path = _encode(tmp_path / "cut.ts", "mpegts", "libx264", 12)
    path.write_bytes(path.read_bytes()[:cut])
    with av.open(str(path)) as container:  # the premise: what FFmpeg says of this file
        stream = container.streams.video[0]
        assert stream.average_rate is None and stream.guessed_rate == 20
    info = probe_video(path)
    assert info.num_frames == frames
    assert info.fps == pytest.approx(10.0)
    assert info.duration_s == pytest.approx(0.1 * frames)
    for sampling in ({}, {"fps": 4.0}, {"num_frames": 2}):
        assert read_video(path, **sampling).native_fps == pytest.approx(10.0)  # type: ignore[arg-type]


# --- 2. raw elementary streams: FFmpeg's raw reader assumes 25 fps --------------------------


@pytest.mark.parametrize(("name", "fmt", "codec"), [("a.h264", "h264", "libx264"), ("a.265", "hevc", "libx265")])
def test_a_raw_stream_is_timed_by_the_rate_its_headers_declare(tmp_path: Path, name: str, fmt: str, codec: str) -> None:
    """A 10 fps raw H.264/HEVC stream (its SPS/VPS timing says 10): read as 25 fps, 0.24 s,
    FFmpeg's raw reader's default rate."""
    path = _encode(tmp_path / name, fmt, codec, 6)
    with av.open(str(path)) as container:  # the premise: the reader's assumed rate
        assert container.streams.video[0].average_rate == 25
    info = probe_video(path)
    assert (info.num_frames, info.fps, info.duration_s) == (6, pytest.approx(10.0), pytest.approx(0.6))
    clip = read_video(path, fps=5.0)
    assert clip.native_fps == pytest.approx(10.0)
    assert clip.timestamps.tolist() == pytest.approx([0.0, 0.2, 0.4])


def test_a_raw_stream_that_declares_no_rate_is_refused(tmp_path: Path) -> None:
    """A raw MJPEG stream has no timing in its headers: its frames were timed at an assumed
    25 fps (0.04 s apart) without a word."""
    path = _encode(tmp_path / "a.mjpeg", "mjpeg", "mjpeg", 4, pix_fmt="yuvj420p")
    for reader in (probe_video, read_video):
        with pytest.raises(VideoError, match=r"a\.mjpeg: a raw mjpeg stream whose headers declare no frame rate"):
            reader(path)
    with pytest.raises(VideoError, match=r"would assume 25 fps"):
        read_video(path, fps=5.0)


# --- 3. ShotBench media typed against their extension --------------------------------------


def _table(root: Path, kind: str, medium: str) -> Path:
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / medium).write_bytes(b"")
    row = ["0", kind, f"['media/{medium}']", "How?", json.dumps({"A": "Pan", "B": "Tilt"}), "A", "shot size"]
    path = root / "t.tsv"
    path.write_text("\t".join(COLUMNS) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kind", "medium", "message"),
    [
        ('["image"]', "a.mp4", r"type says 'image' for 'media/a\.mp4', but '\.mp4' is a video extension"),
        ('["video"]', "a.png", r"type says 'video' for 'media/a\.png', but '\.png' is an image extension"),
        ("image", "a.MOV", r"type says 'image' for 'media/a\.MOV', but '\.mov' is a video extension"),
    ],
)
def test_a_shotbench_medium_typed_against_its_extension_is_an_error(
    tmp_path: Path, kind: str, medium: str, message: str
) -> None:
    """The VLM runner opens an ``image`` with OpenCV's imread and a ``video`` with read_video:
    an .mp4 typed image was read as a picture."""
    with pytest.raises(FileFormatError, match=rf"t\.tsv:2: {message}"):
        read_mcq_table(_table(tmp_path, kind, medium), tmp_path)


@pytest.mark.parametrize(("kind", "medium"), [("image", "a.gif"), ("video", "a.gif"), ("video", "a.mkv")])
def test_a_gif_may_be_typed_either_way(tmp_path: Path, kind: str, medium: str) -> None:
    rows = read_mcq_table(_table(tmp_path, kind, medium), tmp_path)
    assert rows[0].types == (kind,)


# --- 4. a manifest clip naming a video in another spelling ---------------------------------


@pytest.mark.parametrize("spelled", ["./a.mp4", "A.mp4", "a.mp4 "])
def test_a_manifest_clip_spelling_its_video_otherwise_is_an_error_naming_the_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, spelled: str
) -> None:
    """It was dropped from the knob groups with a warning that it names no video of the dataset,
    although the file is there."""
    (tmp_path / "videos").mkdir()
    for v in ("a.mp4", "b.mp4"):
        (tmp_path / "videos" / v).write_bytes(b"")
    text = '{"clips": [\n  {"video": "b.mp4", "knobs": {"blur": false}},\n  {"video": "typo.mp4"},\n'
    text += '  {"video": ' + json.dumps(spelled) + ', "knobs": {}}\n]}\n'  # clips[2], on line 4
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"manifest\.json:4: clips\[2\]\.video .* write 'a\.mp4'"):
        Dataset(tmp_path).validate()
    # a clip of no video at all (typo.mp4) stays a warning
    (tmp_path / "manifest.json").write_text(text.replace(json.dumps(spelled), '"a.mp4"'), encoding="utf-8")
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
    assert "1 of 3 clips name no video" in caplog.text and "clips[1] 'typo.mp4'" in caplog.text
    assert [c["video"] for c in ds.known_manifest["clips"]] == ["b.mp4", "a.mp4"]
