"""Hostile inputs for the Qwen-VL method and its training, sixth round: a Qwen2.5-VL config without
``tokens_per_second``, pixel bounds that contradict each other, prompts longer than the model's
positions, empty replies, NaN losses and gradients in training, GRPO whose rewards never vary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, check_checkpoint, load_qwen_vl, read_pixel_spec
from camerabench.baselines.vlm.compat import prepare_video
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import Reward, grpo
from camerabench.baselines.vlm.train import train
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError

from .conftest import FPS, clip_frames, edited_copy

# --- config.json and processor files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "match"),
    [
        # transformers 5 then used its default 4: twice the temporal rope spacing the model was trained with
        (lambda c: c["vision_config"].pop("tokens_per_second"), r"vision_config\.tokens_per_second is missing"),
        (
            lambda c: c["vision_config"].__setitem__("tokens_per_second", "2"),
            r"vision_config\.tokens_per_second must be a positive number, got '2'",
        ),
        (
            lambda c: c["vision_config"].__setitem__("tokens_per_second", 0),
            r"vision_config\.tokens_per_second must be a positive number, got 0",
        ),
    ],
)
def test_qwen25_config_without_a_usable_tokens_per_second_is_refused(
    tiny_ckpt: Path, tmp_path: Path, change: Callable[[Any], None], match: str
) -> None:
    folder = edited_copy(tiny_ckpt, tmp_path / "ckpt", "config.json", change)
    with pytest.raises(FileFormatError, match=rf"ckpt/config\.json: {match}"):
        check_checkpoint(folder)


def test_missing_tokens_per_second_would_have_changed_the_scores(tiny_ckpt: Path, tmp_path: Path) -> None:
    """Why it is refused: transformers' default (4) is not the published checkpoints' 2."""
    from transformers import Qwen2_5_VLConfig

    assert Qwen2_5_VLConfig().vision_config.tokens_per_second == 4
    assert json.loads((tiny_ckpt / "config.json").read_text())["vision_config"]["tokens_per_second"] == 2


def test_older_layout_keeps_its_tokens_per_second_and_loads(older_ckpt: Path) -> None:
    assert check_checkpoint(older_ckpt) == "older"


@pytest.mark.parametrize("sub", ["video_processor", "image_processor"])
def test_processor_size_bounds_that_contradict_each_other_are_refused(
    tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path, sub: str
) -> None:
    """shortest_edge above longest_edge was a warning and the cap used for both (Qwen2.5-VL), or the
    clip floor silently lowered (Qwen3-VL)."""
    for name, src in (("q25", tiny_ckpt), ("q3", tiny_qwen3_ckpt)):
        folder = edited_copy(
            src,
            tmp_path / name,
            "processor_config.json",
            lambda p: p[sub].__setitem__("size", {"shortest_edge": 200_000, "longest_edge": 100_000}),
        )
        with pytest.raises(
            FileFormatError,
            match=rf"{name}/processor_config\.json: {sub}: shortest_edge 200000 exceeds longest_edge 100000",
        ):
            check_checkpoint(folder)


def test_older_preprocessor_with_min_pixels_above_max_pixels_is_refused(older_ckpt: Path, tmp_path: Path) -> None:
    folder = edited_copy(
        older_ckpt, tmp_path / "old", "preprocessor_config.json", lambda p: p.__setitem__("min_pixels", 2 * 12845056)
    )
    with pytest.raises(
        FileFormatError, match=r"old/preprocessor_config\.json: min_pixels 25690112 exceeds max_pixels 12845056"
    ):
        check_checkpoint(folder)


def test_min_pixels_option_above_max_pixels_is_refused(tiny_ckpt: Path) -> None:
    """The cap was used for both with a warning: min_pixels ignored without failing."""
    with pytest.raises(CameraBenchError, match=r"option min_pixels \(200000\) exceeds max_pixels \(100000\)"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", min_pixels=200_000, max_pixels=100_000)
    with pytest.raises(CameraBenchError, match=r"min_pixels 200000 exceeds max_pixels 100000"):
        read_pixel_spec(tiny_ckpt, max_pixels=100_000, min_pixels=200_000)
    # the checkpoint's own floor above a smaller cap the user asks for is still the cap (as before)
    assert read_pixel_spec(tiny_ckpt, max_pixels=1000).max_pixels == 1000


# --- prompts longer than the model's positions ----------------------------------------------------


@pytest.fixture(scope="module")
def tiny_video(tiny_ckpt: Path) -> Any:
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    return prepare_video(clip_frames("pan", seed=0, frames=4), FPS, vl.spec)


def _prompt_length(vl: QwenVL, video: Any, question: str) -> int:
    return len(vl.encode([video, qwen.vqa_prompt(question)]))


def test_prompt_longer_than_the_model_positions_is_refused(tiny_ckpt: Path, tmp_path: Path, tiny_video: Any) -> None:
    """Positions past max_position_embeddings were scored without a word (rope extrapolated)."""
    question = "Does the camera pan to the right?"
    base = load_qwen_vl(tiny_ckpt, device="cpu")
    n = _prompt_length(base, tiny_video, question)
    exact = edited_copy(
        tiny_ckpt,
        tmp_path / "exact",
        "config.json",
        lambda c: c["text_config"].__setitem__("max_position_embeddings", n),
    )
    short = edited_copy(
        tiny_ckpt,
        tmp_path / "short",
        "config.json",
        lambda c: c["text_config"].__setitem__("max_position_embeddings", n - 1),
    )
    vl = load_qwen_vl(exact, device="cpu")  # a prompt of exactly the limit is scored as before
    assert qwen.yes_probability_naive(vl, tiny_video, question) == pytest.approx(
        qwen.yes_probability_naive(base, tiny_video, question), abs=1e-6
    )
    assert qwen.yes_probabilities(vl, tiny_video, [question])[0] == pytest.approx(
        qwen.yes_probability_naive(base, tiny_video, question), abs=1e-5
    )
    vl = load_qwen_vl(short, device="cpu")
    match = rf"the prompt is {n} tokens \({tiny_video.num_tokens} of them visual\), longer than the {n - 1} positions"
    with pytest.raises(PredictionError, match=match + r" of .*short \(config\.json max_position_embeddings\)"):
        qwen.yes_probability_naive(vl, tiny_video, question)
    with pytest.raises(PredictionError, match=match):  # the prefix-cached path: prefix + the longest question
        qwen.yes_probabilities(vl, tiny_video, ["Pan?", question])


def test_training_example_longer_than_the_model_positions_is_refused(
    tiny_ckpt: Path, tmp_path: Path, tiny_video: Any
) -> None:
    """An answer that takes the prompt past the limit (the prompt alone fits)."""
    base = load_qwen_vl(tiny_ckpt, device="cpu")
    n = _prompt_length(base, tiny_video, "Q?")
    folder = edited_copy(
        tiny_ckpt, tmp_path / "c", "config.json", lambda c: c["text_config"].__setitem__("max_position_embeddings", n)
    )
    vl = load_qwen_vl(folder, device="cpu")
    vl.encode([tiny_video, qwen.vqa_prompt("Q?")])  # fits
    with pytest.raises(PredictionError, match=rf"the prompt is {n + 2} tokens"):
        vl.encode([tiny_video, qwen.vqa_prompt("Q?")], answer="Yes")  # "Yes" and <|im_end|>


# --- empty replies --------------------------------------------------------------------------------


def _always(vl: QwenVL, token: str) -> None:
    """Make the model's next token always ``token`` (a forward hook on the output layer)."""
    token_id = int(vl.tokenizer.convert_tokens_to_ids(token))

    def hook(module: Any, args: Any, output: torch.Tensor) -> torch.Tensor:
        output = output.clone()
        output[..., token_id] = output.abs().max() + 100.0
        return output

    vl.model.lm_head.register_forward_hook(hook)


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("<|im_end|>", r"the model's reply is empty: it ended its turn at once"),
        ("<|object_ref_start|>", r"the model's reply is empty: it wrote only special tokens .*\(3 tokens"),
    ],
)
def test_empty_reply_is_a_prediction_error_not_an_empty_caption(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], token: str, match: str
) -> None:
    """Recorded as an ok caption "" (and fed to DiffSW's next prompt as a description)."""
    root, _ = tiny_data
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=3)
    _always(p.vl, token)
    with pytest.raises(PredictionError, match=match):
        p.caption(root / "videos" / "pan_a.mp4")
    with pytest.raises(PredictionError, match=match):
        p.caption(root / "videos" / "pan_a.mp4", mode="diffsw")


def test_a_reply_with_text_is_returned(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]) -> None:
    root, _ = tiny_data
    p = qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=3)
    _always(p.vl, "Yes")
    assert p.caption(root / "videos" / "pan_a.mp4") == "YesYesYes"


# --- NaN in training --------------------------------------------------------------------------------


def _loading_with(monkeypatch: pytest.MonkeyPatch, module: Any, damage: Callable[[QwenVL], None]) -> None:
    real = module.load_qwen_vl

    def load(*args: Any, **kwargs: Any) -> QwenVL:
        vl = real(*args, **kwargs)
        damage(vl)
        return vl

    monkeypatch.setattr(module, "load_qwen_vl", load)


def _nan_logits(vl: QwenVL) -> None:
    vl.model.lm_head.register_forward_hook(lambda m, a, out: out * float("nan"))


def _nan_gradients(vl: QwenVL) -> None:
    vl.model.lm_head.weight.register_hook(lambda g: g * float("nan"))


SMALL = {"max_pixels": 28 * 28 * 4, "sample_fps": 2.0, "device": "cpu"}


def test_nan_loss_in_the_first_step_stops_training_and_saves_nothing(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tiny_data
    _loading_with(monkeypatch, train_module, _nan_logits)
    config = TrainConfig(epochs=1, batch_size=1, grad_accum=1, mcq=False, **SMALL)  # type: ignore[arg-type]
    with pytest.raises(
        CameraBenchError,
        match=r"non-finite training loss \(nan\) at step 1 of \d+ \(lr 2e-05\), on (binary|caption) example of "
        r"\w+\.mp4; stopped, nothing saved to .*out",
    ):
        train(root, tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


def test_nan_gradients_behind_a_finite_loss_are_refused_instead_of_saving_nan_weights(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the last step NaN gradients went into the weights and the checkpoint was saved: the run
    "succeeded" with a checkpoint that is then refused at load."""
    root, _ = tiny_data
    _loading_with(monkeypatch, train_module, _nan_gradients)
    config = TrainConfig(epochs=0.01, batch_size=1, mcq=False, captions=False, **SMALL)  # type: ignore[arg-type]
    with pytest.raises(
        CameraBenchError,
        match=r"non-finite gradients at step 1 of 1 \(first in lm_head\.weight\) behind a finite loss; stopped "
        r"before the update; nothing saved to .*out",
    ):
        train(root, tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


def test_saving_refuses_nan_weights(tiny_ckpt: Path, tmp_path: Path) -> None:
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    with torch.no_grad():
        vl.model.lm_head.weight[0, 0] = float("inf")
    with pytest.raises(CameraBenchError, match=r"1 trained tensor\(s\) hold NaN or infinite values \(lm_head\.weight"):
        train_module.save_checkpoint(vl, vl.model, tiny_ckpt, tmp_path / "out", {}, torch.float32)
    assert not (tmp_path / "out").exists()


# --- GRPO without an advantage signal ---------------------------------------------------------------


@pytest.mark.parametrize("filter_groups", [True, False])
def test_grpo_whose_reward_never_varies_saves_nothing_and_says_why(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, filter_groups: bool
) -> None:
    """Format reward only, one token per completion: no completion can be in the format, every
    reward is 0. The SFT model was saved unchanged as the GRPO result (filtered groups, or with
    filtering off zero advantages and so a zero gradient)."""
    root, _ = tiny_data
    config = GRPOConfig(
        steps=2, prompts_per_step=1, group_size=2, max_new_tokens=1, mcq=False, accuracy_weight=0.0,
        format_weight=1.0, filter_groups=filter_groups, **SMALL,  # type: ignore[arg-type]
    )  # fmt: skip
    with pytest.raises(
        CameraBenchError,
        match=r"GRPO made no update in 2 step\(s\): in every group all 2 completions got the same reward "
        r"\(e\.g\. 0\), so every advantage is 0 .*nothing saved to .*out",
    ):
        grpo(root, tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


def _alternating_rewards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Completions scored right and wrong in turn: every group's rewards differ, so GRPO updates."""
    calls = iter(range(10**6))

    def alternating(text: str, target: object, config: object) -> Reward:
        correct = next(calls) % 2 == 0
        return Reward(float(correct), correct, False)

    monkeypatch.setattr(grpo_module, "score_completion", alternating)


def test_grpo_nan_gradients_stop_with_the_step_named(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tiny_data
    _alternating_rewards(monkeypatch)
    _loading_with(monkeypatch, grpo_module, _nan_gradients)
    config = GRPOConfig(
        steps=1,
        prompts_per_step=1,
        group_size=2,
        max_new_tokens=2,
        mcq=False,
        kl_coef=0.0,
        **SMALL,  # type: ignore[arg-type]
    )
    with pytest.raises(
        CameraBenchError,
        match=r"GRPO step 1 of 1: non-finite gradients at the update \(first in lm_head\.weight\) behind a finite "
        r"loss; stopped before the update; nothing saved to .*out",
    ):
        grpo(root, tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


def test_grpo_with_varying_rewards_records_how_many_groups_had_none(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tiny_data
    _alternating_rewards(monkeypatch)
    config = GRPOConfig(steps=1, prompts_per_step=2, group_size=2, max_new_tokens=1, mcq=False, **SMALL)  # type: ignore[arg-type]
    result = grpo(root, tiny_ckpt, tmp_path / "out", config)
    assert result.history[0].equal_rewards == 0 and result.history[0].groups == 2
    info = json.loads((tmp_path / "out" / "camerabench_train.json").read_text())
    assert info["history"][0]["equal_rewards"] == 0
    assert np.isfinite(result.history[0].loss)


def test_grpo_without_a_kl_term_says_why_its_kl_is_nan(
    tiny_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # red team R75: with kl_coef 0 a step that updated logged "kl nan" without a word
    import logging

    root, _ = tiny_data
    _alternating_rewards(monkeypatch)
    config = GRPOConfig(steps=1, prompts_per_step=1, group_size=2, max_new_tokens=1, mcq=False, kl_coef=0.0, **SMALL)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="camerabench.baselines.vlm.grpo"):
        result = grpo(root, tiny_ckpt, tmp_path / "out", config)
    assert np.isfinite(result.history[0].loss) and np.isnan(result.history[0].kl)
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("step 1/1")]
    assert line.endswith("(kl not computed: kl_coef 0)") and "no update" not in line
