"""Cross-fitting folds by video: the one assignment calibration and fusion share.

Methods fitted on a labelled dataset (score calibration, the fusion model) are evaluated on the
same dataset with video-level cross-fitting: each video is scored by a model that never saw it.
The folds must be the same for every piece fitted on a dataset, so they come from here.

Whether a video is one the model was fitted on is decided by the video's content and its labels
(:func:`content_prints`, :func:`label_digests`, :func:`held_out_videos`), not only by the
dataset's folder: a training dataset that was moved or copied keeps its videos and labels, and
its videos must still get the model of the fold that left them out; another dataset with the
same names and labels (another synthetic seed) holds other clips, which get the full model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import numbers
import os
import stat
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from camerabench.errors import CameraBenchError, FileFormatError

log = logging.getLogger(__name__)

#: How many unreadable files a warning names before "and N more".
_SHOWN = 3

__all__ = [
    "binary_values",
    "clip_names",
    "content_prints",
    "held_out_videos",
    "label_digests",
    "same_file_keys",
    "same_print",
    "scored_prints",
    "training_files",
    "training_prints",
    "video_folds",
]


def _missing(value: object) -> bool:
    """None, a float NaN or pandas' ``NA`` (only a loaded pandas can have made one)."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return True
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NA


def binary_values(values: ArrayLike, name: str) -> NDArray[np.bool_]:
    """``values`` (labels, ok flags) as booleans: they must be booleans or the numbers 0 and 1. The
    one check of binary labels and flags: AP, calibration, VQA, failure policies and fusion all use it.

    Accepted: numpy or Python booleans, 0/1 integers or floats (in a numeric array or an object
    array, such as a pandas column), a pandas ``boolean`` column without a missing value. The
    shape is kept as given (a (P, 4) block of VQA ok flags stays (P, 4)): each caller checks the
    shape it needs.

    Raises:
        ValueError: any other value (``"No"``, ``"failed"``, 2, 0.5, NaN, None, ``pd.NA``, a masked
            entry of a numpy masked array): cast to bool it would silently be True. The message
            names ``name``, the first bad value and its position (in the values as given: ``[True,
            "x"]`` is blamed at position 1, though numpy would turn every item into a string). Also
            a ragged nest of lists (no array shape), naming ``name``.

    >>> binary_values([1, 0.0, True], "labels").tolist()
    [True, False, True]
    """
    try:
        a = np.asarray(values)
    except ValueError as e:  # a ragged nest of lists: numpy's message does not say which values
        raise ValueError(f"{name} must be an array of booleans (or 0 and 1) of one shape: {e}") from e
    if a.dtype.kind in "US" and not isinstance(values, np.ndarray):
        # numpy turned every item into a string ([True, "x"] -> ['True', 'x']): look at the items as given
        as_given = np.asarray(values, dtype=object)
        if as_given.shape == a.shape:
            a = as_given
    masked = np.ma.getmaskarray(values) if np.ma.isMaskedArray(values) else None
    if masked is not None and masked.any():
        at = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(masked.ravel())[0]), masked.shape))
        where = f"position {at[0]}" if len(at) == 1 else f"position {at}" if at else "the value"
        raise ValueError(
            f"{name} must be booleans (or 0 and 1): {where} is a missing (masked) value "
            "(its hidden value would silently be used)"
        )
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iuf":
        good = (a == 0) | (a == 1)
    elif a.dtype == object:
        numbers = (bool, int, float, np.bool_, np.integer, np.floating)
        good = np.array([isinstance(v, numbers) and v in (0, 1) for v in a.flat], dtype=bool).reshape(a.shape)
    else:
        good = np.zeros(a.shape, dtype=bool)
    if not good.all():
        at = tuple(int(i) for i in np.unravel_index(int(np.flatnonzero(~good.ravel())[0]), a.shape))
        value = a[at].item() if isinstance(a[at], np.generic) else a[at]
        where = f"position {at[0]}" if len(at) == 1 else f"position {at}" if at else "the value"
        what = f"a missing value ({value!r})" if _missing(value) else f"{value!r}"
        raise ValueError(
            f"{name} must be booleans (or 0 and 1): {where} is {what} (cast to bool it would silently be True)"
        )
    return a.astype(np.float64).astype(bool) if a.dtype == object else a.astype(bool)


class _FoldArgumentError(CameraBenchError, ValueError):
    """A bad argument of :func:`video_folds` (a ValueError too, as it was)."""


def same_file_keys(paths: Mapping[str, str | os.PathLike[str]]) -> dict[str, str]:
    """Video -> the identity of its clip: names of one file (a symbolic or hard link to another
    clip of ``videos/``, which the dataset scores under each name) share a key, and so do copies
    of one file (byte-identical files: a clip copied under another name is the same clip, and
    must never be in a training and a test fold at once: calibrated no-signal scores looked well
    calibrated when each clip's twin was in another fold). A name without a file is its own
    key; so is one whose file system numbers no file (inode 0), unless a copy of its file is
    among ``paths``. For ``video_folds(..., same_clip=)``; :func:`training_files` matches a key
    of copies to each of its files.

    A key is ``file:<dev>:<inode>`` for a file, ``file:<dev>:<inode>+<dev>:<inode>...`` (every
    file of the group, sorted) for copies of one content, ``name:<video>`` for a name alone.
    Copies are found cheaply: only files of equal size are compared by
    :func:`~camerabench.runfolder.video_fingerprint` (their size and first and last 64 KiB),
    and only files of equal fingerprint are read whole (SHA-256) to confirm it. An empty file
    (no clip) and what is not a regular file (a pipe, a device: never opened) are never
    compared. A file of the same size as another that cannot be read (no permission now, an I/O
    error) may be a copy of any file of its size: all the files of that size are one clip then
    (never a copy in a training and a test fold), with a warning naming it; the others are
    compared as ever.

    Raises:
        FileFormatError: a path that cannot be looked at (no permission, a link loop).

    Example:
        >>> keys = same_file_keys({"a.mp4": "/no/such/a.mp4", "b.mp4": "/no/such/b.mp4"})
        >>> keys["a.mp4"] != keys["b.mp4"]
        True
    """
    out: dict[str, str] = {}
    regular: dict[str, tuple[int, str | None]] = {}  # video -> (size, file id or None for inode 0)
    for video, path in paths.items():
        try:
            st = os.stat(path)  # follows symbolic links: a link and its target are one (device, inode)
        except (FileNotFoundError, NotADirectoryError, ValueError):
            # no file (yet), or a name no file can have (NUL): only its name identifies it
            out[video] = f"name:{video}"
            continue
        except OSError as exc:  # a raw PermissionError or ELOOP out of calibration or fusion
            raise FileFormatError(
                os.fspath(path), f"cannot tell whether video {video!r} is another video's file: {exc.strerror or exc}"
            ) from exc
        # st_ino identifies a file only when it is not 0 (Python's os.stat_result: some network and
        # FUSE file systems give 0 to every file): "file:<dev>:0" made every video one clip
        file_id = f"{st.st_dev}:{st.st_ino}" if st.st_ino else None
        out[video] = f"file:{file_id}" if file_id is not None else f"name:{video}"
        if stat.S_ISREG(st.st_mode) and st.st_size > 0:
            regular[video] = (st.st_size, file_id)
    for group in _copies(paths, regular):
        ids = sorted({fid for v in group if (fid := regular[v][1]) is not None}, key=_id_order)
        if len(ids) == 1 and all(regular[v][1] is not None for v in group):
            continue  # names of one file only (links): their key already says so
        key = "file:" + "+".join(ids) if ids else f"name:{min(group)}"
        for v in group:
            out[v] = key
    return out


def _id_order(file_id: str) -> tuple[int, int]:
    dev, ino = file_id.split(":")
    return int(dev), int(ino)


def _copies(
    paths: Mapping[str, str | os.PathLike[str]], regular: Mapping[str, tuple[int, str | None]]
) -> list[list[str]]:
    """The groups (2 videos or more) among ``regular`` whose files have the same content: equal
    size, then equal :func:`~camerabench.runfolder.video_fingerprint`, then equal SHA-256 of the
    whole file. A file is read once however many names it has (``regular``'s file ids)."""
    by_size: dict[int, list[str]] = {}
    for video in sorted(regular):
        by_size.setdefault(regular[video][0], []).append(video)
    groups: list[list[str]] = []
    unread: list[FileFormatError] = []
    for videos in by_size.values():
        if len(_distinct_files(videos, regular)) < 2:
            continue  # one file (or one name): nothing to compare
        try:
            groups += _same_content(videos, paths, regular)
        except FileFormatError as exc:
            # one unreadable file refused the cross-fitting of the whole dataset (calibrate and fusion had
            # scored it by its file before): it may be a copy of any file of its size, so all are one clip
            unread.append(exc)
            groups.append(videos)
    if unread:
        more = f"; and {len(unread) - _SHOWN} more" if len(unread) > _SHOWN else ""
        log.warning(
            "%d file size(s) shared by several videos hold a file that could not be read (%s%s): whether it is a "
            "copy is not known, so all the videos of each such size are one clip (never a copy in a training and a "
            "test fold at once)",
            len(unread),
            "; ".join(str(exc) for exc in unread[:_SHOWN]),
            more,
        )
    return groups


def _same_content(
    videos: list[str], paths: Mapping[str, str | os.PathLike[str]], regular: Mapping[str, tuple[int, str | None]]
) -> list[list[str]]:
    """The groups (2 videos or more) among ``videos`` (files of one size) of the same content.

    Raises:
        FileFormatError: one of the files cannot be read.
    """
    groups: list[list[str]] = []
    for same_print in _by_file_value(videos, paths, regular, _fingerprint).values():
        if len(_distinct_files(same_print, regular)) < 2:
            continue
        by_digest = _by_file_value(same_print, paths, regular, _file_sha256)
        groups += [g for g in by_digest.values() if len(g) > 1]
    return groups


def _by_file_value(
    videos: list[str],
    paths: Mapping[str, str | os.PathLike[str]],
    regular: Mapping[str, tuple[int, str | None]],
    read: Callable[[str, str | os.PathLike[str]], str],
) -> dict[str, list[str]]:
    """``videos`` grouped by ``read(video, path)`` (a fingerprint, a digest), read once per file:
    the names of one linked file share its value."""
    by_value: dict[str, list[str]] = {}
    values: dict[str, str] = {}  # file id -> value
    for video in videos:
        fid = regular[video][1]
        value = values.get(fid) if fid is not None else None
        if value is None:
            value = read(video, paths[video])
            if fid is not None:
                values[fid] = value
        by_value.setdefault(value, []).append(video)
    return by_value


def _distinct_files(videos: list[str], regular: Mapping[str, tuple[int, str | None]]) -> list[str]:
    """One video per file among ``videos`` (a video whose file has no id counts as its own file)."""
    seen: set[str] = set()
    out: list[str] = []
    for v in videos:
        fid = regular[v][1]
        if fid is None or fid not in seen:
            out.append(v)
            if fid is not None:
                seen.add(fid)
    return out


def _file_sha256(video: str, path: str | os.PathLike[str]) -> str:
    """SHA-256 of a regular file's whole content (opened without blocking, as
    :func:`~camerabench.runfolder.video_fingerprint`: a pipe put in its place never blocks).

    Raises:
        FileFormatError: the file cannot be read, or is no longer a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileFormatError(os.fspath(path), f"{_UNREAD.format(video=video)}: not a regular file")
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise FileFormatError(os.fspath(path), f"{_UNREAD.format(video=video)}: {exc.strerror or exc}") from exc


def _fingerprint(video: str, path: str | os.PathLike[str]) -> str:
    """:func:`~camerabench.runfolder.video_fingerprint` of ``path``.

    Raises:
        FileFormatError: the file cannot be read, or is no longer a regular file.
    """
    from camerabench.runfolder import video_fingerprint

    value = video_fingerprint(Path(path))
    if value is None:
        raise FileFormatError(
            os.fspath(path), f"{_UNREAD.format(video=video)}: the file cannot be read (or is no longer a regular file)"
        )
    return value


#: Why a video of the same size as another is refused when its file cannot be read.
_UNREAD = "cannot tell whether video {video!r} is a copy of another video of the same size"


def video_folds(videos: Sequence[str], n_splits: int = 5, same_clip: Mapping[str, str] | None = None) -> dict[str, int]:
    """Video -> fold in ``range(k)``, ``k = min(n_splits, number of clips)``.

    :class:`sklearn.model_selection.GroupKFold` over the sorted video names with each video its
    own group (deterministic: the same videos always get the same folds). ``same_clip``: video ->
    a key (:func:`same_file_keys`); videos of one key are one clip under several names, which
    must never be in a training and a test fold at once: the folds are made over the first
    (sorted) name of each clip, and its other names get that name's fold.

    Example:
        >>> video_folds(["a.mp4", "b.mp4", "c.mp4"], 2)
        {'a.mp4': 0, 'b.mp4': 1, 'c.mp4': 0}
        >>> video_folds(["a.mp4", "b.mp4", "c.mp4"], 2, {"a.mp4": "x", "b.mp4": "y", "c.mp4": "x"})
        {'a.mp4': 1, 'b.mp4': 0, 'c.mp4': 1}
    """
    from sklearn.model_selection import GroupKFold

    if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral) or n_splits < 1:
        raise _FoldArgumentError(f"n_splits must be an integer >= 1, got {n_splits!r}")
    n_splits = int(n_splits)  # np.int64 (a count read from an array) was refused as no integer
    if isinstance(videos, str | bytes):  # "abc" was folded as the videos "a", "b" and "c"
        raise _FoldArgumentError(f"videos must be a sequence of video names, got the string {videos!r}")
    not_names = [v for v in videos if not isinstance(v, str)]
    if not_names:  # Path("a.mp4") and "a.mp4" were two videos, or sorting them raised a TypeError
        raise _FoldArgumentError(f"video names must be strings, got {not_names[0]!r}")
    first = clip_names(videos, same_clip)
    if len(set(first.values())) < len(first):  # one clip under several names: fold its first name
        reps = video_folds(sorted(set(first.values())), n_splits)
        return {v: reps[first[v]] for v in sorted(first)}
    names = sorted(first)
    k = min(n_splits, len(names))
    if k < 2:
        return dict.fromkeys(names, 0)
    out: dict[str, int] = {}
    # each video its own group, named by its index among the sorted names: as groups, the names
    # themselves went through a numpy string array, which drops trailing NULs ("a" and "a\x00"
    # were one group: two videos in one fold, or sklearn's "n_splits greater than the number of
    # groups" ValueError)
    groups = list(range(len(names)))
    for fold, (_, test) in enumerate(GroupKFold(n_splits=k).split(groups, groups=groups)):
        for i in test:
            out[names[i]] = fold
    return dict(sorted(out.items()))


def clip_names(videos: Iterable[str], same_clip: Mapping[str, str] | None = None) -> dict[str, str]:
    """Video -> the first (sorted) name of its clip (itself unless ``same_clip`` gives another
    video the same key; a video ``same_clip`` lacks is its own clip).

    Example:
        >>> clip_names(["b.mp4", "a.mp4", "c.mp4"], {"a.mp4": "x", "c.mp4": "x"})
        {'a.mp4': 'a.mp4', 'b.mp4': 'b.mp4', 'c.mp4': 'a.mp4'}
    """
    first: dict[str, str] = {}
    out: dict[str, str] = {}
    for v in sorted(set(videos)):
        key = same_clip.get(v) if same_clip is not None else None
        out[v] = v if key is None else first.setdefault(key, v)
    return out


def training_files(fitted_files: Mapping[str, str], keys: Mapping[str, str]) -> dict[str, str]:
    """Video -> the training video whose file it is under another name (a link to a clip a model
    was fitted on, that clip renamed, or a link to one of a training clip's copies): ``keys``
    (:func:`same_file_keys` of the videos being scored) against ``fitted_files``
    (:func:`same_file_keys` of the training videos, recorded when the model was fitted). Only
    file identities match (a key of copies matches each of its files); a name key (no file,
    inode 0) never does. A video under one of its file's training names is left to
    :func:`held_out_videos` (by its labels).

    Example:
        >>> fitted = {"a.mp4": "file:1:7", "b.mp4": "name:b.mp4", "c.mp4": "file:1:8+1:9", "d.mp4": "file:1:8+1:9"}
        >>> keys = {"x.mp4": "file:1:7", "a.mp4": "file:1:7", "b.mp4": "name:b.mp4", "y.mp4": "file:1:9"}
        >>> training_files(fitted, keys)
        {'x.mp4': 'a.mp4', 'y.mp4': 'c.mp4'}
    """
    by_file: dict[str, list[str]] = {}
    for video in sorted(fitted_files):
        for file_id in _file_ids(fitted_files[video]):
            by_file.setdefault(file_id, []).append(video)
    out: dict[str, str] = {}
    for v, k in sorted(keys.items()):
        fitted = sorted({t for file_id in _file_ids(k) for t in by_file.get(file_id, [])})
        if fitted and v not in fitted:
            out[v] = fitted[0]
    return out


def training_prints(fitted_prints: Mapping[str, str], prints: Mapping[str, str]) -> dict[str, str]:
    """Video -> the training video whose clip it is under another name by content: its file's
    :func:`content_prints` fingerprint (``prints``) is one recorded when the model was fitted
    (``fitted_prints``). A copy of a training clip under a new name (``cp`` to ``clip_v01.mp4``) is
    no link (:func:`training_files` matches file identities only), and its name is not a training
    name (:func:`held_out_videos`): it got the full model, which saw its label (red team R57). A
    video under one of its clip's training names is left to :func:`held_out_videos`; of training
    videos sharing one fingerprint (one clip under two names) the first by name is given.
    Fingerprints are compared by :func:`same_print`: a remuxed copy (``packets`` equal, bytes not)
    is its training clip; a pair it cannot tell apart is no match.

    Example:
        >>> training_prints({"a.mp4": "p1", "b.mp4": "p2"}, {"clip_a.mp4": "p1", "b.mp4": "p2", "new.mp4": "p9"})
        {'clip_a.mp4': 'a.mp4'}
    """
    by_digest: dict[tuple[str, str], list[str]] = {}  # (kind, digest) -> training videos
    for video in sorted(fitted_prints):
        for kind, digest in _print_parts(fitted_prints[video]).items():
            by_digest.setdefault((kind, digest), []).append(video)
    out: dict[str, str] = {}
    for v, value in sorted(prints.items()):
        near = {t for part in _print_parts(value).items() for t in by_digest.get(part, [])}
        fitted = sorted(t for t in near if same_print(value, fitted_prints[t]))
        if fitted and v not in fitted:
            out[v] = fitted[0]
    return out


def _file_ids(key: str) -> list[str]:
    """The ``<dev>:<inode>`` file identities of a :func:`same_file_keys` key (none for a name key)."""
    return key.removeprefix("file:").split("+") if key.startswith("file:") else []


class _Labelled(Protocol):
    @property
    def image(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def label(self) -> str: ...


def label_digests(records: Iterable[Iterable[_Labelled]]) -> dict[str, str]:
    """Video -> a short digest of its binary labels (its sorted (question, label) pairs).

    ``records``: the binary records, e.g. ``Dataset.binary.values()``.

    Example:
        >>> from types import SimpleNamespace as R
        >>> d = label_digests([[R(image="a.mp4", question="q", label="Yes")]])
        >>> list(d), len(d["a.mp4"])
        (['a.mp4'], 16)
    """
    pairs: dict[str, list[tuple[str, str]]] = {}
    for recs in records:
        for r in recs:
            pairs.setdefault(r.image, []).append((r.question, r.label))
    return {v: hashlib.sha256(json.dumps(sorted(p)).encode()).hexdigest()[:16] for v, p in sorted(pairs.items())}


def content_prints(paths: Mapping[str, str | os.PathLike[str]]) -> dict[str, str]:
    """Video -> the content fingerprint of its file, for the videos whose file can be read: what
    :func:`held_out_videos` and :func:`training_prints` compare to tell a training video from
    another clip under its name (another synthetic seed, a dataset regenerated with the same names
    and labels) and to find a training clip under another name.

    A fingerprint is ``packets:<P>;bytes:<B>``: ``P`` the
    :func:`~camerabench.frameprint.packet_fingerprint` of its coded frames (the same for a
    remuxed copy: ``-c copy`` into another container or with ``+faststart``; red team R57) and ``B``
    the :func:`~camerabench.runfolder.video_fingerprint` of its bytes (size and first and last 64
    KiB: what model files saved before kept, as a bare hex string, and what a run's run.json
    records as ``video_sha256``). A file PyAV cannot demux (not a video, damaged) gets
    ``bytes:<B>`` only. :func:`same_print` compares two fingerprints of either form.

    A file that cannot be read is left out (its content is not known: the video is matched by its
    name and labels, as before fingerprints), and so is an empty file: it holds no clip, and every
    empty file has the same fingerprint (two datasets of empty placeholders under the same names
    would be the same clips).

    Example:
        >>> content_prints({"a.mp4": "/no/such/a.mp4"})
        {}
    """
    from camerabench.frameprint import packet_fingerprint
    from camerabench.runfolder import video_fingerprint

    out: dict[str, str] = {}
    for video, path in sorted(paths.items()):
        try:
            empty = Path(path).stat().st_size == 0
        except OSError:  # unreadable: video_fingerprint gives None for it too
            empty = False
        value = None if empty else video_fingerprint(Path(path))
        if value is not None:
            packets = packet_fingerprint(path)
            out[video] = f"{_BYTES}{value}" if packets is None else f"{_PACKETS}{packets};{_BYTES}{value}"
    return out


def scored_prints(recorded: Mapping[str, str], paths: Mapping[str, str | os.PathLike[str]]) -> dict[str, str]:
    """Video -> the fingerprint of the clip a run scored: :func:`content_prints` of its file now when
    the run recorded none (run.json's ``video_sha256``) or recorded the bytes the file still has
    (then with its coded frames, so a remuxed copy of a training clip is known as that clip:
    :func:`same_print`), else the recorded bytes (the file changed since it was scored: the clip
    scored was the recorded one). Videos in neither ``recorded`` nor ``paths`` are left out, and so
    are unreadable files without a record.

    Example:
        >>> scored_prints({"a.mp4": "b1"}, {"a.mp4": "/no/such/a.mp4", "c.mp4": "/no/such/c.mp4"})
        {'a.mp4': 'b1'}
    """
    now = content_prints(paths)
    out = {v: current for v, current in now.items() if v not in recorded}
    for v, value in recorded.items():
        current = now.get(v)
        out[v] = current if current is not None and _print_parts(current).get("bytes") == value else value
    return dict(sorted(out.items()))


#: The kinds of a :func:`content_prints` fingerprint (a bare hex string, as older model files and
#: run.json's ``video_sha256`` keep, is a ``bytes:`` one).
_PACKETS = "packets:"
_BYTES = "bytes:"


def _print_parts(value: str) -> dict[str, str]:
    """The kinds of a fingerprint -> their hex digests (``{"bytes": value}`` for a bare digest)."""
    if not value.startswith((_PACKETS, _BYTES)):
        return {"bytes": value}
    parts: dict[str, str] = {}
    for part in value.split(";"):
        kind, _, digest = part.partition(":")
        parts[kind] = digest
    return parts


def same_print(now: str, fitted: str) -> bool | None:
    """Whether two :func:`content_prints` fingerprints (of either form: ``packets:<P>;bytes:<B>``,
    ``bytes:<B>`` or an older bare ``<B>``) are of one clip: True, False, or None when it cannot be
    told.

    - Both have coded frames (``packets``): they decide (a remuxed copy is the clip; a re-encoded
      or cut one is not).
    - Else equal bytes are one file (as before).
    - Else, bytes that differ are another clip when ``fitted`` has no coded frames (an older model
      file: as before), but not known when only ``fitted`` has them: a remuxed copy has other
      bytes, so a ``bytes`` record of a copy (run.json's ``video_sha256``, which callers prefer to
      the file now) against a fitted ``packets`` fingerprint may be the clip or another (the
      callers then match it by its name and labels, :func:`held_out_videos`).

    Example:
        >>> same_print("packets:p1;bytes:b2", "packets:p1;bytes:b1"), same_print("b1", "packets:p9;bytes:b1")
        (True, True)
        >>> same_print("packets:p1;bytes:b2", "b1"), same_print("b2", "packets:p1;bytes:b1")
        (False, None)
    """
    a, b = _print_parts(now), _print_parts(fitted)
    if "packets" in a and "packets" in b:
        return a["packets"] == b["packets"]
    if "bytes" not in a or "bytes" not in b:
        return None
    if a["bytes"] == b["bytes"]:
        return True
    return None if "packets" in b else False


def held_out_videos(
    fitted_folds: Mapping[str, int],
    fitted_digests: Mapping[str, str],
    same_dataset: bool,
    digests: Mapping[str, str],
    fitted_prints: Mapping[str, str] | None = None,
    prints: Mapping[str, str] | None = None,
) -> set[str]:
    """The videos that must get their fold's model: those whose labels the model may have seen.

    Every training video on the fitting dataset (same folder), but one whose file is known, now
    and when fitted, to be another (the folder regenerated in place, another synthetic seed under
    the same names: the full model never saw that clip's labels). On another folder:

    - a training video whose file has, now and when fitted, the same content fingerprint
      (``prints`` against ``fitted_prints``, :func:`content_prints`, compared by :func:`same_print`:
      a remuxed copy of the clip has its coded frames) is the clip fitted on, held
      out whatever its labels now (a copy whose labels were corrected since still holds the clips
      the full model saw with their old labels; red team R53: a copy with half its labels
      corrected held none out, so the full model scored the clips it was fitted on);
    - one whose file is known to be another is not;
    - the others (no fingerprint recorded or readable) are matched by name and labels (``digests``
      against ``fitted_digests``): when the folder is a moved or copied fitting dataset (more
      training videos it holds are the clips fitted on than other clips, counting those matched
      by content) those carrying the labels they were fitted with, and its training videos without
      labels now, are held out; on another dataset that reuses some names a few videos match by
      chance and the rest differ: none of them is held out. A model file without label digests
      (older files) cannot tell by labels (the callers warn).

    Example:
        >>> folds, fitted = {"a": 0, "b": 1, "c": 0}, {"a": "1", "b": "2", "c": "3"}
        >>> sorted(held_out_videos(folds, fitted, False, {"a": "1", "b": "2", "c": "9", "d": "4"}))
        ['a', 'b']
        >>> held_out_videos(folds, fitted, False, {"a": "1", "b": "8", "c": "9"})
        set()
        >>> files = {"a": "f1", "b": "f2", "c": "f3"}
        >>> held_out_videos(folds, fitted, False, {"a": "1", "b": "2", "c": "3"}, files, {"a": "x", "b": "y"})
        set()
        >>> sorted(held_out_videos(folds, fitted, False, {"a": "7", "b": "8", "c": "9"}, files, files))
        ['a', 'b', 'c']
        >>> sorted(held_out_videos(folds, fitted, True, {}, files, {"a": "x", "b": "f2"}))
        ['b', 'c']
    """
    fitted_prints = fitted_prints or {}
    prints = prints or {}

    same_clip = {v: same_print(prints[v], fitted_prints[v]) for v in fitted_folds if v in fitted_prints and v in prints}

    def printed(v: str) -> bool:  # its clip is known, now and when fitted, to be or not to be the one fitted on
        return same_clip.get(v) is not None

    if same_dataset:  # a video regenerated in place (another seed, same name) is another clip
        return {v for v in fitted_folds if same_clip.get(v) is not False}
    same_file = {v for v in fitted_folds if same_clip.get(v) is True}
    other_file = {v for v in fitted_folds if same_clip.get(v) is False}
    if not fitted_digests:
        return same_file
    by_labels = [v for v in fitted_folds if not printed(v) and v in digests and v in fitted_digests]
    same = {v for v in by_labels if digests[v] == fitted_digests[v]}
    other = set(by_labels) - same
    if len(same_file) + len(same) <= len(other_file) + len(other):
        return same_file
    return same_file | same | {v for v in fitted_folds if v not in digests and not printed(v)}
