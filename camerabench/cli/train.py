"""``camerabench train``: fine-tune a Qwen-VL checkpoint, or fit a fusion model, on a dataset's labels.

``--method qwen-vl`` (the default) fine-tunes ``--model`` into ``--out``: ``--stage sft`` (the
default) by supervised fine-tuning (``baselines/vlm/train.py``), ``--stage grpo`` by GRPO from
an SFT checkpoint (``baselines/vlm/grpo.py``). An ``--out`` that already holds a model is
refused unless ``--overwrite``. Both stages save a resume state beside ``--out`` every
``--save-every`` steps and on Ctrl-C or SIGTERM; ``--resume`` continues from it (refused when the
data, the starting checkpoint or the settings differ), and a run without ``--resume`` refuses to
throw it away unless ``--overwrite``.
``--method fusion`` fits the per-primitive stacks over the outputs of ``--inputs`` in ``--run``
into ``--out``; an ``--out`` that already holds a fusion model is refused unless ``--overwrite``
(runs predicted with it could no longer be resumed).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

from camerabench.baselines.fusion import DEFAULT_N_SPLITS
from camerabench.baselines.vlm.config import MAX_TEMPERATURE, MIN_TEMPERATURE, GRPOConfig, TrainConfig
from camerabench.cli.args import float_within, fraction, path_arg, positive_float, positive_int, torch_seed
from camerabench.cli.method_flags import GivenOnce
from camerabench.errors import CameraBenchError

__all__ = ["STAGES", "TRAINABLE", "add_parser", "run"]

#: Methods ``train`` can train.
TRAINABLE: tuple[str, ...] = ("qwen-vl", "fusion")
#: Training stages of ``qwen-vl``.
STAGES: tuple[str, ...] = ("sft", "grpo")


#: The flags (``args`` attributes) only ``--method qwen-vl`` reads, in both stages, only its SFT
#: stage, only its GRPO stage, and only ``--method fusion``. They default to ``None`` (not given;
#: :func:`_fill_defaults` sets the configs' defaults) so that one given to a method or stage that
#: does not read it is refused: ``--method fusion --epochs 3`` or ``--stage sft --steps 50`` ran
#: without it, without a word.
_QWEN_VL = (
    "stage", "lora", "lr", "sample_fps", "max_side", "train_vision", "no_mcq", "mcq_fps", "mcq_max_pixels", "seed",
    "device", "dtype", "resume", "save_every",
)  # fmt: skip
_SFT = ("epochs", "warmup", "batch_size", "grad_accum", "no_captions")
_GRPO = (
    "steps", "prompts_per_step", "group_size", "kl_coef", "clip_eps", "updates_per_batch", "accuracy_weight",
    "format_weight", "format_pattern", "no_reasoning", "max_new_tokens", "temperature", "no_filter", "micro_batch",
    "no_binary",
)  # fmt: skip
_FUSION = ("folds",)


def _given(args: argparse.Namespace, attrs: tuple[str, ...]) -> list[str]:
    """The flags of ``attrs`` given on the command line, as typed (``--batch-size``)."""
    return ["--" + attr.replace("_", "-") for attr in attrs if getattr(args, attr) is not None]


def _check_flags_apply(args: argparse.Namespace) -> None:
    """Refuse flags that the method (and stage) trained does not read.

    Raises:
        CameraBenchError: a qwen-vl flag with ``--method fusion``, ``--folds`` with qwen-vl, or a
            flag of the other stage.
    """
    if args.method == "fusion":
        other = _given(args, (*_QWEN_VL, *_SFT, *_GRPO))
        if other:
            raise CameraBenchError(
                f"{', '.join(other)}: for --method qwen-vl; fusion is trained with --run, --inputs and --folds"
            )
        return
    other = _given(args, _FUSION)
    if other:
        raise CameraBenchError(f"{', '.join(other)}: for --method fusion (the default method is qwen-vl)")
    stage = args.stage or STAGES[0]
    other = _given(args, _GRPO if stage == "sft" else _SFT)
    if other:
        reads = "grpo" if stage == "sft" else "sft (the default stage)"
        raise CameraBenchError(f"{', '.join(other)}: for --stage {reads}; this is --stage {stage}")


def _fill_defaults(args: argparse.Namespace) -> None:
    """Set the flags not given to their defaults: the configs' own, ``False`` for a switch
    (``--no-mcq``); ``--lr`` is left to the stage's config."""
    d, g = _defaults(), _defaults(GRPOConfig)
    fixed = {
        "stage": STAGES[0],
        "folds": DEFAULT_N_SPLITS,
        "lr": None,
        "overwrite": False,
        "resume": False,
        "save_every": None,  # train()'s and grpo()'s DEFAULT_SAVE_EVERY (not imported here: fusion needs no torch)
    }
    for attr in (*_QWEN_VL, *_SFT, *_GRPO, *_FUSION, "overwrite"):
        if getattr(args, attr) is None:
            setattr(args, attr, fixed[attr] if attr in fixed else d[attr] if attr in d else g.get(attr, False))


def _defaults(cls: Any = TrainConfig) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls)}


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


#: Highest --sample-fps: predict's bound on the geometric methods' sample_fps (``FastOptions``,
#: ``ColmapOptions``; tests check they agree). Phones' super slow motion records 960 fps; a rate
#: above a video's own keeps every frame, so 1e9 silently meant "every frame" and was recorded as 1e9.
MAX_SAMPLE_FPS = 1000.0


#: ``--sample-fps``: a finite number > 0 and at most :data:`MAX_SAMPLE_FPS`.
_sample_fps = float_within(0.0, MAX_SAMPLE_FPS)


def _temperature(text: str) -> float:
    """A sampling temperature: a finite number from :data:`MIN_TEMPERATURE` to :data:`MAX_TEMPERATURE`.

    Example:
        >>> _temperature("0.7")
        0.7
        >>> _temperature("1e-300")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be a finite number >= 0.01 (lower overflows the logits), got '1e-300'
        >>> _temperature("1e30")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be at most 100 (above it sampling is uniform random tokens), got '1e30'
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= MIN_TEMPERATURE):
        raise argparse.ArgumentTypeError(
            f"must be a finite number >= {MIN_TEMPERATURE:g} (lower overflows the logits), got {text!r}"
        )
    if value > MAX_TEMPERATURE:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_TEMPERATURE:g} (above it sampling is uniform random tokens), got {text!r}"
        )
    return value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    d, g = _defaults(), _defaults(GRPOConfig)
    p: argparse.ArgumentParser = sub.add_parser(
        "train", help="fine-tune a Qwen-VL checkpoint (SFT, then GRPO), or fit a fusion model, on a dataset's labels"
    )
    p.add_argument(
        "--method", action=GivenOnce, choices=TRAINABLE, default=TRAINABLE[0], help="what to train (default qwen-vl)"
    )
    p.add_argument(
        "--stage",
        action=GivenOnce,
        choices=STAGES,
        default=None,
        help="qwen-vl: sft (default) or grpo (from an SFT checkpoint)",
    )
    p.add_argument("--data", action=GivenOnce, type=path_arg, required=True)
    p.add_argument("--model", action=GivenOnce, default=None, help="checkpoint to fine-tune (qwen-vl)")
    p.add_argument("--out", action=GivenOnce, type=path_arg, required=True)
    p.add_argument(
        "--run",
        action=GivenOnce,
        type=path_arg,
        default=None,
        help="run folder holding the inputs' method folders (fusion)",
    )
    p.add_argument(
        "--inputs",
        action=GivenOnce,
        default=None,
        help="comma-separated input methods, e.g. fast,colmap (fusion): method folders of --run, any tool's "
        "scores.jsonl included",
    )
    p.add_argument(
        "--folds",
        action=GivenOnce,
        type=fold_count,
        default=None,
        help=f"video-level cross-fitting folds, an integer >= 2 (fusion; default {DEFAULT_N_SPLITS})",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        default=None,
        help="replace a model already in --out, or (qwen-vl) start anew over an interrupted run's resume state "
        "(refused otherwise: runs predicted with a fusion model could no longer be resumed)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        default=None,
        help="qwen-vl (sft or grpo): continue the interrupted run whose resume state is beside --out (same "
        "data, model and settings)",
    )
    p.add_argument(
        "--save-every",
        action=GivenOnce,
        type=positive_int,
        default=None,
        help="qwen-vl: optimiser steps (sft) or GRPO steps between saves of the resume state (default 100; also "
        "saved on Ctrl-C/SIGTERM)",
    )
    p.add_argument("--lora", action="store_true", default=None)
    p.add_argument("--epochs", action=GivenOnce, type=positive_float, default=None, help="sft")
    p.add_argument(
        "--lr",
        action=GivenOnce,
        type=positive_float,
        default=None,
        help=f"learning rate (default sft {d['lr']:g}, grpo {g['lr']:g})",
    )
    p.add_argument("--warmup", action=GivenOnce, type=fraction, default=None)
    p.add_argument("--batch-size", action=GivenOnce, type=positive_int, default=None)
    p.add_argument("--grad-accum", action=GivenOnce, type=positive_int, default=None)
    p.add_argument(
        "--sample-fps",
        action=GivenOnce,
        type=_sample_fps,
        default=None,
        help=f"frames per second decoded from each video, > 0 and <= {MAX_SAMPLE_FPS:g} (default {d['sample_fps']:g})",
    )
    p.add_argument("--max-side", action=GivenOnce, type=positive_int, default=None)
    p.add_argument("--train-vision", action="store_true", default=None, help="also train the vision tower and merger")
    p.add_argument("--no-captions", action="store_true", default=None, help="leave caption examples out of the mixture")
    p.add_argument(
        "--no-mcq", action="store_true", default=None, help="leave the multiple-choice rows (labels/shotbench) out"
    )
    p.add_argument("--mcq-fps", action=GivenOnce, type=positive_float, default=None, help="frame rate of MCQ videos")
    p.add_argument("--mcq-max-pixels", action=GivenOnce, type=positive_int, default=None, help="MCQ pixels per frame")
    grpo = p.add_argument_group("GRPO (--stage grpo)")
    grpo.add_argument("--steps", action=GivenOnce, type=positive_int, default=None, help="optimiser steps")
    grpo.add_argument("--prompts-per-step", action=GivenOnce, type=positive_int, default=None)
    grpo.add_argument("--group-size", action=GivenOnce, type=positive_int, default=None, help="completions per prompt")
    grpo.add_argument(
        "--kl-coef", action=GivenOnce, type=_non_negative_float, default=None, help="beta of the KL penalty"
    )
    grpo.add_argument("--clip-eps", action=GivenOnce, type=positive_float, default=None, help="ratio clipping range")
    grpo.add_argument("--updates-per-batch", action=GivenOnce, type=positive_int, default=None)
    grpo.add_argument("--accuracy-weight", action=GivenOnce, type=_non_negative_float, default=None)
    grpo.add_argument("--format-weight", action=GivenOnce, type=_non_negative_float, default=None)
    grpo.add_argument("--format-pattern", action=GivenOnce, default=None, help="regex the whole completion must match")
    grpo.add_argument(
        "--no-reasoning", action="store_true", default=None, help="prompts ask for the answer only, no <think>"
    )
    grpo.add_argument("--max-new-tokens", action=GivenOnce, type=positive_int, default=None)
    grpo.add_argument("--temperature", action=GivenOnce, type=_temperature, default=None, help="sampling temperature")
    grpo.add_argument("--no-filter", action="store_true", default=None, help="keep groups whose rewards are all equal")
    grpo.add_argument(
        "--micro-batch", action=GivenOnce, type=positive_int, default=None, help="completions per forward"
    )
    grpo.add_argument("--no-binary", action="store_true", default=None, help="leave the yes/no questions out")
    p.add_argument("--seed", action=GivenOnce, type=torch_seed, default=None)
    p.add_argument("--device", action=GivenOnce, default=None)
    p.add_argument("--dtype", action=GivenOnce, default=None)
    return p


def fold_count(text: str) -> int:
    """A number of cross-fitting folds: an integer >= 2 (one fold leaves nothing to fit on).

    Example:
        >>> fold_count("2")
        2
        >>> fold_count("1")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be an integer >= 2 (cross-fitting needs 2 folds at least), got '1'
    """
    why = "an integer >= 2 (cross-fitting needs 2 folds at least)"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be {why}, got {text!r}")
    return value


def _run_fusion(args: argparse.Namespace) -> int:
    from camerabench.baselines.fusion import refuse_existing_model, train_fusion

    if not args.run or not args.inputs:
        raise CameraBenchError("train --method fusion needs --run RUN and --inputs A,B")
    refuse_existing_model(args.out, args.overwrite)  # before any work (train_fusion checks it again)
    inputs = [x.strip() for x in args.inputs.split(",")]
    if "" in inputs:  # ``fast,,colmap`` or a trailing comma: an input left out of the list, not dropped unsaid
        raise CameraBenchError(
            f"--inputs {args.inputs!r}: entry {inputs.index('') + 1} of {len(inputs)} is empty; give the methods as "
            "A,B (method names separated by single commas)"
        )
    result = train_fusion(args.data, args.run, inputs, args.out, n_splits=args.folds, overwrite=args.overwrite)
    n = len(result.model.primitives)
    # an input's failed samples are trained on as its failures (a feature, fusion.json input_samples):
    # the summary counts them, so a run that failed a third of the videos is not read as a clean one
    failed = [
        f"{name} failed {c['failed']} of {sum(c.values())} samples"
        for name, c in result.model.input_samples.items()
        if c.get("failed")
    ]
    sys.stdout.write(
        f"trained fusion of {', '.join(inputs)} on {n} primitives ({len(result.model.video_folds)} videos, "
        f"{len(set(result.model.video_folds.values()))} folds{''.join('; ' + f for f in failed)}) -> {result.path}\n"
    )
    return 0


def _run_grpo(args: argparse.Namespace) -> int:
    from camerabench.baselines.vlm.grpo import grpo

    config = GRPOConfig(
        steps=args.steps,
        prompts_per_step=args.prompts_per_step,
        group_size=args.group_size,
        lr=args.lr if args.lr is not None else GRPOConfig.lr,
        kl_coef=args.kl_coef,
        clip_eps=args.clip_eps,
        updates_per_batch=args.updates_per_batch,
        accuracy_weight=args.accuracy_weight,
        format_weight=args.format_weight,
        format_pattern=args.format_pattern,
        reasoning=not args.no_reasoning,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
        filter_groups=not args.no_filter,
        micro_batch=args.micro_batch,
        binary=not args.no_binary,
        mcq=not args.no_mcq,
        sample_fps=args.sample_fps,
        max_side=args.max_side,
        mcq_fps=args.mcq_fps,
        mcq_max_pixels=args.mcq_max_pixels,
        lora=args.lora,
        train_vision=args.train_vision,
        seed=args.seed,
        device=args.device,
        dtype=args.dtype,
    )
    result = grpo(
        args.data,
        args.model,
        args.out,
        config,
        overwrite=args.overwrite,
        resume=args.resume,
        **({"save_every": args.save_every} if args.save_every is not None else {}),
    )
    k = max(1, len(result.history) // 10)
    first = sum(s.reward for s in result.history[:k]) / k
    last = sum(s.reward for s in result.history[-k:]) / k
    filtered = sum(s.filtered for s in result.history)
    sys.stdout.write(
        f"GRPO {len(result.history)} steps on {result.num_prompts} prompts: mean reward {first:.3f} -> {last:.3f} "
        f"(first/last {k} steps), {filtered} groups filtered; checkpoint {result.out_dir}\n"
    )
    return 0


def _loss_summary(step_losses: list[float]) -> str:
    """The loss of the first and the last tenth of the steps (as GRPO's reward summary): the first
    and last epoch's means were printed, one number twice after a single epoch (6.2280 -> 6.2280).

    Example:
        >>> _loss_summary([4.0, 3.0, 2.0, 1.0] * 5)
        'mean loss 3.5000 -> 1.5000 (first/last 2 steps)'
        >>> _loss_summary([2.5])
        'loss 2.5000 (one step)'
    """
    if not step_losses:
        return "no step taken"
    if len(step_losses) == 1:
        return f"loss {step_losses[0]:.4f} (one step)"
    k = max(1, len(step_losses) // 10)
    first = sum(step_losses[:k]) / k
    last = sum(step_losses[-k:]) / k
    return f"mean loss {first:.4f} -> {last:.4f} (first/last {k} step{'s' if k > 1 else ''})"


def _check_out_parent(out: str) -> None:
    """Create the folder the checkpoint goes into now: a file in its way would otherwise stop the
    run only when the trained model is saved, after all the training."""
    from camerabench.fileio import make_folder

    make_folder(Path(out).parent)


def _check_out_outside_dataset(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` inside the dataset's videos, ground-truth or labels folder, for every
    method, before any work: the model files would be taken as videos or break those folders."""
    from camerabench.dataset import Dataset
    from camerabench.runfolder import check_dataset_finished, check_outside_dataset

    Dataset(args.data)  # a missing dataset is named first
    check_dataset_finished(args.data)  # a synth run interrupted or still running
    check_outside_dataset(args.out, args.data, "model folder")


def run(args: argparse.Namespace) -> int:
    _check_out_outside_dataset(args)
    if args.method == "fusion":
        if args.model:
            raise CameraBenchError("--model is for --method qwen-vl; fusion is trained on --run RUN --inputs A,B")
        _check_flags_apply(args)
        _fill_defaults(args)
        return _run_fusion(args)
    if args.run or args.inputs:  # a fusion command without --method fusion
        raise CameraBenchError("--run and --inputs are for --method fusion (the default method is qwen-vl)")
    _check_flags_apply(args)
    _fill_defaults(args)
    if not args.model:
        raise CameraBenchError("train --method qwen-vl needs --model PATH")
    from camerabench.baselines.vlm.train import refuse_out_is_model

    refuse_out_is_model(args.model, args.out)  # before _check_out_parent creates folders inside the model
    from camerabench.baselines.vlm.checkpoint import resolve_device

    resolve_device(args.device)  # a device this machine lacks: before _check_out_parent makes a folder
    _check_out_parent(args.out)
    if args.stage == "grpo":
        return _run_grpo(args)
    from camerabench.baselines.vlm.train import train

    config = TrainConfig(
        epochs=args.epochs,
        lr=args.lr if args.lr is not None else TrainConfig.lr,
        warmup=args.warmup,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        sample_fps=args.sample_fps,
        max_side=args.max_side,
        lora=args.lora,
        train_vision=args.train_vision,
        captions=not args.no_captions,
        mcq=not args.no_mcq,
        mcq_fps=args.mcq_fps,
        mcq_max_pixels=args.mcq_max_pixels,
        seed=args.seed,
        device=args.device,
        dtype=args.dtype,
    )
    result = train(
        args.data,
        args.model,
        args.out,
        config,
        overwrite=args.overwrite,
        resume=args.resume,
        **({"save_every": args.save_every} if args.save_every is not None else {}),
    )
    sys.stdout.write(
        f"trained {result.steps} steps on {result.num_examples} examples: {_loss_summary(result.step_losses)}; "
        f"checkpoint {result.out_dir}\n"
    )
    return 0
