"""Hostile-input sweep of fusion and calibration, eighth pass: questions a fusion model was not
trained on, a primitive a fold model never saw, fold counts out of range, scores at the ends of
the float range or closer together than 1e-15, MCQ indexes of thousands of digits, a NaN VQA
threshold.

Each test failed before its fix (except the argparse guards marked as such). Calibration maps are
checked against scikit-learn fitted on rescaled scores (both maps are invariant to rescaling).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, FusionPredictor, SharedStack
from camerabench.cli import main
from camerabench.crossfit import video_folds
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError
from camerabench.eval.calibration import CalibrationMap, fit_calibration
from camerabench.eval.mcq import mcq_section, whole_number
from camerabench.eval.vqa import vqa_scores
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import BinaryRecord, Primitive

from .test_calibration import _ScoreAsDecision

PAN, TILT, ZOOM = Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ZOOM_IN
VIDEOS = [f"v{i}.mp4" for i in range(4)]
OTHER_QUESTION = "Is the camera shaking?"


# --------------------------------------------------------------------------- fusion


def _stack(prims: list[str]) -> SharedStack:
    """A logistic stack over one input ``a``: P(yes) = sigmoid(asinh(score))."""
    return SharedStack("logistic", prims, [[[1.0, 0.0, 1.0]] for _ in prims], c=1.0, coef=[1.0, -1.0])


def _fusion_setup(root: Path, labelled: tuple[Primitive, ...], folds: dict[int, SharedStack] | None = None) -> Any:
    """Dataset (labels of ``labelled``), input ``a`` scoring Pan_Left, Tilt_Up, Zoom_In and a
    non-primitive question (score 100 + i), and a fusion model trained on Pan_Left and Tilt_Up."""
    data, run, model_dir = root / "data", root / "run", root / "model"
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")
    for prim in labelled:
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [
                BinaryRecord(v, prim.question, "Yes" if i % 2 else "No", prim.task, prim.label_name)
                for i, v in enumerate(VIDEOS)
            ],
        )
    recs = [
        ScoreRecord(v, p.question, "a", 100.0 + i, primitive=p.value)
        for p in (PAN, TILT, ZOOM)
        for i, v in enumerate(VIDEOS)
    ]
    recs += [ScoreRecord(v, OTHER_QUESTION, "a", 77.0) for v in VIDEOS]
    write_scores(MethodFolder.of(run, "a").scores, recs)
    trained = [PAN.value, TILT.value]
    model = FusionModel(
        inputs=["a"],
        trained_on_data=str(data.resolve()),
        trained_on_run=str(run.resolve()),
        video_folds={v: i % 2 for i, v in enumerate(VIDEOS)},
        primitives={p: {"samples": 4, "positives": 2} for p in trained},
        full=_stack(trained),
        folds=folds if folds is not None else {0: _stack(trained), 1: _stack(trained)},
    )
    model.save(model_dir)
    return data, run, model_dir


def test_fusion_gives_no_inputs_raw_score_for_an_untrained_primitive_or_question(tmp_path: Path) -> None:
    data, run, model_dir = _fusion_setup(tmp_path, (PAN, TILT))
    predictor = FusionPredictor(model=str(model_dir), inputs_run=str(run))
    questions = [Question(PAN.question, PAN), Question(ZOOM.question, ZOOM), Question(OTHER_QUESTION, None)]
    result = predictor.predict(data / "videos" / "v1.mp4", questions)
    # was: Zoom_In 101.0 and the other question 77.0, input a's raw scores under fusion's name
    assert set(result.scores) == {PAN.question}
    assert result.scores[PAN.question] == pytest.approx(1 / (1 + math.exp(-math.asinh(101.0))))
    model_file = str(model_dir / FUSION_FILE)
    assert (
        model_file in result.unanswerable[ZOOM.question] and "primitive Zoom_In" in result.unanswerable[ZOOM.question]
    )
    assert "not one of the 15 primitives" in result.unanswerable[OTHER_QUESTION]


def test_fusion_predict_warns_up_front_and_writes_no_score_of_an_untrained_primitive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run, model_dir = _fusion_setup(tmp_path, (PAN, ZOOM))
    with caplog.at_level(logging.WARNING):
        rc = main(["predict", "--data", str(data), "--method", "fusion", "--model", str(model_dir), "--out", str(run)])
    assert rc == 0
    assert f"{model_dir / FUSION_FILE}: the fusion model was not trained on primitives Zoom_In" in caplog.text
    rows = [json.loads(line) for line in (run / "fusion" / "scores.jsonl").read_text().splitlines()]
    assert {r["question"] for r in rows} == {PAN.question} and all(r["status"] == "ok" for r in rows)
    assert all(0.0 < r["score"] < 1.0 for r in rows)  # probabilities, not input a's 100 + i


def test_fusion_predict_on_a_dataset_asking_no_trained_primitive_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run, model_dir = _fusion_setup(tmp_path, (ZOOM,))
    rc = main(["predict", "--data", str(data), "--method", "fusion", "--model", str(model_dir), "--out", str(run)])
    assert rc == 1
    assert f"{model_dir / FUSION_FILE}: the fusion model was trained on Pan_Left, Tilt_Up only" in caplog.text
    assert "asks none of them (primitives Zoom_In)" in caplog.text
    assert not (run / "fusion" / "scores.jsonl").exists()


def test_a_training_video_whose_fold_model_never_saw_a_primitive_fails_that_question_only(tmp_path: Path) -> None:
    three = [PAN.value, TILT.value, ZOOM.value]
    data, run, model_dir = _fusion_setup(tmp_path, (PAN, TILT), folds={0: _stack(three), 1: _stack([PAN.value])})
    model = FusionModel.load(model_dir)
    model.primitives[ZOOM.value] = {"samples": 1, "positives": 1}
    model.full = _stack(three)
    model.save(model_dir)
    predictor = FusionPredictor(model=str(model_dir), inputs_run=str(run))
    questions = [Question(PAN.question, PAN), Question(ZOOM.question, ZOOM)]
    # v1 is in fold 1, whose model saw no Zoom_In sample: was a KeyError failing the whole video
    result = predictor.predict(data / "videos" / "v1.mp4", questions)
    assert set(result.scores) == {PAN.question} and not result.unanswerable
    assert result.info["no_held_out_model"] == [ZOOM.value] and result.info["cross_fitted"] is True
    assert set(predictor.predict(data / "videos" / "v0.mp4", questions).scores) == {PAN.question, ZOOM.question}


# --------------------------------------------------------------------------- folds


def _samples(n_videos: int) -> dict[str, Any]:
    videos = [f"v{i}.mp4" for i in range(n_videos)]
    labels = np.arange(n_videos) % 2 == 1
    return {PAN.value: (labels, np.arange(n_videos, dtype=float), videos)}


@pytest.mark.parametrize("folds", ["1e11", "0", "-3", "2.5", "nan"])
def test_calibrate_folds_that_are_no_positive_integer_stop_at_parsing(
    folds: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a guard: argparse already refused these (positive_int)
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--data", str(tmp_path), "--run", str(tmp_path), "--method", "m", "--folds", folds])
    assert (
        exc.value.code == 2
        and f"argument --folds: must be an integer >= 2 (cross-fitting needs 2 folds at least), got '{folds}'"
        in capsys.readouterr().err
    )


def test_more_folds_than_videos_warn_with_the_number_used(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _, folds = fit_calibration(_samples(4), 10**11)
    assert sorted(set(folds.values())) == [0, 1, 2, 3]  # one video per fold
    assert (
        "100000000000 folds asked (--folds) but the scored binary samples are of 4 videos: using 4 folds" in caplog.text
    )


@pytest.mark.parametrize("folds", [2.5, 1.0, True, 1, 0, -2])
def test_a_fold_count_that_is_no_integer_from_2_is_a_clear_error(folds: Any) -> None:
    # was: 2.5 -> scikit-learn's "number of folds must be of Integral type"; ValueError for 1
    with pytest.raises(CameraBenchError, match=r"2 folds|integer >= 2"):
        fit_calibration(_samples(4), folds)


def test_video_folds_refuses_a_non_integer_count() -> None:
    with pytest.raises(ValueError, match=r"n_splits must be an integer >= 1, got 2\.5"):
        video_folds(VIDEOS, 2.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- maps at the ends of the float range


def _sklearn_platt(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    est = _ScoreAsDecision().fit(scores[:, None], labels)
    cal = CalibratedClassifierCV(FrozenEstimator(est), method="sigmoid").fit(scores[:, None], labels.astype(int))
    return np.asarray(cal.predict_proba(scores[:, None])[:, 1])


def test_platt_on_scores_spanning_the_whole_float_range() -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(30) % 3 == 0
    base = np.where(labels, 0.5, -0.5) + 0.4 * rng.normal(size=30)  # median near -0.5, positives near +0.5
    base = base / np.abs(base).max()
    scores = base * 1.7e308  # deviations from the median overflowed to inf: sklearn's "Input X contains infinity"
    p = CalibrationMap.fit("platt", scores, labels).apply(scores)
    np.testing.assert_allclose(p, _sklearn_platt(base, labels), atol=2e-4)  # as test_calibration


def test_isotonic_keeps_scores_closer_than_1e15_apart() -> None:
    scores = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]) * 1e-20
    labels = np.array([0, 0, 1, 0, 1, 1, 1], dtype=bool)
    m = CalibrationMap.fit("isotonic", scores, labels)
    query = np.array([0.5, 1.5, 3.5, 4.5, 6.9, 9.0]) * 1e-20
    reference = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores * 1e20, labels)
    # was: one threshold (every score merged), P = 4/7 everywhere
    np.testing.assert_allclose(m.apply(query), reference.predict(query * 1e20), atol=1e-12)
    np.testing.assert_allclose(m.apply(scores), reference.predict(scores * 1e20), atol=1e-12)


# --------------------------------------------------------------------------- MCQ and VQA


def test_an_mcq_index_of_5000_digits_is_matched_not_a_crash() -> None:
    index = "0" + "9" * 5000
    row = MCQRow(index, "t", ("image",), ("i.jpg",), "q?", {"A": "Pan left", "B": "Tilt up"}, "A", "c", 2)
    answers = {(None, index[1:]): AnswerRecord(index[1:], "m", "A")}  # the same number without its leading 0
    assert whole_number(index) == whole_number(index[1:]) == 10**5000 - 1  # was: int()'s 4300-digit ValueError
    mcq = mcq_section([row], answers)
    assert mcq is not None and (mcq.rows, mcq.correct, mcq.missing) == (1, 1, 0)


def test_a_nan_yes_threshold_is_refused_not_every_answer_wrong() -> None:
    scores, ok = np.array([[0.9, 0.1, 0.8, 0.2]]), np.ones((1, 4), bool)
    assert vqa_scores(scores, ok, 0.5).group_acc == 1.0
    with pytest.raises(ValueError, match="yes threshold is NaN"):  # was: every accuracy 0.0
        vqa_scores(scores, ok, math.nan)


def test_calibrate_from_another_run_refuses_folds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """--folds with --from was ignored without a word (a copied calibration is not fitted)."""
    args = ["calibrate", "--data", str(tmp_path), "--run", str(tmp_path), "--method", "m", "--from", str(tmp_path)]
    with caplog.at_level(logging.ERROR):
        assert main([*args, "--folds", "3"]) == 1
    assert "--folds only applies when fitting" in caplog.text


def test_scores_near_the_smallest_float_leave_platt_out_of_the_choice(caplog: pytest.LogCaptureFixture) -> None:
    """Scores of ~1e-323 need a Platt slope past 1e308: that aborted calibrate; now isotonic is chosen."""
    labels = np.arange(40) % 2 == 0
    scores = np.where(labels, 4e-323, 1e-323) + np.where(np.arange(40) % 5 == 0, 1e-323, 0.0)
    videos = [f"v{i}.mp4" for i in range(40)]
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        per_key, _ = fit_calibration({"Pan_Left": (labels, scores, videos)}, n_splits=4)
    cal = per_key["Pan_Left"]
    assert cal.kind == "isotonic"
    assert math.isnan(cal.cv_log_loss["platt"]) and math.isfinite(cal.cv_log_loss["isotonic"])
    assert "platt map left out of the choice" in caplog.text
    assert cal.full is not None
    p = cal.full.apply(scores)
    assert np.isfinite(p).all() and (p[labels] > p[~labels].max()).all()


def test_isotonic_maps_interpolate_as_numpy_does() -> None:
    """The segment-fraction interpolation (finite between thresholds 1e-323 apart) equals np.interp
    elsewhere: steps (repeated thresholds), both ends, NaN."""
    rng = np.random.default_rng(0)
    for _ in range(500):
        x = np.sort(rng.integers(0, 6, rng.integers(1, 8)).astype(float))
        y = np.sort(rng.random(len(x)))
        s = np.r_[rng.uniform(-1, 7, 20), x, np.nan]
        got = CalibrationMap("isotonic", {"x": x.tolist(), "y": y.tolist()}).apply(s)
        np.testing.assert_allclose(got[:-1], np.interp(s[:-1], x, y), atol=1e-12, rtol=0)
        assert np.isnan(got[-1])  # a NaN score stays NaN (np.interp of one point gives its value)
