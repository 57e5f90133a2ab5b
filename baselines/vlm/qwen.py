"""Qwen2.5-VL or Qwen3-VL as a camera-motion method: VQAScore for yes/no questions, captions, MCQ.

Both generations run through the same code; the checkpoint's ``model_type`` decides what differs
(pixels, how the video appears in the prompt, the model's timing inputs:
:mod:`camerabench.baselines.vlm.arch`).

VQAScore (design.md B6): the prompt is ``"{question} Please only answer Yes or No."`` in one
user turn [video, text] under the checkpoint's chat template (Qwen2.5-VL's adds a default system
prompt, Qwen3-VL's none); the score is the softmax over the full vocabulary of the next-token
logits, read at the token of "Yes" (no leading space). A template that opens a think block after the
assistant header (Qwen3-VL "Thinking" checkpoints) has it closed empty first, so the score is read
at the answer, not at the first thinking token
(:func:`~camerabench.baselines.vlm.checkpoint._close_think_block` says why).

Prefix reuse: every question about a video shares the prompt up to and including the video
tokens. :func:`yes_probabilities` runs that prefix once (the vision tower and the prefix's
language-model pass), keeps its KV cache, and scores the questions in batches from copies of
the cache, with each question's multimodal rope positions computed exactly as a full forward
pass would. :func:`yes_probability_naive` is the one-question full pass it must agree with.

Geometry in the prompt (option ``geometry_run``): the question is preceded by a one-sentence
summary of the camera motion that a geometric method estimated for the clip (the caption
:func:`~camerabench.baselines.geometry.describe.describe_trajectory` writes from that method's
saved trajectory), as the CVPR 2026 follow-up to CameraBench feeds geometric camera features
to a VLM. It is the prompt-level counterpart of the ``fusion`` method (which stacks scores):
the two can be compared on the same runs. The trajectory is read from an existing run (e.g.
``RUN/fast``), so this method never runs the geometric one; a clip without a readable
trajectory there is a recorded failure, not a prompt without the summary.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import dataclasses
import hashlib
import logging
import math
import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import numpy as np
import torch
from numpy.typing import NDArray

from camerabench.baselines.base import MethodKind, Predictor, VideoResult, dataset_video_name
from camerabench.baselines.options import MethodOptions, option
from camerabench.baselines.vlm.checkpoint import (
    DEFAULT_MIN_FRAMES,
    Encoded,
    QwenVL,
    VideoSampling,
    check_checkpoint,
    check_device_name,
    checkpoint_arch,
    checkpoint_layout,
    control_token_in,
    load_qwen_vl,
    processor_sha256,
    read_pixel_spec,
    refuse_blank,
    refuse_control_tokens,
    resolve_device,
    resolve_dtype,
    weights_sha256,
)
from camerabench.baselines.vlm.compat import (
    PixelSpec,
    VisualInputs,
    prepare_image,
    prepare_video,
    video_token_count,
)
from camerabench.baselines.vlm.config import DEFAULT_MAX_PIXELS, DTYPES, check_max_new_tokens
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError, VideoError
from camerabench.labelfiles import CAPTION_QUESTION
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow
from camerabench.trajectory_formats import load_npz
from camerabench.video import (
    VideoClip,
    VideoInfo,
    declared_duration,
    declared_size,
    probe_video,
    read_video,
    sample_indices,
)
from camerabench.video import resized_size as _read_size  # the frame size read_video's max_side gives

__all__ = [
    "ANSWER_SUFFIX",
    "GEOMETRY_HINT",
    "MIN_FRAMES",
    "QwenVLPredictor",
    "caption_video",
    "diffsw_caption",
    "encode_video",
    "geometry_question",
    "geometry_summary",
    "refuse_too_long",
    "reply_end_ids",
    "told_rate",
    "vqa_prompt",
    "yes_probabilities",
    "yes_probability_naive",
]

log = logging.getLogger(__name__)

ANSWER_SUFFIX = "Please only answer Yes or No."
YES = "Yes"


def vqa_prompt(question: str) -> str:
    """The VQAScore prompt text.

    Example:
        >>> vqa_prompt("Does the camera pan to the left?")
        'Does the camera pan to the left? Please only answer Yes or No.'
    """
    return f"{question} {ANSWER_SUFFIX}"


#: How the geometric summary is introduced before the question.
GEOMETRY_HINT = "Geometric estimate of the camera motion: {summary}"


def geometry_question(question: str, summary: str) -> str:
    """The question preceded by the geometric motion summary (the VQA suffix is added later).

    Example:
        >>> print(geometry_question("Does the camera pan to the left?", "The camera pans left."))
        Geometric estimate of the camera motion: The camera pans left. Does the camera pan to the left?
    """
    return f"{GEOMETRY_HINT.format(summary=summary)} {question}"


def geometry_summary(method_dir: str | Path, video: str) -> str:
    """The motion caption of ``video``'s trajectory saved in a geometric method folder.

    Raises:
        PredictionError: no trajectory of that video there (the method failed on it or never
            ran), or an unreadable one.
    """
    from camerabench.baselines.geometry.describe import describe_trajectory

    path = MethodFolder(Path(method_dir)).trajectory(video)
    if not path.is_file():
        raise PredictionError(f"{video}: no trajectory in {method_dir} for the geometry prompt (expected {path})")
    try:
        traj = load_npz(path)
    except FileFormatError as exc:
        raise PredictionError(f"{video}: unreadable trajectory for the geometry prompt: {exc}") from exc
    try:
        return describe_trajectory(traj)
    except PredictionError as exc:  # said nothing of which file, nor that it is the geometry prompt's
        raise PredictionError(f"{video}: trajectory {path} cannot be described for the geometry prompt: {exc}") from exc


def encode_video(
    vl: QwenVL, video_path: str | Path, sample_fps: float = 8.0, max_side: int | None = None
) -> VisualInputs:
    """Decode with camerabench's video reader at ``sample_fps`` and prepare the model's pixels.

    The sampled frame rate (video metadata, :func:`told_rate`) travels with the pixels, so temporal
    positions follow real time. A clip shorter than the checkpoint's ``min_frames`` ticks of the
    clock (:attr:`QwenVL.sampling`, default :data:`MIN_FRAMES`) is given that many frames evenly
    spread, and one longer than its ``max_frames`` (when it sets one) that many
    (:func:`_read_sampled`); an odd count is padded with the last frame.

    The video's length is measured first (:func:`refuse_too_long`): one whose frames alone take
    more positions than the model has is refused before any frame is kept.

    Raises:
        VideoError: the file cannot be decoded.
        PredictionError: frames the model cannot take (an aspect ratio above 200), or more of them
            than fit in the model's positions.
    """
    _check_fps(sample_fps, "sample_fps")
    with _warned_once():  # probe_video and read_video warn about the same damaged timing
        info = refuse_too_long(vl, video_path, sample_fps, vl.spec, max_side=max_side)
        clip, notes = _read_sampled(video_path, sample_fps, max_side, vl.sampling, info)
    return _prepare_clip(vl, clip, sample_fps, vl.spec, video_path, notes)


#: The fewest frames a video is given to the model when the checkpoint's video processor sets no
#: ``min_frames`` (:data:`~camerabench.baselines.vlm.checkpoint.DEFAULT_MIN_FRAMES`: transformers
#: 5.25's ``Qwen2VLVideoProcessor`` and ``Qwen3VLVideoProcessor`` default, 4); a checkpoint's own
#: is :attr:`QwenVL.sampling` (:func:`~camerabench.baselines.vlm.checkpoint.read_video_sampling`).
MIN_FRAMES = DEFAULT_MIN_FRAMES


def _read_sampled(
    video_path: str | Path,
    fps: float,
    max_side: int | None,
    sampling: VideoSampling | None = None,
    info: VideoInfo | None = None,
) -> tuple[VideoClip, dict[str, Any]]:
    """The frames the model gets: ``read_video`` at ``fps``, held between the checkpoint's frame
    counts (``sampling``, default transformers' :data:`MIN_FRAMES` and no cap) as Qwen's video
    processors hold theirs:

    - fewer than ``min_frames`` ticks of a video that has more frames: up to ``min_frames`` frames
      evenly spread from its first to its last. A clip of 2 frames at 25 fps (0.08 s) read at 8 fps
      gave the model its first frame alone, padded to a temporal patch of two identical frames: no
      motion to see, and the second frame dropped without a word.
    - more than ``max_frames`` ticks (a checkpoint that sets ``max_frames``): ``max_frames`` frames
      evenly spread from the first to the last. Counted from ``info`` (:func:`refuse_too_long`'s
      probe) or the header's duration when that settles it; otherwise the video is probed first (a
      decoding pass that keeps no frame), so memory stays bounded by ``max_frames``.

    The clip's notes (returned as a copy) say when either applied: ``frames_at_sample_fps`` (the ticks'
    count) and ``frames_sampled_evenly``, with ``max_frames`` when it was the cap.
    """
    sampling = sampling or VideoSampling()
    cap = sampling.max_frames
    if cap is not None:
        if info is None and not _header_keeps_at_most(video_path, fps, cap):
            info = probe_video(video_path)
        if info is not None and _sampled_count(info, fps) > cap:
            even = read_video(video_path, num_frames=cap, max_side=max_side)
            notes = {**even.notes, "frames_at_sample_fps": _sampled_count(info, fps)}
            return even, {**notes, "frames_sampled_evenly": len(even), "max_frames": cap}
    clip = read_video(video_path, fps=fps, max_side=max_side)
    notes = dict(clip.notes)
    if cap is not None and len(clip) > cap:  # a tick more than counted, or a header understating the length
        keep = np.unique(np.round(np.linspace(0, len(clip) - 1, cap)).astype(int))
        notes.update(frames_at_sample_fps=len(clip), frames_sampled_evenly=len(keep), max_frames=cap)
        clip = dataclasses.replace(
            clip, frames=clip.frames[keep], timestamps=clip.timestamps[keep], indices=clip.indices[keep]
        )
    elif len(clip) < sampling.min_frames:
        even = read_video(video_path, num_frames=sampling.min_frames, max_side=max_side)
        if len(even) > len(clip):
            notes["frames_at_sample_fps"] = len(clip)
            notes["frames_sampled_evenly"] = len(even)
            clip = even
    if len(clip) == 1:  # scored, captioned or answered from a still frame: said, as DiffSW says it
        notes["one_frame_video"] = ONE_FRAME_NOTE
        log.warning(
            "%s: one frame: the model sees a still frame, no motion (its answers are from it)", Path(video_path).name
        )
    return clip, notes


#: The ``one_frame_video`` note of a video the model is given as one still frame (run.json's
#: ``video_info``; DiffSW captions note the same key): its motion questions are answered, but from no motion.
ONE_FRAME_NOTE = "the video has one frame: the model saw that still frame, no motion"


def _header_keeps_at_most(video_path: str | Path, fps: float, frames: int) -> bool:
    """Whether the header's duration (trusted up to :data:`HEADER_DURATION_MARGIN`) says sampling at
    ``fps`` keeps at most ``frames`` frames."""
    declared = declared_duration(video_path)
    return declared is not None and math.floor(HEADER_DURATION_MARGIN * declared * fps) + 2 <= frames


#: How far (in frame intervals of the stream) a sampled frame may lie from its tick of the sampling
#: clock for the clip to count as sampled at the clock's rate (half an interval, and room for the
#: container's rounding of timestamps, e.g. to milliseconds).
TICK_TOLERANCE = 0.6


def told_rate(
    frame_times_s: NDArray[np.float64], sample_fps: float, native_fps: float, sampled_evenly: bool = False
) -> float:
    """The frame rate the model is told for frames sampled at ``sample_fps`` from a ``native_fps`` stream.

    Frames sampled evenly (``sampled_evenly``: the clip's ``frames_sampled_evenly`` note, frames spread
    from the first to the last instead of the clock's ticks) are told their mean rate, ``(N - 1) / span``,
    even where they happen to lie near the clock's ticks (3 frames of a 10 fps clip read at 8 fps lie
    within 0.05 s of the ticks 0, 0.125, 0.25 s, and were told 8 fps instead of their 10).

    When the stream is at least as fast as the clock and every frame lies within
    :data:`TICK_TOLERANCE` of a stream frame interval of its tick (``i / sample_fps`` after the first),
    the frames are the clock's ticks: the rate is ``sample_fps``, the rate Qwen's own processors report
    for a video sampled at it (``VideoMetadata.sampled_fps``, frames over duration). Otherwise (a
    slower stream, all of whose frames are kept; a variable rate; frames sampled evenly) it is the
    frames' mean rate, ``(N - 1) / span``.

    The mean rate of ticks was what the model was told before: the first and last frames' rounding to
    the stream's frames made it 8.036 for 2 s of 30 fps read at 8 fps, and Qwen2.5-VL's temporal
    positions (``floor(t * second_per_grid_t * tokens_per_second)``) fell one step behind at every
    other temporal patch, away from the frames' own times (the clock's exact half steps).

    Example:
        >>> told_rate(np.array([0.0, 0.1333, 0.2333, 0.3667, 0.5]), 8.0, 30.0)
        8.0
        >>> told_rate(np.arange(6) / 5.0, 8.0, 5.0)  # a 5 fps stream: every frame, at its rate
        5.0
        >>> told_rate(np.arange(3) / 10.0, 8.0, 10.0, sampled_evenly=True)  # 3 frames spread evenly
        10.0
    """
    times = np.asarray(frame_times_s, dtype=np.float64)
    if len(times) < 2:
        return float(native_fps)
    span = float(times[-1] - times[0])
    mean = (len(times) - 1) / span if span > 0 else float(native_fps)
    if sampled_evenly or not (native_fps >= sample_fps > 0):
        return mean
    ticks = times[0] + np.arange(len(times)) / sample_fps
    if float(np.max(np.abs(times - ticks))) <= TICK_TOLERANCE / native_fps:
        return float(sample_fps)
    return mean


def _prepare_clip(
    vl: QwenVL, clip: VideoClip, sample_fps: float, spec: PixelSpec, path: str | Path, notes: dict[str, Any]
) -> VisualInputs:
    """The model's pixels of a decoded clip, told its rate (:func:`told_rate`).

    Qwen2.5-VL places the temporal patches on a uniform time axis (``second_per_grid_ts``): frames that
    lie further than half a frame interval from it (a variable frame rate, with stretches slower than
    the sampling clock) are warned about and noted (``frame_time_error_s``), not passed silently.
    """
    rate = told_rate(clip.timestamps, sample_fps, clip.native_fps, sampled_evenly="frames_sampled_evenly" in notes)
    with _naming(path):
        prepared = prepare_video(clip.frames, rate, spec, frame_times_s=clip.timestamps)
    times = clip.timestamps - clip.timestamps[0]
    error = float(np.max(np.abs(times - np.arange(len(times)) / rate))) if len(times) > 1 else 0.0
    if vl.arch.second_per_grid and error > 0.5 / rate:
        log.warning(
            "%s: the %d sampled frames are not evenly spaced (a variable frame rate?): the model places them "
            "%g s apart (%.4g fps), up to %.3g s away from their own times",
            Path(path).name,
            len(times),
            1.0 / rate,
            rate,
            error,
        )
        notes = {**notes, "frame_time_error_s": round(error, 6)}
    return dataclasses.replace(prepared, notes=notes)


def _sampled_count(info: VideoInfo, fps: float) -> int:
    """The frames :func:`~camerabench.video.read_video` keeps of a probed video at ``fps``: the ticks
    within the frames' span (as it counts them), never more than the frames there are."""
    if info.timestamps is not None:  # exact, a file with gaps included (its span counts more ticks)
        return max(1, len(sample_indices(info.timestamps, fps=fps)))
    ticks = math.floor((info.duration_s - 1.0 / info.fps) * fps + 1e-6) + 1
    return max(1, min(ticks, info.num_frames))


#: :func:`_surely_fits` trusts a header's duration up to this factor (a header that understates the
#: length more than this lets a long video be decoded before its prompt is found too long).
HEADER_DURATION_MARGIN = 2.0


def _header_size(video_path: str | Path, max_side: int | None) -> tuple[int, int] | None:
    """(width, height) of the frames :func:`~camerabench.video.read_video` gives, from the stream's
    header (no decoding): its coded size with pixels that are not square stretched to square ones
    (the sample aspect ratio, as read_video does), then ``max_side``. A display rotation is left
    out: it swaps the sides, which changes no frame's pixel count after Qwen's resizing (the rule is
    the same for height and width). None when the header gives no size."""
    size = declared_size(video_path)
    if size is None:
        return None
    width, height = size
    return _read_size(width, height, max_side)


def _max_branch(height: float, width: float, factor: int, pixels: float) -> int:
    """Pixels of a frame that ``smart_resize``'s shrinking branch gives for a ``pixels`` target."""
    beta = math.sqrt(height * width / pixels)
    new_h = max(factor, math.floor(height / beta / factor) * factor)
    return new_h * max(factor, math.floor(width / beta / factor) * factor)


def _min_branch(height: float, width: float, factor: int, pixels: float) -> int:
    """Pixels of a frame that ``smart_resize``'s enlarging branch gives for a ``pixels`` target."""
    beta = math.sqrt(pixels / (height * width))
    return math.ceil(height * beta / factor) * factor * (math.ceil(width * beta / factor) * factor)


def _frame_pixels_bound(width: int, height: int, spec: PixelSpec) -> int:
    """The most pixels a ``width`` x ``height`` frame can have after the processor's resizing,
    whatever the number of frames (:func:`~camerabench.baselines.vlm.compat.video_token_count`'s rule).

    Qwen2.5-VL (per-frame bounds): exactly Qwen2-VL's ``smart_resize`` of the frame. Rounding each
    side to the patch factor makes this more than ``max_pixels`` at extreme aspect ratios (32x1024 at
    ``max_pixels=784``: 28x140 = 3920 pixels, the short side raised to one factor) and, in the
    enlarging branch, more than ``max(min_pixels, max_pixels)`` (29x3569 with Qwen2.5-VL's video bounds
    100352..151200: 56x3528 = 197568).

    Qwen3-VL (``clip_budget``): its ``smart_resize(num_frames, ...)`` sizes the frame by the clip
    bounds of the frame count, with the same shrinking and enlarging formulas for a per-frame target
    (the clip bound over the frame count), each growing with the target. The shrinking target is at
    most ``max_pixels``, the enlarging one at most ``max(clip_min_pixels / 2, min_pixels)`` (and at most
    ``max_pixels``); the size rounded but kept is the outcome only where the clip of rounded frames
    (``round(n / 2) * 2``, down from ``n`` by at most a third for ``n = 3``) fits the upper bound, so
    for a rounded size up to 1.5 ``max_pixels``. The largest of these bounds every frame count.

    Raises:
        PredictionError: frames the resizing refuses (an aspect ratio above 200).
    """
    factor = spec.factor
    if not spec.clip_budget:
        # two frames are one temporal patch: the tokens of one resized frame
        return video_token_count(spec.temporal_patch_size, height, width, spec) * factor**2
    video_token_count(spec.temporal_patch_size, height, width, spec)  # its refusal (aspect ratio)
    h, w = float(height), float(width)
    if height < factor or width < factor:  # Qwen3-VL's smart_resize first scales tiny frames up
        scale = max(factor / height, factor / width)
        h, w = float(int(height * scale)), float(int(width * scale))
    kept = round(h / factor) * factor * (round(w / factor) * factor)
    enlarge = min(max(spec.clip_min_pixels / spec.temporal_patch_size, spec.min_pixels), spec.max_pixels)
    bounds = [_max_branch(h, w, factor, spec.max_pixels)]
    if enlarge > 0:
        bounds.append(_min_branch(h, w, factor, enlarge))
    if 2 * kept <= 3 * spec.max_pixels:
        bounds.append(kept)
    return max(bounds)


def _surely_fits(
    video_path: str | Path,
    fps: float,
    spec: PixelSpec,
    room: int,
    max_side: int | None = None,
    sampling: VideoSampling | None = None,
) -> bool:
    """Whether the video fits in ``room`` positions, judged from its header (no decoding): frames at
    ``fps`` over :data:`HEADER_DURATION_MARGIN` times the declared duration (at least ``min_frames``,
    at most the checkpoint's ``max_frames``), each of at most :func:`_frame_pixels_bound` pixels for
    the header's frame size (:func:`_header_size`).

    ``max(max_pixels, min_pixels)`` pixels a frame was assumed before, which rounding to the patch
    factor exceeds at extreme aspect ratios: such a long video was decoded whole and then refused
    when its prompt was tokenised.

    Raises:
        PredictionError: the header's frame size is one the resizing refuses (an aspect ratio above 200).
    """
    sampling = sampling or VideoSampling()
    declared = declared_duration(video_path)
    if declared is None:
        return False
    size = _header_size(video_path, max_side)
    if size is None:
        return False
    frames = max(math.floor(HEADER_DURATION_MARGIN * declared * fps) + 2, sampling.min_frames)
    if sampling.max_frames is not None:
        frames = min(frames, sampling.max_frames)
    grid_t = -(-frames // spec.temporal_patch_size)
    with _naming(video_path):
        per_frame = _frame_pixels_bound(*size, spec)
    return grid_t * (per_frame // spec.factor**2) <= room


def refuse_too_long(
    vl: QwenVL,
    video_path: str | Path,
    fps: float,
    spec: PixelSpec,
    max_side: int | None = None,
    tokens_before: int = 0,
) -> VideoInfo | None:
    """Refuse, before decoding, a video whose frames at ``fps`` take more positions than the model has.

    The length, frame rate and size come from :func:`~camerabench.video.probe_video` (a decoding
    pass that keeps no frame), the tokens per frame from ``spec``
    (:func:`~camerabench.baselines.vlm.compat.video_token_count`). Decoding first and checking the
    prompt's length afterwards held every sampled frame in memory: an hour of 1080p at 8 fps is
    about 170 GB, which killed the worker instead of failing the video. The refusal counts one frame
    fewer than the estimate (which may differ from the decoder's by one at the end), so that a video
    that fits is not refused here; the full prompt is still checked when it is tokenised. (A damaged
    file whose timestamps jump over a gap is counted by its span, which may be more frames than
    decoding keeps.) The frames are counted as :func:`_read_sampled` keeps them: at least the
    checkpoint's ``min_frames``, at most its ``max_frames`` (:attr:`QwenVL.sampling`).

    Args:
        tokens_before: visual tokens of the prompt's other media (a multiple-choice row's).

    Returns:
        The probe's :class:`~camerabench.video.VideoInfo` when the video was probed (None when its
        header settled that it fits, or the model has no position limit).

    Raises:
        PredictionError: naming the video, its duration, the frames and tokens it would need and
            the model's limit.
    """
    limit = vl.max_positions
    if limit is None:
        return None
    sampling = vl.sampling
    if _surely_fits(video_path, fps, spec, limit - tokens_before, max_side, sampling):
        return None  # the probe decodes the whole video once more: skipped where the header settles it
    info = probe_video(video_path)
    # :func:`_read_sampled`'s floor: counted at the clock's ticks only, a short clip fitted here
    frames = max(_sampled_count(info, fps), min(sampling.min_frames, info.num_frames))
    if sampling.max_frames is not None:
        frames = min(frames, sampling.max_frames)
    width, height = _read_size(info.width, info.height, max_side)
    with _naming(video_path):
        fewest = video_token_count(max(1, frames - 1), height, width, spec)
        if tokens_before + fewest <= limit:
            return info
        tokens = video_token_count(frames, height, width, spec)
    others = f" (and {tokens_before} of the prompt's other media)" if tokens_before else ""
    raise PredictionError(
        f"{Path(video_path).name}: {info.duration_s:.1f} s of {info.width}x{info.height} video at {fps:g} fps "
        f"is {frames} frames, {tokens} visual tokens{others}, more than the {limit} positions of {vl.path} "
        "(config.json max_position_embeddings); not decoded: lower the frame rate, the pixels per frame or "
        "max_side, or cut the video shorter"
    )


def _refuse_unencodable(text: str, what: str) -> None:
    """A text UTF-8 cannot hold (a lone surrogate, as a JSON escape ``"\\ud800"`` reads) made the
    tokenizer fail with "TextEncodeInput must be Union[...]", naming neither the text nor the cause."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PredictionError(
            f"{what} {ascii(text)[:200]} holds a lone surrogate escape at character {exc.start}, not text"
        ) from exc


def _check_fps(fps: float, name: str) -> None:
    """A frame rate must be a positive finite number (the video reader's own check was a bare ValueError)."""
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not (math.isfinite(fps) and fps > 0):
        raise CameraBenchError(f"{name} must be a positive finite number, got {fps!r}")


@contextlib.contextmanager
def _naming(path: str | Path) -> Iterator[None]:
    """Prefix the file name to a :class:`PredictionError` of the pixel preparation (which sees frames only)."""
    try:
        yield
    except PredictionError as exc:
        raise PredictionError(f"{Path(path).name}: {exc}") from exc


@torch.inference_mode()
def yes_probability_naive(vl: QwenVL, video: VisualInputs, question: str) -> float:
    """P("Yes") from one full forward pass over the whole prompt (the reference computation)."""
    refuse_blank(question, "the question")
    _refuse_unencodable(question, "the question")
    enc = vl.encode([video, vqa_prompt(question)])
    out = vl.model(**vl.model_inputs([enc]), use_cache=False, logits_to_keep=1)
    probs = torch.softmax(out.logits[0, -1].float(), dim=-1)
    return float(probs[vl.token_id(YES)])


def _split_prefix(vl: QwenVL, video: VisualInputs) -> tuple[str, str, str]:
    """The rendered prompt as (shared prefix ending with the video, text before the question, text after it).

    The split sits right after the last
    ``<|vision_end|>`` (a special token), so tokenising the two halves separately gives the
    same ids as tokenising the whole prompt. (Qwen3-VL's per-patch timestamps are added when
    the prefix is tokenised, so they belong to the prefix.)
    """
    marker = "\x00QUESTION\x00"
    text = vl.render([video, marker])
    before, after = text.split(marker)
    cut = before.rfind("<|vision_end|>")
    if cut < 0:
        raise CameraBenchError(f"{vl.path}: the chat template does not close the video with <|vision_end|>")
    cut += len("<|vision_end|>")
    return before[:cut], before[cut:], after


@torch.inference_mode()
def yes_probabilities(vl: QwenVL, video: VisualInputs, questions: list[str], batch_size: int = 16) -> list[float]:
    """P("Yes") for every question, encoding the video prefix once (KV cache) and batching questions.

    Args:
        vl: the loaded model.
        video: prepared pixels of the video.
        questions: question texts (without the answer suffix).
        batch_size: questions per forward pass.

    Returns:
        One probability per question, in order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise CameraBenchError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not questions:
        return []
    for q in questions:
        refuse_blank(q, "the question")
        _refuse_unencodable(q, "the question")
        refuse_control_tokens(q, "the question")
    yes_id = vl.token_id(YES)  # before any work
    prefix_text, head, after = _split_prefix(vl, video)
    prefix = vl.tokenize(prefix_text, [video])
    model_in = vl.model_inputs([prefix])
    out = vl.model(**model_in, use_cache=True, logits_to_keep=1)
    prefix_cache = out.cache
    n_prefix = len(prefix)
    pad_id = vl.im_end_id
    tails = [
        torch.tensor(vl.tokenizer.encode(head + vqa_prompt(q) + after, add_special_tokens=False), dtype=torch.long)
        for q in questions
    ]
    longest = max(len(t) for t in tails)
    vl.check_length(n_prefix + longest, video.num_tokens)
    scores: list[float] = []
    for start in range(0, len(questions), batch_size):
        chunk = tails[start : start + batch_size]
        length = max(len(t) for t in chunk)
        ids = torch.full((len(chunk), length), pad_id, dtype=torch.long)
        positions = torch.zeros((3, len(chunk), length), dtype=torch.long)
        for i, tail in enumerate(chunk):
            ids[i, : len(tail)] = tail
            # exact positions of this question's tokens in the full prompt (video rope included)
            full = Encoded(
                torch.cat([prefix.input_ids, tail]),
                torch.cat([prefix.mm_token_type_ids, torch.zeros_like(tail)]),
                prefix.visuals,
            )
            pos = vl.rope_positions(full)[:, n_prefix:].cpu()
            positions[:, i, : len(tail)] = pos
            # right padding: pad positions continue the sequence; causal attention hides them
            positions[:, i, len(tail) :] = pos[:, -1:] + torch.arange(1, length - len(tail) + 1)
        cache = copy.deepcopy(prefix_cache)
        cache.batch_repeat_interleave(len(chunk))
        logits = vl.model(
            input_ids=ids.to(vl.device),
            position_ids=positions.to(vl.device),
            cache=cache,
            use_cache=True,
        ).logits
        last = torch.tensor([len(t) - 1 for t in chunk], device=logits.device)
        probs = torch.softmax(logits[torch.arange(len(chunk), device=logits.device), last].float(), dim=-1)
        scores.extend(float(p) for p in probs[:, yes_id])
    return scores


def _refuse_nan_logits(input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """A generation logits processor: NaN or +inf next-token logits (broken weights or inputs) would be
    decoded as a reply made of arbitrary tokens; raise instead. (-inf is a suppressed token.)"""
    if bool(torch.isnan(scores).any() or torch.isposinf(scores).any()):
        raise PredictionError(f"non-finite next-token logits after {input_ids.shape[-1]} tokens: no reply")
    return scores


def reply_end_ids(vl: QwenVL) -> list[int]:
    """The tokens that end a reply: ``<|im_end|>`` (the end of the assistant turn) and the
    checkpoint's configured end tokens."""
    configured = getattr(vl.model.generation_config, "eos_token_id", None)
    ids = configured if isinstance(configured, list) else [configured] if configured is not None else []
    return list(dict.fromkeys([vl.im_end_id, *(int(i) for i in ids)]))


#: caption_run.json's ``video_info[video]`` key of a caption the model had not finished when it
#: reached ``max_new_tokens`` (no end token): the caption is kept as written, cut at that many
#: tokens, and the key holds the number. For a DiffSW caption it is the summary (the caption) that
#: was cut; :data:`DIFFSW_CUT_KEY` counts the key-frame replies cut on the way.
CUT_KEY = "cut_at_max_new_tokens"
#: caption_run.json's ``video_info[video]`` key: how many DiffSW key-frame replies (first-frame
#: caption, differential captions) were cut at ``max_new_tokens`` and fed on as they were.
DIFFSW_CUT_KEY = "diffsw_replies_cut_at_max_new_tokens"

#: Set by :func:`_recording_cuts`: :func:`generate_text` appends, for each reply it returns, whether
#: it was cut at ``max_new_tokens``.
_CUT_REPLIES: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("qwen_vl_cut_replies", default=None)


@contextlib.contextmanager
def _recording_cuts() -> Iterator[list[bool]]:
    """Within the block, each reply :func:`generate_text` returns adds whether it was cut at
    ``max_new_tokens`` to the list yielded (in order of the calls)."""
    cuts: list[bool] = []
    token = _CUT_REPLIES.set(cuts)
    try:
        yield cuts
    finally:
        _CUT_REPLIES.reset(token)


@torch.inference_mode()
def generate_text(vl: QwenVL, content: list[VisualInputs | str], max_new_tokens: int = 256) -> str:
    """Greedy generation for one user turn, up to the end of the assistant's turn.

    Generation stops at ``<|im_end|>`` whatever the checkpoint's generation config lists (one that
    names only ``<|endoftext|>`` let the model write past its turn: a next user turn and more,
    all in the caption), and the reply is cut at the first end token.

    No sampling (``do_sample=False``), but the rest of the checkpoint's ``generation_config.json``
    applies, as in the model's own inference: its ``repetition_penalty``, for instance, and a
    ``num_beams`` above 1 gives beam search.

    The model's positions (``max_position_embeddings``) bound the reply: every generated token
    but the last is fed back to the model, so a prompt of ``n`` tokens leaves room for
    ``limit - n + 1`` of them. When that is fewer than ``max_new_tokens``, generation stops
    there (``transformers`` went on past the limit without a word, on extrapolated rope
    positions); a reply that ends its turn within the room is exactly the one an unbounded
    generation gives (greedy), one that does not is refused rather than returned cut short.

    A reply that had not ended when it reached ``max_new_tokens`` itself (the limit asked for, not
    the model's) is returned cut there; inside :func:`_recording_cuts` it is counted as cut, which
    the ``qwen-vl`` method records with the caption (:data:`CUT_KEY`).

    Raises:
        CameraBenchError: ``max_new_tokens`` is not an integer >= 1, or not below the model's positions
            (it would leave the prompt no room).
        PredictionError: the model's logits are not finite (the reply would be arbitrary tokens),
            the reply is empty, or it had not ended when it reached the model's positions.
    """
    from transformers import LogitsProcessorList

    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise CameraBenchError(f"max_new_tokens must be an integer >= 1, got {max_new_tokens!r}")
    limit = vl.max_positions
    if limit is not None and max_new_tokens > limit - 1:  # before the prompt is encoded
        raise CameraBenchError(
            f"max_new_tokens {max_new_tokens} leaves no room for the prompt within the {limit} positions of "
            f"{vl.path} (config.json max_position_embeddings): give at most {limit - 1}"
        )
    for c in content:
        if isinstance(c, str):
            _refuse_unencodable(c, "the prompt text")
    enc = vl.encode(content)
    inputs = vl.model_inputs([enc])
    ends = reply_end_ids(vl)
    room = max_new_tokens if limit is None else min(max_new_tokens, limit - len(enc) + 1)
    out = vl.model.generate(
        **inputs,
        do_sample=False,
        max_new_tokens=room,
        eos_token_id=ends,
        pad_token_id=vl.tokenizer.pad_token_id if vl.tokenizer.pad_token_id is not None else vl.im_end_id,
        logits_processor=LogitsProcessorList([_refuse_nan_logits]),
    )
    new_tokens = out[0, inputs["input_ids"].shape[1] :].tolist()
    stop = next((i for i, t in enumerate(new_tokens) if t in ends), len(new_tokens))
    if room < max_new_tokens and stop == len(new_tokens) >= room:
        raise PredictionError(
            f"the reply had not ended after {room} tokens, where it reached the {limit} positions of "
            f"{vl.path} (config.json max_position_embeddings) with a prompt of {len(enc)} tokens; "
            f"max_new_tokens={max_new_tokens} would take it past them: shorten the prompt (lower sample_fps, "
            "max_pixels or max_side) to leave the reply room"
        )
    reply = vl.decode(new_tokens[:stop]).strip()
    if not reply:
        # recorded as ok, an empty caption or reply was scored as the model's answer (and fed
        # into the next DiffSW prompt as a description)
        what = (
            "ended its turn at once"
            if stop == 0
            else f"wrote only special tokens or white space ({stop} tokens: "
            f"{vl.tokenizer.convert_ids_to_tokens(new_tokens[: min(stop, 5)])}{' ...' if stop > 5 else ''})"
        )
        raise PredictionError(f"the model's reply is empty: it {what}")
    cuts = _CUT_REPLIES.get()
    if cuts is not None:  # no end token in the max_new_tokens generated (room is max_new_tokens here)
        cuts.append(stop == len(new_tokens) >= room)
    return reply


def caption_video(vl: QwenVL, video: VisualInputs, question: str = CAPTION_QUESTION, max_new_tokens: int = 256) -> str:
    """Whole-video greedy caption: one user turn [video, question]."""
    return generate_text(vl, [video, question], max_new_tokens=max_new_tokens)


DIFFSW_FIRST = "Describe this first frame of a video in detail, including the camera's viewpoint and framing."
DIFFSW_DIFF = (
    "These are two frames of a video: the previous frame at {t_prev:.1f} s and the current frame at {t_cur:.1f} s. "
    "The description of the change up to the previous frame was: {prev}\n"
    "Describe what changed from the previous frame to the current frame: the action, the environment, "
    "the appearance and the camera movement."
)
DIFFSW_SUMMARY = (
    "Below are timed descriptions of a video: a description of its first frame and descriptions of what changed "
    "at later key frames.\n{timeline}\nUsing them, answer in one paragraph: {question}"
)


def _plain(reply: str) -> str:
    """A generated caption fed back into the next DiffSW prompt, without control-token text (which the
    tokenizer would read as control tokens: a reply spelling ``<|im_end|>`` would end the next turn).

    Raises:
        PredictionError: nothing but white space is left (it went into the timeline as an empty
            description, without a word).
    """
    original = reply
    while (token := control_token_in(reply)) is not None:
        reply = reply.replace(token, "")
    if not reply.strip():
        raise PredictionError(f"the model's reply {original[:200]!r} is only control-token text: no description")
    return reply


@contextlib.contextmanager
def _warned_once(logger: str = "camerabench.video") -> Iterator[None]:
    """Hold back the video reader's log records inside the block and emit each distinct message
    once at its end (also when the block raises): a video's timing warnings (frames missing,
    repeated or backward timestamps) came once from :func:`~camerabench.video.probe_video` and
    again from :func:`~camerabench.video.read_video`."""
    target = logging.getLogger(logger)
    held: list[logging.LogRecord] = []

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    target.addFilter(hold)
    try:
        yield
    finally:
        target.removeFilter(hold)
        seen: set[tuple[int, str]] = set()
        for record in held:
            key = (record.levelno, record.getMessage())
            if key not in seen:
                seen.add(key)
                target.handle(record)


#: The video's last frame becomes a DiffSW key frame when it lies more than this share of
#: ``keyframe_interval_s`` after the last tick's key frame (:func:`diffsw_keyframes`). Half an interval:
#: every frame of the video then lies within half an interval of a key frame, as the frames between
#: two ticks do; a last frame closer than that adds a model call for a nearly repeated frame.
DIFFSW_LAST_FRAME_SHARE = 0.5


def diffsw_keyframes(
    frame_times_s: NDArray[np.float64], keyframe_interval_s: float, max_keyframes: int
) -> tuple[NDArray[np.int64], bool]:
    """The DiffSW key frames of a video whose frames lie at ``frame_times_s`` (increasing, every frame):
    (their indices, whether they are spread evenly instead of on the interval's ticks).

    - On the interval: the first frame and the frames at every ``keyframe_interval_s`` after it
      (:func:`~camerabench.video.sample_indices`'s ``fps``: the frame nearest each tick), and the
      video's last frame when it lies more than :data:`DIFFSW_LAST_FRAME_SHARE` of the interval
      after the last tick's frame, or when the ticks gave the first frame alone (a video of two or
      more frames always has its first and last frame as key frames).
    - When that is more than ``max_keyframes``: ``max_keyframes`` frames spread evenly from the first
      frame to the last (``sample_indices``' ``num_frames``).

    Before, key frames were the ticks alone: a 2 s clip at a 1 s interval was shown up to 1.0 s, and
    one shorter than the interval was captioned from its first frame alone.

    Example:
        >>> diffsw_keyframes(np.arange(60) / 30.0, 1.0, 16)[0].tolist()  # last frame 0.97 s after 1.0 s
        [0, 30, 59]
        >>> diffsw_keyframes(np.arange(13) / 24.0, 1.0, 16)[0].tolist()  # shorter than the interval
        [0, 12]
    """
    times = np.asarray(frame_times_s, dtype=np.float64)
    if times.ndim != 1 or len(times) == 0:
        raise CameraBenchError(f"DiffSW key frames need the times of one or more frames, got shape {times.shape}")
    if max_keyframes < 2 and len(times) > 1:
        raise CameraBenchError(f"max_keyframes must be at least 2 (the first and the last frame), got {max_keyframes}")
    keep = sample_indices(times, fps=1.0 / keyframe_interval_s)
    last = len(times) - 1
    if keep[-1] < last and (
        len(keep) == 1 or times[last] - times[keep[-1]] > DIFFSW_LAST_FRAME_SHARE * keyframe_interval_s
    ):
        keep = np.append(keep, last).astype(np.int64)
    if len(keep) <= max_keyframes:
        return keep, False
    return sample_indices(times, num_frames=max_keyframes), True


def diffsw_caption(
    vl: QwenVL,
    video_path: str | Path,
    question: str = CAPTION_QUESTION,
    keyframe_interval_s: float = 1.0,
    max_keyframes: int = 16,
    max_side: int | None = None,
    max_new_tokens: int = 256,
    details: dict[str, Any] | None = None,
) -> str:
    """ShareGPT4Video's differential sliding-window captioning (DiffSW), for long videos.

    Key frames span the whole video (:func:`diffsw_keyframes`): the first frame, one every
    ``keyframe_interval_s`` seconds, and the last frame when it lies more than
    :data:`DIFFSW_LAST_FRAME_SHARE` of the interval after the last tick (always, for a video shorter
    than the interval: a video of two or more frames has at least its first and last frame). When
    that gives more than ``max_keyframes`` (at least 2), ``max_keyframes`` frames evenly spread from
    the first frame to the last are taken instead (:func:`~camerabench.video.read_video`'s
    ``num_frames``, no longer on the interval's ticks). The first key frame is captioned fully; for
    each next one the model sees (previous frame, current frame, previous differential caption)
    and says what changed (action, environment, appearance, camera); finally the timed
    captions are summarised into one caption answering ``question``. A one-frame video is captioned
    from that frame alone, with a warning and a note (``one_frame_video``).

    ``details``, when given, is filled with what caption_run.json records of the video: the key
    frames' count and times (``key_frames``, ``key_frame_times_s``, from the first frame),
    ``key_frames_spread_evenly``, the video reader's notes and ``one_frame_video``.

    Memory: the video's length is measured first (:func:`~camerabench.video.probe_video`, a
    decoding pass that keeps no frame), and only the key frames used are kept (at most
    ``max_keyframes``, resized to ``max_side``). Decoding every tick first and picking among
    them afterwards held a whole long video in memory (an hour of 1080p at 1 s: 22 GB). The last
    frame, when it is a key frame off the ticks, is read in a second pass that keeps two frames.
    """
    if not (math.isfinite(keyframe_interval_s) and keyframe_interval_s > 0):
        raise CameraBenchError(f"keyframe_interval_s must be a positive finite number, got {keyframe_interval_s}")
    if isinstance(max_keyframes, bool) or not isinstance(max_keyframes, int) or max_keyframes < 1:
        raise CameraBenchError(f"max_keyframes must be an integer >= 1, got {max_keyframes!r}")
    if max_keyframes < 2:
        raise CameraBenchError(
            f"max_keyframes must be at least 2 (DiffSW describes the change between key frames: the first and "
            f"the last at least), got {max_keyframes}"
        )
    refuse_blank(question, "the caption question")
    _refuse_unencodable(question, "the caption question")
    refuse_control_tokens(question, "the caption question")
    rate = 1.0 / keyframe_interval_s
    if not math.isfinite(rate):  # a subnormal interval: OverflowError "cannot convert float infinity to integer"
        raise CameraBenchError(
            f"keyframe_interval_s {keyframe_interval_s!r} is too small: key frames at an infinite rate"
        )
    with _warned_once():  # probe_video and read_video warn about the same damaged timing
        info = probe_video(video_path)
        assert info.timestamps is not None  # probe_video's always has them
        wanted, evenly = diffsw_keyframes(info.timestamps, keyframe_interval_s, max_keyframes)
        if evenly:
            clip = read_video(video_path, num_frames=max_keyframes, max_side=max_side)
        else:
            clip = read_video(video_path, fps=rate, max_side=max_side)
            if wanted[-1] == info.num_frames - 1 > clip.indices[-1]:  # the last frame, off the ticks
                span = float(info.timestamps[-1] - info.timestamps[0])
                ends = read_video(video_path, fps=1.0 / span, max_side=max_side)  # the first and the last
                clip = dataclasses.replace(
                    clip,
                    frames=np.concatenate([clip.frames, ends.frames[-1:]]),
                    timestamps=np.concatenate([clip.timestamps, ends.timestamps[-1:]]),
                    indices=np.concatenate([clip.indices, ends.indices[-1:]]),
                )
    # (a no-op unless rounding at the last tick kept one frame more than counted)
    keep = np.unique(np.round(np.linspace(0, len(clip) - 1, min(len(clip), max_keyframes))).astype(int))
    frames, times = clip.frames[keep], clip.timestamps[keep] - clip.timestamps[0]
    notes: dict[str, Any] = {
        **clip.notes,
        "key_frames": len(keep),
        "key_frame_times_s": [round(float(t), 6) for t in times],
        "key_frames_spread_evenly": evenly,
    }
    if len(keep) == 1:
        notes["one_frame_video"] = "the video has one frame: captioned from that still frame, no motion seen"
        log.warning("%s: one frame: its DiffSW caption is of a still frame (no motion seen)", Path(video_path).name)
    if details is not None:
        details.clear()
        details.update(notes)
    with _naming(video_path):
        images = [prepare_image(f, vl.image_spec) for f in frames]
    first = _plain(generate_text(vl, [images[0], DIFFSW_FIRST], max_new_tokens))
    timeline = [f"[{times[0]:.1f} s, first frame] {first}"]
    prev = first
    for i in range(1, len(images)):
        prompt = DIFFSW_DIFF.format(t_prev=times[i - 1], t_cur=times[i], prev=prev)
        prev = _plain(generate_text(vl, [images[i - 1], images[i], prompt], max_new_tokens))
        timeline.append(f"[{times[i]:.1f} s, change] {prev}")
    summary = DIFFSW_SUMMARY.format(timeline="\n".join(timeline), question=question)
    return generate_text(vl, [summary], max_new_tokens)


#: ShotBench's media budget: 12 fps, at most 360 x 640 pixels per frame (design.md B10).
MCQ_FPS = 12.0
MCQ_MAX_PIXELS = 360 * 640
MCQ_INSTRUCTION = "Answer with the option's letter from the given choices directly."
MCQ_REASONING_INSTRUCTION = (
    "First think about the question step by step inside <think></think>, then give the option's letter "
    "inside <answer></answer>."
)


def mcq_prompt(row: MCQRow, reasoning: bool = False) -> str:
    """The question, its lettered options and the answer instruction.

    Example:
        >>> from camerabench.shotbench import MCQRow
        >>> row = MCQRow("0", "t", ("video",), ("v.mp4",), "How does the camera move?",
        ...              {"A": "Pan left", "B": "Tilt up"}, "B", "camera movement", 2)
        >>> print(mcq_prompt(row))
        How does the camera move?
        A. Pan left
        B. Tilt up
        Answer with the option's letter from the given choices directly.
    """
    options = "\n".join(f"{letter}. {text}" for letter, text in row.options.items())
    instruction = MCQ_REASONING_INSTRUCTION if reasoning else MCQ_INSTRUCTION
    return f"{row.question}\n{options}\n{instruction}"


def read_image(path: str | Path) -> NDArray[np.uint8]:
    """An image file as (H, W, 3) uint8 RGB.

    Raises:
        VideoError: the file is missing or not an image OpenCV can decode.
    """
    import cv2

    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: image not found")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise VideoError(f"{path}: not an image OpenCV can decode")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def encode_media(
    vl: QwenVL, row: MCQRow, media: list[Path], fps: float = MCQ_FPS, max_pixels: int = MCQ_MAX_PIXELS
) -> list[VisualInputs]:
    """The model's pixels for a row's images and videos, at ``fps`` and ``max_pixels`` per frame.

    ``max_pixels`` (option ``mcq_max_pixels``) is held to the checkpoint's pixel bounds as the
    model's own ``max_pixels`` is (:meth:`QwenVL.pixel_specs`: lowered to the processor's cap, a
    floor above it lowered to it, each with a warning). Each video's length is checked before it
    is decoded (:func:`refuse_too_long`, counting the row's media before it).

    Raises:
        VideoError: a file cannot be decoded.
        PredictionError: media the model cannot take, or more visual tokens than its positions.
    """
    _check_fps(fps, "fps")
    video_spec, image_spec = vl.pixel_specs(max_pixels, "mcq_max_pixels")
    out: list[VisualInputs] = []
    for path, kind in zip(media, row.types, strict=True):
        if kind == "video":
            with _warned_once():
                info = refuse_too_long(vl, path, fps, video_spec, tokens_before=sum(v.num_tokens for v in out))
                clip, notes = _read_sampled(path, fps, None, vl.sampling, info)
            out.append(_prepare_clip(vl, clip, fps, video_spec, path, notes))
        else:
            image = read_image(path)
            with _naming(path):
                out.append(prepare_image(image, image_spec))
    return out


@torch.inference_mode()
def option_log_probabilities(vl: QwenVL, content: list[VisualInputs | str], letters: list[str]) -> dict[str, float]:
    """log P(next token = letter) for each option letter after the prompt (log-softmax over the
    vocabulary): unlike the probabilities, they do not underflow to a tie at 0."""
    for c in content:
        if isinstance(c, str):
            _refuse_unencodable(c, "the prompt text")
    enc = vl.encode(content)
    out = vl.model(**vl.model_inputs([enc]), use_cache=False, logits_to_keep=1)
    logp = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
    return {letter: float(logp[vl.token_id(letter)]) for letter in letters}


def option_probabilities(vl: QwenVL, content: list[VisualInputs | str], letters: list[str]) -> dict[str, float]:
    """P(next token = letter) for each option letter after the prompt (softmax over the vocabulary)."""
    return {k: math.exp(v) for k, v in option_log_probabilities(vl, content, letters).items()}


def most_likely_option(log_probs: Mapping[str, float], row: str) -> str:
    """The letter of the highest log-probability.

    Raises:
        PredictionError: a log-probability is NaN or +inf, none is finite, or the highest is
            shared (``max`` took the first letter of the table: a tie, e.g. of bf16 logits or of
            probabilities underflowing to 0, was answered "A").
    """
    values = list(log_probs.values())
    if any(math.isnan(v) or v == math.inf for v in values) or not any(math.isfinite(v) for v in values):
        raise PredictionError(f"row {row}: non-finite option log-probabilities {log_probs}")
    best = max(values)
    tied = [letter for letter, v in log_probs.items() if v == best]
    if len(tied) > 1:
        raise PredictionError(
            f"row {row}: options {', '.join(tied)} are equally likely (log-probability {best:.6g}): no answer"
        )
    return tied[0]


@dataclass(frozen=True)
class QwenVLOptions(MethodOptions):
    """Options of ``qwen-vl``."""

    sample_fps: float = option(8.0, "frames per second decoded from each video", gt=0)
    max_pixels: int = option(DEFAULT_MAX_PIXELS, "per-frame pixel budget", gt=0)
    min_pixels: int | None = option(
        None,
        "per-frame lower bound (default: the checkpoint's processor config, else transformers' video default)",
        gt=0,
    )
    max_side: int | None = option(
        None, "resize decoded frames so the longer side is at most this (before the model's own resizing)", gt=0
    )
    device: str | None = option(None, "torch device (default cuda if available, else cpu)")
    dtype: str | None = option(None, "model dtype (default bfloat16 on GPU, float32 on CPU)", choices=DTYPES)
    batch_size: int = option(
        16,
        "questions per forward pass from the shared video prefix (scores agree across batch sizes to float "
        "rounding only: up to 7e-7 apart in float32 on a tiny model, red team R69; recorded, and a --resume "
        "with another one is refused)",
        ge=1,
    )
    prefix_cache: bool = option(
        True,
        "reuse the video prefix's KV cache (false: one full pass per question, for checking; the same "
        "scores to float rounding)",
    )
    max_new_tokens: int = option(256, "longest caption in tokens", ge=1)
    keyframe_interval_s: float = option(1.0, "seconds between DiffSW key frames", gt=0)
    max_keyframes: int = option(16, "most DiffSW key frames (at least the first and the last frame)", ge=2)
    mcq_mode: str = option(
        "generate",
        "multiple-choice rows: 'generate' (greedy reply, parsed at evaluation) or 'likelihood' (the option "
        "letter with the highest next-token probability)",
        choices=("generate", "likelihood"),
    )
    mcq_reasoning: bool = option(False, "multiple-choice prompt asks for <think>...</think><answer>...</answer>")
    mcq_fps: float = option(MCQ_FPS, "frames per second decoded for multiple-choice videos (ShotBench: 12)", gt=0)
    mcq_max_pixels: int = option(
        MCQ_MAX_PIXELS, "per-frame pixel budget for multiple-choice media (ShotBench: 360*640)", gt=0
    )
    mcq_max_new_tokens: int = option(1024, "longest multiple-choice reply in tokens (ShotBench: 1024)", ge=1)
    model: str | None = option(
        None,
        "local Qwen2.5-VL (current or older transformers layout) or Qwen3-VL checkpoint folder",
        required=True,
    )
    geometry_run: str | None = option(
        None,
        "method folder of a geometric run (e.g. RUN/fast): its trajectory of each video, described in one "
        "sentence, precedes every yes/no question (a video without one there fails)",
    )

    def check_fields(self, method: str) -> None:
        """The multiple-choice settings must agree and ``min_pixels`` must not exceed ``max_pixels``."""
        super().check_fields(method)
        if self.mcq_mode == "likelihood" and self.mcq_reasoning:
            raise CameraBenchError(
                f"method {method!r}: mcq_mode='likelihood' reads the option letter as the reply's first token, "
                "but mcq_reasoning asks the model to think inside <think></think> first; use one or the other"
            )
        if self.min_pixels is not None and self.min_pixels > self.max_pixels:
            raise CameraBenchError(
                f"method {method!r}: option min_pixels ({self.min_pixels}) exceeds max_pixels ({self.max_pixels}): "
                "no frame size satisfies both"
            )
        if self.min_pixels is not None and self.min_pixels > self.mcq_max_pixels:
            # the floor applies to multiple-choice media too: every row failed with this, one by one
            default = ", its default" if self.mcq_max_pixels == MCQ_MAX_PIXELS else ""
            raise CameraBenchError(
                f"method {method!r}: option min_pixels ({self.min_pixels}) exceeds option mcq_max_pixels "
                f"({self.mcq_max_pixels}{default}), the per-frame cap of multiple-choice media: no frame size "
                "satisfies both, so every multiple-choice row would fail; raise mcq_max_pixels or lower min_pixels"
            )

    def validate(self, method: str) -> None:
        """The checkpoint folder must have what loading needs (:func:`check_checkpoint`), the pixel
        settings must allow one frame of the model's smallest size, and ``geometry_run`` must be a
        method folder with trajectories.

        Checked here, in the main process, so that a missing or broken file is one error
        before any worker starts, whatever the number of workers. The device too
        (:func:`resolve_device`): ``cuda`` without CUDA failed only at the model's load, after the
        method folder was made, once per worker (and once per video where a worker retries).
        """
        try:
            if _LOADS_ELSEWHERE.get():  # checked where the model loads (:meth:`QwenVLPredictor.loads_elsewhere`)
                if self.device is not None:
                    check_device_name(self.device)
            else:
                resolve_device(self.device)
        except CameraBenchError as exc:
            raise CameraBenchError(f"method {method!r}: option device: {exc}") from exc
        if self.model is not None:
            check_checkpoint(self.model)
            # a reply longer than the model's context ran to its positions on every caption and reply
            replies = {"max_new_tokens": self.max_new_tokens, "mcq_max_new_tokens": self.mcq_max_new_tokens}
            check_max_new_tokens(self.model, replies, f"method {method!r}: option")
            factor = read_pixel_spec(self.model).factor
            for name in ("max_pixels", "mcq_max_pixels"):
                if getattr(self, name) < factor**2:
                    raise CameraBenchError(
                        f"method {method!r}: option {name} must be >= {factor**2} (the smallest frame "
                        f"{self.model} takes), got {getattr(self, name)}"
                    )
            if self.max_side is not None and self.max_side < factor:
                raise CameraBenchError(
                    f"method {method!r}: option max_side must be >= {factor} (the smallest frame side "
                    f"{self.model} takes; smaller frames are blown up to it), got {self.max_side}"
                )
        if self.geometry_run is not None:
            folder = MethodFolder(Path(self.geometry_run))
            if not folder.trajectories.is_dir():
                raise CameraBenchError(
                    f"geometry_run={self.geometry_run}: no trajectories folder ({folder.trajectories}); give a "
                    "geometric method's folder, e.g. RUN/fast after `camerabench predict --method fast`"
                )
            if not any(folder.trajectories.glob("*.npz")):  # every video would fail, one by one
                raise CameraBenchError(
                    f"geometry_run={self.geometry_run}: no trajectory in {folder.trajectories} (the geometric "
                    "method failed on every video, or has not saved any yet)"
                )


#: The attribute of a :class:`QwenVLOptions` holding what :meth:`QwenVLPredictor.settings` recorded
#: (device type, dtype, the process), set where the run's settings are taken.
_RECORDED = "_recorded_by_run"

#: Whether options and predictors built now are for a run whose model loads in other processes, on
#: their own devices (:meth:`QwenVLPredictor.loads_elsewhere`).
_LOADS_ELSEWHERE: contextvars.ContextVar[bool] = contextvars.ContextVar("qwen_vl_loads_elsewhere", default=False)


class ResolvedDevice(TypedDict):
    """The device type and dtype the options resolve to in one process, and that process."""

    device_type: str
    torch_dtype: str
    where: str


def _note_cuts(details: dict[str, Any], cuts: list[bool], max_new_tokens: int, diffsw: bool) -> str:
    """Add to ``details`` the caption's cuts at ``max_new_tokens`` (:func:`_recording_cuts`' list: the
    caption is the last reply) and return the warning saying them ("" when none was cut)."""
    said = []
    if cuts and cuts[-1]:
        details[CUT_KEY] = max_new_tokens
        what = "its DiffSW summary (the caption)" if diffsw else "the caption"
        said.append(f"{what} was cut at max_new_tokens={max_new_tokens}, before the model ended it")
    steps = sum(cuts[:-1]) if diffsw else 0
    if steps:
        details[DIFFSW_CUT_KEY] = steps
        said.append(f"{steps} of its {len(cuts) - 1} DiffSW key-frame replies were cut there and used as cut")
    if not said:
        return ""
    keys = ", ".join(key for key in (CUT_KEY, DIFFSW_CUT_KEY) if key in details)
    return (
        "; ".join(said) + f": kept as written (status ok), noted in caption_run.json's video_info ({keys}); "
        "a larger max_new_tokens lets the model finish"
    )


def _this_process() -> str:
    """This process, for messages comparing the run's main process with a worker."""
    return f"process {os.getpid()} on {socket.gethostname()}"


def _check_recorded_device(vl: QwenVL, recorded: Mapping[str, str]) -> None:
    """Refuse a model loaded on another device type or dtype than the run records (resolved where
    the run started: a CPU-only Ray driver recorded cpu/float32 while GPU actors ran cuda/bfloat16).

    Raises:
        CameraBenchError: naming both, and the options that make them agree.
    """
    device, dtype = vl.model.device.type, str(vl.model.dtype).removeprefix("torch.")
    want_device, want_dtype = recorded["device_type"], recorded["torch_dtype"]
    if (device, dtype) == (want_device, want_dtype):
        return
    raise CameraBenchError(
        f"the model loaded on {device} as {dtype} in this worker ({_this_process()}), but the run records "
        f"{want_device} and {want_dtype}, as the options resolved in the process that took the run's settings "
        f"({recorded['where']}); pass --option device={device} --option dtype={dtype} so that what runs is "
        "what is recorded (or give the workers the device the run records: --gpus-per-worker)"
    )


class QwenVLPredictor(Predictor):
    """Qwen2.5-VL or Qwen3-VL (local checkpoint) as a VQAScore scorer, captioner and MCQ answerer.

    Options: :class:`QwenVLOptions`.
    """

    name: ClassVar[str] = "qwen-vl"
    kind: ClassVar[MethodKind] = "semantic"
    Options: ClassVar[type[MethodOptions]] = QwenVLOptions

    def __init__(self, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        # the model's and geometry run's folders as absolute paths, resolved here: the options go to the
        # worker processes (Ray actors on other nodes, in another current folder) as they are, and a
        # relative path reached them as typed while run.json recorded it resolved here. A copy always:
        # settings() marks it (_RECORDED), never the caller's own options object.
        given = {name: self.opt(name) for name in ("model", "geometry_run")}
        resolved = {name: str(Path(str(v)).resolve()) for name, v in given.items() if v is not None}
        absolute: MethodOptions = dataclasses.replace(self.options, **resolved)
        if hasattr(self.options, _RECORDED):  # in a worker: what the run's main process recorded, kept
            object.__setattr__(absolute, _RECORDED, getattr(self.options, _RECORDED))
        self.options: MethodOptions = absolute
        self._vl: QwenVL | None = None
        # built for a run whose model loads elsewhere: the device and dtype are those resolved there
        self._loads_elsewhere = _LOADS_ELSEWHERE.get()
        self._resolved: ResolvedDevice | None = None
        # (video, details) of the last caption (DiffSW, or a one-frame video's note), for :meth:`caption_details`
        self._caption_info: tuple[Path, dict[str, Any]] | None = None

    @classmethod
    @contextlib.contextmanager
    def loads_elsewhere(cls) -> Iterator[None]:
        """Within it, predictors (and options) are built for a run whose model loads in other
        processes on their own devices: Ray actors given GPUs (``--gpus-per-worker``) by a driver that
        may have none (a CPU-only head node). The ``device`` option is checked as a name only here;
        :meth:`resolve_here`, run in such a process (the job runner runs it on one, with an actor's
        resources), checks it against that process's devices, and :meth:`take_resolved` gives its
        answer to :meth:`settings`, which records it (and the workers check theirs against it).
        """
        token = _LOADS_ELSEWHERE.set(True)
        try:
            yield
        finally:
            _LOADS_ELSEWHERE.reset(token)

    def resolve_here(self) -> ResolvedDevice:
        """The device type and dtype the options resolve to in this process (where the model loads),
        and this process.

        Raises:
            CameraBenchError: this process does not have the device, or the dtype does not resolve
                on it, naming the option at fault (``device`` or ``dtype``) and the process.
        """
        where = f"(in {_this_process()}, where the model loads)"
        try:
            device = resolve_device(self.opt("device"))
        except CameraBenchError as exc:
            raise CameraBenchError(f"option device: {exc} {where}") from exc
        try:  # the dtype's own error: labelled "option device" it sent the user to a device that was fine
            dtype = resolve_dtype(self.opt("dtype"), device)
        except CameraBenchError as exc:
            raise CameraBenchError(f"option dtype: {exc} (on device {device}) {where}") from exc
        return {
            "device_type": device.type,
            "torch_dtype": str(dtype).removeprefix("torch."),
            "where": _this_process(),
        }

    def take_resolved(self, resolved: ResolvedDevice) -> None:
        """Record the device type and dtype :meth:`resolve_here` found where the model loads."""
        self._resolved = resolved

    def settings(self) -> dict[str, Any]:
        """The options (the model's path resolved) and what the model run is, found without loading it
        (the job runner takes the settings before any worker loads the model, and ``--resume`` refuses
        a run whose model differs):

        - ``arch``, ``layout`` and ``config_sha256``: from the checkpoint's ``config.json``;
        - ``weights_sha256``: :func:`~camerabench.baselines.vlm.checkpoint.weights_sha256`, every byte of
          the weight files (about 20-30 s for a 7B checkpoint, once per run and process);
        - ``processor_sha256``: :func:`~camerabench.baselines.vlm.checkpoint.processor_sha256`, the
          tokenizer, chat template and processor files (how prompts and frames are made);
        - ``torch_dtype`` and ``device_type``: the dtype and device type the options resolve to on this
          machine (``dtype`` unset: bfloat16 on CUDA, float32 on CPU), as the workers load the model;
          for a predictor built in :meth:`loads_elsewhere`, those :meth:`take_resolved` was given.

        Raises:
            CameraBenchError: built in :meth:`loads_elsewhere` and given no device resolved there.
        """
        out = self.options.to_dict()
        model = Path(str(self.opt("model"))).resolve()
        out["model"] = str(model)
        if self.opt("geometry_run") is not None:
            out["geometry_run"] = str(Path(str(self.opt("geometry_run"))).resolve())
        if self._resolved is not None:
            resolved = self._resolved
        elif self._loads_elsewhere:
            raise CameraBenchError(
                f"method {self.name!r}: the model loads in other processes (on their devices), but no device was "
                "resolved in one: call resolve_here() there and take_resolved() with its answer first"
            )
        else:
            resolved = self.resolve_here()
        out.update(
            arch=checkpoint_arch(model).name,
            layout=checkpoint_layout(model),
            config_sha256=hashlib.sha256((model / "config.json").read_bytes()).hexdigest(),
            weights_sha256=weights_sha256(model),
            processor_sha256=processor_sha256(model),
            torch_dtype=resolved["torch_dtype"],
            device_type=resolved["device_type"],
        )
        # carried to the workers with the options (pickled with them), for setup() to check that the
        # model there is the one the run records, on the device and dtype it records
        object.__setattr__(self.options, _RECORDED, dict(resolved))
        if self._vl is not None and self._vl.think_close:
            out["closed_think_block"] = True
        return out

    def setup(self) -> None:
        """Load the model. In a worker of a run whose settings were taken elsewhere (:meth:`settings`,
        in the run's main process, the Ray driver), a model folder found there but not here, or a
        model loaded on another device type or dtype than the run records, is an error naming both."""
        if self._vl is None:
            recorded: dict[str, str] | None = getattr(self.options, _RECORDED, None)
            model = Path(str(self.opt("model")))
            if recorded is not None and recorded["where"] != _this_process() and not model.exists():
                raise CameraBenchError(
                    f"{model}: the model checkpoint folder was found by the process that started the run "
                    f"({recorded['where']}) but this worker ({_this_process()}) cannot read it: Ray workers read "
                    "the model by path, so it must be on storage every node sees (--ship-videos ships videos "
                    "only); or it was removed since the run started"
                )
            vl = load_qwen_vl(
                str(model),
                device=self.opt("device"),
                dtype=self.opt("dtype"),
                max_pixels=int(self.opt("max_pixels")),
                min_pixels=self.opt("min_pixels"),
            )
            if recorded is not None:
                _check_recorded_device(vl, recorded)
            self._vl = vl
            try:
                self._vl.token_id(YES)
            except CameraBenchError as exc:
                log.warning(
                    "%s: yes/no scoring (predict) will fail on every video; captions and replies are unaffected", exc
                )

    def check_videos(self, videos: Mapping[str, Path]) -> None:
        """Refuse a ``geometry_run`` folder holding no trajectory of any of ``videos`` (a run on
        another dataset): every video would fail with "no trajectory". Looked up as
        :meth:`predict` does (:func:`geometry_summary`), stopping at the first found."""
        if self.opt("geometry_run") is None or not videos:
            return
        folder = MethodFolder(Path(str(self.opt("geometry_run"))))
        names = sorted(dataset_video_name(Path(path))[0] for path in videos.values())
        if any(folder.trajectory(name).is_file() for name in names):
            return
        held = sorted(p.name for p in folder.trajectories.glob("*.npz"))
        expected = ", ".join(folder.trajectory(name).name for name in names[:3]) + (", ..." if len(names) > 3 else "")
        found = f"found e.g. {', '.join(held[:3])}" if held else "found none"
        raise CameraBenchError(
            f"geometry_run={self.opt('geometry_run')}: none of the {len(held)} trajectories in {folder.trajectories} "
            f"is of a video of this dataset ({len(names)} videos): looked for {expected}, {found}; "
            "is it a run on another dataset? (every video would fail with 'no trajectory')"
        )

    @property
    def vl(self) -> QwenVL:
        self.setup()
        assert self._vl is not None
        return self._vl

    def encode(self, video_path: Path) -> VisualInputs:
        return encode_video(
            self.vl, video_path, sample_fps=float(self.opt("sample_fps")), max_side=self.opt("max_side")
        )

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        summary = None
        if self.opt("geometry_run") is not None:
            summary = geometry_summary(str(self.opt("geometry_run")), dataset_video_name(Path(video_path))[0])
        self.vl.token_id(YES)  # a tokenizer without a one-token "Yes": no video decoded for nothing
        video = self.encode(Path(video_path))
        # a question holding control-token text (e.g. "<|im_end|>") cannot be asked as text: it gets
        # no score (the run records it as failed) and the reason goes to run.json and the log
        refused = {q.text: token for q in questions if (token := control_token_in(q.text)) is not None}
        for text, token in refused.items():
            log.warning(
                "%s: question %r holds %r, a control token of the model's tokenizer: not asked",
                video_path.name,
                text,
                token,
            )
        texts = [q.text for q in questions if q.text not in refused]
        asked = texts if summary is None else [geometry_question(t, summary) for t in texts]
        if self.opt("prefix_cache"):
            probs = yes_probabilities(self.vl, video, asked, batch_size=int(self.opt("batch_size")))
        else:
            probs = [yes_probability_naive(self.vl, video, t) for t in asked]
        bad = [t for t, p in zip(texts, probs, strict=True) if not np.isfinite(p)]
        if bad:
            raise PredictionError(f"{video_path.name}: non-finite P(Yes) for {len(bad)} question(s), e.g. {bad[0]!r}")
        info = {**video.notes, "frames": len(video.frame_times_s), "grid_thw": list(video.grid_thw), "fps": video.fps}
        if summary is not None:
            info["geometry_summary"] = summary
        not_asked = {
            text: f"holds {token!r}, which the model's tokenizer reads as a control token, not as text"
            for text, token in refused.items()
        }
        if not_asked:
            info["questions_not_asked"] = not_asked
        return VideoResult(scores=dict(zip(texts, probs, strict=True)), info=info, failed=not_asked)

    def answer(self, row: MCQRow, media: list[Path]) -> str | None:
        """A greedy reply to the row's prompt, or (``mcq_mode=likelihood``) the most probable letter."""
        content: list[VisualInputs | str] = [
            *encode_media(self.vl, row, media, float(self.opt("mcq_fps")), int(self.opt("mcq_max_pixels"))),
            mcq_prompt(row, reasoning=bool(self.opt("mcq_reasoning"))),
        ]
        if self.opt("mcq_mode") == "likelihood":
            return most_likely_option(option_log_probabilities(self.vl, content, list(row.options)), row.index)
        return generate_text(self.vl, content, max_new_tokens=int(self.opt("mcq_max_new_tokens")))

    def caption(self, video_path: Path, question: str = CAPTION_QUESTION, mode: str = "whole") -> str:
        """The video's caption (``whole``: one reply; ``diffsw``: :func:`diffsw_caption`).

        A caption the model had not finished when it reached ``max_new_tokens`` is kept as written
        (the record's status stays ``ok``: caption records have no field for it) and said: one
        warning naming the video, and caption_run.json's ``video_info`` for the video holds
        :data:`CUT_KEY` (and, for DiffSW key-frame replies cut, :data:`DIFFSW_CUT_KEY`), which
        :meth:`caption_details` gives. Before, such a caption passed as a finished one.
        """
        max_new = int(self.opt("max_new_tokens"))
        self._caption_info = None
        details: dict[str, Any] = {}
        if mode == "whole":
            video = self.encode(Path(video_path))
            if "one_frame_video" in video.notes:  # caption_run.json's video_info says it, as of a DiffSW caption
                details["one_frame_video"] = video.notes["one_frame_video"]
            with _recording_cuts() as cuts:
                text = caption_video(self.vl, video, question, max_new_tokens=max_new)
        elif mode == "diffsw":
            with _recording_cuts() as cuts:
                text = diffsw_caption(
                    self.vl,
                    video_path,
                    question,
                    keyframe_interval_s=float(self.opt("keyframe_interval_s")),
                    max_keyframes=int(self.opt("max_keyframes")),
                    max_side=self.opt("max_side"),
                    max_new_tokens=max_new,
                    details=details,
                )
        else:
            raise CameraBenchError(f"caption mode must be 'whole' or 'diffsw', got {mode!r}")
        said = _note_cuts(details, cuts, max_new, diffsw=mode == "diffsw")
        if said:
            log.warning("%s: %s", Path(video_path).name, said)
        if details or mode == "diffsw":
            self._caption_info = (Path(video_path), details)
        return text

    def caption_details(self, video_path: Path) -> dict[str, Any]:
        """Per-video details of the DiffSW caption :meth:`caption` just made of ``video_path``, for
        caption_run.json's ``video_info``: its key frames (:func:`diffsw_caption`'s ``details``: count,
        times, ``one_frame_video`` ...); for a whole-video caption only ``one_frame_video``, where it applies;
        for either, :data:`CUT_KEY` / :data:`DIFFSW_CUT_KEY` where replies were cut at max_new_tokens."""
        if self._caption_info is None or self._caption_info[0] != Path(video_path):
            return {}
        return dict(self._caption_info[1])
