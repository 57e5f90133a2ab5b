"""The ``predict`` and ``caption`` jobs as library functions (the CLI wraps them).

One job per video, run on a backend: ``local`` (in this process, or in ``workers`` processes,
:mod:`camerabench.jobs.workers`) or ``ray`` (tasks or an actor pool on a Ray cluster,
:mod:`camerabench.jobs.ray_backend`). Each backend only produces one result per video as it
finishes; recording them (append, run.json, progress bar, summary) is one code path for both, so
a run interrupted on one backend resumes on the other. Every video ends as records: scores (or
captions) when the method handled it, failed records with the reason when it did not, a worker
process (or Ray task or actor) that died on it included - a video's failure never aborts the run
(a method that cannot be set up does, and so does a Ray cluster lost mid-run: neither is a video's
failure, and ``--resume`` continues once it is fixed).
Results are appended per video (fsync'd) as they arrive, so an interrupted run resumes with
``--resume``; at the end the files are rewritten sorted, atomically, so their content does not
depend on worker scheduling, the backend, or where the run was interrupted.

Guards: a run holds :class:`~camerabench.locks.FolderLock` on its method folder (a second
``predict`` or ``caption`` of the same method into the same run folder is refused, naming the
holder's pid; the lock dies with its process); ``--resume`` with settings other than the earlier
run's (``workers`` aside) is refused, listing the differences, and so is ``--resume`` over files of
another method or of another dataset that still exists (a copy of the run's dataset at another path, the
same by content, is resumed with a warning: :func:`_differences_from_copy`); a run folder inside the dataset's videos
folder is refused, and so are an ``--out`` that is itself a method folder (``RUN/<method>`` for
``RUN``) and one whose method folder would be the dataset folder itself; run.json is kept up to date
during the run and counts every video of the run, earlier parts included; SIGTERM unwinds like
Ctrl-C (workers stopped, run.json saved). An output that cannot be written (a file in the way, a
read-only location, a full disk) stops the run with one line naming the path and the reason;
what was recorded stays, and ``--resume`` completes it.

Output: the method's folder of the run folder, laid out by :class:`camerabench.runfolder.MethodFolder`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import hashlib
import json
import logging
import math
import os
import re
import signal
import stat
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from tqdm import tqdm

from camerabench import __version__
from camerabench.baselines.base import CAPTION_MODES, Predictor, VideoResult
from camerabench.baselines.options import MethodOptions
from camerabench.baselines.registry import get_predictor, predictor_class
from camerabench.dataset import LABEL_ENTRIES, Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.results import ROW_UNANSWERABLE_KEY, UNANSWERABLE_KEY
from camerabench.fileio import APPENDED_ATTR, WriteError, append_jsonl, own_file, write_error
from camerabench.jobs.ray_backend import (
    ClusterInfo,
    RayOptions,
    call_on_actor_resources,
    check_fits,
    connect,
    require_ray,
    run_on_ray,
)
from camerabench.jobs.workers import (
    STOPS,
    JobDone,
    check_workers,
    exception_reason,
    job_error,
    one_line,
    run_in_workers,
)
from camerabench.locks import FolderLock
from camerabench.machine import usable_cpus
from camerabench.records import (
    AnswerRecord,
    CaptionRecord,
    RunInfo,
    ScoreRecord,
    config_hash,
    git_commit,
    now_iso,
    read_answers,
    read_captions,
    read_run_info,
    read_scores,
    write_answers,
    write_captions,
    write_run_info,
    write_scores,
)
from camerabench.runfolder import (
    ASKED_SHA256_KEY,
    JobKind,
    MethodFolder,
    asked_row_sha256,
    check_dataset_finished,
    video_fingerprint,
)
from camerabench.shotbench import MCQRow
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import load_npz, save_npz

__all__ = ["BACKENDS", "Backend", "RunSummary", "run_caption", "run_predict"]

#: Where the videos of a run are processed.
Backend = Literal["local", "ray"]
BACKENDS: tuple[Backend, ...] = ("local", "ray")

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did (returned by :func:`run_predict` / :func:`run_caption`)."""

    method: str
    method_dir: Path
    videos_total: int
    videos_run: int
    videos_skipped: int
    videos_ok: int
    videos_failed: int
    seconds: float
    unanswerable_questions: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    #: scores the method returned for questions it was not asked (not recorded; warned of)
    unasked_scores: int = 0
    #: the answering pass over the dataset's multiple-choice rows (``videos_*`` count rows),
    #: when the dataset has ShotBench tables
    answers: RunSummary | None = None

    def every_video_failed(self, info_file: str) -> str | None:
        """Why the run produced nothing when every video of the dataset failed (none ok, none
        left to run), else None: the CLI exits with status 1 then, so a script that checks the
        status does not take a run of failures for a result (red team R55: ``predict`` exited 0
        when a checkpoint without a "Yes" token failed every video). A run with some videos ok
        exits 0, its failures counted in the summary line and ``info_file`` (run.json, caption_run.json)."""
        if self.videos_ok or not self.videos_failed or self.videos_failed < self.videos_total:
            return None
        reason = next(iter(self.failures.values()), None)
        first = f"; the first reason: {reason}" if reason else ""
        return (
            f"{self.method}: every one of the {self.videos_failed} videos failed (their reasons are in "
            f"{self.method_dir / info_file}, 'failures'){first}"
        )

    def line(self, what: str, output: str, unit: str = "videos") -> str:
        skipped = f", {self.videos_skipped} already done" if self.videos_skipped else ""
        unanswered = self.videos_total - self.videos_ok - self.videos_failed
        outside = f", {unanswered} outside what it answers" if unanswered > 0 and unit == "rows" else ""
        return (
            f"{what} {self.method}: {self.videos_total} {unit} ({self.videos_ok} ok, {self.videos_failed} failed"
            f"{outside}{skipped}) in {self.seconds:.1f} s -> {self.method_dir / output}"
        )


@dataclass
class _Outcome:
    video: str
    seconds: float
    records: list[dict[str, Any]]
    failure: str | None
    trajectory: Trajectory | None = None
    unanswerable: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    #: keys of the method's scores that name no question it was asked (shown as repr), not recorded
    unasked: list[str] = field(default_factory=list)
    #: question text -> reason, for the questions asked of this video the method did not answer: found
    #: unanswerable there, or never answered (run.json's ``video_info[video][UNANSWERABLE_KEY]``, see
    #: :func:`_found_unanswerable`)
    found_unanswerable: dict[str, str] = field(default_factory=dict)


# --- worker side ---------------------------------------------------------------------------

_PREDICTOR: Any = None


def _init_worker(method: str, options: MethodOptions, threads: int | None) -> None:
    global _PREDICTOR
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(threads)
        import cv2  # its own pool ignores those variables once loaded; fast sizes its SIFT threads by it

        cv2.setNumThreads(threads)
    _PREDICTOR = get_predictor(method, options)
    _PREDICTOR.setup()


def _failure_reason(exc: BaseException) -> str:
    """The reason a video's records give for ``exc`` (whole, not cut to one line)."""
    return exception_reason(exc)


def _writable(reason: str) -> str:
    r"""``reason`` as UTF-8 can hold it: a lone surrogate (an undecodable byte of a file name in an
    exception's message) written as its escape, so that the failure record and run.json can be
    written.

    Example:
        >>> _writable("cannot open clip_\udcff.mp4")
        'cannot open clip_\\udcff.mp4'
    """
    return reason.encode("utf-8", "backslashreplace").decode("utf-8")


#: run.json's ``video_info[video]`` key for the failure of a video none of whose questions the
#: method can answer (:func:`_predict_failed`): kept, though no question of it failed.
_UNSCORED_FAILURE_KEY = "failed_without_answerable_questions"


def _found_unanswerable(questions: list[Question], unanswerable: Mapping[str, object]) -> dict[str, str]:
    """The questions of ``questions`` the method did not answer on one video (``unanswerable``:
    question text -> reason), for run.json's ``video_info[video]``
    (:data:`~camerabench.eval.results.UNANSWERABLE_KEY`): those it found unanswerable there (a zoom
    question on a trajectory without intrinsics) and those it never answers
    (:meth:`Predictor.never_answers`: a geometric method and a VQA question such as "Is the camera
    free from any leftward pan?"), which the method names whenever it is asked them: question
    text -> reason, for the questions asked of this video only (so run.json stays as small as what
    was asked). Evaluation counts their samples, and the paired-VQA pairs with such a cell, as
    outside the method's coverage rather than missing."""
    asked = {q.text for q in questions}
    # keys that are no question text (a Question object) are left out before sorting: mixed with
    # text they cannot be ordered, and the video would fail on the comparison
    found = [(text, why) for text, why in unanswerable.items() if isinstance(text, str)]
    return {text: _writable(str(why)) for text, why in sorted(found) if text in asked}


def _predict_failed(
    method: str,
    seconds: float,
    reason: str,
    video: str,
    path: str,
    questions: list[Question],
    predictor: Predictor | None = None,
) -> _Outcome:
    """Every question of the video the method can answer recorded as failed with ``reason`` (the
    job's arguments follow), once per question text.

    The questions it cannot answer on any video are counted unanswerable, as for a video it
    handled: a failed record for them would read as the method answering them, and wrongly, in
    evaluation. They come from the predictor (:meth:`Predictor.unanswerable`: a fusion model
    trained on some primitives) where there is one (``predictor``, the main process's; or this
    worker's), else from the method (:meth:`Predictor.never_answers`: a geometric method and a VQA
    question). A video none of whose questions it can answer leaves no record and no failure (no
    question of it failed), as it does when it is handled; its reason is logged and kept in
    run.json's details (:data:`_UNSCORED_FAILURE_KEY`). Unless its file is not there (``path`` is
    no regular file): such a video is failed, with no record (:func:`_absent_file_failure`).
    """
    reason = _writable(reason)
    if predictor is None and _PREDICTOR is not None and _PREDICTOR.name == method:
        predictor = _PREDICTOR
    never = (
        predictor.unanswerable(questions) if predictor is not None else predictor_class(method).never_answers(questions)
    )
    records: list[dict[str, Any]] = []
    texts: set[str] = set()
    for q in questions:
        if q.text in texts:  # one record per (video, question), as for a handled video
            continue
        texts.add(q.text)
        if q.text not in never:
            prim = q.primitive.value if q.primitive else None
            records.append(ScoreRecord.failed(video, q.text, method, reason, prim).to_dict())
    unanswerable = len(texts & never.keys())
    found = _found_unanswerable(questions, never)
    if not records and unanswerable and Path(path).is_file():
        why = "none of whose questions it answers (not counted failed)"
        log.warning("%s failed on %s, %s: %s", method, video, why, reason)
        return _Outcome(
            video,
            seconds,
            [],
            None,
            unanswerable=unanswerable,
            info={_UNSCORED_FAILURE_KEY: reason},
            found_unanswerable=found,
        )
    return _Outcome(video, seconds, records, reason, unanswerable=unanswerable, found_unanswerable=found)


def _absent_file_failure(outcome: _Outcome, path: Path) -> _Outcome:
    """``outcome`` of a ``predict`` video, failed when its file (``path``, as this process sees the
    dataset) is not there (or is no regular file) though the outcome has no failure: the method
    answers none of the video's questions, so it left no record and no failure (see
    :func:`_predict_failed`; a Ray worker that judged another node's file system, or a method that
    answered without reading the file).

    Such a video was not run, so it is never counted ok: it is failed (``info.failures``, the
    reason of the method where it gave one, else that of the file), with no record (none of its
    questions is answered; its questions stay outside the method's coverage), as the dataset's
    warning of videos missing from ``videos/`` says. ``--resume`` runs it again (it is not done
    without records, :func:`_done_without_records`), so a file downloaded since is predicted.
    """
    if outcome.records or outcome.failure is not None or path.is_file():
        return outcome
    given = outcome.info.get(_UNSCORED_FAILURE_KEY)
    if isinstance(given, str):
        reason = given
    elif os.path.lexists(path):
        reason = f"{path}: not a regular file, not a video file"
    else:
        reason = f"{path}: video file not found"
    log.warning("%s: counted as failed (%s), though the method answers none of its questions", outcome.video, reason)
    info = {k: v for k, v in outcome.info.items() if k != _UNSCORED_FAILURE_KEY}
    return dataclasses.replace(outcome, failure=_writable(reason), info=info, trajectory=None)


def _caption_failed(
    method: str,
    seconds: float,
    reason: str,
    video: str,
    path: str,
    question: str,
    mode: str,
    trajectory_path: str | None = None,
    prior_failure: str | None = None,
    estimated: Mapping[str, Any] | None = None,
) -> _Outcome:
    """The video's caption recorded as failed with ``reason`` (the job's arguments follow)."""
    reason = _writable(reason)
    rec = CaptionRecord(video, method, None, "failed", reason, question, mode)
    return _Outcome(video, seconds, [rec.to_dict()], reason)


def _predict_job(video: str, path: str, questions: list[Question]) -> _Outcome:
    predictor = _PREDICTOR
    method = predictor.name
    t0 = time.perf_counter()
    try:
        result = predictor.predict(Path(path), questions)
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - any per-video error becomes a recorded failure
        reason = _failure_reason(exc)
        if not isinstance(exc, CameraBenchError):
            log.warning("%s failed on %s:\n%s", method, video, traceback.format_exc())
        return _predict_failed(method, time.perf_counter() - t0, reason, video, path, questions)
    problem = _result_problem(result)
    if problem is not None:  # e.g. None or a bare dict of scores: this video's failure, said plainly
        log.warning("%s failed on %s: %s", method, video, problem)
        return _predict_failed(method, time.perf_counter() - t0, problem, video, path, questions)
    try:  # the details go to run.json with every other video's: one that JSON cannot hold is this video's failure
        json.dumps(result.info, ensure_ascii=False).encode("utf-8")  # as run.json is written (no lone surrogate)
    except (TypeError, ValueError) as exc:
        reason = f"the method's details for run.json are not JSON ({type(exc).__name__}: {exc})"
        log.warning("%s failed on %s: %s", method, video, reason)
        return _predict_failed(method, time.perf_counter() - t0, reason, video, path, questions)
    records = []
    unanswerable = 0
    texts: set[str] = set()
    scored: set[str] = set()  # questions recorded from the method's scores (ok or failed)
    for q in questions:
        if q.text in texts:  # one record per (video, question): a second would read as a duplicate
            continue
        texts.add(q.text)
        prim = q.primitive.value if q.primitive else None
        if q.text in result.scores:
            scored.add(q.text)
            score, reason = _score_of(result.scores[q.text])
            if score is not None:
                records.append(ScoreRecord(video, q.text, method, score, primitive=prim).to_dict())
            else:
                records.append(ScoreRecord.failed(video, q.text, method, reason, prim).to_dict())
        elif q.text in result.unanswerable:
            unanswerable += 1
        elif isinstance(why := result.failed.get(q.text), str) and why.strip():  # the method's own reason
            scored.add(q.text)
            records.append(ScoreRecord.failed(video, q.text, method, _writable(one_line(why)), prim).to_dict())
        else:
            reason = "the method returned no score for this question"
            records.append(ScoreRecord.failed(video, q.text, method, reason, prim).to_dict())
    # every question it was asked failed (NaN scores, no scores): the video failed, as it reads back
    failure = records[0]["reason"] if records and all(r["status"] == "failed" for r in records) else None
    # scores for questions it was not asked (another video's, a misspelt question, Question objects
    # for keys): not recorded, counted for the run's warning
    unasked = [one_line(repr(k))[:120] for k in result.scores if not (isinstance(k, str) and k in texts)]
    # only the questions left without a record: one it also scored is answered, whatever it says
    found = _found_unanswerable(
        questions, {t: w for t, w in result.unanswerable.items() if not (isinstance(t, str) and t in scored)}
    )
    return _Outcome(
        video,
        time.perf_counter() - t0,
        records,
        failure,
        result.trajectory,
        unanswerable,
        dict(result.info),
        unasked,
        found,
    )


def _result_problem(result: object) -> str | None:
    """Why a method's return value from ``predict`` is not a :class:`VideoResult` of scores (None when it is)."""
    if not isinstance(result, VideoResult):
        return f"the method returned {type(result).__name__}, not a VideoResult"
    for name in ("scores", "unanswerable", "info", "failed"):
        if not isinstance(getattr(result, name), Mapping):
            return f"the method's VideoResult.{name} is a {type(getattr(result, name)).__name__}, not a dict"
    if result.trajectory is not None and not isinstance(result.trajectory, Trajectory):
        return f"the method's VideoResult.trajectory is a {type(result.trajectory).__name__}, not a Trajectory"
    return None


def _score_of(value: object) -> tuple[float | None, str]:
    """``(score, "")`` for a finite real number (a numpy or torch scalar included), else
    ``(None, why it is not recorded)``: that question's failure, not the whole video's.

    Text (``"0.7"``) is not taken for a number: a method that returns text has a bug, and
    ``float`` would read ``"nan"`` or ``"1_000"`` too.
    """
    what = type(value).__name__
    if isinstance(value, str | bytes | complex):
        return None, f"the method's score is a {what}, not a real number: {one_line(repr(value))[:60]}"
    try:
        score = float(value)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError) as exc:  # an int beyond a float, an array, None
        return None, f"the method's score ({what}) is not a real number: {job_error(exc)}"
    if not math.isfinite(score):
        return None, f"non-finite score {score}"
    return score, ""


def _caption_job(
    video: str,
    path: str,
    question: str,
    mode: str,
    trajectory_path: str | None,
    prior_failure: str | None,
    estimated: Mapping[str, Any] | None = None,
) -> _Outcome:
    """One video's caption; ``estimated``: the predict run's details of the video whose trajectory
    (``trajectory_path``) is reused (its cuts, the shot estimated), given to the method with it.

    The method's per-video details (``caption_details``, where it has them: a geometric method's
    ``cuts_s`` and ``shot_s``) go to caption_run.json's ``video_info``, as ``predict``'s
    :attr:`VideoResult.info` go to run.json's.
    """
    predictor = _PREDICTOR
    t0 = time.perf_counter()
    if prior_failure is not None:  # the same method and settings already failed on this video
        reason = f"predict failed on this video: {prior_failure}"
        return _caption_failed(predictor.name, time.perf_counter() - t0, reason, video, path, question, mode)
    details: dict[str, Any] = {}
    try:
        if trajectory_path is not None:
            predictor.reuse_trajectory(Path(path), load_npz(trajectory_path), info=estimated)
        text = predictor.caption(Path(path), question, mode)
        details = dict(predictor.caption_details(Path(path)))
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - any per-video error becomes a recorded failure
        reason = _failure_reason(exc)
        if not isinstance(exc, CameraBenchError):
            log.warning("%s failed on %s:\n%s", predictor.name, video, traceback.format_exc())
        return _caption_failed(predictor.name, time.perf_counter() - t0, reason, video, path, question, mode)
    problem = _text_problem(text, "a caption")
    if problem is not None:  # recorded as that video's failure (str() would record "None" as a caption)
        return _caption_failed(predictor.name, time.perf_counter() - t0, problem, video, path, question, mode)
    try:  # as predict's details: caption_run.json must hold them (no lone surrogate either)
        json.dumps(details, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        reason = f"the method's details for caption_run.json are not JSON ({type(exc).__name__}: {exc})"
        log.warning("%s failed on %s: %s", predictor.name, video, reason)
        return _caption_failed(predictor.name, time.perf_counter() - t0, reason, video, path, question, mode)
    rec = CaptionRecord(video, predictor.name, text, "ok", None, question, mode)
    return _Outcome(video, time.perf_counter() - t0, [rec.to_dict()], None, info=details)


def _text_problem(text: object, what: str) -> str | None:
    """Why a method's return value cannot be recorded as ``what`` (``a caption``, ``an answer``;
    None when it can)."""
    if not isinstance(text, str):
        return f"the method returned {type(text).__name__}, not {what} string"
    try:
        text.encode("utf-8")  # the records are UTF-8: a lone surrogate cannot be written
    except UnicodeEncodeError as exc:
        return f"the {what.split()[-1]} is not valid Unicode text ({exc.reason} at character {exc.start})"
    return None


def _answer_failed(
    method: str,
    seconds: float,
    reason: str,
    key: str,
    row: MCQRow,
    media: list[str],
    trajectory_path: str | None = None,
) -> _Outcome:
    """The row recorded as failed with ``reason`` (the job's arguments follow)."""
    reason = _writable(reason)
    rec = AnswerRecord(row.index, method, None, "failed", reason, table=row.table)
    return _Outcome(key, seconds, [rec.to_dict()], reason)


def _answer_job(key: str, row: MCQRow, media: list[str], trajectory_path: str | None) -> _Outcome:
    predictor = _PREDICTOR
    t0 = time.perf_counter()
    try:
        if trajectory_path is not None:
            predictor.reuse_trajectory(Path(media[0]), load_npz(trajectory_path))
        reply = predictor.answer(row, [Path(m) for m in media])
    except STOPS:
        raise
    except BaseException as exc:  # noqa: BLE001 - any per-row error becomes a recorded failure
        reason = _failure_reason(exc)
        if not isinstance(exc, CameraBenchError):
            log.warning("%s failed on row %s:\n%s", predictor.name, key, traceback.format_exc())
        return _answer_failed(predictor.name, time.perf_counter() - t0, reason, key, row, media)
    if reply is None:  # outside what the method answers: coverage, not a failure, so no record
        return _Outcome(key, time.perf_counter() - t0, [], None, unanswerable=1)
    problem = _text_problem(reply, "an answer")  # str(b"A") would record "b'A'" as the answer
    if problem is not None:  # a lone surrogate would stop the run when appended
        return _answer_failed(predictor.name, time.perf_counter() - t0, problem, key, row, media)
    rec = AnswerRecord(row.index, predictor.name, reply, table=row.table)
    return _Outcome(key, time.perf_counter() - t0, [rec.to_dict()], None)


def _row_key(table: str | None, index: str) -> str:
    """How a multiple-choice row is named in answer_run.json (``table:index``)."""
    return f"{table}:{index}"


# --- driver side ---------------------------------------------------------------------------


_CUT_VIDEO = re.compile(rb'\s*\{"video": ("(?:[^"\\]|\\.)*")')


def _refuse_foreign_tail(path: Path, data: bytes, keep: int, tail: bytes, record: object) -> None:
    """Refuse, before anything is changed, a last line without a line break that an interrupted
    append cannot have left: an append writes whole records, one a line, each starting with
    ``{``. Records separated by a carriage return alone (a file saved with old Mac line ends) are
    one such "line" from the first record on, and a JSON array or anything else is not a torn
    record: dropping it as one emptied the file on ``--resume`` (every record lost)."""
    line = data.count(b"\n", 0, keep) + 1
    if b"\r" in tail.rstrip(b"\r"):
        raise FileFormatError(
            path,
            "records separated by a carriage return alone (CR, old Mac line ends): save the file with LF (or CRLF) "
            "line ends; nothing in it was changed",
            line,
        )
    if record is not None and not isinstance(record, dict):
        raise FileFormatError(
            path,
            f"the last line is a JSON {type(record).__name__}, not a record (an object); nothing was changed",
            line,
        )
    if record is None and not tail.lstrip().startswith(b"{"):
        raise FileFormatError(
            path,
            f"the last line ({len(tail)} bytes, no line break) is not the start of a record, as an interrupted run "
            f"leaves one: {tail[:40]!r}; nothing was changed",
            line,
        )


def _repair_tail(path: Path) -> tuple[bool, str | None]:
    """Mend a last line left without its line break by a crash mid-append.

    A whole record there gets its line break back; a torn one is dropped (its video is then
    run again). Returns whether the last line was cut, and the video it was a record of when
    that can be read (a predict run appends a video's records in one write, so that video may
    have lost records after it).
    """
    # a link (a scores file tracked by DVC or git-annex, a copy made with ``cp -s``) becomes a file of
    # its own first: the mending below and the appends after it never write the link's target
    if path.is_symlink():
        own_file(path)
    try:
        # opened for writing before any video runs: a file this run cannot append to is refused now,
        # not after the first video's work; O_NONBLOCK: a pipe there is not waited on (refused below)
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # reading a pipe waited without end
            os.close(fd)
            problem = "is not a regular file (a pipe, socket or device): remove it to run into this folder"
            raise WriteError(path, problem)
        with open(fd, "r+b") as fh:
            data = fh.read()
            if not data or data.endswith(b"\n"):
                return False, None
            keep = data.rfind(b"\n") + 1
            tail = data[keep:]
            try:
                record = json.loads(tail)
            except ValueError:  # torn mid-record: dropped below
                record = None
            _refuse_foreign_tail(path, data, keep, tail, record)
            if isinstance(record, dict):
                log.warning("%s: the last line has no line break (an interrupted run); adding it", path)
                fh.seek(len(data))
                fh.write(b"\n")
            else:
                log.warning("%s: dropping an incomplete last line (%d bytes) from an interrupted run", path, len(tail))
                fh.truncate(keep)
    except OSError as exc:
        raise write_error(path, exc) from exc
    if isinstance(record, dict):
        video = record.get("video")
        return True, video if isinstance(video, str) else None
    match = _CUT_VIDEO.match(tail)
    try:
        return True, json.loads(match.group(1)) if match else None
    except ValueError:  # not a name json.dumps writes: the video is not known
        return True, None


def _cut_short(
    cut: tuple[bool, str | None], records: Sequence[ScoreRecord], questions: Mapping[str, list[Question]]
) -> set[str]:
    """The video whose score records an interrupted append may have cut short (see :func:`_repair_tail`).

    When the cut line names no video (torn within its name), the video of the last whole
    record is suspect if it lacks a record for any question the dataset asks of it.
    """
    was_cut, video = cut
    if not was_cut or not records:
        return set()
    if video is not None:
        return {video}
    last = records[-1].video
    recorded = {r.question for r in records if r.video == last}
    return {last} if any(q.text not in recorded for q in questions.get(last, [])) else set()


def _init(method: str, options: MethodOptions, threads: int | None) -> None:
    """Set the method up in this process; a failure is one line naming the method."""
    try:
        _init_worker(method, options, threads)
    except CameraBenchError:
        raise
    except STOPS:
        raise
    except BaseException as exc:  # re-raised as the one-line error of the run
        raise CameraBenchError(f"method {method!r} could not be set up: {job_error(exc)}") from exc


@dataclass(frozen=True)
class _Execution:
    """How a run's jobs are executed: the backend and its settings."""

    backend: Backend
    workers: int
    ray: RayOptions
    #: positions of file paths in each job (sent as bytes with ``ray.ship_videos``)
    file_fields: tuple[int, ...] = ()
    #: the Ray actor pool (model methods) rather than one task per video
    actors: bool = False


def _iter_outcomes(
    method: str,
    options: MethodOptions,
    execution: _Execution,
    jobs: list[tuple[Any, ...]],
    job_fn: Callable[..., _Outcome],
    failed_fn: Callable[..., _Outcome],
) -> Generator[_Outcome, None, None]:
    """One outcome per job as it finishes, from whichever backend runs them."""
    if not jobs:
        return
    what = f"method {method!r}"
    dones: Generator[JobDone, None, None]
    if execution.backend == "ray":
        threads = max(1, int(execution.ray.cpus_per_task))
        dones = run_on_ray(
            jobs,
            _init,
            (method, options, threads),
            job_fn,
            what,
            execution.ray,
            execution.actors,
            execution.workers,
            execution.file_fields,
        )
    elif execution.workers <= 1:
        _init(method, options, None)
        for job in jobs:
            t0 = time.perf_counter()
            try:
                outcome = job_fn(*job)
            except STOPS:
                raise
            except BaseException as exc:  # that video's failure, as in a worker process (logged)
                log.warning("%s: a job raised", what, exc_info=True)
                outcome = failed_fn(method, time.perf_counter() - t0, job_error(exc), *job)
            yield outcome
        return
    else:
        threads = max(1, usable_cpus() // execution.workers)
        dones = run_in_workers(jobs, execution.workers, _init, (method, options, threads), job_fn, what)
    with contextlib.closing(dones):
        for done in dones:
            if done.died is None:
                yield done.result
            else:
                yield failed_fn(method, done.seconds, done.died, *jobs[done.index])


def _reusable_predict_run(folder: MethodFolder, probe: Predictor) -> RunInfo | None:
    """The finished predict run in ``folder`` if it used the same settings, else None."""
    if not folder.run_info.is_file():
        return None
    info = read_run_info(folder.run_info)
    same = {k: v for k, v in info.settings.items() if k != "workers"} == probe.settings()
    if not (info.finished and same):
        log.info("%s: the predict run's settings differ or it did not finish; estimating again", folder.path)
        return None
    log.info("%s: captioning from the trajectories of the predict run with the same settings", folder.path)
    return info


#: Settings that may change between an interrupted run and its resumption.
_RESUMABLE_SETTINGS = frozenset({"workers"})


#: Settings a model method records of the model it runs, as this machine resolves its options (a method
#: without them records none): the checkpoint's architecture, config layout, ``config.json`` digest, the
#: digest of its weight files' bytes, the digest of its tokenizer, chat template and processor files
#: (``processor_sha256``: how its prompts and frames are made), and the dtype and device type the model
#: runs in. ``--resume`` refuses a run whose model differs in any (:func:`_check_same_model`): its
#: records would mix two models' outputs (a checkpoint retrained at the same path; a chat template
#: edited; float32 scores on CPU with bfloat16 ones on a GPU). A run.json written before they were
#: recorded lacks them: resumed with a warning.
_MODEL_IDENTITY = (
    "weights_sha256",
    "config_sha256",
    "processor_sha256",
    "arch",
    "layout",
    "torch_dtype",
    "device_type",
)

#: The files ``processor_sha256`` covers, as the messages name them (the method records the digest).
_PROCESSOR_FILES_TEXT = (
    "tokenizer.json, tokenizer_config.json (its chat_template), chat_template.jinja / chat_template.json, "
    "vocab.json, merges.txt, special_tokens_map.json, added_tokens.json, preprocessor_config.json, "
    "video_preprocessor_config.json, processor_config.json, additional_chat_templates/, generation_config.json"
)


def _check_same_model(info_path: Path, run_dir: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Refuse to resume the run of ``info_path`` (settings ``old``) with a model that differs from its
    own in a :data:`_MODEL_IDENTITY` setting of ``new``; warn when ``old`` records none of them (a run
    by an older camerabench: its model cannot be checked).

    Example:
        >>> old, new = {"weights_sha256": "a" * 64}, {"weights_sha256": "b" * 64}
        >>> _check_same_model(Path("r/m/run.json"), Path("r"), old, new)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: r/m/run.json: cannot --resume run folder r with another model ...
    """
    recorded = [k for k in _MODEL_IDENTITY if k in new]
    if not recorded:
        return
    model = new.get("model", "(the model)")
    lacking = [k for k in recorded if k not in old]
    if lacking:
        unchecked = [
            *(["the weights"] if {"weights_sha256", "config_sha256", "arch", "layout"} & set(lacking) else []),
            *(
                [f"its tokenizer, chat template and processor files ({_PROCESSOR_FILES_TEXT})"]
                if "processor_sha256" in lacking
                else []
            ),
            *(["the dtype and device it ran in"] if {"torch_dtype", "device_type"} & set(lacking) else []),
        ]
        log.warning(
            "%s: the earlier run records no %s (a run by an older camerabench): for the model at %s, %s cannot be "
            "checked to be what its records came from; resuming with these",
            info_path,
            ", ".join(lacking),
            model,
            ", nor ".join(unchecked),
        )
    differ = [k for k in recorded if k in old and old[k] != new[k]]
    if not differ:
        return

    def show(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False)
        return text[:13] + '..."' if isinstance(value, str) and len(value) == 64 else text  # a digest, shortened

    what = "; ".join(f"{k}: {show(old[k])} -> {show(new[k])}" for k in differ)
    weights = "weights_sha256" in differ or "config_sha256" in differ
    run_as = [k for k in differ if k in ("torch_dtype", "device_type")]
    earlier_model = old.get("model", model)
    advice = []
    if weights or earlier_model != model:
        advice.append(
            f"the checkpoint at {model} is not the one the earlier run's records came from (its files changed "
            "since: retrained or made again at the same path?); restore those weights to continue"
        )
    if "processor_sha256" in differ and not weights:
        advice.append(
            f"the tokenizer, chat template or processor files of {model} ({_PROCESSOR_FILES_TEXT}) changed since "
            "the earlier run (prompts or frames made another way); restore them to continue"
        )
    if run_as:
        advice.append(
            f"the earlier run ran the model as {old.get('torch_dtype')} on {old.get('device_type')}, this one would "
            f"run it as {new.get('torch_dtype')} on {new.get('device_type')}: give its dtype and device to continue "
            f"(--option dtype={old.get('torch_dtype')} --option device={old.get('device_type')})"
        )
    raise CameraBenchError(
        f"{info_path}: cannot --resume run folder {run_dir} with another model ({what}); its records would mix "
        f"two models' outputs: {'; '.join(advice) or 'use the earlier model'}, or choose another --out for a new "
        "run with this one"
    )


#: The setting a method that reads other methods' outputs (``fusion``) records of them: input folder
#: name -> SHA-256 of the scores it read. ``--resume`` refuses a run whose input changed since
#: (:func:`_check_same_inputs`): the records made before would be of the earlier scores.
_INPUTS_IDENTITY = "inputs_sha256"

#: What such a method records of its inputs' state that is no part of what its records were made
#: from (``fusion``'s ``inputs_unfinished``: an input whose predict run had not finished): not
#: compared on ``--resume``, where :data:`_INPUTS_IDENTITY` tells whether the scores read changed (an
#: input interrupted after its last video and finished since by a ``--resume`` with nothing left to
#: record has the same scores), and recorded as it is now.
_INPUTS_STATE = frozenset({"inputs_unfinished"})

#: The setting naming the run folder a method reads its inputs from (``fusion``'s ``inputs_run``).
_INPUTS_FOLDER = "inputs_run"


def _check_same_inputs(info_path: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Refuse to resume the run of ``info_path`` when an input's scores (:data:`_INPUTS_IDENTITY`)
    changed since it started (a run made while an input was unfinished, that input completed since);
    warn when the earlier run records none (an older camerabench: they cannot be checked).

    Example:
        >>> old, new = {"inputs_sha256": {"fast": "a" * 64}}, {"inputs_sha256": {"fast": "b" * 64}}
        >>> _check_same_inputs(Path("r/fusion/run.json"), old, new)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: r/fusion/run.json: cannot --resume: its input fast changed since ...
    """
    if _INPUTS_IDENTITY not in new:
        return
    now = new[_INPUTS_IDENTITY]
    if _INPUTS_IDENTITY not in old:
        log.warning(
            "%s: the earlier run records no %s (a run by an older camerabench): its inputs (%s) cannot be checked "
            "to be the scores its records were made from; resuming with these",
            info_path,
            _INPUTS_IDENTITY,
            ", ".join(now),
        )
        return
    then = old[_INPUTS_IDENTITY]
    changed = [n for n in sorted({*then, *now}) if then.get(n) != now.get(n)]
    if not changed:
        return

    def show(value: Any) -> str:
        return f"{value[:12]}..." if isinstance(value, str) else "(none)"

    what = "; ".join(f"{n}: scores sha256 {show(then.get(n))} -> {show(now.get(n))}" for n in changed)
    raise CameraBenchError(
        f"{info_path}: cannot --resume: its input{'s' if len(changed) > 1 else ''} {', '.join(changed)} changed since "
        f"the earlier run started ({what}): the records already made were scored from the earlier input and would "
        "be kept beside ones from the new; use a new --out for a run on the inputs as they are now"
    )


def _model_moved(info_path: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the earlier run's model is this one's at another path (a checkpoint moved, or copied
    elsewhere): the ``model`` settings differ, and both runs record the same weights and ``config.json``
    digests (and the rest of :data:`_MODEL_IDENTITY`, which :func:`_check_same_model` compared). Such a
    resume was refused as "settings differ: model", though nothing the records came from changed;
    it is warned of, and resumed. Without the digests on both sides the path is all there is to
    compare (a run by an older camerabench): False.

    Example:
        >>> digests = {"weights_sha256": "a" * 64, "config_sha256": "b" * 64}
        >>> _model_moved(Path("r/m/run.json"), {"model": "/old", **digests}, {"model": "/new", **digests})
        True
        >>> _model_moved(Path("r/m/run.json"), {"model": "/old"}, {"model": "/new"})
        False
    """
    if "model" not in old or "model" not in new or _same_value(old["model"], new["model"]):
        return False
    digests: tuple[str, ...] = ("weights_sha256", "config_sha256")
    if not all(k in old and k in new for k in digests) and "model_sha256" in old and "model_sha256" in new:
        digests = ("model_sha256",)  # a model file's digest (fusion's), with no checkpoint's
    if any(k not in old or k not in new or old[k] != new[k] for k in digests):
        return False
    if any(old.get(k) != new.get(k) for k in _MODEL_IDENTITY if k in old and k in new):
        return False
    log.warning(
        "%s: the earlier run's model was %s, this one is %s: the same %s (%s agree), taken as the %s moved or "
        "copied; resuming",
        info_path,
        old["model"],
        new["model"],
        "weights and config.json" if len(digests) > 1 else "model file",
        " and ".join(digests),
        "checkpoint" if len(digests) > 1 else "model",
    )
    return True


def _inputs_moved(info_path: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the earlier run's inputs folder (:data:`_INPUTS_FOLDER`) is this one's at another path
    (a run folder moved, or copied): the paths differ, and both runs record the same inputs with the
    same scores (:data:`_INPUTS_IDENTITY`, which :func:`_check_same_inputs` compared): nothing the
    records came from changed. Warned of; False without the digests on both sides.

    Example:
        >>> same = {"inputs_sha256": {"fast": "a" * 64}}
        >>> _inputs_moved(Path("r/f/run.json"), {"inputs_run": "/gone", **same}, {"inputs_run": "/r", **same})
        True
        >>> _inputs_moved(Path("r/f/run.json"), {"inputs_run": "/gone"}, {"inputs_run": "/r"})
        False
    """
    if _INPUTS_FOLDER not in old or _INPUTS_FOLDER not in new or _same_value(old[_INPUTS_FOLDER], new[_INPUTS_FOLDER]):
        return False
    then, now = old.get(_INPUTS_IDENTITY), new.get(_INPUTS_IDENTITY)
    if not (isinstance(then, dict) and then and then == now):
        return False
    log.warning(
        "%s: the earlier run read its inputs from %s, this one from %s: the same inputs with the same scores "
        "(%s agree), taken as the run folder moved or copied; resuming",
        info_path,
        old[_INPUTS_FOLDER],
        new[_INPUTS_FOLDER],
        _INPUTS_IDENTITY,
    )
    return True


def _added_at_default(options: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The method options that settings ``new`` holds and the earlier run's ``old`` lacks (added to
    the method since), whose values in ``new`` are their defaults (red team R116: every run made
    before ``fixed_parts`` was added could not be resumed, though its default, off, is what the
    method did before). A method without :class:`MethodOptions` has none.

    Example:
        >>> from camerabench.baselines.geometry.fast import FastOptions
        >>> old = {"sample_fps": 5.0}
        >>> _added_at_default(FastOptions(), old, {"sample_fps": 5.0, "fixed_parts": False, "seed": 1})
        ['fixed_parts']
        >>> _added_at_default(FastOptions(), old, {"sample_fps": 5.0, "fixed_parts": True})
        []
    """
    if not isinstance(options, MethodOptions):
        return []
    defaults = options.defaults()
    return [
        k
        for k in new
        if k not in old and k not in _RESUMABLE_SETTINGS and k in defaults and _same_value(defaults[k], new[k])
    ]


def _settings_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``key: old -> new`` for every setting that differs (``workers`` aside), in the old order.

    Example:
        >>> _settings_differences({"seed": 0, "workers": 1}, {"seed": 2, "workers": 4, "x": [1]})
        ['seed: 0 -> 2', 'x: (not set) -> [1]']
    """
    keys = [k for k in old if k not in _RESUMABLE_SETTINGS]
    keys += [k for k in new if k not in old and k not in _RESUMABLE_SETTINGS]
    missing = object()

    def show(value: Any) -> str:
        return "(not set)" if value is missing else json.dumps(value, ensure_ascii=False)

    return [
        f"{k}: {show(old.get(k, missing))} -> {show(new.get(k, missing))}"
        for k in keys
        if not _same_value(old.get(k, missing), new.get(k, missing))
    ]


def _same_value(old: Any, new: Any) -> bool:
    """Whether two values of a setting are the same: equal, or two spellings of one existing file
    or folder (a relative ``--model relabs_model`` and its absolute path, a path through a link),
    as :func:`os.path.samefile` tells (relative paths from the current folder). A path that is no
    longer there is compared as text (a moved model is :func:`_model_moved`'s).

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> _same_value(folder, folder + "/."), _same_value(folder, folder + "/gone"), _same_value("a", "b")
        (True, False, False)
    """
    if old == new:
        return True
    if not (isinstance(old, str) and isinstance(new, str) and old and new):
        return False
    try:
        return os.path.samefile(old, new)
    except (OSError, ValueError):  # not there (or not a path: a NUL in it): compared as text above
        return False


_Record = ScoreRecord | CaptionRecord | AnswerRecord


def _video_failure(records: list[_Record]) -> str | None:
    """The failure of a video, read back from its records: all failed (with the first reason)."""
    if records and all(r.status == "failed" for r in records):
        return records[0].reason or "failed"
    return None


def _record_key(rec: _Record) -> str:
    """The unit a record belongs to: its video, or ``table:index`` for an answer."""
    return _row_key(rec.table, rec.index) if isinstance(rec, AnswerRecord) else rec.video


_R = TypeVar("_R", ScoreRecord, CaptionRecord, AnswerRecord)


def _unique(path: Path, records: list[_R]) -> list[_R]:
    """``records`` less exact repeats (an earlier file's repeated lines), counted in the log.

    Records that differ but share a key are all kept (what evaluation reads is decided, and
    counted, when the run folder is read).
    """
    unique = list(dict.fromkeys(records))
    if len(unique) < len(records):
        log.warning("%s: dropping %d exact repeats of a record", path, len(records) - len(unique))
    return unique


def _by_video(records: Sequence[_Record]) -> dict[str, list[_Record]]:
    out: dict[str, list[_Record]] = {}
    for rec in records:
        out.setdefault(_record_key(rec), []).append(rec)
    return out


def _failures_from_records(info: RunInfo, recorded: Mapping[str, list[_Record]], info_path: Path) -> None:
    """Make ``info.failures`` (of ``info_path``) follow the records: a recorded video whose records all
    failed is a failure (with its records' first reason when run.json does not list it: the
    earlier run was killed before it updated run.json, or run.json was edited), and one with an
    ok record is not (a ``failures`` entry left by a hand edit is dropped, with a warning, so that
    it is not counted as failed)."""
    listed_ok: list[str] = []
    for video, recs in recorded.items():
        failure = _video_failure(recs)
        if failure is None and video in info.failures:
            del info.failures[video]
            listed_ok.append(video)
        elif failure is not None and video not in info.failures:
            info.failures[video] = failure
    if listed_ok:
        log.warning(
            "%s: lists %d %s as failed whose records are ok (e.g. %s): counted as ok, as recorded",
            info_path,
            len(listed_ok),
            "row(s)" if info.command == "answer" else "video(s)",
            min(listed_ok),
        )


def _count(
    info: RunInfo, recorded: Mapping[str, list[_Record]], units: set[str], info_path: Path, answered_only: bool = False
) -> None:
    """Set ``videos_ok`` / ``videos_failed`` over every video of the run, earlier parts included.

    Failures follow the records (:func:`_failures_from_records`): a video in the
    output file that run.json does not know (the earlier run was killed before it updated
    run.json) gets its failure from its records. Only ``units`` (the videos, or rows, of
    the dataset now) are counted: records of one since removed from the dataset are kept, not counted.
    With ``answered_only`` (multiple-choice rows) a unit without a record (outside what the method
    answers) is neither ok nor failed.
    """
    _failures_from_records(info, recorded, info_path)
    videos = (set(info.seconds_per_video) | set(recorded)) & units
    if answered_only:
        videos &= set(recorded) | set(info.failures)
    info.videos_failed = len(videos & set(info.failures))
    info.videos_ok = len(videos) - info.videos_failed


class _Progress:
    """Keeps run.json up to date during a run, at most every ``_PROGRESS_EVERY_S`` seconds.

    So a run killed outright (SIGKILL, power loss) keeps the timings and failures of all but
    its last seconds; one stopped by an error, SIGINT or SIGTERM keeps them all.
    """

    def __init__(self, path: Path, info: RunInfo, counted: set[str] | None = None) -> None:
        self.path, self.info = path, info
        #: the videos (rows) recorded so far, of the dataset now: run.json's counts, at each save
        #: (None: ``info`` holds its counts already)
        self.counted = counted
        self.last = time.monotonic()

    def maybe_save(self) -> None:
        if time.monotonic() - self.last >= _PROGRESS_EVERY_S:
            self.save()

    def save(self) -> None:
        if self.counted is not None:
            self.info.videos_failed = len(self.counted & self.info.failures.keys())
            self.info.videos_ok = len(self.counted) - self.info.videos_failed
        write_run_info(self.path, self.info)
        self.last = time.monotonic()


_PROGRESS_EVERY_S = 2.0


class _Terminated(SystemExit):
    """SIGTERM arrived: unwind (workers stopped, progress saved), then exit with 128 + 15."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated(128 + signum)


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While running, SIGTERM unwinds like Ctrl-C instead of ending the process on the spot.

    Only in the main thread and only where SIGTERM has its default action or the command line's
    unwinding (:func:`camerabench.cli.sigterm_unwinds`, restored after); a caller's own handler is
    left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL and not getattr(previous, "camerabench_unwinds", False):
        yield
        return
    received: list[int] = []

    def terminated(signum: int, frame: Any) -> None:
        received.append(signum)
        _raise_terminated(signum, frame)

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    except SystemExit as exc:
        # Ray turns an exception raised by a signal handler inside ray.wait / ray.get into SystemExit(1)
        if received and not isinstance(exc, _Terminated):
            raise _Terminated(128 + received[0]) from exc
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(
    kind: JobKind,
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    workers: int | None,
    resume: bool,
    options: MethodOptions | Mapping[str, Any] | None,
    mode: str = "whole",
    progress: bool = False,
    backend: Backend = "local",
    ray: RayOptions | None = None,
    retry_failed: bool = False,
) -> RunSummary:
    workers_given = workers is not None
    workers = check_workers(workers) if workers is not None else 1
    if retry_failed and not resume:
        raise CameraBenchError("retrying failed videos (--retry-failed) continues an earlier run: pass --resume too")
    if backend not in BACKENDS:
        raise CameraBenchError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "ray":
        require_ray()
    if backend == "ray" and ray is not None and isinstance(ray.address, str) and ray.address != ray.address.strip():
        # "auto " pasted with a space: Ray's own "Invalid address format" would not say what is wrong
        ray = dataclasses.replace(ray, address=ray.address.strip())
    cpus = usable_cpus()  # the job's CPUs (affinity, container quota), not the whole node's
    if backend == "local" and workers > cpus:  # once per run (the answering pass included)
        log.warning(
            "workers=%d is more than the %d CPUs this process may use: the processes share them (at most one "
            "process per video is started); fewer workers run as fast with less memory",
            workers,
            cpus,
        )
    ds = Dataset(data_dir)
    check_dataset_finished(ds.root)  # a synth run interrupted or still running: part of the clips and labels
    ds.validate()  # every label file and the manifest, before any video is touched
    cls = predictor_class(method)
    if kind == "caption" and cls.caption is Predictor.caption:  # every video would be recorded as failed
        raise CameraBenchError(f"method {method!r} does not caption videos (it scores them: camerabench predict)")
    if kind == "caption" and mode not in cls.caption_modes:  # every video would be recorded as failed
        raise CameraBenchError(
            f"method {method!r} has no caption mode {mode!r}: it captions with --mode {', '.join(cls.caption_modes)}"
        )
    ray_options = ray if ray is not None else RayOptions()
    actors = ray_options.actors if ray_options.actors is not None else cls.kind == "semantic"
    if backend == "ray" and not actors and ray_options.gpus_per_worker > 0:  # before the options' device check
        raise CameraBenchError(
            f"gpus_per_worker (--gpus-per-worker) is for the Ray actors of model methods; method {method!r} "
            "runs one Ray task per video, on CPUs only"
        )
    # on Ray the model loads on the workers' devices (an actor's GPUs, which a CPU-only head node lacks;
    # none for an actor or task without GPUs, which Ray hides from them on a GPU head node too): the
    # device is then resolved there (a method that says where it loads: loads_elsewhere), not here
    loads_elsewhere: Callable[[], contextlib.AbstractContextManager[None]] | None = (
        getattr(cls, "loads_elsewhere", None) if backend == "ray" else None
    )
    with loads_elsewhere() if loads_elsewhere is not None else contextlib.nullcontext():
        probe = cls(options)  # validates every option (and a model folder) in the main process
    if not ds.videos() and not (kind == "predict" and ds.mcq):  # a mistyped --data, not an empty run
        raise CameraBenchError(
            f"{ds.root}: no videos to {kind}: {ds.videos_dir} holds no files and no label file names a video"
        )
    folder = MethodFolder.of(out_dir, method)
    if MethodFolder(Path(out_dir)).holds_outputs():  # RUN/<method> given for RUN: RUN/<method>/<method>/...
        raise CameraBenchError(
            f"{out_dir}: is the method folder of a run, not a run folder: pass the folder that holds it "
            f"(results go to --out/{method}/)"
        )
    resolved = _resolved(folder.path)
    if resolved == ds.root.resolve():  # e.g. --data RUN/dummy --out RUN: run files among the dataset's
        raise CameraBenchError(
            f"{out_dir}: the run folder's {method}/ folder is the dataset {ds.root} itself; choose another --out"
        )
    for inside, what in ((ds.videos_dir, "videos"), (ds.gt_dir, "ground-truth"), (ds.labels_dir, "labels")):
        # its files would become videos, or break the ground truth or label folder for later runs
        if resolved.is_relative_to(inside.resolve()):
            raise CameraBenchError(f"{out_dir}: the run folder is inside the dataset's {what} folder {inside}")
    if kind == "predict":  # e.g. another dataset's trajectory folder: one error now, not a failure per video
        probe.check_videos({v: ds.video_path(v) for v in ds.videos()})
    execution = _Execution(
        backend, workers, ray_options, file_fields=(1,) if kind == "predict" else (1, 4), actors=actors
    )
    # only the actors of model methods read them
    unused = [
        name
        for name, given in (("workers", workers_given), ("videos_per_call", ray_options.videos_per_call is not None))
        if given
    ]
    if backend == "ray" and not execution.actors and unused:
        log.warning(
            "%s ignored: with backend 'ray', method %r runs one Ray task per video, as many at once as the "
            "cluster's CPUs allow (cpus_per_task each); only model methods' actors read %s",
            ", ".join(unused),
            method,
            " and ".join(unused),
        )
    try:
        with _sigterm_unwinds(), contextlib.ExitStack() as stack:
            # Ray is connected (and the cluster checked) before the method folder is made and locked:
            # a Ray that cannot start or join, or a cluster without a node for the work, is refused
            # without leaving an empty method folder behind. The lock still comes before any record
            # is written, so two runs racing for one folder stay apart (the loser has started Ray
            # for nothing, and leaves it); it is released after Ray is shut down (callbacks run last
            # first), as no task of this run is left writing then.
            lock = FolderLock(folder.path, what="method folder")
            stack.callback(lock.release)
            cluster = None
            if backend == "ray":
                cluster = stack.enter_context(connect(ray_options.address))
                check_fits(ray_options, execution.actors)
                if loads_elsewhere is not None:
                    _resolve_where_loaded(probe, f"method {method!r}", ray_options)
            lock.acquire()
            summary = _run_locked(
                kind, ds, cls, probe, folder, execution, cluster, resume, mode, progress, retry_failed
            )
            if kind == "predict" and ds.mcq:  # the dataset's multiple-choice rows, into answers.jsonl
                # answer jobs carry a list of media paths: Ray workers read them from shared storage
                answering = dataclasses.replace(execution, file_fields=())
                summary.answers = _run_locked(
                    "answer", ds, cls, probe, folder, answering, cluster, resume, mode, progress, retry_failed
                )
            return summary
    except SystemExit as exc:
        if isinstance(exc, _Terminated) or exc.code not in (None, 0):
            raise  # SIGTERM (exit 143), or a failing exit status already
        # a method (or a library) called sys.exit() mid-run: exit status 0 would pass an unfinished run for done
        raise CameraBenchError(
            f"{kind} {method}: a call to sys.exit({exc.code!r}) (the method's, or a library's it uses) stopped the "
            "run before it finished; what was recorded is kept: rerun with --resume to complete it"
        ) from exc


def _resolve_where_loaded(probe: Predictor, what: str, ray_options: RayOptions) -> None:
    """Give ``probe`` (built in its class's ``loads_elsewhere``) what its ``resolve_here`` finds in a
    Ray task holding an actor's resources (its GPUs): the device and dtype the actors load the model
    in, which run.json then records and each actor checks its own against.

    Raises:
        CameraBenchError: the device is not there either (naming the Ray worker's process and node).
    """
    try:
        resolved = call_on_actor_resources(probe.resolve_here, what, ray_options)
    except CameraBenchError as exc:
        device = getattr(probe.options, "device", None)
        if ray_options.gpus_per_worker == 0 and isinstance(device, str) and device.startswith("cuda"):
            # Ray hides the node's GPUs from workers given none: "CUDA is not available" on a GPU machine
            raise CameraBenchError(
                f"{exc}; the Ray workers were given no GPU (gpus_per_worker 0), and Ray hides the node's GPUs from "
                "them: pass --gpus-per-worker 1 (model methods' actors) to load the model on a GPU, or "
                "--option device=cpu"
            ) from exc
        raise
    log.info(
        "%s: the model loads as %s on %s (resolved in %s, as the Ray actors will)",
        what,
        resolved["torch_dtype"],
        resolved["device_type"],
        resolved["where"],
    )
    probe.take_resolved(resolved)


def _resolved(path: Path) -> Path:
    """``path`` with its links followed; a link loop on the way (``RUN/<method>`` linking to
    itself) is an error naming it, not a RuntimeError traceback.

    Raises:
        CameraBenchError: a link on ``path`` leads back to itself.
    """
    try:
        return path.resolve()
    except RuntimeError as exc:  # Python 3.11's "Symlink loop from ..."
        raise CameraBenchError(
            f"{path}: a link loop (a link that leads back to itself) on the way to the method folder: "
            "remove it, or choose another --out"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CameraBenchError(
                f"{path}: a link loop (a link that leads back to itself) on the way to the method folder: "
                "remove it, or choose another --out"
            ) from exc
        # the current folder deleted under a relative --out, a folder on the way that cannot be read
        raise CameraBenchError(f"{path}: cannot resolve the method folder's path ({exc.strerror or exc})") from exc


def _processes(execution: _Execution, jobs: int) -> int:
    """The worker processes (local) or actors (Ray) that run ``jobs`` jobs: ``workers`` is an upper
    bound (no more than one process per job; Ray actors take ``videos_per_call`` jobs per call,
    split as :func:`camerabench.jobs.ray_backend.run_on_ray` splits them). 1 for a run in this
    process or with no job left, and for Ray tasks (their count is the cluster's).

    Example:
        >>> _processes(_Execution("local", 10**20, RayOptions()), 6)
        6
        >>> _processes(_Execution("local", 4, RayOptions()), 0)
        1
        >>> _processes(_Execution("ray", 4, RayOptions(videos_per_call=4), actors=True), 9)
        3
    """
    workers = execution.workers
    if jobs == 0 or workers <= 1:
        return 1
    if execution.backend == "ray":
        if not execution.actors:
            return workers
        size = max(1, min(execution.ray.per_call, math.ceil(jobs / workers)))
        return min(workers, math.ceil(jobs / size))
    return min(workers, jobs)


def _backend_record(execution: _Execution, cluster: ClusterInfo | None) -> dict[str, Any]:
    """run.json's ``backend``: where this part of the run ran, and on how much.

    Example:
        >>> _backend_record(_Execution("local", 2, RayOptions()), None)["workers"]
        2
    """
    if cluster is None:
        return {"name": "local", "workers": execution.workers, "nodes": 1, "cpus": usable_cpus()}
    ray = execution.ray
    return {
        "name": "ray",
        "address": cluster.address,
        "nodes": cluster.nodes,
        "cpus": cluster.cpus,
        "gpus": cluster.gpus,
        "pool": "actors" if execution.actors else "tasks",
        **({"actors": execution.workers, "videos_per_call": ray.per_call} if execution.actors else {}),
        "cpus_per_task": ray.cpus_per_task,
        "gpus_per_worker": ray.gpus_per_worker,
        "ship_videos": ray.ship_videos,
    }


def _saved_trajectory(folder: MethodFolder, ds: Dataset, row: MCQRow, cls: type[Predictor]) -> str | None:
    """The trajectory this method saved for a row's video in the predict pass, if there is one.

    A row whose one medium is a video of ``DATA/videos`` that the score pass of the same run
    estimated is answered from that trajectory instead of estimating it again.
    """
    if not cls.produces_trajectories or len(row.paths) != 1 or row.types[0] != "video":
        return None
    media = row.media(ds.root)[0]
    try:
        video = media.resolve().relative_to(ds.videos_dir.resolve()).as_posix()
    except ValueError:
        return None
    path = folder.trajectory(video)
    return str(path) if path.is_file() else None


def questions_sha256(questions: Sequence[Question]) -> str:
    """SHA-256 of the question texts asked of one video (sorted).

    A resumed ``predict`` skips the videos that have records; were a video's questions to change
    in between (a label file added, a video regenerated under its name with other labels), it
    would keep the old questions' answers and miss the new ones without a word, so run.json keeps
    this digest per video and ``--resume`` runs such a video again.
    """
    return hashlib.sha256(json.dumps(sorted(q.text for q in questions)).encode()).hexdigest()


def _unbooked(
    out_path: Path, info_path: Path, earlier: RunInfo | None, records: Sequence[_Record], units: set[str]
) -> set[str]:
    """Recorded videos (rows) whose entries in ``info_path`` (run.json, caption_run.json or
    answer_run.json) a run killed outright lost: it wrote their records but not, in its last
    seconds, their timing and details (:class:`_Progress` saves the file every few seconds; the
    questions found unanswerable there, decoding notes), which evaluate needs and no record holds
    (red team R62). They are the videos recorded after the last one the file keeps (records are
    appended in the order videos finish, and each is booked as its records land), of a run that did
    not finish; they are run again, with a warning. Videos recorded before that one without an
    entry (the file deleted and rebuilt by a resume) are left alone. Where the file keeps no video
    at all, every recorded one is run again: a run killed in its first seconds and a rebuilt file
    killed again before it booked one cannot be told apart (red team R64: the second reruns the
    videos recorded before the file was deleted too). Without an earlier file nothing is known, and
    nothing is run again."""
    if earlier is None or earlier.finished is not None:
        return set()
    order = list(dict.fromkeys(_record_key(r) for r in records))
    booked = [i for i, v in enumerate(order) if v in earlier.seconds_per_video]
    tail = order[booked[-1] + 1 :] if booked else order
    unbooked = {v for v in tail if v in units and v not in earlier.seconds_per_video}
    if unbooked:
        what = "row(s)" if earlier.command == "answer" else "video(s)"
        log.warning(
            "%s: %s keeps no timing or details of the last %d recorded %s (e.g. %s): the earlier run was stopped "
            "before it saved them, so they are run again",
            out_path,
            info_path.name,
            len(unbooked),
            what,
            min(unbooked),
        )
    return unbooked


def _rerun_changed(
    kind: JobKind,
    out_path: Path,
    info: RunInfo,
    records: Sequence[_Record],
    asked: Mapping[str, str],
    prints: Mapping[str, str | None],
    cut_short: set[str],
    retry: set[str] | None = None,
    incomplete: set[str] | None = None,
) -> set[str]:
    """Videos (rows, for ``answer``) of an earlier run whose questions (``asked``) or file
    (``prints``) have changed since, whose records an interrupted append cut short
    (``cut_short``), that failed and are to be tried again (``retry``), or that lack a record
    for a question asked now while no run.json says why (``incomplete``; for ``answer``, the rows
    changed since they were answered, :func:`_rows_changed_since_answered`): their records are
    dropped from ``out_path`` (rewritten atomically) and from ``info``, and they are returned to
    be run again. A video without a digest in run.json (a run.json written before they were
    kept) is taken as unchanged."""
    changed_questions, changed_files = set(), set()
    cut_short = cut_short & {_record_key(r) for r in records}
    for video in {_record_key(r) for r in records}:
        before = info.questions_sha256.get(video)
        if video in asked and before is not None and before != asked[video]:
            changed_questions.add(video)
        before = info.video_sha256.get(video)
        now = prints.get(video)
        if now is not None and before is not None and before != now:
            changed_files.add(video)
    for changed, what in ((changed_questions, "questions"), (changed_files, "video files")):
        if changed:
            log.warning(
                "%s: the %s of %d video(s) changed since the earlier run (e.g. %s): they are run again",
                out_path,
                what,
                len(changed),
                min(changed),
            )
    if cut_short:
        video = min(cut_short)
        log.warning("%s: the records of %s may be cut short by the interruption: it is run again", out_path, video)
    retry = (retry or set()) & {_record_key(r) for r in records}
    if retry:
        what = "rows are" if kind == "answer" else "videos are"
        log.info("%s: %d failed %s tried again (e.g. %s)", out_path, len(retry), what, min(retry))
    changed = changed_questions | changed_files | cut_short | retry | (incomplete or set())
    if not changed:
        return changed
    kept = [r for r in records if _record_key(r) not in changed]
    if kind == "predict":
        write_scores(out_path, [r for r in kept if isinstance(r, ScoreRecord)])
    elif kind == "caption":
        write_captions(out_path, [r for r in kept if isinstance(r, CaptionRecord)])
    else:
        write_answers(out_path, [r for r in kept if isinstance(r, AnswerRecord)])
    for video in changed:
        info.failures.pop(video, None)
        info.seconds_per_video.pop(video, None)
        info.video_info.pop(video, None)
    return changed


def _refuse_unrecorded_results(kind: JobKind, info_path: Path, out_path: Path) -> None:
    """Refuse, before anything is changed, to ``--resume`` into records that no run record
    (``info_path``: run.json, caption_run.json or answer_run.json) goes with.

    The runner writes that record before the first record is appended, so records without it
    mean it was deleted or lost since: the settings that made them are unknown. Resumed, the
    record was written anew with this run's settings, over results made with others (red team
    R80: caption_run.json said seed=7 for captions made with seed 0; run.json said sample_fps 2
    for scores made at 5). A records file without a record line (nothing recorded) goes on, with
    a warning. A records file that is no regular file is left to :func:`_repair_tail` to refuse.

    Raises:
        CameraBenchError: ``out_path`` holds records; naming ``info_path``, how many records
            there are, and what to do.
    """
    try:
        regular = stat.S_ISREG(out_path.stat().st_mode)
        lines = out_path.read_bytes().splitlines() if regular else []
    except OSError as exc:
        raise CameraBenchError(f"{out_path}: cannot be read to --resume it ({exc.strerror or exc})") from exc
    records = [line for line in lines if line.strip()]
    if not records:
        log.warning(
            "%s is missing and %s holds no record: the run starts over with these settings",
            info_path,
            out_path,
        )
        return
    names = [m.group(1) for m in map(_CUT_VIDEO.match, records) if m is not None]
    units = "row" if kind == "answer" else "video"
    of = f" of {len(set(names))} {units}(s)" if len(names) == len(records) else ""
    raise CameraBenchError(
        f"{info_path} is missing: cannot --resume, since the settings that made the {len(records)} record(s){of} "
        f"in {out_path} are unknown, and {info_path.name} would be written anew with these settings over them; "
        f"restore {info_path.name} (from a copy of the run), or remove {out_path.name} to run every {units} again "
        "with these settings, or choose another --out for a new run (nothing was changed)"
    )


def _lost_trajectories(
    out_path: Path, folder: MethodFolder, info: RunInfo, recorded: set[str], units: set[str]
) -> set[str]:
    """Videos of an earlier ``predict`` run of a method that saves trajectories
    (:attr:`Predictor.produces_trajectories`) whose trajectory file is missing or unreadable:
    they are not done, and are returned to be run again, with one warning naming the files.

    Which videos must have one: the runner saves the trajectory of every video the method
    returned a :class:`VideoResult` for (a geometric method always returns one), so a video
    recorded (``recorded``) or booked as answering none of its questions (``NO_RECORDS_KEY``)
    without a failure must have one; one that failed may have none (the method raised; on a video
    without records, :data:`_UNSCORED_FAILURE_KEY`), but a file it has must be readable. "Readable"
    is what the runner's own reader (:func:`load_npz`, used to reuse it for captions and
    multiple-choice rows) reads: about 0.3 ms a file of 150 poses, 0.3 s a resume of 1000 videos
    (measured here). Was (red team R80): a deleted or emptied
    ``trajectories/<video>.npz`` left the video "already done" and ``evaluate`` gave APE over the
    other clips. The entries in ``info`` of such a video without records are dropped here (those
    with records are dropped with them by :func:`_rerun_changed`).
    """
    booked = {v for v, d in info.video_info.items() if NO_RECORDS_KEY in d and v in info.seconds_per_video}
    lost: dict[str, str] = {}
    for video in sorted((recorded | booked) & units):
        path = folder.trajectory(video)
        if not (path.exists() or path.is_symlink()):
            if video not in info.failures and _UNSCORED_FAILURE_KEY not in info.video_info.get(video, {}):
                lost[video] = f"{path}: missing"
            continue
        try:
            load_npz(path)
        except FileFormatError as exc:  # names the file and what is wrong in it
            lost[video] = str(exc)
        except (OSError, ValueError) as exc:
            lost[video] = f"{path}: unreadable ({type(exc).__name__}: {exc})"
    if lost:
        names = sorted(lost)
        log.warning(
            "%s: the trajectory file of %d recorded video(s) is missing or unreadable (%s), so they are run again: %s",
            out_path,
            len(names),
            "; ".join(lost[v] for v in names[:3]) + (f"; and {len(names) - 3} more" if len(names) > 3 else ""),
            _some(names, limit=10),
        )
    for video in set(lost) - recorded:
        info.seconds_per_video.pop(video, None)
        info.video_info.pop(video, None)
    return set(lost)


def _missing_questions(
    out_path: Path, method: str, records: Sequence[ScoreRecord], questions: Mapping[str, list[Question]]
) -> set[str]:
    """Recorded videos without a question digest in run.json (no run.json, or one written by a
    camerabench older than the digests) that lack a record for a question the dataset asks of
    them now and the method can answer (:meth:`Predictor.never_answers`): a label file added
    since, an interruption between two of the video's lines (the records on disk end at a line
    boundary, so nothing else tells), or a question the method found unanswerable on that video
    (a trajectory without intrinsics and a zoom question), which only the digests would tell.
    They are run again rather than left with a question never asked."""
    recorded: dict[str, set[str]] = {}
    for rec in records:
        recorded.setdefault(rec.video, set()).add(rec.question)
    never = predictor_class(method).never_answers([q for qs in questions.values() for q in qs])
    short = {
        v
        for v, texts in recorded.items()
        if v in questions and any(q.text not in texts and q.text not in never for q in questions[v])
    }
    if short:
        log.warning(
            "%s: %d recorded video(s) lack a record for a question the dataset asks of them (e.g. %s), and "
            "without the questions' digests in run.json (none, or a run.json by an older camerabench) it is "
            "not known whether the run was cut between its records or the method found it unanswerable: they "
            "are run again",
            out_path,
            len(short),
            min(short),
        )
    return short


def _uncovered_questions(
    out_path: Path,
    info: RunInfo,
    probe: Predictor,
    records: Sequence[ScoreRecord],
    questions: Mapping[str, list[Question]],
) -> set[str]:
    """Recorded videos whose questions are those run.json has the digest of (``questions``) that
    lack a record for a question asked of them which the method neither answers on no video
    (:meth:`Predictor.unanswerable`) nor found unanswerable on that video (run.json's
    ``video_info[video][UNANSWERABLE_KEY]``): a score line removed from the records file by hand,
    or lost in a copy. Such a video is not finished (evaluate counted its question missing while
    ``--resume`` took it as done): it is run again, each one logged with the question it lacks.
    (A run.json by a camerabench older than ``UNANSWERABLE_KEY`` leaves a video the method found a
    question unanswerable on run again once, which records it.)"""
    recorded: dict[str, set[str]] = {}
    for rec in records:
        recorded.setdefault(rec.video, set()).add(rec.question)
    never = probe.unanswerable([q for qs in questions.values() for q in qs])
    short: set[str] = set()
    for video in sorted(recorded.keys() & questions.keys()):
        found = info.video_info.get(video, {}).get(UNANSWERABLE_KEY, {})
        covered = recorded[video] | never.keys() | (set(found) if isinstance(found, dict) else set())
        lacking = sorted({q.text for q in questions[video]} - covered)
        if lacking:
            short.add(video)
            log.warning(
                "%s: %s has no record for %d question(s) asked of it that %s answers (e.g. %r), and run.json "
                "does not list them as unanswerable there (a line removed from the file?): the video is not "
                "finished; its %d record(s) are dropped and it is run again",
                out_path,
                video,
                len(lacking),
                probe.name,
                lacking[0],
                sum(1 for r in records if r.video == video),
            )
    return short


#: run.json's ``video_info[video]`` key, written by the runner for a ``predict`` video that left no
#: record (the method answers none of its questions): the number of questions it found
#: unanswerable. ``--resume`` takes such a video as done (see :func:`_done_without_records`).
#: answer_run.json keeps it (1) for a multiple-choice row the same way (:data:`ROW_SHA256_KEY`).
NO_RECORDS_KEY = ROW_UNANSWERABLE_KEY  # one text with evaluation's, which reads it


#: run.json's ``video_info`` keys the runner writes of a ``predict`` video (not the method's details).
_PREDICT_BOOKKEEPING = frozenset({NO_RECORDS_KEY, _UNSCORED_FAILURE_KEY, UNANSWERABLE_KEY})


def _done_without_records(
    out_path: Path,
    info: RunInfo,
    recorded: set[str],
    questions: Mapping[str, list[Question]],
    asked: Mapping[str, str],
    prints: Mapping[str, str | None],
) -> set[str]:
    """Videos an earlier part of the run completed without leaving a record: the method answered
    none of their questions (a geometric method on a video labelled only on what it cannot
    answer). Their records do not say they were run, so without this every ``--resume`` ran them
    again.

    Such a video is done when run.json booked it (its timing, made only once its records, none,
    were on disk), lists no failure for it, counts every question asked of it now as unanswerable
    (:data:`NO_RECORDS_KEY`, so a run.json of an older version, or a video whose records were
    removed from the records file, is run again), and its questions and file are those it was run
    with. One whose questions or file changed since is run again, and its entries are dropped
    from ``info`` (run.json takes the new digests before it runs: an interruption must not leave
    the old entries standing for the new file).
    """
    done: set[str] = set()
    changed: set[str] = set()
    stale: set[str] = set()
    for video, qs in questions.items():
        details = info.video_info.get(video, {})
        if video in recorded or video not in info.seconds_per_video or NO_RECORDS_KEY not in details:
            continue
        count = details[NO_RECORDS_KEY]
        same_questions = info.questions_sha256.get(video) == asked.get(video)
        same_file = prints.get(video) is not None and info.video_sha256.get(video) == prints.get(video)
        if not (same_questions and same_file):
            changed.add(video)
        elif video in info.failures or type(count) is not int or count != len({q.text for q in qs}):
            stale.add(video)  # not what a video that answered nothing leaves (a hand-edited run.json)
        else:
            done.add(video)
    if changed:
        log.warning(
            "%s: the questions or file of %d video(s) the method answered none of the questions of changed "
            "since the earlier run (e.g. %s): they are run again",
            out_path,
            len(changed),
            min(changed),
        )
    for video in changed | stale:
        info.seconds_per_video.pop(video, None)
        info.video_info.pop(video, None)
    if done:
        log.info(
            "%s: %d video(s) the method answered none of the questions of are already done (e.g. %s)",
            out_path,
            len(done),
            min(done),
        )
    return done


#: answer_run.json's ``video_info[row]`` key, next to :data:`NO_RECORDS_KEY` (1), for a multiple-choice
#: row the method found outside what it answers (no record): the SHA-256 of what that finding rests
#: on (:func:`answer_row_sha256`). ``--resume`` takes such a row as done while it is the same (see
#: :func:`_rows_done_without_records`).
ROW_SHA256_KEY = "row_sha256"


def answer_row_sha256(row: MCQRow, media: Sequence[Path], settings: Mapping[str, Any]) -> str | None:
    """SHA-256 of what a method's finding that ``row`` is outside what it answers rests on: the
    row's cells (its table, question, options, category, media paths and types), its media files
    (:func:`video_fingerprint`: a geometric method leaves a zoom question unanswered when the
    video's trajectory has no intrinsics), the method's settings (``workers`` aside) and this
    camerabench's version; None when a medium cannot be read (the row is then not taken as done).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     clip = Path(tmp) / "v.mp4"
        ...     _ = clip.write_bytes(b"frames")
        ...     row = MCQRow("0", "t", ("video",), ("v.mp4",), "Size?", {"A": "Wide"}, "A", "shot size", 2)
        ...     first = answer_row_sha256(row, [clip], {"seed": 0, "workers": 1})
        ...     same = first == answer_row_sha256(row, [clip], {"seed": 0, "workers": 8})
        ...     edited = dataclasses.replace(row, question="Size of the shot?")
        ...     other = answer_row_sha256(row, [clip], {"seed": 1})
        ...     same, first != answer_row_sha256(edited, [clip], {"seed": 0}), first != other
        ...     answer_row_sha256(row, [Path(tmp) / "gone.mp4"], {}) is None
        (True, True, True)
        True
    """
    prints = [video_fingerprint(m) for m in media]
    if any(p is None for p in prints):
        return None
    doc = {
        "row": {"table": row.table, **row.to_columns()},
        "media": prints,
        "settings": {k: v for k, v in settings.items() if k not in _RESUMABLE_SETTINGS},
        "camerabench": __version__,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _rows_changed_since_answered(
    out_path: Path,
    info: RunInfo,
    recorded: set[str],
    rows: Mapping[str, MCQRow],
    digest: Callable[[MCQRow], str | None],
) -> set[str]:
    """Rows with a record (answered, or failed on) whose question, options, category, media paths
    or media files changed since: answer_run.json's :data:`ASKED_SHA256_KEY` for them is not the
    digest ``digest`` gives now. A row without one (an answer_run.json of an older camerabench)
    is taken as unchanged, and so is one whose medium cannot be read now (no digest to compare)."""
    changed: set[str] = set()
    for key in recorded & rows.keys():
        details = info.video_info.get(key, {})
        if ASKED_SHA256_KEY not in details:
            continue
        now = digest(rows[key])
        if now is not None and now != details[ASKED_SHA256_KEY]:
            changed.add(key)
    if changed:
        log.warning(
            "%s: %d answered row(s) changed since the earlier run (their question, options, category or media; "
            "e.g. %s): they are answered again",
            out_path,
            len(changed),
            min(changed),
        )
    return changed


def _rows_done_without_records(
    out_path: Path,
    info: RunInfo,
    recorded: set[str],
    rows: Mapping[str, MCQRow],
    digest: Callable[[MCQRow], str | None],
) -> set[str]:
    """Multiple-choice rows an earlier part of the run completed without leaving a record: the
    method found them outside what it answers (a geometric method and a shot-size row). Their
    records do not say they were run, so without this every ``--resume`` (every rerun of ``demo``
    into its folder) ran them again.

    Such a row is done when answer_run.json booked it (its timing), lists no failure for it, holds
    :data:`NO_RECORDS_KEY` (1) for it and, under :data:`ROW_SHA256_KEY`, the digest of the row, its
    media and the method's settings that ``digest`` gives now (an answer_run.json of an older
    version has neither: its rows are run again, as they were). A row edited since (or its media,
    or the method) is run again, and its entries are dropped from ``info``.
    """
    done: set[str] = set()
    changed: set[str] = set()
    stale: set[str] = set()
    for key, row in rows.items():
        details = info.video_info.get(key, {})
        if key in recorded or key not in info.seconds_per_video or NO_RECORDS_KEY not in details:
            continue
        count, before = details[NO_RECORDS_KEY], details.get(ROW_SHA256_KEY)
        if key in info.failures or type(count) is not int or count != 1 or not isinstance(before, str):
            stale.add(key)  # not what a row outside the method's answers leaves (a hand-edited file)
        elif digest(row) != before:
            changed.add(key)
        else:
            done.add(key)
    if changed:
        log.warning(
            "%s: %d row(s) the method found outside what it answers changed since the earlier run (their text, "
            "media or the method; e.g. %s): they are run again",
            out_path,
            len(changed),
            min(changed),
        )
    for key in changed | stale:
        info.seconds_per_video.pop(key, None)
        info.video_info.pop(key, None)
    if done:
        log.info(
            "%s: %d row(s) the method found outside what it answers are already done (e.g. %s)",
            out_path,
            len(done),
            min(done),
        )
    return done


#: Label files' suffixes (``.jsonl`` label files, ``caption_data.json``, the ShotBench tables).
_LABEL_SUFFIXES = frozenset({".jsonl", ".json", ".csv", ".tsv", ".xlsx", ".xlsm"})


def _read_as_labels(name: str) -> bool:
    """Whether a file named ``name`` under ``labels/`` counts for :func:`_label_digests`: every name
    but hidden ones that are not label files (``.DS_Store``, which a copy by Finder adds). A hidden
    ``.jsonl`` is read: the readers' ``glob("*.jsonl")`` matches names starting with a dot (red team
    R75 added ``.has_backward_motion.jsonl`` to a VQA skill folder of a copy: four more questions,
    and the copy was called "the same label files")."""
    return not name.startswith(".") or Path(name).suffix.lower() in _LABEL_SUFFIXES


def _holds_labels(path: Path) -> bool:
    """Whether the dataset folder ``path`` has any of the label entries :class:`Dataset` reads."""
    return any((path / "labels" / entry.rstrip("/")).exists() for entry in LABEL_ENTRIES)


def _label_digests(ds: Dataset) -> dict[str, str]:
    """SHA-256 of each file the labels of ``ds`` are read from, by its path relative to the dataset
    folder (POSIX): every file under the entries of ``labels/`` :class:`Dataset` reads
    (:data:`~camerabench.dataset.LABEL_ENTRIES`: the binary and VQA folders, ``caption_data.json``,
    the ShotBench tables) and ``manifest.json``. Hidden files other than label files are left out
    (:func:`_read_as_labels`); hidden folders are not (the readers' globs enter them); folders linked
    to are followed (once each); what is not a
    regular file (a broken link, a named pipe) is not opened, and compared as such.

    Raises:
        FileFormatError: a folder cannot be listed or a file read (naming it).
    """

    def unlisted(exc: OSError) -> None:
        raise FileFormatError(exc.filename or ds.labels_dir, f"cannot list the folder: {exc.strerror or exc}")

    files: list[Path] = []
    for entry in LABEL_ENTRIES:
        path = ds.labels_dir / entry.rstrip("/")
        if path.is_dir():
            seen: set[str] = set()
            for folder, subfolders, names in os.walk(path, onerror=unlisted, followlinks=True):
                real = os.path.realpath(folder)
                subfolders[:] = [] if real in seen else sorted(subfolders)
                if real not in seen:
                    files.extend(Path(folder) / n for n in sorted(names) if _read_as_labels(n))
                seen.add(real)
        elif path.exists() or path.is_symlink():
            files.append(path)
    if ds.manifest_path.exists() or ds.manifest_path.is_symlink():
        files.append(ds.manifest_path)
    digests: dict[str, str] = {}
    for file in files:
        if not file.is_file():  # a named pipe would block open(); a broken link: compared as what it is
            digests[file.relative_to(ds.root).as_posix()] = "not a file"
            continue
        try:
            with open(file, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as exc:
            raise FileFormatError(file, f"cannot read the label file: {exc.strerror or exc}") from exc
        digests[file.relative_to(ds.root).as_posix()] = digest
    return digests


def _some(names: Sequence[str], limit: int = 3) -> str:
    """``a, b, c and 2 more`` (``names`` sorted by the caller)."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _differences_from_copy(
    kind: JobKind,
    ds: Dataset,
    earlier: RunInfo,
    prints: Mapping[str, str | None],
    rows: Mapping[str, MCQRow],
    asked: Callable[[MCQRow], str | None],
) -> tuple[list[str], int]:
    """What makes ``ds`` another dataset than the one the earlier run was made on (``earlier.data``,
    a path that still exists), and how many of the earlier run's videos (rows) were compared.

    ``ds`` is a copy of it by content, and the run may be resumed on it, when (red team R69:
    ``cp -r data data2`` then ``--data data2 --resume`` was refused as another dataset):

    - the label files are the same, byte for byte (:func:`_label_digests` of both folders: what
      the videos are asked, the ShotBench rows; a few small files, read once each), and
    - every video the earlier run booked (its timing in run.json) has at ``ds`` the fingerprint
      the earlier run recorded of it (:func:`~camerabench.runfolder.video_fingerprint`, run.json's
      ``video_sha256``; ``prints``, the fingerprints of ``ds`` the resume computes anyway, so no
      video is read twice); for ``answer``, every booked row with records has the digest of what
      it was asked (its media files, :data:`~camerabench.runfolder.ASKED_SHA256_KEY`) it had
      (``asked``, memoised by the caller and used again by the resume's own check). A booked row
      the method found outside what it answers left no record to keep: it is run again if its
      digest changed, as in its own folder (:func:`_rows_done_without_records`).

    The fingerprints are compared with those recorded when the videos ran, not with the files at
    the earlier path now: the records rest on the former. Videos of ``ds`` the earlier run did not
    book are run as they are (as a video added to the dataset in place would be).

    Returns:
        One item per kind of difference, naming the files, videos or rows (three at most, then
        how many more); empty for a copy by content.
    """
    there = Path(str(earlier.data))
    if not there.is_dir():
        return [f"{there} is not a dataset folder"], 0
    try:
        before = _label_digests(Dataset(there))
    except FileFormatError as exc:
        return [f"the labels of {there} cannot be compared: {exc}"], 0
    now = _label_digests(ds)
    differences = []
    changed = sorted(f for f in before.keys() & now.keys() if before[f] != now[f])
    if changed:
        differences.append(f"file(s) {_some(changed)} differ")
    for only, where in ((sorted(before.keys() - now.keys()), there), (sorted(now.keys() - before.keys()), ds.root)):
        if only:
            differences.append(f"file(s) {_some(only)} only in {where}")
    booked = sorted(earlier.seconds_per_video)
    compared = 0
    if kind != "answer":
        edited: list[str] = []
        missing: list[str] = []
        unprinted: list[str] = []
        for video in booked:
            was, is_ = earlier.video_sha256.get(video), prints.get(video)
            compared += 1
            if was == is_:
                continue
            (missing if is_ is None else unprinted if was is None else edited).append(video)
        if edited:
            differences.append(f"the file of booked video(s) {_some(edited)} differs")
        if missing:
            differences.append(f"booked video(s) {_some(missing)} missing or unreadable in {ds.root}")
        if unprinted:
            differences.append(
                f"the earlier run kept no fingerprint of booked video(s) {_some(unprinted)} (an older camerabench): "
                "their files cannot be compared"
            )
    else:
        media: list[str] = []
        for key in booked:
            row, details = rows.get(key), earlier.video_info.get(key, {})
            if row is None or NO_RECORDS_KEY in details:  # a row no longer in the tables; one without records
                continue
            compared += 1
            if details.get(ASKED_SHA256_KEY) != asked(row):
                media.append(f"{key} ({', '.join(row.paths)})")
        if media:
            differences.append(f"the media of booked row(s) {_some(media)} differ")
    return differences, compared


def _run_locked(
    kind: JobKind,
    ds: Dataset,
    cls: type[Predictor],
    probe: Predictor,
    folder: MethodFolder,
    execution: _Execution,
    cluster: ClusterInfo | None,
    resume: bool,
    mode: str,
    progress: bool,
    retry_failed: bool = False,
) -> RunSummary:
    method = probe.name
    workers = execution.workers
    out_path, info_path = folder.output(kind), folder.info(kind)
    if out_path.exists() and not resume:
        # one message for both callers: run_predict(...) from Python and the command line's flags
        raise CameraBenchError(
            f"{out_path} exists: pass --resume (resume=True from Python) to continue that run, "
            "or choose another --out (out_dir from Python)"
        )
    settings = {**probe.settings(), "workers": workers, **({"mode": mode} if kind == "caption" else {})}
    asked = {v: questions_sha256(qs) for v, qs in ds.questions().items()} if kind == "predict" else {}
    prints = {v: video_fingerprint(ds.video_path(v)) for v in ds.videos()} if kind != "answer" else {}
    rows = [row for table in ds.mcq.values() for row in table] if kind == "answer" else []
    by_key = {_row_key(r.table, r.index): r for r in rows}

    def row_digest(row: MCQRow) -> str | None:
        return answer_row_sha256(row, row.media(ds.root), settings)

    def asked_digest(row: MCQRow) -> str | None:
        return asked_row_sha256(row, row.media(ds.root))

    asked_on_resume: dict[str, str | None] = {}

    def asked_once(row: MCQRow) -> str | None:
        """:func:`asked_digest` of a row as the resume finds it, computed once for the checks of
        a moved or copied dataset and of rows edited since (each reads the row's media)."""
        key = _row_key(row.table, row.index)
        if key not in asked_on_resume:
            asked_on_resume[key] = asked_digest(row)
        return asked_on_resume[key]

    done: set[str] = set()
    info: RunInfo
    if resume and out_path.exists():
        earlier = read_run_info(info_path) if info_path.exists() else None
        if earlier is None:
            _refuse_unrecorded_results(kind, info_path, out_path)
        else:
            if earlier.method != method:
                raise CameraBenchError(f"{info_path}: is a run of method {earlier.method!r}, not {method!r}")
            if earlier.command != kind:  # e.g. caption_run.json copied over run.json: not "settings differ: mode"
                raise CameraBenchError(
                    f"{info_path}: holds a {earlier.command} run of method {method!r}, not a {kind} run; "
                    f"cannot --resume the {kind} run from it (a {kind} run keeps its own "
                    f"{folder.info(kind).name}: restore that file, or choose another --out for a new run)"
                )
            data = str(ds.root.resolve())
            if earlier.data is not None and earlier.data != data:
                if Path(earlier.data).exists() and _holds_labels(Path(earlier.data)):
                    differences, compared = _differences_from_copy(kind, ds, earlier, prints, by_key, asked_once)
                    if differences:
                        raise CameraBenchError(
                            f"{info_path}: cannot --resume a run of another dataset ({earlier.data}, not {data}): "
                            f"{'; '.join(differences)} (compared with {earlier.data} as it is now: either folder "
                            "may have changed since the run); use that --data, or another --out for a new run"
                        )
                    log.warning(
                        "%s: %s is a copy of %s by content (the same label files and manifest, and the same files "
                        "of the %d %s the earlier run booked); resuming on %s",
                        info_path,
                        data,
                        earlier.data,
                        compared,
                        "row(s) with records" if kind == "answer" else "video(s)",
                        data,
                    )
                else:  # gone, or a folder left behind without labels (R75: an emptied mount point)
                    log.warning(
                        "%s: the earlier run was on %s, which %s; taking %s as it moved",
                        info_path,
                        earlier.data,
                        "holds no dataset now" if Path(earlier.data).exists() else "is gone",
                        data,
                    )
            _check_same_model(info_path, folder.path.parent, earlier.settings, settings)
            # a method that checks its inputs per record (fusion: the input records each fused video rests
            # on) lets an input gain videos; else (or for an older run.json) the whole inputs must be the same
            per_record = getattr(probe, "check_resume_inputs", None)
            if per_record is None or not per_record(info_path, earlier.video_info):
                _check_same_inputs(info_path, earlier.settings, settings)
            same_model = {
                *_MODEL_IDENTITY,
                _INPUTS_IDENTITY,
                *_INPUTS_STATE,
                *(("model",) if _model_moved(info_path, earlier.settings, settings) else ()),
                *((_INPUTS_FOLDER,) if _inputs_moved(info_path, earlier.settings, settings) else ()),
            }
            # options added to the method since the earlier run (a run by an older camerabench), set
            # to their defaults: a new option's default keeps what the method did before it existed
            at_default = _added_at_default(probe.options, earlier.settings, settings)
            if at_default:
                log.warning(
                    "%s: the earlier run was made before option(s) %s existed; at their defaults now, they are "
                    "taken as what that run did; resuming",
                    info_path,
                    ", ".join(f"{k}={json.dumps(settings[k])}" for k in at_default),
                )
            differences = _settings_differences(
                {k: v for k, v in earlier.settings.items() if k not in same_model},
                {k: v for k, v in settings.items() if k not in same_model and k not in at_default},
            )
            if differences:
                # options the earlier run's settings lack were added to the method since (a run by an
                # older camerabench): "use the earlier settings" cannot be followed there
                added = [
                    k
                    for k in settings
                    if k not in earlier.settings and k not in _RESUMABLE_SETTINGS and k not in at_default
                ]
                advice = (
                    f"the earlier run was made by an older camerabench without the option(s) {', '.join(added)}, so "
                    "it cannot be continued by this version; its records still evaluate (camerabench evaluate and "
                    "report read them): use another --out for a new run"
                    if added
                    else "use the earlier settings, or another --out for a new run"
                )
                raise CameraBenchError(
                    f"{info_path}: cannot --resume with settings that differ from the earlier run "
                    f"({'; '.join(differences)}); {advice}"
                )
        cut = _repair_tail(out_path)
        earlier_records: Sequence[_Record] = (
            read_scores(out_path)
            if kind == "predict"
            else read_captions(out_path)
            if kind == "caption"
            else read_answers(out_path)
        )
        foreign = next((r for r in earlier_records if r.method != method), None)
        if foreign is not None:  # e.g. a file copied from another method's folder
            raise CameraBenchError(
                f"{out_path}: holds records of method {foreign.method!r}, not {method!r}; cannot --resume from it"
            )
        done = {_record_key(r) for r in earlier_records}
        # the videos (rows) of the dataset now: one since removed keeps its records, not counted
        units = (
            {_row_key(r.table, r.index) for table in ds.mcq.values() for r in table}
            if kind == "answer"
            else set(ds.videos())
        )
        # the videos whose run.json entries a run killed outright lost (before ``finished`` is reset)
        lost = _unbooked(out_path, info_path, earlier, earlier_records, done & units)
        info = earlier if earlier is not None else RunInfo(method=method, command=kind)
        info.finished = None
        _failures_from_records(info, _by_video(earlier_records), info_path)
        retry = set(info.failures) & units if retry_failed else set()
        if kind != "answer":
            scores = [r for r in earlier_records if isinstance(r, ScoreRecord)]
            cut_short = _cut_short(cut, scores, ds.questions()) if kind == "predict" else set()
            # without its questions' digest (no run.json, or an older one), a video lacking a record for
            # a question asked now is not known to be complete
            undigested = {
                v: qs for v, qs in ds.questions().items() if earlier is None or v not in earlier.questions_sha256
            }
            short = _missing_questions(out_path, method, scores, undigested) if kind == "predict" else set()
            if kind == "predict" and earlier is not None:
                # with the digests: a video of the same questions whose records do not cover them all
                digested = {
                    v: qs for v, qs in ds.questions().items() if earlier.questions_sha256.get(v, "") == asked.get(v)
                }
                short |= _uncovered_questions(out_path, earlier, probe, scores, digested)
            short |= lost
            if kind == "predict" and cls.produces_trajectories:
                short |= _lost_trajectories(out_path, folder, info, done, units)
            done -= _rerun_changed(kind, out_path, info, earlier_records, asked, prints, cut_short, retry, short)
            if kind == "predict":
                done |= _done_without_records(out_path, info, done, ds.questions(), asked, prints)
        else:
            edited = _rows_changed_since_answered(out_path, info, done, by_key, asked_once)
            edited |= lost
            if retry or edited:
                done -= _rerun_changed(kind, out_path, info, earlier_records, {}, {}, set(), retry, edited)
            done |= _rows_done_without_records(out_path, info, done, by_key, row_digest)
    else:
        info = RunInfo(method=method, command=kind)
    info.settings = settings
    info.method_kind = cls.kind
    info.data = str(ds.root.resolve())
    info.questions_sha256 = {**info.questions_sha256, **asked} if kind == "predict" else {}
    known = {v: digest for v, digest in prints.items() if digest is not None}
    info.video_sha256 = {**info.video_sha256, **known} if kind != "answer" else {}
    model = getattr(probe.options, "model", None)
    info.model_path = str(model) if model else None
    info.model_config_sha256 = config_hash(model) if model else None
    info.git_commit = git_commit()
    info.backend = _backend_record(execution, cluster)

    jobs: list[tuple[Any, ...]]
    job_fn: Callable[..., _Outcome]
    failed_fn: Callable[..., _Outcome]
    videos = [_row_key(r.table, r.index) for r in rows] if kind == "answer" else ds.videos()
    todo = [v for v in videos if v not in done]
    # what runs, not what was asked: --workers 10**20 starts one process per video to run
    info.settings["workers"] = _processes(execution, len(todo))
    info.backend = _backend_record(dataclasses.replace(execution, workers=info.settings["workers"]), cluster)
    gone = done.difference(videos)
    if gone:
        log.warning(
            "%s: %d recorded %s no longer in the dataset (e.g. %s): their records are kept, not counted",
            out_path,
            len(gone),
            "videos are" if kind != "answer" else "rows are",
            min(gone),
        )
    done -= gone
    # run.json counts what is recorded so far, kept up to date as videos finish (an interrupted
    # run's run.json does not keep the counts of its last finished part, or none)
    counted = set(done)
    saver = _Progress(info_path, info, counted)
    saver.save()
    if kind == "answer":
        jobs = []
        for key in todo:
            row = by_key[key]
            # absolute: a Ray worker's working folder is not this process's (the answer jobs'
            # media lists are not among the file fields the backend makes absolute)
            media = [os.path.abspath(m) for m in row.media(ds.root)]
            saved = _saved_trajectory(folder, ds, row, cls)
            jobs.append((key, row, media, os.path.abspath(saved) if saved else None))
        job_fn, failed_fn = _answer_job, _answer_failed
    elif kind == "predict":
        questions = ds.questions()
        jobs = [(v, str(ds.video_path(v)), questions[v]) for v in todo]
        # in this process the probe knows what its options leave unanswerable (a fusion model file)
        job_fn, failed_fn = _predict_job, functools.partial(_predict_failed, predictor=probe)
    else:
        question = ds.caption_question()
        earlier_predict = _reusable_predict_run(folder, probe) if cls.produces_trajectories else None
        jobs = []
        for v in todo:
            traj_path = folder.trajectory(v)
            # the predict run's trajectory, unless the video file changed since it ran
            same_file = earlier_predict is not None and earlier_predict.video_sha256.get(v, prints[v]) == prints[v]
            reuse = same_file and traj_path.is_file()
            # a trajectory saved (every score of the video failed, e.g. NaN) is captioned from all the same
            prior = earlier_predict.failures.get(v) if earlier_predict is not None and same_file and not reuse else None
            # what the predict run recorded of the reused trajectory (its cuts, the shot estimated),
            # less the runner's own bookkeeping of predict
            estimated = (
                {k: d for k, d in earlier_predict.video_info.get(v, {}).items() if k not in _PREDICT_BOOKKEEPING}
                if earlier_predict is not None and reuse
                else None
            )
            jobs.append((v, str(ds.video_path(v)), question, mode, str(traj_path) if reuse else None, prior, estimated))
        job_fn, failed_fn = _caption_job, _caption_failed
    # the answering step runs multiple-choice rows, not videos: its log and progress bar count rows
    item = "row" if kind == "answer" else "video"
    log.info("%s %s: %d %ss to run, %d already done", kind, method, len(todo), item, len(done))

    t0 = time.perf_counter()
    unasked = _Unasked(method)
    # per video run here: its unanswerable questions; a video is in it once its records are on disk
    # and run.json's entries for it are made (book), which an interrupt completes (below)
    booked: dict[str, int] = {}
    pending: _Outcome | None = None  # the video whose records are being appended
    appended = False
    size_before = 0  # of the records file before that append

    def book(outcome: _Outcome) -> None:
        """run.json's entries for a video whose records are on disk (repeatable: an interrupt may
        have stopped it part-way)."""
        info.seconds_per_video[outcome.video] = round(outcome.seconds, 4)
        details = dict(outcome.info)  # per-video details (decoding notes, model choices) for run.json
        if kind == "predict" and outcome.found_unanswerable:
            # which questions it found unanswerable on this video: evaluate counts them outside its coverage
            details[UNANSWERABLE_KEY] = dict(outcome.found_unanswerable)
        if kind == "predict" and not outcome.records and not outcome.failure:
            # no record to resume from: run.json says it ran and answered none of its questions
            details[NO_RECORDS_KEY] = outcome.unanswerable
        if kind == "answer" and not outcome.records and not outcome.failure:
            # a row outside what the method answers: what that finding rests on, for --resume
            digest = row_digest(by_key[outcome.video])
            if digest is not None:  # a medium unreadable now: run again on resume
                details[NO_RECORDS_KEY] = outcome.unanswerable
                details[ROW_SHA256_KEY] = digest
        elif kind == "answer":
            # a row answered (or failed on): what it was asked, so that --resume answers it again once edited
            asked_now = asked_digest(by_key[outcome.video])
            if asked_now is not None:  # a medium unreadable now: taken as unchanged on resume
                details[ASKED_SHA256_KEY] = asked_now
        if details:
            info.video_info[outcome.video] = details
        else:
            info.video_info.pop(outcome.video, None)
        if outcome.failure:
            info.failures[outcome.video] = outcome.failure
        else:
            info.failures.pop(outcome.video, None)
        unasked.add(outcome)
        if kind != "answer" or outcome.records or outcome.failure:  # a row outside it: not counted
            counted.add(outcome.video)
        booked[outcome.video] = outcome.unanswerable

    bar = tqdm(total=len(jobs), desc=f"{kind} {method}", unit=item, disable=not progress)
    try:
        with contextlib.closing(_iter_outcomes(method, probe.options, execution, jobs, job_fn, failed_fn)) as outcomes:
            for outcome in outcomes:
                if kind == "predict":  # a video whose file is not there is never ok
                    outcome = _absent_file_failure(outcome, ds.video_path(outcome.video))
                if outcome.trajectory is not None:
                    try:
                        save_npz(folder.trajectory(outcome.video), outcome.trajectory)
                    except (AttributeError, TypeError, ValueError) as exc:  # e.g. meta scene_depth that is no number
                        reason = f"the method's trajectory cannot be saved ({job_error(exc)})"
                        log.warning("%s failed on %s: %s", method, outcome.video, reason)
                        job = next(j for j in jobs if j[0] == outcome.video)
                        outcome = failed_fn(method, outcome.seconds, reason, *job)
                if kind == "predict" and outcome.trajectory is None:
                    _remove_stale_trajectory(folder, outcome.video)
                pending, appended, size_before = outcome, False, _file_size(out_path)
                append_jsonl(out_path, outcome.records)
                appended = True
                book(outcome)
                pending = None
                bar.update(1)
                saver.maybe_save()
        bar.close()
        unasked.warn()
        # Rewrite sorted (deterministic content), atomically.
        if kind == "predict":
            scores = _unique(out_path, read_scores(out_path) if out_path.exists() else [])
            write_scores(out_path, sorted(scores, key=lambda r: (r.video, r.question)))
            _count(info, _by_video(scores), set(videos), info_path)
        elif kind == "answer":
            answers = _unique(out_path, read_answers(out_path) if out_path.exists() else [])
            order = {key: i for i, key in enumerate(videos)}
            write_answers(out_path, sorted(answers, key=lambda r: order.get(_record_key(r), len(order))))
            _count(info, _by_video(answers), set(videos), info_path, answered_only=True)
        else:
            caps = _unique(out_path, read_captions(out_path) if out_path.exists() else [])
            write_captions(out_path, sorted(caps, key=lambda r: r.video))
            _count(info, _by_video(caps), set(videos), info_path)
        info.finished = now_iso()
        saver.counted = None  # counted from the files just rewritten
        saver.save()
    except BaseException as exc:
        bar.close()
        if pending is not None and (
            appended or getattr(exc, APPENDED_ATTR, False) or _file_size(out_path) > size_before
        ):
            # the interrupt came once the video's records were on disk (during the append, which
            # keeps whole lines or none, just after it, or before its run.json entries were all
            # made): they are completed, so that the run.json saved below holds every recorded
            # video's timing
            book(pending)
        unasked.warn()
        ran = len(booked)
        _stopped(kind, method, exc, saver, len(done) + ran, len(videos), out_path)
        if isinstance(exc, WriteError):
            unit = "rows" if kind == "answer" else "videos"
            kept = f"the {len(done) + ran} {unit} recorded so far are kept" if done or ran else f"no {unit} recorded"
            raise CameraBenchError(f"{exc} ({kept}: fix this, then rerun with --resume to complete the run)") from exc
        raise
    return RunSummary(
        method=method,
        method_dir=folder.path,
        videos_total=len(videos),
        videos_run=len(todo),
        videos_skipped=len(done),
        videos_ok=info.videos_ok,
        videos_failed=info.videos_failed,
        seconds=time.perf_counter() - t0,
        unanswerable_questions=sum(booked.values()),
        failures=dict(info.failures),
        unasked_scores=unasked.count,
    )


def _file_size(path: Path) -> int:
    """The size of the records file (0 while there is none)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class _Unasked:
    """Counts the scores a method returned for questions it was not asked, for one warning per run.

    They are not recorded (no question of the run is theirs): a method keying its scores by
    another text than the question asked (a misspelling, another video's name, a Question
    object) lost them without a word, its questions recorded as failed for no score.
    """

    def __init__(self, method: str) -> None:
        self.method = method
        self.count = 0
        self.videos = 0
        self.example: tuple[str, str] | None = None
        self.warned = False
        self.seen: set[str] = set()

    def add(self, outcome: _Outcome) -> None:
        """Count a video's unasked scores (once per video: adding it again changes nothing)."""
        if outcome.unasked and outcome.video not in self.seen:
            self.seen.add(outcome.video)
            self.count += len(outcome.unasked)
            self.videos += 1
            if self.example is None:
                self.example = (outcome.video, outcome.unasked[0])

    def warn(self) -> None:
        if self.example is None or self.warned:
            return
        self.warned = True
        log.warning(
            "method %r returned %d score(s) on %d video(s) for questions it was not asked, not recorded "
            "(e.g. on %s: %s); a score is kept under the exact text of a question asked of that video",
            self.method,
            self.count,
            self.videos,
            *self.example,
        )


def _remove_stale_trajectory(folder: MethodFolder, video: str) -> None:
    """Remove the trajectory an earlier run saved for ``video``, which this run estimated none for
    (it failed on the video: a changed file, a worker that died): evaluation took that trajectory,
    of another file or run, for this run's estimate."""
    path = folder.trajectory(video)
    if not (path.is_file() or path.is_symlink()):
        return
    log.warning("%s: removing the trajectory of an earlier run: this run has none for %s", path, video)
    try:
        path.unlink()
    except OSError as exc:
        raise write_error(path, exc) from exc


def _stopped(
    kind: str, method: str, exc: BaseException, saver: _Progress, recorded: int, total: int, out_path: Path
) -> None:
    """A run stops early: keep what it did in run.json and say how to complete it."""
    try:
        saver.save()
    except WriteError as save_exc:  # the original error is the one raised; this one is reported
        log.warning("%s: not updated: %s", saver.path, save_exc)
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        why = (
            "interrupted"
            if isinstance(exc, KeyboardInterrupt)
            else "terminated (SIGTERM)"
            if isinstance(exc, _Terminated)
            else f"stopped by a call to sys.exit({exc.code!r}) (the method's, or a library's it uses)"
        )
        log.warning(
            "%s %s %s with %d of %d %s recorded in %s; continue with --resume",
            kind,
            method,
            why,
            recorded,
            total,
            "rows" if kind == "answer" else "videos",
            out_path,
        )


def run_predict(
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    workers: int | None = None,
    resume: bool = False,
    options: MethodOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
    backend: Backend = "local",
    ray: RayOptions | None = None,
    retry_failed: bool = False,
) -> RunSummary:
    """Score every labelled question of every video in ``data_dir`` with ``method``.

    When the dataset has ShotBench tables (``labels/shotbench/``), the method then answers their
    rows into ``answers.jsonl`` (``answer_run.json``); rows outside what it answers get no record
    and are counted in ``answers.unanswerable_questions``.

    Args:
        data_dir: dataset folder (design.md A3).
        method: registered method name (``camerabench.baselines.registry.METHODS``).
        out_dir: run folder; results go to ``out_dir/<method>/``.
        workers: processes (1 = in this process) with the local backend; actors for model
            methods with the Ray backend (default 1). A method run as Ray tasks (one per video)
            ignores it: given there, it is ignored with a warning.
        resume: continue an earlier run (on either backend), skipping videos already recorded
            (a multiple-choice row whose question, options, category or media changed since it
            was answered is answered again).
        retry_failed: with ``resume``, run again the videos (and multiple-choice rows) the
            earlier run recorded as failed (their records all failed: a model out of memory, a
            file that was missing); their failure records are replaced. Those of videos no longer
            in the dataset are kept, as every record of such a video is.
        options: the method's options (its ``Options`` dataclass, or a mapping of option name to
            value), validated before any video is touched.
        progress: show a progress bar (stderr).
        backend: ``local`` or ``ray``.
        ray: how the Ray backend runs (:class:`~camerabench.jobs.ray_backend.RayOptions`;
            default: a local Ray instance, one CPU per task).

    Raises:
        CameraBenchError: unknown method, invalid options, a missing dataset, an existing
            output without ``resume``, ``resume`` over another method's or dataset's run, an
            ``out_dir`` inside the dataset's videos folder, that is a method folder, or whose
            method folder is the dataset itself, or the Ray backend without Ray installed.
    """
    return _run(
        "predict", data_dir, method, out_dir, workers, resume, options, "whole", progress, backend, ray, retry_failed
    )


def run_caption(
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    mode: str = "whole",
    workers: int | None = None,
    resume: bool = False,
    options: MethodOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
    backend: Backend = "local",
    ray: RayOptions | None = None,
    retry_failed: bool = False,
) -> RunSummary:
    """Caption every video of ``data_dir`` with ``method`` into ``out_dir/<method>/captions.jsonl``.

    Arguments as :func:`run_predict`; ``mode`` is one of
    :data:`camerabench.baselines.base.CAPTION_MODES`.
    """
    if mode not in CAPTION_MODES:
        raise CameraBenchError(f"caption mode must be one of {', '.join(CAPTION_MODES)}, got {mode!r}")
    return _run(
        "caption", data_dir, method, out_dir, workers, resume, options, mode, progress, backend, ray, retry_failed
    )
