"""Report fixes, round 53: the chance row's mean ROC-AUC when no primitive has two classes, markdown
inline syntax (links, emphasis, code, strikethrough, block starts) in method, video and reason
names shown as written in ``report.md``, and the ``--bootstrap`` help naming the range it takes."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from camerabench.cli.evaluate import MAX_BOOTSTRAP, add_evaluation_flags
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.report import _Doc, write_report
from camerabench.eval.results import Chance, EvaluationResult, MethodResult

from .test_report_hostile import _binary, _NoDataset, _table_rows_match_headers

_MD = MarkdownIt("commonmark").enable("table")


class _Blocks(HTMLParser):
    """Headings, paragraphs and cells as their text, and images as (alt, src), in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, ...]] = []
        self.tags: set[str] = set()
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag in ("h1", "h2", "h3", "p", "td", "th"):
            self._open = [tag, ""]
        if tag == "img":
            a = dict(attrs)
            self.items.append(("img", a.get("alt") or "", a.get("src") or ""))

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            text = " ".join(self._open[1].split())
            if text or tag != "p":
                self.items.append((tag, text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1] += data


def _blocks(html_text: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html_text)
    return parser


def _md_reads_as_html(md: str, html_text: str) -> _Blocks:
    """Assert that ``md`` rendered (CommonMark + GFM tables) shows the text ``html_text`` shows."""
    rendered = _blocks(_MD.render(md))
    assert rendered.items == _blocks(html_text).items
    return rendered


# --------------------------------------------------------------------------- chance ROC-AUC


def _chance_report(tmp_path: Path, chance: Chance) -> tuple[str, dict[str, str]]:
    per = dict.fromkeys(chance.per_primitive, math.nan)
    # the method's own chance is the dataset's (every sample scored): one chance row, no own column
    binary = dataclasses.replace(_binary(per), chance=dict(chance.per_primitive), mean_chance=chance.mean_ap)
    methods = {"fast": MethodResult(binary=binary)}
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods, chance=chance)
    out = tmp_path / "report"
    evaluation = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    md = write_report("data", "run", out, evaluation=evaluation, gallery=0).read_text(encoding="utf-8")
    with (out / "binary_summary.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["method"] == "chance")
    return md, row


def test_chance_roc_auc_is_undefined_when_no_primitive_has_two_classes(tmp_path: Path) -> None:
    # a 1-clip dataset: every primitive one class, no chance AP, no ROC-AUC of a constant score either
    md, row = _chance_report(tmp_path, Chance({"Pan_Right": math.nan, "Zoom_In": math.nan}, math.nan))
    assert "| chance |  | n/a |  | n/a |  |  |  |" in md  # was: | chance |  | n/a |  | 50.0 | ...
    assert math.isnan(float(row["mean_roc_auc"]))  # was: 0.5
    assert math.isnan(float(row["mean_ap"]))


def test_chance_roc_auc_is_one_half_when_a_primitive_has_two_classes(tmp_path: Path) -> None:
    md, row = _chance_report(tmp_path, Chance({"Pan_Right": 0.25, "Zoom_In": math.nan}, 0.25))
    assert "| chance |  | 25.0 |  | 50.0 |  |  |  |" in md
    assert float(row["mean_roc_auc"]) == 0.5


# --------------------------------------------------------------------------- markdown inline syntax


# a paired backtick in a table cell stays a code span (test_report_hostile8 asks it of a failure reason)
_HOSTILE_METHODS = ["[x](y)", "a*b*c", "`tick", "_u_", "~s~", "![i](j.png)", "a\\*b", "<b>&amp;", "L|M", "[r][s]"]
_REASON = "[x](y) *em* _u_.mp4 ~~gone~~ <i> **b**"


def test_names_with_markdown_syntax_are_shown_as_written_in_report_md(tmp_path: Path) -> None:
    methods = {
        n: MethodResult(binary=_binary({"Pan_Right": 0.5}, failed=1, reasons={_REASON: 1}, note="one note"))
        for n in _HOSTILE_METHODS
    }
    methods["synth_000_static"] = MethodResult(binary=_binary({"Pan_Right": 0.5}))
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    out = tmp_path / "report"
    evaluation = Evaluation(result, _NoDataset(), {})  # type: ignore[arg-type]
    md = write_report("data", "run", out, evaluation=evaluation, gallery=0).read_text(encoding="utf-8")
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert _table_rows_match_headers(md) == []
    # was: a link, <em>, <code> and an image where report.html shows the names as written
    rendered = _md_reads_as_html(md, html_text)
    assert not rendered.tags & {"a", "em", "strong", "s", "del", "b", "i"}
    cells = {text for kind, text, *_ in rendered.items if kind == "td"}
    assert set(_HOSTILE_METHODS) <= cells
    assert _REASON in cells
    assert "| synth_000_static |  | 50.0 |" in md  # a plain name (intraword _) is written unchanged
    methods_line = next(line for line in md.split("\n") if line.startswith("Data "))
    assert "methods: [x\\](y) (), a\\*b\\*c ()," in methods_line


def test_a_name_that_starts_a_block_stays_in_its_paragraph_and_heading() -> None:
    doc = _Doc()
    names = ["# not a heading", "1. not a list", "2) nor this", "> no quote", "- no item", "+ no item", "   * star"]
    for name in names:
        doc.p(f"{name}: a note.")
    doc.h(3, "ends in a hash #")
    doc.p("[x]: /definition")
    doc.p("1.5 s and #hash stay as they are")
    doc.img("gallery/fast/clip.png", "fast on [x](y) *em* _u_.mp4 `t`")
    md = doc.markdown()
    rendered = _md_reads_as_html(md, doc.html("t"))
    assert rendered.tags == {"p", "h3", "img"}  # was: h1, ol, ul, blockquote, the heading's # dropped
    assert ("p", "[x]: /definition") in rendered.items  # was: a link definition, not shown
    assert ("h3", "ends in a hash #") in rendered.items
    assert ("img", "fast on [x](y) *em* _u_.mp4 `t`", "gallery/fast/clip.png") in rendered.items
    assert "1.5 s and #hash stay as they are" in md.split("\n")


# --------------------------------------------------------------------------- --bootstrap help


def test_bootstrap_help_names_the_range_the_cli_takes() -> None:
    parser = argparse.ArgumentParser()
    add_evaluation_flags(parser)
    help_text = " ".join(parser.format_help().split())
    assert f"an integer from 0 to {MAX_BOOTSTRAP}" in help_text  # was: "at most 100000"; 0: no intervals
    ns: Any = parser.parse_args(["--bootstrap", "1"])
    assert ns.bootstrap == 1
