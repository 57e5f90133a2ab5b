"""Option texts matched across hyphens (``close-up`` is ``Close Up``), and checkpoints written with the
permissions of the umask (``model.safetensors`` was 0600)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from camerabench.baselines.vlm import checkpoint
from camerabench.baselines.vlm.checkpoint import checkpoint_folder
from camerabench.baselines.vlm.grpo import GRPOConfig, GRPOPrompt, score_completion
from camerabench.shotbench import Choice, MCQRow, extract_choice

#: The shot sizes of ShotBench and of our synth, spelled with spaces.
SIZES = {
    "A": "Extreme Wide",
    "B": "Wide",
    "C": "Medium Wide",
    "D": "Medium",
    "E": "Medium Close Up",
    "F": "Close Up",
    "G": "Extreme Close Up",
}


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        # read as "Medium" (a right answer scored wrong) before
        ("Medium close-up", "E"),
        ("This is a medium close-up shot.", "E"),
        ("<answer>Medium Close-Up</answer>", "E"),
        ("medium closeup", "E"),
        ("MEDIUM CLOSE-UP", "E"),
        # unparsed before
        ("Close-up", "F"),
        ("Extreme close-up", "G"),
        ("extreme closeup", "G"),
        ("medium-wide", "C"),
        ("A close-up shot.", "F"),  # the article, as for "A medium shot."
        # other dashes inside a compound: en dash, non-breaking hyphen, minus sign, hyphen U+2010
        ("medium close\u2013up", "E"),
        ("medium close\u2011up", "E"),
        ("medium close\u2212up", "E"),
        ("medium close\u2010up", "E"),
    ],
)
def test_a_hyphenated_or_joined_shot_size_names_its_option(reply: str, letter: str) -> None:
    assert extract_choice(reply, SIZES) == Choice(letter, "text")


def test_the_other_rules_hold_for_hyphenated_replies() -> None:
    """Two options named, or one rejected, stay unparsed; nested sizes still pick the longest."""
    # read as "Medium" before: the close-up outside the medium close-up was not seen
    assert extract_choice("medium close-up, or maybe a close-up", SIZES) == Choice(None, "unparsed")
    for reply in [
        "Medium close-up or wide",  # two options named: a guess
        "medium-wide or wide",
        "Not a medium close-up.",  # negations still reject the option named
        "It isn't a close-up",
        "Medium \u2014 close up would be too tight",  # an em dash sets a clause off: Medium and Close Up
        "Medium - close up",  # a spaced hyphen is no compound either
        "close--up",
    ]:
        assert extract_choice(reply, SIZES) == Choice(None, "unparsed"), reply
    for reply, letter in [("Medium Close Up", "E"), ("Medium", "D"), ("Extreme Close Up", "G")]:
        assert extract_choice(reply, SIZES) == Choice(letter, "text"), reply


def test_hyphenated_option_texts_match_spaced_and_joined_replies() -> None:
    options = {"A": "Close-up", "B": "Extreme close-up", "C": "Medium"}
    assert extract_choice("Extreme close up", options) == Choice("B", "text")  # unparsed before
    assert extract_choice("extreme closeup", options) == Choice("B", "text")  # unparsed before
    assert extract_choice("close up", options) == Choice("A", "text")  # unparsed before
    assert extract_choice("Extreme Close-Up", options) == Choice("B", "text")
    french = {"A": "Plongée", "B": "Contre-plongée"}
    for reply in ("contre plongée", "Contre Plongée", "contre-plongée"):  # the first two were "Plongée"
        assert extract_choice(reply, french) == Choice("B", "text"), reply
    dolly = {"A": "Dolly in", "B": "Dolly-in and pan left"}
    assert extract_choice("dolly in and pan left", dolly) == Choice("B", "text")  # was A


def test_options_that_differ_only_in_hyphens_or_spaces_are_matched_as_written() -> None:
    xray = {"A": "X-ray", "B": "X ray"}
    assert extract_choice("x-ray", xray) == Choice("A", "text")
    assert extract_choice("x ray", xray) == Choice("B", "text")
    assert extract_choice("xray", xray) == Choice(None, "unparsed")
    closeup = {"A": "Close up", "B": "Closeup", "C": "Wide"}
    assert extract_choice("close up", closeup) == Choice("A", "text")
    assert extract_choice("closeup", closeup) == Choice("B", "text")
    assert extract_choice("close-up", closeup) == Choice(None, "unparsed")
    # a medium close-up still, though another pair of options collides
    both = {**SIZES, "H": "X-ray", "I": "X ray"}
    assert extract_choice("medium close-up", both) == Choice("E", "text")
    # digits are not joined ("tilt 23" is no "Tilt 2 3"); a leading minus is part of the text
    numbers = {"A": "Tilt 2 3", "B": "-30 degrees", "C": "Zoom in"}
    assert extract_choice("tilt 23", numbers) == Choice(None, "unparsed")
    assert extract_choice("tilt 2-3", numbers) == Choice("A", "text")
    assert extract_choice("-30 degrees", numbers) == Choice("B", "text")
    assert extract_choice("zoom-in", numbers) == Choice("C", "text")


def test_the_grpo_reward_scores_a_hyphenated_right_answer_correct() -> None:
    row = MCQRow("1", "t", ("video",), ("videos/a.mp4",), "What is the shot size?", SIZES, "E", "shot size", 2)
    target = GRPOPrompt("q", "E", "mcq", row=row)
    reward = score_completion("<think>the face fills it</think><answer>Medium close-up</answer>", target, GRPOConfig())
    assert reward.correct and reward.parsed


# --- checkpoint permissions ------------------------------------------------------------------------


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode & 0o777 for p in [folder, *folder.iterdir()]}


def test_the_tiny_checkpoint_files_get_the_umask_permissions(tiny_ckpt: Path) -> None:
    """make-tiny-vlm wrote model.safetensors 0600 (safetensors creates it so), the rest 0644."""
    umask = checkpoint._process_umask()
    modes = _modes(tiny_ckpt)
    assert modes.pop(tiny_ckpt.name) == 0o777 & ~umask
    assert "model.safetensors" in modes
    assert modes == dict.fromkeys(modes, 0o666 & ~umask)


@pytest.mark.parametrize("umask", [0o002, 0o027, 0o077])
def test_a_checkpoint_folder_gets_the_permissions_of_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: int
) -> None:
    monkeypatch.setattr(checkpoint, "_process_umask", lambda: umask)
    out = tmp_path / "model"
    with checkpoint_folder(out) as tmp:
        save_file({"w": torch.zeros(2)}, str(tmp / "model.safetensors"))
        (tmp / "config.json").write_text(json.dumps({"model_type": "x"}))
        (tmp / "sub").mkdir()
        (tmp / "sub" / "extra.json").write_text("{}")
    assert _modes(out) == {
        "model": 0o777 & ~umask,
        "model.safetensors": 0o666 & ~umask,
        "config.json": 0o666 & ~umask,
        "sub": 0o777 & ~umask,
    }
    assert (out / "sub" / "extra.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_the_umask_is_read_without_proc_and_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from_proc = checkpoint._process_umask()
    real_read = Path.read_text

    def no_proc(self: Path, *args: object, **kwargs: object) -> str:
        if str(self) == "/proc/self/status":
            raise FileNotFoundError(self)
        return real_read(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", no_proc)
    assert checkpoint._process_umask() == from_proc
    monkeypatch.undo()
    assert checkpoint._process_umask() == from_proc  # put back: /proc still gives the umask it found
