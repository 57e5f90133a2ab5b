"""Applying a fitted calibration or fusion model: a video that is the file of a training clip under
another name (a link made after the fit, or in another dataset) gets the map or stack of the fold
that left that clip out, never the full one, which was fitted on that clip's labels.

Each test of a fix fails on the code before it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.fusion import FusionModel, FusionPredictor, model_digest, train_fusion
from camerabench.dataset import Question
from camerabench.eval.calibration import (
    Calibration,
    calibrate_run,
    calibrated_run,
    read_calibration,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]


def _labels(i: int, k: int) -> bool:
    """Both classes in each fold's training videos (no constant fold map)."""
    return (True, True, False, False, True, False, False, True)[(i + 3 * k) % 8]


def _dataset(root: Path, inputs: tuple[str, ...] = ("m",)) -> tuple[Path, Path, dict[tuple[str, str], float]]:
    """Labels of PAN and TILT on 8 videos (each its own file), informative scores of each input in
    ``root/run``; returns (data, run, (input, video/primitive) -> score)."""
    rng = np.random.default_rng(0)
    data, run = root / "data", root / "run"
    recs: dict[str, list[ScoreRecord]] = {name: [] for name in inputs}
    scores: dict[tuple[str, str], float] = {}
    for k, prim in enumerate((PAN, TILT)):
        y = [_labels(i, k) for i in range(len(VIDEOS))]
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in zip(VIDEOS, y, strict=True)],
        )
        for v, t in zip(VIDEOS, y, strict=True):
            for name in inputs:
                s = float(2.0 * t + rng.normal(scale=1.5))
                scores[(name, f"{v}/{prim.value}")] = s
                recs[name].append(ScoreRecord(v, prim.question, name, s, primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(v.encode())
    for name, r in recs.items():
        write_scores(MethodFolder.of(run, name).scores, r)
    return data, run, scores


def _add_video(
    data: Path, run: Path, video: str, like: str, scores: dict[tuple[str, str], float], others: list[str]
) -> None:
    """``video`` labelled and scored as ``like`` (its labels, each input's scores), beside the labels
    of ``others`` (of VIDEOS)."""
    for k, prim in enumerate((PAN, TILT)):
        labels = {v: _labels(VIDEOS.index(v), k) for v in others}
        labels[video] = _labels(VIDEOS.index(like), k)
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in labels.items()],
        )
    for name in {n for n, _ in scores}:
        folder = MethodFolder.of(run, name)
        old = list((read_method(folder.path).scores or {}).values()) if folder.scores.is_file() else []
        new = [
            ScoreRecord(video, prim.question, name, scores[(name, f"{like}/{prim.value}")], primitive=prim.value)
            for prim in (PAN, TILT)
        ]
        write_scores(folder.scores, old + new)


def test_a_link_made_after_calibrating_gets_the_map_of_its_clips_fold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run, scores = _dataset(tmp_path)
    cal, _ = calibrate_run(data, run, "m", n_splits=2)
    os.symlink("v00.mp4", data / "videos" / "w.mp4")  # v00 under a new name, labelled and scored as it
    _add_video(data, run, "w.mp4", "v00.mp4", scores, VIDEOS)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        out = calibrated_run(read_method(run / "m"), read_calibration(run / "m" / "calibration.json"), data)
    got = {k: r.score for k, r in (out.run.scores or {}).items()}
    s = scores[("m", f"v00.mp4/{PAN.value}")]
    fold_map = cal.per_primitive[PAN.value].folds[cal.video_folds["v00.mp4"]]
    assert fold_map.kind != "constant"
    held = fold_map.apply([s])[0]
    full = cal.per_primitive[PAN.value].full
    assert full is not None and full.apply([s])[0] != pytest.approx(held)
    # old: w.mp4 got the full map, fitted on v00's label (its own label)
    assert got[("w.mp4", PAN.question)] == pytest.approx(held)
    assert got[("w.mp4", PAN.question)] == got[("v00.mp4", PAN.question)]
    assert out.held_out == out.videos == 9 and out.source == "cross-fitted"
    assert "1 of its videos on" in caplog.text and "e.g. w.mp4 is the file of v00.mp4" in caplog.text
    assert cal.video_files["v00.mp4"].startswith("file:")


def test_a_calibration_copied_to_a_dataset_linking_a_training_clip(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run, scores = _dataset(tmp_path)
    cal, _ = calibrate_run(data, run, "m", n_splits=2)
    data2, run2 = tmp_path / "data2", tmp_path / "run2"
    (data2 / "videos").mkdir(parents=True)
    os.link(data / "videos" / "v03.mp4", data2 / "videos" / "x.mp4")  # a hard link, another dataset
    _add_video(data2, run2, "x.mp4", "v03.mp4", scores, [])
    copied, _ = calibrate_run(data2, run2, "m", copy_from=run)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        out = calibrated_run(read_method(run2 / "m"), copied, data2)
    s = scores[("m", f"v03.mp4/{TILT.value}")]
    held = cal.per_primitive[TILT.value].folds[cal.video_folds["v03.mp4"]].apply([s])[0]
    # old: the full map (fitted on v03's labels); "fitted on other data"
    assert (out.run.scores or {})[("x.mp4", TILT.question)].score == pytest.approx(held)
    assert out.cross_fit and out.held_out == 1
    assert "e.g. x.mp4 is the file of v03.mp4" in caplog.text
    assert copied.video_files == cal.video_files  # read back from the file


def test_an_older_calibration_file_without_file_identities_still_reads(tmp_path: Path) -> None:
    data, run, _ = _dataset(tmp_path)
    cal, _ = calibrate_run(data, run, "m", n_splits=2)
    doc = cal.to_dict()
    del doc["video_files"]
    old = Calibration.from_dict(doc)
    assert old.video_files == {} and old.video_folds == cal.video_folds


def test_fusion_scores_a_link_to_a_training_clip_with_its_folds_stack(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run, scores = _dataset(tmp_path, inputs=("a", "b"))
    model = train_fusion(data, run, ["a", "b"], tmp_path / "model", n_splits=2, inner_repeats=1).model
    os.symlink("v02.mp4", data / "videos" / "w.mp4")
    _add_video(data, run, "w.mp4", "v02.mp4", scores, VIDEOS)
    questions = [Question(PAN.question, PAN), Question(TILT.question, TILT)]
    pred = FusionPredictor(model=str(tmp_path / "model"), inputs_run=str(run))
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.fusion"):
        res = pred.predict(data / "videos" / "w.mp4", questions)
    own = pred.predict(data / "videos" / "v02.mp4", questions)
    fold = model.folds[model.video_folds["v02.mp4"]]
    assert fold.kind != "constant"
    s = [scores[(n, f"v02.mp4/{PAN.value}")] for n in ("a", "b")]
    assert model.full is not None and model.full.probability(PAN.value, s) != pytest.approx(
        fold.probability(PAN.value, s)
    )
    # old: the full stack, fitted on v02's labels; cross_fitted False
    assert res.scores[PAN.question] == pytest.approx(fold.probability(PAN.value, s))
    assert res.scores == own.scores
    assert res.info["cross_fitted"] and res.info["training_clip"] == "v02.mp4"
    assert "w.mp4" in caplog.text and "is the file of v02.mp4" in caplog.text
    assert set(model.video_files) == set(VIDEOS)
    assert FusionModel.load(tmp_path / "model").video_files == model.video_files


def test_fusion_model_files_without_file_identities_read_and_digest_alike(tmp_path: Path) -> None:
    import json

    data, run, _ = _dataset(tmp_path, inputs=("a", "b"))
    train_fusion(data, run, ["a", "b"], tmp_path / "model", n_splits=2, inner_repeats=1)
    path = tmp_path / "model" / "fusion.json"
    digest = model_digest(tmp_path / "model")
    doc = json.loads(path.read_text())
    del doc["video_files"]
    path.write_text(json.dumps(doc))
    assert FusionModel.load(tmp_path / "model").video_files == {}
    assert model_digest(tmp_path / "model") == digest  # the machine's inode numbers are not the model
