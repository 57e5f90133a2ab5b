"""Motion decomposition and scorers against trajectories with known motion."""

from __future__ import annotations

import numpy as np
import pytest

from camerabench.baselines.geometry import scoring as motion
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.taxonomy import Primitive
from camerabench.trajectory import META_SCENE_DEPTH, Trajectory

DIRECTIONS = [p for p in Primitive if p is not Primitive.STATIC]
AMOUNT = {"yaw": 0.3, "pitch": 0.3, "roll": 0.3, "tx": 0.3, "ty": 0.3, "tz": 0.3, "zoom": 0.3}


@pytest.mark.parametrize("scorer", sorted(motion.SCORERS))
@pytest.mark.parametrize("prim", DIRECTIONS, ids=lambda p: p.value)
def test_every_primitive_both_scorers(make_motion, prim: Primitive, scorer: str) -> None:
    traj = make_motion(prim, AMOUNT[prim.axis], seed=hash(prim.value) % 1000)
    scores = motion.trajectory_scores(traj, scorer=scorer)
    assert scores[prim] > 0.1
    assert prim.opposite is not None
    assert scores[prim.opposite] < 1e-9
    for other in DIRECTIONS:
        if other.axis != prim.axis:
            assert abs(scores[other]) < 1e-9, (other, scores[other])
    assert scores[Primitive.STATIC] < -1e-3


@pytest.mark.parametrize("scorer", sorted(motion.SCORERS))
def test_static_scores_highest_static(make_motion, scorer: str) -> None:
    still = make_motion(Primitive.PAN_RIGHT, 0.0)
    moving = [make_motion(p, 0.05) for p in DIRECTIONS]
    s_still = motion.trajectory_scores(still, scorer)[Primitive.STATIC]
    assert s_still == pytest.approx(0.0, abs=1e-12)
    assert all(motion.trajectory_scores(t, scorer)[Primitive.STATIC] < s_still - 1e-3 for t in moving)


def test_camerabench_mapping_values(make_motion) -> None:
    # Pan right by 20 degrees: yaw = +20 deg; Static = -20/180.
    traj = make_motion(Primitive.PAN_RIGHT, np.deg2rad(20.0))
    scores = motion.trajectory_scores(traj, "camerabench")
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(20.0)
    assert scores[Primitive.PAN_LEFT] == pytest.approx(-20.0)
    assert scores[Primitive.STATIC] == pytest.approx(-20.0 / 180.0)
    zoom = motion.trajectory_scores(make_motion(Primitive.ZOOM_IN, np.log(1.5)), "camerabench")
    assert zoom[Primitive.ZOOM_IN] == pytest.approx(0.5)
    assert zoom[Primitive.STATIC] == pytest.approx(-0.5)


def test_pan_there_and_back(make_motion) -> None:
    traj = make_motion(Primitive.PAN_RIGHT, 0.4, n=41, there_and_back=True)
    published = motion.trajectory_scores(traj, "camerabench")
    ours = motion.trajectory_scores(traj, "default")
    # The published mapping sees no net motion; integrating sees a pan right and a pan left.
    assert abs(published[Primitive.PAN_RIGHT]) < 1e-6
    assert published[Primitive.STATIC] == pytest.approx(0.0, abs=1e-6)
    assert ours[Primitive.PAN_RIGHT] == pytest.approx(0.4, rel=1e-6)
    assert ours[Primitive.PAN_LEFT] == pytest.approx(0.4, rel=1e-6)
    assert ours[Primitive.STATIC] == pytest.approx(-0.4, rel=1e-6)


def test_dolly_during_pan_is_forward_in_default(make_motion) -> None:
    # Pan right 60 deg while moving along the *current* optical axis.
    base = make_motion(Primitive.PAN_RIGHT, np.deg2rad(60.0), n=31)
    c2w = base.cam_c2w.copy()
    for i in range(1, len(c2w)):
        c2w[i, :3, 3] = c2w[i - 1, :3, 3] + 0.02 * c2w[i, :3, 2]
    traj = Trajectory(c2w, base.intrinsic, base.timestamps, meta={"scene_depth": 1.0})
    ours = motion.trajectory_scores(traj, "default")
    assert ours[Primitive.MOVE_IN] == pytest.approx(0.6, rel=0.02)
    assert ours[Primitive.MOVE_RIGHT] < 0.05 * ours[Primitive.MOVE_IN]  # one 2-degree step of lag
    published = motion.trajectory_scores(traj, "camerabench")
    assert published[Primitive.MOVE_RIGHT] > 0.1  # first-frame axes: the path bends to the right


def test_scale_normalisation() -> None:
    c2w = np.tile(np.eye(4), (5, 1, 1))
    c2w[:, 0, 3] = np.arange(5) * 2.0  # 8 units to the right
    near = Trajectory(c2w, None, np.arange(5.0), meta={META_SCENE_DEPTH: 4.0})
    assert motion.trajectory_scores(near)[Primitive.MOVE_RIGHT] == pytest.approx(2.0)
    no_depth = Trajectory(c2w, None, np.arange(5.0))
    series = motion.decompose(no_depth)
    assert series.translation_unit == "path_length"
    assert series.t_rel[-1, 0] == pytest.approx(1.0)
    assert not series.zoom_known
    scores = motion.trajectory_scores(no_depth)
    assert scores[Primitive.ZOOM_IN] == 0.0 and scores[Primitive.ZOOM_OUT] == 0.0


def test_errors(make_motion) -> None:
    traj = make_motion(Primitive.PAN_RIGHT, 0.1)
    with pytest.raises(CameraBenchError, match="unknown scorer 'nope'"):
        motion.trajectory_scores(traj, "nope")
    bad = traj.cam_c2w.copy()
    bad[3, 0, 3] = np.nan
    with pytest.raises(PredictionError, match="NaN"):
        motion.trajectory_scores(Trajectory(bad, None, traj.timestamps, meta={"scene_depth": 1.0}))
    with pytest.raises(CameraBenchError, match="scene_depth"):
        motion.decompose(Trajectory(traj.cam_c2w, None, traj.timestamps, meta={"scene_depth": -1.0}))


def test_single_frame() -> None:
    # one pose shows no motion at all: not a still camera (all-zero scores, Static -0)
    traj = Trajectory(np.eye(4)[None], None, np.zeros(1))
    with pytest.raises(PredictionError, match="1 pose shows no motion"):
        motion.trajectory_scores(traj)
    with pytest.raises(PredictionError, match="1 pose shows no motion"):
        motion.decompose(traj)
