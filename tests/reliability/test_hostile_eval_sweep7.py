"""Hostile-input sweep of the evaluation, seventh pass: trajectories of few, unordered or
reversed poses; captions without a reference and in other scripts; calibration counts and
one-class primitives; MCQ indexes ``1`` / ``01``; fusion inputs that differ.

Numbers are checked against an independent computation: a numpy Umeyama alignment and APE /
RPE by hand, pycocoevalcap's scorers called directly, scikit-learn's ``brier_score_loss`` and
``calibration_curve``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.fusion import FusionModel, train_fusion
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval import caption_metrics
from camerabench.eval.calibration import (
    calibrate_run,
    calibrated_run,
    calibration_section,
    read_calibration,
)
from camerabench.eval.evaluate import evaluate
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.eval.results import CalibrationResult, CaptionResult
from camerabench.eval.trajectory_error import trajectory_errors, trajectory_section
from camerabench.labelfiles import CaptionItem, write_binary_file, write_caption_file
from camerabench.records import AnswerRecord, CaptionRecord, ScoreRecord, write_answers, write_captions, write_scores
from camerabench.runfolder import MethodFolder, MethodRun, read_method
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
Q = "Describe the camera movement in this video."


def _poses(positions: np.ndarray, rotvecs: np.ndarray) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(positions), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = positions
    return c2w


def _angle_deg(rot: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1))))


# --------------------------------------------------------------------------- trajectories


def test_three_pose_errors_equal_a_numpy_umeyama_and_hand_ape_rpe() -> None:
    ref = _poses(np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0.0]]), np.array([[0, 0, 0], [0, 0.1, 0], [0, 0.2, 0.1]]))
    est = _poses(
        np.array([[0, 0, 0], [2.2, 0.1, 0], [2, 2.1, 0.3]]), np.array([[0, 0, 0], [0, 0.12, 0], [0, 0.17, 0.1]])
    )
    ts = np.array([0.0, 0.1, 0.2])
    got = trajectory_errors(Trajectory(est, None, ts), Trajectory(ref, None, ts))
    # Umeyama (1991) by hand: x_ref = s R x_est + t
    x, y = est[:, :3, 3], ref[:, :3, 3]
    mx, my = x.mean(axis=0), y.mean(axis=0)
    u, d, vt = np.linalg.svd((y - my).T @ (x - mx) / 3)
    sign = np.diag([1.0, 1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    rot = u @ sign @ vt
    scale = float(np.trace(np.diag(d) @ sign) / (((x - mx) ** 2).sum() / 3))
    aligned = est.copy()
    aligned[:, :3, :3] = rot @ est[:, :3, :3]
    aligned[:, :3, 3] = scale * x @ rot.T + my - scale * rot @ mx
    ape = [np.linalg.inv(ref[i]) @ aligned[i] for i in range(3)]
    rpe = [
        np.linalg.inv(np.linalg.inv(ref[i]) @ ref[i + 1]) @ (np.linalg.inv(aligned[i]) @ aligned[i + 1])
        for i in range(2)
    ]
    assert got["alignment"] == "sim3_umeyama" and got["matched_poses"] == 3
    assert got["scale"] == pytest.approx(scale, rel=1e-9)
    assert got["ape_trans_rmse"] == pytest.approx(np.sqrt(np.mean(np.sum((aligned[:, :3, 3] - y) ** 2, 1))), rel=1e-9)
    assert got["ape_rot_deg_rmse"] == pytest.approx(
        np.sqrt(np.mean([_angle_deg(e[:3, :3]) ** 2 for e in ape])), rel=1e-6
    )
    assert got["rpe_trans_rmse"] == pytest.approx(np.sqrt(np.mean([e[:3, 3] @ e[:3, 3] for e in rpe])), rel=1e-9)
    assert got["rpe_rot_deg_rmse"] == pytest.approx(
        np.sqrt(np.mean([_angle_deg(e[:3, :3]) ** 2 for e in rpe])), rel=1e-6
    )


N = 5
TS = np.arange(N) / 10.0
CURVE = _poses(
    np.c_[np.sin(np.arange(N)), np.arange(N) ** 2 / 5, np.arange(N)],
    np.c_[np.zeros(N), np.linspace(0, 0.3, N), np.zeros(N)],
)


def test_an_estimate_missing_two_of_five_frames_is_marked_partial() -> None:
    # was: no note (the slack was two frame gaps, so 40% of the clip could go unsaid)
    got = trajectory_errors(Trajectory(CURVE[:3], None, TS[:3]), Trajectory(CURVE, None, TS))
    assert got["partial"] is True and got["matched_poses"] == 3
    assert "(3 over 0-0.2 s), but the ground truth spans 0-0.4 s" in got["note"]
    # one frame less than the ground truth is within a frame gap: not partial
    assert "partial" not in trajectory_errors(Trajectory(CURVE[:4], None, TS[:4]), Trajectory(CURVE, None, TS))


def test_an_estimate_moving_against_the_ground_truth_says_its_scale_is_zero() -> None:
    line = np.c_[np.zeros(N), np.zeros(N), np.arange(N, dtype=float)]
    ref = Trajectory(_poses(line, np.zeros((N, 3))), None, TS)
    got = trajectory_errors(Trajectory(_poses(-line, np.zeros((N, 3))), None, TS), ref)
    assert got["scale"] == 0.0 and "best non-negative scale is 0" in got["note"]
    spread = line - line.mean(axis=0)  # every estimated centre on the ground truth's centroid
    assert got["ape_trans_rmse"] == pytest.approx(float(np.sqrt((spread**2).sum(axis=1).mean())), rel=1e-12)
    assert got["rpe_trans_rmse"] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("est", "message"),
    [
        (Trajectory(CURVE[:1], None, TS[:1]), r"only 1 pose\(s\) of the estimate match"),
        (Trajectory(CURVE, None, np.zeros(N)), r"estimate: frame 1: timestamp 0 does not increase"),
        (Trajectory(CURVE, None, TS[::-1].copy()), r"estimate: frame 1: timestamp 0.3 does not increase"),
        (Trajectory(CURVE, None, TS + 100), "cannot be associated by timestamp"),
    ],
)
def test_unusable_estimates_are_failed_clips_with_their_reason(
    tmp_path: Path, est: Trajectory, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError, match=message):
        trajectory_errors(est, Trajectory(CURVE, None, TS))
    gt = tmp_path / "gt"
    save_npz(gt / "a.npz", Trajectory(CURVE, None, TS))
    save_npz(gt / "b.npz", Trajectory(CURVE, None, TS))
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / "b.npz", Trajectory(CURVE, None, TS))
    (method / "trajectories").mkdir(parents=True, exist_ok=True)  # save_npz refuses to write a bad estimate
    np.savez(method / "trajectories" / "a.npz", cam_c2w=est.cam_c2w, timestamps=est.timestamps)
    with caplog.at_level(logging.WARNING):
        result = trajectory_section({"a": gt / "a.npz", "b": gt / "b.npz"}, MethodRun("m", method))
    assert result is not None
    section, rows = result
    assert (section.clips, section.ok, section.failed, section.missing) == (2, 1, 1, 0)
    assert rows[0]["status"] == "failed" and rows[0]["reason"]
    assert "m: trajectory of a cannot be evaluated" in caplog.text
    assert section.mean.ape_trans_rmse == pytest.approx(0.0, abs=1e-9)  # the one ok clip, not a 0 for the failed one


# --------------------------------------------------------------------------- captions


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(caption_metrics.shutil, "which", lambda name: None)


@pytest.mark.usefixtures("no_java")
def test_captions_of_labelled_videos_without_a_reference_are_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    # z.mp4 is a video of the dataset (it has binary labels) but has no reference caption
    write_binary_file(
        data / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord(v, PAN.question, "Yes", PAN.task, PAN.label_name) for v in ("a.mp4", "b.mp4", "z.mp4")],
    )
    refs = {"a.mp4": "The camera pans left.", "b.mp4": "The camera tilts up."}
    write_caption_file(data / "labels" / "caption_data.json", [CaptionItem(v, Q, r) for v, r in refs.items()])
    write_captions(
        run / "m" / "captions.jsonl",
        [
            CaptionRecord("a.mp4", "m", "The camera pans left.", question=Q),
            CaptionRecord("b.mp4", "m", None, status="failed", reason="out of memory", question=Q),
            CaptionRecord("z.mp4", "m", "The camera zooms in.", question=Q),
        ],
    )
    with caplog.at_level(logging.WARNING):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    cap = ev.result.methods["m"].captions
    assert cap is not None
    # was: z.mp4's caption dropped with no count and no warning (it is a video of the dataset)
    assert (cap.videos, cap.evaluated, cap.failed, cap.missing, cap.unreferenced) == (2, 2, 1, 0, 1)
    expected = "1 caption record(s) are of videos with no reference caption in caption_data.json (e.g. 'z.mp4')"
    assert cap.note is not None and expected in cap.note and f"m: {expected}" in caplog.text
    assert CaptionResult.from_dict(cap.to_dict()) == cap
    # the failed caption is scored as the empty caption: the mean of 1 (a) and 0 (b)
    assert cap.camerabench_compat is not None and cap.camerabench_compat.compat_bleu2 == pytest.approx(0.5)
    write_report(data, run, tmp_path / "report", n_bootstrap=0, evaluation=ev)
    md = (tmp_path / "report" / "report.md").read_text()
    assert "| captions without a reference (not evaluated) | 1 |" in md


@pytest.mark.usefixtures("no_java")
def test_captions_in_other_scripts_and_of_no_word_score_as_pycocoevalcap_scores_them() -> None:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    refs = {
        "a": ["The camera pans left."],
        "b": ["相机向左平移"],
        "c": ["The camera tilts up 🎥."],
        "d": ["Static shot."],
        "e": ["The camera zooms in. " * 200],
    }
    cands = {"a": "The camera pans left slowly.", "b": "相机向左平移", "c": "🎥🎥", "d": "...", "e": "   "}
    got = caption_metrics.coco_metrics(refs, cands)
    gts = {k: [" ".join(caption_metrics.compat_tokens(c)) for c in v] for k, v in refs.items()}
    res = {k: [" ".join(caption_metrics.compat_tokens(v))] for k, v in cands.items()}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    assert [got.bleu1, got.bleu2, got.bleu3, got.bleu4] == pytest.approx(bleu, rel=1e-12)
    assert got.rouge_l == pytest.approx(Rouge().compute_score(gts, res)[0], rel=1e-12)
    assert got.cider == pytest.approx(Cider().compute_score(gts, res)[0], rel=1e-12)
    assert got.n == 5  # every pair counted, none dropped
    # CameraBench's BLEU-2 splits on spaces: a CJK caption is one word, with no bigram to match
    # even when equal; compat_bleu2 is what nltk gives it, as CameraBench computes it
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    nltk_bleu2 = sentence_bleu([["相机向左平移"]], ["相机向左平移"], (0.5, 0.5), SmoothingFunction().method1)
    assert caption_metrics.compat_bleu2(refs["b"][0], cands["b"]) == pytest.approx(nltk_bleu2, rel=1e-12)


# --------------------------------------------------------------------------- calibration


def _binary(data: Path, prim: Primitive, labels: dict[str, bool]) -> None:
    write_binary_file(
        data / "labels" / "binary_classification" / prim.file,
        [BinaryRecord(v, prim.question, "Yes" if y else "No", prim.task, prim.label_name) for v, y in labels.items()],
    )


def test_calibration_counts_left_out_samples_and_scores_a_one_class_primitive(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{i}.mp4" for i in range(8)]
    pan = {v: i % 2 == 0 for i, v in enumerate(videos)}
    tilt = dict.fromkeys(videos, True)  # one class only: its Brier score is still defined
    _binary(data, PAN, pan)
    _binary(data, TILT, tilt)
    rng = np.random.default_rng(3)
    p = {(v, prim): float(rng.random()) for v in videos for prim in (PAN, TILT)}
    records = [
        ScoreRecord(v, prim.question, "m", p[(v, prim)], primitive=prim.value)
        for v in videos
        for prim in (PAN, TILT)
        if (v, prim) not in {("v0.mp4", PAN), ("v1.mp4", TILT), ("v2.mp4", TILT)}
    ]
    records += [ScoreRecord.failed("v0.mp4", PAN.question, "m", "decode error", PAN.value)]  # v1/v2 Tilt: no record
    write_scores(run / "m" / "scores.jsonl", records)
    with caplog.at_level(logging.WARNING):
        cal = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].calibration
    assert cal is not None and cal.source == "raw scores"
    # was: the counts only in a log line; per_primitive_brier["Tilt_Up"] NaN with an "undefined" warning
    assert (cal.samples, cal.failed, cal.missing, cal.no_calibration_map) == (13, 1, 2, 0)
    assert (
        "of 16 labelled binary samples, 1 failed, 2 have no score record and 0 have no calibration map" in caplog.text
    )
    scored = {
        prim: [v for v in videos if (v, prim) not in {("v0.mp4", PAN), ("v1.mp4", TILT), ("v2.mp4", TILT)}]
        for prim in (PAN, TILT)
    }
    y = {PAN: [int(pan[v]) for v in scored[PAN]], TILT: [1] * len(scored[TILT])}
    pp = {prim: [p[(v, prim)] for v in scored[prim]] for prim in (PAN, TILT)}
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    for prim in (PAN, TILT):
        assert cal.per_primitive_brier[prim.value] == pytest.approx(brier_score_loss(y[prim], pp[prim]), rel=1e-12)
    y_all, p_all = np.array(y[PAN] + y[TILT]), np.array(pp[PAN] + pp[TILT])
    assert cal.brier == pytest.approx(brier_score_loss(y_all, p_all), rel=1e-12)
    prob_true, prob_pred = calibration_curve(y_all, p_all, n_bins=10)
    counts = np.array(cal.reliability.counts)
    assert cal.reliability.prob_true == pytest.approx(prob_true.tolist())
    assert cal.ece == pytest.approx(float((counts / counts.sum() * np.abs(prob_true - prob_pred)).sum()), rel=1e-12)
    assert CalibrationResult.from_dict(cal.to_dict()) == cal


def test_a_one_class_dataset_has_a_brier_score_and_an_ece(tmp_path: Path) -> None:
    from sklearn.metrics import brier_score_loss

    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{i}.mp4" for i in range(4)]
    _binary(data, PAN, dict.fromkeys(videos, False))
    scores = [0.05, 0.15, 0.35, 0.95]
    write_scores(
        run / "m" / "scores.jsonl", [ScoreRecord(v, PAN.question, "m", s) for v, s in zip(videos, scores, strict=True)]
    )
    cal = calibration_section(Dataset(data), read_method(run / "m"), None)
    assert cal is not None
    # was NaN: mean of p^2, and every bin's gap is its mean P(yes)
    assert cal.brier == pytest.approx(brier_score_loss([0, 0, 0, 0], scores), rel=1e-12)
    assert cal.ece == pytest.approx(float(np.mean(scores)), rel=1e-12)
    assert cal.reliability.counts == [1, 1, 1, 1]


def test_scores_without_a_calibration_map_are_counted_in_the_table(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{i:02d}.mp4" for i in range(10)]
    rng = np.random.default_rng(1)
    _binary(data, PAN, {v: bool(i % 2) for i, v in enumerate(videos)})
    write_scores(
        run / "m" / "scores.jsonl",
        [
            ScoreRecord(v, PAN.question, "m", float(i % 2 + rng.random()), primitive=PAN.value)
            for i, v in enumerate(videos)
        ],
    )
    calibrate_run(data, run, "m", n_splits=2)
    method = read_method(run / "m")
    calibrated = calibrated_run(method, read_calibration(method.layout.calibration), data)
    table = dict(calibrated.run.scores or {})
    table[("v03.mp4", PAN.question)] = ScoreRecord.failed("v03.mp4", PAN.question, "m", "no calibration map", PAN.value)
    calibrated.run = dataclasses.replace(calibrated.run, scores=table)
    cal = calibration_section(Dataset(data), method, calibrated)
    assert cal is not None and (cal.samples, cal.failed, cal.missing, cal.no_calibration_map) == (9, 0, 0, 1)


# --------------------------------------------------------------------------- MCQ indexes


OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}


def _mcq(root: Path, indexes: list[str], answers: list[dict]) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    (data / "videos").mkdir(parents=True)
    rows = []
    for i, index in enumerate(indexes):
        (data / "videos" / f"v{i}.mp4").write_bytes(b"")
        rows.append(
            MCQRow(
                index, "t", ("video",), (f"videos/v{i}.mp4",), "Which?", dict(OPTIONS), "A", "camera movement", i + 2
            )
        )
    write_mcq_table(data / "labels" / "shotbench" / "t.tsv", rows)
    path = run / "m" / "answers.jsonl"
    write_answers(path, [AnswerRecord("0", "m", "A")])
    template = json.loads(path.read_text().splitlines()[0])
    path.write_text("".join(json.dumps({**template, **a}) + "\n" for a in answers))
    return data, run


def test_an_answer_of_index_number_1_answers_the_row_01(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data, run = _mcq(tmp_path, ["01", "02"], [{"index": 1, "answer": "A"}, {"index": "02", "answer": "B"}])
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None
    # was: row 01 missing (scored wrong) and the answer "1" matching no row
    assert (mcq.rows, mcq.correct, mcq.missing, mcq.pooled_accuracy) == (2, 1, 0, 0.5)
    assert "match no multiple-choice row" not in caplog.text


def test_the_exact_index_wins_and_the_other_record_is_named_unmatched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _mcq(tmp_path, ["01"], [{"index": "01", "answer": "A"}, {"index": 1, "answer": "B"}])
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert mcq is not None and (mcq.rows, mcq.correct) == (1, 1)
    assert "1 answer record(s) match no multiple-choice row of the dataset (e.g. table None, index '1')" in caplog.text


def test_a_table_with_rows_1_and_01_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    data, run = _mcq(tmp_path, ["1", "01"], [{"index": 1, "answer": "A"}])
    with pytest.raises(FileFormatError, match=r"t\.tsv:3: index '01' is the same number as index '1' \(line 2\)"):
        evaluate(data, run, n_bootstrap=0, captions_minilm=False)


def test_mcq_section_refuses_two_records_of_one_number_for_a_row() -> None:
    row = MCQRow("01", "t", ("image",), ("i.jpg",), "q?", dict(OPTIONS), "A", "c", 2)
    answers = {(None, "1"): AnswerRecord("1", "m", "A"), (None, "001"): AnswerRecord("001", "m", "B")}
    with pytest.raises(ValueError, match=r"row t/01: the answer records of indexes '001', '1' all spell its number 1"):
        mcq_section([row], answers)


# --------------------------------------------------------------------------- fusion


def _fusion_inputs(root: Path) -> tuple[Path, Path]:
    """Inputs ``a`` (every video) and ``b`` (no record of v00-v03, failed on v04-v05); Tilt_Up
    labels of one class only."""
    data, run = root / "data", root / "run"
    rng = np.random.default_rng(0)
    videos = [f"v{i:02d}.mp4" for i in range(12)]
    labels = {PAN: rng.random(12) < 0.5, TILT: np.ones(12, bool)}
    recs: dict[str, list[ScoreRecord]] = {"a": [], "b": []}
    for prim, y in labels.items():
        _binary(data, prim, {v: bool(t) for v, t in zip(videos, y, strict=True)})
        for i, v in enumerate(videos):
            recs["a"].append(ScoreRecord(v, prim.question, "a", float(y[i] + rng.normal()), primitive=prim.value))
            if i < 4:
                continue
            if i < 6:
                recs["b"].append(ScoreRecord.failed(v, prim.question, "b", "no parallax", prim.value))
            else:
                recs["b"].append(ScoreRecord(v, prim.question, "b", float(y[i] + rng.normal()), primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    for name, r in recs.items():
        write_scores(MethodFolder.of(run, name).scores, r)
    return data, run


def test_fusion_of_one_input_counts_its_samples_and_one_class_primitives(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _fusion_inputs(tmp_path)
    with caplog.at_level(logging.WARNING):
        one = train_fusion(data, run, ["a"], tmp_path / "m1", n_splits=2, inner_repeats=1).model
    assert one.input_samples == {"a": {"ok": 24, "failed": 0, "no_record": 0}}
    assert "1 of 2 primitives have training labels of one class only (e.g. Tilt_Up: 12 of 12 positive)" in caplog.text
    assert one.full is not None and 0.0 < one.full.probability(TILT.value, [1.0]) < 1.0


def test_fusion_counts_each_inputs_failed_and_unrecorded_samples(tmp_path: Path) -> None:
    data, run = _fusion_inputs(tmp_path)
    two = train_fusion(data, run, ["a", "b"], tmp_path / "m2", n_splits=2, inner_repeats=1).model
    # was: only a warning about the videos b has no record of; its failures were not counted anywhere
    assert two.input_samples == {
        "a": {"ok": 24, "failed": 0, "no_record": 0},
        "b": {"ok": 12, "failed": 4, "no_record": 8},
    }
    assert FusionModel.load(tmp_path / "m2").input_samples == two.input_samples  # saved in fusion.json
