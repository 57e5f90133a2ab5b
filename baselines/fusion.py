"""``fusion``: one stacked classifier, shared by the primitives, over other methods' scores.

Geometric methods fail on some shots (low parallax, low texture, forward motion, dolly zooms)
and semantic ones on others; a method that combines them can rank a shot by whichever input
still answers it. Labelled data is scarce, though: the hard synthetic preset has 2-6 positives
per primitive, so a model per primitive sees one or two positives per training fold. ``fusion``
therefore fits *one* logistic regression (scikit-learn) on every primitive's samples together,
over features built to mean the same thing for every primitive. Per input method:

- ``z``: the input's score standardised per primitive. A score ``s`` becomes
  ``asinh(s / m)`` (``m`` the median absolute score of that input and primitive on the
  training videos: geometric scores are magnitudes with heavy tails, and asinh is linear near 0
  and logarithmic in the tails), then ``(x - mean) / sd`` over the same training scores. A
  z of +2 means "well above this input's usual score for this primitive" whatever the
  primitive's unit (degrees, scene depths, zoom ratios, probabilities).
- ``failed``: 1 when the input failed on the video or has no record for it (a failure is a
  feature, never a crash). Its ``z`` is then 0, the primitive's average score: a failure says
  nothing about which way the camera moved, and the model learns from the flag how much a
  failure itself says. A question is scored from the inputs that answered it, and
  ``info["inputs_failed_on"]`` names the inputs it lacked; a question *every* input failed on
  gets no score (its value would be the same for every such clip of the primitive, a default
  score): it is recorded as failed, ``info["all_inputs_failed"]`` giving each input's reason,
  and a video with no question left to score is a failure of fusion with those reasons.
  (Training warns about the labelled videos an input has no record of at all. In prediction, a
  video an input has no record of at all is no failure of that input: its run never reached it
  (interrupted, or run on part of the dataset), and the stand-in would make a score up without
  it. ``predict`` warns before the run, naming the input, the count and some videos, and records
  each such video as a failed video of fusion naming the input (``info["inputs_unrun"]``, no
  ``inputs_sha256``: it rests on no input record); once the input's run is completed,
  ``predict --resume --retry-failed`` fuses them (red team R76).)
  Training leaves out, likewise, the labelled samples no input scored (every input failed or
  has no record): such a row's features are the same for every such sample of its primitive,
  so it could only teach the stack the class prior of the clips the inputs fail on, and fusion
  never scores such a question anyway. They are counted, with a warning, and the count is kept
  in the model file (``samples_all_inputs_failed``, and per primitive ``all_inputs_failed``).
- An input is read from ``RUN/<name>/``, whose ``run.json`` and records must be of method
  ``name``: a folder renamed or copied over another method's is refused, not read as ``name``.
  A fusion run is no input (``fusion`` itself, or a folder whose run.json says method or
  method_kind ``fusion``): its scores were fitted to labels, likely the same ones, and
  ``predict --method fusion --out RUN`` writes to ``RUN/fusion/``, that input's own folder.

Optionally (``interactions``), per-primitive weights on each input's ``z`` and ``failed`` (the
feature times the primitive's indicator), for when the data can tell per primitive which input
to trust and what its failure means.

Model choice (regularisation and whether to add the per-primitive interactions) is made inside
each training set by cross-validation over its videos: :data:`INNER_REPEATS` repetitions of
shuffled :data:`INNER_SPLITS`-fold splits of the training videos (a video is never in an inner
training and test part at once), scored by log loss, the proper scoring rule for P(yes) (AP on
one or two positives per inner fold is too noisy to choose by). The one-standard-error rule
(Hastie, Tibshirani & Friedman, *Elements of Statistical Learning*, 7.10) then takes the
simplest candidate (shared before per-primitive weights, then the strongest L2 penalty) whose
mean log loss is within one standard error of the best: with a few positives, cross-validated
differences smaller than that are noise.

Training (:func:`train_fusion`) uses video-level cross-fitting: the videos are split into
:data:`DEFAULT_N_SPLITS` folds (scikit-learn ``GroupKFold``, one group per video); the model
folder keeps, besides the model fitted on every video, the model fitted without each fold
(the standardisation, the model choice and the fit all see only that fold's training
videos). Predicting on the training
dataset (the same folder, or a moved or copied one: same video, same labels) gives each training
video the model that never saw it, so evaluating those predictions measures held-out
performance; so does a training clip's file under another name (a link; the model records its
training videos' file identities); other videos get the full model. A training set whose labels have one class only
gets its Laplace-smoothed prevalence (positives + 1) / (n + 2).

Motion features of the inputs' trajectories (angles, translation, zoom) are not used: they
are not comparable across primitives (a rotation angle speaks to pans, not dollies), and
per-primitive models that used them lost to their own inputs on the hard preset.

What was measured (``benchmarks/bench_fusion.py``; hard preset, 87 clips, 84 with binary labels,
2-12 positives per primitive; ``fast`` and ``colmap`` run 2026-12-02 08:47-09:27 UTC; every
figure cross-fitted, every candidate chosen inside the training folds; mean AP in %, seed 0 /
seed 1; seed 0 was used to develop, seed 1 to confirm):

- inputs: ``fast`` 88.4 / 91.6, ``colmap`` 76.9 / 70.2; the per-primitive maximum of the two
  with hindsight (not a method) 89.5 / 91.6;
- this stack, 5 folds: 86.5 / 90.9; with 10 folds (kept): 89.3 / 91.5, i.e. fusion - ``fast``
  +0.9 [-1.2, 3.4] / -0.0 [-4.2, 3.7] (paired bootstrap, 95%), and no hard-case knob worse
  than ``fast``;
- plus single-input candidates (``z`` and ``failed`` of one input only, so the stack can fall
  back to the better input): 86.8 / - with 5 folds, 89.2 / 90.0 with 10;
- plus a per-primitive choice of the input (the one with the higher AP on the training
  videos), 5 folds: 86.9 / -;
- rank standardisation (normal scores of the training ECDF) instead of asinh, 5 folds:
  84.5 / - (ties at the top of the ECDF, where the positives are);
- plus trajectory features per input (log rotation angle, log translation / scene depth,
  abs log zoom, rotation-only flag) with shared weights, 5 folds: 86.8 / - (never chosen by
  the inner model choice).

None of these variants helped, so none was kept. Two facts bound what any stack can gain
here: ``fast`` has AP 1 on 8 of the 15 primitives on both seeds and ``colmap`` beats it on 2
primitives (seed 0) or none (seed 1), so the per-primitive maximum gains 1.1 and 0.0 points;
and ranking the held-out scores of all folds together costs a fitted method what a fixed one
never pays (the fold models' calibrations differ, so clips of different folds are reordered;
Forman & Scholz, *SIGKDD Explorations* 12(1), 2010): the stack restricted to ``fast`` alone, a
monotone map of ``fast``'s score in every fold, scored 87.7 with 5 folds on seed 0 against
``fast``'s 88.4. More folds shrink that cost (each model sees 90% of the videos instead of
80%; 10 folds gave +2.8 and +0.6 points over 5), hence :data:`DEFAULT_N_SPLITS`.

The model folder holds one JSON file (:data:`FUSION_FILE`): inputs, feature names, per fold the
standardisation, the model choice with its cross-validated log losses, and the coefficients;
the training data and run folders. No pickle. Reading it checks every member (feature names
are :func:`feature_names` of its inputs and primitives, ``c`` is positive) and names the line
and member of anything wrong (``fusion.json:371: malformed fusion model: full.coef[0]: ...``).

Predicting (``predict --method fusion --model DIR --data D --out RUN``) reads the inputs'
scores from ``RUN/<input>/`` (the ``inputs_run`` option, by default predict's ``--out``): run
the inputs first. Fusion scores only the primitives it was trained on (those with binary
labels in its training data): a question that is not one of the 15 primitives, or a primitive
it has no training label of, is outside its coverage (``VideoResult.unanswerable``: no record,
counted by the runner), never an input's raw score under fusion's name (a different scale from
P(yes)). So is a question no input has a record of on the video (a question added to the
dataset after the inputs ran): that is no question every input failed. ``predict`` warns up
front naming the model file and those primitives, and refuses a dataset that asks none of the
trained ones. A training video whose fold model saw no sample of
a primitive (every label of it is in that video's fold) gets no held-out score for it: the
question is recorded as failed (``info["no_held_out_model"]`` names it), not scored by the full
model that saw its label. A run's ``run.json`` settings hold ``model_sha256``, the digest of the
model's content (:func:`model_digest`): ``predict --resume`` continues a run of the same model
(trained again on the same data counts as the same) and refuses one of a model trained since on
other inputs, folds or labels, whose scores would otherwise be kept beside the new model's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.base import MethodKind, Predictor, VideoResult, dataset_video_name
from camerabench.baselines.options import MethodOptions, option
from camerabench.crossfit import (
    binary_values,
    clip_names,
    content_prints,
    held_out_videos,
    label_digests,
    same_file_keys,
    same_print,
    scored_prints,
    training_files,
    training_prints,
    video_folds,
)
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import FieldError, make_folder, parse_member, read_json_document, write_json
from camerabench.records import RunInfo, ScoreRecord, now_iso, read_run_info
from camerabench.runfolder import MethodFolder, MethodRun, folder_writer, read_method

__all__ = [
    "C_GRID",
    "FUSION_FILE",
    "FusionModel",
    "FusionOptions",
    "FusionPredictor",
    "InputFeatures",
    "SharedStack",
    "feature_names",
    "fit_shared_stack",
    "model_digest",
    "train_fusion",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

FUSION_FILE = "fusion.json"
FUSION_SCHEMA_VERSION = 2
#: Video-level folds of the cross-fitting. 10, not 5: the held-out scores of all folds are
#: ranked together, so any difference between the fold models reorders clips of different
#: folds; with 10 folds each model sees 90% of the videos instead of 80% and they differ less
#: (measured on the hard preset, see the module doc).
DEFAULT_N_SPLITS = 10
#: Inverse L2 strengths tried, strongest penalty first: a log grid from near-equal weights of
#: the inputs (0.003: coefficients ~0.25 on the hard preset) to almost no penalty (10).
C_GRID: tuple[float, ...] = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)
#: Inner model choice: shuffled K-fold over the training videos, repeated with seeds 0..R-1;
#: repetition lowers the variance of the choice on a few dozen videos.
INNER_SPLITS = 5
INNER_REPEATS = 3
#: Model variants, simplest first (the order the one-standard-error rule prefers).
VARIANTS: tuple[str, ...] = ("shared", "interactions")


def feature_names(inputs: Sequence[str], primitives: Sequence[str] = (), interactions: bool = False) -> list[str]:
    """``<input>.<feature>`` in the order of the feature vector.

    Example:
        >>> feature_names(["fast", "colmap"])
        ['fast.z', 'colmap.z', 'fast.failed', 'colmap.failed']
        >>> feature_names(["fast"], ["Pan_Left"], interactions=True)
        ['fast.z', 'fast.failed', 'fast.z*Pan_Left', 'fast.failed*Pan_Left']
    """
    out = [f"{n}.z" for n in inputs] + [f"{n}.failed" for n in inputs]
    if interactions:
        out += [f"{n}.z*{p}" for p in primitives for n in inputs]
        out += [f"{n}.failed*{p}" for p in primitives for n in inputs]
    return out


# --------------------------------------------------------------------------- per-video input scores


@dataclass
class InputFeatures:
    """One input method's scores, read from its method folder.

    Attributes:
        name: the input's method folder name.
        run: its scores (and run.json).
    """

    name: str
    run: MethodRun
    _videos: set[str] | None = field(default=None, repr=False, compare=False)
    _by_video: dict[str, list[ScoreRecord]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, run_dir: str | Path, name: str, warn_unfinished: bool = True) -> InputFeatures:
        """The input ``name`` of run folder ``run_dir``; an input whose predict run did not finish
        is warned of (``warn_unfinished``: training takes the videos it did not record as its
        failures) and listed in ``run.unfinished``.

        Raises:
            CameraBenchError: it has no scores there (the message says how to make them), or a
                running job is writing them (:meth:`folder`).
        """
        _refuse_own_folder(name)
        folder = cls.folder(run_dir, name)
        run = read_method(folder.path, {"predict": UNRECORDED_BY_FUSION_TRAINING} if warn_unfinished else {})
        # and after: a writer that started while the scores were read (their tail may be of its run)
        _refuse_live_writer(name, folder)
        # a method folder is named after its method (predict writes RUN/<method>/): a folder renamed or
        # copied over another (colmap's scores in fast/) would be read as the named input, silently
        recorded = run.info.method if run.info is not None else None
        if recorded is None and run.scores:
            recorded = next(iter(run.scores.values())).method
        _refuse_fusion_run(name, run.folder, run.info, recorded)
        if recorded is not None and recorded != name:
            raise CameraBenchError(
                f"fusion input {name!r}: {run.folder} holds a run of method {recorded!r}, not {name!r} (a renamed "
                f"or copied folder?): name the input by its method (--inputs {recorded}) or run {name} there"
            )
        return cls(name, run)

    @staticmethod
    def folder(run_dir: str | Path, name: str) -> MethodFolder:
        """The method folder of input ``name`` in ``run_dir``.

        Raises:
            CameraBenchError: it has no scores there (the message says how to make them), or a
                running ``predict`` (another camerabench process) holds the folder's lock: its
                scores are a part of the run still being written, and the videos it has not
                reached yet would be scored from the other inputs alone, for good.
        """
        folder = MethodFolder.of(run_dir, name)
        if not folder.scores.is_file():
            from camerabench.baselines.registry import METHODS

            how = (
                f"run `camerabench predict --method {name} --data DATA --out {run_dir}` first"
                if name in METHODS
                else f"{name!r} is no camerabench method (known: {', '.join(METHODS)}): write another tool's scores "
                f"as {folder.scores} (README, scores.jsonl), or name a method folder of {run_dir}"
            )
            raise CameraBenchError(f"fusion input {name!r} has no scores in {folder.path}: {how}")
        _refuse_live_writer(name, folder)
        return folder

    def check_dataset(self, data_dir: str | Path) -> None:
        """Refuse an input whose run.json says it scored another dataset (one that still exists).

        Raises:
            CameraBenchError: the input's run is of another dataset.
        """
        _check_input_dataset(self.name, self.run.folder, self.run.info, data_dir)

    def records_sha256(self, video: str) -> str | None:
        """SHA-256 of the input's records of ``video`` (every question, ok or failed, as read: what
        fusion combines for it), or None when it has none. Fusion records it per fused video
        (run.json ``video_info[video]["inputs_sha256"]``, :data:`INPUTS_SHA256_KEY`), so that a
        ``--resume`` is refused only when a record it used changed or vanished
        (:meth:`FusionPredictor.check_resume_inputs`), not when the input gained videos."""
        if self._by_video is None:
            self._by_video = {}
            for (v, _), rec in sorted((self.run.scores or {}).items()):
                self._by_video.setdefault(v, []).append(rec)
        recs = self._by_video.get(video)
        if not recs:
            return None
        text = json.dumps([r.to_dict() for r in recs], sort_keys=True, allow_nan=False, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def has_record(self, video: str) -> bool:
        """Whether the input has any record (ok or failed) of ``video``: whether it ran on it."""
        if self._videos is None:
            self._videos = {v for v, _ in self.run.scores or {}}
        return video in self._videos

    def asked(self, video: str, question: str) -> bool:
        """Whether the input has a record (ok or failed) of ``question`` on ``video``: was asked it."""
        return (video, question) in (self.run.scores or {})

    def score(self, video: str, question: str) -> float | None:
        """The input's score, or None when it failed or has no record."""
        rec: ScoreRecord | None = (self.run.scores or {}).get((video, question))
        if rec is None or rec.status != "ok" or rec.score is None:
            return None
        return float(rec.score)

    def failure(self, video: str, question: str) -> str | None:
        """Why the input has no score of ``question`` on ``video`` (None when it has one)."""
        rec: ScoreRecord | None = (self.run.scores or {}).get((video, question))
        if rec is None:
            return f"{self.name}: no record"
        if rec.status != "ok" or rec.score is None:
            return f"{self.name}: {rec.reason or 'failed'}"
        return None


def _refuse_live_writer(name: str, folder: MethodFolder) -> None:
    """Refuse input ``name`` while a running job holds its folder's lock (:func:`folder_writer`).

    The lock is tested, not held: a ``predict --resume`` of the input started after the test is not
    kept out. :meth:`InputFeatures.read` tests before and after reading (a writer that started in
    between is refused), and run.json's ``inputs_sha256`` is taken before the run: an input changed
    by a job that ran wholly between that and a worker's read is refused by the next ``--resume``.

    Raises:
        CameraBenchError: naming the input, its folder and the writer.
    """
    writer = folder_writer(folder.path)
    if writer is not None:
        raise CameraBenchError(
            f"fusion input {name!r}: {folder.path} is being written by a running camerabench job ({writer}): its "
            "scores are a part of that run, and fusion would score the videos it has not reached from the other "
            "inputs alone; wait for it to finish, then run fusion"
        )


#: What the videos an input's unfinished predict run did not record are to ``predict --method fusion``
#: (in the warning of :func:`~camerabench.runfolder.read_method`, after "videos it did not record"):
#: not that input's failures (it never ran on them), so no score is made without it.
UNRECORDED_BY_FUSION = (
    "are not fused: fusion records each as failed, naming the input (no score is made without it; "
    "run.json's settings.inputs_unfinished names it), and `predict --method fusion --resume --retry-failed` "
    "fuses them once the input's run is complete"
)
#: The same for ``train --method fusion``, which trains on them as failures of that input where
#: another input scored them (and warns of them by count: :func:`train_fusion`).
UNRECORDED_BY_FUSION_TRAINING = (
    "are trained on by fusion as failures of that input (where another input scored them; run it on every "
    "video: --resume completes an interrupted run)"
)


#: run.json's ``video_info[video]`` key under which fusion records, for each video it fused, the
#: :meth:`InputFeatures.records_sha256` of every input (input -> digest; null for an input with no
#: record of the video, which the video was then fused without).
INPUTS_SHA256_KEY = "inputs_sha256"


def input_scores_sha256(folder: MethodFolder) -> str:
    """SHA-256 of an input's ``scores.jsonl`` bytes: what fusion's run.json records of each input
    (settings ``inputs_sha256``), so that a reader can tell which scores a fusion run was made
    from, and ``predict --resume`` of a run whose run.json has no per-video digests (an older
    camerabench's: :meth:`FusionPredictor.check_resume_inputs` returns False) refuses an input
    changed since (records made from two versions of its scores), as it did.

    Raises:
        CameraBenchError: the file cannot be read (naming it).
    """
    try:
        with open(folder.scores, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise FileFormatError(folder.scores, f"cannot read: {exc.strerror or exc}") from exc


def _unfinished_input(folder: MethodFolder) -> bool:
    """Whether an input's predict run.json has no finish time (interrupted: a running one is refused)."""
    return folder.run_info.is_file() and read_run_info(folder.run_info).finished is None


#: Why fusion does not stack on a fusion run (said in each refusal).
_NOT_ON_FUSION = (
    "fusion stacks other methods' scores, not a fusion model's (those were fitted to labels, likely the same ones, "
    "and `predict --method fusion --out RUN` writes to RUN/fusion/, that input's own folder); leave it out of --inputs"
)


def _refuse_own_folder(name: str) -> None:
    """Refuse the input ``fusion``: the folder fusion's own scores are written to.

    Raises:
        CameraBenchError: ``name`` is fusion's method name.
    """
    if name == FusionPredictor.name:
        raise CameraBenchError(
            f"fusion input {name!r} is fusion's own output folder (RUN/{name}/, an earlier fusion run's scores): "
            + _NOT_ON_FUSION
        )


def _refuse_fusion_run(name: str, folder: Path, info: RunInfo | None, recorded: str | None) -> None:
    """Refuse input ``name`` (method folder ``folder``) whose run.json (or scores) say a fusion
    method made it (method ``fusion`` or method_kind ``fusion``: a fusion run copied or renamed).

    Raises:
        CameraBenchError: the input is a fusion run.
    """
    kind = info.method_kind if info is not None else None
    if recorded == FusionPredictor.name or kind == FusionPredictor.kind:
        how = ", ".join(f"{k} {v!r}" for k, v in (("method", recorded), ("method_kind", kind)) if v is not None)
        raise CameraBenchError(f"fusion input {name!r}: {folder} holds a fusion run's scores ({how}): {_NOT_ON_FUSION}")


def _check_input_dataset(name: str, folder: Path, info: RunInfo | None, data_dir: str | Path) -> None:
    """Refuse input ``name`` (method folder ``folder``) whose run.json says it scored another
    dataset (one that still exists).

    Raises:
        CameraBenchError: the input's run is of another dataset.
    """
    data = str(Path(data_dir).resolve())
    if info is not None and info.data is not None and info.data != data and Path(info.data).exists():
        raise CameraBenchError(
            f"fusion input {name!r} in {folder} is a run of another dataset "
            f"({info.data}, not {data}): run the inputs on this --data"
        )


def _scores(inputs: Sequence[InputFeatures], video: str, question: str) -> list[float]:
    """Each input's score (NaN = failed or missing)."""
    return [math.nan if (s := i.score(video, question)) is None else s for i in inputs]


# --------------------------------------------------------------------------- the shared stack


def _asinh_ratio(s: NDArray[np.float64], m: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """``asinh(s / m)`` without overflow: where ``s / m`` is not finite (a score of 1e308 over a
    median of 1e-3, or any score over a denormal median) it is ``sign(s) (log 2 + log|s| - log m)``,
    asinh's own value for a large argument, so the order of the scores is kept.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = s / m
        big = np.isinf(ratio)
        if not big.any():
            return np.asarray(np.arcsinh(ratio))
        safe = np.where(big, 0.0, ratio)
        logs = np.log(2.0) + np.log(np.abs(np.where(big, s, 1.0))) - np.log(m)
        return np.asarray(np.where(big, np.sign(s) * logs, np.arcsinh(safe)))


def _median_abs(values: NDArray[np.float64]) -> float:
    """Median absolute value, without the overflow of averaging two huge middle values."""
    a = np.abs(values)
    with np.errstate(over="ignore"):
        m = float(np.median(a))
    return m if math.isfinite(m) else 2.0 * float(np.median(a / 2.0))


def _standardiser(prim: NDArray[np.int64], s: NDArray[np.float64], n_prims: int) -> NDArray[np.float64]:
    """(n_prims, k, 3): per primitive and input, (m, mean, sd) of ``asinh(s / m)`` on its ok scores.

    ``m`` is the median absolute score (1 when it is 0 or there is no score); mean 0 and sd 1
    when there is no score, sd 1 when the scores do not vary (one score, or all equal).
    """
    k = s.shape[1]
    out = np.tile(np.array([1.0, 0.0, 1.0]), (n_prims, k, 1))
    for p in range(n_prims):
        for i in range(k):
            ok = s[(prim == p) & ~np.isnan(s[:, i]), i]
            if ok.size == 0:
                continue
            m = _median_abs(ok) or 1.0
            a = _asinh_ratio(ok, m)
            mean, sd = float(a.mean()), float(a.std())
            # Equal scores have an sd of the mean's round-off (1e-16 for a constant nonzero score),
            # not 0: it made any other score at prediction a z of 1e15, P(yes) exactly 0 or 1. The
            # bound on that round-off is scikit-learn StandardScaler's (_is_constant_feature).
            n, eps = a.size, float(np.finfo(np.float64).eps)
            constant = sd * sd <= n * eps * sd * sd + (n * mean * eps) ** 2
            out[p, i] = (m, mean, 1.0 if constant else sd)
    return out


def _features(
    prim: NDArray[np.int64], s: NDArray[np.float64], std: NDArray[np.float64], interactions: bool
) -> NDArray[np.float64]:
    """The feature matrix (:func:`feature_names` order) of primitive indices and raw scores."""
    par = std[prim]  # (N, k, 3)
    failed = np.isnan(s)
    with np.errstate(invalid="ignore"):
        z = np.where(failed, 0.0, (_asinh_ratio(s, par[..., 0]) - par[..., 1]) / par[..., 2])
    flags = failed.astype(np.float64)
    cols = [z, flags]
    if interactions:
        onehot = np.eye(std.shape[0])[prim]  # (N, P)
        cols.append((onehot[:, :, None] * z[:, None, :]).reshape(len(prim), -1))
        cols.append((onehot[:, :, None] * flags[:, None, :]).reshape(len(prim), -1))
    return np.hstack(cols)


def _sample_primitives(primitives: Sequence[str], name: str) -> list[str]:
    """``primitives`` (one stem per sample) as a list; a str was iterated by character."""
    if isinstance(primitives, str):
        raise ValueError(f"{name} must be a sequence of primitive stems, one per sample, not the string {primitives!r}")
    return list(primitives)


def _sample_scores(scores: NDArray[np.float64], n: int, k: int | None) -> NDArray[np.float64]:
    """(n, k) input scores (k: the stack's number of inputs, None when fitting one).

    A 1-D array is one row per sample of one input, or ``n * k`` scores row by row.

    Raises:
        ValueError: another shape, or an infinite score: NaN is a failed input (documented), an
            infinite score has no standardised value (score files refuse one when read).
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1 and s.size == n * (k or 1):
        s = s.reshape(n, k or 1)
    if s.ndim != 2 or s.shape[0] != n or (k is not None and s.shape[1] != k):
        raise ValueError(
            f"scores must be (N, k): one row per sample ({n}, one primitive each), one column per input "
            f"({k or 'any'}), got shape {np.shape(scores)}"
        )
    inf = np.argwhere(np.isinf(s))
    if inf.size:
        i, j = (int(x) for x in inf[0])
        raise ValueError(
            f"scores: sample {i}, input {j} is {s[i, j]}: scores must be finite (NaN where an input failed)"
        )
    return s


def _sample_labels(labels: NDArray[np.bool_], n: int) -> NDArray[np.bool_]:
    """(n,) labels as booleans (:func:`~camerabench.crossfit.binary_values`: "No" or NaN cast to bool
    was a positive)."""
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"labels must be (N,) = ({n},): one per sample, got shape {y.shape}")
    return binary_values(y, "labels")


@dataclass(frozen=True)
class SharedStack:
    """One fitted stack: the standardisation, the chosen model and its coefficients.

    Attributes:
        kind: ``logistic``, or ``constant`` (training labels of one class only).
        primitives: primitive stems, in the order of ``standardiser`` and the interactions.
        standardiser: per primitive, per input, ``[m, mean, sd]`` (:func:`_standardiser`).
        variant: ``shared`` or ``interactions``.
        c: the chosen inverse L2 strength.
        coef: coefficients in feature order; intercept: the intercept.
        p: the constant probability (``constant`` only).
        cv_log_loss: ``"<variant>@<C>"`` -> [mean, standard error] of the inner log loss.
    """

    kind: str
    primitives: list[str]
    standardiser: list[list[list[float]]]
    variant: str = "shared"
    c: float = math.nan
    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    p: float = math.nan
    cv_log_loss: dict[str, list[float]] = field(default_factory=dict)

    @property
    def interactions(self) -> bool:
        return self.variant == "interactions"

    def probabilities(self, primitives: Sequence[str], scores: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(yes) of samples: (N,) primitive stems and (N, k) each input's score (NaN = failed).

        A sample whose every input failed gets NaN, with a warning: the stack's value there is the
        same for every such sample of the primitive (the class prior of the clips the inputs fail
        on, which fitting leaves out), no score of that clip. ``predict`` records such a question as
        failed (``info["all_inputs_failed"]``) and never asks the stack.

        Raises:
            ValueError: ``primitives`` a string, or ``scores`` not (N, k) (k: the inputs the
                stack was fitted on) or holding an infinite score.
            KeyError: a primitive the stack was not fitted on.
        """
        primitives = _sample_primitives(primitives, "primitives")
        k = len(self.standardiser[0]) if self.standardiser else None
        s = _sample_scores(scores, len(primitives), k)
        blank = np.isnan(s).all(axis=1)  # no column at all is no score either
        if blank.any():
            log.warning(
                "fusion: %d of %d samples have no input score (every input failed): their P(yes) is NaN",
                int(blank.sum()),
                len(s),
            )
        if self.kind == "constant":
            out = np.full(len(primitives), float(self.p))
        else:
            missing = sorted(set(primitives) - set(self.primitives))
            if missing:
                raise KeyError(f"fusion stack has no primitive {missing[0]!r}")
            prim = np.array([self.primitives.index(p) for p in primitives], dtype=np.int64)
            x = _features(prim, s, np.array(self.standardiser), self.interactions)
            logit = x @ np.array(self.coef) + self.intercept
            out = np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700))), dtype=np.float64)
        out[blank] = math.nan
        return out

    def probability(self, primitive: str, scores: Sequence[float]) -> float:
        """P(yes) of one sample: its primitive stem and each input's score (NaN = failed)."""
        return float(self.probabilities([primitive], np.array([scores], dtype=np.float64))[0])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "primitives": self.primitives, "standardiser": self.standardiser}
        if self.kind == "constant":
            out["p"] = self.p
        else:
            # an undefined inner log loss (no inner split to score) is null: NaN is not JSON
            losses = {k: [x if math.isfinite(x) else None for x in v] for k, v in self.cv_log_loss.items()}
            out.update(variant=self.variant, c=self.c, coef=self.coef, intercept=self.intercept, cv_log_loss=losses)
        return out

    @classmethod
    def from_dict(cls, obj: Any) -> SharedStack:
        """A stack of a model file, every member checked.

        Raises:
            ValueError: a malformed member (a :class:`FieldError`: the keys that lead to it name its line).
        """
        # a hand-edited file can hold anything: "coef": "1234" was read as [1, 2, 3, 4], an sd of 0
        # divided by zero at prediction, a standardiser triple of two numbers was an IndexError there
        obj = _mapping(obj, "a fitted stack")
        kind = _get(obj, "kind")
        primitives = _list_of(obj, "primitives", _text)
        rows = parse_member(("standardiser",), _array, _get(obj, "standardiser"), "standardiser")
        standardiser = [
            [
                parse_member(("standardiser", i, j), _triple, t)
                for j, t in enumerate(parse_member(("standardiser", i), _array, row, "a standardiser row"))
            ]
            for i, row in enumerate(rows)
        ]
        if kind == "constant":
            p = parse_member(("p",), _number, _get(obj, "p"), "constant probability p")
            if not 0.0 <= p <= 1.0:
                raise FieldError(f"constant probability must be in [0, 1], got {p!r}", "p")
            return cls("constant", primitives, standardiser, p=p)
        if kind != "logistic":
            raise FieldError(f"unknown fusion stack kind {kind!r:.60}", "kind")
        variant = _get(obj, "variant")
        if variant not in VARIANTS:
            raise FieldError(f"unknown fusion variant {variant!r:.60} (known: {', '.join(VARIANTS)})", "variant")
        losses = parse_member(("cv_log_loss",), _mapping, _get(obj, "cv_log_loss"), "cv_log_loss")
        return cls(
            "logistic",
            primitives,
            standardiser,
            variant=variant,
            c=parse_member(("c",), _inverse_strength, _get(obj, "c")),
            coef=_list_of(obj, "coef", _number, "a coefficient"),
            intercept=parse_member(("intercept",), _number, _get(obj, "intercept"), "intercept"),
            # null: no inner split had both classes in its training part (undefined; older files wrote NaN)
            cv_log_loss={
                str(k): [
                    math.nan if x is None or x != x else parse_member((k, j), _number, x, "cv_log_loss")
                    for j, x in enumerate(parse_member((k,), _array, v, "cv_log_loss"))
                ]
                for k, v in losses.items()
            },
        )


def _get(obj: Mapping[str, Any], key: str) -> Any:
    """``obj[key]``; a missing member is a :class:`FieldError` at the object holding it."""
    if key not in obj:
        raise FieldError(f"missing member {key!r}")
    return obj[key]


def _list_of(obj: Mapping[str, Any], key: str, parse: Callable[..., T], name: str | None = None) -> list[T]:
    """Each item of the array ``obj[key]``, parsed (errors at ``key`` and the item's index)."""
    items = parse_member((key,), _array, _get(obj, key), key)
    return [parse_member((key, i), parse, v, name or key) for i, v in enumerate(items)]


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object (``.items()`` of a list was an AttributeError)."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a JSON object, got {type(value).__name__} {value!r:.60}")
    return value


def _inverse_strength(value: Any) -> float:
    """A stack's ``c``: the inverse L2 strength, positive (scikit-learn's LogisticRegression refuses
    C <= 0, and the trainer chooses from :data:`C_GRID`, all positive)."""
    c = _number(value, "c")
    if c <= 0:
        grid = ", ".join(f"{x:g}" for x in C_GRID)
        raise ValueError(f"c (the inverse L2 strength) must be positive, as those trained are ({grid}), got {value!r}")
    return c


#: Members of a model file and of its stacks: a message starting with one names its own member
#: (:func:`_located` leaves it out of the path it writes before the message).
_MEMBERS = frozenset(
    {
        *("schema_version", "inputs", "features", "video_folds", "video_labels", "video_files", "video_prints"),
        "primitives",
        *("input_samples", "samples_all_inputs_failed", "full", "folds"),
        *("kind", "standardiser", "variant", "c", "coef", "intercept", "p", "cv_log_loss"),
        *("samples", "positives", "all_inputs_failed", "ok", "failed", "no_record"),  # the counts
    }
)


def _located(exc: FieldError) -> str:
    """``exc``'s message after the path of the member it is about (``full.coef[0]: ...``), the
    path ending before a member the message names itself (``full: coef must be ...``)."""
    message, keys = str(exc), list(exc.keys)
    for i, key in enumerate(keys):
        if key in _MEMBERS and message.startswith(f"{key} "):
            keys = keys[:i]
            break
    where = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
    return f"{where}: {message}" if where else message


def _array(value: Any, name: str) -> list[Any]:
    """``value`` if it is a JSON array (a string is not: ``list("ab")`` is two inputs)."""
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a JSON array, got {type(value).__name__} {value!r:.60}")
    return value


def _object(value: Any, name: str) -> Mapping[str, Any]:
    """``value`` if it is a non-empty JSON object."""
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{name} must be a fitted stack (a JSON object), got {value!r:.60}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must hold non-empty strings, got {value!r:.60}")
    return value


def _number(value: Any, name: str) -> float:
    """``value`` if it is a finite JSON number (not a string, a boolean, NaN or an infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r:.60}")
    return float(value)


def _count(value: Any, name: str) -> int:
    """A count: a non-negative JSON integer (not a boolean, not 1.5)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r:.60}")
    return value


def _fold(value: Any) -> int:
    """A fold number: a non-negative JSON integer (1.7 was read as fold 1, true as fold 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a video's fold must be a non-negative integer, got {value!r:.60}")
    return value


def _counts(obj: Mapping[str, Any], key: str, required: bool) -> dict[str, dict[str, int]]:
    """``obj[key]``: name -> {count name: count} (``primitives``, ``input_samples``); an absent
    member that is not ``required`` (older files) is empty."""
    table = parse_member((key,), _mapping, _get(obj, key) if required else obj.get(key) or {}, key)
    return {
        str(name): {
            str(k): parse_member((key, name, k), _count, v, str(k))
            for k, v in parse_member((key, name), _mapping, counts, f"{key}.{name}").items()
        }
        for name, counts in table.items()
    }


def _fold_key(key: str) -> int:
    """A key of ``folds``: a fold number written as JSON object keys are, as text."""
    try:
        number = int(key)
    except ValueError:
        raise ValueError(f"a key of folds must be a fold number, got {key!r:.60}") from None
    return _fold(number)


def _check_features(features: list[Any], model: FusionModel) -> None:
    """Refuse a ``features`` member that is not the one the model's inputs and full stack give
    (:func:`feature_names`): the coefficients are in that order, and a name of no feature
    (``dummy.foo``) was read without a word.

    Raises:
        FieldError: at the first unknown name, or at ``features`` when the names are known but
            not the model's (another order, one missing or repeated).
    """
    full = model.full
    primitives = full.primitives if full is not None else []
    known = set(feature_names(model.inputs, primitives, interactions=True))
    for i, name in enumerate(features):
        if not isinstance(name, str) or name not in known:
            raise FieldError(
                f"unknown feature {name!r:.60}: a feature is <input>.z or <input>.failed, or per primitive "
                f"<input>.z*<Primitive> or <input>.failed*<Primitive>, of the inputs ({', '.join(model.inputs)}) "
                "and the full stack's primitives",
                "features",
                i,
            )
    expected = model.features
    if features != expected:
        raise FieldError(
            f"features ({', '.join(features)})"[:300]
            + f" are not the model's, in its coefficients' order ({', '.join(expected)})"[:300],
            "features",
        )


def _triple(value: Any) -> list[float]:
    """A standardiser entry ``[m, mean, sd]``: m and sd are divisors, so positive."""
    entry = [_number(v, "standardiser") for v in _array(value, "standardiser entry")]
    if len(entry) != 3:
        raise ValueError(f"a standardiser entry must be [m, mean, sd], got {value!r:.60}")
    if entry[0] <= 0 or entry[2] <= 0:
        raise ValueError(f"a standardiser entry's m and sd must be positive, got {value!r:.60}")
    return entry


def _logistic(x: NDArray[np.float64], y: NDArray[np.bool_], c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y.astype(int))


def _fit_logistic(
    prim: NDArray[np.int64],
    s: NDArray[np.float64],
    y: NDArray[np.bool_],
    n_prims: int,
    interactions: bool,
    c: float,
) -> tuple[NDArray[np.float64], Any]:
    std = _standardiser(prim, s, n_prims)
    return std, _logistic(_features(prim, s, std, interactions), y, c)


def _inner_choice(
    prim: NDArray[np.int64],
    s: NDArray[np.float64],
    y: NDArray[np.bool_],
    videos: Sequence[str],
    n_prims: int,
    repeats: int,
) -> tuple[str, float, dict[str, list[float]]]:
    """(variant, C, table) chosen by repeated video-level K-fold log loss and the 1-SE rule."""
    from sklearn import config_context
    from sklearn.metrics import log_loss
    from sklearn.model_selection import KFold

    names = np.array(sorted(set(videos)))
    video_arr = np.asarray(videos)
    k = min(INNER_SPLITS, len(names))
    splits: list[NDArray[np.bool_]] = []
    if k >= 2:
        for r in range(repeats):
            for _, test in KFold(k, shuffle=True, random_state=r).split(names):
                is_test = np.isin(video_arr, names[test])
                if y[~is_test].any() and not y[~is_test].all():
                    splits.append(is_test)
    candidates = [(v, c) for v in VARIANTS for c in C_GRID]
    losses: dict[tuple[str, float], list[float]] = {cand: [] for cand in candidates}
    # A split's standardisation and features do not depend on C: made once per split and variant.
    # The features are finite by construction (failed scores are 0 with a flag), so scikit-learn's
    # per-call input checks are skipped: they took half the time of these hundreds of small fits.
    with config_context(assume_finite=True, skip_parameter_validation=True):
        for is_test in splits:
            tr = ~is_test
            std = _standardiser(prim[tr], s[tr], n_prims)
            for variant in VARIANTS:
                inter = variant == "interactions"
                x_train = _features(prim[tr], s[tr], std, inter)
                x_test = _features(prim[is_test], s[is_test], std, inter)
                for c in C_GRID:
                    p = _logistic(x_train, y[tr], c).predict_proba(x_test)[:, 1]
                    losses[(variant, c)].append(float(log_loss(y[is_test].astype(int), p, labels=[0, 1])))
    table: dict[str, list[float]] = {}
    means: list[float] = []
    for variant, c in candidates:
        arr = np.array(losses[(variant, c)])
        mean = float(arr.mean()) if arr.size else math.nan
        se = float(arr.std(ddof=1) / math.sqrt(arr.size)) if arr.size >= 2 else 0.0
        table[f"{variant}@{c:g}"] = [mean, se]
        means.append(mean)
    if not splits:  # too few videos (or one class in every inner training part): no choice to make
        return VARIANTS[0], C_GRID[0], table
    best = int(np.nanargmin(means))
    limit = means[best] + table[f"{candidates[best][0]}@{candidates[best][1]:g}"][1]
    chosen = next(i for i, m in enumerate(means) if m <= limit)
    return candidates[chosen][0], candidates[chosen][1], table


def fit_shared_stack(
    primitive_of: Sequence[str],
    scores: NDArray[np.float64],
    labels: NDArray[np.bool_],
    videos: Sequence[str],
    inner_repeats: int = INNER_REPEATS,
) -> SharedStack:
    """Choose (inner CV) and fit one stack on samples of every primitive together.

    Args:
        primitive_of: (N,) primitive stem of each sample.
        scores: (N, k) each input's score, NaN where it failed (at least one score per sample).
        labels: (N,) binary labels.
        videos: (N,) each sample's video (inner folds are by video).
        inner_repeats: repetitions of the inner K-fold split.

    Raises:
        ValueError: a sample no input scored (all NaN); ``primitive_of`` a string; ``scores``,
            ``labels`` or ``videos`` not one row per sample; an infinite score (NaN is a failed
            input); labels other than booleans or 0/1 (the message names the first).
    """
    primitive_of = _sample_primitives(primitive_of, "primitive_of")
    n = len(primitive_of)
    s = _sample_scores(scores, n, None)
    y = _sample_labels(labels, n)
    if isinstance(videos, str) or len(videos) != n:
        got = f"the string {videos!r}" if isinstance(videos, str) else f"{len(videos)}"
        raise ValueError(f"videos must be one video name per sample ({n}), got {got}")
    primitives = sorted(set(primitive_of))
    prim = np.array([primitives.index(p) for p in primitive_of], dtype=np.int64)
    blank = np.isnan(s).all(axis=1)
    if blank.any():
        # its features are the same for every such sample of the primitive: it only teaches the prior
        raise ValueError(
            f"{int(blank.sum())} of {len(y)} samples have no input score at all (every input failed): they carry "
            "no information from the inputs; leave them out (train_fusion does)"
        )
    std = _standardiser(prim, s, len(primitives))
    n, n_pos = len(y), int(y.sum())
    if n_pos in (0, n):
        return SharedStack("constant", primitives, std.tolist(), p=(n_pos + 1) / (n + 2))
    from threadpoolctl import threadpool_limits

    # hundreds of fits of a few features each: a multi-threaded BLAS only adds its threads'
    # start-up and spin-waits (10x the CPU time on 2 busy cores), so one thread
    with threadpool_limits(limits=1):
        variant, c, table = _inner_choice(prim, s, y, videos, len(primitives), inner_repeats)
        std, lr = _fit_logistic(prim, s, y, len(primitives), variant == "interactions", c)
    return SharedStack(
        "logistic",
        primitives,
        std.tolist(),
        variant=variant,
        c=c,
        coef=lr.coef_[0].tolist(),
        intercept=float(lr.intercept_[0]),
        cv_log_loss=table,
    )


# --------------------------------------------------------------------------- the model


@dataclass
class FusionModel:
    """A trained fusion model (the content of ``DIR/fusion.json``).

    Attributes:
        inputs: input method folder names, in feature order.
        trained_on_data: resolved dataset folder whose labels it was trained on.
        trained_on_run: resolved run folder whose inputs it was trained on.
        video_folds: training video -> fold.
        video_labels: training video -> digest of its binary labels (a moved or copied training
            dataset is recognised by them; empty in older model files).
        video_files: training video -> the identity of its file
            (:func:`~camerabench.crossfit.same_file_keys`): a video predicted later that is one of
            those files under another name (a link) gets the stack of that clip's fold (empty in
            older model files; not part of :func:`model_digest`: it is of this machine's files).
        video_prints: training video -> the content fingerprint of its file
            (:func:`~camerabench.crossfit.content_prints`): a video of another dataset with a
            training video's name and labels is that video only when its file has this
            fingerprint (another synthetic seed keeps names and labels, not clips); empty in older
            model files, whose videos are matched by name and labels only (with a warning). Not
            part of :func:`model_digest` (a model retrained on the same data is the same model,
            and older files have none).
        primitives: primitive stem -> {"samples", "positives"} of the samples trained on, and
            ``all_inputs_failed``: its labelled samples no input scored (left out of training).
            A primitive none of whose labelled samples any input scored is not trained on.
        input_samples: input -> {"ok", "failed", "no_record"}: of the samples (video, question)
            trained on, how many the input scored, was asked and failed on, or has no record of
            (it never ran on the video, or was never asked the question: an input of some
            primitives only); the last two are trained on as its failures. Empty in older model
            files; before R76 ``failed`` counted a question never asked of a video it ran on.
        samples_all_inputs_failed: labelled samples left out of training because no input scored
            them (0 in older model files).
        full: the stack fitted on every training video (None: an untrained placeholder).
        folds: fold -> the stack fitted without that fold's videos.
        created: when it was trained.
    """

    inputs: list[str]
    trained_on_data: str = ""
    trained_on_run: str = ""
    video_folds: dict[str, int] = field(default_factory=dict)
    video_labels: dict[str, str] = field(default_factory=dict)
    video_files: dict[str, str] = field(default_factory=dict)
    video_prints: dict[str, str] = field(default_factory=dict)
    primitives: dict[str, dict[str, int]] = field(default_factory=dict)
    input_samples: dict[str, dict[str, int]] = field(default_factory=dict)
    samples_all_inputs_failed: int = 0
    full: SharedStack | None = None
    folds: dict[int, SharedStack] = field(default_factory=dict)
    created: str = field(default_factory=now_iso)

    @property
    def features(self) -> list[str]:
        """Feature names of the full stack."""
        inter = self.full is not None and self.full.variant == "interactions"
        return feature_names(self.inputs, sorted(self.primitives), inter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": FUSION_SCHEMA_VERSION,
            "method": "fusion",
            "inputs": self.inputs,
            "features": self.features,
            "trained_on_data": self.trained_on_data,
            "trained_on_run": self.trained_on_run,
            "c_grid": list(C_GRID),
            "created": self.created,
            "video_folds": self.video_folds,
            "video_labels": self.video_labels,
            "video_files": self.video_files,
            "video_prints": self.video_prints,
            "primitives": self.primitives,
            "input_samples": self.input_samples,
            "samples_all_inputs_failed": self.samples_all_inputs_failed,
            "full": self.full.to_dict() if self.full is not None else None,
            "folds": {str(k): m.to_dict() for k, m in self.folds.items()},
        }

    @classmethod
    def from_dict(cls, obj: Any) -> FusionModel:
        """A model file's content, every member checked.

        Raises:
            ValueError: a malformed member (a :class:`FieldError`: the keys that lead to it name its line).
        """
        obj = _mapping(obj, "a fusion model")
        version = obj.get("schema_version")
        if version != FUSION_SCHEMA_VERSION:
            raise FieldError(
                f"schema_version {version!r:.60} is not {FUSION_SCHEMA_VERSION}, the fusion model version this "
                "camerabench reads",
                "schema_version",
            )
        inputs = _list_of(obj, "inputs", _text)
        if not inputs or len(set(inputs)) != len(inputs):
            raise FieldError(f"inputs must be distinct method names, at least one, got {inputs!r:.200}", "inputs")
        if FusionPredictor.name in inputs:  # its own output folder (_refuse_own_folder)
            raise FieldError(
                f"{FusionPredictor.name!r} is the folder fusion's own scores are written to, no input: fusion "
                "stacks other methods' scores",
                "inputs",
                inputs.index(FusionPredictor.name),
            )
        folds_obj = parse_member(("folds",), _mapping, _get(obj, "folds"), "folds")
        stacks: dict[tuple[str | int, ...], SharedStack] = {
            ("full",): parse_member(("full",), lambda v: SharedStack.from_dict(_object(v, "full")), _get(obj, "full"))
        }
        folds: dict[int, SharedStack] = {}
        for key, m in folds_obj.items():
            fold = parse_member(("folds", key), _fold_key, key)
            folds[fold] = stacks[("folds", key)] = parse_member(("folds", key), SharedStack.from_dict, m)
        model = cls(
            inputs=inputs,
            trained_on_data=str(_get(obj, "trained_on_data")),
            trained_on_run=str(_get(obj, "trained_on_run")),
            video_folds={
                str(k): parse_member(("video_folds", k), _fold, v)
                for k, v in parse_member(("video_folds",), _mapping, _get(obj, "video_folds"), "video_folds").items()
            },
            video_labels={
                str(k): str(v)
                for k, v in parse_member(
                    ("video_labels",), _mapping, obj.get("video_labels") or {}, "video_labels"
                ).items()
            },
            video_files={
                str(k): parse_member(("video_files", k), _text, v, "video_files")
                for k, v in parse_member(
                    ("video_files",), _mapping, obj.get("video_files") or {}, "video_files"
                ).items()
            },
            video_prints={
                str(k): parse_member(("video_prints", k), _text, v, "video_prints")
                for k, v in parse_member(
                    ("video_prints",), _mapping, obj.get("video_prints") or {}, "video_prints"
                ).items()
            },
            # 3.7 was read as 3 samples, true as 1
            primitives=_counts(obj, "primitives", required=True),
            input_samples=_counts(obj, "input_samples", required=False),
            # absent in files written before training left such samples out
            samples_all_inputs_failed=parse_member(
                ("samples_all_inputs_failed",),
                _count,
                obj.get("samples_all_inputs_failed", 0),
                "samples_all_inputs_failed",
            ),
            # null (or {}) was loaded as an untrained model, and every video of a run failed on it
            full=stacks[("full",)],
            folds=folds,
            created=str(obj.get("created", "")),
        )
        unfitted = sorted(set(model.video_folds.values()) - set(model.folds))
        if unfitted:  # stack() would give those training videos the full model, which saw their labels
            video = next(v for v, f in model.video_folds.items() if f == unfitted[0])
            raise FieldError(
                f"video_folds puts videos in fold {unfitted[0]}, which has no stack in folds (fitted without them)",
                "video_folds",
                video,
            )
        for keys, stack in stacks.items():
            if len(set(stack.primitives)) != len(stack.primitives):
                raise FieldError(f"a stack names a primitive twice: {stack.primitives!r:.200}", *keys, "primitives")
            if stack.kind != "logistic":
                continue
            n_features = len(feature_names(model.inputs, stack.primitives, stack.interactions))
            if len(stack.coef) != n_features:
                problem = f"a stack has {len(stack.coef)} coefficients for {n_features} features"
                raise FieldError(problem, *keys, "coef")
            if len(stack.standardiser) != len(stack.primitives) or any(
                len(row) != len(model.inputs) for row in stack.standardiser
            ):
                problem = "a stack's standardiser does not match its primitives and inputs"
                raise FieldError(problem, *keys, "standardiser")
        if model.full is not None and set(model.full.primitives) != set(model.primitives):
            # a primitive listed but not in the full stack was recorded failed on every video, as if each
            # were a training video whose fold model never saw it
            raise FieldError(
                f"primitives ({', '.join(sorted(model.primitives)) or 'none'}) are not those of the full stack "
                f"({', '.join(sorted(model.full.primitives)) or 'none'})",
                "primitives",
            )
        if "features" in obj:
            _check_features(parse_member(("features",), _array, obj["features"], "features"), model)
        return model

    def save(self, out_dir: str | Path) -> Path:
        path = Path(out_dir) / FUSION_FILE
        write_json(path, self.to_dict())
        return path

    @classmethod
    def load(cls, model_dir: str | Path) -> FusionModel:
        """Read ``DIR/fusion.json``.

        Raises:
            CameraBenchError: no fusion model there, or a malformed one.
        """
        path = Path(model_dir) / FUSION_FILE
        if not path.is_file():
            raise CameraBenchError(f"{path}: no fusion model (train one with `camerabench train --method fusion`)")
        doc = read_json_document(path)  # not JSON: its own error, naming the line
        try:
            return cls.from_dict(doc.value)
        except FieldError as exc:
            raise doc.error(f"malformed fusion model: {_located(exc)}", *exc.keys) from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise FileFormatError(path, f"malformed fusion model: {exc}") from exc

    def stack(self, video: str, cross_fit: bool) -> SharedStack:
        """The stack for ``video``: the one fitted without its fold when ``cross_fit``.

        Raises:
            CameraBenchError: the model was never trained.
        """
        fold = self.video_folds.get(video) if cross_fit else None
        chosen = self.folds.get(fold, self.full) if fold is not None else self.full
        if chosen is None:
            raise CameraBenchError("fusion model has no fitted stack: train it (`camerabench train --method fusion`)")
        return chosen

    def probability(
        self, primitive: str, inputs: Sequence[InputFeatures], video: str, question: str, cross_fit: bool
    ) -> float:
        """P(yes) of one (video, primitive question); the out-of-fold stack when ``cross_fit``."""
        return self.stack(video, cross_fit).probability(primitive, _scores(inputs, video, question))


def model_digest(model_dir: str | Path) -> str:
    """SHA-256 of the fusion model in ``model_dir`` as its content: every member of its file but
    ``created`` (the same training data, inputs and folds give the same digest when trained again).

    Raises:
        CameraBenchError: no fusion model there, or a malformed one.
    """
    model = FusionModel.load(model_dir)  # checked: a malformed file is named, not hashed
    content = model.to_dict()
    content.pop("created")
    content.pop("video_files")  # device and inode numbers of this machine's files, not the model
    content.pop("video_prints")  # of the training data the rest is fitted on (and absent in older files)
    return hashlib.sha256(json.dumps(content, sort_keys=True, allow_nan=False).encode()).hexdigest()


#: What a file browser leaves in every folder it shows (as ``baselines/vlm/checkpoint.py``'s, which
#: imports torch): not a file of one's own, so such a folder still counts as empty.
_HOUSEKEEPING = re.compile(r"\.DS_Store|\._.+|Thumbs\.db|desktop\.ini")


def _listed(names: Sequence[str]) -> str:
    """A few of ``names``, and how many more."""
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def refuse_existing_model(out_dir: str | Path, overwrite: bool = False) -> None:
    """Refuse a model folder that fusion training cannot write, before any work: one that holds a
    fusion model already (unless ``overwrite``), or anything else than a new or empty folder.

    Training a fusion model again replaced it without a word, and a run predicted with the old
    model could then no longer be resumed (``predict --resume`` refuses a model whose digest
    changed), as ``train --method qwen-vl`` refuses a folder that holds a model. ``out_dir`` was
    otherwise checked only after the fits: a VLM checkpoint folder silently gained a
    ``fusion.json`` (red team R76), an unrelated folder was written into, and a file in the way
    failed after the whole training. ``overwrite`` replaces a fusion model only: it never writes
    into a folder holding something else.

    Raises:
        CameraBenchError: naming ``out_dir`` and why: it (or a folder above it) is a file; it holds
            a model checkpoint of another kind (``config.json``: a qwen-vl checkpoint); it is a
            non-empty folder with no fusion model; it holds a fusion model and ``overwrite`` is false.
    """
    out = Path(out_dir)
    above = next((a for a in (out, *out.parents) if a.exists() or a.is_symlink()), None)
    if above is not None and above.is_symlink() and not above.exists():
        raise CameraBenchError(f"{above}: is a broken link (to {above.readlink()}); give a new or empty folder")
    if above is not None and not above.is_dir():
        what = "is a file" if above == out else f"cannot be made: {above} is a file"
        raise CameraBenchError(
            f"{out}: {what}, not a folder; refusing to write a fusion model there (choose a new or empty folder)"
        )
    if above != out:
        return  # a new folder
    path = out / FUSION_FILE
    if (out / "config.json").exists():  # a transformers checkpoint (qwen-vl's, or any other)
        beside = f" (beside a {FUSION_FILE})" if path.is_file() or path.is_symlink() else ""
        raise CameraBenchError(
            f"{out}: holds a model checkpoint (config.json: a qwen-vl or other transformers checkpoint){beside}, not a "
            "fusion model; refusing to write a fusion model into it (choose a new or empty folder)"
        )
    if not (path.is_file() or path.is_symlink()):
        names = sorted(n.name for n in out.iterdir() if not _HOUSEKEEPING.fullmatch(n.name))
        if names:
            raise CameraBenchError(
                f"{out}: a folder that is not a fusion model folder (no {FUSION_FILE}; it holds {_listed(names)}); "
                "refusing to write a fusion model into it (choose a new or empty folder)"
            )
        return
    if overwrite:
        return
    raise CameraBenchError(
        f"{path}: the model folder already holds a fusion model; refusing to replace it (runs predicted with it "
        "could no longer be resumed: --resume refuses another model). Choose a new folder, delete this one, or "
        "pass --overwrite (overwrite=True) to replace it"
    )


@dataclass
class FusionTrainResult:
    """What :func:`train_fusion` wrote: the model file and the model."""

    path: Path
    model: FusionModel


def train_fusion(
    data_dir: str | Path,
    run_dir: str | Path,
    inputs: Sequence[str],
    out_dir: str | Path,
    n_splits: int = DEFAULT_N_SPLITS,
    inner_repeats: int = INNER_REPEATS,
    *,
    overwrite: bool = False,
) -> FusionTrainResult:
    """Train the shared stack on DATA's binary labels and the inputs' scores in RUN.

    Args:
        data_dir: labelled dataset (binary labels are the training targets).
        run_dir: run folder holding ``RUN/<input>/`` for every input.
        inputs: input method folder names (at least one).
        out_dir: model folder (``fusion.json`` is written there).
        n_splits: video-level folds of the cross-fitting.
        inner_repeats: repetitions of the inner K-fold split that chooses the model.
        overwrite: replace a model already in ``out_dir``; False refuses it before any work
            (:func:`refuse_existing_model`: ``train --method fusion`` without ``--overwrite``; a
            file, another kind of checkpoint or a non-empty folder without a fusion model is
            refused whatever ``overwrite``).

    Raises:
        CameraBenchError: no inputs, an input without scores, no binary labels (or of one video
            only, or samples of fewer than 2 videos once those no input scored are left out), or
            fewer than 2 folds.
    """
    refuse_existing_model(out_dir, overwrite)
    if not inputs:
        raise CameraBenchError("fusion needs at least one input method (--inputs fast,colmap)")
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 1:
        raise CameraBenchError(f"fusion n_splits must be an integer >= 1, got {n_splits!r}")
    if n_splits == 1:  # its out-of-fold model is fitted on no video: every training video gets a constant
        raise CameraBenchError("fusion is cross-fitted over video folds: it needs at least 2 folds (--folds), got 1")
    if isinstance(inner_repeats, bool) or not isinstance(inner_repeats, int) or inner_repeats < 1:
        raise CameraBenchError(f"fusion inner_repeats must be an integer >= 1, got {inner_repeats!r}")
    if len(set(inputs)) != len(inputs):
        raise CameraBenchError(f"fusion inputs repeat a method: {', '.join(inputs)}")
    for name in inputs:  # before the labels are read (InputFeatures.read checks each input's run.json)
        _refuse_own_folder(name)
    ds = Dataset(data_dir)
    ds.validate()
    if not ds.binary:
        raise CameraBenchError(f"{data_dir}: no binary labels to train fusion on")
    feats = [InputFeatures.read(run_dir, name) for name in inputs]
    for feat in feats:
        feat.check_dataset(data_dir)
    prims: list[str] = []
    videos: list[str] = []
    texts: list[str] = []  # each sample's question
    scores: list[list[float]] = []
    labels: list[bool] = []
    for prim, recs in ds.binary.items():
        for r in recs:
            prims.append(prim.value)
            videos.append(r.image)
            texts.append(prim.question)
            scores.append(_scores(feats, r.image, prim.question))
            labels.append(r.label == "Yes")
    s = np.array(scores, dtype=np.float64).reshape(len(labels), len(feats))
    n_labelled_videos = len(set(videos))
    for i, feat in enumerate(feats):
        if np.isnan(s[:, i]).all():
            raise CameraBenchError(
                f"fusion input {feat.name!r} in {feat.run.folder} has no ok score for any labelled sample of "
                f"{data_dir}: run it on this dataset, or leave it out of --inputs"
            )
        unrun = sorted({r.image for recs in ds.binary.values() for r in recs if not feat.has_record(r.image)})
        if unrun:  # not a failure of the input: it never ran on them (an interrupted or partial run)
            log.warning(
                "fusion input %r in %s has no record of %d of the %d labelled videos (e.g. %s): they are trained "
                "on as its failures (where another input scored them); run it on every video (--resume completes "
                "an interrupted run)",
                feat.name,
                feat.run.folder,
                len(unrun),
                n_labelled_videos,
                unrun[0],
            )
    # A sample no input scored is the same feature row (z 0, every flag 1) for every such sample of its
    # primitive: it can only teach the stack the class prior of the clips the inputs fail on (and fusion
    # never scores such a question: it is a recorded failure). Left out, counted, and kept in the model.
    blank = np.isnan(s).all(axis=1)
    blank_per_prim: dict[str, int] = {}
    for j in np.flatnonzero(blank):
        blank_per_prim[prims[j]] = blank_per_prim.get(prims[j], 0) + 1
    n_blank = int(blank.sum())
    if n_blank:
        keep = np.flatnonzero(~blank)
        dropped_videos = sorted({videos[j] for j in np.flatnonzero(blank)})
        prims_all = set(prims)
        prims = [prims[j] for j in keep]
        videos = [videos[j] for j in keep]
        texts = [texts[j] for j in keep]
        labels = [labels[j] for j in keep]
        s = s[keep]
        untrained = sorted(prims_all - set(prims))
        log.warning(
            "fusion: %d of %d labelled samples (on %d videos, e.g. %s) have no score from any input (every input "
            "failed or has no record): left out of training (they carry no information from the inputs, only the "
            "class prior of the clips the inputs fail on)%s",
            n_blank,
            n_blank + len(labels),
            len(dropped_videos),
            dropped_videos[0],
            f"; {len(untrained)} primitives have no other sample and are not trained on ({', '.join(untrained)})"
            if untrained
            else "",
        )
    counts: dict[str, dict[str, int]] = {}
    for p_name, y_j in zip(prims, labels, strict=True):
        c = counts.setdefault(p_name, {"samples": 0, "positives": 0, "all_inputs_failed": 0})
        c["samples"] += 1
        c["positives"] += int(y_j)
    for p_name in counts:
        counts[p_name]["all_inputs_failed"] = blank_per_prim.get(p_name, 0)
    # per (video, question) what the input recorded: a question it was never asked (an input of some
    # primitives only) is no failure of it, though it is trained on as one (flag 1, z 0)
    input_samples = {
        feat.name: {
            "ok": int((~np.isnan(s[:, i])).sum()),
            "failed": sum(bool(np.isnan(s[j, i])) and feat.asked(videos[j], texts[j]) for j in range(len(videos))),
            "no_record": sum(not feat.asked(v, t) for v, t in zip(videos, texts, strict=True)),
        }
        for i, feat in enumerate(feats)
    }
    for i, feat in enumerate(feats):  # an input of some primitives only (another tool's, a partial run)
        scored = {prims[j] for j in np.flatnonzero(~np.isnan(s[:, i]))}
        unscored = sorted(set(counts) - scored)
        if unscored:
            asked = {q for v, t, q in zip(videos, texts, prims, strict=True) if feat.asked(v, t)}
            never = [p for p in unscored if p not in asked]
            why = [f"never asked {_listed(never)}"] if never else []
            why += [f"failed every sample of {_listed(sorted(asked & set(unscored)))}"] if asked & set(unscored) else []
            log.warning(
                "fusion input %r in %s scores %d of the %d primitives trained on (%s); its samples of %s are "
                "trained on as its failures (fusion.json input_samples: %d ok, %d failed, %d with no record)",
                feat.name,
                feat.run.folder,
                len(scored),
                len(counts),
                "; ".join(why),
                "those" if len(unscored) > 1 else "that primitive",
                input_samples[feat.name]["ok"],
                input_samples[feat.name]["failed"],
                input_samples[feat.name]["no_record"],
            )
    one_class = sorted(p for p, c in counts.items() if c["positives"] in (0, c["samples"]))
    if one_class:
        log.warning(
            "fusion: %d of %d primitives have training labels of one class only (e.g. %s: %d of %d positive): "
            "the shared stack is fitted on them with the others, but their labels alone could not rank anything",
            len(one_class),
            len(counts),
            one_class[0],
            counts[one_class[0]]["positives"],
            counts[one_class[0]]["samples"],
        )
    # one clip under two names (a linked or copied file) in two folds: the stack of one fold saw its labels
    same_clip = same_file_keys({v: ds.video_path(v) for v in set(videos)})
    clip = clip_names(videos, same_clip)
    n_videos = len(set(clip.values()))
    if n_videos < 2:
        left = (
            f" ({n_blank} labelled samples no input scored are left out: the inputs scored samples of "
            f"{len(set(videos))} of the {n_labelled_videos} labelled videos; run them on the others)"
            if n_blank
            else ""
        )
        names = (
            f" (its {len(set(videos))} names are one clip: links or copies of one file)" if len(set(videos)) > 1 else ""
        )
        raise CameraBenchError(
            f"{data_dir}: binary labels of {n_videos} video only{names}{left}; fusion is cross-fitted over video "
            "folds and needs at least 2 videos"
        )
    if n_videos < len(clip):
        linked = next(v for v in sorted(clip) if clip[v] != v)
        log.warning(
            "fusion: %d of the %d labelled videos are another video's file under another name (e.g. %s is %s): "
            "each clip's names are kept in one fold",
            len(clip) - n_videos,
            len(clip),
            linked,
            clip[linked],
        )
    make_folder(out_dir)  # a file in the way or a read-only location stops here, before the fits
    if n_splits > n_videos:
        log.warning(
            "fusion: %d folds asked (--folds) but the labels are of %d videos: using %d folds (one video each)",
            n_splits,
            n_videos,
            n_videos,
        )
    folds = video_folds(videos, n_splits, same_clip)
    y = np.array(labels, dtype=bool)
    fold = np.array([folds[v] for v in videos])
    clips = [clip[v] for v in videos]  # the inner model choice splits by clip too
    per_fold: dict[int, SharedStack] = {}
    for f in sorted(set(folds.values())):
        tr = np.flatnonzero(fold != f)
        per_fold[f] = fit_shared_stack([prims[i] for i in tr], s[tr], y[tr], [clips[i] for i in tr], inner_repeats)
    constant = sorted(f for f, stack in per_fold.items() if stack.kind == "constant")
    if constant:
        log.warning(
            "fusion: %d of %d folds have training videos whose labels are of one class only (e.g. fold %d): "
            "each of their held-out videos gets the same constant P(yes) (the smoothed prevalence), tied",
            len(constant),
            len(per_fold),
            constant[0],
        )
    confined = sorted(
        (prim, f)
        for f, stack in per_fold.items()
        if stack.kind != "constant"
        for prim in counts
        if prim not in stack.primitives
    )
    if confined:
        log.warning(
            "fusion: %d primitives have every training label in one fold's videos (e.g. %s, fold %d): the model "
            "of that fold never saw them, so those videos get no held-out score for them (recorded as failed on "
            "this dataset)",
            len({p for p, _ in confined}),
            confined[0][0],
            confined[0][1],
        )
    model = FusionModel(
        inputs=list(inputs),
        trained_on_data=str(Path(data_dir).resolve()),
        trained_on_run=str(Path(run_dir).resolve()),
        video_folds=folds,
        video_files={v: same_clip[v] for v in folds},
        video_prints=content_prints({v: ds.video_path(v) for v in folds}),
        video_labels=label_digests(ds.binary.values()),
        primitives=counts,
        input_samples=input_samples,
        samples_all_inputs_failed=n_blank,
        full=fit_shared_stack(prims, s, y, clips, inner_repeats),
        folds=per_fold,
    )
    return FusionTrainResult(model.save(out_dir), model)


# --------------------------------------------------------------------------- the predictor


@dataclass(frozen=True)
class FusionOptions(MethodOptions):
    """Options of ``fusion``."""

    model: str | None = option(None, "trained fusion folder (camerabench train --method fusion)", required=True)
    inputs_run: str | None = option(
        None, "run folder holding the inputs' method folders (default: predict's --out)", required=True
    )

    def validate(self, method: str) -> None:
        """The model file must be readable before any video is touched."""
        FusionModel.load(str(self.model))


#: Why fusion answers no question outside the 15 primitives, whatever its model: it is trained on
#: binary labels, which are of primitives only.
NOT_A_PRIMITIVE_REASON = (
    "fusion answers only primitive questions (not one of the 15 primitives: it is trained on their binary labels)"
)


def _untrained_reason(model_file: Path, primitives: Sequence[str], primitive: str | None) -> str:
    """Why fusion does not answer a question: a primitive (or question) it was not trained on."""
    what = f"primitive {primitive}" if primitive is not None else "this question (not one of the 15 primitives)"
    return f"the fusion model {model_file} was not trained on {what}; it scores {', '.join(sorted(primitives))}"


def _unrun_reason(unrun: Sequence[str], video: str, inputs_run: str) -> str:
    """Why fusion does not score a video some of its inputs (``unrun``) have no record of."""
    inputs = f"input{'s' if len(unrun) > 1 else ''} {', '.join(unrun)} {'have' if len(unrun) > 1 else 'has'}"
    return (
        f"fusion {inputs} no record of {video} in {inputs_run} (never ran on it: an incomplete run, not a failure "
        "of the input; no score is made without it): complete the input's run (predict --resume), then "
        "`predict --method fusion --resume --retry-failed` fuses it"
    )


def _unasked_reason(inputs: Sequence[InputFeatures], video: str, inputs_run: str) -> str:
    """Why fusion does not answer a question none of its inputs has a record of on ``video``."""
    return (
        f"no fusion input has a record of this question on {video} in {inputs_run} "
        f"({', '.join(i.name for i in inputs)}): nothing to combine; run the inputs on it first "
        "(predict --resume)"
    )


class FusionPredictor(Predictor):
    """One shared stacked logistic regression over other methods' scores (see the module doc).

    Its kind is ``fusion``: it estimates no trajectory (not geometric) and reads no pixels (not
    semantic), so reports keep it apart from both.
    """

    name: ClassVar[str] = "fusion"
    kind: ClassVar[MethodKind] = "fusion"
    Options: ClassVar[type[MethodOptions]] = FusionOptions

    def __init__(self, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        # every input's scores must be there before a run starts (not a failure in every worker's setup)
        model = FusionModel.load(str(self.opt("model")))
        for name in model.inputs:  # there, and no running job writing them
            InputFeatures.folder(str(self.opt("inputs_run")), name)
        self._input_names: tuple[str, ...] = tuple(model.inputs)
        #: the primitives the model scores, fixed by its file (:meth:`unanswerable`)
        self.trained_primitives: frozenset[str] = frozenset(model.primitives)
        self._model: FusionModel | None = None
        self._inputs: list[InputFeatures] = []
        self._checked: set[str] = set()  # dataset folders the inputs were checked against
        self._held: dict[str, set[str]] = {}  # dataset folder -> its videos that get their fold's model

    @classmethod
    def never_answers(cls, questions: list[Question]) -> dict[str, str]:
        """Questions that name no primitive (VQA, retrieval): no fusion model answers them, as it is
        trained on binary labels. What one model answers is narrower (:meth:`unanswerable`, which
        the runner asks where it has the predictor, its options and so its model file)."""
        return {q.text: NOT_A_PRIMITIVE_REASON for q in questions if q.primitive is None}

    def unanswerable(self, questions: list[Question]) -> dict[str, str]:
        """The questions of ``questions`` this predictor's model can answer on no video: those of
        :meth:`never_answers`, and those of a primitive the model file was not trained on (it has
        no training label of it). Question text -> why, as :attr:`VideoResult.unanswerable`
        gives it; cheap (the model file was read at construction) and never raises."""
        trained = sorted(self.trained_primitives)
        return {
            q.text: _untrained_reason(self._model_file, trained, prim)
            for q in questions
            if (prim := q.primitive.value if q.primitive is not None else None) not in self.trained_primitives
        }

    def settings(self) -> dict[str, Any]:
        """The options and ``model_sha256``, the digest of the model file's content (its training
        time aside): ``--resume`` refuses a run whose scores came from another model in the same
        folder (retrained on other inputs or folds), and resumes one whose model was trained again
        on the same data (the notebooks rerun into one folder). ``inputs_sha256`` holds each input's
        :func:`input_scores_sha256` (which scores.jsonl the run started from; a run recorded without
        per-video digests is refused ``--resume`` when one changed since, see
        :meth:`check_resume_inputs`), and ``inputs_unfinished`` the inputs whose predict run did not
        finish (interrupted): the videos they did not record were scored from the other inputs."""
        out = self.options.to_dict()
        out["model_sha256"] = model_digest(str(self.opt("model")))
        folders = {name: InputFeatures.folder(str(self.opt("inputs_run")), name) for name in self._input_names}
        out["inputs_sha256"] = {name: input_scores_sha256(f) for name, f in folders.items()}
        out["inputs_unfinished"] = sorted(name for name, f in folders.items() if _unfinished_input(f))
        return out

    def check_resume_inputs(self, info_path: Path, video_info: Mapping[str, Mapping[str, Any]]) -> bool:
        """Refuse to resume the fusion run of ``info_path`` whose fused videos rest on an input record
        that changed or vanished since: each video's records of each input, as recorded then
        (``video_info[video]["inputs_sha256"]``, :data:`INPUTS_SHA256_KEY`), against the input's
        records of it now. An input that gained videos (predict run on more of them) is no change: the
        resume fuses the videos not fused yet. An input that had no records of a fused video then (an
        unfinished input: the video was fused from the others alone) and has some now is a change.

        Args:
            info_path: the fusion run's run.json (named in the refusal).
            video_info: its ``video_info``.

        Returns:
            True for the answering pass's run file (answer_run.json: fusion answers no
            multiple-choice row, so none rests on an input record). Else whether every fused
            video has per-video digests (those recorded are checked here);
            False for a run.json of an older camerabench, or one a resume added digested videos to
            beside videos an older camerabench fused: the settings ``inputs_sha256`` (whole-file
            digests) vouch for those, and the runner compares them.

        Raises:
            CameraBenchError: naming each video and input whose records changed or vanished.
            FileFormatError: a recorded digest is not an input -> digest mapping of the model's
                inputs (naming the video).
        """
        if type(self).answer is Predictor.answer and read_run_info(info_path).command == "answer":
            # the answering pass: fusion answers no multiple-choice row, so no record of it rests on an
            # input, and an input completed since (its scores.jsonl digest changed) refused its resume
            return True
        self._warn_unrun_since(video_info)
        recorded = {v: d[INPUTS_SHA256_KEY] for v, d in video_info.items() if INPUTS_SHA256_KEY in d}
        if not recorded:
            return False
        # videos fused by an older camerabench (every fused video's details have "cross_fitted"), kept by a
        # resume: only the whole-file digests vouch for their input records, which the runner compares when
        # this returns False (it was accepted, and their records kept beside ones from changed inputs)
        undigested = any(INPUTS_SHA256_KEY not in d and "cross_fitted" in d for d in video_info.values())
        run_dir = str(self.opt("inputs_run"))
        inputs: dict[str, InputFeatures] = {}
        changed: list[str] = []
        for video, then in sorted(recorded.items()):
            if not isinstance(then, Mapping) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in then.items()
            ):
                raise FileFormatError(
                    info_path,
                    f"video_info[{video!r}].{INPUTS_SHA256_KEY}: expected input -> SHA-256 (or null), got {then!r}",
                )
            if set(then) != set(self._input_names):
                self._refuse_other_model(info_path, sorted(then))
                # the same model: an input left unchecked (a hand-edited run.json)
                raise FileFormatError(
                    info_path,
                    f"video_info[{video!r}].{INPUTS_SHA256_KEY}: names the inputs {', '.join(sorted(then)) or 'none'}, "
                    f"not the model's {', '.join(sorted(self._input_names))}",
                )
            for name, digest in sorted(then.items()):
                if name not in inputs:
                    inputs[name] = InputFeatures.read(run_dir, name, warn_unfinished=False)
                now = inputs[name].records_sha256(video)
                if now != digest:
                    why = (
                        "its records vanished"
                        if now is None
                        else "it has records now; the video was fused without them"
                        if digest is None
                        else "records changed"
                    )
                    changed.append(f"{video} ({name}: {why})")
        if changed:
            raise CameraBenchError(
                f"{info_path}: cannot --resume: {len(changed)} fused video(s) rest on input records that changed since "
                f"they were fused: {'; '.join(changed[:10])}{' ...' if len(changed) > 10 else ''}; the records "
                "already made would be kept beside ones from the new input records: use a new --out for a run on "
                "the inputs as they are now"
            )
        return not undigested

    def _refuse_other_model(self, info_path: Path, inputs: Sequence[str]) -> None:
        """Refuse to resume the run of ``info_path``, whose fused videos name the inputs ``inputs``
        (not this model's), when it was made with another fusion model (another ``model_sha256`` in
        its settings, or none): said plainly, naming both models and their inputs (it read as a
        corrupt run.json). Returns when the run records this model (a hand-edited run.json).

        Raises:
            CameraBenchError: the run was made with another fusion model.
        """
        settings = read_run_info(info_path).settings
        now = model_digest(str(self.opt("model")))
        if settings.get("model_sha256") == now:
            return
        then = settings.get("model", "(not recorded)")
        raise CameraBenchError(
            f"{info_path}: cannot --resume: the run was made with another fusion model ({then}, of the inputs "
            f"{', '.join(inputs) or 'none'}) than {self.opt('model')} (of the inputs {', '.join(self._input_names)}); "
            f"its scores would be kept beside this model's: resume it with --model {then}, or choose another --out "
            "for a run of this model"
        )

    def _warn_unrun_since(self, video_info: Mapping[str, Mapping[str, Any]]) -> None:
        """Warn on ``--resume`` of the videos recorded failed because an input had no record of them
        (``video_info[video]["inputs_unrun"]`` without ``inputs_sha256``: not fused) that every such
        input has records of now: a plain resume keeps failures; ``--retry-failed`` fuses them."""
        run_dir = str(self.opt("inputs_run"))
        inputs: dict[str, InputFeatures] = {}
        ready: list[str] = []
        for video, details in sorted(video_info.items()):
            unrun = details.get("inputs_unrun")
            if INPUTS_SHA256_KEY in details or not isinstance(unrun, list):
                continue
            names = [n for n in unrun if isinstance(n, str) and n in self._input_names]
            for name in names:
                if name not in inputs:
                    inputs[name] = InputFeatures.read(run_dir, name, warn_unfinished=False)
            if names and all(inputs[n].has_record(video) for n in names):
                ready.append(video)
        if ready:
            log.warning(
                "fusion: %d video(s) of this run were recorded failed because an input had no record of them (%s), "
                "and their inputs have records of them now: --retry-failed fuses them (a --resume without it keeps "
                "them failed)",
                len(ready),
                _listed(ready),
            )

    def setup(self) -> None:
        self._model = FusionModel.load(str(self.opt("model")))
        # an unfinished input was warned of once, before the run (check_videos), not by every worker
        run_dir = str(self.opt("inputs_run"))
        self._inputs = [InputFeatures.read(run_dir, name, warn_unfinished=False) for name in self._model.inputs]

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        if self._model is None:
            self.setup()
        model = self._model
        assert model is not None
        video, data_dir = dataset_video_name(Path(video_path))
        if data_dir is not None and str(data_dir) not in self._checked:
            for feat in self._inputs:
                feat.check_dataset(data_dir)
            self._checked.add(str(data_dir))
        cross_fit = self._cross_fit(model, video, data_dir)
        # a training clip under another name (a link): the full model saw its labels
        as_clip = None if cross_fit else self._training_clip(model, video, Path(video_path))
        cross_fit = cross_fit or as_clip is not None
        stack = model.stack(as_clip or video, cross_fit)
        scores: dict[str, float] = {}
        unanswerable: dict[str, str] = {}
        no_held_out: list[str] = []
        all_failed: dict[str, str] = {}  # question -> every input's reason (no score: nothing to combine)
        failed_on: dict[str, list[str]] = {}  # input -> scored questions it has no score of
        failed_inputs = [i.name for i in self._inputs if all(i.score(video, q.text) is None for q in questions)]
        unrun = [i.name for i in self._inputs if not i.has_record(video)]
        # an input that never ran on the video (its run incomplete) did not fail it: the stand-in for a
        # failed input would make a score up without it; the video is a failure of fusion naming it
        not_fused: dict[str, str] = {}
        for q in questions:
            prim = q.primitive.value if q.primitive is not None else None
            if prim is None or prim not in model.primitives:
                # an input's raw score is on another scale than P(yes): not fusion's answer
                unanswerable[q.text] = _untrained_reason(self._model_file, list(model.primitives), prim)
                continue
            if len(unrun) == len(self._inputs):  # its score would be the model's guess for "all failed"
                raise PredictionError(
                    f"no fusion input has a record of {video} in {self.opt('inputs_run')} "
                    f"({', '.join(unrun)}): run them on this video first"
                )
            if unrun:
                not_fused[q.text] = _unrun_reason(unrun, video, str(self.opt("inputs_run")))
                continue
            if not any(i.asked(video, q.text) for i in self._inputs):
                # no input was asked it (a question added after they ran): not "every input failed",
                # which is what a score of all-NaN features would stand for
                unanswerable[q.text] = _unasked_reason(self._inputs, video, str(self.opt("inputs_run")))
                continue
            if stack.kind != "constant" and prim not in stack.primitives:
                # every training label of prim is in this video's fold: its held-out model never saw
                # prim, and the full model saw this video's label (recorded failed by the runner)
                no_held_out.append(prim)
                continue
            why = [r for i in self._inputs if (r := i.failure(video, q.text)) is not None]
            if len(why) == len(self._inputs):
                # nothing to combine: the stack's value for "every input failed" is the same for every
                # such clip of the primitive, a default score, not a measurement of this clip
                all_failed[q.text] = "; ".join(why)
                continue
            for i in self._inputs:
                if i.score(video, q.text) is None:  # scored from the other inputs: say which one it lacked
                    failed_on.setdefault(i.name, []).append(q.text)
            scores[q.text] = stack.probability(prim, _scores(self._inputs, video, q.text))
        if not_fused:  # no input record is used: nothing for a --resume to check (no inputs_sha256)
            return VideoResult(scores={}, unanswerable=unanswerable, failed=not_fused, info={"inputs_unrun": unrun})
        if not scores and (all_failed or not (unanswerable or no_held_out)):
            detail = "; ".join(sorted(set(all_failed.values()))) or ", ".join(failed_inputs)
            raise PredictionError(f"every fusion input failed on {video}: {detail}"[:2000])
        info: dict[str, Any] = {"cross_fitted": cross_fit, "inputs_failed": failed_inputs}
        # the records each input gave this video, as this worker read them (not the scores.jsonl digest of
        # the settings, taken before the run): --resume refuses a run one of them changed in since
        # (None for an input with no record of it: an unfinished input, whose records arriving later are a change)
        info[INPUTS_SHA256_KEY] = {i.name: i.records_sha256(video) for i in self._inputs}
        if as_clip is not None:
            info["training_clip"] = as_clip
        if failed_on:
            info["inputs_failed_on"] = {k: sorted(v) for k, v in sorted(failed_on.items())}
        if all_failed:
            info["all_inputs_failed"] = dict(sorted(all_failed.items()))
        if unrun:
            info["inputs_unrun"] = unrun
        if no_held_out:
            info["no_held_out_model"] = sorted(no_held_out)
            log.warning(
                "fusion: %s is a training video of %s and the model of its fold saw no sample of %s (every "
                "training label of it is in this fold): no held-out score, recorded as failed",
                video,
                self._model_file,
                ", ".join(sorted(no_held_out)),
            )
        return VideoResult(scores=scores, unanswerable=unanswerable, info=info)

    @property
    def _model_file(self) -> Path:
        return Path(str(self.opt("model"))) / FUSION_FILE

    def check_videos(self, videos: Mapping[str, Path]) -> None:
        """Warn, before a run, about the dataset's questions the model was not trained on (they get
        no fusion score); refuse a dataset none of whose questions is a trained primitive.

        Raises:
            CameraBenchError: no question of the dataset is a primitive the model was trained on
                (the message names the model file, what it was trained on and what is asked).
        """
        model = FusionModel.load(str(self.opt("model")))
        for name in model.inputs:  # once, before the run: its workers read the inputs without a word
            folder = InputFeatures.folder(str(self.opt("inputs_run")), name)
            if _unfinished_input(folder):
                read_method(folder.path, {"predict": UNRECORDED_BY_FUSION})
        if not videos:
            return
        data_dir = dataset_video_name(Path(next(iter(videos.values()))))[1]
        if data_dir is None:
            return
        for name in model.inputs:  # else every video of the run is a failure with this one reason
            folder = InputFeatures.folder(str(self.opt("inputs_run")), name)
            info = read_run_info(folder.run_info) if folder.run_info.is_file() else None
            _refuse_fusion_run(name, folder.path, info, info.method if info is not None else None)
            _check_input_dataset(name, folder.path, info, data_dir)
        untrained: dict[str, int] = {}  # primitive stem ("" for other questions) -> (video, question) pairs
        trained = 0
        to_fuse: set[str] = set()  # the videos asked a trained primitive
        for video, questions in Dataset(data_dir).questions().items():
            if video not in videos:
                continue
            for q in questions:
                prim = q.primitive.value if q.primitive is not None else None
                if prim is not None and prim in model.primitives:
                    trained += 1
                    to_fuse.add(video)
                else:
                    untrained[prim or ""] = untrained.get(prim or "", 0) + 1
        if trained:
            self._warn_unrun(model, to_fuse)
        if not untrained:
            return
        prims = sorted(p for p in untrained if p)
        parts = [f"primitives {', '.join(prims)}"] if prims else []
        if "" in untrained:
            parts.append(f"{untrained['']} (video, question) pairs that are not one of the 15 primitives")
        what = ", ".join(parts)
        if not trained:
            raise CameraBenchError(
                f"{self._model_file}: the fusion model was trained on {', '.join(sorted(model.primitives))} only, and "
                f"{data_dir} asks none of them ({what}): fusion has nothing to score there; train it on labels "
                "of those primitives"
            )
        log.warning(
            "%s: the fusion model was not trained on %s of %s: those %d (video, question) pairs get no fusion "
            "score (outside its coverage; never an input's raw score); train it on labels of them to score them",
            self._model_file,
            what,
            data_dir,
            sum(untrained.values()),
        )

    def _warn_unrun(self, model: FusionModel, videos: set[str]) -> None:
        """Warn, before a run, of each input that has no record of some of ``videos`` (the videos to
        fuse): its run did not reach them (interrupted, or run on part of the dataset). Such a video
        is no failure of the input, and fusion makes no score without it: each is recorded as a
        failed video of the fusion run, naming the input (:func:`_unrun_reason`)."""
        run_dir = str(self.opt("inputs_run"))
        for name in model.inputs:
            feat = InputFeatures.read(run_dir, name, warn_unfinished=False)
            unrun = sorted(v for v in videos if not feat.has_record(v))
            if not unrun:
                continue
            log.warning(
                "fusion input %r in %s has no record of %d of the %d videos to fuse (%s): it never ran on them (an "
                "incomplete run), so fusion scores none of them: each is recorded as a failed video of the fusion "
                "run with that reason (no score is made without the input); `camerabench predict --method %s "
                "--out %s --resume` completes the input's run, then `predict --method fusion --resume "
                "--retry-failed` fuses them",
                name,
                feat.run.folder,
                len(unrun),
                len(videos),
                _listed(unrun),
                name,
                run_dir,
            )

    def _training_clip(self, model: FusionModel, video: str, video_path: Path) -> str | None:
        """The training video whose file ``video_path`` is (a link to a clip the model was trained
        on, under another name or on another dataset; :func:`~camerabench.crossfit.training_files`),
        or whose clip it is by content under another name (a copy;
        :func:`~camerabench.crossfit.training_prints`), or None. Model files without ``video_files``
        and ``video_prints`` (older) cannot tell: None."""
        clip = (
            training_files(model.video_files, same_file_keys({video: video_path})).get(video)
            if model.video_files
            else None
        )
        if clip is None and model.video_prints:  # a copy of a training clip under another name
            clip = training_prints(model.video_prints, content_prints({video: video_path})).get(video)
        if clip is not None:
            log.warning(
                "fusion: %s (%s) is the file of %s, a training video of %s (a link or a copy): it gets the model of "
                "the fold that left %s out, never the model that saw its labels",
                video,
                video_path,
                clip,
                self._model_file,
                clip,
            )
        return clip

    def _clip_prints(self, model: FusionModel, videos_dir: Path) -> dict[str, str]:
        """Training video -> the fingerprint of the clip its inputs' scores are of: the file an input's
        run.json recorded when it scored the video (the one the model recorded, when any input scored
        that clip), else the file in ``videos_dir`` now (:func:`~camerabench.crossfit.scored_prints`: the file
        now, with its coded frames, where it still has the recorded bytes)."""
        wanted = [v for v in model.video_folds if v in model.video_prints]
        recorded: dict[str, set[str]] = {}
        for feat in self._inputs:
            info = feat.run.info
            for v, value in (info.video_sha256 if info is not None else {}).items():
                recorded.setdefault(v, set()).add(value)
        chosen: dict[str, str] = {}
        for v in wanted:
            if v in recorded:
                fitted = [r for r in sorted(recorded[v]) if same_print(r, model.video_prints[v])]
                chosen[v] = fitted[0] if fitted else min(recorded[v])
        return scored_prints(chosen, {v: videos_dir / v for v in wanted})

    def _cross_fit(self, model: FusionModel, video: str, data_dir: Path | None) -> bool:
        """Whether ``video`` gets its fold's model: a training video, on the training dataset or
        on a moved or copied one (:func:`~camerabench.crossfit.held_out_videos`)."""
        key = str(data_dir) if data_dir is not None else ""
        if key not in self._held:
            same = data_dir is not None and str(data_dir.resolve()) == model.trained_on_data
            digests: dict[str, str] = {}
            prints: dict[str, str] = {}
            present: set[str] = set()
            if data_dir is not None and same and model.video_prints:
                # the training dataset's folder regenerated in place keeps names and labels, not clips
                prints = self._clip_prints(model, Path(data_dir) / "videos")
            if data_dir is not None and not same and model.video_folds:
                try:
                    digests = label_digests(Dataset(data_dir).binary.values())
                except CameraBenchError as exc:
                    # the runner read the dataset's questions before predicting, so this is a dataset changed
                    # since: it is scored as another dataset (by the full model), which is wrong only for a copy
                    # of the training dataset, whose training videos then get the model that saw their labels
                    log.warning(
                        "fusion: the binary labels of %s cannot be read (%s): its videos cannot be recognised as the "
                        "training videos of %s by their labels, so each gets the full model (if %s is a copy of %s, "
                        "the scores of its training videos are not held out)",
                        data_dir,
                        exc,
                        self._model_file,
                        data_dir,
                        model.trained_on_data,
                    )
                videos_dir = Path(data_dir) / "videos"
                # the training videos this dataset holds (a labelled name, or a file): those the warning counts
                present = {v for v in model.video_folds if v in digests or (videos_dir / v).exists()}
                if digests and model.video_labels and model.video_prints:
                    prints = self._clip_prints(model, videos_dir)
            self._held[key] = held_out_videos(
                model.video_folds, model.video_labels, same, digests, model.video_prints, prints
            )
            regenerated = sorted(set(model.video_folds) - self._held[key]) if same else []
            if regenerated:
                log.warning(
                    "fusion: %d videos of %s, the dataset %s was trained on, are other clips than those trained on "
                    "(their files changed since, e.g. %s: the folder regenerated in place): they get the full "
                    "model, which never saw their labels",
                    len(regenerated),
                    data_dir,
                    self._model_file,
                    regenerated[0],
                )
            here = self._held[key] & present  # the training videos this dataset holds (not those it lacks)
            if here and not same:
                unprinted = len({v for v in here if v not in model.video_prints or v not in prints})
                log.warning(
                    "fusion: %d videos of %s are videos the model was trained on (on %s; same names and labels: a "
                    "moved or copied dataset%s): each gets the model of the fold that left it out, never the model "
                    "that saw its labels",
                    len(here),
                    data_dir,
                    model.trained_on_data,
                    "; their files have the contents fitted on"
                    if not unprinted
                    else f"; {unprinted} of them matched by name and labels only, without comparing their files ("
                    + (
                        "the model file records no content fingerprints: train it again to match by content"
                        if not model.video_prints
                        else "a file not fingerprinted then or unreadable now"
                    )
                    + ")",
                )
            elif not same and not model.video_labels and set(digests) & set(model.video_folds):
                log.warning(
                    "fusion: %s holds videos named as the model's training videos (on %s), and the model file is "
                    "too old to tell by their labels whether they are those videos: they get the full model; "
                    "train it again to have held-out scores for them",
                    data_dir,
                    model.trained_on_data,
                )
        return video in self._held[key]
