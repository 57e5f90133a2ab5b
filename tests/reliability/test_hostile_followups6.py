"""Follow-ups of the sixth hostile-input sweep: one-letter MCQ replies in lower case or full
width, and caption records naming a caption mode that does not exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.records import CAPTION_MODES, CaptionRecord, read_captions, write_captions
from camerabench.shotbench import extract_choice

OPTIONS = {"A": "Pan left", "B": "Pan right", "C": "Tilt up"}


@pytest.mark.parametrize(
    ("reply", "letter"),
    [("b", "B"), ("(b)", "B"), ("c.", "C"), ("<answer> c </answer>", "C"), ("a", "A"), ("Ｂ", "B"), ("ｃ.", "C")],
)
def test_a_reply_that_is_one_letter_names_that_option_in_any_case_or_width(reply: str, letter: str) -> None:
    """A reply of only ``b`` (or a full-width ``Ｂ``) was counted unparsed, so wrong."""
    choice = extract_choice(reply, OPTIONS)
    assert (choice.letter, choice.rule) == (letter, "letter")


@pytest.mark.parametrize("reply", ["the answer is b", "d", "a pan to the left or right"])
def test_lower_case_letters_inside_a_sentence_are_still_not_options(reply: str) -> None:
    assert extract_choice(reply, OPTIONS).letter is None


def test_full_width_text_names_its_option() -> None:
    assert extract_choice("Ｐａｎ ｒｉｇｈｔ", OPTIONS).letter == "B"


def test_a_caption_record_with_an_unknown_mode_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """``mode: "bogus"`` was read; evaluation groups captions by mode, so it made a group of its own."""
    path = tmp_path / "captions.jsonl"
    write_captions(path, [CaptionRecord("a.mp4", "m", "pans left", mode=m) for m in CAPTION_MODES])
    lines = path.read_text().splitlines()
    bad = json.loads(lines[1])
    bad["mode"] = "DiffSW"
    path.write_text("\n".join([lines[0], json.dumps(bad)]) + "\n")
    with pytest.raises(FileFormatError, match=r"captions\.jsonl:2: mode must be one of whole, diffsw, got 'DiffSW'"):
        read_captions(path)
    with pytest.raises(ValueError, match=r"mode must be (one of|a non-empty string)"):
        CaptionRecord("a.mp4", "m", "x", mode="")
