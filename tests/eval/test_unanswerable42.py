"""Questions a method finds unanswerable on some videos only (a trajectory without intrinsics and a
zoom question): the runner records which, per video, in run.json's ``video_info``, and evaluate
counts those samples outside the method's coverage (``unanswerable``) instead of missing. And a
geometric method's VQA at the default threshold 0.5 carries a caveat (its scores are no P(yes)).

Real ``trajectory`` runs on written MegaSaM files, some with intrinsics (zoom answered), some
without (zoom unanswerable on those videos), and on TUM files (no intrinsics at all)."""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry.predictor import ZOOM_UNKNOWN_REASON
from camerabench.eval.ap import average_precision
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import UNANSWERABLE_KEY, EvaluationResult
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.records import read_scores
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz, write_trajectory

VIDEOS = [f"v{i}.mp4" for i in range(6)]
ZOOM_Q = Primitive.ZOOM_IN.question
#: videos whose trajectory has no intrinsics in the mixed MegaSaM folder
NO_K = ("v4.mp4", "v5.mp4")


def _trajectory(i: int, with_k: bool) -> Trajectory:
    """Four poses panning by an angle that grows with ``i``; focal length growing on even ``i``."""
    n = 4
    angles = np.linspace(0.0, 0.05 * (i + 1), n) * (1 if i % 2 == 0 else -1)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 0] = c2w[:, 2, 2] = np.cos(angles)
    c2w[:, 0, 2] = np.sin(angles)
    c2w[:, 2, 0] = -np.sin(angles)
    k = None
    if with_k:
        f = np.linspace(20.0, 20.0 * (1.0 + (0.3 if i % 2 == 0 else 0.0) + 0.01 * i), n)
        k = np.tile(np.eye(3), (n, 1, 1))
        k[:, 0, 0] = k[:, 1, 1] = f
        k[:, 0, 2] = k[:, 1, 2] = 8.0
    return Trajectory(c2w, k, np.linspace(0.0, 0.75, n))


@pytest.fixture(scope="module")
def data(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """six_videos with Zoom_In labels too (Yes on even videos) and MegaSaM / TUM trajectories."""
    root = tmp_path_factory.mktemp("zoom") / "data"
    shutil.copytree(six_videos, root)
    recs = [BinaryRecord.make(v, Primitive.ZOOM_IN, i % 2 == 0) for i, v in enumerate(VIDEOS)]
    write_binary_file(root / "labels" / "binary_classification" / Primitive.ZOOM_IN.file, recs)
    (root / "mixed").mkdir()
    (root / "tum").mkdir()
    for i, v in enumerate(VIDEOS):
        save_npz(root / "mixed" / f"v{i}.npz", _trajectory(i, v not in NO_K))
        write_trajectory(root / "tum" / f"v{i}.txt", _trajectory(i, False), "tum")
    return root


def _predict(data: Path, out: Path, fmt: str = "mixed", **kwargs: object) -> Path:
    folder = "mixed" if fmt == "mixed" else "tum"
    options = {"traj_dir": str(data / folder), "format": "megasam" if fmt == "mixed" else "tum"}
    run_predict(data, "trajectory", out, options=options, **kwargs)  # type: ignore[arg-type]
    return out


@pytest.fixture(scope="module")
def mixed_run(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _predict(data, tmp_path_factory.mktemp("mixed") / "run")


def _video_info(run: Path) -> dict[str, dict[str, object]]:
    info: dict[str, dict[str, object]] = json.loads((run / "trajectory" / "run.json").read_text())["video_info"]
    return info


def test_runner_records_per_video_which_questions_were_unanswerable(mixed_run: Path) -> None:
    """Old: run.json counted them (unanswerable) but did not say on which video, for which question."""
    info = _video_info(mixed_run)
    for v in NO_K:
        assert info[v][UNANSWERABLE_KEY] == {ZOOM_Q: ZOOM_UNKNOWN_REASON}
    for v in set(VIDEOS) - set(NO_K):
        assert UNANSWERABLE_KEY not in info.get(v, {})
    # the old whole-video key keeps its meaning: only for a video that left no record
    assert all("unanswerable_questions" not in d for d in info.values())


def test_resume_keeps_and_rerecords_the_per_video_findings(data: Path, tmp_path: Path) -> None:
    """Old: no such key, before or after --resume. Now a video run again (its records cut off) gets
    it again, and one already done keeps it."""
    run = _predict(data, tmp_path / "run")
    scores = run / "trajectory" / "scores.jsonl"
    lines = [ln for ln in scores.read_text().splitlines() if '"v4.mp4"' not in ln]
    scores.write_text("\n".join(lines) + "\n")
    _predict(data, run, resume=True)
    info = _video_info(run)
    assert {v for v, d in info.items() if UNANSWERABLE_KEY in d} == set(NO_K)
    assert {r.video for r in read_scores(scores)} == set(VIDEOS)


@pytest.mark.parametrize("policy", ["lowest", "drop"])
def test_unanswerable_samples_are_counted_and_left_out_of_ap(
    data: Path, mixed_run: Path, policy: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Old: the 2 zoom samples of v4/v5 counted as missing (ranked lowest: an invented number), with a
    warning about labels added after the run. Now: unanswerable, out of AP under every policy."""
    with caplog.at_level(logging.WARNING):
        b = evaluate(data, mixed_run, failed=policy, n_bootstrap=0).result.methods["trajectory"].binary  # type: ignore[arg-type]
    assert b is not None
    c = b.counts["Zoom_In"]
    assert (c.labelled, c.ok, c.failed, c.missing, c.unanswerable, c.samples, c.dropped) == (6, 4, 0, 0, 2, 4, 0)
    assert (b.missing, b.unanswerable, b.unanswerable_reasons) == (0, 2, {ZOOM_UNKNOWN_REASON: 2})
    recs = {r.video: r.score for r in read_scores(mixed_run / "trajectory" / "scores.jsonl") if r.question == ZOOM_Q}
    answered = [v for v in VIDEOS if v not in NO_K]
    expected = average_precision([VIDEOS.index(v) % 2 == 0 for v in answered], [recs[v] for v in answered])
    assert b.per_primitive["Zoom_In"] == pytest.approx(expected)
    assert b.note is not None and ZOOM_UNKNOWN_REASON in b.note
    assert "no score record" not in caplog.text
    assert "found unanswerable" in caplog.text


def test_the_count_survives_the_document_and_shows_in_the_summary(data: Path, mixed_run: Path) -> None:
    """Old: no ``unanswerable`` count in metrics.json; the CLI line said '2 missing'."""
    from camerabench.cli.evaluate import summary_lines

    result = evaluate(data, mixed_run, n_bootstrap=0).result
    back = EvaluationResult.from_dict(json.loads(json.dumps(result.to_dict(), default=str)))
    b = back.methods["trajectory"].binary
    assert b is not None and b.counts["Zoom_In"].unanswerable == 2 and b.unanswerable == 2
    line = "\n".join(summary_lines(result))
    assert "0 missing, 2 unanswerable" in line


def test_a_primitive_with_no_answerable_sample_is_nan_and_out_of_the_mean(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """TUM (no intrinsics): Zoom_In unanswerable on every video. Old: AP at the chance level (0.5)
    averaged into the mean. Now NaN, left out of the mean, with the reason in the note."""
    run = _predict(data, tmp_path / "run", fmt="tum")
    with caplog.at_level(logging.WARNING):
        b = evaluate(data, run, n_bootstrap=0).result.methods["trajectory"].binary
    assert b is not None
    assert math.isnan(b.per_primitive["Zoom_In"])
    assert b.primitives_in_mean == 2
    assert b.mean_ap == pytest.approx(np.mean([b.per_primitive["Pan_Left"], b.per_primitive["Tilt_Up"]]))
    assert b.note is not None and "no sample it could answer (Zoom_In)" in b.note and ZOOM_UNKNOWN_REASON in b.note
    assert "Zoom_In" in caplog.text


def test_paired_tests_use_the_answered_samples_only(data: Path, tmp_path: Path) -> None:
    """dummy against trajectory: old, the zoom samples trajectory could not answer were paired as its
    lowest scores (18 samples); now only the 4 it answered enter Zoom_In (16 samples). And a
    primitive it answered nowhere is left out of the test, named."""
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    _predict(data, run)
    (comp,) = evaluate(data, run, n_bootstrap=20).result.comparisons or []
    assert "Zoom_In" in comp.primitives and comp.samples == 16
    tum = tmp_path / "tum"
    run_predict(data, "dummy", tum)
    _predict(data, tum, fmt="tum")
    (comp,) = evaluate(data, tum, n_bootstrap=20).result.comparisons or []
    assert "Zoom_In" not in comp.primitives and comp.note is not None and "Zoom_In" in comp.note


def test_a_run_json_without_the_key_reads_as_before(data: Path, mixed_run: Path, tmp_path: Path) -> None:
    """An older run.json (no per-video findings): the samples stay missing, as they always were."""
    run = tmp_path / "run"
    shutil.copytree(mixed_run, run)
    path = run / "trajectory" / "run.json"
    doc = json.loads(path.read_text())
    for details in doc["video_info"].values():
        details.pop(UNANSWERABLE_KEY, None)
    path.write_text(json.dumps(doc))
    b = evaluate(data, run, n_bootstrap=0).result.methods["trajectory"].binary
    assert b is not None and (b.counts["Zoom_In"].missing, b.unanswerable) == (2, 0)


def test_report_tables_show_the_count(data: Path, mixed_run: Path, tmp_path: Path) -> None:
    """Old: report.md's binary table had no such column; the count was not shown anywhere."""
    from camerabench.eval.report import _binary_part, _Doc, _failures_part

    ev = evaluate(data, mixed_run, n_bootstrap=0)
    doc, csvs = _Doc(), []
    _binary_part(doc, ev, tmp_path, csvs)
    _failures_part(doc, ev, tmp_path, csvs)
    md = doc.markdown()
    header = next(ln for ln in md.splitlines() if ln.startswith("| method | kind | mean AP"))
    assert header.rstrip(" |").endswith("unanswerable")
    assert ZOOM_UNKNOWN_REASON in md
    assert "unanswerable" in (tmp_path / "binary_summary.csv").read_text().splitlines()[0]


# --------------------------------------------------------------------------- VQA threshold caveat


def _vqa_data(data: Path, tmp_path: Path) -> Path:
    """``data`` with one VQA task on primitive questions (the geometric method answers its cells)."""
    root = tmp_path / "vqa_data"
    shutil.copytree(data, root)
    # Yes on the even videos (as the binary labels say) / on the odd ones (no binary label of it)
    left, right = Primitive.PAN_LEFT.question, Primitive.PAN_RIGHT.question
    pairs = [
        VQAPair("skill", "task", (f"v{i}.mp4", f"v{i + 1}.mp4"), ("left", "right"),
                f"v{i}.mp4", f"v{i + 1}.mp4", "left", "right", left, right)
        for i in (0, 2, 4)
    ]  # fmt: skip
    write_vqa_file(root / "labels" / "vqa_and_retrieval" / "skill" / "task.jsonl", pairs)
    return root


def test_geometric_vqa_at_the_default_threshold_says_its_scores_are_no_probabilities(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Old: VQA accuracy at 0.5 on motion sizes, without a word. Now the number is kept, with a
    warning and a note pointing to `camerabench calibrate`; a semantic method gets neither."""
    root = _vqa_data(data, tmp_path)
    run = tmp_path / "run"
    run_predict(root, "dummy", run)
    _predict(root, run)
    with caplog.at_level(logging.WARNING):
        methods = evaluate(root, run, n_bootstrap=0).result.methods
    geo, dummy = methods["trajectory"].vqa, methods["dummy"].vqa
    assert geo is not None and dummy is not None
    assert geo.yes_threshold == 0.5 and geo.note is not None
    assert "not probabilities" in geo.note and "camerabench calibrate" in geo.note
    assert "not probabilities" not in (dummy.note or "")
    assert "trajectory: VQA: the method is geometric" in caplog.text
    assert "dummy: VQA" not in caplog.text


def test_no_caveat_once_calibrated(data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from camerabench.eval.calibration import calibrate_run

    root = _vqa_data(data, tmp_path)
    run = _predict(root, tmp_path / "run")
    calibrate_run(root, run, "trajectory", n_splits=2)
    with caplog.at_level(logging.WARNING):
        vqa = evaluate(root, run, n_bootstrap=0).result.methods["trajectory"].vqa
    assert vqa is not None and vqa.uncalibrated is not None
    assert "not probabilities" not in (vqa.note or "")
    assert "VQA: the method is geometric" not in caplog.text
