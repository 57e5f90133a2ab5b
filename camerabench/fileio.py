"""Atomic file writes and validated JSON / JSONL reading.

Every file camerabench writes goes to a temporary name in the same folder and is renamed
into place, so an interrupted run never leaves a half-written file behind. New files and
folders get the permissions the process umask gives them; a file rewritten keeps its own.
A write that fails (a file where a folder belongs, a read-only location, a full disk) is a
:class:`WriteError` naming the path and the operating system's reason.

A symbolic link at the path of an output is replaced by the file written, with a warning; the
link's target is never changed (what ``sed -i`` and ``rsync`` do, and what DVC and git-annex,
whose tracked files are links into a read-only cache, expect). :func:`append_jsonl` does the
same: the link becomes a file of its own holding the target's lines, and the new lines go there.
A folder, a pipe or a device at the path (or a link to one) is refused before anything is written.

Every text file camerabench reads goes through :func:`read_text`, :func:`read_json` or
:func:`iter_jsonl`: text is UTF-8, and anything a reader cannot use (a missing file, a
folder where a file belongs, bytes that are not UTF-8, invalid JSON, a line that is not a JSON
object, a record that does not fit its schema) is a :class:`FileFormatError` naming the file,
the line and the problem; so is a read the system refuses (a stale NFS handle, an I/O error,
a name or path too long: :func:`read_error`). A UTF-8 byte-order mark at the start of a file (what some Windows
editors write) is accepted: it is skipped with a warning, since the text after it is plain
UTF-8. :class:`JsonDocument` keeps the text of a JSON file so that a problem found after
parsing (a wrong type deep in the document) can still name its line.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from camerabench.errors import CameraBenchError, FileFormatError

__all__ = [
    "FieldError",
    "JsonDocument",
    "RepeatedKeyError",
    "WriteError",
    "append_jsonl",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "iter_jsonl",
    "iter_jsonl_numbered",
    "make_folder",
    "own_file",
    "parse_member",
    "path_too_long",
    "read_error",
    "read_json",
    "read_json_document",
    "read_jsonl",
    "read_text",
    "repeated_key_line",
    "unique_keys",
    "write_error",
    "write_json",
    "write_jsonl",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

_BOM = b"\xef\xbb\xbf"

#: Byte-order marks of the wider Unicode encodings (UTF-32's first: UTF-16 LE's is its prefix).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 text (it starts with the byte-order mark ff fe 00 00)"),
    (b"\x00\x00\xfe\xff", "UTF-32 text (it starts with the byte-order mark 00 00 fe ff)"),
    (b"\xff\xfe", "UTF-16 text (it starts with the byte-order mark ff fe)"),
    (b"\xfe\xff", "UTF-16 text (it starts with the byte-order mark fe ff)"),
)


class WriteError(CameraBenchError):
    """A file or folder cannot be written; the message names the path and the reason."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def _file_in_the_way(path: Path) -> Path | None:
    """The first component of ``path`` that is there but is not a folder: a file, or a link to
    nothing (None if there is none)."""
    for p in (*reversed(path.parents), path):
        if (p.exists() or p.is_symlink()) and not p.is_dir():
            return p
    return None


def _in_the_way(blocker: Path) -> str:
    """What ``blocker`` (from :func:`_file_in_the_way`) is, for an error message."""
    if blocker.is_symlink() and not blocker.exists():
        try:
            target = f" {os.readlink(blocker)}"
        except OSError:  # gone meanwhile, or unreadable: the link is still named
            target = ""
        try:
            os.stat(blocker)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # exists() is False for a loop too: it is not a broken link
                return f"a link to{target}, a link loop (it leads back to itself), not a folder"
        return f"a link to{target}, which does not exist (a broken link), not a folder"
    return "a file, not a folder"


#: The bytes a file name may have (ext4, XFS, Btrfs, NTFS, APFS) and a path (Linux's PATH_MAX).
_NAME_MAX = 255
_PATH_MAX = 4096


def path_too_long(path: Path) -> str | None:
    """Which of ``path``'s name and length is beyond what file systems take, for an ENAMETOOLONG
    error ("File name too long" named neither the name at fault nor a path too long as a whole)."""
    sizes = [(len(os.fsencode(part)), part) for part in path.parts]
    size, name = max(sizes) if sizes else (0, "")
    if size > _NAME_MAX:
        shown = name if len(name) <= 40 else name[:37] + "..."
        return f"the name {shown!r} is {size} bytes in UTF-8, more than the {_NAME_MAX} a file name may have"
    total = len(os.fsencode(os.path.abspath(path)))
    if total >= _PATH_MAX:
        return f"the path is {total} bytes long, more than the {_PATH_MAX - 1} the system takes: use a shorter folder"
    return None


#: The characters Windows file systems (NTFS, exFAT, FAT, SMB shares of them) refuse in a name.
_WINDOWS_FORBIDDEN = '<>:"\\|?*'


def _refused_name(path: Path) -> str | None:
    """Why a file system may refuse ``path`` with EINVAL: a name holding a character that Windows
    file systems forbid, or ending in a dot or space (it was "Invalid argument" and nothing more)."""
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        bad = sorted({c for c in part if c in _WINDOWS_FORBIDDEN or ord(c) < 32})
        if bad:
            return (
                f"the name {part!r} holds {' '.join(repr(c) for c in bad)}, which Windows file systems (NTFS, "
                "exFAT, FAT, SMB shares) do not allow: choose a name without them, or another file system"
            )
        if part not in (".", "..") and part.endswith((".", " ")):
            return f"the name {part!r} ends in a dot or a space, which Windows file systems (NTFS, exFAT, SMB) refuse"
    return None


def write_error(path: str | Path, exc: OSError) -> WriteError:
    """The one-line :class:`WriteError` for an ``OSError`` raised while writing ``path``.

    Example:
        >>> str(write_error("run/x.json", OSError(28, "No space left on device")))
        'run/x.json: cannot write: No space left on device'
    """
    path = Path(path)
    if isinstance(exc, FileExistsError | NotADirectoryError):
        blocker = _file_in_the_way(path)
        if blocker == path:
            return WriteError(path, f"is {_in_the_way(blocker)}")
        if blocker is not None:
            return WriteError(path, f"cannot create the folder: {blocker} is {_in_the_way(blocker)}")
    if isinstance(exc, IsADirectoryError):
        return WriteError(path, "is a folder, not a file")
    hint = None
    if exc.errno == errno.ENAMETOOLONG:
        hint = path_too_long(path)
    elif exc.errno in (errno.EINVAL, errno.EILSEQ):
        hint = _refused_name(path)
    return WriteError(path, f"cannot write: {exc.strerror or exc}" + (f" ({hint})" if hint else ""))


def make_folder(path: str | Path) -> Path:
    """Create ``path`` and its parents if missing (permissions from the umask).

    Raises:
        WriteError: a component is a file, or the location is read-only or full.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(path, exc) from exc
    return path


def _check_target(path: Path) -> str | None:
    """Refuse what is at ``path`` when no output file can take its place; describe a link there.

    Returns None for nothing there or a regular file; for a symbolic link to a regular file, a
    broken link or a link loop, what the link is (the writer replaces the link, warning with it).

    Raises:
        WriteError: a folder, a pipe, socket or device is there, or a link to one (it was found
            after the caller's work, by the rename; a device such as ``/dev/null`` was replaced by
            the file; a link to a folder was replaced by a file).
    """
    try:
        here = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise write_error(path, exc) from exc
    if stat.S_ISREG(here.st_mode):
        return None
    if stat.S_ISDIR(here.st_mode):
        raise WriteError(path, "is a folder, not a file")
    if not stat.S_ISLNK(here.st_mode):
        raise WriteError(path, "is not a regular file (a pipe, socket or device): remove it to write this file")
    try:
        target = os.readlink(path)
    except OSError as exc:  # replaced meanwhile: named by its path only
        target = f"(unreadable: {exc.strerror or exc})"
    try:
        there = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"a link to {target}, a link loop"
        return f"a link to {target}, which does not exist (a broken link)"
    if stat.S_ISDIR(there.st_mode):
        raise WriteError(path, f"is a link to the folder {target}, not a file")
    if not stat.S_ISREG(there.st_mode):
        raise WriteError(
            path, f"is a link to {target}, which is not a regular file (a pipe, socket or device): remove the link"
        )
    return f"a link to {target}"


def _link_replaced(path: Path, link: str) -> None:
    log.warning(
        "%s: was %s; camerabench writes its outputs as files of their own: the link is replaced by the "
        "file written (its target is left as it was)",
        path,
        link,
    )


#: The bytes of a file's name kept in the name of its temporary file (255 less the 14 added).
_TEMP_NAME_BYTES = 200

#: The reasons a new file cannot be made in a folder whatever its name: the folder is at fault.
_FOLDER_REFUSES = (errno.EACCES, errno.EPERM, errno.EROFS)


def _create_temp(path: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``path``, created with mode 0666 less the umask.

    (``tempfile.mkstemp`` would create it 0600, and the rename would keep that mode.)
    """
    # a name near the 255-byte limit (a video's own name, kept as its trajectory's) is cut: the
    # temporary name adds 14 bytes, and ENAMETOOLONG refused a name the file system holds
    whole = os.fsencode(path.name)
    cut = whole[:_TEMP_NAME_BYTES]
    # never within a UTF-8 character: its first bytes alone are no UTF-8, and file systems that
    # hold UTF-8 names only (ZFS utf8only, NTFS, exFAT, SMB, APFS) refused the temporary name
    while cut and len(cut) < len(whole) and 0x80 <= whole[len(cut)] < 0xC0:
        cut = cut[:-1]
    name = os.fsdecode(cut)
    for _ in range(100):
        tmp = path.parent / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), str(tmp)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in _FOLDER_REFUSES:  # named: the file itself may not exist, its folder is the cause
                folder = path.parent if path.parent != Path() else Path.cwd()
                raise WriteError(
                    path, f"cannot write: {exc.strerror or exc} (no new file can be made in the folder {folder})"
                ) from exc
            raise write_error(path, exc) from exc
    raise WriteError(path, "cannot create a temporary file beside it (100 names taken)")


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success fsync and rename it to ``path``.

    A new file gets the permissions of any new file (0666 less the umask); a file replaced keeps
    its own (a group-writable file in a shared folder stays group-writable). When writing fails
    (a read-only location, a full disk, a folder in the way) the temporary file is removed,
    an existing ``path`` is left as it was, and the error is a :class:`WriteError` naming
    ``path`` and the reason. A folder, pipe or device at ``path`` (or a link to one) is refused
    before the caller writes anything; a link to a file (or a broken link) is replaced by the
    file written, with a warning, its target left as it was.
    """
    path = Path(path)
    make_folder(path.parent)
    link = _check_target(path)  # before the caller's work, not at the rename after it
    fd, tmp = _create_temp(path)
    try:
        if link is None:
            _keep_mode(path, fd)
        encoding = None if "b" in mode else "utf-8"
        with open(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        _remove_temp(path, tmp)
    if link is not None:
        _link_replaced(path, link)


def _keep_mode(path: Path, fd: int) -> None:
    """Give the new file ``fd`` the permissions of the file it replaces at ``path`` (if any).

    A file rewritten in a group-shared folder kept no group write permission its owner had given
    it: a run made with umask 002 (0664 files) and resumed by a colleague with umask 022 ended with
    0644 files, which the first could no longer append to (what ``sed -i`` and editors keep).
    """
    try:
        old = os.stat(path)
    except FileNotFoundError:
        return
    os.fchmod(fd, stat.S_IMODE(old.st_mode) & 0o777)


def _remove_temp(path: Path, tmp: str) -> None:
    """Remove the temporary file of a failed write; one that cannot be removed (the location made
    read-only meanwhile) is named in a warning, and the write's own error is the one raised (it was
    replaced by a bare OSError traceback about the temporary file)."""
    if not os.path.lexists(tmp):  # renamed into place
        return
    try:
        os.unlink(tmp)
    except OSError as exc:
        log.warning(
            "%s: cannot remove the temporary file %s of the failed write (%s); it is not read as %s: "
            "remove it when you can",
            path,
            tmp,
            exc.strerror or exc,
            path.name,
        )


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def _json_text(path: Path, obj: Any, indent: int | None = None, record: int | None = None) -> str:
    """``obj`` as standard JSON text that UTF-8 can hold (non-ASCII kept, as the public files have it).

    Raises:
        WriteError: ``obj`` holds a number that is not finite (``json.dumps`` wrote the bare
            ``NaN`` / ``Infinity`` no standard JSON reader accepts, and camerabench's own readers
            refuse as a score) or a lone surrogate escape (an undecodable byte of a file name),
            which no UTF-8 file holds (it was a UnicodeEncodeError traceback, or a half-written
            temporary file); ``record`` (1-based) names the record of a JSONL file.
    """
    where = "" if record is None else f"record {record} "
    try:
        text = json.dumps(obj, indent=indent, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        if "Out of range float" not in str(exc):
            raise
        raise WriteError(
            path, f"{where}holds a number that is not finite (NaN or an infinity): JSON has no such number"
        ) from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        around = text[max(exc.start - 30, 0) : exc.end + 30]
        encoding = sys.getfilesystemencoding()
        locale_hint = (
            f"; Python's file-system encoding here is {encoding} (the C or POSIX locale with Python's UTF-8 mode "
            "off), which turns every non-ASCII byte of a file name into such an escape: run with LC_ALL=C.UTF-8 or "
            "PYTHONUTF8=1"
            if encoding.replace("-", "").lower() != "utf8"
            else ""
        )
        raise WriteError(
            path, f"{where}holds a lone surrogate escape, not text (no UTF-8 file can hold it): {around!a}{locale_hint}"
        ) from None
    return text


def write_json(path: str | Path, obj: Any, indent: int | None = 2) -> None:
    """Write ``obj`` as standard UTF-8 JSON (see :func:`_json_text` for what is refused)."""
    atomic_write_text(path, _json_text(Path(path), obj, indent) + "\n")


#: What ``stat`` answers for a path that leads to nothing (a broken link and a link loop included).
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EBADF)

#: What the operating system's reason means, where its words alone do not say (network shares).
_READ_HINTS = {
    errno.ESTALE: "the file was replaced or removed on the file server (NFS) since this machine looked it up; "
    "try again, or remount the share",
    errno.EIO: "the disk or the network share failed to deliver the bytes; check the disk or the mount and try again",
}


def read_error(path: str | Path, exc: OSError, line: int | None = None) -> FileFormatError:
    """The one-line :class:`FileFormatError` for an ``OSError`` raised while reading ``path``
    (it was a bare ``OSError`` traceback for a stale NFS handle, an I/O error, a path too long).

    Example:
        >>> str(read_error("run/scores.jsonl", OSError(errno.ENAMETOOLONG, "File name too long")))
        'run/scores.jsonl: cannot read: File name too long'
        >>> read_error("s.jsonl", OSError(errno.EIO, "Input/output error"), 3).problem[:60]
        'cannot read: Input/output error (the disk or the network sha'
    """
    reason = exc.strerror or str(exc)
    hint = _READ_HINTS.get(exc.errno or 0) or (path_too_long(Path(path)) if exc.errno == errno.ENAMETOOLONG else None)
    return FileFormatError(path, f"cannot read: {reason}" + (f" ({hint})" if hint else ""), line)


def _check_readable(path: Path) -> None:
    """Raise a :class:`FileFormatError` unless ``path`` is a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            raise FileFormatError(path, _link_problem(path, exc) or "file not found") from None
        raise read_error(path, exc) from exc
    if stat.S_ISDIR(mode):
        raise FileFormatError(path, "is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise FileFormatError(path, "is not a regular file")


def _link_problem(path: Path, exc: OSError) -> str | None:
    """What ``path`` is when it is a symbolic link that cannot be followed (``exc`` from its ``stat``):
    a link to a file that does not exist (naming the target it was written with, and the file it
    ends at through further links) or a link loop; None when ``path`` is no link (it is not there).
    Both were "file not found" for a path that ``ls`` lists (red team R79)."""
    try:
        target = os.readlink(path)
    except OSError:  # no link (EINVAL), or not there at all: "file not found" says it
        return None
    if exc.errno == errno.ELOOP:
        return (
            f"is a symbolic link loop (it points to {target!r}, which leads back to it); "
            "replace the link with the file, or point it at the file"
        )
    further = os.path.islink(os.path.join(os.path.dirname(path), target))
    ends = f" (a link too, which ends at {os.path.realpath(path)!r})" if further else ""
    return (
        f"is a symbolic link to {target!r}, which does not exist{ends}; restore that file, or point the link "
        "at the file"
    )


def _wide_ascii(sample: bytes) -> bool:
    """Whether ``sample`` reads as ASCII text in UTF-16 or UTF-32 (either byte order): each
    character's one non-zero byte at the same place in its 2 or 4 bytes, zeros in the others."""
    return _wide_codec(sample) is not None


def _wide_codec(sample: bytes) -> str | None:
    """The codec (``"utf-16-le"`` ...) in which ``sample`` reads as ASCII text as
    :func:`_wide_ascii` tells it, else None."""
    if len(sample) < 4:
        return None
    for width in (2, 4):
        for at in range(width):
            lanes = [sample[k::width] for k in range(width)]
            if all(lanes[at]) and not any(any(lane) for k, lane in enumerate(lanes) if k != at):
                return f"utf-{8 * width}-{'le' if at == 0 else 'be'}"
    return None


def _strip_bom(path: Path, data: bytes) -> bytes:
    """``data`` (a file's first bytes, or all of them) without a UTF-8 byte-order mark, which is
    skipped with a warning; UTF-16 or UTF-32 text (what Windows tools write as "Unicode") is a
    :class:`FileFormatError` that says so: it was reported as a stray byte 0xff, or, without a
    byte-order mark, as invalid JSON or missing table columns; such text that is a web page or a
    pointer (:func:`stand_in`) is named as that."""
    wide = next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)
    if wide is None and _wide_ascii(data[:200]):
        wide = "UTF-16 or UTF-32 text without a byte-order mark (every second or fourth byte is 0)"
    if wide is not None:
        # a web page saved "as Unicode" is that page, whatever its encoding: saving it as UTF-8
        # would not make it the file's content
        said = stand_in(data[:512], "the file's content")
        raise FileFormatError(
            path, f"is {wide}, not UTF-8: save it as UTF-8" if said is None else f"{said}; it is {wide}", 1
        )
    if data.startswith(_BOM):
        log.warning("%s: starts with a UTF-8 byte-order mark; reading the text after it", path)
        return data[len(_BOM) :]
    return data


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError, line: int | None = None) -> FileFormatError:
    """The error for bytes that are not UTF-8, naming the line and the byte."""
    start = exc.start
    if line is None:
        line = data.count(b"\n", 0, start) + 1
    column = start - data.rfind(b"\n", 0, start)
    return FileFormatError(path, f"not UTF-8 text: byte 0x{data[start]:02x} at column {column}", line)


def _invalid_json(
    path: Path, exc: json.JSONDecodeError, line: int | None = None, zeros_after: int | None = None
) -> FileFormatError:
    """The error for text that is not JSON: what JSON expected, at which column, or the cause when
    it is plain: a NUL byte (``\\x00``; JSON said "Expecting value"), zeros to the end of the file
    (a crash: it said the last line "may be cut short"), a trailing comma before a closing ``]`` or
    ``}`` (it said "Expecting value" at the bracket's line).

    ``line`` is the line of a JSON Lines record (``exc`` is about that line alone); ``zeros_after``
    (JSON Lines only) the NUL bytes after that line when only zeros and white space follow it,
    None when anything else does.
    """
    text, pos = exc.doc, exc.pos
    where = exc.lineno if line is None else line
    if pos < len(text) and text[pos] == "\x00":
        rest = text[pos:]
        if rest.strip("\x00" + _JSON_SPACE) or (line is not None and zeros_after is None):
            problem = (
                f"holds a NUL byte (0x00, a zero byte) at column {exc.colno}, which no JSON text holds: the file "
                "is damaged (a bad copy or disk?)"
            )
        else:
            zeros = rest.count("\x00") + (zeros_after or 0)
            problem = (
                f"ends with {zeros} NUL bytes (zeros), from column {exc.colno} of this line: what a crash or a power "
                "loss leaves where data written to the file did not reach the disk; what was written there is lost "
                "(restore the file from a copy, or cut the zeros off and check what is missing)"
            )
        return FileFormatError(path, f"invalid JSON: {problem}", where)
    if exc.msg in ("Expecting value", "Expecting property name enclosed in double quotes") and text[pos : pos + 1] in (
        "]",
        "}",
    ):
        comma = len(text[:pos].rstrip(_JSON_SPACE)) - 1
        if comma >= 0 and text[comma] == ",":
            comma_line = text.count("\n", 0, comma) + 1
            what = "item of a list" if text[pos] == "]" else "member of an object"
            return FileFormatError(
                path,
                f"invalid JSON: a ',' after the last {what} (column {comma - text.rfind(chr(10), 0, comma)}), before "
                f"its closing {text[pos]!r}: JSON allows no trailing comma; remove it",
                comma_line if line is None else line,
            )
    pointer = stand_in(text[:512].encode("utf-8", "replace"), "the file's content") if where == 1 else None
    if pointer is not None:
        return FileFormatError(path, f"invalid JSON: {pointer}", where)
    end = len(text.rstrip("\r\n"))
    if line is not None and pos >= end and text[:end].strip():
        # a JSON Lines record cut at its line end: JSON's column was that of the line break, "column 1"
        return FileFormatError(
            path,
            f"invalid JSON: the line ends (column {end + 1}) before its record does: {exc.msg} (a missing "
            "closing '}' or ']', or a record split over several lines?)",
            where,
        )
    return FileFormatError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", where)


#: How the text files that stand in for another file after a failed download begin (a Git LFS or
#: git-annex pointer of a clone made without its large files, a web page or a JSON error saved under
#: the file's name), with what each is. FFmpeg said of such a video only "Invalid data found when
#: processing input", the JSON readers "Expecting value (column 1)" (Hugging Face dataset repositories
#: keep large label files in LFS).
_STAND_INS = (
    (b"version https://git-lfs.github.com/spec/", "a Git LFS pointer, not {what}: fetch it with `git lfs pull`"),
    (b"/annex/objects/", "a git-annex pointer (of an unlocked file), not {what}: fetch it with `git annex get`"),
    (b"<!doctype html", "a web page saved under the file's name (a sign-in, quota or warning page?), not {what}"),
    (b"<html", "a web page saved under the file's name (a sign-in, quota or warning page?), not {what}"),
    (b"<head", "a web page saved under the file's name (a sign-in, quota or warning page?), not {what}"),
    (
        b"<?xml",
        "an XML document (a storage server's error reply, such as S3's or Google Cloud Storage's AccessDenied or "
        "NoSuchKey?) saved under the file's name, not {what}",
    ),
)
#: How many of :data:`_STAND_INS` are pointers (the first ones): no text input of this package starts
#: as they do, so :func:`read_text` refuses them in every text format (a TUM trajectory that was a
#: pointer was "TUM lines hold 8 numbers; found 2", a TSV table "missing column(s)").
_POINTERS = 2


_WIDE_CODECS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
"""The byte-order marks of :data:`_WIDE_BOMS` (in that order: UTF-32 LE's starts as UTF-16 LE's)
and the codecs of the text after them."""


def _narrow(head: bytes) -> bytes:
    """``head`` (a file's first bytes) as UTF-8 when it is UTF-16 or UTF-32 text: after a byte-order
    mark (:data:`_WIDE_CODECS`), or ASCII without one (:func:`_wide_ascii`); else as it is. A head
    cut inside a character ends in U+FFFD.

    Example:
        >>> _narrow("<html>".encode("utf-16-be")), _narrow(b"\\x00\\x00\\x00 ftypisom")
        (b'<html>', b'\\x00\\x00\\x00 ftypisom')
    """
    marked = next(((bom, name) for bom, name in _WIDE_CODECS if head.startswith(bom)), None)
    if marked is not None:
        return head[len(marked[0]) :].decode(marked[1], "replace").encode("utf-8")
    codec = _wide_codec(head[:200])
    return head if codec is None else head.decode(codec, "replace").encode("utf-8")


def stand_in(head: bytes, what: str, json_too: bool = False, pointers_only: bool = False) -> str | None:
    """What a file beginning with ``head`` is when it is a text file standing in for ``what`` (``"the
    video"``) after a failed download (:data:`_STAND_INS`; with ``json_too``, a JSON document too: a
    server's error reply; with ``pointers_only``, only a Git LFS or git-annex pointer), else None.
    UTF-16 or UTF-32 text (with a byte-order mark, or ASCII without one: :func:`_narrow`) is read
    as its characters: a web page saved so by a Windows tool ("Unicode") starts ``ff fe 3c 00``.

    Example:
        >>> stand_in("<!DOCTYPE html>".encode("utf-16"), "the video")
        "a web page saved under the file's name (a sign-in, quota or warning page?), not the video"
    """
    text = _narrow(head).removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").lower()
    kinds = _STAND_INS[:_POINTERS] if pointers_only else _STAND_INS
    found = next((said for start, said in kinds if text.startswith(start)), None)
    if found is None and json_too and text.startswith(b"{"):
        found = "a JSON document (a server's error reply saved under the file's name?), not {what}"
    return None if found is None else found.format(what=what)


def _zeros_to_end(fh: IO[bytes]) -> int | None:
    """How many NUL bytes the rest of ``fh`` holds when it holds only those and white space
    (None when it holds anything else)."""
    zeros = 0
    while chunk := fh.read(1 << 20):
        if chunk.strip(b"\x00" + _JSON_SPACE.encode()):
            return None
        zeros += chunk.count(0)
    return zeros


def read_text(path: str | Path) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is skipped with a warning).

    Raises:
        FileFormatError: the path is missing, a folder or unreadable, or its bytes are not
            UTF-8 (naming the line and the byte).
    """
    path = Path(path)
    _check_readable(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise read_error(path, exc) from exc
    pointer = stand_in(data[:512], "the file's content", pointers_only=True)
    if pointer is not None:
        raise FileFormatError(path, pointer, 1)
    data = _strip_bom(path, data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from None


_DECODER = json.JSONDecoder()
_JSON_SPACE = " \t\n\r"


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in _JSON_SPACE:
        i += 1
    return i


def _member_start(text: str, i: int, key: str | int) -> int | None:
    """Where the value of member ``key`` of the object or array starting at ``i`` starts."""
    if i >= len(text):
        return None
    found = None
    if text[i] == "{" and isinstance(key, str):
        i = _skip_space(text, i + 1)
        while i < len(text) and text[i] == '"':
            name, i = _DECODER.raw_decode(text, i)
            start = _skip_space(text, _skip_space(text, i) + 1)  # past the colon
            if name == key:
                found = start  # the last of repeated keys, as json.loads keeps
            _, i = _DECODER.raw_decode(text, start)
            i = _skip_space(text, i)
            if i >= len(text) or text[i] != ",":
                break
            i = _skip_space(text, i + 1)
    elif text[i] == "[" and isinstance(key, int):
        for index, start in enumerate(_item_starts(text, i)):
            if index == key:
                return start
    return found


def _item_starts(text: str, i: int) -> Iterator[int]:
    """Where each item of the array starting at ``i`` starts."""
    i = _skip_space(text, i + 1)
    while i < len(text) and text[i] != "]":
        yield i
        _, i = _DECODER.raw_decode(text, i)
        i = _skip_space(text, i)
        if i >= len(text) or text[i] != ",":
            break
        i = _skip_space(text, i + 1)


class FieldError(ValueError):
    """A member of a JSON file (a calibration, a fusion model) is malformed; ``keys`` (object keys
    and array indices, outermost first) lead to it, so that :meth:`JsonDocument.line_of` can name
    its line."""

    def __init__(self, message: str, *keys: str | int) -> None:
        super().__init__(message)
        self.keys = keys


def parse_member(keys: tuple[str | int, ...], parse: Callable[..., T], value: Any, *args: Any) -> T:
    """``parse(value, *args)``; a ValueError it raises becomes a :class:`FieldError` at ``keys``
    (above any keys the error already names: a member's parser knows only its own part of the path).

    Example:
        >>> try:
        ...     parse_member(("folds", 2), float, "x")
        ... except FieldError as exc:
        ...     exc.keys
        ('folds', 2)
    """
    try:
        return parse(value, *args)
    except FieldError as exc:
        raise FieldError(str(exc), *keys, *exc.keys) from None
    except ValueError as exc:
        raise FieldError(str(exc), *keys) from None


@dataclass(frozen=True)
class JsonDocument:
    r"""A parsed JSON file that can name the line of any of its members (for error messages).

    Example:
        >>> doc = JsonDocument(Path("run.json"), '{"a": 1,\n "settings": [\n  2]}', {"a": 1, "settings": [2]})
        >>> doc.line_of("settings"), doc.line_of("settings", 0), doc.line_of("missing")
        (2, 3, None)
        >>> doc.item_lines("settings")
        [3]
        >>> str(doc.error("settings must be a JSON object", "settings"))
        'run.json:2: settings must be a JSON object'
    """

    path: Path
    text: str
    value: Any

    def line_of(self, *keys: str | int) -> int | None:
        """The line where the member reached through ``keys`` (object keys, array indices) starts.

        None when there is no such member; the whole document's first line when no key is given.
        """
        i: int | None = _skip_space(self.text, 0)
        for key in keys:
            if i is None:
                return None
            i = _member_start(self.text, i, key)
        return None if i is None else self.text.count("\n", 0, i) + 1

    def item_lines(self, *keys: str | int) -> list[int]:
        """The line of every item of the array reached through ``keys`` (empty if it is not an array)."""
        i: int | None = _skip_space(self.text, 0)
        for key in keys:
            if i is None:
                return []
            i = _member_start(self.text, i, key)
        if i is None or i >= len(self.text) or self.text[i] != "[":
            return []
        lines, last, line = [], 0, 1
        for start in _item_starts(self.text, i):
            line += self.text.count("\n", last, start)
            last = start
            lines.append(line)
        return lines

    def error(self, problem: str, *keys: str | int) -> FileFormatError:
        """A :class:`FileFormatError` naming this file and the line of the member at ``keys``."""
        return FileFormatError(self.path, problem, self.line_of(*keys))


class RepeatedKeyError(ValueError):
    """A JSON object names one key twice (``json.loads`` would silently keep the last value)."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for :func:`json.loads`: the object, refusing a repeated key.

    Example:
        >>> json.loads('{"score": 0.2, "score": 0.9}', object_pairs_hook=unique_keys)
        Traceback (most recent call last):
        ...
        camerabench.fileio.RepeatedKeyError: the key 'score' appears twice in one object (values 0.2 and 0.9)
    """
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise RepeatedKeyError(
                    f"the key {key!r} appears twice in one object (values {seen[key]!r:.40} and {value!r:.40})"
                )
            seen[key] = value
    return obj


def repeated_key_line(text: str) -> int | None:
    r"""The line of the first repeated key :func:`unique_keys` meets when ``text`` is parsed.

    The objects are visited in the order ``json.loads`` completes them (inner objects before the
    object holding them), and the line is that of the key's second appearance. None when no
    object repeats a key (or the text is not JSON).

    Example:
        >>> repeated_key_line('{"a": 1,\n "b": {"c": 1,\n  "c": 2},\n "a": 3}')
        3
    """

    def value(i: int) -> tuple[int, int | None]:
        i = _skip_space(text, i)
        if text[i] == "{":
            i, first_repeat, seen = _skip_space(text, i + 1), None, set()
            while text[i] == '"':
                key, end = _DECODER.raw_decode(text, i)
                if key in seen and first_repeat is None:
                    first_repeat = text.count("\n", 0, i) + 1
                seen.add(key)
                i, inner = value(_skip_space(text, end) + 1)  # past the colon
                if inner is not None:
                    return i, inner
                i = _skip_space(text, i)
                if text[i] != ",":
                    break
                i = _skip_space(text, i + 1)
            return i + 1, first_repeat  # past the closing brace
        if text[i] == "[":
            i = _skip_space(text, i + 1)
            while text[i] != "]":
                i, inner = value(i)
                if inner is not None:
                    return i, inner
                i = _skip_space(text, i)
                if text[i] != ",":
                    break
                i = _skip_space(text, i + 1)
            return i + 1, None
        return _DECODER.raw_decode(text, i)[1], None

    try:
        return value(0)[1]
    except (ValueError, IndexError, RecursionError):
        return None


class _LongIntegerError(ValueError):
    """A JSON integer with more digits than Python converts (``sys.get_int_max_str_digits``)."""

    def __init__(self, literal: str) -> None:
        self.literal = literal
        super().__init__(
            f"Exceeds the limit ({sys.get_int_max_str_digits()} digits) of a number: an integer of "
            f"{len(literal.lstrip('-'))} digits ({literal[:12]}...)"
        )


def _parse_int(literal: str) -> int:
    """``parse_int`` for :func:`json.loads`: ``int``, the error naming the number (it was Python's
    advice to call ``sys.set_int_max_str_digits()``, with no line in a JSON file)."""
    try:
        return int(literal)
    except ValueError:
        raise _LongIntegerError(literal) from None


def _literal_line(text: str, literal: str) -> int | None:
    """The line of the number ``literal`` in ``text`` (a run of digits standing alone)."""
    found = re.search(rf"(?<![\w.\-]){re.escape(literal)}(?![\w.])", text)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=unique_keys, parse_int=_parse_int)


def read_json_document(path: str | Path) -> JsonDocument:
    """Parse a JSON file, keeping its text so that later checks can name lines.

    Raises:
        FileFormatError: as :func:`read_text`, or the text is empty or not JSON (naming the line), or
            an object repeats a key (``json.loads`` would keep the last value without a word).
    """
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise FileFormatError(path, "empty file (expected JSON)")
    try:
        value = _loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid_json(path, exc) from exc
    except RepeatedKeyError as exc:
        raise FileFormatError(path, str(exc), repeated_key_line(text)) from None
    except RecursionError:
        raise FileFormatError(path, "JSON nested too deeply") from None
    except _LongIntegerError as exc:
        raise FileFormatError(path, f"invalid JSON: {exc}", _literal_line(text, exc.literal)) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise FileFormatError(path, f"invalid JSON: {exc}") from exc
    return JsonDocument(path, text, value)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; every problem names the file (and the line, where there is one)."""
    return read_json_document(path).value


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object per line (UTF-8 kept, as the public files have it).

    Raises:
        WriteError: the file cannot be written, or a record holds what standard UTF-8 JSON
            cannot (a number that is not finite, a lone surrogate): nothing is written then.
    """
    path = Path(path)
    with atomic_open(path, "w") as fh:  # a record refused: the temporary file removed, ``path`` as it was
        for number, row in enumerate(rows, start=1):
            fh.write(_json_text(path, row, record=number) + "\n")


#: Set (True) on an interrupt that :func:`append_jsonl` let through after its lines were written
#: whole: they are on disk, and a caller counting what it recorded counts them.
APPENDED_ATTR = "camerabench_lines_kept"


def own_file(path: str | Path) -> None:
    """Make a symbolic link at ``path`` a file of its own holding its target's bytes (none for a
    broken link; atomically, with a warning), before the file is changed in place: the link's
    target is never written (see the module docstring). Nothing happens for a regular file or
    nothing there.

    Raises:
        WriteError: a folder, pipe or device is at ``path`` (or a link to one), or the link's
            target cannot be read.
    """
    path = Path(path)
    if _check_target(path) is None:
        return
    try:
        kept = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise WriteError(path, f"cannot read the file the link leads to: {exc.strerror or exc}") from exc
    atomic_write_bytes(path, kept)  # warns that the link is replaced


def append_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    """Append complete lines and fsync (used for resumable per-video results).

    Each call appends whole lines or nothing: a write that fails part-way (a full disk, a file
    size limit, an interrupt between two partial writes) is undone, the file cut back to its
    size before the call, so the lines of earlier calls stay and no torn or partial set of lines
    is left for a reader. An interrupt that comes after every line was written (during the fsync)
    keeps them: they are whole, and undoing them lost a computed record. (Only a crash of the
    process or machine mid-write can leave a torn
    last line: readers report it as a format error naming the line, and the job runner drops it
    on ``--resume``, running that video again.)

    A symbolic link at ``path`` is first replaced (atomically, with a warning) by a file of its
    own holding its target's lines (none for a broken link): the target is never appended to
    (it was, while every other write replaced the link; a broken link's target was created).

    Raises:
        WriteError: the file cannot be written (naming it and the reason), a folder, pipe or device
            is at ``path`` (or a link to one), or a record holds what standard UTF-8 JSON cannot
            (see :func:`write_jsonl`): nothing is appended then.
    """
    path = Path(path)
    make_folder(path.parent)
    data = "".join(_json_text(path, r, record=n) + "\n" for n, r in enumerate(rows, start=1)).encode("utf-8")
    own_file(path)
    try:
        # O_NOFOLLOW: a link put there meanwhile is refused, not appended through
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o666)  # the umask applies
    except OSError as exc:
        raise write_error(path, exc) from exc
    try:
        start = os.fstat(fd).st_size
        view = memoryview(data)
        try:
            while view:  # a write may take only part of the bytes (a disk filling up)
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException as exc:
            if not view and not isinstance(exc, OSError):
                # every line written whole, the interrupt (Ctrl-C, SIGTERM) came during fsync: the
                # lines are complete and kept (undoing them lost a computed record); the caller
                # counts them as recorded (APPENDED_ATTR)
                setattr(exc, APPENDED_ATTR, True)
                raise
            try:
                if start == 0:  # created by this call (or empty): not left behind as an empty output
                    os.unlink(path)
                os.ftruncate(fd, start)
            except OSError as undo_exc:
                log.warning("%s: cannot remove the part of a failed append: %s", path, undo_exc)
            if isinstance(exc, OSError):
                raise write_error(path, exc) from exc
            raise
    except OSError as exc:
        raise write_error(path, exc) from exc
    finally:
        os.close(fd)


def iter_jsonl_numbered(path: str | Path, parse: Callable[[dict[str, Any]], T]) -> Iterator[tuple[int, T]]:
    """Yield ``(line number, parse(obj))`` for each non-empty line; errors name file and line.

    Lines are read one at a time (a large file is never held whole). ``parse`` may raise
    ``ValueError``, ``KeyError``, ``TypeError`` or ``OverflowError`` for a record that does
    not fit its schema; the error is re-raised as :class:`FileFormatError` with the line number.

    Raises:
        FileFormatError: as :func:`read_text`, or a line is not UTF-8, not JSON, not a JSON
            object, repeats a key within an object, or is not accepted by ``parse``.
    """
    path = Path(path)
    _check_readable(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise read_error(path, exc) from exc
    with fh:
        for lineno, raw in _numbered_lines(path, fh):
            data = _strip_bom(path, raw) if lineno == 1 else raw
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:  # chained: a line cut mid-character is told from a non-UTF-8 one
                raise _not_utf8(path, data, exc, lineno) from exc
            if not line.strip():
                continue
            try:
                obj = _loads(line)
            except json.JSONDecodeError as exc:
                if exc.msg == "Extra data" and "\r" in line[: exc.pos]:  # not chained: no torn last line
                    raise FileFormatError(
                        path,
                        "records separated by a carriage return alone (CR, the line end of classic Mac OS), "
                        "not by line breaks: save the file with LF (or CRLF) line ends",
                        lineno,
                    ) from None
                zeros = _zeros_to_end(fh) if line[exc.pos : exc.pos + 1] == "\x00" else None
                raise _invalid_json(path, exc, lineno, zeros) from exc
            except RepeatedKeyError as exc:
                raise FileFormatError(path, str(exc), lineno) from None
            except RecursionError:
                raise FileFormatError(path, "JSON nested too deeply", lineno) from None
            except ValueError as exc:  # e.g. an integer longer than Python converts
                raise FileFormatError(path, f"invalid JSON: {exc}", lineno) from exc
            if not isinstance(obj, dict):
                raise FileFormatError(path, f"expected a JSON object, got {type(obj).__name__}", lineno)
            try:
                item = parse(obj)
            except (KeyError, ValueError, TypeError, OverflowError) as exc:
                msg = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise FileFormatError(path, msg, lineno) from exc
            yield lineno, item


def _numbered_lines(path: Path, fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of each line of ``fh``; a read that fails (an I/O error, a stale
    NFS handle) is a :class:`FileFormatError` naming the line it could not read."""
    lineno = 0
    while True:
        try:
            raw = fh.readline()
        except OSError as exc:
            raise read_error(path, exc, lineno + 1) from exc
        if not raw:
            return
        lineno += 1
        yield lineno, raw


def iter_jsonl(path: str | Path, parse: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    """Yield ``parse(obj)`` for each non-empty line (see :func:`iter_jsonl_numbered`)."""
    for _, item in iter_jsonl_numbered(path, parse):
        yield item


def read_jsonl(path: str | Path, parse: Callable[[dict[str, Any]], T]) -> list[T]:
    return list(iter_jsonl(path, parse))
