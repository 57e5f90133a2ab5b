"""Review of the per-frame sample aspect ratio (commit 0fb2c15): narrow frames, sampled reads of
a stream whose size and SAR change, the probe's cost, and the truncation hint on non-ISO files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

import camerabench.video as video
from camerabench.video import VideoError, read_video
from tests.core.test_video_sar_changes47 import _frames, _joined


def test_sar_change_on_a_narrow_frame_is_measured(tmp_path: Path) -> None:
    # libswscale refused to make a 16-pixel line 131072 wide: PatchWelcomeError, not a VideoError
    a = _frames(6, 32, 16)
    (tmp_path / "keep").mkdir()
    clip = read_video(_joined(tmp_path / "keep", (a, None), (a[:, :, ::2], Fraction(2))))  # 16x16 at 2:1
    assert clip.frames.shape[1:] == (16, 32, 3)
    assert clip.notes["sample_aspect_ratio_changes"]["ratios"] == ["1:1", "2:1"]
    assert clip.notes["frame_size_changes"]["sizes"] == ["32x16", "16x16"]
    (tmp_path / "shape").mkdir()
    path = _joined(tmp_path / "shape", (_frames(6, 16, 16), None), (_frames(6, 16, 16, 1), Fraction(2)))
    with pytest.raises(VideoError, match=r"from 16x16 to 32x16, another shape.*changed from 1:1 to 2:1"):
        read_video(path)


@pytest.mark.parametrize("how", [{}, {"fps": 3.0}, {"num_frames": 5}, {"num_frames": 7}])
def test_sampled_read_of_a_size_then_sar_change_keeps_each_frames_sar(tmp_path: Path, how: dict[str, float]) -> None:
    # 64x32 at 1:1, 128x64 at no SAR, 64x64 at 2:1: all shown 64x32. The 128x64 frames the decoder
    # returns after reading the 2:1 sequence are tagged 2:1; sampled (two passes) they were read as
    # 256x64 and the clip refused
    a = _frames(6, 128, 64)
    path = _joined(tmp_path, (a[:, ::2, ::2], None), (a, None), (a[:, :, ::2], Fraction(2)))
    clip = read_video(path, **how)  # type: ignore[arg-type]
    assert clip.frames.shape[1:] == (32, 64, 3)
    assert clip.notes["frame_size_changes"]["sizes"] == ["64x32", "128x64", "64x64"]
    assert clip.notes["sample_aspect_ratio_changes"]["ratios"] == ["1:1", "2:1"]
    # each frame read after the first sequence is resized; only the last sequence's are rescaled
    assert clip.notes["sample_aspect_ratio_changes"]["frames_rescaled"] > 0
    assert (
        clip.notes["sample_aspect_ratio_changes"]["frames_rescaled"]
        < clip.notes["frame_size_changes"]["frames_resized"]
    )


def _write(path: Path, sar: Fraction | None, fmt: str | None = None) -> Path:
    with av.open(str(path), "w", format=fmt) as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 64, 32, "yuv420p"
        if sar is not None:
            s.codec_context.sample_aspect_ratio = sar
        for a in _frames(30, 64, 32):
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path


@pytest.mark.parametrize("name,sar", [("plain.mp4", None), ("ana.mp4", Fraction(2)), ("ana.ts", Fraction(4, 3))])
@pytest.mark.parametrize("how", [{}, {"fps": 3.0}, {"num_frames": 4}])
def test_constant_sar_is_never_probed_nor_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, sar: Fraction | None, how: dict[str, float]
) -> None:
    calls: list[int] = []
    measure = video._SarProbe.__call__

    def counted(self: video._SarProbe, frame: av.VideoFrame) -> Fraction:
        calls.append(1)
        return measure(self, frame)

    monkeypatch.setattr(video._SarProbe, "__call__", counted)
    path = _write(tmp_path / name, sar, "mpegts" if name.endswith(".ts") else None)
    clip = read_video(path, **how)  # type: ignore[arg-type]
    assert calls == []
    assert "sample_aspect_ratio_changes" not in clip.notes and "frame_size_changes" not in clip.notes
    assert clip.frames.shape[2] == (64 if sar is None else round(64 * sar))


def test_truncation_hint_only_for_files_that_start_as_iso(tmp_path: Path) -> None:
    # a first "box" of 16 bytes named by no ISO type, then bytes that read as a printable box name
    other = tmp_path / "other.mp4"
    other.write_bytes((16).to_bytes(4, "big") + b"\x01\x02\x03\x04" + bytes(8) + (10**6).to_bytes(4, "big") + b"DATA")
    with pytest.raises(VideoError, match="cannot open video") as err:
        read_video(other)
    assert "box declares" not in str(err.value)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(
        (24).to_bytes(4, "big") + b"ftypisom" + bytes(12) + (10**6).to_bytes(4, "big") + b"mdat" + bytes(100)
    )
    with pytest.raises(VideoError, match="the mdat box declares 1000000 bytes but the file ends 108 bytes into it"):
        read_video(cut)
