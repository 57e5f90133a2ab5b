"""Red-team R2 findings on ``camerabench evaluate``: an empty ``answers.jsonl`` is said, the MCQ
section says what its totals count when no category is covered, and the printed mean AP
interval says over how many primitives it runs when that is fewer than the mean's."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pytest

from camerabench.cli import main
from camerabench.eval.evaluate import evaluate
from camerabench.eval.mcq import mcq_section
from camerabench.labelfiles import write_binary_file
from camerabench.records import AnswerRecord, ScoreRecord, write_scores
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = ["v0.mp4", "v1.mp4", "v2.mp4", "v3.mp4", "v4.mp4"]
PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}
MCQ_CATEGORIES = ["camera movement", "camera movement", "shot size"]
# Pan_Left: both classes on >= 2 videos (an interval); Tilt_Up: its one positive on v0 (AP, no interval)
LABELS = {PAN: [True, True, False, False, True], TILT: [True, False, False, False, False]}
SCORES = {PAN: [0.9, 0.2, 0.8, 0.1, 0.6], TILT: [0.3, 0.9, 0.2, 0.1, 0.4]}


def _data(root: Path, labels: dict[Primitive, list[bool]], mcq: bool = True) -> Path:
    binary = root / "labels" / "binary_classification"
    for prim, ys in labels.items():
        write_binary_file(binary / prim.file, [BinaryRecord.make(v, prim, y) for v, y in zip(VIDEOS, ys, strict=True)])
    (root / "videos").mkdir(parents=True)
    for v in VIDEOS:
        (root / "videos" / v).write_bytes(b"")  # the MCQ rows need their media; no video is decoded
    if mcq:
        rows = [
            MCQRow(str(i), "t", ("video",), (f"videos/{v}",), "Which?", dict(OPTIONS), "A", cat, i + 2)
            for i, (v, cat) in enumerate(zip(VIDEOS[:3], MCQ_CATEGORIES, strict=True))
        ]
        write_mcq_table(root / "labels" / "shotbench" / "t.tsv", rows)
    return root


def _run(run: Path, prims: tuple[Primitive, ...] = (PAN, TILT)) -> Path:
    recs = [
        ScoreRecord(v, p.question, "m", s, primitive=p.value)
        for p in prims
        for v, s in zip(VIDEOS, SCORES[p], strict=True)
    ]
    write_scores(run / "m" / "scores.jsonl", recs)
    return run


# --------------------------------------------------------------------------- empty answers.jsonl


def test_an_empty_answers_file_is_warned_of_and_the_section_says_what_its_totals_count(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _data(tmp_path / "data", {PAN: LABELS[PAN]})
    run = _run(tmp_path / "run", (PAN,))
    answers = run / "m" / "answers.jsonl"
    answers.write_text("")
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    # was: no word of the empty file (an empty scores.jsonl is named)
    assert f"m: {answers} holds no answer record: 3 of 3 multiple-choice rows are in categories outside" in caplog.text
    assert mcq is not None and (mcq.rows, mcq.missing) == (3, 0)
    cats = mcq.per_category.values()
    assert sum(c.missing for c in cats) == 3 and not any(c.covered for c in cats)
    # was: only "outside the method's coverage (no answer recorded): camera movement, shot size"
    assert mcq.note is not None and mcq.note.startswith("answers.jsonl holds no record; no row has an answer record")
    assert "its 3 rows are neither scored nor counted in the section's missing" in mcq.note

    assert main(["evaluate", "--data", str(data), "--run", str(run), "--bootstrap", "40"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("m "))
    # was: "MCQ avg n/a pooled n/a (0 failed, 0 missing)", the 3 rows nowhere
    assert "MCQ avg n/a pooled n/a (0 failed, 0 missing, 3/3 rows outside coverage)" in line


def test_answers_file_with_records_gets_no_empty_file_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = _data(tmp_path / "data", {PAN: LABELS[PAN]})
    run = _run(tmp_path / "run", (PAN,))
    (run / "m" / "answers.jsonl").write_text(json.dumps(AnswerRecord("0", "m", "A", table="t").to_dict()) + "\n")
    with caplog.at_level(logging.WARNING):
        mcq = evaluate(data, run, n_bootstrap=0, captions_minilm=False).result.methods["m"].mcq
    assert "holds no answer record" not in caplog.text
    # a partly covered section keeps its note: shot size is outside coverage, camera movement is scored
    assert mcq is not None and mcq.note == "outside the method's coverage (no answer recorded): shot size"
    assert (mcq.rows, mcq.correct, mcq.missing) == (3, 1, 1)


def test_a_section_covering_no_category_says_its_totals_hold_none_of_the_rows() -> None:
    rows = [
        MCQRow(str(i), "t", ("video",), (f"videos/v{i}.mp4",), "Which?", dict(OPTIONS), "A", cat, i + 2)
        for i, cat in enumerate(["camera movement", "camera movement", "lens size"])
    ]
    res = mcq_section(rows, {}, "lowest")
    assert res is not None and (res.rows, res.missing) == (3, 0)
    assert math.isnan(res.mean_accuracy) and math.isnan(res.pooled_accuracy)
    assert res.note == (
        "no row has an answer record: every category is outside the method's coverage (camera movement, "
        "lens size), and its 3 rows are neither scored nor counted in the section's missing (each category's "
        "own missing counts them)"
    )


# --------------------------------------------------------------------------- mean AP interval


def _line(tmp_path: Path, labels: dict[Primitive, list[bool]], capsys: pytest.CaptureFixture[str]) -> str:
    data = _data(tmp_path / "data", labels, mcq=False)
    run = _run(tmp_path / "run", tuple(labels))
    assert main(["evaluate", "--data", str(data), "--run", str(run), "--bootstrap", "40"]) == 0
    return next(x for x in capsys.readouterr().out.splitlines() if x.startswith("m "))


# the CLI routes warnings to logging (captureWarnings): the ThinClassWarning is ignored, not asserted
@pytest.mark.filterwarnings("ignore::camerabench.eval.ap.ThinClassWarning")
def test_the_printed_interval_says_it_averages_fewer_primitives_than_the_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _line(tmp_path, LABELS, capsys)
    # was: "mean AP 56.9 [31.9, 100.0] (over 2/2 primitives, ...)", the interval over Pan_Left alone unsaid
    rest = line.split("mean AP ", 1)[1]
    interval = rest[rest.index("[") : rest.index("]") + 1]
    assert interval.endswith(" over 1/2]"), line
    # and the estimate it is an interval of (red team R97): the mean AP over those primitives
    of = float(interval.split(": the interval of ", 1)[1].split(" over ")[0])
    lo, hi = (float(x) for x in interval[1:].split(":")[0].split(", "))
    assert lo <= of <= hi, line
    assert "(over 2/2 primitives, 0 failed, 0 missing)" in rest


def test_an_interval_over_every_primitive_of_the_mean_is_printed_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _line(tmp_path, {PAN: LABELS[PAN]}, capsys)
    interval = line[line.index("[") : line.index("]") + 1]
    assert " over " not in interval and interval.count(",") == 1, line
