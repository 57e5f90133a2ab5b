"""Hostile inputs, tenth round: method options that bypass their checks (built directly, not a
mapping, keys that are not names, an option given twice), training/GRPO settings of the wrong
type, and an output folder that holds, or sits inside, the checkpoint training reads."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.registry import get_predictor, predictor_class
from camerabench.baselines.vlm.config import GRPOConfig, TrainConfig
from camerabench.baselines.vlm.grpo import grpo
from camerabench.baselines.vlm.train import refuse_out_is_model, train
from camerabench.errors import CameraBenchError


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


# --- method options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sample_fps": -1.0}, "option sample_fps must be >= 0.01, got -1.0"),
        ({"sample_fps": float("nan")}, "option sample_fps must be a finite number"),
        ({"sample_fps": "abc"}, "option sample_fps must be float, got 'abc'"),
        ({"sample_fps": "2"}, "option sample_fps must be float, got '2'"),  # text is parsed by from_mapping only
        ({"max_frames": 2.5}, "option max_frames must be int, got 2.5"),
        ({"deterministic": "false"}, "option deterministic must be bool, got 'false'"),  # a true string
        ({"scorer": "best"}, "option scorer must be one of"),
    ],
)
def test_options_built_directly_are_checked_by_the_predictor(changes: dict[str, Any], message: str) -> None:
    """The dataclass constructor (or replace()) checks nothing: these reached the method unseen."""
    fast = predictor_class("fast")
    for options in (fast.Options(**changes), fast.Options().replace(**changes)):
        with pytest.raises(CameraBenchError, match=message.replace("(", r"\(")):
            fast(options)


def test_options_built_directly_with_good_values_are_kept() -> None:
    fast = predictor_class("fast")
    options = fast.Options(sample_fps=2, max_frames=10)  # an int for a float is a number all the same
    assert fast(options).options is options
    assert fast(options).opt("sample_fps") == 2


def test_a_required_option_left_unset_in_options_built_directly_is_refused() -> None:
    trajectory = predictor_class("trajectory")
    with pytest.raises(CameraBenchError, match="needs option traj_dir"):
        trajectory(trajectory.Options())


@pytest.mark.parametrize("options", ["sample_fps=2", [("sample_fps", 2)], 5])
def test_options_that_are_not_a_mapping_are_a_clear_type_error(options: Any) -> None:
    with pytest.raises(TypeError, match="method 'fast' takes its options as a mapping or FastOptions, got"):
        get_predictor("fast", options)


@pytest.mark.parametrize("options", [{1: 2}, {1: 2, None: 3}, {"sample_fps": 2, 3: 4}])
def test_option_names_that_are_not_text_are_refused(options: dict[Any, Any]) -> None:
    """It raised TypeError from sorting or joining the unknown names."""
    with pytest.raises(CameraBenchError, match="method 'fast': option names must be strings"):
        get_predictor("fast", options)


def test_an_option_given_both_in_the_mapping_and_as_a_keyword_is_refused() -> None:
    """The keyword won silently."""
    with pytest.raises(CameraBenchError, match="method 'fast': option\\(s\\) sample_fps given twice"):
        get_predictor("fast", {"sample_fps": 2}, sample_fps=3)
    assert get_predictor("fast", {"max_side": 100}, sample_fps=3).opt("sample_fps") == 3.0


# --- training settings --------------------------------------------------------------------------


@pytest.mark.parametrize("config_cls", [TrainConfig, GRPOConfig])
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lora": "no"}, "lora must be true or false, got 'no'"),  # a true string: LoRA was on
        ({"train_vision": 1}, "train_vision must be true or false, got 1"),
        ({"lora": None}, "lora must be true or false, got None"),
        ({"dtype": ["bf16"]}, r"dtype must be text or unset, got \['bf16'\]"),
        ({"device": 0}, "device must be text or unset, got 0"),
        ({"seed": 2**64}, "seed must be in"),
        ({"seed": -(2**63) - 1}, "seed must be in"),
    ],
)
def test_training_settings_of_the_wrong_type_are_refused(
    config_cls: type[TrainConfig] | type[GRPOConfig], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(CameraBenchError, match=message):
        config_cls(**changes).check()


@pytest.mark.parametrize("changes", [{"captions": "no"}, {"mcq": "off"}])
def test_sft_switches_that_are_not_booleans_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(CameraBenchError, match="must be true or false"):
        TrainConfig(**changes).check()


@pytest.mark.parametrize("changes", [{"binary": "no"}, {"reasoning": 0}, {"filter_groups": "yes"}])
def test_grpo_switches_that_are_not_booleans_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(CameraBenchError, match="must be true or false"):
        GRPOConfig(**changes).check()


@pytest.mark.parametrize("pattern", [None, 5, ["<think>"], True])
def test_grpo_format_pattern_that_is_not_text_is_refused(pattern: Any) -> None:
    """re.compile raised a bare TypeError."""
    with pytest.raises(CameraBenchError, match="format_pattern must be a regular expression's text"):
        GRPOConfig(format_pattern=pattern).check()


@pytest.mark.parametrize("seed", [-(2**63), -1, 0, 2**64 - 1])
def test_seeds_torch_takes_are_accepted(seed: int) -> None:
    TrainConfig(seed=seed).check()
    GRPOConfig(seed=seed).check()
    torch.manual_seed(seed)  # the reference: torch takes it
    torch.manual_seed(0)


# --- output folder and checkpoint folder --------------------------------------------------------


def test_output_inside_the_checkpoint_is_refused_before_training(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It trained and wrote the new model into the folder being read (the session's tiny checkpoint
    and data: shared fixtures, built once for the VLM tests)."""
    root, _ = tiny_data
    base = tmp_path / "base"
    shutil.copytree(tiny_ckpt, base)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    before = sorted(p.name for p in base.iterdir())
    for out in (base / "trained", base / "a" / "b", base / ".cache"):
        with pytest.raises(CameraBenchError, match="the output folder is inside the checkpoint training starts"):
            train(root, base, out, TrainConfig(captions=False, device="cpu"))
        with pytest.raises(CameraBenchError, match="the output folder is inside the checkpoint training starts"):
            grpo(root, base, out, GRPOConfig(device="cpu"))
    assert sorted(p.name for p in base.iterdir()) == before


def test_output_that_holds_the_checkpoint_in_its_cache_is_refused(tmp_path: Path) -> None:
    """An earlier checkpoint is replaced whole, and its .cache folder is not refused: a model kept
    there was deleted by the save."""
    out = tmp_path / "out"
    model = out / ".cache" / "model"
    model.mkdir(parents=True)
    (out / "config.json").write_text("{}")
    with pytest.raises(CameraBenchError, match="the output folder holds the checkpoint training starts from"):
        refuse_out_is_model(model, out)
    assert model.is_dir()


def test_sibling_output_folders_are_allowed(tmp_path: Path) -> None:
    refuse_out_is_model(tmp_path / "base", tmp_path / "base-trained")  # a shared name prefix is not nesting
    refuse_out_is_model(tmp_path / "base-trained", tmp_path / "base")


def test_changing_one_option_keeps_another_set_to_none() -> None:
    """Options rebuilt with a change went through a mapping, where None means "not set": colmap's
    filter_max_error_px=None (no filter) came back as the default 1.0 px."""
    colmap = predictor_class("colmap")
    unfiltered = colmap(filter_max_error_px="none", sample_fps=3)
    assert unfiltered.opt("filter_max_error_px") is None
    changed = colmap(unfiltered.options, sample_fps=2)
    assert (changed.opt("filter_max_error_px"), changed.opt("sample_fps")) == (None, 2.0)
    assert colmap(unfiltered.options, sample_fps=None).opt("sample_fps") == 3.0  # None changes nothing
    assert colmap(unfiltered.options, filter_max_error_px=2).opt("filter_max_error_px") == 2.0


@pytest.mark.parametrize("epochs", [1e300, 1e8])
def test_epochs_beyond_any_run_are_refused_up_front(epochs: float) -> None:
    """epochs=1e300 planned ~1e300 steps and ran without end or word (inf is refused as no finite number)."""
    with pytest.raises(CameraBenchError, match=r"epochs must be at most 10,000,000"):
        TrainConfig(epochs=epochs).check()


@pytest.mark.parametrize("temperature", [1e-300, 0.001])
def test_grpo_temperature_below_the_floor_is_refused_in_the_config_too(temperature: float) -> None:
    """The CLI refused it; a GRPOConfig built in code crashed at the first generation."""
    with pytest.raises(CameraBenchError, match=r"temperature must be >= 0\.01"):
        GRPOConfig(temperature=temperature).check()


def test_grpo_steps_beyond_any_run_are_refused() -> None:
    with pytest.raises(CameraBenchError, match=r"steps must be at most 10,000,000"):
        GRPOConfig(steps=10**20).check()


def test_train_cli_creates_no_folder_inside_the_checkpoint_it_refuses(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """--out base/a/b was refused by train(), but the CLI had created base/a first."""
    from camerabench.cli import main

    root, _ = tiny_data
    base = tmp_path / "base"
    shutil.copytree(tiny_ckpt, base)
    before = sorted(p.name for p in base.iterdir())
    assert main(["train", "--data", str(root), "--model", str(base), "--out", str(base / "a" / "b")]) == 1
    assert sorted(p.name for p in base.iterdir()) == before


def test_max_pixels_above_the_checkpoints_bound_says_which_is_used(
    tiny_ckpt: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The checkpoint's processor bound was used instead, without a word."""
    from camerabench.baselines.vlm.checkpoint import read_pixel_spec

    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.checkpoint"):
        spec = read_pixel_spec(tiny_ckpt, max_pixels=10**7, kind="image")
    assert spec.max_pixels < 10**7
    assert f"max_pixels 10000000 is above it, so {spec.max_pixels} is used" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.vlm.checkpoint"):
        read_pixel_spec(tiny_ckpt, max_pixels=spec.max_pixels, kind="image")
    assert "is above it" not in caplog.text
