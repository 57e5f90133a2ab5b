"""With a calibration, the VQA/retrieval sections are computed twice (raw scores, then calibrated
P(yes)) over the same cells: the pairs outside the method's coverage were warned of twice."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from camerabench.eval.calibration import calibrate_run
from camerabench.eval.evaluate import evaluate

from .test_vqa_coverage42 import made  # noqa: F401  (the fixture: a trajectory run with uncovered pairs)


def test_the_coverage_warning_is_given_once_with_a_calibration(
    made: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root, run = made
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    calibrate_run(root, copy, "trajectory", n_splits=2)
    with caplog.at_level(logging.WARNING):
        result = evaluate(root, copy, n_bootstrap=0, captions_minilm=False).result
    vqa = result.methods["trajectory"].vqa
    assert vqa is not None and vqa.uncalibrated is not None  # the calibrated pass ran
    assert vqa.unanswerable_pairs == 2 and vqa.note is not None and "outside its coverage" in vqa.note
    messages = [r.getMessage() for r in caplog.records]
    assert sum("VQA/retrieval" in m and "outside its coverage" in m for m in messages) == 1
