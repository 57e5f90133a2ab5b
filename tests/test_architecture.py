"""Architecture and code-quality gates run by the suite (and so by ``.ci/run``).

- the import-linter contracts of ``pyproject.toml`` (the layers taxonomy <- core <- synth |
  baselines | eval <- jobs <- cli), checked on an installed tree: grimp walks the package's own
  folder, so through the editable install it cannot see the folders that ``package-dir`` maps
  (``taxonomy/``, ``baselines/``, ``eval/``);
- string-named lazy imports (``"camerabench.x.y:Name"`` specs, ``import_module`` prefixes), which
  grimp does not see, follow the same layers;
- ``ruff check``, ``ruff format --check`` and ``mypy`` are clean.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import copy_source_tree

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "camerabench"


def _tool(name: str) -> str:
    """A console script of the running environment (beside ``sys.executable``), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed (it is a dev dependency: pip install -e '.[dev]')"
    return found


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def installed_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed the way users get it (``pip install --target``), not editable."""
    target = tmp_path_factory.mktemp("site")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            # no .pyc files (import-linter reads the sources), no index or version check (nothing to
            # download): 4.5-4.7 s -> 3.4-3.5 s (2026-12-07, 2 cores)
            "--no-compile",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            ".",
        ],
        cwd=copy_source_tree(tmp_path_factory.mktemp("src")),
    )
    return target


def test_installed_tree_holds_the_taxonomy_data(installed_tree: Path) -> None:
    sources = sorted(p.name for p in (REPO_ROOT / "taxonomy").glob("*.yaml"))
    assert {"primitives.yaml", "vqa_tasks.yaml"} <= set(sources)
    installed = installed_tree / PACKAGE / "taxonomy"
    assert sorted(p.name for p in installed.glob("*.yaml")) == sources


@pytest.mark.slow
def test_import_contracts(installed_tree: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed_tree), os.environ.get("PYTHONPATH", "")])}
    cmd = [_tool("lint-imports"), "--no-cache", "--config", str(REPO_ROOT / "pyproject.toml")]
    # run outside the checkout so that nothing but the installed tree provides the package
    _run(cmd, cwd=installed_tree.parent, env=env)


def _layers() -> list[tuple[set[str], bool]]:
    """The layers contract of pyproject.toml: (top-level module names, independent), highest first."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    assert contract["containers"] == [PACKAGE]
    layers = []
    for layer in contract["layers"]:
        sep = "|" if "|" in layer else ":"
        layers.append(({name.strip().strip("()") for name in layer.split(sep)}, sep == "|"))
    return layers


def _package_dirs() -> dict[str, Path]:
    """Top-level subpackage -> source folder, from ``[tool.setuptools.package-dir]``."""
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    root = REPO_ROOT / mapping[PACKAGE]
    dirs = {p.name: p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    for name, folder in mapping.items():
        if name.startswith(f"{PACKAGE}."):
            dirs[name.split(".")[1]] = REPO_ROOT / folder
    return dirs


def _source_modules() -> Iterator[tuple[str, Path]]:
    """(top-level name, file) for every source file of the package."""
    dirs = _package_dirs()
    for path in sorted((REPO_ROOT / PACKAGE).glob("*.py")):
        if path.stem != "__init__":
            yield path.stem, path
    for name, folder in sorted(dirs.items()):
        for path in sorted(folder.rglob("*.py")):
            yield name, path


_MODULE_STRING = re.compile(rf"{PACKAGE}\.([a-z_][a-z0-9_]*)(?:\.[a-z_][a-z0-9_]*)*\.?(?::\w+)?")


def _named_modules(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """(top-level name, line) of each string naming a camerabench module (f-string parts included)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (m := _MODULE_STRING.fullmatch(node.value))
        ):
            yield m.group(1), node.lineno


def test_string_named_imports_follow_the_layers() -> None:
    layers = _layers()
    layer_of = {name: i for i, (names, _) in enumerate(layers) for name in names}
    problems = []
    found = 0
    for importer, path in _source_modules():
        assert importer in layer_of, f"{PACKAGE}.{importer} ({path}) is in no layer of the import-linter contract"
        for imported, line in _named_modules(ast.parse(path.read_text("utf-8"))):
            found += 1
            if imported not in layer_of or imported == importer:
                continue
            i, j = layer_of[importer], layer_of[imported]
            if j < i or (j == i and layers[i][1]):
                problems.append(
                    f"{path.relative_to(REPO_ROOT)}:{line}: {PACKAGE}.{importer} names {PACKAGE}.{imported}"
                )
    assert not problems, "string-named imports against the layers:\n" + "\n".join(problems)
    assert found > 0, "no string names a camerabench module: the scan is broken"


def test_ruff_check() -> None:
    _run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise", "."], cwd=REPO_ROOT)


def test_ruff_format() -> None:
    _run([sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."], cwd=REPO_ROOT)


@pytest.mark.slow
def test_mypy() -> None:
    _run([sys.executable, "-m", "mypy"], cwd=REPO_ROOT, timeout=600)
