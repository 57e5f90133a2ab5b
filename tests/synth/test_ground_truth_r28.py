"""Red team R28: synthetic ground truth and labels.

- a minor move stays minor (every direction ambiguous) whatever its profile;
- a scene cut's ground truth records its shots, gt_motion is its longest shot's, and trajectory
  error evaluates such a clip within one shot (or not at all, with the reason);
- the hard preset's low-parallax translations are labelled by their apparent (slow) speed;
- the random extras repeat no pair before every pair has been drawn.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.eval.results import ResultFormatError, TrajectoryResult
from camerabench.eval.trajectory_error import GT_SHOT_STARTS as EVAL_SHOT_STARTS
from camerabench.eval.trajectory_error import gt_trajectories, trajectory_section
from camerabench.runfolder import MethodRun
from camerabench.synth.generate import GT_SHOT_STARTS, _render_job
from camerabench.synth.presets import ARC_LIKE_PAIRS, preset_specs
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Movement, Primitive, Speed, derive_labels
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import save_npz

P = Primitive
DIRECTIONS = [p for p in Primitive if p is not Primitive.STATIC]


# --- 1. minor moves there and back --------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        ClipSpec("minor_pan_back", moves=((P.PAN_LEFT, 0.5),), minor=True, profile="there_hold_back"),
        ClipSpec(
            "minor_arc_back",
            compound=CompoundMotion.ARC_CLOCKWISE,
            compound_magnitude=0.5,
            minor=True,
            profile="there_hold_back",
        ),
        ClipSpec(
            "minor_dz_back",
            compound=CompoundMotion.DOLLY_ZOOM_IN,
            compound_magnitude=0.05,
            minor=True,
            profile="there_hold_back",
        ),
    ],
)
def test_a_minor_move_there_and_back_is_minor_with_every_direction_ambiguous(spec: ClipSpec) -> None:
    ann = raw_annotation(spec)
    labels = derive_labels(ann)
    assert ann.movement is Movement.MINOR
    # the taxonomy's rule 4: every direction of a minor movement is ambiguous
    assert {p: labels[p] for p in DIRECTIONS} == dict.fromkeys(DIRECTIONS, None)
    assert labels[P.STATIC] is False  # the camera does move


def test_a_clear_move_there_and_back_keeps_both_directions() -> None:
    spec = ClipSpec("pan_back", moves=((P.PAN_LEFT, 15.0),), profile="there_hold_back")
    labels = derive_labels(raw_annotation(spec))
    assert raw_annotation(spec).movement is Movement.MAJOR_COMPLEX
    assert labels[P.PAN_LEFT] is True and labels[P.PAN_RIGHT] is True
    assert labels[P.TILT_UP] is None  # major_complex: "no" is ambiguous


# --- 3. low-parallax speed -----------------------------------------------------------------------


def test_low_parallax_translations_are_labelled_by_their_apparent_slow_speed() -> None:
    hard = [s for s in preset_specs("hard") if s.failure_mode == "low_parallax"]
    # the reference: the standard preset's own slow clip of each primitive
    standard = [s for s in preset_specs("standard") if s.speed is Speed.SLOW and s.moves and not s.minor]
    slow = {s.moves[0][0]: s.moves[0][1] for s in standard}
    translating = [s for s in hard if any(p.is_translation for p, _ in s.moves)]
    assert {s.name for s in translating} == {
        "low_parallax_move_right_fast",
        "low_parallax_move_in_fast",
        "low_parallax_move_up_fast",
    }
    for spec in translating:
        ((prim, mag),) = spec.moves
        # a move t in a scene scale times farther moves the image as t / scale does at scale 1
        reference = slow.get(prim) or slow[prim.opposite]
        assert mag / spec.scene_scale < reference, spec.name
        assert spec.speed is Speed.SLOW, spec.name
    rotating = {s.name: s.speed for s in hard if s.moves and not any(p.is_translation for p, _ in s.moves)}
    assert rotating == {"low_parallax_pan_left": Speed.REGULAR, "low_parallax_tilt_up": Speed.REGULAR}


# --- 4. random extras ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_random_extras_repeat_no_pair_before_every_pair_is_drawn(seed: int) -> None:
    base = preset_specs("standard")
    valid = {
        frozenset((a, b))
        for a in DIRECTIONS
        for b in DIRECTIONS
        if a.axis != b.axis and frozenset((a, b)) not in ARC_LIKE_PAIRS
    }
    specs = preset_specs("standard", len(base) + len(valid) + 5, seed=seed)
    assert specs[: len(base)] == base  # the preset's own clips are unchanged
    drawn = [frozenset(p for p, _ in s.moves) for s in specs[len(base) :]]
    assert set(drawn[: len(valid)]) == valid  # every pair once
    assert len(set(drawn[: len(valid)])) == len(valid)
    assert all(len(pair) == 2 and pair in valid for pair in drawn)
    assert len(set(drawn[len(valid) :])) == 5  # the second round again without repeats


# --- 2. scene cuts -------------------------------------------------------------------------------


def _scene_cut_clip(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    spec = next(s for s in preset_specs("hard") if s.name == "scene_cut_pan_left")
    out = tmp_path / "data"
    for sub in ("videos", "gt"):
        (out / sub).mkdir(parents=True)
    stats = _render_job((spec, 0, 13, (32, 20), 10.0, str(out)))
    return out / "gt" / "synth_013_scene_cut_pan_left.npz", stats


def test_a_scene_cut_ground_truth_records_its_shots_and_gt_motion_is_the_longest_shots(tmp_path: Path) -> None:
    assert GT_SHOT_STARTS == EVAL_SHOT_STARTS
    gt, stats = _scene_cut_clip(tmp_path)
    cut = stats["nuisances"]["cut_frame"]
    with np.load(gt) as data:
        c2w, starts = data["cam_c2w"], data[GT_SHOT_STARTS].tolist()
    n = len(c2w)
    assert starts == [0, cut] and cut == n // 2
    # the poses jump at the cut (two unrelated world frames), not elsewhere
    steps = np.linalg.norm(np.diff(c2w[:, :3, 3], axis=0), axis=1)
    assert int(np.argmax(steps)) == cut - 1 and steps[cut - 1] > 10 * np.delete(steps, cut - 1).max()
    # the longest shot is the second one (n - cut > cut): a dolly in of 1.4 m in first-camera axes
    start, stop = (0, cut) if cut >= n - cut else (cut, n)
    motion = stats["gt_motion"]
    assert motion["shot_frames"] == [start, stop]
    r0, r1 = c2w[start, :3, :3], c2w[stop - 1, :3, :3]
    expected_t = r0.T @ (c2w[stop - 1, :3, 3] - c2w[start, :3, 3])
    np.testing.assert_allclose(motion["t_m"], expected_t, atol=1e-5)
    pan = Rotation.from_matrix(r0.T @ r1).as_euler("YXZ", degrees=True)[0]
    assert motion["pan_deg"] == pytest.approx(pan, abs=1e-5)
    assert abs(motion["pan_deg"]) < 1.0  # not the 143 degree "pan" across the cut


def _evaluate(tmp_path: Path, gt: Path, est: Trajectory) -> tuple[TrajectoryResult, list[dict[str, Any]]]:
    method = tmp_path / "run" / "m"
    (method / "trajectories").mkdir(parents=True)
    save_npz(method / "trajectories" / f"{gt.stem}.npz", est)
    result = trajectory_section(gt_trajectories(gt.parent), MethodRun("m", method))
    assert result is not None
    return result


def _similar(traj: Trajectory, idx: slice) -> Trajectory:
    """The ground truth's poses over ``idx`` under a similarity (what a perfect monocular estimate gives)."""
    rot = Rotation.from_euler("xyz", [20, -35, 50], degrees=True).as_matrix()
    poses = traj.cam_c2w[idx].copy()
    poses[:, :3, :3] = rot @ poses[:, :3, :3]
    poses[:, :3, 3] = 0.5 * poses[:, :3, 3] @ rot.T + np.array([1.0, -2.0, 3.0])
    return Trajectory(poses, None, traj.timestamps[idx])


def test_trajectory_error_evaluates_a_scene_cut_clip_within_the_shot_of_the_estimate(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gt, stats = _scene_cut_clip(tmp_path)
    cut = stats["nuisances"]["cut_frame"]
    with np.load(gt) as data:
        truth = Trajectory(data["cam_c2w"], data["intrinsic"], data["timestamps"])
    n = len(truth)
    with caplog.at_level(logging.WARNING):
        section, rows = _evaluate(tmp_path / "a", gt, _similar(truth, slice(cut, n)))
    (row,) = rows
    assert row["status"] == "ok" and row["shot_frames"] == [cut, n]
    assert row["ape_rot_deg_rmse"] < 1e-3  # a perfect estimate of the shot
    assert "scene cut" in row["note"]
    assert section.ok == 1 and section.failed == 0 and section.shot_clips == 1
    assert "1 of 1 evaluated trajectories have a scene cut" in caplog.text
    # the count reads back from metrics.json, and a count above the evaluated clips is refused
    again = TrajectoryResult.from_dict(json.loads(json.dumps(section.to_dict())))
    assert again.shot_clips == 1
    with pytest.raises(ResultFormatError, match="shot_clips"):
        TrajectoryResult.from_dict({**section.to_dict(), "shot_clips": 2})


def test_an_estimate_spanning_the_cut_is_not_evaluated_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gt, _ = _scene_cut_clip(tmp_path)
    with np.load(gt) as data:
        truth = Trajectory(data["cam_c2w"], data["intrinsic"], data["timestamps"])
    with caplog.at_level(logging.WARNING):
        section, rows = _evaluate(tmp_path / "b", gt, _similar(truth, slice(0, len(truth))))
    (row,) = rows
    assert row["status"] == "failed" and row["scene_cut"] is True
    assert "do not lie within one shot" in row["reason"] and "ape_trans_rmse" not in row
    assert section.ok == 0 and section.failed == 1 and section.shot_clips == 0
    assert "synth_013_scene_cut_pan_left" in caplog.text
    assert "1 clip(s) with a scene cut in their ground truth have an estimate spanning more than one shot" in (
        caplog.text
    )


def test_a_ground_truth_without_shot_starts_is_evaluated_whole(tmp_path: Path) -> None:
    ts = np.arange(20) / 10.0
    poses = np.tile(np.eye(4), (20, 1, 1))
    poses[:, 0, 3] = np.linspace(0, 1, 20)
    poses[:, 1, 3] = np.linspace(0, 1, 20) ** 2
    gt_dir = tmp_path / "gt"
    gt_dir.mkdir()
    truth = Trajectory(poses, None, ts)
    save_npz(gt_dir / "clip.npz", truth)
    _, rows = _evaluate(tmp_path, gt_dir / "clip.npz", truth)
    (row,) = rows
    assert row["status"] == "ok" and "shot_frames" not in row and row["matched_poses"] == 20


def test_the_manifest_records_the_shot_starts(tmp_path: Path) -> None:
    from camerabench.synth.generate import generate_dataset

    out = generate_dataset(tmp_path / "d", clips=14, preset="hard", size=(32, 20), workers=1)
    manifest = json.loads((out / "manifest.json").read_text())
    clip = manifest["clips"][13]
    assert clip["video"] == "synth_013_scene_cut_pan_left.mp4"
    assert clip[GT_SHOT_STARTS] == [0, clip["nuisances"]["cut_frame"]]
    assert all(GT_SHOT_STARTS not in c for c in manifest["clips"][:13])
