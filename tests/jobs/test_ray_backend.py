"""Runs the Ray backend's tests (``ray_cases.py``) in a pytest process of their own.

Why a process of their own: a Ray driver whose raylet dies (a crash inside Ray, the kernel's
out-of-memory killer choosing the raylet) ends the driver's process at once with exit code 1,
printing nothing. In the suite's own process that ends the whole suite mid-line with no
summary, which is what one CI run showed (output stopping inside this file). Here such a death
is a failure of this test that names what died and shows the end of Ray's own logs.

A child that died before writing its report (so not a test failure: the process itself ended)
is run once more, with a warning that carries the same evidence; a second death fails. Test
failures inside the child are never rerun.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).with_name("ray_cases.py")
#: Tests in ray_cases.py (parametrised cases counted): the child must run every one.
EXPECTED_CASES = 25
#: Where a local Ray instance writes its logs (``ray.init``'s default temporary folder).
RAY_LOGS = Path("/tmp/ray/session_latest/logs")


def _ray_log_tails(lines: int = 15) -> str:
    """The last lines of the raylet's and GCS server's logs of the latest local Ray session."""
    parts = []
    for name in ("raylet.err", "raylet.out", "gcs_server.err"):
        path = RAY_LOGS / name
        if path.is_file():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path} (last {len(tail)} lines)\n" + "\n".join(tail))
    return "\n".join(parts) or f"(no Ray logs under {RAY_LOGS})"


def _run_child(report: Path) -> subprocess.CompletedProcess[str]:
    # -n 0: the cases share one local Ray instance, so one process (not the suite's xdist workers)
    cmd = [
        sys.executable, "-m", "pytest", "-v", "-n", "0", "-p", "no:cacheprovider", "-o", "python_files=ray_cases.py",
        f"--junitxml={report}", str(CASES),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_the_ray_backend_cases_pass_in_their_own_process(tmp_path: Path) -> None:
    for attempt in (1, 2):
        report = tmp_path / f"report{attempt}.xml"
        proc = _run_child(report)
        evidence = (
            f"child pytest exit code {proc.returncode}\n--- its output (end)\n{proc.stdout[-6000:]}\n"
            f"--- its stderr (end)\n{proc.stderr[-3000:]}\n{_ray_log_tails()}"
        )
        if report.is_file():
            break
        assert attempt == 1, f"the Ray test process died twice before writing its report\n{evidence}"
        message = f"the Ray test process died before writing its report; running it once more\n{evidence}"
        warnings.warn(message, stacklevel=1)
    suite = ET.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None, evidence
    counts = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": EXPECTED_CASES, "failures": 0, "errors": 0, "skipped": 0}, evidence
    assert proc.returncode == 0, evidence
