"""fusion, hostile inputs (sweep 20): failed inputs at prediction, input folders of another method."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.fusion import FusionPredictor, train_fusion
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PRIMS = (Primitive.PAN_LEFT, Primitive.TILT_UP)
N = 12


def _dataset(
    root: Path, fail: dict[str, set[tuple[str, Primitive]]] | None = None, scale: float = 1.0
) -> tuple[Path, Path]:
    """Inputs ``a`` and ``b``, both informative; ``fail[input]`` holds the (video, primitive) it failed on."""
    fail = fail or {}
    rng = np.random.default_rng(0)
    data, run = root / "data", root / "run"
    videos = [f"v{i:02d}.mp4" for i in range(N)]
    records: dict[str, list[ScoreRecord]] = {"a": [], "b": []}
    for k, prim in enumerate(PRIMS):
        y = [(i + k) % 3 == 0 for i in range(N)]
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [
                BinaryRecord(v, prim.question, "Yes" if t else "No", prim.task, prim.label_name)
                for v, t in zip(videos, y, strict=True)
            ],
        )
        for v, t in zip(videos, y, strict=True):
            for name in records:
                if (v, prim) in fail.get(name, set()):
                    records[name].append(ScoreRecord.failed(v, prim.question, name, f"{name} lost track", prim.value))
                else:
                    s = scale * (2.0 * t + rng.normal(scale=0.5))
                    records[name].append(ScoreRecord(v, prim.question, name, float(s), primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    for name, recs in records.items():
        write_scores(MethodFolder.of(run, name).scores, recs)
    return data, run


def _train(root: Path, data: Path, run: Path, inputs: list[str] | None = None) -> Path:
    train_fusion(data, run, inputs or ["a", "b"], root / "model", n_splits=3, inner_repeats=1)
    return root / "model"


def _predictor(model: Path, run: Path) -> FusionPredictor:
    return FusionPredictor(model=str(model), inputs_run=str(run))


def _questions(data: Path, video: str) -> list[Question]:
    return Dataset(data).questions()[video]


def test_a_question_every_input_failed_on_gets_no_score(tmp_path: Path) -> None:
    # old: scored with the stack's value for "all inputs failed", the same for every such clip
    fail = {"a": {("v00.mp4", PRIMS[0])}, "b": {("v00.mp4", PRIMS[0])}}
    data, run = _dataset(tmp_path, fail)
    model = _train(tmp_path, data, run)
    res = _predictor(model, run).predict(data / "videos" / "v00.mp4", _questions(data, "v00.mp4"))
    assert PRIMS[0].question not in res.scores and PRIMS[1].question in res.scores
    reason = res.info["all_inputs_failed"][PRIMS[0].question]
    assert "a: a lost track" in reason and "b: b lost track" in reason


def test_a_video_every_input_failed_on_is_a_failure_with_the_reasons(tmp_path: Path) -> None:
    fail = {name: {("v01.mp4", p) for p in PRIMS} for name in ("a", "b")}
    data, run = _dataset(tmp_path, fail)
    model = _train(tmp_path, data, run)
    with pytest.raises(PredictionError, match=r"every fusion input failed on v01\.mp4: a: a lost track; b: b lost"):
        _predictor(model, run).predict(data / "videos" / "v01.mp4", _questions(data, "v01.mp4"))


def test_a_question_scored_without_a_failed_input_names_it(tmp_path: Path) -> None:
    # old: only inputs that failed on every question of the video were named
    data, run = _dataset(tmp_path, {"b": {("v02.mp4", PRIMS[1])}})
    model = _train(tmp_path, data, run)
    res = _predictor(model, run).predict(data / "videos" / "v02.mp4", _questions(data, "v02.mp4"))
    assert set(res.scores) == {p.question for p in PRIMS}
    assert res.info["inputs_failed_on"] == {"b": [PRIMS[1].question]} and res.info["inputs_failed"] == []


def test_an_input_folder_holding_another_methods_run_is_refused_in_training(tmp_path: Path) -> None:
    # old: "c" (a copy of a's folder) was trained on as an input c, a's scores twice under two names
    data, run = _dataset(tmp_path)
    shutil.copytree(run / "a", run / "c")
    with pytest.raises(CameraBenchError, match=r"input 'c': .* holds a run of method 'a', not 'c'"):
        _train(tmp_path, data, run, ["c", "b"])


def test_swapped_input_folders_are_refused_at_prediction(tmp_path: Path) -> None:
    # old: a's and b's folders swapped after training were read as each other, scores silently wrong
    data, run = _dataset(tmp_path)
    model = _train(tmp_path, data, run)
    (run / "a").rename(run / "tmp")
    (run / "b").rename(run / "a")
    (run / "tmp").rename(run / "b")
    pred = _predictor(model, run)
    with pytest.raises(CameraBenchError, match="holds a run of method 'b', not 'a'"):
        pred.setup()
