"""Command lines found by the thirteenth sweep: each stops with one line naming what is wrong,
or warns of what it ignores, instead of a traceback or a flag dropped without a word."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import camerabench.jobs.runner as runner
from camerabench.baselines.fusion import DEFAULT_N_SPLITS
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.cli import build_parser, main
from camerabench.cli import train as train_cli

# --- synth --size --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["", "²x²", "32x³²"])
def test_a_size_that_is_no_width_x_height_is_one_line_before_any_work(
    size: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``--size ""`` was read as the default size (the fps refused below then stopped it; without it
    the full standard dataset was rendered); ``²x²`` passed ``str.isdigit`` and ended in int()'s
    ValueError traceback."""
    out = tmp_path / "out"
    assert main(["synth", "--out", str(out), "--clips", "1", "--size", size]) == 1
    assert f"--size must look like WIDTHxHEIGHT (e.g. 320x192), got {size!r}" in caplog.text
    assert not out.exists()


def test_a_size_with_spaces_and_a_capital_x_still_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the generator is given the size read (an --fps of 0.5 stopped it before; the CLI now refuses it at parsing)
    given: dict[str, object] = {}

    def generate(out: str, **kwargs: object) -> str:
        given.update(kwargs)
        return out

    monkeypatch.setattr("camerabench.synth.generate.generate_dataset", generate)
    assert main(["synth", "--out", str(tmp_path / "o"), "--clips", "1", "--size", " 48 X 32 "]) == 0
    assert given["size"] == (48, 32)


# --- train: flags the method or stage does not read ----------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--method", "fusion", "--run", "RUN", "--inputs", "dummy", "--lora", "--epochs", "3"],
            "--lora, --epochs: for --method qwen-vl; fusion is trained with --run, --inputs and --folds",
        ),
        (
            ["--method", "fusion", "--run", "RUN", "--inputs", "dummy", "--stage", "grpo"],
            "--stage: for --method qwen-vl",
        ),
        (["--method", "fusion", "--run", "RUN", "--inputs", "dummy", "--seed", "1"], "--seed: for --method qwen-vl"),
        (["--model", "MODEL", "--folds", "3"], "--folds: for --method fusion (the default method is qwen-vl)"),
        (["--model", "MODEL", "--steps", "50"], "--steps: for --stage grpo; this is --stage sft"),
        (
            ["--model", "MODEL", "--stage", "grpo", "--epochs", "3", "--no-captions"],
            "--epochs, --no-captions: for --stage sft (the default stage); this is --stage grpo",
        ),
    ],
)
def test_train_flags_the_method_or_stage_does_not_read_are_refused(
    extra: list[str], message: str, six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """They were ignored without a word: ``--method fusion --epochs 3`` fitted the fusion model,
    ``--steps 50`` (without ``--stage grpo``) ran SFT. Here the run and the model do not exist,
    which the old code reported instead."""
    missing = {"RUN": str(tmp_path / "no-run"), "MODEL": str(tmp_path / "no-model")}
    argv = ["train", "--data", str(six_videos), "--out", str(tmp_path / "out"), *[missing.get(a, a) for a in extra]]
    assert main(argv) == 1
    assert message in caplog.text
    assert not (tmp_path / "out").exists()


def test_train_flags_not_given_take_the_configs_defaults() -> None:
    """The flags default to "not given"; what the command then uses is the configs' defaults."""
    args = build_parser().parse_args(["train", "--data", "d", "--model", "m", "--out", "o"])
    train_cli._fill_defaults(args)
    sft, grpo = TrainConfig(), GRPOConfig()
    assert (args.stage, args.folds, args.lr) == ("sft", DEFAULT_N_SPLITS, None)
    for name in ("epochs", "warmup", "batch_size", "grad_accum", "sample_fps", "max_side", "mcq_fps", "seed"):
        assert getattr(args, name) == getattr(sft, name), name
    for name in ("steps", "group_size", "kl_coef", "format_pattern", "temperature", "micro_batch"):
        assert getattr(args, name) == getattr(grpo, name), name
    assert (args.lora, args.train_vision, args.no_mcq, args.no_captions, args.no_filter) == (False,) * 5


# --- predict / caption: empty paths given to method flags ----------------------------------------


@pytest.mark.parametrize(
    ("command", "method", "flag"),
    [("predict", "qwen-vl", "--model"), ("caption", "qwen-vl", "--model"), ("predict", "trajectory", "--traj-dir")],
)
def test_an_empty_method_path_flag_is_a_usage_error_not_the_current_folder(
    command: str, method: str, flag: str, six_videos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--model "$UNSET"`` was read as ``.``: "``.``: not a model checkpoint folder"; an empty
    ``--traj-dir`` searched the current folder for trajectories."""
    argv = [command, "--data", str(six_videos), "--method", method, "--out", str(tmp_path / "run"), flag, ""]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    assert f"argument {flag}: must be a path, got ''" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("option", "key"), [("model=", "model"), ("traj-dir= ", "traj_dir")])
def test_an_empty_path_given_by_option_is_refused(
    option: str, key: str, six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    method = "qwen-vl" if key == "model" else "trajectory"
    argv = ["predict", "--data", str(six_videos), "--method", method, "--out", str(tmp_path / "run")]
    assert main([*argv, "--option", option]) == 1
    assert f"--option {key}= must name a path, got an empty value" in caplog.text
    assert not (tmp_path / "run").exists()


# --- the Ray backend: --gpus-per-worker for a method run as tasks ----------------------------------


class _StopError(Exception):
    """Raised where the run would connect to Ray: everything before it has run."""


def _no_cluster(address: object) -> None:
    raise _StopError


def test_gpus_per_worker_given_to_a_method_run_as_ray_tasks_warns(
    six_videos: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A geometric method's Ray tasks reserve no GPU: the flag was dropped without a word."""
    monkeypatch.setattr(runner, "connect", _no_cluster)
    argv = ["predict", "--data", str(six_videos), "--method", "dummy", "--out", str(tmp_path / "r"), "--backend", "ray"]
    with caplog.at_level(logging.WARNING), pytest.raises(_StopError):
        main([*argv, "--gpus-per-worker", "1"])
    assert "--gpus-per-worker ignored: with --backend ray, method 'dummy' runs one Ray task per video" in caplog.text
    assert caplog.text.count("ignored") == 1
