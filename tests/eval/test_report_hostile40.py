"""Hostile inputs on the report layer, round 40: gallery.csv image paths of methods differing only in
letter case, colours of the per-method curves and of the failure kinds past the colour cycle (and a
style's shorter cycle), a ``matplotlibrc`` with ``text.usetex`` or ``text.parse_math: False``, an
``MPLBACKEND`` matplotlib refuses, and directional (RTL) overrides in names."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import shutil
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from cycler import cycler

from camerabench.errors import CameraBenchError
from camerabench.eval import plots
from camerabench.eval import report as report_module
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.report import _gallery_folders, write_report
from camerabench.eval.results import CalibrationResult, EvaluationResult, MethodResult, Reliability

from .test_gallery import gallery_run  # noqa: F401  (the fixture: 6 clips, two methods' scores and trajectories)
from .test_report_hostile import _binary, _NoDataset, _table_rows_match_headers


def _colour(artist: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in mpl.colors.to_rgba(artist.get_color()))


def _captured_figures(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The report's figures by file name, as :func:`report._save` is given them; not drawn (an
    empty file each: the tests using it look at what is plotted, or at file names, not pixels)."""
    figures: dict[str, Any] = {}

    def keep(fig: Any, path: Path, dpi: int = 110) -> None:
        figures[path.name] = fig
        path.write_bytes(b"")

    monkeypatch.setattr(report_module, "_save", keep)
    return figures


# --------------------------------------------------------------------------- gallery.csv


def test_gallery_csv_names_the_image_of_a_method_differing_only_in_case(
    gallery_run: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _captured_figures(monkeypatch)
    run = tmp_path / "run"
    for method in ("Geom", "geom"):  # one folder on macOS and Windows: the second one's images go elsewhere
        (run / method).mkdir(parents=True)
        shutil.copy(gallery_run["run"] / "geom" / "scores.jsonl", run / method)
    out = tmp_path / "report"
    write_report(gallery_run["data"], run, out, n_bootstrap=0, gallery=1)
    rows = list(csv.DictReader((out / "gallery.csv").open(encoding="utf-8")))
    images = {r["method"]: r["image"] for r in rows if r["image"]}
    assert set(images) == {"Geom", "geom"}
    for method, image in images.items():
        # was: gallery/geom/... for "geom", whose images are under gallery/geom%<hash>/ (no such file;
        # on a case-insensitive disk, Geom's image: the other method's clip)
        assert (out / image).is_file(), (method, image)
    assert images["Geom"].split("/")[1].casefold() != images["geom"].split("/")[1].casefold()
    report_md = (out / "report.md").read_text(encoding="utf-8")
    # the CSV names the images the report shows
    assert all(urllib.parse.quote(image) in report_md for image in images.values())


def test_gallery_folders_step_past_a_method_named_as_the_suffixed_folder() -> None:
    suffix = hashlib.sha256(b"fast").hexdigest()[:8]
    # "fast" meets "FAST", and its suffixed folder "fast%<hash>" meets the method "Fast%<hash>"
    folders = _gallery_folders(["FAST", f"Fast%{suffix}", "fast"])
    assert len({f.casefold() for f in folders.values()}) == 3  # was: fast%<hash> and Fast%<hash>, one folder
    assert folders["FAST"] == "FAST" and folders[f"Fast%{suffix}"] == f"Fast%{suffix}"
    assert _gallery_folders(["fast", "Fast"]) == {"fast": "fast", "Fast": "Fast%6c582b62"}  # as before


# --------------------------------------------------------------------------- colours


def _many_methods(n: int) -> tuple[dict[str, MethodResult], dict[str, dict[str, ResolvedSamples]]]:
    labels = np.array([True, False, True, False, True, False])
    methods, resolved = {}, {}
    for k in range(n):
        name = f"m{k:02d}"
        scores = np.linspace(0.1, 0.9, 6)[np.roll(np.arange(6), k)]
        reliability = Reliability(10, [0.1 + 0.05 * k, 0.8], [0.2, 0.7], [3, 3])
        methods[name] = MethodResult(
            binary=_binary({"Pan_Right": 0.5}),
            calibration=CalibrationResult("raw scores", 0.2, 0.1, 6, {"Pan_Right": 0.2}, reliability),
        )
        resolved[name] = {"Pan_Right": ResolvedSamples(labels, scores, [f"v{i}.mp4" for i in range(6)])}
    return methods, resolved


def test_pr_curves_and_reliability_lines_of_eleven_methods_get_eleven_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = _captured_figures(monkeypatch)
    methods, resolved = _many_methods(11)
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    ev = Evaluation(result, _NoDataset(), {}, resolved=resolved)  # type: ignore[arg-type]
    write_report("d", "r", tmp_path / "report", evaluation=ev, gallery=0)
    for name in ("pr_curves.png", "reliability.png"):
        fig = figures[name]
        # pr_curves.png: one legend for the figure (since R35); reliability.png: the axes' own
        ax = fig.axes[0]
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(lines) == 11, name
        # was: the 10 colours of the cycle: m00 and m10 drawn alike
        assert len({_colour(line) for line in lines}) == 11, name


def test_failure_counts_of_eleven_kinds_get_eleven_colours() -> None:
    kinds = [f"{s} {w}" for s in ("binary", "vqa", "captions", "trajectory", "mcq") for w in ("failed", "missing")]
    counts = {"a": dict.fromkeys(kinds, 1), "b": {"videos failed": 3}}  # a run.json-only method: the 11th kind
    _, axes = plots.new_figure(6, 3)
    ax = plots.plot_counts(axes[0, 0], counts)
    colours = {tuple(c.patches[0].get_facecolor()) for c in ax.containers}
    assert len(colours) == 11  # was 10: "binary failed" and "vqa missing" shared the first colour


def test_a_style_with_a_short_colour_cycle_still_tells_the_methods_apart() -> None:
    with mpl.rc_context({"axes.prop_cycle": cycler(color=["red", "green", "blue"])}):
        _, axes = plots.new_figure(6, 3)
        ax = plots.plot_ap_bars(axes[0, 0], {f"m{k}": {"P": 0.5} for k in range(4)}, ["P"])
        colours = {tuple(c.patches[0].get_facecolor()) for c in ax.containers if c.patches}
        assert len(colours) == 4  # was 3: m3 took m0's red
        _, axes = plots.new_figure(6, 3)
        ax = plots.plot_ap_bars(axes[0, 0], {f"m{k}": {"P": 0.5} for k in range(3)}, ["P"])
        colours = {tuple(c.patches[0].get_facecolor()) for c in ax.containers if c.patches}
        assert colours == {mpl.colors.to_rgba(c) for c in ("red", "green", "blue")}  # the style's, when enough


# --------------------------------------------------------------------------- matplotlib settings


@pytest.mark.parametrize("rc", [{"text.usetex": True}, {"text.parse_math": False}])
def test_a_matplotlibrc_with_latex_or_without_mathtext_draws_names_as_written(rc: dict[str, Any]) -> None:
    name = "cost $5_a 50% & #1"
    with mpl.rc_context(rc):
        fig, axes = plots.new_figure(6, 3)
        ax = plots.plot_ap_bars(axes[0, 0], {name: {"P": 0.5}}, ["P"], chance={"P": 0.4})
        # was (usetex): RuntimeError "latex could not be found" saving the first plot, after the evaluation
        fig.savefig(io.BytesIO(), format="png")
    texts = [*ax.get_legend().get_texts(), ax.title]
    assert all(not t.get_usetex() for t in texts)
    shown = [t for t in texts if "cost" in t.get_text()]
    assert len(shown) == 1
    # mathtext reads the escaped \$ as a dollar sign (was, without parse_math: "\$" drawn, backslash and all)
    assert shown[0].get_text() == "cost \\$5_a 50% & #1" and shown[0].get_parse_math()
    assert shown[0].get_window_extent(fig.canvas.get_renderer()).width > 0


def test_an_mpl_backend_matplotlib_refuses_is_a_one_line_error_before_evaluating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLBACKEND", "no-such-backend")
    monkeypatch.delitem(sys.modules, "matplotlib")  # as in a fresh process: the import reads MPLBACKEND

    class Unreached:
        @property
        def result(self) -> Any:
            raise AssertionError("evaluated before refusing")

    with pytest.raises(CameraBenchError, match="MPLBACKEND='no-such-backend'"):
        # was: ValueError traceback from matplotlib at the first plot, after the whole evaluation
        write_report("d", "r", tmp_path / "report", evaluation=Unreached(), gallery=0)  # type: ignore[arg-type]
    assert not (tmp_path / "report" / "report.md").exists()


# --------------------------------------------------------------------------- directional overrides


def test_a_right_to_left_override_in_a_name_is_shown_not_obeyed(tmp_path: Path) -> None:
    rlo = "\u202e"
    methods = {
        f"{rlo}evil": MethodResult(binary=_binary({"Pan_Right": 0.125}, failed=1, reasons={f"{rlo}why": 1})),
        "b\u2067": MethodResult(binary=_binary({"Pan_Right": 0.5})),
    }
    result = EvaluationResult("data", "run", "lowest", 10, 0, methods=methods)
    out = tmp_path / "report"
    md = write_report("d", "r", out, evaluation=Evaluation(result, _NoDataset(), {}), gallery=0).read_text(  # type: ignore[arg-type]
        encoding="utf-8"
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    for text in (md, page):
        # was: the raw U+202E: the rest of the row (its 12.5) read right to left, "5.21"
        assert rlo not in text and "\u2067" not in text
        assert "\\u202eevil" in text and "\\u202ewhy" in text and "b\\u2067" in text
    assert "| \\u202eevil |  | 12.5 |" in md
    assert _table_rows_match_headers(md) == []
    # the CSVs keep the names as they are (data, each in a cell of its own)
    assert f"{rlo}evil" in (out / "binary_summary.csv").read_text(encoding="utf-8")
    assert not math.isnan(result.methods[f"{rlo}evil"].binary.mean_ap)  # type: ignore[union-attr]
