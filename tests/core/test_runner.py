"""The predict/caption runner with the deterministic dummy method."""

import json

import numpy as np
import pytest

from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.labelfiles import read_binary_file, write_binary_file
from camerabench.records import read_captions, read_run_info, read_scores
from camerabench.taxonomy import Primitive
from camerabench.video import write_video


@pytest.fixture()
def tiny_data(tmp_path, public_data):
    """3 real label files cut to 4 videos each; 3 of the videos exist as tiny mp4s."""
    data = tmp_path / "data"
    videos = set()
    for prim in (Primitive.PAN_LEFT, Primitive.TILT_UP, Primitive.STATIC):
        recs = read_binary_file(public_data / "binary_classification" / prim.file)[:4]
        write_binary_file(data / "labels" / "binary_classification" / prim.file, recs)
        videos |= {r.image for r in recs}
    videos = sorted(videos)
    frames = np.zeros((4, 16, 16, 3), np.uint8)
    for v in videos[:3]:
        write_video(data / "videos" / v, frames, fps=4)
    return data, videos


def test_predict_records_every_question_and_failures(tiny_data, tmp_path):
    data, videos = tiny_data
    run = tmp_path / "run"
    summary = run_predict(data, "dummy", run, options={"fail_videos": [videos[0]]}, progress=False)
    recs = read_scores(run / "dummy" / "scores.jsonl")
    n_labels = 12
    assert len(recs) == n_labels  # one record per (video, labelled question), none dropped
    failed = [r for r in recs if r.status == "failed"]
    missing_videos = set(videos[3:])
    assert {r.video for r in failed} == {videos[0]} | missing_videos
    assert all("not found" in r.reason for r in failed if r.video in missing_videos)
    assert all("dummy failure" in r.reason for r in failed if r.video == videos[0])
    assert summary.videos_failed == 1 + len(missing_videos)
    assert summary.videos_ok == len(videos) - summary.videos_failed
    info = read_run_info(run / "dummy" / "run.json")
    assert info.finished and set(info.seconds_per_video) == set(videos)
    assert set(info.failures) == {videos[0]} | missing_videos
    assert recs == sorted(recs, key=lambda r: (r.video, r.question))
    assert all(r.primitive is not None for r in recs)


def test_existing_output_needs_resume_and_resume_skips(tiny_data, tmp_path):
    data, videos = tiny_data
    run = tmp_path / "run"
    run_predict(data, "dummy", run, progress=False)
    before = (run / "dummy" / "scores.jsonl").read_text()
    with pytest.raises(CameraBenchError, match="pass --resume"):
        run_predict(data, "dummy", run, progress=False)
    # simulate an interrupted run: drop the last video's lines and leave a torn line
    lines = before.splitlines(keepends=True)
    last_video = json.loads(lines[-1])["video"]
    kept = [ln for ln in lines if json.loads(ln)["video"] != last_video]
    (run / "dummy" / "scores.jsonl").write_text("".join(kept) + '{"video": "tor')
    summary = run_predict(data, "dummy", run, resume=True, progress=False)
    assert summary.videos_run == 1 and summary.videos_skipped == len(videos) - 1
    assert (run / "dummy" / "scores.jsonl").read_text() == before


def test_two_workers_give_the_same_file(tiny_data, tmp_path):
    data, _ = tiny_data
    run_predict(data, "dummy", tmp_path / "a", progress=False)
    run_predict(data, "dummy", tmp_path / "b", workers=2, progress=False)
    assert (tmp_path / "a/dummy/scores.jsonl").read_bytes() == (tmp_path / "b/dummy/scores.jsonl").read_bytes()


def test_caption_run(tiny_data, tmp_path):
    data, videos = tiny_data
    summary = run_caption(data, "dummy", tmp_path / "run", progress=False)
    caps = read_captions(tmp_path / "run" / "dummy" / "captions.jsonl")
    assert [c.video for c in caps] == videos
    assert sum(c.status == "failed" for c in caps) == summary.videos_failed == len(videos) - 3


def test_unknown_method_and_option(tiny_data, tmp_path):
    data, _ = tiny_data
    with pytest.raises(CameraBenchError, match="did you mean 'dummy'"):
        run_predict(data, "dumy", tmp_path / "run")
    with pytest.raises(CameraBenchError, match="did you mean 'dummy'"):  # letter case
        run_predict(data, "DUMMY", tmp_path / "run")


def test_caption_reuses_the_trajectories_of_a_predict_run_with_the_same_settings(tmp_path):
    from camerabench.synth import generate_dataset

    data = generate_dataset(tmp_path / "data", clips=3, seed=0, size=(64, 48), fps=4.0, workers=1)
    traj_dir = tmp_path / "traj"
    (data / "gt").rename(traj_dir)
    options = {"traj_dir": str(traj_dir), "format": "megasam"}
    run = tmp_path / "run"
    summary = run_predict(data, "trajectory", run, options=options, progress=False)
    assert summary.videos_ok == 3
    for f in traj_dir.iterdir():  # from now on only the saved trajectories exist
        f.unlink()
    caps = run_caption(data, "trajectory", run, options=options, progress=False)
    assert caps.videos_ok == 3, caps.failures
    texts = [c.caption for c in read_captions(run / "trajectory" / "captions.jsonl")]
    assert texts[0] == "The camera remains completely still."  # synth_000 is the static clip
    # other settings: the saved trajectories are not theirs, so the method must estimate again
    other = run_caption(data, "trajectory", tmp_path / "run2", options={**options, "scorer": "camerabench"})
    assert other.videos_failed == 3
