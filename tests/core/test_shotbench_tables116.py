"""A question two ShotBench tables of one folder ask (red team R116): it was judged within a table
only, so a contradiction between two tables was read without a word (one of the two scored wrong
whatever the reply: MCQ accuracy 50.0 -> 40.0) and a repeat was counted twice (50.0 -> 60.0)."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest

from camerabench.errors import FileFormatError
from camerabench.shotbench import COLUMNS, read_mcq_dir

OPTIONS = {"A": "Pan left", "B": "Static", "C": "Tilt up"}


def _table(path: Path, rows: list[tuple[int, str, str]], options: dict[str, str] = OPTIONS) -> Path:
    """A TSV table of rows (index, answer, category), each asking about its own clip c<index>."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for index, answer, category in rows:
        cells = {
            "index": str(index),
            "type": '["video"]',
            "path": f"['video/c{index % 100}.mp4']",
            "question": f"How does the camera move in clip {index % 100}?",
            "options": json.dumps(options),
            "answer": answer,
            "category": category,
        }
        writer.writerow([cells[c] for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_two_tables_answering_one_question_differently_is_an_error(tmp_path: Path) -> None:
    _table(tmp_path / "a.tsv", [(1, "B", "camera movement"), (2, "A", "camera movement")])
    _table(tmp_path / "b.tsv", [(101, "C", "camera movement")])  # clip c1 again, answer C
    with pytest.raises(FileFormatError, match=r"b\.tsv:2: row '101' asks the question of row '1' of a\.tsv \(line 2"):
        read_mcq_dir(tmp_path)


def test_shuffled_options_with_the_same_answer_text_agree(tmp_path: Path) -> None:
    _table(tmp_path / "a.tsv", [(1, "B", "camera movement")])
    shuffled = {"A": "Static", "B": "Tilt up", "C": "Pan left"}  # "Static" is A here
    _table(tmp_path / "b.tsv", [(101, "A", "camera movement")], options=shuffled)
    tables = read_mcq_dir(tmp_path)
    assert [r.index for r in tables["a"]] == ["1"] and tables["b"] == []


def test_a_repeat_in_another_table_is_counted_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _table(tmp_path / "a.tsv", [(1, "B", "camera movement"), (2, "A", "camera movement")])
    _table(tmp_path / "b.tsv", [(101, "B", "camera movement"), (3, "C", "camera movement")])
    with caplog.at_level(logging.WARNING, logger="camerabench.shotbench"):
        tables = read_mcq_dir(tmp_path)
    assert [r.index for r in tables["a"]] == ["1", "2"]
    assert [r.index for r in tables["b"]] == ["3"]
    assert "b.tsv:2: row '101' repeats row '1' of a.tsv (line 2" in caplog.text


def test_the_question_asked_for_another_category_is_kept_in_both(tmp_path: Path) -> None:
    _table(tmp_path / "a.tsv", [(1, "B", "camera movement")])
    _table(tmp_path / "b.tsv", [(101, "B", "shot framing")])
    tables = read_mcq_dir(tmp_path)
    assert [r.index for r in tables["a"]] == ["1"] and [r.index for r in tables["b"]] == ["101"]
