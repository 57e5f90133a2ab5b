"""The chance row against random scores (red team R24): on CameraBench's public labels the chance
row (the prevalence, 12.2 mean AP) sat below what uniformly random scores get (13.2 expected), so a
seeded random method read "significantly above chance". The expectation is exact (Bestgen 2015)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import chance_ap, random_ap
from camerabench.eval.binary import chance_section
from camerabench.eval.results import Chance
from camerabench.taxonomy import BinaryRecord, Primitive


@pytest.mark.parametrize(("n", "r"), [(2, 1), (4, 1), (5, 2), (6, 3), (7, 1), (7, 6)])
def test_the_expectation_is_the_mean_of_sklearns_ap_over_every_ranking(n: int, r: int) -> None:
    labels = np.array([1] * r + [0] * (n - r))
    # AP depends only on the ranks the positives take, and every set of r ranks is taken by as many
    # of the n! rankings (r! (n - r)! each): the mean over the C(n, r) sets is the mean over all rankings
    aps = []
    for ranks in itertools.combinations(range(n), r):
        ranked = np.zeros(n, int)
        ranked[list(ranks)] = 1
        aps.append(average_precision_score(ranked, -np.arange(n, dtype=float)))
    assert random_ap(labels) == pytest.approx(float(np.mean(aps)), rel=1e-12)
    assert random_ap(labels) > chance_ap(labels) or r == n


def test_at_camerabench_sizes_a_seeded_simulation_agrees() -> None:
    labels = np.array([1] * 29 + [0] * 401)  # Move_Up of the public labels: 29 of 430
    rng = np.random.default_rng(0)
    aps = [average_precision_score(labels, rng.random(labels.size)) for _ in range(4000)]
    assert random_ap(labels) == pytest.approx(float(np.mean(aps)), abs=4 * float(np.std(aps)) / math.sqrt(4000))
    assert random_ap(labels) > chance_ap(labels) + 0.01
    assert math.isnan(random_ap([0, 0, 0])) and math.isnan(random_ap([]))


def test_the_chance_section_keeps_both_and_older_documents_load() -> None:
    recs = {
        Primitive.PAN_LEFT: [BinaryRecord.make(f"v{i}.mp4", Primitive.PAN_LEFT, i < 2) for i in range(8)],
        Primitive.TILT_UP: [BinaryRecord.make(f"v{i}.mp4", Primitive.TILT_UP, False) for i in range(8)],
    }
    chance = chance_section(recs)
    assert chance.per_primitive["Pan_Left"] == 0.25 and math.isnan(chance.per_primitive["Tilt_Up"])
    assert chance.random_per_primitive is not None
    assert chance.random_per_primitive["Pan_Left"] == pytest.approx(random_ap([1, 1, 0, 0, 0, 0, 0, 0]))
    assert chance.random_mean_ap == pytest.approx(chance.random_per_primitive["Pan_Left"])
    assert Chance.from_dict(chance.to_dict()).random_mean_ap == chance.random_mean_ap
    old = Chance.from_dict({"per_primitive": {"Pan_Left": 0.25}, "mean_ap": 0.25})  # a metrics.json of before
    assert old.random_mean_ap is None and old.random_per_primitive is None


def test_the_report_says_what_random_scores_would_get(six_videos: Path, dummy_run: Path, tmp_path: Path) -> None:
    from camerabench.eval.evaluate import evaluate
    from camerabench.eval.report import write_report

    ev = evaluate(six_videos, dummy_run, n_bootstrap=0, captions_minilm=False)
    assert ev.result.chance is not None and ev.result.chance.random_mean_ap is not None
    md = write_report(six_videos, dummy_run, tmp_path / "report", evaluation=ev, gallery=0).read_text("utf-8")
    expected = f"Uniformly random scores are expected to reach {100 * ev.result.chance.random_mean_ap:.1f} mean AP"
    assert expected in md


def test_on_the_public_labels_random_scores_expect_13_2_against_a_chance_row_of_12_2(public_data: Path) -> None:
    from camerabench.labelfiles import read_binary_dir

    chance = chance_section(read_binary_dir(public_data / "binary_classification"))
    assert round(100 * chance.mean_ap, 1) == 12.2  # CameraBench's published chance row
    assert chance.random_mean_ap is not None and round(100 * chance.random_mean_ap, 1) == 13.2
