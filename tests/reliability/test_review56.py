"""Review of round 56's new inputs checks on hostile file system states.

- ``labels/`` with thousands of stray entries: the one warning named every one of them (5000
  names, an unbounded line); now it names the likely mistakes first, ten at most, "and N more".
- ``labels/`` entry whose name is not UTF-8 (or holds a line break): written raw into the warning
  (a lone surrogate, which a UTF-8 log file cannot write); now escaped.
- :func:`same_file_keys`: one unreadable file of the same size as another refused the
  cross-fitting of the whole dataset (calibrate and fusion, which had scored it, worked before
  this round); now all the files of that size are one clip, with a warning naming the file.
- Link loops, dangling links, unreadable folders in ``labels/``; directories, FIFOs, link loops and
  unreadable files as videos for the fingerprint checks: no crash, no hang (covered as they are).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from camerabench import crossfit
from camerabench.crossfit import clip_names, same_file_keys, video_folds
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import changed_videos
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo
from camerabench.runfolder import video_fingerprint
from camerabench.taxonomy import BinaryRecord, Primitive

UP = Primitive.MOVE_UP


def _dataset(root: Path, names: tuple[str, ...] = ("a.mp4", "b.mp4")) -> Path:
    for name in names:
        path = root / "videos" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode() * 10)
    labels = root / "labels"
    write_binary_file(labels / "binary_classification" / UP.file, [BinaryRecord.make(n, UP, True) for n in names])
    return labels


def _unread(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "camerabench.dataset" and "not read" in r.getMessage()]


# --- labels/ ---------------------------------------------------------------------------------------


def test_thousands_of_stray_entries_give_one_bounded_warning_with_the_mistake_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = _dataset(tmp_path)
    for i in range(3000):
        (labels / f"notes{i:04d}.txt").write_bytes(b"")
    (labels / "Shotbench").mkdir()
    with caplog.at_level(logging.WARNING):
        assert len(Dataset(tmp_path).binary[UP]) == 2
    (message,) = _unread(caplog)
    assert "3001 entries are not read" in message
    assert len(message) < 1000  # old: every one of the 3001 names (about 50 000 characters)
    assert message.index("Shotbench/ (did you mean shotbench/?)") < message.index("notes0000.txt")
    assert "and 2991 more" in message and "notes0009.txt" not in message


def test_a_name_that_is_not_utf8_or_holds_a_line_break_is_shown_escaped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = _dataset(tmp_path)
    try:
        (labels / os.fsdecode(b"caption\xff.json")).write_bytes(b"")
    except (OSError, UnicodeError):
        pytest.skip("the file system takes no such name")
    (labels / "two\nlines.json").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        Dataset(tmp_path).binary  # noqa: B018
    (message,) = _unread(caplog)
    message.encode("utf-8")  # old: UnicodeEncodeError (a lone surrogate): a UTF-8 log file failed to write it
    assert "\n" not in message  # old: the line break split the warning
    assert r"'caption\udcff.json'" in message and r"'two\nlines.json'" in message


def test_link_loops_dangling_links_and_unlistable_folders_are_named_without_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = _dataset(tmp_path)
    os.symlink("loop", labels / "loop")
    os.symlink(tmp_path / "nowhere", labels / "Caption_Data.json")
    locked = labels / "Binary"
    locked.mkdir()
    iterdir = Path.iterdir

    def refuse(self: Path):  # type: ignore[no-untyped-def]
        if self == locked:  # chmod 000 does not stop root: the refusal is simulated
            raise PermissionError(13, "Permission denied", str(self))
        return iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    with caplog.at_level(logging.WARNING):
        assert len(Dataset(tmp_path).binary[UP]) == 2
    (message,) = _unread(caplog)
    assert "3 entries are not read" in message
    assert "Caption_Data.json (did you mean caption_data.json?)" in message
    assert "; Binary/; " in message and "; loop; " in message  # an empty folder it cannot list: no hint


# --- same_file_keys ------------------------------------------------------------------------------


def _clip(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_an_unreadable_file_of_a_shared_size_is_one_clip_with_its_size_not_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    paths = {f"s{i}.mp4": _clip(tmp_path / f"s{i}.mp4", bytes([i]) * 100) for i in range(3)}
    paths |= {f"u{i}.mp4": _clip(tmp_path / f"u{i}.mp4", bytes([i]) * (200 + i)) for i in range(4)}
    fingerprint = crossfit._fingerprint

    def unreadable(video: str, path: str | os.PathLike[str]) -> str:
        if video == "s1.mp4":  # no permission now (root is not stopped by chmod: simulated)
            raise FileFormatError(path, "cannot tell whether video 's1.mp4' is a copy: Permission denied")
        return fingerprint(video, path)

    monkeypatch.setattr(crossfit, "_fingerprint", unreadable)
    with caplog.at_level(logging.WARNING):
        keys = same_file_keys(paths)  # old: FileFormatError, calibrate and fusion refused the whole dataset
    assert keys["s0.mp4"] == keys["s1.mp4"] == keys["s2.mp4"]  # one clip: s1 may be a copy of either
    assert len({keys[f"u{i}.mp4"] for i in range(4)} | {keys["s0.mp4"]}) == 5
    folds = video_folds(sorted(paths), 2, same_clip=keys)
    assert folds["s0.mp4"] == folds["s1.mp4"] == folds["s2.mp4"]
    (said,) = [r.getMessage() for r in caplog.records if r.name == "camerabench.crossfit"]
    assert "s1.mp4" in said and "Permission denied" in said and "one clip" in said


def test_an_unreadable_file_of_a_unique_size_and_non_files_are_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = _clip(tmp_path / "a.mp4", b"A" * 300)
    shutil.copyfile(a, tmp_path / "a_copy.mp4")
    _clip(tmp_path / "lone.mp4", b"L" * 77)
    (tmp_path / "dir.mp4").mkdir()
    os.mkfifo(tmp_path / "fifo.mp4")
    os.symlink("loop.mp4", tmp_path / "loop.mp4")
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    names = ["a.mp4", "a_copy.mp4", "lone.mp4", "dir.mp4", "fifo.mp4"]
    keys = same_file_keys({n: tmp_path / n for n in names})
    assert keys["a.mp4"] == keys["a_copy.mp4"]
    assert sorted(set(opened)) == ["a.mp4", "a_copy.mp4"]
    assert len(set(clip_names(names, keys).values())) == 4
    with pytest.raises(FileFormatError, match=r"loop\.mp4"):  # a link loop cannot be looked at (as before)
        same_file_keys({"loop.mp4": tmp_path / "loop.mp4"})


def test_many_same_size_files_are_read_whole_at_most_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = os.urandom(200_000)
    paths = {}
    for i in range(40):  # equal ends, another middle: every fingerprint equal, every file read whole
        data = bytearray(body)
        data[100_000] = i
        paths[f"v{i:02d}.mp4"] = _clip(tmp_path / f"v{i:02d}.mp4", bytes(data))
    os.link(paths["v00.mp4"], tmp_path / "link.mp4")
    paths["link.mp4"] = tmp_path / "link.mp4"
    full: list[str] = []
    sha = crossfit._file_sha256
    monkeypatch.setattr(crossfit, "_file_sha256", lambda v, p: full.append(v) or sha(v, p))
    keys = same_file_keys(paths)
    assert len(full) == 40  # one whole read a file: the link's file (v00.mp4) once under one of its names
    assert not {"link.mp4", "v00.mp4"} <= set(full)
    assert keys["link.mp4"] == keys["v00.mp4"] and len(set(keys.values())) == 40


# --- evaluate: changed videos ----------------------------------------------------------------------


def test_changed_videos_of_a_gone_file_is_unreadable_and_other_hostile_paths_are_refused_clearly(
    tmp_path: Path,
) -> None:
    names = ("a.mp4", "b.mp4", "gone.mp4")
    _dataset(tmp_path, names)
    videos = tmp_path / "videos"
    prints = {n: video_fingerprint(videos / n) for n in names}
    (videos / "gone.mp4").unlink()
    info = RunInfo(
        method="dummy",
        video_sha256={**{n: p for n, p in prints.items() if p is not None}, "elsewhere.mp4": "0" * 64},
        seconds_per_video={n: 1.0 for n in (*names, "elsewhere.mp4")},
    )
    assert changed_videos(info, Dataset(tmp_path), {}) == ([], ["gone.mp4"], 3)  # elsewhere: not evaluated
    (videos / "b.mp4").unlink()
    for make, refused in [
        (lambda p: p.mkdir(), "is a folder"),
        (os.mkfifo, "not a regular file"),  # never opened: no wait for a writer
        (lambda p: os.symlink(p.name, p), "broken symbolic link"),  # a link loop
    ]:
        make(videos / "b.mp4")
        with pytest.raises(FileFormatError, match=refused):  # the dataset refuses it before any check
            changed_videos(info, Dataset(tmp_path), {})
        shutil.rmtree(videos / "b.mp4") if (videos / "b.mp4").is_dir() else (videos / "b.mp4").unlink()
