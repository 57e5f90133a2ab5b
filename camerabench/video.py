"""Video decoding with per-frame timestamps, sampling, resizing, and H.264 encoding (PyAV).

Example:
    >>> import numpy as np, tempfile, os
    >>> frames = np.zeros((10, 32, 48, 3), dtype=np.uint8)
    >>> path = os.path.join(tempfile.mkdtemp(), "x.mp4")
    >>> write_video(path, frames, fps=10)
    >>> clip = read_video(path, max_side=24)
    >>> clip.frames.shape, clip.timestamps[1].round(3)
    ((10, 16, 24, 3), np.float64(0.1))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from camerabench.errors import VideoError
from camerabench.fileio import atomic_open

__all__ = ["VideoClip", "VideoInfo", "probe_video", "read_video", "resize_frames", "sample_indices", "write_video"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    num_frames: int
    fps: float
    width: int
    height: int
    duration_s: float


@dataclass(frozen=True)
class VideoClip:
    """Decoded frames of one video.

    Attributes:
        frames: (N, H, W, 3) uint8 RGB.
        timestamps: (N,) presentation time of each frame in seconds.
        indices: (N,) index of each frame in the full decoded stream.
        native_fps: the stream's average frame rate.
        path: the file decoded.
    """

    frames: NDArray[np.uint8]
    timestamps: NDArray[np.float64]
    indices: NDArray[np.int64]
    native_fps: float
    path: Path

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    @property
    def sampled_fps(self) -> float:
        """Effective frame rate of the sampled frames (native rate if fewer than 2 frames)."""
        if len(self) < 2:
            return self.native_fps
        span = float(self.timestamps[-1] - self.timestamps[0])
        return (len(self) - 1) / span if span > 0 else self.native_fps


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise VideoError(f"{path}: video file not found")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise VideoError(f"{path}: cannot open video ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: no video stream")
    return container


def probe_video(path: str | Path) -> VideoInfo:
    """Frame count, rate and size, by decoding timestamps (exact, not the header's guess)."""
    clip = read_video(path, max_side=16)
    with _open(Path(path)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
    dur = float(clip.timestamps[-1] - clip.timestamps[0]) + 1.0 / clip.native_fps
    return VideoInfo(Path(path), len(clip), clip.native_fps, width, height, dur)


def sample_indices(
    timestamps: NDArray[np.float64], fps: float | None = None, num_frames: int | None = None
) -> NDArray[np.int64]:
    """Indices of the frames to keep.

    Args:
        timestamps: (N,) frame times in seconds, increasing.
        fps: keep the frame nearest to each tick of a clock at this rate, starting at the first
            frame (never more frames than exist; duplicates removed).
        num_frames: keep this many frames evenly spread from first to last (all if fewer).

    Example:
        >>> sample_indices(np.arange(10) / 10.0, fps=5).tolist()
        [0, 2, 4, 6, 8]
        >>> sample_indices(np.arange(10) / 10.0, num_frames=3).tolist()
        [0, 4, 9]
    """
    n = len(timestamps)
    if fps is not None and num_frames is not None:
        raise ValueError("give fps or num_frames, not both")
    if fps is not None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        t0, t1 = float(timestamps[0]), float(timestamps[-1])
        ticks = t0 + np.arange(int(np.floor((t1 - t0) * fps + 1e-6)) + 1) / fps
        idx = np.searchsorted(timestamps, ticks)
        idx = np.clip(idx, 0, n - 1)
        prev = np.clip(idx - 1, 0, n - 1)
        use_prev = np.abs(timestamps[prev] - ticks) <= np.abs(timestamps[idx] - ticks)
        idx = np.where(use_prev, prev, idx)
        return np.unique(idx).astype(np.int64)
    if num_frames is not None:
        if num_frames <= 0:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
        if num_frames >= n:
            return np.arange(n, dtype=np.int64)
        return np.unique(np.round(np.linspace(0, n - 1, num_frames)).astype(np.int64))
    return np.arange(n, dtype=np.int64)


def _target_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def resize_frames(frames: NDArray[np.uint8], max_side: int) -> NDArray[np.uint8]:
    """Resize (N, H, W, 3) frames so the longer side is at most ``max_side`` (area filter)."""
    import cv2  # OpenCV: well-kept, fast area resampling

    _, h, w, _ = frames.shape
    tw, th = _target_size(w, h, max_side)
    if (tw, th) == (w, h):
        return frames
    return np.stack([cv2.resize(f, (tw, th), interpolation=cv2.INTER_AREA) for f in frames])


def read_video(
    path: str | Path,
    fps: float | None = None,
    num_frames: int | None = None,
    max_side: int | None = None,
) -> VideoClip:
    """Decode a video to RGB frames with timestamps.

    Args:
        path: the video file.
        fps: sample at this rate (see :func:`sample_indices`).
        num_frames: sample this many frames evenly.
        max_side: resize so the longer side is at most this many pixels.

    Raises:
        VideoError: the file is missing, cannot be decoded, or has no frames; the message
            names the file.
    """
    path = Path(path)
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate
        native_fps = float(rate) if rate else 0.0
        times: list[float] = []
        images: list[av.VideoFrame] = []
        try:
            for frame in container.decode(stream):
                t = frame.time
                times.append(float(t) if t is not None else float("nan"))
                images.append(frame)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: corrupt video stream after {len(images)} frames ({exc})") from exc
    if not images:
        raise VideoError(f"{path}: the video has no decodable frames")
    ts = np.asarray(times, dtype=np.float64)
    if not np.all(np.isfinite(ts)):  # streams without timestamps: use the nominal rate
        if native_fps <= 0:
            raise VideoError(f"{path}: frames carry no timestamps and the stream has no frame rate")
        ts = np.arange(len(images)) / native_fps
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    if native_fps <= 0:
        native_fps = (len(ts) - 1) / float(ts[-1] - ts[0]) if len(ts) > 1 and ts[-1] > ts[0] else 1.0
    keep = sample_indices(ts, fps=fps, num_frames=num_frames)
    first = images[int(order[0])]
    tw, th = _target_size(first.width, first.height, max_side)
    frames: NDArray[np.uint8] = np.stack(
        [images[int(order[i])].to_ndarray(format="rgb24", width=tw, height=th) for i in keep]
    ).astype(np.uint8, copy=False)
    return VideoClip(frames, ts[keep], keep, native_fps, path)


def write_video(path: str | Path, frames: NDArray[np.uint8], fps: float, crf: int = 18, preset: str = "medium") -> None:
    """Encode (N, H, W, 3) uint8 RGB frames as H.264 mp4 (yuv420p), atomically and deterministically.

    Odd widths or heights are cropped by one pixel (yuv420p needs even sizes).
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"frames must be a non-empty (N, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    h, w = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    rate = Fraction(fps).limit_denominator(1001)
    with atomic_open(path, "wb") as fh, av.open(fh, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        # mbtree=0: libx264's macroblock-tree rate control with frame threads gives different
        # bits run to run; without it the same frames always encode to the same video.
        stream.options = {"crf": str(crf), "preset": preset, "x264-params": "mbtree=0"}
        stream.thread_type = "AUTO"
        for img in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h, :w]), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
