"""Paired VQA and retrieval metrics: hand-worked 2x2 examples, exact 0 / 1 / chance."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.results import RetrievalScores, VQAScores
from camerabench.eval.vqa import retrieval_scores, vqa_retrieval_sections, vqa_scores
from camerabench.labelfiles import VQAPair, read_vqa_dir
from camerabench.records import ScoreRecord
from camerabench.runfolder import MethodRun

# cell order: s(pT,pV), s(pT,nV), s(nT,nV), s(nT,pV); expected answers Yes, No, Yes, No
OK4 = np.ones((1, 4), bool)


def test_hand_worked_pair_all_correct() -> None:
    s = np.array([[0.9, 0.2, 0.7, 0.4]])
    assert vqa_scores(s, OK4, 0.5) == VQAScores(acc=1.0, q_acc=1.0, video_acc=1.0, group_acc=1.0)
    assert retrieval_scores(s, OK4) == RetrievalScores(text=1.0, video=1.0, group=1.0)


def test_hand_worked_pair_one_wrong_cell() -> None:
    # s(nT,pV) = 0.6 answers Yes where No is right: 3/4 cells; the negative question fails on pV,
    # so Q-Acc 1/2; the positive video fails (its negative question is wrong), video acc 1/2; group 0.
    s = np.array([[0.9, 0.2, 0.7, 0.6]])
    assert vqa_scores(s, OK4, 0.5) == VQAScores(acc=0.75, q_acc=0.5, video_acc=0.5, group_acc=0.0)
    # text: 0.9 > 0.6 and 0.7 > 0.2 -> correct; video: 0.9 > 0.2 and 0.7 > 0.6 -> correct
    assert retrieval_scores(s, OK4) == RetrievalScores(text=1.0, video=1.0, group=1.0)


def test_hand_worked_retrieval_text_only() -> None:
    # text: s(pT,pV)=0.9 > s(nT,pV)=0.8 and s(nT,nV)=0.5 > s(pT,nV)=0.4 -> correct
    # video: s(pT,pV)=0.9 > s(pT,nV)=0.4 but s(nT,nV)=0.5 < s(nT,pV)=0.8 -> wrong
    s = np.array([[0.9, 0.4, 0.5, 0.8]])
    assert retrieval_scores(s, OK4) == RetrievalScores(text=1.0, video=0.0, group=0.0)


def test_scores_that_make_every_metric_zero() -> None:
    s = np.array([[0.1, 0.9, 0.2, 0.8]])  # every answer inverted, every comparison lost
    assert vqa_scores(s, OK4, 0.5) == VQAScores(acc=0.0, q_acc=0.0, video_acc=0.0, group_acc=0.0)
    assert retrieval_scores(s, OK4) == RetrievalScores(text=0.0, video=0.0, group=0.0)


def test_all_yes_or_no_answers_give_half_accuracy_and_ties_lose() -> None:
    for value in (0.9, 0.1):
        s = np.full((3, 4), value)
        got = vqa_scores(s, np.ones((3, 4), bool), 0.5)
        assert got == VQAScores(acc=0.5, q_acc=0.0, video_acc=0.0, group_acc=0.0)
        assert retrieval_scores(s, np.ones((3, 4), bool)) == RetrievalScores(text=0.0, video=0.0, group=0.0)
    at_threshold = vqa_scores(np.full((1, 4), 0.5), OK4, 0.5)
    assert at_threshold.acc == 0.0


def test_every_answer_pattern_once_gives_exact_vqa_chance() -> None:
    patterns = np.array(list(itertools.product([0.0, 1.0], repeat=4)))  # all 16 yes/no answer patterns
    got = vqa_scores(patterns, np.ones_like(patterns, bool), 0.5)
    assert got == VQAScores(acc=0.5, q_acc=0.25, video_acc=0.25, group_acc=1 / 16)


def test_every_score_order_once_gives_exact_retrieval_chance() -> None:
    orders = np.array(list(itertools.permutations([1.0, 2.0, 3.0, 4.0])))  # all 24 rankings of 4 cells
    got = retrieval_scores(orders, np.ones_like(orders, bool))
    assert got.text == pytest.approx(0.25) and got.video == pytest.approx(0.25)
    assert got.group == pytest.approx(1 / 6)


def test_failed_cells_are_wrong_answers_and_lost_comparisons() -> None:
    s = np.array([[0.9, np.nan, 0.7, 0.4]])
    ok = np.array([[True, False, True, True]])
    # the failed cell expects No; counted wrong even though "lowest" would read as No
    assert vqa_scores(s, ok, 0.5) == VQAScores(acc=0.75, q_acc=0.5, video_acc=0.5, group_acc=0.0)
    assert retrieval_scores(s, ok) == RetrievalScores(text=0.0, video=0.0, group=0.0)


def _pairs(public_data: Path) -> dict[tuple[str, str], list[VQAPair]]:
    allp = read_vqa_dir(public_data / "vqa_and_retrieval")
    keys = [("motion_direction", "pan_left_vs_pan_right"), ("motion_direction", "tilt_up_vs_tilt_down"),
            ("has_motion", "has_zoom_in")]  # fmt: skip
    return {k: allp[k][:6] for k in keys}


def _run(
    pairs: dict[tuple[str, str], list[VQAPair]], score: Callable[[bool], float | None], skip: Collection[str] = ()
) -> MethodRun:
    table = {}
    for (_, task), ps in pairs.items():
        if task in skip:
            continue
        for pair in ps:
            for video, question, expected in pair.cells:
                value = score(expected)
                rec = (
                    ScoreRecord.failed(video, question, "m", "boom")
                    if value is None
                    else ScoreRecord(video, question, "m", value)
                )
                table[(video, question)] = rec
    return MethodRun("m", Path("."), scores=table)


def test_sections_on_public_pairs(public_data: Path) -> None:
    pairs = _pairs(public_data)
    perfect = vqa_retrieval_sections(pairs, _run(pairs, lambda e: 0.9 if e else 0.1))
    assert perfect is not None
    vqa, ret = perfect
    assert vqa.overall == VQAScores(acc=1.0, q_acc=1.0, video_acc=1.0, group_acc=1.0)
    assert set(vqa.per_skill) == {"motion_direction", "has_motion"}
    assert (ret.text, ret.video, ret.group) == (1.0, 1.0, 1.0)
    assert vqa.tasks_answered == 3 and vqa.pairs == 18

    # one task unanswered: listed, left out of the means
    part = vqa_retrieval_sections(pairs, _run(pairs, lambda e: 0.9 if e else 0.1, skip={"has_zoom_in"}))
    assert part is not None
    assert part[0].unanswered_tasks == ["has_motion/has_zoom_in"]
    assert set(part[0].per_skill) == {"motion_direction"}

    # no record at all -> no section
    assert vqa_retrieval_sections(pairs, MethodRun("m", Path("."), scores={})) is None

    # every cell failed except positives: lowest -> failed cells are wrong; drop -> pairs dropped
    half = _run(pairs, lambda e: 0.9 if e else None)
    low = vqa_retrieval_sections(pairs, half, "lowest")
    assert low is not None and low[0].overall.acc == 0.5 and low[0].failed == 36
    with pytest.warns(UndefinedMetricWarning, match="every pair has a failed or missing cell"):
        drop = vqa_retrieval_sections(pairs, half, "drop")
    assert drop is not None and drop[0].pairs == 0 and drop[0].dropped_pairs == 18
    assert drop[0].note is not None and "different pairs" in drop[0].note
