"""Hostile inputs, round 40: ``camerabench train`` (SFT and GRPO) given ``--out .``, stopped by an error
mid-run, and stopped while saving over an earlier model.

The tiny checkpoint and clips are the session fixtures of ``conftest.py``; the tests that train
(marked "trains") run one or two steps.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import camerabench.baselines.vlm.checkpoint as checkpoint_module
import camerabench.baselines.vlm.grpo as grpo_module
import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.grpo import GRPOConfig, StepStats, grpo
from camerabench.baselines.vlm.train import TrainConfig, refuse_out_is_model, train
from camerabench.cli import main
from camerabench.errors import CameraBenchError, VideoError

#: SFT on the binary labels only: 16 examples; batch 8 -> 2 steps an epoch.
SFT = {"captions": False, "mcq": False, "device": "cpu"}


def _no_load(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the model was loaded: the refusal should come first")


# --- an output folder given as "." --------------------------------------------------------------


@pytest.mark.parametrize("out", [".", "sub/..", "/"])
def test_out_that_names_no_folder_of_its_own_is_refused_first(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    out: str,
) -> None:
    """input: --out . in an empty folder. old: trained to the end, then "WriteError .: cannot write:
    Device or resource busy" (the save renames the folder into place), losing the run. new: refused
    before the data or the model are read, with a name to give instead."""
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    monkeypatch.setattr(grpo_module, "load_qwen_vl", _no_load)
    named = r"the output folder must be named .*not given as '\.', '\.\.' or a root"
    with pytest.raises(CameraBenchError, match=named):
        train(tiny_data[0], tiny_ckpt, out, TrainConfig(epochs=0.1, **SFT))
    with pytest.raises(CameraBenchError, match="the output folder must be named"):
        grpo(tiny_data[0], tiny_ckpt, out, GRPOConfig(steps=1, mcq=False, device="cpu"))
    refuse_out_is_model(tiny_ckpt, work / "model")  # a named folder passes


def test_cli_out_dot_is_refused_before_any_folder_is_made(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(train_module, "load_qwen_vl", _no_load)
    argv = ["train", "--data", str(tiny_data[0]), "--model", str(tiny_ckpt), "--out", ".", "--no-mcq"]
    assert main(argv) == 1
    assert "the output folder must be named (as model)" in caplog.text
    assert main([*argv, "--stage", "grpo"]) == 1
    assert list(work.iterdir()) == []


# --- an error mid-run ----------------------------------------------------------------------------


def test_sft_stopped_by_an_error_mid_run_logs_its_step_and_that_nothing_is_saved(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, 1 step) input: a clip whose damage only decoding finds (check_video reads its packets
    and first frame), met at step 2 of 2. old: the VideoError alone, naming the clip: not the step, not
    that the run's work is lost (the docstring said it was logged with the step). new: logged, then raised as is."""
    calls = {"n": 0}
    real = train_module.refuse_non_finite_gradients

    def fail_second(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise VideoError("still_b.mp4: corrupt packet at frame 5")
        real(*args, **kwargs)

    monkeypatch.setattr(train_module, "refuse_non_finite_gradients", fail_second)
    with pytest.raises(VideoError, match=r"still_b\.mp4: corrupt packet"):
        train(tiny_data[0], tiny_ckpt, tmp_path / "out", TrainConfig(epochs=1, batch_size=8, **SFT))
    assert "training stopped by VideoError at step 2 of 2 (epoch 1); nothing saved to" in caplog.text
    assert "a rerun starts again from" in caplog.text
    assert list(tmp_path.iterdir()) == []


def test_grpo_stopped_by_an_error_logs_its_step_but_not_the_no_update_refusal(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """input: a RuntimeError (out of memory, say) in GRPO's step 2 of 3. old: the bare error, no step
    (only CameraBenchErrors were given theirs). new: logged with the step. The refusal of a run that
    made no update, raised after the last step, is not logged as a stop at "step 4 of 3"."""
    calls = {"n": 0}

    def step(*args: Any, **kwargs: Any) -> StepStats:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("CUDA out of memory")
        return StepStats(step=0, reward=0.5, accuracy=0.0, format_rate=0.0, kl=0.0, filtered=1, groups=1, loss=0.0,
                         equal_rewards=1)  # fmt: skip

    monkeypatch.setattr(grpo_module, "_step", step)
    config = GRPOConfig(steps=3, prompts_per_step=1, mcq=False, device="cpu")
    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    assert "GRPO stopped by RuntimeError at step 2 of 3; nothing saved to" in caplog.text
    caplog.clear()
    calls["n"] = -10  # no error: every step has equal rewards, refused after the last
    with pytest.raises(CameraBenchError, match="GRPO made no update in 3 step"):
        grpo(tiny_data[0], tiny_ckpt, tmp_path / "out", config)
    assert "stopped by" not in caplog.text
    assert list(tmp_path.iterdir()) == []


# --- stopped while saving over an earlier model ---------------------------------------------------


def _earlier(tiny_ckpt: Path, out: Path) -> Path:
    shutil.copytree(tiny_ckpt, out)
    (out / "camerabench_train.json").write_text(json.dumps({"stage": "sft", "steps": 3}))
    return out


def test_ctrl_c_while_saving_over_an_earlier_model_says_it_is_whole(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, 1 step) input: --overwrite over an earlier model, Ctrl-C while the new one is written.
    old: "over the earlier one in OUT, which may be partly deleted: check or delete it", of a model the
    atomic save left whole: the advice deleted a good model. new: says it holds a complete model."""
    out = _earlier(tiny_ckpt, tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "atomic_write_text", interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, TrainConfig(epochs=0.1, batch_size=16, **SFT), overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert "partly deleted" not in caplog.text and "check or delete" not in caplog.text
    assert "which is replaced whole: it holds the earlier model or the new one, complete" in caplog.text


def test_ctrl_c_twice_between_the_renames_names_the_earlier_model_beside_it(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """(trains, 1 step) input: --overwrite, Ctrl-C as the new model is renamed in and again as the earlier
    one is renamed back. old: "may be partly deleted: check or delete it" of an OUT that is gone, the
    model whole beside it. new: names the folder it is in and says to rename it back."""
    out = _earlier(tiny_ckpt, tmp_path / "out")
    real = os.rename
    calls = {"n": 0}

    def rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] >= 2:  # the first moves the earlier model aside
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(checkpoint_module.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, TrainConfig(epochs=0.1, batch_size=16, **SFT), overwrite=True)
    monkeypatch.undo()
    (aside,) = [p for p in tmp_path.iterdir() if p.name.startswith(".out~replaced.")]
    assert json.loads((aside / "camerabench_train.json").read_text())["steps"] == 3
    assert not out.exists()
    assert f"the earlier model is complete in {aside.name} beside it: rename it back" in caplog.text
    assert "partly deleted" not in caplog.text
