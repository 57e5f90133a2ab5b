"""The fast two-view estimator: synthetic correspondences, exact homography clips, failures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast, twoview
from camerabench.baselines.geometry.scoring import decompose, trajectory_scores
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.video import write_video

K = np.array([[250.0, 0, 160], [0, 250.0, 96], [0, 0, 1]])


def _points(seed: int = 0, n: int = 400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(-3, 3, (n, 2)), rng.uniform(4, 10, n)]


def _project(points_cam: np.ndarray, k: np.ndarray) -> np.ndarray:
    uv = points_cam @ k.T
    return uv[:, :2] / uv[:, 2:]


@pytest.mark.parametrize(
    ("centre", "axis", "sign"),
    [((0, 0, 0.4), 2, 1), ((0, 0, -0.4), 2, -1), ((0.4, 0, 0), 0, 1), ((0, -0.4, 0), 1, -1)],
)
def test_pair_translation_direction(centre: tuple[float, float, float], axis: int, sign: int) -> None:
    pts = _points()
    rng = np.random.default_rng(1)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts - np.asarray(centre), K) + rng.normal(0, 0.2, (len(pts), 2))
    pair = fast.estimate_pair(a, b, K)
    assert not pair.rotation_only
    assert pair.zoom == 1.0  # no zoom is read into a translation (along the axis it cannot be seen)
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a  # camera b's centre in camera a's frame
    direction = centre_b / np.linalg.norm(centre_b)
    assert direction[axis] * sign > 0.99
    # Length in scene-depth units: 0.4 m over a median depth of about 7 m.
    assert 0.04 < np.linalg.norm(centre_b) < 0.08


def test_pair_rotation_and_zoom() -> None:
    pts = _points()
    rot = Rotation.from_euler("yxz", [3.0, -2.0, 1.0], degrees=True).as_matrix()  # camera b from camera a
    k_b = K.copy()
    k_b[:2, :2] *= 1.05
    rng = np.random.default_rng(2)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts @ rot.T, k_b) + rng.normal(0, 0.2, (len(pts), 2))
    pair = fast.estimate_pair(a, b, K)
    assert pair.rotation_only
    angle_err = np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a @ rot.T).magnitude())
    assert angle_err < 0.05
    assert pair.zoom == pytest.approx(1.05, rel=2e-3)
    assert np.all(pair.t_b_from_a == 0)


def test_pair_skips_the_noise_only_where_it_cannot_change_the_result() -> None:
    # measure_noise=False (what the chain passes after a segment's first pair) must give the
    # same motion: a rotation under the 1 px floor skips the LMedS noise fit (NaN noise and
    # gate), a translation measures it all the same.
    pts = _points(7)
    rng = np.random.default_rng(8)
    rot = Rotation.from_euler("yx", [4.0, 1.0], degrees=True).as_matrix()
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    turned = _project(pts @ rot.T, K) + rng.normal(0, 0.2, (len(pts), 2))
    moved = _project(pts - np.array([0.4, 0.0, 0.0]), K) + rng.normal(0, 0.2, (len(pts), 2))
    for b, skipped in ((turned, True), (moved, False)):
        measured = fast.estimate_pair(a, b, K)
        lazy = fast.estimate_pair(a, b, K, measure_noise=False)
        assert lazy.rotation_only is measured.rotation_only is skipped
        np.testing.assert_array_equal(lazy.rot_b_from_a, measured.rot_b_from_a)
        np.testing.assert_array_equal(lazy.t_b_from_a, measured.t_b_from_a)
        assert (lazy.zoom, lazy.parallax_px) == (measured.zoom, measured.parallax_px)
        assert measured.noise_px == pytest.approx(0.2, rel=0.3)
        assert bool(np.isnan(lazy.noise_px)) is skipped
        assert bool(np.isnan(lazy.parallax_gate_px)) is skipped


def _with_focal(k: np.ndarray, scale: float) -> np.ndarray:
    out = k.copy()
    out[:2, :2] *= scale
    return out


def test_pair_sideways_move_with_zoom() -> None:
    # A truck with a zoom: the essential matrix (one focal length) turns the zoom into a forward
    # move; the zoom-free refinement must find the zoom and a sideways translation.
    pts = _points(3)
    rng = np.random.default_rng(4)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts - np.array([0.4, 0.0, 0.0]), _with_focal(K, 1.06)) + rng.normal(0, 0.2, (len(pts), 2))
    pair = fast.estimate_pair(a, b, K)
    assert not pair.rotation_only
    assert pair.zoom == pytest.approx(1.06, rel=5e-3)
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a
    assert centre_b[0] / np.linalg.norm(centre_b) > 0.99


def test_pair_pan_and_dolly_seen_through_a_wrong_focal_guess() -> None:
    # The guessed focal length is 20% short: the misfit of the 8 deg pan must not become a zoom.
    pts = _points(5)
    rot = Rotation.from_euler("y", 8.0, degrees=True).as_matrix()
    k_true = _with_focal(K, 1.2)
    rng = np.random.default_rng(6)
    a = _project(pts, k_true) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project((pts - np.array([0.0, 0.0, 0.5])) @ rot.T, k_true) + rng.normal(0, 0.2, (len(pts), 2))
    pair = fast.estimate_pair(a, b, K)
    assert not pair.rotation_only
    assert pair.zoom == 1.0
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a
    assert centre_b[2] / np.linalg.norm(centre_b) > 0.98


def test_rotation_seen_through_a_wrong_focal_guess_is_not_parallax() -> None:
    # 11 deg of tilt with a zoom out, the true focal length 40% above the guess: ~1 px of misfit
    # for the guessed camera, none once its focal length is free.
    pts = _points(7)
    rot = Rotation.from_euler("x", 11.0, degrees=True).as_matrix()
    k_true = _with_focal(K, 1.4)
    rng = np.random.default_rng(8)
    a = _project(pts, k_true) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts @ rot.T, _with_focal(k_true, 0.8)) + rng.normal(0, 0.2, (len(pts), 2))
    fixed = twoview.fit_rotation_zoom(a, b, K)[2]
    assert np.median(fixed) > 1.0  # the guessed focal length alone would call this parallax
    pair = fast.estimate_pair(a, b, K)
    assert pair.rotation_only
    # Angles and zoom come from the guessed focal length's fit: a wrong guess biases them a little.
    assert pair.zoom == pytest.approx(0.8, rel=0.05)


def _zoom_with_radial_mismatches(share_bad: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A zoom out by 0.6 whose outer matches are partly gross mismatches 10-30 px further out
    along their ray from the centre: they fit the essential matrix of a forward move."""
    pts = _points(seed)
    rng = np.random.default_rng(seed + 1)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts, _with_focal(K, 0.6)) + rng.normal(0, 0.2, (len(pts), 2))
    offset = a - K[:2, 2]
    radius = np.linalg.norm(offset, axis=1)
    outer = np.flatnonzero(radius > np.quantile(radius, 1.0 - 1.5 * share_bad))
    bad = rng.choice(outer, int(share_bad * len(pts)), replace=False)
    b[bad] += offset[bad] / radius[bad, None] * rng.uniform(10.0, 30.0, (len(bad), 1))
    return a, b


@pytest.mark.parametrize("share_bad", [0.25, 0.4])
def test_zoom_with_radial_mismatches_stays_a_zoom(share_bad: float) -> None:
    a, b = _zoom_with_radial_mismatches(share_bad, seed=11)
    # the plain fit is pulled by the mismatches: its median residual alone would read as parallax
    assert np.median(twoview.fit_rotation_zoom(a, b, K)[2]) > 1.0
    pair = fast.estimate_pair(a, b, K)
    assert pair.rotation_only
    assert pair.zoom == pytest.approx(0.6, rel=2e-3)
    assert np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a).magnitude()) < 0.05
    assert pair.parallax_px <= pair.parallax_gate_px


def test_mismatch_check_leaves_translations_alone() -> None:
    # A forward move and a sideways move (depths 4-10): residuals to a rotation+zoom spread
    # continuously with depth, with no gap to a consensus.
    pts = _points(12)
    rng = np.random.default_rng(13)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    for centre in ([0.0, 0.0, 0.6], [0.3, 0.0, 0.0]):
        b = _project(pts - np.array(centre), K) + rng.normal(0, 0.2, (len(pts), 2))
        assert fast.rotation_with_mismatches(a, b, K, gate=1.0) is None
        assert not fast.estimate_pair(a, b, K).rotation_only


@pytest.mark.parametrize(("slant_deg", "advance"), [(20.0, 0.2), (35.0, 0.4), (50.0, 0.2)])
def test_dolly_toward_a_slanted_plane_is_a_move_not_a_zoom(slant_deg: float, advance: float) -> None:
    # A dolly toward a poster on a wall seen at an angle: every match lies on one plane. A
    # rotation+zoom whose focal length may go anywhere explains that homography (with a focal
    # length of ~2 % of the guess, a 178 deg pinhole); within real fields of view it cannot.
    rng = np.random.default_rng(int(slant_deg))
    k = np.array([[400.0, 0, 240], [0, 400.0, 180], [0, 0, 1]])
    on_plane = np.c_[rng.uniform(-6, 6, (800, 2)), np.zeros(800)]
    pts = on_plane @ Rotation.from_euler("y", slant_deg, degrees=True).as_matrix().T + [0.0, 0.0, 5.0]
    a, b = _project(pts, k), _project(pts - [0.0, 0.0, advance * 5.0], k)
    seen = np.all((a > 0) & (a < [480, 360]) & (b > 0) & (b < [480, 360]), axis=1)
    a = a[seen] + rng.normal(0, 0.2, (seen.sum(), 2))
    b = b[seen] + rng.normal(0, 0.2, (seen.sum(), 2))
    pair = fast.estimate_pair(a, b, k)
    assert not pair.rotation_only
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a
    assert centre_b[2] / np.linalg.norm(centre_b) > 0.99


@pytest.mark.parametrize("slant_deg", [20.0, 45.0, 60.0])
@pytest.mark.parametrize("centre", [(0.5, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, -1.0)])
def test_move_past_a_slanted_plane_keeps_its_direction(slant_deg: float, centre: tuple[float, float, float]) -> None:
    # A facade seen at an angle (a truck along a street of flat fronts), a poster approached or
    # left: the plane leaves two poses that fit; the other one turns the camera by 6-15 deg and
    # moves it obliquely or backwards. The smaller turn is the video's.
    rng = np.random.default_rng(int(slant_deg) + int(10 * sum(centre)))
    k = np.array([[400.0, 0, 240], [0, 400.0, 180], [0, 0, 1]])
    on_plane = np.c_[rng.uniform(-8, 8, (1500, 2)), np.zeros(1500)]
    pts = on_plane @ Rotation.from_euler("y", slant_deg, degrees=True).as_matrix().T + [0.0, 0.0, 5.0]
    a, b = _project(pts, k), _project(pts - np.array(centre), k)
    seen = (pts[:, 2] > 0.5) & np.all((a > 0) & (a < [480, 360]) & (b > 0) & (b < [480, 360]), axis=1)
    a = a[seen] + rng.normal(0, 0.2, (seen.sum(), 2))
    b = b[seen] + rng.normal(0, 0.2, (seen.sum(), 2))
    assert fast.planar_motion(a, b, k, gate=1.0) is not None
    pair = fast.estimate_pair(a, b, k)
    assert not pair.rotation_only
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a
    assert centre_b / np.linalg.norm(centre_b) @ np.array(centre) / np.linalg.norm(centre) > 0.99
    assert np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a).magnitude()) < 0.5


def test_planar_check_leaves_scenes_with_depth_alone() -> None:
    pts = _points(14)  # depths 4-10
    rng = np.random.default_rng(15)
    a = _project(pts, K) + rng.normal(0, 0.2, (len(pts), 2))
    b = _project(pts - np.array([0.4, 0.0, 0.0]), K) + rng.normal(0, 0.2, (len(pts), 2))
    assert fast.planar_motion(a, b, K, gate=1.0) is None


def test_fundamental_matrix_and_sampson_distance_match_kornia() -> None:
    import torch
    from kornia.geometry.epipolar import essential_from_Rt, fundamental_from_essential, sampson_epipolar_distance

    rng = np.random.default_rng(9)
    rot = Rotation.random(random_state=10).as_matrix()
    t = rng.normal(size=3)
    k_b = _with_focal(K, 1.3)
    f_mat = fast.fundamental_matrix(K, k_b, rot, t)
    e_ref = essential_from_Rt(
        torch.eye(3, dtype=torch.float64)[None],
        torch.zeros(1, 3, 1, dtype=torch.float64),
        torch.from_numpy(rot)[None],
        torch.from_numpy(t)[None, :, None],
    )
    f_ref = fundamental_from_essential(e_ref, torch.from_numpy(K)[None], torch.from_numpy(k_b)[None])[0].numpy()
    np.testing.assert_allclose(f_mat / np.linalg.norm(f_mat), f_ref / np.linalg.norm(f_ref), atol=1e-12)
    pts_a, pts_b = rng.uniform(0, 320, (50, 2)), rng.uniform(0, 192, (50, 2))
    ours = fast.sampson_distance(f_mat, np.c_[pts_a, np.ones(50)], np.c_[pts_b, np.ones(50)])
    ref = sampson_epipolar_distance(
        torch.from_numpy(pts_a)[None], torch.from_numpy(pts_b)[None], torch.from_numpy(f_mat)[None], squared=False
    )[0].numpy()
    np.testing.assert_allclose(np.abs(ours), ref, rtol=1e-9)
    assert (ours < 0).any() and (ours > 0).any()  # signed


ROTATIONS = [p for p in Primitive if p.axis in ("yaw", "pitch", "roll", "zoom")]


@pytest.mark.parametrize("prim", ROTATIONS, ids=lambda p: p.value)
def test_rotation_and_zoom_clips(tmp_path: Path, rotation_clip, prim: Primitive) -> None:
    amount = 0.25
    frames = rotation_clip(prim, amount, n=6)
    video = tmp_path / "clip.mp4"
    write_video(video, frames, fps=5.0)  # = the default sample_fps: every frame is used
    fov_deg = float(np.rad2deg(2 * np.arctan(0.5 * 240 / 200.0)))  # the renderer's focal length
    predictor = fast.FastPredictor(fov_deg=fov_deg)
    predictor.setup()
    traj, info = predictor.trajectory(video)  # cached: predict and caption below reuse it
    assert info["rotation_only"]
    motion = decompose(traj)
    assert np.abs(motion.t_rel).max() == 0.0
    if prim.axis == "zoom":
        assert np.log(motion.zoom_ratio[-1]) == pytest.approx(prim.sign * amount, rel=0.03)
    else:
        column = {"yaw": 0, "pitch": 1, "roll": 2}[prim.axis]
        assert np.deg2rad(motion.euler_deg[-1, column]) == pytest.approx(prim.sign * amount, rel=0.03)
    scores = trajectory_scores(traj)
    best = max((p for p in Primitive if p is not Primitive.STATIC), key=lambda p: scores[p])
    assert best is prim
    result = predictor.predict(video, [Question(prim.question, prim)])
    assert result.scores == {prim.question: scores[prim]}
    assert prim.caption_phrase in predictor.caption(video, "Describe the camera movement in this video.")


@pytest.mark.parametrize("prim", [Primitive.PAN_RIGHT, Primitive.TILT_UP], ids=lambda p: p.value)
def test_portrait_clip_takes_the_field_of_view_across_its_height(
    tmp_path: Path, rotation_clip, prim: Primitive
) -> None:
    # An upright 144x240 clip of a lens whose 240 px side spans fov_deg: the angle comes out
    # right only when the field of view is taken across the longer side (across the width,
    # the focal length would be 0.6 of the true one, and the pan 1.6 times too large).
    amount = 0.2
    video = tmp_path / "upright.mp4"
    write_video(video, rotation_clip(prim, amount, n=6, size=(144, 240), focal_px=200.0), fps=5.0)
    fov_deg = float(np.rad2deg(2 * np.arctan(0.5 * 240 / 200.0)))
    traj, info = fast.FastPredictor(fov_deg=fov_deg).estimate(video)
    assert info["rotation_only"]
    column = {"yaw": 0, "pitch": 1}[prim.axis]
    assert np.deg2rad(decompose(traj).euler_deg[-1, column]) == pytest.approx(prim.sign * amount, rel=0.03)
    assert traj.intrinsic[0, 0, 0] == pytest.approx(200.0)  # the guess is the lens itself


def test_a_large_zoom_is_chained_through_keyframes_zoomed_at_most_x13(rotation_clip) -> None:
    # x1.8 over 10 frames: no frame is related to a keyframe zoomed more than x1.3 from it, and
    # the chained zoom is the clip's.
    amount = float(np.log(1.8))
    frames = rotation_clip(Primitive.ZOOM_IN, amount, n=10)
    traj, pairs = fast.estimate_trajectory(frames, np.arange(10) / 5.0, fov_deg=float(np.rad2deg(2 * np.arctan(0.6))))
    assert all(p.rotation_only for _, _, p in pairs)
    steps = {a for a, _, _ in pairs}
    assert len(steps) >= 2  # more than one keyframe
    assert max(abs(np.log(p.zoom)) for _, _, p in pairs) < fast.MAX_SEGMENT_LOG_ZOOM + amount / 9 + 0.01
    assert np.log(traj.intrinsic[-1, 0, 0] / traj.intrinsic[0, 0, 0]) == pytest.approx(amount, rel=0.03)


def test_textureless_video_fails(tmp_path: Path) -> None:
    video = tmp_path / "grey.mp4"
    write_video(video, np.full((6, 96, 160, 3), 128, np.uint8), fps=5.0)
    with pytest.raises(PredictionError, match="feature matches"):
        fast.FastPredictor().predict(video, [Question(Primitive.STATIC.question, Primitive.STATIC)])


def test_options() -> None:
    with pytest.raises(CameraBenchError, match=r"does not take option.*traj_dir"):
        fast.FastPredictor(traj_dir="x")
    with pytest.raises(CameraBenchError, match="sample_fps must be float"):
        fast.FastPredictor(sample_fps="fast")
    assert fast.FastPredictor(sample_fps=2).settings()["sample_fps"] == 2.0


def test_still_camera_with_large_moving_subject() -> None:
    """Half the matches at zero flow over the frame, half on a subject moving 12 px: still."""
    from camerabench.baselines.geometry.fast import still_camera

    rng = np.random.default_rng(3)
    k = np.array([[400.0, 0.0, 240.0], [0.0, 400.0, 135.0], [0.0, 0.0, 1.0]])
    scene = rng.uniform([0, 0], [480, 270], (150, 2))
    subject = rng.uniform([100, 50], [350, 250], (250, 2))
    pts_a = np.r_[scene, subject]
    pts_b = np.r_[scene, subject + np.array([12.0, 0.0])] + rng.normal(0.0, 0.02, (400, 2))
    pair = still_camera(pts_a, pts_b, k)
    assert pair is not None and pair.still and pair.rotation_only
    assert np.allclose(pair.rot_b_from_a, np.eye(3)) and pair.zoom == 1.0
    assert pair.num_inliers >= 140 and pair.moving_share > 0.5


def test_still_camera_rejects_slow_zoom_and_pan() -> None:
    """A moving camera's flow is continuous: its slow part near zero is no still scene."""
    from camerabench.baselines.geometry.fast import still_camera

    rng = np.random.default_rng(4)
    k = np.array([[400.0, 0.0, 240.0], [0.0, 400.0, 135.0], [0.0, 0.0, 1.0]])
    pts_a = rng.uniform([0, 0], [480, 270], (400, 2))
    zoom = (pts_a - k[:2, 2]) * 1.004 + k[:2, 2] + rng.normal(0.0, 0.03, (400, 2))
    assert still_camera(pts_a, zoom, k) is None
    pan = pts_a + np.array([3.0, 0.0]) + rng.normal(0.0, 0.03, (400, 2))
    assert still_camera(pts_a, pan, k) is None
