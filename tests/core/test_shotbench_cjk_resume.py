"""ShotBench replies in Chinese read as their option letter; edited rows answered again on --resume.

1. Replies of Chinese-speaking VLMs (Qwen) put CJK punctuation next to the letter or answer in
   Chinese (``B。``, ``答案是B``, ``选B``, ``【B】``): they were unparsed (only ShotBench's GPT-4o
   step reads them), and ``不是（B）`` (not B) was read as B.
2. A row answered earlier was not answered again on ``--resume`` once its question, options or
   medium changed since (rows the method does not answer already were, by their digest).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from camerabench.jobs.runner import ASKED_SHA256_KEY, run_predict
from camerabench.records import read_answers, read_run_info, write_run_info
from camerabench.runfolder import MethodFolder
from camerabench.shotbench import Choice, MCQRow, extract_choice, write_mcq_table
from camerabench.video import write_video

OPTIONS = {"A": "Pan left", "B": "Tilt up", "C": "Static shot", "D": "Zoom in"}
UNPARSED = Choice(None, "unparsed")

# --- 1. answer extraction --------------------------------------------------------------------


def test_the_chinese_forms_of_a_letter_read_as_that_letter() -> None:
    # B。 答案是B 选B 【B】 were unparsed; 答案：B, Ｂ and （B） were read already (Unicode's NFKC)
    replies = ["B\u3002", "\u7b54\u6848\u662fB", "\u7b54\u6848\uff1aB", "\u9009B"]
    replies += ["\uff22", "\uff08B\uff09", "\u3010B\u3011"]
    assert [extract_choice(r, OPTIONS) for r in replies] == [Choice("B", "letter")] * len(replies)


@pytest.mark.parametrize(
    "reply",
    [
        "\u7b54\u6848\u662fB\u3002",  # 答案是B。
        "\u6b63\u786e\u7b54\u6848\u4e3aB",  # 正确答案为B: no space sets the cue off either
        "\u6211\u9009\u62e9B",  # 我选择B
        "\u9009\u9879B",  # 选项B
        "B\u9009\u9879",  # B选项
        "B\u3001",  # B、
        "\u300cB\u300d",  # 「B」
        "\u300aB\u300b",  # 《B》
        "<answer>B\u3002</answer>",
        "<think>\u955c\u5934\u5411\u4e0a</think>\u7b54\u6848\u662f\u3010B\u3011",  # think block, then 答案是【B】
        "B\u3002\u955c\u5934\u5411\u4e0a\u503e\u659c",  # B。镜头向上倾斜: a sentence after it
    ],
)
def test_more_chinese_forms_read_as_the_letter(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == Choice("B", "letter")


@pytest.mark.parametrize(
    "reply",
    [
        "\u7b54\u6848\uff1ab",  # 答案：b  (answer: b)
        "\u7b54\u6848\u662f\uff1ab",  # 答案是：b
        "\u7b54\u6848\u662f\uff08b\uff09",  # 答案是（b）  (answer is (b))
        "\u7b54\u6848\u662f\u3010b\u3011",  # 答案是【b】
        "\u9009b",  # 选b  (option b)
        "\u9009\u9879 b",  # 选项 b
        "b\u3002",  # b。: the reply is one letter
    ],
)
def test_a_chinese_cue_makes_a_lower_case_letter_a_label(reply: str) -> None:
    assert extract_choice(reply, OPTIONS) == Choice("B", "letter")


def test_a_bare_lower_case_letter_after_is_stays_unparsed_in_chinese_too() -> None:
    # 答案是b is "the answer is b": a sentence, not a label (pinned in test_shotbench_answers30)
    assert extract_choice("\u7b54\u6848\u662fb", OPTIONS) == UNPARSED
    assert extract_choice("the answer is b", OPTIONS) == UNPARSED
    assert extract_choice("\u7b54\u6848\u662f\uff08b\uff09", OPTIONS) == Choice("B", "letter")  # 答案是（b）


def test_a_reply_naming_two_letters_stays_unparsed() -> None:
    replies = [
        "\u7b54\u6848\uff1aB\uff0c\u4e0d\u662fC",  # 答案：B，不是C (B, not C): two letters, as in English; was B
        "\u7b54\u6848\u662fB\u6216C",  # 答案是B或C (B or C)
        "\u7b54\u6848\uff1ab\uff0c\u4e0d\u662fc",  # 答案：b，不是c
        "\u9009b\u8fd8\u662fc",  # 选b还是c
        "A\u6216B",  # A或B
    ]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)


def test_a_chinese_negation_rejects_the_letter() -> None:
    replies = [
        "\u4e0d\u662f\uff08B\uff09",  # 不是（B）: was read as B
        "\u4e0d\u662fB",  # 不是B
        "\u5e76\u975e\u9009\u9879B",  # 并非选项B
        "\u4e0d\u9009b",  # 不选b
        "\u800c\u975e\u3010B\u3011",  # 而非【B】
    ]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)
    # 不，B ("no, B") is an interjection, as "No, B" is; 不确定 ("not sure") negates no letter
    assert extract_choice("\u4e0d\uff0cB", OPTIONS) == Choice("B", "letter")
    assert extract_choice("\u6211\u4e0d\u786e\u5b9a\uff0c\u4f46\u7b54\u6848\u662fB", OPTIONS) == Choice("B", "letter")


def test_a_letter_that_is_no_option_stays_unparsed() -> None:
    replies = ["\u7b54\u6848\u662fE", "\u9009\u9879E", "\u7b54\u6848\uff1ae", "\u3010E\u3011"]
    assert [extract_choice(r, OPTIONS) for r in replies] == [UNPARSED] * len(replies)
    assert extract_choice("\u9009\u9879B", OPTIONS) == Choice("B", "letter")  # 选项B: was unparsed


def test_an_option_text_next_to_chinese_is_still_read() -> None:
    assert extract_choice("\u7b54\u6848\uff1aStatic shot\u3002", OPTIONS) == Choice("C", "text")
    # an option text that itself joins a Latin letter and ideographs reads as the reply quoting it
    axes = {"A": "\u6cbfX\u8f74\u5e73\u79fb", "B": "Tilt up"}  # 沿X轴平移
    assert extract_choice("\u6cbfX\u8f74\u5e73\u79fb", axes) == Choice("A", "text")
    assert extract_choice("B\u3002", axes) == Choice("B", "letter")  # X, in an option's text, no stray letter


# --- 2. --resume answers an edited row again ----------------------------------------------------


def _rows(question: str = "Camera?", answer: str = "B") -> list[MCQRow]:
    return [
        MCQRow("0", "bench", ("video",), ("video/a.mp4",), question, OPTIONS, answer, "camera movement", 2),
        MCQRow("1", "bench", ("image",), ("image/c.jpg",), "Size?", {"A": "Wide", "B": "Close"}, "A", "shot size", 3),
        MCQRow("2", "bench", ("video",), ("video/a.mp4",), "Light?", {"A": "Day", "B": "Night"}, "A", "lighting", 4),
    ]


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_video(root / "video" / "a.mp4", np.zeros((4, 32, 32, 3), np.uint8), fps=4)
    (root / "image").mkdir(parents=True)
    cv2.imwrite(str(root / "image" / "c.jpg"), np.full((16, 16, 3), 128, np.uint8))
    write_mcq_table(root / "labels" / "shotbench" / "bench.tsv", _rows())
    return root


def _table(root: Path) -> Path:
    return root / "labels" / "shotbench" / "bench.tsv"


def test_answered_rows_keep_what_they_were_asked(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    first = run_predict(data, "dummy", run).answers
    assert first is not None and first.videos_ok == 3
    info = read_run_info(MethodFolder.of(run, "dummy").answer_run_info)
    assert all(len(info.video_info[f"bench:{i}"][ASKED_SHA256_KEY]) == 64 for i in range(3))


def test_a_row_edited_since_it_was_answered_is_answered_again(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    folder = MethodFolder.of(run, "dummy")
    before = read_run_info(folder.answer_run_info).video_info["bench:0"][ASKED_SHA256_KEY]
    write_mcq_table(_table(data), _rows(question="How does the camera move?"))
    with caplog.at_level(logging.INFO, logger="camerabench.jobs.runner"):
        again = run_predict(data, "dummy", run, resume=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (1, 2)
    messages = [r.getMessage() for r in caplog.records]
    assert any("1 answered row(s) changed since the earlier run" in m and "bench:0" in m for m in messages)
    assert "answer dummy: 1 rows to run, 2 already done" in messages
    assert sorted(a.index for a in read_answers(folder.answers)) == ["0", "1", "2"]  # one record each
    assert read_run_info(folder.answer_run_info).video_info["bench:0"][ASKED_SHA256_KEY] != before
    third = run_predict(data, "dummy", run, resume=True).answers
    assert third is not None and third.videos_run == 0


def test_edited_options_rerun_the_row(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    rows = _rows()
    rows[1] = dataclasses.replace(rows[1], options={"A": "Wide", "B": "Medium"})
    write_mcq_table(_table(data), rows)
    again = run_predict(data, "dummy", run, resume=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (1, 2)


def test_a_changed_medium_reruns_the_rows_that_show_it(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    write_video(data / "video" / "a.mp4", np.full((4, 32, 32, 3), 90, np.uint8), fps=4)
    again = run_predict(data, "dummy", run, resume=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (2, 1)  # rows 0 and 2


def test_a_corrected_right_answer_is_not_asked_again(data: Path, tmp_path: Path) -> None:
    # the reply stands; evaluation scores it against the table as it is now
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    path = MethodFolder.of(run, "dummy").answer_run_info
    before = read_run_info(path).video_info["bench:0"][ASKED_SHA256_KEY]
    write_mcq_table(_table(data), _rows(answer="C"))
    again = run_predict(data, "dummy", run, resume=True).answers
    assert again is not None and (again.videos_run, again.videos_skipped) == (0, 3)
    assert read_run_info(path).video_info["bench:0"][ASKED_SHA256_KEY] == before


def test_an_older_answer_run_json_resumes_its_answered_rows_as_unchanged(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run_predict(data, "dummy", run)
    path = MethodFolder.of(run, "dummy").answer_run_info
    info = read_run_info(path)
    del info.video_info["bench:0"]  # what a camerabench before this kept for an answered row: nothing
    write_run_info(path, info)
    rows = _rows(question="How does the camera move?")
    rows[1] = dataclasses.replace(rows[1], question="How big is the subject?")
    write_mcq_table(_table(data), rows)
    again = run_predict(data, "dummy", run, resume=True).answers
    # row 0 without its digest is taken as unchanged (as before); row 1 with one is answered again
    assert again is not None and (again.videos_run, again.videos_skipped) == (1, 2)
    kept = read_run_info(path).video_info
    assert ASKED_SHA256_KEY not in kept.get("bench:0", {}) and ASKED_SHA256_KEY in kept["bench:1"]  # not blessed unseen
