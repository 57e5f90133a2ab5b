"""Fourth round of hostile inputs to the qwen-vl method and its training (see test_vlm_hostile3.py).

DiffSW on a video longer than its key-frame window (every tick used to be decoded at full size
first), a tokenizer that marks the reasoning tags as special tokens (GRPO's format reward never
matched), and checkpoint properties that made every video fail or be scored at the wrong place:
a tokenizer larger than the model's embeddings, a chat template that ignores the generation
prompt, a tokenizer without a one-token "Yes".
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import QwenVL, load_qwen_vl
from camerabench.baselines.vlm.compat import prepare_image
from camerabench.baselines.vlm.config import GRPOConfig
from camerabench.baselines.vlm.grpo import grpo
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.video import read_video, write_video

from .conftest import WIDTH, texture

TAGS = ("<think>", "</think>", "<answer>", "</answer>")


@pytest.fixture(scope="module")
def vl(tiny_ckpt: Path) -> QwenVL:
    return load_qwen_vl(tiny_ckpt, device="cpu")


# --- DiffSW on a long video ---------------------------------------------------------------


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """5 s at 8 fps (40 frames)."""
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    write_video(path, np.stack([texture(seed) for seed in range(40)])[:, :, :WIDTH], fps=8.0)
    return path


def _diffsw(vl: QwenVL, video: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[list[Any], list[int]]:
    """(contents of every generate call, number of frames each read_video call kept)."""
    calls: list[Any] = []
    kept: list[int] = []
    real_read = qwen.read_video

    def spy_read(*args: Any, **kwargs: Any) -> Any:
        clip = real_read(*args, **kwargs)
        kept.append(len(clip))
        return clip

    def fake_generate(vl: object, content: list[Any], max_new_tokens: int = 256) -> str:
        calls.append(content)
        return "x"

    monkeypatch.setattr(qwen, "read_video", spy_read)
    monkeypatch.setattr(qwen, "generate_text", fake_generate)
    qwen.diffsw_caption(vl, video, "Describe.", **kw)
    return calls, kept


def test_diffsw_on_a_long_video_decodes_only_the_key_frames_it_uses(
    vl: QwenVL, long_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 ticks at 0.25 s, 4 key frames: all 20 (a 1-hour 1080p video: 22 GB) used to be decoded first."""
    calls, kept = _diffsw(vl, long_video, monkeypatch, keyframe_interval_s=0.25, max_keyframes=4)
    assert kept == [4]  # never more frames than are used
    expected = read_video(long_video, num_frames=4)  # evenly spread, first to last frame
    assert expected.indices.tolist() == [0, 13, 26, 39]
    images = [calls[0][0], *(c[1] for c in calls[1:4])]
    for image, frame in zip(images, expected.frames, strict=True):
        assert torch.equal(image.pixel_values, prepare_image(frame, vl.image_spec).pixel_values)
    times = expected.timestamps - expected.timestamps[0]
    assert f"previous frame at {times[2]:.1f} s and the current frame at {times[3]:.1f} s" in calls[3][-1]
    assert f"[{times[3]:.1f} s, change]" in calls[4][0]


def test_diffsw_on_a_video_within_its_window_keeps_the_interval_ticks(
    vl: QwenVL, long_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 5 s at 8 fps: the ticks 0-4 s and the last frame (4.875 s, over half an interval after the
    # last tick), read in a second pass that keeps the first and the last frame
    calls, kept = _diffsw(vl, long_video, monkeypatch, keyframe_interval_s=1.0, max_keyframes=6)
    expected = read_video(long_video, fps=1.0)
    assert kept == [5, 2] and expected.indices.tolist() == [0, 8, 16, 24, 32]
    images = [calls[0][0], *(c[1] for c in calls[1:5])]
    for image, frame in zip(images, expected.frames, strict=True):
        assert torch.equal(image.pixel_values, prepare_image(frame, vl.image_spec).pixel_values)
    assert "at 3.0 s and the current frame at 4.0 s" in calls[4][-1]


# --- reasoning tags that the tokenizer marks as special tokens ----------------------------


def _add_special_tags(src: Path, dst: Path, resize: bool) -> Path:
    """A copy whose tokenizer holds <think>, </think>, <answer>, </answer> as special tokens
    (ids 614-617), the model's embeddings grown to take them when ``resize``."""
    from safetensors.torch import load_file, save_file
    from tokenizers import AddedToken
    from transformers import AutoTokenizer

    shutil.copytree(src, dst)
    tok = AutoTokenizer.from_pretrained(src)
    tok.add_tokens([AddedToken(t, special=True) for t in TAGS], special_tokens=True)
    tok.save_pretrained(dst)
    if resize:
        weights = load_file(src / "model.safetensors")
        for key in ("lm_head.weight", "model.embed_tokens.weight"):
            weights[key] = torch.cat([weights[key], torch.zeros(len(TAGS), weights[key].shape[1])])
        save_file(weights, dst / "model.safetensors", metadata={"format": "pt"})
        cfg = json.loads((dst / "config.json").read_text())
        cfg["text_config"]["vocab_size"] = len(tok)
        (dst / "config.json").write_text(json.dumps(cfg))
    return dst


@pytest.fixture(scope="module")
def tags_ckpt(tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _add_special_tags(tiny_ckpt, tmp_path_factory.mktemp("tags") / "ckpt", resize=True)


def test_replies_keep_reasoning_tags_the_tokenizer_marks_special(tags_ckpt: Path) -> None:
    vl = load_qwen_vl(tags_ckpt, device="cpu")
    reply = "<think>it slides</think><answer>B</answer>"
    ids = vl.tokenizer.encode(reply, add_special_tokens=False)
    assert {vl.tokenizer.convert_ids_to_tokens(i) for i in ids} >= set(TAGS)  # one special token each
    assert vl.tokenizer.decode(ids, skip_special_tokens=True) == "it slidesB"  # what was scored
    assert vl.decode([*ids, vl.im_end_id, vl.token_id("<|endoftext|>")]) == reply
    # a reply through generation: the tags kept, the control token left out
    prompt_len: list[int] = []

    def fake_generate(**kwargs: Any) -> torch.Tensor:
        prompt_len.append(kwargs["input_ids"].shape[1])
        return torch.cat([kwargs["input_ids"], torch.tensor([[*ids, vl.im_end_id]])], dim=1)

    vl.model.generate = fake_generate
    assert qwen.generate_text(vl, ["Which?"]) == reply and prompt_len


def test_grpo_format_reward_sees_reasoning_tags_the_tokenizer_marks_special(
    tags_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tags were decoded away: format_rate 0 for well-formed completions, without a warning."""
    root, _ = tiny_data
    texts: list[str] = []
    real_score = grpo_module.score_completion

    def sample(model: Any, vl: QwenVL, enc: Any, config: GRPOConfig, eos: list[int]) -> list[torch.Tensor]:
        replies = ["<think>the view slides</think><answer>Yes</answer>", "<think>it holds</think><answer>No</answer>"]
        return [torch.tensor([*vl.tokenizer.encode(r, add_special_tokens=False), vl.im_end_id]) for r in replies]

    def score(text: str, target: Any, config: GRPOConfig) -> Any:
        texts.append(text)
        return real_score(text, target, config)

    monkeypatch.setattr(grpo_module, "_sample", sample)
    monkeypatch.setattr(grpo_module, "score_completion", score)
    config = GRPOConfig(
        steps=1, prompts_per_step=1, group_size=2, mcq=False, device="cpu", max_pixels=28 * 28 * 4, sample_fps=2.0
    )
    result = grpo(root, tags_ckpt, tmp_path / "g", config)
    assert texts == ["<think>the view slides</think><answer>Yes</answer>", "<think>it holds</think><answer>No</answer>"]
    stats = result.history[0]
    assert stats.format_rate == 1.0
    assert stats.accuracy == 0.5  # one of "Yes"/"No" is the label, read from inside <answer>
    assert stats.filtered == 0


# --- checkpoint properties that fail (or mis-score) every video -----------------------------


def test_tokenizer_larger_than_the_embeddings_is_refused_at_load(tiny_ckpt: Path, tmp_path: Path) -> None:
    """Every prompt holding one of the extra tokens failed on its own ("index out of range in self"):
    here the reasoning instructions' <think>, i.e. every GRPO and reasoning-MCQ prompt."""
    folder = _add_special_tags(tiny_ckpt, tmp_path / "ckpt", resize=False)
    with pytest.raises(
        FileFormatError,
        match=r"tokenizer\.json: the tokenizer has 618 tokens \(the last '</answer>'\), but the model's "
        r"embeddings have 614 rows",
    ):
        load_qwen_vl(folder, device="cpu")


def test_chat_template_without_a_generation_prompt_is_refused_at_load(tiny_ckpt: Path, tmp_path: Path) -> None:
    """P(Yes) was read after "<|im_end|>\\n" (where a new turn starts), for every question, silently."""
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    template = (folder / "chat_template.jinja").read_text()
    cut = template.rfind("{%", 0, template.rindex("if add_generation_prompt"))
    assert template[cut:].endswith("<|im_start|>assistant\n{% endif %}")  # the last statement
    (folder / "chat_template.jinja").write_text(template[:cut])
    with pytest.raises(FileFormatError, match=rf"^{folder}: the chat template ignores add_generation_prompt"):
        load_qwen_vl(folder, device="cpu")


@pytest.fixture(scope="module")
def split_yes_ckpt(tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy whose tokenizer writes "Yes" as two tokens ("Y", "es"): its merge is removed."""
    folder = tmp_path_factory.mktemp("yes") / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    tok = json.loads((folder / "tokenizer.json").read_text())
    merges = tok["model"]["merges"]
    tok["model"]["merges"] = [m for m in merges if m not in (["Y", "es"], "Y es")]
    assert len(tok["model"]["merges"]) == len(merges) - 1
    (folder / "tokenizer.json").write_text(json.dumps(tok))
    return folder


def test_tokenizer_without_a_one_token_yes_warns_at_setup_and_fails_before_decoding(
    split_yes_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every video was decoded and its prefix run through the model before the same error."""
    root, _ = tiny_data
    predictor = qwen.QwenVLPredictor(model=str(split_yes_ckpt), device="cpu", max_new_tokens=2, sample_fps=2.0)
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.qwen"):
        predictor.setup()
    assert "'Yes' is not a single token in this tokenizer" in caplog.text
    assert "yes/no scoring (predict) will fail on every video" in caplog.text

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("the video must not be decoded")

    monkeypatch.setattr(qwen, "read_video", no_decoding)
    with pytest.raises(CameraBenchError, match=r"'Yes' is not a single token in this tokenizer"):
        predictor.predict(root / "videos" / "pan_a.mp4", [Question("Does the camera pan right?")])
    monkeypatch.undo()
    assert predictor.caption(root / "videos" / "pan_a.mp4")  # captions still work
    video = predictor.encode(root / "videos" / "pan_a.mp4")
    forwards: list[int] = []
    monkeypatch.setattr(predictor.vl.model, "forward", lambda *a, **k: forwards.append(1))
    with pytest.raises(CameraBenchError, match="not a single token"):
        qwen.yes_probabilities(predictor.vl, video, ["Does it pan?"])
    assert forwards == []  # refused before the prefix pass


# --- settings that fail (or mean nothing) on every video ----------------------------------


def test_likelihood_answers_with_a_reasoning_prompt_are_refused(tiny_ckpt: Path) -> None:
    """The letter was read as the first token of a reply asked to start with <think>: a meaningless pick."""
    with pytest.raises(CameraBenchError, match=r"mcq_mode='likelihood' reads the option letter as the reply's first"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), mcq_mode="likelihood", mcq_reasoning=True)
    qwen.QwenVLPredictor(model=str(tiny_ckpt), mcq_mode="likelihood")
    qwen.QwenVLPredictor(model=str(tiny_ckpt), mcq_reasoning=True)


def _no_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("the model must not be loaded")


def test_max_side_below_the_smallest_frame_is_refused_before_work(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """max_side=1 decoded 1x1 frames, blown up to 28x28: a score for a flat colour, for every video."""
    import camerabench.baselines.vlm.train as train_module
    from camerabench.baselines.vlm.config import TrainConfig
    from camerabench.baselines.vlm.train import train

    with pytest.raises(CameraBenchError, match=r"option max_side must be >= 28 \(the smallest frame side .*got 1$"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), max_side=1)
    qwen.QwenVLPredictor(model=str(tiny_ckpt), max_side=28)
    root, _ = tiny_data
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    with pytest.raises(CameraBenchError, match=r"^training: max_side must be >= 28 .*got 27$"):
        train(root, tiny_ckpt, tmp_path / "out", TrainConfig(captions=False, device="cpu", max_side=27))
    with pytest.raises(CameraBenchError, match=r"^GRPO: max_side must be >= 28 .*got 27$"):
        grpo(root, tiny_ckpt, tmp_path / "out", GRPOConfig(device="cpu", max_side=27))
    assert not (tmp_path / "out").exists()


def test_geometry_run_without_any_trajectory_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    """An empty trajectories folder failed every video with "no trajectory", one at a time."""
    (tmp_path / "fast" / "trajectories").mkdir(parents=True)
    with pytest.raises(CameraBenchError, match=r"geometry_run=\S+fast: no trajectory in \S+trajectories"):
        qwen.QwenVLPredictor(model=str(tiny_ckpt), geometry_run=str(tmp_path / "fast"))


def test_replies_end_at_the_end_of_the_turn_whatever_the_generation_config(tiny_ckpt: Path, tmp_path: Path) -> None:
    """A generation config naming only <|endoftext|> let a caption run on past <|im_end|> into a made-up
    next turn ("user\\n..."), all of it kept as the caption."""
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    gen = json.loads((folder / "generation_config.json").read_text())
    gen["eos_token_id"] = 600  # <|endoftext|> only
    (folder / "generation_config.json").write_text(json.dumps(gen))
    vl = load_qwen_vl(folder, device="cpu")
    tok = vl.tokenizer
    assert qwen.reply_end_ids(vl) == [tok.convert_tokens_to_ids("<|im_end|>"), 600]
    seen: dict[str, Any] = {}

    def fake_generate(**kwargs: Any) -> torch.Tensor:
        seen.update(kwargs)
        more = tok.encode("The camera pans.<|im_end|>\n<|im_start|>user\nAnd then?", add_special_tokens=False)
        return torch.cat([kwargs["input_ids"], torch.tensor([more])], dim=1)

    vl.model.generate = fake_generate
    assert qwen.generate_text(vl, ["Describe."]) == "The camera pans."
    assert vl.im_end_id in seen["eos_token_id"]
