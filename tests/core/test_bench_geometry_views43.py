"""benchmarks/bench_geometry.py, round 43: the label-only views AP is computed on gave false warnings.

Every per-mode figure came with "N of N videos the labels name are not there ... a run records each as
failed", "the run was made on W/data, not on W/views/..." and "K score record(s) name M video(s) not in the
dataset": true of the view, but no run recorded anything as failed. Each view now links its clips' video
files and evaluate's two warnings about the other clips' records (expected for a view) are dropped when
their figures are the expected ones; the figures are those of the old label-only views.

A tiny pair of datasets (3 standard clips, 2 hard clips of two failure modes, a few binary labels) is run
with the ``dummy`` method, which scores any video file.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import BinaryResult
from camerabench.fileio import write_json
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.runfolder import read_method
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_test43", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


geometry = _load("bench_geometry")

#: Tilt_Up's undefined AP on the standard clips is part of the data (one test asserts it is still warned).
pytestmark = pytest.mark.filterwarnings("ignore:(AP|ROC-AUC) of Tilt_Up is undefined")

#: video -> (failure mode, labels): Tilt_Up has no positive among the standard clips (its AP there is undefined).
STD = {
    "s0.mp4": {Primitive.PAN_LEFT: True, Primitive.STATIC: False, Primitive.TILT_UP: False},
    "s1.mp4": {Primitive.PAN_LEFT: False, Primitive.STATIC: True, Primitive.TILT_UP: False},
    "s2.mp4": {Primitive.PAN_LEFT: True, Primitive.STATIC: False, Primitive.TILT_UP: False},
}
HARD = {
    "h0.mp4": ("tracking", {Primitive.PAN_LEFT: False, Primitive.STATIC: True, Primitive.TILT_UP: True}),
    "h1.mp4": ("low_parallax", {Primitive.PAN_LEFT: True, Primitive.STATIC: False, Primitive.TILT_UP: False}),
}

#: evaluate's and the dataset's warnings a view gave, none of them true of the benchmark.
FALSE = ("the labels name are not there", "the run was made on", "not in the dataset")


def _write(root: Path, labels: dict[str, dict[Primitive, bool]], modes: dict[str, str] | None = None) -> Dataset:
    for video in labels:
        write_video(root / "videos" / video, np.zeros((2, 16, 16, 3), np.uint8), fps=4)
    for prim in Primitive:
        recs = [BinaryRecord.make(v, prim, lab[prim]) for v, lab in labels.items() if prim in lab]
        if recs:
            write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    if modes is not None:
        write_json(root / "manifest.json", {"clips": [{"video": v, "failure_mode": m} for v, m in modes.items()]})
    return Dataset(root)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sources, the selected clips, the combined dataset and a dummy run on it."""
    base = tmp_path_factory.mktemp("bench43")
    sets = {
        "std": _write(base / "std", STD),
        "hard": _write(base / "hard", {v: lab for v, (_, lab) in HARD.items()}, {v: m for v, (m, _) in HARD.items()}),
    }
    clips = geometry.select_clips(sets, None, None)
    root = base / "work"
    data = geometry.build_combined(root, sets, clips)
    run_dir = root / "runs" / "dummy"
    run_predict(data, "dummy", run_dir, workers=1, progress=False)
    return {"sets": sets, "clips": clips, "root": root, "data": data, "run_dir": run_dir}


def _views(clips: list[Any]) -> dict[str, list[Any]]:
    """The views bench_method builds: the standard clips, all clips, the standard clips plus each mode's."""
    std = [c for c in clips if c.source == "std"]
    hard = [c for c in clips if c.source == "hard"]
    return {"std": std, "all": clips} | {f"mode_{c.failure_mode}": [*std, c] for c in hard}


def _old_binary(bench: dict[str, Any], name: str, clips: list[Any]) -> BinaryResult:
    """What the old code evaluated: a folder of the clips' labels only (no videos/)."""
    folder = bench["root"] / "old_views" / name
    geometry._write_labels(folder, bench["sets"], clips)
    with pytest.MonkeyPatch.context() as mp:  # quiet: only the figures are compared
        mp.setattr(logging.getLogger("camerabench"), "disabled", True)
        binary = evaluate(folder, bench["run_dir"], failed="lowest", n_bootstrap=0, captions_minilm=False).result
    out = binary.methods["dummy"].binary
    assert out is not None
    return out


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _false_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if any(text in r.getMessage() for text in FALSE)]


def test_a_view_links_its_clips_videos_so_none_is_missing(
    bench: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """mode_tracking (4 clips) -> old: no videos/, "4 of 4 videos the labels name are not there" -> new: links."""
    members = _views(bench["clips"])["mode_tracking"]
    caplog.set_level(logging.WARNING)
    view = geometry.build_view(bench["root"], "mode_tracking", bench["sets"], members)
    dataset = Dataset(view)
    assert dataset.videos() == sorted(c.name for c in members)
    assert all(dataset.video_path(c.name).resolve() == c.path for c in members)
    dataset.validate()
    assert _false_warnings(caplog) == []


@pytest.mark.parametrize("name", ["std", "all", "mode_tracking", "mode_low_parallax"])
def test_view_figures_equal_the_old_ones_without_the_false_warnings(
    bench: dict[str, Any], caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Each view -> old: the three false warnings -> new: none, the same AP per primitive, a note of the
    records of other clips the figure leaves out."""
    members = _views(bench["clips"])[name]
    run = read_method(bench["run_dir"] / "dummy")
    caplog.set_level(logging.WARNING)
    view = geometry.build_view(bench["root"], name, bench["sets"], members)
    ap = geometry.binary_ap(view, bench["run_dir"], run)
    assert _false_warnings(caplog) == []
    old = _old_binary(bench, name, members)
    assert ap.binary is not None
    assert _same(ap.binary.mean_ap, old.mean_ap)
    assert set(ap.binary.per_primitive) == set(old.per_primitive)
    assert all(_same(ap.binary.per_primitive[p], old.per_primitive[p]) for p in old.per_primitive)
    names = {c.name for c in members}
    others = [video for video, _ in run.scores or {} if video not in names]
    assert (ap.clips, ap.other_records, ap.other_clips) == (len(members), len(others), len(set(others)))
    assert (ap.other_clips, ap.other_records > 0) == ((5 - len(members)), len(members) < 5)


def test_an_undefined_ap_is_still_warned(bench: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    """Standard view, Tilt_Up with no positive -> old: warned -> new: still warned (and NaN)."""
    members = _views(bench["clips"])["std"]
    view = geometry.build_view(bench["root"], "std", bench["sets"], members)
    caplog.set_level(logging.WARNING)
    with pytest.warns(UserWarning, match="AP of Tilt_Up is undefined"):
        ap = geometry.binary_ap(view, bench["run_dir"], read_method(bench["run_dir"] / "dummy"))
    assert ap.binary is not None and math.isnan(ap.binary.per_primitive["Tilt_Up"])
    assert any("undefined AP: Tilt_Up" in r.getMessage() for r in caplog.records)


def test_the_same_warnings_with_other_figures_still_show(
    bench: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A run made on another folder, or holding records the view does not expect -> warned, not dropped."""
    members = _views(bench["clips"])["std"]
    view = geometry.build_view(bench["root"], "std", bench["sets"], members)
    run = read_method(bench["run_dir"] / "dummy")
    assert run.info is not None and run.scores is not None
    one_less = dict(list(run.scores.items())[1:])  # the run on disk has one record more than expected
    assert next(iter(run.scores))[0] not in {c.name for c in members}
    other = dataclasses.replace(run, info=dataclasses.replace(run.info, data="/elsewhere"), scores=one_less)
    caplog.set_level(logging.WARNING)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(logging.getLogger("py.warnings"), "disabled", True)
        geometry.binary_ap(view, bench["run_dir"], other)
    shown = _false_warnings(caplog)
    assert any("the run was made on" in m for m in shown), shown
    assert any("not in the dataset" in m for m in shown), shown


def test_bench_method_prints_the_old_figures_without_false_warnings(
    bench: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The whole per-method report (dummy, timings left out: it has no sample_fps) -> old: 3 false warnings
    for the standard view and one per other view -> new: none; the same mean APs, each with its note."""
    monkeypatch.setattr(geometry, "_timings", lambda info, clips, data: {})
    data = geometry.build_combined(tmp_path, bench["sets"], bench["clips"])
    caplog.set_level(logging.WARNING)
    geometry.bench_method("dummy", {}, tmp_path, data, bench["sets"], bench["clips"])
    out = capsys.readouterr().out
    assert _false_warnings(caplog) == []
    views = _views(bench["clips"])
    old = {name: _old_binary(bench, name, members) for name, members in views.items()}
    assert f"standard preset: mean AP {old['std'].mean_ap:.3f} (3 clips; the run's " in out
    assert f"standard + hard: mean AP {old['all'].mean_ap:.3f} (5 clips)\n" in out
    for mode in ("tracking", "low_parallax"):
        mean = old["mode_" + mode].mean_ap
        assert f"mode {mode}: 1 clips, 0 failed; mean AP over standard + mode clips {mean:.3f} (4 clips;" in out
