"""Hostile input to the jobs (sweep 3): a training dataset that was moved or copied (fusion and
calibration must still score its videos held-out), absurd synth sizes, commands that cannot work
with the chosen method or backend."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
from pathlib import Path

import pytest

from camerabench.baselines import registry
from camerabench.baselines.fusion import FusionModel, FusionPredictor, train_fusion
from camerabench.cli import main
from camerabench.cli.backend_flags import backend_options
from camerabench.cli.predict import add_parser as add_predict_parser
from camerabench.errors import CameraBenchError
from camerabench.eval.calibration import calibrate_run, calibrated_run, read_calibration
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.labelfiles import read_binary_file, write_binary_file
from camerabench.records import read_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.synth.presets import preset_specs
from camerabench.taxonomy import Primitive
from tests.core.test_crossfit_remux61 import remux


def _fusion_scores(run: Path) -> dict[tuple[str, str], float | None]:
    return {(r.video, r.question): r.score for r in read_scores(MethodFolder.of(run, "fusion").scores)}


def _fusion_on(data: Path, out: Path, options: dict[str, str]) -> tuple[FusionModel, FusionPredictor]:
    """Predict ``fusion`` on ``data`` into ``out``; the model and a set-up predictor reading its inputs."""
    run_predict(data, "fusion", out, options=options)
    inputs = FusionPredictor(options)
    inputs.setup()
    return FusionModel.load(options["model"]), inputs


def _relabel(data: Path, video: str) -> None:
    """Flip every binary label of ``video`` in ``data`` (the same name, another video's labels)."""
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        path = data / "labels" / "binary_classification" / prim.file
        recs = [
            type(r)(r.image, r.question, "No" if r.label == "Yes" else "Yes", r.task, r.label_name)
            if r.image == video
            else r
            for r in read_binary_file(path)
        ]
        write_binary_file(path, recs)


def test_fusion_on_a_moved_training_dataset_stays_held_out(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = tmp_path / "model"
    train_fusion(data, run, ["dummy"], model_dir, n_splits=3, inner_repeats=1)
    options = {"model": str(model_dir), "inputs_run": str(run)}
    run_predict(data, "fusion", run, options=options)
    held_out = _fusion_scores(run)
    moved = Path(shutil.move(str(data), tmp_path / "moved"))
    # its labels corrected since: still the clip the full model was fitted on (its file's fingerprint
    # is the one fitted on), so still held out (red team R53: a name with other labels was "another video")
    _relabel(moved, "v5.mp4")
    out = tmp_path / "run2"
    with caplog.at_level(logging.WARNING):
        model, inputs = _fusion_on(moved, out, options)
    assert "videos of" in caplog.text and "same names and labels: a moved or copied dataset" in caplog.text
    got = _fusion_scores(out)
    for (video, question), score in got.items():  # was the full model's in-sample score: it saw these clips
        assert score == pytest.approx(held_out[video, question])
    full = {
        (v, q): model.probability(p.value, inputs._inputs, v, q, cross_fit=False)
        for v, q in got
        for p in (Primitive.PAN_LEFT, Primitive.TILT_UP)
        if p.question == q
    }
    assert any(full[k] != pytest.approx(held_out[k]) for k in full if k[0] != "v5.mp4")  # the test can fail


def test_fusion_on_training_clips_copied_under_other_names_uses_their_folds(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R57: byte-identical copies under new names are no links and carry no training name:
    the full model, which saw their labels, scored them."""
    model_dir = tmp_path / "model"
    train_fusion(data, run, ["dummy"], model_dir, n_splits=3, inner_repeats=1)
    copy = tmp_path / "copy"
    shutil.copytree(data / "labels", copy / "labels")
    (copy / "videos").mkdir()
    for v in sorted(p.name for p in (data / "videos").iterdir()):
        shutil.copyfile(data / "videos" / v, copy / "videos" / f"clip_{v}")
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        path = copy / "labels" / "binary_classification" / prim.file
        recs = [type(r)(f"clip_{r.image}", r.question, r.label, r.task, r.label_name) for r in read_binary_file(path)]
        write_binary_file(path, recs)
    out = tmp_path / "run2"
    run_predict(copy, "dummy", out)
    options = {"model": str(model_dir), "inputs_run": str(out)}
    with caplog.at_level(logging.WARNING):
        model, inputs = _fusion_on(copy, out, options)
    assert "clip_v0.mp4" in caplog.text and "is the file of v0.mp4, a training video of" in caplog.text
    got = _fusion_scores(out)
    assert got
    for (video, question), score in got.items():
        prim = next(p for p in (Primitive.PAN_LEFT, Primitive.TILT_UP) if p.question == question).value
        raw = inputs._inputs[0].score(video, question)
        fold = model.stack(video.removeprefix("clip_"), cross_fit=True)  # the stack that never saw the clip
        assert score == pytest.approx(fold.probability(prim, [raw]))


def test_calibration_on_a_copied_dataset_stays_held_out(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cal, _ = calibrate_run(data, run, "dummy", n_splits=3)
    method = read_method(MethodFolder.of(run, "dummy").path)
    at_home = calibrated_run(method, cal, data)
    assert at_home.source == "cross-fitted"
    copy = Path(shutil.copytree(data, tmp_path / "copy"))
    with caplog.at_level(logging.WARNING):
        moved = calibrated_run(method, read_calibration(MethodFolder.of(run, "dummy").calibration), copy)
    # was "fitted on other data", with the full maps that saw every one of these labels
    assert moved.source == "cross-fitted" and moved.run.scores == at_home.run.scores
    assert "6 of the videos scored on" in caplog.text and "a moved or copied dataset" in caplog.text
    # v0.mp4's labels corrected in the copy: its file (and the run's score) is still of the clip fitted
    # on, which the full maps saw (red team R53: the label vote then held none out)
    _relabel(copy, "v0.mp4")
    _relabel(copy, "v1.mp4")
    _relabel(copy, "v2.mp4")
    relabelled = calibrated_run(method, cal, copy)
    assert relabelled.source == "cross-fitted" and relabelled.run.scores == at_home.run.scores


def test_calibration_on_another_dataset_reusing_the_names_uses_the_full_maps(
    data: Path, run: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cal, path = calibrate_run(data, run, "dummy", n_splits=3)
    other = Path(shutil.copytree(data, tmp_path / "other"))
    for clip in (other / "videos").iterdir():  # other clips under the names (the dummy method reads no frame)
        clip.write_bytes(b"another clip: " + clip.read_bytes()[::-1])
    for video in ("v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4"):  # most names carry other labels too
        _relabel(other, video)
    run_predict(other, "dummy", tmp_path / "run_other")  # scores of those clips
    method = read_method(MethodFolder.of(tmp_path / "run_other", "dummy").path)
    with caplog.at_level(logging.WARNING):
        result = calibrated_run(method, cal, other)
    assert result.source == "fitted on other data" and "fitted on" not in caplog.text
    raw_scores = method.scores or {}
    for key, rec in (result.run.scores or {}).items():
        raw = raw_scores[key]
        assert raw.score is not None and rec.score == pytest.approx(
            cal.probability(raw.score, raw.primitive, raw.video, cross_fit=False)[0]
        )
    # a calibration file from before the label digests cannot tell a copy: it says so
    old = json.loads(path.read_text())
    del old["video_labels"]
    path.write_text(json.dumps(old))
    copy = Path(shutil.copytree(data, tmp_path / "copy"))
    with caplog.at_level(logging.WARNING):
        assert calibrated_run(method, read_calibration(path), copy).source == "fitted on other data"
    assert "too old to tell by their labels whether they are those videos" in caplog.text


def test_a_required_option_without_a_flag_names_how_to_set_it(tmp_path: Path) -> None:
    # was "(--inputs-run)", a flag that does not exist
    with pytest.raises(CameraBenchError, match=r"needs option inputs_run \(--option inputs_run=VALUE\)"):
        FusionPredictor({"model": str(tmp_path)})
    with pytest.raises(CameraBenchError, match=r"needs option model \(--model\)"):
        FusionPredictor({"inputs_run": str(tmp_path)})


@pytest.mark.parametrize("fps", ["1e-300", "0.5"])
def test_synth_at_an_absurdly_low_frame_rate_is_refused(
    fps: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was accepted: 2-frame clips whose second frame lies 1/fps seconds along the camera path
    with pytest.raises(SystemExit) as stop:  # refused at parsing (it was the generator's exit 1)
        main(["synth", "--out", str(tmp_path / "d"), "--clips", "1", "--fps", fps, "--size", "32x32"])
    assert stop.value.code == 2
    assert f"argument --fps: must be a finite number from 1 to 240, got '{fps}'" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("fps", ["2", "4"])
def test_a_hard_preset_whose_low_frame_rate_clip_is_not_slower_is_refused(
    fps: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Red team R61: at --fps 2 the low-frame-rate knob's clip (4 fps) had the dataset's highest rate."""
    low = next(s for s in preset_specs("hard") if s.knobs.get("low_fps_fast_motion"))
    assert low.fps == 4.0
    code = main(["synth", "--out", str(tmp_path / "d"), "--preset", "hard", "--fps", fps, "--size", "32x32"])
    assert code == 1
    err = caplog.text
    assert f"fps {fps}: the hard preset's low-frame-rate clip {low.name!r} is rendered at 4 fps" in err
    assert not (tmp_path / "d").exists()
    # a standard dataset at that rate has no such clip: accepted (its first clip rendered)
    assert main(["synth", "--out", str(tmp_path / "s"), "--clips", "1", "--fps", fps, "--size", "32x32"]) == 0


def test_caption_mode_a_geometric_method_lacks_is_refused_before_work(data: Path, tmp_path: Path) -> None:
    # was: every video run, each recorded as failed ("only mode 'whole' exists")
    with pytest.raises(
        CameraBenchError, match="method 'fast' has no caption mode 'diffsw': it captions with --mode whole"
    ):
        run_caption(data, "fast", tmp_path / "run", mode="diffsw")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("extra", "ignored"),
    [(["--workers", "4"], "--workers"), (["--videos-per-call", "8"], "--videos-per-call"), ([], None)],
)
def test_actor_flags_for_a_method_run_as_ray_tasks_warn(
    extra: list[str],
    ignored: str | None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    add_predict_parser(sub)
    argv = ["predict", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--backend", "ray"]
    with caplog.at_level(logging.WARNING):
        options = backend_options(parser.parse_args([*argv, "--method", "fast", *extra]))
        # a model method (its actors read both flags); qwen-vl's module takes seconds to import
        monkeypatch.setattr(registry, "predictor_class", lambda name: type("VLM", (), {"kind": "semantic"}))
        backend_options(parser.parse_args([*argv, "--method", "qwen-vl", *extra]))
    if ignored is None:
        assert "ignored" not in caplog.text  # the defaults were not given
    else:  # was silently ignored
        assert f"{ignored} ignored: with --backend ray, method 'fast' runs one Ray task per video" in caplog.text
        assert caplog.text.count("ignored") == 1
    assert options["backend"] == "ray"


def test_demo_into_a_folder_holding_another_preset_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import camerabench.jobs.demo as demo
    from camerabench.synth import generate_dataset

    generate_dataset(tmp_path / "demo" / "data", clips=1, preset="hard", size=(32, 32), workers=1)

    def no_prediction(*args: object, **kwargs: object) -> None:
        raise AssertionError("the demo went on with the existing dataset")

    monkeypatch.setattr(demo, "run_predict", no_prediction)
    # was: the hard preset evaluated and reported as the standard synthetic benchmark
    with pytest.raises(CameraBenchError, match="holds a synthetic dataset of preset 'hard', not the demo's 'standard'"):
        demo.run_demo(tmp_path / "demo", workers=1)


def test_fusion_with_one_fold_or_one_video_is_refused(data: Path, run: Path, tmp_path: Path) -> None:
    # was trained: the only fold's model was fitted on no video, so every training video got its
    # constant 0.5, recorded as cross-fitted
    with pytest.raises(CameraBenchError, match=r"needs at least 2 folds \(--folds\), got 1"):
        train_fusion(data, run, ["dummy"], tmp_path / "m1", n_splits=1, inner_repeats=1)
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        path = data / "labels" / "binary_classification" / prim.file
        write_binary_file(path, [r for r in read_binary_file(path) if r.image == "v0.mp4"])
    with pytest.raises(CameraBenchError, match="binary labels of 1 video only; fusion is cross-fitted"):
        train_fusion(data, run, ["dummy"], tmp_path / "m2", n_splits=10, inner_repeats=1)
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m2").exists()


@pytest.mark.parametrize("inside", ["videos/report", "labels", "videos"])
def test_report_into_the_datasets_own_folders_is_refused(
    inside: str, data: Path, run: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = sorted(p.name for p in (data / "videos").iterdir())
    # was written there: 31 CSV / PNG / JSON files among the videos, left out with a warning on every later run
    assert main(["report", "--data", str(data), "--run", str(run), "--out", str(data / inside)]) == 1
    assert f"the report folder is inside the dataset's {inside.split('/')[0]} folder" in caplog.text
    assert sorted(p.name for p in (data / "videos").iterdir()) == before
    assert not (data / "videos" / "report").exists() and not (data / "labels" / "report.md").exists()


def test_calibration_and_fusion_on_a_remuxed_copy_stay_held_out(data: Path, run: Path, tmp_path: Path) -> None:
    """Red team R57: a copy of the training dataset whose clips were remuxed (same coded frames, other
    bytes) and whose labels were corrected since was taken for other clips: the full maps and the full
    fusion stack, fitted on those very clips, scored them. The run scoring the copy records the
    copy's bytes; the files' coded frames are the fitted ones."""
    cal, _ = calibrate_run(data, run, "dummy", n_splits=3)
    at_home = calibrated_run(read_method(MethodFolder.of(run, "dummy").path), cal, data)
    model_dir = tmp_path / "model"
    train_fusion(data, run, ["dummy"], model_dir, n_splits=3, inner_repeats=1)
    run_predict(data, "fusion", run, options={"model": str(model_dir), "inputs_run": str(run)})
    held_out = _fusion_scores(run)
    copy = tmp_path / "copy"
    shutil.copytree(data / "labels", copy / "labels")
    (copy / "videos").mkdir()
    for v in sorted(p.name for p in (data / "videos").iterdir()):
        remux(data / "videos" / v, copy / "videos" / v, fmt="matroska")
    for v in ("v0.mp4", "v1.mp4", "v2.mp4"):
        _relabel(copy, v)
    out = tmp_path / "run2"
    run_predict(copy, "dummy", out)
    moved = calibrated_run(read_method(MethodFolder.of(out, "dummy").path), cal, copy)
    assert moved.source == "cross-fitted" and moved.run.scores == at_home.run.scores
    _fusion_on(copy, out, {"model": str(model_dir), "inputs_run": str(out)})
    got = _fusion_scores(out)
    assert got and all(score == pytest.approx(held_out[k]) for k, score in got.items())
