"""The predictor interface every baseline implements, geometric or semantic.

A predictor answers yes/no questions about one video with real-valued scores (higher =
more likely *yes*) and may caption it. It raises :class:`~camerabench.errors.PredictionError`
(or :class:`~camerabench.errors.VideoError`) for a video it cannot handle; the runner records
that as a failed sample with the message as its reason.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from camerabench.dataset import Question
from camerabench.errors import NotBuiltError
from camerabench.trajectory import Trajectory

__all__ = ["Predictor", "VideoResult"]


@dataclass
class VideoResult:
    """What a predictor returns for one video.

    Attributes:
        scores: question text -> finite score, for every question the method can answer.
        unanswerable: question text -> why the method cannot answer it at all (e.g. a geometric
            method and a question about scene dynamics). These are not failures of the video:
            they are reported as coverage, never given a made-up score.
        trajectory: the estimated camera trajectory, for geometric methods.
        info: per-video details worth keeping in run.json (e.g. ``{"rotation_only": True}``).
    """

    scores: dict[str, float]
    unanswerable: dict[str, str] = field(default_factory=dict)
    trajectory: Trajectory | None = None
    info: dict[str, Any] = field(default_factory=dict)


class Predictor(abc.ABC):
    """Base class. Subclasses set ``name`` and implement :meth:`predict`.

    Construction must be cheap; heavy set-up (loading a model) happens in :meth:`setup`, which
    the runner calls once per worker process before the first video.
    """

    name: ClassVar[str]
    produces_trajectories: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        self.options = options

    def settings(self) -> dict[str, Any]:
        """Every setting that affects results (written to run.json)."""
        return dict(self.options)

    def setup(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Load models or other heavy state (called once per worker)."""

    @abc.abstractmethod
    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        """Score ``questions`` on one video."""

    def caption(self, video_path: Path, question: str, mode: str = "whole") -> str:
        """Describe the camera movement of one video."""
        raise NotBuiltError(f"method {self.name!r} does not caption videos")

    def reuse_trajectory(self, video_path: Path, trajectory: Trajectory) -> None:
        """Take a trajectory this method estimated earlier (same settings) for ``video_path``.

        The runner calls it before :meth:`caption` when a ``predict`` run of the same method and
        settings saved one, so a geometric method does not estimate the same trajectory twice.
        """
        raise NotBuiltError(f"method {self.name!r} does not work from trajectories")
