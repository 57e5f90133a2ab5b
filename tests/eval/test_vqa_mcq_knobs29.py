"""Round 29: paired VQA, multiple choice and per-knob AP against hand references (design.md B4, B10)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.knobs import knob_section
from camerabench.eval.mcq import match_answers, mcq_section
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.labelfiles import VQAPair
from camerabench.records import AnswerRecord, ScoreRecord
from camerabench.runfolder import MethodRun
from camerabench.shotbench import MCQRow


def _pair(i: int) -> VQAPair:
    return VQAPair(
        "skill", "task", (f"p{i}.mp4", f"n{i}.mp4"), (f"pt{i}", f"nt{i}"),
        f"p{i}.mp4", f"n{i}.mp4", f"pt{i}", f"nt{i}", f"pq{i}", f"nq{i}",
    )  # fmt: skip


def _run(pairs: list[VQAPair], values: list[list[float]]) -> MethodRun:
    table = {}
    for pair, row in zip(pairs, values, strict=True):
        for (video, question, _), x in zip(pair.cells, row, strict=True):
            table[(video, question)] = ScoreRecord(video, question, "m", x)
    return MethodRun("m", Path("."), scores=table)


def _reference(values: list[list[float]], threshold: float) -> tuple[float, float, float, float, float, float]:
    """B4 by hand: cells s(pT,pV), s(pT,nV), s(nT,nV), s(nT,pV); strict > and <, so a tie loses."""
    acc = q = vid = grp = text = video = 0.0
    for s0, s1, s2, s3 in values:
        c = [s0 > threshold, s1 < threshold, s2 > threshold, s3 < threshold]
        acc += sum(c) / 4
        q += ((c[0] and c[1]) + (c[2] and c[3])) / 2
        vid += ((c[0] and c[3]) + (c[1] and c[2])) / 2
        grp += all(c)
        text += s0 > s3 and s2 > s1
        video += s0 > s1 and s2 > s3
    n = len(values)
    return acc / n, q / n, vid / n, grp / n, text / n, video / n


def test_a_pair_given_twice_in_a_task_is_refused_not_counted_twice() -> None:
    """Old: the repeated (all right) pair was counted twice, 2/3 instead of the reference 1/2."""
    a, b = _pair(0), _pair(1)
    # pair b: a tie in the text comparison (0.7 == 0.7) and a cell exactly at the threshold
    values = [[0.9, 0.1, 0.8, 0.2], [0.7, 0.5, 0.3, 0.7]]
    run = _run([a, b], values)
    got = vqa_retrieval_sections({("skill", "task"): [a, b]}, run)
    assert got is not None
    vqa, ret = got
    ref = _reference(values, 0.5)
    assert (vqa.overall.acc, vqa.overall.q_acc, vqa.overall.video_acc, vqa.overall.group_acc) == pytest.approx(ref[:4])
    assert (ret.text, ret.video) == pytest.approx(ref[4:])
    assert ret.text == 0.5  # the tie is a lost comparison, not a correct preference
    swapped = VQAPair(
        "skill", "task", a.images[::-1], a.texts[::-1], a.neg_video, a.pos_video,
        a.neg_text, a.pos_text, a.neg_question, a.pos_question,
    )  # fmt: skip
    for repeat in (a, swapped):
        with pytest.raises(ValueError, match=r"VQA task skill/task: the pair of .* is given twice"):
            vqa_retrieval_sections({("skill", "task"): [a, b, repeat]}, run)


def _res(labels: list[bool], videos: list[str]) -> ResolvedSamples:
    return ResolvedSamples(np.array(labels), np.linspace(0.9, 0.1, len(labels)), videos)


def test_a_knob_of_only_negatives_is_nan_with_a_warning_naming_knob_method_and_missing_clips() -> None:
    """Old: NaN silently. The group 'dark' has only negatives; 'blur' a clip absent from the samples."""
    res = {"Pan_Left": _res([True, False, False, True], ["a.mp4", "b.mp4", "c.mp4", "d.mp4"])}
    manifest = {
        "clips": [
            {"video": "a.mp4", "knobs": {"blur": True}},
            {"video": "e.mp4", "knobs": {"blur": True}},  # labelled nowhere / not in the run
            {"video": "b.mp4", "knobs": {"dark": True}},
            {"video": "c.mp4", "knobs": {"dark": True}},
            {"video": "d.mp4", "knobs": {}},
        ]
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = knob_section({"m": res}, manifest)["m"]
    assert all(math.isnan(table[k].mean_ap) and table[k].primitives == 0 for k in ("blur", "dark", "none"))
    assert (table["blur"].clips, table["blur"].samples) == (2, 1)
    texts = [str(w.message) for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    assert any(
        t.startswith("m: mean AP on the clips of knob 'dark' is undefined: no primitive has both a clear yes and "
                     "a clear no on its 2 clips (2 samples, 0 positive)") for t in texts
    )  # fmt: skip
    assert any("knob 'blur'" in t and "1 of its 2 clips have no evaluated sample" in t for t in texts)


def test_a_knob_with_both_classes_warns_nothing_and_matches_sklearn() -> None:
    from sklearn.metrics import average_precision_score

    res = {"Pan_Left": _res([True, False, True, False], ["a.mp4", "b.mp4", "c.mp4", "d.mp4"])}
    manifest = {"clips": [{"video": v, "knobs": {"blur": True}} for v in ("a.mp4", "b.mp4", "c.mp4", "d.mp4")]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        got = knob_section({"m": res}, manifest)["m"]["blur"]
    assert got.mean_ap == pytest.approx(average_precision_score([1, 0, 1, 0], [0.9, 0.633, 0.367, 0.1]))


def _row(table: str, index: str) -> MCQRow:
    return MCQRow(index, table, ("video",), (f"v/{index}.mp4",), "q?", {"A": "Pan left", "B": "Tilt up"}, "A",
                  "camera movement", 2)  # fmt: skip


def test_an_answer_of_no_table_is_not_counted_for_the_rows_of_two_tables() -> None:
    """Old: one record scored two rows (2 correct of 2 answers from one reply)."""
    rows = [_row("s", "0"), _row("t", "0")]
    answers = {(None, "0"): AnswerRecord("0", "m", "A")}
    with pytest.raises(ValueError, match=r"index '0' names no table, but tables s, t all have a row"):
        mcq_section(rows, answers)
    # with its table named on one of them, the other table's row takes the record of no table
    answers[("s", "0")] = AnswerRecord("0", "m", "B", table="s")
    assert match_answers(rows, answers) == {("s", "0"): ("s", "0"), ("t", "0"): (None, "0")}
    res = mcq_section(rows, answers)
    assert res is not None and (res.correct, res.pooled_accuracy, res.mean_accuracy) == (1, 0.5, 0.5)
