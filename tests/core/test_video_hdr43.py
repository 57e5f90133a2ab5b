"""HDR phone video (HLG, PQ) read by read_video: tone-mapped to SDR BT.709, said in the notes.

The clips are made from a real SDR clip whose frames go through the real BT.2100 transfer
functions (written here from ITU-R BT.2100 / BT.2408), stored as HEVC 10-bit 4:2:0 BT.2020
with the transfer in the stream, as a phone writes them. Shown without tone mapping (read as if
BT.709), PQ frames were dark and flat: grey contrast (std) 23 instead of 51, fast's inliers
49 instead of 176 on this clip.
"""

from __future__ import annotations

import logging
from itertools import islice
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench import video
from camerabench.video import read_video, write_video

SOURCE = Path(__file__).resolve().parents[1] / "data" / "real" / "videos" / "opencv_vtest_digital_pan_right.mp4"
FRAMES = 12  # 1.2 s at 10 fps: fast samples 6 frames at its 5 fps

# ITU-R BT.2100 HLG OETF and PQ constants
HLG_A = 0.17883277
HLG_B = 1 - 4 * HLG_A
HLG_C = 0.5 - HLG_A * np.log(4 * HLG_A)
PQ_M1, PQ_M2 = 2610 / 16384, 2523 / 4096 * 128
PQ_C1, PQ_C2, PQ_C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
# linear BT.709 RGB -> linear BT.2020 RGB (ITU-R BT.2087)
BT709_TO_BT2020 = np.array([[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]])
BT2020_LUMA = np.array([0.2627, 0.6780, 0.0593])
TRC = {"pq": 16, "hlg": 18, "bt709": 1}  # AVCOL_TRC_SMPTE2084, AVCOL_TRC_ARIB_STD_B67, AVCOL_TRC_BT709


def hlg_oetf(e: NDArray[np.float64]) -> NDArray[np.float64]:
    e = np.clip(e, 0.0, 1.0)
    log_part = HLG_A * np.log(np.maximum(12 * e - HLG_B, 1e-12)) + HLG_C
    return np.where(e <= 1 / 12, np.sqrt(3 * e), log_part)


def pq_inverse_eotf(nits: NDArray[np.float64]) -> NDArray[np.float64]:
    y = np.clip(nits / 10000.0, 0.0, 1.0) ** PQ_M1
    return ((PQ_C1 + PQ_C2 * y) / (1 + PQ_C3 * y)) ** PQ_M2


def hdr_signal(rgb: NDArray[np.uint8], kind: str) -> NDArray[np.float64]:
    """R'G'B' (BT.2020, 0..1) a camera writes for an SDR picture: BT.1886 display light, SDR white
    at BT.2408's 203 cd/m2 (PQ) or at HLG's 75 % reference white, scene light by the inverse OOTF."""
    display = (rgb.astype(np.float64) / 255.0) ** 2.4
    lin = np.clip(display @ BT709_TO_BT2020.T, 0.0, None)
    if kind == "pq":
        return pq_inverse_eotf(lin * 203.0)
    if kind == "hlg":
        luma = lin @ BT2020_LUMA
        scene = lin * (np.where(luma > 0, luma, 1.0) ** (1 / 1.2 - 1))[..., None]
        reference = (np.exp((0.75 - HLG_C) / HLG_A) + HLG_B) / 12  # scene light at 75 % signal
        return hlg_oetf(scene * reference)
    assert kind == "bt709"
    return rgb.astype(np.float64) / 255.0  # BT.709 gamma as stored, BT.2020 matrix


def yuv420p10(signal: NDArray[np.float64]) -> NDArray[np.uint16]:
    """BT.2020 non-constant-luminance Y'CbCr, 10-bit limited range, 4:2:0, as one plane stack."""
    kr, kb = BT2020_LUMA[0], BT2020_LUMA[2]
    y = signal @ BT2020_LUMA
    cb, cr = (signal[..., 2] - y) / (2 * (1 - kb)), (signal[..., 0] - y) / (2 * (1 - kr))
    h, w = y.shape

    def half(c: NDArray[np.float64]) -> NDArray[np.float64]:
        return c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    planes = [64 + 876 * y, 512 + 896 * half(cb), 512 + 896 * half(cr)]
    return np.concatenate([np.round(p).ravel() for p in planes]).astype(np.uint16).reshape(-1, w)


def write_hevc10(path: Path, frames: NDArray[np.uint8], kind: str) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx265", rate=10)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p10le"
        cc = stream.codec_context
        cc.color_primaries = cc.colorspace = 9  # BT.2020, BT.2020 non-constant luminance
        cc.color_range, cc.color_trc = 1, TRC[kind]
        stream.options = {"crf": "12", "preset": "ultrafast", "x265-params": "log-level=error"}
        for img in frames:
            frame = av.VideoFrame.from_ndarray(yuv420p10(hdr_signal(img, kind)), format="yuv420p10le")
            frame.color_primaries = frame.colorspace = 9
            frame.color_range, frame.color_trc = 1, TRC[kind]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def grey(frames: NDArray[np.uint8]) -> NDArray[np.float64]:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]).astype(np.float64)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The SDR source (its first frames, H.264) and its PQ, HLG and 10-bit SDR BT.709 versions,
    each read once (building libswscale's colour mapping costs about 1.3 s per transfer; later
    reads of the same format reuse it)."""
    if "libx265" not in av.codecs_available:
        pytest.skip("this PyAV has no libx265 encoder")
    folder = tmp_path_factory.mktemp("hdr43")
    with av.open(str(SOURCE)) as container:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in islice(container.decode(video=0), FRAMES)])
    write_video(folder / "sdr.mp4", frames, fps=10)
    paths = {"sdr": folder / "sdr.mp4"} | {k: write_hevc10(folder / f"{k}.mp4", frames, k) for k in TRC}
    return {"paths": paths, "read": {k: read_video(p) for k, p in paths.items()}}


@pytest.mark.parametrize("kind", ["pq", "hlg"])
def test_hdr_frames_look_like_the_sdr_source(clips: dict[str, Any], kind: str) -> None:
    # shown as stored, PQ frames had grey std 23.2 (SDR 51.0), p99 139 (228), mean error 35 grey
    # levels; HLG std 39.6, p99 178, error 20
    sdr, hdr = clips["read"]["sdr"], clips["read"][kind]
    g_sdr, g_hdr = grey(sdr.frames), grey(hdr.frames)
    assert g_hdr.std() == pytest.approx(g_sdr.std(), rel=0.06)
    assert np.percentile(g_hdr, 99) == pytest.approx(np.percentile(g_sdr, 99), abs=8)
    assert np.abs(hdr.frames.astype(int) - sdr.frames.astype(int)).mean() < 6
    name = {"pq": "PQ (smpte2084)", "hlg": "HLG (arib-std-b67)"}[kind]
    assert hdr.notes == {"hdr_transfer": name, "hdr_tone_mapped": True}


def test_every_reading_path_tone_maps_and_notes(clips: dict[str, Any]) -> None:
    """Streaming (above), sampling by rate (frames skipped) and by count (two passes)."""
    path, whole = clips["paths"]["pq"], clips["read"]["pq"]
    for clip in (read_video(path, fps=5.0), read_video(path, num_frames=4)):
        assert clip.notes == whole.notes == {"hdr_transfer": "PQ (smpte2084)", "hdr_tone_mapped": True}
        assert np.array_equal(clip.frames, whole.frames[clip.indices])


@pytest.fixture(scope="module")
def fast_sdr(clips: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """fast's trajectory and info for the SDR source (shared: one estimate costs 0.6 s)."""
    from camerabench.baselines.geometry.fast import FastPredictor

    return FastPredictor().estimate(clips["paths"]["sdr"])


def test_fast_gives_the_sdr_answer_on_pq(clips: dict[str, Any], fast_sdr: tuple[Any, dict[str, Any]]) -> None:
    # shown as stored: 49 median inliers (SDR 176) on the whole clip; on these 6 sampled frames
    # 75 against 224
    from camerabench.baselines.geometry.fast import FastPredictor
    from camerabench.baselines.geometry.scoring import trajectory_scores

    (t_sdr, i_sdr), (t_pq, i_pq) = fast_sdr, FastPredictor().estimate(clips["paths"]["pq"])
    assert i_pq["median_inliers"] >= 0.85 * i_sdr["median_inliers"]
    s_sdr, s_pq = trajectory_scores(t_sdr), trajectory_scores(t_pq)
    assert max(s_sdr, key=s_sdr.__getitem__) == max(s_pq, key=s_pq.__getitem__)
    assert max(abs(s_pq[p] - s_sdr[p]) for p in s_sdr) < 0.01
    assert i_pq["hdr_transfer"] == "PQ (smpte2084)" and i_pq["hdr_tone_mapped"] is True


def test_hdr_shown_without_tone_mapping_is_warned(
    clips: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A libswscale before FFmpeg 8 cannot tone-map: the frames are as stored, and the clip says so."""
    monkeypatch.setattr(video.av, "library_versions", {**av.library_versions, "libswscale": (8, 3, 100)})
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(clips["paths"]["pq"])
    assert clip.notes["hdr_transfer"] == "PQ (smpte2084)"
    assert clip.notes["hdr_tone_mapped"] is False
    assert "libswscale 8.3.100" in clip.notes["hdr_not_tone_mapped"]
    assert "without tone mapping" in caplog.text and "pq.mp4" in caplog.text
    assert grey(clip.frames).std() < 0.6 * grey(clips["read"]["sdr"].frames).std()  # what it costs


def test_sdr_frames_are_unchanged(clips: dict[str, Any]) -> None:
    """SDR files are converted as before, with no note; 10-bit SDR tagged with BT.2020 primaries
    (as :func:`write_hevc10` tags every clip) has its gamut mapped to BT.709's, and says so."""
    for name in ("sdr", "bt709"):
        clip = clips["read"][name]
        with av.open(str(clips["paths"][name])) as container:
            plain = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
        if name == "sdr":
            assert clip.notes == {}
            assert np.array_equal(clip.frames, plain)
        else:  # BT.2020 primaries with BT.709's transfer: "SDR wide colour gamut"
            assert clip.notes == {"wide_gamut": "BT.2020 (SDR transfer)", "gamut_mapped": True}
            assert not np.array_equal(clip.frames, plain)
            assert np.abs(grey(clip.frames) - grey(plain)).mean() < 8  # the same picture, its colours moved
    real = read_video(SOURCE, fps=5.0, max_side=224)
    with av.open(str(SOURCE)) as container:
        plain = [f.to_ndarray(format="rgb24", width=224, height=168) for f in container.decode(video=0)]
    assert real.notes == {}
    assert np.array_equal(real.frames, np.stack([plain[i] for i in real.indices]))
