"""``fusion``: a per-primitive stacked classifier over other methods' scores and motion features.

Geometric methods fail on some shots (low parallax, low texture, forward motion, dolly zooms)
and semantic ones on others; a method that knows *when* each input is reliable can take the
better one per shot. For each of the 15 primitives, ``fusion`` is a logistic regression
(scikit-learn, L2 with ``C`` = 1, scikit-learn's default, on standardised features) whose
features, per input method, are:

- ``score``: the input's score for the primitive, as ``asinh(s / m)`` with ``m`` the median
  absolute score of that input and primitive on the training videos. Geometric scores are
  magnitudes with heavy tails (a broken COLMAP scale gives hundreds of scene depths); asinh is
  linear near 0 and logarithmic in the tails. The logistic layer on this feature *is* a Platt
  calibration of the input (a sigmoid of an affine function of its score), learnt inside each
  training fold; a ``calibration.json`` fitted on the same labels is not used, since it has
  seen every training video and would leak their labels into the stack.
- ``failed``: 1 when the input failed on the video or has no record for it (its score is then
  0): a failure is a feature, never a crash.
- from the input's trajectory, when it saved one: ``zero_translation`` (the estimate has no
  translation: a rotation-only or zoom-only explanation of the frames), ``rotation_deg``
  (angle between the first and last camera orientation), ``translation_depths`` (first-to-last
  camera displacement in scene depths, 0 when the depth is unknown) and ``abs_log_zoom``
  (|log| of the last-to-first focal ratio, 0 without intrinsics), each through asinh.

Training (:func:`train_fusion`) uses video-level cross-fitting: the videos are split into
folds (scikit-learn ``GroupKFold``, one group per video, the same folds for every primitive);
the model folder keeps, besides the model fitted on every video, the model fitted without
each fold. Predicting on the training dataset (same resolved folder) gives each training
video the model that never saw it, so evaluating those predictions measures held-out
performance; on other data the full model is used. A primitive whose training labels have one
class only gets its Laplace-smoothed prevalence (positives + 1) / (n + 2).

The model folder holds one JSON file (:data:`FUSION_FILE`): inputs, feature names, per
primitive and fold the scaler and coefficients, the training data and run folders. No pickle.

Predicting (``predict --method fusion --model DIR --data D --out RUN``) reads the inputs'
scores from ``RUN/<input>/`` (the ``inputs_run`` option, by default predict's ``--out``): run
the inputs first. Questions that are not one of the 15 primitives get the score of the first
input (in ``inputs`` order) that answered them, unchanged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from camerabench.baselines.base import MethodKind, Predictor, VideoResult
from camerabench.baselines.options import MethodOptions, option
from camerabench.dataset import Dataset, Question
from camerabench.errors import CameraBenchError, FileFormatError, PredictionError
from camerabench.fileio import read_json, write_json
from camerabench.records import ScoreRecord, now_iso
from camerabench.runfolder import MethodFolder, MethodRun, read_method
from camerabench.trajectory_formats import load_npz

__all__ = [
    "FUSION_FILE",
    "FusionModel",
    "FusionOptions",
    "FusionPredictor",
    "InputFeatures",
    "feature_names",
    "train_fusion",
]

log = logging.getLogger(__name__)

FUSION_FILE = "fusion.json"
FUSION_SCHEMA_VERSION = 1
#: Video-level folds: scikit-learn's default number for cross-validation.
DEFAULT_N_SPLITS = 5
#: Inverse L2 strength of the stacked logistic regression: scikit-learn's default.
DEFAULT_C = 1.0
#: Per-input features besides the score, from its trajectory.
_TRAJ_FEATURES = ("zero_translation", "rotation_deg", "translation_depths", "abs_log_zoom")


def feature_names(inputs: Sequence[str], with_trajectory: Mapping[str, bool]) -> list[str]:
    """``<input>.<feature>`` in the order of the feature vector.

    Example:
        >>> feature_names(["fast", "qwen-vl"], {"fast": True, "qwen-vl": False})[:3]
        ['fast.score', 'fast.failed', 'fast.zero_translation']
    """
    out: list[str] = []
    for name in inputs:
        out += [f"{name}.score", f"{name}.failed"]
        if with_trajectory.get(name):
            out += [f"{name}.{f}" for f in _TRAJ_FEATURES]
    return out


# --------------------------------------------------------------------------- per-video input features


def _trajectory_features(path: Path) -> tuple[float, ...] | None:
    """(zero_translation, rotation_deg, translation_depths, abs_log_zoom) of a saved trajectory."""
    if not path.is_file():
        return None
    try:
        traj = load_npz(path)
    except FileFormatError as exc:
        log.warning("%s: unreadable trajectory, used as missing: %s", path, exc)
        return None
    c2w = traj.cam_c2w
    r_rel = c2w[0, :3, :3].T @ c2w[-1, :3, :3]
    angle = math.degrees(math.acos(float(np.clip((np.trace(r_rel) - 1) / 2, -1, 1))))
    t = c2w[-1, :3, 3] - c2w[0, :3, 3]
    zero_t = float(np.abs(c2w[:, :3, 3] - c2w[0, :3, 3]).max() == 0.0)
    depth = traj.meta.get("scene_depth")
    trans = float(np.linalg.norm(t) / depth) if depth else 0.0
    zoom = 0.0
    if traj.intrinsic is not None:
        f0, f1 = float(traj.intrinsic[0, 0, 0]), float(traj.intrinsic[-1, 0, 0])
        zoom = abs(math.log(f1 / f0)) if f0 > 0 and f1 > 0 else 0.0
    return zero_t, angle, trans, zoom


@dataclass
class InputFeatures:
    """One input method's outputs, read from its method folder.

    Attributes:
        name: the input's method folder name.
        run: its scores (and run.json).
        with_trajectory: whether it saved trajectories (then the trajectory features are used).
    """

    name: str
    run: MethodRun
    with_trajectory: bool
    _traj_cache: dict[str, tuple[float, ...] | None] = field(default_factory=dict)

    @classmethod
    def read(cls, run_dir: str | Path, name: str) -> InputFeatures:
        """The input ``name`` of run folder ``run_dir``.

        Raises:
            CameraBenchError: it has no scores there (the message says how to make them).
        """
        folder = MethodFolder.of(run_dir, name)
        if not folder.scores.is_file():
            raise CameraBenchError(
                f"fusion input {name!r} has no scores in {folder.path}: run "
                f"`camerabench predict --method {name} --data DATA --out {run_dir}` first"
            )
        run = read_method(folder.path)
        return cls(name, run, run.has_trajectories)

    def score(self, video: str, question: str) -> float | None:
        """The input's score, or None when it failed or has no record."""
        rec: ScoreRecord | None = (self.run.scores or {}).get((video, question))
        if rec is None or rec.status != "ok" or rec.score is None:
            return None
        return float(rec.score)

    def trajectory(self, video: str) -> tuple[float, ...] | None:
        if video not in self._traj_cache:
            self._traj_cache[video] = _trajectory_features(self.run.layout.trajectory(video))
        return self._traj_cache[video]


def _raw_row(inputs: Sequence[InputFeatures], video: str, question: str) -> tuple[list[float | None], list[float]]:
    """(scores per input (None = failed), the other features in feature order without the scores)."""
    scores: list[float | None] = []
    rest: list[float] = []
    for inp in inputs:
        s = inp.score(video, question)
        scores.append(s)
        rest.append(float(s is None))
        if inp.with_trajectory:
            tf = inp.trajectory(video)
            rest += [tf[0], *(math.asinh(x) for x in tf[1:])] if tf is not None else [0.0] * len(_TRAJ_FEATURES)
    return scores, rest


def _assemble(
    scores: list[float | None], rest: list[float], scales: list[float], inputs: Sequence[InputFeatures]
) -> list[float]:
    """The feature vector in :func:`feature_names` order."""
    out: list[float] = []
    k = 0
    for i, inp in enumerate(inputs):
        s = scores[i]
        out.append(math.asinh(s / scales[i]) if s is not None else 0.0)
        width = 1 + (len(_TRAJ_FEATURES) if inp.with_trajectory else 0)
        out += rest[k : k + width]
        k += width
    return out


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Stack:
    """One fitted per-primitive model (``logistic``) or a constant P (one-class training labels)."""

    kind: str
    params: dict[str, Any]

    def probability(self, scores: list[float | None], rest: list[float], inputs: Sequence[InputFeatures]) -> float:
        if self.kind == "constant":
            return float(self.params["p"])
        x = np.array(_assemble(scores, rest, self.params["score_scale"], inputs))
        z = (x - np.array(self.params["mean"])) / np.array(self.params["scale"])
        logit = float(z @ np.array(self.params["coef"]) + self.params["intercept"])
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.params}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> _Stack:
        kind = str(obj["kind"])
        keys = ("p",) if kind == "constant" else ("score_scale", "mean", "scale", "coef", "intercept")
        return cls(kind, {k: obj[k] for k in keys})


def _fit_stack(
    raw: list[tuple[list[float | None], list[float]]],
    labels: NDArray[np.bool_],
    inputs: Sequence[InputFeatures],
    c: float,
) -> _Stack:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    n, n_pos = len(labels), int(labels.sum())
    if n_pos in (0, n):
        return _Stack("constant", {"p": (n_pos + 1) / (n + 2)})
    scales = []
    for i in range(len(inputs)):
        ok = np.array([abs(v) for s, _ in raw if (v := s[i]) is not None])
        med = float(np.median(ok)) if ok.size else 0.0
        scales.append(med if med > 0 else 1.0)
    x = np.array([_assemble(s, r, scales, inputs) for s, r in raw])
    scaler = StandardScaler().fit(x)
    lr = LogisticRegression(C=c, max_iter=1000).fit(scaler.transform(x), labels.astype(int))
    return _Stack(
        "logistic",
        {
            "score_scale": scales,
            "mean": scaler.mean_.tolist(),
            "scale": scaler.scale_.tolist(),
            "coef": lr.coef_[0].tolist(),
            "intercept": float(lr.intercept_[0]),
        },
    )


def _video_folds(videos: Sequence[str], n_splits: int) -> dict[str, int]:
    """Video -> fold: ``GroupKFold`` over the sorted video names, each video its own group."""
    from sklearn.model_selection import GroupKFold

    names = sorted(set(videos))
    k = min(n_splits, len(names))
    if k < 2:
        return dict.fromkeys(names, 0)
    out: dict[str, int] = {}
    for fold, (_, test) in enumerate(GroupKFold(n_splits=k).split(names, groups=names)):
        for i in test:
            out[names[i]] = fold
    return dict(sorted(out.items()))


@dataclass
class FusionModel:
    """A trained fusion model (the content of ``DIR/fusion.json``).

    Attributes:
        inputs: input method folder names, in feature order.
        with_trajectory: input -> whether its trajectory features are used.
        features: feature names (:func:`feature_names`).
        trained_on_data: resolved dataset folder whose labels it was trained on.
        trained_on_run: resolved run folder whose inputs it was trained on.
        video_folds: training video -> fold.
        primitives: primitive stem -> {"full": model, "folds": {fold: model}, "samples", "positives"}.
        c: inverse L2 strength of the logistic regressions.
        created: when it was trained.
    """

    inputs: list[str]
    with_trajectory: dict[str, bool]
    features: list[str]
    trained_on_data: str
    trained_on_run: str
    video_folds: dict[str, int]
    primitives: dict[str, dict[str, Any]]
    c: float = DEFAULT_C
    created: str = field(default_factory=now_iso)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": FUSION_SCHEMA_VERSION,
            "method": "fusion",
            "inputs": self.inputs,
            "with_trajectory": self.with_trajectory,
            "features": self.features,
            "trained_on_data": self.trained_on_data,
            "trained_on_run": self.trained_on_run,
            "c": self.c,
            "created": self.created,
            "video_folds": self.video_folds,
            "primitives": {
                p: {
                    "samples": e["samples"],
                    "positives": e["positives"],
                    "full": e["full"].to_dict(),
                    "folds": {str(k): m.to_dict() for k, m in e["folds"].items()},
                }
                for p, e in self.primitives.items()
            },
        }

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> FusionModel:
        if obj.get("schema_version") != FUSION_SCHEMA_VERSION:
            raise ValueError(f"fusion schema_version {obj.get('schema_version')!r} is not {FUSION_SCHEMA_VERSION}")
        return cls(
            inputs=[str(x) for x in obj["inputs"]],
            with_trajectory={str(k): bool(v) for k, v in obj["with_trajectory"].items()},
            features=[str(x) for x in obj["features"]],
            trained_on_data=str(obj["trained_on_data"]),
            trained_on_run=str(obj["trained_on_run"]),
            video_folds={str(k): int(v) for k, v in obj["video_folds"].items()},
            primitives={
                p: {
                    "samples": int(e["samples"]),
                    "positives": int(e["positives"]),
                    "full": _Stack.from_dict(e["full"]),
                    "folds": {int(k): _Stack.from_dict(m) for k, m in e["folds"].items()},
                }
                for p, e in obj["primitives"].items()
            },
            c=float(obj.get("c", DEFAULT_C)),
            created=str(obj.get("created", "")),
        )

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
        try:
            return cls.from_dict(read_json(path))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FileFormatError(path, f"malformed fusion model: {exc}") from exc

    def probability(
        self, primitive: str, inputs: Sequence[InputFeatures], video: str, question: str, cross_fit: bool
    ) -> float:
        """P(yes) of one (video, primitive question); the out-of-fold model when ``cross_fit``."""
        entry = self.primitives[primitive]
        fold = self.video_folds.get(video) if cross_fit else None
        model: _Stack = entry["folds"].get(fold, entry["full"]) if fold is not None else entry["full"]
        scores, rest = _raw_row(inputs, video, question)
        return model.probability(scores, rest, inputs)


@dataclass
class FusionTrainResult:
    """What :func:`train_fusion` did: the model file and, per primitive, samples and positives."""

    path: Path
    model: FusionModel


def train_fusion(
    data_dir: str | Path,
    run_dir: str | Path,
    inputs: Sequence[str],
    out_dir: str | Path,
    n_splits: int = DEFAULT_N_SPLITS,
    c: float = DEFAULT_C,
) -> FusionTrainResult:
    """Train the per-primitive stacks on DATA's binary labels and the inputs' outputs in RUN.

    Args:
        data_dir: labelled dataset (binary labels are the training targets).
        run_dir: run folder holding ``RUN/<input>/`` for every input.
        inputs: input method folder names (at least one).
        out_dir: model folder (``fusion.json`` is written there).
        n_splits: video-level folds of the cross-fitting.
        c: inverse L2 strength of the logistic regressions.

    Raises:
        CameraBenchError: no inputs, an input without scores, or no binary labels.
    """
    if not inputs:
        raise CameraBenchError("fusion needs at least one input method (--inputs fast,colmap)")
    if len(set(inputs)) != len(inputs):
        raise CameraBenchError(f"fusion inputs repeat a method: {', '.join(inputs)}")
    ds = Dataset(data_dir)
    ds.validate()
    if not ds.binary:
        raise CameraBenchError(f"{data_dir}: no binary labels to train fusion on")
    feats = [InputFeatures.read(run_dir, name) for name in inputs]
    folds = _video_folds([r.image for recs in ds.binary.values() for r in recs], n_splits)
    primitives: dict[str, dict[str, Any]] = {}
    for prim, recs in ds.binary.items():
        videos = [r.image for r in recs]
        labels = np.array([r.label == "Yes" for r in recs], dtype=bool)
        raw = [_raw_row(feats, r.image, prim.question) for r in recs]
        fold = np.array([folds[v] for v in videos])
        per_fold = {}
        for f in sorted(set(folds.values())):
            train = np.flatnonzero(fold != f)
            per_fold[f] = _fit_stack([raw[i] for i in train], labels[train], feats, c)
        primitives[prim.value] = {
            "samples": len(labels),
            "positives": int(labels.sum()),
            "full": _fit_stack(raw, labels, feats, c),
            "folds": per_fold,
        }
    with_traj = {f.name: f.with_trajectory for f in feats}
    model = FusionModel(
        inputs=list(inputs),
        with_trajectory=with_traj,
        features=feature_names(inputs, with_traj),
        trained_on_data=str(Path(data_dir).resolve()),
        trained_on_run=str(Path(run_dir).resolve()),
        video_folds=folds,
        primitives=primitives,
        c=c,
    )
    Path(out_dir).mkdir(parents=True, exist_ok=True)
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


def _video_name(video_path: Path) -> tuple[str, Path | None]:
    """(the video's name as in the labels, the dataset folder): the path below ``videos/``."""
    parts = video_path.parts
    if "videos" in parts[:-1]:
        i = len(parts) - 1 - parts[::-1].index("videos", 1)
        return "/".join(parts[i + 1 :]), Path(*parts[:i]) if i else Path(".")
    return video_path.name, None


class FusionPredictor(Predictor):
    """Stacked per-primitive logistic regression over other methods' outputs (see the module doc).

    Its kind is ``fusion``: it estimates no trajectory (not geometric) and reads no pixels (not
    semantic), so reports keep it apart from both.
    """

    name: ClassVar[str] = "fusion"
    kind: ClassVar[MethodKind] = "fusion"
    Options: ClassVar[type[MethodOptions]] = FusionOptions

    def __init__(self, options: MethodOptions | Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        self._model: FusionModel | None = None
        self._inputs: list[InputFeatures] = []

    def setup(self) -> None:
        self._model = FusionModel.load(str(self.opt("model")))
        self._inputs = [InputFeatures.read(str(self.opt("inputs_run")), name) for name in self._model.inputs]

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        if self._model is None:
            self.setup()
        model = self._model
        assert model is not None
        video, data_dir = _video_name(Path(video_path))
        cross_fit = (
            data_dir is not None and str(data_dir.resolve()) == model.trained_on_data and video in model.video_folds
        )
        scores: dict[str, float] = {}
        unanswerable: dict[str, str] = {}
        failed_inputs = [i.name for i in self._inputs if all(i.score(video, q.text) is None for q in questions)]
        for q in questions:
            prim = q.primitive.value if q.primitive is not None else None
            if prim is not None and prim in model.primitives:
                scores[q.text] = model.probability(prim, self._inputs, video, q.text, cross_fit)
                continue
            passed = next((s for i in self._inputs if (s := i.score(video, q.text)) is not None), None)
            if passed is not None:
                scores[q.text] = passed
            elif any((i.run.scores or {}).get((video, q.text)) is not None for i in self._inputs):
                continue  # every input that answers it failed: recorded as failed by the runner
            else:
                unanswerable[q.text] = "none of the fusion's inputs answers this question"
        if not scores and not unanswerable:
            raise PredictionError(f"every input failed on {video}: {', '.join(failed_inputs)}")
        info = {"cross_fitted": cross_fit, "inputs_failed": failed_inputs}
        return VideoResult(scores=scores, unanswerable=unanswerable, info=info)
