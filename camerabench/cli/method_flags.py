"""The method flags ``predict`` and ``caption`` share, and how they become method options.

The common flags are shortcuts for options of the methods' ``Options`` dataclasses
(:mod:`camerabench.baselines.options`); ``--option KEY=VALUE`` (repeatable) sets any option,
including those without a flag. Values stay strings here: the method's options class converts
and checks them, so a bad value is reported once, in one way, before any video is touched.
"""

from __future__ import annotations

import argparse
from typing import Any

from camerabench.baselines.options import METHOD_FLAGS, METHOD_SWITCHES, parse_assignments
from camerabench.cli.args import path_arg
from camerabench.errors import CameraBenchError

__all__ = ["METHOD_FLAGS", "add_method_flags", "method_options"]


#: Flags that name a file or folder: an empty one (``--model "$UNSET"``) was read as the current
#: folder ("``.``: not a model checkpoint folder", or its files searched for trajectories).
_PATH_FLAGS = ("--model", "--traj-dir")


def _key(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def add_method_flags(p: argparse.ArgumentParser) -> None:
    """Add the common method flags and ``--option`` to a subparser."""
    group = p.add_argument_group("method options (see the method's Options class for all of them)")
    for flag, help_ in METHOD_FLAGS:
        kind = path_arg if flag in _PATH_FLAGS else str
        group.add_argument(flag, type=kind, default=None, metavar=_key(flag).upper(), help=help_)
    for flag, help_ in METHOD_SWITCHES:
        group.add_argument(flag, action="store_true", default=None, help=help_)
    group.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any option of the method (repeatable), e.g. --option min_registered=0.5 --option focal_order=false",
    )


def method_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options the user set (flags and ``--option``), keyed by option name, values unparsed.

    Raises:
        CameraBenchError: the same option set by a flag and by ``--option``, or an empty path
            given by ``--option`` (``--option model=``).
    """
    out: dict[str, Any] = {}
    for flag, _ in [*METHOD_FLAGS, *METHOD_SWITCHES]:
        value = getattr(args, _key(flag), None)
        if value is not None:
            out[_key(flag)] = value
    for key, value in parse_assignments(getattr(args, "option", None) or []).items():
        if key in out:
            raise CameraBenchError(f"option {key} is set both by a flag and by --option")
        if f"--{key.replace('_', '-')}" in _PATH_FLAGS and not value.strip():
            raise CameraBenchError(f"--option {key}= must name a path, got an empty value")
        out[key] = value
    return out
