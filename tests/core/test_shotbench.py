"""ShotBench tables: read as released (TSV, xlsx), checked row by row, written back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.records import AnswerRecord, read_answers, write_answers
from camerabench.runfolder import MethodFolder, read_method
from camerabench.shotbench import COLUMNS, MCQRow, read_mcq_dir, read_mcq_table, write_mcq_table

HEADER = "\t".join(COLUMNS)
GOOD = [
    "\t".join(['0', '["video"]', "['video/a.mp4']", "How does the camera move?", '{"A": "Pan left", "B": "Tilt up"}',
               "B", "camera movement"]),
    "\t".join(['1', '["image"]', "['image/b.jpg']", "What is the shot size?",
               '{"A": "Close-up", "B": "Wide", "C": "Medium"}', "C", "shot size"]),
]  # fmt: skip


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    (tmp_path / "video").mkdir()
    (tmp_path / "image").mkdir()
    (tmp_path / "video" / "a.mp4").write_bytes(b"")
    (tmp_path / "image" / "b.jpg").write_bytes(b"")
    return tmp_path


def _table(folder: Path, lines: list[str], name: str = "test.tsv") -> Path:
    path = folder / "labels" / "shotbench" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_reads_the_released_layout(data: Path) -> None:
    rows = read_mcq_table(_table(data, GOOD), data)
    assert [r.index for r in rows] == ["0", "1"]
    assert rows[0].kind == "video" and rows[0].paths == ("video/a.mp4",) and rows[0].answer == "B"
    assert rows[1].options == {"A": "Close-up", "B": "Wide", "C": "Medium"} and rows[1].category == "shot size"
    assert rows[1].media(data) == [data / "image" / "b.jpg"]
    assert [r.line for r in rows] == [2, 3]
    assert Dataset(data).mcq == {"test": rows}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (GOOD[0].replace("\tB\tcamera", "\tE\tcamera"), "answer 'E' is not one of the option letters A, B"),
        (GOOD[0].replace('{"A": "Pan left", "B": "Tilt up"}', "A: Pan left"), "options is not a JSON object"),
        (GOOD[0].replace('{"A": "Pan left", "B": "Tilt up"}', '["Pan left"]'), "options must be a JSON object"),
        (GOOD[0].replace("video/a.mp4", "video/gone.mp4"), "media not found in"),
        (GOOD[0].replace('["video"]', '["audio"]'), "type must list 'image' or 'video'"),
        (GOOD[0].replace("['video/a.mp4']", "['video/a.mp4'"), "path is not a list"),
        (GOOD[0].replace("0\t", "\t", 1), "index is empty"),
        (GOOD[0].replace("\tcamera movement", "\t "), "category is empty"),
        ("0\tonly three\tcells", "3 cells, the header has 7"),
    ],
)
def test_bad_rows_name_file_and_line(data: Path, bad: str, message: str) -> None:
    path = _table(data, [GOOD[1], bad])
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(path, data)
    assert str(info.value).startswith(f"{path}:3: ") and message in str(info.value)


def test_missing_column_repeated_index_and_table_folder_errors(data: Path) -> None:
    path = data / "labels" / "shotbench" / "t.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("index\ttype\tpath\n0\t[]\t[]\n")
    with pytest.raises(FileFormatError, match=r"t\.tsv:1: missing column\(s\) \['question'"):
        read_mcq_table(path)
    path.unlink()
    dup = _table(data, [GOOD[0], GOOD[0]])
    with pytest.raises(FileFormatError, match=r"test\.tsv:3: index '0' is repeated \(first on line 2\)"):
        read_mcq_table(dup, data)
    blocker = data / "x" / "labels"
    blocker.mkdir(parents=True)
    (blocker / "shotbench").write_text("")
    with pytest.raises(FileFormatError, match="must be a folder of ShotBench tables"):
        read_mcq_dir(blocker / "shotbench")


def test_media_are_not_checked_without_a_data_folder(tmp_path: Path) -> None:
    rows = read_mcq_table(_table(tmp_path, GOOD))
    assert len(rows) == 2


def test_write_then_read_round_trips(data: Path, tmp_path: Path) -> None:
    rows = read_mcq_table(_table(data, GOOD), data)
    out = tmp_path / "copy.tsv"
    write_mcq_table(out, rows)
    again = read_mcq_table(out, data)
    assert [(r.index, r.types, r.paths, r.question, r.options, r.answer, r.category) for r in again] == [
        (r.index, r.types, r.paths, r.question, r.options, r.answer, r.category) for r in rows
    ]


def test_xlsx_tables_read_like_tsv(data: Path) -> None:
    import pandas as pd

    rows = read_mcq_table(_table(data, GOOD), data)
    xlsx = data / "labels" / "shotbench" / "book.xlsx"
    pd.DataFrame([r.to_columns() for r in rows], columns=list(COLUMNS)).to_excel(xlsx, index=False)
    book = read_mcq_table(xlsx, data)
    assert [(r.index, r.options, r.answer, r.line) for r in book] == [
        (r.index, r.options, r.answer, r.line) for r in rows
    ]
    broken = data / "broken.xlsx"
    broken.write_text("not a workbook")
    with pytest.raises(FileFormatError, match=r"broken\.xlsx: not an xlsx table"):
        read_mcq_table(broken)


def test_answers_file_round_trip_and_is_read_with_the_run(tmp_path: Path) -> None:
    folder = MethodFolder.of(tmp_path, "qwen-vl")
    records = [
        AnswerRecord("0", "qwen-vl", "<answer>B</answer>"),
        AnswerRecord("1", "qwen-vl", None, "failed", "CUDA out of memory"),
    ]
    write_answers(folder.answers, records)
    assert read_answers(folder.answers) == records
    lines = [json.loads(x) for x in folder.answers.read_text().splitlines()]
    assert lines[0] == {
        "index": "0", "method": "qwen-vl", "answer": "<answer>B</answer>", "status": "ok", "reason": None,
        "table": None, "schema_version": 1,
    }  # fmt: skip
    run = read_method(folder.path)
    assert run.answers is not None and run.answers[(None, "1")].reason == "CUDA out of memory"
    assert run.scores is None  # an MCQ-only run has no binary scores


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"index": True, "method": "m", "answer": "A", "status": "ok"},
            "index must be a non-empty string or an integer",
        ),
        ({"index": 3, "method": "m", "answer": 4, "status": "ok"}, "answer must be a string or null"),
        ({"index": 3, "method": "m", "answer": None, "status": "failed"}, "a failed record needs a reason"),
        ({"index": 3, "method": "m", "answer": "A", "status": "done"}, "status must be 'ok' or 'failed'"),
    ],
)
def test_bad_answer_lines_name_file_and_line(tmp_path: Path, line: dict, message: str) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(
        json.dumps({"index": "0", "method": "m", "answer": "A", "status": "ok"}) + "\n" + json.dumps(line) + "\n"
    )
    with pytest.raises(FileFormatError) as info:
        read_answers(path)
    assert f"{path}:2" in str(info.value) and message in str(info.value)


def test_integer_indices_from_other_tools_match_text_indices() -> None:
    rec = AnswerRecord.from_dict({"index": 7, "method": "m", "answer": "A", "status": "ok"})
    assert rec.index == "7"
    row = MCQRow("7", "t", ("image",), ("i.jpg",), "q", {"A": "x", "B": "y"}, "A", "lens size", 2)
    assert row.index == rec.index
