import json
import math

import pytest

from camerabench.errors import FileFormatError
from camerabench.records import (
    SCHEMA_VERSION,
    CaptionRecord,
    RunInfo,
    ScoreRecord,
    read_captions,
    read_run_info,
    read_scores,
    write_captions,
    write_run_info,
    write_scores,
)


def test_score_record_validation():
    rec = ScoreRecord("a.mp4", "Does the camera pan to the left?", "fast", 0.5, primitive="Pan_Left")
    assert rec.to_dict()["schema_version"] == SCHEMA_VERSION
    with pytest.raises(ValueError, match="finite"):
        ScoreRecord("a.mp4", "q", "fast", math.nan)
    with pytest.raises(ValueError, match="finite"):
        ScoreRecord("a.mp4", "q", "fast", None)
    with pytest.raises(ValueError, match="needs a reason"):
        ScoreRecord("a.mp4", "q", "fast", None, "failed")
    with pytest.raises(ValueError, match="carries no score"):
        ScoreRecord("a.mp4", "q", "fast", 0.1, "failed", "x")
    with pytest.raises(ValueError):
        ScoreRecord("a.mp4", "q", "fast", 0.1, primitive="Pan_Sideways")


def test_scores_round_trip_and_errors(tmp_path):
    recs = [
        ScoreRecord("a.mp4", "q1", "m", 0.25, primitive="Static"),
        ScoreRecord.failed("b.mp4", "q1", "m", "COLMAP registered 2 of 30 frames"),
    ]
    path = tmp_path / "scores.jsonl"
    write_scores(path, recs)
    assert read_scores(path) == recs
    lines = path.read_text().splitlines()
    bad = json.loads(lines[0]) | {"status": "maybe"}
    path.write_text(lines[0] + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(FileFormatError, match=r"scores.jsonl:2: status must be"):
        read_scores(path)
    path.write_text(json.dumps(json.loads(lines[0]) | {"score": "high"}) + "\n")
    with pytest.raises(FileFormatError, match=r"scores.jsonl:1: score must be a number"):
        read_scores(path)
    path.write_text(json.dumps(json.loads(lines[0]) | {"schema_version": 99}) + "\n")
    with pytest.raises(FileFormatError, match=r":1: score record schema_version 99"):
        read_scores(path)
    path.write_text("[1, 2]\n")
    with pytest.raises(FileFormatError, match=r":1: expected a JSON object"):
        read_scores(path)


def test_captions_and_run_info_round_trip(tmp_path):
    caps = [
        CaptionRecord("a.mp4", "fast", "The camera pans left."),
        CaptionRecord("b.mp4", "fast", None, "failed", "x"),
    ]
    write_captions(tmp_path / "c.jsonl", caps)
    assert read_captions(tmp_path / "c.jsonl") == caps
    info = RunInfo(method="fast", settings={"scorer": "default"}, seconds_per_video={"a.mp4": 1.5})
    write_run_info(tmp_path / "run.json", info)
    assert read_run_info(tmp_path / "run.json") == info
    (tmp_path / "bad.json").write_text(json.dumps(info.to_dict() | {"surprise": 1}))
    with pytest.raises(FileFormatError, match="unknown fields"):
        read_run_info(tmp_path / "bad.json")
    (tmp_path / "broken.json").write_text('{"method": \n')
    with pytest.raises(FileFormatError, match=r"broken.json:2: invalid JSON"):
        read_run_info(tmp_path / "broken.json")


def test_the_source_commit_is_read_once_per_process(tmp_path, monkeypatch):
    """A commit made while a run goes on is not recorded for the run's later files (R31: a Ray run's
    run.json and answer_run.json named two commits): the source tree's commit is read once."""
    import subprocess

    from camerabench import records

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "one"], check=True)
    first = records.git_commit(repo)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "two"], check=True)
    second = records.git_commit(repo)
    assert first and second and first != second  # an explicit path is read each time
    records._own_commit.cache_clear()
    monkeypatch.setattr(records, "__file__", str(repo / "records.py"))
    assert records.git_commit() == second
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "three"], check=True)
    assert records.git_commit() == second  # the code that runs was loaded at `second`
    records._own_commit.cache_clear()
