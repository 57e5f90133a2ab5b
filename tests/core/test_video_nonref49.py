"""read_video with fps: pictures nothing refers to (H.264 nal_ref_idc 0, HEVC sub-layer
non-reference pictures) are not decoded unless kept, and the clip is the one a full decoding
gives, pixel for pixel, with the same times, positions, rate and notes."""

from pathlib import Path

import av
import numpy as np
import pytest

from camerabench import video
from camerabench.video import read_video

N = 60  # frames at 30 fps: 2 s


def _frames(n: int = N, h: int = 48, w: int = 64) -> np.ndarray:
    """A pan over 4x4-pixel random blocks (texture that survives the encoder)."""
    rng = np.random.default_rng(49)
    base = np.repeat(np.repeat(rng.integers(0, 256, (h // 4, (w + 2 * n) // 4 + 1, 3), dtype=np.uint8), 4, 0), 4, 1)
    return np.stack([base[:, 2 * i : 2 * i + w] for i in range(n)])


def _encode(path: Path, codec: str, options: dict[str, str], n: int = N) -> Path:
    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV has no {codec} encoder")
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = options
        for img in _frames(n):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode(None))
    return path


X264_B = {"crf": "20", "preset": "medium", "bf": "3", "x264-params": "mbtree=0:b-pyramid=normal"}
X264_NO_B = {"crf": "20", "preset": "medium", "bf": "0", "x264-params": "mbtree=0"}
X265_B = {"crf": "20", "preset": "ultrafast", "x265-params": "log-level=error:bframes=3:b-adapt=0"}


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pts of every frame the decoder returns (a skipped picture returns none)."""
    seen: list[int] = []
    original = video._Decoder.frames

    def counting(self, in_full=None):
        for frame in original(self, in_full):
            seen.append(frame.pts)
            yield frame

    monkeypatch.setattr(video._Decoder, "frames", counting)
    return seen


def _nonref_packets(path: Path) -> int:
    """Packets whose every slice is a picture nothing refers to, parsed from the bitstream
    (length-prefixed NAL units in MP4/Matroska, start codes in MPEG-TS)."""
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        hevc = stream.codec_context.name == "hevc"
        length_prefixed = bytes(stream.codec_context.extradata or b"")[:1] == b"\x01"  # avcC / hvcC
        for packet in container.demux(stream):
            data = bytes(packet)
            if not data:
                continue
            if not length_prefixed:
                units = [u.lstrip(b"\x00") for u in data.split(b"\x00\x00\x01") if u.strip(b"\x00")]
            else:
                units, i = [], 0
                while i + 4 <= len(data):
                    size = int.from_bytes(data[i : i + 4], "big")
                    units.append(data[i + 4 : i + 4 + size])
                    i += 4 + size
            if hevc:
                slices = [(u[0] >> 1) & 63 for u in units if (u[0] >> 1) & 63 < 32]
                nonref = [t <= 14 and t % 2 == 0 for t in slices]
            else:
                nonref = [u[0] >> 5 & 3 == 0 for u in units if 1 <= u[0] & 31 <= 5]
            count += bool(nonref) and all(nonref)
    return count


def _full_decode_choice(path: Path, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Independently of camerabench's reader: every frame decoded, the ones sample_indices picks
    from their presentation times, as RGB at full size."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    times = np.array([f.time for f in frames], dtype=np.float64)
    order = np.argsort(times, kind="stable")
    shown = times[order] - times[order][0]  # seconds from the first frame shown (R33: a .ts starts at its delay)
    keep = video.sample_indices(shown, fps=fps)
    return np.stack([frames[order[k]].to_ndarray(format="rgb24") for k in keep]), shown[keep]


def _same_as_full(path: Path, fps: float, monkeypatch: pytest.MonkeyPatch, decoded: list[int]) -> int:
    """read_video(fps) equals the full decoding's clip; returns how many frames it decoded."""
    clip = read_video(path, fps=fps)
    used = len(decoded)
    with monkeypatch.context() as m:
        m.setattr(video, "_read_skipping", lambda *args: None)
        decoded.clear()
        full = read_video(path, fps=fps)
    assert len(decoded) == N  # the full decoding returns every frame
    np.testing.assert_array_equal(clip.frames, full.frames)
    np.testing.assert_array_equal(clip.timestamps, full.timestamps)
    np.testing.assert_array_equal(clip.indices, full.indices)
    assert (clip.native_fps, clip.notes) == (full.native_fps, full.notes)
    pixels, times = _full_decode_choice(path, fps)
    np.testing.assert_array_equal(clip.frames, pixels)
    np.testing.assert_array_equal(clip.timestamps, times)
    return used


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".ts"])
def test_h264_b_frames_nothing_refers_to_are_not_decoded(tmp_path, monkeypatch, decoded, suffix):
    path = _encode(tmp_path / f"b{suffix}", "libx264", X264_B)
    nonref = _nonref_packets(path)
    assert nonref >= N // 4  # x264 with 3 B-frames: most B-frames are references of none
    used = _same_as_full(path, 5.0, monkeypatch, decoded)
    # 10 frames kept at 5 fps (some of them non-reference pictures, decoded because kept)
    assert N - nonref <= used <= N - nonref + 10
    assert used < N


def test_h264_without_b_frames_decodes_every_frame_and_is_the_same(tmp_path, monkeypatch, decoded):
    path = _encode(tmp_path / "p.mp4", "libx264", X264_NO_B)
    assert _nonref_packets(path) == 0  # every P-frame is a reference: nothing to skip
    assert _same_as_full(path, 5.0, monkeypatch, decoded) == N


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_hevc_sub_layer_non_reference_pictures_are_not_decoded(tmp_path, monkeypatch, decoded, suffix):
    path = _encode(tmp_path / f"hevc{suffix}", "libx265", X265_B)
    nonref = _nonref_packets(path)
    assert nonref >= N // 4  # TRAIL_N B-frames
    used = _same_as_full(path, 5.0, monkeypatch, decoded)
    assert N - nonref <= used <= N - nonref + 10


def _damaged(src: Path, dst: Path, which: str) -> tuple[Path, int]:
    """``src`` remuxed with one non-reference packet damaged: its slice data overwritten
    (``"slice"``) or its NAL length prefix made to overrun the packet (``"length"``)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        done, damaged_pts = False, -1
        for packet in inp.demux(s_in):
            if packet.size == 0:
                continue
            data = bytearray(bytes(packet))
            header = data[4]
            nonref = 1 <= header & 31 <= 5 and header >> 5 & 3 == 0
            if not done and nonref and packet.pts is not None and packet.pts > 0:
                if which == "slice":
                    data[6:] = bytes(len(data) - 6)  # zeroed: no valid macroblock data
                else:
                    data[0:4] = (len(data) * 8).to_bytes(4, "big")  # claims more bytes than there are
                done, damaged_pts = True, packet.pts
            new = av.Packet(bytes(data))
            new.pts, new.dts, new.time_base = packet.pts, packet.dts, packet.time_base
            new.is_keyframe = packet.is_keyframe
            new.stream = s_out
            out.mux(new)
    assert done
    return dst, damaged_pts


def test_a_damaged_non_reference_packet_gives_the_clip_a_full_decoding_gives(tmp_path, monkeypatch):
    """A packet whose NAL framing does not add up is split by the decoder before it skips anything:
    read_video(fps) raises the error the full decoding raises. (Damage inside a non-reference slice
    that is not sampled goes unseen: FFmpeg drops the slice unread, and no frame that is used
    depends on it.)"""
    which = "length"
    path, _ = _damaged(_encode(tmp_path / "b.mp4", "libx264", X264_B), tmp_path / f"bad_{which}.mp4", which)
    try:
        clip = read_video(path, fps=5.0)
    except video.VideoError as exc:
        clip, error = None, str(exc)
    monkeypatch.setattr(video, "_read_skipping", lambda *args: None)
    try:
        full = read_video(path, fps=5.0)
    except video.VideoError as exc:
        assert clip is None and error == str(exc)
        return
    assert clip is not None
    np.testing.assert_array_equal(clip.frames, full.frames)
    np.testing.assert_array_equal(clip.timestamps, full.timestamps)
    assert clip.notes == full.notes
