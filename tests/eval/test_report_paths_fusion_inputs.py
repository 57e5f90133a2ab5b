"""E45: a report of an evaluation made with relative folders, after the caller changed directory;
fusion's per-video digests of the input records it fused, and the resume check on them."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.fusion import INPUTS_SHA256_KEY, FusionPredictor
from camerabench.cli import main
from camerabench.errors import CameraBenchError
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.records import RunInfo, ScoreRecord, read_run_info, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from tests.baselines.test_fusion import _dataset

# --------------------------------------------------------------------------- report after os.chdir


def test_a_report_of_a_relative_evaluation_after_chdir(
    six_videos: Path, dummy_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there, empty = tmp_path / "here", tmp_path / "there", tmp_path / "empty"
    for top in (here, there):  # the same names in two places: another copy is another folder
        shutil.copytree(six_videos, top / "data")
        shutil.copytree(dummy_run, top / "run")
    empty.mkdir()
    monkeypatch.chdir(here)
    ev = evaluate("data", "run", n_bootstrap=0, captions_minilm=False)
    assert (ev.result.data, ev.result.run) == ("data", "run")  # as given, for display
    assert (ev.data_folder, ev.run_folder) == ((here / "data").resolve(), (here / "run").resolve())
    monkeypatch.chdir(there)
    # the folders evaluated, spelt absolutely (refused before: compared with "data" as it resolves now)
    md = write_report(here / "data", here / "run", tmp_path / "abs", evaluation=ev, gallery=0)
    assert json.loads((md.parent / "metrics.json").read_text())["data"] == "data"
    # "data" now names there/data, another folder: refused (accepted before), naming the folder evaluated
    with pytest.raises(CameraBenchError) as err:
        write_report("data", "run", tmp_path / "rel", evaluation=ev, gallery=0)
    assert f"data_dir data is not the folder the evaluation read, data ({(here / 'data').resolve()})" in str(err.value)
    assert f"run_dir run is not the folder the evaluation read, run ({(here / 'run').resolve()})" in str(err.value)
    assert not (tmp_path / "rel").exists()
    # the relative spelling from where it now resolves to the evaluated folder is the same folder
    write_report("../here/data", "../here/run", tmp_path / "rel2", evaluation=ev, gallery=0)
    # left out: the folders evaluated, whose videos the gallery still finds from a folder without them
    monkeypatch.chdir(empty)
    md = write_report(None, None, tmp_path / "none", evaluation=ev, gallery=6)
    with open(md.parent / "gallery.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "the dummy run misranks no sample: the gallery test shows nothing"
    assert "without frames" not in md.read_text(encoding="utf-8")
    assert list((md.parent / "gallery").rglob("*.png"))


# --------------------------------------------------------------------------- fusion's per-video input digests


@pytest.fixture(scope="module")
def fused(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs ``a`` (interrupted: half the videos) and ``b``, a fusion model trained on the full
    inputs, and a fusion run made while ``a`` had half its videos."""
    root = tmp_path_factory.mktemp("e45_fusion")
    data, run = _dataset(root)
    for name in ("a", "b"):
        info = RunInfo(method=name, command="predict", data=str(data.resolve()), finished="2026-01-01T00:00:00Z")
        write_run_info(MethodFolder.of(run, name).run_info, info)
    model = root / "model"
    args = ["train", "--method", "fusion", "--data", str(data), "--run", str(run), "--inputs", "a,b"]
    assert main([*args, "--out", str(model), "--folds", "3"]) == 0
    a = MethodFolder.of(run, "a")
    full = a.scores.read_bytes()
    write_scores(a.scores, [r for r in read_scores(a.scores) if r.video < "v30.mp4"])
    base = ["predict", "--method", "fusion", "--data", str(data), "--model", str(model)]
    assert main([*base, "--out", str(run)]) == 0
    (root / "a_full.jsonl").write_bytes(full)
    return {"data": data, "run": run, "model": model, "a_full": root / "a_full.jsonl"}


def _copy(fused: dict[str, Path], tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(fused["run"], run)
    return run


def _predictor(fused: dict[str, Path], run: Path) -> FusionPredictor:
    return FusionPredictor({"model": str(fused["model"]), "inputs_run": str(run)})


def test_each_fused_video_records_the_inputs_that_had_records_of_it(fused: dict[str, Path]) -> None:
    info = read_run_info(MethodFolder.of(fused["run"], "fusion").run_info)
    fused_videos = {r.video for r in read_scores(MethodFolder.of(fused["run"], "fusion").scores) if r.status == "ok"}
    assert fused_videos == {f"v{i:02d}.mp4" for i in range(60)} - set(info.failures)
    # round 55 (red team R76): a had no record of the rest, which are failures naming it (they were
    # fused from b alone, a's digest null)
    assert fused_videos == {f"v{i:02d}.mp4" for i in range(30)} - set(info.failures)
    for video in (f"v{i:02d}.mp4" for i in range(30, 60)):
        assert video in info.failures and "fusion input a has no record of" in info.failures[video]
        assert info.video_info[video]["inputs_unrun"] == ["a"]
        assert INPUTS_SHA256_KEY not in info.video_info[video]
    for video in fused_videos:
        recorded = info.video_info[video][INPUTS_SHA256_KEY]
        assert set(recorded) == {"a", "b"}
        assert all(d is not None and len(d) == 64 and int(d, 16) >= 0 for d in recorded.values())
    # records differ between videos, so do their digests
    assert len({info.video_info[v][INPUTS_SHA256_KEY]["b"] for v in fused_videos}) == len(fused_videos)


def test_resume_check_refuses_an_unfinished_input_completed_since(fused: dict[str, Path], tmp_path: Path) -> None:
    """A run.json of camerabench before round 55 records videos fused without an input that had no
    record of them (its digest null); once that input has records, resuming is refused."""
    run = _copy(fused, tmp_path)
    MethodFolder.of(run, "a").scores.write_bytes(fused["a_full"].read_bytes())  # a ran on the rest
    info_path = MethodFolder.of(run, "fusion").run_info
    info = read_run_info(info_path)
    older = "v05.mp4"  # as an older camerabench recorded a video fused from b alone
    info.video_info[older][INPUTS_SHA256_KEY]["a"] = None
    # the videos fused from b alone would stay beside ones fused from both
    with pytest.raises(CameraBenchError, match=r"v05\.mp4 \(a: it has records now; the video was fused without them\)"):
        _predictor(fused, run).check_resume_inputs(info_path, info.video_info)
    # the whole-file digest of settings (an older run.json's only record) did change
    assert info.settings["inputs_sha256"]["a"] != hashlib.sha256(fused["a_full"].read_bytes()).hexdigest()


def test_resume_check_names_a_changed_and_a_vanished_input_record(fused: dict[str, Path], tmp_path: Path) -> None:
    run = _copy(fused, tmp_path)
    b, a = MethodFolder.of(run, "b"), MethodFolder.of(run, "a")
    video_info = read_run_info(MethodFolder.of(run, "fusion").run_info).video_info
    recs = read_scores(b.scores)
    # a fused video b had a score of (rescored), and another a had records of (deleted)
    i = next(
        k
        for k, r in enumerate(recs)
        if r.status == "ok" and video_info.get(r.video, {}).get(INPUTS_SHA256_KEY, {}).get("b") is not None
    )
    changed = recs[i].video
    recs[i] = ScoreRecord(changed, recs[i].question, "b", 123.0, primitive=recs[i].primitive)
    write_scores(b.scores, recs)
    vanished = max(
        v for v, d in video_info.items() if v != changed and d.get(INPUTS_SHA256_KEY, {}).get("a") is not None
    )
    write_scores(a.scores, [r for r in read_scores(a.scores) if r.video != vanished])
    info_path = MethodFolder.of(run, "fusion").run_info
    with pytest.raises(CameraBenchError) as err:
        _predictor(fused, run).check_resume_inputs(info_path, read_run_info(info_path).video_info)
    message = str(err.value)
    assert f"{info_path}: cannot --resume: 2 fused video(s)" in message
    assert f"{changed} (b: records changed)" in message and f"{vanished} (a: its records vanished)" in message


def test_resume_check_leaves_an_older_run_json_to_the_whole_file_digests(
    fused: dict[str, Path], tmp_path: Path
) -> None:
    run = _copy(fused, tmp_path)
    info_path = MethodFolder.of(run, "fusion").run_info
    older = {
        v: {k: x for k, x in d.items() if k != INPUTS_SHA256_KEY}
        for v, d in read_run_info(info_path).video_info.items()
    }
    assert _predictor(fused, run).check_resume_inputs(info_path, older) is False
    with pytest.raises(Exception, match=r"video_info\['v00.mp4'\].inputs_sha256: expected input -> SHA-256"):
        _predictor(fused, run).check_resume_inputs(info_path, {"v00.mp4": {INPUTS_SHA256_KEY: ["a"]}})
