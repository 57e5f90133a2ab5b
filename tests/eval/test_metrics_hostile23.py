"""Hostile inputs, round 23: infinite scores, ties at the VQA threshold and in retrieval, bootstrap
intervals resting on one video of a class, a video labelled Yes and No in memory."""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import ThinClassWarning, bootstrap_mean_ap, resolve_failed
from camerabench.eval.binary import binary_samples, binary_section
from camerabench.eval.vqa import retrieval_scores, vqa_retrieval_sections, vqa_scores
from camerabench.labelfiles import VQAPair
from camerabench.records import ScoreRecord
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import BinaryRecord, Primitive

OK4 = np.ones((1, 4), bool)


@pytest.mark.parametrize("bad", [-np.inf, np.inf])
@pytest.mark.parametrize("policy", ["lowest", "drop"])
def test_an_infinite_ok_score_is_refused_with_or_without_a_failure(bad: float, policy: str) -> None:
    # old: -inf beside a failure turned every score into a rank (AP computed), +inf passed through
    # and was refused later as "resolve failed samples first"; without a failure -inf was refused
    with pytest.raises(ValueError, match="score"):
        resolve_failed([bad, 0.3, np.nan], [True, True, False], policy)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="score"):
        resolve_failed([bad, 0.3], [True, True], policy)  # type: ignore[arg-type]


def test_an_infinite_vqa_cell_is_refused() -> None:
    # old: +-inf cells scored a perfect pair (acc 1, retrieval 1), two +inf cells tied and lost
    s = np.array([[np.inf, -np.inf, np.inf, -np.inf]])
    with pytest.raises(ValueError, match="infinite"):
        vqa_scores(s, OK4, 0.5)
    with pytest.raises(ValueError, match="infinite"):
        retrieval_scores(s, OK4)
    # a failed cell may hold anything: it is not read
    s_failed = np.array([[0.9, 0.1, 0.8, np.inf]])
    assert vqa_scores(s_failed, np.array([[True, True, True, False]]), 0.5).acc == 0.75


def _pair(i: int) -> VQAPair:
    pv, nv = f"p{i}.mp4", f"n{i}.mp4"
    return VQAPair(
        "skill", "task", (pv, nv), ("pan left", "pan right"), pv, nv, "pan left", "pan right",
        "Does the camera pan left?", "Does the camera pan right?",
    )  # fmt: skip


def _run(pairs: list[VQAPair], values: list[list[float]]) -> MethodRun:
    table = {}
    for pair, row in zip(pairs, values, strict=True):
        for (video, question, _), v in zip(pair.cells, row, strict=True):
            table[(video, question)] = ScoreRecord(video, question, "m", v)
    return MethodRun("m", Path("."), scores=table)


def test_a_method_answering_half_everywhere_is_counted_not_silently_zero(caplog: pytest.LogCaptureFixture) -> None:
    pairs = [_pair(0), _pair(1)]
    labels = {("skill", "task"): pairs}
    with caplog.at_level(logging.WARNING):
        out = vqa_retrieval_sections(labels, _run(pairs, [[0.5] * 4] * 2), yes_threshold=0.5)
    assert out is not None
    vqa, ret = out
    # hand-worked: no cell above or below 0.5 -> all wrong; every comparison ties -> all lost
    assert (vqa.overall.acc, vqa.overall.group_acc, ret.text, ret.video) == (0.0, 0.0, 0.0, 0.0)
    # old: note None, no warning
    assert vqa.note is not None
    assert "8 of 8 cells scored exactly the yes threshold 0.5" in vqa.note
    assert "8 of 8 retrieval comparisons between equal scores" in vqa.note
    assert "8 of 8 cells" in caplog.text


def test_one_cell_at_the_threshold_and_one_tie_are_counted() -> None:
    pairs = [_pair(0)]
    # s(pT,pV)=0.7 at the threshold; s(nT,nV)=0.9 ties s(nT,pV)=0.9
    out = vqa_retrieval_sections({("skill", "task"): pairs}, _run(pairs, [[0.7, 0.2, 0.9, 0.9]]), yes_threshold=0.7)
    assert out is not None
    vqa, ret = out
    # Yes 0.7 (at the threshold: wrong), No 0.2 right, Yes 0.9 right, No 0.9 wrong
    assert vqa.overall.acc == 0.5
    # comparisons: text (0,3) 0.7>0.9 no, (2,1) 0.9>0.2 yes; video (0,1) yes, (2,3) tie -> lost
    assert (ret.text, ret.video) == (0.0, 0.0)
    assert vqa.note is not None and "1 of 4 cells" in vqa.note and "1 of 4 retrieval comparisons" in vqa.note


def test_ordinary_scores_leave_no_tie_note() -> None:
    pairs = [_pair(0), _pair(1)]
    out = vqa_retrieval_sections({("skill", "task"): pairs}, _run(pairs, [[0.9, 0.2, 0.7, 0.4], [0.6, 0.3, 0.8, 0.1]]))
    assert out is not None and out[0].note is None and out[0].overall.acc == 1.0


def _videos(n: int) -> list[str]:
    return [f"v{i}" for i in range(n)]


def test_a_bootstrap_interval_on_one_positive_video_warns_and_is_nan() -> None:
    # Round 24 changed this (was: warns and keeps its numbers, (1.0, 1.0)): the positive ranks
    # first in every replicate that keeps it, AP 1 in each, a zero-width "interval" that is no
    # interval; it is now undefined (NaN), and so is the mean's with no other primitive
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0], bool)
    s = np.linspace(1, 0, 8)
    with pytest.warns(ThinClassWarning, match="one video"):
        ci = bootstrap_mean_ap({"a": (y, s, _videos(8))}, n_bootstrap=200, seed=3)
    assert all(math.isnan(v) for v in (*ci.per_primitive["a"], *ci.mean_ap))
    # two positive samples of one video are one draw: still one video of the class
    y2 = np.array([1, 1, 0, 0, 0, 0], bool)
    with pytest.warns(ThinClassWarning, match=r"b \(its positives lie on 1 video\)"):
        ci2 = bootstrap_mean_ap({"b": (y2, np.linspace(1, 0, 6), ["v0", "v0", "v1", "v2", "v3", "v4"])}, 50, seed=0)
    assert all(math.isnan(v) for v in ci2.per_primitive["b"])


def test_a_bootstrap_with_two_videos_of_each_class_is_silent_and_reproducible() -> None:
    rng = np.random.default_rng(0)
    y = np.array([1, 1, 0, 0, 0, 1, 0, 0, 0, 0], bool)
    s = rng.random(10)
    per = {"a": (y, s, _videos(10))}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first = bootstrap_mean_ap(per, n_bootstrap=300, seed=7)
        again = bootstrap_mean_ap(dict(per), n_bootstrap=300, seed=7)
    assert first == again
    # the video order does not change the interval (videos are indexed by name)
    order = rng.permutation(10)
    shuffled = {"a": (y[order], s[order], [_videos(10)[i] for i in order])}
    assert bootstrap_mean_ap(shuffled, n_bootstrap=300, seed=7).per_primitive == first.per_primitive


def _records(labels: list[str], videos: list[str]) -> list[BinaryRecord]:
    p = Primitive.from_name("Pan_Left")
    return [BinaryRecord(v, p.question, lab, p.task, p.value) for v, lab in zip(videos, labels, strict=True)]


def test_a_video_labelled_yes_and_no_in_memory_is_refused() -> None:
    p = Primitive.from_name("Pan_Left")
    recs = _records(["Yes", "No", "No"], ["a.mp4", "a.mp4", "b.mp4"])
    run = MethodRun(
        "m", Path("."), scores={(v, p.question): ScoreRecord(v, p.question, "m", 0.4) for v in ("a.mp4", "b.mp4")}
    )
    # old: a.mp4's one score ranked once as a positive and once as a negative
    with pytest.raises(ValueError, match=r"a\.mp4 is labelled both"):
        binary_samples(recs, p.question, run)


def test_ap_with_scores_tied_across_classes_is_sklearns_in_any_order() -> None:
    p = Primitive.from_name("Pan_Left")
    labels = ["Yes", "No", "Yes", "No", "No", "Yes"]
    values = [0.5, 0.5, 0.2, 0.2, 0.9, 0.5]
    videos = [f"c{i}.mp4" for i in range(6)]
    expected = average_precision_score([lab == "Yes" for lab in labels], values)
    for order in ([0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [1, 3, 0, 5, 2, 4]):
        recs = _records([labels[i] for i in order], [videos[i] for i in order])
        run = MethodRun(
            "m",
            Path("."),
            scores={(videos[i], p.question): ScoreRecord(videos[i], p.question, "m", values[i]) for i in order},
        )
        section, _ = binary_section({p: binary_samples(recs, p.question, run)}, n_bootstrap=0)
        assert section.per_primitive[p.value] == pytest.approx(expected, abs=1e-15)
