"""Hostile checkpoint folders for the Qwen-VL scorer and captioner (sweep 40).

Each test names its input, what the old code did with it and what it does now.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import check_checkpoint, load_qwen_vl
from camerabench.baselines.vlm.compat import prepare_video
from camerabench.errors import FileFormatError

from .conftest import FPS, clip_frames, edited_copy

_QUESTIONS = ["Does the camera pan to the right?", "Is the camera static?"]


def _qwen3_without_vision_key(src: Path, dst: Path, key: str, processor_value: int, proc_key: str) -> Path:
    """A copy of ``src`` whose config.json's vision_config leaves out ``key`` and whose processors set
    ``proc_key`` to ``processor_value``."""
    folder = edited_copy(src, dst, "config.json", lambda c: c["vision_config"].pop(key))
    proc = json.loads((folder / "processor_config.json").read_text())
    for sub in ("image_processor", "video_processor"):
        proc[sub][proc_key] = processor_value
    (folder / "processor_config.json").write_text(json.dumps(proc))
    return folder


def test_qwen3_config_without_patch_size_under_a_qwen25_processor_is_refused_before_work(
    tiny_qwen3_ckpt: Path, tmp_path: Path
) -> None:
    """input: a Qwen3-VL config.json without vision_config.patch_size (transformers builds the model
    with 16) beside a Qwen2.5-VL processor (patch_size 14). old: check_checkpoint passed, the model
    loaded, and every video failed in the vision tower with torch's "shape '[-1, 3, 2, 16, 16]' is
    invalid for input of size 37632". new: refused up front, naming the processor file and both sizes."""
    folder = _qwen3_without_vision_key(tiny_qwen3_ckpt, tmp_path / "ckpt", "patch_size", 14, "patch_size")
    with pytest.raises(
        FileFormatError,
        match=r"processor_config\.json: (video|image)_processor: patch_size is 14, but config\.json's vision_config "
        r"sets no patch_size, so the qwen3-vl model is built with transformers' default 16",
    ):
        check_checkpoint(folder)


def test_config_without_merge_size_under_a_matching_processor_still_passes(
    tiny_qwen3_ckpt: Path, tmp_path: Path
) -> None:
    """transformers' default is the processor's own size: nothing to refuse."""
    folder = _qwen3_without_vision_key(tiny_qwen3_ckpt, tmp_path / "ckpt", "spatial_merge_size", 2, "merge_size")
    assert check_checkpoint(folder) == "current"


def _sharded(src: Path, dst: Path, index_of: dict[str, str] | None = None) -> tuple[Path, dict[str, str]]:
    """A copy of ``src`` with its weights split into two shards and an index; returns the folder and
    the complete weight map."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dst)
    weights = load_file(dst / "model.safetensors")
    (dst / "model.safetensors").unlink()
    names = sorted(weights)
    half = len(names) // 2
    weight_map: dict[str, str] = {}
    for number, part in ((1, names[:half]), (2, names[half:])):
        shard = f"model-0000{number}-of-00002.safetensors"
        save_file({n: weights[n] for n in part}, dst / shard, metadata={"format": "pt"})
        weight_map.update(dict.fromkeys(part, shard))
    return dst, weight_map


def _write_index(folder: Path, weight_map: dict[str, str]) -> None:
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))


def test_index_with_an_empty_weight_map_is_refused_before_work(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: model.safetensors.index.json with ``"weight_map": {}`` (shards on disk). old:
    check_checkpoint passed and loading failed inside transformers with a bare "IndexError: list index
    out of range". new: refused up front naming the index."""
    folder, _ = _sharded(tiny_ckpt, tmp_path / "ckpt")
    _write_index(folder, {})
    with pytest.raises(FileFormatError, match=r"model\.safetensors\.index\.json: weight_map lists no tensors"):
        check_checkpoint(folder)


def test_half_written_index_is_refused_naming_the_index_not_config(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: an index listing the tensors of shard 1 of 2 only (both shard files on disk). old: refused
    as "config.json: vision_config.depth is 2, but the weights hold 1 such layers", blaming the config.
    new: the index is named, with the shard it leaves out."""
    folder, weight_map = _sharded(tiny_ckpt, tmp_path / "ckpt")
    _write_index(folder, {n: s for n, s in weight_map.items() if s.startswith("model-00001")})
    with pytest.raises(
        FileFormatError,
        match=r"model\.safetensors\.index\.json: weight_map names 1 of 2 shards \(shard\(s\) 2 of the -of-00002",
    ):
        check_checkpoint(folder)


def test_complete_sharded_index_still_loads(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder, weight_map = _sharded(tiny_ckpt, tmp_path / "ckpt")
    _write_index(folder, weight_map)
    assert check_checkpoint(folder) == "current"


def _template_copy(src: Path, dst: Path, old: str, new: str) -> Path:
    shutil.copytree(src, dst)
    template = (dst / "chat_template.jinja").read_text()
    assert old in template
    (dst / "chat_template.jinja").write_text(template.replace(old, new))
    return dst


_TEXT = "{{ content['text'] }}"


def test_chat_template_that_leaves_out_the_text_is_refused_at_load(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: a chat template that writes the video but not the user's text. old: with the prefix cache
    a bare "ValueError: not enough values to unpack"; without it (prefix_cache=false) every question got
    the same P(Yes), silently (the question never reached the model). new: refused at load."""
    folder = _template_copy(tiny_ckpt, tmp_path / "ckpt", _TEXT, "")
    with pytest.raises(FileFormatError, match=r"the chat template writes the user's text 0 times, not once"):
        load_qwen_vl(folder, device="cpu")


def test_chat_template_that_writes_the_text_twice_is_refused_at_load(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: a template writing the user's text twice. old: every video failed with a bare "ValueError:
    too many values to unpack (expected 2)" from the prefix split. new: refused at load."""
    folder = _template_copy(tiny_ckpt, tmp_path / "ckpt", _TEXT, _TEXT + " " + _TEXT)
    with pytest.raises(FileFormatError, match=r"the chat template writes the user's text 2 times, not once"):
        load_qwen_vl(folder, device="cpu")


def test_named_chat_templates_in_tokenizer_config_are_used(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: no chat_template.jinja, and tokenizer_config.json's chat_template as a list of named
    templates (``[{"name": "default", "template": ...}]``, a form transformers reads). old:
    FileFormatError "no chat template". new: the default one is used: the same scores."""
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    template = (folder / "chat_template.jinja").read_text()
    (folder / "chat_template.jinja").unlink()
    tok_cfg = json.loads((folder / "tokenizer_config.json").read_text())
    tok_cfg["chat_template"] = [
        {"name": "tool_use", "template": "{{ oops }}"},
        {"name": "default", "template": template},
    ]
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_cfg))
    assert check_checkpoint(folder) == "current"
    named, plain = load_qwen_vl(folder, device="cpu"), load_qwen_vl(tiny_ckpt, device="cpu")
    video = prepare_video(clip_frames("pan", seed=0, frames=2), FPS, plain.spec)
    assert named.chat_template == template
    assert qwen.yes_probabilities(named, video, _QUESTIONS) == qwen.yes_probabilities(plain, video, _QUESTIONS)


def test_tokenizer_config_with_named_templates_but_no_default_is_still_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, folder)
    (folder / "chat_template.jinja").unlink()
    tok_cfg = json.loads((folder / "tokenizer_config.json").read_text())
    tok_cfg["chat_template"] = [{"name": "tool_use", "template": "{{ x }}"}]
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_cfg))
    with pytest.raises(FileFormatError, match=r"no chat template \(.*as the one named 'default'\)"):
        check_checkpoint(folder)
