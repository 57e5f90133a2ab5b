"""E50: leftovers of resolving qwen-vl's device where the model loads (Ray).

1. Ray tasks (``RayOptions(actors=False)``) reserve no GPU, and Ray leaves ``CUDA_VISIBLE_DEVICES``
   unset for them: a model method's "cuda if available" loaded onto the node's GPUs, unreserved, while a
   CPU-only driver had recorded cpu/float32. The tasks now see no GPU, as the actors without GPUs.
2. The task that resolves the device waited without a word while the cluster's GPUs (or CPUs) were
   all busy: it now logs what it waits for and what is free.
3. ``resolve_here`` labelled the dtype's error as the ``device`` option's.

The Ray jobs are ``eval`` of expressions and builtins (as in ``test_ray_vlm_r31.py``), so that Ray
workers need not import this module; the Ray cases share one local instance of this module's own.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.jobs.ray_backend as ray_backend
from camerabench.baselines.vlm.qwen import QwenVLPredictor
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, call_on_actor_resources, run_on_ray


def test_ray_tasks_see_no_gpu(ray_here: None) -> None:
    """As ``test_actors_without_gpus_see_none`` for actors: Ray left CUDA_VISIBLE_DEVICES unset (None)."""
    job: tuple[str, dict[str, object]] = ("__import__('os').environ.get('CUDA_VISIBLE_DEVICES')", {})
    done = run_on_ray([job, job], eval, ("None", {}), eval, "w", RayOptions(actors=False), False, 1)
    assert sorted((d.index, d.result, d.died) for d in done) == [(0, "", None), (1, "", None)]


def test_the_resolving_task_says_what_it_waits_for_while_the_cluster_is_busy(
    ray_here: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import ray

    monkeypatch.setattr(ray_backend, "_WAIT_NOTE_S", 0.2)
    monkeypatch.setattr(ray_backend, "_WAIT_REPEAT_S", 0.2)
    # other work holding both CPUs of the instance: the task needing 2 cannot start until it ends
    blocker: Any = ray.remote(num_cpus=2)(threading.Event).remote()
    ray.get(blocker.__ray_ready__.remote())
    answer: dict[str, Any] = {}

    def call() -> None:
        try:
            answer["pid"] = call_on_actor_resources(os.getpid, "method 'x'", RayOptions(cpus_per_task=2))
        except CameraBenchError as exc:
            answer["error"] = exc

    waiting = threading.Thread(target=call)
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.ray_backend"):
        waiting.start()
        deadline = time.monotonic() + 120  # a bound on a hang, not a timing under test
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "pid" not in answer and "error" not in answer  # still waiting: the CPUs are held
        ray.kill(blocker)  # the other work ends: the task runs
        waiting.join(timeout=120)
    assert not waiting.is_alive() and answer.get("pid", os.getpid()) != os.getpid(), answer
    first = caplog.records[0]
    assert first.levelno == logging.WARNING
    message = first.getMessage()
    assert message.startswith("method 'x': waiting ") and "for 2 CPUs and 0 GPUs on one node" in message
    assert "the Ray cluster has 0 CPUs and 0 GPUs free now" in message


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vlm(tmp_path_factory.mktemp("e50") / "tiny")


def test_resolve_here_names_the_dtype_option_for_a_dtype_error(tiny: Path) -> None:
    probe = QwenVLPredictor({"model": str(tiny), "device": "cpu"})
    # a dtype resolve_dtype refuses (options that reached the worker unvalidated)
    object.__setattr__(probe.options, "dtype", "float16")
    with pytest.raises(CameraBenchError) as exc:
        probe.resolve_here()
    message = str(exc.value)
    assert message.startswith("option dtype: dtype must be bfloat16 or float32, got 'float16' (on device cpu)")
    assert "option device" not in message and "where the model loads" in message


def test_resolve_here_still_names_the_device_option_for_a_device_error(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a machine without CUDA, here too
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    with QwenVLPredictor.loads_elsewhere():  # the name only is checked here
        probe = QwenVLPredictor({"model": str(tiny), "device": "cuda", "dtype": "bfloat16"})
    with pytest.raises(CameraBenchError) as exc:
        probe.resolve_here()
    message = str(exc.value)
    assert message.startswith("option device: device 'cuda': CUDA is not available")
    assert "option dtype" not in message
