"""Training text longer than the model's positions, found before the model loads; repeated caption
items on one line named by their index.

input -> old -> new:

- a caption of 40,000 words (``camerabench train``): the model loaded, every medium was decoded and
  optimiser steps ran, then "training stopped by PredictionError ... the prompt is 120077 tokens (36 of
  them visual), longer than the 32768 positions", naming no label file, item or video -> refused
  before the media are decoded and the weights load, by a FileFormatError naming caption_data.json,
  the item's line and index, its video and the token counts.
- an MCQ row whose question is longer than the model's positions (SFT and GRPO): the same, found
  mid-run -> refused first, naming the table, the row's line and its media.
- a one-line caption_data.json with repeated items: "caption_data.json:1: repeats line 1 exactly",
  once per repeat -> "caption_data.json:1: item 6 repeats item 0 exactly".

The tiny checkpoint and clips are the session fixtures of ``conftest.py``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.compat import VisualInputs
from camerabench.baselines.vlm.grpo import GRPOConfig, grpo
from camerabench.baselines.vlm.train import TrainConfig, build_examples, train
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError, PredictionError
from camerabench.labelfiles import CAPTION_QUESTION, read_caption_file
from camerabench.shotbench import MCQRow, write_mcq_table

from .conftest import edited_copy

#: 40,000 words: more tokens than the tiny checkpoint's 32768 positions (the red-team reproducer's caption).
LONG = "word " * 40_000
#: 12,000 words (about 36,000 tokens of the tiny tokenizer): within a TSV field's 131,072 characters.
LONG_QUESTION = "word " * 12_000


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded or the media decoded: the refusal should come first")


def _copy(tiny_data: tuple[Path, dict[str, str]], dst: Path) -> Path:
    shutil.copytree(tiny_data[0], dst)
    return dst


def _long_caption(root: Path, index: int) -> tuple[Path, str]:
    """Make item ``index`` of the caption file a 40,000-word caption; returns the file and its video."""
    path = root / "labels" / "caption_data.json"
    items = json.loads(path.read_text())
    items[index]["answer"] = LONG
    path.write_text(json.dumps(items, indent=4))
    return path, items[index]["video"]


def _long_mcq(root: Path, kinds: dict[str, str], long_row: int) -> Path:
    """A camera-movement table whose row ``long_row`` asks a 12,000-word question."""
    rows = [
        MCQRow(
            str(i),
            "cm",
            ("video",),
            (f"videos/{name}",),
            LONG_QUESTION if i == long_row else "How does the camera move?",
            {"A": "Pan right", "B": "Static shot"},
            "AB"[i % 2],
            "camera movement",
            0,
        )
        for i, name in enumerate(sorted(kinds))
    ]
    table = root / "labels" / "shotbench" / "cm.tsv"
    write_mcq_table(table, rows)
    return table


def test_long_caption_is_refused_before_the_media_and_the_model(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(tiny_data, tmp_path / "data")
    path, video = _long_caption(root, 2)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(train_module, "check_media_decode", _no_load)
    with pytest.raises(FileFormatError) as info:
        train(root, tiny_ckpt, tmp_path / "out", TrainConfig(epochs=1, mcq=False, device="cpu"))
    err = info.value
    # json.dumps(indent=4): item 2 starts on line 12 (each item takes 5 lines after the "[")
    assert (err.path, err.line) == (path, 12)
    assert re.search(
        rf"item 2 \(video '{re.escape(video)}'\): the caption training example's text is \d+ tokens "
        r"\(prompt \d+, answer and its closing <\|im_end\|> \d+\) before any visual token, more than the 32768 "
        r"positions of .* \(config.json max_position_embeddings\); shorten the caption",
        str(err),
    ), str(err)
    assert not (tmp_path / "out").exists()


def test_the_count_is_the_text_of_the_example_training_encodes(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-check counts exactly the text tokens ``QwenVL.encode`` builds (prompt and answer, not the
    visual ones): a limit of that many passes, one fewer is refused."""
    data = Dataset(tiny_data[0])
    examples = [e for e in build_examples(data, mcq=False) if e.kind == "caption"][:1]
    vl = load_qwen_vl(tiny_ckpt, device="cpu", dtype="float32")
    probe = VisualInputs(torch.zeros(0), (1, 1, 1), 1, 1.0, 1.0)  # one visual token
    text_tokens = len(vl.encode([probe, examples[0].prompt], answer=examples[0].answer)) - 1
    monkeypatch.setattr(train_module, "_max_positions", lambda model_dir: text_tokens)
    train_module.check_text_lengths(
        tiny_ckpt, data, examples
    )  # fits exactly: the visual tokens are checked in training
    monkeypatch.setattr(train_module, "_max_positions", lambda model_dir: text_tokens - 1)
    with pytest.raises(FileFormatError, match=rf"text is {text_tokens} tokens .* more than the {text_tokens - 1}"):
        train_module.check_text_lengths(tiny_ckpt, data, examples)


def test_long_mcq_row_is_refused_naming_its_table_and_line_sft_and_grpo(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(tiny_data, tmp_path / "data")
    table = _long_mcq(root, tiny_data[1], long_row=1)
    media = f"videos/{sorted(tiny_data[1])[1]}"
    for module in (train_module, grpo_module):
        monkeypatch.setattr(module, "load_qwen_vl", _no_load)
        monkeypatch.setattr(module, "check_media_decode", _no_load)
    with pytest.raises(FileFormatError, match=r"shorten the question or its options") as info:
        train(root, tiny_ckpt, tmp_path / "sft", TrainConfig(epochs=1, captions=False, device="cpu"))
    assert (info.value.path, info.value.line) == (table, 3)  # the header, then row 0 on line 2
    assert f"row 1 (media '{media}')" in str(info.value)
    config = GRPOConfig(steps=1, binary=False, prompts_per_step=1, group_size=2, max_new_tokens=8, device="cpu")
    with pytest.raises(FileFormatError, match=r"leaving no room for a completion token") as info:
        grpo(root, tiny_ckpt, tmp_path / "grpo", config)
    assert (info.value.path, info.value.line) == (table, 3)
    assert "the mcq GRPO example's text is" in str(info.value)


def test_repeated_caption_items_on_one_line_are_named_by_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items = [{"video": f"v{i}.mp4", "question": CAPTION_QUESTION, "answer": f"Pan {i}."} for i in range(3)]
    one_line = tmp_path / "one" / "caption_data.json"
    one_line.parent.mkdir()
    one_line.write_text(json.dumps([*items, items[0], items[2]]))
    with caplog.at_level(logging.WARNING):
        assert read_caption_file(one_line) == read_caption_file(one_line)[:3]
    assert f"{one_line}:1: item 3 repeats item 0 exactly" in caplog.text
    assert f"{one_line}:1: item 4 repeats item 2 exactly" in caplog.text
    assert "repeats line 1" not in caplog.text
    caplog.clear()
    lines = tmp_path / "lines" / "caption_data.json"
    lines.parent.mkdir()
    lines.write_text("[\n" + ",\n".join(json.dumps(i) for i in [*items, items[1]]) + "\n]")
    with caplog.at_level(logging.WARNING):
        assert len(read_caption_file(lines)) == 3
    # items on lines of their own: the lines tell them apart, and are kept beside the indices
    assert f"{lines}:5: repeats line 3 exactly (item 3 repeats item 1)" in caplog.text


def test_prompt_too_long_with_its_visual_tokens_names_the_example(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path
) -> None:
    """The text fits (the pre-check passes) but not with the video's tokens: the in-training check still
    refuses it, now naming the example's kind and video (it named neither)."""
    ckpt = edited_copy(tiny_ckpt, tmp_path / "short", "config.json", _positions(64))
    config = TrainConfig(epochs=0.1, batch_size=1, captions=False, mcq=False, device="cpu")
    with pytest.raises(
        PredictionError, match=r"^binary example of \S+\.mp4: the prompt is \d+ tokens \(\d+ of them visual\)"
    ):
        train(tiny_data[0], ckpt, tmp_path / "out", config)


def _positions(n: int) -> Any:
    def change(cfg: dict[str, Any]) -> None:
        cfg["text_config"]["max_position_embeddings"] = n

    return change
