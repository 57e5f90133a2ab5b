"""Review of 398d021 (qwen-vl's device resolved where the model loads on every Ray run).

1. The resolving task's wait notes read the cluster's free CPUs and GPUs, which do not count those
   the task itself holds once it runs: on a one-GPU node with ``--gpus-per-worker 1`` (or a task
   needing every CPU) a warning said "0 GPUs free now (other work holds the rest)" every few seconds
   while the task's own worker imported the model's libraries. The task now says when it runs
   (a streaming generator's first item, before the function is unpickled), and the notes stop then.
2. ``--option device=cuda`` with ``gpus_per_worker`` 0, now resolved in a Ray worker Ray hides the
   GPUs from, said "CUDA is not available" on a machine with CUDA: it now names the flag.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from ray import cloudpickle

import camerabench.jobs.ray_backend as ray_backend
import camerabench.jobs.runner as runner
from camerabench.baselines.dummy import DISPOSABLE_WORKER_ENV
from camerabench.baselines.vlm.qwen import QwenVLPredictor
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, _call_once_streamed, call_on_actor_resources


def _called(marker: list[str]) -> str:
    marker.append("called")
    return "value"


def test_the_streamed_call_says_it_runs_before_the_function_is_unpickled(monkeypatch: pytest.MonkeyPatch) -> None:
    # run here, not in a Ray worker: the call marks its process disposable (DISPOSABLE_WORKER_ENV), which
    # left in this test process let a later test's dummy method kill the pytest worker
    monkeypatch.setenv(DISPOSABLE_WORKER_ENV, "0")
    marker: list[str] = []
    gen = _call_once_streamed(cloudpickle.dumps(lambda: _called(marker)))
    assert next(gen) is None and marker == []  # nothing unpickled nor called yet
    assert next(gen) == (True, "value")
    with pytest.raises(StopIteration):
        next(gen)
    # an unpicklable payload is a reason, as fn's own error
    bad = _call_once_streamed(b"not a pickle")
    assert next(bad) is None
    ok, reason = next(bad)
    assert ok is False and isinstance(reason, str) and reason


def _wait_for(flag: Path, started: Path) -> int:
    started.write_text("1")
    while not flag.exists():
        time.sleep(0.05)
    return 7


def test_no_busy_warning_while_the_resolving_task_itself_runs(
    ray_here: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ray_backend, "_WAIT_NOTE_S", 0.1)
    monkeypatch.setattr(ray_backend, "_WAIT_REPEAT_S", 0.1)
    go, started = tmp_path / "go", tmp_path / "started"
    answer: dict[str, Any] = {}

    def call() -> None:
        # the task needs both CPUs of the instance: while it runs the cluster has 0 free
        answer["value"] = call_on_actor_resources(
            lambda: _wait_for(go, started), "method 'x'", RayOptions(cpus_per_task=2)
        )

    thread = threading.Thread(target=call)
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.ray_backend"):
        thread.start()
        deadline = time.monotonic() + 120  # a bound on a hang, not a timing under test
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists()
        # every note after the task ran (0 CPUs free: its own) is what this checks
        before, seen = len(caplog.records), time.monotonic()
        while time.monotonic() < seen + 1.0:  # ten note periods of the old loop
            time.sleep(0.05)
        after = [r.getMessage() for r in caplog.records[before:]]
        go.write_text("1")
        thread.join(timeout=120)
    assert answer.get("value") == 7
    busy = [m for m in after if "other work holds the rest" in m]
    # before the fix: a warning every 0.1 s while the task ran (about ten); now none once the driver
    # has its first item (one at most, sent in the moment between the task's start and its arrival)
    assert len(busy) <= 1, busy


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vlm(tmp_path_factory.mktemp("r46") / "tiny")


def test_cuda_with_no_gpu_given_to_the_workers_names_the_flag(ray_here: None, tiny: Path) -> None:
    with QwenVLPredictor.loads_elsewhere():
        probe = QwenVLPredictor({"model": str(tiny), "device": "cuda"})
    with pytest.raises(CameraBenchError) as exc:
        runner._resolve_where_loaded(probe, "method 'qwen-vl'", RayOptions())
    message = str(exc.value)
    assert message.startswith("method 'qwen-vl': option device: device 'cuda': CUDA is not available")
    assert "--gpus-per-worker 1" in message and "Ray hides the node's GPUs" in message
    # a device given to them: the error as it was (no hint about a flag that is already given)
    with QwenVLPredictor.loads_elsewhere():
        cpu = QwenVLPredictor({"model": str(tiny), "device": "cpu"})
    runner._resolve_where_loaded(cpu, "method 'qwen-vl'", RayOptions())
    assert cpu.settings()["device_type"] == "cpu"
