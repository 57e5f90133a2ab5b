"""fusion's failed videos, model files edited by hand, inputs of another dataset; calibration of
subnormal scores.

- A video fusion failed on was booked failed for every question, VQA ones too, so evaluation
  took fusion's VQA/retrieval as answered and scored the failures as wrong (acc 0.0).
- A model file listing a primitive its full stack lacks loaded, and every video's question of it
  was recorded failed (as if each were a training video its fold model never saw); ``full: null``
  loaded, and every video failed on it; ``samples: 3.7`` was read as 3.
- An input whose run.json says it scored another dataset was refused per video (every video a
  failure with one reason), not once before the run.
- Platt's fit undefined on all samples though not in cross-validation (scores 0 and 1e-320, two
  folds) was an uncaught MapUndefinedError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.fusion import FUSION_FILE, FusionModel, FusionPredictor, SharedStack
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.calibration import fit_calibration
from camerabench.eval.evaluate import evaluate
from camerabench.jobs import runner
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import VQAPair, write_binary_file, write_vqa_file
from camerabench.records import RunInfo, ScoreRecord, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i}.mp4" for i in range(6)]
BROKEN = "v1.mp4"  # no input has a record of it: fusion fails on it


def _pair(i: int) -> VQAPair:
    pos, neg = VIDEOS[i], VIDEOS[i + 1]
    return VQAPair(
        "sk",
        "task",
        (pos, neg),
        (f"pos {i}", f"neg {i}"),
        pos,
        neg,
        f"pos {i}",
        f"neg {i}",
        f"Is the camera doing thing {i}?",
        f"Is the camera not doing thing {i}?",
    )


def _dataset(root: Path, vqa: bool = True) -> Path:
    for prim in (PAN, TILT):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    if vqa:
        write_vqa_file(root / "labels" / "vqa_and_retrieval" / "sk" / "task.jsonl", [_pair(i) for i in (0, 2, 4)])
    (root / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (root / "videos" / v).write_bytes(b"")
    return root


def _stack(prims: list[str]) -> SharedStack:
    return SharedStack("logistic", prims, [[[1.0, 0.0, 1.0]] for _ in prims], coef=[1.0, 0.5], c=1.0)


def _setup(tmp_path: Path, vqa: bool = True) -> tuple[Path, Path, Path]:
    """Input ``a`` scored Pan_Left and Tilt_Up on every video but v1; a model trained on Pan_Left only."""
    data, run, model_dir = _dataset(tmp_path / "data", vqa), tmp_path / "run", tmp_path / "model"
    recs = [
        ScoreRecord(v, p.question, "a", float(i), primitive=p.value)
        for i, v in enumerate(VIDEOS)
        if v != BROKEN
        for p in (PAN, TILT)
    ]
    write_scores(MethodFolder.of(run, "a").scores, recs)
    FusionModel(inputs=["a"], primitives={PAN.value: {"samples": 6, "positives": 3}}, full=_stack([PAN.value])).save(
        model_dir
    )
    return data, run, model_dir


# --------------------------------------------------------------------------- Task 1: never_answers


def test_a_failed_video_books_no_vqa_question_and_vqa_stays_undefined(tmp_path: Path) -> None:
    data, run, model_dir = _setup(tmp_path)
    summary = run_predict(data, "fusion", run, options={"model": str(model_dir), "inputs_run": str(run)})
    assert set(summary.failures) == {BROKEN}
    failed = {(r.video, r.question) for r in read_scores(run / "fusion" / "scores.jsonl") if r.status == "failed"}
    # old: v1's two VQA questions were failed records too, and Tilt_Up, which the model was not
    # trained on (the runner asks the predictor, whose options name the model file)
    assert failed == {(BROKEN, PAN.question)}
    result = evaluate(data, run, n_bootstrap=10, captions_minilm=False).result.methods["fusion"]
    assert result.vqa is None and result.retrieval is None  # old: acc 0.0 from failures scored as wrong


def test_never_answers_is_every_question_without_a_primitive() -> None:
    vqa = Question("Is the camera doing thing 0?")
    outcome = runner._predict_failed("fusion", 0.1, "boom", "v.mp4", "v.mp4", [Question(PAN.question, PAN), vqa])
    assert [r["question"] for r in outcome.records] == [PAN.question] and outcome.unanswerable == 1
    assert set(FusionPredictor.never_answers([Question(PAN.question, PAN), vqa])) == {vqa.text}


def test_the_instance_knows_the_primitives_its_model_file_was_not_trained_on(tmp_path: Path) -> None:
    _, run, model_dir = _setup(tmp_path)
    predictor = FusionPredictor(model=str(model_dir), inputs_run=str(run))
    vqa = Question("Is the camera doing thing 0?")
    never = predictor.unanswerable([Question(PAN.question, PAN), Question(TILT.question, TILT), vqa])
    assert set(never) == {TILT.question, vqa.text}
    assert "not trained on primitive Tilt_Up" in never[TILT.question]


# --------------------------------------------------------------------------- hand-edited model files


def _edited(model_dir: Path, tmp_path: Path, edit: Any) -> Path:
    obj = json.loads((model_dir / FUSION_FILE).read_text())
    edit(obj)
    out = tmp_path / "edited"
    out.mkdir()
    (out / FUSION_FILE).write_text(json.dumps(obj))
    return out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # old: loaded; every video's Tilt_Up recorded failed as "no held-out model"
        (
            lambda o: o["primitives"].update(Tilt_Up={"samples": 6, "positives": 3}),
            r"primitives \(Pan_Left, Tilt_Up\) are not those of the full stack \(Pan_Left\)",
        ),
        # old: loaded as an untrained model; every video of a run failed on it
        (lambda o: o.update(full=None), "full must be a fitted stack"),
        (lambda o: o.update(full={}), "full must be a fitted stack"),
        # old: 3.7 samples read as 3, true positives as 1
        (lambda o: o["primitives"]["Pan_Left"].update(samples=3.7), "must be a non-negative integer, got 3.7"),
        (lambda o: o["primitives"]["Pan_Left"].update(positives=True), "must be a non-negative integer, got True"),
    ],
)
def test_a_model_file_edited_by_hand_is_refused(tmp_path: Path, edit: Any, message: str) -> None:
    _, _, model_dir = _setup(tmp_path, vqa=False)
    with pytest.raises(FileFormatError, match=message):
        FusionModel.load(_edited(model_dir, tmp_path, edit))


def test_an_input_of_another_dataset_is_refused_before_the_run(tmp_path: Path) -> None:
    data, run, model_dir = _setup(tmp_path, vqa=False)
    other = _dataset(tmp_path / "other", vqa=False)
    write_run_info(MethodFolder.of(run, "a").run_info, RunInfo(method="a", data=str(other.resolve())))
    # old: the run went ahead and every video was a failure with this reason
    with pytest.raises(CameraBenchError, match=r"fusion input 'a' in .* is a run of another dataset"):
        run_predict(data, "fusion", run, options={"model": str(model_dir), "inputs_run": str(run)})
    assert not (run / "fusion" / "scores.jsonl").exists()


# --------------------------------------------------------------------------- calibration


def test_platt_undefined_on_all_samples_falls_back_to_isotonic() -> None:
    videos = [f"v{i}.mp4" for i in range(10)]
    y = np.arange(10) % 2 == 0
    s = np.where(y, 1e-320, 0.0)  # P(yes) underflowed to a subnormal: Platt's slope is beyond a float
    per, _ = fit_calibration({PAN.value: (y, s, videos)}, 2)  # old: MapUndefinedError
    assert per[PAN.value].kind == "isotonic"
    assert per[PAN.value].full is not None and per[PAN.value].full.apply(s[:2]).tolist() == [1.0, 0.0]
