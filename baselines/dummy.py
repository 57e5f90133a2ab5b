"""A deterministic predictor for tests: scores derived from a hash of (video, question)."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from camerabench.baselines.base import MethodKind, Predictor, VideoResult
from camerabench.baselines.options import MethodOptions, option
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.shotbench import MCQRow

__all__ = ["DISPOSABLE_WORKER_ENV", "DummyPredictor"]

#: Set to ``"1"`` by the job runner in worker processes that are not ``multiprocessing``
#: children (Ray workers): ``die_videos`` may kill those too.
DISPOSABLE_WORKER_ENV = "CAMERABENCH_DISPOSABLE_WORKER"

log = logging.getLogger(__name__)


def _unit(*parts: str) -> float:
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class DummyOptions(MethodOptions):
    """Options of ``dummy``."""

    fail_videos: list[str] = option(
        [], "video file names to fail on: their scores, caption and multiple-choice rows (to exercise failure handling)"
    )
    die_videos: list[str] = option(
        [], "video file names on which the worker process kills itself with SIGKILL (to exercise worker deaths)"
    )
    delay_s: float = option(
        0.0, "seconds to spend on each video, caption and row (to exercise interruptions)", ge=0, le=3600
    )
    seed: int = option(0, "changes every score")


class DummyPredictor(Predictor):
    """Pseudo-random but reproducible scores in [0, 1); options: :class:`DummyOptions`."""

    name: ClassVar[str] = "dummy"
    kind: ClassVar[MethodKind] = "test"
    Options: ClassVar[type[MethodOptions]] = DummyOptions

    def check_videos(self, videos: Mapping[str, Path]) -> None:
        """Warn, once before the run, of ``fail_videos`` / ``die_videos`` names that are none of
        ``videos`` (by the name the labels give or its file name, as :meth:`predict` compares):
        they fail nothing (a misspelt name was ignored without a word, red team R80). A warning,
        not an error: a ShotBench medium named there is no video of the dataset, yet is failed."""
        if not videos:
            return
        known = set(videos) | {Path(p).name for p in videos.values()}
        for name in ("fail_videos", "die_videos"):
            unknown = sorted(set(self.opt(name)) - known)
            if unknown:
                shown = ", ".join(unknown[:5]) + (f", ... ({len(unknown)} in all)" if len(unknown) > 5 else "")
                log.warning(
                    "dummy: option %s names %s, not among the %d videos of this dataset (e.g. %s): it fails none of "
                    "them; a misspelt name?",
                    name,
                    shown,
                    len(videos),
                    next(iter(sorted(videos))),
                )

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        if video_path.name in set(self.opt("die_videos")):
            # never kill the caller's own process
            if multiprocessing.parent_process() is None and os.environ.get(DISPOSABLE_WORKER_ENV) != "1":
                raise PredictionError(f"dummy death requested for {video_path.name}, but not in a worker process")
            os.kill(os.getpid(), signal.SIGKILL)
        if self.opt("delay_s"):
            time.sleep(float(self.opt("delay_s")))
        self._fail_if_asked(video_path)
        if not video_path.is_file():
            raise PredictionError(f"{video_path}: video file not found")
        seed = str(self.opt("seed"))
        return VideoResult({q.text: _unit(seed, video_path.name, q.text) for q in questions})

    def _fail_if_asked(self, video_path: Path) -> None:
        """Raise the failure ``fail_videos`` asks for on ``video_path`` (by its file name)."""
        if video_path.name in set(self.opt("fail_videos")):
            raise PredictionError(f"dummy failure requested for {video_path.name}")

    def caption(self, video_path: Path, question: str, mode: str = "whole") -> str:
        if self.opt("delay_s"):
            time.sleep(float(self.opt("delay_s")))
        self._fail_if_asked(video_path)
        if not video_path.is_file():
            raise PredictionError(f"{video_path}: video file not found")
        return "The camera remains completely still."

    def answer(self, row: MCQRow, media: list[Path]) -> str | None:
        """A reproducible letter from a hash of (seed, table, index), as ``<answer>X</answer>``; a row
        with a medium named in ``fail_videos`` fails, as that video's scores and caption do."""
        if self.opt("delay_s"):
            time.sleep(float(self.opt("delay_s")))
        for medium in media:
            self._fail_if_asked(medium)
        missing = [m for m in media if not m.is_file()]
        if missing:
            raise PredictionError(f"{missing[0]}: media file not found")
        letters = sorted(row.options)
        pick = letters[int(_unit(str(self.opt("seed")), row.table, row.index) * len(letters))]
        return f"<answer>{pick}</answer>"
