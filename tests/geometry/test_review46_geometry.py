"""Review of fast.py's rigid-mover still rule, DIS-reach masks and held-still band (commits
4ee566e, a8a2496, cfda102): degenerate and hostile inputs give a clear error, not garbage."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camerabench.baselines.geometry.fast import (
    _mask_shortage,
    dense_correspondences,
    flow_clear,
    rescaled_dense_correspondences,
    rigid_share,
)


def _texture(h: int = 270, w: int = 480) -> np.ndarray:
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)), (0, 0), 3)
    return np.asarray((img - img.min()) / (img.max() - img.min()) * 255, dtype=np.uint8)


def _bars(shape: tuple[int, int]) -> np.ndarray:
    usable = np.ones(shape, bool)
    usable[:24] = False
    usable[-24:] = False
    return usable


def _brute_clear(usable: np.ndarray, reach: float) -> np.ndarray:
    """Pixels at least ``reach`` (Euclidean) from every masked pixel, by brute force."""
    ys, xs = np.nonzero(~usable)
    gy, gx = np.mgrid[: usable.shape[0], : usable.shape[1]]
    if len(ys) == 0:
        return np.ones(usable.shape, bool)
    d = np.hypot(gy[..., None] - ys, gx[..., None] - xs).min(axis=-1)
    return np.asarray(d >= reach)


def test_flow_clear_matches_brute_force_and_reads_any_nonzero_as_usable() -> None:
    usable = np.ones((30, 40), bool)
    usable[12:15, 5:9] = False
    reach = 6.0
    clear = flow_clear(usable, reach)
    np.testing.assert_array_equal(clear, _brute_clear(usable, reach))
    # an integer mask holding 256 where usable (256 wrapped to 0 in a plain uint8 cast: all masked)
    np.testing.assert_array_equal(flow_clear(usable.astype(np.int64) * 256, reach), clear)
    assert flow_clear(np.ones((3, 2), bool), reach).all()
    assert not flow_clear(np.zeros((3, 2), bool), reach).any()
    assert not flow_clear(np.array([[True, False]]), reach).any()  # a 1x2 frame


@pytest.mark.parametrize("mask", [None, np.ones((4, 4, 3), bool), np.ones((0, 0), bool)])
def test_flow_clear_rejects_what_is_not_a_frame_mask(mask: np.ndarray | None) -> None:
    with pytest.raises(ValueError, match="non-empty 2-D mask"):
        flow_clear(mask, 16.0)


@pytest.mark.parametrize("reach", [0.0, -1.0, float("nan"), float("inf")])
def test_flow_clear_rejects_a_reach_that_is_not_finite_and_positive(reach: float) -> None:
    # a reach of 0 counted the masked pixels themselves as clear: the mask was ignored
    with pytest.raises(ValueError, match="finite positive reach"):
        flow_clear(np.zeros((8, 8), bool), reach)


def test_masks_of_another_shape_than_the_frame_are_a_clear_error() -> None:
    a = _texture()
    b = np.roll(a, 3, axis=1)
    good = _bars(a.shape)
    bigger = np.ones((540, 960), bool)  # was indexed silently at the wrong pixels (no masking at all)
    with pytest.raises(ValueError, match=r"usable \(frame a\) has shape \(540, 960\)"):
        dense_correspondences(a, b, bigger)
    with pytest.raises(ValueError, match=r"usable_b \(frame b\) has shape \(100, 100\)"):
        dense_correspondences(a, b, good, np.ones((100, 100), bool))
    with pytest.raises(ValueError, match=r"usable_b \(frame b\) has shape \(480, 270\)"):
        dense_correspondences(a, b, good, good.T)
    with pytest.raises(ValueError, match="frame's shape"):
        _mask_shortage(a, b, np.ones((100, 100), bool))
    with pytest.raises(ValueError, match="frame's shape"):
        rescaled_dense_correspondences(a, b, 1.15, np.array([240.0, 135.0]), bigger)
    # the right shape passes, a mask given for b alike gives what the shared mask gives
    np.testing.assert_array_equal(dense_correspondences(a, b, good)[0], dense_correspondences(a, b, good, good)[0])


@pytest.mark.parametrize("zoom", [0.3, 3.0])
def test_rescaled_mask_warp_at_extreme_zooms_keeps_finite_points_on_the_zoom(zoom: float) -> None:
    a = _texture()
    centre = np.array([240.0, 135.0])
    to_b = np.array([[zoom, 0.0, centre[0] * (1 - zoom)], [0.0, zoom, centre[1] * (1 - zoom)]])
    b = cv2.warpAffine(a, to_b, (480, 270), borderMode=cv2.BORDER_REPLICATE)
    b[:24] = 0
    b[-24:] = 0  # the same static bars in b
    pts_a, pts_b = rescaled_dense_correspondences(a, b, zoom, centre, _bars(a.shape))
    assert len(pts_a) >= 20
    assert np.isfinite(pts_b).all()
    assert (pts_b[:, 1] >= 24).all() and (pts_b[:, 1] <= 270 - 25).all()
    expected = centre + (pts_a - centre) * zoom  # the known zoom, independent of the flow
    assert float(np.median(np.linalg.norm(pts_b - expected, axis=1))) < 0.1


def test_rigid_share_rejects_non_finite_and_mismatched_points() -> None:
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 400, (30, 2))
    b = a + np.array([5.0, 3.0])
    assert rigid_share(a, b, 0.3) == 1.0  # one shift: all of them
    bad = a.copy()
    bad[0] = np.nan  # was counted as one outlier: 29 / 30
    with pytest.raises(ValueError, match="finite"):
        rigid_share(bad, b, 0.3)
    bad[0] = np.inf
    with pytest.raises(ValueError, match="finite"):
        rigid_share(a, bad, 0.3)
    with pytest.raises(ValueError, match=r"\(M, 2\)"):
        rigid_share(a, b[:20], 0.3)
    with pytest.raises(ValueError, match=r"\(M, 2\)"):
        rigid_share(np.zeros((10, 3)), np.zeros((10, 3)), 0.3)


def test_rigid_share_degenerate_but_finite_points() -> None:
    # three collinear matches of one scaling about the origin: a similarity, all inliers
    line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    assert rigid_share(line, 2.0 * line, 0.3) == 1.0
    # all starting at one point: no similarity to fit, documented as no consensus
    assert rigid_share(np.ones((10, 2)), np.ones((10, 2)) * 2.0, 0.3) == 0.0
