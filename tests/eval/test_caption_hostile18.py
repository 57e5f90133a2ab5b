"""Caption metrics, round 18: film-language wordings of the motion facts, and every reference caption.

Each fail-first case below gave a wrong result before the fix: a motion the caption states that
was not read (``glides forward``, ``counter clockwise``, ``tracks left``), a pan read the wrong
way (``pans from right to left`` was Pan_Right), and MiniLM / camerabench-compat scores that
compared a caption only with the first of its video's references.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from rouge_score import rouge_scorer

from camerabench.eval import caption_metrics as cap
from camerabench.labelfiles import CaptionItem
from camerabench.records import CaptionRecord
from camerabench.runfolder import MethodRun
from camerabench.synth.annotate import caption
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import Primitive

# --------------------------------------------------------------------------- motion facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        # glide / travel / drift: a translation, as "moves"
        ("The camera glides forward.", {"Move_In"}),
        ("The camera glides backward.", {"Move_Out"}),
        ("The camera glides backwards toward the door.", {"Move_Out"}),
        ("The camera is gliding forward through the corridor.", {"Move_In"}),
        ("The camera glides smoothly to the right.", {"Move_Right"}),
        ("The drone travels forward over the forest.", {"Move_In"}),
        ("The camera drifts slightly to the left.", {"Move_Left"}),
        # every spelling of counterclockwise
        ("The camera rolls counter clockwise.", {"Roll_Counterclockwise"}),
        ("The camera rolls anti clockwise.", {"Roll_Counterclockwise"}),
        ("The camera rotates counter clockwise.", {"Roll_Counterclockwise"}),
        ("The camera rolls in a counter clockwise direction.", {"Roll_Counterclockwise"}),
        ("The camera rolls clock-wise.", {"Roll_Clockwise"}),
        ("The camera arcs counter clockwise around the statue.", {"Arc_Counterclockwise"}),
        ("The camera orbits anti clockwise.", {"Arc_Counterclockwise"}),
        # film-language verbs
        ("The camera pushes forward.", {"Move_In"}),
        ("The camera is pushing ahead.", {"Move_In"}),
        ("The camera tracks left.", {"Move_Left"}),
        ("The camera tracks to the right, following the runner.", {"Move_Right"}),
        ("The camera tracks in on the actor.", {"Move_In"}),
        ("The camera tracks out.", {"Move_Out"}),
        ("The camera dollies to the left.", {"Move_Left"}),
        # a pan from one side to the other is a pan towards the second (was the first: misread)
        ("The camera pans from right to left.", {"Pan_Left"}),
        ("The camera pans right to left.", {"Pan_Left"}),
        ("The camera pans from left to right.", {"Pan_Right"}),
        ("The camera pans from the left side to the right side.", {"Pan_Right"}),
        ("The camera tilts from top to bottom.", {"Tilt_Down"}),
        # there and back: both directions, as the taxonomy labels such a move
        ("The camera pans from left to right and back.", {"Pan_Left", "Pan_Right"}),
        ("The camera pans back and forth.", {"Pan_Left", "Pan_Right"}),
        ("The camera pans from side to side.", {"Pan_Left", "Pan_Right"}),
        ("The camera tilts back and forth.", {"Tilt_Up", "Tilt_Down"}),
    ],
)
def test_film_language_wordings_are_read(text: str, facts: set[str]) -> None:
    assert cap.caption_facts(text) == facts


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("The camera does not glide forward.", set()),
        ("The camera doesn't roll counter clockwise.", set()),
        ("The camera does not zoom and glide forward.", set()),  # the negation reaches both verbs
        ("The camera does not zoom and glides forward.", {"Move_In"}),  # a new predicate
        ("The camera does not pan back and forth.", set()),
        ("The camera does not pan from right to left; it tilts up.", {"Tilt_Up"}),
        ("The car glides to the left while the camera stays still.", {"Static"}),
        ("The camera glides down the hallway.", set()),  # a path, not a downward move
        ("The camera tracks the runner.", set()),  # no direction
        ("The camera pans left and right.", {"Pan_Left", "Pan_Right"}),  # unchanged, a guard
    ],
)
def test_new_wordings_keep_negation_and_subject(text: str, facts: set[str]) -> None:
    assert cap.caption_facts(text) == facts


def test_there_and_back_caption_reads_as_its_labels() -> None:
    """A synthetic clip panning there and back: its caption's facts are the directions labelled yes."""
    spec = ClipSpec("x", moves=((Primitive.PAN_LEFT, 8.0),), profile="there_hold_back")
    yes = {p.value for p, answer in raw_annotation(spec).directions.items() if answer == "yes"}
    assert yes == {"Pan_Left", "Pan_Right"}
    assert cap.caption_facts(caption(spec)) == yes
    assert cap.caption_facts("The camera pans left and back.") == {"Pan_Left", "Pan_Right"}  # there and back


# --------------------------------------------------------------------------- every reference

REF_A = "A red car drives along a wet road at night."
REF_B = "The camera pans left slowly."
CAND = "The camera pans left slowly."


@pytest.mark.parametrize("fn", [cap.compat_spice_lookalike, cap.compat_cider_lookalike, cap.compat_meteor_lookalike])
def test_compat_lookalikes_take_the_best_reference(fn: Any) -> None:
    assert fn(REF_A, CAND) < 0.5
    assert fn([REF_A, REF_B], CAND) == pytest.approx(1.0)
    assert fn([REF_A, REF_B], CAND) == max(fn(REF_A, CAND), fn(REF_B, CAND))


def test_compat_bleu2_is_nltk_multi_reference_bleu() -> None:
    refs = ["the camera pans left", "a slow pan to the left"]
    cand = "the camera pans to the left"
    direct = sentence_bleu(
        [r.split() for r in refs], cand.split(), weights=(0.5, 0.5), smoothing_function=SmoothingFunction().method1
    )
    got = cap.compat_bleu2(refs, cand)
    assert got == pytest.approx(direct, rel=1e-12)
    # n-grams matched across both references: more than either reference alone gives
    assert got > max(cap.compat_bleu2(r, cand) for r in refs)
    assert cap.compat_bleu2(["", REF_B], CAND) == pytest.approx(1.0)  # an empty reference left out


def test_compat_rouge_l_is_rouge_score_multi() -> None:
    refs = [REF_A, "The camera pans to the left."]
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    assert cap.compat_rouge_l(refs, CAND) == pytest.approx(scorer.score_multi(refs, CAND)["rougeL"].fmeasure)
    assert cap.compat_rouge_l(refs, CAND) > cap.compat_rouge_l(REF_A, CAND)
    with pytest.raises(ValueError, match="no reference"):
        cap.compat_rouge_l([], CAND)


class _BagTokenizer:
    """Words as word pieces, plus [CLS] and [SEP]."""

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
        return {"input_ids": [0] * (len(text.split()) + 2)}

    def num_special_tokens_to_add(self) -> int:
        return 2


class _BagModel:
    """A stand-in for all-MiniLM-L6-v2 (whose loading takes seconds): one-hot word embeddings."""

    max_seq_length = 128
    tokenizer = _BagTokenizer()
    dim = 257

    def _vec(self, word: str) -> np.ndarray:
        v = np.zeros(self.dim)
        v[zlib.crc32(word.encode()) % (self.dim - 1) + 1] = 1.0
        return v

    def encode(self, texts: list[str], **_: Any) -> list[dict[str, np.ndarray]]:
        special = np.zeros(self.dim)
        special[0] = 1.0
        out = []
        for text in texts:
            words = [self._vec(w) for w in text.lower().strip(".").split()]
            out.append(
                {
                    "sentence_embedding": np.mean(words, axis=0),
                    "token_embeddings": np.array([special, *words, special]),
                }
            )
        return out


def test_minilm_scores_the_best_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap, "_minilm", lambda: _BagModel())
    one = cap.minilm_metrics([REF_A], [CAND])
    both = cap.minilm_metrics([[REF_A, REF_B], REF_A], [CAND, CAND])
    assert one["cosine"][0] < 0.5 and one["bertscore_f1"][0] < 0.5
    assert both["cosine"][0] == pytest.approx(1.0) and both["bertscore_f1"][0] == pytest.approx(1.0)
    assert both["cosine"][1] == pytest.approx(one["cosine"][0])  # one text is a list of one
    with pytest.raises(ValueError, match="no reference"):
        cap.minilm_metrics([[]], [CAND])


def test_caption_section_compares_with_every_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)  # Java-free and fast
    monkeypatch.setattr(cap, "_minilm", lambda: _BagModel())
    question = "Describe the camera movement in this video."
    items = [
        CaptionItem("a", question, REF_A),
        CaptionItem("a", question, REF_B),
        CaptionItem("b", question, "The camera remains completely still."),
    ]
    run = MethodRun(
        "m",
        Path("."),
        captions={
            "a": CaptionRecord("a", "m", CAND),
            "b": CaptionRecord("b", "m", "The camera remains completely still."),
        },
    )
    result = cap.caption_section(items, run, None, "lowest", with_minilm=True)
    assert result is not None
    section, rows = result
    # the caption of "a" is its second reference word for word: a perfect match on every score
    row = rows[0]
    assert row["video"] == "a"
    for name in ("compat_bleu2", "compat_rouge_l", "compat_spice_lookalike", "compat_cider_lookalike"):
        assert row[name] == pytest.approx(1.0), name
    assert row["minilm_cosine"] == pytest.approx(1.0) and row["minilm_bertscore_f1"] == pytest.approx(1.0)
    assert section.camerabench_compat is not None and section.camerabench_compat.compat_bleu2 == pytest.approx(1.0)
    assert section.minilm is not None and section.minilm.cosine == pytest.approx(1.0)
    assert row["references"] == [REF_A, REF_B] and row["reference"] == REF_A


def test_captions_without_a_word_score_zero_on_minilm_as_the_empty_caption() -> None:
    """Red team R60: "..." or an emoji is evaluated as the empty caption (0 on every n-gram metric,
    as the report says), but MiniLM gave it cosines of 0.09-0.16."""
    ref = "The camera pans left."
    got = cap.minilm_metrics([ref] * 4, ["...", "\U0001f3a5", "", "The camera pans left slowly."])
    assert got["cosine"][:3] == [0.0, 0.0, 0.0] and got["bertscore_f1"][:3] == [0.0, 0.0, 0.0]
    assert got["cosine"][3] > 0.8
    # the premise: the model itself puts "..." near the reference (what it scored before)
    model = cap._minilm()
    emb = model.encode(["...", ref], normalize_embeddings=True)
    assert float(emb[0] @ emb[1]) > 0.05
