"""Resumable SFT training (red team R76: Ctrl-C at step 58 of 6400 threw everything away).

- interrupted at step k (KeyboardInterrupt from a hook), the run leaves its resume state beside
  ``--out``; ``--resume`` finishes it, and the saved weights equal the uninterrupted run's bit for bit
  (CPU, one thread: the loop is deterministic);
- a periodic save (``save_every``) is there mid-run;
- a resume over changed data is refused naming what changed; a run without ``--resume`` over a
  state is refused, naming ``--resume``;
- one bad clip used by a yes/no label and an MCQ row is counted once (R76 (b)).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import load_file

import camerabench.baselines.vlm.train as train_module
from camerabench.baselines.vlm.train import TrainConfig, resume_state_dir, train
from camerabench.errors import CameraBenchError, FileFormatError

# 4 clips x 2 primitives balanced -> 16 yes/no examples; batch 2 -> 8 steps an epoch, 2 epochs = 16 steps
CONFIG = TrainConfig(epochs=2, lr=1e-3, batch_size=2, captions=False, mcq=False, device="cpu")


def _interrupt_at(monkeypatch: pytest.MonkeyPatch, step: int) -> None:
    """Raise KeyboardInterrupt in the forward pass of optimiser step ``step`` (1-based)."""
    real = train_module.accumulate_gradients
    calls = {"n": 0}

    def hook(*args: Any, **kwargs: Any) -> float:
        calls["n"] += 1
        if calls["n"] == step:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "accumulate_gradients", hook)


@pytest.fixture(scope="module")
def reference(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The uninterrupted run's model."""
    out = tmp_path_factory.mktemp("ref") / "model"
    train(tiny_data[0], tiny_ckpt, out, CONFIG)
    return out


def test_interrupted_then_resumed_saves_the_uninterrupted_model(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = tmp_path / "model"
    state = resume_state_dir(out)
    # step 11: mid-epoch 2 (8 steps an epoch), after a periodic save at step 6
    _interrupt_at(monkeypatch, 11)
    with pytest.raises(KeyboardInterrupt), caplog.at_level(logging.INFO):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, save_every=6)
    assert "resume state after step 6 of 16 saved" in caplog.text  # the periodic save, mid-run
    assert f"training interrupted at step 11 of 16 (epoch 2); no model saved to {out}" in caplog.text
    assert f"the run's state after step 10 of 16 is saved in {state}" in caplog.text
    assert "with --resume" in caplog.text
    assert not out.exists()
    assert sorted(p.name for p in state.iterdir()) == ["step-00000010.json", "step-00000010.pt"]
    monkeypatch.undo()

    # without --resume: refused, naming the state and --resume; nothing thrown away
    with pytest.raises(CameraBenchError, match=r"resume state in .*~resume \(saved after step 10\).*--resume"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG)
    assert (state / "step-00000010.pt").is_file()

    # a second interruption, then the resume that finishes
    _interrupt_at(monkeypatch, 3)  # the 3rd step of the resumed run: step 13
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True, save_every=6)
    assert sorted(p.name for p in state.iterdir()) == ["step-00000012.json", "step-00000012.pt"]
    monkeypatch.undo()
    result = train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True, save_every=6)
    assert result.steps == 16 and not state.exists()

    want, got = load_file(reference / "model.safetensors"), load_file(out / "model.safetensors")
    assert set(want) == set(got)
    changed = [k for k in want if not want[k].equal(got[k])]
    assert changed == []
    base = load_file(next(tiny_ckpt.glob("*.safetensors")))
    assert any(not base[k].equal(want[k]) for k in base if k in want)  # training changed the weights
    ref, new = (
        json.loads((reference / "camerabench_train.json").read_text()),
        json.loads((out / "camerabench_train.json").read_text()),
    )
    assert new["step_losses"] == ref["step_losses"] and new["epoch_losses"] == ref["epoch_losses"]
    assert new["resumed_after_steps"] == [10, 12]


def test_interrupted_while_saving_the_model_resumes_to_the_same_model(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state is saved after the last step, before the model: a Ctrl-C in the model's save loses no step."""
    out = tmp_path / "model"

    def interrupt(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "save_checkpoint", interrupt)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, CONFIG)
    monkeypatch.undo()
    assert not out.exists() and (resume_state_dir(out) / "step-00000016.pt").is_file()
    calls = {"n": 0}
    real = train_module.accumulate_gradients

    def counted(*args: Any, **kwargs: Any) -> float:
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(train_module, "accumulate_gradients", counted)
    result = train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)
    assert calls["n"] == 0 and result.steps == 16  # no step run again
    want, got = load_file(reference / "model.safetensors"), load_file(out / "model.safetensors")
    assert [k for k in want if not want[k].equal(got[k])] == []
    ref = json.loads((reference / "camerabench_train.json").read_text())
    assert json.loads((out / "camerabench_train.json").read_text())["epoch_losses"] == ref["epoch_losses"]


def test_resume_refused_when_data_or_settings_differ(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(tiny_data[0], data)
    out = tmp_path / "model"
    _interrupt_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        train(data, tiny_ckpt, out, CONFIG)
    monkeypatch.undo()
    assert (resume_state_dir(out) / "step-00000001.pt").is_file()  # saved on the interrupt (save_every 100)
    with pytest.raises(CameraBenchError, match=r"refusing to resume.*setting lr: 0\.001 then, 0\.002 now"):
        train(data, tiny_ckpt, out, TrainConfig(**{**CONFIG.__dict__, "lr": 2e-3}), resume=True)
    clip = data / "videos" / "pan_a.mp4"
    clip.write_bytes(clip.read_bytes() + b"\0")
    with pytest.raises(CameraBenchError, match=r"refusing to resume.*training media changed.*videos/pan_a\.mp4"):
        train(data, tiny_ckpt, out, CONFIG, resume=True)
    # --overwrite starts anew (the state deleted, with a warning), and finishes
    result = train(data, tiny_ckpt, out, TrainConfig(**{**CONFIG.__dict__, "epochs": 0.25}), overwrite=True)
    assert result.steps == 2 and not resume_state_dir(out).exists()
    with pytest.raises(CameraBenchError, match=r"nothing to resume.*holds the finished model"):
        train(data, tiny_ckpt, out, CONFIG, resume=True)


def test_a_state_lacking_a_field_is_refused_naming_the_file(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team R77: a state file missing a field was a KeyError traceback part-way into restoring it."""
    import torch

    out = tmp_path / "model"
    _interrupt_at(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, CONFIG)
    monkeypatch.undo()
    state = resume_state_dir(out)
    record_path, tensors_path = state / "step-00000001.json", state / "step-00000001.pt"
    record = json.loads(record_path.read_text())
    del record["scheduler"]
    record_path.write_text(json.dumps(record))
    with pytest.raises(FileFormatError, match=r"step-00000001\.json.*lacks scheduler.*--overwrite"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)
    record["scheduler"] = {}
    record_path.write_text(json.dumps(record))
    tensors = torch.load(tensors_path, weights_only=True)
    del tensors["rng_loop"]
    torch.save(tensors, tensors_path)
    with pytest.raises(FileFormatError, match=r"step-00000001\.pt.*lacks rng_loop"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)


def test_one_bad_clip_used_twice_is_counted_once(tiny_data: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    from camerabench.dataset import Dataset
    from camerabench.errors import VideoError
    from camerabench.shotbench import MCQRow, write_mcq_table

    data = tmp_path / "data"
    shutil.copytree(tiny_data[0], data)
    (data / "videos" / "pan_a.mp4").write_bytes(b"not a video")
    row = MCQRow(
        "1", "moves", ("video",), ("videos/pan_a.mp4",), "How does the camera move?", {"A": "pan", "B": "still"},
        "A", "camera movement", 2,
    )  # fmt: skip
    write_mcq_table(data / "labels" / "shotbench" / "moves.tsv", [row])
    ds = Dataset(data)
    with pytest.raises(VideoError) as exc:
        train_module.check_media_decode(ds, ["pan_a.mp4", "pan_b.mp4"], train_module.mcq_rows(ds))
    assert str(exc.value).startswith("1 of 2 training media do not decode")
    with pytest.raises(VideoError) as alone:  # the clip checked on its own: its problem named as often
        train_module.check_media_decode(ds, ["pan_a.mp4"], [])
    assert str(exc.value).count("pan_a.mp4") == str(alone.value).count("pan_a.mp4") > 0


def test_cli_help_default_matches() -> None:
    from camerabench.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()  # type: ignore[union-attr]
    assert f"(default {train_module.DEFAULT_SAVE_EVERY};" in " ".join(text.split())


def test_a_ctrl_c_after_a_forward_pass_that_drew_random_numbers_resumes_to_the_same_model(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A checkpoint with attention dropout draws from torch's generator in every training forward
    pass. Interrupted after step 5's forward and backward passes (before its update), the state of
    step 4 must hold the random states of step 4's end, not those step 5's dropout moved on (red
    team R77: the interrupt's own states were saved; latent for Qwen's dropout 0)."""
    ckpt = tmp_path / "dropout"
    shutil.copytree(tiny_ckpt, ckpt)
    config = json.loads((ckpt / "config.json").read_text())
    for part in (config, config.get("text_config") or {}):
        if "attention_dropout" in part:
            part["attention_dropout"] = 0.5
    (ckpt / "config.json").write_text(json.dumps(config))
    short = TrainConfig(epochs=1, lr=1e-3, batch_size=2, captions=False, mcq=False, device="cpu")
    reference = train(tiny_data[0], ckpt, tmp_path / "ref", short)
    # (with the interrupt's own random states saved, step 5's loss after the resume was 8.93, not 6.92)

    real = train_module.refuse_non_finite_gradients
    calls = {"n": 0}

    def after_backward(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        real(*args, **kwargs)

    monkeypatch.setattr(train_module, "refuse_non_finite_gradients", after_backward)
    out = tmp_path / "model"
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], ckpt, out, short)
    monkeypatch.undo()
    result = train(tiny_data[0], ckpt, out, short, resume=True)
    assert result.step_losses == reference.step_losses
    want, got = load_file(tmp_path / "ref" / "model.safetensors"), load_file(out / "model.safetensors")
    assert [k for k in want if not want[k].equal(got[k])] == []


def test_resume_state_files_of_other_saves_or_steps_are_refused(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team R78: a record beside another save's tensors, or a step's files copied under another
    step's name, resumed silently to other weights (or "after step 99 of 62")."""
    out = tmp_path / "model"
    _interrupt_at(monkeypatch, 4)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, save_every=2)  # states after steps 2 and 3
    monkeypatch.undo()
    state = resume_state_dir(out)
    assert sorted(p.name for p in state.iterdir()) == ["step-00000003.json", "step-00000003.pt"]
    for name in ("step-00000003.json", "step-00000003.pt"):  # the same save under step 9's name
        shutil.copy(state / name, state / name.replace("00000003", "00000009"))
    with pytest.raises(FileFormatError, match=r"step-00000009\.json.*do not belong together.*file names step 9"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)
    for name in ("step-00000009.json", "step-00000009.pt"):
        (state / name).unlink()
    record = json.loads((state / "step-00000003.json").read_text())
    record["state_id"] = "0" * 32  # as the record of another save of step 3
    (state / "step-00000003.json").write_text(json.dumps(record))
    with pytest.raises(FileFormatError, match=r"do not belong together"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)


def test_a_file_where_the_state_is_kept_is_refused(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path
) -> None:
    """Red team R78: a NotADirectoryError traceback under --overwrite."""
    out = tmp_path / "model"
    resume_state_dir(out).write_text("x")
    for flags in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(CameraBenchError, match=r"~resume: is not a folder, where training keeps its resume state"):
            train(tiny_data[0], tiny_ckpt, out, CONFIG, **flags)  # type: ignore[arg-type]
    assert resume_state_dir(out).read_text() == "x"


def test_a_full_disk_while_the_state_is_saved_is_one_line_naming_the_folder(
    tiny_data: tuple[Path, dict[str, str]], tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team R78: torch.save reports ENOSPC as a RuntimeError: two tracebacks."""
    import errno

    import torch

    from camerabench.fileio import WriteError

    def full(*args: Any, **kwargs: Any) -> None:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("[enforce fail at inline_container.cc:672] unexpected pos 123") from exc

    monkeypatch.setattr(torch, "save", full)
    out = tmp_path / "model"
    with pytest.raises(WriteError, match=r"~resume: .*[Nn]o space left"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG, save_every=2)


def test_a_full_disk_at_the_model_save_says_resume_which_saves_it(
    tiny_data: tuple[Path, dict[str, str]],
    tiny_ckpt: Path,
    reference: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Red team R78: the error said "nothing was saved ... train again" while the state for --resume was kept."""
    from camerabench.fileio import WriteError

    def full(path: Any, *args: Any, **kwargs: Any) -> None:
        raise WriteError(path, "cannot write: No space left on device")

    monkeypatch.setattr(train_module, "atomic_write_text", full)
    out = tmp_path / "model"
    with pytest.raises(WriteError, match=r"the model was not saved .*run the same command with --resume"):
        train(tiny_data[0], tiny_ckpt, out, CONFIG)
    monkeypatch.undo()
    train(tiny_data[0], tiny_ckpt, out, CONFIG, resume=True)
    want, got = load_file(reference / "model.safetensors"), load_file(out / "model.safetensors")
    assert [k for k in want if not want[k].equal(got[k])] == []
