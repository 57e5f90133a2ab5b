"""R21 hostile videos: a dithered animated GIF, an animated WebP, a VFR file with one repeated
timestamp."""

from __future__ import annotations

import fractions
import logging
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from camerabench.baselines.geometry.shots import cut_distances, detect_cuts
from camerabench.errors import VideoError
from camerabench.video import read_video


def _texture(h: int = 120, w: int = 400) -> np.ndarray:
    """A smooth, colourful scene wider than the frame (a pan slides across it)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack(
        [
            128 + 90 * np.sin(x / 17.0) * np.cos(y / 23.0),
            128 + 80 * np.sin(x / 29.0 + y / 31.0),
            128 + 70 * np.cos(x / 11.0 - y / 37.0),
        ],
        axis=-1,
    )
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _pan(n: int = 20, width: int = 160, step: int = 6) -> list[np.ndarray]:
    scene = _texture()
    return [np.ascontiguousarray(scene[:, i * step : i * step + width]) for i in range(n)]


def test_a_dithered_gif_pan_is_not_cut_at_every_frame(tmp_path: Path) -> None:
    """PIL's default GIF (a palette per frame, Floyd-Steinberg dithering) read 0.6-0.7 apart: a cut each frame."""
    frames = _pan()
    path = tmp_path / "pan.gif"
    images = [Image.fromarray(f) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=66, loop=0)
    decoded = np.stack([f.to_ndarray(format="rgb24") for f in av.open(str(path)).decode(video=0)])
    # the GIF is the pan: every frame within a few grey levels of its source, on average
    assert float(np.abs(decoded.astype(np.int16) - np.stack(frames)).mean()) < 12.0
    assert detect_cuts(decoded) == []
    # a real cut in the same GIF is still one
    other = [np.ascontiguousarray(255 - f[:, ::-1]) for f in frames[:6]]
    cut_images = [Image.fromarray(f) for f in [*frames[:6], *other]]
    cut_path = tmp_path / "cut.gif"
    cut_images[0].save(cut_path, save_all=True, append_images=cut_images[1:], duration=66, loop=0)
    cut_decoded = np.stack([f.to_ndarray(format="rgb24") for f in av.open(str(cut_path)).decode(video=0)])
    assert detect_cuts(cut_decoded) == [6]
    distances = cut_distances(cut_decoded)
    assert int(np.argmax(distances)) == 5


def _animated_webp(path: Path, frames: list[np.ndarray]) -> Path:
    images = [Image.fromarray(f) for f in frames]
    images[0].save(path, format="WEBP", save_all=True, append_images=images[1:], duration=66, loop=0)
    return path


def test_an_animated_webp_is_named_as_such_not_a_still_image(tmp_path: Path) -> None:
    path = _animated_webp(tmp_path / "anim.webp", _pan(6))
    assert b"ANMF" in path.read_bytes()
    with pytest.raises(VideoError, match=r"anim\.webp: an animated WebP \(6 frame\(s\).*cannot decode.*convert"):
        read_video(path, fps=5.0)
    still = tmp_path / "still.webp"
    Image.fromarray(_pan(1)[0]).save(still, format="WEBP")
    with pytest.raises(VideoError, match=r"still\.webp: a still image \(webp\), not a video"):
        read_video(still, fps=5.0)


def _with_times(path: Path, frames: list[np.ndarray], times_ms: list[int]) -> Path:
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.time_base = fractions.Fraction(1, 1000)
        for img, t in zip(frames, times_ms, strict=True):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = t, fractions.Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_one_repeated_timestamp_keeps_a_vfr_files_timing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A 20 s pause and one timestamp rounded onto its neighbour's: the frames were re-timed at 30 fps."""
    times = [round(1000 * i / 30) for i in range(20)] + [20_000 + round(1000 * i / 30) for i in range(20)]
    times[25] = times[24]  # the rounding collision
    path = _with_times(tmp_path / "vfr.mkv", _pan(40, step=3), times)
    with caplog.at_level(logging.WARNING):
        clip = read_video(path, fps=5.0)
    assert "1 of 40 frames repeat another frame's timestamp" in caplog.text
    assert "placed evenly after its timestamp, before the next frame's" in caplog.text
    assert clip.notes["timestamps_repeated"] == 1
    # the real timing: the last frame at 20.633 s, not 40 frames at 30 fps (1.3 s)
    assert times[-1] / 1000 - 0.2 < clip.timestamps[-1] <= times[-1] / 1000
    assert clip.timestamps[1] == pytest.approx(0.2, abs=0.02)  # before the pause: the file's own times
    assert np.all(np.diff(clip.timestamps) > 0)
