"""``colmap``'s rotation-only chain behind objects pushed over a weakly textured scene (stop 47).

A camera panning 0.8 deg a frame over a faint desk while two strongly textured blocks are pushed
about in its lower right quarter (``layouts.desk_with_pushed_blocks``). The consecutive frames'
SIFT matches (standing in for COLMAP's verified matches) lie on the blocks, in a few cells.
Two things went wrong: the still test judged most pairs still (the desk's flow is nearer zero than
the blocks' motion; :func:`fast.still_behind_confined_matches` now asks whether the desk's points
fit a motion of their own), and a pair's rotation+zoom fitted to the matches follows the blocks
(:func:`colmap._confined_turn` fits it to dense flow where the two turn over
:data:`fast.CONFINED_ROTATION_DEG` apart).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import colmap, fast

from .layouts import consecutive_sift_pairs, desk_with_pushed_blocks

WIDTH, HEIGHT = 320, 240
K = fast.intrinsic_from_fov(WIDTH, HEIGHT, 60.0)
PAN_DEG = 0.8
FRAMES = 10


@pytest.fixture(scope="module")
def chain_input() -> tuple[dict, NDArray[np.float64], NDArray[np.uint8]]:
    frames = desk_with_pushed_blocks(range(FRAMES), K, PAN_DEG, 0, (WIDTH, HEIGHT), desk=(6.0, 100.0, 160.0))
    pairs, grays = consecutive_sift_pairs(frames)
    return pairs, np.arange(FRAMES) / 10.0, grays


def _pan(traj: fast.Trajectory) -> NDArray[np.float64]:
    return Rotation.from_matrix(traj.cam_c2w[-1][:3, :3]).as_rotvec(degrees=True)


def test_the_blocks_hold_the_matches(chain_input: tuple[dict, NDArray[np.float64], NDArray[np.uint8]]) -> None:
    pairs, _, grays = chain_input
    assert all(fast.cells_reached(a, grays[0].shape) <= fast.CONFINED_PARALLAX_CELLS for a, _ in pairs.values())


def test_the_chain_follows_the_desk(chain_input: tuple[dict, NDArray[np.float64], NDArray[np.uint8]]) -> None:
    pairs, ts, grays = chain_input
    traj = colmap.rotation_only_trajectory(pairs, ts, K, grays)
    assert traj.meta["still_pairs"] == 0 and traj.meta["dense_flow_pairs"] >= 1
    angles = _pan(traj)
    assert abs(angles[1]) == pytest.approx(PAN_DEG * (FRAMES - 1), abs=0.2)  # 7.2 deg
    assert np.abs(angles[[0, 2]]).max() < 0.3


def test_without_the_scene_motion_check_the_pairs_read_still(
    chain_input: tuple[dict, NDArray[np.float64], NDArray[np.uint8]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's flow is nearer zero than the blocks' motion: a test of that alone makes the pan
    still."""
    pairs, ts, grays = chain_input
    monkeypatch.setattr(fast, "_scene_moves", lambda *args, **kwargs: False)
    traj = colmap.rotation_only_trajectory(pairs, ts, K, grays)
    assert traj.meta["still_pairs"] > FRAMES // 2
    assert abs(_pan(traj)[1]) < PAN_DEG * (FRAMES - 1) / 2


def test_without_the_dense_turn_the_chain_follows_the_blocks(
    chain_input: tuple[dict, NDArray[np.float64], NDArray[np.uint8]], monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs, ts, grays = chain_input
    monkeypatch.setattr(colmap, "CONFINED_ROTATION_DEG", 180.0)
    # dense flow's consensus (stop 48, colmap._movers_turn) then takes those pairs instead
    traj = colmap.rotation_only_trajectory(pairs, ts, K, grays)
    assert traj.meta["dense_flow_pairs"] == 0 and traj.meta["movers_pairs"] >= 1
    assert abs(_pan(traj)[1]) == pytest.approx(PAN_DEG * (FRAMES - 1), abs=0.3)
    # without either, the fits to the blocks' matches stand
    monkeypatch.setattr(colmap, "MOVERS_TURN_DEG", 180.0)
    monkeypatch.setattr(colmap, "MOVERS_TURN_LOG_ZOOM", 10.0)
    traj = colmap.rotation_only_trajectory(pairs, ts, K, grays)
    assert traj.meta["dense_flow_pairs"] == 0 and traj.meta["movers_pairs"] == 0
    angles = _pan(traj)
    assert abs(abs(angles[1]) - PAN_DEG * (FRAMES - 1)) > 1.0 or np.abs(angles[[0, 2]]).max() > 1.0
