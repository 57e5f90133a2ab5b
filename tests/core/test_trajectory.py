import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.errors import FileFormatError
from camerabench.trajectory import Trajectory, load_npz, read_tum, save_npz, write_tum


def _traj(n=6):
    rng = np.random.default_rng(0)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rng.normal(scale=0.2, size=(n, 3))).as_matrix()
    c2w[:, :3, 3] = rng.normal(size=(n, 3))
    k = np.array([[300.0, 0, 160], [0, 300, 96], [0, 0, 1]])
    return Trajectory(c2w, k, np.arange(n) / 10.0, {"scene_depth": 4.5})


def test_npz_round_trip_keeps_poses_intrinsics_and_scale(tmp_path):
    traj = _traj()
    save_npz(tmp_path / "t.npz", traj)
    back = load_npz(tmp_path / "t.npz")
    np.testing.assert_array_equal(back.cam_c2w, traj.cam_c2w)
    np.testing.assert_array_equal(back.intrinsic, traj.intrinsic)
    np.testing.assert_array_equal(back.timestamps, traj.timestamps)
    assert back.meta == {"scene_depth": 4.5}
    assert back.intrinsic.shape == (6, 3, 3)


def test_tum_round_trip_through_evo(tmp_path):
    traj = _traj()
    write_tum(tmp_path / "t.txt", traj)
    back = read_tum(tmp_path / "t.txt")
    np.testing.assert_allclose(back.cam_c2w, traj.cam_c2w, atol=1e-9)
    np.testing.assert_allclose(back.timestamps, traj.timestamps)
    assert back.intrinsic is None


def test_bad_files_name_the_file(tmp_path):
    np.savez(tmp_path / "x.npz", poses=np.zeros((3, 4, 4)))
    with pytest.raises(FileFormatError, match=r"x\.npz: no 'cam_c2w'"):
        load_npz(tmp_path / "x.npz")
    np.savez(tmp_path / "y.npz", cam_c2w=np.zeros((3, 3, 4)))
    with pytest.raises(FileFormatError, match=r"y\.npz: cam_c2w must be"):
        load_npz(tmp_path / "y.npz")
    (tmp_path / "z.txt").write_text("0 1 2\n")
    with pytest.raises(FileFormatError, match=r"z\.txt: not a TUM trajectory"):
        read_tum(tmp_path / "z.txt")
