"""ShotBench tables, red team R79: a pipe or device named ``.xlsx`` hung; shuffled options hid a
contradiction; ``camera_movement`` split a dimension; xlsx error cells, hidden rows and unnamed columns
were read without a word; a ``.txt`` typed video passed; ``.csv`` and ``.xlsm`` were tables to one
reader and not the other."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from camerabench.errors import FileFormatError
from camerabench.shotbench import COLUMNS, TABLE_EXTENSIONS, read_mcq_dir, read_mcq_table

OPTIONS = {"A": "Pan left", "B": "Static", "C": "Tilt up"}
LOGGER = "camerabench.shotbench"


def _row(index: int, *, answer: str = "B", category: str = "camera movement", **cells: str) -> list[str]:
    row = {
        "index": str(index),
        "type": '["video"]',
        "path": f"['video/c{index}.mp4']",
        "question": f"How does the camera move in clip {index}?",
        "options": json.dumps(OPTIONS),
        "answer": answer,
        "category": category,
    }
    row.update(cells)
    return [row[c] for c in COLUMNS]


def _text_table(path: Path, rows: list[list[str]], header: tuple[str, ...] = COLUMNS, delimiter: str = "\t") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _book(path: Path, rows: list[list[str]], edit: Callable[[Any], None]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append(row)
    edit(ws)
    wb.save(path)
    return path


class _HungError(Exception):
    """Raised by :func:`alarm` (not an OSError: the reader would wrap that as 'cannot read')."""


@pytest.fixture()
def alarm() -> Iterator[None]:
    """A read that hangs fails the test after 5 s instead of hanging the suite."""

    def expire(signum: int, frame: Any) -> None:
        raise _HungError("the read did not return in 5 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --- 1: a table path that is not a regular file -------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_device_named_xlsx_is_refused_before_it_is_opened(tmp_path: Path, alarm: None, kind: str) -> None:
    """Was: open() of the pipe waited for a writer forever; a link to /dev/zero was read forever (in C,
    past any alarm: /dev/null, the same kind of file, stands for it here; it was 'empty file')."""
    folder = tmp_path / "shotbench"
    folder.mkdir()
    path = folder / "t.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null")
    with pytest.raises(FileFormatError) as err:
        read_mcq_dir(folder)
    assert str(err.value) == f"{path}: is not a regular file"


# --- 2: the same options under other letters -----------------------------------------------------

SHUFFLED = json.dumps({"A": "Static", "B": "Pan left", "C": "Tilt up"})
SAME_QUESTION = {"path": "['video/a.mp4']", "question": "How does the camera move?"}


def test_shuffled_options_whose_answers_name_other_texts_are_an_error_naming_both(tmp_path: Path) -> None:
    """Was: both kept (letter B in both, 'Static' and 'Pan left'): accuracy 0.5 whatever the reply."""
    path = _text_table(
        tmp_path / "t.tsv",
        [_row(1, answer="B", **SAME_QUESTION), _row(2, answer="B", options=SHUFFLED, **SAME_QUESTION)],
    )
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(path)
    message = str(err.value)
    assert message.startswith(f"{path}:3: row '2' asks the question of row '1' (line 2 and this line")
    assert "answer 'B' ('Pan left'), but row '1' has 'B' ('Static')" in message
    assert message.endswith("one of the two would be scored wrong whatever the reply")


def test_shuffled_options_with_the_same_answer_text_are_a_repeat_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: read as two questions (counted twice), without a word."""
    path = _text_table(
        tmp_path / "t.tsv",
        [_row(1, answer="B", **SAME_QUESTION), _row(2, answer="A", options=SHUFFLED, **SAME_QUESTION)],
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        rows = read_mcq_table(path)
    assert [r.index for r in rows] == ["1"]
    assert f"{path}:3: row '2' repeats row '1' of line 2" in caplog.text


# --- 3: categories --------------------------------------------------------------------------------


def test_underscores_and_hyphens_in_a_category_read_as_spaces(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Was: three categories, each a third of camera movement, each counted in the mean."""
    written = ["camera movement", "camera_movement", "Camera-Movement", " Shot_Size "]
    path = _text_table(tmp_path / "t.tsv", [_row(i, category=c) for i, c in enumerate(written)])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        rows = read_mcq_table(path)
    assert [r.category for r in rows] == ["camera movement"] * 3 + ["shot size"]
    assert caplog.text == ""


def test_a_category_close_to_a_known_one_is_kept_with_one_warning_naming_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: 'camera movements' read as a ninth dimension without a word. Custom categories far from
    the 8 ('camera movement hard', 'depth of field') stay unwarned."""
    written = ["camera movements", "camera movements", "lightning type", "camera movement hard", "depth of field"]
    path = _text_table(tmp_path / "t.tsv", [_row(i, category=c) for i, c in enumerate(written)])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        rows = read_mcq_table(path)
    assert [r.category for r in rows] == written
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: categories not one of ShotBench's 8 but close to one: 'camera movements' (2 rows) resembles "
        "'camera movement'; 'lightning type' (1 row) resembles 'lighting type'; each is read as a category of "
        "its own: write the known one if it is that dimension"
    ]


# --- 4, 5: xlsx error cells and hidden rows ----------------------------------------------------------


@pytest.mark.parametrize(("cell", "error"), [("G2", "#N/A"), ("D3", "#VALUE!"), ("F2", "#DIV/0!")])
def test_an_xlsx_error_cell_is_an_error_naming_sheet_cell_and_value(tmp_path: Path, cell: str, error: str) -> None:
    """Was: read as the text '#N/A' (a category of its own) or '#VALUE!' (the question)."""

    def put(ws: Any) -> None:
        ws[cell] = error
        ws[cell].data_type = "e"

    path = _book(tmp_path / "t.xlsx", [_row(1), _row(2)], put)
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(path)
    assert str(err.value) == (
        f"{path}:{cell[1:]}: cell {cell} of sheet 'Sheet' holds the spreadsheet error {error} (a formula that "
        "failed, or an error typed in): write the value"
    )


@pytest.mark.parametrize("filtered", [False, True], ids=["hidden", "filtered"])
def test_hidden_xlsx_rows_are_read_with_a_warning_naming_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, filtered: bool
) -> None:
    """Was: read and scored without a word, though whoever looks at the sheet does not see them."""

    def hide(ws: Any) -> None:
        for r in (3, 5, 6, 7, 8, 9):
            ws.row_dimensions[r].hidden = True
        ws.row_dimensions[20].hidden = True  # no data there: not counted
        if filtered:
            ws.auto_filter.ref = "A1:G9"

    path = _book(tmp_path / "t.xlsx", [_row(i) for i in range(1, 9)], hide)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        rows = read_mcq_table(path)
    assert [r.index for r in rows] == [str(i) for i in range(1, 9)]
    filter_said = "; the sheet has a filter on A1:G9" if filtered else ""
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: sheet 'Sheet': 6 hidden rows holding data (rows 3, 5, 6, 7, 8, ...{filter_said}); read and "
        "scored as the others: unhide them to see what is scored, and delete the rows that should not be"
    ]


# --- 6: a column with an empty header cell -------------------------------------------------------------


def test_data_under_an_empty_tsv_header_cell_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Was: dropped without a word. A pandas index column (empty header, first) is the harmless case."""
    rows = [[str(i), *r[:3], "stray" if i else "", *r[3:]] for i, r in enumerate([_row(1), _row(2), _row(3)])]
    path = _text_table(tmp_path / "t.tsv", rows, header=("", *COLUMNS[:3], "", *COLUMNS[3:]))
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        read = read_mcq_table(path)
    assert [r.index for r in read] == ["1", "2", "3"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:1: 2 columns with an empty header cell hold data (column 1: 3 rows, column 5: 2 rows); not read "
        "(a pandas export's unnamed index column is harmless; otherwise give the column its header, one of "
        + ", ".join(COLUMNS)
        + ")"
    ]


def test_data_under_an_empty_xlsx_header_cell_names_its_letter(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def stray(ws: Any) -> None:
        ws.insert_cols(4)
        ws["D3"] = "stray"

    path = _book(tmp_path / "t.xlsx", [_row(1), _row(2)], stray)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert [r.question for r in read_mcq_table(path)] == [_row(1)[3], _row(2)[3]]
    assert "t.xlsx:1: 1 column with an empty header cell holds data (column 4 (D): 1 row); not read" in caplog.text


# --- 7: a medium with a known non-media extension ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["video", "image"])
def test_a_medium_with_a_text_extension_is_an_error_naming_line_and_path(tmp_path: Path, kind: str) -> None:
    """Was: 'video/notes.txt' typed video accepted (the data folder's walk calls it 'not a video')."""
    path = _text_table(tmp_path / "t.tsv", [_row(1), _row(2, type=f'["{kind}"]', path="['video/notes.txt']")])
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(path)
    assert str(err.value) == (
        f"{path}:3: type says {kind!r} for 'video/notes.txt', but '.txt' is neither a video nor an image "
        "extension (a text, data, audio or archive file): name the medium's file"
    )


# --- 8: one list of table extensions; .csv read as the TSV is ---------------------------------------------


def test_a_csv_table_reads_as_its_tsv_reads(tmp_path: Path) -> None:
    """Was: a .csv export was 'not read' (a warning), the table silently absent from the scores."""
    rows = [_row(1), _row(2, question='"Wide" or close, pan?'), _row(3, answer="A", category="Shot_Size")]
    tsv = read_mcq_table(_text_table(tmp_path / "t.tsv", rows))
    folder = tmp_path / "shotbench"
    folder.mkdir()
    _text_table(folder / "t.csv", rows, delimiter=",")
    tables = read_mcq_dir(folder)
    assert list(tables) == ["t"]
    assert [(r.index, r.question, r.options, r.answer, r.category, r.line) for r in tables["t"]] == [
        (r.index, r.question, r.options, r.answer, r.category, r.line) for r in tsv
    ]
    assert tables["t"][1].question == '"Wide" or close, pan?'


def test_a_tab_separated_file_named_csv_is_said_to_be_a_tsv(tmp_path: Path) -> None:
    path = _text_table(tmp_path / "t.csv", [_row(1)])
    with pytest.raises(FileFormatError, match=r"t\.csv:1: missing column.*separated by tabs: the file is no CSV table"):
        read_mcq_table(path)


@pytest.mark.parametrize("suffix", [".tsv", ".TSV", ".csv", ".xlsx", ".xlsm", ".txt", ".json"])
def test_the_folder_and_the_table_reader_agree_on_what_is_a_table(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, suffix: str
) -> None:
    """Was: an .xlsm read by read_mcq_table and skipped by read_mcq_dir; a .txt read as a TSV by one."""
    folder = tmp_path / "shotbench"
    folder.mkdir()
    path = folder / f"t{suffix}"
    if suffix.lower() in (".xlsx", ".xlsm"):
        _book(path, [_row(1)], lambda ws: None)
    else:
        _text_table(path, [_row(1)], delimiter="," if suffix == ".csv" else "\t")
    is_table = suffix.lower() in TABLE_EXTENSIONS
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        in_folder = read_mcq_dir(folder)
    assert [r.index for r in in_folder.get("t", [])] == (["1"] if is_table else [])
    if is_table:
        assert [r.index for r in read_mcq_table(path)] == ["1"]
    else:
        assert f"1 entry is not a .tsv, .csv, .xlsx or .xlsm table directly in the folder; not read: t{suffix}" in (
            caplog.text
        )
        with pytest.raises(FileFormatError, match=r"not a ShotBench table: its extension is not \.tsv, \.csv"):
            read_mcq_table(path)
