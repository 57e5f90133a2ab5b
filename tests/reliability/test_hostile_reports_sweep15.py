"""Fifteenth round, reports and fusion: methods left out of the VQA table without a word, knob APs
at chance level without a note, knobs no clip turns on missing from the trajectory errors per knob,
backticks in method names and paths breaking the report's code spans, and fusion scoring a question
none of its inputs was asked as if every input had failed on it."""

from __future__ import annotations

import html
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from camerabench.baselines.fusion import FusionModel, FusionPredictor, SharedStack
from camerabench.dataset import Question
from camerabench.errors import PredictionError
from camerabench.eval.evaluate import Evaluation
from camerabench.eval.knobs import knob_trajectory_errors
from camerabench.eval.report import write_report
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    EvaluationResult,
    KnobAP,
    MethodResult,
    PrimitiveCounts,
    RetrievalResult,
    RetrievalScores,
    VQAResult,
    VQAScores,
)
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.runfolder import MethodFolder
from camerabench.taxonomy import BinaryRecord, Primitive


def _binary(ok: dict[str, int]) -> BinaryResult:
    """Binary results over the primitives of ``ok`` (primitive -> scored samples of 10)."""
    return BinaryResult(
        mean_ap=0.5,
        per_primitive=dict.fromkeys(ok, 0.5),
        failed=sum(10 - k for k in ok.values()),
        missing=0,
        samples=10 * len(ok),
        roc_auc=dict.fromkeys(ok, 0.5),
        mean_roc_auc=0.5,
        ci95=BinaryCI(dict.fromkeys(ok, (math.nan, math.nan)), (math.nan, math.nan)),
        chance=dict.fromkeys(ok, 0.5),
        mean_chance=0.5,
        counts={p: PrimitiveCounts(10, 10, 5, k, 10 - k, 0, 0) for p, k in ok.items()},
        primitives_in_mean=len(ok),
        failed_policy="lowest",
        failure_reasons={},
    )


def _report(
    out: Path, methods: dict[str, MethodResult], dataset: Any = None, runs: Any = None, **kw: Any
) -> tuple[str, str]:
    data, run = kw.pop("data", "data"), kw.pop("run", "run")
    result = EvaluationResult(data, run, "lowest", 10, 0, methods=methods, **kw)
    ev = Evaluation(result, dataset or SimpleNamespace(manifest={}), runs or {})
    md = write_report("data", "run", out, evaluation=ev, gallery=0).read_text(encoding="utf-8")
    return md, (out / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- VQA table


def _vqa() -> tuple[VQAResult, RetrievalResult]:
    s = VQAScores(0.6, 0.4, 0.4, 0.2)
    r = RetrievalScores(0.3, 0.3, 0.2)
    vqa = VQAResult(s, {"motion": s}, {"motion/pan": s}, 0.5, 1, 2, ["motion/tilt"], 4, 16, 0, 0, 0, "lowest")
    return vqa, RetrievalResult(0.3, 0.3, 0.2, {"motion": r}, {"motion/pan": r}, 1, 2)


def test_a_method_with_scores_that_answered_no_vqa_task_is_named_beside_the_vqa_table(tmp_path: Path) -> None:
    """'geo' has a scores.jsonl but no record of any VQA question: it was missing from the table without a word."""
    vqa, ret = _vqa()
    methods = {"vlm": MethodResult(vqa=vqa, retrieval=ret), "geo": MethodResult()}
    dataset = SimpleNamespace(manifest={}, vqa={("motion", "pan"): [], ("motion", "tilt"): []})
    runs = {"vlm": SimpleNamespace(scores={}), "geo": SimpleNamespace(scores={})}
    md, _ = _report(tmp_path / "r", methods, dataset, runs)
    assert "| vlm | 1/2 |" in md
    assert (
        "Not in the VQA and retrieval tables: geo (answered no task: its `scores.jsonl` has no record, ok or "
        "failed, of any question of the 2 paired-VQA task(s))." in md
    )
    # with no method answering any task, the section still says who was asked and why no table
    md, _ = _report(tmp_path / "r2", {"geo": methods["geo"]}, dataset, {"geo": runs["geo"]})
    assert "## Paired VQA and retrieval (%)" in md and "Not in the VQA and retrieval tables: geo (" in md
    assert not (tmp_path / "r2" / "vqa.csv").exists()
    # no note for a method without scores.jsonl, nor on a dataset without VQA tasks
    md, _ = _report(tmp_path / "r3", {"geo": methods["geo"]}, dataset, {"geo": SimpleNamespace(scores=None)})
    assert "Paired VQA" not in md
    md, _ = _report(tmp_path / "r4", {"geo": methods["geo"]}, SimpleNamespace(manifest={}, vqa={}), runs)
    assert "Paired VQA" not in md


# --------------------------------------------------------------------------- knob table


def test_knob_aps_of_a_method_whose_every_score_failed_carry_their_own_note(tmp_path: Path) -> None:
    """Its knob APs are the chance level: the knob table said nothing of it (only the binary section did)."""
    knobs = {m: {"blur": KnobAP(0.5, 2, 3, 6), "none": KnobAP(0.5, 2, 3, 6)} for m in ("dead", "good", "half")}
    methods = {
        "dead": MethodResult(binary=_binary({"Pan_Left": 0, "Tilt_Up": 0})),
        "good": MethodResult(binary=_binary({"Pan_Left": 10, "Tilt_Up": 10})),
        "half": MethodResult(binary=_binary({"Pan_Left": 10, "Tilt_Up": 0})),
    }
    md, _ = _report(tmp_path / "r", methods, knobs=knobs)
    knob_part = md.split("## AP per hard-case knob (%)")[1].split("\n## ")[0]
    assert (
        "dead: no binary sample was scored: its knob APs are those of a constant score (the chance level on each "
        "knob's clips), not a measurement of the method." in knob_part
    )
    assert "half: 1 primitive(s) with no scored sample (Tilt_Up): their AP on each knob's clips" in knob_part
    assert "good:" not in knob_part


# --------------------------------------------------------------------------- trajectory errors per knob


def test_trajectory_errors_per_knob_keep_a_knob_no_clip_turns_on() -> None:
    """knob_section keeps 'dark' with 0 clips and NaN; knob_trajectory_errors left it out."""
    manifest = {"clips": [{"video": f"{c}.mp4", "knobs": {"blur": c == "a", "dark": False}} for c in "ab"]}
    rows = [{"clip": c, "status": "ok", "ape_rot_deg_rmse": x} for c, x in (("a", 2.0), ("b", 4.0))]
    errors = knob_trajectory_errors(rows, manifest)
    assert list(errors) == ["blur", "dark", "none"]
    dark = errors["dark"]
    assert (dark["clips"], dark["ok"], dark["ape_rot_deg_rmse_not_finite"]) == (0, 0, 0)
    assert math.isnan(dark["ape_rot_deg_rmse"])
    assert errors["blur"]["ape_rot_deg_rmse"] == 2.0 and errors["none"]["ape_rot_deg_rmse"] == 4.0


# --------------------------------------------------------------------------- backticks in the opening paragraph


def test_backticks_in_method_names_and_paths_keep_the_opening_paragraphs_code_spans(tmp_path: Path) -> None:
    """A method 'a`b' opened a code span that ran to the next backtick: the paragraph's text
    turned to code and `metrics.json` to plain text, in markdown and HTML."""
    methods = {"a`b": MethodResult(), "c``d`": MethodResult()}
    md, page = _report(tmp_path / "r", methods, data="da`ta", run="`run")
    opening = next(line for line in md.splitlines() if line.startswith("Data "))
    assert opening == (
        "Data ``da`ta``, run `` `run ``, methods: a\\`b (), c\\`\\`d\\` (). All numbers are in `metrics.json` and "
        "the CSV files beside this report."
    )
    assert (
        "<p>Data <code>da`ta</code>, run <code>`run</code>, methods: a`b (), c``d` (). All numbers are in "
        "<code>metrics.json</code> and the CSV files beside this report.</p>" in page
    )


def test_a_backslash_in_a_method_name_does_not_undo_the_escape_of_its_raw_html(tmp_path: Path) -> None:
    """A name 'x\\<img ...>' read '\\\\<img' in the markdown paragraph: an escaped backslash, then raw HTML."""
    name = "x\\<img src=y onerror=alert(1)>"
    md, page = _report(tmp_path / "r", {name: MethodResult()})
    opening = next(line for line in md.splitlines() if line.startswith("Data "))
    assert "methods: x\\\\\\<img src=y onerror=alert(1)> ()" in opening
    assert html.escape(name) in page and "<img src=y" not in page


# --------------------------------------------------------------------------- fusion


PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i}.mp4" for i in range(4)]


def _stack(prims: list[str]) -> SharedStack:
    return SharedStack("logistic", prims, [[[1.0, 0.0, 1.0]] for _ in prims], c=1.0, coef=[1.0, -1.0])


def _fusion(root: Path) -> tuple[Path, FusionPredictor]:
    """A fusion model over input ``a`` trained on Pan_Left and Tilt_Up; ``a`` ran when the dataset
    asked Pan_Left only (no record of Tilt_Up), and failed on Pan_Left of v2."""
    data, run, model_dir = root / "data", root / "run", root / "model"
    (data / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (data / "videos" / v).write_bytes(b"")
    for prim in (PAN, TILT):
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord(v, prim.question, "Yes" if i % 2 else "No", prim.task, prim.label_name)
             for i, v in enumerate(VIDEOS)],
        )  # fmt: skip
    recs = [
        ScoreRecord.failed(v, PAN.question, "a", "boom", PAN.value)
        if v == "v2.mp4"
        else ScoreRecord(v, PAN.question, "a", 1.0 + i, primitive=PAN.value)
        for i, v in enumerate(VIDEOS)
    ]
    write_scores(MethodFolder.of(run, "a").scores, recs)
    trained = [PAN.value, TILT.value]
    FusionModel(
        inputs=["a"],
        trained_on_data=str((root / "elsewhere").resolve()),
        trained_on_run=str(run.resolve()),
        video_folds={},
        primitives={p: {"samples": 4, "positives": 2} for p in trained},
        full=_stack(trained),
        folds={},
    ).save(model_dir)
    return data, FusionPredictor(model=str(model_dir), inputs_run=str(run))


def test_fusion_gives_no_score_to_a_question_no_input_was_asked(tmp_path: Path) -> None:
    """Tilt_Up, added after input a ran, got P(yes) of the 'every input failed' feature vector."""
    data, predictor = _fusion(tmp_path)
    questions = [Question(PAN.question, PAN), Question(TILT.question, TILT)]
    result = predictor.predict(data / "videos" / "v1.mp4", questions)
    assert set(result.scores) == {PAN.question}
    why = result.unanswerable[TILT.question]
    assert why.startswith("no fusion input has a record of this question on v1.mp4") and "(a)" in why
    # a question every input was asked and failed gets no score (round 20: it got the stack's
    # P(yes) for "every input failed", one default number for all such videos): here the video's
    # only question, so the video fails with the inputs' reasons
    with pytest.raises(PredictionError, match=r"every fusion input failed on v2\.mp4: a: boom"):
        predictor.predict(data / "videos" / "v2.mp4", questions)
    # a video no input ran on is still a failure of fusion
    (data / "videos" / "v9.mp4").write_bytes(b"")
    with pytest.raises(PredictionError, match=r"no fusion input has a record of v9\.mp4"):
        predictor.predict(data / "videos" / "v9.mp4", questions)


def test_fusion_with_only_unasked_questions_answers_nothing_rather_than_failing(tmp_path: Path) -> None:
    """Was: the question scored (a video with no unasked question is unchanged, see above)."""
    data, predictor = _fusion(tmp_path)
    result = predictor.predict(data / "videos" / "v0.mp4", [Question(TILT.question, TILT)])
    assert result.scores == {} and list(result.unanswerable) == [TILT.question]
