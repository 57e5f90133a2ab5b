"""Qwen3-VL through the same method: the tiny checkpoint, its checks, VQAScore, MCQ (both generations), SFT."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import Qwen3VLForConditionalGeneration

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.arch import QWEN3_VL
from camerabench.baselines.vlm.checkpoint import check_checkpoint, checkpoint_arch, load_qwen_vl
from camerabench.cli import main
from camerabench.dataset import Question
from camerabench.errors import FileFormatError
from camerabench.records import read_answers
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import Primitive
from camerabench.video import write_video

QUESTIONS = [Primitive.PAN_RIGHT.question, Primitive.STATIC.question, "Does the camera zoom in?"]
#: sha256 of Qwen3-VL-8B-Instruct's published chat template (5292 bytes).
QWEN3_TEMPLATE_SHA256 = "3636d0f0bd6bef02654cdffdc447b79cb2cef8ab02cc75267345946291a489e4"


@pytest.fixture(scope="module")
def predictor(tiny_qwen3_ckpt: Path) -> qwen.QwenVLPredictor:
    p = qwen.QwenVLPredictor(model=str(tiny_qwen3_ckpt), device="cpu", dtype="float32", batch_size=2)
    p.setup()
    return p


def test_tiny_qwen3_is_the_real_architecture_and_reloads_offline(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    loaded: Any = Qwen3VLForConditionalGeneration.from_pretrained(
        tiny_qwen3_ckpt, local_files_only=True, output_loading_info=True
    )
    model, info = loaded
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    text, vision = model.config.text_config, model.config.vision_config
    assert (text.hidden_size, text.num_hidden_layers, vision.depth, vision.patch_size) == (64, 2, 2, 16)
    assert (
        text.rope_parameters["mrope_interleaved"] and sum(text.rope_parameters["mrope_section"]) == text.head_dim // 2
    )
    assert list(vision.deepstack_visual_indexes) == [0, 1] and len(model.model.visual.deepstack_merger_list) == 2
    assert check_checkpoint(tiny_qwen3_ckpt) == "current" and checkpoint_arch(tiny_qwen3_ckpt) is QWEN3_VL
    template = (tiny_qwen3_ckpt / "chat_template.jinja").read_bytes()
    assert hashlib.sha256(template).hexdigest() == QWEN3_TEMPLATE_SHA256
    # the CLI writes the same checkpoint for the same seed
    assert main(["make-tiny-vlm", "--out", str(tmp_path / "cli"), "--arch", "qwen3-vl"]) == 0
    a, b = load_file(tiny_qwen3_ckpt / "model.safetensors"), load_file(tmp_path / "cli" / "model.safetensors")
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def _copy(src: Path, dst: Path, **config_changes: object) -> Path:
    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text())
    for dotted, value in config_changes.items():
        node = cfg
        *parents, key = dotted.split("__")
        for parent in parents:
            node = node[parent]
        node[key] = value
    (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def test_other_model_types_and_mismatched_qwen3_configs_are_refused(tiny_qwen3_ckpt: Path, tmp_path: Path) -> None:
    llava = _copy(tiny_qwen3_ckpt, tmp_path / "llava", model_type="llava")
    with pytest.raises(FileFormatError, match=r"config\.json.*'qwen2_5_vl', 'qwen3_vl', got 'llava'"):
        check_checkpoint(llava)
    with pytest.raises(FileFormatError, match="'llava'"):
        load_qwen_vl(llava)
    positions = _copy(tiny_qwen3_ckpt, tmp_path / "pos", vision_config__num_position_embeddings=100)
    with pytest.raises(FileFormatError, match=r"model\.safetensors.*pos_embed.*num_position_embeddings"):
        check_checkpoint(positions)
    deepstack = _copy(tiny_qwen3_ckpt, tmp_path / "deep", vision_config__deepstack_visual_indexes=[1])
    with pytest.raises(FileFormatError, match="deepstack_visual_indexes is 1, but the weights hold 2"):
        check_checkpoint(deepstack)
    head = _copy(tiny_qwen3_ckpt, tmp_path / "head", text_config__head_dim=8)
    with pytest.raises(FileFormatError, match="q_proj"):
        check_checkpoint(head)


def independent_yes_probability(vl: qwen.QwenVL, video: qwen.VisualInputs, question: str) -> float:
    """Qwen3-VL's prompt spelled out by hand: no system prompt, each temporal patch of two frames
    preceded by its mean time and wrapped in vision start/end; no frame-rate input to the model."""
    tok = vl.tokenizer
    per_patch = video.num_tokens // video.grid_thw[0]
    times = video.frame_times_s - video.frame_times_s[0]
    if len(times) % 2:
        times = np.append(times, times[-1])
    frames = "".join(
        f"<{(times[2 * i] + times[2 * i + 1]) / 2:.1f} seconds><|vision_start|>"
        + "<|video_pad|>" * per_patch
        + "<|vision_end|>"
        for i in range(video.grid_thw[0])
    )
    text = f"<|im_start|>user\n{frames}{question} Please only answer Yes or No.<|im_end|>\n<|im_start|>assistant\n"
    ids = torch.tensor([tok.encode(text, add_special_tokens=False)])
    video_id = tok.convert_tokens_to_ids("<|video_pad|>")
    with torch.no_grad():
        logits = vl.model(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            mm_token_type_ids=(ids == video_id).long() * 2,
            pixel_values_videos=video.pixel_values,
            video_grid_thw=torch.tensor([video.grid_thw]),
        ).logits
    return float(torch.softmax(logits[0, -1].double(), dim=-1)[tok.convert_tokens_to_ids("Yes")])


def test_vqascore_prefix_cache_and_captions_on_qwen3(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    root, _ = tiny_data
    path = root / "videos" / "pan_a.mp4"
    result = predictor.predict(path, [Question(q) for q in QUESTIONS])
    video = qwen.encode_video(predictor.vl, path)
    assert video.grid_thw[0] == 4 and result.info["fps"] == pytest.approx(8.0)
    reference = [independent_yes_probability(predictor.vl, video, q) for q in QUESTIONS]
    np.testing.assert_allclose([result.scores[q] for q in QUESTIONS], reference, rtol=0, atol=1e-4)
    assert np.ptp(reference) > 1e-4  # the score depends on the question: the comparison means something
    for batch_size in (1, 3):
        cached = qwen.yes_probabilities(predictor.vl, video, QUESTIONS, batch_size=batch_size)
        naive = [qwen.yes_probability_naive(predictor.vl, video, q) for q in QUESTIONS]
        np.testing.assert_allclose(cached, naive, rtol=0, atol=1e-4)
    assert predictor.settings()["arch"] == "qwen3-vl"
    predictor.options = predictor.options.replace(max_new_tokens=4)
    assert predictor.caption(path, "Describe the camera movement.", mode="whole")
    predictor.options = predictor.options.replace(max_new_tokens=256)


def _mcq_data(root: Path) -> list[MCQRow]:
    """One video row and one image row of a ShotBench-style table."""
    rng = np.random.default_rng(3)
    write_video(root / "video" / "shot.mp4", rng.integers(0, 256, (6, 48, 64, 3), dtype=np.uint8), fps=12)
    (root / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "image" / "still.png"), rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    rows = [
        MCQRow("0", "t", ("video",), ("video/shot.mp4",), "How does the camera move?",
               {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}, "A", "camera movement", 2),
        MCQRow("1", "t", ("image",), ("image/still.png",), "What is the shot size?",
               {"A": "Wide", "B": "Close-up"}, "B", "shot size", 3),
    ]  # fmt: skip
    write_mcq_table(root / "labels" / "shotbench" / "t.tsv", rows)
    return rows


@pytest.mark.parametrize("arch", ["qwen2.5-vl", "qwen3-vl"])
def test_mcq_end_to_end_with_both_generations(
    arch: str, tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path
) -> None:
    """``predict`` answers a table's video and image rows; likelihood answers are the letter an
    independent full pass over the prompt ranks first."""
    from camerabench.jobs.runner import run_predict

    ckpt = tiny_qwen3_ckpt if arch == "qwen3-vl" else tiny_ckpt
    data = tmp_path / "data"
    rows = _mcq_data(data)
    options = {"model": str(ckpt), "device": "cpu", "mcq_mode": "likelihood"}
    summary = run_predict(data, "qwen-vl", tmp_path / "run", options=options)
    assert summary.answers is not None and summary.answers.videos_ok == 2
    answers = {a.index: a for a in read_answers(MethodFolder.of(tmp_path / "run", "qwen-vl").answers)}
    p = qwen.QwenVLPredictor(**options)
    assert p.vl.arch.name == arch
    for row in rows:
        media = [data / m for m in row.paths]
        content = [*qwen.encode_media(p.vl, row, media), qwen.mcq_prompt(row)]
        enc = p.vl.encode(content)
        with torch.no_grad():
            logits = p.vl.model(**p.vl.model_inputs([enc])).logits[0, -1]
        letter_ids = {letter: p.vl.token_id(letter) for letter in row.options}
        expected = max(letter_ids, key=lambda letter: float(logits[letter_ids[letter]]))
        assert answers[row.index].status == "ok" and answers[row.index].answer == expected
    generated = run_predict(
        data, "qwen-vl", tmp_path / "gen", options={**options, "mcq_mode": "generate", "mcq_max_new_tokens": 4}
    )
    assert generated.answers is not None and generated.answers.videos_ok == 2
    assert all(isinstance(a.answer, str) for a in read_answers(MethodFolder.of(tmp_path / "gen", "qwen-vl").answers))


def test_sft_runs_on_qwen3_and_the_result_loads_as_qwen3(
    tiny_qwen3_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from camerabench.baselines.vlm.train import TrainConfig, train

    root, _ = tiny_data
    config = TrainConfig(epochs=1.0, lr=1e-3, warmup=0.0, captions=False, device="cpu", seed=0)
    result = train(root, tiny_qwen3_ckpt, tmp_path / "sft", config)
    assert result.steps == result.num_examples == 16 and all(np.isfinite(result.step_losses))
    assert np.mean(result.step_losses[-4:]) < np.mean(result.step_losses[:4])
    tuned = load_qwen_vl(tmp_path / "sft", device="cpu")
    assert tuned.arch is QWEN3_VL and tuned.spec == load_qwen_vl(tiny_qwen3_ckpt, device="cpu").spec
    assert (tmp_path / "sft" / "chat_template.jinja").read_bytes() == (
        tiny_qwen3_ckpt / "chat_template.jinja"
    ).read_bytes()
