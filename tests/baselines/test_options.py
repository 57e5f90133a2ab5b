"""Typed method options: conversion, ranges, round trips, and the CLI path into run.json."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.options import parse_assignments
from camerabench.baselines.registry import METHODS, predictor_class
from camerabench.errors import CameraBenchError
from camerabench.labelfiles import read_binary_file, write_binary_file
from camerabench.taxonomy import Primitive
from camerabench.video import write_video


@pytest.fixture()
def tiny_dataset(tmp_path: Path, public_data: Path) -> Path:
    """One real label file cut to 2 videos, both present as tiny mp4s."""
    data = tmp_path / "data"
    recs = read_binary_file(public_data / "binary_classification" / Primitive.PAN_LEFT.file)[:2]
    write_binary_file(data / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    for r in recs:
        write_video(data / "videos" / r.image, np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    return data


@pytest.fixture(scope="module")
def required(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Options that need something real from outside (a folder, a checkpoint) to validate."""
    from camerabench.baselines.fusion import FusionModel, SharedStack
    from camerabench.baselines.vlm.tiny import make_tiny_vlm

    model = make_tiny_vlm(tmp_path_factory.mktemp("tiny") / "vlm")
    fusion = tmp_path_factory.mktemp("fusion")
    # a trained model (one loaded without a fitted stack is refused)
    stack = SharedStack("logistic", ["Pan_Left"], [[[1.0, 0.0, 1.0]]], coef=[1.0, 0.5], c=1.0)
    FusionModel(["fast"], primitives={"Pan_Left": {"samples": 6, "positives": 3}}, full=stack).save(fusion)
    return {
        "trajectory": {"traj_dir": "."},
        "qwen-vl": {"model": str(model)},
        "fusion": {"model": str(fusion), "inputs_run": "."},
    }


@pytest.mark.parametrize("method", sorted(METHODS))
def test_defaults_validate_and_round_trip(method: str, required: dict[str, dict[str, str]]) -> None:
    cls = predictor_class(method)
    opts = cls.Options.from_mapping(required.get(method, {}), method=method)
    as_dict = opts.to_dict()
    assert list(as_dict) == cls.Options.names()
    json.dumps(as_dict, allow_nan=False)  # run.json must be standard JSON
    assert cls.Options.from_mapping(as_dict, method=method) == opts
    # the same values given as the strings the command line passes
    as_text = {k: json.dumps(v) if isinstance(v, list) else str(v) for k, v in as_dict.items()}
    assert cls.Options.from_mapping(as_text, method=method) == opts


@pytest.mark.parametrize("method", ["fast", "colmap", "qwen-vl"])
@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, "0", "nan", "-3"])
def test_sample_fps_must_be_positive_and_finite(method: str, bad: object, required: dict[str, dict[str, str]]) -> None:
    with pytest.raises(CameraBenchError, match=f"method '{method}': option sample_fps must be") as info:
        predictor_class(method)({**required.get(method, {}), "sample_fps": bad})
    assert "\n" not in str(info.value)


def test_types_choices_and_unknown_names_are_one_line_errors() -> None:
    fast = predictor_class("fast")
    with pytest.raises(CameraBenchError, match="option max_side must be int"):
        fast(max_side="big")
    with pytest.raises(CameraBenchError, match="option max_side must be int"):
        fast(max_side=True)
    with pytest.raises(CameraBenchError, match="option scorer must be one of default, camerabench"):
        fast(scorer="nope")
    with pytest.raises(CameraBenchError, match=r"does not take option.* traj_dir; it takes: "):
        fast(traj_dir="x")
    with pytest.raises(CameraBenchError, match="option fov_deg must be <= 150"):
        fast(fov_deg=200)
    # 179 deg was taken: a focal length of 2 px at 480 px, every angle a guess
    for method in ("fast", "colmap"):
        with pytest.raises(CameraBenchError, match="option fov_deg must be <= 150"):
            predictor_class(method)(fov_deg=179)
        with pytest.raises(CameraBenchError, match="option fov_deg must be >= 1"):
            predictor_class(method)(fov_deg=0.01)
        assert predictor_class(method)(fov_deg=150).opt("fov_deg") == 150
    colmap = predictor_class("colmap")
    with pytest.raises(CameraBenchError, match="option min_registered must be <= 1"):
        colmap(min_registered=1.5)
    with pytest.raises(CameraBenchError, match="focal_order must name at least one model"):
        colmap(focal_order="[]")
    with pytest.raises(CameraBenchError, match="needs option model"):
        predictor_class("qwen-vl")()


def test_strings_are_parsed_by_the_field_type() -> None:
    colmap = predictor_class("colmap")
    p = colmap(
        focal_order="false",
        deterministic="yes",
        filter_max_error_px="none",
        max_side="256",
        min_registered="0.5",
    )
    assert p.settings()["focal_order"] == [False]
    assert p.opt("deterministic") is True
    assert p.opt("filter_max_error_px") is None
    assert p.opt("max_side") == 256 and p.opt("min_registered") == 0.5
    assert colmap(focal_order="true,false").opt("focal_order") == [True, False]
    assert colmap(focal_order="[false, true]").opt("focal_order") == [False, True]
    # integers are accepted where a float is expected, and recorded as floats
    assert predictor_class("fast")(sample_fps=2).settings()["sample_fps"] == 2.0


def test_parse_assignments() -> None:
    assert parse_assignments(["a=1", "b-c = x=y"]) == {"a": "1", "b_c": "x=y"}
    with pytest.raises(CameraBenchError, match="expected KEY=VALUE"):
        parse_assignments(["novalue"])
    with pytest.raises(CameraBenchError, match="a is given twice"):
        parse_assignments(["a=1", "a=2"])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "camerabench.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_rejects_bad_values_before_touching_a_video(
    tmp_path: Path, tiny_dataset: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.cli import main

    run = tmp_path / "run"
    # One real process (exit code and stderr as a user sees them), the other cases in this one
    # (the same main(); a process each cost ~3 s of imports).
    proc = _cli("predict", "--data", str(tiny_dataset), "--method", "fast", "--out", str(run), "--sample-fps", "0")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "method 'fast'" in proc.stderr
    assert not run.exists()
    for flags in (["--sample-fps", "nan"], ["--option", "max_side=-5"], ["--option", "nope=1"]):
        caplog.clear()
        assert main(["predict", "--data", str(tiny_dataset), "--method", "fast", "--out", str(run), *flags]) == 1
        assert "method 'fast'" in caplog.text, flags
        assert not run.exists()
    caplog.clear()
    code = main(
        ["predict", "--data", str(tiny_dataset), "--method", "fast", "--out", str(run),
         "--sample-fps", "2", "--option", "sample_fps=3"]
    )  # fmt: skip
    assert code == 1 and "set both by a flag and by --option" in caplog.text


def test_cli_options_reach_run_json(tmp_path: Path, tiny_dataset: Path) -> None:
    run = tmp_path / "run"
    proc = _cli(
        "predict", "--data", str(tiny_dataset), "--method", "dummy", "--out", str(run), "--option", "seed=7",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    info = json.loads((run / "dummy" / "run.json").read_text())
    assert info["settings"]["seed"] == 7
    assert info["settings"]["fail_videos"] == []
    assert info["method_kind"] == "test"
