"""What differs between the Qwen-VL generations this package loads: Qwen2.5-VL and Qwen3-VL.

One code path serves both (loading, pixel preparation, prompt building, scoring, generation,
training); everything that differs is a field of :class:`QwenArch`, picked from the checkpoint's
``config.json`` ``model_type`` by :func:`arch_for_model_type`. The numbers are transformers 5's
(``models/qwen2_5_vl`` and ``models/qwen3_vl``: processor class defaults, processor code):

=========================  ===============================  =====================================
                           Qwen2.5-VL                       Qwen3-VL
=========================  ===============================  =====================================
vision patch               14 px, 2x2 merge, 2 frames       16 px, 2x2 merge, 2 frames
normalisation              CLIP mean/std                    0.5 / 0.5
video pixel bounds         per frame                        on the whole clip (frames x pixels)
video time                 rope: ``second_per_grid_ts``     text: ``<t seconds>`` before each
                                                            temporal patch, which is wrapped in
                                                            its own ``<|vision_start|>``/``end``
video in the prompt        ``<|vision_start|>`` + pads +    per temporal patch:
                           ``<|vision_end|>``               ``<t seconds><|vision_start|>`` +
                                                            pads + ``<|vision_end|>``
language-model rope        mrope, sections contiguous       mrope, sections interleaved
vision features            last layer                       last layer + deepstack layers added
                                                            to the first decoder layers
=========================  ===============================  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass

from camerabench.errors import CameraBenchError

__all__ = ["ARCHS", "CLIP_MEAN", "CLIP_STD", "QWEN3_VL", "QWEN25_VL", "QwenArch", "arch_by_name", "arch_for_model_type"]

#: CLIP normalisation, the Qwen2-VL / Qwen2.5-VL processors' defaults (transformers.utils.constants).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
#: Qwen3-VL's normalisation (``IMAGENET_STANDARD_MEAN``/``_STD`` of transformers, and the published
#: Qwen3-VL processor configs).
HALF = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class QwenArch:
    """One Qwen-VL generation: how its checkpoints are recognised, loaded and fed.

    Attributes:
        name: the name used on the command line (``make-tiny-vlm --arch``), e.g. ``"qwen3-vl"``.
        model_type: ``config.json``'s ``model_type``.
        model_class: the transformers class that loads it.
        patch_size: vision patch side in pixels (processor default when a checkpoint says nothing).
        temporal_patch_size: frames per temporal patch.
        merge_size: spatial merge of the vision merger (one LLM token per ``merge_size**2`` patches).
        image_mean: normalisation mean (processor default).
        image_std: normalisation std (processor default).
        video_min_pixels: the video processor's default lower bound (per frame, or per clip when
            ``clip_pixel_budget``).
        video_max_pixels: the video processor's default upper bound (same unit).
        image_min_pixels: the image processor's default lower bound per image.
        clip_pixel_budget: the video processor's size bounds apply to the whole clip (frames x
            height x width, Qwen3-VL's ``smart_resize(num_frames, ...)``), not to each frame.
        video_timestamps: each temporal patch of a video is preceded by its time as text
            (``<1.2 seconds>``) and wrapped in its own vision start/end tokens (Qwen3-VL).
        second_per_grid: the model takes ``second_per_grid_ts`` (temporal rope spacing from the
            frame rate, Qwen2.5-VL).
    """

    name: str
    model_type: str
    model_class: str
    patch_size: int
    temporal_patch_size: int
    merge_size: int
    image_mean: tuple[float, float, float]
    image_std: tuple[float, float, float]
    video_min_pixels: int
    video_max_pixels: int
    image_min_pixels: int
    clip_pixel_budget: bool
    video_timestamps: bool
    second_per_grid: bool


#: Qwen2.5-VL (``Qwen2VLVideoProcessor`` / ``Qwen2VLImageProcessor`` defaults).
QWEN25_VL = QwenArch(
    name="qwen2.5-vl",
    model_type="qwen2_5_vl",
    model_class="Qwen2_5_VLForConditionalGeneration",
    patch_size=14,
    temporal_patch_size=2,
    merge_size=2,
    image_mean=CLIP_MEAN,
    image_std=CLIP_STD,
    video_min_pixels=128 * 28 * 28,
    video_max_pixels=768 * 28 * 28,
    image_min_pixels=56 * 56,
    clip_pixel_budget=False,
    video_timestamps=False,
    second_per_grid=True,
)

#: Qwen3-VL (``Qwen3VLVideoProcessor`` defaults; images use ``Qwen2VLImageProcessor`` with patch 16).
QWEN3_VL = QwenArch(
    name="qwen3-vl",
    model_type="qwen3_vl",
    model_class="Qwen3VLForConditionalGeneration",
    patch_size=16,
    temporal_patch_size=2,
    merge_size=2,
    image_mean=HALF,
    image_std=HALF,
    video_min_pixels=128 * 32 * 32,
    video_max_pixels=32 * 32 * 768,
    image_min_pixels=56 * 56,
    clip_pixel_budget=True,
    video_timestamps=True,
    second_per_grid=False,
)

#: Supported generations by ``config.json`` ``model_type``.
ARCHS: dict[str, QwenArch] = {a.model_type: a for a in (QWEN25_VL, QWEN3_VL)}


def arch_for_model_type(model_type: object) -> QwenArch:
    """The generation of a ``config.json`` ``model_type``.

    Example:
        >>> arch_for_model_type("qwen3_vl").patch_size
        16
        >>> arch_for_model_type("llava")
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: model_type must be one of 'qwen2_5_vl', 'qwen3_vl', got 'llava'

    Raises:
        CameraBenchError: not a supported ``model_type`` (callers add the file name).
    """
    if isinstance(model_type, str) and model_type in ARCHS:
        return ARCHS[model_type]
    supported = ", ".join(repr(t) for t in ARCHS)
    raise CameraBenchError(f"model_type must be one of {supported}, got {model_type!r}")


def arch_by_name(name: str) -> QwenArch:
    """The generation by its command-line name (``qwen2.5-vl`` or ``qwen3-vl``).

    Example:
        >>> arch_by_name("qwen2.5-vl").model_type
        'qwen2_5_vl'
    """
    for arch in ARCHS.values():
        if arch.name == name:
            return arch
    raise CameraBenchError(f"arch must be one of {', '.join(a.name for a in ARCHS.values())}, got {name!r}")
