"""Predictors behind one registry: geometric (fast, colmap, trajectory) and semantic (qwen-vl)."""

from camerabench.baselines.base import Predictor, VideoResult
from camerabench.baselines.registry import METHODS, get_predictor, predictor_class

__all__ = ["METHODS", "Predictor", "VideoResult", "get_predictor", "predictor_class"]
