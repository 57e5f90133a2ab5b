"""``--resume`` on a copy of the run's dataset at another path (red team R69).

``cp -r data data2`` then ``predict --data data2 --resume`` was refused as "a run of another
dataset" while ``data`` still existed. A copy the same by content (label files, and the files of
the videos the earlier run booked) is resumed, with a warning naming both paths; one whose labels
or booked videos differ is still refused, naming what differs.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.jobs import runner
from camerabench.labelfiles import read_binary_file, write_binary_file
from camerabench.records import read_run_info
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import Primitive
from camerabench.video import write_video

from .test_runner_interrupt_booking import _interrupt_after_append


def _interrupted_run(data: Path, out: Path, monkeypatch: pytest.MonkeyPatch, appends: int = 2) -> set[str]:
    """A dummy run on ``data`` stopped by Ctrl-C after ``appends`` videos' records; the videos booked."""
    with monkeypatch.context() as patched:
        _interrupt_after_append(patched, appends)
        with pytest.raises(KeyboardInterrupt):
            runner.run_predict(data, "dummy", out, workers=1)
    booked = set(read_run_info(MethodFolder.of(out, "dummy").run_info).seconds_per_video)
    assert len(booked) == appends  # the check below compares these
    return booked


def test_an_identical_copy_resumes_with_a_warning_and_gives_the_uninterrupted_scores(
    data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    six_videos_reference: bytes,
) -> None:
    out = tmp_path / "out"
    _interrupted_run(data, out, monkeypatch)
    copy = Path(shutil.copytree(data, tmp_path / "data2"))
    with caplog.at_level(logging.WARNING):
        summary = runner.run_predict(copy, "dummy", out, resume=True)
    assert (summary.videos_skipped, summary.videos_run, summary.videos_failed) == (2, 4, 0)
    assert f"{copy.resolve()} is a copy of {data.resolve()} by content" in caplog.text
    assert f"resuming on {copy.resolve()}" in caplog.text
    folder = MethodFolder.of(out, "dummy")
    assert folder.scores.read_bytes() == six_videos_reference
    info = read_run_info(folder.run_info)
    assert info.data == str(copy.resolve()) and info.finished is not None


def test_a_copy_with_a_changed_label_file_is_refused_naming_it(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _interrupted_run(data, out, monkeypatch)
    copy = Path(shutil.copytree(data, tmp_path / "data2"))
    labels = copy / "labels" / "binary_classification" / Primitive.TILT_UP.file
    records = read_binary_file(labels)
    flipped = records[0].label == "Yes"
    write_binary_file(labels, [type(records[0]).make(records[0].image, Primitive.TILT_UP, not flipped), *records[1:]])
    scores = MethodFolder.of(out, "dummy").scores
    before = scores.read_bytes()
    with pytest.raises(CameraBenchError, match="cannot --resume a run of another dataset") as exc:
        runner.run_predict(copy, "dummy", out, resume=True)
    assert f"labels/binary_classification/{Primitive.TILT_UP.file} differ" in str(exc.value)
    assert Primitive.PAN_LEFT.file not in str(exc.value)
    assert f"(compared with {data.resolve()} as it is now: either folder may have changed" in str(exc.value)
    assert scores.read_bytes() == before


def test_a_copy_with_a_changed_booked_video_is_refused_naming_it(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    booked = _interrupted_run(data, out, monkeypatch)
    copy = Path(shutil.copytree(data, tmp_path / "data2"))
    video = min(booked)
    write_video(copy / "videos" / video, np.full((4, 16, 16, 3), 200, np.uint8), fps=4)  # re-encoded: other frames
    with pytest.raises(CameraBenchError, match="cannot --resume a run of another dataset") as exc:
        runner.run_predict(copy, "dummy", out, resume=True)
    assert f"the file of booked video(s) {video} differs" in str(exc.value)
    assert "label file" not in str(exc.value)
    # a video the earlier run did not book changed in the copy: it is simply run there
    shutil.copyfile(data / "videos" / video, copy / "videos" / video)
    unbooked = min(set(runner.Dataset(data).videos()) - booked)
    write_video(copy / "videos" / unbooked, np.full((4, 16, 16, 3), 200, np.uint8), fps=4)
    summary = runner.run_predict(copy, "dummy", out, resume=True)
    assert (summary.videos_skipped, summary.videos_run) == (2, 4)


def test_an_answer_run_on_a_copy_with_a_changed_medium_is_refused_naming_the_row(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_video(data / "video" / "b.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=4)
    camera = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
    write_mcq_table(
        data / "labels" / "shotbench" / "bench.tsv",
        [MCQRow("0", "bench", ("video",), ("video/b.mp4",), "Camera?", camera, "C", "camera movement", 2)],
    )
    out = tmp_path / "out"
    runner.run_predict(data, "dummy", out)
    copy = Path(shutil.copytree(data, tmp_path / "data2"))
    write_video(copy / "video" / "b.mp4", np.full((4, 32, 32, 3), 90, np.uint8), fps=4)
    with pytest.raises(CameraBenchError, match="cannot --resume a run of another dataset") as exc:
        runner.run_predict(copy, "dummy", out, resume=True)
    assert "answer_run.json" in str(exc.value) and "(video/b.mp4) differ" in str(exc.value)


def test_hidden_label_files_count_and_finder_clutter_does_not(data: Path) -> None:
    # red team R75: the readers' glob("*.jsonl") and glob("*/*.jsonl") read hidden names too (a hidden
    # VQA task file gave the copy four more questions, and the copy was called "the same label files")
    from camerabench.dataset import Dataset

    skill = data / "labels" / "vqa_and_retrieval" / ".hidden_skill"
    skill.mkdir(parents=True)
    (skill / ".has_backward_motion.jsonl").write_text("{}\n")
    (data / "labels" / "binary_classification" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # a copy by Finder
    digests = runner._label_digests(Dataset(data))
    assert "labels/vqa_and_retrieval/.hidden_skill/.has_backward_motion.jsonl" in digests
    assert not [name for name in digests if name.endswith(".DS_Store")]
    assert f"labels/binary_classification/{Primitive.TILT_UP.file}" in digests


def test_an_earlier_path_left_empty_is_taken_as_moved(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # red team R75: the dataset moved away, its folder (a mount point) left behind empty
    out = tmp_path / "out"
    _interrupted_run(data, out, monkeypatch)
    moved = Path(shutil.copytree(data, tmp_path / "moved"))
    shutil.rmtree(data)
    data.mkdir()
    with caplog.at_level(logging.WARNING):
        summary = runner.run_predict(moved, "dummy", out, resume=True)
    assert (summary.videos_skipped, summary.videos_run, summary.videos_failed) == (2, 4, 0)
    assert f"which holds no dataset now; taking {moved.resolve()} as it moved" in caplog.text
