"""ShotBench's multiple-choice table (design.md B10): reading, checking and writing it.

A data folder holds ShotBench tables as released, ``DATA/labels/shotbench/<name>.tsv`` (or
``.csv``, ``.xlsx``, ``.xlsm``: :data:`TABLE_EXTENSIONS`, the one list both :func:`read_mcq_dir` and
:func:`read_mcq_table` read), with the columns ``index, type, path, question, options, answer, category``.
A ``.csv`` export is read as the TSV is (Python's ``csv`` module, its header row, the same columns and
checks), its cells separated by commas and quoted as spreadsheets and pandas quote them. A table path
that is not a regular file (a pipe, a link to a device) is refused before it is opened (it hung).
The columns:

- ``type``: a JSON list such as ``["video"]`` (a Python-literal list or a bare word is accepted too);
- ``path``: a Python-literal list of media paths relative to the data folder (ShotBench's
  ``image/...`` and ``video/...`` folders go into ``DATA``); a bare path or a tuple is accepted too;
- ``options``: a JSON object from option letter to option text (a Python dict literal, as pandas
  writes a dict column, is accepted too);
- ``answer``: the letter of the right option; ``category``: one of ShotBench's 8 dimensions
  (read in its lower-case spelling whatever its case, spacing, underscores and hyphens:
  ``Camera-Movement`` and ``camera_movement`` are ``camera movement``; another category is kept as
  written, with one warning per table for those close to one of the 8, such as ``camera movements``).

A column whose header cell is empty is not read; when rows hold data under it, a warning names it. In an
``.xlsx`` table a spreadsheet error cell (``#N/A``, ``#VALUE!``) in a table column is an error naming
the sheet and cell, and hidden or filtered-out rows are read (the table's content is what is scored),
with a warning naming them.

Every row is checked when read: a bad row (an answer that is not one of its option letters,
options that are not a JSON object or repeat a letter, a media path outside the data folder, a
URL, a Windows path (``video\\a.mp4``, ``video/sub\\a.mp4``) or with white space at an end, media files
that do not exist (all of them counted and named in one error, with the line of the first, and the
file on disk each differs from only in letter case or Unicode form when there is one), one medium listed
twice (``./video/a.mp4`` beside ``video/a.mp4`` too), a type that contradicts its medium's
extension (``["image"]`` for an ``.mp4``, ``["video"]`` for a ``.txt``), a repeated index, a question
asked again under another index with another answer (the same options under other letters are the
same question, and the answer's text is compared; the same question with the same answer and category
is dropped, with a warning), more cells than the header, a cell that opens a quote and does not close
it as TSV quoting does) is a :class:`~camerabench.errors.FileFormatError` naming the file and line.
A table with a header and no row reads as no question, with a warning.

Answer extraction (:func:`extract_choice`) is deterministic: it lives here, beside the
table, so that both the scorer (``eval/mcq.py``, which re-exports it) and the GRPO trainer's
correctness reward (``baselines/vlm/grpo.py``) use the same rule.

Example:
    >>> row = MCQRow("7", "demo", ("video",), ("video/a.mp4",), "How does the camera move?",
    ...              {"A": "Pan left", "B": "Tilt up"}, "B", "camera movement", 2)
    >>> row.kind, row.option_text("B")
    ('video', 'Tilt up')
    >>> extract_choice("<think>the view rises</think><answer>(B)</answer>", row.options)
    Choice(letter='B', rule='letter')
    >>> answer_text("<answer> Yes. </answer>")
    'Yes'
"""

from __future__ import annotations

import ast
import csv
import io
import json
import logging
import os
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NoReturn

from camerabench.errors import FileFormatError
from camerabench.fileio import RepeatedKeyError, _check_readable, atomic_write_text, read_text, stand_in, unique_keys
from camerabench.labelfiles import is_blank

__all__ = [
    "CATEGORIES",
    "COLUMNS",
    "TABLE_EXTENSIONS",
    "Choice",
    "MCQRow",
    "answer_text",
    "check_options",
    "extract_choice",
    "read_mcq_dir",
    "read_mcq_table",
    "write_mcq_table",
]

#: ShotBench's columns, in its order.
COLUMNS = ("index", "type", "path", "question", "options", "answer", "category")

#: ShotBench's 8 categories (its "Avg" is the unweighted mean of their accuracies); a table may
#: hold other categories, which are scored the same way.
CATEGORIES = (
    "shot size",
    "shot framing",
    "camera angle",
    "lens size",
    "lighting type",
    "lighting conditions",
    "composition",
    "camera movement",
)

log = logging.getLogger(__name__)

#: ShotBench's categories by their lower-case, single-spaced spelling (:func:`_category_key`):
#: ``Camera Movement``, ``camera  movement``, ``camera_movement`` or ``Camera-Movement`` is read as
#: ``camera movement``, so that one dimension is not split in two (and counted twice in the mean)
#: and the methods that answer one dimension find its rows.
_CANONICAL_CATEGORY = {c: c for c in CATEGORIES}

#: A category this many edits (letters added, removed or changed, :func:`_edit_distance`) or fewer
#: from one of ShotBench's 8, after :func:`_category_key`, is warned about as resembling it: a plural
#: (``camera movements``, 1) or a typo (``camera movment``, 1; ``lightning type``, 1). The 8 are at
#: least 4 apart (``shot size`` and ``lens size``, measured), so one is resembled at most.
_CATEGORY_EDITS = 2


def _category_key(text: str) -> str:
    """A category cell as its dimension is compared: lower case, underscores and hyphens read as
    spaces, runs of white space as one space, none at the ends."""
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


def _edit_distance(a: str, b: str, limit: int) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` when it is more than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return min(previous[-1], limit + 1)


def _resembled_category(category: str) -> str | None:
    """The one of ShotBench's 8 categories that ``category`` (not one of them) is close to (see
    :data:`_CATEGORY_EDITS`), or None."""
    key = _category_key(category)
    if key in _CANONICAL_CATEGORY:
        return None
    return next((c for c in CATEGORIES if _edit_distance(key, c, _CATEGORY_EDITS) <= _CATEGORY_EDITS), None)


_LETTER = re.compile(r"[A-Z]")


@dataclass(frozen=True)
class MCQRow:
    """One multiple-choice question.

    Attributes:
        index: the row's ``index`` as text (the key answers are matched on).
        table: the table's file stem.
        types: media types (``image`` or ``video``), one per path.
        paths: media paths relative to the data folder.
        question: the question text.
        options: option letter -> option text, in the table's order.
        answer: the right option's letter.
        category: the dimension the question tests (e.g. ``camera movement``).
        line: the line of the table the row starts on (2 for the first row after the header).
    """

    index: str
    table: str
    types: tuple[str, ...]
    paths: tuple[str, ...]
    question: str
    options: dict[str, str]
    answer: str
    category: str
    line: int

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """The row's index, options and answer hold what a table holds (:func:`read_mcq_table`
        refuses the rest): an index of text, option keys of one upper-case letter ``A``-``Z`` with
        texts, and an answer that is one of the keys. Run when the row is made, and again where
        rows enter scoring or a table (the options are a dict, which may change after).

        Raises:
            TypeError: the index is not a string, or the options not a mapping.
            ValueError: an empty index or one with white space at an end, an option key that is
                not an upper-case letter A-Z (``"a"``: the answer key and the options must agree,
                and replies name options in upper case), an option text that is not a non-empty
                string, or an answer that is not one of the keys; each naming the row.
        """
        where = f"row {self.table}/{self.index}"
        if not isinstance(self.index, str):
            raise TypeError(
                f"{where}: index must be a string (the table's index column is text), "
                f"got {type(self.index).__name__} {self.index!r}"
            )
        if not self.index.strip() or self.index != self.index.strip():
            raise ValueError(f"{where}: index {self.index!r} must be non-empty text without white space at its ends")
        if not isinstance(self.options, Mapping):
            raise TypeError(
                f"{where}: options must be a mapping of option letter to text, got {type(self.options).__name__}"
            )
        try:
            check_options(self.options)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if not isinstance(self.answer, str) or self.answer not in self.options:
            raise ValueError(f"{where}: answer {self.answer!r} is not one of its options ({', '.join(self.options)})")

    @property
    def kind(self) -> str:
        """``video`` when any medium is a video, else ``image``."""
        return "video" if "video" in self.types else "image"

    def option_text(self, letter: str) -> str:
        return self.options[letter]

    def media(self, data_root: str | Path) -> list[Path]:
        """The media files, resolved against the data folder."""
        return [Path(data_root) / p for p in self.paths]

    def to_columns(self) -> dict[str, str]:
        """The row as the table's cells (what :func:`write_mcq_table` writes)."""
        return {
            "index": self.index,
            "type": json.dumps(list(self.types)),
            "path": repr(list(self.paths)),
            "question": self.question,
            "options": json.dumps(self.options, ensure_ascii=False),
            "answer": self.answer,
            "category": self.category,
        }


def check_options(options: Mapping[Any, Any]) -> None:
    """The rule for option keys and texts, wherever options enter (the table reader,
    :class:`MCQRow`, :func:`write_mcq_table`, :func:`extract_choice`): each key one upper-case
    letter ``A``-``Z`` (a reply names an option by it in upper case; the English article "a" is
    not option A), each text a string that is not empty or white space only.

    Raises:
        ValueError: the first option that breaks it, named (a lower-case key is not upper-cased
            here: the answer key would have to change with it).
    """
    for letter, text in options.items():
        if not isinstance(letter, str) or not _LETTER.fullmatch(letter):
            hint = ""
            if isinstance(letter, str) and _LETTER.fullmatch(letter.upper()):
                hint = f" (write {letter.upper()!r}, and the answer in upper case too)"
            raise ValueError(f"option {letter!r}: keys must be letters A-Z and texts non-empty strings{hint}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                f"option {letter!r}: keys must be letters A-Z and texts non-empty strings, got the text {text!r}"
            )


def _list_cell(text: str, column: str, parse: Any) -> tuple[str, ...]:
    stripped = text.strip()
    if not stripped:
        raise ValueError(f"{column} is empty")
    tupled = stripped.startswith("(") and stripped.endswith(")")  # ('video/a.mp4',): Python's tuple
    if not stripped.startswith("[") and not tupled:
        return (stripped,)
    try:
        value = parse(stripped)
    except (ValueError, SyntaxError, TypeError) as exc:  # TypeError: literal_eval of e.g. [{[]: 1}]
        if tupled:
            raise ValueError(_not_a_tuple(column, stripped)) from None
        raise ValueError(f"{column} is not a list: {stripped[:60]!r} ({exc})") from None
    except RecursionError:
        raise ValueError(f"{column} is nested too deeply: {stripped[:60]!r}") from None
    if tupled:
        # was read as one bare path "('video/a.mp4',)" ("media not found", or accepted with no data
        # folder); a tuple is the list in Python's other notation, and ('video/a.mp4') its one string
        if isinstance(value, str):
            value = [value]
        elif isinstance(value, tuple):
            value = list(value)
        else:
            raise ValueError(_not_a_tuple(column, stripped))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{column} must be a non-empty list of strings, got {stripped[:60]!r}")
    return tuple(value)


#: A list cell as it should be written, for the errors of :func:`_list_cell`.
_EXAMPLE = {"type": '["video"]', "path": "['video/a.mp4']"}


def _not_a_tuple(column: str, text: str) -> str:
    return f"{column} {text[:60]!r} is not a tuple of strings; write a list such as {_EXAMPLE[column]!r}"


def _check_relative(paths: tuple[str, ...]) -> None:
    """Every media path is relative to the data folder and stays inside it."""
    for p in paths:
        pure = PurePosixPath(p.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or _WINDOWS_DRIVE.match(p):
            raise ValueError(f"path {p!r} must be relative to the data folder and inside it")
        if not pure.parts:
            raise ValueError(f"path {p!r} names the data folder, not a media file")
        if p != p.strip():  # inside a list (a bare path is stripped): it was "media not found: video/a.mp4 "
            raise ValueError(f"path {p!r} begins or ends with white space; write {p.strip()!r}")
        if _URL.match(p):  # was "media not found"; with no data folder, accepted (and failed per run)
            raise ValueError(f"path {p!r} is a URL: media paths are files relative to the data folder")
        if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in p):
            # a NUL or newline, or half a UTF-16 pair ("\ud800"): no file has that name; opening
            # it stopped the run with a traceback, and UTF-8 (run files) cannot hold a surrogate
            raise ValueError(f"path {p!a} holds a control character or a lone surrogate, not a file name")
    first: dict[str, str] = {}
    for p in paths:  # "video/a.mp4" and "./video/a.mp4" are one medium: the model was shown it twice
        key = posixpath.normpath(p.replace("\\", "/"))
        if key in first:
            shown = repr(p) if p == first[key] else f"{first[key]!r} and {p!r} (one file)"
            raise ValueError(f"path lists {shown} more than once")
        first[key] = p


#: Extensions (lower case) of still images (what OpenCV reads); ``.gif`` is neither this nor a
#: video only: a GIF may be one picture or an animation, and is accepted as either.
_IMAGE_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".webp", ".tif", ".tiff", ".jp2", ".pbm", ".pgm", ".ppm", ".avif"}
)


#: Extensions (lower case) of files that are neither a video nor an image: text, data, documents,
#: subtitles, audio, archives. A medium with one is refused whatever its type (``videos/notes.txt``
#: typed ``video`` was accepted, and failed per run); an extension on no list is left to the reader.
_NOT_MEDIA_EXTENSIONS = frozenset(
    {".txt", ".md", ".rst", ".log", ".json", ".jsonl", ".csv", ".tsv", ".xml", ".html", ".htm", ".yaml", ".yml"}
    | {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".xlsm", ".ods", ".py", ".sh", ".npy", ".npz", ".pkl", ".pt"}
    | {".srt", ".vtt", ".ass", ".wav", ".mp3", ".flac", ".aac", ".m4a", ".opus"}
    | {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar"}
)


def _check_kinds(types: tuple[str, ...], paths: tuple[str, ...]) -> None:
    """Each medium's type agrees with its file's extension: the runner opens a ``video`` as a
    video and an ``image`` as one picture (an ``.mp4`` typed ``image`` was opened as an image), and
    a file that is neither (:data:`_NOT_MEDIA_EXTENSIONS`, ``notes.txt``) is no medium of either type."""
    from camerabench.video import VIDEO_EXTENSIONS  # imported here: it loads PyAV

    for kind, p in zip(types, paths, strict=True):
        suffix = PurePosixPath(p.replace("\\", "/")).suffix.lower()
        if suffix == ".gif":
            continue
        if suffix in _NOT_MEDIA_EXTENSIONS:
            raise ValueError(
                f"type says {kind!r} for {p!r}, but {suffix!r} is neither a video nor an image extension "
                "(a text, data, audio or archive file): name the medium's file"
            )
        if (kind == "image" and suffix in VIDEO_EXTENSIONS) or (kind == "video" and suffix in _IMAGE_EXTENSIONS):
            other = "a video" if kind == "image" else "an image"
            raise ValueError(f"type says {kind!r} for {p!r}, but {suffix!r} is {other} extension")


#: A Windows drive path (``C:\\media\\a.mp4``): absolute there, outside the data folder.
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")


def _json_or_python(text: str) -> Any:
    """A JSON value, or else a Python literal (``['video']``: the ``path`` column's notation, used
    for the ``type`` column too; it was "type is not a list")."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def _check_separators(text: str) -> None:
    """Refuse a ``path`` cell holding a Windows path (``video\\clip.mp4``, no ``/`` in it): no such
    file on the other systems, and inside a Python literal ``\\a``, ``\\t`` or ``\\n`` is read as a
    control character (``video\\a.mp4`` was "holds a control character", ``video\\clip.mp4``
    "media not found" after a SyntaxWarning). A backslash that starts a Python escape of a
    character (``\\x..``, ``\\u....``, ``\\'``) is left to the literal, as is a drive
    (``C:\\``, refused as outside the data folder)."""
    stripped = text.strip()
    listed = stripped.startswith("[") or (stripped.startswith("(") and stripped.endswith(")"))
    if "\\" not in text or not listed:
        return  # a bare path is taken as written: its backslashes are said after (_check_backslashes)
    invalid = any(_invalid_escape(m) for m in _ESCAPE.finditer(text))
    if "/" in text:
        # "/" too: a path of the other systems, mixed; a "\\n" in it is a control character and a
        # "\\\\" a backslash in the name, said after; a backslash that is no escape at all
        # (['video/sub\\clip.mp4']) was a SyntaxWarning on stderr, then "media not found"
        if not invalid:
            return
    elif _WINDOWS_SEPARATOR.search(text) is None:
        return
    _refuse_backslashes(text, invalid)


def _refuse_backslashes(text: str, invalid: bool = False) -> None:
    """Raise the Windows-path error for the ``path`` cell ``text``, unless it names a drive: that
    is refused as outside the data folder, after reading the literal unless it holds a backslash
    that is no escape (``invalid``: reading it would print a warning)."""
    shown = re.sub(r"/+", "/", text.strip().replace("\\", "/"))  # "\\\\" (an escaped one) is one "/" too
    if _WINDOWS_DRIVE.match(shown.lstrip("[('\" ")):  # "C:\\media\\a.mp4": outside the data folder
        if invalid:  # ['C:\\media/a.mp4']: was a SyntaxWarning on stderr before the error
            raise ValueError(f"path {text.strip()[:80]!r} must be relative to the data folder and inside it")
        return
    raise ValueError(f"path {text.strip()[:80]!r} separates folders with '\\' (a Windows path); write {shown!r}")


def _check_backslashes(text: str, paths: tuple[str, ...]) -> None:
    """Refuse media paths of the ``path`` cell ``text`` that still hold a backslash once read
    (``video/sub\\clip.mp4`` as a bare path, ``['video/sub\\\\clip.mp4']``): a Windows separator
    mixed with ``/`` (it was "media not found", or accepted with no data folder). Checked after
    :func:`_check_relative`, whose errors (a control character, one medium listed twice) come first."""
    if any("\\" in p for p in paths):
        _refuse_backslashes(text)


#: A backslash in a Python literal and what it escapes (an escaped backslash as one unit).
_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|.?)", re.DOTALL)


def _invalid_escape(match: re.Match[str]) -> bool:
    """Whether an :data:`_ESCAPE` match is no escape in a Python string (``\\c``, ``\\s``, ``\\xm``):
    Python keeps the backslash, with a warning, or refuses the literal (``\\x``, ``\\N``)."""
    escaped = match.group(1)
    return escaped == "" or (len(escaped) == 1 and escaped not in "\\\n'\"abfnrtv01234567")


#: A backslash in a ``path`` cell that is no Python escape of a character (a folder separator).
_WINDOWS_SEPARATOR = re.compile(r"\\(?!x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{|['\"])")

#: A URL (``https://host/a.mp4``): a scheme and ``://``.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def _options(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except RepeatedKeyError as exc:
        raise ValueError(f"options: {exc}") from None
    except json.JSONDecodeError as exc:
        python = _python_options(text)  # "{'A': 'Pan left'}", as pandas writes a dict: was refused
        if python is not None:
            return python
        raise ValueError(f"options is not a JSON object: {text[:60]!r} ({exc.msg})") from None
    except RecursionError:
        raise ValueError(f"options is nested too deeply: {text[:60]!r}") from None
    except ValueError as exc:  # an integer longer than Python converts
        raise ValueError(f"options is not a JSON object: {text[:60]!r} ({exc})") from None


def _python_options(text: str) -> dict[Any, Any] | None:
    """The options written as a Python dict literal (``str(dict)``), or None when ``text`` is not one.

    Raises:
        ValueError: the dict repeats a key (``ast.literal_eval`` would keep the last one).
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if not isinstance(node, ast.Dict):
            return None
        value = ast.literal_eval(node)
        keys = [ast.literal_eval(k) for k in node.keys if k is not None]
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if repeated is not None:
        raise ValueError(f"options: the key {repeated!r} appears twice in one object")
    return value


def _parse_row(cells: dict[str, str], table: str, line: int, data_root: Path | None) -> MCQRow:
    index = cells["index"].strip()
    if not index:
        raise ValueError("index is empty")
    types = _list_cell(cells["type"], "type", _json_or_python)
    bad_types = sorted(set(types) - {"image", "video"})
    if bad_types:
        raise ValueError(f"type must list 'image' or 'video', got {bad_types}")
    _check_separators(cells["path"])
    paths = _list_cell(cells["path"], "path", ast.literal_eval)
    _check_relative(paths)
    _check_backslashes(cells["path"], paths)
    if len(types) not in (1, len(paths)):
        raise ValueError(f"type lists {len(types)} media types for {len(paths)} path(s)")
    if len(types) == 1:
        types = types * len(paths)
    _check_kinds(types, paths)
    question = cells["question"]
    if not question.strip():
        raise ValueError("question is empty")
    if not any(ch.isalnum() for ch in question):
        raise ValueError(f"question has no word: {question[:60]!r}")
    options = _options(cells["options"])
    if not isinstance(options, dict) or len(options) < 2:
        raise ValueError(f"options must be a JSON object of at least two options, got {cells['options'][:60]!r}")
    check_options(options)
    for letter, text in options.items():
        if any("\ud800" <= ch <= "\udfff" for ch in text):  # JSON's "\ud800": no text a prompt can carry
            raise ValueError(f"option {letter}'s text {text!a} holds a lone surrogate escape, not text")
        # "..." or only invisible characters ("\u200b", a word joiner): a reply could name it only
        # by its letter, and an empty reply names it
        if is_blank(_clean(text)):
            raise ValueError(f"option {letter}'s text {text!r} has no word")
    answer = cells["answer"].strip()
    if answer not in options:
        raise ValueError(
            f"answer {answer!r} is not one of the option letters {', '.join(options)}{_answer_hint(answer, options)}"
        )
    alike = [k for k, v in options.items() if k != answer and _option_key(v) == _option_key(options[answer])]
    if alike:  # a reply naming the right text names both: unparsed, scored wrong whatever the model knew
        raise ValueError(
            f"the answer {answer}'s text {options[answer]!r} is also option {alike[0]}'s "
            f"({options[alike[0]]!r}): a reply naming it could not be told apart"
        )
    category = _CANONICAL_CATEGORY.get(_category_key(cells["category"]), cells["category"].strip())
    if not category:
        raise ValueError("category is empty")
    return MCQRow(index, table, types, paths, question, options, answer, category, line)


def _answer_hint(answer: str, options: dict[str, str]) -> str:
    """What an ``answer`` cell that is no option letter may mean, for its error: an option's letter
    in other case or with punctuation (``b``, ``(B)``, ``B.``), or an option's text with or without
    its letter (``Tilt up``, ``B. Tilt up``). The cell holds the letter alone."""
    cleaned = _clean(answer)
    if len(cleaned) == 1 and cleaned.upper() in options:
        return f" (write the letter alone: {cleaned.upper()!r})"
    head, _, rest = cleaned.partition(" ")
    for letter, text in options.items():
        if _clean(text).lower() in (cleaned.lower(), rest.lower() if head.upper() == letter else None):
            return f" (it gives option {letter}'s text {text!r}: write its letter {letter!r})"
    return ""


def _repeated_options(options: dict[str, str]) -> list[str]:
    """The letters of the first group of options whose texts read alike (empty when none do)."""
    groups: dict[str, list[str]] = {}
    for letter, text in options.items():
        groups.setdefault(_option_key(text), []).append(letter)
    return next((letters for letters in groups.values() if len(letters) > 1), [])


def _tsv_rows(path: Path, delimiter: str = "\t", kind: str = "TSV") -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a TSV table (or, with ``delimiter=","``, a CSV one: :func:`_csv_rows`)."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileFormatError(path, "empty table (no header row)") from None
    except csv.Error as exc:
        raise FileFormatError(path, f"not a {kind} table: {_csv_problem(exc)}", 1) from None
    yield from _rows_with_header(path, header, reader, kind)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a ``.csv`` table: read as the TSV is, its cells separated by commas."""
    return _tsv_rows(path, ",", "CSV")


def _csv_problem(exc: csv.Error) -> str:
    """The reader's complaint, with what a cell's quotes must be when it is about them.

    The reader is strict: a cell that starts with ``"`` is quoted to its closing ``"`` (as pandas
    and :func:`write_mcq_table` write it); one that was not (``"Wide" or close?``) lost its quotes
    without a word, and an unclosed one swallowed the rows after it.
    """
    text = str(exc).replace("\t", "\\t")
    if "expected after" in text or "end of data" in text:
        text += ": a cell that starts with '\"' must end with '\"', each '\"' inside it written twice"
    return text


def _rows_with_header(path: Path, header: list[str], reader: Any, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a table after its ``header`` (``kind``: ``TSV``, ``CSV`` or ``xlsx``), as the
    table's columns, with the line each starts on. A column whose header cell is empty is not read;
    when rows hold data under it, one warning names it (see :func:`_warn_unnamed`)."""
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise FileFormatError(path, f"missing column(s) {missing}; found {names}{_separator_hint(names, kind)}", 1)
    repeated = [c for c in COLUMNS if names.count(c) > 1]
    if repeated:
        raise FileFormatError(path, f"column(s) {repeated} appear more than once in the header", 1)
    where = {c: names.index(c) for c in COLUMNS}
    unnamed = {i: 0 for i, name in enumerate(names) if not name}  # column -> rows holding data there
    start = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FileFormatError(path, f"not a {kind} row: {_csv_problem(exc)}", start) from None
        end = getattr(reader, "line_num", start)
        if not any(c.strip() for c in cells):
            start = end + 1
            continue
        if len(cells) < len(names) or any(c.strip() for c in cells[len(names) :]):
            raise FileFormatError(path, f"{len(cells)} cells, the header has {len(names)}", start)
        for i in unnamed:
            unnamed[i] += bool(cells[i].strip())
        yield start, {c: cells[i] for c, i in where.items()}
        start = end + 1
    _warn_unnamed(path, {i: n for i, n in unnamed.items() if n}, kind == "xlsx")


#: The cell separators of text tables, what each is called, and the extension it is read under.
_SEPARATORS = {"\t": ("tabs", ".tsv"), ",": ("commas", ".csv"), ";": ("semicolons", None)}


def _separator_hint(names: list[str], kind: str) -> str:
    """For the missing-columns error of a TSV or CSV table whose header is one cell: the separator
    that cell holds instead (a TSV saved as ``.csv``, a spreadsheet's CSV with semicolons)."""
    if len(names) != 1 or kind not in ("TSV", "CSV"):
        return ""
    for separator, (called, extension) in _SEPARATORS.items():
        if separator in names[0] and extension != f".{kind.lower()}":
            what = f"name the file {extension}" if extension else "export it with commas (.csv) or tabs (.tsv)"
            return f" (the header is one cell of names separated by {called}: the file is no {kind} table; {what})"
    return ""


def _warn_unnamed(path: Path, unnamed: dict[int, int], lettered: bool) -> None:
    """Warn of the columns (0-based, with how many rows hold data there) whose header cell is empty:
    they are not read (it was without a word). A pandas export's index column has no header."""
    if not unnamed:
        return
    said = ", ".join(
        f"column {i + 1}{f' ({_column_letter(i + 1)})' if lettered else ''}: {n} row{'s' if n > 1 else ''}"
        for i, n in unnamed.items()
    )
    log.warning(
        "%s:1: %d column%s with an empty header cell hold%s data (%s); not read (a pandas export's unnamed "
        "index column is harmless; otherwise give the column its header, one of %s)",
        path,
        len(unnamed),
        "s" if len(unnamed) > 1 else "",
        "" if len(unnamed) > 1 else "s",
        said,
        ", ".join(COLUMNS),
    )


def _column_letter(number: int) -> str:
    """A spreadsheet's letters for the 1-based column ``number`` (1 is ``A``, 27 ``AA``)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


#: The first bytes of an OLE2 compound file: an old Excel ``.xls``, or an ``.xlsx`` saved with a password
#: (the encrypted workbook is stored inside one).
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Integers a spreadsheet's numbers (doubles) hold exactly.
_EXACT_INTEGERS = 2**53


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an ``.xlsx`` table's one sheet holding data, as text, with the sheet's row numbers.

    Read with openpyxl cell by cell (red team R70: through ``pandas.read_excel`` only the first sheet
    was read, a stale one beside the active one, without a word; a repeated column or a cell past the
    header came back renamed ``answer.1`` / ``Unnamed: 7`` and passed; dates, logical values and
    numbers past 2**53 became other text). Refused, naming the file, row and cell: a workbook with data
    on more than one sheet; merged cells (the value is in the first cell only); a date or time, a
    logical value, or a number a spreadsheet cannot hold exactly (text the spreadsheet converted:
    write it as text); a formula whose saved value is empty or missing (a file written by a program
    that does not compute formulas). Those are the checks of the table's columns (:data:`COLUMNS`);
    other columns are read as text, whatever they hold. Whole numbers read as integers (``2.0`` is
    ``2``), other numbers as Python writes them (``3.5``). An OLE2 file (a password-protected workbook,
    or an old ``.xls`` renamed) and an empty file are said to be so.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_OLE2_MAGIC))
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror or exc}") from None
    if not head:
        raise FileFormatError(path, "empty file (0 bytes), not an xlsx workbook")
    if head == _OLE2_MAGIC:
        raise FileFormatError(
            path,
            "an OLE2 compound file, not an xlsx workbook: a password-protected workbook or an old Excel .xls; "
            "save it as .xlsx without a password (or as .tsv)",
        )
    try:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:
        raise FileFormatError(path, f"reading .xlsx needs openpyxl ({exc})") from None
    try:
        values = load_workbook(path, data_only=True)
    except KeyError as exc:  # a zip archive without the workbook's parts
        raise FileFormatError(
            path, f"not an xlsx table: a zip archive without an Excel workbook in it ({exc})"
        ) from None
    except (InvalidFileException, ValueError, OSError, zipfile.BadZipFile, SyntaxError, TypeError) as exc:
        # a truncated or foreign file (BadZipFile), a damaged part (xml ParseError, a SyntaxError)
        try:
            with path.open("rb") as fh:
                pointer = stand_in(fh.read(512), "the xlsx table")
        except OSError:  # a file that cannot be read again: openpyxl's error below stands, without this hint
            pointer = None
        raise FileFormatError(path, pointer or f"not an xlsx table: {exc}") from None
    holding = [
        ws for ws in values.worksheets if any(v is not None for row in ws.iter_rows(values_only=True) for v in row)
    ]
    if not holding:
        raise FileFormatError(path, "empty table (no header row)")
    if len(holding) > 1:
        names = ", ".join(repr(ws.title) for ws in holding)
        raise FileFormatError(
            path,
            f"data on {len(holding)} sheets ({names}): a ShotBench table is one sheet; delete the others (or "
            "save each as its own file)",
        )
    sheet = holding[0]
    merged = sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    if merged:
        first = merged[0]
        raise FileFormatError(
            path,
            f"cells {first.coord} are merged (the value is in the first cell only): unmerge them and write "
            "the value in each row",
            first.min_row,
        )

    def formulas() -> Any:  # read again only where a kept cell is empty: was it a formula? (R72: 1.7x the time)
        return load_workbook(path, data_only=False)[sheet.title]

    _warn_hidden(path, sheet)
    texts = _SheetRows(path, sheet, formulas)
    header = next(texts, None)
    if not header:
        raise FileFormatError(
            path, f"row 1 is empty: the header ({', '.join(COLUMNS)}) must be the sheet's first row", 1
        )
    yield from _rows_with_header(path, header, texts, "xlsx")


#: How many row numbers the warning of :func:`_warn_hidden` names before "...".
_SHOWN_ROWS = 5


def _warn_hidden(path: Path, sheet: Any) -> None:
    """Warn of the sheet's hidden rows (hidden by hand or filtered out) that hold data: they are read
    and scored as the others are (the table's content is what is scored), but whoever looks at the
    sheet does not see them (it was without a word)."""
    hidden = sorted(r for r, dim in sheet.row_dimensions.items() if dim.hidden and r <= sheet.max_row)
    holding = [
        r
        for r in hidden
        if any(v is not None for row in sheet.iter_rows(min_row=r, max_row=r, values_only=True) for v in row)
    ]
    if not holding:
        return
    shown = ", ".join(map(str, holding[:_SHOWN_ROWS])) + (", ..." if len(holding) > _SHOWN_ROWS else "")
    by_filter = f"; the sheet has a filter on {sheet.auto_filter.ref}" if sheet.auto_filter.ref else ""
    log.warning(
        "%s: sheet %r: %d hidden row%s holding data (row%s %s%s); read and scored as the others: unhide them to "
        "see what is scored, and delete the rows that should not be",
        path,
        sheet.title,
        len(holding),
        "s" if len(holding) > 1 else "",
        "s" if len(holding) > 1 else "",
        shown,
        by_filter,
    )


class _SheetRows:
    """The rows of an openpyxl sheet as lists of text without trailing empty cells, padded to the
    header's width (``line_num``: the sheet's row number of the last row given). The cells of the
    table's columns (:data:`COLUMNS`) are read as :func:`_xlsx_rows` says; the others, which the table
    does not use, as text whatever they hold (R72: a date in an ``annotated_on`` column beside them
    refused the table)."""

    def __init__(self, path: Path, sheet: Any, formulas: Callable[[], Any]) -> None:
        self._path, self._load_formulas, self._title = path, formulas, sheet.title
        self._formulas: Any = None
        self._rows = sheet.iter_rows()
        self.line_num = 0
        self._width = 0
        self._kept: set[int] = set()

    def __iter__(self) -> _SheetRows:
        return self

    def __next__(self) -> list[str]:
        cells = next(self._rows)
        self.line_num += 1
        if self.line_num == 1:
            texts = ["" if cell.value is None else str(cell.value) for cell in cells]
            self._kept = {i for i, name in enumerate(texts) if name.strip() in COLUMNS}
        else:
            texts = [self._text(cell) if i in self._kept else _any_text(cell.value) for i, cell in enumerate(cells)]
        while texts and not texts[-1]:
            texts.pop()
        if self.line_num == 1:
            self._width = len(texts)
        return texts + [""] * (self._width - len(texts))

    def _text(self, cell: Any) -> str:
        import datetime

        value = cell.value
        where = f"cell {cell.coordinate}"
        if cell.data_type == "e":  # #N/A, #VALUE!: was read as that text
            raise FileFormatError(
                self._path,
                f"{where} of sheet {self._title!r} holds the spreadsheet error {value} (a formula that failed, or "
                "an error typed in): write the value",
                self.line_num,
            )
        if value is None:
            if self._formulas is None:
                self._formulas = self._load_formulas()
            formula = self._formulas[cell.coordinate].value
            if isinstance(formula, str) and formula.startswith("="):
                raise FileFormatError(
                    self._path,
                    f"{where} holds a formula ({formula}) whose saved value is empty or missing (a program that "
                    "does not compute formulas saves none): write the value",
                    self.line_num,
                )
            return ""
        if isinstance(value, bool):
            raise FileFormatError(
                self._path, f"{where} is the logical value {str(value).upper()}: write it as text", self.line_num
            )
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            raise FileFormatError(
                self._path,
                f"{where} is a date or time ({value}), text a spreadsheet converted: write it as text (format "
                "the cell as Text)",
                self.line_num,
            )
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not value.is_integer():
                return repr(value)
            if abs(value) >= _EXACT_INTEGERS:
                raise FileFormatError(
                    self._path,
                    f"{where} holds the number {value:.17g}, past what a spreadsheet holds exactly (2**53): "
                    "write it as text",
                    self.line_num,
                )
            return str(int(value))
        return str(value)


def _any_text(value: Any) -> str:
    """A cell of a column the table does not use, as text (only whether it is empty matters)."""
    return "" if value is None else str(value)


#: The table files ShotBench folders hold, by extension (lower case), and how each is read: the one
#: list :func:`read_mcq_dir` and :func:`read_mcq_table` read (they disagreed on ``.xlsm``).
_TABLE_READERS: dict[str, Callable[[Path], Iterator[tuple[int, dict[str, str]]]]] = {
    ".tsv": _tsv_rows,
    ".csv": _csv_rows,
    ".xlsx": _xlsx_rows,
    ".xlsm": _xlsx_rows,
}
#: The extensions of ShotBench tables (lower case), in the order they are named.
TABLE_EXTENSIONS = tuple(_TABLE_READERS)


def _extensions_said() -> str:
    return ", ".join(TABLE_EXTENSIONS[:-1]) + f" or {TABLE_EXTENSIONS[-1]}"


def read_mcq_table(path: str | Path, data_root: str | Path | None = None) -> list[MCQRow]:
    """Every row of one ShotBench table (:data:`TABLE_EXTENSIONS`: ``.tsv``, ``.csv``, ``.xlsx``,
    ``.xlsm``), checked.

    A row asking the question of an earlier row (the same media, question and option texts, under
    the same letters or not) under another index is an error naming both lines when its answer's
    text differs (one of the two would be scored wrong whatever the reply), as in the binary label
    files; with the same answer it is dropped with a warning naming both lines when its category is
    the same too (it would be counted twice there), and kept when it asks the question for another
    category. Categories close to one of ShotBench's 8 but not it (``camera movements``) are kept
    as written, with one warning for the table naming each, the one it resembles and its rows.

    Args:
        path: the table.
        data_root: the data folder the ``path`` column is relative to; when given, every
            medium must exist there.

    Raises:
        FileFormatError: the file is not a regular file or cannot be read, its extension is not a
            table's, a column is missing, a row is bad, or two rows ask the same question with
            different answers (file:line).
    """
    path = Path(path)
    root = Path(data_root) if data_root is not None else None
    _check_readable(path)  # before opening: a pipe or a link to /dev/zero named .xlsx hung
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods"):
        raise FileFormatError(path, f"a {suffix} spreadsheet: save it as .xlsx (or as .tsv) to read it")
    reader = _TABLE_READERS.get(suffix)
    if reader is None:
        raise FileFormatError(
            path, f"not a ShotBench table: its extension is not {_extensions_said()}; export the table as .tsv or .xlsx"
        )
    rows_in = reader(path)
    rows: list[MCQRow] = []
    seen: dict[str, int] = {}
    asked: dict[Hashable, MCQRow] = {}  # the first row asking each question (see _question_key)
    in_category: dict[tuple[Hashable, str], MCQRow] = {}  # ... in each category
    missing: list[tuple[int, str, str]] = []  # (line, medium, type) not a file there, all named at once
    for line, cells in rows_in:
        try:
            row = _parse_row(cells, path.stem, line, root)
        except ValueError as exc:
            raise FileFormatError(path, str(exc), line) from None
        if row.index in seen:
            raise FileFormatError(path, f"index {row.index!r} is repeated (first on line {seen[row.index]})", line)
        seen[row.index] = line
        key = _question_key(row)
        first = asked.setdefault(key, row)
        if first is not row:
            twin = in_category.get((key, row.category))
            _repeated_row(path, first, row, twin)  # an error when the answers differ
            if twin is not None:
                continue  # counted twice in its category otherwise
        in_category[key, row.category] = row
        rows.append(row)
        if root is not None:
            missing += [
                (line, p, kind) for kind, p in zip(row.types, row.paths, strict=True) if not (root / p).is_file()
            ]
        repeated = _repeated_options(row.options)
        if repeated:  # not the answer's text (an error above): scored right, but fewer real choices
            log.warning(
                "%s:%d: options %s have the same text %r; the question has fewer distinct choices than options",
                path,
                line,
                " and ".join(repeated),
                row.options[repeated[0]],
            )
    if missing and root is not None:  # media are looked for only in a data folder
        _raise_missing(path, root, missing, len(rows))
    if not rows:
        log.warning("%s: holds no question (a header without rows)", path)
    _warn_resembled(path, rows)
    return rows


def _warn_resembled(path: Path, rows: list[MCQRow]) -> None:
    """One warning for the table naming each category that is not one of ShotBench's 8 but close to
    one (:func:`_resembled_category`), the one it resembles and how many rows it has: it is kept as a
    category of its own (a table may hold others), but a plural or a typo split one dimension in two."""
    counts: dict[str, int] = {}
    for row in rows:
        if row.category not in _CANONICAL_CATEGORY:
            counts[row.category] = counts.get(row.category, 0) + 1
    resembled = {c: known for c in counts if (known := _resembled_category(c)) is not None}
    if not resembled:
        return
    said = "; ".join(
        f"{c!r} ({counts[c]} row{'s' if counts[c] > 1 else ''}) resembles {known!r}" for c, known in resembled.items()
    )
    log.warning(
        "%s: categor%s not one of ShotBench's 8 but close to one: %s; each is read as a category of its own: write "
        "the known one if it is that dimension",
        path,
        "ies" if len(resembled) > 1 else "y",
        said,
    )


def _question_key(row: MCQRow) -> Hashable:
    """What makes two rows the same question: the same media (``./video/a.mp4`` is ``video/a.mp4``),
    the same question (white space aside) and the same option texts, whatever their letters and order
    (the same options shuffled ask the same question: their answers are compared by text)."""
    return (
        tuple(posixpath.normpath(p) for p in row.paths),
        " ".join(row.question.split()),
        tuple(sorted(row.options.values())),
    )


def _repeated_row(path: Path, first: MCQRow, row: MCQRow, twin: MCQRow | None) -> None:
    """A row asking the question of an earlier row (``first``) under another index (see
    :func:`read_mcq_table`): with another answer, an error naming both lines (one of the two was
    scored wrong whatever the reply); with the same answer, a repeat of ``twin`` (the earlier row
    of its category), dropped with a warning naming both lines (it was counted twice), or, with no
    such row, the question asked for another category too, kept (logged). The binary label files'
    rule (:mod:`camerabench.labelfiles`).

    Raises:
        FileFormatError: the two rows give different answers.
    """
    text, first_text = row.options[row.answer], first.options[first.answer]
    if text != first_text:
        if row.options == first.options:
            answers = f"with answer {row.answer!r}, but row {first.index!r} has {first.answer!r}"
        else:  # shuffled: the letters alone may agree
            answers = (
                f"with the options under other letters and answer {row.answer!r} ({text!r}), but row "
                f"{first.index!r} has {first.answer!r} ({first_text!r})"
            )
        raise FileFormatError(
            path,
            f"row {row.index!r} asks the question of row {first.index!r} (line {first.line} and this line: the same "
            f"media, question and options) {answers}: one of the two would be scored wrong whatever the reply",
            row.line,
        )
    if twin is None:
        log.info(
            "%s:%d: row %r asks the question of row %r of line %d for another category (%r, not %r): kept in both",
            path,
            row.line,
            row.index,
            first.index,
            first.line,
            row.category,
            first.category,
        )
        return
    log.warning(
        "%s:%d: row %r repeats row %r of line %d (the same media, question, options, answer and category); the "
        "repeat is dropped",
        path,
        row.line,
        row.index,
        twin.index,
        twin.line,
    )


#: How many missing media the error of :func:`read_mcq_table` names before "and N more".
_SHOWN_MEDIA = 5


def _raise_missing(table: Path, root: Path, media: list[tuple[int, str, str]], rows: int) -> NoReturn:
    """The error of :func:`read_mcq_table` for the ``media`` (line, path, type) that are not files
    in the data folder ``root``: every one counted and named at once, before any work (it was the
    first one only: a copy missing 300 clips was found out one run at a time). A medium that is
    there but is no file (a folder named ``clip.mp4``, a symbolic link that loops or leads nowhere)
    is said as what it is, as :mod:`camerabench.video` says it; it was "media not found" too.

    Raises:
        FileFormatError: always, on the first line that names such a medium.
    """
    from camerabench.video import _not_a_file  # imported here: it loads PyAV

    # lexists: a link is there even when what it points to is not
    absent = [(line, p) for line, p, _ in media if not os.path.lexists(root / p)]
    present = [(line, p, kind) for line, p, kind in media if os.path.lexists(root / p)]
    problems = []
    if absent:
        lines = sorted({line for line, _ in absent})
        listings: dict[Path, dict[str, list[str]]] = {}
        shown = ", ".join(f"{p} (line {line}{_on_disk(root, p, listings)})" for line, p in absent[:_SHOWN_MEDIA])
        more = f" and {len(absent) - _SHOWN_MEDIA} more" if len(absent) > _SHOWN_MEDIA else ""
        problems.append(
            f"media not found in {root}: {len(absent)} file(s), named by {len(lines)} of {rows} rows: {shown}{more}"
        )
    if present:
        said = []
        for line, p, kind in present[:_SHOWN_MEDIA]:
            why = _not_a_file(root / p)
            said.append(
                f"{p} (line {line}) is {why.replace('a video file', 'an image file') if kind == 'image' else why}"
            )
        more = f"; and {len(present) - _SHOWN_MEDIA} more" if len(present) > _SHOWN_MEDIA else ""
        where = f"{len(present)} media in {root} are not files: " if len(present) > 1 else f"in {root}, "
        problems.append(where + "; ".join(said) + more)
    raise FileFormatError(table, "; ".join(problems), min(line for line, _, _ in media))


def _on_disk(root: Path, path: str, listings: dict[Path, dict[str, list[str]]]) -> str:
    """For the error naming a medium that is not in the data folder ``root``: the file that is
    there under the same name in other letter case or Unicode form (``Video/Clip.MP4``, or
    ``café`` written composed, NFC, in the table and decomposed, NFD, on disk as macOS writes
    names), as ``; on disk: 'video/clip.mp4' (letter case)``; empty when there is none or several.
    It was a plain "media not found", the two names looking alike. Names are compared as
    :mod:`camerabench.dataset` compares video names (NFC, then case-folded).

    ``listings`` caches each folder's entries by that key, for the next medium.
    """
    folder, found = root, []
    for part in PurePosixPath(path).parts:
        if part == ".":
            continue
        if (folder / part).exists():
            name = part
        else:
            if folder not in listings:
                entries: dict[str, list[str]] = {}
                try:
                    names = sorted(os.listdir(folder))
                except OSError:  # not a folder, or unreadable: nothing to point to
                    names = []
                for entry in names:
                    entries.setdefault(_name_key(entry), []).append(entry)
                listings[folder] = entries
            alike = listings[folder].get(_name_key(part), [])
            if len(alike) != 1:
                return ""
            name = alike[0]
        found.append(name)
        folder = folder / name
    file = "/".join(found)
    written = "/".join(part for part in PurePosixPath(path).parts if part != ".")
    if file == written or not folder.is_file():
        return ""
    if file.casefold() == written.casefold():
        return f"; on disk as {file!r}, in other letter case"
    same_case = unicodedata.normalize("NFC", file) == unicodedata.normalize("NFC", written)
    how = "in another Unicode form" if same_case else "in other letter case and another Unicode form"
    # shown escaped: the two forms print alike
    return f"; on disk as {file!a}, {how} than the table's {written!a} (macOS writes names decomposed, NFD)"


def _name_key(name: str) -> str:
    """A name as :mod:`camerabench.dataset` compares video names (``_key`` there, which imports
    this module): in Unicode's composed form and case-folded."""
    return unicodedata.normalize("NFC", name).casefold()


def read_mcq_dir(folder: str | Path, data_root: str | Path | None = None) -> dict[str, list[MCQRow]]:
    """Every table in ``folder`` (:data:`TABLE_EXTENSIONS`: ``*.tsv``, ``*.csv``, ``*.xlsx``, ``*.xlsm``),
    by file stem.

    Raises:
        FileFormatError: a table is bad, two tables share a stem, or ``folder`` is a file.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileFormatError(folder, "must be a folder of ShotBench tables, but it is a file")
    tables: dict[str, list[MCQRow]] = {}
    skipped: list[str] = []
    # the first row asking each question (_question_key), over the tables read so far, with its file;
    # and in each category
    asked: dict[Hashable, tuple[Path, MCQRow]] = {}
    in_category: dict[tuple[Hashable, str], tuple[Path, MCQRow]] = {}
    for path in sorted(folder.glob("*")):
        if path.name.startswith("."):
            continue
        if path.is_dir() or path.suffix.lower() not in _TABLE_READERS:
            skipped.append(path.name + ("/" if path.is_dir() else ""))  # a .json, a subfolder: not read
            continue
        if path.stem in tables:
            raise FileFormatError(path, f"another table in {folder} has the stem {path.stem!r}")
        tables[path.stem] = _across_tables(path, read_mcq_table(path, data_root), asked, in_category)
    if skipped:
        log.warning(
            "%s: %d entr%s not a %s table directly in the folder; not read: %s",
            folder,
            len(skipped),
            "y is" if len(skipped) == 1 else "ies are",
            _extensions_said(),
            ", ".join(skipped),
        )
    return tables


def _across_tables(
    path: Path,
    rows: list[MCQRow],
    asked: dict[Hashable, tuple[Path, MCQRow]],
    in_category: dict[tuple[Hashable, str], tuple[Path, MCQRow]],
) -> list[MCQRow]:
    """``rows`` of table ``path`` less the repeats of an earlier table's rows; ``asked`` and
    ``in_category`` (:func:`read_mcq_dir`) take this table's rows. A question two tables ask is
    judged as within one table (:func:`read_mcq_table`, :func:`_repeated_row`), both files named:
    with another answer an error (one of the two would be scored wrong whatever the reply), with
    the same answer in the same category a repeat dropped with a warning (counted twice otherwise),
    in another category kept (red team R116: both were read without a word, a contradiction cost
    the MCQ accuracy 50.0 -> 40.0 and a repeat counted twice 50.0 -> 60.0).

    Raises:
        FileFormatError: a row gives another answer than an earlier table's row asking its question.
    """
    kept: list[MCQRow] = []
    for row in rows:
        key = _question_key(row)
        first_path, first = asked.setdefault(key, (path, row))
        if first_path != path:
            text, first_text = row.options[row.answer], first.options[first.answer]
            if text != first_text:
                raise FileFormatError(
                    path,
                    f"row {row.index!r} asks the question of row {first.index!r} of {first_path.name} (line "
                    f"{first.line}; the same media, question and options) with answer {row.answer!r} ({text!r}), "
                    f"but that row has {first.answer!r} ({first_text!r}): one of the two would be scored wrong "
                    "whatever the reply",
                    row.line,
                )
            twin = in_category.get((key, row.category))
            if twin is not None:
                log.warning(
                    "%s:%d: row %r repeats row %r of %s (line %d: the same media, question, options, answer and "
                    "category); the repeat is dropped",
                    path,
                    row.line,
                    row.index,
                    twin[1].index,
                    twin[0].name,
                    twin[1].line,
                )
                continue
            log.info(
                "%s:%d: row %r asks the question of row %r of %s (line %d) for another category (%r, not %r): kept "
                "in both",
                path,
                row.line,
                row.index,
                first.index,
                first_path.name,
                first.line,
                row.category,
                first.category,
            )
        in_category.setdefault((key, row.category), (path, row))
        kept.append(row)
    return kept


def write_mcq_table(path: str | Path, rows: list[MCQRow]) -> None:
    """Write rows as a ShotBench TSV table (atomically); :func:`read_mcq_table` reads it back.

    Every row is checked first as the reader checks it (its media are not looked for), so that
    no table is written that its reader refuses.

    Raises:
        TypeError, ValueError: a row the reader would refuse (an option key that is not an
            upper-case letter A-Z, fewer than two options, an empty question, ...) or an index
            given twice, naming the row; nothing is written then.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    seen: set[str] = set()
    for row in rows:
        row.check()
        cells = row.to_columns()
        try:
            _parse_row(cells, row.table, row.line, None)
        except ValueError as exc:
            raise ValueError(f"row {row.table}/{row.index}: {exc}; {path} is not written") from None
        if row.index in seen:
            raise ValueError(f"row {row.table}/{row.index}: index {row.index!r} is given twice; {path} is not written")
        seen.add(row.index)
        writer.writerow([cells[c] for c in COLUMNS])
    atomic_write_text(path, out.getvalue())


# --- deterministic answer extraction (ShotBench's rule without its model judge) ---------------

#: Punctuation around an option letter or text (quotes too: a reply ``"B"`` or `` `B` `` names B).
_PUNCTUATION = str.maketrans({c: " " for c in ".()[],:;!*#{}\"'`\u2018\u2019\u201c\u201d"})
#: The tags of a reasoning reply, found one by one (a regular expression pairing them took time
#: quadratic in the number of unclosed ``<answer>`` tags: 28 s for a 160,000-character reply).
_TAG = re.compile(r"<(/?)(think|answer)>", re.IGNORECASE)
#: Cyrillic and Greek capitals (and Cyrillic small letters) drawn like a Latin letter: read as
#: that letter when they stand alone in a reply written otherwise in Latin letters.
_LOOKALIKES = dict(
    zip(
        "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425\u0430\u0441\u0435\u043e\u0440\u0445"
        "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
        "ABCEHKMOPTXaceopxABEZHIKMNOPTYX",
        strict=True,
    )
)
_LONE_LOOKALIKE = re.compile(rf"(?<![^\W_])[{''.join(_LOOKALIKES)}](?![^\W_])")
#: A word that negates what follows it (``not B``, ``isn't static``), before optional filler words.
#: In Chinese (``不是B``, ``并非选项B``, ``不选b``) no space follows it, and it needs none before.
_NEGATION = (
    r"(?:(?:(?<![^\W_])(?i:not|no|nor|neither|never)|(?i:n)['\u2019](?i:t))"
    r"[\s*\"'`\u2018\u2019\u201c\u201d]+(?:(?i:a|an|the|option|choice|answer)[\s*\"'`\u2018\u2019\u201c\u201d]+)*"
    # 不是 并不是 并非 而非 不选 不 非 没有, then 选项 选择 选 答案
    r"|(?:\u4e0d\u662f|\u5e76\u4e0d\u662f|\u5e76\u975e|\u800c\u975e|\u4e0d\u9009|\u4e0d|\u975e|\u6ca1\u6709)"
    r"(?:\u9009\u9879|\u9009\u62e9|\u9009|\u7b54\u6848)?[\s*\"'`\u2018\u2019\u201c\u201d]*"
    r")[(\[*\"'`\u2018\u201c]*"
)
#: A negation that follows what it negates, as Japanese and Korean put it (``Bではない``,
#: ``Bじゃありません``, ``Bは正解ではない``; ``B가 아니``, ``B이 아닙니다``, ``B번이 아님``,
#: ``B가 정답이 아니``): matched right after the letter or option text it rejects.
_NEGATION_AFTER = re.compile(
    r"[\s*_\"'`\u2019\u201d)\]]*(?:"
    # 番, は正解 / は答え, then で / では / じゃ and ない なく なか ありません
    r"\u756a?(?:\u306f\s*(?:\u6b63\u89e3|\u7b54\u3048)\s*)?(?:\u3067\u306f|\u3058\u3083|\u3067)\s*"
    r"(?:\u306a[\u3044\u304f\u304b]|\u3042\u308a\u307e\u305b\u3093)"
    # 번, 이 가 은 는, 정답 / 답 and its particle, then 아니 아닙 아님 아닌 아냐
    r"|\ubc88?\s*(?:[\uc774\uac00\uc740\ub294]\s*)?(?:\uc815?\ub2f5\s*[\uc774\uac00\uc740\ub294]?\s*)?"
    r"\uc544[\ub2c8\ub2d9\ub2d8\ub2cc\ub0d0]"
    r")"
)


#: A letter given as an option's label (``E.``, ``(E)``, ``E:``) where the answering part starts
#: or after ``answer is`` / ``Answer:`` / ``option``; not ``A wide shot``, ``I think``, ``e.g.``.
_LABEL = re.compile(
    r"(?:\A|(?<![^\W_])(?i:answer|option|choice)(?:\s+(?i:is))?(?:\s*:)?)"
    r"[\s*_#>\"'`\u2018\u201c(\[]*([A-Za-z])[*_]*[.):\]](?=[\s*_\"'`\u2019\u201d]|\Z)"
)

#: An explicit answer cue followed by one lower-case letter: ``answer: b``, ``Answer - (b)``,
#: ``answer is (b)``, ``option b``, ``choice c.``, ``**Answer:** b``. The letter stands alone (not
#: ``b-roll``, ``b's``, ``e.g.``); ``a`` or ``i`` followed by a space and a word is the article or the
#: pronoun (``option a director would use``), not a letter. ``is`` and a bare letter (``the answer
#: is b``) is a sentence, not a label, as before: only a colon or dash, a bracket or quote, or the
#: word ``option`` / ``choice`` right before it makes the letter a label.
#: ShotBench's official scorer (Vchitect/ShotBench, evaluation/calculate_scores.py,
#: ``can_infer_option``) reads upper-case letters only and hands every other reply to a GPT-4o
#: judge, then to a random letter; without the judge, the cue is what makes a lower-case
#: letter an option's label here. The Chinese cues read so: ``答案：b`` (answer: b), ``答案是（b）``,
#: ``选b`` / ``选项 b`` / ``选择b`` (option b, choose b); ``答案是b`` is ``the answer is b``: unparsed.
#: The Japanese and Korean ones likewise: ``答え：b``, ``正解：b``, ``答えは（b）``, ``正解は【b】``,
#: ``選択肢b``; ``정답: b``, ``답: b``, ``정답은 (b)``; ``答えはb`` and ``정답은 b`` stay unparsed, and a
#: word after the letter (``bです``, ``b입니다``, ``b번``, as ``b项``) is no cue.
_CUED = re.compile(
    r"(?:(?<![^\W_])(?:"
    r"(?i:answer|option|choice)(?:\s+(?i:is))?\s*[:=\-\u2013\u2014]"  # answer: b, option - b
    r"|(?i:answer|option|choice)\s+(?i:is)\s*[*_\"'`\u2018\u201c(\[]"  # answer is (b)
    r"|(?i:option|choice)[\s*_\"'`\u2018\u201c(\[]"  # option b, choice (c)
    r")"
    # the same cues in Chinese, where no space sets a word off: 答案：b, 答案是：b, 选项：b
    r"|(?:\u7b54\u6848|\u9009\u9879)(?:\s*[\u662f\u4e3a])?\s*[:=\-\u2013\u2014]"
    r"|(?:\u7b54\u6848|\u9009\u9879)\s*[\u662f\u4e3a]\s*[*_\"'`\u2018\u201c(\[]"  # 答案是（b）, 答案为【b】
    r"|(?:\u9009\u9879|\u9009\u62e9|\u9009)[\s*_\"'`\u2018\u201c(\[]"  # 选b, 选项 b, 选择（c）
    # Japanese: 答え：b, 正解は：b, 答えは（b）, 正解は【b】, 選択肢b (答えはb, as 答案是b, is a sentence)
    r"|(?:\u7b54\u3048|\u6b63\u89e3)(?:\s*\u306f)?\s*[:=\-\u2013\u2014]"
    r"|(?:\u7b54\u3048|\u6b63\u89e3)\s*\u306f\s*[*_\"'`\u2018\u201c(\[]"
    r"|\u9078\u629e\u80a2[\s*_\"'`\u2018\u201c(\[]"
    # Korean: 정답: b, 답: b, 정답은: b, 정답은 (b) (정답 ends in 답; 정답은 b, as 答案是b, is a sentence)
    r"|\ub2f5(?:\s*[\uc740\ub294\uc774])?\s*[:=\-\u2013\u2014]"
    r"|\ub2f5\s*[\uc740\ub294\uc774]\s*[*_\"'`\u2018\u201c(\[]"
    r")[\s*_#>:=\-\u2013\u2014\"'`\u2018\u201c(\[]*([a-z])(?![^\W_]|['\u2019\-.][^\W_])"
)
#: A lower-case letter standing alone anywhere in a reply (``or c``, ``not c.``), not one of an
#: abbreviation (``e.g.``, ``i.e.``) or a word (``b-roll``, ``x's``).
_LONE_LOWER = re.compile(r"(?<![\w.'\u2019\-])([a-z])(?![\w'\u2019\-]|\.\w)")
#: What follows an article (``a wide shot``) or a pronoun (``i think``): a space and a word.
_WORD_FOLLOWS = re.compile(r"[ \t]+[^\W\d_]")


@dataclass(frozen=True)
class Choice:
    """The option a reply names: ``letter`` (None when unparsed) and the rule that found it."""

    letter: str | None
    rule: Literal["letter", "text", "unparsed"]


def _clean(text: str) -> str:
    return " ".join(text.translate(_PUNCTUATION).split())


def _normal(text: str) -> str:
    """``text`` in Unicode's compatibility form (NFKC: ``Ｂ`` is ``B``, ``…`` is ``...``) without
    zero-width characters: the form a reply is read in, and so the form its option texts are
    matched in (an option ``Zoom in…`` or ``Ｗｉｄｅ shot`` was not found in a reply quoting it)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


#: Chinese, Japanese and Korean letters (kana, ideographs, hangul): no space sets a Latin letter
#: off from them (``答案是B``, ``选B``, ``B项``).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_LATIN = re.compile(rf"(?<=[{_CJK}])(?=[A-Za-z])|(?<=[A-Za-z])(?=[{_CJK}])")
#: CJK punctuation that Unicode's compatibility form keeps (it already turns the full-width
#: ``（）：，`` into ASCII): the ASCII mark it stands for, set off by a space on its outer side.
_CJK_PUNCTUATION = str.maketrans(
    {
        "\u3002": ". ",  # 。
        "\u3001": ", ",  # 、
        "\u3010": " [",  # 【
        "\u3011": "] ",  # 】
        "\u3016": " [",  # 〖
        "\u3017": "] ",  # 〗
        "\u3014": " (",  # 〔
        "\u3015": ") ",  # 〕
        "\u300c": " \u201c",  # 「
        "\u300d": "\u201d ",  # 」
        "\u300e": " \u201c",  # 『
        "\u300f": "\u201d ",  # 』
        "\u300a": " \u201c",  # 《
        "\u300b": "\u201d ",  # 》
        "\u3008": " \u201c",  # 〈
        "\u3009": "\u201d ",  # 〉
    }
)


def _cjk_spaced(text: str) -> str:
    """``text`` (in :func:`_normal` form) with its CJK punctuation read as the ASCII marks it stands
    for (``B。`` is ``B.``, ``【B】`` is ``[B]``) and an ideographic space (U+3000) between a Latin letter and
    a CJK letter next to it (``答案是B`` is ``答案是\u3000B``), so that the letter is a token of its own.
    That space is not the ``[ \t]`` of :func:`_used_as_word`: ``A项`` is no English article."""
    return _CJK_LATIN.sub("\u3000", text.translate(_CJK_PUNCTUATION))


def _option_clean(text: str) -> str:
    """An option's text as a reply naming it is read (:func:`_normal`, :func:`_cjk_spaced`, then
    :func:`_clean`)."""
    return _clean(_cjk_spaced(_normal(text)))


def _option_key(text: str) -> str:
    """An option's text as rule 3 of :func:`extract_choice` tells options apart."""
    return _option_clean(text).lower()


def _answer_part(reply: str) -> str:
    """The part of ``reply`` that answers, punctuation kept (see :func:`answer_text`)."""
    text = _normal(reply)  # full-width letters, zero-width spaces and joiners
    outside: list[str] = []  # the reply outside its think blocks
    answers: list[str] = []  # the contents of its answer tags
    pos, thinking, answering, opened = 0, False, False, False
    tags = list(_TAG.finditer(text))
    # a chat template that opens the think block itself: the reply starts thinking and only closes it
    first = next((t for t in tags if t.group(2).lower() == "think"), None)
    if first is not None and first.group(1):
        thinking = True
    for tag in tags:
        closing, name = bool(tag.group(1)), tag.group(2).lower()
        chunk = text[pos : tag.start()]
        if name == "think":
            if not thinking:
                outside.append(chunk)
                if answering:
                    answers.append(chunk)
            thinking = not closing
            pos = tag.end()
            continue
        if thinking:
            continue  # an answer tag inside the thinking is thinking
        outside.append(chunk)
        if answering:
            answers.append(chunk)
        answering = not closing
        if not closing:
            opened = True
            answers.append("\n")  # each answer tag's content on its own
        pos = tag.end()
    if not thinking:  # an unclosed think block (a reply cut off while thinking) answers nothing
        outside.append(text[pos:])
        if answering:  # an unclosed answer tag (the stop string ``</answer>`` cut off) runs to the end
            answers.append(text[pos:])
    # only an answer tag outside the thinking opens an answer: one the thinking writes (``<think>I give
    # the letter inside <answer></answer></think>B``) left the reply that answers after it empty
    part = "".join(answers) if opened else " ".join(outside)
    lone = _LONE_LOOKALIKE.sub("", part)
    if not any(c.isalpha() and not c.isascii() for c in lone):  # no Cyrillic or Greek word around them
        part = _LONE_LOOKALIKE.sub(lambda m: _LOOKALIKES[m.group()], part)
    return part


def answer_text(reply: str) -> str:
    """The part of a reply that answers, in Unicode's compatibility form (NFKC: a full-width ``Ｂ``
    is ``B``) without zero-width characters, with the characters ``.()[],:;!*#{}``, straight and
    curly quotes and backticks turned into spaces and runs of white space collapsed.

    The part that answers: the reply without its ``<think>...</think>`` blocks (a reply with a
    ``</think>`` but no ``<think>`` before it, as from a chat template that opens the block,
    thinks up to it; a reply cut off inside a think block answers nothing), then the text inside
    its ``<answer>...</answer>`` tags when it has any outside its thinking (all of them, each on
    its own; one left unclosed runs to the end of the reply; tags the thinking writes are thinking),
    else all of it. A Cyrillic or Greek letter drawn like a
    Latin one (Cyrillic ``А``) standing alone in a reply with no other Cyrillic or Greek letter is
    read as that Latin letter."""
    return _clean(_answer_part(reply))


def extract_choice(reply: str, options: Mapping[str, str]) -> Choice:
    """The option letter a free-text ``reply`` names.

    1. :func:`answer_text` of the reply, its CJK punctuation read as the ASCII marks it stands for
       (``B。`` is ``B.``, ``【B】`` is ``[B]``; the full-width ``（B）`` and ``Ｂ`` already are) and a
       Latin letter next to a CJK letter set off as a token of its own (``答案是B``, ``选B``, ``B项``
       name B; ``答案是B或C`` names two letters: ``unparsed``); the cues and negations of rules 2
       and 4 are read in Chinese too (``答案：b`` and ``选b`` are B, ``答案是b`` is ``the answer
       is b``; ``不是B``, ``并非B``, ``不选b`` reject B), and in Japanese and Korean (``答え：b``,
       ``正解は（b）``, ``選択肢b``, ``정답: b``, ``정답은 (b)`` are B; ``答えはb``, ``bです``,
       ``b번`` are not; ``Bではない``, ``Bは正解ではない``, ``B가 아니``, ``B번이 아닙니다`` reject B:
       there the negation follows the letter);
    2. accepted when exactly one option letter appears as a token (``B``, ``(B)``, ``B.``);
       letters are upper case, so the English article "a" is not option A, except in a reply
       that is one letter and nothing else (``b``, ``(c)``, ``<answer> a </answer>``) and a
       letter right after an explicit cue (``answer: b``, ``answer is (b)``, ``option b``,
       ``choice c``; not ``the answer is b``, a sentence, nor ``option a director would use``:
       see :func:`_cued_choice`); an ``A`` (or ``I``)
       followed by a word with no punctuation between (``A medium shot.``) is read as the
       article (the pronoun) when the reply names exactly one option's text (rule 3); two or
       more different option letters (``A or B``, ``B. Option A would pan left``) are
       ``unparsed``, whatever option texts the reply names;
    3. else accepted when exactly one option's text appears in it (case-insensitive, same
       punctuation rule), not counting a text that appears only inside another option's text
       that the reply names (``Extreme close-up`` names that option, not ``Close-up`` too:
       ShotBench's shot sizes nest so). A hyphen (or en dash, non-breaking hyphen, minus sign)
       between two words, in the reply or in an option's text, is a word break, and two words
       joined are that pair (``Medium close-up``, ``medium closeup`` and ``Medium Close Up`` all
       name option ``Medium Close Up``, not ``Medium``; ``contre plongée`` names
       ``Contre-plongée``), except between options whose texts differ only so (``X-ray`` and
       ``X ray``): those are matched as written;
    4. else ``unparsed``. A letter or text found by rule 2 or 3 right after a negation (``not B``,
       ``isn't static``, ``neither the close-up``) is ``unparsed`` too: the reply rejects it; a
       ``No`` followed by punctuation (``No, B``, ``No - the answer is B``) is an interjection.

    Before all of these: a reply whose answering part starts with (or says ``answer is``,
    ``Answer:``, ``option`` before) a letter given as a label (``E.``, ``(E)``, ``E:``) that is no
    option names an option that does not exist: ``unparsed``, not the option whose text follows
    (``E. Pan left`` with options A-D is not A). So is a reply with any other capital letter
    standing alone (as rule 2 finds letters) that is no option (``The answer is not E. Pan left``,
    ``E - Pan left``, ``B, not E``), except ``A`` and ``I`` (English words) and a letter that stands
    alone in an option's text, and a reply whose cue names a lower-case letter that is no option
    (``option e, tilt up`` with options A-D).

    ShotBench's official scorer (Vchitect/ShotBench, ``evaluation/calculate_scores.py``) does
    steps 1-3 much so (``can_infer_option``: the reply's ``<answer>`` tag, the same punctuation
    turned into spaces, exactly one upper-case option letter among the tokens; ``can_infer_text``:
    exactly one option text as a lower-cased substring), then asks GPT-4o and, failing that, draws
    a random letter; neither is followed here: what it cannot read is counted ``unparsed``.

    Raises:
        TypeError: ``reply`` is not a string, or ``options`` not a mapping.
        ValueError: an option key that is not one upper-case letter A-Z, or an option text that
            is not a non-empty string (:func:`check_options`).
    """
    if not isinstance(reply, str):
        raise TypeError(f"extract_choice: reply must be a string, got {type(reply).__name__} {_show(reply)}")
    if not isinstance(options, Mapping):
        raise TypeError(
            f"extract_choice: options must be a mapping of option letter to text, got {type(options).__name__}"
        )
    check_options(options)
    part = _cjk_spaced(_answer_part(reply))
    if any(m.group(1).upper() not in options for m in _LABEL.finditer(part)):
        return Choice(None, "unparsed")  # "E. Pan left" with options A-D: names no option, not A
    text = _clean(part)
    if _names_no_option(text, options):
        return Choice(None, "unparsed")  # "not E. Pan left", "E - Pan left": as "E. Pan left"
    if len(text) == 1 and text.upper() in options:  # the reply is one letter: no sentence to misread
        return Choice(text.upper(), "letter")
    cued = _cued_choice(part, text, options)
    if cued is not None:  # "answer: b", "option c": the cue makes a lower-case letter a label
        return cued
    letters = {token for token in text.split(" ") if token in options}
    if len(letters) > 1:  # names several options by letter: which one it means is a guess
        return Choice(None, "unparsed")
    if len(letters) == 1:
        letter = letters.pop()
        if letter in _WORD_LETTERS and _used_as_word(letter, part):
            # "A medium shot." names option "Medium shot", not option A: the article leads a
            # sentence; when the reply names no option text, A stays the answer ("A is correct");
            # when it names several ("A wide shot, not a close-up"), which one it means is a guess
            texts = _texts_named(text, options)
            if len(texts) > 1:
                return Choice(None, "unparsed")
            if texts:
                return _unless_negated(texts[0], "text", part, options)
        return _unless_negated(letter, "letter", part, options)
    texts = _texts_named(text, options)
    return _unless_negated(texts[0], "text", part, options) if len(texts) == 1 else Choice(None, "unparsed")


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Option letters that are also English words at the start of a sentence (the article "A",
#: the pronoun "I").
_WORD_LETTERS = frozenset("AI")


def _cued_choice(part: str, text: str, options: Mapping[str, str]) -> Choice | None:
    """The option an explicit cue names by a lower-case letter in the answering ``part`` of a
    reply (``answer: b``, ``option c``; see :data:`_CUED`), or None when no cue names one.

    ``unparsed`` when a cued letter is no option (``answer: e`` with options A-D names an option
    that does not exist, as ``E.`` does), when the reply names any other option letter: another
    cued one (``answer: b. option c``), an upper-case one as rule 2 reads it (``answer: b or C``)
    or a lower-case one standing alone (``answer: b or c``, ``answer: b, not c``) -- which one it
    means is a guess, as for ``A or B`` -- or when the cue follows a negation (``not option b``).
    ShotBench's scorer counts a reply naming two letters as no match too (``can_infer_option``
    accepts exactly one hit) before its judge and random fallback, which are not followed here.
    """
    cued = [m for m in _CUED.finditer(part) if not (m.group(1) in "ai" and _WORD_FOLLOWS.match(part, m.end()))]
    if not cued:
        return None
    named = {m.group(1).upper() for m in cued}
    if not named <= set(options):
        return Choice(None, "unparsed")  # "answer: e" with options A-D, as "E." is
    named |= {t for t in text.split(" ") if t in options and not (t in _WORD_LETTERS and _used_as_word(t, part))}
    named |= {
        m.group(1).upper()
        for m in _LONE_LOWER.finditer(part)
        if m.group(1).upper() in options and not (m.group(1) in "ai" and _WORD_FOLLOWS.match(part, m.end()))
    }
    if len(named) > 1:
        return Choice(None, "unparsed")
    negated = {m.end() for m in re.finditer(_NEGATION, part)}
    if any(m.start(1) in negated or _NEGATION_AFTER.match(part, m.end(1)) for m in cued):
        return Choice(None, "unparsed")  # "not option b", "答え：bではない": the reply rejects it
    return Choice(named.pop(), "letter")


def _names_no_option(text: str, options: Mapping[str, str]) -> bool:
    """Whether the cleaned answering ``text`` has a capital letter A-Z as a token (as rule 2 finds
    option letters) that is no option's letter: not ``A`` or ``I`` (English words), nor a letter
    standing alone in an option's text."""
    in_texts = {t for v in options.values() for t in _option_clean(v).split(" ") if len(t) == 1}
    return any(
        len(t) == 1 and "A" <= t <= "Z" and t not in options and t not in _WORD_LETTERS and t not in in_texts
        for t in text.split(" ")
    )


def _used_as_word(letter: str, part: str) -> bool:
    """Whether every standalone ``letter`` in the answering ``part`` of a reply is followed by a
    space and a word, with no punctuation between (``A medium shot``, not ``A. Medium shot``)."""
    found = list(re.finditer(rf"(?<![^\W_]){letter}(?![^\W_])", part))
    # matched at each letter's end in place (a slice per letter made "A " * 500,000 take 20 s: red team R81)
    return bool(found) and all(_SPACE_THEN_WORD.match(part, m.end()) for m in found)


#: A space or tab, then a letter (:func:`_used_as_word`).
_SPACE_THEN_WORD = re.compile(r"[ \t]+[^\W\d_]")


def _unless_negated(letter: str, rule: Literal["letter", "text"], part: str, options: Mapping[str, str]) -> Choice:
    """The option ``letter`` found by ``rule``, or ``unparsed`` when the answering ``part`` names
    it (by that rule) right after a negation or right before a Japanese or Korean one
    (:data:`_NEGATION_AFTER`)."""
    if rule == "letter":
        named = rf"{letter}(?![^\W_])"
    else:  # the option text's words, any run of spaces and punctuation (or a hyphen, or none) between them
        relaxed = letter in _relaxed_options(options)
        named = _text_pattern(_option_clean(options[letter]), relaxed, _PUNCTUATION_RUN) + r"(?![^\W_])"
        named = f"(?i:{named})"
    if re.search(_NEGATION + named, part) or re.search(r"(?<![^\W_])" + named + _NEGATION_AFTER.pattern, part):
        return Choice(None, "unparsed")  # "not B", "Bではない", "B가 아니"
    return Choice(letter, rule)


def _texts_named(text: str, options: Mapping[str, str]) -> list[str]:
    """The options whose texts appear in ``text`` (see :func:`extract_choice`, rule 3): as words,
    not inside one (``Static`` is not in ``ecstatic``), but next to any other character than a
    letter or digit (``B—Tilt up``, ``B/Tilt up``: they were looked for between spaces only, and
    ShotBench's scorer finds them as plain substrings). A hyphen or other dash between two words
    of a text or of the reply is a word break, and two letters joined are a spaced or hyphenated
    pair too (``medium close-up`` and ``medium closeup`` name ``Medium Close Up``, not ``Medium``:
    see :func:`_relaxed_options`)."""
    lowered = text.lower()
    relaxed = _relaxed_options(options)
    spans = {k: _spans(lowered, _text_pattern(_option_key(v), k in relaxed, " ")) for k, v in options.items()}
    named = [k for k, found in spans.items() if found]
    named = [
        k
        for k in named
        if not all(any(o[0] <= s[0] and s[1] <= o[1] and o != s for j in named for o in spans[j]) for s in spans[k])
    ]
    return named


def _spans(text: str, pattern: str) -> list[tuple[int, int]]:
    """The (start, end) of every match of the regular expression ``pattern`` (see :func:`_text_pattern`)
    in ``text`` with no letter or digit right before or after it, overlapping ones included."""
    found = re.finditer(rf"(?<![^\W_])(?=({pattern})(?![^\W_]))", text)
    return [(m.start(1), m.end(1)) for m in found]


#: Dashes that join the words of a compound (``close-up``, ``contre-plongée``): the hyphen-minus,
#: the hyphen (U+2010; NFKC turns the non-breaking hyphen U+2011 into it), the figure dash, the en
#: dash and the minus sign. Not the em dash, which sets a clause off (``B—Tilt up``).
_DASHES = "\u2010\u2011\u2012\u2013\u2212-"  # "-" last: literal at the end of a class
#: One space or one dash between two words of an option's text: a word break a reply may write as a
#: space, as a dash, or (between two letters) as nothing (``close up``, ``close-up``, ``closeup``).
_WORD_BREAK = re.compile(rf"(?<=\S)[ {_DASHES}](?=\S)")
#: The run of spaces and punctuation :func:`_unless_negated` reads between an option text's words.
_PUNCTUATION_RUN = r"[\s.()\[\],:;!*#{}\"'`\u2018\u2019\u201c\u201d]+"


def _squashed(key: str) -> str:
    """An option key without its spaces and dashes: two options alike so read alike in a reply."""
    return re.sub(rf"[\s{_DASHES}]", "", key)


def _relaxed_options(options: Mapping[str, str]) -> frozenset[str]:
    """The letters of the options whose texts are matched with their word breaks relaxed (see
    :func:`_text_pattern`): all but those whose texts differ only in their spaces and dashes from
    another option's (``X-ray`` and ``X ray``, ``Close up`` and ``Closeup``), which a reply could
    not tell apart so: those are matched as written, as before."""
    keys = {k: _option_key(v) for k, v in options.items()}
    groups: dict[str, set[str]] = {}
    for key in keys.values():
        groups.setdefault(_squashed(key), set()).add(key)
    return frozenset(k for k, key in keys.items() if len(groups[_squashed(key)]) == 1)


def _text_pattern(key: str, relaxed: bool, space: str) -> str:
    """A regular expression for an option's text ``key`` (in :func:`_option_clean` form) in a reply:
    a space in it matches ``space`` (a regular expression); when ``relaxed``, each single space or
    dash between two words matches a space, a dash (:data:`_DASHES`) or, between two letters,
    nothing. Any other run of spaces and dashes is matched as written."""
    if not relaxed:
        return space.join(map(re.escape, key.split(" ")))
    out: list[str] = []
    pos = 0
    for brk in _WORD_BREAK.finditer(key):
        out.append(space.join(map(re.escape, key[pos : brk.start()].split(" "))))
        joined = key[brk.start() - 1].isalpha() and key[brk.end()].isalpha()
        out.append(f"(?:{space}|[{_DASHES}]{'|' if joined else ''})")
        pos = brk.end()
    out.append(space.join(map(re.escape, key[pos:].split(" "))))
    return "".join(out)
