"""The paired permutation test counts each tie group's swaps directly (``ap._permutation_p_value``).

Its statistic must be exactly the one of stacking both methods' scores and weighting them with
:func:`~camerabench.eval.ap.weighted_ap_matrix` (which the AP tests check against scikit-learn):
checked here on the same swaps, bit for bit, and on the p-values of :func:`paired_bootstrap_test`.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from camerabench.eval import ap as ap_module
from camerabench.eval.ap import weighted_ap_matrix


def _reference_statistic(per_a, per_b, names, index, swapped):
    """The statistic as weighted_ap_matrix gives it (float weights of both copies, both sides)."""
    out = np.zeros(swapped.shape[0])
    for n in names:
        y, sa, videos = per_a[n]
        yy, ss = np.r_[y, y].astype(bool), np.r_[sa, per_b[n][1]].astype(np.float64)
        cols = np.array([index[v] for v in videos])
        keep_b = swapped[:, cols].astype(np.float64)
        as_a = np.c_[1.0 - keep_b, keep_b]
        out += weighted_ap_matrix(yy, ss, as_a) - weighted_ap_matrix(yy, ss, 1.0 - as_a)
    return out / len(names)


def _methods(rng: np.random.Generator, n_videos: int, primitives: int, levels: int | None):
    """Two methods' scores on ``primitives`` primitives, each over a random subset of the videos
    (``levels``: scores rounded to so many values, for ties within and across the methods)."""
    videos = [f"v{i}.mp4" for i in range(n_videos)]
    per_a, per_b = {}, {}
    for p in range(primitives):
        chosen = sorted(rng.choice(n_videos, int(rng.integers(n_videos // 2, n_videos + 1)), replace=False))
        y = rng.random(len(chosen)) < rng.uniform(0.1, 0.6)
        y[0], y[1] = True, False
        sa, sb = y * 0.3 + rng.random(len(chosen)), y * 0.1 + rng.random(len(chosen))
        if levels:
            sa, sb = np.round(sa * levels) / levels, np.round(sb * levels) / levels
        names = [videos[i] for i in chosen]
        per_a[f"p{p}"], per_b[f"p{p}"] = (y, sa, names), (y, sb, names)
    index = {v: i for i, v in enumerate(videos)}
    return per_a, per_b, index


@pytest.mark.parametrize(("n_videos", "levels", "seed"), [(40, None, 0), (60, 4, 1), (25, 2, 2), (300, 20, 3)])
def test_the_counted_statistic_is_the_weighted_ap_matrix_one_bit_for_bit(
    n_videos: int, levels: int | None, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(seed)
    per_a, per_b, index = _methods(rng, n_videos, 5, levels)
    names = sorted(per_a)
    swaps = (rng.random((257, len(index))) < 0.5).astype(np.float64)
    seen = {}
    original = scipy.stats.permutation_test

    def capture(data, statistic, **kw):
        seen["counted"] = statistic(swaps, 1.0 - swaps, axis=-1)
        return original(data, statistic, **kw)

    monkeypatch.setattr(scipy.stats, "permutation_test", capture)
    p = ap_module._permutation_p_value(per_a, per_b, names, index, 500, seed)
    expected = _reference_statistic(per_a, per_b, names, index, swaps == 1)
    np.testing.assert_array_equal(seen["counted"], expected)
    assert 0.0 < p <= 1.0


def test_p_values_equal_the_weighted_ap_matrix_test() -> None:
    rng = np.random.default_rng(7)
    per_a, per_b, index = _methods(rng, 80, 4, 10)
    names = sorted(per_a)
    n_videos = len(index)

    def reference(side_a, side_b, axis=-1):
        moved = np.moveaxis(np.asarray(side_a), axis, -1)
        swapped = np.reshape(moved, (-1, n_videos)) == 1
        return np.reshape(_reference_statistic(per_a, per_b, names, index, swapped), moved.shape[:-1])

    for seed in range(3):
        want = scipy.stats.permutation_test(
            (np.zeros(n_videos), np.ones(n_videos)),
            reference,
            permutation_type="samples",
            vectorized=True,
            n_resamples=400,
            alternative="two-sided",
            rng=np.random.default_rng(seed),
        ).pvalue
        assert ap_module._permutation_p_value(per_a, per_b, names, index, 400, seed) == want
