"""Loading a local Qwen2.5-VL or Qwen3-VL checkpoint (current or older transformers layout) and building inputs.

The generation is ``config.json``'s ``model_type`` (``qwen2_5_vl`` or ``qwen3_vl``; anything else is
refused): it picks the transformers class and the :class:`~camerabench.baselines.vlm.arch.QwenArch`
that the pixel preparation and the prompt building follow. Qwen3-VL checkpoints (published with
transformers 4.57) nest ``text_config``/``vision_config`` and ship ``preprocessor_config.json``,
``video_preprocessor_config.json`` and ``chat_template.json``; their weights are named
``model.language_model.*`` / ``model.visual.*``. Two Qwen2.5-VL layouts exist in the wild:

- **current** (transformers >= 4.5x / 5): ``config.json`` nests the language model's settings
  under ``text_config`` (rope settings in ``rope_parameters``); the processor is one composite
  ``processor_config.json`` (sub-dicts ``image_processor`` / ``video_processor``) or a
  ``video_preprocessor_config.json`` beside ``preprocessor_config.json``; the chat template is
  ``chat_template.jinja``.
- **older** (the published Qwen2.5-VL-7B-Instruct and the CameraBench fine-tunes, saved by
  transformers 4.49-4.51): a flat ``config.json`` (text settings at the root,
  ``rope_scaling: {"type": "mrope", ...}``, ``torch_dtype``, vision keys such as ``in_chans``);
  only ``preprocessor_config.json`` (image settings, ``min_pixels`` / ``max_pixels`` keys, a
  12.8 Mpx per-image limit) and no video processor config, so transformers 5 gives videos the
  video processor's class defaults (128*28*28 to 602112 pixels per frame): the cap
  (``max_pixels``, 360*420 by default) is applied in every case; the chat template in
  ``chat_template.json`` and/or ``tokenizer_config.json``.

Weight files: transformers 5 names the modules ``model.language_model.*`` / ``model.visual.*``
in memory but reads and writes the legacy names ``model.layers.*`` / ``visual.*`` that the
published checkpoints use (its weight-renaming conversion mapping), so weights load the same
in both layouts. transformers 5 also converts the older flat config when loading
(``Qwen2_5_VLConfig.__post_init__``). This module
reads the processor settings and chat template from whichever files exist, always with
``local_files_only=True`` (no network).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import os
import re
import secrets
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from camerabench import labelfiles
from camerabench.baselines.vlm.arch import QWEN25_VL, QwenArch, arch_for_model_type
from camerabench.baselines.vlm.compat import (
    PixelSpec,
    VisualInputs,
    ensure_transformers_importable,
    patch_timestamps,
)
from camerabench.baselines.vlm.config import DEFAULT_MAX_PIXELS
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import WriteError, make_folder, path_too_long, read_json, read_text, stand_in, write_error

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MIN_FRAMES",
    "IMAGE_MIN_PIXELS",
    "PROCESSOR_FILES",
    "VIDEO_MIN_PIXELS",
    "Encoded",
    "QwenVL",
    "VideoSampling",
    "check_checkpoint",
    "check_device_name",
    "check_tiny_out",
    "checkpoint_arch",
    "checkpoint_folder",
    "checkpoint_layout",
    "control_token_in",
    "is_blank",
    "load_qwen_vl",
    "moved_aside",
    "processor_files",
    "processor_sha256",
    "read_pixel_spec",
    "read_video_sampling",
    "refuse_arch_mismatch",
    "refuse_blank",
    "refuse_control_tokens",
    "report_moved_aside",
    "resolve_device",
    "resolve_dtype",
    "unfinished_saves",
]

log = logging.getLogger(__name__)

#: Lower bounds of transformers' Qwen2-VL video and image processors when a checkpoint sets none.
VIDEO_MIN_PIXELS = QWEN25_VL.video_min_pixels
IMAGE_MIN_PIXELS = QWEN25_VL.image_min_pixels
_DTYPES = {"bfloat16": torch.bfloat16, "bf16": torch.bfloat16, "float32": torch.float32, "fp32": torch.float32}
_PAD_TOKENS = {"video": "<|video_pad|>", "image": "<|image_pad|>"}
_VISION_START, _VISION_END = "<|vision_start|>", "<|vision_end|>"
_MM_TYPE = {"image": 1, "video": 2}  # transformers' mm_token_type_ids: text 0, image 1, video 2
#: How Qwen-VL's control tokens are written (``<|im_end|>``, ``<|video_pad|>``, ``<|vision_start|>``, ...):
#: the tokenizer reads such text as the control token itself, not as characters.
_CONTROL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]+\|>")


#: A special token written as a markup tag (``<think>``, ``</answer>``, ``<observation>``): reply text.
_TAG_TOKEN = re.compile(r"</?[A-Za-z][A-Za-z0-9_-]*>")


def control_token_in(text: str) -> str | None:
    """The first text in ``text`` written like a Qwen-VL control token (``<|name|>``), else None.

    In a question, an option or a caption such text would be tokenised as the control token (a
    visual placeholder, an end of turn), not as the characters: a different prompt or target
    than the text says. (``<think>``/``<answer>`` tags are ordinary text and allowed.)

    Example:
        >>> control_token_in("Does the camera pan?<|im_end|>"), control_token_in("<think>a</think>")
        ('<|im_end|>', None)
    """
    found = _CONTROL_TOKEN.search(text)
    return found.group(0) if found else None


def refuse_control_tokens(text: str, what: str) -> None:
    """Raise :class:`~camerabench.errors.PredictionError` when ``text`` holds control-token text.

    Raises:
        PredictionError: naming ``what``, the token and the text (shortened).
    """
    token = control_token_in(text)
    if token is not None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise PredictionError(
            f"{what} {shown!r} holds {token!r}, which the model's tokenizer reads as a control token, not as "
            "text; remove it"
        )


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: :func:`camerabench.labelfiles.is_blank` (white space, zero-width,
    format and control characters only), the test the label loaders refuse a question or caption by.

    Example:
        >>> is_blank(" \u200b\u2060\ufeff "), is_blank("\u200bPan?")
        (True, False)
    """
    return labelfiles.is_blank(text)


def refuse_blank(text: str, what: str) -> None:
    """Raise :class:`~camerabench.errors.PredictionError` when ``text`` is blank (:func:`is_blank`):
    a turn without its question was captioned or scored as if one had been asked. (``str.isspace``
    does not count zero-width characters: a question of only U+200B was scored.)

    Raises:
        PredictionError: naming ``what`` and the text.
    """
    if is_blank(text):
        # (repr writes invisible characters as escapes: '\u200b')
        raise PredictionError(f"{what} is empty or white space only ({text!r}): there is nothing to ask the model")


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line (library messages can span several), cut at ``limit`` characters."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def checkpoint_arch(path: str | Path) -> QwenArch:
    """The Qwen-VL generation of a checkpoint folder, from ``config.json``'s ``model_type``.

    Raises:
        FileFormatError: no config.json, or a ``model_type`` other than ``qwen2_5_vl`` /
            ``qwen3_vl`` (the message names the file and the supported types).
    """
    cfg_path = Path(path) / "config.json"
    if not cfg_path.is_file():
        if (Path(path) / _ADAPTER_CONFIG).is_file():
            raise FileFormatError(
                Path(path),
                f"a LoRA/PEFT adapter ({_ADAPTER_CONFIG}), not a model checkpoint (no config.json); {_MERGE}",
            )
        raise FileFormatError(Path(path), f"not a model checkpoint folder (no config.json){_what_it_holds(Path(path))}")
    cfg = _read_object(cfg_path)
    try:
        return arch_for_model_type(cfg.get("model_type"))
    except CameraBenchError as exc:
        raise FileFormatError(cfg_path, str(exc)) from None


#: Tokenizer files (``save_pretrained`` of a tokenizer alone writes these and no config.json).
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json")


def _what_it_holds(path: Path) -> str:
    """What a folder without config.json holds of a checkpoint (a tokenizer only, weights only), for
    the message: a tokenizer saved alone, or weights copied without their config, were reported only
    as "no config.json"."""
    if not path.is_dir():
        return ""
    tokenizer = [name for name in _TOKENIZER_FILES if (path / name).is_file()]
    weights = [name for name in _WEIGHT_FILES if (path / name).is_file()]
    if tokenizer and not weights:
        return f": it holds only a tokenizer ({', '.join(tokenizer)}), no model config or weights"
    if weights and not tokenizer:
        return f": it holds only model weights ({', '.join(weights)}), no config.json or tokenizer"
    if weights:
        return f": it holds model weights ({', '.join(weights)}) and a tokenizer but no config.json"
    return ""


def checkpoint_layout(path: str | Path) -> str:
    """``"current"`` or ``"older"`` (see the module docstring), from ``config.json``.

    Raises:
        FileFormatError: no config.json, or not a Qwen2.5-VL / Qwen3-VL config.
    """
    checkpoint_arch(path)
    cfg = _read_object(Path(path) / "config.json")
    return "current" if "text_config" in cfg else "older"


def check_checkpoint_out(out: str | Path) -> None:
    """Refuse a checkpoint destination whose replacement would delete something else.

    ``out`` may be new, an empty folder or an earlier checkpoint (a folder with ``config.json``
    and no subfolder), which is replaced. A file, or a folder holding anything but a checkpoint, is refused:
    ``make-tiny-vlm --out`` given a dataset folder had deleted the dataset. Training calls this
    before it starts, so the refusal does not come after the training. Folders beside ``out`` that an
    interrupted replace left (:func:`moved_aside`) are warned about by name.

    Raises:
        CameraBenchError: naming ``out`` and why.
        WriteError: ``out``'s parent cannot be created or written (checked with a probe).
    """
    _refuse_out(Path(out))
    report_moved_aside(out)


def _refuse_out(out: Path) -> None:
    """:func:`check_checkpoint_out` without the report (run again by the save itself)."""
    _check_parent_writable(out)
    if not (out.exists() or out.is_symlink()):
        return
    if out.is_symlink():  # rmtree refuses a link: the save would fail after the whole training
        raise CameraBenchError(
            f"{out}: is a link (to {out.readlink()}); refusing to replace it (give the folder itself or a new one)"
        )
    if not out.is_dir():
        raise CameraBenchError(f"{out}: is a file, not a checkpoint folder; refusing to replace it")
    if any(out.iterdir()) and not (out / "config.json").is_file():
        raise CameraBenchError(
            f"{out}: a folder that is not a checkpoint (no config.json); refusing to replace it "
            "(choose a new or empty folder)"
        )
    # a checkpoint is flat files: a folder inside (a run, a data set kept beside the weights) would be deleted
    # (.cache: huggingface-cli's download metadata in a --local-dir checkpoint)
    inner = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != ".cache")
    if inner:
        shown = ", ".join(inner[:3]) + (f" and {len(inner) - 3} more" if len(inner) > 3 else "")
        raise CameraBenchError(
            f"{out}: the checkpoint folder holds folder(s) {shown}, which replacing it would delete; refusing "
            "(move them out, or choose a new folder)"
        )


#: The files ``make-tiny-vlm`` writes (transformers 5: config, generation config, weights, tokenizer,
#: processor config, chat template) and those a save by an older transformers wrote in their place.
_TINY_FILES = frozenset(
    {
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "processor_config.json",
        "chat_template.jinja",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.json",
        "merges.txt",
        "preprocessor_config.json",
        "video_preprocessor_config.json",
        "chat_template.json",
    }
)
#: What a file browser leaves in every folder it shows (macOS Finder's ``.DS_Store`` and ``._*``,
#: Windows Explorer's ``Thumbs.db`` and ``desktop.ini``, as the demo and the generator pass over):
#: not a file of one's own, so a tiny checkpoint looked at in Finder is still replaced.
_HOUSEKEEPING = re.compile(r"\.DS_Store|\._.+|Thumbs\.db|desktop\.ini")
#: The toy sizes of the tiny model (``camerabench.baselines.vlm.tiny``'s config, both generations): text
#: hidden 64 in 2 layers, vision hidden 32 in 2 blocks. No published model is this small (the smallest
#: Qwen-VL has hidden 2048), so they tell the tiny checkpoint, of every camerabench version, from a real one.
_TINY_TEXT_SIZES = {"hidden_size": 64, "num_hidden_layers": 2, "intermediate_size": 128}
_TINY_VISION_SIZES = {"depth": 2, "hidden_size": 32, "intermediate_size": 64}


def _tiny_config(config: Path) -> tuple[bool, str]:
    """Whether ``config`` (a ``config.json``) has the tiny model's sizes, and what it says otherwise."""
    try:
        cfg = _read_object(config)
    except FileFormatError as exc:  # reported in the refusal, not passed over
        return False, f"config.json unreadable: {exc}"
    nested = cfg.get("text_config")
    text = nested if isinstance(nested, dict) else cfg  # the older flat layout keeps them at the root
    vision = cfg.get("vision_config")
    vision = vision if isinstance(vision, dict) else {}
    tiny = all(text.get(k) == v for k, v in _TINY_TEXT_SIZES.items()) and all(
        vision.get(k) == v for k, v in _TINY_VISION_SIZES.items()
    )
    layers = text.get("num_hidden_layers")
    shown = f"model_type {cfg.get('model_type')!r}, hidden size {text.get('hidden_size')!r}"
    return tiny, shown + (f", {layers!r} layers" if layers is not None else "")


def _listed(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def check_tiny_out(out: str | Path, overwrite: bool = False) -> None:
    """Refuse a ``make-tiny-vlm`` destination that holds something other than a tiny checkpoint
    ``make-tiny-vlm`` wrote (or nothing), unless ``overwrite``.

    :func:`check_checkpoint_out` lets any flat folder with a ``config.json`` be replaced (training
    replaces its own output with ``--overwrite``): ``make-tiny-vlm --out`` replaced a trained model
    (its ``camerabench_train.json`` and weights lost) or a downloaded Qwen2.5-VL-7B with random
    weights, without a word. A tiny checkpoint is told by the toy sizes of its config (every
    camerabench version's) and by holding only the files a tiny save writes. A folder without a
    ``config.json``, with subfolders, a link or a file stay :func:`check_checkpoint_out`'s to refuse,
    ``overwrite`` or not.

    Raises:
        CameraBenchError: naming ``out`` and what it holds.
    """
    out = Path(out)
    too_long = path_too_long(out)
    if too_long is not None:  # out.is_symlink() raised "[Errno 36] File name too long" as a traceback
        raise CameraBenchError(f"{out}: cannot be a checkpoint folder: {too_long}")
    if overwrite or out.is_symlink() or not out.is_dir() or not (out / "config.json").is_file():
        return
    names = sorted(p.name for p in out.iterdir())
    tiny, config = _tiny_config(out / "config.json")
    weights = sorted(n for n in names if n.endswith((".safetensors", ".bin", ".index.json")))
    if "camerabench_train.json" in names:
        what = "a model trained by camerabench train (camerabench_train.json"
        what += f", {_listed(weights)})" if weights else ")"
    elif not tiny:
        what = f"a model checkpoint make-tiny-vlm did not write ({config}"
        what += f"; weights {_listed(weights)})" if weights else "; no weights)"
    else:
        foreign = [n for n in names if n not in _TINY_FILES and not _HOUSEKEEPING.fullmatch(n)]
        if not foreign:
            return  # a tiny checkpoint of its own: replaced
        what = f"a tiny checkpoint and files make-tiny-vlm does not write ({_listed(foreign)})"
    raise CameraBenchError(
        f"{out}: holds {what}; make-tiny-vlm replaces only a tiny checkpoint it wrote or an empty folder, so "
        "refusing to overwrite it with random weights: choose a new folder, or pass --overwrite to replace it"
    )


def _check_parent_writable(out: Path) -> None:
    """The folder ``out`` goes in must be creatable and writable: else training would run to the
    end and then fail to save (a file in the way, a read-only location), losing the result.

    Probed with a temporary folder in the nearest existing ancestor, removed at once (nothing is
    left behind, not even the missing parents).

    Raises:
        WriteError: naming the folder and why it cannot be written.
    """
    parent = out.absolute().parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is None:  # pragma: no cover - the root always exists
        return
    if not existing.is_dir():
        raise write_error(parent, NotADirectoryError(20, "Not a directory"))
    try:
        Path(tempfile.mkdtemp(prefix=f".{out.name}.probe.", dir=existing)).rmdir()
    except OSError as exc:
        raise write_error(existing, exc) from exc


#: The middle of the name a replaced checkpoint is moved aside to while its replacement is renamed in
#: (``.<name>~replaced.<random>``, beside it). Not ``.<name>.``: that prefix is a save still being
#: written (or one killed while writing: never a complete model), this one holds a complete model.
_ASIDE = "~replaced."


def moved_aside(out: str | Path) -> list[Path]:
    """Folders beside ``out`` that a replace of ``out`` (``--overwrite``) moved the old model to and
    did not finish with (:func:`checkpoint_folder`), sorted by name.

    With ``out`` missing, such a folder is the complete old model (the replace was interrupted between
    moving it aside and moving the new one in: rename it back). With ``out`` present, the new model is
    in place and the folder is the old one, possibly partly deleted (the delete was interrupted).
    """
    out = Path(out)
    if not out.parent.is_dir():
        return []
    prefix = f".{out.name}{_ASIDE}"
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def _aside_note(out: Path, aside: list[Path]) -> str:
    """What the folders :func:`moved_aside` found are, and what to do with them, for a message."""
    names = ", ".join(p.name for p in aside[:3]) + (f" and {len(aside) - 3} more" if len(aside) > 3 else "")
    if out.exists() or out.is_symlink():
        return (
            f"{len(aside)} folder(s) beside it ({names}) hold the model that was there before it was replaced "
            "(--overwrite), left by a delete that did not finish and possibly partly deleted: not a model to "
            "load; delete them"
        )
    # the one moved aside last (a rename sets a folder's change time) is the model that was at out
    complete = [p for p in aside if (p / "config.json").is_file()]
    last = max(complete, key=lambda p: p.stat().st_ctime_ns).name if complete else None
    return (
        f"{len(aside)} folder(s) beside it ({names}) hold the model that was at {out.name}, moved aside by a "
        f"replace (--overwrite) interrupted before the new model was moved in"
        + (f"; rename {last} back to {out.name} to restore it" if last else "")
    )


def report_moved_aside(out: str | Path) -> list[Path]:
    """Warn (naming them) about the folders :func:`moved_aside` finds beside ``out``; returns them."""
    out = Path(out)
    aside = moved_aside(out)
    if aside:
        log.warning("%s: %s", out, _aside_note(out, aside))
    return aside


@contextlib.contextmanager
def checkpoint_folder(out: str | Path) -> Iterator[Path]:
    """Write a checkpoint folder atomically: yields a temporary sibling folder (``.<name>.<random>``)
    that becomes ``out`` when the block succeeds, and is removed when it fails.

    An existing ``out`` (an earlier checkpoint, an empty folder) is replaced in three steps: it is
    renamed aside (``.<name>~replaced.<random>``), the new folder is renamed to ``out``, then the old
    one is deleted. A failure (or Ctrl-C) before the new folder is in place renames the old one back,
    so ``out`` is always either the complete old model or the complete new one; a failure to delete
    the old one afterwards is warned about by name (the new model is saved). Only a process killed
    between the two renames leaves no ``out``: the old model is then whole in the folder beside it,
    which :func:`check_checkpoint_out` and :func:`check_checkpoint` name (it is never loaded as ``out``).
    (Deleting ``out`` first, as before, lost the old model to a crash before the rename, and a crash
    during the delete left a partly deleted folder that still had its config.json.)

    (``camerabench.fileio`` has atomic single files only; ``save_pretrained`` writes many.) Before
    the rename, the folder and every file in it get the permissions the process umask gives new
    ones (``model.safetensors`` was written 0600, unreadable to anyone else).

    A save killed outright (SIGKILL, the out-of-memory killer) leaves its temporary folder; the next
    save to ``out`` warns about such folders by name (:func:`unfinished_saves`: never a complete
    model, the size of one), and leaves them (another process may be saving there now).

    Raises:
        CameraBenchError: ``out`` cannot be replaced (:func:`check_checkpoint_out`).
        WriteError: ``out`` or its parent cannot be written (a file in the way, a read-only or
            full location), also while the block writes into the temporary folder (an ``OSError``,
            or safetensors' own error for the weights: red team R68, a full disk at the end of a
            training run was a ``SafetensorError`` traceback); the message names the folder (and,
            where the old model could not be put back, the folder it is in).
    """
    from safetensors import SafetensorError

    out = Path(out)
    _refuse_out(out)
    make_folder(out.parent)
    unfinished = unfinished_saves(out)
    if unfinished:
        names = ", ".join(p.name for p in unfinished[:3]) + (
            f" and {len(unfinished) - 3} more" if len(unfinished) > 3 else ""
        )
        log.warning(
            "%s: %d folder(s) beside it (%s) are saves that did not finish (a process killed while writing "
            "them, or one writing them now): never a complete model; delete them when no save runs",
            out,
            len(unfinished),
            names,
        )
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise write_error(out, exc) from exc
    try:
        try:
            yield tmp
        except OSError as exc:
            raise write_error(out, exc) from exc
        except SafetensorError as exc:  # the weights' (Rust) writer: "I/O error: File too large (os error 27)"
            raise WriteError(out, f"cannot write the model weights: {exc}") from exc
        try:
            _umask_permissions(tmp)
        except OSError as exc:
            raise write_error(out, exc) from exc
        _swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


#: The temporary folder of a save (:func:`checkpoint_folder`): ``.<name>.`` and ``tempfile.mkdtemp``'s
#: 8 random characters.
_SAVING = re.compile(r"[a-z0-9_]{8}")


def unfinished_saves(out: str | Path) -> list[Path]:
    """The temporary folders of saves to ``out`` that did not finish (:func:`checkpoint_folder`'s
    ``.<name>.<8 random characters>`` beside it), sorted by name: a process killed while saving, or
    one saving now."""
    out = Path(out)
    if not out.parent.is_dir():
        return []
    prefix = f".{out.name}."
    return sorted(
        p
        for p in out.parent.iterdir()
        if p.name.startswith(prefix) and _SAVING.fullmatch(p.name[len(prefix) :]) and p.is_dir()
    )


def _process_umask() -> int:
    """The process umask, read from ``/proc/self/status`` where the kernel gives it (Linux), else by
    setting it and putting it back at once (``os.umask`` has no read-only form)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    umask = os.umask(0o077)
    os.umask(umask)
    return umask


def _umask_permissions(folder: Path) -> None:
    """Give ``folder``, the folders in it and the files in it the permissions a new folder (0777) or
    file (0666) gets under the process umask. ``tempfile.mkdtemp`` makes the folder 0700 and
    ``safetensors.save_file`` writes ``model.safetensors`` 0600 whatever the umask, while the other
    files ``save_pretrained`` writes get 0644 under umask 022: a lab-mate could not load the model.
    Links are left alone (a mode set through one would change its target). A folder keeps its
    set-group-ID bit, which a new folder inherits in a group's shared folder (it was cleared: files
    written there later no longer took the folder's group)."""
    umask = _process_umask()

    def folder_mode(path: Path) -> int:
        return (path.stat().st_mode & stat.S_ISGID) | (0o777 & ~umask)

    folder.chmod(folder_mode(folder))
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            path = Path(root, name)
            if not path.is_symlink():
                path.chmod(folder_mode(path))
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                path.chmod(0o666 & ~umask)


def _swap_in(new: Path, out: Path) -> None:
    """Rename the complete folder ``new`` to ``out``, replacing an existing ``out`` (see :func:`checkpoint_folder`)."""
    if not (out.exists() or out.is_symlink()):
        try:
            os.rename(new, out)
        except OSError as exc:
            raise write_error(out, exc) from exc
        return
    aside = out.parent / f".{out.name}{_ASIDE}{secrets.token_hex(4)}"
    try:
        os.rename(out, aside)
    except OSError as exc:  # nothing moved: the old model is still at out
        raise write_error(out, exc) from exc
    try:
        os.rename(new, out)
    except BaseException as exc:  # an error or Ctrl-C with out empty: the old model goes back first
        if not new.exists():  # a Ctrl-C just after the rename: the new model is in; the old one is named later
            raise
        try:
            os.rename(aside, out)
        except OSError as back:
            raise WriteError(
                out,
                f"cannot write: {_os_reason(exc)}; and the model it held could not be put back "
                f"({_os_reason(back)}): it is complete in {aside}, rename it to {out.name}",
            ) from exc
        if isinstance(exc, OSError):
            raise write_error(out, exc) from exc
        raise
    try:
        shutil.rmtree(aside)
    except OSError as exc:  # the new model is in place; the old one is left beside it, named
        log.warning(
            "%s: the new model is saved, but the one it replaced could not be deleted from %s (%s); delete it",
            out,
            aside,
            _os_reason(exc),
        )


def _os_reason(exc: BaseException) -> str:
    return str(exc.strerror) if isinstance(exc, OSError) and exc.strerror else _one_line(exc)


def _read_object(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise FileFormatError(path, "must hold a JSON object")
    return data


def _processor_dict(path: Path, kind: str) -> tuple[dict[str, Any], str]:
    """The ``kind`` ("video" or "image") processor settings and where they came from.

    transformers 5 reads video settings only from a video processor config (the composite
    ``processor_config.json`` or ``video_preprocessor_config.json``): loading them from
    ``preprocessor_config.json`` was removed in v5. A checkpoint without one (the older layout)
    therefore gets ``Qwen2VLVideoProcessor``'s class defaults for the frame size; its patch sizes
    and normalisation still come from the image settings, which are the same numbers.
    """
    key, own_file = (
        ("video_processor", "video_preprocessor_config.json")
        if kind == "video"
        else ("image_processor", "preprocessor_config.json")
    )
    composite = path / "processor_config.json"
    if composite.is_file():
        data = _read_object(composite)
        if isinstance(data.get(key), dict):
            return data[key], f"{composite.name}:{key}"
    if (path / own_file).is_file():
        return _read_object(path / own_file), own_file
    if kind == "video":
        image, source = _processor_dict(path, "image")
        sizes = ("size", "min_pixels", "max_pixels")
        return {k: v for k, v in image.items() if k not in sizes}, f"{source} (sizes: video processor defaults)"
    return {}, ""


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _processor_where(path: Path, source: str) -> tuple[Path, str]:
    """The file a :func:`_processor_dict` source names (config.json when none) and, for the composite
    ``processor_config.json``, its sub-object as a message prefix (``"video_processor: "``)."""
    where = path / source.split(":")[0].split(" ")[0] if source else path / "config.json"
    composite = source.startswith("processor_config.json:")
    return where, source.split(":", 1)[1] + ": " if composite else ""  # the composite file's sub-object


def _check_processor(path: Path, proc: dict[str, Any], source: str, vision: object, arch: QwenArch = QWEN25_VL) -> None:
    """The processor settings :func:`read_pixel_spec` uses must be usable and agree with ``config.json``.

    A patch setting ``config.json``'s ``vision_config`` leaves out is the one transformers gives the
    model (``arch``'s, the vision config class's default): a Qwen3-VL config without ``patch_size``
    under a Qwen2.5-VL processor (14 px) passed, and every video then failed in the vision tower with
    torch's "shape '[-1, 3, 2, 16, 16]' is invalid".

    Raises:
        FileFormatError: naming the processor file (or config.json) and the bad setting.
    """
    where, where_in = _processor_where(path, source)
    if not isinstance(vision, dict):
        raise FileFormatError(path / "config.json", f"vision_config must be an object, got {type(vision).__name__}")
    size = proc.get("size")
    if size is not None and not isinstance(size, dict):
        raise FileFormatError(where, f"{where_in}'size' must be an object, got {size!r}")
    bounds = {**{k: proc.get(k) for k in ("min_pixels", "max_pixels")}, **(size or {})}
    for key in ("shortest_edge", "longest_edge", "min_pixels", "max_pixels"):
        if bounds.get(key) is not None and not _is_positive_int(bounds[key]):
            raise FileFormatError(where, f"{where_in}{key} must be a positive integer, got {bounds[key]!r}")
    # a lower bound above the upper one: was a warning and the cap used for both (or, for a
    # Qwen3-VL clip, the lower bound silently lowered), so frames were sized by neither number
    for low, high in (("shortest_edge", "longest_edge"), ("min_pixels", "max_pixels")):
        if bounds.get(low) is not None and bounds.get(high) is not None and bounds[low] > bounds[high]:
            raise FileFormatError(
                where,
                f"{where_in}{low} {bounds[low]} exceeds {high} {bounds[high]}: the pixel bounds contradict each other",
            )
    pairs = (
        ("patch_size", "patch_size", arch.patch_size),
        ("temporal_patch_size", "temporal_patch_size", arch.temporal_patch_size),
        ("merge_size", "spatial_merge_size", arch.merge_size),
    )
    for key, cfg_key, default in pairs:
        ours, theirs = proc.get(key), vision.get(cfg_key)
        if theirs is not None and not _is_positive_int(theirs):
            raise FileFormatError(
                path / "config.json", f"vision_config.{cfg_key} must be a positive integer, got {theirs!r}"
            )
        if ours is None:
            continue
        if not _is_positive_int(ours):
            raise FileFormatError(where, f"{where_in}{key} must be a positive integer, got {ours!r}")
        if theirs is not None and ours != theirs:
            raise FileFormatError(
                where, f"{where_in}{key} is {ours}, but config.json's vision_config.{cfg_key} is {theirs}"
            )
        if theirs is None and ours != default:
            raise FileFormatError(
                where,
                f"{where_in}{key} is {ours}, but config.json's vision_config sets no {cfg_key}, so the "
                f"{arch.name} model is built with transformers' default {default}: a processor of another "
                f"model? (set vision_config.{cfg_key} if the weights are made for {ours})",
            )
    for key in ("image_mean", "image_std"):
        value = proc.get(key)
        if value is None:
            continue
        numbers = isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value
        )
        if not numbers or len(value) != 3 or (key == "image_std" and min(value) <= 0):
            want = "three positive finite numbers" if key == "image_std" else "three finite numbers"
            raise FileFormatError(where, f"{where_in}{key} must be {want} (one per RGB channel), got {value!r}")


def read_pixel_spec(
    path: str | Path,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_pixels: int | None = None,
    kind: str = "video",
    name: str = "max_pixels",
) -> PixelSpec:
    """The checkpoint's vision preprocessing for videos or images, the per-frame size capped at ``max_pixels``.

    Settings come from ``processor_config.json`` (transformers 5: ``video_processor`` /
    ``image_processor``), else ``video_preprocessor_config.json`` / ``preprocessor_config.json``
    (older layout: ``min_pixels``/``max_pixels`` keys). Without video settings the lower bound is
    ``Qwen2VLVideoProcessor``'s default, 128*28*28 pixels (also qwen-vl-utils' ``VIDEO_MIN_PIXELS``);
    ``min_pixels`` overrides the lower bound. Patch sizes fall back to ``config.json``, then to
    the generation's processor defaults (:class:`~camerabench.baselines.vlm.arch.QwenArch`).

    Qwen3-VL videos: the video processor's ``size`` bounds the whole clip (frames x pixels), so it
    becomes the spec's ``clip_min_pixels`` / ``clip_max_pixels`` (``Qwen3VLVideoProcessor``'s
    defaults when the checkpoint has no video settings); ``max_pixels`` still caps each frame and
    ``min_pixels`` (default: none) is a per-frame floor (:meth:`PixelSpec.clip_bounds`).

    A ``max_pixels`` above the checkpoint's own per-frame cap is lowered to it, and a floor above
    the cap is lowered to the cap, each with a warning naming the value used; ``name`` is the
    setting ``max_pixels`` came from (e.g. ``mcq_max_pixels``), for the messages.
    """
    if kind not in ("video", "image"):
        raise ValueError(f"kind must be 'video' or 'image', got {kind!r}")
    if min_pixels is not None and min_pixels > max_pixels:
        raise CameraBenchError(
            f"min_pixels {min_pixels} exceeds {name} {max_pixels}: no frame size satisfies both "
            "(the cap was used for both, ignoring min_pixels)"
        )
    path = Path(path)
    arch = checkpoint_arch(path)
    proc, source = _processor_dict(path, kind)
    cfg = _read_object(path / "config.json")
    vision = cfg.get("vision_config") or {}
    _check_processor(path, proc, source, vision, arch)
    size = proc.get("size") or {}
    default_min = arch.video_min_pixels if kind == "video" else arch.image_min_pixels
    ckpt_min = int(size.get("shortest_edge") or proc.get("min_pixels") or default_min)
    ckpt_max = size.get("longest_edge") or proc.get("max_pixels")
    clip = kind == "video" and arch.clip_pixel_budget
    if clip:
        clip_min, clip_max = ckpt_min, int(ckpt_max or arch.video_max_pixels)
        cap = int(max_pixels)
        min_pixels = 0 if min_pixels is None else min_pixels
    else:
        clip_min, clip_max = 0, None
        cap = min(int(ckpt_max or max_pixels), int(max_pixels))
        if cap < int(max_pixels):  # the asked budget was cut without a word
            log.warning(
                "%s: the checkpoint's processor takes at most %d pixels a %s frame; %s %d is above it, so %d is used",
                path,
                cap,
                kind,
                name,
                int(max_pixels),
                cap,
            )
        min_pixels = ckpt_min if min_pixels is None else min_pixels
    factor = int(proc.get("patch_size") or vision.get("patch_size") or arch.patch_size) * int(
        proc.get("merge_size") or vision.get("spatial_merge_size") or arch.merge_size
    )
    if cap < factor * factor:
        raise CameraBenchError(
            f"{name} {cap} is below the smallest frame this model takes ({factor}x{factor} = "
            f"{factor * factor} pixels, {path})"
        )
    if min_pixels > cap:
        log.warning(
            "%s: the %s frame floor min_pixels %d exceeds the pixel cap %d (%s); %d is used for both",
            path,
            kind,
            min_pixels,
            cap,
            name,
            cap,
        )
        min_pixels = cap
    spec = PixelSpec(
        patch_size=int(proc.get("patch_size") or vision.get("patch_size") or arch.patch_size),
        temporal_patch_size=int(
            proc.get("temporal_patch_size") or vision.get("temporal_patch_size") or arch.temporal_patch_size
        ),
        merge_size=int(proc.get("merge_size") or vision.get("spatial_merge_size") or arch.merge_size),
        min_pixels=min_pixels,
        max_pixels=cap,
        image_mean=tuple(proc.get("image_mean", arch.image_mean)),
        image_std=tuple(proc.get("image_std", arch.image_std)),
        clip_budget=clip,
        clip_min_pixels=clip_min,
        clip_max_pixels=clip_max,
    )
    log.debug("%s: %s pixel spec %s (from %s)", path, kind, spec, source or "defaults")
    return spec


#: The fewest frames a video is given to the model when the checkpoint's video processor sets no
#: ``min_frames``: transformers 5.25's ``Qwen2VLVideoProcessor.min_frames`` and
#: ``Qwen3VLVideoProcessor.min_frames`` (both 4; their ``max_frames`` is 768 and their ``fps`` None
#: and 2, see :class:`VideoSampling`).
DEFAULT_MIN_FRAMES = 4


@dataclass(frozen=True)
class VideoSampling:
    """The frame counts a checkpoint's video processor asks for (:func:`read_video_sampling`).

    Attributes:
        min_frames: a video is given at least this many frames when it has them (a clip shorter
            than that many ticks of the sampling clock is sampled evenly instead); the checkpoint's
            ``min_frames``, else :data:`DEFAULT_MIN_FRAMES` (transformers 5.25's default for both
            ``Qwen2VLVideoProcessor`` and ``Qwen3VLVideoProcessor``).
        max_frames: the checkpoint's ``max_frames``: a video whose sampling clock keeps more frames
            is sampled evenly down to this many (noted with the result). None when the checkpoint
            sets none: transformers' class default (768 in 5.25) applies only where its processor
            samples the frames itself (``do_sample_frames``, off by default for Qwen2-VL), and here
            the method's ``sample_fps`` samples them, so no cap is made up for such a checkpoint.
        fps: the checkpoint's ``fps`` (the rate its processor would sample at; transformers 5.25's
            defaults are None for Qwen2-VL, 2 for Qwen3-VL), None when absent. Kept for the record:
            the method's ``sample_fps`` option sets the rate frames are sampled at.
        source: the file (and composite sub-object) the settings were read from; "" for none.
    """

    min_frames: int = DEFAULT_MIN_FRAMES
    max_frames: int | None = None
    fps: float | None = None
    source: str = ""


def read_video_sampling(path: str | Path) -> VideoSampling:
    """The checkpoint's video frame-count settings, from the files :func:`read_pixel_spec` reads
    the video sizes from (``processor_config.json``'s ``video_processor``, else
    ``video_preprocessor_config.json``, else ``preprocessor_config.json``): ``min_frames``,
    ``max_frames`` (positive integers, ``min_frames <= max_frames``) and ``fps`` (a positive
    finite number). A key that is absent (or null) takes :class:`VideoSampling`'s default.

    Raises:
        FileFormatError: naming the file (and composite sub-object) and the key that is wrong.
    """
    path = Path(path)
    proc, source = _processor_dict(path, "video")
    where, where_in = _processor_where(path, source)
    frames: dict[str, int] = {}
    for key in ("min_frames", "max_frames"):
        value = proc.get(key)
        if value is None:
            continue
        if not _is_positive_int(value):
            raise FileFormatError(where, f"{where_in}{key} must be a positive integer, got {value!r}")
        frames[key] = value
    low, high = frames.get("min_frames", DEFAULT_MIN_FRAMES), frames.get("max_frames")
    if high is not None and low > high:
        said = "min_frames" if "min_frames" in frames else f"min_frames (default {DEFAULT_MIN_FRAMES})"
        raise FileFormatError(
            where, f"{where_in}{said} {low} exceeds max_frames {high}: the frame counts contradict each other"
        )
    fps = proc.get("fps")
    if fps is not None and (
        isinstance(fps, bool) or not isinstance(fps, int | float) or not (math.isfinite(fps) and fps > 0)
    ):
        raise FileFormatError(where, f"{where_in}fps must be a positive finite number, got {fps!r}")
    return VideoSampling(low, high, None if fps is None else float(fps), source)


def _chat_template(path: Path, tokenizer: Any) -> str:
    """``chat_template.jinja`` (current), ``chat_template.json`` (older), else the tokenizer's."""
    if (path / "chat_template.jinja").is_file():
        return (path / "chat_template.jinja").read_text(encoding="utf-8")
    if (path / "chat_template.json").is_file():
        data = read_json(path / "chat_template.json")
        if isinstance(data, dict) and isinstance(data.get("chat_template"), str):
            return data["chat_template"]
        raise FileFormatError(path / "chat_template.json", "expected an object with a 'chat_template' string")
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # named templates (a list in tokenizer_config.json): the default one
        template = template.get("default")
    if isinstance(template, str):
        return template
    raise FileFormatError(path, "no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json)")


def _named_default(template: object) -> object:
    """A ``tokenizer_config.json`` ``chat_template`` as transformers reads it: the text, or from a list of
    named templates (``[{"name": "default", "template": ...}, ...]``) the one named ``default``. Such a
    list was refused as "no chat template"."""
    if isinstance(template, list):
        return next((t.get("template") for t in template if isinstance(t, dict) and t.get("name") == "default"), None)
    return template


@dataclass
class Encoded:
    """One tokenised prompt with its visual inputs (batch of one).

    Attributes:
        input_ids: (L,) token ids, visual placeholders expanded.
        mm_token_type_ids: (L,) 0 text, 1 image token, 2 video token.
        visuals: the images/videos in prompt order.
        labels: (L,) training targets (-100 = no loss) or None.
    """

    input_ids: torch.Tensor
    mm_token_type_ids: torch.Tensor
    visuals: list[VisualInputs]
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])


class QwenVL:
    """A loaded checkpoint: model, tokenizer, chat template and pixel spec, plus input building.

    ``arch`` (default Qwen2.5-VL) says how visual placeholders are expanded and which timing the
    model takes (:class:`~camerabench.baselines.vlm.arch.QwenArch`).
    """

    def __init__(
        self,
        path: Path,
        model: Any,
        tokenizer: Any,
        chat_template: str,
        spec: PixelSpec,
        layout: str,
        image_spec: PixelSpec | None = None,
        arch: QwenArch = QWEN25_VL,
    ):
        self.path = path
        self.arch = arch
        self.model = model
        self.tokenizer = tokenizer
        self.chat_template = chat_template
        self.spec = spec  # videos
        self.image_spec = image_spec or spec  # still frames (DiffSW key frames)
        self.layout = layout
        self.video_token_id = int(model.config.video_token_id)
        self.image_token_id = int(model.config.image_token_id)
        self.im_end_id = self.token_id("<|im_end|>")
        self._dropped_in_replies: frozenset[int] | None = None
        #: text appended after the generation prompt of a template that opens a think block there
        #: (Qwen3-VL "Thinking" checkpoints): closes it empty (:func:`_check_tokens_and_template`)
        self.think_close = ""
        #: the ``min_pixels`` setting ``spec`` and ``image_spec`` were read with (None: the checkpoint's floor)
        self.min_pixels: int | None = None
        #: the checkpoint's frame counts for videos (:func:`read_video_sampling`; set by :func:`load_qwen_vl`)
        self.sampling = VideoSampling()
        self._specs_by_cap: dict[tuple[int, str], tuple[PixelSpec, PixelSpec]] = {}

    def pixel_specs(self, max_pixels: int, name: str = "max_pixels") -> tuple[PixelSpec, PixelSpec]:
        """(video, image) specs of this checkpoint with another per-frame cap (e.g. ``mcq_max_pixels``),
        by :func:`read_pixel_spec`'s rules, as ``spec`` and ``image_spec`` were read: a cap above the
        checkpoint's own is lowered to it and a floor above the cap is lowered to the cap, each with a
        warning (once per cap); swapping the cap into ``spec`` did neither, without a word.

        Raises:
            CameraBenchError: ``min_pixels`` exceeds ``max_pixels``, or ``max_pixels`` is below the
                model's smallest frame.
        """
        key = (int(max_pixels), name)
        if key not in self._specs_by_cap:
            self._specs_by_cap[key] = (
                read_pixel_spec(self.path, max_pixels, self.min_pixels, kind="video", name=name),
                read_pixel_spec(self.path, max_pixels, self.min_pixels, kind="image", name=name),
            )
        return self._specs_by_cap[key]

    def decode(self, ids: torch.Tensor | list[int]) -> str:
        """Generated token ids as reply text: the tokenizer's special tokens are left out, except
        those written as markup tags (``<think>``, ``</answer>``).

        A tokenizer may mark the reasoning tags as special tokens; ``skip_special_tokens=True``
        then dropped them from every reply, so the GRPO format reward never matched (a format rate
        of 0 without a word) and the answer was read from the whole reply, thinking included,
        instead of from inside ``<answer>...</answer>``.
        """
        if self._dropped_in_replies is None:
            tok = self.tokenizer
            special = set(tok.all_special_ids) | {i for i, t in tok.added_tokens_decoder.items() if t.special}
            named = {getattr(tok, f"{n}_token_id", None) for n in ("bos", "eos", "unk", "pad", "sep", "cls", "mask")}
            self._dropped_in_replies = frozenset(
                i for i in special if i in named or not _TAG_TOKEN.fullmatch(str(tok.convert_ids_to_tokens(i)))
            )
        flat = ids.tolist() if isinstance(ids, torch.Tensor) else list(ids)
        kept = [int(i) for i in flat if int(i) not in self._dropped_in_replies]
        return str(self.tokenizer.decode(kept, skip_special_tokens=False))

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    def token_id(self, text: str) -> int:
        """The id of ``text``, which must be exactly one token.

        Raises:
            CameraBenchError: ``text`` is not a single token of this tokenizer.
        """
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        if len(ids) != 1:
            raise CameraBenchError(f"{self.path}: {text!r} is not a single token in this tokenizer ({ids})")
        return int(ids[0])

    def render(self, content: list[VisualInputs | str], generation_prompt: bool = True) -> str:
        """The chat-template text of one user turn (default system prompt), one placeholder per visual.

        With the generation prompt, a think block the template opens there is closed empty
        (:attr:`think_close`).
        """
        items: list[dict[str, Any]] = []
        for c in content:
            if isinstance(c, str):
                items.append({"type": "text", "text": c})
            else:
                items.append({"type": "video" if c.is_video else "image"})
        from jinja2 import TemplateError

        try:
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": items}],
                chat_template=self.chat_template,
                tokenize=False,
                add_generation_prompt=generation_prompt,
            )
        except TemplateError as exc:
            raise FileFormatError(self.path, f"the chat template does not render: {_one_line(exc)}") from exc
        if not isinstance(text, str):
            raise CameraBenchError(f"{self.path}: the chat template did not render to text")
        return text + self.think_close if generation_prompt else text

    def video_placeholder(self, video: VisualInputs) -> str:
        """The text a video's placeholder becomes (before tokenisation).

        Qwen2.5-VL: ``num_tokens`` video pads (inside the template's vision start/end tokens).
        Qwen3-VL: for each temporal patch, its time (:func:`~camerabench.baselines.vlm.compat.patch_timestamps`,
        one decimal, as the processor writes it) and its own vision start/end around its pads;
        this replaces the template's whole ``<|vision_start|><|video_pad|><|vision_end|>``.
        """
        pad = _PAD_TOKENS["video"]
        if not self.arch.video_timestamps:
            return pad * video.num_tokens
        grid_t, t_patch = video.grid_thw[0], self.spec.temporal_patch_size
        times = video.frame_times_s
        if not len(times):  # no metadata: frames at the sampled rate
            times = np.arange(grid_t * t_patch) / float(video.fps or 1.0)
        stamps = patch_timestamps(times, t_patch)
        if len(stamps) != grid_t:
            raise CameraBenchError(f"video has {grid_t} temporal patches but {len(times)} frame times")
        per_patch = pad * (video.num_tokens // grid_t)
        return "".join(f"<{t:.1f} seconds>{_VISION_START}{per_patch}{_VISION_END}" for t in stamps)

    def tokenize(self, text: str, visuals: list[VisualInputs]) -> Encoded:
        """Tokenise rendered text, expanding each visual placeholder as the checkpoint's processor does.

        Images: ``<|image_pad|>`` becomes ``num_tokens`` pads. Videos: :meth:`video_placeholder`.
        For Qwen3-VL the template's ``<|vision_start|><|video_pad|><|vision_end|>`` is replaced
        as a whole (a bare ``<|video_pad|>`` by the same text), as Qwen3-VL's own processor does
        (transformers 4.57, the version Qwen3-VL shipped with; also qwen-vl-utils and vLLM).
        transformers 5.24's processor replaces only the pad and so leaves the template's start
        and end tokens around the per-patch ones (two extra tokens per video): a departure from
        the prompt format the model was trained on, not followed here (tests/vlm/test_compat.py
        compares both).
        """
        alternatives = [re.escape(t) for t in _PAD_TOKENS.values()]
        if self.arch.video_timestamps:
            alternatives.insert(0, re.escape(_VISION_START + _PAD_TOKENS["video"] + _VISION_END))
        parts = re.split("(" + "|".join(alternatives) + ")", text)
        placeholders = parts[1::2]
        if len(placeholders) != len(visuals):
            raise CameraBenchError(f"prompt has {len(placeholders)} visual placeholders for {len(visuals)} inputs")
        pieces: list[str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                pieces.append(part)
                continue
            visual = visuals[i // 2]
            kind = "video" if visual.is_video else "image"
            if _PAD_TOKENS[kind] not in part:
                raise CameraBenchError(f"visual {i // 2} is a {kind} but the prompt has {part} there")
            pieces.append(part * visual.num_tokens if kind == "image" else self.video_placeholder(visual))
        ids = torch.tensor(self.tokenizer.encode("".join(pieces), add_special_tokens=False), dtype=torch.long)
        mm = torch.zeros_like(ids)
        mm[ids == self.image_token_id] = _MM_TYPE["image"]
        mm[ids == self.video_token_id] = _MM_TYPE["video"]
        expected = sum(v.num_tokens for v in visuals)
        if int((mm > 0).sum()) != expected:
            raise CameraBenchError(f"tokenised prompt has {int((mm > 0).sum())} visual tokens, expected {expected}")
        self.check_length(len(ids), expected)
        return Encoded(ids, mm, list(visuals))

    @property
    def max_positions(self) -> int | None:
        """The text model's ``max_position_embeddings`` (config.json), None when it sets none."""
        value = getattr(self.model.config.get_text_config(), "max_position_embeddings", None)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None

    def check_length(self, num_tokens: int, visual_tokens: int = 0) -> None:
        """Refuse a prompt longer than the model's ``max_position_embeddings``: rope positions past
        the length it was trained for were scored and generated from without a word.

        Raises:
            PredictionError: naming the token counts and the settings that shorten a prompt.
        """
        limit = self.max_positions
        if limit is not None and num_tokens > limit:
            raise PredictionError(
                f"the prompt is {num_tokens} tokens ({visual_tokens} of them visual), longer than the "
                f"{limit} positions of {self.path} (config.json max_position_embeddings); lower sample_fps, "
                "max_pixels or max_side, or shorten the text"
            )

    def encode(self, content: list[VisualInputs | str], answer: str | None = None) -> Encoded:
        """One user turn ready for the model; with ``answer``, the assistant reply and loss labels.

        The labels cover the answer tokens and the closing ``<|im_end|>`` only (the prompt is
        masked with -100), matching the template's rendering of an assistant turn.

        Raises:
            PredictionError: a text or the answer holds control-token text (:func:`refuse_control_tokens`),
                or a text is empty or white space only (the model would answer no question).
        """
        if not any(isinstance(c, str) for c in content):
            raise PredictionError("the prompt has no text: there is nothing to ask the model")
        for c in content:
            if isinstance(c, str):
                refuse_blank(c, "the prompt text")
                refuse_control_tokens(c, "the prompt text")
        if answer is not None:
            refuse_control_tokens(answer, "the answer")
        visuals = [c for c in content if not isinstance(c, str)]
        enc = self.tokenize(self.render(content, generation_prompt=True), visuals)
        if answer is None:
            return enc
        answer_ids = [*self.tokenizer.encode(answer, add_special_tokens=False), self.im_end_id]
        self.check_length(len(enc) + len(answer_ids), sum(v.num_tokens for v in visuals))
        target = torch.tensor(answer_ids, dtype=torch.long)
        enc.labels = torch.cat([torch.full_like(enc.input_ids, -100), target])
        enc.input_ids = torch.cat([enc.input_ids, target])
        enc.mm_token_type_ids = torch.cat([enc.mm_token_type_ids, torch.zeros_like(target)])
        return enc

    def visual_kwargs(self, visuals: list[VisualInputs], pixels: bool = True) -> dict[str, torch.Tensor]:
        """``pixel_values[_videos]``, ``*_grid_thw`` and (Qwen2.5-VL) ``second_per_grid_ts`` for the model.

        With ``pixels=False`` only the grids and timing (enough for rope positions).
        """
        out: dict[str, torch.Tensor] = {}
        device, dtype = self.device, self.dtype
        videos = [v for v in visuals if v.is_video]
        images = [v for v in visuals if not v.is_video]
        if videos:
            out["video_grid_thw"] = torch.tensor([v.grid_thw for v in videos], dtype=torch.long, device=device)
            if self.arch.second_per_grid:
                out["second_per_grid_ts"] = torch.tensor(
                    [v.second_per_grid_t for v in videos], dtype=torch.float32, device=device
                )
            if pixels:
                out["pixel_values_videos"] = torch.cat([v.pixel_values for v in videos]).to(device, dtype)
        if images:
            out["image_grid_thw"] = torch.tensor([v.grid_thw for v in images], dtype=torch.long, device=device)
            if pixels:
                out["pixel_values"] = torch.cat([v.pixel_values for v in images]).to(device, dtype)
        return out

    def model_inputs(self, batch: list[Encoded]) -> dict[str, torch.Tensor]:
        """Right-padded batch for a full forward pass (pixels of every item concatenated)."""
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.im_end_id
        length = max(len(e) for e in batch)
        ids = torch.full((len(batch), length), int(pad_id), dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        mm = torch.zeros((len(batch), length), dtype=torch.long)
        labels = torch.full((len(batch), length), -100, dtype=torch.long)
        for i, e in enumerate(batch):
            n = len(e)
            ids[i, :n], mask[i, :n], mm[i, :n] = e.input_ids, 1, e.mm_token_type_ids
            if e.labels is not None:
                labels[i, :n] = e.labels
        device = self.device
        out = {
            "input_ids": ids.to(device),
            "attention_mask": mask.to(device),
            "mm_token_type_ids": mm.to(device),
            **self.visual_kwargs([v for e in batch for v in e.visuals]),
        }
        if any(e.labels is not None for e in batch):
            out["labels"] = labels.to(device)
        return out

    def rope_positions(self, enc: Encoded) -> torch.Tensor:
        """(3, L) multimodal rope positions of one encoded prompt, as the model computes them."""
        kwargs = self.visual_kwargs(enc.visuals, pixels=False)
        positions, _ = self.model.model.get_rope_index(
            enc.input_ids[None].to(self.device),
            mm_token_type_ids=enc.mm_token_type_ids[None].to(self.device),
            image_grid_thw=kwargs.get("image_grid_thw"),
            video_grid_thw=kwargs.get("video_grid_thw"),
            second_per_grid_ts=kwargs.get("second_per_grid_ts"),
        )
        return positions[:, 0]

    def config_hash(self) -> str:
        """sha256 of config.json (provenance for run.json)."""
        return hashlib.sha256((self.path / "config.json").read_bytes()).hexdigest()


# --- fingerprint of the weights (run.json's ``weights_sha256``) -------------------------------

#: A LoRA/PEFT adapter's weight files (an adapter folder is refused at load, :func:`checkpoint_arch`, but
#: its files are part of what a folder's weights are where one lies beside them).
_ADAPTER_WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")

#: (folder, its weight files' (name, size, mtime_ns, ctime_ns, inode, device)) -> digest: a folder is
#: hashed once per process while its files stay the same (the probe's settings are asked for more than
#: once per run). The change time is in the key: a file rewritten in place at its size with its
#: modification time put back (``cp -p`` over it, ``rsync --inplace -t``) keeps its inode and mtime,
#: and was given the digest of its earlier bytes.
_WEIGHTS_SHA256: dict[tuple[str, tuple[tuple[str, int, int, int, int, int], ...]], str] = {}


def weight_files(path: str | Path) -> list[Path]:
    """The files whose bytes are a checkpoint folder's weights (:func:`weights_sha256`), in name order:
    the weight file transformers loads (the first of ``model.safetensors``,
    ``model.safetensors.index.json``, ``pytorch_model.bin``, ``pytorch_model.bin.index.json``, as
    transformers looks for them), an index's shards (those its ``weight_map`` names), and a LoRA/PEFT
    adapter's files. Other ``.bin``/``.safetensors`` files are not weights the model loads: a trainer's
    ``training_args.bin`` or ``optimizer.bin``, or a ``pytorch_model.bin`` beside ``model.safetensors``
    (deleting one to save space changed the fingerprint, and a resume was refused).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     for name in ("model-00002-of-00002.safetensors", "model-00001-of-00002.safetensors",
        ...                  "config.json", "tokenizer.json", "training_args.bin", "adapter_config.json"):
        ...         _ = (Path(tmp) / name).write_text("{}")
        ...     shards = {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}
        ...     index = {"weight_map": shards}
        ...     _ = (Path(tmp) / "model.safetensors.index.json").write_text(json.dumps(index))
        ...     names = [p.name for p in weight_files(tmp)]
        >>> names  # doctest: +NORMALIZE_WHITESPACE
        ['adapter_config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors',
         'model.safetensors.index.json']

    Raises:
        FileFormatError: the folder cannot be read, or an index is malformed or names a missing shard.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileFormatError(folder, "model checkpoint folder not found")
    found = next((name for name in _WEIGHT_FILES if (folder / name).is_file()), None)
    files = [folder / name for name in (_ADAPTER_CONFIG, *_ADAPTER_WEIGHTS) if (folder / name).is_file()]
    if found is not None:
        files.append(folder / found)
    if found is not None and found.endswith(".index.json"):
        weight_map = _read_object(folder / found).get("weight_map")
        if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
            raise FileFormatError(folder / found, "weight_map must be an object of tensor name -> shard file")
        for shard in sorted(set(weight_map.values())):
            if not (folder / shard).is_file():
                raise FileFormatError(folder / found, f"weight shard {shard} is missing")
            files.append(folder / shard)
    return sorted(files, key=lambda p: p.name)


def weights_sha256(path: str | Path) -> str:
    """SHA-256 of a checkpoint folder's weights: every file of :func:`weight_files`, in name order,
    each as its name, its length and its bytes. Two folders with the same ``config.json`` but other
    weights (a model retrained, or made again with another seed, at the same path) differ here.

    It reads every byte of the weights: about 20-30 s for a 7B checkpoint (~15 GB) from a local
    disk, once per run (``predict``/``caption``/``answer`` record it in run.json's settings, and
    ``--resume`` refuses a run whose weights differ), next to hours of inference. A folder is hashed
    once per process while its files (name, size, modification and change times, inode, device)
    stay the same.

    Raises:
        FileFormatError: the folder holds no weight file, or one cannot be read (naming it).
    """
    folder = Path(path).resolve()
    files = weight_files(folder)
    if not files:
        raise FileFormatError(folder, f"no model weights ({', '.join(_WEIGHT_FILES)}) to fingerprint")
    try:
        stats = [p.stat() for p in files]
    except OSError as exc:
        raise FileFormatError(folder, f"cannot read the weight files: {exc.strerror or exc}") from exc
    key = (
        str(folder),
        tuple(
            (p.name, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev)
            for p, s in zip(files, stats, strict=True)
        ),
    )
    cached = _WEIGHTS_SHA256.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    for p, s in zip(files, stats, strict=True):
        digest.update(f"{p.name}\0{s.st_size}\0".encode())
        try:
            with open(p, "rb") as fh:
                while chunk := fh.read(1 << 24):
                    digest.update(chunk)
        except OSError as exc:
            raise FileFormatError(p, f"cannot read: {exc.strerror or exc}") from exc
    _WEIGHTS_SHA256[key] = digest.hexdigest()
    return _WEIGHTS_SHA256[key]


# --- fingerprint of the tokenizer, chat template and processor (run.json's ``processor_sha256``) --

#: The files of a checkpoint folder that make its prompts and visual inputs (transformers 5.x's names):
#: the tokenizer (``Qwen2TokenizerFast``'s ``vocab.json``, ``merges.txt``, ``tokenizer.json``, and
#: ``tokenizer_config.json``, ``special_tokens_map.json``, ``added_tokens.json`` of
#: ``tokenization_utils_base``), the chat template (``chat_template.jinja``, the legacy
#: ``chat_template.json``, or ``tokenizer_config.json``'s ``chat_template``; the named templates of
#: ``additional_chat_templates/``) and the processor (``processor_config.json``, the image
#: processor's ``preprocessor_config.json``, the video processor's ``video_preprocessor_config.json``):
#: what ``AutoProcessor.from_pretrained`` reads from a local folder, and what this package's
#: :func:`load_qwen_vl`, :func:`read_pixel_spec` and :func:`read_video_sampling` read. With them
#: ``generation_config.json``, which the model's ``generate`` applies to captions and multiple-choice
#: replies (greedy, but its ``repetition_penalty`` and ``num_beams`` hold: ``qwen.generate_text``).
PROCESSOR_FILES: tuple[str, ...] = (
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
    "generation_config.json",
    "merges.txt",
    "preprocessor_config.json",
    "processor_config.json",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "video_preprocessor_config.json",
    "vocab.json",
)
#: The folder of named chat templates (``<name>.jinja``) transformers reads beside the default one.
_CHAT_TEMPLATE_DIR = "additional_chat_templates"


def processor_files(path: str | Path) -> list[Path]:
    """The files of :data:`PROCESSOR_FILES` (and ``additional_chat_templates/*.jinja``) in a
    checkpoint folder, those it has, in name order.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     for name in ("tokenizer.json", "config.json", "chat_template.jinja", "model.safetensors"):
        ...         _ = (Path(tmp) / name).write_text("{}")
        ...     names = [p.name for p in processor_files(tmp)]
        >>> names
        ['chat_template.jinja', 'tokenizer.json']

    Raises:
        FileFormatError: the folder is not found.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileFormatError(folder, "model checkpoint folder not found")
    files = [folder / name for name in PROCESSOR_FILES if (folder / name).is_file()]
    templates = folder / _CHAT_TEMPLATE_DIR
    if templates.is_dir():
        files += sorted(p for p in templates.glob("*.jinja") if p.is_file())
    return files


def processor_sha256(path: str | Path) -> str:
    """SHA-256 of a checkpoint folder's tokenizer, chat template and processor files
    (:func:`processor_files`), each as its path in the folder, its length and its bytes: a file
    edited, added or removed changes it. Two runs whose weights agree (``weights_sha256``) but whose
    prompts or frames were made another way (a chat template edited, another pixel budget in
    ``preprocessor_config.json``) differ here.

    Raises:
        FileFormatError: the folder is not found, or a file cannot be read (naming it).
    """
    folder = Path(path).resolve()
    digest = hashlib.sha256()
    for p in processor_files(folder):
        name = p.relative_to(folder).as_posix()
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise FileFormatError(p, f"cannot read: {exc.strerror or exc}") from exc
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# --- cheap up-front check that a checkpoint folder will load ---------------------------------

#: Bytes per element of the safetensors dtypes.
_SAFETENSORS_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4,
    "U64": 8, "I64": 8, "F64": 8,
}  # fmt: skip
_MAX_SAFETENSORS_HEADER = 100_000_000  # the safetensors format's own limit
#: The weight dtypes an unquantized checkpoint may hold (safetensors' names -> torch's): transformers casts
#: them to the dtype the model is loaded in. These were verified to score within 7e-5 of each other (the
#: tiny checkpoint saved in each). An integer, bool or float8 tensor is cast too, as its raw values (int8
#: ``round(w * 100)`` loaded as 100x the weights): scores off by up to 0.99995 without a word.
_FLOAT_WEIGHT_DTYPES = {"F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64"}
#: Weight files transformers loads, in its order of preference.
_WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


def _safetensors_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name -> shape from a safetensors file's header; checks that the file is complete.

    Reads the header only (a few kilobytes), never the tensor data.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            n = int.from_bytes(head, "little") if len(head) == 8 else -1
            if n < 2 or n > min(_MAX_SAFETENSORS_HEADER, size - 8):
                pointer = stand_in(head + fh.read(504), "the weights")
                raise FileFormatError(path, pointer or f"corrupt weights: not a safetensors file ({size} bytes)")
            raw = fh.read(n)
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FileFormatError(path, "corrupt weights: the safetensors header is not JSON") from None
    if not isinstance(header, dict):
        raise FileFormatError(path, "corrupt weights: the safetensors header is not a JSON object")
    shapes: dict[str, list[int]] = {}
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        shape = entry.get("shape") if isinstance(entry, dict) else None
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if (
            not isinstance(shape, list)
            or not all(isinstance(d, int) and d >= 0 for d in shape)
            or not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]
        ):
            raise FileFormatError(path, f"corrupt weights: bad header entry for tensor {name!r}")
        itemsize = _SAFETENSORS_BYTES.get(str(entry.get("dtype")))
        if itemsize is not None and offsets[1] - offsets[0] != math.prod(shape) * itemsize:
            raise FileFormatError(
                path, f"corrupt weights: tensor {name} {shape} {entry['dtype']} does not fit its byte range {offsets}"
            )
        _refuse_weight_dtype(path, name, str(entry.get("dtype")), entry.get("dtype") in _FLOAT_WEIGHT_DTYPES)
        shapes[name] = shape
        end = max(end, offsets[1])
    data = size - 8 - n
    if end != data:
        raise FileFormatError(
            path,
            f"corrupt or truncated weights: the header describes {end} bytes of tensor data, the file holds {data}",
        )
    return shapes


def _refuse_weight_dtype(path: Path, name: str, dtype: str, floating: bool) -> None:
    """Refuse a weight tensor that is not of :data:`_FLOAT_WEIGHT_DTYPES` (naming the file, the tensor and its
    dtype): transformers would cast its raw integer (or bool, float8) values to float and the model would
    run on them (a quantized checkpoint's tensors without its ``quantization_config``, or a bad export)."""
    if floating:
        return
    raise FileFormatError(
        path,
        f"tensor {name} is stored as {dtype}: only floating-point weights "
        f"({', '.join(_FLOAT_WEIGHT_DTYPES.values())}, cast to the model's dtype) are supported in an unquantized "
        "checkpoint; its values would be cast to float as they are (quantized weights without their "
        "quantization_config in config.json?): use the checkpoint in floating point",
    )


def _torch_zip(path: Path) -> None:
    """A ``pytorch_model*.bin`` must be a complete torch zip archive (checked from its directory)."""
    try:
        ok = zipfile.is_zipfile(path)
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not ok:
        try:
            with open(path, "rb") as fh:
                pointer = stand_in(fh.read(512), "the weights")
        except OSError:  # a file that cannot be read again: the archive error below stands, without this hint
            pointer = None
        raise FileFormatError(path, pointer or "corrupt or truncated weights: not a complete torch zip archive")


def _torch_bin_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name -> shape of a ``pytorch_model*.bin`` (a torch zip archive), without reading the tensors.

    ``torch.load(map_location="meta", weights_only=True)`` unpickles the archive's small index only:
    every storage is made on the meta device, none is read from the file (milliseconds for
    gigabytes; ``mmap=True`` would map the file instead). ``weights_only`` runs no pickled code, as
    transformers' own loading does not.
    """
    _torch_zip(path)
    try:
        state = torch.load(path, map_location="meta", weights_only=True)
    except Exception as exc:  # pickle, zip and torch errors of a damaged archive: re-raised naming the file
        raise FileFormatError(path, f"corrupt weights: torch cannot read the archive: {_one_line(exc)}") from exc
    if not isinstance(state, dict):
        raise FileFormatError(path, f"not model weights: it holds a {type(state).__name__}, not a state dict")
    shapes: dict[str, list[int]] = {}
    for name, value in state.items():
        if not isinstance(name, str) or not isinstance(value, torch.Tensor):
            raise FileFormatError(
                path, f"not model weights: entry {name!r} is a {type(value).__name__}, not a named tensor"
            )
        floating = value.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
        _refuse_weight_dtype(path, name, str(value.dtype).removeprefix("torch."), floating)
        shapes[name] = [int(d) for d in value.shape]
    return shapes


def _file_shapes(path: Path) -> dict[str, list[int]]:
    """Tensor name -> shape of one weight file (safetensors or a torch ``.bin``), from its header or index."""
    return _torch_bin_shapes(path) if path.name.endswith(".bin") else _safetensors_shapes(path)


def _weight_shapes(path: Path) -> tuple[dict[str, list[int]], dict[str, Path]]:
    """(tensor name -> shape, tensor name -> file) of the weights transformers would load.

    Read without the tensors: safetensors headers, and torch ``.bin`` archives' indexes
    (:func:`_torch_bin_shapes`).
    """
    found = next((name for name in _WEIGHT_FILES if (path / name).is_file()), None)
    if found is None:
        raise FileFormatError(path, f"no model weights ({', '.join(_WEIGHT_FILES)})")
    shapes: dict[str, list[int]] = {}
    files: dict[str, Path] = {}
    if not found.endswith(".index.json"):
        shapes = _file_shapes(path / found)
        return shapes, dict.fromkeys(shapes, path / found)
    index = path / found
    weight_map = _read_object(index).get("weight_map")
    if not isinstance(weight_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()
    ):
        raise FileFormatError(index, "weight_map must be an object of tensor name -> shard file")
    if not weight_map:  # transformers failed on it with a bare IndexError
        raise FileFormatError(index, "weight_map lists no tensors: an index written before its shards were?")
    for shard in sorted(set(weight_map.values())):
        shard_path = path / shard
        if not shard_path.is_file():
            raise FileFormatError(index, f"weight shard {shard} is missing")
        these = _file_shapes(shard_path)
        # transformers reads every shard whole and the last copy of a tensor wins, whatever the index says:
        # a second (stale, zeroed) copy in another shard was loaded in place of the one the index names
        twice = sorted(set(these) & set(files))
        if twice:
            more = f" (and {len(twice) - 1} more)" if len(twice) > 1 else ""
            raise FileFormatError(
                shard_path,
                f"tensor {twice[0]}{more} is also in {files[twice[0]].name}: a tensor must be in one shard only "
                f"(transformers would load whichever copy it reads last, not the one {found} names)",
            )
        shapes.update(these)
        files.update(dict.fromkeys(these, shard_path))
    _check_shard_numbers(index, set(weight_map.values()))
    for name, shard in weight_map.items():
        if name not in shapes:
            raise FileFormatError(path / shard, f"tensor {name} (listed in {found}) is not in this shard")
        if files[name] != path / shard:
            raise FileFormatError(
                index,
                f"weight_map names shard {shard} for tensor {name}, but that shard does not hold it; "
                f"{files[name].name} does: the index does not describe these shards (rewrite it, or use the "
                "checkpoint as saved)",
            )
    return shapes, files


#: A shard's name as ``save_pretrained`` writes it: ``model-00002-of-00005.safetensors``.
_SHARD_NAME = re.compile(r"-(\d+)-of-(\d+)\.(?:safetensors|bin)$")


def _check_shard_numbers(index: Path, shards: set[str]) -> None:
    """An index naming its shards ``...-K-of-N...`` must name all N of them: one that lists the
    tensors of some shards only (an index written part way) was refused, if at all, as a config.json
    disagreeing with the weights ("depth is 2, but the weights hold 1 such layers"), and a shard's
    tensors left out of it were never loaded."""
    numbered = [m for name in shards if (m := _SHARD_NAME.search(name))]
    if not numbered or len(numbered) != len(shards):
        return
    totals = {int(m.group(2)) for m in numbered}
    if len(totals) != 1:
        raise FileFormatError(
            index, f"weight_map names shards of {len(totals)} different counts ({', '.join(sorted(shards)[:3])}, ...)"
        )
    total = totals.pop()
    named = {int(m.group(1)) for m in numbered}
    absent = sorted(set(range(1, total + 1)) - named)
    if absent:
        shown = ", ".join(str(k) for k in absent[:5]) + (" ..." if len(absent) > 5 else "")
        raise FileFormatError(
            index,
            f"weight_map names {len(named)} of {total} shards (shard(s) {shown} of the -of-{total:05d} files not "
            "named): a half-written index? their tensors would not be loaded",
        )


def _positive_int(cfg: dict[str, Any], key: str) -> int | None:
    value = cfg.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _expected_shapes(cfg: dict[str, Any]) -> list[tuple[re.Pattern[str], list[int | None], str]]:
    """(tensor-name pattern, expected shape, the config keys it comes from); None = not checked.

    The names of both generations are listed; each pattern matches one generation's names only
    (Qwen2.5-VL's merger is ``merger.mlp.*``, Qwen3-VL's ``merger.linear_fc*``, and only Qwen3-VL
    has ``pos_embed``, deepstack mergers and q/k norms).
    """
    text = cfg["text_config"] if isinstance(cfg.get("text_config"), dict) else cfg
    vision = cfg["vision_config"] if isinstance(cfg.get("vision_config"), dict) else {}
    vocab, hidden = _positive_int(text, "vocab_size"), _positive_int(text, "hidden_size")
    heads = _positive_int(text, "num_attention_heads")
    kv_heads = _positive_int(text, "num_key_value_heads") or heads
    head_dim = _positive_int(text, "head_dim") or (hidden // heads if hidden and heads else None)
    inter = _positive_int(text, "intermediate_size")
    v_hidden = _positive_int(vision, "hidden_size")
    channels = _positive_int(vision, "in_channels") or _positive_int(vision, "in_chans") or 3
    patch, t_patch = _positive_int(vision, "patch_size"), _positive_int(vision, "temporal_patch_size")
    out_hidden = _positive_int(vision, "out_hidden_size")
    n_positions = _positive_int(vision, "num_position_embeddings")

    def mul(a: int | None, b: int | None) -> int | None:
        return a * b if a is not None and b is not None else None

    layer = r"(?<!visual\.)(?:^|\.)layers\.0\."  # the first text decoder layer
    rows: list[tuple[str, list[int | None], str]] = [
        (r"(?:^|\.)embed_tokens\.weight$", [vocab, hidden], "vocab_size, hidden_size"),
        (r"^lm_head\.weight$", [vocab, hidden], "vocab_size, hidden_size"),
        (layer + r"self_attn\.q_proj\.weight$", [mul(heads, head_dim), hidden], "num_attention_heads, hidden_size"),
        (layer + r"self_attn\.k_proj\.weight$", [mul(kv_heads, head_dim), hidden], "num_key_value_heads"),
        (layer + r"mlp\.gate_proj\.weight$", [inter, hidden], "intermediate_size, hidden_size"),
        (r"visual\.patch_embed\.proj\.weight$", [v_hidden, channels, t_patch, patch, patch], "vision_config"),
        (r"visual\.merger\.mlp\.2\.weight$", [out_hidden, None], "vision_config.out_hidden_size"),
        # Qwen3-VL
        (layer + r"self_attn\.q_norm\.weight$", [head_dim], "head_dim"),
        (r"visual\.merger\.linear_fc2\.weight$", [out_hidden, None], "vision_config.out_hidden_size"),
        (
            r"visual\.deepstack_merger_list\.\d+\.linear_fc2\.weight$",
            [out_hidden, None],
            "vision_config.out_hidden_size",
        ),
        (r"visual\.pos_embed\.weight$", [n_positions, v_hidden], "vision_config.num_position_embeddings, hidden_size"),
    ]
    return [(re.compile(pattern), shape, keys) for pattern, shape, keys in rows]


#: Tensor names only one Qwen-VL generation has (transformers 5's modules): Qwen2.5-VL's vision
#: blocks have a gated MLP and its merger a ``ln_q`` norm and an ``mlp`` list; Qwen3-VL's have
#: ``linear_fc1``/``linear_fc2`` layers, a learned ``pos_embed`` and deepstack mergers.
_ARCH_TENSORS: dict[str, re.Pattern[str]] = {
    "qwen2_5_vl": re.compile(r"visual\.(?:merger\.ln_q\.|merger\.mlp\.|blocks\.\d+\.mlp\.gate_proj\.)"),
    "qwen3_vl": re.compile(
        r"visual\.(?:deepstack_merger_list\.|merger\.linear_fc|pos_embed\.|blocks\.\d+\.mlp\.linear_fc)"
    ),
}
_ARCH_NAMES = {"qwen2_5_vl": "Qwen2.5-VL", "qwen3_vl": "Qwen3-VL"}


def refuse_arch_mismatch(model_dir: str | Path) -> None:
    """Refuse a checkpoint whose ``config.json`` names one Qwen-VL generation and whose weights are
    the other's (a config copied over another model's weights). Part of :func:`check_checkpoint`
    (so of every path that loads a checkpoint: ``predict``, ``caption``, training); alone, a folder
    without config.json or weights passes (:func:`check_checkpoint` names what is missing).

    Such a folder was refused only by the first tensor whose shape differed (``tensor
    visual.patch_embed.proj.weight has shape [.., 14, 14], but config.json gives [.., 16, 16]``; when
    loading, torch's bare size-mismatch error), or, where the shapes agreed, by a list of missing
    tensors: neither said that the config and the weights are of different models. Reads the weight
    files' headers only: safetensors headers and torch ``.bin`` indexes, never the tensors.

    Raises:
        FileFormatError: naming the weights file, both generations and a tensor of the other one.
    """
    path = Path(model_dir)
    if not (path / "config.json").is_file() or not any((path / name).is_file() for name in _WEIGHT_FILES):
        return
    shapes, files = _weight_shapes(path)
    _check_arch(path / "config.json", checkpoint_arch(path).model_type, shapes, files)


def _check_arch(cfg_path: Path, model_type: str, shapes: dict[str, list[int]], files: dict[str, Path]) -> None:
    """The weights' vision tower must be of the generation ``config.json`` names (:func:`refuse_arch_mismatch`)."""
    ours = [n for n in shapes if _ARCH_TENSORS[model_type].search(n)] if model_type in _ARCH_TENSORS else []
    for other, pattern in _ARCH_TENSORS.items():
        if other == model_type:
            continue
        theirs = sorted(n for n in shapes if pattern.search(n))
        if theirs and not ours:
            raise FileFormatError(
                files[theirs[0]],
                f"the weights are {_ARCH_NAMES[other]}'s (tensor {theirs[0]} and {len(theirs) - 1} more of its "
                f"vision tower), but {cfg_path} says {_ARCH_NAMES.get(model_type, model_type)} "
                f"(model_type {model_type!r}): the config and the weights come from different models; use the "
                "config.json that came with these weights",
            )


def _check_shapes(cfg_path: Path, cfg: dict[str, Any], shapes: dict[str, list[int]], files: dict[str, Path]) -> None:
    """The weights' sizes must be the ones config.json describes (a config of another model size)."""
    if not shapes:
        return
    for pattern, expected, keys in _expected_shapes(cfg):
        for name in (n for n in shapes if pattern.search(n)):
            got = shapes[name]
            if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected, got, strict=False)):
                want = [e if e is not None else "*" for e in expected]
                raise FileFormatError(
                    files[name], f"tensor {name} has shape {got}, but {cfg_path.name} ({keys}) gives {want}"
                )
    text = cfg["text_config"] if isinstance(cfg.get("text_config"), dict) else cfg
    vision = cfg["vision_config"] if isinstance(cfg.get("vision_config"), dict) else {}
    deepstack = vision.get("deepstack_visual_indexes")
    counts = (
        (r"(?<!visual\.)(?:^|\.)layers\.(\d+)\.", _positive_int(text, "num_hidden_layers"), "num_hidden_layers"),
        (r"visual\.blocks\.(\d+)\.", _positive_int(vision, "depth"), "vision_config.depth"),
        (
            r"visual\.deepstack_merger_list\.(\d+)\.",
            len(deepstack) if isinstance(deepstack, list) else None,
            "vision_config.deepstack_visual_indexes",
        ),
    )
    for layer_pattern, expected_count, key in counts:
        found = {int(m.group(1)) for n in shapes if (m := re.search(layer_pattern, n))}
        if expected_count is not None and found and len(found) != expected_count:
            raise FileFormatError(cfg_path, f"{key} is {expected_count}, but the weights hold {len(found)} such layers")


def _check_tokenizer(path: Path) -> None:
    """A tokenizer transformers can load: ``tokenizer.json``, or ``vocab.json`` with ``merges.txt``."""
    fast = path / "tokenizer.json"
    if fast.is_file():
        if not isinstance(_read_object(fast).get("model"), dict):
            raise FileFormatError(fast, "not a tokenizers file (no 'model' object)")
    elif (path / "vocab.json").is_file() and (path / "merges.txt").is_file():
        _read_object(path / "vocab.json")
        read_text(path / "merges.txt")
    else:
        raise FileFormatError(path, "no tokenizer (tokenizer.json, or vocab.json and merges.txt)")
    if (path / "tokenizer_config.json").is_file():
        _read_object(path / "tokenizer_config.json")


def _tokenizer_file(path: Path) -> Path:
    """The tokenizer's file in a checkpoint folder, for messages (the folder when there is no tokenizer.json)."""
    return path / "tokenizer.json" if (path / "tokenizer.json").is_file() else path


#: Fields of ``tokenizer_config.json`` / ``special_tokens_map.json`` whose tokens the tokenizer adds when
#: ``tokenizer.json`` lacks them (transformers' special-token attributes).
_SPECIAL_TOKEN_FIELDS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_SPECIAL_TOKEN_LISTS = ("additional_special_tokens", "extra_special_tokens")


def _token_text(value: object) -> str | None:
    """A special token's text: a string, or an ``AddedToken`` written as an object with ``content``."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def _declared_tokens(path: Path) -> dict[str, str]:
    """Token -> where it is declared (``tokenizer_config.json eos_token``), for the tokens the tokenizer's
    side files declare: ``tokenizer_config.json``'s and ``special_tokens_map.json``'s special tokens and
    ``added_tokens_decoder``, ``added_tokens.json``. Transformers adds each that ``tokenizer.json`` lacks
    as a new token after the last one.

    Raises:
        FileFormatError: one of them cannot be read or is not a JSON object (naming it).
    """
    declared: dict[str, str] = {}
    for name in ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"):
        file = path / name
        if not file.is_file():
            continue
        data = _read_object(file)
        if name == "added_tokens.json":
            for added in data:
                declared.setdefault(added, name)
            continue
        for field in _SPECIAL_TOKEN_FIELDS:
            token = _token_text(data.get(field))
            if token is not None:
                declared.setdefault(token, f"{name} {field}")
        for field in _SPECIAL_TOKEN_LISTS:
            listed = data.get(field)
            values = listed.values() if isinstance(listed, dict) else listed if isinstance(listed, list) else []
            for value in values:
                token = _token_text(value)
                if token is not None:
                    declared.setdefault(token, f"{name} {field}")
        decoder = data.get("added_tokens_decoder")
        for value in decoder.values() if isinstance(decoder, dict) else []:
            token = _token_text(value)
            if token is not None:
                declared.setdefault(token, f"{name} added_tokens_decoder")
    return declared


def _tokenizer_json_tokens(path: Path) -> dict[str, int]:
    """Token -> id of ``tokenizer.json`` (its model's vocabulary and its ``added_tokens``); empty without one."""
    fast = path / "tokenizer.json"
    if not fast.is_file():
        return {}
    data = _read_object(fast)
    model = data.get("model")
    vocab = model.get("vocab") if isinstance(model, dict) else None
    ids: dict[str, int] = {}
    if isinstance(vocab, dict):
        ids.update((str(t), i) for t, i in vocab.items() if _is_token_id(i))
    elif isinstance(vocab, list):  # unigram: [token, score] pairs, the id is the position
        ids.update((str(entry[0]) if isinstance(entry, list) and entry else str(i), i) for i, entry in enumerate(vocab))
    added = data.get("added_tokens")
    for entry in added if isinstance(added, list) else []:
        if isinstance(entry, dict) and _is_token_id(entry.get("id")):
            ids[str(entry.get("content"))] = int(entry["id"])
    return ids


def _out_of_range_source(path: Path, tokens: list[str]) -> tuple[Path, str]:
    """(file to name, what in it) for the tokens the loaded tokenizer holds past the embedding rows.

    ``tokenizer.json`` when it holds them itself; else the side file and field that declares one
    (a special token ``tokenizer.json`` lacks, which transformers adds); else ``tokenizer_config.json``'s
    ``tokenizer_class`` when it is not a Qwen2 tokenizer (another model's class adds its own special
    tokens: ``BertTokenizer`` adds ``[SEP]``, ``[CLS]``, ``[MASK]``); else both files, which cannot be told
    apart from the loaded tokenizer alone.
    """
    in_json = _tokenizer_json_tokens(path)
    if in_json and all(token in in_json for token in tokens):
        return path / "tokenizer.json", "tokenizer.json holds them"
    declared = _declared_tokens(path)
    for token in tokens:
        if token not in in_json and token in declared:
            file, _, field = declared[token].partition(" ")
            return path / file, f"{field or 'the file'} declares {token!r}, which tokenizer.json does not hold"
    tok_cfg = path / "tokenizer_config.json"
    tok_class = _read_object(tok_cfg).get("tokenizer_class") if tok_cfg.is_file() else None
    if isinstance(tok_class, str) and not tok_class.startswith("Qwen2Tokenizer"):
        return tok_cfg, (
            f"tokenizer_class {tok_class!r} loads tokenizer.json as another model's tokenizer, which adds its own "
            "tokens (a Qwen-VL checkpoint's is 'Qwen2Tokenizer')"
        )
    return path, "they come from tokenizer.json or tokenizer_config.json (which one cannot be told)"


def _check_tokenizer_range(path: Path, cfg: dict[str, Any]) -> None:
    """Every token id of ``tokenizer.json`` must have a row in the embeddings config.json sizes
    (``vocab_size``): else the load succeeded and each prompt holding such a token failed on its own
    with an index error deep in torch (a tokenizer of a larger model). Read from the file, before the
    model is built; the loaded tokenizer is checked again (:func:`_check_tokens_and_template`)."""
    fast = path / "tokenizer.json"
    text = cfg["text_config"] if isinstance(cfg.get("text_config"), dict) else cfg
    vocab_size = _positive_int(text, "vocab_size")
    if vocab_size is None or not fast.is_file():
        return
    ids = _tokenizer_json_tokens(path)
    if not ids:
        return
    token, top = max(ids.items(), key=lambda item: item[1])
    where = "text_config.vocab_size" if text is not cfg else "vocab_size"
    if top >= vocab_size:
        raise FileFormatError(
            fast,
            f"the tokenizer has {top + 1} tokens (the last {token!r}), but the model's embeddings have "
            f"{vocab_size} rows (config.json {where}): text holding a token past them would fail with an "
            "index error; a tokenizer of another model, or tokens added without resizing the model",
        )
    # special tokens the side files declare and tokenizer.json lacks are added after its last token
    # (an eos_token "<|nonexistent|>" became token 614 of a 614-row model): blamed on tokenizer.json
    new = [(t, where_declared) for t, where_declared in _declared_tokens(path).items() if t not in ids]
    if top + len(new) >= vocab_size:
        first, declared_in = new[vocab_size - top - 1]
        file, _, field = declared_in.partition(" ")
        shown = ", ".join(repr(t) for t, _ in new[:3]) + (f" and {len(new) - 3} more" if len(new) > 3 else "")
        raise FileFormatError(
            path / file,
            f"{field or 'the file'} declares {first!r}, a token tokenizer.json does not hold: the tokenizer adds "
            f"{len(new)} such token(s) ({shown}) after its last, {top}, which makes {top + len(new) + 1} tokens, "
            f"but the model's embeddings have {vocab_size} rows (config.json {where}); use a token tokenizer.json "
            "holds (a token of another model's tokenizer?)",
        )


def _check_chat_template(path: Path) -> None:
    """One of the places :func:`_chat_template` reads the template from must have it."""
    if (path / "chat_template.jinja").is_file():
        read_text(path / "chat_template.jinja")
        return
    if (path / "chat_template.json").is_file():
        data = _read_object(path / "chat_template.json")
        if not isinstance(data.get("chat_template"), str):
            raise FileFormatError(path / "chat_template.json", "expected an object with a 'chat_template' string")
        return
    tok_cfg = path / "tokenizer_config.json"
    if not (tok_cfg.is_file() and isinstance(_named_default(_read_object(tok_cfg).get("chat_template")), str)):
        raise FileFormatError(
            path,
            "no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json, there as text "
            "or as the one named 'default')",
        )


def _check_config(cfg_path: Path, cfg: dict[str, Any]) -> None:
    """config.json's nested settings must be objects and its visual token ids integers (transformers
    would refuse them with a multi-line validation error); a Qwen2.5-VL config must state its
    vision ``tokens_per_second`` (:data:`_QWEN25_TOKENS_PER_SECOND` says why). A quantized checkpoint
    (``quantization_config``: AWQ, GPTQ, bitsandbytes, FP8) is refused: this package loads, trains
    and saves weights in bfloat16 or float32 (``dtype``); loading one stopped with a raw ImportError
    from inside transformers (AWQ: "requires gptqmodel"), or quietly dequantised it on CPU."""
    for key in ("text_config", "vision_config"):
        if key in cfg and not isinstance(cfg[key], dict):
            raise FileFormatError(cfg_path, f"{key} must be an object, got {type(cfg[key]).__name__}")
    quant = cfg.get("quantization_config")
    if quant is not None:
        method = quant.get("quant_method", "unknown method") if isinstance(quant, dict) else quant
        raise FileFormatError(
            cfg_path,
            f"a quantized checkpoint (quantization_config: {method}); only unquantized bfloat16/float32 weights "
            "are supported: use the checkpoint it was quantized from",
        )
    if cfg.get("model_type") == QWEN25_VL.model_type:
        vision = cfg.get("vision_config")
        tps = vision.get("tokens_per_second") if isinstance(vision, dict) else None
        if tps is None:
            raise FileFormatError(
                cfg_path,
                "vision_config.tokens_per_second is missing: transformers would space the video's temporal "
                f"positions for {_QWEN25_TOKENS_PER_SECOND[1]} tokens per second, Qwen2.5-VL checkpoints are "
                f"trained with {_QWEN25_TOKENS_PER_SECOND[0]}; add the value of the checkpoint this one comes from",
            )
        if isinstance(tps, bool) or not isinstance(tps, int | float) or not (math.isfinite(tps) and tps > 0):
            raise FileFormatError(cfg_path, f"vision_config.tokens_per_second must be a positive number, got {tps!r}")
    for key in ("image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"):
        value = cfg.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FileFormatError(cfg_path, f"{key} must be a token id (an integer >= 0), got {value!r}")
    # 0 or below read as "no limit" (max_positions), so no prompt or reply length was checked
    for where, section in (("", cfg), ("text_config.", cfg.get("text_config") or {})):
        value = section.get("max_position_embeddings")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise FileFormatError(
                cfg_path, f"{where}max_position_embeddings must be an integer >= 1 (positions), got {value!r}"
            )
    _check_model_settings(cfg_path, cfg)
    _check_special_token_ids(cfg_path, cfg)


def _sections(cfg: dict[str, Any]) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """(prefix, settings) of the text model and of the vision tower: ``text_config`` (the flat
    older layout keeps the text settings at the root) and ``vision_config`` (empty when absent)."""
    text = ("text_config.", cfg["text_config"]) if isinstance(cfg.get("text_config"), dict) else ("", cfg)
    vision = cfg.get("vision_config")
    return text, ("vision_config.", vision if isinstance(vision, dict) else {})


def _int_value(value: object) -> int | None:
    """``value`` when it is an integer (not a bool), else None (other types are transformers' validation's)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


#: Sizes and counts of config.json that must be integers >= 1 (the model divides by them or builds
#: that many of something): a 0 failed as a bare ZeroDivisionError when the model was built, or on
#: every video. patch_size, temporal_patch_size and spatial_merge_size are checked with the processor
#: settings (:func:`_check_processor`); max_position_embeddings above.
_POSITIVE_TEXT = (
    "vocab_size",
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
)
_POSITIVE_VISION = (
    "depth",
    "hidden_size",
    "intermediate_size",
    "num_heads",
    "out_hidden_size",
    "in_channels",
    "window_size",
    "num_position_embeddings",
)

#: The smallest text ``sliding_window`` a Qwen2.5-VL model runs with. Measured with transformers
#: 5.25 on the tiny model (``use_sliding_window`` true, every layer ``sliding_attention``, sdpa):
#: windows -1, 0 and 1 fail every forward pass with "The size of tensor a (59) must match the size of
#: tensor b (26)" inside sdpa attention (a window of 1, each token seeing itself only, is a valid
#: idea that transformers' mask code does not handle); 2, 3, 8, 36 and 4096 run.
_MIN_SLIDING_WINDOW = 2


def _check_model_settings(cfg_path: Path, cfg: dict[str, Any]) -> None:
    """Settings no weight shape shows that the model cannot run with, refused before the weights
    load, naming config.json, the field and its value: sizes and head counts below 1 (a bare
    ZeroDivisionError when the model was built), attention heads that do not split the hidden size,
    or key/value heads that do not split the attention heads, an activation transformers does not
    have (``hidden_act``: a bare KeyError), a Qwen2.5-VL vision ``window_size`` smaller than one
    merged patch (``window_size // spatial_merge_size // patch_size`` is 0: every video failed with
    ZeroDivisionError) and a text sliding window below :data:`_MIN_SLIDING_WINDOW` where a layer uses
    it (every video failed with a tensor size mismatch)."""
    from transformers.activations import ACT2FN

    (text_where, text), (vision_where, vision) = _sections(cfg)
    for where, section, keys in ((text_where, text, _POSITIVE_TEXT), (vision_where, vision, _POSITIVE_VISION)):
        for key in keys:
            value = _int_value(section.get(key))
            if value is not None and value < 1:
                raise FileFormatError(cfg_path, f"{where}{key} must be a positive integer, got {value!r}")
        act = section.get("hidden_act")
        if isinstance(act, str) and act not in ACT2FN:
            raise FileFormatError(
                cfg_path,
                f"{where}hidden_act {act!r} is not an activation transformers has (one of {', '.join(sorted(ACT2FN))})",
            )
    hidden, heads = _int_value(text.get("hidden_size")), _int_value(text.get("num_attention_heads"))
    kv_heads = _int_value(text.get("num_key_value_heads"))
    # Qwen2.5-VL's text attention splits hidden_size into num_attention_heads heads; Qwen3-VL's has
    # its own head_dim (transformers' default 128 when config.json has none)
    if cfg.get("model_type") == QWEN25_VL.model_type and hidden and heads and hidden % heads:
        raise FileFormatError(
            cfg_path,
            f"{text_where}hidden_size {hidden} is not divisible by {text_where}num_attention_heads {heads}: "
            "the text attention splits the hidden size into that many heads",
        )
    if heads and kv_heads and heads % kv_heads:
        raise FileFormatError(
            cfg_path,
            f"{text_where}num_attention_heads {heads} is not divisible by {text_where}num_key_value_heads "
            f"{kv_heads}: each key/value head serves the same number of attention heads",
        )
    v_hidden, v_heads = _int_value(vision.get("hidden_size")), _int_value(vision.get("num_heads"))
    if v_hidden and v_heads and v_hidden % v_heads:
        raise FileFormatError(
            cfg_path,
            f"{vision_where}hidden_size {v_hidden} is not divisible by {vision_where}num_heads {v_heads}",
        )
    if cfg.get("model_type") == QWEN25_VL.model_type:
        _check_windows(cfg_path, cfg)


def _check_windows(cfg_path: Path, cfg: dict[str, Any]) -> None:
    """Qwen2.5-VL's attention windows (see :func:`_check_model_settings`)."""
    (text_where, text), (vision_where, vision) = _sections(cfg)
    window = _int_value(vision.get("window_size"))
    merge, patch = _int_value(vision.get("spatial_merge_size")), _int_value(vision.get("patch_size"))
    if window and merge and patch and window // merge // patch < 1:
        raise FileFormatError(
            cfg_path,
            f"{vision_where}window_size {window} is smaller than one merged patch "
            f"(spatial_merge_size {merge} x patch_size {patch} = {merge * patch} pixels): the vision tower's "
            "attention windows would hold no patch",
        )
    # as transformers' Qwen2_5_VLTextConfig: the window applies only with use_sliding_window, to the
    # layers layer_types names sliding_attention (by default those from max_window_layers on)
    use = text.get("use_sliding_window", False)
    size = text.get("sliding_window", 4096) if use else None
    types = text.get("layer_types")
    if isinstance(types, list):
        sliding = "sliding_attention" in types
    else:
        layers, first = _int_value(text.get("num_hidden_layers")), _int_value(text.get("max_window_layers", 80))
        sliding = size is not None and layers is not None and first is not None and first < layers
    if not sliding:
        return
    if size is None:
        raise FileFormatError(
            cfg_path,
            f"{text_where}layer_types has sliding_attention layers, but no sliding window is set "
            f"({text_where}use_sliding_window {json.dumps(use)}, "
            f"sliding_window {json.dumps(text.get('sliding_window'))}): "
            "every forward pass would fail",
        )
    value = _int_value(size)
    if value is not None and value < _MIN_SLIDING_WINDOW:
        raise FileFormatError(
            cfg_path,
            f"{text_where}sliding_window must be an integer >= {_MIN_SLIDING_WINDOW} where layers use it "
            f"({text_where}use_sliding_window true), got {value}: transformers' attention fails on every "
            "forward pass with a smaller window",
        )


def _token_ids(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _held(value: object, token: int) -> str:
    """``is 99999`` of a single id, ``[2, 99999] holds 99999`` of a list."""
    return f"{json.dumps(value)} holds {token}" if isinstance(value, list) else f"is {token}"


def _check_special_token_ids(cfg_path: Path, cfg: dict[str, Any], vocab_cfg: dict[str, Any] | None = None) -> None:
    """The special token ids of ``cfg_path`` (``eos_token_id``, an id or a list of them,
    ``bos_token_id``, ``pad_token_id``; at the root and in ``text_config``) must be token ids of
    the model's vocabulary (``vocab_size`` of config.json, ``vocab_cfg``: the model's config when
    ``cfg`` is generation_config.json). An end token past it can never be produced, so a reply
    would end only at ``<|im_end|>`` or at max_new_tokens, and a pad token past it is an index error."""
    (text_where, text), _ = _sections(vocab_cfg if vocab_cfg is not None else cfg)
    vocab = _int_value(text.get("vocab_size"))
    places = [("", cfg)]
    if isinstance(cfg.get("text_config"), dict):
        places.append(("text_config.", cfg["text_config"]))
    for where, section in places:
        for key in ("eos_token_id", "bos_token_id", "pad_token_id"):
            value = section.get(key)
            if value is None:
                continue
            for item in _token_ids(value):
                token = _int_value(item)
                if token is None:  # another type: transformers' validation names it
                    continue
                if token < 0 or (vocab is not None and token >= vocab):
                    size = (
                        f"the model's vocabulary of {vocab} tokens ({text_where}vocab_size)"
                        if vocab
                        else "token ids (>= 0)"
                    )
                    raise FileFormatError(
                        cfg_path,
                        f"{where}{key} {_held(value, token)}, outside {size}: the model can never "
                        "produce or read that token",
                    )


def _transformers_config(cfg_path: Path, cfg: dict[str, Any], config_class: Any = None) -> Any:
    """config.json loaded and validated by transformers, as the model's load does (no weights read).

    transformers 5 validates a config's fields by type when it is built (huggingface_hub's strict
    dataclasses: ``"hidden_size": "64"`` is refused with "Validation error for field 'hidden_size'").
    Done only when the model loaded, that refusal came after ``predict`` had started, in each worker;
    :func:`check_checkpoint` calls this first. ``config_class`` is the model class's
    (:func:`load_qwen_vl`); by default :class:`transformers.AutoConfig` picks the class of
    ``model_type``, the same one, without importing the model's code.

    Raises:
        FileFormatError: naming config.json, transformers' reason and where config.json sets the field.
    """
    ensure_transformers_importable()
    if config_class is None:
        from transformers import AutoConfig

        config_class = AutoConfig
    try:
        return config_class.from_pretrained(cfg_path.parent, local_files_only=True)
    except Exception as exc:  # transformers' strict config validation raises several types; re-raised naming the file
        raise FileFormatError(cfg_path, f"transformers refuses it: {_one_line(exc)}{_field_where(cfg, exc)}") from exc


def _field_where(cfg: dict[str, Any], exc: BaseException) -> str:
    """Where config.json sets the field a transformers validation error names (its message gives the
    field's name only: ``hidden_size`` may be set at the root, in ``text_config`` and in ``vision_config``)."""
    found = re.search(r"for field '([^']+)'", str(exc))
    if found is None:
        return ""
    field = found.group(1)
    sections = [
        ("", cfg),
        *((f"{key}.", cfg[key]) for key in ("text_config", "vision_config") if isinstance(cfg.get(key), dict)),
    ]
    places = [(f"{prefix}{field}", section[field]) for prefix, section in sections if field in section]
    # the message shows the refused value ("(value: '64')"): only the places holding it
    shown = re.search(r"\(value: (.*?)\)$", " ".join(str(exc).split()))
    if shown is not None and any(repr(value) == shown.group(1) for _, value in places):
        places = [(name, value) for name, value in places if repr(value) == shown.group(1)]
    listed = ", ".join(f"{name} = {json.dumps(value)}" for name, value in places)
    return f" (config.json sets {listed})" if places else ""


#: Qwen2.5-VL's ``tokens_per_second`` in every published checkpoint (3B to 72B), and the default
#: transformers 5 gives a config without one (``Qwen2_5_VLVisionConfig``): a checkpoint missing
#: the key loaded with twice the temporal rope spacing it was trained with, scoring without a word.
_QWEN25_TOKENS_PER_SECOND = (2, 4)


def _check_generation_config(gen_path: Path) -> None:
    """generation_config.json's special token ids must be token ids (``eos_token_id`` may be a
    list of them): generation would fail on every caption and reply with a raw TypeError."""
    gen = _read_object(gen_path)
    for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
        value = gen.get(key)
        ids = value if key == "eos_token_id" and isinstance(value, list) else [value]
        if value is not None and not all(_is_token_id(i) for i in ids):
            want = "a token id or a list of token ids" if key == "eos_token_id" else "a token id"
            raise FileFormatError(gen_path, f"{key} must be {want} (integers >= 0), got {value!r}")
    # the rest as transformers validates it when the model loads (there a raw ValueError, e.g.
    # for max_new_tokens 0): one error naming the file, before any worker starts
    ensure_transformers_importable()
    from transformers import GenerationConfig

    try:
        GenerationConfig.from_dict(gen)
    except (ValueError, TypeError) as exc:
        raise FileFormatError(gen_path, f"transformers refuses it: {_one_line(exc)}") from exc


#: Names of unmerged LoRA/PEFT adapter tensors (``...q_proj.lora_A.weight``, ``...base_layer.weight``).
_ADAPTER_TENSOR = re.compile(r"(?:^|\.)(?:lora_[A-Za-z]+|base_layer|lora_magnitude_vector)(?:\.|$)")

#: peft's adapter settings file (``adapter_model.safetensors`` beside it holds the adapter weights).
_ADAPTER_CONFIG = "adapter_config.json"
_MERGE = (
    "merge it into its base model (peft's merge_and_unload, then save_pretrained) and give that folder, "
    "or move the adapter files out"
)


def _is_token_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: A Hugging Face hub model id (``Qwen/Qwen2.5-VL-7B-Instruct``), as a path that does not exist.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


def _hub_id_note(path: Path) -> str:
    """For a missing folder named like a hub model id: camerabench loads local folders only (offline),
    and where the Hugging Face cache holds a snapshot of that id, its folder to give instead. A hub id
    was refused as a folder not found, with no word of either."""
    name = str(path)
    if not _HUB_ID.fullmatch(name):
        return ""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    note = f" ({name} reads as a Hugging Face hub id: models are loaded from a local checkpoint folder, offline"
    try:
        cached = snapshot_download(name, local_files_only=True)
    except (LocalEntryNotFoundError, HFValidationError):  # not in the cache: say how to fetch it
        return f"{note}; download it first, e.g. huggingface-cli download {name} --local-dir DIR, and give DIR)"
    return f"{note}; the Hugging Face cache holds it at {cached}: give that folder)"


def check_checkpoint(path: str | Path) -> str:
    """Check, without building the model, that a checkpoint folder has what loading it needs.

    Cheap (it reads the JSON files and the weight files' headers, never the tensors), so it runs
    before any worker process starts: a missing or unreadable file, a truncated or corrupt
    weight file, weights of the other Qwen-VL generation than ``config.json`` names
    (:func:`refuse_arch_mismatch`), weights whose sizes do not match ``config.json`` (a config of
    another model size), a missing tokenizer or chat template, a quantized checkpoint, a LoRA
    adapter beside the weights, a config.json transformers' own validation refuses (a field of
    the wrong type, :func:`_transformers_config`) each give one error naming the file. Weight shapes come from
    safetensors headers and from torch ``.bin`` archives' indexes (loaded onto the meta device:
    no tensor data is read).

    Returns:
        The layout (:func:`checkpoint_layout`).

    Raises:
        FileFormatError: naming the file and what is wrong with it.
    """
    path = Path(path)
    if not path.exists():
        aside = moved_aside(path)  # an interrupted --overwrite left the model beside it: said, never loaded
        raise FileFormatError(
            path,
            "model checkpoint folder not found"
            + (f"; {_aside_note(path, aside)}" if aside else "")
            + _hub_id_note(path),
        )
    if not path.is_dir():
        raise FileFormatError(path, "is a file; a model is a checkpoint folder (config.json, weights, tokenizer)")
    layout = checkpoint_layout(path)
    if (path / _ADAPTER_CONFIG).is_file():
        raise FileFormatError(
            path / _ADAPTER_CONFIG,
            "the checkpoint folder holds a LoRA/PEFT adapter beside the model weights: transformers would apply "
            f"it, unmerged, when loading the model (and a model trained from it could not be saved whole); {_MERGE}",
        )
    cfg = _read_object(path / "config.json")
    _check_config(path / "config.json", cfg)
    if (path / "generation_config.json").is_file():
        _check_generation_config(path / "generation_config.json")
        _check_special_token_ids(path / "generation_config.json", _read_object(path / "generation_config.json"), cfg)
    _check_tokenizer(path)
    _check_chat_template(path)
    read_pixel_spec(path, kind="video")
    read_pixel_spec(path, kind="image")
    read_video_sampling(path)
    shapes, files = _weight_shapes(path)
    # the generation before the sizes: Qwen3-VL weights under a Qwen2.5-VL config differ first in a size
    _check_arch(path / "config.json", str(cfg["model_type"]), shapes, files)
    _check_shapes(path / "config.json", cfg, shapes, files)
    _check_tokenizer_range(path, cfg)
    # last, so that the checks above name a setting in their own words; before any worker starts
    _transformers_config(path / "config.json", cfg)
    return layout


#: The device types a model is run on (``torch.device`` also parses meta, xla, hpu, ...: the adapter
#: moves no tensor to those, and the weights on ``meta`` hold no values).
_DEVICE_TYPES: tuple[str, ...] = ("cpu", "cuda", "mps")


def _device_hint(device: str) -> str:
    """A guess at the device a name torch refuses meant: ``CUDA`` or `` cuda`` (torch's names are
    lower-case, without spaces), ``0`` (torch reads a bare number as a CUDA index only as an int)."""
    number = device.strip()
    if number.isascii() and number.isdigit() and len(number) < 6:
        return f" (for the CUDA device {int(number)}, give cuda:{int(number)})"
    name = device.strip().lower()
    if name != device:
        try:
            torch.device(name)
        except (RuntimeError, ValueError):
            return ""
        return f" (device names are lower-case, without spaces: {name!r})"
    return ""


def resolve_device(device: str | None) -> torch.device:
    """A torch device by name; default cuda if available, else cpu.

    Every command that loads a model passes through here (``predict`` / ``caption`` from
    :meth:`QwenVLOptions.validate <camerabench.baselines.vlm.qwen.QwenVLOptions.validate>` in the
    main process, ``train`` before its data, then :func:`load_qwen_vl`), so a device this machine
    does not have is refused before any folder is made or any video read, by torch's own checks:
    the name parsed by ``torch.device``, CUDA by ``torch.cuda.is_available`` and
    ``torch.cuda.device_count`` (which follow ``CUDA_VISIBLE_DEVICES``), MPS by
    ``torch.backends.mps.is_available``.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')

    Raises:
        CameraBenchError: a malformed device name (torch's parser: ``CUDA``, `` cuda``, ``cuda:01``,
            ``cuda:-1``, ``0``, ``cpu,cuda``), a device type other than cpu, cuda or mps (``xpu``,
            ``meta``, ``privateuseone``), or a device this machine does not have (cuda without CUDA,
            ``cuda:3`` with one GPU, mps without MPS, ``cpu:1``: there is one CPU device).
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = check_device_name(device)
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = (
                f"this torch ({torch.__version__}) is built without CUDA"
                if torch.version.cuda is None
                else "no CUDA device or driver is found (CUDA_VISIBLE_DEVICES empty, no GPU, or a driver too old)"
            )
            raise CameraBenchError(f"device {device!r}: CUDA is not available on this machine: {why}; use --device cpu")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise CameraBenchError(
                f"device {device!r}: this machine has {count} CUDA device{'s' if count != 1 else ''} (cuda:0 to "
                f"cuda:{count - 1}, as CUDA_VISIBLE_DEVICES shows them); choose one of those"
            )
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise CameraBenchError(
            f"device {device!r}: MPS (Apple's GPU) is not available on this machine; use --device cpu"
            + (" or cuda" if torch.cuda.is_available() else "")
        )
    return dev


def check_device_name(device: str) -> torch.device:
    """The torch device ``device`` names, checked as a name only (parsed by ``torch.device``, a
    device type the model runs on, the one CPU and MPS device), not against this machine's devices:
    for a run whose model loads in other processes, on their own devices (Ray actors given GPUs by
    a CPU-only driver), which :func:`resolve_device` checks there.

    Example:
        >>> check_device_name("cuda:1"), check_device_name("cpu:0")
        (device(type='cuda', index=1), device(type='cpu'))

    Raises:
        CameraBenchError: as :func:`resolve_device`, but for what this machine has.
    """
    forms = "cpu, cuda, cuda:N (N counting from 0) or mps"
    if not isinstance(device, str):
        raise CameraBenchError(f"device must be a device name ({forms}), got {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise CameraBenchError(
            f"invalid device {device!r}: {_one_line(exc)}; give {forms}{_device_hint(device)}"
        ) from exc
    if dev.type not in _DEVICE_TYPES:
        raise CameraBenchError(f"device {device!r}: the model runs on {forms}, not on {dev.type!r} devices")
    if dev.type == "cpu":
        # torch parses any cpu:N and drops the index: tensors and models sent to cpu:7 are on plain
        # cpu (there is one CPU device; the index picks no core or socket), so cpu:7 ran as cpu
        # while the logs named cpu:7
        if dev.index not in (None, 0):
            raise CameraBenchError(
                f"device {device!r}: there is one CPU device (cpu or cpu:0); torch ignores the index, it picks "
                "no core or socket (limit them with OMP_NUM_THREADS or taskset); use --device cpu"
            )
        return torch.device("cpu")  # cpu:0 as cpu, the device torch gives its CPU tensors
    if dev.type == "mps" and dev.index not in (None, 0):
        raise CameraBenchError(f"device {device!r}: there is one MPS device (mps or mps:0)")
    return dev


def resolve_dtype(dtype: str | None, device: torch.device) -> torch.dtype:
    """``bfloat16``/``float32`` by name; default bf16 on GPU, fp32 on CPU."""
    if dtype is None:
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    if dtype not in _DTYPES:
        raise CameraBenchError(f"dtype must be bfloat16 or float32, got {dtype!r}")
    return _DTYPES[dtype]


def load_qwen_vl(
    path: str | Path,
    device: str | None = None,
    dtype: str | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_pixels: int | None = None,
) -> QwenVL:
    """Load a local Qwen2.5-VL (current or older layout) or Qwen3-VL checkpoint folder, offline.

    The transformers class is the one of ``config.json``'s ``model_type``
    (``Qwen2_5_VLForConditionalGeneration`` or ``Qwen3VLForConditionalGeneration``).

    Args:
        path: the checkpoint folder.
        device: torch device name; default cuda if available, else cpu.
        dtype: "bfloat16" or "float32"; default bf16 on GPU, fp32 on CPU.
        max_pixels: per-frame pixel cap for videos and images.
        min_pixels: per-frame lower bound; default the checkpoint's processor config (see
            :func:`read_pixel_spec`).

    Raises:
        FileFormatError: the folder is missing, not a Qwen2.5-VL / Qwen3-VL checkpoint, or a file
            in it is missing or broken (:func:`check_checkpoint`).
        CameraBenchError: bad device/dtype.
    """
    path = Path(path)
    layout = check_checkpoint(path)
    dev = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, dev)
    arch = checkpoint_arch(path)
    ensure_transformers_importable()
    import transformers
    from transformers import AutoTokenizer

    model_class = getattr(transformers, arch.model_class)
    model_config = _transformers_config(
        path / "config.json", _read_object(path / "config.json"), model_class.config_class
    )
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    except Exception as exc:  # tokenizers raises plain Exception on a malformed file; re-raised naming it
        files = "tokenizer.json" if (path / "tokenizer.json").is_file() else "vocab.json / merges.txt"
        raise FileFormatError(path, f"the tokenizer ({files}) does not load: {_one_line(exc)}") from exc
    # mismatched sizes are collected (the model is then refused below) instead of transformers'
    # RuntimeError that points at a report in the log
    model, info = model_class.from_pretrained(
        path,
        config=model_config,
        local_files_only=True,
        dtype=torch_dtype,
        output_loading_info=True,
        ignore_mismatched_sizes=True,
    )
    weights = next((name for name in _WEIGHT_FILES if (path / name).is_file()), "weights")
    mismatched = sorted(info.get("mismatched_keys") or [])
    if mismatched:
        name, got, want = mismatched[0]
        more = f" (and {len(mismatched) - 1} more)" if len(mismatched) > 1 else ""
        raise FileFormatError(
            path / weights,
            f"tensor {name} has shape {list(got)}, but config.json gives the model {list(want)}{more}",
        )
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise FileFormatError(path / weights, f"{len(missing)} tensor(s) of the model are missing: {shown}")
    # tensors the model has no place for were dropped with a transformers log line only. Unmerged
    # LoRA weights mean the model run is not the one the weights describe: refused. Other leftovers
    # (a published checkpoint may carry a module this transformers version does not build; none
    # could be checked offline) are warned about by name.
    unexpected = sorted(info.get("unexpected_keys") or [])
    if unexpected:
        adapter = [k for k in unexpected if _ADAPTER_TENSOR.search(k)]
        listed = adapter or unexpected
        shown = ", ".join(listed[:3]) + (f" and {len(listed) - 3} more" if len(listed) > 3 else "")
        if adapter:
            raise FileFormatError(
                path / weights,
                f"{len(adapter)} LoRA/PEFT adapter tensor(s) in the weights, which the {arch.name} model does not "
                f"apply: {shown}; {_MERGE}",
            )
        log.warning(
            "%s: %d tensor(s) in the weights are not part of the %s model config.json describes and are not used: %s",
            path / weights,
            len(unexpected),
            arch.name,
            shown,
        )
    _refuse_non_finite_weights(path, model)
    _check_attention_config(path, model)
    model.to(dev).eval()
    spec = read_pixel_spec(path, max_pixels=max_pixels, min_pixels=min_pixels, kind="video")
    image_spec = read_pixel_spec(path, max_pixels=max_pixels, min_pixels=min_pixels, kind="image")
    template = _chat_template(path, tokenizer)
    vl = QwenVL(path, model, tokenizer, template, spec, layout, image_spec=image_spec, arch=arch)
    vl.min_pixels = min_pixels
    vl.sampling = read_video_sampling(path)
    _warn_default_processor(vl, max_pixels)
    _check_tokens_and_template(vl)
    log.info("loaded %s (%s, %s layout) on %s as %s", path, arch.name, layout, dev, torch_dtype)
    return vl


#: The files a checkpoint's processor settings are read from (:func:`_processor_dict`). The
#: published Qwen2.5-VL checkpoints ship ``preprocessor_config.json``, the Qwen3-VL ones also
#: ``video_preprocessor_config.json``; transformers 5 saves one ``processor_config.json``.
_PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json", "video_preprocessor_config.json")


def _warn_default_processor(vl: QwenVL, max_pixels: int) -> None:
    """Warn, naming the folder, the missing files and the values used, when the checkpoint has no
    image processor settings (none of :data:`_PROCESSOR_FILES`, or a ``processor_config.json``
    without ``image_processor``).

    Its pixel bounds and normalisation (and, without video settings, its frame bounds) are then
    transformers' class defaults for its generation (:class:`~camerabench.baselines.vlm.arch.QwenArch`),
    which need not be what it was trained with (a fine-tune saved without its processor), and
    frames get no per-frame cap of the checkpoint's own, only ``max_pixels``. Such a checkpoint
    loaded without a word, and its scores could differ from the ones it was made for. It is still
    loaded (nothing says the defaults are wrong for it).

    The older layout (``preprocessor_config.json`` alone, video sizes from the video processor's
    defaults as transformers 5 loads it) is not warned about: the published Qwen2.5-VL checkpoints
    are made so.
    """
    _, image_source = _processor_dict(vl.path, "image")
    if image_source:
        return
    sampling = vl.sampling
    # a video source of its own: the composite's video_processor or video_preprocessor_config.json
    video_own = bool(sampling.source) and not sampling.source.startswith(" (")
    present = [name for name in _PROCESSOR_FILES if (vl.path / name).is_file()]
    missing = (
        f"{', '.join(present)} without image processor settings"
        if present
        else f"no processor config ({', '.join(_PROCESSOR_FILES[:-1])} or {_PROCESSOR_FILES[-1]})"
    )
    image = vl.image_spec
    settings = [f"image pixels {image.min_pixels} to {image.max_pixels} an image (max_pixels {max_pixels})"]
    if not video_own:
        video = vl.spec
        if video.clip_budget:
            settings.append(
                f"video pixels {video.clip_min_pixels} to {video.clip_max_pixels} a clip (all frames together), "
                f"at most {video.max_pixels} a frame (max_pixels)"
            )
        else:
            settings.append(
                f"video pixels {video.min_pixels} to {video.max_pixels} a frame (only max_pixels caps a frame: "
                "no cap of the checkpoint's own)"
            )
        settings.append(f"min_frames {sampling.min_frames}")
    settings.append(f"image_mean {list(image.image_mean)}, image_std {list(image.image_std)}")
    log.warning(
        "%s: %s: the %s%s processor's defaults are used, which may not be what the checkpoint was trained "
        "with (scores can differ): %s; copy the processor config of the checkpoint it was made from into the folder",
        vl.path,
        missing,
        vl.arch.name,
        " image" if video_own else "",
        "; ".join(settings),
    )


def _check_attention_config(path: Path, model: torch.nn.Module) -> None:
    """Settings of config.json that no weight shape shows but every forward pass needs: the
    vision tower's ``hidden_size`` divisible by its ``num_heads``, and the text model's
    ``mrope_section`` summing to half its attention head size (transformers' default
    ``mrope_section`` applies when ``rope_parameters`` has none). Otherwise every video would
    fail on its own with a raw reshape or split error."""
    vision = getattr(model.config, "vision_config", None)
    hidden, heads = getattr(vision, "hidden_size", None), getattr(vision, "num_heads", None)
    if isinstance(hidden, int) and isinstance(heads, int) and heads > 0 and hidden % heads:
        raise FileFormatError(
            path / "config.json",
            f"vision_config.hidden_size {hidden} is not divisible by vision_config.num_heads {heads}",
        )
    for module in model.modules():
        section, inv_freq = getattr(module, "mrope_section", None), getattr(module, "inv_freq", None)
        if isinstance(section, list | tuple) and isinstance(inv_freq, torch.Tensor):
            half = int(inv_freq.shape[-1])
            if sum(int(s) for s in section) != half:
                raise FileFormatError(
                    path / "config.json",
                    f"the text model's rope mrope_section {list(section)} sums to {sum(int(s) for s in section)}, "
                    f"but its attention heads take {half} frequencies (half the head size)",
                )


def _refuse_non_finite_weights(path: Path, model: torch.nn.Module) -> None:
    """A checkpoint with a NaN or infinite weight (a training run that diverged and saved anyway)
    is refused at load, naming the first such tensor: otherwise every video would fail on its own,
    one NaN score after another. One pass over the weights (a few seconds for 3B parameters on CPU,
    against the tens of seconds loading them takes)."""
    bad = [name for name, p in model.named_parameters() if not bool(torch.isfinite(p).all())]
    if bad:
        weights = next((name for name in _WEIGHT_FILES if (path / name).is_file()), "weights")
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise FileFormatError(path / weights, f"{len(bad)} tensor(s) hold NaN or infinite values: {shown}")


def _check_tokens_and_template(vl: QwenVL) -> None:
    """The tokenizer's visual pad tokens must be config.json's ids, its tokens must all have embedding
    rows, and the chat template must render a video and an image as one placeholder each and write the
    assistant header when asked (else every prompt would fail, or be scored at the wrong place, one
    video at a time)."""
    for kind, want in (("video", vl.video_token_id), ("image", vl.image_token_id)):
        ids = vl.tokenizer.encode(_PAD_TOKENS[kind], add_special_tokens=False)
        if ids != [want]:
            got = f"token {ids[0]}" if len(ids) == 1 else f"not one token ({len(ids)} tokens)"
            raise FileFormatError(
                vl.path / "config.json", f"{kind}_token_id is {want}, but the tokenizer's {_PAD_TOKENS[kind]} is {got}"
            )
    # the vision start/end tokens around every visual: a tokenizer without them read the template's
    # "<|vision_start|>" as a dozen ordinary tokens, a prompt the model was never trained on, without a word
    for key, token in (("vision_start_token_id", _VISION_START), ("vision_end_token_id", _VISION_END)):
        ids = vl.tokenizer.encode(token, add_special_tokens=False)
        if len(ids) != 1:
            raise FileFormatError(
                _tokenizer_file(vl.path),
                f"the tokenizer has no {token} token (it reads it as {len(ids)} tokens); the prompts need it: "
                "a tokenizer of another model",
            )
        configured = getattr(vl.model.config, key, None)
        if isinstance(configured, int) and ids[0] != configured:
            raise FileFormatError(
                vl.path / "config.json", f"{key} is {configured}, but the tokenizer's {token} is token {ids[0]}"
            )
    rows = int(vl.model.get_input_embeddings().num_embeddings)
    if len(vl.tokenizer) > rows:
        past = [str(t) for t in vl.tokenizer.convert_ids_to_tokens(list(range(rows, len(vl.tokenizer))))]
        if (vl.path / "tokenizer.json").is_file():
            tok_file, source = _out_of_range_source(vl.path, past)
        else:
            tok_file, source = vl.path, "from vocab.json, added_tokens.json or tokenizer_config.json"
        shown = ", ".join(repr(t) for t in past[:3]) + (f" and {len(past) - 3} more" if len(past) > 3 else "")
        raise FileFormatError(
            tok_file,
            f"the tokenizer has {len(vl.tokenizer)} tokens (past the last row: {shown}), but the model's "
            f"embeddings have {rows} rows (config.json vocab_size): text holding a token past them would fail; "
            f"{source}: a tokenizer of another model, or tokens added without resizing the model",
        )
    probe = VisualInputs(torch.zeros(0), (1, 1, 1), 1, 1.0, 1.0)
    image = dataclasses.replace(probe, second_per_grid_t=None, fps=None)
    for visual, pad in ((probe, _PAD_TOKENS["video"]), (image, _PAD_TOKENS["image"])):
        text = vl.render([visual, "?"])
        if text.count(pad) != 1 or text.count(_VISION_END) < 1:
            raise FileFormatError(
                vl.path,
                f"the chat template renders a {'video' if visual.is_video else 'image'} as {text.count(pad)} "
                f"{pad} placeholder(s) and {text.count(_VISION_END)} {_VISION_END}; expected one of each",
            )
    # the user's text exactly once: a template that leaves it out scored every question alike (the
    # question never reached the model), and one that repeats it failed the prefix cache's split of the
    # prompt with a bare "too many values to unpack"
    times = vl.render([probe, _TEXT_PROBE]).count(_TEXT_PROBE)
    if times != 1:
        raise FileFormatError(
            vl.path,
            f"the chat template writes the user's text {times} times, not once: "
            + ("every question would be scored without it" if times == 0 else "a template of another model?"),
        )
    with_header = vl.render([probe, "?"], generation_prompt=True)
    without = vl.render([probe, "?"], generation_prompt=False)
    if with_header == without:
        raise FileFormatError(
            vl.path,
            "the chat template ignores add_generation_prompt (it writes no assistant header): the "
            "yes/no and option probabilities would be read where the next turn starts, not the reply",
        )
    _close_think_block(vl, with_header[len(without) :] if with_header.startswith(without) else "")


#: Text rendered to see where (and how often) a chat template writes the user's text.
_TEXT_PROBE = "Is the camera static? (template probe)"


#: How Qwen3's templates write a reply without thinking (``enable_thinking=False``, and every
#: earlier assistant turn of a conversation): an empty closed think block before the answer.
CLOSED_THINK = "<think>\n\n</think>\n\n"
_ASSISTANT_HEADER = "<|im_start|>assistant\n"


def _close_think_block(vl: QwenVL, generation_prompt: str) -> None:
    r"""A template whose generation prompt opens a think block (Qwen3-VL "Thinking" checkpoints write
    ``<|im_start|>assistant\n<think>\n``): every prompt then ends with that block closed empty,
    ``<think>\n\n</think>\n\n`` (:data:`CLOSED_THINK`).

    Left open, P("Yes"), the option letters' probabilities and a caption's first token were read where
    the model starts thinking, not where it answers: scores that mean nothing, without a word. Closing
    it empty rather than refusing the checkpoint: it is exactly how the Qwen3 family's templates
    write an answer without thinking (``enable_thinking=False``; earlier turns of a conversation), so
    the score is read at the answer's first token as with an Instruct checkpoint, and the same
    prompt serves captions, multiple choice and training. What is scored is then the Thinking
    model's answer without reasoning (it was trained to always think first); the run records this
    (``closed_think_block`` in run.json's settings) so that such scores are not taken for an
    Instruct checkpoint's. A template that writes anything after the open tag (a reply already
    begun) is refused: no closed form of it is known.
    """
    if not generation_prompt.startswith(_ASSISTANT_HEADER):
        return
    after = generation_prompt[len(_ASSISTANT_HEADER) :]
    if not after.startswith("<think>") or "</think>" in after:
        return
    if not CLOSED_THINK.startswith(after):
        raise FileFormatError(
            vl.path,
            f"the chat template starts every reply with {after!r} (an open think block with text in it): "
            "the yes/no and option probabilities would be read inside the model's thinking, not at its answer",
        )
    vl.think_close = CLOSED_THINK[len(after) :]
    log.info("%s: the chat template opens a think block for the reply; scoring after it, closed empty", vl.path)
