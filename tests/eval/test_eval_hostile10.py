"""Hostile inputs on the evaluation core, tenth pass: knob tables (infinite trajectory errors,
knob values that are no booleans), trajectory errors against evo, primitives whose every sample
failed, and result documents written by a newer version or holding NaN intervals.

Trajectory errors are compared with evo's own ``main_ape`` / ``main_rpe`` (Umeyama alignment)
and with a direct numpy computation (orientation alignment, which evo does not provide); APs
with scikit-learn.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from sklearn.metrics import average_precision_score

from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.eval.knobs import clip_groups, knob_trajectory_errors
from camerabench.eval.results import read_metrics
from camerabench.eval.trajectory_error import orientation_sim3, trajectory_errors
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.synth.presets import KNOBS, preset_specs
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory
from camerabench.trajectory_formats import to_evo

# --------------------------------------------------------------------------- knob tables


def _blur_manifest(clips: str) -> dict[str, Any]:
    return {"clips": [{"video": f"{c}.mp4", "knobs": {"blur": True}} for c in clips]}


def test_knob_trajectory_means_leave_out_infinite_errors_and_count_them(caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        {"clip": "a", "status": "ok", "ape_rot_deg_rmse": 2.0},
        {"clip": "b", "status": "ok", "ape_rot_deg_rmse": math.inf},
        {"clip": "c", "status": "ok", "ape_rot_deg_rmse": -math.inf},
        {"clip": "d", "status": "ok", "ape_rot_deg_rmse": 4.0},
    ]
    with caplog.at_level(logging.WARNING):
        entry = knob_trajectory_errors(rows, _blur_manifest("abcd"))["blur"]
    # was inf with one infinite row and NaN (inf - inf) with two, with no sign
    assert entry["ape_rot_deg_rmse"] == pytest.approx(3.0)
    assert entry["ape_rot_deg_rmse_not_finite"] == 2
    assert entry["ok"] == 4 and entry["clips"] == 4
    assert "knob blur: 2 of 4 evaluated clips have an infinite ape_rot_deg_rmse (e.g. b)" in caplog.text


def test_knob_trajectory_means_of_only_infinite_errors_are_nan_not_a_number() -> None:
    rows = [{"clip": "a", "status": "ok", "ape_rot_deg_rmse": math.inf}]
    entry = knob_trajectory_errors(rows, _blur_manifest("a"))["blur"]
    assert math.isnan(entry["ape_rot_deg_rmse"]) and entry["ape_rot_deg_rmse_not_finite"] == 1


def test_knob_trajectory_means_ignore_nan_without_counting_it_as_infinite(caplog: pytest.LogCaptureFixture) -> None:
    rows = [
        {"clip": "a", "status": "ok", "ape_trans_rmse": math.nan},
        {"clip": "b", "status": "ok", "ape_trans_rmse": 1.5},
    ]
    with caplog.at_level(logging.WARNING):
        entry = knob_trajectory_errors(rows, _blur_manifest("ab"), metrics=("ape_trans_rmse",))["blur"]
    assert entry == {"ape_trans_rmse": 1.5, "ape_trans_rmse_not_finite": 0, "clips": 2, "ok": 2}
    assert "infinite" not in caplog.text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.nan, "nan"), ("false", "'false'"), ("true", "'true'"), ([1], r"\[1\]"), ({}, r"\{\}"), (math.inf, "inf")],
)
def test_a_knob_value_that_is_no_boolean_is_an_error_naming_manifest_and_clip(value: Any, shown: str) -> None:
    manifest = {"clips": [{"video": "a.mp4", "knobs": {"blur": False}}, {"video": "b.mp4", "knobs": {"blur": value}}]}
    # NaN and "false" are truthy: they put b.mp4 in the blur group
    with pytest.raises(
        FileFormatError, match=rf"^manifest\.json: clips\[1\] \(video 'b\.mp4'\): knobs\['blur'\].*{shown}$"
    ):
        clip_groups(manifest)


def test_a_failure_mode_that_is_no_string_is_an_error_naming_the_clip(tmp_path: Path) -> None:
    manifest = {"clips": [{"video": "a.mp4", "failure_mode": 3}]}
    with pytest.raises(FileFormatError, match=r"data/manifest\.json: clips\[0\] \(video 'a\.mp4'\): failure_mode"):
        clip_groups(manifest, path=str(tmp_path / "data" / "manifest.json"))


def test_knob_values_as_booleans_numbers_and_null_are_read() -> None:
    manifest = {
        "clips": [
            {"video": "a.mp4", "knobs": {"blur": 1, "dark": 0}},
            {"video": "b.mp4", "knobs": {"blur": 0.0, "dark": None}},
            {"video": "c.mp4", "knobs": {"blur": np.float64(1.0), "dark": np.bool_(True)}},
        ]
    }
    assert clip_groups(manifest) == {"blur": {"a.mp4", "c.mp4"}, "dark": {"c.mp4"}, "none": {"b.mp4"}}


@pytest.mark.parametrize("preset", ["standard", "hard"])
def test_the_synthetic_generators_manifest_clips_load_into_their_failure_mode_groups(preset: str) -> None:
    specs = preset_specs(preset)
    # as camerabench.synth.generate writes them, through JSON
    clips = [
        {
            "video": f"{i:03d}.mp4",
            "failure_mode": s.failure_mode,
            "knobs": {k: bool(s.knobs.get(k, False)) for k in KNOBS},
        }
        for i, s in enumerate(specs)
    ]
    groups = clip_groups(json.loads(json.dumps({"clips": clips})))
    expected: dict[str, set[str]] = {}
    for c in clips:
        expected.setdefault(c["failure_mode"] or "none", set()).add(c["video"])
    assert groups == expected


# --------------------------------------------------------------------------- trajectory errors against evo

N = 40
TS = np.arange(N) / 10.0


def _poses(positions: np.ndarray, rotvecs: np.ndarray) -> np.ndarray:
    c2w = np.tile(np.eye(4), (len(positions), 1, 1))
    c2w[:, :3, :3] = Rotation.from_rotvec(rotvecs).as_matrix()
    c2w[:, :3, 3] = positions
    return c2w


def _noisy(gt: np.ndarray, seed: int) -> np.ndarray:
    """A similarity transform of ``gt`` with noise on positions and orientations."""
    rng = np.random.default_rng(seed)
    rot = Rotation.random(random_state=seed).as_matrix()
    out = gt.copy()
    noise = Rotation.from_rotvec(rng.normal(scale=0.02, size=(len(gt), 3))).as_matrix()
    out[:, :3, :3] = rot @ gt[:, :3, :3] @ noise
    out[:, :3, 3] = 0.4 * (gt[:, :3, 3] + rng.normal(scale=0.03, size=(len(gt), 3))) @ rot.T + rng.normal(size=3)
    return out


CURVE = _poses(
    np.c_[np.sin(np.linspace(0, 2, N)), np.linspace(0, 1, N) ** 2, np.linspace(0, 3, N)],
    np.c_[np.zeros(N), np.linspace(0, 0.5, N), np.linspace(0, 0.2, N)],
)
LINE = _poses(
    np.c_[np.zeros(N), np.zeros(N), np.linspace(0, 2, N)], np.c_[np.zeros(N), np.linspace(0, 0.3, N), np.zeros(N)]
)


def test_umeyama_errors_equal_evos_main_ape_and_rpe() -> None:
    from evo import main_ape, main_rpe
    from evo.core import metrics, sync
    from evo.core.units import Unit

    est_c2w = _noisy(CURVE, 1)
    est = Trajectory(est_c2w[::2], None, TS[::2] + 0.003)  # half the frames, slightly off in time
    ref = Trajectory(CURVE, None, TS)
    ours = trajectory_errors(est, ref)
    assert ours["alignment"] == "sim3_umeyama" and ours["matched_poses"] == N // 2
    ref_evo, est_evo = sync.associate_trajectories(to_evo(ref), to_evo(est), max_diff=0.05)
    relation = metrics.PoseRelation
    for key, run, relation_ in (
        ("ape_trans_rmse", "ape", relation.translation_part),
        ("ape_rot_deg_rmse", "ape", relation.rotation_angle_deg),
        ("rpe_trans_rmse", "rpe", relation.translation_part),
        ("rpe_rot_deg_rmse", "rpe", relation.rotation_angle_deg),
    ):
        if run == "ape":
            result = main_ape.ape(ref_evo, est_evo, relation_, align=True, correct_scale=True)
        else:
            result = main_rpe.rpe(
                ref_evo, est_evo, relation_, delta=1, delta_unit=Unit.frames, align=True, correct_scale=True
            )
        assert ours[key] == pytest.approx(result.stats["rmse"], rel=1e-9), key
        assert ours[key] > 0.0, key


def test_orientation_alignment_errors_equal_a_direct_computation() -> None:
    """evo cannot align a straight path (Umeyama is undefined): check against numpy."""
    est_c2w = _noisy(LINE, 2)
    ours = trajectory_errors(Trajectory(est_c2w, None, TS), Trajectory(LINE, None, TS))
    assert ours["alignment"] == "sim3_orientation"
    rot, trans, scale = orientation_sim3(est_c2w, LINE)
    aligned_pos = scale * est_c2w[:, :3, 3] @ rot.T + trans
    aligned_rot = rot @ est_c2w[:, :3, :3]
    ape_t = np.sqrt(np.mean(np.sum((aligned_pos - LINE[:, :3, 3]) ** 2, axis=1)))
    rel = np.einsum("nji,njk->nik", LINE[:, :3, :3], aligned_rot)  # R_ref^T R_est
    ape_r = np.sqrt(np.mean(np.degrees(Rotation.from_matrix(rel).magnitude()) ** 2))
    assert ours["ape_trans_rmse"] == pytest.approx(ape_t, rel=1e-9)
    assert ours["ape_rot_deg_rmse"] == pytest.approx(ape_r, rel=1e-9)
    assert ours["scale"] == pytest.approx(scale) and 2.0 < scale < 3.0  # the estimate was shrunk by 0.4


# --------------------------------------------------------------------------- binary results

PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
VIDEOS = [f"v{i}.mp4" for i in range(6)]
LABELS = [True, False, True, False, True, False]
PAN_SCORES = [0.9, 0.1, 0.3, 0.6, 0.8, 0.2]


def _dataset(data: Path) -> None:
    for p in (PAN, TILT):
        write_binary_file(
            data / "labels" / "binary_classification" / p.file,
            [BinaryRecord.make(v, p, y) for v, y in zip(VIDEOS, LABELS, strict=True)],
        )


def _half_failed(run: Path, name: str = "m") -> None:
    """Pan_Left scored, every Tilt_Up sample failed."""
    write_scores(
        run / name / "scores.jsonl",
        [ScoreRecord(v, PAN.question, name, s, primitive=PAN.value) for v, s in zip(VIDEOS, PAN_SCORES, strict=True)]
        + [ScoreRecord.failed(v, TILT.question, name, "boom", TILT.value) for v in VIDEOS],
    )


def test_a_primitive_whose_every_sample_failed_is_named_in_a_note_and_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _dataset(tmp_path / "data")
    _half_failed(tmp_path / "run")
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = (
            evaluate(tmp_path / "data", tmp_path / "run", n_bootstrap=0, captions_minilm=False)
            .result.methods["m"]
            .binary
        )
    assert b is not None
    # the numbers are the policy's: Tilt_Up's failures tie at the bottom, AP = prevalence, in the mean
    assert b.per_primitive["Tilt_Up"] == pytest.approx(average_precision_score(LABELS, [0.0] * 6)) == 0.5
    pan = average_precision_score(LABELS, PAN_SCORES)
    assert b.mean_ap == pytest.approx((pan + 0.5) / 2)
    # ... but were averaged in with no sign that no score made Tilt_Up's
    assert b.note is not None and "1 primitive(s) with no scored sample: Tilt_Up (6 failed, 0 missing)" in b.note
    assert "m: 1 primitive(s) with no scored sample: Tilt_Up" in caplog.text


def test_no_per_primitive_note_under_drop_or_when_every_primitive_was_scored(tmp_path: Path) -> None:
    _dataset(tmp_path / "data")
    _half_failed(tmp_path / "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dropped = evaluate(tmp_path / "data", tmp_path / "run", "drop", n_bootstrap=0, captions_minilm=False)
    b = dropped.result.methods["m"].binary
    assert b is not None and b.note is not None and "no scored sample" not in b.note
    assert math.isnan(b.per_primitive["Tilt_Up"]) and b.primitives_in_mean == 1
    run2 = tmp_path / "run2"
    write_scores(
        run2 / "m" / "scores.jsonl",
        [
            ScoreRecord(v, p.question, "m", s, primitive=p.value)
            for p in (PAN, TILT)
            for v, s in zip(VIDEOS, PAN_SCORES, strict=True)
        ],
    )
    b2 = evaluate(tmp_path / "data", run2, n_bootstrap=0, captions_minilm=False).result.methods["m"].binary
    assert b2 is not None and b2.note is None


def test_nan_intervals_and_untested_comparisons_round_trip_through_json(tmp_path: Path) -> None:
    _dataset(tmp_path / "data")
    run = tmp_path / "run"
    _half_failed(run, "half")
    write_scores(
        run / "dead" / "scores.jsonl",
        [ScoreRecord.failed(v, p.question, "dead", "boom", p.value) for v in VIDEOS for p in (PAN, TILT)],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = evaluate(tmp_path / "data", run, "drop", n_bootstrap=50, captions_minilm=False).result
    dead = result.methods["dead"].binary
    assert dead is not None and dead.samples == 0 and math.isnan(dead.mean_ap)
    assert all(math.isnan(x) for x in dead.ci95.mean_ap)
    (comparison,) = result.comparisons or []
    assert math.isnan(comparison.diff) and comparison.note is not None
    path = tmp_path / "metrics.json"
    for text in (json.dumps(result.to_json(), indent=2), json.dumps(result.to_dict())):  # null, or NaN literals
        path.write_text(text)
        back = read_metrics(path)
        assert back.to_json() == result.to_json()
        back_dead = back.methods["dead"].binary
        assert back_dead is not None and all(math.isnan(x) for x in back_dead.ci95.per_primitive["Pan_Left"])
        assert back.comparisons is not None and math.isnan(back.comparisons[0].ci95[0])


def test_a_key_of_a_newer_version_is_named_on_its_own_line(tmp_path: Path) -> None:
    doc = {"data": "d", "run": "r", "failed_policy": "lowest", "n_bootstrap": 0, "seed": 0, "methods": {}}
    doc["schema_version"] = 2
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc, indent=2))
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "schema_version" in t)
    assert line > 1
    # was ":1: unknown key" for the whole document's line
    with pytest.raises(
        FileFormatError, match=rf"metrics\.json:{line}: schema_version: unknown key 'schema_version'.*newer"
    ):
        read_metrics(path)
