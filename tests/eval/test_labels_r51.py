"""Red team R51: labels and ok flags were cast to bool ("No", "failed", NaN became True).

Every entry point now refuses anything but booleans or 0/1 with a ValueError that names the
argument, the first bad value and its position; valid encodings (bool, 0/1 ints or floats, numpy
bools, pandas ``boolean`` without NA, an object column of bools) give the numbers they gave.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score

from camerabench.baselines.fusion import SharedStack, fit_shared_stack
from camerabench.eval.ap import average_precision, mean_ignoring_nan, resolve_failed
from camerabench.eval.calibration import CalibrationMap, fit_calibration
from camerabench.eval.failed import apply_failed_policy, lowest_scores
from camerabench.eval.vqa import retrieval_scores, vqa_scores

SCORES = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.05])
YES = np.array([False, False, True, True, True, False, True, False])


def _encodings(y: np.ndarray) -> list[Any]:
    """The valid encodings of boolean labels ``y``."""
    return [
        y,
        y.astype(int),
        y.astype(float),
        [bool(v) for v in y],
        np.array([np.bool_(v) for v in y], dtype=object),
        pd.Series(y, dtype="boolean"),
        pd.Series(y.astype(int), dtype="Int64"),
    ]


# ------------------------------------------------------------------ finding 2: CalibrationMap.fit


@pytest.mark.parametrize("kind", ["platt", "isotonic"])
def test_calibration_map_refuses_yes_no_strings(kind: str) -> None:
    """Was: every "No" read as a positive, a constant map p=0.9."""
    with pytest.raises(ValueError, match=r"^labels must be booleans \(or 0 and 1\): position 0 is 'No'"):
        CalibrationMap.fit(kind, SCORES, np.where(YES, "Yes", "No"))


def test_calibration_map_refuses_a_nan_label() -> None:
    """Was: the NaN label fitted as a positive."""
    with pytest.raises(ValueError, match=r"^labels .*position 1 is a missing value \(nan\)"):
        CalibrationMap.fit("isotonic", SCORES, [0, np.nan, 1, 1, 1, 0, 1, 0])


def test_calibration_map_of_valid_encodings_is_the_same_and_isotonic_is_sklearns() -> None:
    maps = [CalibrationMap.fit("isotonic", SCORES, y).to_dict() for y in _encodings(YES)]
    assert all(m == maps[0] for m in maps)
    ref = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(SCORES, YES.astype(float))
    got = CalibrationMap.fit("isotonic", SCORES, pd.Series(YES, dtype="boolean")).apply(SCORES)
    np.testing.assert_allclose(got, ref.predict(SCORES))
    platt = [CalibrationMap.fit("platt", SCORES, y).to_dict() for y in _encodings(YES)]
    assert all(m == platt[0] for m in platt) and platt[0]["kind"] == "platt"


def test_fit_calibration_accepts_an_object_column_of_bools_as_average_precision_does() -> None:
    """Was: refused the object column that average_precision accepts."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 24).astype(bool)
    s = y + rng.normal(0, 0.8, 24)
    videos = [f"v{i}" for i in range(24)]
    column = np.array([bool(v) for v in y], dtype=object)
    assert average_precision(column, s) == average_precision_score(y, s)
    per_a, folds_a = fit_calibration({"Pan_Left": (y, s, videos)})
    per_b, folds_b = fit_calibration({"Pan_Left": (column, s, videos)})
    assert folds_a == folds_b
    assert {k: v.to_dict() for k, v in per_a.items()} == {k: v.to_dict() for k, v in per_b.items()}
    with pytest.raises(ValueError, match=r"calibration samples of Pan_Left: labels .*position 0 is 'No'"):
        fit_calibration({"Pan_Left": (["No", "No", "Yes"] * 8, s, videos)})


# ------------------------------------------------------------------ findings 3 and 5: fusion


@pytest.fixture(scope="module")
def fusion_data() -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40).astype(bool)
    s = np.c_[y + rng.normal(0, 0.7, 40), rng.normal(0, 1, 40)]
    return ["Pan_Left"] * 20 + ["Tilt_Up"] * 20, s, y, [f"v{i % 10}" for i in range(40)]


@pytest.mark.parametrize(
    ("labels", "shown"),
    [
        (lambda y: np.where(y, "Yes", "No"), r"'(Yes|No)'"),  # was: constant p=0.976
        (lambda y: np.where(y, 1.0, np.nan), r"a missing value \(nan\)"),
        (lambda y: np.where(y, 2, 0), "2"),  # was: accepted as a positive
    ],
)
def test_fusion_refuses_labels_other_than_booleans(
    fusion_data: tuple[Any, ...], labels: Callable[[np.ndarray], Any], shown: str
) -> None:
    prims, s, y, vids = fusion_data
    first = {r"a missing value \(nan\)": int(np.flatnonzero(~y)[0]), "2": int(np.flatnonzero(y)[0])}.get(shown, 0)
    with pytest.raises(ValueError, match=rf"^labels must be booleans \(or 0 and 1\): position {first} is {shown}"):
        fit_shared_stack(prims, s, labels(y), vids, inner_repeats=1)


def test_fusion_of_valid_label_encodings_is_the_same(fusion_data: tuple[Any, ...], caplog: Any) -> None:
    prims, s, y, vids = fusion_data
    caplog.set_level(logging.ERROR)
    stacks = [fit_shared_stack(prims, s, enc, vids, inner_repeats=1).to_dict() for enc in _encodings(y)]
    assert stacks[0]["kind"] == "logistic"
    assert all(st == stacks[0] for st in stacks)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p, s, y, v: (p, s, y[:-1], v), r"^labels must be \(N,\) = \(40,\).*\(39,\)"),  # was IndexError
        (lambda p, s, y, v: (p, s, y, v[:-1]), r"^videos must be one video name per sample \(40\), got 39"),
        (lambda p, s, y, v: (p[:-1], s, y, v), r"^scores must be \(N, k\): one row per sample \(39"),
        (lambda p, s, y, v: ("Pan_Left", s, y, v), r"^primitive_of must be a sequence .* not the string"),
    ],
)
def test_fusion_refuses_inputs_of_other_lengths(
    fusion_data: tuple[Any, ...], change: Callable[..., tuple[Any, ...]], message: str
) -> None:
    prims, s, y, vids = change(*fusion_data)
    with pytest.raises(ValueError, match=message):
        fit_shared_stack(prims, s, y, vids, inner_repeats=1)


def test_fusion_refuses_an_infinite_score_and_keeps_nan_as_a_failed_input(fusion_data: tuple[Any, ...]) -> None:
    prims, s, y, vids = fusion_data
    bad = s.copy()
    bad[3, 1] = -np.inf  # was: "All-NaN slice encountered"
    with pytest.raises(ValueError, match=r"^scores: sample 3, input 1 is -inf: scores must be finite"):
        fit_shared_stack(prims, bad, y, vids, inner_repeats=1)
    failed = s.copy()
    failed[3, 1] = np.nan  # documented: an input that failed on that sample
    stack = fit_shared_stack(prims, failed, y, vids, inner_repeats=1)
    assert stack.kind == "logistic"
    assert 0.0 < stack.probability("Pan_Left", [np.nan, 0.3]) < 1.0


def test_stack_probabilities_refuse_wrong_shapes_and_a_string_primitive(fusion_data: tuple[Any, ...]) -> None:
    prims, s, y, vids = fusion_data
    stack = fit_shared_stack(prims, s, y, vids, inner_repeats=1)
    with pytest.raises(ValueError, match=r"^scores must be \(N, k\).*one column per input \(2\), got shape \(1, 3\)"):
        stack.probabilities(["Pan_Left"], np.array([[0.1, 0.2, 0.3]]))
    with pytest.raises(ValueError, match=r"^scores must be \(N, k\).*got shape \(2,\)"):
        stack.probabilities(["Pan_Left", "Pan_Left"], np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match=r"^primitives must be a sequence .* not the string 'Pan_Left'"):
        stack.probabilities("Pan_Left", np.array([[0.1, 0.0]]))  # was KeyError 'L'
    with pytest.raises(ValueError, match=r"^scores: sample 0, input 0 is inf"):
        stack.probability("Pan_Left", [np.inf, 0.0])
    again = SharedStack.from_dict(stack.to_dict())
    np.testing.assert_array_equal(again.probabilities(prims, s), stack.probabilities(prims, s))


# ------------------------------------------------------------------ finding 4: ok flags


@pytest.mark.parametrize(
    ("ok", "message"),
    [
        (["ok", "failed", "ok"], r"^ok must be booleans \(or 0 and 1\): position 0 is 'ok'"),  # was: all kept
        ([1.0, float("nan"), 1.0], r"^ok must be .*position 1 is a missing value \(nan\)"),  # was: NaN ok
        ([1, 2, 1], r"^ok must be .*position 1 is 2"),
    ],
)
def test_failed_policy_functions_refuse_flags_other_than_booleans(ok: list[Any], message: str) -> None:
    for call in (
        lambda: resolve_failed([0.1, 0.2, 0.3], ok, "drop"),
        lambda: apply_failed_policy(ok, "drop"),
        lambda: lowest_scores([0.1, 0.2, 0.3], ok),
    ):
        with pytest.raises(ValueError, match=message):
            call()


def test_vqa_and_retrieval_refuse_status_strings_as_ok_flags() -> None:
    scores = np.array([[0.9, 0.1, 0.8, 0.2]])
    status = np.array([["ok", "failed", "ok", "ok"]])
    for call in (lambda: vqa_scores(scores, status, 0.5), lambda: retrieval_scores(scores, status)):
        with pytest.raises(ValueError, match=r"^ok must be .*position \(0, 0\) is 'ok'"):
            call()


def test_valid_ok_flags_give_the_same_results() -> None:
    scores = np.array([0.5, np.nan, 0.2, 0.7])
    ok = np.array([True, False, True, True])
    want_s, want_keep = resolve_failed(scores, ok, "drop")
    assert want_keep.tolist() == ok.tolist()
    for enc in _encodings(ok):
        got_s, got_keep = resolve_failed(scores, enc, "drop")
        np.testing.assert_array_equal(got_s, want_s)
        np.testing.assert_array_equal(got_keep, want_keep)
    cells = np.array([[0.9, 0.1, 0.8, 0.2], [0.3, np.nan, 0.6, 0.4]])
    flags = ~np.isnan(cells)
    assert vqa_scores(cells, flags.astype(int), 0.5) == vqa_scores(cells, flags, 0.5)
    assert retrieval_scores(
        cells,
        flags.astype(float),
    ) == retrieval_scores(cells, flags)


# ------------------------------------------------------------------ finding 6 and minor: ap


def test_nullable_boolean_with_na_is_a_missing_label_not_a_type_error() -> None:
    """Was: TypeError "boolean value of NA is ambiguous" while building the message."""
    with pytest.raises(ValueError, match=r"^labels must be .*position 2 is a missing value \(<NA>\)"):
        average_precision(pd.Series([True, False, pd.NA], dtype="boolean"), [0.1, 0.2, 0.3])


def test_average_precision_of_valid_encodings_is_sklearns() -> None:
    want = average_precision_score(YES, SCORES)
    for enc in _encodings(YES):
        assert average_precision(enc, SCORES) == want


def test_mean_ignoring_nan_refuses_none() -> None:
    """Was: None silently dropped as if it were NaN (an undefined value)."""
    with pytest.raises(ValueError, match=r"^values must be numbers \(NaN where undefined\): position 1 is None"):
        mean_ignoring_nan([1.0, None])
    assert mean_ignoring_nan([1.0, float("nan"), 3.0]) == 2.0


def test_a_sample_every_input_failed_on_gets_nan_not_the_prior(
    fusion_data: tuple[Any, ...], caplog: pytest.LogCaptureFixture
) -> None:
    # R51's leftover: such a row's features are the same for every clip of its primitive, so the
    # stack gave the fitted class prior, a default score; it is NaN now, with a warning
    prims, s, y, vids = fusion_data
    stack = fit_shared_stack(prims, s, y, vids, inner_repeats=1)
    probe = np.array([[np.nan, np.nan], [0.4, np.nan], [np.nan, np.nan], [0.4, 0.3]])
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.fusion"):
        p = stack.probabilities(["Pan_Left"] * 4, probe)
    assert np.isnan(p[[0, 2]]).all()
    assert 0.0 < p[1] < 1.0 and 0.0 < p[3] < 1.0
    assert "2 of 4 samples have no input score" in caplog.text
    assert np.isnan(stack.probability("Pan_Left", [np.nan, np.nan]))
    # the rows with a score are as they were alone
    assert p[[1, 3]] == pytest.approx(stack.probabilities(["Pan_Left"] * 2, probe[[1, 3]]))
