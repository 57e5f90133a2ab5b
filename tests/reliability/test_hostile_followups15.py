"""Hostile inputs, follow-ups of round 15: what ``ray.init`` leaves behind, a stale
``ray_current_cluster`` file, and MCQ replies that name a letter that is no option.

No Ray instance is started here: ``ray.init`` and friends are replaced by fakes (monkeypatch).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import camerabench.jobs.ray_backend as ray_backend
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import connect
from camerabench.shotbench import Choice, extract_choice

# --- fakes ------------------------------------------------------------------------------------

#: What Ray 2.x's ray.init sets in the driver's environment (and ray.shutdown leaves).
RAY_ENV = {
    "PYTHONBREAKPOINT": "ray.util.rpdb._driver_set_trace",
    "RAY_AUTH_MODE": "token",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def _ray_sigterm(signum: int, frame: Any) -> None:  # the handler ray.init installs
    raise SystemExit(signum)


class FakeRay:
    """ray.init / ray.shutdown as far as ``connect`` sees them, and a SIGTERM table of its own."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import ray

        self.calls: list[Any] = []
        self.up = False
        self.handlers: dict[int, Any] = {signal.SIGTERM: signal.SIG_DFL}
        for key in RAY_ENV:  # put back at the end of the test whatever connect does
            monkeypatch.delenv(key, raising=False)
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
        monkeypatch.setattr(ray, "is_initialized", lambda: self.up)
        monkeypatch.setattr(ray, "init", self.init)
        monkeypatch.setattr(ray, "shutdown", self.shutdown)
        monkeypatch.setattr(ray, "nodes", lambda: [{"Alive": True, "Resources": {"CPU": 2.0}}])
        monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 2.0})
        monkeypatch.setattr(ray, "get_runtime_context", lambda: types.SimpleNamespace(gcs_address="10.0.0.1:6379"))
        fake_signal = types.SimpleNamespace(
            SIGTERM=signal.SIGTERM,
            getsignal=lambda sig: self.handlers[sig],
            signal=lambda sig, handler: self.handlers.__setitem__(sig, handler),
        )
        monkeypatch.setattr(ray_backend, "signal", fake_signal)

    def init(self, address: str | None = None, **kwargs: Any) -> None:
        self.calls.append(address)
        self.up = True
        ray_backend.os.environ.update(RAY_ENV)
        self.handlers[signal.SIGTERM] = _ray_sigterm

    def shutdown(self) -> None:
        self.up = False


@pytest.fixture()
def fake_ray(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeRay:
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path))  # no ray_current_cluster there unless a test writes one
    return FakeRay(monkeypatch)


# --- 1. what ray.init changed is put back when camerabench shuts its instance down -------------


def test_environment_ray_init_set_is_put_back_after_the_run(fake_ray: FakeRay) -> None:
    """A later breakpoint() in the library user's process went to Ray's remote debugger."""
    import os

    with connect(None):
        assert os.environ["PYTHONBREAKPOINT"] == "ray.util.rpdb._driver_set_trace"
    assert fake_ray.calls == [None]
    assert [key for key in RAY_ENV if key in os.environ] == []


def test_a_variable_the_user_had_gets_its_value_back(fake_ray: FakeRay, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv("PYTHONBREAKPOINT", "ipdb.set_trace")
    with connect(None):
        os.environ["RAY_USAGE_STATS_ENABLED"] = "1"  # changed again during the run: not ours to undo
    assert os.environ["PYTHONBREAKPOINT"] == "ipdb.set_trace"
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "1"
    assert "RAY_AUTH_MODE" not in os.environ


def test_the_default_sigterm_disposition_is_put_back_after_the_run(fake_ray: FakeRay) -> None:
    """SIG_DFL is not callable: Ray's handler (sys.exit) stayed in place after the run."""
    with connect(None):
        pass
    assert fake_ray.handlers[signal.SIGTERM] is signal.SIG_DFL


def test_an_instance_the_user_started_is_left_as_it_is(fake_ray: FakeRay) -> None:
    import os

    fake_ray.init()  # the user's ray.init
    with connect(None):
        pass
    assert fake_ray.calls == [None]  # connect started nothing
    assert os.environ["PYTHONBREAKPOINT"] == RAY_ENV["PYTHONBREAKPOINT"]
    assert fake_ray.handlers[signal.SIGTERM] is _ray_sigterm


# --- 2. a stale ray_current_cluster -----------------------------------------------------------


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return int(s.getsockname()[1])  # closed: nothing listens there


@pytest.fixture()
def grpc_head() -> Iterator[int]:
    """A port that answers an HTTP/2 opening with a SETTINGS frame, as a Ray head's GCS does."""
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(4)
    server.settimeout(5)

    def serve() -> None:
        try:
            while True:
                conn = server.accept()[0]
                conn.recv(100)
                conn.sendall(bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
                conn.close()
        except OSError:  # closed at the end of the test
            return

    threading.Thread(target=serve, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()


def _write_current_cluster(tmp_path: Path, text: str) -> Path:
    (tmp_path / "ray").mkdir()
    path = tmp_path / "ray" / "ray_current_cluster"
    path.write_text(text)
    return path


def test_a_stale_current_cluster_with_auto_is_an_error_naming_the_file(fake_ray: FakeRay, tmp_path: Path) -> None:
    """ray.init('auto') joined the address a crashed 'ray start' head left, and waited for it."""
    port = _dead_port()
    path = _write_current_cluster(tmp_path, f"127.0.0.1:{port}\n")
    with pytest.raises(CameraBenchError) as exc, connect("auto"):
        pass
    assert fake_ray.calls == []
    message = str(exc.value)
    assert message.startswith(f"could not reach the Ray cluster at 127.0.0.1:{port}: nothing answers there (")
    assert message.endswith(
        f"(the address in {path}, left by 'ray start'; when that cluster is gone, 'ray stop' removes the file)"
    )


def test_a_stale_current_cluster_with_no_address_starts_a_local_instance(
    fake_ray: FakeRay, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write_current_cluster(tmp_path, f"127.0.0.1:{_dead_port()}")
    with caplog.at_level(logging.WARNING, logger=ray_backend.__name__), connect(None):
        pass
    assert fake_ray.calls == ["local"]  # not None: ray.init would join the dead head
    assert any("is gone" in r.getMessage() and "starting a local instance" in r.getMessage() for r in caplog.records)


def test_a_live_current_cluster_is_joined_as_before(fake_ray: FakeRay, tmp_path: Path, grpc_head: int) -> None:
    _write_current_cluster(tmp_path, f"127.0.0.1:{grpc_head}\n")
    with connect(None):
        pass
    with connect("auto"):
        pass
    assert fake_ray.calls == [None, "auto"]


def test_an_unreadable_current_cluster_is_one_line(fake_ray: FakeRay, tmp_path: Path) -> None:
    (tmp_path / "ray" / "ray_current_cluster").mkdir(parents=True)  # a folder: IsADirectoryError in ray.init
    with pytest.raises(CameraBenchError, match=r"could not read .*ray_current_cluster .*remove it"), connect(None):
        pass
    assert fake_ray.calls == []


# --- 3. MCQ replies naming a letter that is no option ------------------------------------------

OPTIONS = {"A": "Pan left", "B": "Pan right", "C": "Tilt up", "D": "Static"}


@pytest.mark.parametrize(
    "reply",
    [
        "The answer is not E. Pan left",  # was A by its text, while "E. Pan left" is unparsed
        "not E. Pan left",
        "E - Pan left",
        "I would say E, pan left",
        "The answer is B, not E",  # was B
        "Not E. A.",  # was A
    ],
)
def test_a_reply_naming_a_letter_that_is_no_option_is_unparsed(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == Choice(None, "unparsed")


@pytest.mark.parametrize(
    ("reply", "letter", "rule"),
    [
        ("I think it is B", "B", "letter"),  # the pronoun I is no option letter
        ("B, I'd say", "B", "letter"),
        ("A static shot", "D", "text"),
        ("Pan left", "A", "text"),
    ],
)
def test_english_words_a_and_i_are_not_taken_for_letters(reply: str, letter: str, rule: str) -> None:
    assert extract_choice(reply, OPTIONS) == Choice(letter, rule)  # type: ignore[arg-type]


def test_a_letter_standing_alone_in_an_option_text_is_no_stray_letter() -> None:
    options = {"A": "Move along the X axis", "B": "Static"}
    assert extract_choice("Move along the X axis", options) == Choice("A", "text")
