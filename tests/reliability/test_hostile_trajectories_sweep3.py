"""Hostile imported trajectories, third sweep: video headers that lie about the duration, frame
rates a container cannot store, pose rates past the video, multi-camera COLMAP models, and
geometric options whose sampling would pass ``max_frames``.

Each case asserts what the user gets: the poses timed by the decoded frames (not squeezed into a
header's wrong duration), a reason naming the file, or a warning saying what the scores cover.
"""

from __future__ import annotations

import fractions
import logging
from pathlib import Path

import av
import numpy as np
import pycolmap
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.registry import get_predictor
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import read_trajectory, write_trajectory
from camerabench.video import declared_duration, probe_video

N = 16
MS = fractions.Fraction(1, 1000)


def _frames(n: int = N) -> NDArray[np.uint8]:
    return np.random.default_rng(0).integers(0, 256, (n, 48, 64, 3), dtype=np.uint8)


def _mkv(path: Path, times_ms: list[int], rate: int = 10) -> Path:
    """A Matroska file (1 ms time base) whose frames carry the given presentation times."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.height, stream.width = 48, 64
        stream.pix_fmt, stream.time_base = "yuv420p", MS
        for img, t in zip(_frames(len(times_ms)), times_ms, strict=True):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = t, MS
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _unstorable_rate(path: Path) -> Path:
    """100,000 fps in Matroska's 1 ms time base: every frame's timestamp rounds to 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=100000)
        stream.height, stream.width, stream.pix_fmt = 48, 64, "yuv420p"
        for img in _frames():
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def _walk(n: int = N) -> NDArray[np.float64]:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, n)  # rightward
    return c2w


# --- a header that declares one frame's duration ---------------------------------------------


@pytest.fixture
def all_at_zero(tmp_path: Path) -> Path:
    """16 frames at 10 fps, all stamped 0 s: the header declares 0.1 s, the frames last 1.6 s."""
    path = _mkv(tmp_path / "videos" / "clip.mkv", [0] * N)
    assert declared_duration(path) == pytest.approx(0.1)
    assert probe_video(path).duration_s == pytest.approx(1.6)
    return path


def test_poses_in_seconds_are_not_squeezed_into_a_wrong_header(tmp_path: Path, all_at_zero: Path, caplog) -> None:
    """TUM poses 0.1 s apart were refitted into the header's 0.1 s (6.25 ms apart), with a warning
    that they were "not seconds of this video"."""
    (tmp_path / "traj").mkdir()
    write_trajectory(tmp_path / "traj" / "clip.txt", Trajectory(_walk(), None, np.arange(N) / 10), "tum")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="tum").estimate(all_at_zero)
    np.testing.assert_allclose(traj.timestamps, np.arange(N) / 10)
    assert "clip.mkv: its header declares 0.1 s but its 16 frames decode to 1.6 s" in caplog.text
    assert "not seconds of this video" not in caplog.text


def test_sample_fps_is_checked_against_the_decoded_frames(tmp_path: Path, all_at_zero: Path) -> None:
    """KITTI poses at the video's own 10 fps were refused: "span 1.5 s but clip.mkv lasts 0.1 s"."""
    (tmp_path / "traj").mkdir()
    write_trajectory(tmp_path / "traj" / "clip.txt", Trajectory(_walk(), None, np.arange(N, dtype=float)), "kitti")
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="kitti", sample_fps=10)
    traj, _ = predictor.estimate(all_at_zero)
    np.testing.assert_allclose(traj.timestamps, np.arange(N) / 10)
    # poses at 1 fps are still refused: 15 s of a 1.6 s video
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="kitti", sample_fps=1)
    with pytest.raises(
        PredictionError, match=r"clip\.txt: 16 poses at sample_fps 1 span 15 s but clip\.mkv lasts 1\.6 s"
    ):
        predictor.estimate(all_at_zero)


# --- a frame rate finer than the container's time base ---------------------------------------


def test_a_frame_rate_the_container_cannot_store_leaves_the_video_untimed(tmp_path: Path, caplog) -> None:
    path = _unstorable_rate(tmp_path / "videos" / "clip.mkv")
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        info = probe_video(path)
    assert info.notes == {"timestamps_repeated": N - 1, "time_base_s": 0.001}
    assert "shorter than the container's time base (0.001 s) can store: the frame timing is unknown" in caplog.text


def test_poses_without_timestamps_need_sample_fps_for_an_untimed_video(tmp_path: Path) -> None:
    """KITTI poses were spread over the 0.5 ms the guessed 30,000 fps gives, without a word."""
    video = _unstorable_rate(tmp_path / "videos" / "clip.mkv")
    (tmp_path / "traj").mkdir()
    write_trajectory(tmp_path / "traj" / "clip.txt", Trajectory(_walk(), None, np.arange(N, dtype=float)), "kitti")
    with pytest.raises(PredictionError, match=r"clip\.mkv: its frames share timestamps .* give sample_fps"):
        TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="kitti").estimate(video)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="kitti", sample_fps=10).estimate(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(N) / 10)


def test_poses_in_seconds_are_kept_for_an_untimed_video(tmp_path: Path, caplog) -> None:
    """TUM poses in seconds were refitted into the 0.5 ms of a rate the file cannot store."""
    video = _unstorable_rate(tmp_path / "videos" / "clip.mkv")
    (tmp_path / "traj").mkdir()
    write_trajectory(tmp_path / "traj" / "clip.txt", Trajectory(_walk(), None, np.arange(N) / 10), "tum")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="tum").estimate(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(N) / 10)
    assert "clip.txt: time span not checked: " in caplog.text and "holds no usable frame timing" in caplog.text


# --- a pose rate far above the video's -------------------------------------------------------


def test_poses_at_a_huge_sample_fps_warn_that_they_cover_a_sliver(tmp_path: Path, caplog) -> None:
    """12 poses at 1e6 fps span 11 us of a 1.6 s video: scored without a word before."""
    video = _mkv(tmp_path / "videos" / "clip.mkv", [100 * i for i in range(N)])
    (tmp_path / "traj").mkdir()
    write_trajectory(tmp_path / "traj" / "clip.txt", Trajectory(_walk(12), None, np.arange(12.0)), "kitti")
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path / "traj"), format="kitti", sample_fps=1e6).estimate(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(12) / 1e6)
    assert (
        "clip.txt: 12 poses at sample_fps 1e+06 span 1.1e-05 s of the 1.6 s video: the scores describe that part only"
        in caplog.text
    )


# --- COLMAP models of several cameras --------------------------------------------------------


def _model(folder: Path, names: list[str], cameras: list[int]) -> Path:
    rec = pycolmap.Reconstruction()
    for cid in sorted(set(cameras)):
        camera = pycolmap.Camera(model="PINHOLE", width=64, height=48, params=[50.0, 50.0, 32, 24], camera_id=cid)
        rec.add_camera_with_trivial_rig(camera)
    c2w = _walk(len(names))
    for i, (name, cid) in enumerate(zip(names, cameras, strict=True)):
        w2c = np.linalg.inv(c2w[i])
        pose = pycolmap.Rigid3d(pycolmap.Rotation3d(w2c[:3, :3]), w2c[:3, 3])
        rec.add_image_with_trivial_frame(pycolmap.Image(name=name, camera_id=cid, image_id=i + 1), pose)
    folder.mkdir(parents=True)
    rec.write(str(folder))
    return folder


def test_a_two_camera_rig_model_is_refused_not_joined_end_to_end(tmp_path: Path) -> None:
    """cam0/0000..0002 then cam1/0000..0002 in name order: two paths read as one."""
    names = [f"cam{c}/{i:04d}.png" for c in (0, 1) for i in range(3)]
    folder = _model(tmp_path / "rig", names, [1, 1, 1, 2, 2, 2])
    with pytest.raises(FileFormatError, match=r"rig: images cam0/0000\.png and cam1/0000\.png carry the same frame"):
        read_trajectory(folder, "colmap")


def test_colmap_names_whose_other_numbers_stay_the_same_are_read(tmp_path: Path) -> None:
    names = [f"x2/img_{i:04d}_x2.png" for i in (3, 1, 2)]
    traj = read_trajectory(_model(tmp_path / "m", names, [1, 2, 1]), "colmap")
    assert traj.meta["image_names"] == [f"x2/img_{i:04d}_x2.png" for i in (1, 2, 3)]
    np.testing.assert_allclose(traj.positions[:, 0], [0.5, 1.0, 0.0])


def test_colmap_names_without_frame_numbers_warn(tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        traj = read_trajectory(_model(tmp_path / "m", ["b.png", "a.png", "c.png"], [1, 1, 1]), "colmap")
    assert traj.meta["image_names"] == ["a.png", "b.png", "c.png"]
    assert "m: the image names hold no frame numbers; the frames are taken in name order" in caplog.text


# --- sampling options that pass max_frames ---------------------------------------------------


@pytest.mark.parametrize("method", ["fast", "colmap"])
def test_min_frames_above_max_frames_is_refused_before_work(method: str) -> None:
    """A short sampling is replaced by min_frames evenly spaced frames, which max_frames did not
    cap: at sample_fps 0.01 a 20-frame clip gave 10 frames with max_frames 5."""
    with pytest.raises(
        CameraBenchError, match=rf"method '{method}': option min_frames \(10\) is more than max_frames \(5\)"
    ):
        get_predictor(method, min_frames=10, max_frames=5)
    get_predictor(method, min_frames=5, max_frames=5)
