"""``evaluate --rpe-span SECONDS``: RPE over a fixed time span, end to end (command line, metrics.json, report)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.cli import main
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.evaluate import Evaluation, evaluate, evaluate_run
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    EvaluationResult,
    MethodResult,
    TrajectoryResult,
    read_metrics,
    strict_json,
)
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

from .test_report_hostile import _NoDataset, _table_rows_match_headers
from .test_rpe_summary36 import _trajectory as rpe_trajectory

BAD_SPANS = ["0", "-0.2", "-1e-3", "nan", "inf", "-inf", "0.2s", ""]


def _helix(ts: np.ndarray) -> np.ndarray:
    """Camera-to-world poses along a helix rising faster and faster, turning as they go."""
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[np.cos(ts), np.sin(ts), 0.03 * ts**2]
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[0.1 * np.sin(ts), 0.2 * ts, 0.05 * ts]).as_matrix()
    return c2w


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A dataset with a 30 fps ground-truth trajectory of one clip, and a run folder in which ``fps10`` and
    ``fps30`` estimate the same motion 5 % too fast (an error that grows with the time between poses)."""
    root = tmp_path_factory.mktemp("rpe_span")
    data, run = root / "data", root / "run"
    (data / "gt").mkdir(parents=True)
    (data / "videos").mkdir()
    (data / "videos" / "clip.mp4").touch()  # the clip's name; its frames are not read
    gt_ts = np.arange(298) / 30.0
    save_npz(data / "gt" / "clip.npz", Trajectory(_helix(gt_ts), None, gt_ts))
    for fps in (10, 30):
        ts = np.arange(round(9.9 * fps) + 1) / fps
        (run / f"fps{fps}" / "trajectories").mkdir(parents=True)
        save_npz(run / f"fps{fps}" / "trajectories" / "clip.npz", Trajectory(_helix(1.05 * ts), None, ts))
    return data, run


def _cli_json(data: Path, run: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, Any]:
    assert main(["evaluate", "--data", str(data), "--run", str(run), "--json", *flags]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def _rpe(doc: dict[str, Any], method: str) -> tuple[float, float, float]:
    t = doc["methods"][method]["trajectory"]
    return t["mean"]["rpe_trans_rmse"], t["mean"]["rpe_rot_deg_rmse"], t["rpe_step_s"]


# ------------------------------------------------------------------ the command line
def test_rpe_span_makes_10_and_30_fps_estimates_agree(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _cli_json(*folders, capsys, "--rpe-span", "0.2")
    assert doc["rpe_span_s"] == 0.2
    (t10, r10, s10), (t30, r30, s30) = _rpe(doc, "fps10"), _rpe(doc, "fps30")
    assert s10 == pytest.approx(0.2) and s30 == pytest.approx(0.2)
    assert t10 == pytest.approx(t30, rel=0.1) and r10 == pytest.approx(r30, rel=0.1)


def test_without_rpe_span_the_rpes_stay_consecutive_and_about_3x_apart(
    folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _cli_json(*folders, capsys)
    assert "rpe_span_s" not in doc  # the document as before: consecutive poses
    (t10, r10, s10), (t30, r30, s30) = _rpe(doc, "fps10"), _rpe(doc, "fps30")
    assert s10 == pytest.approx(0.1) and s30 == pytest.approx(1 / 30)
    assert 2.5 < t10 / t30 < 3.5 and 2.5 < r10 / r30 < 3.5
    # the library's default (the demo calls evaluate(data, run)) is the same
    default = evaluate_run(*folders, n_bootstrap=0)
    assert "rpe_span_s" not in default and strict_json(default["methods"]) == doc["methods"]


@pytest.mark.parametrize("value", BAD_SPANS)
def test_a_bad_rpe_span_is_one_line_naming_the_option_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    # the folders do not exist: any work would stop on them with another message
    argv = ["evaluate", "--data", str(tmp_path / "no_data"), "--run", str(tmp_path / "no_run"), "--rpe-span", value]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert err[-1].endswith(f"argument --rpe-span: must be a finite number of seconds above 0, got {value!r}")
    assert not any("no_data" in line or "no_run" in line for line in err[1:])


def test_rpe_span_given_twice_is_refused(folders: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    data, run = folders
    with pytest.raises(SystemExit):
        main(["evaluate", "--data", str(data), "--run", str(run), "--rpe-span", "0.2", "--rpe-span", "0.5"])
    assert "--rpe-span" in capsys.readouterr().err


# ------------------------------------------------------------------ the library
@pytest.mark.parametrize("value", [0, -0.2, math.nan, math.inf, "0.2", True])
def test_evaluate_refuses_a_bad_span_before_reading_anything(tmp_path: Path, value: Any) -> None:
    with pytest.raises(CameraBenchError, match="rpe_span_s must be a finite number of seconds above 0"):
        evaluate(tmp_path / "no_data", tmp_path / "no_run", rpe_span_s=value)
    with pytest.raises(CameraBenchError, match="rpe_span_s must be"):
        write_report(tmp_path / "no_data", tmp_path / "no_run", tmp_path / "report", rpe_span_s=value)
    assert not (tmp_path / "report").exists()  # refused before the report folder was made


def test_write_report_refuses_a_span_other_than_its_evaluations(folders: tuple[Path, Path], tmp_path: Path) -> None:
    ev = evaluate(*folders, n_bootstrap=0)  # consecutive poses
    with pytest.raises(CameraBenchError, match="evaluated with RPE between consecutive poses"):
        write_report(*folders, tmp_path / "report", evaluation=ev, gallery=0, rpe_span_s=0.2)
    assert not (tmp_path / "report").exists()


# ------------------------------------------------------------------ metrics.json
def _trajectory(step: float | None) -> TrajectoryResult:
    recorded = step is not None
    return rpe_trajectory(step, 100 if recorded else None, 0 if recorded else None, 0 if recorded else None)


def _result(span: float | None, steps: dict[str, float | None]) -> EvaluationResult:
    methods = {n: MethodResult(trajectory=_trajectory(s)) for n, s in steps.items()}
    return EvaluationResult("data", "run", "lowest", 0, 0, methods=methods, rpe_span_s=span)


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("span", [0.2, None])
def test_metrics_json_round_trip_with_and_without_the_span(tmp_path: Path, span: float | None) -> None:
    result = _result(span, {"m": 0.2})
    doc = result.to_json()
    assert doc.get("rpe_span_s") == span and ("rpe_span_s" in doc) == (span is not None)
    got = read_metrics(_write(tmp_path, doc))
    assert got == result and got.rpe_span_s == span
    assert got.to_json() == doc  # written back as it was read


@pytest.mark.parametrize("value", [0, -0.2, "0.2", True, "NaN"])
def test_a_bad_span_in_metrics_json_is_refused_naming_the_file_and_key(tmp_path: Path, value: Any) -> None:
    doc = _result(0.2, {"m": 0.2}).to_json()
    path = _write(tmp_path, doc)
    if value == "NaN":  # the literal, which json.loads reads as nan
        path.write_text(path.read_text(encoding="utf-8").replace('"rpe_span_s": 0.2', '"rpe_span_s": NaN'))
    else:
        doc["rpe_span_s"] = value
        _write(tmp_path, doc)
    with pytest.raises(FileFormatError, match="rpe_span_s") as info:
        read_metrics(path)
    assert str(path) in str(info.value)


# ------------------------------------------------------------------ the report's text
def _report_text(tmp_path: Path, result: EvaluationResult) -> str:
    ev = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    md = write_report("d", "r", tmp_path / "report", evaluation=ev, gallery=0).read_text(encoding="utf-8")
    assert _table_rows_match_headers(md) == []
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    section = md[md.index("Trajectories") :]
    first = section.split("\n\n")[1]  # the paragraph under the heading
    assert first.split()[:3] == ["APE/RPE", "RMSE", "after"]
    assert first.replace("\n", " ")[:200].split("degrees.")[0] in html.replace("\n", " ")
    return first.replace("\n", " ")


def test_report_says_rpe_over_the_span(tmp_path: Path) -> None:
    text = _report_text(tmp_path, _result(0.2, {"fps10": 0.2, "fps30": 0.2}))
    assert "RPE over 0.2 s" in text and "consecutive" not in text
    assert "each pose paired with the one nearest 0.2 s later" in text


def test_report_says_rpe_between_consecutive_poses_with_the_median_step(tmp_path: Path) -> None:
    text = _report_text(tmp_path, _result(None, {"a": 0.1, "b": 0.1}))
    assert "RPE between consecutive poses (median step 0.1 s;" in text
    assert "RPE over" not in text and "like RPE step" in text


def test_report_names_each_median_step_when_methods_differ(tmp_path: Path) -> None:
    text = _report_text(tmp_path, _result(None, {"dense": 1 / 30, "droid": 0.5, "keys": 0.5, "old": None}))
    assert (
        "RPE between consecutive poses (median step 0.0333 s for dense, 0.5 s for droid, keys, "
        "not recorded for old;" in text
    )


def test_write_report_evaluates_with_the_span_and_says_so(folders: tuple[Path, Path], tmp_path: Path) -> None:
    md = write_report(*folders, tmp_path / "report", n_bootstrap=0, gallery=0, rpe_span_s=0.2).read_text("utf-8")
    assert "RPE over 0.2 s" in md and "RPE between consecutive poses" not in md
    metrics = read_metrics(tmp_path / "report" / "metrics.json")
    assert metrics.rpe_span_s == 0.2
    steps = {n: m.trajectory.rpe_step_s for n, m in metrics.methods.items() if m.trajectory is not None}
    assert steps == {"fps10": pytest.approx(0.2), "fps30": pytest.approx(0.2)}


def test_report_command_takes_the_span(folders: tuple[Path, Path], tmp_path: Path) -> None:
    data, run = folders
    out = tmp_path / "report"
    argv = ["report", "--data", str(data), "--run", str(run), "--out", str(out), "--gallery", "0", "--bootstrap", "10"]
    assert main([*argv, "--rpe-span", "0.2"]) == 0
    assert "RPE over 0.2 s" in (out / "report.md").read_text("utf-8")
    assert read_metrics(out / "metrics.json").rpe_span_s == 0.2
