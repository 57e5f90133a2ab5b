"""Hostile inputs to the evaluation metrics: each number is checked against an independent
reference (scikit-learn, evo's conventions, a hand computation), and malformed inputs must fail
with a clear error instead of giving a number."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score

from camerabench.dataset import Dataset
from camerabench.eval.ap import (
    average_precision,
    bootstrap_mean_ap,
    chance_ap,
    mean_ignoring_nan,
    paired_bootstrap_test,
    resolve_failed,
    roc_auc,
    weighted_ap_matrix,
)
from camerabench.eval.calibration import calibration_section
from camerabench.eval.caption_metrics import compat_metrics
from camerabench.eval.knobs import knob_trajectory_errors
from camerabench.eval.mcq import mcq_section
from camerabench.eval.results import strict_json
from camerabench.eval.trajectory_error import orientation_sim3, trajectory_errors
from camerabench.eval.vqa import retrieval_scores, vqa_scores
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, ScoreRecord
from camerabench.runfolder import MethodRun
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory

# --------------------------------------------------------------------------- binary AP

SCORES = np.array([0.9, 0.8, 0.7, 0.1, 0.5, 0.5])


@pytest.mark.parametrize(
    "labels",
    [
        ["Yes", "No", "Yes", "No", "No", "Yes"],  # "No" cast to bool is True
        ["1", "0", "1", "0", "0", "1"],
        [2, 0, 2, 0, 0, 2],
        [1, -1, 1, -1, -1, 1],
        [1.0, math.nan, 1.0, 0.0, 0.0, 1.0],  # an ambiguous label
        [1.0, 0.5, 1.0, 0.0, 0.0, 1.0],
    ],
)
def test_labels_other_than_booleans_or_0_1_are_rejected(labels: list[object]) -> None:
    for fn in (average_precision, roc_auc):
        with pytest.raises(ValueError, match="labels"):
            fn(labels, SCORES)
    with pytest.raises(ValueError, match="labels"):
        chance_ap(labels)
    with pytest.raises(ValueError, match="labels"):
        weighted_ap_matrix(labels, SCORES, np.ones((2, 6)))


def test_bool_int_and_float_0_1_labels_agree_with_sklearn() -> None:
    y = np.array([1, 0, 1, 0, 0, 1])
    ref = average_precision_score(y, SCORES)
    for labels in (y, y.astype(bool), y.astype(float), y.tolist()):
        assert average_precision(labels, SCORES) == pytest.approx(ref, abs=1e-15)


def test_lowest_policy_ranks_a_failure_strictly_below_huge_scores() -> None:
    # 1e17 - 1 == 1e17 in floating point: the failed negative must still rank below the positive
    labels = np.array([True, True, False])
    scores, keep = resolve_failed(np.array([3e17, 1e17, np.nan]), np.array([True, True, False]), "lowest")
    assert keep.all() and scores[2] < scores[1]
    assert average_precision(labels, scores) == pytest.approx(average_precision_score(labels, [3.0, 1.0, 0.0]))


def test_weighted_ap_matrix_rejects_bad_inputs_and_is_nan_without_samples() -> None:
    with pytest.raises(ValueError, match="finite"):
        weighted_ap_matrix([1, 0, 1], [math.nan, 0.2, 0.3], np.ones((1, 3)))
    with pytest.raises(ValueError, match="weights"):
        weighted_ap_matrix([1, 0, 1], [0.1, 0.2, 0.3], np.ones((1, 2)))
    with pytest.raises(ValueError, match="weights"):
        weighted_ap_matrix([1, 0, 1], [0.1, 0.2, 0.3], -np.ones((1, 3)))
    assert np.isnan(weighted_ap_matrix([], [], np.ones((3, 0)))).all()


def test_bootstrap_of_a_primitive_without_samples_gives_nan_intervals() -> None:
    ci = bootstrap_mean_ap({"A": (np.zeros(0, bool), np.zeros(0), [])}, n_bootstrap=20)
    assert all(math.isnan(v) for v in (*ci.mean_ap, *ci.per_primitive["A"]))
    assert ci.degenerate == {"A": 20}


def test_paired_test_difference_averages_the_primitives_with_both_classes() -> None:
    videos = [f"v{i}" for i in range(6)]
    y = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    reverse = SCORES[::-1].copy()
    a = {"P": (y, SCORES, videos), "Q": (np.ones(6, bool), SCORES, videos)}
    b = {"P": (y, reverse, videos), "Q": (np.ones(6, bool), SCORES, videos)}
    with pytest.warns(UserWarning):
        test = paired_bootstrap_test(a, b, n_bootstrap=50, seed=0)
    assert test.diff == pytest.approx(average_precision_score(y, SCORES) - average_precision_score(y, reverse))


def test_mean_ignoring_nan_does_not_hide_an_infinite_value() -> None:
    assert mean_ignoring_nan([0.5, math.nan, 1.5]) == pytest.approx(float(np.nanmean([0.5, math.nan, 1.5])))
    assert mean_ignoring_nan([0.5, math.inf]) == math.inf


# --------------------------------------------------------------------------- VQA / retrieval


def test_vqa_and_retrieval_reject_nan_in_an_ok_cell_and_bad_shapes() -> None:
    scores = np.array([[math.nan, 0.1, 0.8, 0.2]])
    for fn in (lambda s, ok: vqa_scores(s, ok, 0.5), retrieval_scores):
        with pytest.raises(ValueError, match="NaN"):
            fn(scores, np.ones((1, 4), bool))
        with pytest.raises(ValueError, match=r"\(P, 4\)"):
            fn(np.full((3, 4), 0.5), np.ones((3, 1), bool))  # would broadcast silently
    # NaN in a failed cell is what pair_cells writes: it counts as wrong (hand: 3 of 4 cells right)
    assert vqa_scores(scores, np.array([[False, True, True, True]]), 0.5).acc == 0.75


# --------------------------------------------------------------------------- MCQ


def _row(index: str, answer: str = "B") -> MCQRow:
    return MCQRow(index, "t", ("video",), ("x.mp4",), "q?", {"A": "Pan left", "B": "Tilt up"}, answer, "cam", 2)


def test_mcq_rejects_unknown_policy_bad_answer_key_and_repeated_rows() -> None:
    answers = {("t", "0"): AnswerRecord("0", "m", "B", table="t")}
    with pytest.raises(ValueError, match="policy"):
        mcq_section([_row("0")], answers, failed="Lowest")  # type: ignore[arg-type, unused-ignore]
    with pytest.raises(ValueError, match="not one of its options"):
        mcq_section([_row("0", answer="Z")], answers)
    with pytest.raises(ValueError, match="twice"):
        mcq_section([_row("0"), _row("0")], answers)  # would count one answer twice


# --------------------------------------------------------------------------- calibration


def test_reliability_bins_and_ece_follow_sklearn_calibration_curve(tmp_path: Path) -> None:
    # probabilities on bin edges: calibration_curve puts 0.5 in the bin (0.4, 0.5]
    prim = Primitive.PAN_LEFT
    p = np.array([0.5, 0.45, 0.1, 0.1, 0.7, 1.0, 0.0, 0.3])
    y = np.array([1, 0, 0, 1, 1, 1, 0, 0], dtype=bool)
    videos = [f"v{i}.mp4" for i in range(len(p))]
    write_binary_file(
        tmp_path / "labels" / "binary_classification" / prim.file,
        [
            BinaryRecord(v, prim.question, "Yes" if t else "No", prim.task, prim.label_name)
            for v, t in zip(videos, y, strict=True)
        ],
    )
    scores = {(v, prim.question): ScoreRecord(v, prim.question, "m", float(s)) for v, s in zip(videos, p, strict=True)}
    result = calibration_section(Dataset(tmp_path), MethodRun("m", tmp_path / "m", scores=scores), None)
    assert result is not None
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    rel = result.reliability
    assert rel.prob_true == pytest.approx(prob_true.tolist()) and rel.prob_pred == pytest.approx(prob_pred.tolist())
    counts = np.array(rel.counts)
    # each bin's count times its mean P(yes) / fraction of positives gives back the totals
    assert counts @ prob_pred == pytest.approx(p.sum()) and counts @ prob_true == pytest.approx(y.sum())
    assert result.ece == pytest.approx(float(counts @ np.abs(prob_true - prob_pred)) / len(p))


# --------------------------------------------------------------------------- trajectories

N = 10
TS = np.arange(N) / 10.0


def _curve() -> np.ndarray:
    c2w = np.tile(np.eye(4), (N, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.zeros(N)]).as_matrix()
    c2w[:, :3, 3] = np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)]
    return c2w


def _broken(kind: str) -> Trajectory:
    c2w, ts, k = _curve(), TS.copy(), np.tile(np.diag([100.0, 100.0, 1.0]), (N, 1, 1))
    if kind == "nan position":
        c2w[3, 0, 3] = math.nan
    elif kind == "nan rotation":
        c2w[4, 0, 0] = math.nan
    elif kind == "scaled rotation":
        c2w[:, :3, :3] *= 1.5
    elif kind == "repeated timestamp":
        ts[5] = ts[4]
    elif kind == "zero focal":
        k[3, :2, :2] = 0.0
    return Trajectory(c2w, k, ts)


BROKEN = ["nan position", "nan rotation", "scaled rotation", "repeated timestamp", "zero focal"]


@pytest.mark.parametrize("kind", BROKEN)
@pytest.mark.parametrize("side", ["estimate", "ground truth"])
def test_trajectory_errors_reject_broken_trajectories(kind: str, side: str) -> None:
    good = Trajectory(_curve(), np.tile(np.diag([100.0, 100.0, 1.0]), (N, 1, 1)), TS)
    est, ref = (_broken(kind), good) if side == "estimate" else (good, _broken(kind))
    with pytest.raises(ValueError, match=side):
        trajectory_errors(est, ref)


def test_orientation_sim3_rejects_empty_or_mismatched_poses() -> None:
    with pytest.raises(ValueError, match="N > 0"):
        orientation_sim3(np.zeros((0, 4, 4)), np.zeros((0, 4, 4)))
    with pytest.raises(ValueError, match="N > 0"):
        orientation_sim3(np.tile(np.eye(4), (3, 1, 1)), np.tile(np.eye(4), (2, 1, 1)))


def test_knob_trajectory_means_ignore_bools_but_not_numpy_floats() -> None:
    manifest = {"clips": [{"video": f"{c}.mp4", "knobs": {"blur": True}} for c in "abc"]}
    rows = [
        {"clip": "a", "status": "ok", "ape_rot_deg_rmse": True},
        {"clip": "b", "status": "ok", "ape_rot_deg_rmse": np.float32(2.0)},
        {"clip": "c", "status": "ok", "ape_rot_deg_rmse": 4.0},
    ]
    assert knob_trajectory_errors(rows, manifest)["blur"]["ape_rot_deg_rmse"] == pytest.approx((2.0 + 4.0) / 2)


# --------------------------------------------------------------------------- captions and results


def test_compat_metrics_without_pairs_is_an_error_not_nan() -> None:
    with pytest.raises(ValueError, match="no captions"):
        compat_metrics([], [])
    with pytest.raises(ValueError, match="same length"):
        compat_metrics(["the camera pans left"], [])


def test_strict_json_handles_tuples_and_numpy_floats() -> None:
    doc = strict_json({"ci": (math.nan, 0.25), "x": np.float32("nan"), "y": np.float32(0.5)})
    assert doc == {"ci": [None, 0.25], "x": None, "y": 0.5}
    json.dumps(doc, allow_nan=False)
