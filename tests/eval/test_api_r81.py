"""Red team R81: the public metric API (ap.py, calibration.py) on malformed input, and the memory of
the BCa jackknife of :func:`~camerabench.eval.ap.bootstrap_mean_ap`."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pytest

from camerabench.eval import ap
from camerabench.eval.ap import (
    UndefinedMetricWarning,
    average_precision,
    bootstrap_mean_ap,
    mean_ignoring_nan,
    paired_bootstrap_test,
)
from camerabench.eval.calibration import CalibrationMap, fit_calibration, scores_digest

# ---------------------------------------------------------------- 1. CalibrationMap.fit shapes and kind


@pytest.mark.parametrize(
    ("scores", "labels", "shape"),
    [
        ([[0.3, 0.2]], [1, 0], "(1, 2)"),  # was a constant map, as if one positive sample
        (np.array([[0.3], [0.2]]), np.array([1, 0]), "(2, 1)"),  # was scikit-learn's "Found array with dim 3"
        (0.3, 1, "()"),  # was TypeError: len() of unsized object
    ],
)
def test_fit_refuses_scores_that_are_not_1d(scores: object, labels: object, shape: str) -> None:
    with pytest.raises(ValueError, match=rf"^scores: .*1-D.*shape {shape.replace('(', '[(]').replace(')', '[)]')}"):
        CalibrationMap.fit("platt", scores, labels)  # type: ignore[arg-type]


def test_fit_refuses_labels_that_are_not_1d() -> None:
    with pytest.raises(ValueError, match=r"^labels: .*1-D.*\(1, 2\)"):
        CalibrationMap.fit("platt", [0.3, 0.2], [[1, 0]])  # type: ignore[arg-type]


def test_fit_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        CalibrationMap.fit("isotonic", [0.3, 0.2, 0.1], [1, 0])  # type: ignore[arg-type]


@pytest.mark.parametrize("labels", [[1, 1], [1, 0]])
def test_fit_refuses_unknown_kind_whatever_the_labels(labels: list[int]) -> None:
    # with one class the map is a constant: "bogus" was accepted there
    with pytest.raises(ValueError, match=r"^kind: unknown calibration map 'bogus'"):
        CalibrationMap.fit("bogus", [0.3, 0.2], labels)  # type: ignore[arg-type]


def test_fit_refuses_complex_scores() -> None:
    with pytest.raises(ValueError, match=r"scores must be real numbers: position 0 .*complex"):
        CalibrationMap.fit("platt", np.array([0.3 + 1j, 0.2]), [1, 0])  # type: ignore[arg-type]


def _calib_samples(videos: list[object]) -> dict[str, object]:
    r = np.random.default_rng(0)
    return {"Move_In": (r.random(len(videos)) < 0.5, r.random(len(videos)), videos)}


def test_fit_calibration_refuses_mixed_video_ids() -> None:
    # sorting 1 among "x" was TypeError: '<' not supported
    with pytest.raises(ValueError, match=r"Move_In: video ids must be strings .*position 19 is 19 of type int"):
        fit_calibration(_calib_samples([f"v{i}" for i in range(19)] + [19]))  # type: ignore[arg-type]


def test_fit_calibration_refuses_two_items() -> None:
    y, s, _ = _calib_samples(["a", "b"])["Move_In"]  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"Move_In: the value must be the 3 items \(labels, scores, videos\), got 2"):
        fit_calibration({"Move_In": (y, s)})  # type: ignore[dict-item]


def test_scores_digest_refuses_2d_labels() -> None:
    # bool() of a row was numpy's "truth value of an array is ambiguous"
    with pytest.raises(ValueError, match=r"Move_In: labels, scores and videos must be 1-D .*\(1, 2\)"):
        scores_digest({"Move_In": (np.array([[True, False]]), np.array([0.1, 0.2]), ["a", "b"])})


# ---------------------------------------------------------------- 2. the jackknife in chunks


def _primitives(n: int, seed: int = 3) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    r = np.random.default_rng(seed)
    videos = [f"v{i:04d}" for i in range(n)]
    out = {}
    for k, prevalence in enumerate((0.3, 0.15)):
        y = r.random(n) < prevalence
        out[f"p{k}"] = (y, r.normal(size=n) + 1.2 * y, videos)
    # a primitive on part of the videos, with two samples of some videos
    half = videos[: n // 2] + videos[: n // 4]
    y = r.random(len(half)) < 0.4
    out["p2"] = (y, r.normal(size=len(half)) + y, half)
    return out


def test_chunked_jackknife_gives_the_unchunked_interval_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _primitives(90)
    monkeypatch.setattr(ap, "_JACKKNIFE_VALUES", 1 << 40)  # one chunk: scipy's unbatched jackknife
    whole = bootstrap_mean_ap(data, 200, 5)
    monkeypatch.setattr(ap, "_JACKKNIFE_VALUES", 7 * 90 + 3)  # chunks of 7 left-out videos, the last of 6
    chunked = bootstrap_mean_ap(data, 200, 5)
    assert chunked.per_primitive == whole.per_primitive
    assert chunked.mean_ap == whole.mean_ap
    assert all(math.isfinite(v) for ci in whole.per_primitive.values() for v in ci)


def test_jackknife_memory_grows_with_videos_not_their_square() -> None:
    # 2,000 videos, one primitive: the unchunked jackknife peaked at 392 MB (traced); chunked 52 MB
    n = 2000
    r = np.random.default_rng(1)
    data = {"p": (r.random(n) < 0.2, r.random(n), [f"v{i}" for i in range(n)])}
    tracemalloc.start()
    try:
        bootstrap_mean_ap(data, 20, 0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 120e6, f"peak {peak / 1e6:.0f} MB"


# ---------------------------------------------------------------- 3. clear errors in ap.py


def test_bootstrap_refuses_a_value_without_videos() -> None:
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    # was IndexError: tuple index out of range
    with pytest.raises(ValueError, match=r"primitive 'p' must be the 3 items \(labels, scores, videos\), got 2"):
        bootstrap_mean_ap({"p": (y, s)}, 10, 0)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"method B\): the value of primitive 'p' must be the 3 items"):
        paired_bootstrap_test({"p": (y, s, list("abcd"))}, {"p": (y, s)}, 10, 0)  # type: ignore[dict-item]


def test_bootstrap_refuses_video_ids_that_are_not_strings() -> None:
    y, s = np.array([1, 0, 1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    # was TypeError: '<' not supported between instances of 'str' and 'int'
    with pytest.raises(ValueError, match=r"video ids must be strings .*position 0 is 1 of type int"):
        bootstrap_mean_ap({"p": (y, s, [1, "2", 3, 4, 5, 6])}, 10, 0)  # type: ignore[dict-item]


def test_bootstrap_refuses_videos_of_another_length() -> None:
    y, s = np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])
    with pytest.raises(ValueError, match=r"primitive 'p': .*one length, got 4 and 3"):
        bootstrap_mean_ap({"p": (y, s, ["a", "b", "c"])}, 10, 0)


@pytest.mark.parametrize("scores", [[1 + 1j, 0.2], np.array([1 + 1j, 0.2])])
def test_average_precision_refuses_complex_scores(scores: object) -> None:
    # a list was float()'s TypeError; an array lost its imaginary part with a ComplexWarning
    with pytest.raises(ValueError, match=r"scores must be real numbers: position 0 .*complex"):
        average_precision([1, 0], scores)  # type: ignore[arg-type]


def test_average_precision_refuses_string_scores() -> None:
    with pytest.raises(ValueError, match=r"scores must be real numbers: position 0 is .0.9. \(not a real number\)"):
        average_precision([1, 0], ["0.9", "0.2"])


def test_mean_ignoring_nan_refuses_ragged_and_nested_values() -> None:
    with pytest.raises(ValueError, match=r"flat sequence of numbers.*ragged"):
        mean_ignoring_nan([[1.0, 2.0], [3.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"flat \(1-D\).*shape \(2, 2\)"):
        mean_ignoring_nan([[1.0, 2.0], [3.0, 4.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"must be numbers \(NaN where undefined\): position 0 is np.complex128"):
        mean_ignoring_nan(np.array([1.0, 2j]))  # type: ignore[arg-type]


def test_mean_ignoring_nan_inf_and_minus_inf() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarning would fail here
        assert mean_ignoring_nan([math.inf, 1.0, math.nan]) == math.inf
        assert mean_ignoring_nan([-math.inf, 1.0]) == -math.inf
    with pytest.warns(UndefinedMetricWarning, match=r"both \+inf and -inf"):
        assert math.isnan(mean_ignoring_nan([math.inf, -math.inf, 2.0]))
