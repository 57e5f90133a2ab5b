""".xlsx ShotBench tables read cell by cell (red team R70).

Through ``pandas.read_excel`` only the first sheet was read without a word (a stale sheet beside the
active one), a repeated column or a cell past the header came back renamed (``answer.1``,
``Unnamed: 7``) and passed where the same TSV is refused, and dates, logical values and 20-digit
numbers became other text; an OLE2 file (a password-protected workbook, an old .xls renamed) was
said to need pandas and openpyxl, a 0-byte file to need an engine.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from camerabench.errors import FileFormatError
from camerabench.shotbench import COLUMNS, read_mcq_table

OPTIONS = json.dumps({"A": "Pan left", "B": "Tilt up", "C": "Static"})


def _rows(n: int = 3) -> list[list[Any]]:
    return [
        [
            str(i + 1),
            '["video"]',
            f"['video/c{i}.mp4']",
            f"How does the camera move {i}?",
            OPTIONS,
            "B",
            "camera movement",
        ]
        for i in range(n)
    ]


def _book(path: Path, rows: list[list[Any]], edit: Callable[[Any, Any], None] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if edit is not None:
        edit(wb, ws)
    wb.save(path)
    return path


def _tsv(path: Path, rows: list[list[Any]]) -> Path:
    path.write_text("".join("\t".join(str(c) for c in row) + "\n" for row in rows))
    return path


def test_a_table_reads_as_its_tsv_reads(tmp_path: Path) -> None:
    rows = [list(COLUMNS), *_rows()]
    rows[2][0] = 2.0  # a whole number typed as a number: its integer
    rows[3][3] = "镜头如何运动？"
    from_xlsx = read_mcq_table(_book(tmp_path / "t.xlsx", rows))
    rows[2][0] = "2"
    from_tsv = read_mcq_table(_tsv(tmp_path / "t.tsv", rows))
    assert [(r.index, r.question, r.answer, r.category, r.line) for r in from_xlsx] == [
        (r.index, r.question, r.answer, r.category, r.line) for r in from_tsv
    ]
    assert [r.index for r in from_xlsx] == ["1", "2", "3"]


def test_data_on_two_sheets_is_refused_naming_them(tmp_path: Path) -> None:
    def second(wb: Any, ws: Any) -> None:
        ws.title = "v1_old"
        new = wb.create_sheet("v2")
        for row in [list(COLUMNS), *_rows()]:
            new.append(row)
        wb.active = 1

    path = _book(tmp_path / "multi.xlsx", [list(COLUMNS), *_rows()], second)
    with pytest.raises(FileFormatError) as caught:
        read_mcq_table(path)
    assert str(caught.value) == (
        f"{path}: data on 2 sheets ('v1_old', 'v2'): a ShotBench table is one sheet; delete the others (or save "
        "each as its own file)"
    )


def test_an_empty_sheet_beside_the_table_is_no_other_table(tmp_path: Path) -> None:
    path = _book(tmp_path / "t.xlsx", [list(COLUMNS), *_rows()], lambda wb, ws: wb.create_sheet("notes"))
    assert len(read_mcq_table(path)) == 3


@pytest.mark.parametrize("suffix", [".xlsx", ".tsv"])
def test_a_repeated_column_and_a_cell_past_the_header_are_refused_as_in_a_tsv(tmp_path: Path, suffix: str) -> None:
    write = _book if suffix == ".xlsx" else _tsv
    repeated = write(tmp_path / f"rep{suffix}", [[*COLUMNS, "answer"], *[[*r, "A"] for r in _rows()]])
    with pytest.raises(FileFormatError, match=r"rep\.\w+:1: column\(s\) \['answer'\] appear more than once"):
        read_mcq_table(repeated)
    rows = [list(COLUMNS), *_rows()]
    rows[2] = [*rows[2], "stray"]
    stray = write(tmp_path / f"stray{suffix}", rows)
    with pytest.raises(FileFormatError, match=r"stray\.\w+:3: 8 cells, the header has 7"):
        read_mcq_table(stray)


@pytest.mark.parametrize(
    ("cell", "value", "problem"),
    [
        (0, datetime.datetime(2024, 1, 2), "cell A3 is a date or time (2024-01-02 00:00:00), text a spreadsheet"),
        (3, datetime.time(3, 4), "cell D3 is a date or time (03:04:00)"),
        (0, True, "cell A3 is the logical value TRUE: write it as text"),
        (0, 12345678901234567890, "cell A3 holds the number 1.2345678901234569e+19, past what a spreadsheet holds"),
    ],
)
def test_a_cell_the_spreadsheet_converted_is_refused_naming_it(
    tmp_path: Path, cell: int, value: Any, problem: str
) -> None:
    rows = [list(COLUMNS), *_rows()]
    rows[2][cell] = value
    path = _book(tmp_path / "t.xlsx", rows)
    with pytest.raises(FileFormatError) as caught:
        read_mcq_table(path)
    assert str(caught.value).startswith(f"{path}:3: {problem}")


def test_a_formula_without_a_saved_value_and_merged_cells_are_said_so(tmp_path: Path) -> None:
    rows = [list(COLUMNS), *_rows()]
    rows[2][5] = '="B"'  # openpyxl saves formulas without computing them
    path = _book(tmp_path / "f.xlsx", rows)
    with pytest.raises(
        FileFormatError, match=r'f\.xlsx:3: cell F3 holds a formula \(="B"\) whose saved value is empty'
    ):
        read_mcq_table(path)
    merged = _book(tmp_path / "m.xlsx", [list(COLUMNS), *_rows()], lambda wb, ws: ws.merge_cells("G2:G4"))
    with pytest.raises(FileFormatError, match=r"m\.xlsx:2: cells G2:G4 are merged \(the value is in the first cell"):
        read_mcq_table(merged)


def test_files_that_are_no_workbook_are_said_to_be_what_they_are(tmp_path: Path) -> None:
    ole = tmp_path / "locked.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(FileFormatError, match=r"locked\.xlsx: an OLE2 compound file, not an xlsx workbook: a pass"):
        read_mcq_table(ole)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match=r"empty\.xlsx: empty file \(0 bytes\), not an xlsx workbook"):
        read_mcq_table(empty)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    with pytest.raises(FileFormatError, match=r"old\.xls: a \.xls spreadsheet: save it as \.xlsx \(or as \.tsv\)"):
        read_mcq_table(old)
    blank_first = _book(tmp_path / "b.xlsx", [[], list(COLUMNS), *_rows()])
    with pytest.raises(FileFormatError, match=r"b\.xlsx:1: row 1 is empty: the header \(index, type, path"):
        read_mcq_table(blank_first)


def test_columns_the_table_does_not_use_are_read_whatever_they_hold(tmp_path: Path) -> None:
    """R72: a date, a logical value or a formula saved with an empty value in a column of one's own
    (``annotated_on``, ``verified``, ``note``) refused a table the TSV reader and the earlier reader
    took."""
    rows = [[*COLUMNS, "annotated_on", "verified", "note"]]
    rows += [[*r, datetime.datetime(2025, 3, 1), True, '=IF(F2="X","check","")'] for r in _rows()]
    path = _book(tmp_path / "t.xlsx", rows)
    assert [(r.index, r.answer) for r in read_mcq_table(path)] == [("1", "B"), ("2", "B"), ("3", "B")]
