"""Round 42: a ``metrics.json`` whose parts do not agree, copied method folders, an unsearchable one.

- ``comparisons`` and ``knobs`` naming a method that is not in ``methods`` (or has no binary
  section), and counts that do not add up (MCQ correct above scored, failed + missing above the
  total, a binary total that is not the sum of its primitives'), were read as they were;
- a copy of a method folder (``dummy (conflicted copy)/``) was read as a second method without a
  word;
- ``read_method`` on a folder that may not be searched raised a PermissionError traceback.

Each test fails on the code before this round.
"""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from camerabench.errors import FileFormatError
from camerabench.eval.results import (
    BinaryCI,
    BinaryResult,
    CategoryAccuracy,
    Comparison,
    EvaluationResult,
    KnobAP,
    MCQResult,
    MethodResult,
    PrimitiveCounts,
    TrajectoryErrors,
    TrajectoryMeans,
    TrajectoryResult,
    read_metrics,
)
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.runfolder import read_method, read_run

_NAN = (math.nan, math.nan)


def _binary(ap: float = 0.5, failed: int = 1, missing: int = 1) -> BinaryResult:
    ok = 10 - failed - missing
    return BinaryResult(
        ap, {"Pan_Left": ap}, failed, missing, 10, {"Pan_Left": 0.5}, 0.5, BinaryCI({"Pan_Left": _NAN}, _NAN),
        {"Pan_Left": 0.5}, 0.5, {"Pan_Left": PrimitiveCounts(10, 10, 5, ok, failed, missing, 0)}, 1, "lowest",
        {"boom": failed},
    )  # fmt: skip


def _mcq() -> MCQResult:
    shot = CategoryAccuracy(0.5, rows=4, scored=4, correct=2, unparsed=1, failed=1, missing=0)
    return MCQResult({"shot size": shot}, 0.5, 0.5, rows=4, correct=2, unparsed=1, failed=1, missing=0)


def _trajectory() -> TrajectoryResult:
    errors = TrajectoryErrors(0.1, 1.0, 0.1, 1.0)
    return TrajectoryResult(
        clips=3, ok=2, failed=1, missing=0, mean=TrajectoryMeans(0.1, 1.0, 0.1, 1.0, 0.0), median=errors,
        clips_with_translation_error=2, alignment_counts={"sim3_umeyama": 2}, units={"trans": "m", "rot": "deg"},
    )  # fmt: skip


def _document() -> dict[str, Any]:
    result = EvaluationResult(
        "data",
        "run",
        "lowest",
        10,
        0,
        methods={
            "m": MethodResult(binary=_binary(), mcq=_mcq(), trajectory=_trajectory()),
            "n": MethodResult(binary=_binary(0.4)),
            "geo": MethodResult(trajectory=_trajectory()),
        },
        comparisons=[Comparison("m", "n", 0.1, (0.0, 0.2), 0.5, 10, ["Pan_Left"], 10)],
        knobs={
            "m": {"blur": KnobAP(0.5, 1, 2, 4, failed=1, missing=0, dropped=0)},
            "n": {"blur": KnobAP(0.4, 1, 2, 4, failed=0, missing=1, dropped=0)},
        },
    )
    doc: dict[str, Any] = result.to_json()
    return doc


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    *parents, last = path
    obj: Any = doc
    for key in parents:
        obj = obj[key]
    obj[last] = value
    return doc


def test_a_consistent_document_reads_back_whole(tmp_path: Path) -> None:
    doc = _document()
    assert read_metrics(_write(tmp_path, doc)).to_json() == doc


_M = ("methods", "m")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # methods a comparison or a knob table names
        ((("comparisons", 0, "b"), "gone"), r"comparisons\[0\]\.b: method 'gone' is not among the document's methods"),
        ((("comparisons", 0, "a"), "geo"), r"comparisons\[0\]\.a: method 'geo' has no binary section"),
        ((("comparisons", 0, "b"), "m"), r"comparisons\[0\]\.b: a test of method 'm' against itself"),
        ((("comparisons", 0, "primitives"), ["Tilt_Up"]), r"comparisons\[0\]\.primitives: primitive \['Tilt_Up'\]"),
        ((("comparisons", 0, "samples"), 11), r"comparisons\[0\]\.samples: 11 common samples, more than the 10"),
        ((("comparisons", 0, "n_bootstrap"), 11), r"comparisons\[0\]\.n_bootstrap: 11 replicates, more than"),
        ((("knobs", "gone"), {}), r"knobs\.gone: method 'gone' is not among the document's methods"),
        ((("knobs", "geo"), {}), r"knobs\.geo: method 'geo' has no binary section"),
        # knob counts
        ((("knobs", "n", "blur", "clips"), 3), r"knobs\.n\.blur\.clips: 3 clips, but 2 for method 'm'"),
        ((("knobs", "m", "blur", "dropped"), 2), r"knobs\.m\.blur\.dropped: 2 dropped, more than the 1 failed"),
        ((("knobs", "m", "blur", "samples"), 11), r"knobs\.m\.blur\.samples: 11, more than the 10 samples"),
        ((("knobs", "m", "blur", "failed"), 2), r"knobs\.m\.blur\.failed: 2, more than the 1 failed"),
        ((("knobs", "m", "blur", "primitives"), 2), r"knobs\.m\.blur\.primitives: 2, more than the 1 primitives"),
        ((("knobs", "m", "blur", "missing"), None), r"knobs\.m\.blur: failed is recorded but missing is not"),
        # binary counts
        (((*_M, "binary", "failed"), 3), r"methods\.m\.binary\.failed: 3, but the primitives' counts add up to 1"),
        (((*_M, "binary", "samples"), 9), r"methods\.m\.binary\.samples: 9, but the primitives' counts add up to 10"),
        (((*_M, "binary", "counts", "Pan_Left", "ok"), 9), r"counts\.Pan_Left\.labelled: ok 9 \+ failed 1"),
        (((*_M, "binary", "counts", "Pan_Left", "positives"), 11), r"counts\.Pan_Left\.positives: 11 positives"),
        (
            (
                (*_M, "binary", "counts", "Tilt_Up"),
                dict.fromkeys(["labelled", "samples", "positives", "ok", "failed", "missing", "dropped"], 0),
            ),
            r"methods\.m\.binary\.counts: counts of primitive \['Tilt_Up'\], which per_primitive lacks",
        ),
        (((*_M, "binary", "primitives_in_mean"), 0), r"binary\.primitives_in_mean: 0, but per_primitive has 1"),
        (((*_M, "binary", "failed_policy"), "drop"), r"binary\.failed_policy: 'drop', but the document's .* 'lowest'"),
        # MCQ counts
        (((*_M, "mcq", "per_category", "shot size", "correct"), 5), r"shot size\.correct: 5 correct of 4 scored"),
        (((*_M, "mcq", "per_category", "shot size", "scored"), 1), r"shot size\.correct: 2 correct of 1 scored"),
        (((*_M, "mcq", "per_category", "shot size", "missing"), 2), r"shot size\.rows: correct 2 \+ unparsed 1"),
        (((*_M, "mcq", "correct"), 3), r"methods\.m\.mcq\.correct: 3, but the covered categories' counts add up to 2"),
        (((*_M, "mcq", "rows"), 5), r"methods\.m\.mcq\.rows: 5, but the categories hold 4 rows"),
        # trajectory counts
        (((*_M, "trajectory", "clips"), 4), r"trajectory\.clips: ok 2 \+ failed 1 \+ missing 0 is not the 4 clips"),
        (((*_M, "trajectory", "clips_with_translation_error"), 3), r"clips_with_translation_error: 3, more than"),
    ],
)
def test_a_document_whose_parts_disagree_is_refused_naming_the_field(
    tmp_path: Path, edit: tuple[tuple[str | int, ...], Any], message: str
) -> None:
    """Old: every one of these documents was read as it was."""
    path = _write(tmp_path, _set(_document(), *edit))
    with pytest.raises(FileFormatError) as info:
        read_metrics(path)
    error = str(info.value)
    assert error.startswith(f"{path}:") and "\n" not in error
    assert re.search(message, error), error


# --------------------------------------------------------------------------- copied method folders


_QUESTION = "Does the camera pan left?"


def _method_folder(run: Path, folder: str, method: str) -> None:
    (run / folder).mkdir(parents=True)
    write_scores(run / folder / "scores.jsonl", [ScoreRecord(f"v{i}.mp4", _QUESTION, method, 0.5) for i in range(2)])


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("copy", ["dummy (Ada's conflicted copy 2024-05-01)", "dummy - Copy", "dummy 2"])
def test_a_copy_of_a_method_folder_is_warned_of_and_read_under_its_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, copy: str
) -> None:
    """Old: read as a second method without a word."""
    _method_folder(tmp_path / "run", "dummy", "dummy")
    _method_folder(tmp_path / "run", copy, "dummy")
    _method_folder(tmp_path / "run", "fast", "fast")
    with caplog.at_level(logging.WARNING):
        methods = read_run(tmp_path / "run")
    assert sorted(methods) == sorted(["dummy", copy, "fast"])  # still read, under the folder's name
    warned = _warnings(caplog)
    assert len(warned) == 1, warned
    assert f"every record of method folder {copy!r} names method 'dummy', which has its own folder" in warned[0]
    assert (
        "looks like a copy of dummy/" in warned[0] and "read as a separate method under the folder's name" in warned[0]
    )


def test_a_copy_named_by_its_run_json_alone_is_warned_of(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A copy holding only run.json (a predict stopped before its first video) names its method there."""
    run = tmp_path / "run"
    _method_folder(run, "dummy", "dummy")
    (run / "dummy.sync-conflict-20240501-101010-ABCDEFG").mkdir()
    write_run_info(run / "dummy.sync-conflict-20240501-101010-ABCDEFG" / "run.json", RunInfo(method="dummy"))
    with caplog.at_level(logging.WARNING):
        read_run(run)
    assert any("dummy.sync-conflict-20240501-101010-ABCDEFG' names method 'dummy'" in w for w in _warnings(caplog))


def test_a_renamed_folder_whose_method_has_no_folder_is_not_called_a_copy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _method_folder(tmp_path / "run", "dummy-v2", "dummy")
    _method_folder(tmp_path / "run", "fast", "fast")
    with caplog.at_level(logging.WARNING):
        methods = read_run(tmp_path / "run")
    assert sorted(methods) == ["dummy-v2", "fast"]
    assert _warnings(caplog) == []


# --------------------------------------------------------------------------- unsearchable folder


def test_read_method_on_a_folder_that_cannot_be_searched_is_the_one_line_read_run_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old: read_method raised PermissionError (a traceback); read_run named the folder.

    Permissions are simulated (the tests may run as root, whom no mode bars)."""
    folder = tmp_path / "run" / "dummy"
    _method_folder(tmp_path / "run", "dummy", "dummy")
    real_stat = os.stat

    def denied(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if Path(os.fspath(path)).parent == folder:  # no execute permission: nothing in it can be looked up
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", denied)
    errors = []
    for read in (lambda: read_method(folder), lambda: read_run(tmp_path / "run")):
        with pytest.raises(FileFormatError) as err:
            read()
        errors.append(str(err.value))
    assert errors[0] == errors[1], errors
    assert (
        errors[0] == f"{folder}: cannot read: Permission denied (fix its permissions, or move it out of the run folder)"
    )
