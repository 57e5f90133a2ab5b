"""Red team R30: fusion on an input still being written or interrupted, --resume after an input
changed, path settings spelled differently on --resume, a report failing halfway, and the caption
job's save warning."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camerabench.cli import main
from camerabench.eval import report as report_mod
from camerabench.eval.report import write_report
from camerabench.fileio import WriteError
from camerabench.jobs import runner
from camerabench.records import RunInfo, ScoreRecord, read_run_info, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder, folder_writer, read_method
from tests.baselines.test_fusion import _dataset


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A dataset, finished input runs ``a`` and ``b`` (with run.json) and a fusion model trained on them."""
    root = tmp_path_factory.mktemp("fusion_r30")
    data, run = _dataset(root)
    for name in ("a", "b"):
        info = RunInfo(method=name, command="predict", data=str(data.resolve()), finished="2026-01-01T00:00:00Z")
        write_run_info(MethodFolder.of(run, name).run_info, info)
    model = root / "model"
    args = ["train", "--method", "fusion", "--data", str(data), "--run", str(run), "--inputs", "a,b"]
    assert main([*args, "--out", str(model), "--folds", "3"]) == 0
    return {"data": data, "run": run, "model": model}


def _copy_run(base: dict[str, Path], tmp_path: Path) -> Path:
    run = tmp_path / "run"
    for name in ("a", "b"):
        src, dst = MethodFolder.of(base["run"], name), MethodFolder.of(run, name)
        dst.path.mkdir(parents=True, exist_ok=True)
        dst.scores.write_bytes(src.scores.read_bytes())
        dst.run_info.write_bytes(src.run_info.read_bytes())
    return run


def _predict(base: dict[str, Path], run: Path | str, *extra: str, model: Path | str | None = None) -> int:
    model = base["model"] if model is None else model
    args = ["predict", "--method", "fusion", "--data", str(base["data"]), "--model", str(model)]
    return main([*args, "--out", str(run), *extra])


@pytest.fixture
def live_writer(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """Another process holding the lock on ``tmp_path/run/a`` (as a running predict does)."""
    folder = tmp_path / "run" / "a"
    code = textwrap.dedent(
        f"""
        import sys
        from camerabench.locks import FolderLock
        with FolderLock({str(folder)!r}):
            print("locked", flush=True)
            sys.stdin.readline()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().strip() == "locked"
    try:
        yield folder, proc.pid
    finally:
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=30)


def test_folder_writer_names_the_live_writer_only(live_writer: tuple[Path, int]) -> None:
    folder, pid = live_writer
    assert folder_writer(folder) == f"pid {pid}"
    assert folder_writer(folder.parent / "b") is None  # no lock file at all


def test_predict_and_train_refuse_an_input_being_written(
    base: dict[str, Path], tmp_path: Path, live_writer: tuple[Path, int], caplog: pytest.LogCaptureFixture
) -> None:
    folder, pid = live_writer
    run = _copy_run(base, tmp_path)
    assert _predict(base, run) != 0
    assert f"fusion input 'a': {folder} is being written by a running camerabench job (pid {pid})" in caplog.text
    assert not MethodFolder.of(run, "fusion").scores.exists()
    caplog.clear()
    args = ["train", "--method", "fusion", "--data", str(base["data"]), "--run", str(run), "--inputs", "a,b"]
    assert main([*args, "--out", str(tmp_path / "m2"), "--folds", "3"]) != 0
    assert f"is being written by a running camerabench job (pid {pid})" in caplog.text
    assert not (tmp_path / "m2" / "fusion.json").exists()


def test_unfinished_input_is_warned_and_recorded(
    base: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = _copy_run(base, tmp_path)
    a = MethodFolder.of(run, "a")
    kept = [r for r in read_scores(a.scores) if r.video < "v30.mp4"]  # an interrupted run: half the videos
    write_scores(a.scores, kept)
    write_run_info(a.run_info, RunInfo(method="a", command="predict", data=str(base["data"].resolve())))
    with caplog.at_level(logging.WARNING):
        assert _predict(base, run) == 0
    assert (
        f"{a.path}: the predict run did not finish (run.json has no finish time: interrupted, or still running); "
        "videos it did not record are not fused: fusion records each as failed, naming the input" in caplog.text
    )  # round 55 (red team R76): they were fused with that input taken as failed, a score made without it
    assert "count as missing" not in caplog.text
    settings = json.loads(MethodFolder.of(run, "fusion").run_info.read_text())["settings"]
    assert settings["inputs_unfinished"] == ["a"]
    expected = {n: hashlib.sha256(MethodFolder.of(run, n).scores.read_bytes()).hexdigest() for n in ("a", "b")}
    assert settings["inputs_sha256"] == expected
    # evaluate's reading keeps its own wording: unrecorded videos count as missing there
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert read_method(a.path).unfinished == ["predict"]
    assert "videos it did not record count as missing" in caplog.text


def test_resume_refuses_an_input_changed_since(
    base: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = _copy_run(base, tmp_path)
    assert _predict(base, run) == 0
    fusion = MethodFolder.of(run, "fusion")
    before = fusion.scores.read_bytes()
    assert _predict(base, run, "--resume") == 0  # unchanged inputs: resumed
    assert fusion.scores.read_bytes() == before
    b = MethodFolder.of(run, "b")
    recs = read_scores(b.scores)
    first = recs[0]
    recs[0] = ScoreRecord(first.video, first.question, "b", 123.0, primitive=first.primitive)
    write_scores(b.scores, recs)
    caplog.clear()
    assert _predict(base, run, "--resume") != 0
    # the fused video whose record of b changed is named, with the input
    assert f"{fusion.run_info}: cannot --resume: 1 fused video(s) rest on input records that changed" in caplog.text
    assert f"{first.video} (b: records changed)" in caplog.text
    assert "use a new --out" in caplog.text
    assert fusion.scores.read_bytes() == before


def _last_video_left_out(
    base: dict[str, Path], run: Path, names: tuple[str, ...], unfinished: bool
) -> tuple[str, dict[str, bytes]]:
    """Take the last video's records out of inputs ``names`` (their run.json finished or not); return
    the video and the full scores.jsonl bytes of those inputs, to put back."""
    full = {n: MethodFolder.of(run, n).scores.read_bytes() for n in names}
    last = max(r.video for r in read_scores(MethodFolder.of(run, names[0]).scores))
    for n in names:
        folder = MethodFolder.of(run, n)
        write_scores(folder.scores, [r for r in read_scores(folder.scores) if r.video != last])
        if unfinished:
            write_run_info(folder.run_info, RunInfo(method=n, command="predict", data=str(base["data"].resolve())))
    return last, full


def test_resume_after_the_inputs_gained_a_video_fuses_it(base: dict[str, Path], tmp_path: Path) -> None:
    run = _copy_run(base, tmp_path)
    last, full = _last_video_left_out(base, run, ("a", "b"), unfinished=False)
    assert _predict(base, run) == 0
    fusion = MethodFolder.of(run, "fusion")
    before = {(r.video, r.question): r for r in read_scores(fusion.scores)}
    assert {r.status for (v, _), r in before.items() if v == last} == {"failed"}  # no input had it
    for n, data in full.items():  # predict ran the inputs on that video since
        MethodFolder.of(run, n).scores.write_bytes(data)
    # was: "cannot --resume: its inputs a, b changed since the earlier run started" (whole-file digests)
    assert _predict(base, run, "--resume", "--retry-failed") == 0
    after = {(r.video, r.question): r for r in read_scores(fusion.scores)}
    assert {r.status for (v, _), r in after.items() if v == last} == {"ok"}
    assert {k: r for k, r in after.items() if k[0] != last} == {k: r for k, r in before.items() if k[0] != last}


def test_resume_after_an_unfinished_input_completed_fuses_its_videos_with_retry_failed(
    base: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Round 55 (red team R76): the video input a had not reached is a failure of the fusion run
    naming a (it was fused from b alone, and a resume after a completed was refused)."""
    run = _copy_run(base, tmp_path)
    last, full = _last_video_left_out(base, run, ("a",), unfinished=True)
    assert _predict(base, run) == 0
    fusion = MethodFolder.of(run, "fusion")
    assert {r.status for r in read_scores(fusion.scores) if r.video == last} == {"failed"}
    assert read_run_info(fusion.run_info).video_info[last]["inputs_unrun"] == ["a"]
    before = fusion.scores.read_bytes()
    MethodFolder.of(run, "a").scores.write_bytes(full["a"])  # a completed since
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _predict(base, run, "--resume") == 0  # failures are kept without --retry-failed
    assert f"({last}), and their inputs have records of them now: --retry-failed fuses them" in caplog.text
    assert fusion.scores.read_bytes() == before
    assert _predict(base, run, "--resume", "--retry-failed") == 0
    assert {r.status for r in read_scores(fusion.scores) if r.video == last} == {"ok"}


def test_resume_with_the_same_folders_spelled_otherwise(
    base: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    run = _copy_run(base, tmp_path)
    model = tmp_path / "model"
    model.symlink_to(base["model"], target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert _predict(base, "run", model="model") == 0
    settings = json.loads(MethodFolder.of(run, "fusion").run_info.read_text())["settings"]
    assert (settings["model"], settings["inputs_run"]) == ("model", "run")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _predict(base, run.resolve(), "--resume", model=base["model"]) == 0  # absolute, through no link
    assert "settings that differ" not in caplog.text and "moved or copied" not in caplog.text
    # another folder is still another setting
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert runner._settings_differences({"inputs_run": "run"}, {"inputs_run": str(other)}) == [
        f'inputs_run: "run" -> "{other}"'
    ]


def _report_files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def test_failed_report_leaves_no_mix_and_keeps_the_users_files(
    base: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _copy_run(base, tmp_path)
    out = tmp_path / "rep"
    write_report(base["data"], run, out, n_bootstrap=0, gallery=0)
    first = _report_files(out)
    assert {"report.md", "metrics.json", "binary_ap.csv", "ap_per_primitive.png"} <= first
    (out / "notes.txt").write_text("mine")
    real_save = report_mod._save
    saved: list[str] = []

    def full_disk(fig: Any, path: Path, dpi: int = 110) -> None:
        if saved:  # the second plot: the disk is full
            raise OSError(28, "No space left on device", str(path))
        saved.append(path.name)
        real_save(fig, path, dpi)

    monkeypatch.setattr(report_mod, "_save", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_report(base["data"], run, out, failed="drop", n_bootstrap=0, gallery=0)
    assert saved  # it did write new files before failing
    left = _report_files(out)
    # no table, plot or claim file of either report: only the marker and the user's own file
    assert left == {".camerabench-report", "notes.txt"}
    assert (out / "notes.txt").read_text() == "mine"


def test_caption_save_warning_names_its_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "fast" / "caption_run.json"

    class Saver:
        def __init__(self) -> None:
            self.path = path

        def save(self) -> None:
            raise WriteError(path, "cannot write: No space left on device")

    with caplog.at_level(logging.WARNING):
        runner._stopped("caption", "fast", RuntimeError("x"), Saver(), 0, 1, tmp_path)  # type: ignore[arg-type]
    assert f"{path}: not updated: {path}: cannot write: No space left on device" in caplog.text
    assert "run.json not updated" not in caplog.text


@pytest.mark.parametrize("inputs", ["a,,b", "a,b,", ",a,b"])
def test_an_empty_entry_in_inputs_is_refused_before_work(
    base: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture, inputs: str
) -> None:
    # was: the empty entry dropped without a word (red team R84)
    args = ["train", "--method", "fusion", "--data", str(base["data"]), "--run", str(base["run"]), "--inputs", inputs]
    with caplog.at_level(logging.ERROR):
        assert main([*args, "--out", str(tmp_path / "m"), "--folds", "3"]) == 1
    position = inputs.split(",").index("") + 1
    assert f"--inputs {inputs!r}: entry {position} of 3 is empty" in caplog.text
    assert not (tmp_path / "m").exists()


def test_the_summary_counts_an_inputs_failed_samples(
    base: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "trained fusion of a, b on N primitives (...)" whatever the inputs had failed (red team R84)
    run = _copy_run(base, tmp_path)
    a = MethodFolder.of(run, "a").scores
    records = read_scores(a)
    first = records[0].video
    failed = [
        ScoreRecord.failed(r.video, r.question, r.method, "no frames", r.primitive) if r.video == first else r
        for r in records
    ]
    write_scores(a, failed)
    capsys.readouterr()
    args = ["train", "--method", "fusion", "--data", str(base["data"]), "--run", str(run), "--inputs", "a,b"]
    assert main([*args, "--out", str(tmp_path / "m"), "--folds", "3"]) == 0
    summary = capsys.readouterr().out
    n = sum(r.video == first for r in records)
    model = json.loads((tmp_path / "m" / "fusion.json").read_text())
    counts = model["input_samples"]
    assert counts["a"]["failed"] == n and counts["b"]["failed"] > 0  # the fixture's b fails some of its own
    total = len(records)
    said = f"; a failed {n} of {total} samples; b failed {counts['b']['failed']} of {total} samples) -> "
    assert said in summary, summary
