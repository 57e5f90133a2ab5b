"""Videos changed since their captions were written are said by ``evaluate``, as scores are.

``caption`` keeps its own fingerprints (``caption_run.json``'s ``video_sha256``), of the files as
they were when it captioned them; ``evaluate`` compares them with the files now, apart from the
``predict`` run's, so that a swap after captioning is said for the captions and a swap between
``predict`` and ``caption`` only for the scores. ``calibrate`` uses scores only and says only those.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.eval.calibration import calibrate_run
from camerabench.eval.evaluate import evaluate
from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

VIDEOS = [f"v{i}.mp4" for i in range(6)]


def _dataset(root: Path) -> Path:
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP):
        recs = [BinaryRecord.make(v, prim, i % 2 == 0) for i, v in enumerate(VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / prim.file, recs)
    for i, v in enumerate(VIDEOS):
        write_video(root / "videos" / v, np.full((4, 16, 16, 3), 30 * i, np.uint8), fps=4)
    return root


def _swap(videos: Path, a: str, b: str) -> None:
    (videos / a).rename(videos / "t")
    (videos / b).rename(videos / a)
    (videos / "t").rename(videos / b)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    return [s for s in said if "changed since" in s]


def test_a_swap_after_captioning_is_said_for_scores_and_captions(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.jobs.runner import run_caption, run_predict

    data, run = _dataset(tmp_path / "data"), tmp_path / "run"
    run_predict(data, "dummy", run)
    run_caption(data, "dummy", run)
    assert evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos is None
    _swap(data / "videos", "v0.mp4", "v1.mp4")
    with caplog.at_level(logging.WARNING):
        note = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos
    assert note is not None
    scores, captions = note.split("again. ")
    assert scores.startswith("2 of the 6 videos it scored changed") and "predict --resume" in scores
    assert captions.startswith("2 of the 6 videos it captioned changed") and "caption --resume" in captions
    assert "their captions are of the files as they were" in captions
    assert len(_warnings(caplog)) == 1


def test_captions_written_after_a_swap_are_not_said_changed_but_the_older_scores_are(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from camerabench.jobs.runner import run_caption, run_predict

    data, run = _dataset(tmp_path / "data"), tmp_path / "run"
    run_predict(data, "dummy", run)
    _swap(data / "videos", "v2.mp4", "v3.mp4")
    run_caption(data, "dummy", run)  # captions of the files as they are now
    note = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos
    assert note is not None and "it scored changed" in note and "captioned" not in note
    # calibrate reads scores only: it says the scores' change and nothing of captions
    with caplog.at_level(logging.WARNING):
        calibrate_run(data, run, "dummy")
    said = _warnings(caplog)
    assert said and all("captioned" not in s for s in said) and any("it scored changed" in s for s in said)


def test_a_caption_only_run_is_checked_against_its_own_fingerprints(tmp_path: Path) -> None:
    from camerabench.jobs.runner import run_caption

    data, run = _dataset(tmp_path / "data"), tmp_path / "run"
    run_caption(data, "dummy", run)
    (data / "videos" / "v5.mp4").write_bytes(b"")  # emptied: unreadable as a video, fingerprint changed
    note = evaluate(data, run, n_bootstrap=0).result.methods["dummy"].changed_videos
    assert note is not None
    assert note.startswith("1 of the 6 videos it captioned changed since its run (e.g. v5.mp4)")
    assert "scored" not in note
