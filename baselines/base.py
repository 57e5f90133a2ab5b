"""The predictor interface every baseline implements, geometric or semantic.

A predictor answers yes/no questions about one video with real-valued scores (higher =
more likely *yes*) and may caption it. It raises :class:`~camerabench.errors.PredictionError`
(or :class:`~camerabench.errors.VideoError`) for a video it cannot handle; the runner records
that as a failed sample with the message as its reason.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from camerabench.baselines.options import MethodOptions
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, NotBuiltError
from camerabench.records import CAPTION_MODES
from camerabench.shotbench import MCQRow
from camerabench.trajectory import Trajectory

__all__ = ["CAPTION_MODES", "MethodKind", "NoOptions", "Predictor", "VideoResult", "dataset_video_name"]

#: What a method is: ``geometric`` (a camera trajectory, then scores), ``semantic`` (a model
#: that reads the video and the question), ``fusion`` (a model over other methods' outputs),
#: ``test`` (stand-ins for the test suite).
MethodKind = Literal["geometric", "semantic", "fusion", "test"]


def dataset_video_name(video_path: Path) -> tuple[str, Path | None]:
    """(the video's name as in the labels, its dataset folder): the path below ``videos/``.

    Methods that read another run's per-video files (a trajectory, scores) key them by this
    name. A path outside any ``videos/`` folder gives its file name and no dataset.

    Example:
        >>> dataset_video_name(Path("data/videos/sub/a.mp4"))
        ('sub/a.mp4', PosixPath('data'))
    """
    parts = video_path.parts
    if "videos" in parts[:-1]:
        i = len(parts) - 1 - parts[::-1].index("videos", 1)
        return "/".join(parts[i + 1 :]), Path(*parts[:i]) if i else Path(".")
    return video_path.name, None


@dataclass(frozen=True)
class NoOptions(MethodOptions):
    """Options of a method that takes none."""


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
        failed: question text -> why the method could not score that question on this video
            (e.g. a question holding a control token of a VLM's tokenizer): recorded as that
            question's failure with this reason, where a question left out of ``scores`` gets a
            generic one.
    """

    scores: dict[str, float]
    unanswerable: dict[str, str] = field(default_factory=dict)
    trajectory: Trajectory | None = None
    info: dict[str, Any] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


class Predictor(abc.ABC):
    """Base class. Subclasses set ``name``, ``kind`` and ``Options`` and implement :meth:`predict`.

    Construction must be cheap and validates every option (:class:`MethodOptions`), so a bad
    value is reported before any video is touched; heavy set-up (loading a model) happens in
    :meth:`setup`, which the runner calls once per worker process before the first video.
    """

    name: ClassVar[str]
    kind: ClassVar[MethodKind]
    Options: ClassVar[type[MethodOptions]] = NoOptions
    #: The :data:`CAPTION_MODES` its :meth:`caption` implements (checked before a caption run starts).
    caption_modes: ClassVar[tuple[str, ...]] = CAPTION_MODES
    produces_trajectories: ClassVar[bool] = False

    def __init__(self, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        if isinstance(options, MethodOptions):
            if kwargs:
                # an option set to None (nullable: "none") stays None, not the default that None means
                # in a mapping (colmap's filter_max_error_px=None, no filter, came back as 1.0 px);
                # a keyword set to None changes nothing
                kept = {k: "none" if v is None else v for k, v in options.to_dict().items()}
                changes = {k: v for k, v in kwargs.items() if v is not None}
                options = self.Options.from_mapping({**kept, **changes}, method=self.name)
            elif not isinstance(options, self.Options):
                raise TypeError(f"method {self.name!r} takes {self.Options.__name__}, got {type(options).__name__}")
            else:  # perhaps built by the dataclass constructor or replace(), which check nothing
                options.check_values(self.name)
        else:
            if options is not None and not isinstance(options, Mapping):
                raise TypeError(
                    f"method {self.name!r} takes its options as a mapping or {self.Options.__name__}, "
                    f"got {type(options).__name__} {options!r}"
                )
            twice = sorted(set(options or {}) & set(kwargs))
            if twice:  # which one wins would be silent
                raise CameraBenchError(f"method {self.name!r}: option(s) {', '.join(map(str, twice))} given twice")
            options = self.Options.from_mapping({**(options or {}), **kwargs}, method=self.name)
        self.options: MethodOptions = options

    def opt(self, key: str) -> Any:
        """The value of one option."""
        return getattr(self.options, key)

    def settings(self) -> dict[str, Any]:
        """Every setting that affects results (written to run.json)."""
        return self.options.to_dict()

    def setup(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Load models or other heavy state (called once per worker)."""

    def check_videos(self, videos: Mapping[str, Path]) -> None:  # noqa: B027 - optional hook, empty by default
        """Refuse, before a ``predict`` run starts, a set-up that would fail every one of ``videos``.

        The runner calls it once, in the main process, after the options are validated and before
        any video is dispatched (to worker processes or Ray as well). A method that reads other
        runs' per-video files (a trajectory folder, a method folder) checks here that some of them
        belong to these videos: a folder of another dataset is then one clear error up front
        instead of a recorded failure per video. It must stay cheap: file-name look-ups only, no
        decoding. Videos of which only some lack their file are not refused: those are recorded
        failures with their reason. Empty by default.

        Args:
            videos: the dataset's video names (as in the labels) -> their paths.

        Raises:
            CameraBenchError: no video could be run (the message names the folder it looked in).
        """

    @classmethod
    def never_answers(cls, questions: list[Question]) -> dict[str, str]:
        """The questions of ``questions`` this method cannot answer on any video, known from the
        question alone (a geometric method and a question about scene dynamics): question text ->
        why, as :attr:`VideoResult.unanswerable` gives it.

        The runner asks it for a video the method failed on: those questions are then recorded
        as unanswerable (coverage, as for a video it handled), not as failed, so a failed video
        does not make the method look as if it answered them. It must be cheap and must not
        raise: no video, no model, no options. Empty by default (every question might be
        answered, so every question of a failed video is a failure).
        """
        return {}

    def unanswerable(self, questions: list[Question]) -> dict[str, str]:
        """The questions of ``questions`` this predictor, with its options, answers on no video:
        :meth:`never_answers` by default; a method whose options fix more (a fusion model file
        trained on some primitives) says so here. The runner asks it, where it has the predictor,
        for a video the method failed on. Cheap and never raises, as :meth:`never_answers`."""
        return self.never_answers(questions)

    @abc.abstractmethod
    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        """Score ``questions`` on one video."""

    def caption(self, video_path: Path, question: str, mode: str = "whole") -> str:
        """Describe the camera movement of one video."""
        raise NotBuiltError(f"method {self.name!r} does not caption videos")

    def answer(self, row: MCQRow, media: list[Path]) -> str | None:
        """The raw reply to one multiple-choice row (e.g. ``"B"`` or a ``<think>/<answer>`` text).

        Args:
            row: the question, its options and its category.
            media: the row's image or video files, resolved against the data folder.

        Returns:
            The reply, or None when the row is outside what the method answers (a geometric
            method and a lighting question): that is coverage, not a failure.

        Raises:
            PredictionError / VideoError: the method could not answer this row (recorded as failed).
        """
        return None

    def reuse_trajectory(self, video_path: Path, trajectory: Trajectory, info: Mapping[str, Any] | None = None) -> None:
        """Take a trajectory this method estimated earlier (same settings) for ``video_path``.

        The runner calls it before :meth:`caption` when a ``predict`` run of the same method and
        settings saved one, so a geometric method does not estimate the same trajectory twice.
        ``info``: what that run recorded of the video (run.json's ``video_info``: the cuts, the
        shot estimated), so the caption can say what the trajectory does not.
        """
        raise NotBuiltError(f"method {self.name!r} does not work from trajectories")

    def caption_details(self, video_path: Path) -> dict[str, Any]:
        """Per-video details of the caption :meth:`caption` just made of ``video_path``, for
        caption_run.json's ``video_info`` (as :attr:`VideoResult.info` goes to run.json's); none
        by default."""
        return {}
