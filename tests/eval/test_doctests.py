"""The examples in the eval modules' docstrings run as part of the test suite."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["ap", "vqa", "caption_metrics"])
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(f"camerabench.eval.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
