"""The method flags ``predict`` and ``caption`` share, and how they become method options.

The common flags are shortcuts for options of the methods' ``Options`` dataclasses
(:mod:`camerabench.baselines.options`); ``--option KEY=VALUE`` (repeatable) sets any option,
including those without a flag. Values stay strings here: the method's options class converts
and checks them, so a bad value is reported once, in one way, before any video is touched.

A flag given twice with different values is refused (argparse kept the last one without a word),
and a flag the command does not have is named with what was probably meant: a close flag, an
option without a flag (``--option KEY=VALUE``), another method's option, or a value given to a switch.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any

from camerabench.baselines.options import METHOD_FLAGS, METHOD_SWITCHES, methods_taking, parse_assignments
from camerabench.cli.args import path_arg
from camerabench.errors import CameraBenchError

__all__ = ["METHOD_FLAGS", "GivenOnce", "add_method_flags", "method_options"]


#: Flags that name a file or folder: an empty one (``--model "$UNSET"``) was read as the current
#: folder ("``.``: not a model checkpoint folder", or its files searched for trajectories).
_PATH_FLAGS = ("--model", "--traj-dir")


def _key(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


class GivenOnce(argparse.Action):
    """``store``, but a second, different value of the flag is a usage error naming both
    (``--sample-fps 2 ... --sample-fps 5`` ran at 5 without a word). The same value again is taken."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        seen = vars(namespace).setdefault("_given_once", {})  # this parse's values, flag by flag
        if self.dest in seen and seen[self.dest] != values:
            raise argparse.ArgumentError(self, f"given twice, as {seen[self.dest]!r} and as {values!r}: give it once")
        seen[self.dest] = values
        setattr(namespace, self.dest, values)


def add_method_flags(p: argparse.ArgumentParser) -> None:
    """Add the common method flags and ``--option`` to a subparser, and name what an unknown flag
    of ``p`` probably meant (:func:`_unknown_flag_hint`) instead of argparse's bare
    "unrecognized arguments"."""
    group = p.add_argument_group("method options (see the method's Options class for all of them)")
    for flag, help_ in METHOD_FLAGS:
        kind = path_arg if flag in _PATH_FLAGS else str
        group.add_argument(flag, type=kind, default=None, action=GivenOnce, metavar=_key(flag).upper(), help=help_)
    for flag, help_ in METHOD_SWITCHES:
        group.add_argument(flag, action="store_true", default=None, help=help_)
    group.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any option of the method (repeatable), e.g. --option min_registered=0.5 --option focal_order=false",
    )
    parse = p.parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: Any = None) -> Any:
        # the subcommand's parser hands what it does not know up to the main parser, which says
        # only "unrecognized arguments: --sample-fsp 2"
        ns, extras = parse(args, namespace)
        hint = _unknown_flag_hint(p, ns, extras, list(args or [])) if extras else ""
        if hint:
            p.error(f"unrecognized arguments: {' '.join(extras)} ({hint})")
        return ns, extras

    p.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


def _unknown_flag_hint(p: argparse.ArgumentParser, ns: argparse.Namespace, extras: list[str], argv: list[str]) -> str:
    """What the first unknown argument of ``extras`` probably meant, or ``""`` (argparse's message
    then stands): a close flag of ``p``, an option of the method without a flag, another method's
    option, or a value given to a switch (``--deterministic false``)."""
    from camerabench.baselines.registry import METHODS, predictor_class

    method = getattr(ns, "method", None)
    names = predictor_class(method).Options.names() if method in METHODS else []
    flags = sorted({s for a in p._actions for s in a.option_strings if s.startswith("--")})
    switches = {s for a in p._actions if a.nargs == 0 for s in a.option_strings}
    for extra in extras:
        if not extra.startswith("-"):
            before = next((argv[i - 1] for i, a in enumerate(argv) if a == extra and i and argv[i - 1] in switches), "")
            if before:
                key = _key(before)
                set_it = f"; or --option {key}={extra}" if key in names else ""
                return (
                    f"{before} is a switch and takes no value, got {extra!r}: give {before} alone to turn it on{set_it}"
                )
            continue
        flag = extra.partition("=")[0]
        key = _key(flag)
        if key in names:
            return f"{flag}: method {method} has option {key} but no flag for it; set it with --option {key}=VALUE"
        owners = methods_taking(key, but=method or "") if method in METHODS else []
        if owners:
            return f"{flag}: {key} is an option of {' and '.join(owners)}, not of {method}"
        commands = _commands_with(flag, but=p.prog)
        if commands:
            return f"{flag} is a flag of {' and '.join(commands)}, not of {p.prog}"
        close = difflib.get_close_matches(flag, flags, n=1)
        if close:
            return f"{flag}: did you mean {close[0]}?"
    return ""


def _commands_with(flag: str, but: str) -> list[str]:
    """The commands (``camerabench caption``) other than ``but`` that have ``flag``: ``predict --mode``
    was answered "did you mean --model?", though ``--mode`` is caption's."""
    from camerabench.cli import build_parser  # at error time: the parser is built by then

    commands = next((a.choices for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)), {})
    return [parser.prog for parser in commands.values() if parser.prog != but and flag in parser._option_string_actions]


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
