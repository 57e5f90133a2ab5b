"""Red team R60 on the caption fact parser: a fixed camera said to shake was read as Static (the
taxonomy's Static: "completely still without any motion or shaking"), the second of two joined
"-ward" directions was dropped, and "shifts left" stated nothing. Checked on CameraBench's own
reference captions against their binary labels too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.taxonomy import Primitive
from camerabench.taxonomy.caption_facts import caption_facts


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        ("The camera remains fixed but slightly unsteady.", []),
        ("The camera remains static with minor shaking.", []),
        ("The camera is handheld and shaky but does not move.", []),
        ("The camera is stationary, though it jitters a little.", []),
        # the shake of something else, or a negated one, leaves Static stated
        ("The camera remains static while the leaves shake in the wind.", ["Static"]),
        ("The camera is static, without any shaking.", ["Static"]),
        ("The camera stays still; no camera shake.", ["Static"]),
        ("The camera is completely still and steady, not shaky at all.", ["Static"]),
        # two joined directions, and "shifts"
        ("The camera moves upward and rightward.", ["Move_Right", "Move_Up"]),
        ("The camera moves forward and leftward.", ["Move_In", "Move_Left"]),
        ("The camera moves to the left and upwards.", ["Move_Left", "Move_Up"]),
        ("The camera shifts left.", ["Move_Left"]),
        ("The camera is shifting right.", ["Move_Right"]),
        ("The camera shifted to the right.", ["Move_Right"]),
        ("The focus shifts to the man.", []),
        ("The car shifts left while the camera stays still.", ["Static"]),
        # noun phrases of motion with a direction (red team R63)
        ("A smooth trucking motion from right to left.", ["Move_Left"]),
        ("The camera makes a slow, smooth panning movement to the right.", ["Pan_Right"]),
        ("A dolly shot forward.", ["Move_In"]),
        ("A slow pedestal movement down.", ["Move_Down"]),
        ("There is no panning motion to the left.", []),
        ("A panning shot of a car moving left.", []),
    ],
)
def test_caption_facts(caption: str, facts: list[str]) -> None:
    assert sorted(caption_facts(caption)) == facts


def test_static_from_the_public_reference_captions_agrees_with_their_labels(public_data: Path) -> None:
    """Each public reference caption read as a caption: where it states Static, the Static label is
    mostly Yes (90 of the 105 false facts were Static before, its precision 0.51)."""
    captions = {
        item["image"] if "image" in item else item["video"]: item["answer"]
        for item in json.loads((public_data / "caption_data.json").read_text(encoding="utf-8"))
    }
    labels = {
        row["image"]: row["label"]
        for row in map(json.loads, (public_data / "binary_classification" / Primitive.STATIC.file).open())
    }
    stated = [v for v, c in captions.items() if v in labels and Primitive.STATIC.value in caption_facts(c)]
    wrong = [v for v in stated if labels[v] == "No"]
    assert len(stated) > 50
    assert len(wrong) / len(stated) < 0.2  # 20 of 114 now; 90 of 184 (0.49) before
