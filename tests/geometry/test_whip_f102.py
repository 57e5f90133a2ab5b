"""A whip pan is fast camera motion, not a cut (helper F102).

Before: ``fast`` took a fast pan with motion blur between two holds for a cut, because the colour
cue fires where the whip ends on another part of the scene (red team R98 ``whip_40deg_250ms``:
``cuts_s`` [0.8], the first hold estimated, Pan_Right 0.001). A colour-cue change whose frames
either side relate by a camera rotation that moves the picture far across the frame at one focal
length is now a whip: the frames either side are related, the blurred frames between left out.
A cut to another scene, a cut to the same place at another exposure and time of day, and a
punch-in (the same subject at twice the scale) stay cuts.

The clips are rendered from a panorama of two committed real frames (the bikes street on the
left, the tree and lawn on the right) seen by a rotating pinhole camera of 60 deg (``fast``'s
default field of view), at 30 fps with a 1/60 s shutter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.fast import FrameFeatures, whip_across
from camerabench.taxonomy import Primitive

FPS = 30
W, H = 192, 96
View = Callable[..., NDArray[np.uint8]]


@pytest.fixture(scope="module")
def pano(pano_view: Any) -> View:
    """The committed street-and-tree panorama seen at W x H (tests/conftest.py's ``pano_view``)."""
    return lambda yaw_deg, zoom=1.0: pano_view(yaw_deg, zoom, (W, H))


def _view(pano: View, yaw_deg: float, zoom: float = 1.0) -> NDArray[np.uint8]:
    """The camera turned ``yaw_deg`` right of the panorama's centre (a plane covering +-55 deg)."""
    return pano(yaw_deg, zoom)


def _whip(pano: View) -> NDArray[np.uint8]:
    """Hold 0.6 s at -18 deg, pan right 36 deg in 0.25 s (1/60 s shutter: 4 renders averaged), hold to 1.5 s."""

    def yaw(t: float) -> float:
        return float(-18 + 36 * np.clip((t - 0.6) / 0.25, 0, 1))

    shutter = np.linspace(0, 1 / 60, 4)
    exposures = [[_view(pano, yaw(i / FPS + d)).astype(np.float32) for d in shutter] for i in range(45)]
    return np.stack([np.mean(renders, axis=0).round().astype(np.uint8) for renders in exposures])


def test_a_whip_pan_is_not_cut_and_pans_right(
    pano: View, fast_on_frames: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        scores, info = fast_on_frames(_whip(pano), "whip", FPS)
    assert "cuts_s" not in info, info
    assert info["whips_s"] == [0.8]
    assert "whip pan" in caplog.text
    assert scores[Primitive.PAN_RIGHT] > 0.5 > scores[Primitive.PAN_LEFT]


def test_a_cut_to_another_scene_stays_a_cut(pano: View, fast_on_frames: Any, first_frame: Any) -> None:
    import cv2

    city = cv2.resize(first_frame("kivy_city_rotate.mp4"), (W, H), interpolation=cv2.INTER_AREA)
    frames = np.stack([_view(pano, -18)] * 20 + [city] * 25)
    _, info = fast_on_frames(frames, "cut", FPS)
    assert "whips_s" not in info
    assert info["cuts_s"]


def test_a_cut_to_the_same_place_in_another_light_stays_a_cut(pano: View, fast_on_frames: Any) -> None:
    import cv2

    day = _view(pano, -18)
    # the same framing in another light at the same level (hue turned 120 deg): the colour cue's cut
    # (a darker copy of one picture is no colour-cue cut: shots.detect_cuts' exposure rule)
    hsv = cv2.cvtColor(day, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int64) + 60) % 180
    night = np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), np.uint8)
    _, info = fast_on_frames(np.stack([day] * 20 + [night] * 25), "night", FPS)
    assert "whips_s" not in info
    assert info["cuts_s"]


def _blurred(pano: View, start: float, stop: float, zoom: float = 1.0) -> NDArray[np.uint8]:
    """A frame exposed while the camera turns from ``start`` to ``stop`` deg (8 renders averaged)."""
    renders = [_view(pano, y, zoom).astype(np.float32) for y in np.linspace(start, stop, 8)]
    return np.asarray(np.mean(renders, axis=0).round(), np.uint8)


def _grays(frames: list[NDArray[np.uint8]]) -> list[NDArray[np.uint8]]:
    import cv2

    return [np.asarray(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), np.uint8) for f in frames]


def test_a_punch_in_is_not_a_whip(pano: View) -> None:
    # turned 20 deg and punched in to 1.5x, a blurred frame between: far across the frame, but a scale jump
    frames = [_view(pano, 0), _view(pano, 0), _blurred(pano, 4, 16), _view(pano, 20, 1.5), _view(pano, 20, 1.5)]
    features = FrameFeatures()
    try:
        assert whip_across(_grays(frames), 2, features, 60.0, (0, 5), set()) is None
        # the same frames turned instead of zoomed: a whip (the reference the gate must pass)
        turned = [_view(pano, 0), _view(pano, 0), _blurred(pano, 4, 16), _view(pano, 20), _view(pano, 20)]
        whip = whip_across(_grays(turned), 2, features, 60.0, (0, 5), set())
        assert whip is not None and (whip.a, whip.b) == (1, 3)
        assert abs(whip.angle_deg - 20) < 2
    finally:
        features.close()


def test_a_jump_cut_within_one_scene_is_not_a_whip(pano: View) -> None:
    # red team R102: a pan cut to a view 20 deg to the left, every frame sharp, is a cut (it was
    # taken for a whip and read as a pan left); through a sharp frame between (a flash), likewise
    sharp = [_view(pano, 0), _view(pano, 1), _view(pano, -19), _view(pano, -18), _view(pano, -17)]
    features = FrameFeatures()
    try:
        assert whip_across(_grays(sharp), 2, features, 60.0, (0, 5), set()) is None
        lit = np.clip(_view(pano, 1).astype(np.int32) * 2, 0, 255).astype(np.uint8)
        flashed = [_view(pano, 0), _view(pano, 1), lit, _view(pano, -18), _view(pano, -17)]
        assert whip_across(_grays(flashed), 3, features, 60.0, (0, 5), set()) is None
        # the same frames with the middle one blurred by a turn from 1 to -18 deg: a whip left
        whipped = [_view(pano, 0), _view(pano, 1), _blurred(pano, -3, -14), _view(pano, -18), _view(pano, -17)]
        whip = whip_across(_grays(whipped), 2, features, 60.0, (0, 5), set())
        assert whip is not None and (whip.a, whip.b) == (1, 3)
        assert abs(whip.angle_deg - 19) < 2
    finally:
        features.close()
