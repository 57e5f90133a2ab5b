"""Semantic baselines: Qwen2.5-VL / Qwen3-VL scorer, captioner, MCQ answerer and trainer.

Modules (imported lazily by the registry and the CLI; none imports transformers at import time):

- ``qwen``: :class:`~camerabench.baselines.vlm.qwen.QwenVLPredictor` (method ``qwen-vl``), VQAScore
  with prefix-cached batched scoring, whole-video and DiffSW captions.
- ``arch``: what differs between Qwen2.5-VL and Qwen3-VL (picked from ``config.json``'s
  ``model_type``).
- ``checkpoint``: loading a local checkpoint in the current or the older transformers layout,
  prompt building.
- ``compat``: the CPU-environment workarounds (pixel preparation without torchvision, stand-in
  torchvision operators); nothing else knows about them.
- ``tiny``: a tiny random Qwen2.5-VL or Qwen3-VL checkpoint (``camerabench make-tiny-vlm``).
- ``train``: supervised fine-tuning (``camerabench train``).
- ``grpo``: GRPO after SFT (``camerabench train --stage grpo``).
"""
