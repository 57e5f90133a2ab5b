"""Hostile input to the jobs (sweep 2): run folders of another dataset or still being written,
fusion inputs that never ran on some videos, commands given to the wrong method."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.dummy import DummyPredictor
from camerabench.baselines.fusion import train_fusion
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.eval.calibration import calibrate_run, read_calibration
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.locks import FolderInUseError, FolderLock
from camerabench.records import read_run_info, read_scores, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table


def test_train_fusion_into_a_file_is_one_line_before_the_fits(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "model"
    blocker.write_text("x")
    argv = ["train", "--method", "fusion", "--data", str(data), "--run", str(run), "--inputs", "dummy"]
    assert main([*argv, "--out", str(blocker), "--folds", "2"]) == 1  # was a raw FileExistsError
    assert f"{blocker}: is a file, not a folder" in caplog.text
    assert main([*argv, "--out", str(blocker / "sub"), "--folds", "2"]) == 1  # was NotADirectoryError
    assert f"{blocker} is a file, not a folder" in caplog.text


def test_train_flags_of_the_other_method_are_refused(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    common = ["train", "--data", str(data), "--out", str(tmp_path / "m")]
    # --method fusion forgotten: was "needs --model PATH"
    assert main([*common, "--run", str(run), "--inputs", "dummy"]) == 1
    assert "--run and --inputs are for --method fusion" in caplog.text
    assert main([*common, "--method", "fusion", "--run", str(run), "--inputs", "dummy", "--model", "x"]) == 1
    assert "--model is for --method qwen-vl" in caplog.text
    assert not (tmp_path / "m").exists()


def test_calibrating_a_run_against_another_datasets_labels_is_refused(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = Path(shutil.copytree(data, tmp_path / "other"))  # same video names, other labels possible
    with pytest.raises(CameraBenchError, match="the run scored another dataset") as exc:
        calibrate_run(other, run, "dummy", n_splits=2)
    assert str(data.resolve()) in str(exc.value) and "run.json" in str(exc.value)
    assert not MethodFolder.of(run, "dummy").calibration.exists()
    # the dataset the run scored moved: a warning, and the calibration is fitted on the new place
    shutil.rmtree(data)
    with caplog.at_level(logging.WARNING):
        cal, path = calibrate_run(other, run, "dummy", n_splits=2)
    assert "which is gone" in caplog.text
    assert read_calibration(path).fitted_on_data == str(other.resolve()) == cal.fitted_on_data


def test_calibrating_a_method_folder_a_job_is_writing_is_refused(data: Path, run: Path) -> None:
    folder = MethodFolder.of(run, "dummy")
    with FolderLock(folder.path), pytest.raises(FolderInUseError, match="in use by another camerabench process"):
        calibrate_run(data, run, "dummy", n_splits=2)
    assert not folder.calibration.exists()
    calibrate_run(data, run, "dummy", n_splits=2)  # free again once the job is done
    assert folder.calibration.is_file()


def _drop_videos(run: Path, videos: set[str]) -> None:
    path = MethodFolder.of(run, "dummy").scores
    write_scores(path, [r for r in read_scores(path) if r.video not in videos])


def test_fusion_input_that_never_ran_on_some_videos(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unrun = {"v1.mp4", "v4.mp4"}
    _drop_videos(run, unrun)  # e.g. an interrupted input run that was never resumed
    with caplog.at_level(logging.WARNING):
        train_fusion(data, run, ["dummy"], tmp_path / "model", n_splits=2, inner_repeats=1)
    assert (
        "fusion input 'dummy'" in caplog.text and "no record of 2 of the 6 labelled videos (e.g. v1.mp4)" in caplog.text
    )
    options = {"model": str(tmp_path / "model"), "inputs_run": str(run)}
    summary = run_predict(data, "fusion", run, options=options)
    # was: 6 ok, the two videos no input ran on scored with the model's guess for "all inputs failed"
    assert (summary.videos_ok, summary.videos_failed) == (4, 2)
    assert set(summary.failures) == unrun
    assert all("no fusion input has a record of" in why for why in summary.failures.values())
    scores = read_scores(MethodFolder.of(run, "fusion").scores)
    assert {r.video for r in scores if r.status == "ok"} == {f"v{i}.mp4" for i in (0, 2, 3, 5)}


def test_fusion_without_its_inputs_stops_before_writing_a_run(data: Path, run: Path, tmp_path: Path) -> None:
    train_fusion(data, run, ["dummy"], tmp_path / "model", n_splits=2, inner_repeats=1)
    empty = tmp_path / "empty"
    with pytest.raises(CameraBenchError, match="fusion input 'dummy' has no scores in"):
        run_predict(data, "fusion", empty, options={"model": str(tmp_path / "model"), "inputs_run": str(empty)})
    # was: RUN/fusion/run.json left behind, which evaluate reads as a method with every sample missing
    assert not empty.exists()


def test_caption_with_a_method_that_does_not_caption_is_refused_before_work(
    data: Path, run: Path, tmp_path: Path
) -> None:
    train_fusion(data, run, ["dummy"], tmp_path / "model", n_splits=2, inner_repeats=1)
    options = {"model": str(tmp_path / "model"), "inputs_run": str(run)}
    with pytest.raises(CameraBenchError, match="method 'fusion' does not caption videos"):
        run_caption(data, "fusion", run, options=options)
    # was: captions.jsonl with every video recorded as failed
    assert not MethodFolder.of(run, "fusion").path.exists()


def test_rows_outside_what_a_method_answers_are_not_counted_ok(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"A": "Pan left", "B": "Static shot"}
    rows = [
        MCQRow(str(i), "bench", ("video",), (f"videos/v{i}.mp4",), "Camera?", options, "B", "camera movement", i)
        for i in range(3)
    ]
    write_mcq_table(data / "labels" / "shotbench" / "bench.tsv", rows)
    answer = DummyPredictor.answer

    def some(self: DummyPredictor, row: MCQRow, media: list[Path]) -> str | None:
        return answer(self, row, media) if row.index == "0" else None  # rows 1, 2: outside its coverage

    monkeypatch.setattr(DummyPredictor, "answer", some)
    summary = run_predict(data, "dummy", tmp_path / "run")
    answers = summary.answers
    assert answers is not None and answers.unanswerable_questions == 2
    # was: 3 ok, 0 failed (two rows without any answer counted ok)
    assert (answers.videos_total, answers.videos_ok, answers.videos_failed) == (3, 1, 0)
    assert "(1 ok, 0 failed, 2 outside what it answers)" in answers.line("answer", "answers.jsonl", unit="rows")
    info = read_run_info(MethodFolder.of(tmp_path / "run", "dummy").answer_run_info)
    assert (info.videos_ok, info.videos_failed) == (1, 0)
    assert json.loads((tmp_path / "run" / "dummy" / "answers.jsonl").read_text().splitlines()[0])["index"] == "0"


@pytest.mark.parametrize("given", ["dummy/", "./dummy", "dummy//"])
def test_calibrating_a_method_named_with_a_trailing_slash_calibrates_that_folder(
    given: str, data: Path, run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a shell's completion of the folder name: was saved as method 'dummy/', which evaluate then
    # refused as "a calibration of method 'dummy/' cannot calibrate the scores of 'dummy'"
    assert main(["calibrate", "--data", str(data), "--run", str(run), "--method", given, "--folds", "2"]) == 0
    assert capsys.readouterr().out.startswith("calibrated dummy: ")
    assert read_calibration(MethodFolder.of(run, "dummy").calibration).method == "dummy"
    assert main(["evaluate", "--data", str(data), "--run", str(run), "--bootstrap", "2"]) == 0


def test_a_checkpoint_out_under_a_file_is_one_line_before_any_work(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    # was a raw FileExistsError from the checkpoint writer
    assert main(["make-tiny-vlm", "--out", str(blocker / "vlm")]) == 1
    assert f"{blocker}: is a file, not a folder" in caplog.text
    caplog.clear()
    # training would otherwise stop there only when saving the trained model: checked first,
    # before the model (here missing) is even looked at
    assert main(["train", "--data", str(data), "--model", str(tmp_path / "none"), "--out", str(blocker / "ck")]) == 1
    assert f"{blocker}: is a file, not a folder" in caplog.text and "not found" not in caplog.text


def test_a_list_option_of_the_wrong_item_type_says_what_the_items_must_be(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    argv = ["predict", "--data", str(data), "--method", "dummy", "--out", str(tmp_path / "run")]
    assert main([*argv, "--option", "fail_videos=[1, 2]"]) == 1  # was "must be list", and it is one
    assert "option fail_videos must be list of str, got '[1, 2]'" in caplog.text
    assert not (tmp_path / "run").exists()
