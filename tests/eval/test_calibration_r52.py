"""A hand-edited calibration.json that drops a map its own fields say was fitted, or puts a video
in a fold no map was fitted for, is refused naming the file, line and field (it was read: those
scores had no map at all, were counted as failed, and the Brier score, ECE and VQA accuracy
changed without an error). A map absent by the file's own account (samples of one class) is
still read, and the two warnings about scores without a map give counts that agree.

Each test of a fix fails on the code before it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.calibration import (
    POOLED,
    Calibration,
    calibrate_run,
    calibrated_run,
    calibration_samples,
    calibration_section,
    fit_calibration,
    read_calibration,
    write_calibration,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]
UNLABELLED = "v99.mp4"  # scored, but labelled for no primitive


def _write(root: Path, labels: dict[Primitive, list[bool]]) -> tuple[Path, Path]:
    """Labels of each primitive on VIDEOS, scores of method m on them and on UNLABELLED."""
    rng = np.random.default_rng(0)
    data, run = root / "data", root / "run"
    recs = []
    for prim, y in labels.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in zip(VIDEOS, y, strict=True)],
        )
        recs += [
            ScoreRecord(v, prim.question, "m", float(2.0 * t + rng.normal()), primitive=prim.value)
            for v, t in zip(VIDEOS, y, strict=True)
        ]
        recs.append(ScoreRecord(UNLABELLED, prim.question, "m", 0.5, primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in [*VIDEOS, UNLABELLED]:
        (data / "videos" / v).write_bytes(v.encode())
    write_scores(MethodFolder.of(run, "m").scores, recs)
    return data, run


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The calibration.json `calibrate` writes: PAN with both classes, TILT with one (no map)."""
    root = tmp_path_factory.mktemp("fit")
    pan = [True, False, True, False, False, True, False, True]
    data, run = _write(root, {PAN: pan, TILT: [False] * 8})
    with pytest.warns(UndefinedMetricWarning, match="one class only"):
        _, path = calibrate_run(data, run, "m", n_splits=3)
    obj: dict[str, Any] = json.loads(path.read_text())
    return obj


def _refused(tmp_path: Path, obj: dict[str, Any], member: str, message: str, nth: int = 0) -> None:
    """read_calibration refuses ``obj`` naming the file and the line of the ``nth`` ``member``."""
    text = json.dumps(obj, indent=2)
    path = tmp_path / "calibration.json"
    path.write_text(text)
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.lstrip().startswith(f'"{member}":')]
    with pytest.raises(FileFormatError, match=message) as err:
        read_calibration(path)
    assert str(err.value).startswith(f"{path}:{lines[nth]}: malformed calibration: ")


def test_the_file_calibrate_writes_is_read(fitted: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(fitted, indent=2))
    cal = read_calibration(path)
    assert cal.per_primitive[TILT.value].full is None and cal.per_primitive[POOLED].full is not None
    assert set(cal.video_folds.values()) == set(cal.per_primitive[POOLED].folds) == {0, 1, 2}


def test_a_missing_pooled_map_is_refused(fitted: dict[str, Any], tmp_path: Path) -> None:
    # old: read; TILT's scores (no map of their own) had no map at all and were counted as failed
    obj = json.loads(json.dumps(fitted))
    del obj["per_primitive"][POOLED]
    _refused(tmp_path, obj, "per_primitive", "per_primitive: has no 'pooled' entry")


def _drop(key: str, **counts: int) -> Callable[[dict[str, Any]], None]:
    """Drop the maps of per_primitive[key] (full and folds: fold maps without a full map were
    refused already), setting ``counts``."""

    def edit(obj: dict[str, Any]) -> None:
        obj["per_primitive"][key].update(full=None, folds={}, **counts)

    return edit


@pytest.mark.parametrize(
    ("edit", "member", "message", "nth"),
    [
        # the pooled map's counts say both classes: it was fitted, and its full map dropped
        (_drop(POOLED), "full", r"pooled has no map \(full is null\), but its 16 samples hold both classes", -1),
        # a primitive's map dropped the same way: its questions silently took the pooled map
        (_drop(PAN.value), "full", r"Pan_Left has no map \(full is null\), but its 8 samples", 0),
        # counts edited to one class so that a dropped map looks legitimate
        (_drop(POOLED, positives=0), "positives", r"pooled records 0 positives, fewer than .* together \(4\)", -1),
    ],
    ids=["pooled_full_null", "primitive_full_null", "pooled_counts"],
)
def test_a_dropped_map_the_counts_say_was_fitted_is_refused(
    fitted: dict[str, Any], tmp_path: Path, edit: Callable[[dict[str, Any]], None], member: str, message: str, nth: int
) -> None:
    obj = json.loads(json.dumps(fitted))
    edit(obj)
    _refused(tmp_path, obj, member, message, nth)


def test_a_video_in_a_fold_outside_the_models_folds_is_refused(fitted: dict[str, Any], tmp_path: Path) -> None:
    # old: read; the video's scores of TILT had no map (counted as failed), PAN's got the full map
    obj = json.loads(json.dumps(fitted))
    obj["video_folds"][VIDEOS[2]] = 7
    _refused(
        tmp_path,
        obj,
        VIDEOS[2],
        r"video_folds\.v02\.mp4: fold 7 of 'v02\.mp4' is outside the model's folds \(the folds of the pooled map: 0-2",
        -1,  # its entry in video_folds, the last object naming it
    )


def test_a_pooled_map_without_a_fold_is_refused(fitted: dict[str, Any], tmp_path: Path) -> None:
    obj = json.loads(json.dumps(fitted))
    del obj["per_primitive"][POOLED]["folds"]["1"]
    first = next(v for v, f in obj["video_folds"].items() if f == 1)
    _refused(tmp_path, obj, first, r"fold 1 of .* outside the model's folds \(the folds of the pooled map: 0, 2\)", -1)


def test_one_class_everywhere_is_read_and_both_warnings_count_alike(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No map at all, by the file's own account (every sample is No): read, and the scores
    without a map counted the same in both warnings (9 scored, 8 of them labelled)."""
    data, run = _write(tmp_path, {PAN: [False] * 8, TILT: [False] * 8})
    dataset = Dataset(data)
    method = read_method(run / "m")
    with pytest.warns(UndefinedMetricWarning, match="one class only"):
        per, folds = fit_calibration(calibration_samples(dataset, method), 4)
    assert per[POOLED].full is None and per[POOLED].samples == 16
    path = tmp_path / "calibration.json"
    write_calibration(path, Calibration("m", str(data.resolve()), str(run.resolve()), folds, per))
    cal = read_calibration(path)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        calibrated = calibrated_run(method, cal, data)
        # no calibrated sample left: no Brier score (the warning above says why)
        assert calibration_section(dataset, method, calibrated, path) is None
    assert calibrated.undefined == 18
    # old: "18 scores have no calibration map ...: counted as failed", where the calibration section
    # counts 16 (labelled binary samples only) without saying which these are
    assert "18 scores have no calibration map" in caplog.text
    assert "16 of them are labelled binary samples (left out of the Brier score and ECE), 2 are of a" in caplog.text
