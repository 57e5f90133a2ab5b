"""Fakes of the Ray functions the Ray backend calls, for tests that start no Ray instance.

- :class:`FakeRayInit`: ``ray.init`` (raising a given error, or starting nothing) and what
  ``connect`` asks after it (``is_initialized``, ``shutdown``, ``nodes``, ``cluster_resources``,
  ``get_runtime_context``), with the Ray environment variables cleared, the backend's SIGTERM
  handling and its probe of a cluster's head replaced.
- :class:`FakeRayRun`: ``ray.remote`` / ``wait`` / ``get`` / ``put`` / ``cancel`` / ``kill`` as
  ``run_on_ray`` uses them, running each task or actor call at once, in this process.

Everything is replaced with pytest's ``monkeypatch``: put back after each test. A helper module,
not a test file: the tests import it (``from .ray_fakes import FakeRayInit``).
"""

from __future__ import annotations

import os
import signal
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.baselines.dummy import DISPOSABLE_WORKER_ENV

#: The Ray variables cleared before each test (a user's RAY_ADDRESS would make ``connect`` join it).
RAY_VARIABLES = ("RAY_ADDRESS", "RAY_TMPDIR", "TMPDIR", "RAY_USE_TLS", "RAY_USAGE_STATS_ENABLED")


class FakeRayInit:
    """``ray.init`` and what ``connect`` asks after it, without a Ray instance.

    ``error``: what ``ray.init`` raises (after setting ``RAY_USAGE_STATS_ENABLED``, as Ray does);
    ``None`` starts "an instance" of ``cpus`` CPUs on one node. ``ray_tmpdir``: the value of
    ``RAY_TMPDIR`` (left unset when ``None``). ``on_shutdown``: called by ``ray.shutdown``, after
    the instance is marked down. ``error`` and ``on_shutdown`` may be changed after construction.
    ``calls`` lists the address of each ``ray.init``; ``up`` says whether "an instance" is running.
    """

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        *,
        error: BaseException | None = None,
        cpus: float = 2.0,
        ray_tmpdir: Path | str | None = None,
        on_shutdown: Callable[[], object] | None = None,
    ) -> None:
        import ray

        self.calls: list[str | None] = []
        self.error = error
        self.on_shutdown = on_shutdown
        self.up = False
        for name in RAY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        if ray_tmpdir is not None:
            monkeypatch.setenv("RAY_TMPDIR", str(ray_tmpdir))
        monkeypatch.setattr(ray, "is_initialized", lambda: self.up)
        monkeypatch.setattr(ray, "init", self.init)
        monkeypatch.setattr(ray, "shutdown", self.shutdown)
        monkeypatch.setattr(ray, "nodes", lambda: [{"Alive": True, "Resources": {"CPU": cpus}}])
        monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": cpus})
        monkeypatch.setattr(ray, "get_runtime_context", lambda: types.SimpleNamespace(gcs_address="10.0.0.1:6379"))
        monkeypatch.setattr(ray_backend, "_check_reachable", lambda address: None)  # no head to probe
        handlers: dict[int, Any] = {signal.SIGTERM: signal.SIG_DFL}
        fake_signal = types.SimpleNamespace(
            SIGTERM=signal.SIGTERM, getsignal=handlers.__getitem__, signal=handlers.__setitem__
        )
        monkeypatch.setattr(ray_backend, "signal", fake_signal)

    def init(self, address: str | None = None, **kwargs: Any) -> None:
        self.calls.append(address)
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # as ray.init does: put back by connect
        if self.error is not None:
            raise self.error
        self.up = True

    def shutdown(self) -> None:
        self.up = False
        if self.on_shutdown is not None:
            self.on_shutdown()


class _Ref:
    """An object ref whose value is already there."""

    def __init__(self, value: Any) -> None:
        self.value = value


class _Method:
    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def remote(self, *args: Any) -> _Ref:
        return _Ref(self.fn(*args))


class _Actor:
    def __init__(self, obj: Any) -> None:
        self.ready = _Method(obj.ready)
        self.run = _Method(obj.run)


class _Remote:
    def __init__(self, target: Any) -> None:
        self.target = target

    def options(self, **kwargs: Any) -> _Remote:
        return self

    def remote(self, *args: Any) -> Any:
        if isinstance(self.target, type):
            return _Actor(self.target(*args))
        return _Ref(self.target(*args))


class FakeRayRun:
    """``ray.remote`` / ``wait`` / ``get`` / ``put`` / ``cancel`` / ``kill`` as the backend uses them,
    run in this process, on a cluster of ``cpus`` CPUs. ``waits`` lists how many refs each
    ``ray.wait`` was given (``ray.wait([])``, which never returns, fails the test)."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, cpus: float = 2.0, liveness: ray_backend._Liveness | None = None
    ) -> None:
        import ray

        self.waits: list[int] = []
        monkeypatch.setattr(ray, "remote", _Remote)
        monkeypatch.setattr(ray, "wait", self.wait)
        monkeypatch.setattr(ray, "get", lambda ref: [r.value for r in ref] if isinstance(ref, list) else ref.value)
        monkeypatch.setattr(ray, "put", _Ref)
        monkeypatch.setattr(ray, "cancel", lambda ref, force=False: None)
        monkeypatch.setattr(ray, "kill", lambda actor: None)
        monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": cpus})
        monkeypatch.setattr(ray_backend, "_SET_UP", None)  # the worker-side set-up runs here, per test
        # the addresses the cluster is asked at whether it still answers; none (the cluster is up) by default
        asked = liveness if liveness is not None else ray_backend._Liveness(None, None)
        monkeypatch.setattr(ray_backend._Liveness, "of_connected", classmethod(lambda cls: asked))
        monkeypatch.setenv(DISPOSABLE_WORKER_ENV, "0")  # _setup sets it: put back after the test

    def wait(self, refs: list[Any], num_returns: int = 1, timeout: float | None = None) -> tuple[list[Any], list[Any]]:
        self.waits.append(len(refs))
        assert refs, "ray.wait([]) waits for ever"
        return refs[:1], refs[1:]
