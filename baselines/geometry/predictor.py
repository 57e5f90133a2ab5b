"""What the geometric predictors share: option checking, trajectory -> scores, captions.

A geometric method estimates (or reads) a camera trajectory per video; everything after that is
the same for all of them: :func:`~camerabench.baselines.geometry.motion.trajectory_scores` for
the 15 primitive questions, "unanswerable" for every other question, and a caption through
:func:`~camerabench.baselines.geometry.captions.describe_trajectory`.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, ClassVar

from camerabench.baselines.base import Predictor, VideoResult
from camerabench.baselines.geometry.captions import describe_trajectory
from camerabench.baselines.geometry.motion import decompose, get_scorer, trajectory_scores
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, NotBuiltError
from camerabench.trajectory import Trajectory

__all__ = ["UNANSWERABLE_REASON", "GeometricPredictor"]

UNANSWERABLE_REASON = "geometric methods answer only the 15 primitive questions"


class GeometricPredictor(Predictor):
    """Base of ``fast``, ``colmap`` and ``trajectory``.

    Subclasses set ``name``, extend :attr:`DEFAULTS` (option name -> default value; the type of
    the default is the option's type) and implement :meth:`estimate`.
    """

    produces_trajectories: ClassVar[bool] = True
    DEFAULTS: ClassVar[dict[str, Any]] = {"scorer": "default"}

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.DEFAULTS))
        if unknown:
            raise CameraBenchError(
                f"method {self.name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {', '.join(sorted(self.DEFAULTS))}"
            )
        checked: dict[str, Any] = {}
        for key, value in options.items():
            default = self.DEFAULTS[key]
            if default is not None and not isinstance(value, type(default)):
                if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                    value = float(value)
                else:
                    raise CameraBenchError(
                        f"method {self.name!r}: option {key} must be {type(default).__name__}, got {value!r}"
                    )
            checked[key] = value
        super().__init__(**checked)
        get_scorer(self.opt("scorer"))  # fail at construction for an unknown scorer
        self._cache: tuple[Path, Trajectory, dict[str, Any]] | None = None

    def opt(self, key: str) -> Any:
        """The value of an option (the user's, else the default)."""
        return self.options.get(key, self.DEFAULTS[key])

    def settings(self) -> dict[str, Any]:
        return {**self.DEFAULTS, **self.options}

    @abc.abstractmethod
    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        """The camera trajectory of one video and per-video details for run.json.

        Raises:
            PredictionError: the method cannot give a trustworthy trajectory for this video.
        """

    def trajectory(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        """:meth:`estimate`, remembered for the last video (predict then caption reuse it)."""
        video_path = Path(video_path)
        if self._cache is None or self._cache[0] != video_path:
            traj, info = self.estimate(video_path)
            self._cache = (video_path, traj, info)
        return self._cache[1], self._cache[2]

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        traj, info = self.trajectory(video_path)
        scorer = self.opt("scorer")
        by_primitive = trajectory_scores(traj, scorer)
        scores = {q.text: by_primitive[q.primitive] for q in questions if q.primitive is not None}
        unanswerable = {q.text: UNANSWERABLE_REASON for q in questions if q.primitive is None}
        motion = decompose(traj)
        details = {
            **info,
            "scorer": scorer,
            "translation_unit": motion.translation_unit,
            "zoom_known": motion.zoom_known,
        }
        return VideoResult(scores=scores, unanswerable=unanswerable, trajectory=traj, info=details)

    def reuse_trajectory(self, video_path: Path, trajectory: Trajectory) -> None:
        self._cache = (Path(video_path), trajectory, {"reused_trajectory": True})

    def caption(self, video_path: Path, question: str, mode: str = "whole") -> str:
        if mode != "whole":
            raise NotBuiltError(f"method {self.name!r} captions from its trajectory: only mode 'whole' exists")
        traj, _ = self.trajectory(video_path)
        return describe_trajectory(traj)
