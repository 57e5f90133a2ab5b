"""Twelfth round of hostile imported trajectories: COLMAP text models COLMAP's own reader
misreads or reports cryptically, timestamps rounded by their storage type, and writers that
dropped a skew without a word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench import trajectory_formats as tf
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.trajectory import Trajectory

CAMERAS = "1 PINHOLE 320 192 300 300 160 96\n2 PINHOLE 320 192 300 300 160 96\n"
IMAGES = "1 1 0 0 0 0 0 0 1 f_001.png\n\n2 1 0 0 0 -1 0 0 2 f_002.png\n\n"


def _text_model(tmp_path: Path, images: str = IMAGES, cameras: str = CAMERAS) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "cameras.txt").write_bytes(cameras.encode())
    (model / "images.txt").write_bytes(images.encode())
    (model / "points3D.txt").write_text("")
    return model


def _read_error(path: Path, fmt: str) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        tf.read_trajectory(path, fmt)
    assert str(info.value).startswith(str(info.value.path))
    return info.value


# --------------------------------------------------------------------------- COLMAP text
def test_a_colmap_text_model_with_old_mac_line_ends_is_read(tmp_path: Path) -> None:
    # COLMAP splits at \n only: the whole file was one line and the model had "no registered image"
    model = _text_model(tmp_path, IMAGES.replace("\n", "\r"), CAMERAS.replace("\n", "\r"))
    traj = tf.read_trajectory(model, "colmap")
    assert traj.meta["image_names"] == ["f_001.png", "f_002.png"]
    np.testing.assert_allclose(traj.cam_c2w[:, :3, 3], [[0, 0, 0], [1, 0, 0]])
    assert (model / "images.txt").read_bytes() == IMAGES.replace("\n", "\r").encode()  # left alone


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\xa0"], ids=["NEL", "line-separator", "no-break-space"])
def test_unicode_breaks_and_spaces_in_an_image_name_are_part_of_it(tmp_path: Path, char: str) -> None:
    # COLMAP splits lines at \n and fields at ASCII white space; the check split at these too and
    # refused a model COLMAP reads ("expected the image's POINTS2D line")
    model = _text_model(tmp_path, IMAGES.replace("f_001", f"f{char}_001"))
    assert sorted(tf.read_trajectory(model, "colmap").meta["image_names"]) == sorted([f"f{char}_001.png", "f_002.png"])


def test_a_form_feed_in_an_image_name_is_white_space_to_colmap(tmp_path: Path) -> None:
    model = _text_model(tmp_path, IMAGES.replace("f_001", "f\x0c_001"))
    assert "white space in the image name" in _read_error(model, "colmap").problem


def test_an_image_name_with_a_space_names_the_line(tmp_path: Path) -> None:
    # COLMAP reads a name up to its first space: both images were "frame", "used twice"
    model = _text_model(tmp_path, IMAGES.replace("f_00", "frame 00"))
    error = _read_error(model, "colmap")
    assert (error.path, error.line) == (model / "images.txt", 1)
    assert "11 fields, not 10" in error.problem and "white space in the image name" in error.problem


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("1 1 0 0 0 0 0 0 f_001.png", "image line of 9 fields, not 10"),  # no camera id
        ("1 1 0 0 0 nan 0 0 1 f_001.png", "image 1: a pose value is NaN or infinite"),
        ("1 1 0 0 0 0 1e400 0 1 f_001.png", "image 1: a pose value is NaN or infinite"),
    ],
    ids=["short", "nan", "inf"],
)
def test_a_bad_image_line_names_its_line(tmp_path: Path, line: str, problem: str) -> None:
    # COLMAP said only "Check failed: line_stream1 >> image_id >> ...", naming the folder
    model = _text_model(tmp_path, IMAGES.replace("1 1 0 0 0 0 0 0 1 f_001.png", line))
    error = _read_error(model, "colmap")
    assert (error.path, error.line) == (model / "images.txt", 1)
    assert problem in error.problem


@pytest.mark.parametrize(
    ("camera", "problem"),
    [
        ("1 PINHOLE 320 192 300 300 160 96 0.5", "camera 1: PINHOLE takes 4 parameters after WIDTH HEIGHT, found 5"),
        ("1 PINHOLE 320 192 300 300 160", "camera 1: PINHOLE takes 4 parameters after WIDTH HEIGHT, found 3"),
        ("1 OPENCV 320 192 300 300 160 96", "camera 1: OPENCV takes 8 parameters after WIDTH HEIGHT, found 4"),
        ("1 PINHOLE 320 192 nan 300 160 96", "camera 1: a parameter is NaN or infinite"),
        ("1 PINHOL 320 192 300 300 160 96", "no known camera model in '1 PINHOL"),
    ],
    ids=["extra-param", "missing-param", "distortion-missing", "nan", "unknown-model"],
)
def test_a_bad_camera_line_names_file_and_line(tmp_path: Path, camera: str, problem: str) -> None:
    # COLMAP said only "Check failed: camera.VerifyParams()"
    model = _text_model(tmp_path, cameras="# cameras\n" + CAMERAS.replace("1 PINHOLE 320 192 300 300 160 96", camera))
    error = _read_error(model, "colmap")
    assert error.path == model
    assert f"cameras.txt line 2: {problem}" in error.problem


def test_camera_models_with_distortion_still_read(tmp_path: Path) -> None:
    cameras = "1 OPENCV 320 192 300 300 160 96 0.1 0.01 0 0\n2 SIMPLE_RADIAL 320 192 300 160 96 0.1\n"
    traj = tf.read_trajectory(_text_model(tmp_path, cameras=cameras), "colmap")
    assert traj.intrinsic is not None
    np.testing.assert_allclose(traj.intrinsic[:, 0, 0], [300, 300])


# --------------------------------------------------------------------------- timestamps
def _npz(tmp_path: Path, timestamps: np.ndarray) -> Path:
    path = tmp_path / "t.npz"
    np.savez(path, cam_c2w=np.tile(np.eye(4), (len(timestamps), 1, 1)), timestamps=timestamps)
    return path


def test_float32_timestamps_rounded_to_uneven_steps_are_refused(tmp_path: Path) -> None:
    # float32 seconds of a clock at 1e6 s: 10 fps poses came 0.0625 and 0.125 s apart, read silently
    error = _read_error(_npz(tmp_path, (1e6 + np.arange(10) * 0.1).astype(np.float32)), "megasam")
    assert "held as float32 are rounded to 0.0625 s" in error.problem


def test_float32_unix_times_name_the_rounding_not_a_repeated_time(tmp_path: Path) -> None:
    error = _read_error(_npz(tmp_path, (1.7e9 + np.arange(5) / 30).astype(np.float32)), "megasam")
    assert "rounded to 128 s" in error.problem  # was "frame 1: timestamp 1.7e+09 does not increase"


@pytest.mark.parametrize(
    "timestamps",
    [
        np.arange(10, dtype=np.float32) / 30,
        (1e4 + np.arange(10) / 30).astype(np.float32),
        (1_403_636_579_763_555_584 + np.arange(10) * 50_000_000).astype(np.int64),  # EuRoC nanoseconds
    ],
    ids=["float32-from-zero", "float32-1e4", "int64-ns"],
)
def test_timestamps_their_type_holds_well_enough_are_read(tmp_path: Path, timestamps: np.ndarray) -> None:
    traj = tf.read_trajectory(_npz(tmp_path, timestamps), "megasam")
    np.testing.assert_array_equal(traj.timestamps, timestamps.astype(np.float64))


def test_true_duplicate_timestamps_still_say_so(tmp_path: Path) -> None:
    error = _read_error(_npz(tmp_path, np.array([5.0, 5.0, 6.0], dtype=np.float32)), "megasam")
    assert "frame 1: timestamp 5 does not increase" in error.problem


def test_tum_times_that_differ_past_float64_precision_say_so(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("1000000000000000000 0 0 0 0 0 0 1\n1000000000000000001 0 0 0 0 0 0 1\n")
    assert "held as float64 are rounded to 128 s" in _read_error(path, "tum").problem


# --------------------------------------------------------------------------- writers
def _skewed() -> Trajectory:
    k = np.tile(np.array([[300.0, 5.0, 160], [0, 300.0, 96], [0, 0, 1]]), (3, 1, 1))
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[:, 0, 3] = [0.0, 1.0, 2.0]
    return Trajectory(c2w, k, np.arange(3.0))


@pytest.mark.parametrize(("fmt", "name"), [("colmap", "model"), ("poses", "poses.npy"), ("poses-c2w", "poses.txt")])
def test_writers_refuse_a_skew_they_would_drop(tmp_path: Path, fmt: str, name: str) -> None:
    # K[0, 1] = 5 was written as 0: reading back gave other intrinsics
    with pytest.raises(CameraBenchError, match=r"no skew, but frame 0 has K\[0, 1\] = 5"):
        tf.write_trajectory(tmp_path / name, _skewed(), fmt)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("fmt", sorted(tf.FORMATS))
def test_every_format_round_trips_far_poses_and_unix_times(tmp_path: Path, fmt: str) -> None:
    from scipy.spatial.transform import Rotation

    n = 5
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.random(n, random_state=3).as_matrix()
    c2w[:, :3, 3] = np.random.default_rng(3).normal(size=(n, 3)) * 100
    k = np.tile(np.array([[300.0, 0, 160], [0, 310.0, 96], [0, 0, 1]]), (n, 1, 1))
    traj = Trajectory(c2w, k, 1.7e9 + np.arange(n) / 30)
    target = tf.candidate_paths(tmp_path, "clip", fmt)[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    tf.write_trajectory(target, traj, fmt)
    back = tf.read_trajectory(target, fmt)
    np.testing.assert_allclose(back.cam_c2w, c2w, atol=1e-9, rtol=0)
    if fmt in ("megasam", "tum"):
        np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    if back.intrinsic is not None:
        np.testing.assert_allclose(back.intrinsic, k, atol=1e-9, rtol=0)
