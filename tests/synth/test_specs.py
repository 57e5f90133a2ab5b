"""Ground-truth trajectories move the way their labels say; the rendered video agrees.

The sign conventions of the whole package are pinned here, written out independently of
the taxonomy data and of any baseline code: camera axes x right, y down, z forward; with
``R_rel = R_c2w[0].T @ R_c2w[i]`` and ``t_rel = R_c2w[0].T @ (C_i - C_0)``:
Move_In = +t_z, Move_Right = +t_x, Move_Up = -t_y; Pan_Right = +rotation about y; Tilt_Up =
+rotation about x; Roll_Clockwise = +rotation about z; Zoom_In = focal length grows.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.dataset import Dataset
from camerabench.synth import preset_specs, project_points, render_clip
from camerabench.taxonomy import Primitive
from camerabench.video import read_video

P = Primitive
# primitive -> (quantity, index, sign)
CONVENTIONS: dict[Primitive, tuple[str, int, int]] = {
    P.MOVE_IN: ("t", 2, +1),
    P.MOVE_OUT: ("t", 2, -1),
    P.MOVE_RIGHT: ("t", 0, +1),
    P.MOVE_LEFT: ("t", 0, -1),
    P.MOVE_UP: ("t", 1, -1),
    P.MOVE_DOWN: ("t", 1, +1),
    P.PAN_RIGHT: ("r", 1, +1),
    P.PAN_LEFT: ("r", 1, -1),
    P.TILT_UP: ("r", 0, +1),
    P.TILT_DOWN: ("r", 0, -1),
    P.ROLL_CLOCKWISE: ("r", 2, +1),
    P.ROLL_COUNTERCLOCKWISE: ("r", 2, -1),
    P.ZOOM_IN: ("zoom", 0, +1),
    P.ZOOM_OUT: ("zoom", 0, -1),
}
# what "clearly moving" and "not moving" mean for the ground truth of a 2.5 s clip
MIN_YES = {"t": 0.3, "r": 4.0, "zoom": np.log(1.15)}  # metres, degrees, log focal ratio
MAX_NO = {"t": 1e-6, "r": 1e-6, "zoom": 1e-9}


def relative_motion(c2w: np.ndarray, focal: np.ndarray) -> dict[str, np.ndarray]:
    """Last frame relative to the first.

    Returns:
        ``t``: translation (m) in first-camera axes; ``r``: (about x, about y, about z) in
        degrees, from the pan-tilt-roll decomposition ``R_rel = R_y(pan) R_x(tilt) R_z(roll)``
        (a tripod head: pan outermost); ``zoom``: log focal ratio.
    """
    r0, c0 = c2w[0, :3, :3], c2w[0, :3, 3]
    r_rel = r0.T @ c2w[-1, :3, :3]
    t_rel = r0.T @ (c2w[-1, :3, 3] - c0)
    yaw, pitch, roll = Rotation.from_matrix(r_rel).as_euler("YXZ", degrees=True)
    return {"t": t_rel, "r": np.array([pitch, yaw, roll]), "zoom": np.array([np.log(focal[-1] / focal[0])])}


def test_conventions_match_the_taxonomy() -> None:
    axis_of = {("t", 0): "tx", ("t", 1): "ty", ("t", 2): "tz", ("r", 0): "pitch", ("r", 1): "yaw", ("r", 2): "roll"}
    for prim, (kind, idx, sign) in CONVENTIONS.items():
        assert prim.axis == axis_of.get((kind, idx), "zoom")
        assert prim.sign == sign


def _clips(data: Path) -> list[dict]:
    return Dataset(data).manifest["clips"]


def test_every_primitive_has_positive_clips(standard_tiny: Path) -> None:
    for prim in Primitive:
        labels = [c["labels"][prim.value] for c in _clips(standard_tiny)]
        assert labels.count(True) >= 2, prim
        assert labels.count(False) >= 2, prim


def test_ground_truth_moves_as_labelled(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    checked = 0
    for clip in _clips(standard_tiny):
        traj = ds.gt_trajectory(clip["video"])
        assert traj is not None and traj.focal_px is not None
        motion = relative_motion(traj.cam_c2w, traj.focal_px)
        for prim, (kind, idx, sign) in CONVENTIONS.items():
            label = clip["labels"][prim.value]
            value = motion[kind][idx]
            if label is True:
                assert sign * value > MIN_YES[kind], (clip["video"], prim, value)
                checked += 1
            elif label is False and clip["motion"]["shake_deg"] == 0:
                # a clear "no": either the opposite direction or no motion at all on that axis
                assert sign * value <= MAX_NO[kind], (clip["video"], prim, value)
        if clip["labels"]["Static"] is True:
            assert all(np.abs(v).max() < 1e-9 for v in motion.values()), clip["video"]
    assert checked >= 2 * 14


def _flow_fit(video: Path, last: int) -> dict[str, float]:
    """Dense optical flow from frame 0 to ``last`` (OpenCV Farneback), fitted by an affine field."""
    frames = read_video(video).frames
    g0, g1 = (cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY) for i in (0, last))
    flow = cv2.calcOpticalFlowFarneback(g0, g1, None, 0.5, 3, 15, 5, 5, 1.2, 0)
    h, w = g0.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    xs, ys = (xs - w / 2) / w, (ys - h / 2) / w
    design = np.stack([np.ones(h * w), xs.ravel(), ys.ravel()], axis=1)
    (u0, ux, uy), *_ = np.linalg.lstsq(design, flow[..., 0].ravel(), rcond=None)
    (v0, vx, vy), *_ = np.linalg.lstsq(design, flow[..., 1].ravel(), rcond=None)
    return {"u": u0, "v": v0, "div": ux + vy, "curl": vx - uy}


# image-space signature of each single primitive (y points down in the image):
# pan right / truck right -> content moves left; tilt up / pedestal up -> content moves down;
# roll clockwise -> content turns counterclockwise on screen (negative curl with y down);
# zoom in / dolly in -> content expands.
IMAGE_SIGNS: dict[Primitive, tuple[str, int]] = {
    P.PAN_RIGHT: ("u", -1),
    P.PAN_LEFT: ("u", +1),
    P.MOVE_RIGHT: ("u", -1),
    P.MOVE_LEFT: ("u", +1),
    P.TILT_UP: ("v", +1),
    P.TILT_DOWN: ("v", -1),
    P.MOVE_UP: ("v", +1),
    P.MOVE_DOWN: ("v", -1),
    P.ROLL_CLOCKWISE: ("curl", -1),
    P.ROLL_COUNTERCLOCKWISE: ("curl", +1),
    P.ZOOM_IN: ("div", +1),
    P.ZOOM_OUT: ("div", -1),
    P.MOVE_IN: ("div", +1),
    P.MOVE_OUT: ("div", -1),
}


@pytest.mark.parametrize("prim", list(IMAGE_SIGNS), ids=lambda p: p.value)
def test_rendered_video_moves_as_labelled(standard_tiny: Path, prim: Primitive) -> None:
    """The decoded frames show the motion the label names (checks renderer + GT + encoder together)."""
    clips = [
        c
        for c in _clips(standard_tiny)
        if [m["primitive"] for m in c["motion"]["moves"]] == [prim.value] and not c["motion"]["minor"]
    ]
    assert len(clips) == 2  # one regular, one slow or fast
    for clip in clips:
        fit = _flow_fit(standard_tiny / "videos" / clip["video"], last=2)
        key, sign = IMAGE_SIGNS[prim]
        others = {k: abs(v) for k, v in fit.items() if k != key}
        assert sign * fit[key] > 0, (clip["video"], fit)
        if key in ("u", "v"):  # a pan/tilt/truck/pedestal: the shift dominates the image motion
            assert abs(fit[key]) > max(others["u" if key == "v" else "v"], 0.2), (clip["video"], fit)


@pytest.mark.parametrize("name", ["tracking_tail_move_in", "tracking_lead_move_out"])
def test_tracked_subject_keeps_its_framing(name: str) -> None:
    index, spec = next((i, s) for i, s in enumerate(preset_specs("hard")) if s.name == name)
    clip = render_clip(spec, 0, index, (64, 48), 4.0)
    traj = clip.trajectory
    assert np.linalg.norm(traj.positions[-1] - traj.positions[0]) > 1.0  # the camera really travels
    uv = np.array(
        [
            project_points(clip.subject_centres_m[i, :1], traj.cam_c2w[i], traj.intrinsic[i])[0][0]
            for i in range(len(traj))
        ]
    )
    np.testing.assert_allclose(uv, np.broadcast_to(uv[0], uv.shape), atol=1e-6)  # fixed in the image


@pytest.mark.parametrize("name", ["dolly_zoom_in", "dolly_zoom_out"])
def test_dolly_zoom_keeps_the_subject_size(name: str) -> None:
    index, spec = next((i, s) for i, s in enumerate(preset_specs("standard")) if s.name == name)
    clip = render_clip(spec, 0, index, (64, 48), 4.0)
    traj = clip.trajectory
    # the pivot subject's front face: its projected height stays constant while focal changes
    heights = []
    for i in range(len(traj)):
        centre = clip.subject_centres_m[i, 0]
        r0 = traj.cam_c2w[0, :3, :3]
        half_up = r0[:, 1] * clip.subject_sizes_m[0, 1] / 2  # level frame y = first camera y
        front = -r0[:, 2] * clip.subject_sizes_m[0, 2] / 2
        uv, _ = project_points(
            np.stack([centre + front - half_up, centre + front + half_up]), traj.cam_c2w[i], traj.intrinsic[i]
        )
        heights.append(uv[1, 1] - uv[0, 1])
    focal = traj.focal_px
    assert abs(np.log(focal[-1] / focal[0])) > np.log(1.2)  # the zoom really changes
    np.testing.assert_allclose(heights, heights[0], rtol=0.02)
