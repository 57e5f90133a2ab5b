"""Review of round 42's resumed ``camerabench synth``: hostile progress records and kills at the end.

1. A record whose statistics are not the clip's (edited, or another generator's form): a
   malformed ``shot`` stopped every rerun with a ``KeyError`` after the rendering, and frames, a
   motion or nuisances that disagree with the clip were written into the manifest. The clip is
   now rendered again, saying why.
2. A pipe under a record's or a clip's name was taken for the generator's file: the rerun
   rendered, then could not write over it (every rerun again). It is now named before anything
   is rendered, as links are; the hash of a clip file follows no link.
3. A kill while the progress records were removed left a finished dataset marked unfinished (the
   next run rendered every clip again, saying its options were not recorded); a kill while the
   manifest was written left its temporary file in the resumed dataset.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
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


def _interrupted(out: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int = 2) -> None:
    with monkeypatch.context() as m:
        _count_renders(m, fail_at)
        with pytest.raises(_StopError):
            generate_dataset(out, clips=CLIPS, seed=3, size=SIZE, fps=FPS, workers=1)


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
