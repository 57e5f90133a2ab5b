"""Method name -> predictor class, imported lazily (so ``camerabench --help`` stays fast)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from camerabench.baselines.base import Predictor
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
    cls: type[Predictor] = import_attr(METHODS[name], f"method {name!r}")
    return cls


def get_predictor(name: str, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> Predictor:
    """A predictor of method ``name`` built from its options (validated; see :class:`MethodOptions`)."""
    return predictor_class(name)(options, **kwargs)
