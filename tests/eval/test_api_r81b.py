"""Red team R81: the public metric API given the wrong kinds of arguments (captions, VQA, trajectories)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.eval import caption_metrics as cm
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.trajectory_error import orientation_sim3, trajectory_errors
from camerabench.eval.vqa import retrieval_scores, vqa_scores
from camerabench.taxonomy.caption_facts import caption_facts
from camerabench.trajectory import Trajectory

# ------------------------------------------------------------------ captions


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    """coco_metrics without Java (no tokenizer or METEOR start: fast; the reading of references is the same)."""
    monkeypatch.setattr(cm, "java_available", lambda: False)


@pytest.mark.usefixtures("no_java")
def test_coco_reads_a_text_as_the_videos_one_reference() -> None:
    """A str per video was read as a reference per character: ROUGE-L, CIDEr 0 for identical captions."""
    texts = {"v1": "Static", "v2": "The camera pans left"}
    as_text = cm.coco_metrics(dict(texts), dict(texts))
    as_list = cm.coco_metrics({k: [v] for k, v in texts.items()}, dict(texts))
    assert as_text == as_list
    assert as_text.rouge_l == 1.0 and as_text.bleu1 == pytest.approx(1.0)
    mixed = {"v1": "Static", "v2": ("The camera pans left", "A pan to the left")}
    assert cm.coco_metrics(mixed, dict(texts)) == cm.coco_metrics({k: list(v) if isinstance(v, tuple) else [v]
                                                                   for k, v in mixed.items()}, dict(texts))  # fmt: skip


@pytest.mark.usefixtures("no_java")
@pytest.mark.parametrize(
    ("refs", "match"),
    [
        (None, r"coco_metrics: video 'v1': .*missing value \(None\)"),
        (3, r"coco_metrics: video 'v1': the references must be a text or a sequence of texts, got int"),
        ([None], r"coco_metrics: video 'v1': reference caption 0 is missing \(None\)"),
        (b"Static", r"video 'v1': .*got bytes"),
        ([], r"video 'v1' has no reference caption"),
    ],
)
def test_coco_refuses_references_that_are_no_texts(refs: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cm.coco_metrics({"v1": refs, "v2": ["a pan"]}, {"v1": "Static", "v2": "a pan"})  # type: ignore[dict-item]


@pytest.mark.usefixtures("no_java")
def test_coco_names_a_missing_candidate_and_a_non_mapping() -> None:
    with pytest.raises(ValueError, match=r"candidate caption of 'v1' is missing \(None\)"):
        cm.coco_metrics({"v1": ["a b"], "v2": ["c d"]}, {"v1": None, "v2": "c d"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="references must be a mapping of video id -> captions, got list"):
        cm.coco_metrics([["a b"]], {"v1": "a b"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (cm.normalise_caption, "normalise_caption"),
        (cm.caption_tokens, "caption_tokens"),
        (cm.truncate_caption, "truncate_caption"),
    ],
)
def test_caption_text_functions_name_a_none_or_a_number(fn: object, name: str) -> None:
    with pytest.raises(ValueError, match=rf"{name}: text is missing \(None\)"):
        fn(None)  # type: ignore[operator]
    with pytest.raises(ValueError, match=rf"{name}: text is not a text but int 5"):
        fn(5)  # type: ignore[operator]


def test_caption_facts_names_the_type_found() -> None:
    for value, kind in ((None, "NoneType"), (["pans left"], "list"), (b"pans left", "bytes")):
        with pytest.raises(TypeError, match=rf"caption_facts: caption must be a text \(str\), got {kind}"):
            caption_facts(value)  # type: ignore[arg-type]
    assert caption_facts("The camera pans left.") == {"Pan_Left"}


def test_truncate_caption_refuses_a_limit_that_is_no_positive_integer() -> None:
    text = "the camera pans left and right"
    for limit in (-1, 0):
        with pytest.raises(ValueError, match=rf"limit must be an integer >= 1 \(tokens\), got {limit}"):
            cm.truncate_caption(text, limit)
    for limit in (1.5, True, "3", None):
        with pytest.raises(TypeError, match="limit must be an integer >= 1"):
            cm.truncate_caption(text, limit)  # type: ignore[arg-type]
    assert cm.truncate_caption(text, np.int64(3)) == cm.truncate_caption(text, 3) == "the camera pans"  # type: ignore[arg-type]
    assert cm.truncate_caption(text, 1) == "the"


# ------------------------------------------------------------------ trajectories


def _traj(n: int = 30) -> Trajectory:
    ts = np.arange(n) / 30.0
    poses = np.tile(np.eye(4), (n, 1, 1))
    poses[:, :3, 3] = np.c_[np.sin(ts), ts**2, np.cos(ts)]
    return Trajectory(poses, None, ts)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.1", r"got str '0\.1'"),
        (-1.0, "got -1.0"),
        (math.nan, "got nan"),
        (math.inf, "got inf"),
        (True, "got bool True"),
    ],
)
def test_max_diff_s_is_checked(value: object, shown: str) -> None:
    tr = _traj()
    with pytest.raises(CameraBenchError, match=rf"max_diff_s must be a non-negative finite number of seconds, {shown}"):
        trajectory_errors(tr, tr, max_diff_s=value)  # type: ignore[arg-type]


def test_numpy_seconds_are_accepted_as_their_float() -> None:
    tr = _traj()
    numpy_args = trajectory_errors(tr, tr, max_diff_s=np.float64(0.01), rpe_delta_s=np.float32(0.2))  # type: ignore[arg-type]
    python_args = trajectory_errors(tr, tr, max_diff_s=0.01, rpe_delta_s=float(np.float32(0.2)))
    assert numpy_args == python_args and numpy_args["rpe_pairs"] > 0
    # 0: equal timestamps only (evo's match is |dt| <= max_diff), every pose of the same clock matched
    assert trajectory_errors(tr, tr, max_diff_s=0)["matched_poses"] == len(tr)
    with pytest.raises(CameraBenchError, match="rpe_delta_s must be a positive finite number of seconds, got bool"):
        trajectory_errors(tr, tr, rpe_delta_s=np.bool_(True))  # type: ignore[arg-type]


def test_trajectory_errors_wants_trajectories() -> None:
    tr = _traj()
    with pytest.raises(TypeError, match=r"est must be a camerabench\.trajectory\.Trajectory .* got ndarray"):
        trajectory_errors(tr.cam_c2w, tr)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"ref must be a camerabench\.trajectory\.Trajectory .* got list"):
        trajectory_errors(tr, list(tr.cam_c2w))  # type: ignore[arg-type]


def test_orientation_sim3_converts_lists_and_names_nan_poses() -> None:
    poses = _traj(5).cam_c2w
    from_lists = orientation_sim3(list(poses), poses.tolist())  # type: ignore[arg-type]
    from_arrays = orientation_sim3(poses, poses)
    for a, b in zip(from_lists, from_arrays, strict=True):
        np.testing.assert_array_equal(a, b)
    bad = poses.copy()
    bad[3, 0, 0] = math.nan
    with pytest.raises(ValueError, match=r"ref_c2w: pose 3 holds a NaN or infinite value \(1 of 5 poses do\)"):
        orientation_sim3(poses, bad)
    with pytest.raises(ValueError, match="est_c2w must hold real numbers, got complex"):
        orientation_sim3(poses.astype(complex), poses)
    with pytest.raises(ValueError, match=r"est_c2w must be an \(N, 4, 4\) array of real numbers, got list"):
        orientation_sim3([["a"] * 4] * 4, poses)  # type: ignore[arg-type]


# ------------------------------------------------------------------ VQA / retrieval

S = np.array([[0.9, 0.1, 0.8, 0.2]])
OK = np.ones((1, 4), bool)


@pytest.mark.parametrize("threshold", ["0.5", None, np.array([0.5]), True, np.bool_(False)])
def test_yes_threshold_must_be_a_real_number(threshold: object) -> None:
    with pytest.raises(TypeError, match=r"yes_threshold must be a finite real number, got"):
        vqa_scores(S, OK, threshold)  # type: ignore[arg-type]


def test_numpy_thresholds_score_as_their_float() -> None:
    ref = vqa_scores(S, OK, 0.85)
    assert ref.acc == 0.75  # 0.8 is under 0.85: one Yes cell answered No
    assert vqa_scores(S, OK, np.float32(0.85)) == vqa_scores(S, OK, float(np.float32(0.85)))  # type: ignore[arg-type]
    assert vqa_scores(S, OK, np.array(0.85)) == ref  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="yes threshold is NaN"):
        vqa_scores(S, OK, np.float64(math.nan))


def test_zero_pairs_are_nan_with_a_warning() -> None:
    empty, none_ok = np.zeros((0, 4)), np.zeros((0, 4), bool)
    with pytest.warns(UndefinedMetricWarning, match="VQA accuracy is undefined on 0 pairs"):
        got = vqa_scores(empty, none_ok, 0.5)
    assert all(math.isnan(v) for v in (got.acc, got.q_acc, got.video_acc, got.group_acc))
    with pytest.warns(UndefinedMetricWarning, match="Retrieval accuracy is undefined on 0 pairs"):
        ret = retrieval_scores(empty, none_ok)
    assert all(math.isnan(v) for v in (ret.text, ret.video, ret.group))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one pair: no warning
        assert vqa_scores(S, OK, 0.5).group_acc == 1.0


def test_complex_scores_are_refused() -> None:
    cells = np.array([[1j, 0.1, 0.8, 0.2]])
    for call in (lambda: vqa_scores(cells, OK, 0.5), lambda: retrieval_scores(cells, OK)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy's ComplexWarning would be an error too: the refusal comes first
            with pytest.raises(ValueError, match="scores must be real numbers, got complex values"):
                call()
