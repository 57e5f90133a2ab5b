"""Hostile inputs, round 42: cross-fitting folds, the per-knob groups of the hard preset's
manifest, and caption texts that read the same but were compared as different words.

Java-free: the COCO parts run with ``java_available`` patched off (the fallback tokenizer).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest

from camerabench.crossfit import video_folds
from camerabench.errors import FileFormatError
from camerabench.eval import caption_metrics as cap
from camerabench.eval.binary import ResolvedSamples
from camerabench.eval.knobs import clip_groups, knob_section
from camerabench.labelfiles import CaptionItem
from camerabench.records import CaptionRecord
from camerabench.runfolder import MethodRun

QUESTION = "Describe the camera movement in this video."


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap, "java_available", lambda: False)


# --------------------------------------------------------------------------- cross-fitting folds


def test_names_differing_by_a_trailing_nul_are_two_videos_of_two_folds() -> None:
    """The names went to GroupKFold as a numpy string array, which drops trailing NULs."""
    # was: sklearn's ValueError "Cannot have number of splits n_splits=2 greater than the number of groups: 1"
    assert sorted(video_folds(["a.mp4", "a.mp4\x00"], 2).values()) == [0, 1]
    # was: a.mp4 and a.mp4\x00 one group, so in one fold
    names = ["a.mp4", "a.mp4\x00", "b.mp4", "c.mp4"]
    plain = video_folds(["a.mp4", "b.mp4", "c.mp4", "d.mp4"], 2)
    assert list(video_folds(names, 2).values()) == list(plain.values())  # a fold by rank, as for any names


# --------------------------------------------------------------------------- knob groups


def test_a_failure_mode_its_knobs_do_not_turn_on_is_its_group_not_none() -> None:
    manifest = {
        "clips": [
            {"video": "a.mp4", "failure_mode": "motion_blur", "knobs": {}},  # an older manifest's knobs
            {"video": "b.mp4", "failure_mode": None, "knobs": {"motion_blur": False}},
            {"video": "c.mp4", "failure_mode": "none", "knobs": {"scene_cut": True}},  # "none": no failure mode
            {"video": "d.mp4", "failure_mode": "scene_cut", "knobs": {"scene_cut": True}},  # as the generator writes
        ]
    }
    # was: {'none': {'a.mp4', 'b.mp4'}, 'scene_cut': {'c.mp4', 'd.mp4'}}: the blur clip counted as no hard case
    assert clip_groups(manifest) == {"motion_blur": {"a.mp4"}, "none": {"b.mp4"}, "scene_cut": {"c.mp4", "d.mp4"}}


def test_a_failure_mode_its_knobs_turn_off_is_its_group_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    manifest = {"clips": [{"video": "a.mp4", "failure_mode": "motion_blur", "knobs": {"motion_blur": False}}]}
    with caplog.at_level(logging.WARNING):
        groups = clip_groups(manifest)
    assert groups == {"motion_blur": {"a.mp4"}}  # was: {'none': {'a.mp4'}}, no word
    assert "clips[0] (video 'a.mp4') has the failure_mode 'motion_blur' but its knobs turn 'motion_blur' off" in (
        caplog.text
    )


def test_the_failure_mode_group_gets_its_own_ap_in_the_knob_table() -> None:
    videos = [f"v{k}.mp4" for k in range(4)]
    manifest = {"clips": [{"video": v, "failure_mode": "motion_blur" if k < 2 else None, "knobs": {}}
                          for k, v in enumerate(videos)]}  # fmt: skip
    resolved = {
        "m": {
            "Pan_Right": ResolvedSamples(np.array([True, False, True, False]), np.array([0.9, 0.1, 0.2, 0.8]), videos)
        }
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = knob_section(resolved, manifest)["m"]
    # was: one group 'none' of the 4 clips
    assert list(table) == ["motion_blur", "none"]
    assert (table["motion_blur"].clips, table["motion_blur"].mean_ap) == (2, 1.0)
    assert (table["none"].clips, table["none"].mean_ap) == (2, 0.5)


def test_knobs_given_as_a_list_of_names_are_an_error_naming_the_clip() -> None:
    manifest = {"clips": [{"video": "a.mp4", "knobs": ["motion_blur"]}, {"video": "b.mp4", "knobs": {}}]}
    # was: {'none': {'b.mp4'}}: a.mp4 in no group and the knob table silently without motion_blur
    with pytest.raises(
        FileFormatError, match=r"clips\[0\] \(video 'a\.mp4'\): knobs must be an object.*\['motion_blur'\]"
    ):
        clip_groups(manifest)


def test_a_knob_named_none_that_is_on_is_an_error_not_merged_with_the_clips_of_no_knob() -> None:
    manifest = {"clips": [{"video": "a.mp4", "knobs": {"none": True}}, {"video": "b.mp4", "knobs": {}}]}
    # was: {'none': {'a.mp4', 'b.mp4'}}
    with pytest.raises(FileFormatError, match=r"clips\[0\] \(video 'a\.mp4'\): a knob named 'none' is turned on"):
        clip_groups(manifest)
    # off, it is merely named: no error
    assert clip_groups({"clips": [{"video": "a.mp4", "knobs": {"none": False}}]}) == {"none": {"a.mp4"}}


# --------------------------------------------------------------------------- caption texts

#: a CameraBench reference (caption_data.json writes "bird’s-eye" with a typographic apostrophe)
REFERENCE = "The drone smoothly ascends while maintaining a steady bird\u2019s-eye view, then pans left."


def test_typographic_and_ascii_apostrophes_are_the_same_word() -> None:
    candidate = REFERENCE.replace("\u2019", "'")
    ref, cand = cap.normalise_caption(REFERENCE), cap.normalise_caption(candidate)
    # was: compat_bleu2 0.84, the spice/cider/meteor look-alikes below 1: "birds" and "bird’seye" two words
    assert ref == cand
    assert cap.compat_metrics([ref], [cand]) == cap.compat_metrics([cand], [cand])
    assert cap.compat_bleu2(ref, cand) == pytest.approx(1.0)
    assert cap.normalise_caption("\u201cpans\u201d \u2018left\u2019") == "\"pans\" 'left'"


@pytest.mark.parametrize(
    "candidate",
    [
        "\ufeffThe camera pans left.",  # a byte-order mark left at the start
        "The camera pa\u00adns left.",  # a soft hyphen
        "The camera pans\u2060 left.",  # a word joiner
        "The camera \u200epans left.",  # a left-to-right mark
        "The camera\u200bpans left.",  # a zero-width space: a word break
    ],
)
def test_invisible_format_characters_do_not_change_the_words(candidate: str) -> None:
    text = cap.normalise_caption(candidate)
    # was: the character kept, so "pa\xadns" was no "pans" (the facts lost Pan_Left) and "\ufeffthe" no "the"
    assert text == "The camera pans left."
    assert cap.caption_facts(text) == {"Pan_Left"}


def test_an_invisible_caption_is_evaluated_as_the_empty_one_with_a_note(no_java: None) -> None:
    items = [CaptionItem("a", QUESTION, "The camera pans left."), CaptionItem("b", QUESTION, "The camera tilts up.")]
    captions = {
        "a": CaptionRecord("a", "m", "\ufeff\u00ad\u2060"),
        "b": CaptionRecord("b", "m", "The camera tilts up."),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = cap.caption_section(items, MethodRun("m", Path("."), captions=captions), None, "lowest", False)
    assert result is not None
    section, rows = result
    assert rows[0]["caption"] == ""  # was: '\ufeff\xad\u2060', a "caption" the empty-caption note missed
    assert section.note is not None and "1 of 2 ok captions hold no word" in section.note


@pytest.mark.parametrize("reference", ["", "...", " \u2014 "])
def test_coco_metrics_refuse_a_reference_of_no_word(no_java: None, reference: str) -> None:
    refs = {"a": [reference], "b": ["the camera tilts up"]}
    # was: ROUGE-L 0.78 and BLEU-1 0.48 for an empty caption of a (pycocoevalcap's ROUGE-L scores two
    # empty texts 1), against 0.28 and 0.13 for the same caption against a reference with words
    with pytest.raises(ValueError, match=r"reference caption 0 of 'a' holds no word"):
        cap.coco_metrics(refs, {"a": "", "b": "the camera pans"})
