"""Hostile inputs, round 29: replacing a checkpoint folder (``--overwrite``) and a config of one
Qwen-VL generation over the other's weights on the loading paths (``predict``, ``caption``).

Replacing: every step of the swap (rename the old model aside, rename the new one in, delete the
old one) is made to fail in turn (``os.rename`` / ``shutil.rmtree`` raising, patched with
monkeypatch); the folder at ``out`` must then be the complete old model or the complete new one,
and what an interrupted swap leaves beside it is named, never taken for a model. Generations: the
tiny checkpoints of ``conftest.py``, with weights swapped, in safetensors and torch ``.bin`` form.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import (
    check_checkpoint,
    check_checkpoint_out,
    checkpoint_folder,
    load_qwen_vl,
)
from camerabench.baselines.vlm.train import refuse_finished_model
from camerabench.errors import CameraBenchError, FileFormatError

# --- replacing a checkpoint folder ----------------------------------------------------------------

_FILES = ("config.json", "model.safetensors", "tokenizer.json")


def _write_model(folder: Path, version: str) -> None:
    """A stand-in checkpoint (flat files, config.json) whose every file says ``version``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in _FILES:
        (folder / name).write_text(json.dumps({"version": version}))


def _state(out: Path) -> str:
    """``"old"`` or ``"new"`` when ``out`` is that complete model; else what it is."""
    if not out.is_dir():
        return "missing"
    names = sorted(p.name for p in out.iterdir())
    versions = {json.loads((out / n).read_text())["version"] for n in names}
    if names == sorted(_FILES) and len(versions) == 1:
        return versions.pop()
    return f"broken: {names} {sorted(versions)}"


def _beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p != out)


def _replace(out: Path) -> None:
    with checkpoint_folder(out) as tmp:
        _write_model(tmp, "new")


def _failing_rename(monkeypatch: pytest.MonkeyPatch, out: Path, steps: str, exc: BaseException) -> list[str]:
    """Make ``os.rename`` raise ``exc`` at ``steps`` (space-separated): ``aside`` (``out`` renamed away),
    ``in`` (the new folder renamed to ``out``), ``back`` (the old one renamed back); the other renames
    run. Returns the log of the renames tried, as step names."""
    real = os.rename
    tried: list[str] = []

    def rename(src: Any, dst: Any) -> None:
        src, dst = Path(src), Path(dst)
        this = "aside" if src == out else "in" if dst == out and src.name.startswith(f".{out.name}.") else "back"
        tried.append(this)
        if this in steps.split():
            raise exc
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    return tried


def test_replace_puts_the_new_model_in_and_leaves_nothing_beside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_model(out, "old")
    _replace(out)
    assert _state(out) == "new" and _beside(out) == []


def test_a_failure_while_writing_the_new_model_leaves_the_old_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_model(out, "old")
    with pytest.raises(RuntimeError, match="disk"), checkpoint_folder(out) as tmp:
        _write_model(tmp, "new")
        raise RuntimeError("disk")
    assert _state(out) == "old" and _beside(out) == []


def test_failing_to_move_the_old_model_aside_leaves_it_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """input: the rename of the old folder aside fails (EACCES). old: the old folder was deleted
    first, then the new one renamed in, so no such step could fail. new: a WriteError naming
    ``out``; the old model untouched at ``out``; the new one removed."""
    out = tmp_path / "out"
    _write_model(out, "old")
    _failing_rename(monkeypatch, out, "aside", PermissionError(13, "Permission denied"))
    with pytest.raises(CameraBenchError, match=r"out: cannot write: Permission denied"):
        _replace(out)
    assert _state(out) == "old" and _beside(out) == []


@pytest.mark.parametrize(
    "exc", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["oserror", "ctrl-c"]
)
def test_failing_to_move_the_new_model_in_puts_the_old_one_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    """input: the rename of the new folder to ``out`` fails (or Ctrl-C lands there). old: the old model
    had already been deleted: ``out`` gone, the old model lost. new: the old model renamed back to
    ``out`` before the error goes on; nothing left beside it."""
    out = tmp_path / "out"
    _write_model(out, "old")
    tried = _failing_rename(monkeypatch, out, "in", exc)
    with pytest.raises(CameraBenchError if isinstance(exc, OSError) else KeyboardInterrupt):
        _replace(out)
    assert _state(out) == "old" and _beside(out) == []
    assert tried == ["aside", "in", "back"]


def test_when_the_old_model_cannot_be_put_back_the_error_names_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """input: moving the new folder in fails and so does moving the old one back. new: the error names
    the folder the complete old model is in; a later check_checkpoint/check_checkpoint_out of ``out``
    name it too (it is never loaded in place of ``out``); train's leftover warning does not call it
    an unfinished save to delete."""
    out = tmp_path / "out"
    _write_model(out, "old")
    tried = _failing_rename(monkeypatch, out, "in back", OSError(5, "Input/output error"))
    with pytest.raises(
        CameraBenchError, match=r"could not be put back .* it is complete in .*\.out~replaced\."
    ) as info:
        _replace(out)
    assert tried == ["aside", "in", "back"]
    monkeypatch.undo()
    (aside,) = _beside(out)
    assert aside in str(info.value) and _state(tmp_path / aside) == "old"
    with pytest.raises(FileFormatError, match=rf"not found; .*{aside}.* rename {aside} back to out"):
        check_checkpoint(out)
    with caplog.at_level(logging.WARNING):
        refuse_finished_model(out)
        assert "unfinished" not in caplog.text
        check_checkpoint_out(out)
    assert f"({aside}) hold the model that was at out" in caplog.text


def test_failing_to_delete_the_old_model_keeps_the_new_one_and_names_the_leftover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """input: deleting the old model stops half way (one file gone, then EBUSY). old: the old model was
    deleted in place, first: ``out`` was left a partly deleted folder that still had config.json
    (it looked complete) and the new model was never moved in. new: the new model is at ``out``;
    the half-deleted old one is beside it under a name that says so, warned about now and on the
    next run."""
    out = tmp_path / "out"
    _write_model(out, "old")
    real = shutil.rmtree

    def rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path).name.startswith(f".{out.name}."):  # the temporary new folder: removed as usual
            real(path, *args, **kwargs)
            return
        (Path(path) / "model.safetensors").unlink()
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    with caplog.at_level(logging.WARNING):
        _replace(out)
    assert _state(out) == "new"
    (aside,) = _beside(out)
    assert aside.startswith(".out~replaced.") and (tmp_path / aside / "config.json").is_file()
    assert f"could not be deleted from {tmp_path / aside} (Device or resource busy)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        check_checkpoint_out(out)
    assert f"({aside}) hold the model that was there before it was replaced" in caplog.text
    assert "delete them" in caplog.text


def test_a_kill_between_the_renames_is_reported_not_loaded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """input: what a process killed between moving the old model aside and moving the new one in leaves:
    no ``out``, the complete old model in ``.out~replaced.<random>``, the new one in ``.out.<random>``.
    new: loading ``out`` says where the old model is; the next save's check names both leftovers."""
    out = tmp_path / "out"
    _write_model(tmp_path / ".out~replaced.1a2b3c4d", "old")
    _write_model(tmp_path / ".out.k9x8", "new")
    with pytest.raises(FileFormatError, match=r"rename \.out~replaced\.1a2b3c4d back to out to restore it"):
        load_qwen_vl(out)
    with caplog.at_level(logging.WARNING):
        refuse_finished_model(out)
        check_checkpoint_out(out)
    assert ".out.k9x8" in caplog.text and "look like unfinished saves" in caplog.text
    assert "(.out~replaced.1a2b3c4d) hold the model that was at out" in caplog.text


# --- a config of one generation over the other's weights, on the loading paths --------------------


def _swapped(config_from: Path, weights_from: Path, dst: Path, bin_weights: bool = False) -> Path:
    """``config_from``'s folder with ``weights_from``'s weights (as a torch ``pytorch_model.bin`` if asked)."""
    shutil.copytree(config_from, dst)
    (dst / "model.safetensors").unlink()
    if bin_weights:
        torch.save(load_file(weights_from / "model.safetensors"), dst / "pytorch_model.bin")
    else:
        shutil.copyfile(weights_from / "model.safetensors", dst / "model.safetensors")
    return dst


_Q25_UNDER_Q3 = r"the weights are Qwen2\.5-VL's .* says Qwen3-VL \(model_type 'qwen3_vl'\)"
_Q3_UNDER_Q25 = r"the weights are Qwen3-VL's .* says Qwen2\.5-VL \(model_type 'qwen2_5_vl'\)"


@pytest.mark.parametrize("bin_weights", [False, True], ids=["safetensors", "bin"])
def test_predict_and_load_name_a_config_of_the_other_generation(
    tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path, bin_weights: bool
) -> None:
    """input: Qwen3-VL config over Qwen2.5-VL weights and vice versa, given to predict/caption
    (QwenVLOptions.validate, in the main process before any worker) and load_qwen_vl. old: "tensor
    visual.patch_embed.proj.weight has shape [...14, 14], but config.json gives [...16, 16]" (and for
    .bin weights nothing up front: torch's size-mismatch error when loading). new: both generations named."""
    q3 = _swapped(tiny_qwen3_ckpt, tiny_ckpt, tmp_path / "q3_over_q25", bin_weights)
    q25 = _swapped(tiny_ckpt, tiny_qwen3_ckpt, tmp_path / "q25_over_q3", bin_weights)
    weights = "pytorch_model.bin" if bin_weights else "model.safetensors"
    for folder, message in ((q3, _Q25_UNDER_Q3), (q25, _Q3_UNDER_Q25)):
        with pytest.raises(FileFormatError, match=message) as info:
            qwen.QwenVLOptions(model=str(folder)).validate("qwen-vl")
        assert str(info.value).startswith(str(folder / weights))
        with pytest.raises(FileFormatError, match=message):
            load_qwen_vl(folder, device="cpu")


def _as_bin(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """``src`` with its weights as ``pytorch_model.bin`` (and config.json edited by ``edit``)."""
    dst = _swapped(src, src, dst, bin_weights=True)
    if edit is not None:
        cfg = json.loads((dst / "config.json").read_text())
        edit(cfg)
        (dst / "config.json").write_text(json.dumps(cfg))
    return dst


def test_bin_weights_are_checked_from_their_index_without_the_data(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: torch ``.bin`` weights: matching, of another size than config.json, not a state dict.
    old: only "is it a complete zip" was checked up front; a size mismatch came from torch at load.
    new: the shapes are read (meta device, no tensor data) and checked like safetensors headers."""
    assert check_checkpoint(_as_bin(tiny_ckpt, tmp_path / "same")) == "current"

    def wider(cfg: dict[str, Any]) -> None:
        cfg["text_config"]["intermediate_size"] += 8

    with pytest.raises(FileFormatError, match=r"pytorch_model\.bin: tensor .*mlp\.gate_proj\.weight has shape"):
        check_checkpoint(_as_bin(tiny_ckpt, tmp_path / "wider", wider))
    odd = _as_bin(tiny_ckpt, tmp_path / "odd")
    torch.save([torch.zeros(2)], odd / "pytorch_model.bin")
    with pytest.raises(FileFormatError, match=r"pytorch_model\.bin: not model weights: it holds a list"):
        check_checkpoint(odd)


def test_a_sharded_bin_index_naming_a_tensor_its_shard_lacks_is_refused(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: pytorch_model.bin.index.json listing a tensor that is in no shard. old: not checked for
    .bin shards (a missing-tensor error when loading). new: named, as for safetensors shards."""
    dst = _as_bin(tiny_ckpt, tmp_path / "sharded")
    (dst / "pytorch_model.bin").rename(dst / "pytorch_model-00001-of-00001.bin")
    names = list(torch.load(dst / "pytorch_model-00001-of-00001.bin", map_location="meta", weights_only=True))
    weight_map = dict.fromkeys([*names, "model.extra.weight"], "pytorch_model-00001-of-00001.bin")
    (dst / "pytorch_model.bin.index.json").write_text(json.dumps({"weight_map": weight_map}))
    with pytest.raises(FileFormatError, match=r"tensor model\.extra\.weight \(listed in pytorch_model\.bin\.index"):
        check_checkpoint(dst)
