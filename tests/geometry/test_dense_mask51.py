"""Dense flow next to static bars and overlays (``dense_correspondences``,
``rescaled_dense_correspondences``): a DIS patch that overlaps a masked static edge follows the
edge, so a point is kept only where it and its match in frame b are DIS's reach
(``flow_reach_px``) from the mask; the points kept then follow the picture's true motion as
closely next to the bars as anywhere."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.ndimage import distance_transform_edt

from camerabench.baselines.geometry.fast import (
    dense_correspondences,
    flow_clear,
    flow_reach_px,
    rescaled_dense_correspondences,
)

W, H, BAR = 480, 270, 24
CENTRE = np.array([W / 2, H / 2])


def _scene() -> NDArray[np.float32]:
    """A textured scene three times the frame's size (smooth noise, full contrast)."""
    rng = np.random.default_rng(0)
    scene = cv2.GaussianBlur(rng.uniform(0, 255, (3 * H, 3 * W)).astype(np.float32), (0, 0), 2.0)
    return np.asarray(cv2.normalize(scene, None, 0, 255, cv2.NORM_MINMAX), dtype=np.float32)


def _frame(scene: NDArray[np.float32], to_scene: NDArray[np.float64], usable: NDArray[np.bool_]) -> NDArray[np.uint8]:
    """The frame whose pixel x shows the scene at ``to_scene @ [x, 1]``, black where ``usable`` is False."""
    warped = cv2.warpAffine(scene, to_scene, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    frame: NDArray[np.uint8] = np.asarray(np.clip(np.round(warped), 0, 255), dtype=np.uint8)
    frame[~usable] = 0
    return frame


def _letterbox() -> NDArray[np.bool_]:
    usable = np.ones((H, W), bool)
    usable[:BAR] = usable[-BAR:] = False
    return usable


def _pillarbox_logo() -> NDArray[np.bool_]:
    usable = np.ones((H, W), bool)
    usable[:, :BAR] = usable[:, -BAR:] = False
    usable[20:60, 380:440] = False  # a corner logo
    return usable


# frame b's pixel x shows what frame a shows at A x + t (a zoom about the centre or a tilt)
MOTIONS = {
    "zoom in x1.15": (1 / 1.15, CENTRE - CENTRE / 1.15),
    "zoom out x1/1.15": (1.15, CENTRE - CENTRE * 1.15),
    "tilt 6 px": (1.0, np.array([0.0, -6.0])),
}


def _pair(motion: str, usable: NDArray[np.bool_]) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.float64]]:
    """Frames a and b of ``motion`` with the static mask blacked out in both, and the map a -> b (2x3)."""
    scale, shift = MOTIONS[motion]
    scene = _scene()
    a_to_scene = np.array([[1.0, 0.0, W], [0.0, 1.0, H]])
    b_to_a = np.array([[scale, 0.0, shift[0]], [0.0, scale, shift[1]]])
    b_to_scene = np.vstack([a_to_scene, [0, 0, 1]]) @ np.vstack([b_to_a, [0, 0, 1]])
    a_to_b = np.asarray(cv2.invertAffineTransform(b_to_a), dtype=np.float64)
    return _frame(scene, a_to_scene, usable), _frame(scene, b_to_scene[:2], usable), a_to_b


def _errors(pts_a: NDArray[np.float64], pts_b: NDArray[np.float64], a_to_b: NDArray[np.float64]) -> NDArray[np.float64]:
    """How far each match is from the true motion, for the points away from the frame's own
    border (where DIS's patches are cut off, a mask or not) by DIS's reach in a and in b."""
    reach = flow_reach_px()

    def inner(pts: NDArray[np.float64]) -> NDArray[np.bool_]:
        return np.asarray((pts.min(axis=1) >= reach) & (pts[:, 0] <= W - 1 - reach) & (pts[:, 1] <= H - 1 - reach))

    away = inner(pts_a) & inner(pts_b)
    assert away.sum() > 500
    return np.asarray(np.linalg.norm(pts_b[away] - (pts_a[away] @ a_to_b[:, :2].T + a_to_b[:, 2]), axis=1))


def test_flow_clear_is_the_euclidean_distance_from_the_mask() -> None:
    usable = _pillarbox_logo()
    for reach in (1.0, 8.0, 16.0):
        np.testing.assert_array_equal(flow_clear(usable, reach), distance_transform_edt(usable) >= reach)


def test_reach_is_the_medium_patch_at_its_finest_level() -> None:
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)  # type: ignore[attr-defined]
    assert flow_reach_px() == dis.getPatchSize() * 2 ** dis.getFinestScale() > 0


@pytest.mark.parametrize("motion", sorted(MOTIONS))
@pytest.mark.parametrize("layout", ["letterbox", "pillarbox_logo"])
def test_points_next_to_static_bars_follow_the_picture(motion: str, layout: str) -> None:
    usable = _letterbox() if layout == "letterbox" else _pillarbox_logo()
    gray_a, gray_b, a_to_b = _pair(motion, usable)
    pts_a, pts_b = dense_correspondences(gray_a, gray_b, usable)
    assert len(pts_a) > 500
    distance = distance_transform_edt(usable)
    reach = flow_reach_px()
    # both ends of every point clear of the mask by DIS's reach
    assert distance[np.round(pts_a[:, 1]).astype(int), np.round(pts_a[:, 0]).astype(int)].min() >= reach
    assert distance[np.round(pts_b[:, 1]).astype(int), np.round(pts_b[:, 0]).astype(int)].min() >= reach
    # and on the picture's motion (without the reach, points by the mask's edges were 3.3-38 px off)
    assert _errors(pts_a, pts_b, a_to_b).max() < 1.0


def test_without_a_mask_the_bars_edges_mislead_the_flow() -> None:
    """The reference: the same pair without the mask keeps points that follow the bars."""
    gray_a, gray_b, a_to_b = _pair("zoom in x1.15", _letterbox())
    pts_a, pts_b = dense_correspondences(gray_a, gray_b)
    assert _errors(pts_a, pts_b, a_to_b).max() > 5.0


def test_rescaled_points_next_to_static_bars_follow_the_picture() -> None:
    """Frame b resampled to a's scale carries its bars elsewhere: its own (resampled) mask holds."""
    usable = _letterbox()
    gray_a, gray_b, a_to_b = _pair("zoom in x1.15", usable)
    pts_a, pts_b = rescaled_dense_correspondences(gray_a, gray_b, 1.15, CENTRE, usable)
    assert len(pts_a) > 500
    distance = distance_transform_edt(usable)
    # at a's scale the reach is flow_reach_px; in b it is zoom times that
    assert distance[np.round(pts_b[:, 1]).astype(int), np.round(pts_b[:, 0]).astype(int)].min() >= flow_reach_px()
    assert _errors(pts_a, pts_b, a_to_b).max() < 1.0


def test_a_mask_for_b_alone_is_refused() -> None:
    gray = np.zeros((H, W), np.uint8)
    with pytest.raises(ValueError, match="usable_b"):
        dense_correspondences(gray, gray, None, _letterbox())
