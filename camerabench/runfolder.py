"""The run-folder layout (design.md A3): the one place its file names are spelled.

A run folder ``RUN`` holds one subfolder per method::

    RUN/<method>/scores.jsonl             one ScoreRecord per (video, question)   (predict)
    RUN/<method>/run.json                 RunInfo of the predict run
    RUN/<method>/captions.jsonl           one CaptionRecord per video            (caption)
    RUN/<method>/caption_run.json         RunInfo of the caption run
    RUN/<method>/answers.jsonl            one AnswerRecord per multiple-choice row  (predict)
    RUN/<method>/answer_run.json          RunInfo of the answering pass
    RUN/<method>/trajectories/<key>.npz   estimated trajectories (geometric methods)
    RUN/<method>/calibration.json         score -> P(yes) maps per primitive    (calibrate)

where ``<key>`` is :func:`video_file_stem` of the video's name: its stem for a plain
``<stem>.mp4``, otherwise the whole name encoded, so two videos never share a file (the
dataset's ground truth ``DATA/gt/<key>.npz`` is named the same way).

:class:`MethodFolder` names those paths; the job runner writes through it and
:func:`read_run` / :func:`read_method` read through it (records via :mod:`camerabench.records`).
A method folder is any subfolder of RUN holding at least one of those files; :func:`read_run`
warns of every other entry that looks meant as one (a misspelt ``scores.json``, a nested run),
and :func:`read_method` of a second version of a run file beside it (a cloud-sync client's
``scores (conflicted copy).jsonl``) and of a subfolder holding run files (a run copied into the
method folder), neither of which is read.

Example:
    >>> folder = MethodFolder.of("runs/std", "fast")
    >>> folder.scores.as_posix(), folder.trajectory("clip.mp4").as_posix()
    ('runs/std/fast/scores.jsonl', 'runs/std/fast/trajectories/clip.npz')
    >>> folder.trajectory("clip.mov").name, folder.trajectory("a/clip.mp4").name
    ('%clip.mov.npz', '%a%2Fclip.mp4.npz')
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.fileio import path_too_long, read_error
from camerabench.locks import LOCK_FILE, lock_holder
from camerabench.records import (
    AnswerRecord,
    CaptionRecord,
    RunInfo,
    ScoreRecord,
    iter_records,
    read_run_info,
)
from camerabench.shotbench import MCQRow

__all__ = [
    "ANSWERS_FILE",
    "ANSWER_RUN_INFO_FILE",
    "ASKED_SHA256_KEY",
    "CALIBRATION_FILE",
    "CAPTIONS_FILE",
    "CAPTION_RUN_INFO_FILE",
    "FINGERPRINT_BYTES",
    "REPORT_MARKER",
    "RUN_INFO_FILE",
    "SCORES_FILE",
    "SYNTH_INCOMPLETE_FILE",
    "TRAJECTORIES_DIR",
    "UNRECORDED_COUNT_AS_MISSING",
    "JobKind",
    "MethodFolder",
    "MethodRun",
    "asked_row_sha256",
    "check_dataset_finished",
    "check_lookable",
    "check_outside_dataset",
    "folder_writer",
    "read_method",
    "read_run",
    "resolve_path",
    "unlookable",
    "video_file_stem",
    "video_fingerprint",
]

log = logging.getLogger(__name__)

SCORES_FILE = "scores.jsonl"
RUN_INFO_FILE = "run.json"
#: The file ``camerabench report`` writes first in its folder (``camerabench.eval.report``): a
#: folder holding it is a report's, which a run folder may hold (``RUN/report``) and its readers
#: pass over without a word.
REPORT_MARKER = ".camerabench-report"
CAPTIONS_FILE = "captions.jsonl"
CAPTION_RUN_INFO_FILE = "caption_run.json"
TRAJECTORIES_DIR = "trajectories"
CALIBRATION_FILE = "calibration.json"
#: Answers to multiple-choice rows (ShotBench tables), one AnswerRecord per row, and their run.json.
ANSWERS_FILE = "answers.jsonl"
ANSWER_RUN_INFO_FILE = "answer_run.json"
#: A caption run (or answering pass) stopped before its first record leaves only its run.json.
_RUN_FILES = (
    SCORES_FILE,
    CAPTIONS_FILE,
    ANSWERS_FILE,
    RUN_INFO_FILE,
    CAPTION_RUN_INFO_FILE,
    ANSWER_RUN_INFO_FILE,
    TRAJECTORIES_DIR,
)

_R = TypeVar("_R", ScoreRecord, CaptionRecord, AnswerRecord)
_K = TypeVar("_K")

#: Encoded names longer than this end in a hash of the video name instead (file names are
#: limited to 255 bytes).
_MAX_KEY_CHARS = 200


#: The file ``camerabench synth`` keeps in a dataset folder until its generation has finished.
SYNTH_INCOMPLETE_FILE = ".camerabench-synth-incomplete"


def check_dataset_finished(data: str | Path) -> None:
    """Refuse a synthetic dataset whose generation has not finished (interrupted, or running).

    Its clips, ground truth and labels are only part of the set (labels are written last), so a
    job on it would score a subset of the benchmark without a word.

    Raises:
        CameraBenchError: ``data`` holds :data:`SYNTH_INCOMPLETE_FILE`.
    """
    if (Path(data) / SYNTH_INCOMPLETE_FILE).exists():
        raise CameraBenchError(
            f"{data}: a synthetic dataset whose generation did not finish (interrupted, or still running): "
            "run camerabench synth into it again, or wait for it to finish"
        )


#: A dataset's own folders (``DATA/<name>``) and how an error names them.
_DATASET_FOLDERS = (("videos", "videos"), ("gt", "ground-truth"), ("labels", "labels"))


def check_outside_dataset(out: str | Path, data: str | Path, what: str) -> None:
    """Refuse an output folder ``out`` inside the dataset's videos, ground-truth or labels folder.

    Files written there would become videos, or break the ground truth or label folder (or be
    left out with a warning on every later run). ``what`` names the output in the error
    (``"run folder"``, ``"report folder"``, ...).

    Raises:
        CameraBenchError: ``out`` is (inside) ``DATA/videos``, ``DATA/gt`` or ``DATA/labels``.

    Example:
        >>> check_outside_dataset("runs/a", "d", "run folder")
        >>> check_outside_dataset("d/gt/r", "d", "run folder")
        Traceback (most recent call last):
        ...
        camerabench.errors.CameraBenchError: d/gt/r: the run folder is inside the dataset's ground-truth folder d/gt
    """
    resolved = resolve_path(out)
    for name, shown in _DATASET_FOLDERS:
        inside = Path(data) / name
        if resolved.is_relative_to(resolve_path(inside)):
            raise CameraBenchError(f"{out}: the {what} is inside the dataset's {shown} folder {inside}")


def unlookable(path: str | Path, exc: BaseException) -> str | None:
    """Why ``path`` cannot be looked up, for an error naming it: a link loop on the way (``exc``
    an ``ELOOP`` ``OSError``, or Python 3.11's ``RuntimeError("Symlink loop from ...")`` of
    :meth:`Path.resolve`), or a name or the whole path longer than the system takes
    (``ENAMETOOLONG``); None for any other error.

    Example:
        >>> import errno
        >>> why = unlookable("e" * 300, OSError(errno.ENAMETOOLONG, "File name too long"))
        >>> why.startswith("cannot be looked up: File name too long (the name 'eeee"), why[-59:]
        (True, '300 bytes in UTF-8, more than the 255 a file name may have)')
        >>> unlookable("x", OSError(errno.EIO, "Input/output error")) is None
        True
    """
    path = Path(path)
    code = exc.errno if isinstance(exc, OSError) else None
    if isinstance(exc, RuntimeError) or code == errno.ELOOP:
        for part in (*reversed(path.parents), path):
            if part.is_symlink() and _link_loops(part):
                where = "is" if part == path else f"runs through a link loop: {part} is"
                loop = _link_problem(part)
                return f"{where} {loop}, a link that leads back to itself: remove it, or choose another path"
        return (
            "runs through a link loop (a link that leads back to itself), or through more links in a row than the "
            "system follows: remove the link, or choose another path"
        )
    if code == errno.ENAMETOOLONG:
        hint = path_too_long(path)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"cannot be looked up: {reason}" + (f" ({hint})" if hint else "")
    return None


def check_lookable(path: str | Path) -> None:
    """Refuse a path (an ``--out``) that cannot be looked up: a link loop on the way, or a name or
    the whole path longer than the system takes (``exists()`` raised a bare ``OSError`` traceback
    for the latter). A path that is not there, or any other error, passes (the caller's own
    checks name those).

    Raises:
        CameraBenchError: naming ``path`` and why (:func:`unlookable`).
    """
    try:
        os.stat(path)
    except OSError as exc:
        problem = unlookable(path, exc)
        if problem is not None:
            raise CameraBenchError(f"{path}: {problem}") from exc


def resolve_path(path: str | Path) -> Path:
    """``path`` with its links followed (:meth:`Path.resolve`, not strict), once
    :func:`check_lookable` passed it.

    Raises:
        CameraBenchError: a link on the way leads back to itself (it was Python 3.11's bare
            ``RuntimeError: Symlink loop from ...`` traceback), naming ``path`` and the link; a
            name or the path is longer than the system takes.
    """
    check_lookable(path)
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError) as exc:  # a link loop made meanwhile
        problem = unlookable(path, exc)
        if problem is None:
            raise
        raise CameraBenchError(f"{path}: {problem}") from exc


def video_file_stem(video: str) -> str:
    """The file stem under which the per-video files of ``video`` (a name as in the labels) are kept.

    A plain name ``<stem>.mp4`` (no folder, not starting with ``%``) keeps its stem. Any other
    name (another extension, a folder prefix, no extension) is percent-encoded whole
    (:func:`urllib.parse.quote` with no safe characters, so ``/`` becomes ``%2F`` and ``%``
    ``%25``) behind a leading ``%``, which no plain stem has; ``clip.mp4``, ``clip.mov``,
    ``a/clip.mp4`` and ``b/clip.mp4`` thus get four different files. An encoded name longer
    than 200 characters is cut to 150 and ends with ``%%`` and 16 hex digits of the name's
    SHA-256 (an encoded name has ``%%`` nowhere but at its start).

    Example:
        >>> [video_file_stem(v) for v in ("clip.mp4", "clip.mov", "a/clip.mp4", "100%.mp4", "%x.mp4")]
        ['clip', '%clip.mov', '%a%2Fclip.mp4', '100%', '%%25x.mp4']
    """
    if "/" not in video and video.endswith(".mp4") and len(video) > len(".mp4") and not video.startswith("%"):
        return video[: -len(".mp4")]
    key = "%" + quote(video, safe="")
    if len(key) > _MAX_KEY_CHARS:
        key = key[:150] + "%%" + hashlib.sha256(video.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return key


#: The jobs that write into a method folder: scores, captions, answers to multiple-choice rows.
JobKind = Literal["predict", "caption", "answer"]

#: What the units (videos, rows) an unfinished job did not record are to ``evaluate`` and ``report``
#: (:func:`read_method`'s default ``unrecorded``).
UNRECORDED_COUNT_AS_MISSING: Mapping[JobKind, str] = {
    "predict": "count as missing",
    "caption": "count as missing",
    "answer": "count as missing",
}


@dataclass(frozen=True)
class MethodFolder:
    """The paths of one method's folder ``RUN/<method>``."""

    path: Path

    @classmethod
    def of(cls, run_dir: str | Path, method: str) -> MethodFolder:
        """The folder of ``method`` in run folder ``run_dir``."""
        return cls(Path(run_dir) / method)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def scores(self) -> Path:
        return self.path / SCORES_FILE

    @property
    def captions(self) -> Path:
        return self.path / CAPTIONS_FILE

    @property
    def answers(self) -> Path:
        return self.path / ANSWERS_FILE

    @property
    def run_info(self) -> Path:
        return self.path / RUN_INFO_FILE

    @property
    def caption_run_info(self) -> Path:
        return self.path / CAPTION_RUN_INFO_FILE

    @property
    def trajectories(self) -> Path:
        return self.path / TRAJECTORIES_DIR

    @property
    def calibration(self) -> Path:
        """The method's score calibration (written by ``calibrate``, read by ``evaluate``)."""
        return self.path / CALIBRATION_FILE

    def trajectory(self, video: str) -> Path:
        """Where the estimated trajectory of ``video`` (a file name as in the labels) is kept
        (named by :func:`video_file_stem`)."""
        return self.trajectories / f"{video_file_stem(video)}.npz"

    @property
    def answer_run_info(self) -> Path:
        return self.path / ANSWER_RUN_INFO_FILE

    def output(self, kind: JobKind) -> Path:
        """The records file a ``predict``, ``caption`` or ``answer`` job writes."""
        return {"predict": self.scores, "caption": self.captions, "answer": self.answers}[kind]

    def info(self, kind: JobKind) -> Path:
        """The run.json a ``predict``, ``caption`` or ``answer`` job writes."""
        return {"predict": self.run_info, "caption": self.caption_run_info, "answer": self.answer_run_info}[kind]

    def holds_outputs(self) -> bool:
        """Whether this folder holds any run file (what makes a subfolder of RUN a method folder).

        A run file that is a link to nothing counts (reading it is then an error naming it): a
        method folder whose ``scores.jsonl`` links into a moved run was left out of ``evaluate``
        without a word, as if the method had never run.
        """
        return any(_present(self.path / f) for f in _RUN_FILES)


@dataclass
class MethodRun:
    """One method's outputs in a run folder.

    Attributes:
        name: the method folder name.
        folder: ``RUN/<method>``.
        scores: (video, question) -> record (None when there is no ``scores.jsonl``).
        captions: video -> caption record (None when there is no ``captions.jsonl``).
        answers: (table or None, row index) -> answer record (None when there is no
            ``answers.jsonl``; an ok record wins over a failed one, else the later line).
        info: ``run.json`` if present.
        duplicates: number of (video, question) keys recorded more than once (an ok record
            wins over a failed one; otherwise the later line wins).
        caption_duplicates: number of videos captioned more than once (same rule).
        answer_duplicates: number of multiple-choice rows answered more than once (same rule).
        unfinished: the jobs of the folder whose run.json has no finish time (interrupted, or
            still running), in the order predict, caption, answer.
    """

    name: str
    folder: Path
    scores: dict[tuple[str, str], ScoreRecord] | None = None
    captions: dict[str, CaptionRecord] | None = None
    answers: dict[tuple[str | None, str], AnswerRecord] | None = None
    info: RunInfo | None = None
    duplicates: int = 0
    caption_duplicates: int = 0
    answer_duplicates: int = 0
    unfinished: list[JobKind] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def layout(self) -> MethodFolder:
        return MethodFolder(self.folder)

    @property
    def trajectories_dir(self) -> Path:
        return self.layout.trajectories

    def trajectory_path(self, video: str) -> Path:
        return self.layout.trajectory(video)

    @property
    def has_trajectories(self) -> bool:
        return self.trajectories_dir.is_dir() and any(self.trajectories_dir.glob("*.npz"))

    def settings(self) -> dict[str, object]:
        return dict(self.info.settings) if self.info else {}


_Record = ScoreRecord | CaptionRecord | AnswerRecord


class _MethodCheck:
    """Refuses a records file that mixes methods, or whose method is not run.json's.

    Such a file is usually two runs concatenated or a file copied from another method's
    folder; evaluating it as one method would blend two methods' numbers.
    """

    def __init__(self, path: Path, info: RunInfo | None) -> None:
        self.path, self.info = path, info
        self.first: tuple[int, str] | None = None

    def __call__(self, line: int, method: str) -> None:
        if self.first is None:
            self.first = (line, method)
            if self.info is not None and method != self.info.method:
                raise FileFormatError(
                    self.path,
                    f"a record of method {method!r}, but {RUN_INFO_FILE} beside it is a run of method "
                    f"{self.info.method!r} (a file from another method's folder?)",
                    line,
                )
        elif method != self.first[1]:
            raise FileFormatError(
                self.path,
                f"a record of method {method!r} in a file of method {self.first[1]!r} (line {self.first[0]}): "
                "one file holds one method's records (two runs concatenated?)",
                line,
            )


def _index(
    path: Path, parse: Callable[[dict[str, Any]], _R], key: Callable[[_R], _K], info: RunInfo | None, what: str
) -> tuple[dict[_K, _R], int]:
    """Records by ``key``, and how many keys are recorded more than once.

    Of two records of one key, an ok record wins over a failed one; otherwise the later line
    wins. Repeats are counted (exact repeats of a line among them) and logged.
    """
    out: dict[_K, _R] = {}
    lines: dict[_K, int] = {}  # the line of the record kept
    repeated: set[_K] = set()
    exact = 0
    conflicts: list[str] = []  # two ok records that differ: the later one is used
    check = _MethodCheck(path, info)
    for line, rec in iter_records(path, parse):
        check(line, rec.method)
        k = key(rec)
        old = out.get(k)
        if old is not None:
            repeated.add(k)
            exact += old == rec
            if old.status == "ok" and rec.status != "ok":
                continue
            if old.status == "ok" and old != rec:
                conflicts.append(f"{_key_text(k)} (lines {lines[k]} and {line})")
        out[k] = rec
        lines[k] = line
    if repeated:
        log.warning(
            "%s: %d %s recorded more than once (%d exact repeats of a line); ok records win, else the later line",
            path,
            len(repeated),
            what,
            exact,
        )
    if conflicts:  # not a repeat of one result: a number changed, and only the later one counts
        log.warning(
            "%s: %d %s recorded twice with different results, the later line used: %s%s; remove the line that "
            "is wrong (two runs' files joined? a hand edit?)",
            path,
            len(conflicts),
            what,
            "; ".join(conflicts[:5]),
            " ..." if len(conflicts) > 5 else "",
        )
    return out, len(repeated)


def _key_text(key: object) -> str:
    """A record key as the warning names it: ``video / question`` for a tuple key."""
    if isinstance(key, tuple):
        return " / ".join("-" if part is None else str(part) for part in key)
    return str(key)


def _unreadable(path: Path, exc: OSError) -> FileFormatError:
    """The error of a folder of a run that may not be read or searched (permissions)."""
    return FileFormatError(
        path, f"cannot read: {exc.strerror or exc} (fix its permissions, or move it out of the run folder)"
    )


def _present(path: Path) -> bool:
    """Whether a run file is there (a folder or a broken link in its place is then an error when read).

    A path that cannot be looked up for a passing reason (a stale NFS handle, an I/O error)
    counts as there: reading it names the file and the reason (it was a bare ``OSError``
    traceback). A folder that may not be searched raises ``PermissionError`` (the caller names
    the folder).

    Raises:
        FileFormatError: ``path`` runs through a link loop, or it or a name in it is longer than
            the system takes: it cannot be there (counted as there, ``predict --out LOOP/run``
            said the folder was "the method folder of a run").
    """
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except PermissionError:
        raise
    except OSError as exc:
        problem = unlookable(path, exc)
        if problem is not None:
            raise FileFormatError(path, problem) from exc
        return True  # the read that follows raises the error naming the file (read_error)
    return True


def read_method(folder: str | Path, unrecorded: Mapping[JobKind, str] = UNRECORDED_COUNT_AS_MISSING) -> MethodRun:
    """Read one ``RUN/<method>`` folder.

    A job whose run.json has no finish time is listed in ``unfinished``, and warned of when
    ``unrecorded`` names it: its value says what the videos (rows) it did not record are to the
    reader (to ``evaluate``: they count as missing; to ``fusion``: failures of that input).

    A predict run's ``run.json`` without ``scores.jsonl`` (a run stopped before its first
    video) reads as an empty score table, so every labelled sample is counted missing.

    Records of one key given more than once are counted (``duplicates``,
    ``caption_duplicates``, ``answer_duplicates``) and logged; an ok record wins over a failed
    one, otherwise the later line.

    A second version of a run file beside them (``scores (conflicted copy).jsonl``) and a
    subfolder holding run files (``old/scores.jsonl``, a run copied in) are not read, and are
    warned of by name.

    Raises:
        FileFormatError: a run file that is malformed or is not a file (naming its line); a
            records file that mixes methods, or whose method is not run.json's; a folder that
            may not be searched (permissions), named as :func:`read_run` names it.
    """
    layout = MethodFolder(Path(folder))
    run = MethodRun(layout.name, layout.path)
    try:
        has_info = _present(layout.run_info)
    except PermissionError as exc:  # was a PermissionError traceback when called on the folder directly
        raise _unreadable(layout.path, exc) from exc
    if has_info:
        run.info = read_run_info(layout.run_info)
    if _present(layout.scores):
        run.scores, run.duplicates = _index(
            layout.scores, ScoreRecord.from_dict, lambda r: (r.video, r.question), run.info, "(video, question) pairs"
        )
    elif run.info is not None and not _present(layout.answers):
        log.warning("%s: run.json but no %s; every labelled sample counts as missing", layout.path, SCORES_FILE)
        run.scores = {}
    if _present(layout.captions):
        run.captions, run.caption_duplicates = _index(
            layout.captions, CaptionRecord.from_dict, lambda r: r.video, run.info, "videos"
        )
    if _present(layout.answers):
        run.answers, run.answer_duplicates = _index(
            layout.answers, AnswerRecord.from_dict, lambda r: (r.table, r.index), run.info, "rows"
        )
    if _present(layout.trajectories) and not layout.trajectories.is_dir():  # else its trajectories go unevaluated
        what = _link_problem(layout.trajectories) if layout.trajectories.is_symlink() else "a file"
        raise FileFormatError(layout.trajectories, f"is {what}, not the folder of the method's trajectories")
    run.unfinished = _warn_unfinished(layout, run.info, unrecorded)
    _warn_copies(layout)
    return run


#: What a sync client or a file manager adds to a file's name when it keeps a second version of it:
#: Dropbox and Nextcloud ``scores (conflicted copy ...).jsonl``, Syncthing
#: ``scores.sync-conflict-<date>-<id>.jsonl``, Google Drive and browsers ``scores (1).jsonl``,
#: iCloud ``scores 2.jsonl``, Windows ``scores - Copy.jsonl``, macOS ``scores copy.jsonl``.
_COPY_MARK = re.compile(r"conflict|copy|^ ?\(\d+\)$|^ \d+$", re.IGNORECASE)


def _copy_of(name: str) -> str | None:
    """The run file ``name`` is a second version of (a sync client's conflict, a copy), or None.

    Example:
        >>> [_copy_of(n) for n in ("scores (conflicted copy).jsonl", "run.sync-conflict-20240101-1-AB.json")]
        ['scores.jsonl', 'run.json']
        >>> _copy_of("scores (1).jsonl"), _copy_of("scores.jsonl"), _copy_of("scores_notes.txt")
        ('scores.jsonl', None, None)
    """
    for run_file in _RUN_FILES:
        stem, dot, ext = run_file.partition(".")
        if not dot or name == run_file:
            continue
        if name.startswith(stem) and name.endswith("." + ext) and len(name) > len(run_file):
            middle = name[len(stem) : -len(ext) - 1]
            if middle[:1] in (" ", ".", "-", "_") and _COPY_MARK.search(middle):
                return run_file
    return None


def _warn_copies(layout: MethodFolder) -> None:
    """Warn of each second version of a run file in the method folder (a cloud-sync conflict copy,
    a copy made by hand): it is not read, and its records were left out without a word (two
    machines appending to one synced run leave one half of the records in each file)."""
    try:
        names = sorted(p.name for p in layout.path.iterdir())
    except OSError as exc:  # its run files were read (a folder searchable, not listable): not an error
        log.warning(
            "%s: cannot list the folder (%s): a conflicted copy of a run file beside them is not looked for",
            layout.path,
            exc.strerror or exc,
        )
        return
    for name in names:
        original = _copy_of(name)
        if original is not None:
            log.warning(
                "%s: holds %s, a second version of %s (a sync client's conflicted copy, or a copy), which is not "
                "read: only %s is; merge the records it lacks into %s (or remove the copy)",
                layout.path,
                name,
                original,
                original,
                original,
            )
    _warn_nested_runs(layout, names)


def _warn_nested_runs(layout: MethodFolder, names: list[str]) -> None:
    """Warn of each subfolder of the method folder (but its ``trajectories/``) holding run files
    (``RUN/alt/inner/scores.jsonl``: a run copied or moved into a method folder): only the method
    folder's own files are read, and that run was neither read nor mentioned. One level down:
    what the subfolder's own subfolders hold is not looked for."""
    for name in names:
        sub = layout.path / name
        if name == TRAJECTORIES_DIR or not sub.is_dir():
            continue
        held = _run_files_in(sub)
        if held is None:
            log.warning(
                "%s: holds the folder %s/, which cannot be looked into (permissions?): run files in it, if any, "
                "are not read",
                layout.path,
                name,
            )
        elif held:
            log.warning(
                "%s: holds the folder %s/ with %s, which is not read (only the method folder's own files are): "
                "a run copied into the method folder? To evaluate it, move it into the run folder as a method "
                "folder of its own (RUN/<name>/)",
                layout.path,
                name,
                ", ".join(held),
            )


def _warn_unfinished(layout: MethodFolder, info: RunInfo | None, unrecorded: Mapping[JobKind, str]) -> list[JobKind]:
    """The jobs of the folder whose run.json has no finish time: an interrupted run (or one still
    being written), whose unrecorded videos or rows would otherwise be taken without a word. Each
    job named in ``unrecorded`` is warned of, saying what its unrecorded units are to the reader."""
    passes: tuple[tuple[JobKind, Path, str, str], ...] = (
        ("predict", layout.run_info, "predict run", "videos"),
        ("caption", layout.caption_run_info, "caption run", "videos"),
        ("answer", layout.answer_run_info, "answering pass of the predict run", "rows"),
    )
    out: list[JobKind] = []
    for kind, path, what, unit in passes:
        job = info if path == layout.run_info else read_run_info(path) if _present(path) else None
        if job is not None and job.finished is None:
            out.append(kind)
            if kind in unrecorded:
                log.warning(
                    "%s: the %s did not finish (%s has no finish time: interrupted, or still running); "
                    "%s it did not record %s: complete it with --resume",
                    layout.path,
                    what,
                    path.name,
                    unit,
                    unrecorded[kind],
                )
    return out


def folder_writer(folder: str | Path) -> str | None:
    """Who is writing a method folder now: ``"pid N"`` (as :class:`~camerabench.locks.FolderInUseError`
    names it) while a running job (``predict``, ``caption``) holds its lock
    (:class:`~camerabench.locks.FolderLock`), else None.

    The lock is tested, not taken: a shared non-blocking flock, given up at once, fails only while a
    writer holds the exclusive lock (a killed writer's lock file is left unlocked: no writer).

    Example:
        >>> import tempfile
        >>> from camerabench.locks import FolderLock
        >>> folder = Path(tempfile.mkdtemp()) / "fast"
        >>> with FolderLock(folder):
        ...     folder_writer(folder) == f"pid {os.getpid()}"
        True
        >>> folder_writer(folder) is None
        True
    """
    try:
        fd = os.open(Path(folder) / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # no lock file (or a link in its place, which FolderLock refuses to take): no writer
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return lock_holder(fd)
        except OSError:  # a file system without flock: no writer can hold it (FolderLock refuses to run there)
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def read_run(run_dir: str | Path) -> dict[str, MethodRun]:
    """Every method folder of a run, by name (sorted).

    Entries of RUN that are not method folders are left out with a warning naming each and why
    (a folder holding a misspelt ``scores.json`` or ``Scores.jsonl``, a run file put directly in
    RUN, a link to nothing or a link loop), so that a method does not drop out of a report
    without a word. Hidden entries (``.name``) are left out: files silently (what the package
    writes there is hidden: lock files, a report's marker, atomic writes' temporary files, none a
    folder), folders silently unless they hold a run file (a ``.cache``, ``.git``), and a hidden
    folder that does (``RUN/.old-run/scores.jsonl``, a method renamed to hide it or a copy) with
    a warning naming it (:func:`_warn_hidden_run`). A method folder's own subfolder holding run
    files (a run copied into it, ``RUN/fast/old/scores.jsonl``) is warned of by :func:`read_method`.

    Raises:
        FileFormatError: RUN is not a folder or holds no method folder; RUN, or a folder in it,
            cannot be read (permissions); a method folder's file cannot be read.
    """
    run_dir = Path(run_dir)
    try:
        os.stat(run_dir)
    except OSError as exc:  # a stale NFS handle, a path too long: was a bare OSError traceback
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            raise read_error(run_dir, exc) from exc
    if run_dir.is_file():  # e.g. RUN/<method>/scores.jsonl given for RUN
        raise FileFormatError(run_dir, "is a file, not a run folder: pass the folder that holds RUN/<method>/")
    if not run_dir.is_dir():
        if run_dir.is_symlink():
            raise FileFormatError(run_dir, f"run folder is {_link_problem(run_dir)}")
        raise FileFormatError(run_dir, "run folder not found")
    try:
        entries = sorted(run_dir.iterdir())
    except OSError as exc:  # e.g. a folder without read permission: not "no method folder"
        raise FileFormatError(run_dir, f"cannot read the run folder: {exc.strerror or exc}") from exc
    broken = [p for p in entries if p.is_symlink() and not p.exists() and not p.name.startswith(".")]
    loops = [p for p in broken if _link_loops(p)]
    broken = [p for p in broken if p not in loops]
    if broken:  # e.g. a method folder linked from a run that has since moved: not evaluated, so said
        log.warning(
            "%s: %d link(s) to nothing left out (e.g. %s -> %s): a method folder linked from a moved or deleted run?",
            run_dir,
            len(broken),
            broken[0].name,
            os.readlink(broken[0]),
        )
    if loops:  # reading through one would fail (ELOOP): said as what it is, not as a link to nothing
        log.warning(
            "%s: %d link loop(s) left out (e.g. %s -> %s): a link that leads back to itself",
            run_dir,
            len(loops),
            loops[0].name,
            os.readlink(loops[0]),
        )
    methods: dict[str, MethodRun] = {}
    skipped: list[tuple[Path, str]] = []
    for p in entries:
        if p in broken or p in loops:
            continue
        if p.name.startswith("."):
            _warn_hidden_run(p)
            continue
        why = _not_a_method_folder(p, run_dir)
        if why is None:
            methods[p.name] = read_method(p)
        elif why:
            skipped.append((p, why))
    for p, why in skipped:  # a method folder with a misspelt file would drop out of the report unsaid
        log.warning("%s: not a method folder, left out: %s", p, why)
    _warn_copied_folders(run_dir, methods)
    if not methods:
        if MethodFolder(run_dir).holds_outputs():
            raise FileFormatError(run_dir, "is a method folder, not a run folder: pass the folder that holds it")
        hint = f" ({len(skipped)} entry(ies) left out, e.g. {skipped[0][0].name}: {skipped[0][1]})" if skipped else ""
        raise FileFormatError(run_dir, f"no method folder (RUN/<method>/scores.jsonl, captions.jsonl, ...) found{hint}")
    return methods


def _run_files_in(folder: Path) -> list[str] | None:
    """The run files (:data:`_RUN_FILES`) the folder ``folder`` holds; None when it cannot be
    looked into (permissions, a link loop, a stale handle), which the caller names."""
    try:
        return [name for name in _RUN_FILES if _present(folder / name)]
    except (OSError, FileFormatError):
        return None


def _warn_hidden_run(path: Path) -> None:
    """Warn of a hidden entry of RUN (``.old-run``, ``..alt..``) that is a folder holding run files:
    it is not evaluated, and was left out without a word. A hidden file, or a hidden folder without
    run files (``.cache``, ``.git``, ``.ipynb_checkpoints``), is passed over silently: the package's
    own hidden files (:data:`~camerabench.locks.LOCK_FILE`, :data:`REPORT_MARKER`, atomic writes'
    ``.<name>.<hex>.tmp``) are files."""
    if not path.is_dir():  # a file, or a link to nothing
        return
    held = _run_files_in(path)
    if held is None:
        log.warning(
            "%s: a hidden folder that cannot be looked into (permissions?) is left out: it is not evaluated, "
            "whatever it holds",
            path,
        )
    elif held:
        log.warning(
            "%s: a hidden folder (its name starts with '.') holding %s is not evaluated: hidden entries of a run "
            "folder are left out; rename it without the leading '.' to evaluate it as a method",
            path,
            ", ".join(held),
        )


def _records_method(run: MethodRun) -> str | None:
    """The one method a folder's run.json and records name (None when they name none, or several)."""
    names = {run.info.method} if run.info is not None else set()
    tables: tuple[Mapping[Any, _Record] | None, ...] = (run.scores, run.captions, run.answers)
    for table in tables:
        if table:  # one file holds one method's records (_MethodCheck): its first tells
            names.add(next(iter(table.values())).method)
    return names.pop() if len(names) == 1 else None


def _warn_copied_folders(run_dir: Path, methods: dict[str, MethodRun]) -> None:
    """Warn of each method folder whose run.json and records all name another method that has a
    folder of its own in the run: a copy of that folder (a sync client's ``fast (conflicted copy)``,
    ``fast.sync-conflict-...``, a file manager's ``fast - Copy`` or ``fast 2``), read as a second
    method under the copy's name. It is still read so, under its folder's name (its records may be
    ones the original lacks), and said to be one. A folder renamed from a method whose folder is
    gone (records naming ``fast`` in ``fast-v2/`` alone) is not warned of here."""
    copies = []
    for name, run in methods.items():
        named = _records_method(run)
        if named is not None and named != name and named in methods:
            copies.append((name, named))
    for name, named in copies:
        log.warning(
            "%s: every record of method folder %r names method %r, which has its own folder: it looks like a copy "
            "of %s/ (a sync client's conflicted copy, or a copy made by hand); it is read as a separate method under "
            "the folder's name %r: if it is a copy, merge into %s/ the records it lacks and remove the copy",
            run_dir,
            name,
            named,
            named,
            name,
            named,
        )


def _link_loops(path: Path) -> bool:
    """Whether the link ``path`` leads back to itself (resolving it fails with ELOOP)."""
    try:
        path.stat()
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _link_problem(path: Path) -> str:
    """What is wrong with a link that does not lead to a file or folder."""
    what = "a link loop" if _link_loops(path) else "a link to nothing"
    return f"{what} (-> {os.readlink(path)})"


#: The stems of the run files (``scores`` of ``scores.jsonl``, ...), to tell a misspelt one.
_RUN_STEMS = {name.split(".")[0]: name for name in _RUN_FILES}


def _near_run_file(name: str) -> str | None:
    """The run file ``name`` looks like a misspelling of (other case, extension), or None.

    Example:
        >>> _near_run_file("Scores.jsonl"), _near_run_file("scores.json"), _near_run_file("notes.txt")
        ('scores.jsonl', 'scores.jsonl', None)
    """
    if name in _RUN_FILES:
        return None
    lower = name.casefold()
    for run_file in _RUN_FILES:
        if lower == run_file:
            return run_file
    return _RUN_STEMS.get(lower.split(".")[0])


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _not_a_method_folder(path: Path, run_dir: Path) -> str | None:
    """Why the entry ``path`` of a run folder is not read as a method folder: None when it is one,
    ``""`` for a file that says nothing of a method (a note, a report), else the reason.

    Raises:
        FileFormatError: the entry, or the folder it is, cannot be read (permissions).
    """
    try:
        if not path.is_dir():
            near = _near_run_file(path.name) if path.name not in _RUN_FILES else path.name
            if near is not None:  # e.g. RUN/scores.jsonl: a method's files belong in RUN/<method>/
                return f"a run file directly in the run folder (expected {near} in a method folder RUN/<method>/)"
            return ""
        if MethodFolder(path).holds_outputs():
            return None
        if (path / REPORT_MARKER).is_file():  # RUN/report: a report's folder, not a misnamed method folder
            return ""
        if path.is_symlink() and run_dir.resolve().is_relative_to(path.resolve()):  # read, it would nest without end
            return f"a link to the run folder itself, or a folder above it (-> {os.readlink(path)})"
        names = sorted(q.name for q in path.iterdir())
        nested = sorted(q.name for q in path.iterdir() if q.is_dir() and MethodFolder(q).holds_outputs())
    except OSError as exc:  # a method folder that cannot be read is not left out as if absent
        if exc.errno not in (errno.EACCES, errno.EPERM):  # a stale NFS handle, an I/O error: not permissions
            raise read_error(path, exc) from exc
        raise _unreadable(path, exc) from exc
    expected = ", ".join(f for f in _RUN_FILES if f != TRAJECTORIES_DIR)
    if not names:
        return f"an empty folder (a method folder holds {expected} or {TRAJECTORIES_DIR}/)"
    misspelt = [f"{n} (for {_near_run_file(n)}?)" for n in names if _near_run_file(n) is not None]
    if misspelt:
        return f"holds {_listing(misspelt)}, not {expected}: rename the file to be evaluated"
    if nested:
        return f"holds the method folder(s) {_listing(nested)}: a run folder inside the run folder?"
    return f"holds no run file ({expected} or {TRAJECTORIES_DIR}/), only {_listing(names)}"


#: Bytes read from each end of a video file for its fingerprint (:func:`video_fingerprint`).
FINGERPRINT_BYTES = 64 * 1024


def video_fingerprint(path: Path) -> str | None:
    """SHA-256 of a video file's size and its first and last :data:`FINGERPRINT_BYTES` bytes;
    None when the file cannot be read, or is not a regular file (a named pipe, socket or device:
    the run records that video's failure itself).

    A resumed run skips the videos that have records; a dataset regenerated in place under the
    same names would keep the old videos' answers without a word, so run.json keeps this per
    video and ``--resume`` runs a changed video again. Both ends of the file: an mp4's index (the
    size of every frame) sits at one of them, so a re-encoded clip changes it; reading 128 KiB a
    video instead of the whole file keeps the check cheap on a thousand-clip benchmark. A copy or
    a move of the dataset keeps the fingerprints (unlike modification times).

    The file is opened without blocking (``O_NONBLOCK``) and looked at before it is read: a video
    replaced by a named pipe while a run goes on blocked the run's main process in ``open()`` for
    good (until a writer came), and Ctrl-C could not stop it.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     clip = Path(tmp) / "v.mp4"
        ...     _ = clip.write_bytes(b"frames")
        ...     first = video_fingerprint(clip)
        ...     _ = clip.write_bytes(b"framez")
        ...     first != video_fingerprint(clip), video_fingerprint(Path(tmp) / "missing.mp4")
        (True, None)
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe: no wait for a writer
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # a pipe, socket or device: no video file
                return None
            size = st.st_size
            digest = hashlib.sha256(str(size).encode() + b"\0" + fh.read(FINGERPRINT_BYTES))
            if size > FINGERPRINT_BYTES:
                fh.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
                digest.update(fh.read(FINGERPRINT_BYTES))
    except OSError:
        return None
    return digest.hexdigest()


#: answer_run.json's ``video_info[row]`` key for a multiple-choice row the method answered (or failed
#: on: a record): the SHA-256 of what it was asked (:func:`asked_row_sha256`). ``--resume`` answers
#: such a row again when it changed since (see :func:`_rows_changed_since_answered`).
ASKED_SHA256_KEY = "asked_sha256"


def asked_row_sha256(row: MCQRow, media: Sequence[Path]) -> str | None:
    """SHA-256 of what a method is asked with ``row``: its cells but the right answer (its table,
    index, question, options, category, media paths and types) and its media files
    (:func:`video_fingerprint`); None when a medium cannot be read.

    Not the right answer (a corrected answer is scored from the table, the reply stands), nor the
    method's settings (``--resume`` with other settings is refused) nor camerabench's version (a
    newer camerabench answers no unchanged row again): unlike :func:`answer_row_sha256`, which
    digests what a finding that the method does *not* answer a row rests on.

    Example:
        >>> import dataclasses, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     clip = Path(tmp) / "v.mp4"
        ...     _ = clip.write_bytes(b"frames")
        ...     sizes = {"A": "Wide", "B": "Close"}
        ...     row = MCQRow("0", "t", ("video",), ("v.mp4",), "Size?", sizes, "A", "shot size", 2)
        ...     first = asked_row_sha256(row, [clip])
        ...     corrected = first == asked_row_sha256(dataclasses.replace(row, answer="B"), [clip])
        ...     edited = dataclasses.replace(row, options={"A": "Wide", "B": "Medium"})
        ...     corrected, first != asked_row_sha256(edited, [clip]), asked_row_sha256(row, [Path(tmp) / "gone"])
        (True, True, None)
    """
    prints = [video_fingerprint(m) for m in media]
    if any(p is None for p in prints):
        return None
    cells = {k: v for k, v in row.to_columns().items() if k != "answer"}
    doc = {"row": {"table": row.table, **cells}, "media": prints}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
