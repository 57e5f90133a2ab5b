"""Lazy ``"module:attribute"`` imports for the CLI handlers and the method registry."""

from __future__ import annotations

import importlib
from typing import Any

from camerabench.errors import NotBuiltError

__all__ = ["import_attr"]


def import_attr(spec: str, what: str) -> Any:
    """Import ``module:attribute``.

    Raises:
        NotBuiltError: the module itself does not exist (``what`` names the missing feature);
            a missing dependency *inside* the module is re-raised as it is.
    """
    module_name, attr = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise NotBuiltError(f"{what} is not built yet in this version") from exc
        raise
    return getattr(module, attr)
