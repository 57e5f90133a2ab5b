"""GRPO after SFT (``camerabench train --stage grpo``): ShotVL's and CamReasoner's second stage.

Recipe (design.md B11). Prompts come from a data folder: the balanced yes/no records of
``labels/binary_classification`` (as in SFT, :func:`~camerabench.baselines.vlm.train.balanced_binary`:
CameraBench's binary set is mostly "No", so an unbalanced pool rewards answering "No") and the
multiple-choice rows of ``labels/shotbench/*.tsv``. Each step takes ``prompts_per_step``
distinct prompts (the pool is walked in seeded shuffled passes; a step spanning two passes takes
none twice: :func:`step_batches`), so ``prompts_per_step`` may not exceed the pool
(:func:`check_prompt_pool`); for each it samples a group of ``group_size`` completions from the current policy
(plain temperature sampling: the checkpoint's own top-k/top-p/repetition settings are switched
off, so that the sampling distribution is the softmax of logits / temperature whose log
probabilities the loss uses; the image and video placeholder tokens are suppressed in both, as
a completion holding one would not fit the model's visual inputs) and scores every completion
with a verifiable reward:

``reward = accuracy_weight * correct + format_weight * format_ok`` (CamReasoner: 0.9 / 0.1)

- ``correct``: MCQ rows by :func:`camerabench.shotbench.extract_choice` (the deterministic rule
  ``evaluate`` scores with) equal to the row's letter; yes/no questions by
  :func:`extract_yes_no` (exactly one of "yes"/"no" among the answer's words, inside
  ``<answer>…</answer>`` when present, none right after a negation) equal to the label. An
  unparseable answer is wrong (and counted: ``unparsed`` in the log).
- ``format_ok``: the whole completion matches ``format_pattern`` (default
  ``<think>…</think><answer>…</answer>``; CamReasoner's adds an ``<observation>`` block first),
  both as written and in the form the answer parser reads it (Unicode's compatibility form
  without zero-width characters: :func:`camerabench.shotbench.answer_text`), so that a tag the
  parser reads (a full-width ``＜/answer＞``, or one with a zero-width space in it) is a tag to the
  format check too.
  With ``reasoning`` on (the default) the prompts ask for that format
  (:data:`BINARY_REASONING_INSTRUCTION`, ``qwen.mcq_prompt(row, reasoning=True)``).
  Completions are read as text by :meth:`~camerabench.baselines.vlm.checkpoint.QwenVL.decode`,
  which keeps the tags even when the tokenizer marks them as special tokens.

Advantages are group-normalised, ``(r - mean_group) / (std_group + 1e-4)`` with the sample
standard deviation (TRL's ``scale_rewards="group"``). Online filtering (``filter_groups``):
a group whose rewards are all equal has no advantage signal and is dropped from the update
(counted as ``filtered`` in the log); CamReasoner's equivalent filters groups whose mean
accuracy is outside (0.01, 0.99). A step whose groups are all filtered makes no update.

Loss (DeepSeekMath's GRPO, per sequence then averaged over the kept sequences):
``-mean_t[min(ratio_t * A, clip(ratio_t, 1 - clip_eps, 1 + clip_eps) * A)] + kl_coef * mean_t KL_t``
with ``ratio_t = pi(o_t) / pi_old(o_t)`` (exactly 1 with ``updates_per_batch = 1``, where the
gradient is the plain policy gradient) and the per-token k3 estimator
``KL_t = exp(ref_t - logp_t) - (ref_t - logp_t) - 1`` of KL(policy || reference). The
reference is the SFT checkpoint: a frozen copy in the policy's weight dtype run under the same
autocast, or, with ``lora``, the same model with its adapters disabled (not with ``train_vision``
as well: the vision tower it trains is shared, so a frozen copy is kept then); either way the KL is
exactly 0 before the first update. (A bfloat16 copy beside float32 weights under bfloat16
autocast differs by rounding outside the matrix products; on the tiny model that spurious KL
gave a first Adam step that drove the KL to 19.) Adam (AdamW without weight decay), gradient norm clipped
at 1, constant learning rate. Mixed precision and freezing (vision tower frozen unless
``train_vision``) as in SFT (``train.py``).

Log, one line per step (logger ``camerabench.baselines.vlm.grpo``, INFO): mean reward,
accuracy and format rate over all sampled completions, the mean KL to the reference over the
sequences used in the update (NaN when the step made no update), the number of filtered
groups and of groups whose rewards were all equal (advantage 0: no learning signal; warned about
at the end of the run), the loss (about 0 with ``updates_per_batch = 1``, where the ratio is 1 and the
advantages of a group sum to 0: its value is the KL term, its gradient is the policy gradient)
and the number of completions whose answer could not be read (scored wrong, never guessed).
The history is saved in the checkpoint's ``camerabench_train.json``.

Resuming (``train --stage grpo --resume``) works as SFT's (:func:`~camerabench.baselines.vlm.train.train`):
the run's state is saved atomically in ``.<out name>~resume`` beside the output folder
(:func:`~camerabench.baselines.vlm.train.resume_state_dir`) every ``save_every`` steps, on Ctrl-C or
SIGTERM (once a step is done; signals arriving during a step's policy updates are held until the
step is recorded) and before the model is saved; it is deleted once the model is. It holds the
trainable weights, AdamW's state, the step history (the end-of-run warnings and refusal read it),
the prompt walk (its generator and the current pass's remaining prompts: :func:`step_batches`) and
the torch/CUDA/NumPy/Python random states as they were when the last step ended (sampling draws
from torch's generator: the state at the interrupt, part-way into a step's sampling, would give the
resumed step other completions). The reference policy is not saved: it is always the starting
checkpoint (a frozen copy of it, or the LoRA model with its adapters off), whose weights the run's
identity fixes. A resumed run is refused, naming what differs, when the settings, the prompts,
their media or the starting checkpoint changed, and saves the model the uninterrupted run would
(bit for bit on the CPU).

Why not TRL's ``GRPOTrainer`` (TRL 1.16.0, read after installing it beside torch 2.13 /
transformers 5.24 here: it installs, adding datasets 5.2, pyarrow 26, dill, multiprocess and
xxhash): its vision-language path handles images only. The dataset columns it reads are
``image``/``images``; ``_tokenize_prompts`` collects only content parts of type ``"image"``;
the scoring forward pass (``_get_per_token_logps_and_entropies``) takes ``pixel_values`` /
``image_grid_thw`` and no ``pixel_values_videos`` / ``video_grid_thw`` /
``second_per_grid_ts``, and its inputs are rebuilt with ``processing_class(images=..., text=...)``
with no videos, so a video prompt's ``<|video_pad|>`` tokens would be scored without the video.
It also preprocesses through transformers' processors (the video processor needs torchvision,
which this package avoids: ``compat.py``) rather than camerabench's reader at a fixed frame
rate. Passing the frames as a list of images (design B11's fallback) would train the model on
independent pictures while ``predict`` asks it about one video (temporal patches and positions
differ): the trained policy would not be the one evaluated. Hence this compact trainer on the
:class:`~camerabench.baselines.vlm.checkpoint.QwenVL` wrapper, whose encoding ``predict`` and
SFT share; TRL is not a dependency.

Example:
    >>> extract_yes_no("<think>the view slides</think><answer>Yes.</answer>")
    'Yes'
    >>> extract_yes_no("yes or no"), extract_yes_no("maybe")
    (None, None)
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import math
import os
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from camerabench.baselines.vlm.checkpoint import (
    Encoded,
    QwenVL,
    _read_object,
    _weight_shapes,
    check_checkpoint,
    check_checkpoint_out,
    load_qwen_vl,
    resolve_device,
    resolve_dtype,
)
from camerabench.baselines.vlm.compat import VisualInputs, ensure_transformers_importable
from camerabench.baselines.vlm.config import ADV_EPS, GRPOConfig, check_max_new_tokens
from camerabench.baselines.vlm.qwen import encode_media, encode_video, mcq_prompt, reply_end_ids, vqa_prompt
from camerabench.baselines.vlm.train import (
    DEFAULT_SAVE_EVERY,
    TrainExample,
    _binary_found,
    _config_size,
    _interrupted,
    _kept,
    _mcq_found,
    _run_identity,
    _signals_deferred,
    _sigterm_unwinds,
    _Terminated,
    balanced_binary,
    binary_label_file,
    check_lora_rank,
    check_media_decode,
    check_pixel_budgets,
    check_text_lengths,
    check_yes_token,
    drop_resume_state,
    freeze,
    load_resume_state,
    mcq_rows,
    refuse_control_text,
    refuse_finished_model,
    refuse_mcq_control_text,
    refuse_non_finite_gradients,
    refuse_out_is_model,
    refuse_resume_state,
    require_videos,
    restore_weights_and_rngs,
    resume_state_dir,
    rng_states,
    save_checkpoint,
    seeded_rng,
    warn_one_letter_answers,
    write_resume_state,
)
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.shotbench import MCQRow, _answer_part, _normal, answer_text, extract_choice

__all__ = [
    "BINARY_REASONING_INSTRUCTION",
    "GRPOConfig",
    "GRPOPrompt",
    "GRPOResult",
    "Reward",
    "StepStats",
    "build_prompts",
    "cgroup_memory_limit",
    "check_group_memory",
    "check_prompt_pool",
    "device_memory",
    "extract_yes_no",
    "group_advantages",
    "grpo",
    "score_completion",
    "step_batches",
]

log = logging.getLogger(__name__)

#: What a yes/no question asks for under ``reasoning``.
BINARY_REASONING_INSTRUCTION = (
    "First think about the question step by step inside <think></think>, then answer Yes or No inside "
    "<answer></answer>."
)
_ADV_EPS = ADV_EPS  # TRL's and DeepSeekMath's guard against a zero group standard deviation


#: Quotes, emphasis and brackets around a word (``not "yes"``, ``not **yes**``, ``not (yes)``).
_MARKS = r"[\s*\"'`\u2018\u2019\u201c\u201d(\[]+"
#: Words that may stand between a negation and the answer it negates (``can't say yes``,
#: ``not the answer yes``, ``wouldn't really say yes``); punctuation ends a negation's reach
#: (``Not sure, but yes``, ``Not at all. No.``).
_FILLER = (
    "a|an|the|answer|answers|reply|say|says|said|saying|think|believe|guess|is|be|been|that|it|s|quite|really|"
    "exactly|simply|just|definitely|necessarily|certainly|clearly|sure|to|i|would|could|can|will|going|with|as"
)
#: A yes/no right after a negation (``not yes``, ``I can't say yes``, ``hardly a yes``), as
#: :func:`camerabench.shotbench.extract_choice` reads ``not B``: the reply rejects that answer. (A
#: ``no`` before the word is not counted: ``no ... yes`` already names both answers.)
_NEGATED_ANSWER = re.compile(
    rf"(?:(?<![a-z])(?:not|nor|neither|never|hardly|cannot)|n['\u2019]t)(?:{_MARKS}(?:{_FILLER})(?![a-z]))"
    rf"{{0,4}}{_MARKS}(?:yes|no)(?![a-z])"
)
#: A "Yes" whose own clause then says the question's auxiliary is not so (``Yes, it does not pan
#: left``, ``Yes, the camera doesn't``): a short answer repeats the answer's polarity.
_YES_THEN_NOT = re.compile(
    r"(?<![a-z])yes(?![a-z])[\s,;:\u2013\u2014-]+(?:[a-z]+\s+){1,3}?"
    r"(?:(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would)(?:\s+not|n['\u2019]t)|cannot)(?![a-z])"
)


def extract_yes_no(reply: str) -> str | None:
    """``"Yes"`` or ``"No"`` when exactly one of the two appears among the words (runs of letters,
    case-insensitive) of :func:`~camerabench.shotbench.answer_text` of the reply, else None (unparsed).

    Also unparsed: a reply whose yes/no comes right after a negation (``not``, ``n't``, ``never``,
    ``hardly``, ``nor``, ``neither``, ``cannot``; up to four filler words such as ``say``, ``the
    answer`` between, no punctuation): ``not yes``, ``I can't say yes``, ``I would not say no``
    reject that answer without giving the other; and a "Yes" whose clause goes on with a negated
    auxiliary (``Yes, it does not pan left``), which contradicts itself. ``No, it does not`` is No.
    """
    part = _answer_part(reply).lower()
    words = set(re.findall(r"[a-z]+", answer_text(reply).lower()))
    found = words & {"yes", "no"}
    if len(found) != 1 or _NEGATED_ANSWER.search(part) or _YES_THEN_NOT.search(part):
        return None
    return found.pop().capitalize()


@dataclass(frozen=True)
class GRPOPrompt:
    """One training prompt: its text, the right answer and where its media come from.

    Attributes:
        prompt: the user text after the media.
        answer: ``"Yes"``/``"No"`` (binary) or the right option's letter (mcq).
        kind: ``"binary"`` or ``"mcq"``.
        video: the clip's name in the data folder (binary).
        row: the multiple-choice row (mcq); its options decide correctness.
    """

    prompt: str
    answer: str
    kind: str
    video: str | None = None
    row: MCQRow | None = None


@dataclass(frozen=True)
class Reward:
    """The reward of one completion and its two terms; ``parsed`` is False when no answer could be
    read from it (counted as wrong: an unparsed reply is never guessed)."""

    value: float
    correct: bool
    format_ok: bool
    parsed: bool = True


def score_completion(text: str, target: GRPOPrompt, config: GRPOConfig) -> Reward:
    """``accuracy_weight * correct + format_weight * format_ok`` for one completion (module docstring).

    Raises:
        CameraBenchError: ``text`` is not a string (it raised a TypeError from deep in the answer
            parser), or ``target``'s answer is one the readers never give (``"yes"`` for a yes/no
            question, ``"b"`` or a letter that is no option for a multiple-choice row): every
            completion was scored wrong against it, without a word.
    """
    if not isinstance(text, str):
        raise CameraBenchError(f"a completion must be text, got {type(text).__name__} {text!r:.200}")
    if target.kind == "mcq":
        if target.row is None:
            raise CameraBenchError("an mcq prompt needs its row")
        if target.answer not in target.row.options:
            raise CameraBenchError(
                f"mcq prompt of row {target.row.index}: answer {target.answer!r} can never be read from a completion "
                f"(the row's option letters are {', '.join(target.row.options)})"
            )
        answer = extract_choice(text, target.row.options).letter
    elif target.kind == "binary":
        if target.answer not in ("Yes", "No"):
            raise CameraBenchError(
                f"binary prompt: answer {target.answer!r} can never be read from a completion (it is 'Yes' or 'No')"
            )
        answer = extract_yes_no(text)
    else:
        raise CameraBenchError(f"prompt kind must be 'binary' or 'mcq', got {target.kind!r}")
    correct = answer == target.answer
    # the parser reads ``＜/answer＞`` and ``<\u200b/answer>`` as tags: matched as written only, a block
    # holding one (``<answer>B＜/answer＞＜answer＞C</answer>``, two answers) was rewarded as well formed
    format_ok = all(
        re.fullmatch(config.format_pattern, form, flags=re.DOTALL) is not None for form in (text, _normal(text))
    )
    value = config.accuracy_weight * float(correct) + config.format_weight * float(format_ok)
    return Reward(value, correct, format_ok, parsed=answer is not None)


def group_advantages(rewards: torch.Tensor, filter_groups: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Group-normalised advantages and which groups take part in the update.

    Computed in float64 (integer or bool rewards included) and returned in the rewards' floating
    dtype (float32 for integer or bool rewards): in half precision the squared deviations of rewards
    of 6e4 overflowed, giving an infinite standard deviation and an advantage of 0 to every completion.

    Args:
        rewards: (num_groups, group_size) rewards.
        filter_groups: drop groups whose rewards are all equal.

    Returns:
        ``(advantages, keep)``: (num_groups, group_size) ``(r - mean) / (std + 1e-4)`` with the
        sample standard deviation (exactly 0 for a group of equal rewards: their mean, rounded,
        may differ from them by a unit in the last place, which the 1e-4 guard turned into an
        advantage of the same sign for the whole group), and a (num_groups,) bool mask.

    Raises:
        CameraBenchError: ``rewards`` is not a real tensor of shape (groups >= 1, group_size >= 2), or
            holds NaN or an infinity (the advantages would be NaN; the loss stopped the step, blaming the lr).

    Example:
        >>> adv, keep = group_advantages(torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5]]))
        >>> [round(a, 4) for a in adv[0].tolist()], keep.tolist()
        ([0.8659, -0.8659, -0.8659, 0.8659], [True, False])
    """
    if not isinstance(rewards, torch.Tensor) or rewards.is_complex():
        raise CameraBenchError(
            f"rewards must be a tensor of real numbers, got {type(rewards).__name__} {rewards!r:.200}"
        )
    if rewards.ndim != 2 or rewards.shape[0] < 1 or rewards.shape[1] < 2:
        raise CameraBenchError(f"rewards must be (groups >= 1, group_size >= 2), got {tuple(rewards.shape)}")
    out_dtype = rewards.dtype if rewards.is_floating_point() else torch.float32
    finite = torch.isfinite(rewards)
    if not bool(finite.all()):
        group, k = (int(i) for i in (~finite).nonzero()[0])
        raise CameraBenchError(
            f"rewards must be finite numbers, got {float(rewards[group, k])} in group {group} (completion {k})"
        )
    wide = rewards.double()
    mean = wide.mean(dim=1, keepdim=True)
    std = wide.std(dim=1, keepdim=True)
    equal = (rewards == rewards[:, :1]).all(dim=1)
    advantages = torch.where(equal[:, None], 0.0, (wide - mean) / (std + _ADV_EPS)).to(out_dtype)
    keep = ~equal if filter_groups else torch.ones_like(equal)
    return advantages, keep


def _binary_prompt(question: str, reasoning: bool) -> str:
    return f"{question} {BINARY_REASONING_INSTRUCTION}" if reasoning else vqa_prompt(question)


def build_prompts(data: Dataset, config: GRPOConfig) -> list[GRPOPrompt]:
    """The prompt pool of a data folder: balanced yes/no records and MCQ rows, in a seeded order.

    Raises:
        CameraBenchError: the folder yields no prompt.
        FileFormatError: a label file names a video that is not in the data folder.
    """
    rng = seeded_rng(config.seed)
    prompts: list[GRPOPrompt] = []
    if config.binary:
        records = balanced_binary(data, rng)
        require_videos(data, [(r.image, binary_label_file(data, r)) for r in records])
        for r in records:
            refuse_control_text(binary_label_file(data, r), [r.question])
        prompts += [
            GRPOPrompt(_binary_prompt(r.question, config.reasoning), r.label, "binary", video=r.image) for r in records
        ]
    if config.mcq:
        rows = mcq_rows(data)
        for r in rows:
            refuse_mcq_control_text(data, r)
        warn_one_letter_answers(rows, "GRPO")
        prompts += [GRPOPrompt(mcq_prompt(r, config.reasoning), r.answer, "mcq", row=r) for r in rows]
    if not prompts:
        found = [
            _binary_found(data) if config.binary else "yes/no labels: left out (binary off, --no-binary)",
            _mcq_found(data, config.mcq),
        ]
        raise CameraBenchError(f"{data.root}: no GRPO prompts ({'; '.join(found)})")
    rng.shuffle(prompts)
    return prompts


def check_prompt_pool(num_prompts: int, config: GRPOConfig, data_dir: str | Path) -> None:
    """Refuse a step of more distinct prompts than the pool holds (before any medium is decoded).

    A GRPO step samples one group of ``group_size`` completions for each of its prompts and
    normalises the rewards within each group (DeepSeekMath's GRPO; TRL's ``GRPOTrainer`` likewise
    draws distinct prompts and repeats each ``num_generations`` times): more completions of a prompt
    are a larger ``group_size``. The pool was reused within the step, so a prompt came back as
    several groups normalised apart; ``prompts_per_step=10**6`` over a pool of 8 passed
    (``prompts_per_step x group_size`` is capped only at 10 million) and sampled 8 million
    completions of 8 prompts per step, for days.

    Raises:
        CameraBenchError: naming ``prompts_per_step``, its value and the pool's size.
    """
    if config.prompts_per_step > num_prompts:
        raise CameraBenchError(
            f"GRPO: prompts_per_step {config.prompts_per_step} is more than the {num_prompts} distinct prompts of "
            f"{data_dir}: a step would repeat prompts (each a separate group of group_size completions); give at "
            f"most {num_prompts}, or raise group_size ({config.group_size}) for more completions per prompt"
        )


_GIB = 2**30


#: Where the kernel shows this process's control groups, and their file system (tests point them elsewhere).
_PROC_CGROUP = Path("/proc/self/cgroup")
_CGROUP_FS = Path("/sys/fs/cgroup")


def cgroup_memory_limit() -> tuple[int, Path] | None:
    """The smallest memory limit of the control groups this process is in, and the file stating it;
    None where none is set or readable (no cgroups: macOS, Windows; ``max`` everywhere).

    A container (Docker ``--memory``, a Kubernetes limit, a batch job's allocation) is killed by the
    kernel past its cgroup's limit, however much physical memory ``sysconf`` reports: cgroup v2's
    ``memory.max`` and v1's ``memory.limit_in_bytes`` of the process's group and of every group above
    it (each bounds it) are read; a group whose folder this mount does not show (another cgroup
    namespace) falls back to the mount's root.
    """
    if not _PROC_CGROUP.is_file():
        return None
    found: list[tuple[int, Path]] = []
    for line in _PROC_CGROUP.read_text().splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, group = parts
        if controllers == "":  # cgroup v2 (unified)
            root, name = _CGROUP_FS, "memory.max"
        elif "memory" in controllers.split(","):  # cgroup v1's memory controller
            root, name = _CGROUP_FS / "memory", "memory.limit_in_bytes"
        else:
            continue
        folder = root / group.strip("/")
        folders = [folder, *folder.parents] if folder.is_dir() else [root]
        for where in folders:
            if where != root and root not in where.parents:
                break
            limit = where / name
            text = limit.read_text().strip() if limit.is_file() else ""
            if text.isdigit() and int(text) > 0:  # "max": no limit
                found.append((int(text), limit))
    return min(found, key=lambda f: f[0]) if found else None


def device_memory(device: torch.device) -> int | None:
    """The total memory of ``device`` in bytes (a CUDA GPU's own; for ``cpu`` the machine's physical
    memory or this process's cgroup memory limit (:func:`cgroup_memory_limit`), the smaller); None
    where it cannot be read (MPS, a system without ``sysconf`` or whose ``sysconf`` reports no page
    count, -1, and no cgroup limit): not checked then."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    if device.type != "cpu":
        return None
    names = getattr(os, "sysconf_names", {})
    physical = None
    if "SC_PAGE_SIZE" in names and "SC_PHYS_PAGES" in names:
        page, pages = int(os.sysconf("SC_PAGE_SIZE")), int(os.sysconf("SC_PHYS_PAGES"))
        # -1: indeterminate (the product was negative, and every group_size was refused)
        physical = page * pages if page > 0 and pages > 0 else None
    limit = cgroup_memory_limit()
    sizes = [size for size in (physical, limit[0] if limit else None) if size is not None]
    return min(sizes) if sizes else None


def _kv_bytes_per_token(model_dir: str | Path, itemsize: int) -> tuple[int, str] | None:
    """Bytes of key/value cache one token takes in the text model (``2 x layers x key/value heads x
    head_dim x itemsize``), from ``config.json``, and how; None when the config does not state them."""
    cfg = _read_object(Path(model_dir) / "config.json")
    text = cfg["text_config"] if isinstance(cfg.get("text_config"), dict) else cfg
    layers, heads = _config_size(text, "num_hidden_layers"), _config_size(text, "num_attention_heads")
    hidden = _config_size(text, "hidden_size")
    kv_heads = _config_size(text, "num_key_value_heads") or heads
    head_dim = _config_size(text, "head_dim") or (hidden // heads if hidden and heads else None)
    if layers is None or kv_heads is None or not head_dim:
        return None
    how = f"2 x {layers} layers x {kv_heads} key/value heads x head_dim {head_dim} x {itemsize} bytes"
    return 2 * layers * kv_heads * head_dim * itemsize, how


def check_group_memory(model_dir: str | Path, config: GRPOConfig, device: torch.device, compute: torch.dtype) -> None:
    """Refuse a ``group_size`` whose completions cannot be sampled together on ``device`` (before the data).

    The ``group_size`` completions of a prompt are sampled in one ``generate`` call
    (``num_return_sequences``), so their key/value caches are held at once: each completion may run
    to ``max_new_tokens`` (random early policies rarely end) after a prompt of at least one token.
    That cache, ``group_size x (max_new_tokens + 1) x`` :func:`_kv_bytes_per_token`, beside the
    weights (read from the checkpoint's tensor shapes; twice with a frozen reference copy) is a
    lower bound of what sampling needs (the prompt's video tokens, activations and the optimizer's
    state come on top): above the device's memory the run cannot work. Only the config's
    ``prompts_per_step x group_size <= 10 million`` bounded it, so ``group_size=10**6`` passed and
    ran out of memory at the first generation, after every medium was decoded and the model loaded.

    (TRL's ``GRPOTrainer``, not used here (module docstring), also needs ``num_generations`` to divide
    its generation batch; here a step is always ``prompts_per_step`` whole groups. The context bound is
    per completion, not per group: :func:`~camerabench.baselines.vlm.config.check_max_new_tokens`.)

    Raises:
        CameraBenchError: naming ``group_size``, the largest that fits and the numbers it comes from.
    """
    memory = device_memory(device)
    per_token = _kv_bytes_per_token(model_dir, torch.empty((), dtype=compute).element_size())
    if memory is None or per_token is None:
        return
    weight_size = 4 if not config.lora else torch.empty((), dtype=resolve_dtype(config.dtype, device)).element_size()
    copies = 2 if config.kl_coef > 0 and (not config.lora or config.train_vision) else 1
    params = sum(math.prod(shape) for shape in _weight_shapes(Path(model_dir))[0].values())
    weights = copies * params * weight_size
    per_completion = (config.max_new_tokens + 1) * per_token[0]
    if weights + config.group_size * per_completion <= memory:
        return
    fits = max(0, (memory - weights) // per_completion)
    limit = cgroup_memory_limit() if device.type == "cpu" else None
    where = f", the memory limit in {limit[1]}" if limit is not None and limit[0] == memory else ""
    raise CameraBenchError(
        f"GRPO: group_size {config.group_size} cannot be sampled on {device} ({memory / _GIB:.3g} GiB{where}): the "
        f"group_size completions of a prompt are sampled together, and their key/value cache alone, "
        f"{config.group_size} x (max_new_tokens {config.max_new_tokens} + 1 prompt token) x {per_token[0]} bytes a "
        f"token ({per_token[1]}, from {Path(model_dir) / 'config.json'}) = "
        f"{config.group_size * per_completion / _GIB:.3g} GiB, beside {weights / _GIB:.3g} GiB of weights"
        f"{' (the model and its frozen reference copy)' if copies == 2 else ''}, is more than the device holds; "
        + (
            f"give group_size at most {fits} (fewer for the prompts' video tokens) or a smaller max_new_tokens"
            if fits >= 2
            else "the weights leave room for fewer than 2 completions (group_size must be >= 2): "
            + ("lower max_new_tokens, " if weights < memory else "none at all, whatever max_new_tokens: ")
            + ("" if config.lora else "use lora, ")
            + ("set kl_coef 0 (no reference copy), " if copies == 2 else "")
            + "or use a device with more memory"
        )
    )


def step_batches(
    num_prompts: int, per_step: int, rng: random.Random, order: list[int] | None = None
) -> Iterator[list[int]]:
    """Endless steps of ``per_step`` distinct prompt indices (``per_step <= num_prompts``), walking
    the pool in shuffled passes. A step spanning two passes takes the prompts it already holds last
    in the new pass (they are not repeated within it; the pass still holds every prompt once).

    ``order``, the current pass's prompts not taken yet (taken from its end), is the walk's state
    beside ``rng``'s: a list passed in is updated in place, so a caller can save both after a step
    and continue the walk from them (GRPO's resume state); by default a new walk."""
    order = [] if order is None else order
    while True:
        batch: list[int] = []
        while len(batch) < per_step:
            if not order:
                drawn = list(range(num_prompts))
                rng.shuffle(drawn)
                taken = set(batch)  # pop() takes from the end: these go first in the list, i.e. last
                order[:] = [i for i in drawn if i in taken] + [i for i in drawn if i not in taken]
            batch.append(order.pop())
        yield batch


@dataclass
class StepStats:
    """What one step did (one log line)."""

    step: int
    reward: float
    accuracy: float
    format_rate: float
    kl: float
    filtered: int
    groups: int
    loss: float
    #: groups whose completions all got the same reward: no advantage signal (filtered or not)
    equal_rewards: int = 0
    #: completions whose answer could not be read (scored wrong), of ``groups * group_size``
    unparsed: int = 0


@dataclass
class GRPOResult:
    """The checkpoint written and the per-step history."""

    out_dir: Path
    num_prompts: int
    history: list[StepStats] = field(default_factory=list)


def _eos_ids(vl: QwenVL) -> list[int]:
    return reply_end_ids(vl)


#: (checkpoint, prompt length) pairs whose cut completions were warned about (:func:`_sample`).
_CUT_WARNED: set[tuple[str, int]] = set()


@torch.no_grad()
def _sample(model: Any, vl: QwenVL, enc: Encoded, config: GRPOConfig, eos: list[int]) -> list[torch.Tensor]:
    """``group_size`` completions of one prompt, each cut after its first end token.

    A completion is at most ``max_new_tokens`` long, and shorter where the model's positions
    (``max_position_embeddings``) leave less room after the prompt: every completion token is fed
    to the model when its log-probabilities are computed (:func:`_logps`), so prompt and completion
    must fit together. (Sampling went on past the limit, on rope positions the model never had.)

    Raises:
        CameraBenchError: the prompt fills the model's positions, leaving no room for a completion.
    """
    limit = vl.max_positions
    room = config.max_new_tokens if limit is None else min(config.max_new_tokens, limit - len(enc))
    if room < 1:
        raise CameraBenchError(
            f"a prompt of {len(enc)} tokens fills the {limit} positions of {vl.path} (config.json "
            "max_position_embeddings), leaving no room for a completion; lower sample_fps, max_pixels or max_side"
        )
    if room < config.max_new_tokens and (str(vl.path), len(enc)) not in _CUT_WARNED:
        _CUT_WARNED.add((str(vl.path), len(enc)))  # once per prompt length, not at every step
        log.warning(
            "completions of a %d-token prompt are cut at %d tokens, not max_new_tokens=%d: the %d positions of %s "
            "(config.json max_position_embeddings) leave no more",
            len(enc),
            room,
            config.max_new_tokens,
            limit,
            vl.path,
        )
    inputs = vl.model_inputs([enc])
    pad = vl.tokenizer.pad_token_id if vl.tokenizer.pad_token_id is not None else vl.im_end_id
    from transformers import GenerationConfig

    # a fresh configuration, not the checkpoint's generation_config.json: a saved no_repeat_ngram_size,
    # min_new_tokens, min_p or bad_words_ids changed the sampling while the loss scores completions as
    # plain softmax(logits / T) samples (off-policy, with the importance ratio taken as 1; red team R25)
    sampling = GenerationConfig(
        do_sample=True,
        temperature=config.temperature,
        top_k=0,
        top_p=1.0,
        repetition_penalty=1.0,
        suppress_tokens=_suppressed(vl),
        max_new_tokens=room,
        num_return_sequences=config.group_size,
        eos_token_id=eos,
        pad_token_id=pad,
    )
    # generate fills the values left unset from the model's own configuration (the transformers model
    # under a LoRA wrapper): an empty one there leaves only the sampling's
    hf = model.get_base_model() if hasattr(model, "get_base_model") else model
    saved, hf.generation_config = hf.generation_config, GenerationConfig()
    try:
        out = model.generate(**inputs, generation_config=sampling)
    finally:
        hf.generation_config = saved
    completions = []
    is_eos = torch.isin(out[:, len(enc) :], torch.tensor(eos, device=out.device))
    for seq, ends in zip(out[:, len(enc) :].cpu(), is_eos.cpu(), strict=True):
        stop = int(ends.nonzero()[0, 0]) + 1 if bool(ends.any()) else len(seq)
        completions.append(seq[:stop])
    return completions


def _suppressed(vl: QwenVL) -> list[int]:
    """Tokens a completion must not hold: the visual placeholders (they must match the visual inputs)."""
    return [vl.image_token_id, vl.video_token_id]


def _logps(
    model: Any, vl: QwenVL, enc: Encoded, completions: Sequence[torch.Tensor], temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, C) log-probabilities of the completion tokens under ``model`` (logits / temperature) and their mask."""
    batch = [
        Encoded(
            torch.cat([enc.input_ids, c]),
            torch.cat([enc.mm_token_type_ids, torch.zeros_like(c)]),
            enc.visuals,
        )
        for c in completions
    ]
    width = max(len(c) for c in completions)
    inputs = vl.model_inputs(batch)
    # every sequence shares the prompt, so the completions start at the same position: the last
    # width + 1 logits (right padding) hold the predictions of all completion tokens
    logits = model(**inputs, use_cache=False, logits_to_keep=width + 1).logits[:, :width].float()
    logits[..., _suppressed(vl)] = -math.inf  # as in sampling
    targets = torch.zeros((len(completions), width), dtype=torch.long)
    mask = torch.zeros((len(completions), width), dtype=torch.float32)
    for i, c in enumerate(completions):
        targets[i, : len(c)], mask[i, : len(c)] = c, 1.0
    targets, mask = targets.to(logits.device), mask.to(logits.device)
    logp = torch.log_softmax(logits / temperature, dim=-1).gather(-1, targets[..., None])[..., 0]
    return logp, mask


@dataclass
class _Group:
    """One prompt's rollouts, ready for the update."""

    enc: Encoded
    completions: list[torch.Tensor]
    advantages: torch.Tensor
    old: list[torch.Tensor] = field(default_factory=list)  # per micro-batch, when updates_per_batch > 1
    ref: list[torch.Tensor] = field(default_factory=list)  # per micro-batch, when kl_coef > 0


class _Held(contextlib.ExitStack):
    """Ctrl-C and SIGTERM held (:func:`~camerabench.baselines.vlm.train._signals_deferred`) from the
    first change a step makes to the run's state (its first optimiser update) until the step is
    recorded, and delivered when this exits: between two updates of ``updates_per_batch`` the
    policy is in no state an uninterrupted run saves. Calling it starts holding (once)."""

    def __init__(self) -> None:
        super().__init__()
        self._holding = False

    def __call__(self) -> None:
        if not self._holding:
            self.enter_context(_signals_deferred())
            self._holding = True


#: What a GRPO resume state adds to every state's fields (its record's, its tensors'): the save in
#: :func:`grpo`, read back when it resumes.
GRPO_STATE_KEYS = (("history", "walk_order"), ("rng_walk",))


def grpo(
    data_dir: str | Path,
    model_dir: str | Path,
    out_dir: str | Path,
    config: GRPOConfig,
    *,
    overwrite: bool = False,
    resume: bool = False,
    save_every: int = DEFAULT_SAVE_EVERY,
) -> GRPOResult:
    """Train the SFT checkpoint at ``model_dir`` with GRPO on ``data_dir``'s labels; save to ``out_dir``.

    The output folder is written under a temporary name and renamed when complete: a run stopped
    before (Ctrl-C, SIGTERM, an error) leaves no model there and is logged with the step it reached.
    The run's resume state (module docstring: weights, AdamW, history, prompt walk, random states as
    the last step left them) is saved in
    :func:`~camerabench.baselines.vlm.train.resume_state_dir` every ``save_every`` steps, on Ctrl-C
    or SIGTERM after at least one step, and before the final model is saved; it is deleted once the
    model is (or once the run is refused for making no update: resumed, it would make none either).
    ``resume`` continues from it, refused when the settings, the prompts, their media or the starting
    checkpoint differ; the resumed run saves the model the uninterrupted run would (bit for bit on
    the CPU). Without ``resume`` an existing state is refused unless ``overwrite``
    (:func:`~camerabench.baselines.vlm.train.refuse_resume_state`). An ``out_dir`` that already holds
    a model is refused unless ``overwrite`` (:func:`~camerabench.baselines.vlm.train.refuse_finished_model`).

    Groups whose completions all got the same reward (a constant reward, a model always right or
    always wrong) have advantage 0 and teach nothing: counted per step (``equal_rewards``, in the
    log line) and warned about at the end; a run where every group was so is refused.

    Raises:
        CameraBenchError: a bad setting, no prompts, a model in ``out_dir``, a non-finite loss, or no
            update in the whole run.
    """
    config.check()
    if isinstance(save_every, bool) or not isinstance(save_every, int) or save_every < 1:
        raise CameraBenchError(f"save_every must be an integer >= 1 (GRPO steps), got {save_every!r}")
    # the device and dtype before the data: a bad device was refused after every medium was decoded
    device = resolve_device(config.device)
    compute_dtype = resolve_dtype(config.dtype, device)
    refuse_out_is_model(model_dir, out_dir)
    check_checkpoint_out(out_dir)
    refuse_resume_state(out_dir, resume, overwrite)
    if not resume:
        refuse_finished_model(out_dir, overwrite)
    check_checkpoint(model_dir)  # the checkpoint (and its generation) before the data (see train.train)
    check_pixel_budgets(model_dir, config, "GRPO")
    check_lora_rank(model_dir, config, "GRPO")  # before the media, as train() does
    # 10**30 was accepted: every completion ran to the model's positions (minutes on the tiny model)
    check_max_new_tokens(model_dir, {"max_new_tokens": config.max_new_tokens}, "GRPO:")
    check_group_memory(model_dir, config, device, compute_dtype)  # group_size=10**6 ran out of memory after loading
    ensure_transformers_importable()
    data = Dataset(data_dir)
    prompts = build_prompts(data, config)
    check_prompt_pool(len(prompts), config, data_dir)
    # a prompt (an MCQ row's question and options) that leaves no room for a completion, before the media
    as_examples = [
        TrainExample(p.video or (p.row.paths[0] if p.row else ""), p.prompt, p.answer, p.kind, p.row) for p in prompts
    ]
    check_text_lengths(model_dir, data, as_examples, "GRPO", with_answer=False)
    check_yes_token(model_dir, as_examples)  # yes/no prompts on a model predict could never score
    state_dir = resume_state_dir(out_dir)
    identity = _run_identity(data, as_examples, model_dir, config, stage="grpo")
    # a changed run is refused before the media are decoded
    loaded = load_resume_state(state_dir, identity, GRPO_STATE_KEYS) if resume else None
    check_media_decode(
        data,
        {p.video for p in prompts if p.video},
        [p.row for p in prompts if p.row is not None],
        model_dir,
        config.max_side,
    )
    if not config.reasoning and config.format_weight > 0:
        log.warning(
            "reasoning is off: the prompts do not ask for the format the format term (weight %g) rewards",
            config.format_weight,
        )
    torch.manual_seed(config.seed)
    weights_dtype = config.dtype if config.lora else "float32"  # trainable weights stay float32
    vl = load_qwen_vl(model_dir, device=config.device, dtype=weights_dtype, max_pixels=config.max_pixels)
    reference: Any = None
    # LoRA alone: the base weights are the reference (adapters disabled); but a vision tower trained
    # beside the adapters (train_vision) is not behind an adapter, so it would drift in the reference too
    if config.kl_coef > 0 and (not config.lora or config.train_vision):
        reference = copy.deepcopy(vl.model).eval().requires_grad_(False)
    model = freeze(vl, config.lora, config.lora_rank, config.train_vision)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    autocast = (
        torch.autocast(vl.device.type, dtype=compute_dtype)
        if compute_dtype != torch.float32
        else contextlib.nullcontext()
    )

    @functools.lru_cache(maxsize=8)
    def video(name: str) -> VisualInputs:
        return encode_video(vl, data.video_path(name), sample_fps=config.sample_fps, max_side=config.max_side)

    @functools.lru_cache(maxsize=8)
    def media(key: tuple[str, str]) -> list[VisualInputs]:
        row = rows[key]
        return encode_media(vl, row, row.media(data.root), fps=config.mcq_fps, max_pixels=config.mcq_max_pixels)

    rows = {(p.row.table, p.row.index): p.row for p in prompts if p.row is not None}

    def encode(p: GRPOPrompt) -> Encoded:
        visuals = media((p.row.table, p.row.index)) if p.row is not None else [video(str(p.video))]
        return vl.encode([*visuals, p.prompt])

    def reference_logps(enc: Encoded, chunk: list[torch.Tensor]) -> torch.Tensor:
        if reference is not None:
            return _logps(reference, vl, enc, chunk, config.temperature)[0]
        with model.disable_adapter():  # LoRA: the base weights are the SFT model
            return _logps(model, vl, enc, chunk, config.temperature)[0]

    log.info(
        "GRPO on %d prompts: %d steps x %d prompts x %d completions, %d trainable parameters",
        len(prompts),
        config.steps,
        config.prompts_per_step,
        config.group_size,
        sum(p.numel() for p in params),
    )
    eos = _eos_ids(vl)
    walk_rng, walk_order = seeded_rng(config.seed), list[int]()  # the prompt walk's state (step_batches)
    batches = step_batches(len(prompts), config.prompts_per_step, walk_rng, walk_order)
    result = GRPOResult(Path(out_dir), len(prompts))
    resumed_at: list[int] = []
    if loaded is not None:
        record, tensors = loaded
        restore_weights_and_rngs(tensors, model, optimizer)
        walk_rng.setstate(tensors["rng_walk"])
        walk_order[:] = record["walk_order"]
        result.history = [StepStats(**s) for s in record["history"]]
        resumed_at = [*record["resumed_at"], len(result.history)]
        log.info("resuming from %s after step %d of %d", state_dir, len(result.history), config.steps)
    # the random states and the walk as the last step left them: a step interrupted part-way has drawn from both
    ended = (rng_states(), walk_rng.getstate(), list(walk_order))

    def save_state() -> None:
        rngs, walk_state, order = ended
        record = {
            "history": [asdict(s) for s in result.history],
            "walk_order": order,
            "resumed_at": resumed_at,
            "identity": identity,
        }
        done = len(result.history)
        took = write_resume_state(state_dir, done, model, optimizer, {"rng_walk": walk_state}, record, rngs)
        log.info("resume state after step %d of %d saved to %s (%.2f s)", done, config.steps, state_dir, took)

    saved_at: int | None = len(result.history) if loaded is not None else None  # the step the state on disk holds
    saving: bool | None = None  # None: training; else saving (True: over an earlier model)
    try:
        with _sigterm_unwinds():
            while len(result.history) < config.steps:
                step = len(result.history) + 1
                batch = [prompts[i] for i in next(batches)]
                with _Held() as hold:
                    try:
                        stats = _step(
                            model, vl, batch, encode, reference_logps, optimizer, params, autocast, config, eos, hold
                        )
                    except CameraBenchError as exc:  # a non-finite loss or gradient: which step, and what is kept
                        raise CameraBenchError(
                            f"GRPO step {step} of {config.steps}: {exc}; {_kept(saved_at, state_dir, out_dir)}"
                        ) from exc
                    hold()  # the step recorded whole or not at all
                    stats.step = step
                    result.history.append(stats)
                    ended = (rng_states(), walk_rng.getstate(), list(walk_order))
                    _log_step(stats, config)  # a step recorded is logged, also when a held Ctrl-C follows
                if step % save_every == 0 or step == config.steps:
                    save_state()  # the last step's too: a save of the model interrupted loses nothing
                    saved_at = step
        _warn_unparsed(result.history, config)
        try:
            _check_learning_signal(result.history, config, out_dir)
        except CameraBenchError:  # the refusal is raised as it is; a resumed run would be refused again
            drop_resume_state(state_dir, "the run is refused")
            raise
        info = {
            "stage": "grpo",
            "base_model": str(Path(model_dir).resolve()),
            "config": asdict(config),
            "resolved": {"device": str(vl.device), "dtype": str(compute_dtype).removeprefix("torch.")},
            "num_prompts": len(prompts),
            "steps": config.steps,
            "history": [asdict(s) for s in result.history],
            **({"resumed_after_steps": resumed_at} if resumed_at else {}),
        }
        saving = (Path(out_dir) / "config.json").is_file()
        save_checkpoint(vl, model, Path(model_dir), Path(out_dir), info, compute_dtype)
    except (KeyboardInterrupt, _Terminated) as exc:
        done = len(result.history)
        if saving is None and done and saved_at != done:  # the policy, optimiser and walk are those after step done
            save_state()  # a second Ctrl-C during it leaves the earlier state (every file is renamed into place)
            saved_at = done
        how = "interrupted" if isinstance(exc, KeyboardInterrupt) else "terminated (SIGTERM)"
        where = _interrupted(saving, done, config.steps, -1, model_dir, out_dir, (saved_at, state_dir))
        log.error("GRPO %s %s", how, where)
        raise
    except Exception as exc:  # logged with the step it stopped at (not the refusal of a run without updates)
        if saving is not None or len(result.history) < config.steps:
            where = _interrupted(
                saving, len(result.history), config.steps, -1, model_dir, out_dir, (saved_at, state_dir)
            )
            log.error("GRPO stopped by %s %s", type(exc).__name__, where)
        raise
    drop_resume_state(state_dir)
    return result


def _log_step(stats: StepStats, config: GRPOConfig) -> None:
    """One step's log line."""
    step = stats.step
    log.info(
        "step %d/%d: reward %.3f accuracy %.3f format %.3f kl %.4f filtered %d/%d equal-reward %d/%d "
        "loss %.4f unparsed %d/%d%s",
        step,
        config.steps,
        stats.reward,
        stats.accuracy,
        stats.format_rate,
        stats.kl,
        stats.filtered,
        stats.groups,
        stats.equal_rewards,
        stats.groups,
        stats.loss,
        stats.unparsed,
        stats.groups * config.group_size,
        # kl and loss are NaN, not 0: nothing was computed (the README audit found the bare NaNs unexplained)
        f" (no update this step: all {stats.groups} groups filtered, their completions' rewards equal)"
        if math.isnan(stats.loss)
        else " (kl not computed: kl_coef 0)"
        if math.isnan(stats.kl)
        else "",
    )


def _warn_unparsed(history: list[StepStats], config: GRPOConfig) -> None:
    """Warn at the end of a run about the completions whose answer could not be read.

    They are scored wrong (accuracy 0), never guessed, and counted in each step's log line only; a
    run in which none could be read (completions cut by ``max_new_tokens`` before their answer, a
    ``format_pattern`` the prompts do not ask for) never earned the accuracy term: its reward was the
    format term alone, and it was saved without a word as if trained on accuracy. The warning says
    what the run then learnt from: nothing when no step made an update (no group whose completions'
    rewards differed: every group filtered, or kept with advantage 0 under ``filter_groups`` off, as
    :func:`_check_learning_signal` then refuses the run), the format term alone otherwise (as set,
    with ``accuracy_weight`` 0).
    """
    total = sum(s.groups for s in history) * config.group_size
    unparsed = sum(s.unparsed for s in history)
    if not unparsed or not total:
        return
    if unparsed == total:
        # a step updates the policy only through a group whose rewards differed: with every group's rewards
        # equal, every advantage is 0, and a kept group (filter_groups off: its loss is 0, not NaN) gives a zero
        # policy gradient (red team R76: "2 of 2 steps that made an update learnt from the format term", then
        # "GRPO made no update in 2 step(s)")
        updated = sum(s.equal_rewards < s.groups for s in history)
        if not updated:
            learnt = (
                f"no step of the {len(history)} made an update, so the run learnt nothing (in every group all "
                f"{config.group_size} completions got the same reward: every advantage 0)"
            )
        elif config.accuracy_weight == 0:
            learnt = (
                f"the accuracy term has weight 0, so the {updated} of {len(history)} step(s) that made an update "
                f"(a group whose rewards differed) learnt from the format term (weight {config.format_weight:g}) "
                "alone, as set"
            )
        else:
            learnt = (
                f"the accuracy term (weight {config.accuracy_weight:g}) never rewarded anything, so the {updated} of "
                f"{len(history)} step(s) that made an update (a group whose rewards differed) learnt from the format "
                f"term (weight {config.format_weight:g}) alone"
            )
        log.warning(
            "GRPO: none of the run's %d completions had an answer that could be read (all scored wrong): %s; "
            "check max_new_tokens (%d: are the completions cut before their answer?) and the prompts",
            total,
            learnt,
            config.max_new_tokens,
        )
        return
    log.warning(
        "GRPO: %d of %d completions (%.1f%%) had no answer that could be read: scored wrong, never guessed",
        unparsed,
        total,
        100 * unparsed / total,
    )


def _check_learning_signal(history: list[StepStats], config: GRPOConfig, out_dir: str | Path) -> None:
    """Refuse a run in which every group got equal rewards, and warn about one where some did.

    A group whose completions all got the same reward (a reward that cannot vary, a model always
    right or always wrong on the prompt) has advantage 0 (never NaN: :func:`group_advantages`):
    its policy gradient is 0, so it teaches nothing, filtered or not. The run's share of such
    groups, and its steps that made no update at all, were only in the saved history.

    Raises:
        CameraBenchError: every group of every step got equal rewards (nothing would be learnt).
    """
    groups = sum(s.groups for s in history)
    equal = sum(s.equal_rewards for s in history)
    if equal == groups:
        # every advantage was 0: the policy gradient is 0 and the KL to the unchanged policy too,
        # so the "trained" checkpoint would be the SFT model, saved as a GRPO result without a word
        example = history[-1].reward
        raise CameraBenchError(
            f"GRPO made no update in {config.steps} step(s): in every group all {config.group_size} completions "
            f"got the same reward (e.g. {example:.3g}), so every advantage is 0 (accuracy weight "
            f"{config.accuracy_weight}, format weight {config.format_weight}; a reward that cannot vary, or a "
            f"model always right or always wrong); nothing saved to {out_dir}. Sample more (group_size, "
            "temperature, max_new_tokens), run more steps, or check the prompts and the format_pattern"
        )
    if equal:
        idle = sum(s.equal_rewards == s.groups for s in history)
        log.warning(
            "GRPO: %d of %d groups (prompts x steps) got the same reward for all %d completions, advantage 0: they "
            "taught nothing%s; %d of %d steps had no group with a learning signal%s",
            equal,
            groups,
            config.group_size,
            " (filtered out)" if config.filter_groups else " (kept: only their KL term counts)",
            idle,
            len(history),
            " and made no update" if config.filter_groups else "",
        )


def _chunks(items: list[torch.Tensor], size: int) -> list[list[torch.Tensor]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _step(
    model: Any,
    vl: QwenVL,
    batch: list[GRPOPrompt],
    encode: Callable[[GRPOPrompt], Encoded],
    reference_logps: Callable[[Encoded, list[torch.Tensor]], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    params: list[torch.nn.Parameter],
    autocast: Any,
    config: GRPOConfig,
    eos: list[int],
    hold: Callable[[], None] | None = None,
) -> StepStats:
    """Rollouts, rewards, filtering and ``updates_per_batch`` policy updates for one batch of prompts.

    ``hold`` is called before the first optimiser update (:class:`_Held`: signals are held from there
    until the step is recorded)."""
    encoded = [encode(p) for p in batch]
    model.eval()
    with autocast:
        completions = [_sample(model, vl, enc, config, eos) for enc in encoded]
    rewards = [
        [score_completion(vl.decode(c), p, config) for c in group] for p, group in zip(batch, completions, strict=True)
    ]
    values = torch.tensor([[r.value for r in group] for group in rewards], dtype=torch.float32)
    advantages, keep = group_advantages(values, config.filter_groups)
    flat = [r for group in rewards for r in group]
    stats = StepStats(
        step=0,
        reward=float(values.double().mean()),  # a float32 sum of the step's rewards may overflow
        accuracy=sum(r.correct for r in flat) / len(flat),
        format_rate=sum(r.format_ok for r in flat) / len(flat),
        kl=math.nan,
        filtered=int((~keep).sum()),
        groups=len(batch),
        loss=math.nan,
        equal_rewards=int((values == values[:, :1]).all(dim=1).sum()),
        unparsed=sum(not r.parsed for r in flat),
    )
    groups = [
        _Group(enc, comps, adv) for enc, comps, adv, k in zip(encoded, completions, advantages, keep, strict=True) if k
    ]
    if not groups:
        return stats  # every group filtered: no update this step
    n_seq = sum(len(g.completions) for g in groups)
    with torch.no_grad(), autocast:
        for g in groups:
            for chunk in _chunks(g.completions, config.micro_batch):
                if config.kl_coef > 0:
                    g.ref.append(reference_logps(g.enc, chunk))
                if config.updates_per_batch > 1:
                    g.old.append(_logps(model, vl, g.enc, chunk, config.temperature)[0])
    model.train()
    loss_total = kl_total = 0.0
    for _ in range(config.updates_per_batch):
        loss_total = kl_total = 0.0
        for g in groups:
            for k, chunk in enumerate(_chunks(g.completions, config.micro_batch)):
                with autocast:
                    logp, mask = _logps(model, vl, g.enc, chunk, config.temperature)
                old = g.old[k] if g.old else logp.detach()
                adv = g.advantages[k * config.micro_batch : k * config.micro_batch + len(chunk)].to(logp.device)
                ratio = torch.exp(logp - old)
                clipped = torch.clamp(ratio, 1 - config.clip_eps, 1 + config.clip_eps)
                per_token = -torch.min(ratio * adv[:, None], clipped * adv[:, None])
                if g.ref:
                    delta = g.ref[k].float() - logp
                    kl = torch.exp(delta) - delta - 1
                    per_token = per_token + config.kl_coef * kl
                    kl_total += float(((kl.detach() * mask).sum(1) / mask.sum(1)).sum())
                per_seq = (per_token * mask).sum(1) / mask.sum(1)
                loss = per_seq.sum() / n_seq
                if not torch.isfinite(loss):
                    raise CameraBenchError(
                        f"non-finite GRPO loss ({float(loss.detach())}) (lr {config.lr}, kl_coef {config.kl_coef})"
                    )
                loss.backward()
                loss_total += float(loss.detach())
        refuse_non_finite_gradients(model, params, "the update", out_dir="")
        if hold is not None:
            hold()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()
    stats.loss = loss_total
    stats.kl = kl_total / n_seq if config.kl_coef > 0 else math.nan
    return stats
