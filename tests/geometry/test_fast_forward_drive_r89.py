"""Red team R89: a camera driving forward over a textured ground below a horizon at infinity
(``road_move_in_3``) was read as a still camera: about 0.3 of its matches sit at zero flow (the
background at infinity) spread over the top of the frame, and the still test never asked what the
moving matches do. They are the ground flowing away from a focus of expansion on the horizon, one
pure translation, on one side of that focus; an object walking toward a still camera fits one
translation too, but its matches surround its own focus of expansion and the pair stays still.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from baselines.geometry import fast

WIDTH, HEIGHT = 480.0, 270.0
FOCAL = (WIDTH / 2) / np.tan(np.radians(30))
K = np.array([[FOCAL, 0.0, WIDTH / 2], [0.0, FOCAL, HEIGHT / 2], [0.0, 0.0, 1.0]])
NOISE_PX = 0.05


def _project(points: NDArray[np.float64]) -> NDArray[np.float64]:
    pix = points @ K.T
    return pix[:, :2] / pix[:, 2:]


def _background(rng: np.random.Generator, count: int, rows: tuple[float, float]) -> NDArray[np.float64]:
    """Pixels at zero flow (a scene at infinity, or a still camera's still scene) over ``rows``."""
    return np.c_[rng.uniform(5, WIDTH - 5, count), rng.uniform(rows[0], rows[1], count)]


def _noisy(rng: np.random.Generator, pts: NDArray[np.float64]) -> NDArray[np.float64]:
    return pts + rng.normal(0.0, NOISE_PX, pts.shape)


def test_forward_drive_over_ground_below_a_far_horizon_is_a_moving_camera() -> None:
    rng = np.random.default_rng(1)
    # ground 1.5 m below the camera (y down), 3-9 m ahead (as in R89's road: farther, its texture
    # is too fine to match: 0.9 of its moving matches lie 83-133 px from the focus of
    # expansion); the camera moves 0.6 m forward, so in the second camera's frame every ground point
    # is 0.6 m nearer:
    # X_b = X_a - (0, 0, 0.6)
    ground = np.c_[rng.uniform(-12, 12, 170), np.full(170, 1.5), rng.uniform(3, 9, 170)]
    ahead = ground[:, 2] > 0.6 * np.abs(ground[:, 0]) / np.tan(np.radians(30)) + 1.0
    ground = ground[ahead & (np.abs(_project(ground)[:, 0] - WIDTH / 2) < WIDTH / 2 - 5)]
    ground_a, ground_b = _project(ground), _project(ground - [0.0, 0.0, 0.6])
    keep = (ground_b[:, 0] > 0) & (ground_b[:, 0] < WIDTH) & (ground_b[:, 1] < HEIGHT)
    ground_a, ground_b = ground_a[keep], ground_b[keep]
    sky = _background(rng, 80, (5, HEIGHT / 2 - 5))  # above the horizon: at infinity
    pts_a = _noisy(rng, np.r_[sky, ground_a])
    pts_b = _noisy(rng, np.r_[sky, ground_b])
    shift = np.linalg.norm(pts_b - pts_a, axis=1)
    # the pair is the still-looking kind of R89: a zero-flow share over the still test's minimum,
    # spread over the top cells, nothing just above zero flow
    assert np.mean(shift < 0.5) >= fast.STILL_MIN_SHARE
    assert np.mean((shift > 0.5) & (shift < 2.0)) < 0.05

    assert fast.still_camera(pts_a, pts_b, K) is None
    pair = fast.estimate_pair(pts_a, pts_b, K, seed=0, label="forward drive")
    assert not pair.rotation_only
    direction = pair.t_b_from_a / np.linalg.norm(pair.t_b_from_a)
    # X_b = X_a + t with t = (0, 0, -0.6): the camera moved along its optical axis, forward
    assert direction[2] < -0.95, direction
    assert np.degrees(np.linalg.norm(Rotation.from_matrix(pair.rot_b_from_a).as_rotvec())) < 0.2


def test_person_walking_toward_a_still_camera_stays_still() -> None:
    rng = np.random.default_rng(2)
    # the still scene all over the frame, a person (a flat patch, 2.5 m away, its centre left of
    # the middle) nearing by 0.25 m: its pixels scale about its own centre by 2.5 / 2.25
    still = _background(rng, 150, (5, HEIGHT - 5))
    centre = np.array([200.0, 140.0])
    radius = rng.uniform(12, 70, 110)
    angle = rng.uniform(0, 2 * np.pi, 110)
    person_a = centre + np.c_[np.cos(angle), np.sin(angle)] * radius[:, None]
    person_b = centre + (person_a - centre) * (2.5 / 2.25)
    still = still[np.linalg.norm(still - centre, axis=1) > 80]  # the person hides what is behind
    pts_a = _noisy(rng, np.r_[still, person_a])
    pts_b = _noisy(rng, np.r_[still, person_b])

    # its moving matches do fit one translation (the person's own motion), but surround its focus
    moving = np.linalg.norm(pts_b - pts_a, axis=1) > 1.0
    assert not fast.forward_translation(pts_a[moving], pts_b[moving], 1.0, WIDTH, HEIGHT)
    pair = fast.still_camera(pts_a, pts_b, K)
    assert pair is not None and pair.still
    assert abs(pair.moving_share - np.mean(moving)) < 0.02
    # the same moving matches on one side of their focus (the nearer half of the frame only)
    # are what a camera translation over a far scene gives
    lower = moving & (pts_a[:, 1] > centre[1] + 5)
    assert fast.forward_translation(pts_a[lower], pts_b[lower], 1.0, WIDTH, HEIGHT)
