"""GRPO rewards on hostile completions: the format term and the answer parser read the same tags."""

from __future__ import annotations

import math

import pytest

from camerabench.baselines.vlm.grpo import GRPOConfig, GRPOPrompt, score_completion
from camerabench.shotbench import MCQRow

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static", "D": "Zoom in"}
ROW = MCQRow("1", "t", ("video",), ("videos/a.mp4",), "How does the camera move?", OPTIONS, "B", "cm", 2)
MCQ = GRPOPrompt("q", "B", "mcq", row=ROW)
BINARY = GRPOPrompt("q", "Yes", "binary", video="a.mp4")
THINK = "<think>the camera tilts</think>"


@pytest.mark.parametrize(
    ("text", "target", "value", "correct"),
    [
        # a full-width closing and opening tag: the parser reads two answer blocks (B and C)
        (THINK + "<answer>B\uff1c/answer\uff1e\uff1canswer\uff1eC</answer>", MCQ, 0.0, False),
        (THINK + "<answer>B\uff1c/answer\uff1e\uff1canswer\uff1eB</answer>", MCQ, 0.9, True),
        # a zero-width space inside a tag: the parser drops it and reads the tag
        (THINK + "<answer>B<\u200b/answer> C</answer>", MCQ, 0.9, True),
        ("<think>x<\u200banswer>C<\u200b/answer></think><answer>B</answer>", MCQ, 0.9, True),
        ("<think>x</think><answer>Yes\uff1c/answer\uff1e \uff1canswer\uff1eNo</answer>", BINARY, 0.0, False),
        ("<think>x\uff1c/think\uff1e no</think><answer>Yes</answer>", BINARY, 0.9, True),
    ],
)
def test_tags_the_parser_reads_are_tags_to_the_format_term(
    text: str, target: GRPOPrompt, value: float, correct: bool
) -> None:
    reward = score_completion(text, target, GRPOConfig())
    assert not reward.format_ok
    assert reward.correct is correct
    assert reward.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        (THINK + "<answer>B</answer>", MCQ, 1.0),
        (THINK + "\n<answer>\n  Ｂ \n</answer>\n", MCQ, 1.0),  # full-width letter, white space around
        (THINK + "<answer>b</answer>", MCQ, 1.0),
        (THINK + "<answer>Tilt up</answer>", MCQ, 1.0),
        ("<think>x\u2026 \u00bd</think><answer>B</answer>", MCQ, 1.0),  # NFKC changes the thinking only
        ("B", MCQ, 0.9),
        ("<answer>B</answer>" + THINK, MCQ, 0.9),
        (THINK + "<answer>B</answer><answer>C</answer>", MCQ, 0.0),
        (THINK + "<answer>B or C</answer>", MCQ, 0.1),
        (THINK + "<answer>E</answer>", MCQ, 0.1),
        ("<think>the camera tilts <answer>B</answer>", MCQ, 0.0),
        ("", MCQ, 0.0),
        ("<think>no cut</think><answer>Ｙｅｓ</answer>", BINARY, 1.0),
        (THINK + "<answer>Yes</answer><answer>No</answer>", BINARY, 0.0),
    ],
)
def test_rewards_of_realistic_completions_are_unchanged(text: str, target: GRPOPrompt, value: float) -> None:
    reward = score_completion(text, target, GRPOConfig())
    assert isinstance(reward.value, float) and math.isfinite(reward.value)
    assert reward.value == pytest.approx(value)
