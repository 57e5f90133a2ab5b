"""``trajectory``: scores camera trajectories estimated elsewhere (MegaSaM, DROID-SLAM, CUT3R, ...).

``camerabench predict --method trajectory --traj-dir DIR --format FMT`` looks up, for each
video ``<stem>.mp4``, the trajectory of that stem in ``DIR`` and reads it with the reader of
that format; the formats, the file names looked for and how each is read are in
:mod:`camerabench.trajectory_formats`.

Scale: MegaSaM depths, CUT3R's first depth map and COLMAP points give the median scene depth
seen from the first frame (``meta[META_SCENE_DEPTH]``), so translation is measured in scene
depths; the other formats carry no depth and translation is divided by the path length (see
:mod:`camerabench.baselines.geometry.scoring`). Formats without timestamps get the video's:
the poses spread evenly over its duration, or ``sample_fps`` when given (refused with ``tum``,
whose every line carries its time; for a file whose poses carry timestamps, a ``megasam`` file's
``timestamps``, it is not used, with a warning once a run). A COLMAP model's
poses are timed by the frame numbers in their image names (``frame_0007.png``: frame 7; names
that are times in seconds, ``1305031102.175304.png``, by those seconds), a
CUT3R output folder's by its camera file names (``camera/000007.npz``) and DROID-SLAM keyframes
by their ``tstamps.npy``, so frames without a pose leave a gap: frame ``k`` is at
``k / sample_fps`` s. Without ``sample_fps``, numbers that can only count the video's frames one
by one are the video's frames: twice the last one is past its last frame (numbers at a stride of 2
or more frames would end at or before half of it; DROID-SLAM keyframes 0-20 or COLMAP images 8-24 of
a 25-frame clip), and frame ``k`` is at the time the video's frame ``k`` decodes at (``k * duration /
frames`` s at a constant rate; :data:`TIMESTAMPS_VIDEO_FRAMES`;
frames extracted at another rate, ``ffmpeg -r``, need ``sample_fps``). So are poses without numbers,
one per decoded frame (a KITTI file of the clip's every frame). Other numbers (0-7 of 25
frames may be its first 8 frames or every 3rd) and poses without any are spread evenly over the
video, the first pose at its first frame and the last numbered frame at its last: a warning says
so for every video where that is an assumption (all but poses 0 to the video's last frame) and
names ``sample_fps`` and ``start_frame``, which say otherwise. A COLMAP model's image numbers count the
video's frames from 0 unless the facts say from 1: no image is numbered 0 and the last is the
number of frames the video gives (its decoded frames, or its duration times ``sample_fps``), which
counted from 0 would be past its last frame (ffmpeg's default ``%06d`` names count from 1). Image
``k`` is then the video's frame ``k - 1``: at ``(k - 1) / sample_fps`` s, or at that frame's time
(the first image's offset kept); this is logged and recorded as ``image_numbers_from`` in the
prediction info. Where nothing decides it (no video, or the last frames without a pose) counting
from 0 is kept, with a warning once a run; ``start_frame`` makes the numbering moot.

A COLMAP folder ``<stem>/sparse`` holding several models (the mapper's ``0``, ``1``, ...: parts
of the video it could not join) is scored by the one registering the most images, with a warning
naming it and the others with their image counts (``colmap_model`` / ``colmap_models`` in the
prediction info); numbered folders there holding no model are named, not taken for missing
trajectories. A trajectory not found names any broken symbolic link where it was looked for; one
that cannot be read names the other candidate files of its name (``<stem>.txt`` beside the
``<stem>.kitti`` that ``kitti`` reads first).

Per video stem the ``cut3r`` format looks for ``DIR/<stem>/camera/*.npz`` (``<stem>`` the folder
given to CUT3R's ``demo.py --output_dir``).

Timestamps are checked against the video when it is there (they set the speed words of a
caption): against its header's duration, and against its decoded frames' where the two could
disagree (a header can declare one frame's duration for frames that all carry timestamp 0). A
video whose frame rate is finer than its container's time base holds no frame timing: poses with
timestamps are then scored unchecked, poses without them need ``sample_fps``; so with a video that
decodes a single frame (its duration is that frame's, which times no motion). A file whose
timestamps span much more than the video (:data:`SPAN_TOLERANCE`) does
not hold seconds of this video: frame indices, nanoseconds (EuRoC / ROS TUM files) and the like
are treated as frame-index timestamps are, spread over the video's duration keeping their
relative spacing, with a warning. ``sample_fps`` that puts the poses past the video's end is an
error; a trajectory covering under half the video (timestamps or ``sample_fps``) is scored, with
a warning; so are poses without timestamps that number far more frames than the video decodes.
Where an estimate begins: its first pose is taken as the video's first frame (frame numbers
are kept only with ``sample_fps`` or where they count the frames one by one, above), so an estimate
run on frames 10-99 of a clip whose file times or numbers its poses from 0 would be paired frame 10
with frame 0. Nothing in such a file says so.
``start_frame`` (the video frame of the first pose, counted from 0 in the frames it decodes) times
it from there: frame ``start_frame`` is at ``start_frame * duration / frames`` s of the video, the
file's times (or, without them, its frame steps at ``sample_fps``, or spread over the rest of the
video) follow from it. Without ``start_frame`` a warning states the assumption where the file hints
at a later start: image or camera file numbers whose first is above 1 (frames 0 or 1 are the
video's first, as extracted 0- or 1-based) spread over the video without ``sample_fps`` (their
offset is dropped: the rate the numbers count at is unknown, unless image numbers count from 1
as above), or poses fewer than the video's
frames but more than half of them (no whole-video stride gives that many) spread over it.
Once timed in seconds, a trajectory's ``meta[META_TIMESTAMPS]`` says how (:data:`TIMESTAMPS_SAMPLE_FPS`,
:data:`TIMESTAMPS_VIDEO_DURATION`, :data:`TIMESTAMPS_FITTED`); times that begin after the video's
end (the Unix seconds of TUM RGB-D files) are kept, with a warning that ground truth timed from 0
cannot be paired with them (``start_frame`` times them from the video). It stays ``TIMESTAMPS_FRAME_INDEX``
only while the timestamps are frame indices (no video and no ``sample_fps``).

Poses timed after the video's end (after its duration, which is its last frame's time plus one
frame period; times of the video, from the file, ``sample_fps`` or ``start_frame``) cannot come from
its frames, even within :data:`SPAN_TOLERANCE`: they are left out before scoring, with a warning
naming the file, how many and their times, and counted in the prediction info as
``poses_past_end``; fewer than two poses left is a failure naming the file. A header's duration is
checked against the decoded frames before any pose past it is left out (a header may declare less
than its frames); one that declares more (a container's duration counting a longer audio track) is
not, as no video is decoded for poses that agree with its header: poses up to it are kept.
Absolute times (the first pose after :data:`SPAN_TOLERANCE` times the duration, above) are on
another clock, and are kept.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.geometry.predictor import GeometricOptions, GeometricPredictor
from camerabench.baselines.options import MethodOptions, option
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.trajectory import (
    META_IMAGE_NAMES,
    META_TIMESTAMPS,
    TIMESTAMPS_FRAME_INDEX,
    Trajectory,
    pose_problem,
)
from camerabench.trajectory_formats import (
    FORMATS,
    META_FRAME_NUMBERS,
    candidate_paths,
    colmap_models,
    find_trajectory_file,
    missing_notes,
    read_trajectory,
)
from camerabench.video import VIDEO_EXTENSIONS

__all__ = [
    "ALWAYS_TIMED_FORMATS",
    "SPAN_TOLERANCE",
    "TIMESTAMPS_FITTED",
    "TIMESTAMPS_SAMPLE_FPS",
    "TIMESTAMPS_VIDEO_DURATION",
    "TIMESTAMPS_VIDEO_FRAMES",
    "TrajectoryOptions",
    "TrajectoryPredictor",
]

log = logging.getLogger(__name__)

#: Largest ratio of a trajectory's time span to its video's duration taken as seconds of that
#: video. Poses estimated from a video's frames span at most its duration (ratio <= 1); frame
#: indices written as timestamps give the sampling rate (2 and more), nanoseconds 1e9.
SPAN_TOLERANCE = 1.5

#: Formats whose every pose carries a timestamp (a TUM line's first number), so that
#: ``sample_fps``, which times poses without one, can have no effect: refused with them.
ALWAYS_TIMED_FORMATS = ("tum",)

#: ``meta[META_TIMESTAMPS]`` of poses read with frame indices once they are seconds: frame index
#: divided by ``sample_fps``.
TIMESTAMPS_SAMPLE_FPS = "frame index / sample_fps"
#: ... frames spread evenly over the video's duration.
TIMESTAMPS_VIDEO_DURATION = "frame index spread over the video's duration"
#: ... frame numbers that can only count the video's frames one by one, at their frames' times.
TIMESTAMPS_VIDEO_FRAMES = "frame number at the video's frame times"
#: ... the file's timestamps, which were no seconds of the video, spread over its duration.
TIMESTAMPS_FITTED = "file timestamps spread over the video's duration"


@dataclass(frozen=True)
class TrajectoryOptions(GeometricOptions):
    """Options of ``trajectory``."""

    traj_dir: str | None = option(None, "folder of trajectory files", required=True)
    format: str = option("megasam", "trajectory file format", choices=tuple(FORMATS))
    sample_fps: float | None = option(
        None,
        "frame rate of the poses, for formats without timestamps (default: the poses are spread evenly "
        "over the video's duration; without the video, one per second; 0.001 to 1e6)",
        # a pose every 1000 s at the slowest: below, the timestamps i / sample_fps overflow (i / 1e-320
        # is inf for every pose after the first) long before they could describe a clip. 1e6 at the
        # most: trackers give poses at up to ~10 kHz (motion capture, IMUs); a rate far above the
        # video's is kept up to there because it is scored with a warning that the poses cover a
        # sliver of the video (tests/reliability/test_hostile_trajectories_sweep3.py); 1e300 was accepted
        ge=0.001,
        le=1e6,
    )
    start_frame: int | None = option(
        None,
        "video frame (from 0, of the frames it decodes) of the trajectory's first pose, for an estimate "
        "run on part of the clip whose times or frame numbers start from 0 (default: the first pose is "
        "the video's first frame; needs the video)",
        ge=0,
    )

    def check_fields(self, method: str) -> None:
        """Refuse ``sample_fps`` with a format whose every pose carries its timestamp (``tum``): it
        times poses without timestamps only (:meth:`TrajectoryPredictor._timestamps`), so it can
        have no effect there, and was ignored without a word while run.json recorded it (red team
        R80). Formats whose files may or may not carry timestamps (``megasam``'s optional
        ``timestamps``, COLMAP image names that are seconds) are warned of per run instead."""
        super().check_fields(method)
        if self.sample_fps is not None and self.format in ALWAYS_TIMED_FORMATS:
            raise CameraBenchError(
                f"method {method!r}: option sample_fps ({self.sample_fps:g}) has no effect with format {self.format}: "
                f"every pose of a {self.format} file carries its timestamp, which times it, and sample_fps times "
                "poses without timestamps only; leave sample_fps out"
            )

    def validate(self, method: str) -> None:
        if not Path(str(self.traj_dir)).is_dir():
            raise CameraBenchError(f"{self.traj_dir}: trajectory folder not found")


class TrajectoryPredictor(GeometricPredictor):
    """Scores trajectories that another tool estimated (``--traj-dir``, ``--format``).

    Options: :class:`TrajectoryOptions`.
    """

    name: ClassVar[str] = "trajectory"
    Options: ClassVar[type[MethodOptions]] = TrajectoryOptions

    #: The number of a COLMAP model's first video frame, as decided for the last video
    #: (:func:`_image_numbering`): 1, 0, or None (undecided, or no image numbers).
    _numbered_from: int | None = None
    #: Whether the undecided image numbering was warned of (once per run, not per video).
    _warned_numbering: bool = False
    #: Whether ``sample_fps`` unused on a file with timestamps was warned of (once per run).
    _warned_sample_fps: bool = False

    def check_videos(self, videos: Mapping[str, Path]) -> None:
        """Refuse a ``traj_dir`` holding no trajectory of any of ``videos`` (another dataset's
        folder, or the wrong ``format``): every video would fail with "no trajectory".

        A video's file is looked for as :meth:`estimate` does (by its whole name, then by its
        stem; :func:`~camerabench.trajectory_formats.find_trajectory_file`), stopping at the first
        found: file-name look-ups only.
        """
        if not videos:
            return
        fmt = self.opt("format")
        traj_dir = Path(self.opt("traj_dir"))
        for path in videos.values():
            path = Path(path)
            if find_trajectory_file(traj_dir, path.name, fmt) or find_trajectory_file(traj_dir, path.stem, fmt):
                return
        try:
            entries = sorted(traj_dir.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            raise CameraBenchError(f"{traj_dir}: cannot list the trajectory folder: {exc}") from exc
        stems = sorted({Path(p).stem for p in videos.values()})
        looked = ", ".join(stems[:3]) + (", ..." if len(stems) > 3 else "")
        patterns = ", ".join(p.relative_to(traj_dir).as_posix() for p in candidate_paths(traj_dir, stems[0], fmt))
        # what is there for some video but no trajectory (a link loop, a folder named clip.txt, a
        # COLMAP model without cameras.bin) was listed as if it were one (red team R80)
        notes = list(
            dict.fromkeys(
                note
                for path in sorted(Path(p) for p in videos.values())
                for name in dict.fromkeys((path.name, path.stem))
                for note in missing_notes(traj_dir, name, fmt)
            )
        )
        if notes:
            more = f"; and {len(notes) - 3} more" if len(notes) > 3 else ""
            raise CameraBenchError(
                f"{traj_dir}: no usable {fmt} trajectory of any of the {len(videos)} videos of this dataset: looked "
                f"for the stems {looked} (for {stems[0]}: {patterns}); what is there for them is no trajectory: "
                f"{'; '.join(notes[:3])}{more} (every video would fail with 'no trajectory')"
            )
        folders = sum(p.is_dir() for p in entries)
        held = _count_words(len(entries) - folders, "file") + _count_words(folders, "folder")
        examples = ", ".join(p.name for p in entries[:3])
        found = f"it holds {' and '.join(held)} (e.g. {examples})" if entries else "it is empty"
        raise CameraBenchError(
            f"{traj_dir}: no {fmt} trajectory of any of the {len(videos)} videos of this dataset: looked for the "
            f"stems {looked} (for {stems[0]}: {patterns}), but {found}; is it the trajectory folder of another "
            "dataset, or of another --format? (every video would fail with 'no trajectory')"
        )

    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        fmt = self.opt("format")
        video_path = Path(video_path)
        traj_dir, stem = Path(self.opt("traj_dir")), video_path.stem
        # A file named by the whole video name ("clip.mov.npz") wins; a stem match is used only
        # when no other video beside this one has that stem (clip.mp4 and clip.mov would
        # otherwise share one trajectory).
        path = find_trajectory_file(traj_dir, video_path.name, fmt)
        if path is None:
            twins = sorted(
                p.name
                for p in video_path.parent.glob(f"{glob.escape(stem)}.*")
                if p.name != video_path.name and p.stem == stem and p.suffix.lower() in VIDEO_EXTENSIONS
            )
            if twins:
                by_name = candidate_paths(traj_dir, video_path.name, fmt)[0]
                raise PredictionError(
                    f"{video_path.name} shares the stem {stem!r} with {', '.join(twins)}: name its {fmt} trajectory "
                    f"by the whole video name ({by_name}) so the two are not confused"
                )
            path = find_trajectory_file(traj_dir, stem, fmt)
            key = stem
        else:
            key = video_path.name
        if path is None:
            tried = ", ".join(str(p) for p in candidate_paths(traj_dir, stem, fmt))
            notes = missing_notes(traj_dir, video_path.name, fmt) + missing_notes(traj_dir, stem, fmt)
            why = f" ({'; '.join(dict.fromkeys(notes))})" if notes else ""
            raise PredictionError(f"no {fmt} trajectory for {stem!r}; tried {tried}{why}")
        chosen: dict[str, Any] = {}
        if fmt == "colmap" and path.parent == traj_dir / key / "sparse":
            path, traj, chosen = _pick_colmap_model(path)
        else:
            try:
                traj = read_trajectory(path, fmt)
            except FileFormatError as exc:
                # another candidate of the same name may be this format's file (clip.txt a TUM file
                # beside clip.kitti): name it rather than leave it unseen
                others = [
                    str(p)
                    for p in candidate_paths(traj_dir, key, fmt)
                    if p != path and (p.is_dir() if FORMATS[fmt].folder else p.is_file())
                ]
                patterns = ", ".join(str(p) for p in candidate_paths(traj_dir, key, fmt))
                also = (
                    f" (also there, not read: {', '.join(others)}; --format {fmt} reads the first found of {patterns})"
                    if others
                    else ""
                )
                raise PredictionError(f"{exc}{also}") from exc
        # What is refused is refused before its timing is looked at (a warning about it, the
        # video decoded for it, or the video's timing given as the reason)
        _refuse_unusable(path, traj)
        self._numbered_from = None
        end: float | None = None  # the video's duration, when the poses are timed in its seconds
        file_times = False  # the times are the file's own, as written (no start_frame, not refitted)
        start = self._start(path, video_path)
        if traj.meta.get(META_TIMESTAMPS) == TIMESTAMPS_FRAME_INDEX:
            known = traj.meta.get(META_FRAME_NUMBERS)  # where the frame numbers come from, if the data has them
            numbered_by = (
                "their image names"
                if META_IMAGE_NAMES in traj.meta
                else "their camera/ file names"
                if fmt == "cut3r"
                else f"its {known}"
                if known
                else "the file"
            )
            # numbers a COLMAP model's image names carry (names without one are numbered 0, 1, ...)
            images = META_IMAGE_NAMES in traj.meta and not np.array_equal(traj.timestamps, np.arange(len(traj)))
            seconds, how, end = self._timestamps(
                path,
                video_path,
                traj.timestamps,
                numbered_by,
                start,
                images,
                known=bool(known),
                others_last=chosen.get("colmap_last_number"),
            )
            # The flag says the timestamps are still frame indices: it goes with them (a reader of
            # the flag would take these seconds for frame indices); ``how`` says what they are now.
            meta = {**traj.meta, META_TIMESTAMPS: how} if how is not None else dict(traj.meta)
            traj = Trajectory(traj.cam_c2w, traj.intrinsic, seconds, meta)
        elif len(traj) > 1:
            self._warn_sample_fps_unused(path, fmt)
            span = float(traj.timestamps[-1] - traj.timestamps[0])
            duration = _checked_duration(path, video_path, span, len(traj))
            if duration is not None:
                traj = _fit_to_video(path, traj, duration, start is None)
                if start is None:
                    _warn_absolute_times(path, traj, duration)
                    # absolute times (another clock) are kept whole; others are the video's seconds
                    end = duration if float(traj.timestamps[0]) <= SPAN_TOLERANCE * duration else None
                    file_times = traj.meta.get(META_TIMESTAMPS) != TIMESTAMPS_FITTED
            if start is not None:
                shifted = traj.timestamps - traj.timestamps[0] + start[0]
                _check_end(path, video_path, shifted, start)
                traj = Trajectory(traj.cam_c2w, traj.intrinsic, shifted, dict(traj.meta))
                end = start[1]
        traj, past_end = _leave_out_past_end(path, video_path, traj, end, file_times)
        _refuse_unusable(path, traj)  # the timestamps again, as they are now in seconds of the video
        info: dict[str, Any] = {"trajectory_file": str(path), "format": fmt}
        if past_end:
            info["poses_past_end"] = past_end
        if start is not None:
            info["start_frame"] = int(self.opt("start_frame"))
        if self._numbered_from is not None:
            info["image_numbers_from"] = self._numbered_from
        info.update(chosen)
        return traj, info

    def _start(self, path: Path, video_path: Path) -> tuple[float, float, int] | None:
        """``(seconds of start_frame in the video, video duration, frames it decodes)``, or None
        without ``start_frame``."""
        frame = self.opt("start_frame")
        if frame is None:
            return None
        if not video_path.is_file():
            raise PredictionError(
                f"{path}: start_frame {frame} is a frame of the video, but {video_path} is not there to time it"
            )
        duration, num_frames, _ = _video_duration(video_path)
        if frame >= num_frames:
            raise PredictionError(
                f"{path}: start_frame {frame} is past the video's last frame ({video_path.name} decodes "
                f"{num_frames} frames, 0 to {num_frames - 1})"
            )
        return frame * duration / num_frames, duration, num_frames

    def _warn_sample_fps_unused(self, path: Path, fmt: str) -> None:
        """Warn, once a run, that ``sample_fps`` is not used for ``path``, whose poses carry
        timestamps (a ``megasam`` file with ``timestamps``, COLMAP image names that are seconds):
        it times poses without them only, and was ignored without a word (red team R80)."""
        fps = self.opt("sample_fps")
        if fps is None or self._warned_sample_fps:
            return
        self._warned_sample_fps = True
        log.warning(
            "%s: option sample_fps (%g) is not used: these %s poses carry their own timestamps, which time them "
            "(sample_fps times poses without timestamps only). Said once, for the first such file.",
            path,
            fps,
            fmt,
        )

    def _warn_numbering(self, path: Path, frames: NDArray[np.float64], timed: str) -> None:
        """Warn, once a run, that image numbers whose first frame is undecided
        (:func:`_image_numbering`) are taken as counting from 0."""
        if self._warned_numbering:
            return
        self._warned_numbering = True
        first = frames[0]
        log.warning(
            "%s: image numbers %g to %g are taken as counting the video's frames from 0 (image k %s); nothing "
            "decides it (no image 0, and the last image is not the video's last frame counted from 1). Frames "
            "extracted by ffmpeg's default %%06d names count from 1: then every pose is timed one frame late; "
            "if so, give start_frame, the video's frame (from 0) of image %g: %g when every frame was extracted. "
            "(Said once, for the first such video.)",
            path,
            first,
            frames[-1],
            timed,
            first,
            first - 1,
        )

    def _timestamps(
        self,
        path: Path,
        video_path: Path,
        frames: NDArray[np.float64],
        numbered_by: str = "the file",
        start: tuple[float, float, int] | None = None,
        images: bool = False,
        known: bool = False,
        others_last: float | None = None,
    ) -> tuple[NDArray[np.float64], str | None, float | None]:
        """Seconds for poses at frame indices ``frames`` (0, 1, 2, ... or a COLMAP model's frame
        numbers, which keep the gaps of frames it did not register), and how they were made (the
        new ``meta[META_TIMESTAMPS]``): :data:`TIMESTAMPS_SAMPLE_FPS` or
        :data:`TIMESTAMPS_VIDEO_DURATION`; None when there is neither video nor ``sample_fps`` and
        the frame indices are kept (they stay flagged :data:`TIMESTAMPS_FRAME_INDEX`); and the
        video's duration those seconds are of, when known (None: no video, or its timing unusable).

        ``start`` (:meth:`_start`): the first pose is at its seconds, the others follow at
        ``sample_fps`` or spread over the rest of the video.

        ``images``: the numbers are those of a COLMAP model's image names, which count the video's
        frames from 0 or from 1 (:func:`_image_numbering`); ``start`` makes that moot (the first
        pose is at its frame whatever its number).

        ``known``: the numbers are the data's (``META_FRAME_NUMBERS``: image names, CUT3R camera
        file names, DROID-SLAM tstamps), not 0, 1, 2, ... given to poses without them. Where they
        can only count the video's frames one by one (:func:`_stride_one`), frame ``k`` is the
        video's frame ``k``, at ``k * duration / frames`` s; otherwise they are spread over the
        video, with a warning saying so (:func:`_warn_spread`). ``others_last``: the largest number
        of the other models COLMAP wrote of the video (:func:`_pick_colmap_model`): they number the
        same extracted frames, so they count for that test too (red team R57: a model of frames
        0-44 beside one of 55-84, of a 100-frame clip, was spread over the whole clip)."""
        n = len(frames)
        numbered = not np.array_equal(frames, np.arange(n))
        what = (
            f"{n} poses (frame numbers {frames[0]:g} to {frames[-1]:g} in {numbered_by})" if numbered else f"{n} poses"
        )
        fps = self.opt("sample_fps")
        if fps is not None and start is not None:
            ts = start[0] + (frames - frames[0]) / float(fps)
            _check_end(path, video_path, ts, start)
            return ts, TIMESTAMPS_SAMPLE_FPS, start[1]
        if fps is not None:
            ts = frames / float(fps)
            duration = _checked_duration(path, video_path, float(ts[-1] - ts[0]), n) if n > 1 else None
            if images:
                # Counted from 0, image k is at k / sample_fps, before the video's end: a last
                # number at or past duration x sample_fps is impossible so (the sampled frames'
                # count, which rounding at the end makes one more or less, would not do: images
                # 0-50 of a 10.06 s clip at 5 fps, image 0 unregistered, end at its 50.3)
                self._numbered_from = _image_numbering(frames, None)
                if self._numbered_from is None and duration is not None and frames[-1] >= duration * float(fps):
                    self._numbered_from = 1
                if self._numbered_from == 1:
                    log.info(
                        "%s: image numbers %g to %g count from 1 (counted from 0, image %g would be at %.4g s, at or "
                        "past the end of %s, %.4g s, at sample_fps %g): image k is timed at (k - 1) / sample_fps",
                        path,
                        frames[0],
                        frames[-1],
                        frames[-1],
                        frames[-1] / float(fps),
                        video_path.name,
                        duration,
                        fps,
                    )
                    ts = (frames - 1.0) / float(fps)
                elif self._numbered_from is None:
                    self._warn_numbering(path, frames, f"at k / sample_fps ({fps:g})")
            if duration is not None and ts[-1] > SPAN_TOLERANCE * duration:
                raise PredictionError(
                    f"{path}: {what} at sample_fps {fps:g} span {ts[-1]:.3g} s but {video_path.name} lasts "
                    f"{duration:.3g} s: is sample_fps the rate of these poses, and the file this video's?"
                )
            if duration is not None and not _agrees(float(ts[-1] - ts[0]), duration, n):
                log.warning(
                    "%s: %s at sample_fps %g span %.4g s of the %.4g s video: the scores describe that part only; "
                    "pairing assumes the first pose is at %.4g s of the video (give start_frame if the estimate "
                    "began at another frame)",
                    path,
                    what,
                    fps,
                    ts[-1] - ts[0],
                    duration,
                    ts[0],
                )
            return ts, TIMESTAMPS_SAMPLE_FPS, duration
        # Evenly spaced frames from the first to the last one numbered, covering the video
        # (0, 1, ..., n - 1 -> arange(n) * duration / n).
        steps = frames - frames[0]
        if start is not None:  # the poses cover the video from start_frame to its end
            offset, duration, num_frames = start
            left = num_frames - round(offset * num_frames / duration)
            if not (steps[-1] + 1 == left and np.array_equal(steps, np.arange(n))):
                _warn_spread(path, video_path, what, frames, left, duration - offset, "from start_frame to its end")
            if steps[-1] + 1 > SPAN_TOLERANCE * left:
                log.warning(
                    "%s: %s cover %d frames but %s decodes %d from start_frame on: spreading them over its last "
                    "%.4g s; give sample_fps, the rate of the poses, if that is wrong",
                    path,
                    what,
                    int(steps[-1]) + 1,
                    video_path.name,
                    left,
                    duration - offset,
                )
            return offset + steps * ((duration - offset) / (steps[-1] + 1)), TIMESTAMPS_VIDEO_DURATION, duration
        if video_path.is_file():
            duration, num_frames, frame_times = _video_duration(video_path)
            if images:
                self._numbered_from = _image_numbering(frames, num_frames)
            if self._numbered_from == 1:  # image k is the video's frame k - 1, of num_frames
                log.info(
                    "%s: image numbers %g to %g count from 1 (image %g is past the last of the %d frames %s decodes "
                    "counted from 0): image k is timed as its frame k - 1",
                    path,
                    frames[0],
                    frames[-1],
                    frames[-1],
                    num_frames,
                    video_path.name,
                )
                return _at_frames(frames - 1.0, frame_times, duration), TIMESTAMPS_VIDEO_DURATION, duration
            # undecided image numbers (no image 0) may count from 1: the stride test takes the lower count
            last = max(float(frames[-1]), float(others_last)) if others_last is not None else float(frames[-1])
            lowest = last - (1 if images and self._numbered_from is None else 0)
            if known and _stride_one(lowest, num_frames) and frames[-1] <= num_frames - 1:
                if images and self._numbered_from is None:
                    self._warn_numbering(path, frames, "at the video's frame k")
                # numbers stopping short of the last frame: the tail unregistered, or frames extracted at
                # another rate than the video's (ffmpeg -r 15 of a 25 fps clip: 60 images of 100 frames),
                # which only sample_fps tells apart
                short = frames[-1] < num_frames - 1
                (log.warning if short else log.info)(
                    "%s: %s: frame number %g x 2 is past the last of the %d frames %s decodes, so the numbers count "
                    "its frames one by one: frame k is timed at its frame k"
                    + (
                        " (if the frames were extracted at another rate than the video's, ffmpeg -r, give "
                        "sample_fps, that rate)"
                        if short
                        else ""
                    ),
                    path,
                    what,
                    frames[-1],
                    num_frames,
                    video_path.name,
                )
                return _at_frames(frames, frame_times, duration), TIMESTAMPS_VIDEO_FRAMES, duration
            if frames[0] == 0 and steps[-1] + 1 == num_frames and np.array_equal(steps, np.arange(n)):
                # one pose per decoded frame: at the frames' own times (a variable frame rate's too: evenly
                # spread, KITTI poses of a clip alternating 160 and 40 ms frames were off by up to 60 ms, R71)
                return _at_frames(frames, frame_times, duration), TIMESTAMPS_VIDEO_FRAMES, duration
            _warn_spread(path, video_path, what, frames, num_frames, duration, "over the whole video", known)
            if steps[-1] + 1 > SPAN_TOLERANCE * num_frames:  # poses can be no more than the frames
                log.warning(
                    "%s: %s cover %d frames but %s decodes %d: the trajectory of a longer video, or of frames "
                    "extracted at a higher rate than the video's? Spreading them over its %.4g s; give sample_fps, "
                    "the rate of the poses, if that is wrong",
                    path,
                    what,
                    int(steps[-1]) + 1,
                    video_path.name,
                    num_frames,
                    duration,
                )
            return steps * (duration / (steps[-1] + 1)), TIMESTAMPS_VIDEO_DURATION, duration
        log.warning("%s: no video and no sample_fps: pose timestamps are frame indices", video_path)
        return steps, None, None


def _pick_colmap_model(path: Path) -> tuple[Path, Trajectory, dict[str, Any]]:
    """The model to score among those COLMAP's mapper wrote beside ``path`` (``<stem>/sparse/N``),
    read, and what the prediction info records of the choice (nothing for a lone model).

    The mapper writes a model per part of the video it could not join to the others: their poses
    are in unrelated frames and scales, so one is scored, not their union. It is the one that
    registers the most images (the lowest number among equals): the longest stretch of the video
    with poses. Which one, and the others with their image counts (or why they cannot be read),
    is said in a warning and recorded as ``colmap_model`` / ``colmap_models``; numbered folders
    holding no model are named too. The frames only other models register have no pose here
    (a gap, or a part of the video left out: the warnings on timing say which).

    Raises:
        PredictionError: no model there can be read (each one's reason named).
    """
    sparse = path.parent
    models = colmap_models(sparse)
    empty = sorted(
        (p.name for p in sparse.iterdir() if p.name.isdigit() and p.is_dir() and p not in models),
        key=lambda n: (int(n), n),
    )
    if len(models) <= 1 and not empty:
        try:
            return path, read_trajectory(path, "colmap"), {}
        except FileFormatError as exc:
            raise PredictionError(str(exc)) from exc
    read: dict[str, Trajectory] = {}
    unreadable: dict[str, str] = {}
    for model in models:
        try:
            read[model.name] = read_trajectory(model, "colmap")
        except FileFormatError as exc:
            unreadable[model.name] = str(exc)
    if not read:
        raise PredictionError(
            f"{sparse}: none of its {len(models)} COLMAP model(s) can be read: " + "; ".join(unreadable.values())
        )
    name = max(read, key=lambda n: (len(read[n]), -int(n)))
    counts = {n: len(t) for n, t in read.items()}
    if len(models) > 1:
        held = ", ".join(f"{n} ({c} images)" for n, c in counts.items())
        bad = "".join(f"; {n} cannot be read: {why}" for n, why in unreadable.items())
        log.warning(
            "%s: COLMAP wrote %d models of this video, %s%s: scoring %s, which registers the most images; the frames "
            "only the others register have no pose in it (the mapper could not join them into one model). To score "
            "another, give a trajectory folder where it is %s/sparse/0 alone",
            sparse,
            len(models),
            held,
            bad,
            sparse / name,
            sparse.parent.name,
        )
    if empty:
        log.warning(
            "%s: %s hold(s) no COLMAP model (no cameras.bin or cameras.txt): scoring %s",
            sparse,
            ", ".join(empty),
            sparse / name,
        )
    info: dict[str, Any] = {"colmap_model": str(sparse / name), "colmap_models": counts}
    numbered = [t for t in read.values() if t.meta.get(META_FRAME_NUMBERS)]
    if numbered:  # every model numbers the same extracted frames (their image names): see _timestamps
        info["colmap_last_number"] = max(float(t.timestamps[-1]) for t in numbered)
    if unreadable:
        info["colmap_models_unreadable"] = unreadable
    if empty:
        info["colmap_folders_without_model"] = empty
    return sparse / name, read[name], info


def _image_numbering(frames: NDArray[np.float64], num_frames: int | None) -> int | None:
    """The number of the video's first frame in a COLMAP model's image names (``frames``, the
    registered images' numbers, increasing), where the facts decide it, else None.

    0 when an image is numbered 0. 1 when none is and the last number is ``num_frames``, the
    frames the video decodes: counted from 0 that image would be past the video's last frame;
    ffmpeg's ``%06d`` names count from 1. Otherwise (no video, or the last frames not registered)
    undecided. (With ``sample_fps`` the caller decides by the last image's time instead.)"""
    if frames[0] == 0:
        return 0
    if num_frames is not None and frames[0] >= 1 and frames[-1] == num_frames:
        return 1
    return None


def _stride_one(last: float, num_frames: int) -> bool:
    """Whether frame numbers whose last is ``last`` can only count a video of ``num_frames``
    frames one by one, not every 2nd frame or sparser.

    Numbers count the frames a tool was given from the video's first (the module docstring); at a
    stride of ``s`` frames, number ``k`` is the video's frame ``s * k``, which is at most its last,
    ``num_frames - 1``. So ``2 * last > num_frames - 1`` rules out every stride of 2 and more:
    DROID-SLAM keyframes 0-20 of a 25-frame clip, COLMAP images 8-24. (Frames extracted at a rate
    other than a whole fraction of the video's, ``ffmpeg -r``, are no stride: sample_fps times
    those.) Numbers that run past the last frame are no stride either (the caller warns of those).
    """
    return 2 * float(last) > num_frames - 1


def _warn_spread(
    path: Path,
    video_path: Path,
    what: str,
    frames: NDArray[np.float64],
    num_frames: int,
    duration: float,
    where: str,
    known: bool = False,
) -> None:
    """Warn (every time: the scores rest on it) that poses are spread evenly ``where`` (over the
    whole video, or from start_frame to its end) by assumption: the first pose taken as the first
    frame there and the last numbered frame put at its last frame, so that one number is
    ``duration / (last - first + 1)`` s; and how to say otherwise (``sample_fps``,
    ``start_frame``). Where the file hints at another start (a first frame number above 1,
    or more than half the video's frames but fewer than all of them) the warning says so."""
    steps = frames - frames[0]
    counted = int(steps[-1]) + 1
    per = num_frames / counted
    hints = []
    if frames[0] > 1:
        hints.append(
            f"the first numbered frame, {frames[0]:g}, is taken as the video's first (the rate the numbers count at "
            f"is unknown); if frame {frames[0]:g} is the video's frame {frames[0]:g}, give start_frame {frames[0]:g}"
        )
    if known and not _stride_one(frames[-1], num_frames) and counted < num_frames:
        hints.append(
            f"frame numbers up to {frames[-1]:g} may count every 2nd or a sparser frame of its {num_frames}, or its "
            f"first {frames[-1]:g} frames one by one: nothing says which"
        )
    elif num_frames / 2 < counted < num_frames:
        hints.append(
            "fewer poses than frames but more than half of them: no whole stride gives that many, so an estimate of "
            "part of it (from a later frame on) is then paired with the wrong frames: give start_frame (and "
            "sample_fps) if so"
        )
    log.warning(
        "%s: %s spread evenly %s of %s (%d frames, %.4g s), taking the first pose as its first frame and the last "
        "numbered frame as its last: one number is %.3g of its frames, an assumption nothing in the file makes%s. "
        "Give sample_fps (the rate the poses or their numbers count at: frame k at k / sample_fps s) and/or "
        "start_frame (the video frame, from 0, of the first pose) if that is wrong",
        path,
        what,
        where,
        video_path.name,
        num_frames,
        duration,
        per,
        "".join(f"; {h}" for h in hints),
    )


def _check_end(path: Path, video_path: Path, ts: NDArray[np.float64], start: tuple[float, float, int]) -> None:
    """Refuse poses timed from ``start_frame`` that run past the video's end (:data:`SPAN_TOLERANCE`)."""
    duration = start[1]
    if float(ts[-1]) > SPAN_TOLERANCE * duration:
        raise PredictionError(
            f"{path}: {len(ts)} poses from start_frame (at {float(ts[0]):.4g} s) run to {float(ts[-1]):.4g} s but "
            f"{video_path.name} lasts {duration:.4g} s: is start_frame (or sample_fps) right, and the file this "
            "video's?"
        )


#: Relative slack on a video's duration for poses timed at its very end (float rounding of
#: ``k / sample_fps`` and of durations): no pose is left out for being 1e-9 of it late.
END_SLACK = 1e-9


def _leave_out_past_end(
    path: Path, video_path: Path, traj: Trajectory, end: float | None, file_times: bool = False
) -> tuple[Trajectory, int]:
    """``traj`` without the poses timed after ``end``, the video's duration (its last frame's time
    plus one frame period: no frame of the video is later), and how many were left out (see the
    module docstring). ``end`` None: the poses are not timed in the video's seconds (no video, its
    timing unusable, or absolute times), and all are kept.

    A header's duration can be short of the frames' (``_checked_duration`` takes it when the span
    agrees with it), so poses past it are checked against the decoded frames' before any is
    left out.

    ``file_times``: the times are the file's own. The package times a video from its first frame
    shown; a file may time its poses by the container's clock, on which that frame is at
    ``notes["start_time_s"]`` (a ``.ts`` remux, frames lost at the start of a damaged file). Poses
    that run past the end, whose first is within a frame of that start and which all fit the video
    once it is taken off, are on that clock: they are shifted onto the video's, with a warning,
    instead of losing their tail (red team R71: 19 of 55 poses of a ``.ts`` clip starting at
    0.667 s were left out).

    Raises:
        PredictionError: fewer than two poses are left (the message names the file and the times).
    """
    from camerabench.errors import VideoError
    from camerabench.video import probe_video

    ts = traj.timestamps
    if end is None or len(traj) < 2 or float(ts[-1]) <= end * (1 + END_SLACK):
        return traj, 0
    try:
        probed = probe_video(video_path)
    except VideoError as exc:
        log.warning("%s: %s: frames not decoded (%s): its duration is taken as %.4g s", path, video_path, exc, end)
    else:
        if "time_base_s" not in probed.notes and probed.num_frames >= 2:
            end = max(end, float(probed.duration_s))
            origin = float(probed.notes.get("start_time_s", 0.0))
            period = 1.0 / probed.fps if probed.fps > 0 else 0.0
            if (
                file_times
                and origin > 0
                and float(ts[-1]) > end * (1 + END_SLACK)
                and abs(float(ts[0]) - origin) <= period
                and float(ts[-1]) - origin <= end * (1 + END_SLACK)
            ):
                log.warning(
                    "%s: the poses run from %.4g to %.4g s, past the end of %s (%.4g s), and start at its first "
                    "frame's time on the container's clock (%.4g s; the package times a video from that frame): "
                    "taken as that clock's and moved %.4g s earlier (give start_frame if they start at a later frame)",
                    path,
                    float(ts[0]),
                    float(ts[-1]),
                    video_path.name,
                    end,
                    origin,
                    origin,
                )
                return Trajectory(traj.cam_c2w, traj.intrinsic, ts - origin, dict(traj.meta)), 0
    keep = int(np.count_nonzero(ts <= end * (1 + END_SLACK)))
    past = len(traj) - keep
    if past == 0:
        return traj, 0
    times = f"{float(ts[keep]):.4g} to {float(ts[-1]):.4g} s" if past > 1 else f"{float(ts[keep]):.4g} s"
    if keep < 2:
        raise PredictionError(
            f"{path}: {past} of {len(traj)} poses are timed after the end of {video_path.name} ({end:.4g} s; poses "
            f"at {times}), leaving {keep}: poses from this video's frames end with it. Is the file this video's, "
            "and its times seconds of it? (start_frame times the poses from a frame of the video)"
        )
    log.warning(
        "%s: %d of %d poses are timed after the end of %s (%.4g s), at %s: no frame of the video is there, so they "
        "are left out of the scores (poses_past_end in the prediction info)",
        path,
        past,
        len(traj),
        video_path.name,
        end,
        times,
    )
    meta = dict(traj.meta)
    names = meta.get(META_IMAGE_NAMES)
    if isinstance(names, list) and len(names) == len(traj):
        meta[META_IMAGE_NAMES] = names[:keep]
    k = None if traj.intrinsic is None else traj.intrinsic[:keep]
    return Trajectory(traj.cam_c2w[:keep], k, ts[:keep], meta), past


def _refuse_unusable(path: Path, traj: Trajectory) -> None:
    """Refuse a trajectory of ``path`` that is no usable camera path
    (:func:`~camerabench.trajectory.pose_problem`) or has a single pose: one pose shows no motion
    at all, which is not a still camera."""
    problem = pose_problem(traj, min_poses=2)
    if problem is not None:
        raise PredictionError(f"{path}: {problem}")


def _count_words(n: int, noun: str) -> list[str]:
    """``["3 files"]``, ``["1 folder"]``, or ``[]`` for none."""
    return [f"{n} {noun}{'s' if n != 1 else ''}"] if n else []


def _agrees(span: float, duration: float, n: int) -> bool:
    """Whether ``n`` poses spanning ``span`` seconds are taken as covering a ``duration`` s video
    (no warning, no refitting; see :func:`_fit_to_video`)."""
    return 0.5 * duration * (n - 1) / n <= span <= SPAN_TOLERANCE * duration


def _checked_duration(path: Path, video_path: Path, span: float, n: int) -> float | None:
    """The video's duration, to check ``n`` poses spanning ``span`` s against.

    The header's when the span agrees with it: no decoding, a trajectory is scored without
    reading its video. Otherwise, or when the header declares none, the decoded frames'
    (:func:`~camerabench.video.probe_video`): a header can be wrong (frames that all carry
    timestamp 0 declare one frame's duration), and poses must not be refitted into it. None,
    with a warning, when the video is not there, cannot be read or holds no usable frame
    timing: the poses are then scored unchecked.
    """
    from camerabench.errors import VideoError
    from camerabench.video import declared_duration, probe_video

    if not video_path.is_file():
        return None
    try:
        declared = declared_duration(video_path)
    except VideoError as exc:
        log.warning("%s: time span not checked against the video: %s", path, exc)
        return None
    if declared is not None and _agrees(span, declared, n):
        return declared
    try:
        info = probe_video(video_path)
    except VideoError as exc:
        what = "its header's duration only" if declared is not None else "nothing: the video declares no duration"
        log.warning("%s: time span checked against %s: %s", path, what, exc)
        return declared
    if "time_base_s" in info.notes:
        log.warning("%s: time span not checked: %s holds no usable frame timing", path, video_path)
        return None
    if info.num_frames < 2:  # its duration is one frame's: poses refitted into it would move at any speed
        log.warning(
            "%s: time span not checked: %s decodes %d frame, which times no motion", path, video_path, info.num_frames
        )
        return None
    decoded = float(info.duration_s)
    if declared is not None and not declared / SPAN_TOLERANCE <= decoded <= declared * SPAN_TOLERANCE:
        log.warning(
            "%s: its header declares %.4g s but its %d frames decode to %.4g s: checking the poses against the "
            "decoded frames",
            video_path,
            declared,
            info.num_frames,
            decoded,
        )
    return decoded


def _at_frames(frames: NDArray[np.float64], frame_times: NDArray[np.float64], duration: float) -> NDArray[np.float64]:
    """Seconds of the video's frames numbered ``frames`` (whole numbers within its frames): their
    decoded times (:attr:`~camerabench.video.VideoInfo.timestamps`), which a variable frame rate
    spaces unevenly; ``k * duration / frames`` where a number is not a whole frame of it."""
    whole = np.round(frames)
    if np.array_equal(whole, frames) and whole.min() >= 0 and whole.max() < len(frame_times):
        return np.asarray(frame_times[whole.astype(np.int64)], dtype=np.float64)
    return np.asarray(frames * (duration / len(frame_times)), dtype=np.float64)


def _video_duration(video_path: Path) -> tuple[float, int, NDArray[np.float64]]:
    """The duration (s) of the video, the number of frames it decodes and their times (s from the first)."""
    from camerabench.video import probe_video

    info = probe_video(video_path)
    if "time_base_s" in info.notes:
        raise PredictionError(
            f"{video_path}: its frames share timestamps and its frame rate ({info.fps:.3g} fps) is finer than the "
            f"container's time base ({info.notes['time_base_s']:.3g} s): the video holds no usable timing for "
            "poses without timestamps; give sample_fps, the rate of the poses"
        )
    if info.num_frames < 2:
        raise PredictionError(
            f"{video_path}: the video decodes {info.num_frames} frame: its duration ({info.duration_s:.3g} s) is one "
            "frame's and times no motion; give sample_fps, the rate of the poses"
        )
    duration = float(info.duration_s)
    if not (np.isfinite(duration) and duration > 0):
        raise PredictionError(f"{video_path}: duration {duration:g} s is not positive: cannot time the poses")
    if info.timestamps is not None and len(info.timestamps) == info.num_frames:
        return duration, int(info.num_frames), np.asarray(info.timestamps, dtype=np.float64)
    # a VideoInfo probe_video did not make (no frame times): evenly spaced
    return duration, int(info.num_frames), np.arange(info.num_frames, dtype=np.float64) * (duration / info.num_frames)


def _warn_absolute_times(path: Path, traj: Trajectory, duration: float) -> None:
    """Warn when ``traj``'s first pose comes after the video's end (:data:`SPAN_TOLERANCE` times its
    ``duration``): absolute times, as the TUM RGB-D benchmark's files (Unix seconds, 1.3e9) and ROS
    bags write them. The scores take the first pose as the video's first frame (the module
    docstring); the trajectory keeps its times, so its trajectory error needs ground truth on the
    same clock (TUM RGB-D's is), and ground truth timed from 0 refuses it (``evaluate`` names the
    absolute times). No offset is guessed: ``start_frame`` times the poses from a frame of the video."""
    start = float(traj.timestamps[0])
    if start > SPAN_TOLERANCE * duration:
        log.warning(
            "%s: the first pose is at %.6g s, after the end of the %.4g s video (absolute times, e.g. Unix seconds): "
            "the scores take it as the video's first frame, and the trajectory keeps these times, so ground truth "
            "timed from 0 cannot be paired with it; give start_frame (0: the video's first frame) to time the poses "
            "from the video",
            path,
            start,
            duration,
        )


def _fit_to_video(path: Path, traj: Trajectory, duration: float, from_first_frame: bool = True) -> Trajectory:
    """``traj`` with timestamps in seconds of a video of ``duration`` (see the module docstring).

    ``from_first_frame``: no ``start_frame`` was given (the partial-span warning says what the
    pairing then assumes)."""
    ts = traj.timestamps
    span = float(ts[-1] - ts[0])
    n = len(traj)
    if span > SPAN_TOLERANCE * duration:
        log.warning(
            "%s: timestamps span %.4g but the video lasts %.4g s: not seconds of this video (frame indices? "
            "nanoseconds?); spreading the poses over the video keeping their relative spacing",
            path,
            span,
            duration,
        )
        # For evenly spaced poses this is what formats without timestamps get (arange(n) * duration / n).
        fitted = (ts - ts[0]) * (duration * (n - 1) / n / span)
        return Trajectory(traj.cam_c2w, traj.intrinsic, fitted, {**traj.meta, META_TIMESTAMPS: TIMESTAMPS_FITTED})
    if span < 0.5 * duration * (n - 1) / n:
        assumed = (
            f"; pairing assumes the first pose is at {float(ts[0]):.4g} s of the video (give start_frame if the "
            "estimate began at another frame but its times start from 0)"
            if from_first_frame
            else ""
        )
        log.warning(
            "%s: timestamps span %.4g s of the %.4g s video: the scores describe that part only%s",
            path,
            span,
            duration,
            assumed,
        )
    return traj
