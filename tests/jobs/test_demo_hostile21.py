"""Hostile inputs, round 21: the demo job (``camerabench demo``).

An existing dataset of another seed, frame size, rate or generator version reused as the standard
benchmark; a dataset of a few clips (``--clips 2`` earlier) reused as the full set by a plain
rerun; ``--out`` inside camerabench's own source, inside a dataset, or not writable; an empty
``out``; a summary line that hid failed videos, undefined primitives and missing samples; ``--help``
silent on what a rerun into the same folder does.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

import camerabench.jobs.demo as demo
import camerabench.synth as synth
from camerabench.cli import main
from camerabench.cli.demo import summary_line
from camerabench.errors import CameraBenchError
from camerabench.synth.generate import GENERATOR_VERSION
from camerabench.synth.presets import preset_specs

METHODS: dict[str, dict[str, Any]] = {"dummy": {}}


class ReachedError(Exception):
    """A step after the checks was reached (the demo went on)."""


def _reached(*args: object, **kwargs: object) -> None:
    raise ReachedError


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("demo21") / "data"
    synth.generate_dataset(data, clips=1, preset="standard", size=(32, 32), workers=1)
    yield data


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step after the checks stops the demo: nothing is rendered or predicted."""
    monkeypatch.setattr(synth, "generate_dataset", _reached)
    monkeypatch.setattr(demo, "run_predict", _reached)


def _demo_with(tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **manifest: Any) -> Path:
    """An earlier demo's folder holding ``tiny_data`` with ``manifest`` (dotted keys into options)
    changed; the demo's own synthetic options set to those of ``tiny_data``."""
    out = tmp_path / "demo"
    shutil.copytree(tiny_data, out / "data")
    path = out / "data" / "manifest.json"
    doc = json.loads(path.read_text())
    for key, value in manifest.items():
        if key.startswith("options_"):
            doc["options"][key.removeprefix("options_")] = value
        else:
            doc[key] = value
    path.write_text(json.dumps(doc))
    synth_options = {"seed": 0, "size": (32, 32), "fps": 10.0}
    monkeypatch.setattr(demo, "_synth_options", lambda: synth_options, raising=False)
    return out


# --- 1. an existing dataset that is not the one the demo renders ------------------------------


def test_the_demo_reuses_its_own_earlier_dataset(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped: None
) -> None:
    out = _demo_with(tiny_data, tmp_path, monkeypatch)
    with pytest.raises(ReachedError):  # through the checks to the predict step
        demo.run_demo(out, clips=1, workers=1, methods=METHODS)


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        ({"seed": 3}, "seed 3, not 0"),
        ({"options_width": 64}, "width 64, not 32"),
        ({"options_fps": 5.0}, "fps 5.0, not 10.0"),
        ({"generator_version": "0"}, f"generator version '0', not {GENERATOR_VERSION!r}"),
    ],
)
def test_a_dataset_of_another_seed_size_rate_or_version_is_refused(
    change: dict[str, Any],
    difference: str,
    tiny_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stopped: None,
) -> None:
    # was: `camerabench synth --seed 3 --out OUT/data` then `camerabench demo --out OUT` reported
    # that dataset as the standard benchmark
    out = _demo_with(tiny_data, tmp_path, monkeypatch, **change)
    with pytest.raises(CameraBenchError) as exc:
        demo.run_demo(out, clips=1, workers=1, methods=METHODS)
    assert f"holds another synthetic dataset than the demo's ({difference})" in str(exc.value)
    assert sorted(os.listdir(out)) == ["data"]  # nothing run


def test_a_plain_rerun_over_a_dataset_of_a_few_clips_is_refused(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped: None
) -> None:
    # was: `demo --clips 1` then `demo` evaluated the 1 clip as the standard preset's full set
    out = _demo_with(tiny_data, tmp_path, monkeypatch)
    full = len(preset_specs("standard"))
    message = rf"holds 1 synthetic clips, not the standard preset's full set of {full}: "
    with pytest.raises(CameraBenchError, match=message):
        demo.run_demo(out, workers=1, methods=METHODS)


# --- 2. where --out is ------------------------------------------------------------------------


@pytest.mark.parametrize("inside", ["camerabench", "eval"])
def test_out_inside_the_package_source_is_refused(inside: str, stopped: None) -> None:
    import camerabench.eval

    package = camerabench if inside == "camerabench" else camerabench.eval  # eval/ is outside camerabench/
    out = Path(package.__file__ or "").resolve().parent / "demo21_never_written"
    with pytest.raises(CameraBenchError, match="is inside camerabench's own source folder"):
        demo.run_demo(out, clips=1, workers=1, methods=METHODS)  # was: rendered a dataset there
    assert not out.exists()


def test_out_inside_an_earlier_demos_dataset_is_refused_before_any_step(
    tiny_data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, stopped: None
) -> None:
    earlier = tmp_path / "demo"
    shutil.copytree(tiny_data, earlier / "data")
    for out in (earlier / "data", earlier / "data" / "videos" / "again"):
        caplog.clear()
        with caplog.at_level(logging.INFO), pytest.raises(CameraBenchError, match="is inside the synthetic dataset"):
            demo.run_demo(out, clips=1, workers=1, methods=METHODS)
        # was: logged "[1/4] generating" (or went on to render) before the generator refused
        assert [r.getMessage() for r in caplog.records if r.name.startswith("camerabench")] == []


def test_out_inside_the_videos_folder_of_any_dataset_is_refused(tmp_path: Path, stopped: None) -> None:
    # a real CameraBench folder (no manifest): the demo's videos would become its videos
    data = tmp_path / "camerabench_real"
    (data / "videos").mkdir(parents=True)
    (data / "labels").mkdir()
    out = data / "videos" / "demo"
    with pytest.raises(CameraBenchError, match="the demo folder is inside the dataset's videos folder"):
        demo.run_demo(out, clips=1, workers=1, methods=METHODS)
    assert not out.exists()


def test_an_unwritable_out_is_refused_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped: None) -> None:
    # tests run as root: permission is denied through os.access, as for a user on a read-only folder
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    with pytest.raises(CameraBenchError, match=r"cannot write there \(permission denied on .*locked\)"):
        demo.run_demo(locked / "demo", clips=1, workers=1, methods=METHODS)  # was: a PermissionError traceback
    (locked / "run").mkdir()
    with pytest.raises(CameraBenchError, match=r"permission denied on .*locked"):
        demo.run_demo(locked, clips=1, workers=1, methods=METHODS)


def test_an_empty_out_is_refused_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped: None
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CameraBenchError, match="out must be a folder path, got ' '"):
        demo.run_demo(" ", clips=1, workers=1, methods=METHODS)
    with pytest.raises(CameraBenchError, match="out must be a folder path, got ''"):
        demo.run_demo("", clips=1, workers=1, methods=METHODS)  # was: data/, run/, report/ in the cwd
    assert os.listdir(tmp_path) == []


# --- 3. the summary line and --help -------------------------------------------------------------


def _binary(**kwargs: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "mean_ap": 0.9,
        "per_primitive": {f"P{i}": 0.9 for i in range(15)},
        "primitives_in_mean": 15,
        "failed": 0,
        "missing": 0,
        "samples": 855,
    }
    return SimpleNamespace(**{**fields, **kwargs})


def _method(binary: SimpleNamespace | None, ok: int = 57, failed: int = 0, in_progress: str | None = None) -> Any:
    info = SimpleNamespace(videos_ok=ok, videos_failed=failed)
    return SimpleNamespace(binary=binary, run_info=info, in_progress=in_progress)


def _line(tmp_path: Path, **methods: Any) -> str:
    result = SimpleNamespace(metrics=SimpleNamespace(methods=methods), report=tmp_path / "report.md", seconds=3.0)
    return summary_line(cast(demo.DemoResult, result))


def test_the_summary_line_counts_failed_videos_and_undefined_primitives(tmp_path: Path) -> None:
    line = _line(
        tmp_path,
        fast=_method(_binary()),
        colmap=_method(_binary(primitives_in_mean=14, failed=40, missing=15), ok=52, failed=5),
    )
    assert "fast 0 of 57 videos failed, mean AP 90.0 over 15 of 15 primitives (0 failed, 0 missing of 855" in line
    # was: "colmap mean AP 90.0 (40 failed of 855)": 5 videos, 1 undefined primitive and 15 missing unsaid
    assert (
        "colmap 5 of 57 videos failed, mean AP 90.0 over 14 of 15 primitives (1 undefined) "
        "(40 failed, 15 missing of 855 samples)"
    ) in line


def test_the_summary_line_invents_no_counts_and_says_what_is_partial(tmp_path: Path) -> None:
    line = _line(
        tmp_path,
        captioner=_method(None, ok=57, failed=0),
        fast=_method(_binary(mean_ap=float("nan"), primitives_in_mean=0), in_progress="a predict run holds it"),
    )
    assert "0 failed of 0" not in line  # was: "captioner mean AP n/a (0 failed of 0)"
    assert "captioner 0 of 57 videos failed, mean AP n/a (no binary-classification scores)" in line
    assert "fast 0 of 57 videos failed, mean AP undefined (no primitive of 15 with both classes)" in line
    assert "[partial: a predict run holds it]" in line


def test_demo_help_says_what_a_rerun_into_the_same_folder_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "it resumes" in text and "never mixed in" in text
