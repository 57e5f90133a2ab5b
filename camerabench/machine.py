"""What this process may use of the machine it runs on.

``os.cpu_count()`` counts every CPU of the machine. A batch job (SLURM's ``--cpus-per-task``,
``taskset``, ``numactl``) is confined to some of them by its CPU affinity, and a container
(Docker ``--cpus``, a Kubernetes CPU limit) by a cgroup v2 quota (``cpu.max``); sizing worker
pools and thread counts by the whole node oversubscribes the CPUs the job may use (64 worker
threads on a 4-CPU SLURM allocation) and hides the "more workers than CPUs" warning.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["usable_cpus"]

#: cgroup v2's CPU quota of this process's cgroup (``"max 100000"``: none; ``"200000 100000"``:
#: two CPUs' worth of time). Mounted here inside containers and on systemd hosts.
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def _affinity_cpus() -> int | None:
    """CPUs this process may be scheduled on (None where the system does not say: macOS, Windows)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or None
    return None


def _quota_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int | None:
    """CPUs' worth of time the cgroup v2 quota in ``cpu_max`` allows, rounded up; None without a
    quota (the file absent, unreadable, ``max``, or not the two numbers cgroup v2 writes)."""
    try:
        fields = cpu_max.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):  # no cgroup v2 here: no quota to apply
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))


def usable_cpus(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """CPUs this process may use: the fewest of the machine's count, the CPU affinity and the
    cgroup v2 quota; at least 1.

    Example:
        >>> 1 <= usable_cpus() <= (os.cpu_count() or 1)
        True
    """
    counts = [c for c in (os.cpu_count(), _affinity_cpus(), _quota_cpus(cpu_max)) if c]
    return max(1, min(counts)) if counts else 1
