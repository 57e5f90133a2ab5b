"""Red team R97: with a "thin" primitive (a class on 1 video: no bootstrap interval) in the mean AP,
the mean AP averaged every primitive while its "95% CI" averaged the others only, and report.md printed
them side by side ("35.2 | [36.5, 66.6]"); the paired test's difference averaged every primitive, its
interval the others. Now the estimate the interval is of is printed and serialised beside it (with
the number of primitives it averages), and the paired test's difference, interval and p-value average
the same primitives.

References are independent: each AP by ``sklearn.metrics.average_precision_score``."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import ThinClassWarning, paired_bootstrap_test
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.eval.results import BinaryCI, EvaluationResult, ResultFormatError, strict_json
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

N = 12
VIDEOS = [f"v{i:02d}.mp4" for i in range(N)]
PAN, TILT, ZOOM = Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ZOOM_IN
LABELS = {
    PAN: np.array([1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0], bool),  # 4 positive videos
    TILT: np.array([0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], bool),  # 4 positive videos
    ZOOM: np.eye(1, N, 3, dtype=bool)[0],  # thin: its one positive is v03
}
NORMAL = [PAN.value, TILT.value]  # the primitives with an interval


def _scores(seed: int, noise: float, thin_first: bool) -> dict[Primitive, np.ndarray]:
    """Noisy scores of the two normal primitives; the thin one's positive ranked first or last (AP 1 or
    1/12): the whole-mean and the normal-only numbers then differ by far more than rounding."""
    rng = np.random.default_rng(seed)
    out = {p: LABELS[p] + rng.normal(0, noise, N) for p in (PAN, TILT)}
    out[ZOOM] = np.where(LABELS[ZOOM], 1.0 if thin_first else -1.0, np.linspace(0.9, 0.0, N))
    return out


SCORES = {"a": _scores(1, 0.7, thin_first=False), "b": _scores(2, 1.5, thin_first=True)}


def _sk(method: str, prims: list[str]) -> float:
    return float(np.mean([average_precision_score(LABELS[Primitive(p)], SCORES[method][Primitive(p)]) for p in prims]))


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvaluationResult, str, Path]:
    """The tiny run evaluated, its metrics read back from strict JSON, and its report."""
    tmp = tmp_path_factory.mktemp("thin98")
    data, run = tmp / "data", tmp / "run"
    for p, y in LABELS.items():
        write_binary_file(
            data / "labels" / "binary_classification" / p.file,
            [BinaryRecord.make(v, p, bool(lab)) for v, lab in zip(VIDEOS, y, strict=True)],
        )
    for name, per in SCORES.items():
        recs = [
            ScoreRecord(v, p.question, name, float(s), primitive=p.value)
            for p in LABELS
            for v, s in zip(VIDEOS, per[p], strict=True)
        ]
        write_scores(run / name / "scores.jsonl", recs)
    with pytest.warns(ThinClassWarning, match=ZOOM.value):
        ev = evaluate(data, run, n_bootstrap=200, seed=3, captions_minilm=False)
    out = tmp / "report"
    md = write_report(data, run, out, evaluation=ev, gallery=0).read_text(encoding="utf-8")
    doc = strict_json(ev.result.to_dict())
    back = EvaluationResult.from_dict(json.loads(json.dumps(doc, allow_nan=False)))
    assert strict_json(back.to_dict()) == doc  # the round trip keeps every field
    return back, md, out


def test_the_estimate_beside_the_mean_ap_interval_is_the_mean_over_its_primitives(
    reported: tuple[EvaluationResult, str, Path],
) -> None:
    result, md, out = reported
    with (out / "binary_summary.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["method"]: r for r in csv.DictReader(fh)}
    for name in SCORES:
        b = result.methods[name].binary
        assert b is not None
        every, subset = _sk(name, [p.value for p in LABELS]), _sk(name, NORMAL)
        assert abs(every - subset) > 0.05  # the case R97 found: the two numbers differ
        assert b.mean_ap == pytest.approx(every, abs=1e-12)  # the headline: every primitive
        assert b.primitives_in_mean == 3
        ci = b.ci95
        assert ci.mean_ap_estimate == pytest.approx(subset, abs=1e-12) and ci.mean_ap_primitives == 2
        lo, hi = ci.mean_ap
        assert math.isfinite(lo) and math.isfinite(hi)
        cell = f"{100 * subset:.1f} [{100 * lo:.1f}, {100 * hi:.1f}] on 2 of 3 primitives"
        row = next(x for x in md.splitlines() if x.startswith(f"| {name} |"))
        assert f"| {100 * every:.1f} | {cell} |" in row
        assert float(rows[name]["ci95_estimate"]) == pytest.approx(subset, abs=1e-12)
        assert rows[name]["ci95_primitives"] == "2" and float(rows[name]["mean_ap"]) == pytest.approx(every)
    assert "interval averages K of the N primitives" in md


def test_the_paired_difference_interval_and_p_value_average_the_same_primitives(
    reported: tuple[EvaluationResult, str, Path],
) -> None:
    result, md, out = reported
    (comp,) = result.comparisons or []
    assert (comp.a, comp.b) == ("a", "b")
    assert comp.primitives == sorted(NORMAL) and comp.samples == 2 * N
    # the difference over the primitives of the interval, by sklearn (over all three it differs by > 0.05)
    assert comp.diff == pytest.approx(_sk("a", NORMAL) - _sk("b", NORMAL), abs=1e-12)
    assert abs(comp.diff - (_sk("a", [p.value for p in LABELS]) - _sk("b", [p.value for p in LABELS]))) > 0.05
    # interval and p-value: those of the test given the two primitives alone (no thin one to leave out)
    per = {m: {p: (LABELS[Primitive(p)], SCORES[m][Primitive(p)], VIDEOS) for p in NORMAL} for m in SCORES}
    alone = paired_bootstrap_test(per["a"], per["b"], n_bootstrap=200, seed=3)
    assert alone.primitives == NORMAL
    assert (comp.diff, *comp.ci95, comp.p_value, comp.n_bootstrap) == pytest.approx(
        (alone.diff, *alone.ci95, alone.p_value, alone.n_bootstrap), abs=1e-12
    )
    assert comp.note is not None and f"{ZOOM.value} (its positives lie on 1 video)" in comp.note
    assert "the difference, the interval and the p-value all average the other 2 of 3" in comp.note
    with (out / "comparisons.csv").open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["primitives"].split(";") == sorted(NORMAL) and float(row["mean_ap_diff"]) == pytest.approx(comp.diff)
    assert "| a | b |" in md and f"| {100 * comp.diff:.1f} |" in md


def test_the_interval_estimate_reads_back_and_is_refused_half_recorded() -> None:
    old = {"per_primitive": {"x": [0.1, 0.9]}, "mean_ap": [0.1, 0.9]}  # written before it was kept
    assert BinaryCI.from_dict(old).mean_ap_estimate is None
    none_left = BinaryCI.from_dict({**old, "mean_ap": [None, None], "mean_ap_estimate": None, "mean_ap_primitives": 0})
    assert none_left.mean_ap_estimate is not None and math.isnan(none_left.mean_ap_estimate)
    with pytest.raises(ResultFormatError, match="mean_ap_estimate is recorded but mean_ap_primitives is not"):
        BinaryCI.from_dict({**old, "mean_ap_estimate": 0.5})
    with pytest.raises(ResultFormatError, match="per_primitive has 1 primitives"):
        BinaryCI.from_dict({**old, "mean_ap_estimate": 0.5, "mean_ap_primitives": 2})


def test_an_estimate_or_count_not_the_intervals_is_refused(reported: tuple[EvaluationResult, str, Path]) -> None:
    """Red team R100: a hand-edited estimate (0.9) or count (all of the mean's primitives, or fewer
    than have an interval of their own) was read and printed beside the interval."""
    result = reported[0]
    doc = strict_json(result.to_dict())
    ci = doc["methods"]["a"]["binary"]["ci95"]
    for edit, match in (
        ({"mean_ap_estimate": 0.9}, "0.9, but the mean AP over its 2 primitives is"),
        ({"mean_ap_primitives": 3}, "but the mean AP over its 3 primitives is"),
        ({"mean_ap_primitives": 1}, "1, but 2 primitives of the mean have an interval of their own"),
    ):
        edited = json.loads(json.dumps(doc))
        edited["methods"]["a"]["binary"]["ci95"] = {**ci, **edit}
        with pytest.raises(ResultFormatError, match=match):
            EvaluationResult.from_dict(edited)
