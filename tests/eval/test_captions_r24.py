"""Caption evaluation issues red team R24 found on the 1,071 public CameraBench clips.

- F1: the 727 reference captions were encoded by MiniLM again for every method (28 s of a
  method's 62 s); one evaluation now encodes them once (:class:`MiniLMReferences`), with the
  same numbers as a fresh computation. Found on the way: the token embeddings kept the padding
  of their batch, so a caption's BERTScore F1 depended on the other texts encoded with it.
- F2: two VQA warnings did not name the method.
- F3: failed and missing captions were counted in the JSON but not warned of.
"""

from __future__ import annotations

import functools
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.eval import caption_metrics as cap
from camerabench.eval.ap import UndefinedMetricWarning
from camerabench.eval.caption_metrics import MiniLMReferences, minilm_metrics
from camerabench.eval.evaluate import evaluate
from camerabench.eval.vqa import vqa_retrieval_sections
from camerabench.labelfiles import CaptionItem, VQAPair, write_caption_file
from camerabench.records import CaptionRecord, write_captions
from camerabench.runfolder import MethodRun
from camerabench.taxonomy import Primitive

QUESTION = "Describe the camera movement in this video."
REFS = {
    "a.mp4": ["The camera pans left slowly across the street.", "A slow pan to the left."],
    "b.mp4": ["The camera remains completely still."],
    "c.mp4": ["The camera tilts up to reveal a tall building."],
    "d.mp4": ["The camera dollies forward through a corridor while zooming in."],
}
CAPTIONS = {
    "one": {"a.mp4": "The camera pans left.", "b.mp4": "A static shot.", "c.mp4": None, "d.mp4": "It moves in."},
    "two": {"a.mp4": "It pans right.", "b.mp4": "The camera is still.", "c.mp4": "Tilts up.", "d.mp4": None},
}


@pytest.fixture(autouse=True)
def _no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap.shutil, "which", lambda name: None)  # the COCO metrics are not under test


def _record(video: str, method: str, caption: str | None) -> CaptionRecord:
    if caption is None:
        return CaptionRecord(video, method, None, status="failed", reason="model error")
    return CaptionRecord(video, method, caption)


def _data_and_run(root: Path) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    write_caption_file(
        data / "labels" / "caption_data.json", [CaptionItem(v, QUESTION, r) for v, refs in REFS.items() for r in refs]
    )
    (data / "videos").mkdir(parents=True)
    for v in REFS:
        (data / "videos" / v).write_bytes(b"")
    for method, caps in CAPTIONS.items():
        write_captions(run / method / "captions.jsonl", [_record(v, method, c) for v, c in caps.items()])
    # a third method without a record of d.mp4
    write_captions(run / "three" / "captions.jsonl", [_record(v, "three", "A pan.") for v in list(REFS)[:3]])
    return data, run


class _Counting:
    """The real model, counting the texts each ``encode`` call is given."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def encode(self, texts: list[str], **kwargs: Any) -> Any:
        self.calls.append(list(texts))
        return self.model.encode(texts, **kwargs)


@functools.cache
def _alone(model: Any, text: str) -> tuple[np.ndarray, np.ndarray]:
    """``text``'s sentence embedding and normalised word-piece embeddings, encoded on its own (no padding;
    memoised: the methods' rows share their references, 42 encodings -> 12)."""
    sentence = np.asarray(model.encode([text], show_progress_bar=False)[0], dtype=np.float64)
    tokens = np.asarray(model.encode([text], output_value="token_embeddings", show_progress_bar=False)[0])[1:-1]
    return sentence, tokens / np.linalg.norm(tokens, axis=1, keepdims=True)


def _independent(model: Any, refs: list[str], cand: str) -> tuple[float, float]:
    """Best cosine and best BERTScore F1 (no idf) over ``refs``, from each text encoded alone."""
    cs, ct = _alone(model, cand)
    cos, f1 = [], []
    for ref in refs:
        rs, rt = _alone(model, ref)
        cos.append(float(cs @ rs / (np.linalg.norm(cs) * np.linalg.norm(rs))))
        sim = ct @ rt.T
        p, r = sim.max(axis=1).mean(), sim.max(axis=0).mean()
        f1.append(float(2 * p * r / (p + r)))
    return max(cos), max(f1)


def test_evaluate_encodes_the_references_once_with_the_numbers_of_a_fresh_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = cap._minilm()
    counting = _Counting(real)
    monkeypatch.setattr(cap, "_minilm", lambda: counting)
    data, run = _data_and_run(tmp_path)
    all_refs = sorted({r for refs in REFS.values() for r in refs})
    for policy in ("lowest", "drop"):
        counting.calls.clear()
        with caplog.at_level(logging.WARNING):
            ev = evaluate(data, run, failed=policy, n_bootstrap=0)
        # one call holds the references, for the three methods together; the others hold only captions
        with_refs = [c for c in counting.calls if set(c) & set(all_refs)]
        assert with_refs == [all_refs], policy
        assert len(counting.calls) == 1 + 3
        for method in ("one", "two", "three"):
            rows = ev.caption_rows[method]
            fresh = minilm_metrics([r["references"] for r in rows], [r["caption"] for r in rows], all_refs)
            # the cached path and a fresh encoding of the same references: the same bits
            assert [r["minilm_cosine"] for r in rows] == fresh["cosine"], (policy, method)
            assert [r["minilm_bertscore_f1"] for r in rows] == fresh["bertscore_f1"], (policy, method)
            for row in rows:
                if not row["caption"]:  # a failed caption kept by --failed lowest: the empty caption
                    assert row["minilm_cosine"] == row["minilm_bertscore_f1"] == 0.0
                    continue
                cos, f1 = _independent(real, row["references"], row["caption"])
                assert row["minilm_cosine"] == pytest.approx(cos, abs=1e-5)
                assert row["minilm_bertscore_f1"] == pytest.approx(f1, abs=1e-5)
        evaluated = {m: len(ev.caption_rows[m]) for m in ("one", "two", "three")}
        assert evaluated == (
            {"one": 4, "two": 4, "three": 4} if policy == "lowest" else {"one": 3, "two": 3, "three": 3}
        )


def test_a_captions_bertscore_does_not_depend_on_the_texts_encoded_with_it() -> None:
    ref, cand = "The camera pans left.", "The camera pans left slowly."
    longer = "A long, winding shot in which the camera cranes up over the rooftops and then pans across the harbour."
    alone = minilm_metrics([ref], [cand])
    beside = minilm_metrics([ref, ref], [cand, longer])
    # was 0.858 alone and 0.891 beside a longer caption: the padding vectors took part in the matching
    assert beside["bertscore_f1"][0] == pytest.approx(alone["bertscore_f1"][0], abs=1e-5)
    assert alone["bertscore_f1"][0] == pytest.approx(_independent(cap._minilm(), [ref], cand)[1], abs=1e-5)


def test_a_caption_that_is_a_reference_word_for_word_scores_exactly_one() -> None:
    refs = [["The camera pans left.", "A pan to the left."], ["The camera remains completely still."]]
    out = minilm_metrics(refs, ["A pan to the left.", "The camera remains completely still."])
    # the same embedding on both sides: 1 up to the last bit (a separate encoding differs by ~1e-8)
    assert out["cosine"] == pytest.approx([1.0, 1.0], abs=1e-12)
    assert out["bertscore_f1"] == pytest.approx([1.0, 1.0], abs=1e-12)


def test_the_cache_keeps_one_entry_per_model_and_exact_reference_texts() -> None:
    model = cap._minilm()
    cache = MiniLMReferences()
    first = cache.get(model, ["b", "a", "a"])
    assert cache.get(model, ["a", "b"]) is first and len(cache) == 1
    other = cache.get(model, ["a", "b", "c"])  # another dataset's references: encoded anew
    assert len(cache) == 2 and other is not first and set(other) == {"a", "b", "c"}
    fresh = MiniLMReferences().get(model, ["c", "b", "a"])
    for text in ("a", "b", "c"):
        assert np.array_equal(other[text][0], fresh[text][0]) and np.array_equal(other[text][1], fresh[text][1])


def test_a_reference_outside_the_pool_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'The camera pans left\.' is not in the reference pool"):
        minilm_metrics(["The camera pans left."], ["A pan."], reference_pool=["Another reference."])


def test_failed_and_missing_captions_are_warned_of_naming_the_method(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, run = _data_and_run(tmp_path)
    for policy, fate in (
        ("lowest", "--failed lowest, evaluated as the empty caption (0 on every n-gram metric and MiniLM similarity)"),
        ("drop", "--failed drop, left out (the captions are scored on the 3 others)"),
    ):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            ev = evaluate(data, run, failed=policy, n_bootstrap=0, captions_minilm=False)
        said = [r.getMessage() for r in caplog.records if "videos with a reference caption:" in r.getMessage()]
        assert said == [
            f"one: captions: 1 failed and 0 missing (no caption record) of 4 videos with a reference caption: {fate}",
            f"three: captions: 0 failed and 1 missing (no caption record) of 4 videos with a reference caption: {fate}",
            f"two: captions: 1 failed and 0 missing (no caption record) of 4 videos with a reference caption: {fate}",
        ]
        counts = {m: (c.failed, c.missing) for m, r in ev.result.methods.items() if (c := r.captions) is not None}
        assert counts == {"one": (1, 0), "two": (1, 0), "three": (0, 1)}


# --------------------------------------------------------------------------- VQA warnings


def _pair(pos: str, neg: str) -> VQAPair:
    texts = ("pans left", "pans right")
    left, right = Primitive.PAN_LEFT.question, Primitive.PAN_RIGHT.question
    return VQAPair("pan", "sides", (pos, neg), texts, pos, neg, *texts, left, right)


def _run(name: str, score: float | None) -> MethodRun:
    from camerabench.records import ScoreRecord

    recs = {}
    for video in ("v0.mp4", "v1.mp4"):
        for q in (Primitive.PAN_LEFT.question, Primitive.PAN_RIGHT.question):
            recs[(video, q)] = (
                ScoreRecord(video, q, name, score)
                if score is not None
                else ScoreRecord.failed(video, q, name, "model error")
            )
    return MethodRun(name, Path(name), scores=recs)


def test_vqa_warnings_start_with_the_method_name(caplog: pytest.LogCaptureFixture) -> None:
    labels = {("pan", "sides"): [_pair("v1.mp4", "v0.mp4")]}
    with caplog.at_level(logging.WARNING):
        vqa_retrieval_sections(labels, _run("flat", 0.5), "lowest", 0.5)
        vqa_retrieval_sections(labels, _run("flat", 0.5), "lowest", 0.5, name="shown")
    said = [r.getMessage() for r in caplog.records if "yes threshold" in r.getMessage()]
    assert [s.split(": ", 1)[0] for s in said] == ["flat", "shown"]
    assert said[0].startswith("flat: VQA/retrieval: 4 of 4 cells scored exactly the yes threshold 0.5")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vqa_retrieval_sections(labels, _run("broken", None), "drop", 0.5)
    texts = [str(w.message) for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    assert any(t.startswith("broken: VQA task pan/sides is undefined: every pair has a failed") for t in texts), texts
