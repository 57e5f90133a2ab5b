"""Fine-tuning on tiny clips: the mixture, loss masking, learning, and reloading the result."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from camerabench.baselines.vlm import config as vlm_config
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.train import TrainConfig, build_examples, train
from camerabench.cli import main
from camerabench.dataset import Dataset, Question
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import Primitive

PRIMS = (Primitive.PAN_RIGHT, Primitive.STATIC)


def yes_scores(ckpt: Path, root: Path, kinds: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """P(Yes) of the Pan_Right and Static questions on every clip, and the true labels."""
    p = qwen.QwenVLPredictor(model=str(ckpt), device="cpu")
    scores, labels = [], []
    for name, kind in kinds.items():
        result = p.predict(root / "videos" / name, [Question(prim.question, prim) for prim in PRIMS])
        for prim in PRIMS:
            scores.append(result.scores[prim.question])
            labels.append((kind == "pan") == (prim is Primitive.PAN_RIGHT))
    return np.array(scores), np.array(labels)


def test_mixture_is_balanced_with_and_without_suffix_plus_captions(tiny_data: tuple[Path, dict[str, str]]) -> None:
    root, kinds = tiny_data
    examples = build_examples(Dataset(root), captions=True, seed=0)
    binary = [e for e in examples if e.kind == "binary"]
    assert Counter(e.answer for e in binary) == {"Yes": 8, "No": 8}
    assert sum(e.prompt.endswith("Please only answer Yes or No.") for e in binary) == 8
    assert {e.video for e in examples if e.kind == "caption"} == set(kinds)
    assert len(build_examples(Dataset(root), captions=False)) == 16


def test_loss_covers_only_the_answer_tokens(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]) -> None:
    root, _ = tiny_data
    vl = load_qwen_vl(tiny_ckpt)
    video = qwen.encode_video(vl, root / "videos" / "pan_a.mp4")
    enc = vl.encode([video, "Does the camera pan to the right?"], answer="Yes")
    assert enc.labels is not None
    targets = enc.labels[enc.labels != -100].tolist()
    assert targets == [vl.token_id("Yes"), vl.token_id("<|im_end|>")]
    prompt = vl.encode([video, "Does the camera pan to the right?"])
    assert torch.equal(enc.input_ids[: len(prompt)], prompt.input_ids)


def test_training_lowers_the_loss_moves_scores_to_the_labels_and_reloads(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, kinds = tiny_data
    before, labels = yes_scores(tiny_ckpt, root, kinds)
    config = TrainConfig(epochs=4, lr=1e-3, batch_size=4, captions=False, device="cpu")
    result = train(root, tiny_ckpt, tmp_path / "ft", config)
    assert result.steps == 16
    assert result.epoch_losses[-1] < 0.6 * result.epoch_losses[0]
    after, _ = yes_scores(tmp_path / "ft", root, kinds)  # reloads through the predictor

    def nll(p: np.ndarray) -> float:
        return float(-np.mean(np.log(np.where(labels, p, 1 - p))))

    def separation(p: np.ndarray) -> float:
        return float(p[labels].mean() - p[~labels].mean())

    assert nll(after) < nll(before) - 0.5
    assert separation(after) > max(separation(before), 0.0) + 0.1
    info = json.loads((tmp_path / "ft" / "camerabench_train.json").read_text())
    assert info["steps"] == 16 and len(info["step_losses"]) == 16


def test_vision_tower_is_frozen_by_default(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = tiny_data
    train(root, tiny_ckpt, tmp_path / "ft", TrainConfig(epochs=1, lr=1e-3, batch_size=8, device="cpu"))
    base = load_qwen_vl(tiny_ckpt).model.state_dict()
    tuned = load_qwen_vl(tmp_path / "ft").model.state_dict()
    visual = [k for k in base if ".visual." in k]
    language = [k for k in base if ".language_model.layers." in k]
    assert visual and language
    assert all(torch.equal(base[k], tuned[k]) for k in visual)
    assert any(not torch.equal(base[k], tuned[k]) for k in language)


def test_cli_lora_training_merges_adapters_into_a_loadable_checkpoint(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, kinds = tiny_data
    out = tmp_path / "lora"
    argv = [
        "train",
        "--data",
        str(root),
        "--model",
        str(tiny_ckpt),
        "--out",
        str(out),
        "--lora",
        "--epochs",
        "1",
        "--lr",
        "1e-3",
        "--batch-size",
        "8",
        "--device",
        "cpu",
    ]
    assert main(argv) == 0
    tuned = load_qwen_vl(out).model.state_dict()
    base = load_qwen_vl(tiny_ckpt).model.state_dict()
    assert set(tuned) == set(base)  # adapters merged: plain Qwen2.5-VL weights, no lora_ keys
    changed = [k for k in base if not torch.equal(base[k], tuned[k])]
    assert changed and all("language_model" in k and k.endswith(("proj.weight",)) for k in changed)
    scores, _ = yes_scores(out, root, kinds)
    assert np.all((scores >= 0) & (scores <= 1))


def test_bad_settings_are_refused(tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, _ = tiny_data
    from camerabench.errors import CameraBenchError

    with pytest.raises(CameraBenchError):
        train(root, tiny_ckpt, tmp_path / "x", TrainConfig(epochs=0))
    assert not (tmp_path / "x").exists()


def test_bfloat16_mixed_precision_training_saves_a_bfloat16_checkpoint(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    root, _ = tiny_data
    config = TrainConfig(epochs=2, lr=1e-3, batch_size=8, captions=False, device="cpu", dtype="bfloat16")
    result = train(root, tiny_ckpt, tmp_path / "bf16", config)
    assert all(np.isfinite(result.epoch_losses)) and result.epoch_losses[-1] < result.epoch_losses[0]
    weights = load_file(tmp_path / "bf16" / "model.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.bfloat16}
    assert load_qwen_vl(tmp_path / "bf16", dtype="bfloat16").dtype == torch.bfloat16


def add_mcq_table(src: Path, dst: Path, kinds: dict[str, str]) -> list[MCQRow]:
    """A copy of the dataset at ``src`` plus a camera-movement table: the right option is "Pan right"
    for the panning clips and "Static shot" for the still ones, with the letters alternating."""
    shutil.copytree(src, dst)
    rows = []
    for i, (name, kind) in enumerate(sorted(kinds.items())):
        texts = ["Pan right", "Static shot"] if i % 2 == 0 else ["Static shot", "Pan right"]
        options = dict(zip("AB", texts, strict=True))
        answer = next(k for k, v in options.items() if v == ("Pan right" if kind == "pan" else "Static shot"))
        q = "Which camera movement does this video show?"
        rows.append(MCQRow(str(i), "cm", ("video",), (f"videos/{name}",), q, options, answer, "camera movement", 0))
    write_mcq_table(dst / "labels" / "shotbench" / "cm.tsv", rows)
    return rows


def test_sft_learns_to_answer_mcq_rows_with_their_letter(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    src, kinds = tiny_data
    root = tmp_path / "data"
    rows = add_mcq_table(src, root, kinds)
    examples = build_examples(Dataset(root), captions=False)
    mcq = [e for e in examples if e.kind == "mcq"]
    assert sorted((e.prompt, e.answer) for e in mcq) == sorted((qwen.mcq_prompt(r), r.answer) for r in rows)
    assert len(build_examples(Dataset(root), captions=False, mcq=False)) == 16
    shutil.rmtree(root / "labels" / "binary_classification")  # train on the MCQ rows alone
    assert [e.kind for e in build_examples(Dataset(root), captions=False)] == ["mcq"] * 4

    def letter_mass(ckpt: Path) -> float:
        """Mean next-token probability of an option letter after the MCQ prompt (at the predictor's
        MCQ media budget): the model answers with a letter."""
        vl = load_qwen_vl(ckpt, device="cpu")
        mass = []
        for r in rows:
            content = [*qwen.encode_media(vl, r, r.media(root)), qwen.mcq_prompt(r)]
            mass.append(sum(qwen.option_probabilities(vl, content, list(r.options)).values()))
        return float(np.mean(mass))

    mass_before = letter_mass(tiny_ckpt)
    config = TrainConfig(epochs=8, lr=5e-3, batch_size=1, captions=False, device="cpu")
    result = train(root, tiny_ckpt, tmp_path / "ft", config)
    assert result.num_examples == 4 and result.epoch_losses[-1] < 0.5 * result.epoch_losses[0]
    mass_after = letter_mass(tmp_path / "ft")
    assert mass_before < 0.01 and mass_after > 0.5, (mass_before, mass_after)


def test_mcq_media_budget_matches_the_predictor() -> None:
    assert (vlm_config.MCQ_FPS, vlm_config.MCQ_MAX_PIXELS) == (qwen.MCQ_FPS, qwen.MCQ_MAX_PIXELS)
    assert (TrainConfig().mcq_fps, TrainConfig().mcq_max_pixels) == (qwen.MCQ_FPS, qwen.MCQ_MAX_PIXELS)
