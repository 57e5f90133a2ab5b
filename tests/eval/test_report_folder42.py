"""A report folder whose report files no camerabench report wrote (``demo --out ~`` with a
``report.md`` or ``metrics.json`` of one's own in ``~/report``) was overwritten and cleared at the
end of the run: refused before any work; a folder a report made (its marker, or a metrics.json
this version reads) is written anew as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from camerabench.errors import CameraBenchError
from camerabench.eval.report import REPORT_MARKER, check_report_folder, write_report
from camerabench.jobs.demo import run_demo


class _Unreached:
    @property
    def result(self) -> object:
        raise AssertionError("evaluated before refusing")


def _own_files(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    (folder / "report.md").write_text("# My thesis notes\n")
    (folder / "binary_ap.csv").write_text("my,own,table\n")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_folder_of_ones_own_report_files_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "report"
    before = _own_files(out)
    with pytest.raises(CameraBenchError, match=r"holds report\.md, binary_ap\.csv, which no camerabench report"):
        write_report("d", "r", out, evaluation=_Unreached(), gallery=0)  # type: ignore[arg-type]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old: removed or overwritten


def test_a_metrics_json_that_is_not_camerabenchs_is_not_taken_for_a_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "metrics.json").write_text('{"accuracy": 0.93, "epoch": 12}\n')  # a training log's
    with pytest.raises(CameraBenchError, match=r"no metrics\.json this version reads"):
        check_report_folder(out)


def test_the_demo_refuses_before_rendering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _own_files(tmp_path / "home" / "report")

    def render(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered before refusing")

    monkeypatch.setattr("camerabench.synth.generate.generate_dataset", render)
    with pytest.raises(CameraBenchError, match="which no camerabench report wrote"):
        run_demo(tmp_path / "home", clips=1, methods={"dummy": {}})
    assert {p.name: p.read_bytes() for p in (tmp_path / "home" / "report").iterdir()} == before


def test_a_report_folder_is_written_anew(tmp_path: Path, dummy_run: Path, six_videos: Path) -> None:
    out = tmp_path / "report"
    write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)
    assert (out / REPORT_MARKER).is_file()
    write_report(six_videos, dummy_run, out, n_bootstrap=0, gallery=0)  # the marker says it is a report's
    (out / REPORT_MARKER).unlink()  # a report by an older camerabench: its metrics.json says so
    check_report_folder(out)
    (out / "metrics.json").unlink()  # an older report interrupted after removing it: no way to tell
    with pytest.raises(CameraBenchError, match="which no camerabench report wrote"):
        check_report_folder(out)
