"""Evaluation: AP, paired VQA / retrieval, caption and trajectory metrics; reports.

Public API: :func:`evaluate_run` (metrics dict) and :func:`write_report` (report folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["evaluate_run", "write_report"]

if TYPE_CHECKING:
    from camerabench.eval.evaluate import evaluate_run
    from camerabench.eval.report import write_report


def __getattr__(name: str) -> Any:
    # Lazy: importing camerabench.eval must not pull in scikit-learn / matplotlib.
    if name == "evaluate_run":
        from camerabench.eval.evaluate import evaluate_run

        return evaluate_run
    if name == "write_report":
        from camerabench.eval.report import write_report

        return write_report
    raise AttributeError(f"module 'camerabench.eval' has no attribute {name!r}")
