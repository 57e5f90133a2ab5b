"""Hostile inputs, round 28: the data and output side of VLM training (SFT, GRPO, ``camerabench train``).

A data folder with nothing to train on, an output folder that already holds a model or beside
which a killed save left its temporary folder, Ctrl-C mid-training and mid-save, a config of one
Qwen-VL generation over the other's weights, fewer epochs than one optimiser step, and GRPO groups
whose rewards are all equal. The tiny checkpoints and clips are the session fixtures of
``conftest.py``; the few tests that train or sample (marked "trains") take well under 3 s each.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.grpo import GRPOConfig, Reward, build_prompts, grpo
from camerabench.baselines.vlm.train import (
    TrainConfig,
    build_examples,
    plan_steps,
    refuse_arch_mismatch,
    refuse_finished_model,
    train,
)
from camerabench.cli import main
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive

#: SFT on the binary labels only: 4 balanced records per primitive x 2 primitives x 2 prompts = 16 examples.
SFT = {"captions": False, "mcq": False, "device": "cpu"}


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


@pytest.fixture
def no_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)


def _copy_data(tiny_data: tuple[Path, dict[str, str]], dst: Path) -> Path:
    shutil.copytree(tiny_data[0], dst)
    return dst


def _only_mcq(tiny_data: tuple[Path, dict[str, str]], dst: Path) -> Path:
    """The dataset with a multiple-choice table and no yes/no labels or captions."""
    root = _copy_data(tiny_data, dst)
    shutil.rmtree(root / "labels")
    options = {"A": "Pan right", "B": "Static shot"}
    rows = [
        MCQRow(str(i), "cm", ("video",), (f"videos/{name}",), "How does the camera move?", options, "A", "cm", 0)
        for i, name in enumerate(sorted(tiny_data[1]))
    ]
    write_mcq_table(root / "labels" / "shotbench" / "cm.tsv", rows)
    return root


# --- a data folder with nothing to train on -----------------------------------------------------


def test_only_mcq_rows_with_mcq_off_says_they_were_left_out(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, no_load: None
) -> None:
    """input: only multiple-choice rows, SFT with --no-mcq. old: "no training examples (no balanced
    binary labels, no captions, no MCQ rows)" though the rows are there. new: says they were left out."""
    root = _only_mcq(tiny_data, tmp_path / "data")
    with pytest.raises(CameraBenchError, match=r"multiple-choice rows: left out \(--no-mcq\)"):
        train(root, tiny_ckpt, tmp_path / "out", TrainConfig(**SFT))
    assert not (tmp_path / "out").exists()
    with pytest.raises(CameraBenchError, match=r"no GRPO prompts \(yes/no labels: left out \(binary off"):
        build_prompts(Dataset(tiny_data[0]), GRPOConfig(binary=False, mcq=True))  # yes/no labels only


def test_captions_off_and_one_sided_yes_no_labels_are_named(
    tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """input: every primitive's labels all Yes (none to balance them against), captions switched off.
    old: "no balanced binary labels, no captions" (the captions were there). new: the counts and the switch."""
    root = _copy_data(tiny_data, tmp_path / "data")
    folder = root / "labels" / "binary_classification"
    shutil.rmtree(folder)
    from camerabench.labelfiles import write_binary_file

    recs = [BinaryRecord.make(name, Primitive.PAN_RIGHT, True) for name in sorted(tiny_data[1])]
    write_binary_file(folder / f"{Primitive.PAN_RIGHT.value}.jsonl", recs)
    with pytest.raises(CameraBenchError) as caught:
        build_examples(Dataset(root), captions=False, mcq=True)
    message = str(caught.value)
    assert "none with both a Yes and a No record to balance (Pan_Right 4 Yes / 0 No)" in message
    assert "captions: left out (--no-captions)" in message


def test_all_videos_missing_is_counted_before_the_model_loads(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, no_load: None
) -> None:
    """input: labels whose videos are all missing. old: the first missing video only, as if the rest
    were there. new: counted, "all of them", before the model loads."""
    root = _copy_data(tiny_data, tmp_path / "data")
    for video in (root / "videos").iterdir():
        video.unlink()
    with pytest.raises(FileFormatError, match=r"4 of the 4 videos the training labels name are missing: all of them"):
        train(root, tiny_ckpt, tmp_path / "out", TrainConfig(device="cpu", mcq=False))
    (root / "videos" / "pan_a.mp4").symlink_to(tiny_data[0] / "videos" / "pan_a.mp4")
    with pytest.raises(FileFormatError, match=r"\(3 of the 4 videos the training labels name are missing\)"):
        grpo(root, tiny_ckpt, tmp_path / "out", GRPOConfig(device="cpu", mcq=False))


# --- an output folder that exists ---------------------------------------------------------------


def _finished(tiny_ckpt: Path, out: Path) -> Path:
    shutil.copytree(tiny_ckpt, out)
    (out / "camerabench_train.json").write_text(json.dumps({"stage": "sft", "steps": 3}))
    return out


@pytest.mark.parametrize(
    ("keep", "what"),
    [
        ("all", "a model trained by camerabench train"),
        ("base", "a model checkpoint \\(config.json and weights\\)"),
        ("config", "an incomplete model checkpoint \\(config.json, no weights\\)"),
    ],
)
def test_an_output_folder_holding_a_model_is_not_overwritten(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, no_load: None, keep: str, what: str
) -> None:
    """input: --out holds an earlier trained model (or a downloaded one, or a half-copied one). old: trained
    and replaced it without a word. new: refused before the data or model are read (no resume exists)."""
    out = _finished(tiny_ckpt, tmp_path / "out")
    if keep != "all":
        (out / "camerabench_train.json").unlink()
    if keep == "config":
        (out / "model.safetensors").unlink()
    before = sorted(p.name for p in out.iterdir())
    for run in (
        lambda: train(tiny_data[0], tiny_ckpt, out, TrainConfig(**SFT)),
        lambda: grpo(tiny_data[0], tiny_ckpt, out, GRPOConfig(device="cpu")),
    ):
        with pytest.raises(CameraBenchError, match=f"already holds {what}.*; refusing to overwrite it"):
            run()
    assert sorted(p.name for p in out.iterdir()) == before


def test_overwrite_lets_training_replace_the_model(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, no_load: None
) -> None:
    out = _finished(tiny_ckpt, tmp_path / "out")
    with pytest.raises(AssertionError, match="the model was loaded"):  # got past every check
        train(tiny_data[0], tiny_ckpt, out, TrainConfig(**SFT), overwrite=True)
    with pytest.raises(AssertionError, match="the model was loaded"):
        grpo(tiny_data[0], tiny_ckpt, out, GRPOConfig(device="cpu"), overwrite=True)


def test_cli_refuses_a_finished_model_in_out_and_passes_overwrite(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = _finished(tiny_ckpt, tmp_path / "out")
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    argv = ["train", "--data", str(tiny_data[0]), "--model", str(tiny_ckpt), "--out", str(out), "--no-mcq"]
    assert main(argv) == 1
    assert "refusing to overwrite it" in caplog.text and "--overwrite" in caplog.text
    seen: dict[str, Any] = {}

    def fake_train(*args: Any, overwrite: bool = False, **kwargs: Any) -> Any:
        seen["overwrite"] = overwrite
        raise CameraBenchError("stop")

    monkeypatch.setattr(train_module, "train", fake_train)
    assert main([*argv, "--overwrite"]) == 1
    assert seen == {"overwrite": True}
    # fusion takes --overwrite too since red team R18 (an existing fusion model is refused without it)
    fusion = ["train", "--method", "fusion", "--data", str(tiny_data[0]), "--out", str(tmp_path / "f"), "--lora"]
    caplog.clear()
    assert main([*fusion, "--run", str(tmp_path), "--inputs", "dummy"]) == 1
    assert "--lora: for --method qwen-vl" in caplog.text


def test_a_killed_saves_temporary_folder_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """input: ``.out.x1y2`` beside --out (a save killed mid-write). old: silently left, piling up. new: named."""
    (tmp_path / ".out.x1y2").mkdir()
    (tmp_path / ".other.abc").mkdir()
    with caplog.at_level(logging.WARNING):
        refuse_finished_model(tmp_path / "out")
    assert ".out.x1y2" in caplog.text and "look like unfinished saves" in caplog.text
    assert ".other.abc" not in caplog.text


# --- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_mid_epoch_leaves_nothing_and_a_rerun_restarts(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, ~0.5 s) input: Ctrl-C at the second of 2 steps. old: nothing saved and nothing said of
    where or whether a rerun resumes. new: logged with the step; no model, no temporary folder; a
    rerun starts from the base model and runs every step. Round 55 (red team R76): the run's state
    after its last whole step is kept beside the output, and a rerun needs --resume or --overwrite."""
    out = tmp_path / "out"
    calls = {"n": 0}
    real = train_module.refuse_non_finite_gradients

    def interrupt_second(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(*args, **kwargs)

    monkeypatch.setattr(train_module, "refuse_non_finite_gradients", interrupt_second)
    config = TrainConfig(epochs=1, lr=1e-3, batch_size=8, **SFT)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, config)
    assert "training interrupted at step 2 of 2 (epoch 1); no model saved to" in caplog.text
    assert "the run's state after step 1 of 2 is saved in" in caplog.text and "--resume" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out~resume"]
    monkeypatch.setattr(train_module, "refuse_non_finite_gradients", real)
    with pytest.raises(CameraBenchError, match="--resume"):
        train(tiny_data[0], tiny_ckpt, out, config)  # the state is never thrown away unasked
    result = train(tiny_data[0], tiny_ckpt, out, config, overwrite=True)  # starts again from the base model
    assert result.steps == 2 and len(result.step_losses) == 2
    assert json.loads((out / "camerabench_train.json").read_text())["steps"] == 2


def test_ctrl_c_while_saving_leaves_no_folder_that_looks_complete(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, ~0.3 s) input: Ctrl-C after the weights are written, before the run record. old and new:
    no --out and no temporary folder (the save is atomic); new: the log says so. Round 55: the
    run's state is kept beside it for --resume (which then saves without training again)."""

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "atomic_write_text", interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, tmp_path / "out", TrainConfig(epochs=0.5, batch_size=16, **SFT))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out~resume"]
    assert "training interrupted while saving the trained model; nothing saved to" in caplog.text
    assert "the run's state after step 1 of 1 is saved in" in caplog.text


def test_ctrl_c_in_grpo_is_logged_with_its_step(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(grpo_module, "_step", interrupt)
    with pytest.raises(KeyboardInterrupt):
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", GRPOConfig(steps=3, mcq=False, device="cpu"))
    assert "GRPO interrupted at step 1 of 3; nothing saved to" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- a config of one generation over the other's weights ----------------------------------------


def _swapped(config_from: Path, weights_from: Path, dst: Path) -> Path:
    shutil.copytree(config_from, dst)
    shutil.copyfile(weights_from / "model.safetensors", dst / "model.safetensors")
    return dst


def test_qwen3_config_over_qwen25_weights_is_named_before_the_data(
    tiny_ckpt: Path, tiny_qwen3_ckpt: Path, tmp_path: Path, no_load: None
) -> None:
    """input: config.json (and processor files) of Qwen3-VL, weights of Qwen2.5-VL, and vice versa.
    old: "tensor visual.patch_embed.proj.weight has shape [...14, 14], but config.json gives [...16, 16]",
    after the whole data folder was read and decoded. new: names both generations, before the data."""
    wrong3 = _swapped(tiny_qwen3_ckpt, tiny_ckpt, tmp_path / "q3_over_q25")
    wrong25 = _swapped(tiny_ckpt, tiny_qwen3_ckpt, tmp_path / "q25_over_q3")
    missing_data = tmp_path / "no-such-data"  # the checkpoint is refused first
    with pytest.raises(
        FileFormatError, match=r"the weights are Qwen2\.5-VL's .* says Qwen3-VL \(model_type 'qwen3_vl'\)"
    ):
        train(missing_data, wrong3, tmp_path / "out", TrainConfig(**SFT))
    with pytest.raises(FileFormatError, match=r"the weights are Qwen3-VL's .* says Qwen2\.5-VL"):
        grpo(missing_data, wrong25, tmp_path / "out", GRPOConfig(device="cpu"))


def test_matching_checkpoints_pass_the_generation_check(
    tiny_ckpt: Path, tiny_qwen3_ckpt: Path, older_ckpt: Path
) -> None:
    for ckpt in (tiny_ckpt, tiny_qwen3_ckpt, older_ckpt):
        refuse_arch_mismatch(ckpt)


# --- fewer epochs than one step ------------------------------------------------------------------


def test_epochs_below_one_step_warn_that_one_step_runs(caplog: pytest.LogCaptureFixture) -> None:
    """input: epochs=0.01 of a 16-step epoch. old: one step ran (more than asked) without a word. new: warned."""
    with caplog.at_level(logging.WARNING):
        assert plan_steps(16, TrainConfig(epochs=0.01)) == (16, 1)
    assert "less than one step: training runs 1 step (1 example(s))" in caplog.text
    caplog.clear()
    assert plan_steps(16, TrainConfig(epochs=2, batch_size=10**12, grad_accum=10**9)) == (1, 2)
    assert plan_steps(16, TrainConfig(epochs=1.5, batch_size=4)) == (4, 6)
    assert caplog.text == ""


# --- GRPO groups whose rewards are all equal ---------------------------------------------------------


@pytest.mark.parametrize("filter_groups", [True, False])
def test_grpo_equal_reward_groups_are_counted_and_warned_not_nan(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    filter_groups: bool,
) -> None:
    """(trains, ~1 s) input: a reward constant over the first step's group (zero std), varying in the
    second. old: advantage 0 (no NaN), but only "filtered" in the log (nothing at all with --no-filter).
    new: the step line counts equal-reward groups and the run ends with a warning."""
    values = iter([0.5, 0.5, 1.0, 0.0])

    def reward(text: str, target: Any, config: GRPOConfig) -> Reward:
        value = next(values)
        return Reward(value, value == 1.0, False)

    monkeypatch.setattr(grpo_module, "score_completion", reward)
    config = GRPOConfig(
        steps=2,
        prompts_per_step=1,
        group_size=2,
        max_new_tokens=3,
        mcq=False,
        filter_groups=filter_groups,
        device="cpu",
    )
    with caplog.at_level(logging.INFO, logger="camerabench.baselines.vlm.grpo"):
        result = grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    first, second = result.history
    assert (first.equal_rewards, second.equal_rewards) == (1, 0)
    assert math.isfinite(second.loss)
    assert math.isnan(first.loss) if filter_groups else math.isfinite(first.loss)  # NaN: no update was made
    assert "equal-reward 1/1" in caplog.text
    assert "1 of 2 groups (prompts x steps) got the same reward for all 2 completions" in caplog.text
    # the step's NaN kl and loss come with why (README audit): only the step that made no update
    said = [r.getMessage() for r in caplog.records if "no update this step" in r.getMessage()]
    assert [m.split(":")[0] for m in said] == (["step 1/2"] if filter_groups else [])
    assert (tmp_path / "out" / "camerabench_train.json").is_file()
