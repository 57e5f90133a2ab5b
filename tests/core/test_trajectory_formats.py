"""Trajectory file formats: every read/write pair round-trips, malformed files name file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench import trajectory_formats as tf
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.trajectory import META_SCENE_DEPTH, META_TIMESTAMPS, TIMESTAMPS_FRAME_INDEX, Trajectory

#: What each format carries besides the poses.
CARRIES_INTRINSICS = {"megasam", "colmap"}
CARRIES_TIMESTAMPS = {"megasam", "tum"}


def _traj(n: int = 12, seed: int = 0, scene_depth: float | None = None) -> Trajectory:
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.random(n, random_state=seed).as_matrix()
    c2w[:, :3, 3] = rng.normal(size=(n, 3))
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (n, 1, 1))
    k[:, 0, 0] *= np.linspace(1, 1.5, n)
    k[:, 1, 1] *= np.linspace(1, 1.5, n)
    meta = {} if scene_depth is None else {META_SCENE_DEPTH: scene_depth}
    return Trajectory(c2w, k, np.arange(n) / 10.0 + 0.25, meta)


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", sorted(tf.FORMATS))
def test_every_format_round_trips_through_its_first_candidate_path(tmp_path: Path, fmt: str) -> None:
    traj = _traj()
    target = tf.candidate_paths(tmp_path, "clip", fmt)[0]
    tf.write_trajectory(target, traj, fmt)
    assert tf.find_trajectory_file(tmp_path, "clip", fmt) == target
    back = tf.read_trajectory(target, fmt)
    np.testing.assert_allclose(back.cam_c2w, traj.cam_c2w, atol=1e-9)
    if fmt in CARRIES_INTRINSICS:
        assert back.intrinsic is not None
        np.testing.assert_allclose(back.intrinsic, traj.intrinsic, atol=1e-9)
    if fmt in CARRIES_TIMESTAMPS:
        np.testing.assert_allclose(back.timestamps, traj.timestamps, atol=1e-12)
        assert META_TIMESTAMPS not in back.meta
    else:
        np.testing.assert_array_equal(back.timestamps, np.arange(len(traj)))
        assert back.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX


def test_npz_round_trip_is_exact_and_keeps_the_scene_depth(tmp_path: Path) -> None:
    traj = _traj(6, scene_depth=4.5)
    tf.save_npz(tmp_path / "t.npz", traj)
    back = tf.load_npz(tmp_path / "t.npz")
    np.testing.assert_array_equal(back.cam_c2w, traj.cam_c2w)
    np.testing.assert_array_equal(back.intrinsic, traj.intrinsic)
    np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    assert back.meta == {META_SCENE_DEPTH: 4.5}
    # Without timestamps in the file: frame indices, or frame times at a given rate.
    np.savez(tmp_path / "bare.npz", cam_c2w=traj.cam_c2w)
    np.testing.assert_array_equal(tf.load_npz(tmp_path / "bare.npz").timestamps, np.arange(6))
    np.testing.assert_allclose(tf.load_npz(tmp_path / "bare.npz", timestamps_fps=2.0).timestamps, np.arange(6) / 2)


def test_kitti_round_trip_is_exact(tmp_path: Path) -> None:
    traj = _traj(5)
    tf.write_kitti(tmp_path / "k.txt", traj)
    np.testing.assert_array_equal(tf.read_kitti(tmp_path / "k.txt").cam_c2w, traj.cam_c2w)


def test_megasam_scene_depth_from_depths_or_scalar(tmp_path: Path) -> None:
    traj = _traj(5)
    depths = np.full((5, 4, 6), 7.0)
    depths[0, 0, 0] = 0.0  # invalid pixels are ignored
    tf.write_megasam(tmp_path / "clip_sgd_cvd_hr.npz", traj, depths)
    found = tf.find_trajectory_file(tmp_path, "clip", "megasam")
    assert found == tmp_path / "clip_sgd_cvd_hr.npz"
    back = tf.read_megasam(found)
    assert back.meta[META_SCENE_DEPTH] == 7.0
    np.testing.assert_array_equal(back.intrinsic, traj.intrinsic)
    np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    tf.write_megasam(tmp_path / "scaled.npz", _traj(5, scene_depth=2.5))
    assert tf.read_megasam(tmp_path / "scaled.npz").meta[META_SCENE_DEPTH] == 2.5
    # MegaSaM's own files hold one 3x3 K and no timestamps.
    np.savez(tmp_path / "raw.npz", cam_c2w=traj.cam_c2w, intrinsic=traj.intrinsic[0], depths=depths)
    raw = tf.read_megasam(tmp_path / "raw.npz")
    assert raw.intrinsic is not None and raw.intrinsic.shape == (5, 3, 3)
    assert raw.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX


@pytest.mark.parametrize("suffix", [".npy", ".txt"])
@pytest.mark.parametrize("world_to_camera", [True, False])
def test_pose_array_round_trip_with_intrinsics_beside_poses(tmp_path: Path, suffix: str, world_to_camera: bool) -> None:
    traj = _traj(7)
    path = tmp_path / "clip" / f"poses{suffix}"
    path.parent.mkdir()
    tf.write_pose_array(path, traj, world_to_camera=world_to_camera)
    assert (tmp_path / "clip" / f"intrinsics{suffix}").is_file()
    back = tf.read_pose_array(path, world_to_camera=world_to_camera)
    np.testing.assert_allclose(back.cam_c2w, traj.cam_c2w, atol=1e-12)
    assert back.intrinsic is not None
    np.testing.assert_array_equal(back.intrinsic, traj.intrinsic)
    # Read with the other direction, the same rows give the inverse poses.
    other = tf.read_pose_array(path, world_to_camera=not world_to_camera)
    np.testing.assert_allclose(other.cam_c2w, np.linalg.inv(traj.cam_c2w), atol=1e-12)


def test_pose_array_direction_and_quaternion_order(tmp_path: Path) -> None:
    # A camera at world (1, 2, 3), rotated 90 deg about world z (scalar-last quaternion).
    q_xyzw = [0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]
    c2w_row = np.array([[1.0, 2.0, 3.0, *q_xyzw]])
    c2w = tf.pose_array_to_c2w(c2w_row, world_to_camera=False)[0]
    np.testing.assert_allclose(c2w[:3, 3], [1, 2, 3])
    np.testing.assert_allclose(c2w[:3, 0], [0, 1, 0], atol=1e-12)  # camera x axis now points along world y
    # The same pose stored world-to-camera: the camera centre is -R^T t.
    w2c = np.linalg.inv(c2w)
    w2c_row = np.concatenate([w2c[:3, 3], Rotation.from_matrix(w2c[:3, :3]).as_quat()])[None]
    np.save(tmp_path / "clip.npy", w2c_row)
    back = tf.read_trajectory(tmp_path / "clip.npy", "poses")
    np.testing.assert_allclose(back.cam_c2w[0], c2w, atol=1e-12)


def test_tum_quaternions_are_xyzw(tmp_path: Path) -> None:
    # TUM stores "t x y z qx qy qz qw": one line by hand, with a comment line before it.
    half = np.pi / 4
    (tmp_path / "clip.txt").write_text(f"# t x y z qx qy qz qw\n0.5 1 2 3 0 0 {np.sin(half)} {np.cos(half)}\n")
    traj = tf.read_tum(tmp_path / "clip.txt")
    np.testing.assert_allclose(traj.cam_c2w[0, :3, 0], [0, 1, 0], atol=1e-9)
    np.testing.assert_allclose(traj.cam_c2w[0, :3, 3], [1, 2, 3])
    assert traj.timestamps.tolist() == [0.5]


def test_colmap_model_keeps_image_names_in_frame_order(tmp_path: Path) -> None:
    traj = _traj(4)
    tf.write_colmap_model(tmp_path / "model", traj)
    back = tf.read_colmap_model(tmp_path / "model")
    assert back.meta["image_names"] == [f"frame_{i:05d}.png" for i in range(4)]
    assert META_SCENE_DEPTH not in back.meta  # the model has no points


def test_candidate_paths_and_missing_files(tmp_path: Path) -> None:
    assert tf.candidate_paths(tmp_path, "v", "megasam") == [
        tmp_path / "v.npz",
        tmp_path / "v_sgd_cvd_hr.npz",
        tmp_path / "v_droid.npz",
    ]
    assert tf.find_trajectory_file(tmp_path, "v", "tum") is None
    (tmp_path / "v").mkdir()  # a folder that is not a COLMAP model is not found
    assert tf.find_trajectory_file(tmp_path, "v", "colmap") is None
    with pytest.raises(CameraBenchError, match="unknown trajectory format 'ply'"):
        tf.read_trajectory(tmp_path / "v.ply", "ply")
    with pytest.raises(CameraBenchError, match="unknown trajectory format 'ply'"):
        tf.write_trajectory(tmp_path / "v.ply", _traj(), "ply")
    with pytest.raises(CameraBenchError, match="needs intrinsics"):
        tf.write_colmap_model(tmp_path / "m", Trajectory(np.tile(np.eye(4), (2, 1, 1)), None, np.arange(2.0)))


# --------------------------------------------------------------------------- malformed input
@pytest.mark.parametrize("fmt", sorted(tf.FORMATS))
def test_a_missing_file_is_a_format_error_naming_it(tmp_path: Path, fmt: str) -> None:
    path = tf.candidate_paths(tmp_path, "gone", fmt)[0]
    with pytest.raises(FileFormatError, match=r"gone.*not found") as info:
        tf.read_trajectory(path, fmt)
    assert info.value.path == path


@pytest.mark.parametrize("fmt", sorted(tf.FORMATS))
def test_garbage_is_a_format_error_naming_the_file(tmp_path: Path, fmt: str) -> None:
    path = tf.candidate_paths(tmp_path, "junk", fmt)[0]
    if fmt == "colmap":
        path.mkdir(parents=True)
        (path / "cameras.txt").write_text("garbage here\n1 PINHOLE x\n")
    else:
        path.write_bytes(b"\x93NUMPY garbage \x00\x01 not what it says\n")
    with pytest.raises(FileFormatError) as info:
        tf.read_trajectory(path, fmt)
    assert info.value.path == path
    assert str(path) in str(info.value)


def test_npz_problems(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", poses=np.zeros((3, 4, 4)))
    with pytest.raises(FileFormatError, match=r"x\.npz: no 'cam_c2w' array \(found \['poses'\]\)"):
        tf.load_npz(tmp_path / "x.npz")
    np.savez(tmp_path / "y.npz", cam_c2w=np.zeros((3, 3, 4)))
    with pytest.raises(FileFormatError, match=r"y\.npz: cam_c2w must be"):
        tf.load_npz(tmp_path / "y.npz")
    with (tmp_path / "z.npz").open("wb") as fh:
        np.save(fh, np.zeros((3, 4, 4)))  # an .npy under an .npz name
    with pytest.raises(FileFormatError, match=r"z\.npz.*: not an npz archive"):
        tf.load_npz(tmp_path / "z.npz")
    np.savez(tmp_path / "d.npz", cam_c2w=np.tile(np.eye(4), (2, 1, 1)), depths=np.zeros((2, 3, 3)))
    with pytest.raises(FileFormatError, match=r"d\.npz: depths\[0\] has no positive"):
        tf.read_megasam(tmp_path / "d.npz")
    np.savez(tmp_path / "s.npz", cam_c2w=np.tile(np.eye(4), (2, 1, 1)), scene_depth=np.ones(3))
    with pytest.raises(FileFormatError, match=r"s\.npz: bad array"):
        tf.load_npz(tmp_path / "s.npz")


@pytest.mark.parametrize(
    ("fmt", "text", "line", "problem"),
    [
        ("tum", "0 0 0 0 0 0 0 1\n# comment\n1 0 0 0 0 0 1\n", 3, "8 numbers"),
        ("tum", "0 0 0 0 0 0 0 1\n1 0 0 zero 0 0 0 1\n", 2, "not a number"),
        ("tum", "0 0 0 0 0 0 0 1\n1 0 0 0 0 0 0 0\n", 2, "quaternion is zero"),
        ("tum", "0 0 0 0 0 0 0 1 \n0 0 0 0 0 0 0 1 2\n", 2, "found 9"),
        ("tum", "0 0 0 nan 0 0 0 1\n", 1, "NaN"),
        ("kitti", "1 0 0 0 0 1 0 0 0 0 1\n", 1, "12 numbers"),
        ("poses", "0 0 0 0 0 0 1\n0 0 0 0 0 0 2\n", 2, "quaternion norm"),
        ("poses-c2w", "0 0 0 0 0 0 1\n\n0 0 0 0 0 1\n", 3, "7 numbers"),
    ],
)
def test_text_problems_name_file_and_line(tmp_path: Path, fmt: str, text: str, line: int, problem: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=problem) as info:
        tf.read_trajectory(path, fmt)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("fmt", ["tum", "kitti", "poses-c2w"])
def test_white_space_as_the_tum_tools_take_it(tmp_path: Path, fmt: str) -> None:
    # Tabs, runs of spaces, commas, trailing spaces, CRLF and blank lines: the TUM benchmark's own
    # scripts read such files, and so do we (evo alone would fail or miscount on them).
    columns = {"tum": 8, "kitti": 12, "poses-c2w": 7}[fmt]
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(4, columns)).round(6)
    if fmt == "tum":
        rows[:, 0] = np.arange(4) / 10.0
    if fmt == "kitti":
        rows = np.c_[np.eye(3).ravel()[None].repeat(4, 0).reshape(4, 3, 3), rows[:, :3, None]].reshape(4, 12)
    if fmt in ("tum", "poses-c2w"):
        quat = rng.normal(size=(4, 4))
        rows[:, -4:] = quat / np.linalg.norm(quat, axis=1, keepdims=True)
    clean = "".join(" ".join(repr(float(v)) for v in r) + "\n" for r in rows)
    seps = [" ", "\t", "  ", ", "]
    messy = "# header\r\n\r\n" + "".join(
        "  " + seps[i % 4].join(repr(float(v)) for v in r) + " \t\r\n\n" for i, r in enumerate(rows)
    )
    (tmp_path / "clean.txt").write_text(clean)
    (tmp_path / "messy.txt").write_bytes(messy.encode())
    a = tf.read_trajectory(tmp_path / "clean.txt", fmt)
    b = tf.read_trajectory(tmp_path / "messy.txt", fmt)
    assert len(b.cam_c2w) == 4
    np.testing.assert_array_equal(a.cam_c2w, b.cam_c2w)
    np.testing.assert_array_equal(a.timestamps, b.timestamps)


@pytest.mark.parametrize("fmt", ["tum", "kitti"])
def test_an_empty_text_file_is_a_format_error(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "e.txt").write_text("# only a comment\n")
    with pytest.raises(FileFormatError, match=r"e\.txt: no .* line"):
        tf.read_trajectory(tmp_path / "e.txt", fmt)


def test_pose_array_problems(tmp_path: Path) -> None:
    np.save(tmp_path / "shape.npy", np.zeros((3, 6)))
    with pytest.raises(FileFormatError, match=r"shape\.npy: expected an \(N, 7\)"):
        tf.read_pose_array(tmp_path / "shape.npy", world_to_camera=True)
    # Scalar-first quaternions are caught when they break the norm, never silently swapped.
    np.save(tmp_path / "order.npy", np.array([[0, 0, 0, 1.0, 0, 0, 0.5]]))
    with pytest.raises(FileFormatError, match=r"order\.npy: row 0: quaternion norm"):
        tf.read_pose_array(tmp_path / "order.npy", world_to_camera=True)
    np.save(tmp_path / "nan.npy", np.array([[np.nan, 0, 0, 0, 0, 0, 1.0]]))
    with pytest.raises(FileFormatError, match=r"nan\.npy: .*NaN"):
        tf.read_pose_array(tmp_path / "nan.npy", world_to_camera=True)
    (tmp_path / "clip").mkdir()
    tf.write_pose_array(tmp_path / "clip" / "poses.npy", _traj(3), world_to_camera=True)
    np.save(tmp_path / "clip" / "intrinsics.npy", np.ones((2, 4)))
    with pytest.raises(FileFormatError, match=r"intrinsics\.npy: 2 rows of \[fx fy cx cy\] for 3 poses"):
        tf.read_pose_array(tmp_path / "clip" / "poses.npy", world_to_camera=True)


def test_colmap_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileFormatError, match=r"empty: no cameras\.bin or cameras\.txt"):
        tf.read_colmap_model(tmp_path / "empty")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "cameras.txt").write_text("1 PINHOLE 320 192 300 300 160\n")  # a parameter short
    with pytest.raises(FileFormatError, match=r"m: cannot read COLMAP model"):
        tf.read_colmap_model(tmp_path / "m")
