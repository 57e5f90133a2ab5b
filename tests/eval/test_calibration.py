"""Calibration: maps against scikit-learn's own, cross-fitting out of fold, JSON round trip, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression

from camerabench.cli import main
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.calibration import (
    POOLED,
    CalibrationMap,
    calibrate_run,
    calibrated_run,
    fit_calibration,
    read_calibration,
    video_folds,
)
from camerabench.eval.evaluate import evaluate
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PRIMS = (Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ZOOM_IN)


class _ScoreAsDecision(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose decision function is the first feature (the score to calibrate)."""

    def fit(self, x: Any, y: Any) -> _ScoreAsDecision:
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, x: Any) -> Any:
        return np.asarray(x)[:, 0]

    def predict(self, x: Any) -> Any:
        return (self.decision_function(x) > 0).astype(int)


def _reference(method: str, scores: np.ndarray, labels: np.ndarray, query: np.ndarray) -> np.ndarray:
    est = _ScoreAsDecision().fit(scores[:, None], labels)
    cal = CalibratedClassifierCV(FrozenEstimator(est), method=method).fit(scores[:, None], labels.astype(int))
    return np.asarray(cal.predict_proba(query[:, None])[:, 1])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("scale", [0.01, 1.0, 90.0])
def test_platt_matches_sklearn_sigmoid_calibration(seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.random(80) < 0.3
    scores = scale * (rng.normal(size=80) + 1.5 * labels)
    query = np.linspace(scores.min() - scale, scores.max() + scale, 50)
    ours = CalibrationMap.fit("platt", scores, labels).apply(query)
    np.testing.assert_allclose(ours, _reference("sigmoid", scores, labels, query), atol=2e-4)


def test_platt_stays_finite_on_separable_scores() -> None:
    scores = np.r_[np.arange(10.0), 20 + np.arange(10.0)]
    labels = scores > 15
    m = CalibrationMap.fit("platt", scores, labels)
    p = m.apply(scores)
    assert math.isfinite(m.params["a"]) and p.min() > 0 and p.max() < 1
    np.testing.assert_allclose(p, _reference("sigmoid", scores, labels, scores), atol=2e-4)


@pytest.mark.parametrize("seed", range(5))
def test_isotonic_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.random(60) < 0.4
    scores = rng.normal(size=60) + labels
    query = np.linspace(-4, 5, 91)
    ours = CalibrationMap.fit("isotonic", scores, labels).apply(query)
    iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(scores, labels.astype(float))
    np.testing.assert_allclose(ours, iso.predict(query), atol=1e-12)
    np.testing.assert_allclose(ours, _reference("isotonic", scores, labels, query), atol=1e-12)


def test_isotonic_is_exact_on_monotone_data() -> None:
    scores = np.arange(10.0)
    labels = scores >= 6
    np.testing.assert_array_equal(CalibrationMap.fit("isotonic", scores, labels).apply(scores), labels.astype(float))


def test_video_folds_group_by_video() -> None:
    folds = video_folds([f"v{i}.mp4" for i in range(12)] * 3, 5)
    assert len(folds) == 12 and sorted(set(folds.values())) == [0, 1, 2, 3, 4]


def _samples(seed: int, n_videos: int = 40) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    videos = [f"v{i:02d}.mp4" for i in range(n_videos)]
    out = {}
    for k, prim in enumerate(PRIMS):
        labels = rng.random(n_videos) < 0.35
        scores = rng.normal(size=n_videos) + (k + 1) * labels  # informative, differently per primitive
        out[prim.value] = (labels, scores, list(videos))
    return out


def test_cross_fitting_is_out_of_fold() -> None:
    """A video's cross-fitted probability does not depend on its own label (in-fold fitting would)."""
    samples = _samples(0)
    name = PRIMS[2].value
    per, folds = fit_calibration(samples)
    labels, scores, videos = samples[name]
    flipped = {**samples, name: (labels.copy(), scores, videos)}
    i = int(np.argmax(scores * ~labels))  # the highest-scored negative: flipping it moves any in-fold fit
    flipped[name][0][i] = True
    per2, folds2 = fit_calibration(flipped)
    assert folds == folds2
    f = folds[videos[i]]
    p_out = per[name].folds[f].apply([scores[i]])[0]
    p_out2 = per2[name].folds[f].apply([scores[i]])[0]
    assert p_out == pytest.approx(p_out2, abs=1e-9)
    p_in = per[name].full.apply([scores[i]])[0]
    p_in2 = per2[name].full.apply([scores[i]])[0]
    assert abs(p_in2 - p_in) > 1e-3


def test_undefined_primitive_warns_and_falls_back_to_pooled() -> None:
    samples = _samples(1)
    labels, scores, videos = samples[PRIMS[0].value]
    samples[PRIMS[0].value] = (np.zeros_like(labels), scores, videos)
    with pytest.warns(UndefinedMetricWarning, match="one class only"):
        per, _ = fit_calibration(samples)
    assert per[PRIMS[0].value].kind == "undefined" and per[POOLED].kind in ("platt", "isotonic")


def _write_dataset(root: Path, samples: dict[str, Any], method: str = "m") -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    records = []
    for name, (labels, scores, videos) in samples.items():
        prim = Primitive.from_name(name)
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [
                BinaryRecord(v, prim.question, "Yes" if y else "No", prim.task, prim.label_name)
                for v, y in zip(videos, labels, strict=True)
            ],
        )
        records += [
            ScoreRecord(v, prim.question, method, float(s), primitive=name) for v, s in zip(videos, scores, strict=True)
        ]
    (data / "videos").mkdir(parents=True)
    for v in samples[PRIMS[0].value][2]:
        (data / "videos" / v).write_bytes(b"")
    write_scores(MethodFolder.of(run, method).scores, records)
    return data, run


def test_json_round_trip_and_evaluation(tmp_path: Path) -> None:
    data, run = _write_dataset(tmp_path, _samples(2))
    cal, path = calibrate_run(data, run, "m")
    back = read_calibration(path)
    assert back.to_dict() == json.loads(path.read_text())
    method = read_method(run / "m")
    a, b = calibrated_run(method, cal, data), calibrated_run(method, back, data)
    assert a.cross_fit and a.run.scores == b.run.scores
    result = evaluate(data, run, n_bootstrap=10).result.methods["m"].calibration
    assert result is not None and result.source == "cross-fitted" and result.samples == 3 * 40
    assert 0 <= result.ece <= 1 and 0 <= result.brier <= 1
    assert sum(result.reliability.counts) == result.samples


def test_cli_calibrate_and_apply_to_other_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, run = _write_dataset(tmp_path / "a", _samples(3))
    data2, run2 = _write_dataset(tmp_path / "b", _samples(4))
    assert main(["calibrate", "--data", str(data), "--run", str(run), "--method", "m"]) == 0
    assert "calibrated m" in capsys.readouterr().out
    assert main(["calibrate", "--data", str(data2), "--run", str(run2), "--method", "m", "--from", str(run)]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data2), "--run", str(run2), "--json", "--bootstrap", "10"]) == 0
    doc = json.loads(capsys.readouterr().out)["methods"]["m"]["calibration"]
    assert doc["source"] == "fitted on other data"
    assert doc["fitted_on_data"] == str(data.resolve())
    assert doc["copied_from"] == str((run / "m" / "calibration.json").resolve())
    assert main(["calibrate", "--data", str(data2), "--run", str(run2), "--method", "nope"]) == 1
