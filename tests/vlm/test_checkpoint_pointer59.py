"""Weights that are a Git LFS pointer (a Hugging Face model cloned without ``git lfs``) are named as
such by ``check_checkpoint`` before any work: it said "not a safetensors file (70 bytes)"."""

import shutil

import pytest

from camerabench.baselines.vlm.checkpoint import check_checkpoint
from camerabench.errors import FileFormatError

POINTER = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"4d" * 32 + b"\nsize 3021764\n"


@pytest.mark.parametrize("weights", ["model.safetensors", "pytorch_model.bin"])
def test_weights_that_are_an_lfs_pointer_are_named(tiny_ckpt, tmp_path, weights):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, ckpt)
    (ckpt / "model.safetensors").unlink()
    (ckpt / weights).write_bytes(POINTER)
    with pytest.raises(FileFormatError, match=weights.replace(".", r"\.") + r": a Git LFS pointer, not the weights"):
        check_checkpoint(ckpt)


def test_weights_that_are_other_bytes_keep_their_message(tiny_ckpt, tmp_path):
    ckpt = tmp_path / "ckpt"
    shutil.copytree(tiny_ckpt, ckpt)
    (ckpt / "model.safetensors").write_bytes(b"\x00" * 70)
    with pytest.raises(FileFormatError, match=r"corrupt weights: not a safetensors file \(70 bytes\)"):
        check_checkpoint(ckpt)
