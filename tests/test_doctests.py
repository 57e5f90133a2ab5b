"""The examples in the docstrings of every camerabench module run as part of the suite.

Modules are found by walking every package listed in ``pyproject.toml`` (so the folders mapped
by ``package-dir`` are walked too); a module without examples is fine, but the walk must reach
the modules known to have them.
"""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Modules whose docstrings hold examples; the walk must attempt each of them.
KNOWN_WITH_EXAMPLES = (
    "camerabench.taxonomy.primitives",
    "camerabench.taxonomy.tasks",
    "camerabench.taxonomy.vqa_tasks",
    "camerabench.synth.annotate",
    "camerabench.trajectory",
    "camerabench.eval.ap",
    "camerabench.eval.vqa",
    "camerabench.eval.caption_metrics",
    "camerabench.baselines.geometry.scoring",
    "camerabench.baselines.options",
    "camerabench.runfolder",
    "camerabench.cli.synth",
    "camerabench.eval.failed",
    "camerabench.eval.results",
    "camerabench.eval.knobs",
    "camerabench.eval.gallery",
    "camerabench.eval.mcq",
    "camerabench.shotbench",
    "camerabench.synth.mcq",
    "camerabench.crossfit",
    "camerabench.baselines.geometry.fast",
    "camerabench.baselines.geometry.predictor",
    "camerabench.baselines.geometry.overlay",
    "camerabench.baselines.geometry.shots",
    "camerabench.synth.nuisances",
    "camerabench.synth.specs",
    "camerabench.baselines.vlm.arch",
    "camerabench.baselines.vlm.grpo",
)

#: Floor on the examples attempted over the whole package (a walk that misses a folder drops below).
MIN_EXAMPLES = 70


@dataclass(frozen=True)
class ModuleRun:
    attempted: int
    failed: int
    report: str


def _module_names() -> list[str]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    packages: list[str] = config["tool"]["setuptools"]["packages"]
    names = set(packages)
    for package in packages:
        path = importlib.import_module(package).__path__
        names.update(info.name for info in pkgutil.iter_modules(path, f"{package}."))
    # a __main__ module runs its command when imported
    return sorted(n for n in names if not n.endswith(".__main__"))


@pytest.fixture(scope="module")
def doctest_runs() -> dict[str, ModuleRun]:
    finder = doctest.DocTestFinder()
    runs: dict[str, ModuleRun] = {}
    for name in _module_names():
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported as this module's failure, the walk goes on
            runs[name] = ModuleRun(0, 1, f"import failed:\n{traceback.format_exc()}")
            continue
        out = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in finder.find(module):
            runner.run(test, out=out.write)
        runs[name] = ModuleRun(runner.tries, runner.failures, out.getvalue())
    return runs


@pytest.mark.slow
def test_every_module_docstring_example_passes(doctest_runs: dict[str, ModuleRun]) -> None:
    failed = {name: run for name, run in doctest_runs.items() if run.failed}
    assert not failed, "\n".join(f"{name}: {run.failed} failed\n{run.report}" for name, run in failed.items())


@pytest.mark.slow
def test_the_walk_reaches_every_module_with_examples(doctest_runs: dict[str, ModuleRun]) -> None:
    missed = [name for name in KNOWN_WITH_EXAMPLES if doctest_runs.get(name, ModuleRun(0, 0, "")).attempted == 0]
    assert not missed, f"no examples attempted in {missed}"
    total = sum(run.attempted for run in doctest_runs.values())
    assert total >= MIN_EXAMPLES, f"only {total} examples attempted over {len(doctest_runs)} modules"
