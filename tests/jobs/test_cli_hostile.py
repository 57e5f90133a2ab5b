"""Hostile input to the command line and the jobs: one clear error before any work, nothing wrong kept."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

import camerabench.cli
from camerabench.cli import main
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.jobs.runner import run_predict
from camerabench.runfolder import MethodFolder, read_run


def test_ctrl_c_while_the_commands_are_imported_is_an_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(camerabench.cli, "build_parser", interrupted)
    try:
        code = main(["taxonomy"])
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped as a traceback")
    assert code == 130


@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--data", "DATA", "--method", "dummy", "--out", ""],
        ["predict", "--data", " ", "--method", "dummy", "--out", "OUT"],
        ["caption", "--data", "DATA", "--method", "dummy", "--out", ""],
        ["evaluate", "--data", "DATA", "--run", ""],
        ["report", "--data", "DATA", "--run", "RUN", "--out", ""],
        ["calibrate", "--data", "", "--run", "RUN", "--method", "dummy"],
    ],
)
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
    argv: list[str],
    data: Path,
    run: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path / "run")  # what an empty path would mean
    argv = [{"DATA": str(data), "RUN": str(run), "OUT": str(tmp_path / "out")}.get(a, a) for a in argv]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "must be a path" in capsys.readouterr().err


def test_report_into_a_file_is_one_line_before_the_evaluation(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "report"
    blocker.write_text("x")
    argv = ["report", "--data", str(data), "--run", str(run), "--out", str(blocker), "--bootstrap", "5"]
    with caplog.at_level(logging.INFO):
        assert main(argv) == 1
    assert f"{blocker}: is a file, not a folder" in caplog.text
    assert "evaluating dummy" not in caplog.text


def test_resume_into_a_run_of_another_dataset_is_refused(data: Path, run: Path, tmp_path: Path) -> None:
    # another dataset: the same videos with other labels (a byte-identical copy resumes: test_resume_copy54)
    other = Path(shutil.copytree(data, tmp_path / "other data"))
    from camerabench.labelfiles import read_binary_file, write_binary_file

    label = sorted((other / "labels" / "binary_classification").glob("*.jsonl"))[0]
    write_binary_file(label, read_binary_file(label)[1:])  # a video no longer labelled there
    before = MethodFolder.of(run, "dummy").scores.read_bytes()
    with pytest.raises(CameraBenchError, match=rf"cannot --resume a run of another dataset .*{label.name}"):
        run_predict(other, "dummy", run, resume=True)
    assert MethodFolder.of(run, "dummy").scores.read_bytes() == before


def test_resume_after_the_dataset_moved_warns_and_completes(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    moved = tmp_path / "moved"
    run_predict(data, "dummy", tmp_path / "run")
    data.rename(moved)
    with caplog.at_level(logging.WARNING):
        summary = run_predict(moved, "dummy", tmp_path / "run", resume=True)
    assert "which is gone; taking" in caplog.text
    assert summary.videos_skipped == 6


def test_resume_after_a_video_left_the_dataset_counts_the_dataset_only(
    data: Path, run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.labelfiles import read_binary_file, write_binary_file

    (data / "videos" / "v5.mp4").unlink()
    for path in (data / "labels" / "binary_classification").glob("*.jsonl"):
        write_binary_file(path, [r for r in read_binary_file(path) if r.image != "v5.mp4"])
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "dummy", run, resume=True)
    assert (summary.videos_total, summary.videos_ok, summary.videos_failed, summary.videos_skipped) == (5, 5, 0, 5)
    assert "1 recorded videos are no longer in the dataset (e.g. v5.mp4)" in caplog.text
    assert "v5.mp4" in MethodFolder.of(run, "dummy").scores.read_text()  # kept, not lost


@pytest.mark.parametrize("tampered", ["scores.jsonl", "run.json"])
def test_resume_over_another_methods_files_is_refused(data: Path, run: Path, tampered: str) -> None:
    path = MethodFolder.of(run, "dummy").path / tampered
    text = path.read_text()
    path.write_text(text.replace('"method": "dummy"', '"method": "fast"', 1))
    with pytest.raises(CameraBenchError, match="'fast', not 'dummy'"):
        run_predict(data, "dummy", run, resume=True)


def test_a_run_folder_inside_the_videos_folder_is_refused(data: Path) -> None:
    with pytest.raises(CameraBenchError, match="inside the dataset's videos folder"):
        run_predict(data, "dummy", data / "videos")
    assert sorted(p.name for p in (data / "videos").iterdir()) == [f"v{i}.mp4" for i in range(6)]


@pytest.mark.parametrize(("sub", "what"), [("gt", "ground-truth"), ("labels", "labels")])
def test_a_run_folder_inside_the_ground_truth_or_labels_folder_is_refused(data: Path, sub: str, what: str) -> None:
    # a run folder in gt/ made every later run fail ("ground-truth files sit directly in gt/")
    with pytest.raises(CameraBenchError, match=f"inside the dataset's {what} folder"):
        run_predict(data, "dummy", data / sub / "run")
    assert not (data / sub / "run").exists()


def test_evaluate_refuses_a_dataset_with_nothing_to_evaluate(data: Path, run: Path) -> None:
    shutil.rmtree(data / "labels")
    with pytest.raises(CameraBenchError, match="nothing to evaluate against"):
        evaluate(data, run, n_bootstrap=5)


def test_evaluate_warns_about_another_dataset_and_a_method_without_metric(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = Path(shutil.copytree(data, tmp_path / "other"))
    captions_only = run / "captioner"
    captions_only.mkdir()
    rec = {"video": "v0.mp4", "method": "captioner", "caption": "The camera pans.", "status": "ok", "reason": None}
    (captions_only / "captions.jsonl").write_text(json.dumps(rec) + "\n")
    with caplog.at_level(logging.WARNING):
        result = evaluate(other, run, n_bootstrap=5).result
    assert f"dummy: the run was made on {data.resolve()}, not on {other.resolve()}" in caplog.text
    assert "captioner: no metric" in caplog.text
    assert result.methods["captioner"].binary is None


def test_evaluate_on_a_method_folder_names_the_mistake(run: Path) -> None:
    with pytest.raises(FileFormatError, match="is a method folder, not a run folder"):
        read_run(run / "dummy")


def test_demo_refuses_a_clip_count_other_than_its_existing_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import camerabench.jobs.demo as demo
    from camerabench.synth import generate_dataset

    generate_dataset(tmp_path / "demo" / "data", clips=1, size=(32, 32), workers=1)

    def no_prediction(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo went on with the existing dataset")

    monkeypatch.setattr(demo, "run_predict", no_prediction)
    with pytest.raises(CameraBenchError, match="holds 1 synthetic clips, not the 2 asked for"):
        demo.run_demo(tmp_path / "demo", clips=2, workers=1)
