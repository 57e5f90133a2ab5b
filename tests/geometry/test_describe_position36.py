"""Positional jitter in the geometric captioner: shake that is translation only, noise along one
axis, and paths too short to tell jitter from movement (5-9 poses)."""

from __future__ import annotations

import numpy as np
import pytest

from camerabench.baselines.geometry.describe import NOISE_MIN_FRAMES, describe_trajectory, shake_level
from camerabench.baselines.geometry.scoring import decompose
from camerabench.eval.caption_metrics import caption_facts
from camerabench.taxonomy import Steadiness
from camerabench.trajectory import Trajectory


def _still(n: int, noise: float, axes: tuple[int, ...] = (0, 1, 2), depth: float | None = 1.0, seed: int = 0,
           scale: float = 1.0) -> Trajectory:  # fmt: skip
    """A camera that does not turn, its centre jittering by ``noise`` (trajectory units) per pose."""
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    for a in axes:
        c2w[:, a, 3] = rng.normal(0.0, noise, n) * scale
    meta = {} if depth is None else {"scene_depth": depth * scale}
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1))  # measured per frame: no zoom
    return Trajectory(c2w, k, np.arange(n) / 30.0, meta=meta)


@pytest.mark.parametrize("seed", range(3))
def test_position_only_shake_is_named_and_no_move(seed: int) -> None:
    """1 % of scene depth of centre jitter per pose, no rotation: was "remains completely still"."""
    caption = describe_trajectory(_still(60, 0.01, seed=seed))
    assert "unsteady" in caption or "shaky" in caption, caption
    assert caption_facts(caption) == set(), caption  # no Move_*, and not Static either


def test_position_shake_is_scale_free() -> None:
    """The same jitter in metres or millimetres (scene depth scaled with it) reads the same."""
    a = describe_trajectory(_still(60, 0.03, seed=1, scale=1.0))
    b = describe_trajectory(_still(60, 0.03, seed=1, scale=1000.0))
    assert a == b == "The camera makes no intentional movement but is very shaky."


def test_small_position_jitter_stays_still() -> None:
    """0.1 % of scene depth (0.07 deg-equivalent) is below the unsteady limit."""
    assert describe_trajectory(_still(60, 0.001)) == "The camera remains completely still."


def test_without_scene_depth_position_jitter_is_not_sized() -> None:
    """Without a scene depth the jitter's size in the image is unknown: no move, no shake claim
    from it (rotation alone is judged)."""
    traj = _still(60, 0.01, depth=None)
    assert decompose(traj).translation_unit == "none"  # white noise about a point: within its own jitter
    assert shake_level(decompose(traj)) is None
    assert caption_facts(describe_trajectory(traj)) == {"Static"}


def test_noise_along_one_axis_is_not_a_dolly() -> None:
    """White noise along the optical axis only (a monocular estimate's depth noise): pooled over
    three axes the jitter read 1.7 times smaller and these draws were named "moves forward" /
    "moves backward"."""
    for seed in (29, 139):
        facts = caption_facts(describe_trajectory(_still(30, 0.01, axes=(2,), seed=seed)))
        assert not facts & {"Move_In", "Move_Out"}, (seed, facts)


def test_short_paths_make_no_shake_claim() -> None:
    """A clean eased pan over 5-9 poses leaves as much smoothing residual as shake: it was
    captioned "slightly unsteady"/"very shaky"; now no steadiness is judged below 10 poses."""
    from scipy.spatial.transform import Rotation

    for n in range(5, NOISE_MIN_FRAMES):
        t = np.linspace(0.0, 1.0, n)
        yaw = 0.3 * t * t * (3 - 2 * t)
        c2w = np.tile(np.eye(4), (n, 1, 1))
        c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[np.zeros(n), yaw, np.zeros(n)]).as_matrix()
        traj = Trajectory(c2w, None, np.arange(n) / 10.0, meta={"scene_depth": 1.0})
        assert shake_level(decompose(traj)) is None
        caption = describe_trajectory(traj)
        assert caption.startswith("The camera pans right") and "unsteady" not in caption and "shaky" not in caption


def test_shake_still_judged_from_ten_poses() -> None:
    traj = _still(NOISE_MIN_FRAMES, 0.03, seed=2)
    assert shake_level(decompose(traj)) in (Steadiness.UNSTEADY, Steadiness.VERY_UNSTEADY)
