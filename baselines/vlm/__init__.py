"""Semantic baselines: Qwen2.5-VL scorer, captioner and trainer."""
