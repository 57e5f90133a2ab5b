"""The Java processes of caption evaluation (red teams on eval/caption_metrics.py).

- A METEOR process that stops answering (stopped, or its Java hung) made scoring wait for ever: each
  read and write now times out, the process is killed and reaped, and METEOR is unavailable for that
  method, with a warning naming it, as when its Java dies.
- The PTB tokenizer (a Java start per call, 0.4-1.5 s) was started once per method: an evaluation now
  starts it once for every method and the references, with the same numbers as before.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pycocoevalcap.tokenizer.ptbtokenizer as ptb
import pytest

from camerabench.eval import caption_metrics as cap
from camerabench.eval.caption_metrics import MeteorSession, coco_metrics
from camerabench.eval.evaluate import evaluate

from . import test_caption_speed54 as speed54
from .test_calibrate_caption_hostile import _fake_java
from .test_caption_metrics import CANDS, REFS, needs_java
from .test_caption_speed54 import GTS, RES_1, _children, _expected, _write

fake_meteor = speed54.fake_meteor  # the fixture: METEOR's -stdio protocol spoken by a Python stand-in

#: A timeout far below the real one (120 s) so that a process that stops answering is found fast.
TIMEOUT = 0.5


def test_a_meteor_process_that_stops_answering_times_out_and_is_killed(
    fake_meteor: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _fake_java(monkeypatch)  # the PTB tokenizer's stand-in: METEOR's process is the one under test
    monkeypatch.setattr(cap, "METEOR_TIMEOUT_S", TIMEOUT)
    with MeteorSession() as session:
        first = coco_metrics(REFS, CANDS, meteor=session, label="m_ok")
        assert isinstance(first.meteor, float) and 0 < first.meteor < 1
        (proc,) = fake_meteor
        os.kill(proc.pid, signal.SIGSTOP)  # alive, but answers nothing
        start = time.monotonic()
        with caplog.at_level(logging.WARNING, logger=cap.__name__):
            out = coco_metrics(REFS, CANDS, meteor=session, label="my_method")
        assert time.monotonic() - start < TIMEOUT + 3
        assert out.meteor == cap.UNAVAILABLE and (out.bleu4, out.cider) == (first.bleu4, first.cider)
        assert f"my_method: METEOR is unavailable: its Java process timed out after {TIMEOUT:g} s" in caplog.text
        assert proc.returncode == -signal.SIGKILL and not session.running
        assert not _children("OutOfMemoryError")  # reaped: no process of the stand-in's, not even a zombie
        again = coco_metrics(REFS, CANDS, meteor=session, label="m_ok")  # a new process, the same number
        assert again.meteor == first.meteor and len(fake_meteor) == 2
    assert fake_meteor[1].returncode is not None and not _children("OutOfMemoryError")


def test_a_meteor_process_that_stops_reading_times_out_on_the_write(
    fake_meteor: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(cap, "METEOR_TIMEOUT_S", TIMEOUT)
    with MeteorSession() as session:
        assert session.score(GTS, RES_1) == pytest.approx(_expected(RES_1))
        os.kill(fake_meteor[0].pid, signal.SIGSTOP)
        # one SCORE line of 20 references of 7 KB: more than a pipe holds (64 KB), so its write waits
        gts = {"a": [" ".join(["camera"] * 1000)] * 20}
        with caplog.at_level(logging.WARNING, logger=cap.__name__):
            assert session.score(gts, {"a": ["the camera"]}, "long_refs") == cap.UNAVAILABLE
        assert f"long_refs: METEOR is unavailable: its Java process timed out after {TIMEOUT:g} s" in caplog.text
        assert fake_meteor[0].returncode == -signal.SIGKILL and not _children("OutOfMemoryError")


def test_the_timeout_grows_with_the_long_pairs_of_one_video() -> None:
    words = lambda n: " ".join(["pan"] * n)  # noqa: E731
    normal = {"a": [words(98)] * 5, "b": [words(20)]}
    assert cap._meteor_timeout(normal, {"a": [words(2000)], "b": [words(2000)]}) == cap.METEOR_TIMEOUT_S
    # 2,000 x 600 > 1e6 twice on video a, once on b: the video with the most of them counts
    gts = {"a": [words(600), words(600), words(400)], "b": [words(2000)]}
    assert cap._meteor_timeout(gts, {"a": [words(2000)], "b": [words(600)]}) == 120 + 2 * 600
    assert cap._meteor_timeout(gts, {"a": [words(100)], "b": [words(100)]}) == 120  # 100 x 2,000 is short


def _coco_as_before(rows: list[dict[str, Any]]) -> tuple[float, ...]:
    """BLEU-1..4, ROUGE-L and CIDEr of one method's rows by pycocoevalcap as coco_metrics called it before
    (one PTB tokenizer start per method for its references and candidates)."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    ids = [row["video"] for row in rows]
    by_id = {row["video"]: row for row in rows}
    both: dict[tuple[str, str], list[dict[str, str]]] = {
        ("ref", i): [{"caption": " ".join(r.split())} for r in by_id[i]["references"]] for i in ids
    }
    both |= {("cand", i): [{"caption": " ".join(by_id[i]["caption"].split())}] for i in ids}
    tokens = ptb.PTBTokenizer().tokenize(both)
    gts = {i: tokens[("ref", i)] for i in ids}
    res = {i: tokens[("cand", i)] for i in ids}
    bleu, _ = Bleu(4).compute_score(gts, res)
    return (*bleu, Rouge().compute_score(gts, res)[0], Cider().compute_score(gts, res)[0])


@needs_java
def test_an_evaluation_starts_the_ptb_tokenizer_once_for_every_method(
    tmp_path: Path, fake_meteor: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = 'He said "pans left" (slowly)... at 5 p.m.'
    data, run = _write(
        tmp_path,
        {
            "a_one": {
                "a.mp4": shared,
                "b.mp4": "The camera\u2028stays\rstill; it's the subjects' view \U0001f3a5",
                "c.mp4": "The U.S. shot tilts up. " * 500,  # 3,000 tokens: scored on its first 2,000
            },
            "b_two": {"a.mp4": "\uff34\uff48\uff45 camera pans \ufb01ne", "b.mp4": "Mr. Smith's camera: still."},
            "c_three": {"a.mp4": shared, "b.mp4": "``''", "c.mp4": "It tilts up (then holds)"},
        },
    )  # b_two has no caption of c.mp4: scored as the empty caption
    starts = 0
    tokenize = ptb.PTBTokenizer.tokenize

    def counting(self: ptb.PTBTokenizer, captions: Any) -> Any:
        nonlocal starts
        starts += 1
        return tokenize(self, captions)

    monkeypatch.setattr(ptb.PTBTokenizer, "tokenize", counting)
    ev = evaluate(data, run, n_bootstrap=0, captions_minilm=False)
    assert starts == 1  # was 3, one per method
    assert sorted(ev.caption_rows) == ["a_one", "b_two", "c_three"] and len(fake_meteor) == 1
    for name, rows in ev.caption_rows.items():
        coco = ev.result.methods[name].captions.coco  # type: ignore[union-attr]
        assert coco is not None and len(rows) == 3
        got = (coco.bleu1, coco.bleu2, coco.bleu3, coco.bleu4, coco.rouge_l, coco.cider)
        assert got == _coco_as_before(rows)  # exactly: tokenised with other lines, the tokens are the same
