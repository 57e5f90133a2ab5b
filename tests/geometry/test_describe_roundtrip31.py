"""Round trip: a trajectory of known motion -> describe_trajectory -> caption_facts -> that motion.

Poses are built here with scipy in world coordinates from the taxonomy's definitions (camera x
right, y down, z forward; Pan_Right turns the optical axis toward +x, Tilt_Up toward -y,
Roll_Clockwise turns x toward +y; Move_Up goes along -y; Zoom_In grows the focal length),
not through camerabench's decomposition.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import (
    MotionEvent,
    caption_from_events,
    describe_trajectory,
    motion_strengths,
)
from camerabench.baselines.geometry.scoring import decompose
from camerabench.errors import PredictionError
from camerabench.eval.caption_metrics import caption_facts
from camerabench.taxonomy import Primitive, Speed
from camerabench.trajectory import Trajectory

# rotation vector (in the camera's own axes) per unit of each rotation primitive
_ROT = {
    Primitive.PAN_RIGHT: (0.0, 1.0, 0.0),
    Primitive.PAN_LEFT: (0.0, -1.0, 0.0),
    Primitive.TILT_UP: (1.0, 0.0, 0.0),
    Primitive.TILT_DOWN: (-1.0, 0.0, 0.0),
    Primitive.ROLL_CLOCKWISE: (0.0, 0.0, 1.0),
    Primitive.ROLL_COUNTERCLOCKWISE: (0.0, 0.0, -1.0),
}
# camera-axis direction of each translation primitive
_MOVE = {
    Primitive.MOVE_IN: (0.0, 0.0, 1.0),
    Primitive.MOVE_OUT: (0.0, 0.0, -1.0),
    Primitive.MOVE_RIGHT: (1.0, 0.0, 0.0),
    Primitive.MOVE_LEFT: (-1.0, 0.0, 0.0),
    Primitive.MOVE_UP: (0.0, -1.0, 0.0),
    Primitive.MOVE_DOWN: (0.0, 1.0, 0.0),
}
_ZOOM = {Primitive.ZOOM_IN: 1.0, Primitive.ZOOM_OUT: -1.0}

R0 = Rotation.from_euler("xyz", [20.0, -35.0, 10.0], degrees=True)  # first camera, any orientation
C0 = np.array([1.5, -2.0, 3.0])


def _trajectory(
    steps: list[tuple[Primitive, float, int]],
    hold: int = 0,
    fps: float = 10.0,
    rot_noise_deg: float = 0.0,
    move_noise: float = 0.0,
    focal_noise: float = 0.0,
    depth: float | None = 1.0,
    seed: int = 0,
) -> Trajectory:
    """Motions one after the other: each (primitive, amount, frames), then ``hold`` still frames.

    Amounts: radians, scene-depth units, log focal ratio. Noise is per pose (white).
    """
    rot = Rotation.identity()
    centre = np.zeros(3)
    log_f = 0.0
    rots, centres, logs = [rot], [centre], [log_f]
    for prim, amount, frames in steps:
        for _ in range(frames):
            a = amount / frames
            if prim in _ROT:
                rot = rot * Rotation.from_rotvec(np.array(_ROT[prim]) * a)  # about the current camera's axes
            elif prim in _MOVE:
                centre = centre + rot.apply(np.array(_MOVE[prim]) * a)
            else:
                log_f += _ZOOM[prim] * a
            rots.append(rot)
            centres.append(centre)
            logs.append(log_f)
    for _ in range(hold):
        rots.append(rot)
        centres.append(centre)
        logs.append(log_f)
    n = len(rots)
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    for i in range(n):
        jitter = Rotation.from_rotvec(np.deg2rad(rng.normal(0.0, rot_noise_deg, 3)) if rot_noise_deg else np.zeros(3))
        world = R0 * rots[i] * jitter
        c2w[i, :3, :3] = world.as_matrix()
        c2w[i, :3, 3] = C0 + R0.apply(centres[i]) + (R0 * rots[i]).apply(rng.normal(0.0, move_noise, 3))
    focal = 400.0 * np.exp(np.array(logs) + rng.normal(0.0, focal_noise, n))
    k = np.zeros((n, 3, 3))
    k[:, 0, 0] = k[:, 1, 1] = focal
    k[:, 0, 2], k[:, 1, 2], k[:, 2, 2] = 160.0, 90.0, 1.0
    meta = {} if depth is None else {"scene_depth": depth}
    return Trajectory(c2w, k, np.arange(n) / fps, meta=meta)


def _facts(traj: Trajectory) -> set[str]:
    return caption_facts(describe_trajectory(traj))


MOVING = [p for p in Primitive if p is not Primitive.STATIC]


def _amount(prim: Primitive) -> float:
    return 0.3 if prim.is_rotation or prim.axis == "zoom" else 0.2


@pytest.mark.parametrize("prim", MOVING, ids=lambda p: p.value)
def test_each_primitive_reads_back_as_itself(prim: Primitive) -> None:
    assert _facts(_trajectory([(prim, _amount(prim), 15)], hold=5)) == {prim.value}


@pytest.mark.parametrize("prim", MOVING, ids=lambda p: p.value)
def test_each_primitive_with_hand_held_jitter_reads_back_as_itself(prim: Primitive) -> None:
    """0.3 deg of rotation jitter and 0.3 % of scene depth of centre jitter per pose: the movement
    is named, its opposite (the jitter around the end) is not."""
    traj = _trajectory([(prim, _amount(prim), 25)], hold=10, rot_noise_deg=0.3, move_noise=0.003, seed=3)
    assert _facts(traj) == {prim.value}


def test_sequences_and_a_pan_that_stops_and_holds() -> None:
    two = _trajectory([(Primitive.PAN_LEFT, 0.3, 10), (Primitive.TILT_UP, 0.2, 10)])
    caption = describe_trajectory(two)
    assert caption.startswith("The camera pans left") and ", then tilts up" in caption
    assert caption_facts(caption) == {"Pan_Left", "Tilt_Up"}
    held = _trajectory([(Primitive.PAN_RIGHT, 0.3, 8)], hold=20)
    assert _facts(held) == {"Pan_Right"}
    back = _trajectory([(Primitive.MOVE_IN, 0.2, 10), (Primitive.MOVE_OUT, 0.2, 10), (Primitive.ZOOM_IN, 0.3, 10)])
    assert _facts(back) == {"Move_In", "Move_Out", "Zoom_In"}


def test_static_camera_reads_back_as_static() -> None:
    assert _facts(_trajectory([], hold=30)) == {"Static"}
    assert _facts(_trajectory([], hold=1)) == {"Static"}  # two poses


@pytest.mark.parametrize("seed", range(4))
def test_rotation_jitter_is_shake_not_pans(seed: int) -> None:
    """0.5 deg of per-pose rotation noise on a still camera (100 poses): the old captioner named
    up to six pans, tilts and rolls (each 2-3 deg of noise excursion); now shake only."""
    traj = _trajectory([], hold=99, fps=30.0, rot_noise_deg=0.5, seed=seed)
    caption = describe_trajectory(traj)
    assert caption_facts(caption) == set(), caption
    assert "unsteady" in caption or "shaky" in caption


@pytest.mark.parametrize("seed", range(3))
def test_centre_and_focal_jitter_is_no_movement(seed: int) -> None:
    """1 % of scene depth of centre noise and 1 % of focal noise per pose: the old captioner said
    the camera moves forward, backward, left, right, up, down and zooms in and out. Since stop 36
    the centre jitter (1 % of scene depth, ~4 px at 480 px) is named as shake, so not Static."""
    traj = _trajectory([], hold=29, fps=30.0, move_noise=0.01, focal_noise=0.01, seed=seed)
    caption = describe_trajectory(traj)
    assert caption_facts(caption) == set(), caption
    assert "unsteady" in caption or "shaky" in caption
    strengths = motion_strengths(decompose(traj))
    # motion_strengths' Static is about intentional movement on the smoothed path (shake apart)
    assert strengths[Primitive.STATIC] > 1.0
    assert max(v for p, v in strengths.items() if p is not Primitive.STATIC) < 1.0


def test_pan_with_centre_jitter_and_no_scene_depth_is_a_pan_only() -> None:
    """Without a scene depth translation is divided by its path length, so a centre jittering by
    1e-4 read as trucking, dollying and pedestalling every way at full size."""
    traj = _trajectory([(Primitive.PAN_RIGHT, 0.5, 29)], fps=30.0, move_noise=1e-4, depth=None, seed=1)
    assert _facts(traj) == {"Pan_Right"}


def test_a_real_move_without_scene_depth_is_still_named() -> None:
    traj = _trajectory([(Primitive.MOVE_LEFT, 0.5, 29)], fps=30.0, move_noise=1e-4, depth=None, seed=1)
    assert _facts(traj) == {"Move_Left"}


def test_a_pan_through_shake_keeps_no_opposite_pan() -> None:
    """A pan right with 0.6 deg of shake: the old captioner also said "pans left" (the shake's
    dips along the way)."""
    traj = _trajectory([(Primitive.PAN_RIGHT, 0.6, 59)], fps=30.0, rot_noise_deg=0.6, seed=2)
    assert _facts(traj) == {"Pan_Right"}


def test_events_phrases_read_back_for_every_pair() -> None:
    for a in MOVING:
        for b in MOVING:
            if a is b:
                continue
            events = [MotionEvent(a, 0.5, 0.0, 1.0, Speed.SLOW), MotionEvent(b, 0.5, 0.5, 2.0, Speed.FAST)]
            assert caption_facts(caption_from_events(events, None)) == {a.value, b.value}
    assert caption_facts(caption_from_events([], None)) == {"Static"}


def _bad(c2w: NDArray[np.float64]) -> Trajectory:
    return Trajectory(c2w, None, np.arange(len(c2w)) / 10.0, meta={"scene_depth": 1.0})


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_and_single_poses_are_refused(value: float) -> None:
    c2w = np.tile(np.eye(4), (12, 1, 1))
    c2w[4, 0, 3] = value
    with pytest.raises(PredictionError, match="NaN or infinite"):
        describe_trajectory(_bad(c2w))
    with pytest.raises(PredictionError, match="needs two poses"):
        describe_trajectory(_bad(np.eye(4)[None]))
