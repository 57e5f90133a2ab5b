"""The ``predict`` and ``caption`` jobs as library functions (the CLI wraps them).

One job per video, optionally in ``workers`` processes. Every video ends as records: scores
(or captions) when the method handled it, failed records with the reason when it did not —
a failure never aborts the run. Results are appended per video (fsync'd) so an interrupted
run resumes with ``--resume``; at the end the files are rewritten sorted, atomically, so their
content does not depend on worker scheduling.

Output: the method's folder of the run folder, laid out by :class:`camerabench.runfolder.MethodFolder`.
"""

from __future__ import annotations

import logging
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from camerabench.baselines.base import CAPTION_MODES, Predictor
from camerabench.baselines.options import MethodOptions
from camerabench.baselines.registry import get_predictor, predictor_class
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError
from camerabench.fileio import append_jsonl
from camerabench.records import (
    CaptionRecord,
    RunInfo,
    ScoreRecord,
    config_hash,
    git_commit,
    now_iso,
    read_captions,
    read_run_info,
    read_scores,
    write_captions,
    write_run_info,
    write_scores,
)
from camerabench.runfolder import JobKind, MethodFolder
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import load_npz, save_npz

__all__ = ["RunSummary", "run_caption", "run_predict"]

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did (returned by :func:`run_predict` / :func:`run_caption`)."""

    method: str
    method_dir: Path
    videos_total: int
    videos_run: int
    videos_skipped: int
    videos_ok: int
    videos_failed: int
    seconds: float
    unanswerable_questions: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def line(self, what: str, output: str) -> str:
        skipped = f", {self.videos_skipped} already done" if self.videos_skipped else ""
        return (
            f"{what} {self.method}: {self.videos_total} videos ({self.videos_ok} ok, {self.videos_failed} failed"
            f"{skipped}) in {self.seconds:.1f} s -> {self.method_dir / output}"
        )


@dataclass
class _Outcome:
    video: str
    seconds: float
    records: list[dict[str, Any]]
    failure: str | None
    trajectory: Trajectory | None = None
    unanswerable: int = 0
    info: dict[str, Any] = field(default_factory=dict)


# --- worker side ---------------------------------------------------------------------------

_PREDICTOR: Any = None


def _init_worker(method: str, options: MethodOptions, threads: int | None) -> None:
    global _PREDICTOR
    if threads is not None:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(threads)
    _PREDICTOR = get_predictor(method, options)
    _PREDICTOR.setup()


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, CameraBenchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _predict_job(video: str, path: str, questions: list[Question]) -> _Outcome:
    predictor = _PREDICTOR
    method = predictor.name
    t0 = time.perf_counter()
    try:
        result = predictor.predict(Path(path), questions)
    except Exception as exc:  # noqa: BLE001 - any per-video error becomes a recorded failure
        reason = _failure_reason(exc)
        if not isinstance(exc, CameraBenchError):
            log.warning("%s failed on %s:\n%s", method, video, traceback.format_exc())
        records = [
            ScoreRecord.failed(video, q.text, method, reason, q.primitive.value if q.primitive else None).to_dict()
            for q in questions
        ]
        return _Outcome(video, time.perf_counter() - t0, records, reason)
    records = []
    unanswerable = 0
    for q in questions:
        prim = q.primitive.value if q.primitive else None
        if q.text in result.scores:
            score = float(result.scores[q.text])
            if math.isfinite(score):
                records.append(ScoreRecord(video, q.text, method, score, primitive=prim).to_dict())
            else:
                records.append(ScoreRecord.failed(video, q.text, method, f"non-finite score {score}", prim).to_dict())
        elif q.text in result.unanswerable:
            unanswerable += 1
        else:
            reason = "the method returned no score for this question"
            records.append(ScoreRecord.failed(video, q.text, method, reason, prim).to_dict())
    return _Outcome(video, time.perf_counter() - t0, records, None, result.trajectory, unanswerable, dict(result.info))


def _caption_job(
    video: str, path: str, question: str, mode: str, trajectory_path: str | None, prior_failure: str | None
) -> _Outcome:
    predictor = _PREDICTOR
    t0 = time.perf_counter()
    if prior_failure is not None:  # the same method and settings already failed on this video
        reason = f"predict failed on this video: {prior_failure}"
        rec = CaptionRecord(video, predictor.name, None, "failed", reason, question, mode)
        return _Outcome(video, time.perf_counter() - t0, [rec.to_dict()], reason)
    try:
        if trajectory_path is not None:
            predictor.reuse_trajectory(Path(path), load_npz(trajectory_path))
        text = predictor.caption(Path(path), question, mode)
    except Exception as exc:  # noqa: BLE001 - any per-video error becomes a recorded failure
        reason = _failure_reason(exc)
        if not isinstance(exc, CameraBenchError):
            log.warning("%s failed on %s:\n%s", predictor.name, video, traceback.format_exc())
        rec = CaptionRecord(video, predictor.name, None, "failed", reason, question, mode)
        return _Outcome(video, time.perf_counter() - t0, [rec.to_dict()], reason)
    rec = CaptionRecord(video, predictor.name, str(text), "ok", None, question, mode)
    return _Outcome(video, time.perf_counter() - t0, [rec.to_dict()], None)


# --- driver side ---------------------------------------------------------------------------


def _repair_tail(path: Path) -> None:
    """Drop a torn last line left by a crash mid-append (that video is then run again)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        keep = data.rfind(b"\n") + 1
        log.warning("%s: dropping an incomplete last line (%d bytes) from an interrupted run", path, len(data) - keep)
        with open(path, "r+b") as fh:
            fh.truncate(keep)


def _iter_outcomes(
    method: str, options: MethodOptions, workers: int, jobs: list[tuple[Any, ...]], job_fn: Callable[..., _Outcome]
) -> Iterator[_Outcome]:
    if workers <= 1:
        _init_worker(method, options, None)
        for job in jobs:
            yield job_fn(*job)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(method, options, threads)
    ) as ex:
        futures = [ex.submit(job_fn, *job) for job in jobs]
        for fut in futures:
            yield fut.result()


def _reusable_predict_run(folder: MethodFolder, probe: Predictor) -> RunInfo | None:
    """The finished predict run in ``folder`` if it used the same settings, else None."""
    if not folder.run_info.is_file():
        return None
    info = read_run_info(folder.run_info)
    same = {k: v for k, v in info.settings.items() if k != "workers"} == probe.settings()
    if not (info.finished and same):
        log.info("%s: the predict run's settings differ or it did not finish; estimating again", folder.path)
        return None
    log.info("%s: captioning from the trajectories of the predict run with the same settings", folder.path)
    return info


def _run(
    kind: JobKind,
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    workers: int,
    resume: bool,
    options: MethodOptions | Mapping[str, Any] | None,
    mode: str = "whole",
    progress: bool = False,
) -> RunSummary:
    if workers < 1:
        raise CameraBenchError(f"workers must be >= 1, got {workers}")
    ds = Dataset(data_dir)
    cls = predictor_class(method)
    probe = cls(options)  # validates every option in the main process; cheap by contract
    folder = MethodFolder.of(out_dir, method)
    method_dir = folder.path
    out_path, info_path = folder.output(kind), folder.info(kind)
    if out_path.exists() and not resume:
        raise CameraBenchError(f"{out_path} exists: pass --resume to continue that run, or choose another --out")

    done: set[str] = set()
    info: RunInfo
    if resume and out_path.exists():
        _repair_tail(out_path)
        reader = read_scores if kind == "predict" else read_captions
        done = {r.video for r in reader(out_path)}
        info = read_run_info(info_path) if info_path.exists() else RunInfo(method=method, command=kind)
        info.finished = None
    else:
        info = RunInfo(method=method, command=kind)
    info.settings = {**probe.settings(), "workers": workers, **({"mode": mode} if kind == "caption" else {})}
    info.method_kind = cls.kind
    info.data = str(Path(data_dir).resolve())
    model = getattr(probe.options, "model", None)
    info.model_path = str(model) if model else None
    info.model_config_sha256 = config_hash(model) if model else None
    info.git_commit = git_commit()
    method_dir.mkdir(parents=True, exist_ok=True)
    write_run_info(info_path, info)

    videos = ds.videos()
    todo = [v for v in videos if v not in done]
    if kind == "predict":
        questions = ds.questions()
        jobs: list[tuple[Any, ...]] = [(v, str(ds.video_path(v)), questions[v]) for v in todo]
        job_fn: Callable[..., _Outcome] = _predict_job
    else:
        question = ds.caption_question()
        earlier = _reusable_predict_run(folder, probe) if cls.produces_trajectories else None
        jobs = []
        for v in todo:
            traj_path = folder.trajectory(v)
            reuse = earlier is not None and traj_path.is_file()
            prior = earlier.failures.get(v) if earlier is not None else None
            jobs.append((v, str(ds.video_path(v)), question, mode, str(traj_path) if reuse else None, prior))
        job_fn = _caption_job
    log.info("%s %s: %d videos to run, %d already done", kind, method, len(todo), len(done))

    t0 = time.perf_counter()
    unanswerable = 0
    bar = tqdm(total=len(jobs), desc=f"{kind} {method}", unit="video", disable=not progress)
    for outcome in _iter_outcomes(method, probe.options, workers, jobs, job_fn):
        if outcome.trajectory is not None:
            save_npz(folder.trajectory(outcome.video), outcome.trajectory)
        append_jsonl(out_path, outcome.records)
        info.seconds_per_video[outcome.video] = round(outcome.seconds, 4)
        if outcome.failure:
            info.failures[outcome.video] = outcome.failure
        else:
            info.failures.pop(outcome.video, None)
        unanswerable += outcome.unanswerable
        bar.update(1)
    bar.close()

    # Rewrite sorted (deterministic content), atomically.
    if kind == "predict":
        recs = read_scores(out_path) if out_path.exists() else []
        write_scores(out_path, sorted(recs, key=lambda r: (r.video, r.question)))
    else:
        caps = read_captions(out_path) if out_path.exists() else []
        write_captions(out_path, sorted(caps, key=lambda r: r.video))
    info.videos_failed = len(info.failures)
    info.videos_ok = len(info.seconds_per_video) - info.videos_failed
    info.finished = now_iso()
    write_run_info(info_path, info)
    return RunSummary(
        method=method,
        method_dir=method_dir,
        videos_total=len(videos),
        videos_run=len(todo),
        videos_skipped=len(done),
        videos_ok=info.videos_ok,
        videos_failed=info.videos_failed,
        seconds=time.perf_counter() - t0,
        unanswerable_questions=unanswerable,
        failures=dict(info.failures),
    )


def run_predict(
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    workers: int = 1,
    resume: bool = False,
    options: MethodOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
) -> RunSummary:
    """Score every labelled question of every video in ``data_dir`` with ``method``.

    Args:
        data_dir: dataset folder (design.md A3).
        method: registered method name (``camerabench.baselines.registry.METHODS``).
        out_dir: run folder; results go to ``out_dir/<method>/``.
        workers: processes (1 = in this process).
        resume: continue an earlier run, skipping videos already recorded.
        options: the method's options (its ``Options`` dataclass, or a mapping of option name to
            value), validated before any video is touched.
        progress: show a progress bar (stderr).

    Raises:
        CameraBenchError: unknown method, invalid options, a missing dataset, or an existing
            output without ``resume``.
    """
    return _run("predict", data_dir, method, out_dir, workers, resume, options, progress=progress)


def run_caption(
    data_dir: str | Path,
    method: str,
    out_dir: str | Path,
    mode: str = "whole",
    workers: int = 1,
    resume: bool = False,
    options: MethodOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
) -> RunSummary:
    """Caption every video of ``data_dir`` with ``method`` into ``out_dir/<method>/captions.jsonl``.

    Arguments as :func:`run_predict`; ``mode`` is one of
    :data:`camerabench.baselines.base.CAPTION_MODES`.
    """
    if mode not in CAPTION_MODES:
        raise CameraBenchError(f"caption mode must be one of {', '.join(CAPTION_MODES)}, got {mode!r}")
    return _run("caption", data_dir, method, out_dir, workers, resume, options, mode, progress)
