"""Red team R19 (reports and captions): an RPE span no clip is long enough for was undefined on
every clip without a word on the console; a report written into the run folder (or the data
folder) was read back by every later ``evaluate`` as method folders of the run; unspaced text's
compat_bleu2 was unexplained."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.eval.caption_metrics import _rouge_unread_note, compat_bleu2
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz


@pytest.fixture
def ten_second_clip(tmp_path: Path) -> tuple[Path, Path]:
    """A 10 s ground truth (30 fps) and a 10 fps estimate of the same pan, one clip."""
    data, run = tmp_path / "data", tmp_path / "run"
    (data / "gt").mkdir(parents=True)
    (data / "videos").mkdir()
    (data / "videos" / "clip.mp4").touch()  # the clip's name; its frames are not read

    def pan(ts: np.ndarray) -> np.ndarray:
        c2w = np.tile(np.eye(4), (len(ts), 1, 1))
        c2w[:, 0, 3] = 0.1 * ts
        c2w[:, 0, 0] = c2w[:, 2, 2] = np.cos(0.05 * ts)
        c2w[:, 0, 2], c2w[:, 2, 0] = np.sin(0.05 * ts), -np.sin(0.05 * ts)
        return c2w

    gt_ts = np.arange(300) / 30.0
    save_npz(data / "gt" / "clip.npz", Trajectory(pan(gt_ts), None, gt_ts))
    ts = np.arange(100) / 10.0
    (run / "est" / "trajectories").mkdir(parents=True)
    save_npz(run / "est" / "trajectories" / "clip.npz", Trajectory(pan(ts), None, ts))
    return data, run


def test_an_rpe_span_longer_than_every_clip_is_warned_of(
    ten_second_clip: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        section = evaluate(*ten_second_clip, n_bootstrap=0, rpe_span_s=1000.0).result.methods["est"].trajectory
    assert section is not None and section.ok == 1 and math.isnan(section.mean.rpe_trans_rmse)
    assert "1 of 1 evaluated trajectories have under" in caplog.text
    assert "poses 1000 s apart (1 with the span about as long as the clip or longer, or few poses)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        section = evaluate(*ten_second_clip, n_bootstrap=0, rpe_span_s=1.0).result.methods["est"].trajectory
    assert section is not None and math.isfinite(section.mean.rpe_trans_rmse)
    assert "evaluated trajectories have under" not in caplog.text  # a span that fits: no warning


def test_a_report_into_the_run_or_data_folder_is_refused(ten_second_clip: tuple[Path, Path]) -> None:
    data, run = ten_second_clip
    before = sorted(p.name for p in run.iterdir())
    with pytest.raises(CameraBenchError, match="is the run folder"):
        write_report(data, run, run, n_bootstrap=0, gallery=0)
    with pytest.raises(CameraBenchError, match="is the data folder"):
        write_report(data, run, data / ".", n_bootstrap=0, gallery=0)
    assert sorted(p.name for p in run.iterdir()) == before
    for out in (run.parent / "report", run / "report"):  # beside the run, or a report folder inside it
        assert write_report(data, run, out, n_bootstrap=0, gallery=0).is_file()


def test_unspaced_text_is_one_word_to_compat_bleu2_and_the_note_says_so() -> None:
    text = "相机向上移动"
    assert compat_bleu2(text, text) == pytest.approx(math.sqrt(0.1))  # nltk method1: 0 bigrams get 0.1
    rows = [{"video": "a.mp4", "caption": text, "references": [text]}]
    note = _rouge_unread_note(rows)
    assert note is not None and "compat_bleu2 splits words at spaces only" in note and "0.316" in note
    assert _rouge_unread_note([{"video": "b.mp4", "caption": "pans left", "references": ["pans left"]}]) is None


def test_a_report_into_a_method_folder_is_refused_and_run_report_is_passed_over(
    ten_second_clip: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = ten_second_clip
    (run / "est" / "run.json").write_text("{}")  # a method folder's files (read or not, it holds outputs)
    for out in (run / "est", run / "est" / "report"):  # red team R22: ~20 files beside scores.jsonl
        with pytest.raises(CameraBenchError, match="method folder est of the run"):
            write_report(data, run, out, n_bootstrap=0, gallery=0)
    assert not (run / "est" / "report").exists()
    (run / "est" / "run.json").unlink()
    write_report(data, run, run / "report", n_bootstrap=0, gallery=0)
    with caplog.at_level(logging.WARNING):
        assert list(evaluate(data, run, n_bootstrap=0).result.methods) == ["est"]
    assert "not a method folder" not in caplog.text  # RUN/report is a report's folder: passed over


def test_no_empty_report_folder_is_left_when_the_run_is_not_found(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    with pytest.raises(CameraBenchError, match="run folder not found"):
        write_report(tmp_path, tmp_path / "nope", out, n_bootstrap=0, gallery=0)
    assert not out.exists()  # red team R22: an empty rep/ was left behind
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    with pytest.raises(CameraBenchError, match="run folder not found"):
        write_report(tmp_path, tmp_path / "nope", out, n_bootstrap=0, gallery=0)
    assert (out / "mine.txt").read_text() == "kept"  # a folder that was there stays
