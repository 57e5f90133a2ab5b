"""The Ray backend of the job runner: the same jobs as :mod:`camerabench.jobs.workers`, on a cluster.

:func:`run_on_ray` takes what :func:`~camerabench.jobs.workers.run_in_workers` takes (jobs,
a set-up function, a job function) and yields the same :class:`~camerabench.jobs.workers.JobDone`
per job as it finishes, so the runner records Ray results through the same code as local ones
(append, run.json, progress bar). Two ways to run:

- **tasks** (geometric methods): one Ray task per video, ``cpus_per_task`` CPUs each; the method
  is set up once per Ray worker process and kept for the next task with the same settings.
- **actors** (model methods): ``workers`` actors, each loading the model once
  (``gpus_per_worker`` GPUs each) and taking ``videos_per_call`` videos per call.

A video whose task or actor dies (the out-of-memory killer, a crash in native code, a lost node)
is run once more - alone, when it died in a call holding several videos, so the culprit is
known - and recorded as failed with the reason when it dies again. A job that raises is that
job's failure with the exception as reason (:func:`~camerabench.jobs.workers.job_error`, as
locally), never the failure of the other videos of its actor call; a call that fails as a whole
(a result Ray cannot serialise) runs each of its videos again alone. A method that cannot be
set up stops the run with one line, as locally. So does a cluster that is lost mid-run (the driver's
raylet died, or its head: every Ray death, and every few seconds of waiting, is checked against the
head's and this node's answer): not the failure of the videos left, which ``--resume`` runs.

``HOST:PORT`` addresses (``RAY_ADDRESS`` too, which ``ray.init`` joins when no address is given)
are tried first, as Ray will reach them (``localhost`` by this node's address), with a TCP
connection and the opening of an HTTP/2 (gRPC) exchange: ``ray.init`` retries a head that does
not answer for some 10 minutes (and ignores SIGTERM meanwhile), so nothing listening there, or
something that is not a Ray head, is an error at once. So is the head's address that ``ray start``
left in ``/tmp/ray/ray_current_cluster``, which ``ray.init`` joins when given no address (or
``auto``): when that head is gone, ``auto`` is an error and no address starts a local instance.
A local instance started for the run keeps the caller's SIGTERM handler (``ray.init`` would
replace it with its own), and the environment variables and SIGTERM handler ``ray.init`` set
(``PYTHONBREAKPOINT``: a later ``breakpoint()`` went to Ray's remote debugger) are put back when
the run shuts the instance it started or joined down. An empty or relative ``RAY_TMPDIR`` (or
``TMPDIR``), where a local instance would start, is refused before ``ray.init`` (Ray made a ``ray``
folder in the current folder and timed out after some 30 s), and a temporary folder Ray cannot use
(not writable, socket paths over 107 bytes) is one line naming it.

Data access: workers read videos (and trajectories) by path, so the data must be on storage every
node sees; with ``ship_videos`` the driver reads each video and sends its bytes through Ray's
object store, and the worker runs the method on a temporary copy with the same file name (a video
the driver cannot read is that video's failure, with the reason).
Outputs always come back to the driver, which alone writes the run folder.

Ray is an optional dependency, imported only inside these functions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import math
import numbers
import os
import re
import signal
import socket
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camerabench.baselines.dummy import DISPOSABLE_WORKER_ENV
from camerabench.errors import CameraBenchError
from camerabench.jobs.workers import STOPS, JobDone, check_workers, job_error, one_line

__all__ = [
    "DEFAULT_VIDEOS_PER_CALL",
    "INSTALL_HINT",
    "ClusterInfo",
    "RayOptions",
    "check_fits",
    "check_temp_folder",
    "connect",
    "require_ray",
    "run_on_ray",
]

log = logging.getLogger(__name__)

#: How to install the backend's dependency (the whole error message when it is missing).
INSTALL_HINT = "the Ray backend needs Ray, which is not installed: pip install -c constraints.txt 'camerabench[ray]'"


#: Videos a Ray actor takes per call when ``videos_per_call`` is not given.
DEFAULT_VIDEOS_PER_CALL = 4


@dataclass(frozen=True)
class RayOptions:
    """How a run uses Ray.

    Attributes:
        address: ``None`` starts a Ray instance on this machine for the run (all its CPUs and
            GPUs); ``"auto"`` joins the cluster started on this machine with ``ray start``;
            ``HOST:PORT`` joins that cluster's head. A Ray instance already running in this
            process (``ray.init`` by the caller) is used as it is.
        cpus_per_task: CPUs each task (geometric methods) or actor (model methods) reserves.
        gpus_per_worker: GPUs each actor reserves (model methods; 0 = CPU only).
        videos_per_call: videos an actor takes per call (model methods); ``None`` (not given):
            :data:`DEFAULT_VIDEOS_PER_CALL` (:attr:`per_call` is the value used).
        ship_videos: send video bytes through the object store instead of reading them by path.
        actors: run on an actor pool (True) or one task per video (False); ``None`` picks
            actors for model methods (a ``semantic`` method) and tasks for the others.
    """

    address: str | None = None
    cpus_per_task: float = 1.0
    gpus_per_worker: float = 0.0
    videos_per_call: int | None = None
    ship_videos: bool = False
    actors: bool | None = None

    def __post_init__(self) -> None:
        if self.address is not None and (not isinstance(self.address, str) or not self.address.strip()):
            raise CameraBenchError(f"address must be 'auto' or HOST:PORT (or None), got {self.address!r}")
        for name, low in (("cpus_per_task", "> 0"), ("gpus_per_worker", ">= 0")):
            value = getattr(self, name)
            number = _real(value)
            if number is None or not (number > 0 if low == "> 0" else number >= 0):
                shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."  # 10**400
                raise CameraBenchError(f"{name} must be a number {low}, got {shown}")
            if 0 < number < _RESOURCE_UNIT:  # Ray refuses it when the first task is submitted
                least = f"{'' if low == '> 0' else '0 or '}at least {_RESOURCE_UNIT:g}"
                raise CameraBenchError(f"{name} must be {least} (the smallest fraction Ray schedules), got {value!r}")
            # a plain float: Ray's resource requests and run.json (json.dumps refuses np.float32) take it
            object.__setattr__(self, name, number)
        for name, optional in (("ship_videos", False), ("actors", True)):
            value = getattr(self, name)
            if optional and value is None:
                continue
            flag = _flag(value)
            if flag is None:  # "no" or "false" would be true here and ship the videos / use actors
                raise CameraBenchError(f"{name} must be True or False{' (or None)' if optional else ''}, got {value!r}")
            object.__setattr__(self, name, flag)
        if self.videos_per_call is None:
            return
        if isinstance(self.videos_per_call, bool) or not isinstance(self.videos_per_call, numbers.Integral):
            raise CameraBenchError(f"videos_per_call must be an integer >= 1, got {self.videos_per_call!r}")
        if self.videos_per_call < 1:
            raise CameraBenchError(f"videos_per_call must be >= 1, got {self.videos_per_call}")
        object.__setattr__(self, "videos_per_call", int(self.videos_per_call))

    @property
    def per_call(self) -> int:
        """The videos an actor takes per call: ``videos_per_call``, or the default when not given.

        Example:
            >>> RayOptions().per_call, RayOptions(videos_per_call=2).per_call
            (4, 2)
        """
        return self.videos_per_call if self.videos_per_call is not None else DEFAULT_VIDEOS_PER_CALL


def _real(value: Any) -> float | None:
    """``value`` as a finite float when it is a real number (NumPy scalars included, bools not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's bool_ is no Real
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range
        return None
    return number if math.isfinite(number) else None


def _flag(value: Any) -> bool | None:
    """``value`` as a bool when it is one (NumPy's ``bool_`` included), else None."""
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):  # np.True_
        return bool(value)
    return None


#: The smallest fraction of a CPU or GPU Ray schedules.
_RESOURCE_UNIT = 1e-4
#: Seconds a TCP connection to a ``HOST:PORT`` head may take before the head is taken as unreachable.
_PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ClusterInfo:
    """The Ray cluster a run used (recorded in run.json under ``backend``)."""

    address: str
    nodes: int
    cpus: float
    gpus: float


def require_ray() -> None:
    """Raise the one-line install hint when Ray is not installed, and a one-line error naming
    the cause when it is installed but does not import (e.g. a protobuf or grpcio of another
    version: that was an ImportError traceback from the first ``import ray``)."""
    try:
        found = importlib.util.find_spec("ray") is not None
    except ValueError:  # ``sys.modules["ray"]`` is None: imports of ray are blocked
        found = False
    if not found:
        raise CameraBenchError(INSTALL_HINT)
    try:
        import ray  # noqa: F401 - imported here only to see that it imports
    except ImportError as exc:
        raise CameraBenchError(
            f"the Ray backend needs Ray, which is installed but cannot be imported ({job_error(exc)}); "
            "reinstall it: pip install -c constraints.txt --force-reinstall 'camerabench[ray]'"
        ) from exc


def _check_reachable(address: str) -> None:
    """Refuse a ``HOST:PORT`` where no head answers, before ``ray.init`` waits for it for ever.

    ``auto`` and ``ray://`` addresses, and ones that do not parse, are left to Ray (it reports
    those at once). A port of digits other than ASCII 0-9 (``host:６３７９``, full-width) is
    refused: Python reads it as 6379, which is not the address Ray would be given.
    """
    host, sep, port_text = address.strip().rpartition(":")
    if address.strip() == "auto" or "://" in address or not sep or not host or not port_text.isdigit():
        return
    if not port_text.isascii():
        raise CameraBenchError(
            f"could not reach the Ray cluster at {address}: its port {port_text!r} is not written in the "
            "digits 0-9; retype the address"
        )
    port = int(port_text)
    if not 0 < port < 65536:
        raise CameraBenchError(f"could not reach the Ray cluster at {address}: port {port} is not in 1-65535")
    host = host.strip("[]")  # [::1]:6379
    hosts = [host]
    if host in ("localhost", "127.0.0.1", "::1"):
        # Ray connects to it by this node's address: a head (or a tunnel) on the loopback only is not reached
        import ray.util

        hosts = [ray.util.get_node_ip_address()]
    errors = []
    for candidate in hosts:
        try:
            with socket.create_connection((candidate, port), timeout=_PROBE_TIMEOUT_S) as conn:
                answer = _grpc_answer(conn)
        except UnicodeError as exc:  # a host name IDNA cannot encode (a label over 63 characters)
            problem = f"its host is no host name ({exc})"
            raise CameraBenchError(f"could not reach the Ray cluster at {address}: {problem}") from exc
        except OSError as exc:
            errors.append(exc.strerror or str(exc) or type(exc).__name__)
            continue
        if answer is not None:  # ray.init retried it for some 10 minutes (20 tries of 30 s)
            raise CameraBenchError(
                f"could not reach the Ray cluster at {address}: something listens there but is not a Ray head "
                f"({answer}); give the head's GCS port (6379 unless 'ray start --head --port' said otherwise, "
                "not the dashboard's 8265 or the Ray client's 10001)"
            )
        return
    raise CameraBenchError(
        f"could not reach the Ray cluster at {address}: nothing answers there ({errors[0]}); "
        f"start its head there with 'ray start --head --port {port}', or check the address"
    )


#: An HTTP/2 client's opening (connection preface and an empty SETTINGS frame): a Ray head's GCS
#: (a gRPC server) answers it with a SETTINGS frame of its own at once.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


def _grpc_answer(conn: socket.socket, timeout: float | None = None) -> str | None:
    """None when the server on ``conn`` answers as a gRPC server (HTTP/2) does within ``timeout``
    seconds (None: :data:`_PROBE_TIMEOUT_S`), else what it did.

    Not checked (None) with ``RAY_USE_TLS`` set: a head using TLS answers a plain opening otherwise.
    """
    if os.environ.get("RAY_USE_TLS", "0").strip().lower() not in ("", "0", "false"):
        return None
    timeout = _PROBE_TIMEOUT_S if timeout is None else timeout
    conn.settimeout(timeout)
    try:
        conn.sendall(_HTTP2_PREFACE)
        header = b""
        while len(header) < 9:  # a frame header: length (3 bytes), type (1), flags (1), stream (4)
            chunk = conn.recv(9 - len(header))
            if not chunk:
                break
            header += chunk
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return f"it dropped the connection ({exc.strerror or exc})"
    if len(header) == 9 and header[3] == 4:  # a SETTINGS frame
        return None
    return f"it answered {header[:40]!r}" if header else "it closed the connection without an answer"


@contextlib.contextmanager
def connect(address: str | None) -> Iterator[ClusterInfo]:
    """Connect to Ray for the duration of a run (see :attr:`RayOptions.address`).

    An instance this function starts or joins is shut down (left) at the end, and what
    ``ray.init`` changed in the environment and the SIGTERM handler is put back; one the caller
    started is left running, as it is.
    """
    require_ray()
    import ray

    started = not ray.is_initialized()
    env_before: dict[str, str] = {}
    env_set: dict[str, str] = {}
    sigterm: Any = None  # the caller's SIGTERM handler
    ray_sigterm: Any = None  # the one ray.init installed
    if started:
        from_env = os.environ.get("RAY_ADDRESS", "").strip() if address in (None, "auto") else ""
        # the address ray.init joins: RAY_ADDRESS's when set (the log said "starting a local instance"
        # for a run that joined, and failed to reach, the address in RAY_ADDRESS)
        joining = f"{from_env} (from RAY_ADDRESS)" if from_env else address
        local = joining is None or joining.strip() == "local"
        log.info("ray: %s", "starting a local instance" if local else f"joining the cluster at {joining}")
        init_address, recorded = address, ""
        if from_env:  # ray.init joins that cluster instead (and waited some 10 minutes for a dead one)
            try:
                _check_reachable(from_env)
            except CameraBenchError as exc:
                raise CameraBenchError(f"{exc} (the address in the environment variable RAY_ADDRESS)") from exc
        elif address is not None and address.strip() != "auto":
            check_temp_folder(address.strip())  # "local": a new instance on this machine
            _check_reachable(address)
        else:
            check_temp_folder(address)
            init_address, recorded = _check_current_cluster(address)
        target = _init_target(address, init_address, from_env, recorded)
        main_thread = threading.current_thread() is threading.main_thread()
        sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None
        env_before = dict(os.environ)
        try:
            ray.init(address=init_address, include_dashboard=False, logging_level=logging.WARNING)
            ray_sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None
        except Exception as exc:  # only what Ray raises when it cannot start or join (_init_failure)
            _restore_env(env_before, dict(os.environ))
            problem = _init_failure(exc, target)
            if problem is None:  # not a start-up failure of Ray's: the traceback, as it is
                raise
            raise CameraBenchError(problem) from exc
        except BaseException:
            _restore_env(env_before, dict(os.environ))
            raise
        finally:
            # ray.init installs its own (exit code 15, no unwinding of ours); SIG_DFL is put back at the end
            if callable(sigterm) or (sigterm is not None and ray_sigterm is None):  # or ray.init failed
                signal.signal(signal.SIGTERM, sigterm)
        env_set = dict(os.environ)
    try:
        alive = [n for n in ray.nodes() if n.get("Alive")]
        resources = ray.cluster_resources()
        info = ClusterInfo(
            address=str(ray.get_runtime_context().gcs_address),
            nodes=len(alive),
            cpus=float(resources.get("CPU", 0.0)),
            gpus=float(resources.get("GPU", 0.0)),
        )
        log.info("ray: %d node(s), %g CPUs, %g GPUs", info.nodes, info.cpus, info.gpus)
        yield info
    finally:
        if started:
            try:
                ray.shutdown()
            finally:
                # ray.init set PYTHONBREAKPOINT (a breakpoint() went to Ray's remote debugger),
                # RAY_AUTH_MODE, RAY_USAGE_STATS_ENABLED and a SIGTERM handler; ray.shutdown keeps them
                _restore_env(env_before, env_set)
                if (
                    sigterm is not None  # SIG_DFL or SIG_IGN: Ray's was kept for the run
                    and threading.current_thread() is threading.main_thread()
                    and signal.getsignal(signal.SIGTERM) is ray_sigterm
                ):
                    signal.signal(signal.SIGTERM, sigterm)


def _init_target(address: str | None, init_address: str | None, from_env: str, recorded: str) -> str | None:
    """The cluster address ``ray.init(init_address)`` joins (for its error messages), or None when it
    starts a local instance: ``RAY_ADDRESS``'s, the given one, or ``recorded`` (by ``ray start``)."""
    if from_env:
        return f"{from_env} (from RAY_ADDRESS)"
    if init_address == "local" or (address is not None and address.strip() == "local"):
        return None
    if init_address is not None and init_address.strip() != "auto":
        return init_address
    if recorded:
        return f"{recorded} (recorded in {_ray_address_file()} by 'ray start')"
    return "auto (a cluster started on this machine with 'ray start')" if init_address is not None else None


#: Exception types ``ray.init`` raises when Ray cannot start or join (checked in Ray 2.x's
#: ``worker.init``, ``node.Node``, ``services`` and ``utils.check_version_info``): ConnectionError
#: (no instance at the address, or joining it failed), RuntimeError (a Ray or Python version
#: mismatch with the cluster; RAY_USE_TLS without its certificate variables), ValueError (an address
#: or argument Ray refuses), OSError (its temporary folder cannot be used; a TLS file missing), plus
#: ``ray.exceptions.AuthenticationError`` and a plain ``Exception`` (see :func:`_init_failure`).
_INIT_ERRORS: tuple[type[Exception], ...] = (ConnectionError, RuntimeError, ValueError, OSError)
#: Subclasses of those that are programming errors, not Ray's start-up failures: left as tracebacks.
_PROGRAMMING_ERRORS: tuple[type[Exception], ...] = (NotImplementedError, RecursionError)
#: Ray's message when the processes of a local instance did not register within its 30 s.
_STARTUP_TIMEOUT = "timed out during startup"
_VERSIONS = re.compile(r"Ray:\s*(\S+)\s+Python:\s*(\S+)")


#: Words of Ray's errors when a cluster with token authentication refuses this process's token.
_AUTH_REFUSALS = ("InvalidAuthToken", "Unauthenticated")


def _traceback_said(text: str) -> str:
    r"""``text`` on one line (:func:`~camerabench.jobs.workers.one_line`), with the last line of a
    traceback it holds, which says what was raised ("Failed to connect to GCS. Last connection
    error: Traceback (most recent call last): (+8 more lines)" said nothing of why).

    Example:
        >>> _traceback_said("Failed. Last error: Traceback (most recent call last):\n  File x\nRpcError: refused")
        'Failed. Last error: Traceback (most recent call last): ... RpcError: refused'
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and "Traceback (most recent call last)" in lines[0]:
        return f"{lines[0]} ... {lines[-1]}"
    return one_line(text)


def _init_failure(exc: Exception, target: str | None) -> str | None:
    """The one-line error for ``ray.init`` having raised ``exc`` while joining ``target`` (None: starting
    a local instance), naming what Ray said and what to try; None when ``exc`` is not one of Ray's
    start-up failures (a programming error: its traceback is kept).

    Ray raises a plain ``Exception`` (the class itself, no subclass) when a local instance's
    processes did not come up within its 30 s (``node.Node``: "The current node timed out during
    startup"), or the dashboard failed to start: matched by its exact type, as Python and the
    libraries never raise ``Exception`` itself, so no programming error is taken for it.
    """
    import ray.exceptions

    # token authentication came with Ray 2.5x; the Ray 2.40 that pyproject allows has no such class
    auth_error: tuple[type[Exception], ...] = tuple(
        cls for cls in (getattr(ray.exceptions, "AuthenticationError", None),) if isinstance(cls, type)
    )
    plain = type(exc) is Exception
    if not (plain or isinstance(exc, (*_INIT_ERRORS, *auth_error))) or isinstance(exc, _PROGRAMMING_ERRORS):
        return None
    text = str(exc)
    said = one_line(text)
    cause = exc.__cause__
    if isinstance(exc, ConnectionError) and cause is not None and str(cause).strip():
        said = f"{said} ({_traceback_said(str(cause))})"  # Ray's "Failed to connect to Ray cluster at X" hides why
    # a head with token authentication refuses a driver without the token: Ray retried "Unauthenticated:
    # ... InvalidAuthToken" for 20 s, then raised a ConnectionError whose text ends in a traceback (R67)
    refused_token = any(word in f"{text}\n{cause}" for word in _AUTH_REFUSALS)
    where = "start a local Ray instance" if target is None else f"reach the Ray cluster at {target}"
    tls = os.environ.get("RAY_USE_TLS", "0").strip().lower() in ("1", "true")
    versions = _VERSIONS.findall(text)
    if isinstance(exc, RuntimeError) and text.startswith("Version mismatch") and len(versions) == 2:
        (ray_there, python_there), (ray_here, python_here) = versions
        said = " ".join(ln.strip() for ln in text.splitlines() if ln.strip())  # the versions, on one line
        if ray_there != ray_here:
            hint = f"install the cluster's Ray version here: pip install 'ray=={ray_there}'"
            if python_there != python_here:
                hint += f" (under Python {python_there}, as the cluster)"
        else:
            hint = f"run this under the cluster's Python {python_there} (this process has {python_here})"
        return f"could not {where}: {said}; {hint}"
    if (auth_error and isinstance(exc, auth_error)) or refused_token:
        hint = (
            "give this process the cluster's token (RAY_AUTH_TOKEN, or the file RAY_AUTH_TOKEN_PATH names, "
            "by default ~/.ray/auth_token) and set RAY_AUTH_MODE=token when the cluster uses token authentication"
        )
    elif tls or "TLS" in text:
        hint = (
            "check that RAY_USE_TLS and RAY_TLS_SERVER_CERT, RAY_TLS_SERVER_KEY, RAY_TLS_CA_CERT are set as the "
            "cluster's nodes have them, and name readable files"
        )
    elif plain and _STARTUP_TIMEOUT in text:
        root, name = _ray_temp_root()
        source = f"from {name}" if name else "Ray's default"
        hint = (
            "Ray's processes did not come up within its 30 s: an overloaded machine (a login node?), or its "
            f"temporary folder {os.path.join(root, 'ray')} ({source}) on a slow "
            "shared file system; set RAY_TMPDIR to a short absolute path on a local disk (e.g. /tmp), or run "
            "on a less loaded node"
        )
        if target is not None:
            hint = f"check that the cluster's head is up ('ray status' on it); {hint}"
    elif target is None and isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        # Ray's temporary folder cannot be made (not writable), or its socket paths there are longer
        # than a Unix socket's 107 bytes (a long RAY_TMPDIR / TMPDIR)
        return f"could not {where}: {said}{_temp_hint()}"
    elif target is not None:
        hint = "check that the cluster's head is up ('ray status' on it) and that this machine can reach it"
    else:
        root = _ray_temp_root()[0]
        hint = f"Ray's logs are under {os.path.join(root, 'ray', 'session_latest', 'logs')}"
    return f"could not {where}: {said}; {hint}"


def _restore_env(before: dict[str, str], after: dict[str, str]) -> None:
    """Undo the changes from ``before`` to ``after`` of the environment, except a variable changed
    again since ``after`` (by someone else)."""
    for key in set(before) | set(after):
        if before.get(key) == after.get(key) or os.environ.get(key) != after.get(key):
            continue
        if key in before:
            os.environ[key] = before[key]
        else:
            os.environ.pop(key, None)


def _ray_temp_root() -> tuple[str, str | None]:
    """The folder Ray puts its temporary folder ``ray`` in on this machine, as Ray picks it
    (``$RAY_TMPDIR``, else ``$TMPDIR`` on Linux, else ``/tmp``), and the environment variable it
    came from (None: Ray's default)."""
    for name in ("RAY_TMPDIR", "TMPDIR") if sys.platform.startswith("linux") else ("RAY_TMPDIR",):
        value = os.environ.get(name)
        if value is not None:
            return value, name
    return ("/tmp" if sys.platform.startswith(("linux", "darwin")) else tempfile.gettempdir()), None


def _ray_address_file() -> Path:
    """The file where ``ray start`` writes its head's address, which ``ray.init`` joins when given
    no address: ``ray_current_cluster`` in Ray's temporary folder (:func:`_ray_temp_root`)."""
    return Path(_ray_temp_root()[0]) / "ray" / "ray_current_cluster"


def check_temp_folder(address: str | None) -> None:
    """Refuse an empty or relative ``RAY_TMPDIR`` (or Linux's ``TMPDIR`` without it) when
    ``ray.init(address)`` would start a Ray instance on this machine or look for the address
    ``ray start`` left there: ``address`` ``"local"``, or None or ``"auto"`` without a
    ``RAY_ADDRESS`` (joining a cluster, Ray uses the temporary folder of its node).

    Ray takes either as it is: it made its ``ray`` folder in the current folder (the data's, the
    repository's), then said only "The current node timed out during startup" (a bare
    ``Exception`` traceback) after some 30 s, leaving a defunct GCS server behind; the address file
    of ``ray start`` was looked for under the current folder too. (``RAY_TMPDIR=$SCRATCH/ray``
    with ``SCRATCH`` unset is how an empty one comes.)

    Raises:
        CameraBenchError: naming the variable, its value and what to do.
    """
    joins = address not in (None, "auto", "local") or (
        address != "local" and bool(os.environ.get("RAY_ADDRESS", "").strip())
    )
    root, name = _ray_temp_root()
    if joins or name is None or os.path.isabs(root):
        return
    what = "empty" if not root.strip() else "a relative path"
    raise CameraBenchError(
        f"the environment variable {name} is {root!r}, {what}: Ray keeps its sockets and logs under it and "
        f"cannot start from there (it made a 'ray' folder in the current folder and timed out); set {name} "
        "to an absolute path of a folder you can write (e.g. /tmp), or unset it"
    )


def _temp_hint() -> str:
    """Where Ray keeps its files on this machine, for an error of ``ray.init`` starting an instance."""
    root, name = _ray_temp_root()
    source = f"from {name}" if name else "Ray's default"
    return (
        f"; Ray keeps its sockets and logs under {os.path.join(root, 'ray')} ({source}): set RAY_TMPDIR to a short "
        "absolute path of a folder you can write (a socket's path is at most 107 bytes)"
    )


def _check_current_cluster(address: str | None) -> tuple[str | None, str]:
    """The address to give ``ray.init`` for ``address`` None or ``"auto"`` (no ``RAY_ADDRESS``), and
    the head's address ``ray start`` recorded ("" when none).

    ``ray.init`` joins the cluster whose head ``ray start`` wrote to :func:`_ray_address_file`
    without a check, and waited some 10 minutes for one that is gone (a head that crashed or was
    killed leaves the file behind). That address is probed as a given one is: with ``"auto"`` a
    dead one is an error; with None a local instance is started instead (``"local"``), with a
    warning, as :attr:`RayOptions.address` says.
    """
    path = _ray_address_file()
    if not path.exists():
        return address, ""
    try:
        recorded = path.read_bytes().decode("utf-8", "replace").strip()
    except OSError as exc:  # ray.init would read it too, and fail with a traceback
        raise CameraBenchError(
            f"could not read {path} (the address of the cluster 'ray start' started on this machine): "
            f"{exc.strerror or exc}; remove it, or give the cluster's address"
        ) from exc
    if not recorded:
        return address, ""
    try:
        _check_reachable(recorded)
    except CameraBenchError as exc:
        if address is not None:
            raise CameraBenchError(
                f"{exc} (the address in {path}, left by 'ray start'; when that cluster is gone, "
                "'ray stop' removes the file)"
            ) from exc
        log.warning(
            "ray: the cluster in %s (left by 'ray start') is gone (%s); starting a local instance instead",
            path,
            exc,
        )
        return "local", ""
    return address, recorded


# --- worker side ---------------------------------------------------------------------------

#: (init, init_args) this Ray worker process was last set up with (tasks reuse it).
_SET_UP: tuple[Any, ...] | None = None


def _setup(init: Callable[..., None], init_args: tuple[Any, ...]) -> str | None:
    """Run ``init`` in this worker; the one-line reason when it raised, else None."""
    os.environ[DISPOSABLE_WORKER_ENV] = "1"
    try:
        init(*init_args)
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - returned to the driver, which stops the run with it
        return job_error(exc)
    return None


def _run_checked(
    job_fn: Callable[..., Any], job: tuple[Any, ...], shipped: dict[int, Any], file_fields: Sequence[int]
) -> tuple[str, Any, list[str]]:
    """:func:`_run_job`'s outcome and, when the job failed, ``unseen``: the job's files (of
    ``file_fields``, not shipped) that do not exist on this worker, for the driver to tell a worker
    that cannot see the data from a missing file (:func:`_worker_side`)."""
    kind, payload = _run_job(job_fn, job, shipped)
    unseen = [
        str(job[pos])
        for pos in file_fields
        if kind == "failed"
        and pos not in shipped
        and isinstance(job[pos], (str, os.PathLike))
        and not os.path.exists(job[pos])
    ]
    return kind, payload, unseen


def _run_job(job_fn: Callable[..., Any], job: tuple[Any, ...], shipped: dict[int, Any]) -> tuple[str, Any]:
    """``("done", result)``, or ``("failed", reason)`` when the job raised (logged here) or its
    result cannot be serialised (as with the local backend's worker processes).

    Any exception but :data:`~camerabench.jobs.workers.STOPS` is the job's failure, as locally:
    ``asyncio.CancelledError`` and other ``BaseException`` subclasses escaped as a Ray error (a
    reason other than the local one, and the whole call of an actor failed and was run again).
    """
    import ray.cloudpickle

    local_job = job
    try:
        with _materialised(job, shipped) as local_job:
            result = job_fn(*local_job)
    except STOPS:
        raise
    except BaseException as exc:  # this job's failure, returned to the driver (logged here)
        log.warning("a job raised", exc_info=True)
        return "failed", _original_paths(job_error(exc), job, local_job)
    # a failure the job function recorded itself (the runner's outcome of a video it could not read)
    result = _original_paths_in(result, job, local_job)
    try:  # here, not when Ray sends it: that failed the task, or every video of the actor call
        ray.cloudpickle.dumps(result)
    except Exception as exc:  # this job's failure (logged here)
        log.warning("a job's result could not be serialised", exc_info=True)
        return "failed", f"its result could not be sent to the driver ({job_error(exc)})"
    return "done", result


def _original_paths(reason: str, job: tuple[Any, ...], local_job: tuple[Any, ...]) -> str:
    r"""``reason`` with each path of a shipped file's temporary copy (a field of ``local_job`` that
    differs from ``job``'s) replaced by the file's own path, as written plainly or in a ``repr``
    (an ``OSError``'s): a failure's reason names the dataset's file on every backend, not a copy
    deleted when the job ended (``/tmp/camerabench-ship-78pi2x32/1/clip.mp4: cannot open video``).

    Example:
        >>> _original_paths("/tmp/s/0/a.mp4: cannot open video", ("/data/a.mp4",), ("/tmp/s/0/a.mp4",))
        '/data/a.mp4: cannot open video'
    """
    for original, copy in zip(job, local_job, strict=True):
        if copy is original or not isinstance(copy, str) or not isinstance(original, (str, os.PathLike)):
            continue
        source = os.fspath(original)
        if not isinstance(source, str):  # a bytes path is never shipped under another name
            continue
        reason = reason.replace(repr(copy)[1:-1], repr(source)[1:-1]).replace(copy, source)
    return reason


def _original_paths_in(value: Any, job: tuple[Any, ...], local_job: tuple[Any, ...]) -> Any:
    """``value`` (a job's result) with :func:`_original_paths` applied to every string in it, through
    lists, tuples, dicts and dataclass instances (other objects as they are); ``value`` itself when
    nothing was shipped. The runner's job function records a video it cannot read as a failed outcome
    (a result), whose reason named the temporary copy.

    Example:
        >>> _original_paths_in({"reason": ["/tmp/s/0/a.mp4: bad"]}, ("/data/a.mp4",), ("/tmp/s/0/a.mp4",))
        {'reason': ['/data/a.mp4: bad']}
    """
    if all(copy is original for copy, original in zip(local_job, job, strict=True)):
        return value

    def remap(item: Any) -> Any:
        if isinstance(item, str):
            return _original_paths(item, job, local_job)
        if type(item) in (list, tuple):
            return type(item)(remap(x) for x in item)
        if type(item) is dict:
            return {remap(k): remap(v) for k, v in item.items()}
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            changes = {f.name: remap(getattr(item, f.name)) for f in dataclasses.fields(item) if f.init}
            return dataclasses.replace(item, **changes)
        return item

    return remap(value)


@contextlib.contextmanager
def _materialised(job: tuple[Any, ...], shipped: dict[int, Any]) -> Iterator[tuple[Any, ...]]:
    """``job`` with each shipped file (field index -> object ref of its bytes) written to a
    temporary folder under its own file name, and that field pointing there."""
    if not shipped:
        yield job
        return
    import ray

    fields = list(job)
    with tempfile.TemporaryDirectory(prefix="camerabench-ship-") as tmp:
        for pos, data in zip(shipped, ray.get(list(shipped.values())), strict=True):
            folder = Path(tmp) / str(pos)
            folder.mkdir()
            local = folder / Path(fields[pos]).name
            local.write_bytes(data)
            fields[pos] = str(local)
        yield tuple(fields)


def _task(
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    job: tuple[Any, ...],
    shipped: dict[int, Any],
    file_fields: Sequence[int] = (),
) -> tuple[str, Any, list[str]]:
    """One video as a Ray task: ``("done", result, [])``, ``("failed", reason, unseen)`` (see
    :func:`_run_checked`) or ``("init_failed", reason, [])``."""
    global _SET_UP
    if (init, init_args) != _SET_UP:
        _SET_UP = None
        reason = _setup(init, init_args)
        if reason is not None:
            return "init_failed", reason, []
        _SET_UP = (init, init_args)
    return _run_checked(job_fn, job, shipped, file_fields)


class _VideoActor:
    """Sets the method up once (loading its model), then runs calls of several videos."""

    def __init__(self, init: Callable[..., None], init_args: tuple[Any, ...]) -> None:
        self.error = _setup(init, init_args)

    def ready(self) -> str | None:
        """None when the method is set up, else why it could not be."""
        return self.error

    def run(
        self,
        job_fn: Callable[..., Any],
        calls: list[tuple[int, tuple[Any, ...], dict[int, Any]]],
        file_fields: Sequence[int] = (),
    ) -> list[tuple[int, str, Any, list[str]]]:
        """``(index, "done", result, [])`` or ``(index, "failed", reason, unseen)`` per video of the call."""
        return [(index, *_run_checked(job_fn, job, shipped, file_fields)) for index, job, shipped in calls]


# --- driver side ---------------------------------------------------------------------------


class _UnshippableError(Exception):
    """A file of a job that the driver cannot read to ship it: that job's failure (the reason)."""


def _ship(job: tuple[Any, ...], file_fields: Sequence[int], enabled: bool) -> dict[int, Any]:
    """Object refs of the bytes of ``job``'s file fields (those the driver can read).

    Raises:
        _UnshippableError: a file is there but cannot be read (no read permission, an I/O error): that
            job's failure, as locally the method's own read fails that video only (an OSError
            here stopped the whole run with a traceback).
    """
    if not enabled:
        return {}
    import ray

    refs = {}
    for pos in file_fields:
        path = job[pos]
        if path is not None and Path(path).is_file():  # a missing file fails in the method, as locally
            data = _read_regular(path)
            if data is not None:
                refs[pos] = ray.put(data)
    return refs


def _read_regular(path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of a regular file, or None when ``path`` is no longer one (a file swapped for a
    named pipe since ``is_file()``: opened without blocking and left to fail in the method, as a
    pipe in the videos folder does locally; a blocking open waited for a writer for ever).

    Raises:
        _UnshippableError: the file cannot be read (no read permission, an I/O error).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            return fh.read()
    except OSError as exc:
        raise _UnshippableError(
            f"could not read {path} to send it to the Ray workers (--ship-videos): {exc.strerror or exc}"
        ) from exc


#: The ``key: value`` lines of Ray's actor errors left out of :func:`_ray_death_text` (ids), and
#: those folded into its first sentence.
_RAY_ID_KEYS = ("class_name", "actor_id", "namespace", "name", "task_id", "job_id", "node_id")
_RAY_WHERE_KEYS = ("pid", "ip")
#: The longest :func:`_ray_death_text` (Ray's advice on resource isolation follows the causes).
_RAY_DEATH_CHARS = 700


def _ray_death_text(exc: BaseException) -> str:
    r"""Ray's reason for a death, on one line, with what says why: the first line, the process
    (``pid``, ``ip``), and Ray's account of the worker's exit (exit type and detail, the common
    causes: the out-of-memory killer, a crash), without the ids; cut at some 700 characters.
    (:func:`~camerabench.jobs.workers.one_line` kept the first line only: "The actor died
    unexpectedly before finishing this task. (+7 more lines)", nothing of being killed.)

    Example:
        >>> class ActorDiedError(Exception): ...
        >>> _ray_death_text(ActorDiedError("The actor died.\n\tactor_id: 39ab\n\tpid: 7\nIt was killed (OOM)."))
        'ActorDiedError: The actor died. (pid 7) It was killed (OOM).'
    """
    head, where, rest = "", [], []
    for raw in str(exc).splitlines():
        line = raw.strip()
        key, sep, value = line.partition(": ")
        if not line or (sep and key in _RAY_ID_KEYS):
            continue
        if sep and key in _RAY_WHERE_KEYS:
            where.append(f"{key} {value}")
        elif not head:
            head = line
        else:
            rest.append(line)
    text = " ".join([f"{type(exc).__name__}: {head}", *([f"({', '.join(where)})"] if where else []), *rest])
    return text if len(text) <= _RAY_DEATH_CHARS else text[: _RAY_DEATH_CHARS - 3] + "..."


def _worker_side(reason: str, unseen: Sequence[str]) -> str:
    """``reason`` with a note when a file the Ray worker did not find (``unseen``) is there on the
    driver: the worker cannot see the data (storage the driver alone sees), not a missing file."""
    here = next((path for path in unseen if Path(path).is_file()), None)
    if here is None:
        return reason
    return (
        f"{reason} (the Ray worker cannot read {here}, though the driver can: Ray workers read videos by path, "
        "so the data must be on storage every node sees; or pass --ship-videos to send the videos' bytes)"
    )


def _absolute(job: tuple[Any, ...], file_fields: Sequence[int]) -> tuple[Any, ...]:
    """``job`` with its file fields as absolute paths: a Ray worker's current folder is not the driver's."""
    fields = list(job)
    for pos in file_fields:
        value = fields[pos]
        if isinstance(value, (str, os.PathLike)) and not os.path.isabs(value):
            absolute = os.path.abspath(value)
            fields[pos] = Path(absolute) if isinstance(value, Path) else absolute
    return tuple(fields)


class _ClusterLostError(Exception):
    """The Ray cluster failed (its ``__cause__``: the Ray error, see :func:`_cluster_loss`): :func:`run_on_ray`
    stops the run with :func:`_cluster_failure`."""


def _cluster_loss(exc: BaseException) -> str | None:
    """What happened to the cluster when the Ray error ``exc`` is the cluster's, not the video's: the
    driver's raylet died (``LocalRayletDiedError``: its node, or the cluster, is gone), or Ray had a
    system error (``RaySystemError``: Ray's docs name a killed raylet; also a worker process that could
    not start). None for the deaths of a video's worker process, actor or node (``WorkerCrashedError``,
    ``RayActorError``, ``NodeDiedError``, ``OutOfMemoryError``...): those are retried once, then the
    video's failure. (``GetTimeoutError`` does not come: the driver waits without a timeout.)

    Taken for a death, every remaining video was recorded failed with "LocalRayletDiedError" (no
    video's failure), and the next Ray call waited some 60 s for the GCS, then Ray's client ended the
    process without a camerabench error line.

    Example:
        >>> from ray.exceptions import LocalRayletDiedError, WorkerCrashedError
        >>> _cluster_loss(LocalRayletDiedError()), _cluster_loss(WorkerCrashedError())
        ('was lost', None)
    """
    from ray.exceptions import LocalRayletDiedError, RaySystemError

    if isinstance(exc, (LocalRayletDiedError, _ClusterGoneError)):
        return "was lost"
    if isinstance(exc, RaySystemError):
        return "had a system error"
    return None


def _cluster_failure(exc: BaseException, what: str, address: str, finished: int) -> str:
    """The one-line error that stops a run whose cluster failed (:func:`_cluster_loss` of ``exc``) after
    ``finished`` videos had finished (results or failures, all recorded).

    Example:
        >>> from ray.exceptions import LocalRayletDiedError
        >>> _cluster_failure(LocalRayletDiedError(), "method 'fast'", "10.0.0.1:6379", 3)  # doctest: +ELLIPSIS
        "method 'fast': the Ray cluster at 10.0.0.1:6379 was lost after 3 video(s) of this run ..."
    """
    said = str(exc) if isinstance(exc, _ClusterGoneError) else _ray_death_text(exc)
    return (
        f"{what}: the Ray cluster at {address} {_cluster_loss(exc) or 'failed'} after {finished} video(s) of this "
        f"run ({said}); what was recorded is kept: continue with --resume once the cluster is up "
        "(or on another backend)"
    )


def _cluster_address() -> str:
    """The address of the connected Ray cluster's head (its GCS), for :func:`_cluster_failure`, read
    while the cluster is up; "(not connected)" when no Ray is initialised in this process (asking
    ``ray.get_runtime_context()`` then would start a local instance of its own)."""
    import ray

    if not ray.is_initialized():
        return "(not connected)"
    return str(ray.get_runtime_context().gcs_address)


#: Seconds the driver waits on its Ray work before it checks that the cluster still answers
#: (:class:`_Liveness`). Red team R67, with a real head killed outright (``ray stop --force``: its GCS
#: and raylet): ``ray.wait`` raised nothing, and some 60 s later Ray's own client ended the process
#: ("Failed to connect to GCS within 60 seconds") with no camerabench error line. Well inside those
#: 60 s, and one TCP probe of two ports each time: no load on a cluster that is up.
_LIVENESS_S = 5.0


#: (GCS address, node id) -> the raylet's (host, port) of that node (:meth:`_Liveness.of_connected`).
_RAYLETS: dict[tuple[str, str], tuple[str, int] | None] = {}


class _ClusterGoneError(Exception):
    """The cluster's head, or this machine's Ray node, no longer answers (:meth:`_Liveness.gone`)."""


#: A head or raylet that accepts the connection but does not answer (a stalled process, a host gone
#: without a word) is taken as lost only after this many seconds of probes without an answer: red
#: team R72 froze a real head's GCS for 25 s (SIGSTOP) and the run, stopped by the first probe that
#: waited 10 s, was one Ray itself finishes (its client waits 60 s for the GCS before it ends the
#: process). A port that refuses the connection (the process is gone: R67's kills) is lost at once.
_SILENT_LOST_S = 30.0
#: Seconds one liveness probe waits for the connection and for the answer.
_LIVENESS_PROBE_S = 5.0


@dataclass
class _Liveness:
    """Where the connected cluster answers: its head's GCS and the raylet of the driver's node, both
    gRPC servers. A killed head shows in ``ray.wait`` as nothing at all (red team R67) and, to an
    actor's call, as ``ActorUnavailableError`` ("Connection refused"), which is a death of the actor
    by its type; a killed raylet made the replacement actors die while setting up ("owner has
    died"), read as the out-of-memory killer. Asked after every Ray death and every
    :data:`_LIVENESS_S` of waiting, it tells the cluster's loss from a video's: a port that refuses
    connections is lost at once, one that does not answer after :data:`_SILENT_LOST_S` of probes."""

    gcs: tuple[str, int] | None
    raylet: tuple[str, int] | None
    silent_since: float | None = None  # monotonic time of the first probe without an answer, since the last answer

    @classmethod
    def of_connected(cls) -> _Liveness:
        """The addresses of the cluster this process is connected to. The raylet's comes from the
        head (``ray.nodes()``), asked once per connection, in its first run (whose cluster is up: a
        head gone later, before the run's next phase, blocks that call until Ray's client ends the
        process); the GCS address and the node's id are this process's own."""
        import ray

        context = ray.get_runtime_context()
        gcs, node_id = str(context.gcs_address), str(context.get_node_id())
        if (gcs, node_id) not in _RAYLETS:
            mine = next((n for n in ray.nodes() if n.get("NodeID") == node_id), None)
            raylet = None
            if mine is not None and mine.get("NodeManagerAddress") and mine.get("NodeManagerPort"):
                raylet = (str(mine["NodeManagerAddress"]), int(mine["NodeManagerPort"]))
            _RAYLETS[gcs, node_id] = raylet
        return cls(_host_port(gcs), _RAYLETS[gcs, node_id])

    def _probe(self) -> tuple[str, bool] | None:
        """What does not answer ("its head (GCS at X) does not answer: Connection refused") and whether
        its port refused the connection; None when both answer as gRPC servers do."""
        for where, name in ((self.gcs, "its head (GCS"), (self.raylet, "this machine's Ray node (raylet")):
            if where is None:
                continue
            host, port = where
            refused = False
            try:
                with socket.create_connection((host, port), timeout=_LIVENESS_PROBE_S) as conn:
                    answer = _grpc_answer(conn, _LIVENESS_PROBE_S)
            except ConnectionRefusedError as exc:
                answer, refused = exc.strerror or str(exc), True
            except OSError as exc:
                answer = exc.strerror or str(exc) or type(exc).__name__
            if answer is not None:
                return f"{name} at {host}:{port}) does not answer: {answer}", refused
        return None

    def gone(self) -> str | None:
        """What is lost: a port that refuses the connection, or a server without an answer for
        :data:`_SILENT_LOST_S` of probes (said with how long); None while the cluster answers, or has
        not answered for less than that."""
        probe = self._probe()
        if probe is None:
            self.silent_since = None
            return None
        reason, refused = probe
        if refused:
            return reason
        now = time.monotonic()
        if self.silent_since is None:
            self.silent_since = now
        silent = now - self.silent_since
        if silent < _SILENT_LOST_S:
            log.debug("the Ray cluster did not answer a probe (%s), for %.0f s so far", reason, silent)
            return None
        return f"{reason}, for {silent:.0f} s"

    def check(self, exc: BaseException | None = None) -> None:
        """Raise :class:`_ClusterLostError` (caused by a :class:`_ClusterGoneError` saying what is gone,
        and Ray's error ``exc`` that led here) when :meth:`gone` finds the cluster lost."""
        gone = self.gone()
        if gone is None:
            return
        said = f"; Ray said {_ray_death_text(exc)}" if exc is not None else ""
        raise _ClusterLostError from _ClusterGoneError(f"{gone}{said}")


def _host_port(address: str) -> tuple[str, int] | None:
    """``("10.0.0.1", 6379)`` of ``"10.0.0.1:6379"``; None for what is not HOST:PORT."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def _wait_one(refs: list[Any], liveness: _Liveness) -> Any:
    """The first of ``refs`` ready (``ray.wait``), checking the cluster every :data:`_LIVENESS_S` of
    waiting (:meth:`_Liveness.check`)."""
    import ray

    while True:
        ready, _ = ray.wait(refs, num_returns=1, timeout=_LIVENESS_S)
        if ready:
            return ready[0]
        liveness.check()


def _death_reason(exc: BaseException, what: str) -> str:
    return f"Ray {what} died while processing this video, again when retried ({_ray_death_text(exc)})"


def run_on_ray(
    jobs: Sequence[tuple[Any, ...]],
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    what: str,
    options: RayOptions,
    actors: bool,
    workers: int,
    file_fields: Sequence[int] = (),
) -> Generator[JobDone, None, None]:
    """Run ``job_fn(*job)`` for every job on Ray (connected by :func:`connect`); yield as they finish.

    ``actors`` picks the actor pool (``workers`` actors) over one task per job; ``file_fields``
    are the positions in each job of file paths that ``options.ship_videos`` sends as bytes.
    Stopping the iteration (an exception, ``close()``) cancels the tasks and kills the actors.

    Raises:
        CameraBenchError: ``workers`` is not an integer >= 1, ``init`` raised on a worker, an
            actor died while setting up, or the cluster was lost (:func:`_cluster_loss`; the videos
            finished before are recorded, ``--resume`` continues).
    """
    check_workers(workers)
    if not jobs:
        return
    jobs = [_absolute(job, file_fields) for job in jobs]
    address, finished = _cluster_address(), 0
    liveness = _Liveness.of_connected()

    def run() -> Generator[JobDone, None, None]:
        liveness.check()  # gone since connecting, or between two phases of a run (predict, then answers)
        if actors:
            yield from _run_actors(jobs, init, init_args, job_fn, what, options, workers, file_fields, liveness)
        else:
            yield from _run_tasks(jobs, init, init_args, job_fn, what, options, file_fields, liveness)

    dones = run()
    with contextlib.closing(dones):
        try:
            for done in dones:
                finished += 1
                yield done
        except _ClusterLostError as exc:
            cause = exc.__cause__ if exc.__cause__ is not None else exc
            raise CameraBenchError(_cluster_failure(cause, what, address, finished)) from cause


def _call_once(fn: Callable[[], Any]) -> tuple[bool, Any]:
    """``(True, fn())``, or ``(False, reason)`` when it raised (the one-line reason)."""
    os.environ[DISPOSABLE_WORKER_ENV] = "1"
    try:
        return True, fn()
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - returned to the driver, which stops the run with it
        return False, job_error(exc)


def _call_once_streamed(pickled: bytes) -> Iterator[Any]:
    """:func:`_call_once` of the function pickled in ``pickled``, as a Ray streaming generator:
    ``None`` first, as soon as the task runs (before the function is unpickled, which imports the
    model's libraries), then its ``(ok, payload)``. The first item tells the driver that the task
    holds its CPUs and GPUs: the cluster's free resources it then sees are without them, not taken
    by other work (:func:`_wait_noted`)."""
    from ray import cloudpickle

    yield None
    try:
        fn = cloudpickle.loads(pickled)
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - returned to the driver, which stops the run with it
        yield False, job_error(exc)
        return
    yield _call_once(fn)


def call_on_actor_resources(fn: Callable[[], Any], what: str, options: RayOptions) -> Any:
    """``fn()`` run once on the connected cluster, in a Ray task holding what one actor of
    :func:`run_on_ray` holds (``cpus_per_task`` CPUs, ``gpus_per_worker`` GPUs, so that Ray sets
    ``CUDA_VISIBLE_DEVICES`` as for an actor): for what must be found where the model loads, not on
    the driver (the device a CPU-only head node's GPU actors resolve). While it waits (every GPU busy
    with other work), a log line says so after :data:`_WAIT_NOTE_S` seconds, and again every
    :data:`_WAIT_REPEAT_S`.

    Raises:
        CameraBenchError: ``fn`` raised there (its reason, one line), or the task died.
    """
    import ray
    from ray.exceptions import RayError

    hidden = {"runtime_env": {"env_vars": {"CUDA_VISIBLE_DEVICES": ""}}} if options.gpus_per_worker == 0 else {}
    # max_calls=1: the worker process exits after the call. Ray makes that the default only for a function
    # declared with GPUs (ray.remote(num_gpus=...)), not for GPUs given in .options(): the process that
    # initialised CUDA with this task's GPU visible stayed in Ray's pool and was reused for later tasks
    remote = ray.remote(max_calls=1)(_call_once_streamed).options(
        num_cpus=options.cpus_per_task,
        num_gpus=options.gpus_per_worker,
        max_retries=0,
        num_returns="streaming",
        **hidden,
    )
    from ray import cloudpickle

    # pickled here, unpickled in the task after it says it runs (the model's libraries import then)
    ref: Any = remote.remote(cloudpickle.dumps(fn))
    finished = False
    try:
        _wait_noted(ref, what, options)
        ray.get(next(ref))  # the task runs: it holds its CPUs and GPUs
        ok, payload = ray.get(next(ref))
        finished = True
    except RayError as exc:  # the worker process or its node died, or fn could not be sent
        finished = True
        raise CameraBenchError(f"{what}: the Ray task died ({_ray_death_text(exc)})") from exc
    finally:
        if not finished:  # interrupted while it waits for a GPU or runs: not left queued on the cluster
            ray.cancel(ref, force=True)
    if not ok:
        raise CameraBenchError(f"{what}: {payload}")
    return payload


#: Seconds the device-resolving task may take before a log line says what it waits for, and
#: between such lines after that (a cluster whose GPUs are all busy held it without a word).
_WAIT_NOTE_S = 5.0
_WAIT_REPEAT_S = 60.0


def _wait_noted(ref: Any, what: str, options: RayOptions) -> None:
    """Wait for the task ``ref`` of :func:`call_on_actor_resources` (a streaming generator) to start
    running, saying every so often (:data:`_WAIT_NOTE_S`, then :data:`_WAIT_REPEAT_S`) what it waits
    for: a warning naming the CPUs and GPUs it needs and those free when the cluster lacks them (other
    work holds them: the task, not running yet, holds none), else a note that its worker process is
    starting. Once it runs (its first item), nothing more is said of the cluster's resources: those
    it holds are then among the ones not free (a one-GPU node read as "0 GPUs free, other work holds
    the rest" while the task's own worker imported the model's libraries)."""
    import ray

    waited, step = 0.0, _WAIT_NOTE_S
    while True:
        ready, _ = ray.wait([ref], num_returns=1, timeout=step)
        if ready:
            return
        waited += step
        step = _WAIT_REPEAT_S
        free = ray.available_resources()
        free_cpus, free_gpus = free.get("CPU", 0.0), free.get("GPU", 0.0)
        need = f"{options.cpus_per_task:g} CPUs and {options.gpus_per_worker:g} GPUs"
        if free_cpus < options.cpus_per_task or free_gpus < options.gpus_per_worker:
            log.warning(
                "%s: waiting %.0f s so far for %s on one node, to find the device and dtype where the model "
                "loads: the Ray cluster has %g CPUs and %g GPUs free now (other work holds the rest); the run "
                "goes on when they are free (Ctrl-C stops it)",
                what,
                waited,
                need,
                free_cpus,
                free_gpus,
            )
        else:
            log.info(
                "%s: waiting %.0f s so far for the Ray task (%s) that finds the device and dtype where the "
                "model loads (its worker process is starting)",
                what,
                waited,
                need,
            )


def check_fits(options: RayOptions, actors: bool) -> None:
    """Refuse a task or actor that no node of the connected cluster can hold (Ray would wait
    for such a node forever), before any file of the run is written."""
    import ray

    cpus, gpus = options.cpus_per_task, options.gpus_per_worker if actors else 0.0
    what = "an actor" if actors else "a task"

    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    if not any(r.get("CPU", 0.0) >= cpus and r.get("GPU", 0.0) >= gpus for r in nodes):
        largest = ", ".join(f"{r.get('CPU', 0.0):g} CPUs and {r.get('GPU', 0.0):g} GPUs" for r in nodes) or "none"
        raise CameraBenchError(
            f"{what} needs {cpus:g} CPUs and {gpus:g} GPUs on one node, but no node of the Ray cluster has them "
            f"(nodes: {largest}); lower --cpus-per-task / --gpus-per-worker or add nodes"
        )


def _run_tasks(
    jobs: Sequence[tuple[Any, ...]],
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    what: str,
    options: RayOptions,
    file_fields: Sequence[int],
    liveness: _Liveness,
) -> Generator[JobDone, None, None]:
    import ray
    from ray.exceptions import RayError, RayTaskError

    # tasks reserve no GPU: Ray leaves CUDA_VISIBLE_DEVICES unset for them, and a model method's "cuda if
    # available" (qwen-vl with actors=False) loaded onto the node's GPUs, unreserved (those of other work),
    # while a CPU-only driver had recorded cpu/float32: hidden, as for the actors without GPUs
    hidden = {"runtime_env": {"env_vars": {"CUDA_VISIBLE_DEVICES": ""}}}
    remote = ray.remote(_task).options(num_cpus=options.cpus_per_task, max_retries=0, **hidden)
    slots = max(1, int(ray.cluster_resources().get("CPU", 1.0) // options.cpus_per_task))
    limit = 2 * slots  # tasks submitted ahead of the results (bounds the shipped bytes in memory)
    pending: deque[int] = deque(range(len(jobs)))
    deaths = [0] * len(jobs)
    running: dict[Any, tuple[int, float]] = {}
    lost = False
    try:
        while pending or running:
            while pending and len(running) < limit:
                index = pending.popleft()
                sent = time.perf_counter()
                try:
                    shipped = _ship(jobs[index], file_fields, options.ship_videos)
                except _UnshippableError as exc:  # that video's failure; the others go on
                    log.warning("%s: %s", what, exc)
                    yield JobDone(index, None, str(exc), time.perf_counter() - sent)
                    continue
                ref = remote.remote(init, init_args, job_fn, jobs[index], shipped, file_fields)
                running[ref] = (index, sent)
            if not running:  # the last videos could not be shipped
                continue
            ref = _wait_one(list(running), liveness)
            index, sent = running.pop(ref)
            seconds = time.perf_counter() - sent
            try:
                kind, payload, unseen = ray.get(ref)
            except RayTaskError as exc:  # an error outside the method's own (caught) errors
                yield JobDone(index, None, f"Ray task failed: {one_line(str(exc.cause))}", seconds)
                continue
            except RayError as exc:  # the worker process or its node died, or the cluster is gone
                if _cluster_loss(exc) is not None:  # no video's failure: nothing more runs there (nor is cancelled)
                    raise _ClusterLostError from exc
                liveness.check(exc)  # the head or this node gone: no video's death either
                deaths[index] += 1
                if deaths[index] < 2:
                    log.warning(
                        "%s: the Ray task of job %d died (%s); running it again", what, index, type(exc).__name__
                    )
                    pending.appendleft(index)
                    continue
                yield JobDone(index, None, _death_reason(exc, "task"), seconds)
                continue
            if kind == "init_failed":
                raise CameraBenchError(f"{what}: {payload}")
            if kind == "failed":
                yield JobDone(index, None, _worker_side(payload, unseen), seconds)
            else:
                yield JobDone(index, payload, None, seconds)
    except _ClusterLostError:
        lost = True  # nothing more runs there: nothing to cancel
        raise
    finally:
        for ref in running if not lost else ():
            ray.cancel(ref, force=True)


@dataclass
class _Call:
    actor: Any
    indices: list[int]
    sent: float


def _run_actors(
    jobs: Sequence[tuple[Any, ...]],
    init: Callable[..., None],
    init_args: tuple[Any, ...],
    job_fn: Callable[..., Any],
    what: str,
    options: RayOptions,
    workers: int,
    file_fields: Sequence[int],
    liveness: _Liveness,
) -> Generator[JobDone, None, None]:
    import ray
    from ray.exceptions import RayActorError, RayError, RayTaskError

    # no GPU reserved (gpus_per_worker 0): Ray leaves CUDA_VISIBLE_DEVICES unset, and a model method's
    # "cuda if available" loaded every actor onto the node's GPUs, unreserved (those of other work)
    hidden = {"runtime_env": {"env_vars": {"CUDA_VISIBLE_DEVICES": ""}}} if options.gpus_per_worker == 0 else {}
    actor_cls = ray.remote(_VideoActor).options(
        num_cpus=options.cpus_per_task,
        num_gpus=options.gpus_per_worker,
        max_restarts=0,
        max_task_retries=0,
        **hidden,
    )
    if not options.gpus_per_worker and ray.cluster_resources().get("GPU", 0.0) > 0:
        log.warning(
            "%s: the Ray cluster has GPUs but --gpus-per-worker is 0: the actors run on CPUs only (no GPU is "
            "reserved for them); pass --gpus-per-worker 1 to load the model on a GPU",
            what,
        )
    size = max(1, min(options.per_call, math.ceil(len(jobs) / workers)))
    batches: deque[list[int]] = deque(list(range(i, min(i + size, len(jobs)))) for i in range(0, len(jobs), size))
    deaths = [0] * len(jobs)
    starting: dict[Any, Any] = {}  # ready() ref -> actor
    calls: dict[Any, _Call] = {}  # run() ref -> call
    idle: list[Any] = []
    failed_starts = 0  # actors in a row that died while setting up (reset when one is set up)
    lost = False

    def start() -> None:
        actor = actor_cls.remote(init, init_args)
        starting[actor.ready.remote()] = actor  # type: ignore[attr-defined]

    try:
        for _ in range(min(workers, len(batches))):
            start()
        while batches or calls:
            while idle and batches:
                indices, sent = batches.popleft(), time.perf_counter()
                payload = []
                for i in indices:
                    try:
                        payload.append((i, jobs[i], _ship(jobs[i], file_fields, options.ship_videos)))
                    except _UnshippableError as exc:  # that video's failure; the others of the call go on
                        log.warning("%s: %s", what, exc)
                        yield JobDone(i, None, str(exc), time.perf_counter() - sent)
                if payload:
                    actor = idle.pop()
                    ref = actor.run.remote(job_fn, payload, file_fields)
                    calls[ref] = _Call(actor, [i for i, _, _ in payload], sent)
            if not batches and not calls:  # the last videos could not be shipped
                break
            if not starting and not calls:  # every actor died and none is starting: start one
                start()
            ref = _wait_one([*starting, *calls], liveness)
            if ref in starting:
                actor = starting.pop(ref)
                try:
                    reason = ray.get(ref)
                except RayActorError as exc:  # killed while loading (the out-of-memory killer), a crash
                    liveness.check(exc)  # the head or this node gone (its actors die "owner has died")
                    ray.kill(actor)
                    failed_starts += 1
                    death = _ray_death_text(exc)
                    if idle or calls or starting:  # the others go on (fewer actors); nothing is lost
                        log.warning(
                            "%s: a Ray actor died while setting up the method (%s); going on with the other actors",
                            what,
                            death,
                        )
                        continue
                    if failed_starts >= 2:
                        raise CameraBenchError(
                            f"{what}: Ray actors died while setting up the method, {failed_starts} times in a row "
                            f"({death}); a death while loading the model is usually the out-of-memory killer: "
                            "give each actor more memory (fewer --workers per node, a smaller model or dtype)"
                        ) from exc
                    log.warning("%s: a Ray actor died while setting up the method (%s); starting another", what, death)
                    start()
                    continue
                if reason is not None:
                    raise CameraBenchError(f"{what}: {reason}")
                failed_starts = 0
                idle.append(actor)
                continue
            call = calls.pop(ref)
            seconds = time.perf_counter() - call.sent
            try:
                results = ray.get(ref)
            except RayTaskError as exc:  # the call as a whole (e.g. a result Ray cannot serialise)
                idle.append(call.actor)
                if len(call.indices) == 1:
                    yield JobDone(call.indices[0], None, f"Ray actor call failed: {one_line(str(exc.cause))}", seconds)
                    continue
                log.warning(
                    "%s: a Ray actor call of %d videos failed (%s); running each again alone",
                    what,
                    len(call.indices),
                    one_line(str(exc.cause)),
                )
                batches.extendleft([i] for i in reversed(call.indices))
                continue
            except RayError as exc:  # the actor's process or its node died, or the cluster is gone
                if _cluster_loss(exc) is not None:  # no video's failure: nothing more runs there (nor is killed)
                    raise _ClusterLostError from exc
                liveness.check(exc)  # the head or this node gone: ActorUnavailableError, no video's death
                ray.kill(call.actor)
                start()
                for index in call.indices:
                    deaths[index] += 1
                alone = len(call.indices) == 1
                if alone and deaths[call.indices[0]] >= 2:
                    yield JobDone(call.indices[0], None, _death_reason(exc, "actor"), seconds)
                    continue
                log.warning(
                    "%s: a Ray actor died on a call of %d video(s) (%s); running each again alone",
                    what,
                    len(call.indices),
                    type(exc).__name__,
                )
                batches.extendleft([i] for i in reversed(call.indices))
                continue
            idle.append(call.actor)
            for index, kind, payload, unseen in results:
                if kind == "failed":
                    yield JobDone(index, None, _worker_side(payload, unseen), seconds)
                else:
                    yield JobDone(index, payload, None, seconds)
    except _ClusterLostError:
        lost = True  # nothing more runs there: no actor to kill
        raise
    finally:
        for actor in [*idle, *starting.values(), *(c.actor for c in calls.values())] if not lost else ():
            ray.kill(actor)
