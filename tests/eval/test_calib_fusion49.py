"""Calibration and fusion, round 49: one clip under two names (a linked file) is one video for the
cross-fitting folds, and a calibration fold whose training videos hold one class is said.

Each test fails on the code before this round.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.fusion import train_fusion
from camerabench.crossfit import video_folds
from camerabench.eval.calibration import calibrate_run, fit_calibration
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]


def _dataset(root: Path, inputs: tuple[str, ...] = ("m",), link: tuple[str, str] = ("v01.mp4", "v00.mp4")) -> Path:
    """Labels of PAN and TILT on 8 videos, informative scores of each input in ``root/run``;
    ``link[0]`` is a symbolic link to ``link[1]`` (the same clip under two names)."""
    rng = np.random.default_rng(0)
    data = root / "data"
    recs: dict[str, list[ScoreRecord]] = {name: [] for name in inputs}
    for k, prim in enumerate((PAN, TILT)):
        y = [(i + k) % 2 == 0 for i in range(len(VIDEOS))]
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in zip(VIDEOS, y, strict=True)],
        )
        for v, t in zip(VIDEOS, y, strict=True):
            for name in inputs:
                s = float(2.0 * t + rng.normal(scale=0.7))
                recs[name].append(ScoreRecord(v, prim.question, name, s, primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        if v != link[0]:
            (data / "videos" / v).write_bytes(v.encode())
    os.symlink(link[1], data / "videos" / link[0])
    for name, r in recs.items():
        write_scores(MethodFolder.of(root / "run", name).scores, r)
    return data


def test_names_of_one_file_share_a_key_and_a_fold(tmp_path: Path) -> None:
    from camerabench.crossfit import same_file_keys  # new (imported here: the other tests run on old code)

    (tmp_path / "a.mp4").write_bytes(b"a")
    (tmp_path / "b.mp4").write_bytes(b"b")
    os.symlink("a.mp4", tmp_path / "c.mp4")
    os.link(tmp_path / "b.mp4", tmp_path / "d.mp4")
    names = ["a.mp4", "b.mp4", "c.mp4", "d.mp4", "gone.mp4"]
    keys = same_file_keys({v: tmp_path / v for v in names})
    assert keys["a.mp4"] == keys["c.mp4"] and keys["b.mp4"] == keys["d.mp4"]
    assert len({keys["a.mp4"], keys["b.mp4"], keys["gone.mp4"]}) == 3
    folds = video_folds(names, 3, keys)
    # old: no way to say so; five names were five folds' worth of videos (c.mp4 apart from a.mp4)
    assert folds["a.mp4"] == folds["c.mp4"] and folds["b.mp4"] == folds["d.mp4"]
    assert len(set(folds.values())) == 3
    assert video_folds(names, 3, None) == video_folds(names, 3)  # unchanged without links


def test_calibration_keeps_a_linked_clip_in_one_fold(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _dataset(tmp_path)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        cal, _ = calibrate_run(data, tmp_path / "run", "m", n_splits=2)
    # old: v00 in fold 3 and v01 (the same file) in fold 2: the map of fold 2 saw the clip's label
    assert cal.video_folds["v00.mp4"] == cal.video_folds["v01.mp4"]
    assert len(set(cal.video_folds.values())) == 2
    assert "1 of the 8 scored videos are another video's file" in caplog.text


def test_calibration_of_one_clip_under_two_names_is_refused(tmp_path: Path) -> None:
    y, s = np.array([True, False]), np.array([1.0, 0.0])
    with pytest.raises(ValueError, match=r"at least 2 videos, got 1 \(the 2 names are one clip\)"):
        fit_calibration({PAN.value: (y, s, ["a.mp4", "b.mp4"])}, 2, {"a.mp4": "x", "b.mp4": "x"})


def test_fusion_keeps_a_linked_clip_in_one_fold(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _dataset(tmp_path, inputs=("a", "b"))
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.fusion"):
        model = train_fusion(data, tmp_path / "run", ["a", "b"], tmp_path / "model", n_splits=2, inner_repeats=1).model
    # old: the stack of v01's fold was fitted on v00's labels, the same clip
    assert model.video_folds["v00.mp4"] == model.video_folds["v01.mp4"]
    assert "1 of the 8 labelled videos are another video's file" in caplog.text


def test_a_fold_whose_training_videos_hold_one_class_is_warned_of(caplog: pytest.LogCaptureFixture) -> None:
    videos = [f"v{i:02d}.mp4" for i in range(6)]
    y = np.zeros(6, bool)
    y[3] = True  # one positive: the fold holding it is fitted on negatives only
    y2 = np.arange(6) % 2 == 0
    s = np.array([0.1, -0.4, 0.3, 2.5, -0.2, 0.0])
    samples = {PAN.value: (y, s, videos), TILT.value: (y2, np.arange(6.0), videos)}
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        per, folds = fit_calibration(samples, 3)
    fold = folds["v03.mp4"]
    assert per[PAN.value].folds[fold].kind == "constant"
    # old: the constant P(yes) of every video of that fold, the positive among them, without a word
    assert f"calibration of {PAN.value}: the training videos of 1 of its 3 folds hold one class only" in caplog.text
    assert f"fold {fold}: {1 / 6:.3g}" in caplog.text
    assert f"calibration of {TILT.value}:" not in caplog.text
