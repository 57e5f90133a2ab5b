"""The backend flags ``predict`` and ``caption`` share: where the videos are processed.

``--backend local`` (the default) runs in this machine's processes (``--workers``);
``--backend ray`` runs on a Ray cluster (:mod:`camerabench.jobs.ray_backend`). The Ray flags are
refused with the local backend, so a forgotten ``--backend ray`` does not pass unnoticed.
"""

from __future__ import annotations

import argparse
import logging
import math
from typing import Any

from camerabench.cli.args import positive_float, positive_int
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


def _ray_address(text: str) -> str:
    """``auto`` or ``HOST:PORT``, without the spaces around it that a copied address brings
    (``"auto "`` would reach Ray, which says only "Invalid address format").

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
    return address


def add_backend_flags(p: argparse.ArgumentParser) -> None:
    """Add ``--backend`` and the Ray flags to a subparser."""
    group = p.add_argument_group("backend (where the videos are processed)")
    group.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="local: processes on this machine (--workers); ray: a Ray cluster (pip install 'camerabench[ray]')",
    )
    group.add_argument(
        "--ray-address",
        type=_ray_address,
        default=None,
        metavar="ADDR",
        help="Ray cluster to join: 'auto' (started on this machine with 'ray start') or HOST:PORT of its head; "
        "default: start a Ray instance on this machine for the run",
    )
    group.add_argument(
        "--cpus-per-task", type=positive_float, default=None, help="CPUs per Ray task or actor (default 1)"
    )
    group.add_argument(
        "--gpus-per-worker",
        type=_non_negative_float,
        default=None,
        help="GPUs per Ray actor, for model methods (default 0)",
    )
    group.add_argument(
        "--videos-per-call",
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
        CameraBenchError: a Ray flag with ``--backend local``.
    """
    if args.backend != "ray":
        given = [flag for flag, attr in _RAY_FLAGS if getattr(args, attr) is not None]
        if given:
            raise CameraBenchError(f"{', '.join(given)} only apply with --backend ray")
        return {"backend": "local"}
    from camerabench.jobs.ray_backend import RayOptions, require_ray

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
