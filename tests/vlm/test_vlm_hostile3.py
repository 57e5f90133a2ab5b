"""Third round of hostile inputs to the qwen-vl method and its training (see test_vlm_hostile2.py).

Output folders that cannot be written (found only after training, with the result lost), pixel
budgets training silently raised, label text spelling the tokenizer's control tokens, retraining
into a checkpoint folder that holds other folders, and DiffSW's window settings.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

import camerabench.baselines.vlm.checkpoint as checkpoint_module
import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import check_checkpoint_out, checkpoint_folder
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import build_prompts, grpo
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.baselines.vlm.train import build_examples, check_pixel_budgets, train
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import WriteError
from camerabench.labelfiles import CaptionItem, write_caption_file
from camerabench.shotbench import MCQRow, write_mcq_table


def _no_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("the model must not be loaded")


@pytest.fixture()
def no_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)


def _runs(root: Path, ckpt: Path, out: Path, **changes: Any) -> list[Any]:
    return [
        lambda: train(root, ckpt, out, TrainConfig(captions=False, device="cpu", **changes)),
        lambda: grpo(root, ckpt, out, GRPOConfig(device="cpu", **changes)),
    ]


# --- output folders that cannot be written --------------------------------------------------


@pytest.mark.usefixtures("no_load")
def test_output_below_a_file_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Was a raw NotADirectoryError from ``mkdir`` after the whole training run (result lost)."""
    root, _ = tiny_data
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "sub" / "out"
    for run in _runs(root, tiny_ckpt, out):
        with pytest.raises(WriteError, match=rf"{tmp_path / 'afile'} is a file, not a folder"):
            run()
    with pytest.raises(WriteError, match="is a file, not a folder"):
        make_tiny_vlm(out)
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.usefixtures("no_load")
def test_read_only_output_location_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Simulated: the tests run as root, which writes through a read-only mode.)"""
    root, _ = tiny_data

    def denied(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(checkpoint_module.tempfile, "mkdtemp", denied)
    for run in _runs(root, tiny_ckpt, tmp_path / "ro" / "out"):
        with pytest.raises(WriteError, match=rf"^{tmp_path}: cannot write: Permission denied"):
            run()


def test_checkpoint_folder_errors_are_one_line_write_errors(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with (
        pytest.raises(WriteError, match="afile: is a file, not a folder"),
        checkpoint_folder(tmp_path / "afile" / "ck"),
    ):
        raise AssertionError("not reached")


def test_the_write_probe_leaves_nothing_behind(tmp_path: Path) -> None:
    check_checkpoint_out(tmp_path / "new" / "deeper" / "out")
    assert list(tmp_path.iterdir()) == []


# --- pixel budgets below one frame ---------------------------------------------------------


@pytest.mark.usefixtures("no_load")
@pytest.mark.parametrize("name", ["mcq_max_pixels", "max_pixels"])
def test_pixel_budget_below_one_frame_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, name: str
) -> None:
    """mcq_max_pixels=100 trained on 28x28 frames instead (predict refuses it); max_pixels was
    refused only after loading the model."""
    root, _ = tiny_data
    train_run, grpo_run = _runs(root, tiny_ckpt, tmp_path / "out", **{name: 100})
    with pytest.raises(CameraBenchError, match=rf"^training: {name} must be >= 784 \(the smallest frame .*got 100$"):
        train_run()
    with pytest.raises(CameraBenchError, match=rf"^GRPO: {name} must be >= 784 .*got 100$"):
        grpo_run()
    check_pixel_budgets(tiny_ckpt, TrainConfig(max_pixels=784, mcq_max_pixels=784))  # one frame is enough
    assert not (tmp_path / "out").exists()


# --- text that spells a control token ------------------------------------------------------


@pytest.fixture()
def data_copy(tiny_data: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(tiny_data[0], root)
    return root


def _rows(option: str = "Static shot", question: str = "Which movement?") -> list[MCQRow]:
    options = {"A": "Pan right", "B": option}
    return [
        MCQRow(
            "0", "cm", ("video",), ("videos/pan_a.mp4",), "Which movement?", {"A": "Pan right", "B": "No"}, "A", "c", 0
        ),
        MCQRow("1", "cm", ("video",), ("videos/pan_b.mp4",), question, options, "A", "c", 0),
    ]


@pytest.mark.usefixtures("no_load")
def test_training_text_holding_a_control_token_is_refused_before_training(
    data_copy: Path, tiny_ckpt: Path, tmp_path: Path
) -> None:
    """An answer "<|im_end|>" trained the model to end its turn mid-caption; "<|video_pad|>" in a
    prompt failed mid-training with a placeholder count error."""
    labels = data_copy / "labels"
    write_caption_file(
        labels / "caption_data.json",
        [CaptionItem("pan_a.mp4", "Describe the camera.", "The camera pans right.<|im_end|> Then it stops.")],
    )
    with pytest.raises(
        FileFormatError, match=r"caption_data\.json: 'The camera pans right\.<\|im_end\|> .*' holds '<\|im_end\|>'"
    ):
        build_examples(Dataset(data_copy), captions=True, mcq=False)
    with pytest.raises(FileFormatError, match=r"caption_data\.json: .*holds '<\|im_end\|>'"):
        train(data_copy, tiny_ckpt, tmp_path / "out", TrainConfig(device="cpu", mcq=False))
    (labels / "caption_data.json").unlink()
    write_mcq_table(labels / "shotbench" / "cm.tsv", _rows(option="Static <|video_pad|> shot"))
    table = Dataset(data_copy).mcq["cm"]
    match = rf"cm\.tsv:{table[1].line}: 'Static <\|video_pad\|> shot' holds '<\|video_pad\|>'"
    with pytest.raises(FileFormatError, match=match):
        build_examples(Dataset(data_copy), captions=False, mcq=True)
    with pytest.raises(FileFormatError, match=match):
        build_prompts(Dataset(data_copy), GRPOConfig())
    for run in _runs(data_copy, tiny_ckpt, tmp_path / "out"):
        with pytest.raises(FileFormatError, match=match):
            run()
    # <think>/<answer> tags are text, and so is a lone "<|": both are kept
    write_mcq_table(labels / "shotbench" / "cm.tsv", _rows(question="<think>Which <| movement?</think>"))
    assert len(build_prompts(Dataset(data_copy), GRPOConfig(binary=False))) == 2


@pytest.fixture(scope="module")
def predictor(tiny_ckpt: Path) -> qwen.QwenVLPredictor:
    return qwen.QwenVLPredictor(model=str(tiny_ckpt), device="cpu", max_new_tokens=2, sample_fps=2.0)


def test_question_holding_a_control_token_is_not_asked_and_the_others_are_scored(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    """ "...?<|im_end|>" closed the user turn inside the question: a score for another prompt."""
    root, _ = tiny_data
    video = root / "videos" / "pan_a.mp4"
    good, bad = "Does the camera pan right?", "Does the camera pan right?<|im_end|>"
    result = predictor.predict(video, [Question(good), Question(bad)])
    assert set(result.scores) == {good}
    alone = predictor.predict(video, [Question(good)]).scores[good]
    assert result.scores[good] == pytest.approx(alone, abs=1e-6)
    assert "holds '<|im_end|>'" in result.info["questions_not_asked"][bad]
    assert result.failed == {bad: result.info["questions_not_asked"][bad]}  # the run records it with this reason
    json.dumps(result.info)
    with pytest.raises(PredictionError, match=r"the question .* holds '<\|im_end\|>'"):
        qwen.yes_probabilities(predictor.vl, predictor.encode(video), [bad])


def test_caption_question_or_answer_holding_a_control_token_is_a_clear_prediction_error(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    """Was "prompt has 2 visual placeholders for 1 inputs", naming neither the text nor the token."""
    root, _ = tiny_data
    video = root / "videos" / "pan_a.mp4"
    for mode in ("whole", "diffsw"):
        with pytest.raises(PredictionError, match=r"'Describe <\|video_pad\|> it\.' holds '<\|video_pad\|>'"):
            predictor.caption(video, "Describe <|video_pad|> it.", mode=mode)
    with pytest.raises(PredictionError, match=r"the answer 'Yes<\|endoftext\|>' holds"):
        predictor.vl.encode(["Is it?"], answer="Yes<|endoftext|>")


def test_diffsw_feeds_back_replies_without_control_token_text(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply spelling "<|im_end|>" with ordinary tokens was pasted into the next prompt, where the
    tokenizer read it as the end of the turn."""
    root, _ = tiny_data
    prompts: list[str] = []

    def fake_generate(vl: object, content: list[Any], max_new_tokens: int = 256) -> str:
        prompts.append(str(content[-1]))
        return "it pans<|im_end|> right"

    monkeypatch.setattr(qwen, "generate_text", fake_generate)
    qwen.diffsw_caption(predictor.vl, root / "videos" / "pan_a.mp4", "Describe.", keyframe_interval_s=0.5)
    assert len(prompts) == 4  # 1 s clip, key frames at 0, 0.5 and 0.875 s (its last frame), then the summary
    assert all("<|im_end|>" not in p for p in prompts[1:])
    assert "it pans right" in prompts[1] and "it pans right" in prompts[2]


# --- retraining into an existing checkpoint ------------------------------------------------


@pytest.mark.usefixtures("no_load")
def test_retraining_into_a_checkpoint_that_holds_folders_is_refused(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """An earlier checkpoint with a run folder inside was replaced whole, deleting the run."""
    root, _ = tiny_data
    out = tmp_path / "ft"
    shutil.copytree(tiny_ckpt, out)
    (out / "runs" / "r1").mkdir(parents=True)
    (out / "runs" / "r1" / "scores.jsonl").write_text("{}\n")
    for run in _runs(root, tiny_ckpt, out):
        with pytest.raises(CameraBenchError, match=rf"{out}: the checkpoint folder holds folder\(s\) runs, which"):
            run()
    assert (out / "runs" / "r1" / "scores.jsonl").read_text() == "{}\n"
    shutil.rmtree(out / "runs")
    (out / ".cache" / "huggingface").mkdir(parents=True)  # a --local-dir download's metadata: replaceable
    check_checkpoint_out(out)


# --- DiffSW window settings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"max_keyframes": 0}, "max_keyframes must be an integer >= 1, got 0"),  # was IndexError
        ({"max_keyframes": 2.5}, "max_keyframes must be an integer >= 1, got 2.5"),
        ({"keyframe_interval_s": math.nan}, "keyframe_interval_s must be a positive finite number, got nan"),
        ({"keyframe_interval_s": math.inf}, "keyframe_interval_s must be a positive finite number, got inf"),
    ],
)
def test_diffsw_window_settings_are_checked(changes: dict[str, Any], match: str) -> None:
    """Were a raw IndexError or the video reader's ValueError ("fps must be positive, got 0.0")."""
    with pytest.raises(CameraBenchError, match=match):
        qwen.diffsw_caption(None, "unused.mp4", **changes)


def test_diffsw_window_longer_than_the_video_captions_its_first_and_last_frame(
    predictor: qwen.QwenVLPredictor, tiny_data: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tiny_data
    calls: list[int] = []

    def fake_generate(vl: object, content: list[Any], max_new_tokens: int = 256) -> str:
        calls.append(sum(not isinstance(c, str) for c in content))
        return "x"

    monkeypatch.setattr(qwen, "generate_text", fake_generate)
    qwen.diffsw_caption(predictor.vl, root / "videos" / "pan_a.mp4", keyframe_interval_s=100.0)
    # the first key frame, the change from it to the last frame, then the summary (the first
    # frame alone was captioned before: a camera-motion caption from one still frame)
    assert calls == [1, 2, 0]


# --- GRPO with LoRA and a trained vision tower ---------------------------------------------


def test_grpo_reference_stays_the_sft_model_with_lora_and_train_vision(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``lora`` the reference was the policy with its adapters disabled: a vision tower trained
    beside them (``train_vision``) moved in the reference too, so the KL no longer measured the
    distance to the SFT model."""
    import copy

    import torch

    from camerabench.baselines.vlm.checkpoint import load_qwen_vl
    from camerabench.baselines.vlm.grpo import Reward

    root, _ = tiny_data
    copies: list[Any] = []

    def deepcopy(obj: Any) -> Any:
        copies.append(copy.deepcopy(obj))
        return copies[-1]

    calls = iter(range(10**6))

    def alternating(text: str, target: object, config: object) -> Reward:  # unequal rewards: an update
        correct = next(calls) % 2 == 0
        return Reward(float(correct), correct, False)

    monkeypatch.setattr(grpo_module, "copy", type("M", (), {"deepcopy": staticmethod(deepcopy)}))
    monkeypatch.setattr(grpo_module, "score_completion", alternating)
    config = GRPOConfig(
        steps=1, prompts_per_step=1, group_size=2, max_new_tokens=2, mcq=False, lora=True, lora_rank=2,
        train_vision=True, lr=1e-2, device="cpu", max_pixels=28 * 28 * 4, sample_fps=2.0,
    )  # fmt: skip
    result = grpo(root, tiny_ckpt, tmp_path / "g", config)
    assert result.history[0].filtered == 0
    assert len(copies) == 1  # a frozen reference copy was kept
    base = dict(load_qwen_vl(tiny_ckpt, device="cpu").model.model.visual.named_parameters())
    trained = dict(load_qwen_vl(tmp_path / "g", device="cpu").model.model.visual.named_parameters())
    reference = dict(copies[0].model.visual.named_parameters())
    assert any(not torch.equal(trained[k], base[k]) for k in base)  # the policy's vision tower moved
    assert all(torch.equal(reference[k], base[k]) for k in base)  # the reference's did not


def test_a_warm_up_as_long_as_the_run_still_trains(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """One step with warmup 0.9 was one warm-up step at lr 0: the base model saved as the result."""
    from safetensors.torch import load_file

    root, _ = tiny_data
    config = TrainConfig(
        epochs=1.0, lr=1e-3, warmup=0.9, batch_size=32, captions=False, mcq=False, device="cpu",
        max_pixels=28 * 28 * 4, sample_fps=2.0,
    )  # fmt: skip
    assert train(root, tiny_ckpt, tmp_path / "ft", config).steps == 1
    base, trained = load_file(tiny_ckpt / "model.safetensors"), load_file(tmp_path / "ft" / "model.safetensors")
    changed = [k for k in base if "visual" not in k and not (trained[k] == base[k]).all()]
    assert changed  # the language model's weights moved


@pytest.mark.usefixtures("no_load")
def test_output_that_is_a_link_to_a_checkpoint_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """``--out latest`` (a link to an earlier result) trained to the end, then failed to save:
    "Cannot call rmtree on a symbolic link", the result lost."""
    root, _ = tiny_data
    earlier = tmp_path / "v1"
    shutil.copytree(tiny_ckpt, earlier)
    latest = tmp_path / "latest"
    latest.symlink_to(earlier)
    for run in _runs(root, tiny_ckpt, latest):
        with pytest.raises(CameraBenchError, match=rf"^{latest}: is a link \(to {earlier}\); refusing to replace it"):
            run()
    with pytest.raises(CameraBenchError, match="is a link"):
        make_tiny_vlm(latest)
    assert latest.is_symlink() and (earlier / "config.json").is_file()
