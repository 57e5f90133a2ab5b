"""Stop 45 review: fusion's per-video input digests beside videos fused without them (an older
camerabench's, kept by a resume), failed videos an input has scores of now, and write_report with
an evaluation made by hand, unpickled or read through a link."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from camerabench.baselines.fusion import INPUTS_SHA256_KEY, FusionPredictor
from camerabench.cli import main
from camerabench.errors import CameraBenchError, FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import write_report
from camerabench.records import RunInfo, ScoreRecord, read_run_info, read_scores, write_run_info, write_scores
from camerabench.runfolder import MethodFolder
from tests.baselines.test_fusion import _dataset


@pytest.fixture(scope="module")
def fused(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs ``a`` and ``b`` (finished), a fusion model on them, and a fusion run on them."""
    root = tmp_path_factory.mktemp("rv45e_fusion")
    data, run = _dataset(root)
    for name in ("a", "b"):
        info = RunInfo(method=name, command="predict", data=str(data.resolve()), finished="2026-01-01T00:00:00Z")
        write_run_info(MethodFolder.of(run, name).run_info, info)
    model = root / "model"
    args = ["train", "--method", "fusion", "--data", str(data), "--run", str(run), "--inputs", "a,b"]
    assert main([*args, "--out", str(model), "--folds", "3"]) == 0
    assert main(["predict", "--method", "fusion", "--data", str(data), "--model", str(model), "--out", str(run)]) == 0
    return {"data": data, "run": run, "model": model}


def _resume(fused: dict[str, Path], run: Path, *extra: str) -> int:
    base = ["predict", "--method", "fusion", "--data", str(fused["data"]), "--model", str(fused["model"])]
    return main([*base, "--out", str(run), "--resume", *extra])


def _rescore(folder: MethodFolder, video: str) -> None:
    """Change ``video``'s first ok score in ``folder``'s scores (another value)."""
    recs = read_scores(folder.scores)
    i = next(k for k, r in enumerate(recs) if r.video == video and r.status == "ok")
    old = recs[i]
    recs[i] = ScoreRecord(video, old.question, old.method, (old.score or 0.0) + 7.0, primitive=old.primitive)
    write_scores(folder.scores, recs)


def test_resume_refuses_a_changed_record_of_a_video_fused_by_an_older_camerabench(
    fused: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    shutil.copytree(fused["run"], run)
    info_path = MethodFolder.of(run, "fusion").run_info
    info = read_run_info(info_path)
    ok = sorted(v for v, d in info.video_info.items() if INPUTS_SHA256_KEY in d)
    old = ok[: len(ok) // 2]  # fused by an older camerabench (no digests), the rest by a resume since
    for video in old:
        del info.video_info[video][INPUTS_SHA256_KEY]
    write_run_info(info_path, info)
    _rescore(MethodFolder.of(run, "a"), old[0])  # a record the older part was fused from changes
    before = MethodFolder.of(run, "fusion").scores.read_bytes()
    # the digested half is unchanged; the older half is vouched for only by the whole-file digests, which
    # changed: was accepted (True: the runner skipped them), the older half kept beside records of the new input
    assert (
        FusionPredictor({"model": str(fused["model"]), "inputs_run": str(run)}).check_resume_inputs(
            info_path, read_run_info(info_path).video_info
        )
        is False
    )
    assert _resume(fused, run) != 0
    assert any("cannot --resume" in m and "input" in m and "changed" in m for m in caplog.messages)
    assert MethodFolder.of(run, "fusion").scores.read_bytes() == before


def test_resume_still_refuses_a_changed_record_of_a_digested_video_beside_older_ones(
    fused: dict[str, Path], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(fused["run"], run)
    info_path = MethodFolder.of(run, "fusion").run_info
    info = read_run_info(info_path)
    ok = sorted(v for v, d in info.video_info.items() if INPUTS_SHA256_KEY in d)
    for video in ok[:3]:
        del info.video_info[video][INPUTS_SHA256_KEY]
    write_run_info(info_path, info)
    _rescore(MethodFolder.of(run, "b"), ok[-1])
    predictor = FusionPredictor({"model": str(fused["model"]), "inputs_run": str(run)})
    with pytest.raises(CameraBenchError, match=rf"{ok[-1]} \(b: records changed\)"):
        predictor.check_resume_inputs(info_path, info.video_info)


def test_resume_check_refuses_digests_of_other_inputs_than_the_models(fused: dict[str, Path]) -> None:
    info_path = MethodFolder.of(fused["run"], "fusion").run_info
    video_info = read_run_info(info_path).video_info
    video = min(v for v, d in video_info.items() if INPUTS_SHA256_KEY in d)
    only_b = {video: {**video_info[video], INPUTS_SHA256_KEY: {"b": video_info[video][INPUTS_SHA256_KEY]["b"]}}}
    predictor = FusionPredictor({"model": str(fused["model"]), "inputs_run": str(fused["run"])})
    with pytest.raises(FileFormatError, match=rf"video_info\['{video}'\].inputs_sha256: names the inputs b, not the"):
        predictor.check_resume_inputs(info_path, only_b)


def test_a_failed_video_an_input_has_records_of_now_is_fused_by_retry_failed(
    fused: dict[str, Path], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(fused["run"], run)
    a, b = MethodFolder.of(run, "a"), MethodFolder.of(run, "b")
    full_a, full_b = a.scores.read_bytes(), b.scores.read_bytes()
    gone = "v05.mp4"  # neither input had run on it: fusion failed on it (no record)
    for folder in (a, b):
        write_scores(folder.scores, [r for r in read_scores(folder.scores) if r.video != gone])
    data, model = fused["data"], fused["model"]
    fusion = MethodFolder.of(run, "fusion")
    fusion.scores.unlink()
    fusion.run_info.unlink()
    assert main(["predict", "--method", "fusion", "--data", str(data), "--model", str(model), "--out", str(run)]) == 0
    info = read_run_info(fusion.run_info)
    assert gone in info.failures and INPUTS_SHA256_KEY not in info.video_info.get(gone, {})
    a.scores.write_bytes(full_a)  # the inputs ran on it since
    b.scores.write_bytes(full_b)
    # a failure is kept by a plain --resume (as for every method: --retry-failed runs failures again),
    # and no per-video digest refuses the resume (the failed video rests on no input record)
    assert _resume(fused, run) == 0
    assert gone in read_run_info(fusion.run_info).failures
    assert _resume(fused, run, "--retry-failed") == 0
    assert gone not in read_run_info(fusion.run_info).failures
    assert {r.status for r in read_scores(fusion.scores) if r.video == gone} == {"ok"}
    assert INPUTS_SHA256_KEY in read_run_info(fusion.run_info).video_info[gone]


# --------------------------------------------------------------------------- write_report and the evaluation's folders


def test_write_report_of_an_evaluation_from_a_pickle_made_before_the_folders_were_kept(
    six_videos: Path, dummy_run: Path, tmp_path: Path
) -> None:
    ev = evaluate(six_videos, dummy_run, n_bootstrap=0, captions_minilm=False)
    state = {k: v for k, v in ev.__dict__.items() if k not in ("data_folder", "run_folder")}
    older = ev.__class__.__new__(ev.__class__)
    older.__dict__.update(state)  # an Evaluation pickled by the camerabench before these fields
    older = pickle.loads(pickle.dumps(older))
    assert (older.data_folder, older.run_folder) == (None, None)
    md = write_report(None, None, tmp_path / "r1", evaluation=older, gallery=0)
    assert md.is_file()
    with pytest.raises(CameraBenchError, match="is not the folder the evaluation read"):
        write_report(tmp_path, None, tmp_path / "r2", evaluation=older, gallery=0)


def test_write_report_through_a_link_to_the_folders_evaluated_records_them_as_typed(
    six_videos: Path, dummy_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data_link").symlink_to(six_videos, target_is_directory=True)
    (tmp_path / "run_link").symlink_to(dummy_run, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    ev = evaluate("data_link", "run_link", n_bootstrap=0, captions_minilm=False)
    assert (ev.data_folder, ev.run_folder) == (six_videos.resolve(), dummy_run.resolve())
    md = write_report(None, None, tmp_path / "rep", evaluation=ev, gallery=0)
    metrics = (md.parent / "metrics.json").read_text(encoding="utf-8")
    assert '"data": "data_link"' in metrics and '"run": "run_link"' in metrics
    # the link's target spelt out, and the link itself, are the folders evaluated
    write_report(six_videos, dummy_run, tmp_path / "rep2", evaluation=ev, gallery=0)
    # a link moved to another folder since is another folder now
    other = tmp_path / "other"
    shutil.copytree(six_videos, other)
    os.unlink("data_link")
    (tmp_path / "data_link").symlink_to(other, target_is_directory=True)
    with pytest.raises(CameraBenchError, match=r"data_dir data_link is not the folder the evaluation read"):
        write_report("data_link", None, tmp_path / "rep3", evaluation=ev, gallery=0)
