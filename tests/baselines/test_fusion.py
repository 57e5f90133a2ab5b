"""fusion: stacks that take the informative input per primitive, failures as features, JSON, CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, train_fusion
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
    for prim in (A_KNOWS, B_KNOWS):  # b fails on a third of the videos, so its own AP is below 1
        assert ap["fusion"][prim.value] >= max(ap["a"][prim.value], ap["b"][prim.value]) - 0.05, prim


def test_input_failure_is_a_feature(trained: dict[str, Any]) -> None:
    ap = {m: r.binary.per_primitive for m, r in trained["result"].methods.items()}
    assert ap["fusion"][B_FAILS_ON.value] > 0.8 > max(ap["a"][B_FAILS_ON.value], ap["b"][B_FAILS_ON.value])
    fusion = trained["result"].methods["fusion"]
    assert fusion.binary.failed == 0 and fusion.kind == "fusion"


def test_predictions_on_training_data_are_cross_fitted(trained: dict[str, Any]) -> None:
    info = json.loads((trained["run"] / "fusion" / "run.json").read_text())
    assert info["method_kind"] == "fusion" and info["settings"]["inputs_run"] == str(trained["run"])
    model = FusionModel.load(trained["model"])
    assert set(model.video_folds) == {f"v{i:02d}.mp4" for i in range(N_VIDEOS)}
    assert all(len(e["folds"]) == 5 for e in model.primitives.values())


def test_model_json_round_trip(trained: dict[str, Any]) -> None:
    path = trained["model"] / FUSION_FILE
    obj = json.loads(path.read_text())
    model = FusionModel.from_dict(obj)
    assert model.to_dict() == obj
    assert obj["inputs"] == ["a", "b"] and obj["features"] == ["a.score", "a.failed", "b.score", "b.failed"]
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
