"""Inputs changed since the run: ``evaluate``, ``report`` and ``calibrate`` say so.

After ``predict``, a video swapped with another under the same names, emptied or overwritten
kept its old scores without a word (only ``predict --resume`` read run.json's ``video_sha256``);
a ShotBench table whose options were reordered (the answer letters to match) scored the stored
letters against the new options: MCQ 0.0 without a word. Now the scores stand (no number
changes) with a warning and ``changed_videos`` in the result and the report, and the changed
rows are stale: left out of the accuracy and counted, with a warning and a note.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval import evaluate as evaluate_module
from camerabench.eval.calibration import calibrate_run
from camerabench.eval.evaluate import evaluate
from camerabench.eval.failed import FailedPolicy
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.eval.results import EvaluationResult, MCQResult, ResultFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, read_run_info, write_run_info
from camerabench.runfolder import ASKED_SHA256_KEY, MethodFolder
from camerabench.shotbench import MCQRow, read_mcq_table, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(4)]
#: a video of the binary labels only (no ShotBench row names it: a table naming a gone medium is refused)
LABELS_ONLY = "v4.mp4"
CAMERA = {"A": "Pan left", "B": "Tilt up", "C": "Static shot", "D": "Zoom in"}


def _rows() -> list[MCQRow]:
    return [
        MCQRow(str(i), "bench", ("video",), (f"videos/{v}",), "Camera?", CAMERA, "ABCD"[i], "camera movement", i + 2)
        for i, v in enumerate(VIDEOS)
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A dataset of four distinct tiny videos (binary labels and a ShotBench table) and a finished
    ``dummy`` run on it (scores, answers, run.json with fingerprints, answer_run.json)."""
    from camerabench.jobs.runner import run_predict

    root = tmp_path_factory.mktemp("stale") / "data"
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate([*VIDEOS, LABELS_ONLY])]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    for i, v in enumerate([*VIDEOS, LABELS_ONLY]):
        write_video(root / "videos" / v, np.full((4, 16, 16, 3), 40 * i, np.uint8), fps=4)
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", _rows())
    run = root.parent / "run"
    run_predict(root, "dummy", run)
    return root, run


@pytest.fixture
def copy(made: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the dataset and of the run, the run's recorded data folder pointed at the copy."""
    data, run = shutil.copytree(made[0], tmp_path / "data"), shutil.copytree(made[1], tmp_path / "run")
    for info_path in (MethodFolder.of(run, "dummy").run_info, MethodFolder.of(run, "dummy").answer_run_info):
        info = read_run_info(info_path)
        info.data = str(data.resolve())
        write_run_info(info_path, info)
    return data, run


def _swap(videos: Path, a: str, b: str) -> None:
    (videos / a).rename(videos / "t")
    (videos / b).rename(videos / a)
    (videos / "t").rename(videos / b)


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


def test_swapped_videos_are_said_in_the_result_and_its_numbers_stand(
    copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = copy
    before = evaluate(data, run, n_bootstrap=0).result.methods["dummy"]
    assert before.changed_videos is None
    _swap(data / "videos", "v0.mp4", "v1.mp4")
    with caplog.at_level(logging.WARNING):
        after = evaluate(data, run, n_bootstrap=0).result
    m = after.methods["dummy"]
    assert m.changed_videos is not None
    assert "2 of the 5 videos it scored changed" in m.changed_videos and "v0.mp4" in m.changed_videos
    assert "predict --resume" in m.changed_videos
    said = _warnings(caplog, "videos it scored changed")
    assert len(said) == 1 and said[0].startswith("dummy: ")
    # no number changes: the scores are of the files as they were
    assert before.binary is not None and m.binary is not None
    assert m.binary.per_primitive == before.binary.per_primitive and m.binary.mean_ap == before.binary.mean_ap
    # the --json document holds it, and reads back
    doc = after.to_json()
    assert doc["methods"]["dummy"]["changed_videos"] == m.changed_videos
    assert EvaluationResult.from_dict(doc).methods["dummy"].changed_videos == m.changed_videos


def test_emptied_and_deleted_videos_are_said(copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    data, run = copy
    (data / "videos" / "v2.mp4").write_bytes(b"")  # truncated to 0 bytes
    (data / "videos" / LABELS_ONLY).unlink()  # the labels still name it: it can no longer be read
    with caplog.at_level(logging.WARNING):
        note = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos
    assert note is not None
    assert "1 of the 5 videos it scored changed since its run (e.g. v2.mp4)" in note
    assert "1 can no longer be read (e.g. v4.mp4)" in note
    assert len(_warnings(caplog, "videos it scored changed")) == 1


def test_an_unchanged_dataset_or_a_run_without_fingerprints_is_not_said(
    copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = copy
    with caplog.at_level(logging.WARNING):
        assert evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos is None
    assert not _warnings(caplog, "changed since")
    # a run.json of an older camerabench keeps no fingerprint: nothing to compare
    info_path = MethodFolder.of(run, "dummy").run_info
    info = read_run_info(info_path)
    write_run_info(info_path, dataclasses.replace(info, video_sha256={}))
    _swap(data / "videos", "v0.mp4", "v1.mp4")
    assert evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos is None


def test_the_report_says_the_changed_videos(copy: tuple[Path, Path], tmp_path: Path) -> None:
    data, run = copy
    (data / "videos" / "v2.mp4").write_bytes(b"")
    ev = evaluate(data, run, n_bootstrap=0)
    with pytest.MonkeyPatch.context() as mp:  # the report's plots are not what is tested: not drawn
        for part in ("_binary_part", "_knob_part", "_failures_part", "_calibration_part"):
            mp.setattr(f"camerabench.eval.report.{part}", lambda *a, **k: None)
        md = write_report(data, run, tmp_path / "report", n_bootstrap=0, evaluation=ev, gallery=0)
    text = md.read_text()
    assert "Changed videos: dummy: 1 of the 5 videos it scored changed since its run (e.g. v2.mp4)" in text
    assert "Changed videos: dummy:" in (md.parent / "report.html").read_text()


def test_calibrate_says_the_changed_videos(copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    data, run = copy
    _swap(data / "videos", "v0.mp4", "v3.mp4")
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        calibrate_run(data, run, "dummy", n_splits=2)
    said = _warnings(caplog, "videos it scored changed")
    assert len(said) == 1 and "2 of the 5 videos" in said[0] and "v0.mp4" in said[0]


def test_each_video_and_row_is_read_once_per_evaluation(
    copy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, run = copy
    shutil.copytree(run / "dummy", run / "dummy2")  # a second method: the same videos and rows
    prints: list[Path] = []
    asked: list[str] = []
    real_print, real_asked = evaluate_module.video_fingerprint, evaluate_module.asked_row_sha256

    def count_print(path: Path) -> str | None:
        prints.append(path)
        return real_print(path)

    def count_asked(row: MCQRow, media: list[Path]) -> str | None:
        asked.append(row.index)
        return real_asked(row, media)

    monkeypatch.setattr(evaluate_module, "video_fingerprint", count_print)
    monkeypatch.setattr(evaluate_module, "asked_row_sha256", count_asked)
    result = evaluate(data, run, n_bootstrap=0).result
    assert set(result.methods) == {"dummy", "dummy2"}
    assert sorted(p.name for p in prints) == [*VIDEOS, LABELS_ONLY]
    assert sorted(asked) == ["0", "1", "2", "3"]


def _reorder_options(data: Path) -> None:
    """Rotate each row's option texts, its answer letter following its right option (s16)."""
    path = data / "labels" / "shotbench" / "bench.tsv"
    rows = []
    for row in read_mcq_table(path):
        letters, texts = list(row.options), list(row.options.values())
        options = dict(zip(letters, texts[1:] + texts[:1], strict=True))
        right = row.options[row.answer]
        rows.append(dataclasses.replace(row, options=options, answer=next(k for k, v in options.items() if v == right)))
    write_mcq_table(path, rows)


def test_reordered_options_make_the_answered_rows_stale(
    copy: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = copy
    before = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].mcq
    assert before is not None and before.stale is None and before.per_category["camera movement"].scored == 4
    _reorder_options(data)
    with caplog.at_level(logging.WARNING), pytest.warns(UserWarning, match="no scored row"):
        result = evaluate(data, run, n_bootstrap=0).result
    q = result.methods["dummy"].mcq
    assert q is not None
    assert q.stale == 4 and q.per_category["camera movement"].stale == 4
    # not scored against the new options: no accuracy, rather than the old letters read as wrong
    assert math.isnan(q.pooled_accuracy) and math.isnan(q.mean_accuracy)
    assert (q.correct, q.unparsed, q.failed, q.missing, q.per_category["camera movement"].scored) == (0, 0, 0, 0, 0)
    assert q.note is not None and "4 of 4 rows changed since the method answered them" in q.note
    assert "predict --resume" in q.note
    said = _warnings(caplog, "answered multiple-choice rows changed")
    assert len(said) == 1 and said[0].startswith("dummy: 4 of 4")
    back = EvaluationResult.from_dict(result.to_json()).methods["dummy"].mcq  # the counts read back
    assert back is not None and back.stale == 4 and back.per_category["camera movement"].stale == 4


def test_one_changed_row_is_stale_and_a_corrected_answer_is_not(copy: tuple[Path, Path]) -> None:
    data, run = copy
    path = data / "labels" / "shotbench" / "bench.tsv"
    rows = read_mcq_table(path)
    rows[0] = dataclasses.replace(rows[0], question="Which way does the camera move?")
    rows[1] = dataclasses.replace(rows[1], answer="A" if rows[1].answer != "A" else "B")  # a corrected answer
    write_mcq_table(path, rows)
    q = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].mcq
    assert q is not None and q.stale == 1
    assert q.per_category["camera movement"].scored == 3  # the corrected row is scored against its new answer


def test_a_replaced_row_medium_makes_the_row_stale(copy: tuple[Path, Path]) -> None:
    data, run = copy
    shutil.copyfile(data / "videos" / "v3.mp4", data / "videos" / "v2.mp4")
    m = evaluate(data, run, n_bootstrap=0).result.methods["dummy"]
    assert m.mcq is not None and m.mcq.stale == 1
    assert m.changed_videos is not None and "(e.g. v2.mp4)" in m.changed_videos


def test_an_answer_run_without_asked_digests_is_not_checked(copy: tuple[Path, Path]) -> None:
    data, run = copy
    info_path = MethodFolder.of(run, "dummy").answer_run_info
    info = read_run_info(info_path)
    assert all(ASKED_SHA256_KEY in info.video_info[f"bench:{i}"] for i in range(4))
    for details in info.video_info.values():
        details.pop(ASKED_SHA256_KEY, None)
    write_run_info(info_path, info)
    _reorder_options(data)
    q = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].mcq
    assert q is not None and q.stale is None and q.per_category["camera movement"].scored == 4


def test_mcq_section_leaves_stale_rows_out_under_either_policy() -> None:
    rows = _rows()
    answers = {("bench", r.index): AnswerRecord(r.index, "m", "<answer>A</answer>", table="bench") for r in rows}
    policies: tuple[FailedPolicy, ...] = ("lowest", "drop")
    for policy in policies:
        q = mcq_section(rows, answers, policy, stale={("bench", "1"), ("bench", "2")})
        assert q is not None and q.stale == 2
        assert (q.correct, q.per_category["camera movement"].scored, q.pooled_accuracy) == (1, 2, 0.5)
        assert q.extraction["letter"] == 2  # stale replies are not read


def test_a_document_whose_stale_counts_disagree_is_refused() -> None:
    rows = _rows()
    answers = {("bench", r.index): AnswerRecord(r.index, "m", "<answer>A</answer>", table="bench") for r in rows}
    q = mcq_section(rows, answers, stale={("bench", "1")})
    assert q is not None
    doc = q.to_dict()
    assert MCQResult.from_dict(doc).stale == 1
    doc["stale"] = 3
    with pytest.raises(ResultFormatError, match="stale"):
        MCQResult.from_dict(doc)


def test_the_summary_lines_say_stale_rows_and_changed_videos(copy: tuple[Path, Path]) -> None:
    """``camerabench evaluate``'s printed lines: old, neither was said there."""
    from camerabench.cli.evaluate import summary_lines

    data, run = copy
    _reorder_options(data)
    shutil.copyfile(data / "videos" / "v3.mp4", data / "videos" / "v2.mp4")
    with pytest.warns(UserWarning, match="no scored row"):
        result = evaluate(data, run, n_bootstrap=0).result
    (line,) = [x for x in summary_lines(result) if x.startswith("dummy")]
    assert ", 4 stale" in line and "(videos changed since the run)" in line


def test_the_summary_line_says_gone_videos_as_gone(copy: tuple[Path, Path]) -> None:
    """Red team R116: videos that are no longer there were summed up as "changed since the run"."""
    from camerabench.cli.evaluate import summary_lines

    data, run = copy
    (data / "videos" / LABELS_ONLY).unlink()
    result = evaluate(data, run, n_bootstrap=0).result
    (line,) = [x for x in summary_lines(result) if x.startswith("dummy")]
    assert "(videos gone or unreadable since the run)" in line and "changed" not in line
    (data / "videos" / "v2.mp4").write_bytes(b"")
    result = evaluate(data, run, n_bootstrap=0).result
    (line,) = [x for x in summary_lines(result) if x.startswith("dummy")]
    assert "(videos changed and gone since the run)" in line
