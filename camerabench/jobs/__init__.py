"""Jobs: the work behind ``predict``, ``caption`` and ``demo`` as library functions.

This layer sits above the methods (:mod:`camerabench.baselines`), the metrics
(:mod:`camerabench.eval`) and the synthetic benchmark (:mod:`camerabench.synth`), and below the
command line (:mod:`camerabench.cli`). Its functions take typed arguments, return result
objects, and neither parse arguments nor print (a progress bar on request).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["DemoResult", "RunSummary", "run_caption", "run_demo", "run_predict"]

if TYPE_CHECKING:
    from camerabench.jobs.demo import DemoResult, run_demo
    from camerabench.jobs.runner import RunSummary, run_caption, run_predict

_LAZY = {
    "DemoResult": "demo",
    "run_demo": "demo",
    "RunSummary": "runner",
    "run_caption": "runner",
    "run_predict": "runner",
}


def __getattr__(name: str) -> Any:
    # Lazy, so importing one job does not import the others' dependencies.
    if name in _LAZY:
        return getattr(importlib.import_module(f"camerabench.jobs.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'camerabench.jobs' has no attribute {name!r}")
