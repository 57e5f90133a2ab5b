"""Method name -> predictor class, imported lazily (so ``camerabench --help`` stays fast)."""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping
from typing import Any

from camerabench.baselines.base import MethodKind, Predictor
from camerabench.baselines.options import MethodOptions
from camerabench.errors import CameraBenchError
from camerabench.lazy import import_attr

__all__ = ["METHODS", "get_predictor", "predictor_class"]

#: name -> "module:Class". The one place a method name is spelled.
METHODS: dict[str, str] = {
    "fast": "camerabench.baselines.geometry.fast:FastPredictor",
    "colmap": "camerabench.baselines.geometry.colmap:ColmapPredictor",
    "trajectory": "camerabench.baselines.geometry.importers:TrajectoryPredictor",
    "qwen-vl": "camerabench.baselines.vlm.qwen:QwenVLPredictor",
    "fusion": "camerabench.baselines.fusion:FusionPredictor",
    "dummy": "camerabench.baselines.dummy:DummyPredictor",
}


def predictor_class(name: str) -> type[Predictor]:
    """The class registered as ``name``.

    Raises:
        CameraBenchError: unknown name (with a "did you mean" suggestion).
    """
    if name not in METHODS:
        by_lower = {m.lower(): m for m in METHODS}
        close = [by_lower[name.lower()]] if name.lower() in by_lower else difflib.get_close_matches(name, METHODS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise CameraBenchError(f"unknown method {name!r}{hint} (known: {', '.join(METHODS)})")
    _check_name(name)
    cls: type[Predictor] = import_attr(METHODS[name], f"method {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Predictor)):
        raise CameraBenchError(f"method {name!r}: {METHODS[name]} is not a Predictor subclass, got {cls!r}")
    if getattr(cls, "name", None) != name:  # its records would carry another name than its folder
        raise CameraBenchError(
            f"method {name!r}: {METHODS[name]} is registered as {name!r} but its name is "
            f"{getattr(cls, 'name', None)!r}; set name = {name!r} on the class"
        )
    kinds = typing.get_args(MethodKind)
    if getattr(cls, "kind", None) not in kinds:
        raise CameraBenchError(
            f"method {name!r}: {METHODS[name]} has kind {getattr(cls, 'kind', None)!r}, not one of {', '.join(kinds)}"
        )
    return cls


#: A method name is its run folder's name: no path separators, spaces or leading dot.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _check_name(name: str) -> None:
    """Refuse a registered name that cannot be a folder of its own in a run folder.

    Raises:
        CameraBenchError: ``name`` is not a plain folder name, or differs only in case from another
            registered method (one folder on a case-insensitive file system).
    """
    if not _NAME.fullmatch(name):
        raise CameraBenchError(
            f"method name {name!r} cannot be a run folder's name: use letters, digits, '.', '_' and '-' "
            "(not first), no spaces or path separators"
        )
    twins = [m for m in METHODS if m != name and m.lower() == name.lower()]
    if twins:
        raise CameraBenchError(
            f"method {name!r} differs only in case from method {twins[0]!r}: their run folders would be one "
            "on a case-insensitive file system; rename one"
        )


def get_predictor(name: str, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> Predictor:
    """A predictor of method ``name`` built from its options (validated; see :class:`MethodOptions`)."""
    return predictor_class(name)(options, **kwargs)
