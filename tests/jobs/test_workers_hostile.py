"""Hostile input to parallel execution, without Ray: worker processes (:mod:`camerabench.jobs.workers`),
the runner's serial path and worker counts, Ray options checked before Ray starts, and SIGTERM.

A job that raises or returns what cannot cross the pipe is that job's failure with its reason
(not a "worker died" of exit code 1, not a crashed run); a worker count that is not an integer
>= 1 is refused before any file is written; a Ray head that does not answer is an error at once.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import signal
import socket
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import camerabench.jobs.runner as runner
import camerabench.jobs.workers as workers_module
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, connect
from camerabench.jobs.runner import run_predict
from camerabench.jobs.workers import run_in_workers
from camerabench.records import read_run_info, read_scores

#: Job functions for worker processes: a module the spawned workers can import by name.
_JOBS = '''
class Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot pickle Unpicklable")


class NeedsTwo(Exception):
    """Pickles, but does not unpickle: its __init__ takes two arguments, its args hold one."""

    def __init__(self, a, b):
        super().__init__(a)


def noop(*args):
    pass


def logs(x):
    import logging

    log = logging.getLogger("camerabench.test_worker_logging")
    log.debug("debug line of job %d", x)
    log.info("info line of job %d", x)
    return x


def job(kind, x):
    if kind == "raises":
        raise ValueError(f"bad video {x}\\nsecond line")
    if kind == "unpicklable":
        return Unpicklable()
    if kind == "unreadable":
        return NeedsTwo("x", "y")
    return x
'''


@pytest.fixture()
def jobs_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    folder = tmp_path / "jobs_module"
    folder.mkdir()
    (folder / "hostile_jobs.py").write_text(textwrap.dedent(_JOBS))
    monkeypatch.syspath_prepend(str(folder))  # spawned workers get the parent's sys.path
    yield importlib.import_module("hostile_jobs")
    sys.modules.pop("hostile_jobs", None)


@pytest.fixture()
def data(six_videos: Path) -> Path:
    return six_videos


def test_a_job_that_raises_or_whose_result_cannot_cross_the_pipe_costs_that_job_only(
    jobs_module: ModuleType,
) -> None:
    jobs = [("ok", 0), ("raises", 1), ("ok", 2), ("unpicklable", 3), ("unreadable", 4), ("ok", 5)]
    done = {d.index: (d.result, d.died) for d in run_in_workers(jobs, 2, jobs_module.noop, (), jobs_module.job, "w")}
    assert done == {
        0: (0, None),
        1: (None, "ValueError: bad video 1 (+1 more lines)"),
        2: (2, None),
        3: (None, "its result could not be sent to the main process (TypeError: cannot pickle Unpicklable)"),
        4: (
            None,
            "its result could not be read (TypeError: NeedsTwo.__init__() missing 1 required positional argument: 'b')",
        ),
        5: (5, None),
    }


@pytest.mark.parametrize("count", [0, -1, 2.5, "2", None, True, float("nan")])
def test_a_worker_count_that_is_not_an_integer_above_zero_is_refused(
    count: Any, data: Path, tmp_path: Path, jobs_module: ModuleType
) -> None:
    message = f"workers must be an integer >= 1, got {count!r}"
    with pytest.raises(CameraBenchError) as exc:
        list(run_in_workers([("ok", 1)], count, jobs_module.noop, (), jobs_module.job, "w"))  # 0: nothing ran, silently
    assert str(exc.value) == message
    if count is None:  # run_predict's default: workers not given (1 process; a Ray task method warns of a given one)
        return
    with pytest.raises(CameraBenchError) as exc:  # 2.5 and nan: a TypeError after run.json was written
        run_predict(data, "dummy", tmp_path, workers=count)
    assert str(exc.value) == message
    assert not (tmp_path / "dummy" / "run.json").exists()


def test_a_worker_that_cannot_be_started_is_one_line(monkeypatch: pytest.MonkeyPatch, jobs_module: ModuleType) -> None:
    real = workers_module.get_context

    class NoPipes:
        def __init__(self) -> None:
            self.ctx = real("spawn")

        def Pipe(self) -> Any:  # noqa: N802 - the multiprocessing name
            raise OSError(errno.EMFILE, "Too many open files")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.ctx, name)

    monkeypatch.setattr(workers_module, "get_context", lambda method: NoPipes())
    with pytest.raises(CameraBenchError) as exc:
        list(run_in_workers([("ok", 1)] * 3, 2, jobs_module.noop, (), jobs_module.job, "work"))
    assert str(exc.value) == (
        "work: could not start worker process 1 of 2 ([Errno 24] Too many open files); use fewer workers"
    )


def test_a_job_that_raises_in_the_main_process_is_a_recorded_failure(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner._predict_job

    def buggy(video: str, path: str, questions: Any) -> Any:
        if video == "v2.mp4":
            raise TypeError("float() argument must be a string or a real number, not 'NoneType'")
        return real(video, path, questions)

    monkeypatch.setattr(runner, "_predict_job", buggy)
    summary = run_predict(data, "dummy", tmp_path)  # workers=1: in this process
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    reason = "TypeError: float() argument must be a string or a real number, not 'NoneType'"
    assert summary.failures == {"v2.mp4": reason}
    failed = [r for r in read_scores(tmp_path / "dummy" / "scores.jsonl") if r.status == "failed"]
    assert {r.video for r in failed} == {"v2.mp4"} and {r.reason for r in failed} == {reason}
    assert read_run_info(tmp_path / "dummy" / "run.json").finished is not None


def test_details_that_json_cannot_hold_fail_that_video_only(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A method's run.json details with a numpy bool (display rotation once did this) stopped
    the whole run at writing run.json; now that video fails with the reason."""
    import numpy as np

    from camerabench.baselines.dummy import DummyPredictor

    real = DummyPredictor.predict

    def with_details(self: DummyPredictor, video_path: Path, questions: Any) -> Any:
        result = real(self, video_path, questions)
        if video_path.name == "v3.mp4":
            result.info = {"mirrored": np.bool_(False)}
        return result

    monkeypatch.setattr(DummyPredictor, "predict", with_details)
    summary = run_predict(data, "dummy", tmp_path)
    assert (summary.videos_ok, summary.videos_failed) == (5, 1)
    reason = summary.failures["v3.mp4"]
    assert reason.startswith("the method's details for run.json are not JSON (TypeError:") and "bool" in reason
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert info.finished is not None and set(info.failures) == {"v3.mp4"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cpus_per_task": 1e-5}, "cpus_per_task must be at least 0.0001 (the smallest fraction Ray schedules)"),
        ({"gpus_per_worker": 1e-5}, "gpus_per_worker must be 0 or at least 0.0001"),
        ({"cpus_per_task": "1"}, "cpus_per_task must be a number > 0, got '1'"),
        ({"videos_per_call": 2.5}, "videos_per_call must be an integer >= 1, got 2.5"),
        ({"address": ""}, "address must be 'auto' or HOST:PORT (or None), got ''"),
    ],
)
def test_ray_options_ray_would_refuse_mid_run_are_refused_up_front(options: dict[str, Any], message: str) -> None:
    with pytest.raises(CameraBenchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RayOptions(**options)


def test_gpus_for_a_method_that_runs_as_ray_tasks_are_refused(data: Path, tmp_path: Path) -> None:
    """Tasks reserve no GPU: run.json would record GPUs the run never had."""
    with pytest.raises(CameraBenchError, match="is for the Ray actors of model methods; method 'dummy' runs one Ray"):
        run_predict(data, "dummy", tmp_path, backend="ray", ray=RayOptions(gpus_per_worker=1))
    assert not (tmp_path / "dummy").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1:{port}", "nothing answers there (Connection refused)"),
        ("localhost:99999", "port 99999 is not in 1-65535"),
    ],
)
def test_a_ray_head_that_does_not_answer_is_an_error_at_once(address: str, message: str) -> None:
    """``ray.init`` retries such an address for ever (and ignores SIGTERM while it does)."""
    address = address.format(port=_closed_port())
    outcome: list[BaseException | None] = []

    def join() -> None:
        try:
            with connect(address):
                outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    thread = threading.Thread(target=join, daemon=True)
    thread.start()
    thread.join(20)
    assert outcome, f"connect({address!r}) still waiting after 20 s"
    assert isinstance(outcome[0], CameraBenchError)
    assert str(outcome[0]).startswith(f"could not reach the Ray cluster at {address}: {message}")


def test_sigterm_turned_into_system_exit_by_a_library_still_exits_143() -> None:
    """Ray turns an exception a signal handler raises inside ``ray.wait`` into SystemExit(1)."""
    # the runner unwinds only where SIGTERM has its default action: a Ray instance an earlier test
    # started in this process (ray.init's handler outlives ray.shutdown) would end the process here
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with pytest.raises(SystemExit) as exc, runner._sigterm_unwinds():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                threading.Event().wait(5)  # the handler runs here
            except SystemExit as terminated:
                raise SystemExit(1) from terminated  # what ray._raylet.check_status raises
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert exc.value.code == 128 + signal.SIGTERM


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO])
def test_workers_log_debug_lines_when_the_main_process_does(
    level: int, jobs_module: ModuleType, capfd: pytest.CaptureFixture[str]
) -> None:
    """``camerabench -v`` (red team R50): a spawned worker started with no logging set up, so a
    method's debug lines (``fast``'s decisions per frame pair) were lost while the main process
    logged at DEBUG; its warnings reached stderr through logging's last resort. Below DEBUG the
    workers stay quiet as before."""
    root = logging.getLogger()
    handlers, old_level = list(root.handlers), root.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("W50 %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    root.setLevel(level)
    try:
        done = sorted(d.result for d in run_in_workers([(1,), (2,)], 2, jobs_module.noop, (), jobs_module.logs, "w"))
    finally:
        root.handlers = handlers
        root.setLevel(old_level)
    assert done == [1, 2]
    err = capfd.readouterr().err
    for x in (1, 2):
        shown = [
            f"W50 DEBUG camerabench.test_worker_logging: debug line of job {x}",
            f"W50 INFO camerabench.test_worker_logging: info line of job {x}",
        ]
        assert all((line in err) == (level == logging.DEBUG) for line in shown)
