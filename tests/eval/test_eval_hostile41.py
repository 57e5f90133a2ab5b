"""Hostile inputs on ``camerabench evaluate`` and its typed result, round 41: a hand-made
``metrics.json`` with numbers no metric can take (a negative trajectory error, an AP or an
interval end outside [0, 1], an interval whose low end is above its high end or with one end
undefined) is refused naming the field, and method folder names holding Unicode directional
overrides or isolates are shown escaped, not obeyed, in the result, ``metrics.json`` and the
printed table."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import average_precision_score

from camerabench.cli import main
from camerabench.errors import FileFormatError
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import (
    MethodResult,
    TrajectoryErrors,
    TrajectoryMeans,
    TrajectoryResult,
    escaped_text,
    read_metrics,
)
from camerabench.fileio import write_json
from camerabench.labelfiles import write_binary_file
from camerabench.records import ScoreRecord, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT
VIDEOS = [f"v{i}.mp4" for i in range(6)]
LABELS = [True, False, True, False, True, False]
SCORES = {"a": [0.9, 0.2, 0.7, 0.4, 0.3, 0.1], "b": [0.1, 0.9, 0.6, 0.5, 0.8, 0.2]}
RLO, RLI, PDI = "\u202e", "\u2067", "\u2069"


def _data(root: Path) -> Path:
    data = root / "data"
    write_binary_file(
        data / "labels" / "binary_classification" / PAN.file,
        [BinaryRecord.make(v, PAN, y) for v, y in zip(VIDEOS, LABELS, strict=True)],
    )
    return data


def _run(root: Path, names: dict[str, list[float]]) -> Path:
    run = root / "run"
    for name, scores in names.items():
        write_scores(
            run / name / "scores.jsonl",
            [ScoreRecord(v, PAN.question, name, s, primitive=PAN.value) for v, s in zip(VIDEOS, scores, strict=True)],
        )
    return run


def _trajectory() -> TrajectoryResult:
    return TrajectoryResult(
        clips=2,
        ok=2,
        failed=0,
        missing=0,
        mean=TrajectoryMeans(0.1, 2.0, 0.05, 1.0, 0.01),
        median=TrajectoryErrors(0.1, 2.0, 0.05, 1.0),
        clips_with_translation_error=2,
        alignment_counts={"sim3": 2},
        units={"trans": "gt units", "rot": "deg"},
    )


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real metrics.json document: two methods with binary sections and a paired test, one with
    a trajectory section."""
    root = tmp_path_factory.mktemp("doc")
    result = evaluate(_data(root), _run(root, SCORES), n_bootstrap=40, captions_minilm=False).result
    result.methods["a"].trajectory = _trajectory()
    doc: dict[str, Any] = result.to_json()
    return doc


def _edited(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _field(path: tuple[str | int, ...]) -> str:
    """The path as the error names it: ``comparisons[0].ci95``."""
    return "".join(f"[{k}]" if isinstance(k, int) else (f".{k}" if i else k) for i, k in enumerate(path))


def test_the_unedited_document_reads_back_as_written(document: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    write_json(path, document)
    assert read_metrics(path).to_json() == document
    b = document["methods"]["a"]["binary"]
    # the AP is sklearn's (the document checked against an independent reference)
    assert b["per_primitive"]["Pan_Left"] == pytest.approx(average_precision_score(LABELS, SCORES["a"]))


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        # old: each read and shown as given (a method "better" than perfect, or with negative error)
        (("methods", "a", "trajectory", "mean", "ape_trans_rmse"), -0.5, "a number of 0 or more"),
        (("methods", "a", "trajectory", "median", "rpe_rot_deg_rmse"), -1.0, "a number of 0 or more"),
        (("methods", "a", "trajectory", "mean", "zoom_log_ratio_rmse"), -0.01, "a number of 0 or more"),
        (("methods", "a", "binary", "per_primitive", "Pan_Left"), 1.5, "a fraction in [0, 1]"),
        (("methods", "a", "binary", "mean_ap"), -0.25, "a fraction in [0, 1]"),
        (("methods", "a", "binary", "ci95", "per_primitive", "Pan_Left", 1), 1.2, "a fraction in [0, 1]"),
        (("methods", "a", "binary", "ci95", "mean_ap", 0), -0.1, "a fraction in [0, 1]"),
        (("chance", "mean_ap"), 50.0, "a fraction in [0, 1]"),  # a percentage
        (("comparisons", 0, "p_value"), 1.5, "a fraction in [0, 1]"),
        (("comparisons", 0, "diff"), -2.0, "a difference of fractions in [-1, 1]"),
        (("comparisons", 0, "ci95", 1), 1.5, "a difference of fractions in [-1, 1]"),
    ],
)
def test_a_number_no_metric_can_take_is_refused_naming_the_field(
    document: dict[str, Any], tmp_path: Path, path: tuple[str | int, ...], value: float, problem: str
) -> None:
    file = tmp_path / "metrics.json"
    file.write_text(json.dumps(_edited(document, path, value), indent=2), encoding="utf-8")
    with pytest.raises(FileFormatError, match=str(file)) as info:
        read_metrics(file)
    assert f"{_field(path)}: expected {problem} (or null), got {value!r}" in str(info.value)


@pytest.mark.parametrize(
    ("path", "interval"),
    [
        (("methods", "a", "binary", "ci95", "mean_ap"), [0.9, 0.4]),
        (("methods", "b", "binary", "ci95", "per_primitive", "Pan_Left"), [0.8, 0.3]),
        (("comparisons", 0, "ci95"), [0.3, -0.2]),
    ],
)
def test_an_interval_whose_low_end_is_above_its_high_end_is_refused(
    document: dict[str, Any], tmp_path: Path, path: tuple[str | int, ...], interval: list[float]
) -> None:
    file = tmp_path / "metrics.json"
    file.write_text(json.dumps(_edited(document, path, interval), indent=2), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"an interval whose low end .* is above its high end") as info:
        read_metrics(file)
    assert f"{_field(path)}: an interval" in str(info.value)


def test_an_interval_with_one_end_undefined_is_refused(document: dict[str, Any], tmp_path: Path) -> None:
    file = tmp_path / "metrics.json"
    file.write_text(json.dumps(_edited(document, ("methods", "a", "binary", "ci95", "mean_ap"), [None, 0.8])))
    with pytest.raises(FileFormatError, match=r"methods\.a\.binary\.ci95\.mean_ap: an interval with one end undefined"):
        read_metrics(file)


def test_undefined_numbers_and_rounding_above_one_still_read(document: dict[str, Any], tmp_path: Path) -> None:
    doc = _edited(document, ("methods", "a", "binary", "ci95", "mean_ap"), [None, None])
    # (as a file written before the interval's estimate was kept: the edited AP below is not its estimate's)
    for key in ("mean_ap_estimate", "mean_ap_primitives"):
        del doc["methods"]["a"]["binary"]["ci95"][key]
    doc = _edited(doc, ("methods", "a", "trajectory", "mean", "ape_trans_rmse"), None)
    doc = _edited(doc, ("methods", "a", "binary", "per_primitive", "Pan_Left"), 1.0000000000000002)  # a float sum
    doc = _edited(doc, ("methods", "a", "binary", "mean_ap"), 1.0000000000000002)  # its mean, read back checked
    file = tmp_path / "metrics.json"
    file.write_text(json.dumps(doc))
    back = read_metrics(file).methods["a"]
    assert back.binary is not None and all(math.isnan(x) for x in back.binary.ci95.mean_ap)
    assert back.trajectory is not None and math.isnan(back.trajectory.mean.ape_trans_rmse)


def test_out_of_range_numbers_in_other_sections_are_refused_too() -> None:
    from camerabench.eval.results import ResultFormatError

    traj = MethodResult(trajectory=_trajectory()).to_dict()
    traj["trajectory"]["median"]["ape_rot_deg_rmse"] = -3.0
    with pytest.raises(ResultFormatError, match=r"^trajectory\.median\.ape_rot_deg_rmse: expected a number of 0"):
        MethodResult.from_dict(traj)


# --------------------------------------------------------------------------- directional overrides


def test_directional_controls_in_method_folder_names_are_escaped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = {f"{RLO}fast": SCORES["a"], f"{RLI}b{PDI}": SCORES["b"]}
    data, run = _data(tmp_path), _run(tmp_path, names)
    with caplog.at_level(logging.WARNING, logger="camerabench.eval.evaluate"):
        result = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result
    # old: the raw names, U+202E turning the rest of each line it is shown on around
    assert set(result.methods) == {"\\u202efast", "\\u2067b\\u2069"}
    assert any("directional" in r.getMessage() and "\\u202efast" in r.getMessage() for r in caplog.records)
    # the scores are the folder's, under its shown name (AP checked against sklearn)
    fast = result.methods["\\u202efast"].binary
    assert fast is not None
    assert fast.per_primitive["Pan_Left"] == pytest.approx(average_precision_score(LABELS, SCORES["a"]))
    path = tmp_path / "metrics.json"
    write_json(path, result.to_json())
    text = path.read_text(encoding="utf-8")
    assert RLO not in text and RLI not in text and PDI not in text


def test_the_printed_table_shows_directional_controls_escaped(tmp_path: Path) -> None:
    data, run = _data(tmp_path), _run(tmp_path, {f"{RLO}fast": SCORES["a"]})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["evaluate", "--data", str(data), "--run", str(run), "--bootstrap", "40"]) == 0
    printed = out.getvalue()
    assert RLO not in printed  # old: "\u202efast  mean AP ..." printed raw, the row read right to left
    assert "\\u202efast" in printed


def test_escaped_text_shows_every_embedding_override_and_isolate() -> None:
    controls = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
    shown = escaped_text(f"a{controls}b")
    assert shown == "a" + "".join(f"\\u{ord(c):04x}" for c in controls) + "b"
    assert escaped_text(f"a{RLO}b", controls=False) == f"a{RLO}b"  # the JSON writer's form keeps the data
    assert escaped_text("naïve 東京 \u200d") == "naïve 東京 \u200d"  # other letters and joiners stay
