"""Cross-field option checks run for options built in code, not only for mappings."""

from __future__ import annotations

import pytest

from camerabench.baselines.geometry.colmap import ColmapOptions, ColmapPredictor
from camerabench.baselines.geometry.fast import FastOptions, FastPredictor
from camerabench.baselines.vlm.qwen import QwenVLOptions
from camerabench.errors import CameraBenchError


def test_min_frames_above_max_frames_refused_when_built_in_code() -> None:
    options = FastOptions(min_frames=10, max_frames=5)  # the dataclass constructor checks nothing
    with pytest.raises(CameraBenchError, match=r"min_frames \(10\) is more than max_frames \(5\)"):
        FastPredictor(options)
    with pytest.raises(CameraBenchError, match="min_frames"):
        FastPredictor(FastOptions().replace(min_frames=4000))


def test_mapping_path_still_checks_fields() -> None:
    with pytest.raises(CameraBenchError, match="min_frames"):
        FastPredictor({"min_frames": 10, "max_frames": 5})
    FastPredictor(FastOptions(min_frames=5, max_frames=5))  # equal is allowed


def test_colmap_empty_focal_order_refused_when_built_in_code() -> None:
    with pytest.raises(CameraBenchError, match="focal_order must name at least one model"):
        ColmapPredictor(ColmapOptions(focal_order=()))


def test_qwen_fields_checked_without_reading_the_checkpoint() -> None:
    # check_values needs no checkpoint: only the fields are compared
    with pytest.raises(CameraBenchError, match="min_pixels"):
        QwenVLOptions(model="/nonexistent", min_pixels=10_000, max_pixels=5_000).check_values("qwen")
    with pytest.raises(CameraBenchError, match="mcq_reasoning"):
        QwenVLOptions(model="/nonexistent", mcq_mode="likelihood", mcq_reasoning=True).check_values("qwen")


@pytest.mark.parametrize("predictor", [FastPredictor, ColmapPredictor])
def test_max_side_below_the_smallest_frame_is_refused_up_front(predictor: type) -> None:
    # frames under 32 px a side fail on every video ("relating frames needs at least 32 px"); a
    # max_side of 1 reached read_video, which cannot make frames smaller than 2x2
    with pytest.raises(CameraBenchError, match="max_side must be >= 32"):
        predictor(max_side=16)
    predictor(max_side=32)
