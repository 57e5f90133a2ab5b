"""The per-method trajectory summary records the RPE step and the pairs left out across gaps."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    EvaluationResult,
    MethodResult,
    TrajectoryErrors,
    TrajectoryMeans,
    TrajectoryResult,
    read_metrics,
)
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

from .test_report_hostile import _NoDataset, _table_rows_match_headers


def _helix(ts: np.ndarray, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, :3, 3] = np.c_[np.cos(ts), np.sin(ts), 0.3 * ts] + noise * rng.standard_normal((len(ts), 3))
    rotvecs = np.c_[0.1 * np.sin(ts), 0.2 * ts, 0.05 * ts] + noise * rng.standard_normal((len(ts), 3))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    return c2w


GT_TS = np.arange(101) / 10.0  # 10 fps, 10 s
GT = Trajectory(_helix(GT_TS), None, GT_TS)


def _section(tmp_path: Path, estimates: dict[str, np.ndarray]) -> TrajectoryResult:
    gt_dir, method = tmp_path / "gt", tmp_path / "run" / "m"
    (method / "trajectories").mkdir(parents=True)
    gt_dir.mkdir()
    for stem, ts in estimates.items():
        save_npz(gt_dir / f"{stem}.npz", GT)
        save_npz(method / "trajectories" / f"{stem}.npz", Trajectory(_helix(ts, 0.01), None, ts))
    result = trajectory_section(gt_trajectories(gt_dir), MethodRun("m", method))
    assert result is not None
    return result[0]


def test_section_records_the_median_step_and_the_pairs_left_out_across_gaps(tmp_path: Path) -> None:
    lost = GT_TS[(GT_TS < 2.0) | (GT_TS > 5.0)]  # tracking lost from 2 s to 5 s: one gap pair
    section = _section(tmp_path, {"a": GT_TS, "b": lost, "c": lost})
    # old: TrajectoryResult had no such fields (AttributeError)
    assert section.rpe_step_s == pytest.approx(0.1)
    assert (section.rpe_gap_pairs, section.rpe_gap_clips) == (2, 2)
    assert section.rpe_pairs == 100 + 2 * (len(lost) - 2)


def test_keyframe_step_is_the_median_over_clips_with_an_rpe(tmp_path: Path) -> None:
    keyframes = GT_TS[::5]  # keyframes 0.5 s apart
    too_few = np.r_[np.arange(5) / 100.0, 9.9 + np.arange(11) / 100.0]  # 1 pair 0.1 s apart, 1 gap pair
    section = _section(tmp_path, {"a": keyframes, "b": too_few})
    # clip b has no RPE (under 2 pairs): its 0.1 s step is not that of the RPE means (0.3 s if it were)
    assert section.rpe_step_s == pytest.approx(0.5)
    assert (section.rpe_pairs, section.rpe_gap_pairs, section.rpe_gap_clips) == (20 + 1, 1, 1)


def _trajectory(step: float | None = 0.1, pairs: int | None = 400, gaps: int | None = 3, clips: int | None = 2):
    errors = dict.fromkeys(("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"), 0.25)
    return TrajectoryResult(
        clips=4,
        ok=4,
        failed=0,
        missing=0,
        mean=TrajectoryMeans(**errors, zoom_log_ratio_rmse=math.nan),
        median=TrajectoryErrors(**errors),
        clips_with_translation_error=4,
        alignment_counts={"sim3_umeyama": 4},
        units={"trans": "ground-truth units", "rot": "degrees"},
        rpe_step_s=step,
        rpe_pairs=pairs,
        rpe_gap_pairs=gaps,
        rpe_gap_clips=clips,
    )


def _metrics_file(tmp_path: Path, methods: dict[str, MethodResult]) -> Path:
    path = tmp_path / "metrics.json"
    doc = EvaluationResult("data", "run", "lowest", 0, 0, methods=methods).to_json()
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_metrics_json_round_trip_keeps_the_summary_and_an_undefined_step(tmp_path: Path) -> None:
    path = _metrics_file(tmp_path, {"dense": MethodResult(trajectory=_trajectory()),
                                    "none": MethodResult(trajectory=_trajectory(math.nan, 1, 1, 1))})  # fmt: skip
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["methods"]["dense"]["trajectory"]["rpe_step_s"] == 0.1
    assert doc["methods"]["none"]["trajectory"]["rpe_step_s"] is None  # strict JSON
    got = read_metrics(path).methods
    assert got["dense"].trajectory == _trajectory()
    none = got["none"].trajectory
    assert none is not None and none.rpe_step_s is not None and math.isnan(none.rpe_step_s)


def test_a_metrics_json_written_before_the_summary_still_loads(tmp_path: Path) -> None:
    path = _metrics_file(tmp_path, {"m": MethodResult(trajectory=_trajectory())})
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in ("rpe_step_s", "rpe_pairs", "rpe_gap_pairs", "rpe_gap_clips"):
        del doc["methods"]["m"]["trajectory"][key]
    path.write_text(json.dumps(doc), encoding="utf-8")
    old = read_metrics(path).methods["m"].trajectory
    assert old == _trajectory(None, None, None, None)
    assert "rpe_step_s" not in old.to_dict()  # written back as it was read


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"rpe_gap_clips": None}, "rpe_pairs is recorded but rpe_gap_clips is not"),
        ({"rpe_pairs": None, "rpe_gap_pairs": None, "rpe_gap_clips": None}, "rpe_step_s is recorded without"),
        ({"rpe_step_s": -0.1}, "above 0"),
        ({"rpe_gap_clips": 5}, "more than the 4 evaluated"),
        ({"rpe_gap_clips": 0}, "3 pairs left out across gaps in 0 clips"),
    ],
)
def test_an_inconsistent_summary_is_refused_naming_the_file(
    tmp_path: Path, edit: dict[str, float | None], problem: str
) -> None:
    path = _metrics_file(tmp_path, {"m": MethodResult(trajectory=_trajectory())})
    doc = json.loads(path.read_text(encoding="utf-8"))
    section = doc["methods"]["m"]["trajectory"]
    for key, value in edit.items():
        if value is None:
            del section[key]
        else:
            section[key] = value
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    with pytest.raises(FileFormatError, match=str(path)) as info:
        read_metrics(path)
    assert problem in str(info.value) and "methods.m.trajectory" in str(info.value)


def test_report_table_shows_the_step_and_gaps_and_says_rpe_compares_at_a_like_step(tmp_path: Path) -> None:
    methods = {
        "dense": MethodResult(trajectory=_trajectory()),
        "droid": MethodResult(trajectory=_trajectory(0.5, 60, 0, 0)),
        "old": MethodResult(trajectory=_trajectory(None, None, None, None)),
    }
    result = EvaluationResult("data", "run", "lowest", 0, 0, methods=methods)
    out = tmp_path / "report"
    ev = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    md = write_report("d", "r", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")
    assert _table_rows_match_headers(md) == []
    section = md[md.index("Trajectories") :]
    assert "RPE is comparable only between methods of a like RPE step" in section
    header = next(line for line in section.split("\n") if line.startswith("| method"))
    assert "RPE step (median)" in header and "RPE pairs left out across gaps" in header
    rows = {line.split("|")[1].strip(): line for line in section.split("\n") if line.startswith("| ")}
    assert "| 0.1 s | 3 of 403 (2 clips) |" in rows["dense"]
    assert "| 0.5 s | 0 of 60 (0 clips) |" in rows["droid"]
    assert "| not recorded | not recorded |" in rows["old"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "RPE step (median)" in page and "3 of 403 (2 clips)" in page and "like RPE step" in page
