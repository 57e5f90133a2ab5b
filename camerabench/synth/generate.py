"""Render a synthetic dataset folder (design.md A3) from a preset and a seed.

Each clip is rendered independently from ``numpy.random.default_rng([seed, clip_index])``,
so the result does not depend on the number of worker processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import multiprocessing
import multiprocessing.pool
import os
import re
import shutil
import signal
import stat
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from camerabench import __version__
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.fileio import atomic_open, atomic_write_text, read_json, read_text, write_json
from camerabench.labelfiles import CAPTION_QUESTION, write_binary_file, write_caption_file, write_vqa_file
from camerabench.locks import LOCK_FILE, FolderLock
from camerabench.machine import usable_cpus
from camerabench.runfolder import SYNTH_INCOMPLETE_FILE, check_lookable, resolve_path
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.synth.annotate import SynthClip, caption, caption_items, vqa_pairs
from camerabench.synth.mcq import (  # the reasons a clip has no row are mcq's, re-exported here
    FEW_DISTRACTORS,  # noqa: F401
    MCQ_TABLE,
    NO_CATEGORY,
    NO_CLEAR_YES,  # noqa: F401
    NO_STEADY_CLASS,  # noqa: F401
    NO_SUBJECT,  # noqa: F401
    SEVERAL_CLEAR_YES,  # noqa: F401
    SHOT_QUESTIONS,
    SHOT_TABLE,
    ShotGeometry,
    camera_movement_rows_and_skips,
    shot_geometry,
    shot_rows_and_skips,
)
from camerabench.synth.nuisances import (
    apply_overlays,
    check_lens_fold,
    distortion_maps,
    distortion_margin,
    flicker_gains,
    row_times,
)
from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_PRESET, DEFAULT_SEED, DEFAULT_SIZE, KNOBS, preset_specs
from camerabench.synth.render import Scene, TextureBank, project_points, render_frame
from camerabench.synth.scene import SceneOptions, Subject, build_scene
from camerabench.synth.specs import (
    MAX_CLIP_FPS,
    MAX_CLIP_FRAMES,
    MIN_CLIP_FPS,
    PIVOT_DISTANCE_M,
    CameraPath,
    ClipSpec,
    camera_path,
    camera_path_at,
    raw_annotation,
    relative_motion,
    rot_y,
    shake_offsets,
)
from camerabench.synth.textures import texture_bank
from camerabench.taxonomy import CompoundMotion, Primitive, TrackingKind, binary_records, derive_labels
from camerabench.trajectory import META_FRAME, Trajectory, pinhole_intrinsic
from camerabench.trajectory_formats import write_tum
from camerabench.video import write_video

__all__ = [
    "CLIP_DURATION_S",
    "GENERATOR",
    "GT_LENS_K1",
    "GT_SHOT_STARTS",
    "RenderedClip",
    "generate_dataset",
    "gt_lens_k1",
    "gt_motion",
    "render_clip",
]

log = logging.getLogger(__name__)

GENERATOR = "camerabench.synth"
#: version of the generator's output (bump when the same seed would render differently)
#: 3: the random extras past a preset draw no arc- or crane-like pair, and the labels changed (the
#: large-subject clips are dynamic scenes, scene cuts answer neither scene question, the 30 s
#: pan-hold-back clips are slow): a dataset of version 2 is refused by ``camerabench demo``
#: (regenerate it), never mixed with version 3 labels.
#: 4: the hard preset's low-parallax translations are labelled slow (they appear slower than a
#: standard slow move), the random extras repeat no pair before every pair is drawn, and a scene
#: cut's ground truth records its shots (``shot_starts``; ``gt_motion`` is its longest shot's).
GENERATOR_VERSION = "4"
CLIP_DURATION_S = 2.5
_SUPERSAMPLE = 2


@dataclass(frozen=True)
class RenderedClip:
    """What rendering one clip produced.

    Attributes:
        frames: (N, H, W, 3) uint8 frames (before encoding).
        trajectory: ground truth (world frame) with per-frame intrinsics.
        subject_centres_m: (N, S, 3) world position of the centre of each subject box (tracked
            subject, arc/crane/dolly-zoom pivot, passing objects) at each frame.
        subject_sizes_m: (S, 3) their extents along the level frame's x, y, z.
        level_to_world: (4, 4) the rigid map from the level frame (boxes axis-aligned) to the world.
        tracked_subject: index of the tracked subject among the subjects (None: no tracking).
        nuisances: what the internet-video knobs did (overlay boxes and bars, the cut frame,
            exposure gains, the large subject's smallest frame coverage, the smallest lens-distortion
            margin over every frame), for the manifest.
    """

    frames: NDArray[np.uint8]
    trajectory: Trajectory
    subject_centres_m: NDArray[np.float64]
    subject_sizes_m: NDArray[np.float64]
    level_to_world: NDArray[np.float64] = field(default_factory=lambda: np.eye(4))
    tracked_subject: int | None = None
    nuisances: dict[str, Any] = field(default_factory=dict)


def _subjects(
    spec: ClipSpec, rng: np.random.Generator, travel_m: float, duration_s: float, pivot: CompoundMotion | None
) -> tuple[Subject, ...]:
    """The boxes of a shot; ``pivot``: the clip's compound move, whose pivot holds a box (in the
    shot after a scene cut too, where it is scenery: both shots have the same subjects)."""
    subjects: list[Subject] = []
    height = 1.5
    if spec.tracking is not None:
        # the subject moves exactly with the camera (constant speed), 3.5 m ahead of it
        speed = travel_m / duration_s
        vz = speed if spec.tracking is TrackingKind.TAIL else -speed
        subjects.append(Subject((0.0, height - 0.85, 3.5), (0.6, 1.7, 0.45), (0.0, 0.0, vz)))
    if pivot is not None:
        # the subject that arcs and cranes circle (centred on the pivot); a dolly zoom keeps
        # the size of the plane through the pivot, so there the subject's front face is on it
        dolly = pivot in (CompoundMotion.DOLLY_ZOOM_IN, CompoundMotion.DOLLY_ZOOM_OUT)
        z = PIVOT_DISTANCE_M + (0.4 if dolly else 0.0)
        subjects.append(Subject((0.0, height - 0.6, z), (0.8, 1.2, 0.8), (0.0, 0.0, 0.0)))
    for _ in range(spec.moving_objects):
        v = float(rng.uniform(1.0, 2.0)) * (1 if rng.random() < 0.5 else -1)
        z = float(rng.uniform(2.2, 3.2))  # in front of the static boxes (keep_clear_m)
        size = (float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.8, 1.7)), float(rng.uniform(0.4, 0.8)))
        x0 = -v * duration_s / 2 + float(rng.uniform(-0.5, 0.5))
        subjects.append(Subject((x0, height - size[1] / 2, z), size, (v, 0.0, 0.0)))
    if spec.large_subject:
        # a 1.4 m x 2 m board 2 m ahead crosses 1 m sideways: it covers at least 40% of the
        # frame throughout (checked per frame: RenderedClip.nuisances["subject_coverage_min"])
        direction = 1.0 if rng.random() < 0.5 else -1.0
        size = (1.4, 2.0, 0.3)
        v = direction * LARGE_SUBJECT_TRAVEL_M / max(duration_s, 1e-9)
        subjects.append(Subject((-direction * LARGE_SUBJECT_TRAVEL_M / 2, height - 1.0, 2.0), size, (v, 0.0, 0.0)))
    return tuple(subjects)


#: how far the large subject crosses in front of the camera (metres over the clip)
LARGE_SUBJECT_TRAVEL_M = 1.0


#: The first frame's focal length is the frame width times a number drawn from this range (a
#: clip that zooms out starts 1.4 times longer).
FOCAL_PER_WIDTH = (0.8, 1.0)
#: Widest field of view across either side of a frame (degrees): the widest rectilinear (pinhole)
#: lenses see about this much; a wider picture is a fisheye's. With the focal length set from the
#: width, a 16x4096 frame saw 179 degrees vertically.
MAX_FOV_DEG = 120.0


def _widest_fov(width: int, height: int, focal_scale: float = 1.0) -> float:
    """The widest field of view (degrees) across either side of a frame whose focal length is
    ``focal_scale`` times the shortest a first frame gets (:data:`FOCAL_PER_WIDTH`)."""
    short_focal = FOCAL_PER_WIDTH[0] * width * focal_scale
    return 2 * math.degrees(math.atan(max(width, height) / (2 * short_focal)))


def _check_fov(width: int, height: int) -> None:
    """Refuse a frame whose field of view across either side may pass :data:`MAX_FOV_DEG`.

    Raises:
        CameraBenchError: the frame is too tall for its width (the message gives the largest height).
    """
    short_focal = FOCAL_PER_WIDTH[0] * width
    fov = _widest_fov(width, height)
    if fov > MAX_FOV_DEG:
        tallest = 2 * short_focal * math.tan(math.radians(MAX_FOV_DEG / 2))
        raise CameraBenchError(
            f"frame size {width}x{height}: the focal length is set from the width "
            f"({FOCAL_PER_WIDTH[0]:g}-{FOCAL_PER_WIDTH[1]:g} times it), so the frame would see up to {fov:.0f} degrees "
            f"vertically, wider than a pinhole (rectilinear) camera shows without stretching the picture "
            f"(at most {MAX_FOV_DEG:g} degrees); use a height of at most {int(tallest) // 2 * 2} pixels for a width "
            f"of {width}"
        )


#: a clip that zooms out starts with this times a longer focal length (:data:`FOCAL_PER_WIDTH`)
ZOOM_OUT_FOCAL_FACTOR = 1.4


def _focal_factor(spec: ClipSpec) -> float:
    """The first frame's focal length over the one drawn from :data:`FOCAL_PER_WIDTH`."""
    return ZOOM_OUT_FOCAL_FACTOR if any(p is Primitive.ZOOM_OUT for p, _ in spec.moves) else 1.0


def _shots(spec: ClipSpec, n: int) -> list[tuple[ClipSpec, int]]:
    """The shots of a clip of ``n`` frames, each ``(spec, frames)``: the clip, or the two sides of
    a scene cut at frame ``n // 2``. The shot after a cut makes ``cut_moves`` and nothing else (it
    repeated the first shot's arc, crane or dolly zoom, captioned as a still camera)."""
    if not spec.scene_cut:
        return [(spec, n)]
    cut = n // 2
    if cut < 2 or n - cut < 2:
        raise ValueError(f"a scene cut needs at least 4 frames, got {n}")
    after = dataclasses.replace(
        spec, moves=spec.cut_moves, cut_moves=(), scene_cut=False, compound=None, compound_magnitude=0.0, minor=False
    )
    return [(spec, cut), (after, n - cut)]


def _check_clip_fov(spec: ClipSpec, size: tuple[int, int], fps: float, n: int) -> None:
    """Refuse a clip of ``n`` frames at ``fps`` one of whose frames (motion-blur sub-frames included)
    may see more than :data:`MAX_FOV_DEG`: a zoom or dolly zoom out shortens the focal length
    (a dolly zoom out of 5.9 m ended at 177 degrees; :func:`_check_fov` covers the first frame),
    or whose lens distortion folds back inside a frame
    (:func:`~camerabench.synth.nuisances.check_lens_fold`, at the shortest focal length it may get).

    Raises:
        CameraBenchError: naming the clip, the shortest focal length and the field of view, or
            the clip, its ``lens_k1`` and the radius where the distortion folds back.
    """
    width, height = size
    for shot, frames in _shots(spec, n):
        sub = max(1, shot.motion_blur)
        path = camera_path(shot, (frames - 1) * sub + 1, fps * sub)
        scale = float(path.focal_scale.min()) * _focal_factor(shot)
        fov = _widest_fov(width, height, scale)
        if fov > MAX_FOV_DEG:
            taller = ", or use a less tall frame" if height > width else ""
            raise CameraBenchError(
                f"clip {spec.name!r}: its focal length falls to {FOCAL_PER_WIDTH[0] * scale:.3g} times the "
                f"frame width, so at {width}x{height} a frame would see up to {fov:.0f} degrees, wider than a "
                f"pinhole (rectilinear) camera shows (at most {MAX_FOV_DEG:g} degrees); zoom or dolly zoom out "
                f"less{taller}"
            )
        if shot.lens_k1 < 0:  # refused before anything is rendered or written
            shortest = pinhole_intrinsic(FOCAL_PER_WIDTH[0] * width * scale, width, height)
            check_lens_fold(shortest, width, height, shot.lens_k1, f"clip {spec.name!r}: ")


def render_clip(spec: ClipSpec, seed: int, index: int, size: tuple[int, int], fps: float) -> RenderedClip:
    """Render one clip in memory.

    Args:
        spec: what the camera does (its own ``fps`` and ``duration_s``, when set, win).
        seed: dataset seed.
        index: clip index (with ``seed``, the clip's random stream).
        size: (width, height) in pixels.
        fps: frame rate.

    Raises:
        CameraBenchError: a frame is too wide for a pinhole camera (:func:`_check_fov`,
            :func:`_check_clip_fov`), the lens distortion folds back inside it, the clip would
            have fewer than 2 frames (:func:`_frame_count`) or take more memory to render than
            :func:`_memory_limit` allows (:func:`_check_clip_memory`), or the frame size is not
            two even integers of at least 16 and at most :data:`MAX_SIDE` (:func:`_parse_size`).
    """
    size = _parse_size(size)  # what generate_dataset takes (15x9 and 2x2 clips were rendered and written)
    n = _frame_count(spec, fps)
    _check_clip_memory(spec, size, fps)
    fps = float(spec.fps or fps)
    _check_clip_fov(spec, size, fps, n)
    rng_scene, rng_shake, rng_noise, rng_misc = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, index]).spawn(4)
    )
    nuisances: dict[str, Any] = {}
    if spec.scene_cut:
        # two shots of their own scene, camera and world frame; the cut is at frame n // 2
        (_, cut), (spec_b, _) = _shots(spec, n)
        shot_a = _render_shot(spec, (rng_scene, rng_shake, rng_misc), cut, fps, size, 0.0)
        rngs_b = tuple(np.random.default_rng(s) for s in np.random.SeedSequence([seed, index, 1]).spawn(3))
        shot_b = _render_shot(spec_b, rngs_b, n - cut, fps, size, cut / fps, spec.compound)  # type: ignore[arg-type]
        shots = [shot_a, shot_b]
        nuisances["cut_frame"] = cut
    else:
        shots = [_render_shot(spec, (rng_scene, rng_shake, rng_misc), n, fps, size, 0.0)]
    # in place, on one float32 copy of the frames (the same float32 operations in the same order
    # as new arrays; a new array per step cost a pass over the clip's memory each)
    frames_f = np.concatenate([sh.frames for sh in shots])
    if np.result_type(frames_f, spec.exposure) == frames_f.dtype:  # a Python number: float32 on
        frames_f *= spec.exposure
    else:  # a numpy float64 exposure made the product float64: kept so
        frames_f = frames_f * spec.exposure
    frames_f *= 255.0
    if spec.flicker > 0:
        gains = flicker_gains(n, spec.flicker, rng_misc)
        frames_f *= gains.astype(np.float32)[:, None, None, None]
        nuisances["exposure_gains"] = [round(float(g), 4) for g in gains]
    if spec.noise_sigma > 0:
        frames_f += rng_noise.normal(0.0, spec.noise_sigma, size=frames_f.shape).astype(np.float32)
    np.round(frames_f, out=frames_f)
    # (np.minimum/np.maximum: np.clip's values, several times faster on float32)
    np.maximum(frames_f, np.float32(0.0), out=frames_f)
    np.minimum(frames_f, np.float32(255.0), out=frames_f)
    frames = frames_f.astype(np.uint8)
    if spec.overlays:
        nuisances["overlays"] = apply_overlays(frames, spec.overlays, fps)
    coverage = [sh.nuisances["subject_coverage_min"] for sh in shots if "subject_coverage_min" in sh.nuisances]
    if coverage:  # over both shots of a scene cut (the first shot's alone hid a smaller one)
        nuisances["subject_coverage_min"] = min(coverage)
    margins = [sh.nuisances["distortion_margin_px"] for sh in shots if "distortion_margin_px" in sh.nuisances]
    if margins:  # the smallest over both shots of a scene cut (the first shot's alone was reported)
        nuisances["distortion_margin_px"] = np.min(margins, axis=0).tolist()
    traj = Trajectory(
        np.concatenate([sh.cam_c2w for sh in shots]),
        np.concatenate([sh.intrinsic for sh in shots]),
        np.concatenate([sh.times_s for sh in shots]),
        meta={META_FRAME: "world"},
    )
    centres = np.concatenate([sh.subject_centres_m for sh in shots])
    return RenderedClip(
        frames,
        traj,
        centres,
        shots[0].subject_sizes_m,
        level_to_world=shots[0].level_to_world,
        tracked_subject=0 if spec.tracking is not None else None,  # _subjects puts it first
        nuisances=nuisances,
    )


@dataclass(frozen=True)
class _Shot:
    frames: NDArray[np.float32]  # (N, H, W, 3) linear colours before exposure, noise and overlays
    cam_c2w: NDArray[np.float64]  # (N, 4, 4) world frame
    intrinsic: NDArray[np.float64]  # (N, 3, 3)
    times_s: NDArray[np.float64]
    subject_centres_m: NDArray[np.float64]
    subject_sizes_m: NDArray[np.float64]
    level_to_world: NDArray[np.float64]
    nuisances: dict[str, Any]


#: Rows rendered with one camera pose under a rolling shutter. With the hard preset's readout
#: (0.9 of a 10 fps frame interval) a band of 4 of 192 rows spans 1.9 ms; the fastest preset
#: rotation (28 degrees eased over 2.5 s, peak about 17 deg/s) turns 0.03 degrees in that time,
#: under 0.1 px at the band's edge for a 300 px focal length: per-row poses to that accuracy, at
#: about twice the cost of a global-shutter frame (one render call per band).
RS_BAND_ROWS = 4


def _render_shot(
    spec: ClipSpec,
    rngs: tuple[np.random.Generator, np.random.Generator, np.random.Generator],
    n: int,
    fps: float,
    size: tuple[int, int],
    t_offset: float,
    pivot: CompoundMotion | None = None,
) -> _Shot:
    """One continuous shot of ``n`` frames (a clip, or one side of a scene cut); ``pivot``: the
    clip's compound move when ``spec`` is the shot after a cut (:func:`_subjects`)."""
    width, height = size
    rng_scene, rng_shake, rng_misc = rngs
    sub = max(1, spec.motion_blur)
    # motion blur: render on a finer time grid and average `sub` sub-frames per frame
    fine_fps = fps * sub
    n_fine = (n - 1) * sub + 1
    path = camera_path(spec, n_fine, fine_fps)
    if spec.tracking is not None:
        # tracking shots move at constant speed so the subject keeps its framing exactly
        tau = path.times_s / path.times_s[-1]
        start, end = path.cam_c2w[0, :3, 3], path.cam_c2w[-1, :3, 3]
        path.cam_c2w[:, :3, 3] = start + tau[:, None] * (end - start)
    travel = float(np.linalg.norm(path.cam_c2w[-1, :3, 3] - path.cam_c2w[0, :3, 3]))
    duration = float(path.times_s[-1])
    subjects = _subjects(spec, rng_misc, travel, duration, spec.compound or pivot)
    scene = build_scene(
        rng_scene, SceneOptions(scale=spec.scene_scale, low_texture=spec.low_texture, subjects=subjects)
    )
    focal0 = width * float(rng_misc.uniform(*FOCAL_PER_WIDTH)) * _focal_factor(spec)
    cam_c2w = path.cam_c2w @ shake_offsets(spec.shake_deg, path.times_s, rng_shake)
    bank = texture_bank()
    nuisances: dict[str, Any] = {}
    cache: dict[bytes, NDArray[np.float32]] = {}
    still_scene = not any(np.any(q.velocity_mps) for q in scene.quads)

    def frame(i: int) -> NDArray[np.float32]:
        intrinsic = pinhole_intrinsic(focal0 * path.focal_scale[i], width, height)
        key = np.round(np.r_[cam_c2w[i].ravel(), intrinsic.ravel()], 9).tobytes()
        if spec.rolling_shutter > 0:
            # each band of rows has its own pose: a frame back at an earlier frame's pose while
            # moving the other way (a move there and back) is skewed the other way
            bands = _band_path(spec, path.times_s[i], duration, height, fps)
            key = np.round(np.r_[bands.cam_c2w.ravel(), bands.focal_scale], 9).tobytes()
        if still_scene and key in cache:  # a camera back where it was (a move there and back)
            return cache[key]
        if spec.rolling_shutter > 0:
            img = _rolling_shutter_frame(spec, scene, bank, path.times_s[i], duration, focal0, size, fps)
        elif spec.lens_k1 != 0:
            img, margin = _distorted_frame(scene, bank, cam_c2w[i], intrinsic, size, spec.lens_k1, path.times_s[i])
            # the smallest over the shot's frames (a zoom changes it; the last frame's was reported)
            old = nuisances.get("distortion_margin_px", margin)
            nuisances["distortion_margin_px"] = [min(a, b) for a, b in zip(old, margin, strict=True)]
        else:
            img = render_frame(scene, bank, cam_c2w[i], intrinsic, width, height, float(path.times_s[i]), _SUPERSAMPLE)
        if still_scene:
            cache[key] = img
        return img

    rendered = np.stack([frame(i) for i in range(n_fine)])
    keep = np.arange(n) * sub
    world = _world_transform(rng_misc)
    intrinsic = np.stack([pinhole_intrinsic(focal0 * path.focal_scale[i], width, height) for i in keep])
    times = path.times_s[keep]
    centres = np.array([[np.add(s.centre_m, np.multiply(s.velocity_mps, t)) for s in subjects] for t in times])
    centres = centres.reshape(n, len(subjects), 3)
    if spec.large_subject:
        coverage = [
            _box_coverage(cam_c2w[k], intrinsic[j], centres[j, -1], subjects[-1].size_m, size)
            for j, k in enumerate(keep)
        ]
        nuisances["subject_coverage_min"] = round(min(coverage), 4)
    centres_world = centres @ world[:3, :3].T + world[:3, 3]
    sizes = np.array([s.size_m for s in subjects], dtype=np.float64).reshape(-1, 3)
    return _Shot(
        _shutter(rendered, sub),
        world @ cam_c2w[keep],
        intrinsic,
        times + t_offset,
        centres_world,
        sizes,
        world,
        nuisances,
    )


def _rolling_shutter_frame(
    spec: ClipSpec,
    scene: Scene,
    bank: TextureBank,
    frame_time_s: float,
    duration_s: float,
    focal0: float,
    size: tuple[int, int],
    fps: float,
) -> NDArray[np.float32]:
    """A frame whose rows are exposed at :func:`~camerabench.synth.nuisances.row_times`, each
    band of :data:`RS_BAND_ROWS` rows rendered with the camera pose and focal length of its
    middle row's instant (a band of rows is a pinhole image whose principal point is shifted)."""
    width, height = size
    out = np.empty((height, width, 3), dtype=np.float32)
    starts = list(range(0, height, RS_BAND_ROWS))
    mids = _band_times(spec, frame_time_s, height, fps)
    band_path = camera_path_at(spec, mids, duration_s)
    for j, r0 in enumerate(starts):
        r1 = min(height, r0 + RS_BAND_ROWS)
        k = pinhole_intrinsic(focal0 * band_path.focal_scale[j], width, height)
        k[1, 2] -= r0
        out[r0:r1] = render_frame(scene, bank, band_path.cam_c2w[j], k, width, r1 - r0, float(mids[j]), _SUPERSAMPLE)
    return out


def _band_times(spec: ClipSpec, frame_time_s: float, height: int, fps: float) -> NDArray[np.float64]:
    """The exposure instant of the middle row of each band of :data:`RS_BAND_ROWS` rows."""
    times = row_times(height, frame_time_s, spec.rolling_shutter / fps)
    return np.array([times[r0 : r0 + RS_BAND_ROWS].mean() for r0 in range(0, height, RS_BAND_ROWS)])


def _band_path(spec: ClipSpec, frame_time_s: float, duration_s: float, height: int, fps: float) -> CameraPath:
    """The camera of each band of rows of a rolling-shutter frame (:func:`_rolling_shutter_frame`)."""
    return camera_path_at(spec, _band_times(spec, frame_time_s, height, fps), duration_s)


def _distorted_frame(
    scene: Scene,
    bank: TextureBank,
    cam_c2w: NDArray[np.float64],
    intrinsic: NDArray[np.float64],
    size: tuple[int, int],
    k1: float,
    time_s: float,
) -> tuple[NDArray[np.float32], tuple[int, int]]:
    """A frame through a lens with radial distortion ``k1``: a pinhole render with a margin,
    resampled by ``cv2.remap`` (:func:`~camerabench.synth.nuisances.distortion_maps`)."""
    import cv2

    width, height = size
    mx, my = distortion_margin(intrinsic, width, height, k1)
    big = intrinsic.copy()
    big[0, 2] += mx
    big[1, 2] += my
    img = render_frame(scene, bank, cam_c2w, big, width + 2 * mx, height + 2 * my, time_s, _SUPERSAMPLE)
    map_x, map_y = distortion_maps(intrinsic, width, height, k1, (mx, my))
    out = cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, dtype=np.float32), (mx, my)


def _box_coverage(
    cam_c2w: NDArray[np.float64],
    intrinsic: NDArray[np.float64],
    centre_m: NDArray[np.float64],
    size_m: tuple[float, float, float],
    size: tuple[int, int],
) -> float:
    """Share of the frame covered by a box's front face (level frame; the camera looks along +z)."""
    import cv2

    width, height = size
    c = np.asarray(centre_m, dtype=np.float64)
    hx, hy, hz = (v / 2 for v in size_m)
    corners = c + np.array([[-hx, -hy, -hz], [hx, -hy, -hz], [hx, hy, -hz], [-hx, hy, -hz]])
    uv, depth = project_points(corners, cam_c2w, intrinsic)
    if np.any(depth <= 0):
        return 0.0
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(uv).astype(np.int32)], 1)
    return float(mask.mean())


def _shutter(rendered: NDArray[np.float32], sub: int) -> NDArray[np.float32]:
    """Average ``sub`` sub-frames centred on each frame (frame i is fine frame i * sub).

    An odd ``sub`` averages sub-frames ``i * sub - sub // 2`` to ``i * sub + sub // 2``. An even
    ``sub`` has no ``sub`` sub-frames centred on the frame: it averages the ``sub + 1`` from
    ``i * sub - sub // 2`` to ``i * sub + sub // 2`` with the two at the ends counting half each,
    an exposure of ``sub`` sub-frame intervals as long as an odd ``sub``'s (all ``sub + 1`` at
    full weight made it one sub-frame interval longer). At the clip's ends the sub-frames past
    them are left out.
    """
    if sub == 1:
        return rendered
    n = (len(rendered) - 1) // sub + 1
    half = sub // 2
    out = np.empty((n, *rendered.shape[1:]), dtype=np.float32)
    for i in range(n):
        lo, hi = max(0, i * sub - half), min(len(rendered), i * sub + half + 1)
        if sub % 2:
            out[i] = rendered[lo:hi].mean(axis=0)
            continue
        weights = np.ones(hi - lo, dtype=np.float32)
        if lo == i * sub - half:
            weights[0] = 0.5
        if hi - 1 == i * sub + half:
            weights[-1] = 0.5
        out[i] = np.tensordot(weights / weights.sum(), rendered[lo:hi], axes=1)
    return out


def _world_transform(rng: np.random.Generator) -> NDArray[np.float64]:
    """A random rigid map from the clip's level frame to its world frame (yaw about gravity +
    offset), so that ground truth never has the identity as first pose."""
    out = np.eye(4)
    out[:3, :3] = rot_y(float(rng.uniform(-180, 180)))
    out[:3, 3] = rng.uniform(-5, 5, size=3) * np.array([1, 0.2, 1])
    return out


def _clip_stem(index: int, spec: ClipSpec) -> str:
    return f"synth_{index:03d}_{spec.name.replace('+', '_and_')}"


def _render_indexed(job: tuple[ClipSpec, int, int, tuple[int, int], float, str]) -> tuple[int, dict[str, Any]]:
    """:func:`_render_job` with the clip's index (the pool returns clips as they finish)."""
    return job[2], _render_job(job)


def _render_job(job: tuple[ClipSpec, int, int, tuple[int, int], float, str]) -> dict[str, Any]:
    spec, seed, index, size, fps, out = job
    t0 = time.perf_counter()
    clip = render_clip(spec, seed, index, size, fps)
    t1 = time.perf_counter()
    root = Path(out)
    stem = _clip_stem(index, spec)
    write_video(root / "videos" / f"{stem}.mp4", clip.frames, float(spec.fps or fps), crf=spec.crf)
    starts = _shot_starts(clip)
    _save_gt_npz(root / "gt" / f"{stem}.npz", clip.trajectory, spec.lens_k1, starts)
    write_tum(root / "gt" / f"{stem}.txt", clip.trajectory)
    return {
        "frames": len(clip.frames),
        "gt_motion": gt_motion(clip.trajectory, starts),
        "shot": _shot(clip, f"{stem}.mp4", size).to_dict(),
        "nuisances": clip.nuisances,
        "render_s": t1 - t0,
        "write_s": time.perf_counter() - t1,
    }


#: The key of the lens's radial distortion coefficient (OpenCV's ``k1``, on the normalised
#: coordinates of the file's ``intrinsic``; 0.0: no lens distortion) in a clip's ground-truth npz.
#: Files written before it was recorded lack it (:func:`gt_lens_k1`).
GT_LENS_K1 = "lens_k1"


#: The key of a scene-cut clip's shot starts in its ground-truth npz: the frame indices where
#: each shot begins (``[0, cut]``), the poses of different shots being in unrelated world frames
#: (a camera pose across a cut is no motion). Written only for clips with a cut (the other clips'
#: files are as before, one shot); :data:`camerabench.eval.trajectory_error.GT_SHOT_STARTS` reads
#: it under the same name. :func:`~camerabench.trajectory_formats.load_npz` and
#: :attr:`~camerabench.trajectory.Trajectory.meta` do not carry it (their npz keys are the arrays,
#: ``scene_depth`` and the focal flag), and the TUM ``.txt`` beside it cannot: an older dataset's
#: cut is in its manifest (``nuisances.cut_frame``) only.
GT_SHOT_STARTS = "shot_starts"


def _shot_starts(clip: RenderedClip) -> list[int]:
    """The frame indices where the shots of a rendered clip start (``[0]``: no cut)."""
    cut = clip.nuisances.get("cut_frame")
    return [0] if cut is None else [0, int(cut)]


def _longest_shot(starts: list[int], n: int) -> tuple[int, int]:
    """``(start, stop)`` of the longest shot (the earliest among equals), as the ``fast``
    estimator picks the shot it estimates."""
    bounds = [*starts, n]
    lengths = np.diff(bounds)
    i = int(np.argmax(lengths))
    return bounds[i], bounds[i + 1]


def gt_motion(traj: Trajectory, starts: list[int]) -> dict[str, Any]:
    """The manifest's ``gt_motion`` of a clip whose shots start at frames ``starts``: the last
    frame relative to the first (:func:`~camerabench.synth.specs.relative_motion`); for a clip
    with a scene cut, of its longest shot, whose ``[start, stop)`` frames ``shot_frames`` gives
    (across the cut the two poses are in unrelated world frames: a 143 degree "pan" was reported)."""
    if len(starts) < 2:
        return relative_motion(traj.cam_c2w, traj.focal_px)
    start, stop = _longest_shot(starts, len(traj))
    focal = None if traj.focal_px is None else traj.focal_px[start:stop]
    return {**relative_motion(traj.cam_c2w[start:stop], focal), "shot_frames": [start, stop]}


def _save_gt_npz(path: Path, traj: Trajectory, lens_k1: float, starts: list[int]) -> None:
    """A clip's ground truth: the arrays :func:`~camerabench.trajectory_formats.save_npz` writes
    (``cam_c2w``, ``intrinsic``, ``timestamps``, read by
    :func:`~camerabench.trajectory_formats.load_npz`, which reads no other) and :data:`GT_LENS_K1`,
    the barrel distortion the frames were drawn through (``r_d = r (1 + k1 r^2)``): without it the
    frames could not be undistorted nor a method evaluated with the true camera model; and, for a
    clip with a scene cut, :data:`GT_SHOT_STARTS`."""
    assert traj.intrinsic is not None  # rendered clips always have intrinsics
    arrays: dict[str, Any] = {
        "cam_c2w": traj.cam_c2w,
        "timestamps": traj.timestamps,
        "intrinsic": traj.intrinsic,
        GT_LENS_K1: np.float64(lens_k1),
    }
    if len(starts) > 1:
        arrays[GT_SHOT_STARTS] = np.asarray(starts, dtype=np.int64)
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def gt_lens_k1(path: str | Path) -> float | None:
    """The lens distortion ``k1`` a synthetic clip's ground-truth npz records (0.0: none).

    Returns:
        None for a file written before the coefficient was recorded (camerabench before
        December 2026): unknown from the file; the dataset's ``manifest.json`` gives each clip's
        ``motion.lens_k1``.

    Raises:
        FileFormatError: the file is no npz archive, or its ``lens_k1`` is not one finite real number.
    """
    path = Path(path)
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise FileFormatError(path, "not an npz archive (a single .npy array?)")
        with data:
            if GT_LENS_K1 not in data.files:
                return None
            value = np.asarray(data[GT_LENS_K1])
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise FileFormatError(path, f"cannot read npz: {exc}") from exc
    if value.shape != () or value.dtype.kind not in "iuf" or not np.isfinite(value):
        raise FileFormatError(
            path,
            f"{GT_LENS_K1} must be one finite real number, got {value!r} (dtype {value.dtype}, shape {value.shape})",
        )
    return float(value)


def _shot(clip: RenderedClip, video: str, size: tuple[int, int]) -> ShotGeometry:
    traj = clip.trajectory
    assert traj.intrinsic is not None  # rendered clips always have intrinsics
    s = clip.tracked_subject
    return shot_geometry(
        video,
        traj.cam_c2w,
        traj.intrinsic,
        size,
        clip.level_to_world,
        None if s is None else clip.subject_centres_m[:, s],
        None if s is None else clip.subject_sizes_m[s],
    )


def _worker_init() -> None:
    """Set up a render process: one OpenCV thread, and Ctrl-C left to the main process.

    A Ctrl-C reaches every process of the terminal's process group: the workers printed a
    ``KeyboardInterrupt`` traceback each before the main process's one "interrupted" line. The
    main process stops the pool (:func:`_render_pool`); the workers ignore the signal, as the
    predict workers do (:mod:`camerabench.jobs.workers`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)


@contextlib.contextmanager
def _render_pool(n_workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of ``n_workers`` render processes (spawned: safe even if the caller holds threads,
    as torch does) that take no SIGINT from their first instruction on; terminated on the way out
    (a Ctrl-C, a clip that failed).

    :func:`_worker_init` runs only after a spawned worker has imported this module (a second or
    more), and a Ctrl-C in that time printed an import's ``KeyboardInterrupt`` traceback. The
    workers are started with SIGINT blocked (a blocked signal stays blocked across ``exec``). A
    Ctrl-C meanwhile still reaches this process (through a thread that does not block it, such as
    OpenBLAS's): from the main thread it is noted, and raised once the pool is held (so the pool
    is terminated), not in the middle of starting it.
    """
    from multiprocessing import resource_tracker

    ctx = multiprocessing.get_context("spawn")
    blocks = hasattr(signal, "pthread_sigmask")
    if blocks:
        resource_tracker.ensure_running()  # now: starting it (with the first worker) unblocks SIGINT again
    # only the main thread may change a handler (and one set outside Python cannot be put back)
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    caught: list[int] = []
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocks else None
    if handler is not None:
        signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))

    def restore() -> None:
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # one still pending is raised now
        if caught and callable(handler):
            handler(signal.SIGINT, None)  # the Ctrl-C noted while the workers started
        elif caught and handler == signal.SIG_DFL:
            raise KeyboardInterrupt

    try:
        pool = ctx.Pool(n_workers, initializer=_worker_init)
    except BaseException:
        restore()
        raise
    with pool:
        restore()
        yield pool


#: Largest frame side rendered (4K UHD width): beyond it one frame alone takes over a gigabyte to
#: ray-cast, which is a typing error rather than a benchmark.
MAX_SIDE = 4096
#: Highest frame rate (high-speed consumer cameras): a clip is CLIP_DURATION_S long, so the frame
#: count grows with it. The same bound as a clip's own rate (``specs.MAX_CLIP_FPS``).
MAX_FPS = MAX_CLIP_FPS
#: Lowest frame rate: 2 frames per CLIP_DURATION_S clip at least. Below it a clip still got 2
#: frames, the second one 1 / fps seconds along the camera path (1e300 s at 1e-300 fps), far past
#: the clip whose motion its labels describe. (``specs.MIN_CLIP_FPS``)
MIN_FPS = MIN_CLIP_FPS


#: Most clips one dataset may hold: the preset's full set plus random extras, each a rendered video.
MAX_CLIPS = 10_000
#: Largest seed: numpy's and torch's generators take 64 bits. A 5000-digit seed rendered every
#: clip and then failed writing the labels (Python turns no integer that long into text).
MAX_SEED = 2**64 - 1
#: Share of the machine's memory (:func:`_memory_bytes`) one clip may take to render.
MEMORY_SHARE = 0.5
#: Memory assumed where the operating system does not say (no ``os.sysconf``).
FALLBACK_MEMORY_BYTES = 8 * 2**30
# Most frames one clip may have: ``specs.MAX_CLIP_FRAMES`` (the hard preset's longest clip at
# :data:`MAX_FPS` has 7200), imported above.


def _frame_count(spec: ClipSpec, fps: float) -> int:
    """The number of frames of ``spec`` at the dataset's ``fps`` (the clip's own ``fps`` and
    ``duration_s``, when set, win).

    Raises:
        CameraBenchError: fewer than 2 frames (a clip of 0.01 s at 10 fps got 2 frames 0.1 s
            apart, past the clip's end, labelled with its whole move) or more than
            :data:`MAX_CLIP_FRAMES`.
    """
    rate = float(spec.fps or fps)
    duration = float(spec.duration_s or CLIP_DURATION_S)
    exact = duration * rate
    if not exact < MAX_CLIP_FRAMES + 0.5:  # inf too
        raise CameraBenchError(
            f"clip {spec.name!r}: {duration:g} s at {rate:g} fps is {exact:.4g} frames, more than {MAX_CLIP_FRAMES}"
        )
    n = round(exact)
    if n < 2:
        raise CameraBenchError(
            f"clip {spec.name!r}: {duration:g} s at {rate:g} fps is {n} frame(s); a clip needs at least 2 "
            f"(duration_s times fps of at least 1.5)"
        )
    return n


def _memory_bytes() -> tuple[int, str]:
    """This machine's physical memory in bytes, and where the number comes from."""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names and "SC_PAGE_SIZE" in os.sysconf_names:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        if total > 0:
            return int(total), "this machine's"
    return FALLBACK_MEMORY_BYTES, "the assumed (the system does not say how much it has)"


def _memory_limit() -> tuple[int, str]:
    """Most bytes one clip may take to render (:data:`MEMORY_SHARE` of :func:`_memory_bytes`)."""
    total, source = _memory_bytes()
    return int(total * MEMORY_SHARE), f"{MEMORY_SHARE:.0%} of {source} {total / 2**30:.3g} GiB of memory"


def _clip_bytes(spec: ClipSpec, size: tuple[int, int], fps: float) -> int:
    """About the most memory (bytes) rendering ``spec`` takes: float32 RGB frames, each rendered
    (motion-blur sub-frames included) held twice (the list and its stack), three copies of the
    clip's frames while exposure, flicker and noise apply, and some frames' worth of transient
    buffers (measured with ``tracemalloc``: 4 frames per frame for a plain clip, 2.25 per
    sub-frame under motion blur)."""
    n = _frame_count(spec, fps)
    n_fine = (n - 1) * max(1, spec.motion_blur) + 1
    width, height = size
    return (2 * n_fine + 3 * n + 20) * width * height * 3 * 4


def _check_clip_memory(spec: ClipSpec, size: tuple[int, int], fps: float) -> int:
    """Refuse a clip that would take more memory to render than :func:`_memory_limit` allows
    (a 4096x4096 clip at 240 fps was rendered until the system killed it); returns its estimate.

    Raises:
        CameraBenchError: naming the clip, its frames, the size, the estimate and the limit.
    """
    need = _clip_bytes(spec, size, fps)
    limit, what = _memory_limit()
    if need > limit:
        n = _frame_count(spec, fps)
        raise CameraBenchError(
            f"clip {spec.name!r}: {n} frames of {size[0]}x{size[1]} at {float(spec.fps or fps):g} fps would take "
            f"about {need / 2**30:.3g} GiB of memory to render, more than {what}; use a smaller --size or a "
            f"lower --fps"
        )
    return need


def _parse_size(size: tuple[int, int]) -> tuple[int, int]:
    values = tuple(size) if isinstance(size, tuple | list) else ()
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise CameraBenchError(f"frame size must be two integers (width, height), got {size!r}")
    width, height = values
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise CameraBenchError(f"frame size must be even and at least 16x16, got {width}x{height}")
    if max(width, height) > MAX_SIDE:
        raise CameraBenchError(f"frame size {width}x{height} is larger than {MAX_SIDE} pixels on a side")
    _check_fov(width, height)
    return width, height


def _check_arguments(clips: int | None, seed: int, fps: float, workers: int | None) -> None:
    """Reject values that cannot make a dataset, before anything is written."""
    if clips is not None and (isinstance(clips, bool) or not isinstance(clips, int) or clips < 1):
        raise CameraBenchError(f"clips must be an integer >= 1, got {clips!r}")
    if clips is not None and clips > MAX_CLIPS:
        raise CameraBenchError(f"clips must be at most {MAX_CLIPS}, got {clips}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CameraBenchError(f"seed must be an integer >= 0, got {seed!r}")
    if seed > MAX_SEED:  # (a 5000-digit number is not written out: Python refuses to)
        raise CameraBenchError(f"seed must be at most 2**64 - 1 = {MAX_SEED}, got a {seed.bit_length()}-bit integer")
    if not isinstance(fps, int | float) or isinstance(fps, bool) or not math.isfinite(fps) or not 0 < fps <= MAX_FPS:
        raise CameraBenchError(f"fps must be a finite number in [{MIN_FPS:g}, {MAX_FPS:g}], got {fps!r}")
    if fps < MIN_FPS:
        raise CameraBenchError(
            f"fps must be at least {MIN_FPS:g} (2 frames in a {CLIP_DURATION_S:g} s clip), got {fps:g}"
        )
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise CameraBenchError(f"workers must be an integer >= 1, got {workers!r}")


_INCOMPLETE = SYNTH_INCOMPLETE_FILE  # marks a folder whose generation has not finished


def _check_out(out: Path) -> bool:
    """Whether ``out`` holds an earlier synthetic dataset (False: missing or empty).

    Raises:
        CameraBenchError: ``out`` is a file, or a folder holding anything else (the user's
            files are never deleted); ``out`` runs through a link loop, or is a path too long.
    """
    check_lookable(out)  # a path too long: exists() raised a bare OSError traceback
    if out.exists() and not out.is_dir():
        raise CameraBenchError(f"{out}: is a file, not a folder")
    outer = _enclosing_dataset(out)
    if outer is not None:
        # regenerating the outer dataset deleted this one with its labels/ or videos/ folder
        raise CameraBenchError(f"{out}: is inside the synthetic dataset folder {outer}; choose a folder outside it")
    if not out.exists() or all(p.name == LOCK_FILE for p in out.iterdir()):
        return False
    manifest = out / "manifest.json"
    data = read_json(manifest) if manifest.is_file() else None
    ours = (isinstance(data, dict) and data.get("generator") == GENERATOR) or (out / _INCOMPLETE).is_file()
    if not ours:
        raise CameraBenchError(f"{out}: folder exists and is not a synthetic dataset; refusing to overwrite it")
    foreign = _foreign_files(out)
    if foreign:
        # regenerating deleted them with the folder (a user's own video put into videos/)
        shown = ", ".join(str(p.relative_to(out)) for p in foreign[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        raise CameraBenchError(
            f"{out}: holds a synthetic dataset whose folders also hold {len(foreign)} file(s) the generator does not "
            f"write ({shown}{more}); regenerating there would delete them: move them out or choose another folder"
        )
    return True


#: the hidden folder of an unfinished generation: the options it was started with
#: (:data:`_OPTIONS_RECORD`) and one record per clip it finished (``000.json``: the digest of those
#: options, the hashes of the clip's files and what the labels need of its render), written after
#: the clip's files; removed when the dataset is finished
_PROGRESS = ".camerabench-synth-progress"
_OPTIONS_RECORD = "options.json"
#: what the generator writes into the progress folder
_PROGRESS_FILE = re.compile(r"\d{3,}\.json|" + re.escape(_OPTIONS_RECORD))
#: the temporary file an interrupted atomic write left (:func:`camerabench.fileio.atomic_open`)
_ATOMIC_TEMP = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")
#: the temporary file a killed atomic write of the manifest or the incomplete marker left in the
#: dataset folder itself (only those: the folder may hold the user's own files)
_ROOT_TEMP = re.compile(r"\.(manifest\.json|" + re.escape(SYNTH_INCOMPLETE_FILE) + r")\.[0-9a-f]{8}\.tmp")
#: what a clip's record keeps of its render statistics (what the labels and manifest are made from)
_RECORDED_STATS = ("frames", "gt_motion", "shot", "nuisances")


#: what the generator writes into each subfolder of a dataset (file names; ``labels/`` has subfolders)
_OWN_FILES = {
    _PROGRESS: _PROGRESS_FILE,
    "videos": re.compile(r"synth_\d{3,}_[A-Za-z0-9_+-]+\.mp4"),
    "gt": re.compile(r"synth_\d{3,}_[A-Za-z0-9_+-]+\.(npz|txt)"),
    "labels": re.compile(r"[A-Za-z0-9_+-]+\.(json|jsonl|tsv)"),
}
#: a temporary file an interrupted atomic write left (:func:`camerabench.fileio.atomic_open`), or
#: what a file browser leaves in every folder it shows (macOS Finder's ``.DS_Store`` and ``._*``
#: resource forks, Windows Explorer's ``Thumbs.db`` and ``desktop.ini``): not a user's work
_HOUSEKEEPING_FILE = re.compile(r"\..+\.[0-9a-f]{8}\.tmp|\.DS_Store|\._.+|Thumbs\.db|desktop\.ini")


def _foreign_files(out: Path) -> list[Path]:
    """Files in ``out``'s ``videos/``, ``gt/`` and ``labels/`` (which regenerating deletes) that
    the generator does not write: other names, links, pipes, sockets or devices (a FIFO under a
    clip's or a progress record's name was taken for the generator's: resuming rendered the
    clip, then could not write over it), or folders in ``videos/`` and ``gt/``."""
    foreign: list[Path] = []
    for sub, pattern in _OWN_FILES.items():
        folder = out / sub
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            foreign.append(folder)
            continue
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                if sub != "labels":
                    foreign.append(path)
                continue
            if (
                path.is_symlink()
                or not path.is_file()
                or not (pattern.fullmatch(path.name) or _HOUSEKEEPING_FILE.fullmatch(path.name))
            ):
                foreign.append(path)
    return foreign


def _enclosing_dataset(out: Path) -> Path | None:
    """The nearest folder above ``out`` that holds a synthetic dataset (complete or interrupted), if any."""
    for parent in resolve_path(out).parents:  # a link loop on the way: an error naming it
        if (parent / _INCOMPLETE).is_file() or ((parent / "manifest.json").is_file() and (parent / "labels").is_dir()):
            return parent
    return None


def _describe_existing(manifest: Path) -> str:
    """What an earlier synthetic dataset's manifest says it is, for the notice that replaces it."""
    data = read_json(manifest) if manifest.is_file() else None
    if not isinstance(data, dict):
        return "an interrupted generation"
    options = data.get("options")
    if not isinstance(options, dict):
        options = {}
    return f"preset {options.get('preset')!r}, seed {data.get('seed')!r}, {options.get('clips')!r} clips"


def _run_options(specs: list[ClipSpec], seed: int, preset: str, size: tuple[int, int], fps: float) -> dict[str, Any]:
    """Everything a clip's files depend on: a generation is resumed only under the same options.

    ``specs`` (each clip's every field, the knobs and the lens included) enter as one hash; the
    number of workers does not enter (it does not change a byte of the output)."""
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "package_version": __version__,
        "preset": preset,
        "seed": seed,
        "clips": len(specs),
        "width": size[0],
        "height": size[1],
        "fps": float(fps),
        "duration_s": CLIP_DURATION_S,
        "supersample": _SUPERSAMPLE,
        "specs_sha256": hashlib.sha256("\n".join(repr(spec) for spec in specs).encode()).hexdigest(),
    }


def _options_digest(options: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()


def _clip_files(index: int, spec: ClipSpec) -> list[str]:
    """The files a clip's render writes, relative to the dataset folder."""
    stem = _clip_stem(index, spec)
    return [f"videos/{stem}.mp4", f"gt/{stem}.npz", f"gt/{stem}.txt"]


def _sha256(path: Path) -> str:
    """The SHA-256 of the regular file ``path``, opened without following a link and without
    waiting on a pipe (one put there meanwhile is an :class:`OSError`, not a hang)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        digest = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _clip_record(out: Path, digest: str, index: int, spec: ClipSpec, stats: Mapping[str, Any]) -> dict[str, Any]:
    """Record that clip ``index`` is finished (after its files were written, each atomically):
    the hashes of its files, and its statistics as the labels use them (returned: read back
    from JSON, so that a clip rendered now and one kept from an interrupted run give the same
    labels, byte for byte)."""
    kept = json.loads(json.dumps({k: stats[k] for k in _RECORDED_STATS}))
    record = {
        "options_sha256": digest,
        "index": index,
        "files": {name: _sha256(out / name) for name in _clip_files(index, spec)},
        "stats": kept,
    }
    atomic_write_text(out / _PROGRESS / f"{index:03d}.json", json.dumps(record) + "\n")
    return dict(kept)


def _check_record(out: Path, digest: str, index: int, spec: ClipSpec, fps: float) -> tuple[dict[str, Any] | None, str]:
    """A finished clip's statistics from its record, or None and why it cannot be kept."""
    path = out / _PROGRESS / f"{index:03d}.json"
    if not path.is_file():
        return None, ""  # not finished: rendered now (not a problem)
    try:
        record = json.loads(read_text(path))
    except (FileFormatError, json.JSONDecodeError) as exc:
        return None, f"{path.name}: {exc}"
    if not isinstance(record, dict) or record.get("options_sha256") != digest or record.get("index") != index:
        return None, f"{path.name}: not a record of this clip under these options"
    files = record.get("files")
    if not isinstance(files, dict) or sorted(files) != sorted(_clip_files(index, spec)):
        return None, f"{path.name}: does not list the clip's files"
    for name, expected in files.items():
        if not (out / name).is_file():
            return None, f"{name} is missing"
        try:
            found = _sha256(out / name)
        except OSError as exc:
            return None, f"{name} cannot be read ({exc.strerror or exc})"
        if found != expected:
            return None, f"{name} is not the file that was written (its SHA-256 differs)"
    stats = record.get("stats")
    if not isinstance(stats, dict) or sorted(stats) != sorted(_RECORDED_STATS):
        return None, f"{path.name}: its statistics are not the generator's"
    why = _check_stats(out, index, spec, fps, stats)
    return (None, f"{path.name}: {why}") if why else (stats, "")


def _as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _check_stats(out: Path, index: int, spec: ClipSpec, fps: float, stats: Mapping[str, Any]) -> str:
    """Why a record's statistics cannot be the clip's (empty: they can): the labels and the
    manifest are made from them, so a malformed ``shot`` stopped every rerun with a ``KeyError``
    after the rendering, and frames or a motion that disagree with the clip's ground truth were
    written into the manifest. What the clip's files tell (its frames, its motion) is checked
    against them; the rest (``shot``, ``nuisances``) against the generator's form."""
    frames = stats["frames"]
    if isinstance(frames, bool) or not isinstance(frames, int) or frames != _frame_count(spec, fps):
        return f"its frame count {frames!r} is not the clip's {_frame_count(spec, fps)}"
    if not isinstance(stats["nuisances"], dict):
        return f"its nuisances are {type(stats['nuisances']).__name__}, not an object"
    shot = stats["shot"]
    video = f"{_clip_stem(index, spec)}.mp4"
    try:
        if not isinstance(shot, dict) or _as_json(ShotGeometry.from_dict(shot).to_dict()) != _as_json(shot):
            return "its shot geometry is not the generator's"
    except (KeyError, TypeError, ValueError, CameraBenchError) as exc:
        return f"its shot geometry is not the generator's ({type(exc).__name__}: {exc})"
    if shot["video"] != video:
        return f"its shot geometry is of {shot['video']!r}, not {video!r}"
    gt = out / "gt" / f"{_clip_stem(index, spec)}.npz"
    try:
        with np.load(gt, allow_pickle=False) as data:
            traj = Trajectory(data["cam_c2w"], data["intrinsic"], data["timestamps"])
            starts = [int(v) for v in data[GT_SHOT_STARTS]] if GT_SHOT_STARTS in data.files else [0]
    except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        return f"gt/{gt.name} cannot be read ({exc})"
    if len(traj) != frames:
        return f"its frame count {frames} is not the {len(traj)} poses of gt/{gt.name}"
    cut = stats["nuisances"].get("cut_frame")
    if starts != ([0] if cut is None else [0, cut]):
        return f"the shot starts {starts} of gt/{gt.name} are not those of its cut ({cut})"
    motion = json.loads(json.dumps(gt_motion(traj, starts)))
    if _as_json(motion) != _as_json(stats["gt_motion"]):
        return f"its gt_motion is not the motion of gt/{gt.name}"
    return ""


def _resume_refusal(out: Path, options: Mapping[str, Any]) -> str | None:
    """Why the interrupted generation in ``out`` cannot be resumed with ``options`` (None: it can)."""
    path = out / _PROGRESS / _OPTIONS_RECORD
    if not path.is_file():
        return "its options were not recorded (camerabench before December 2026, or stopped before its first clip)"
    try:
        recorded = read_json(path)
    except FileFormatError as exc:
        return f"its options cannot be read: {exc}"
    if not isinstance(recorded, dict):
        return f"{path}: its options are not a JSON object"
    changed = [
        f"{key} {recorded.get(key)!r}, now {value!r}" for key, value in options.items() if recorded.get(key) != value
    ]
    if changed:
        return f"it was started with other options ({'; '.join(changed)})"
    return None


#: the manifest's keys that let a rerun keep a finished dataset (:func:`_finished_refusal`): the
#: digest of the run's options (:func:`_run_options`: every clip's spec, the generator's and the
#: package's versions included) and the SHA-256 of every file the generator wrote but the
#: manifest (relative paths). Hashing the standard preset's (seed 0, 320x192, 10 fps: 248 files,
#: 6.3 MB) took 0.011 s, against 23.5 s to render its 57 clips (measured on 2 cores): a rerun
#: of ``camerabench synth`` took 0.57 s, its imports included, against 24.1 s.
MANIFEST_OPTIONS_SHA256 = "options_sha256"
MANIFEST_FILES_SHA256 = "files_sha256"
#: the SHA-256 of the manifest's own content (every other key: :func:`_manifest_digest`), so that a
#: rerun does not keep a manifest edited by hand (its labels, knobs and ground-truth motion are what
#: the evaluation reads; red team R75 changed a clip's knobs in it and the rerun kept it).
MANIFEST_SHA256 = "manifest_sha256"


def _manifest_digest(manifest: Mapping[str, Any]) -> str:
    """The SHA-256 of ``manifest`` without its :data:`MANIFEST_SHA256` key, as canonical JSON (keys
    sorted; insensitive to the file's layout, so re-indenting it is not an edit)."""
    content = {k: v for k, v in manifest.items() if k != MANIFEST_SHA256}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _dataset_files(out: Path) -> list[str]:
    """The files of the generator's kinds in ``out``'s ``videos/``, ``gt/`` and ``labels/``
    (relative paths, sorted; temporary files and a file browser's leave out): what a finished
    dataset's manifest lists."""
    found: list[str] = []
    for sub in ("videos", "gt", "labels"):
        pattern = _OWN_FILES[sub]
        for path in sorted((out / sub).rglob("*")) if (out / sub).is_dir() else []:
            if pattern.fullmatch(path.name) and not _HOUSEKEEPING_FILE.fullmatch(path.name) and path.is_file():
                found.append(path.relative_to(out).as_posix())
    return sorted(found)


def _finished_refusal(out: Path, options: Mapping[str, Any]) -> str | None:
    """Why the finished dataset in ``out`` is not the one ``options`` make, byte for byte (None:
    it is, and a rerun has nothing to do): its manifest's options, versions and options digest,
    the files it lists (no more, no fewer) and each one's SHA-256."""
    try:
        manifest = read_json(out / "manifest.json")
    except FileFormatError as exc:
        return f"its manifest cannot be read: {exc}"
    if not isinstance(manifest, dict):
        return "its manifest is not a JSON object"
    recorded = manifest.get("options")
    recorded = dict(recorded) if isinstance(recorded, dict) else {}
    for key in ("generator", "generator_version", "package_version", "seed"):
        recorded[key] = manifest.get(key)
    changed = [
        f"{key} {recorded[key]!r}, now {value!r}"
        for key, value in options.items()
        if key in recorded and recorded[key] != value
    ]
    if changed:
        return f"it was generated with other options ({'; '.join(changed)})"
    digest = manifest.get(MANIFEST_OPTIONS_SHA256)
    files = manifest.get(MANIFEST_FILES_SHA256)
    if digest is None or files is None:
        return "its manifest records no digest of its options and files (camerabench before round 54)"
    own = manifest.get(MANIFEST_SHA256)
    if own is None:
        return "its manifest records no digest of itself (camerabench before round 55)"
    if own != _manifest_digest(manifest):
        return "its manifest.json was edited since it was written (its content's SHA-256 differs)"
    if digest != _options_digest(options):
        return "its clips were specified otherwise (the digest of its options differs: another camerabench)"
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return f"its manifest's {MANIFEST_FILES_SHA256} is not an object of SHA-256 digests"
    present = _dataset_files(out)
    missing = sorted(set(files) - set(present))
    if missing:
        return f"{len(missing)} file(s) it lists are missing ({', '.join(missing[:3])})"
    extra = sorted(set(present) - set(files))
    if extra:
        return f"it holds {len(extra)} file(s) its manifest does not list ({', '.join(extra[:3])})"
    for name in present:
        try:
            found = _sha256(out / name)
        except OSError as exc:
            return f"{name} cannot be read ({exc.strerror or exc})"
        if found != files[name]:
            return f"{name} is not the file that was written (its SHA-256 differs)"
    return None


def _prepare_out(out: Path, specs: list[ClipSpec], options: Mapping[str, Any]) -> dict[int, dict[str, Any]] | None:
    """Create ``out``, resuming an interrupted generation there under the same ``options`` or
    replacing an earlier (complete or interrupted) synthetic dataset; returns the statistics of
    the clips kept (by index), or None when ``out`` already holds the finished dataset these
    ``options`` make (:func:`_finished_refusal`: nothing to do, nothing is touched).

    Called with the folder's lock held (:func:`generate_dataset`).

    Raises:
        CameraBenchError: ``out`` holds anything else (the user's files are never deleted).
    """
    if _check_out(out):
        manifest = out / "manifest.json"
        interrupted = (out / _INCOMPLETE).is_file()
        why = _resume_refusal(out, options) if interrupted else _finished_refusal(out, options)
        if why is None:
            if not interrupted:
                return None
            return _resume(out, specs, _options_digest(options), float(options["fps"]))
        log.warning(
            "%s: replacing the synthetic dataset there (%s): %s%s",
            out,
            _describe_existing(manifest),
            why,
            ", so none of its clips are kept" if interrupted else ", so every clip is rendered again",
        )
        for sub in ("videos", "gt", "labels", _PROGRESS):
            if (out / sub).exists():
                shutil.rmtree(out / sub)
        manifest.unlink(missing_ok=True)
        _remove_root_temps(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / _INCOMPLETE, f"{GENERATOR}: generation started, not finished\n")
    write_json(out / _PROGRESS / _OPTIONS_RECORD, dict(options))
    return {}


def _remove_root_temps(out: Path) -> None:
    """Remove what a kill while the manifest (or the incomplete marker) was written left in
    ``out`` (a finished dataset held it, unlike an uninterrupted one)."""
    for path in out.iterdir():
        if _ROOT_TEMP.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink()


def _resume(out: Path, specs: list[ClipSpec], digest: str, fps: float) -> dict[int, dict[str, Any]]:
    """Keep the clips an interrupted generation under the same options finished (each checked
    against its record); the labels, the manifest and any temporary file are removed (written
    again at the end)."""
    kept: dict[int, dict[str, Any]] = {}
    refused: list[str] = []
    for index, spec in enumerate(specs):
        stats, why = _check_record(out, digest, index, spec, fps)
        if stats is not None:
            kept[index] = stats
        elif why:
            (out / _PROGRESS / f"{index:03d}.json").unlink()  # rendered again, and recorded again
            refused.append(f"clip {index}: {why}")
    if (out / "labels").exists():
        shutil.rmtree(out / "labels")
    (out / "manifest.json").unlink(missing_ok=True)
    for sub in ("videos", "gt", _PROGRESS):
        if (out / sub).is_dir():
            for path in (out / sub).iterdir():
                if _ATOMIC_TEMP.fullmatch(path.name) and path.is_file():
                    path.unlink()
    _remove_root_temps(out)
    log.warning(
        "%s: resuming the interrupted generation there (same options): keeping %d of %d clips already rendered, "
        "rendering the other %d",
        out,
        len(kept),
        len(specs),
        len(specs) - len(kept),
    )
    if refused:
        log.warning(
            "%s: rendering again %d clip(s) whose record does not check out: %s",
            out,
            len(refused),
            "; ".join(refused[:5]),
        )
    return kept


def generate_dataset(
    out: str | Path,
    clips: int | None = None,
    seed: int = DEFAULT_SEED,
    preset: str = DEFAULT_PRESET,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: float = DEFAULT_FPS,
    workers: int | None = None,
) -> Path:
    """Render a synthetic dataset folder.

    Args:
        out: the dataset folder (created). An interrupted generation there with the same
            options (all but ``workers``) is resumed: the clips it finished are kept, each checked
            against the record written after its files, and the dataset ends byte for byte the
            same as an uninterrupted one. A finished dataset made with the same options by the
            same generator (its manifest's options and digests, every file it lists checked by
            SHA-256) is kept as it is: nothing is rendered. Any other synthetic dataset there is
            replaced, the log saying why.
        clips: number of clips (default: the preset's full set).
        seed: random seed; the same seed and options give identical labels and frames.
        preset: ``standard`` or ``hard``.
        size: (width, height) in pixels, even.
        fps: frame rate.
        workers: render processes (default: all cores; 1 renders in this process).

    Returns:
        The dataset folder.
    """
    out = Path(out)
    _check_arguments(clips, seed, fps, workers)
    width, height = _parse_size(size)
    try:
        # the lens knob's k1 scaled for the frame's aspect ratio (recorded in the manifest and gt/)
        specs = preset_specs(preset, clips, seed, (width, height))
    except ValueError as exc:
        raise CameraBenchError(str(exc)) from exc
    needs: list[int] = []  # the memory each clip takes to render
    for spec in specs:
        n = _frame_count(spec, fps)
        if spec.scene_cut and n < 4:
            raise CameraBenchError(
                f"fps {fps:g} gives {spec.name!r} {n} frames; a scene cut needs at least 4 "
                f"(fps >= {4 / CLIP_DURATION_S:g})"
            )
        if spec.knobs.get("low_fps_fast_motion") and spec.fps is not None and spec.fps >= fps:
            # red team R61: at --fps 2 the "low frame rate" clip had the dataset's highest rate, and its
            # knob's AP measured the opposite of its name
            raise CameraBenchError(
                f"fps {fps:g}: the {preset} preset's low-frame-rate clip {spec.name!r} is rendered at "
                f"{spec.fps:g} fps, which must be below the dataset's rate for its knob (low_fps_fast_motion) "
                f"to mean what it says; "
                f"use fps above {spec.fps:g} (the default is {DEFAULT_FPS:g})"
            )
        needs.append(_check_clip_memory(spec, (width, height), fps))
        _check_clip_fov(spec, (width, height), float(spec.fps or fps), n)  # before anything is written
    _check_out(out)  # before the lock file is created: a foreign folder gets nothing of ours
    options = _run_options(specs, seed, preset, (width, height), fps)
    digest = _options_digest(options)
    with FolderLock(out, what="synthetic dataset folder"):  # one generator at a time
        done = _prepare_out(out, specs, options)  # the clips an interrupted run finished, by index
        if done is None:
            log.info("%s already holds this dataset (%d clips, same options); nothing to do", out, len(specs))
            return out
        jobs = [(spec, seed, i, (width, height), float(fps), str(out)) for i, spec in enumerate(specs) if i not in done]
        n_workers = max(1, min(workers or usable_cpus(), len(jobs)))
        limit, what = _memory_limit()
        # each worker renders one clip at a time: the largest clips at once must fit
        largest = np.cumsum(sorted((needs[job[2]] for job in jobs), reverse=True)) if jobs else np.zeros(1)
        fit = max(1, int(np.searchsorted(largest, limit, side="right")))
        if n_workers > fit:
            log.warning(
                "rendering with %d worker(s), not %d: the %d largest clips take about %.3g GiB to render at once, "
                "more than %s",
                fit,
                n_workers,
                fit + 1,
                largest[fit] / 2**30,
                what,
            )
            n_workers = fit
        t0 = time.perf_counter()
        log.info(
            "rendering %d %s clips at %dx%d, %g fps with %d worker(s) into %s",
            len(jobs),
            preset,
            width,
            height,
            fps,
            n_workers,
            out,
        )
        stats: dict[int, dict[str, Any]] = dict(done)
        frames = 0
        every = max(1, len(jobs) // 10)

        def progress(index: int, st: dict[str, Any]) -> None:
            nonlocal frames
            stats[index] = _clip_record(out, digest, index, specs[index], st)
            frames += st["frames"]
            rendered = len(stats) - len(done)
            if rendered % every == 0 or rendered == len(jobs):
                log.info("rendered %d/%d clips (%.0f s)", rendered, len(jobs), time.perf_counter() - t0)

        try:
            if n_workers == 1:
                for job in jobs:
                    progress(job[2], _render_job(job))
            elif jobs:
                with _render_pool(n_workers) as pool:
                    for index, st in pool.imap_unordered(_render_indexed, jobs):
                        progress(index, st)
        except (KeyboardInterrupt, SystemExit):  # SystemExit: SIGTERM under the command line (cli.Terminated)
            log.warning(
                "%s: %d of %d clips are finished; the same command again keeps them and renders the rest",
                out,
                len(stats),
                len(specs),
            )
            raise
        elapsed = time.perf_counter() - t0
        _write_labels(out, specs, seed, preset, (width, height), fps, [stats[i] for i in range(len(specs))], digest)
        # finished once the manifest is written: a kill while the records are removed leaves a
        # dataset that is (the marker removed first; the other way round a finished dataset was
        # taken for one that had recorded no options, and every clip rendered again)
        (out / _INCOMPLETE).unlink()
        shutil.rmtree(out / _PROGRESS)
        log.info(
            "wrote %d clips (%d rendered now: %d frames in %.1f s, %.1f frames/s)",
            len(specs),
            len(jobs),
            frames,
            elapsed,
            frames / max(elapsed, 1e-9),
        )
        return out


def _write_labels(
    out: Path,
    specs: list[ClipSpec],
    seed: int,
    preset: str,
    size: tuple[int, int],
    fps: float,
    stats: list[dict[str, Any]],
    options_digest: str,
) -> None:
    """Write the labels, then the manifest (last: a dataset is finished once it is there), which
    records ``options_digest`` and the SHA-256 of every file (the clips' from their progress
    records, checked or written this run; the labels' hashed here)."""
    clips: list[SynthClip] = []
    for i, spec in enumerate(specs):
        video = f"{_clip_stem(i, spec)}.mp4"
        clips.append(SynthClip(video, spec, derive_labels(raw_annotation(spec))))
    labels_dir = out / "labels"
    records = binary_records({c.video: c.labels for c in clips})
    for prim, recs in records.items():
        write_binary_file(labels_dir / "binary_classification" / prim.file, recs)
    for (folder, task), pairs in vqa_pairs(clips).items():
        write_vqa_file(labels_dir / "vqa_and_retrieval" / folder / f"{task}.jsonl", pairs)
    write_caption_file(labels_dir / "caption_data.json", caption_items(clips, CAPTION_QUESTION))
    mcq_rows, mcq_skipped = camera_movement_rows_and_skips([(c.video, c.labels) for c in clips], seed)
    if mcq_rows:
        write_mcq_table(labels_dir / "shotbench" / f"{MCQ_TABLE}.tsv", mcq_rows)
    shots = [ShotGeometry.from_dict(st["shot"]) for st in stats]
    shot, shot_skipped = shot_rows_and_skips(shots, seed)
    if shot:
        write_mcq_table(labels_dir / "shotbench" / f"{SHOT_TABLE}.tsv", shot)
    coverage = {
        MCQ_TABLE: _movement_coverage(clips, mcq_rows, mcq_skipped),
        SHOT_TABLE: _shot_coverage(shots, shot, shot_skipped),
    }
    _log_coverage(coverage)
    manifest = {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "package_version": __version__,
        "seed": seed,
        "options": {
            "preset": preset,
            "clips": len(specs),
            "width": size[0],
            "height": size[1],
            "fps": fps,
            "duration_s": CLIP_DURATION_S,
            "supersample": _SUPERSAMPLE,
        },
        "conventions": (
            "camera x right, y down, z forward; motion relative to the first frame (taxonomy/primitives.yaml)"
        ),
        "clips": [
            {
                "video": c.video,
                "index": i,
                "motion": c.spec.to_dict(),
                "failure_mode": c.spec.failure_mode,
                "knobs": {k: bool(c.spec.knobs.get(k, False)) for k in KNOBS},
                "annotation": _annotation_dict(c.spec),
                "labels": {p.value: c.labels[p] for p in Primitive},
                "caption": caption(c.spec),
                "frames": stats[i]["frames"],
                **({"nuisances": stats[i]["nuisances"]} if stats[i].get("nuisances") else {}),
                # a scene cut: the frames where each shot starts (as the ground truth's npz records them)
                **(
                    {GT_SHOT_STARTS: [0, stats[i]["nuisances"]["cut_frame"]]}
                    if "cut_frame" in stats[i].get("nuisances", {})
                    else {}
                ),
                "gt_motion": stats[i]["gt_motion"],
            }
            for i, c in enumerate(clips)
        ],
        # which clips the ShotBench-style tables cover and why the others have no row (manifests
        # written before this key was added lack it: unknown there; the labels are the same, so
        # generator_version is unchanged)
        "mcq_coverage": coverage,
        # what lets a rerun with the same options keep this dataset (_finished_refusal)
        MANIFEST_OPTIONS_SHA256: options_digest,
        MANIFEST_FILES_SHA256: _written_files(out, specs),
    }
    manifest[MANIFEST_SHA256] = _manifest_digest(manifest)
    write_json(out / "manifest.json", manifest)


def _written_files(out: Path, specs: list[ClipSpec]) -> dict[str, str]:
    """The SHA-256 of every file of the dataset in ``out`` but the manifest (relative paths,
    sorted): each clip's from its progress record (hashed when the clip was written, or checked
    when it was kept), the labels' now."""
    files: dict[str, str] = {}
    for index in range(len(specs)):
        record = json.loads(read_text(out / _PROGRESS / f"{index:03d}.json"))
        files.update(record["files"])
    for name in _dataset_files(out):
        if name.startswith("labels/"):
            files[name] = _sha256(out / name)
    return dict(sorted(files.items()))


# The reasons a clip has no row (NO_CLEAR_YES, SEVERAL_CLEAR_YES, FEW_DISTRACTORS, NO_SUBJECT,
# NO_STEADY_CLASS, NO_CATEGORY) are camerabench.synth.mcq's: the functions that write the rows say
# why they skip a clip, so the manifest's reasons follow their criteria (imported above, and
# re-exported for the callers that read them from this module).


def _coverage(clips: int, missing: dict[str, list[str]], rows: int) -> dict[str, Any]:
    """A table's coverage as the manifest records it: counts, and the videos per reason."""
    without = sum(len(v) for v in missing.values())
    return {
        "written": rows > 0,
        "rows": rows,
        "clips": clips,
        "clips_with_rows": clips - without,
        "clips_without_rows": without,
        "without_rows": {reason: {"count": len(v), "videos": v} for reason, v in sorted(missing.items())},
    }


def _by_reason(skipped: Mapping[str, str]) -> dict[str, list[str]]:
    """video -> reason as reason -> videos (in the order given)."""
    missing: dict[str, list[str]] = {}
    for video, reason in skipped.items():
        missing.setdefault(reason, []).append(video)
    return missing


def _check_skips(table: str, videos: list[str], rows: list[MCQRow], skipped: Mapping[str, str]) -> None:
    """Every clip has a row or a reason, never both: rows and skips of other clips are refused."""
    covered = {path for row in rows for path in row.paths}
    both = [v for v in videos if (f"videos/{v}" in covered) == (v in skipped)]
    unknown = sorted(set(skipped) - set(videos))
    if both or unknown:
        raise CameraBenchError(
            f"{table}: the rows and the skipped clips do not match the clips (with a row and skipped, or "
            f"neither: {both[:5]}; skipped but not a clip: {unknown[:5]})"
        )


def _movement_coverage(clips: list[SynthClip], rows: list[MCQRow], skipped: Mapping[str, str]) -> dict[str, Any]:
    """Which clips the camera-movement table covers, and why each other clip has no row
    (``skipped``: :func:`camerabench.synth.mcq.camera_movement_rows_and_skips`'s reasons)."""
    _check_skips(MCQ_TABLE, [c.video for c in clips], rows, skipped)
    return _coverage(len(clips), _by_reason(skipped), len(rows))


def _shot_coverage(
    shots: list[ShotGeometry], rows: list[MCQRow], skipped: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """Which clips the shot table covers (any category), and per category why a clip has no row
    (``skipped``: :func:`camerabench.synth.mcq.shot_rows_and_skips`'s reasons; asked of it when
    not given — the reasons do not depend on the seed, which only shuffles the letters)."""
    if skipped is None:
        skipped = shot_rows_and_skips(shots, seed=0)[1]
    videos = [shot.video for shot in shots]
    categories: dict[str, Any] = {}
    for category in SHOT_QUESTIONS:
        in_category = [row for row in rows if row.category == category]
        lacking = skipped.get(category, {})
        _check_skips(f"{SHOT_TABLE} ({category})", videos, in_category, lacking)
        per = _coverage(len(shots), _by_reason(lacking), len(in_category))
        del per["written"]
        categories[category] = per
    none = {v: NO_CATEGORY for v in videos if all(v in skipped.get(category, {}) for category in SHOT_QUESTIONS)}
    return {**_coverage(len(shots), _by_reason(none), len(rows)), "categories": categories}


def _log_coverage(coverage: dict[str, dict[str, Any]]) -> None:
    """One line: how many clips each MCQ table covers, why the others have none, and which
    table is not written because no clip has a row in it (a warning then)."""
    parts: list[str] = []
    for table, cov in coverage.items():
        why = ", ".join(f"{reason} ({r['count']})" for reason, r in cov["without_rows"].items())
        if not cov["written"]:
            parts.append(f"{table}: no clip of {cov['clips']} has a row ({why}), the table is not written")
        elif cov["clips_without_rows"]:
            parts.append(
                f"{table}: {cov['rows']} row(s) for {cov['clips_with_rows']}/{cov['clips']} clips "
                f"({cov['clips_without_rows']} without a row: {why})"
            )
        else:
            parts.append(f"{table}: {cov['rows']} row(s) for all {cov['clips']} clips")
    level = logging.WARNING if any(not cov["written"] for cov in coverage.values()) else logging.INFO
    log.log(level, "ShotBench-style MCQ tables: %s (videos per reason: manifest.json, mcq_coverage)", "; ".join(parts))


def _annotation_dict(spec: ClipSpec) -> dict[str, Any]:
    ann = raw_annotation(spec)
    return {
        "steadiness": ann.steadiness.value if ann.steadiness else None,
        "movement": ann.movement.value if ann.movement else None,
        "directions": {p.value: a for p, a in ann.directions.items()},
        "compounds": sorted(c.value for c in ann.compounds),
    }
