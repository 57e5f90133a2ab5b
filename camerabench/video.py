"""Video decoding with per-frame timestamps, sampling, resizing, and H.264 encoding (PyAV).

Decoding streams: frames are decoded one at a time and only the sampled ones are kept (resized
as they are chosen), so memory follows the sampled frames, not the length of the video. The
decoder runs its frame and slice threads, and only the kept frames are converted from the
codec's YUV to RGB, by libswscale straight at the target size (``benchmarks/bench_speed.py``
measures what that costs against decoding alone); HDR frames (PQ, HLG) are tone-mapped to SDR
BT.709 in the same call (:class:`VideoClip` ``notes``). Frames are turned upright as a player shows
them (the display matrix a phone writes, or an old-style ``rotate`` tag), and a file that decodes
fewer frames than its container declares is flagged (a warning and :attr:`VideoClip.notes`,
which the methods pass on to run.json).

Example:
    >>> import numpy as np, tempfile, os
    >>> frames = np.zeros((10, 32, 48, 3), dtype=np.uint8)
    >>> path = os.path.join(tempfile.mkdtemp(), "x.mp4")
    >>> write_video(path, frames, fps=10)
    >>> clip = read_video(path, max_side=24)
    >>> clip.frames.shape, clip.timestamps[1].round(3), clip.notes
    ((10, 16, 24, 3), np.float64(0.1), {})
"""

from __future__ import annotations

import contextvars
import errno
import itertools
import logging
import math
import numbers
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np
from av.sidedata.sidedata import Type as SideDataType
from av.video.reformatter import ColorPrimaries, ColorTrc, VideoReformatter
from numpy.typing import NDArray

from camerabench.errors import VideoError
from camerabench.fileio import atomic_open, stand_in

__all__ = [
    "VIDEO_EXTENSIONS",
    "VideoClip",
    "VideoInfo",
    "check_video",
    "declared_duration",
    "declared_size",
    "probe_video",
    "read_video",
    "resize_frames",
    "resized_size",
    "sample_indices",
    "write_video",
]

log = logging.getLogger(__name__)

#: The warnings already given during the current :func:`read_video` call (None outside one): a
#: reading that falls back to another pass (timestamps that go backwards or repeat, a sampling
#: that cannot skip frames) meets the first frame again, and its sample aspect ratio, interlace,
#: display matrix and resize warnings were logged twice or three times for one file.
_SAID: contextvars.ContextVar[set[tuple[Any, ...]] | None] = contextvars.ContextVar("_SAID", default=None)


#: :func:`read_video`'s ``on_frame`` during the call (None outside one, or when not given).
_ON_FRAME: contextvars.ContextVar[Callable[[NDArray[np.uint8]], None] | None] = contextvars.ContextVar(
    "_ON_FRAME", default=None
)


def _warn_once(msg: str, *args: Any) -> None:
    """``log.warning(msg, *args)``, unless the same warning was given earlier in this :func:`read_video` call."""
    said = _SAID.get()
    if said is not None:
        key = (msg, *args)
        if key in said:
            return
        said.add(key)
    log.warning(msg, *args)


#: File extensions (lower case) of the video containers people keep clips in; used to tell a
#: video from other files beside it (trajectories, subtitles, thumbnails).
#: Besides the web's containers: MXF (broadcast and professional cameras), M2TS (Blu-ray, AVCHD),
#: VOB (DVD), Ogg video and MOD (tape-less camcorders); red team R119 found them left out of a
#: dataset folder as "without a video extension" though they read and score as their controls.
VIDEO_EXTENSIONS = frozenset(
    {
        *(".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".wmv"),
        *(".flv", ".3gp", ".gif", ".mxf", ".vob", ".ogv", ".mod"),
    }
)

#: A display matrix within this many degrees of a multiple of 90 is taken as that multiple.
_ANGLE_TOLERANCE_DEG = 1.0

#: At most this much memory is reserved up front for the kept frames of one video.
_RESERVE_BYTES = 1 << 30


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe_video` measures by decoding the whole file.

    Attributes:
        path: the file.
        num_frames: the frames that decode (not the count the header declares).
        fps: as :attr:`VideoClip.native_fps`: the container's average frame rate; without one,
            the rate of the frame times (first to last) or, for one frame, the codec's declared
            rate; with timestamp gaps that pulled it off the frames' median interval, the rate of
            the frames apart from the gaps; when it clearly disagrees with frames that have no
            gap, the frames' rate (``notes["declared_fps"]``). A stream that gives none is a
            :class:`VideoError`, never a made-up rate.
        width: frame width as displayed (upright, square pixels).
        height: frame height as displayed.
        duration_s: from the first frame's time to the last one's, plus one frame interval
            (``1 / fps``, the last frame's display time): a one-frame video lasts ``1 / fps``.
            A gap in a damaged file's timestamps is part of it (``notes["timestamp_gaps"]``):
            ``num_frames`` frames can span far more than ``num_frames / fps``, so count the
            frames a sampling keeps from :attr:`timestamps`, not from the duration.
        notes: what :attr:`VideoClip.notes` says about the whole file (frames missing,
            timestamps repeated or going backwards, gaps, ...).
        timestamps: (num_frames,) the frames' presentation times in seconds, increasing, as
            :func:`read_video` samples from them (``len(sample_indices(info.timestamps,
            fps=2.0))`` frames are kept at 2 fps). Seconds from the first frame shown, which is at
            0, as :attr:`VideoClip.timestamps` (the container's time of that frame is
            ``notes["start_time_s"]`` when not 0). Frames whose timestamps are repeated are timed
            by the stream's rate (``notes["timestamps_repeated"]``), as are frames without
            timestamps (``notes["timestamps_missing"]``). Read-only; None only for a VideoInfo
            not made by :func:`probe_video`.
        transfer: the first frame's transfer characteristic, by FFmpeg's name: ``"bt709"`` (SDR;
            also ``"smpte170m"``, ``"bt2020-10"``), ``"smpte2084"`` (PQ), ``"arib-std-b67"``
            (HLG), ``"unspecified"`` (the file says none: read as BT.709). None only for a
            VideoInfo not made by :func:`probe_video`.
        primaries: the first frame's colour primaries, by FFmpeg's name (``"bt709"``,
            ``"bt2020"``, ``"unspecified"``, ...); None as for ``transfer``.
    """

    path: Path
    num_frames: int
    fps: float
    width: int
    height: int
    duration_s: float
    notes: dict[str, Any] = field(default_factory=dict)
    timestamps: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    transfer: str | None = None
    primaries: str | None = None


@dataclass(frozen=True)
class VideoClip:
    """Decoded frames of one video.

    Attributes:
        frames: (N, H, W, 3) uint8 RGB, upright as displayed.
        timestamps: (N,) presentation time of each frame in seconds from the first frame shown
            (frame 0 of the decoded stream is at 0 s, whichever frames are sampled), the time
            convention of the whole package: labels, the synthetic ground truth, the trajectory
            importers and the VLM's patch times count from the first frame too. Containers start
            their clocks elsewhere (a ``.ts`` remux at the B-frame delay, an MP4 without an edit
            list, ``-itsoffset``, an edit list before 0), and trajectories timed by their clock
            were paired with the wrong ground-truth frames; the container's time of the first
            frame is kept in ``notes["start_time_s"]``.
        indices: (N,) index of each frame in the full decoded stream.
        native_fps: the stream's average frame rate as the container declares it; without one,
            the rate of the frame times (a cut-off file) or, for one frame, the codec's declared rate;
            with timestamp gaps that pulled it off the frames' median interval (an MP4's average
            counts a freeze as frame time), the rate of the frames apart from the gaps; without
            gaps, when the declared rate is more than 10% off both the frames' median interval
            and their mean rate, the rate of the frame times (``notes["declared_fps"]``).
        path: the file decoded.
        notes: facts about the file worth keeping with the results (empty for a clean file):
            ``start_time_s``, the container's time of the first frame shown, when not 0 (the
            :attr:`timestamps` count from that frame);
            ``declared_fps`` when the rate the file declares is not its frames' (with a warning;
            :attr:`native_fps` is then the frames' rate);
            ``frames_declared`` and ``frames_decoded`` when it decodes fewer frames than its
            container declares (frames before an MP4 edit list's start, which no player shows,
            are not counted as declared); ``display_rotation_cw_deg`` (90, 180 or 270) and
            ``display_mirrored`` when the frames were turned upright; ``sample_aspect_ratio``
            (``"32:27"``) and ``display_size`` (upright [width, height], before ``max_side``)
            when pixels that are not square were stretched to square ones;
            ``sample_aspect_ratio_ignored`` (``"10:1"``, with a warning) when the stream's is outside
            1:4 to 4:1, taken for damage: the frames are then at their stored size; ``timestamp_gaps`` and
            ``longest_timestamp_gap_s`` when frames lie more than 4 frame intervals apart
            (frames lost from a damaged file, dropped by a phone, a recording that paused; the
            interval is the frames' median one, or the declared rate's when they agree);
            ``timestamps_backwards`` when the frame times go back in decoding order (the frames are
            then put in timestamp order);
            ``timestamps_reset`` (how many times, with a warning) when the frame times start again
            within the stream (parts joined end to end, ``cat a.ts b.ts``, whether the parts' clocks
            restart at the same values or at others; a recorder restarting its clock): the parts are
            read one after the other, each timed by its own timestamps, with ``timestamps_reset_s``,
            the time (s, as :attr:`timestamps`) where each later part starts: the parts' clocks are
            unrelated, so the motion across a joint is unknown (the geometric methods take it for a
            cut);
            ``timestamps_in_decoding_order`` when the frames carry their decoding times, not their
            presentation times (H.264 with B-frames in AVI: the packets' times increase in file
            order, the decoder returns the frames reordered): the frames are then kept in the order
            the decoder returns them, which is the order they are shown, and timed by those times
            sorted;
            ``timestamps_repeated`` when frames share timestamps (they are then timed by the
            stream's frame rate), with ``time_base_s`` when that rate's frame interval is
            shorter than the container's time base can store (the rate, not a broken muxer,
            made the timestamps collide: the file holds no usable frame timing);
            ``timestamps_missing`` (how many frames) when frames carry no timestamp (with a
            warning): the frames are then timed by the stream's frame rate in decoding order;
            ``hdr_transfer`` (``"PQ (smpte2084)"`` or ``"HLG (arib-std-b67)"``) when the frames
            carry an HDR transfer (phones record HLG or PQ by default), with ``hdr_tone_mapped``:
            True when they were tone-mapped to SDR BT.709 (libswscale's colour management), as
            the methods expect; False, with ``hdr_not_tone_mapped`` (why) and a warning, when they
            are shown as stored (PQ then reads dark and flat);
            ``packets_before_first_keyframe`` and ``leading_frames_not_decoded`` when the stream
            starts between keyframes (a ``.ts`` cut mid-GOP: one warning, which also says when
            those frames are why the video is shorter than its container declares);
            ``dolby_vision`` and ``colours_not_bt709`` for Dolby Vision profile 5;
            ``interlaced`` (the field order, ``"top field first"``, ...) with a warning when the
            frames are interlaced: they are read with both fields woven, not deinterlaced.
    """

    frames: NDArray[np.uint8]
    timestamps: NDArray[np.float64]
    indices: NDArray[np.int64]
    native_fps: float
    path: Path
    notes: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    @property
    def sampled_fps(self) -> float:
        """Effective frame rate of the sampled frames (native rate if fewer than 2 frames)."""
        if len(self) < 2:
            return self.native_fps
        span = float(self.timestamps[-1] - self.timestamps[0])
        return (len(self) - 1) / span if span > 0 else self.native_fps


def _not_a_file(path: Path) -> str:
    """Why ``path`` (not a regular file) cannot be read as a video. "Not found" sent people looking
    for a file that was there: a folder named ``clip.mp4``, a link pointing at itself, a pipe."""
    try:
        path.stat()
    except ValueError as exc:  # a NUL byte or a lone surrogate: no file can have that name
        return f"not a file name the system can open ({exc}), not a video file"
    except RuntimeError:  # pathlib's own report of a loop, on some Python versions
        return "a symbolic link that loops back on itself, not a video file"
    except OSError as exc:
        if path.is_symlink():
            if exc.errno == errno.ELOOP:
                return "a symbolic link that loops back on itself, not a video file"
            return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
        if exc.errno == errno.ENOENT:
            return "video file not found"
        return f"cannot read the video file ({exc.strerror or exc})"
    if path.is_dir():
        return "a directory, not a video file"
    return "not a regular file (a pipe, socket or device), not a video file"


def _is_still_image(container: av.container.InputContainer) -> bool:
    """An image file (PNG, JPEG, ... under a video's name): FFmpeg's image demuxers."""
    names = container.format.name.split(",")
    return any(n == "image2" or n.endswith("_pipe") for n in names)


def _webp_animation_frames(path: Path) -> int | None:
    """Frames (ANMF chunks) of an animated WebP, or None for a still one (or not a RIFF WebP).

    An animated WebP is a RIFF ``WEBP`` file whose chunks after ``VP8X`` are an ``ANIM`` (loop
    and background) and one ``ANMF`` per frame; a still one holds one ``VP8``/``VP8L`` bitstream.
    Chunks are walked by their sizes (padded to even), reading only their 8-byte headers."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
            return None
        animated = False
        frames = 0
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            fourcc, length = chunk[:4], int.from_bytes(chunk[4:], "little")
            animated |= fourcc == b"ANIM"
            frames += fourcc == b"ANMF"
            pos += 8 + length + (length & 1)
    return frames if animated or frames else None


def _shown(path: Path) -> str:
    """``path`` for a message: as it is, or escaped (``ascii``) when UTF-8 cannot hold it (a lone
    surrogate), so that the message can still be printed and written into run.json."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return ascii(text)
    return text


def _open(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise VideoError(f"{_shown(path)}: {_not_a_file(path)}")
    if path.stat().st_size == 0:  # FFmpeg said only "Invalid data found when processing input"
        raise VideoError(f"{_shown(path)}: the file is empty (0 bytes), not a video")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        cut, truncated = _moov_cut(path), _truncated(path)
        why = f": its header (the MP4's moov box) is cut off ({cut})" if cut is not None else ""
        why = f": {truncated}" if cut is None and truncated is not None else why
        stand_in = _stand_in(path) if not why else None
        why = f": {stand_in}" if stand_in is not None else why
        raise VideoError(f"{path}: cannot open video ({exc}){why}") from exc
    if container.format.name == "tty":
        # FFmpeg renders a text file (.txt, .nfo, .asc, ...) as ANSI art: 640x400 "frames" of its
        # characters at 25 fps, read as a video of that many frames
        container.close()
        raise VideoError(f"{path}: a text file (FFmpeg would render its characters as pictures), not a video")
    if not container.streams:
        container.close()
        raise VideoError(
            f"{path}: no video stream, nor any other, in the {container.format.name} container: its header (an "
            "MP4's moov box) is cut off or damaged, or the file holds no frames"
        )
    if not container.streams.video:
        damage = _iso_header_damage(path, container)
        container.close()
        if damage is not None:
            raise VideoError(
                f"{path}: no video stream: its header (the MP4's moov box) is cut off or damaged ({damage})"
            )
        raise VideoError(f"{path}: no video stream")
    if _is_still_image(container):
        # one picture read as a one-frame video at FFmpeg's default 25 fps: the methods then
        # said "decodes 1 frame", as of a truncated video, not that the file is an image
        kind = container.format.name.split(",")[0].removesuffix("_pipe")
        container.close()
        frames = _webp_animation_frames(path) if kind == "webp" else None
        if frames == 0:
            # an ANIM chunk and no ANMF: nothing any decoder could show ("0 frame(s)" read as a count)
            raise VideoError(
                f"{_shown(path)}: an animated WebP that holds no frames (an ANIM chunk but no ANMF frame chunk): "
                "the file is empty of pictures or cut off before its first frame, not a video"
            )
        if frames is not None:
            # FFmpeg's webp decoder reads no animation: avcodec_send_packet failed with "Invalid
            # data", and the file was called a still image
            codec = ".".join(str(v) for v in av.library_versions["libavcodec"][:2])
            raise VideoError(
                f"{path}: an animated WebP ({frames} frame(s) in ANIM/ANMF chunks), which FFmpeg's webp decoder "
                f"(libavcodec {codec}) cannot decode: convert it to a video with another tool first (e.g. to MP4 "
                "with ImageMagick or libwebp's anim_dump)"
            )
        raise VideoError(f"{path}: a still image ({kind}), not a video")
    if not _moving_pictures(container):
        # a video stream of no codec: a track cut inside an MP4's moov box (its sample description
        # lost) had no codec, and reading its rate raised an AttributeError
        codecless = any(s.codec_context is None for s in container.streams.video)
        cut = _moov_cut(path) if codecless and container.format.name == _ISO_FORMAT else None
        container.close()
        if cut is not None:
            raise VideoError(
                f"{path}: the video stream has no codec: its header (the MP4's moov box) is cut off ({cut})"
            )
        if codecless:
            raise VideoError(f"{path}: the video stream is of a codec FFmpeg does not know (or its header is damaged)")
        raise VideoError(f"{path}: no video stream, only an attached (cover) picture")
    return container


#: FFmpeg's demuxer of ISO base media files (MP4, MOV, M4A, 3GP, ...).
_ISO_FORMAT = "mov,mp4,m4a,3gp,3g2,mj2"


def _iso_header_damage(path: Path, container: av.container.InputContainer) -> str | None:
    """Why an ISO base media file (MP4, MOV) without a video stream has a damaged header, or None.

    A file cut inside its moov box (the header, written last by most recorders and muxers) was
    reported as having "no video stream": FFmpeg reads what the box holds, and a cut track was left
    as one ``data`` stream of no codec. Either sign says so: the moov box runs past the end of the
    file, or the file's only tracks have neither a codec nor samples (their sample tables lost). A
    file with an audio (or subtitle) stream and an intact moov box is an audio file: None."""
    if container.format.name != _ISO_FORMAT:
        return None
    cut = _moov_cut(path)
    if cut is not None:
        return cut
    if all(s.type == "data" and s.name is None and not len(s.index_entries) for s in container.streams):
        return f"its {len(container.streams)} track(s) have no codec and no samples"
    return None


#: :func:`_moov_cut` gives up after this many top-level boxes (an MP4 has a handful; a fragmented
#: one two per fragment).
_MAX_TOP_LEVEL_BOXES = 10_000


#: The boxes an ISO base media file (MP4, QuickTime) starts with: :func:`_truncated` names a cut
#: box only in a file that starts so (another format's first bytes, a small number, were followed
#: as boxes into its data, where one in 50 runs of four bytes reads as a box name).
_FIRST_BOXES = frozenset({b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})


def _stand_in(path: Path) -> str | None:
    """What the text file at ``path`` is when it stands in for a video (:func:`~camerabench.fileio.stand_in`)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:  # a file that cannot be read again: the caller's own error stands, without this hint
        return None
    return stand_in(head, "the video", json_too=True)


def _moov_cut(path: Path) -> str | None:
    """How the top-level moov box of the ISO base media file at ``path`` runs past the end of the
    file ("the moov box declares N bytes, the file ends M bytes into it"); None when it does not,
    or when the boxes cannot be followed to a moov box."""
    try:
        return _moov_cut_in(path)
    except OSError:  # a file that cannot be read again: the caller's own error stands, without this hint
        return None


def _moov_cut_in(path: Path) -> str | None:
    return _boxes_cut_in(path)[0]


def _truncated(path: Path) -> str | None:
    """How a top-level box of the ISO base media file at ``path`` other than moov runs past the end
    of the file before any moov box (an MP4 cut inside its ``mdat``, moov written at the end: the
    usual half-finished download), or None; FFmpeg said only "Invalid data found"."""
    try:
        return _boxes_cut_in(path)[1]
    except OSError:  # a file that cannot be read again: the caller's own error stands, without this hint
        return None


def _top_level_boxes(fh: BinaryIO, size: int) -> Iterator[tuple[int, int, int, bytes]]:
    """``(offset, length, header length, type)`` of each top-level box of the ISO base media file
    open as ``fh`` (``size`` bytes), in file order, up to :data:`_MAX_TOP_LEVEL_BOXES`; a box may
    run past the end of the file (the caller judges). Stops at the end of the file and at a length
    under 8 bytes (not a box: the boxes cannot be followed), which ends with ``(offset, length, 8,
    type)`` so that the caller can tell."""
    at = 0
    for _ in range(_MAX_TOP_LEVEL_BOXES):
        if at + 8 > size:
            return
        fh.seek(at)
        head = fh.read(16)
        length, kind, header = int.from_bytes(head[:4], "big"), head[4:8], 8
        if length == 1 and len(head) == 16:  # a 64-bit size follows the type
            length, header = int.from_bytes(head[8:16], "big"), 16
        elif length == 0:  # the box runs to the end of the file
            length = size - at
        yield at, length, header, kind
        if length < 8:
            return
        at += length


def _boxes_cut_in(path: Path) -> tuple[str | None, str | None]:
    """(how the moov box runs past the end of the file, how another box does with no moov box
    before it); None for each that does not, or when the boxes cannot be followed."""
    size = path.stat().st_size
    iso = True  # the boxes so far are those of an ISO file: the first a top-level one, all named in ASCII
    with open(path, "rb") as fh:
        for at, length, _, kind in _top_level_boxes(fh, size):
            if length < 8:
                return None, None  # not a box: the boxes cannot be followed
            if kind == b"moov":
                if at + length > size:
                    return f"the moov box declares {length} bytes, the file ends {size - at} bytes into it", None
                return None, None
            name = kind.decode("latin-1")
            iso = iso and name.isascii() and name.isprintable() and (at > 0 or kind in _FIRST_BOXES)
            if at + length > size:
                if not (at > 0 and iso):
                    return None, None  # not a box of an ISO file (the first is ftyp, names are printable)
                return None, (
                    f"the {name} box declares {length} bytes but the file ends {size - at} bytes into it, and there "
                    "is no moov box: the file is truncated (an unfinished download or copy?)"
                )
    return None, None


#: :func:`_zero_media_timescale` reads a moov box of at most this many bytes (a moov box holds the
#: sample tables: some MB for hours of video).
_MAX_MOOV_BYTES = 256 * 1024 * 1024


def _moov_of(path: Path) -> bytes | None:
    """The body of the top-level moov box of the ISO base media file at ``path`` (without its
    8- or 16-byte header), or None when the top-level boxes cannot be followed to a whole one of
    at most :data:`_MAX_MOOV_BYTES`, or the file cannot be read again."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            for at, length, header, kind in _top_level_boxes(fh, size):
                if length < header or at + length > size:
                    return None
                if kind == b"moov":
                    if length - header > _MAX_MOOV_BYTES:
                        return None
                    fh.seek(at + header)
                    return fh.read(length - header)
    except OSError:  # a file that cannot be read again: no check, the reading goes on as before
        return None
    return None


def _child_boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The (type, body) of each box in ``data``, a run of boxes; stops at one that does not fit."""
    at = 0
    while at + 8 <= len(data):
        length, kind, header = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8], 8
        if length == 1 and at + 16 <= len(data):
            length, header = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        elif length == 0:
            length = len(data) - at
        if length < header or at + length > len(data):
            return
        yield kind, data[at + header : at + length]
        at += length


def _full_box_field(body: bytes, after_v0: int, after_v1: int) -> int | None:
    """The 32-bit field of a full box (version, flags, then times of 4 bytes in version 0, 8 in
    version 1) that starts ``after_v0`` / ``after_v1`` bytes into its body; None if cut off."""
    if not body:
        return None
    at = after_v1 if body[0] == 1 else after_v0
    return int.from_bytes(body[at : at + 4], "big") if at + 4 <= len(body) else None


def _zero_media_timescale(path: Path, track_id: int) -> str | None:
    """None unless the media header (mdhd) of the track ``track_id`` of the ISO base media file at
    ``path`` declares a time scale of 0; then "" or, when the movie header (mvhd) does too, a
    clause saying so. Reads only the moov box."""
    moov = _moov_of(path)
    if moov is None:
        return None
    movie_scale = None
    for kind, body in _child_boxes(moov):
        if kind == b"mvhd":
            movie_scale = _full_box_field(body, 12, 20)
        if kind != b"trak":
            continue
        boxes = dict(_child_boxes(body))
        tkhd, mdia = boxes.get(b"tkhd"), boxes.get(b"mdia")
        if tkhd is None or mdia is None or _full_box_field(tkhd, 12, 20) != track_id:
            continue
        mdhd = dict(_child_boxes(mdia)).get(b"mdhd")
        if mdhd is None or _full_box_field(mdhd, 12, 20) != 0:
            return None
        return " (and the movie header, mvhd, a time scale of 0 too)" if movie_scale == 0 else ""
    return None


def _no_frames(path: Path, why: str = "") -> VideoError:
    """The error for a video of no decodable frames, with the cause when an MP4's moov box is cut
    off (a track cut inside its sample tables has a codec but no samples)."""
    cut = _moov_cut(path)
    hint = f": its header (the MP4's moov box) is cut off ({cut})" if cut is not None else ""
    return VideoError(f"{path}: the video has no decodable frames{why}{hint}")


def _moving_pictures(container: av.container.InputContainer) -> list[av.video.stream.VideoStream]:
    """The video streams that are not attached (cover) pictures and have a codec to decode them."""
    attached = av.stream.Disposition.attached_pic
    return [s for s in container.streams.video if not s.disposition & attached and s.codec_context is not None]


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The stream a player shows: FFmpeg's choice (``av_find_best_stream``: the most frames and
    pixels among the decodable ones), never a cover picture. A file with a cover stored as the
    first video stream (a JPEG stream ahead of the film in a Matroska file) had its one picture
    read as the whole video."""
    candidates = _moving_pictures(container)
    best = container.streams.best("video")
    stream = best if best is not None and best in candidates else candidates[0]
    if container.format.name == _ISO_FORMAT and (stream.time_base is None or stream.time_base.denominator <= 1000):
        # FFmpeg reads a media header (mdhd) time scale of 0 as 1 tick per second (or the movie
        # header's): 12 frames at 10 fps were read as 1 frame of 1/1024 fps, or as 2 at [0, 1024] s.
        # Only a stream of such a coarse time unit has its moov box read, to keep ordinary files cheap.
        zero = _zero_media_timescale(Path(container.name), stream.id)
        if zero is not None:
            raise VideoError(
                f"{container.name}: the MP4's media header (mdhd box) gives the video track (ID {stream.id}) a "
                f"time scale of 0{zero}, so no frame times can be read from it (FFmpeg would invent them)"
            )
    if container.format.name in _RAW_FORMATS and not stream.codec_context.framerate:
        # FFmpeg's raw reader times the frames at its default 25 fps (its average rate and, for
        # some codecs, the frame times): a rate no part of the file gave
        raise VideoError(
            f"{container.name}: a raw {container.format.name} stream whose headers declare no frame rate: "
            "FFmpeg's reader would assume 25 fps and time the frames by it, so the rate is unknown; put it "
            "in a container with its rate, e.g. ffmpeg -framerate 30 -i in.h264 -c copy out.mp4"
        )
    return stream


def sample_indices(
    timestamps: NDArray[np.float64], fps: float | None = None, num_frames: int | None = None
) -> NDArray[np.int64]:
    """Indices of the frames to keep.

    Args:
        timestamps: (N,) frame times in seconds, increasing (a repeated time is allowed; one
            earlier than the time before it is an error).
        fps: keep the frame nearest to each tick of a clock at this rate, starting at the first
            frame (never more frames than exist; duplicates removed), and the last frame when the
            stream is no faster than the clock (its median frame interval at least the clock's):
            a stream slower than the clock keeps all its frames, as transformers' own fps
            sampling does (25 frames at 10 fps read at 12 fps lost their last one, which lies past
            the clock's last tick within the span). Where the stream is faster than the clock, the
            frames are the ticks' nearest, as before.
        num_frames: keep this many frames evenly spread from first to last (all if fewer).

    Example:
        >>> sample_indices(np.arange(10) / 10.0, fps=5).tolist()
        [0, 2, 4, 6, 8]
        >>> sample_indices(np.arange(10) / 10.0, num_frames=3).tolist()
        [0, 4, 9]
        >>> len(sample_indices(np.arange(25) / 10.0, fps=12))  # a 10 fps stream read at 12 fps: every frame
        25

    Raises:
        ValueError: ``fps`` and ``num_frames`` both given or not positive; ``timestamps`` not a 1-D
            array of finite times in time order (the first time earlier than the one before it named).
    """
    fps, num_frames = _check_sampling(fps, num_frames)
    timestamps = np.asarray(timestamps, dtype=np.float64)
    if timestamps.ndim != 1:
        raise ValueError(f"timestamps must be a 1-D array of frame times, got shape {timestamps.shape}")
    if not np.all(np.isfinite(timestamps)):
        raise ValueError(f"timestamps must be finite, got {int(np.sum(~np.isfinite(timestamps)))} that are not")
    back = np.flatnonzero(np.diff(timestamps) < 0)
    if len(back):  # the nearest-frame search assumes time order: frames in another order were mis-picked
        i = int(back[0]) + 1
        raise ValueError(
            f"timestamps must be in time order (increasing; a repeated time is allowed), but timestamps[{i}] = "
            f"{float(timestamps[i])!r} s is earlier than timestamps[{i - 1}] = {float(timestamps[i - 1])!r} s "
            f"({len(back)} such step(s) back); sort the frames by time first"
        )
    n = len(timestamps)
    if n == 0:  # no frames, none to keep (the first frame starts the fps clock: there is none)
        return np.arange(0, dtype=np.int64)
    if fps is not None:
        t0, t1 = float(timestamps[0]), float(timestamps[-1])
        ticks = t0 + _candidate_ticks(timestamps, t0, _last_tick(t0, t1, fps), fps) / fps
        idx = np.searchsorted(timestamps, ticks)
        idx = np.clip(idx, 0, n - 1)
        prev = np.clip(idx - 1, 0, n - 1)
        use_prev = np.abs(timestamps[prev] - ticks) <= np.abs(timestamps[idx] - ticks)
        idx = np.where(use_prev, prev, idx)
        if _keeps_last_frame(timestamps, fps):
            idx = np.append(idx, n - 1)
        return np.unique(idx).astype(np.int64)
    if num_frames is not None:
        if num_frames >= n:
            return np.arange(n, dtype=np.int64)
        return np.unique(np.round(np.linspace(0, n - 1, num_frames)).astype(np.int64))
    return np.arange(n, dtype=np.int64)


def _is_integer(value: object) -> bool:
    """A Python or NumPy integer, not a bool (``True`` was read as 1 frame, 1 fps, ...)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_sampling(fps: float | None, num_frames: int | None) -> tuple[float | None, int | None]:
    """``fps`` and ``num_frames`` checked and made a Python float and int (a NumPy one accepted).

    ``fps=True`` was read as 1 fps and ``num_frames=2.0`` failed inside NumPy with a TypeError."""
    if fps is not None and num_frames is not None:
        raise ValueError("give fps or num_frames, not both")
    if fps is not None:
        if isinstance(fps, bool | np.bool_) or not isinstance(fps, numbers.Real):
            raise ValueError(f"fps must be a positive number (frames a second), got {fps!r}")
        fps = float(fps)
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be positive, got {fps}")
    if num_frames is not None:
        if not _is_integer(num_frames):
            raise ValueError(f"num_frames must be a positive integer, got {num_frames!r}")
        num_frames = int(num_frames)
        if num_frames <= 0:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
    return fps, num_frames


def _check_max_side(max_side: int | None) -> int | None:
    """``max_side`` checked and made a Python int (a NumPy integer accepted, as in
    :func:`resized_size`'s sides). Frames are resized to even sides of at least 2 pixels: a smaller
    ``max_side`` gave 2x2 frames."""
    if max_side is None:
        return None
    if not _is_integer(max_side) or max_side < 2:
        raise ValueError(f"max_side must be an integer >= 2 (frames are resized to even sides), got {max_side!r}")
    return int(max_side)


def _candidate_ticks(timestamps: NDArray[np.float64], t0: float, last: int, fps: float) -> NDArray[np.int64]:
    """The indices (0 to ``last``) of the ticks that settle on every frame that any tick settles on.

    The frame nearest a tick only moves forward as the tick does, so a frame that some tick settles
    on is also settled on by the last tick at or before its time or the first one after it. Only
    those (with a tick to spare either side for rounding) are looked at: a jump of years in a damaged
    file's timestamps made a 20-frame video enumerate 500 million ticks (numpy ran out of memory).
    """
    last = min(last, 1 << 60)  # in int64's range, whatever the timestamps
    near = np.floor((np.asarray(timestamps, dtype=np.float64) - t0) * fps)
    ks = (np.clip(near, -2, last + 1).astype(np.int64)[:, None] + np.arange(-1, 3)).ravel()
    return np.unique(np.clip(ks, 0, last))


def _keeps_last_frame(timestamps: NDArray[np.float64] | list[float], fps: float) -> bool:
    """Whether :func:`sample_indices` keeps the last frame whatever the ticks settle on: the stream is
    no faster than the ``fps`` clock, its median frame interval at least the clock's (up to the ticks'
    1e-6 slack, :func:`_last_tick`; the median, so that a gap in a faster stream does not count)."""
    return (
        len(timestamps) >= 2 and float(np.median(np.diff(np.asarray(timestamps, dtype=np.float64)))) * fps >= 1.0 - 1e-6
    )


def _last_tick(t0: float, t1: float, fps: float) -> int:
    """Index of the last tick of the ``fps`` clock started at ``t0`` that :func:`sample_indices` uses."""
    return int(np.floor((t1 - t0) * fps + 1e-6))


class _TickPicker:
    """Chooses frame by frame, in decoding order, the frames :func:`sample_indices` would.

    Frames must arrive with finite, non-decreasing timestamps. :meth:`push` takes the next
    frame's time and returns the positions it settles (the previous frame or this one, for each
    tick of the clock up to this time); :meth:`finish` settles the ticks after the last frame.
    Without ``fps`` every frame is kept.
    """

    def __init__(self, fps: float | None) -> None:
        self.fps = fps
        self.times: list[float] = []
        self.tick = 0

    def _nearer(self, i: int, tick: float) -> int:
        prev = max(i - 1, 0)
        return prev if abs(self.times[prev] - tick) <= abs(self.times[i] - tick) else i

    def push(self, t: float) -> list[int]:
        i = len(self.times)
        self.times.append(t)
        if self.fps is None:
            return [i]
        t0, out = self.times[0], []
        while (tick := t0 + self.tick / self.fps) <= t:
            out.append(self._nearer(i, tick))
            # The ticks between this one and the last ones up to ``t`` settle on the frames that
            # those do (the nearer frame changes once, at the midpoint): skipped, so a jump of
            # years in a damaged file's timestamps costs a few ticks, not one per tick.
            self.tick = max(self.tick + 1, math.floor((t - t0) * self.fps) - 1)
        return out

    def finish(self) -> list[int]:
        if self.fps is None or not self.times:
            return []
        t0, n, out = self.times[0], len(self.times), []
        while self.tick <= _last_tick(t0, self.times[-1], self.fps):
            out.append(self._nearer(n - 1, t0 + self.tick / self.fps))
            self.tick += 1
        if _keeps_last_frame(self.times, self.fps):  # as sample_indices keeps it
            out.append(n - 1)
        return out


def _target_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(width, height) <= max_side:
        return width, height
    scale = max_side / max(width, height)
    # even sides, rounded to the nearest but never past ``max_side`` (round(127.5) is 128: a 1920 px
    # wide video read with max_side=255 came back 256 px wide)
    cap = max(2, max_side // 2 * 2)
    return min(cap, max(2, round(width * scale / 2) * 2)), min(cap, max(2, round(height * scale / 2) * 2))


#: A resize whose width / height differs from the frames' by more than this share distorts them
#: enough to say so (even sides of at least 2 px: a 64:1 strip read with ``max_side`` 32 is 32x2).
_RESIZE_ASPECT_TOLERANCE = 0.1


def _target_size_of(path: Path, width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """:func:`_target_size` for the frames of ``path``, with a warning naming the file when the
    resize changes their aspect by more than :data:`_RESIZE_ASPECT_TOLERANCE` (the short side,
    scaled below a few pixels, rounded to an even size of at least 2 px). The longer side is not
    stretched to keep the aspect: ``max_side`` is a bound the frames never pass."""
    tw, th = _target_size(width, height, max_side)
    before, after = width / height, tw / th
    if abs(after / before - 1) > _RESIZE_ASPECT_TOLERANCE:
        short = min(width, height) * max(tw, th) / max(width, height)
        _warn_once(
            "%s: its %dx%d frames (width/height %.4g) come out %dx%d with max_side %s (width/height %.4g): the short "
            "side, %.3g px at that scale, is rounded to an even size of at least 2 px; the pictures are stretched "
            "%.3gx across it (a larger max_side keeps the aspect)",
            _shown(path),
            width,
            height,
            before,
            tw,
            th,
            max_side,
            after,
            short,
            max(after / before, before / after),
        )
    return tw, th


def resized_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The (width, height) of the frames that :func:`read_video` (and :func:`resize_frames`) give
    for ``width`` x ``height`` frames (as displayed: :attr:`VideoInfo.width`, ``height``) and
    ``max_side``: unchanged when the longer side fits (or ``max_side`` is None), else scaled to
    it with both sides even, rounded to the nearest even number but never past ``max_side``.

    Example:
        >>> resized_size(1920, 1080, 448)
        (448, 252)
        >>> resized_size(1920, 1080, 255)  # not 256 wide: never past max_side
        (254, 144)
        >>> resized_size(320, 180, None), resized_size(320, 180, 640)
        ((320, 180), (320, 180))

    Raises:
        ValueError: ``max_side`` is not None or an integer >= 2, or a side is not a positive integer.
    """
    max_side = _check_max_side(max_side)
    for name, side in (("width", width), ("height", height)):
        if not _is_integer(side) or side < 1:
            raise ValueError(f"{name} must be a positive integer (pixels), got {side!r}")
    return _target_size(int(width), int(height), max_side)


def resize_frames(frames: NDArray[np.uint8], max_side: int) -> NDArray[np.uint8]:
    """Resize (N, H, W, 3) frames so the longer side is at most ``max_side`` (area filter)."""
    import cv2  # OpenCV: well-kept, fast area resampling

    side = _check_max_side(max_side)
    _, h, w, _ = frames.shape
    tw, th = _target_size(w, h, side)
    if (tw, th) == (w, h):
        return frames
    return np.stack([cv2.resize(f, (tw, th), interpolation=cv2.INTER_AREA) for f in frames])


# --- display orientation -------------------------------------------------------------------


@dataclass(frozen=True)
class _Orientation:
    """How decoded pixels are turned upright: transpose, then flip rows and/or columns.

    Built from the 2x2 part ``(a, b, c, d)`` of FFmpeg's display matrix, which maps a source
    pixel ``(x, y)`` to the displayed ``(a x + c y, b x + d y)`` (up to an offset).
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False
    rotation_cw_deg: int = 0
    mirrored: bool = False

    @classmethod
    def from_matrix(cls, a: float, b: float, c: float, d: float, path: Path) -> _Orientation:
        scale = max(abs(a), abs(b), abs(c), abs(d))
        if not math.isfinite(scale) or scale == 0:
            _warn_once("%s: ignoring a degenerate display matrix (%g, %g, %g, %g)", path, a, b, c, d)
            return cls()
        m = np.array([a, b, c, d]) / scale
        r = np.round(m)
        mirrored = bool(a * d - b * c < 0)  # a Python bool: the notes go to run.json (np.bool_ stopped the run)
        distortion = _distortion(m)
        if distortion is not None:  # not a rotation at all: "rotates by 0.0 degrees" was said of a 2:1 stretch
            raise VideoError(
                f"{path}: the display matrix ({', '.join(f'{v:.3g}' for v in m)}) {distortion}, not a rotation; only "
                "rotations by multiples of 90 degrees (and mirroring) are supported"
            )
        ccw = math.degrees(math.atan2(-m[1], -m[0] if mirrored else m[0]))
        tol = math.sin(math.radians(_ANGLE_TOLERANCE_DEG))
        if np.abs(m - r).max() > tol or abs(r[0] * r[3] - r[1] * r[2]) != 1 or (r[0] != 0) == (r[1] != 0):
            turn = f"{-ccw:.1f} degrees clockwise" if ccw <= 0 else f"{ccw:.1f} degrees counter-clockwise"
            raise VideoError(
                f"{path}: the display matrix rotates the picture by {turn}{' and mirrors it' if mirrored else ''}; "
                "only multiples of 90 degrees are supported"
            )
        ra, rb, rc, rd = (int(v) for v in r)
        cw = round(-ccw) % 360
        if rb == 0:
            return cls(False, rd < 0, ra < 0, cw, mirrored)
        return cls(True, rb < 0, rc < 0, cw, mirrored)

    @property
    def identity(self) -> bool:
        return not (self.transpose or self.flip_rows or self.flip_cols)

    def apply(self, img: NDArray[np.uint8]) -> NDArray[np.uint8]:
        if self.identity:
            return img
        out = img.transpose(1, 0, 2) if self.transpose else img
        if self.flip_rows:
            out = out[::-1]
        if self.flip_cols:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)

    def notes(self) -> dict[str, Any]:
        if self.identity:
            return {}
        return {"display_rotation_cw_deg": self.rotation_cw_deg, "display_mirrored": self.mirrored}


def _distortion(m: NDArray[np.float64]) -> str | None:
    """How the 2x2 display matrix ``m`` = (a, b, c, d) (largest entry 1) changes the picture's shape,
    or None when it keeps it: it maps the pixel axes to (a, b) and (c, d), which a rotation (mirrored
    or not) keeps of equal length and at right angles. A uniform scale keeps them so too: it changes
    the size a player shows, not what the picture shows, and is read as no scale."""
    tol = math.sin(math.radians(_ANGLE_TOLERANCE_DEG))
    across, down = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
    if min(across, down) < tol:
        return f"collapses the picture to a line (scales it by {across:.3g} across and {down:.3g} down)"
    what = []
    cosine = (m[0] * m[2] + m[1] * m[3]) / (across * down)
    if abs(cosine) > tol:
        apart = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
        what.append(f"shears the picture (its axes {apart:.1f} degrees apart)")
    if abs(across / down - 1.0) > tol:
        what.append(f"stretches the picture unevenly ({across / down:.3g}:1 across to down)")
    return " and ".join(what) or None


def _orientation(frame: av.VideoFrame, stream: av.video.stream.VideoStream, path: Path) -> _Orientation:
    """The display matrix of the frame (FFmpeg exports the container's onto every frame), else
    the stream's ``rotate`` tag (degrees clockwise, as older FFmpeg versions wrote it)."""
    # looked up by type: iterating it yields SideData up to PyAV 18.1.0 and the Type keys from 18.1.1
    side_data: Any = frame.side_data
    data = side_data.get(SideDataType.DISPLAYMATRIX)
    if data is not None:
        m = np.frombuffer(bytes(data), dtype=np.int32).astype(np.float64)
        return _Orientation.from_matrix(m[0], m[1], m[3], m[4], path)
    tag = next((v for k, v in stream.metadata.items() if k.lower() == "rotate"), None)  # mkv: ROTATE
    if tag is None:
        return _Orientation()
    try:
        cw = float(tag)
    except ValueError:
        raise VideoError(f"{path}: the rotate tag {tag!r} is not a number of degrees") from None
    theta = math.radians(-cw)  # FFmpeg's av_display_rotation_set(-cw)
    return _Orientation.from_matrix(math.cos(theta), -math.sin(theta), math.sin(theta), math.cos(theta), path)


# --- decoding ------------------------------------------------------------------------------


#: MPEG transport stream packet sizes: plain (188 bytes), M2TS / Blu-ray with a 4-byte time code
#: before each packet (192), and DVB with 16 bytes of Reed-Solomon parity after it (204).
_TS_PACKETS = ((188, 0), (192, 4), (204, 0))

#: Matroska element IDs: the Segment, a cluster, and the names of those a cut is reported inside.
_MKV_SEGMENT = 0x18538067
_MKV_CLUSTER = 0x1F43B675
_MKV_NAMES = {_MKV_CLUSTER: "cluster", 0xA3: "SimpleBlock", 0xA0: "BlockGroup", _MKV_SEGMENT: "Segment"}
#: :func:`_matroska_cut` gives up after this many elements (a live WebM has one block per frame).
_MAX_MKV_ELEMENTS = 2_000_000


def _ends_inside(path: Path, format_name: str, live: bool) -> str | None:
    """Where the file at ``path`` ends inside its container's structure ("the file ends 112 bytes
    into a 188-byte transport stream packet"), or None when it ends cleanly or the structure
    cannot be followed. Asked only of containers that declare neither a frame count nor a duration
    (``live``; a transport stream's duration is read from its last timestamps, so a cut one declares
    its cut length): red team R119's MPEG-2 ``.ts`` and live WebM (a browser's MediaRecorder), cut
    at 60 % of their bytes, read 37 of 60 frames with no warning. A transport stream cut on a packet
    boundary, or a WebM between blocks, cannot be told from a shorter file."""
    try:
        if format_name == "mpegts":
            return _ts_cut(path)
        if live and "matroska" in format_name.split(","):
            return _matroska_cut(path)
    except OSError:  # a file that cannot be read again: nothing to say of it
        return None
    return None


def _ts_cut(path: Path) -> str | None:
    """How the MPEG transport stream at ``path`` ends inside a packet (:data:`_TS_PACKETS`, told by
    the sync byte 0x47 at three packets' starts), or None."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(3 * 204 + 4)
    for length, offset in _TS_PACKETS:
        starts = [offset + k * length for k in range(3) if offset + k * length < len(head)]
        if len(starts) >= 2 and all(head[at] == 0x47 for at in starts):
            left = size % length
            return f"the file ends {left} bytes into a {length}-byte transport stream packet" if left else None
    return None


def _ebml_number(data: bytes, at: int, mask_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length number at ``data[at:]``: (value, length); an element size whose
    value bits are all ones (unknown, as a live recording writes) is -1; None when it is not one.
    IDs keep their marker bit (``mask_marker`` False)."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 8 - data[at].bit_length() + 1
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not mask_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (-1 if value == (1 << (7 * length)) - 1 else value), length


def _matroska_cut(path: Path) -> str | None:
    """How the Matroska or WebM file at ``path`` ends inside an element (a cluster, a block) or
    before its Segment's declared end, or None. Clusters of unknown size (a live recording) are
    followed block by block to the next level-1 element."""
    size = path.stat().st_size
    with open(path, "rb") as fh:

        def header(at: int) -> tuple[int, int, int] | None:  # (id, size or -1, body offset)
            fh.seek(at)
            data = fh.read(12)
            ident = _ebml_number(data, 0, mask_marker=False)
            if ident is None or ident[1] > 4:
                return None
            length = _ebml_number(data, ident[1], mask_marker=True)
            if length is None:
                return None
            return ident[0], length[0], at + ident[1] + length[1]

        def cut(kind: int, at: int, declared: int) -> str:
            name = _MKV_NAMES.get(kind, f"element 0x{kind:X}")
            return f"the file ends {size - at} bytes into a {declared}-byte Matroska {name}"

        if fh.read(4) != bytes.fromhex("1A45DFA3"):
            return None  # not an EBML file's start: nothing to follow
        at = 0
        segment_body, segment_end = 0, -1
        for _ in range(_MAX_MKV_ELEMENTS):
            if at >= size:
                break
            found = header(at)
            if found is None:
                if size - at < 12:  # too few bytes left for a whole header
                    fh.seek(at)
                    tail = fh.read()
                    ident = _ebml_number(tail, 0, mask_marker=False)
                    if ident is not None and ident[1] <= 4:  # an element's header begins, and the file ends in it
                        return f"the file ends {size - at} bytes into a Matroska element's header"
                return None  # not followed: no claim
            kind, length, body = found
            if kind == _MKV_SEGMENT:
                segment_body, segment_end = body, (-1 if length < 0 else body + length)
                at = body
                continue
            if length < 0:
                if kind != _MKV_CLUSTER:
                    return None
                at = body  # a live cluster: its blocks follow, then the next level-1 element
                continue
            if body + length > size:
                return cut(kind, at, body - at + length)
            at = body + length
        else:
            return None
        if segment_end > size:  # every element whole, but the Segment declares more of them
            return (
                f"the Matroska Segment declares {segment_end - segment_body} bytes and the file ends "
                f"{size - segment_body} bytes into it"
            )
    return None


class _Decoder:
    """Decodes the video stream of an open file (:func:`_video_stream`) frame by frame, in decoding order.

    A packet the demuxer flags as corrupt (one the file ends inside, or one damaged in
    transport) is skipped and counted; so is a packet the decoder rejects (damaged data inside
    it: its frame is not shown and the frames after it may show artefacts; a stream that decodes
    no frame, or most of whose packets are rejected, is a :class:`VideoError`). An error of the
    demuxer (the container cannot be read on) ends decoding with a :class:`VideoError`. A packet
    flagged for discarding (before the start of an MP4 edit list: a clip cut without re-encoding,
    ``ffmpeg -ss ... -c copy``, or a phone's trim) is decoded, as later frames may refer to it, but
    shows no frame, as in a player; it is counted too.
    """

    def __init__(self, container: av.container.InputContainer, path: Path) -> None:
        self.container, self.path = container, path
        self.stream = _video_stream(container)
        self.stream.thread_type = "AUTO"
        # read while the file is open: once the container is closed, PyAV's stream reads freed
        # memory (a clean 151-frame file then "declared" 4604300115038500291 frames)
        self.declared = int(self.stream.frames)
        # Matroska and WebM declare no frame count, only a duration: a file cut short is then
        # told by the seconds its frames cover (:meth:`span_notes`)
        self.declared_s, self.declared_by = _declared_seconds(container, self.stream)
        self.other_streams = len(container.streams) > 1  # read now: see ``declared`` above
        self.format = str(container.format.name)
        # where the file ends inside its container's structure, when it declares nothing to compare
        # a cut file with (:func:`_ends_inside`); a transport stream's last packet is then partial
        self.cut = _ends_inside(path, str(container.format.name), self.declared <= 0 and self.declared_s is None)
        self.partial = 0  # that partial packet, left undecoded (:meth:`_packets`)
        self.decoded = 0
        self.skipped = 0  # packets flagged corrupt by the demuxer, and those the decoder rejected
        self.rejected = 0  # packets the decoder rejected (:meth:`_rejected`)
        self.first_error: str | None = None  # the decoder's first error
        self.discarded = 0  # packets before the edit list's start: frames the container declares, never shown
        self.packets = 0  # packets with data, not flagged corrupt: one frame each
        # packets before the first keyframe (a transport stream cut, or a capture started, in the
        # middle of a group of pictures): the decoder drops the frames it cannot build from them
        self.leading: int = 0
        self._keyed = False
        # whether the packets' timestamps increase in the order they are decoded, as decoding
        # times do (:meth:`stamped_in_decoding_order`); None once a packet has none
        self.packets_increasing: bool | None = True
        self._last_pts: int | None = None
        # several moving-picture streams (a second camera angle, a picture-in-picture): the
        # one read is said, which the results belong to
        moving = _moving_pictures(container)
        self.streams = len(moving)
        self.stream_index = int(self.stream.index)
        self.size = (int(self.stream.codec_context.width), int(self.stream.codec_context.height))
        self.native_fps = _native_fps(self.stream)
        self.averaged = _averaged(self.stream)
        self.base_rate = _base_rate(self.stream)
        self.others = [
            f"#{s.index} {s.codec_context.width}x{s.codec_context.height}" for s in moving if s is not self.stream
        ]

    def __iter__(self) -> Iterator[av.VideoFrame]:
        return self.frames()

    def frames(self, in_full: Callable[[av.Packet], bool] | None = None) -> Iterator[av.VideoFrame]:
        """The decoded frames, in order. With ``in_full``, a packet for which it is False is
        decoded only when other frames refer to it (the decoder's ``skip_frame`` NONREF, set
        packet by packet; frame threads read it per packet too): nothing comes out for a frame
        that is skipped so."""
        codec = self.stream.codec_context
        try:
            for packet in self._packets():
                if packet.is_corrupt:
                    self.skipped += 1
                    continue
                self.discarded += packet.is_discard
                if packet.size > 0:
                    self._follow(packet.pts)
                    self.packets += 1
                    self._keyed = self._keyed or packet.is_keyframe
                    self.leading += not self._keyed
                if in_full is not None:  # the flush packet (no pts) is always decoded in full
                    codec.skip_frame = "DEFAULT" if packet.pts is None or in_full(packet) else "NONREF"
                try:
                    frames = self.stream.decode(packet)
                except av.error.FFmpegError as exc:
                    if isinstance(exc, MemoryError):
                        raise  # the machine's trouble, not the file's
                    self._rejected(exc)
                    continue
                for frame in frames:
                    self.decoded += 1
                    yield frame
        except av.error.FFmpegError as exc:  # the demuxer's: the container cannot be read on
            raise VideoError(f"{self.path}: corrupt video stream after {self.decoded} frames ({exc})") from exc
        if self.rejected and (self.decoded == 0 or 2 * self.rejected > self.packets):
            raise VideoError(
                f"{self.path}: corrupt video stream: the decoder rejected {self.rejected} of its {self.packets} "
                f"packets and {self.decoded} frames decoded (first error: {self.first_error})"
            )

    def _packets(self) -> Iterator[av.Packet]:
        """The stream's packets, demuxed; in a transport stream the file ends inside
        (:attr:`cut`), the last one with data is left out: the demuxer hands on the partial packet
        as if whole, and its frame decodes damaged (an H.264 keyframe cut at 40 % of its bytes: a
        mean difference of 59 grey levels to the whole file's frame). Matroska's demuxer drops a
        partial block itself."""
        packets = self.container.demux(self.stream)
        if self.cut is None or self.format != "mpegts":
            yield from packets
            return
        held: av.Packet | None = None
        whole = 0  # packets with data handed on
        for packet in packets:
            if packet.size > 0 and not packet.is_corrupt:
                if held is not None:
                    whole += 1
                    yield held
                held = packet
                continue
            if packet.size == 0 and held is not None:  # the flush: the held packet was the last
                if whole:  # the file's only frame stays, damaged or not: there is nothing else
                    self.partial, held = 1, None
                else:
                    yield held
                    held = None
            yield packet
        if held is not None:
            if whole:
                self.partial = 1
            else:
                yield held

    def none_shown(self) -> str:
        """Why no frame decoded, for :func:`_no_frames`, when every packet lies before the edit
        list's start: an MP4 whose edit list cuts off the whole stream (a muxer given only negative
        times writes one) decodes nothing, as in a player; said so, not "no decodable frames"."""
        if self.packets and self.discarded >= self.packets:
            return (
                f" (all {self.packets} of its packets lie before the start of the container's edit list, which "
                "a player does not show: the edit list cuts off the whole video stream, or is damaged)"
            )
        return ""

    def _rejected(self, exc: av.error.FFmpegError) -> None:
        """A packet the decoder rejected (damaged data: bit rot, a bad sector, a transmission error):
        skipped and counted, as players and ffmpeg do, and its frame is not shown; frames that refer
        to it decode with artefacts until the next keyframe. With frame threads the error surfaces a
        few packets after the damaged one; the count is the same. Only a stream that decodes no
        frame, or of whose packets most are rejected, is an error (:meth:`frames`): a video of
        artefacts, or of a codec the decoder cannot handle, is not one to measure."""
        self.skipped += 1
        self.rejected += 1
        if self.first_error is None:
            self.first_error = str(exc)

    def _follow(self, pts: int | None) -> None:
        if pts is None:
            self.packets_increasing = None
        elif self.packets_increasing and self._last_pts is not None and pts <= self._last_pts:
            self.packets_increasing = False
        self._last_pts = pts

    def stamped_in_decoding_order(self, times: NDArray[np.float64]) -> bool:
        """Whether frames whose times (in the order the decoder returned them) are ``times`` carry
        decoding times: the packets' timestamps increase in decoding order while the decoder, which
        returns the frames in presentation order, put them back out of order. A container without
        presentation times (H.264 or MPEG-4 with B-frames in AVI, where FFmpeg's reader stamps the
        packets in file order) does this; a file whose presentation times are right has, with
        B-frames, packets whose times go back in decoding order."""
        return bool(self.packets_increasing) and bool(np.any(np.diff(times) < 0))

    def notes(self) -> dict[str, Any]:
        """Flag (warning + notes) a file that decodes fewer frames than its container declares
        (0 = not declared) or had damaged packets skipped. The frames an edit list cuts off are
        not among those declared: a trimmed clip was reported as a truncated file."""
        streams = self._stream_notes()
        declared, decoded = max(0, self.declared - self.discarded) if self.declared > 0 else 0, self.decoded
        # frames missing at the start only (:meth:`span_notes` says so): not a file cut off
        short = 0 < decoded < declared and declared - decoded > self.lost
        if not (short or self.skipped):
            # a container that declares neither a frame count nor a duration to compare with (a
            # transport stream, a live WebM): a file cut off shows only in its last bytes
            if self.cut is None:
                return streams
            partial = " (its last, partial packet left undecoded)" if self.partial else ""
            log.warning(
                "%s: %s%s: the file is truncated (an unfinished download or copy?); using the %d decoded frames",
                self.path,
                self.cut,
                partial,
                decoded,
            )
            return {"frames_decoded": decoded, "file_ends_inside": self.cut, **streams}
        what = f"decoded {decoded} frames" + (f" but the container declares {declared}" if short else "")
        skipped = f", skipped {self.skipped} damaged packet(s)" if self.skipped else ""
        if self.rejected:
            skipped += (
                f" ({self.rejected} rejected by the decoder: the frames after them, up to the next keyframe, "
                "may show decoding artefacts)"
            )
        log.warning(
            "%s: %s%s (truncated or damaged file); using the %d decoded frames", self.path, what, skipped, decoded
        )
        notes: dict[str, Any] = {"frames_decoded": decoded}
        if declared > 0:
            notes["frames_declared"] = declared
        if self.skipped:
            notes["damaged_packets_skipped"] = self.skipped
        if self.rejected:
            notes["decoding_errors"] = self.rejected
        return {**notes, **streams}

    @property
    def lost(self) -> int:
        """Frames of the packets before the first keyframe that did not decode (:meth:`span_notes`)."""
        return max(0, min(self.leading, self.packets - self.discarded - self.rejected - self.decoded))

    def span_notes(self, times: NDArray[np.float64], rate: float) -> dict[str, Any]:
        """Flag (warning + notes) a video missing frames at its start or end, from its frames'
        ``times`` (sorted) and frame rate ``rate``.

        A stream whose first packets come before its first keyframe (a ``.ts`` cut, or a broadcast
        capture started, in the middle of a group of pictures): the decoder drops the frames it
        cannot build from them without an error, and a transport stream declares no frame count to
        compare with: the video was silently that much shorter at its start. That shortens the
        video against the duration (or frame count) the container declares: one warning says both,
        not a second one blaming a truncated file.

        A file that declares no frame count (Matroska, WebM) whose frames cover clearly less than
        the duration it declares (by :data:`SHORT_DURATION_S` and :data:`SHORT_DURATION_FRAMES`
        frame intervals), beyond the frames lost at the start: a file cut off in a download or copy
        decodes its first part without an error."""
        interval = 1.0 / rate if rate > 0 else 0.0
        lost = self.lost
        short_s: tuple[float, float] | None = None  # (covered, declared) seconds, when short
        if self.declared <= 0 and self.declared_s is not None and len(times) and np.all(np.isfinite(times)):
            covered = float(times[-1] - times[0]) + interval
            if self.declared_s - covered > max(SHORT_DURATION_S, SHORT_DURATION_FRAMES * interval):
                short_s = (covered, self.declared_s)
        explained = short_s is not None and short_s[1] - (short_s[0] + lost * interval) <= max(
            SHORT_DURATION_S, SHORT_DURATION_FRAMES * interval
        )
        notes: dict[str, Any] = {}
        if lost > 0:
            declared = max(0, self.declared - self.discarded)
            if explained:
                assert short_s is not None
                why = (
                    f"; they are why the video's frames cover {short_s[0]:.2f} s of the {short_s[1]:.2f} s "
                    f"the {self.declared_by} declares"
                )
            elif 0 < self.decoded < declared <= self.decoded + lost:
                why = f"; they are why the container declares {declared} frames"
            else:
                why = ""
            log.warning(
                "%s: the video stream starts in the middle of a group of pictures (a file cut, or a recording "
                "started, between keyframes): %d packet(s) come before its first keyframe and %d frame(s) of "
                "them could not be decoded%s; the video starts at its first keyframe, %d of %d packets' frames "
                "decoded",
                self.path,
                self.leading,
                lost,
                why,
                self.decoded,
                self.packets - self.discarded,
            )
            notes = {"packets_before_first_keyframe": self.leading, "leading_frames_not_decoded": lost}
        if short_s is None or explained:
            return notes
        covered, declared_s = short_s
        others = self.other_streams and self.declared_by == "container"
        log.warning(
            "%s: the video's %d decoded frames cover %.2f s but the %s declares %.2f s (truncated or damaged "
            "file%s%s); using the decoded frames",
            self.path,
            self.decoded,
            covered,
            self.declared_by,
            declared_s,
            ", or another stream runs longer than the video" if others else "",
            f"; more than the {lost} frame(s) not decoded at its start account for" if lost else "",
        )
        return {**notes, "frames_decoded": self.decoded, "seconds_covered": covered, "seconds_declared": declared_s}

    def _stream_notes(self) -> dict[str, Any]:
        if self.streams < 2:
            return {}
        w, h = self.size  # not the stream's: :meth:`notes` is called once the file is closed
        log.warning(
            "%s: %d video streams; reading stream #%d (%dx%d), the one a player shows, not %s",
            self.path,
            self.streams,
            self.stream_index,
            w,
            h,
            ", ".join(self.others),
        )
        return {"video_streams": self.streams, "video_stream_read": self.stream_index}


#: FFmpeg's readers of raw elementary streams (``.h264``, ``.265``, ...): the frames carry no
#: times of their own; the reader's average rate is its ``framerate`` option (25 by default), an
#: assumption, so only the rate the stream's headers declare (H.264/HEVC VUI timing) is the file's.
_RAW_FORMATS = frozenset(
    {"h264", "hevc", "vvc", "mjpeg", "mpegvideo", "cavsvideo", "avs2", "avs3", "h261", "h263", "vc1", "dirac", "obu"}
)


def _native_fps(stream: av.video.stream.VideoStream) -> float:
    """The frame rate the file declares: the container's average rate, else (a file cut off before
    the demuxer measured one, a raw stream) the rate the codec's headers declare; 0.0 when neither
    does. Never FFmpeg's guess (``guessed_rate``): a cut-off 10 fps H.264 ``.ts`` file was guessed
    20 fps, its field rate, while its frames lie 0.1 s apart."""
    raw = stream.container.format.name in _RAW_FORMATS
    rate = (None if raw else stream.average_rate) or stream.codec_context.framerate
    return float(rate) if rate else 0.0


#: :meth:`_Decoder.span_notes`: how much shorter than the declared duration the frames of a
#: file without a frame count may be before it is flagged as cut short: 0.5 s, or 3 frame
#: intervals at low rates. Clean Matroska/WebM files from FFmpeg cover their declared duration
#: to within one frame interval (the last frame's display time); a file cut at half its length
#: falls short by half of it.
SHORT_DURATION_S = 0.5
SHORT_DURATION_FRAMES = 3.0


def _declared_seconds(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> tuple[float | None, str]:
    """Seconds the video stream declares (else the container), and which declared them.

    A Matroska or WebM file whose timestamps start late (a cut that kept the source's times,
    ``ffmpeg -ss ... -copyts -c copy``; a remuxed ``.ts`` whose clock starts at 1.4 s) declares, as
    FFmpeg writes it, the time its last frame ends, not its length: a 2.5 s clip starting at 10 h
    declared 36002.5 s and was flagged as cut off. Its duration is counted from the container's
    start time (the first frame's), when that leaves a positive duration. FFmpeg's MP4, MOV and
    transport stream readers give the length itself; a file that truly declares its length and
    starts late is then taken as declaring less, which hides no more than that start of a cut."""
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
        if math.isfinite(seconds) and seconds > 0:
            return seconds, "stream"
    if container.duration is not None:
        seconds = container.duration / av.time_base
        start = container.start_time
        if container.format.name.startswith("matroska") and start is not None and 0 < start < container.duration:
            seconds = (container.duration - start) / av.time_base
        if math.isfinite(seconds) and seconds > 0:
            return seconds, "container"
    return None, ""


def _measured(
    native_fps: float, averaged: bool, ts: NDArray[np.float64], path: Path, base_rate: float = 0.0
) -> tuple[float, NDArray[np.bool_], dict[str, Any]]:
    """The rate reported for frames at (sorted) times ``ts``, which of their intervals are gaps
    (:func:`_gaps`), and notes (``declared_fps``) when the declared rate was not the frames'.

    The rate is the container's average rate (``averaged``); without one, the rate of the frame
    times, which are what a player shows (``native_fps``, the codec's declared rate, only when fewer
    than two frame times give none). Both count a gap's time as frame time: a 2 s freeze in 11 frames
    of 30 fps made an MP4's average 4.71 fps. So, with gaps, a rate that disagrees (by more than
    :data:`_CONSISTENT`) with the frames' median interval is replaced by the rate of the frames apart
    from the gaps (their mean interval: a variable rate's average, as without a gap), or by a rate
    the file declares (``native_fps``, FFmpeg's ``base_rate``) that agrees with it to
    :data:`_SAME_RATE`. A rate the container declares rather than measures (Matroska's) and the
    median interval agree: it is kept.

    Without gaps, a declared rate that disagrees by more than :data:`_CONSISTENT` with both the
    frames' median interval and their mean rate (first to last) is not theirs: a Matroska stream
    declaring 30 fps whose frames lie 0.1 s apart was reported at 30 fps, its duration as 2.43 s of
    its 2.5. The frames' mean rate (or FFmpeg's ``base_rate`` within :data:`_SAME_RATE` of it) is
    reported instead, with a warning and ``notes["declared_fps"]``. Both tests must fail: a
    variable-rate recording's median interval is not its average rate, which it declares and its
    mean agrees with (first to last, or with the last frame shown for a median interval, as an
    MP4's average counts it: 3 frames 0.1 and 0.033 s apart average 18 fps, not 15); 10% keeps
    NTSC's 29.97 against 30 (0.1%) and Matroska's millisecond rounding (16 and 17 ms at 60 fps)
    far from triggering it. With gaps, a rate more than :data:`_CONSISTENT` above the frames' rate
    apart from the gaps is noted so too (the Matroska stream above with a 2 s freeze was reported
    at 10 fps with nothing said of its declared 30); one below it is not: an MP4's average counts a
    freeze, and the last frame's display time, as frame time."""
    if native_fps > 0 and (averaged or not (len(ts) > 1 and ts[-1] > ts[0])):
        rate = native_fps
    else:
        rate = _fps_from_times(ts, path)
    gaps, typical = _gaps(ts, (rate, native_fps, base_rate))
    if typical is None or abs(rate * typical - 1.0) <= _CONSISTENT:
        return rate, gaps, {}
    steps = np.diff(ts)[~gaps]
    steady = len(steps) / float(np.sum(steps))  # > 0: the median interval, positive, is no gap
    # the frames' mean rate, first to last and (as an MP4's or a GIF's average counts it) with the
    # last frame shown for a median interval: of 3 frames 0.1 and 0.033 s apart, 15 and 18 fps
    span = float(ts[-1] - ts[0])  # > 0: there are positive intervals
    means = ((len(ts) - 1) / span, len(ts) / (span + typical))
    averages = any(abs(rate / mean - 1.0) <= _CONSISTENT for mean in means)
    if not gaps.any():
        if averages:
            return rate, gaps, {}  # a variable rate: the declared average is the frames' mean
        measured = base_rate if base_rate > 0 and abs(base_rate / steady - 1.0) <= _SAME_RATE else steady
        return measured, gaps, _declared_rate_notes(path, rate, len(ts), typical, steady, measured, False)
    agreed = [r for r in (rate, native_fps, base_rate) if r > 0 and abs(r / steady - 1.0) <= _SAME_RATE]
    measured = agreed[0] if agreed else steady
    # an MP4's average counts a freeze, and the last frame's display time, as frame time: gaps pull
    # it below the frames' rate, never above; a rate clearly above it was declared, not measured
    if rate > steady * (1.0 + _CONSISTENT) and not averages:
        return measured, gaps, _declared_rate_notes(path, rate, len(ts), typical, steady, measured, True)
    return measured, gaps, {}


def _declared_rate_notes(
    path: Path, declared: float, frames: int, typical: float, steady: float, measured: float, gaps: bool
) -> dict[str, Any]:
    """Warn of, and note, a ``declared`` rate that is not the rate of the frames (:func:`_measured`)."""
    log.warning(
        "%s: the stream declares %.6g fps but its %d frames lie %.4g s apart (median interval; %.6g fps from "
        "the first frame to the last%s): the frames are timed by their timestamps, at %.6g fps",
        path,
        declared,
        frames,
        typical,
        steady,
        ", apart from the timestamp gaps" if gaps else "",
        measured,
    )
    return {"declared_fps": declared}


def _averaged(stream: av.video.stream.VideoStream) -> bool:
    """Whether the container gives the stream an average rate (a raw stream's is an assumption)."""
    return bool(stream.average_rate) and stream.container.format.name not in _RAW_FORMATS


def _fps_from_times(ts: NDArray[np.float64], path: Path) -> float:
    """The rate of frames at times ``ts``, for a stream that declares none."""
    if len(ts) > 1 and ts[-1] > ts[0]:
        return (len(ts) - 1) / float(ts[-1] - ts[0])
    # it was 1 fps (a one-frame video then lasted 1 s): a number no file said
    raise VideoError(
        f"{path}: the stream declares no frame rate and its {len(ts)} frame(s) at one time give none: "
        "the frame rate and duration are unknown"
    )


#: Consecutive frames further apart than this many frame intervals are a gap: frames lost from a
#: damaged file (a Matroska cluster the demuxer resynchronised past drops its frames without a
#: word), frames a phone dropped, or a recording that paused. Real variable-rate recordings (phones
#: in low light) stretch an interval to two or three times the usual one.
_GAP_INTERVALS = 4.0

#: A declared rate whose frame interval is within this fraction of the frames' median interval is
#: the frames' rate (Matroska rounds times to 1 ms: 16 and 17 ms intervals at 60 fps).
_CONSISTENT = 0.1

#: :func:`_measured`: a rate within this fraction of the rate of the frames apart from their gaps
#: is theirs.
_SAME_RATE = 0.01


def _base_rate(stream: av.video.stream.VideoStream) -> float:
    """FFmpeg's ``base_rate`` (``r_frame_rate``, the lowest rate that times every frame exactly): a
    guess, used only where the frame times agree with it (:func:`_gaps`, :func:`_measured`)."""
    rate = stream.base_rate
    return float(rate) if rate else 0.0


def _gaps(times: NDArray[np.float64], rates: tuple[float, ...]) -> tuple[NDArray[np.bool_], float | None]:
    """Which intervals between the sorted frame ``times`` are gaps: longer than
    :data:`_GAP_INTERVALS` frame intervals; and the frames' median interval (None without one).

    The frame interval is the frames' median one (the lower median: of two intervals, the shorter),
    or the interval of the first of ``rates`` (the rate reported, the declared one, FFmpeg's base
    rate) within :data:`_CONSISTENT` of it. Not the average rate: a gap pulls it down (a 2 s freeze
    in 11 frames of 30 fps made an MP4's 4.71 fps, and in 5 frames 1.22 fps, under which the freeze
    was not a gap). With fewer than two positive intervals there is no median: the first rate."""
    none = np.zeros(max(0, len(times) - 1), dtype=bool)
    if len(times) < 2 or not np.all(np.isfinite(times)):
        return none, None
    steps = np.diff(times)
    positive = np.sort(steps[steps > 0])
    if len(positive) >= 2:
        typical = float(positive[(len(positive) - 1) // 2])
        agreed = [1.0 / r for r in rates if r > 0 and abs(r * typical - 1.0) <= _CONSISTENT]
        interval = agreed[0] if agreed else typical
        return np.asarray(steps > _GAP_INTERVALS * interval), typical
    if rates[0] > 0:
        return np.asarray(steps > _GAP_INTERVALS / rates[0]), None
    return none, None


def _gap_notes(times: NDArray[np.float64], rate: float, gaps: NDArray[np.bool_], path: Path) -> dict[str, Any]:
    """Flag (warning + notes) the ``gaps`` (:func:`_measured`) in the sorted frame ``times`` of a
    stream of frame rate ``rate``: a damaged file whose container declares no frame count lost
    frames in its middle silently, and the motion across the gap was estimated as one step."""
    where = np.flatnonzero(gaps)
    if not len(where):
        return {}
    steps = np.diff(times)
    worst = int(where[np.argmax(steps[where])])
    longest = float(steps[worst])
    log.warning(
        "%s: %d gap(s) in the frame timestamps, the longest %.3g s (from %.3f s to %.3f s, %.1f frame intervals "
        "at the stream's %.3g fps): frames missing from a damaged file, or a recording that paused",
        path,
        len(where),
        longest,
        float(times[worst]),
        float(times[worst + 1]),
        longest * rate,
        rate,
    )
    return {"timestamp_gaps": len(where), "longest_timestamp_gap_s": round(longest, 6)}


#: Sample aspect ratios (pixel width over height) outside this range are taken for damage and
#: ignored with a warning; real ones run from 8:9 (NTSC 4:3) to 2:1 (anamorphic HDV / DV 16:9 is 4:3).
_SAR_RANGE = (0.25, 4.0)


def _display_size(width: int, height: int, stream: av.video.stream.VideoStream, path: Path) -> tuple[int, int]:
    """The frame's size as a player shows it: pixels that are not square (the stream's sample
    aspect ratio: DVD, DV and broadcast video, anamorphic recordings) are stretched to square
    ones, widening (or, below 1, heightening) the picture. Geometry assumes square pixels: a
    camera roll stored 2:1 anamorphic read as a move up with half the roll before."""
    sar = stream.sample_aspect_ratio
    if _implausible(sar):
        _warn_once(
            "%s: ignoring an implausible sample aspect ratio %s (outside 1:4 to 4:1, taken for damage); the frames "
            "are read at their stored size, %dx%d, not stretched as a player would",
            path,
            sar,
            width,
            height,
        )
    return _shown_size(width, height, sar)


def _implausible(sar: Fraction | None) -> bool:
    """Whether a sample aspect ratio is set (not none, 0 or 1) but outside :data:`_SAR_RANGE`."""
    return sar is not None and sar > 0 and sar != 1 and not _SAR_RANGE[0] <= sar <= _SAR_RANGE[1]


def _shown_size(width: int, height: int, sar: Fraction | None) -> tuple[int, int]:
    """:func:`_display_size` for the sample aspect ratio ``sar`` (none, 1 or an implausible one:
    the stored size), without its warning."""
    if sar is None or sar == 1 or sar <= 0 or not _SAR_RANGE[0] <= sar <= _SAR_RANGE[1]:
        return width, height
    if sar > 1:
        return max(2, round(width * sar)), height
    return width, max(2, round(height / sar))


def _aspect_notes(
    stream: av.video.stream.VideoStream, width: int, height: int, orientation: _Orientation
) -> dict[str, Any]:
    """``sample_aspect_ratio`` and ``display_size`` (width, height of the picture as shown: square
    pixels, upright, before any ``max_side``) for a stream whose pixels are not square. The size
    was the stretched one before turning upright: a 90-degree phone clip said 64x48 for its 48x64
    frames. An implausible one (:func:`_display_size` ignores it) is ``sample_aspect_ratio_ignored``."""
    sar = stream.sample_aspect_ratio
    if _implausible(sar):  # said in run.json, not only in the log: the picture is not a player's (red team R42)
        assert sar is not None
        return {"sample_aspect_ratio_ignored": _ratio(sar)}
    if sar is None or sar == 1 or sar <= 0:
        return {}
    shown = [height, width] if orientation.transpose else [width, height]
    return {"sample_aspect_ratio": f"{sar.numerator}:{sar.denominator}", "display_size": shown}


#: FFmpeg's ``AVFieldOrder`` (fixed in its ABI) of a stream whose frames are interlaced: which field
#: is coded first, and which shown first.
_FIELD_ORDERS = {2: "top field first", 3: "bottom field first", 4: "top field coded first, bottom shown first"}
_FIELD_ORDERS[5] = "bottom field coded first, top shown first"


def _interlace_notes(frame: av.VideoFrame, stream: av.video.stream.VideoStream, path: Path) -> dict[str, Any]:
    """``interlaced`` (the field order, by :data:`_FIELD_ORDERS`, or ``"field order unknown"``),
    with a warning, when the first frame is interlaced (broadcast, DV, camcorder video): its two
    fields, taken 1/50 or 1/60 s apart, are woven into one frame and read as such, not
    deinterlaced, so a fast pan shows combing on its edges."""
    if not frame.interlaced_frame:
        return {}
    order = _FIELD_ORDERS.get(int(stream.codec_context.field_order), "field order unknown")
    _warn_once(
        "%s: the video is interlaced (%s); its frames are read with both fields woven together, not "
        "deinterlaced: moving edges show combing (deinterlace it first, e.g. ffmpeg -vf bwdif)",
        path,
        order,
    )
    return {"interlaced": order}


#: A frame whose stored width / height differs from the first frame's by more than this share is
#: of another shape (a crop, a resized window), not the same picture at another resolution.
_SHAPE_TOLERANCE = 0.02


#: FFmpeg's transfer characteristics (``AVColorTransferCharacteristic``, fixed in its ABI) of HDR
#: video: phones record HLG (iPhone 12 and later; Dolby Vision profile 8.4's base layer) or PQ
#: (HDR10, many Android phones and drones). Stored levels of either are not BT.709 gamma.
_HDR_TRANSFERS = {16: "PQ (smpte2084)", 18: "HLG (arib-std-b67)"}

#: ``AVCOL_TRC_BT709`` and ``AVCOL_PRI_BT709``: the SDR frames the methods are made for.
_BT709 = 1

#: ``AVCOL_PRI_BT2020``: the wide gamut of HDR video, also written with an SDR transfer (10-bit
#: "SDR wide colour gamut" from cameras and broadcast): its RGB read as BT.709's is desaturated.
_BT2020 = 9

#: The SDR transfers (BT.709's curve, under its BT.601 and BT.2020 names) with which BT.2020
#: primaries are converted to BT.709's (:meth:`_Converter.__call__`).
_SDR_TRANSFERS = frozenset({1, 6, 14, 15})

#: MP4/MOV sample entries of a Dolby Vision stream without a base layer another decoder can show
#: (profile 5; a compatible base layer, profile 8, is stored as ``hvc1``/``hev1``).
_DOLBY_VISION_TAGS = frozenset({"dvh1", "dvhe"})

#: The libplacebo command that makes a Dolby Vision profile 5 clip BT.709 SDR (FFmpeg with Vulkan).
_DOLBY_VISION_FIX = (
    "ffmpeg -init_hw_device vulkan -i in.mp4 -vf "
    "libplacebo=apply_dolbyvision=1:colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv:format=yuv420p "
    "-c:v libx264 -crf 18 out.mp4"
)


def _dolby_vision_ipt(codec_tag: str, has_rpu: bool, trc: int) -> bool:
    """Whether a stream is Dolby Vision whose base layer is IPT-PQ-C2 (profile 5), which no
    libswscale conversion makes BT.709: Dolby Vision is signalled (the ``dvh1``/``dvhe`` sample
    entry, or Dolby Vision RPU side data on the decoded frame) and the base layer carries no
    transfer another decoder can show (profile 5 leaves it unspecified; profile 8's base layer
    says PQ, HLG or BT.709 and is read as such, tone-mapped where it is HDR)."""
    signalled = codec_tag.lower() in _DOLBY_VISION_TAGS or has_rpu
    return signalled and trc not in _HDR_TRANSFERS and trc not in _SDR_TRANSFERS


def _has_dolby_vision_rpu(frame: av.VideoFrame) -> bool:
    side_data: Any = frame.side_data  # by type, as in _orientation
    return any(side_data.get(kind) is not None for kind in (SideDataType.DOVI_RPU_BUFFER, SideDataType.DOVI_METADATA))


def _dolby_vision_notes(path: Path) -> dict[str, Any]:
    """``dolby_vision`` and ``colours_not_bt709`` (with a warning) for a Dolby Vision profile 5
    stream (:func:`_dolby_vision_ipt`): its IPT-PQ-C2 base layer, shown as stored, has wrong colours
    (greenish, purple) and contrast; the picture's structure, which geometry reads, is there."""
    why = (
        "Dolby Vision profile 5 (IPT-PQ-C2 base layer, no BT.709-, PQ- or HLG-compatible layer): libswscale "
        "cannot convert it, so the frames are shown as stored with wrong colours and contrast"
    )
    log.warning(
        "%s: %s; geometry still follows the picture's structure, but colours and brightness are not BT.709 "
        "(convert it with FFmpeg's libplacebo first, e.g. %s)",
        path,
        why,
        _DOLBY_VISION_FIX,
    )
    fix = f"{why}; convert with {_DOLBY_VISION_FIX}"
    return {"dolby_vision": "profile 5 (IPT-PQ-C2)", "colours_not_bt709": fix}


def _colour_name(value: int, names: type[ColorTrc] | type[ColorPrimaries]) -> str:
    """FFmpeg's name of a transfer or primaries value (``"smpte2084"``, ``"bt2020"``)."""
    try:
        return names(value).name.lower().replace("_", "-")
    except ValueError:
        return f"reserved ({value})"


#: The libswscale major version with colour management (tone and gamut mapping): FFmpeg 8.
_SWSCALE_COLOUR_MANAGED = 9


#: Per thread (and process: a forked child must not use its parent's swscale threads), the
#: libswscale contexts that tone-map HDR frames, by source format and target size, the most
#: recent :data:`_REFORMATTERS_KEPT`: building one costs 1.3 s (its colour-mapping table, on a
#: 2-core machine), converting a frame with it 3 ms; a folder of one phone's clips, or the same
#: clip read again (the VLM scorers probe, then read), builds it once.
_SHARED = threading.local()
_REFORMATTERS_KEPT = 4


def _reformatter(frame: av.VideoFrame, width: int, height: int) -> VideoReformatter:
    if getattr(_SHARED, "pid", None) != os.getpid():
        _SHARED.pid, _SHARED.kept = os.getpid(), {}
    kept: dict[tuple[Any, ...], VideoReformatter] = _SHARED.kept
    key = (
        frame.format.name,
        frame.width,
        frame.height,
        width,
        height,
        int(frame.color_trc),
        int(frame.color_primaries),
        int(frame.colorspace),
        int(frame.color_range),
    )
    found = kept.pop(key, None) or VideoReformatter()
    kept[key] = found  # the most recently used last
    while len(kept) > _REFORMATTERS_KEPT:
        kept.pop(next(iter(kept)))
    return found


#: :class:`_SarProbe` measures a frame's sample aspect ratio in steps of 1 / this (exact, by
#: :meth:`fractions.Fraction.limit_denominator`, for every ratio of denominator up to 200).
_SAR_PROBE_SCALE = 65536

#: :class:`_SarProbe` pads a narrower frame to this width first (its SAR unchanged), so that the
#: widest line it makes (``(_SAR_RANGE[1] + 1) * _SAR_PROBE_SCALE`` pixels) is 1280 times as wide.
_SAR_PROBE_WIDTH = 256


class _SarProbe:
    """A decoded frame's own sample aspect ratio, which PyAV does not expose (only the decoder's,
    which runs ahead of the frames it returns by the decoder's delay, and the stream's, fixed):
    FFmpeg's scale filter, evaluated per frame, makes a one-line frame ``sar * 65536`` pixels wide
    (nearest neighbour: a few hundred microseconds)."""

    def __init__(self) -> None:
        self.graph: av.filter.Graph | None = None
        self.key: tuple[int, int, str] | None = None

    def __call__(self, frame: av.VideoFrame) -> Fraction:
        key = (frame.width, frame.height, frame.format.name)
        if self.graph is None or key != self.key:
            graph = av.filter.Graph()
            source = graph.add_buffer(
                width=frame.width, height=frame.height, format=frame.format, time_base=frame.time_base or Fraction(1)
            )
            top = _SAR_RANGE[1] + 1
            chain = [source]
            if frame.width < _SAR_PROBE_WIDTH:
                # libswscale refuses to widen a line more than about 8000 times ("Not yet implemented in
                # FFmpeg"): a 16-pixel-wide frame at 2:1 would be. Padding keeps the sample aspect ratio;
                # the height is padded past the chroma subsampling's rounding (pad rounds down), never cut
                chain.append(graph.add("pad", f"w={_SAR_PROBE_WIDTH}:h=ih+4"))
            # a ratio past ``top`` (out of range, ignored) is measured by the height instead, so that it is
            # reported by its real value: a line 65536 / sar pixels high (at least 2) and 1 pixel wide
            big, scale = f"gt(sar\\,{top})", _SAR_PROBE_SCALE
            chain.append(
                graph.add(
                    "scale",
                    f"w=if({big}\\,1\\,trunc(sar*{scale}+0.5)):h=if({big}\\,max(2\\,trunc({scale}/sar+0.5))\\,1)"
                    ":eval=frame:flags=neighbor",
                )
            )
            chain.append(graph.add("buffersink"))
            for a, b in itertools.pairwise(chain):
                a.link_to(b)
            graph.configure()
            self.graph, self.key = graph, key
        self.graph.push(frame)
        out = self.graph.pull()
        assert isinstance(out, av.VideoFrame)
        if out.height > 1:  # past the range: measured by the height (:meth:`__call__`)
            return Fraction(_SAR_PROBE_SCALE, out.height).limit_denominator(200)
        return Fraction(out.width, _SAR_PROBE_SCALE).limit_denominator(200)


def _sar_of(sar: Fraction | None) -> Fraction:
    """A sample aspect ratio as FFmpeg's filters read it: none (0 or unset) is 1."""
    return sar if sar is not None and sar > 0 else Fraction(1)


def _in_range(sar: Fraction) -> Fraction:
    """The sample aspect ratio a frame of ratio ``sar`` is shown at: ``sar``, or 1 (its stored size)
    for one outside :data:`_SAR_RANGE`, ignored as damage (:func:`_shown_size`)."""
    return sar if _SAR_RANGE[0] <= sar <= _SAR_RANGE[1] else Fraction(1)


def _ratio(sar: Fraction) -> str:
    """``2:1``, as :func:`_aspect_notes` writes a sample aspect ratio."""
    return f"{sar.numerator}:{sar.denominator}"


@dataclass
class _Converter:
    """Decoded frame -> (H, W, 3) uint8 RGB at the target size, upright.

    A frame of another size as displayed than the first (a stream that switches resolution, or
    its sample aspect ratio: a broadcast switching 4:3 and 16:9 at the same stored size) is scaled
    to the target size as well, and said in :meth:`size_notes`; one of another displayed shape is
    a :class:`VideoError`: stretched to the first frame's shape, a pan of a 96x96 part of a 128x96
    picture was read as a move sideways. Each frame is shown at the size its own sample aspect
    ratio gives (where the decoder's changes: :attr:`context`); where it does not change, at the
    stream's (a container's, MP4's ``pasp``, overrides the frames').
    """

    width: int
    height: int
    orientation: _Orientation
    source: tuple[int, int]  # the first frame's stored (width, height)
    path: Path
    aspect: dict[str, Any] = field(default_factory=dict)  # :func:`_aspect_notes` and :func:`_interlace_notes`
    hdr: set[int] = field(default_factory=set)  # the HDR transfers (:data:`_HDR_TRANSFERS`) of converted frames
    untoned: str | None = None  # why HDR frames are shown as stored (not tone-mapped), once they are
    dolby_vision: bool = False  # :func:`_dolby_vision_ipt`: the colours cannot be made BT.709
    wide: bool = False  # frames with BT.2020 primaries and an SDR transfer were converted
    unmapped: str | None = None  # why such frames are shown as stored (BT.2020 RGB read as BT.709's)
    stream_sar: Fraction | None = None  # the stream's sample aspect ratio: the first frame's
    decoder_sar: Fraction = Fraction(1)  # the decoder's (:func:`_sar_of`) at the first frame
    context: Any = None  # the decoder's codec context, while decoding: its SAR changes ahead of its frames
    probe: _SarProbe | None = None  # measures each frame's SAR once the decoder's has changed
    sizes: list[tuple[int, int]] = field(default_factory=list)  # stored sizes of the frames, in turn
    sars: list[Fraction] = field(default_factory=list)  # and their sample aspect ratios, in turn
    changes: list[int] = field(default_factory=lambda: [0, 0])  # frames converted after a size / SAR change
    bound: bool = False  # :meth:`decoding` has read the stream's and the decoder's SAR
    key_sar: Fraction | None = None  # the SAR of the last key frame decoded since it is measured (:meth:`see`)
    key_size: tuple[int, int] | None = None  # and that key frame's stored size
    seen: Any = None  # that key frame (its SAR is not measured twice)

    @classmethod
    def of(
        cls, frame: av.VideoFrame, stream: av.video.stream.VideoStream, path: Path, max_side: int | None
    ) -> _Converter:
        display = _display_size(frame.width, frame.height, stream, path)
        tw, th = _target_size_of(path, *display, max_side)
        orientation = _orientation(frame, stream, path)
        dolby_vision = _dolby_vision_ipt(stream.codec_tag, _has_dolby_vision_rpu(frame), int(frame.color_trc))
        aspect = {**_aspect_notes(stream, *display, orientation), **_interlace_notes(frame, stream, path)}
        return cls(tw, th, orientation, (frame.width, frame.height), path, aspect, dolby_vision=dolby_vision).decoding(
            stream
        )

    def decoding(self, stream: av.video.stream.VideoStream) -> _Converter:
        """This converter, for the frames of ``stream`` (opened again for a second decoding)."""
        self.context = stream.codec_context
        if not self.bound:
            self.bound = True
            self.stream_sar = stream.sample_aspect_ratio
            self.decoder_sar = _sar_of(self.context.sample_aspect_ratio)
        return self

    def _displayed(self, frame: av.VideoFrame) -> tuple[tuple[int, int], Fraction]:
        """The frame's size as displayed (stored orientation) and its sample aspect ratio."""
        if self.probe is None and (
            self.context is None or _sar_of(self.context.sample_aspect_ratio) == self.decoder_sar
        ):
            return _shown_size(frame.width, frame.height, self.stream_sar), _sar_of(self.stream_sar)
        self.probe = self.probe or _SarProbe()  # the decoder's changed: it stays measured from here on
        size = (frame.width, frame.height)
        sar = self.key_sar if frame is self.seen and self.key_sar is not None else self.probe(frame)
        if not frame.key_frame and self.key_sar is not None and size == self.key_size:
            # a stream's SAR changes with a new sequence header, at a key frame: FFmpeg tags a frame of
            # unspecified SAR with the decoder's, already the next sequence's for the frames it held back.
            # The key frame's is the sequence's, whether or not that key frame was one of those read.
            sar = self.key_sar
        elif self.sars and sar != self.sars[-1] and not frame.key_frame and size == self.sizes[-1]:
            sar = self.sars[-1]  # no key frame decoded since the decoder's changed: the sequence's is the last
        if sar == self.decoder_sar:  # the first frame's: the stream's (a container's overrides it)
            return _shown_size(frame.width, frame.height, self.stream_sar), _sar_of(self.stream_sar)
        return _shown_size(frame.width, frame.height, sar), sar

    def see(self, frame: av.VideoFrame) -> None:
        """Take note of a decoded frame, read or not: a key frame's sample aspect ratio is measured
        once the decoder's has changed (:meth:`_displayed`), so that the frames read after it get
        their sequence's SAR when the key frame that starts it is not one of those read (sampling)."""
        if not frame.key_frame:
            return
        if self.probe is None and (
            self.context is None or _sar_of(self.context.sample_aspect_ratio) == self.decoder_sar
        ):
            # the decoder's has not changed yet: this key frame's sequence is the first frame's. Taken
            # note of, not measured: the frames of its sequence that come out after the decoder's changes
            # (held back, or read by sampling that skips the key frame) are tagged with the next one's when
            # theirs is unspecified (a 128x64 frame of no SAR read as 2:1, refused as another shape)
            self.key_sar, self.key_size, self.seen = self.decoder_sar, (frame.width, frame.height), frame
            return
        self.probe = self.probe or _SarProbe()
        self.key_sar, self.key_size, self.seen = self.probe(frame), (frame.width, frame.height), frame

    def _check_size(self, frame: av.VideoFrame) -> None:
        """Raise for a frame of another displayed shape than the first; count size and SAR changes."""
        size = (frame.width, frame.height)
        (w, h), sar = self._displayed(frame)
        if not self.sizes:
            self.sizes, self.sars = [self.source], [_sar_of(self.stream_sar)]
        w0, h0 = _shown_size(*self.source, self.stream_sar)
        if (w, h) != (w0, h0) and abs((w * h0) / (h * w0) - 1) > _SHAPE_TOLERANCE:
            (sw0, sh0), (sw, sh) = self.source, size
            why = (
                f"; the sample aspect ratio changed from {_ratio(self.sars[0])} to {_ratio(sar)} (stored {sw0}x{sh0}, "
                f"then {sw}x{sh})"
                if sar != self.sars[0]
                else ""
            )
            raise VideoError(
                f"{self.path}: the frame size changes from {w0}x{h0} to {w}x{h}, another shape, "
                f"within the video stream (sizes as displayed){why}; frames of different shapes cannot be related"
            )
        if size != self.sizes[-1]:
            self.sizes.append(size)
        if sar != self.sars[-1]:
            self.sars.append(sar)
        self.changes[0] += size != self.source
        # a ratio out of range is ignored (:func:`_shown_size`): such a frame is read at its stored size,
        # as one of square pixels, not rescaled to another ratio
        self.changes[1] += _in_range(sar) != _in_range(self.sars[0])

    def size_notes(self) -> dict[str, Any]:
        """``frame_size_changes`` (the stored sizes in turn, and how many frames read were not of
        the first) and ``sample_aspect_ratio_changes`` (likewise), with a warning, for a stream
        whose frames changed size or sample aspect ratio: they were brought to the first frame's
        displayed size, keeping its shape."""
        notes: dict[str, Any] = {}
        if len(self.sizes) > 1:
            sizes = [f"{w}x{h}" for w, h in self.sizes]
            log.warning(
                "%s: the stored frame size changes within the video stream (%s); %d frame(s) of another size than "
                "the first were scaled to its displayed size, of the same shape",
                self.path,
                " -> ".join(sizes),
                self.changes[0],
            )
            notes["frame_size_changes"] = {"sizes": sizes, "frames_resized": self.changes[0]}
        if len(self.sars) > 1:
            sars = [_ratio(r) + ("" if _in_range(r) == r else " ignored (out of range)") for r in self.sars]
            ignored = any(_in_range(r) != r for r in self.sars)
            log.warning(
                "%s: the sample aspect ratio changes within the video stream (%s); %d frame(s) of another one than "
                "the first were scaled to its displayed size, of the same shape%s",
                self.path,
                " -> ".join(sars),
                self.changes[1],
                "; a ratio outside 1:4 to 4:1 is taken for damage and its frames are read at their stored size"
                if ignored
                else "",
            )
            notes["sample_aspect_ratio_changes"] = {"ratios": sars, "frames_rescaled": self.changes[1]}
        return notes

    def __call__(self, frame: av.VideoFrame) -> NDArray[np.uint8]:
        img = self._converted(frame)
        on_frame = _ON_FRAME.get()
        if on_frame is not None:
            on_frame(img)
        return img

    def _converted(self, frame: av.VideoFrame) -> NDArray[np.uint8]:
        self._check_size(frame)
        trc = int(frame.color_trc)
        if trc in _HDR_TRANSFERS:
            self.hdr.add(trc)
            if self.untoned is None:
                return self.orientation.apply(self._tone_mapped(frame))
        elif int(frame.color_primaries) == _BT2020 and trc in _SDR_TRANSFERS and not self.dolby_vision:
            self.wide = True
            if self.unmapped is None:
                mapped, self.unmapped = self._colour_managed(frame, dst_color_primaries=_BT709)
                if mapped is not None:
                    return self.orientation.apply(mapped)
        img = np.asarray(frame.to_ndarray(format="rgb24", width=self.width, height=self.height), dtype=np.uint8)
        return self.orientation.apply(img)

    def _tone_mapped(self, frame: av.VideoFrame) -> NDArray[np.uint8]:
        """An HDR frame as SDR BT.709 RGB, by libswscale's colour management: the transfer's
        light (PQ: absolute, SDR white at BT.2408's 203 cd/m2; HLG: relative) tone-mapped to
        BT.709 and the BT.2020 gamut mapped into BT.709's. Before FFmpeg 8 (libswscale 9)
        libswscale changes the YUV matrix only: the frames are then shown as stored, said in
        :meth:`colour_notes`, and this is not called again for the clip."""
        img, why = self._colour_managed(frame, dst_color_trc=_BT709, dst_color_primaries=_BT709)
        if img is not None:
            return img
        self.untoned = str(why).replace("colour management", "tone mapping")
        return np.asarray(frame.to_ndarray(format="rgb24", width=self.width, height=self.height), dtype=np.uint8)

    def _colour_managed(self, frame: av.VideoFrame, **dst: int) -> tuple[NDArray[np.uint8] | None, str | None]:
        """(the frame as RGB at the target size, converted by libswscale's colour management to the
        ``dst_color_trc`` / ``dst_color_primaries`` given, None); (None, why) where it cannot be."""
        swscale = av.library_versions.get("libswscale", (0,))
        if swscale[0] < _SWSCALE_COLOUR_MANAGED:
            return None, f"libswscale {'.'.join(map(str, swscale))} (FFmpeg before 8) has no colour management"
        try:
            out = _reformatter(frame, self.width, self.height).reformat(
                frame, format="rgb24", width=self.width, height=self.height, **dst
            )
            return np.asarray(out.to_ndarray(), dtype=np.uint8), None
        except TypeError as exc:  # a PyAV that cannot ask for a transfer or primaries (before 17)
            what = "transfer" if "dst_color_trc" in dst else "primaries"
            return None, f"PyAV {av.__version__} cannot ask libswscale for a {what} conversion ({exc})"
        except av.error.FFmpegError as exc:
            return None, f"libswscale refused the conversion ({exc})"

    def colour_notes(self) -> dict[str, Any]:
        """``hdr_transfer`` (PQ or HLG) and ``hdr_tone_mapped`` for a clip whose frames carry an
        HDR transfer, with a warning (and ``hdr_not_tone_mapped``, the reason) when they were
        shown as stored: PQ levels read as BT.709 gamma are dark and flat (the real clips' grey
        std fell from 52 to 25; fast's inliers to 21-93 % of the SDR clip's), HLG's dull (std 41)."""
        notes = {**(_dolby_vision_notes(self.path) if self.dolby_vision else {}), **self._gamut_notes()}
        if not self.hdr:
            return notes
        names = ", ".join(_HDR_TRANSFERS[t] for t in sorted(self.hdr))
        if self.untoned is None:
            log.info("%s: HDR video (%s); frames tone-mapped to SDR BT.709", self.path, names)
            return {**notes, "hdr_transfer": names, "hdr_tone_mapped": True}
        log.warning(
            "%s: HDR video (%s) whose frames are shown as stored, without tone mapping: %s; PQ frames look "
            "dark and flat and lose image features (convert it to SDR first, e.g. ffmpeg -vf "
            "zscale=t=linear,tonemap=hable,zscale=t=bt709:p=bt709:m=bt709,format=yuv420p)",
            self.path,
            names,
            self.untoned,
        )
        return {**notes, "hdr_transfer": names, "hdr_tone_mapped": False, "hdr_not_tone_mapped": self.untoned}

    def _gamut_notes(self) -> dict[str, Any]:
        """``wide_gamut`` and ``gamut_mapped`` for SDR frames with BT.2020 primaries: converted to
        BT.709's they have the colours the camera saw (read as BT.709 RGB they are desaturated: a
        real clip's mean saturation 48 instead of 64, 6.5 grey levels off); a warning where not."""
        if not self.wide:
            return {}
        if self.unmapped is None:
            log.info("%s: SDR video with BT.2020 primaries; colours converted to BT.709", self.path)
            return {"wide_gamut": "BT.2020 (SDR transfer)", "gamut_mapped": True}
        log.warning(
            "%s: SDR video with BT.2020 primaries whose colours are shown as stored (desaturated): %s",
            self.path,
            self.unmapped,
        )
        return {"wide_gamut": "BT.2020 (SDR transfer)", "gamut_mapped": False, "gamut_not_mapped": self.unmapped}


class _FrameStack:
    """Frames appended one at a time into one (N, H, W, 3) array, with no copy at the end.

    The array is reserved for the expected number of frames (memory that is never written is
    not resident; the reservation is capped at :data:`_RESERVE_BYTES`) and doubles when more
    frames come.
    """

    def __init__(self, expected: int) -> None:
        self.expected = max(1, expected)
        self.data: NDArray[np.uint8] | None = None
        self.size = 0

    def append(self, img: NDArray[np.uint8]) -> None:
        if self.data is None:
            self.data = np.empty((min(self.expected, max(1, _RESERVE_BYTES // img.nbytes)), *img.shape), np.uint8)
        elif self.size == len(self.data):
            grown = np.empty((2 * len(self.data), *img.shape), np.uint8)
            grown[: self.size] = self.data
            self.data = grown
        self.data[self.size] = img
        self.size += 1

    def array(self) -> NDArray[np.uint8]:
        assert self.data is not None
        return self.data[: self.size]


def _expected_frames(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, fps: float | None
) -> int:
    """How many frames :func:`_read_streaming` will probably keep, from the header (0 if unknown)."""
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / av.time_base
    else:
        return stream.frames
    rate = fps if fps is not None else _native_fps(stream)
    if not (math.isfinite(seconds) and seconds >= 0 and rate > 0):
        return stream.frames
    return int(seconds * rate) + 2


def _too_many(path: Path, max_frames: int, fps: float | None, num_frames: int | None, kept: int | None) -> VideoError:
    how = f"{fps:g} frames a second" if fps is not None else "every frame"
    how = f"{num_frames} evenly spaced frames" if num_frames is not None else how
    count = f"{kept} frames, more than" if kept is not None else "more than"
    return VideoError(
        f"{path}: sampling {how} keeps {count} max_frames={max_frames}, more than a clip of one shot "
        "needs: split the video into shots, or sample fewer frames"
    )


def _frame_time(pts: int, time_base: Fraction) -> float:
    """A frame's time in seconds, computed as PyAV computes ``VideoFrame.time`` (the same float,
    so that :func:`sample_indices` breaks a tie between two frames the same way for both)."""
    return float(pts) * time_base.numerator / time_base.denominator


def _from_first_frame(
    times: NDArray[np.float64], pts: list[int] | None = None, time_base: Fraction | None = None
) -> tuple[NDArray[np.float64], float]:
    """Frame ``times`` (sorted, seconds of the container's clock) as seconds from the first frame
    shown, and the container's time of that frame.

    Every time in the package counts from the first frame shown (frame 0 at 0 s): labels, the
    synthetic ground truth, the trajectory importers (``start_frame * duration / frames``) and the
    VLM's patch times do. Containers start elsewhere: a ``.ts`` remux at the B-frame delay (0.2 s),
    an MP4 without an edit list likewise, ``ffmpeg -itsoffset`` wherever it was told, an edit list
    before 0 below 0; their times, written into a trajectory, paired video frame ``k`` with ground
    truth frame ``k + start * fps``. The times' differences, all that rates, gaps and sampling
    use, are kept; the start is kept in ``notes["start_time_s"]`` (:func:`_start_notes`).

    With the frames' ``pts`` (the same ones, sorted) in ``time_base``, each time is computed from
    its ``pts`` less the first's, as :func:`_frame_time` computes a time: a clip and its remux to
    another time base or start (MP4's 1/10240 s at 0, a ``.ts``'s 1/90000 s at 0.2 s) get the same
    floats, so :func:`sample_indices` breaks a tie between two frames (8 fps ticks on 10 fps
    frames) the same way for both, as it does for a clip starting at 0.

    Example:
        >>> _from_first_frame(np.array([0.2, 0.3]), [18000, 27000], Fraction(1, 90000))
        (array([0. , 0.1]), 0.2)
    """
    if not len(times):
        return times, 0.0
    if pts is not None and time_base is not None:
        first = pts[0]
        relative = np.array([_frame_time(p - first, time_base) for p in pts], dtype=np.float64)
        return relative, _frame_time(first, time_base)
    origin = float(times[0])
    return (times - origin if origin != 0.0 else times), origin


def _start_notes(origin: float) -> dict[str, Any]:
    """``{"start_time_s": origin}`` when the first frame shown is not at the container's 0 s."""
    return {"start_time_s": origin} if origin != 0.0 else {}


def _read_skipping(path: Path, fps: float, max_side: int | None, max_frames: int | None) -> VideoClip | None:
    """:func:`_read_streaming` for a sampling by ``fps``, without decoding the frames nothing needs.

    The packets' timestamps are read first (demuxing, no decoding), which tells which frames
    :func:`sample_indices` keeps; a frame that is neither kept nor a reference of another frame
    (most B-frames of H.264 and HEVC) is then not decoded at all (the decoder's ``skip_frame``,
    set packet by packet). The kept frames are those a full decoding gives, pixel for pixel.
    Measured on a 720p 30 fps H.264 clip (x264 preset medium): 148 of its 300 frames are skipped
    and decoding takes about half the CPU time; a stream without B-frames saves nothing.

    Returns None, for the full decoding to decide, whenever this cannot be sure to give the same
    frames: a packet without a timestamp, repeated timestamps, a sampling longer than
    ``max_frames``, or a decoder that returns frames other than the timestamps promised.
    """
    with _open(path) as container:
        stream = _video_stream(container)
        time_base = stream.time_base
        if time_base is None:
            return None
        pts: list[int] = []
        keyed = False
        try:
            for packet in container.demux(stream):
                keyed = keyed or bool(packet.is_keyframe)
                if not keyed and packet.size > 0 and not packet.is_corrupt:
                    return None  # frames before the first keyframe: the full decoding counts those it drops
                if packet.pts is None:
                    if packet.size == 0:
                        continue  # the flush packet at the end
                    return None
                if packet.is_corrupt or packet.is_discard:
                    continue  # not shown: the full decoding skips or drops these as well
                pts.append(packet.pts)
                if max_frames is not None and len(pts) % 256 == 0:
                    span = _frame_time(max(pts), time_base) - _frame_time(min(pts), time_base)
                    if span * fps > max_frames + 1:
                        return None  # a film given for a clip: the full decoding stops at max_frames
        except av.error.FFmpegError:
            return None  # the full decoding reports it, with its frame count
        if len(pts) > 1 and container.format.name == "mpegts" and _ends_inside(path, "mpegts", live=True) is not None:
            pts.pop()  # the partial packet a cut transport stream ends with: not decoded (_Decoder._packets)
        if stream.codec_context.has_b_frames and bool(np.all(np.diff(pts) > 0)):
            # times that increase in decoding order, from a decoder that reorders frames: decoding
            # times (:meth:`_Decoder.stamped_in_decoding_order`), which name other frames than the
            # ones kept; with the B-frames between skipped, nothing would show it
            return None
    order = sorted(pts)
    if not order or len(set(order)) < len(order):
        return None
    times, origin = _from_first_frame(np.array([_frame_time(p, time_base) for p in order]), order, time_base)
    keep = sample_indices(times, fps=fps)
    if max_frames is not None and len(keep) > max_frames:
        return None
    slot = {order[k]: j for j, k in enumerate(keep)}  # pts -> output slot
    frames: NDArray[np.uint8] | None = None
    convert: _Converter | None = None
    shown: list[int] = []  # pts of the frames the decoder returned, in order
    in_full: set[int] = set()  # pts of the packets decoded in full: each must come out as a frame

    def wanted(packet: av.Packet) -> bool:
        if packet.pts is not None and packet.pts in slot:
            in_full.add(packet.pts)
            return True
        return False

    with _open(path) as container:
        decoder = _Decoder(container, path)  # the stream, its threads, the declared frame count
        try:
            for frame in decoder.frames(wanted):
                if frame.pts is None or (shown and frame.pts <= shown[-1]):
                    return None
                shown.append(frame.pts)
                if convert is not None:
                    convert.see(frame)
                j = slot.get(frame.pts)
                if j is None:
                    continue
                if convert is None:
                    convert = _Converter.of(frame, decoder.stream, path, max_side)
                    convert.see(frame)
                img = convert(frame)
                if frames is None:
                    frames = np.empty((len(keep), *img.shape), np.uint8)
                frames[j] = img
        except VideoError:
            return None  # a stream the decoder rejects: the full decoding reports it, with its frame count
    if decoder.rejected:
        # damaged packets: the frames shown are not those a full decoding would (a skipped frame's
        # packet is not decoded, so its damage is not found): the full decoding counts them
        return None
    seen = set(shown)
    if frames is None or convert is None or not in_full <= seen or not seen <= set(order) or not set(slot) <= seen:
        return None  # (every slot filled: the frames were allocated uninitialised)
    decoder.decoded = len(order)  # the frames shown, whether decoded or skipped
    # native_fps was read while the file was open: the closed stream's memory is freed
    rate, gaps, rate_notes = _measured(decoder.native_fps, decoder.averaged, times, path, decoder.base_rate)
    notes = {
        **decoder.notes(),
        **_start_notes(origin),
        **rate_notes,
        **decoder.span_notes(times, rate),
        **_gap_notes(times, rate, gaps, path),
        **convert.orientation.notes(),
        **convert.aspect,
        **convert.colour_notes(),
        **convert.size_notes(),
    }
    return VideoClip(frames, times[keep], keep.astype(np.int64), rate, path, notes)


def _read_streaming(path: Path, fps: float | None, max_side: int | None, max_frames: int | None) -> VideoClip | None:
    """One pass: decide frame by frame which frames to keep (None if timestamps go backwards, are
    missing or repeat, which needs every timestamp first). Stops as soon as more than ``max_frames``
    would be kept, so a film given for a clip costs that many frames of memory, not the film's."""
    picker = _TickPicker(fps)
    kept: list[int] = []  # decoding positions of the kept frames, increasing
    with _open(path) as container:
        stream = _video_stream(container)
        native_fps, averaged, base_rate = _native_fps(stream), _averaged(stream), _base_rate(stream)
        stack = _FrameStack(_expected_frames(container, stream, fps))
        convert: _Converter | None = None
        last: list[av.VideoFrame] = []  # the two latest frames (a tick may settle on either)

        def keep(positions: list[int], newest: int) -> None:
            assert convert is not None
            for pos in positions:  # non-decreasing: a later tick never settles on an earlier frame
                if not kept or pos > kept[-1]:
                    if max_frames is not None and len(kept) == max_frames:
                        raise _too_many(path, max_frames, fps, None, None)
                    stack.append(convert(last[pos - newest - 1 + len(last)]))
                    kept.append(pos)

        decoder = _Decoder(container, path)
        origin, first_pts, time_base = 0.0, 0, Fraction(1)  # the first frame's: the times kept count from it
        for frame in decoder:
            t, pts, base = frame.time, frame.pts, frame.time_base
            if t is None or not math.isfinite(t) or pts is None or base is None:
                return None  # :func:`_scan` times such frames
            if not picker.times:
                origin, first_pts, time_base = float(t), pts, base
            if base != time_base:
                return None
            t = _frame_time(pts - first_pts, time_base)  # as :func:`_from_first_frame`: the same frames kept
            if picker.times and t < picker.times[-1]:
                return None
            if convert is None:
                convert = _Converter.of(frame, stream, path, max_side)
            convert.see(frame)
            last = [*last[-1:], frame]
            newest = len(picker.times)
            keep(picker.push(t), newest)
        n = len(picker.times)
        if n == 0 or convert is None:
            raise _no_frames(path, decoder.none_shown())
        if len(set(picker.times)) < n:  # frames sharing a time: :func:`_scan` times them by the frame rate
            return None
        keep(picker.finish(), n - 1)
    ts = np.asarray(picker.times, dtype=np.float64)
    idx = np.asarray(kept, dtype=np.int64)
    rate, gaps, rate_notes = _measured(native_fps, averaged, ts, path, base_rate)
    notes = {
        **decoder.notes(),
        **_start_notes(origin),
        **rate_notes,
        **decoder.span_notes(ts, rate),
        **_gap_notes(ts, rate, gaps, path),
        **convert.orientation.notes(),
        **convert.aspect,
        **convert.colour_notes(),
        **convert.size_notes(),
    }
    return VideoClip(stack.array(), ts[idx], idx, rate, path, notes)


@dataclass
class _Scan:
    """Timestamps of every frame, in presentation order, from one decoding pass."""

    times: NDArray[np.float64]  # sorted
    order: NDArray[np.int64]  # decoding position of each sorted frame
    native_fps: float
    width: int
    height: int
    orientation: _Orientation
    source: tuple[int, int]  # the first frame's stored (width, height)
    notes: dict[str, Any]  # the decoder's (frames decoded vs declared, damaged packets)
    colour: tuple[int, int] = (2, 2)  # the first frame's transfer and primaries (FFmpeg's values)
    dolby_vision: bool = False  # :func:`_dolby_vision_ipt`


_FEW_REPEATS = 0.02
"""Largest share of a stream's frames that may repeat another frame's timestamp for :func:`_scan`
to keep the timestamps (:func:`_spread_repeats`; one repeat always): one or two rounded collisions in a variable-rate
file whose other frames carry its real timing (pauses of seconds). More than that (every frame
twice, all at zero: a broken muxer) and the timestamps are not the frames' times: the stream's
frame rate times them instead."""


def _spread_repeats(ts: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[float]]:
    """``ts`` (finite, at least two distinct) with each run of ``k`` equal times ``t`` spread over
    ``t, t + d/k, ..., t + (k-1) d/k``, ``d`` the step to the next larger time but at most the
    median step between distinct times (so a repeat before a pause stays near its time), and the
    times so spread. The frames keep their order.

    Example:
        >>> _spread_repeats(np.array([0.0, 1.0, 1.0, 2.0]))
        (array([0. , 1. , 1.5, 2. ]), [1.0])
    """
    order = np.argsort(ts, kind="stable")
    sorted_ts = ts[order]
    distinct = np.unique(sorted_ts)
    last_step = float(np.median(np.diff(distinct)))
    out = sorted_ts.copy()
    placed: list[float] = []
    start = 0
    while start < len(sorted_ts):
        stop = start
        while stop + 1 < len(sorted_ts) and sorted_ts[stop + 1] == sorted_ts[start]:
            stop += 1
        k = stop - start + 1
        if k > 1:
            t = float(sorted_ts[start])
            # never further than the stream's usual step: a repeat before a 20 s pause is not 10 s late
            step = min(float(sorted_ts[stop + 1]) - t, last_step) if stop + 1 < len(sorted_ts) else last_step
            out[start : stop + 1] = t + np.arange(k) * step / k
            placed.append(t)
        start = stop + 1
    result = np.empty_like(ts)
    result[order] = out
    return result, placed


def _rate_of_span(
    ts: NDArray[np.float64], native_fps: float, base_rate: float, notes: dict[str, Any], path: Path
) -> tuple[float, dict[str, Any]]:
    """The rate that times frames whose timestamps ``ts`` (finite, in decoding order) repeat too often
    to be kept, and ``notes``: the declared rate, unless the timestamps' span (first to last) clearly
    disagrees with it, when the rate of that span (or FFmpeg's ``base_rate`` within
    :data:`_CONSISTENT` of it), with ``declared_fps`` and a warning. The times exist, only not one per
    frame: a transport stream whose H.264 headers declare 100 fps while its frames (two at each time)
    span 2.8 s was read as 0.29 s long, its pan ten times as fast. Timestamps that still go back
    (parts joined end to end are rejoined before this, :func:`_resets`; frames out of order that are
    not such parts) do not give the video's span in order: the declared rate stands for them."""
    if np.any(np.diff(ts) < 0):
        return native_fps, notes
    span = float(np.max(ts) - np.min(ts))
    if span <= 0:
        return native_fps, notes  # all at one time: the timestamps give no rate
    spanned = (len(ts) - 1) / span
    if native_fps > 0 and abs(native_fps / spanned - 1.0) <= _CONSISTENT:
        return native_fps, notes
    rate = base_rate if base_rate > 0 and abs(base_rate / spanned - 1.0) <= _CONSISTENT else spanned
    if native_fps > 0:
        log.warning(
            "%s: the stream declares %.6g fps but its %d frames span %.4g s of timestamps (%.6g fps): the "
            "frames are timed at %.6g fps",
            path,
            native_fps,
            len(ts),
            span,
            spanned,
            rate,
        )
        notes = {**notes, "declared_fps": native_fps}
    return rate, notes


def _resets(ts: NDArray[np.float64]) -> NDArray[np.int64]:
    """Where the frame times ``ts`` (finite, in the order the decoder returns the frames) start again:
    the positions ``i`` of steps back from ``ts[i]`` to ``ts[i + 1]`` of more than :data:`_GAP_INTERVALS`
    frame intervals (the median step forward) after which at least two frames in a row lie before
    ``ts[i]``: a second part whose clock starts again. A frame muxed late (one stray frame before
    ``ts[i]``) or a few frames out of order (a short step back) are not: sorting puts them in place.

    Example:
        >>> _resets(np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.05, 0.15, 0.25]))
        array([5])
    """
    steps = np.diff(ts)
    forward = steps[steps > 0]
    if len(forward) < 2 or not np.all(np.isfinite(ts)):
        return np.zeros(0, dtype=np.int64)
    interval = float(np.median(forward))
    found = [
        int(i)
        for i in np.flatnonzero(steps < -_GAP_INTERVALS * interval)
        if i + 2 < len(ts) and ts[i + 1] < ts[i + 2] < ts[i]
    ]
    return np.asarray(found, dtype=np.int64)


def _rejoined(ts: NDArray[np.float64], resets: NDArray[np.int64]) -> tuple[NDArray[np.float64], float]:
    """The times ``ts`` of parts that start again after the positions ``resets`` (:func:`_resets`), each
    part shifted to start one frame interval (the median step forward) after the latest time before it;
    and that interval. Each part keeps its own steps.

    Example:
        >>> _rejoined(np.array([0.0, 0.1, 0.2, 0.05, 0.15]), np.array([2]))
        (array([0. , 0.1, 0.2, 0.3, 0.4]), 0.1)
    """
    steps = np.diff(ts)
    interval = float(np.median(steps[steps > 0]))
    out = ts.copy()
    for i in resets:
        start = int(i) + 1
        out[start:] += float(np.max(out[:start])) + interval - out[start]
    return out, interval


def _part_starts(times: NDArray[np.float64], order: NDArray[np.int64], resets: NDArray[np.int64]) -> list[float]:
    """When each part after the positions ``resets`` (:func:`_resets`, in decoding order) starts in the
    clip's final timeline: ``times`` (sorted, from the first frame shown, as :attr:`VideoClip.timestamps`)
    of the frames at the decoding positions ``order``; a part starts at its earliest frame. These are the
    times a sampled clip's :attr:`VideoClip.timestamps` are expressed in (``notes["timestamps_reset_s"]``):
    the first sampled frame at or after one is the first sampled frame of a part whose clock has nothing to
    do with the previous part's, so no motion is known across the joint.

    Example:
        >>> _part_starts(np.array([0.0, 0.1, 0.2, 0.3]), np.array([0, 1, 2, 3]), np.array([1]))
        [0.2]
    """
    by_decoding = np.empty_like(times)
    by_decoding[order] = times
    bounds = [*(int(i) + 1 for i in resets), len(times)]
    return [float(np.min(by_decoding[a:b])) for a, b in itertools.pairwise(bounds)]


def _scan(path: Path) -> _Scan:
    times: list[float] = []
    stamps: list[int | None] = []  # the frames' pts, in ``bases``' one time base: their exact times
    bases: set[Fraction | None] = set()
    first: tuple[int, int, _Orientation, tuple[int, int]] | None = None
    colour, dolby_vision = (2, 2), False
    with _open(path) as container:
        decoder = _Decoder(container, path)
        native_fps, averaged, base_rate = decoder.native_fps, decoder.averaged, decoder.base_rate
        time_base = decoder.stream.time_base
        for frame in decoder:
            if first is None:
                size = _display_size(frame.width, frame.height, decoder.stream, path)
                first = (*size, _orientation(frame, decoder.stream, path), (frame.width, frame.height))
                aspect = _aspect_notes(decoder.stream, *size, first[2])
                aspect = {**aspect, **_interlace_notes(frame, decoder.stream, path)}
                colour = (int(frame.color_trc), int(frame.color_primaries))
                dolby_vision = _dolby_vision_ipt(decoder.stream.codec_tag, _has_dolby_vision_rpu(frame), colour[0])
            t = frame.time
            times.append(float(t) if t is not None else float("nan"))
            stamps.append(frame.pts)
            bases.add(frame.time_base)
    if first is None:
        raise _no_frames(path, decoder.none_shown())
    # the display rotation here, for :func:`probe_video` and :func:`_read_two_pass` alike
    notes = {**decoder.notes(), **first[2].notes(), **aspect}
    ts = np.asarray(times, dtype=np.float64)
    # Parts joined end to end first, on the times as decoded: two parts whose clocks restart at the
    # same values (``cat a.ts a.ts``, an HLS recording of one source) share every timestamp, and
    # were taken for a broken muxer's repeats and timed by the frame rate, their joint hidden (red
    # team R83). Not where the frames carry decoding times (their small steps back are B-frame
    # reordering, :meth:`_Decoder.stamped_in_decoding_order`; a file whose clock restarts has
    # packets whose times go back, which such a stream never has), nor without every timestamp
    # (:func:`_resets` finds none then: missing times are timed by the frame rate below).
    resets = np.zeros(0, dtype=np.int64) if decoder.stamped_in_decoding_order(ts) else _resets(ts)
    if len(resets):
        # files joined end to end (``cat a.ts b.ts``, a recorder restarting its clock): each part's
        # times start again, and sorting them wove the parts' frames into one another (a pan read
        # as jitter back and forth); a player shows the parts one after the other
        ts, interval = _rejoined(ts, resets)
        log.warning(
            "%s: the frame timestamps start again %d time(s) within the video stream (at decoded frame(s) %s: parts "
            "joined end to end, each with its own clock); the parts are read one after the other, as a player "
            "shows them, each timed by its own timestamps and started one frame interval (%.4g s) after the "
            "previous part's last frame; the motion across each joint is unknown (notes timestamps_reset_s)",
            path,
            len(resets),
            ", ".join(str(int(i) + 1) for i in resets),
            interval,
        )
        notes = {**notes, "timestamps_reset": len(resets)}
    repeated = len(ts) - len(np.unique(ts)) if np.all(np.isfinite(ts)) else 0
    if 0 < repeated <= max(1.0, _FEW_REPEATS * len(ts)) and len(np.unique(ts)) >= 2:
        # a timestamp rounded onto its neighbour's among otherwise distinct ones: the rest still
        # time the frames (a VFR file's 20 s pauses were lost to the frame rate's 4 s for one)
        ts, placed = _spread_repeats(ts)
        log.warning(
            "%s: %d of %d frames repeat another frame's timestamp (at %s s); the other frames keep their "
            "timestamps and each repeat is placed evenly after its timestamp, before the next frame's",
            path,
            repeated,
            len(ts),
            ", ".join(f"{t:.4g}" for t in placed[:8]) + (", ..." if len(placed) > 8 else ""),
        )
        notes = {**notes, "timestamps_repeated": repeated, "timestamps_repeated_placed": True}
        repeated = 0
    if repeated:  # a broken muxer: frames that share a time cannot be placed in time
        native_fps, notes = _rate_of_span(ts, native_fps, base_rate, notes, path)
        if native_fps <= 0:
            raise VideoError(f"{path}: {repeated + 1} frames share timestamps and the stream has no frame rate")
        # A frame interval shorter than the time base: the rate cannot be stored, so it is no more
        # trustworthy than the timestamps it made collide (a 100,000 fps header in Matroska's 1 ms).
        tick = float(time_base) if time_base is not None and native_fps * float(time_base) > 1.0 else None
        log.warning(
            "%s: %d of %d frames repeat another frame's timestamp; timing the frames by the stream's "
            "frame rate (%.3g fps) in the order the decoder shows them instead%s",
            path,
            repeated,
            len(ts),
            native_fps,
            ""
            if tick is None
            else f", but its frame interval is shorter than the container's time base ({tick:.3g} s) can store: "
            "the frame timing is unknown",
        )
        notes = {**notes, "timestamps_repeated": repeated}
        if tick is not None:
            notes["time_base_s"] = tick
    missing = 0 if repeated else int(np.count_nonzero(~np.isfinite(ts)))
    if repeated or missing:  # streams without usable timestamps: the nominal rate
        if native_fps <= 0:
            raise VideoError(f"{path}: frames carry no timestamps and the stream has no frame rate")
        if missing:  # frames the decoder returns without a time (a Matroska file written with negative times)
            log.warning(
                "%s: %d of %d frames carry no timestamp; timing the frames by the stream's frame rate (%.3g fps) "
                "in the order the decoder shows them instead (the file holds no usable frame timing: a raw "
                "elementary stream such as .h264 carries none)",
                path,
                missing,
                len(ts),
                native_fps,
            )
            notes = {**notes, "timestamps_missing": missing}
        ts = np.arange(len(times)) / native_fps
        averaged = True  # the frames are timed by that rate: it is theirs
    if decoder.stamped_in_decoding_order(ts):
        # the frames come out in presentation order, each with a decoding time: sorting the frames
        # by those times scrambled every B-frame group (a pan read as jitter back and forth); the
        # times, sorted, are the frames' in the order they come out
        log.warning(
            "%s: the frames carry their decoding times, not their presentation times (a container without "
            "presentation times, such as H.264 with B-frames in AVI); the frames are timed in the order the "
            "decoder shows them",
            path,
        )
        notes = {**notes, "timestamps_in_decoding_order": True}
        ts = np.sort(ts)
    backwards = int(np.count_nonzero(np.diff(ts) < 0))
    if backwards:  # the decoder returns frames in presentation order: only a damaged file's times go back
        log.warning(
            "%s: the frame timestamps go backwards %d time(s) in decoding order (a damaged or badly muxed file); "
            "the frames are put in timestamp order",
            path,
            backwards,
        )
        notes = {**notes, "timestamps_backwards": backwards}
    order = np.argsort(ts, kind="stable").astype(np.int64)
    # the times the container gave each frame, not spread or replaced by the frame rate's
    exact = sorted(p for p in stamps if p is not None) if len(bases) == 1 and None not in stamps else None
    base = next(iter(bases)) if exact is not None else None
    if "timestamps_repeated" in notes or "timestamps_reset" in notes or missing:
        exact = None
    ts, origin = _from_first_frame(ts[order], exact, base)
    if len(resets):
        notes = {**notes, "timestamps_reset_s": _part_starts(ts, order, resets)}
    rate, gaps, rate_notes = _measured(native_fps, averaged, ts, path, base_rate)
    notes = {
        **notes,
        **_start_notes(origin),
        **rate_notes,
        **decoder.span_notes(ts, rate),
        **_gap_notes(ts, rate, gaps, path),
    }
    return _Scan(ts, order, rate, *first, notes, colour, dolby_vision)


def _read_two_pass(
    path: Path, fps: float | None, num_frames: int | None, max_side: int | None, max_frames: int | None
) -> VideoClip:
    """Timestamps of every frame first, then a second decoding that keeps the chosen frames."""
    scan = _scan(path)
    keep = sample_indices(scan.times, fps=fps, num_frames=num_frames)
    if max_frames is not None and len(keep) > max_frames:
        raise _too_many(path, max_frames, fps, num_frames, len(keep))
    slot = {int(scan.order[k]): j for j, k in enumerate(keep)}  # decoding position -> output slot
    tw, th = _target_size_of(path, scan.width, scan.height, max_side)
    convert = _Converter(tw, th, scan.orientation, scan.source, path, dolby_vision=scan.dolby_vision)
    frames: NDArray[np.uint8] | None = None
    with _open(path) as container:
        decoder = _Decoder(container, path)
        convert.decoding(decoder.stream)
        for i, frame in enumerate(decoder):
            convert.see(frame)
            if i in slot:
                img = convert(frame)
                if frames is None:
                    frames = np.empty((len(keep), *img.shape), np.uint8)
                frames[slot[i]] = img
    if decoder.decoded != len(scan.times) or frames is None:
        raise VideoError(
            f"{path}: decoded {len(scan.times)} frames, then {decoder.decoded}: decoding is not repeatable"
        )
    notes = {**scan.notes, **convert.colour_notes(), **convert.size_notes()}
    return VideoClip(frames, scan.times[keep], keep, scan.native_fps, path, notes)


def check_video(path: str | Path) -> int:
    """What can be known cheaply about whether :func:`read_video` will read a file: it opens,
    has a video stream, every packet can be read (demuxing, no decoding) and the first frame
    decodes (a damaged packet before it is skipped, as :func:`read_video` skips it). A missing,
    empty, truncated or mislabelled file fails here; a damaged packet further in is found only by
    decoding it (:func:`read_video` skips it, counted in its notes). Costs one frame's decoding
    plus reading the file: 90 ms for a 10 s 720p H.264 clip that takes 0.7 s to decode (2-core
    machine under load).

    Returns:
        The number of packets of the video stream.

    Raises:
        VideoError: naming the file and what is wrong.
    """
    path = Path(path)
    packets = 0
    with _open(path) as container:
        stream = _video_stream(container)
        first = False
        error: av.error.FFmpegError | None = None  # the decoder's first, before a frame decoded
        try:
            for packet in container.demux(stream):
                packets += packet.size > 0
                if not first and not packet.is_corrupt:
                    try:
                        first = any(True for _ in stream.decode(packet))
                    except av.error.FFmpegError as exc:  # a damaged packet: read_video skips it too
                        if isinstance(exc, MemoryError):
                            raise
                        error = error or exc
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: corrupt video stream after {packets} packets ({exc})") from exc
        if not first:
            try:
                first = any(True for _ in stream.decode(None))  # a decoder that holds frames back
            except av.error.FFmpegError as exc:
                raise VideoError(f"{path}: the first frame does not decode ({exc})") from exc
    if not first:
        why = f" (the decoder rejects its packets: {error})" if error is not None else ""
        raise _no_frames(path, why)
    return packets


def declared_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) of the video stream as its header declares it, without decoding: the
    coded size with pixels that are not square stretched to square ones, as :func:`read_video`
    shows the frames (before any ``max_side``; a display rotation, which swaps the sides, is
    left out). None when the header gives no size.

    Raises:
        VideoError: the file is missing, cannot be opened or has no video stream.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container)
        width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        if width < 1 or height < 1:
            return None
        return _display_size(width, height, stream, path)


def declared_duration(path: str | Path) -> float | None:
    """Seconds the file's header declares for its video stream (the container's when the stream
    declares none), without decoding; None when neither declares a positive finite duration.

    Raises:
        VideoError: the file is missing, cannot be opened or has no video stream.
    """
    with _open(Path(path)) as container:
        return _declared_seconds(container, _video_stream(container))[0]


def probe_video(path: str | Path) -> VideoInfo:
    """Frame count, times, rate, displayed size, transfer and primaries, by decoding the whole file
    (exact, not the header's guess); see :class:`VideoInfo` for what each is for odd files.

    Warns, as :func:`read_video` does, about a file that decodes fewer frames than it declares,
    and notes (``dolby_vision``, ``colours_not_bt709``) a Dolby Vision profile 5 stream, whose
    ``transfer`` says ``"unspecified"``.
    """
    path = Path(path)
    scan = _scan(path)
    dur = float(scan.times[-1] - scan.times[0]) + 1.0 / scan.native_fps
    w, h = (scan.height, scan.width) if scan.orientation.transpose else (scan.width, scan.height)
    times = scan.times.copy()
    times.setflags(write=False)
    trc, primaries = _colour_name(scan.colour[0], ColorTrc), _colour_name(scan.colour[1], ColorPrimaries)
    # said here, not in :func:`_scan`: :func:`_read_two_pass` scans first, then its converter says it
    notes = {**scan.notes, **(_dolby_vision_notes(path) if scan.dolby_vision else {})}
    return VideoInfo(path, len(scan.times), scan.native_fps, w, h, dur, notes, times, trc, primaries)


def read_video(
    path: str | Path,
    fps: float | None = None,
    num_frames: int | None = None,
    max_side: int | None = None,
    max_frames: int | None = None,
    on_frame: Callable[[NDArray[np.uint8]], None] | None = None,
) -> VideoClip:
    """Decode a video to upright RGB frames with timestamps, keeping only the sampled frames.

    Args:
        path: the video file.
        fps: sample at this rate (see :func:`sample_indices`).
        num_frames: sample this many frames evenly.
        max_side: resize so the longer side is at most this many pixels.
        max_frames: keep at most this many frames: a sampling that keeps more is an error,
            raised as soon as it is known (memory stays bounded whatever the file's length).
        on_frame: called with each sampled frame (H, W, 3) as soon as it is decoded and converted,
            in this thread, so that work on it can start while the rest decodes (``fast``'s SIFT:
            :class:`~camerabench.baselines.geometry.fast.FrameFeatures`). A frame may be passed
            more than once, or not end up in the clip (a reading that falls back to another pass
            meets its frames again): the clip returned is what was read; a callback that raises
            stops the reading with its exception.

    One decoding pass when the frames carry increasing timestamps and ``num_frames`` is not
    given; otherwise a first pass reads the timestamps and a second keeps the chosen frames.
    With ``fps``, the packets' timestamps are read first (no decoding) and frames that are
    neither kept nor referred to by other frames are not decoded (:func:`_read_skipping`).

    Raises:
        VideoError: the file is missing, cannot be decoded, has no frames, or asks for a
            display rotation that is not a multiple of 90 degrees; the message names the file.
            Also: the sampling keeps more than ``max_frames`` frames.
            Also: a one-frame stream that declares no frame rate (its rate is unknown).
        ValueError: invalid ``fps``, ``num_frames``, ``max_side`` (an integer >= 2) or ``max_frames``.
    """
    path = Path(path)
    fps, num_frames = _check_sampling(fps, num_frames)
    if max_frames is not None:
        if not (_is_integer(max_frames) and max_frames >= 1):
            raise ValueError(f"max_frames must be an integer >= 1, got {max_frames!r}")
        max_frames = int(max_frames)
    max_side = _check_max_side(max_side)
    token = _SAID.set(set())  # each warning once, whichever passes the reading takes (:func:`_warn_once`)
    hook = _ON_FRAME.set(on_frame)
    try:
        if num_frames is None:
            clip = None if fps is None else _read_skipping(path, fps, max_side, max_frames)
            if clip is None:
                clip = _read_streaming(path, fps, max_side, max_frames)
            if clip is not None:
                return clip
        return _read_two_pass(path, fps, num_frames, max_side, max_frames)
    finally:
        _ON_FRAME.reset(hook)
        _SAID.reset(token)


def read_frames(
    path: str | Path, indices: Iterable[int], max_side: int | None = None
) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The frames at the given ``indices`` of the decoded stream (as :attr:`VideoClip.indices`
    counts them: frame 0 is the first frame shown), upright RGB at the size :func:`read_video`
    gives for the same ``max_side``, and their times (seconds from frame 0, as
    :attr:`VideoClip.timestamps`), in increasing order of index.

    For a look at the frames a sampling skipped, around a few places of a clip already read
    (``fast`` reads the frames between two sampled ones where the picture changes at once: a cut,
    or fast camera motion the sampled frames cannot follow). One decoding pass, every frame
    decoded in order up to the last index asked for (no seeking: a seek lands on a keyframe
    whose position in the stream is not known without counting), only the frames asked for
    converted. The frames are counted as they come out of the decoder: for a file whose
    timestamps :func:`read_video` had to sort or repair (see :attr:`VideoClip.notes`) the count
    may name other frames than its indices did; a caller that needs to be sure compares a frame
    both read.

    Raises:
        VideoError: the file cannot be decoded, or it has fewer frames than the largest index.
        ValueError: no index, or a negative one; an invalid ``max_side``.
    """
    path = Path(path)
    wanted = sorted({int(i) for i in indices})
    if not wanted or wanted[0] < 0:
        raise ValueError(f"indices must be non-negative frame indices, at least one; got {wanted[:5]}")
    max_side = _check_max_side(max_side)
    keep = set(wanted)
    frames: list[NDArray[np.uint8]] = []
    times: list[float] = []
    position = -1
    with _open(path) as container:
        decoder = _Decoder(container, path)
        convert: _Converter | None = None
        first_pts: int | None = None
        for frame in decoder:
            position += 1
            if convert is None:
                convert = _Converter.of(frame, decoder.stream, path, max_side)
            convert.see(frame)
            if first_pts is None:
                first_pts = frame.pts
            if position in keep:
                if frame.pts is None or first_pts is None or frame.time_base is None:
                    raise VideoError(f"{path}: frame {position} carries no timestamp")
                frames.append(convert(frame))
                times.append(_frame_time(frame.pts - first_pts, frame.time_base))
            if position >= wanted[-1]:
                break
    if len(frames) < len(wanted):
        raise VideoError(f"{path}: decodes {position + 1} frames; frame {wanted[-1]} was asked for")
    return np.stack(frames), np.asarray(times, dtype=np.float64)


def write_video(path: str | Path, frames: NDArray[np.uint8], fps: float, crf: int = 18, preset: str = "medium") -> None:
    """Encode (N, H, W, 3) uint8 RGB frames as H.264 mp4 (yuv420p), atomically and deterministically.

    Odd widths or heights are cropped by one pixel (yuv420p needs even sizes).
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or len(frames) == 0:
        raise ValueError(f"frames must be a non-empty (N, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    h, w = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    rate = Fraction(fps).limit_denominator(1001)
    with atomic_open(path, "wb") as fh, av.open(fh, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        # mbtree=0: libx264's macroblock-tree rate control with frame threads gives different
        # bits run to run; without it the same frames always encode to the same video.
        stream.options = {"crf": str(crf), "preset": preset, "x264-params": "mbtree=0"}
        stream.thread_type = "AUTO"
        for img in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h, :w]), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
