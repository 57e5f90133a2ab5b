"""The CPUs a run may use: the job's affinity and a container's cgroup v2 quota, not the node's.

``os.cpu_count()`` counted the whole node, so on a 4-CPU SLURM allocation of a 64-CPU node the
runner gave each worker 64 // workers threads and never warned about more workers than CPUs.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

import camerabench.jobs.runner as runner_module
from camerabench import machine
from camerabench.machine import usable_cpus
from camerabench.records import read_run_info
from camerabench.runfolder import MethodFolder


@pytest.mark.parametrize(
    ("text", "cpus"),
    [("200000 100000\n", 2), ("150000 100000\n", 2), ("50000 100000\n", 1), ("100000 100000", 1)],
)
def test_a_cgroup_quota_limits_the_cpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, cpus: int) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(machine, "_affinity_cpus", lambda: 64)
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text(text)
    assert usable_cpus(cpu_max) == cpus


@pytest.mark.parametrize("text", ["max 100000\n", "", "0 100000", "-1 100000", "abc def", "1 2 3", "\xff\xfe"])
def test_no_quota_or_an_unreadable_one_leaves_the_other_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(machine, "_affinity_cpus", lambda: 8)
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_bytes(text.encode("latin-1"))
    assert usable_cpus(cpu_max) == 8
    assert usable_cpus(tmp_path / "absent") == 8


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is a Linux call")
def test_the_affinity_limits_the_cpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2})
    assert usable_cpus(tmp_path / "absent") == 3


def test_nothing_known_is_one_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    monkeypatch.setattr(machine, "_affinity_cpus", lambda: None)
    assert usable_cpus(tmp_path / "absent") == 1


def test_more_workers_than_usable_cpus_is_warned_and_recorded(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One CPU allowed on a bigger machine: two workers are warned about, and run.json records the
    CPUs the run could use."""
    monkeypatch.setattr(runner_module, "usable_cpus", lambda: 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.runner"):
        runner_module.run_predict(data, "dummy", out, workers=2)
    assert any("workers=2 is more than the 1 CPUs this process may use" in r.getMessage() for r in caplog.records)
    info = json.loads(MethodFolder.of(out, "dummy").run_info.read_text())
    assert info["backend"]["cpus"] == 1, info["backend"]
    assert read_run_info(MethodFolder.of(out, "dummy").run_info).backend["cpus"] == 1
