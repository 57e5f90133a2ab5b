import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from camerabench.trajectory import (
    Trajectory,
    focal_from_fov,
    interpolate_poses,
    intrinsic_from_fov,
    pinhole_intrinsic,
)


def _traj(n=6):
    rng = np.random.default_rng(0)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rng.normal(scale=0.2, size=(n, 3))).as_matrix()
    c2w[:, :3, 3] = rng.normal(size=(n, 3))
    k = np.array([[300.0, 0, 160], [0, 300, 96], [0, 0, 1]])
    return Trajectory(c2w, k, np.arange(n) / 10.0, {"scene_depth": 4.5})


def test_trajectory_shapes_and_properties():
    traj = _traj()
    assert len(traj) == 6
    assert traj.intrinsic is not None and traj.intrinsic.shape == (6, 3, 3)  # one K broadcast to every frame
    np.testing.assert_array_equal(traj.positions, traj.cam_c2w[:, :3, 3])
    np.testing.assert_array_equal(traj.focal_px, np.full(6, 300.0))
    with pytest.raises(ValueError, match="cam_c2w must be"):
        Trajectory(np.zeros((0, 4, 4)), None, np.zeros(0))
    with pytest.raises(ValueError, match="timestamps must be"):
        Trajectory(np.tile(np.eye(4), (2, 1, 1)), None, np.zeros(3))
    with pytest.raises(ValueError, match="intrinsic must be"):
        Trajectory(np.tile(np.eye(4), (2, 1, 1)), np.eye(2), np.zeros(2))


def test_intrinsics_from_the_field_of_view():
    assert focal_from_fov(640, 90.0) == pytest.approx(320.0)
    # The field of view comes back from the focal length: 2 atan(w / 2f).
    assert np.rad2deg(2 * np.arctan(0.5 * 480 / focal_from_fov(480, 60.0))) == pytest.approx(60.0)
    k = intrinsic_from_fov(480, 270, 60.0)
    np.testing.assert_array_equal(k, pinhole_intrinsic(focal_from_fov(480, 60.0), 480, 270))
    assert (k[0, 2], k[1, 2]) == (239.5, 134.5)  # pixel centres at integers: the middle of 0..479


def test_interpolation_is_slerp_linear_and_log_linear():
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[1, :3, :3] = Rotation.from_rotvec([0.0, 0.4, 0.0]).as_matrix()
    c2w[2, :3, :3] = Rotation.from_rotvec([0.0, 0.4, 0.2]).as_matrix()
    c2w[:, :3, 3] = [[0, 0, 0], [1, 0, 0], [1, 2, 0]]
    k = np.stack([pinhole_intrinsic(f, 320, 192) for f in (100.0, 400.0, 400.0)])
    times = np.array([0.0, 1.0, 3.0])
    query = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 9.0])
    poses, ks = interpolate_poses(times, c2w, query, k)
    assert ks is not None
    # Never extrapolated: before the first and after the last known time, the end poses.
    np.testing.assert_array_equal(poses[0], c2w[0])
    np.testing.assert_array_equal(poses[-1], c2w[2])
    # At known times, the known poses.
    np.testing.assert_array_equal(poses[[1, 3, 5]], c2w)
    np.testing.assert_array_equal(ks[[1, 3, 5]], k)
    # Between: the middle of the pan, half way along the path, the geometric mean focal length.
    np.testing.assert_allclose(Rotation.from_matrix(poses[2, :3, :3]).as_rotvec(), [0, 0.2, 0], atol=1e-12)
    np.testing.assert_allclose(poses[[2, 4], :3, 3], [[0.5, 0, 0], [1, 1, 0]], atol=1e-12)
    assert ks[2, 0, 0] == pytest.approx(200.0) and ks[2, 0, 2] == 159.5
    expected = Slerp(times[1:], Rotation.from_matrix(c2w[1:, :3, :3]))([2.0]).as_matrix()[0]
    np.testing.assert_allclose(poses[4, :3, :3], expected, atol=1e-12)
    np.testing.assert_array_equal(poses[:, 3], np.tile([0.0, 0, 0, 1], (len(query), 1)))


def test_interpolation_without_intrinsics_and_with_one_known_pose():
    c2w = np.tile(np.eye(4), (1, 1, 1))
    c2w[0, :3, 3] = [1.0, 2.0, 3.0]
    poses, ks = interpolate_poses([5.0], c2w, [0.0, 5.0, 7.0])
    assert ks is None
    np.testing.assert_array_equal(poses, np.repeat(c2w, 3, axis=0))
