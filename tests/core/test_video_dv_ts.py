"""Colour and stream-start cases of read_video / probe_video: Dolby Vision profile 5, SDR video with
BT.2020 primaries, the transfer and primaries probe_video reports, a ``.ts`` cut in the middle of a
group of pictures.

No real Dolby Vision profile 5 file can be built here (no RPU writer, no ffmpeg binary): the file
used is real HEVC as profile 5 stores it (colour unspecified, full range) under the ``dvh1``
sample entry that MP4 gives profile 5; the RPU side-data branch is tested on the decision alone.
"""

from __future__ import annotations

import logging
from itertools import islice
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench import video
from camerabench.video import probe_video, read_video

from .test_video_hdr43 import yuv420p10  # BT.2020 10-bit 4:2:0 planes of R'G'B' in 0..1

SOURCE = Path(__file__).resolve().parents[1] / "data" / "real" / "videos" / "opencv_vtest_digital_pan_right.mp4"
# linear BT.709 RGB -> linear BT.2020 RGB (ITU-R BT.2087), BT.2020 luma weights
BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]])


def source_frames(n: int, size: tuple[int, int] = (160, 120)) -> NDArray[np.uint8]:
    with av.open(str(SOURCE)) as container:
        return np.stack(
            [f.to_ndarray(format="rgb24", width=size[0], height=size[1]) for f in islice(container.decode(video=0), n)]
        )


def write_hevc(path: Path, planes: list[NDArray[np.uint16]], tags: dict[str, int], size: tuple[int, int]) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx265", rate=10)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p10le"
        for name, value in tags.items():
            setattr(stream.codec_context, name, value)
        stream.options = {"crf": "12", "preset": "ultrafast", "x265-params": "log-level=error"}
        for plane in planes:
            frame = av.VideoFrame.from_ndarray(plane, format="yuv420p10le")
            for name, value in tags.items():
                setattr(frame, name, value)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def hevc() -> None:
    if "libx265" not in av.codecs_available:
        pytest.skip("this PyAV has no libx265 encoder")


# --- Dolby Vision profile 5 -------------------------------------------------------------------


@pytest.fixture(scope="module")
def dolby_vision(hevc: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """HEVC 10-bit, colour unspecified and full range as a profile 5 base layer, under ``hev1``
    (plain HEVC) and, the same bytes with the sample entry renamed, ``dvh1``."""
    folder = tmp_path_factory.mktemp("dv")
    rgb = source_frames(3, (64, 48)).astype(np.float64) / 255.0
    plain = write_hevc(folder / "hevc.mp4", [yuv420p10(f) for f in rgb], {"color_range": 2}, (64, 48))
    data = plain.read_bytes()
    assert data.count(b"hev1") == 1
    tagged = folder / "dv5.mp4"
    tagged.write_bytes(data.replace(b"hev1", b"dvh1"))
    return {"plain": plain, "dv": tagged}


def test_dolby_vision_profile5_is_noted_and_warned(
    dolby_vision: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    # old: read with no note at all, colours silently wrong
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(dolby_vision["dv"])
    assert clip.notes["dolby_vision"] == "profile 5 (IPT-PQ-C2)"
    assert "libplacebo" in clip.notes["colours_not_bt709"]
    assert "dv5.mp4" in caplog.text and "not BT.709" in caplog.text and "libplacebo" in caplog.text
    # the frames are those of the same stream as plain HEVC (nothing invented), only noted
    plain = read_video(dolby_vision["plain"])
    assert plain.notes == {}
    assert np.array_equal(clip.frames, plain.frames)


def test_dolby_vision_noted_on_every_reading_path(dolby_vision: dict[str, Path]) -> None:
    for clip in (read_video(dolby_vision["dv"], fps=5.0), read_video(dolby_vision["dv"], num_frames=2)):
        assert clip.notes["dolby_vision"] == "profile 5 (IPT-PQ-C2)"


def test_dolby_vision_decision() -> None:
    """Profile 5 (no compatible base layer) only: profile 8's base layer says PQ, HLG or BT.709."""
    assert video._dolby_vision_ipt("dvh1", False, 2)
    assert video._dolby_vision_ipt("dvhe", False, 2)
    assert video._dolby_vision_ipt("", True, 2)  # RPU side data on the frame (Matroska, .ts: no sample entry)
    assert not video._dolby_vision_ipt("dvh1", True, 16)  # 8.1: PQ base layer, tone-mapped as HDR10
    assert not video._dolby_vision_ipt("hvc1", True, 18)  # 8.4: HLG base layer
    assert not video._dolby_vision_ipt("hvc1", True, 1)  # 8.2: SDR base layer
    assert not video._dolby_vision_ipt("hev1", False, 2)  # plain HEVC, colour unspecified


# --- BT.2020 primaries with an SDR transfer -----------------------------------------------------


@pytest.fixture(scope="module")
def wide(hevc: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real clip's frames in BT.2020 primaries (BT.1886 light converted by BT.2087), stored with
    the bt2020-10 SDR transfer, read once (libswscale builds its gamut table once: ~1.3 s)."""
    folder = tmp_path_factory.mktemp("wide")
    rgb = source_frames(3)
    signal = [np.clip(((f / 255.0) ** 2.4) @ BT709_TO_BT2020.T, 0, 1) ** (1 / 2.4) for f in rgb]
    tags = {"color_primaries": 9, "colorspace": 9, "color_range": 1, "color_trc": 14}
    path = write_hevc(folder / "wide.mp4", [yuv420p10(s) for s in signal], tags, (160, 120))
    return {"path": path, "source": rgb, "clip": read_video(path)}


def saturation(frames: NDArray[np.uint8]) -> float:
    f = frames.astype(np.float64)
    return float((f.max(axis=-1) - f.min(axis=-1)).mean())


def test_bt2020_sdr_is_converted_to_bt709(wide: dict[str, Any]) -> None:
    # old: BT.2020 RGB shown as BT.709's: desaturated (on bigbuckbunny 720p: saturation 48 vs 64,
    # mean error 6.5 -> 3.3 converted), no note
    clip, source = wide["clip"], wide["source"]
    with av.open(str(wide["path"])) as container:
        stored = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    assert clip.notes == {"wide_gamut": "BT.2020 (SDR transfer)", "gamut_mapped": True}
    err_clip = np.abs(clip.frames.astype(int) - source.astype(int)).mean()
    err_stored = np.abs(stored.astype(int) - source.astype(int)).mean()
    assert err_clip < 0.75 * err_stored
    assert abs(saturation(clip.frames) - saturation(source)) < 0.5 * abs(saturation(stored) - saturation(source))


def test_bt2020_sdr_not_converted_is_warned(
    wide: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(video.av, "library_versions", {**av.library_versions, "libswscale": (8, 3, 100)})
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(wide["path"], num_frames=2)
    assert clip.notes["gamut_mapped"] is False and "libswscale 8.3.100" in clip.notes["gamut_not_mapped"]
    assert "wide.mp4" in caplog.text and "BT.2020" in caplog.text


def test_probe_reports_transfer_and_primaries(wide: dict[str, Any], dolby_vision: dict[str, Path]) -> None:
    info = probe_video(wide["path"])
    assert (info.transfer, info.primaries) == ("bt2020-10", "bt2020")
    assert (probe_video(dolby_vision["dv"]).transfer, probe_video(dolby_vision["dv"]).primaries) == (
        "unspecified",
        "unspecified",
    )


def test_probe_names_hdr_transfers() -> None:
    from av.video.reformatter import ColorPrimaries, ColorTrc

    assert video._colour_name(16, ColorTrc) == "smpte2084"
    assert video._colour_name(18, ColorTrc) == "arib-std-b67"
    assert video._colour_name(1, ColorPrimaries) == "bt709"
    assert video._colour_name(3, ColorTrc) == "reserved (3)"


# --- a .ts cut in the middle of a group of pictures --------------------------------------------


@pytest.fixture(scope="module")
def cut_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """H.264 in MPEG-TS, a keyframe every 10 frames, copied from its 5th packet on (no re-encoding):
    6 packets come before the next keyframe, which the decoder drops."""
    folder = tmp_path_factory.mktemp("ts")
    frames = source_frames(30)
    full, cut = folder / "full.ts", folder / "cut.ts"
    with av.open(str(full), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"g": "10", "preset": "ultrafast"}
        for img in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode(None))
    with av.open(str(full)) as source, av.open(str(cut), "w", format="mpegts") as out:
        copy = out.add_stream_from_template(source.streams.video[0])
        packets = [p for p in source.demux(source.streams.video[0]) if p.size > 0]
        assert [p.is_keyframe for p in packets[4:10]] == [False] * 6 and packets[10].is_keyframe
        for packet in packets[4:]:
            packet.stream = copy
            out.mux(packet)
    return cut


def test_ts_cut_mid_gop_is_noted(cut_ts: Path, caplog: pytest.LogCaptureFixture) -> None:
    # old: 20 frames with only "covers 2.0 s of 2.6 s declared (truncated or damaged file)"
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clips = [read_video(cut_ts), read_video(cut_ts, fps=5.0), read_video(cut_ts, num_frames=4)]
        info = probe_video(cut_ts)
    for notes in [c.notes for c in clips] + [info.notes]:
        assert notes["packets_before_first_keyframe"] == 6
        assert notes["leading_frames_not_decoded"] == 6
    assert len(clips[0]) == info.num_frames == 20
    assert "cut.ts" in caplog.text and "first keyframe" in caplog.text


def test_ts_starting_at_a_keyframe_has_no_note(cut_ts: Path) -> None:
    clip = read_video(cut_ts.with_name("full.ts"), fps=5.0)
    assert "leading_frames_not_decoded" not in clip.notes and len(clip) == 15
