"""The Ray backend: the same files as the local backend, resume across backends, dying tasks and
actors, a model method on an actor pool, and the install hint without Ray.

Every test that runs Ray shares one local instance on 2 CPUs (``ray_instance``). The suite runs
this file in a pytest process of its own (``test_ray_backend.py``): a Ray driver whose raylet
dies ends its process at once, which must not take the rest of the suite with it. Run it alone
with ``python -m pytest -o python_files=ray_cases.py tests/jobs/ray_cases.py``.
"""

from __future__ import annotations

import ast
import json
import logging
import operator
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import camerabench.jobs.runner as runner
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import INSTALL_HINT, RayOptions, _check_reachable, run_on_ray
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import read_run_info, read_scores
from camerabench.synth import generate_dataset
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

REPO_ROOT = Path(__file__).resolve().parents[2]
VIDEOS = [f"v{i}.mp4" for i in range(6)]  # the videos of the six_videos fixture (tests/conftest.py)


@pytest.fixture(scope="module")
def data(six_videos: Path) -> Path:
    return six_videos


@pytest.fixture(scope="module")
def reference(six_videos_reference: bytes) -> bytes:
    return six_videos_reference


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four synthetic clips with exact labels, small enough for ``fast`` to take ~1 s each."""
    return generate_dataset(tmp_path_factory.mktemp("synth") / "data", clips=4, seed=0, size=(160, 96), workers=1)


@pytest.fixture(scope="module")
def fast_local(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run folder of a local ``fast`` predict and caption run on :func:`synthetic`: the reference
    both Ray runs (by path, shipping the videos) are compared with, made once for the two (it was
    made again in each, the same bytes each time: ``fast`` is deterministic, as the comparison needs)."""
    local = tmp_path_factory.mktemp("fast-local")
    run_predict(synthetic, "fast", local)
    run_caption(synthetic, "fast", local)
    return local


@pytest.mark.slow
@pytest.mark.parametrize("ship", [False, True], ids=["by-path", "ship-videos"])
def test_fast_on_ray_writes_the_bytes_of_the_local_backend(
    ray_instance: None, synthetic: Path, fast_local: Path, tmp_path: Path, ship: bool
) -> None:
    local, on_ray = fast_local, tmp_path / "ray"
    summary = run_predict(synthetic, "fast", on_ray, backend="ray", ray=RayOptions(ship_videos=ship))
    assert summary.videos_ok == 4
    assert (on_ray / "fast" / "scores.jsonl").read_bytes() == (local / "fast" / "scores.jsonl").read_bytes()
    info = read_run_info(on_ray / "fast" / "run.json")
    assert info.backend["name"] == "ray" and info.backend["pool"] == "tasks"
    assert (info.backend["nodes"], info.backend["cpus"], info.backend["gpus"]) == (1, 2.0, 0.0)
    assert info.backend["ship_videos"] is ship
    assert len(info.seconds_per_video) == 4 and all(s > 0 for s in info.seconds_per_video.values())
    assert read_run_info(local / "fast" / "run.json").backend["name"] == "local"
    # captions reuse the predict run's trajectories (shipped as files too)
    run_caption(synthetic, "fast", on_ray, backend="ray", ray=RayOptions(ship_videos=ship))
    assert (on_ray / "fast" / "captions.jsonl").read_bytes() == (local / "fast" / "captions.jsonl").read_bytes()


class _Interrupt:
    """Stands in for ``append_jsonl``: Ctrl-C arrives after ``after`` videos were recorded."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0
        self.append = runner.append_jsonl

    def __call__(self, path: Any, rows: Any) -> None:
        if self.calls == self.after:
            raise KeyboardInterrupt
        self.calls += 1
        self.append(path, rows)


@pytest.mark.parametrize(("first", "then"), [("ray", "ray"), ("ray", "local"), ("local", "ray")])
def test_an_interrupted_run_resumes_on_either_backend(
    ray_instance: None,
    data: Path,
    tmp_path: Path,
    reference: bytes,
    monkeypatch: pytest.MonkeyPatch,
    first: runner.Backend,
    then: runner.Backend,
) -> None:
    monkeypatch.setattr(runner, "append_jsonl", _Interrupt(after=2))
    with pytest.raises(KeyboardInterrupt):
        run_predict(data, "dummy", tmp_path, workers=2, backend=first)
    monkeypatch.undo()
    scores = tmp_path / "dummy" / "scores.jsonl"
    assert len({r.video for r in read_scores(scores)}) == 2  # streamed as they finished
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert info.finished is None and len(info.seconds_per_video) == 2
    summary = run_predict(data, "dummy", tmp_path, workers=2, resume=True, backend=then)
    assert (summary.videos_skipped, summary.videos_run, summary.videos_ok) == (2, 4, 6)
    assert scores.read_bytes() == reference
    assert read_run_info(tmp_path / "dummy" / "run.json").backend["name"] == then


def _check_dead(tmp_path: Path, reference: bytes, dead: str, what: str) -> None:
    recs = read_scores(tmp_path / "dummy" / "scores.jsonl")
    failed = {r.video: r.reason for r in recs if r.status == "failed"}
    assert set(failed) == {dead}
    assert (failed[dead] or "").startswith(f"Ray {what} died while processing this video, again when retried")
    expected = [json.loads(ln) for ln in reference.decode().splitlines()]
    assert [r.to_dict() for r in recs if r.status == "ok"] == [e for e in expected if e["video"] != dead]
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert set(info.failures) == {dead} and set(info.seconds_per_video) == set(VIDEOS)


def test_a_task_that_dies_is_retried_then_recorded(
    ray_instance: None, data: Path, tmp_path: Path, reference: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.ray_backend"):
        summary = run_predict(data, "dummy", tmp_path, options={"die_videos": ["v1.mp4"]}, backend="ray")
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    assert sum("running it again" in r.getMessage() for r in caplog.records) == 1
    _check_dead(tmp_path, reference, "v1.mp4", "task")


def test_an_actor_that_dies_is_replaced_and_its_videos_retried_alone(
    ray_instance: None, data: Path, tmp_path: Path, reference: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    ray = RayOptions(actors=True, videos_per_call=3)
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.ray_backend"):
        summary = run_predict(data, "dummy", tmp_path, 2, options={"die_videos": ["v1.mp4"]}, backend="ray", ray=ray)
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    # the call of v0-v2 died; each ran again alone, and only v1 died again
    assert [r.getMessage().split(": ", 1)[1] for r in caplog.records] == [
        "a Ray actor died on a call of 3 video(s) (ActorDiedError); running each again alone"
    ]
    _check_dead(tmp_path, reference, "v1.mp4", "actor")


@pytest.mark.slow
def test_a_model_method_runs_on_an_actor_pool(ray_instance: None, tmp_path: Path) -> None:
    """The tiny Qwen2.5-VL, loaded once per actor, two actors, two videos per call."""
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    texture = np.kron(rng.integers(0, 256, (6, 24, 3)), np.ones((8, 8, 1))).astype(np.uint8)
    videos = [f"clip{i}.mp4" for i in range(4)]
    for i, v in enumerate(videos):
        step = 6 * (i % 2)  # odd clips pan right
        write_video(data / "videos" / v, np.stack([texture[:, j * step : j * step + 64] for j in range(8)]), fps=8)
    for prim in (Primitive.PAN_RIGHT, Primitive.STATIC):
        recs = [BinaryRecord.make(v, prim, (i % 2 == 1) == (prim is Primitive.PAN_RIGHT)) for i, v in enumerate(videos)]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)
    options = {"model": str(make_tiny_vlm(tmp_path / "tiny")), "device": "cpu", "dtype": "float32"}
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_predict(data, "qwen-vl", local, options=options)
    summary = run_predict(data, "qwen-vl", on_ray, 2, options=options, backend="ray", ray=RayOptions(videos_per_call=2))
    assert (summary.videos_ok, summary.videos_failed) == (4, 0)
    info = read_run_info(on_ray / "qwen-vl" / "run.json")
    assert (info.backend["pool"], info.backend["actors"], info.backend["videos_per_call"]) == ("actors", 2, 2)
    ours, theirs = read_scores(on_ray / "qwen-vl" / "scores.jsonl"), read_scores(local / "qwen-vl" / "scores.jsonl")
    assert [(r.video, r.question) for r in ours] == [(r.video, r.question) for r in theirs]
    assert [r.score for r in ours] == pytest.approx([r.score for r in theirs], abs=1e-6)


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_method_that_cannot_be_set_up_on_ray_stops_with_one_line(ray_instance: None, actors: bool) -> None:
    with pytest.raises(CameraBenchError) as exc:
        list(run_on_ray([(1, 2)] * 4, operator.truediv, (1, 0), operator.add, "work", RayOptions(), actors, 2))
    assert str(exc.value) == "work: ZeroDivisionError: division by zero"


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_job_that_raises_on_ray_costs_that_job_only_with_the_local_reason(ray_instance: None, actors: bool) -> None:
    """Not the other videos of its actor call; the reason reads as with the local backend."""
    jobs = [(4, 2), (1, 0), (6, 3)]
    ray = RayOptions(videos_per_call=3)
    done = {
        d.index: (d.result, d.died)
        for d in run_on_ray(jobs, operator.add, (1, 2), operator.truediv, "w", ray, actors, 1)
    }
    assert done == {0: (2.0, None), 1: (None, "ZeroDivisionError: division by zero"), 2: (2.0, None)}


@pytest.mark.parametrize(
    ("ray", "message"),
    [
        (RayOptions(cpus_per_task=3), "a task needs 3 CPUs and 0 GPUs on one node"),
        (RayOptions(gpus_per_worker=1, actors=True), "an actor needs 1 CPUs and 1 GPUs on one node"),
    ],
)
def test_a_request_no_node_can_hold_is_refused(
    ray_instance: None, data: Path, tmp_path: Path, ray: RayOptions, message: str
) -> None:
    with pytest.raises(CameraBenchError, match=message) as exc:
        run_predict(data, "dummy", tmp_path, backend="ray", ray=ray)
    assert "(nodes: 2 CPUs and 0 GPUs)" in str(exc.value)
    assert not (tmp_path / "dummy" / "run.json").exists()


def test_without_ray_the_backend_says_how_to_install_it(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", tmp_path, backend="ray")
    assert str(exc.value) == INSTALL_HINT
    args = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path), "--backend", "ray"]
    assert main(args) == 1
    assert caplog.records[-1].getMessage() == INSTALL_HINT
    assert not (tmp_path / "dummy").exists()


def test_ray_flags_need_the_ray_backend(data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    args = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path), "--ship-videos"]
    assert main(args) == 1
    assert caplog.records[-1].getMessage() == "--ship-videos only applies with --backend ray"


def test_the_cli_runs_on_ray(ray_instance: None, data: Path, tmp_path: Path, reference: bytes) -> None:
    args = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path), "--backend", "ray"]
    assert main([*args, "--cpus-per-task", "0.5", "--ship-videos"]) == 0
    assert (tmp_path / "dummy" / "scores.jsonl").read_bytes() == reference
    backend = read_run_info(tmp_path / "dummy" / "run.json").backend
    assert (backend["cpus_per_task"], backend["ship_videos"]) == (0.5, True)
    assert main(["caption", "--data", str(data), "--method", "dummy", "--out", str(tmp_path), "--backend", "ray"]) == 0


def test_ray_is_imported_only_inside_the_jobs_layer_functions() -> None:
    """Ray is optional: no module imports it at import time, and only the jobs layer imports it."""
    for path in (REPO_ROOT / "camerabench").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "ray" or n.startswith("ray.") for n in names):
                assert path.parent.name == "jobs", f"{path}: imports ray outside camerabench/jobs"
                assert node.col_offset > 0, f"{path}:{node.lineno}: imports ray at module level"


# --- hostile jobs (round 14): errors that are not Exception, results that cannot be sent --------
# The jobs are built-ins (``eval`` of an expression) so that Ray workers need not import this module.


def _raise(exc: str) -> str:
    """An expression for ``eval`` that raises ``exc`` (an expression of the exception)."""
    return f"(_ for _ in ()).throw({exc})"


CANCELLED = _raise("__import__('asyncio').CancelledError('stopped by its loop')")
OWN_BASE = _raise("type('Halt', (BaseException,), {'__module__': 'plugin'})('a BaseException of its own')")
# a BaseException that holds a lock: it cannot be pickled, so it could not even travel as the cause
LOCKED = _raise("__import__('asyncio').CancelledError('holding', __import__('threading').Lock())")
UNSENDABLE = "[1.0, __import__('threading').Lock()]"  # a result no pickler takes


def _run_eval(
    jobs: list[str], actors: bool, caplog: pytest.LogCaptureFixture, init: str = "None"
) -> dict[int, tuple[object, str | None]]:
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.ray_backend"):
        ray = RayOptions(videos_per_call=8)
        done = run_on_ray([(j, {}) for j in jobs], eval, (init, {}), eval, "w", ray, actors, 1)
        return {d.index: (d.result, d.died) for d in done}


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_base_exception_of_a_job_is_that_jobs_failure_with_the_local_reason(
    ray_instance: None, actors: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """As with the local backend (workers.STOPS): CancelledError and the like were a Ray error,
    'Ray task failed: stopped by its loop', and failed every video of the actor call with it
    (each then run again alone: computed work thrown away)."""
    done = _run_eval(["6 // 3", CANCELLED, OWN_BASE, LOCKED, "7 - 2"], actors, caplog)
    locked = done.pop(3)
    assert done == {
        0: (2, None),
        1: (None, "CancelledError: stopped by its loop"),
        2: (None, "Halt: a BaseException of its own"),
        4: (5, None),
    }
    assert locked[0] is None and (locked[1] or "").startswith("CancelledError: ('holding', <unlocked _thread.lock")
    assert "again alone" not in caplog.text


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_result_that_cannot_be_sent_is_that_jobs_failure_with_the_local_reason(
    ray_instance: None, actors: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Was 'Ray task failed: cannot pickle ...', or the failure of the whole actor call (its
    other videos run again)."""
    done = _run_eval(["6 // 3", UNSENDABLE, "7 - 2"], actors, caplog)
    assert done == {
        0: (2, None),
        1: (None, "its result could not be sent to the driver (TypeError: cannot pickle '_thread.lock' object)"),
        2: (5, None),
    }
    assert "again alone" not in caplog.text


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_set_up_that_raises_a_base_exception_stops_the_run_with_one_line(
    ray_instance: None, actors: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """As locally: tasks recorded every video as 'Ray task failed: ...'; actors said one died."""
    with pytest.raises(CameraBenchError) as exc:
        cancelled = _raise("__import__('asyncio').CancelledError('set-up cancelled')")
        _run_eval(["1", "2", "3"], actors, caplog, init=cancelled)
    assert str(exc.value) == "w: CancelledError: set-up cancelled"


def test_a_real_head_passes_the_probe(ray_instance: None) -> None:
    import ray

    _check_reachable(ray.get_runtime_context().gcs_address)  # answers as gRPC: no error
