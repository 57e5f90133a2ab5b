"""Label text and checkpoints that passed every check and failed late (red team R55).

input -> old -> new:

- a lone surrogate (JSON ``"\\udcff"``) in caption_data.json's answer: ``camerabench train`` stopped with
  a tokenizer ``TypeError`` traceback (check_text_lengths); in a VQA question it was read, and the run
  stopped while writing scores.jsonl, advising ``--resume``, which could not help -> refused where the
  labels are read, naming the file, the line (item) and the field.
- SFT or GRPO on yes/no labels from a checkpoint whose tokenizer has no single "Yes" token: trained
  without a word, then ``predict`` failed every video -> refused before the weights load; training on
  captions alone goes on, with a warning.
- a GRPO run whose completions were all unparsed and which made no update: "the run learnt from the
  format term alone" -> "no step ... made an update, so the run learnt nothing"; with accuracy weight 0
  the format term alone is said to be as set.

The tiny checkpoint and clips are the session fixtures of ``conftest.py``.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

import pytest
from transformers import AutoTokenizer

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.grpo import GRPOConfig, StepStats, grpo
from camerabench.baselines.vlm.train import TrainConfig, train
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.labelfiles import CAPTION_QUESTION, read_caption_file, read_vqa_file

SURROGATE = "\udcff"


class _ReachedMediaError(Exception):
    """Raised where the run would start decoding media (every check before it passed)."""


def _stop_at_media(monkeypatch: pytest.MonkeyPatch) -> None:
    def reached(*args: object, **kwargs: object) -> None:
        raise _ReachedMediaError

    for module in (train_module, grpo_module):
        monkeypatch.setattr(module, "check_media_decode", reached)
        monkeypatch.setattr(module, "load_qwen_vl", reached)


# --------------------------------------------------------------------------- lone surrogates in label text


def _vqa_row(**change: str) -> dict[str, object]:
    row: dict[str, object] = {
        "skill": "has_translation",
        "task": "has_forward_motion",
        "pos_video": "a.mp4",
        "neg_video": "b.mp4",
        "pos_text": "The camera moves forward.",
        "neg_text": "The camera does not move forward.",
        "pos_question": "Is the camera moving forward?",
        "neg_question": "Is the camera free from any forward motion?",
    }
    row.update(change)
    row["images"], row["texts"] = [row["pos_video"], row["neg_video"]], [row["pos_text"], row["neg_text"]]
    return row


@pytest.mark.parametrize("field", ["pos_question", "neg_question", "pos_text", "skill"])
def test_a_lone_surrogate_in_a_vqa_text_is_refused_naming_file_line_and_field(tmp_path: Path, field: str) -> None:
    path = tmp_path / "has_forward_motion.jsonl"
    rows = [_vqa_row(), _vqa_row(**{field: f"Is {SURROGATE} moving?"})]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))  # json writes the escape "\udcff"
    assert "\\udcff" in path.read_text()
    with pytest.raises(FileFormatError, match=rf":2: '{field}' holds a lone surrogate escape, not text") as err:
        read_vqa_file(path)
    assert str(path) in str(err.value)
    path.write_text(json.dumps(rows[0]) + "\n")  # the same file without it reads
    assert len(read_vqa_file(path)) == 1


@pytest.mark.parametrize("field", ["answer", "question"])
def test_a_lone_surrogate_in_a_caption_is_refused_naming_its_item(tmp_path: Path, field: str) -> None:
    items = [
        {"video": "a.mp4", "question": CAPTION_QUESTION, "answer": "The camera pans right."},
        {"video": "b.mp4", "question": CAPTION_QUESTION, "answer": "The camera stays."},
    ]
    items[1][field] = f"The camera {SURROGATE} stays."
    path = tmp_path / "caption_data.json"
    path.write_text(json.dumps(items, indent=4))
    with pytest.raises(FileFormatError, match=rf"caption_data.json:\d+: item 1: '{field}' holds a lone surrogate"):
        read_caption_file(path)


def test_training_on_a_caption_with_a_lone_surrogate_is_refused_before_the_model_loads(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was a tokenizer TypeError traceback from check_text_lengths."""
    _stop_at_media(monkeypatch)
    data = tmp_path / "data"
    shutil.copytree(tiny_data[0], data)
    captions = data / "labels" / "caption_data.json"
    items = json.loads(captions.read_text())
    items[0]["answer"] = f"The camera {SURROGATE} pans."
    captions.write_text(json.dumps(items))
    config = TrainConfig(device="cpu", mcq=False)
    with pytest.raises(FileFormatError, match=r"caption_data.json:1: item 0: 'answer' holds a lone surrogate escape"):
        train(data, tiny_ckpt, tmp_path / "out", config)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- a tokenizer without a one-token "Yes"


@pytest.fixture(scope="module")
def no_yes_ckpt(tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny checkpoint whose tokenizer has no single token "Yes" (its vocabulary entry renamed
    "Yeq", the merges making it or using it dropped): "Yes" encodes as two or more tokens."""
    dst = tmp_path_factory.mktemp("noyes") / "noyes"
    shutil.copytree(tiny_ckpt, dst)
    path = dst / "tokenizer.json"
    doc = json.loads(path.read_text())
    vocab = doc["model"]["vocab"]
    vocab["Yeq"] = vocab.pop("Yes")

    def parts(merge: str | list[str]) -> list[str]:
        return merge if isinstance(merge, list) else merge.split(" ")

    doc["model"]["merges"] = [m for m in doc["model"]["merges"] if "Yes" not in parts(m) and "".join(parts(m)) != "Yes"]
    path.write_text(json.dumps(doc))
    assert len(AutoTokenizer.from_pretrained(tiny_ckpt).encode("Yes", add_special_tokens=False)) == 1
    assert len(AutoTokenizer.from_pretrained(dst).encode("Yes", add_special_tokens=False)) > 1
    return dst


def test_sft_on_yes_no_labels_without_a_one_token_yes_is_refused_before_the_model_loads(
    no_yes_ckpt: Path,
    tiny_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stop_at_media(monkeypatch)
    config = TrainConfig(device="cpu", mcq=False)
    with pytest.raises(CameraBenchError, match=r"'Yes' is not a single token .* could never be scored") as err:
        train(tiny_data[0], no_yes_ckpt, tmp_path / "out", config)
    assert str(no_yes_ckpt) in str(err.value)
    assert "yes/no examples" in str(err.value)
    assert not (tmp_path / "out").exists()
    with pytest.raises(_ReachedMediaError):  # the same data on the checkpoint with a one-token "Yes" goes on
        train(tiny_data[0], tiny_ckpt, tmp_path / "out", config)


def test_grpo_on_yes_no_prompts_without_a_one_token_yes_is_refused_before_the_model_loads(
    no_yes_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stop_at_media(monkeypatch)
    with pytest.raises(CameraBenchError, match=r"'Yes' is not a single token .* could never be scored"):
        grpo(tiny_data[0], no_yes_ckpt, tmp_path / "out", GRPOConfig(device="cpu", mcq=False))


def test_caption_only_sft_without_a_one_token_yes_goes_on_with_a_warning(
    no_yes_ckpt: Path,
    tiny_data: tuple[Path, dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _stop_at_media(monkeypatch)
    data = tmp_path / "data"
    shutil.copytree(tiny_data[0], data)
    for label_file in (data / "labels" / "binary_classification").glob("*.jsonl"):
        label_file.unlink()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"), pytest.raises(_ReachedMediaError):
        train(data, no_yes_ckpt, tmp_path / "out", TrainConfig(device="cpu", mcq=False))
    assert "'Yes' is not a single token" in caplog.text
    assert "yes/no scoring (predict) will fail on every video of the trained model" in caplog.text


# --------------------------------------------------------------------------- GRPO's end-of-run warning


def _steps(loss: float, n: int = 2) -> list[StepStats]:
    """``n`` steps of 1 group of 2 completions, both unparsed; ``loss`` NaN: the step made no update
    (its group's rewards equal); a finite ``loss``: an update (the group's rewards differed: since
    round 55 a step of equal rewards only, filtered or not, counts as no update)."""
    equal = 1 if math.isnan(loss) else 0
    return [StepStats(i, 0.0, 0.0, 0.0, math.nan, 1, 1, loss, equal_rewards=equal, unparsed=2) for i in range(1, n + 1)]


def test_grpo_warning_says_no_update_was_made_when_none_was(caplog: pytest.LogCaptureFixture) -> None:
    for weights in ((0.0, 1.0), (0.9, 0.1)):
        config = GRPOConfig(group_size=2, accuracy_weight=weights[0], format_weight=weights[1])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
            grpo_module._warn_unparsed(_steps(math.nan), config)
        assert "none of the run's 4 completions had an answer that could be read" in caplog.text
        assert "no step of the 2 made an update, so the run learnt nothing" in caplog.text
        assert "learnt from the format term" not in caplog.text


def test_grpo_warning_with_accuracy_weight_0_says_the_format_term_alone_is_as_set(
    caplog: pytest.LogCaptureFixture,
) -> None:
    history = [*_steps(0.0, 1), *_steps(math.nan, 1)]
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        grpo_module._warn_unparsed(history, GRPOConfig(group_size=2, accuracy_weight=0.0, format_weight=1.0))
    assert (
        "the accuracy term has weight 0, so the 1 of 2 step(s) that made an update (a group whose rewards differed) "
        "learnt from the format term" in caplog.text
    )
    assert "never rewarded anything" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.grpo"):
        grpo_module._warn_unparsed(history, GRPOConfig(group_size=2, accuracy_weight=0.9, format_weight=0.1))
    assert "the accuracy term (weight 0.9) never rewarded anything, so the 1 of 2 step(s) that made an update" in (
        caplog.text
    )
