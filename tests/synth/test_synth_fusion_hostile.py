"""Hostile inputs to synth and fusion: clear errors before work, never a silent result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, train_fusion
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.synth import generate_dataset
from camerabench.taxonomy import BinaryRecord, Primitive


def test_huge_clip_count_is_refused_before_work(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="clips must be at most"):
        generate_dataset(tmp_path / "d", clips=10**12, size=(96, 64), workers=1)
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("size", [(96.7, 64), (96, 64, 3), (96,), "96x64"])
def test_size_must_be_two_integers(tmp_path: Path, size: Any) -> None:
    with pytest.raises(CameraBenchError, match="frame size must be two integers"):
        generate_dataset(tmp_path / "d", clips=1, size=size, workers=1)


def test_scene_cut_at_too_low_fps_is_refused_before_work(tmp_path: Path) -> None:
    with pytest.raises(CameraBenchError, match="scene cut needs at least 4"):
        generate_dataset(tmp_path / "d", clips=14, preset="hard", size=(48, 32), fps=1.0, workers=1)
    assert not (tmp_path / "d").exists()


def _data_and_run(root: Path, n: int = 12) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    videos = [f"v{i:02d}.mp4" for i in range(n)]
    prim = Primitive.PAN_LEFT
    write_binary_file(
        data / "labels" / "binary_classification" / prim.file,
        [
            BinaryRecord(v, prim.question, "Yes" if i % 3 == 0 else "No", prim.task, prim.label_name)
            for i, v in enumerate(videos)
        ],
    )
    (data / "videos").mkdir(parents=True)
    for v in videos:
        (data / "videos" / v).write_bytes(b"")
    recs = [
        ScoreRecord(v, prim.question, "a", float(i % 3 == 0) + 0.1 * i, primitive=prim.value)
        for i, v in enumerate(videos)
    ]
    write_scores(MethodFolder.of(run, "a").scores, recs)
    return data, run


def test_train_refuses_an_input_of_another_dataset(tmp_path: Path) -> None:
    data, run = _data_and_run(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    folder = MethodFolder.of(run, "a")
    folder.run_info.write_text(json.dumps(RunInfo("a", data=str(other.resolve())).to_dict()))
    with pytest.raises(CameraBenchError, match="another dataset"):
        train_fusion(data, run, ["a"], tmp_path / "m", n_splits=2, inner_repeats=1)


def test_train_refuses_an_input_with_no_score_for_the_dataset(tmp_path: Path) -> None:
    data, run = _data_and_run(tmp_path)
    write_scores(MethodFolder.of(run, "b").scores, [])
    with pytest.raises(CameraBenchError, match=r"'b'.*no ok score"):
        train_fusion(data, run, ["a", "b"], tmp_path / "m", n_splits=2, inner_repeats=1)


@pytest.mark.parametrize(("n_splits", "inner_repeats"), [(0, 1), (2, 0)])
def test_train_refuses_bad_fold_counts(tmp_path: Path, n_splits: int, inner_repeats: int) -> None:
    data, run = _data_and_run(tmp_path)
    with pytest.raises(CameraBenchError, match="must be an integer >= 1"):
        train_fusion(data, run, ["a"], tmp_path / "m", n_splits=n_splits, inner_repeats=inner_repeats)


def _trained(tmp_path: Path) -> dict[str, Any]:
    data, run = _data_and_run(tmp_path)
    train_fusion(data, run, ["a"], tmp_path / "m", n_splits=2, inner_repeats=1)
    obj: dict[str, Any] = json.loads((tmp_path / "m" / FUSION_FILE).read_text())
    assert obj["full"]["kind"] == "logistic"
    return obj


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda o: o["full"]["coef"].__setitem__(0, float("nan")),
        lambda o: o["full"].__setitem__("intercept", float("inf")),
        lambda o: o["full"]["coef"].append(1.0),
        lambda o: o.__setitem__("inputs", []),
    ],
)
def test_a_corrupt_model_file_is_a_file_format_error(tmp_path: Path, corrupt: Any) -> None:
    obj = _trained(tmp_path)
    corrupt(obj)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / FUSION_FILE).write_text(json.dumps(obj))
    with pytest.raises(FileFormatError, match="malformed fusion model"):
        FusionModel.load(tmp_path / "bad")
