"""Refusals that come before any work: a Ray that cannot start, a cluster without a node for the
work, and a model device this machine does not have leave no method folder (or model folder)
behind and read no video.

Ray is faked (``ray.init`` and what ``connect`` asks after it: ``ray_fakes.FakeRayInit``, with
``RAY_TMPDIR`` an absolute folder of the test's, so no ``ray_current_cluster`` here is read);
torch's device checks (``torch.cuda.is_available``, ``torch.cuda.device_count``,
``torch.backends.mps.is_available``) are monkeypatched, so the tests behave alike with and
without a GPU.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

import camerabench.baselines.vlm.train as vlm_train
import camerabench.jobs.runner as runner
from camerabench.baselines.vlm.checkpoint import resolve_device
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.locks import LOCK_FILE, FolderInUseError, FolderLock

from .ray_fakes import FakeRayInit

REPO = Path(__file__).resolve().parents[2]


# --- 1. Ray connected before the method folder is made ------------------------------------------


def _predict_ray(data: Path, out: Path, *extra: str) -> int:
    return main(["predict", "--data", str(data), "--method", "dummy", "--out", str(out), "--backend", "ray", *extra])


def test_a_ray_that_cannot_start_leaves_no_method_folder(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeRayInit(monkeypatch, ray_tmpdir=tmp_path / "raytmp", error=ConnectionError("raylet did not come up"))
    out = tmp_path / "out"
    assert _predict_ray(data, out) == 1
    assert caplog.records[-1].getMessage().startswith("could not start a local Ray instance: raylet did not come up")
    assert fake.calls == [None]
    assert not (out / "dummy").exists()  # was OUT/dummy/ with nothing in it: a started method to a later run


def test_a_cluster_without_a_node_for_the_tasks_leaves_no_method_folder(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeRayInit(monkeypatch, ray_tmpdir=tmp_path / "raytmp", cpus=2.0)
    out = tmp_path / "out"
    assert _predict_ray(data, out, "--cpus-per-task", "4") == 1
    assert "no node of the Ray cluster has them" in caplog.records[-1].getMessage()
    assert not (out / "dummy").exists()
    assert not fake.up  # the instance it started is shut down


def test_a_method_folder_in_use_is_still_refused_with_ray_and_ray_is_left(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path
) -> None:
    """The lock is taken after Ray starts but before any record: a second run racing for the folder
    is refused (having started Ray for nothing) and writes nothing into it."""
    fake = FakeRayInit(monkeypatch, ray_tmpdir=tmp_path / "raytmp")
    folder = tmp_path / "out" / "dummy"
    with FolderLock(folder, what="method folder"):
        before = sorted(p.name for p in folder.iterdir())
        with pytest.raises(FolderInUseError, match="method folder in use by another camerabench process"):
            runner.run_predict(data, "dummy", tmp_path / "out", backend="ray")
        assert sorted(p.name for p in folder.iterdir()) == before == [LOCK_FILE]
    assert not fake.up  # the instance it started is shut down


def test_the_lock_is_held_while_the_run_writes_and_until_ray_is_shut_down(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out" / "dummy"
    at_shutdown: list[bool] = []  # whether the method folder's lock file was there
    fake = FakeRayInit(
        monkeypatch,
        ray_tmpdir=tmp_path / "raytmp",
        on_shutdown=lambda: at_shutdown.append((folder / LOCK_FILE).exists()),
    )
    held: list[bool] = []

    def run_locked(*args: Any, **kwargs: Any) -> Any:
        held.append(fake.up and (folder / LOCK_FILE).exists())
        raise CameraBenchError("stopped by the test")

    monkeypatch.setattr(runner, "_run_locked", run_locked)
    with pytest.raises(CameraBenchError, match="stopped by the test"):
        runner.run_predict(data, "dummy", tmp_path / "out", backend="ray")
    assert held == [True]  # Ray up and the folder locked when the records are written
    assert at_shutdown == [True]  # released only after Ray is shut down
    assert not (folder / LOCK_FILE).exists()


# --- 2. a model device this machine does not have -------------------------------------------------


def _no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def _one_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.parametrize(
    ("device", "gpus", "message"),
    [
        ("cuda", 0, "device 'cuda': CUDA is not available on this machine"),
        ("cuda:0", 0, "device 'cuda:0': CUDA is not available on this machine"),
        ("cuda:3", 1, "device 'cuda:3': this machine has 1 CUDA device (cuda:0 to cuda:0"),
        ("cuda:1", 1, "device 'cuda:1': this machine has 1 CUDA device"),
        ("mps", 0, "device 'mps': MPS (Apple's GPU) is not available on this machine"),
        ("gpu", 0, "invalid device 'gpu': "),
        ("cuda:x", 1, "invalid device 'cuda:x': "),
        (" cuda", 1, "invalid device ' cuda': "),
        ("", 1, "invalid device '': "),
        ("meta", 1, "device 'meta': the model runs on cpu, cuda, cuda:N (N counting from 0) or mps, not on 'meta'"),
    ],
)
def test_a_device_this_machine_does_not_have_is_refused(
    monkeypatch: pytest.MonkeyPatch, device: str, gpus: int, message: str
) -> None:
    (_one_gpu if gpus else _no_gpu)(monkeypatch)
    with pytest.raises(CameraBenchError) as exc:
        resolve_device(device)
    assert str(exc.value).startswith(message), str(exc.value)
    assert "\n" not in str(exc.value)


def test_devices_this_machine_has_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    _one_gpu(monkeypatch)
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    assert resolve_device("cuda") == torch.device("cuda")
    assert resolve_device(None) == torch.device("cuda")
    _no_gpu(monkeypatch)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("mps") == torch.device("mps")
    with pytest.raises(CameraBenchError, match="there is one MPS device"):
        resolve_device("mps:1")


@pytest.fixture()
def no_video_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any video opened fails the test."""
    import camerabench.video as video

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a video was read")

    monkeypatch.setattr(video, "_open", refuse)  # every reader of camerabench.video opens through it


@pytest.mark.parametrize(
    ("command", "gpus", "device"),
    [("predict", 0, "cuda"), ("caption", 0, "cuda"), ("predict", 1, "cuda:3"), ("caption", 1, "mps")],
)
def test_predict_and_caption_refuse_the_device_before_the_method_folder(
    monkeypatch: pytest.MonkeyPatch,
    data: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    no_video_read: None,
    command: str,
    gpus: int,
    device: str,
) -> None:
    (_one_gpu if gpus else _no_gpu)(monkeypatch)
    out = tmp_path / "out"
    model = tmp_path / "no-model-read"  # refused on the device first: the checkpoint is not looked at
    argv = [command, "--data", str(data), "--method", "qwen-vl", "--out", str(out), "--model", str(model)]
    assert main([*argv, "--device", device]) == 1
    message = caplog.records[-1].getMessage()
    assert message.startswith(f"method 'qwen-vl': option device: device {device!r}: "), message
    assert not out.exists()


@pytest.mark.parametrize("stage", ["sft", "grpo"])
def test_train_refuses_a_gpu_index_this_machine_lacks_before_the_data(
    monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, stage: str
) -> None:
    """``cuda:3`` on a one-GPU machine passed (only "cuda" without CUDA was refused) and failed at the
    model's load, after every training medium was decoded."""
    _one_gpu(monkeypatch)

    def no_checkpoint_read(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the checkpoint was read before the device was checked")

    monkeypatch.setattr(vlm_train, "check_checkpoint", no_checkpoint_read)
    out = tmp_path / "models" / "ft"
    argv = ["train", "--data", str(data), "--model", str(tmp_path / "base"), "--out", str(out), "--stage", stage]
    assert main([*argv, "--device", "cuda:3"]) == 1
    assert caplog.records[-1].getMessage().startswith("device 'cuda:3': this machine has 1 CUDA device")
    assert not out.exists()


# --- 3. benchmarks/bench_vlm.py --------------------------------------------------------------------


def test_bench_vlm_refuses_cuda_without_cuda_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("bench_vlm36", REPO / "benchmarks" / "bench_vlm.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    _no_gpu(monkeypatch)

    def no_model(*args: Any, **kwargs: Any) -> Path:
        raise AssertionError("the tiny checkpoint was written before the device was checked")

    monkeypatch.setattr(bench, "make_tiny_vlm", no_model)
    monkeypatch.setattr(sys, "argv", ["bench_vlm.py", "--device", "cuda"])
    with pytest.raises(SystemExit) as exc:
        bench.main()
    assert str(exc.value.code).startswith("bench_vlm.py: device 'cuda': CUDA is not available on this machine")
    assert "\n" not in str(exc.value.code)


def test_train_cli_refuses_the_device_before_making_the_out_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``camerabench train --device cuda:3`` on a machine with one GPU: refused before the parent
    folder of ``--out`` is made (it was made, then train() refused the device)."""
    import torch

    from camerabench.cli import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    model = tmp_path / "model"
    model.mkdir()
    out = tmp_path / "new_parent" / "ckpt"
    code = main(["train", "--data", str(tmp_path), "--model", str(model), "--out", str(out), "--device", "cuda:3"])
    assert code != 0
    assert not out.parent.exists()
