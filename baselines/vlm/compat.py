"""The one place for CPU-environment workarounds around Qwen-VL (2.5 and 3) in transformers 5.

Why this module exists
----------------------
transformers' Qwen2.5-VL and Qwen3-VL *video* processors (``Qwen2VLVideoProcessor``,
``Qwen3VLVideoProcessor``) and their "fast" image processor are built on torchvision
(``torchvision.transforms.v2.functional``); the ``BaseVideoProcessor`` class cannot process a
video without it. On these machines torch is the CPU build, and the torchvision / torchcodec
wheels on PyPI are CUDA builds: installed next to CPU torch they fail at import time
(torchvision registers a fake kernel for its ``torchvision::nms`` operator, which does not exist
when its CUDA extension cannot load). So:

1. camerabench does not depend on torchvision at all. :func:`prepare_video` and
   :func:`prepare_image` reproduce the processor's pixel pipeline in plain torch:
   ``smart_resize`` (imported from transformers, not copied) -> bicubic antialiased resize
   (what torchvision's tensor ``resize`` does on CPU: float interpolation, clamp, round to
   uint8) -> rescale by 1/255 -> normalise with the checkpoint's mean/std -> the Qwen2-VL patch
   layout (the same reshape/permute as ``Qwen2VLVideoProcessor.patchify``, which
   ``Qwen3VLVideoProcessor.patchify`` repeats). Qwen3-VL's video size rule differs: its pixel
   bounds hold for the whole clip, so the frame size is Qwen3-VL's own ``smart_resize(num_frames,
   ...)`` (also imported); see :class:`PixelSpec`. Frames come from
   :func:`camerabench.video.read_video`, never from transformers' video decoders (which would
   need torchcodec/torchvision too), and the caller passes the sampled frame rate explicitly,
   so the temporal rope positions are right: the transformers processor assumes 24 fps
   when it gets no video metadata.
2. If a broken torchvision *is* installed (a CUDA wheel next to CPU torch), merely importing
   parts of transformers crashes. :func:`ensure_transformers_importable` registers stand-in
   schemas for ``torchvision::nms`` / ``torchvision::qnms`` through :mod:`torch.library` before
   transformers imports torchvision, and only when torchvision's own extension cannot load.

Nothing else in the package knows about any of this: the Qwen adapter, the trainer and the
tiny-checkpoint builder call :func:`ensure_transformers_importable` and the two ``prepare_*``
functions and nothing else from here.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from camerabench.baselines.vlm.arch import CLIP_MEAN, CLIP_STD
from camerabench.errors import PredictionError

__all__ = [
    "CLIP_MEAN",
    "CLIP_STD",
    "PixelSpec",
    "VisualInputs",
    "ensure_transformers_importable",
    "patch_timestamps",
    "prepare_image",
    "prepare_video",
    "video_token_count",
]

log = logging.getLogger(__name__)

_STANDINS: list[Any] = []  # keeps the torch.library.Library objects alive


def ensure_transformers_importable() -> None:
    """Make ``import transformers...`` safe next to a broken (CUDA-build) torchvision.

    Does nothing when torchvision is not installed (the usual case here) or when its compiled
    extension loads. Otherwise registers stand-in operator *schemas* (no kernels) for
    ``torchvision::nms`` and ``torchvision::qnms`` so torchvision's import-time fake-kernel
    registrations succeed. camerabench never calls those operators.
    """
    if _STANDINS or "torchvision" in sys.modules:
        return
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    libraries = sorted(package_dir.glob("_C*.so")) + sorted(package_dir.glob("_C*.pyd"))
    for library in libraries:
        try:
            torch.ops.load_library(str(library))
        except (OSError, RuntimeError) as exc:
            log.warning(
                "torchvision's extension %s cannot load next to this torch (%s); registering stand-in operator schemas",
                library.name,
                exc,
            )
            break
        else:
            return  # a working torchvision: nothing to patch
    lib = torch.library.Library("torchvision", "FRAGMENT")
    for schema in (
        "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
        "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    ):
        name = schema.split("(")[0]
        if not hasattr(torch.ops.torchvision, name):
            lib.define(schema)
    _STANDINS.append(lib)


@dataclass(frozen=True)
class PixelSpec:
    """The checkpoint's vision preprocessing parameters.

    Frame size: with ``clip_budget`` False (images, Qwen2.5-VL videos) each frame is resized by
    Qwen2-VL's ``smart_resize`` into ``[min_pixels, max_pixels]``. With ``clip_budget`` True
    (Qwen3-VL videos) the bounds hold for the clip: Qwen3-VL's ``smart_resize(num_frames, ...)``
    with the clip bounds of :meth:`clip_bounds`, which combine the checkpoint's clip bounds with
    the per-frame ones times the number of frames. (Qwen3-VL's rule with a clip bound of
    ``max_pixels * num_frames`` is the per-frame rule: the per-frame cap this package applies
    keeps its meaning for both generations.)

    Attributes:
        patch_size: spatial patch side in pixels (14 for Qwen2.5-VL, 16 for Qwen3-VL).
        temporal_patch_size: frames per temporal patch (2).
        merge_size: spatial merge factor of the vision merger (2): one LLM token per
            ``merge_size**2`` patches.
        min_pixels: lower bound on pixels per frame after resizing.
        max_pixels: upper bound on pixels per frame after resizing (360*420 by default here).
        image_mean: per-channel normalisation mean.
        image_std: per-channel normalisation std.
        clip_budget: resize videos with Qwen3-VL's whole-clip rule (see above).
        clip_min_pixels: lower bound on frames x pixels of a clip (the Qwen3-VL video
            processor's ``size.shortest_edge``); 0 = none.
        clip_max_pixels: upper bound on frames x pixels of a clip (its ``size.longest_edge``);
            None = none.
    """

    patch_size: int = 14
    temporal_patch_size: int = 2
    merge_size: int = 2
    min_pixels: int = 56 * 56
    max_pixels: int = 360 * 420
    image_mean: tuple[float, float, float] = CLIP_MEAN
    image_std: tuple[float, float, float] = CLIP_STD
    clip_budget: bool = False
    clip_min_pixels: int = 0
    clip_max_pixels: int | None = None

    @property
    def factor(self) -> int:
        """Frame sides are rounded to multiples of this many pixels."""
        return self.patch_size * self.merge_size

    def clip_bounds(self, num_frames: int) -> tuple[int, int]:
        """(lower, upper) bound on frames x pixels for a clip of ``num_frames`` frames (``clip_budget``).

        The upper bound is the smaller of the clip cap and ``max_pixels`` per frame; the lower
        bound the larger of the clip floor and ``min_pixels`` per frame, never above the upper.

        Example:
            >>> PixelSpec(min_pixels=0, max_pixels=1000, clip_budget=True, clip_min_pixels=4096,
            ...           clip_max_pixels=10**7).clip_bounds(8)
            (4096, 8000)
        """
        upper = self.max_pixels * num_frames
        if self.clip_max_pixels is not None:
            upper = min(upper, self.clip_max_pixels)
        lower = max(self.clip_min_pixels, self.min_pixels * num_frames)
        return min(lower, upper), upper


@dataclass
class VisualInputs:
    """Model-ready pixels of one video or image (what the processor would return for it).

    Attributes:
        pixel_values: (num_patches, 3 * temporal_patch_size * patch_size**2) float32.
        grid_thw: (3,) patches along time, height and width.
        num_tokens: LLM placeholder tokens for this input (``prod(grid_thw) // merge_size**2``).
        second_per_grid_t: seconds spanned by one temporal patch (``temporal_patch_size / fps``);
            None for an image.
        fps: sampled frame rate of the frames given (None for an image).
        frame_times_s: (N,) timestamps of the frames given (video metadata; empty for an image).
        size_hw: (height, width) after resizing.
        notes: what decoding noticed about the file (``VideoClip.notes``: frames declared vs
            decoded, display rotation), kept for run.json.
    """

    pixel_values: torch.Tensor
    grid_thw: tuple[int, int, int]
    num_tokens: int
    second_per_grid_t: float | None
    fps: float | None
    frame_times_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    size_hw: tuple[int, int] = (0, 0)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def is_video(self) -> bool:
        return self.second_per_grid_t is not None


def _target_size(num_frames: int, height: int, width: int, spec: PixelSpec) -> tuple[int, int]:
    """The processor's resized (height, width): Qwen2-VL's per-frame rule or Qwen3-VL's clip rule.

    Qwen3-VL's rule refuses fewer frames than ``temporal_patch_size``; such a clip is sized as
    the padded clip the model sees (the last frame repeated), as a still image is.
    """
    if not spec.clip_budget:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

        size: tuple[int, int] = smart_resize(
            height, width, factor=spec.factor, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels
        )
        return size
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import smart_resize as clip_smart_resize

    frames = max(num_frames, spec.temporal_patch_size)
    lower, upper = spec.clip_bounds(frames)
    new_h, new_w = clip_smart_resize(
        frames,
        height,
        width,
        temporal_factor=spec.temporal_patch_size,
        factor=spec.factor,
        min_pixels=lower,
        max_pixels=upper,
    )
    return int(new_h), int(new_w)


def _resized(num_frames: int, height: int, width: int, spec: PixelSpec) -> tuple[int, int]:
    """:func:`_target_size`, its refusal as a :class:`PredictionError`."""
    try:
        return _target_size(num_frames, height, width, spec)
    except ValueError as exc:  # transformers' smart_resize refuses e.g. an aspect ratio above 200
        raise PredictionError(f"{width}x{height} frames cannot be resized for the model: {exc}") from exc


def video_token_count(num_frames: int, height: int, width: int, spec: PixelSpec) -> int:
    """The visual tokens :func:`prepare_video` gives ``num_frames`` frames of ``height`` x ``width``
    pixels, computed without any pixels: what a video will cost the prompt, known before decoding it.

    Raises:
        PredictionError: frames the processor's resizing refuses (an aspect ratio above 200).

    Example:
        >>> video_token_count(3, 48, 64, PixelSpec())
        8
    """
    if num_frames < 1 or height < 1 or width < 1:
        raise ValueError(f"num_frames, height and width must be >= 1, got {num_frames}, {height}, {width}")
    new_h, new_w = _resized(num_frames, height, width, spec)
    grid_t = -(-num_frames // spec.temporal_patch_size)  # an odd count is padded with the last frame
    return grid_t * (new_h // spec.patch_size) * (new_w // spec.patch_size) // spec.merge_size**2


def _resize_normalise(frames: NDArray[np.uint8], spec: PixelSpec) -> torch.Tensor:
    """(N, H, W, 3) uint8 -> (N, 3, H', W') float32, resized and normalised."""
    num_frames, height, width, _ = frames.shape
    new_h, new_w = _resized(num_frames, height, width, spec)
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float()
    if (new_h, new_w) != (height, width):
        # torchvision's tensor resize for uint8 bicubic on CPU: float interpolation with
        # antialiasing, clamp to [0, 255], round back to integers.
        video = torch.nn.functional.interpolate(
            video, size=(new_h, new_w), mode="bicubic", antialias=True, align_corners=False
        )
        video = video.clamp_(0, 255).round_()
    mean = torch.tensor(spec.image_mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(spec.image_std, dtype=torch.float32).view(1, 3, 1, 1)
    return (video / 255.0 - mean) / std


def _patchify(video: torch.Tensor, spec: PixelSpec) -> tuple[torch.Tensor, tuple[int, int, int]]:
    """(N, 3, H, W) -> (grid_t * grid_h * grid_w, 3 * T * P * P), Qwen2-VL's patch order.

    The same layout as ``Qwen2VLVideoProcessor.patchify`` (transformers 5); an odd frame count is
    padded by repeating the last frame, as the processor does.
    """
    t_patch, patch, merge = spec.temporal_patch_size, spec.patch_size, spec.merge_size
    if pad := -video.shape[0] % t_patch:
        video = torch.cat([video, video[-1:].expand(pad, -1, -1, -1)], dim=0)
    num_frames, channels, height, width = video.shape
    grid_t, grid_h, grid_w = num_frames // t_patch, height // patch, width // patch
    patches = video.reshape(grid_t, t_patch, channels, grid_h // merge, merge, patch, grid_w // merge, merge, patch)
    patches = patches.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
    flat = patches.reshape(grid_t * grid_h * grid_w, channels * t_patch * patch * patch)
    return flat.contiguous(), (grid_t, grid_h, grid_w)


def prepare_video(
    frames: NDArray[np.uint8], sampled_fps: float, spec: PixelSpec, frame_times_s: NDArray[np.float64] | None = None
) -> VisualInputs:
    """Pixels of a video for Qwen2.5-VL or Qwen3-VL (``spec`` says which).

    Args:
        frames: (N, H, W, 3) uint8 RGB, already sampled (e.g. 8 fps by ``read_video``).
        sampled_fps: the rate of ``frames`` in frames per second (video metadata); sets the
            temporal rope spacing through ``second_per_grid_t = temporal_patch_size / fps``
            (Qwen2.5-VL) and the default frame times.
        spec: the checkpoint's preprocessing parameters.
        frame_times_s: (N,) frame timestamps (default ``arange(N) / sampled_fps``): video
            metadata, and the source of Qwen3-VL's ``<t seconds>`` prompt text
            (:func:`patch_timestamps`).

    Raises:
        PredictionError: frames the processor's resizing refuses (an aspect ratio above 200).

    Example:
        >>> frames = np.zeros((3, 48, 64, 3), dtype=np.uint8)
        >>> v = prepare_video(frames, 8.0, PixelSpec())
        >>> v.grid_thw, v.num_tokens, v.second_per_grid_t, tuple(v.pixel_values.shape)
        ((2, 4, 4), 8, 0.25, (32, 1176))
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"frames must be a non-empty (N, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    if not (np.isfinite(sampled_fps) and sampled_fps > 0):
        raise ValueError(f"sampled_fps must be positive, got {sampled_fps}")
    video = _resize_normalise(frames, spec)
    pixels, grid = _patchify(video, spec)
    times = np.asarray(frame_times_s if frame_times_s is not None else np.arange(len(frames)) / sampled_fps)
    return VisualInputs(
        pixel_values=pixels,
        grid_thw=grid,
        num_tokens=grid[0] * grid[1] * grid[2] // spec.merge_size**2,
        second_per_grid_t=spec.temporal_patch_size / float(sampled_fps),
        fps=float(sampled_fps),
        frame_times_s=times.astype(np.float64),
        size_hw=(int(video.shape[2]), int(video.shape[3])),
    )


def patch_timestamps(frame_times_s: NDArray[np.float64], temporal_patch_size: int = 2) -> list[float]:
    """Seconds of each temporal patch, from the first frame: the mean of its first and last frame's time.

    Qwen3-VL's processor writes these into the prompt (``Qwen3VLProcessor._calculate_timestamps``
    on ``frames_indices / fps``: an odd count repeats the last frame); here they come from the
    decoded frames' own times, relative to the first frame (the processor counts frame indices
    from the start of the video, and camerabench decodes from the start).

    Example:
        >>> patch_timestamps(np.array([0.0, 0.125, 0.25]))
        [0.0625, 0.25]
    """
    times = np.asarray(frame_times_s, dtype=np.float64)
    if times.ndim != 1 or len(times) == 0:
        raise ValueError(f"frame_times_s must be a non-empty 1-D array, got shape {times.shape}")
    times = times - times[0]
    if pad := -len(times) % temporal_patch_size:
        times = np.concatenate([times, np.repeat(times[-1:], pad)])
    groups = times.reshape(-1, temporal_patch_size)
    return [float((g[0] + g[-1]) / 2) for g in groups]


def prepare_image(frame: NDArray[np.uint8], spec: PixelSpec) -> VisualInputs:
    """Pixels of one image (a frame used as a picture, e.g. by DiffSW captioning).

    The image processor tiles a still image over the temporal patch; padding the single frame
    to ``temporal_patch_size`` frames does exactly that. Raises :class:`PredictionError` as
    :func:`prepare_video` does.

    Example:
        >>> v = prepare_image(np.zeros((48, 64, 3), dtype=np.uint8), PixelSpec())
        >>> v.grid_thw, v.num_tokens, v.is_video
        ((1, 4, 4), 4, False)
    """
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[-1] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be an (H, W, 3) uint8 array, got {frame.shape} {frame.dtype}")
    image = _resize_normalise(frame[None], spec)
    pixels, grid = _patchify(image, spec)
    return VisualInputs(
        pixel_values=pixels,
        grid_thw=grid,
        num_tokens=grid[0] * grid[1] * grid[2] // spec.merge_size**2,
        second_per_grid_t=None,
        fps=None,
        size_hw=(int(image.shape[2]), int(image.shape[3])),
    )
