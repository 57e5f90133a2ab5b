"""Red team R22 (the command line): ``make-tiny-vlm --out`` replaced a trained or downloaded model
with random weights; ``demo --out RUN`` mixed a demo into a run folder; ``train --sample-fps 1e9``
was accepted; synth's --fps/--clips/--seed errors named no flag, exited 1 and stated a wrong range;
``predict --method nope`` exited 1; "only apply"; ``--inputs fast,nope`` sent one to predict a method
that does not exist; ``predict --mode`` was taken for ``--model``; ``taxonomy -v`` was refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.geometry.colmap import ColmapOptions
from camerabench.baselines.geometry.fast import FastOptions
from camerabench.baselines.vlm.checkpoint import check_tiny_out
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.cli import build_parser, main
from camerabench.cli import synth as synth_cli
from camerabench.cli import train as train_cli
from camerabench.errors import CameraBenchError
from camerabench.synth import generate


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    return " ".join(err.split())


# --- 1. make-tiny-vlm replaces only its own tiny checkpoint ---------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vlm(tmp_path_factory.mktemp("r22") / "tiny")


def test_a_trained_model_is_not_replaced(tiny: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    trained = tmp_path / "trained"
    shutil.copytree(tiny, trained)
    (trained / "camerabench_train.json").write_text('{"stage": "sft"}\n')  # what train writes beside the weights
    before = _snapshot(trained)
    assert main(["make-tiny-vlm", "--out", str(trained)]) == 1  # was: 0, the trained model gone
    assert f"{trained}: holds a model trained by camerabench train (camerabench_train.json" in caplog.text
    assert "--overwrite" in caplog.text
    assert _snapshot(trained) == before


def _downloaded(folder: Path) -> Path:
    """A stand-in for a downloaded Qwen2.5-VL-7B-Instruct (huggingface-cli --local-dir)."""
    (folder / ".cache").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2_5_vl", "hidden_size": 3584}))
    for i in range(1, 6):
        (folder / f"model-0000{i}-of-00005.safetensors").write_bytes(bytes([i]) * 100)
    return folder


def test_a_downloaded_model_is_replaced_only_with_overwrite(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    download = _downloaded(tmp_path / "Qwen2.5-VL-7B-Instruct")
    before = _snapshot(download)
    assert main(["make-tiny-vlm", "--out", str(download)]) == 1
    assert "holds a model checkpoint make-tiny-vlm did not write (model_type 'qwen2_5_vl', hidden size 3584" in (
        caplog.text
    )
    assert _snapshot(download) == before
    assert main(["make-tiny-vlm", "--out", str(download), "--overwrite"]) == 0
    assert not (download / "model-00001-of-00005.safetensors").exists()
    assert json.loads((download / "config.json").read_text())["text_config"]["hidden_size"] == 64


def test_its_own_tiny_checkpoint_is_replaced_and_other_files_are_not(tiny: Path, tmp_path: Path) -> None:
    check_tiny_out(tiny)  # what make_tiny_vlm wrote: replaceable (the recognised sizes are tiny.py's)
    notes = tmp_path / "with_notes"
    shutil.copytree(tiny, notes)
    (notes / "notes.txt").write_text("mine\n")
    with pytest.raises(CameraBenchError, match=r"holds a tiny checkpoint and files make-tiny-vlm does not write "):
        check_tiny_out(notes)
    check_tiny_out(notes, overwrite=True)


def test_an_older_flat_tiny_config_is_recognised(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    flat = {"model_type": "qwen2_5_vl", "hidden_size": 64, "num_hidden_layers": 2, "intermediate_size": 128}
    flat["vision_config"] = {"depth": 2, "hidden_size": 32, "intermediate_size": 64}
    (old / "config.json").write_text(json.dumps(flat))
    (old / "model.safetensors").write_bytes(b"x")
    check_tiny_out(old)
    flat["num_hidden_layers"] = 28  # not the tiny model
    (old / "config.json").write_text(json.dumps(flat))
    with pytest.raises(CameraBenchError, match=r"did not write \(model_type 'qwen2_5_vl', hidden size 64, 28 layers"):
        check_tiny_out(old)


# --- 2. demo --out holding anything but a demo's folders ------------------------------------------


def _no_render(*args: object, **kwargs: object) -> None:
    raise AssertionError("rendered")


def test_demo_into_a_run_folder_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camerabench.jobs.demo import run_demo

    monkeypatch.setattr("camerabench.synth.generate.generate_dataset", _no_render)
    run = tmp_path / "R"
    for method in ("dummy", "fast"):
        (run / method).mkdir(parents=True)
        (run / method / "scores.jsonl").write_text("")
    with pytest.raises(CameraBenchError, match=r"R: holds dummy/, fast/ \(it looks like a run folder"):
        run_demo(run, clips=1, workers=1, methods={"dummy": {}})
    assert sorted(p.name for p in run.iterdir()) == ["dummy", "fast"]  # was: data/, run/, report/ added
    stray = tmp_path / "other"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine\n")
    with pytest.raises(CameraBenchError, match=r"holds notes.txt, which the demo does not write"):
        run_demo(stray, clips=1, workers=1, methods={"dummy": {}})


def test_a_fresh_disk_with_what_the_system_put_there_is_a_new_demo_folder(tmp_path: Path) -> None:
    from camerabench.jobs.demo import _check_contents

    disk = tmp_path / "mnt"
    for name in ("lost+found", ".Trashes", "System Volume Information", "$RECYCLE.BIN"):
        (disk / name).mkdir(parents=True)
    _check_contents(disk)  # was: "holds $RECYCLE.BIN/, .Trashes/, System Volume Information/, lost+found/"
    (disk / "lost+found2").mkdir()  # a name of one's own that only looks like one is still refused
    with pytest.raises(CameraBenchError, match=r"holds lost\+found2/, which the demo does not write"):
        _check_contents(disk)


def test_a_demos_own_folder_is_still_resumed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from camerabench.jobs.demo import run_demo

    class ReachedError(Exception):
        pass

    def render(*args: object, **kwargs: object) -> None:
        raise ReachedError

    monkeypatch.setattr("camerabench.synth.generate.generate_dataset", render)
    monkeypatch.setattr("camerabench.synth.generate_dataset", render)  # the demo's name (cached once resolved)
    out = tmp_path / "demo"
    for sub in ("data", "run", "report"):
        (out / sub).mkdir(parents=True)
    (out / ".DS_Store").write_bytes(b"")
    with pytest.raises(ReachedError):  # past the checks, to the dataset step
        run_demo(out, clips=1, workers=1, methods={"dummy": {}})


# --- 3. train --sample-fps has predict's bound ----------------------------------------------------


def test_train_sample_fps_has_predicts_bound(capsys: pytest.CaptureFixture[str]) -> None:
    assert FastOptions.spec("sample_fps").le == ColmapOptions.spec("sample_fps").le == train_cli.MAX_SAMPLE_FPS
    base = ["train", "--data", "d", "--model", "m", "--out", "o"]
    assert build_parser().parse_args([*base, "--sample-fps", "1000"]).sample_fps == 1000.0
    err = _usage_error([*base, "--sample-fps", "1e9"], capsys)
    assert "argument --sample-fps: must be a finite number > 0 and <= 1000, got '1e9'" in err


# --- 4. synth's ranges checked at parsing, naming the flag ---------------------------------------


def test_synth_bounds_are_the_generators() -> None:
    assert synth_cli.MAX_CLIPS == generate.MAX_CLIPS
    assert synth_cli.fps_arg(str(generate.MIN_FPS)) == generate.MIN_FPS
    assert synth_cli.fps_arg(str(generate.MAX_FPS)) == generate.MAX_FPS
    assert synth_cli.seed_arg(str(generate.MAX_SEED)) == generate.MAX_SEED


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--fps", "0.5", "argument --fps: must be a finite number from 1 to 240, got '0.5'"),
        ("--fps", "241", "argument --fps: must be a finite number from 1 to 240, got '241'"),
        ("--clips", "20000", "argument --clips: must be an integer from 1 to 10000, got '20000'"),
        ("--seed", str(2**64), "argument --seed: must be an integer from 0 to 18446744073709551615 (2**64 - 1)"),
    ],
)
def test_synth_values_out_of_range_are_usage_errors(
    flag: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "S"
    assert message in _usage_error(["synth", "--out", str(out), "--clips", "1", flag, value], capsys)
    assert not out.exists()


def test_synth_help_states_the_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "frame rate, 1 to 240" in text and "number of clips, 1 to 10000" in text and "0 to 2**64 - 1" in text


def test_the_generators_own_fps_message_states_the_true_range(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match=r"fps must be a finite number in \[1, 240\], got 241"):
        generate.generate_dataset(tmp_path / "d", clips=1, fps=241)


# --- 5. wording and exit codes --------------------------------------------------------------------


def test_an_unknown_predict_method_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["predict", "--data", "d", "--method", "nope", "--out", "o"], capsys)
    assert "argument --method: unknown method 'nope' (known: fast, colmap" in err


def test_ray_flags_without_ray_are_worded_by_their_number(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = ["predict", "--data", str(tmp_path), "--method", "dummy", "--out", str(tmp_path / "o")]
    assert main([*base, "--ray-address", "auto"]) == 1
    assert caplog.records[-1].getMessage() == "--ray-address only applies with --backend ray"
    assert main([*base, "--ray-address", "auto", "--ship-videos"]) == 1
    assert caplog.records[-1].getMessage() == "--ray-address, --ship-videos only apply with --backend ray"


def test_a_fusion_input_with_no_scores_that_is_no_method_is_named_so(tmp_path: Path) -> None:
    from camerabench.baselines.fusion import InputFeatures

    with pytest.raises(CameraBenchError, match=r"'nope' is no camerabench method \(known: fast, colmap") as exc:
        InputFeatures.folder(tmp_path, "nope")  # any tool's scores.jsonl may be an input: not refused by name
    assert "camerabench predict --method nope" not in str(exc.value)
    with pytest.raises(CameraBenchError, match="camerabench predict --method fast --data DATA"):
        InputFeatures.folder(tmp_path, "fast")


def test_a_flag_of_another_command_is_named_so(capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage_error(["predict", "--data", "d", "--method", "dummy", "--out", "o", "--mode", "diffsw"], capsys)
    assert "(--mode is a flag of camerabench caption, not of camerabench predict)" in err
    assert "did you mean" not in err


# --- 6. -v after the command ----------------------------------------------------------------------


def test_verbose_is_taken_before_or_after_the_command() -> None:
    parser = build_parser()
    assert parser.parse_args(["taxonomy", "-v"]).verbose is True
    assert parser.parse_args(["-v", "taxonomy"]).verbose is True
    assert parser.parse_args(["taxonomy"]).verbose is False
