"""Gradient accumulation weighs micro-batches by their answer tokens (red team R25).

Each micro-batch's loss is the model's mean over its labelled tokens; averaging those equally made
``--batch-size 1 --grad-accum 4`` train another objective than ``--batch-size 4`` (a 2-token yes/no
answer weighed like a 6-token caption): the gradient was 0.55 away, relative, from the token mean.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import torch

from camerabench.baselines.vlm.checkpoint import load_qwen_vl
from camerabench.baselines.vlm.qwen import encode_video
from camerabench.baselines.vlm.train import accumulate_gradients, build_examples, labelled_tokens
from camerabench.dataset import Dataset


def _grad(vl, batches) -> tuple[torch.Tensor, float]:  # type: ignore[no-untyped-def]
    vl.model.zero_grad()
    loss = accumulate_gradients(vl, vl.model, batches, contextlib.nullcontext(), lambda v, j: ValueError(v))
    grads = [p.grad.flatten() for p in vl.model.parameters() if p.grad is not None]
    return torch.cat(grads).clone(), loss


def test_batch_one_times_accumulation_four_takes_batch_fours_step(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]]
) -> None:
    vl = load_qwen_vl(tiny_ckpt, device="cpu", dtype="float32")
    data = Dataset(tiny_data[0])
    examples = [e for e in build_examples(data, seed=0) if e.row is None]
    chosen = [e for e in examples if e.kind == "caption"][:1] + [e for e in examples if e.kind == "binary"][:3]
    assert len(chosen) == 4
    encs = [
        vl.encode([encode_video(vl, data.video_path(e.video), sample_fps=2, max_side=64), e.prompt], answer=e.answer)
        for e in chosen
    ]
    counts = [labelled_tokens([e]) for e in encs]
    assert len(set(counts)) > 1  # answers of different lengths: the case equal weights got wrong
    full, full_loss = _grad(vl, [encs])  # --batch-size 4
    accumulated, acc_loss = _grad(vl, [[e] for e in encs])  # --batch-size 1 --grad-accum 4
    uneven, _ = _grad(vl, [encs[:3], encs[3:]])  # --batch-size 3 --grad-accum 2: a short last micro-batch
    for g in (accumulated, uneven):
        assert float((g - full).norm() / full.norm()) < 1e-5
    assert acc_loss == pytest.approx(full_loss, rel=1e-5)  # the step's loss: the mean over all answer tokens
    # the equal-weight average of before, computed independently, is far from it
    vl.model.zero_grad()
    for e in encs:
        (vl.model(**vl.model_inputs([e])).loss / len(encs)).backward()
    equal = torch.cat([p.grad.flatten() for p in vl.model.parameters() if p.grad is not None])
    assert float((equal - full).norm() / full.norm()) > 0.05


def test_camerabench_train_json_records_what_the_settings_resolved_to(
    tiny_ckpt: Path, tiny_data: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Red team R25: the file said ``"device": null, "dtype": null`` and a warm-up fraction of 0.05
    that ran as 0 steps of 4."""
    import json

    from camerabench.baselines.vlm.train import TrainConfig, train

    config = TrainConfig(epochs=1, lr=1e-4, warmup=0.3, batch_size=4, captions=False, mcq=False)
    result = train(tiny_data[0], tiny_ckpt, tmp_path / "ft", config)
    info = json.loads((tmp_path / "ft" / "camerabench_train.json").read_text())
    assert info["config"]["device"] is None and info["config"]["dtype"] is None  # as asked
    resolved = info["resolved"]
    assert resolved["device"] == "cpu" and resolved["dtype"] == "float32"  # CPU's compute dtype
    assert resolved["total_steps"] == result.steps
    assert resolved["warmup_steps"] == min(round(0.3 * result.steps), result.steps - 1)
