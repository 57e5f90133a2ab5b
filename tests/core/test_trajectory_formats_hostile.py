"""Hostile trajectory files: each is a clear FileFormatError naming the file, or is read correctly."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench import trajectory_formats as tf
from camerabench.errors import FileFormatError
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory

N = 4


def _traj() -> Trajectory:
    c2w = np.tile(np.eye(4), (N, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0, 30, N)[:, None], degrees=True).as_matrix()
    c2w[:, :3, 3] = np.stack([np.linspace(0, 1, N), np.zeros(N), np.linspace(1, 2, N)], axis=1)
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (N, 1, 1))
    return Trajectory(c2w, k, np.arange(N) / 10.0)


def _tum_text() -> str:
    traj = _traj()
    return "".join(
        " ".join(repr(float(v)) for v in [t, *p[:3, 3], *Rotation.from_matrix(p[:3, :3]).as_quat()]) + "\n"
        for t, p in zip(traj.timestamps, traj.cam_c2w, strict=True)
    )


def _raises(path: Path, fmt: str, problem: str, line: int | None = None) -> FileFormatError:
    with pytest.raises(FileFormatError, match=problem) as info:
        tf.read_trajectory(path, fmt)
    assert str(info.value).startswith(str(info.value.path))
    assert path in (info.value.path, *info.value.path.parents)
    assert info.value.line == line
    return info.value


# --------------------------------------------------------------------------- TUM
@pytest.mark.parametrize(("q", "norm"), [("0 0 0 2", "2"), ("0 0 0 0.5", "0.5"), ("0 0 0 1e-30", "1e-30")])
def test_tum_quaternion_off_unit_norm_is_an_error_not_normalised(tmp_path: Path, q: str, norm: str) -> None:
    (tmp_path / "t.txt").write_text(f"0 0 0 0 0 0 0 1\n1 0 0 0 {q}\n")
    _raises(tmp_path / "t.txt", "tum", f"quaternion norm {norm} is not 1", line=2)


def test_tum_rounding_of_the_quaternion_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("0 0 0 0 0 0 0 1.000001\n1 1 2 3 0 0 0 0.999999\n")
    traj = tf.read_trajectory(tmp_path / "t.txt", "tum")
    np.testing.assert_allclose(traj.cam_c2w[1], [[1, 0, 0, 1], [0, 1, 0, 2], [0, 0, 1, 3], [0, 0, 0, 1]], atol=1e-12)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.replace("\n", "\r\n"),
        lambda s: "\ufeff# t x y z qx qy qz qw\r\n" + s.replace("\n", "\r\n"),
        lambda s: s.rstrip("\n"),
    ],
    ids=["crlf", "bom-comment-crlf", "no-final-newline"],
)
def test_tum_line_endings_and_bom_are_read_correctly(tmp_path: Path, mangle: Callable[[str], str]) -> None:
    (tmp_path / "t.txt").write_bytes(mangle(_tum_text()).encode())
    traj = tf.read_trajectory(tmp_path / "t.txt", "tum")
    np.testing.assert_allclose(traj.cam_c2w, _traj().cam_c2w, atol=1e-12)
    np.testing.assert_allclose(traj.timestamps, _traj().timestamps)


def test_an_underscore_in_a_number_is_not_a_number(tmp_path: Path) -> None:
    (tmp_path / "k.txt").write_text("1 0 0 1_0 0 1 0 0 0 0 1 0\n")  # float() would read 10
    _raises(tmp_path / "k.txt", "kitti", "not a number", line=1)


# --------------------------------------------------------------------------- npy / npz dtypes
@pytest.mark.parametrize("dtype", [np.complex128, np.bool_, np.str_])
def test_pose_arrays_of_non_real_dtype_are_refused(tmp_path: Path, dtype: type) -> None:
    rows = np.tile([0.0, 0, 0, 0, 0, 0, 1], (N, 1)).astype(dtype)
    np.save(tmp_path / "p.npy", rows)
    _raises(tmp_path / "p.npy", "poses", "expected real numbers")


def test_complex_intrinsics_beside_poses_are_refused(tmp_path: Path) -> None:
    (tmp_path / "clip").mkdir()
    tf.write_pose_array(tmp_path / "clip" / "poses.npy", _traj(), world_to_camera=True)
    np.save(tmp_path / "clip" / "intrinsics.npy", np.tile([300.0, 300, 160, 96], (N, 1)) + 1j)
    with pytest.raises(FileFormatError, match=r"intrinsics\.npy: .*expected real numbers, got dtype complex128"):
        tf.read_trajectory(tmp_path / "clip" / "poses.npy", "poses")


@pytest.mark.parametrize(
    ("arrays", "problem"),
    [
        ({"cam_c2w": _traj().cam_c2w + 0j}, "cam_c2w: expected real numbers, got dtype complex128"),
        ({"cam_c2w": np.tile(np.eye(4, dtype=bool), (N, 1, 1))}, "cam_c2w: expected real numbers, got dtype bool"),
        ({"cam_c2w": _traj().cam_c2w.astype(str)}, "cam_c2w: expected real numbers"),
        ({"intrinsic": _traj().intrinsic + 1j}, "intrinsic: expected real numbers"),
        ({"timestamps": np.arange(N) + 0j}, "timestamps: expected real numbers"),
        ({"scene_depth": np.float64(np.nan)}, "scene_depth is nan, not a positive finite depth"),
        ({"scene_depth": np.float64(np.inf)}, "scene_depth is inf"),
        ({"scene_depth": np.float64(0.0)}, "scene_depth is 0.0"),
        ({"scene_depth": np.float64(-2.0)}, "scene_depth is -2.0"),
        ({"depths": np.full((2, 3, 4), 5.0)}, r"depths must be \(4, H, W\) like cam_c2w, got \(2, 3, 4\)"),
        ({"depths": np.full((N, 3, 4), 5.0 + 1j)}, "depths: expected real numbers"),
        ({"depths": np.full((N, 3, 4), 5.0).astype(str)}, "depths: expected real numbers"),
    ],
    ids=lambda v: None if isinstance(v, dict) else v.split(":")[0][:20],
)
def test_megasam_arrays_that_would_convert_silently_are_refused(
    tmp_path: Path, arrays: dict[str, np.ndarray], problem: str
) -> None:
    np.savez(tmp_path / "m.npz", **{"cam_c2w": _traj().cam_c2w, **arrays})
    _raises(tmp_path / "m.npz", "megasam", problem)


def test_megasam_scene_depth_and_depths_still_read(tmp_path: Path) -> None:
    np.savez(tmp_path / "a.npz", cam_c2w=_traj().cam_c2w, scene_depth=np.float32(2.5))
    assert tf.read_trajectory(tmp_path / "a.npz", "megasam").meta[META_SCENE_DEPTH] == 2.5
    np.savez(tmp_path / "b.npz", cam_c2w=_traj().cam_c2w, depths=np.full((N, 3, 4), 5, dtype=np.float16))
    assert tf.read_trajectory(tmp_path / "b.npz", "megasam").meta[META_SCENE_DEPTH] == 5.0


# --------------------------------------------------------------------------- COLMAP binary
def _binary_model(tmp_path: Path, legacy: bool = False) -> Path:
    model = tmp_path / "model"
    tf.write_colmap_model(model, _traj())
    if legacy:  # a model written before COLMAP had rigs and frames
        (model / "rigs.bin").unlink()
        (model / "frames.bin").unlink()
    return model


def _image_record(data: bytes, index: int) -> int:
    """Byte offset of image ``index`` in an images.bin without 2D points."""
    offset = 8
    for _ in range(index):
        offset = data.index(b"\0", offset + 64) + 1 + 8
    return offset


def _truncate(keep: Callable[[bytes], int]) -> Callable[[bytes], bytes]:
    return lambda data: data[: keep(data)]


@pytest.mark.parametrize("legacy", [False, True], ids=["rigs-frames", "legacy"])
@pytest.mark.parametrize(
    ("name", "mangle", "problem"),
    [
        ("images.bin", _truncate(lambda d: 0), "images.bin: truncated: 8 bytes needed at byte 0, 0 left"),
        ("images.bin", _truncate(lambda d: _image_record(d, 1)), "images.bin: truncated: 64 bytes needed"),
        ("images.bin", _truncate(lambda d: _image_record(d, 2) - 12), "images.bin: truncated"),  # inside a name
        ("images.bin", _truncate(lambda d: len(d) - 3), "images.bin: truncated"),
        ("images.bin", lambda d: struct.pack("<Q", 10) + d[8:], "images.bin: truncated"),
        ("images.bin", lambda d: struct.pack("<Q", 2) + d[8:], "images.bin: .* bytes after its last record"),
        ("images.bin", lambda d: d + b"junk", "images.bin: 4 bytes after its last record"),
        ("cameras.bin", _truncate(lambda d: len(d) - 8), "cameras.bin: truncated"),
        ("cameras.bin", lambda d: d[:12] + struct.pack("<i", 99) + d[16:], "cameras.bin: unknown camera model id 99"),
        ("points3D.bin", _truncate(lambda d: 4), "points3D.bin: truncated"),
    ],
    ids=[
        "images-empty",
        "images-cut-after-image-1",
        "images-cut-inside-a-name",  # pycolmap looped forever on it
        "images-cut-last-bytes",
        "images-count-too-large",
        "images-count-too-small",
        "images-trailing-junk",
        "cameras-cut",
        "cameras-unknown-model",
        "points3D-cut",
    ],
)
def test_a_damaged_binary_colmap_model_is_an_error_never_fewer_images(
    tmp_path: Path, legacy: bool, name: str, mangle: Callable[[bytes], bytes], problem: str
) -> None:
    model = _binary_model(tmp_path, legacy)
    (model / name).write_bytes(mangle((model / name).read_bytes()))
    _raises(model, "colmap", problem)


@pytest.mark.parametrize("name", ["frames.bin", "rigs.bin"])
def test_a_truncated_rig_or_frame_file_is_an_error(tmp_path: Path, name: str) -> None:
    model = _binary_model(tmp_path)
    (model / name).write_bytes((model / name).read_bytes()[:-4])
    _raises(model, "colmap", f"{name}: truncated")


@pytest.mark.parametrize("qvec", [(0.0, 0, 0, 0), (2.0, 0, 0, 0), (np.nan, 0, 0, 0)], ids=["zero", "norm2", "nan"])
@pytest.mark.parametrize("where", ["images.bin", "frames.bin"])
def test_a_binary_colmap_quaternion_off_unit_norm_is_an_error(
    tmp_path: Path, where: str, qvec: tuple[float, ...]
) -> None:
    model = _binary_model(tmp_path, legacy=where == "images.bin")
    data = bytearray((model / where).read_bytes())
    # images.bin: u64 count, u32 image_id, qvec; frames.bin: u64 count, (u32 frame_id, u32 rig_id, qvec, ...) x N
    offset = _image_record(bytes(data), 1) + 4 if where == "images.bin" else 8 + 84 + 8
    data[offset : offset + 32] = struct.pack("<4d", *qvec)
    (model / where).write_bytes(bytes(data))
    _raises(model, "colmap", rf"{where}: (image|frame) 2: quaternion norm {qvec[0]:g} is not 1")


def test_a_binary_model_with_points_and_observations_reads(tmp_path: Path) -> None:
    import pycolmap

    model = _binary_model(tmp_path)
    rec = pycolmap.Reconstruction(str(model))
    first = min(rec.images)
    image = rec.images[first]
    c2w = tf.colmap_c2w(image)
    # Three points in front of the first camera, at depths 2, 3 and 4, each seen by it.
    for depth in (2.0, 3.0, 4.0):
        xyz = c2w[:3, :3] @ np.array([0.0, 0.0, depth]) + c2w[:3, 3]
        rec.add_point3D(xyz, pycolmap.Track())
    legacy_rec = pycolmap.Reconstruction()
    for camera in rec.cameras.values():
        legacy_rec.add_camera_with_trivial_rig(camera)
    for image_id in sorted(rec.images):
        im = rec.images[image_id]
        points = [pycolmap.Point2D(np.array([160.0, 96.0]))] * (3 if image_id == first else 0)
        new = pycolmap.Image(name=im.name, points2D=points, camera_id=im.camera_id, image_id=image_id)
        legacy_rec.add_image_with_trivial_frame(new, im.cam_from_world())
    for idx, point_id in enumerate(sorted(rec.points3D)):
        track = pycolmap.Track()
        track.add_element(first, idx)
        legacy_rec.add_point3D(rec.points3D[point_id].xyz, track)
    out = tmp_path / "with_points"
    out.mkdir()
    legacy_rec.write(str(out))
    traj = tf.read_trajectory(out, "colmap")
    np.testing.assert_allclose(traj.cam_c2w, _traj().cam_c2w, atol=1e-9)
    assert traj.meta[META_SCENE_DEPTH] == pytest.approx(3.0)


# --------------------------------------------------------------------------- COLMAP text
def _text_model(tmp_path: Path, images: str, cameras: str | None = None) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "cameras.txt").write_text(cameras or "".join(f"{i} PINHOLE 320 192 300 300 160 96\n" for i in (1, 2)))
    (model / "images.txt").write_text(images)
    (model / "points3D.txt").write_text("")
    return model


IMAGE_1 = "1 1 0 0 0 0 0 0 1 a.png\n\n"


@pytest.mark.parametrize(("qvec", "norm"), [("0 0 0 0", "0"), ("2 0 0 0", "2"), ("0.5 0 0 0", "0.5")])
def test_a_text_colmap_quaternion_off_unit_norm_names_the_line(tmp_path: Path, qvec: str, norm: str) -> None:
    model = _text_model(tmp_path, f"# header\n{IMAGE_1}2 {qvec} 1 0 0 2 b.png\n\n")
    error = _raises(model, "colmap", f"image 2: quaternion norm {norm} is not 1", line=4)
    assert error.path == model / "images.txt"


@pytest.mark.parametrize(
    ("images", "cameras", "problem", "line"),
    [
        (IMAGE_1 + "2 1 0 0 0 1 0 0 2 b.png\n", None, "POINTS2D line", 4),  # pycolmap would drop image 2
        ("1 1 0 0 0 0 0 0 1 a.png\n2 1 0 0 0 1 0 0 2 b.png\n\n", None, "POINTS2D line", 2),  # a line lost
        (IMAGE_1 + "2 1 0 0 0 1 0 0 3 b.png\n\n", None, "cannot read COLMAP model", None),  # camera 3 missing
        (IMAGE_1 + "2 1 0 0 0 1 0 0 2 a.png\n\n", None, "image 2: its name 'a.png' is image 1's too \\(line 1\\)", 3),
        (IMAGE_1 + "2 1 0 0 0 1 0 0 2 b.png\n1 2 -1\n", None, None, None),
    ],
    ids=["no-final-points2d", "lost-points2d-line", "missing-camera", "duplicate-name", "valid"],
)
def test_inconsistent_text_colmap_models(
    tmp_path: Path, images: str, cameras: str | None, problem: str | None, line: int | None
) -> None:
    model = _text_model(tmp_path, images, cameras)
    if problem is None:
        assert tf.read_trajectory(model, "colmap").meta["image_names"] == ["a.png", "b.png"]
    else:
        _raises(model, "colmap", problem, line)


def test_a_text_colmap_model_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    model = _text_model(
        tmp_path, "\ufeff# header\r\n" + (IMAGE_1 + "2 1 0 0 0 -1 0 0 2 b.png\n\n").replace("\n", "\r\n")
    )
    (model / "cameras.txt").write_bytes(b"\xef\xbb\xbf" + (model / "cameras.txt").read_bytes())
    traj = tf.read_trajectory(model, "colmap")
    np.testing.assert_allclose(traj.cam_c2w[:, :3, 3], [[0, 0, 0], [1, 0, 0]])
    assert (model / "images.txt").read_text(encoding="utf-8").startswith("\ufeff")  # the files are left alone


@pytest.mark.parametrize(
    ("fmt", "text", "where"),
    [
        # a comment and a blank line before: the line is the file's, not the pose's index
        (
            "tum",
            "# t x y z qx qy qz qw\n0 0 0 0 0 0 0 1\n\n1 0 0 0 0 0 0 1\n0.5 0 0 0 0 0 0 1\n",
            r":5: pose 2: timestamp 0\.5 does not increase",
        ),
        (
            "kitti",
            "1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 0 0 1 0 0 0 0 1 0\n2 0 0 0 0 1 0 0 0 0 1 0\n",
            r":3: pose 2: rotation block is not orthonormal",
        ),
    ],
)
def test_a_bad_pose_in_a_text_file_names_its_line(tmp_path: Path, fmt: str, text: str, where: str) -> None:
    path = tmp_path / "poses.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=r"poses\.txt" + where) as info:
        tf.read_trajectory(path, fmt)
    assert info.value.line == int(where.split(":")[1])
