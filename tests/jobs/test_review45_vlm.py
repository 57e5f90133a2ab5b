"""Stop 45 review of qwen-vl's device resolved on Ray (call_on_actor_resources) and of fusion's
per-record resume check in the runner.

1. The Ray task that resolves the device where the model loads declared its GPUs in ``.options()``
   only, where Ray does not make a GPU task's worker process exit after the call (it does so for
   ``ray.remote(num_gpus=...)``): the process that initialised CUDA with that GPU visible stayed in the
   pool and ran later tasks. Checked on a local Ray instance with one logical GPU.
2. ``--resume`` of a fusion run (the runner's per-record hook, ``check_resume_inputs``): a run resumed
   by this camerabench after an older one fused part of it holds videos without per-video digests;
   one digested video made the hook vouch for all, and an input record of an older video changed
   since was resumed over (its scores kept beside ones from the new input).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from camerabench.baselines.fusion import INPUTS_SHA256_KEY
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_predict
from camerabench.records import ScoreRecord, read_run_info, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from tests.eval.test_report_paths_fusion_inputs import fused  # noqa: F401 - the fixture, shared

# --- 1. the resolving task's worker process ----------------------------------------------------------

_CHILD = r"""
import json, logging, os
import ray
from camerabench.jobs.ray_backend import RayOptions, call_on_actor_resources

ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False, logging_level=logging.WARNING,
         object_store_memory=256 * 2**20)
gpu = RayOptions(gpus_per_worker=1)
first = call_on_actor_resources(os.getpid, "t", gpu)
seen = call_on_actor_resources(lambda: os.environ.get("CUDA_VISIBLE_DEVICES"), "t", gpu)
second = call_on_actor_resources(os.getpid, "t", gpu)
# a CPU task after it: not run by the process that had the GPU
cpu = ray.get(ray.remote(lambda: os.getpid()).options(num_cpus=1).remote())
try:
    call_on_actor_resources(lambda: 1 / 0, "method 'x'", gpu)
except Exception as exc:
    raised = f"{type(exc).__name__}: {exc}"
ray.shutdown()
print("RESULT " + json.dumps({"pids": [first, second, cpu], "seen": seen, "raised": raised}))
"""


@pytest.mark.slow
def test_the_resolving_task_leaves_no_worker_process_that_held_a_gpu() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-4000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["seen"] == "0"  # the task held the GPU as an actor would (Ray set CUDA_VISIBLE_DEVICES)
    first, second, cpu = result["pids"]
    assert len({first, second, cpu}) == 3  # each call's process exited after it (reused before: first == second)
    assert result["raised"] == "CameraBenchError: method 'x': ZeroDivisionError: division by zero"


# --- 2. fusion --resume: what the per-record check does not cover ------------------------------------


def _resume(fused: dict[str, Path], run: Path) -> int:  # noqa: F811 - the fixture's name, as an argument
    options = {"model": str(fused["model"]), "inputs_run": str(run)}
    return run_predict(fused["data"], "fusion", run, resume=True, options=options).videos_run


def test_a_video_fused_without_digests_is_not_passed_unchecked(
    fused: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    shutil.copytree(fused["run"], run)
    info_path = MethodFolder.of(run, "fusion").run_info
    info = read_run_info(info_path)
    digested = sorted(v for v, d in info.video_info.items() if INPUTS_SHA256_KEY in d)
    # the first half fused by an older camerabench (no per-video digests), the rest with them
    older = digested[: len(digested) // 2]
    for video in older:
        del info.video_info[video][INPUTS_SHA256_KEY]
    write_run_info(info_path, info)
    # input b rescored on one of the older videos: its fusion scores rest on the earlier b
    b = MethodFolder.of(run, "b").scores
    recs = read_scores(b)
    i = next(k for k, r in enumerate(recs) if r.video == older[0] and r.status == "ok")
    recs[i] = ScoreRecord(recs[i].video, recs[i].question, "b", 123.0, primitive=recs[i].primitive)
    write_scores(b, recs)
    before = MethodFolder.of(run, "fusion").scores.read_bytes()
    with pytest.raises(CameraBenchError) as err:
        _resume(fused, run)
    # the whole-file digests vouch for the older videos: input b changed since
    assert str(err.value).startswith(f"{info_path}: cannot --resume: its input b changed since the earlier run")
    assert MethodFolder.of(run, "fusion").scores.read_bytes() == before
    # the same inputs as then: resumed (nothing to check them against, nothing changed)
    write_scores(b, read_scores(MethodFolder.of(fused["run"], "b").scores))
    assert _resume(fused, run) == 0  # nothing left to run: resumed, not refused
