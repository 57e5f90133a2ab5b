"""Binary AP against scikit-learn, hand-worked examples and the published chance row."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from camerabench.eval.ap import (
    UndefinedMetricWarning,
    average_precision,
    bootstrap_mean_ap,
    chance_ap,
    paired_bootstrap_test,
    resolve_failed,
    roc_auc,
    weighted_ap_matrix,
)
from camerabench.eval.binary import binary_samples, binary_section, chance_section
from camerabench.labelfiles import read_binary_dir
from camerabench.records import ScoreRecord
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import Primitive

PUBLISHED_CHANCE = {
    "Move_In": 29.3, "Move_Out": 9.7, "Move_Up": 6.7, "Move_Down": 8.6, "Move_Right": 15.8, "Move_Left": 11.5,
    "Zoom_In": 11.1, "Zoom_Out": 10.2,
    "Pan_Right": 15.0, "Pan_Left": 15.4, "Tilt_Up": 12.7, "Tilt_Down": 7.7, "Roll_Clockwise": 8.9,
    "Roll_Counterclockwise": 10.2,
    "Static": 9.7,
}  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_ap_and_auc_match_sklearn_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    y = rng.random(n) < rng.uniform(0.05, 0.6)
    y[0], y[1] = True, False  # both classes present
    s = rng.normal(size=n) if seed % 2 else np.round(rng.random(n), 1)  # odd seeds: ties
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-15)
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-15)


def test_ap_hand_worked_without_ties() -> None:
    # ranking: + - + -  -> precision at the positives 1/1 and 2/3 -> AP = (1 + 2/3) / 2
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    assert average_precision([1, 1, 0, 0], [4, 3, 2, 1]) == 1.0


def test_ap_hand_worked_with_ties() -> None:
    # scores (3: +), (2: +, -), (1: -): thresholds 3 -> P=1, R=1/2; 2 -> P=2/3, R=1
    # AP = 1/2 * 1 + 1/2 * 2/3 = 5/6 (a tie group is one threshold, not an optimistic order)
    assert average_precision([1, 1, 0, 0], [3, 2, 2, 1]) == pytest.approx(5 / 6)
    # every score tied -> one threshold -> AP = prevalence
    assert average_precision([1, 0, 0, 0, 1], [7, 7, 7, 7, 7]) == pytest.approx(0.4)


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0, 0], []])
def test_one_class_split_is_nan_with_warning(labels: list[int]) -> None:
    scores = np.arange(len(labels), dtype=float)
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(average_precision(labels, scores, name="X"))
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(roc_auc(labels, scores))
    assert math.isnan(chance_ap(labels))


def test_non_finite_scores_are_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        average_precision([1, 0], [0.5, math.nan])


def test_resolve_failed_lowest_ranks_failures_last_and_drop_removes_them() -> None:
    scores = np.array([0.3, np.nan, -2.0, np.nan])
    ok = np.array([True, False, True, False])
    low, keep = resolve_failed(scores, ok, "lowest")
    assert keep.all()
    assert low[1] == low[3] < -2.0
    _, keep = resolve_failed(scores, ok, "drop")
    assert keep.tolist() == ok.tolist()
    # a positive that failed costs AP under "lowest": it is ranked below every negative
    y = np.array([True, True, False, False])
    s, _ = resolve_failed(np.array([0.9, np.nan, 0.5, 0.1]), np.array([True, False, True, True]), "lowest")
    assert average_precision(y, s) == pytest.approx((1 + 2 / 4) / 2)
    with pytest.raises(ValueError):
        resolve_failed(scores, ok, "ignore")  # type: ignore[arg-type, unused-ignore]


@pytest.mark.parametrize("seed", range(5))
def test_weighted_ap_matrix_matches_sklearn_sample_weight(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 80
    y = rng.random(n) < 0.3
    s = np.round(rng.random(n), 1)
    w = rng.multinomial(n, np.full(n, 1 / n), size=25)
    got = weighted_ap_matrix(y, s, w)
    for b in range(w.shape[0]):
        if (w[b] * y).sum() == 0 or (w[b] * ~y).sum() == 0:
            assert math.isnan(got[b])
        else:
            assert got[b] == pytest.approx(average_precision_score(y, s, sample_weight=w[b]), abs=1e-12)


def test_bootstrap_ci_brackets_the_estimate_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    videos = [f"v{i}" for i in range(200)]
    per = {}
    for name in ("A", "B"):
        y = rng.random(200) < 0.3
        s = y + rng.normal(scale=1.0, size=200)
        per[name] = (y, s, videos)
    ci = bootstrap_mean_ap(per, n_bootstrap=300, seed=1)
    mean = np.mean([average_precision(y, s) for y, s, _ in per.values()])
    lo, hi = ci.mean_ap
    assert lo < mean < hi
    assert bootstrap_mean_ap(per, n_bootstrap=300, seed=1) == ci
    assert bootstrap_mean_ap(per, n_bootstrap=300, seed=2) != ci


def test_paired_bootstrap_test() -> None:
    rng = np.random.default_rng(3)
    videos = [f"v{i}" for i in range(300)]
    y = rng.random(300) < 0.3
    good = {"P": (y, y + rng.normal(scale=0.3, size=300), videos)}
    bad = {"P": (y, rng.normal(size=300), videos)}
    result = paired_bootstrap_test(good, bad, n_bootstrap=300, seed=0)
    assert result.diff > 0.3
    assert result.p_value < 0.01
    same = paired_bootstrap_test(good, good, n_bootstrap=100, seed=0)
    assert same.diff == 0.0 and same.p_value == 1.0
    other = {"P": (y, good["P"][1], list(reversed(videos)))}
    with pytest.raises(ValueError, match="same samples"):
        paired_bootstrap_test(good, other, n_bootstrap=10)


def test_constant_scores_on_public_labels_give_the_published_chance_row(public_data) -> None:
    binary = read_binary_dir(public_data / "binary_classification")
    assert [p.value for p in binary] == list(PUBLISHED_CHANCE)
    records = {
        (r.image, prim.question): ScoreRecord(r.image, prim.question, "const", 0.5, primitive=prim.value)
        for prim, recs in binary.items()
        for r in recs
    }
    run = MethodRun("const", public_data, scores=records)
    samples = {p: binary_samples(recs, p.question, run) for p, recs in binary.items()}
    section, _ = binary_section(samples, "lowest", n_bootstrap=0)
    got = {p: round(100 * ap, 1) for p, ap in section.per_primitive.items()}
    assert got == PUBLISHED_CHANCE
    assert round(100 * section.mean_ap, 1) == 12.2
    assert section.failed == section.missing == 0
    assert section.samples == 7679
    chance = chance_section(binary)
    assert {p: round(100 * v, 1) for p, v in chance.per_primitive.items()} == PUBLISHED_CHANCE
    assert section.mean_roc_auc == 0.5


def test_missing_and_failed_samples_are_counted(public_data) -> None:
    all_recs = read_binary_dir(public_data / "binary_classification")[Primitive.PAN_LEFT]
    yes = [r for r in all_recs if r.label == "Yes"]
    no = [r for r in all_recs if r.label == "No"]
    recs = yes[:10] + no[:20] + yes[10:15] + no[20:25]  # failed: 5 of each class
    q = Primitive.PAN_LEFT.question
    scores = {(r.image, q): ScoreRecord(r.image, q, "m", float(r.label == "Yes")) for r in recs[:30]}
    scores |= {(r.image, q): ScoreRecord.failed(r.image, q, "m", "no features") for r in recs[30:35]}
    run = MethodRun("m", public_data, scores=scores)
    smp = binary_samples(recs, q, run)
    low, _ = binary_section({Primitive.PAN_LEFT: smp}, "lowest", n_bootstrap=0)
    assert (low.failed, low.missing, low.samples) == (5, 5, 40)
    assert low.failure_reasons == {"no features": 5}
    # the 10 scored positives rank first; the 5 failed/missing ones below all 25 negatives
    assert low.per_primitive["Pan_Left"] == pytest.approx(10 / 15 + 5 / 15 * 15 / 40)
    drop, _ = binary_section({Primitive.PAN_LEFT: smp}, "drop", n_bootstrap=0)
    assert drop.samples == 30
    assert drop.counts["Pan_Left"].positives == 10
    assert drop.per_primitive["Pan_Left"] == 1.0
    assert drop.note is not None and "different samples" in drop.note


def test_bootstrap_handles_replicates_with_one_class_primitives() -> None:
    # 12 videos, each primitive has a single positive: since round 24 a class held by one video has
    # no bootstrap interval (every replicate resamples that video or none; the old (1.0, 1.0) was
    # zero-width by construction), so every interval, the mean's and the paired test are NaN
    videos = [f"v{i}" for i in range(12)]
    per_a, per_b = {}, {}
    for k in range(4):
        y = np.zeros(12, bool)
        y[k] = True
        per_a[f"P{k}"] = (y, y.astype(float), videos)
        per_b[f"P{k}"] = (y, np.linspace(0, 1, 12), videos)
    with pytest.warns(UndefinedMetricWarning, match="P0 .its positives lie on 1 video.*no primitive left"):
        ci = bootstrap_mean_ap(per_a, n_bootstrap=200, seed=0)
    assert all(math.isnan(v) for v in (*ci.mean_ap, *(x for lh in ci.per_primitive.values() for x in lh)))
    with pytest.warns(UndefinedMetricWarning, match="paired test's interval is undefined"):
        test = paired_bootstrap_test(per_a, per_b, n_bootstrap=200, seed=0)
    assert math.isnan(test.ci95[0]) and test.n_bootstrap == 0
    assert 0.0 < test.p_value <= 1.0  # the permutation test needs no spread of videos
    # the observed difference is defined and kept (as the mean AP keeps these primitives)
    obs = [average_precision(y, s) - average_precision(y, per_b[n][1]) for n, (y, s, _) in per_a.items()]
    assert test.diff == pytest.approx(np.mean(obs), abs=1e-12)
    # two positive videos each: most resamples keep both classes, some lose them in a primitive
    # (the replicates with one class keep their treatment: left out of every interval)
    for k in range(4):
        y = np.zeros(12, bool)
        y[[k, k + 4]] = True
        per_a[f"P{k}"] = (y, y.astype(float), videos)
        per_b[f"P{k}"] = (y, np.linspace(0, 1, 12), videos)
    ci = bootstrap_mean_ap(per_a, n_bootstrap=200, seed=0)
    assert ci.mean_ap == (1.0, 1.0)  # perfect scores: 1 in every replicate that keeps all four primitives
    assert ci.degenerate is not None and all(0 < k < 200 for k in ci.degenerate.values())
    test = paired_bootstrap_test(per_a, per_b, n_bootstrap=200, seed=0)
    # only replicates that keep every primitive's positives (about (1 - (10/12)^12)^4 of them)
    assert 100 < test.n_bootstrap < 170
    assert test.p_value < 0.05


@pytest.mark.parametrize("seed", range(4))
def test_mean_ap_interval_averages_the_same_primitives_as_the_estimate(seed: int) -> None:
    # Six primitives with two positives each, ranked last, hold the mean down to ~0.2. Many
    # replicates lose both positives of one of them; averaging what is left would put the interval
    # above the estimate. Averaging the same primitives keeps it beside it. (Round 24: with ONE
    # positive each, as this test had, those primitives have no interval at all: checked below.)
    rng = np.random.default_rng(seed)
    n = 30
    videos = [f"v{i}" for i in range(n)]
    common = rng.random(n) < 0.5
    per = {"common": (common, common + rng.normal(0, 0.3, n), videos)}
    for j in range(6):
        rare = np.zeros(n, bool)
        rare[rng.choice(n, 2, replace=False)] = True
        per[f"rare{j}"] = (rare, np.where(rare, 0.0, rng.random(n) + 0.1), videos)
    point = float(np.mean([average_precision(y, s) for y, s, _ in per.values()]))
    lo, hi = bootstrap_mean_ap(per, n_bootstrap=1000, seed=seed).mean_ap
    assert point - 0.04 < lo < point  # BCa (F61a): 0.029 below at seed 1
    assert point < hi < point + 0.06
    # one positive video each: the rare intervals are undefined and the mean's interval is the
    # one of the only primitive left, said in the warning (the estimate averages all seven)
    for j in range(6):
        rare = np.zeros(n, bool)
        rare[rng.integers(n)] = True
        per[f"rare{j}"] = (rare, np.where(rare, 0.0, rng.random(n) + 0.1), videos)
    with pytest.warns(UndefinedMetricWarning, match="mean AP interval uses 1 of 7 primitive"):
        ci = bootstrap_mean_ap(per, n_bootstrap=1000, seed=seed)
    assert all(math.isnan(x) for j in range(6) for x in ci.per_primitive[f"rare{j}"])
    alone = bootstrap_mean_ap({"common": per["common"]}, n_bootstrap=1000, seed=seed)
    assert ci.mean_ap == alone.mean_ap == ci.per_primitive["common"] == alone.per_primitive["common"]
