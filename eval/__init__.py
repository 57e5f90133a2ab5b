"""Evaluation: AP, paired VQA / retrieval, caption and trajectory metrics; reports.

Public API: :func:`evaluate_run` (the metrics document as a dict) and :func:`write_report`
(the report folder). ``camerabench.eval.evaluate.evaluate`` returns an :class:`Evaluation`:
the typed :class:`~camerabench.eval.results.EvaluationResult` plus the per-sample material,
which ``write_report(..., evaluation=...)`` reuses, so a caller that wants both evaluates once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["DEFAULT_N_BOOTSTRAP", "Evaluation", "EvaluationResult", "evaluate_run", "write_report"]

#: Bootstrap resamples of the confidence intervals and paired tests unless told otherwise.
DEFAULT_N_BOOTSTRAP = 1000

if TYPE_CHECKING:
    from camerabench.eval.evaluate import Evaluation, evaluate_run
    from camerabench.eval.report import write_report
    from camerabench.eval.results import EvaluationResult

_LAZY = {"Evaluation": "evaluate", "evaluate_run": "evaluate", "write_report": "report", "EvaluationResult": "results"}


def __getattr__(name: str) -> Any:
    # Lazy: importing camerabench.eval must not pull in scikit-learn / matplotlib.
    if name in _LAZY:
        return getattr(importlib.import_module(f"camerabench.eval.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'camerabench.eval' has no attribute {name!r}")
