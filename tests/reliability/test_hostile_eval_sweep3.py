"""Hostile-input sweep of the evaluation inputs, third pass: label files that contradict each
other, record names in another Unicode form, a method folder still being written, captions made
with another prompt, and odd results in the report.

Numbers are checked against scikit-learn or counted by hand from the inputs.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval import caption_metrics
from camerabench.eval.binary import ResolvedSamples, compare_methods
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_section
from camerabench.labelfiles import CaptionItem, VQAPair, write_binary_file, write_caption_file, write_vqa_file
from camerabench.locks import FolderLock
from camerabench.records import CaptionRecord, ScoreRecord, write_captions, write_scores
from camerabench.runfolder import MethodRun
from camerabench.shotbench import extract_choice, read_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

PAN = Primitive.PAN_LEFT
STILL_Q = "Is the camera fixed?"


def _pair(pos: str, neg: str, pos_q: str, neg_q: str, task: str = "t") -> VQAPair:
    return VQAPair("s", task, (pos, neg), (pos_q, neg_q), pos, neg, pos_q, neg_q, pos_q, neg_q)


def _binary(root: Path, videos: list[str], labels: list[bool]) -> None:
    write_binary_file(
        root / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord.make(v, PAN, y) for v, y in zip(videos, labels, strict=True)],
    )


# --------------------------------------------------------------------------- labels across files


def test_a_vqa_cell_contradicting_a_binary_label_is_an_error_naming_both_files(tmp_path: Path) -> None:
    _binary(tmp_path, ["a.mp4", "b.mp4"], [True, False])
    # the pair expects Yes from b.mp4 to the Pan_Left question, which Pan_Left.jsonl labels No
    write_vqa_file(
        tmp_path / "labels" / "vqa_and_retrieval" / "s" / "pan.jsonl",
        [_pair("b.mp4", "c.mp4", PAN.question, STILL_Q, "pan")],
    )
    with pytest.raises(FileFormatError, match=r"pan\.jsonl: expects 'Yes' from b\.mp4 to 'Does the camera pan") as exc:
        Dataset(tmp_path).validate()
    assert "Pan_Left.jsonl expects 'No'" in str(exc.value)


def test_two_vqa_task_files_that_contradict_each_other_are_an_error_naming_both(tmp_path: Path) -> None:
    vqa = tmp_path / "labels" / "vqa_and_retrieval"
    write_vqa_file(vqa / "s" / "one.jsonl", [_pair("a.mp4", "b.mp4", "Is it moving?", STILL_Q, "one")])
    write_vqa_file(vqa / "t" / "two.jsonl", [_pair("b.mp4", "a.mp4", "Is it moving?", STILL_Q, "two")])
    with pytest.raises(FileFormatError, match=r"two\.jsonl: expects 'Yes' from b\.mp4 to 'Is it moving\?'") as exc:
        Dataset(tmp_path).validate()
    assert f"{vqa / 's' / 'one.jsonl'} expects 'No'" in str(exc.value)


def test_label_files_that_agree_across_files_are_read(tmp_path: Path) -> None:
    _binary(tmp_path, ["a.mp4", "b.mp4"], [True, False])
    vqa = tmp_path / "labels" / "vqa_and_retrieval"
    write_vqa_file(vqa / "s" / "pan.jsonl", [_pair("a.mp4", "b.mp4", PAN.question, STILL_Q, "pan")])
    write_vqa_file(vqa / "t" / "two.jsonl", [_pair("c.mp4", "b.mp4", PAN.question, STILL_Q, "two")])
    ds = Dataset(tmp_path)
    ds.validate()
    assert ds.videos() == ["a.mp4", "b.mp4", "c.mp4"]


def test_the_public_labels_agree_across_files(public_data: Path, tmp_path: Path) -> None:
    (tmp_path / "labels").symlink_to(public_data)
    Dataset(tmp_path).validate()


# --------------------------------------------------------------------------- names in another Unicode form

NFC = unicodedata.normalize("NFC", "caf\u00e9.mp4")
NFD = unicodedata.normalize("NFD", NFC)


def test_score_records_naming_videos_in_another_unicode_form_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, [NFC, "b.mp4"], [True, False])
    recs = [ScoreRecord(NFD, PAN.question, "m", 0.9, primitive=PAN.value)]
    write_scores(run / "m" / "scores.jsonl", [*recs, ScoreRecord("b.mp4", PAN.question, "m", 0.1, primitive=PAN.value)])
    with caplog.at_level(logging.WARNING):
        b = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].binary
    assert b is not None
    assert "m: 1 score record(s) name videos that differ from the dataset's only in Unicode form" in caplog.text
    assert f"record {NFD!a}, dataset {NFC!a}" in caplog.text
    assert "not in the dataset" not in caplog.text  # not the generic warning with a name that prints alike
    # not matched: the labelled NFC video counts as missing (ranked last)
    assert (b.missing, b.samples) == (1, 2)


def test_every_record_in_another_unicode_form_is_the_note_of_the_section(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, [NFC], [True])
    write_scores(run / "m" / "scores.jsonl", [ScoreRecord(NFD, PAN.question, "m", 0.9, primitive=PAN.value)])
    b = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].binary
    assert b is not None and b.note is not None
    assert "no score record matches" in b.note and "differ from the dataset's only in Unicode form" in b.note


def test_trajectory_files_named_in_another_unicode_form_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    c2w = np.tile(np.eye(4), (5, 1, 1))
    c2w[:, 0, 3] = np.arange(5.0)
    traj = Trajectory(c2w, None, np.arange(5) / 10.0)
    save_npz(tmp_path / "gt" / f"{NFC[:-4]}.npz", traj)
    method = tmp_path / "run" / "m"
    save_npz(method / "trajectories" / f"{NFD[:-4]}.npz", traj)
    with caplog.at_level(logging.WARNING):
        result = trajectory_section(gt_trajectories(tmp_path / "gt"), MethodRun("m", method), [NFC])
    assert result is not None and [r["status"] for r in result[1]] == ["missing"]
    assert "m: 1 of them differ from a video's file name only in Unicode form" in caplog.text
    assert f"(e.g. {NFD[:-4]!a}.npz, the video's {NFC[:-4]!a}.npz" in caplog.text


# --------------------------------------------------------------------------- a folder being written


def test_a_method_folder_a_predict_is_writing_is_reported_partial(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, ["a.mp4", "b.mp4"], [True, False])
    write_scores(run / "m" / "scores.jsonl", [ScoreRecord("a.mp4", PAN.question, "m", 0.9, primitive=PAN.value)])
    write_scores(run / "n" / "scores.jsonl", [ScoreRecord("a.mp4", PAN.question, "n", 0.9, primitive=PAN.value)])
    with FolderLock(run / "m"), caplog.at_level(logging.WARNING):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
        report = write_report(data, run, tmp_path / "report", n_bootstrap=0, evaluation=ev, gallery=0)
    assert list(ev.in_progress) == ["m"]  # n has no writer
    assert f"pid {os.getpid()}" in ev.in_progress["m"]
    assert "m: a running predict or caption" in caplog.text and "its counts are partial" in caplog.text
    assert "Partial results: m: a running predict or caption" in report.read_text(encoding="utf-8")
    # once the writer is done (its lock released, or a killed writer's file left behind) no warning
    (run / "m" / ".camerabench.lock").write_text("123\n", encoding="utf-8")
    assert evaluate(data, run, n_bootstrap=0, captions_minilm=False).in_progress == {}


# --------------------------------------------------------------------------- captions of another prompt


def test_captions_made_with_another_prompt_are_counted_in_a_warning_and_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caption_metrics.shutil, "which", lambda name: None)  # no METEOR: Java-free and fast
    data, run = tmp_path / "data", tmp_path / "run"
    q = "Describe the camera movement in this video."
    items = [CaptionItem(v, q, "The camera pans left.") for v in ("a.mp4", "b.mp4", "c.mp4")]
    write_caption_file(data / "labels" / "caption_data.json", items)
    write_captions(
        run / "m" / "captions.jsonl",
        [
            CaptionRecord("a.mp4", "m", "Pans left.", question=q),
            CaptionRecord("b.mp4", "m", "Pans left.", question="Describe the scene."),
            CaptionRecord("c.mp4", "m", None, status="failed", reason="x", question="Describe the scene."),
        ],
    )
    with caplog.at_level(logging.WARNING):
        cap = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].captions
    assert cap is not None and cap.note is not None
    expected = "1 of 2 captions were made with another prompt than caption_data.json's question (e.g. 'b.mp4' asked"
    assert expected in cap.note and expected in caplog.text
    assert cap.evaluated == 3  # still evaluated (the failed one as the empty caption)

    write_captions(run / "m" / "captions.jsonl", [CaptionRecord("a.mp4", "m", "Pans left.", question=q)])
    cap = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].captions
    assert cap is not None and cap.note is None


# --------------------------------------------------------------------------- odd results in reports

VIDEOS = ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4"]
LABELS = [True, False, True, False]


def test_a_method_whose_every_sample_failed_says_its_ap_is_the_chance_level(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, VIDEOS, LABELS)
    write_scores(
        run / "m" / "scores.jsonl", [ScoreRecord.failed(v, PAN.question, "m", "boom", PAN.value) for v in VIDEOS]
    )
    with caplog.at_level(logging.WARNING):
        ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    b = ev.result.methods["m"].binary
    assert b is not None and b.note is not None
    # every failure ranks below every score: all tie, and AP is the prevalence (sklearn's tie rule)
    assert b.per_primitive["Pan_Left"] == pytest.approx(average_precision_score(LABELS, [0.0] * 4)) == 0.5
    assert "no binary sample was scored (4 failed, 0 missing): every AP is that of a constant score" in b.note
    assert "m: no binary sample was scored" in caplog.text


def test_a_method_with_one_scored_sample_gets_no_such_note(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    _binary(data, VIDEOS, LABELS)
    recs = [ScoreRecord.failed(v, PAN.question, "m", "boom", PAN.value) for v in VIDEOS[1:]]
    write_scores(
        run / "m" / "scores.jsonl", [ScoreRecord("v0.mp4", PAN.question, "m", 0.3, primitive=PAN.value), *recs]
    )
    b = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].binary
    assert b is not None and b.note is None
    assert b.per_primitive["Pan_Left"] == pytest.approx(average_precision_score(LABELS, [0.3, 0.0, 0.0, 0.0]))


def test_long_method_names_and_many_methods_keep_the_plots_readable(tmp_path: Path) -> None:
    from camerabench.eval.plots import new_figure, plot_ap_bars, plot_counts, short_label

    long = "x" * 100 + "_final"
    assert short_label(long) == "x" * 19 + "\u2026" + "x" * 14 + "_final"
    assert len(short_label(long)) == 40 and short_label("fast") == "fast"
    names = [long, *(f"m{i:02d}" for i in range(50))]
    fig, axes = new_figure(12, 4.5)
    ax = axes[0, 0]
    plot_ap_bars(ax, {n: {"Pan_Left": 0.5} for n in names}, ["Pan_Left"], chance={"Pan_Left": 0.5})
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][:2] == ["chance", short_label(long)]
    assert legend._ncols == 3  # 52 entries beside the axes, in columns of 20
    fig.canvas.draw()
    # the axes keep most of the figure: the legend neither covers them nor pushes them out
    assert ax.get_position().width > 0.5
    fig, axes = new_figure(8, 3.5)
    plot_counts(axes[0, 0], {long: {"binary failed": 3}, "fast": {"binary failed": 1}})
    assert [t.get_text() for t in axes[0, 0].get_xticklabels()] == [short_label(long), "fast"]


# --------------------------------------------------------------------------- ShotBench options alike


def test_a_shotbench_answer_whose_text_is_another_options_is_an_error(tmp_path: Path) -> None:
    header = "index\ttype\tpath\tquestion\toptions\tanswer\tcategory\n"

    def row(i: int, options: dict[str, str], answer: str) -> str:
        return f"{i}\tvideo\tvideos/v0.mp4\tWhich?\t{json.dumps(options)}\t{answer}\tcamera movement\n"

    path = tmp_path / "t.tsv"
    alike = {"A": "Pan left", "B": "Tilt up", "C": "pan  left."}
    path.write_text(header + row(0, alike, "B") + row(1, alike, "A"), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"t\.tsv:3: the answer A's text 'Pan left' is also option C's"):
        read_mcq_table(path)
    # the reply that names the right text is indeed unparsed: it names A and C alike
    assert extract_choice("Pan left", alike).letter is None
    path.write_text(header + row(0, alike, "B"), encoding="utf-8")  # alike options, but not the answer: read
    assert [r.answer for r in read_mcq_table(path)] == ["B"]


# --------------------------------------------------------------------------- a paired test on few videos


def test_a_paired_test_on_fewer_distinct_resamples_than_replicates_says_so(caplog: pytest.LogCaptureFixture) -> None:
    labels = np.array([True, False])
    a = {PAN.value: ResolvedSamples(labels, np.array([0.9, 0.1]), ["a.mp4", "b.mp4"])}
    b = {PAN.value: ResolvedSamples(labels, np.array([0.1, 0.9]), ["a.mp4", "b.mp4"])}
    with caplog.at_level(logging.WARNING):
        comp = compare_methods("a", "b", a, b, n_bootstrap=1000)
    # the one resample with both classes is the sample itself: every counted replicate repeats it.
    # Round 24: each class lies on one video, so the primitive has no interval at all (it was a
    # zero-width interval and p = 0, numbers made of one resample); the difference stays, and the
    # exact permutation test over the 4 swaps of 2 videos gives its smallest p: 2 x 1/4 (not 0)
    assert comp.diff == pytest.approx(
        average_precision_score(labels, [0.9, 0.1]) - average_precision_score(labels, [0.1, 0.9])
    )
    assert all(np.isnan(comp.ci95)) and comp.p_value == 0.5
    assert comp.note is not None and "no interval (undefined)" in comp.note
    # 7 videos have 1716 distinct resamples: no such note for 1000 replicates
    many = np.array([True, False] * 3 + [True])
    videos = [f"v{i}.mp4" for i in range(7)]
    a = {PAN.value: ResolvedSamples(many, np.linspace(1, 0, 7), videos)}
    b = {PAN.value: ResolvedSamples(many, np.linspace(0, 1, 7), videos)}
    assert compare_methods("a", "b", a, b, n_bootstrap=1000).note is None
