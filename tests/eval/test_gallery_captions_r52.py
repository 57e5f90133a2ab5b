"""Red team R52 (fix round F52b): gallery poses and labels, caption metric inputs, knob subsets and
``binary_values`` edges.

Each refusal is checked with the reason it names; each valid input is checked against an
independent reference (scikit-learn, nltk, rouge-score, scipy) so that the fixes leave the
numbers as they were.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation
from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score

from camerabench.crossfit import binary_values
from camerabench.eval import caption_metrics as cm
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.gallery import load_motion, misranked_fraction, motion_curves
from camerabench.eval.knobs import subset_ap
from camerabench.trajectory import Trajectory, pose_problem
from camerabench.trajectory_formats import load_npz

# --------------------------------------------------------------------------- gallery poses


def _two_poses(rotation: np.ndarray, step: tuple[float, float, float], times=(0.0, 1.0)) -> Trajectory:
    c2w = np.tile(np.eye(4), (2, 1, 1))
    c2w[:, :3, :3] = rotation
    c2w[1, :3, 3] = step
    return Trajectory(c2w, None, np.array(times, dtype=np.float64))


BAD_POSES = {
    # a scale folded into the rotation: a 1.0 step was drawn as 2.0
    "scaled": (_two_poses(2 * np.eye(3), (1.0, 0.0, 0.0)), "rotation block is not orthonormal"),
    # a reflection: a +1 forward step was drawn as -1 (backwards)
    "reflection": (_two_poses(np.diag([1.0, 1.0, -1.0]), (0.0, 0.0, 1.0)), "a reflection"),
    # times running backwards were drawn as t = [0, -1]
    "decreasing": (_two_poses(np.eye(3), (1.0, 0.0, 0.0), (1.0, 0.0)), "does not increase"),
}


@pytest.mark.parametrize("case", sorted(BAD_POSES))
def test_motion_curves_refuse_what_pose_problem_refuses(case: str) -> None:
    traj, reason = BAD_POSES[case]
    problem = pose_problem(traj)
    assert problem is not None and reason in problem  # the readers' own check names it
    with pytest.raises(ValueError, match=reason):
        motion_curves(traj)


@pytest.mark.parametrize("case", sorted(BAD_POSES))
def test_load_motion_refuses_such_a_file_and_says_why(
    case: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    traj, reason = BAD_POSES[case]
    path = tmp_path / f"{case}.npz"
    np.savez(path, cam_c2w=traj.cam_c2w, timestamps=traj.timestamps)  # save_npz refuses such poses
    assert np.array_equal(load_npz(path).cam_c2w, traj.cam_c2w)  # the file holds the bad poses
    without: list[str] = []
    with caplog.at_level(logging.WARNING):
        assert load_motion(path, without) is None
    assert len(without) == 1 and without[0].startswith(f"{path}:") and reason in without[0]
    assert any(reason in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)


def test_a_lost_pose_is_still_a_gap_and_a_rigid_motion_is_drawn_as_before(tmp_path: Path) -> None:
    turn = Rotation.from_euler("YXZ", [30.0, -10.0, 5.0], degrees=True)
    c2w = np.tile(np.eye(4), (3, 1, 1))
    c2w[1] = np.nan  # the method lost track: a gap, with a warning
    c2w[2, :3, :3] = turn.as_matrix()
    c2w[2, :3, 3] = [0.5, -0.25, 2.0]
    path = tmp_path / "gap.npz"
    np.savez(path, cam_c2w=c2w, timestamps=np.array([0.0, 0.5, 1.0]))  # a method's file: save_npz refuses NaN
    without: list[str] = []
    curves = load_motion(path, without)
    assert curves is not None
    assert len(without) == 1 and "1 of 3 poses are not finite" in without[0]
    assert np.isnan(curves.rotation_deg[1]).all() and np.isnan(curves.translation[1]).all()
    np.testing.assert_allclose(curves.rotation_deg[2], turn.as_euler("YXZ", degrees=True), atol=1e-9)
    # right, up, forward in the first camera's axes (first pose: identity; y is down)
    np.testing.assert_allclose(curves.translation[2], [0.5, 0.25, 2.0], atol=1e-12)
    np.testing.assert_allclose(curves.t, [0.0, 0.5, 1.0])


# --------------------------------------------------------------------------- misranked labels


@pytest.mark.parametrize("labels", [["No", "Yes", "No"], [0, 2, 1], [1.0, math.nan, 0.0]])
def test_misranked_fraction_refuses_labels_that_are_not_binary(labels: list) -> None:
    with pytest.raises(ValueError, match="labels must be booleans"):
        misranked_fraction(np.array(labels, dtype=object), np.array([0.9, 0.1, 0.5]))


def test_misranked_fraction_of_valid_labels_matches_one_minus_auc() -> None:
    rng = np.random.default_rng(52)
    y = rng.random(40) < 0.4
    s = np.round(rng.random(40), 1)  # ties, which count half (as AUC counts them)
    for labels in (y, y.astype(int), y.astype(float), pd.Series(y.astype(int))):
        bad = misranked_fraction(labels, s)
        assert bad[y].mean() == pytest.approx(1.0 - roc_auc_score(y, s))
        assert bad[~y].mean() == pytest.approx(1.0 - roc_auc_score(y, s))


def test_misranked_fraction_refuses_labels_and_scores_of_other_shapes() -> None:
    with pytest.raises(ValueError, match="one shape"):
        misranked_fraction(np.array([True, False]), np.array([0.1, 0.2, 0.3]))


# --------------------------------------------------------------------------- fact F1


@pytest.mark.parametrize(
    ("counts", "bad"), [((-1, 2, 3), "tp"), ((2.5, 1, 1), "tp"), ((1, True, 1), "fp"), ((1, 1, "2"), "fn")]
)
def test_fact_f1_refuses_counts_that_are_not_whole_numbers(counts: tuple, bad: str) -> None:
    with pytest.raises(ValueError, match=f"^{bad} must be a whole number >= 0"):
        cm.fact_f1(*counts)


def test_fact_f1_refuses_a_negative_video_count() -> None:
    with pytest.raises(ValueError, match=r"^videos must be a whole number"):
        cm.fact_f1(1, 1, 1, -2)


@pytest.mark.parametrize("counts", [(2, 1, 1), (7, 0, 3), (1, 4, 0), (np.int64(5), 2.0, 6)])
def test_fact_f1_of_valid_counts_matches_scikit_learn(counts: tuple) -> None:
    tp, fp, fn = (int(c) for c in counts)
    truth = np.array([1] * tp + [0] * fp + [1] * fn)
    said = np.array([1] * tp + [1] * fp + [0] * fn)
    p, r, f, _ = precision_recall_fscore_support(truth, said, average="binary", zero_division=np.nan)
    got = cm.fact_f1(*counts, videos=3)
    assert (got.precision, got.recall, got.f1) == pytest.approx((p, r, f))
    assert (got.tp, got.fp, got.fn, got.videos) == (tp, fp, fn, 3)
    assert all(type(v) is int for v in (got.tp, got.fp, got.fn))


# --------------------------------------------------------------------------- compat captions

COMPAT = [
    cm.compat_spice_lookalike,
    cm.compat_cider_lookalike,
    cm.compat_bleu2,
    cm.compat_rouge_l,
    cm.compat_meteor_lookalike,
]


@pytest.mark.parametrize("fn", COMPAT, ids=lambda f: f.__name__)
@pytest.mark.parametrize("missing", [None, math.nan, pd.NA])
def test_every_compat_metric_refuses_a_missing_candidate(fn, missing) -> None:
    with pytest.raises(ValueError, match=r"the candidate caption is missing"):
        fn("the camera pans left", missing)


@pytest.mark.parametrize("fn", COMPAT, ids=lambda f: f.__name__)
def test_every_compat_metric_refuses_a_missing_reference_by_its_index(fn) -> None:
    with pytest.raises(ValueError, match=r"reference caption 1 is missing \(nan\)"):
        fn(["a shot", math.nan], "the camera pans left")
    with pytest.raises(ValueError, match=r"reference caption 0 is not a text but int 3"):
        fn([3], "the camera pans left")


def test_compat_metrics_read_pandas_columns_as_sequences() -> None:
    refs = ["the camera pans left", "zoom in slowly", "it tilts up and then pans right"]
    cands = ["camera pans left", "the camera zooms in", "tilts up, pans right"]
    df = pd.DataFrame({"ref": refs, "cand": cands}, index=[10, 20, 30])
    got = cm.compat_metrics(df["ref"], df["cand"])
    assert got == cm.compat_metrics(refs, cands)
    # the BLEU-2 mean against nltk on the same tokens
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    bleu = [
        sentence_bleu(
            [r.lower().split()],
            c.lower().replace(",", "").split(),
            weights=(0.5, 0.5),
            smoothing_function=SmoothingFunction().method1,
        )
        for r, c in zip(refs, cands, strict=True)
    ]
    assert got.compat_bleu2 == pytest.approx(float(np.mean(bleu)))
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    rouge = [scorer.score(r, c)["rougeL"].fmeasure for r, c in zip(refs, cands, strict=True)]
    assert got.compat_rouge_l == pytest.approx(float(np.mean(rouge)))


def test_compat_metrics_name_the_position_of_a_missing_caption() -> None:
    df = pd.DataFrame({"ref": ["the camera pans left", "zoom in"], "cand": ["camera pans left", None]})
    with pytest.raises(ValueError, match=r"^video 1: the candidate caption is missing"):
        cm.compat_metrics(df["ref"], df["cand"])
    with pytest.raises(ValueError, match=r"^video 0: reference caption 0 is missing \(None\)"):
        cm.compat_metrics([[None]], ["pans left"])


def test_compat_metrics_refuse_one_text_for_a_column() -> None:
    with pytest.raises(ValueError, match="candidates must be a sequence with one entry per video"):
        cm.compat_metrics(["ab"], "c")


# --------------------------------------------------------------------------- knob subsets

VIDEOS = [f"c{i}.mp4" for i in range(6)]
RESOLVED = {
    "Pan_Left": ResolvedSamples(np.array([1, 0, 1, 0, 1, 0], bool), np.array([0.9, 0.2, 0.4, 0.6, 0.3, 0.5]), VIDEOS),
    "Tilt_Up": ResolvedSamples(np.array([0, 1, 1, 0, 0, 1], bool), np.array([0.1, 0.8, 0.3, 0.7, 0.2, 0.9]), VIDEOS),
}


def test_subset_ap_refuses_one_name_for_the_group() -> None:
    with pytest.raises(ValueError, match=r"not one name \('c1.mp4'\)"):
        subset_ap(RESOLVED, "c1.mp4", "pan")


def test_subset_ap_reads_a_series_by_its_values_and_matches_scikit_learn() -> None:
    group = VIDEOS[:5]
    series = pd.Series(group, index=[f"k{i}" for i in range(5)])  # `in series` would test the index
    got = subset_ap(RESOLVED, series, "pan")
    assert got == subset_ap(RESOLVED, group, "pan")
    expected = np.mean([average_precision_score(r.labels[:5], r.scores[:5]) for r in RESOLVED.values()])
    assert got.mean_ap == pytest.approx(expected)
    assert (got.clips, got.samples, got.primitives) == (5, 10, 2)


def test_subset_ap_refuses_a_group_entry_that_is_not_a_name() -> None:
    with pytest.raises(ValueError, match="entry 1 is int 3"):
        subset_ap(RESOLVED, ["c0.mp4", 3], "pan")


# --------------------------------------------------------------------------- binary_values


def test_binary_values_refuses_a_masked_entry() -> None:
    with pytest.raises(ValueError, match=r"labels must be booleans .*position 1 is a missing \(masked\) value"):
        binary_values(np.ma.masked_array([1, 0, 1], mask=[False, True, False]), "labels")
    unmasked = np.ma.masked_array([1, 0, 1], mask=[False, False, False])
    assert binary_values(unmasked, "labels").tolist() == [True, False, True]


def test_binary_values_blames_the_value_that_is_bad() -> None:
    with pytest.raises(ValueError, match=r"position 1 is 'x'"):
        mixed: Any = [True, "x"]  # numpy turns both into str
        binary_values(mixed, "labels")


def test_binary_values_names_a_ragged_input() -> None:
    with pytest.raises(ValueError, match=r"^ok must be an array of booleans \(or 0 and 1\) of one shape"):
        binary_values([[1, 0], [1]], "ok")


def test_binary_values_keeps_the_shape_its_callers_pass() -> None:
    cells = pd.DataFrame([[1, 0, 1, 1], [0, 0, 1, 1]])  # (P, 4) VQA ok flags stay (P, 4)
    assert binary_values(cells, "ok").tolist() == (cells.to_numpy() == 1).tolist()
    numbers: Any = [1, 0.0, True, np.True_]
    assert binary_values(numbers, "labels").tolist() == [True, False, True, True]
