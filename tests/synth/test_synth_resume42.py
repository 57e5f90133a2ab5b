"""Round 42: an interrupted ``camerabench synth`` is resumed, and a Ctrl-C stops its workers quietly.

1. A rerun with the same options keeps the clips an interrupted run finished (each checked
   against the record written after its files) and renders only the rest; the dataset is then
   byte for byte the one an uninterrupted run writes. Other options replace the folder, saying why.
2. The render workers take no SIGINT: a Ctrl-C printed a ``KeyboardInterrupt`` traceback from each
   of them before the main process's one "interrupted" line.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from camerabench.errors import CameraBenchError
from camerabench.runfolder import check_dataset_finished
from camerabench.synth import generate as gen
from camerabench.synth.generate import generate_dataset

SIZE = (32, 20)
FPS = 4.0
CLIPS = 3


class _StopError(Exception):
    """The render of a clip failing once (an interruption)."""


def _count_renders(monkeypatch: pytest.MonkeyPatch, fail_at: int | None = None) -> list[int]:
    """Record the index of every clip rendered; the render of clip ``fail_at`` raises (once)."""
    real = gen._render_job
    rendered: list[int] = []

    def render(job: Any) -> dict[str, Any]:
        if job[2] == fail_at:
            raise _StopError(f"clip {fail_at}")
        rendered.append(job[2])
        return real(job)

    monkeypatch.setattr(gen, "_render_job", render)
    return rendered


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _interrupted(out: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int = 2, seed: int = 3) -> None:
    with monkeypatch.context() as m:
        _count_renders(m, fail_at)
        with pytest.raises(_StopError):
            generate_dataset(out, clips=CLIPS, seed=seed, size=SIZE, fps=FPS, workers=1)


def test_a_rerun_keeps_the_finished_clips_and_writes_the_same_dataset(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "resumed"
    _interrupted(out, monkeypatch, fail_at=2)
    assert sorted(p.name for p in (out / "videos").iterdir()) == ["synth_000_static.mp4", "synth_001_move_in.mp4"]
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        generate_dataset(out, clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)
    # before: "replacing the synthetic dataset there (an interrupted generation)", every clip again
    assert rendered == [2]
    assert "keeping 2 of 3 clips already rendered, rendering the other 1" in caplog.text
    assert "replacing" not in caplog.text
    rendered.clear()
    whole = generate_dataset(tmp_path / "whole", clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)
    assert rendered == [0, 1, 2]
    assert _files(out) == _files(whole)  # the manifest and every label file included
    assert not (out / gen._PROGRESS).exists() and not (out / gen._INCOMPLETE).exists()


def test_other_options_replace_the_interrupted_folder_saying_why(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "d"
    _interrupted(out, monkeypatch, fail_at=1, seed=3)
    rendered = _count_renders(monkeypatch, fail_at=2)
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        generate_dataset(out, clips=CLIPS, seed=4, size=SIZE, fps=FPS, workers=1)
    assert rendered == [0, 1]  # clip 0 of seed 3 is not clip 0 of seed 4
    assert "replacing the synthetic dataset there (an interrupted generation)" in caplog.text
    assert "started with other options" in caplog.text and "seed 3, now 4" in caplog.text


def test_a_clip_whose_file_changed_is_rendered_again(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "d"
    _interrupted(out, monkeypatch, fail_at=2)
    video = out / "videos" / "synth_001_move_in.mp4"
    video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])  # cut short (not by camerabench)
    (out / "videos" / ".synth_002_x.mp4.0123abcd.tmp").write_bytes(b"half")  # an atomic write cut short
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        generate_dataset(out, clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)
    assert rendered == [1, 2]
    assert "keeping 1 of 3 clips" in caplog.text
    assert "videos/synth_001_move_in.mp4 is not the file that was written" in caplog.text
    whole = generate_dataset(tmp_path / "whole", clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)
    assert _files(out) == _files(whole)


def test_the_worker_initialiser_ignores_sigint(monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    calls: list[tuple[int, Any]] = []
    monkeypatch.setattr(signal, "signal", lambda signum, handler: calls.append((signum, handler)))
    monkeypatch.setattr(cv2, "setNumThreads", lambda n: None)
    gen._worker_init()
    assert calls == [(signal.SIGINT, signal.SIG_IGN)]


_CTRL_C_SCRIPT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal, whatever the test runner set
from camerabench.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _workers(pid: int) -> list[int]:
    """The pool workers among the children of process ``pid`` (Linux /proc)."""
    found: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
        if ppid == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return found


def _takes_sigint(pid: int) -> bool:
    """Whether process ``pid`` neither blocks nor ignores SIGINT (a Ctrl-C raises in it)."""
    fields = dict(
        line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line
    )
    bit = 1 << (signal.SIGINT - 1)
    return not (int(fields["SigBlk"], 16) & bit or int(fields["SigIgn"], 16) & bit)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the workers' signal masks in /proc (Linux)")
def test_ctrl_c_during_a_pooled_render_prints_no_worker_traceback(tmp_path: Path) -> None:
    args = ["synth", "--out", str(tmp_path / "d"), "--clips", "2", "--size", "32x20", "--fps", "4", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_SCRIPT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the Ctrl-C reaches it and its workers only
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the pool starts right after this line
            if "rendering 2 standard clips" in line:
                break
        deadline = time.monotonic() + 10
        while len(workers := _workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(workers) == 2
        # from their start on (while they import, before the pool's initialiser runs): a Ctrl-C
        # there raised KeyboardInterrupt in them, and printed its traceback unless the pool's
        # terminate killed them first
        assert [_takes_sigint(w) for w in workers] == [False, False]
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, rest
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest, rest
    assert rest.strip().splitlines()[-1].endswith("interrupted"), rest
    assert "the same command again keeps them" in rest


# --- review: hostile progress records and kills at the end ----------------------------------------
# Review of round 42's resumed ``camerabench synth``: hostile progress records and kills at the end.
#
# 1. A record whose statistics are not the clip's (edited, or another generator's form): a
#    malformed ``shot`` stopped every rerun with a ``KeyError`` after the rendering, and frames, a
#    motion or nuisances that disagree with the clip were written into the manifest. The clip is
#    now rendered again, saying why.
# 2. A pipe under a record's or a clip's name was taken for the generator's file: the rerun
#    rendered, then could not write over it (every rerun again). It is now named before anything
#    is rendered, as links are; the hash of a clip file follows no link.
# 3. A kill while the progress records were removed left a finished dataset marked unfinished (the
#    next run rendered every clip again, saying its options were not recorded); a kill while the
#    manifest was written left its temporary file in the resumed dataset.


def _generate(out: Path) -> Path:
    return generate_dataset(out, clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)


_WHOLE: dict[str, bytes] = {}


def _uninterrupted(tmp_path: Path) -> dict[str, bytes]:
    """The files of the dataset an uninterrupted run writes (rendered once per test session)."""
    if not _WHOLE:
        _WHOLE.update(_files(_generate(tmp_path / "whole")))
    return _WHOLE


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("shot", {}, "its shot geometry is not the generator's (KeyError: 'video')"),  # was a KeyError traceback
        ("frames", 999, "its frame count 999 is not the clip's 10"),  # was 999 frames in the manifest
        ("frames", True, "its frame count True is not the clip's 10"),
        ("gt_motion", {"t_m": [0, 0, 1]}, "its gt_motion is not the motion of gt/synth_001_move_in.npz"),
        ("nuisances", 5, "its nuisances are int, not an object"),  # was "nuisances": 5 in the manifest
    ],
)
def test_a_record_whose_statistics_are_not_the_clips_renders_it_again(
    tmp_path: Path,
    tiny_textures: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    key: str,
    value: Any,
    why: str,
) -> None:
    out = tmp_path / "d"
    _interrupted(out, monkeypatch)
    path = out / gen._PROGRESS / "001.json"
    record = json.loads(path.read_text())
    record["stats"][key] = value  # the file hashes still check out
    path.write_text(json.dumps(record))
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        _generate(out)
    assert rendered == [1, 2]
    assert f"clip 1: 001.json: {why}" in caplog.text
    assert _files(out) == _uninterrupted(tmp_path)


def test_a_shot_geometry_of_another_clip_is_not_kept(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "d"
    _interrupted(out, monkeypatch)
    records = [json.loads((out / gen._PROGRESS / f"00{i}.json").read_text()) for i in (0, 1)]
    records[1]["stats"]["shot"] = records[0]["stats"]["shot"]  # clip 0's shot, well formed
    (out / gen._PROGRESS / "001.json").write_text(json.dumps(records[1]))
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        _generate(out)
    assert rendered == [1, 2]
    assert "its shot geometry is of 'synth_000_static.mp4', not 'synth_001_move_in.mp4'" in caplog.text


@pytest.mark.parametrize("name", [f"{gen._PROGRESS}/000.json", "videos/synth_001_move_in.mp4"])
def test_a_pipe_under_a_generator_files_name_is_named_before_rendering(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    out = tmp_path / "d"
    _interrupted(out, monkeypatch)
    (out / name).unlink()
    os.mkfifo(out / name)
    rendered = _count_renders(monkeypatch)
    # before: clip 0 rendered, then "000.json: is not a regular file ... remove it" (every rerun)
    with pytest.raises(CameraBenchError, match=f"generator does not write \\({name}\\)"):
        _generate(out)
    assert rendered == []


def test_the_hash_of_a_clip_file_follows_no_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.mp4"
    target.write_bytes(b"someone else's")
    link = tmp_path / "synth_000_static.mp4"
    link.symlink_to(target)
    with pytest.raises(OSError):
        gen._sha256(link)  # before: the target's hash
    assert len(gen._sha256(target)) == 64


def test_a_kill_while_the_records_are_removed_leaves_a_finished_dataset(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "d"
    real = shutil.rmtree

    def killed(path: Any, *args: Any, **kwargs: Any) -> None:
        if Path(path).name == gen._PROGRESS:
            raise KeyboardInterrupt
        real(path, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(shutil, "rmtree", killed)
        with pytest.raises(KeyboardInterrupt):
            _generate(out)
    # before: the marker stayed, so the demo and the jobs refused the dataset, and the next
    # synth rendered every clip again ("its options were not recorded")
    check_dataset_finished(out)
    assert (out / "manifest.json").is_file()


def test_a_kill_while_the_manifest_is_written_leaves_no_temporary_file_after_the_rerun(
    tmp_path: Path, tiny_textures: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "d"
    with monkeypatch.context() as m:
        m.setattr(gen, "_write_labels", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            _generate(out)
    (out / ".manifest.json.0123abcd.tmp").write_text('{"generator": ')  # what a SIGKILL there leaves
    (out / "notes.txt").write_text("the user's own")
    rendered = _count_renders(monkeypatch)
    _generate(out)
    assert rendered == []  # every clip kept
    assert (out / "notes.txt").read_text() == "the user's own"
    (out / "notes.txt").unlink()
    assert _files(out) == _uninterrupted(tmp_path)
