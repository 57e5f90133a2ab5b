"""``report`` reuses the evaluation its folder keeps (``evaluation_cache.json``) when, and only when, it is
of the same inputs and settings (red team R73): no evaluation then, and the report is byte for byte
the one a fresh evaluation writes; a one-byte change of a scores file, other options, a truncated or
older file, or ``--no-reuse`` evaluate again, each said in one log line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import camerabench.eval.report as report_module
from camerabench.cli import main
from camerabench.eval.evaluate import evaluate
from camerabench.eval.report import EVALUATION_CACHE, write_report
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive

VIDEOS = [f"v{i}.mp4" for i in range(8)]
LABELS = {
    Primitive.PAN_LEFT: [True, False, True, False, False, True, False, False],
    Primitive.TILT_UP: [False, True, False, False, True, False, True, False],
}
PAN, TILT = Primitive.PAN_LEFT, Primitive.TILT_UP
SCORES = {
    "a": {PAN: [0.9, 0.2, 0.6, 0.4, 0.1, 0.3, 0.7, 0.2], TILT: [0.3, 0.8, 0.1, 0.5, 0.7, 0.2, 0.6, 0.1]},
    "b": {PAN: [0.5, 0.5, 0.8, 0.1, 0.3, 0.9, 0.2, 0.4], TILT: [0.2, 0.4, 0.6, 0.1, 0.9, 0.3, 0.5, 0.7]},
}
#: Every file a report writes is compared byte for byte (the PNGs too: matplotlib's Agg PNGs carry no date).
N_BOOTSTRAP = 50


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, Path]:
    data, run = tmp_path / "data", tmp_path / "run"
    for prim, labels in LABELS.items():
        write_binary_file(
            data / "labels" / "binary_classification" / prim.file,
            [BinaryRecord.make(v, prim, y) for v, y in zip(VIDEOS, labels, strict=True)],
        )
    for name, by_prim in SCORES.items():
        recs = [
            ScoreRecord(v, p.question, name, s, primitive=p.value)
            for p, scores in by_prim.items()
            for v, s in zip(VIDEOS, scores, strict=True)
        ]
        write_scores(run / name / "scores.jsonl", recs)
        info = RunInfo(method=name, finished="2026-01-01T00:00:00+00:00", videos_ok=8, method_kind="semantic")
        write_run_info(run / name / "run.json", info)
    return data, run


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The evaluations write_report runs (report's own name for evaluate, counted)."""
    counted: list[int] = []

    def counting(*args: object, **kwargs: object) -> object:
        counted.append(1)
        return evaluate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_module, "evaluate", counting)
    return counted


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _report(data: Path, run: Path, out: Path, **kwargs: object) -> dict[str, bytes]:
    kwargs = {"n_bootstrap": N_BOOTSTRAP, "gallery": 0, **kwargs}
    write_report(data, run, out, **kwargs)  # type: ignore[arg-type]
    return _files(out)


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    own = (r.getMessage() for r in caplog.records if r.name == "camerabench.eval.report")
    return [m for m in own if "evaluat" in m]


def test_reused_when_identical_and_byte_identical(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    out = tmp_path / "report"
    caplog.set_level(logging.INFO)
    first = _report(data, run, out, gallery=3)
    assert calls == [1] and EVALUATION_CACHE in first
    caplog.clear()
    second = _report(data, run, out, gallery=3)
    assert calls == [1]  # no evaluation
    assert [m for m in _said(caplog) if "reusing" in m] == [f"reusing the earlier evaluation {out / EVALUATION_CACHE}: "
                                                            "the same inputs, options and software"]  # fmt: skip
    assert second == first  # every table, plot, report.md/html, metrics.json and the kept evaluation
    # and a fresh evaluation into another folder writes the same report (the folder's own name aside)
    fresh = _report(data, run, tmp_path / "fresh", reuse=False, gallery=3)
    assert calls == [1, 1]
    assert {k: v for k, v in fresh.items() if k != EVALUATION_CACHE} == {
        k: v for k, v in second.items() if k != EVALUATION_CACHE
    }
    # the report folder is no part of the kept evaluation
    assert fresh[EVALUATION_CACHE] == second[EVALUATION_CACHE]


def test_one_byte_of_scores_evaluates_again(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    out = tmp_path / "report"
    _report(data, run, out)
    scores = run / "b" / "scores.jsonl"
    text = scores.read_bytes()
    changed = text.replace(b'"score": 0.9', b'"score": 0.8', 1)
    assert len(changed) == len(text) and changed != text  # one byte
    scores.write_bytes(changed)
    caplog.set_level(logging.INFO)
    again = _report(data, run, out)
    assert calls == [1, 1]
    (said,) = [m for m in _said(caplog) if "not used" in m]
    assert "1 file(s) changed (run/b/scores.jsonl)" in said
    assert again == _report(data, run, tmp_path / "fresh", reuse=False)  # the new numbers, as fresh
    assert json.loads(again["metrics.json"]) != {}


def test_a_report_marker_in_a_method_folder_hides_none_of_its_files(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int]
) -> None:
    """Red team R77: an empty report marker copied into RUN/b left b's files out of the key, and a
    report of b's changed scores reused the old evaluation. A report folder in RUN is still no input."""
    from camerabench.runfolder import REPORT_MARKER

    data, run = made
    (run / "b" / REPORT_MARKER).write_bytes(b"")
    inside = run / "report"  # a report folder of its own in RUN: its files change, the key does not
    _report(data, run, inside)
    out = tmp_path / "report"
    _report(data, run, out)
    assert calls == [1, 1]
    _report(data, run, inside)
    assert calls == [1, 1]  # reused: the other report's files are no input
    scores = run / "b" / "scores.jsonl"
    scores.write_bytes(scores.read_bytes().replace(b'"score": 0.9', b'"score": 0.8', 1))
    again = _report(data, run, out)
    assert calls == [1, 1, 1]
    assert again == _report(data, run, tmp_path / "fresh", reuse=False)


def test_other_options_evaluate_again(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    out = tmp_path / "report"
    _report(data, run, out)
    caplog.set_level(logging.INFO)
    changes: list[tuple[dict[str, object], str]] = [
        ({"n_bootstrap": N_BOOTSTRAP + 1}, "n_bootstrap 50 then, 51 now"),
        ({"n_bootstrap": N_BOOTSTRAP + 1, "seed": 3}, "seed 0 then, 3 now"),
        ({"n_bootstrap": N_BOOTSTRAP + 1, "seed": 3, "failed": "drop"}, "failed 'lowest' then, 'drop' now"),
    ]
    for k, (kwargs, words) in enumerate(changes, start=2):
        caplog.clear()
        again = _report(data, run, out, **kwargs)
        assert len(calls) == k
        (said,) = [m for m in _said(caplog) if "not used" in m]
        assert "options differ" in said and words in said
    # the last: reused with the same options
    assert _report(data, run, out, **kwargs) == again and len(calls) == 4


def test_damaged_or_older_file_evaluates_again(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    data, run = made
    out = tmp_path / "report"
    first = _report(data, run, out)
    cache = out / EVALUATION_CACHE
    text = cache.read_text(encoding="ascii")
    edited = json.loads(text)
    edited["body"]["resolved"]["a"]["Pan_Left"]["scores"][0] = 0.1  # a number changed, its digest not
    damages = {
        "not a complete JSON document": text[: len(text) // 2],  # truncated
        "of format version 0": text.replace('"version":1,', '"version":0,', 1),  # older
        "does not match its digest": json.dumps(edited, allow_nan=True),
    }
    caplog.set_level(logging.INFO)
    for k, (expected, damaged) in enumerate(damages.items(), start=2):
        cache.write_text(damaged, encoding="ascii")
        caplog.clear()
        again = _report(data, run, out)
        assert len(calls) == k
        (said,) = [m for m in _said(caplog) if "not used" in m]
        assert expected in said and str(cache) in said
        assert again == first  # evaluated again: the same report, and a sound file kept again
    _report(data, run, out)
    assert len(calls) == 4  # which the next report reuses


def test_cli_no_reuse_and_reuse(made: tuple[Path, Path], tmp_path: Path, calls: list[int]) -> None:
    data, run = made
    out = tmp_path / "report"
    argv = ["report", "--data", str(data), "--run", str(run), "--out", str(out), "--bootstrap", "50", "--gallery", "0"]
    assert main(argv) == 0
    assert main(argv) == 0
    assert calls == [1]
    assert main([*argv, "--no-reuse"]) == 0
    assert calls == [1, 1]


def test_evaluation_given_keeps_no_cache(made: tuple[Path, Path], tmp_path: Path) -> None:
    """A report of an evaluation the caller made leaves no kept evaluation (nothing proves its inputs),
    and removes an earlier one, which would otherwise sit beside a metrics.json of another evaluation."""
    data, run = made
    out = tmp_path / "report"
    _report(data, run, out)
    assert (out / EVALUATION_CACHE).is_file()
    write_report(None, None, out, evaluation=evaluate(data, run, n_bootstrap=0), gallery=0)
    assert not (out / EVALUATION_CACHE).exists()


def test_a_second_report_into_a_folder_in_use_is_refused_and_the_first_keeps_its_files(
    made: tuple[Path, Path], tmp_path: Path
) -> None:
    """Red team R78: two reports into one folder at once left none (the second removed the first's
    temporary file as an earlier report's, failed, and its cleanup removed report.md)."""
    from camerabench.locks import FolderInUseError, FolderLock

    data, run = made
    out = tmp_path / "report"
    first = _report(data, run, out)
    with FolderLock(out, what="report folder"), pytest.raises(FolderInUseError, match="report folder in use"):
        write_report(data, run, out, n_bootstrap=N_BOOTSTRAP, gallery=0, reuse=False)
    assert _files(out) == first


def test_a_folder_where_the_evaluation_is_kept_is_refused_before_evaluating(
    made: tuple[Path, Path], tmp_path: Path, calls: list[int]
) -> None:
    """Red team R78: it failed after the evaluation and the tables, the earlier report removed."""
    from camerabench.fileio import WriteError

    data, run = made
    out = tmp_path / "report"
    first = _report(data, run, out)
    (out / EVALUATION_CACHE).unlink()
    (out / EVALUATION_CACHE).mkdir()
    with pytest.raises(WriteError, match=r"evaluation_cache\.json: is a folder, where the report keeps its evaluation"):
        write_report(data, run, out, n_bootstrap=N_BOOTSTRAP, gallery=0)
    assert calls == [1]  # refused before evaluating
    assert _files(out) == {k: v for k, v in first.items() if k != EVALUATION_CACHE}
