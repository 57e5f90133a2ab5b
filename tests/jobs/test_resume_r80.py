"""``--resume`` over results whose record or per-video outputs are gone (red team R80).

1. With its run record (run.json, caption_run.json) deleted, a resume with other settings only
   warned that the settings "cannot be compared", then wrote the record anew with its own
   settings over the results made with the earlier ones (caption_run.json said seed=7 for
   captions made with seed 0). It is refused now, before anything is written.
2. ``fast --resume`` took a video whose trajectory file was deleted or emptied as done
   ("4 already done"), and ``evaluate`` gave APE over the other clips. Such a video is run again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry.fast import FastPredictor
from camerabench.errors import CameraBenchError, PredictionError
from camerabench.jobs.runner import NO_RECORDS_KEY, run_caption, run_predict
from camerabench.records import read_run_info, read_scores
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import load_npz
from tests.jobs.test_failed_unanswerable36 import VIDEOS, _dataset, small_pan


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 1. a run record deleted ---------------------------------------------------------------------


def test_a_caption_resume_without_its_record_is_refused_and_changes_nothing(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_caption(data, "dummy", out)
    folder = out / "dummy"
    (folder / "caption_run.json").unlink()
    before = _files(out)
    pattern = (
        r"caption_run\.json is missing: cannot --resume.* 6 record\(s\) of 6 video\(s\) in .*captions\.jsonl are "
        r"unknown.*restore caption_run\.json.*remove captions\.jsonl.*another --out"
    )
    with pytest.raises(CameraBenchError, match=pattern):
        run_caption(data, "dummy", out, resume=True, options={"seed": 7})
    # was: rc 0, and caption_run.json written with seed=7 for captions made with seed 0
    assert _files(out) == before and not (folder / "caption_run.json").exists()


def test_a_predict_resume_without_run_json_is_refused_whatever_its_settings(data: Path, tmp_path: Path) -> None:
    """The settings of the recorded scores are unknown: the same options as the earlier run's are
    no evidence either (they are only this command's)."""
    out = tmp_path / "run"
    run_predict(data, "dummy", out)
    (out / "dummy" / "run.json").unlink()
    before = _files(out)
    for options in ({"seed": 3}, None):
        with pytest.raises(CameraBenchError, match=r"run\.json is missing: .*12 record\(s\) of 6 video\(s\)"):
            run_predict(data, "dummy", out, resume=True, options=options)
        assert _files(out) == before  # was: run.json written anew before the run stopped (or went on)


def test_an_empty_records_file_without_its_record_is_resumed_from_scratch(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing recorded, nothing whose settings are unknown: the run starts over."""
    reference = tmp_path / "reference"
    run_predict(data, "dummy", reference)
    out = tmp_path / "run"
    (out / "dummy").mkdir(parents=True)
    (out / "dummy" / "scores.jsonl").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        summary = run_predict(data, "dummy", out, resume=True)
    assert "run.json is missing and" in caplog.text and "holds no record" in caplog.text
    assert (summary.videos_run, summary.videos_skipped) == (6, 0)
    assert (out / "dummy" / "scores.jsonl").read_bytes() == (reference / "dummy" / "scores.jsonl").read_bytes()


# --- 2. a trajectory file lost -------------------------------------------------------------------

FAILS = "v3.mp4"  # the stub raises on it: failed, with records and no trajectory
NO_BINARY = "v1.mp4"  # labelled in VQA pairs only: fast answers none of its questions (no record)


@pytest.fixture()
def stub_fast(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``fast`` with its estimation stubbed (:func:`small_pan`; :data:`FAILS` raises); returns the
    videos it estimated, in order."""
    estimated: list[str] = []

    def estimate(self: FastPredictor, video_path: Path) -> tuple[Trajectory, dict[str, object]]:
        estimated.append(video_path.name)
        if video_path.name == FAILS:
            raise PredictionError(f"{video_path}: cannot open video")
        return small_pan(), {}

    monkeypatch.setattr(FastPredictor, "estimate", estimate)
    monkeypatch.setattr(FastPredictor, "setup", lambda self: None)
    return estimated


def test_a_video_whose_trajectory_file_is_lost_or_damaged_is_run_again(
    tmp_path: Path, stub_fast: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    data = _dataset(tmp_path / "data", [v for v in VIDEOS if v != NO_BINARY])
    out = tmp_path / "run"
    first = run_predict(data, "fast", out)
    assert set(first.failures) == {FAILS}
    folder = out / "fast"
    info = read_run_info(folder / "run.json")
    assert NO_RECORDS_KEY in info.video_info[NO_BINARY]  # booked without a record
    traj = folder / "trajectories"
    assert sorted(p.name for p in traj.iterdir()) == ["v0.npz", "v1.npz", "v2.npz", "v4.npz", "v5.npz"]
    scores = (folder / "scores.jsonl").read_bytes()
    (traj / "v0.npz").unlink()  # deleted: a video with records
    (traj / "v1.npz").unlink()  # deleted: a video done without records
    (traj / "v2.npz").write_bytes(b"")  # emptied
    stub_fast.clear()
    with caplog.at_level(logging.WARNING):
        again = run_predict(data, "fast", out, resume=True)
    # was: 0 run, 6 already done, evaluate's APE over the clips with a trajectory left
    assert sorted(stub_fast) == ["v0.mp4", "v1.mp4", "v2.mp4"]  # not v3: it failed, and had none
    assert (again.videos_run, again.videos_skipped, again.videos_ok, again.videos_failed) == (3, 3, 5, 1)
    lost = [r.getMessage() for r in caplog.records if "missing or unreadable" in r.getMessage()]
    assert len(lost) == 1
    for name in ("v0.npz: missing", "v1.npz: missing", "v2.npz", "v0.mp4, v1.mp4, v2.mp4"):
        assert name in lost[0]
    for name in ("v0", "v1", "v2", "v4", "v5"):  # each file the estimate's again (checked against the stub's)
        np.testing.assert_allclose(load_npz(traj / f"{name}.npz").cam_c2w, small_pan().cam_c2w)
    assert (folder / "scores.jsonl").read_bytes() == scores  # the same records, once each
    assert NO_RECORDS_KEY in read_run_info(folder / "run.json").video_info[NO_BINARY]
    assert {r.video for r in read_scores(folder / "scores.jsonl") if r.status == "failed"} == {FAILS}
    stub_fast.clear()
    assert run_predict(data, "fast", out, resume=True).videos_run == 0 and stub_fast == []
