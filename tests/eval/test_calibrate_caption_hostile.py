"""Hostile inputs to ``camerabench calibrate`` and to captioning / caption evaluation.

Each test fails without its fix: calibration on extreme score scales, too few folds or videos,
one class, another method's file, hand-edited files; captions that are not strings or not
valid Unicode, line breaks the PTB tokenizer splits on, canonically equal Unicode, CIDEr on one
video, and METEOR's Java process dying.
"""

from __future__ import annotations

import json
import logging
import math
import re
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval import caption_metrics as cap
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.calibration import (
    POOLED,
    Calibration,
    CalibrationMap,
    calibrate_run,
    calibrated_run,
    fit_calibration,
    read_calibration,
    video_folds,
)
from camerabench.eval.evaluate import evaluate
from camerabench.jobs import runner
from camerabench.labelfiles import CaptionItem, write_binary_file
from camerabench.records import CaptionRecord, ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder, MethodRun, read_method
from camerabench.taxonomy import BinaryRecord, Primitive

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i:02d}.mp4" for i in range(12)]


def _samples(seed: int = 0, videos: list[str] = VIDEOS, all_no: bool = False) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    out = {}
    for k, prim in enumerate((PAN, TILT)):
        labels = np.arange(len(videos)) % 3 == k if not all_no else np.zeros(len(videos), bool)
        out[prim.value] = (labels, rng.normal(size=len(videos)) + 2 * labels, list(videos))
    return out


def _write(root: Path, samples: dict[str, Any], method: str = "m", failed: bool = False) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    records = []
    for name, (labels, scores, videos) in samples.items():
        prim = Primitive.from_name(name)
        recs = [BinaryRecord.make(v, prim, bool(y)) for v, y in zip(videos, labels, strict=True)]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)
        for v, s in zip(videos, scores, strict=True):
            records.append(
                ScoreRecord.failed(v, prim.question, method, "boom", name)
                if failed
                else ScoreRecord(v, prim.question, method, float(s), primitive=name)
            )
    (data / "videos").mkdir(parents=True, exist_ok=True)
    for v in {v for _, _, vs in samples.values() for v in vs}:
        (data / "videos" / v).write_bytes(b"")
    write_scores(MethodFolder.of(run, method).scores, records)
    return data, run


# --------------------------------------------------------------------------- calibration


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(data, run, RUN/m/calibration.json) of a calibration fitted with 2 folds (read, never changed)."""
    data, run = _write(tmp_path_factory.mktemp("fitted"), _samples())
    _, path = calibrate_run(data, run, "m", n_splits=2)
    return data, run, path


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_platt_keeps_the_score_information_at_extreme_scales(scale: float) -> None:
    rng = np.random.default_rng(2)
    labels = rng.random(40) < 0.35
    scores = rng.normal(size=40) + labels
    reference = CalibrationMap.fit("platt", scores, labels).apply(scores)
    extreme = CalibrationMap.fit("platt", scores * scale, labels).apply(scores * scale)
    assert np.ptp(reference) > 0.3  # informative scores: not a constant map
    np.testing.assert_allclose(extreme, reference, atol=1e-6)


def test_too_few_folds_or_videos_are_refused_not_filled_with_one_half(tmp_path: Path) -> None:
    data, run = _write(tmp_path / "a", _samples())
    with pytest.raises(CameraBenchError, match="at least 2 folds"):
        calibrate_run(data, run, "m", n_splits=1)
    data1, run1 = _write(tmp_path / "b", _samples(videos=["only.mp4"]))
    with pytest.raises(CameraBenchError, match="needs at least 2 videos"):
        calibrate_run(data1, run1, "m")
    with pytest.raises(ValueError, match="length >= 1"):
        CalibrationMap.fit("platt", np.zeros(0), np.zeros(0, bool))  # never the invented constant 1/2
    assert not (run / "m" / "calibration.json").exists() and not (run1 / "m" / "calibration.json").exists()


def test_one_class_or_all_failed_is_refused_naming_why(tmp_path: Path) -> None:
    data, run = _write(tmp_path / "a", _samples(all_no=True))
    with pytest.raises(CameraBenchError, match="every scored binary sample is labelled No"):
        calibrate_run(data, run, "m")
    data, run = _write(tmp_path / "b", _samples(), failed=True)
    with pytest.raises(CameraBenchError, match="all 24 records that match a binary label are failed"):
        calibrate_run(data, run, "m")


def test_a_fold_without_training_samples_gets_the_pooled_out_of_fold_map() -> None:
    folds = video_folds(VIDEOS, 3)
    same = [v for v in VIDEOS if folds[v] == 0][:2]  # TILT is labelled on two videos of fold 0 only
    samples = _samples()
    samples[TILT.value] = (np.array([True, False]), np.array([2.0, -1.0]), same)
    per, folds2 = fit_calibration(samples, 3)
    assert folds2 == folds and 0 not in per[TILT.value].folds and per[TILT.value].full is not None
    cal = Calibration("m", "/data", "/run", folds2, per)
    p, used = cal.probability(2.0, TILT.value, same[0], cross_fit=True)
    assert used == POOLED and p == pytest.approx(per[POOLED].folds[0].apply([2.0])[0])
    # never the full map, which saw this video's label
    assert p != pytest.approx(per[TILT.value].full.apply([2.0])[0])


def test_a_calibration_of_another_method_is_refused(fitted: tuple[Path, Path, Path], tmp_path: Path) -> None:
    data, run, path = fitted
    other = tmp_path / "x.json"
    other.write_text(path.read_text().replace('"method": "m"', '"method": "x"'))
    data2, run2 = _write(tmp_path, _samples(1))
    with pytest.raises(CameraBenchError, match="method 'x', not 'm'"):
        calibrate_run(data2, run2, "m", copy_from=other)
    with pytest.raises(CameraBenchError, match=r"is the calibration of .* itself"):
        calibrate_run(data, run, "m", copy_from=run)
    with pytest.raises(CameraBenchError, match="cannot calibrate the scores of 'm'"):
        calibrated_run(read_method(run2 / "m"), read_calibration(other), data2)
    assert not (run2 / "m" / "calibration.json").exists()


def _edit(obj: dict[str, Any], kind: str) -> None:
    per = obj["per_primitive"]
    if kind == "iso_lengths":
        per[POOLED]["full"] = {"kind": "isotonic", "x": [0, 1, 2], "y": [0.1, 0.5]}
    elif kind == "iso_unsorted":
        per[POOLED]["full"] = {"kind": "isotonic", "x": [2, 1, 0], "y": [0.1, 0.5, 0.9]}
    elif kind == "p_above_1":
        per[POOLED]["full"] = {"kind": "constant", "p": 2.0}
    elif kind == "bool_slope":
        per[POOLED]["full"] = {"kind": "platt", "a": True, "b": 0.0}
    elif kind == "folds_list":
        obj["video_folds"] = [0, 1]
    elif kind == "map_not_object":
        per[POOLED] = "platt"
    elif kind == "unknown_key":
        per["Pan_Sideways"] = per[POOLED]
    elif kind == "float_fold":
        obj["video_folds"][VIDEOS[3]] = 1.5


@pytest.mark.parametrize(
    ("kind", "member", "message"),
    [
        ("iso_lengths", '"full"', "non-empty lists of one length"),
        ("iso_unsorted", '"full"', "must be ascending"),
        ("p_above_1", '"full"', r"probability in \[0, 1\]"),
        ("bool_slope", '"full"', "a must be a finite number, got True"),
        ("folds_list", '"video_folds"', "video_folds must be a JSON object"),
        ("map_not_object", f'"{POOLED}"', "must be a JSON object, got 'platt'"),
        ("unknown_key", '"Pan_Sideways"', "not a primitive file stem"),
        ("float_fold", f'"{VIDEOS[3]}"', "fold must be a non-negative integer, got 1.5"),
    ],
)
def test_a_hand_edited_calibration_is_an_error_naming_file_and_line(
    fitted: tuple[Path, Path, Path], tmp_path: Path, kind: str, member: str, message: str
) -> None:
    obj = json.loads(fitted[2].read_text())
    _edit(obj, kind)
    text = json.dumps(obj, indent=2)
    path = tmp_path / "calibration.json"
    path.write_text(text)
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if line.lstrip().startswith(member + ":")]
    with pytest.raises(FileFormatError, match=message) as err:
        read_calibration(path)
    assert str(err.value).startswith(f"{path}:{lines[-1] if kind != 'unknown_key' else lines[0]}: ")


def test_evaluate_refuses_a_folder_in_place_of_the_calibration(tmp_path: Path) -> None:
    data, run = _write(tmp_path, _samples())
    path = run / "m" / "calibration.json"
    path.mkdir()
    with pytest.raises(FileFormatError, match="is a folder"):
        evaluate(data, run, n_bootstrap=2)


# --------------------------------------------------------------------------- captioning


class _Captioner:
    name = "dummy"

    def __init__(self, text: Any) -> None:
        self.text = text

    def caption(self, path: Path, question: str, mode: str) -> Any:
        return self.text

    def caption_details(self, path: Path) -> dict[str, Any]:  # Predictor's: no per-video details
        return {}


@pytest.mark.parametrize(
    ("text", "reason"), [(None, "returned NoneType"), (b"pans", "returned bytes"), ("a\ud800", "not valid Unicode")]
)
def test_a_caption_that_is_not_a_unicode_string_is_a_recorded_failure(
    monkeypatch: pytest.MonkeyPatch, text: Any, reason: str
) -> None:
    monkeypatch.setattr(runner, "_PREDICTOR", _Captioner(text))
    outcome = runner._caption_job("v.mp4", "/nowhere/v.mp4", "Describe.", "whole", None, None)
    assert outcome.failure is not None and reason in outcome.failure
    rec = CaptionRecord(**outcome.records[0])
    assert rec.status == "failed" and rec.caption is None
    json.dumps(outcome.records, ensure_ascii=False).encode("utf-8")  # writable to captions.jsonl


def _no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)


def test_equivalent_unicode_and_control_characters_compare_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_java(monkeypatch)
    items = [
        CaptionItem("a.mp4", "Describe.", "The cam\u00e9ra pans left."),
        CaptionItem("b.mp4", "Describe.", "The camera stays still."),
    ]
    run = MethodRun(
        "m",
        Path("."),
        captions={
            "a.mp4": CaptionRecord("a.mp4", "m", "The cam\u0065\u0301ra\x00pans\x1b left."),
            # full-width letters and comma, a no-break space: what a model trained on Chinese text writes
            "b.mp4": CaptionRecord("b.mp4", "m", "Ｔｈｅ camera\u00a0stays still，"),
        },
    )
    items[1] = CaptionItem("b.mp4", "Describe.", "The camera stays still,")
    result = caption_section_or_fail(items, run)
    assert result.camerabench_compat is not None
    assert result.camerabench_compat.compat_bleu2 == pytest.approx(1.0)
    assert result.camerabench_compat.compat_spice_lookalike == pytest.approx(1.0)


def caption_section_or_fail(items: list[CaptionItem], run: MethodRun) -> Any:
    out = cap.caption_section(items, run, None, "lowest", with_minilm=False)
    assert out is not None
    return out[0]


def test_a_lone_surrogate_in_a_caption_is_an_error_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_java(monkeypatch)
    items = [CaptionItem("a.mp4", "Describe.", "The camera pans left.")]
    run = MethodRun("m", Path("RUN/m"), captions={"a.mp4": CaptionRecord("a.mp4", "m", "pans \ud800")})
    with pytest.raises(CameraBenchError, match=r"captions.jsonl: the caption of a.mp4 is not valid Unicode"):
        cap.caption_section(items, run, None, "lowest", with_minilm=False)


def test_cider_on_one_video_is_nan_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_java(monkeypatch)
    with pytest.warns(UndefinedMetricWarning, match="CIDEr is undefined on one video"):
        out = cap.coco_metrics({"a": ["The camera pans left."]}, {"a": "The camera pans left."})
    assert math.isnan(out.cider) and out.bleu1 == pytest.approx(1.0)


class _JavaPTB:
    """Stands in for the Java PTBTokenizer process pycocoevalcap starts: like it, it reads the
    caption file line by line where Java ends lines (at ``\\r`` and U+2028 too, which
    pycocoevalcap does not replace), lower-cases and splits off punctuation."""

    def __init__(self, cmd: list[str], cwd: str, **kwargs: Any) -> None:
        self.text = (Path(cwd) / cmd[-1]).read_text(encoding="utf-8")

    def communicate(self, input: Any = None) -> tuple[bytes, None]:
        lines = re.split("\r\n|[\n\r\u2028\u2029\x0b\x0c]", self.text)
        out = [" ".join(re.findall(r"\w+|[^\w\s]", line.lower())) for line in lines]
        return "\n".join(out).encode(), None


def _fake_java(monkeypatch: pytest.MonkeyPatch) -> None:
    import pycocoevalcap.tokenizer.ptbtokenizer as ptb

    monkeypatch.setattr(cap, "java_available", lambda: True)
    monkeypatch.setattr(ptb, "subprocess", SimpleNamespace(Popen=_JavaPTB, PIPE=subprocess.PIPE))


def test_line_breaks_do_not_shift_the_ptb_tokenizer_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_java(monkeypatch)
    import pycocoevalcap.meteor.meteor as meteor_module

    monkeypatch.setattr(meteor_module, "Meteor", _PerfectMeteor)
    refs = {"a": ["The camera pans left."], "b": ["The camera stays still."], "c": ["The camera tilts up."]}
    cands = {"a": "The camera pans left.", "b": "The camera stays still.", "c": "The camera tilts up."}
    broken = {**cands, "a": "The camera\u2028pans\rleft."}
    assert cap.coco_metrics(refs, broken).bleu4 == pytest.approx(cap.coco_metrics(refs, cands).bleu4)


class _PerfectMeteor:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.meteor_p = SimpleNamespace(stdout=None, stderr=None)

    def compute_score(self, gts: Any, res: Any) -> tuple[float, list[float]]:
        return 1.0, [1.0] * len(gts)


class _DeadMeteor:
    """pycocoevalcap's Meteor whose Java process died (out of memory) during compute_score."""

    deadlocked = False

    def __init__(self) -> None:
        code = "import sys; sys.stderr.write('java.lang.OutOfMemoryError: Java heap space\\n'); sys.exit(1)"
        pipe = subprocess.PIPE
        self.meteor_p = subprocess.Popen([sys.executable, "-c", code], stdin=pipe, stdout=pipe, stderr=pipe)
        self.lock = threading.Lock()

    def compute_score(self, gts: Any, res: Any) -> Any:
        self.lock.acquire()
        self.meteor_p.wait()
        raise BrokenPipeError(32, "Broken pipe")

    def __del__(self) -> None:  # as pycocoevalcap's: waits for the lock (for ever there)
        if not self.lock.acquire(timeout=0.5):
            _DeadMeteor.deadlocked = True
            return
        self.meteor_p.stdin.close()  # type: ignore[union-attr]
        self.meteor_p.kill()
        self.meteor_p.wait()
        self.lock.release()


def test_meteor_whose_java_dies_is_unavailable_not_a_hang(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import pycocoevalcap.meteor.meteor as meteor_module

    _fake_java(monkeypatch)
    monkeypatch.setattr(meteor_module, "Meteor", _DeadMeteor)
    _DeadMeteor.deadlocked = False
    refs = {"a": ["The camera pans left."], "b": ["The camera stays still."]}
    cands = {"a": "The camera pans left. " * 3000, "b": "The camera stays still."}
    with caplog.at_level(logging.WARNING, logger=cap.__name__):
        out = cap.coco_metrics(refs, cands, label="my_method")
    assert out.meteor == cap.UNAVAILABLE and not _DeadMeteor.deadlocked
    assert "OutOfMemoryError" in caplog.text and 0 < out.bleu1 <= 1
    assert "my_method: METEOR is unavailable" in caplog.text  # which method's METEOR was lost (R75)
