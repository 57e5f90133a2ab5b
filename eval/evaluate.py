"""``evaluate``: every metric for every method of a run folder, as one typed result.

:func:`evaluate` returns an :class:`Evaluation`: the :class:`EvaluationResult` (the document
of ``camerabench evaluate --json`` and of the report's ``metrics.json``; see
:mod:`camerabench.eval.results` for its structure) plus the per-sample material that reports
draw from. :func:`evaluate_run` returns the document as a plain dict.

A section is absent when its labels or the method's outputs are. A method that has a
``scores.jsonl`` (even an empty one) always gets the binary section when there are binary
labels: labels without a record count as missing, and when no record matches any label a
warning (and the section's note) names the likely cause, such as video names with a folder
prefix or edited question text. A method whose ``predict`` stopped in or before its answering
pass of the multiple-choice tables gets the ``mcq`` section with the rows never asked counted as
missing, and a warning.

Inputs changed since the run are said, not silently scored: a video the method scored whose file
changed since its ``predict`` (``run.json``'s ``video_sha256``; swapped, overwritten or emptied
under the same name) or can no longer be read keeps its scores (no number changes), with a
warning and the method's ``changed_videos`` (likewise a video captioned, by
``caption_run.json``); a multiple-choice row answered before its question,
options, category or media changed (``answer_run.json``'s digest of what each row was asked) is
stale: its answer is not scored against the row as it is now, but counted (``mcq.stale``), with a
warning and the section's note. Runs of a camerabench that kept no such digests are not checked.
AP, accuracies and similarities are fractions in [0, 1];
undefined values are NaN (``null`` in strict JSON).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import numbers
import os
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval import DEFAULT_N_BOOTSTRAP
from camerabench.eval.ap import BootstrapCache, PrimitiveSamples
from camerabench.eval.binary import (
    ResolvedSamples,
    binary_samples,
    binary_section,
    chance_section,
    compare_methods,
    within_coverage,
)
from camerabench.eval.calibration import CalibratedRun, calibrated_run, calibration_section, read_calibration
from camerabench.eval.caption_metrics import MiniLMReferences, caption_section
from camerabench.eval.failed import FailedPolicy, check_failed_policy
from camerabench.eval.knobs import knob_section
from camerabench.eval.mcq import match_answers, mcq_section, same_number_rows, whole_number
from camerabench.eval.results import (
    ROW_UNANSWERABLE_KEY,
    UNANSWERABLE_KEY,
    CaptionResult,
    EvaluationResult,
    MCQResult,
    MethodResult,
    RunInfoSummary,
    VQAResult,
    escaped_text,
)
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_section
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.records import RunInfo, read_run_info
from camerabench.runfolder import (
    ANSWERS_FILE,
    ASKED_SHA256_KEY,
    SCORES_FILE,
    MethodRun,
    asked_row_sha256,
    folder_writer,
    read_run,
    video_fingerprint,
)
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive

__all__ = [
    "DEFAULT_THRESHOLD_SOURCE",
    "MAX_N_BOOTSTRAP",
    "MAX_SEED",
    "Evaluation",
    "changed_videos",
    "changed_videos_note",
    "check_folder_arg",
    "check_n_bootstrap",
    "check_rpe_span",
    "check_seed",
    "evaluate",
    "evaluate_run",
    "geometric_threshold_note",
    "method_kind",
    "primitive_order",
    "unmatched_records_note",
    "yes_threshold",
]

log = logging.getLogger(__name__)

#: Fewest bootstrap resamples whose 2.5th and 97.5th percentiles are different resamples (1 / 0.025):
#: below it the 95% interval's ends are the extreme resamples, and an interval from a handful of
#: them need not even hold the point estimate.
MIN_RESAMPLES_FOR_CI = 40

#: The most bootstrap resamples an evaluation takes (100 times the default): the resamples are held in
#: memory at once, so a mistyped count would end in a traceback from the allocator, or an evaluation
#: that never finishes. ``camerabench evaluate/report --bootstrap`` has the same cap (the command line
#: cannot import this module when it builds its parser, so it states ``100 * DEFAULT_N_BOOTSTRAP``
#: itself; a test holds the two equal).
MAX_N_BOOTSTRAP = 100 * DEFAULT_N_BOOTSTRAP

#: The largest bootstrap seed: the bootstrap cache keys a resample by its seed as a 64-bit integer.
MAX_SEED = 2**63 - 1

DEFAULT_YES_THRESHOLD = 0.5
#: The metric sections of a MethodResult (a method with none of them got no number).
_SECTIONS = ("binary", "vqa", "retrieval", "captions", "trajectory", "calibration", "mcq")


@dataclass
class Evaluation:
    """The typed result plus the per-sample material reports draw from.

    Attributes:
        result: every metric (the ``metrics.json`` document).
        dataset: the dataset evaluated on.
        runs: method name -> its run-folder contents.
        resolved: method -> primitive stem -> the samples AP was computed on.
        caption_rows: method -> one row per evaluated caption.
        trajectory_rows: method -> one row per ground-truth clip.
        in_progress: method -> why its counts are partial (a running ``predict`` or ``caption``
            held its folder when it was read).
        data_folder: the dataset folder read, resolved when it was read (``result.data`` is the
            folder as given, for display); None for an evaluation made by hand.
        run_folder: the run folder read, resolved likewise (``result.run`` as given).
    """

    result: EvaluationResult
    dataset: Dataset
    runs: dict[str, MethodRun]
    resolved: dict[str, dict[str, ResolvedSamples]] = field(default_factory=dict)
    caption_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    trajectory_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    in_progress: dict[str, str] = field(default_factory=dict)
    data_folder: Path | None = None
    run_folder: Path | None = None


def yes_threshold(run: MethodRun) -> tuple[float, str]:
    """The score above which a method's answer counts as *Yes* in VQA, and where it came from.

    ``run.json`` ``settings.yes_threshold`` when the method declares one; otherwise 0.5, which
    reads a score as P(Yes) (VQAScore).
    """
    value = run.settings().get("yes_threshold")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), "run.json settings.yes_threshold"
    return DEFAULT_YES_THRESHOLD, DEFAULT_THRESHOLD_SOURCE


#: :func:`yes_threshold`'s source when the run declares no threshold.
DEFAULT_THRESHOLD_SOURCE = "default (score read as P(Yes))"


def geometric_threshold_note(run: MethodRun) -> str:
    """The VQA section's caveat for a geometric method answered at the default threshold: its
    scores are motion sizes (radians, log-ratios, Static <= 0), not probabilities, so *Yes* at
    0.5 is no decision the method made (every *static?* cell is *No*); ``camerabench calibrate``
    maps them to P(yes), which evaluate then answers VQA from."""
    return (
        f"the method is geometric: its scores are motion sizes, not probabilities, yet answered Yes above the "
        f"default threshold {DEFAULT_YES_THRESHOLD:g} (read as P(Yes)), so these accuracies reflect that "
        f"threshold rather than the method; run `camerabench calibrate` on its folder ({run.folder}) for "
        "calibrated P(yes), which evaluate then uses"
    )


#: The yes/no decision on calibrated probabilities: answer *Yes* when P(yes) > 1/2, the
#: decision that maximises expected accuracy.
CALIBRATED_THRESHOLD = 0.5


def _calibrated(run: MethodRun, data_dir: str | Path) -> CalibratedRun | None:
    """The method's scores as calibrated P(yes) when its folder holds a calibration."""
    path = run.layout.calibration
    if not (path.exists() or path.is_symlink()):  # a folder or a broken link in its place is an error
        return None
    calibrated = calibrated_run(run, read_calibration(path), data_dir)
    log.info("%s: VQA answers from calibrated P(yes) (%s)", run.name, calibrated.source)
    return calibrated


def _missing_on_done_videos(run: MethodRun, samples: Iterable[PrimitiveSamples]) -> str:
    """The part of the missing-samples warning for those on videos the run finished (run.json
    times them and lists no failure): the method neither scored them nor said why. A run.json of
    an earlier version, which did not record the questions a method found unanswerable per video
    (:data:`~camerabench.eval.results.UNANSWERABLE_KEY`), leaves such samples, as does a
    run resumed from one; '' when there are none."""
    if run.info is None:
        return ""
    done = {v for v in run.info.seconds_per_video if v not in run.info.failures}
    found = [v for smp in samples for v, s in zip(smp.videos, smp.status, strict=True) if s == "missing" and v in done]
    if not found:
        return ""
    return (
        f"; {len(found)} of them on {len(set(found))} video(s) the run finished (e.g. {min(found)}), which the "
        f"method neither scored nor recorded as unanswerable there: questions labelled since the run, or a run.json "
        f"written before per-video unanswerable questions were recorded ({UNANSWERABLE_KEY!r}; a run resumed from "
        "one too)? predicting those videos again records why"
    )


def _vqa_failures_warning(vqa: VQAResult) -> str | None:
    """The warning for a VQA section with failed or missing cells (None when it has none).

    The counts are the section's ``failed`` and ``missing`` (the cells of the answered tasks,
    outside-coverage pairs left out), which ``--json`` and the report's failures table show
    too; retrieval is scored on the same cells. Missing cells are those with no score record:
    labels added after the run, a video the run did not reach, or one absent from videos/.
    """
    if not (vqa.failed or vqa.missing):
        return None
    total = vqa.cells + 4 * vqa.dropped_pairs  # cells of the pairs scored, and of those dropped
    fate = (
        "answered wrong, and every retrieval comparison involving them lost"
        if vqa.failed_policy == "lowest"
        else f"their pairs left out ({vqa.dropped_pairs} pairs dropped)"
    )
    return (
        f"{vqa.failed} failed and {vqa.missing} missing (no score record) of {total} VQA cells in the answered "
        f"tasks (retrieval is scored on the same cells): --failed {vqa.failed_policy}, {fate}"
    )


def _caption_failures_warning(captions: CaptionResult) -> str | None:
    """The warning for a caption section with failed or missing captions (None when it has none).

    The counts are the section's ``failed`` and ``missing`` (of the videos with a reference
    caption), which ``--json`` and the report show too. Missing captions are those with no
    caption record: references added after the run, a video the run did not reach, or a run of
    other videos.
    """
    if not (captions.failed or captions.missing):
        return None
    if not captions.evaluated:
        fate = "no caption could be evaluated"
    elif captions.failed_policy == "lowest":
        fate = "evaluated as the empty caption (0 on every n-gram metric and MiniLM similarity)"
    else:
        fate = f"left out (the captions are scored on the {captions.evaluated} others)"
    return (
        f"{captions.failed} failed and {captions.missing} missing (no caption record) of {captions.videos} "
        f"videos with a reference caption: --failed {captions.failed_policy}, {fate}"
    )


def method_kind(run: MethodRun) -> str:
    """What a method is: ``run.json``'s ``method_kind`` (set from the predictor class).

    A run.json without it is read by what the method wrote: ``geometric`` when it has
    trajectories, ``semantic`` otherwise.
    """
    if run.info is not None and run.info.method_kind:
        return run.info.method_kind
    return "geometric" if run.has_trajectories else "semantic"


def _label_keys(dataset: Dataset) -> set[tuple[str, str]]:
    """Every labelled (video, question): binary labels and VQA cells."""
    keys = {(r.image, p.question) for p, recs in dataset.binary.items() for r in recs}
    keys |= {(video, q) for pairs in dataset.vqa.values() for pair in pairs for video, q, _ in pair.cells}
    return keys


def _file_name(video: str) -> str:
    return PurePosixPath(video.replace("\\", "/")).name


def _normalised(question: str) -> str:
    return " ".join(question.lower().split())


def unmatched_records_note(run: MethodRun, dataset: Dataset) -> str | None:
    """Why none of a method's score records matches a labelled (video, question), or None.

    None when the method has no ``scores.jsonl``, when there are no labels, or when at least
    one record matches. Otherwise the note names the likely cause: an empty file, video names
    with a folder prefix (``videos/clip.mp4`` against ``clip.mp4``) or another spelling, or
    question texts that differ from the labels' (edited, or only in case and spacing).
    """
    table = run.scores
    if table is None:
        return None
    labelled = _label_keys(dataset)
    if not labelled or any(key in labelled for key in table):
        return None
    if not table:
        return f"no score record ({SCORES_FILE} is empty or absent): every labelled sample counts as missing"
    head = "no score record matches a labelled (video, question), so every sample counts as missing"
    label_videos = {v for v, _ in labelled}
    label_questions = {q for _, q in labelled}
    rec_videos = sorted({v for v, _ in table})
    rec_questions = sorted({q for _, q in table})
    if not label_videos.intersection(rec_videos):
        by_form = {unicodedata.normalize("NFC", v): v for v in sorted(label_videos)}
        for v in rec_videos:
            if unicodedata.normalize("NFC", v) in by_form:
                return f"{head}: the records {_other_form_hint(v, by_form)}"
        by_name = {_file_name(v): v for v in sorted(label_videos)}
        for v in rec_videos:
            if _file_name(v) in by_name:
                return (
                    f"{head}: the records name videos with a different folder prefix than the labels "
                    f"(records {v!r}, labels {by_name[_file_name(v)]!r}); write video names as the label files do"
                )
        return (
            f"{head}: no record names a labelled video "
            f"(records e.g. {rec_videos[0]!r}, labels e.g. {min(label_videos)!r})"
        )
    if not label_questions.intersection(rec_questions):
        normal = {_normalised(q): q for q in sorted(label_questions)}
        for q in rec_questions:
            if _normalised(q) in normal:
                return (
                    f"{head}: the question texts differ from the labels' in case or spacing "
                    f"(records {q!r}, labels {normal[_normalised(q)]!r})"
                )
        return (
            f"{head}: no record asks a labelled question; was the question text edited? "
            f"(records e.g. {rec_questions[0]!r}, labels e.g. {min(label_questions)!r})"
        )
    return f"{head}: no record pairs a labelled video with a question it is labelled for"


def _warn_unknown_videos(name: str, run: MethodRun, dataset: Dataset, scores: bool = True) -> None:
    """Log how many score (when ``scores``) and caption records name a video the dataset does not have.

    Records naming a video of the dataset in another Unicode form (``e`` + combining accent
    for ``é``) get their own warning showing the code points, as the two names print alike.
    """
    known = set(dataset.videos())
    tables: list[tuple[str, list[str]]] = [("caption", list(run.captions or {}))]
    if scores:
        tables.insert(0, ("score", [video for video, _ in run.scores or {}]))
    by_form = {unicodedata.normalize("NFC", v): v for v in known}  # one per form: Dataset.videos refuses two
    for what, videos in tables:
        unknown = [v for v in videos if v not in known]
        other_form = [v for v in unknown if unicodedata.normalize("NFC", v) in by_form]
        if other_form:
            log.warning(
                "%s: %d %s record(s) %s", name, len(other_form), what, _other_form_hint(min(other_form), by_form)
            )
            unknown = [v for v in unknown if unicodedata.normalize("NFC", v) not in by_form]
        if unknown:
            log.warning(
                "%s: %d %s record(s) name %d video(s) not in the dataset (e.g. %r): they are not evaluated",
                name,
                len(unknown),
                what,
                len(set(unknown)),
                min(unknown),
            )


def _other_form_hint(record: str, by_form: dict[str, str]) -> str:
    """Why a record naming ``record`` (a video of the dataset in another Unicode form) is not evaluated.

    The names print alike; their code points (``ascii``) show the difference. Records are not
    matched to the video: they were made on another copy of the data (one whose file names a
    Mac wrote decomposed), and every table of the run (scores, captions, trajectories,
    calibration) would have to be renamed alike.
    """
    video = by_form[unicodedata.normalize("NFC", record)]
    return (
        f"name videos that differ from the dataset's only in Unicode form (e.g. record {record!a}, dataset "
        f"{video!a}: the same letters, accents composed differently, as in file names written on macOS): they "
        "are not evaluated; spell the names in the records as the dataset does (unicodedata.normalize) or rerun "
        "the method on this dataset"
    )


def _warn_unasked_questions(name: str, run: MethodRun, dataset: Dataset) -> None:
    """Log how many score records pair a labelled video with a question its labels do not ask.

    Such a record (a question edited by hand, or scored on another version of the labels)
    matches no label and is not evaluated; records of videos without any label are left to
    :func:`_warn_unknown_videos` (a video in ``videos/`` without labels is scored on the 15
    binary questions).
    """
    labelled = _label_keys(dataset)
    labelled_videos = {v for v, _ in labelled}
    unasked = sorted(k for k in run.scores or {} if k[0] in labelled_videos and k not in labelled)
    if unasked:
        video, question = unasked[0]
        log.warning(
            "%s: %d score record(s) ask a labelled video a question its labels do not ask (e.g. %r of %r): "
            "they are not evaluated",
            name,
            len(unasked),
            question,
            video,
        )


def _warn_unmatched_answers(name: str, run: MethodRun, rows: list[MCQRow]) -> None:
    """Log how many answer records match no multiple-choice row (an unknown table or index).

    A record with a table matches the row of that table with its index; one without a table
    matches a row of any table with its index (as :func:`~camerabench.eval.mcq.mcq_section`
    reads them).
    """
    used = set(match_answers(rows, run.answers or {}).values())
    unmatched = sorted((k for k in run.answers or {} if k not in used), key=lambda k: (k[0] or "", k[1]))
    if unmatched:
        table, index = unmatched[0]
        log.warning(
            "%s: %d answer record(s) match no multiple-choice row of the dataset (e.g. table %r, index %r): "
            "they are not evaluated",
            name,
            len(unmatched),
            table,
            index,
        )


def _check_answer_tables(run: MethodRun, tables: dict[str, list[MCQRow]]) -> None:
    """Refuse an answer record without a table whose index is a row of several tables.

    Such a record would be counted as the answer to the row of every one of those tables (the
    job runner writes the table of every record; a file made by hand or by another tool may not).

    Raises:
        FileFormatError: naming the answers file, the index and the tables.
    """
    where: dict[str, list[str]] = {}
    by_number: dict[int, set[str]] = {}
    for table, rows in sorted(tables.items()):
        for row in rows:
            where.setdefault(row.index, []).append(table)
            number = whole_number(row.index)
            if number is not None:
                by_number.setdefault(number, set()).add(table)
    for key in sorted(run.answers or {}, key=lambda k: (k[0] or "", k[1])):
        index = key[1]
        if key[0] is not None:
            continue
        number = whole_number(index)
        # by number too: the record 1 would answer the row 1 of one table and the row 01 of another
        named = where.get(index, []) if number is None else sorted(by_number.get(number, ()))
        if len(named) > 1:
            raise FileFormatError(
                run.layout.answers,
                f"the answer to index {index!r} names no table, but tables {', '.join(named)} all have a "
                "row of that index: give each record its 'table' (the table's file stem)",
            )


def _check_row_numbers(dataset: Dataset) -> None:
    """Refuse a table holding two rows whose indexes spell one number (``1`` and ``01``), naming
    the table file and the lines: an answer of index ``1`` could be either's
    (:func:`~camerabench.eval.mcq.match_answers`)."""
    for stem, rows in sorted(dataset.mcq.items()):
        clash = same_number_rows(rows)
        if clash is None:
            continue
        a, b = clash
        folder = dataset.labels_dir / "shotbench"
        path = next((p for p in (folder / f"{stem}.tsv", folder / f"{stem}.xlsx") if p.exists()), folder / stem)
        raise FileFormatError(
            path,
            f"index {b.index!r} is the same number as index {a.index!r} (line {a.line}): an answer whose index is "
            "that number could be either row's; give the rows distinct numbers",
            b.line,
        )


def _made_on_other_data(info: RunInfo | None, data_folder: Path) -> str | None:
    """The dataset a run was made on, as its ``run.json`` names it, when that is not ``data_folder``
    (resolved); None when it is, or when the run names none.

    The runner writes ``RunInfo.data`` absolute and resolved; a relative one (a hand-written
    ``run.json``) is resolved against the current working folder, the one evaluate runs in, as a
    relative ``--data`` is: the folder it was written in is not recorded. Both sides are compared
    resolved, so ``data`` and ``/abs/data`` (or a link to it) are the same dataset.
    """
    if info is None or info.data is None:
        return None
    if "\x00" in info.data:  # no path can hold it (resolving it would fail): not this dataset's
        return info.data
    made_on = Path(info.data)
    resolved = made_on.resolve()
    if resolved == data_folder.resolve():
        return None
    return info.data if made_on.is_absolute() else f"{info.data} ({resolved})"


def _unasked_rows(run: MethodRun, rows: list[MCQRow]) -> tuple[set[tuple[str, str]], str, str | None] | None:
    """The multiple-choice rows the method was never asked, and why, when its answering pass did not run to the end.

    ``answer_run.json`` names every row the pass asked (its ``seconds_per_video``, keyed
    ``table:index``, holds rows answered, failed and outside the method's coverage alike). A pass
    without a finish time (interrupted, or still running) leaves the rows it did not ask without
    a record: they are not outside the method's coverage, and count as missing. A predict run
    (``run.json``) with neither ``answer_run.json`` nor ``answers.jsonl`` answered none of the rows
    (why is not recorded: a predict stopped before its answering pass, or run on the dataset before
    it had these tables): every row counts as missing. None when the pass finished, or when the
    folder holds no predict run (answers written by hand or by another tool are read as they are).

    Returns:
        ``(rows, why, section_why)``: the rows, why they have no answer (for the warning), and
        for :func:`mcq_section`'s ``unasked_reason`` what is known of it where that is not an
        unfinished answering pass (None where it is).
    """
    info_path = run.layout.answer_run_info
    info = _answer_run_info(run)
    if info is not None:
        if info.finished is not None:
            return None
        recorded = set(run.answers or {})
        asked = set(info.seconds_per_video)
        unasked = {
            (row.table, row.index)
            for row in rows
            if f"{row.table}:{row.index}" not in asked
            and (row.table, row.index) not in recorded
            and (None, row.index) not in recorded
        }
        return (
            (unasked, f"its answering pass did not finish ({info_path.name} has no finish time)", None)
            if unasked
            else None
        )
    if run.answers is None and run.info is not None and run.info.command == "predict":
        # red team R58: not "the answering pass did not finish", a guess; what is known is that no file holds an answer
        files = f"no {run.layout.answers.name} and no {info_path.name}"
        return (
            {(row.table, row.index) for row in rows},
            f"its folder has {files} (it answered none of them)",
            f"its folder has {files}; it answered none of the rows",
        )
    return None


def _unanswerable_rows(run: MethodRun, rows: list[MCQRow]) -> set[tuple[str, str]]:
    """The multiple-choice rows the method's answering pass found outside what it answers: those
    ``answer_run.json`` times (``seconds_per_video``, keyed ``table:index``), lists no failure for
    and gives :data:`~camerabench.eval.results.ROW_UNANSWERABLE_KEY` in ``video_info`` (what the
    runner writes of a row it asked and the method left without a record: a trajectory without
    intrinsics and a row naming Static or a zoom). Rows with an answer record are scored by it, so
    they are not among them. Empty without an ``answer_run.json`` (or one of a camerabench that did
    not record them: such rows are missing, as they were)."""
    info = _answer_run_info(run)
    if info is None:
        return set()
    recorded = set(match_answers(rows, run.answers or {}))
    out = set()
    for row in rows:
        key = f"{row.table}:{row.index}"
        details = info.video_info.get(key)
        if (
            (row.table, row.index) not in recorded
            and key in info.seconds_per_video
            and key not in info.failures
            and isinstance(details, dict)
            and ROW_UNANSWERABLE_KEY in details
        ):
            out.add((row.table, row.index))
    return out


def changed_videos(
    info: RunInfo | None, dataset: Dataset, prints: dict[str, str | None], recorded: Collection[str] = ()
) -> tuple[list[str], list[str], int]:
    """The videos a run scored whose files changed since, those that can no longer be read, and
    how many were checked: ``(changed, unreadable, checked)``, names sorted.

    Checked: the videos of ``dataset`` the run ran (``run.json``'s ``seconds_per_video``, or with
    records: ``recorded``; a run killed outright keeps its last seconds' records without their
    run.json entries, red team R62) with a fingerprint in its ``video_sha256``
    (:func:`~camerabench.runfolder.video_fingerprint`); a run.json without them (an older
    camerabench) checks nothing. ``prints`` caches the current fingerprints by video name (128 KiB
    read per video): pass one dict for every method of an evaluation, so each video is read once.
    """
    if info is None or not info.video_sha256:
        return [], [], 0
    ran = info.seconds_per_video.keys() | set(recorded)
    checked = sorted(info.video_sha256.keys() & ran & set(dataset.videos()))
    changed, unreadable = [], []
    for video in checked:
        if video not in prints:
            prints[video] = video_fingerprint(dataset.video_path(video))
        now = prints[video]
        if now is None:
            unreadable.append(video)
        elif now != info.video_sha256[video]:
            changed.append(video)
    return changed, unreadable, len(checked)


def changed_videos_note(
    run: MethodRun, dataset: Dataset, prints: dict[str, str | None], *, captions: bool = True
) -> str | None:
    """What to say of a method whose scored videos changed since its ``predict`` (their files
    swapped, overwritten or emptied under the same names), or None when none did
    (:func:`changed_videos`): their records are of the files as they were, which only
    ``predict --resume`` (which runs a changed video again) notices otherwise. No number changes.

    With ``captions`` (and captions in the run), the videos it captioned are checked the same way
    against ``caption_run.json``'s ``video_sha256`` (the ``caption`` command keeps its own
    fingerprints, of the files as they were when it captioned them), and said after the scores.
    """
    scored = {video for video, _ in run.scores or {}}
    notes = [_changed_note(run.info, dataset, prints, "scored", "their scores", "predict", "score", scored)]
    if captions and run.captions:
        caption_info = read_run_info(run.layout.caption_run_info) if run.layout.caption_run_info.is_file() else None
        notes.append(
            _changed_note(
                caption_info, dataset, prints, "captioned", "their captions", "caption", "caption", set(run.captions)
            )
        )
    said = [n for n in notes if n is not None]
    return ". ".join(said) if said else None


def _changed_note(
    info: RunInfo | None,
    dataset: Dataset,
    prints: dict[str, str | None],
    did: str,
    what: str,
    command: str,
    verb: str,
    recorded: Collection[str] = (),
) -> str | None:
    """One run info's part of :func:`changed_videos_note`."""
    changed, unreadable, checked = changed_videos(info, dataset, prints, recorded)
    if not (changed or unreadable):
        return None
    parts = []
    if changed:
        parts.append(f"{len(changed)} of the {checked} videos it {did} changed since its run (e.g. {changed[0]})")
    if unreadable:
        of = "" if changed else f" of the {checked} videos it {did}"
        parts.append(f"{len(unreadable)}{of} can no longer be read (e.g. {unreadable[0]})")
    return (
        " and ".join(parts) + f": {what} are of the files as they were; run camerabench {command} --resume "
        f"to {verb} them again"
    )


def _answer_run_info(run: MethodRun) -> RunInfo | None:
    """The method's ``answer_run.json``, or None when it has none."""
    path = run.layout.answer_run_info
    return read_run_info(path) if path.is_file() else None


def _stale_rows(
    name: str, run: MethodRun, rows: list[MCQRow], root: Path, asked: dict[tuple[str, str], str | None]
) -> set[tuple[str, str]]:
    """The multiple-choice rows with an answer record whose question, options, category or media
    changed since the method answered them, with a warning: ``answer_run.json``'s
    ``video_info["table:index"]`` :data:`~camerabench.runfolder.ASKED_SHA256_KEY` is not what
    :func:`~camerabench.runfolder.asked_row_sha256` gives now (options reordered, a clip
    replaced: the stored reply's letter refers to the options as they were).

    A row without that key (an ``answer_run.json`` of an older camerabench, answers written by
    hand) is not checked, nor is one whose media cannot be read now (said in the warning).
    ``asked`` caches the current digests by row, so that each row's media are read once per
    evaluation.
    """
    info = _answer_run_info(run) if run.answers else None
    if info is None:
        return set()
    answered = match_answers(rows, run.answers or {})
    stale: set[tuple[str, str]] = set()
    unreadable = 0
    for row in rows:
        key = (row.table, row.index)
        before = info.video_info.get(f"{row.table}:{row.index}", {}).get(ASKED_SHA256_KEY)
        if key not in answered or before is None:
            continue
        if key not in asked:
            asked[key] = asked_row_sha256(row, row.media(root))
        now = asked[key]
        if now is None:
            unreadable += 1
        elif now != before:
            stale.add(key)
    if stale:
        table, index = min(stale)
        log.warning(
            "%s: %d of %d answered multiple-choice rows changed since the method answered them (their question, "
            "options, category or media; e.g. table %r, index %r): their answers are not scored against the "
            "changed rows, and counted as stale; run camerabench predict --resume to answer them again",
            name,
            len(stale),
            len(answered),
            table,
            index,
        )
    if unreadable:
        log.warning(
            "%s: the media of %d answered multiple-choice row(s) can no longer be read: whether they changed since "
            "the method answered them is not known (their answers are scored)",
            name,
            unreadable,
        )
    return stale


def _say_empty_answers(name: str, run: MethodRun, mcq: MCQResult | None) -> None:
    """Warn, and note in the section, that the method's ``answers.jsonl`` is there but holds no record.

    Every category then reads as outside the method's coverage (rows never asked aside): no
    accuracy, and the section's ``missing`` counts none of its rows. That is what a method that
    answers no row writes, but also what a file emptied or cut short after the run leaves; as
    an empty ``scores.jsonl`` is (:func:`unmatched_records_note`), it is said, naming the file.
    """
    said = f"{ANSWERS_FILE} holds no record"
    # rows the answering pass recorded as outside what the method answers are no sign of an emptied file
    outside = (
        0 if mcq is None else sum(c.rows - (c.unanswerable or 0) for c in mcq.per_category.values() if not c.covered)
    )
    total = 0 if mcq is None else mcq.rows
    log.warning(
        "%s: %s holds no answer record%s",
        name,
        run.layout.answers,
        f": {outside} of {total} multiple-choice rows are in categories outside the method's coverage, neither "
        "scored nor counted as missing (a method that answers no row, or a file emptied after the run?)"
        if outside
        else "",
    )
    if mcq is not None:
        mcq.note = "; ".join(n for n in (said, mcq.note) if n)


def _recorded_counts(info: RunInfo, run: MethodRun, dataset: Dataset | None) -> tuple[int, int]:
    """The videos of ``dataset`` the method's predict run completed, ok and failed, from its
    records, as the job runner counts them when the run finishes: a video with a score record is
    failed when every one of its records failed, else ok. A video left without a record is counted
    as run.json books it: ok where it answered none of its questions (``video_info[video]``
    :data:`ROW_UNANSWERABLE_KEY`), failed where ``failures`` lists it; otherwise it was not run
    (or its records were removed) and is neither. Records of videos no longer in the dataset are
    not counted; with ``dataset`` None every video of the run is (what run.json counts)."""
    scores = run.scores or {}
    videos = set(dataset.videos()) if dataset is not None else {v for v, _q in scores} | info.seconds_per_video.keys()
    failed_only: dict[str, bool] = {}
    for (video, _question), rec in scores.items():
        if video in videos:
            failed_only[video] = failed_only.get(video, True) and rec.status == "failed"
    ok = sum(1 for all_failed in failed_only.values() if not all_failed)
    failed = len(failed_only) - ok
    for video in (videos & info.seconds_per_video.keys()) - failed_only.keys():
        if video in info.failures:
            failed += 1
        elif ROW_UNANSWERABLE_KEY in info.video_info.get(video, {}):
            ok += 1
    return ok, failed


def _run_info(name: str, run: MethodRun, dataset: Dataset) -> RunInfoSummary | None:
    """The provenance of the method's predict run, its video counts those of its records
    (:func:`_recorded_counts`): where run.json's ``videos_ok`` / ``videos_failed`` differ (lines
    removed or added by hand, a run killed before it saved its counts), a warning names run.json
    and both counts."""
    info = run.info
    if info is None:
        return None
    ok, failed = _recorded_counts(info, run, dataset)
    # run.json counts every video of the run: the dataset's may be a part of them (a preset evaluated
    # on its own from a run over several), so its records are compared whole
    whole_ok, whole_failed = _recorded_counts(info, run, None)
    if (whole_ok, whole_failed) != (info.videos_ok, info.videos_failed):
        log.warning(
            "%s: %s counts %d video(s) ok and %d failed, but the records read count %d ok and %d failed: the "
            "records' counts are reported (run.json not saved since its records changed: lines removed or added "
            "by hand, a run killed before it saved them?)",
            name,
            run.layout.run_info,
            info.videos_ok,
            info.videos_failed,
            whole_ok,
            whole_failed,
        )
    return RunInfoSummary(
        method=info.method,
        settings=info.settings,
        model_path=info.model_path,
        package_version=info.package_version,
        git_commit=info.git_commit,
        videos_ok=ok,
        videos_failed=failed,
        started=info.started,
        finished=info.finished,
        method_kind=info.method_kind,
    )


def _shown_names(runs: dict[str, MethodRun]) -> dict[str, MethodRun]:
    """The method folders by the names the result shows: a folder name that is not valid UTF-8
    (a byte such as 0xff, read as a lone surrogate) or holds control characters (a newline, a
    tab) or directional controls (U+202E, U+2066-U+2069) is evaluated under its escaped form
    (``bad\\xff``, ``a\\nb``, ``\\u202efast``), with a warning naming the folder; written as it
    is, it could not be written in a UTF-8 file (``metrics.json``, the report), would break a
    line of a table, or would turn the rest of its line around (a row's ``12.5`` shown
    ``5.21``). A form another folder already has gets ``~2``, ``~3``, ... appended."""
    shown: dict[str, MethodRun] = {}
    for name, run in runs.items():
        label = escaped_text(name)
        if label != name:
            base, k = label, 2
            while label in runs or label in shown:
                label, k = f"{base}~{k}", k + 1
            log.warning(
                "%s: the method folder's name %s; evaluated and reported as %r",
                escaped_text(str(run.folder)),
                "is not valid UTF-8"
                if escaped_text(name, controls=False) != name
                else "holds control or directional characters",
                label,
            )
        shown[label] = run
    return shown


def _warn_folders_of_one_method(run_dir: str | Path, runs: dict[str, MethodRun]) -> None:
    """Warn of method folders whose run.json and records all name one method that has no folder of
    its own (``geom-a/`` and ``geom-b/`` both holding records of ``geom``): copies of one run (a
    folder renamed, and a copy of it), read as two methods under their folders' names. Not warned
    of: one such folder alone (a renamed run), folders whose run.json files record different
    settings (runs of one method with other options, renamed to be compared; ``workers`` aside),
    and folders copying a method that has its folder (``read_run`` warns of those).

    ``runs`` is keyed by the names the result shows (:func:`_shown_names`)."""
    by_method: dict[str, list[str]] = {}
    for name, run in runs.items():
        named = {run.info.method} if run.info is not None else set()
        tables: tuple[dict[Any, Any] | None, ...] = (run.scores, run.captions, run.answers)
        for table in tables:
            if table:  # one file holds one method's records: its first names the method
                named.add(next(iter(table.values())).method)
        if len(named) == 1:
            by_method.setdefault(named.pop(), []).append(name)

    def settings(name: str) -> str | None:
        info = runs[name].info
        if info is None:
            return None
        kept = {k: v for k, v in info.settings.items() if k != "workers"}
        return json.dumps([info.command, kept], sort_keys=True, default=str)

    for method, folders in sorted(by_method.items()):
        if len(folders) < 2 or escaped_text(method) in runs:
            continue
        known = {f: settings(f) for f in folders}
        values = list(known.values())
        # a folder without run.json may be a copy of any of them; the others, of one with its settings
        shared = folders if None in values else [f for f in folders if values.count(known[f]) > 1]
        if len(shared) < 2:  # each run with its own settings
            continue
        log.warning(
            "%s: method folders %s all hold records of method %r, which has no folder of its own: copies of one "
            "run (a renamed folder and a copy of it?); each is evaluated as a separate method under its folder's "
            "name: if they are one run, merge their records into one folder and remove the others",
            escaped_text(str(run_dir)),
            ", ".join(repr(f) for f in sorted(shared)),
            escaped_text(method),
        )


def check_rpe_span(rpe_span_s: Any, name: str = "rpe_span_s") -> float | None:
    """``rpe_span_s`` as a float (None stays None: RPE over consecutive poses).

    Args:
        rpe_span_s: the RPE span in seconds, or None.
        name: what the message calls it (``--rpe-span`` on the command line).

    Raises:
        CameraBenchError: it is not a finite number of seconds above 0 (a string, a boolean,
            NaN, an infinity, 0 or less), naming ``name``.
    """
    if rpe_span_s is None:
        return None
    if (
        not isinstance(rpe_span_s, numbers.Real)
        or isinstance(rpe_span_s, bool)
        or not math.isfinite(rpe_span_s)
        or rpe_span_s <= 0
    ):
        raise CameraBenchError(f"{name} must be a finite number of seconds above 0, got {rpe_span_s!r}")
    return float(rpe_span_s)


def _whole_number(value: Any, name: str, lowest: int, highest: int, meaning: str) -> int:
    """``value`` as an int in ``[lowest, highest]``; TypeError (not an integer) or ValueError (out of range)."""
    why = f"{name} must be an integer from {lowest} to {highest} ({meaning})"
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        # a float (1.5, 10.0), a string ("10") or a boolean (True) was taken deep inside the bootstrap
        raise TypeError(f"{why}, got {type(value).__name__} {value!r}")
    number = int(value)
    if not lowest <= number <= highest:
        raise ValueError(f"{why}, got {number}")
    return number


def check_n_bootstrap(n_bootstrap: Any, name: str = "n_bootstrap") -> int:
    """``n_bootstrap`` as an int from 0 (no confidence intervals or paired tests: NaN) to
    :data:`MAX_N_BOOTSTRAP`.

    Raises:
        TypeError: it is not an integer (a float, a string, a boolean), naming ``name``.
        ValueError: it is below 0 or above :data:`MAX_N_BOOTSTRAP`.
    """
    return _whole_number(n_bootstrap, name, 0, MAX_N_BOOTSTRAP, "0: no confidence intervals")


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an int from 0 to :data:`MAX_SEED`.

    Raises:
        TypeError: it is not an integer, naming ``name``.
        ValueError: it is below 0 or above :data:`MAX_SEED`.
    """
    return _whole_number(seed, name, 0, MAX_SEED, "the bootstrap's random seed")


def check_folder_arg(folder: Any, name: str) -> Path:
    """``folder`` (a str or a path) as a Path; TypeError naming ``name`` for None or anything else
    (``evaluate(None, RUN)`` was pathlib's "expected str, bytes or os.PathLike object, not NoneType")."""
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"{name} must be a folder (a str or a path), got {type(folder).__name__} {folder!r}")
    return Path(folder)


def evaluate(
    data_dir: str | Path,
    run_dir: str | Path,
    failed: FailedPolicy = "lowest",
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    seed: int = 0,
    captions_minilm: bool = True,
    rpe_span_s: float | None = None,
) -> Evaluation:
    """Evaluate every method of RUN on every label file of DATA.

    Args:
        data_dir: dataset folder (design.md A3).
        run_dir: run folder holding one subfolder per method.
        failed: ``"lowest"`` (failed and missing samples ranked below every score, counted)
            or ``"drop"`` (left out; methods are then scored on different samples).
        n_bootstrap: resamples for the 95% confidence intervals and the paired tests (the
            permutations of their p-values too), from 0 to
            :data:`MAX_N_BOOTSTRAP`; 0: none are drawn, and every interval, paired difference
            interval and p-value is NaN (undefined, not a zero-width interval).
        seed: bootstrap seed, from 0 to :data:`MAX_SEED`.
        captions_minilm: compute the MiniLM caption similarities (loads a sentence model).
        rpe_span_s: RPE over pose pairs this many seconds apart, the same span at every frame
            rate (:func:`~camerabench.eval.trajectory_error.trajectory_errors`' ``rpe_delta_s``);
            None (default): over consecutive poses, whose step is the coarser of the method's and
            the ground truth's sampling steps (a 10 fps and a 30 fps estimate of the same motion
            then have RPEs about 3x apart). Recorded in the result (``rpe_span_s``).

    Returns:
        The result and the per-sample material; per primitive keys are file stems
        (``Pan_Left``), skill keys folder names.

    Raises:
        TypeError: ``data_dir`` or ``run_dir`` is not a str or a path (None), ``n_bootstrap`` or
            ``seed`` is not an integer (raised before anything is read).
        ValueError: unknown failed-sample policy; ``n_bootstrap`` or ``seed`` out of its range.
        CameraBenchError: ``rpe_span_s`` is not a finite number of seconds above 0 (raised
            before anything is read).
        FileFormatError: RUN is not a run folder, a file in it or in DATA is malformed, or an
            answer record without a table matches rows of several multiple-choice tables.
        CameraBenchError: DATA has no labels and no ground-truth trajectories.
    """
    data_dir, run_dir = check_folder_arg(data_dir, "data_dir"), check_folder_arg(run_dir, "run_dir")
    n_bootstrap, seed = check_n_bootstrap(n_bootstrap), check_seed(seed)
    rpe_span_s = check_rpe_span(rpe_span_s)
    failed = check_failed_policy(failed)
    given_data, given_run = str(data_dir), str(run_dir)  # as given: what the documents and reports show
    # read through absolute paths: the Evaluation's dataset and runs stay these folders when the caller
    # changes directory afterwards (a notebook's os.chdir), for the report's gallery frames, manifest and
    # trajectories, and for write_report's check that it is given the folders evaluated
    data_dir, run_dir = data_dir.absolute(), run_dir.absolute()
    dataset = Dataset(data_dir)
    dataset.validate()
    runs = _shown_names(read_run(run_dir))
    _warn_folders_of_one_method(run_dir, runs)
    gt_files = gt_trajectories(dataset.gt_dir)
    if not (dataset.binary or dataset.vqa or dataset.captions or dataset.mcq or gt_files):
        raise CameraBenchError(
            f"{dataset.root}: nothing to evaluate against: no label file in {dataset.labels_dir} "
            f"and no ground-truth trajectory in {dataset.gt_dir}"
        )
    if any(run.answers for run in runs.values()):
        _check_row_numbers(dataset)
    for run in runs.values():
        _check_answer_tables(run, dataset.mcq)
    binary = dataset.binary
    if 0 < n_bootstrap < MIN_RESAMPLES_FOR_CI:  # 0: no intervals asked for
        log.warning(
            "%d bootstrap resamples: the 95%% confidence intervals and paired tests rest on too few to mean much "
            "(the 2.5th and 97.5th percentiles need at least %d to be distinct resamples; the default is %d)",
            n_bootstrap,
            MIN_RESAMPLES_FOR_CI,
            DEFAULT_N_BOOTSTRAP,
        )
    result = EvaluationResult(
        data=given_data,
        run=given_run,
        failed_policy=failed,
        n_bootstrap=n_bootstrap,
        seed=seed,
        rpe_span_s=rpe_span_s,
    )
    if binary:
        result.chance = chance_section(binary)
    ev = Evaluation(result, dataset, runs, data_folder=data_dir.resolve(), run_folder=run_dir.resolve())
    cache = BootstrapCache()  # each method's replicate APs, shared by its interval and its paired tests
    data_path = str(ev.data_folder)
    # each method's samples before the failed-sample policy: the knob table counts its failed and missing ones
    every_sample: dict[str, dict[Any, Any]] = {}
    # current fingerprints of the videos and digests of the multiple-choice rows, read once for all methods
    prints: dict[str, str | None] = {}
    asked: dict[tuple[str, str], str | None] = {}
    references = MiniLMReferences()  # the reference captions' embeddings, encoded once for every method
    try:
        if dataset.captions:  # every method's captions and the references: one PTB tokenizer (Java) start
            references.tokenize_ahead(dataset.captions, runs.values())
        for name, run in runs.items():
            log.info("evaluating %s", name)
            writer = folder_writer(run.folder)
            if writer is not None:
                ev.in_progress[name] = (
                    f"a running predict or caption ({writer}) was writing {run.folder} when it was read: "
                    "its counts are partial (records still to come count as missing)"
                )
                log.warning("%s: %s", name, ev.in_progress[name])
            if run.info is not None and run.info.method != name:
                log.warning(
                    "%s: its run.json is a run of method %r: a folder copied or renamed from another method's? "
                    "(evaluated under the folder's name %r)",
                    name,
                    run.info.method,
                    name,
                )
            other_data = _made_on_other_data(run.info, Path(data_path))
            if other_data is not None:
                log.warning("%s: the run was made on %s, not on %s (the --data evaluated)", name, other_data, data_path)
            changed = changed_videos_note(run, dataset, prints)
            if changed is not None:
                log.warning("%s: %s", name, changed)
            out = MethodResult(
                run_info=_run_info(name, run, dataset),
                in_progress=ev.in_progress.get(name),
                changed_videos=changed,
                duplicate_records=run.duplicates or None,
                duplicate_captions=run.caption_duplicates or None,
                duplicate_answers=run.answer_duplicates or None,
                kind=method_kind(run),
            )
            unmatched = unmatched_records_note(run, dataset)
            if unmatched is not None:
                log.warning("%s: %s", name, unmatched)
            _warn_unknown_videos(name, run, dataset, scores=unmatched is None)
            if unmatched is None:
                _warn_unasked_questions(name, run, dataset)
            if binary and run.scores is not None:
                samples = {p: binary_samples(recs, p.question, run) for p, recs in binary.items()}
                noted = False
                # the knob table counts failed and missing samples: those outside the method's coverage are neither
                every_sample[name] = {p: within_coverage(smp) for p, smp in samples.items()}
                out.binary, ev.resolved[name] = binary_section(samples, failed, n_bootstrap, seed, cache)
                if unmatched is not None:
                    out.binary.note = "; ".join(n for n in (unmatched, out.binary.note) if n)
                elif not any(r.answered for r in ev.resolved[name].values()):
                    if not out.binary.unanswerable:
                        log.warning(
                            "%s: no record for any binary question; every binary sample counts as missing", name
                        )
                    elif out.binary.missing:
                        log.warning(
                            "%s: no record for any binary question; %d binary samples count as missing (the others are "
                            "unanswerable)",
                            name,
                            out.binary.missing,
                        )
                elif failed == "lowest" and out.binary.note:
                    # every sample, or every sample of some primitives, failed: chance-level APs
                    log.warning("%s: %s", name, out.binary.note)
                    noted = True  # the note says the unanswerable samples too: not warned of twice
                if out.binary.unanswerable and not noted:
                    # outside the method's coverage on those videos (e.g. zoom without intrinsics): not scored
                    log.warning(
                        "%s: %d of %d labelled binary samples are questions the method found unanswerable on their "
                        "video, as the run recorded (%s): left out of AP, neither failed nor missing",
                        name,
                        out.binary.unanswerable,
                        sum(c.labelled for c in out.binary.counts.values()),
                        "; ".join(out.binary.unanswerable_reasons or {}),
                    )
                if unmatched is None and out.binary.missing and any(r.answered for r in ev.resolved[name].values()):
                    # e.g. videos labelled after the run, or a run that did not cover them: said, not only counted
                    log.warning(
                        "%s: %d of %d labelled binary samples have no score record (labels added after the run, or "
                        "an unfinished run?): they count as missing (%s)%s",
                        name,
                        out.binary.missing,
                        sum(c.labelled for c in out.binary.counts.values()),
                        "ranked below every score" if failed == "lowest" else "left out",
                        _missing_on_done_videos(run, samples.values()),
                    )
            calibrated = _calibrated(run, data_dir)
            if dataset.vqa and run.scores is not None:
                threshold, source = yes_threshold(run)
                sections = vqa_retrieval_sections(dataset.vqa, run, failed, threshold, name=name)
                if sections is not None:
                    out.vqa, out.retrieval = sections
                    out.vqa.yes_threshold_source = source
                    if calibrated is not None:
                        cal_sections = vqa_retrieval_sections(  # the same cells: their coverage warned of above
                            dataset.vqa, calibrated.run, failed, CALIBRATED_THRESHOLD, name=name, warn_coverage=False
                        )
                        if cal_sections is not None:
                            uncalibrated = out.vqa.overall
                            out.vqa = cal_sections[0]
                            out.vqa.uncalibrated = uncalibrated
                            out.vqa.yes_threshold_source = (
                                f"calibrated P(yes) > 0.5 ({calibrated.source}, "
                                f"{run.layout.calibration}, fitted on {calibrated.calibration.fitted_on_data})"
                            )
                    if out.vqa.uncalibrated is None and source == DEFAULT_THRESHOLD_SOURCE and out.kind == "geometric":
                        # raw scores at 0.5: a geometric method's are motion sizes, not P(yes)
                        caveat = geometric_threshold_note(run)
                        log.warning("%s: VQA: %s", name, caveat)
                        out.vqa.note = "; ".join(n for n in (out.vqa.note, caveat) if n)
                    failures = _vqa_failures_warning(out.vqa)
                    if failures is not None:
                        # failed cells and cells without a record: said, as for binary samples, not only counted
                        log.warning("%s: VQA/retrieval: %s", name, failures)
            if binary and run.scores is not None:
                out.calibration = calibration_section(dataset, run, calibrated, run.layout.calibration)
            if dataset.captions:
                cap = caption_section(
                    dataset.captions, run, binary, failed, with_minilm=captions_minilm, minilm_cache=references
                )
                if cap is not None:
                    out.captions, ev.caption_rows[name] = cap
                    cap_failures = _caption_failures_warning(out.captions)
                    if cap_failures is not None:
                        # failed captions and videos without one: said, as for binary samples, not only counted
                        log.warning("%s: captions: %s", name, cap_failures)
            traj = trajectory_section(gt_files, run, dataset.videos(), rpe_delta_s=rpe_span_s)
            if traj is not None:
                out.trajectory, ev.trajectory_rows[name] = traj
            mcq_rows = [row for rows in dataset.mcq.values() for row in rows]
            unasked = _unasked_rows(run, mcq_rows) if mcq_rows else None
            if unasked is not None:
                log.warning(
                    "%s: %d of %d multiple-choice rows have no answer because %s: they count as missing%s; "
                    "complete the run with predict --resume",
                    name,
                    len(unasked[0]),
                    len(mcq_rows),
                    unasked[1],
                    # a category with no answer at all has no accuracy (NaN) under either policy (mcq_section)
                    " (wrong, where their category has answered rows)" if failed == "lowest" else " (left out)",
                )
            if mcq_rows and (run.answers is not None or unasked is not None):
                _warn_unmatched_answers(name, run, mcq_rows)
                out.mcq = mcq_section(
                    mcq_rows,
                    run.answers or {},
                    failed,
                    unasked=unasked[0] if unasked is not None else frozenset(),
                    unasked_reason=unasked[2] if unasked is not None else None,
                    stale=_stale_rows(name, run, mcq_rows, dataset.root, asked),
                    unanswerable=_unanswerable_rows(run, mcq_rows),
                )
                if run.answers is not None and not run.answers:
                    _say_empty_answers(name, run, out.mcq)
            if all(getattr(out, section) is None for section in _SECTIONS):
                log.warning("%s: no metric: its outputs match no kind of label or ground truth of %s", name, given_data)
            result.methods[name] = out
    finally:
        references.close()  # its METEOR process, also when an evaluation fails

    comparisons = [
        compare_methods(a, b, ev.resolved[a], ev.resolved[b], n_bootstrap, seed, cache)
        for a, b in itertools.combinations(sorted(ev.resolved), 2)
    ]
    result.comparisons = comparisons or None
    result.knobs = knob_section(
        ev.resolved, dataset.known_manifest, samples=every_sample, path=str(dataset.manifest_path)
    )
    return ev


def evaluate_run(
    data_dir: str | Path,
    run_dir: str | Path,
    failed: FailedPolicy = "lowest",
    n_bootstrap: int = DEFAULT_N_BOOTSTRAP,
    seed: int = 0,
    rpe_span_s: float | None = None,
) -> dict[str, Any]:
    """Every metric for every method in RUN on every label file present in DATA, as a dict.

    The dict is ``evaluate(...).result.to_dict()`` (NaN where a metric is undefined); see
    :func:`evaluate` for the arguments (checked there, before anything is read).
    """
    return evaluate(data_dir, run_dir, failed, n_bootstrap, seed, rpe_span_s=rpe_span_s).result.to_dict()


def primitive_order() -> list[str]:
    """Primitive stems in taxonomy order (tables and plots use it)."""
    return [p.value for p in Primitive]
