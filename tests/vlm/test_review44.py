"""Review of R29/R26: the weights' fingerprint (what it hashes, its per-process cache), a resume after the
checkpoint moved, a hub id given as the model, and cli's logging restored when two handlers were added."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.vlm import checkpoint
from camerabench.baselines.vlm.checkpoint import weight_files, weights_sha256
from camerabench.baselines.vlm.qwen import QwenVLPredictor
from camerabench.cli import _logging_restored
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.jobs.runner import run_predict
from camerabench.records import read_scores

CPU32 = {"device": "cpu", "dtype": "float32"}


def _reference_digest(folder: Path, names: list[str]) -> str:
    """The fingerprint's definition, computed here: each file's name, length and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(names):
        data = (folder / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


# --- what is hashed -------------------------------------------------------------------------------


def test_files_the_model_does_not_load_are_not_fingerprinted(tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights" * 100)
    (folder / "config.json").write_text("{}")
    for extra in ("pytorch_model.bin", "training_args.bin", "optimizer.bin"):  # not loaded by transformers
        (folder / extra).write_bytes(os.urandom(64))
    assert [p.name for p in weight_files(folder)] == ["model.safetensors"]
    before = weights_sha256(folder)
    assert before == _reference_digest(folder, ["model.safetensors"])
    for extra in ("pytorch_model.bin", "training_args.bin", "optimizer.bin"):  # deleted to save space
        (folder / extra).unlink()
    assert weights_sha256(folder) == before


def test_a_sharded_checkpoint_is_its_index_and_the_shards_it_names(tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    folder.mkdir()
    shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    for i, name in enumerate(shards):
        (folder / name).write_bytes(bytes([i]) * 50)
    index = {"metadata": {}, "weight_map": {"a": shards[0], "b": shards[1], "c": shards[1]}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    (folder / "model-00003-of-00003.safetensors").write_bytes(b"left over from an earlier save")
    named = [*shards, "model.safetensors.index.json"]
    assert [p.name for p in weight_files(folder)] == sorted(named)
    assert weights_sha256(folder) == _reference_digest(folder, named)
    (folder / shards[1]).unlink()
    with pytest.raises(FileFormatError, match=r"model\.safetensors\.index\.json.*weight shard .*00002.* is missing"):
        weights_sha256(folder)


def test_bytes_rewritten_in_place_with_the_mtime_put_back_are_hashed_again(tmp_path: Path) -> None:
    folder = tmp_path / "ckpt"
    folder.mkdir()
    weights = folder / "model.safetensors"
    weights.write_bytes(b"\x00" * 4096)
    first = weights_sha256(folder)
    before = weights.stat()
    # as `cp -p other/model.safetensors ckpt/` does: the same inode and size, the modification time put back
    with open(weights, "r+b") as fh:
        fh.write(b"\x01" * 4096)
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    while weights.stat().st_ctime_ns == before.st_ctime_ns:  # a change time of a coarser clock tick
        time.sleep(0.01)
        os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = weights.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert weights_sha256(folder) == _reference_digest(folder, ["model.safetensors"]) != first


# --- a resume with the checkpoint elsewhere ----------------------------------------------------------


def _interrupted_run(root: Path, model: Path, out: Path) -> int:
    """A finished predict run cut back to its first video's records (as a run killed there leaves it)."""
    run_predict(root, "qwen-vl", out, options={"model": str(model), **CPU32})
    scores = out / "qwen-vl" / "scores.jsonl"
    lines = scores.read_text().splitlines(keepends=True)
    first = json.loads(lines[0])["video"]
    kept = [line for line in lines if json.loads(line)["video"] == first]
    scores.write_text("".join(kept))
    info: dict[str, Any] = json.loads((out / "qwen-vl" / "run.json").read_text())
    info["finished"] = None
    for key in ("seconds_per_video", "video_info"):
        info[key] = {v: d for v, d in info.get(key, {}).items() if v == first}
    (out / "qwen-vl" / "run.json").write_text(json.dumps(info))
    return len(kept)


def test_resume_after_the_checkpoint_moved(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, _ = tiny_data
    first = tmp_path / "models" / "a"
    shutil.copytree(tiny_ckpt, first)
    out = tmp_path / "run"
    kept = _interrupted_run(root, first, out)
    moved = tmp_path / "elsewhere" / "b"
    moved.parent.mkdir()
    # a copy with one weight byte changed: another model, refused
    shutil.copytree(first, moved)
    data = bytearray((moved / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (moved / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(CameraBenchError, match="weights_sha256"):
        run_predict(root, "qwen-vl", out, resume=True, options={"model": str(moved), **CPU32})
    assert len(read_scores(out / "qwen-vl" / "scores.jsonl")) == kept
    # the same checkpoint moved: resumed, with a warning naming both paths
    shutil.rmtree(moved)
    shutil.move(first, moved)
    with caplog.at_level(logging.WARNING):
        summary = run_predict(root, "qwen-vl", out, resume=True, options={"model": str(moved), **CPU32})
    assert summary.videos_ok == 4 and summary.videos_run == 3
    warned = [r.getMessage() for r in caplog.records if "moved or copied" in r.getMessage()]
    assert len(warned) == 1 and str(first.resolve()) in warned[0] and str(moved.resolve()) in warned[0]
    info = json.loads((out / "qwen-vl" / "run.json").read_text())
    assert info["settings"]["model"] == str(moved.resolve())


# --- a hub id for the model ----------------------------------------------------------------------


def test_a_hub_id_is_said_to_be_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "hf-cache"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    hint = r"not found \(someone/a-model reads as a Hugging Face hub id.*--local-dir"
    with pytest.raises(FileFormatError, match=hint):
        QwenVLPredictor({"model": "someone/a-model", **CPU32})
    # in the Hugging Face cache: its snapshot folder is named
    commit = "0" * 40
    snapshot = cache / "models--someone--a-model" / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (cache / "models--someone--a-model" / "refs").mkdir()
    (cache / "models--someone--a-model" / "refs" / "main").write_text(commit)
    with pytest.raises(FileFormatError) as err:
        QwenVLPredictor({"model": "someone/a-model", **CPU32})
    assert f"the Hugging Face cache holds it at {snapshot}" in str(err.value)
    # a path that is not an id: no such note
    with pytest.raises(FileFormatError) as err:
        QwenVLPredictor({"model": str(tmp_path / "no" / "such"), **CPU32})
    assert "hub id" not in str(err.value)
    assert checkpoint._hub_id_note(Path("x/y/z")) == "" and checkpoint._hub_id_note(Path("../y")) == ""


# --- cli.main's logging restored --------------------------------------------------------------


@pytest.mark.parametrize("raised", [None, SystemExit(2), KeyboardInterrupt()])
def test_every_handler_a_command_added_is_removed(raised: BaseException | None) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    added = [logging.StreamHandler(), logging.StreamHandler(), logging.StreamHandler()]
    expected = pytest.raises(type(raised)) if raised is not None else contextlib.nullcontext()
    with expected, _logging_restored():
        for handler in added:
            root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        if raised is not None:
            raise raised
    assert root.handlers == handlers and root.level == level
