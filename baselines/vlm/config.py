"""Settings of the Qwen-VL adapter and trainer that need no torch (the CLI reads their defaults).

``DEFAULT_MAX_PIXELS`` is the per-frame pixel cap of CameraBench's Qwen2.5-VL evaluation
(360 x 420); :class:`TrainConfig` holds the CameraBench fine-tuning recipe's defaults
(design.md B6).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_PIXELS", "DTYPES", "TrainConfig"]

#: Per-frame pixel cap used by CameraBench's Qwen2.5-VL evaluation (360 x 420).
DEFAULT_MAX_PIXELS = 360 * 420

#: dtype names accepted by ``--dtype``.
DTYPES: tuple[str, ...] = ("bfloat16", "bf16", "float32", "fp32")


@dataclass
class TrainConfig:
    """Settings of one fine-tuning run (CameraBench defaults)."""

    epochs: float = 6.0
    lr: float = 2e-5
    warmup: float = 0.05
    batch_size: int = 1
    grad_accum: int = 1
    sample_fps: float = 8.0
    max_side: int | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    lora: bool = False
    lora_rank: int = 16
    train_vision: bool = False
    captions: bool = True
    seed: int = 0
    device: str | None = None
    dtype: str | None = None
