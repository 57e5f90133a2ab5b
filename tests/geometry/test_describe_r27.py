"""The geometric captioner on exact camera paths (red team R27): compound motions were captioned as
their parts ("trucks left while it pans right" for an arc), a minor pan as "remains completely
still", a minor dolly without a scene depth as "moves forward quickly", and a pan with a move
forward along the first frame's axis as also trucking sideways.

References are independent of the captioner: the synthetic generator's exact paths and its own
captions (:func:`camerabench.synth.annotate.caption`), read back with the eval caption parser, and
trajectories built here from geometric descriptions.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.baselines.geometry.describe import describe_trajectory, motion_strengths
from camerabench.baselines.geometry.scoring import decompose
from camerabench.eval.caption_metrics import caption_facts
from camerabench.synth.annotate import caption
from camerabench.synth.presets import preset_specs
from camerabench.synth.specs import ClipSpec, camera_path
from camerabench.taxonomy import Primitive
from camerabench.trajectory import Trajectory

STANDARD = {s.name: s for s in preset_specs("standard")}


def _spec_trajectory(spec: ClipSpec, n: int = 20, depth: float | None = None) -> Trajectory:
    """The generator's exact path of ``spec`` with per-frame intrinsics (the zoom is measured)."""
    path = camera_path(spec, n, 10.0)
    k = np.zeros((n, 3, 3))
    k[:, 0, 0] = k[:, 1, 1] = 300.0 * path.focal_scale
    k[:, 0, 2], k[:, 1, 2], k[:, 2, 2] = 160.0, 96.0, 1.0
    meta = {} if depth is None else {"scene_depth": depth}
    return Trajectory(path.cam_c2w, k, path.times_s, meta=meta)


def _facts_of(spec: ClipSpec) -> tuple[set[str], set[str], str]:
    said = describe_trajectory(_spec_trajectory(spec))
    return caption_facts(said), caption_facts(caption(spec)), said


COMPOUNDS = [s for s in STANDARD.values() if s.compound is not None and not s.minor]


def test_the_preset_has_every_compound() -> None:
    assert len({s.compound for s in COMPOUNDS}) == 6


@pytest.mark.parametrize("spec", COMPOUNDS, ids=lambda s: s.name)
def test_compound_motions_are_named_as_the_reference_caption_names_them(spec: ClipSpec) -> None:
    """Was: an arc clockwise "trucks left quickly while it pans right quickly" (no Arc_Clockwise,
    and a truck and a pan the reference does not name); a dolly zoom a move plus a zoom."""
    said, reference, text = _facts_of(spec)
    assert spec.compound is not None and spec.compound.value in said, text
    assert said == reference, text


#: the preset's moves along the first frame's axes while the camera turns (synth_034-039 and
#: 042-049 of the standard preset, less the zooms): a translation with a pan, tilt or roll
TURNED = [
    s
    for s in STANDARD.values()
    if len(s.moves) == 2 and any(p.is_translation for p, _ in s.moves) and any(p.is_rotation for p, _ in s.moves)
]


def test_the_preset_turns_while_moving() -> None:
    assert len(TURNED) == 12 and "pan_left+move_in" in {s.name for s in TURNED}


@pytest.mark.parametrize("spec", TURNED, ids=lambda s: s.name)
def test_a_move_seen_from_the_turned_camera_is_not_a_second_move(spec: ClipSpec) -> None:
    """The generator moves along the first frame's axes while the camera turns; the scorer's
    per-frame axes see a second translation (a sideways one for a pan with a move in). The caption
    names exactly the reference's facts: the false move is gone, the true ones stay."""
    said, reference, text = _facts_of(spec)
    assert said == reference, text


def test_the_scorer_still_sees_the_sideways_component() -> None:
    """The convention difference is real (so the test above tests the writer, not the scorer):
    the per-frame path of a pan left with a move in passes Move_Right's visibility threshold."""
    strengths = motion_strengths(decompose(_spec_trajectory(STANDARD["pan_left+move_in"])))
    assert strengths[Primitive.MOVE_RIGHT] > 1.0


def _turn_then_truck(n: int = 30) -> Trajectory:
    """Pan right 40 deg over the first half, then truck 0.5 scene depths along the camera's own
    (turned) right axis: the first frame's axes see this truck as a move forward and right."""
    yaw = np.deg2rad(40.0) * np.clip(np.linspace(0.0, 2.0, n), 0.0, 1.0)
    side = 0.5 * np.clip(np.linspace(-1.0, 1.0, n), 0.0, 1.0)
    rot = Rotation.from_rotvec(np.c_[np.zeros(n), yaw, np.zeros(n)]).as_matrix()
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = rot
    c2w[:, :3, 3] = side[:, None] * rot[-1][:, 0]  # the turned camera's +x (right) axis
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1))
    return Trajectory(c2w, k, np.arange(n) / 10.0, meta={"scene_depth": 1.0})


def test_a_truck_made_after_a_turn_keeps_its_name() -> None:
    """No translation direction is visible in both axes: the truck is its own move, not the turn
    of another one, and is named."""
    facts = caption_facts(describe_trajectory(_turn_then_truck()))
    assert {"Pan_Right", "Move_Right"} <= facts
    assert not facts & {"Move_In", "Move_Out", "Move_Left"}


def test_minor_motion_is_not_still() -> None:
    """Was "The camera remains completely still." for the preset's minor pan (Static label No)."""
    minor = describe_trajectory(_spec_trajectory(STANDARD["minor_pan"]))
    assert minor == "The camera moves only very slightly."
    assert "Static" not in caption_facts(minor)
    assert describe_trajectory(_spec_trajectory(STANDARD["static"])) == "The camera remains completely still."


@pytest.mark.parametrize("seed", range(5))
def test_rotation_noise_around_a_still_camera_stays_still(seed: int) -> None:
    """White rotation noise (0.05 deg per axis per pose, 60 poses, scene depth known) is no
    motion, not a slight one."""
    rng = np.random.default_rng(seed)
    c2w = np.tile(np.eye(4), (60, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(np.deg2rad(0.05) * rng.normal(size=(60, 3))).as_matrix()
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (60, 1, 1))
    text = describe_trajectory(Trajectory(c2w, k, np.arange(60) / 30.0, meta={"scene_depth": 1.0}))
    assert text == "The camera remains completely still."


def test_a_move_of_unknown_size_is_not_called_quick() -> None:
    """Without a scene depth any translation measures one path length: the minor dolly was "moves
    forward quickly". Its direction is known, its size is not, and the caption says so."""
    text = describe_trajectory(_spec_trajectory(STANDARD["minor_dolly"]))
    assert decompose(_spec_trajectory(STANDARD["minor_dolly"])).translation_unit == "path_length"
    assert text == "The camera moves forward (how far it moves is not known: no scene depth)."
    sized = describe_trajectory(_spec_trajectory(STANDARD["move_in_slow"], depth=6.0))
    assert "not known" not in sized and caption_facts(sized) == {"Move_In"}


def _dolly_and_zoom(forward: float, log_zoom: float, n: int = 20) -> Trajectory:
    """Move in by ``forward`` scene depths while the focal length changes by ``exp(log_zoom)``."""
    s = np.linspace(0.0, 1.0, n)
    s = s * s * (3 - 2 * s)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, 2, 3] = forward * s
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1))
    k[:, 0, 0] = k[:, 1, 1] = 300.0 * np.exp(log_zoom * s)
    return Trajectory(c2w, k, np.arange(n) / 10.0, meta={"scene_depth": 1.0})


def test_a_dolly_zoom_needs_matching_image_effects_when_the_depth_is_known() -> None:
    """Moving in 0.2 scene depths keeps an object at the scene depth its size with a zoom of
    log(0.8); a zoom out five times as strong is a move and a zoom, not a dolly zoom."""
    matched = caption_facts(describe_trajectory(_dolly_and_zoom(0.2, np.log(0.8))))
    assert matched == {"Dolly_Zoom_Out", "Move_In", "Zoom_Out"}
    unmatched = caption_facts(describe_trajectory(_dolly_and_zoom(0.2, 5 * np.log(0.8))))
    assert unmatched == {"Move_In", "Zoom_Out"}


def test_a_truck_then_a_pan_is_no_arc() -> None:
    """A truck left that ends before a pan right starts: two movements, not an arc."""
    n = 30
    first = np.clip(np.linspace(0.0, 2.0, n), 0.0, 1.0)
    second = np.clip(np.linspace(-1.0, 1.0, n), 0.0, 1.0)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(np.c_[np.zeros(n), np.deg2rad(20.0) * second, np.zeros(n)]).as_matrix()
    c2w[:, 0, 3] = -0.3 * first
    k = np.tile(np.diag([300.0, 300.0, 1.0]), (n, 1, 1))
    facts = caption_facts(describe_trajectory(Trajectory(c2w, k, np.arange(n) / 10.0, meta={"scene_depth": 1.0})))
    assert facts == {"Move_Left", "Pan_Right"}
