"""Readers and writers for the three public CameraBench label formats.

- ``binary_classification/<Primitive>.jsonl``: :class:`~camerabench.taxonomy.BinaryRecord`
- ``vqa_and_retrieval/<skill>/<task>.jsonl``: :class:`VQAPair`
- ``caption_data.json``: :class:`CaptionItem`

Writing a file that was read reproduces it line for line.

Readers check every record against its format (field names, JSON types, video names that are
file names inside ``videos/``, questions that are the primitive's question) and name the file
and line of anything wrong. A record repeated exactly is dropped with a warning naming both
lines; the same (video, question) labelled both *Yes* and *No* is an error naming both lines.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from camerabench.errors import FileFormatError
from camerabench.fileio import atomic_write_text, iter_jsonl_numbered, read_json_document, write_jsonl
from camerabench.taxonomy import BinaryRecord, Primitive

__all__ = [
    "CAPTION_QUESTION",
    "CaptionItem",
    "VQAPair",
    "check_video_name",
    "is_blank",
    "read_binary_dir",
    "read_binary_file",
    "read_caption_file",
    "read_vqa_dir",
    "read_vqa_file",
    "write_binary_file",
    "write_caption_file",
    "write_vqa_file",
]

log = logging.getLogger(__name__)

CAPTION_QUESTION = "Describe the camera movement in this video."

_BINARY_FIELDS = ("image", "question", "label", "task", "label_name")

R = TypeVar("R")


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)``, shortened for an error message."""
    return _clip(repr(value), limit)


def _clip(text: str, limit: int = 60) -> str:
    """``text`` shortened for an error message (a 30 MB field was echoed whole)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: How much of a question, text or video name an error message quotes: a whole primitive question
#: (83 characters), so that a differing end still shows, but never a whole 30 MB field.
_TEXT_SHOWN = 300


def _check_fields(obj: dict[str, Any], fields: Iterable[str]) -> None:
    """Every field present, no other field."""
    fields = tuple(fields)
    missing = [f for f in fields if f not in obj]
    if missing:
        raise ValueError(f"missing field(s) {missing}")
    extra = sorted(set(obj) - set(fields))
    if extra:
        raise ValueError(f"unexpected field(s) {extra}")


#: Unicode general categories whose characters show nothing: control (Cc), format (Cf: zero-width
#: space U+200B, word joiner U+2060, byte order mark U+FEFF, the bidirectional marks such as U+202E)
#: and the separators (Zs, Zl, Zp).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})

#: The code points of Unicode's ``Default_Ignorable_Code_Point`` property (DerivedCoreProperties.txt,
#: Unicode 15) that are not in those categories: the combining grapheme joiner, the Hangul fillers,
#: the Khmer inherent vowels, the Mongolian and other variation selectors, and the ranges reserved
#: as ignorable (``(first, last)``, inclusive). A renderer shows nothing for them.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),
)


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return (
        ch.isspace()
        or unicodedata.category(ch) in _INVISIBLE_CATEGORIES
        or any(first <= code <= last for first, last in _IGNORABLE_RANGES)
    )


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, or only white space, control and format characters
    (zero-width space U+200B, word joiner U+2060, the bidirectional override U+202E, ...), separators
    and the other default-ignorable code points (variation selectors, Hangul fillers).

    ``str.strip`` removes white space only: a question of ``"\u202e\u200b"`` passed the label checks
    and stopped training, or failed every video, when the model was asked it. A combining mark
    alone (U+0301) is not blank: it is drawn (on a dotted circle), as are private-use characters.

    Example:
        >>> is_blank(" \u200b\u2060\ufeff "), is_blank("\u202e\u200b"), is_blank("\u200bPan?")
        (True, True, False)
    """
    return all(_invisible(ch) for ch in text)


def _string(obj: dict[str, Any], field: str) -> str:
    """``obj[field]`` if it is a string with a visible character (:func:`is_blank`) and no lone
    surrogate escape (:func:`_check_surrogates`)."""
    value = obj[field]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field!r} must be a non-empty string, got {_show(value)}")
    _check_surrogates(value, field)
    if is_blank(value):  # repr writes the invisible characters as escapes: '\u200b'
        raise ValueError(
            f"{field!r} has no visible character (zero-width, format or control characters only): {_show(value)}"
        )
    return value


def check_video_name(value: Any, field: str = "video") -> str:
    """``value`` if it names a video file inside ``videos/`` (a non-empty relative path without ``..``,
    without a Windows drive such as ``C:\\`` and not a URL such as ``https://...``; not ``.``, the folder
    itself; no file or folder name in it longer than 255 bytes; text that UTF-8 can hold, not a lone
    surrogate escape such as ``"\\ud800"``).

    Example:
        >>> check_video_name("clip.mp4")
        'clip.mp4'
        >>> check_video_name("")
        Traceback (most recent call last):
        ...
        ValueError: 'video' must be a video file name, got ''

    Raises:
        ValueError: anything else, naming ``field``.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field!r} must be a video file name, got {_show(value)}")
    _check_name_text(value, field)
    return value


@functools.lru_cache(maxsize=1 << 16)
def _check_name_text(value: str, field: str) -> None:
    """The checks of :func:`check_video_name` on a non-empty string, each name checked once (a
    video is named by many records: checking every one took a third of reading a large dataset)."""
    if _URL.match(value):  # normalised, "https://host/a.mp4" was "not written as its file (write 'https:/host/...')"
        raise ValueError(
            f"{field!r} is a URL, not a file name: {_show(value)}; download the video into videos/ and write its "
            "file name"
        )
    parts = PurePosixPath(value.replace("\\", "/"))
    if parts.is_absolute() or ".." in parts.parts or _WINDOWS_DRIVE.match(value):
        raise ValueError(f"{field!r} must name a file inside videos/, got {_show(value)}")
    if not parts.parts:  # "." or "./": the folder itself
        raise ValueError(f"{field!r} must be a video file name, got {_show(value)}")
    if any(len(part.encode("utf-8", "surrogatepass")) > _NAME_MAX for part in parts.parts):
        # no file system holds such a name: looking the file up stopped the run with an OSError
        raise ValueError(f"{field!r} has a name longer than {_NAME_MAX} bytes, which no file can have: {_show(value)}")
    # JSON's escape of half a UTF-16 pair (``"\ud800"``): no file name on disk, and no run file can
    # record it (UTF-8 cannot hold it); opening the video stopped the run with a traceback
    _check_surrogates(value, field)


def _check_surrogates(value: str, field: str) -> None:
    """Refuse a lone surrogate in ``value``: JSON's escape of half a UTF-16 pair (``"\\udcff"``),
    which is no text. UTF-8 cannot hold it: in a caption it stopped training with a tokenizer
    ``TypeError``, in a question the run stopped while writing its scores (where ``--resume`` could
    not help), in a video name opening the video stopped the run."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError(f"{field!r} holds a lone surrogate escape, not text: {_clip(ascii(value), _TEXT_SHOWN)}")


#: The longest file or folder name (in UTF-8 bytes) of the common file systems (ext4, APFS, NTFS).
_NAME_MAX = 255

#: A Windows drive path (``C:\\clips\\a.mp4``, ``C:/a.mp4``): absolute there, so outside ``videos/``.
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")

#: A URL (``https://host/a.mp4``, ``file:///data/a.mp4``, ``s3://bucket/a.mp4``): a scheme and ``://``.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def _parse_binary(obj: dict[str, Any]) -> BinaryRecord:
    _check_fields(obj, _BINARY_FIELDS)
    check_video_name(obj["image"], "image")
    for f in _BINARY_FIELDS[1:]:
        _string(obj, f)
    if obj["label"] not in ("Yes", "No"):
        raise ValueError(f"label must be 'Yes' or 'No', got {_show(obj['label'])}")
    rec = BinaryRecord(**{f: obj[f] for f in _BINARY_FIELDS})
    try:
        prim = Primitive.from_name(rec.task)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from exc
    if rec.task != prim.task:  # " Pan Left " or "Pan_Left": split one file into two tasks, or took a question
        raise ValueError(f"task {_show(rec.task)} is not written as the primitive's task {prim.task!r}")
    if rec.question != prim.question:
        raise ValueError(
            f"question {_show(rec.question, _TEXT_SHOWN)} is not the {prim.task} question {prim.question!r}"
        )
    if rec.label_name != prim.label_name:
        raise ValueError(
            f"label_name {_show(rec.label_name, _TEXT_SHOWN)} is not the {prim.task} label name {prim.label_name!r}"
        )
    return rec


def _without_repeats(
    path: Path, numbered: Iterable[tuple[int, R]], key: Callable[[R], Hashable], conflict: Callable[[R, R], str]
) -> list[R]:
    """The records of a file in order, an exact repeat dropped with a warning.

    Two records with the same ``key`` that differ are an error: ``conflict(first, later)``
    says how, and the error names the lines of both.
    """
    first: dict[Hashable, tuple[int, R]] = {}
    out: list[R] = []
    for line, rec in numbered:
        k = key(rec)
        seen = first.get(k)
        if seen is None:
            first[k] = (line, rec)
            out.append(rec)
        elif seen[1] == rec:
            log.warning("%s:%d: repeats line %d exactly; the repeat is dropped", path, line, seen[0])
        else:
            raise FileFormatError(path, f"{conflict(seen[1], rec)} (line {seen[0]} and this line)", line)
    return out


def _jsonl_records(path: Path, parse: Callable[[dict[str, Any]], R]) -> Iterator[tuple[int, R]]:
    """:func:`iter_jsonl_numbered`, its error saying so when the file is not JSON Lines but another
    JSON layout (a JSON array, an object written over several lines, two records on one line), or
    when the bad line is a last line cut short (it was JSON's complaint about the first character,
    e.g. ``invalid JSON: Expecting value (column 1)`` for the ``[`` of a pretty-printed array)."""
    try:
        yield from iter_jsonl_numbered(path, parse)
    except FileFormatError as exc:
        better = _layout_problem(path, exc)
        if better is None:
            raise
        raise FileFormatError(path, better, exc.line) from exc


#: How a label file holds one record per line (said in each layout error).
_JSONL_RULE = "a label .jsonl file holds one JSON object per line (JSON Lines)"


def _layout_problem(path: Path, exc: FileFormatError) -> str | None:
    """What :func:`_jsonl_records` says instead of ``exc`` (None: ``exc`` as it is)."""
    if exc.line is None or not exc.problem.startswith(("invalid JSON", "expected a JSON object, got list")):
        return None
    before_blank, raw, last = True, b"", False
    with open(path, "rb") as fh:  # read up to this line before: it opens, and is UTF-8 so far
        for number, line in enumerate(fh, start=1):
            if number == exc.line:
                raw, last = line, fh.read(1) == b""
                break
            before_blank = before_blank and not line.strip()
    text = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if text.startswith("{") and text.endswith(",") and _is_json(text[:-1]):
        # '{"image": ...},' (records separated as in a JSON array): was "written over several lines"
        return f"ends with a ',' after its record: {_JSONL_RULE}, with no comma between records; remove it"
    if text.startswith("[") and before_blank:
        return f"holds a JSON array (a .json document), not JSON Lines: {_JSONL_RULE}, not in a list"
    if text.startswith("{") and text.endswith(("{", ",", "[")) and not last:  # "{" or '{"image": "a.mp4",'
        return f"holds a JSON object written over several lines: {_JSONL_RULE}, each on one line ({exc.problem})"
    if exc.problem.startswith("invalid JSON: Extra data") and text.startswith("{"):
        return f"holds more than one JSON value on this line (records joined without a newline?): {_JSONL_RULE}"
    if "NUL byte" in exc.problem:  # said by iter_jsonl_numbered, with what the zeros mean
        return None
    if last and not raw.endswith(b"\n"):
        return f"{exc.problem}; it is the last line and ends without a newline: the file may be cut short"
    return None


def _is_json(text: str) -> bool:
    """Whether ``text`` is one JSON value."""
    try:
        json.loads(text)
    except ValueError:  # JSONDecodeError, or an integer longer than Python converts
        return False
    return True


def read_binary_file(path: str | Path) -> list[BinaryRecord]:
    """All records of one binary-classification file, in file order, validated.

    An exact repeat of a record is dropped with a warning naming both lines; a file without
    records reads as an empty list, with a warning.

    Raises:
        FileFormatError: a malformed record, the same video labelled both Yes and No (naming
            both lines), or records of more than one task.
    """
    path = Path(path)
    recs = _without_repeats(
        path,
        _jsonl_records(path, _parse_binary),
        key=lambda r: (r.image, r.question),
        conflict=lambda a, b: (
            f"{_clip(b.image, _TEXT_SHOWN)} is labelled both {a.label!r} and {b.label!r} for "
            f"{_show(b.question, _TEXT_SHOWN)}"
        ),
    )
    tasks = {r.task for r in recs}
    if len(tasks) > 1:
        raise FileFormatError(path, f"one file must hold one task, found {sorted(tasks)}")
    if not recs:
        log.warning("%s: holds no record (an empty label file); no video is labelled for it", path)
    return recs


def write_binary_file(path: str | Path, records: list[BinaryRecord]) -> None:
    write_jsonl(path, (r.to_dict() for r in records))


def read_binary_dir(folder: str | Path) -> dict[Primitive, list[BinaryRecord]]:
    """Every ``<Primitive>.jsonl`` present in a folder (absent primitives are absent keys).

    Other visible files are left out with a warning, as is a folder without label files.

    Raises:
        FileFormatError: ``folder`` is not a folder, a ``.jsonl`` file whose name is not a
            primitive, or whose records belong to another primitive, or a file named
            ``.json`` / ``.JSONL`` (which would otherwise be left out).
    """
    folder = Path(folder)
    _check_folder(folder)
    _check_misnamed(folder.iterdir())
    _warn_subfolders(folder.iterdir(), f"label files sit directly in {folder}")
    out: dict[Primitive, list[BinaryRecord]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        _refuse_folder(path)
        try:
            prim = Primitive(path.stem)
        except ValueError as exc:
            raise FileFormatError(path, f"{path.stem!r} is not a primitive file name{_file_hint(path)}") from exc
        recs = read_binary_file(path)
        if recs and recs[0].primitive is not prim:
            raise FileFormatError(path, f"file holds {recs[0].task} records, not {prim.task}")
        out[prim] = recs
    if not out:
        log.warning("%s: holds no <Primitive>.jsonl label file", folder)
    return {p: out[p] for p in Primitive if p in out}


def _file_hint(path: Path) -> str:
    """For the error of a binary label file whose name is no primitive's: the primitive's file
    name it is in other letter case (``move_in.jsonl``, ``MOVE_IN.jsonl`` -> ``Move_In.jsonl``)."""
    alike = [p.file for p in Primitive if p.file.casefold() == path.name.casefold()]
    return f" (names are case-sensitive: rename it {alike[0]!r})" if alike else ""


@dataclass(frozen=True)
class VQAPair:
    """One Winoground-style pair: a positive and a negative (video, question).

    The positive question is answered *Yes* on the positive video and *No* on the negative
    video; the negative question the other way round.
    """

    skill: str
    task: str
    images: tuple[str, str]
    texts: tuple[str, str]
    pos_video: str
    neg_video: str
    pos_text: str
    neg_text: str
    pos_question: str
    neg_question: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["images"], d["texts"] = list(self.images), list(self.texts)
        return d

    @property
    def cells(self) -> list[tuple[str, str, bool]]:
        """The 4 (video, question, expected answer) cells."""
        return [
            (self.pos_video, self.pos_question, True),
            (self.neg_video, self.pos_question, False),
            (self.neg_video, self.neg_question, True),
            (self.pos_video, self.neg_question, False),
        ]


_VQA_FIELDS = tuple(VQAPair.__dataclass_fields__)


def _parse_vqa(obj: dict[str, Any]) -> VQAPair:
    _check_fields(obj, _VQA_FIELDS)
    for f in ("images", "texts"):
        value = obj[f]
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            raise ValueError(f"{f!r} must be a list of two strings, got {_show(value)}")
    for f in ("pos_video", "neg_video"):
        check_video_name(obj[f], f)
    for f in ("skill", "task", "pos_text", "neg_text", "pos_question", "neg_question"):
        _string(obj, f)
    for f in ("pos_question", "neg_question"):
        _check_question(obj[f], f)
    pair = VQAPair(**{**obj, "images": tuple(obj["images"]), "texts": tuple(obj["texts"])})
    if pair.images != (pair.pos_video, pair.neg_video):
        raise ValueError("images must be [pos_video, neg_video]")
    if pair.texts != (pair.pos_text, pair.neg_text):
        raise ValueError("texts must be [pos_text, neg_text]")
    if pair.pos_video == pair.neg_video:
        raise ValueError(f"pos_video and neg_video are the same video {_show(pair.pos_video, _TEXT_SHOWN)}")
    if pair.pos_question == pair.neg_question:
        raise ValueError(f"pos_question and neg_question are the same question {_show(pair.pos_question, _TEXT_SHOWN)}")
    if pair.pos_text == pair.neg_text:  # retrieval ranks the two texts: it could not tell them apart
        raise ValueError(f"pos_text and neg_text are the same text {_show(pair.pos_text, _TEXT_SHOWN)}")
    return pair


def _check_question(question: str, field: str) -> None:
    """Refuse a question written with other spacing, or a primitive's question written otherwise
    (:func:`_primitive_written_otherwise`): it was asked of a video as a question of its own, beside
    the one it is (the video asked twice), and a Yes here against a No in the binary file was not seen
    as a contradiction (red team R79: ``Does the camera pan to the right`` without its ``?``, with a
    zero-width space inside, or with a Cyrillic ``а`` for the Latin ``a``). A question that differs in
    a word (``pan to the left``) is another question."""
    spaced = " ".join(question.split())
    if spaced != question:
        raise ValueError(f"{field!r} {_show(question)} has white space at an end or a run of it; write {_show(spaced)}")
    found = _primitive_written_otherwise(question)
    if found is not None:
        prim, how = found
        raise ValueError(
            f"{field!r} {_show(question, _TEXT_SHOWN)} is the {prim.task} question {how}: {prim.question!r}; write "
            "it as that question (written otherwise it is asked as another one, and its answers are not checked "
            "against the binary labels)"
        )


#: The end of a question that :func:`_question_key` leaves out: a final ``?`` or ``.``, missing or extra.
_FINAL_MARKS = "?."

#: How many invisible or look-alike characters an error message names (then ``...``).
_SHOWN = 5


def _hidden(ch: str) -> bool:
    """Whether ``ch`` shows nothing and is no white space: a format character (category Cf:
    zero-width space U+200B, word joiner U+2060, byte-order mark U+FEFF, soft hyphen U+00AD, the
    bidirectional marks), a control character or another default-ignorable code point (:func:`is_blank`)."""
    return not ch.isspace() and _invisible(ch)


def _without_format(text: str) -> str:
    """``text`` without the characters that show nothing (:func:`_hidden`)."""
    return "".join(ch for ch in text if not _hidden(ch))


def _question_key(question: str) -> str:
    """What two spellings of one question share: no character that shows nothing, NFKC form (full-width
    letters, ligatures), letter case and spacing folded, no final ``?`` or ``.``."""
    text = unicodedata.normalize("NFKC", _without_format(question))
    text = " ".join(unicodedata.normalize("NFKC", text.casefold()).split())
    return text.rstrip(_FINAL_MARKS + " ")


@functools.lru_cache(maxsize=1 << 12)
def _primitive_written_otherwise(question: str) -> tuple[Primitive, str] | None:
    """The primitive whose canonical question ``question`` is, written otherwise, and how (in the
    words of an error message); None when it is a canonical question or no primitive's.

    Written otherwise is: the same once the characters that show nothing are removed (:func:`_hidden`),
    NFKC-normalised, letter case and spacing folded and a final ``?`` or ``.`` left out
    (:func:`_question_key`); or a look-alike: as long as a canonical question (without those
    characters, final marks left out) and differing from it only where the label's character is not
    ASCII (a Cyrillic or Greek letter drawn as the Latin one, ``ï`` for ``i``) in words that keep an
    ASCII letter (:func:`_look_alike`). No question of the public files is near one (873 questions, 4
    with a non-ASCII character: a typographic apostrophe in a long description). Cached per question:
    one is asked by many pairs."""
    if question in _questions_exact():
        return None
    prim = _questions_keyed().get(_question_key(question))
    if prim is not None:
        return prim, _how_written(question, prim.question)
    if question.isascii():
        return None
    for prim in Primitive:
        where = _look_alike(question, prim.question)
        if where:
            shown = ", ".join(f"{i + 1} ({_code(ch)}, not {prim.question[j]!r})" for i, j, ch in where[:_SHOWN])
            more = ", ..." if len(where) > _SHOWN else ""
            return prim, f"with look-alike character(s) at position {shown}{more}"
    return None


def _how_written(question: str, canonical: str) -> str:
    """How ``question`` differs from ``canonical``, which it is by :func:`_question_key`."""
    hows = []
    hidden = [(i, ch) for i, ch in enumerate(question) if _hidden(ch)]
    if hidden:
        shown = ", ".join(f"{_code(ch)} at position {i + 1}" for i, ch in hidden[:_SHOWN])
        hows.append(f"with invisible character(s) {shown}{', ...' if len(hidden) > _SHOWN else ''}")
    text = _without_format(question)
    end = len(text) - len(text.rstrip(_FINAL_MARKS))
    if text[len(text) - end :] != canonical[len(canonical) - 1 :]:
        hows.append(f"ending in {text[len(text) - end :]!r}" if end else f"without its final {canonical[-1]!r}")
    text, core = text[: len(text) - end], canonical.rstrip(_FINAL_MARKS)
    if (
        unicodedata.normalize("NFKC", text) != text
        and unicodedata.normalize("NFKC", text).casefold() != text.casefold()
    ):
        hows.append("in compatibility characters (full-width letters, ligatures; NFKC form differs)")
    if unicodedata.normalize("NFKC", text) != core:
        hows.append("in other letter case")
    return " and ".join(hows) or "written otherwise"


def _look_alike(question: str, canonical: str) -> list[tuple[int, int, str]]:
    """The look-alike characters of ``question`` against ``canonical`` as (position in ``question``,
    position in ``canonical``, character), all non-ASCII; [] when it differs elsewhere too, in length
    (invisible characters and final marks left out) or nowhere, or when a word holding one keeps no
    ASCII letter: a look-alike is a letter in a word of Latin letters (``cаmera``; mixed scripts in one
    word, the sign of spoofing of Unicode TS #39), a non-ASCII word of the same length in its place is
    another word. A word written wholly in look-alikes (Greek ``το`` for ``to``) is missed."""
    kept = [(i, ch) for i, ch in enumerate(question) if not _hidden(ch)]
    while kept and kept[-1][1] in _FINAL_MARKS:
        kept.pop()
    core = canonical.rstrip(_FINAL_MARKS)
    if len(kept) != len(core):
        return []
    where = []
    for j, ((i, ch), want) in enumerate(zip(kept, core, strict=True)):
        if ch == want or ch.casefold() == want.casefold():
            continue
        if ch.isascii():
            return []
        where.append((i, j, ch))
    words = [_word_span(core, j) for _, j, _ in where]
    if not all(any(kept[k][1].isascii() and kept[k][1].isalpha() for k in range(*span)) for span in words):
        return []  # a word of other letters only ("влево" for "right"): another word, not a look-alike
    return where


def _word_span(text: str, j: int) -> tuple[int, int]:
    """The (start, end) of the run of letters of ``text`` around position ``j``."""
    start, end = j, j + 1
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isalpha():
        end += 1
    return start, end


def _code(ch: str) -> str:
    """``U+0430 CYRILLIC SMALL LETTER A``."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '(no name)')}"


@functools.cache
def _questions_exact() -> frozenset[str]:
    return frozenset(p.question for p in Primitive)


@functools.cache
def _questions_keyed() -> dict[str, Primitive]:
    """The primitives by :func:`_question_key` of their question (looked up once per VQA question: a
    scan of the 15 took most of the time of reading thousands of task files)."""
    return {_question_key(p.question): p for p in Primitive}


def read_vqa_file(path: str | Path, task: str | None = None) -> list[VQAPair]:
    """The pairs of one VQA task file, validated; a repeat is dropped with a warning.

    A repeat is a pair written exactly as another, or with its two sides swapped (positive video,
    question and text written as the negative ones and the other way round): the same test, which
    would be counted twice. A pair asking the same 4 (video, question) cells with other texts is
    kept (its texts are another retrieval test).

    Args:
        path: the task file.
        task: the task every pair's ``task`` field must name (:func:`read_vqa_dir` passes the file
            stem, under which the pairs are scored); None: not checked.

    Raises:
        FileFormatError: a malformed pair, or a pair of another task than ``task`` (naming the line).
    """
    path = Path(path)
    numbered = list(_jsonl_records(path, _parse_vqa))
    if task is not None:
        _check_task(path, numbered, task)
    first: dict[Hashable, tuple[int, VQAPair]] = {}
    pairs: list[VQAPair] = []
    for line, pair in numbered:
        key = (
            pair.skill,
            pair.task,
            frozenset(
                {(pair.pos_video, pair.pos_question, pair.pos_text), (pair.neg_video, pair.neg_question, pair.neg_text)}
            ),
        )
        if key in first:
            seen_line, seen = first[key]
            how = "line %d exactly" if pair == seen else "the pair of line %d with its two sides swapped"
            log.warning(f"%s:%d: repeats {how}; the repeat is dropped", path, line, seen_line)
            continue
        first[key] = (line, pair)
        pairs.append(pair)
    _check_cell_answers(path, numbered)
    if not pairs:
        log.warning("%s: holds no pair (an empty task file)", path)
    return pairs


def _check_task(path: Path, numbered: Iterable[tuple[int, VQAPair]], task: str) -> None:
    """Refuse a file mixing pairs of several tasks: every pair is scored as the task of its file
    (its stem, ``task``), so a pair of another task (a ``has_zoom_in`` pair appended to
    ``has_pan_left.jsonl``) was read without a word and scored as ``has_pan_left`` (red team R54).
    A file whose pairs all name one other task (a researcher's subset of a task file saved as
    ``forward_subset.jsonl``) is read, with a warning that its pairs are scored under the file's
    name. (The ``skill`` field is not checked: it names another grouping than the folder in the
    public files.)"""
    rows = list(numbered)
    tasks = {pair.task for _, pair in rows}
    if len(tasks) == 1 and task not in tasks:
        log.warning(
            "%s: every pair names task %s, not the file's %r: they are scored as %r (a subset or renamed task file?)",
            path,
            _show(next(iter(tasks)), _TEXT_SHOWN),
            task,
            task,
        )
        return
    for line, pair in rows:
        if pair.task != task and len(tasks) > 1:
            raise FileFormatError(
                path,
                f"a pair of task {_show(pair.task, _TEXT_SHOWN)} in the task file of {task!r}, among pairs of "
                f"{len(tasks)} tasks: every pair of a file is scored as its file's task; move it to {pair.task}.jsonl "
                "(or correct its task field)",
                line,
            )


def _check_cell_answers(path: Path, numbered: Iterable[tuple[int, VQAPair]]) -> None:
    """Refuse a (video, question) cell that one pair expects *Yes* and another *No*.

    Every metric counts both cells, so one of them would be scored wrong whatever the method
    answers (as a video labelled both Yes and No in a binary file).
    """
    first: dict[tuple[str, str], tuple[int, bool]] = {}
    for line, pair in numbered:
        for video, question, expected in pair.cells:
            seen = first.setdefault((video, question), (line, expected))
            if seen[1] != expected:
                answers = ("'No'", "'Yes'")
                raise FileFormatError(
                    path,
                    f"{_clip(video, _TEXT_SHOWN)} is expected to answer {answers[seen[1]]} and {answers[expected]} to "
                    f"{_show(question, _TEXT_SHOWN)} (line {seen[0]} and this line)",
                    line,
                )


def write_vqa_file(path: str | Path, pairs: list[VQAPair]) -> None:
    write_jsonl(path, (p.to_dict() for p in pairs))


def read_vqa_dir(folder: str | Path) -> dict[tuple[str, str], list[VQAPair]]:
    """``(skill folder, task file stem)`` -> pairs, for every ``<skill>/<task>.jsonl``.

    Raises:
        FileFormatError: ``folder`` is not a folder, a file in it is malformed or holds a pair whose
            ``task`` field is not the file's stem, or a task file is named ``.json`` / ``.JSONL``
            (which would otherwise be left out).
    """
    folder = Path(folder)
    _check_folder(folder)
    stray = sorted(p.name for p in folder.glob("*.jsonl"))
    if stray:
        log.warning("%s: %s not inside a <skill>/ folder; not read", folder, ", ".join(stray))
    _check_misnamed(folder.glob("*/*"))
    _warn_subfolders(folder.glob("*/*"), f"task files sit in {folder}/<skill>/, one level down")
    paths = sorted(folder.glob("*/*.jsonl"))
    for path in paths:
        _refuse_folder(path)
    tasks = {(p.parent.name, p.stem): read_vqa_file(p, p.stem) for p in paths}
    if not tasks:
        log.warning("%s: holds no <skill>/<task>.jsonl task file", folder)
    return tasks


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise FileFormatError(folder, "is a file, not a folder" if folder.exists() else "folder not found")


def _warn_subfolders(paths: Iterable[Path], rule: str) -> None:
    """Warn about visible folders among ``paths``: label files inside them are not read. A folder
    named as a label file (``Pan_Right.jsonl/``) is left to :func:`_refuse_folder`: it was warned
    about ("not read") and then refused, two messages for one folder."""
    for path in sorted(paths):
        if not path.name.startswith(".") and path.suffix != ".jsonl" and path.is_dir():
            inside = sum(1 for p in path.rglob("*.jsonl") if p.is_file())
            log.warning("%s: a folder (holding %d .jsonl file(s)); not read: %s", path, inside, rule)


def _refuse_folder(path: Path) -> None:
    """Refuse a folder named as a label file (``Pan_Right.jsonl/``): the label file is read by that
    name, and a folder is none."""
    if path.is_dir():
        raise FileFormatError(
            path,
            "is a folder, not a file: a label file of this name is read here, and files inside a folder are not; "
            "remove or rename the folder (or put the label file in its place)",
        )


def _check_misnamed(paths: Iterable[Path]) -> None:
    """Refuse a label file whose name ends in ``.json`` or ``.JSONL`` (it would not be read); warn
    about any other visible file that is not a ``.jsonl`` file."""
    for path in sorted(paths):
        if path.name.startswith(".") or path.suffix == ".jsonl" or not path.is_file():
            continue
        if path.suffix.lower() in (".jsonl", ".json"):
            raise FileFormatError(path, "label files end in '.jsonl' (lower case); this one would not be read")
        log.warning("%s: not a .jsonl label file; not read", path)


@dataclass(frozen=True)
class CaptionItem:
    video: str
    question: str
    answer: str


_CAPTION_FIELDS = ("video", "question", "answer")


def _parse_caption(obj: Any) -> CaptionItem:
    if not isinstance(obj, dict):
        raise ValueError(f"an item must be an object with keys video, question, answer, got {_show(obj)}")
    _check_fields(obj, _CAPTION_FIELDS)
    answer = _string(obj, "answer")
    if not any(ch.isalnum() for ch in answer):
        # no word to compare: an empty caption would match it (pycocoevalcap's ROUGE-L scores
        # two empty texts 1), so a failed caption would score as a right one
        raise ValueError(f"'answer' must be a reference caption with words, got {_show(answer)}")
    return CaptionItem(check_video_name(obj["video"]), _string(obj, "question"), answer)


def read_caption_file(path: str | Path) -> list[CaptionItem]:
    """Items of ``caption_data.json`` (a JSON list of {video, question, answer}), validated.

    An exact repeat of an item is dropped with a warning; a video may have several reference
    captions.

    Raises:
        FileFormatError: not a JSON list, an item that is malformed (naming its line), or items
            asking different questions (the caption run asks one question of every video).
    """
    try:
        doc = read_json_document(path)
    except FileFormatError as exc:
        if exc.problem.startswith("invalid JSON: Extra data") and _starts_with(exc.path, b"{"):
            # JSON Lines (one item per line, as the other label files are): it was "Extra data"
            raise FileFormatError(
                exc.path,
                "holds one JSON object per line (JSON Lines); a caption file, as caption_data.json, holds one "
                "JSON list of {video, question, answer} items",
                exc.line,
            ) from exc
        raise
    if not isinstance(doc.value, list):
        raise doc.error(f"{doc.path.name} must hold a JSON list, got {type(doc.value).__name__}")
    items = []
    for i, obj in enumerate(doc.value):
        try:
            items.append(_parse_caption(obj))
        except ValueError as exc:
            raise doc.error(f"item {i}: {exc}", i) from exc
    if not items:
        log.warning("%s: holds no caption item (an empty list)", doc.path)
    for i, item in enumerate(items):
        if item.question != items[0].question:  # the caption run asks one question of every video
            raise doc.error(
                f"item {i} asks {_show(item.question, _TEXT_SHOWN)}, item 0 asks "
                f"{_show(items[0].question, _TEXT_SHOWN)}: a caption file holds one question (it is the one asked "
                "of every video)",
                i,
            )
    if len(set(items)) == len(items):
        return items
    return _without_repeated_items(doc.path, doc.item_lines(), items)


def _without_repeated_items(path: Path, lines: list[int], items: list[CaptionItem]) -> list[CaptionItem]:
    """The caption items in order, an exact repeat dropped with a warning naming both items (their
    index in the list) and, when they start on different lines, both lines: several items on one line
    (a file written without line breaks) were each warned as "line 1 repeats line 1"."""
    first: dict[CaptionItem, int] = {}
    kept: list[CaptionItem] = []
    for i, (line, item) in enumerate(zip(lines, items, strict=True)):
        seen = first.setdefault(item, i)
        if seen == i:
            kept.append(item)
        elif lines[seen] != line:
            log.warning(
                "%s:%d: repeats line %d exactly (item %d repeats item %d); the repeat is dropped",
                path,
                line,
                lines[seen],
                i,
                seen,
            )
        else:
            log.warning("%s:%d: item %d repeats item %d exactly; the repeat is dropped", path, line, i, seen)
    return kept


def _starts_with(path: Path, start: bytes) -> bool:
    """Whether the text of ``path`` starts with ``start`` (after a byte-order mark and white space)."""
    with open(path, "rb") as fh:
        head = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(start)


def write_caption_file(path: str | Path, items: list[CaptionItem]) -> None:
    """Write in the public layout (a JSON list, 4-space indent)."""
    atomic_write_text(path, json.dumps([asdict(i) for i in items], indent=4))
