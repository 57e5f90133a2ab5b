"""Run folders written by older camerabench versions (fe38e7e, 3f1fce3) read by this one.

The lines below are copied from what those versions wrote (``predict``/``caption`` with the
``fast`` method, one video unreadable; an interrupted ``colmap`` predict run). Their run.json
lacks the fields added since (``method_kind``, ``questions_sha256``, ``video_sha256``,
``video_info``, ``backend``); records are unchanged. No defect was found in reading them: these
tests pin that they stay readable, with the same content, and that an unfinished old run is said.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from camerabench.records import read_run_info
from camerabench.runfolder import read_method, read_run

_REASON = "ds_f/videos/synth_002_move_out.mp4: cannot open video (Invalid data found when processing input)"
_SCORES = [
    {
        "video": "synth_000_static.mp4",
        "question": "Does the camera move backward (not zooming out) with respect to the initial frame?",
        "method": "fast",
        "score": 0.0,
        "status": "ok",
        "reason": None,
        "primitive": "Move_Out",
        "schema_version": 1,
    },
    {
        "video": "synth_002_move_out.mp4",
        "question": "Does the camera have noticeable motion beyond minor shake or wobble?",
        "method": "fast",
        "score": None,
        "status": "failed",
        "reason": _REASON,
        "primitive": None,
        "schema_version": 1,
    },
]
_CAPTIONS = [
    {
        "video": "synth_000_static.mp4",
        "method": "fast",
        "caption": "The camera remains completely still.",
        "status": "ok",
        "reason": None,
        "question": "Describe the camera movement in this video.",
        "mode": "whole",
        "schema_version": 1,
    },
    {
        "video": "synth_002_move_out.mp4",
        "method": "fast",
        "caption": None,
        "status": "failed",
        "reason": "predict failed on this video: " + _REASON,
        "question": "Describe the camera movement in this video.",
        "mode": "whole",
        "schema_version": 1,
    },
]


def _run_json(command: str, finished: str | None, failures: dict[str, str], seconds: dict[str, float]) -> dict:
    settings = {
        "scorer": "default",
        "sample_fps": 5.0,
        "max_side": 480,
        "fov_deg": 60.0,
        "parallax_px": 1.0,
        "deterministic": False,
        "workers": 2,
        **({"mode": "whole"} if command == "caption" else {}),
    }
    return {
        "method": "fast",
        "command": command,
        "settings": settings,
        "data": "/tmp/old36/ds_f",
        "model_path": None,
        "model_config_sha256": None,
        "package_version": "0.1.0",
        "git_commit": None,
        "started": "2026-12-05T01:09:38+00:00",
        "finished": finished,
        "videos_ok": len(seconds) - len(failures) if finished else 0,
        "videos_failed": len(failures) if finished else 0,
        "failures": failures,
        "seconds_per_video": seconds,
        "schema_version": 1,
    }


def _write_old_method(folder: Path, finished: str | None = "2026-12-05T01:09:41+00:00") -> None:
    folder.mkdir(parents=True)
    seconds = {"synth_000_static.mp4": 0.3902, "synth_002_move_out.mp4": 0.0101} if finished else {}
    failures = {"synth_002_move_out.mp4": _REASON} if finished else {}
    # the old writers: json.dumps(..., indent=2, ensure_ascii=False) and one json.dumps line per record
    (folder / "run.json").write_text(json.dumps(_run_json("predict", finished, failures, seconds), indent=2) + "\n")
    (folder / "caption_run.json").write_text(
        json.dumps(_run_json("caption", finished, failures, seconds), indent=2) + "\n"
    )
    (folder / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _SCORES))
    (folder / "captions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _CAPTIONS))


def test_old_finished_run_reads_with_its_records_and_defaults_for_new_fields(tmp_path: Path) -> None:
    _write_old_method(tmp_path / "run" / "fast")
    runs = read_run(tmp_path / "run")
    assert list(runs) == ["fast"]
    run = runs["fast"]
    assert run.info is not None
    assert (run.info.videos_ok, run.info.videos_failed, run.info.failures) == (
        1,
        1,
        {"synth_002_move_out.mp4": _REASON},
    )
    # fields added since: their empty defaults, not invented values
    assert run.info.method_kind is None
    assert (run.info.questions_sha256, run.info.video_sha256, run.info.video_info, run.info.backend) == ({}, {}, {}, {})
    assert run.scores is not None and run.captions is not None
    assert {k: r.to_dict() for k, r in run.scores.items()} == {(r["video"], r["question"]): r for r in _SCORES}
    assert {k: r.to_dict() for k, r in run.captions.items()} == {r["video"]: r for r in _CAPTIONS}
    assert (run.duplicates, run.caption_duplicates) == (0, 0)
    assert read_run_info(tmp_path / "run" / "fast" / "caption_run.json").command == "caption"


def test_old_interrupted_run_is_said_unfinished(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # the old runner wrote run.json at the start (finished null, no timings) and again only at the end
    _write_old_method(tmp_path / "fast", finished=None)
    with caplog.at_level(logging.WARNING, logger="camerabench.runfolder"):
        run = read_method(tmp_path / "fast")
    assert run.info is not None and run.info.finished is None and run.info.seconds_per_video == {}
    unfinished = [r.getMessage() for r in caplog.records if "did not finish" in r.getMessage()]
    assert len(unfinished) == 2  # the predict run and the caption run
    assert any("run.json has no finish time" in m for m in unfinished)
    assert any("caption_run.json has no finish time" in m for m in unfinished)
