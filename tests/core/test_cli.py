"""The installed ``camerabench`` entry point."""

import json
import subprocess
import sys

from camerabench.cli import COMMANDS
from camerabench.taxonomy import Primitive


def run_cli(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "camerabench.cli", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_help_lists_every_command_of_the_contract():
    out = run_cli("--help").stdout
    for cmd in ("taxonomy", "synth", "predict", "evaluate", "report", "caption", "train", "make-tiny-vlm", "demo"):
        assert cmd in out
        assert cmd in COMMANDS


def test_taxonomy_json():
    rows = json.loads(run_cli("taxonomy", "--json").stdout)
    assert [r["name"] for r in rows] == [p.value for p in Primitive]
    for r in rows:
        p = Primitive(r["name"])
        assert r["question"] == p.question and r["task"] == p.task and r["definition"]
        assert r["file"] == f"binary_classification/{p.value}.jsonl"


def test_known_errors_are_one_line_and_exit_1(tmp_path):
    proc = run_cli(
        "predict", "--data", str(tmp_path / "nope"), "--method", "dummy", "--out", str(tmp_path), check=False
    )
    assert proc.returncode == 1
    assert "nope: dataset folder not found" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli("predict", "--data", str(tmp_path), "--method", "fsat", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2 and "did you mean 'fast'" in proc.stderr  # a usage error, as other bad values


def test_a_missing_module_is_reported_as_not_built_and_inner_errors_pass_through(tmp_path, monkeypatch):
    import pytest

    from camerabench.errors import NotBuiltError
    from camerabench.lazy import import_attr

    with pytest.raises(NotBuiltError, match="'camerabench frobnicate' is not built yet"):
        import_attr("camerabench.frobnicate:main", "'camerabench frobnicate'")
    (tmp_path / "cb_broken_mod.py").write_text("import cb_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="cb_missing_dependency"):
        import_attr("cb_broken_mod:main", "x")


_CHATTY_TAXONOMY = """
import logging, sys
import camerabench.cli.taxonomy as command

plain = command.run

def run(args):
    logging.getLogger("absl").info("third-party chatter")
    logging.getLogger("absl").warning("third-party warning")
    logging.getLogger("camerabench.jobs").info("own progress")
    return plain(args)

command.run = run
from camerabench.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_command_line_prints_its_own_info_and_every_warning(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "chatty.py"
    script.write_text(_CHATTY_TAXONOMY)
    quiet = subprocess.run([sys.executable, str(script), "taxonomy"], capture_output=True, text=True, timeout=120)
    loud = subprocess.run([sys.executable, str(script), "-v", "taxonomy"], capture_output=True, text=True, timeout=120)
    assert quiet.returncode == loud.returncode == 0, quiet.stderr + loud.stderr
    assert "own progress" in quiet.stderr and "third-party warning" in quiet.stderr
    assert "third-party chatter" not in quiet.stderr
    assert "third-party chatter" in loud.stderr and "own progress" in loud.stderr


def test_python_dash_m_camerabench_runs_the_same_command_line(tmp_path):
    """``python -m camerabench`` is the installed ``camerabench``: same commands, same output."""
    top = subprocess.run([sys.executable, "-m", "camerabench", "taxonomy", "--json"], capture_output=True, text=True)
    assert top.returncode == 0, top.stderr
    assert json.loads(top.stdout) == json.loads(run_cli("taxonomy", "--json").stdout)
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "camerabench",
            "predict",
            "--data",
            str(tmp_path / "nope"),
            "--method",
            "dummy",
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "nope: dataset folder not found" in bad.stderr
