"""Hostile inputs, round 14: score fusion (its standardisation and its model file)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, fit_shared_stack, train_fusion
from camerabench.errors import FileFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PRIMS = (Primitive.PAN_LEFT, Primitive.TILT_UP)


def _dataset(root: Path, n: int) -> tuple[Path, Path]:
    """``n`` videos, every third positive; input ``a`` informative, ``b`` more so, on another scale."""
    rng = np.random.default_rng(0)
    data, run = root / "data", root / "run"
    videos = [f"v{i:02d}.mp4" for i in range(n)]
    recs: dict[str, list[ScoreRecord]] = {"a": [], "b": []}
    for prim in PRIMS:
        y = np.arange(n) % 3 == 0
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [
                BinaryRecord(v, prim.question, "Yes" if t else "No", prim.task, prim.label_name)
                for v, t in zip(videos, y, strict=True)
            ],
        )
        for i, v in enumerate(videos):
            recs["a"].append(ScoreRecord(v, prim.question, "a", float(2 * y[i] + rng.normal()), primitive=prim.value))
            recs["b"].append(
                ScoreRecord(v, prim.question, "b", float(5e6 * y[i] + 1e6 * rng.normal()), primitive=prim.value)
            )
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    for name, rows in recs.items():
        write_scores(MethodFolder.of(run, name).scores, rows)
    return data, run


@pytest.fixture(scope="module")
def model_obj(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fusion14")
    data, run = _dataset(root, 12)
    train_fusion(data, run, ["a", "b"], root / "m", n_splits=2, inner_repeats=1)
    obj: dict[str, Any] = json.loads((root / "m" / FUSION_FILE).read_text())
    assert obj["full"]["kind"] == "logistic" and sorted(obj["folds"]) == ["0", "1"]
    return obj


# --------------------------------------------------------------------------- a constant input


@pytest.mark.parametrize("constant", [3.0, 0.1, 123.456])
def test_an_input_that_never_varied_in_training_does_not_saturate_p_yes(constant: float) -> None:
    """Input ``a`` gave every training video the same score. Its standardiser's sd was the mean's
    round-off (1.1e-16), so a score 1% off at prediction was a z of 1e14 and P(yes) was exactly 1.0
    (or 0.0). Its sd is now 1 (no spread to scale by), and the stack equals scikit-learn's logistic
    regression on the other input's standardised score alone."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    n = 40
    y = rng.random(n) < 0.4
    b = y * 2.0 + rng.normal(size=n)
    s = np.c_[np.full(n, constant), b]
    stack = fit_shared_stack(["Pan_Left"] * n, s, y, [f"v{i}" for i in range(n)], inner_repeats=1)
    assert stack.standardiser[0][0][2] == 1.0  # was 1.1102230246251565e-16
    probe = np.array([[constant, 0.5], [constant * 1.01, 0.5], [math.nan, 0.5]])
    p = stack.probabilities(["Pan_Left"] * 3, probe)
    assert 0.01 < p[0] < 0.99 and p[1] == pytest.approx(p[0], abs=1e-9)  # was p[1] == 1.0
    # the same numbers as scikit-learn on b's z (the constant column and the failure flags are 0)
    m, mean, sd = stack.standardiser[0][1]
    z = ((np.arcsinh(b / m) - mean) / sd)[:, None]
    lr = LogisticRegression(C=stack.c, max_iter=5000).fit(z, y.astype(int))
    expected = lr.predict_proba(np.array([[(math.asinh(0.5 / m) - mean) / sd]]))[0, 1]
    assert p[0] == pytest.approx(expected, abs=1e-4)


# --------------------------------------------------------------------------- a hand-edited fusion.json


def _load(tmp_path: Path, obj: dict[str, Any]) -> FusionModel:
    (tmp_path / "m").mkdir(exist_ok=True)
    (tmp_path / "m" / FUSION_FILE).write_text(json.dumps(obj))
    return FusionModel.load(tmp_path / "m")


@pytest.mark.parametrize("edit", ["drop fold 1", "video in fold 7"])
def test_a_training_fold_without_its_stack_is_refused_not_given_the_full_model(
    model_obj: dict[str, Any], tmp_path: Path, edit: str
) -> None:
    """Its videos got the full model, fitted on their own labels: predictions on the training data
    were in-sample while run.json said cross-fitted."""
    obj = copy.deepcopy(model_obj)
    video = next(v for v, f in obj["video_folds"].items() if f == 1)
    if edit == "drop fold 1":
        del obj["folds"]["1"]
        fold = 1
    else:
        obj["video_folds"][video] = fold = 7
    with pytest.raises(FileFormatError, match=f"malformed fusion model: video_folds puts videos in fold {fold}, "):
        _load(tmp_path, obj)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # each of these was read: "ab" as inputs a and b, "1234" as four coefficients, 1.7 as fold 1
        (_set(("full", "standardiser", 0, 0, 2), 0.0), "m and sd must be positive"),  # was a division by 0
        (_set(("full", "standardiser", 0, 0, 0), -2.0), "m and sd must be positive"),  # reversed the input
        (_set(("full", "standardiser", 0, 0), [1.0, 0.0]), r"must be \[m, mean, sd\]"),  # an IndexError later
        (_set(("full", "variant"), "per-primitive"), "unknown fusion variant 'per-primitive'"),  # read as shared
        (_set(("video_folds", "v01.mp4"), 1.7), "fold must be a non-negative integer, got 1.7"),
        (_set(("video_folds", "v01.mp4"), True), "fold must be a non-negative integer, got True"),
        (_set(("inputs",), "ab"), "inputs must be a JSON array, got str 'ab'"),
        (_set(("full", "coef"), "1234"), "coef must be a JSON array"),
        (_set(("full", "intercept"), "0.5"), "intercept must be a finite number, got '0.5'"),
        (_set(("full", "primitives"), ["Pan_Left", "Pan_Left"]), "names a primitive twice"),
    ],
)
def test_a_hand_edited_model_file_is_a_file_format_error(
    model_obj: dict[str, Any], tmp_path: Path, edit: Any, message: str
) -> None:
    obj = copy.deepcopy(model_obj)
    edit(obj)
    with pytest.raises(FileFormatError, match=message):
        _load(tmp_path, obj)


def test_the_unedited_model_file_still_loads(model_obj: dict[str, Any], tmp_path: Path) -> None:
    assert _load(tmp_path, copy.deepcopy(model_obj)).to_dict() == model_obj


# --------------------------------------------------------------------------- undefined inner log loss


def test_an_undefined_inner_log_loss_is_written_as_null_not_nan(tmp_path: Path) -> None:
    """Two videos: no inner split has both classes in its training part, so every candidate's
    log loss is undefined. It was written as a bare NaN, which is not JSON (jq and JSON.parse
    refuse the file); it is null now, read back as NaN."""
    data, run = _dataset(tmp_path, 2)
    train_fusion(data, run, ["a", "b"], tmp_path / "m", n_splits=2, inner_repeats=1)
    text = (tmp_path / "m" / FUSION_FILE).read_text()

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    obj = json.loads(text, parse_constant=refuse)  # was: ValueError: NaN is not JSON
    assert obj["full"]["cv_log_loss"]["shared@1"] == [None, 0.0]
    model = FusionModel.load(tmp_path / "m")
    assert model.full is not None and math.isnan(model.full.cv_log_loss["shared@1"][0])
    assert model.to_dict() == obj


def test_a_model_file_written_with_nan_log_losses_still_loads(model_obj: dict[str, Any], tmp_path: Path) -> None:
    """Files written before the null: their bare NaN is read as the undefined loss it meant."""
    obj = copy.deepcopy(model_obj)
    obj["full"]["cv_log_loss"]["shared@1"] = [math.nan, 0.0]
    model = _load(tmp_path, obj)
    assert model.full is not None and math.isnan(model.full.cv_log_loss["shared@1"][0])
