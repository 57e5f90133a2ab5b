"""R29: ``--resume`` checks the model it continues with (weights, dtype, device, architecture); the
rate told to Qwen2.5-VL for frames sampled evenly; ``sample_indices`` keeping every frame of a stream
slower than its clock (and no other change where the clock is slower than the stream)."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import load_qwen_vl, weights_sha256
from camerabench.baselines.vlm.tiny import make_tiny_vlm
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_predict
from camerabench.records import read_scores
from camerabench.video import _read_streaming, _TickPicker, read_video, sample_indices, write_video

CPU32 = {"device": "cpu", "dtype": "float32"}


def _run_json(out: Path) -> dict[str, Any]:
    return json.loads((out / "qwen-vl" / "run.json").read_text())


def _interrupted_run(root: Path, model: Path, out: Path, **options: Any) -> int:
    """A finished predict run cut back to its first video's records (as a run killed there leaves it)."""
    run_predict(root, "qwen-vl", out, options={"model": str(model), **options})
    scores = out / "qwen-vl" / "scores.jsonl"
    lines = scores.read_text().splitlines(keepends=True)
    first = json.loads(lines[0])["video"]
    kept = [line for line in lines if json.loads(line)["video"] == first]
    scores.write_text("".join(kept))
    info = _run_json(out)
    info["finished"] = None
    for key in ("seconds_per_video", "video_info"):
        info[key] = {v: d for v, d in info.get(key, {}).items() if v == first}
    (out / "qwen-vl" / "run.json").write_text(json.dumps(info))
    return len(kept)


@pytest.fixture()
def own_ckpt(tiny_ckpt: Path, tmp_path: Path) -> Path:
    """A copy of the tiny checkpoint this test may replace."""
    dst = tmp_path / "model"
    shutil.copytree(tiny_ckpt, dst)
    return dst


def test_run_json_records_the_model_as_run(own_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path):
    root, _ = tiny_data
    run_predict(root, "qwen-vl", tmp_path / "run", options={"model": str(own_ckpt), **CPU32})
    settings = _run_json(tmp_path / "run")["settings"]
    # what the workers loaded, found before loading: the loaded model says the same
    vl = load_qwen_vl(own_ckpt, device="cpu", dtype="float32")
    assert settings["torch_dtype"] == str(vl.dtype).removeprefix("torch.") == "float32"
    assert settings["device_type"] == next(vl.model.parameters()).device.type == "cpu"
    assert settings["arch"] == vl.arch.name and settings["layout"] == vl.layout
    assert settings["config_sha256"] == hashlib.sha256((own_ckpt / "config.json").read_bytes()).hexdigest()
    assert settings["weights_sha256"] == weights_sha256(own_ckpt)
    # the bytes, not the path: a byte-identical copy elsewhere has the same fingerprint, one changed byte not
    copy = tmp_path / "copy"
    shutil.copytree(own_ckpt, copy)
    assert weights_sha256(copy) == settings["weights_sha256"]
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert weights_sha256(copy) != settings["weights_sha256"]


def test_resume_refuses_weights_replaced_at_the_same_path(
    own_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = tiny_data
    out = tmp_path / "run"
    kept = _interrupted_run(root, own_ckpt, out, **CPU32)
    config_before = (own_ckpt / "config.json").read_bytes()
    make_tiny_vlm(own_ckpt, seed=1)  # retrained at the same path: another model, the same config.json
    assert (own_ckpt / "config.json").read_bytes() == config_before
    with pytest.raises(CameraBenchError) as err:
        run_predict(root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt), **CPU32})
    message = str(err.value)
    assert "weights_sha256" in message and "config_sha256" not in message
    assert str(out) in message and str(own_ckpt.resolve()) in message and "another --out" in message
    assert len(read_scores(out / "qwen-vl" / "scores.jsonl")) == kept  # nothing added from the new weights
    # the earlier weights back: it resumes, and completes the run
    make_tiny_vlm(own_ckpt, seed=0)
    summary = run_predict(root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt), **CPU32})
    assert summary.videos_ok == 4 and summary.videos_run == 3


def test_resume_refuses_another_dtype_or_device(
    own_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = tiny_data
    out = tmp_path / "run"
    _interrupted_run(root, own_ckpt, out, device="cpu")  # dtype unset: float32 on the CPU
    with pytest.raises(CameraBenchError, match=r'torch_dtype: "float32" -> "bfloat16".*--option dtype=float32'):
        run_predict(
            root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt), "device": "cpu", "dtype": "bf16"}
        )
    # dtype and device unset, on a machine with CUDA: bfloat16 on cuda, refused before any model loads
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    with pytest.raises(CameraBenchError, match=r'device_type: "cpu" -> "cuda".*--option device=cpu'):
        run_predict(root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt)})
    monkeypatch.undo()
    # the same options on a machine without CUDA: float32 on the CPU again, resumed
    summary = run_predict(root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt), "device": "cpu"})
    assert summary.videos_ok == 4 and summary.videos_run == 3


def test_a_run_without_the_fingerprint_resumes_with_a_warning(
    own_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root, _ = tiny_data
    out = tmp_path / "run"
    _interrupted_run(root, own_ckpt, out, **CPU32)
    info = _run_json(out)
    for key in ("weights_sha256", "config_sha256", "arch", "layout", "torch_dtype", "device_type"):
        del info["settings"][key]  # as camerabench wrote run.json before R29
    (out / "qwen-vl" / "run.json").write_text(json.dumps(info))
    with caplog.at_level(logging.WARNING):
        summary = run_predict(root, "qwen-vl", out, resume=True, options={"model": str(own_ckpt), **CPU32})
    assert summary.videos_ok == 4
    warned = [r.getMessage() for r in caplog.records if "cannot be checked" in r.getMessage()]
    assert len(warned) == 1 and "weights_sha256" in warned[0] and str(own_ckpt.resolve()) in warned[0]
    assert _run_json(out)["settings"]["weights_sha256"] == weights_sha256(own_ckpt)  # recorded from now on


# --- the rate Qwen2.5-VL is told ----------------------------------------------------------------


@pytest.mark.parametrize("frames", [3, 4])
def test_frames_sampled_evenly_are_told_their_mean_rate(tiny_ckpt: Path, tmp_path: Path, frames: int) -> None:
    path = tmp_path / f"short_{frames}.mp4"
    rng = np.random.default_rng(frames)
    write_video(path, rng.integers(0, 256, (frames, 48, 64, 3), dtype=np.uint8), fps=10.0)
    vl = load_qwen_vl(tiny_ckpt, device="cpu", dtype="float32")
    video = qwen.encode_video(vl, path, sample_fps=8.0)
    times = np.asarray(video.frame_times_s)
    assert len(times) == frames and video.notes.get("frames_sampled_evenly") == frames  # min_frames is 4
    mean = (len(times) - 1) / (times[-1] - times[0])
    assert mean == pytest.approx(10.0, rel=1e-3)
    assert video.fps == pytest.approx(mean)
    assert video.second_per_grid_t == pytest.approx(vl.spec.temporal_patch_size / mean)


def test_frames_at_the_clock_ticks_are_still_told_the_clock_rate(tiny_ckpt: Path, tmp_path: Path) -> None:
    path = tmp_path / "short_5.mp4"
    write_video(path, np.random.default_rng(5).integers(0, 256, (5, 48, 64, 3), dtype=np.uint8), fps=10.0)
    video = qwen.encode_video(load_qwen_vl(tiny_ckpt, device="cpu", dtype="float32"), path, sample_fps=8.0)
    # the frames nearest the ticks 0, 0.125, 0.25, 0.375 s: 4 of the 5, not sampled evenly
    assert np.asarray(video.frame_times_s).tolist() == pytest.approx([0.0, 0.1, 0.2, 0.4])
    assert "frames_sampled_evenly" not in video.notes and video.fps == 8.0


# --- sample_indices: a stream slower than the clock keeps all its frames --------------------------


def _old_sample_indices(timestamps: NDArray[np.float64], fps: float) -> NDArray[np.int64]:
    """camerabench's sample_indices(fps=...) before R29 (with its helpers), the reference where the
    clock is slower than the stream."""
    n = len(timestamps)
    t0, t1 = float(timestamps[0]), float(timestamps[-1])
    last = int(np.floor((t1 - t0) * fps + 1e-6))
    near = np.floor((timestamps - t0) * fps)
    ks = (np.clip(near, -2, last + 1).astype(np.int64)[:, None] + np.arange(-1, 3)).ravel()
    ticks = t0 + np.unique(np.clip(ks, 0, last)) / fps
    idx = np.clip(np.searchsorted(timestamps, ticks), 0, n - 1)
    prev = np.clip(idx - 1, 0, n - 1)
    idx = np.where(np.abs(timestamps[prev] - ticks) <= np.abs(timestamps[idx] - ticks), prev, idx)
    return np.unique(idx).astype(np.int64)


VIDEO_RATES = (10.0, 23.976, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0)
DURATIONS = (0.5, 1.0, 2.5, 4.0, 10.3)
SAMPLE_RATES = (1.0, 2.0, 5.0, 8.0, 10.0, 12.0, 15.0)


def _timelines(rate: float, duration: float) -> list[NDArray[np.float64]]:
    """Frame times of a constant-rate clip: exact, and rounded to milliseconds as containers store them."""
    exact = np.arange(max(2, round(duration * rate))) / rate
    return [exact, np.round(exact, 3), 1.5 + exact]


def test_sampling_below_the_video_rate_is_unchanged() -> None:
    changed, compared = [], 0
    for rate in VIDEO_RATES:
        for duration in DURATIONS:
            for times in _timelines(rate, duration):
                for fps in SAMPLE_RATES:
                    if fps >= rate:
                        continue
                    compared += 1
                    old, new = _old_sample_indices(times, fps), sample_indices(times, fps=fps)
                    if old.tolist() != new.tolist():
                        changed.append((rate, duration, fps, old.tolist(), new.tolist()))
    assert compared > 500 and changed == []
    # a faster stream whose last frame is held (a variable rate): its sampled frames are the ticks' as before
    held = np.append(np.arange(60) / 30.0, 59 / 30.0 + 0.5)
    for fps in SAMPLE_RATES:
        assert sample_indices(held, fps=fps).tolist() == _old_sample_indices(held, fps).tolist()


def test_a_stream_slower_than_the_clock_keeps_every_frame() -> None:
    for rate in VIDEO_RATES:
        for duration in DURATIONS:
            for times in _timelines(rate, duration):
                for fps in (*SAMPLE_RATES, 100.0):
                    if fps > rate * 1.001:
                        assert sample_indices(times, fps=fps).tolist() == list(range(len(times))), (rate, fps)
    assert len(sample_indices(np.arange(25) / 10.0, fps=12)) == 25  # 24 before
    assert len(sample_indices(np.arange(60) / 24.0, fps=30)) == 60  # 59 before


def test_the_frame_by_frame_choice_keeps_the_last_frame_too() -> None:
    for times, fps in ((np.arange(25) / 10.0, 12.0), (np.arange(60) / 24.0, 30.0), (np.arange(9) / 10.0, 4.0)):
        picker = _TickPicker(fps)
        chosen = [pos for t in times for pos in picker.push(float(t))] + picker.finish()
        assert sorted(set(chosen)) == sample_indices(times, fps=fps).tolist()
        assert chosen == sorted(chosen)


def test_read_video_keeps_every_frame_of_a_slower_clip(tmp_path: Path) -> None:
    path = tmp_path / "ten.mp4"
    rng = np.random.default_rng(0)
    write_video(path, rng.integers(0, 256, (25, 32, 32, 3), dtype=np.uint8), fps=10.0)
    assert read_video(path, fps=12.0).indices.tolist() == list(range(25))
    streamed = _read_streaming(path, 12.0, None, None)
    assert streamed is not None and streamed.indices.tolist() == list(range(25))
    assert read_video(path, fps=8.0).indices.tolist() == _old_sample_indices(np.arange(25) / 10.0, 8.0).tolist()
