"""Hostile inputs on the reporting side: report.md / report.html, plots, knob tables, the gallery
and reading a hand-edited ``metrics.json`` back (``read_metrics``)."""

from __future__ import annotations

import csv
import json
import math
import re
import time
import urllib.parse
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.errors import FileFormatError
from camerabench.eval import plots
from camerabench.eval.evaluate import Evaluation, evaluate
from camerabench.eval.gallery import misranked_fraction
from camerabench.eval.knobs import clip_groups
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    CategoryAccuracy,
    Chance,
    Comparison,
    EvaluationResult,
    KnobAP,
    MCQResult,
    MethodResult,
    PrimitiveCounts,
    ResultFormatError,
    RunInfoSummary,
    read_metrics,
)
from camerabench.fileio import WriteError
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_RIGHT


def _binary(per: dict[str, float], failed: int = 0, reasons: dict[str, int] | None = None, note: str | None = None):
    defined = [v for v in per.values() if not math.isnan(v)]
    return BinaryResult(
        mean_ap=float(np.mean(defined)) if defined else math.nan,
        per_primitive=per,
        failed=failed,
        missing=0,
        samples=10,
        roc_auc={p: 0.5 for p in per},
        mean_roc_auc=0.5,
        ci95=BinaryCI({p: (math.nan, math.nan) for p in per}, (math.nan, math.nan)),
        chance={p: 0.5 for p in per},
        mean_chance=0.5,
        counts={p: PrimitiveCounts(10, 10, 5, 10 - failed, failed, 0, 0) for p in per},
        primitives_in_mean=len(defined),
        failed_policy="lowest",
        failure_reasons=reasons or {},
        note=note,
    )


class _NoDataset:
    """What a report without a gallery reads of the dataset: nothing."""

    manifest: dict[str, Any] = {}  # noqa: RUF012


def _report(tmp_path: Path, methods: dict[str, MethodResult], **kw: Any) -> tuple[Path, str]:
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods, **kw)
    out = tmp_path / "report"
    md = write_report("data", "run", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0)  # type: ignore[arg-type]
    return out, md.read_text(encoding="utf-8")


def _cells(line: str) -> int:
    """Cells of a markdown table row as GFM splits them (a backslash escapes the next character)."""
    return len(re.findall(r"(?:\\.|[^|\\])*\|", line.strip()[1:]))


def _table_rows_match_headers(md: str) -> list[str]:
    bad, width = [], None
    for line in md.split("\n"):
        if not line.startswith("|"):
            width = None
        elif width is None:
            width = _cells(line)
        elif _cells(line) != width:
            bad.append(line)
    return bad


def test_markdown_stays_a_table_with_pipes_line_breaks_and_backslashes_in_names_and_reasons(tmp_path: Path) -> None:
    reason = "decoder said:\r\nframe 3 | `bad` \\"
    methods = {
        "a|b": MethodResult(binary=_binary({"Pan_Right": 0.5}, failed=2, reasons={reason: 2})),
        "b": MethodResult(binary=_binary({"Pan_Right": 0.4}, note="first\r\n\n# not a heading")),
    }
    _, md = _report(tmp_path, methods, knobs={"a|b": {"blur": KnobAP(0.5, 1, 2, 2)}})
    assert _table_rows_match_headers(md) == []
    assert "\r" not in md and "\n# not a heading" not in md
    assert "| a\\|b | binary | 2 | 0 |" in md  # the failed samples are counted under the escaped name
    assert "decoder said: frame 3 \\| `bad` \\\\ | 2 |" in md


def test_knob_table_shows_na_for_a_knob_a_method_lacks(tmp_path: Path) -> None:
    methods = {n: MethodResult(binary=_binary({"Pan_Right": 0.5})) for n in ("a", "b")}
    knobs = {"a": {}, "b": {"blur": KnobAP(0.4, 1, 3, 3), "dark": KnobAP(math.nan, 0, 1, 1)}}
    out, md = _report(tmp_path, methods, knobs=knobs)
    assert "| blur | 3 | n/a | 40.0 (1) |" in md
    assert "| dark | 1 | n/a | n/a (0) |" in md
    assert (out / "knobs.csv").read_text().count("\n") == 3  # header and b's two knobs


def test_binary_results_outside_the_taxonomy_are_reported_not_dropped(tmp_path: Path) -> None:
    out, md = _report(tmp_path, {"m": MethodResult(binary=_binary({"Not_A_Primitive": 0.25}))})
    assert "| Not_A_Primitive | 25.0 |" in md
    out, md = _report(tmp_path / "empty", {"m": MethodResult(binary=_binary({}))})
    assert "| m |" in md and not (out / "pr_curves.png").exists()


def test_failures_section_counts_mcq_rows_and_run_json_failures(tmp_path: Path) -> None:
    mcq = MCQResult({"shot": CategoryAccuracy(0.5, 10, 10, 5, 0, 4, 1)}, 0.5, 0.5, 10, 5, 0, 4, 1)
    info = RunInfoSummary("n", {}, None, "0", None, 0, 7, "t0", "t1")
    out, md = _report(tmp_path, {"m": MethodResult(mcq=mcq), "n": MethodResult(run_info=info)})
    failures = md.split("## Failures")[1].split("\n## ")[0]
    assert "| m | mcq | 4 | 1 |" in failures
    assert "| n | videos (run.json) | 7 |  |" in failures
    assert "n,videos (run.json),7," in (out / "failures.csv").read_text()


def test_nan_is_an_empty_marked_slot_not_a_bar_of_zero() -> None:
    _, axes = plots.new_figure(4, 3)
    ax = axes[0, 0]
    plots.plot_grouped_bars(ax, {"m": {"x": math.nan, "y": 0.0}}, ["x", "y"])
    assert [p.get_height() for p in ax.patches] == [0.0]  # the real 0 only
    assert [t.get_text() for t in ax.texts] == ["n/a"]
    _, axes = plots.new_figure(4, 3)
    plots.plot_grouped_bars(axes[0, 0], {"m": {"x": math.inf}}, ["x"], percent=False)
    assert len(axes[0, 0].patches) == 0


def test_plots_without_series_or_with_bad_input_say_so() -> None:
    _, axes = plots.new_figure(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "No artists with labels" warning
        plots.plot_grouped_bars(axes[0, 0], {}, ["x"])
    with pytest.raises(ValueError, match="m: 1 scores are NaN"):
        plots.plot_pr_curve(axes[0, 0], [True, False], [0.5, math.nan], "m")
    with pytest.raises(ValueError, match="component must be one of rotation, translation, zoom, got 'spin'"):
        plots.plot_motion(axes[0, 0], None, None, "spin")


def test_clip_groups_skip_unnamed_videos_and_merge_a_repeated_one(caplog: pytest.LogCaptureFixture) -> None:
    manifest = {
        "clips": [
            {"video": 3, "knobs": {"blur": True}},
            {"video": None, "knobs": {"blur": True}},
            {"video": "a.mp4", "knobs": {"blur": True}},
            {"video": "a.mp4", "knobs": {}},
            {"video": "b.mp4", "knobs": {}},
        ]
    }
    assert clip_groups(manifest) == {"blur": {"a.mp4"}, "none": {"b.mp4"}}
    assert "clips[0]: video 3 is not a file name" in caplog.text


def test_misranked_fraction_is_the_pairwise_count_and_fast_on_many_samples() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(0, 20))
        y, s = rng.random(n) < 0.5, rng.integers(0, 4, n).astype(float)
        s[rng.random(n) < 0.1] = math.nan
        pos, neg = s[y], s[~y]
        want = np.full(n, math.nan)
        if neg.size:
            want[y] = ((neg[None] > pos[:, None]).sum(1) + 0.5 * (neg[None] == pos[:, None]).sum(1)) / neg.size
        if pos.size:
            want[~y] = ((pos[None] < neg[:, None]).sum(1) + 0.5 * (pos[None] == neg[:, None]).sum(1)) / pos.size
        assert np.array_equal(misranked_fraction(y, s), want, equal_nan=True)
    y, s = rng.random(60_000) < 0.5, rng.random(60_000)
    start = time.perf_counter()
    misranked_fraction(y, s)
    assert time.perf_counter() - start < 0.5  # pairwise: 9e8 comparisons, seconds and gigabytes


@pytest.fixture(scope="module")
def odd_names(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Videos with a folder prefix, '#' and '?', and a method folder with spaces and parentheses."""
    root = tmp_path_factory.mktemp("odd")
    data, run = root / "data", root / "run"
    videos = [f"sub dir/clip#{k}?.mp4" for k in range(6)]
    write_binary_file(
        data / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord.make(v, PAN, k < 3) for k, v in enumerate(videos)],
    )
    scores = [0.1, 0.9, 0.5, 0.8, 0.2, 0.6]
    records = [ScoreRecord(v, PAN.question, "m", s, primitive=PAN.value) for v, s in zip(videos, scores, strict=True)]
    records[0] = ScoreRecord.failed(videos[0], PAN.question, "m", "no\nframes | `x`", PAN.value)
    write_scores(run / "my method (v2)" / "scores.jsonl", records)
    return {"data": data, "run": run}


def test_gallery_image_links_resolve_for_odd_video_and_method_names(odd_names: dict[str, Path], tmp_path: Path) -> None:
    ev = evaluate(odd_names["data"], odd_names["run"], n_bootstrap=0, captions_minilm=False)
    out = tmp_path / "report"
    md = write_report(odd_names["data"], odd_names["run"], out, evaluation=ev, gallery=3).read_text()
    links = re.findall(r"!\[(?:\\.|[^\]\\])*\]\(([^)\s]*)\)", md)
    gallery = [link for link in links if link.startswith("gallery/")]
    assert len(gallery) == 3 and all((out / urllib.parse.unquote(link)).is_file() for link in links)
    html_text = (out / "report.html").read_text()
    sources = [s.replace("&amp;", "&") for s in re.findall(r'src="([^"]+)"', html_text)]
    assert all((out / urllib.parse.unquote(s)).is_file() for s in sources)
    assert _table_rows_match_headers(md) == []
    assert "| my method (v2) | binary | 1 | 0 |" in md


def test_a_method_folder_named_chance_keeps_its_row_apart_from_the_chance_level(tmp_path: Path) -> None:
    data, run = tmp_path / "data", tmp_path / "run"
    videos = [f"v{k}.mp4" for k in range(4)]
    write_binary_file(
        data / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord.make(v, PAN, k < 1) for k, v in enumerate(videos)],
    )
    for method, scores in (("chance", [0.9, 0.1, 0.2, 0.3]), ("m", [0.1, 0.9, 0.2, 0.3])):
        write_scores(
            run / method / "scores.jsonl",
            [ScoreRecord(v, PAN.question, method, s, primitive=PAN.value) for v, s in zip(videos, scores, strict=True)],
        )
    md = write_report(data, run, tmp_path / "report").read_text()
    assert "| chance | semantic | 100.0 |" in md  # the method: its one positive ranked first
    assert "| (chance) |  | 25.0 |" in md  # the chance level: one positive in four videos
    assert "| primitive | chance | m | (chance) |" in md
    with (tmp_path / "report" / "binary_summary.csv").open() as fh:
        rows = {r["method"]: r for r in csv.DictReader(fh)}
    assert float(rows["chance"]["mean_ap"]) == 1.0 and float(rows["(chance)"]["mean_ap"]) == 0.25


def test_a_file_in_place_of_the_gallery_folder_is_a_write_error(odd_names: dict[str, Path], tmp_path: Path) -> None:
    ev = evaluate(odd_names["data"], odd_names["run"], n_bootstrap=0, captions_minilm=False)
    out = tmp_path / "report"
    out.mkdir()
    (out / "gallery").write_text("not a folder")
    with pytest.raises(WriteError, match="gallery") as info:
        write_report(odd_names["data"], odd_names["run"], out, evaluation=ev, gallery=1)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- metrics.json read back


def _document() -> dict[str, Any]:
    result = EvaluationResult(
        "data",
        "run",
        "lowest",
        10,
        0,
        methods={
            "m": MethodResult(binary=_binary({"Pan_Right": 0.5}, failed=1)),
            "n": MethodResult(binary=_binary({"Pan_Right": 0.4})),  # the comparison's other method
        },
        chance=Chance({"Pan_Right": 0.5}, 0.5),
        comparisons=[Comparison("m", "n", 0.1, (0.0, 0.2), 0.5, 10, ["Pan_Right"], 6)],
        knobs={"m": {"blur": KnobAP(0.5, 1, 2, 2)}},
    )
    doc: dict[str, Any] = result.to_json()
    return doc


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "metrics.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_metrics_round_trips_and_reads_nan_as_undefined(tmp_path: Path) -> None:
    doc = _document()
    assert read_metrics(_write(tmp_path, json.dumps(doc, indent=2))).to_json() == doc
    text = json.dumps(doc, indent=2)
    assert text.count('"p_value": 0.5') == 1
    back = read_metrics(_write(tmp_path, text.replace('"p_value": 0.5', '"p_value": NaN')))
    assert math.isnan(back.comparisons[0].p_value)


def _edit(path: tuple[str | int, ...], value: Any = None, drop: bool = False) -> str:
    doc = _document()
    *parents, last = path
    obj = doc
    for key in parents:
        obj = obj[key]
    if drop:
        del obj[last]
    else:
        obj[last] = value
    return json.dumps(doc, indent=2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_edit(("methods", "m", "binary", "mean_ap"), drop=True), r":\d+: methods\.m\.binary: missing key 'mean_ap'$"),
        (_edit(("data",), drop=True), r":1: missing key 'data'$"),
        (_edit(("methods", "m", "binary", "mean_ap"), "0.5"), r":\d+: methods\.m\.binary\.mean_ap: expected a number"),
        (
            _edit(("methods", "m", "binary", "failed"), 1.5),
            r":\d+: methods\.m\.binary\.failed: expected a whole number",
        ),
        (_edit(("methods", "m", "binary", "failed"), True), r"methods\.m\.binary\.failed: expected a whole number"),
        (_edit(("methods", "m", "binary", "failed"), -1), r"methods\.m\.binary\.failed: expected a count"),
        (_edit(("methods", "m", "binary", "samples"), None), r"methods\.m\.binary\.samples: expected a whole number"),
        (_edit(("methods", "m", "binary", "per_primitive"), [0.5]), r"per_primitive: expected an object, got a list"),
        (_edit(("methods", "m", "binary"), 3), r":\d+: methods\.m\.binary: expected an object"),
        (_edit(("methods",), []), r"methods: expected an object"),
        (_edit(("methods", "m", "binary", "ci95", "mean_ap"), [0.1, 0.2, 0.3]), r"ci95\.mean_ap: expected a list of 2"),
        (_edit(("data",), 3), r"data: expected a string"),
        (_edit(("failed_policy",), "ignore"), r"failed_policy must be one of lowest, drop, got 'ignore'"),
        (_edit(("knobs", "m", "blur", "clips"), drop=True), r"knobs\.m\.blur: missing key 'clips'"),
        (_edit(("comparisons", 0, "a"), drop=True), r"comparisons\[0\]: missing key 'a'"),
        (_edit(("comparsions",), []), r"unknown key 'comparsions'"),
        (json.dumps(_document(), indent=2).replace('"mean_ap": 0.5', '"mean_ap": Infinity', 1), r":\d+: .*infinite"),
        (
            json.dumps(_document(), indent=2).replace('"seed": 0', '"seed": 0, "seed": 1', 1),
            r":\d+: the key 'seed' appears twice",
        ),
        (json.dumps(_document(), indent=2)[:200], r":\d+: invalid JSON"),
        ("[1, 2]", r"expected an object, got a list of 2"),
    ],
)
def test_read_metrics_names_the_file_line_and_key_of_a_hand_edit(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(FileFormatError) as info:
        read_metrics(path)
    error = str(info.value)
    assert error.startswith(str(path)) and "\n" not in error
    assert re.search(message, error), error


def test_from_dict_names_the_key_path_of_a_wrong_value() -> None:
    doc = _document()
    doc["methods"]["m"]["binary"]["counts"]["Pan_Right"]["positives"] = "5"
    with pytest.raises(ResultFormatError, match=r"^methods\.m\.binary\.counts\.Pan_Right\.positives: expected a whole"):
        EvaluationResult.from_dict(doc)
