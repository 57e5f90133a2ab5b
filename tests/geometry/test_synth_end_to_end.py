"""End to end on the synthetic benchmark: ground truth and estimates against the generated labels,
and camera-movement multiple-choice answers from geometric methods.

``fast`` runs once over the whole standard preset (:func:`fast_on_standard`); the tests on its
first 15 clips (static and every primitive alone), on the whole preset and on multiple-choice
answers all read that one run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.baselines.base import VideoResult
from camerabench.baselines.geometry.describe import describe_trajectory
from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.baselines.geometry.importers import TrajectoryPredictor
from camerabench.baselines.geometry.predictor import choose_option
from camerabench.baselines.geometry.scoring import SCORERS, decompose
from camerabench.baselines.registry import get_predictor
from camerabench.dataset import Dataset, Question
from camerabench.shotbench import MCQRow
from camerabench.taxonomy import Primitive

QUESTIONS = [Question(p.question, p) for p in Primitive]
#: The standard preset's first clips: static and each of the 14 other primitives alone.
SINGLE_PRIMITIVE_CLIPS = 15
Results = dict[str, VideoResult]


def _ap_per_primitive(data: Dataset, scores: dict[str, dict[str, float]]) -> dict[Primitive, float]:
    """AP per primitive over the videos in ``scores`` (primitives with both classes among them)."""
    out = {}
    for prim, records in data.binary.items():
        kept = [r for r in records if r.image in scores]
        labels = [r.positive for r in kept]
        if len(set(labels)) == 2:
            out[prim] = average_precision_score(labels, [scores[r.image][prim.question] for r in kept])
    return out


def _first_clips(data: Dataset) -> list[str]:
    return [c["video"] for c in data.manifest["clips"][:SINGLE_PRIMITIVE_CLIPS]]


@pytest.fixture(scope="module")
def fast_on_standard(standard_dataset: Path) -> Results:
    """``fast`` on every clip of the standard preset."""
    data = Dataset(standard_dataset)
    pred = FastPredictor()
    pred.setup()
    return {v: pred.predict(data.video_path(v), QUESTIONS) for v in data.videos()}


@pytest.mark.parametrize("scorer", sorted(SCORERS))
def test_ground_truth_trajectories_score_perfectly(standard_dataset: Path, scorer: str) -> None:
    # The generator's poses and labels are independent of camerabench's decomposition: scoring
    # the ground truth must rank every labelled positive above every negative.
    data = Dataset(standard_dataset)
    pred = TrajectoryPredictor(traj_dir=str(data.gt_dir), format="megasam", scorer=scorer)
    scores = {v: pred.predict(data.video_path(v), QUESTIONS).scores for v in _first_clips(data)}
    ap = _ap_per_primitive(data, scores)
    assert len(ap) == 15
    assert all(v == 1.0 for v in ap.values()), ap


@pytest.mark.slow
def test_fast_on_synthetic_clips(standard_dataset: Path, fast_on_standard: Results) -> None:
    data = Dataset(standard_dataset)
    first = _first_clips(data)
    ap = _ap_per_primitive(data, {v: fast_on_standard[v].scores for v in first})
    assert len(ap) == 15
    assert all(v == 1.0 for v in ap.values()), ap
    assert "synth_009_pan_right.mp4" in first
    trajectory = fast_on_standard["synth_009_pan_right.mp4"].trajectory
    assert trajectory is not None and describe_trajectory(trajectory).startswith("The camera pans right")


@pytest.mark.slow
def test_fast_on_the_standard_preset(standard_dataset: Path, fast_on_standard: Results) -> None:
    # The bar: mean AP >= 0.95 over the 15 primitives on the whole standard preset.
    data = Dataset(standard_dataset)
    results = fast_on_standard
    ap = _ap_per_primitive(data, {v: r.scores for v, r in results.items()})
    assert len(ap) == 15
    assert np.mean(list(ap.values())) >= 0.95, ap
    # What is left is the dolly zoom (two views cannot separate it from a dolly): only the
    # primitives of its two moves lose AP.
    assert {p for p, v in ap.items() if v < 1.0} <= {
        Primitive.MOVE_IN,
        Primitive.MOVE_OUT,
        Primitive.ZOOM_IN,
        Primitive.ZOOM_OUT,
    }, ap
    # Zoom where there is one (alone, with a pan, a tilt or a sideways move), none elsewhere.
    for clip in data.manifest["clips"]:
        traj = results[clip["video"]].trajectory
        assert traj is not None
        log_zoom = float(np.log(decompose(traj).zoom_ratio[-1]))
        truth = float(np.log(clip["gt_motion"]["zoom_ratio"]))
        if clip["motion"]["compound"] in ("Dolly_Zoom_In", "Dolly_Zoom_Out"):
            continue
        assert log_zoom == pytest.approx(truth, abs=0.05), clip["video"]


# The option text ShotBench-style tables use for each primitive.
WORDING = {
    Primitive.MOVE_IN: "Push in",
    Primitive.MOVE_OUT: "Pull out",
    Primitive.MOVE_UP: "Pedestal up",
    Primitive.MOVE_DOWN: "Pedestal down",
    Primitive.MOVE_LEFT: "Truck left",
    Primitive.MOVE_RIGHT: "Truck right",
    Primitive.PAN_LEFT: "Pan left",
    Primitive.PAN_RIGHT: "Pan right",
    Primitive.TILT_UP: "Tilt up",
    Primitive.TILT_DOWN: "Tilt down",
    Primitive.ROLL_CLOCKWISE: "Roll clockwise",
    Primitive.ROLL_COUNTERCLOCKWISE: "Roll counterclockwise",
    Primitive.ZOOM_IN: "Zoom in",
    Primitive.ZOOM_OUT: "Zoom out",
    Primitive.STATIC: "Static shot",
}


def _row(index: int, video: str, truth: Primitive) -> MCQRow:
    """Four options: the truth, its opposite, its confusable partner and a static shot (when distinct)."""
    others = [truth.opposite, *truth.confusable, Primitive.STATIC, Primitive.PAN_LEFT, Primitive.TILT_UP]
    chosen = [truth, *[p for p in dict.fromkeys(others) if p is not None and p is not truth][:3]]
    chosen.sort(key=lambda p: (index * 7 + list(Primitive).index(p)) % 5)  # the right letter moves around
    options = {letter: WORDING[p] for letter, p in zip("ABCD", chosen, strict=False)}
    answer = next(letter for letter, text in options.items() if text == WORDING[truth])
    return MCQRow(str(index), "synth", ("video",), (f"videos/{video}",), "How does the camera move?", options,
                  answer, "camera movement", index + 2)  # fmt: skip


def test_every_option_wording_names_its_primitive() -> None:
    scores = {p: 0.0 for p in Primitive}
    for prim, text in WORDING.items():
        assert choose_option({"A": "Handheld", "B": text}, scores | {prim: 1.0}) == "B"


@pytest.mark.slow
def test_fast_answers_the_clean_single_motion_clips(standard_dataset: Path, fast_on_standard: Results) -> None:
    # The single-motion clips among the standard preset's first 15, each asked which of four
    # motions it shows; the answers come from fast's trajectories (computed once for the module).
    data = Dataset(standard_dataset)
    predictor = get_predictor("fast")
    wrong = []
    asked = 0
    for i, clip in enumerate(data.manifest["clips"][:SINGLE_PRIMITIVE_CLIPS]):
        moves = clip["motion"]["moves"]
        truth = Primitive(moves[0]["primitive"]) if len(moves) == 1 else Primitive.STATIC if not moves else None
        if truth is None or clip["motion"]["minor"]:
            continue
        row = _row(i, clip["video"], truth)
        trajectory = fast_on_standard[clip["video"]].trajectory
        assert trajectory is not None
        predictor.reuse_trajectory(data.video_path(clip["video"]), trajectory)
        reply = predictor.answer(row, row.media(standard_dataset))
        asked += 1
        if reply != row.answer:
            wrong.append((clip["video"], row.options, reply, row.answer))
    assert asked >= 14
    assert not wrong, wrong


def test_rows_outside_camera_movement_are_not_answered(tmp_path: Path) -> None:
    predictor = get_predictor("fast")
    row = MCQRow("0", "t", ("image",), ("image/a.jpg",), "What is the shot size?", {"A": "Wide", "B": "Close-up"},
                 "A", "shot size", 2)  # fmt: skip
    assert predictor.answer(row, row.media(tmp_path)) is None
