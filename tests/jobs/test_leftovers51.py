"""Old leftovers in multiple-choice answering and video reading (E51).

- A ``predict`` stopped part-way through its answering pass left the categories it never reached
  at accuracy 0.0 under ``--failed lowest`` (their never-asked rows read as wrong answers); such a
  category's accuracy is undefined (NaN), out of the mean, its rows missing.
- An animated WebP with an ANIM chunk and no frame was called one of "0 frame(s)".
- ``max_side`` on a 64:1 strip floors its short side at 2 px (16:1) without a word.
"""

from __future__ import annotations

import logging
import math
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from camerabench.eval.evaluate import evaluate
from camerabench.eval.mcq import mcq_section
from camerabench.eval.report import write_report
from camerabench.jobs.runner import run_predict
from camerabench.records import AnswerRecord, read_run_info, write_answers, write_run_info
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import MCQRow, write_mcq_table
from camerabench.video import VideoError, probe_video, read_video, write_video

CAMERA = {"A": "Pan left", "B": "Tilt up", "C": "Static shot"}


def _rows() -> list[MCQRow]:
    return [
        MCQRow("0", "bench", ("video",), ("video/b.mp4",), "Camera?", CAMERA, "C", "camera movement", 2),
        MCQRow("1", "bench", ("video",), ("video/b.mp4",), "Camera, again?", CAMERA, "A", "camera movement", 3),
        MCQRow("2", "bench", ("image",), ("image/c.jpg",), "Size?", {"A": "Wide", "B": "Close"}, "B", "shot size", 4),
        MCQRow("3", "bench", ("video",), ("video/b.mp4",), "Light?", {"A": "Day", "B": "Night"}, "A", "lighting", 5),
    ]


def _answer(index: str, letter: str) -> AnswerRecord:
    return AnswerRecord(index, "fast", letter, table="bench")


# --------------------------------------------------------------------------- interrupted answering


@pytest.mark.parametrize("failed", ["lowest", "drop"])
def test_a_category_never_reached_has_no_accuracy(failed: str) -> None:
    rows = _rows()
    answers = {("bench", "0"): _answer("0", "C"), ("bench", "1"): _answer("1", "B")}  # right, then wrong
    with pytest.warns(UserWarning, match="did not finish.*shot size, lighting"):
        res = mcq_section(rows, answers, failed, unasked={("bench", "2"), ("bench", "3")})
    assert res is not None
    for cat in ("shot size", "lighting"):
        c = res.per_category[cat]
        assert math.isnan(c.accuracy) and (c.scored, c.missing, c.covered) == (0, 1, True)
    # the camera rows: one right, one wrong, as answered
    assert res.per_category["camera movement"].accuracy == 0.5
    assert res.mean_accuracy == 0.5 and res.pooled_accuracy == 0.5 and res.missing == 2
    assert res.note is not None and "no answer yet in 2 categories (shot size, lighting; 2 rows)" in res.note


def test_a_wrong_answer_stays_wrong_and_a_part_answered_category_follows_the_policy() -> None:
    rows = _rows()
    # every camera row answered wrongly; of the size row no record yet (never asked)
    answers = {("bench", "0"): _answer("0", "A"), ("bench", "1"): _answer("1", "B"), ("bench", "3"): _answer("3", "B")}
    with pytest.warns(UserWarning, match="did not finish.*shot size"):
        res = mcq_section(rows, answers, "lowest", unasked={("bench", "2")})
    assert res is not None
    assert res.per_category["camera movement"].accuracy == 0.0  # answered wrongly: 0, not NaN
    assert res.per_category["lighting"].accuracy == 0.0
    assert math.isnan(res.per_category["shot size"].accuracy)
    # a camera row never asked beside an answered one: missing, wrong under lowest (as before)
    part = mcq_section(rows[:2], {("bench", "0"): _answer("0", "C")}, "lowest", unasked={("bench", "1")})
    assert part is not None
    cat = part.per_category["camera movement"]
    assert (cat.scored, cat.correct, cat.missing, cat.accuracy) == (2, 1, 1, 0.5)


def test_evaluate_and_the_report_show_unreached_categories_as_missing(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_video(root / "video" / "b.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=4)
    (root / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "image" / "c.jpg"), np.full((16, 16, 3), 128, np.uint8))
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", _rows())
    run = tmp_path / "run"
    run_predict(root, "fast", run)
    folder = MethodFolder.of(run, "fast")
    # what a pass stopped after its second row leaves: two records, no finish time, rows 2 and 3 unbooked
    write_answers(folder.answers, [_answer("0", "C"), _answer("1", "B")])
    info = read_run_info(folder.answer_run_info)
    info.finished, info.failures, info.videos_failed = None, {}, 0
    for key in ("bench:2", "bench:3"):
        info.seconds_per_video.pop(key, None)
        info.video_info.pop(key, None)
    write_run_info(folder.answer_run_info, info)
    with pytest.warns(UserWarning, match="did not finish"):
        mcq = evaluate(root, run, failed="lowest", n_bootstrap=0, captions_minilm=False).result.methods["fast"].mcq
    assert mcq is not None
    assert math.isnan(mcq.per_category["shot size"].accuracy) and math.isnan(mcq.per_category["lighting"].accuracy)
    assert (mcq.mean_accuracy, mcq.missing) == (0.5, 2)  # was 1/6: two invented zeros averaged in
    with pytest.warns(UserWarning, match="did not finish"):
        md = write_report(root, run, tmp_path / "report", failed="lowest", n_bootstrap=0, gallery=0)
    table = md.read_text(encoding="utf-8").split("## Multiple choice", 1)[1]
    assert "| fast | 50.0 | 50.0 | 4 | 0 | 0 | 2 | 50.0 | n/a (1 missing) | n/a (1 missing) |" in table


# --------------------------------------------------------------------------- video reading


def _chunk(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")


def test_an_animated_webp_without_frames_says_so(tmp_path: Path) -> None:
    # VP8X with the animation flag (0x02) and a 16x16 canvas, an ANIM chunk, and no ANMF chunk
    vp8x = bytes([0x02, 0, 0, 0]) + (15).to_bytes(3, "little") + (15).to_bytes(3, "little")
    body = b"WEBP" + _chunk(b"VP8X", vp8x) + _chunk(b"ANIM", struct.pack("<IH", 0, 0))
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(VideoError) as err:
        probe_video(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "holds no frames" in message
    assert "0 frame(s)" not in message  # was: "an animated WebP (0 frame(s) in ANIM/ANMF chunks)"


def test_a_resize_that_changes_the_aspect_is_warned_of(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    strip = tmp_path / "strip.mp4"
    write_video(strip, np.zeros((2, 4, 256, 3), np.uint8), fps=4)  # 256x4: width/height 64
    plain = tmp_path / "plain.mp4"
    write_video(plain, np.zeros((2, 36, 64, 3), np.uint8), fps=4)  # 64x36: 32x18 keeps it
    with caplog.at_level(logging.WARNING, logger="camerabench.video"):
        for kw in ({"fps": 4.0}, {"num_frames": 2}):
            caplog.clear()
            clip = read_video(strip, max_side=32, **kw)
            h, w = clip.frames.shape[1:3]
            assert (w, h) == (32, 2)  # never past max_side, even sides of 2 px at least
            said = [r.getMessage() for r in caplog.records if str(strip) in r.getMessage()]
            assert len(said) == 1 and f"width/height {256 / 4:.4g}" in said[0]
            assert f"stretched {(256 / 4) / (w / h):.3g}x" in said[0]
        caplog.clear()
        assert read_video(plain, max_side=32).frames.shape[1:3] == (18, 32)
        assert not [r for r in caplog.records if "max_side" in r.getMessage()]
