"""``ray.init`` failing to start or join Ray is one line naming where, what Ray said and what to try.

``ray.init`` is replaced by a fake (``ray_fakes.FakeRayInit``) raising what Ray raises in each case (the
version mismatch and the TLS error are made by Ray's own functions); no Ray instance is started.
``RAY_TMPDIR`` is the test's folder: no ``ray_current_cluster`` of this machine's is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import connect

from .ray_fakes import FakeRayInit

pytest.importorskip("ray")

#: Ray's message (ray/_private/node.py) when a local instance's processes do not come up in 30 s.
TIMEOUT = (
    "The current node timed out during startup. This could happen because some of the raylet failed to "
    "startup or the GCS has become overloaded."
)


def _failure(address: str | None) -> CameraBenchError:
    with pytest.raises(CameraBenchError) as exc, connect(address):
        pass
    message = str(exc.value)
    assert "\n" not in message
    assert "RAY_USAGE_STATS_ENABLED" not in os.environ  # what ray.init set is put back
    return exc.value


def test_the_startup_timeout_of_a_local_instance_is_one_line_with_the_temp_folder_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    error = Exception(TIMEOUT)  # Ray raises the class Exception itself
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=error)
    failure = _failure(None)
    message = str(failure)
    assert message.startswith(f"could not start a local Ray instance: {TIMEOUT}; ")
    assert f"temporary folder {tmp_path / 'ray'} (from RAY_TMPDIR) on a slow shared file system" in message
    assert "set RAY_TMPDIR to a short absolute path on a local disk" in message
    assert failure.__cause__ is error


def test_a_connection_error_names_the_address_ray_s_cause_and_ray_status(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    try:  # as ray.init wraps what Node(connect_only=True) raised
        try:
            raise RuntimeError("GCS has not been ready for 60 s")
        except RuntimeError as cause:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379") from cause
    except ConnectionError as exc:
        error = exc
    fake = FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=error)
    message = str(_failure("10.0.0.1:6379"))
    assert message == (
        "could not reach the Ray cluster at 10.0.0.1:6379: Failed to connect to Ray cluster at 10.0.0.1:6379 "
        "(GCS has not been ready for 60 s); check that the cluster's head is up ('ray status' on it) and that "
        "this machine can reach it"
    )
    assert fake.calls == ["10.0.0.1:6379"]


def test_a_ray_version_mismatch_names_both_versions_and_the_pip_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ray
    from ray._private.utils import check_version_info, compute_version_info

    python_here = compute_version_info()[1]
    with pytest.raises(RuntimeError) as raised:  # Ray's own message
        check_version_info({"ray_version": "2.41.0", "python_version": python_here}, "node 10.0.0.9")
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=raised.value)
    failure = _failure("10.0.0.1:6379")
    message = str(failure)
    assert message.startswith("could not reach the Ray cluster at 10.0.0.1:6379: Version mismatch: ")
    assert f"Ray: 2.41.0 Python: {python_here}" in message  # the cluster's
    assert f"Ray: {ray.__version__} Python: {python_here}" in message  # this process's
    assert message.endswith("; install the cluster's Ray version here: pip install 'ray==2.41.0'")
    assert failure.__cause__ is raised.value


def test_a_python_version_mismatch_alone_says_which_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ray
    from ray._private.utils import check_version_info

    with pytest.raises(RuntimeError) as raised:
        check_version_info({"ray_version": ray.__version__, "python_version": "3.9.1"}, "node 10.0.0.9")
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=raised.value)
    message = str(_failure("10.0.0.1:6379"))
    assert "; run this under the cluster's Python 3.9.1 (this process has " in message
    assert "pip install" not in message


def test_an_authentication_error_says_how_to_give_the_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exceptions = pytest.importorskip("ray.exceptions")
    if not hasattr(exceptions, "AuthenticationError"):
        pytest.skip("this Ray has no token authentication")
    error = exceptions.AuthenticationError("Token authentication is enabled but no authentication token was found.")
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=error)
    failure = _failure("10.0.0.1:6379")
    message = str(failure)
    assert message.startswith(
        "could not reach the Ray cluster at 10.0.0.1:6379: Token authentication is enabled but no authentication "
        "token was found."
    )
    assert "give this process the cluster's token (RAY_AUTH_TOKEN" in message
    assert failure.__cause__ is error


def test_a_tls_setting_error_names_the_tls_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ray._common.tls_utils import load_certs_from_env

    fake = FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=RuntimeError())  # the error is replaced below
    monkeypatch.setenv("RAY_USE_TLS", "1")
    for name in ("RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as raised:  # Ray's own message
        load_certs_from_env()
    fake.error = raised.value
    message = str(_failure("10.0.0.1:6379"))
    assert message.startswith(f"could not reach the Ray cluster at 10.0.0.1:6379: {raised.value}; ")
    assert "check that RAY_USE_TLS and RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT are set" in message


def test_the_cluster_of_ray_address_is_named_not_a_local_instance(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    FakeRayInit(
        monkeypatch, ray_tmpdir=tmp_path, error=ConnectionError("Failed to connect to Ray cluster at 10.0.0.2:6379")
    )
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.2:6379")
    message = str(_failure(None))
    assert message.startswith("could not reach the Ray cluster at 10.0.0.2:6379 (from RAY_ADDRESS): Failed to ")
    assert "'ray status'" in message


def test_the_cluster_ray_start_recorded_is_named_for_auto(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    FakeRayInit(
        monkeypatch, ray_tmpdir=tmp_path, error=ConnectionError("Failed to connect to Ray cluster at 10.0.0.3:6379")
    )
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / "ray_current_cluster").write_text("10.0.0.3:6379\n")
    message = str(_failure("auto"))
    assert message.startswith(
        f"could not reach the Ray cluster at 10.0.0.3:6379 (recorded in {tmp_path / 'ray' / 'ray_current_cluster'} "
        "by 'ray start'): "
    )


def test_local_is_a_local_instance_not_a_cluster_named_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=PermissionError(13, "Permission denied", str(tmp_path / "ray")))
    message = str(_failure("local"))
    assert message.startswith("could not start a local Ray instance: [Errno 13] Permission denied")
    assert f"Ray keeps its sockets and logs under {tmp_path / 'ray'} (from RAY_TMPDIR)" in message


class _OwnError(Exception):
    """An exception class of someone's code: no start-up failure of Ray's."""


@pytest.mark.parametrize(
    "error",
    [TypeError("init() got an unexpected keyword argument"), KeyError("node_id"), NotImplementedError(), _OwnError()],
    ids=["TypeError", "KeyError", "NotImplementedError", "Exception-subclass"],
)
def test_programming_errors_keep_their_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, error: Exception
) -> None:
    FakeRayInit(monkeypatch, ray_tmpdir=tmp_path, error=error)
    with pytest.raises(type(error)) as raised, connect(None):
        pass
    assert raised.value is error
    assert "RAY_USAGE_STATS_ENABLED" not in os.environ
