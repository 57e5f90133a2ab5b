"""Synthetic ShotBench-style camera-movement rows: one right option, read back through the dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.synth.mcq import (
    ANGLE_CLASSES,
    LENS_CLASSES,
    MCQ_TABLE,
    SHOT_TABLE,
    ShotGeometry,
    angle_class,
    camera_movement_rows,
    lens_class,
    shot_geometry,
    shot_rows,
    shot_size_class,
)
from camerabench.taxonomy import Primitive, primitives_named


def test_every_row_has_exactly_one_option_that_is_a_clear_yes(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    rows = ds.mcq[MCQ_TABLE]
    labels = {p: {r.image: r.positive for r in recs} for p, recs in ds.binary.items()}
    assert len(rows) >= 15  # static and every primitive alone, in both directions
    for row in rows:
        video = Path(row.paths[0]).name
        assert row.media(standard_tiny)[0].is_file()
        named = {letter: primitives_named(text) for letter, text in row.options.items()}
        assert all(len(ps) == 1 for ps in named.values()), row.options
        truths = [letter for letter, ps in named.items() if labels[ps[0]].get(video) is True]
        falses = [letter for letter, ps in named.items() if labels[ps[0]].get(video) is False]
        assert truths == [row.answer] and len(falses) == len(row.options) - 1, (video, row.options)


def test_clips_with_several_or_no_clear_motions_get_no_row() -> None:
    none = {p: None for p in Primitive}
    two = {p: p in (Primitive.PAN_LEFT, Primitive.MOVE_IN) or None for p in Primitive}
    one = {p: p is Primitive.TILT_UP for p in Primitive}
    rows = camera_movement_rows([("a.mp4", none), ("b.mp4", two), ("c.mp4", one)], seed=3)
    assert [r.paths for r in rows] == [("videos/c.mp4",)]
    assert rows[0].options[rows[0].answer] == "Tilt up"
    again = camera_movement_rows([("c.mp4", one)], seed=3)
    assert again[0].options == rows[0].options  # the seed fixes the letters


# --- lens size, camera angle, shot size and composition (the second synthetic table) ---------


def _camera(pitch_deg: float = 0.0) -> np.ndarray:
    """A camera at the origin pitched up by ``pitch_deg`` (OpenCV axes, y down)."""
    a = np.radians(pitch_deg)
    c2w = np.eye(4)
    # rotation about x that turns the forward axis (0, 0, 1) to (0, -sin a, cos a): up is -y
    c2w[:3, :3] = [[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]]
    return c2w


def test_shot_geometry_matches_hand_worked_projections() -> None:
    w, h, f = 320, 192, 256.0
    k = np.array([[f, 0, (w - 1) / 2], [0, f, (h - 1) / 2], [0, 0, 1]])
    poses = np.stack([_camera(-20.0)] * 3)
    g = shot_geometry("a.mp4", poses, np.stack([k] * 3), (w, h), np.eye(4))
    assert g.pitch_deg == pytest.approx((-20.0,) * 3)  # looking down 20 degrees
    assert g.focal_35mm[0] == pytest.approx(f * 43.27 / np.hypot(w, h))
    assert g.subject_visible is None  # no subject: no shot size or composition
    # a 1.7 m box centred 6 m ahead of a level camera on its axis, 0.6 m wide, top 0.2 m above
    # the optical axis: top at v = cy - f * 0.2 / 5.775 (its nearest face is at z = 6 - 0.225),
    # bottom at cy + f * 1.5 / 5.775
    level = np.stack([_camera(0.0)] * 3)
    centres = np.tile([0.0, 0.65, 6.0], (3, 1))
    g = shot_geometry("b.mp4", level, np.stack([k] * 3), (w, h), np.eye(4), centres, np.array([0.6, 1.7, 0.45]))
    cy, z = (h - 1) / 2, 6.0 - 0.225
    top, bottom = cy - f * 0.2 / z, cy + f * 1.5 / z
    assert g.subject_visible == pytest.approx((min(1.0, (h - 1 - top) / (bottom - top)),) * 3)
    assert g.subject_height_fraction == pytest.approx(((bottom - top) / h,) * 3)
    assert g.subject_centre_x == pytest.approx((0.5 - 0.5 / w,) * 3)  # symmetric about cx = (w-1)/2
    # 6 m away the person fits (bottom at 162 px of 192) and is 39% of the frame high: a wide
    # shot; f = 256 px on a 373 px diagonal is a 29.7 mm lens: wide
    rows = shot_rows([g], seed=0)
    assert {r.category: r.options[r.answer] for r in rows} == {
        "lens size": "Wide",
        "camera angle": "Eye level",
        "shot size": "Wide",
        "composition": "Center",
    }


def test_classes_leave_gaps_at_their_boundaries() -> None:
    assert [lens_class(x) for x in (20.0, 26.0, 33.0, 36.0, 38.0, 65.0, 72.0, 80.0)] == [
        "Ultra Wide / Fisheye",
        "Wide",
        None,
        None,
        "Medium",
        None,
        None,
        "Long Lens / Telephoto",
    ]
    assert [angle_class(p) for p in (-70.0, -40.0, -10.0, 0.0, 10.0, 40.0)] == [
        None,
        "High angle",
        None,
        "Eye level",
        None,
        "Low angle",
    ]
    assert shot_size_class(0.5, 1.0) == "Medium" and shot_size_class(0.58, 1.0) is None
    # a class that changes between first and last frame (a zoom crossing 35 mm) gives no row
    crossing = ShotGeometry("z.mp4", (28.0, 40.0, 50.0), (0.0, 0.0, 0.0))
    assert [r.category for r in shot_rows([crossing], seed=0)] == ["camera angle"]


def test_synth_writes_shot_rows_that_read_back(standard_tiny: Path) -> None:
    ds = Dataset(standard_tiny)
    rows = ds.mcq[SHOT_TABLE]
    assert {r.category for r in rows} >= {"lens size", "camera angle"}
    for row in rows:
        assert row.media(standard_tiny)[0].is_file()
        assert len(set(row.options.values())) == len(row.options) >= 3
        assert row.options[row.answer] in {c for c in (*LENS_CLASSES_NAMES, *ANGLE_CLASSES)} or row.category in (
            "shot size",
            "composition",
        )


LENS_CLASSES_NAMES = tuple(name for name, _, _ in LENS_CLASSES)
