"""Nuisances of internet video applied to rendered frames: lens distortion, static overlays,
exposure flicker, and the row timing of a rolling shutter.

None of them changes the camera motion, so none changes a clip's labels. Image geometry goes
through OpenCV (``cv2.undistortPoints`` inverts the distortion model, ``cv2.remap`` resamples,
``cv2.putText`` draws subtitles).
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import CameraBenchError

__all__ = [
    "SUBTITLE_PERIOD_S",
    "apply_overlays",
    "bar_sizes",
    "check_lens_fold",
    "distortion_maps",
    "distortion_margin",
    "flicker_gains",
    "fold_radius",
    "row_times",
]

#: burnt-in subtitles change every this many seconds
SUBTITLE_PERIOD_S = 2.0
#: letterbox bars: each bar's share of the frame height; pillarbox bars: of the frame width
LETTERBOX_SHARE = 0.12
PILLARBOX_SHARE = 0.125
_SUBTITLES = ("Where are we going?", "Just keep walking.", "It is not far now.", "Look, over there!")


def row_times(height: int, frame_time_s: float, readout_s: float) -> NDArray[np.float64]:
    """Exposure instant of each image row under a rolling shutter (the middle row at the frame time).

    Row ``r`` of ``height`` is read at ``frame_time_s + ((r + 0.5) / height - 0.5) * readout_s``.

    Example:
        >>> row_times(4, 1.0, 0.4).round(3).tolist()
        [0.85, 0.95, 1.05, 1.15]
    """
    rows = np.arange(height, dtype=np.float64)
    return frame_time_s + ((rows + 0.5) / height - 0.5) * readout_s


def fold_radius(k1: float) -> float:
    """The largest normalised radius a lens with radial distortion ``k1`` draws (``inf`` for ``k1 >= 0``).

    ``r_d = r (1 + k1 r^2)`` grows with ``r`` only up to ``r^2 = 1 / (3 |k1|)`` when ``k1 < 0``,
    where it reaches ``r_d = 2 / (3 sqrt(3 |k1|))``; farther out it shrinks again (the picture
    folds back: two scene points on one pixel, mirrored), which no real lens draws.

    Example:
        >>> round(fold_radius(-0.25), 4)
        0.7698
    """
    if k1 >= 0:
        return math.inf
    return 2.0 / (3.0 * math.sqrt(-3.0 * k1))


def _corner_radius(intrinsic: NDArray[np.float64], width: int, height: int) -> float:
    """The largest normalised radius of a frame's corner pixels."""
    fx, fy, cx, cy = intrinsic[0, 0], intrinsic[1, 1], intrinsic[0, 2], intrinsic[1, 2]
    dx = max(abs(0.0 - cx), abs(width - 1.0 - cx)) / fx
    dy = max(abs(0.0 - cy), abs(height - 1.0 - cy)) / fy
    return float(math.hypot(dx, dy))


def check_lens_fold(intrinsic: NDArray[np.float64], width: int, height: int, k1: float, what: str = "") -> None:
    """Refuse a barrel distortion ``k1`` whose fold (:func:`fold_radius`) is inside the frame.

    Pixels beyond the fold have no scene point under the model: ``cv2.undistortPoints`` returned
    points that do not map back to them (tens of pixels off, the picture mirrored in the
    corners), and the labels described a lens image that was not drawn.

    Args:
        intrinsic: the pinhole camera (the shortest focal length the clip reaches).
        width, height: the frame size in pixels.
        k1: the radial distortion coefficient.
        what: names the clip in the message (e.g. ``"clip 'x': "``).

    Raises:
        CameraBenchError: naming ``k1``, the frame size, the fold's radius and the corners'.
    """
    limit = fold_radius(k1)
    corner = _corner_radius(intrinsic, width, height)
    if corner < limit:
        return
    raise CameraBenchError(
        f"{what}lens_k1 {k1:g} folds the picture back inside a {width}x{height} frame with a focal length of "
        f"{float(intrinsic[0, 0]):.4g} px: the radial model r_d = r (1 + k1 r^2) draws normalised radii only up "
        f"to {limit:.4g} (where it folds back) and the frame's corners are at {corner:.4g}; use a lens_k1 "
        f"above {-4.0 / (27.0 * corner**2):.4g}, a longer focal length (zoom out less) or a wider, less tall frame"
    )


def distortion_margin(intrinsic: NDArray[np.float64], width: int, height: int, k1: float) -> tuple[int, int]:
    """Pixels to render beyond each side so that a distorted frame has no empty border.

    Barrel distortion (``k1 < 0``) shows, at the frame's border, scene points from beyond the
    pinhole frame; this is how far beyond (x, y), from the undistorted border pixels.

    Raises:
        CameraBenchError: the distortion folds back inside the frame (:func:`check_lens_fold`).
    """
    if k1 >= 0:
        return 0, 0
    check_lens_fold(intrinsic, width, height, k1)
    u = np.r_[np.arange(width), np.arange(width), np.zeros(height), np.full(height, width - 1.0)]
    v = np.r_[np.zeros(width), np.full(width, height - 1.0), np.arange(height), np.arange(height)]
    und = _undistort(np.c_[u, v], intrinsic, k1)
    mx = max(0.0, float(-und[:, 0].min()), float(und[:, 0].max() - (width - 1)))
    my = max(0.0, float(-und[:, 1].min()), float(und[:, 1].max() - (height - 1)))
    return int(np.ceil(mx)) + 2, int(np.ceil(my)) + 2


def _undistort(points_px: NDArray[np.float64], intrinsic: NDArray[np.float64], k1: float) -> NDArray[np.float64]:
    import cv2

    dist = np.array([k1, 0.0, 0.0, 0.0], dtype=np.float64)
    pts = np.ascontiguousarray(points_px, dtype=np.float64).reshape(-1, 1, 2)
    # OpenCV's default 5 fixed-point iterations leave 0.35 px at the corners for k1 = -0.25
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-10)
    out = cv2.undistortPoints(pts, intrinsic, dist, None, None, intrinsic, criteria)
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def distortion_maps(
    intrinsic: NDArray[np.float64], width: int, height: int, k1: float, margin: tuple[int, int]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``cv2.remap`` maps that turn a pinhole render into a radially distorted frame.

    Output pixel ``p_d`` shows the scene point that the pinhole camera ``intrinsic`` sees at
    ``p_u`` with ``p_d = K distort(K^-1 p_u)``, ``distort(x) = x (1 + k1 |x|^2)`` (OpenCV's model
    with only ``k1``); the source is a render ``margin`` pixels larger on every side.

    Raises:
        CameraBenchError: the distortion folds back inside the frame (:func:`check_lens_fold`).
    """
    check_lens_fold(intrinsic, width, height, k1)
    us, vs = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    und = _undistort(np.c_[us.ravel(), vs.ravel()], intrinsic, k1)
    map_x = (und[:, 0] + margin[0]).reshape(height, width).astype(np.float32)
    map_y = (und[:, 1] + margin[1]).reshape(height, width).astype(np.float32)
    return map_x, map_y


def flicker_gains(num_frames: int, amplitude: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """Per-frame exposure gains ``exp(amplitude * u)``, ``u`` uniform in [-1, 1] (time-lapse flicker).

    Example:
        >>> g = flicker_gains(1000, 0.25, np.random.default_rng(0))
        >>> bool(g.min() >= np.exp(-0.25) and g.max() <= np.exp(0.25))
        True

    Raises:
        CameraBenchError: ``amplitude`` is NaN or infinite (NaN gains turned every frame's pixels
            into whatever NaN casts to).
    """
    if not math.isfinite(amplitude):
        raise CameraBenchError(f"the flicker amplitude must be a finite number, got {amplitude!r}")
    if amplitude <= 0:
        return np.ones(num_frames)
    return np.exp(amplitude * rng.uniform(-1.0, 1.0, size=num_frames))


def bar_sizes(overlays: tuple[str, ...], width: int, height: int) -> dict[str, int]:
    """Thickness in pixels of the black bars on each side (0 where there is none).

    Example:
        >>> bar_sizes(("letterbox",), 320, 192)
        {'top': 23, 'bottom': 23, 'left': 0, 'right': 0}
    """
    lb = round(LETTERBOX_SHARE * height) if "letterbox" in overlays else 0
    pb = round(PILLARBOX_SHARE * width) if "pillarbox" in overlays else 0
    return {"top": lb, "bottom": lb, "left": pb, "right": pb}


@functools.lru_cache(maxsize=4)
def _logo(width: int) -> NDArray[np.uint8]:
    """A station logo: a photograph in a white frame, about a sixth of the frame width wide
    (at least 16 pixels, or half the frame's width where that is less: in a frame under 32
    pixels wide it did not fit, and the frame's overlay failed), at least 10 pixels high."""
    import cv2
    import skimage.data

    w = max(min(16, width // 2), width // 6)
    h = max(10, int(w * 0.6))
    img = cv2.resize(np.asarray(skimage.data.rocket()), (w, h), interpolation=cv2.INTER_AREA)
    out = np.asarray(img, dtype=np.uint8).copy()
    cv2.rectangle(out, (0, 0), (w - 1, h - 1), (255, 255, 255), 2)
    return out


def apply_overlays(frames: NDArray[np.uint8], overlays: tuple[str, ...], fps: float) -> dict[str, Any]:
    """Burn static overlays into (N, H, W, 3) frames in place (after noise, before encoding,
    like an editor's titles); returns where they are.

    Bars are drawn last (they cover everything, as when a 16:9 picture is boxed for another
    aspect ratio); the logo sits in the top-right corner inside the bars; subtitles are white
    text with a black outline at the bottom, their text changing every :data:`SUBTITLE_PERIOD_S`.

    Returns:
        ``{"bars": bar_sizes(...), "logo": [x0, y0, x1, y1] or None, "subtitles": [x0, y0, x1, y1] or None}``
        (boxes in pixels, exclusive ends).

    Raises:
        CameraBenchError: the logo does not fit in the frame (frames under 16x16: OpenCV or numpy
            failed with a message about array shapes), or subtitles are asked for with an ``fps``
            that is not a finite number > 0.
    """
    import cv2

    n, height, width = frames.shape[:3]
    bars = bar_sizes(overlays, width, height)
    where: dict[str, Any] = {"bars": bars, "logo": None, "subtitles": None}
    if "subtitles" in overlays and not (isinstance(fps, numbers.Real) and math.isfinite(fps) and fps > 0):
        raise CameraBenchError(f"subtitles change with time: fps must be a finite number > 0, got {fps!r}")
    if "logo" in overlays:
        if width < 2:
            raise CameraBenchError(f"a {width}x{height} frame is too narrow for the logo overlay")
        logo = _logo(width)
        lh, lw = logo.shape[:2]
        x0 = width - bars["right"] - lw - max(4, width // 40)
        y0 = bars["top"] + max(4, height // 30)
        if x0 < 0 or y0 + lh > height:
            raise CameraBenchError(
                f"a {width}x{height} frame is too small for the logo overlay ({lw}x{lh} pixels at x {x0}, "
                f"y {y0}{', inside the bars' if any(bars.values()) else ''}); overlays need frames of at least 16x16"
            )
        frames[:, y0 : y0 + lh, x0 : x0 + lw] = logo
        where["logo"] = [x0, y0, x0 + lw, y0 + lh]
    if "subtitles" in overlays:
        scale = height / 400.0
        font = cv2.FONT_HERSHEY_SIMPLEX
        base_y = height - bars["bottom"] - max(6, height // 16)
        x_min, y_min, x_max, y_max = width, height, 0, 0
        for i in range(n):
            text = _SUBTITLES[int(i / fps // SUBTITLE_PERIOD_S) % len(_SUBTITLES)]
            (tw, th), _ = cv2.getTextSize(text, font, scale, 1)
            x = (width - tw) // 2
            img = np.ascontiguousarray(frames[i])
            cv2.putText(img, text, (x, base_y), font, scale, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(img, text, (x, base_y), font, scale, (255, 255, 255), 1, cv2.LINE_AA)
            frames[i] = img
            x_min, x_max = min(x_min, x - 2), max(x_max, x + tw + 2)
            y_min, y_max = min(y_min, base_y - th - 2), max(y_max, base_y + 4)
        where["subtitles"] = [x_min, y_min, x_max, y_max]
    if bars["top"]:
        frames[:, : bars["top"]] = 0
        frames[:, height - bars["bottom"] :] = 0
    if bars["left"]:
        frames[:, :, : bars["left"]] = 0
        frames[:, :, width - bars["right"] :] = 0
    return where
