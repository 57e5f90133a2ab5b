"""Hostile checkpoints, twenty-fifth round: a config.json that is not an object was reported as an
unsupported ``model_type`` 'list'; a folder holding only a tokenizer or only weights said just "no
config.json"; a tokenizer with ids past the model's embedding rows passed the up-front check; a
tokenizer without the ``<|vision_start|>`` / ``<|vision_end|>`` tokens, or whose ids disagree with
config.json's, loaded and every prompt was built from the wrong tokens without a word."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.vlm.checkpoint import check_checkpoint, load_qwen_vl
from camerabench.errors import FileFormatError

from .conftest import edited_copy


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_config_that_is_not_an_object_says_so(tiny_ckpt: Path, tmp_path: Path) -> None:
    """Was: "model_type must be one of 'qwen2_5_vl', 'qwen3_vl', got 'list'"."""
    ckpt = _copy(tiny_ckpt, tmp_path / "ckpt")
    (ckpt / "config.json").write_text("[]")
    with pytest.raises(FileFormatError, match=r"config\.json: must hold a JSON object"):
        check_checkpoint(ckpt)


def test_folder_with_only_a_tokenizer_says_what_it_holds(tiny_ckpt: Path, tmp_path: Path) -> None:
    ckpt = tmp_path / "tok"
    ckpt.mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tiny_ckpt / name, ckpt / name)
    with pytest.raises(
        FileFormatError,
        match=r"tok: not a model checkpoint folder \(no config\.json\): it holds only a tokenizer "
        r"\(tokenizer\.json, tokenizer_config\.json\), no model config or weights",
    ):
        check_checkpoint(ckpt)


def test_folder_with_only_weights_says_what_it_holds(tiny_ckpt: Path, tmp_path: Path) -> None:
    ckpt = tmp_path / "weights"
    ckpt.mkdir()
    shutil.copy(tiny_ckpt / "model.safetensors", ckpt / "model.safetensors")
    with pytest.raises(
        FileFormatError,
        match=r"weights: not a model checkpoint folder \(no config\.json\): it holds only model weights "
        r"\(model\.safetensors\), no config\.json or tokenizer",
    ):
        check_checkpoint(ckpt)


def _add_tokens(data: dict[str, object], first_id: int, count: int) -> None:
    added = data["added_tokens"]
    assert isinstance(added, list)
    for i in range(count):
        added.append(
            {
                "id": first_id + i,
                "content": f"<extra_{i}>",
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
        )


@pytest.mark.parametrize("which", ["qwen2.5", "qwen3"])
def test_tokenizer_past_the_embedding_rows_is_refused_before_loading(
    which: str, tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path
) -> None:
    """Passed check_checkpoint (run before any worker starts); only the full model load caught it."""
    src = tiny_ckpt if which == "qwen2.5" else tiny_qwen3_ckpt
    vocab = json.loads((src / "config.json").read_text())["text_config"]["vocab_size"]
    ckpt = edited_copy(src, tmp_path / "ckpt", "tokenizer.json", lambda d: _add_tokens(d, vocab, 3))
    with pytest.raises(
        FileFormatError,
        match=rf"tokenizer\.json: the tokenizer has {vocab + 3} tokens \(the last '<extra_2>'\), but the "
        rf"model's embeddings have {vocab} rows \(config\.json text_config\.vocab_size\)",
    ):
        check_checkpoint(ckpt)


def test_tokenizer_within_the_embedding_rows_passes(tiny_ckpt: Path, tmp_path: Path) -> None:
    """Spare embedding rows (published Qwen2.5-VL: 152064 rows, 151665 tokens) are fine."""
    vocab = json.loads((tiny_ckpt / "config.json").read_text())["text_config"]["vocab_size"]
    ckpt = edited_copy(tiny_ckpt, tmp_path / "ckpt", "config.json", lambda c: c["text_config"].update(vocab_size=vocab))
    assert check_checkpoint(ckpt) == "current"


def _rename_token(ckpt: Path, token: str) -> None:
    """The tokenizer of another model family: ``token``'s id holds another token (``<|other_N|>``)."""
    other = "<|other_" + str(len(token)) + "|>"
    tok = json.loads((ckpt / "tokenizer.json").read_text())
    for added in tok["added_tokens"]:
        if added["content"] == token:
            added["content"] = other
    (ckpt / "tokenizer.json").write_text(json.dumps(tok))
    cfg = json.loads((ckpt / "tokenizer_config.json").read_text())
    cfg["extra_special_tokens"] = [other if t == token else t for t in cfg.get("extra_special_tokens", [])]
    (ckpt / "tokenizer_config.json").write_text(json.dumps(cfg))


@pytest.mark.parametrize(
    ("which", "token"),
    [("qwen2.5", "<|vision_start|>"), ("qwen3", "<|vision_start|>"), ("qwen2.5", "<|vision_end|>")],
)
def test_tokenizer_without_a_vision_token_is_refused_at_load(
    which: str, token: str, tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path
) -> None:
    """Loaded; every prompt then held the token's text as a dozen ordinary tokens."""
    ckpt = _copy(tiny_ckpt if which == "qwen2.5" else tiny_qwen3_ckpt, tmp_path / "ckpt")
    _rename_token(ckpt, token)
    with pytest.raises(FileFormatError, match=r"tokenizer\.json: the tokenizer has no " + re.escape(token) + " token"):
        load_qwen_vl(ckpt, device="cpu")


def test_vision_end_id_disagreeing_with_the_tokenizer_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    cfg = json.loads((tiny_ckpt / "config.json").read_text())
    right = cfg["vision_end_token_id"]
    ckpt = edited_copy(tiny_ckpt, tmp_path / "ckpt", "config.json", lambda c: c.update(vision_end_token_id=right + 1))
    with pytest.raises(
        FileFormatError,
        match=rf"config\.json: vision_end_token_id is {right + 1}, "
        rf"but the tokenizer's <\|vision_end\|> is token {right}",
    ):
        load_qwen_vl(ckpt, device="cpu")
