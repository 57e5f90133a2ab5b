"""Caption evaluation costs red team R73 measured at CameraBench scale (1,071 videos, several methods).

- METEOR started its Java process (``java -jar meteor-1.5.jar``, ~14 s) once per method: one
  evaluation now starts it once (:class:`MeteorSession`, held by :class:`MiniLMReferences`), with
  the numbers of a fresh process, and stops it before ``evaluate`` returns.
- ``caption_facts`` read each caption about 4 times per method: it is memoised on the text and
  still returns a set of its own to each caller.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import pycocoevalcap.meteor.meteor as meteor_module
import pytest

import camerabench.taxonomy.caption_facts as cf
from camerabench.eval import caption_metrics as cap
from camerabench.eval.caption_metrics import MeteorSession
from camerabench.eval.evaluate import evaluate
from camerabench.labelfiles import CaptionItem, write_caption_file
from camerabench.records import CaptionRecord, write_captions
from camerabench.taxonomy.caption_facts import caption_facts, option_primitives

# METEOR's -stdio protocol: a SCORE line is answered with its statistics, an EVAL line of k
# statistics with k scores and then their aggregate. Here a statistic is (hypothesis words) /
# (first reference's words + 1), and the aggregate their mean; a hypothesis holding DIE makes it
# exit as METEOR's Java does when it runs out of heap.
_FAKE_METEOR = r"""
import sys
for line in sys.stdin:
    parts = [p.strip() for p in line.rstrip("\n").split("|||")]
    if parts[0] == "SCORE":
        if "DIE" in parts[-1].split():
            sys.stderr.write("java.lang.OutOfMemoryError: Java heap space\n")
            sys.exit(1)
        print(len(parts[-1].split()) / (len(parts[1].split()) + 1), flush=True)
    elif parts[0] == "EVAL":
        stats = [float(p) for p in parts[1:]]
        for s in stats:
            print(s)
        print(sum(stats) / len(stats), flush=True)
"""


class _FakeMeteor(meteor_module.Meteor):
    """pycocoevalcap's Meteor (its compute_score and __del__) talking to the fake process above."""

    procs: ClassVar[list[subprocess.Popen[bytes]]] = []

    def __init__(self) -> None:
        pipe = subprocess.PIPE
        self.meteor_p = subprocess.Popen([sys.executable, "-c", _FAKE_METEOR], stdin=pipe, stdout=pipe, stderr=pipe)
        self.lock = threading.Lock()
        _FakeMeteor.procs.append(self.meteor_p)


@pytest.fixture
def fake_meteor(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    monkeypatch.setattr(meteor_module, "Meteor", _FakeMeteor)
    _FakeMeteor.procs = []
    return _FakeMeteor.procs


GTS = {"a": ["the camera pans left"], "b": ["the camera stays still"], "c": ["a tilt up"]}
RES_1 = {"a": ["the camera pans left"], "b": ["still"], "c": ["the camera tilts up slowly"]}
RES_2 = {"a": ["pans"], "b": ["the camera is still"], "c": ["tilt"]}


def _expected(res: dict[str, list[str]]) -> float:
    stats = [len(res[i][0].split()) / (len(GTS[i][0].split()) + 1) for i in GTS]
    return sum(stats) / len(stats)


def _children(word: str) -> list[str]:
    """Command lines of this process's child processes (zombies included) that hold ``word``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):  # it exited while being listed
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and (word in cmdline or word in stat):
            out.append(cmdline or stat)
    return out


def test_one_process_scores_every_call_and_close_stops_it(fake_meteor: list[subprocess.Popen[bytes]]) -> None:
    session = MeteorSession()
    assert not session.running and not fake_meteor  # started on the first score only
    assert session.score(GTS, RES_1) == pytest.approx(_expected(RES_1))
    assert session.score(GTS, RES_2) == pytest.approx(_expected(RES_2))
    assert session.score(GTS, RES_1) == pytest.approx(_expected(RES_1))
    assert len(fake_meteor) == 1 and session.running
    (proc,) = fake_meteor
    assert proc.poll() is None and _children("OutOfMemoryError")
    session.close()
    assert not session.running and proc.returncode is not None
    assert proc.stdout is not None and proc.stdout.closed and proc.stderr is not None and proc.stderr.closed
    assert not _children("OutOfMemoryError")


def test_dropping_the_session_stops_its_process(fake_meteor: list[subprocess.Popen[bytes]]) -> None:
    with cap.MiniLMReferences() as cache:  # as evaluate holds it: one per evaluation
        assert cache.meteor.score(GTS, RES_1) == pytest.approx(_expected(RES_1))
    assert fake_meteor[0].returncode is not None  # leaving the block closed it
    session = MeteorSession()
    session.score(GTS, RES_2)
    del session  # no close(): its finalizer stops the process
    assert fake_meteor[1].returncode is not None and not _children("OutOfMemoryError")


def test_a_process_that_dies_is_reported_and_the_next_score_starts_another(
    fake_meteor: list[subprocess.Popen[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    session = MeteorSession()
    assert session.score(GTS, RES_1) == pytest.approx(_expected(RES_1))
    with caplog.at_level(logging.WARNING, logger=cap.__name__):
        assert session.score(GTS, {**RES_2, "b": ["DIE DIE DIE"]}) == cap.UNAVAILABLE
    assert "OutOfMemoryError" in caplog.text and "exited with status 1" in caplog.text
    assert fake_meteor[0].returncode == 1 and not session.running
    assert session.score(GTS, RES_2) == pytest.approx(_expected(RES_2))  # a new process
    assert len(fake_meteor) == 2
    session.close()
    assert not _children("OutOfMemoryError")


def test_a_process_that_exited_between_scores_is_started_anew(
    fake_meteor: list[subprocess.Popen[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    with MeteorSession() as session:
        session.score(GTS, RES_1)
        fake_meteor[0].kill()
        fake_meteor[0].wait()
        with caplog.at_level(logging.WARNING, logger=cap.__name__):
            assert session.score(GTS, RES_2) == pytest.approx(_expected(RES_2))
        assert "between two scores" in caplog.text and len(fake_meteor) == 2
    assert fake_meteor[1].returncode is not None and not _children("OutOfMemoryError")


def test_caption_facts_returns_a_fresh_set_with_the_same_facts() -> None:
    text = "The camera pans left while dollying in. It does not tilt up."
    cf._caption_facts.cache_clear()
    first = caption_facts(text)
    assert first == {"Move_In", "Pan_Left"} and type(first) is set
    first.add("Tilt_Up")  # a caller may change its set
    first.discard("Pan_Left")
    second = caption_facts(text)
    assert second == {"Move_In", "Pan_Left"} and second is not first
    assert cf._caption_facts.cache_info().hits == 1  # the text was parsed once
    assert caption_facts("The car moves left while the camera stays still.") == {"Static"}
    assert caption_facts("Zoom in: no. Pan left: yes.") == {"Pan_Left"}
    for _ in range(2):  # the baselines' reader of options, through the same memo
        assert [p.value for p in option_primitives("Track left")] == ["Move_Left"]


def _write(root: Path, captions: dict[str, dict[str, str]]) -> tuple[Path, Path]:
    data, run = root / "data", root / "run"
    refs = {
        "a.mp4": "The camera pans left slowly across the street.",
        "b.mp4": "The camera remains completely still.",
        "c.mp4": "The camera tilts up to reveal a tall building.",
    }
    question = "Describe the camera movement in this video."
    write_caption_file(data / "labels" / "caption_data.json", [CaptionItem(v, question, r) for v, r in refs.items()])
    (data / "videos").mkdir(parents=True)
    for v in refs:
        (data / "videos" / v).write_bytes(b"")
    for method, caps in captions.items():
        write_captions(run / method / "captions.jsonl", [CaptionRecord(v, method, c) for v, c in caps.items()])
    return data, run


@pytest.mark.skipif(shutil.which("java") is None, reason="the PTB tokenizer needs java")
def test_evaluate_starts_meteor_once_for_every_method_and_stops_it(
    tmp_path: Path, fake_meteor: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real process's numbers, shared against fresh: test_caption_metrics (one Java start there).
    scored: list[dict[str, Any]] = []
    real_score = _FakeMeteor.compute_score

    def counting(self: _FakeMeteor, gts: Any, res: Any) -> Any:
        scored.append(dict(res))
        return real_score(self, gts, res)

    monkeypatch.setattr(_FakeMeteor, "compute_score", counting)
    one = {"a.mp4": "The camera pans left.", "b.mp4": "A static shot.", "c.mp4": "It tilts upward slowly."}
    other = {"a.mp4": "It pans right over a road.", "b.mp4": "The camera is still.", "c.mp4": "Zooms in."}
    # evaluated in name order: a_one by a fresh process, then b_other, then c_again (a_one's captions)
    data, run = _write(tmp_path, {"a_one": one, "b_other": other, "c_again": one})
    ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    meteor = {m: r.captions.coco.meteor for m, r in ev.result.methods.items() if r.captions and r.captions.coco}
    assert len(fake_meteor) == 1 and len(scored) == 3 and scored[0] == scored[2] != scored[1]
    assert isinstance(meteor["a_one"], float) and 0 < meteor["a_one"] < 1
    assert meteor["c_again"] == meteor["a_one"] != meteor["b_other"]
    assert fake_meteor[0].returncode is not None and not _children("OutOfMemoryError")
