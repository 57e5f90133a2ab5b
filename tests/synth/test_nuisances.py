"""The internet-video knobs of the hard preset render what they claim, with exact labels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camerabench.baselines.geometry.shots import CUT_DISTANCE, cut_distances
from camerabench.synth.generate import _distorted_frame, _rolling_shutter_frame, render_clip
from camerabench.synth.nuisances import SUBTITLE_PERIOD_S, apply_overlays, bar_sizes, row_times
from camerabench.synth.presets import KNOBS, LOW_FPS, preset_specs
from camerabench.synth.render import Quad, Scene, TextureBank, project_points
from camerabench.synth.specs import ClipSpec, camera_path_at, raw_annotation
from camerabench.taxonomy import Primitive, derive_labels
from camerabench.trajectory import pinhole_intrinsic

P = Primitive
W, H = 160, 96
NEW_KNOBS = (
    "rolling_shutter",
    "lens_distortion",
    "static_overlay",
    "large_subject",
    "exposure_flicker",
    "scene_cut",
    "low_fps_fast_motion",
    "long_changing_motion",
)


def _bank() -> TextureBank:
    """Uniform textures: 0 black, 1 white."""
    return TextureBank(np.stack([np.broadcast_to(np.float32(c), (8, 8, 3)) for c in (0.0, 1.0)]))


def _scene(*quads: Quad) -> Scene:
    background = Quad((-500.0, -500.0, 400.0), (1000.0, 0.0, 0.0), (0.0, 1000.0, 0.0), 0)
    return Scene([background, *quads])


def test_every_new_knob_is_in_the_hard_preset_with_its_parameters() -> None:
    specs = preset_specs("hard")
    for knob in NEW_KNOBS:
        assert knob in KNOBS
        clips = [s for s in specs if s.failure_mode == knob]
        assert clips and all(s.knobs[knob] and sum(s.knobs.values()) == 1 for s in clips)
    motion = next(s for s in specs if s.failure_mode == "rolling_shutter").to_dict()
    assert motion["rolling_shutter"] > 0
    assert next(s for s in specs if s.failure_mode == "low_fps_fast_motion").fps == LOW_FPS


def test_labels_of_the_new_knobs() -> None:
    specs = {s.name: s for s in preset_specs("hard")}
    for name, spec in specs.items():
        labels = derive_labels(raw_annotation(spec))
        if spec.scene_cut:  # rule 1: a shot transition makes every label ambiguous
            assert all(v is None for v in labels.values()), name
        elif spec.profile == "there_hold_back":
            (prim, _), back = spec.moves[0], spec.moves[0][0].opposite
            assert labels[prim] is True and labels[back] is True and labels[P.STATIC] is False
            assert all(labels[p] is None for p in Primitive if p not in (prim, back, P.STATIC))
        elif spec.failure_mode in NEW_KNOBS:  # the nuisance does not change the motion's labels
            plain = ClipSpec(spec.name, moves=spec.moves, speed=spec.speed)
            assert labels == derive_labels(raw_annotation(plain)), name
    assert derive_labels(raw_annotation(specs["large_subject_static_0"]))[P.STATIC] is True


def test_bars_are_constant_and_the_logo_stays_while_subtitles_change() -> None:
    rng = np.random.default_rng(0)
    fps = 5.0
    frames = rng.integers(0, 255, size=(15, H, W, 3)).astype(np.uint8)
    where = apply_overlays(frames, ("logo", "subtitles", "letterbox", "pillarbox"), fps)
    bars = bar_sizes(("letterbox", "pillarbox"), W, H)
    assert where["bars"] == bars and bars["top"] > 0 and bars["left"] > 0
    assert not frames[:, : bars["top"]].any() and not frames[:, H - bars["bottom"] :].any()
    assert not frames[:, :, : bars["left"]].any() and not frames[:, :, W - bars["right"] :].any()
    x0, y0, x1, y1 = where["logo"]
    assert x1 <= W - bars["right"] and y0 >= bars["top"]
    logo = frames[:, y0:y1, x0:x1]
    assert (logo == logo[0]).all()
    sx0, sy0, sx1, sy1 = where["subtitles"]
    text = frames[:, sy0:sy1, max(sx0, bars["left"]) : min(sx1, W - bars["right"])].astype(int)
    change = int(SUBTITLE_PERIOD_S * fps)
    assert (text[change] != text[change - 1]).mean() > 0.1  # the text changes at 2 s


def test_distortion_moves_a_point_where_the_model_says() -> None:
    k1 = -0.25
    intrinsic = pinhole_intrinsic(0.8 * W, W, H)
    corner_dir = np.array([0.6 * (W / 2) / intrinsic[0, 0], 0.6 * (H / 2) / intrinsic[1, 1], 1.0])
    centre = corner_dir * 20.0  # a white square of 0.2 m, 20 m ahead, towards a corner
    dot = Quad(tuple(centre - [0.1, 0.1, 0.0]), (0.2, 0.0, 0.0), (0.0, 0.2, 0.0), 1)  # type: ignore[arg-type]
    img, _ = _distorted_frame(_scene(dot), _bank(), np.eye(4), intrinsic, (W, H), k1, 0.0)
    weight = img[..., 0].astype(np.float64)
    ys, xs = np.mgrid[:H, :W]
    found = np.array([(weight * xs).sum(), (weight * ys).sum()]) / weight.sum()
    expected, _ = cv2.projectPoints(centre[None], np.zeros(3), np.zeros(3), intrinsic, np.array([k1, 0, 0, 0.0]))
    pinhole = project_points(centre[None], np.eye(4), intrinsic)[0][0]
    assert np.linalg.norm(found - expected.reshape(2)) < 0.25
    assert np.linalg.norm(pinhole - expected.reshape(2)) > 2  # the distortion moved it (2.7 px here)


def test_rolling_shutter_shifts_rows_by_the_interpolated_pose() -> None:
    spec = ClipSpec("pan", moves=((P.PAN_RIGHT, 28.0),), rolling_shutter=0.9)
    fps, duration, focal = 10.0, 2.5, 0.8 * W
    line = Quad((-0.4, -50.0, 30.0), (0.8, 0.0, 0.0), (0.0, 100.0, 0.0), 1)  # a vertical white band, 3.4 px
    frame_time = 1.2
    img = _rolling_shutter_frame(spec, _scene(line), _bank(), frame_time, duration, focal, (W, H), fps)
    times = row_times(H, frame_time, 0.9 / fps)
    poses = camera_path_at(spec, times, duration).cam_c2w
    k = pinhole_intrinsic(focal, W, H)
    rows = np.arange(8, H - 8, 8)
    xs = np.arange(W)
    for r in rows:
        weight = img[r, :, 0].astype(np.float64)
        found = (weight * xs).sum() / weight.sum()
        expected = project_points(np.array([[0.0, 0.0, 30.0]]), poses[r], k)[0][0, 0]
        assert abs(found - expected) < 0.3, r
    spread = [project_points(np.array([[0.0, 0.0, 30.0]]), poses[r], k)[0][0, 0] for r in (rows[0], rows[-1])]
    assert abs(spread[1] - spread[0]) > 2  # the line leans: rows were exposed at different times


@pytest.mark.parametrize("knob", ["large_subject", "exposure_flicker", "scene_cut", "low_fps_fast_motion"])
def test_knob_renders(knob: str) -> None:
    index, spec = next((i, s) for i, s in enumerate(preset_specs("hard")) if s.failure_mode == knob)
    clip = render_clip(spec, 0, index, (96, 64), 10.0)
    if knob == "large_subject":
        assert clip.nuisances["subject_coverage_min"] >= 0.4
    elif knob == "exposure_flicker":
        gains = np.array(clip.nuisances["exposure_gains"])
        means = clip.frames.reshape(len(clip.frames), -1).mean(axis=1)
        ratio = (means / means[0]) / (gains / gains[0])
        assert gains.std() > 0.05 and np.abs(ratio - 1).max() < 0.1  # brightness follows the gains
    elif knob == "scene_cut":
        cut = clip.nuisances["cut_frame"]
        distances = cut_distances(clip.frames)
        assert distances[cut - 1] > CUT_DISTANCE and np.delete(distances, cut - 1).max() < CUT_DISTANCE
    else:
        assert len(clip.frames) == round(2.5 * LOW_FPS)
        assert np.allclose(np.diff(clip.trajectory.timestamps), 1 / LOW_FPS)
