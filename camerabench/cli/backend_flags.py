"""The backend flags ``predict`` and ``caption`` share: where the videos are processed.

``--backend local`` (the default) runs in this machine's processes (``--workers``);
``--backend ray`` runs on a Ray cluster (:mod:`camerabench.jobs.ray_backend`). The Ray flags are
refused with the local backend, so a forgotten ``--backend ray`` does not pass unnoticed.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
from typing import Any

from camerabench.cli.args import positive_float, positive_int
from camerabench.cli.method_flags import GivenOnce
from camerabench.errors import CameraBenchError

__all__ = ["add_backend_flags", "backend_options"]

log = logging.getLogger(__name__)

#: (flag, attribute) of the flags that only the Ray backend reads.
_RAY_FLAGS = (
    ("--ray-address", "ray_address"),
    ("--cpus-per-task", "cpus_per_task"),
    ("--gpus-per-worker", "gpus_per_worker"),
    ("--videos-per-call", "videos_per_call"),
    ("--ship-videos", "ship_videos"),
)


def _non_negative_float(text: str) -> float:
    """A finite number >= 0.

    Example:
        >>> _non_negative_float("0"), _non_negative_float("0.5")
        (0.0, 0.5)
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def _address_problem(address: str) -> str:
    """What is wrong with a Ray address, or ``""``: ``auto``, ``local``, ``ray://...`` (Ray's
    client) or ``HOST:PORT`` with a port of the digits 0-9 in 1-65535 (``[::1]:6379`` for IPv6).

    Without a port Ray said only "Invalid address format" when the run joined the cluster, and a
    port out of range or not a number was found out there too (``host:abc`` reached ``ray.init``).

    Example:
        >>> _address_problem("10.0.0.2:6379"), _address_problem("[::1]:6379"), _address_problem("auto")
        ('', '', '')
        >>> _address_problem("10.0.0.2")
        'no port (HOST:PORT, the port of the head GCS: 6379 unless ray start --head --port said otherwise)'
        >>> _address_problem("head:70000")
        'port 70000 is not in 1-65535'
    """
    if address in ("auto", "local") or address.startswith("ray://"):
        return ""
    if "://" in address:
        scheme = address.partition("://")[0]
        return f"a {scheme}:// URL is no cluster address Ray joins (the dashboard's, for 'ray job submit'?)"
    host, sep, port = address.rpartition(":")
    if not sep:
        return "no port (HOST:PORT, the port of the head GCS: 6379 unless ray start --head --port said otherwise)"
    if not host or (":" in host and not (host.startswith("[") and host.endswith("]"))):
        return "no host before the port (an IPv6 host is written in brackets: [::1]:6379)"
    if not (port.isascii() and port.isdigit()):
        return f"port {port!r} is not a number of the digits 0-9"
    if not 0 < int(port) < 65536:
        return f"port {int(port)} is not in 1-65535"
    return ""


def _ray_address(text: str) -> str:
    """``auto``, ``local``, ``ray://...`` or ``HOST:PORT``, without the spaces around it that a
    copied address brings (``"auto "`` would reach Ray, which says only "Invalid address format").

    Example:
        >>> _ray_address(" auto "), _ray_address("10.0.0.2:6379\t")
        ('auto', '10.0.0.2:6379')
        >>> _ray_address("10.0.0.2: 6379")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be 'auto' or HOST:PORT without spaces, got '10.0.0.2: 6379'
    """
    address = text.strip()
    if not address or any(c.isspace() or not c.isprintable() for c in address):
        raise argparse.ArgumentTypeError(f"must be 'auto' or HOST:PORT without spaces, got {text!r}")
    problem = _address_problem(address)
    if problem:
        raise argparse.ArgumentTypeError(f"must be 'auto' or HOST:PORT, got {text!r}: {problem}")
    return address


def add_backend_flags(p: argparse.ArgumentParser) -> None:
    """Add ``--backend`` and the Ray flags to a subparser."""
    group = p.add_argument_group("backend (where the videos are processed)")
    group.add_argument(
        "--backend",
        action=GivenOnce,
        choices=("local", "ray"),
        default="local",
        help="local: processes on this machine (--workers); ray: a Ray cluster (pip install 'camerabench[ray]')",
    )
    group.add_argument(
        "--ray-address",
        action=GivenOnce,
        type=_ray_address,
        default=None,
        metavar="ADDR",
        help="Ray cluster to join: 'auto' (started on this machine with 'ray start') or HOST:PORT of its head; "
        "default: start a Ray instance on this machine for the run",
    )
    group.add_argument(
        "--cpus-per-task",
        action=GivenOnce,
        type=positive_float,
        default=None,
        help="CPUs per Ray task or actor (default 1)",
    )
    group.add_argument(
        "--gpus-per-worker",
        action=GivenOnce,
        type=_non_negative_float,
        default=None,
        help="GPUs per Ray actor, for model methods (default 0)",
    )
    group.add_argument(
        "--videos-per-call",
        action=GivenOnce,
        type=positive_int,
        default=None,
        help="videos a Ray actor takes per call, for model methods (default 4)",
    )
    group.add_argument(
        "--ship-videos",
        action="store_true",
        default=None,
        help="send video bytes through Ray's object store (for clusters without a shared file system)",
    )


def backend_options(args: argparse.Namespace) -> dict[str, Any]:
    """``backend`` and ``ray`` keyword arguments for ``run_predict`` / ``run_caption``.

    Raises:
        CameraBenchError: a Ray flag with ``--backend local``; with ``--backend ray``, a malformed
            ``RAY_ADDRESS`` (read when ``--ray-address`` is not given or is ``auto``) or
            ``RAY_USE_TLS`` in the environment, or an empty or relative ``RAY_TMPDIR`` / ``TMPDIR``
            where a Ray instance would start on this machine.
    """
    if args.backend != "ray":
        given = [flag for flag, attr in _RAY_FLAGS if getattr(args, attr) is not None]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise CameraBenchError(f"{', '.join(given)} only {verb} with --backend ray")
        return {"backend": "local"}
    _check_ray_environment(args.ray_address)
    from camerabench.jobs.ray_backend import RayOptions, check_temp_folder, require_ray

    check_temp_folder(args.ray_address)  # an empty or relative RAY_TMPDIR, before the method folder is made
    require_ray()
    _warn_unused_by_tasks(args)
    defaults = RayOptions()
    ray = RayOptions(
        address=args.ray_address,
        cpus_per_task=args.cpus_per_task if args.cpus_per_task is not None else defaults.cpus_per_task,
        gpus_per_worker=args.gpus_per_worker if args.gpus_per_worker is not None else defaults.gpus_per_worker,
        videos_per_call=args.videos_per_call,
        ship_videos=bool(args.ship_videos),
    )
    return {"backend": "ray", "ray": ray}


def _check_ray_environment(address: str | None) -> None:
    """Refuse the malformed Ray settings of the environment before any work.

    ``RAY_ADDRESS`` is joined instead of starting a local instance (no ``--ray-address``, or
    ``auto``): without a port or with one out of range, Ray said "Invalid address format" or
    waited for it when the run began. ``RAY_USE_TLS`` is read by Ray as on for ``1``/``true``
    only and by camerabench's reachability probe as on for anything but ``0``/``false``: a
    ``yes`` or `` 1`` meant TLS to one and not to the other.

    Raises:
        CameraBenchError: naming the variable, its value and what is wrong.
    """
    env = os.environ.get("RAY_ADDRESS")
    if env is not None and env.strip() and address in (None, "auto"):
        value = env.strip()
        problem = (
            "it holds a space or a control character"
            if any(c.isspace() or not c.isprintable() for c in value)
            else _address_problem(value)
        )
        if problem:
            raise CameraBenchError(
                f"the environment variable RAY_ADDRESS is {env!r}: {problem}; set it to 'auto' or HOST:PORT, "
                "unset it, or give --ray-address"
            )
    tls = os.environ.get("RAY_USE_TLS")
    if tls is not None and tls.lower() not in ("", "0", "1", "true", "false"):
        raise CameraBenchError(
            f"the environment variable RAY_USE_TLS is {tls!r}: Ray reads 1 or true (TLS on) and 0 or false (off), "
            "written so, without spaces"
        )


def _warn_unused_by_tasks(args: argparse.Namespace) -> None:
    """Warn of ``--workers`` / ``--videos-per-call`` / ``--gpus-per-worker`` given for a method
    that runs as Ray tasks.

    Only the actors of model methods read them; a geometric method runs one Ray task per video,
    as many at once as the cluster's CPUs allow (``--cpus-per-task`` each), and reserves no GPU
    (``--gpus-per-worker`` was dropped without a word). A flag warned of is cleared from ``args``
    (the job runner would warn of it again).
    """
    from camerabench.baselines.registry import predictor_class

    try:
        kind = predictor_class(str(getattr(args, "method", ""))).kind
    except CameraBenchError:  # an unknown method: the runner reports it
        return
    if kind == "semantic":
        return
    flags = (
        ("--workers", "workers"),
        ("--videos-per-call", "videos_per_call"),
        ("--gpus-per-worker", "gpus_per_worker"),
    )
    given = [flag for flag, attr in flags if getattr(args, attr, None) is not None]
    if given:
        log.warning(
            "%s ignored: with --backend ray, method %r runs one Ray task per video, as many at once as the "
            "cluster's CPUs allow (--cpus-per-task each); only model methods' actors read %s",
            ", ".join(given),
            args.method,
            " and ".join(given),
        )
        for _, attr in flags:
            setattr(args, attr, None)
