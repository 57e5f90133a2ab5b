"""Hostile input to the jobs (sweep 4): a model folder inside the dataset, ``workers`` a Ray task
method ignores, a disk that fills up mid-append, and real interruptions (SIGTERM, SIGINT) of
``caption`` and of ``predict``'s answering pass, resumed (``predict``'s score pass under SIGINT,
SIGTERM and SIGKILL: tests/reliability/test_runs.py)."""

from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import camerabench.fileio as fileio
import camerabench.jobs.runner as runner
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.records import read_answers, read_captions, read_run_info, read_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.synth import generate_dataset

VIDEOS = [f"v{i}.mp4" for i in range(6)]  # the videos of the six_videos fixture (tests/conftest.py)


@pytest.mark.parametrize("inside", ["videos", "labels/binary_classification", "gt"])
@pytest.mark.parametrize("method", ["qwen-vl", "fusion"])
def test_train_into_the_datasets_own_folders_is_refused(
    inside: str, method: str, data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (data / "gt").mkdir(exist_ok=True)
    before = {p.relative_to(data) for p in data.rglob("*")}
    out = data / inside / "model"
    extra = ["--run", str(run), "--inputs", "dummy", "--folds", "2"] if method == "fusion" else []
    extra += ["--model", str(tmp_path / "ck")] if method == "qwen-vl" else []
    # was: fusion wrote model.json among the videos / label files; qwen-vl created the folder there
    assert main(["train", "--method", method, "--data", str(data), "--out", str(out), *extra]) == 1
    shown = {"videos": "videos", "labels": "labels", "gt": "ground-truth"}[inside.split("/")[0]]
    assert (
        f"{out}: the model folder is inside the dataset's {shown} folder {data / inside.split('/')[0]}" in caplog.text
    )
    assert {p.relative_to(data) for p in data.rglob("*")} == before


class _StopError(Exception):
    """Raised where the run would connect to Ray: everything before it has run."""


def _no_cluster(address: object) -> None:
    raise _StopError


@pytest.mark.parametrize("workers", [4, None])
def test_workers_given_to_a_method_run_as_ray_tasks_warns(
    workers: int | None, data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "connect", _no_cluster)
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        run_predict(data, "dummy", tmp_path / "r", workers=workers, backend="ray")  # None: not given
    if workers is None:
        assert "ignored" not in caplog.text  # the default was not given
    else:  # was ignored silently
        assert "workers ignored: with backend 'ray', method 'dummy' runs one Ray task per video" in caplog.text
    caplog.clear()
    # the command line warns once (its own flag names), not again from the library
    argv = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "c"), "--backend", "ray"]
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        main([*argv, "--workers", "3"])
    assert caplog.text.count("ignored") == 1 and "--workers ignored: with --backend ray" in caplog.text


def _full_after(monkeypatch: pytest.MonkeyPatch, path: Path, appends: int) -> None:
    """Writes to ``path`` fill the disk in the middle of its ``appends + 1``-th append: half the
    bytes are written, then ENOSPC (what a disk filling up does)."""
    real_write = os.write
    calls = {"n": 0}

    def write(fd: int, data: bytes | memoryview) -> int:
        if os.readlink(f"/proc/self/fd/{fd}") != str(path.resolve()):
            return real_write(fd, data)
        calls["n"] += 1
        if calls["n"] == appends + 1:  # the first write of that append takes half
            return real_write(fd, bytes(data[: len(data) // 2]))
        if calls["n"] > appends + 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    class _Os:  # fileio's own view of os: patching os.write itself would reach pytest-xdist's pipe too
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

    proxy = _Os()
    proxy.write = write  # type: ignore[attr-defined]
    monkeypatch.setattr(fileio, "os", proxy)


@pytest.mark.parametrize("appends", [0, 2])
def test_a_disk_filling_up_mid_append_leaves_only_whole_videos(
    appends: int, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, six_videos_reference: bytes
) -> None:
    scores = tmp_path / "dummy" / "scores.jsonl"
    _full_after(monkeypatch, scores, appends)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", tmp_path)
    monkeypatch.undo()
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"{scores}: cannot write: No space left on device")
    if appends:
        # was: the third video's first lines (and a torn one) left in scores.jsonl for evaluate to read
        assert f"the {appends} videos recorded so far are kept" in message
        recorded = read_scores(scores)  # every line parses
        assert [v for v in VIDEOS if any(r.video == v for r in recorded)] == VIDEOS[:appends]
        assert len(recorded) == 2 * appends  # two questions a video, all of them
    else:  # was "the 0 videos recorded so far are kept" and an empty scores.jsonl
        assert "(no videos recorded: fix this" in message and not scores.exists()
    run_predict(data, "dummy", tmp_path, resume=True)
    assert scores.read_bytes() == six_videos_reference


def test_an_interrupt_during_fsync_keeps_the_whole_lines_and_one_mid_write_undoes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the lines were written whole (during fsync) undid them: a computed record
    lost (seen as 2 answers recorded after the third was on disk). Mid-write it still undoes."""
    path = tmp_path / "a.jsonl"
    fileio.append_jsonl(path, [{"n": 1}])

    class _Os:
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    proxy = _Os()
    proxy.fsync = interrupted  # type: ignore[attr-defined]
    monkeypatch.setattr(fileio, "os", proxy)
    with pytest.raises(KeyboardInterrupt):
        fileio.append_jsonl(path, [{"n": 2}, {"n": 3}])
    assert path.read_text() == '{"n": 1}\n{"n": 2}\n{"n": 3}\n'
    proxy = _Os()
    proxy.write = interrupted  # type: ignore[attr-defined]
    monkeypatch.setattr(fileio, "os", proxy)
    with pytest.raises(KeyboardInterrupt):
        fileio.append_jsonl(path, [{"n": 4}])
    assert path.read_text() == '{"n": 1}\n{"n": 2}\n{"n": 3}\n'


# --- real interruptions ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``camerabench synth --clips 4 --size 64x48 --fps 4 --workers 1`` (with multiple-choice tables)."""
    return generate_dataset(tmp_path_factory.mktemp("synth") / "data", clips=4, size=(64, 48), fps=4.0, workers=1)


def _interrupt(argv: list[str], watch: Path, lines: int, sig: signal.Signals) -> subprocess.CompletedProcess[str]:
    """Run ``camerabench ARGV``, send ``sig`` once ``watch`` has ``lines`` lines, wait for its end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "camerabench.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell without job control ignores it
    )
    try:
        deadline = time.monotonic() + 60
        while not (watch.exists() and watch.read_bytes().count(b"\n") >= lines):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_terminated_caption_run_resumes_to_the_uninterrupted_result(synth: Path, tmp_path: Path) -> None:
    reference = run_caption(synth, "dummy", tmp_path / "ref")
    folder = MethodFolder.of(tmp_path / "run", "dummy")
    argv = ["caption", "--data", str(synth), "--method", "dummy", "--out", str(tmp_path / "run")]
    done = _interrupt([*argv, "--option", "delay_s=0.25"], folder.captions, 2, signal.SIGTERM)
    assert done.returncode == 128 + signal.SIGTERM
    recorded = read_captions(folder.captions)  # every line parses
    assert 2 <= len(recorded) < 4 and len({r.video for r in recorded}) == len(recorded)
    assert f"caption dummy terminated (SIGTERM) with {len(recorded)} of 4 videos recorded" in done.stderr
    info = read_run_info(folder.caption_run_info)  # valid, and it has every recorded video's timing
    assert info.finished is None and set(info.seconds_per_video) == {r.video for r in recorded}
    summary = run_caption(synth, "dummy", tmp_path / "run", resume=True, options={"delay_s": 0.25})
    assert (summary.videos_skipped, summary.videos_run, summary.videos_ok) == (len(recorded), 4 - len(recorded), 4)
    assert folder.captions.read_bytes() == (reference.method_dir / "captions.jsonl").read_bytes()  # no repeats
    assert read_run_info(folder.caption_run_info).finished is not None


def test_predict_interrupted_in_its_answering_pass_says_so_and_resumes(
    synth: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ref = run_predict(synth, "dummy", tmp_path / "ref").method_dir
    folder = MethodFolder.of(tmp_path / "run", "dummy")
    argv = ["predict", "--data", str(synth), "--method", "dummy", "--out", str(tmp_path / "run")]
    done = _interrupt([*argv, "--option", "delay_s=0.25"], folder.answers, 3, signal.SIGINT)
    assert done.returncode == 130
    answered = read_answers(folder.answers)  # every line parses
    n = len(answered)
    assert 3 <= n < 11
    # was "... with 3 of 11 videos recorded": the answering pass counts rows
    assert f"answer dummy interrupted with {n} of 11 rows recorded in {folder.answers}" in done.stderr
    assert folder.scores.read_bytes() == (ref / "scores.jsonl").read_bytes()  # the score pass had finished
    with caplog.at_level(logging.WARNING):
        method = read_method(folder.path)
    # was read without a word: the unanswered rows then scored as wrong answers
    assert method.answers is not None and len(method.answers) == n
    assert "the answering pass of the predict run did not finish (answer_run.json has no finish time" in caplog.text
    assert "complete it with --resume" in caplog.text
    summary = run_predict(synth, "dummy", tmp_path / "run", resume=True, options={"delay_s": 0.25})
    assert summary.videos_skipped == 4 and summary.answers is not None
    assert (summary.answers.videos_skipped, summary.answers.videos_ok) == (n, 11)
    assert folder.answers.read_bytes() == (ref / "answers.jsonl").read_bytes()  # none redone, none repeated
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read_method(folder.path)
    assert "did not finish" not in caplog.text


def test_jobs_on_an_interrupted_synthetic_dataset_are_refused(
    tmp_path: Path, run: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import camerabench.synth.generate as generate

    real_write = generate.write_video
    written: list[tuple[object, ...]] = []

    def write_then_interrupt(*args: object, **kwargs: object) -> None:
        if len(written) == 2:
            raise KeyboardInterrupt  # Ctrl-C after two of the four clips
        written.append(args)
        real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(generate, "write_video", write_then_interrupt)
    data = tmp_path / "synth"
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(data, clips=4, size=(32, 32), fps=4.0, workers=1)
    monkeypatch.undo()
    assert len(list((data / "videos").iterdir())) == 2
    refused = f"{data}: a synthetic dataset whose generation did not finish (interrupted, or still running)"
    # was: 2 videos (2 ok, 0 failed), scored and evaluated as the benchmark
    with pytest.raises(CameraBenchError, match=refused.replace("(", r"\(").replace(")", r"\)")):
        run_predict(data, "dummy", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    for argv in (["evaluate", "--run", str(run)], ["calibrate", "--run", str(run), "--method", "dummy"]):
        caplog.clear()
        assert main([argv[0], "--data", str(data), *argv[1:]]) == 1
        assert refused in caplog.text
