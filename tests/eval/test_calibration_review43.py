"""Review of the calibration and fusion fingerprints (commit db92e42).

- the fitting dataset's folder regenerated in place (another synthetic seed, same names and
  labels) still had every video held out: the ``same_dataset`` shortcut of ``held_out_videos``
  never compared the files, so its other clips got fold maps (fusion: fold stacks), not the full
  ones;
- which clip a run scored is the file its run.json recorded, not the file now: the fitting run
  itself, or a run that scored the fitted clips, keeps its held-out maps after the dataset is
  regenerated;
- copies (``cp -r``, symlinked videos, a relative ``--data``) are still recognised, and every
  calibration.json ``calibrate`` writes loads again (``_check_primitive_folds``).
"""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.fusion import FusionPredictor, train_fusion
from camerabench.crossfit import content_prints, held_out_videos
from camerabench.dataset import Question
from camerabench.eval.calibration import CalibratedRun, calibrate_run, calibrated_run, read_calibration
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.runfolder import MethodFolder, read_method, video_fingerprint
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]
PAN_Y = [True, False, True, False, False, True, False, True]
TILT_Y = [False, True, True, False, True, False, False, True]


def _labels() -> dict[Primitive, dict[str, bool]]:
    return {PAN: dict(zip(VIDEOS, PAN_Y, strict=True)), TILT: dict(zip(VIDEOS, TILT_Y, strict=True))}


def _dataset(data: Path, labels: dict[Primitive, dict[str, bool]], content: str) -> None:
    for prim, y in labels.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in y.items()],
        )
    _clips(data, content, sorted({v for y in labels.values() for v in y}))


def _clips(data: Path, content: str, videos: list[str]) -> None:
    (data / "videos").mkdir(parents=True, exist_ok=True)
    for v in videos:
        (data / "videos" / v).write_bytes(f"{content}:{v}".encode())


def _run(run: Path, labels: dict[Primitive, dict[str, bool]], seed: int, data: Path | None = None) -> None:
    """Scores of method m (label + noise); with ``data``, a run.json recording its files' fingerprints."""
    rng = np.random.default_rng(seed)
    recs = [
        ScoreRecord(v, prim.question, "m", float(2.0 * t + rng.normal()), primitive=prim.value)
        for prim, y in labels.items()
        for v, t in y.items()
    ]
    folder = MethodFolder.of(run, "m")
    write_scores(folder.scores, recs)
    if data is not None:
        prints = {v: video_fingerprint(data / "videos" / v) for v in VIDEOS}
        write_run_info(folder.info("predict"), RunInfo("m", video_sha256={k: p for k, p in prints.items() if p}))


def _calibrated(run: Path, data: Path) -> tuple[CalibratedRun, dict[tuple[str, str], float]]:
    cal = read_calibration(MethodFolder.of(run, "m").calibration)
    out = calibrated_run(read_method(MethodFolder.of(run, "m").path), cal, data)
    return out, {k: float(r.score or 0.0) for k, r in (out.run.scores or {}).items()}


def _full_map_scores(run: Path) -> dict[tuple[str, str], float]:
    """P(yes) of each score by its primitive's full map: the independent reference."""
    cal = read_calibration(MethodFolder.of(run, "m").calibration)
    out = {}
    for (video, question), rec in (read_method(MethodFolder.of(run, "m").path).scores or {}).items():
        prim = Primitive.from_question(question)
        assert prim is not None
        full = cal.per_primitive[prim.value].full
        assert full is not None
        out[video, question] = float(full.apply([float(rec.score or 0.0)])[0])
    return out


# --------------------------------------------------------------------------- held_out_videos, same folder


def test_same_folder_holds_out_only_the_fitted_clips() -> None:
    folds = {"a": 0, "b": 1, "c": 0}
    fitted = {"a": "f1", "b": "f2", "c": "f3"}
    assert held_out_videos(folds, {}, True, {}) == {"a", "b", "c"}  # no prints: as before
    assert held_out_videos(folds, {}, True, {}, fitted, {"a": "f1", "b": "f2"}) == {"a", "b", "c"}
    assert held_out_videos(folds, {}, True, {}, fitted, {"a": "x", "b": "f2", "c": "y"}) == {"b"}


# --------------------------------------------------------------------------- calibration


def test_calibration_on_a_dataset_regenerated_in_place_gives_the_full_maps(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, r1, r2 = tmp_path / "data", tmp_path / "r1", tmp_path / "r2"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    calibrate_run(data, r1, "m", n_splits=3)
    _clips(data, "seed2", VIDEOS)  # regenerated in place: same names and labels, other clips
    _run(r2, _labels(), 1)
    calibrate_run(data, r2, "m", copy_from=r1)
    with caplog.at_level(logging.WARNING):
        out, got = _calibrated(r2, data)
    assert out.source == "fitted on other data"  # was "cross-fitted" (fold maps)
    assert got == pytest.approx(_full_map_scores(r2))
    assert f"8 videos of {data}, the dataset its calibration was fitted on, are other clips" in caplog.text


def test_the_fitting_run_stays_cross_fitted_after_its_dataset_is_regenerated(tmp_path: Path) -> None:
    data, r1 = tmp_path / "data", tmp_path / "r1"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    calibrate_run(data, r1, "m", n_splits=3)
    _clips(data, "seed2", VIDEOS)
    out, got = _calibrated(r1, data)  # its scores are of the clips fitted on: the full maps saw them
    assert out.source == "cross-fitted"
    assert got != pytest.approx(_full_map_scores(r1))


def test_a_run_that_scored_the_fitted_clips_is_held_out_by_its_run_json(tmp_path: Path) -> None:
    data, r1, r2 = tmp_path / "data", tmp_path / "r1", tmp_path / "r2"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    _run(r2, _labels(), 1, data=data)  # scored the clips fitted on (run.json records them)
    calibrate_run(data, r1, "m", n_splits=3)
    calibrate_run(data, r2, "m", copy_from=r1)
    _clips(data, "seed2", VIDEOS)  # regenerated after r2 ran
    out, _ = _calibrated(r2, data)
    assert out.source == "cross-fitted"
    other = Path(shutil.copytree(data, tmp_path / "elsewhere"))  # also on another folder
    out, _ = _calibrated(r2, other)
    assert out.source == "cross-fitted"


@pytest.mark.parametrize("how", ["copytree", "symlinked videos", "relative data"])
def test_a_copy_of_the_fitting_dataset_stays_cross_fitted(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, r1 = tmp_path / "data", tmp_path / "r1"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    if how == "relative data":  # fingerprints taken of data/videos relative to the working folder
        monkeypatch.chdir(tmp_path)
        calibrate_run(Path("data"), r1, "m", n_splits=3)
        monkeypatch.chdir(tmp_path / "r1")
    else:
        calibrate_run(data, r1, "m", n_splits=3)
    assert read_calibration(MethodFolder.of(r1, "m").calibration).video_prints == content_prints(
        {v: data / "videos" / v for v in VIDEOS}
    )
    copy = tmp_path / "copy"
    if how == "symlinked videos":
        shutil.copytree(data / "labels", copy / "labels")
        (copy / "videos").mkdir()
        for v in VIDEOS:
            os.symlink(data / "videos" / v, copy / "videos" / v)
    else:
        shutil.copytree(data, copy)
    out, _ = _calibrated(r1, copy)
    assert out.source == "cross-fitted"


def _calibrated_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(a run calibrated on ``tmp_path/data``, a copy of that dataset)."""
    data, r1 = tmp_path / "data", tmp_path / "r1"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    calibrate_run(data, r1, "m", n_splits=3)
    return r1, Path(shutil.copytree(data, tmp_path / "copy"))


def test_a_copy_with_unreadable_or_missing_videos_matches_by_labels(tmp_path: Path) -> None:
    r1, copy = _calibrated_copy(tmp_path)
    (copy / "videos" / VIDEOS[0]).unlink()
    os.mkfifo(copy / "videos" / VIDEOS[0])  # not a regular file: no fingerprint, no hang
    (copy / "videos" / VIDEOS[1]).unlink()
    out, _ = _calibrated(r1, copy)
    assert out.source == "cross-fitted"


# --------------------------------------------------------------------------- a copy whose labels were corrected


def test_a_copy_holding_the_fitted_files_is_held_out_whatever_its_labels() -> None:
    # red team R53: with half the labels corrected the label vote tied and no video was held out,
    # so the full model scored the very clips it was fitted on (a.mp4 and d.mp4 even unchanged)
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0, "d.mp4": 1}
    fitted = {"a.mp4": "L1", "b.mp4": "L2", "c.mp4": "L3", "d.mp4": "L4"}
    prints = {"a.mp4": "P1", "b.mp4": "P2", "c.mp4": "P3", "d.mp4": "P4"}
    relabelled = {"a.mp4": "L1", "b.mp4": "X2", "c.mp4": "X3", "d.mp4": "L4"}
    assert held_out_videos(folds, fitted, False, relabelled, prints, prints) == set(folds)
    assert held_out_videos(folds, fitted, False, {v: "X" for v in folds}, prints, prints) == set(folds)
    # one file replaced: that one only is another clip; without fingerprints the label vote decides
    assert held_out_videos(folds, fitted, False, relabelled, prints, prints | {"b.mp4": "Q"}) == {
        "a.mp4",
        "c.mp4",
        "d.mp4",
    }
    assert held_out_videos(folds, fitted, False, relabelled | {"c.mp4": "L3"}) == {"a.mp4", "c.mp4", "d.mp4"}
    assert held_out_videos(folds, fitted, False, relabelled) == set()  # 2 against 2: cannot tell
    # another dataset reusing the names, its files other clips: none, whatever labels match by chance
    others = {v: "Z" + p for v, p in prints.items()}
    assert held_out_videos(folds, fitted, False, fitted, prints, others) == set()


def test_a_copy_of_the_fitting_dataset_with_corrected_labels_stays_cross_fitted(tmp_path: Path) -> None:
    r1, copy = _calibrated_copy(tmp_path)
    corrected = _labels()
    for v in VIDEOS[:5]:  # most of the videos relabelled: the label vote alone calls it another dataset
        corrected[PAN][v] = not corrected[PAN][v]
    for prim, y in corrected.items():
        write_binary_file(
            copy / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in y.items()],
        )
    out, _ = _calibrated(r1, copy)
    assert out.source == "cross-fitted"  # was "fitted on other data": the full maps on their own clips


def test_a_copy_whose_clips_were_renamed_stays_cross_fitted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # red team R57: byte-identical copies under new names (cp v00.mp4 clip_v00.mp4) are no links
    # and carry no training name: the full maps, which saw their labels, scored them
    data, r1 = tmp_path / "data", tmp_path / "r1"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    calibrate_run(data, r1, "m", n_splits=3)
    copy, r2 = tmp_path / "copy", tmp_path / "r2"
    renamed = {v: "clip_" + v for v in VIDEOS}
    (copy / "videos").mkdir(parents=True)
    for v, w in renamed.items():
        shutil.copyfile(data / "videos" / v, copy / "videos" / w)
    labels = {prim: {renamed[v]: t for v, t in y.items()} for prim, y in _labels().items()}
    for prim, y in labels.items():
        write_binary_file(
            copy / "labels" / "binary_classification" / prim.file, [BinaryRecord.make(v, prim, t) for v, t in y.items()]
        )
    _run(r2, labels, 0)  # the same scores, of the same clips under their new names
    shutil.copy(MethodFolder.of(r1, "m").calibration, MethodFolder.of(r2, "m").calibration)
    with caplog.at_level(logging.WARNING):
        out, got = _calibrated(r2, copy)
    _, home = _calibrated(r1, data)
    assert out.source == "cross-fitted"  # was "fitted on other data"
    assert got == {(renamed[v], q): p for (v, q), p in home.items()}  # each clip's held-out map, as at home
    assert "are files of clips the calibration was fitted on (links or copies under other names" in caplog.text


# --------------------------------------------------------------------------- every file calibrate writes loads


@pytest.mark.parametrize("seed", range(12))
def test_every_calibration_calibrate_writes_loads_again(seed: int, tmp_path: Path) -> None:
    """Few samples per primitive, one class in some folds, a primitive in one fold, up to leave-one-out:
    read_calibration loads each file calibrate wrote (no 'has no map of fold')."""
    rng = np.random.default_rng(seed)
    videos = VIDEOS[: int(rng.integers(2, 9))]
    labels: dict[Primitive, dict[str, bool]] = {PAN: {videos[0]: True, videos[1]: False}}  # both classes pooled
    for prim in (PAN, TILT, Primitive.ZOOM_IN):
        chosen = [v for v in videos if rng.random() < 0.5] or videos[:1]
        labels[prim] = {**labels.get(prim, {}), **{v: bool(rng.random() < 0.5) for v in chosen}}
    data, run = tmp_path / "data", tmp_path / "run"
    _dataset(data, labels, "c")
    _run(run, labels, seed)
    n_splits = int(rng.integers(2, 10))  # up to leave-one-out and past it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one-class primitives are undefined, by design
        cal, path = calibrate_run(data, run, "m", n_splits=n_splits)
        loaded = read_calibration(path)
    assert loaded.to_dict() == cal.to_dict()


# --------------------------------------------------------------------------- fusion


def _predict_cross_fitted(model: Path, run: Path, data: Path, video: str) -> bool:
    predictor = FusionPredictor({"model": str(model), "inputs_run": str(run)})
    predictor.setup()
    result = predictor.predict(data / "videos" / video, [Question(PAN.question, PAN)])
    return bool(result.info["cross_fitted"])


def test_fusion_on_its_dataset_regenerated_in_place_gives_the_full_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, r1, r2, model = tmp_path / "data", tmp_path / "r1", tmp_path / "r2", tmp_path / "model"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0)
    train_fusion(data, r1, ["m"], model, n_splits=3, inner_repeats=1)
    assert _predict_cross_fitted(model, r1, data, VIDEOS[0])  # the training dataset itself
    _clips(data, "seed2", VIDEOS)
    _run(r2, _labels(), 1, data=data)  # inputs scored on the regenerated clips
    with caplog.at_level(logging.WARNING):
        assert not _predict_cross_fitted(model, r2, data, VIDEOS[0])  # was True
    assert "are other clips than those trained on" in caplog.text


def test_fusion_inputs_that_scored_the_training_clips_stay_held_out(tmp_path: Path) -> None:
    data, r1, model = tmp_path / "data", tmp_path / "r1", tmp_path / "model"
    _dataset(data, _labels(), "seed1")
    _run(r1, _labels(), 0, data=data)
    train_fusion(data, r1, ["m"], model, n_splits=3, inner_repeats=1)
    _clips(data, "seed2", VIDEOS)  # regenerated after the input ran: its scores are of the training clips
    assert _predict_cross_fitted(model, r1, data, VIDEOS[0])
