"""The Ray backend tells a lost cluster from a video's death by asking the head and this node (red
team R67, with a real head killed mid-run):

- the head killed outright (``ray stop --force``): ``ray.wait`` raised nothing and some 60 s later
  Ray's client ended the process with no camerabench line; now the driver checks every few seconds
  of waiting that the head's GCS and its node's raylet answer, and stops with the one error;
- with actors, the video in flight came back as ``ActorUnavailableError`` (a death by its type): it
  was retried, then recorded failed, and the run stopped blaming the out-of-memory killer; now every
  Ray death is checked against the cluster first.

The checks are real TCP probes (:meth:`_Liveness.gone`) against sockets of this test; the runs use
the in-process stand-in for Ray (:class:`FakeRayRun`).
"""

from __future__ import annotations

import operator
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions, _Liveness, run_on_ray

from .ray_fakes import FakeRayRun
from .test_ray_leftovers63 import _FailingGet

_SETTINGS = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])  # an empty HTTP/2 SETTINGS frame: what a gRPC server answers


def _closed_port() -> int:
    """A port of this machine where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """A server on 127.0.0.1 that answers each connection as a gRPC server does (``grpc``) or closes it
    at once; :meth:`close` takes it down (a head killed: its port refuses connections)."""

    def __init__(self, grpc: bool = True, silent: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address: tuple[str, int] = self.listener.getsockname()[:2]
        self.grpc, self.silent, self.stop = grpc, silent, threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            if self.silent:  # a stalled process: the connection is taken, nothing is said
                self.held.append(conn)
                continue
            with conn:
                if self.grpc:
                    conn.recv(64)
                    conn.sendall(_SETTINGS)

    def close(self) -> None:
        if not self.stop.is_set():
            self.stop.set()
            self.thread.join()
            self.listener.close()
            for conn in self.held:
                conn.close()


@pytest.fixture()
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """The address of a :class:`_Server` answering as gRPC (``"grpc"``), closing (``"closes"``) or
    saying nothing (``"silent"``)."""
    up = _Server(grpc=request.param == "grpc", silent=request.param == "silent")
    yield up.address
    up.close()


@pytest.fixture()
def head(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    """The head of the cluster at 10.0.0.9:6379 that runs in this test see (given to
    :class:`FakeRayRun` as ``_Liveness(head.address, None)``): a real gRPC-answering socket, probed
    as the backend probes a head, until the test closes it."""
    import ray

    up = _Server()
    monkeypatch.setattr(ray, "is_initialized", lambda: True)
    monkeypatch.setattr(ray, "get_runtime_context", lambda: type("C", (), {"gcs_address": "10.0.0.9:6379"})())
    yield up
    up.close()


@pytest.mark.parametrize("server", ["grpc"], indirect=True)
def test_a_head_and_node_that_answer_are_up(server: tuple[str, int]) -> None:
    assert _Liveness(server, server).gone() is None
    assert _Liveness(None, None).gone() is None  # nothing known to ask: taken as up


def test_a_head_where_nothing_listens_is_gone() -> None:
    port = _closed_port()
    gone = _Liveness(("127.0.0.1", port), None).gone()
    assert gone == f"its head (GCS at 127.0.0.1:{port}) does not answer: Connection refused"


@pytest.mark.parametrize("server", ["grpc"], indirect=True)
def test_a_node_whose_raylet_is_gone_is_gone_while_its_head_answers(server: tuple[str, int]) -> None:
    port = _closed_port()
    gone = _Liveness(server, ("127.0.0.1", port)).gone()
    assert gone == f"this machine's Ray node (raylet at 127.0.0.1:{port}) does not answer: Connection refused"


@pytest.mark.parametrize("server", ["closes", "silent"], indirect=True)
def test_a_server_that_does_not_answer_is_lost_only_after_a_while(
    server: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R72: a real head's GCS frozen for 25 s (SIGSTOP) accepts connections and does not answer; the
    first probe (10 s) stopped a run Ray itself finishes. Now such a head is lost only after
    _SILENT_LOST_S of probes without an answer; one answer starts the count again."""
    monkeypatch.setattr(ray_backend, "_LIVENESS_PROBE_S", 0.2)
    liveness = _Liveness(server, None)
    assert liveness.gone() is None and liveness.silent_since is not None
    liveness.silent_since -= ray_backend._SILENT_LOST_S + 1  # as if the probes had gone unanswered since
    gone = liveness.gone()
    assert gone is not None and gone.startswith(f"its head (GCS at {server[0]}:{server[1]}) does not answer: ")
    assert gone.endswith(f", for {ray_backend._SILENT_LOST_S + 1:.0f} s")
    up = _Server()
    liveness.gcs = up.address  # it answers again
    assert liveness.gone() is None and liveness.silent_since is None
    up.close()


def _run(jobs: list[tuple[Any, ...]], actors: bool) -> tuple[list[tuple[int, Any, str | None]], str]:
    dones = []
    with pytest.raises(CameraBenchError) as caught:
        for done in run_on_ray(
            jobs, operator.add, (1, 2), operator.neg, "method 'x'", RayOptions(videos_per_call=1), actors, 1
        ):
            dones.append((done.index, done.result, done.died))
    return dones, str(caught.value)


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
@pytest.mark.parametrize("error", ["ActorUnavailableError", "WorkerCrashedError"])
def test_a_death_while_the_head_is_gone_stops_the_run_as_a_lost_cluster(
    monkeypatch: pytest.MonkeyPatch, head: _Server, actors: bool, error: str
) -> None:
    from ray import exceptions as rx

    FakeRayRun(monkeypatch, cpus=1.0, liveness=_Liveness(head.address, None))
    exc = rx.ActorUnavailableError("Connection refused", b"\x00" * 16) if error == "ActorUnavailableError" else None
    fake = _FailingGet(monkeypatch, bad=-2, error=exc if exc is not None else rx.WorkerCrashedError())
    failing_get = fake.failing_get

    def head_killed_then_get(ref: Any) -> Any:
        try:
            return failing_get(ref)
        except rx.RayError:
            head.close()  # the head went down: the error Ray gives the driver is a death by its type
            raise

    monkeypatch.setattr(fake, "failing_get", head_killed_then_get)
    import ray

    monkeypatch.setattr(ray, "get", head_killed_then_get)
    port = head.address[1]
    dones, message = _run([(i,) for i in range(5)], actors)
    assert dones == [(0, 0, None), (1, -1, None)]  # the video in flight is no one's failure
    assert message.startswith("method 'x': the Ray cluster at 10.0.0.9:6379 was lost after 2 video(s) of this run (")
    assert f"its head (GCS at 127.0.0.1:{port}) does not answer: Connection refused; Ray said {error}" in message
    assert "--resume" in message
    assert (fake.cancelled, fake.killed) == (0, 0)  # nothing is asked of a cluster that is gone


def test_an_actor_that_dies_setting_up_while_the_node_is_gone_is_a_lost_cluster(
    monkeypatch: pytest.MonkeyPatch, head: _Server
) -> None:
    """A killed raylet: the replacement actors die "owner has died" (was: "Ray actors died while
    setting up the method, 2 times in a row ... the out-of-memory killer")."""
    import ray
    from ray.exceptions import ActorDiedError

    FakeRayRun(monkeypatch, cpus=1.0, liveness=_Liveness(head.address, None))
    original = ray.get

    def get(ref: Any) -> Any:
        if ref.value is None or isinstance(ref.value, str):  # an actor's ready(): set up, or its reason
            head.close()
            raise ActorDiedError()
        return original(ref)

    monkeypatch.setattr(ray, "get", get)
    dones, message = _run([(i,) for i in range(3)], actors=True)
    assert dones == []
    assert message.startswith("method 'x': the Ray cluster at 10.0.0.9:6379 was lost after 0 video(s) of this run (")
    assert "out-of-memory" not in message


class _SlowWait:
    """``ray.wait`` of :class:`FakeRayRun` that gives nothing ``idle`` times in a row before each
    result (a task still running), as the real one does when its timeout passes."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, run: FakeRayRun, idle: int, head: _Server | None = None
    ) -> None:
        import ray

        self.run, self.idle, self.left, self.head = run, idle, idle, head
        self.timeouts: list[float | None] = []
        monkeypatch.setattr(ray, "wait", self.wait)

    def wait(self, refs: list[Any], num_returns: int = 1, timeout: float | None = None) -> tuple[list[Any], list[Any]]:
        self.timeouts.append(timeout)
        if self.head is not None:
            self.head.close()  # killed while the driver waits
        if self.left > 0:
            self.left -= 1
            return [], refs
        self.left = self.idle
        return self.run.wait(refs, num_returns)


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_a_head_killed_while_the_driver_waits_stops_the_run(
    monkeypatch: pytest.MonkeyPatch, head: _Server, actors: bool
) -> None:
    waits = _SlowWait(monkeypatch, FakeRayRun(monkeypatch, 1.0, _Liveness(head.address, None)), idle=2, head=head)
    port = head.address[1]
    dones, message = _run([(i,) for i in range(3)], actors)
    assert dones == []
    assert waits.timeouts == [ray_backend._LIVENESS_S]  # one wait of a few seconds, then the check
    assert message.endswith(
        f"was lost after 0 video(s) of this run (its head (GCS at 127.0.0.1:{port}) does not answer: "
        "Connection refused); what was recorded is kept: continue with --resume once the cluster is up "
        "(or on another backend)"
    )


@pytest.mark.parametrize("actors", [False, True], ids=["tasks", "actors"])
def test_waits_with_nothing_ready_go_on_while_the_cluster_answers(
    monkeypatch: pytest.MonkeyPatch, head: _Server, actors: bool
) -> None:
    waits = _SlowWait(monkeypatch, FakeRayRun(monkeypatch, 1.0, _Liveness(head.address, None)), idle=3)
    jobs = [(i,) for i in range(3)]
    dones = list(run_on_ray(jobs, operator.add, (1, 2), operator.neg, "w", RayOptions(videos_per_call=1), actors, 1))
    assert sorted((d.index, d.result, d.died) for d in dones) == [(0, 0, None), (1, -1, None), (2, -2, None)]
    assert len(waits.timeouts) > 3 * len(jobs) and set(waits.timeouts) == {ray_backend._LIVENESS_S}


def test_a_head_that_refuses_this_processs_token_is_said_so() -> None:
    """R67: a head with token authentication (Ray 2.60's ``ray start --head`` turns it on where
    ~/.ray/auth_token exists) and a driver without RAY_AUTH_MODE=token: Ray's ConnectionError's cause
    ends in a traceback naming InvalidAuthToken; the message said "(+8 more lines)" and to check
    that the head is up."""
    cause = Exception(
        "Failed to connect to GCS. Last connection error: Traceback (most recent call last):\n"
        '  File "worker.py", line 1, in connect\n'
        "ray.exceptions.AuthenticationError: RPC error: InvalidAuthToken: Authentication token is missing"
    )
    exc = ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379")
    exc.__cause__ = cause
    assert ray_backend._init_failure(exc, "10.0.0.1:6379") == (
        "could not reach the Ray cluster at 10.0.0.1:6379: Failed to connect to Ray cluster at 10.0.0.1:6379 "
        "(Failed to connect to GCS. Last connection error: Traceback (most recent call last): ... "
        "ray.exceptions.AuthenticationError: RPC error: InvalidAuthToken: Authentication token is missing); "
        "give this process the cluster's token (RAY_AUTH_TOKEN, or the file RAY_AUTH_TOKEN_PATH names, by default "
        "~/.ray/auth_token) and set RAY_AUTH_MODE=token when the cluster uses token authentication"
    )
    plain = ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379")
    plain.__cause__ = Exception("Failed to connect to GCS within 60 s")
    said = ray_backend._init_failure(plain, "10.0.0.1:6379")
    assert said is not None and said.endswith(
        "check that the cluster's head is up ('ray status' on it) and that this machine can reach it"
    )
