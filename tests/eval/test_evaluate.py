"""evaluate / write_report / the CLI end to end on a tiny run built from the public label files."""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.dummy import DummyPredictor
from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval import caption_metrics as cap
from camerabench.eval import evaluate_run, write_report
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import EvaluationResult, TrajectoryResult
from camerabench.fileio import WriteError, write_json
from camerabench.labelfiles import (
    read_binary_dir,
    read_caption_file,
    read_vqa_dir,
    write_binary_file,
    write_caption_file,
    write_vqa_file,
)
from camerabench.records import CaptionRecord, RunInfo, ScoreRecord, write_captions, write_run_info, write_scores
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

VQA_TASKS = [("motion_and_steadiness", "is_the_camera_fixed_or_moving"), ("tracking_shot", "is_tracking")]
FAIL_VIDEO_INDEX = 3


@pytest.fixture(autouse=True)
def _no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    """METEOR / the PTB tokenizer are tested in test_captions; keep these runs Java-free and fast."""
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, public_data: Path) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("tiny")
    data, run = root / "data", root / "run"
    binary = read_binary_dir(public_data / "binary_classification")
    keep: list = []
    for prim, recs in binary.items():  # 6 positives and 6 negatives of every primitive
        sub = [r for r in recs if r.label == "Yes"][:6] + [r for r in recs if r.label == "No"][:6]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, sub)
        keep += [(prim, r) for r in sub]
    vqa = read_vqa_dir(public_data / "vqa_and_retrieval")
    for skill, task in VQA_TASKS:
        write_vqa_file(data / "labels" / "vqa_and_retrieval" / skill / f"{task}.jsonl", vqa[(skill, task)][:5])
    items = read_caption_file(public_data / "caption_data.json")[:4]
    write_caption_file(data / "labels" / "caption_data.json", items)
    ds = Dataset(data)
    videos = ds.videos()
    (data / "videos").mkdir()
    for v in videos:
        (data / "videos" / v).write_bytes(b"")  # DummyPredictor only needs the file to exist
    failing = videos[FAIL_VIDEO_INDEX]

    # method "dummy": every question, one video failing, captions
    predictor = DummyPredictor(fail_videos=[failing])
    records = []
    for video, questions in ds.questions().items():
        if video == failing:
            records += [
                ScoreRecord.failed(video, q.text, "dummy", "dummy failure", q.primitive.value if q.primitive else None)
                for q in questions
            ]
            continue
        result = predictor.predict(data / "videos" / video, questions)
        records += [ScoreRecord(video, q, "dummy", s) for q, s in result.scores.items()]
    write_scores(run / "dummy" / "scores.jsonl", records)
    write_run_info(run / "dummy" / "run.json", RunInfo("dummy", failures={failing: "dummy failure"}))
    write_captions(
        run / "dummy" / "captions.jsonl",
        [CaptionRecord(i.video, "dummy", i.answer if k % 2 else "The camera pans left.") for k, i in enumerate(items)],
    )

    # method "geom": only the 15 binary questions, perfect scores on half of the videos, none for the rest
    answered = set(videos[::2])
    geom = [
        ScoreRecord(r.image, prim.question, "geom", 1.0 if r.label == "Yes" else 0.0, primitive=prim.value)
        for prim, r in keep
        if r.image in answered
    ]
    write_scores(run / "geom" / "scores.jsonl", geom)
    # trajectories: ground truth for 3 clips, the method estimates 2 of them exactly (up to a similarity)
    n = 20
    gt = np.tile(np.eye(4), (n, 1, 1))
    gt[:, :3, 3] = np.c_[np.sin(np.linspace(0, 1, n)), np.linspace(0, 1, n) ** 2, np.linspace(0, 2, n)]
    ts = np.arange(n) / 10
    for v in videos[:3]:
        save_npz(data / "gt" / f"{Path(v).stem}.npz", Trajectory(gt, None, ts))
    est = gt.copy()
    rot = Rotation.from_euler("xyz", [10, 20, 30], degrees=True).as_matrix()
    est[:, :3, :3] = rot @ gt[:, :3, :3]
    est[:, :3, 3] = 0.5 * gt[:, :3, 3] @ rot.T + 1.0
    for v in videos[:2]:
        save_npz(run / "geom" / "trajectories" / f"{Path(v).stem}.npz", Trajectory(est, None, ts))
    return {"data": data, "run": run, "failing": failing, "keep": keep, "answered": answered, "videos": videos}


def test_evaluate_run_schema_and_counts(tiny: dict[str, Any]) -> None:
    m = evaluate_run(tiny["data"], tiny["run"], n_bootstrap=50)
    assert set(m["methods"]) == {"dummy", "geom"}
    assert round(100 * m["chance"]["mean_ap"], 1) == 50.0  # 6 + 6 samples of every primitive
    dummy, geom = m["methods"]["dummy"], m["methods"]["geom"]

    b = dummy["binary"]
    assert list(b["per_primitive"]) == [p.value for p in Primitive]
    n_failed = sum(1 for _, r in tiny["keep"] if r.image == tiny["failing"])
    assert (b["failed"], b["missing"], b["samples"]) == (n_failed, 0, 15 * 12)
    assert all(0 <= v <= 1 for v in b["per_primitive"].values())
    assert b["mean_ap"] == pytest.approx(np.mean(list(b["per_primitive"].values())))
    lo, hi = b["ci95"]["mean_ap"]
    assert lo <= hi
    assert set(b["roc_auc"]) == set(b["per_primitive"])

    assert set(dummy["vqa"]["overall"]) == {"acc", "q_acc", "video_acc", "group_acc"}
    assert set(dummy["vqa"]["per_skill"]) == {s for s, _ in VQA_TASKS}
    assert {"text", "video", "group"} <= set(dummy["retrieval"])
    assert dummy["captions"]["evaluated"] == 4 and dummy["captions"]["coco"]["meteor"] == "unavailable"
    assert "trajectory" not in dummy

    # geom answers no VQA question and has records for half of the videos only
    assert "vqa" not in geom and "retrieval" not in geom and "captions" not in geom
    gb = geom["binary"]
    n_missing = sum(1 for _, r in tiny["keep"] if r.image not in tiny["answered"])
    assert (gb["failed"], gb["missing"]) == (0, n_missing)
    assert gb["mean_ap"] < 1.0  # missing positives rank below every negative
    t = geom["trajectory"]
    assert (t["clips"], t["ok"], t["missing"]) == (3, 2, 1)
    assert t["mean"]["ape_trans_rmse"] == pytest.approx(0.0, abs=1e-6)

    comp = m["comparisons"][0]
    assert (comp["a"], comp["b"]) == ("dummy", "geom") and comp["samples"] == 15 * 12


def test_failed_drop_scores_only_answered_samples(tiny: dict[str, Any]) -> None:
    m = evaluate_run(tiny["data"], tiny["run"], failed="drop", n_bootstrap=0)
    gb = m["methods"]["geom"]["binary"]
    assert gb["samples"] == sum(1 for _, r in tiny["keep"] if r.image in tiny["answered"])
    # geom's scores are the labels: on the samples it answered every defined AP is 1
    assert all(v == 1.0 for v in gb["per_primitive"].values() if not math.isnan(v))
    assert "different samples" in gb["note"]
    assert math.isnan(gb["ci95"]["mean_ap"][0])  # no bootstrap requested


def test_cli_json_output(tiny: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["evaluate", "--data", str(tiny["data"]), "--run", str(tiny["run"]), "--json", "--bootstrap", "20"])
    assert rc == 0
    out = capsys.readouterr().out

    def no_nan(token: str) -> float:
        raise AssertionError(f"non-standard JSON constant {token}")

    obj = json.loads(out, parse_constant=no_nan)
    binary = obj["methods"]["dummy"]["binary"]
    assert {"mean_ap", "per_primitive", "failed", "samples"} <= set(binary)
    assert set(obj["methods"]["dummy"]["vqa"]["overall"]) == {"acc", "q_acc", "video_acc", "group_acc"}
    assert {"text", "video", "group"} <= set(obj["methods"]["dummy"]["retrieval"])
    assert obj["failed_policy"] == "lowest"


def test_cli_errors_name_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "run").mkdir()
    assert main(["evaluate", "--data", str(tmp_path / "data"), "--run", str(tmp_path / "run")]) == 1
    with pytest.raises(FileFormatError, match="no method folder"):
        evaluate_run(tmp_path / "data", tmp_path / "run")
    bad = tmp_path / "run" / "m" / "scores.jsonl"
    bad.parent.mkdir()
    bad.write_text('{"video": "a.mp4", "question": "q", "method": "m", "score": 1.0, "status": "ok"}\n{oops\n')
    with pytest.raises(FileFormatError, match=r"scores\.jsonl:2"):
        evaluate_run(tmp_path / "data", tmp_path / "run")


def test_write_report(tiny: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny["data"], data)
    videos = tiny["videos"]
    write_json(
        data / "manifest.json",
        {"clips": [{"video": v, "knobs": {"motion_blur": i % 3 == 0}} for i, v in enumerate(videos)]},
    )
    path = write_report(data, tiny["run"], tmp_path / "report", n_bootstrap=20)
    out = path.parent
    for name in ("report.md", "report.html", "metrics.json", "binary_ap.csv", "vqa.csv", "retrieval.csv",
                 "captions.csv", "trajectory.csv", "knobs.csv", "failures.csv", "ap_per_primitive.png",
                 "pr_curves.png", "ap_per_knob.png", "failures.png"):  # fmt: skip
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["knobs"]["dummy"]) == {"motion_blur", "none"}
    text = path.read_text()
    assert "| Pan_Left |" in text and "## Captions" in text and "## Trajectories" in text
    dummy_ap = metrics["methods"]["dummy"]["binary"]["per_primitive"]["Pan_Left"]
    assert f"{100 * dummy_ap:.1f}" in text
    assert (out / "ap_per_primitive.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<table>" in (out / "report.html").read_text()


def test_write_report_into_a_file_is_a_write_error_before_the_evaluation(tmp_path: Path) -> None:
    in_the_way = tmp_path / "report"
    in_the_way.write_text("not a folder")
    # the data and run folders do not exist: the error comes before anything is evaluated
    with pytest.raises(WriteError, match=r"report/sub: cannot create the folder: .*report is a file") as info:
        write_report(tmp_path / "no-data", tmp_path / "no-run", in_the_way / "sub")
    assert str(in_the_way) in str(info.value) and "\n" not in str(info.value)


def _with_knobs(tiny: dict[str, Any], tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(tiny["data"], data)
    write_json(
        data / "manifest.json",
        {"clips": [{"video": v, "knobs": {"motion_blur": i % 3 == 0}} for i, v in enumerate(tiny["videos"])]},
    )
    return data


@pytest.mark.parametrize("failed", ["lowest", "drop"])
def test_evaluate_json_is_the_report_metrics_json(
    tiny: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], failed: str
) -> None:
    data = _with_knobs(tiny, tmp_path)
    args = ["--data", str(data), "--run", str(tiny["run"]), "--failed", failed, "--bootstrap", "20"]
    assert main(["evaluate", "--json", *args]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert main(["report", *args, "--out", str(tmp_path / "report")]) == 0
    written = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert printed == written
    assert set(printed["knobs"]["dummy"]) == {"motion_blur", "none"}


def test_result_round_trips_through_dict_and_strict_json(tiny: dict[str, Any], tmp_path: Path) -> None:
    data = _with_knobs(tiny, tmp_path)
    for failed in ("lowest", "drop"):
        result = evaluate(data, tiny["run"], failed=failed, n_bootstrap=20, captions_minilm=False).result
        as_dict = result.to_dict()
        again = EvaluationResult.from_dict(as_dict)
        assert json.dumps(again.to_dict()) == json.dumps(as_dict)  # NaN written as NaN on both sides
        text = json.dumps(result.to_json(), allow_nan=False)
        parsed = EvaluationResult.from_dict(json.loads(text))
        assert json.dumps(parsed.to_json(), allow_nan=False) == text
        # typed values come back typed: null -> NaN where a number is expected
        binary = parsed.methods["geom"].binary
        assert binary is not None and isinstance(binary.ci95.mean_ap, tuple)
        assert all(isinstance(v, float) for v in binary.per_primitive.values())
        assert isinstance(parsed.methods["geom"].trajectory, TrajectoryResult)
        assert parsed.knobs["dummy"]["motion_blur"].clips == len(tiny["videos"][::3])
        # evaluate passes every method's samples on: the knob's failed/missing counts are filled
        blur = parsed.knobs["dummy"]["motion_blur"]
        assert isinstance(blur.failed, int) and isinstance(blur.missing, int)
        assert blur.dropped == (blur.failed + blur.missing if failed == "drop" else 0)


def test_method_kind_comes_from_run_json(tiny: dict[str, Any], tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny["run"], run)
    ev = evaluate(tiny["data"], run, n_bootstrap=0, captions_minilm=False)
    # run.json without method_kind: read by what the method wrote
    assert ev.result.methods["dummy"].kind == "semantic"  # no trajectories
    assert ev.result.methods["geom"].kind == "geometric"  # trajectories
    assert "method_kind" not in ev.result.to_dict()["methods"]["dummy"]["run_info"]
    write_run_info(run / "dummy" / "run.json", RunInfo("dummy", method_kind="test"))
    write_run_info(run / "geom" / "run.json", RunInfo("geom", method_kind="semantic"))
    result = evaluate(tiny["data"], run, n_bootstrap=0, captions_minilm=False).result
    assert (result.methods["dummy"].kind, result.methods["geom"].kind) == ("test", "semantic")
    assert EvaluationResult.from_dict(result.to_dict()).methods["geom"].kind == "semantic"
    path = write_report(tiny["data"], run, tmp_path / "report", n_bootstrap=0)
    assert "| geom | semantic |" in path.read_text()


def test_summary_lines_read_the_typed_result(tiny: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--data", str(tiny["data"]), "--run", str(tiny["run"]), "--bootstrap", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("chance") and "mean AP 50.0" in lines[0]
    dummy = next(line for line in lines if line.startswith("dummy"))
    assert "VQA acc" in dummy and "retrieval group" in dummy and "caption MiniLM cos" in dummy
    geom = next(line for line in lines if line.startswith("geom"))
    assert "APE" in geom and "(2/3 clips, 1 missing)" in geom
    assert lines[-1].startswith("evaluated 2 method(s)")


def test_too_few_bootstrap_resamples_are_named(tiny: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    """An interval from 2 resamples printed 'mean AP 67.2 [77.0, 90.0]' without a word."""
    with caplog.at_level(logging.WARNING):
        evaluate(tiny["data"], tiny["run"], n_bootstrap=2)
    assert "2 bootstrap resamples: the 95% confidence intervals and paired tests rest on too few" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        evaluate(tiny["data"], tiny["run"], n_bootstrap=40)
    assert "bootstrap resamples" not in caplog.text
