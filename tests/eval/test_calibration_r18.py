"""Red team R18: score calibration and fusion.

- isotonic maps over thresholds spanning the float range gave NaN (their width overflowed), and
  ``calibrate`` on such scores ended in sklearn's "Input contains NaN" traceback;
- a dataset of other clips under the training videos' names and labels (another synthetic seed)
  was taken for a copy of the fitting dataset: its videos got fold maps (fusion: fold stacks),
  and fusion's warning counted training videos the dataset does not hold;
- ``train --method fusion`` replaced an existing model without a word;
- a per-primitive fold map deleted from calibration.json was accepted (pooled map instead);
- the count of scores calibrated by the pooled map included records of no binary sample;
- Platt's fit stopped short of its optimum (scikit-learn's default tolerance);
- ``--folds 1`` passed argparse, ``--from RUN/method`` was looked for as RUN/method/method/...,
  unreadable labels made fusion fall back to its full model without a word.

Each test of a fix fails on the code before it.
"""

from __future__ import annotations

import json
import logging
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import minimize

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, FusionPredictor, train_fusion
from camerabench.cli import main
from camerabench.crossfit import video_folds
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.calibration import (
    POOLED,
    CalibrationMap,
    calibrate_run,
    calibrated_run,
    calibration_section,
    read_calibration,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(8)]
PAN_Y = [True, False, True, False, False, True, False, True]
TILT_Y = [False, True, True, False, True, False, False, True]


def _write(
    root: Path,
    labels: dict[Primitive, dict[str, bool]],
    seed: int = 0,
    content: str = "clip",
    scores: dict[tuple[str, Primitive], float] | None = None,
    extra: list[ScoreRecord] | None = None,
) -> tuple[Path, Path]:
    """A dataset (labels of each primitive on the given videos, each video's file ``content`` +
    its name) and a run of method m scoring them (label + noise, or ``scores``)."""
    rng = np.random.default_rng(seed)
    data, run = root / "data", root / "run"
    recs = list(extra or [])
    names: set[str] = set()
    for prim, y in labels.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in y.items()],
        )
        for v, t in y.items():
            s = scores[v, prim] if scores is not None else float(2.0 * t + rng.normal())
            recs.append(ScoreRecord(v, prim.question, "m", s, primitive=prim.value))
        names |= set(y)
    (data / "videos").mkdir(parents=True)
    for v in sorted(names | {r.video for r in recs}):
        (data / "videos" / v).write_bytes(f"{content}:{v}".encode())
    write_scores(MethodFolder.of(run, "m").scores, recs)
    return data, run


def _both() -> dict[Primitive, dict[str, bool]]:
    return {PAN: dict(zip(VIDEOS, PAN_Y, strict=True)), TILT: dict(zip(VIDEOS, TILT_Y, strict=True))}


# --------------------------------------------------------------------------- 1. interpolation at the float limits


def test_isotonic_apply_matches_np_interp_on_ordinary_thresholds() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = np.sort(rng.normal(size=7) * 10.0)
        x[3] = x[2]  # a repeated threshold (a step)
        y = np.sort(rng.uniform(size=7))
        s = np.concatenate([rng.normal(size=50) * 15.0, x])
        got = CalibrationMap("isotonic", {"x": x.tolist(), "y": y.tolist()}).apply(s)
        ref = np.interp(s, x, y)
        off_step = s != x[2]  # at a repeated threshold np.interp takes either side's value
        np.testing.assert_allclose(got[off_step], ref[off_step], rtol=1e-12, atol=1e-15)


def _exact(s: float, x: list[float], y: list[float]) -> float:
    """Linear interpolation in exact rational arithmetic (one segment)."""
    fx = [Fraction(v) for v in x]
    frac = (Fraction(s) - fx[0]) / (fx[1] - fx[0])
    return float(Fraction(y[0]) + frac * (Fraction(y[1]) - Fraction(y[0])))


@pytest.mark.parametrize(
    ("x", "s"),
    [
        ([-1.7e308, 1.7e308], [0.0, 1e308, -1e308, 1.7e308, -1.7e308, 1.6e308]),
        ([-1e300, 1.7e308], [0.0, 1e308, -1e300]),
        ([0.0, 1e-323], [5e-324, 0.0, 1e-323]),  # subnormal thresholds keep their exact differences
    ],
)
def test_isotonic_apply_at_the_float_limits_is_exact(x: list[float], s: list[float]) -> None:
    y = [0.0, 1.0]
    got = CalibrationMap("isotonic", {"x": x, "y": y}).apply(s)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, [_exact(v, x, y) for v in s], rtol=1e-12, atol=1e-15)


def test_calibrate_on_scores_near_the_float_limit_fits_finite_maps(tmp_path: Path) -> None:
    values = [1e300, -1e300, 1.7e308, -1.7e308, 0.0]
    y = _both()
    scores = {(v, p): values[(i + 2 * j) % 5] for j, p in enumerate(y) for i, v in enumerate(VIDEOS)}
    data, run = _write(tmp_path, y, scores=scores)
    _, path = calibrate_run(data, run, "m", n_splits=3)  # was ValueError: Input contains NaN
    cal = read_calibration(path)
    for key, prim in cal.per_primitive.items():
        maps = [m for m in [prim.full, *prim.folds.values()] if m is not None]
        for m in maps:
            p = m.apply(values)
            assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all(), (key, m)


# --------------------------------------------------------------------------- 2. another seed is not a copy


@pytest.fixture
def two_seeds(tmp_path: Path) -> dict[str, Path]:
    """D1 (fitted on) and D2: the same names and labels, other clips (files) and scores."""
    d1, r1 = _write(tmp_path / "one", _both(), seed=0, content="seed1")
    d2, r2 = _write(tmp_path / "two", _both(), seed=1, content="seed2")
    return {"d1": d1, "r1": r1, "d2": d2, "r2": r2}


def _probabilities(data: Path, run: Path, caplog: pytest.LogCaptureFixture) -> tuple[Any, dict[str, float]]:
    cal = read_calibration(MethodFolder.of(run, "m").calibration)
    with caplog.at_level(logging.WARNING):
        out = calibrated_run(read_method(MethodFolder.of(run, "m").path), cal, data)
    return out, {f"{k[0]}|{k[1]}": r.score for k, r in (out.run.scores or {}).items()}


def test_a_dataset_of_other_clips_under_the_same_names_and_labels_gets_the_full_maps(
    two_seeds: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    calibrate_run(two_seeds["d1"], two_seeds["r1"], "m", n_splits=3)
    calibrate_run(two_seeds["d2"], two_seeds["r2"], "m", copy_from=two_seeds["r1"])
    out, got = _probabilities(two_seeds["d2"], two_seeds["r2"], caplog)
    assert out.source == "fitted on other data"  # was "cross-fitted"
    assert "videos the calibration was fitted on" not in caplog.text
    cal = out.calibration
    raw = read_method(MethodFolder.of(two_seeds["r2"], "m").path).scores or {}
    for (video, question), rec in raw.items():
        prim = Primitive.from_question(question)
        assert prim is not None
        m = cal.per_primitive[prim.value].full
        assert m is not None
        assert got[f"{video}|{question}"] == pytest.approx(float(m.apply([float(rec.score or 0.0)])[0]))


def test_a_byte_identical_copy_of_the_fitting_dataset_stays_cross_fitted(
    two_seeds: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calibrate_run(two_seeds["d1"], two_seeds["r1"], "m", n_splits=3)
    copy = Path(shutil.copytree(two_seeds["d1"], tmp_path / "copy"))
    out, _ = _probabilities(copy, two_seeds["r1"], caplog)
    assert out.source == "cross-fitted"
    assert "8 of the videos scored on" in caplog.text and "their files have the contents fitted on" in caplog.text


def test_an_older_calibration_without_fingerprints_matches_by_name_and_labels_with_a_warning(
    two_seeds: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    _, path = calibrate_run(two_seeds["d1"], two_seeds["r1"], "m", n_splits=3)
    obj = json.loads(path.read_text())
    del obj["video_prints"]
    old = MethodFolder.of(two_seeds["r2"], "m").calibration
    old.write_text(json.dumps(obj))
    out, _ = _probabilities(two_seeds["d2"], two_seeds["r2"], caplog)
    assert out.source == "cross-fitted"  # today's behaviour, said
    assert "8 of them matched by name and labels only" in caplog.text
    assert "records no content fingerprints" in caplog.text


def _fusion_model(two_seeds: dict[str, Path], tmp_path: Path) -> Path:
    model = tmp_path / "model"
    train_fusion(two_seeds["d1"], two_seeds["r1"], ["m"], model, n_splits=3, inner_repeats=1)
    return model


def _cross_fitted(model: Path, data: Path, run: Path, video: str) -> bool:
    predictor = FusionPredictor({"model": str(model), "inputs_run": str(run)})
    predictor.setup()
    result = predictor.predict(data / "videos" / video, [Question(PAN.question, PAN)])
    return bool(result.info["cross_fitted"])


def test_fusion_gives_other_clips_under_the_training_names_the_full_model(
    two_seeds: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _fusion_model(two_seeds, tmp_path)
    with caplog.at_level(logging.WARNING):
        assert not _cross_fitted(model, two_seeds["d2"], two_seeds["r2"], VIDEOS[0])  # was True
    assert "videos the model was trained on" not in caplog.text


def test_fusion_counts_the_training_videos_a_copy_holds(
    two_seeds: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _fusion_model(two_seeds, tmp_path)
    part = Path(shutil.copytree(two_seeds["d1"], tmp_path / "part"))
    kept = VIDEOS[:6]
    for prim, y in _both().items():  # the copy lacks two of the training videos
        write_binary_file(
            part / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in y.items() if v in kept],
        )
    for v in VIDEOS[6:]:
        (part / "videos" / v).unlink()
    with caplog.at_level(logging.WARNING):
        assert _cross_fitted(model, part, two_seeds["r1"], VIDEOS[0])
    assert f"fusion: {len(kept)} videos of {part} are videos the model was trained on" in caplog.text  # was 8


def test_fusion_model_records_content_fingerprints_outside_its_digest(
    two_seeds: dict[str, Path], tmp_path: Path
) -> None:
    from camerabench.baselines.fusion import model_digest

    model = _fusion_model(two_seeds, tmp_path)
    loaded = FusionModel.load(model)
    assert sorted(loaded.video_prints) == VIDEOS
    digest = model_digest(model)
    obj = json.loads((model / FUSION_FILE).read_text())
    del obj["video_prints"]  # an older file: the same model
    (model / FUSION_FILE).write_text(json.dumps(obj))
    assert model_digest(model) == digest


def test_fusion_says_when_unreadable_labels_leave_a_dataset_unrecognised(
    two_seeds: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _fusion_model(two_seeds, tmp_path)
    copy = Path(shutil.copytree(two_seeds["d1"], tmp_path / "copy"))
    predictor = FusionPredictor({"model": str(model), "inputs_run": str(two_seeds["r1"])})
    predictor.setup()
    bad = copy / "labels" / "binary_classification" / TILT.file
    bad.write_text("{not json\n")
    loaded = FusionModel.load(model)
    with caplog.at_level(logging.WARNING):
        assert not predictor._cross_fit(loaded, VIDEOS[0], copy)
    assert f"the binary labels of {copy} cannot be read" in caplog.text and TILT.file in caplog.text


# --------------------------------------------------------------------------- 3. an existing fusion model


def test_train_fusion_refuses_an_existing_model_unless_overwrite(
    two_seeds: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = _fusion_model(two_seeds, tmp_path)
    before = (model / FUSION_FILE).read_bytes()
    argv = ["train", "--method", "fusion", "--data", str(two_seeds["d1"]), "--inputs", "m", "--out", str(model)]
    # refused before any work: the run named is not even read
    with caplog.at_level(logging.ERROR):
        assert main([*argv, "--run", str(tmp_path / "no-such-run")]) == 1
    assert "already holds a fusion model" in caplog.text and "--overwrite" in caplog.text
    assert (model / FUSION_FILE).read_bytes() == before
    with pytest.raises(CameraBenchError, match="already holds a fusion model"):
        train_fusion(two_seeds["d1"], two_seeds["r1"], ["m"], model, n_splits=3, inner_repeats=1)
    assert main([*argv, "--run", str(two_seeds["r1"]), "--folds", "2", "--overwrite"]) == 0
    assert FusionModel.load(model).video_folds != json.loads(before)["video_folds"]


# --------------------------------------------------------------------------- 4. a dropped per-primitive fold map


def _one_fold_pair(n_splits: int) -> tuple[str, str, int]:
    folds = video_folds(VIDEOS, n_splits)
    for fold in sorted(set(folds.values())):
        same = [v for v in VIDEOS if folds[v] == fold]
        if len(same) >= 2:
            return same[0], same[1], fold
    raise AssertionError("no fold of two videos")


def test_a_calibration_whose_primitive_lies_in_one_fold_round_trips(tmp_path: Path) -> None:
    a, b, fold = _one_fold_pair(3)
    labels = {PAN: {a: True, b: False}, TILT: dict(zip(VIDEOS, TILT_Y, strict=True))}
    data, run = _write(tmp_path, labels)
    cal, path = calibrate_run(data, run, "m", n_splits=3)
    assert fold not in cal.per_primitive[PAN.value].folds  # absent by calibrate's own account
    assert read_calibration(path).per_primitive[PAN.value].folds.keys() == cal.per_primitive[PAN.value].folds.keys()
    obj = json.loads(path.read_text())
    other = next(k for k in obj["per_primitive"][PAN.value]["folds"])
    del obj["per_primitive"][PAN.value]["folds"][other]  # a second fold gone: not calibrate's
    path.write_text(json.dumps(obj, indent=1))
    with pytest.raises(FileFormatError, match=rf"calibration.json.*{PAN.value} has no map of fold"):
        read_calibration(path)


def test_a_dropped_per_primitive_fold_map_is_refused(tmp_path: Path) -> None:
    data, run = _write(tmp_path, _both())
    _, path = calibrate_run(data, run, "m", n_splits=3)
    read_calibration(path)  # the file calibrate wrote
    obj = json.loads(path.read_text())
    del obj["per_primitive"][TILT.value]["folds"]["0"]
    path.write_text(json.dumps(obj, indent=1))
    with pytest.raises(FileFormatError, match=rf"calibration.json:\d+.*{TILT.value} has no map of fold 0"):
        read_calibration(path)


# --------------------------------------------------------------------------- 5. the pooled count


def test_the_pooled_count_is_of_labelled_binary_samples(tmp_path: Path) -> None:
    labels = {PAN: dict(zip(VIDEOS, PAN_Y, strict=True)), TILT: dict.fromkeys(VIDEOS, False)}
    vqa = [ScoreRecord(v, "Is the camera moving?", "m", 0.3) for v in VIDEOS]  # no primitive, no binary label
    unlabelled = [ScoreRecord("v99.mp4", TILT.question, "m", 0.1, primitive=TILT.value)]
    data, run = _write(tmp_path, labels, extra=[*vqa, *unlabelled])
    with pytest.warns(UndefinedMetricWarning, match="one class only"):
        cal, _ = calibrate_run(data, run, "m", n_splits=3)
    assert cal.per_primitive[TILT.value].full is None and cal.per_primitive[POOLED].full is not None
    method = read_method(MethodFolder.of(run, "m").path)
    out = calibrated_run(method, cal, data)
    section = calibration_section(Dataset(data), method, out)
    assert section is not None
    tilt_samples = len(labels[TILT])  # the labelled binary samples the pooled map calibrated
    assert out.pooled == section.pooled == tilt_samples  # was 8 + 8 VQA records + 1 unlabelled = 17
    assert section.pooled <= section.samples


# --------------------------------------------------------------------------- 6. Platt's fit converges


def test_platt_fit_reaches_the_optimum_of_its_objective() -> None:
    rng = np.random.default_rng(7)
    y = rng.uniform(size=200) < 0.4
    s = np.where(y, 0.02, -0.02) + rng.normal(scale=0.01, size=200)  # steep: a large slope
    m = CalibrationMap.fit("platt", s, y)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    t = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def objective(ab: np.ndarray) -> float:
        z = ab[0] * s + ab[1]
        return float(np.sum(t * np.logaddexp(0, -z) + (1 - t) * np.logaddexp(0, z)))

    res = minimize(objective, np.array([0.0, 0.0]), method="Nelder-Mead",
                   options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40_000, "maxfev": 40_000})  # fmt: skip
    res = minimize(objective, res.x, method="BFGS", options={"gtol": 1e-10})
    assert abs(m.params["a"]) > 100
    np.testing.assert_allclose([m.params["a"], m.params["b"]], res.x, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- 7. messages


@pytest.mark.parametrize("command", ["calibrate", "train"])
def test_one_fold_is_refused_by_argparse(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = {
        "calibrate": ["calibrate", "--data", str(tmp_path), "--run", str(tmp_path), "--method", "m"],
        "train": ["train", "--method", "fusion", "--data", str(tmp_path), "--out", str(tmp_path / "o")],
    }[command]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--folds", "1"])
    assert exc.value.code == 2 and "argument --folds: must be an integer >= 2" in capsys.readouterr().err


def test_from_a_method_folder_names_the_run_folder(two_seeds: dict[str, Path]) -> None:
    calibrate_run(two_seeds["d1"], two_seeds["r1"], "m", n_splits=3)
    method_folder = MethodFolder.of(two_seeds["r1"], "m").path
    with pytest.raises(CameraBenchError, match=rf"give the run folder {two_seeds['r1']}, not its method folder"):
        calibrate_run(two_seeds["d2"], two_seeds["r2"], "m", copy_from=method_folder)
