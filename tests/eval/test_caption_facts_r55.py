"""Round 55: caption_facts on negated series, trailing manner adverbs and other subjects."""

from __future__ import annotations

import pytest

from camerabench.eval.caption_metrics import caption_facts


@pytest.mark.parametrize(
    ("caption", "facts"),
    [
        # a manner adverb ending the first phrase is dropped, so the elided verb is read
        ("The camera pans left slowly, then right.", {"Pan_Left", "Pan_Right"}),
        ("The camera tilts up smoothly, then down.", {"Tilt_Up", "Tilt_Down"}),
        ("The camera moves forward steadily, then backward.", {"Move_In", "Move_Out"}),
        # the negation reaches every item of a series parted by commas
        ("The camera does not pan left, tilt up, or zoom in.", set()),
        ("The camera doesn't pan left, tilt up or zoom in.", set()),
        ("The camera does not pan left, roll clockwise, tilt up, or zoom in.", set()),
        ("No panning left, tilting up, or zooming in.", set()),
        # ... but not a new predicate or a participle after the comma
        ("The camera does not pan left, tilting up instead.", {"Tilt_Up"}),
        ("The camera does not pan left, it tilts up.", {"Tilt_Up"}),
        # another subject: a relative "who", an auxiliary before -ing, "and then"
        ("The camera follows a man, who moves left.", set()),
        ("The camera follows the dancers, who move to the left.", set()),
        ("The camera follows the girl who is moving left.", set()),
        ("The camera tracks a man who then moves to the left.", set()),
        ("The camera follows her as she is moving left.", set()),
        ("The young man is moving left.", set()),
        ("The camera is still; the two dogs are moving left.", {"Static"}),
        ("The car turns and then moves left.", set()),
        # the camera's own motion is still read
        ("The camera is moving left.", {"Move_Left"}),
        ("The camera is panning left while the car is moving right.", {"Pan_Left"}),
        ("The camera follows the car and then moves left.", {"Move_Left"}),
        (
            "The camera pans right to track a passing car, tilting down as the car approaches and then "
            "tilting up as it moves away.",
            {"Pan_Right", "Tilt_Down", "Tilt_Up"},
        ),
    ],
)
def test_caption_facts(caption: str, facts: set[str]) -> None:
    assert caption_facts(caption) == facts
