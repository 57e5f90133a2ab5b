"""Hostile inputs, round 26: fusion trained on samples no input scored, fusion reruns into one run
folder (the notebooks), and calibration's hostile samples and files.

Each test fails on the code before this round.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from camerabench.baselines.fusion import (
    FUSION_FILE,
    FusionModel,
    FusionPredictor,
    fit_shared_stack,
    model_digest,
    train_fusion,
)
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.calibration import (
    POOLED,
    calibrate_run,
    calibrated_run,
    fit_calibration,
    read_calibration,
)
from camerabench.jobs.runner import run_predict
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
N = 12
VIDEOS = [f"v{i:02d}.mp4" for i in range(N)]
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def _label(i: int, k: int) -> bool:
    return (i + k) % 3 == 0


def _dataset(
    root: Path,
    fail: set[tuple[str, Primitive]] = frozenset(),  # type: ignore[assignment]
    prims: tuple[Primitive, ...] = (PAN, TILT),
    inputs: tuple[str, ...] = ("a", "b"),
) -> tuple[Path, Path]:
    """Informative inputs; every input fails on the (video, primitive) pairs of ``fail``."""
    rng = np.random.default_rng(0)
    data, run = root / "data", root / "run"
    recs: dict[str, list[ScoreRecord]] = {name: [] for name in inputs}
    for k, prim in enumerate(prims):
        y = [_label(i, k) for i in range(N)]
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, t) for v, t in zip(VIDEOS, y, strict=True)],
        )
        for v, t in zip(VIDEOS, y, strict=True):
            for name in inputs:
                if (v, prim) in fail:
                    recs[name].append(ScoreRecord.failed(v, prim.question, name, f"{name} lost track", prim.value))
                else:
                    s = 2.0 * t + rng.normal(scale=0.7)
                    recs[name].append(ScoreRecord(v, prim.question, name, float(s), primitive=prim.value))
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")
    for name, r in recs.items():
        write_scores(MethodFolder.of(run, name).scores, r)
    return data, run


# --------------------------------------------------------------------------- fusion: samples no input scored


def test_samples_no_input_scored_are_left_out_counted_and_recorded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # old: trained on as rows of z 0 and every flag 1, teaching the stack the prior of the failed clips
    fail = {(v, PAN) for v in VIDEOS[:3]} | {(VIDEOS[3], TILT)}
    data, run = _dataset(tmp_path, fail)
    with caplog.at_level(logging.WARNING, logger="camerabench.baselines.fusion"):
        model = train_fusion(data, run, ["a", "b"], tmp_path / "m", n_splits=2, inner_repeats=1).model
    assert "4 of 24 labelled samples (on 4 videos, e.g. v00.mp4) have no score from any input" in caplog.text
    assert model.samples_all_inputs_failed == 4
    assert model.primitives[PAN.value] == {"samples": N - 3, "positives": 3, "all_inputs_failed": 3}
    assert model.primitives[TILT.value] == {"samples": N - 1, "positives": 4, "all_inputs_failed": 1}
    assert model.input_samples["a"] == {"ok": 20, "failed": 0, "no_record": 0}
    again = FusionModel.load(tmp_path / "m")
    assert again.samples_all_inputs_failed == 4 and again.primitives == model.primitives
    assert json.loads((tmp_path / "m" / FUSION_FILE).read_text())["samples_all_inputs_failed"] == 4
    # the full stack is the one fitted on the scored samples alone
    ds = Dataset(data)
    rows = [(p.value, r.image, r.label == "Yes") for p, recs in ds.binary.items() for r in recs]
    runs = {n: read_method(run / n).scores or {} for n in ("a", "b")}

    def score(name: str, video: str, prim: str) -> float:
        rec = runs[name][(video, Primitive(prim).question)]
        return math.nan if rec.score is None else float(rec.score)

    kept = [(p, v, y) for p, v, y in rows if (v, Primitive(p)) not in fail]
    s = np.array([[score(n, v, p) for n in ("a", "b")] for p, v, _ in kept])
    ref = fit_shared_stack([p for p, _, _ in kept], s, np.array([y for *_, y in kept]), [v for _, v, _ in kept], 1)
    assert model.full is not None and model.full.coef == pytest.approx(ref.coef)
    assert model.full.intercept == pytest.approx(ref.intercept)
    # prediction unchanged: a video every input failed on is a recorded failure of fusion
    pred = FusionPredictor(model=str(tmp_path / "m"), inputs_run=str(run))
    v0 = Dataset(data).questions()[VIDEOS[3]]
    res = pred.predict(data / "videos" / VIDEOS[3], v0)
    assert TILT.question in res.info["all_inputs_failed"] and TILT.question not in res.scores


def test_a_primitive_no_input_scored_is_not_trained_on(tmp_path: Path) -> None:
    # old: trained on (its rows all "every input failed"), then scored at prediction with a default standardiser
    data, run = _dataset(tmp_path, {(v, TILT) for v in VIDEOS})
    model = train_fusion(data, run, ["a", "b"], tmp_path / "m", n_splits=2, inner_repeats=1).model
    assert set(model.primitives) == {PAN.value} and model.samples_all_inputs_failed == N
    assert model.full is not None and model.full.primitives == [PAN.value]
    pred = FusionPredictor(model=str(tmp_path / "m"), inputs_run=str(run))
    res = pred.predict(data / "videos" / VIDEOS[0], Dataset(data).questions()[VIDEOS[0]])
    assert "was not trained on primitive Tilt_Up" in res.unanswerable[TILT.question]


def test_too_few_scored_samples_left_is_a_clear_error(tmp_path: Path) -> None:
    # old: trained on 12 videos, 11 of which carried nothing but "every input failed"
    data, run = _dataset(tmp_path, {(v, p) for v in VIDEOS[1:] for p in (PAN, TILT)})
    with pytest.raises(
        CameraBenchError,
        match=r"binary labels of 1 video only \(22 labelled samples no input scored are left out: the inputs "
        r"scored samples of 1 of the 12 labelled videos",
    ):
        train_fusion(data, run, ["a", "b"], tmp_path / "m", n_splits=2, inner_repeats=1)
    assert not (tmp_path / "m" / FUSION_FILE).exists()


def test_fit_shared_stack_refuses_samples_without_any_input_score() -> None:
    y = np.arange(10) % 2 == 0
    s = np.c_[y * 2.0 + np.linspace(0, 1, 10), np.full(10, math.nan)]
    s[3, 0] = math.nan
    with pytest.raises(ValueError, match="1 of 10 samples have no input score at all"):
        fit_shared_stack(["Pan_Left"] * 10, s, y, [f"v{i}" for i in range(10)], inner_repeats=1)


# --------------------------------------------------------------------------- fusion: a rerun into one run folder


def _fusion_run(data: Path, run: Path, model: Path, inputs: list[str]) -> Any:
    train_fusion(data, run, inputs, model, n_splits=2, inner_repeats=1, overwrite=True)  # reruns retrain in place
    return run_predict(
        data, "fusion", run, workers=1, resume=True, options={"model": str(model), "inputs_run": str(run)}
    )


def test_a_rerun_resumes_the_same_model_and_refuses_a_model_trained_since(tmp_path: Path) -> None:
    # old: resumed whatever model the folder held now: scores of the earlier model kept without a word
    data, run = _dataset(tmp_path)
    first = _fusion_run(data, run, tmp_path / "m", ["a", "b"])
    info = json.loads((run / "fusion" / "run.json").read_text())
    assert info["settings"]["model_sha256"] == model_digest(tmp_path / "m")
    before = (run / "fusion" / "scores.jsonl").read_text()
    again = _fusion_run(data, run, tmp_path / "m", ["a", "b"])  # the notebooks' rerun: trained again, same data
    assert (first.videos_run, again.videos_run, again.videos_skipped) == (N, 0, N)
    assert (run / "fusion" / "scores.jsonl").read_text() == before
    # trained since on other data (here: its intercept moved): refused, not resumed with the old scores
    model = FusionModel.load(tmp_path / "m")
    assert model.full is not None
    model.full = dataclasses.replace(model.full, intercept=model.full.intercept + 1.0)
    model.save(tmp_path / "m")
    with pytest.raises(CameraBenchError, match=r"cannot --resume with settings that differ .*model_sha256"):
        run_predict(
            data, "fusion", run, workers=1, resume=True, options={"model": str(tmp_path / "m"), "inputs_run": str(run)}
        )


def test_the_notebooks_resume_their_runs() -> None:
    # old: a rerun into $CAMERABENCH_NOTEBOOK_OUT stopped on "scores.jsonl exists: pass --resume"
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        calls = re.findall(r"run_predict\([^\n]*", code)
        assert calls and all("resume=True" in c for c in calls), path.name
        predicts = re.findall(r"camerabench\(\['predict'.*?\]\)", code, re.S)
        assert all("'--resume'" in c for c in predicts), path.name


# --------------------------------------------------------------------------- calibration: samples


def _samples(n: int = 12) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    videos = [f"v{i:02d}.mp4" for i in range(n)]
    out = {}
    for k, prim in enumerate((PAN, TILT)):
        y = np.array([_label(i, k) for i in range(n)])
        out[prim.value] = (y, rng.normal(size=n) + 2 * y, videos)
    return out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # old: an IndexError from deep inside the fold loop
        (lambda y, s, v: (y, s[:5], v), r"of Pan_Left: labels, scores and videos must be 1-D of one length"),
        # old: "a calibration map is fitted on finite scores only", not naming the primitive or how many
        (lambda y, s, v: (y, np.r_[math.nan, s[1:]], v), r"of Pan_Left: 1 of 12 scores are not finite .*v00\.mp4"),
        (lambda y, s, v: (y, np.r_[s[:-1], math.inf], v), r"of Pan_Left: 1 of 12 scores are not finite \(e\.g\. inf"),
        # old: 0.5 counted as half a positive in `positives`, as a whole one in the fit
        (lambda y, s, v: (np.where(y, 0.5, 0.0), s, v), r"labels must be booleans \(or 0 and 1\)"),
        (lambda y, s, v: (y.astype(int) * 2, s, v), r"labels must be booleans \(or 0 and 1\)"),
    ],
)
def test_hostile_calibration_samples_are_refused_naming_the_primitive(edit: Any, message: str) -> None:
    samples = _samples()
    samples[PAN.value] = edit(*samples[PAN.value])
    with pytest.raises(ValueError, match=message):
        fit_calibration(samples, 2)


def test_samples_keyed_pooled_are_refused_not_replaced() -> None:
    # old: the given "pooled" samples were silently replaced by the map of every primitive's samples
    samples = {POOLED: _samples()[PAN.value]}
    with pytest.raises(ValueError, match="'pooled' is not a primitive"):
        fit_calibration(samples, 2)


def test_zero_one_integer_labels_still_fit_as_booleans() -> None:
    y, s, v = _samples()[PAN.value]
    per, _ = fit_calibration({PAN.value: (y.astype(int), s, v)}, 2)
    ref, _ = fit_calibration({PAN.value: (y, s, v)}, 2)
    assert per[PAN.value].positives == ref[PAN.value].positives == int(y.sum())
    assert per[PAN.value].full == ref[PAN.value].full


# --------------------------------------------------------------------------- calibration: files


def _write_run(root: Path, samples: dict[str, Any]) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    records = []
    for name, (labels, scores, videos) in samples.items():
        prim = Primitive(name)
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, bool(y)) for v, y in zip(videos, labels, strict=True)],
        )
        records += [
            ScoreRecord(v, prim.question, "m", float(s), primitive=name) for v, s in zip(videos, scores, strict=True)
        ]
    (data / "videos").mkdir(parents=True, exist_ok=True)
    for v in {v for _, _, vs in samples.values() for v in vs}:
        (data / "videos" / v).write_bytes(b"")
    write_scores(MethodFolder.of(run, "m").scores, records)
    return data, run


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    data, run = _write_run(tmp_path_factory.mktemp("cal"), _samples())
    _, path = calibrate_run(data, run, "m", n_splits=2)
    return data, run, path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # old: true == 1, read as version 1
        (
            lambda o: {**o, "schema_version": True},
            r":2: malformed calibration: schema_version must be an integer, got True",
        ),
        (
            lambda o: {**o, "schema_version": "1"},
            r":2: malformed calibration: schema_version must be an integer, got '1'",
        ),
        # old: "calibration schema_version 2 is not 1"
        (lambda o: {**o, "schema_version": 2}, r":2: .*schema_version 2 is newer than this camerabench reads \(1\)"),
        # old: "schema_version None is not 1" for a run.json, "2 is not 1" for a fusion model
        (lambda o: {"method": "m", "command": "predict", "settings": {}}, r"not a calibration file: it has neither"),
        (lambda o: {"schema_version": 2, "method": "fusion", "inputs": ["a"]}, r"not a calibration file \(a fusion"),
    ],
)
def test_another_json_file_or_version_is_named_as_such(
    fitted: tuple[Path, Path, Path], tmp_path: Path, edit: Any, message: str
) -> None:
    obj = edit(json.loads(fitted[2].read_text()))
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(obj, indent=2))
    with pytest.raises(FileFormatError, match=message) as err:
        read_calibration(path)
    assert str(err.value).startswith(str(path))


def test_a_truncated_calibration_names_file_and_line(fitted: tuple[Path, Path, Path], tmp_path: Path) -> None:
    text = fitted[2].read_text()
    path = tmp_path / "calibration.json"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(FileFormatError, match=rf"^{re.escape(str(path))}:\d+: invalid JSON"):
        read_calibration(path)


def test_a_calibration_of_other_primitives_is_applied_with_a_count_and_a_warning(
    fitted: tuple[Path, Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # old: Zoom_In scores calibrated by the pooled map of Pan_Left and Tilt_Up without a word
    rng = np.random.default_rng(3)
    y = np.arange(10) % 2 == 0
    data, run = _write_run(
        tmp_path, {Primitive.ZOOM_IN.value: (y, rng.normal(size=10) + y, [f"w{i}" for i in range(10)])}
    )
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        calibrate_run(data, run, "m", copy_from=fitted[2])
    assert "was fitted on no sample of 1 primitives labelled in" in caplog.text and "(Zoom_In)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        cal = calibrated_run(read_method(run / "m"), read_calibration(run / "m" / "calibration.json"), data)
    assert cal.unfitted == {"Zoom_In": 10} and cal.pooled == 10
    assert "has no sample of primitive Zoom_In: 10 scores of it were calibrated by the pooled map" in caplog.text
    assert "(Pan_Left, Tilt_Up)" in caplog.text
    # on its own data nothing is unfitted and nothing warns
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.calibration"):
        own = calibrated_run(read_method(fitted[1] / "m"), read_calibration(fitted[2]), fitted[0])
    assert own.unfitted == {} and "no sample of" not in caplog.text
