"""``--resume`` of a run made by an older camerabench, whose run.json lacks options added since:
it said "use the earlier settings", which no flag of this version can do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder


def _drop_setting(out: Path, key: str) -> None:
    info = MethodFolder.of(out, "dummy").run_info
    doc = json.loads(info.read_text())
    assert key in doc["settings"], doc["settings"]
    del doc["settings"][key]
    info.write_text(json.dumps(doc))


def test_a_run_without_an_option_added_since_says_it_is_from_an_older_version(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    _drop_setting(out, "seed")
    with pytest.raises(CameraBenchError, match=r"older camerabench without the option\(s\) seed.*another --out") as err:
        run_predict(data, "dummy", out, resume=True, options={"seed": 5})
    assert "use the earlier settings" not in str(err.value)


def test_an_option_added_since_at_its_default_resumes(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R116: a new option's default keeps what the method did before it existed (``fast``'s
    ``fixed_parts``, off), so every run made before it was added could not be resumed."""
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    scores = MethodFolder.of(out, "dummy").scores
    before = scores.read_text()
    lines = before.splitlines(keepends=True)
    scores.write_text("".join(lines[: len(lines) // 2]))  # an interrupted run
    _drop_setting(out, "seed")
    run_predict(data, "dummy", out, resume=True)
    assert "made before option(s) seed=0 existed" in caplog.text
    assert sorted(scores.read_text().splitlines()) == sorted(before.splitlines())


def test_a_changed_setting_still_says_use_the_earlier_settings(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_predict(data, "dummy", out)
    with pytest.raises(CameraBenchError, match=r"seed: 0 -> 5\); use the earlier settings"):
        run_predict(data, "dummy", out, resume=True, options={"seed": 5})
