"""A report killed outright while writing leaves the temporary files of its atomic writes
(``.pr_curves.png.<hex>.tmp``); every later report kept them (red team R68). They are a report's
leftovers: the next report removes them and says so; other hidden files are the user's and kept."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from camerabench.eval.report import write_report


def test_a_killed_reports_temporary_files_are_removed_by_the_next_report(
    tmp_path: Path, dummy_run: Path, six_videos: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "report"
    write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)
    left = [".pr_curves.png.0123abcd.tmp", ".report.md.89abcdef.tmp", ".binary_ap.csv.deadbeef.tmp"]
    kept = [".notes.txt.0123abcd.tmp", ".pr_curves.png.tmp", "my.pr_curves.png.0123abcd.tmp"]
    for name in left + kept:
        (out / name).write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)
    names = {p.name for p in out.iterdir()}
    assert not names & set(left)
    assert set(kept) <= names
    assert (out / "report.md").is_file() and (out / "pr_curves.png").is_file()
    [warning] = [r.getMessage() for r in caplog.records if "removed" in r.getMessage()]
    assert all(name in warning for name in left)


def test_a_killed_gallerys_temporary_files_are_removed_too(tmp_path: Path, dummy_run: Path, six_videos: Path) -> None:
    """R72: a report killed while drawing the gallery left ``gallery/<method>/.<clip>.png.<hex>.tmp``,
    which kept its folder from being removed when the gallery was left out."""
    out = tmp_path / "report"
    write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)
    (out / "gallery" / "dummy").mkdir(parents=True)
    left = out / "gallery" / "dummy" / ".clip_a.png.0123abcd.tmp"
    left.write_bytes(b"")
    write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)
    assert not left.exists() and not (out / "gallery").exists()
