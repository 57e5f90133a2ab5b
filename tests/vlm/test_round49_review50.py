"""Review of round 49's GRPO memory bound: odd ``sysconf`` values, container (cgroup) memory limits,
and weights that alone exceed the device."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from camerabench.baselines.vlm import grpo as grpo_module
from camerabench.baselines.vlm.config import GRPOConfig
from camerabench.baselines.vlm.grpo import check_group_memory, device_memory
from camerabench.errors import CameraBenchError

CPU = torch.device("cpu")
#: the tiny checkpoint's key/value cache per token in float32 (tests/vlm/test_vlm_sweep49.py)
TINY_KV = 2 * 2 * 2 * 16 * 4
GIB = 2**30


def _no_cgroups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(grpo_module, "_PROC_CGROUP", tmp_path / "no-such-cgroup-file", raising=False)


def _cgroups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, proc: str, files: dict[str, str]) -> Path:
    """A fake ``/proc/self/cgroup`` holding ``proc`` and a cgroup file system with ``files``."""
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    root.mkdir(exist_ok=True)
    (tmp_path / "proc_cgroup").write_text(proc)
    monkeypatch.setattr(grpo_module, "_PROC_CGROUP", tmp_path / "proc_cgroup", raising=False)
    monkeypatch.setattr(grpo_module, "_CGROUP_FS", root, raising=False)
    return root


def _physical(monkeypatch: pytest.MonkeyPatch, pages: int, page: int = 4096) -> None:
    real = os.sysconf

    def sysconf(name: str | int) -> int:
        if name == "SC_PHYS_PAGES":
            return pages
        if name == "SC_PAGE_SIZE":
            return page
        return real(name)

    monkeypatch.setattr(os, "sysconf", sysconf)


def test_a_sysconf_without_a_page_count_is_not_checked(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``sysconf`` answers -1 for a value it cannot determine: the memory was 4096 x -1 = -4096 bytes,
    and every GRPO run on the CPU was refused ("cannot be sampled on cpu (-3.81e-06 GiB)")."""
    _no_cgroups(monkeypatch, tmp_path)
    _physical(monkeypatch, pages=-1)
    assert device_memory(CPU) is None
    check_group_memory(tiny_ckpt, GRPOConfig(), CPU, torch.float32)


def test_a_container_limit_below_the_physical_memory_bounds_the_group(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cgroup v2 limit (Docker --memory 1g) on a 64 GiB machine: the group was checked against
    64 GiB, passed, and the kernel killed the run at the first generation."""
    _physical(monkeypatch, pages=64 * GIB // 4096)
    root = _cgroups(monkeypatch, tmp_path, "0::/job/step\n", {"memory.max": "max\n", "job/memory.max": f"{GIB}\n"})
    (root / "job" / "step").mkdir()
    (root / "job" / "step" / "memory.max").write_text("max\n")
    assert device_memory(CPU) == GIB
    fits_physical = 30 * GIB // (257 * TINY_KV)  # fits 64 GiB, not 1 GiB
    with pytest.raises(CameraBenchError, match=r"cannot be sampled on cpu \(1 GiB, the memory limit in ") as err:
        check_group_memory(tiny_ckpt, GRPOConfig(group_size=fits_physical, prompts_per_step=1), CPU, torch.float32)
    assert str(root / "job" / "memory.max") in str(err.value)
    check_group_memory(tiny_ckpt, GRPOConfig(group_size=1000), CPU, torch.float32)  # fits in 1 GiB


def test_a_cgroup_v1_limit_of_another_namespace_falls_back_to_the_mount_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """cgroup v1, the group's folder not shown in this mount (a container's own namespace): the
    limit at the memory mount's root applies; v1's "no limit" (2**63 - 4096) is not below memory."""
    _physical(monkeypatch, pages=8 * GIB // 4096)
    _cgroups(
        monkeypatch,
        tmp_path,
        "4:memory:/process_api/abc\n3:cpuset:/\n0::/\n",
        {"memory/memory.limit_in_bytes": f"{2 * GIB}\n"},
    )
    assert device_memory(CPU) == 2 * GIB
    (tmp_path / "cgroup" / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert device_memory(CPU) == 8 * GIB


def test_a_cgroup_limit_alone_is_used_where_sysconf_has_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _physical(monkeypatch, pages=-1)
    _cgroups(monkeypatch, tmp_path, "0::/\n", {"memory.max": "1048576\n"})
    assert device_memory(CPU) == 2**20


def test_weights_beyond_the_device_do_not_suggest_a_smaller_max_new_tokens(
    tiny_ckpt: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Weights alone over the device: no max_new_tokens helps, and a LoRA run was told to use lora."""
    monkeypatch.setattr(grpo_module, "device_memory", lambda device: 1000)
    config = GRPOConfig(group_size=2, lora=True, lora_rank=2)
    with pytest.raises(CameraBenchError, match=r"fewer than 2 completions") as err:
        check_group_memory(tiny_ckpt, config, CPU, torch.float32)
    message = str(err.value)
    assert "whatever max_new_tokens" in message
    assert "lower max_new_tokens" not in message
    assert "use lora" not in message
    assert "kl_coef 0" not in message  # LoRA's reference is the base weights: no copy to drop
    with pytest.raises(CameraBenchError, match=r"set kl_coef 0 \(no reference copy\)"):
        check_group_memory(tiny_ckpt, GRPOConfig(group_size=2), CPU, torch.float32)


def test_a_numpy_seed_draws_the_order_of_its_integer_and_other_types_are_refused() -> None:
    """``build_examples(data, seed=np.int64(3))`` (a sweep over ``numpy.arange``) failed with random's
    bare TypeError; 5.0 drew another order than 5 and True the order of 1."""
    import numpy as np

    from camerabench.baselines.vlm.train import seeded_rng

    for seed in (5, -5, 2**62):
        assert seeded_rng(np.int64(seed)).random() == seeded_rng(seed).random()
    assert seeded_rng(np.int32(-5)).random() == seeded_rng(-5).random()
    for bad in (5.0, True, "5", None):
        with pytest.raises(CameraBenchError, match="seed must be an integer"):
            seeded_rng(bad)  # type: ignore[arg-type]


def _rows(table: str, answers: str) -> list:
    from camerabench.shotbench import MCQRow

    options = {"A": "pan left", "B": "pan right", "C": "tilt up", "D": "static"}
    return [
        MCQRow(f"{table}{i}", table, ("video",), (f"v{i}.mp4",), "How does the camera move?", options, a, "cm", i + 2)
        for i, a in enumerate(answers)
    ]


def test_a_one_letter_table_beside_shuffled_ones_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    """A user's table written with its right option always first, added to a synthetic set whose
    letters are shuffled: the pool's letters are mixed, so nothing was said, while on that table's
    questions always answering A was right."""
    import logging

    from camerabench.baselines.vlm.train import warn_one_letter_answers

    rows = _rows("mine", "A" * 8) + _rows("synth", "ABCDDCBA")
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"):
        warn_one_letter_answers(rows, "training")
    assert "training: 1 multiple-choice table(s) have one right answer on every row (mine: 8 rows, all A)" in (
        caplog.text
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.train"):
        # a short table (a shuffled 4-option table of 2-7 rows may hold one letter by chance) is not
        warn_one_letter_answers(_rows("mine", "A" * 7) + _rows("synth", "ABCDDCBA"), "training")
    assert caplog.text == ""
