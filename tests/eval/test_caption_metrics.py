"""Caption metrics against pycocoevalcap / nltk / rouge-score called directly and hand-worked values."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from camerabench.eval import caption_metrics as cap
from camerabench.eval.caption_metrics import (
    caption_facts,
    caption_section,
    coco_metrics,
    compat_bleu2,
    compat_cider_lookalike,
    compat_meteor_lookalike,
    compat_rouge_l,
    compat_spice_lookalike,
    minilm_metrics,
)
from camerabench.eval.results import CocoMetrics
from camerabench.labelfiles import CaptionItem
from camerabench.records import CaptionRecord
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import BinaryRecord, Primitive

REFS = {
    "a": ["The camera pans left slowly."],
    "b": ["The camera remains completely still."],
    "c": ["The camera moves forward while tilting up."],
}
CANDS = {
    "a": "The camera pans to the left.",
    "b": "The camera remains still.",
    "c": "The camera dollies in.",
}

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="java not installed: METEOR/PTB cannot run")


def test_compat_hand_worked() -> None:
    ref, cand = "The camera pans left.", "the camera pans RIGHT"
    # unigram precision 3/4, bigram precision 2/3, equal lengths -> BLEU-2 = sqrt(3/4 * 2/3)
    assert compat_bleu2(ref, cand) == pytest.approx(math.sqrt(0.5))
    # LCS 3 of 4 words on both sides
    assert compat_rouge_l(ref, cand) == pytest.approx(0.75)
    # P = R = 0.8 * 3/4 + 0.2 * 2/3; 10PR / (R + 9P) = P when P = R
    assert compat_meteor_lookalike(ref, cand) == pytest.approx(0.8 * 0.75 + 0.2 * 2 / 3)
    assert compat_spice_lookalike(ref, cand) == pytest.approx(0.75)
    assert compat_cider_lookalike(ref, cand) == pytest.approx(3 / 4)
    for fn in (compat_bleu2, compat_rouge_l, compat_meteor_lookalike, compat_spice_lookalike, compat_cider_lookalike):
        assert fn(ref, "") == 0.0


def test_compat_bleu2_equals_nltk_directly() -> None:
    ref = "The camera trucks right, smoothly, while the scene stays static."
    cand = "Camera moves to the right smoothly."
    tokens = lambda s: s.lower().replace(",", "").replace(".", "").split()  # noqa: E731
    direct = sentence_bleu(
        [tokens(ref)], tokens(cand), weights=(0.5, 0.5), smoothing_function=SmoothingFunction().method1
    )
    assert compat_bleu2(ref, cand) == pytest.approx(direct)


@pytest.fixture(scope="module")
def meteor() -> Iterator[cap.MeteorSession]:
    """One METEOR process (its Java start is ~10 s) for this file's real-METEOR tests."""
    with cap.MeteorSession() as session:
        yield session


@pytest.fixture(scope="module")
def coco(meteor: cap.MeteorSession) -> CocoMetrics:
    return coco_metrics(REFS, CANDS, meteor=meteor)  # the session's first score: a fresh process's number


@needs_java
def test_coco_metrics_equal_pycocoevalcap_called_directly(coco: CocoMetrics) -> None:
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    # hand-tokenised exactly as the PTB tokenizer does here (lower case, punctuation removed)
    gts = {"a": ["the camera pans left slowly"], "b": ["the camera remains completely still"],
           "c": ["the camera moves forward while tilting up"]}  # fmt: skip
    res = {"a": ["the camera pans to the left"], "b": ["the camera remains still"], "c": ["the camera dollies in"]}
    bleu, _ = Bleu(4).compute_score(gts, res)
    assert [coco.bleu1, coco.bleu2, coco.bleu3, coco.bleu4] == pytest.approx(bleu)
    assert coco.rouge_l == pytest.approx(Rouge().compute_score(gts, res)[0])
    assert coco.cider == pytest.approx(Cider().compute_score(gts, res)[0])
    # METEOR runs the same jar a second time for a direct comparison costs ~10 s: range check only
    assert isinstance(coco.meteor, float) and 0.0 < coco.meteor < 1.0
    assert coco.spice == "unavailable"
    assert coco.tokenizer == "pycocoevalcap PTBTokenizer"


@needs_java
def test_a_shared_meteor_process_gives_a_fresh_processs_numbers(coco: CocoMetrics, meteor: cap.MeteorSession) -> None:
    # red team R73: one METEOR process serves every method of an evaluation; scoring other captions
    # in between must not move a later score off the number a fresh process gave
    other = {"a": "It pans right over a road.", "b": "Zooms in.", "c": "The camera is still."}
    between = coco_metrics(REFS, other, meteor=meteor)
    again = coco_metrics(REFS, CANDS, meteor=meteor)
    assert isinstance(between.meteor, float) and between.meteor != coco.meteor
    assert again.meteor == coco.meteor  # exactly


@needs_java
def test_coco_bleu1_hand_worked(coco: CocoMetrics) -> None:
    # matched unigrams: a 4/6 (the, camera, pans, left - "the" clipped to 1), b 4/4, c 2/4 -> 10/14;
    # candidate length 14 < reference length 5 + 5 + 7 = 17 -> brevity penalty exp(1 - 17/14)
    assert coco.bleu1 == pytest.approx(10 / 14 * math.exp(1 - 17 / 14), rel=1e-6)


def test_meteor_unavailable_without_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)
    out = coco_metrics(REFS, CANDS)
    assert out.meteor == "unavailable"
    assert "Java" in out.tokenizer
    assert 0 < out.bleu1 < 1


def test_minilm_similarity() -> None:
    out = minilm_metrics(
        ["The camera pans left.", "The camera pans left.", "The camera pans left.", "The camera pans left."],
        ["The camera pans left.", "The camera pans to the left.", "A cat sleeps on a sofa.", ""],
    )
    cos, f1 = out["cosine"], out["bertscore_f1"]
    assert cos[0] == pytest.approx(1.0, abs=1e-6) and f1[0] == pytest.approx(1.0, abs=1e-6)
    assert cos[1] > cos[2] and f1[1] > f1[2]
    assert cos[3] == 0.0 and f1[3] == 0.0


def test_caption_facts_hand_worked() -> None:
    assert caption_facts("The camera pans left slowly, maintaining a smooth motion.") == {"Pan_Left"}
    assert caption_facts("The camera dollies in while tilting up, then zooms out.") == {
        "Move_In",
        "Tilt_Up",
        "Zoom_Out",
    }
    assert caption_facts("The camera does not pan left; it remains completely still.") == {"Static"}
    assert caption_facts("The camera arcs clockwise around the statue.") == {"Arc_Clockwise"}
    assert caption_facts("Without any panning to the right, the camera rolls counterclockwise.") == {
        "Roll_Counterclockwise"
    }


def _labels(video: str, yes: set[Primitive], no: set[Primitive]) -> dict[Primitive, list[BinaryRecord]]:
    out: dict[Primitive, list[BinaryRecord]] = {}
    for prim in yes | no:
        out[prim] = [BinaryRecord(video, prim.question, "Yes" if prim in yes else "No", prim.task, prim.label_name)]
    return out


def test_caption_section_counts_facts_and_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)  # keep this test Java-free and fast
    items = [CaptionItem(v, "Describe the camera movement in this video.", r[0]) for v, r in REFS.items()]
    run = MethodRun(
        "m",
        Path("."),
        captions={
            "a": CaptionRecord("a", "m", "The camera pans left and tilts up."),
            "b": CaptionRecord("b", "m", None, "failed", "decoder error"),
        },
    )
    binary = _labels("a", {Primitive.PAN_LEFT}, {Primitive.TILT_UP, Primitive.STATIC})
    result = caption_section(items, run, binary, "lowest", with_minilm=False)
    assert result is not None
    section, rows = result
    assert (section.failed, section.missing, section.evaluated) == (1, 1, 3)
    # vs labels (video a only): said Pan_Left (yes -> TP), Tilt_Up (no -> FP); Static unsaid (no)
    assert section.motion_facts is not None and section.motion_facts.vs_labels is not None
    labels = section.motion_facts.vs_labels
    assert (labels.tp, labels.fp, labels.fn) == (1, 1, 0)
    # vs reference: a: {Pan_Left} vs {Pan_Left, Tilt_Up}; b: {} vs {Static}; c: {} vs {Move_In, Tilt_Up}
    ref = section.motion_facts.vs_reference
    assert (ref.tp, ref.fp, ref.fn) == (1, 1, 3)
    assert [r["status"] for r in rows] == ["ok", "failed", "missing"]
    assert rows[1]["caption"] == "" and rows[1]["compat_bleu2"] == 0.0
    dropped = caption_section(items, run, binary, "drop", with_minilm=False)
    assert dropped is not None and dropped[0].evaluated == 1
    assert caption_section(items, MethodRun("x", Path(".")), binary) is None
