"""Red-team review R91 of the Qwen-VL checkpoint folder checks.

1. Integer (or bool) weight tensors in an unquantized checkpoint were cast to float as their raw
   values (int8 ``round(w * 100)``: scores off by up to 0.99995) and loaded without a word. Now
   refused by the pre-flight check, naming the file, the tensor and its dtype (safetensors and
   torch ``.bin``).
2. A tensor in two shards loaded from the one the index does not name (transformers reads every
   shard; the last copy wins), and an index naming a shard that lacks the tensor loaded anyway. Both
   refused now, naming the files.
3. A bad ``tokenizer_config.json`` (an ``eos_token`` tokenizer.json lacks, another model's
   ``tokenizer_class``) was blamed on tokenizer.json. Now the file and field are named.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file, save_file

from camerabench.baselines.vlm.checkpoint import _out_of_range_source, check_checkpoint, load_qwen_vl
from camerabench.errors import FileFormatError

from .conftest import edited_copy


def _refused(folder: Path, file: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message) as info:
        check_checkpoint(folder)
    assert str(info.value).startswith(str(folder / file) + ": ")


def _with_weights(src: Path, dst: Path, change: Any) -> Path:
    """A copy of ``src`` whose model.safetensors tensors are edited in place by ``change``."""
    shutil.copytree(src, dst)
    weights = load_file(dst / "model.safetensors")
    change(weights)
    save_file(weights, dst / "model.safetensors", metadata={"format": "pt"})
    return dst


# --- 1. weight dtypes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("dtype", "shown"), [(torch.int8, "I8"), (torch.bool, "BOOL"), (torch.int64, "I64")])
def test_integer_weights_are_refused(tiny_ckpt: Path, tmp_path: Path, dtype: torch.dtype, shown: str) -> None:
    def change(w: dict[str, torch.Tensor]) -> None:
        w["lm_head.weight"] = (w["lm_head.weight"] * 100).to(dtype)

    folder = _with_weights(tiny_ckpt, tmp_path / "ckpt", change)
    _refused(folder, "model.safetensors", rf"tensor lm_head\.weight is stored as {shown}: only floating-point")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_floating_weights_are_accepted(tiny_ckpt: Path, tmp_path: Path, dtype: torch.dtype) -> None:
    def change(w: dict[str, torch.Tensor]) -> None:
        for k in w:
            w[k] = w[k].to(dtype)

    assert check_checkpoint(_with_weights(tiny_ckpt, tmp_path / "ckpt", change)) == "current"


def test_integer_weights_in_a_torch_bin_are_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    weights = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save(dict(weights), folder / "pytorch_model.bin")
    assert check_checkpoint(folder) == "current"  # the float archive loads
    weights["model.norm.weight"] = weights["model.norm.weight"].to(torch.int8)
    torch.save(dict(weights), folder / "pytorch_model.bin")
    _refused(folder, "pytorch_model.bin", r"tensor model\.norm\.weight is stored as int8: only floating-point")


# --- 2. shards -------------------------------------------------------------------------------------

SHARDS = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")


def _sharded(
    src: Path, dst: Path, extra_in_second: str | None = None, index_names: dict[str, str] | None = None
) -> Path:
    """``src`` with its weights in two shards (lm_head.weight in the first, the visual tower in the
    second) and an index; ``extra_in_second``: a zeroed copy of that tensor also in shard 2;
    ``index_names``: tensor -> shard overrides of the index."""
    shutil.copytree(src, dst)
    weights = load_file(dst / "model.safetensors")
    (dst / "model.safetensors").unlink()
    first = {k: v for k, v in weights.items() if not k.startswith("visual.")}
    second = {k: v for k, v in weights.items() if k.startswith("visual.")}
    assert first and second
    if extra_in_second is not None:
        second[extra_in_second] = torch.zeros_like(weights[extra_in_second])
    save_file(first, dst / SHARDS[0], metadata={"format": "pt"})
    save_file(second, dst / SHARDS[1], metadata={"format": "pt"})
    weight_map = {k: SHARDS[0] if k in first else SHARDS[1] for k in weights}
    weight_map.update(index_names or {})
    (dst / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return dst


def test_sharded_checkpoint_is_accepted(tiny_ckpt: Path, tmp_path: Path) -> None:
    assert check_checkpoint(_sharded(tiny_ckpt, tmp_path / "ckpt")) == "current"


def test_tensor_in_two_shards_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = _sharded(tiny_ckpt, tmp_path / "ckpt", extra_in_second="lm_head.weight")
    _refused(folder, SHARDS[1], rf"tensor lm_head\.weight is also in {re.escape(SHARDS[0])}: a tensor must be in one")


def test_index_naming_a_shard_without_the_tensor_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = _sharded(tiny_ckpt, tmp_path / "ckpt", index_names={"lm_head.weight": SHARDS[1]})
    _refused(
        folder,
        "model.safetensors.index.json",
        rf"weight_map names shard {re.escape(SHARDS[1])} for tensor lm_head\.weight, but that shard does not hold "
        rf"it; {re.escape(SHARDS[0])} does",
    )


# --- 3. tokenizer_config.json named for its own tokens ---------------------------------------------


def test_eos_token_missing_from_tokenizer_json_names_tokenizer_config(tiny_ckpt: Path, tmp_path: Path) -> None:
    vocab = {t["content"]: t["id"] for t in json.loads((tiny_ckpt / "tokenizer.json").read_text())["added_tokens"]}
    rows = json.loads((tiny_ckpt / "config.json").read_text())["text_config"]["vocab_size"]
    assert max(vocab.values()) == rows - 1  # the tiny model has no spare embedding row: one more token is past them
    folder = edited_copy(
        tiny_ckpt, tmp_path / "ckpt", "tokenizer_config.json", lambda c: c.__setitem__("eos_token", "<|nonexistent|>")
    )
    _refused(
        folder, "tokenizer_config.json", r"eos_token declares '<\|nonexistent\|>', a token tokenizer\.json does not"
    )


def test_another_tokenizer_class_names_tokenizer_config(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = edited_copy(
        tiny_ckpt,
        tmp_path / "ckpt",
        "tokenizer_config.json",
        lambda c: c.__setitem__("tokenizer_class", "BertTokenizer"),
    )
    check_checkpoint(folder)  # seen only once the tokenizer is loaded
    with pytest.raises(
        FileFormatError, match=r"tokenizer_class 'BertTokenizer' loads tokenizer\.json as another"
    ) as info:
        load_qwen_vl(folder, device="cpu")
    assert str(info.value).startswith(str(folder / "tokenizer_config.json") + ": ")
    assert "'[SEP]'" in str(info.value)  # BERT's own special tokens, past the model's rows


def test_out_of_range_source(tiny_ckpt: Path, tmp_path: Path) -> None:
    assert _out_of_range_source(tiny_ckpt, ["<|video_pad|>"])[0] == tiny_ckpt / "tokenizer.json"
    folder = edited_copy(
        tiny_ckpt, tmp_path / "ckpt", "tokenizer_config.json", lambda c: c.__setitem__("pad_token", {"content": "<x>"})
    )
    file, what = _out_of_range_source(folder, ["<x>"])
    assert (file, what.split()[0]) == (folder / "tokenizer_config.json", "pad_token")
    # neither file declares it and the class is Qwen2's: both are named
    file, what = _out_of_range_source(folder, ["<y>"])
    assert file == folder and "tokenizer.json or tokenizer_config.json" in what
