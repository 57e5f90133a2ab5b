"""Sixth sweep of hostile videos: paths that are not files, still images under a video's name,
files with two moving-picture streams, frames without pixels and grey footage for cut detection."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from camerabench.baselines.geometry.overlay import static_mask
from camerabench.baselines.geometry.shots import cut_distances, detect_cuts
from camerabench.errors import VideoError
from camerabench.video import check_video, probe_video, read_video, write_video


def _clip(path: Path, n: int = 4) -> Path:
    frames = np.random.default_rng(0).integers(0, 255, size=(n, 48, 64, 3)).astype(np.uint8)
    write_video(path, frames, fps=10)
    return path


@pytest.mark.parametrize("reader", [read_video, probe_video, check_video])
def test_a_directory_named_like_a_video_says_it_is_a_directory(tmp_path: Path, reader) -> None:
    path = tmp_path / "clip.mp4"
    path.mkdir()
    with pytest.raises(VideoError, match=r"clip\.mp4: a directory, not a video file"):
        reader(path)


def test_a_symbolic_link_loop_says_it_loops(tmp_path: Path) -> None:
    path = tmp_path / "loop.mp4"
    os.symlink(path, path)
    with pytest.raises(VideoError, match=r"loop\.mp4: a symbolic link that loops back on itself"):
        read_video(path)


def test_a_dangling_symbolic_link_names_its_missing_target(tmp_path: Path) -> None:
    path = tmp_path / "link.mp4"
    os.symlink(tmp_path / "gone.mp4", path)
    with pytest.raises(VideoError, match=r"link\.mp4: a symbolic link to '.*gone\.mp4', which does not exist"):
        read_video(path)


def test_a_named_pipe_is_not_waited_on_but_refused(tmp_path: Path) -> None:
    path = tmp_path / "pipe.mp4"
    os.mkfifo(path)
    with pytest.raises(VideoError, match=r"pipe\.mp4: not a regular file"):
        read_video(path)


def test_a_missing_file_is_still_not_found(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match=r"absent\.mp4: video file not found"):
        read_video(tmp_path / "absent.mp4")


@pytest.mark.parametrize(("ext", "kind"), [(".png", "png"), (".jpg", "jpeg")])
def test_a_still_image_named_as_a_video_is_refused_as_an_image(tmp_path: Path, ext: str, kind: str) -> None:
    """Before: read as a one-frame video at 25 fps; the methods said it decodes 1 frame."""
    ok, buf = cv2.imencode(ext, np.full((48, 64, 3), 90, np.uint8))
    assert ok
    path = tmp_path / "shot.mp4"
    path.write_bytes(buf.tobytes())
    for reader in (read_video, probe_video, check_video):
        with pytest.raises(VideoError, match=rf"shot\.mp4: a still image \({kind}\), not a video"):
            reader(path)


def test_a_gif_is_still_a_video(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    with av.open(str(path), "w", format="gif") as c:
        s = c.add_stream("gif", rate=10)
        s.width, s.height, s.pix_fmt = 64, 48, "rgb8"
        for i in range(3):
            c.mux(s.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 80 * i, np.uint8), format="rgb24")))
        c.mux(s.encode(None))
    clip = read_video(path)
    assert len(clip) == 3
    np.testing.assert_allclose(clip.timestamps, [0.0, 0.1, 0.2])


def _two_streams(path: Path) -> None:
    with av.open(str(path), "w") as c:
        a = c.add_stream("libx264", rate=10)
        a.width, a.height, a.pix_fmt = 32, 24, "yuv420p"
        b = c.add_stream("libx264", rate=10)
        b.width, b.height, b.pix_fmt = 64, 48, "yuv420p"
        for i in range(4):
            c.mux(a.encode(av.VideoFrame.from_ndarray(np.full((24, 32, 3), 40 * i, np.uint8), format="rgb24")))
            c.mux(b.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 200, np.uint8), format="rgb24")))
        c.mux(a.encode(None))
        c.mux(b.encode(None))


@pytest.mark.parametrize("sampling", [{}, {"fps": 5.0}, {"num_frames": 3}])
def test_a_file_with_two_video_streams_says_which_it_read(tmp_path: Path, caplog, sampling) -> None:
    """Before: one of the two streams was read without a word (the results then belong to a
    camera angle nobody knew was chosen)."""
    path = tmp_path / "two.mkv"
    _two_streams(path)
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        clip = read_video(path, **sampling)
    assert clip.notes["video_streams"] == 2
    index = clip.notes["video_stream_read"]
    assert clip.frames.shape[1:3] == ((24, 32) if index == 0 else (48, 64))
    assert "two.mkv: 2 video streams; reading stream #" in caplog.text
    assert probe_video(path).notes["video_streams"] == 2


def test_one_video_stream_adds_no_stream_notes(tmp_path: Path) -> None:
    assert "video_streams" not in read_video(_clip(tmp_path / "one.mp4")).notes


@pytest.mark.parametrize("shape", [(3, 48, 0, 3), (3, 0, 64, 3), (0, 48, 64, 3)])
def test_frames_without_pixels_are_a_clear_error_in_the_overlay_mask(shape) -> None:
    with pytest.raises(ValueError, match=r"N, H, W >= 1, got shape"):
        static_mask(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("shape", [(3, 48, 0, 3), (3, 0, 64, 3)])
def test_frames_without_pixels_are_a_clear_error_in_cut_detection(shape) -> None:
    with pytest.raises(ValueError, match=r"frames must have pixels"):
        detect_cuts(np.zeros(shape, np.uint8))
    with pytest.raises(ValueError, match=r"frames must have pixels"):
        cut_distances(np.zeros(shape, np.uint8))


def test_a_cut_in_grey_footage_is_not_silently_missed(caplog) -> None:
    """Grey pixels have no hue: a cut from a dark shot to a bright one measured 0 and the clip
    was taken for one shot, silently. The colourless pairs are warned about, and (round 50)
    their cuts judged from grey-level texture instead: the cut is found."""
    rng = np.random.default_rng(1)
    dark = np.repeat(rng.integers(0, 60, (1, 48, 64, 1)), 3, axis=-1).repeat(4, axis=0)
    bright = np.repeat(rng.integers(180, 255, (1, 48, 64, 1)), 3, axis=-1).repeat(4, axis=0)
    frames = np.concatenate([dark, bright]).astype(np.uint8)
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.geometry.shots"):
        assert detect_cuts(frames) == [4]
    assert "7 of 7 consecutive frame pairs carry no colour" in caplog.text


def test_colour_footage_is_not_warned_about(caplog) -> None:
    rng = np.random.default_rng(2)
    frames = np.repeat(rng.integers(0, 255, (1, 48, 64, 3)), 5, axis=0).astype(np.uint8)
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.geometry.shots"):
        assert detect_cuts(frames) == []
    assert "carry no colour" not in caplog.text


def test_black_and_white_frames_are_neither_cut_nor_overlay() -> None:
    black = np.zeros((4, 48, 64, 3), np.uint8)
    white = np.full((4, 48, 64, 3), 255, np.uint8)
    for frames in (black, white, np.concatenate([black, white])):
        mask = static_mask(frames)
        assert not mask.any and mask.overlay_px == 0
