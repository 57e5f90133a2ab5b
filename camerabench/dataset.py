"""A dataset folder (design.md A3): videos, public-format labels, optional ground truth.

```
DATA/videos/<video>.mp4
DATA/labels/binary_classification/<Primitive>.jsonl
DATA/labels/vqa_and_retrieval/<skill>/<task>.jsonl
DATA/labels/caption_data.json
DATA/labels/shotbench/<name>.tsv|.xlsx  (ShotBench multiple-choice tables; media paths relative to DATA)
DATA/gt/<video>.npz, DATA/gt/<video>.txt     (synthetic only)
DATA/manifest.json                           (synthetic only)
```

Labels are parsed on first use and cached; :meth:`Dataset.validate` parses every label file
and the manifest, lists ``videos/`` and reads every ground-truth file at once, so a job can
refuse a broken dataset before it touches a video.

``videos/`` is walked once (and cached): subfolders and symbolic links to files or folders are
followed. Left out, each kind counted in one warning: hidden files and folders and the files
other systems leave (``.DS_Store``, AppleDouble ``._clip.mp4``, ``.cache/``, ``Thumbs.db``,
``desktop.ini``, Office's ``~$clip.mp4``, Finder's ``Icon\r``); unfinished downloads
(``clip.mp4.part``, ``.crdownload``, Safari's ``clip.mp4.download/`` bundle); files without a
video extension (``notes.txt``, thumbnails). A broken or looping link, an unreadable folder, a
name holding a control character or two names that differ only in letter case are errors
naming the path.

A label must name its file: one naming a video that is not there while a file of the same stem
with another extension (``clip`` or ``clip.mp4`` for ``clip.mov``) or of the same name in a
subfolder (``clip.mp4`` for ``drone/clip.mp4``) is, or in another Unicode form (NFC in the label,
NFD as macOS writes names), is an error naming both. Labelled videos not in ``videos/`` are
counted in a warning (a run records each as failed), videos no label names in a note.

Label folders and files belong in ``labels/``: one at the dataset root (``binary_classification/``
beside ``videos/``, as the public download ships them) would never be read, and is an error.
Inside ``labels/``, every entry other than the four read there (:data:`LABEL_ENTRIES`) is named in
one warning with what it may have meant (``Binary_Classification/`` -> ``binary_classification/``,
``caption_data.jsonl`` -> ``caption_data.json``, ``Move_Up.jsonl`` ->
``binary_classification/Move_Up.jsonl``): its labels are not read. Hidden files, the files other
systems leave (``Thumbs.db``, ``desktop.ini``) and the public download's ``README.md`` are left
out quietly.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import logging
import math
import os
import posixpath
import re
import sys
import unicodedata
import urllib.parse
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from camerabench.errors import FileFormatError
from camerabench.fileio import JsonDocument, iter_jsonl_numbered, read_json_document
from camerabench.labelfiles import (
    CAPTION_QUESTION,
    CaptionItem,
    VQAPair,
    check_video_name,
    read_binary_dir,
    read_caption_file,
    read_vqa_dir,
)
from camerabench.runfolder import video_file_stem
from camerabench.shotbench import MCQRow, read_mcq_dir
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory, pose_problem
from camerabench.trajectory_formats import load_npz, read_trajectory

__all__ = ["LABEL_ENTRIES", "Dataset", "Question"]

log = logging.getLogger(__name__)

#: How many names a warning about several files lists before "and N more".
_SHOWN = 3

#: What :class:`Dataset` reads in ``labels/`` (a folder ends in ``/``); anything else there is named in a warning.
LABEL_ENTRIES = ("binary_classification/", "vqa_and_retrieval/", "caption_data.json", "shotbench/")

#: Files in ``labels/`` left out without a word: the public download's read-me (its label folder
#: holds one beside ``binary_classification/``), compared in lower case.
_LABELS_QUIET = re.compile(r"readme(\.(md|txt|rst))?")

#: How many unread entries of ``labels/`` the warning names before "and N more".
_LABELS_SHOWN = 10


@dataclass(frozen=True, order=True)
class Question:
    """A question to score on a video; ``primitive`` is set for the 15 binary questions."""

    text: str
    primitive: Primitive | None = None


class Dataset:
    """Read access to one dataset folder (labels are parsed once and cached)."""

    def __init__(self, root: str | Path) -> None:
        """Open the dataset folder ``root``.

        ``~`` is expanded (as a shell expands it for the CLI) and a relative ``root`` made absolute
        against the current folder now (:meth:`pathlib.Path.absolute`: symbolic links kept), so that
        a later ``os.chdir`` (a notebook cell) leaves the dataset this folder: it read nothing, and
        handed out video paths that no longer existed, without a word.

        Raises:
            FileFormatError: ``root`` is not there, is a file or a broken link, or cannot be read.
        """
        self.root = Path(root).expanduser().absolute()
        self._check_root()

    def _check_root(self) -> None:
        """Refuse a root that is not a readable folder (at construction, and again by :meth:`validate`)."""
        if not self.root.is_dir():
            if self.root.exists():
                raise FileFormatError(self.root, "is a file, not a dataset folder")
            what = "is a broken symbolic link" if self.root.is_symlink() else "dataset folder not found"
            raise FileFormatError(self.root, what)
        if not os.access(self.root, os.R_OK | os.X_OK):  # every look inside would fail
            raise FileFormatError(self.root, "cannot read the dataset folder (permission denied)")

    @property
    def videos_dir(self) -> Path:
        return self.root / "videos"

    @property
    def labels_dir(self) -> Path:
        return self.root / "labels"

    @property
    def gt_dir(self) -> Path:
        return self.root / "gt"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def video_path(self, video: str) -> Path:
        """``videos/<video>``; a name that would lead out of ``videos/`` is refused."""
        try:
            check_video_name(video)
        except ValueError as exc:
            raise FileFormatError(self.videos_dir, str(exc)) from exc
        if _control(video):  # NUL would fail in every open(); a newline breaks the one-line records
            raise FileFormatError(self.videos_dir, f"the video name {video!r} holds a control character")
        return self.videos_dir / video

    def _labels(self, name: str) -> Path | None:
        """``labels/<name>`` when it exists (None when it does not); ``labels`` must be a folder."""
        if self.labels_dir.exists() and not self.labels_dir.is_dir():
            raise FileFormatError(self.labels_dir, "is a file, not a folder")
        _ = self._unread_labels  # once, whichever labels are read first
        stray = self.root / name
        if stray.exists() or stray.is_symlink():  # the public download's layout: it would never be read
            raise FileFormatError(stray, f"label files are read from {self.labels_dir}: move it to labels/{name}")
        path = self.labels_dir / name
        return path if path.exists() or path.is_symlink() else None

    @functools.cached_property
    def _unread_labels(self) -> list[str]:
        """The entries of ``labels/`` not read (not one of :data:`LABEL_ENTRIES`), named in one
        warning with what each may have meant (folders end in ``/``; those with a hint first,
        :data:`_LABELS_SHOWN` at most, then "and N more"; a name that is not UTF-8 or not printable
        escaped); hidden files, other systems' files and a read-me are left out quietly.

        Raises:
            FileFormatError: ``labels/`` cannot be listed.
        """
        if not self.labels_dir.is_dir():
            return []
        try:
            entries = sorted(os.scandir(self.labels_dir), key=lambda e: e.name)
        except OSError as exc:
            raise FileFormatError(self.labels_dir, f"cannot list the folder: {exc.strerror or exc}") from exc
        read = {e.rstrip("/") for e in LABEL_ENTRIES}
        unread: list[str] = []
        for entry in entries:
            name = entry.name
            if name in read or name.startswith(".") or name.startswith("~$"):
                continue
            if name.lower() in _SYSTEM_NAMES or _LABELS_QUIET.fullmatch(name.lower()):
                continue
            if self._read_as(name, read):  # a case-insensitive file system opens it under the read name
                continue
            folder = _is_folder(entry)
            # a name that is not UTF-8 (a lone surrogate) or holds a line break is shown escaped: a UTF-8
            # log file could not write it, and a line break would split the warning
            shown = (name if name.isprintable() else ascii(name)) + ("/" if folder else "")
            hint = _label_hint(Path(entry.path), name, folder)
            unread.append(f"{shown} (did you mean {hint}?)" if hint else shown)
        if unread:
            # the likely mistakes (those with a hint) first; thousands of stray files: one bounded warning
            listed = sorted(unread, key=lambda u: "(did you mean" not in u)[:_LABELS_SHOWN]
            more = f"; and {len(unread) - len(listed)} more" if len(unread) > len(listed) else ""
            log.warning(
                "%s: %d entr%s not read: %s%s; only %s and %s are read there, by these exact names",
                self.labels_dir,
                len(unread),
                "y is" if len(unread) == 1 else "ies are",
                "; ".join(listed),
                more,
                ", ".join(LABEL_ENTRIES[:-1]),
                LABEL_ENTRIES[-1],
            )
        return unread

    def _read_as(self, name: str, read: set[str]) -> bool:
        """Whether ``labels/<name>`` is one of the entries read under another letter case (the
        same file: a case-insensitive file system)."""
        for other in read:
            if _key(other) == _key(name):
                try:
                    return os.path.samefile(self.labels_dir / name, self.labels_dir / other)
                except OSError:
                    return False
        return False

    @functools.cached_property
    def binary(self) -> dict[Primitive, list[BinaryRecord]]:
        folder = self._labels("binary_classification")
        return read_binary_dir(folder) if folder is not None else {}

    @functools.cached_property
    def vqa(self) -> dict[tuple[str, str], list[VQAPair]]:
        folder = self._labels("vqa_and_retrieval")
        return read_vqa_dir(folder) if folder is not None else {}

    @functools.cached_property
    def captions(self) -> list[CaptionItem]:
        path = self._labels("caption_data.json")
        return read_caption_file(path) if path is not None else []

    @functools.cached_property
    def mcq(self) -> dict[str, list[MCQRow]]:
        """ShotBench-format tables in ``labels/shotbench/`` by file stem (media checked to exist)."""
        folder = self._labels("shotbench")
        return read_mcq_dir(folder, data_root=self.root) if folder is not None else {}

    @functools.cached_property
    def _manifest_doc(self) -> JsonDocument | None:
        """``manifest.json`` as read (None when absent), checked (see :attr:`manifest`)."""
        if not (self.manifest_path.exists() or self.manifest_path.is_symlink()):
            return None
        doc = read_json_document(self.manifest_path)
        _check_manifest(doc)
        return doc

    @functools.cached_property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json`` (empty when absent), checked: an object whose ``clips`` list names videos."""
        doc = self._manifest_doc
        data: dict[str, Any] = doc.value if doc is not None else {}
        return data

    def validate(self) -> None:
        """Parse every label file and the manifest, list ``videos/`` and read every ground-truth
        file now (all cached for later use), so that a job refuses a broken dataset up front.

        Video names are checked across ``videos/`` and the labels (:meth:`videos`); each
        ``gt/<stem>.npz`` is read and its poses checked, it must belong to a video of the
        dataset and have as many poses as the manifest says that clip has frames. A video
        without ground truth in a dataset that has some is a warning. A (video, question) that
        two label files (binary and VQA, or two VQA task files) expect different answers to is
        an error naming both files.

        The folder is checked again as at construction (one deleted since is refused). A folder
        holding nothing a dataset holds passes here: each command refuses it with what it lacked
        (``predict``: no videos to predict; ``evaluate``: no labels).

        Raises:
            FileFormatError: the first problem found, naming the file (and line when known).
        """
        self._check_root()
        _ = self.binary, self.vqa, self.captions, self.mcq, self.manifest
        self._check_cell_answers()
        videos = self.videos()
        self._check_gt(videos)
        _ = self.known_manifest

    def _check_cell_answers(self) -> None:
        """Refuse a (video, question) that two label files expect different answers to.

        A VQA task file may ask a binary question (``Does the camera pan to the left?``) of a
        video with a binary label, and two task files may share a cell; a method answers the
        question once, so one of the two would be scored wrong whatever it answers. Each file
        is checked on its own when read; this checks them against each other.

        Raises:
            FileFormatError: naming the later file, the earlier one, the video and the question.
        """
        first: dict[tuple[str, str], tuple[Path, bool]] = {}
        binary_dir = self.labels_dir / "binary_classification"
        for prim, recs in self.binary.items():
            for r in recs:
                first.setdefault((r.image, r.question), (binary_dir / prim.file, r.label == "Yes"))
        answers = ("'No'", "'Yes'")
        for (skill, task), pairs in self.vqa.items():
            path = self.labels_dir / "vqa_and_retrieval" / skill / f"{task}.jsonl"
            for pair in pairs:
                for video, question, expected in pair.cells:
                    seen = first.setdefault((video, question), (path, expected))
                    if seen[1] != expected:
                        raise FileFormatError(
                            path,
                            f"expects {answers[expected]} from {video} to {question!r}, but {seen[0]} expects "
                            f"{answers[seen[1]]}: one of the two label files is wrong (a method answers the "
                            "question once)",
                        )

    @functools.cached_property
    def known_manifest(self) -> dict[str, Any]:
        """The manifest with only the clips of videos of the dataset (:meth:`videos`).

        A clip naming another video (a typo, or a video left out of a partial copy) is dropped
        with a warning naming it: it would otherwise be counted in the clips of its knob groups
        although nothing of it is evaluated.

        Raises:
            FileFormatError: a clip names a video of the dataset in another spelling (``./a.mp4``,
                ``A.mp4`` for ``a.mp4``), naming the manifest's line: it was left out as unknown.
        """
        manifest = self.manifest
        clips = manifest.get("clips")
        if not clips:
            return manifest
        videos = set(self.videos())
        unknown = [(i, c["video"]) for i, c in enumerate(clips) if c["video"] not in videos]
        if not unknown:
            return manifest
        folded = {unicodedata.normalize("NFC", v).casefold(): v for v in videos}
        for i, video in unknown:
            plain = posixpath.normpath(video.strip().replace("\\", "/"))
            file = plain if plain in videos else folded.get(unicodedata.normalize("NFC", plain).casefold())
            if file is not None and self._manifest_doc is not None:
                raise self._manifest_doc.error(
                    f"clips[{i}].video {video!r} is not written as the dataset's video {file!r} is; write {file!r}",
                    "clips",
                    i,
                    "video",
                )
        shown = ", ".join(f"clips[{i}] {v!r}" for i, v in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        log.warning(
            "%s: %d of %d clips name no video of the dataset (%s; no file in videos/ and no label names "
            "it); they are left out of the knob groups",
            self.manifest_path,
            len(unknown),
            len(clips),
            shown,
        )
        return {**manifest, "clips": [c for c in clips if c["video"] in videos]}

    @functools.cached_property
    def _video_files(self) -> _VideoFiles:
        """What a walk of ``videos/`` finds (see the module)."""
        files = _VideoFiles({}, [], [])
        if not (self.videos_dir.exists() or self.videos_dir.is_symlink()):
            return files
        if not self.videos_dir.is_dir():
            what = "is a broken symbolic link" if not self.videos_dir.exists() else "is a file, not a folder"
            raise FileFormatError(self.videos_dir, what)
        _walk_videos(self.videos_dir, "", {os.path.realpath(self.videos_dir)}, files, _video_extensions())
        by_file: dict[str, list[str]] = {}
        for name, real in files.found.items():
            by_file.setdefault(real, []).append(name)
        for names in by_file.values():
            if len(names) > 1:  # a link to another clip, or one folder linked twice
                log.warning(
                    "%s: %s are the same file (through a symbolic link); it is scored under each name",
                    self.videos_dir,
                    " and ".join(repr(n) for n in sorted(names)),
                )
        return files

    def _label_videos(self) -> dict[str, Path]:
        """Every video named by a label file -> the (first) label file naming it."""
        out: dict[str, Path] = {}
        binary_dir = self.labels_dir / "binary_classification"
        for prim, recs in self.binary.items():
            path = binary_dir / prim.file  # one path per file (a path per record took seconds on big sets)
            for r in recs:
                out.setdefault(r.image, path)
        for (skill, task), pairs in self.vqa.items():
            path = self.labels_dir / "vqa_and_retrieval" / skill / f"{task}.jsonl"
            for pair in pairs:
                for image in pair.images:
                    out.setdefault(image, path)
        path = self.labels_dir / "caption_data.json"
        for c in self.captions:
            out.setdefault(c.video, path)
        return out

    def videos(self) -> list[str]:
        """Every video named by a label file or present in ``videos/`` (subfolders included, as
        ``sub/clip.mp4``; hidden files and folders and files without a video extension left
        out unless a label names them, the latter two with a warning), sorted.

        Raises:
            FileFormatError: ``videos/`` holds a broken link, a link loop, an unreadable folder or
                a name with a control character; a label names a video in another spelling than
                its file (``./clip.mp4``, ``sub//clip.mp4``, a trailing space, ``\\`` for ``/``,
                ``CLIP.MP4`` for ``clip.mp4``: that label file and line is named) or a folder; or
                two names differ only in letter case or Unicode form (their per-video files would be
                one file on macOS and Windows).
        """
        return list(self._videos)

    @functools.cached_property
    def _videos(self) -> list[str]:
        files = self._video_files
        named = self._label_videos()
        near = _NearNames(files.found)
        for video, label_file in named.items():
            problem = self._label_name_problem(video, files.found) or self._other_file(video, files.found, near)
            if problem is not None:
                raise FileFormatError(label_file, f"the video {video!r} {problem}", _line_naming(label_file, video))
        names = sorted(set(files.found) | set(named))
        folded: dict[str, str] = {}
        for name in names:
            key = unicodedata.normalize("NFC", name).casefold()
            if key in folded:
                other = folded[key]
                where = named.get(name) or named.get(other) or self.videos_dir
                label, file = (name, other) if other in files.found else (other, name)
                if label.casefold() == file.casefold() and label not in files.found and file in files.found:
                    # a label naming its video in other letter case than the file there (not two videos):
                    # the label file naming the spelling that is not on disk, as the ShotBench loader says it
                    raise FileFormatError(
                        named[label],
                        f"the video {label!r} is not in {self.videos_dir}; the file there is {file!r} (other "
                        f"letter case): write {file!r} in the label file, or rename the file",
                        _line_naming(named[label], label),
                    )
                if label.casefold() != file.casefold() and label not in files.found and file in files.found:
                    # a label written in NFC for a file macOS named in NFD (or the other way round)
                    raise FileFormatError(
                        named[label],
                        f"the video {label!a} is written in another Unicode form than its file {file!a} in "
                        f"{self.videos_dir} (macOS writes names decomposed, NFD): write the name as the file "
                        "is, or rename the file",
                        _line_naming(named[label], label),
                    )
                how = "letter case" if name.casefold() == other.casefold() else f"Unicode form ({other!a}, {name!a})"
                raise FileFormatError(
                    where,
                    f"the videos {other!r} and {name!r} differ only in {how}: their per-video files would be "
                    "one file on macOS and Windows; rename one",
                    _line_naming(where, _pick(where, (name, other), named, files.found)),
                )
            folded[key] = name
        others = [name for name in files.others if name not in named]
        if others:  # README, subtitles, thumbnails beside the clips: not videos
            log.warning(
                "%s: %d file(s) without a video extension left out: %s (video extensions: %s)",
                self.videos_dir,
                len(others),
                _names(others),
                " ".join(sorted(_video_extensions())),
            )
        self._warn_left_out(files, named)
        return names

    def _warn_left_out(self, files: _VideoFiles, named: dict[str, Path]) -> None:
        """Count what the walk left out and what the labels and files miss of each other."""
        parts = []
        hidden = [name for name in files.hidden if name not in named]
        if hidden:  # a clip hidden by hand looks like one: say it is not scored
            parts.append(f"hidden file(s) {_names(hidden)} left out (rename them to score them)")
        system = [name for name in files.system if name not in named]
        if system:  # a copy through macOS or Windows: one line, however many there are
            parts.append(f"{len(system)} hidden or system file(s) left out, not videos: {_names(system)}")
        if parts:
            log.warning("%s: %s", self.videos_dir, "; ".join(parts))
        missing = [v for v in named if v not in files.found and not os.path.lexists(self.videos_dir / v)]
        partial = [name for name in files.partial if name not in named]
        if partial:
            stems = {posixpath.splitext(name)[0] for name in partial}
            waiting = [v for v in missing if v in stems]
            log.warning(
                "%s: %d unfinished download(s) left out: %s (finish or delete them)%s",
                self.videos_dir,
                len(partial),
                _names(partial),
                f"; labels name {len(waiting)} of them: {_names(waiting)}" if waiting else "",
            )
        if missing:  # each is recorded as a failed prediction: say so before the run
            log.warning(
                "%s: %d of %d videos the labels name are not there: %s; a run records each as failed "
                "(video file not found)",
                self.videos_dir,
                len(missing),
                len(named),
                _names(sorted(missing)),
            )
        if named and files.found:
            media = {p.removeprefix("videos/") for rows in self.mcq.values() for row in rows for p in row.paths}
            unlabelled = [v for v in files.found if v not in named and v not in media]
            if unlabelled:  # a dataset of one's own clips, a few labelled: a note, not a problem
                log.info(
                    "%s: %d of %d video files are named by no label file: %s; they are run, but no label scores them",
                    self.videos_dir,
                    len(unlabelled),
                    len(files.found),
                    _names(sorted(unlabelled)),
                )

    def _label_name_problem(self, video: str, files: Container[str]) -> str | None:
        """Why a label's video name would not name its file, or None."""
        if _control(video):
            return "holds a control character"
        if video != video.strip():
            return "begins or ends with a space"
        if video != posixpath.normpath(video) or video.endswith("/"):
            return f"is not written as its file is (write {posixpath.normpath(video)!r})"
        path = self.videos_dir / video
        try:
            there, is_dir = path.exists() or path.is_symlink(), path.is_dir()
        except OSError as exc:  # a path longer than the system allows (ENAMETOOLONG) stopped validate
            return f"cannot be looked up in {self.videos_dir} ({exc.strerror or exc})"
        if "\\" in video and not there:
            return "separates folders with '\\'; write '/'"
        if video not in files and is_dir:
            return f"is a folder in {self.videos_dir}, not a video file"
        return None

    def _other_file(self, video: str, files: Container[str], near: _NearNames) -> str | None:
        """A label naming no file while a file of its stem with another extension, or of its name
        in another folder, is there: which file(s), or None."""
        if video in files or os.path.lexists(self.videos_dir / video):
            return None
        plain = urllib.parse.unquote(video)
        if plain != video and plain in files:  # "my%20clip.mp4", copied from a URL: was counted missing
            return f"is percent-encoded (as in a URL), its file is {plain!r}: write {plain!r} in the label file"
        found = near.of(video)
        if not found:
            return None
        if len(found) == 1:
            return (
                f"is not in {self.videos_dir}, but {found[0]!r} is: write {found[0]!r} in the label file, or "
                f"move the file to videos/{video}"
            )
        shown = " and ".join(repr(f) for f in found)
        return f"is not in {self.videos_dir}, but {shown} are: write the name of its file in the label file"

    def _check_gt(self, videos: list[str]) -> None:
        """Read every ``gt/`` file (see :meth:`validate`)."""
        gt = self.gt_dir
        if not (gt.exists() or gt.is_symlink()):
            return
        if not gt.is_dir():
            raise FileFormatError(gt, "is a broken symbolic link" if not gt.exists() else "is a file, not a folder")
        stems = {video_file_stem(v): v for v in videos}
        frames = {
            c["video"]: c["frames"]
            for c in self.manifest.get("clips", [])
            if isinstance(c.get("frames"), int) and not isinstance(c.get("frames"), bool)
        }
        npz: set[str] = set()
        other: list[str] = []
        try:
            entries = sorted(gt.iterdir())
        except OSError as exc:
            raise FileFormatError(gt, f"cannot list the folder: {exc.strerror or exc}") from exc
        names = {p.name for p in entries}
        for path in entries:
            if path.name.startswith("."):
                continue
            if path.is_dir():
                raise FileFormatError(
                    path, "a folder: ground-truth files sit directly in gt/ as <stem>.npz (see video_file_stem)"
                )
            if path.suffix.lower() not in (".npz", ".txt"):
                other.append(path.name)  # notes, or ground truth in a format not read here: say so
                continue
            if path.suffix not in (".npz", ".txt"):
                raise FileFormatError(
                    path, f"ground-truth files end in '.npz' or '.txt' (lower case), not {path.suffix!r}"
                )
            _check_gt_file(path)
            if path.suffix == ".txt" and f"{path.stem}.npz" in names:
                continue  # a TUM copy of the .npz beside it (what evo users read); not used here
            video = stems.get(path.stem)
            if video is None and videos:
                raise FileFormatError(
                    path, f"ground truth of no video in the dataset: {_expected_video(path.stem, path.suffix, videos)}"
                )
            traj = self._read_gt(path) if path.suffix == ".npz" else read_trajectory(path, "tum")
            npz.add(path.stem)
            if video is not None and video in frames and len(traj) != frames[video]:
                raise FileFormatError(
                    path, f"{len(traj)} poses, but {self.manifest_path.name} says {video!r} has {frames[video]} frames"
                )
        if other:
            log.warning("%s: %s not a ground-truth file (<stem>.npz or <stem>.txt); not read", gt, _names(other))
        missing = [v for v in videos if video_file_stem(v) not in npz]
        if npz and missing:
            log.warning(
                "%s: no ground truth for %d of %d videos (%s); their trajectories are not evaluated",
                gt,
                len(missing),
                len(videos),
                _names(missing),
            )

    @staticmethod
    def _read_gt(path: Path) -> Trajectory:
        traj = load_npz(path)
        problem = pose_problem(traj)
        if problem is not None:
            raise FileFormatError(path, problem)
        return traj

    def questions(self) -> dict[str, list[Question]]:
        """Video -> the distinct questions its labels ask (binary and VQA), sorted.

        Videos with no labelled question get the 15 binary questions, so every video in
        ``videos/`` is scored.
        """
        out: dict[str, set[Question]] = {v: set() for v in self.videos()}
        for prim, recs in self.binary.items():
            for r in recs:
                out[r.image].add(Question(prim.question, prim))
        for pairs in self.vqa.values():
            for pair in pairs:
                for video, text, _ in pair.cells:
                    out[video].add(Question(text, Primitive.from_question(text)))
        default = {Question(p.question, p) for p in Primitive}
        return {v: sorted(qs or default, key=lambda q: q.text) for v, qs in out.items()}

    def caption_question(self) -> str:
        return self.captions[0].question if self.captions else CAPTION_QUESTION

    def gt_trajectory(self, video: str) -> Trajectory | None:
        """Ground truth ``gt/<name>.npz`` if present, else None (``<name>``: :func:`video_file_stem`).

        Raises:
            FileFormatError: the file cannot be read, or its poses are not rigid, finite and in
                time order (:func:`~camerabench.trajectory.pose_problem`).
        """
        path = self.gt_dir / f"{video_file_stem(video)}.npz"
        if not (path.exists() or path.is_symlink()):
            return None
        _check_gt_file(path)
        return self._read_gt(path)


def _pick(where: Path, names: tuple[str, str], named: dict[str, Path], found: Container[str]) -> str:
    """Of two names that differ only in case or Unicode form, the one ``where`` (a label file)
    names whose file is not there (the misspelt one), else either that it names."""
    mine = [n for n in names if named.get(n) == where] or list(names)
    return next((n for n in mine if n not in found), mine[0])


def _line_naming(label_file: Path, video: str) -> int | None:
    """The first line of ``label_file`` (a label file already read) that names ``video``, for
    the ``path:N:`` of an error about that name (a user searched a file of thousands of lines
    for a name that differs from the right one by a space or a letter's case); None when there
    is none (``videos/``, a folder)."""
    if label_file.suffix == ".json":
        doc = read_json_document(label_file)
        if isinstance(doc.value, list):
            for i, item in enumerate(doc.value):
                if isinstance(item, dict) and item.get("video") == video:
                    return doc.line_of(i, "video")
        return None
    if label_file.suffix != ".jsonl" or not label_file.is_file():
        return None
    for line, rec in iter_jsonl_numbered(label_file, dict):
        if video in (rec.get("image"), rec.get("pos_video"), rec.get("neg_video")):
            return line
    return None


def _check_gt_file(path: Path) -> None:
    """Refuse a ground-truth path that is not a file (a broken link, a pipe)."""
    if not path.is_file():
        what = "a broken symbolic link" if not path.exists() else "not a regular file"
        raise FileFormatError(path, f"is {what}, not a ground-truth file")


def _control(name: str) -> bool:
    """Whether ``name`` holds a control character (a newline, a tab, NUL, ...)."""
    return any(unicodedata.category(ch) == "Cc" for ch in name)


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    return shown if len(names) <= _SHOWN else f"{shown} and {len(names) - _SHOWN} more"


def _expected_video(stem: str, suffix: str, videos: list[str]) -> str:
    """What a ``gt/<stem><suffix>`` file is missing, naming the file name a video of that stem needs
    (with the file's own suffix: a ``.txt`` was told to end in ``'.npz'``), and why: a video in a
    subfolder of ``videos/`` or without the ``.mp4`` extension has its whole name, percent-encoded,
    as its stem (:func:`~camerabench.runfolder.video_file_stem`)."""
    near = [v for v in videos if Path(v).stem == stem or v == stem]
    if near:
        video = near[0]
        named = f"the ground truth of {video!r} is named {video_file_stem(video)!r} + {suffix!r}"
        if "/" in video:
            kind = "in a subfolder of videos/"
        elif not video.endswith(".mp4"):
            kind = "not a '.mp4' file"
        else:
            return named
        return (
            f"{named}: a video {kind} has its whole name, percent-encoded, as its stem, not {stem!r} "
            "(see video_file_stem)"
        )
    return f"no video is named {stem + '.mp4'!r} (ground truth is gt/<stem>.npz or gt/<stem>.txt, see video_file_stem)"


@dataclass
class _VideoFiles:
    """A walk of ``videos/``: video files (name -> real path), and the names left out."""

    found: dict[str, str]
    others: list[str]  # files without a video extension
    hidden: list[str]  # hidden files with a video extension (not AppleDouble ``._`` files)
    system: list[str] = dataclasses.field(default_factory=list)  # hidden and other systems' files
    partial: list[str] = dataclasses.field(default_factory=list)  # unfinished downloads


#: Files Windows and macOS leave in folders (compared in lower case): never videos.
_SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r"})

#: What browsers and download tools name a file (or Safari a folder) while it downloads.
_PARTIAL_SUFFIXES = frozenset(
    {".part", ".partial", ".crdownload", ".download", ".opdownload", ".filepart", ".aria2", ".!qb", ".!ut"}
)


class _NearNames:
    """The files a label naming no file may mean: its stem with another extension in its folder
    (``clip``, ``clip.mp4`` -> ``clip.mov``), or its name at the top or in a subfolder
    (``clip.mp4`` -> ``drone/clip.mp4``; ``drone/clip.mp4`` -> ``clip.mp4``)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.by_stem: dict[str, list[str]] = {}
        self.by_base: dict[str, list[str]] = {}
        for name in sorted(files):
            self.by_stem.setdefault(_key(_stem(name)), []).append(name)
            self.by_base.setdefault(_key(posixpath.basename(name)), []).append(name)

    def of(self, video: str) -> list[str]:
        same = _key(video)  # the same name in other letter case or Unicode form: Dataset._videos names it
        found = [f for f in self.by_stem.get(_key(_stem(video)), []) if _key(f) != same]
        base = posixpath.basename(video)
        found += [
            f
            for f in self.by_base.get(_key(base), [])
            if ("/" in f) != ("/" in video) and _key(f) != same and f not in found
        ]
        return sorted(found)


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _stem(name: str) -> str:
    """``name`` without its video extension (``sub/clip.MOV`` -> ``sub/clip``; ``clip`` as it is)."""
    root, ext = posixpath.splitext(name)
    return root if ext.lower() in _video_extensions() else name


def _video_extensions() -> frozenset[str]:
    from camerabench.video import VIDEO_EXTENSIONS  # imported here: it loads PyAV

    return VIDEO_EXTENSIONS


def _walk_videos(
    folder: Path, prefix: str, ancestors: set[str], files: _VideoFiles, extensions: frozenset[str]
) -> None:
    """Add the files under ``folder`` (named ``prefix`` + relative path) to ``files``.

    Symbolic links are followed; ``ancestors`` (the real paths of the folders above) catch a
    link back up the tree, which would never end.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise FileFormatError(folder, f"cannot list the folder: {exc.strerror or exc}") from exc
    for entry in entries:
        path, name = Path(entry.path), prefix + entry.name
        is_video = Path(entry.name).suffix.lower() in extensions
        if entry.name.startswith("."):  # .DS_Store, AppleDouble ._clip.mp4, .cache/: never videos
            if is_video and not entry.name.startswith("._"):
                files.hidden.append(name)
            else:
                files.system.append(name + "/" if _is_folder(entry) else name)
            continue
        if entry.name.lower() in _SYSTEM_NAMES or entry.name.startswith("~$"):  # Office's owner file ~$clip.mp4
            files.system.append(name)
            continue
        if _control(entry.name):
            raise FileFormatError(folder, f"the file name {entry.name!r} holds a control character; rename it")
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            raise FileFormatError(folder, _not_utf8(entry.name)) from None
        try:
            is_dir, is_file = entry.is_dir(), entry.is_file()
            if entry.is_symlink() and not (is_dir or is_file):
                os.stat(path)  # raises for a link that leads nowhere or loops
        except OSError as exc:
            raise FileFormatError(path, f"a broken symbolic link ({exc.strerror or exc})") from exc
        if Path(entry.name).suffix.lower() in _PARTIAL_SUFFIXES:  # Safari's clip.mp4.download/ holds clip.mp4
            files.partial.append(name)
        elif is_dir:
            real = os.path.realpath(path)
            if real in ancestors:
                raise FileFormatError(path, f"a symbolic link to {real}, a folder above it: the folder tree never ends")
            _walk_videos(path, name + "/", ancestors | {real}, files, extensions)
        elif not is_file:
            raise FileFormatError(path, "not a regular file (a pipe, socket or device)")
        elif is_video:
            files.found[name] = os.path.realpath(path)
        else:
            files.others.append(name)


def _label_hint(path: Path, name: str, folder: bool) -> str | None:
    """What an unread entry ``name`` of ``labels/`` may have meant: a read entry in another case
    or with another extension, a primitive's file or a table out of its folder, a folder holding
    a read file, or a read name it is close to; None when nothing fits."""
    key, stem = _key(name), _key(posixpath.splitext(name)[0])
    for entry in LABEL_ENTRIES:
        own = _key(entry.rstrip("/"))
        if key == own or stem == posixpath.splitext(own)[0]:
            return entry
    primitives = {_key(p.value): p for p in Primitive}
    if not folder and stem in primitives:
        return f"binary_classification/{primitives[stem].file}"
    if not folder and posixpath.splitext(key)[1] in (".tsv", ".xlsx"):
        return f"shotbench/{name}"
    if folder:
        try:
            inside = sorted(p.name for p in path.iterdir())
        except OSError:
            inside = []
        for entry in LABEL_ENTRIES:
            if entry.rstrip("/") in inside:
                return f"{entry} directly in labels/"
        if any(_key(posixpath.splitext(n)[0]) in primitives for n in inside):
            return "binary_classification/"
    close = difflib.get_close_matches(key, [_key(e.rstrip("/")) for e in LABEL_ENTRIES], n=1, cutoff=0.75)
    return next((e for e in LABEL_ENTRIES if close and _key(e.rstrip("/")) == close[0]), None)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a hidden entry is a folder (shown with a ``/``); a broken link is not."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _knob_value(value: Any) -> bool:
    """Whether a knob value is one the per-knob evaluation reads right (it tests truth): a
    boolean, null or a finite number; not a string ("false" would count as on) nor NaN."""
    if value is None or isinstance(value, bool):
        return True
    return isinstance(value, int | float) and math.isfinite(value)


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: The knob group of the clips with no knob on (:data:`camerabench.eval.knobs.NO_KNOB`): no knob may
#: be named so.
_NO_KNOB = "none"


def _check_manifest(doc: JsonDocument) -> None:
    """A manifest is an object; its ``clips``, when present, a list of objects each naming a
    different video.

    A clip's ``frames``, when it is a number or a string, is an integer >= 1 (ground truth must
    have that many poses; an object there is a source frame range, as in the real-footage
    clips). A clip's ``knobs`` (when present) is an object of booleans (null or finite numbers
    accepted), none of which named ``none`` (the group of the clean clips) is on, and its
    ``failure_mode`` a string or null: the per-knob evaluation reads them
    (:func:`camerabench.eval.knobs.clip_groups`, which refuses the same, but only once every
    method has been evaluated).
    """
    if not isinstance(doc.value, dict):
        raise doc.error(f"the manifest must hold a JSON object, got {type(doc.value).__name__}")
    if "clips" not in doc.value:
        return
    clips = doc.value["clips"]
    if not isinstance(clips, list):
        raise doc.error(f"'clips' must be a list, got {type(clips).__name__}", "clips")
    first: dict[str, int] = {}
    for i, clip in enumerate(clips):
        if not isinstance(clip, dict):
            raise doc.error(f"clips[{i}] must be an object, got {type(clip).__name__}", "clips", i)
        try:
            video = check_video_name(clip.get("video"), f"clips[{i}].video")
        except ValueError as exc:
            raise doc.error(str(exc), "clips", i) from exc
        if video in first:
            raise doc.error(f"clips[{i}] repeats the video {video!r} of clips[{first[video]}]", "clips", i)
        first[video] = i
        frames = clip.get("frames")
        if isinstance(frames, bool | int | float | str) and (isinstance(frames, bool | float | str) or frames < 1):
            # a count (the ground-truth pose count is checked against it, Dataset.validate); an
            # object is a source frame range (the real-footage clips' manifest) and is left alone
            raise doc.error(f"clips[{i}].frames must be an integer >= 1, got {_show(frames)}", "clips", i, "frames")
        knobs = clip.get("knobs")
        if knobs is not None and not isinstance(knobs, dict):
            raise doc.error(f"clips[{i}].knobs must be an object, got {type(knobs).__name__}", "clips", i, "knobs")
        for name, value in (knobs or {}).items():
            if not _knob_value(value):
                raise doc.error(
                    f"clips[{i}].knobs[{name!r}] must be true or false, got {_show(value)}", "clips", i, "knobs", name
                )
            if name == _NO_KNOB and value:
                # the per-knob evaluation refused it only once every method had been evaluated
                raise doc.error(
                    f"clips[{i}].knobs[{name!r}] is turned on, but {_NO_KNOB!r} is the name of the group of clips "
                    "with no knob on (the clean clips): rename the knob",
                    "clips",
                    i,
                    "knobs",
                    name,
                )
        mode = clip.get("failure_mode")
        if mode is not None and not isinstance(mode, str):
            raise doc.error(
                f"clips[{i}].failure_mode must be a string or null, got {type(mode).__name__}",
                "clips",
                i,
                "failure_mode",
            )


def _not_utf8(name: str) -> str:
    """Why the file name ``name`` (as this process decoded it) cannot be used: not UTF-8 on disk, or
    UTF-8 on disk read by a process whose file-system encoding is not (``LC_ALL=C`` with
    ``PYTHONUTF8=0``: every non-ASCII name then looks undecodable)."""
    raw = os.fsencode(name)
    encoding = sys.getfilesystemencoding()
    try:
        readable = raw.decode("utf-8")
    except UnicodeDecodeError:
        return f"the file name {name!a} is not valid UTF-8; rename it"
    return (
        f"the file name {readable!a} is UTF-8, but this Python reads file names as {encoding} (its locale: "
        "LC_ALL/LANG=C with PYTHONUTF8=0?); run with PYTHONUTF8=1 or LANG=C.UTF-8"
    )
