"""Red team R76: fusion of a video an input never ran on, ``input_samples`` of inputs of some
primitives only, ``train --method fusion --out`` checked before any work, and ``--resume`` with
another fusion model.

Every input is a real ``dummy`` run on the six tiny videos of tests/conftest.py (Pan_Left and
Tilt_Up labels): ``dummy`` itself, ``d2`` (seed 1, failing v1.mp4: a recorded failure), and
``d_pan`` / ``d_tilt`` (the Pan_Left records of ``dummy``, the Tilt_Up records of ``d2``: inputs
that were asked one primitive each).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.baselines import fusion as fusion_mod
from camerabench.baselines.fusion import FUSION_FILE, INPUTS_SHA256_KEY, FusionModel, train_fusion
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_predict
from camerabench.records import read_run_info, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP


def _relabel(src: MethodFolder, dst: MethodFolder, name: str, primitive: Primitive | None = None) -> None:
    """``src``'s records (of ``primitive`` only, when given) and run.json as the run of method ``name``."""
    recs = [dataclasses.replace(r, method=name) for r in read_scores(src.scores)]
    dst.path.mkdir(parents=True, exist_ok=True)
    write_scores(dst.scores, [r for r in recs if primitive is None or r.primitive == primitive.value])
    info = read_run_info(src.run_info)
    info.method = name
    write_run_info(dst.run_info, info)


@pytest.fixture(scope="module")
def made(six_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The four inputs in one run folder, and a fusion model of ``dummy,d2`` (``model``) and one of
    ``d_pan,d_tilt`` (``disjoint``), both trained on that folder."""
    root = tmp_path_factory.mktemp("r76")
    run, other = root / "run", root / "other"
    run_predict(six_videos, "dummy", run)
    run_predict(six_videos, "dummy", other, options={"seed": 1, "fail_videos": ["v1.mp4"]})
    dummy, d2 = MethodFolder.of(run, "dummy"), MethodFolder.of(run, "d2")
    _relabel(MethodFolder.of(other, "dummy"), d2, "d2")
    _relabel(dummy, MethodFolder.of(run, "d_pan"), "d_pan", PAN)
    _relabel(d2, MethodFolder.of(run, "d_tilt"), "d_tilt", TILT)
    train_fusion(six_videos, run, ["dummy", "d2"], root / "model", n_splits=2, inner_repeats=1)
    return {"data": six_videos, "run": run, "model": root / "model", "root": root}


def _predict(made: dict[str, Path], run: Path, *extra: str, model: Path | None = None) -> int:
    args = ["predict", "--method", "fusion", "--data", str(made["data"]), "--model", str(model or made["model"])]
    return main([*args, "--out", str(run), *extra])


def _copy(made: dict[str, Path], tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(made["run"], run, ignore=shutil.ignore_patterns("fusion"))
    return run


# --------------------------------------------------------------------------- 1: a video an input never ran on


def test_a_video_an_input_never_ran_on_is_a_failed_video_fused_by_retry_failed_once_it_ran(
    made: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reference = _copy(made, tmp_path / "ref")  # every input complete: the scores fusion gives
    assert _predict(made, reference) == 0
    expected = {(r.video, r.question): r.score for r in read_scores(MethodFolder.of(reference, "fusion").scores)}
    run = _copy(made, tmp_path)
    d2 = MethodFolder.of(run, "d2")
    full = d2.scores.read_bytes()
    write_scores(d2.scores, [r for r in read_scores(d2.scores) if r.video != "v0.mp4"])  # d2's run stopped short
    with caplog.at_level(logging.WARNING):
        assert _predict(made, run) == 0
    # warned before the run, naming the input, the count, the video and --resume of the input's run
    assert (
        "fusion input 'd2' in" in caplog.text and "has no record of 1 of the 6 videos to fuse (v0.mp4)" in caplog.text
    )
    assert "--method d2 --out" in caplog.text and "--resume` completes the input's run" in caplog.text
    fusion = MethodFolder.of(run, "fusion")
    info = read_run_info(fusion.run_info)
    # was: 6 ok, v0 scored with d2 taken as failed (the stand-in): a number made up
    assert (info.videos_ok, info.videos_failed) == (5, 1)
    assert "fusion input d2 has no record of v0.mp4" in info.failures["v0.mp4"]
    assert info.video_info["v0.mp4"]["inputs_unrun"] == ["d2"]
    assert INPUTS_SHA256_KEY not in info.video_info["v0.mp4"]  # it rests on no input record
    v0 = [r for r in read_scores(fusion.scores) if r.video == "v0.mp4"]
    assert len(v0) == 2 and {r.status for r in v0} == {"failed"} and all(r.score is None for r in v0)
    # a recorded failure of an input (d2 failed v1) keeps the documented stand-in: scored from dummy
    assert info.video_info["v1.mp4"]["inputs_failed"] == ["d2"] and "v1.mp4" not in info.failures
    # d2's run completed since: was refused ("it has records now; the video was fused without them")
    d2.scores.write_bytes(full)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _predict(made, run, "--resume") == 0
    assert "1 video(s) of this run were recorded failed because an input had no record of them (v0.mp4)" in caplog.text
    assert "v0.mp4" in read_run_info(fusion.run_info).failures  # a plain resume keeps failures, as for every method
    assert _predict(made, run, "--resume", "--retry-failed") == 0
    info = read_run_info(fusion.run_info)
    assert (info.videos_ok, info.videos_failed) == (6, 0)
    got = {(r.video, r.question): r.score for r in read_scores(fusion.scores)}
    assert got == expected  # v0 fused as a run on the complete inputs fuses it, the rest untouched


# --------------------------------------------------------------------------- 2: inputs of some primitives only


def test_input_samples_count_what_each_input_recorded_and_partial_coverage_is_said(
    made: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = made["run"]
    with caplog.at_level(logging.WARNING):
        model = train_fusion(made["data"], run, ["d_pan", "d_tilt"], tmp_path / "m", n_splits=2, inner_repeats=1).model
    # reference: straight from the records files, over the 12 samples (6 videos x 2 primitives) less those
    # no input scored (v1's Tilt_Up: d_pan was never asked it, d_tilt failed it), which training leaves out
    recs = {
        n: {(r.video, r.question): r.status for r in read_scores(MethodFolder.of(run, n).scores)}
        for n in ("d_pan", "d_tilt")
    }
    samples = [(f"v{i}.mp4", p.question) for i in range(6) for p in (PAN, TILT)]
    kept = [k for k in samples if any(r.get(k) == "ok" for r in recs.values())]
    assert len(kept) == 11 and model.samples_all_inputs_failed == 1
    for name, r in recs.items():
        counts = {"ok": 0, "failed": 0, "no_record": 0}
        for k in kept:
            counts["no_record" if k not in r else "ok" if r[k] == "ok" else "failed"] += 1
        assert model.input_samples[name] == counts
    # was: d_pan {"ok": 6, "failed": 5, "no_record": 0}: the Tilt_Up questions it was never asked, as failures
    assert model.input_samples == {
        "d_pan": {"ok": 6, "failed": 0, "no_record": 5},
        "d_tilt": {"ok": 5, "failed": 0, "no_record": 6},
    }
    assert "fusion input 'd_pan' in" in caplog.text
    assert "scores 1 of the 2 primitives trained on (never asked Tilt_Up)" in caplog.text
    assert "scores 1 of the 2 primitives trained on (never asked Pan_Left)" in caplog.text
    assert json.loads((tmp_path / "m" / FUSION_FILE).read_text())["input_samples"] == model.input_samples
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # an input of every primitive: no such warning
        train_fusion(made["data"], run, ["dummy"], tmp_path / "m1", n_splits=2, inner_repeats=1)
    assert "primitives trained on" not in caplog.text


# --------------------------------------------------------------------------- 3: --out checked before any work


def _train(made: dict[str, Path], out: Path, *extra: str) -> int:
    args = ["train", "--method", "fusion", "--data", str(made["data"]), "--run", str(made["run"])]
    return main([*args, "--inputs", "dummy,d2", "--out", str(out), "--folds", "2", *extra])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda out: (out.mkdir(), (out / "config.json").write_text("{}")),
            "holds a model checkpoint (config.json: a qwen-vl or other transformers checkpoint), not a fusion model",
        ),
        (
            lambda out: (out.mkdir(), (out / "config.json").write_text("{}"), (out / FUSION_FILE).write_text("{}")),
            f"(beside a {FUSION_FILE}), not a fusion model",
        ),
        (
            lambda out: (out.mkdir(), (out / "notes.txt").write_text("mine")),
            f"a folder that is not a fusion model folder (no {FUSION_FILE}; it holds notes.txt)",
        ),
        (lambda out: out.write_text("x"), "is a file, not a folder"),
        (lambda out: out.write_text("x"), "cannot be made: "),  # --out below a file (sub/, below)
    ],
)
def test_an_out_fusion_cannot_write_is_refused_before_any_work(
    made: dict[str, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    make: object,
    message: str,
) -> None:
    out = tmp_path / "out"
    make(out)  # type: ignore[operator]
    target = out / "sub" if message == "cannot be made: " else out
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_bytes()

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("fitted before the --out was checked")

    monkeypatch.setattr(fusion_mod, "fit_shared_stack", no_fit)
    for extra in ((), ("--overwrite",)):  # --overwrite replaces a fusion model only
        caplog.clear()
        assert _train(made, target, *extra) != 0
        assert (
            f"{target}: " in caplog.text
            and message in caplog.text
            and "refusing to write a fusion model" in caplog.text
        )
        assert (sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_bytes()) == before
    with pytest.raises(CameraBenchError, match="refusing to write"):  # the function the CLI calls
        train_fusion(made["data"], made["run"], ["dummy", "d2"], target, n_splits=2, overwrite=True)


def test_an_empty_folder_and_a_fusion_model_with_overwrite_are_written(made: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".DS_Store").write_bytes(b"")  # a file browser's: still an empty folder
    assert _train(made, out) == 0
    assert _train(made, out) != 0  # an existing fusion model: refused without --overwrite, as before
    (out / "notes.txt").write_text("mine")  # beside a fusion model: --overwrite replaces the model
    assert _train(made, out, "--overwrite") == 0
    assert FusionModel.load(out).inputs == ["dummy", "d2"]


# --------------------------------------------------------------------------- 4: --resume with another model


def test_resume_with_another_fusion_model_says_so_and_names_both(
    made: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = _copy(made, tmp_path)
    assert _predict(made, run) == 0
    other = tmp_path / "disjoint"
    train_fusion(made["data"], run, ["d_pan", "d_tilt"], other, n_splits=2, inner_repeats=1)
    before = MethodFolder.of(run, "fusion").scores.read_bytes()
    caplog.clear()
    assert _predict(made, run, "--resume", model=other) != 0
    # was: "run.json: video_info[...].inputs_sha256: names the inputs d2, dummy, not the model's ...", a corrupt file
    assert (
        f"cannot --resume: the run was made with another fusion model ({made['model']}, of the inputs d2, dummy) "
        f"than {other} (of the inputs d_pan, d_tilt)" in caplog.text
    )
    assert "names the inputs" not in caplog.text
    assert MethodFolder.of(run, "fusion").scores.read_bytes() == before
    assert _predict(made, run, "--resume") == 0  # its own model still resumes it
