"""Sixth sweep for silently wrong numbers in evaluation and fusion (hostile edge inputs)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.baselines.fusion import SharedStack, _features, _standardiser, fit_shared_stack
from camerabench.eval.binary import ResolvedSamples, compare_methods


def _resolved(labels: list[int], scores: list[float], videos: list[str]) -> ResolvedSamples:
    return ResolvedSamples(np.array(labels, dtype=bool), np.array(scores, dtype=np.float64), videos)


# --------------------------------------------------------------------------- paired test, duplicated videos


def test_paired_test_of_a_method_with_itself_is_zero_when_a_video_has_two_samples() -> None:
    # v1 holds two samples of the primitive: a dict of positions paired both with v1's last one
    res = _resolved([1, 0, 1, 0], [0.9, 0.1, 0.2, 0.8], ["v1", "v2", "v1", "v3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comp = compare_methods("a", "b", {"P": res}, {"P": res}, n_bootstrap=50)
    assert comp.diff == 0.0
    assert comp.samples == 4


def test_paired_test_pairs_the_kth_sample_of_a_repeated_video_with_the_kth() -> None:
    labels, videos = [1, 0, 1, 0, 1], ["v1", "v2", "v1", "v3", "v4"]
    sa, sb = [0.9, 0.1, 0.2, 0.8, 0.7], [0.3, 0.6, 0.95, 0.1, 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comp = compare_methods(
            "a", "b", {"P": _resolved(labels, sa, videos)}, {"P": _resolved(labels, sb, videos)}, n_bootstrap=20
        )
    expected = average_precision_score(labels, sa) - average_precision_score(labels, sb)
    assert comp.diff == pytest.approx(expected, abs=1e-12)


def test_paired_test_refuses_samples_whose_labels_differ() -> None:
    a = _resolved([1, 0, 1], [0.9, 0.1, 0.5], ["v1", "v2", "v3"])
    b = _resolved([1, 1, 0], [0.9, 0.1, 0.5], ["v1", "v2", "v3"])
    with pytest.raises(ValueError, match=r"a vs b: .* samples of P have different labels"):
        compare_methods("a", "b", {"P": a}, {"P": b}, n_bootstrap=0)


# --------------------------------------------------------------------------- fusion standardisation


def _z(column: list[float]) -> tuple[np.ndarray, np.ndarray]:
    s = np.array(column, dtype=np.float64)[:, None]
    prim = np.zeros(len(column), dtype=np.int64)
    std = _standardiser(prim, s, 1)
    return std, _features(prim, s, std, False)[:, 0]


def test_fusion_standardiser_keeps_the_order_of_huge_scores() -> None:
    # the median of |1.5e308| and |1.7e308| overflowed to inf: every z became 0 (no information)
    column = [1.5e308, 1.7e308, 1e308, -1e308]
    std, z = _z(column)
    assert np.isfinite(std).all()
    assert np.isfinite(z).all()
    assert np.argsort(z).tolist() == np.argsort(column).tolist()
    assert len(set(z.tolist())) == 4


def test_fusion_standardiser_with_a_denormal_median_stays_finite_and_ordered() -> None:
    # a score over a denormal median overflowed: mean inf, z NaN (fed to scikit-learn unchecked)
    column = [5e-324, 5e-324, 5e-324, 1.0, 3.0]
    std, z = _z(column)
    assert np.isfinite(std).all()
    assert np.isfinite(z).all()
    assert z[0] == z[1] == z[2] < z[3] < z[4]


def test_fusion_stack_on_huge_scores_round_trips_and_ranks_like_its_input() -> None:
    rng = np.random.default_rng(0)
    n = 24
    labels = np.arange(n) % 2 == 0
    scores = np.where(labels, 1e307, -1e307) * rng.uniform(1.0, 10.0, n)
    videos = [f"v{i}" for i in range(n)]
    stack = fit_shared_stack(["Pan_Left"] * n, scores[:, None], labels, videos, inner_repeats=1)
    again = SharedStack.from_dict(stack.to_dict())  # refused a non-finite standardiser before
    p = again.probabilities(["Pan_Left"] * n, scores[:, None])
    assert np.isfinite(p).all()
    assert average_precision_score(labels, p) == 1.0
