"""A wheel built from the tree contains and imports every subpackage (plus the taxonomy data)."""

import subprocess
import sys
import zipfile

from .. import conftest

SUBPACKAGES = [
    "camerabench",
    "camerabench.taxonomy",
    "camerabench.synth",
    "camerabench.baselines",
    "camerabench.baselines.geometry",
    "camerabench.baselines.vlm",
    "camerabench.eval",
]


def test_editable_install_maps_the_folders():
    import camerabench.baselines
    import camerabench.eval
    import camerabench.taxonomy

    root = conftest.REPO_ROOT
    assert camerabench.taxonomy.__file__.startswith(str(root / "taxonomy"))
    assert camerabench.baselines.__file__.startswith(str(root / "baselines"))
    assert camerabench.eval.__file__.startswith(str(root / "eval"))


def test_wheel_imports_every_subpackage(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=conftest.copy_source_tree(tmp_path / "src"),
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("camerabench-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    assert "camerabench/taxonomy/primitives.yaml" in names
    code = (
        "import importlib, sys\n"
        f"for name in {SUBPACKAGES!r}:\n"
        "    mod = importlib.import_module(name)\n"
        f"    assert mod.__file__.startswith({str(site)!r}), (name, mod.__file__)\n"
        "from camerabench.taxonomy import Primitive\n"
        "print(Primitive.PAN_LEFT.question)\n"
    )
    # the wheel's folder first on sys.path: it wins over the editable install's finder
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Does the camera pan to the left?"
