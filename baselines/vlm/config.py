"""Settings of the Qwen-VL adapter and trainer that need no torch (the CLI reads their defaults).

``DEFAULT_MAX_PIXELS`` is the per-frame pixel cap of CameraBench's Qwen2.5-VL evaluation
(360 x 420); :class:`TrainConfig` holds the CameraBench fine-tuning recipe's defaults
(design.md B6); :class:`GRPOConfig` the reinforcement stage after it (design.md B11).
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from camerabench.errors import CameraBenchError, FileFormatError

__all__ = [
    "DEFAULT_FORMAT_PATTERN",
    "DEFAULT_MAX_PIXELS",
    "DTYPES",
    "MAX_LR",
    "MAX_TEMPERATURE",
    "GRPOConfig",
    "TrainConfig",
    "check_max_new_tokens",
    "context_limit",
]

#: Per-frame pixel cap used by CameraBench's Qwen2.5-VL evaluation (360 x 420).
DEFAULT_MAX_PIXELS = 360 * 420

#: dtype names accepted by ``--dtype``.
DTYPES: tuple[str, ...] = ("bfloat16", "bf16", "float32", "fp32")

#: ShotBench's media budget for multiple-choice rows (the same numbers as ``qwen.MCQ_FPS`` and
#: ``qwen.MCQ_MAX_PIXELS``, repeated here because this module must not import torch).
MCQ_FPS = 12.0
MCQ_MAX_PIXELS = 360 * 640

#: Any text without a ``<think>``, ``</think>``, ``<answer>`` or ``</answer>`` tag in it, in any
#: case: the answer parser (:func:`camerabench.shotbench.answer_text`) reads ``<ANSWER>`` as a tag too,
#: so ``<answer>No<ANSWER>Yes</answer>`` (two answers) was rewarded as well formed.
_NO_TAG = r"(?:(?!(?i:</?(?:think|answer)>)).)*"

#: The reply format the GRPO format reward checks: a ``<think>`` block then an ``<answer>``
#: block and nothing else (white space allowed around them), the format the reasoning prompts ask for.
#: The blocks hold no such tag themselves: with ``.*?`` a reply of two rounds
#: (``<think>..</think><answer>B</answer><think>..</think><answer>B</answer>``), or of nested or
#: crossed tags, matched as a whole and was rewarded as well formed.
DEFAULT_FORMAT_PATTERN = rf"\s*<think>{_NO_TAG}</think>\s*<answer>{_NO_TAG}</answer>\s*"


#: The lowest GRPO sampling temperature: below it sampling is greedy in effect, and the logits
#: divided by it overflow (1e-300 stopped GRPO with torch's "probability tensor contains either
#: inf, nan or element < 0" traceback from the first generation).
MIN_TEMPERATURE = 0.01

#: The highest GRPO sampling temperature. Sampling divides the logits by it (transformers'
#: ``TemperatureLogitsWarper``, and the loss's log-probabilities do the same), so two tokens' probabilities
#: differ by at most ``exp(logit range / temperature)``: above 100 that is within a few percent of 1 for
#: any language model's logits (tens of units apart), i.e. uniform random tokens whatever the model learnt.
#: Such completions rarely end (``<|im_end|>`` is one token of ~150k), so every one runs to
#: ``max_new_tokens``, their rewards are noise, and the policy gradient is scaled down by the
#: temperature. Nothing overflows or turns NaN (1e30 gives logits of ~1e-30, normal float32 numbers):
#: the run just samples noise for all its steps. TRL (``GRPOConfig.temperature``, default 1.0) and
#: transformers (``GenerationConfig.temperature``) set no upper bound; 1.0 is the usual value.
MAX_TEMPERATURE = 100.0

#: The most optimizer steps a run may plan: 10 million is far beyond any fine-tuning run (the
#: CameraBench SFT recipe is a few thousand steps); ``epochs=1e300`` planned ~1e300 steps and ran
#: without end or word.
MAX_STEPS = 10_000_000

#: The largest learning rate: AdamW moves every trained weight by about ``lr`` per step whatever the
#: gradient's scale, so above 1 each step changes weights of size ~0.02-1 by more than themselves and the
#: model is destroyed in a few steps. Full and LoRA fine-tuning with AdamW use 1e-6 to 1e-3 (CameraBench's
#: SFT 2e-5, CamReasoner's GRPO 2e-6, the LoRA paper's and peft's examples 1e-4 to 1e-3). ``lr=1e30`` passed
#: every check and stopped with "non-finite training loss" after the media were decoded and the model
#: loaded, nothing saved.
MAX_LR = 1.0

#: The largest float32: GRPO's rewards, its loss and Adam's updates are float32 numbers, so a setting
#: finite in float64 but above this (``accuracy_weight=1e39``) became inf there (inf or NaN rewards).
FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]

#: TRL's and DeepSeekMath's guard against a zero group standard deviation, added to it when the
#: GRPO advantages are normalised (``grpo.group_advantages``).
ADV_EPS = 1e-4


def as_float32(value: float) -> float:
    """``value`` rounded to float32 (``inf`` with its sign beyond float32's range)."""
    if abs(value) > FLOAT32_MAX:  # struct refuses to pack it (OverflowError); float32 casts give inf
        return math.copysign(math.inf, value)
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def _check_float32(what: str, config: TrainConfig | GRPOConfig, names: tuple[str, ...]) -> None:
    """Settings computed with in float32 must be finite there, and a positive one must not round to 0."""
    for name in names:
        value = getattr(config, name)
        rounded = as_float32(value)
        if not math.isfinite(rounded):
            raise CameraBenchError(
                f"{what}: {name} must be a number within float32's range (at most {FLOAT32_MAX:.6g} in size; "
                f"training computes in float32, where it is {rounded}), got {value!r}"
            )
        if value != 0 and rounded == 0:
            raise CameraBenchError(
                f"{what}: {name} {value!r} is 0 in float32, where training computes with it (the smallest "
                "positive float32 is about 1.4e-45): it would have no effect; give 0 to mean 0, or a larger value"
            )


def _check_lr(what: str, config: TrainConfig | GRPOConfig, usual: float) -> None:
    """``lr`` (positive and float32-finite, checked before) must be at most :data:`MAX_LR`."""
    if not config.lr <= MAX_LR:
        raise CameraBenchError(
            f"{what}: lr must be at most {MAX_LR:g}, got {config.lr:g}: AdamW moves every trained weight by about lr "
            f"per step, so the first steps would wreck the model (the loss turns non-finite after loading, nothing "
            f"saved); AdamW fine-tuning, full or LoRA, uses 1e-6 to 1e-3 (the default here is {usual:g})"
        )


def _check_lora_rank(what: str, config: TrainConfig | GRPOConfig) -> None:
    """``lora_rank`` (an integer, :func:`_check_types`) must be >= 1; its upper bound is the model's
    (``train.check_lora_rank``, from the checkpoint's config before the data). The LoRA scale
    (``lora_alpha`` = 2 x rank) and dropout (0) are fixed, not settings."""
    if config.lora_rank < 1:
        raise CameraBenchError(
            f"{what}: lora_rank must be >= 1 (the LoRA adapters' rank), got {config.lora_rank}"
            + ("" if config.lora else "; it is used only with lora")
        )


@dataclass
class TrainConfig:
    """Settings of one fine-tuning run (CameraBench defaults)."""

    epochs: float = 6.0
    lr: float = 2e-5
    warmup: float = 0.05
    batch_size: int = 1
    grad_accum: int = 1
    sample_fps: float = 8.0
    max_side: int | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    lora: bool = False
    lora_rank: int = 16
    train_vision: bool = False
    captions: bool = True
    mcq: bool = True
    mcq_fps: float = MCQ_FPS
    mcq_max_pixels: int = MCQ_MAX_PIXELS
    seed: int = 0
    device: str | None = None
    dtype: str | None = None

    def check(self) -> None:
        """Raise :class:`CameraBenchError` naming the first bad setting."""
        _check_types(self, "training", ("epochs", "lr", "warmup", "sample_fps", "mcq_fps"))
        if not (self.epochs > 0 and self.lr > 0 and 0 <= self.warmup < 1):
            raise CameraBenchError("epochs and lr must be positive and warmup in [0, 1)")
        if not self.epochs <= MAX_STEPS:
            raise CameraBenchError(f"epochs must be at most {MAX_STEPS:,}, got {self.epochs}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise CameraBenchError("batch size and gradient accumulation must be >= 1")
        if not (self.mcq_fps > 0 and self.mcq_max_pixels > 0 and self.sample_fps > 0 and self.max_pixels > 0):
            raise CameraBenchError("frame rates and pixel budgets must be positive")
        _check_lora_rank("training", self)
        if self.max_side is not None and self.max_side < 1:
            raise CameraBenchError(f"max_side must be >= 1, got {self.max_side}")
        _check_float32("training", self, ("lr",))
        _check_lr("training", self, TrainConfig.lr)


_INT_SETTINGS = (
    "batch_size",
    "grad_accum",
    "max_side",
    "max_pixels",
    "lora_rank",
    "mcq_max_pixels",
    "seed",
    "steps",
    "prompts_per_step",
    "group_size",
    "updates_per_batch",
    "max_new_tokens",
    "micro_batch",
)


_BOOL_SETTINGS = ("lora", "train_vision", "captions", "mcq", "binary", "reasoning", "filter_groups")

#: The seeds ``torch.manual_seed`` takes (a larger one failed with a bare ``ValueError`` after the
#: training media were checked).
_SEED_RANGE = (-(2**63), 2**64 - 1)


def _check_types(config: TrainConfig | GRPOConfig, what: str, floats: tuple[str, ...]) -> None:
    """Integer settings must be integers (``max_side`` may be None), ``floats`` finite numbers,
    switches booleans (a string such as ``"no"`` is true), ``device``/``dtype`` None or text,
    and the seed one that torch takes."""
    for name in _INT_SETTINGS:
        value = getattr(config, name, 0)
        if (value is not None or name != "max_side") and (not isinstance(value, int) or isinstance(value, bool)):
            raise CameraBenchError(f"{what}: {name} must be an integer, got {value!r}")
    for name in _BOOL_SETTINGS:
        value = getattr(config, name, False)
        if not isinstance(value, bool):
            raise CameraBenchError(f"{what}: {name} must be true or false, got {value!r}")
    for name in ("device", "dtype"):
        value = getattr(config, name)
        if value is not None and not isinstance(value, str):
            raise CameraBenchError(f"{what}: {name} must be text or unset, got {value!r}")
    # else refused only when the model loads, after every training medium was decoded
    if config.dtype is not None and config.dtype not in DTYPES:
        raise CameraBenchError(f"{what}: dtype must be one of {', '.join(DTYPES)} or unset, got {config.dtype!r}")
    seed = config.seed
    if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
        raise CameraBenchError(f"{what}: seed must be in [{_SEED_RANGE[0]}, {_SEED_RANGE[1]}], got {seed}")
    for name in floats:
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise CameraBenchError(f"{what}: {name} must be a finite number, got {value!r}")


@dataclass
class GRPOConfig:
    """Settings of one GRPO run after SFT (design.md B11; see ``baselines/vlm/grpo.py``).

    Defaults and where they come from: reward weights 0.9 accuracy + 0.1 format and the
    learning rate 2e-6 are CamReasoner's; ``kl_coef`` 0.04, the clipping range 0.2 and the
    group size 8 are DeepSeekMath's GRPO / TRL's ``GRPOTrainer`` values (TRL's current default
    beta is 0; CamReasoner does not state its own); temperature 1.0 is TRL's sampling default.
    """

    steps: int = 200
    prompts_per_step: int = 4
    group_size: int = 8
    lr: float = 2e-6
    kl_coef: float = 0.04
    clip_eps: float = 0.2
    updates_per_batch: int = 1
    accuracy_weight: float = 0.9
    format_weight: float = 0.1
    format_pattern: str = DEFAULT_FORMAT_PATTERN
    reasoning: bool = True
    max_new_tokens: int = 256
    temperature: float = 1.0
    filter_groups: bool = True
    micro_batch: int = 4
    binary: bool = True
    mcq: bool = True
    sample_fps: float = 8.0
    max_side: int | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    mcq_fps: float = MCQ_FPS
    mcq_max_pixels: int = MCQ_MAX_PIXELS
    lora: bool = False
    lora_rank: int = 16
    train_vision: bool = False
    seed: int = 0
    device: str | None = None
    dtype: str | None = None

    def check(self) -> None:
        """Raise :class:`CameraBenchError` naming the first bad setting."""
        floats = (
            "lr",
            "kl_coef",
            "clip_eps",
            "accuracy_weight",
            "format_weight",
            "temperature",
            "sample_fps",
            "mcq_fps",
        )
        _check_types(self, "GRPO", floats)
        _check_lora_rank("GRPO", self)
        if self.max_side is not None and self.max_side < 1:
            raise CameraBenchError(f"GRPO: max_side must be >= 1, got {self.max_side}")
        positive_ints = ("steps", "prompts_per_step", "updates_per_batch", "max_new_tokens", "micro_batch")
        for name in positive_ints:
            if getattr(self, name) < 1:
                raise CameraBenchError(f"GRPO: {name} must be >= 1, got {getattr(self, name)}")
        if self.group_size < 2:
            raise CameraBenchError(
                f"GRPO: group_size must be >= 2 (advantages compare completions), got {self.group_size}"
            )
        if not self.temperature >= MIN_TEMPERATURE:
            raise CameraBenchError(
                f"GRPO: temperature must be >= {MIN_TEMPERATURE} (lower overflows the logits), got {self.temperature}"
            )
        if not self.temperature <= MAX_TEMPERATURE:
            raise CameraBenchError(
                f"GRPO: temperature must be at most {MAX_TEMPERATURE:g}, got {self.temperature:g}: above it sampling "
                "is uniform over the vocabulary whatever the model learnt (logits / temperature all near 0), so "
                "every completion is random tokens run to max_new_tokens and the rewards are noise; "
                "1.0 is TRL's default"
            )
        if self.steps > MAX_STEPS:
            raise CameraBenchError(f"GRPO: steps must be at most {MAX_STEPS:,}, got {self.steps}")
        positive = ("lr", "temperature", "sample_fps", "max_pixels", "mcq_fps", "mcq_max_pixels")
        for name in positive:
            if not getattr(self, name) > 0:
                raise CameraBenchError(f"GRPO: {name} must be > 0, got {getattr(self, name)}")
        non_negative = ("kl_coef", "accuracy_weight", "format_weight")
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise CameraBenchError(f"GRPO: {name} must be >= 0, got {getattr(self, name)}")
        _check_float32("GRPO", self, ("lr", "kl_coef", "clip_eps", "accuracy_weight", "format_weight", "temperature"))
        _check_lr("GRPO", self, GRPOConfig.lr)
        total = self.accuracy_weight + self.format_weight
        if total <= 0:
            raise CameraBenchError("GRPO: the reward weights are both 0: there is nothing to learn")
        if not math.isfinite(as_float32(total)):  # a right, well formed completion's reward
            raise CameraBenchError(
                f"GRPO: accuracy_weight + format_weight = {total:g} is beyond float32's range ({FLOAT32_MAX:.6g}), "
                "where the rewards are computed: a right, well formed completion would get an infinite reward"
            )
        if total < ADV_EPS:
            raise CameraBenchError(
                f"GRPO: the reward weights sum to {total:g}, below the advantage guard {ADV_EPS:g} added to each "
                "group's reward standard deviation: every advantage would be shrunk to nearly 0 (no learning); "
                "scale the weights up (the advantages are normalised, so only their ratio matters)"
            )
        if self.steps * self.updates_per_batch > MAX_STEPS:
            raise CameraBenchError(
                f"GRPO: steps x updates_per_batch = {self.steps} x {self.updates_per_batch} optimizer steps, more "
                f"than the {MAX_STEPS:,} a run may plan"
            )
        if self.prompts_per_step * self.group_size > MAX_STEPS:
            raise CameraBenchError(
                f"GRPO: prompts_per_step x group_size = {self.prompts_per_step} x {self.group_size} completions "
                f"sampled at every step, more than {MAX_STEPS:,}: the step would not end"
            )
        if not 0 < self.clip_eps < 1:
            raise CameraBenchError(f"GRPO: clip_eps must be in (0, 1), got {self.clip_eps}")
        if not (self.binary or self.mcq):
            raise CameraBenchError("GRPO: binary and mcq are both off: no prompts to train on")
        if not isinstance(self.format_pattern, str):
            raise CameraBenchError(
                f"GRPO: format_pattern must be a regular expression's text, got {self.format_pattern!r}"
            )
        try:
            re.compile(self.format_pattern)
        except re.error as exc:
            raise CameraBenchError(f"GRPO: format_pattern is not a regular expression: {exc}") from None


#: transformers gives a tokenizer without a ``model_max_length`` ``VERY_LARGE_INTEGER`` (``int(1e30)``):
#: a value this large or above is "no limit", not a length.
_TOKENIZER_NO_LIMIT = 10**18


def _json_object(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(path, f"unreadable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise FileFormatError(path, f"must hold a JSON object, got {type(data).__name__}")
    return data


def context_limit(model_dir: str | Path) -> tuple[int, str] | None:
    """The most tokens (prompt and reply together) a checkpoint takes, and where that comes from,
    read from its files without loading it: ``config.json``'s ``max_position_embeddings`` (of
    ``text_config`` where it sets one, as ``QwenVL.max_positions`` reads it, else the top level) and
    ``tokenizer_config.json``'s ``model_max_length`` (transformers' "no limit" value skipped); the
    smaller where both are set. None when neither is.

    Raises:
        FileFormatError: a file that is not a JSON object, or a limit that is not an integer >= 1.
    """
    folder = Path(model_dir)
    found: list[tuple[int, str]] = []
    cfg = _json_object(folder / "config.json")
    text = cfg.get("text_config")
    for where, section in (("text_config.", text if isinstance(text, dict) else {}), ("", cfg)):
        value = section.get("max_position_embeddings")
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise FileFormatError(
                    folder / "config.json", f"{where}max_position_embeddings must be an integer >= 1, got {value!r}"
                )
            found.append((value, f"config.json {where}max_position_embeddings"))
            break
    tok_path = folder / "tokenizer_config.json"
    if tok_path.is_file():
        value = _json_object(tok_path).get("model_max_length")
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 1:
                raise FileFormatError(tok_path, f"model_max_length must be a number >= 1, got {value!r}")
            if value < _TOKENIZER_NO_LIMIT:
                found.append((int(value), "tokenizer_config.json model_max_length"))
    return min(found) if found else None


def check_max_new_tokens(model_dir: str | Path, settings: dict[str, int], what: str) -> None:
    """Refuse a reply length (``settings``: option name -> value) that leaves the prompt no room in
    the checkpoint's context (:func:`context_limit`), before any video is decoded or weight loaded.

    The prompt (chat template, question, at least one frame) takes at least one position, so the
    reply may take at most ``limit - 1``; how much a given prompt leaves is checked when it is encoded
    (a reply that reaches the model's positions is cut there and refused). ``max_new_tokens=10**30``
    was accepted and generation ran on to the model's positions (32768 on the tiny model: minutes on
    random tokens) before the reply was refused.

    Raises:
        CameraBenchError: naming the setting, its value, the limit and where it comes from.
    """
    limit = context_limit(model_dir)
    if limit is None:
        return
    positions, source = limit
    for name, value in settings.items():
        if value > positions - 1:
            raise CameraBenchError(
                f"{what} {name} {value} leaves no room for the prompt within the {positions} tokens of {model_dir} "
                f"({source}): give at most {positions - 1} (a prompt of n tokens leaves the reply {positions} - n)"
            )
