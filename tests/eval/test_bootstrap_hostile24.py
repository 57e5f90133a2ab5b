"""Hostile inputs, round 24: a bootstrap interval (or paired test) of a primitive whose positives,
or negatives, lie on fewer than 2 videos is no interval: NaN with a warning, and the mean-AP
interval / the paired test average only the primitives that have one (saying how many).

References are computed independently: each replicate expanded by its multiplicities and scored
with ``sklearn.metrics.average_precision_score``, the interval scipy's BCa of those replicates."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.stats import bootstrap
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import (
    PrimitiveSamples,
    ThinClassWarning,
    UndefinedMetricWarning,
    average_precision,
    bootstrap_mean_ap,
    paired_bootstrap_test,
    thin_class,
)
from camerabench.eval.binary import ResolvedSamples, binary_section, compare_methods
from camerabench.taxonomy import Primitive

N = 12
VIDEOS = [f"v{i:02d}" for i in range(N)]  # sorted by name = index order of the bootstrap


def _weights(n_bootstrap: int, seed: int) -> NDArray[np.int64]:
    """Multiplicities of the videos drawn as scipy.stats.bootstrap draws them (indices, then counts)."""
    idx = np.random.default_rng(seed).integers(0, N, (n_bootstrap, N))
    return np.stack([np.bincount(row, minlength=N) for row in idx])


def _replicate_aps(y: NDArray[np.bool_], s: NDArray[np.float64], w: NDArray[np.int64]) -> NDArray[np.float64]:
    """AP of each replicate by sklearn on the samples repeated by their multiplicities (NaN: one class)."""
    out = np.full(w.shape[0], np.nan)
    for b, row in enumerate(w):
        yr, sr = np.repeat(y, row), np.repeat(s, row)
        if yr.any() and not yr.all():
            out[b] = average_precision_score(yr, sr)
    return out


def _sk_ap(y: NDArray[np.bool_], s: NDArray[np.float64]) -> float:
    return float(average_precision_score(y, s))


def _ci(values: NDArray[np.float64], data: tuple[NDArray[Any], ...], statistic: Any = _sk_ap) -> tuple[float, float]:
    """scipy's BCa interval of ``statistic`` (sklearn AP of the paired samples ``data``) on the finite
    replicates ``values`` (those with both classes)."""
    ci = bootstrap(
        data,
        statistic,
        paired=True,
        vectorized=False,
        n_resamples=0,
        method="BCa",
        bootstrap_result=SimpleNamespace(bootstrap_distribution=values[np.isfinite(values)]),
    ).confidence_interval
    return (float(ci.low), float(ci.high))


def _data() -> dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]:
    rng = np.random.default_rng(5)
    normal = np.array([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0], bool)  # 4 positive videos
    one_pos = np.zeros(N, bool)
    one_pos[3] = True
    return {
        "normal": (normal, normal + rng.normal(0, 0.6, N), VIDEOS),
        "one_pos": (one_pos, np.linspace(1, 0, N), VIDEOS),  # the positive is v03, ranked 4th
    }


def test_a_thin_primitive_has_a_nan_interval_and_the_mean_interval_averages_the_others() -> None:
    per = _data()
    with pytest.warns(
        ThinClassWarning, match=r"one_pos \(its positives lie on 1 video\).*mean AP interval uses 1 of 2"
    ):
        ci = bootstrap_mean_ap(per, n_bootstrap=300, seed=4)
    assert issubclass(ThinClassWarning, UndefinedMetricWarning)
    assert all(math.isnan(v) for v in ci.per_primitive["one_pos"])
    y, s, _ = per["normal"]
    ref = _ci(_replicate_aps(y, s, _weights(300, 4)), (y, s))
    assert ci.per_primitive["normal"] == pytest.approx(ref, abs=1e-12)
    # the mean's interval is that of the one primitive left (the old one mixed in one_pos's copies)
    assert ci.mean_ap == ci.per_primitive["normal"]
    # replicates with one class are still counted for it (about (11/12)^12 of them lose v03)
    assert ci.degenerate is not None and 50 < ci.degenerate["one_pos"] < 150


def test_one_negative_video_is_thin_too_and_nothing_left_makes_the_mean_nan() -> None:
    y = np.ones(N, bool)
    y[7] = False
    with pytest.warns(UndefinedMetricWarning, match=r"neg \(its negatives lie on 1 video\).*is undefined \(NaN\)"):
        ci = bootstrap_mean_ap({"neg": (y, np.linspace(1, 0, N), VIDEOS)}, n_bootstrap=100, seed=0)
    assert all(math.isnan(v) for v in (*ci.per_primitive["neg"], *ci.mean_ap))


def test_two_videos_of_each_class_keep_their_interval_silently() -> None:
    y = np.zeros(N, bool)
    y[[2, 9]] = True
    s = np.random.default_rng(1).random(N)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ci = bootstrap_mean_ap({"two": (y, s, VIDEOS)}, n_bootstrap=200, seed=2)
    ref = _ci(_replicate_aps(y, s, _weights(200, 2)), (y, s))
    assert ci.per_primitive["two"] == pytest.approx(ref, abs=1e-12) and ci.mean_ap == ci.per_primitive["two"]


def test_thin_class_says_why_and_leaves_one_class_primitives_to_the_ap_warning() -> None:
    assert thin_class([1, 0, 0], ["a", "b", "c"]) == "its positives lie on 1 video"
    assert thin_class([1, 1, 0, 0], ["a", "a", "b", "c"]) == "its positives lie on 1 video"
    assert thin_class([1, 1, 0], ["a", "b", "c"]) == "its negatives lie on 1 video"
    assert thin_class([1, 1, 0, 0], ["a", "b", "c", "d"]) is None
    assert thin_class([0, 0, 0], ["a", "b", "c"]) is None  # AP itself undefined: not this case
    with pytest.raises(ValueError, match="same length"):
        thin_class([1, 0], ["a"])


Per = dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]


def _observed_diff(per_a: Per, per_b: Per) -> float:
    return float(np.mean([average_precision(*per_a[n][:2]) - average_precision(*per_b[n][:2]) for n in per_a]))


def test_a_paired_test_leaves_a_thin_primitive_out_of_its_replicates_and_matches_sklearn() -> None:
    per_a = _data()
    rng = np.random.default_rng(9)
    per_b = {n: (y, rng.random(N), v) for n, (y, _, v) in per_a.items()}
    with pytest.warns(ThinClassWarning, match=r"one_pos .*paired test's interval uses 1 of 2"):
        test = paired_bootstrap_test(per_a, per_b, n_bootstrap=300, seed=6)
    # the observed difference, the interval and the p-value all rest on "normal" alone (red team R97:
    # a difference over both primitives beside an interval over one excluded its own estimate)
    y, sa, _ = per_a["normal"]
    sb = per_b["normal"][1]
    assert test.primitives == ["normal"]
    assert test.diff == pytest.approx(average_precision_score(y, sa) - average_precision_score(y, sb), abs=1e-12)
    direct = paired_bootstrap_test({"normal": per_a["normal"]}, {"normal": per_b["normal"]}, n_bootstrap=300, seed=6)
    assert test.p_value == direct.p_value
    w = _weights(300, 6)
    d = _replicate_aps(y, sa, w) - _replicate_aps(y, sb, w)
    d = d[np.isfinite(d)]
    assert test.n_bootstrap == d.size
    assert test.ci95 == pytest.approx(tuple(np.percentile(d, [2.5, 97.5])), abs=1e-12)  # the percentile interval
    assert 0.0 < test.p_value <= 1.0  # a permutation test (test_paired_permutation59.py)
    # only thin primitives: no interval (was p from replicates that copy one video); the permutation
    # p-value needs no spread of videos
    only_a, only_b = {"one_pos": per_a["one_pos"]}, {"one_pos": per_b["one_pos"]}
    with pytest.warns(ThinClassWarning, match="interval is undefined"):
        alone = paired_bootstrap_test(only_a, only_b, n_bootstrap=300, seed=6)
    assert all(math.isnan(v) for v in alone.ci95) and alone.n_bootstrap == 0 and 0.0 < alone.p_value <= 1.0
    assert alone.diff == pytest.approx(_observed_diff(only_a, only_b), abs=1e-12)
    # without resamples nothing is tested and nothing warns
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        none = paired_bootstrap_test(per_a, per_b, n_bootstrap=0)
    # (and no interval leaves a thin primitive out: the difference is over both)
    assert none.primitives == ["normal", "one_pos"] and math.isnan(none.p_value)
    assert none.diff == pytest.approx(_observed_diff(per_a, per_b), abs=1e-12)


def _resolved(per: dict[str, tuple[NDArray[np.bool_], NDArray[np.float64], list[str]]]) -> dict[str, ResolvedSamples]:
    return {n: ResolvedSamples(y, s, list(v)) for n, (y, s, v) in per.items()}


def test_compare_methods_says_how_many_primitives_its_interval_and_p_value_rest_on() -> None:
    per_a = _data()
    rng = np.random.default_rng(9)
    per_b = {n: (y, rng.random(N), v) for n, (y, _, v) in per_a.items()}
    with pytest.warns(ThinClassWarning, match="uses 1 of 2"):
        comp = compare_methods("a", "b", _resolved(per_a), _resolved(per_b), n_bootstrap=300, seed=6)
    assert comp.primitives == ["normal"] and comp.samples == N  # what the difference, CI and p rest on
    assert comp.note is not None and "one_pos (its positives lie on 1 video)" in comp.note
    assert "the difference, the interval and the p-value all average the other 1 of 2 primitive(s)" in comp.note
    direct = paired_bootstrap_test({"normal": per_a["normal"]}, {"normal": per_b["normal"]}, n_bootstrap=300, seed=6)
    assert comp.diff == pytest.approx(direct.diff, abs=1e-12)
    assert (comp.ci95, comp.n_bootstrap, comp.p_value) == (direct.ci95, direct.n_bootstrap, direct.p_value)
    # every primitive thin: the difference only, and the note says why (not that it rests on repeats)
    only_a, only_b = {"one_pos": per_a["one_pos"]}, {"one_pos": per_b["one_pos"]}
    with pytest.warns(ThinClassWarning):
        thin = compare_methods("a", "b", _resolved(only_a), _resolved(only_b), n_bootstrap=300, seed=6)
    assert all(math.isnan(v) for v in thin.ci95) and thin.n_bootstrap == 0 and 0.0 < thin.p_value <= 1.0
    assert thin.diff == pytest.approx(_observed_diff(only_a, only_b), abs=1e-12)
    assert thin.note is not None and "no interval (undefined)" in thin.note


def test_binary_section_keeps_the_estimate_and_notes_the_interval() -> None:
    per = _data()
    prims = {"normal": Primitive.from_name("Pan_Left"), "one_pos": Primitive.from_name("Tilt_Up")}
    samples = {prims[n]: PrimitiveSamples(list(v), y, s, np.full(N, "ok")) for n, (y, s, v) in per.items()}
    with pytest.warns(ThinClassWarning):
        section, _ = binary_section(samples, n_bootstrap=300, seed=4)
    # the estimate averages both primitives (both APs are defined), by sklearn
    expected = np.mean([average_precision_score(y, s) for y, s, _ in per.values()])
    assert section.mean_ap == pytest.approx(expected, abs=1e-12) and section.primitives_in_mean == 2
    ci = section.ci95
    assert all(math.isnan(v) for v in ci.per_primitive["Tilt_Up"])
    assert ci.mean_ap == ci.per_primitive["Pan_Left"]
    assert section.note is not None and "Tilt_Up" in section.note
    assert "mean AP interval averages the other 1 primitive(s)" in section.note
