"""Runs that meet trouble: resume with other settings, concurrent writers, dying workers and
main processes, broken model folders, outputs that cannot be written, file permissions.

Each case asserts the one-line message or the recorded failure, and where a run was cut short,
that ``--resume`` completes it to the bytes of an uninterrupted run.
"""

from __future__ import annotations

import errno
import json
import logging
import operator
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import camerabench.jobs.runner as runner
from camerabench.errors import CameraBenchError
from camerabench.fileio import append_jsonl, write_json
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.jobs.workers import run_in_workers
from camerabench.locks import LOCK_FILE, FolderInUseError, FolderLock
from camerabench.records import read_run_info, read_scores

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks read /proc (Linux)")

VIDEOS = [f"v{i}.mp4" for i in range(6)]  # the videos of the six_videos fixture (tests/conftest.py)


@pytest.fixture(scope="module")
def data(six_videos: Path) -> Path:
    return six_videos


@pytest.fixture(scope="module")
def reference(six_videos_reference: bytes) -> bytes:
    return six_videos_reference


def _cut(scores: Path, keep: int) -> None:
    """Keep the records of the first ``keep`` videos and a torn line (an interrupted run)."""
    lines = scores.read_text().splitlines(keepends=True)
    kept = [ln for ln in lines if json.loads(ln)["video"] in VIDEOS[:keep]]
    scores.write_text("".join(kept) + '{"video": "v')


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# --- 5. resume and concurrency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        ({"seed": 3}, "seed: 0 -> 3"),
        ({"fail_videos": ["v1.mp4"]}, 'fail_videos: [] -> ["v1.mp4"]'),
        ({"seed": 1, "delay_s": 0.5}, "delay_s: 0.0 -> 0.5; seed: 0 -> 1"),
    ],
)
def test_resume_with_other_settings_is_refused_listing_the_differences(
    data: Path, tmp_path: Path, change: dict[str, Any], difference: str
) -> None:
    run_predict(data, "dummy", tmp_path)
    scores = tmp_path / "dummy" / "scores.jsonl"
    _cut(scores, 3)
    before = scores.read_bytes()
    with pytest.raises(CameraBenchError, match="cannot --resume with settings that differ") as exc:
        run_predict(data, "dummy", tmp_path, resume=True, options=change)
    message = _one_line(exc)
    assert str(tmp_path / "dummy" / "run.json") in message
    assert f"({difference})" in message
    assert scores.read_bytes() == before  # nothing touched


def test_resume_with_other_workers_is_allowed(data: Path, tmp_path: Path, reference: bytes) -> None:
    run_predict(data, "dummy", tmp_path)
    _cut(tmp_path / "dummy" / "scores.jsonl", 2)
    summary = run_predict(data, "dummy", tmp_path, resume=True, workers=2)
    assert summary.videos_run == 4
    assert (tmp_path / "dummy" / "scores.jsonl").read_bytes() == reference


def test_resume_runs_again_the_videos_whose_questions_changed(data: Path, tmp_path: Path) -> None:
    """A label file added between the runs asks v2 and v3 a new question: a resume that skipped
    them would leave that question unanswered without a word."""
    from camerabench.labelfiles import write_binary_file
    from camerabench.taxonomy import BinaryRecord, Primitive

    own = tmp_path / "data"
    shutil.copytree(data, own)
    run = tmp_path / "run"
    run_predict(own, "dummy", run)
    scores = run / "dummy" / "scores.jsonl"
    before = [json.loads(ln) for ln in scores.read_text().splitlines()]
    zoom = Primitive.ZOOM_IN
    recs = [BinaryRecord.make(v, zoom, v == "v2.mp4") for v in ("v2.mp4", "v3.mp4")]
    write_binary_file(own / "labels" / "binary_classification" / zoom.file, recs)

    summary = run_predict(own, "dummy", run, resume=True)
    assert (summary.videos_run, summary.videos_skipped) == (2, 4)
    after = [json.loads(ln) for ln in scores.read_text().splitlines()]
    keys = [(r["video"], r["question"]) for r in after]
    assert len(keys) == len(set(keys))  # the old records of v2 and v3 were replaced, not doubled
    assert {q for v, q in keys if v in ("v2.mp4", "v3.mp4")} == {
        p.question for p in (Primitive.PAN_LEFT, Primitive.TILT_UP, zoom)
    }
    assert [r for r in after if r["video"] not in ("v2.mp4", "v3.mp4")] == [
        r for r in before if r["video"] not in ("v2.mp4", "v3.mp4")
    ]
    info = read_run_info(run / "dummy" / "run.json")
    assert (info.videos_ok, info.videos_failed) == (6, 0)
    assert run_predict(own, "dummy", run, resume=True).videos_run == 0  # now up to date


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_resume_runs_again_the_videos_whose_file_changed(data: Path, tmp_path: Path, kind: str) -> None:
    """A dataset regenerated in place under the same names (same questions): a resume that
    skipped the changed video would keep the old video's answers without a word."""
    own = tmp_path / "data"
    shutil.copytree(data, own)
    run = tmp_path / "run"
    job = run_predict if kind == "predict" else run_caption
    job(own, "dummy", run)
    info_file = run / "dummy" / ("run.json" if kind == "predict" else "caption_run.json")
    before = read_run_info(info_file).video_sha256
    assert sorted(before) == VIDEOS
    from camerabench.video import write_video

    write_video(own / "videos" / "v2.mp4", np.full((4, 16, 16, 3), 200, np.uint8), fps=4)  # another clip

    summary = job(own, "dummy", run, resume=True)
    assert (summary.videos_run, summary.videos_skipped) == (1, 5)
    after = read_run_info(info_file).video_sha256
    assert after["v2.mp4"] != before["v2.mp4"]
    assert {v: d for v, d in after.items() if v != "v2.mp4"} == {v: d for v, d in before.items() if v != "v2.mp4"}
    assert job(own, "dummy", run, resume=True).videos_run == 0  # now up to date
    shutil.copytree(own, tmp_path / "moved")  # a copy keeps the fingerprints: nothing to run again
    shutil.rmtree(own)
    assert job(tmp_path / "moved", "dummy", run, resume=True).videos_run == 0


@pytest.mark.parametrize("kind", ["predict", "caption"])
def test_retry_failed_runs_again_only_the_videos_that_failed(data: Path, tmp_path: Path, kind: str) -> None:
    """A failure that goes away (a video file restored, a model that ran out of memory): a plain
    resume keeps the recorded failure; ``retry_failed`` replaces it, and the run ends as an
    uninterrupted run on the complete data would."""
    own = tmp_path / "data"
    shutil.copytree(data, own)
    job = run_predict if kind == "predict" else run_caption
    output, info_name = ("scores.jsonl", "run.json") if kind == "predict" else ("captions.jsonl", "caption_run.json")
    complete = tmp_path / "complete"
    job(own, "dummy", complete)
    (own / "videos" / "v2.mp4").rename(tmp_path / "v2.mp4")
    run = tmp_path / "run"
    assert job(own, "dummy", run).videos_failed == 1
    (tmp_path / "v2.mp4").rename(own / "videos" / "v2.mp4")
    assert job(own, "dummy", run, resume=True).videos_run == 0  # a plain resume keeps the failure
    with pytest.raises(CameraBenchError, match="pass --resume too") as exc:
        job(own, "dummy", run, retry_failed=True)
    _one_line(exc)

    summary = job(own, "dummy", run, resume=True, retry_failed=True)
    assert (summary.videos_run, summary.videos_skipped, summary.videos_failed) == (1, 5, 0)
    assert (run / "dummy" / output).read_bytes() == (complete / "dummy" / output).read_bytes()
    info = read_run_info(run / "dummy" / info_name)
    assert info.failures == {} and (info.videos_ok, info.videos_failed) == (6, 0)
    assert job(own, "dummy", run, resume=True, retry_failed=True).videos_run == 0  # nothing failed is left


def test_retry_failed_from_the_command_line(data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from camerabench.cli import main

    run = tmp_path / "run"
    assert main(["predict", "--method", "dummy", "--data", str(data), "--out", str(run),
                 "--option", "fail_videos=[\"v1.mp4\"]"]) == 0  # fmt: skip
    before = (run / "dummy" / "scores.jsonl").read_bytes()
    # the failure is in the method's settings, so trying again records it again, unchanged
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.runner"):
        assert main(["predict", "--method", "dummy", "--data", str(data), "--out", str(run),
                     "--option", "fail_videos=[\"v1.mp4\"]", "--resume", "--retry-failed"]) == 0  # fmt: skip
    assert any("1 failed videos are tried again (e.g. v1.mp4)" in r.getMessage() for r in caplog.records)
    assert (run / "dummy" / "scores.jsonl").read_bytes() == before
    assert read_run_info(run / "dummy" / "run.json").failures == {"v1.mp4": "dummy failure requested for v1.mp4"}


def test_caption_resume_with_another_mode_is_refused(data: Path, tmp_path: Path) -> None:
    run_caption(data, "dummy", tmp_path, mode="whole")
    with pytest.raises(CameraBenchError, match='mode: "whole" -> "diffsw"') as exc:
        run_caption(data, "dummy", tmp_path, mode="diffsw", resume=True)
    _one_line(exc)


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, calls: int, exc: BaseException) -> None:
    """Make the runner's ``calls + 1``-th per-video append raise ``exc``."""
    count = 0

    def append(path: Any, rows: Any) -> None:
        nonlocal count
        count += 1
        if count > calls:
            raise exc
        append_jsonl(path, rows)

    monkeypatch.setattr(runner, "append_jsonl", append)


def test_run_json_after_a_resume_counts_every_video_and_keeps_earlier_timings(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: bytes
) -> None:
    options = {"fail_videos": ["v1.mp4"]}
    _interrupt_after(monkeypatch, 3, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_predict(data, "dummy", tmp_path, options=options)
    monkeypatch.undo()
    first = read_run_info(tmp_path / "dummy" / "run.json")
    assert first.finished is None
    assert set(first.seconds_per_video) == set(VIDEOS[:3])  # saved on the way out
    assert set(first.failures) == {"v1.mp4"}

    summary = run_predict(data, "dummy", tmp_path, resume=True, options=options)
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert summary.videos_run == 3 and summary.videos_skipped == 3
    assert (info.videos_ok, info.videos_failed) == (5, 1) == (summary.videos_ok, summary.videos_failed)
    assert set(info.seconds_per_video) == set(VIDEOS)
    assert all(info.seconds_per_video[v] == first.seconds_per_video[v] for v in VIDEOS[:3])
    assert info.failures == {"v1.mp4": "dummy failure requested for v1.mp4"}
    assert info.started == first.started and info.finished


def test_run_json_counts_videos_it_never_heard_of(data: Path, tmp_path: Path) -> None:
    """A run killed before it updated run.json: the resumed run.json still counts every video."""
    options = {"fail_videos": ["v1.mp4"]}
    run_predict(data, "dummy", tmp_path, options=options)
    info_path = tmp_path / "dummy" / "run.json"
    stale = json.loads(info_path.read_text())
    stale.update(finished=None, videos_ok=0, videos_failed=0, failures={}, seconds_per_video={})
    write_json(info_path, stale)  # as written at the start of the killed run
    _cut(tmp_path / "dummy" / "scores.jsonl", 4)
    summary = run_predict(data, "dummy", tmp_path, resume=True, options=options)
    info = read_run_info(info_path)
    assert (info.videos_ok, info.videos_failed) == (5, 1) == (summary.videos_ok, summary.videos_failed)
    assert info.failures == {"v1.mp4": "dummy failure requested for v1.mp4"}  # read back from its records


@pytest.mark.parametrize("job", ["predict", "caption", "synth"])
def test_a_second_writer_gets_an_in_use_error(data: Path, tmp_path: Path, job: str) -> None:
    from camerabench.synth import generate_dataset

    folder = tmp_path / "synth" if job == "synth" else tmp_path / "dummy"
    with FolderLock(folder):  # the first writer (this process, through its own open file)
        with pytest.raises(FolderInUseError, match="in use by another camerabench process") as exc:
            if job == "predict":
                run_predict(data, "dummy", tmp_path)
            elif job == "caption":
                run_caption(data, "dummy", tmp_path)
            else:
                generate_dataset(folder, clips=1, size=(32, 32), fps=4.0, workers=1)
        message = _one_line(exc)
        assert message.startswith(f"{folder}: ") and f"(pid {os.getpid()})" in message
    assert not (folder / LOCK_FILE).exists()  # the holder removes it on release
    assert list(folder.iterdir()) == []  # the refused writer wrote nothing


def test_a_lock_held_by_a_killed_process_is_free(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dummy"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from camerabench.locks import FolderLock; FolderLock(sys.argv[1]).acquire(); "
            "print('locked', flush=True); time.sleep(120)",
            str(folder),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(FolderInUseError, match=rf"\(pid {holder.pid}\)"):
            run_predict(data, "dummy", tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert (folder / LOCK_FILE).exists()  # left behind by the killed holder, but not locked
    assert run_predict(data, "dummy", tmp_path).videos_ok == len(VIDEOS)


# --- 6. workers ------------------------------------------------------------------------------


@pytest.mark.parametrize("dying", [["v1.mp4"], ["v0.mp4", "v4.mp4", "v5.mp4"]])
def test_a_worker_killed_mid_video_costs_that_video_only(
    data: Path, tmp_path: Path, reference: bytes, dying: list[str]
) -> None:
    summary = run_predict(data, "dummy", tmp_path, workers=2, options={"die_videos": dying})
    assert summary.videos_failed == len(dying) and summary.videos_ok == len(VIDEOS) - len(dying)
    recs = read_scores(tmp_path / "dummy" / "scores.jsonl")
    failed = [r for r in recs if r.status == "failed"]
    assert {r.video for r in failed} == set(dying)
    assert all(r.reason and r.reason.startswith("worker process died (signal 9, SIGKILL") for r in failed)
    assert all("while processing this video" in (r.reason or "") for r in failed)
    expected = [json.loads(ln) for ln in reference.decode().splitlines()]
    assert [r.to_dict() for r in recs if r.status == "ok"] == [e for e in expected if e["video"] not in dying]
    info = read_run_info(tmp_path / "dummy" / "run.json")
    assert set(info.failures) == set(dying) and set(info.seconds_per_video) == set(VIDEOS)


def test_a_worker_death_without_workers_is_a_recorded_failure(data: Path, tmp_path: Path) -> None:
    summary = run_predict(data, "dummy", tmp_path, options={"die_videos": ["v2.mp4"]})
    assert summary.failures == {"v2.mp4": "dummy death requested for v2.mp4, but not in a worker process"}


@pytest.mark.parametrize(
    ("init", "args", "message"),
    [
        (operator.truediv, (1, 0), "work: ZeroDivisionError: division by zero"),
        (os.abort, (), "work: a worker process died (signal 6, SIGABRT) while setting up the method, 2 times in a row"),
    ],
)
def test_a_method_that_cannot_be_set_up_stops_the_run_with_one_line(
    init: Callable[..., Any], args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(CameraBenchError) as exc:
        list(run_in_workers([(1, 2)] * 4, 2, init, args, operator.add, "work"))
    assert _one_line(exc) == message


def _abort_first(marker: str) -> None:
    """A worker set-up that dies in the first process to run it only (the out-of-memory killer
    taking one worker while it loads a model)."""
    try:
        with open(marker, "x"):
            pass
    except FileExistsError:
        return
    os.abort()


@pytest.mark.parametrize("workers", [1, 2])
def test_one_worker_dying_while_setting_up_does_not_stop_the_run(
    workers: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R116: one death stopped a local run (the Ray backend goes on with the other
    actors, or starts another); two in a row still stop it (above)."""
    marker = str(tmp_path / "died")
    with caplog.at_level(logging.WARNING):
        done = list(run_in_workers([(1, 2)] * 4, workers, _abort_first, (marker,), operator.add, "work"))
    assert sorted((d.index, d.result, d.died) for d in done) == [(i, 3, None) for i in range(4)]
    said = "going on with the other workers" if workers == 2 else "starting another"
    assert f"work: a worker process died (signal 6, SIGABRT) while setting up the method; {said}" in caplog.text


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        parents[int(stat.parent.name)] = int(text.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture()
def cli_run(data: Path, tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[str], set[int]]]]:
    """Start ``camerabench predict --workers 2`` (slow dummy) and wait until its workers are busy.

    The command gets SIGINT's default action back: a suite started in the background by a shell
    without job control inherits SIGINT ignored, and Python then installs no Ctrl-C handler (the
    SIGINT case then ran all 6 videos to the end)."""
    procs: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], set[int]]:
        cmd = [sys.executable, "-m", "camerabench.cli", "predict", "--data", str(data), "--method", "dummy"]
        cmd += ["--out", str(tmp_path), "--workers", "2", "--option", "delay_s=0.4"]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        procs.append(proc)
        scores = tmp_path / "dummy" / "scores.jsonl"
        _wait_until(lambda: scores.exists() and scores.read_text().count("\n") >= 2)
        workers = _descendants(proc.pid)
        assert len(workers) >= 2
        return proc, workers

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_the_main_process_and_resume_completes(
    cli_run: Callable[[], tuple[subprocess.Popen[str], set[int]]],
    data: Path,
    tmp_path: Path,
    reference: bytes,
    sig: signal.Signals,
) -> None:
    proc, workers = cli_run()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    _wait_until(lambda: not _alive(workers), timeout=15)
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
    if sig != signal.SIGKILL:  # unwound: run.json holds what was recorded, and says how to go on
        assert "continue with --resume" in stderr
        info = read_run_info(tmp_path / "dummy" / "run.json")
        recorded = {r.video for r in read_scores(tmp_path / "dummy" / "scores.jsonl")}
        assert info.finished is None and set(info.seconds_per_video) <= recorded
        assert len(recorded - set(info.seconds_per_video)) <= 1  # the signal may land between the two
    summary = run_predict(data, "dummy", tmp_path, resume=True, options={"delay_s": 0.4}, workers=3)
    # after SIGKILL the videos recorded since run.json's last save are run again (their timings and
    # details were lost: tests/jobs/test_killed_runs62.py), here all of them when it came early
    assert summary.videos_skipped >= (0 if sig == signal.SIGKILL else 1) and summary.videos_ok == len(VIDEOS)
    assert summary.videos_skipped + summary.videos_run == len(VIDEOS)
    assert (tmp_path / "dummy" / "scores.jsonl").read_bytes() == reference


# --- 6. a model that cannot load fails before any worker starts ------------------------------

_TEXT = {"vocab_size": 32, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2}
_TEXT |= {"num_attention_heads": 2, "num_key_value_heads": 1}
_VISION = {
    "depth": 1,
    "hidden_size": 8,
    "out_hidden_size": 16,
    "patch_size": 14,
    "temporal_patch_size": 2,
    "tokens_per_second": 2,
}


def _fake_checkpoint(path: Path) -> Path:
    """A checkpoint folder with every file loading needs, at toy sizes (never loaded here)."""
    from safetensors.numpy import save_file

    path.mkdir(parents=True)
    config = {"model_type": "qwen2_5_vl", "text_config": _TEXT, "vision_config": _VISION}
    (path / "config.json").write_text(json.dumps(config))
    (path / "tokenizer.json").write_text(json.dumps({"version": "1.0", "model": {"type": "BPE", "vocab": {}}}))
    (path / "chat_template.jinja").write_text("{{ messages }}")
    t, v = _TEXT, _VISION
    head = t["hidden_size"] // t["num_attention_heads"]
    shapes = {
        "model.embed_tokens.weight": (t["vocab_size"], t["hidden_size"]),
        "lm_head.weight": (t["vocab_size"], t["hidden_size"]),
        "visual.patch_embed.proj.weight": (v["hidden_size"], 3, v["temporal_patch_size"], 14, 14),
        "visual.blocks.0.norm1.weight": (v["hidden_size"],),
        "visual.merger.mlp.2.weight": (v["out_hidden_size"], 4 * v["hidden_size"]),
    }
    for i in range(t["num_hidden_layers"]):
        shapes[f"model.layers.{i}.self_attn.q_proj.weight"] = (t["num_attention_heads"] * head, t["hidden_size"])
        shapes[f"model.layers.{i}.self_attn.k_proj.weight"] = (t["num_key_value_heads"] * head, t["hidden_size"])
        shapes[f"model.layers.{i}.mlp.gate_proj.weight"] = (t["intermediate_size"], t["hidden_size"])
    save_file({k: np.zeros(s, np.float32) for k, s in shapes.items()}, str(path / "model.safetensors"))
    return path


def _edit_config(path: Path, **text: Any) -> None:
    config = json.loads((path / "config.json").read_text())
    config["text_config"].update(text)
    (path / "config.json").write_text(json.dumps(config))


def _truncate(path: Path) -> None:
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])


def _shard(path: Path) -> None:
    index = {"weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors"}}
    (path / "model.safetensors").unlink()
    (path / "model.safetensors.index.json").write_text(json.dumps(index))


_BROKEN: dict[str, tuple[Callable[[Path], Any], str, str]] = {
    "missing folder": (lambda p: p.rename(p.with_name("gone")), "", "model checkpoint folder not found"),
    "no config": (lambda p: (p / "config.json").unlink(), "", "not a model checkpoint folder (no config.json)"),
    "config not JSON": (lambda p: (p / "config.json").write_text("{oops"), "config.json:1", "invalid JSON"),
    "no weights": (lambda p: (p / "model.safetensors").unlink(), "", "no model weights (model.safetensors"),
    "truncated weights": (_truncate, "model.safetensors", "corrupt or truncated weights"),
    "garbage weights": (
        lambda p: (p / "model.safetensors").write_bytes(os.urandom(64)),
        "model.safetensors",
        "corrupt",
    ),
    "missing shard": (
        _shard,
        "model.safetensors.index.json",
        "weight shard model-00001-of-00002.safetensors is missing",
    ),
    "other hidden size": (
        lambda p: _edit_config(p, hidden_size=32),
        "model.safetensors",
        "tensor model.embed_tokens.weight has shape [32, 16], but config.json (vocab_size, hidden_size) gives [32, 32]",
    ),
    "other layer count": (
        lambda p: _edit_config(p, num_hidden_layers=3),
        "config.json",
        "num_hidden_layers is 3, but the weights hold 2 such layers",
    ),
    "no tokenizer": (lambda p: (p / "tokenizer.json").unlink(), "", "no tokenizer (tokenizer.json, or vocab.json"),
    "tokenizer not JSON": (lambda p: (p / "tokenizer.json").write_text(""), "tokenizer.json", "empty file"),
    "no chat template": (lambda p: (p / "chat_template.jinja").unlink(), "", "no chat template"),
}


def test_the_fake_checkpoint_passes_the_check(tmp_path: Path) -> None:
    from camerabench.baselines.vlm.checkpoint import check_checkpoint

    assert check_checkpoint(_fake_checkpoint(tmp_path / "ckpt")) == "current"


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_a_model_that_cannot_load_fails_before_any_worker(data: Path, tmp_path: Path, case: str, workers: int) -> None:
    breaks, file, problem = _BROKEN[case]
    ckpt = _fake_checkpoint(tmp_path / "ckpt")
    breaks(ckpt)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "qwen-vl", tmp_path / "run", workers=workers, options={"model": str(ckpt)})
    message = _one_line(exc)
    assert message.startswith(f"{ckpt / file if file else ckpt}") and problem in message
    assert not (tmp_path / "run").exists()  # nothing started, nothing written


# --- 7. outputs ------------------------------------------------------------------------------


@pytest.mark.parametrize("blocked", ["run", "run/dummy"])
def test_an_output_path_that_is_a_file(data: Path, tmp_path: Path, blocked: str) -> None:
    run = tmp_path / "run"
    (tmp_path / blocked).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / blocked).write_text("x")
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", run)
    expected = {
        "run": f"{run}/dummy: cannot create the folder: {run} is a file, not a folder",
        "run/dummy": f"{run}/dummy: is a file, not a folder",
    }
    assert _one_line(exc) == expected[blocked]


def test_a_synth_output_that_is_a_file(tmp_path: Path) -> None:
    from camerabench.synth import generate_dataset

    (tmp_path / "data").write_text("x")
    with pytest.raises(CameraBenchError) as exc:
        generate_dataset(tmp_path / "data", clips=1, size=(32, 32), fps=4.0, workers=1)
    assert _one_line(exc) == f"{tmp_path / 'data'}: is a file, not a folder"


def test_a_read_only_run_folder(data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    run.mkdir()
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: Any, **kwargs: Any) -> None:
        # what the OS answers in a folder without write permission (root would be let in,
        # so the refusal is simulated rather than made with chmod)
        if self.parent == run:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", run)
    assert _one_line(exc).startswith(f"{run}/dummy: ") and _one_line(exc).endswith("Permission denied")
    assert list(run.iterdir()) == []


# (fsync calls before the failure, the file named, what was recorded)
_FULL_AT = [
    (0, "run.json", 0),  # the first write of the run
    (3, "scores.jsonl", 2),  # mid-run: run.json, then two videos
    (7, "scores.jsonl", 6),  # the sorted rewrite at the end
]


@pytest.mark.parametrize(
    ("code", "reason"), [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")]
)
@pytest.mark.parametrize(("after", "file", "recorded"), _FULL_AT)
def test_a_full_or_read_only_disk_stops_with_one_line_and_resume_completes(
    data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reference: bytes,
    code: int,
    reason: str,
    after: int,
    file: str,
    recorded: int,
) -> None:
    real_fsync = os.fsync
    calls = 0

    def fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls > after:
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(CameraBenchError) as exc:
        run_predict(data, "dummy", tmp_path)
    monkeypatch.undo()
    message = _one_line(exc)
    assert message.startswith(f"{tmp_path / 'dummy' / file}: cannot write: {reason}")
    if recorded:
        assert f"the {recorded} videos recorded so far are kept" in message and "--resume" in message
    assert not [p for p in (tmp_path / "dummy").iterdir() if p.name.endswith(".tmp")]  # no temporary left
    scores = tmp_path / "dummy" / "scores.jsonl"
    if scores.exists():
        run_predict(data, "dummy", tmp_path, resume=True)
    else:
        run_predict(data, "dummy", tmp_path)
    assert scores.read_bytes() == reference


def test_an_interrupt_during_a_videos_fsync_counts_its_kept_records(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C during the fsync of a video's records keeps them (they are whole), but the warning
    said one video fewer than scores.jsonl holds (a CI flake: '3 of 11 rows' beside 4 on disk)."""
    real_fsync = os.fsync
    calls = 0

    def fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # run.json, the first video, then the second video's records
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        run_predict(data, "dummy", tmp_path)
    monkeypatch.undo()
    on_disk = {r.video for r in read_scores(tmp_path / "dummy" / "scores.jsonl")}
    assert len(on_disk) == 2
    assert "interrupted with 2 of 6 videos recorded" in caplog.text
    run_predict(data, "dummy", tmp_path, resume=True)
    assert (tmp_path / "dummy" / "scores.jsonl").read_bytes() == reference


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_are_created_with_the_umask(data: Path, tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        run_predict(data, "dummy", tmp_path)
        write_json(tmp_path / "other.json", {})
    finally:
        os.umask(old)
    for path in (tmp_path / "dummy" / "scores.jsonl", tmp_path / "dummy" / "run.json", tmp_path / "other.json"):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert (tmp_path / "dummy").stat().st_mode & 0o777 == 0o777 & ~umask


def test_caption_does_not_reuse_the_predict_result_of_a_changed_video(data: Path, tmp_path: Path) -> None:
    """``fast`` fails on the 16 px clips; v2 is then replaced by a textured 128 px clip: caption
    must estimate it afresh, not repeat the predict run's failure for the old file."""
    from camerabench.video import write_video

    own = tmp_path / "data"
    shutil.copytree(data, own)
    run = tmp_path / "run"
    run_predict(own, "fast", run)
    old_reason = read_run_info(run / "fast" / "run.json").failures["v2.mp4"]
    assert "16x16" in old_reason
    import cv2

    blobs = np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    texture = cv2.resize(blobs, (128, 128), interpolation=cv2.INTER_CUBIC)
    write_video(own / "videos" / "v2.mp4", np.stack([texture] * 12), fps=4)

    run_caption(own, "fast", run)
    caption_info = read_run_info(run / "fast" / "caption_run.json")
    assert "v2.mp4" not in caption_info.failures  # estimated afresh: a still camera
    assert caption_info.failures["v3.mp4"] == f"predict failed on this video: {old_reason.replace('v2', 'v3')}"
