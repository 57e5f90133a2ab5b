"""Hostile inputs on the report layer, round 20: method names with a lone surrogate in every plot,
escaped paths on ``camerabench evaluate``'s stdout and in the calibration / trajectory log lines,
and the report writer against a file in the way, an unwritable folder, a folder inside the run,
NaN and inf in every table and long names holding ``|``, backticks and ``<script>``."""

from __future__ import annotations

import html
import io
import logging
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.cli import main
from camerabench.eval import plots
from camerabench.eval.evaluate import Evaluation, evaluate
from camerabench.eval.gallery import MotionCurves
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    CalibrationResult,
    CategoryAccuracy,
    EvaluationResult,
    KnobAP,
    MCQResult,
    MethodResult,
    Reliability,
    TrajectoryErrors,
    TrajectoryMeans,
    TrajectoryResult,
)
from camerabench.fileio import WriteError
from camerabench.runfolder import MethodRun

from .test_report_hostile import _binary, _NoDataset, _table_rows_match_headers

BAD = "bad\udcff"  # the byte 0xff of a folder name, as os.listdir reads it


def _png(fig: Any) -> None:
    fig.savefig(io.BytesIO(), format="png")


# --------------------------------------------------------------------------- plots


def test_every_plot_draws_a_name_with_a_lone_surrogate() -> None:
    fig, axes = plots.new_figure(12, 3, 1, 5, layout=None)
    # each was: TypeError from matplotlib's font code when the figure was drawn
    plots.plot_ap_bars(
        axes[0, 0], {BAD: {"P\udc80": 0.5}}, ["P\udc80"], chance={"P\udc80": 0.4}, chance_label="c\udcfe"
    )
    plots.plot_pr_curve(axes[0, 1], [0, 1, 1], [0.1, 0.5, 0.9], BAD)
    plots.plot_pr_curve(axes[0, 1], [1, 1], [0.1, 0.5], "one\udcfe")  # the "no curve" text
    plots.legend(axes[0, 1])
    plots.plot_counts(axes[0, 2], {BAD: {"failed\udcff": 2}}, title="t\udcff")
    plots.plot_reliability(axes[0, 3], [0.2, 0.8], [0.1, 0.9], BAD)
    curves = MotionCurves(np.arange(2.0), np.zeros((2, 3)), np.zeros((2, 3)), np.ones(2))
    plots.plot_motion(axes[0, 4], curves, curves, "rotation", estimate_label=BAD)
    _png(fig)
    fig2, ax2 = plots.new_figure(2, 2, layout=None)
    plots.plot_frame_strip(ax2[0, 0], None, title=BAD)
    _png(fig2)
    shown = [t.get_text() for ax in (*axes.flat, ax2[0, 0]) for t in (*ax.texts, ax.title, *ax.get_xticklabels())]
    shown += [t for ax in axes.flat for t in ax.get_legend_handles_labels()[1]]
    assert "bad\\xff" in shown and "failed\\xff" in shown and "P\\x80" in shown
    assert not any(re.search("[\ud800-\udfff]", t) for t in shown)


def test_short_label_escapes_before_cutting() -> None:
    label = plots.short_label("\udcff" * 30, limit=9)
    assert label == "\\xff\u2026\\xff"  # the escaped form is what is cut: it is what is drawn


# --------------------------------------------------------------------------- CLI and logs


def _renamed(dummy_run: Path, tmp_path: Path, name: str) -> Path:
    run = tmp_path / name / "run"
    run.parent.mkdir()
    shutil.copytree(dummy_run, run)
    return run


def test_cli_evaluate_summary_escapes_a_run_path_not_utf8(
    six_videos: Path, dummy_run: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    run = _renamed(dummy_run, tmp_path, "r\udcffx")
    assert main(["evaluate", "--data", str(six_videos), "--run", str(run), "--bootstrap", "1"]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")  # strict: was the raw byte 0xff (or an error)
    last = out.rstrip("\n").split("\n")[-1]
    assert last == f"evaluated 1 method(s) in {tmp_path}/r\\xffx/run on {six_videos}"


def test_summary_lines_escape_a_hand_made_method_name() -> None:
    from camerabench.cli.evaluate import summary_lines

    result = EvaluationResult(
        "d", "r", "lowest", 10, 0, methods={"a\udcff\nb": MethodResult(binary=_binary({"P": 0.5}))}
    )
    lines = summary_lines(result)
    assert len(lines) == 1 and lines[0].startswith("a\\xff\\nb ")
    lines[0].encode("utf-8")


def test_trajectory_log_lines_show_the_escaped_method_name(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from camerabench.eval.trajectory_error import trajectory_section

    folder = tmp_path / BAD
    (folder / "trajectories").mkdir(parents=True)
    np.savez(folder / "trajectories" / "stray\udcfe.npz", t=np.zeros(1))
    run = MethodRun(BAD, folder)
    with caplog.at_level(logging.WARNING):
        trajectory_section({"clip": tmp_path / "clip.npz"}, run)
    said = [r.getMessage() for r in caplog.records if "named for no video" in r.getMessage()]
    assert len(said) == 1
    assert said[0].startswith("bad\\xff: ") and "stray\\xfe.npz" in said[0]  # was the raw surrogates
    said[0].encode("utf-8")


def test_calibration_log_lines_show_the_escaped_method_name(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.dataset import Dataset
    from camerabench.eval.calibration import calibration_section
    from camerabench.runfolder import read_run

    run_dir = tmp_path / "run"
    shutil.copytree(dummy_run, run_dir)
    scores = run_dir / "dummy" / "scores.jsonl"
    scores.write_text("".join(scores.read_text(encoding="utf-8").splitlines(keepends=True)[1:]), encoding="utf-8")
    os.rename(run_dir / "dummy", run_dir / BAD)
    run = read_run(run_dir)[BAD]
    with caplog.at_level(logging.WARNING):
        calibration_section(Dataset(six_videos), run, None)
    said = [r.getMessage() for r in caplog.records if "labelled binary samples" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("bad\\xff: ")  # was "bad\udcff: "
    said[0].encode("utf-8")


# --------------------------------------------------------------------------- the report writer


def _no_evaluation(*args: Any, **kw: Any) -> Any:
    raise AssertionError("evaluated before the report folder was checked")


def test_a_file_in_place_of_the_report_folder_is_a_write_error_before_evaluating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("camerabench.eval.report.evaluate", _no_evaluation)
    (tmp_path / "reports").write_text("x", encoding="utf-8")
    with pytest.raises(WriteError, match=re.escape(str(tmp_path / "reports"))):
        write_report("data", "run", tmp_path / "reports" / "r1")
    with pytest.raises(WriteError, match=re.escape(str(tmp_path / "reports"))):
        write_report("data", "run", tmp_path / "reports")


def test_an_unwritable_report_folder_is_a_write_error_before_evaluating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    out.mkdir()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if Path(os.fsdecode(path)).parent == out and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", read_only)  # tests run as root: chmod would not stop a write
    monkeypatch.setattr("camerabench.eval.report.evaluate", _no_evaluation)
    # was: the whole evaluation ran, then the first write failed
    with pytest.raises(WriteError, match=re.escape(str(out)) + ".*Permission denied"):
        write_report("data", "run", out)
    assert list(out.iterdir()) == []


def test_a_report_folder_inside_the_run_folder_written_twice(six_videos: Path, dummy_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(dummy_run, run)
    first = write_report(six_videos, run, run / "report", n_bootstrap=0, gallery=0).read_text(encoding="utf-8")
    again = write_report(six_videos, run, run / "report", n_bootstrap=0, gallery=0).read_text(encoding="utf-8")
    assert first == again  # the report folder is not read as a method folder
    assert list(evaluate(six_videos, run, n_bootstrap=0, captions_minilm=False).result.methods) == ["dummy"]


def _undefined_everywhere(value: float) -> dict[str, MethodResult]:
    errors = dict.fromkeys(("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse"), value)
    trajectory = TrajectoryResult(
        clips=2,
        ok=2,
        failed=0,
        missing=0,
        mean=TrajectoryMeans(**errors, zoom_log_ratio_rmse=value),
        median=TrajectoryErrors(**errors),
        clips_with_translation_error=0,
        alignment_counts={"sim3_umeyama": 2},
        units={"trans": "ground-truth units", "rot": "degrees"},
    )
    calibration = CalibrationResult(
        "raw scores", value, value, 10, {"Pan_Right": value}, Reliability(10, [value], [value], [10])
    )
    acc = CategoryAccuracy(value, 2, 2, 0, 0, 0, 0)
    mcq = MCQResult({"shot size": acc}, value, value, 2, 0, 0, 0, 0)
    binary = _binary({"Pan_Right": value, "Tilt_Up": value})
    binary.mean_ap = binary.mean_roc_auc = value
    binary.roc_auc = {p: value for p in binary.roc_auc}
    binary.chance, binary.mean_chance = {p: value for p in binary.chance}, value  # its own chance too
    return {"m": MethodResult(binary=binary, trajectory=trajectory, calibration=calibration, mcq=mcq)}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_inf_show_as_na_in_every_table_never_a_number_or_blank(tmp_path: Path, value: float) -> None:
    methods = _undefined_everywhere(value)
    result = EvaluationResult(
        "data", "run", "lowest", 10, 0, methods=methods, knobs={"m": {"blur": KnobAP(value, 0, 2, 4)}}
    )
    out = tmp_path / "report"
    md = write_report("d", "r", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0).read_text(  # type: ignore[arg-type]
        encoding="utf-8"
    )
    assert _table_rows_match_headers(md) == []
    tables = [line for line in md.split("\n") if line.startswith("|") and not line.startswith("|---")]
    for heading in ("Binary", "knob", "Trajector", "Calibration", "Multiple choice"):
        assert re.search(rf"^#+ .*{heading}", md, re.I | re.M), heading  # every section has its table
    assert not [line for line in tables if re.search(r"\binf\b|\bnan\b", line, re.I)]
    for line in tables:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        # every metric is undefined: a number with a decimal point (0.0, 50.0) would be invented
        assert not [c for c in cells if re.fullmatch(r"[<>]?-?\d+\.\d*", c)], line
    assert md.count("n/a") >= 10
    assert "n/a: undefined" in md  # a note says what n/a stands for (was: only the binary section said)


def test_long_names_with_pipes_backticks_and_script_are_escaped_in_markdown_and_html(tmp_path: Path) -> None:
    name = ("a|b`c<script>alert(1)</script>" * 10)[:300]
    assert len(name) == 300
    methods = {name: MethodResult(binary=_binary({"Pan_Right": 0.5}, failed=1, reasons={"<script>x</script>|`r`": 1})),
               "b": MethodResult(binary=_binary({"Pan_Right": 0.4}))}  # fmt: skip
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    out = tmp_path / "report"
    md = write_report("d", "r", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0).read_text(  # type: ignore[arg-type]
        encoding="utf-8"
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert _table_rows_match_headers(md) == []
    assert "<script>" not in page and html.escape(name) in page  # the whole name, as text
    import markdown_it  # the CommonMark renderer (dev dependency)

    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<script" not in rendered and "alert(1)" in rendered
    assert _table_rows_match_headers(md) == []  # the '|' in the name splits no row
    assert md.count("| a\\|b`c") >= 2  # the whole name heads its rows, its pipes escaped
