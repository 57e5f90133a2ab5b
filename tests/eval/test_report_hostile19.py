"""Hostile inputs on the report layer, round 19: every reference caption in the per-video caption
CSV, method folders whose names are not UTF-8 or hold control characters (evaluate, the CLI,
``metrics.json``, the CSV / markdown / HTML report and the gallery), and hostile names and
unwritable places for the report writers."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from camerabench.cli import main
from camerabench.eval.evaluate import Evaluation, evaluate
from camerabench.eval.report import write_report
from camerabench.eval.results import CaptionResult, EvaluationResult, MethodResult, strict_json

from .test_report_hostile import _binary, _NoDataset, _table_rows_match_headers


def _renamed(dummy_run: Path, tmp_path: Path, name: str) -> Path:
    run = tmp_path / "run"
    shutil.copytree(dummy_run, run)
    os.rename(run / "dummy", run / name)
    return run


def _utf8(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # strict: a lone surrogate could not have been written


# --------------------------------------------------------------------------- every reference caption


def _caption_report(tmp_path: Path, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    section = CaptionResult(videos=len(rows), evaluated=len(rows), failed=0, missing=0, failed_policy="lowest")
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods={"m": MethodResult(captions=section)})
    ev = Evaluation(result, _NoDataset(), {}, caption_rows={"m": rows})  # type: ignore[arg-type]
    out = tmp_path / "report"
    write_report("data", "run", out, evaluation=ev, gallery=0)
    text = (out / "captions_per_video.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_per_video_caption_csv_lists_every_reference_whatever_it_holds(tmp_path: Path) -> None:
    refs = ['pans left, then "stops"', "a\tb,\nc\r\nd", "", "  ", "x\\ny"]
    rows = [
        {"video": "v0.mp4", "status": "ok", "caption": "pans, left\n", "reference": refs[0], "references": refs},
        {"video": "v1.mp4", "status": "ok", "caption": " ", "reference": "one", "references": ["one"]},
    ]
    got = _caption_report(tmp_path, rows)
    # was: only the first reference; the others the caption was scored against were nowhere
    assert [r["n_references"] for r in got] == ["5", "1"]
    assert json.loads(got[0]["references"]) == refs  # each one whole, the list unambiguous
    assert json.loads(got[1]["references"]) == ["one"]
    assert got[0]["reference"] == refs[0] and got[0]["caption"] == "pans, left\n"  # kept as it was
    assert got[1]["caption"] == " "
    # one physical line per row for the new column: its line breaks are JSON escapes
    assert "\n" not in got[0]["references"]


def test_per_video_caption_csv_reads_back_with_pandas(tmp_path: Path) -> None:
    import pandas as pd  # a dependency (pyproject.toml)

    refs = ["a,b", 'say "hi"', "line\nbreak"]
    _caption_report(
        tmp_path, [{"video": "v.mp4", "status": "ok", "caption": "c", "reference": "a,b", "references": refs}]
    )
    frame = pd.read_csv(tmp_path / "report" / "captions_per_video.csv", keep_default_na=False)
    assert list(frame.columns)[-3:] == ["reference", "n_references", "references"]
    assert json.loads(frame.loc[0, "references"]) == refs


# --------------------------------------------------------------------------- method folder names


@pytest.mark.parametrize(
    ("folder", "shown"),
    [
        ("bad\udcff", "bad\\xff"),  # the byte 0xff, not UTF-8, as os.listdir reads it
        ("a\nb|c\td", "a\\nb|c\\td"),
        ("esc\x1b[31mred", "esc\\x1b[31mred"),
    ],
)
def test_method_folder_name_not_utf8_or_with_controls_is_evaluated_escaped(
    six_videos: Path, dummy_run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, folder: str, shown: str
) -> None:
    run = _renamed(dummy_run, tmp_path, folder)
    with caplog.at_level(logging.WARNING):
        ev = evaluate(six_videos, run, n_bootstrap=0, captions_minilm=False)
    assert list(ev.result.methods) == [shown]  # was the raw name: UnicodeEncodeError or broken tables
    said = [r.getMessage() for r in caplog.records if "method folder's name" in r.getMessage()]
    assert len(said) == 1 and repr(shown) in said[0] and f"{run}/{shown}" in said[0]
    out = tmp_path / "report"
    md = write_report(six_videos, run, out, evaluation=ev, gallery=2)  # was: UnicodeEncodeError
    for name in ("metrics.json", "report.md", "report.html", "binary_ap.csv", "gallery.csv"):
        _utf8(out / name)
    assert list(json.loads(_utf8(out / "metrics.json"))["methods"]) == [shown]
    text = md.read_text(encoding="utf-8")
    assert _table_rows_match_headers(text) == []
    assert "\x1b" not in text and "\t" not in text
    images = re.findall(r"\]\((gallery/[^)]+)\)", text)
    assert images and all((out / __import__("urllib.parse").parse.unquote(i)).is_file() for i in images)


def test_cli_evaluate_json_of_a_folder_not_utf8_is_strict_utf8_json(
    six_videos: Path, dummy_run: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    run = _renamed(dummy_run, tmp_path, "bad\udcff")
    assert main(["evaluate", "--data", str(six_videos), "--run", str(run), "--json", "--bootstrap", "20"]) == 0
    doc = json.loads(capsysbinary.readouterr().out.decode("utf-8"))
    assert list(doc["methods"]) == ["bad\\xff"]  # was "bad\udcff": a lone surrogate, no Unicode text


def test_strict_json_escapes_lone_surrogates_in_paths_and_keys() -> None:
    doc = strict_json({"run": "/r/bad\udcff", "m\udc80": [math.nan, "ok\n"]})
    assert doc == {"run": "/r/bad\\xff", "m\\x80": [None, "ok\n"]}  # line breaks are JSON's to escape
    json.dumps(doc, ensure_ascii=False).encode("utf-8")


def test_hand_made_result_with_a_surrogate_in_its_run_path_writes_utf8_report(tmp_path: Path) -> None:
    result = EvaluationResult(
        "data", "/runs/r\udcfe", "lowest", 10, 0, methods={"m": MethodResult(binary=_binary({"Pan_Right": 0.5}))}
    )
    out = tmp_path / "report"
    write_report("d", "r", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0)  # type: ignore[arg-type]
    # was: UnicodeEncodeError writing report.md
    assert "/runs/r\\xfe" in _utf8(out / "report.md") and "/runs/r\\xfe" in _utf8(out / "report.html")
    assert json.loads(_utf8(out / "metrics.json"))["run"] == "/runs/r\\xfe"
