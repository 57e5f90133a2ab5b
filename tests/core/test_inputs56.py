"""Inputs, round 56: label entries of ``labels/`` that are never read, a video replaced by a named
pipe, and a clip copied under another name in the cross-fitting folds.

- ``labels/Binary_Classification/``, ``labels/caption_data.jsonl``, ``labels/captions.json``,
  ``labels/caption/caption_data.json``, ``labels/Move_Up.jsonl``: left out without a word (exit
  code 0); now named in one warning with what each may have meant.
- :func:`video_fingerprint` of a named pipe blocked in ``open()`` until a writer came (a run's
  main process hung, Ctrl-C could not stop it); now None at once.
- :func:`same_file_keys` grouped a hard link with its twin but not a byte-identical copy: the
  copies landed in different folds, so each clip's label was seen when fitting its twin's fold.

Each test fails on the code before this round.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from camerabench import crossfit
from camerabench.crossfit import clip_names, same_file_keys, training_files
from camerabench.dataset import Dataset
from camerabench.labelfiles import CaptionItem, write_binary_file, write_caption_file
from camerabench.runfolder import video_fingerprint
from camerabench.taxonomy import BinaryRecord, Primitive

UP = Primitive.MOVE_UP


def _dataset(root: Path) -> Path:
    """A dataset of two videos with binary labels and captions, all where they are read."""
    for name in ("a.mp4", "b.mp4"):
        path = root / "videos" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
    labels = root / "labels"
    write_binary_file(labels / "binary_classification" / UP.file, [BinaryRecord.make("a.mp4", UP, True)])
    write_caption_file(labels / "caption_data.json", [CaptionItem("b.mp4", "Describe the camera.", "It pans.")])
    return labels


def _unread_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name == "camerabench.dataset" and "not read" in r.getMessage()
    ]


# --- labels/: every entry not read is named --------------------------------------------------------


def test_a_binary_folder_in_other_letter_case_is_named_with_the_right_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = _dataset(tmp_path)
    (labels / "binary_classification").rename(labels / "Binary_Classification")
    ds = Dataset(tmp_path)
    if (labels / "binary_classification").exists():  # a case-insensitive file system reads it
        pytest.skip("the file system ignores letter case")
    with caplog.at_level(logging.WARNING):
        assert ds.binary == {}
    (message,) = _unread_warnings(caplog)  # old: no warning, all 15 binary files dropped
    assert str(labels) in message
    assert "Binary_Classification/ (did you mean binary_classification/?)" in message
    assert "binary_classification/, vqa_and_retrieval/, caption_data.json and shotbench/" in message


@pytest.mark.parametrize(
    ("moved", "shown", "hint"),
    [
        ("caption_data.jsonl", "caption_data.jsonl", "caption_data.json"),
        ("Caption_Data.json", "Caption_Data.json", "caption_data.json"),
        ("captions.json", "captions.json", "caption_data.json"),
        ("caption/caption_data.json", "caption/", "caption_data.json directly in labels/"),
    ],
)
def test_a_caption_file_under_a_near_name_is_named_with_a_hint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, moved: str, shown: str, hint: str
) -> None:
    labels = _dataset(tmp_path)
    (labels / moved).parent.mkdir(parents=True, exist_ok=True)
    (labels / "caption_data.json").rename(labels / moved)
    if (labels / "caption_data.json").exists():
        pytest.skip("the file system ignores letter case")
    with caplog.at_level(logging.WARNING):
        assert Dataset(tmp_path).captions == []
    (message,) = _unread_warnings(caplog)
    assert f"{shown} (did you mean {hint}?)" in message


def test_a_primitive_file_at_the_top_of_labels_points_to_its_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    labels = _dataset(tmp_path)
    (labels / "binary_classification" / UP.file).rename(labels / UP.file)
    (labels / "notes.txt").write_text("to do")
    with caplog.at_level(logging.WARNING):
        Dataset(tmp_path).validate()
    (message,) = _unread_warnings(caplog)  # one warning naming both
    assert "2 entries are not read" in message
    assert "Move_Up.jsonl (did you mean binary_classification/Move_Up.jsonl?)" in message
    assert "; notes.txt;" in message  # no hint for a name that means nothing


def test_the_warning_comes_once_whichever_labels_are_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    labels = _dataset(tmp_path)
    (labels / "Shotbench").mkdir()
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        _ = ds.captions, ds.binary, ds.vqa, ds.mcq
        ds.validate()
    (message,) = _unread_warnings(caplog)
    assert "Shotbench/ (did you mean shotbench/?)" in message


def test_hidden_system_and_readme_files_stay_quiet(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    labels = _dataset(tmp_path)
    (labels / "shotbench").mkdir()
    (labels / "vqa_and_retrieval" / "has_motion").mkdir(parents=True)
    for name in (".DS_Store", "._caption_data.json", ".caption_data.json.1a2b3c4d.tmp", "Thumbs.db", "README.md"):
        (labels / name).write_text("x")
    (labels / ".cache").mkdir()
    with caplog.at_level(logging.WARNING):
        ds = Dataset(tmp_path)
        _ = ds.binary, ds.captions
    assert _unread_warnings(caplog) == []  # every entry is read or quiet
    assert len(ds.binary[UP]) == 1 and len(ds.captions) == 1
    (labels / "shot_bench.tsv").write_text("x")
    with caplog.at_level(logging.WARNING):
        _ = Dataset(tmp_path).captions
    (message,) = _unread_warnings(caplog)  # old: no warning
    assert "1 entry is not read: shot_bench.tsv (did you mean shotbench/shot_bench.tsv?);" in message


# --- video_fingerprint: a named pipe never blocks --------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_the_fingerprint_of_a_named_pipe_is_none_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)

    def unblock() -> None:  # the old code waits in open() for a writer: give it one, so the test ends
        time.sleep(0.5)
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError as exc:  # no reader waiting (the new code did not wait): nothing to unblock
            assert exc.errno == errno.ENXIO

    watchdog = threading.Thread(target=unblock, daemon=True)
    watchdog.start()
    t0 = time.perf_counter()
    result = video_fingerprint(fifo)
    waited = time.perf_counter() - t0
    watchdog.join()
    assert result is None  # old: the digest of an empty read, after waiting for the writer
    assert waited < 0.4


def test_the_fingerprint_of_a_device_is_none(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    assert video_fingerprint(Path("/dev/zero")) is None  # old: a digest of zeros, as if a video


# --- same_file_keys: copies of one file are one clip -----------------------------------------------


def _clip(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_byte_identical_copies_share_a_key_and_a_fold(tmp_path: Path) -> None:
    paths: dict[str, Path] = {}
    for i in range(30):
        a = _clip(tmp_path / f"clip{i:02d}_a.mp4", os.urandom(64) + bytes([i]) * 300)
        b = tmp_path / f"clip{i:02d}_b.mp4"
        shutil.copyfile(a, b)
        paths[a.name], paths[b.name] = a, b
    keys = same_file_keys(paths)
    for i in range(30):
        assert keys[f"clip{i:02d}_a.mp4"] == keys[f"clip{i:02d}_b.mp4"]  # old: two inodes, two keys
    assert len(set(keys.values())) == 30
    clips = clip_names(paths, keys)  # what video_folds folds: one name per clip
    assert all(clips[f"clip{i:02d}_b.mp4"] == f"clip{i:02d}_a.mp4" for i in range(30))


def test_links_copies_and_missing_files(tmp_path: Path) -> None:
    a = _clip(tmp_path / "a.mp4", b"A" * 1000)
    os.link(a, tmp_path / "a_link.mp4")
    os.symlink(a, tmp_path / "a_sym.mp4")
    shutil.copyfile(a, tmp_path / "a_copy.mp4")
    _clip(tmp_path / "b.mp4", b"B" * 1000)  # same size, other content
    _clip(tmp_path / "c.mp4", b"C" * 10)
    _clip(tmp_path / "e1.mp4", b"")  # empty files: no clip, never one another's copy
    _clip(tmp_path / "e2.mp4", b"")
    names = ["a.mp4", "a_link.mp4", "a_sym.mp4", "a_copy.mp4", "b.mp4", "c.mp4", "e1.mp4", "e2.mp4", "gone.mp4"]
    keys = same_file_keys({n: tmp_path / n for n in names})
    a_id = f"{a.stat().st_dev}:{a.stat().st_ino}"
    copy = tmp_path / "a_copy.mp4"
    copy_id = f"{copy.stat().st_dev}:{copy.stat().st_ino}"
    assert keys["a.mp4"] == keys["a_link.mp4"] == keys["a_sym.mp4"] == keys["a_copy.mp4"]
    assert set(keys["a.mp4"].removeprefix("file:").split("+")) == {a_id, copy_id}
    others = [keys[n] for n in ("a.mp4", "b.mp4", "c.mp4", "e1.mp4", "e2.mp4", "gone.mp4")]
    assert len(set(others)) == len(others)
    assert keys["gone.mp4"] == "name:gone.mp4"
    # only links (no copy): the key is the file's, as before
    assert same_file_keys({"b.mp4": tmp_path / "b.mp4"})["b.mp4"].startswith("file:")
    assert "+" not in same_file_keys({n: tmp_path / n for n in ("a.mp4", "a_link.mp4")})["a.mp4"]


def test_equal_ends_but_another_middle_is_another_clip_and_unequal_sizes_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = bytearray(os.urandom(300_000))
    x = _clip(tmp_path / "x.mp4", bytes(body))
    body[150_000] ^= 0xFF  # beyond the first and last 64 KiB: the fingerprints are equal
    y = _clip(tmp_path / "y.mp4", bytes(body))
    assert video_fingerprint(x) == video_fingerprint(y)
    z = _clip(tmp_path / "z.mp4", bytes(body[:1000]))
    shutil.copyfile(z, tmp_path / "z_copy.mp4")
    read: list[str] = []
    fingerprint, full = crossfit._fingerprint, crossfit._file_sha256
    monkeypatch.setattr(crossfit, "_fingerprint", lambda v, p: read.append(f"print:{v}") or fingerprint(v, p))
    monkeypatch.setattr(crossfit, "_file_sha256", lambda v, p: read.append(f"full:{v}") or full(v, p))
    lone = _clip(tmp_path / "lone.mp4", b"L" * 777)
    names = ["x.mp4", "y.mp4", "z.mp4", "z_copy.mp4", "lone.mp4"]
    keys = same_file_keys({n: tmp_path / n for n in names})
    assert keys["x.mp4"] != keys["y.mp4"]
    assert keys["z.mp4"] == keys["z_copy.mp4"]  # old: two keys
    assert not any(r.endswith(lone.name) for r in read)  # a size no other file has: never read
    same_size = ["x.mp4", "y.mp4", "z.mp4", "z_copy.mp4"]
    assert sorted(read) == sorted([f"print:{v}" for v in same_size] + [f"full:{v}" for v in same_size])


def test_a_link_to_a_training_clips_copy_is_that_clip(tmp_path: Path) -> None:
    a = _clip(tmp_path / "a.mp4", os.urandom(500))
    shutil.copyfile(a, tmp_path / "b.mp4")
    fitted = same_file_keys({n: tmp_path / n for n in ("a.mp4", "b.mp4")})
    assert fitted["a.mp4"] == fitted["b.mp4"]  # one clip (old: two files, two keys)
    os.link(tmp_path / "b.mp4", tmp_path / "later.mp4")
    later = same_file_keys({"later.mp4": tmp_path / "later.mp4"})
    assert training_files(fitted, later) == {"later.mp4": "a.mp4"}
    assert training_files(fitted, same_file_keys({"a.mp4": a})) == {}  # a training name: by its labels


def test_a_possible_copy_that_cannot_be_read_is_one_clip_with_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a refusal of the whole dataset (tests/reliability/test_review56.py): a file that may be a
    copy of another of its size, but cannot be read to tell, is one clip with it."""
    a = _clip(tmp_path / "a.mp4", b"A" * 100)
    _clip(tmp_path / "b.mp4", b"B" * 100)
    monkeypatch.setattr("camerabench.runfolder.video_fingerprint", lambda p: None if p.name == "b.mp4" else "f")
    keys = same_file_keys({"a.mp4": a, "b.mp4": tmp_path / "b.mp4"})
    assert keys["a.mp4"] == keys["b.mp4"]
