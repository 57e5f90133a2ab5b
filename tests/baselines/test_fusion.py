"""fusion: a shared stack over standardised scores, failures as features, no leak, JSON, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, InputFeatures, train_fusion
from camerabench.cli import main
from camerabench.eval.evaluate import evaluate
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

A_KNOWS, B_KNOWS, B_FAILS_ON = Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.ZOOM_IN
N_VIDEOS = 60


def _dataset(root: Path, seed: int = 0) -> tuple[Path, Path]:
    """Input ``a`` is informative on Pan_Left only, ``b`` on Tilt_Up only; ``b`` fails on every
    Zoom_In positive (and on a few negatives) while both inputs' Zoom_In scores are noise."""
    rng = np.random.default_rng(seed)
    data, run = root / "data", root / "run"
    videos = [f"v{i:02d}.mp4" for i in range(N_VIDEOS)]
    labels = {p: rng.random(N_VIDEOS) < 0.3 for p in (A_KNOWS, B_KNOWS, B_FAILS_ON)}
    b_fails = labels[B_FAILS_ON] | (rng.random(N_VIDEOS) < 0.1)
    records: dict[str, list[ScoreRecord]] = {"a": [], "b": []}
    for prim, y in labels.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [
                BinaryRecord(v, prim.question, "Yes" if t else "No", prim.task, prim.label_name)
                for v, t in zip(videos, y, strict=True)
            ],
        )
        for i, v in enumerate(videos):
            noise = rng.normal(size=2)
            a = 3.0 * y[i] + 0.3 * noise[0] if prim == A_KNOWS else noise[0]
            b = 20.0 * y[i] + 2.0 * noise[1] if prim == B_KNOWS else 10 * noise[1]  # another scale
            records["a"].append(ScoreRecord(v, prim.question, "a", float(a), primitive=prim.value))
            if b_fails[i]:
                records["b"].append(ScoreRecord.failed(v, prim.question, "b", "no model", prim.value))
            else:
                records["b"].append(ScoreRecord(v, prim.question, "b", float(b), primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    for name, recs in records.items():
        write_scores(MethodFolder.of(run, name).scores, recs)
    return data, run


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fusion")
    data, run = _dataset(root)
    model_dir = root / "model"
    assert (
        main(
            [
                "train",
                "--method",
                "fusion",
                "--data",
                str(data),
                "--run",
                str(run),
                "--inputs",
                "a,b",
                "--out",
                str(model_dir),
                "--folds",
                "3",
            ]
        )
        == 0
    )
    assert (
        main(["predict", "--data", str(data), "--method", "fusion", "--model", str(model_dir), "--out", str(run)]) == 0
    )
    result = evaluate(data, run, n_bootstrap=20).result
    return {"data": data, "run": run, "model": model_dir, "result": result}


def test_fusion_beats_both_inputs(trained: dict[str, Any]) -> None:
    ap = {m: r.binary.per_primitive for m, r in trained["result"].methods.items()}
    mean = {m: r.binary.mean_ap for m, r in trained["result"].methods.items()}
    assert mean["fusion"] > max(mean["a"], mean["b"]) + 0.1
    # 18 positives per primitive: enough for the inner CV to choose per-primitive input weights,
    # so fusion keeps the informative input's ranking where the other one is noise
    model = FusionModel.load(trained["model"])
    assert model.full is not None and model.full.variant == "interactions"
    for prim in (A_KNOWS, B_KNOWS):  # b fails on a third of the videos, so its own AP is below 1
        assert ap["fusion"][prim.value] >= max(ap["a"][prim.value], ap["b"][prim.value]) - 0.05, prim


def test_input_failure_is_a_feature(trained: dict[str, Any]) -> None:
    ap = {m: r.binary.per_primitive for m, r in trained["result"].methods.items()}
    # b's failures are ~18 positives of ~24 videos: ranking them first gives AP ~0.75 (nothing
    # orders them further), where both inputs' scores are noise (AP ~ the prevalence, 0.3)
    assert ap["fusion"][B_FAILS_ON.value] > 0.6 > max(ap["a"][B_FAILS_ON.value], ap["b"][B_FAILS_ON.value])
    fusion = trained["result"].methods["fusion"]
    assert fusion.binary.failed == 0 and fusion.kind == "fusion"


def test_predictions_on_training_data_are_cross_fitted(trained: dict[str, Any]) -> None:
    info = json.loads((trained["run"] / "fusion" / "run.json").read_text())
    assert info["method_kind"] == "fusion" and info["settings"]["inputs_run"] == str(trained["run"])
    model = FusionModel.load(trained["model"])
    assert set(model.video_folds) == {f"v{i:02d}.mp4" for i in range(N_VIDEOS)}
    assert sorted(model.folds) == [0, 1, 2]
    assert model.primitives[A_KNOWS.value]["samples"] == N_VIDEOS


def test_held_out_predictions_ignore_their_own_labels(tmp_path: Path) -> None:
    """Flipping the labels of one fold's videos must not move those videos' cross-fitted scores
    (their fold's stack never saw them), and must move the full model's (which did)."""
    data, run = _dataset(tmp_path, seed=1)
    before = train_fusion(data, run, ["a", "b"], tmp_path / "m1", n_splits=2, inner_repeats=1).model
    held_out = sorted(v for v, f in before.video_folds.items() if f == 0)
    for path in (data / "labels" / "binary_classification").iterdir():
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for obj in lines:
            if obj["image"] in held_out:
                obj["label"] = "No" if obj["label"] == "Yes" else "Yes"
        path.write_text("".join(json.dumps(o) + "\n" for o in lines))
    after = train_fusion(data, run, ["a", "b"], tmp_path / "m2", n_splits=2, inner_repeats=1).model
    inputs = [InputFeatures.read(run, "a"), InputFeatures.read(run, "b")]

    def scores(model: FusionModel, cross_fit: bool) -> list[float]:
        prim = A_KNOWS
        return [model.probability(prim.value, inputs, v, prim.question, cross_fit) for v in held_out]

    assert scores(after, cross_fit=True) == scores(before, cross_fit=True)
    assert scores(after, cross_fit=False) != scores(before, cross_fit=False)


def test_model_json_round_trip(trained: dict[str, Any]) -> None:
    path = trained["model"] / FUSION_FILE
    obj = json.loads(path.read_text())
    model = FusionModel.from_dict(obj)
    assert model.to_dict() == obj
    assert obj["inputs"] == ["a", "b"] and obj["features"][:4] == ["a.z", "b.z", "a.failed", "b.failed"]
    assert obj["trained_on_data"] == str(trained["data"].resolve())


def test_missing_input_run_is_named(tmp_path: Path, trained: dict[str, Any]) -> None:
    other = tmp_path / "run"
    code = main(
        [
            "predict",
            "--data",
            str(trained["data"]),
            "--method",
            "fusion",
            "--model",
            str(trained["model"]),
            "--out",
            str(other),
        ]
    )
    assert code == 1


def test_train_needs_inputs(trained: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(Exception, match="input"):
        train_fusion(trained["data"], trained["run"], [], tmp_path / "m")


def _held_out_ap(scores: np.ndarray, labels: np.ndarray, n_train: int) -> tuple[dict[str, float], str]:
    """Mean AP over primitives on the videos after the first ``n_train`` of each input (columns
    ``a``, ``b`` of ``scores[video, primitive]``) and of a stack fitted on the first ``n_train``
    videos only, and the variant that stack chose."""
    from sklearn.metrics import average_precision_score

    from camerabench.baselines.fusion import fit_shared_stack

    n_videos, n_prims, _ = scores.shape
    video = np.repeat(np.arange(n_videos), n_prims)
    prim = np.array([f"P{p}" for p in np.tile(np.arange(n_prims), n_videos)])
    s, y = scores.reshape(-1, 2), labels.reshape(-1)
    train = video < n_train
    stack = fit_shared_stack(list(prim[train]), s[train], y[train], [f"v{v}" for v in video[train]], inner_repeats=1)
    test = {"a": s[~train, 0], "b": s[~train, 1], "fusion": stack.probabilities(list(prim[~train]), s[~train])}
    ap = {
        name: float(
            np.mean([average_precision_score(y[~train][prim[~train] == p], col[prim[~train] == p]) for p in set(prim)])
        )
        for name, col in test.items()
    }
    return ap, stack.variant


def test_a_noise_input_does_not_hurt() -> None:
    """``b`` is pure noise: the stack's weight on it is small enough that fusion keeps ``a``'s AP."""
    rng = np.random.default_rng(0)
    labels = rng.random((120, 3)) < 0.3
    scores = np.stack([1.5 * labels + rng.normal(size=labels.shape), rng.normal(size=labels.shape)], axis=-1)
    ap, _ = _held_out_ap(scores, labels, n_train=80)
    assert ap["a"] > 0.6 and abs(ap["fusion"] - ap["a"]) < 0.02 and ap["b"] < 0.45, ap


def test_inputs_right_on_different_halves() -> None:
    """``a`` knows the odd videos, ``b`` the even ones (each is noise on the other half): a
    positive stands out in one input or the other, so their shared sum beats both."""
    rng = np.random.default_rng(1)
    labels = rng.random((120, 3)) < 0.3
    odd = (np.arange(120) % 2 == 1)[:, None]
    a = np.where(odd, 6.0 * labels, 0.0) + rng.normal(size=labels.shape)
    b = np.where(~odd, 6.0 * labels, 0.0) + rng.normal(size=labels.shape)
    ap, variant = _held_out_ap(np.stack([a, b], axis=-1), labels, n_train=80)
    assert variant == "shared"
    assert ap["fusion"] > max(ap["a"], ap["b"]) + 0.05, ap
