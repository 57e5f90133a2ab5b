"""Review of R22 (make-tiny-vlm, demo, report folders): ``camerabench report --out RUN/report``
still warned "RUN/report: not a method folder, left out: an empty folder" (the command line creates
the folder before ``write_report``, which marked only a folder it created itself); a report whose run
was not found left the parents it created behind; a report into a method folder that is a link
(``RUN/est -> /elsewhere/est``) was written among the method's files; a tiny checkpoint holding
Finder's ``.DS_Store`` was refused as holding files make-tiny-vlm does not write."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.vlm.checkpoint import check_tiny_out
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.eval.report import write_report
from camerabench.runfolder import REPORT_MARKER
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz


def _pan(ts: np.ndarray) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(ts), 1, 1))
    c2w[:, 0, 3] = 0.1 * ts
    c2w[:, 0, 0] = c2w[:, 2, 2] = np.cos(0.05 * ts)
    c2w[:, 0, 2], c2w[:, 2, 0] = np.sin(0.05 * ts), -np.sin(0.05 * ts)
    return c2w


def _clip(root: Path, method_folder: Path | None = None) -> tuple[Path, Path]:
    """A one-clip dataset (ground truth only) and a run whose method ``est`` holds its trajectory
    (in ``method_folder``, linked as ``RUN/est``, when given)."""
    data, run = root / "data", root / "run"
    (data / "gt").mkdir(parents=True)
    (data / "videos").mkdir()
    (data / "videos" / "clip.mp4").touch()  # the clip's name; its frames are not read
    gt_ts = np.arange(300) / 30.0
    save_npz(data / "gt" / "clip.npz", Trajectory(_pan(gt_ts), None, gt_ts))
    est = method_folder if method_folder is not None else run / "est"
    (est / "trajectories").mkdir(parents=True)
    ts = np.arange(100) / 10.0
    save_npz(est / "trajectories" / "clip.npz", Trajectory(_pan(ts), None, ts))
    if method_folder is not None:
        run.mkdir(exist_ok=True)
        (run / "est").symlink_to(method_folder, target_is_directory=True)
    return data, run


def test_an_existing_run_report_folder_is_passed_over_by_the_reports_own_evaluation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _clip(tmp_path)
    (run / "report").mkdir()  # as `camerabench report --out RUN/report` makes it before write_report
    with caplog.at_level(logging.WARNING):
        write_report(data, run, run / "report", n_bootstrap=0, gallery=0)
    assert "not a method folder" not in caplog.text, caplog.text  # was: "an empty folder"
    assert (run / "report" / REPORT_MARKER).is_file() and (run / "report" / "report.md").is_file()


def test_a_failed_report_leaves_an_existing_folder_as_it_was_and_removes_what_it_created(tmp_path: Path) -> None:
    existing = tmp_path / "rep"
    existing.mkdir()
    with pytest.raises(CameraBenchError, match="run folder not found"):
        write_report(tmp_path, tmp_path / "nope", existing, n_bootstrap=0, gallery=0)
    assert existing.is_dir() and list(existing.iterdir()) == []  # kept, and no marker of ours left in it
    nested = tmp_path / "new" / "deep" / "rep"
    with pytest.raises(CameraBenchError, match="run folder not found"):
        write_report(tmp_path, tmp_path / "nope", nested, n_bootstrap=0, gallery=0)
    assert not (tmp_path / "new").exists()  # was: new/deep/ left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_a_report_into_a_linked_method_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "est"
    data, run = _clip(tmp_path, method_folder=elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    for out in (run / "est", elsewhere, elsewhere / "report", tmp_path / "elsewhere" / "est" / ".." / "est"):
        with pytest.raises(CameraBenchError, match="method folder est of the run"):
            write_report(data, run, out, n_bootstrap=0, gallery=0)
    assert sorted(p.name for p in elsewhere.iterdir()) == before  # was: ~20 report files beside trajectories/
    # the link's parent folder is not the method folder: a report there is written
    assert write_report(data, run, tmp_path / "elsewhere", n_bootstrap=0, gallery=0).is_file()


def test_a_tiny_checkpoint_a_file_browser_looked_at_is_still_replaced(tmp_path: Path) -> None:
    tiny = make_tiny_vlm(tmp_path / "tiny")
    (tiny / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tiny / "Thumbs.db").write_bytes(b"\xd0\xcf")
    check_tiny_out(tiny)  # was: "holds a tiny checkpoint and files make-tiny-vlm does not write (.DS_Store, ...)"
    assert main(["make-tiny-vlm", "--out", str(tiny)]) == 0
    (tiny / "notes.txt").write_text("mine")  # a file of one's own is still refused
    with pytest.raises(CameraBenchError, match=r"files make-tiny-vlm does not write \(notes\.txt\)"):
        check_tiny_out(tiny)
