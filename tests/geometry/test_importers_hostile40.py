"""Hostile imported trajectories, fortieth round: files as real tools write them.

Not repeated here (tested elsewhere): CRLF, byte-order marks, tabs and commas in TUM files, 13- or
16-column KITTI lines, zero and off-unit quaternions, float32 timestamps, truncated binary COLMAP
models, COLMAP names with folders or unpadded numbers, CUT3R and DROID-SLAM layouts.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.errors import FileFormatError
from camerabench.trajectory import META_IMAGE_NAMES, META_TIMESTAMPS, TIMESTAMPS_FRAME_INDEX, Trajectory
from camerabench.trajectory_formats import read_trajectory, write_trajectory

N = 4


def _traj() -> Trajectory:
    c2w = np.tile(np.eye(4), (N, 1, 1))
    c2w[:, :3, :3] = Rotation.from_euler("y", np.linspace(0, 30, N)[:, None], degrees=True).as_matrix()
    c2w[:, 0, 3] = np.linspace(0, 1, N)
    k = np.tile(np.array([[300.0, 0, 160], [0, 300.0, 96], [0, 0, 1]]), (N, 1, 1))
    return Trajectory(c2w, k, np.arange(N, dtype=np.float64))


# --------------------------------------------------------------------------- a folder for a file
@pytest.mark.parametrize(("name", "fmt"), [("clip.txt", "tum"), ("clip.txt", "kitti"), ("clip.npz", "megasam")])
def test_a_folder_given_for_a_file_says_it_is_a_folder(tmp_path: Path, name: str, fmt: str) -> None:
    # Before: "file not found", for a path that is there.
    (tmp_path / name).mkdir()
    with pytest.raises(FileFormatError, match=r"clip\.\w+: is a folder, not a file$"):
        read_trajectory(tmp_path / name, fmt)


# --------------------------------------------------------------------------- TUM quaternion order
@pytest.mark.parametrize(
    "header",
    [
        "# timestamp tx ty tz qw qx qy qz",
        "#timestamp [ns],p_RS_R_x [m],p_RS_R_y [m],p_RS_R_z [m],q_RS_w [],q_RS_x [],q_RS_y [],q_RS_z []",
    ],
)
def test_a_tum_header_naming_w_first_quaternions_is_refused(tmp_path: Path, header: str) -> None:
    # Before: the identity rotation "1 0 0 0" (w first) was read as qx = 1, a half turn about x.
    (tmp_path / "t.txt").write_text(f"{header}\n0,0,0,0,1,0,0,0\n1,1,0,0,1,0,0,0\n")
    with pytest.raises(FileFormatError, match=r"t\.txt:1: the header names the quaternion columns .*w first"):
        read_trajectory(tmp_path / "t.txt", "tum")
    # Headers naming x y z w, or other columns, are read as before.
    for other in ("# timestamp tx ty tz qx qy qz qw", "# t x y z", "# 1 2 3 4 5 6 7 8 9"):
        (tmp_path / "t.txt").write_text(f"{other}\n0 0 0 0 0 0 0 1\n1 1 0 0 0 0 0 1\n")
        np.testing.assert_array_equal(read_trajectory(tmp_path / "t.txt", "tum").cam_c2w[1, :3, :3], np.eye(3))


# --------------------------------------------------------------------------- COLMAP
def _text_model(folder: Path, names: list[str], cameras: str = "1 PINHOLE 320 192 300 310 160 96\n") -> Path:
    folder.mkdir(parents=True)
    (folder / "cameras.txt").write_text(cameras)
    (folder / "images.txt").write_text("".join(f"{i + 1} 1 0 0 0 {i * 0.1} 0 0 1 {n}\n\n" for i, n in enumerate(names)))
    (folder / "points3D.txt").write_text("")
    return folder


TUM_NAMES = ["rgb/1305031102.175304.png", "rgb/1305031102.211214.png", "rgb/1305031103.011214.png"]


def test_colmap_images_named_by_their_time_are_timed_in_seconds(tmp_path: Path) -> None:
    # TUM RGB-D names its frames by their time. Before: the fractional digits were the frame
    # numbers, so ...02.175304 and ...03.175304 were "one frame of two cameras" (refused) and
    # other models' frames were taken as evenly spaced.
    names = [*TUM_NAMES, "rgb/1305031103.175304.png"]
    traj = read_trajectory(_text_model(tmp_path / "a", names), "colmap")
    np.testing.assert_allclose(
        traj.timestamps, [1305031102.175304, 1305031102.211214, 1305031103.011214, 1305031103.175304]
    )
    assert META_TIMESTAMPS not in traj.meta and traj.meta[META_IMAGE_NAMES] == names
    np.testing.assert_allclose(traj.cam_c2w[:, 0, 3], [0.0, -0.1, -0.2, -0.3])
    # Frame-number names are frame indices as before.
    frames = read_trajectory(_text_model(tmp_path / "b", ["frame_0001.png", "frame_0003.png"]), "colmap")
    np.testing.assert_array_equal(frames.timestamps, [1.0, 3.0])
    assert frames.meta[META_TIMESTAMPS] == TIMESTAMPS_FRAME_INDEX


def test_colmap_time_names_are_ordered_by_time_and_a_shared_time_is_refused(tmp_path: Path) -> None:
    traj = read_trajectory(_text_model(tmp_path / "a", ["1.5.png", "1.25.png", "2.0.png"]), "colmap")
    np.testing.assert_allclose(traj.timestamps, [1.25, 1.5, 2.0])
    np.testing.assert_allclose(traj.cam_c2w[:, 0, 3], [-0.1, 0.0, -0.2])
    with pytest.raises(FileFormatError, match=r"images left/1\.5\.png and right/1\.5\.png carry the same time"):
        read_trajectory(_text_model(tmp_path / "b", ["left/1.5.png", "right/1.5.png", "left/2.0.png"]), "colmap")


def test_colmap_time_names_reach_the_video_as_seconds(tmp_path: Path) -> None:
    _text_model(tmp_path / "clip", TUM_NAMES)
    traj, _ = TrajectoryPredictor(traj_dir=str(tmp_path), format="colmap", sample_fps=10.0).trajectory(
        tmp_path / "clip.mp4"
    )
    np.testing.assert_allclose(traj.timestamps - traj.timestamps[0], [0.0, 0.03591, 0.83591], atol=1e-6)


@pytest.mark.parametrize(
    ("cameras", "image_ids", "camera_ids", "where", "message"),
    [
        # Before: "cannot read COLMAP model: Rig with ID 7 does not exist"
        (
            "1 PINHOLE 320 192 300 310 160 96\n",
            (1, 2),
            (1, 7),
            "images.txt line 3",
            r"image 2: camera 7 is not in the model's cameras \(1\)",
        ),
        # Before: "[reconstruction.cc:463] Check failed: inserted"
        (
            "1 PINHOLE 320 192 300 310 160 96\n",
            (1, 1),
            (1, 1),
            "images.txt line 3",
            "image id 1 is also that of images.txt line 1",
        ),
        # Before: "Check failed: cameras_.emplace(camera_id, std::move(camera)).second"
        (
            "1 PINHOLE 320 192 300 310 160 96\n1 PINHOLE 320 192 500 500 160 96\n",
            (1, 2),
            (1, 1),
            "",
            "cameras.txt line 2: camera id 1 is also that of line 1",
        ),
    ],
)
def test_colmap_text_ids_that_do_not_match_name_the_line(
    tmp_path: Path, cameras: str, image_ids: tuple[int, int], camera_ids: tuple[int, int], where: str, message: str
) -> None:
    folder = tmp_path / "m"
    _text_model(folder, ["f_0.png", "f_1.png"], cameras)
    (folder / "images.txt").write_text(
        "".join(
            f"{i} 1 0 0 0 {k * 0.1} 0 0 {c} f_{k}.png\n\n"
            for k, (i, c) in enumerate(zip(image_ids, camera_ids, strict=True))
        )
    )
    with pytest.raises(FileFormatError, match=f"{where}.*{message}"):
        read_trajectory(folder, "colmap")


def test_a_binary_image_of_an_unknown_camera_names_it(tmp_path: Path) -> None:
    # Before: "Check failed: frame->HasDataId(DataId()) Image 1 does not exist in frame 1".
    write_trajectory(tmp_path / "m", _traj(), "colmap")
    data = bytearray((tmp_path / "m" / "images.bin").read_bytes())
    struct.pack_into("<I", data, 8 + 4 + 56, 99)  # count, image id, pose: the camera id
    (tmp_path / "m" / "images.bin").write_bytes(bytes(data))
    with pytest.raises(
        FileFormatError, match=r"images\.bin: record 1: image 1: camera 99 is not in the model's cameras"
    ):
        read_trajectory(tmp_path / "m", "colmap")


@pytest.mark.parametrize(
    ("remove", "add", "message"),
    [
        ("points3D.bin", None, "found cameras.bin, images.bin, no points3D.bin"),
        ("points3D.bin", "points3D.txt", "found cameras.bin, images.bin, points3D.txt, no points3D.bin"),
    ],
)
def test_a_colmap_model_missing_a_file_names_it(tmp_path: Path, remove: str, add: str | None, message: str) -> None:
    # Before: "rigs, cameras, frames, images, points3D files do not exist at ..." for files that do.
    write_trajectory(tmp_path / "m", _traj(), "colmap")
    (tmp_path / "m" / remove).unlink()
    if add:
        (tmp_path / "m" / add).write_text("")
    with pytest.raises(FileFormatError, match=f"all .bin or all .txt; {message}$"):
        read_trajectory(tmp_path / "m", "colmap")
    text = _text_model(tmp_path / "t", ["f_0.png", "f_1.png"])
    (text / "images.txt").unlink()
    with pytest.raises(FileFormatError, match=r"found cameras\.txt, points3D\.txt, no images\.txt$"):
        read_trajectory(text, "colmap")
