"""Round 45 sweep of read_video / probe_video: a cut at the start of a stream said in one warning,
Dolby Vision profile 5 said by probe_video too, text files and cut-off MP4 headers refused as such.

Checked and already right (no test here, nothing changed): an HDR (PQ) clip with a 90-degree
display matrix is tone-mapped, then turned (frames equal the unturned clip's, rotated, on every
reading path); a VFR phone clip with a 2 s freeze and a rotation keeps its times and is turned;
a subtitle stream ahead of the video in Matroska; a cover picture (``attached_pic``) beside the
film in MP4; 1x1, 2x4097 and 4097x2 frames; a 0-byte file (``cannot open video``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import av
import pytest

from camerabench.errors import VideoError
from camerabench.video import check_video, probe_video, read_video, write_video

from .test_video_dv_ts import cut_ts, dolby_vision, hevc, source_frames  # noqa: F401  (fixtures)

SAMPLINGS = [{}, {"fps": 5.0}, {"num_frames": 4}]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- a stream cut before its first keyframe: one warning, not a second blaming a truncated file ---


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_a_ts_cut_mid_gop_is_one_warning_that_explains_the_duration(
    cut_ts: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    sampling: dict[str, float],
) -> None:
    # old: also "the video's 20 decoded frames cover 2.00 s but the stream declares 2.60 s
    # (truncated or damaged file)": the file is whole, its start lies before the first keyframe
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(cut_ts, **sampling)
    (message,) = _warnings(caplog)
    assert "cut.ts" in message and "first keyframe" in message
    assert "cover 2.00 s of the 2.60 s the stream declares" in message
    assert "truncated" not in caplog.text
    # the first frame shown is the source's frame 10 (its first keyframe after the cut), at 1.0 s of
    # the container's clock: the times count from it (R33), the start is noted
    assert clip.notes == {"packets_before_first_keyframe": 6, "leading_frames_not_decoded": 6, "start_time_s": 1.0}
    assert clip.timestamps[0] == 0.0


def test_probing_a_ts_cut_mid_gop_is_one_warning(cut_ts: Path, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        info = probe_video(cut_ts)
    assert len(_warnings(caplog)) == 1 and "truncated" not in caplog.text
    assert "seconds_declared" not in info.notes and info.notes["leading_frames_not_decoded"] == 6


@pytest.fixture(scope="module")
def cut_mp4(cut_ts: Path) -> Path:  # noqa: F811
    """The cut stream's packets in MP4 (no edit list): the container declares 26 frames, 20 decode."""
    path = cut_ts.with_name("cut.mp4")
    with av.open(str(cut_ts)) as source, av.open(str(path), "w", format="mp4") as out:
        copy = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.size > 0:
                packet.stream = copy
                out.mux(packet)
    return path


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_an_mp4_cut_mid_gop_is_not_reported_truncated(
    cut_mp4: Path, caplog: pytest.LogCaptureFixture, sampling: dict[str, float]
) -> None:
    # old: also "decoded 20 frames but the container declares 26 (truncated or damaged file)"
    # and ``frames_declared``, which the geometric methods repeat as "truncated or damaged file"
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(cut_mp4, **sampling)
    (message,) = _warnings(caplog)
    assert "cut.mp4" in message and "why the container declares 26 frames" in message
    assert "truncated" not in caplog.text and "frames_declared" not in clip.notes
    assert clip.notes["leading_frames_not_decoded"] == 6


# --- Dolby Vision profile 5 said by probe_video, once per call -----------------------------------


def test_probe_video_notes_dolby_vision_profile5(
    dolby_vision: dict[str, Path],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    # old: transfer "unspecified" and no note: nothing said the colours are not BT.709
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        info = probe_video(dolby_vision["dv"])
    assert info.notes["dolby_vision"] == "profile 5 (IPT-PQ-C2)"
    assert "libplacebo" in info.notes["colours_not_bt709"]
    assert [m for m in _warnings(caplog) if "Dolby Vision" in m] != []
    assert probe_video(dolby_vision["plain"]).notes == {}


@pytest.mark.parametrize("sampling", SAMPLINGS)
def test_reading_dolby_vision_warns_once(
    dolby_vision: dict[str, Path],  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    sampling: dict[str, float],
) -> None:
    """num_frames scans the file first (as probe_video does), then converts: said once."""
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(dolby_vision["dv"], **sampling)
    assert len([m for m in _warnings(caplog) if "Dolby Vision" in m]) == 1
    assert clip.notes["dolby_vision"] == "profile 5 (IPT-PQ-C2)"


# --- files that are no video ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["notes.txt", "release.nfo"])
def test_a_text_file_is_refused_not_rendered_as_frames(tmp_path: Path, name: str) -> None:
    # old: FFmpeg's tty demuxer drew the characters: a 640x400 "video" of 7 frames at 25 fps
    path = tmp_path / name
    path.write_text("This is not a video, only a note kept beside the clips.\n" * 20)
    for reader in (read_video, probe_video, check_video):
        with pytest.raises(VideoError, match=rf"{name}: a text file"):
            reader(path)


def test_an_mp4_cut_inside_its_header_says_so(tmp_path: Path) -> None:
    # old: "no video stream", as for a sound file; the moov box is there, cut off
    source = tmp_path / "src.mp4"
    write_video(source, source_frames(5, (64, 48)), fps=10)
    data = source.read_bytes()
    moov = data.find(b"moov") - 4
    cut = tmp_path / "cut_header.mp4"
    cut.write_bytes(data[: moov + 8])
    with pytest.raises(VideoError, match=r"cut_header\.mp4: no video stream, nor any other, .*moov box\) is cut off"):
        read_video(cut)
