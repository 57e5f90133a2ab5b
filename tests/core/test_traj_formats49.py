"""Round 49: long TUM/KITTI files read as a whole; COLMAP image numbers counted from 1.

Not repeated here (tested elsewhere): every TUM/KITTI line error (tests/core/test_trajectory_formats*.py,
tests/reliability/test_hostile_trajectories_sweep*.py), start_frame (tests/eval/test_trajectory_offset.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench import trajectory_formats as tf
from camerabench.baselines.geometry import importers
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.errors import FileFormatError
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import read_trajectory, write_trajectory
from camerabench.video import write_video


# --------------------------------------------------------------------------- speed
def _tum_text(n: int) -> str:
    q = Rotation.random(n, random_state=0).as_quat()
    rows = np.column_stack([np.arange(n) * 0.01, np.random.default_rng(0).normal(size=(n, 3)), q])
    return "# timestamp tx ty tz qx qy qz qw\n" + "".join(" ".join(f"{v:.6f}" for v in r) + "\n" for r in rows)


def _spy_whole_text(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each numeric parse was done as a whole text (not line by line). Speed itself is
    measured outside the tests (1e5 TUM poses 2.2 -> 0.25 s, 1e6 27 -> 3.6 s, round 49)."""
    taken: list[bool] = []
    whole = tf._numeric_rows_fast

    def spy(text: str, columns: int) -> object:
        out = whole(text, columns)
        taken.append(out is not None)
        return out

    monkeypatch.setattr(tf, "_numeric_rows_fast", spy)
    return taken


def test_a_long_tum_file_is_read_as_a_whole_and_as_evo_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 20_000
    path = tmp_path / "long.txt"
    path.write_text(_tum_text(n))
    taken = _spy_whole_text(monkeypatch)
    traj = read_trajectory(path, "tum")
    from evo.tools import file_interface

    evo = file_interface.read_tum_trajectory_file(str(path))
    np.testing.assert_array_equal(traj.timestamps, evo.timestamps)
    np.testing.assert_allclose(traj.cam_c2w, np.stack(evo.poses_se3), atol=1e-14)
    assert taken == [True]


def test_a_long_kitti_file_is_read_as_a_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 20_000
    mats = np.concatenate([Rotation.random(n, random_state=1).as_matrix(), np.ones((n, 3, 1))], axis=2)
    path = tmp_path / "long.txt"
    np.savetxt(path, mats.reshape(n, 12), fmt="%.9f")
    taken = _spy_whole_text(monkeypatch)
    traj = read_trajectory(path, "kitti")
    np.testing.assert_array_equal(traj.cam_c2w[:, :3, :], np.loadtxt(path).reshape(n, 3, 4))
    assert taken == [True]


# The whole-text reading and the line-by-line one agree: the same rows and line numbers, or the
# same error naming the same line.
GOOD = "0 0 0 0 0 0 0 1"
CASES = [
    f"{GOOD}\n1 1 0 0 0 0 0 1\n",
    f"# h\n\n{GOOD}\r\n  \t\n# c é\n1,1,0,0,0,0,0,1",
    f"\ufeff{GOOD}\n\n\n1\t1  0 0 0 0 0 1\n",
    f"{GOOD}\n 1 1 0 0 0 0 0 1 # trailing\n",  # a comment after data: not a comment line
    f"{GOOD}\n ,\n1 1 0 0 0 0 0 1\n",  # a line of a comma: no blank line
    f"{GOOD}\n1 1 0 0 0 0 0 1e\n",
    f"{GOOD}\n1 1 0 0 0 0 0 1-2\n",
    f"{GOOD}\n1 1 0 0 0 0 0 1e999\n",
    f"{GOOD}\n1 1 0 0 0 0 0 nan\n",
    f"{GOOD}\n1 1_0 0 0 0 0 0 1\n",
    f"{GOOD}\n1 1 0 0 0 0 1\n",
    f"{GOOD}\n\x0c1 1 0 0 0 0 0 1\n",  # a form feed: a line break to str.splitlines
    f"{GOOD}\r1 1 0 0 0 0 0 1\r",
    f"{GOOD}\n\u20281 1 0 0 0 0 0 1\n",
    f"{GOOD}\n\xa0# a comment after a no-break space\n",
    "# only a comment\n\n",
    "",
]


def _rows_or_error(path: Path, text: str) -> object:
    path.write_bytes(text.encode("utf-8"))
    try:
        rows, lines = tf._numeric_rows(path, 8, "TUM")
    except FileFormatError as exc:
        return str(exc)
    return rows.tolist(), lines


@pytest.mark.parametrize("text", CASES)
def test_the_whole_text_reading_agrees_with_the_line_by_line_one(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _rows_or_error(tmp_path / "t.txt", text)
    monkeypatch.setattr(tf, "_numeric_rows_fast", lambda text, columns: None)
    assert fast == _rows_or_error(tmp_path / "t.txt", text)


def test_the_whole_text_reading_takes_plain_files_with_comments_and_blank_lines() -> None:
    rows, lines = tf._numeric_rows_fast(f"# h\n\n{GOOD}\r\n \n# é\n1,1,0,0,0,0,0,1", 8) or ((), [])
    assert lines == [3, 6]
    np.testing.assert_array_equal(rows[1], [1, 1, 0, 0, 0, 0, 0, 1])


def test_a_bad_quaternion_far_down_a_long_file_names_its_line(tmp_path: Path) -> None:
    lines = _tum_text(20_000).splitlines()
    lines[15_001] = "150.0 0 0 0 0 0 0 1.01"  # line 15002 (the header is line 1)
    (tmp_path / "t.txt").write_text("\n".join(lines))
    with pytest.raises(FileFormatError, match=r"t\.txt:15002: quaternion norm 1\.01 is not 1"):
        read_trajectory(tmp_path / "t.txt", "tum")


# --------------------------------------------------------------------------- COLMAP image numbers
FRAMES, FPS = 10, 10.0  # a 1 s video


def _video(path: Path) -> Path:
    frames: NDArray[np.uint8] = np.random.default_rng(0).integers(0, 256, (FRAMES, 32, 32, 3), dtype=np.uint8)
    write_video(path, frames, fps=FPS, preset="ultrafast")
    return path


def _model(folder: Path, numbers: list[int]) -> None:
    n = len(numbers)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 0, 3] = np.linspace(0.0, 1.0, n)
    write_trajectory(
        folder, Trajectory(c2w, np.array([[30.0, 0, 16], [0, 30.0, 16], [0, 0, 1]]), np.arange(n)), "colmap"
    )
    import pycolmap

    rec = pycolmap.Reconstruction(str(folder))
    for image, number in zip(sorted(rec.images.values(), key=lambda im: im.name), numbers, strict=True):
        image.name = f"{number:06d}.png"
    rec.write(str(folder))


def test_colmap_images_numbered_from_1_to_the_last_frame_are_timed_from_frame_0(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # ffmpeg -i clip.mp4 %06d.png: 000001.png is frame 0. Before: image k at k / sample_fps, every
    # pose one frame (0.1 s) late, the last one at the video's end.
    _video(tmp_path / "clip.mp4")
    _model(tmp_path / "clip", list(range(1, FRAMES + 1)))
    with caplog.at_level(logging.INFO):
        traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=FPS).trajectory(
            tmp_path / "clip.mp4"
        )
    np.testing.assert_allclose(traj.timestamps, np.arange(FRAMES) / FPS)
    assert info["image_numbers_from"] == 1
    assert "count from 1" in caplog.text and "WARNING" not in caplog.text


def test_colmap_images_from_1_keep_the_first_offset_without_sample_fps(tmp_path: Path) -> None:
    # Images 3..10 of a 10-frame video counted from 1: frames 2..9. Before: the first was taken as
    # the video's first frame (offset dropped), with a warning to give start_frame.
    video = _video(tmp_path / "clip.mp4")
    _model(tmp_path / "clip", list(range(3, FRAMES + 1)))
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap").trajectory(video)
    duration, num_frames, _ = importers._video_duration(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(2, FRAMES) * duration / num_frames)
    assert info["image_numbers_from"] == 1


def test_colmap_numbering_left_undecided_is_kept_and_warned_of_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Images 1..6 of a 10-frame video (the last frames without a pose): from 0 or from 1? Kept
    # from 0, as before, now with a warning naming the assumption and start_frame; once a run.
    _video(tmp_path / "a.mp4")
    _video(tmp_path / "b.mp4")
    _model(tmp_path / "a", list(range(1, 7)))
    _model(tmp_path / "b", list(range(1, 7)))
    predictor = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=FPS)
    with caplog.at_level(logging.WARNING):
        traj, info = predictor.trajectory(tmp_path / "a.mp4")
        predictor.trajectory(tmp_path / "b.mp4")
    np.testing.assert_allclose(traj.timestamps, np.arange(1, 7) / FPS)
    assert "image_numbers_from" not in info
    warned = [r.getMessage() for r in caplog.records if "counting the video's frames from 0" in r.getMessage()]
    assert len(warned) == 1 and "start_frame" in warned[0] and "%06d" in warned[0]


def test_colmap_images_with_a_0_or_a_start_frame_are_timed_as_before(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    video = _video(tmp_path / "clip.mp4")
    _model(tmp_path / "clip", list(range(0, FRAMES)))  # numbered 0-9: from 0, decided
    with caplog.at_level(logging.WARNING):
        traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=FPS).trajectory(video)
    np.testing.assert_allclose(traj.timestamps, np.arange(FRAMES) / FPS)
    assert "counting the video's frames" not in caplog.text
    # start_frame puts the first pose at its frame, whatever its number
    _model(tmp_path / "b", list(range(1, FRAMES)))
    _video(tmp_path / "b.mp4")
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=FPS, start_frame=1).trajectory(
        tmp_path / "b.mp4"
    )
    duration, num_frames, _ = importers._video_duration(tmp_path / "b.mp4")
    np.testing.assert_allclose(traj.timestamps, duration / num_frames + np.arange(FRAMES - 1) / FPS)
    assert "image_numbers_from" not in info


def test_colmap_numbering_at_sample_fps_is_decided_by_the_last_image_time(tmp_path: Path) -> None:
    # A 1 s video sampled at 4.3 fps gives frames at 0, 0.23, ..., 0.93 s: five, numbered 0-4 (or
    # 1-5 by ffmpeg's default names). Images 1-4 with image 0 unregistered may count from 0 (image
    # 4 at 0.93 s is inside the video): undecided, as from 0, though the sampled count rounds to
    # 4. Images 1-5 cannot (image 5 at 1.16 s is past the end): from 1.
    video = _video(tmp_path / "clip.mp4")
    _model(tmp_path / "clip", [1, 2, 3, 4])
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=4.3).trajectory(video)
    assert "image_numbers_from" not in info
    np.testing.assert_allclose(traj.timestamps, np.arange(1, 5) / 4.3)
    _model(tmp_path / "clip", [1, 2, 3, 4, 5])
    traj, info = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=4.3).trajectory(video)
    assert info["image_numbers_from"] == 1
    np.testing.assert_allclose(traj.timestamps, np.arange(0, 5) / 4.3)
