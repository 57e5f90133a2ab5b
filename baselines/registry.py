"""Method name -> predictor class, imported lazily (so ``camerabench --help`` stays fast)."""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from camerabench.baselines.base import Predictor
from camerabench.errors import CameraBenchError, NotBuiltError

__all__ = ["METHODS", "get_predictor", "predictor_class"]

#: name -> "module:Class". The one place a method name is spelled.
METHODS: dict[str, str] = {
    "fast": "camerabench.baselines.geometry.fast:FastPredictor",
    "colmap": "camerabench.baselines.geometry.colmap:ColmapPredictor",
    "trajectory": "camerabench.baselines.geometry.importers:TrajectoryPredictor",
    "qwen-vl": "camerabench.baselines.vlm.qwen:QwenVLPredictor",
    "dummy": "camerabench.baselines.dummy:DummyPredictor",
}


def predictor_class(name: str) -> type[Predictor]:
    """The class registered as ``name``.

    Raises:
        CameraBenchError: unknown name (with a "did you mean" suggestion).
    """
    if name not in METHODS:
        close = difflib.get_close_matches(name, METHODS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise CameraBenchError(f"unknown method {name!r}{hint} (known: {', '.join(METHODS)})")
    module_name, cls_name = METHODS[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise NotBuiltError(f"method {name!r} is not built yet in this version") from exc
        raise
    cls: type[Predictor] = getattr(module, cls_name)
    return cls


def get_predictor(name: str, **options: Any) -> Predictor:
    return predictor_class(name)(**options)
