"""Files cut short in containers that declare neither a frame count nor a duration (red team R119).

A transport stream works its duration out from its last timestamps, and a live WebM (a browser's
MediaRecorder, ``-live 1``) writes none: a download interrupted at 60 % of the bytes was read as a
shorter clip with no warning. What is left is where the file ends: inside a 188-byte packet, or
inside a Matroska cluster or block. The extensions of broadcast and disc containers count as video.
"""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.video import VIDEO_EXTENSIONS, _ebml_number, _ends_inside, probe_video, read_video


def _frames(count: int) -> list[np.ndarray]:
    """A textured picture shifting right 2 px a frame (the encoder has detail to spend bits on)."""
    rng = np.random.default_rng(119)
    base = (rng.random((120, 200, 3)) * 255).astype(np.uint8)
    return [np.ascontiguousarray(base[:, 2 * i : 2 * i + 160]) for i in range(count)]


def _encode(path: Path, fmt: str, codec: str, options: dict[str, str] | None = None) -> Path:
    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        stream = out.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        if codec == "libx264":
            stream.options = {"g": "10", "preset": "ultrafast"}
        for img in _frames(20):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode(None))
    return path


def _cut(path: Path, share: float, name: str) -> Path:
    data = path.read_bytes()
    cut = path.with_name(name)
    cut.write_bytes(data[: int(len(data) * share)])
    return cut


def _live_copy(source: Path, target: Path) -> Path:
    """``source`` (WebM) as a browser's MediaRecorder writes one: the Segment and every cluster of
    unknown size (FFmpeg's muxer always writes the clusters' sizes), no SeekHead, Cues or Void."""
    data, out, at = source.read_bytes(), bytearray(), 0
    unknown = bytes.fromhex("01FFFFFFFFFFFFFF")
    while at < len(data):
        ident = _ebml_number(data, at, mask_marker=False)
        assert ident is not None
        size = _ebml_number(data, at + ident[1], mask_marker=True)
        assert size is not None
        body = at + ident[1] + size[1]
        end = len(data) if size[0] < 0 else body + size[0]
        if ident[0] == 0x18538067:  # the Segment: its children follow
            out += data[at : body - size[1]] + unknown
            at = body
            continue
        if ident[0] == 0x1F43B675:  # a cluster
            out += data[at : body - size[1]] + unknown + data[body:end]
        elif ident[0] == 0x1549A966:  # Info, without its Duration (a recording does not know it)
            kept, child = bytearray(), body
            while child < end:
                child_id = _ebml_number(data, child, mask_marker=False)
                assert child_id is not None
                child_size = _ebml_number(data, child + child_id[1], mask_marker=True)
                assert child_size is not None
                child_end = child + child_id[1] + child_size[1] + child_size[0]
                if child_id[0] != 0x4489:
                    kept += data[child:child_end]
                child = child_end
            out += data[at : body - size[1]] + (0x01 << 56 | len(kept)).to_bytes(8, "big") + kept
        elif ident[0] not in (0x114D9B74, 0x1C53BB6B, 0xEC):
            out += data[at:end]
        at = end
    target.write_bytes(bytes(out))
    return target


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cut119")
    ts = _encode(folder / "full.ts", "mpegts", "libx264")
    # several clusters (a live recorder writes one every few seconds), unknown sizes
    webm = _encode(folder / "sized.webm", "webm", "libvpx", {"cluster_size_limit": "2000"})
    live = _live_copy(webm, folder / "live.webm")
    return {
        "ts": ts,
        "ts_cut": _cut(ts, 0.6, "cut.ts"),
        "live": live,
        "live_cut": _cut(live, 0.9, "live_cut.webm"),
    }


def test_a_transport_stream_cut_inside_a_packet_is_warned(
    files: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    assert files["ts_cut"].stat().st_size % 188  # cut inside a packet, as an interrupted download is
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(files["ts_cut"])
        sampled = read_video(files["ts_cut"], fps=5.0)  # the reading that skips unsampled frames
        info = probe_video(files["ts_cut"])
    left = files["ts_cut"].stat().st_size % 188
    for notes in (clip.notes, sampled.notes, info.notes):
        assert notes["file_ends_inside"] == f"the file ends {left} bytes into a 188-byte transport stream packet"
        assert notes["frames_decoded"] == len(clip)
    assert 0 < len(clip) < 20 and info.num_frames == len(clip)
    assert "cut.ts" in caplog.text and "truncated" in caplog.text and "partial packet left undecoded" in caplog.text
    # the frames read are the whole file's, pixel for pixel: the partial last packet's frame, which
    # decodes damaged, is not among them
    whole, whole_sampled = read_video(files["ts"]), read_video(files["ts"], fps=5.0)
    assert np.array_equal(clip.frames, whole.frames[: len(clip)])
    assert np.array_equal(sampled.frames, whole_sampled.frames[: len(sampled)])
    assert np.array_equal(sampled.timestamps, whole_sampled.timestamps[: len(sampled)])
    assert "file_ends_inside" not in whole.notes and len(whole) == 20 and len(whole_sampled) == 10


def test_a_live_webm_cut_inside_a_cluster_is_warned(files: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    # the live muxer writes clusters of unknown size: the blocks are followed one by one
    data = files["live"].read_bytes()
    clusters = [at for at in range(len(data) - 4) if data[at : at + 4] == bytes.fromhex("1F43B675")]
    assert len(clusters) > 1 and all(_ebml_number(data, at + 4, mask_marker=True) == (-1, 8) for at in clusters)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(files["live_cut"])
        info = probe_video(files["live_cut"])
    for notes in (clip.notes, info.notes):
        assert notes["file_ends_inside"].startswith("the file ends ")
        assert "-byte Matroska SimpleBlock" in notes["file_ends_inside"]
    assert 0 < len(clip) < 20 and "live_cut.webm" in caplog.text
    whole = read_video(files["live"])
    assert "file_ends_inside" not in whole.notes and len(whole) == 20
    # Matroska's demuxer leaves the partial block out itself: the frames are the whole file's
    assert np.array_equal(clip.frames, whole.frames[: len(clip)])


def test_ebml_numbers() -> None:
    assert _ebml_number(bytes([0x81]), 0, mask_marker=True) == (1, 1)
    assert _ebml_number(bytes([0x40, 0x02]), 0, mask_marker=True) == (2, 2)
    assert _ebml_number(bytes([0xFF]), 0, mask_marker=True) == (-1, 1)  # unknown size
    assert _ebml_number(bytes.fromhex("1A45DFA3"), 0, mask_marker=False) == (0x1A45DFA3, 4)
    assert _ebml_number(bytes([0x00, 0x81]), 0, mask_marker=True) is None  # no marker bit in the first byte
    assert _ebml_number(bytes([0x40]), 0, mask_marker=True) is None  # runs past the data


@pytest.mark.parametrize("extension", [".mxf", ".m2ts", ".vob", ".ogv", ".mod", ".MXF"])
def test_broadcast_and_disc_extensions_are_videos(tmp_path: Path, extension: str) -> None:
    assert extension.lower() in VIDEO_EXTENSIONS
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / f"clip{extension}").write_bytes(b"")
    (tmp_path / "videos" / "notes.txt").write_text("not a video")
    assert Dataset(tmp_path).videos() == [f"clip{extension}"]


def test_files_whose_structure_cannot_be_followed_get_no_claim(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    for name, data, fmt in [
        ("noise.webm", noise, "matroska,webm"),  # no EBML header
        ("empty.webm", b"", "matroska,webm"),
        ("noise.ts", bytes([0x00]) + noise, "mpegts"),  # no sync bytes at packet starts
        ("empty.ts", b"", "mpegts"),
        ("one.ts", b"\x47", "mpegts"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        assert _ends_inside(path, fmt, live=True) is None, name
    # a file of whole packets, and an MP4 (asked of no other format)
    (tmp_path / "whole.ts").write_bytes((b"\x47" + bytes(187)) * 3)
    assert _ends_inside(tmp_path / "whole.ts", "mpegts", live=True) is None
    (tmp_path / "short.ts").write_bytes((b"\x47" + bytes(187)) * 3 + b"\x47\x00")
    assert _ends_inside(tmp_path / "short.ts", "mpegts", live=True) == (
        "the file ends 2 bytes into a 188-byte transport stream packet"
    )
    assert _ends_inside(tmp_path / "short.ts", "mov,mp4,m4a,3gp,3g2,mj2", live=True) is None


def test_a_live_webm_cut_inside_an_element_header_is_said_to_be(files: dict[str, Path], tmp_path: Path) -> None:
    data, at, last = files["live"].read_bytes(), 0, 0
    while at < len(data):  # the offset of the file's last element
        ident = _ebml_number(data, at, mask_marker=False)
        assert ident is not None
        size = _ebml_number(data, at + ident[1], mask_marker=True)
        assert size is not None
        last, body = at, at + ident[1] + size[1]
        at = body if ident[0] == 0x18538067 or size[0] < 0 else body + size[0]
    cut = tmp_path / "header_cut.webm"
    cut.write_bytes(data[: last + 2])
    assert _ends_inside(cut, "matroska,webm", live=True) == "the file ends 2 bytes into a Matroska element's header"
