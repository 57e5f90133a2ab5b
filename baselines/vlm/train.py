"""Fine-tuning Qwen2.5-VL on a dataset's labels (``camerabench train``), CameraBench's recipe.

Training mixture (design.md B6): for every primitive, the clear Yes and No records of
``labels/binary_classification`` are balanced by sampling the larger class down to the size of
the smaller one; each kept record gives two examples, the question alone and the question with
the VQAScore suffix ("Please only answer Yes or No."), answered "Yes" or "No". Captions from
``labels/caption_data.json`` are added unless ``--no-captions``. Multiple-choice rows of
``labels/shotbench/*.tsv`` (ShotBench tables; ``camerabench synth`` writes camera-movement
ones) are added unless ``--no-mcq``: the prompt is ``qwen.mcq_prompt`` (question, lettered
options, "Answer with the option's letter ...") over the row's images/videos at ShotBench's
media budget (12 fps, 360 x 640 pixels per frame), answered with the right option's letter, so
the fine-tuned model answers MCQ rows the way ``predict`` asks them (and the GRPO stage,
``grpo.py``, starts from a model that names a letter). The loss covers the answer
tokens (and the closing ``<|im_end|>``) only. The vision tower and merger are frozen unless
``--train-vision``; ``--lora`` trains LoRA adapters (peft) on the language model instead of all
of its weights, merged back into the weights on save. Defaults follow CameraBench: lr 2e-5, 6
epochs, cosine schedule with 5% warm-up, 8 fps video. The saved folder is a complete checkpoint
in transformers' current layout that ``QwenVLPredictor`` (``--model``) loads. It is written
under a temporary name and renamed when complete. The run is resumable: its resume state
(trainable weights, AdamW and scheduler state, the position in the epoch's example order, the
random states, and what identifies the run: settings, data and starting checkpoint) is saved
atomically in ``.<out name>~resume`` beside the output folder every ``save_every`` optimiser
steps (``--save-every``, default :data:`DEFAULT_SAVE_EVERY`), on Ctrl-C or SIGTERM, and before the
model is saved, and deleted once it is; ``--resume`` continues from it (refused, naming what
differs, when the settings, data or starting checkpoint changed) and saves the model the
uninterrupted run would. A state left by an earlier run is refused without ``--resume`` unless
``--overwrite``, and an output folder that already holds a model is refused unless ``overwrite``
(``--overwrite``).

Micro-batches hold ``batch_size`` examples (right-padded, pixels concatenated); gradients are
accumulated over ``grad_accum`` micro-batches per optimiser step, each weighted by its share of the
step's answer tokens (:func:`accumulate_gradients`: batch 1 x accumulation 4 takes batch 4's step);
AdamW. ``dtype`` is the
compute dtype (default bfloat16 on GPU, float32 on CPU). With bfloat16 the trained weights are
kept in float32 and the forward pass runs under ``torch.autocast`` (mixed precision, as
CameraBench's DeepSpeed bf16 runs): an lr-2e-5 update is below bfloat16's resolution for most
weights and would be lost on bfloat16 weights. With ``--lora`` the frozen base weights are loaded
in the compute dtype and only the adapters are float32. The checkpoint is saved in the compute
dtype. A full fine-tune of the 7B model this way needs ~16 bytes per parameter (weights,
gradients, AdamW moments): use LoRA on a single GPU.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import operator
import os
import random
import re
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import torch

from camerabench.baselines.vlm.checkpoint import (
    _PAD_TOKENS,
    _WEIGHT_FILES,
    Encoded,
    QwenVL,
    _chat_template,
    _one_line,
    _read_object,
    _transformers_config,
    check_checkpoint,
    check_checkpoint_out,
    checkpoint_folder,
    control_token_in,
    load_qwen_vl,
    moved_aside,
    read_pixel_spec,
    refuse_arch_mismatch,
    resolve_device,
    resolve_dtype,
)
from camerabench.baselines.vlm.compat import PixelSpec, VisualInputs, ensure_transformers_importable, video_token_count
from camerabench.baselines.vlm.config import MAX_STEPS, GRPOConfig, TrainConfig
from camerabench.baselines.vlm.qwen import YES, encode_media, encode_video, mcq_prompt, read_image, vqa_prompt
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError, VideoError
from camerabench.fileio import WriteError, atomic_write_text, read_json_document, write_error
from camerabench.labelfiles import CaptionItem
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import check_video, declared_size, resized_size

__all__ = [
    "TrainConfig",
    "TrainExample",
    "TrainResult",
    "accumulate_gradients",
    "balanced_binary",
    "binary_label_file",
    "build_examples",
    "check_frame_size",
    "check_lora_rank",
    "check_media_decode",
    "check_pixel_budgets",
    "check_text_lengths",
    "check_yes_token",
    "freeze",
    "labelled_tokens",
    "lora_rank_limit",
    "mcq_rows",
    "plan_steps",
    "refuse_arch_mismatch",
    "refuse_control_text",
    "refuse_finished_model",
    "refuse_mcq_control_text",
    "refuse_non_finite_gradients",
    "refuse_out_is_model",
    "require_video",
    "require_videos",
    "save_checkpoint",
    "seeded_rng",
    "train",
    "warn_one_letter_answers",
]

log = logging.getLogger(__name__)

_PROCESSOR_FILES = (
    "processor_config.json",
    "preprocessor_config.json",
    "video_preprocessor_config.json",
    "chat_template.jinja",
    "chat_template.json",
)
_LORA_TARGETS = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"


@dataclass(frozen=True)
class TrainExample:
    """One supervised example: a prompt about a video (or an MCQ row's media) and the target answer.

    ``video`` is the clip's name in the data folder (binary, caption) or the row's first media
    path (mcq); ``row`` is the MCQ row, whose media are all encoded.
    """

    video: str
    prompt: str
    answer: str
    kind: str  # "binary", "caption" or "mcq"
    row: MCQRow | None = None


@dataclass
class TrainResult:
    """What a run did: the checkpoint written and its loss history."""

    out_dir: Path
    num_examples: int
    steps: int
    step_losses: list[float] = field(default_factory=list)
    epoch_losses: list[float] = field(default_factory=list)


def seeded_rng(seed: int) -> random.Random:
    """The Python generator behind a run's data order (balancing, shuffles, GRPO's steps) for ``seed``.

    ``random.Random`` seeds with an integer's absolute value, so ``seed=-5`` and ``seed=5`` drew the
    same balanced subset and the same order (torch, which wraps a negative seed to 2**64 - 5, did
    not): half of a seed sweep over -k..k repeated the other half's data. A negative seed is taken as
    its text (hashed by ``random``, distinct from every integer seed); a seed >= 0 as before.

    A NumPy integer (a seed from ``numpy.arange``) is its integer value (``random.Random`` refused
    it with a bare ``TypeError``); a bool or a float is refused (``random`` hashed ``5.0`` to another
    order than ``5``, and read ``True`` as 1).

    Example:
        >>> seeded_rng(-5).random() != seeded_rng(5).random()
        True

    Raises:
        CameraBenchError: ``seed`` is not an integer.
    """
    if isinstance(seed, bool) or not hasattr(type(seed), "__index__"):
        raise CameraBenchError(f"seed must be an integer, got {seed!r}")
    seed = operator.index(seed)
    return random.Random(seed if seed >= 0 else f"camerabench seed {seed}")


#: The rows a table needs before its single right letter is warned about on its own (four options
#: shuffled give one letter on all 8 rows with chance 4**-7, about 6e-5: no false alarm on a
#: shuffled table; 2 rows, 1 in 4).
_ONE_LETTER_TABLE_ROWS = 8


def warn_one_letter_answers(rows: list[MCQRow], what: str) -> None:
    """Warn when the multiple-choice rows a run trains on all have the same right letter, or when
    a table of at least :data:`_ONE_LETTER_TABLE_ROWS` rows does.

    Answering that letter whatever the media is then right on every row: SFT's loss and GRPO's
    accuracy reward teach the letter, not the camera motion, and the training accuracy says 100%
    for it (a table written with its right option always first, say; ``camerabench synth`` shuffles
    the letters). A table of one letter beside shuffled ones (a user's own table added to a
    synthetic set) teaches the letter for its questions' wording: it was not warned about, the
    pool's letters being mixed. Rows whose options offer no other letter, and fewer than two rows,
    are not counted.
    """
    counted = [r for r in rows if len(r.options) > 1]
    letters = {r.answer for r in counted}
    if len(counted) >= 2 and len(letters) == 1:
        letter = letters.pop()
        tables = sorted({r.table for r in counted})
        log.warning(
            "%s: all %d multiple-choice rows (%s) have the right answer %s: always answering %s is right on every "
            "one, so training rewards the letter, not the video; shuffle the options' letters (as camerabench synth "
            "does)",
            what,
            len(counted),
            ", ".join(tables[:3]) + (" ..." if len(tables) > 3 else ""),
            letter,
            letter,
        )
        return
    by_table: dict[str, list[MCQRow]] = {}
    for r in counted:
        by_table.setdefault(r.table, []).append(r)
    one = {
        table: f"{table}: {len(these)} rows, all {these[0].answer}"
        for table, these in sorted(by_table.items())
        if len(these) >= _ONE_LETTER_TABLE_ROWS and len({r.answer for r in these}) == 1
    }
    if one:
        shown = list(one.values())
        log.warning(
            "%s: %d multiple-choice table(s) have one right answer on every row (%s): on their questions, always "
            "answering that letter is right, so training rewards the letter, not the video; shuffle their options' "
            "letters (as camerabench synth does)",
            what,
            len(one),
            "; ".join(shown[:3]) + (" ..." if len(shown) > 3 else ""),
        )


def balanced_binary(data: Dataset, rng: random.Random) -> list[BinaryRecord]:
    """Per primitive, the clear Yes and No records, the larger class sampled down to the smaller.

    A primitive with no Yes or no No record is left out (with a warning).
    """
    kept: list[BinaryRecord] = []
    for prim, records in data.binary.items():
        yes = sorted((r for r in records if r.positive), key=lambda r: r.image)
        no = sorted((r for r in records if not r.positive), key=lambda r: r.image)
        n = min(len(yes), len(no))
        if n == 0:
            log.warning(
                "%s: %d Yes and %d No records; cannot balance, left out of training", prim.value, len(yes), len(no)
            )
            continue
        kept += rng.sample(yes, n) + rng.sample(no, n)
    return kept


def binary_label_file(data: Dataset, record: BinaryRecord) -> Path:
    """The label file a yes/no record comes from (``labels/binary_classification/<Primitive>.jsonl``)."""
    return data.labels_dir / "binary_classification" / f"{record.primitive.value}.jsonl"


def refuse_out_is_model(model_dir: str | Path, out_dir: str | Path) -> None:
    """The trained checkpoint must not replace the one it starts from (the base model would be
    deleted, and ``camerabench_train.json``'s ``base_model`` would name the result itself).

    Nor may either folder hold the other: an output inside the checkpoint wrote the new model into
    the folder being read (a checkpoint is flat files), and a checkpoint inside the output (say in
    its ``.cache``, which replacing an earlier checkpoint does not refuse) was deleted by the save.

    Nor may ``out_dir`` be ``.``, ``..`` or a root, which name no folder of their own: the save renames
    the folder it writes into place, and ``--out .`` in an empty folder trained to the end, then failed
    to rename the current folder ("Device or resource busy"), losing the run.

    Raises:
        CameraBenchError: ``out_dir`` is ``.``, ``..`` or a root, is ``model_dir``, or one holds the other
            (after resolving links).
    """
    if Path(out_dir).name in ("", ".", ".."):
        raise CameraBenchError(
            f"{str(out_dir)!r}: the output folder must be named (as {Path(out_dir) / 'model'!s}), not given as "
            "'.', '..' or a root: the trained model is written beside it and renamed into place when complete, "
            "which these cannot be"
        )
    out, model = Path(out_dir).resolve(), Path(model_dir).resolve()
    if out == model:
        raise CameraBenchError(
            f"{out_dir}: the output folder is the checkpoint training starts from; refusing to replace "
            "it (choose a new folder)"
        )
    if out.is_relative_to(model):
        raise CameraBenchError(
            f"{out_dir}: the output folder is inside the checkpoint training starts from ({model_dir}); "
            "refusing to write into it (choose a folder outside it)"
        )
    if model.is_relative_to(out):
        raise CameraBenchError(
            f"{out_dir}: the output folder holds the checkpoint training starts from ({model_dir}), which "
            "saving would delete; refusing (choose another folder)"
        )


def refuse_finished_model(out_dir: str | Path, overwrite: bool = False) -> None:
    """Refuse an output folder that already holds a model, unless ``overwrite``.

    Training resumes from its resume state (beside ``out_dir``), never from a model in ``out_dir``, so
    a model there (an earlier run's result, a downloaded checkpoint, one left incomplete by a copy)
    was replaced without a word when the new one was saved. Folders beside ``out_dir`` named ``.<name>.*`` are what a
    save killed before it finished leaves (the model is written there and renamed when complete):
    never a complete model; they are warned about (by name) and left alone.

    Raises:
        CameraBenchError: ``out_dir`` holds ``config.json`` and ``overwrite`` is false.
    """
    out = Path(out_dir)
    leftovers = sorted(
        p.name
        for p in (out.parent.glob(f".{glob_escape(out.name)}.*") if out.parent.is_dir() else [])
        if p.is_dir() and not p.name.startswith(f".{out.name}.probe.")
    )
    if leftovers:
        log.warning(
            "%s: %d folder(s) beside it (%s) look like unfinished saves, left by a run killed while saving its "
            "model (or being written by another run now): not a model; delete them when no run is writing",
            out,
            len(leftovers),
            ", ".join(leftovers[:3]) + (" ..." if len(leftovers) > 3 else ""),
        )
    if overwrite or out.is_symlink() or not (out / "config.json").is_file():
        return  # a link, a file or a folder of other things is refused by check_checkpoint_out
    if (out / "camerabench_train.json").is_file():
        what = "a model trained by camerabench train (camerabench_train.json)"
    elif any((out / name).is_file() for name in _WEIGHT_FILES):
        what = "a model checkpoint (config.json and weights)"
    else:
        what = "an incomplete model checkpoint (config.json, no weights)"
    raise CameraBenchError(
        f"{out}: the output folder already holds {what}; refusing to overwrite it (training starts from "
        "--model; --resume continues from a run's resume state, not from a saved model). Choose a new folder, "
        "delete this one, or pass --overwrite (overwrite=True) to replace it when the new model is saved"
    )


def check_pixel_budgets(model_dir: str | Path, config: TrainConfig | GRPOConfig, what: str = "training") -> None:
    """``max_pixels`` and ``mcq_max_pixels`` must hold at least the smallest frame the model takes
    (as ``predict`` requires): a smaller ``mcq_max_pixels`` was silently raised to one
    ``factor x factor`` frame, so the model trained on other pixels than asked for. Likewise
    ``max_side`` must be at least ``factor`` (smaller decoded frames were blown up to it).

    Raises:
        CameraBenchError: naming the setting, the smallest frame and the checkpoint.
        FileFormatError: the checkpoint's config or processor files are unreadable.
    """
    factor = read_pixel_spec(model_dir).factor
    for name in ("max_pixels", "mcq_max_pixels"):
        if getattr(config, name) < factor**2:
            raise CameraBenchError(
                f"{what}: {name} must be >= {factor**2} (the smallest frame {model_dir} takes), "
                f"got {getattr(config, name)}"
            )
    if config.max_side is not None and config.max_side < factor:
        raise CameraBenchError(
            f"{what}: max_side must be >= {factor} (the smallest frame side {model_dir} takes; smaller "
            f"frames are blown up to it), got {config.max_side}"
        )


def refuse_control_text(path: Path, texts: Iterable[str], line: int | None = None) -> None:
    """Refuse training text (a question, an option, an answer, a caption) from the label file
    ``path`` that holds control-token text such as ``<|im_end|>`` or ``<|video_pad|>``: the
    tokenizer would read it as the control token (an end of turn, a visual placeholder), so the
    model would be trained on another prompt or target than the text says, or fail mid-training.

    Raises:
        FileFormatError: naming the file (and line), the token and the text.
    """
    for text in texts:
        token = control_token_in(text)
        if token is not None:
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise FileFormatError(
                path,
                f"{shown!r} holds {token!r}, which the model's tokenizer reads as a control token, not as "
                "text; remove it before training",
                line=line,
            )


def require_video(data: Dataset, video: str, label_file: Path) -> None:
    """Refuse a training label whose video is not in the data folder, naming the label file."""
    require_videos(data, [(video, label_file)])


def require_videos(data: Dataset, labels: Iterable[tuple[str, Path]]) -> None:
    """Refuse training labels (``(video, label file)`` pairs) whose videos are not in the data folder.

    The message names the first such label's file and video and counts them all: a data folder
    whose videos were all missing (not yet downloaded, a wrong ``--data``) was reported as one
    missing video, as if the rest were there.

    Raises:
        FileFormatError: naming the first label file and video, and how many of the labels' videos are missing.
    """
    wanted: dict[str, Path] = {}
    for video, label_file in labels:
        wanted.setdefault(video, label_file)
    missing = [v for v in wanted if not data.video_path(v).is_file()]
    if not missing:
        return
    first = missing[0]
    count = (
        f" ({len(missing)} of the {len(wanted)} videos the training labels name are missing"
        + (
            ": all of them; is --data the right folder, are the videos downloaded?)"
            if len(missing) == len(wanted)
            else ")"
        )
        if len(missing) > 1 or len(wanted) > 1
        else ""
    )
    raise FileFormatError(wanted[first], f"names video {first!r}, which is not in {data.videos_dir}{count}")


def check_media_decode(
    data: Dataset,
    videos: Iterable[str],
    rows: Iterable[MCQRow],
    model_dir: str | Path | None = None,
    max_side: int | None = None,
) -> None:
    """Check every training video (``videos``, names in the data folder) and every medium of
    the MCQ ``rows`` before the model loads: that it decodes and, given ``model_dir``, that the
    model can take its frames (:func:`check_frame_size`).

    A damaged clip would otherwise stop training when an epoch reaches it, after hours, with
    nothing saved. Videos are checked with :func:`~camerabench.video.check_video` (opened, every
    packet read, the first frame decoded: 90 ms for a 10 s 720p clip that takes 0.7 s to decode,
    on a busy 2-core machine; not another decoding of every clip); images are read as training reads them.
    A 3400x16 clip (aspect ratio 212.5) decoded, and stopped training at its first step with
    "frames cannot be resized for the model", nothing saved.

    Args:
        max_side: the training's ``max_side`` (the videos of ``videos`` are read with it; the
            MCQ rows' media without, as :func:`~camerabench.baselines.vlm.qwen.encode_media` reads them).

    A file used twice (a clip of a yes/no label that an MCQ row also shows, read at two sizes) is one
    medium: checked until it fails once, counted and named once (it was "2 of 4 media", one path twice).

    Raises:
        VideoError: one or more media do not decode or cannot be resized for the model; the message
            names the first few (an MCQ medium with its table and line) and counts all, each file once.
    """
    media: dict[tuple[Path, int | None], tuple[str, str]] = {
        (data.video_path(v), max_side): ("video", "") for v in videos
    }
    for row in rows:
        where = f" (multiple-choice table {row.table!r}, row {row.index}, line {row.line})"
        for path, kind in zip(row.media(data.root), row.types, strict=True):
            media.setdefault((path, None), (kind, where))
    specs = (
        {kind: read_pixel_spec(model_dir, min_pixels=0, kind=kind) for kind in ("video", "image")}
        if model_dir is not None
        else None
    )
    problems: dict[Path, str] = {}  # one problem per file: a clip used by a yes/no label and an MCQ row is one file
    for (path, side), (kind, where) in media.items():
        if path in problems:
            continue
        try:
            if kind == "video":
                check_video(path)
                size = declared_size(path)
                if size is None:  # counted, not dropped: the size is checked when training reads the frames
                    log.warning("%s: no frame size in its header; its size is checked as training reads it", path)
                    continue
                width, height = resized_size(*size, side)
            else:
                height, width = read_image(path).shape[:2]
            if specs is not None:
                check_frame_size(width, height, specs[kind])
        except (VideoError, PredictionError) as exc:  # collected, then raised together below
            problems[path] = f"{exc}{where}" if str(path) in str(exc) else f"{path}: {exc}{where}"
    if problems:
        shown = "; ".join(list(problems.values())[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        files = len({path for path, _ in media})
        raise VideoError(
            f"{len(problems)} of {files} training media do not decode or cannot be resized for the model: "
            f"{shown}{more}; repair or remove them (and their labels) before training"
        )


def check_frame_size(width: int, height: int, spec: PixelSpec) -> None:
    """Refuse ``width`` x ``height`` frames (as the model gets them: after the display rotation and
    ``max_side``) that the checkpoint's processor cannot resize.

    transformers' ``smart_resize`` (``qwen2_vl``'s for images and Qwen2.5-VL videos, ``qwen3_vl``'s
    video one for Qwen3-VL) refuses one thing about the size: an absolute aspect ratio
    ``max(h, w) / min(h, w)`` above 200 (Qwen3-VL's after scaling a side under the patch factor up to
    it, ``int()``-rounded). Qwen3-VL's ``t < temporal_factor`` refusal is never met: the clip is padded
    to two frames first. Too few or too many pixels are resized into bounds, not refused. The
    refusal depends on neither the pixel bounds nor which side is the longer (a display rotation
    swaps them), so it is computed exactly by the same call that training makes
    (:func:`~camerabench.baselines.vlm.compat.video_token_count`).

    Raises:
        PredictionError: the resizing's refusal, with the size.
    """
    video_token_count(spec.temporal_patch_size, height, width, spec)


def _max_positions(model_dir: str | Path) -> int | None:
    """The text model's ``max_position_embeddings`` as :attr:`QwenVL.max_positions` reads it (the
    transformers config of ``config.json``, no weights); None when it sets none."""
    cfg_path = Path(model_dir) / "config.json"
    text_config = _transformers_config(cfg_path, _read_object(cfg_path)).get_text_config()
    value = getattr(text_config, "max_position_embeddings", None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text_renderer(model_dir: str | Path) -> QwenVL:
    """A :class:`QwenVL` holding the checkpoint's tokenizer and chat template but no model: enough for
    :meth:`QwenVL.render` (the prompt text exactly as training renders it), without loading weights.

    Raises:
        FileFormatError: the tokenizer does not load, or there is no chat template.
    """
    ensure_transformers_importable()
    from transformers import AutoTokenizer

    path = Path(model_dir)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    except Exception as exc:  # tokenizers raises plain Exception on a malformed file; re-raised naming it
        raise FileFormatError(path, f"the tokenizer does not load: {_one_line(exc)}") from exc
    renderer = QwenVL.__new__(QwenVL)  # render() reads only these attributes
    renderer.path, renderer.tokenizer, renderer.think_close = path, tokenizer, ""
    renderer.chat_template = _chat_template(path, tokenizer)
    return renderer


#: Stand-ins for a video and an image in a rendered prompt (one placeholder each, as a real one).
_VIDEO_PROBE = VisualInputs(torch.zeros(0), (1, 1, 1), 1, 1.0, 1.0)
_IMAGE_PROBE = VisualInputs(torch.zeros(0), (1, 1, 1), 1, None, None)


def _example_types(e: TrainExample) -> tuple[str, ...]:
    """The media types of an example's content, in prompt order (an MCQ row's, else one video)."""
    return e.row.types if e.row is not None else ("video",)


def check_text_lengths(
    model_dir: str | Path,
    data: Dataset,
    examples: Sequence[TrainExample],
    what: str = "training",
    with_answer: bool = True,
) -> None:
    """Refuse, before the model's weights load and before any medium is decoded, examples whose text
    alone is longer than the checkpoint's ``max_position_embeddings`` (config.json).

    The text is counted as :meth:`QwenVL.encode` builds it: the chat-template prompt (its visual
    placeholders not counted) and, with ``with_answer`` (SFT), the target answer and the closing
    ``<|im_end|>``; without it (GRPO's prompts), at least one completion token must fit after the
    prompt. A 40,000-word caption was found only when training reached it (after loading the model,
    decoding every medium and some optimiser steps), by an error naming neither the label file nor the
    video. The visual tokens need the media decoded and are not counted here (the in-training check
    still refuses a prompt they make too long), so this count is a lower bound: it refuses only what
    cannot fit. Prompts and answers are tokenised once each, without padding (a thousand captions
    take well under a second).

    Raises:
        FileFormatError: naming the first such example's label file and line (a caption's item index,
            an MCQ table's row), its video, its token counts and the limit, and how many examples are
            too long.
    """
    limit = _max_positions(model_dir)
    if limit is None or not examples:
        return
    renderer = _text_renderer(model_dir)
    tokenizer = renderer.tokenizer
    pad_ids = {int(tokenizer.convert_tokens_to_ids(t)) for t in _PAD_TOKENS.values()}
    probes = {"video": _VIDEO_PROBE, "image": _IMAGE_PROBE}
    keys = list(dict.fromkeys((_example_types(e), e.prompt) for e in examples))
    rendered = [renderer.render([*(probes[t] for t in types), prompt]) for types, prompt in keys]
    # verbose=False: no transformers warning about a text longer than the tokenizer's model_max_length
    prompt_ids = tokenizer(rendered, add_special_tokens=False, padding=False, verbose=False)["input_ids"]
    prompt_len = {key: sum(i not in pad_ids for i in ids) for key, ids in zip(keys, prompt_ids, strict=True)}
    answer_len: dict[str, int] = {}
    if with_answer:
        answers = list(dict.fromkeys(e.answer for e in examples))
        answer_ids = tokenizer(answers, add_special_tokens=False, padding=False, verbose=False)["input_ids"]
        answer_len = {a: len(ids) + 1 for a, ids in zip(answers, answer_ids, strict=True)}  # + <|im_end|>
    room = 0 if with_answer else 1  # GRPO: the prompt must leave room for a completion token
    too_long = [
        (e, prompt_len[(_example_types(e), e.prompt)], answer_len.get(e.answer, 0))
        for e in examples
        if prompt_len[(_example_types(e), e.prompt)] + answer_len.get(e.answer, 0) + room > limit
    ]
    if not too_long:
        return
    e, n_prompt, n_answer = too_long[0]
    label_file, line, which = _example_source(data, e)
    counts = f"prompt {n_prompt}, answer and its closing <|im_end|> {n_answer}" if with_answer else "the prompt"
    fits = "" if with_answer else ", leaving no room for a completion token"
    more = f" ({len(too_long)} of the {len(examples)} {what} examples are too long)" if len(too_long) > 1 else ""
    shorten = {
        "caption": "shorten the caption or leave captions out (--no-captions)",
        "mcq": "shorten the question or its options, or leave multiple-choice rows out (--no-mcq)",
        "binary": "use a checkpoint with more positions",
    }[e.kind]
    raise FileFormatError(
        label_file,
        f"{which}: the {e.kind} {what} example's text is {n_prompt + n_answer} tokens ({counts}) before any "
        f"visual token, more than the {limit} positions of {model_dir} (config.json max_position_embeddings)"
        f"{fits}{more}; {shorten}",
        line,
    )


def check_yes_token(model_dir: str | Path, examples: Sequence[TrainExample]) -> None:
    """Refuse, before the model's weights load and before any medium is decoded, yes/no training on a
    checkpoint whose tokenizer has no single token ``"Yes"``: ``predict`` reads P("Yes") at that token
    (:meth:`QwenVL.token_id`), so the trained model could never be scored and every video would fail
    (the run trained without a word). Without yes/no examples (captions or multiple-choice rows only)
    the model is still trained, with a warning that yes/no scoring will fail on it.

    Raises:
        CameraBenchError: yes/no examples, and ``"Yes"`` is not one token of the checkpoint's tokenizer.
    """
    try:
        _text_renderer(model_dir).token_id(YES)
    except CameraBenchError as exc:
        yes_no = sum(e.kind == "binary" for e in examples)
        if yes_no:
            raise CameraBenchError(
                f"{exc}: predict reads P('Yes') at that one token, so a model trained on the {yes_no} yes/no "
                "examples (labels/binary_classification) could never be scored (every video would fail); use a "
                "checkpoint whose tokenizer has a one-token 'Yes'"
            ) from exc
        log.warning(
            "%s: yes/no scoring (predict) will fail on every video of the trained model; captions and "
            "multiple-choice answers are unaffected",
            exc,
        )


def _example_source(data: Dataset, e: TrainExample) -> tuple[Path, int | None, str]:
    """The label file an example comes from, its line there (None if unknown) and the item or row and
    video it names, for an error message."""
    if e.row is not None:
        folder = data.labels_dir / "shotbench"
        table = next(
            (p for p in (folder / f"{e.row.table}{ext}" for ext in (".tsv", ".xlsx")) if p.is_file()),
            folder / f"{e.row.table}.tsv",
        )
        return table, e.row.line, f"row {e.row.index} (media {', '.join(repr(p) for p in e.row.paths)})"
    if e.kind == "caption":
        path = data.labels_dir / "caption_data.json"
        doc = read_json_document(path)
        wanted = {"video": e.video, "question": e.prompt, "answer": e.answer}
        index = next((i for i, obj in enumerate(doc.value) if obj == wanted), None)
        if index is None:  # not in the file as read now (changed since): named by its video alone
            return path, None, f"the caption of video {e.video!r}"
        return path, doc.line_of(index), f"item {index} (video {e.video!r})"
    # the question alone, or followed by an instruction (vqa_prompt's suffix, GRPO's reasoning one)
    prim = next((p for p in data.binary if e.prompt == p.question or e.prompt.startswith(p.question + " ")), None)
    folder = data.labels_dir / "binary_classification"
    return (folder / f"{prim.value}.jsonl" if prim is not None else folder), None, f"video {e.video!r}"


def refuse_mcq_control_text(data: Dataset, row: MCQRow) -> None:
    """:func:`refuse_control_text` for a multiple-choice row's question and options (its table and line)."""
    table = data.labels_dir / "shotbench" / f"{row.table}.tsv"
    refuse_control_text(table, [row.question, *row.options.values()], line=row.line)


def mcq_rows(data: Dataset) -> list[MCQRow]:
    """Every multiple-choice row of the data folder's ShotBench tables, in table order."""
    return [row for name in sorted(data.mcq) for row in data.mcq[name]]


#: How many contradictions :func:`warn_contradicting_captions` names (the count is always given).
_CONTRADICTIONS_NAMED = 5


def warn_contradicting_captions(data: Dataset, captions: Sequence[CaptionItem]) -> None:
    """Warn when training captions contradict the yes/no labels, or one another.

    A caption's motion facts are read as the caption metrics read them
    (:func:`~camerabench.taxonomy.caption_facts.caption_facts`); a caption stating a primitive the
    video's yes/no label file says No to (a clear no: ambiguous videos are in no label file), or two
    captions of one video of which one states Static and the other a movement, teach the model both
    ways. They are trained as given (several reference captions a video are allowed, and the parser
    can misread a caption), with one warning counting them and naming the first
    :data:`_CONTRADICTIONS_NAMED`. On the public CameraBench labels 35 of the 1,071 captions state a
    primitive their video's label says No to (e.g. "remains fixed but exhibits a slight unsteadiness",
    Static: No; "rolls counterclockwise while moving upward", Move_Up: No).
    """
    from camerabench.taxonomy.caption_facts import caption_facts

    said_no: dict[str, set[str]] = {}
    for prim, recs in data.binary.items():
        for rec in recs:
            if not rec.positive:
                said_no.setdefault(rec.image, set()).add(prim.value)
    primitives = {p.value for p in Primitive}
    found: list[str] = []
    stated: dict[str, list[tuple[str, set[str]]]] = {}
    for c in captions:
        facts = caption_facts(c.answer) & primitives
        stated.setdefault(c.video, []).append((c.answer, facts))
        for fact in sorted(facts & said_no.get(c.video, set())):
            found.append(
                f"video {c.video!r}: the caption {_snippet(c.answer)} states {fact}, "
                f"binary_classification/{fact}.jsonl says No"
            )
    for video, items in stated.items():
        still = next((text for text, facts in items if "Static" in facts), None)
        moving = next(((text, facts) for text, facts in items if facts - {"Static"}), None)
        if still is not None and moving is not None:
            found.append(
                f"video {video!r}: the caption {_snippet(still)} states Static, the caption {_snippet(moving[0])} "
                f"{', '.join(sorted(moving[1] - {'Static'}))}"
            )
    if found:
        named = "; ".join(found[:_CONTRADICTIONS_NAMED]) + (" ..." if len(found) > _CONTRADICTIONS_NAMED else "")
        log.warning(
            "%s: %d contradiction(s) between the %d training captions and the yes/no labels or one another "
            "(the motion the caption metrics read in them); trained as given: %s",
            data.labels_dir / "caption_data.json",
            len(found),
            len(captions),
            named,
        )


def _snippet(text: str, limit: int = 60) -> str:
    """A caption quoted for a message, cut at ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def build_examples(data: Dataset, captions: bool = True, seed: int = 0, mcq: bool = True) -> list[TrainExample]:
    """The training mixture of a dataset (see the module docstring), in a seeded order.

    Raises:
        CameraBenchError: the dataset yields no example at all.
        FileFormatError: a label file names a video that is not in the data folder (checked before
            any training starts).
    """
    rng = seeded_rng(seed)
    examples: list[TrainExample] = []
    records = balanced_binary(data, rng)
    captions_file = data.labels_dir / "caption_data.json"
    require_videos(
        data,
        [(rec.image, binary_label_file(data, rec)) for rec in records]
        + ([(c.video, captions_file) for c in data.captions] if captions else []),
    )
    for rec in records:
        refuse_control_text(binary_label_file(data, rec), [rec.question])
        for prompt in (rec.question, vqa_prompt(rec.question)):
            examples.append(TrainExample(rec.image, prompt, rec.label, "binary"))
    if captions:
        for c in data.captions:
            refuse_control_text(captions_file, [c.question, c.answer])
        warn_contradicting_captions(data, data.captions)
        examples += [TrainExample(c.video, c.question, c.answer, "caption") for c in data.captions]
    if mcq:
        rows = mcq_rows(data)
        for r in rows:
            refuse_mcq_control_text(data, r)
        warn_one_letter_answers(rows, "training")
        examples += [TrainExample(r.paths[0], mcq_prompt(r), r.answer, "mcq", r) for r in rows]
    if not examples:
        found = [
            _binary_found(data),
            "captions: left out (--no-captions)" if not captions and captions_file.exists() else "captions: none",
            _mcq_found(data, mcq),
        ]
        raise CameraBenchError(f"{data.root}: no training examples ({'; '.join(found)})")
    rng.shuffle(examples)
    return examples


def _binary_found(data: Dataset) -> str:
    """What the yes/no labels give for an error message: none, or none balanced (and why)."""
    if not data.binary:
        return "yes/no labels: none (labels/binary_classification)"
    counts = ", ".join(
        f"{prim.value} {sum(r.positive for r in recs)} Yes / {sum(not r.positive for r in recs)} No"
        for prim, recs in list(data.binary.items())[:3]
    )
    more = f" and {len(data.binary) - 3} more" if len(data.binary) > 3 else ""
    return (
        f"yes/no labels: {len(data.binary)} primitive(s), none with both a Yes and a No record to balance "
        f"({counts}{more})"
    )


def _mcq_found(data: Dataset, mcq: bool) -> str:
    """What the multiple-choice tables give for an error message (not read when they are switched off)."""
    if not mcq:
        tables = data.labels_dir / "shotbench"
        there = tables.is_dir() and any(tables.glob("*.tsv"))
        return "multiple-choice rows: left out (--no-mcq)" if there else "multiple-choice rows: none"
    return "multiple-choice rows: none (labels/shotbench/*.tsv)"


def plan_steps(num_examples: int, config: TrainConfig) -> tuple[int, int]:
    """``(steps per epoch, total optimiser steps)`` of an SFT run over ``num_examples`` examples.

    Steps per pass count the last short micro-batch and the last short accumulation group as the
    training loop runs them (as transformers' Trainer counts): examples / (batch * accumulation)
    ran fewer epochs than asked when it did not divide (4 examples at batch 32 for 6 epochs ran 1
    step, one epoch). A run planned at less than one step (``epochs`` 0.01 of a 10-step epoch)
    runs one step, with a warning: it said nothing, and trained on more than was asked.

    Raises:
        CameraBenchError: more than :data:`MAX_STEPS` steps.
    """
    steps_per_epoch = math.ceil(math.ceil(num_examples / config.batch_size) / config.grad_accum)
    planned = config.epochs * steps_per_epoch
    total_steps = max(1, math.ceil(planned))
    if total_steps > MAX_STEPS:  # it would run without end (epochs=1e300), saying nothing
        raise CameraBenchError(
            f"{config.epochs:g} epochs of {steps_per_epoch} steps are {total_steps:,} optimizer steps, more than "
            f"the {MAX_STEPS:,} a run may plan; lower --epochs"
        )
    if planned < 1:
        log.warning(
            "%g epochs of %d optimizer step(s) (%d examples, batch size %d, gradient accumulation %d) is less than "
            "one step: training runs 1 step (%d example(s))",
            config.epochs,
            steps_per_epoch,
            num_examples,
            config.batch_size,
            config.grad_accum,
            min(num_examples, config.batch_size * config.grad_accum),
        )
    return steps_per_epoch, total_steps


def warn_batch_above_examples(num_examples: int, config: TrainConfig) -> None:
    """Warn (before the media are decoded) when ``batch_size x grad_accum`` exceeds the examples:
    every step then takes all of them, a smaller batch than asked (``--batch-size 1000000`` on 40
    examples said nothing). Not :func:`plan_steps`' concern: it counts such a run's steps right."""
    per_step = config.batch_size * config.grad_accum
    if per_step > num_examples:
        log.warning(
            "batch_size x grad_accum = %d x %d = %d examples per optimizer step, more than the %d training "
            "examples: every step takes all %d (a batch of %d, not %d)",
            config.batch_size,
            config.grad_accum,
            per_step,
            num_examples,
            num_examples,
            num_examples,
            per_step,
        )


def _config_size(section: dict[str, Any], key: str) -> int | None:
    value = section.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def lora_rank_limit(model_dir: str | Path) -> tuple[int, str] | None:
    """The smallest dimension of the matrices LoRA adapts (the language model's q/k/v/o, gate, up
    and down projections, :data:`_LORA_TARGETS`), as ``config.json`` gives it, and the sizes it
    comes from; None when the config states none of them.

    They are the text model's ``hidden_size`` (every projection's input or output),
    ``num_attention_heads x head_dim`` (q_proj's outputs, o_proj's inputs),
    ``num_key_value_heads x head_dim`` (k_proj/v_proj's outputs; 512 in Qwen2.5-VL-7B) and
    ``intermediate_size`` (the MLP's). A size the config leaves out is not counted (the limit is
    then the smallest of those stated: never below the real one).
    """
    cfg = _read_object(Path(model_dir) / "config.json")
    text = cfg["text_config"] if isinstance(cfg.get("text_config"), dict) else cfg
    where = "text_config." if text is not cfg else ""
    hidden, heads = _config_size(text, "hidden_size"), _config_size(text, "num_attention_heads")
    kv_heads = _config_size(text, "num_key_value_heads") or heads
    head_dim = _config_size(text, "head_dim") or (hidden // heads if hidden and heads else None)
    sizes: list[tuple[int, str]] = []
    if hidden is not None:
        sizes.append((hidden, f"{where}hidden_size {hidden}"))
    if heads is not None and head_dim is not None:
        sizes.append((heads * head_dim, f"q_proj: {heads} attention heads x head_dim {head_dim}"))
    if kv_heads is not None and head_dim is not None:
        sizes.append((kv_heads * head_dim, f"k_proj/v_proj: {kv_heads} key/value heads x head_dim {head_dim}"))
    inter = _config_size(text, "intermediate_size")
    if inter is not None:
        sizes.append((inter, f"{where}intermediate_size {inter}"))
    return min(sizes, key=lambda size: size[0]) if sizes else None


def check_lora_rank(model_dir: str | Path, config: TrainConfig | GRPOConfig, what: str = "training") -> None:
    """With ``lora``, ``lora_rank`` must be at most the smallest dimension of the matrices LoRA
    adapts (:func:`lora_rank_limit`): an adapter ``B @ A`` of a ``d_out x d_in`` matrix has rank at
    most ``min(d_out, d_in)``, so a larger rank adds memory and no capacity; a huge one
    (``lora_rank=10**6``) ran out of memory only when the adapters were made, after every training
    medium was decoded. Checked from ``config.json``, before the data.

    Raises:
        CameraBenchError: naming the rank, the limit and the sizes it comes from.
        FileFormatError: config.json is unreadable.
    """
    if not config.lora:
        return
    limit = lora_rank_limit(model_dir)
    if limit is not None and config.lora_rank > limit[0]:
        raise CameraBenchError(
            f"{what}: lora_rank {config.lora_rank} is above {limit[0]}, the smallest dimension of the matrices "
            f"LoRA adapts in {model_dir} ({limit[1]}): a larger rank adds memory, not capacity; give at most "
            f"{limit[0]}"
        )


def _refuse_rank_above(model: torch.nn.Module, lora_rank: int) -> None:
    """:func:`check_lora_rank` on the loaded model's own matrices (a caller of :func:`freeze` that did
    not check the config, GRPO): before the adapters are made, as peft would allocate them first."""
    pattern = re.compile(_LORA_TARGETS)
    smallest: tuple[int, str] | None = None
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) and pattern.fullmatch(name):
            size = min(module.in_features, module.out_features)
            if smallest is None or size < smallest[0]:
                smallest = (size, f"{name}: {module.out_features} x {module.in_features}")
    if smallest is not None and lora_rank > smallest[0]:
        raise CameraBenchError(
            f"lora_rank {lora_rank} is above {smallest[0]}, the smallest dimension of the matrices LoRA adapts "
            f"({smallest[1]}): a larger rank adds memory, not capacity; give at most {smallest[0]}"
        )


def freeze(vl: QwenVL, lora: bool, lora_rank: int, train_vision: bool) -> Any:
    """Set trainable parameters; returns the model to train (a peft wrapper with LoRA).

    Raises:
        CameraBenchError: with ``lora``, a ``lora_rank`` above the smallest matrix it adapts.
    """
    model = vl.model
    if lora:
        from peft import LoraConfig, get_peft_model

        _refuse_rank_above(model, lora_rank)
        config = LoraConfig(r=lora_rank, lora_alpha=2 * lora_rank, lora_dropout=0.0, target_modules=_LORA_TARGETS)
        model = get_peft_model(model, config)  # freezes every base weight, LoRA adapters trainable
    visual = model.get_base_model().model.visual if lora else model.model.visual
    for p in visual.parameters():  # the vision tower and its merger
        p.requires_grad_(train_vision)
    return model


def _unwrap(model: Any) -> Any:
    """The plain transformers model (LoRA merged into the weights)."""
    if hasattr(model, "merge_and_unload"):
        return model.merge_and_unload()
    return model


# --- resuming ---------------------------------------------------------------------------------

#: Optimiser steps between two saves of the resume state (``--save-every``). The state is saved
#: besides when the run is interrupted (Ctrl-C, SIGTERM) and before the final model is saved, so
#: this bounds only what a kill without warning (SIGKILL, the out-of-memory killer, a power cut)
#: loses. Measured on the tiny model (CPU, one thread): a save takes ~10 ms and a step ~0.1 s, so
#: every step could be saved; its cost is the size of the state: the trainable weights in float32
#: plus AdamW's two moments, 12 bytes per trainable parameter. Qwen2.5-VL-7B with LoRA rank 8 on the
#: language model's projections trains ~20 M parameters: ~0.25 GB a save, under a second. A full
#: fine-tune trains ~7.6 G parameters: ~90 GB a save, one to three minutes at 0.5-1.5 GB/s, against
#: 100 steps of some 2-10 s each (one video example per micro-batch on one GPU): under ~20% of the
#: run's time at worst, and at most 100 steps (minutes to some 15 minutes) lost to a kill. Raise it
#: for a full fine-tune on a slow disk. GRPO (``grpo.grpo``) counts its steps with it: on the tiny
#: model (CPU, toy MCQ prompts, 2 prompts x 8 one-token completions) a GRPO step takes ~0.1 s and a
#: save ~10 ms as well, but a real step samples ``prompts_per_step x group_size`` completions of up to
#: ``max_new_tokens`` before its update, so 100 of them are longer than 100 SFT steps: lower it for
#: long completions (the state saved is the same size: no scheduler, plus the step history).
DEFAULT_SAVE_EVERY = 100

#: The resume state's file names in its folder (``<step>`` zero-padded): the tensors, then the record
#: written last, which names them (a step's record without its tensors is never read).
_STATE_TENSORS = "step-{:08d}.pt"
_STATE_RECORD = "step-{:08d}.json"
_STATE_VERSION = 1


def resume_state_dir(out_dir: str | Path) -> Path:
    """The folder of a training run's resume state (SFT or GRPO): ``.<name>~resume`` beside ``out_dir``.

    Beside it, not in it: the output folder holds a checkpoint only (flat files, replaced whole when
    the model is saved; :func:`~camerabench.baselines.vlm.checkpoint.check_checkpoint_out` refuses a
    folder holding other things). The name is neither an unfinished save's (``.<name>.<random>``)
    nor a replaced model's (``.<name>~replaced.<random>``).
    """
    out = Path(out_dir)
    return out.parent / f".{out.name}~resume"


def _state_steps(state_dir: Path) -> list[int]:
    """The steps whose record and tensors are both in ``state_dir``, in order."""
    if not state_dir.is_dir():
        return []
    steps = []
    for p in state_dir.glob("step-*.json"):
        m = re.fullmatch(r"step-(\d{8})\.json", p.name)
        if m and (state_dir / _STATE_TENSORS.format(int(m.group(1)))).is_file():
            steps.append(int(m.group(1)))
    return sorted(steps)


def refuse_resume_state(out_dir: str | Path, resume: bool, overwrite: bool) -> None:
    """Without ``resume``, an earlier run's resume state beside ``out_dir`` is refused unless
    ``overwrite`` (then removed, with a warning): it is never thrown away without a word. With
    ``resume``, there must be one.

    Raises:
        CameraBenchError: a state and neither flag (the message names the state, its step and the
            ``--resume`` flag), or ``resume`` without a state.
    """
    state = resume_state_dir(out_dir)
    if os.path.lexists(state) and (state.is_symlink() or not state.is_dir()):
        # not a folder this package wrote (red team R78: a file there was a NotADirectoryError traceback
        # under --overwrite, and "left its resume state" without it)
        what = "a symbolic link" if state.is_symlink() else "not a folder"
        raise CameraBenchError(
            f"{state}: is {what}, where training keeps its resume state beside {out_dir}; move or remove it"
        )
    steps = _state_steps(state)
    if resume:
        if not steps:
            finished = (Path(out_dir) / "camerabench_train.json").is_file()
            raise CameraBenchError(
                f"{out_dir}: nothing to resume: no resume state in {state}"
                + (" (the folder holds the finished model: its run is complete)" if finished else "")
                + "; run without --resume to start a new run"
            )
        return
    if not (steps or state.exists()):
        return
    if not overwrite:
        what = f"saved after step {steps[-1]}" if steps else "no complete step saved"
        raise CameraBenchError(
            f"{out_dir}: an earlier training run left its resume state in {state} ({what}); refusing to throw it "
            "away. Continue that run with the same command and --resume, or pass --overwrite to start a new run "
            "(the state is then deleted)"
        )
    log.warning("%s: deleting the earlier run's resume state (--overwrite without --resume)", state)
    shutil.rmtree(state)


def _media_prints(data: Dataset, examples: Sequence[TrainExample]) -> dict[str, str | None]:
    """Every training medium's fingerprint (:func:`~camerabench.runfolder.video_fingerprint`: its size
    and first and last 64 KiB, 128 KiB read a file), by its path in the data folder."""
    from camerabench.runfolder import video_fingerprint

    paths: dict[str, Path] = {}
    for e in examples:
        if e.row is not None:
            for rel, path in zip(e.row.paths, e.row.media(data.root), strict=True):
                paths.setdefault(str(rel), path)
        else:
            paths.setdefault(f"videos/{e.video}", data.video_path(e.video))
    return {name: video_fingerprint(path) for name, path in sorted(paths.items())}


def _examples_sha256(examples: Sequence[TrainExample]) -> str:
    """SHA-256 of the training mixture as built (labels, prompts, answers, their seeded order)."""
    rows = [
        [e.video, e.prompt, e.answer, e.kind, None if e.row is None else [e.row.table, e.row.index, list(e.row.paths)]]
        for e in examples
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def _run_identity(
    data: Dataset,
    examples: Sequence[TrainExample],
    model_dir: str | Path,
    config: TrainConfig | GRPOConfig,
    stage: str | None = None,
) -> dict[str, Any]:
    """What a resumed run must share with the run it continues: the settings, the training data
    (the mixture's SHA-256 and every medium's fingerprint) and the starting checkpoint (its
    config.json, weights and processor files). The weights are hashed whole (20-30 s for a 7B
    checkpoint; :func:`~camerabench.baselines.vlm.checkpoint.weights_sha256`). GRPO passes its
    prompts as ``examples`` and ``stage="grpo"`` (an SFT run's identity has no stage: its states
    written before GRPO resumed still load)."""
    from camerabench.baselines.vlm.checkpoint import processor_sha256, weights_sha256

    model = Path(model_dir)
    return {
        **({"stage": stage} if stage is not None else {}),
        "config": asdict(config),
        "examples_sha256": _examples_sha256(examples),
        "media": _media_prints(data, examples),
        "checkpoint": {
            "config_sha256": hashlib.sha256((model / "config.json").read_bytes()).hexdigest(),
            "weights_sha256": weights_sha256(model),
            "processor_sha256": processor_sha256(model),
        },
    }


def _identity_differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between a resume state's run identity and this run's, for a message."""
    old_stage, new_stage = saved.get("stage", "sft"), now.get("stage", "sft")
    if old_stage != new_stage:  # every setting would differ: the stage alone is named
        return [f"the state is of a --stage {old_stage} run, this is --stage {new_stage}"]
    diffs: list[str] = []
    old_cfg, new_cfg = saved.get("config", {}), now["config"]
    for key in sorted(set(old_cfg) | set(new_cfg)):
        if old_cfg.get(key) != new_cfg.get(key):
            diffs.append(f"setting {key}: {old_cfg.get(key)!r} then, {new_cfg.get(key)!r} now")
    old_media, new_media = saved.get("media", {}), now["media"]
    changed = [m for m in sorted(set(old_media) | set(new_media)) if old_media.get(m) != new_media.get(m)]
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        diffs.append(f"training media changed, added or removed: {shown}")
    if saved.get("examples_sha256") != now["examples_sha256"]:
        diffs.append("the training examples (labels, captions or multiple-choice rows) differ")
    for key, what in (
        ("config_sha256", "config.json"),
        ("weights_sha256", "weights"),
        ("processor_sha256", "tokenizer, chat template or processor files"),
    ):
        if saved.get("checkpoint", {}).get(key) != now["checkpoint"][key]:
            diffs.append(f"the starting checkpoint's {what} differ")
    return diffs


@dataclass
class _Position:
    """Where an SFT run is: its epoch, that epoch's example order and the accumulation groups of it done."""

    epoch: int = 0
    order: list[int] | None = None  # None: the next epoch's order is not drawn yet
    groups_done: int = 0
    epoch_loss: list[float] = field(default_factory=list)
    resumed_at: list[int] = field(default_factory=list)


def _numpy_rng_state() -> list[Any]:
    import numpy as np

    state = np.random.get_state(legacy=True)
    assert isinstance(state, tuple)  # legacy=True: ('MT19937', keys, pos, has_gauss, cached_gaussian)
    name, keys, pos, has_gauss, gauss = state
    return [name, torch.from_numpy(np.asarray(keys).astype("int64")), int(pos), int(has_gauss), float(gauss)]


def _set_numpy_rng_state(state: list[Any]) -> None:
    import numpy as np

    name, keys, pos, has_gauss, gauss = state
    np.random.set_state((name, keys.numpy().astype("uint32"), pos, has_gauss, gauss))


def rng_states() -> dict[str, Any]:
    """The process's random states (torch, every CUDA device's, NumPy's and Python's), as a resume
    state keeps them. GRPO takes them at each step's end: its sampling draws from torch's generator,
    so the state saved on an interrupt in the middle of a step must be the one the step started from."""
    return {
        "rng_torch": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "rng_numpy": _numpy_rng_state(),
        "rng_python": random.getstate(),
    }


def write_resume_state(
    state_dir: Path,
    step: int,
    model: Any,
    optimizer: torch.optim.Optimizer,
    tensors: dict[str, Any],
    record: dict[str, Any],
    rngs: dict[str, Any] | None = None,
) -> float:
    """Save a run's state after ``step`` optimiser steps into ``state_dir``; returns the seconds taken.

    The tensors (the trainable weights as the run keeps them, float32 where so; AdamW's state; the
    random states ``rngs``, by default the process's now (:func:`rng_states`); the run's own
    ``tensors``) go to ``step-<n>.pt``, then the run's ``record`` (with the format version and the
    step) to ``step-<n>.json``, each written under a temporary name and renamed (fsynced); the
    earlier step's files are deleted last. A save interrupted at any point leaves the earlier state whole.

    Raises:
        WriteError: the folder cannot be written (naming it).
    """
    import time

    from camerabench.fileio import atomic_open, make_folder

    start = time.perf_counter()
    make_folder(state_dir)
    before = _state_steps(state_dir)
    # one id in both files and the step in each: a record beside another save's tensors, or files
    # copied under another step's name, are refused on loading (red team R78: they resumed silently
    # to other weights, or "after step 99 of 62")
    state_id = uuid.uuid4().hex
    saved = {
        "params": {n: p.detach().to("cpu", copy=True) for n, p in model.named_parameters() if p.requires_grad},
        "optimizer": optimizer.state_dict(),
        **(rng_states() if rngs is None else rngs),
        **tensors,
        "state_id": state_id,
        "state_step": step,
    }
    try:
        with atomic_open(state_dir / _STATE_TENSORS.format(step), "wb") as fh:
            torch.save(saved, fh)
        with atomic_open(state_dir / _STATE_RECORD.format(step)) as text:  # written last: the step is complete
            text.write(json.dumps({"version": _STATE_VERSION, "steps": step, "state_id": state_id, **record}) + "\n")
    except (OSError, RuntimeError) as exc:  # torch.save reports a full disk as a RuntimeError (from ENOSPC)
        cause = exc if isinstance(exc, OSError) else exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise write_error(state_dir, cause) from exc
        raise WriteError(state_dir, f"the resume state could not be written: {_one_line(exc)}") from exc
    for old in before:
        if old != step:
            (state_dir / _STATE_TENSORS.format(old)).unlink(missing_ok=True)
            (state_dir / _STATE_RECORD.format(old)).unlink(missing_ok=True)
    return time.perf_counter() - start


def save_resume_state(
    state_dir: Path,
    model: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    rng: random.Random,
    result: TrainResult,
    position: _Position,
    identity: dict[str, Any],
    rngs: dict[str, Any] | None = None,
) -> float:
    """Save what continuing an SFT run needs into ``state_dir`` after ``result.steps`` steps
    (:func:`write_resume_state`, with the random states ``rngs``: those at the end of that step);
    returns the seconds taken.

    Besides the weights, AdamW's state and the random states, the data order's generator; the
    record holds the position in the epoch, the losses so far, the LR scheduler's state and the run
    identity.

    Raises:
        WriteError: the folder cannot be written (naming it).
    """
    record = {
        "epoch": position.epoch,
        "order": position.order,
        "groups_done": position.groups_done,
        "epoch_loss": position.epoch_loss,
        "step_losses": result.step_losses,
        "epoch_losses": result.epoch_losses,
        "resumed_at": position.resumed_at,
        "scheduler": scheduler.state_dict(),
        "identity": identity,
    }
    return write_resume_state(state_dir, result.steps, model, optimizer, {"rng_loop": rng.getstate()}, record, rngs)


#: What every resume state holds (:func:`write_resume_state`): the record's keys and the tensors'.
_STATE_RECORD_KEYS = ("steps", "state_id", "identity", "resumed_at")
_STATE_TENSOR_KEYS = (
    "params",
    "optimizer",
    "rng_torch",
    "rng_cuda",
    "rng_numpy",
    "rng_python",
    "state_id",
    "state_step",
)
#: What an SFT state adds (:func:`save_resume_state`, :func:`_restore`).
SFT_STATE_KEYS = (
    ("epoch", "order", "groups_done", "epoch_loss", "step_losses", "epoch_losses", "scheduler"),
    ("rng_loop",),
)


def load_resume_state(
    state_dir: Path,
    identity: dict[str, Any],
    keys: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The last complete step's record and tensors in ``state_dir``, after checking that this run is
    the one saved (:func:`_run_identity`) and that the record and the tensors hold what every state
    does and the stage's ``keys`` (its record's, its tensors').

    Raises:
        CameraBenchError: the settings, the data or the starting checkpoint differ (naming each).
        FileFormatError: the state's files are unreadable, or lack a field (edited or damaged: a
            ``KeyError`` traceback in the middle of restoring it before, red team R77).
    """
    steps = _state_steps(state_dir)
    if not steps:
        raise CameraBenchError(f"{state_dir}: no complete resume state to continue from")
    record_path = state_dir / _STATE_RECORD.format(steps[-1])
    record = _read_object(record_path)
    if record.get("version") != _STATE_VERSION:
        raise FileFormatError(record_path, f"resume state version {record.get('version')!r}, not {_STATE_VERSION}")
    diffs = _identity_differences(record.get("identity", {}), identity)
    if diffs:
        raise CameraBenchError(
            f"{state_dir}: refusing to resume: this run differs from the one saved ({'; '.join(diffs)}); a "
            "resumed run must reproduce the run it continues. Run the saved command again with --resume, or "
            "start a new run with --overwrite (the resume state is then deleted)"
        )
    _refuse_incomplete_state(record_path, record, (*_STATE_RECORD_KEYS, *keys[0]))
    tensors_path = state_dir / _STATE_TENSORS.format(steps[-1])
    try:
        tensors = torch.load(tensors_path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, pickle errors, EOFError on a damaged file: named
        why = _one_line(exc)
        if "weights_only" in why or "Invalid argument" in why:  # torch's advice to unpickle it unchecked; a cut file
            why = "not a whole state file (cut short, or overwritten)"
        raise FileFormatError(tensors_path, f"the resume state does not load: {why}") from exc
    _refuse_incomplete_state(tensors_path, tensors, (*_STATE_TENSOR_KEYS, *keys[1]))
    if not (record["steps"] == tensors["state_step"] == steps[-1] and record["state_id"] == tensors["state_id"]):
        raise FileFormatError(
            record_path,
            f"the resume state's files do not belong together (the record says step {record['steps']!r}, its "
            f"tensors step {tensors['state_step']!r}, the file names step {steps[-1]}; or they are of two saves): "
            "copied or edited by hand; start a new run with --overwrite (the state is then deleted)",
        )
    return record, tensors


def _refuse_incomplete_state(path: Path, content: Any, keys: tuple[str, ...]) -> None:
    """Refuse a resume state file that is not an object holding every one of ``keys``."""
    missing = [k for k in keys if k not in content] if isinstance(content, dict) else list(keys)
    if missing:
        raise FileFormatError(
            path,
            f"the resume state lacks {', '.join(missing)} (edited, or written by another camerabench): it "
            "cannot be continued; start a new run with --overwrite (the state is then deleted)",
        )


def restore_weights_and_rngs(tensors: dict[str, Any], model: Any, optimizer: torch.optim.Optimizer) -> None:
    """Put a loaded resume state's trainable weights, AdamW state and random states (:func:`rng_states`)
    into the run's model, optimiser and the process.

    Raises:
        CameraBenchError: the state's trainable weights are not this model's.
    """
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    saved = tensors["params"]
    if set(saved) != set(trainable):
        raise CameraBenchError(
            f"the resume state's trainable weights ({len(saved)}) are not this run's ({len(trainable)})"
        )
    with torch.no_grad():
        for name, p in trainable.items():
            p.copy_(saved[name])
    optimizer.load_state_dict(tensors["optimizer"])
    torch.set_rng_state(tensors["rng_torch"])
    if tensors["rng_cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(tensors["rng_cuda"])
    _set_numpy_rng_state(tensors["rng_numpy"])
    random.setstate(tensors["rng_python"])


def _restore(
    record: dict[str, Any],
    tensors: dict[str, Any],
    model: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    rng: random.Random,
    result: TrainResult,
) -> _Position:
    """Put a loaded SFT resume state into the run's model, optimiser, scheduler and random generators."""
    restore_weights_and_rngs(tensors, model, optimizer)
    scheduler.load_state_dict(record["scheduler"])
    rng.setstate(tensors["rng_loop"])
    result.steps = int(record["steps"])
    result.step_losses = list(record["step_losses"])
    result.epoch_losses = list(record["epoch_losses"])
    return _Position(
        int(record["epoch"]),
        record["order"],
        int(record["groups_done"]),
        list(record["epoch_loss"]),
        [*record["resumed_at"], result.steps],
    )


class _Terminated(SystemExit):
    """SIGTERM arrived during training: unwind (the resume state saved), then exit with 128 + 15."""


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While training, SIGTERM unwinds like Ctrl-C (so the resume state is saved) instead of ending
    the process on the spot; only in the main thread, and only where SIGTERM has its default action
    or the command line's unwinding (:func:`camerabench.cli.sigterm_unwinds`, restored after)."""
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or (
        previous != signal.SIG_DFL and not getattr(previous, "camerabench_unwinds", False)
    ):
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM during an optimiser update (the weights, AdamW's moments, the scheduler
    and the step count change together), delivering them after it: an interrupt half-way would leave
    a state no uninterrupted run has, and the resume state saved on the interrupt would hold it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    if any(h is None for h in previous.values()):  # a handler not set from Python: left alone
        yield
        return
    for s in previous:
        signal.signal(s, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    for signum in held[:1]:
        handler = previous[signal.Signals(signum)]
        if callable(handler):
            handler(signum, None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(signum)


def train(
    data_dir: str | Path,
    model_dir: str | Path,
    out_dir: str | Path,
    config: TrainConfig,
    *,
    overwrite: bool = False,
    resume: bool = False,
    save_every: int = DEFAULT_SAVE_EVERY,
) -> TrainResult:
    """Fine-tune the checkpoint at ``model_dir`` on ``data_dir``'s labels and save it to ``out_dir``.

    The output folder is written under a temporary name and renamed when complete: a run stopped
    before (Ctrl-C, an error) leaves no model there, and is logged with the step it reached. The
    run's resume state (:func:`save_resume_state`: trainable weights, AdamW and scheduler state,
    position in the epoch's order, random states) is saved in :func:`resume_state_dir` every
    ``save_every`` optimiser steps, when the run is interrupted (Ctrl-C, SIGTERM) and before the
    final model is saved; it is deleted once the model is. ``resume`` continues from it, refused
    when the settings, the training data or the starting checkpoint differ: the resumed run saves
    the model the uninterrupted run would (bit for bit on CPU). Without ``resume`` an existing state
    is refused unless ``overwrite`` (:func:`refuse_resume_state`). An ``out_dir`` that already holds a
    model is refused unless ``overwrite`` (:func:`refuse_finished_model`).
    """
    config.check()  # the settings first: a bad one is refused without importing transformers
    if isinstance(save_every, bool) or not isinstance(save_every, int) or save_every < 1:
        raise CameraBenchError(f"save_every must be an integer >= 1 (optimiser steps), got {save_every!r}")
    ensure_transformers_importable()
    from transformers import get_cosine_schedule_with_warmup

    # the device and dtype before the data: a bad --device was refused after every medium was decoded
    compute_dtype = resolve_dtype(config.dtype, resolve_device(config.device))
    refuse_out_is_model(model_dir, out_dir)
    check_checkpoint_out(out_dir)
    refuse_resume_state(out_dir, resume, overwrite)
    if not resume:
        refuse_finished_model(out_dir, overwrite)
    # the checkpoint before the data: a config over another model's weights (or any broken file) was
    # refused only when the model loaded, after every training medium was decoded (check_checkpoint
    # names a config of the other Qwen-VL generation: refuse_arch_mismatch)
    check_checkpoint(model_dir)
    check_pixel_budgets(model_dir, config)
    check_lora_rank(model_dir, config)  # a huge rank ran out of memory after every medium was decoded
    data = Dataset(data_dir)
    examples = build_examples(data, captions=config.captions, seed=config.seed, mcq=config.mcq)
    mcq = [e.row for e in examples if e.row is not None]
    _, total_steps = plan_steps(len(examples), config)  # before the media are decoded
    warn_batch_above_examples(len(examples), config)
    # the text before the media and the model: a caption longer than the model's positions stopped the
    # run when training reached it, naming no label file or video
    check_text_lengths(model_dir, data, examples)
    check_yes_token(model_dir, examples)  # a model trained on yes/no that predict can never score
    state_dir = resume_state_dir(out_dir)
    identity = _run_identity(data, examples, model_dir, config)
    # a changed run is refused before the media are decoded
    loaded = load_resume_state(state_dir, identity, SFT_STATE_KEYS) if resume else None
    check_media_decode(data, {e.video for e in examples if e.row is None}, mcq, model_dir, config.max_side)
    torch.manual_seed(config.seed)
    weights_dtype = config.dtype if config.lora else "float32"  # trainable weights stay float32
    vl = load_qwen_vl(model_dir, device=config.device, dtype=weights_dtype, max_pixels=config.max_pixels)
    model = freeze(vl, config.lora, config.lora_rank, config.train_vision)
    autocast = (
        torch.autocast(vl.device.type, dtype=compute_dtype)
        if compute_dtype != torch.float32
        else contextlib.nullcontext()
    )
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    log.info("training %d examples, %d trainable parameters", len(examples), sum(p.numel() for p in params))

    @functools.lru_cache(maxsize=8)
    def video(name: str) -> VisualInputs:
        return encode_video(vl, data.video_path(name), sample_fps=config.sample_fps, max_side=config.max_side)

    @functools.lru_cache(maxsize=8)
    def media(row_key: tuple[str, str]) -> list[VisualInputs]:
        row = rows[row_key]
        return encode_media(vl, row, row.media(data.root), fps=config.mcq_fps, max_pixels=config.mcq_max_pixels)

    rows = {(e.row.table, e.row.index): e.row for e in examples if e.row is not None}

    def content(e: TrainExample) -> list[VisualInputs | str]:
        if e.row is not None:
            return [*media((e.row.table, e.row.index)), e.prompt]
        return [video(e.video), e.prompt]

    def encode(e: TrainExample) -> Encoded:
        try:
            return vl.encode(content(e), answer=e.answer)
        except PredictionError as exc:  # too long with its visual tokens: re-raised naming the example
            raise PredictionError(f"{_describe([e])}: {exc}") from exc

    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    # warm-up steps run at lr * step / warmup_steps, the first at lr 0: a warm-up as long as the whole
    # run (1 step, warmup >= 0.5) trained at lr 0 and saved the base model unchanged
    warmup_steps = min(round(config.warmup * total_steps), total_steps - 1)
    scheduler = get_cosine_schedule_with_warmup(optimizer, warmup_steps, total_steps)
    rng = seeded_rng(config.seed)
    result = TrainResult(Path(out_dir), len(examples), 0)
    at = _Position()
    if loaded is not None:
        at = _restore(*loaded, model, optimizer, scheduler, rng, result)
        log.info("resuming from %s after step %d of %d (epoch %d)", state_dir, result.steps, total_steps, at.epoch + 1)

    # the random states at the end of the last whole step: a Ctrl-C part-way into the next one saves
    # these, not the states its forward passes moved on (dropout would draw from them; Qwen's is 0,
    # but a checkpoint's config may set it: the resumed run must draw what the uninterrupted one does)
    step_rngs = rng_states()

    def save_state() -> None:
        took = save_resume_state(state_dir, model, optimizer, scheduler, rng, result, at, identity, step_rngs)
        log.info("resume state after step %d of %d saved to %s (%.2f s)", result.steps, total_steps, state_dir, took)

    saved_at: int | None = result.steps if loaded is not None else None  # the step the state on disk holds
    saving: bool | None = None  # None: training; else saving (True: over an earlier model)
    try:
        with _sigterm_unwinds():
            # an epoch whose order is drawn is finished (its mean loss logged) even when resumed after its last step
            while result.steps < total_steps or at.order is not None:
                if at.order is None:  # a new epoch: its order drawn
                    at.order = list(range(len(examples)))
                    rng.shuffle(at.order)
                    at.groups_done, at.epoch_loss = 0, []
                order = at.order
                micro = [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]
                for k in range(at.groups_done * config.grad_accum, len(micro), config.grad_accum):
                    if result.steps >= total_steps:
                        break
                    group = micro[k : k + config.grad_accum]
                    batches = [[encode(examples[i]) for i in batch_idx] for batch_idx in group]

                    def non_finite(
                        value: float,
                        j: int,
                        step: int = result.steps + 1,
                        group: list[list[int]] = group,
                        kept: str = _kept(saved_at, state_dir, out_dir),
                    ) -> CameraBenchError:
                        return CameraBenchError(
                            f"non-finite training loss ({value}) at step {step} of {total_steps} "
                            f"(lr {config.lr}), on {_describe([examples[i] for i in group[j]])}; stopped, {kept}"
                        )

                    step_loss = accumulate_gradients(vl, model, batches, autocast, non_finite)
                    refuse_non_finite_gradients(model, params, f"step {result.steps + 1} of {total_steps}", out_dir)
                    with _signals_deferred():  # the update whole or not at all
                        optimizer.step()
                        scheduler.step()
                        optimizer.zero_grad(set_to_none=True)
                        result.steps += 1
                        result.step_losses.append(step_loss)
                        at.epoch_loss.append(step_loss)
                        at.groups_done += 1
                        step_rngs = rng_states()
                    if result.steps % save_every == 0 or result.steps == total_steps:
                        save_state()  # the last step's too: a save of the model interrupted loses nothing
                        saved_at = result.steps
                at.epoch += 1
                at.order = None
                result.epoch_losses.append(sum(at.epoch_loss) / len(at.epoch_loss))
                log.info(
                    "epoch %d: mean loss %.4f (%d/%d steps)",
                    at.epoch,
                    result.epoch_losses[-1],
                    result.steps,
                    total_steps,
                )
        info = {
            "stage": "sft",
            "base_model": str(Path(model_dir).resolve()),
            "config": asdict(config),
            # what the settings asked for resolved to (red team R25: "device": null, "dtype": null and a
            # warm-up fraction of 0.05 that ran as 0 steps were all the file said)
            "resolved": {
                "device": str(vl.device),
                "dtype": str(compute_dtype).removeprefix("torch."),
                "warmup_steps": warmup_steps,
                "total_steps": total_steps,
                "schedule": "cosine with linear warm-up (transformers get_cosine_schedule_with_warmup)",
            },
            "num_examples": result.num_examples,
            "steps": result.steps,
            "epoch_losses": result.epoch_losses,
            "step_losses": result.step_losses,
            **({"resumed_after_steps": at.resumed_at} if at.resumed_at else {}),
        }
        saving = (Path(out_dir) / "config.json").is_file()  # True: an earlier model, replaced (overwrite)
        save_checkpoint(vl, model, Path(model_dir), Path(out_dir), info, compute_dtype)
    except (KeyboardInterrupt, _Terminated) as exc:
        if saving is None and saved_at != result.steps:  # the model, optimiser and position are whole
            save_state()  # a second Ctrl-C during it leaves the earlier state (every file is renamed into place)
            saved_at = result.steps
        how = "interrupted" if isinstance(exc, KeyboardInterrupt) else "terminated (SIGTERM)"
        where = _interrupted(saving, result.steps, total_steps, at.epoch, model_dir, out_dir, (saved_at, state_dir))
        log.error("training %s %s", how, where)
        raise
    except Exception as exc:  # logged with the step it stopped at, then raised as it is
        if saving is not None or result.steps < total_steps:
            where = _interrupted(saving, result.steps, total_steps, at.epoch, model_dir, out_dir, (saved_at, state_dir))
            log.error("training stopped by %s %s", type(exc).__name__, where)
        raise
    drop_resume_state(state_dir)
    return result


def drop_resume_state(state_dir: Path, why: str = "the model is saved") -> None:
    """Delete a finished run's resume state; one that cannot be deleted is warned about by name
    (``why`` the run is over), not raised: the run's outcome stands. A Ctrl-C (or SIGTERM) while it
    is deleted is logged as coming after the run's end, with what may be left, and raised: it exited
    with "interrupted" alone just after "saved fine-tuned checkpoint", saying nothing of the model."""
    if not state_dir.exists():
        return
    try:
        shutil.rmtree(state_dir)
    except OSError as exc:  # the run is over: the leftover is named
        log.warning("%s: the resume state could not be deleted (%s); %s: delete it", state_dir, exc, why)
    except (KeyboardInterrupt, _Terminated) as exc:
        how = "interrupted" if isinstance(exc, KeyboardInterrupt) else "terminated (SIGTERM)"
        log.error(
            "%s while deleting the resume state %s after the run ended (%s): part of it may be left; delete it",
            how,
            state_dir,
            why,
        )
        raise


def _kept(saved_at: int | None, state_dir: Path, out_dir: str | Path) -> str:
    """What a stopped SFT or GRPO run kept: the resume state and how to continue, or nothing."""
    if saved_at is None:
        return f"nothing saved to {out_dir}"
    return (
        f"no model saved to {out_dir}; the run's state after step {saved_at} is in {state_dir}: run the same "
        "command with --resume to continue from it"
    )


def _interrupted(
    saving: bool | None,
    step: int,
    total: int,
    epoch: int,
    model_dir: str | Path,
    out_dir: str | Path,
    state: tuple[int | None, Path] | None = None,
) -> str:
    """Where an SFT or GRPO run was interrupted (Ctrl-C, SIGTERM) or stopped by an error, and what it left.

    The model is saved under a temporary name (removed when the save is interrupted) and renamed into
    place when complete. SFT and GRPO pass ``state``: the step their resume state holds (None: none
    saved yet) and the state's folder, named with the flag that continues from it; without one a
    rerun starts again from ``model_dir``. An earlier model
    being replaced (``overwrite``) is swapped out whole (:func:`checkpoint_folder`): it was called
    "partly deleted" ("check or delete it"), though it is complete, or complete beside ``out_dir``
    when the run stopped between the two renames.
    """
    if state is not None and state[0] is not None:
        again = (
            f"the run's state after step {state[0]} of {total} is saved in {state[1]}: run the same command with "
            "--resume to continue from it"
        )
    elif state is not None:  # a resumable run stopped before its first save
        again = f"no resume state saved yet: a rerun starts again from {model_dir}"
    else:
        again = f"no intermediate checkpoints are kept: a rerun starts again from {model_dir}"
    if saving is None:
        at = f"at step {step + 1} of {total}" + (f" (epoch {epoch + 1})" if epoch >= 0 else "")
        if state is not None and state[0] is not None:
            return f"{at}; no model saved to {out_dir}; {again}"
        return f"{at}; nothing saved to {out_dir} ({again})"
    if (Path(out_dir) / "camerabench_train.json").is_file() and not saving:
        return f"just after saving the trained model: {out_dir} holds it, complete"
    if saving:
        out = Path(out_dir)
        if (out / "config.json").is_file():
            return (
                f"while saving the trained model over the earlier one in {out_dir}, which is replaced whole: it "
                "holds the earlier model or the new one, complete (its camerabench_train.json says which; "
                f"{again})"
            )
        aside = [p.name for p in moved_aside(out) if (p / "config.json").is_file()]
        kept = f"the earlier model is complete in {', '.join(aside)} beside it: rename it back" if aside else ""
        return f"while replacing the earlier model in {out_dir}; nothing saved there ({kept or again})"
    return f"while saving the trained model; nothing saved to {out_dir} ({again})"


def _describe(batch: list[TrainExample]) -> str:
    """The examples of a micro-batch, for an error message (kind and video, at most three)."""
    shown = ", ".join(f"{e.kind} example of {e.video}" for e in batch[:3])
    return shown + (f" and {len(batch) - 3} more" if len(batch) > 3 else "")


def labelled_tokens(batch: list[Any]) -> int:
    """The tokens of ``batch`` (encoded examples) that the loss is taken over (labels other than -100)."""
    return sum(int((e.labels != -100).sum()) for e in batch if e.labels is not None)


def accumulate_gradients(
    vl: Any, model: Any, batches: list[list[Any]], autocast: Any, non_finite: Callable[[float, int], Exception]
) -> float:
    """Backpropagate one optimiser step's micro-batches and return the step's loss.

    Each micro-batch's loss (the model's mean over its labelled tokens) is weighted by its share
    of the step's labelled tokens, so the step's gradient is that of the mean over all of them:
    ``--batch-size 1 --grad-accum 4`` takes the step ``--batch-size 4`` takes, as transformers'
    Trainer does since 4.46. Averaging the micro-batches equally (before) weighted a 2-token yes/no
    answer like a 6-token caption, and a short last micro-batch like a full one (red team R25: the
    gradient 0.55 away, relative, from the token mean). With one micro-batch per step nothing
    changes.

    Raises:
        the exception ``non_finite(value, j)`` builds for micro-batch ``j`` whose loss is not
        finite (before its backward pass).
    """
    import torch

    counts = [labelled_tokens(batch) for batch in batches]
    total = sum(counts)
    step_loss = 0.0
    for j, (batch, n) in enumerate(zip(batches, counts, strict=True)):
        weight = n / total if total else 1.0 / len(batches)
        with autocast:
            loss = model(**vl.model_inputs(batch)).loss
        if not torch.isfinite(loss):
            raise non_finite(float(loss.detach()), j)
        (loss * weight).backward()
        step_loss += float(loss.detach()) * weight
    return step_loss


def refuse_non_finite_gradients(model: Any, params: list[torch.nn.Parameter], where: str, out_dir: str | Path) -> None:
    """Clip the gradients' norm to 1 and refuse a non-finite norm before the optimiser step.

    A NaN or infinite gradient behind a finite loss went into the weights (clipping multiplies by
    NaN); on the last step, the checkpoint was saved with NaN weights and the run reported success.

    Raises:
        CameraBenchError: naming the step, the output folder (not written) and the first such parameter.
    """
    grads = [p.grad for p in params if p.grad is not None]
    norm = torch.nn.utils.get_total_norm(grads)
    if bool(torch.isfinite(norm)):
        torch.nn.utils.clip_grads_with_norm_(params, 1.0, norm)  # as clip_grad_norm_(params, 1.0)
    else:
        bad = next(
            (n for n, p in model.named_parameters() if p.grad is not None and not bool(torch.isfinite(p.grad).all())),
            None,
        )
        which = f" (first in {bad})" if bad is not None else ""
        saved = f"; nothing saved to {out_dir}" if out_dir else ""
        raise CameraBenchError(
            f"non-finite gradients at {where}{which} behind a finite loss; stopped before the update{saved}"
        )


def save_checkpoint(vl: QwenVL, model: Any, src: Path, out: Path, info: dict[str, Any], dtype: torch.dtype) -> None:
    """Save the trained ``model`` (LoRA merged) in ``dtype`` with ``src``'s tokenizer and processor
    files, and ``info`` as ``camerabench_train.json``, to ``out`` (atomically).

    Raises:
        CameraBenchError: a weight is NaN or infinite (nothing is written; the checkpoint would be
            refused when loaded), or ``out`` cannot be written (a full disk: the message names the
            folder and says the training finished and how to save it: --resume).
    """
    plain = _unwrap(model).eval().to(dtype)
    bad = [name for name, p in plain.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise CameraBenchError(
            f"{len(bad)} trained tensor(s) hold NaN or infinite values ({shown}); nothing saved to {out}"
        )
    try:
        with checkpoint_folder(out) as tmp:
            plain.save_pretrained(tmp)
            vl.tokenizer.save_pretrained(tmp)
            for name in _PROCESSOR_FILES:
                if (src / name).is_file():
                    shutil.copyfile(src / name, tmp / name)
            atomic_write_text(tmp / "camerabench_train.json", json.dumps(info, indent=2) + "\n")
    except WriteError as exc:
        raise WriteError(
            exc.path,
            f"{exc.problem}; the training finished, but the model was not saved (its state after the last "
            "step is kept beside the output: free space and run the same command with --resume, which saves "
            "it without training again)",
        ) from exc
    log.info("saved fine-tuned checkpoint to %s", out)
