"""Round 55 (red team R76): the per-video fields of calibration.json name the same fitting videos.

A fitting video taken out of ``video_folds`` by hand was scored with the full map that saw its
label (in-sample calibration, reported as cross-fitted on the others); the file is now refused,
naming the line of the first such video.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.eval.calibration import calibrate_run, read_calibration

from .test_calibration_r18 import _both, _write


@pytest.mark.parametrize("field", ["video_folds", "video_labels", "video_prints"])
def test_a_fitting_video_dropped_from_one_per_video_field_is_refused(tmp_path: Path, field: str) -> None:
    data, run = _write(tmp_path, _both())
    _, path = calibrate_run(data, run, "m", n_splits=3)
    obj = json.loads(path.read_text())
    assert obj["video_folds"].keys() == obj["video_labels"].keys() == obj["video_prints"].keys()
    read_calibration(path)  # the file calibrate wrote
    video = sorted(obj["video_folds"])[3]
    del obj[field][video]
    path.write_text(json.dumps(obj, indent=1))
    if field == "video_prints":  # a video with no identity recorded: matched by name and labels
        assert read_calibration(path).video_folds == {
            k: int(v) for k, v in json.loads(path.read_text())["video_folds"].items()
        }
        return
    lines = path.read_text().splitlines()
    with pytest.raises(FileFormatError) as err:
        read_calibration(path)
    named = "video_folds" if field == "video_labels" else "video_labels"
    line = next(
        i
        for i, text in enumerate(lines, 1)
        if f'"{video}"' in text and i > next(j for j, t in enumerate(lines, 1) if f'"{named}"' in t)
    )
    assert f"calibration.json:{line}:" in str(err.value)
    assert f"{named}.{video}" in str(err.value) and "calibrate again" in str(err.value)
