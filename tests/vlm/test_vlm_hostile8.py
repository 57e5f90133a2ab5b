"""Hostile inputs for the Qwen-VL method, eighth round: replies that would run past the model's
positions, and hostile generation settings."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, check_checkpoint, load_qwen_vl
from camerabench.baselines.vlm.compat import VisualInputs, prepare_video
from camerabench.baselines.vlm.config import GRPOConfig
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError

from .conftest import FPS, clip_frames, edited_copy

PROMPT = "Describe the camera."


def with_positions(src: Path, dst: Path, value: Any) -> Path:
    """A copy of checkpoint ``src`` at ``dst`` whose text model has ``value`` max_position_embeddings."""
    return edited_copy(
        src, dst, "config.json", lambda c: c["text_config"].__setitem__("max_position_embeddings", value)
    )


@pytest.fixture(scope="module")
def tiny_video(tiny_ckpt: Path) -> VisualInputs:
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    return prepare_video(clip_frames("pan", seed=0, frames=4), FPS, vl.spec)


@pytest.fixture(scope="module")
def prompt_length(tiny_ckpt: Path, tiny_video: VisualInputs) -> int:
    return len(load_qwen_vl(tiny_ckpt, device="cpu").encode([tiny_video, PROMPT]))


def _scripted(vl: QwenVL, tokens: list[str]) -> None:
    """Make the model's i-th generated token ``tokens[i]`` (the last one repeated): a hook on the output layer."""
    ids = [int(vl.tokenizer.convert_tokens_to_ids(t)) for t in tokens]
    calls = iter(range(10**6))

    def hook(module: Any, args: Any, output: torch.Tensor) -> torch.Tensor:
        output = output.clone()
        output[..., ids[min(next(calls), len(ids) - 1)]] = output.abs().max() + 100.0
        return output

    vl.model.lm_head.register_forward_hook(hook)


def _fed(vl: QwenVL) -> list[int]:
    """The number of tokens fed to the language model at each forward pass (appended as they run)."""
    counts: list[int] = []
    vl.model.get_input_embeddings().register_forward_pre_hook(lambda m, a: counts.append(int(a[0].shape[-1])))
    return counts


@pytest.fixture
def short_ckpt(tiny_ckpt: Path, tmp_path: Path, prompt_length: int) -> Iterator[Path]:
    """The tiny checkpoint with room for 3 positions past the prompt (4 generated tokens)."""
    yield with_positions(tiny_ckpt, tmp_path / "short", prompt_length + 3)


# --- replies past max_position_embeddings ----------------------------------------------------------


def test_reply_that_would_run_past_the_model_positions_is_refused(
    short_ckpt: Path, tiny_video: VisualInputs, prompt_length: int
) -> None:
    """The prompt fitted, so generation went on to max_new_tokens on positions the model never had
    (a 20-token reply from a model with room for 4), returned as the caption without a word."""
    vl = load_qwen_vl(short_ckpt, device="cpu")
    _scripted(vl, ["a"])  # never ends its turn
    fed = _fed(vl)
    limit = prompt_length + 3
    with pytest.raises(
        PredictionError,
        match=rf"the reply had not ended after 4 tokens, where it reached the {limit} positions of .*short "
        rf"\(config\.json max_position_embeddings\) with a prompt of {prompt_length} tokens; max_new_tokens=20",
    ):
        qwen.generate_text(vl, [tiny_video, PROMPT], max_new_tokens=20)
    assert sum(fed) == limit  # the model never saw a position past its limit
    assert len(fed) == 4


def test_reply_that_ends_within_the_model_positions_is_the_unbounded_one(
    tiny_ckpt: Path, short_ckpt: Path, tiny_video: VisualInputs
) -> None:
    """Stopping at the limit changes nothing for a reply that ends before it (greedy), also one that
    ends on exactly the last token of the room."""
    for script, expected in ((["a", "b", "<|im_end|>"], "ab"), (["a", "b", "c", "<|im_end|>"], "abc")):
        replies = []
        for folder in (tiny_ckpt, short_ckpt):
            vl = load_qwen_vl(folder, device="cpu")
            _scripted(vl, script)
            replies.append(qwen.generate_text(vl, [tiny_video, PROMPT], max_new_tokens=20))
        assert replies == [expected, expected]


def test_max_new_tokens_within_the_room_is_the_users_limit(short_ckpt: Path, tiny_video: VisualInputs) -> None:
    """A reply cut by the user's own max_new_tokens (below the room) is returned as before."""
    vl = load_qwen_vl(short_ckpt, device="cpu")
    _scripted(vl, ["a"])
    assert qwen.generate_text(vl, [tiny_video, PROMPT], max_new_tokens=3) == "aaa"
    assert qwen.generate_text(vl, [tiny_video, PROMPT], max_new_tokens=4) == "aaaa"  # the whole room


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "8"])
def test_max_new_tokens_that_is_not_a_positive_integer_is_refused(
    tiny_ckpt: Path, tiny_video: VisualInputs, value: Any
) -> None:
    vl = load_qwen_vl(tiny_ckpt, device="cpu")
    with pytest.raises(CameraBenchError, match=rf"max_new_tokens must be an integer >= 1, got {value!r}"):
        qwen.generate_text(vl, [tiny_video, PROMPT], max_new_tokens=value)


def test_grpo_completions_stop_at_the_model_positions(
    short_ckpt: Path, tiny_video: VisualInputs, prompt_length: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Sampling went on to max_new_tokens past the limit, and the update then fed prompt + completion
    (more tokens than the model has positions) to the model."""
    vl = load_qwen_vl(short_ckpt, device="cpu")
    _scripted(vl, ["a"])
    enc = vl.encode([tiny_video, PROMPT])
    config = GRPOConfig(group_size=2, max_new_tokens=20)
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        completions = grpo_module._sample(vl.model, vl, enc, config, grpo_module._eos_ids(vl))
    assert [len(c) for c in completions] == [3, 3]  # prompt + completion = the 3 + prompt_length positions
    assert f"completions of a {prompt_length}-token prompt are cut at 3 tokens, not max_new_tokens=20" in caplog.text
    fed = _fed(vl)
    grpo_module._logps(vl.model, vl, enc, completions, 1.0)
    assert fed == [prompt_length + 3]
    # a user limit below the room is the limit, without a warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        short = grpo_module._sample(vl.model, vl, enc, GRPOConfig(group_size=2, max_new_tokens=2), [])
    assert [len(c) for c in short] == [2, 2] and not caplog.records


def test_grpo_prompt_that_fills_the_model_positions_is_refused(
    tiny_ckpt: Path, tmp_path: Path, tiny_video: VisualInputs, prompt_length: int
) -> None:
    folder = with_positions(tiny_ckpt, tmp_path / "full", prompt_length)
    vl = load_qwen_vl(folder, device="cpu")
    enc = vl.encode([tiny_video, PROMPT])  # the prompt alone fits
    with pytest.raises(
        CameraBenchError, match=rf"a prompt of {prompt_length} tokens fills the {prompt_length} positions of .*full"
    ):
        grpo_module._sample(vl.model, vl, enc, GRPOConfig(group_size=2), [])


# --- blank prompts, bad rates and batch sizes through the Python API ---------------------------------


@pytest.fixture(scope="module")
def tiny_vl(tiny_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_ckpt, device="cpu")


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_blank_question_or_prompt_is_refused(
    tiny_vl: QwenVL, tiny_video: VisualInputs, tiny_data: tuple[Path, dict[str, str]], text: str
) -> None:
    """Captioned and scored as if a question had been asked (a caption of a video with no instruction,
    P(Yes) of " Please only answer Yes or No.")."""
    blank = re.escape(f"is empty or white space only ({text!r}): there is nothing to ask the model")
    with pytest.raises(PredictionError, match=r"the prompt text " + blank):
        qwen.caption_video(tiny_vl, tiny_video, text, max_new_tokens=2)
    with pytest.raises(PredictionError, match=r"the caption question " + blank):
        qwen.diffsw_caption(tiny_vl, tiny_data[0] / "videos" / "pan_a.mp4", text, max_new_tokens=2)
    with pytest.raises(PredictionError, match=r"the question " + blank):
        qwen.yes_probabilities(tiny_vl, tiny_video, ["Pan?", text])
    with pytest.raises(PredictionError, match=r"the question " + blank):
        qwen.yes_probability_naive(tiny_vl, tiny_video, text)
    with pytest.raises(PredictionError, match=r"the prompt text " + blank):
        qwen.generate_text(tiny_vl, [text], max_new_tokens=2)


def test_prompt_without_text_is_refused(tiny_vl: QwenVL, tiny_video: VisualInputs) -> None:
    """An empty user turn (or a video alone) was answered as if asked something."""
    for content in ([], [tiny_video]):
        with pytest.raises(PredictionError, match=r"the prompt has no text: there is nothing to ask the model"):
            qwen.generate_text(tiny_vl, content, max_new_tokens=2)


@pytest.mark.parametrize("fps", [0, -1.0, float("nan"), float("inf"), True])
def test_frame_rate_that_is_not_positive_and_finite_is_a_camerabench_error(
    tiny_vl: QwenVL, tiny_data: tuple[Path, dict[str, str]], fps: Any
) -> None:
    """The video reader's bare ValueError ("fps must be positive, got nan") came out as a traceback."""
    video = tiny_data[0] / "videos" / "pan_a.mp4"
    with pytest.raises(CameraBenchError, match=rf"sample_fps must be a positive finite number, got {fps!r}"):
        qwen.encode_video(tiny_vl, video, sample_fps=fps)


@pytest.mark.parametrize("size", [0, True, 2.5])
def test_batch_size_that_is_not_a_positive_integer_is_refused(
    tiny_vl: QwenVL, tiny_video: VisualInputs, size: Any
) -> None:
    """2.5 was a raw TypeError from range(); True ran as batches of 1."""
    with pytest.raises(CameraBenchError, match=rf"batch_size must be an integer >= 1, got {size!r}"):
        qwen.yes_probabilities(tiny_vl, tiny_video, ["Pan?", "Tilt?", "Zoom?"], batch_size=size)


def test_huge_batch_size_scores_as_one_batch(tiny_vl: QwenVL, tiny_video: VisualInputs) -> None:
    questions = ["Does the camera pan?", "Does the camera tilt?", "Zoom?"]
    assert qwen.yes_probabilities(tiny_vl, tiny_video, questions, batch_size=10**12) == pytest.approx(
        [qwen.yes_probability_naive(tiny_vl, tiny_video, q) for q in questions], abs=1e-5
    )


def test_generation_config_that_transformers_refuses_is_a_file_error_before_work(
    tiny_ckpt: Path, tmp_path: Path
) -> None:
    """max_new_tokens 0 in generation_config.json passed the checks and failed at load with a raw ValueError."""
    folder = edited_copy(tiny_ckpt, tmp_path / "c", "generation_config.json", lambda g: g.update(max_new_tokens=0))
    match = r"c/generation_config\.json: transformers refuses it: `max_new_tokens` must be greater than 0"
    with pytest.raises(FileFormatError, match=match):
        check_checkpoint(folder)
    with pytest.raises(FileFormatError, match=match):
        load_qwen_vl(folder, device="cpu")


@pytest.mark.parametrize("value", [0, -1, 2.5, True])
def test_max_position_embeddings_that_is_not_a_positive_integer_is_a_file_error(
    tiny_ckpt: Path, tmp_path: Path, value: Any
) -> None:
    """0 or below read as "no limit": no prompt or reply length was checked."""
    folder = with_positions(tiny_ckpt, tmp_path / "c", value)
    with pytest.raises(FileFormatError, match=r"text_config\.max_position_embeddings must be an integer >= 1"):
        check_checkpoint(folder)
