"""F61a: the AP bootstrap intervals are scipy's BCa intervals over resampled videos.

References are computed independently: :func:`scipy.stats.bootstrap` (``method="BCa"``) with
scikit-learn's ``average_precision_score`` as a non-vectorised statistic of the paired samples.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import bootstrap
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import (
    ThinClassWarning,
    UndefinedMetricWarning,
    bootstrap_mean_ap,
    paired_bootstrap_test,
)

N = 30
VIDEOS = [f"v{i:02d}" for i in range(N)]  # sorted order = sample order: video i is index i


def _data(seed: int, prevalence: float = 0.4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(N) < prevalence
    return y, y * 1.0 + rng.normal(0, 1, N), y * 0.5 + rng.normal(0, 1, N)


def _sk_ap(y: np.ndarray, s: np.ndarray) -> float:
    return float(average_precision_score(y, s))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_primitive_interval_is_scipys_bca_of_sklearn_ap(seed: int) -> None:
    y, s, _ = _data(seed)
    ref = bootstrap(
        (y, s), _sk_ap, paired=True, vectorized=False, n_resamples=400, method="BCa", rng=np.random.default_rng(seed)
    ).confidence_interval
    ci = bootstrap_mean_ap({"x": (y, s, VIDEOS)}, n_bootstrap=400, seed=seed)
    assert ci.per_primitive["x"] == pytest.approx((ref.low, ref.high), abs=1e-9)
    assert ci.mean_ap == pytest.approx((ref.low, ref.high), abs=1e-9)
    assert ci.degenerate == {"x": 0}
    # a BCa interval, not the percentile one of the same replicates
    rng = np.random.default_rng(seed)
    pct = bootstrap((y, s), _sk_ap, paired=True, vectorized=False, n_resamples=400, method="percentile", rng=rng)
    pct = pct.confidence_interval
    assert ci.per_primitive["x"] != pytest.approx((pct.low, pct.high), abs=1e-6)


def test_paired_interval_is_scipys_percentile_interval_of_the_sklearn_difference() -> None:
    """The paired difference keeps the percentile interval: its BCa covered the truth less often
    (F63b, in paired_bootstrap_test's docstring)."""
    y, sa, sb = _data(5)

    def kind(method: str) -> tuple[float, float]:
        ci = bootstrap(
            (y, sa, sb),
            lambda yy, a, b: _sk_ap(yy, a) - _sk_ap(yy, b),
            paired=True,
            vectorized=False,
            n_resamples=300,
            method=method,
            rng=np.random.default_rng(7),
        ).confidence_interval
        return (ci.low, ci.high)

    test = paired_bootstrap_test({"x": (y, sa, VIDEOS)}, {"x": (y, sb, VIDEOS)}, n_bootstrap=300, seed=7)
    assert test.ci95 == pytest.approx(kind("percentile"), abs=1e-9)
    assert test.ci95 != pytest.approx(kind("BCa"), abs=1e-6)
    assert test.n_bootstrap == 300


def test_replicates_that_lose_a_class_are_left_out_before_scipys_bca() -> None:
    # positives on 2 videos: ~13 % of replicates hold none; scipy would give NaN with them in
    y = np.zeros(N, bool)
    y[[3, 17]] = True
    s = np.where(y, 0.7, 0.0) + np.random.default_rng(1).normal(0, 0.5, N)
    seed, n_boot = 4, 500
    idx = np.random.default_rng(seed).integers(0, N, (n_boot, N))  # scipy's draw of the video indices
    reps = np.array([_sk_ap(y[i], s[i]) if y[i].any() else math.nan for i in idx])
    finite = reps[np.isfinite(reps)]
    assert 0 < finite.size < n_boot

    def bca(replicates: np.ndarray) -> object:
        return bootstrap(
            (y, s),
            _sk_ap,
            paired=True,
            vectorized=False,
            n_resamples=0,
            method="BCa",
            bootstrap_result=SimpleNamespace(bootstrap_distribution=replicates),
        ).confidence_interval

    with pytest.warns(Warning):  # the library's own handling of the NaN replicates: no interval
        kept_in = bca(reps)
    assert math.isnan(kept_in.low) and math.isnan(kept_in.high)  # type: ignore[attr-defined]
    ref = bca(finite)
    ci = bootstrap_mean_ap({"rare": (y, s, VIDEOS)}, n_bootstrap=n_boot, seed=seed)
    assert ci.per_primitive["rare"] == pytest.approx((ref.low, ref.high), abs=1e-9)  # type: ignore[attr-defined]
    assert ci.degenerate == {"rare": n_boot - finite.size}


def test_thin_one_class_and_no_resamples_give_nan() -> None:
    y, s, _ = _data(3)
    thin = np.zeros(N, bool)
    thin[5] = True
    per = {"ok": (y, s, VIDEOS), "thin": (thin, s, VIDEOS), "none": (np.zeros(N, bool), s, VIDEOS)}
    with pytest.warns(ThinClassWarning, match="thin .its positives lie on 1 video.; the mean AP interval uses 1 of 2"):
        ci = bootstrap_mean_ap(per, n_bootstrap=200, seed=0)
    assert all(math.isnan(v) for n in ("thin", "none") for v in ci.per_primitive[n])
    assert ci.degenerate is not None and ci.degenerate["none"] == 200
    alone = bootstrap_mean_ap({"ok": per["ok"]}, n_bootstrap=200, seed=0)
    assert ci.mean_ap == alone.mean_ap == ci.per_primitive["ok"] == alone.per_primitive["ok"]
    assert all(not math.isnan(v) for v in ci.mean_ap)
    with pytest.warns(ThinClassWarning, match="no primitive left"):
        only_thin = bootstrap_mean_ap({"thin": per["thin"]}, n_bootstrap=200, seed=0)
    assert all(math.isnan(v) for v in only_thin.mean_ap)
    zero = bootstrap_mean_ap(per, n_bootstrap=0, seed=0)
    assert all(math.isnan(v) for v in (*zero.mean_ap, *(x for lh in zero.per_primitive.values() for x in lh)))
    assert zero.degenerate is None
    with pytest.warns(UndefinedMetricWarning):  # one class: the observed difference is undefined too
        none = paired_bootstrap_test({"n": per["none"]}, {"n": per["none"]}, n_bootstrap=50, seed=0)
    assert math.isnan(none.diff) and all(math.isnan(v) for v in none.ci95)


def test_seeds_reproduce_and_a_perfect_ranking_has_a_point_interval() -> None:
    y, s, sb = _data(8)
    per = {"a": (y, s, VIDEOS), "b": (y, sb, VIDEOS)}
    first = bootstrap_mean_ap(per, n_bootstrap=200, seed=3)
    assert bootstrap_mean_ap(per, n_bootstrap=200, seed=3) == first
    assert bootstrap_mean_ap(per, n_bootstrap=200, seed=4) != first
    # every replicate has AP 1 (up to rounding): scipy's acceleration is 0/0; the interval is (1, 1)
    ci = bootstrap_mean_ap({"p": (y, y + 0.01 * np.arange(N), VIDEOS)}, n_bootstrap=200, seed=0)
    assert ci.per_primitive["p"] == pytest.approx((1.0, 1.0), abs=1e-12)
