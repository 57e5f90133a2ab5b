"""Static overlays and bars: pixels whose content stays put while the scene moves.

Internet video carries content that is not part of the scene: a station logo in a corner,
burnt-in subtitles, black letterbox (top and bottom) or pillarbox (left and right) bars. Their
features do not move with the camera, so they vote for a still camera; bars do not give features
themselves, but their edges against the picture do. :func:`static_mask` finds them on the
sampled grey frames so that the geometric methods leave them out (``fast`` passes the mask to
OpenCV SIFT and drops dense-flow points on it; ``colmap`` writes it as COLMAP's per-image mask).

Three detectors, all on the frames the method samples:

1. **Bars**: runs of rows (columns) from a border that are flat in every frame and constant over
   time: spatial range within a row, over all frames, at most :data:`BAR_RANGE` grey levels.
   Burnt-in subtitles inside a bar (film subtitles sit in the lower letterbox bar) are not flat:
   rows crossed by text belong to the bar when in every frame at least :data:`BAR_TEXT_SHARE` of
   their pixels are at the bar's grey level (text covers a minority of a row; its other pixels are
   the bar's black) and a flat row at the bar's level follows them (the bar's part between the
   text and the picture). A dark picture row (a night sky) is not followed by one: it stays out.
1b. **Blurred side panels** (:func:`detect_panels`): a vertical phone video posted in a landscape
   frame (or a landscape one in a portrait frame) with blurred, enlarged copies of itself filling
   the sides. The panels move with the video but at another scale (x3 for a 9:16 video in a 16:9
   frame), so their features pull the estimate: a sideways move of a phone clip read as a pan
   (Pan_Right 0.071, Move_Right 0.009) until they were left out. Found on an axis without bars
   as two runs of columns (rows) from the borders, symmetric about the centre, whose sharpness
   (mean absolute Laplacian over the frames) is at most :data:`PANEL_BLUR_RATIO` of the
   centre's, ending in a sharp straight edge (:data:`PANEL_EDGE_RATIO`).
2. **Overlays**: corner pixels (2-D image structure) that keep their grey level (within
   :data:`STILL_LEVELS`) in at least :data:`STILL_SHARE` of the frame pairs in which the picture
   moves (at least :data:`MOVING_SHARE` of its corner pixels change), and in at least
   :data:`FAR_STILL_SHARE` of the pairs about a second apart, in the top and bottom
   :data:`OVERLAY_BAND` of the picture (where logos and subtitles go). A pair in which the
   picture does not move says nothing (a still camera and a logo agree). The pixels found are
   closed into blobs and grown by :data:`OVERLAY_MARGIN_PX` (a SIFT keypoint next to a logo sees
   the logo). When they add up to more than :data:`MAX_OVERLAY_SHARE` of the frame's structured
   pixels, what stays put is the scene itself (a still camera with a large subject moving in
   front of it), and nothing is masked as an overlay.

Thresholds, measured on the hard synthetic preset (seed 0, 320x192, H.264 crf 18-36, sensor
noise up to 8 levels) where the overlays are burnt in after noise, as an editor adds them:
overlay pixels change by at most 1-3 levels between frames (compression), textured scene pixels
of a moving picture change by tens of levels in most pairs; black bars decoded from H.264 vary by
at most 2 levels across a row. Real footage is still to check (issue 14 point 4).

Example:
    >>> rng = np.random.default_rng(0)
    >>> frames = rng.integers(0, 255, size=(6, 60, 80)).astype(np.uint8)  # a picture that changes
    >>> frames[:, :8] = 0                                                  # a letterbox bar
    >>> frames[:, 10:20, 50:70] = rng.integers(0, 255, size=(10, 20))      # a static logo
    >>> m = static_mask(frames)
    >>> m.bars["top"], bool(m.usable[15, 60]), bool(m.usable[40, 20])
    (8, False, True)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BAR_RANGE",
    "BAR_TEXT_SHARE",
    "MAX_OVERLAY_SHARE",
    "MOVING_SHARE",
    "PANEL_BLUR_RATIO",
    "STILL_LEVELS",
    "STILL_SHARE",
    "StaticMask",
    "detect_bars",
    "detect_panels",
    "static_mask",
]

log = logging.getLogger(__name__)

#: Largest grey-level range along a row (column), over all frames, of a bar (H.264 keeps a black
#: bar within 2 levels; a textured picture row spans tens of levels).
BAR_RANGE = 6
#: A row (column) crossed by text inside a bar has at least this share of its pixels within
#: :data:`BAR_RANGE` of the bar's grey level in every frame. Measured on subtitles (OpenCV Hershey
#: simplex, white with a black outline, 480 px wide frames): their busiest rows leave 55-75% of
#: the row at the bar's level; a textured picture row 0-10%. Text rows count only when a flat row
#: at the bar's level lies beyond them (module docstring, 1).
BAR_TEXT_SHARE = 0.5
#: Pixels masked beyond a bar: SIFT keypoints on the bar's edge move along it with the picture.
BAR_MARGIN_PX = 4
#: Largest share of the frame side a bar may take (a 2.39:1 film boxed into 4:3 takes 22% per bar).
MAX_BAR_SHARE = 0.3
#: A pixel keeps its grey level in a pair when it changes by at most this many levels.
STILL_LEVELS = 6
#: ... in at least this share of the pairs in which the picture moves (subtitles change text
#: every couple of seconds, so not in all of them).
STILL_SHARE = 0.8
#: ... and in at least this share of the pairs ``gap_frames`` apart spanning a moving picture.
#: Measured (hard preset seed 0, 320x192, sampled at 5 fps): corner logos hold in all such
#: pairs and are found at any value up to 0.9; subtitles that change every 2 s hold in 50-80%;
#: at 0.5, repetitive or dark scene texture was masked too — the right wall of the standard
#: preset's move right + zoom in (1,196 px, which cut its zoom estimate from x1.47 to x1.35) and
#: the picture next to the bars of a tilt and a zoom out (384 and 440 px). At 0.8 none of these
#: false masks remain and logos and some subtitles (one of the two subtitle clips checked) are
#: still found: a missed subtitle costs less than masking the scene.
FAR_STILL_SHARE = 0.8
#: A pair of frames shows a moving picture when this share of its structured pixels changes.
MOVING_SHARE = 0.6
#: A pixel has 2-D structure (a corner) when OpenCV's ``cornerMinEigenVal`` (5x5 block, 3x3
#: Sobel, on grey levels) exceeds this. Edges are not enough: an edge along the motion (a
#: horizontal edge in a pan) keeps its grey levels while the picture moves. On the hard preset
#: the logo's pixels reach 710 at their 90th percentile, the whole frame's 157.
CORNER_MIN_EIG = 300.0
#: Overlay blobs are grown by this many pixels (about SIFT's descriptor radius at small scales).
OVERLAY_MARGIN_PX = 6
#: Blobs smaller than this many pixels are left alone (a few still pixels of the scene).
MIN_OVERLAY_PX = 40
#: Above this share of the structured pixels, what stays put is the scene, not an overlay.
MAX_OVERLAY_SHARE = 0.2
#: Overlays are looked for only in this share of the picture's height at its top and bottom
#: (inside any bars): where broadcasters put logos, tickers and subtitles. In the middle of the
#: picture, what stays put is the scene (the focus of expansion of a dolly, the centre of a
#: roll, a far background), which the methods need.
OVERLAY_BAND = 0.25
#: Frame pairs in which the picture moves needed to call anything an overlay.
MIN_MOVING_PAIRS = 2
#: Largest sharpness (mean absolute Laplacian over rows and frames) of a blurred panel's column,
#: as a share of the median sharpness of the centre fifth of the frame. Measured on vertical
#: clips of the real test set (tests/data/real) posted at 480x270 with panels blurred at
#: sigma 12 px and darkened to 60% (H.264 crf 18, sampled at 5 fps): panel columns 0.03-0.13,
#: the video's own columns 0.16-1.8 (its smoothest parts, a road, at 0.16-0.4). The unmodified
#: real clips' sides reach 0.04-0.35 on one side only (an over-exposed sky), not both.
PANEL_BLUR_RATIO = 0.15
#: A panel ends in a straight step, where the blur meets the video's first column: within
#: :data:`PANEL_EDGE_PX` of the end of the blurred run (H.264 rings for a few columns next to
#: the step: 0.14-0.22 there) one column is at least this share of the centre's sharpness
#: (measured 7-9 with the panels darkened, 1.5-4 without; a depth-of-field blur fades over tens of
#: columns instead and rises to about the centre's).
PANEL_EDGE_RATIO = 1.5
PANEL_EDGE_PX = 6
#: Each panel takes between these shares of the frame side (a 9:16 video in a 16:9 frame leaves
#: 34% a side; a 4:3 one 12.5%; a 1:1 one 22%).
PANEL_SHARE = (0.08, 0.45)
#: The two panels' widths differ by at most this share of the side (apps centre the video).
PANEL_ASYMMETRY = 0.02


@dataclass(frozen=True)
class StaticMask:
    """Where features may be used.

    Attributes:
        usable: (H, W) bool, True where features and flow may be taken.
        bars: thickness in pixels of the bar found on each side (``top``, ``bottom``, ``left``,
            ``right``; 0 for none), before the margin.
        panels: width in pixels of the blurred side panels found on each side (:func:`detect_panels`;
            all 0 for none), before the margin.
        overlay_px: pixels masked as static overlays (beyond the bars and their margins).
        moving_pairs: frame pairs in which the picture moved.
        note: why no overlay was masked although pixels stayed put (empty otherwise).
    """

    usable: NDArray[np.bool_]
    bars: dict[str, int] = field(default_factory=dict)
    panels: dict[str, int] = field(default_factory=dict)
    overlay_px: int = 0
    moving_pairs: int = 0
    note: str = ""

    @property
    def masked_fraction(self) -> float:
        """Share of the frame left out."""
        return float(1.0 - self.usable.mean())

    @property
    def any(self) -> bool:
        """Something is masked."""
        return not bool(self.usable.all())

    @property
    def picture(self) -> tuple[int, int, int, int]:
        """``(x0, y0, x1, y1)``: the picture inside the bars and blurred panels (pixels, end
        exclusive; the whole frame without them). Its size, not the frame's, is what a field of
        view should be assumed across: a 9:16 video in a 16:9 frame is a third of its width."""
        h, w = self.usable.shape
        side = {k: max(self.bars.get(k, 0), self.panels.get(k, 0)) for k in ("top", "bottom", "left", "right")}
        return side["left"], side["top"], w - side["right"], h - side["bottom"]

    def cv_mask(self) -> NDArray[np.uint8]:
        """OpenCV's convention (``detectAndCompute(img, mask)``): 255 where features may be found."""
        return self.usable.astype(np.uint8) * 255

    def info(self) -> dict[str, Any]:
        """What was masked, for a method's per-video metadata (run.json)."""
        out: dict[str, Any] = {
            "masked_fraction": round(self.masked_fraction, 4),
            "bars_px": dict(self.bars),
            "overlay_px": self.overlay_px,
        }
        if any(self.panels.values()):  # only then: run.json of a clip without panels is as before
            out["panels_px"] = dict(self.panels)
        if self.note:
            out["overlay_note"] = self.note
        return out


def _as_stack(frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8]) -> NDArray[np.uint8]:
    if not isinstance(frames, np.ndarray) and len({np.shape(f) for f in frames}) > 1:
        shapes = sorted({str(np.shape(f)) for f in frames})
        raise ValueError(f"frames must all have one size, got shapes {', '.join(shapes[:4])}")
    stack = np.asarray(frames)
    grey, rgb = stack.ndim == 3, stack.ndim == 4 and stack.shape[-1] in (3, 4)
    if not (grey or rgb) or stack.size == 0:  # frames without pixels: numpy's "zero-size array" before
        raise ValueError(
            f"frames must be (N, H, W) grey or (N, H, W, 3) RGB with N, H, W >= 1, got shape {stack.shape}"
        )
    if stack.dtype != np.uint8:  # the thresholds are grey levels: a float clip (0-1) read as black, no bars
        raise ValueError(f"frames must be uint8 (grey levels 0-255), got dtype {stack.dtype}")
    if rgb:  # luma as OpenCV computes it
        stack = np.round(stack[..., :3] @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    return stack


def _run_from_border(flat: NDArray[np.bool_], limit: int) -> int:
    """Length of the run of True from index 0, capped at ``limit`` (0 when it reaches it)."""
    run = int(np.argmin(flat)) if not flat.all() else len(flat)
    return run if run <= limit else 0


def detect_bars(frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8]) -> dict[str, int]:
    """Thickness of flat, constant bars on each side of (N, H, W) grey frames.

    A row (column) belongs to a bar when the range of its grey levels over all frames is at most
    :data:`BAR_RANGE`; a bar is the run of such rows from the border, if it is thinner than
    :data:`MAX_BAR_SHARE` of the frame (a uniform picture is not a bar).

    Example:
        >>> f = np.full((3, 40, 50), 90, np.uint8)
        >>> f[:, 5:35] = np.random.default_rng(1).integers(0, 255, size=(3, 30, 50))
        >>> detect_bars(f)
        {'top': 5, 'bottom': 5, 'left': 0, 'right': 0}
    """
    stack = _as_stack(frames)
    hi, lo = stack.max(axis=0).astype(np.int16), stack.min(axis=0).astype(np.int16)
    h, w = hi.shape
    flat_rows = (hi.max(axis=1) - lo.min(axis=1)) <= BAR_RANGE
    flat_cols = (hi.max(axis=0) - lo.min(axis=0)) <= BAR_RANGE
    lim_r, lim_c = int(MAX_BAR_SHARE * h), int(MAX_BAR_SHARE * w)
    columns = stack.transpose(0, 2, 1)  # (N, W, H): a column per line, as rows are
    return {
        "top": _bar_extent(stack, flat_rows, lim_r),
        "bottom": _bar_extent(stack[:, ::-1], flat_rows[::-1], lim_r),
        "left": _bar_extent(columns, flat_cols, lim_c),
        "right": _bar_extent(columns[:, ::-1], flat_cols[::-1], lim_c),
    }


def _bar_extent(lines: NDArray[np.uint8], flat: NDArray[np.bool_], limit: int) -> int:
    """Thickness of the bar at index 0 of ``lines`` ((N, L, K): frames, lines from the border,
    pixels along a line) whose lines ``flat`` tells: the run of flat lines, carried on across
    lines crossed by text (module docstring, 1) up to the last flat line at the bar's level."""
    run = _run_from_border(flat, limit)
    if not run or run >= limit:
        return run
    level = int(np.median(lines[:, :run]))
    # the share of each line's pixels at the bar's level in its worst frame (frame by frame: a
    # few lines of one frame at a time, not the clip's lines as int16)
    bar_share = np.ones(limit - run)
    for frame in lines:
        near = np.abs(frame[run:limit].astype(np.int16) - level) <= BAR_RANGE
        bar_share = np.minimum(bar_share, near.mean(axis=1))
    at_level = flat[run:limit] & (bar_share == 1.0)
    barlike = at_level | (bar_share >= BAR_TEXT_SHARE)
    reach = int(np.argmin(barlike)) if not barlike.all() else len(barlike)
    ends = np.flatnonzero(at_level[:reach])
    return run + int(ends[-1]) + 1 if len(ends) else run


def _panel_run(sharpness: NDArray[np.float64], reference: float) -> int:
    """Width of a blurred panel at index 0 of a sharpness profile (0 for none): the run of
    columns below :data:`PANEL_BLUR_RATIO` of ``reference`` from the border, up to the step
    that ends it (its sharpest column within :data:`PANEL_EDGE_PX`)."""
    blurred = sharpness <= PANEL_BLUR_RATIO * reference
    run = int(np.argmin(blurred)) if not blurred.all() else len(blurred)
    if not PANEL_SHARE[0] * len(sharpness) <= run <= PANEL_SHARE[1] * len(sharpness):
        return 0
    edge = sharpness[run : run + PANEL_EDGE_PX]
    if not len(edge) or float(edge.max()) < PANEL_EDGE_RATIO * reference:
        return 0
    return run + int(np.argmax(edge))


def detect_panels(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8], bars: dict[str, int] | None = None
) -> dict[str, int]:
    """Width of blurred side panels on each side of (N, H, W) grey frames (module docstring, 1b).

    Panels come in symmetric pairs, left and right (a vertical video in a landscape frame) or top
    and bottom (a landscape video in a portrait frame); an axis with a bar (``bars``, as
    :func:`detect_bars` gives; computed when None) is not searched: its sides are bars.

    Example:
        >>> import cv2
        >>> rng = np.random.default_rng(0)
        >>> video = rng.integers(100, 255, size=(3, 60, 34)).astype(np.uint8)
        >>> video = np.stack([cv2.GaussianBlur(v, (0, 0), 1) for v in video])  # a 34x60 phone video
        >>> big = [cv2.resize(v, (100, 176))[58:118] for v in video]  # enlarged to 100 px wide,
        >>> sides = np.stack([cv2.GaussianBlur(b, (0, 0), 8) // 2 for b in big])  # blurred, darkened
        >>> sides[:, :, 33:67] = video
        >>> detect_panels(sides)
        {'top': 0, 'bottom': 0, 'left': 32, 'right': 33}
    """
    import cv2

    stack = _as_stack(frames)
    bars = detect_bars(stack) if bars is None else bars
    n, h, w = stack.shape
    lap = np.zeros((h, w), dtype=np.float64)
    for g in stack:
        lap += np.abs(cv2.Laplacian(g.astype(np.float32), cv2.CV_32F, ksize=3))
    lap /= n
    found = dict.fromkeys(("top", "bottom", "left", "right"), 0)
    for (first, last), profile in ((("left", "right"), lap.mean(axis=0)), (("top", "bottom"), lap.mean(axis=1))):
        if bars.get(first) or bars.get(last):
            continue
        size = len(profile)
        reference = float(np.median(profile[int(0.4 * size) : int(np.ceil(0.6 * size))]))
        if reference <= 0:
            continue
        low, high = _panel_run(profile, reference), _panel_run(profile[::-1], reference)
        if low and high and abs(low - high) <= max(2, PANEL_ASYMMETRY * size):
            found[first], found[last] = low, high
    return found


def static_mask(frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8], gap_frames: int = 5) -> StaticMask:
    """Bars and static overlays of a clip's sampled frames (module docstring).

    Args:
        frames: (N, H, W) grey or (N, H, W, 3) RGB uint8 frames, in time order.
        gap_frames: frames in about a second (the long-gap test; ``fast`` samples 5 per second).

    Returns:
        The mask; without bars or overlays every pixel is usable.
    """
    import cv2

    stack = _as_stack(frames)
    n, h, w = stack.shape
    usable = np.ones((h, w), dtype=bool)
    bars = detect_bars(stack)
    if bars["top"]:
        usable[: bars["top"] + BAR_MARGIN_PX] = False
    if bars["bottom"]:
        usable[h - bars["bottom"] - BAR_MARGIN_PX :] = False
    if bars["left"]:
        usable[:, : bars["left"] + BAR_MARGIN_PX] = False
    if bars["right"]:
        usable[:, w - bars["right"] - BAR_MARGIN_PX :] = False
    panels = detect_panels(stack, bars)
    if any(panels.values()):
        log.debug("blurred side panels of %s px left out", panels)
        # the margin as for bars: keypoints on the panel's edge see the panel
        if panels["top"]:
            usable[: panels["top"] + BAR_MARGIN_PX] = False
            usable[h - panels["bottom"] - BAR_MARGIN_PX :] = False
        if panels["left"]:
            usable[:, : panels["left"] + BAR_MARGIN_PX] = False
            usable[:, w - panels["right"] - BAR_MARGIN_PX :] = False
    if n < MIN_MOVING_PAIRS + 1:
        return StaticMask(usable, bars, panels)

    # Frame by frame (the sums below are those of whole-clip arrays, exactly: they count 0/1
    # values), so the extra memory is a few frames, not 8x the clip's grey levels (665 MB for
    # 600 frames at 480x270 when the pairs were stacked as int16 differences).
    def structured_at(i: int) -> NDArray[np.bool_]:
        return (cv2.cornerMinEigenVal(stack[i].astype(np.float32), 5, ksize=3) > CORNER_MIN_EIG) & usable

    def still_between(i: int, j: int) -> NDArray[np.bool_]:
        return cv2.absdiff(stack[i], stack[j]) <= STILL_LEVELS  # |difference| of uint8, exactly

    moving = np.zeros(n - 1, dtype=bool)
    still_sum = np.zeros((h, w), dtype=np.int64)  # still, over the moving pairs
    structured_moving = np.zeros((h, w), dtype=bool)  # structured in the first frame of a moving pair
    structured_any = np.zeros((h, w), dtype=bool)
    current = structured_at(0)
    for i in range(n - 1):
        following = structured_at(i + 1)
        still = still_between(i + 1, i)
        either = current | following
        count = int(either.sum())
        moving[i] = count > 0 and int((~still & either).sum()) / count >= MOVING_SHARE
        if moving[i]:
            still_sum += still
            structured_moving |= current
        structured_any |= current
        current = following
    structured_any |= current
    num_moving = int(moving.sum())
    if num_moving < MIN_MOVING_PAIRS:
        return StaticMask(usable, bars, panels, moving_pairs=num_moving)
    still_share = still_sum / num_moving
    # ... and over a longer gap (about a second of sampled frames): a slow move changes a
    # smooth texture by little from one frame to the next, but not over a second
    gap = max(2, min(n // 3, gap_frames))
    far_moving = np.array([moving[k : k + gap].any() for k in range(n - gap)])
    if far_moving.any():
        far_sum = np.zeros((h, w), dtype=np.int64)
        for k in np.flatnonzero(far_moving).tolist():
            far_sum += still_between(k + gap, k)
        far_share = far_sum / int(far_moving.sum())
    else:
        far_share = still_share
    candidate = (still_share >= STILL_SHARE) & (far_share >= FAR_STILL_SHARE) & structured_moving
    top, bottom = bars["top"], h - bars["bottom"]
    band = round(OVERLAY_BAND * (bottom - top))
    candidate[top + band : bottom - band] = False
    num_structured = max(int(structured_any.sum()), 1)
    if candidate.sum() > MAX_OVERLAY_SHARE * num_structured:
        note = (
            f"{int(candidate.sum())} structured pixels stay put while the picture moves "
            f"(over {MAX_OVERLAY_SHARE:.0%} of {num_structured}): a still scene part, not an overlay"
        )
        log.debug(note)
        return StaticMask(usable, bars, panels, moving_pairs=num_moving, note=note)
    blobs = cv2.morphologyEx(candidate.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_OVERLAY_PX
    overlay = keep[labels].astype(np.uint8)
    size = 2 * OVERLAY_MARGIN_PX + 1
    overlay = cv2.dilate(overlay, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))).astype(bool)
    overlay_px = int((overlay & usable).sum())
    usable &= ~overlay
    return StaticMask(usable, bars, panels, overlay_px=overlay_px, moving_pairs=num_moving)
