"""Hostile inputs on the report figures, round 29: CJK labels (font fallback, one warning naming
the labels no font can draw), NaN / inf in reliability diagrams and motion curves, 50 methods and
long names cut to the same label, gallery paths that cannot even be looked up, and no figure left
open in pyplot by a report."""

from __future__ import annotations

import io
import logging
import math
import warnings
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest

from camerabench.eval import gallery, plots
from camerabench.eval.gallery import MotionCurves, clip_frames, load_motion
from camerabench.eval.results import MethodResult

from .test_report_hostile import _binary, _report

CJK_METHOD = "方法一"  # a user's method folder named in Chinese
CJK_CATEGORY = "镜头运动"  # a ShotBench-style category


@pytest.fixture(autouse=True)
def _fresh_glyph_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # each test sees its own "labels already said" set
    monkeypatch.setattr(plots, "_UNDRAWABLE_SAID", set(), raising=False)


def _png(fig: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    return caught


def _glyph_flood(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def _said(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "no installed font has" in str(w.message)]


# --------------------------------------------------------------------------- fonts


def test_a_label_no_font_can_draw_is_named_once_not_per_glyph(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plots, "FALLBACK_FONTS", ())  # no installed font has the characters
    fig, axes = plots.new_figure(4, 3)
    plots.plot_ap_bars(axes[0, 0], {CJK_METHOD: {CJK_CATEGORY: 0.5, "Pan": 0.4}}, [CJK_CATEGORY, "Pan"])
    caught = _png(fig)
    # was: one "Glyph ... missing from font(s) DejaVu Sans" warning per character, naming no label
    assert _glyph_flood(caught) == []
    (said,) = _said(caught)
    assert f"'{CJK_METHOD}'" in said and f"'{CJK_CATEGORY}'" in said and "'Pan'" not in said
    assert _said(_png(fig)) == []  # drawn again (another figure of the report): said already


def test_labels_fall_back_per_glyph_on_an_installed_font(monkeypatch: pytest.MonkeyPatch) -> None:
    # no CJK font is installed here: STIXGeneral (shipped with matplotlib) stands in for one; it
    # has U+210A SCRIPT SMALL G, which DejaVu Sans lacks
    label = "method \u210a"
    monkeypatch.setattr(plots, "FALLBACK_FONTS", ("Not An Installed Font", "STIXGeneral"), raising=False)
    assert plots.fallback_fonts() == ["STIXGeneral"]
    fig, axes = plots.new_figure(4, 3)
    plots.plot_ap_bars(axes[0, 0], {label: {"Pan": 0.5}}, ["Pan"])
    caught = _png(fig)
    assert _glyph_flood(caught) == [] and _said(caught) == []  # was: the glyph missing, drawn as a box
    legend_text = axes[0, 0].get_legend().get_texts()[0]
    assert legend_text.get_fontfamily()[-1] == "STIXGeneral"


def test_the_fallback_never_changes_the_users_rcparams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plots, "FALLBACK_FONTS", ("STIXGeneral",), raising=False)
    before = list(mpl.rcParams["font.family"])
    with plots.figure_fonts() as fallback:
        assert fallback == ["STIXGeneral"] and mpl.rcParams["font.family"] == [*before, "STIXGeneral"]
    fig, axes = plots.new_figure(3, 2)
    plots.plot_reliability(axes[0, 0], [0.2], [0.3], "m")
    _png(fig)
    assert mpl.rcParams["font.family"] == before


def test_other_warnings_while_drawing_still_reach_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plots, "FALLBACK_FONTS", (), raising=False)
    fig, axes = plots.new_figure(3, 2, layout=None)  # the axes drawn once
    plots.plot_reliability(axes[0, 0], [0.2], [0.3], CJK_METHOD)
    orig = type(axes[0, 0]).draw

    def draw(self: Any, renderer: Any) -> None:
        warnings.warn("something else", RuntimeWarning, stacklevel=1)
        orig(self, renderer)

    monkeypatch.setattr(type(axes[0, 0]), "draw", draw)
    caught = _png(fig)
    assert [str(w.message) for w in caught if w.category is RuntimeWarning] == ["something else"]
    assert len(_said(caught)) == 1


# --------------------------------------------------------------------------- NaN / inf


def test_reliability_with_no_defined_bin_says_n_a() -> None:
    fig, axes = plots.new_figure(3, 2)
    ax = plots.plot_reliability(axes[0, 0], [math.nan, math.inf], [math.nan, 0.5], "m")
    plots.plot_reliability(ax, [], [], "empty")
    # was: nothing drawn and nothing said (an empty plot)
    assert [t.get_text() for t in ax.texts] == [
        "m: n/a (no bin with a defined value)",
        "empty: n/a (no bin with a defined value)",
    ]
    _png(fig)
    assert all(math.isfinite(v) for v in (*ax.get_xlim(), *ax.get_ylim()))


def test_reliability_draws_an_infinite_bin_as_a_gap() -> None:
    _, axes = plots.new_figure(3, 2)
    ax = plots.plot_reliability(axes[0, 0], [0.1, math.inf, 0.5], [0.2, 0.3, -math.inf], "m")
    line = ax.get_lines()[1]
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    # was: the infinite values plotted as they are (a line to the edge of the axes)
    assert not np.isinf(x).any() and not np.isinf(y).any()
    assert np.isnan(x[1]) and np.isnan(y[2]) and (x[0], y[0]) == (0.1, 0.2)


def test_motion_draws_an_infinite_value_as_a_gap() -> None:
    t = np.arange(3.0)
    r = np.array([[0.0, 0, 0], [math.inf, 0, 0], [1, 1, 1]])
    fig, axes = plots.new_figure(3, 2)
    ax = plots.plot_motion(axes[0, 0], MotionCurves(t, r, r.copy(), np.ones(3)), None, "rotation")
    assert not np.isinf(np.asarray(ax.get_lines()[0].get_ydata(), float)).any()  # was: inf kept
    _png(fig)
    assert all(math.isfinite(v) for v in ax.get_ylim())


def test_all_undefined_bars_are_n_a_gaps_with_finite_limits() -> None:
    fig, axes = plots.new_figure(4, 3)
    ax = plots.plot_ap_bars(axes[0, 0], {"m": {"a": math.nan, "b": math.nan}}, ["a", "b"], chance={"a": math.nan})
    _png(fig)
    assert [t.get_text() for t in ax.texts] == ["n/a", "n/a"]
    assert all(r.get_height() != 0 for r in ax.patches if r.get_width() < 1)  # no zero-height bar
    assert ax.get_ylim() == (0, 100)


# --------------------------------------------------------------------------- many and long names


def test_long_names_cut_to_the_same_label_stay_distinct() -> None:
    a, b = "x" * 150 + "A" + "y" * 150, "x" * 150 + "B" + "y" * 150
    _, axes = plots.new_figure(6, 3)
    ax = plots.plot_ap_bars(axes[0, 0], {a: {"P": 0.5}, b: {"P": 0.4}}, ["P"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # was: two legend entries reading the same "xxxxxxxxxxxxxxxxxxx…yyyyyyyyyyyyyyyyyyyy"
    assert len(set(labels)) == 2 and all(len(s) <= plots.LABEL_LIMIT for s in labels)
    assert "A" in labels[0] and "B" in labels[1] and all("\u2026" in s for s in labels)
    ticks = plots.short_labels(["same", "same", "Fast", "fast"])
    assert ticks == ["same (1)", "same (2)", "Fast", "fast"]


def test_fifty_methods_get_fifty_colours_and_a_legend_beside_the_axes() -> None:
    values = {f"method {k}": {"P": 0.5, "Q": 0.2} for k in range(48)}
    values["m" * 300] = {"P": 0.1}
    values["M" * 300] = {"P": 0.2}
    fig, axes = plots.new_figure(12, 4.5)
    ax = plots.plot_ap_bars(axes[0, 0], values, ["P", "Q"])
    colours = {tuple(c.patches[0].get_facecolor()) for c in ax.containers if c.patches}
    assert len(colours) == 50  # was: the 10 colours of the default cycle, five methods each
    _png(fig)
    renderer = fig.canvas.get_renderer()
    box, leg = ax.get_window_extent(renderer), ax.get_legend().get_window_extent(renderer)
    assert leg.x0 >= box.x1 - 1 and leg.x1 <= fig.bbox.x1 + 1  # beside the axes, inside the figure
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert max(map(len, texts)) <= plots.LABEL_LIMIT and len(set(texts)) == 50


def test_a_report_of_many_methods_leaves_no_figure_open_and_says_a_cjk_name_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plots, "FALLBACK_FONTS", (), raising=False)
    methods = {f"m{k}": MethodResult(binary=_binary({"Pan_Left": 0.5, "Tilt_Up": math.nan})) for k in range(12)}
    methods[CJK_METHOD] = MethodResult(binary=_binary({"Pan_Left": 0.6, "Tilt_Up": 0.4}))
    methods["Fast"] = MethodResult(binary=_binary({"Pan_Left": 0.3, "Tilt_Up": 0.4}))
    methods["fast"] = MethodResult(binary=_binary({"Pan_Left": 0.7, "Tilt_Up": 0.4}))
    open_before = plt.get_fignums()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out, _ = _report(tmp_path, methods)
    assert plt.get_fignums() == open_before
    assert _glyph_flood(caught) == []
    assert len([s for s in _said(caught) if CJK_METHOD in s]) == 1  # once for the whole report
    assert (out / "ap_per_primitive.png").is_file()


# --------------------------------------------------------------------------- gallery


def test_a_video_whose_name_is_too_long_to_look_up_is_recorded_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ("v" * 300 + ".mp4")
    why: list[str] = []
    with caplog.at_level(logging.WARNING, logger=gallery.__name__):
        frames = clip_frames(path, 4, 160, why)  # was: OSError "File name too long" out of the report
    assert frames is None
    assert len(why) == 1 and "the video file cannot be looked up (File name too long)" in why[0]


def test_a_trajectory_whose_name_is_too_long_to_look_up_is_recorded_not_raised(tmp_path: Path) -> None:
    why: list[str] = []
    assert load_motion(tmp_path / ("t" * 300 + ".npz"), why) is None  # was: OSError
    assert len(why) == 1 and "the trajectory file cannot be looked up" in why[0]
    assert gallery._written(tmp_path / ("t" * 300 + ".npz"))  # kept, so that load_motion says why
    assert not gallery._written(tmp_path / "gone.npz")


def test_gone_and_undecodable_videos_and_trajectories_are_recorded(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    why: list[str] = []
    assert clip_frames(tmp_path / "gone.mp4", 4, 160, why) is None and clip_frames(bad, 4, 160, why) is None
    assert "gone.mp4: the video file does not exist" in why[0] and "bad.mp4" in why[1]
    assert load_motion(tmp_path / "gone.npz", why) is None
    assert why[2].endswith("gone.npz: the trajectory file does not exist")


@pytest.mark.parametrize(
    "frames",
    [
        np.full((1, 8, 8, 3), 7, np.uint8),  # a video of one frame
        np.zeros((4, 160, 2, 3), np.uint8),  # extremely tall
        np.zeros((4, 2, 160, 3), np.uint8),  # extremely wide
        np.full((3, 8, 8, 1), 0.5, np.float32),  # grey
        np.full((3, 8, 8, 1), 200, np.uint8),
    ],
)
def test_frame_strips_of_odd_videos_draw(frames: np.ndarray) -> None:
    fig, axes = plots.new_figure(7.5, 1.5, layout=None)
    ax = plots.plot_frame_strip(axes[0, 0], frames)
    _png(fig)
    (image,) = ax.get_images()
    n, h, w, _ = frames.shape
    assert image.get_array().shape[:2] == (h, n * w + 2 * (n - 1))


def test_gallery_folders_of_names_differing_in_case_differ_ignoring_case() -> None:
    # one folder on macOS and Windows: the second method's images overwrote the first's
    from camerabench.eval.report import _gallery_folders

    folders = _gallery_folders(["fast", "Fast", "FAST", "colmap"])
    assert folders["fast"] == "fast" and folders["colmap"] == "colmap"
    assert len({f.casefold() for f in folders.values()}) == 4
    assert folders["Fast"].startswith("Fast%") and folders["FAST"].startswith("FAST%")
