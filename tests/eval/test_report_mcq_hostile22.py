"""Hostile inputs, round 22: a report rewrite interrupted halfway (Ctrl-C inside a CSV or plot
writer), stale gallery images, multiple-choice rows and answers of odd shapes, and gallery
trajectories that are gone or hold NaN poses when the report is drawn."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval import report
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.gallery import clip_frames, load_motion
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.eval.results import CategoryAccuracy, EvaluationResult, MCQResult, MethodResult
from camerabench.records import AnswerRecord
from camerabench.shotbench import MCQRow

from .test_report_hostile import _binary, _NoDataset

OPTIONS = {"A": "Close-up", "B": "Extreme close-up", "C": "Medium shot", "D": "Wide shot"}


def _row(index: str, category: str = "shot size", options: dict[str, str] | None = None, answer: str = "A") -> MCQRow:
    return MCQRow(index, "t", ("image",), (f"image/{index}.jpg",), "q?", dict(options or OPTIONS), answer, category, 2)


def _mcq(accuracy: float) -> MCQResult:
    return MCQResult({"shot size": CategoryAccuracy(accuracy, 4, 4, int(4 * accuracy), 0, 0, 0)}, accuracy, accuracy,
                     4, int(4 * accuracy), 0, 0, 0)  # fmt: skip


def _evaluation(ap: float, **method: Any) -> Evaluation:
    methods = {"m": MethodResult(binary=_binary({"Pan_Right": ap, "Tilt_Up": ap}), mcq=_mcq(ap), **method)}
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    return Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]


def _write(out: Path, ev: Evaluation) -> str:
    return write_report("d", "r", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- interrupted rewrites


def _assert_old_or_unfinished(out: Path, old_md: str, old_csvs: dict[str, str]) -> None:
    assert not list(out.rglob(".*.tmp"))  # no temporary file left behind
    if (out / "report.md").exists():  # the earlier report, whole
        assert (out / "report.md").read_text(encoding="utf-8") == old_md
        assert {n: (out / n).read_text(encoding="utf-8") for n in old_csvs} == old_csvs
    else:  # plainly unfinished: nothing claims the tables are its numbers
        assert not (out / "report.html").exists() and not (out / "metrics.json").exists()


def test_ctrl_c_inside_a_csv_writer_leaves_no_old_report_md_beside_new_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    old_md = _write(out, _evaluation(0.25))
    old_csvs = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.csv")}
    write_csv = report._write_csv

    def interrupted(path: Path, *args: Any) -> None:
        if path.name == "mcq.csv":
            raise KeyboardInterrupt
        write_csv(path, *args)

    monkeypatch.setattr(report, "_write_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _write(out, _evaluation(0.75))
    # was: the binary CSVs held 75.0 while the earlier report.md beside them said 25.0; since
    # 2c20b91 a report that stops halfway removes every report file, new and earlier alike
    assert not (out / "binary_summary.csv").exists()
    assert not list(out.glob("*.csv")) and not list(out.glob("*.png"))
    _assert_old_or_unfinished(out, old_md, old_csvs)


def test_ctrl_c_inside_a_plot_leaves_no_old_report_md(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    old_md = _write(out, _evaluation(0.25))
    old_csvs = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.csv")}

    def interrupted(fig: Any, path: Path, dpi: int = 110) -> None:
        with report.atomic_open(path, "wb") as fh:
            fh.write(b"half a png")
            raise KeyboardInterrupt

    monkeypatch.setattr(report, "_save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _write(out, _evaluation(0.75))
    _assert_old_or_unfinished(out, old_md, old_csvs)
    # no half-written plot, and (since 2c20b91) no earlier plot beside the new tables either
    assert not list(out.glob("*.png")) and not list(out.glob("*.csv"))


def test_an_interrupt_while_evaluating_keeps_the_earlier_report_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report"
    old_md = _write(out, _evaluation(0.25))

    def interrupted(*args: Any, **kwargs: Any) -> Evaluation:
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "evaluate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report("d", "r", out, gallery=0)
    assert (out / "report.md").read_text(encoding="utf-8") == old_md
    assert (out / "metrics.json").is_file()


def test_a_rerun_removes_gallery_images_and_tables_the_new_report_does_not_write(tmp_path: Path) -> None:
    out = tmp_path / "report"
    _write(out, _evaluation(0.25))
    (out / "gallery" / "gone method").mkdir(parents=True)
    (out / "gallery" / "gone method" / "clip.png").write_bytes(b"\x89PNG old")
    (out / "trajectory.csv").write_text("old\n", encoding="utf-8")
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")  # not a report file: kept
    _write(out, _evaluation(0.5))
    assert not (out / "gallery").exists() and not (out / "trajectory.csv").exists()
    assert (out / "notes.txt").exists()


# --------------------------------------------------------------------------- multiple choice


def test_an_empty_category_is_refused_not_a_nameless_column() -> None:
    with pytest.raises(ValueError, match=r"row t/0: its category is empty"):
        mcq_section([_row("0", " ")], {(None, "0"): AnswerRecord("0", "m", "A")})


def test_odd_option_lists_one_option_26_options_and_duplicate_texts() -> None:
    one = _row("0", options={"A": "Static"})
    many = _row("1", options={chr(65 + k): f"option {k}" for k in range(26)}, answer="Z")
    twin = _row("2", options={"A": "Pan left", "B": "Pan left"}, answer="B")
    answers = {(None, "0"): AnswerRecord("0", "m", "Z"), (None, "1"): AnswerRecord("1", "m", "Z"),
               (None, "2"): AnswerRecord("2", "m", "pan left")}  # fmt: skip
    res = mcq_section([one, many, twin], answers)
    assert res is not None
    # a letter outside the options, and a text two options share, name no option: unparsed and wrong
    assert (res.rows, res.correct, res.unparsed) == (3, 1, 2)
    assert res.extraction == {"letter": 1, "text": 0, "unparsed": 2}
    with pytest.raises(ValueError, match="answer 'E' is not one of its options"):
        mcq_section([_row("3", answer="E")], {})
    # a 27th option has no letter: its key is refused as the table reader refuses it (stop 50, R52)
    with pytest.raises(ValueError, match="keys must be letters A-Z"):
        _row("4", options={"A": "option 0", "AA": "option 26"}, answer="AA")


def test_a_category_of_no_scored_row_is_nan_with_a_warning_and_unanswered_rows_counted() -> None:
    rows = [_row("0", "Shot Size"), _row("1", "shot size"), _row("2", "shot size")]
    answers = {
        (None, "0"): AnswerRecord("0", "m", None, "failed", "decode error"),
        (None, "1"): AnswerRecord("1", "m", "A"),
    }
    with pytest.warns(UserWarning) as caught:
        res = mcq_section(rows, answers, "drop")
    messages = " ".join(str(w.message) for w in caught)
    assert "undefined (no scored row) for Shot Size" in messages and "differ only in case" in messages
    assert res is not None and math.isnan(res.per_category["Shot Size"].accuracy)
    assert (res.failed, res.missing) == (1, 1)


def test_the_report_says_rows_answered_twice_and_never_shows_an_accuracy_over_no_row(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mcq = MCQResult({"shot size": CategoryAccuracy(1.0, 2, 2, 2, 0, 0, 0),
                     "lighting": CategoryAccuracy(0.0, 0, 0, 0, 0, 0, 0),
                     "angle": CategoryAccuracy(math.nan, math.nan, math.nan, 0, 0, 0, 0)},  # type: ignore[arg-type]
                    1.0, 1.0, 2, 2, 0, 0, 0)  # fmt: skip
    result = EvaluationResult("data", "run", "lowest", 10, 0,
                              methods={"m": MethodResult(mcq=mcq, duplicate_answers=3)})  # fmt: skip
    out = tmp_path / "report"
    with caplog.at_level(logging.WARNING):
        md = write_report("d", "r", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0).read_text(  # type: ignore[arg-type]
            encoding="utf-8"
        )
    line = next(x for x in md.split("\n") if x.startswith("| m |") and "100.0" in x)
    # was: lighting read 0.0, an accuracy over no row
    assert line.split("|")[-4:-1] == [" 100.0 ", " n/a ", " n/a "]
    assert "'lighting' has accuracy 0.0 over 0 scored rows" in caplog.text
    assert "m: 3 row(s) answered more than once" in md  # was: said nowhere in the report
    assert "nan" in (out / "mcq.csv").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- gallery


def _npz(path: Path, c2w: np.ndarray) -> Path:
    np.savez(path, cam_c2w=c2w, timestamps=np.arange(len(c2w), dtype=np.float64))
    return path


def test_nan_poses_are_gaps_in_the_motion_and_said() -> None:
    c2w = np.stack([np.eye(4)] * 4)
    c2w[1:, 0, 3] = [1.0, np.nan, 3.0]
    c2w[2, 0, 0] = np.nan
    without: list[str] = []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        curves = load_motion(_npz(Path(tmp) / "t.npz", c2w), without)
    assert curves is not None  # was: None (SVD did not converge), the whole trajectory dropped
    assert np.isnan(curves.translation[2]).all() and np.isnan(curves.rotation_deg[2]).all()
    assert curves.translation[3, 0] == 3.0 and curves.path_length == 1.0  # the steps between finite poses
    assert len(without) == 1 and without[0].endswith("1 of 4 poses are not finite (NaN or inf): drawn as gaps")


def test_a_first_pose_nan_or_a_deleted_trajectory_is_said(tmp_path: Path) -> None:
    c2w = np.stack([np.eye(4)] * 2)
    c2w[0, 1, 3] = np.inf
    without: list[str] = []
    assert load_motion(_npz(tmp_path / "t.npz", c2w), without) is None
    assert load_motion(tmp_path / "deleted.npz", without) is None  # was: None without a word
    assert load_motion(None, without) is None  # a method that writes no trajectory: nothing to say
    assert without == [
        f"{tmp_path / 't.npz'}: cannot read the trajectory: its first pose is not finite (NaN or inf): "
        "no motion relative to it",
        f"{tmp_path / 'deleted.npz'}: the trajectory file does not exist",
    ]


def test_a_video_corrupted_after_the_run_is_named_once(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 50)
    without: list[str] = []
    assert clip_frames(video, 2, 32, without) is None
    assert len(without) == 1 and without[0].startswith(f"{video}: ")
    assert without[0].count(str(video)) <= 2 and not without[0].startswith(f"{video}: {video}:")
