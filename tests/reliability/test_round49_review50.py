"""Review of round 49's file identity for the cross-fitting folds (:func:`same_file_keys`): a file
system that numbers no file (inode 0) is no reason to take every video for one clip, and a path
that cannot be looked at is a clear error, not a raw OSError out of calibration or fusion.

Each test fails on the code before this review.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench import crossfit
from camerabench.baselines.fusion import train_fusion
from camerabench.crossfit import same_file_keys, video_folds
from camerabench.errors import FileFormatError
from camerabench.eval.calibration import calibrate_run
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = [f"v{i:02d}.mp4" for i in range(6)]
_REAL_STAT = os.stat


class _Os:
    """The ``os`` module as :mod:`camerabench.crossfit` sees it, with another ``stat`` (patched
    there only: the run folder's locks compare ``os.stat`` with ``os.fstat``)."""

    def __init__(self, stat: Any) -> None:
        self.stat = stat

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def _no_inodes() -> _Os:
    """``os`` whose ``stat`` answers as a file system without file numbers (st_ino 0, as Python
    documents for some file systems)."""

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        fields = list(_REAL_STAT(path, *args, **kwargs))
        fields[1] = 0  # st_ino
        return os.stat_result(fields)

    return _Os(stat)


def _dataset(root: Path) -> Path:
    """PAN labels of 6 distinct video files, informative scores of inputs ``a`` and ``b``."""
    rng = np.random.default_rng(0)
    data = root / "data"
    y = [i % 2 == 0 for i in range(len(VIDEOS))]
    write_binary_file(
        data / "labels" / "binary_classification" / Primitive.PAN_LEFT.file,
        [BinaryRecord.make(v, Primitive.PAN_LEFT, t) for v, t in zip(VIDEOS, y, strict=True)],
    )
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(v.encode())
    for name in ("a", "b"):
        pan = Primitive.PAN_LEFT
        recs = [
            ScoreRecord(v, pan.question, name, float(2.0 * t + rng.normal(scale=0.7)), primitive=pan.value)
            for v, t in zip(VIDEOS, y, strict=True)
        ]
        write_scores(MethodFolder.of(root / "run", name).scores, recs)
    return data


def test_files_without_inode_numbers_are_not_one_clip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.mp4").write_bytes(b"a")
    (tmp_path / "b.mp4").write_bytes(b"b")
    monkeypatch.setattr(crossfit, "os", _no_inodes())
    keys = same_file_keys({v: tmp_path / v for v in ("a.mp4", "b.mp4")})
    # old: "file:<dev>:0" for both: two different clips were one, kept in one fold
    assert keys["a.mp4"] != keys["b.mp4"]
    assert video_folds(["a.mp4", "b.mp4"], 2, keys) == video_folds(["a.mp4", "b.mp4"], 2)


def test_calibration_and_fusion_on_a_file_system_without_inode_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _dataset(tmp_path)
    monkeypatch.setattr(crossfit, "os", _no_inodes())
    # old: "scored binary samples of 1 video only (its 6 names are one file)": refused outright
    cal, _ = calibrate_run(data, tmp_path / "run", "a", n_splits=3)
    assert cal.video_folds == video_folds(VIDEOS, 3)
    model = train_fusion(data, tmp_path / "run", ["a", "b"], tmp_path / "model", n_splits=3, inner_repeats=1).model
    assert model.video_folds == cal.video_folds


@pytest.mark.parametrize("code", [errno.EACCES, errno.ELOOP])
def test_a_path_that_cannot_be_looked_at_is_a_file_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    bad = tmp_path / "b.mp4"

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(path) == str(bad):
            raise (PermissionError if code == errno.EACCES else OSError)(code, os.strerror(code), str(path))
        return _REAL_STAT(path, *args, **kwargs)

    (tmp_path / "a.mp4").write_bytes(b"a")
    monkeypatch.setattr(crossfit, "os", _Os(stat))
    # old: the raw PermissionError / OSError, no CameraBenchError for the command line to report
    with pytest.raises(FileFormatError, match=r"b\.mp4: cannot tell whether video 'b\.mp4' is another video's file"):
        same_file_keys({"a.mp4": tmp_path / "a.mp4", "b.mp4": bad})


def test_a_name_no_file_can_have_is_its_own_clip() -> None:
    # old: os.stat's ValueError ("embedded null byte") out of same_file_keys
    keys = same_file_keys({"a\x00.mp4": "/no/such/a\x00.mp4", "a.mp4": "/no/such/a.mp4"})
    assert keys == {"a\x00.mp4": "name:a\x00.mp4", "a.mp4": "name:a.mp4"}
