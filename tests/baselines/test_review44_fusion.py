"""Review of 2c20b91: fusion's --resume after an input only finished, a run folder moved (paths gone,
the same model and input scores), and a writer taking an input's folder while fusion reads it."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines import fusion as fusion_mod
from camerabench.baselines.fusion import InputFeatures
from camerabench.errors import CameraBenchError
from camerabench.jobs import runner
from camerabench.locks import FolderLock
from camerabench.records import RunInfo, read_run_info, read_scores, write_run_info
from camerabench.runfolder import MethodFolder
from tests.baselines.test_fusion_inputs_r30 import _copy_run, _predict, base  # noqa: F401


def test_resume_after_an_unfinished_input_only_got_its_finish_time(
    base: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = _copy_run(base, tmp_path)
    a, fusion = MethodFolder.of(run, "a"), MethodFolder.of(run, "fusion")
    finished = read_run_info(a.run_info)
    write_run_info(a.run_info, RunInfo(method="a", command="predict", data=finished.data))  # stopped at its end
    assert _predict(base, run) == 0
    assert json.loads(fusion.run_info.read_text())["settings"]["inputs_unfinished"] == ["a"]
    before = fusion.scores.read_bytes()
    write_run_info(a.run_info, finished)  # its --resume had nothing left to record: finished, scores untouched
    caplog.clear()
    assert _predict(base, run, "--resume") == 0, caplog.text
    assert "settings that differ" not in caplog.text
    assert fusion.scores.read_bytes() == before
    assert json.loads(fusion.run_info.read_text())["settings"]["inputs_unfinished"] == []
    # its file rewritten with the same records (another spacing): the records fused are the same, resumed
    a.scores.write_bytes(a.scores.read_bytes().replace(b'"score": ', b'"score":  ', 1))
    caplog.clear()
    assert _predict(base, run, "--resume") == 0, caplog.text
    assert fusion.scores.read_bytes() == before
    # a score changed: still refused, naming the fused video that rests on it
    first = read_scores(a.scores)[0]
    a.scores.write_bytes(a.scores.read_bytes().replace(f'"score":  {first.score!r}'.encode(), b'"score": 123.0', 1))
    assert read_scores(a.scores)[0].score == 123.0
    caplog.clear()
    assert _predict(base, run, "--resume") != 0
    assert "cannot --resume: 1 fused video(s) rest on input records that changed since they were fused" in caplog.text
    assert f"{first.video} (a: records changed)" in caplog.text


def test_resume_after_the_whole_folder_moved(
    base: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = tmp_path / "old"
    run = _copy_run(base, old)
    model = old / "model"
    shutil.copytree(base["model"], model)
    assert _predict(base, run, model=model) == 0
    new = tmp_path / "new"
    old.rename(new)
    fusion = MethodFolder.of(new / "run", "fusion")
    before = fusion.scores.read_bytes()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _predict(base, new / "run", "--resume", model=new / "model") == 0, caplog.text
    assert "settings that differ" not in caplog.text
    assert f"the earlier run's model was {model}, this one is {new / 'model'}: the same model file" in caplog.text
    assert f"the earlier run read its inputs from {run}, this one from {new / 'run'}" in caplog.text
    assert fusion.scores.read_bytes() == before
    # another model at the old path's place, or other input scores: still refused
    (new / "run" / "b" / "scores.jsonl").write_text("")
    caplog.clear()
    assert _predict(base, new / "run", "--resume", model=new / "model") != 0
    assert "(b: its records vanished)" in caplog.text


def test_inputs_moved_needs_the_same_scores() -> None:
    info = Path("r/fusion/run.json")
    same = {"inputs_sha256": {"a": "1" * 64, "b": "2" * 64}}
    assert runner._inputs_moved(info, {"inputs_run": "/gone/r", **same}, {"inputs_run": "/r", **same})
    other = {"inputs_sha256": {"a": "1" * 64, "b": "3" * 64}}
    assert not runner._inputs_moved(info, {"inputs_run": "/gone/r", **same}, {"inputs_run": "/r", **other})
    assert not runner._inputs_moved(info, {"inputs_run": "/gone/r", "inputs_sha256": {}}, {"inputs_run": "/r"})
    sha = {"model_sha256": "4" * 64}
    assert runner._model_moved(info, {"model": "/gone/m", **sha}, {"model": "/m", **sha})
    assert not runner._model_moved(info, {"model": "/gone/m", **sha}, {"model": "/m", "model_sha256": "5" * 64})


def test_a_writer_that_starts_while_an_input_is_read_is_refused(
    base: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _copy_run(base, tmp_path)
    real = fusion_mod.read_method
    locks: list[FolderLock] = []

    def read_then_writer_starts(folder: Path, *args: Any) -> Any:
        out = real(folder, *args)
        lock = FolderLock(folder)  # a predict --resume of the input taking its folder meanwhile
        lock.acquire()
        locks.append(lock)
        return out

    monkeypatch.setattr(fusion_mod, "read_method", read_then_writer_starts)
    try:
        with pytest.raises(CameraBenchError, match=r"fusion input 'a': .* is being written by a running camerabench"):
            InputFeatures.read(run, "a")
    finally:
        for lock in locks:
            lock.release()
    monkeypatch.setattr(fusion_mod, "read_method", real)
    assert InputFeatures.read(run, "a").name == "a"  # no writer: read
