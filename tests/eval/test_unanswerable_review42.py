"""Review of the per-video unanswerable samples (run.json's ``found_unanswerable``): a method whose
``unanswerable`` has a key that is no question text, or names a question it also scored; a
metrics.json whose reasons do not add up to its count; the warnings of a run resumed from a
run.json written before the key (and the note logged twice). ``dummy`` with a patched ``predict``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.base import VideoResult
from camerabench.baselines.dummy import DummyPredictor
from camerabench.eval.evaluate import evaluate
from camerabench.eval.results import UNANSWERABLE_KEY, EvaluationResult, ResultFormatError
from camerabench.jobs.runner import run_predict
from camerabench.taxonomy import Primitive

TILT, PAN = Primitive.TILT_UP.question, Primitive.PAN_LEFT.question
#: videos on which the patched dummy finds Tilt_Up unanswerable
NO_TILT = ("v4.mp4", "v5.mp4")


def _patch(monkeypatch: pytest.MonkeyPatch, extra: dict[Any, str] | None = None) -> None:
    """dummy scores every question but Tilt_Up on NO_TILT, which it finds unanswerable there (with
    ``extra`` added to its ``unanswerable`` on every video)."""

    def predict(self: DummyPredictor, video_path: Path, questions: list[Any]) -> VideoResult:
        skip = video_path.name in NO_TILT
        scores = {q.text: 0.1 * len(video_path.name) + 0.01 * i for i, q in enumerate(questions)}
        if skip:
            scores.pop(TILT)
        unanswerable: dict[Any, str] = {TILT: "no tilt here"} if skip else {}
        unanswerable.update(extra or {})
        return VideoResult(scores, unanswerable=unanswerable)

    monkeypatch.setattr(DummyPredictor, "predict", predict)


def _info(run: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((run / "dummy" / "run.json").read_text())
    return doc


def test_a_key_that_is_no_question_text_does_not_fail_the_video(
    six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old: the keys were sorted together, a Question object beside text: every video failed with
    "TypeError: '<' not supported between instances of 'Question' and 'str'"."""
    from camerabench.dataset import Question

    _patch(monkeypatch, {Question(PAN, Primitive.PAN_LEFT): "a Question object, not its text"})
    run = tmp_path / "run"
    run_predict(six_videos, "dummy", run)
    info = _info(run)
    assert info["failures"] == {}
    assert {v for v, d in info["video_info"].items() if UNANSWERABLE_KEY in d} == set(NO_TILT)
    assert info["video_info"]["v4.mp4"][UNANSWERABLE_KEY] == {TILT: "no tilt here"}


def test_a_question_it_also_scored_is_not_recorded_unanswerable(
    six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Old: run.json said Pan_Left was unanswerable on every video, beside its score records."""
    _patch(monkeypatch, {PAN: "says so, yet scores it"})
    run = tmp_path / "run"
    run_predict(six_videos, "dummy", run)
    found = {v: d.get(UNANSWERABLE_KEY) for v, d in _info(run)["video_info"].items()}
    assert found == {v: {TILT: "no tilt here"} for v in NO_TILT}


@pytest.fixture
def evaluated(six_videos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, Any]]:
    _patch(monkeypatch)
    run = tmp_path / "run"
    run_predict(six_videos, "dummy", run)
    return run, evaluate(six_videos, run, n_bootstrap=0).result.to_dict()


@pytest.mark.parametrize(
    "reasons",
    [{"no tilt here": 5}, {"no tilt here": 2, "another": 1}, None],
    ids=["fewer", "more", "null"],
)
def test_reasons_that_do_not_add_up_to_the_count_are_refused(
    evaluated: tuple[Path, dict[str, Any]], reasons: dict[str, int] | None
) -> None:
    """Old: a metrics.json whose unanswerable_reasons do not add up to its unanswerable count was read."""
    _, doc = evaluated
    binary = json.loads(json.dumps(doc, default=str))["methods"]["dummy"]["binary"]
    assert (binary["unanswerable"], binary["unanswerable_reasons"]) == (2, {"no tilt here": 2})
    good = json.loads(json.dumps(doc, default=str))
    EvaluationResult.from_dict(good)  # as written: read back
    bad = json.loads(json.dumps(doc, default=str))
    bad["methods"]["dummy"]["binary"]["unanswerable_reasons"] = reasons
    with pytest.raises(ResultFormatError, match=r"binary\.unanswerable_reasons.*unanswerable is 2"):
        EvaluationResult.from_dict(bad)


def test_reasons_without_a_count_are_refused(evaluated: tuple[Path, dict[str, Any]]) -> None:
    _, doc = evaluated
    bad = json.loads(json.dumps(doc, default=str))
    b = bad["methods"]["dummy"]["binary"]
    b["unanswerable"] = 0
    b["unanswerable_reasons"] = {"no tilt here": 0}
    for c in b["counts"].values():  # consistent counts: the samples missing (ranked lowest) instead
        k = c.pop("unanswerable")
        c["missing"] += k
        c["samples"] += k
    b["missing"], b["samples"] = 2, b["samples"] + 2
    with pytest.raises(ResultFormatError, match="unanswerable_reasons"):
        EvaluationResult.from_dict(bad)


def test_the_unanswerable_samples_are_warned_of_once(
    six_videos: Path, evaluated: tuple[Path, dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """Old: under ``lowest`` the note (which says them) and a warning of its own: said twice."""
    run, _ = evaluated
    with caplog.at_level(logging.WARNING):
        b = evaluate(six_videos, run, n_bootstrap=0).result.methods["dummy"].binary
    assert b is not None and b.unanswerable == 2
    assert caplog.text.count("found unanswerable on their video") == 1


def test_missing_samples_on_finished_videos_of_an_older_run_json_are_named(
    six_videos: Path, evaluated: tuple[Path, dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A run.json of an earlier version (no per-video key) on v4, resumed where v5 has it. Old: v4's
    sample is missing with the hint 'labels added after the run, or an unfinished run?' only;
    now the warning names the finished video and the older run.json."""
    run, _ = evaluated
    path = run / "dummy" / "run.json"
    doc = json.loads(path.read_text())
    del doc["video_info"]["v4.mp4"][UNANSWERABLE_KEY]
    path.write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING):
        b = evaluate(six_videos, run, n_bootstrap=0).result.methods["dummy"].binary
    assert b is not None and (b.counts["Tilt_Up"].missing, b.unanswerable) == (1, 1)
    line = next(r.getMessage() for r in caplog.records if "have no score record" in r.getMessage())
    assert "1 of them on 1 video(s) the run finished (e.g. v4.mp4)" in line
    assert repr(UNANSWERABLE_KEY) in line
