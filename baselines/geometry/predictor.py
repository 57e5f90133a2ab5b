"""What the geometric predictors share: option checking, trajectory -> scores, captions.

A geometric method estimates (or reads) a camera trajectory per video; everything after that is
the same for all of them: :func:`~camerabench.baselines.geometry.scoring.trajectory_scores` for
the 15 primitive questions, "unanswerable" for every other question, and a caption through
:func:`~camerabench.baselines.geometry.describe.describe_trajectory`.

What is known when: the zoom only from intrinsics measured per frame. Without them (no
intrinsics, or one K for the whole video: ``meta[META_FOCAL_FIXED]``) the zoom questions and
Static (a camera that only zooms looks still when the zoom is not measured) are unanswerable,
with the reason (:func:`unknown_primitives`); multiple-choice rows naming a zoom or Static are
not answered; the caption says the zoom is unknown instead of calling the camera still.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from camerabench.baselines.base import MethodKind, Predictor, VideoResult
from camerabench.baselines.geometry.describe import caption_with_cuts, describe_trajectory, motion_strengths
from camerabench.baselines.geometry.scoring import (
    SCORERS,
    ZOOM_NO_INTRINSICS,
    MotionSeries,
    decompose,
    motion_scores,
)
from camerabench.baselines.options import MethodOptions, _shown, option
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, NotBuiltError, PredictionError
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive
from camerabench.taxonomy.caption_facts import option_primitives
from camerabench.trajectory import Trajectory
from camerabench.video import VideoClip, read_video

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "CAMERA_MOVEMENT",
    "MIN_FRAME_SIDE_PX",
    "UNANSWERABLE_REASON",
    "ZOOM_FIXED_REASON",
    "ZOOM_UNKNOWN_REASON",
    "GeometricOptions",
    "GeometricPredictor",
    "VideoGeometryOptions",
    "choose_option",
    "sampled_clip",
    "unknown_primitives",
]

UNANSWERABLE_REASON = "geometric methods answer only the 15 primitive questions"

#: Why a zoom question of a trajectory without intrinsics (TUM, KITTI, poses without
#: ``intrinsics.npy``) has no score: its focal length, and so its zoom, is unknown.
ZOOM_UNKNOWN_REASON = "the trajectory has no intrinsics: its focal length, and so its zoom, is unknown"

#: Why a zoom question of a trajectory with one K for the whole video (``meta[META_FOCAL_FIXED]``:
#: MegaSaM's single ``intrinsic``, a COLMAP model whose images share one camera) has no score.
ZOOM_FIXED_REASON = (
    "the trajectory has one intrinsic matrix for the whole video: its focal length was held fixed, not "
    "measured per frame, so its zoom is unknown"
)

ZOOM_PRIMITIVES = frozenset({Primitive.ZOOM_IN, Primitive.ZOOM_OUT})


def unknown_primitives(motion: MotionSeries) -> dict[Primitive, str]:
    """The primitives ``motion`` cannot answer, with the reason: none when its zoom is known; else
    Zoom_In, Zoom_Out (:data:`ZOOM_UNKNOWN_REASON`, :data:`ZOOM_FIXED_REASON`) and Static: a camera
    that only zooms is still in every measured component, so without the zoom stillness is unknown."""
    if motion.zoom_known:
        return {}
    zoom = ZOOM_UNKNOWN_REASON if motion.zoom_unknown in (None, ZOOM_NO_INTRINSICS) else ZOOM_FIXED_REASON
    static = (
        f"{zoom}; a camera that only zooms cannot be told from a still one without it, so whether the camera is "
        "static is unknown too"
    )
    return {Primitive.ZOOM_IN: zoom, Primitive.ZOOM_OUT: zoom, Primitive.STATIC: static}


@dataclass(frozen=True)
class GeometricOptions(MethodOptions):
    """Options every geometric method takes."""

    scorer: str = option("default", "trajectory -> score mapping", choices=tuple(SCORERS))

    @classmethod
    def _check_range(cls, method: str, name: str, value: Any) -> None:
        """As :meth:`MethodOptions._check_range`; a number above an option's upper bound is named
        with the whole allowed range (``must be <= 1000 (allowed: >= 0.01 and <= 1000), got 1e+300``).
        Below the lower bound the message is :class:`MethodOptions`' own (that bound is the range's end)."""
        spec = cls.spec(name)
        high = spec.lt if spec.lt is not None else spec.le
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if high is None or isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if isinstance(v, float) and not math.isfinite(v):
                continue  # the base class names it: "must be a finite number"
            if v > high or (spec.lt is not None and v == high):
                low = _bound(spec.gt, spec.ge, ">")
                allowed = f"{low} and {_bound(spec.lt, spec.le, '<')}" if low else _bound(spec.lt, spec.le, "<")
                raise CameraBenchError(
                    f"method {method!r}: option {name} must be {_bound(spec.lt, spec.le, '<')} "
                    f"(allowed: {allowed}), got {_shown(value)}"
                )
        super()._check_range(method, name, value)


def _bound(strict: float | None, inclusive: float | None, sign: str) -> str:
    """``"> 0"``, ``">= 0.01"`` or ``""`` (no bound on that side) for an option's range text."""
    if strict is not None:
        return f"{sign} {strict:g}"
    return f"{sign}= {inclusive:g}" if inclusive is not None else ""


@dataclass(frozen=True)
class VideoGeometryOptions(GeometricOptions):
    """Options of the geometric methods that decode the video themselves (:func:`sampled_clip`)."""

    max_frames: int = option(
        3000,
        "most frames sampled from one video (10 min at 5 a second; ~0.4 MB each at 480x270): a longer "
        "sampling is a recorded failure, decided before memory runs out (2 to 100,000)",
        ge=2,
        # the cap is what bounds memory, so it must be a number of frames a machine can hold:
        # 100,000 frames (an hour at 25 fps is 90,000) at the default 480x270 are 39 GB of RGB
        # (480*270*3 bytes each); 10**36 was accepted and meant "no cap" at all
        le=100_000,
    )

    def check_fields(self, method: str) -> None:
        super().check_fields(method)
        # sampled_clip samples a short clip densely with min_frames frames: more than max_frames
        # would pass the cap that bounds memory (a long video at a low sample_fps reads them all)
        min_frames = getattr(self, "min_frames", None)
        if isinstance(min_frames, int) and min_frames > self.max_frames:
            raise CameraBenchError(
                f"method {method!r}: option min_frames ({min_frames}) is more than max_frames ({self.max_frames}), "
                "the most frames sampled from one video"
            )


MIN_FRAME_SIDE_PX = 32
"""Smallest side (pixels) of the frames a geometric method analyses (after ``max_side``).

Measured with ``fast`` on crops of a textured image panning 1-2 px a frame, 40 frames at 30 fps:
at 24x18 the cut detector reads every sampled frame as a cut; 12-16 px tall frames (480x12, and
a 1600x16 strip resized to 480x4) stopped OpenCV's DIS flow with an exception ("width or height
>= 12", a pyramid level of zero size); 32x24 and 48x36 crops are recorded failures for too
little structure, which is what they are; 64x48 relates a slow pan and 96x72 both. Below this
size a clip is a recorded failure that names the size, not a wrong cut or a crash. The smallest
standard video format (SQCIF) is 128x96.
"""


def sampled_clip(
    video_path: Path,
    sample_fps: float,
    min_frames: int,
    max_side: int,
    max_frames: int,
    on_frame: Callable[[NDArray[np.uint8]], None] | None = None,
) -> VideoClip:
    """The frames a geometric method analyses: ``sample_fps`` frames a second, or ``min_frames``
    evenly spaced ones when that gives fewer (a short clip), longer side at most ``max_side``.
    ``on_frame``: :func:`~camerabench.video.read_video`'s (each frame as it is decoded).

    Raises:
        PredictionError: the frames are smaller than :data:`MIN_FRAME_SIDE_PX` on a side, or
            the video has a single frame (saying so when the file declares more: truncated).
        VideoError: the file cannot be decoded, or the sampling keeps more than ``max_frames``
            frames (a film given for a clip: decoding stops there, before memory runs out).
    """
    clip = read_video(video_path, fps=sample_fps, max_side=max_side, max_frames=max_frames, on_frame=on_frame)
    if len(clip) < min_frames:  # a short clip: sample it densely instead
        clip = read_video(video_path, num_frames=min_frames, max_side=max_side, on_frame=on_frame)
    if len(clip) < 2:
        declared = clip.notes.get("frames_declared", 0)
        cause = f" of the {declared} its container declares (truncated or damaged file)" if declared > 1 else ""
        raise PredictionError(f"{video_path}: the video decodes {len(clip)} frame{cause}; relating frames needs two")
    height, width = clip.frames.shape[1:3]
    if len(clip) and min(height, width) < MIN_FRAME_SIDE_PX:
        raise PredictionError(
            f"{video_path}: frames analysed at {width}x{height} px (longer side at most {max_side}); "
            f"relating frames needs at least {MIN_FRAME_SIDE_PX} px on each side"
        )
    return clip


#: ShotBench's category of camera-movement questions (the only one a trajectory answers).
CAMERA_MOVEMENT = "camera movement"


def choose_option(options: Mapping[str, str], scores: Mapping[Primitive, float]) -> str | None:
    """The letter of the option whose named primitives have the highest mean score.

    ``scores`` must compare across primitives (e.g.
    :func:`~camerabench.baselines.geometry.describe.motion_strengths`).

    An option's text names primitives as a caption states them
    (:func:`~camerabench.taxonomy.caption_facts.option_primitives`, the reading of the caption
    metrics' motion facts: "Track left" is Move_Left, "Pan left then right" both pans, "Static
    shot, no zoom in" Static alone); options that name none are not
    candidates, and when no option names any primitive the row is outside what scores can
    answer (None). Ties go to the first option in the table's order.

    Example:
        >>> from camerabench.taxonomy import Primitive
        >>> scores = {p: 0.0 for p in Primitive} | {Primitive.TILT_UP: 0.9, Primitive.PAN_LEFT: 0.2}
        >>> choose_option({"A": "Pan left", "B": "Tilt up", "C": "Handheld"}, scores)
        'B'
        >>> choose_option({"A": "Handheld", "B": "Aerial"}, scores) is None
        True
    """
    best: tuple[float, str] | None = None
    for letter, text in options.items():
        named = option_primitives(text)
        if not named:
            continue
        value = sum(scores[p] for p in named) / len(named)
        if best is None or value > best[0]:
            best = (value, letter)
    return best[1] if best is not None else None


class GeometricPredictor(Predictor):
    """Base of ``fast``, ``colmap`` and ``trajectory``.

    Subclasses set ``name`` and ``Options`` (a subclass of :class:`GeometricOptions`) and
    implement :meth:`estimate`.
    """

    kind: ClassVar[MethodKind] = "geometric"
    produces_trajectories: ClassVar[bool] = True
    Options: ClassVar[type[MethodOptions]] = GeometricOptions

    def __init__(self, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        self._cache: tuple[Path, Trajectory, dict[str, Any]] | None = None

    @abc.abstractmethod
    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        """The camera trajectory of one video and per-video details for run.json.

        Raises:
            PredictionError: the method cannot give a trustworthy trajectory for this video.
        """

    def trajectory(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        """:meth:`estimate`, remembered for the last video (predict then caption reuse it).

        Raises:
            PredictionError: the trajectory (estimated, or reused from a saved file) has a
                single pose: it shows no motion at all, and scored it would read as a still camera.
        """
        video_path = Path(video_path)
        if self._cache is None or self._cache[0] != video_path:
            traj, info = self.estimate(video_path)
            self._cache = (video_path, traj, info)
        traj = self._cache[1]
        if len(traj) < 2:
            raise PredictionError(
                f"{video_path}: the trajectory has {len(traj)} pose, which shows no motion; scoring or describing "
                "camera motion needs two"
            )
        return traj, self._cache[2]

    @classmethod
    def never_answers(cls, questions: list[Question]) -> dict[str, str]:
        """Questions that name no primitive: a camera trajectory does not tell them. (A zoom
        question is answerable in general: only a trajectory without intrinsics leaves it unknown.)"""
        return {q.text: UNANSWERABLE_REASON for q in questions if q.primitive is None}

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        traj, info = self.trajectory(video_path)
        scorer = self.opt("scorer")
        motion = decompose(traj)  # once: a million poses take seconds
        by_primitive = motion_scores(motion, scorer)
        # Without measured intrinsics every video's zoom score would be the same made-up 0, and
        # Static would call a zoom-only camera still: no answer.
        unknown = unknown_primitives(motion)
        scores = {q.text: by_primitive[q.primitive] for q in questions if q.primitive not in (None, *unknown)}
        unanswerable = self.never_answers(questions)
        unanswerable |= {q.text: unknown[q.primitive] for q in questions if q.primitive in unknown}
        details = {
            **info,
            "scorer": scorer,
            "translation_unit": motion.translation_unit,
            "zoom_known": motion.zoom_known,
        }
        if motion.notes:  # translation read as none though the centre moved (float32 rounding, jitter)
            details["scoring_warnings"] = list(motion.notes)
        return VideoResult(scores=scores, unanswerable=unanswerable, trajectory=traj, info=details)

    def answer(self, row: MCQRow, media: list[Path]) -> str | None:
        """Camera-movement rows of one video: the option whose named motions are most visible.

        Other categories (shot size, lighting, ...) and image rows are outside what a camera
        trajectory tells, so they return None (coverage, not failure); so are rows with an
        option naming a zoom or Static when the zoom is unknown (no intrinsics, or one K for the
        whole video: :func:`unknown_primitives`), where it would read as none.
        """
        if row.category != CAMERA_MOVEMENT or len(media) != 1 or row.types[0] != "video":
            return None
        traj, _ = self.trajectory(media[0])
        motion = decompose(traj)
        unknown = unknown_primitives(motion).keys()
        if any(unknown & set(option_primitives(t)) for t in row.options.values()):
            return None
        return choose_option(row.options, motion_strengths(motion))

    def reuse_trajectory(self, video_path: Path, trajectory: Trajectory, info: Mapping[str, Any] | None = None) -> None:
        """As :meth:`Predictor.reuse_trajectory`; ``info`` is what the run that estimated it recorded
        of the video (its run.json's ``video_info``: the cuts, ``cuts_s``, and the shot estimated,
        ``shot_s``), which the caption and :meth:`caption_details` then read as :meth:`estimate`'s."""
        self._cache = (Path(video_path), trajectory, {**(info or {}), "reused_trajectory": True})

    #: Captions come from the trajectory of the whole video.
    caption_modes: ClassVar[tuple[str, ...]] = ("whole",)

    def caption(self, video_path: Path, question: str, mode: str = "whole") -> str:
        """The movement of the trajectory in words; of a video with scene cuts (``cuts_s``), that of
        the shot estimated, placed among the cuts (:func:`caption_with_cuts`: "The video cuts to
        another scene at 1.2 s, where the camera ..."): the other shots' motion is not estimated,
        and not described."""
        if mode != "whole":
            raise NotBuiltError(f"method {self.name!r} captions from its trajectory: only mode 'whole' exists")
        traj, info = self.trajectory(video_path)
        return caption_with_cuts(describe_trajectory(traj), info.get("cuts_s") or (), info.get("shot_s"))

    def caption_details(self, video_path: Path) -> dict[str, Any]:
        """Per-video details of the caption of ``video_path`` for caption_run.json's ``video_info``:
        the trajectory's, as :meth:`predict` records them in run.json (frames, ``cuts_s``, ``shot_s``
        ...; ``reused_trajectory`` for one taken from a predict run). The runner asks for them once
        :meth:`caption` returned."""
        return dict(self.trajectory(video_path)[1])
