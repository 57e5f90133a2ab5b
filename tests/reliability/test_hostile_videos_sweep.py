"""Hostile videos through ``fast`` and the video reader: what a sweep of odd files found.

Each case asserts what the user gets: a run that completes with the file's facts in run.json,
frames chosen without enumerating a damaged file's timeline, an error that names the file and
what is wrong, or cuts only where the shot changes.
"""

from __future__ import annotations

import fractions
import json
import os
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.shots import detect_cuts
from camerabench.baselines.registry import get_predictor
from camerabench.errors import PredictionError, VideoError
from camerabench.jobs import run_predict
from camerabench.runfolder import MethodFolder
from camerabench.synth.generate import render_clip
from camerabench.synth.presets import preset_specs
from camerabench.video import _read_streaming, _TickPicker, read_video, sample_indices, write_video

H, W, N, SHIFT = 96, 128, 20, 3
MS = fractions.Fraction(1, 1000)


def _texture(seed: int, h: int, w: int) -> NDArray[np.uint8]:
    coarse = np.random.default_rng(seed).integers(0, 256, (h // 4 + 1, w // 4 + 1, 3), dtype=np.uint8)
    big = cv2.resize(coarse, (w // 4 * 4 + 4, h // 4 * 4 + 4), interpolation=cv2.INTER_CUBIC)
    return np.asarray(big[:h, :w], dtype=np.uint8)


def _pan(n: int = N) -> NDArray[np.uint8]:
    """Frames of a camera panning right (the picture slides left)."""
    tex = _texture(0, H, W + SHIFT * n)
    return np.stack([tex[:, SHIFT * i : SHIFT * i + W] for i in range(n)])


def _mjpeg(path: Path, frames: list[NDArray[np.uint8]], times_ms: list[int]) -> Path:
    """A Matroska file of JPEG frames (each its own size) with the given presentation times."""
    path.parent.mkdir(parents=True, exist_ok=True)
    encoders: dict[tuple[int, int], Any] = {}
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("mjpeg", rate=10)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt, stream.time_base = "yuvj420p", MS
        for i, (img, t) in enumerate(zip(frames, times_ms, strict=True)):
            size = (img.shape[1], img.shape[0])
            if size not in encoders:
                codec = av.CodecContext.create("mjpeg", "w")
                codec.width, codec.height = size
                codec.pix_fmt, codec.time_base = "yuvj420p", fractions.Fraction(1, 10)
                encoders[size] = codec
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts = i
            for packet in encoders[size].encode(frame):
                packet.stream = stream
                packet.pts, packet.dts, packet.time_base = t, i - 5000, MS
                container.mux(packet)
    return path


# --- display rotation: the notes go to run.json ----------------------------------------------


def test_a_rotated_video_completes_the_run_with_its_rotation_in_run_json(tmp_path: Path) -> None:
    """``display_mirrored`` was a numpy bool: json.dumps failed and the whole run stopped with a
    traceback after the video had been estimated."""
    video = tmp_path / "data" / "videos" / "phone.mp4"
    video.parent.mkdir(parents=True)
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width, stream.pix_fmt = H, W, "yuv420p"
        stream.set_display_rotation(90)
        for img in _pan(12):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    notes = read_video(video, num_frames=2).notes
    assert notes == {"display_rotation_cw_deg": 270, "display_mirrored": False}
    assert type(notes["display_mirrored"]) is bool
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)
    info = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())["video_info"]["phone.mp4"]
    assert info["display_rotation_cw_deg"] == 270 and info["display_mirrored"] is False


# --- a jump in the timestamps ----------------------------------------------------------------

GAP_S = 10**12  # a damaged file's timestamp jump (32,000 years): 5e12 ticks at 5 fps


def test_a_jump_of_years_in_the_timestamps_keeps_the_frames_around_it(tmp_path: Path) -> None:
    """10 frames, a jump of 1e12 s, 10 frames: choosing frames at 5 fps asked numpy for an array
    of every tick (``MemoryError``, 36 TiB) and a frame-by-frame choice counted them one by one."""
    times = [100 * i for i in range(10)] + [GAP_S * 1000 + 100 * i for i in range(10)]
    path = _mjpeg(tmp_path / "gap.mkv", list(_pan()), times)
    expected = [0, 2, 4, 6, 8, 9, 10, 12, 14, 16, 18]  # every other frame, and both sides of the jump
    clip = read_video(path, fps=5.0)
    assert clip.indices.tolist() == expected
    assert clip.timestamps[5:7].tolist() == [0.9, GAP_S]
    streamed = _read_streaming(path, 5.0, None, 3000)
    assert streamed is not None and streamed.indices.tolist() == expected
    assert len(read_video(path, num_frames=6)) == 6


def test_the_frame_by_frame_choice_skips_the_ticks_of_a_gap() -> None:
    times = np.array([0.0, 0.1, 0.2, 1e6, 1e6 + 0.1, 1e6 + 0.35])
    picker = _TickPicker(5.0)
    calls: list[float] = []
    nearer = picker._nearer

    def counted(i: int, tick: float) -> int:
        calls.append(tick)
        return nearer(i, tick)

    picker._nearer = counted  # type: ignore[method-assign]
    chosen = [pos for t in times for pos in picker.push(float(t))] + picker.finish()
    assert sorted(set(chosen)) == sample_indices(times, fps=5.0).tolist() == [0, 2, 3, 4]
    assert len(calls) < 20  # was 5,000,003: one per tick of the gap


# --- frames that change shape ----------------------------------------------------------------


def test_frames_that_change_shape_mid_stream_are_an_error_naming_the_file_and_sizes(tmp_path: Path) -> None:
    """A pan whose last 10 frames are stored as a 96x96 crop were stretched to 128x96 without a
    word, and ``fast`` read the pan as a move right."""
    frames = _pan()
    cropped = [*frames[:10], *(np.ascontiguousarray(f[:, 16:112]) for f in frames[10:])]
    path = _mjpeg(tmp_path / "data" / "videos" / "crop.mkv", cropped, [100 * i for i in range(N)])
    message = r"crop\.mkv: the frame size changes from 128x96 to 96x96, another shape"
    for sampling in ({"fps": 5.0}, {"num_frames": 6}, {}):
        with pytest.raises(VideoError, match=message):
            read_video(path, **sampling)
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (0, 1)
    reason = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())["failures"]["crop.mkv"]
    assert "frames of different shapes cannot be related" in reason


def test_a_stream_that_switches_resolution_keeps_its_shape(tmp_path: Path) -> None:
    frames = _pan()
    halved = [*frames[:10], *(cv2.resize(f, (W // 2, H // 2), interpolation=cv2.INTER_AREA) for f in frames[10:])]
    path = _mjpeg(tmp_path / "switch.mkv", halved, [100 * i for i in range(N)])
    for sampling in ({"fps": 5.0}, {"num_frames": 6}):
        clip = read_video(path, **sampling)
        assert clip.frames.shape[1:] == (H, W, 3)
        np.testing.assert_allclose(clip.frames[-1].mean(), frames[-1].mean(), atol=3)


# --- cuts in small frames --------------------------------------------------------------------

_CLIPS = [(i, s) for i, s in enumerate(preset_specs("hard")) if s.failure_mode in ("exposure_flicker", "scene_cut")]


@pytest.mark.parametrize("size", [(64, 48), (48, 32)])
@pytest.mark.parametrize(("index", "spec"), _CLIPS, ids=[s.name for _, s in _CLIPS])
def test_small_frames_are_cut_only_where_the_shot_changes(tmp_path: Path, size, index, spec) -> None:
    """With the histogram bins of a 320x192 frame, the colour distance between two frames of one
    shot grows as frames shrink: at 64x48 a zoom in and a tilt down under exposure flicker were
    cut (``fast`` then estimated a part of the clip), at 48x32 every clip at several frames."""
    clip = render_clip(spec, 0, index, size, 10.0)
    path = tmp_path / "clip.mp4"
    write_video(path, clip.frames, fps=10, crf=23)
    frames = read_video(path, fps=5.0).frames  # as ``fast`` samples them
    cut = clip.nuisances.get("cut_frame")
    assert detect_cuts(frames) == ([cut // 2] if cut is not None else [])


def test_a_small_slow_pan_is_not_cut_at_every_frame(tmp_path: Path) -> None:
    """A 32x32 pan of 1 px a frame (30 fps, 4 s) was cut at every sampled frame, and ``fast``
    failed listing all of them; now the frames are related (or fail for too little texture)."""
    tex = _texture(5, 32, 32 + 120)
    path = tmp_path / "tiny.mp4"
    write_video(path, np.stack([tex[:, i : i + 32] for i in range(120)]), fps=30, crf=23)
    assert detect_cuts(read_video(path, fps=5.0).frames) == []


# --- a truncated file with one frame left ----------------------------------------------------


def test_a_truncated_file_with_one_frame_left_says_it_is_truncated(tmp_path: Path) -> None:
    full = tmp_path / "full.mp4"
    with av.open(str(full), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width, stream.pix_fmt = H, W, "yuv420p"
        for img in _pan(30):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    assert len(read_video(cut)) == 1
    message = r"cut\.mp4: the video decodes 1 frame of the 30 its container declares \(truncated or damaged file\)"
    with pytest.raises(PredictionError, match=message):
        get_predictor("fast").estimate(cut)
    os.remove(full)
