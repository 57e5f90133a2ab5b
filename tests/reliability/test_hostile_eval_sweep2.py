"""Hostile-input sweep of the evaluation inputs, second pass: label files that contradict
themselves, reference captions without words, trajectories that cover part of their ground
truth, answer records that match rows of several tables, a most-negative-float score,
ShotBench categories in another case, and replies that start with the article "A".

Numbers are checked against scikit-learn or against the metric computed on the part that is
really compared.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from sklearn.metrics import average_precision_score

from camerabench.errors import FileFormatError
from camerabench.eval.ap import resolve_failed
from camerabench.eval.evaluate import evaluate
from camerabench.eval.failed import lowest_scores
from camerabench.eval.mcq import Choice, extract_choice, mcq_section
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_errors, trajectory_section
from camerabench.labelfiles import read_caption_file, read_vqa_file
from camerabench.records import AnswerRecord, write_answers
from camerabench.runfolder import MethodRun
from camerabench.shotbench import MCQRow, read_mcq_table, write_mcq_table
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

# --------------------------------------------------------------------------- VQA labels

POS_Q, NEG_Q = "Is the camera moving?", "Is the camera fixed?"


def _pair(pos: str, neg: str, pos_q: str = POS_Q, neg_q: str = NEG_Q) -> dict[str, object]:
    return {
        "skill": "motion", "task": "moving", "images": [pos, neg], "texts": [pos_q, neg_q],
        "pos_video": pos, "neg_video": neg, "pos_text": pos_q, "neg_text": neg_q,
        "pos_question": pos_q, "neg_question": neg_q,
    }  # fmt: skip


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_vqa_cell_expected_both_yes_and_no_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    # line 2 makes b.mp4 the positive video of the question line 1 expects No on b.mp4
    path = _jsonl(tmp_path / "moving.jsonl", [_pair("a.mp4", "b.mp4"), _pair("b.mp4", "c.mp4")])
    with pytest.raises(FileFormatError, match=r"moving\.jsonl:2: b\.mp4 is expected to answer 'No' and 'Yes'") as exc:
        read_vqa_file(path)
    assert "(line 1 and this line)" in str(exc.value)


def test_vqa_pairs_that_share_cells_consistently_are_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # the same cells, answered the same way, from a pair with its videos, questions and texts
    # swapped: the same test, read once (it was counted twice); a pair sharing a cell is read
    rows = [_pair("a.mp4", "b.mp4"), _pair("b.mp4", "a.mp4", NEG_Q, POS_Q), _pair("a.mp4", "c.mp4")]
    pairs = read_vqa_file(_jsonl(tmp_path / "moving.jsonl", rows))
    assert [(p.pos_video, p.neg_video) for p in pairs] == [("a.mp4", "b.mp4"), ("a.mp4", "c.mp4")]
    assert "moving.jsonl:2: repeats the pair of line 1 with its two sides swapped" in caplog.text


# --------------------------------------------------------------------------- caption references


@pytest.mark.parametrize("answer", ["...", "\u2026", "\x00", "?!"])
def test_a_reference_caption_without_words_is_an_error(tmp_path: Path, answer: str) -> None:
    items = [
        {"video": "a.mp4", "question": "Describe the camera movement in this video.", "answer": "Pans left."},
        {"video": "b.mp4", "question": "Describe the camera movement in this video.", "answer": answer},
    ]
    path = tmp_path / "caption_data.json"
    path.write_text(json.dumps(items, indent=4), encoding="utf-8")
    with pytest.raises(
        FileFormatError,
        match=r"caption_data\.json:7: item 1: 'answer' (must be a reference caption|has no visible character)",
    ):
        read_caption_file(path)


# --------------------------------------------------------------------------- trajectories

N = 30
TS = np.arange(N) / 10.0


def _curve() -> np.ndarray:
    c2w = np.tile(np.eye(4), (N, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(
        np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.linspace(0, 0.2, N)]
    ).as_matrix()
    c2w[:, :3, 3] = np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)]
    return c2w


def _noisy(c2w: np.ndarray) -> np.ndarray:
    out = c2w.copy()
    out[:, :3, 3] += np.random.default_rng(1).normal(scale=0.05, size=(len(c2w), 3))
    return out


def test_an_estimate_of_part_of_the_clip_says_so_and_is_measured_on_that_part(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gt, est = _curve(), _noisy(_curve())
    part = trajectory_errors(Trajectory(est[:8], None, TS[:8]), Trajectory(gt, None, TS))
    assert part["partial"] is True
    assert "errors measured on the associated poses only (8 over 0-0.7 s)" in part["note"]
    assert "the ground truth spans 0-2.9 s" in part["note"]
    # the numbers are those of the compared part: the ground truth cut to the same span
    alone = trajectory_errors(Trajectory(est[:8], None, TS[:8]), Trajectory(gt[:8], None, TS[:8]))
    for key in ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"):
        assert part[key] == pytest.approx(alone[key], rel=1e-9)
    assert "partial" not in alone and "note" not in alone

    gt_dir = tmp_path / "gt"
    save_npz(gt_dir / "a.npz", Trajectory(gt, None, TS))
    save_npz(gt_dir / "b.npz", Trajectory(gt, None, TS))
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / "a.npz", Trajectory(est[:8], None, TS[:8]))
    save_npz(method / "trajectories" / "b.npz", Trajectory(est, None, TS))
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    assert "m: 1 of 2 evaluated trajectories cover only part of their ground truth's time" in caplog.text
    assert [bool(r.get("partial")) for r in result[1]] == [True, False]


def test_an_estimate_longer_than_its_ground_truth_says_so() -> None:
    gt, est = _curve(), _noisy(_curve())
    errors = trajectory_errors(Trajectory(est, None, TS), Trajectory(gt[:10], None, TS[:10]))
    assert errors["matched_poses"] == 10
    assert "but the estimate spans 0-2.9 s" in errors["note"]


def test_an_estimate_at_a_lower_frame_rate_is_not_partial() -> None:
    gt, est = _curve(), _noisy(_curve())
    errors = trajectory_errors(Trajectory(est[::4], None, TS[::4]), Trajectory(gt, None, TS))
    assert errors["matched_poses"] == len(TS[::4])
    assert "partial" not in errors and "note" not in errors


# --------------------------------------------------------------------------- MCQ answers without a table

VIDEOS = ["v0.mp4", "v1.mp4"]
OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}


def _mcq_data(root: Path, tables: tuple[str, ...]) -> Path:
    (root / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (root / "videos" / v).write_bytes(b"")
    for t in tables:
        rows = [
            # each table asks its own question: one two tables asked alike would be a repeat (read once)
            MCQRow(
                str(i), t, ("video",), (f"videos/{v}",), f"Which ({t})?", dict(OPTIONS), "A", "camera movement", i + 2
            )
            for i, v in enumerate(VIDEOS)
        ]
        write_mcq_table(root / "labels" / "shotbench" / f"{t}.tsv", rows)
    return root


def test_an_answer_without_a_table_that_matches_rows_of_two_tables_is_an_error(tmp_path: Path) -> None:
    data = _mcq_data(tmp_path / "data", ("s", "t"))
    run = tmp_path / "run"
    write_answers(run / "m" / "answers.jsonl", [AnswerRecord("0", "m", "A"), AnswerRecord("1", "m", "B")])
    with pytest.raises(
        FileFormatError, match=r"answers\.jsonl: the answer to index '0' names no table, but tables s, t"
    ):
        evaluate(data, run, n_bootstrap=0, captions_minilm=False)


def test_answers_without_a_table_are_scored_on_a_single_table(tmp_path: Path) -> None:
    data = _mcq_data(tmp_path / "data", ("t",))
    run = tmp_path / "run"
    write_answers(run / "m" / "answers.jsonl", [AnswerRecord("0", "m", "A"), AnswerRecord("1", "m", "B")])
    mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None
    assert (mcq.rows, mcq.correct, mcq.pooled_accuracy) == (2, 1, 0.5)


# --------------------------------------------------------------------------- a most-negative-float score


def test_a_failure_ranks_below_a_most_negative_float_score() -> None:
    lowest = -sys.float_info.max
    labels = [True, False, True, False]
    scores = [lowest, 0.2, 0.9, math.nan]
    ok = [True, True, True, False]
    resolved, keep = resolve_failed(scores, ok, "lowest")
    assert keep.all() and np.isfinite(resolved).all()
    assert resolved[3] < resolved[0] < resolved[1] < resolved[2]
    # the ranking: the failure last, then the sentinel score, then 0.2 and 0.9
    expected = average_precision_score(labels, [1.0, 2.0, 3.0, 0.0])
    assert average_precision_score(labels, resolved) == pytest.approx(expected)
    # without a failure the scores are left as they are
    assert lowest_scores([lowest, 0.5], [True, True]).tolist() == [lowest, 0.5]


# --------------------------------------------------------------------------- ShotBench categories


def test_a_shotbench_category_in_another_case_or_spacing_is_one_category(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    header = "index\ttype\tpath\tquestion\toptions\tanswer\tcategory\n"
    options = json.dumps(OPTIONS)
    lines = [
        f"0\tvideo\tvideos/v0.mp4\tWhich?\t{options}\tA\tcamera movement\n",
        f"1\tvideo\tvideos/v1.mp4\tWhich?\t{options}\tB\tCamera Movement\n",
        f"2\tvideo\tvideos/v2.mp4\tWhich?\t{options}\tB\t camera  movement \n",
        f"3\timage\timage/a.jpg\tWhich?\t{options}\tC\tMy Own Dimension\n",
    ]
    path.write_text(header + "".join(lines), encoding="utf-8")
    rows = read_mcq_table(path)
    assert [r.category for r in rows] == ["camera movement"] * 3 + ["My Own Dimension"]
    answers = {(None, str(i)): AnswerRecord(str(i), "m", "A") for i in range(4)}
    res = mcq_section(rows, answers)
    assert res is not None
    assert sorted(res.per_category) == ["My Own Dimension", "camera movement"]
    assert res.per_category["camera movement"].accuracy == pytest.approx(1 / 3)  # rows 0 right, 1 and 2 wrong
    assert res.mean_accuracy == pytest.approx((1 / 3 + 0.0) / 2)


# --------------------------------------------------------------------------- the article "A"

SHOT_SIZES = {"A": "Close-up", "B": "Extreme close-up", "C": "Medium shot", "D": "Wide shot"}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("A medium shot.", Choice("C", "text")),  # the article, not option A
        ("A Wide Shot", Choice("D", "text")),
        ("<think>tight framing</think><answer>A medium shot</answer>", Choice("C", "text")),
        ("A close-up", Choice("A", "text")),
        ("A. Medium shot", Choice("A", "letter")),  # punctuation after it: the letter
        ("A) Medium shot", Choice("A", "letter")),
        ("A is correct", Choice("A", "letter")),  # no option text named: still the letter
        ("The answer is A", Choice("A", "letter")),
        ("A or B", Choice(None, "unparsed")),
    ],
)
def test_a_sentence_that_starts_with_the_article_a_is_read_by_its_option_text(reply: str, expected: Choice) -> None:
    assert extract_choice(reply, SHOT_SIZES) == expected


def test_trajectory_files_named_for_no_video_are_named_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the video is clip.mov: its trajectory belongs in %clip.mov.npz, and clip.npz matches nothing
    gt, est = _curve(), _noisy(_curve())
    gt_dir = tmp_path / "gt"
    save_npz(gt_dir / "%clip.mov.npz", Trajectory(gt, None, TS))
    save_npz(gt_dir / "b.npz", Trajectory(gt, None, TS))
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / "clip.npz", Trajectory(est, None, TS))
    save_npz(method / "trajectories" / "b.npz", Trajectory(est, None, TS))
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method), ["clip.mov", "b.mp4"])
    assert result is not None
    assert [r["status"] for r in result[1]] == ["missing", "ok"]
    assert "m: 1 trajectory file(s) in" in caplog.text
    assert "named for no video of the dataset (e.g. clip.npz)" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method), ["clip.mov", "b.mp4", "clip.mp4"])
    assert "named for no video" not in caplog.text  # clip.mp4 is a video without ground truth: no warning
