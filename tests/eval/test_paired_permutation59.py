"""Red team R59: the paired test's p-value came from the bootstrap replicates' signs, which with a
class on 2 or 3 videos (the real clip sets) called two methods of one score distribution different
at p < 0.05 in 16-20 % of simulations, and gave p = 0 from a single replicate. It is now a paired
permutation test (scipy.stats.permutation_test): checked here against an exact enumeration by hand
with scikit-learn's AP, and for its size under the null."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import paired_bootstrap_test

VIDEOS = [f"v{i}" for i in range(8)]
LABELS = {
    "p": np.array([1, 1, 0, 0, 0, 1, 0, 0], dtype=bool),
    "q": np.array([0, 1, 0, 1, 0, 0, 1, 0], dtype=bool),
}


def _methods(seed: int, strength: float) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    a = {n: (y, strength * y + rng.normal(0, 1, y.size), VIDEOS) for n, y in LABELS.items()}
    b = {n: (y, rng.normal(0, 1, y.size), VIDEOS) for n, y in LABELS.items()}
    return a, b


def _exact_p(a: dict, b: dict) -> float:
    """Two-sided p over all 2**8 swaps of the two methods' scores, video by video, by hand."""

    def diff(swap: np.ndarray) -> float:
        return float(
            np.mean(
                [
                    average_precision_score(y, np.where(swap, b[n][1], sa))
                    - average_precision_score(y, np.where(swap, sa, b[n][1]))
                    for n, (y, sa, _) in a.items()
                ]
            )
        )

    observed = diff(np.zeros(len(VIDEOS), dtype=bool))
    null = np.array([diff(np.array(s, dtype=bool)) for s in itertools.product([False, True], repeat=len(VIDEOS))])
    tol = 1e-12
    return min(1.0, 2 * min(float(np.mean(null <= observed + tol)), float(np.mean(null >= observed - tol))))


@pytest.mark.parametrize(("seed", "strength"), [(3, 0.8), (4, 0.0), (5, 2.0)])
def test_the_p_value_is_the_exact_permutation_test_when_it_can_be_enumerated(seed: int, strength: float) -> None:
    a, b = _methods(seed, strength)
    test = paired_bootstrap_test(a, b, n_bootstrap=1000, seed=0)  # 2**8 = 256 swaps < 1000: exact
    assert test.p_value == pytest.approx(_exact_p(a, b), abs=1e-12)
    assert test.p_value > 0.0


def test_two_methods_of_one_score_distribution_are_rarely_called_different() -> None:
    # 22 videos, 2 positives per primitive (as on the real sets): the bootstrap's p-value was below
    # 0.05 in 16 % of such runs; a test of size 0.05 stays near it (binomial sd over 150 runs: 1.8 %)
    rng = np.random.default_rng(0)
    videos = [f"v{i}" for i in range(22)]
    small = 0
    runs = 150
    for _ in range(runs):
        a, b = {}, {}
        for k in range(3):
            y = np.zeros(22, dtype=bool)
            y[rng.choice(22, 2, replace=False)] = True
            a[f"p{k}"] = (y, y + rng.normal(0, 1, 22), videos)
            b[f"p{k}"] = (y, y + rng.normal(0, 1, 22), videos)
        small += paired_bootstrap_test(a, b, n_bootstrap=200, seed=int(rng.integers(1 << 30))).p_value < 0.05
    assert small / runs < 0.10


def test_a_primitive_of_one_method_only_is_named_when_left_out() -> None:
    a, b = _methods(3, 1.0)
    extra = dict(a, r=(LABELS["p"], np.linspace(0, 1, 8), VIDEOS))
    with pytest.warns(UserWarning, match=r"1 primitive\(s\) given for one method only are left out: r"):
        test = paired_bootstrap_test(extra, b, n_bootstrap=50, seed=0)
    assert test.diff == paired_bootstrap_test(a, b, n_bootstrap=50, seed=0).diff  # p and q only


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_bootstrap": 1.5}, TypeError, "n_bootstrap"),
        ({"n_bootstrap": True}, TypeError, "n_bootstrap"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": None}, TypeError, "seed"),
    ],
)
def test_bad_draw_arguments_are_named(kwargs: dict, error: type[Exception], message: str) -> None:
    from camerabench.eval.ap import bootstrap_mean_ap

    a, b = _methods(3, 1.0)
    with pytest.raises(error, match=message):
        paired_bootstrap_test(a, b, **{"n_bootstrap": 10, "seed": 0, **kwargs})
    with pytest.raises(error, match=message):
        bootstrap_mean_ap(a, **{"n_bootstrap": 10, "seed": 0, **kwargs})


def test_subset_ap_of_an_empty_group_or_unmatched_names_warns_saying_why() -> None:
    from camerabench.eval.ap import UndefinedMetricWarning
    from camerabench.eval.binary import ResolvedSamples
    from camerabench.eval.knobs import subset_ap

    resolved = {"p": ResolvedSamples(LABELS["p"], np.linspace(1, 0, 8), [f"{v}.mp4" for v in VIDEOS])}
    with pytest.warns(UndefinedMetricWarning, match="knob 'k' is undefined: it holds no clip"):
        empty = subset_ap(resolved, [], "k")
    assert np.isnan(empty.mean_ap) and empty.clips == 0  # was NaN without a word
    named = r"the label files name clips e\.g\. 'v0\.mp4', the group e\.g\. 'videos/v0\.mp4'"
    with pytest.warns(UndefinedMetricWarning, match=named):
        folder = subset_ap(resolved, ["videos/v0.mp4", "videos/v1.mp4"], "k")
    assert np.isnan(folder.mean_ap)
