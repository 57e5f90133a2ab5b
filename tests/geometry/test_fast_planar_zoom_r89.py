"""``fast`` on a translating pair that sees one plane: no zoom is read (red team R89).

A drone rising over flat ground, looking down 30 deg, with nothing but the ground in view: every
epipole fits a plane's points, so a free zoom moves the pose to another solution. The zoom was
held at 1 only where the plane's own pose was taken (it turned clearly less than the essential
matrix's); where the essential matrix's pose was kept, the zoom was freed and the pair read a
x1.06-1.21 zoom with a 2-4 deg turn and a sideways move (R89's ``drone30_rise``: Zoom_In 0.59 on
top, Move_Up 0.23; now Move_Up 0.24 and no zoom).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry import fast

W, H = 480, 270
K = fast.intrinsic_from_fov(W, H, 60.0)
PITCH = np.deg2rad(30.0)
#: camera-to-world rotation looking down PITCH (x right, y down, z forward)
R_C2W = np.array([[1.0, 0, 0], [0, np.cos(PITCH), np.sin(PITCH)], [0, -np.sin(PITCH), np.cos(PITCH)]])
TEXEL_M = 0.02  # ground texture: 2 cm a texel, centred under the view


def _ground_texture(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    tex = np.zeros((1600, 1600), np.float32)
    for sigma, weight in ((1.0, 0.5), (3.0, 1.0), (9.0, 1.0)):
        tex += weight * cv2.GaussianBlur(rng.uniform(0, 255, tex.shape).astype(np.float32), (0, 0), sigma)
    return cv2.normalize(tex, None, 10, 245, cv2.NORM_MINMAX).astype(np.uint8)


def _view(tex: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """The ground plane y = 0 seen from ``centre`` (y < 0: above it): x ~ K R^T (X - C)."""
    origin = np.array([-TEXEL_M * tex.shape[1] / 2, 0.0, 4.0])  # texel (0, 0) on the ground
    to_world = np.c_[[TEXEL_M, 0, 0], [0, 0, TEXEL_M], origin - centre]  # texel (u, v, 1) -> X - C
    hom = K @ R_C2W.T @ to_world
    img = cv2.warpPerspective(tex, hom, (W, H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    noisy = img + np.random.default_rng(int(centre[1] * 1000) % 997).normal(0.0, 2.0, img.shape)
    return np.repeat(np.clip(noisy, 0, 255).astype(np.uint8)[..., None], 3, 2)


@pytest.mark.parametrize("seed", range(3))
def test_a_drone_rising_over_flat_ground_reads_no_zoom(seed: int) -> None:
    tex = _ground_texture(seed)
    start = np.array([0.0, -8.0, 0.0])
    rise = np.array([0.0, -0.8, 0.0])  # 0.8 m up (world y is down)
    a, b = _view(tex, start), _view(tex, start + rise)
    ga, gb = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (a, b))
    (pa, da), (pb, db) = fast._features(ga, 1000), fast._features(gb, 1000)
    idx = fast._match(da, db)
    pair = fast.estimate_pair(pa[idx[:, 0]].astype(float), pb[idx[:, 1]].astype(float), K)
    assert not pair.rotation_only
    assert pair.zoom == 1.0
    assert np.rad2deg(Rotation.from_matrix(pair.rot_b_from_a).magnitude()) < 1.0
    centre_b = -pair.rot_b_from_a.T @ pair.t_b_from_a  # in camera a's frame
    truth = R_C2W.T @ rise  # up and back in camera a's frame
    cosine = float(centre_b @ truth / (np.linalg.norm(centre_b) * np.linalg.norm(truth)))
    assert cosine > 0.95
