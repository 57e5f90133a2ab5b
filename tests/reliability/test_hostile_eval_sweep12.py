"""Twelfth round, evaluation metrics: inputs that crashed unhelpfully or gave wrong numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import average_precision, resolve_failed
from camerabench.eval.failed import lowest_scores
from camerabench.eval.trajectory_error import orientation_sim3, trajectory_errors
from camerabench.eval.vqa import vqa_scores
from camerabench.trajectory import Trajectory

N = 30
TS = np.arange(N) / 10.0
ROTVECS = np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.linspace(0, 0.2, N)]
CURVE = np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)]
LINE = np.c_[np.zeros(N), np.zeros(N), np.linspace(0, 2, N)]


def _poses(positions: np.ndarray, rotvecs: np.ndarray = ROTVECS) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(positions), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = positions
    return c2w


def _errors(est_positions: np.ndarray, gt_positions: np.ndarray) -> dict:
    return trajectory_errors(Trajectory(_poses(est_positions), None, TS), Trajectory(_poses(gt_positions), None, TS))


# --------------------------------------------------------------------------- AP labels and failed scores


def test_labels_in_an_object_array_are_read_as_their_numbers() -> None:
    """A pandas column of 0/1 ints is an object array: it was refused as 'got values such as [0, 1]'."""
    labels = np.array([1, 0, 1, 0, True, np.int64(0)], dtype=object)
    scores = [0.9, 0.8, 0.3, 0.5, 0.6, 0.1]
    expected = average_precision_score([1, 0, 1, 0, 1, 0], scores)
    assert average_precision(labels, scores) == expected


def test_a_none_label_is_named_not_a_type_error() -> None:
    """np.unique of [None, 1] raised TypeError ('<' not supported) while building the message."""
    with pytest.raises(ValueError, match="None"):
        average_precision([None, 1, 0], [0.1, 0.2, 0.3])


def test_a_nan_score_of_a_successful_sample_is_refused_not_ranked_first() -> None:
    """The dense ranks used below a -max-float score sorted NaN last: the sample became the top score."""
    with pytest.raises(ValueError, match="NaN score"):
        lowest_scores([math.nan, 0.5, 0.1], [True, True, False])
    with pytest.raises(ValueError, match="NaN score"):
        resolve_failed([-1.7976931348623157e308, math.nan, 0.0], [True, True, False], "lowest")


def test_scores_and_ok_of_different_lengths_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"one shape, got \(2,\) and \(3,\)"):  # was an IndexError
        lowest_scores([0.5, 0.1], [True, False, True])


@pytest.mark.parametrize("threshold", [math.inf, -math.inf])
def test_an_infinite_vqa_threshold_is_refused(threshold: float) -> None:
    """+inf answered every cell No (accuracy 0.5 of a perfect method), -inf every cell Yes."""
    with pytest.raises(ValueError, match="yes threshold is"):
        vqa_scores(np.array([[0.9, 0.1, 0.8, 0.2]]), np.ones((1, 4), bool), threshold)


# --------------------------------------------------------------------------- trajectory: does the camera move?


def test_a_static_ground_truth_far_from_the_origin_has_no_translation_error() -> None:
    """A fixed camera at an Earth-centred position (6.4e6 m) whose centres differ by float
    round-off (1e-9 m) counted as moving: Umeyama fitted the noise, 45 degrees of rotation error."""
    rng = np.random.default_rng(0)
    gt = np.array([6.4e6, 1e5, 3e3]) + rng.normal(size=(N, 3)) * 1e-9
    errors = _errors(CURVE, gt)
    assert math.isnan(errors["ape_trans_rmse"]) and math.isnan(errors["rpe_trans_rmse"])
    assert "ground-truth camera centre does not move" in errors["note"]
    assert errors["ape_rot_deg_rmse"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("unit", [1e-11, 1e-12])
def test_a_ground_truth_is_judged_moving_whatever_its_unit(unit: float) -> None:
    """A 2 m dolly in units 1e11 or 1e12 times larger than a metre was 'static' (translation errors
    NaN): the bound was 1e-9 units, whatever the unit; in metres (or mm, or km) it is measured."""
    errors = _errors(LINE, LINE * unit)
    assert "note" not in errors
    assert errors["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-9 * unit)
    assert errors["scale"] == pytest.approx(unit, rel=1e-9)


@pytest.mark.parametrize(("path", "scale"), [(LINE, 1e-11), (CURVE, 1e-14)])
def test_a_monocular_estimate_at_a_tiny_scale_is_aligned_not_called_static(path: np.ndarray, scale: float) -> None:
    """An estimate's scale is arbitrary: one 1e-11 the size of the truth was 'static' (scale NaN,
    translation error 0.6 of a perfect estimate)."""
    errors = _errors(path * scale, path)
    assert "note" not in errors
    assert errors["scale"] == pytest.approx(1 / scale, rel=1e-6)
    for key in ("ape_trans_rmse", "rpe_trans_rmse", "ape_rot_deg_rmse"):
        assert errors[key] == pytest.approx(0.0, abs=1e-6), key


def test_orientation_sim3_recovers_the_scale_of_a_tiny_estimate() -> None:
    _, _, s = orientation_sim3(_poses(LINE * 1e-12), _poses(LINE))
    assert s == pytest.approx(1e12, rel=1e-9)  # was 1: the estimate's squares were below 1e-18


def test_a_static_estimate_far_from_the_origin_still_has_no_scale() -> None:
    rng = np.random.default_rng(1)
    est = np.array([1e7, -2e6, 5e5]) + rng.normal(size=(N, 3)) * 1e-9
    errors = _errors(est, LINE)
    assert math.isnan(errors["scale"])
    assert "estimated camera centre does not move" in errors["note"]


def test_a_rotation_only_estimate_with_round_off_translations_has_no_scale() -> None:
    # centres at the origin up to the round-off of cancelled unit translations (a few 1e-16): the
    # relative test alone called it moving (its largest coordinate is the round-off) and fitted a scale
    rng = np.random.default_rng(2)
    est = rng.normal(size=(N, 3)) * 3e-17
    errors = _errors(est, LINE)
    assert math.isnan(errors["scale"])
    assert "estimated camera centre does not move" in errors["note"]
