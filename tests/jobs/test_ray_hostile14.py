"""Hostile inputs, round 14: the Ray backend and the demo job.

These tests need no Ray instance (``connect`` must find none running); the cases that run jobs
on one are in ``ray_cases.py`` (run in a pytest process of its own, ``test_ray_backend.py``).
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import camerabench.jobs.ray_backend as ray_backend
import camerabench.synth
from camerabench.errors import CameraBenchError
from camerabench.jobs.demo import run_demo
from camerabench.jobs.ray_backend import connect, require_ray

# --- no Ray instance running in this process --------------------------------------------------


@pytest.fixture()
def silent_head() -> Iterator[int]:
    """A port on every address of this machine where connections are accepted, never answered."""
    held: list[socket.socket] = []
    with socket.socket() as server:
        server.bind(("0.0.0.0", 0))
        server.listen(8)
        server.settimeout(5)

        def accept() -> None:
            try:
                while True:
                    held.append(server.accept()[0])
            except OSError:  # closed at the end of the test (or the timeout)
                return

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield int(server.getsockname()[1])
    for conn in held:
        conn.close()


def test_a_head_address_where_something_listens_but_never_answers_is_refused_quickly(
    silent_head: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TCP connection succeeded, so ray.init was called: it waited ~10 minutes (20 tries of 30 s)."""
    monkeypatch.setattr(ray_backend, "_PROBE_TIMEOUT_S", 0.3)
    with pytest.raises(CameraBenchError) as exc:
        ray_backend._check_reachable(f"127.0.0.1:{silent_head}")
    assert str(exc.value).startswith(
        f"could not reach the Ray cluster at 127.0.0.1:{silent_head}: something listens there but is not a Ray "
        "head (no answer within 0.3 s); give the head's GCS port"
    )


def test_a_head_address_of_a_web_server_is_refused_with_what_it_answered() -> None:
    """E.g. the dashboard's port 8265 given for the head's."""
    with socket.socket() as server:
        server.bind(("0.0.0.0", 0))
        server.listen(1)

        def answer() -> None:
            conn = server.accept()[0]
            conn.recv(100)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()

        threading.Thread(target=answer, daemon=True).start()
        port = server.getsockname()[1]
        with pytest.raises(CameraBenchError, match=r"is not a Ray head \(it answered b'HTTP/1.1 '\); give"):
            ray_backend._check_reachable(f"localhost:{port}")


def test_a_head_on_the_loopback_only_is_not_taken_as_reachable() -> None:
    """Ray connects to 127.0.0.1:PORT by this machine's address: a head (or an SSH tunnel) bound to the
    loopback only was probed as reachable, then ray.init waited ~10 minutes for it."""
    import ray.util

    if ray.util.get_node_ip_address() in ("127.0.0.1", "::1"):
        pytest.skip("this machine's address is the loopback")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with pytest.raises(CameraBenchError, match="nothing answers there"):
            ray_backend._check_reachable(f"127.0.0.1:{port}")


def test_a_dead_cluster_in_ray_address_is_an_error_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no address (a local instance) ray.init joins RAY_ADDRESS instead: it was never probed."""
    import ray

    assert not ray.is_initialized()
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    outcome: list[BaseException | None] = []

    def join() -> None:
        try:
            with connect(None):
                outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - checked below
            outcome.append(exc)

    thread = threading.Thread(target=join, daemon=True)
    thread.start()
    thread.join(10)
    assert outcome, "connect(None) with a dead RAY_ADDRESS still waiting after 10 s"
    assert isinstance(outcome[0], CameraBenchError)
    message = str(outcome[0])
    assert message.startswith(f"could not reach the Ray cluster at 127.0.0.1:{port}: nothing answers there (")
    assert message.endswith("(the address in the environment variable RAY_ADDRESS)")


def test_ray_installed_but_not_importable_is_one_line_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ray whose import fails (a protobuf of another version): an ImportError traceback at connect."""
    fake = tmp_path / "ray"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError(\"cannot import name 'builder' from 'google.protobuf'\")\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "ray", raising=False)
    with pytest.raises(CameraBenchError) as exc:
        require_ray()
    assert str(exc.value) == (
        "the Ray backend needs Ray, which is installed but cannot be imported (ImportError: cannot import name "
        "'builder' from 'google.protobuf'); reinstall it: pip install -c constraints.txt --force-reinstall "
        "'camerabench[ray]'"
    )


def test_the_demo_takes_a_numpy_clip_count_as_it_takes_numpy_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """np.int64(2) from a computed configuration was refused: 'clips must be an integer >= 1, got 2'."""
    given: list[object] = []

    class RenderedError(Exception):
        pass

    def generate(data: Path, clips: object, **kwargs: object) -> None:
        given.append(clips)
        raise RenderedError

    monkeypatch.setattr(camerabench.synth, "generate_dataset", generate)
    with pytest.raises(RenderedError):
        run_demo(tmp_path / "out", clips=np.int64(2), workers=np.int64(1), methods={"dummy": {}})
    assert given == [2] and type(given[0]) is int  # the manifest records a plain number
    with pytest.raises(CameraBenchError, match=r"clips must be an integer >= 1, got np.int64\(0\)"):
        run_demo(tmp_path / "out", clips=np.int64(0), methods={"dummy": {}})
