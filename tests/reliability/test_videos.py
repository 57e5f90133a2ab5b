"""Hostile videos: same-stem names, truncated and damaged files, display rotation (issue 13, point 4).

Every case asserts what the user is told: a file name that no other video shares, a warning
naming the file and both frame counts plus the fact in run.json, a recorded failure with the
reason, or frames turned upright as a player shows them.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from camerabench.baselines.registry import get_predictor
from camerabench.dataset import Question
from camerabench.errors import VideoError
from camerabench.jobs import run_caption, run_predict
from camerabench.runfolder import MethodFolder, video_file_stem
from camerabench.taxonomy import Primitive
from camerabench.video import probe_video, read_video

H, W, N, SHIFT = 96, 128, 12, 3
PAN_RIGHT = Primitive("Pan_Right").question


def _texture(seed: int, h: int, w: int) -> np.ndarray:
    coarse = np.random.default_rng(seed).integers(0, 256, (h // 4 + 1, w // 4 + 1, 3), dtype=np.uint8)
    return cv2.resize(coarse, (w // 4 * 4 + 4, h // 4 * 4 + 4), interpolation=cv2.INTER_CUBIC)[:h, :w]


def _pan(direction: str, seed: int = 0, n: int = N) -> np.ndarray:
    """Frames of a camera panning ``right`` (the picture slides left) or ``left``."""
    tex = _texture(seed, H, W + SHIFT * n)
    offsets = [SHIFT * i if direction == "right" else SHIFT * (n - 1 - i) for i in range(n)]
    return np.stack([tex[:, o : o + W] for o in offsets])


def _write(
    path: Path,
    frames: np.ndarray,
    fmt: str = "mp4",
    rotation: float | None = None,
    hflip: bool = False,
    faststart: bool = False,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Encode frames with PyAV, optionally with a display matrix or a stream tag."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        if rotation is not None or hflip:
            stream.set_display_rotation(rotation or 0, hflip=hflip)
        stream.metadata.update(metadata or {})
        for img in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
        container.mux(stream.encode(None))
    return path


def _binary_labels(root: Path, videos: dict[str, str]) -> None:
    """A Pan_Right label file with one line per video (``Yes`` for a pan right)."""
    folder = root / "labels" / "binary_classification"
    folder.mkdir(parents=True)
    lines = [
        {
            "image": v,
            "question": PAN_RIGHT,
            "label": "Yes" if d == "right" else "No",
            "task": "Pan Right",
            "label_name": "cam_motion.camera_centric_movement.pan_right.has_pan_right",
        }
        for v, d in videos.items()
    ]
    (folder / "Pan_Right.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


# --- same stems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("video", "key"),
    [
        ("clip.mp4", "clip"),
        ("clip.mov", "%clip.mov"),
        ("clip.MP4", "%clip.MP4"),
        ("a/clip.mp4", "%a%2Fclip.mp4"),
        ("b/clip.mp4", "%b%2Fclip.mp4"),
        ("clip", "%clip"),
        ("%clip.mp4", "%%25clip.mp4"),
        ("50%.mp4", "50%"),
        ("clip.mov.mp4", "clip.mov"),
    ],
)
def test_trajectory_file_names(video, key):
    assert video_file_stem(video) == key
    assert MethodFolder(Path("run/fast")).trajectory(video) == Path("run/fast/trajectories") / f"{key}.npz"


@pytest.mark.parametrize(
    "videos",
    [
        ["clip.mp4", "clip.mov"],
        ["a/clip.mp4", "b/clip.mp4", "clip.mp4"],
        ["clip.mov.mp4", "clip.mov"],
        ["clip", "clip.mp4", "%clip.mp4", "%clip"],
        ["x" * 300 + ".mov", "x" * 300 + ".mkv", "y/" + "x" * 300 + ".mov"],
    ],
)
def test_same_stem_videos_never_share_a_trajectory_file(videos):
    names = [MethodFolder(Path("run/fast")).trajectory(v).name for v in videos]
    assert len(set(names)) == len(videos)
    assert all(len(n.encode()) <= 255 for n in names)


def test_same_stem_videos_get_their_own_trajectory_and_caption(tmp_path):
    data = tmp_path / "data"
    directions = {"clip.mp4": "right", "clip.mov": "left", "a/clip.mp4": "left", "b/clip.mp4": "right"}
    for i, (video, direction) in enumerate(directions.items()):
        _write(data / "videos" / video, _pan(direction, seed=i), fmt="mov" if video.endswith(".mov") else "mp4")
    _binary_labels(data, directions)
    run_predict(data, "fast", tmp_path / "run")
    folder = MethodFolder.of(tmp_path / "run", "fast")
    files = sorted(p.name for p in folder.trajectories.iterdir())
    assert files == sorted(["clip.npz", "%clip.mov.npz", "%a%2Fclip.mp4.npz", "%b%2Fclip.mp4.npz"])
    scores = {r["video"]: r["score"] for r in map(json.loads, folder.scores.read_text().splitlines())}
    assert min(scores["clip.mp4"], scores["b/clip.mp4"]) > max(scores["clip.mov"], scores["a/clip.mp4"])

    run_caption(data, "fast", tmp_path / "run")  # captions from the predict run's trajectories
    captions = {r["video"]: r["caption"] for r in map(json.loads, folder.captions.read_text().splitlines())}
    for video, direction in directions.items():
        assert f"pans {direction}" in captions[video], (video, captions[video])


# --- truncated and damaged files -------------------------------------------------------------


def _faststart_truncated(tmp_path: Path, keep: float) -> Path:
    """A file whose header (written first) declares N frames, cut to ``keep`` of its bytes."""
    full = _write(tmp_path / "full.mp4", _pan("right", n=30), faststart=True)
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    return cut


@pytest.mark.parametrize("keep", [0.7, 0.9])
def test_truncated_file_is_flagged_with_both_counts(tmp_path, caplog, keep):
    cut = _faststart_truncated(tmp_path, keep)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(cut, fps=5)
    decoded = clip.notes["frames_decoded"]
    assert clip.notes["frames_declared"] == 30 and 0 < decoded < 30
    assert f"{cut}: decoded {decoded} frames but the container declares 30, skipped 1 damaged packet" in caplog.text
    info = get_predictor("fast").predict(cut, [Question(PAN_RIGHT, Primitive("Pan_Right"))]).info
    assert (info["frames_declared"], info["frames_decoded"]) == (30, decoded)


def test_truncated_file_is_recorded_in_run_json(tmp_path, caplog):
    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    _faststart_truncated(tmp_path, 0.8).rename(data / "videos" / "cut.mp4")
    _write(data / "videos" / "whole.mp4", _pan("right"))
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        run_predict(data, "fast", tmp_path / "run")
    assert "cut.mp4: decoded" in caplog.text
    run_json = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())
    assert run_json["video_info"]["cut.mp4"]["frames_declared"] == 30
    assert 0 < run_json["video_info"]["cut.mp4"]["frames_decoded"] < 30
    assert "frames_declared" not in run_json["video_info"]["whole.mp4"]


def _damaged(tmp_path: Path, how: str) -> Path:
    if how == "moov lost":  # a recording cut off before its header (written last) was written
        data = _write(tmp_path / "src.mp4", _pan("right")).read_bytes()
        return _write_bytes(tmp_path / "bad.mp4", data[: len(data) // 2])
    with av.open(str(tmp_path / "src.mp4"), "w", format="mp4", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width, stream.pix_fmt = H, W, "yuv420p"
        stream.codec_context.gop_size = 1  # every packet decodes on its own: damage hits one
        for img in _pan("right", n=30):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
        container.mux(stream.encode(None))
    data = bytearray((tmp_path / "src.mp4").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2000] = bytes(2000)
    return _write_bytes(tmp_path / "bad.mp4", bytes(data))


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("how", "reason"), [("moov lost", r"bad\.mp4: cannot open video")])
def test_undecodable_file_is_a_recorded_failure(tmp_path, how, reason):
    bad = _damaged(tmp_path, how)
    with pytest.raises(VideoError, match=reason):
        read_video(bad)
    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    bad.rename(data / "videos" / "bad.mp4")
    summary = run_predict(data, "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (0, 1)
    run_json = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())
    assert re.search(reason, run_json["failures"]["bad.mp4"])


def test_a_damaged_packet_is_skipped_and_reported(tmp_path):
    # Stop 40: a packet the decoder rejects is skipped, as players and ffmpeg do (it was a failure
    # of the whole video: "corrupt video stream after N frames"); the notes count it.
    bad = _damaged(tmp_path, "packet zeroed")
    clip = read_video(bad)
    assert len(clip) == 29
    assert clip.notes["damaged_packets_skipped"] == 1 and clip.notes["frames_decoded"] == 29
    data = tmp_path / "data"
    (data / "videos").mkdir(parents=True)
    bad.rename(data / "videos" / "bad.mp4")
    summary = run_predict(data, "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)


# --- display rotation ------------------------------------------------------------------------


def _upright(img: np.ndarray, rotation: int, hflip: bool) -> np.ndarray:
    """What a player shows: PyAV's rotation is counter-clockwise, the mirror comes after it."""
    out = np.rot90(img, k=rotation // 90)
    return out[:, ::-1] if hflip else out


@pytest.mark.parametrize(
    ("rotation", "hflip", "cw"),
    [(-90, False, 90), (90, False, 270), (180, False, 180), (0, True, 0), (90, True, 270)],
    ids=["phone-portrait", "ccw90", "upside-down", "mirrored", "ccw90-mirrored"],
)
def test_display_matrix_is_applied(tmp_path, rotation, hflip, cw):
    frames = _pan("right", n=4)
    plain = read_video(_write(tmp_path / "plain.mp4", frames))
    rotated_path = _write(tmp_path / "rotated.mp4", frames, rotation=rotation, hflip=hflip)
    rotated = read_video(rotated_path, max_side=64)
    small = read_video(tmp_path / "plain.mp4", max_side=64)
    expected = np.stack([_upright(f, rotation, hflip) for f in small.frames])
    np.testing.assert_array_equal(rotated.frames, expected)  # same bits, turned as a player does
    assert rotated.notes == {"display_rotation_cw_deg": cw, "display_mirrored": hflip}
    assert plain.notes == {}
    info = probe_video(rotated_path)
    assert (info.width, info.height) == ((H, W) if rotation % 180 else (W, H))


def test_rotate_tag_of_older_files_is_applied(tmp_path):
    frames = _pan("right", n=4)
    plain = read_video(_write(tmp_path / "plain.mkv", frames, fmt="matroska"))
    tagged = read_video(_write(tmp_path / "tagged.mkv", frames, fmt="matroska", metadata={"rotate": "90"}))
    np.testing.assert_array_equal(tagged.frames, np.stack([np.rot90(f, k=-1) for f in plain.frames]))
    assert tagged.notes["display_rotation_cw_deg"] == 90


@pytest.mark.parametrize(
    ("rotation", "hflip", "turn"),
    [(45, False, "45.0 degrees counter-clockwise"), (-30, False, "30.0 degrees clockwise"), (45, True, "45.0")],
)
def test_rotation_that_is_not_a_right_angle_is_an_error(tmp_path, rotation, hflip, turn):
    path = _write(tmp_path / "tilted.mp4", _pan("right", n=3), rotation=rotation, hflip=hflip)
    with pytest.raises(VideoError) as err:
        read_video(path)
    assert f"tilted.mp4: the display matrix rotates the picture by {turn}" in str(err.value)
    assert "only multiples of 90 degrees are supported" in str(err.value)
    assert ("mirrors it" in str(err.value)) == hflip


def test_methods_see_a_sideways_phone_video_upright(tmp_path):
    """A pan right stored sideways (as phones record portrait video) with the matrix to undo it."""
    sideways = np.stack([np.rot90(f, k=-1) for f in _pan("right")])
    questions = [Question(p.question, p) for p in Primitive]
    fast = get_predictor("fast")
    with_matrix = fast.predict(_write(tmp_path / "phone.mp4", sideways, rotation=90), questions)
    best = max(questions, key=lambda q: with_matrix.scores[q.text])
    assert best.primitive == Primitive("Pan_Right")
    assert with_matrix.info["display_rotation_cw_deg"] == 270
    without = fast.predict(_write(tmp_path / "raw.mp4", sideways), questions)  # what was seen before
    assert max(questions, key=lambda q: without.scores[q.text]).primitive != Primitive("Pan_Right")


# --- frames too small to relate --------------------------------------------------------------


@pytest.mark.parametrize("method", ["fast", "colmap"])
@pytest.mark.parametrize(
    ("size", "analysed"),
    [((16, 16), "16x16"), ((1600, 16), "480x4"), ((480, 12), "480x12")],
    ids=["tiny", "thin-strip-resized", "thin"],
)
def test_frames_too_small_to_relate_are_a_failure_that_names_the_size(tmp_path, method, size, analysed):
    """A 16 px tall frame stopped OpenCV's dense flow with an exception and a 16x16 one was
    read as a cut at every frame; both are recorded failures that say what is wrong."""
    width, height = size
    tex = _texture(1, height + 4, width + SHIFT * N)
    frames = np.stack([tex[:height, SHIFT * i : SHIFT * i + width] for i in range(N)])
    video = _write(tmp_path / "data" / "videos" / "small.mp4", frames)
    summary = run_predict(tmp_path / "data", method, tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (0, 1)
    reason = json.loads(MethodFolder.of(tmp_path / "run", method).run_info.read_text())["failures"]["small.mp4"]
    assert f"frames analysed at {analysed} px" in reason
    assert "at least 32 px on each side" in reason
    assert str(video) in reason or "small.mp4" in reason


# --- a film given for a clip -----------------------------------------------------------------


def test_a_sampling_beyond_max_frames_stops_decoding_and_is_a_recorded_failure(tmp_path, monkeypatch):
    """A two-hour film sampled at 5 frames a second would keep 36,000 frames (14 GB at 480x270);
    decoding stops at ``max_frames`` with a reason, and the run records it."""
    from camerabench import video

    path = _write(tmp_path / "data" / "videos" / "film.mp4", _pan("right", n=60))  # 6 s at 10 fps
    converted = []
    original = video._Converter.__call__
    monkeypatch.setattr(video._Converter, "__call__", lambda self, f: converted.append(1) or original(self, f))
    message = r"film\.mp4: sampling 5 frames a second keeps more than max_frames=20, .*split the video into shots"
    with pytest.raises(VideoError, match=message):
        read_video(path, fps=5.0, max_frames=20)
    assert len(converted) == 20  # stopped at the limit, not after the whole file
    with pytest.raises(
        VideoError, match=r"film\.mp4: sampling 60 evenly spaced frames keeps 60 frames, more than max_frames=20"
    ):
        read_video(path, num_frames=60, max_frames=20)  # two passes: known after the first
    assert len(read_video(path, fps=5.0, max_frames=30)) == 30  # exactly the limit is kept
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run", options={"max_frames": 20})
    assert (summary.videos_ok, summary.videos_failed) == (0, 1)
    reason = json.loads(MethodFolder.of(tmp_path / "run", "fast").run_info.read_text())["failures"]["film.mp4"]
    assert re.search(message, reason)
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run2")  # the default (3000) reads it
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)


# --- frames that share a timestamp -----------------------------------------------------------


def _with_times(path: Path, frames: np.ndarray, times_ms: list[int]) -> Path:
    """A Matroska file whose frames carry the given presentation times (ms), as a broken muxer wrote them."""
    import fractions

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        stream.time_base = fractions.Fraction(1, 1000)
        for img, t in zip(frames, times_ms, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts, frame.time_base = t, fractions.Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize(
    ("times_ms", "repeated"),
    [([0] * N, N - 1), ([200 * (i // 2) for i in range(N)], N // 2)],
    ids=["all-at-zero", "each-twice"],
)
def test_frames_sharing_a_timestamp_are_timed_by_the_frame_rate(tmp_path, caplog, times_ms, repeated):
    """All frames at time 0 gave one sampled frame, then a ZeroDivisionError in ``fast``."""
    path = _with_times(tmp_path / "data" / "videos" / "stamps.mkv", _pan("right"), times_ms)
    with caplog.at_level(logging.WARNING):
        clip = read_video(path, fps=5.0)
    assert f"stamps.mkv: {repeated} of {N} frames repeat another frame's timestamp" in caplog.text
    assert clip.notes["timestamps_repeated"] == repeated
    np.testing.assert_allclose(clip.timestamps, np.arange(0, N, 2) / 10)  # 10 fps, every second frame
    assert clip.indices.tolist() == list(range(0, N, 2))
    even = read_video(path, num_frames=4)
    assert np.all(np.diff(even.timestamps) > 0)
    summary = run_predict(tmp_path / "data", "fast", tmp_path / "run")
    assert (summary.videos_ok, summary.videos_failed) == (1, 0)
    scores = {r["question"]: r["score"] for r in map(json.loads, (tmp_path / "run/fast/scores.jsonl").open())}
    assert scores[PAN_RIGHT] == max(scores.values())


# --- pixels that are not square --------------------------------------------------------------


def _rolling(n: int, width: int, height: int, deg_per_frame: float) -> np.ndarray:
    """Display frames of a camera rolling about its optical axis over a textured wall."""
    big = _texture(3, 2 * height, 2 * width)
    frames = []
    for i in range(n):
        turn = cv2.getRotationMatrix2D((width, height), deg_per_frame * i, 1.0)
        frames.append(
            cv2.warpAffine(big, turn, (2 * width, 2 * height))[height // 2 : -height // 2, width // 2 : -width // 2]
        )
    return np.stack(frames)


@pytest.mark.parametrize("sar", [(2, 1), (1, 2)], ids=["anamorphic-wide", "tall-pixels"])
def test_pixels_that_are_not_square_are_stretched_as_a_player_shows_them(tmp_path, sar):
    """A roll stored 2:1 anamorphic was read as a move up with half the roll."""
    import fractions

    display = _rolling(20, 256, 128, 0.6)
    stored_w, stored_h = (128, 128) if sar == (2, 1) else (256, 256)
    path = tmp_path / "data" / "videos" / "roll.mp4"
    path.parent.mkdir(parents=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, "yuv420p"
        stream.codec_context.sample_aspect_ratio = fractions.Fraction(*sar)
        for img in display:
            squeezed = cv2.resize(img, (stored_w, stored_h), interpolation=cv2.INTER_AREA)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(squeezed, format="rgb24")))
        container.mux(stream.encode(None))
    info = probe_video(path)
    assert (info.width, info.height) == ((256, 128) if sar == (2, 1) else (256, 512))
    for sampling in ({"fps": 5.0}, {"num_frames": 4}):
        clip = read_video(path, **sampling)
        assert clip.frames.shape[1:3] == (info.height, info.width)
        assert clip.notes["sample_aspect_ratio"] == f"{sar[0]}:{sar[1]}"
    if sar == (2, 1):  # the roll, not a move: the frames are as filmed
        first = read_video(path, num_frames=1).frames[0]
        assert np.corrcoef(first.ravel(), display[0].ravel())[0, 1] > 0.8
        summary = run_predict(tmp_path / "data", "fast", tmp_path / "run")
        assert summary.videos_ok == 1
        scores = {r["question"]: r["score"] for r in map(json.loads, (tmp_path / "run/fast/scores.jsonl").open())}
        best = max(scores, key=scores.get)
        assert "roll" in best.lower(), scores
