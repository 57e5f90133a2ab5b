"""V45: two gaps in what a qwen-vl run records of its model.

1. ``--option device=cuda --backend ray --gpus-per-worker 1`` was refused when the driver had no
   CUDA (a CPU-only head node with GPU workers): the device is now resolved where the model loads,
   in a Ray task holding an actor's resources, and run.json records what it resolved there. A driver
   without CUDA and actors with it is simulated by a local Ray instance with one (logical) GPU whose
   worker processes take CUDA to be there exactly when Ray gave them a GPU (``CUDA_VISIBLE_DEVICES``
   set, as Ray sets it for a task or actor that reserves one); the driver's torch says no CUDA. The
   Ray cases run in a child process: they need a Ray instance of their own (the session's
   ``ray_instance`` has no GPU and no such hook), one for all of them (the hook answers as this
   CPU-only torch does for the last case, actors without CUDA).
2. ``processor_sha256``: the tokenizer, chat template and processor files, recorded and compared on
   ``--resume`` beside the weights.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import camerabench.jobs.runner as runner
from camerabench.baselines.vlm.checkpoint import processor_sha256, weights_sha256
from camerabench.baselines.vlm.qwen import QwenVLPredictor
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_vlm(tmp_path_factory.mktemp("v45") / "tiny")


# --- 2. processor_sha256 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tokenizer.json", None),  # edited: a byte appended (still read as the same file set)
        ("tokenizer_config.json", None),
        ("chat_template.jinja", "{{ messages }}"),
        ("chat_template.json", '{"chat_template": "{{ messages }}"}'),
        ("preprocessor_config.json", '{"max_pixels": 3136}'),
        ("video_preprocessor_config.json", '{"fps": 1.0}'),
        ("additional_chat_templates/tool.jinja", "{{ tools }}"),
        # generate() applies it to captions and multiple-choice replies (repetition_penalty, num_beams)
        ("generation_config.json", '{"repetition_penalty": 1.05}'),
    ],
)
def test_processor_sha256_follows_each_processor_file_and_not_the_weights(
    tiny: Path, tmp_path: Path, name: str, text: str | None
) -> None:
    import shutil

    model = Path(shutil.copytree(tiny, tmp_path / "m"))
    before, weights = processor_sha256(model), weights_sha256(model)
    target = model / name
    if text is None:
        target.write_bytes(target.read_bytes() + b" ")
    else:
        target.parent.mkdir(exist_ok=True)
        target.write_text(text)
    assert processor_sha256(model) != before
    assert weights_sha256(model) == weights  # a separate digest: the weights did not change
    # files transformers does not read for the processor leave it alone
    (model / "README.md").write_text("notes")
    after = processor_sha256(model)
    (model / "README.md").write_text("other notes")
    assert processor_sha256(model) == after


def test_run_settings_record_processor_sha256(tiny: Path) -> None:
    settings = QwenVLPredictor({"model": str(tiny), "device": "cpu"}).settings()
    assert settings["processor_sha256"] == processor_sha256(tiny)
    assert settings["processor_sha256"] != settings["weights_sha256"]


def test_resume_after_a_chat_template_edit_is_refused_naming_the_files(tiny: Path, tmp_path: Path) -> None:
    import shutil

    model = Path(shutil.copytree(tiny, tmp_path / "m"))
    old = QwenVLPredictor({"model": str(model), "device": "cpu"}).settings()
    template = model / "chat_template.jinja"
    template.write_text(template.read_text() + "\n{# edited #}")
    new = QwenVLPredictor({"model": str(model), "device": "cpu"}).settings()
    assert new["weights_sha256"] == old["weights_sha256"]
    with pytest.raises(CameraBenchError) as exc:
        runner._check_same_model(tmp_path / "r" / "qwen-vl" / "run.json", tmp_path / "r", old, new)
    message = str(exc.value)
    assert "processor_sha256" in message and "chat_template.jinja" in message and "tokenizer_config.json" in message
    assert "restore those weights" not in message  # the weights are the same
    # unchanged files: resumed
    runner._check_same_model(tmp_path / "r" / "qwen-vl" / "run.json", tmp_path / "r", new, dict(new))


def test_resume_of_a_run_recorded_before_processor_sha256_warns(
    tiny: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    new = QwenVLPredictor({"model": str(tiny), "device": "cpu"}).settings()
    old = {k: v for k, v in new.items() if k != "processor_sha256"}
    with caplog.at_level(logging.WARNING, logger="camerabench.jobs.runner"):
        runner._check_same_model(tmp_path / "run.json", tmp_path, old, new)
    [warning] = [r.getMessage() for r in caplog.records]
    assert "records no processor_sha256" in warning and "tokenizer, chat template and processor files" in warning
    assert "the weights" not in warning  # those are recorded and checked


# --- 1. the device, resolved where the model loads ---------------------------------------------------

_CHILD = r"""
import json, logging, sys
from pathlib import Path

import ray
import torch

import camerabench.jobs.runner as runner
from camerabench.baselines.vlm.qwen import _RECORDED, QwenVLPredictor, _this_process
from camerabench.errors import CameraBenchError
from camerabench.jobs.ray_backend import RayOptions
from camerabench.records import read_run_info

model, data, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
result = {}
# once this file exists, the workers' torch answers as this CPU-only build does (the last case)
NO_CUDA = out / "workers-without-cuda"


def cuda_where_ray_gives_a_gpu():
    import os
    import torch

    has_cuda, devices = torch.cuda.is_available, torch.cuda.device_count  # this build's own answers

    def is_available():
        return has_cuda() if NO_CUDA.exists() else bool(os.environ.get("CUDA_VISIBLE_DEVICES"))

    def device_count():
        if NO_CUDA.exists():
            return devices()
        return len([d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d])

    torch.cuda.is_available, torch.cuda.device_count = is_available, device_count


# this driver has no CUDA
torch.cuda.is_available = lambda: False
torch.cuda.device_count = lambda: 0
gpu = RayOptions(gpus_per_worker=1)

try:  # a local run keeps the driver's check
    QwenVLPredictor({"model": model, "device": "cuda"})
except CameraBenchError as exc:
    result["local"] = str(exc)

ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False, logging_level=logging.WARNING,
         object_store_memory=256 * 2**20, runtime_env={"worker_process_setup_hook": cuda_where_ray_gives_a_gpu})
with QwenVLPredictor.loads_elsewhere():
    probe = QwenVLPredictor({"model": model, "device": "cuda"})
    default = QwenVLPredictor({"model": model})
runner._resolve_where_loaded(probe, "method 'qwen-vl'", gpu)
runner._resolve_where_loaded(default, "method 'qwen-vl'", gpu)
s, d = probe.settings(), default.settings()
result["probe"] = [s["device_type"], s["torch_dtype"], getattr(probe.options, _RECORDED)["where"] != _this_process()]
result["default"] = [d["device_type"], d["torch_dtype"]]
# the whole run: no refusal on the driver, run.json written with the actors' device before they load
try:
    runner.run_predict(data, "qwen-vl", out / "run", options={"model": model, "device": "cuda"},
                       backend="ray", ray=gpu)
except CameraBenchError as exc:
    result["run_error"] = str(exc)
info = read_run_info(out / "run" / "qwen-vl" / "run.json")
result["run_json"] = [info.settings["device_type"], info.settings["torch_dtype"]]
# a head node with CUDA, workers without a GPU (actors given none; tasks): resolved where the model loads
torch.cuda.is_available = lambda: True
torch.cuda.device_count = lambda: 1
for name, opts in (("actors", RayOptions(gpus_per_worker=0)), ("tasks", RayOptions(actors=False))):
    try:
        runner.run_predict(data, "qwen-vl", out / name, options={"model": model}, backend="ray", ray=opts)
    except CameraBenchError as exc:
        result[name + "_error"] = str(exc)
    info = read_run_info(out / name / "qwen-vl" / "run.json")
    result[name] = [info.settings["device_type"], info.settings["torch_dtype"], len(info.failures)]
torch.cuda.is_available = lambda: False
torch.cuda.device_count = lambda: 0

# the actors have no CUDA either (a GPU reserved, CUDA_VISIBLE_DEVICES set): the workers' torch answers as
# this build does from now on (the same Ray instance: a second one cost its start and shutdown, 4-8 s)
NO_CUDA.touch()
try:
    runner.run_predict(data, "qwen-vl", out / "none", options={"model": model, "device": "cuda"},
                       backend="ray", ray=gpu)
except CameraBenchError as exc:
    result["no_cuda"] = str(exc)
result["no_cuda_folder"] = (out / "none" / "qwen-vl" / "run.json").exists()
ray.shutdown()
print("RESULT " + json.dumps(result))
"""


def _one_video(root: Path) -> Path:
    """A dataset of one tiny video (four dark 16x16 frames) labelled on two primitives.

    One video, not the six of ``six_videos``: what the Ray runs check is the device each worker
    resolves and records where the model loads, and that no worker refuses it (``failures``), which
    one video's worker shows as six's did; the six ran two task workers and an actor through twelve
    answers each time (the actors and tasks runs took 21.5 s and 22 s, now 14.7 s and 12 s, 2026-12-07).
    """
    import numpy as np

    from camerabench.labelfiles import write_binary_file
    from camerabench.taxonomy import BinaryRecord, Primitive
    from camerabench.video import write_video

    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        write_binary_file(
            root / "labels" / "binary_classification" / prim.file, [BinaryRecord.make("v0.mp4", prim, True)]
        )
    write_video(root / "videos" / "v0.mp4", np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    return root


@pytest.mark.slow
def test_cuda_is_resolved_on_the_gpu_actors_not_on_a_cpu_only_driver(tiny: Path, tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("simulates actors with CUDA beside a driver without it; this machine has CUDA itself")
    data = _one_video(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tiny), str(data), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-4000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    # a local run is still refused on this machine
    assert result["local"].startswith("method 'qwen-vl': option device: device 'cuda': CUDA is not available")
    # resolved on a Ray worker holding a GPU, recorded as the actors load it
    assert result["probe"] == ["cuda", "bfloat16", True]
    assert result["default"] == ["cuda", "bfloat16"]  # the default too: cuda there, not the driver's cpu
    assert result["run_json"] == ["cuda", "bfloat16"]
    assert "option device" not in result.get("run_error", "")  # the driver did not refuse it
    # workers without a GPU beside a driver with CUDA: cpu/float32 recorded, as they load it (the driver's
    # cuda/bfloat16 was recorded before, and every worker's check then refused the run's device)
    assert result["actors"] == ["cpu", "float32", 0], result.get("actors_error")
    assert result["tasks"] == ["cpu", "float32", 0], result.get("tasks_error")
    # no CUDA where the model loads either: one error naming the Ray worker, before the method folder
    message = result["no_cuda"]
    assert message.startswith("method 'qwen-vl': option device: device 'cuda': CUDA is not available")
    assert "where the model loads" in message and " on " in message and "process " in message
    assert result["no_cuda_folder"] is False
